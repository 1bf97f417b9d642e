/*
 * lease_test.c -- akt_lease on a real etcd (Debian's etcd-server, started
 * here on loopback with its own data directory and ports, stopped at the
 * end): one owner at a time, release frees it, a lease that is not kept
 * alive expires and can be taken by another owner, keep-alive of a lost
 * lease says so, and an etcd that does not answer is AKT_EPEER at once.
 * Skipped (77) when etcd is not installed (scripts/deps.sh installs it).
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

static pid_t etcd = -1;
static char dir[64];
static char endpoint[64];

/* a port nobody listens on right now */
static int
free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a
        = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0
        || getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        return -1;
    }
    int port = ntohs(a.sin_port);
    close(s);
    return port;
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* one POST /v3/lease/grant by hand: true when etcd answers 200 with an ID */
static bool
grant_ok(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET,
        .sin_port = htons((uint16_t)port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bool ok = false;
    if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0) {
        char req[256], resp[2048];
        int n = snprintf(req, sizeof req,
            "POST /v3/lease/grant HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
            "Content-Type: application/json\r\nContent-Length: 10\r\n"
            "Connection: close\r\n\r\n{\"TTL\":2}\n",
            port);
        struct timeval tv = { 2, 0 };
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (write(s, req, (size_t)n) == n) {
            ssize_t got = 0, k;
            while (
                (k = read(s, resp + got, sizeof resp - 1 - (size_t)got)) > 0) {
                got += k;
            }
            resp[got > 0 ? got : 0] = '\0';
            ok = strstr(resp, " 200 ") != NULL
                && strstr(resp, "\"ID\"") != NULL;
        }
    }
    if (s >= 0) {
        close(s);
    }
    return ok;
}

static void
start_etcd(void)
{
    if (access("/usr/bin/etcd", X_OK) != 0) {
        fprintf(stderr,
            "lease_test: skipped: /usr/bin/etcd not installed "
            "(scripts/deps.sh installs etcd-server)\n");
        exit(77);
    }
    snprintf(dir, sizeof dir, "/tmp/akt-etcd-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    int cport = free_port(), pport = free_port();
    ck_assert(cport > 0 && pport > 0);
    char client[64], peer[64], cluster[96], data[96];
    snprintf(client, sizeof client, "http://127.0.0.1:%d", cport);
    snprintf(peer, sizeof peer, "http://127.0.0.1:%d", pport);
    snprintf(cluster, sizeof cluster, "t=%s", peer);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(endpoint, sizeof endpoint, "%s", client);
    etcd = fork();
    ck_assert_int_ge(etcd, 0);
    if (etcd == 0) {
        int null = open("/dev/null", 1);
        dup2(null, 1);
        dup2(null, 2);
        execl("/usr/bin/etcd", "etcd", "--name", "t", "--data-dir", data,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", cluster, (char *)NULL);
        _exit(127);
    }
    /* ready when it grants a lease, at most 20 s (plain HTTP over a
     * socket: NNG must not start its threads before Check forks) */
    int64_t end = now_ms() + 20000;
    bool up = false;
    while (!up && now_ms() < end) {
        up = grant_ok(cport);
        if (!up) {
            struct timespec nap = { 0, 50000000 };
            nanosleep(&nap, NULL); /* an external server coming up */
        }
    }
    ck_assert_msg(up, "etcd did not come up on %s", endpoint);
}

static void
stop_etcd(void)
{
    if (etcd > 0) {
        kill(etcd, SIGKILL);
        waitpid(etcd, NULL, 0);
        etcd = -1;
    }
    if (dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "could not remove %s\n", dir);
        }
    }
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
    int64_t t0 = now_ms(), end = t0 + 20000;
    akt_err rc;
    while (
        (rc = akt_lease_acquire(b, "node-b")) == AKT_EBUSY && now_ms() < end) {
        struct timespec nap = { 0, 100000000 };
        nanosleep(&nap, NULL); /* etcd's clock decides the expiry */
    }
    ck_assert_int_eq(rc, AKT_OK);
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
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", free_port());
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
