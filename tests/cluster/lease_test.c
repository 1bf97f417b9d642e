/*
 * lease_test.c -- akt_lease on a real etcd (Debian's etcd-server, started
 * here on loopback with its own data directory and ports, stopped at the
 * end): one owner at a time, release frees it, a lease that is not kept
 * alive expires and can be taken by another owner, keep-alive of a lost
 * lease says so, and an etcd that does not answer is AKT_EPEER at once.
 * Skipped (77) when etcd is not installed (scripts/deps.sh installs it).
 * No test waits by probing: etcd_fixture.h waits for etcd's readiness line
 * and for the expiry with an etcd watch.
 */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "akt/akt.h"
#include "akt/cluster.h"
#include "etcd_fixture.h"

static etcd_fixture etcd;
static const char *endpoint = etcd.endpoint;

static int64_t
now_ms(void)
{
    return etcd_now_ms();
}

static void
start_etcd(void)
{
    ck_assert_msg(etcd_start(&etcd, 20000), "etcd did not come up");
    /* it answers: one lease granted by hand */
    char resp[2048];
    ck_assert(
        etcd_post(&etcd, "/v3/lease/grant", "{\"TTL\":2}", resp, sizeof resp));
    ck_assert_ptr_nonnull(strstr(resp, "\"ID\""));
}

static void
stop_etcd(void)
{
    etcd_stop(&etcd);
}

/* Proves: one owner at a time: a second owner is refused (EBUSY) while
 * the first holds it, the holder acquiring again keeps it (OK), and after
 * a release the other one gets it. */
START_TEST(one_owner_at_a_time)
{
    akt_lease *a, *b;
    ck_assert_int_eq(
        akt_lease_etcd_new(endpoint, "sbr", AKT_SEC(10), &a), AKT_OK);
    ck_assert_int_eq(
        akt_lease_etcd_new(endpoint, "sbr", AKT_SEC(10), &b), AKT_OK);
    ck_assert_int_eq(akt_lease_acquire(a, "node-a"), AKT_OK);
    ck_assert(akt_lease_held(a));
    ck_assert_int_eq(akt_lease_acquire(b, "node-b"), AKT_EBUSY);
    ck_assert(!akt_lease_held(b));
    ck_assert_int_eq(akt_lease_acquire(a, "node-a"), AKT_OK);
    ck_assert_int_eq(akt_lease_keep_alive(a), AKT_OK);
    ck_assert_int_eq(akt_lease_release(a), AKT_OK);
    ck_assert(!akt_lease_held(a));
    ck_assert_int_eq(akt_lease_acquire(b, "node-b"), AKT_OK);
    ck_assert_int_eq(akt_lease_acquire(a, "node-a"), AKT_EBUSY);
    akt_lease_release(b);
    akt_lease_free(a);
    akt_lease_free(b);
}
END_TEST

/* Proves: a lease that is not kept alive expires (its holder's key goes):
 * another owner gets it within the ttl plus etcd's lease check, and the
 * old holder's keep-alive then reports it lost (ESTATE). */
START_TEST(an_expired_lease_goes_to_the_next_owner)
{
    akt_lease *a, *b;
    ck_assert_int_eq(
        akt_lease_etcd_new(endpoint, "expiry", AKT_SEC(2), &a), AKT_OK);
    ck_assert_int_eq(
        akt_lease_etcd_new(endpoint, "expiry", AKT_SEC(2), &b), AKT_OK);
    ck_assert_int_eq(akt_lease_acquire(a, "node-a"), AKT_OK);
    int64_t t0 = now_ms();
    /* etcd's clock decides the expiry: watch the key until etcd deletes
     * it (an event, bounded by 20 s), then the next owner takes it */
    int w = etcd_watch(&etcd, "expiry", false, 20000);
    ck_assert_int_ge(w, 0);
    ck_assert_msg(etcd_watch_until(w, "\"DELETE\"", 1),
        "the lease's key was not deleted within 20 s");
    close(w);
    ck_assert_int_eq(akt_lease_acquire(b, "node-b"), AKT_OK);
    ck_assert_int_ge(now_ms() - t0, 1500);
    fprintf(stderr, "lease expired and taken after %lld ms\n",
        (long long)(now_ms() - t0));
    ck_assert_int_eq(akt_lease_keep_alive(a), AKT_ESTATE);
    ck_assert(!akt_lease_held(a));
    akt_lease_release(b);
    akt_lease_free(a);
    akt_lease_free(b);
}
END_TEST

/* Proves: bad arguments are EINVAL, and an etcd that is not there is
 * EPEER within the request deadline, not a hang. */
START_TEST(bad_arguments_and_no_etcd_are_errors)
{
    akt_lease *l;
    ck_assert_int_eq(
        akt_lease_etcd_new("tcp://127.0.0.1:1", "x", AKT_SEC(5), &l),
        AKT_EINVAL);
    ck_assert_int_eq(
        akt_lease_etcd_new(endpoint, "", AKT_SEC(5), &l), AKT_EINVAL);
    ck_assert_int_eq(
        akt_lease_etcd_new(endpoint, "x", AKT_MS(10), &l), AKT_EINVAL);
    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", etcd_free_port());
    ck_assert_int_eq(akt_lease_etcd_new(dead, "x", AKT_SEC(5), &l), AKT_OK);
    int64_t t0 = now_ms();
    ck_assert_int_eq(akt_lease_acquire(l, "me"), AKT_EPEER);
    ck_assert_int_lt(now_ms() - t0, 5000);
    ck_assert_int_eq(akt_lease_acquire(l, ""), AKT_EINVAL);
    akt_lease_free(l);
}
END_TEST

/* --- lease-majority over real remoting ------------------------------------ */

#define N 3
static akt_system *sys[N];
static akt_registry *reg[N];
static akt_lease *lease[N];
static char addr[N][256];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int up[N][N], removed[N][N], stopped[N];

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
    int me = (int)(intptr_t)arg;
    int k = ev->has_member ? index_of(&ev->member.address) : -1;
    pthread_mutex_lock(&mu);
    if (k >= 0 && ev->kind == AKT_CLUSTER_MEMBER_UP) {
        up[me][k] = 1;
    }
    if (k >= 0 && ev->kind == AKT_CLUSTER_MEMBER_REMOVED) {
        removed[me][k] = 1;
    }
    if (ev->kind == AKT_CLUSTER_SELF_STOPPED) {
        stopped[me] = 1;
    }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static bool
wait_flag(int *flag, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000 + 1;
    pthread_mutex_lock(&mu);
    while (!*flag && pthread_cond_timedwait(&cv, &mu, &ts) == 0) { }
    bool ok = *flag != 0;
    pthread_mutex_unlock(&mu);
    return ok;
}

#define LEASE_PROFILE                                                          \
    "akt.cluster { gossip-interval = 250ms, leader-actions-interval = 250ms,"  \
    " unreachable-nodes-reaper-interval = 250ms, seed-node-timeout = 1s,"      \
    " run-coordinated-shutdown-when-down = off,"                               \
    " failure-detector { heartbeat-interval = 250ms,"                          \
    " acceptable-heartbeat-pause = 1500ms, expected-response-after = 500ms }," \
    " split-brain-resolver { active-strategy = lease-majority,"                \
    " stable-after = 3s } }"

/* Proves: with lease-majority on a real etcd lease, a member that goes
 * silent (its remoting stopped) is downed by the two others -- their
 * leader takes the lease at once -- and removed; the silent one tries the
 * lease later (the minority's delay), does not get it and downs itself. */
START_TEST(lease_majority_keeps_the_side_that_gets_the_lease)
{
    akt_config *cfg;
    akt_config_error err;
    ck_assert_int_eq(akt_config_parse_string(LEASE_PROFILE,
                         strlen(LEASE_PROFILE), "test", &cfg, &err),
        AKT_OK);
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "lm%d", i);
        ck_assert_int_eq(akt_system_create(name, cfg, &sys[i]), AKT_OK);
        ck_assert_int_eq(akt_registry_new(&reg[i]), AKT_OK);
        akt_remote_options ro
            = { .listen_url = "tcp://127.0.0.1:0", .registry = reg[i] };
        ck_assert_int_eq(akt_remote_start(sys[i], &ro), AKT_OK);
        akt_remote_address(sys[i], addr[i], sizeof addr[i]);
        ck_assert_int_eq(
            akt_lease_etcd_new(endpoint, "lm-sbr", AKT_SEC(20), &lease[i]),
            AKT_OK);
        akt_cluster_options co = { .registry = reg[i], .lease = lease[i] };
        ck_assert_int_eq(akt_cluster_start(sys[i], &co), AKT_OK);
        ck_assert_int_eq(akt_cluster_subscribe(
                             sys[i], on_event, (void *)(intptr_t)i, NULL, NULL),
            AKT_OK);
    }
    const char *seeds[] = { addr[0] };
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(akt_cluster_join_seed_nodes(sys[i], seeds, 1), AKT_OK);
    }
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < N; k++) {
            ck_assert(wait_flag(&up[i][k], 20000));
        }
    }
    ck_assert_int_eq(akt_remote_stop(sys[2]), AKT_OK);
    ck_assert(wait_flag(&removed[0][2], 30000));
    ck_assert(wait_flag(&removed[1][2], 30000));
    ck_assert(wait_flag(&stopped[2], 30000));
    pthread_mutex_lock(&mu);
    ck_assert(!stopped[0] && !stopped[1]);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < N; i++) {
        akt_system_free(sys[i]);
        akt_registry_free(reg[i]);
        akt_lease_free(lease[i]);
    }
    akt_config_release(cfg);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("cluster_lease");
    TCase *tc = tcase_create("etcd");
    tcase_add_unchecked_fixture(tc, start_etcd, stop_etcd);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, one_owner_at_a_time);
    tcase_add_test(tc, an_expired_lease_goes_to_the_next_owner);
    tcase_add_test(tc, bad_arguments_and_no_etcd_are_errors);
    tcase_add_test(tc, lease_majority_keeps_the_side_that_gets_the_lease);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
