/*
 * cluster_proc_test.c -- the cluster over real remoting, in real processes
 * on loopback TCP (tests/cluster/cluster_node.c, one per member), with the
 * test profile (intervals 250 ms, acceptable pause 1.5 s, stable-after
 * 3 s). Every wait reads the members' event lines until what it waits
 * for shows or its bound passes; nothing sleeps a fixed time.
 */
#include <check.h>
#include <inttypes.h>
#include <stdbool.h>

#include "remote/peer_proc.h"

#define PROFILE                                                                \
    "akt.cluster { gossip-interval = 250ms, gossip-time-to-live = 1s,"         \
    " leader-actions-interval = 250ms,"                                        \
    " unreachable-nodes-reaper-interval = 250ms, seed-node-timeout = 1s,"      \
    " retry-unsuccessful-join-after = 2s, allow-weakly-up-members = 2s,"       \
    " run-coordinated-shutdown-when-down = off,"                               \
    " failure-detector { heartbeat-interval = 250ms,"                          \
    " acceptable-heartbeat-pause = 1500ms, expected-response-after = 500ms }," \
    " split-brain-resolver { stable-after = 3s } }"

#define NODES 3

typedef struct member {
    peer_proc p;
    /* what this process reported, per peer index: last status event */
    char up[NODES], removed[NODES], unreachable[NODES], downed[NODES];
} member;

static member m[NODES];

static void
start(int i)
{
    char name[16];
    snprintf(name, sizeof name, "n%d", i);
    char *argv[] = { CLUSTER_NODE_BIN, name, PROFILE, NULL };
    ck_assert_msg(
        pp_start(&m[i].p, argv, 10000) == 0, "node %d did not start", i);
    memset(m[i].up, 0, NODES);
    memset(m[i].removed, 0, NODES);
    memset(m[i].unreachable, 0, NODES);
    memset(m[i].downed, 0, NODES);
}

static void
send_line(int i, const char *fmt, const char *a)
{
    char buf[2048];
    int n = snprintf(buf, sizeof buf, fmt, a);
    ck_assert(write(m[i].p.in_fd, buf, (size_t)n) == n);
}

/* which member an event line is about (by address), -1 for none */
static int
who(const char *addr)
{
    for (int k = 0; k < NODES; k++) {
        if (strcmp(m[k].p.address, addr) == 0) {
            return k;
        }
    }
    return -1;
}

/* read what node i printed for up to ms; returns when cond(arg) holds */
static bool
pump_until(int i, int ms, bool (*cond)(void *), void *arg)
{
    long long end = pp_now_ms() + ms;
    while (!cond(arg)) {
        long long left = end - pp_now_ms();
        if (left <= 0 || pp_read_line(&m[i].p, (int)left) != 0) {
            return cond(arg);
        }
        char ev[64], addr[512], status[32];
        unsigned long long uid;
        if (sscanf(
                m[i].p.line, "EV %63s %511s %llx %31s", ev, addr, &uid, status)
            != 4) {
            continue;
        }
        int k = who(addr);
        if (k < 0) {
            continue;
        }
        if (strcmp(ev, "MemberUp") == 0) {
            m[i].up[k] = 1;
        } else if (strcmp(ev, "MemberRemoved") == 0) {
            m[i].removed[k] = 1;
        } else if (strcmp(ev, "UnreachableMember") == 0) {
            m[i].unreachable[k] = 1;
        } else if (strcmp(ev, "MemberDowned") == 0) {
            m[i].downed[k] = 1;
        }
    }
    return true;
}

static bool
all_up(void *arg)
{
    int i = *(int *)arg;
    for (int k = 0; k < NODES; k++) {
        if (!m[i].up[k]) {
            return false;
        }
    }
    return true;
}

static bool
removed(void *arg)
{
    int *ia = arg;
    return m[ia[0]].removed[ia[1]] != 0;
}

/* Proves: three processes on loopback TCP form a cluster through a seed
 * (the first joins itself): each reports all three Up. Then one is
 * killed with SIGKILL: the two others see it unreachable, keep-majority
 * (2 of 3) downs it and both report it removed within detection +
 * stable-after + dissemination (about 7 s on an idle machine; 20 s
 * allowed). */
START_TEST(three_processes_form_a_cluster_and_a_killed_one_is_removed)
{
    for (int i = 0; i < NODES; i++) {
        start(i);
    }
    send_line(0, "join %s\n", m[0].p.address);
    send_line(1, "join %s\n", m[0].p.address);
    send_line(2, "join %s\n", m[0].p.address);
    for (int i = 0; i < NODES; i++) {
        ck_assert_msg(pump_until(i, 20000, all_up, &i),
            "node %d did not see all three Up", i);
    }
    long long t0 = pp_now_ms();
    pp_kill(&m[2].p);
    for (int i = 0; i < 2; i++) {
        int arg[2] = { i, 2 };
        ck_assert_msg(pump_until(i, 20000, removed, arg),
            "node %d did not remove the killed node", i);
        ck_assert(m[i].unreachable[2]);
        ck_assert(m[i].downed[2]);
        ck_assert(!m[i].removed[0] && !m[i].removed[1]);
        fprintf(stderr, "node %d removed the killed node after %lld ms\n", i,
            pp_now_ms() - t0);
    }
    for (int i = 0; i < 2; i++) {
        send_line(i, "%s", "quit\n");
        ck_assert_int_eq(pp_stop(&m[i].p, 10000), 0);
    }
}
END_TEST

static void
teardown(void)
{
    for (int i = 0; i < NODES; i++) {
        pp_kill(&m[i].p);
    }
}

static Suite *
proc_suite(void)
{
    Suite *s = suite_create("cluster_proc");
    TCase *tc = tcase_create("proc");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(
        tc, three_processes_form_a_cluster_and_a_killed_one_is_removed);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(proc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
