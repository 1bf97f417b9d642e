/*
 * api_test.c -- the public cluster API (akt/cluster.h) on three systems in
 * one process over loopback TCP remoting, with the test profile: start
 * refuses what it must (no remoting, no registry, a bad setting naming its
 * key), the systems form a cluster, a late subscriber gets the current
 * state first, a graceful leave and a manual down go through to Removed
 * and stop the member, the state snapshot matches. Waits are on a
 * condition variable fed by the event callbacks.
 */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/akt.h"
#include "akt/cluster.h"

#define PROFILE                                                                \
    "akt.cluster { gossip-interval = 250ms, gossip-time-to-live = 1s,"         \
    " leader-actions-interval = 250ms,"                                        \
    " unreachable-nodes-reaper-interval = 250ms, seed-node-timeout = 1s,"      \
    " retry-unsuccessful-join-after = 2s,"                                     \
    " run-coordinated-shutdown-when-down = off,"                               \
    " failure-detector { heartbeat-interval = 250ms,"                          \
    " acceptable-heartbeat-pause = 1500ms, expected-response-after = 500ms }," \
    " split-brain-resolver { stable-after = 3s } }"

#define N 3

/* what one system's subscriber saw, per member index: last event kind */
typedef struct seen {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int up[N], removed[N], left[N], downed[N], unreachable[N], stopped;
    int events;
} seen;

static akt_system *sys[N];
static akt_registry *reg[N];
static akt_config *cfg;
static char addr[N][256];
static seen sn[N];

static int
index_of(const akt_cluster_address *a)
{
    char p[256];
    akt_cluster_member_path(a, p, sizeof p);
    for (int i = 0; i < N; i++) {
        if (strcmp(p, addr[i]) == 0) {
            return i;
        }
    }
    return -1;
}

static void
on_event(void *arg, const akt_cluster_event *ev)
{
    seen *s = arg;
    pthread_mutex_lock(&s->mu);
    int k = ev->has_member ? index_of(&ev->member.address) : -1;
    if (k >= 0 && ev->kind == AKT_CLUSTER_MEMBER_UP) {
        s->up[k]++;
    }
    if (k >= 0 && ev->kind == AKT_CLUSTER_MEMBER_REMOVED) {
        s->removed[k]++;
    }
    if (k >= 0 && ev->kind == AKT_CLUSTER_MEMBER_LEFT) {
        s->left[k]++;
    }
    if (k >= 0 && ev->kind == AKT_CLUSTER_MEMBER_DOWNED) {
        s->downed[k]++;
    }
    if (k >= 0 && ev->kind == AKT_CLUSTER_UNREACHABLE) {
        s->unreachable[k]++;
    }
    if (ev->kind == AKT_CLUSTER_SELF_STOPPED) {
        s->stopped++;
    }
    s->events++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* wait until *field (under s->mu) >= target, at most ms */
static bool
wait_for(seen *s, const int *field, int target, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (*field < target) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0) {
            break;
        }
    }
    bool ok = *field >= target;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static void
start_systems(void)
{
    akt_config_error err;
    ck_assert_int_eq(
        akt_config_parse_string(PROFILE, strlen(PROFILE), "test", &cfg, &err),
        AKT_OK);
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "api%d", i);
        ck_assert_int_eq(akt_system_create(name, cfg, &sys[i]), AKT_OK);
        ck_assert_int_eq(akt_registry_new(&reg[i]), AKT_OK);
        akt_remote_options ro
            = { .listen_url = "tcp://127.0.0.1:0", .registry = reg[i] };
        ck_assert_int_eq(akt_remote_start(sys[i], &ro), AKT_OK);
        akt_remote_address(sys[i], addr[i], sizeof addr[i]);
        memset(&sn[i], 0, sizeof sn[i]);
        pthread_mutex_init(&sn[i].mu, NULL);
        pthread_cond_init(&sn[i].cv, NULL);
    }
}

static void
teardown(void)
{
    for (int i = 0; i < N; i++) {
        if (sys[i] != NULL) {
            akt_system_free(sys[i]);
            sys[i] = NULL;
        }
        if (reg[i] != NULL) {
            akt_registry_free(reg[i]);
            reg[i] = NULL;
        }
    }
    akt_config_release(cfg);
    cfg = NULL;
}

/* Proves: akt_cluster_start refuses a system without remoting (ENOENT,
 * saying so), options without a registry (EINVAL), a bad setting (its
 * error names the key and what was expected; also each bad
 * akt.cluster.discovery value), a second start (EEXIST);
 * the API on a system without a cluster is ENOENT. */
START_TEST(start_refuses_what_it_must)
{
    akt_system *bare;
    ck_assert_int_eq(akt_system_create("bare", NULL, &bare), AKT_OK);
    akt_registry *r;
    ck_assert_int_eq(akt_registry_new(&r), AKT_OK);
    akt_cluster_options co = { .registry = r };
    akt_config_error err;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(akt_cluster_start_ex(bare, &co, &err), AKT_ENOENT);
    ck_assert_ptr_nonnull(strstr(err.message, "akt_remote_start"));
    ck_assert_int_eq(akt_cluster_leave(bare, NULL), AKT_ENOENT);
    akt_system_free(bare);
    start_systems();
    akt_cluster_options none = { 0 };
    ck_assert_int_eq(akt_cluster_start(sys[0], &none), AKT_EINVAL);
    akt_config *bad;
    const char *text = "akt.cluster.split-brain-resolver.active-strategy = "
                       "majority";
    ck_assert_int_eq(
        akt_config_parse_string(text, strlen(text), "bad.conf", &bad, &err),
        AKT_OK);
    akt_cluster_options bo = { .registry = reg[0], .config = bad };
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(akt_cluster_start_ex(sys[0], &bo, &err), AKT_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message,
        "bad.conf:1:52: error: akt.cluster.split-brain-resolver."
        "active-strategy: expected one of keep-majority"));
    akt_config_release(bad);
    /* akt.cluster.discovery: each bad value names its key, its origin and
     * what was expected */
    static const char *const bad_disc[][3] = {
        { "akt.cluster.discovery.method = zookeeper",
            "bad.conf:1:32: error: akt.cluster.discovery.method",
            "one of config, etcd" },
        { "akt.cluster.discovery.method = etcd",
            "akt.cluster.discovery.etcd.endpoints", "at least one etcd URL" },
        { "akt.cluster.discovery.etcd.endpoints = [\"127.0.0.1:2379\"]",
            "bad.conf:1:", "etcd URLs like \"http://127.0.0.1:2379\"" },
        { "akt.cluster.discovery.etcd.ttl = 100ms",
            "bad.conf:1:34: error: akt.cluster.discovery.etcd.ttl", "" },
        { "akt.cluster.discovery.etcd.required-contact-points = 0",
            "bad.conf:1:", "akt.cluster.discovery.etcd.required-contact" },
        { "akt.cluster.discovery { method = etcd, etcd.endpoints = "
          "[\"http://127.0.0.1:2379\"] }\nakt.cluster.seed-nodes = "
          "[\"akt://a@127.0.0.1:1\"]",
            "akt.cluster.discovery.method", "config when seed-nodes are set" },
    };
    for (size_t i = 0; i < sizeof bad_disc / sizeof bad_disc[0]; i++) {
        const char *t = bad_disc[i][0];
        ck_assert_int_eq(
            akt_config_parse_string(t, strlen(t), "bad.conf", &bad, &err),
            AKT_OK);
        akt_cluster_options dc = { .registry = reg[0], .config = bad };
        memset(&err, 0, sizeof err);
        ck_assert_int_ne(akt_cluster_start_ex(sys[0], &dc, &err), AKT_OK);
        ck_assert_msg(strstr(err.message, bad_disc[i][1]) != NULL
                && strstr(err.message, bad_disc[i][2]) != NULL,
            "%s: %s", t, err.message);
        akt_config_release(bad);
    }
    akt_cluster_options ok = { .registry = reg[0] };
    ck_assert_int_eq(akt_cluster_start(sys[0], &ok), AKT_OK);
    ck_assert_int_eq(akt_cluster_start(sys[0], &ok), AKT_EEXIST);
    const char *junk[] = { "tcp://127.0.0.1:1" };
    ck_assert_int_eq(akt_cluster_join_seed_nodes(sys[0], junk, 1), AKT_EINVAL);
    akt_registry_free(r);
}
END_TEST

/* Proves: three systems form a cluster through the first (which joins
 * itself): every subscriber sees three MemberUp; a subscriber that comes
 * later gets the current state (three Up) before subscribe returns; the
 * snapshot shows three Up members, convergence and the lowest address as
 * leader. A graceful leave removes the member everywhere and stops it; a
 * manual down of another does too. */
START_TEST(systems_form_a_cluster_leave_and_down)
{
    start_systems();
    for (int i = 0; i < N; i++) {
        akt_cluster_options co = { .registry = reg[i] };
        ck_assert_int_eq(akt_cluster_start(sys[i], &co), AKT_OK);
        ck_assert_int_eq(
            akt_cluster_subscribe(sys[i], on_event, &sn[i], NULL, NULL),
            AKT_OK);
    }
    const char *seeds[] = { addr[0] };
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(akt_cluster_join_seed_nodes(sys[i], seeds, 1), AKT_OK);
    }
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < N; k++) {
            ck_assert_msg(wait_for(&sn[i], &sn[i].up[k], 1, 20000),
                "system %d did not see %d Up", i, k);
        }
    }
    /* a late subscriber: the current state comes first, synchronously */
    seen late;
    memset(&late, 0, sizeof late);
    pthread_mutex_init(&late.mu, NULL);
    pthread_cond_init(&late.cv, NULL);
    uint64_t id;
    ck_assert_int_eq(
        akt_cluster_subscribe(sys[1], on_event, &late, NULL, &id), AKT_OK);
    pthread_mutex_lock(&late.mu);
    for (int k = 0; k < N; k++) {
        ck_assert_int_eq(late.up[k], 1);
    }
    pthread_mutex_unlock(&late.mu);
    ck_assert_int_eq(akt_cluster_unsubscribe(sys[1], id), AKT_OK);
    ck_assert_int_eq(akt_cluster_unsubscribe(sys[1], id), AKT_ENOENT);
    /* the snapshot (convergence may still be on its way: wait for it) */
    akt_cluster_state st;
    for (int tries = 0; tries < 400; tries++) {
        ck_assert_int_eq(akt_cluster_state_get(sys[1], &st), AKT_OK);
        if (st.convergence) {
            break;
        }
        akt_cluster_state_free(&st);
        wait_for(&sn[1], &sn[1].stopped, 1, 50); /* a bounded nap */
    }
    ck_assert(st.convergence);
    ck_assert_uint_eq(st.nmembers, 3);
    for (size_t k = 0; k < st.nmembers; k++) {
        ck_assert_int_eq(st.members[k].status, AKT_MEMBER_UP);
        ck_assert(!st.unreachable[k]);
    }
    ck_assert(st.has_leader);
    ck_assert_int_eq(index_of(&st.leader), index_of(&st.members[0].address));
    ck_assert_int_eq(st.self.status, AKT_MEMBER_UP);
    akt_cluster_state_free(&st);
    /* graceful leave of 2 */
    ck_assert_int_eq(akt_cluster_leave(sys[2], NULL), AKT_OK);
    ck_assert(wait_for(&sn[0], &sn[0].removed[2], 1, 20000));
    ck_assert(wait_for(&sn[1], &sn[1].removed[2], 1, 20000));
    ck_assert(wait_for(&sn[2], &sn[2].stopped, 1, 20000));
    /* 0 downs 1 */
    ck_assert_int_eq(akt_cluster_down(sys[0], addr[1]), AKT_OK);
    ck_assert(wait_for(&sn[0], &sn[0].removed[1], 1, 20000));
    ck_assert(wait_for(&sn[1], &sn[1].stopped, 1, 20000));
    akt_cluster_stats stats;
    ck_assert_int_eq(akt_cluster_stats_get(sys[0], &stats), AKT_OK);
    ck_assert_uint_gt(stats.heartbeats_sent, 0);
    ck_assert_uint_gt(stats.heartbeats_answered, 0);
    ck_assert_uint_gt(stats.leader_actions, 0);
    ck_assert_uint_eq(stats.rejected, 0);
}
END_TEST

static void
form(void)
{
    start_systems();
    for (int i = 0; i < N; i++) {
        akt_cluster_options co = { .registry = reg[i] };
        ck_assert_int_eq(akt_cluster_start(sys[i], &co), AKT_OK);
        ck_assert_int_eq(
            akt_cluster_subscribe(sys[i], on_event, &sn[i], NULL, NULL),
            AKT_OK);
    }
    const char *seeds[] = { addr[0] };
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(akt_cluster_join_seed_nodes(sys[i], seeds, 1), AKT_OK);
    }
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < N; k++) {
            ck_assert(wait_for(&sn[i], &sn[i].up[k], 1, 20000));
        }
    }
}

/* Proves: a system that terminates leaves the cluster gracefully first
 * (coordinated shutdown's cluster-leave phase): the others see it Leaving
 * and then Removed, and never unreachable or downed. */
START_TEST(a_terminating_system_leaves_gracefully)
{
    form();
    ck_assert_int_eq(akt_system_terminate(sys[2]), AKT_OK);
    ck_assert(wait_for(&sn[0], &sn[0].removed[2], 1, 20000));
    ck_assert(wait_for(&sn[1], &sn[1].removed[2], 1, 20000));
    ck_assert_int_eq(
        akt_system_await_termination(sys[2], 30000000000LL), AKT_OK);
    for (int i = 0; i < 2; i++) {
        pthread_mutex_lock(&sn[i].mu);
        ck_assert_int_eq(sn[i].left[2], 1);
        ck_assert_int_eq(sn[i].downed[2], 0);
        ck_assert_int_eq(sn[i].unreachable[2], 0);
        pthread_mutex_unlock(&sn[i].mu);
    }
}
END_TEST

static Suite *
api_suite(void)
{
    Suite *s = suite_create("cluster_api");
    TCase *tc = tcase_create("api");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, start_refuses_what_it_must);
    tcase_add_test(tc, systems_form_a_cluster_leave_and_down);
    tcase_add_test(tc, a_terminating_system_leaves_gracefully);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
