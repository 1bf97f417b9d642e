/*
 * pubsub_proc_test.c -- distributed pub/sub across member processes
 * (cluster_node.c on loopback, test profile, mediators gossiping every
 * 200 ms). Every wait reads the processes' lines: "TOPIC <topic> <n>"
 * when a node's registry changes, "MSG sub <node>/<topic> <n>" for each
 * message a subscriber gets, "PONG sink <node> <n>" for each answer. That
 * something did not arrive is shown with a barrier: a later message from
 * the same mediator to the same subscriber actor (one association, one
 * mailbox: in order) that did arrive.
 */
#include <check.h>
#include <stdbool.h>

#include "akt/akt.h"
#include "akt/cluster.h"
#include "member_proc.h"

#define N 3
static mp_member m[N];

static bool
saw_up(const mp_member *x, const void *arg)
{
    return mp_count(x, "EV MemberUp", (const char *)arg) > 0;
}

static void
cmd(int i, const char *line)
{
    ck_assert(mp_send(&m[i], line));
}

static void
wait_line(int i, const char *line)
{
    ck_assert_msg(mp_wait_line(&m[i], line, 30000),
        "node %d never printed '%s'", i, line);
}

/* Proves: a publish reaches every subscriber of the topic on every node,
 * once, and no one else; with one_per_group exactly one member of the
 * group gets each message; an unsubscribed node gets nothing more (the
 * barrier arrives, the message before it did not); send goes to one actor
 * put under the path (the local one with local affinity), send_to_all to
 * each; a subscriber that stops is removed from every node's registry; a
 * killed node's entries go when it is removed. */
START_TEST(publish_send_and_the_registry_across_processes)
{
    for (int i = 0; i < N; i++) {
        char name[8];
        snprintf(name, sizeof name, "n%d", i);
        ck_assert_int_eq(mp_start(&m[i], CLUSTER_NODE_BIN, name, ""), 0);
    }
    char join[600];
    snprintf(join, sizeof join, "join %s", m[0].p.address);
    for (int i = 0; i < N; i++) {
        cmd(i, join);
    }
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < N; k++) {
            ck_assert(mp_until(&m[i], 30000, saw_up, m[k].p.address));
        }
        cmd(i, "worker");
        cmd(i, "pubsub");
        wait_line(i, "PUBSUB success");
    }

    /* publish: n1 and n2 subscribe; n0 learns it by gossip */
    cmd(1, "sub news");
    cmd(2, "sub news");
    cmd(1, "sub all");
    cmd(2, "sub all");
    wait_line(0, "TOPIC news 2");
    wait_line(0, "TOPIC all 2");
    cmd(0, "pub news 1");
    wait_line(1, "MSG sub n0/news 1");
    wait_line(2, "MSG sub n0/news 1");
    ck_assert_int_eq(mp_count(&m[0], "MSG", NULL), 0);

    /* one per group: ten publishes, ten deliveries between n1 and n2 */
    cmd(1, "sub jobs g");
    cmd(2, "sub jobs g");
    wait_line(0, "TOPIC jobs 2");
    for (int k = 1; k <= 10; k++) {
        char line[64];
        snprintf(line, sizeof line, "pub jobs %d group", k);
        cmd(0, line);
    }
    cmd(0, "pub all 100");
    wait_line(1, "MSG sub n0/all 100");
    wait_line(2, "MSG sub n0/all 100");
    int got1 = mp_count(&m[1], "MSG sub n0/jobs", NULL);
    int got2 = mp_count(&m[2], "MSG sub n0/jobs", NULL);
    ck_assert_int_eq(got1 + got2, 10);
    /* a publish without one_per_group does not reach group members */
    cmd(0, "pub jobs 11");
    cmd(0, "pub all 101");
    wait_line(1, "MSG sub n0/all 101");
    wait_line(2, "MSG sub n0/all 101");
    ck_assert_int_eq(mp_count(&m[1], "MSG sub n0/jobs 11", NULL), 0);
    ck_assert_int_eq(mp_count(&m[2], "MSG sub n0/jobs 11", NULL), 0);

    /* unsubscribe: n2 gets no more news */
    mp_forget(&m[0]);
    cmd(2, "unsub news");
    wait_line(0, "TOPIC news 1");
    cmd(0, "pub news 2");
    cmd(0, "pub all 102");
    wait_line(1, "MSG sub n0/news 2");
    wait_line(2, "MSG sub n0/all 102");
    ck_assert_int_eq(mp_count(&m[2], "MSG sub n0/news 2", NULL), 0);

    /* send and send_to_all to the workers put under /user/worker */
    cmd(1, "put");
    cmd(2, "put");
    wait_line(0, "TOPIC /user/worker 2");
    mp_forget(&m[0]);
    for (int k = 1; k <= 6; k++) {
        char line[64];
        snprintf(line, sizeof line, "send /user/worker %d", k);
        cmd(0, line);
    }
    ck_assert(mp_wait_lines(&m[0], "PONG sink", 6, 20000));
    ck_assert_int_eq(mp_count(&m[0], "PONG sink n1", NULL)
            + mp_count(&m[0], "PONG sink n2", NULL),
        6);
    mp_forget(&m[0]);
    cmd(0, "sendall /user/worker 7");
    ck_assert(mp_wait_lines(&m[0], "PONG sink", 2, 20000));
    ck_assert_int_eq(mp_count(&m[0], "PONG sink n1 7", NULL), 1);
    ck_assert_int_eq(mp_count(&m[0], "PONG sink n2 7", NULL), 1);
    wait_line(1, "TOPIC /user/worker 2");
    mp_forget(&m[1]);
    for (int k = 1; k <= 5; k++) {
        char line[64];
        snprintf(line, sizeof line, "send /user/worker %d local", k);
        cmd(1, line);
    }
    ck_assert(mp_wait_lines(&m[1], "PONG sink", 5, 20000));
    ck_assert_int_eq(mp_count(&m[1], "PONG sink n1", NULL), 5);
    mp_forget(&m[1]);
    cmd(1, "sendall /user/worker 8 butself");
    ck_assert(mp_wait_lines(&m[1], "PONG sink", 1, 20000));
    ck_assert_int_eq(mp_count(&m[1], "PONG sink n2 8", NULL), 1);

    /* a subscriber that stops leaves every registry */
    mp_forget(&m[0]);
    cmd(1, "stopsub");
    wait_line(0, "TOPIC all 1");
    wait_line(0, "TOPIC news 0");

    /* a killed node's entries go when it is removed */
    mp_forget(&m[0]);
    mp_kill(&m[2]);
    wait_line(0, "EV MemberRemoved");
    wait_line(0, "TOPIC all 0");
    wait_line(0, "TOPIC /user/worker 1");
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(mp_quit(&m[i]), 0);
    }
}
END_TEST

static void
teardown(void)
{
    for (int i = 0; i < N; i++) {
        mp_kill(&m[i]);
    }
}

int
main(void)
{
    Suite *s = suite_create("cluster_pubsub_proc");
    TCase *tc = tcase_create("pubsub");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 150);
    tcase_add_test(tc, publish_send_and_the_registry_across_processes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
