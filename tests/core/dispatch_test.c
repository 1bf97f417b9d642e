/*
 * dispatch_test.c -- the work-stealing pool: fairness (a flooded actor
 * yields after `throughput` messages), stealing (a worker stuck in a long
 * handler does not hold up the actors it scheduled), and a stress run of
 * many actors fed from many threads and from actors.
 */
#include "testutil.h"

/* a global order log */
static pthread_mutex_t order_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t order[4096];
static int norder;

static t_latch gate = T_LATCH_INIT;
static t_latch entered = T_LATCH_INIT;
static t_latch done = T_LATCH_INIT;

static akt_err
log_int(void *state, akt_ctx *ctx, const void *msg)
{
    const t_Int *m = msg;
    if (m->v == 0) {
        t_latch_add(&entered, 1);
        ck_assert(t_latch_wait(&gate, 1, 30000));
    }
    pthread_mutex_lock(&order_mu);
    if (norder < 4096) {
        order[norder++] = m->from * 100000 + m->v;
    }
    pthread_mutex_unlock(&order_mu);
    t_latch_add(&done, 1);
    return AKT_OK;
}
static const akt_handler log_handlers[] = { { &t_int_type, log_int } };
static const akt_behavior log_beh = { "log", log_handlers, 1, NULL };
static const akt_props log_props = { .behavior = &log_beh };

static t_Int *
msg_from(int from, int64_t v)
{
    t_Int *m = t_int(v);
    m->from = from;
    return m;
}

START_TEST(a_flooded_actor_yields_after_throughput_messages)
{
    akt_system *sys = t_system("fair",
        "akt.actor.default-dispatcher.workers=1;"
        "akt.actor.default-dispatcher.throughput=10");
    akt_ref a, b;
    ck_assert_int_eq(akt_spawn(sys, &log_props, "a", &a), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &log_props, "b", &b), AKT_OK);
    ck_assert_int_eq(akt_tell(a, msg_from(1, 0), AKT_REF_NONE), AKT_OK);
    ck_assert(t_latch_wait(&entered, 1, 10000));
    for (int i = 1; i <= 1000; i++) {
        ck_assert_int_eq(akt_tell(a, msg_from(1, i), AKT_REF_NONE), AKT_OK);
    }
    ck_assert_int_eq(akt_tell(b, msg_from(2, 1), AKT_REF_NONE), AKT_OK);
    t_latch_add(&gate, 1);
    ck_assert(t_latch_wait(&done, 1002, 30000));
    int pos_b = -1;
    for (int i = 0; i < norder; i++) {
        if (order[i] == 200001) {
            pos_b = i;
        }
    }
    /* b ran within about one turn of a's (a's first turn had the gate) */
    ck_assert_int_ge(pos_b, 0);
    ck_assert_int_le(pos_b, 2 * 10 + 1);
    /* and a's own order held */
    int64_t last = -1;
    for (int i = 0; i < norder; i++) {
        if (order[i] / 100000 == 1) {
            ck_assert_int_gt(order[i], last);
            last = order[i];
        }
    }
    t_teardown(sys, 0);
}
END_TEST

/* spawner: spawns a child, tells it, then blocks until the child ran */
static t_latch child_ran = T_LATCH_INIT;

static akt_err
ran_int(void *state, akt_ctx *ctx, const void *msg)
{
    t_latch_add(&child_ran, 1);
    return AKT_OK;
}
static const akt_handler ran_handlers[] = { { &t_int_type, ran_int } };
static const akt_behavior ran_beh = { "ran", ran_handlers, 1, NULL };
static const akt_props ran_props = { .behavior = &ran_beh };

static akt_err
spawner_int(void *state, akt_ctx *ctx, const void *msg)
{
    akt_ref c;
    akt_err rc = akt_ctx_spawn(ctx, &ran_props, NULL, &c);
    if (rc == AKT_OK) {
        rc = akt_tell(c, t_int(1), akt_ctx_self(ctx));
    }
    /* the child sits in this worker's LIFO slot: only a steal runs it */
    bool ok = t_latch_wait(&child_ran, 1, 30000);
    return akt_reply(ctx, t_int(ok ? 1 : 0));
}
static const akt_handler spawner_handlers[] = { { &t_int_type, spawner_int } };
static const akt_behavior spawner_beh
    = { "spawner", spawner_handlers, 1, NULL };

START_TEST(work_queued_by_a_stuck_worker_is_stolen)
{
    akt_system *sys
        = t_system("steal", "akt.actor.default-dispatcher.workers=2");
    akt_props p = { .behavior = &spawner_beh };
    akt_ref s;
    ck_assert_int_eq(akt_spawn(sys, &p, "s", &s), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(s, t_int(0), AKT_SEC(60), &f), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(60), &r), AKT_OK);
    ck_assert_int_eq(((t_Int *)r)->v, 1);
    akt_msg_free(r);
    akt_future_release(f);
    t_teardown(sys, 0);
}
END_TEST

/* stress: 200 counters, fed by 2 threads and by 10 relay actors */
#define NCOUNT 200
#define NFEED  20000
static _Atomic int64_t total;

static akt_err
count_int(void *state, akt_ctx *ctx, const void *msg)
{
    (*(int64_t *)state)++;
    atomic_fetch_add(&total, 1);
    t_latch_add(&done, 1);
    return AKT_OK;
}
static const akt_handler count_handlers[] = { { &t_int_type, count_int } };
static const akt_behavior count_beh = { "count", count_handlers, 1, NULL };

static akt_ref counters[NCOUNT];

static akt_err
relay_int(void *state, akt_ctx *ctx, const void *msg)
{
    const t_Int *m = msg;
    return akt_tell(counters[m->v % NCOUNT], t_int(m->v), akt_ctx_self(ctx));
}
static const akt_handler relay_handlers[] = { { &t_int_type, relay_int } };
static const akt_behavior relay_beh = { "relay", relay_handlers, 1, NULL };

static akt_ref relays[10];

static void *
feeder(void *arg)
{
    int64_t base = (int64_t)(intptr_t)arg;
    for (int64_t i = 0; i < NFEED; i++) {
        akt_ref to = (i & 1) ? relays[i % 10] : counters[(base + i) % NCOUNT];
        if (akt_tell(to, t_int(base + i), AKT_REF_NONE) != AKT_OK) {
            abort();
        }
    }
    return NULL;
}

START_TEST(many_actors_fed_from_threads_and_actors_process_everything)
{
    akt_system *sys = t_system("stress",
        "akt.actor.default-dispatcher.workers=2;"
        "akt.actor.default-dispatcher.throughput=5");
    akt_props cp = { .behavior = &count_beh, .state_size = sizeof(int64_t) };
    akt_props rp = { .behavior = &relay_beh };
    for (int i = 0; i < NCOUNT; i++) {
        ck_assert_int_eq(akt_spawn(sys, &cp, NULL, &counters[i]), AKT_OK);
    }
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(akt_spawn(sys, &rp, NULL, &relays[i]), AKT_OK);
    }
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        pthread_create(&th[i], NULL, feeder, (void *)(intptr_t)(i * 1000000));
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
    }
    ck_assert(t_latch_wait(&done, 2 * NFEED, 60000));
    ck_assert_int_eq(atomic_load(&total), 2 * NFEED);
    ck_assert_uint_eq(akt_system_dead_letters(sys), 0);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(spawning_and_stopping_many_actors_leaves_nothing_alive)
{
    akt_system *sys
        = t_system("churn", "akt.actor.default-dispatcher.workers=2");
    akt_props cp = { .behavior = &count_beh, .state_size = sizeof(int64_t) };
    for (int round = 0; round < 5; round++) {
        akt_ref r[500];
        for (int i = 0; i < 500; i++) {
            ck_assert_int_eq(akt_spawn(sys, &cp, NULL, &r[i]), AKT_OK);
            ck_assert_int_eq(akt_tell(r[i], t_int(i), AKT_REF_NONE), AKT_OK);
            ck_assert_int_eq(akt_poison_pill(r[i]), AKT_OK);
        }
        t_await_stop(r[499]);
        for (int i = 0; i < 500; i++) {
            t_await_stop(r[i]);
        }
    }
    ck_assert_int_eq(atomic_load(&total), 2500);
    akt_system_stats_t st;
    akt_system_stats(sys, &st);
    ck_assert_int_eq(st.live_actors, 0);
    t_teardown(sys, 0);
}
END_TEST

Suite *
dispatch_suite(void)
{
    Suite *s = suite_create("dispatch");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_flooded_actor_yields_after_throughput_messages);
    tcase_add_test(tc, work_queued_by_a_stuck_worker_is_stolen);
    tcase_add_test(
        tc, many_actors_fed_from_threads_and_actors_process_everything);
    tcase_add_test(tc, spawning_and_stopping_many_actors_leaves_nothing_alive);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(dispatch_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
