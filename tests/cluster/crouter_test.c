/*
 * crouter_test.c -- cluster-aware group routers across member processes
 * (cluster_node.c on loopback, test profile): the routees are the workers
 * on the members with the role that are Up and reachable, and follow the
 * membership. Every wait reads the processes' lines (ROUTEES after each
 * change of the routees, PONG for each answer) until what it waits for
 * shows: the router says its routees changed before a Ping is sent, so
 * which workers answer is exact, not a matter of timing.
 */
#include <check.h>
#include <stdbool.h>

#include "akt/akt.h"
#include "akt/cluster.h"
#include "member_proc.h"

#define N 4
static mp_member m[N];

static bool
saw_up(const mp_member *x, const void *arg)
{
    return mp_count(x, "EV MemberUp", (const char *)arg) > 0;
}

static void
wait_up(int observer, int who)
{
    ck_assert_msg(mp_until(&m[observer], 30000, saw_up, m[who].p.address),
        "node %d did not see node %d Up", observer, who);
}

/* the PONG lines on n0 from node name */
static int
pongs_from(const char *name)
{
    char word[32];
    snprintf(word, sizeof word, " %s ", name);
    return mp_count(&m[0], "PONG", word);
}

static void
route(const char *cmd, int expect)
{
    mp_forget(&m[0]);
    ck_assert(mp_send(&m[0], cmd));
    ck_assert_msg(mp_wait_lines(&m[0], "PONG", expect, 20000),
        "%d answers to '%s' did not come", expect, cmd);
}

static void
wait_routees(const char *line)
{
    ck_assert_msg(
        mp_wait_line(&m[0], line, 30000), "the router never said '%s'", line);
}

/* Proves: a round-robin router on n0 over /user/worker of the members
 * with role backend routes to exactly those (n1, n2; not n0, a frontend
 * with a worker too), in turn; a backend member that joins later (n3)
 * becomes routees once Up; one that leaves (n2) is no routee from its
 * Leaving on; one that is killed (n3) is no routee as soon as it is
 * unreachable, before it is downed. A consistent-hash router sends each
 * key to the same worker every time. */
START_TEST(routees_follow_the_membership)
{
    const char *roles[N] = { "frontend", "backend", "backend", "backend" };
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof name, "n%d", i);
        ck_assert_int_eq(mp_start(&m[i], CLUSTER_NODE_BIN, name, roles[i]), 0);
        ck_assert(mp_send(&m[i], "worker"));
    }
    for (int i = 0; i < 3; i++) {
        char join[600];
        snprintf(join, sizeof join, "join %s", m[0].p.address);
        ck_assert(mp_send(&m[i], join));
    }
    for (int k = 0; k < 3; k++) {
        wait_up(0, k);
    }
    ck_assert(mp_send(&m[0], "router rr backend"));
    wait_routees("ROUTEES router 2");
    route("route 10", 10);
    ck_assert_int_eq(pongs_from("n1"), 5);
    ck_assert_int_eq(pongs_from("n2"), 5);
    ck_assert_int_eq(pongs_from("n0"), 0);

    /* consistent hashing: the same keys twice go to the same workers */
    ck_assert(mp_send(&m[0], "router hash backend hrouter"));
    wait_routees("ROUTEES hrouter 2");
    route("route 20 hrouter", 20);
    char first[21][8] = { { 0 } };
    for (int i = 0; i < m[0].nlines; i++) {
        char node[8];
        int n;
        if (sscanf(m[0].lines[i], "PONG sink %7s %d", node, &n) == 2 && n >= 1
            && n <= 20) {
            strcpy(first[n], node);
        }
    }
    route("route 20 hrouter", 20);
    for (int i = 0; i < m[0].nlines; i++) {
        char node[8];
        int n;
        if (sscanf(m[0].lines[i], "PONG sink %7s %d", node, &n) == 2) {
            ck_assert_str_eq(first[n], node);
        }
    }
    ck_assert_int_gt(pongs_from("n1"), 0);
    ck_assert_int_gt(pongs_from("n2"), 0);

    /* a backend that joins later becomes routees */
    mp_forget(&m[0]);
    ck_assert_int_eq(mp_start(&m[3], CLUSTER_NODE_BIN, "n3", roles[3]), 0);
    ck_assert(mp_send(&m[3], "worker"));
    char join[600];
    snprintf(join, sizeof join, "join %s", m[0].p.address);
    ck_assert(mp_send(&m[3], join));
    wait_routees("ROUTEES router 3");
    route("route 9", 9);
    ck_assert_int_eq(pongs_from("n1"), 3);
    ck_assert_int_eq(pongs_from("n2"), 3);
    ck_assert_int_eq(pongs_from("n3"), 3);

    /* one that leaves is no routee any more */
    mp_forget(&m[0]);
    ck_assert(mp_send(&m[2], "leave"));
    wait_routees("ROUTEES router 2");
    route("route 4", 4);
    ck_assert_int_eq(pongs_from("n1"), 2);
    ck_assert_int_eq(pongs_from("n3"), 2);
    ck_assert_int_eq(pongs_from("n2"), 0);

    /* one that is killed is no routee once unreachable, before it is
     * downed */
    mp_forget(&m[0]);
    mp_kill(&m[3]);
    wait_routees("ROUTEES router 1");
    ck_assert_int_eq(mp_count(&m[0], "EV MemberDowned", NULL), 0);
    route("route 3", 3);
    ck_assert_int_eq(pongs_from("n1"), 3);
    /* it was unreachable, not down, when it stopped being a routee: the
     * resolver downs it only now (stable-after later) */
    ck_assert_msg(mp_wait_line(&m[0], "EV MemberDowned", 30000),
        "the killed node was never downed");
    for (int i = 0; i < 3; i++) {
        if (m[i].p.pid > 0) {
            ck_assert_int_eq(mp_quit(&m[i]), 0);
        }
    }
}
END_TEST

/* Proves: bad options are refused (EINVAL), and a router on a system
 * without a cluster is AKT_ENOENT. */
START_TEST(bad_router_options_are_refused)
{
    akt_system *sys;
    ck_assert_int_eq(akt_system_create("r", NULL, &sys), AKT_OK);
    const char *good[] = { "/user/w" }, *bad[] = { "user/w" };
    akt_cluster_router_options o
        = { .logic = AKT_ROUTE_ROUND_ROBIN, .paths = good, .npaths = 1 };
    akt_ref r;
    ck_assert_int_eq(akt_cluster_router_spawn(sys, &o, "r", &r), AKT_ENOENT);
    o.paths = bad;
    ck_assert_int_eq(akt_cluster_router_spawn(sys, &o, "r", &r), AKT_EINVAL);
    o.paths = good;
    o.npaths = 0;
    ck_assert_int_eq(akt_cluster_router_spawn(sys, &o, "r", &r), AKT_EINVAL);
    o.npaths = 1;
    o.logic = AKT_ROUTE_CONSISTENT_HASH; /* without hash_key */
    ck_assert_int_eq(akt_cluster_router_spawn(sys, &o, "r", &r), AKT_EINVAL);
    o.logic = AKT_ROUTE_SCATTER_GATHER;
    ck_assert_int_eq(akt_cluster_router_spawn(sys, &o, "r", &r), AKT_EINVAL);
    akt_system_free(sys);
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
    Suite *s = suite_create("cluster_router");
    TCase *tc = tcase_create("router");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 150);
    tcase_add_test(tc, bad_router_options_are_refused);
    tcase_add_test(tc, routees_follow_the_membership);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
