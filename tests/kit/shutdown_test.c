/*
 * shutdown_test.c -- coordinated shutdown (akt/shutdown.h): phase order,
 * phase timeouts, run-once under racing triggers, SIGTERM.
 */
#include <signal.h>

#include "kitutil.h"

typedef struct trace {
    pthread_mutex_t mu;
    int order[64];
    int n;
    char reason[64];
} trace;

static akt_err
record(akt_system *sys, const char *reason, void *arg, akt_future **done)
{
    trace *t = arg;
    (void)sys;
    pthread_mutex_lock(&t->mu);
    snprintf(t->reason, sizeof(t->reason), "%s", reason);
    pthread_mutex_unlock(&t->mu);
    return AKT_OK;
}

typedef struct step {
    trace *t;
    int id;
} step;

static akt_err
record_step(akt_system *sys, const char *reason, void *arg, akt_future **done)
{
    step *s = arg;
    record(sys, reason, s->t, done);
    pthread_mutex_lock(&s->t->mu);
    s->t->order[s->t->n++] = s->id;
    pthread_mutex_unlock(&s->t->mu);
    return AKT_OK;
}

START_TEST(phases_run_in_order_then_the_actors_stop)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system(
        "sd1", false, false, "akt.actor.default-dispatcher.workers = 2");
    static trace t;
    memset(&t, 0, sizeof(t));
    pthread_mutex_init(&t.mu, NULL);
    static step steps[AKT_PHASE_COUNT * 2];
    /* added from the last phase to the first, two per phase */
    int k = 0;
    for (int p = AKT_PHASE_COUNT - 1; p >= 0; p--) {
        for (int j = 0; j < 2; j++) {
            steps[k] = (step) { &t, p * 10 + j };
            ck_assert_int_eq(akt_shutdown_add_task(sys, (akt_shutdown_phase)p,
                                 "rec", record_step, &steps[k], NULL),
                AKT_OK);
            k++;
        }
    }
    ck_assert_ptr_null(akt_shutdown_reason(sys));
    ck_assert_int_eq(akt_system_terminate(sys), AKT_OK);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(10)), AKT_OK);
    ck_assert_int_eq(t.n, AKT_PHASE_COUNT * 2);
    for (int i = 0; i < t.n; i++) {
        ck_assert_int_eq(t.order[i], (i / 2) * 10 + i % 2);
    }
    ck_assert_str_eq(t.reason, "system terminate");
    ck_assert_str_eq(akt_shutdown_reason(sys), "system terminate");
    ck_assert_int_eq(akt_shutdown_add_task(sys, AKT_PHASE_SERVICE_STOP, "late",
                         record_step, &steps[0], NULL),
        AKT_ECLOSED);
    k_teardown(sys, live0);
}
END_TEST

static akt_err
silent(void *s, akt_ctx *ctx, const void *msg)
{
    return AKT_OK; /* never replies */
}
static const akt_behavior silent_b = { .name = "silent", .unhandled = silent };

typedef struct hang_arg {
    akt_ref silent;
} hang_arg;

static akt_err
hang_task(akt_system *sys, const char *reason, void *arg, akt_future **done)
{
    hang_arg *h = arg;
    return akt_ask(h->silent, k_int(&k_int_type, 0, 0), AKT_SEC(60), done);
}

static int freed_args;

static void
count_free(void *arg)
{
    freed_args++;
}

START_TEST(a_phase_that_times_out_is_left_and_the_next_one_runs)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("sd2", false, false,
        "akt.actor.default-dispatcher.workers = 2\n"
        "akt.coordinated-shutdown.phases.service-requests-done.timeout = "
        "100ms\n"
        "akt.loglevel = off");
    static trace t;
    memset(&t, 0, sizeof(t));
    pthread_mutex_init(&t.mu, NULL);
    akt_props props = { .behavior = &silent_b };
    static hang_arg h;
    ck_assert_int_eq(akt_spawn(sys, &props, "silent", &h.silent), AKT_OK);
    static step later = { &t, 1 };
    freed_args = 0;
    ck_assert_int_eq(akt_shutdown_add_task(sys, AKT_PHASE_SERVICE_REQUESTS_DONE,
                         "hang", hang_task, &h, count_free),
        AKT_OK);
    ck_assert_int_eq(akt_shutdown_add_task(sys, AKT_PHASE_SERVICE_STOP, "later",
                         record_step, &later, NULL),
        AKT_OK);
    int64_t t0 = k_now();
    ck_assert_int_eq(akt_shutdown_run(sys, "test"), AKT_OK);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(10)), AKT_OK);
    int64_t took = k_now() - t0;
    ck_assert_int_ge(took, AKT_MS(100));
    ck_assert_int_lt(took, AKT_SEC(5)); /* not the ask's 60 s */
    ck_assert_int_eq(t.n, 1);
    ck_assert_str_eq(t.reason, "test");
    ck_assert_uint_eq(akt_shutdown_timeouts(sys), 1);
    k_teardown(sys, live0);
    ck_assert_int_eq(freed_args, 1);
}
END_TEST

typedef struct racer {
    akt_system *sys;
    int id;
    akt_err rc;
    pthread_barrier_t *bar;
} racer;

static void *
race(void *arg)
{
    racer *r = arg;
    char reason[16];
    snprintf(reason, sizeof(reason), "racer-%d", r->id);
    pthread_barrier_wait(r->bar);
    r->rc = r->id % 2 ? akt_shutdown_run(r->sys, reason)
                      : akt_system_terminate(r->sys);
    return NULL;
}

static _Atomic int runs;

static akt_err
count_run(akt_system *sys, const char *reason, void *arg, akt_future **done)
{
    atomic_fetch_add(&runs, 1);
    return AKT_OK;
}

START_TEST(racing_triggers_run_the_shutdown_once)
{
    for (int round = 0; round < 20; round++) {
        int64_t live0 = akti_msg_live();
        akt_system *sys = k_system(
            "sd3", false, false, "akt.actor.default-dispatcher.workers = 2");
        atomic_store(&runs, 0);
        for (int p = 0; p < AKT_PHASE_COUNT; p++) {
            ck_assert_int_eq(akt_shutdown_add_task(sys, (akt_shutdown_phase)p,
                                 "count", count_run, NULL, NULL),
                AKT_OK);
        }
        enum { N = 8 };
        pthread_barrier_t bar;
        pthread_barrier_init(&bar, NULL, N);
        pthread_t th[N];
        racer r[N];
        for (int i = 0; i < N; i++) {
            r[i] = (racer) { sys, i, AKT_EINTERNAL, &bar };
            pthread_create(&th[i], NULL, race, &r[i]);
        }
        int ok = 0;
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            ck_assert(r[i].rc == AKT_OK || r[i].rc == AKT_ECLOSED);
            ok += r[i].rc == AKT_OK;
        }
        pthread_barrier_destroy(&bar);
        ck_assert_int_eq(
            ok, 1); /* one trigger wins, the others are told it runs */
        ck_assert_int_eq(
            akt_system_await_termination(sys, AKT_SEC(10)), AKT_OK);
        ck_assert_int_eq(
            atomic_load(&runs), AKT_PHASE_COUNT); /* each task once */
        const char *why = akt_shutdown_reason(sys);
        ck_assert_ptr_nonnull(why);
        ck_assert(strcmp(why, "system terminate") == 0
            || strncmp(why, "racer-", 6) == 0);
        k_teardown(sys, live0);
    }
}
END_TEST

START_TEST(sigterm_runs_the_shutdown_when_enabled)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("sd4", false, false,
        "akt.actor.default-dispatcher.workers = "
        "2\nakt.coordinated-shutdown.run-by-signal = on");
    static trace t;
    memset(&t, 0, sizeof(t));
    pthread_mutex_init(&t.mu, NULL);
    static step s = { &t, 5 };
    ck_assert_int_eq(akt_shutdown_add_task(sys, AKT_PHASE_SERVICE_UNBIND,
                         "unbind", record_step, &s, NULL),
        AKT_OK);
    ck_assert_int_eq(raise(SIGTERM), 0);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(10)), AKT_OK);
    ck_assert_int_eq(t.n, 1);
    ck_assert_str_eq(t.reason, "SIGTERM");
    k_teardown(sys, live0);
    /* the process has its own handlers back: SIGTERM ignored here */
    signal(SIGTERM, SIG_IGN);
}
END_TEST

typedef struct stop_arg {
    akt_ref victim;
} stop_arg;

static akt_err
stop_and_wait(akt_system *sys, const char *reason, void *arg, akt_future **done)
{
    stop_arg *s = arg;
    akt_err rc = akt_watch_future(s->victim, done);
    if (rc == AKT_OK) {
        rc = akt_stop(s->victim);
    }
    return rc;
}

START_TEST(a_task_can_wait_for_an_actor_to_stop)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system(
        "sd5", false, false, "akt.actor.default-dispatcher.workers = 2");
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_props props = { .behavior = &silent_b };
    static stop_arg s;
    ck_assert_int_eq(akt_spawn(sys, &props, "svc", &s.victim), AKT_OK);
    ck_assert_int_eq(akt_probe_watch(p, s.victim), AKT_OK);
    ck_assert_int_eq(akt_shutdown_add_task(sys, AKT_PHASE_SERVICE_STOP,
                         "stop-svc", stop_and_wait, &s, NULL),
        AKT_OK);
    ck_assert_int_eq(akt_system_terminate(sys), AKT_OK);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(10)), AKT_OK);
    ck_assert_uint_eq(akt_shutdown_timeouts(sys), 0);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(no_tasks_means_a_plain_terminate)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("sd6", true, true, NULL);
    ck_assert_str_eq(
        akt_shutdown_phase_name(AKT_PHASE_CLUSTER_LEAVE), "cluster-leave");
    ck_assert_ptr_null(akt_shutdown_phase_name(AKT_PHASE_COUNT));
    ck_assert_int_eq(akt_shutdown_run(sys, "bye"), AKT_OK);
    ck_assert_int_eq(
        akt_system_await_termination(sys, AKT_SEC(1)), AKT_OK); /* inline */
    ck_assert_int_eq(akt_shutdown_run(sys, "again"), AKT_ECLOSED);
    ck_assert_str_eq(akt_shutdown_reason(sys), "bye");
    k_teardown(sys, live0);
}
END_TEST

static Suite *
shutdown_suite(void)
{
    Suite *s = suite_create("shutdown");
    TCase *tc = tcase_create("kit");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, phases_run_in_order_then_the_actors_stop);
    tcase_add_test(tc, a_phase_that_times_out_is_left_and_the_next_one_runs);
    tcase_add_test(tc, racing_triggers_run_the_shutdown_once);
    tcase_add_test(tc, sigterm_runs_the_shutdown_when_enabled);
    tcase_add_test(tc, a_task_can_wait_for_an_actor_to_stop);
    tcase_add_test(tc, no_tasks_means_a_plain_terminate);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(shutdown_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
