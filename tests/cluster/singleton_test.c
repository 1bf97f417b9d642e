/*
 * singleton_test.c -- the cluster singleton and its proxy (akt/cluster.h)
 * on three systems in one process over loopback TCP, test profile: the
 * singleton runs on the oldest member only, messages through a proxy on
 * another node reach it, and when the oldest leaves the singleton moves
 * to the next oldest -- never two at once (a process-wide counter of
 * running instances, checked at every start) -- and messages sent while
 * it moves are held and delivered.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/akt.h"
#include "akt/akt_gen.h"
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

/* st.Inc { int64 n = 1; } -- a message type in aktc's table form */
typedef struct st_Inc {
    int64_t n;
} st_Inc;

static const akt_field inc_fields[] = {
    { .name = "n",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(st_Inc, n),
        .has_offset = AKT_NO_OFFSET },
};

static const akt_type inc_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "st.Inc",
    .id = 0x070042a2b18001c8ull, /* akt_type_id("st.Inc") */
    .size = sizeof(st_Inc),
    .align = _Alignof(st_Inc),
    .fields = inc_fields,
    .nfields = 1,
};

static akt_system *sys[N];
static akt_registry *reg[N];
static akt_config *cfg;
static char addr[N][256];

/* the singleton: counts what it gets; process-wide bookkeeping */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int running, max_running, starts;
static int64_t total;
static akt_system *host; /* where the last instance started */

static akt_err
counter_start(void *state, akt_ctx *ctx)
{
    (void)state;
    pthread_mutex_lock(&mu);
    running++;
    starts++;
    if (running > max_running) {
        max_running = running;
    }
    host = akt_ctx_system(ctx);
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return AKT_OK;
}

static void
counter_stop(void *state, akt_ctx *ctx)
{
    (void)state;
    (void)ctx;
    pthread_mutex_lock(&mu);
    running--;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static akt_err
counter_inc(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)ctx;
    pthread_mutex_lock(&mu);
    total += ((const st_Inc *)msg)->n;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return AKT_OK;
}

static const akt_handler counter_handlers[] = { { &inc_type, counter_inc } };
static const akt_behavior counter_behavior
    = { .name = "counter", .handlers = counter_handlers, .nhandlers = 1 };
static const akt_lifecycle counter_life
    = { .pre_start = counter_start, .post_stop = counter_stop };
static const akt_props counter_props
    = { .behavior = &counter_behavior, .lifecycle = &counter_life };

/* wait until *v >= target (under mu), at most ms */
static bool
wait_int(const int *iv, const int64_t *lv, int64_t target, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&mu);
    while ((iv ? *iv : *lv) < target) {
        if (pthread_cond_timedwait(&cv, &mu, &ts) != 0) {
            break;
        }
    }
    bool ok = (iv ? *iv : *lv) >= target;
    pthread_mutex_unlock(&mu);
    return ok;
}

/* cluster events of system 2: member i seen Leaving */
static int left[N];

static void
on_event(void *arg, const akt_cluster_event *ev)
{
    (void)arg;
    char p[256];
    if (!ev->has_member || ev->kind != AKT_CLUSTER_MEMBER_LEFT) {
        return;
    }
    akt_cluster_member_path(&ev->member.address, p, sizeof p);
    pthread_mutex_lock(&mu);
    for (int i = 0; i < N; i++) {
        if (strcmp(p, addr[i]) == 0) {
            left[i] = 1;
        }
    }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void
send_incs(akt_ref to, int n)
{
    for (int i = 0; i < n; i++) {
        st_Inc *m = akt_msg_new(&inc_type, 0);
        ck_assert_ptr_nonnull(m);
        m->n = 1;
        ck_assert_int_eq(akt_tell(to, m, AKT_REF_NONE), AKT_OK);
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

/* Proves: the singleton runs on the oldest member only; ten messages
 * through a proxy on another node all reach it; when the oldest leaves,
 * the singleton starts on the next oldest, never while the first still
 * runs, and ten more messages sent through the proxy while it moves are
 * all delivered to the new one. (Which of the two others is older depends
 * on their ports: equal join time, address order.) */
START_TEST(the_singleton_runs_once_and_moves_when_the_oldest_leaves)
{
    akt_config_error err;
    ck_assert_int_eq(
        akt_config_parse_string(PROFILE, strlen(PROFILE), "test", &cfg, &err),
        AKT_OK);
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "sg%d", i);
        ck_assert_int_eq(akt_system_create(name, cfg, &sys[i]), AKT_OK);
        ck_assert_int_eq(akt_registry_new(&reg[i]), AKT_OK);
        ck_assert_int_eq(akt_registry_add(reg[i], &inc_type), AKT_OK);
        akt_remote_options ro
            = { .listen_url = "tcp://127.0.0.1:0", .registry = reg[i] };
        ck_assert_int_eq(akt_remote_start(sys[i], &ro), AKT_OK);
        akt_remote_address(sys[i], addr[i], sizeof addr[i]);
        akt_cluster_options co = { .registry = reg[i] };
        ck_assert_int_eq(akt_cluster_start(sys[i], &co), AKT_OK);
    }
    ck_assert_int_eq(
        akt_cluster_subscribe(sys[2], on_event, NULL, NULL, NULL), AKT_OK);
    /* node 0 first, so it is the oldest */
    const char *seeds[] = { addr[0] };
    ck_assert_int_eq(akt_cluster_join_seed_nodes(sys[0], seeds, 1), AKT_OK);
    akt_singleton_options so = {
        .name = "counter", .props = &counter_props, .removal_margin_ns = -1
    };
    akt_ref mgr[N];
    ck_assert_int_eq(akt_cluster_singleton_start(sys[0], &so, &mgr[0]), AKT_OK);
    ck_assert(wait_int(&starts, NULL, 1, 20000));
    for (int i = 1; i < N; i++) {
        ck_assert_int_eq(akt_cluster_join_seed_nodes(sys[i], seeds, 1), AKT_OK);
        ck_assert_int_eq(
            akt_cluster_singleton_start(sys[i], &so, &mgr[i]), AKT_OK);
    }
    akt_ref proxy;
    ck_assert_int_eq(
        akt_cluster_singleton_proxy(sys[2], "counter", NULL, &proxy), AKT_OK);
    ck_assert_int_eq(
        akt_cluster_singleton_start(sys[2], &so, &mgr[2]), AKT_EEXIST);
    send_incs(proxy, 10);
    ck_assert(wait_int(NULL, &total, 10, 20000));
    pthread_mutex_lock(&mu);
    ck_assert_ptr_eq(host, sys[0]);
    ck_assert_int_eq(running, 1);
    pthread_mutex_unlock(&mu);
    /* the oldest leaves; once system 2 saw it Leaving, send more */
    ck_assert_int_eq(akt_cluster_leave(sys[0], NULL), AKT_OK);
    ck_assert(wait_int(&left[0], NULL, 1, 20000));
    send_incs(proxy, 10);
    ck_assert(wait_int(&starts, NULL, 2, 20000));
    ck_assert(wait_int(NULL, &total, 20, 20000));
    /* the next oldest: the lowest up number left */
    akt_cluster_state st;
    ck_assert_int_eq(akt_cluster_state_get(sys[1], &st), AKT_OK);
    const akt_cluster_member *next = NULL;
    for (size_t k = 0; k < st.nmembers; k++) {
        char mp[256];
        akt_cluster_member_path(&st.members[k].address, mp, sizeof mp);
        if (strcmp(mp, addr[0]) != 0
            && (next == NULL || st.members[k].up_number < next->up_number)) {
            next = &st.members[k];
        }
    }
    ck_assert_ptr_nonnull(next);
    char np[256];
    akt_cluster_member_path(&next->address, np, sizeof np);
    akt_system *expect = strcmp(np, addr[1]) == 0 ? sys[1] : sys[2];
    ck_assert(strcmp(np, addr[1]) == 0 || strcmp(np, addr[2]) == 0);
    akt_cluster_state_free(&st);
    pthread_mutex_lock(&mu);
    ck_assert_ptr_eq(host, expect);
    ck_assert_int_eq(max_running, 1);
    ck_assert_int_eq(total, 20);
    pthread_mutex_unlock(&mu);
}
END_TEST

static Suite *
singleton_suite(void)
{
    Suite *s = suite_create("cluster_singleton");
    TCase *tc = tcase_create("singleton");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(
        tc, the_singleton_runs_once_and_moves_when_the_oldest_leaves);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(singleton_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
