/*
 * stress_test.c -- lost wake-ups under preemption. Linked against
 * akt_stress: libakt built with AKTI_PREEMPT_STRESS, so every preemption
 * point of the core's lock-free protocols (the mailbox push and pop, the
 * schedule and release of a cell, the injection queue, parking, helping,
 * completing and waiting on a future) yields, spins or sleeps at random.
 *
 * What each test proves: no message is left undelivered while the system
 * runs. Every scenario ends in a quiet moment (all senders done, waiting):
 * a message that sits in a mailbox nobody will run is then never
 * delivered, and the wait fails after STUCK_MS instead of passing.
 *
 * Each test runs rounds for a bounded time (AKT_STRESS_SECONDS, default
 * 3 s), so the suite costs the same on a fast and a slow (sanitizer)
 * build. Before the fix of the Vyukov pop race (a pop that re-inserts the
 * stub while a producer is between its exchange and its link returned
 * "empty" with mq_in back at the stub, and the release re-check believed
 * it) the first two tests failed within a second.
 */
#include <stdint.h>

#include "testutil.h"

/* a wait longer than this is a lost message: every legitimate delay here
 * is a few milliseconds, even under TSan with the preemption sleeps */
#define STUCK_MS 10000
#define STUCK_NS ((int64_t)STUCK_MS * 1000000)

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
stress_ms(void)
{
    const char *e = getenv("AKT_STRESS_SECONDS");
    int64_t s = e ? strtoll(e, NULL, 10) : 3;
    return (s > 0 ? s : 3) * 1000;
}

static akt_system *
sys_mk(const char *name, int workers)
{
    char cfg[256];
    snprintf(cfg, sizeof(cfg),
        "akt.actor.default-dispatcher.workers=%d;"
        "akt.actor.dead-letters.log=off;akt.scheduler.tick=2ms",
        workers);
    return t_system(name, cfg);
}

/* --- a counting sink ------------------------------------------------------ */

static t_latch sink_latch = T_LATCH_INIT;

static akt_err
sink_on_int(void *state, akt_ctx *ctx, const void *msg)
{
    t_latch_add(&sink_latch, 1);
    return AKT_OK;
}
static const akt_handler sink_handlers[] = { { &t_int_type, sink_on_int } };
static const akt_behavior sink_beh = { "sink", sink_handlers, 1, NULL };
static const akt_props sink_props = { .behavior = &sink_beh };

/* --- 1. bursts of tells from plain threads ---------------------------------
 */

#define BURST_THREADS 4
#define BURST_LEN     64

typedef struct burst_arg {
    akt_ref to;
    pthread_barrier_t *go;
    _Atomic int *stop;
} burst_arg;

static void *
burst_thread(void *p)
{
    burst_arg *a = p;
    for (;;) {
        pthread_barrier_wait(a->go); /* round starts */
        if (atomic_load(a->stop)) {
            return NULL;
        }
        for (int i = 0; i < BURST_LEN; i++) {
            if (akt_tell(a->to, t_int(i), AKT_REF_NONE) != AKT_OK) {
                return (void *)1;
            }
        }
        pthread_barrier_wait(a->go); /* round's sends are done */
    }
}

START_TEST(bursts_of_tells_from_plain_threads_are_all_delivered)
{
    for (int workers = 1; workers <= 2; workers++) {
        akt_system *sys = sys_mk("burst", workers);
        akt_ref sink;
        ck_assert_int_eq(akt_spawn(sys, &sink_props, "sink", &sink), AKT_OK);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, BURST_THREADS + 1);
        _Atomic int stop = 0;
        burst_arg arg = { sink, &go, &stop };
        pthread_t th[BURST_THREADS];
        for (int i = 0; i < BURST_THREADS; i++) {
            pthread_create(&th[i], NULL, burst_thread, &arg);
        }
        int64_t end = now_ms() + stress_ms() / 2;
        int64_t want = t_latch_get(&sink_latch);
        int rounds = 0;
        while (now_ms() < end) {
            pthread_barrier_wait(&go);
            pthread_barrier_wait(&go);
            want += BURST_THREADS * BURST_LEN;
            /* the quiet moment: nobody sends until every message is in */
            ck_assert_msg(t_latch_wait(&sink_latch, want, STUCK_MS),
                "round %d (workers %d): %lld of %lld delivered after %d ms",
                rounds, workers, (long long)t_latch_get(&sink_latch),
                (long long)want, STUCK_MS);
            rounds++;
        }
        atomic_store(&stop, 1);
        pthread_barrier_wait(&go);
        for (int i = 0; i < BURST_THREADS; i++) {
            void *rv;
            pthread_join(th[i], &rv);
            ck_assert_ptr_null(rv);
        }
        pthread_barrier_destroy(&go);
        ck_assert_int_gt(rounds, 0);
        t_teardown(sys, 0);
    }
}
END_TEST

/* --- 2. asks from plain threads (the hang seen in CI) ----------------------
 */

static akt_err
echo_int(void *state, akt_ctx *ctx, const void *msg)
{
    return akt_reply(ctx, t_int(((const t_Int *)msg)->v + 1));
}
static const akt_handler echo_handlers[] = { { &t_int_type, echo_int } };
static const akt_behavior echo_beh = { "echo", echo_handlers, 1, NULL };
static const akt_props echo_props = { .behavior = &echo_beh };

#define ASK_THREADS 4

typedef struct ask_arg {
    akt_ref to;
    int64_t end_ms;
    long asks;
    char why[128];
} ask_arg;

static void *
asking_thread(void *p)
{
    ask_arg *a = p;
    for (int i = 0; now_ms() < a->end_ms; i++) {
        akt_future *f;
        akt_err rc = akt_ask(a->to, t_int(i), STUCK_NS, &f);
        if (rc != AKT_OK) {
            snprintf(a->why, sizeof(a->why), "ask %d: %s", i, akt_err_name(rc));
            return (void *)1;
        }
        void *r = NULL;
        rc = akt_future_wait(f, STUCK_NS, &r);
        bool ok = rc == AKT_OK && ((t_Int *)r)->v == i + 1;
        akt_msg_free(r);
        akt_future_release(f);
        if (!ok) {
            snprintf(a->why, sizeof(a->why), "ask %d: %s", i, akt_err_name(rc));
            return (void *)1;
        }
        a->asks++;
    }
    return NULL;
}

START_TEST(asks_from_plain_threads_all_complete_under_preemption)
{
    akt_system *sys = sys_mk("asks", 2);
    akt_ref echo;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "echo", &echo), AKT_OK);
    ask_arg args[ASK_THREADS];
    pthread_t th[ASK_THREADS];
    int64_t end = now_ms() + stress_ms();
    for (int i = 0; i < ASK_THREADS; i++) {
        args[i] = (ask_arg) { .to = echo, .end_ms = end };
        pthread_create(&th[i], NULL, asking_thread, &args[i]);
    }
    for (int i = 0; i < ASK_THREADS; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        ck_assert_msg(rv == NULL, "thread %d: %s", i, args[i].why);
        ck_assert_int_gt(args[i].asks, 0);
    }
    t_teardown(sys, 0);
}
END_TEST

/* --- 3. actors sending bursts to one actor inside the pool ---------------- */

/* a relay forwards each Int it gets to the sink, then another 7: the
 * receivers' schedules go through the worker's LIFO slot, its deque, the
 * injection queue and steals */
typedef struct relay {
    akt_ref sink;
} relay;

static akt_err
relay_on_int(void *state, akt_ctx *ctx, const void *msg)
{
    relay *r = state;
    for (int i = 0; i < 8; i++) {
        akt_err rc = akt_tell(r->sink, t_int(i), AKT_REF_NONE);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}
static akt_err
relay_init(void *state, const void *arg)
{
    ((relay *)state)->sink = *(const akt_ref *)arg;
    return AKT_OK;
}
static const akt_handler relay_handlers[] = { { &t_int_type, relay_on_int } };
static const akt_behavior relay_beh = { "relay", relay_handlers, 1, NULL };

#define RELAYS 6

START_TEST(actors_sending_bursts_to_one_actor_deliver_everything)
{
    akt_system *sys = sys_mk("relays", 2);
    akt_ref sink;
    ck_assert_int_eq(akt_spawn(sys, &sink_props, "sink", &sink), AKT_OK);
    akt_ref relays[RELAYS];
    for (int i = 0; i < RELAYS; i++) {
        akt_props p = { .behavior = &relay_beh,
            .state_size = sizeof(relay),
            .state_init = relay_init,
            .init_arg = &sink };
        char name[16];
        snprintf(name, sizeof(name), "r%d", i);
        ck_assert_int_eq(akt_spawn(sys, &p, name, &relays[i]), AKT_OK);
    }
    int64_t end = now_ms() + stress_ms() / 2;
    int64_t want = t_latch_get(&sink_latch);
    int rounds = 0;
    while (now_ms() < end) {
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < RELAYS; i++) {
                ck_assert_int_eq(
                    akt_tell(relays[i], t_int(k), AKT_REF_NONE), AKT_OK);
            }
        }
        want += 4 * RELAYS * 8;
        ck_assert_msg(t_latch_wait(&sink_latch, want, STUCK_MS),
            "round %d: %lld of %lld delivered after %d ms", rounds,
            (long long)t_latch_get(&sink_latch), (long long)want, STUCK_MS);
        rounds++;
    }
    ck_assert_int_gt(rounds, 0);
    t_teardown(sys, 0);
}
END_TEST

Suite *
stress_suite(void)
{
    Suite *s = suite_create("stress");
    TCase *tc = tcase_create("preemption");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bursts_of_tells_from_plain_threads_are_all_delivered);
    tcase_add_test(tc, asks_from_plain_threads_all_complete_under_preemption);
    tcase_add_test(tc, actors_sending_bursts_to_one_actor_deliver_everything);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(stress_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
