/*
 * timers_test.c -- per-actor keyed timers, receive timeout, the system
 * scheduler and virtual time (akt/timers.h), tested with akt-testkit.
 */
#include "kitutil.h"

/* A timer actor: commands arrive as k_Int of k_other_type with v = command:
 *   1 start single(key=aux, 1 s)   2 start periodic(key=aux, 1 s)
 *   3 cancel(aux)                  4 is_active(aux) -> reply k_Int{v=0/1}
 *   5 receive timeout aux seconds  6 block on the latch, then cancel(aux)
 *   7 start single(key=1, aux s, value 100+aux)
 * Timer messages are k_Int of k_int_type and are forwarded to the probe. */
typedef struct tm_state {
    akt_ref probe;
} tm_state;

static pthread_mutex_t latch_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t latch_cv = PTHREAD_COND_INITIALIZER;
static int latch_open;
static _Atomic int blocked;

static akt_err
tm_init(void *s, const void *arg)
{
    ((tm_state *)s)->probe = *(const akt_ref *)arg;
    return AKT_OK;
}

static akt_err
tm_cmd(void *state, akt_ctx *ctx, const void *msg)
{
    tm_state *s = state;
    const k_Int *c = msg;
    switch (c->v) {
    case 1:
        return akt_timer_start_single(
            ctx, (uint64_t)c->aux, k_int(&k_int_type, c->aux, 0), AKT_SEC(1));
    case 2:
        return akt_timer_start_periodic(ctx, (uint64_t)c->aux,
            k_int(&k_int_type, c->aux, 0), AKT_SEC(1), AKT_SEC(1));
    case 3:
        return akt_timer_cancel(ctx, (uint64_t)c->aux) == AKT_OK ? AKT_OK
                                                                 : AKT_OK;
    case 4:
        return akt_reply(ctx,
            k_int(&k_int_type, akt_timer_is_active(ctx, (uint64_t)c->aux), 4));
    case 5:
        return akt_ctx_set_receive_timeout(ctx, AKT_SEC(c->aux));
    case 6:
        pthread_mutex_lock(&latch_mu);
        atomic_store(&blocked, 1);
        while (!latch_open) {
            pthread_cond_wait(&latch_cv, &latch_mu);
        }
        pthread_mutex_unlock(&latch_mu);
        akt_timer_cancel(ctx, (uint64_t)c->aux);
        return akt_tell(
            s->probe, k_int(&k_other_type, 66, 0), akt_ctx_self(ctx));
    case 7:
        return akt_timer_start_single(
            ctx, 1, k_int(&k_int_type, 100 + c->aux, 0), AKT_SEC(c->aux));
    }
    return AKT_OK;
}

static akt_err
tm_fwd(void *state, akt_ctx *ctx, const void *msg)
{
    tm_state *s = state;
    return akt_tell(s->probe, akt_msg_retain(msg), akt_ctx_self(ctx));
}

static const akt_handler tm_handlers[] = {
    { &k_other_type, tm_cmd },
    { &k_int_type, tm_fwd },
    { &akt_receive_timeout_type, tm_fwd },
};
static const akt_behavior tm_behavior
    = { .name = "timers", .handlers = tm_handlers, .nhandlers = 3 };

static akt_ref
spawn_tm(akt_system *sys, akt_ref *probe)
{
    akt_props p = { .behavior = &tm_behavior,
        .state_size = sizeof(tm_state),
        .state_init = tm_init,
        .init_arg = probe };
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &p, NULL, &r), AKT_OK);
    return r;
}

static void
cmd(akt_ref a, int64_t v, int64_t aux)
{
    k_tell(a, k_int(&k_other_type, v, aux));
}

START_TEST(
    thirty_second_timer_fires_on_time_in_virtual_time_within_microseconds)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("tm30", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref a = spawn_tm(sys, &pr);
    int64_t t0 = k_now();
    int64_t due = 0;
    ck_assert_int_eq(akt_scheduler_next_due(sys, &due), AKT_ENOENT);
    ck_assert_int_eq(akt_scheduler_next_due(sys, NULL), AKT_EINVAL);
    cmd(a, 7, 30); /* single, 30 s */
    ck_assert_int_eq(akt_scheduler_next_due(sys, &due), AKT_OK);
    ck_assert_int_eq(due, AKT_SEC(30));
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(30) - AKT_MS(1)), AKT_OK);
    ck_assert_int_eq(akt_scheduler_next_due(sys, &due), AKT_OK);
    ck_assert_int_eq(due, AKT_MS(1));
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK); /* never early */
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_MS(1)), AKT_OK);
    k_expect_int(p, &k_int_type, 130);
    ck_assert_int_eq(akt_scheduler_next_due(sys, &due), AKT_ENOENT);
    /* virtual: 30 s passed on the clock, not in reality (microseconds in
     * practice; the bound only rules out a real 30 s wait) */
    int64_t took = k_now() - t0;
    ck_assert_int_lt(took, AKT_SEC(10));
    ck_assert_int_eq(akt_scheduler_now(sys), AKT_SEC(30));
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(periodic_timer_fires_once_per_period_until_cancelled)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("tmper", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref a = spawn_tm(sys, &pr);
    cmd(a, 2, 9);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(10)), AKT_OK);
    void *msgs[10];
    ck_assert_int_eq(akt_probe_receive_n(p, 10, AKT_SEC(1), msgs), AKT_OK);
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(((k_Int *)msgs[i])->v, 9);
        akt_msg_free(msgs[i]);
    }
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    cmd(a, 3, 9);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(10)), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(restarting_a_key_replaces_the_old_timer)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("tmrep", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref a = spawn_tm(sys, &pr);
    cmd(a, 7, 5); /* key 1 in 5 s, value 105 */
    cmd(a, 7, 10); /* key 1 again: in 10 s, value 110 */
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(20)), AKT_OK);
    k_expect_int(p, &k_int_type, 110);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(is_active_until_a_single_timer_is_delivered)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("tmact", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref a = spawn_tm(sys, &pr);
    cmd(a, 1, 3);
    ck_assert_int_eq(akt_probe_send(p, a, k_int(&k_other_type, 4, 3)), AKT_OK);
    k_expect_int(p, &k_int_type, 1);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(1)), AKT_OK);
    k_expect_int(p, &k_int_type, 3); /* the timer's message */
    ck_assert_int_eq(akt_probe_send(p, a, k_int(&k_other_type, 4, 3)), AKT_OK);
    k_expect_int(p, &k_int_type, 0);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(cancel_drops_a_timer_message_already_queued)
{
    /* pool dispatcher + virtual time: the timer fires while the actor is
     * busy, its message waits in the mailbox, then the actor cancels */
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system(
        "tmq", false, true, "akt.actor.default-dispatcher.workers = 2");
    latch_open = 0;
    atomic_store(&blocked, 0);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref a = spawn_tm(sys, &pr);
    cmd(a, 1, 5); /* single key 5 in 1 s */
    cmd(a, 6, 5); /* block, then cancel key 5 */
    int64_t dl = k_now() + AKT_SEC(10);
    while (!atomic_load(&blocked) && k_now() < dl) {
        sched_yield();
    }
    ck_assert_int_eq(atomic_load(&blocked), 1);
    ck_assert_int_eq(
        akt_testkit_advance(sys, AKT_SEC(2)), AKT_OK); /* fires: queued */
    pthread_mutex_lock(&latch_mu);
    latch_open = 1;
    pthread_cond_broadcast(&latch_cv);
    pthread_mutex_unlock(&latch_mu);
    k_expect_int(p, &k_other_type, 66);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, AKT_MS(200)), AKT_OK);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(timers_die_with_their_actor)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("tmdie", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref a = spawn_tm(sys, &pr);
    cmd(a, 2, 1);
    cmd(a, 1, 2);
    uint64_t dl0 = akt_system_dead_letters(sys);
    ck_assert_int_eq(akt_probe_watch(p, a), AKT_OK);
    ck_assert_int_eq(akt_stop(a), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_terminated(p, a, AKT_SEC(5)), AKT_OK);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(60)), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    ck_assert_uint_eq(
        akt_system_dead_letters(sys), dl0); /* nothing was even sent */
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(receive_timeout_fires_after_idle_period_and_messages_reset_it)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("tmrt", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref a = spawn_tm(sys, &pr);
    cmd(a, 5, 10); /* 10 s */
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(9)), AKT_OK);
    cmd(a, 0, 0); /* any message restarts the idle period */
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(9)), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(1)), AKT_OK);
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(p, &akt_receive_timeout_type, AKT_SEC(1), &m),
        AKT_OK);
    ck_assert_int_eq(((akt_ReceiveTimeout *)m)->timeout_ns, AKT_SEC(10));
    akt_msg_free(m);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(10)),
        AKT_OK); /* again when still idle */
    ck_assert_int_eq(
        akt_probe_expect_type(p, &akt_receive_timeout_type, AKT_SEC(1), NULL),
        AKT_OK);
    cmd(a, 5, 0); /* cleared */
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(60)), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

static _Atomic int ran, finied;

static void
count_fn(void *arg)
{
    atomic_fetch_add(&ran, 1);
}

static void
count_fini(void *arg)
{
    atomic_fetch_add(&finied, 1);
}

START_TEST(scheduler_runs_one_off_tasks_and_cancel_prevents_them)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("tmsch", true, true, NULL);
    atomic_store(&ran, 0);
    atomic_store(&finied, 0);
    akt_task *keep, *drop;
    ck_assert_int_eq(
        akt_schedule_once(sys, AKT_SEC(5), count_fn, NULL, count_fini, &keep),
        AKT_OK);
    ck_assert_int_eq(
        akt_schedule_once(sys, AKT_SEC(5), count_fn, NULL, count_fini, &drop),
        AKT_OK);
    ck_assert(akt_task_cancel(drop));
    ck_assert(!akt_task_cancel(drop));
    ck_assert_int_eq(atomic_load(&finied), 1);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(4)), AKT_OK);
    ck_assert_int_eq(atomic_load(&ran), 0);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(1)), AKT_OK);
    ck_assert_int_eq(atomic_load(&ran), 1);
    ck_assert_int_eq(atomic_load(&finied), 2);
    ck_assert(!akt_task_cancel(keep)); /* already ran */
    akt_task_release(keep);
    akt_task_release(drop);
    /* schedule_tell */
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    ck_assert_int_eq(akt_schedule_tell(sys, AKT_MS(250), akt_probe_ref(p),
                         k_int(&k_int_type, 7, 0), AKT_REF_NONE, NULL),
        AKT_OK);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_MS(249)), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_MS(1)), AKT_OK);
    k_expect_int(p, &k_int_type, 7);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(tasks_still_pending_when_the_system_is_freed_get_their_fini)
{
    int64_t live0 = akti_msg_live();
    atomic_store(&ran, 0);
    atomic_store(&finied, 0);
    for (int det = 0; det < 2; det++) {
        akt_system *sys = k_system(
            "tmfree", det, det, "akt.actor.default-dispatcher.workers = 2");
        akt_task *h;
        ck_assert_int_eq(akt_schedule_once(sys, AKT_SEC(3600), count_fn, NULL,
                             count_fini, &h),
            AKT_OK);
        ck_assert_int_eq(akt_schedule_once(sys, AKT_SEC(3600), count_fn, NULL,
                             count_fini, NULL),
            AKT_OK);
        akt_probe *p;
        ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
        ck_assert_int_eq(akt_schedule_tell(sys, AKT_SEC(3600), akt_probe_ref(p),
                             k_int(&k_int_type, 1, 0), AKT_REF_NONE, NULL),
            AKT_OK);
        akt_probe_free(p);
        akt_system_free(sys);
        akt_task_release(h); /* after the free: fine */
    }
    ck_assert_int_eq(atomic_load(&ran), 0);
    ck_assert_int_eq(atomic_load(&finied), 4);
    ck_assert_int_eq(
        akti_msg_live(), live0); /* the pending tells' messages freed */
}
END_TEST

START_TEST(real_clock_timer_is_never_early_and_late_by_little)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system(
        "tmreal", false, false, "akt.actor.default-dispatcher.workers = 2");
    ck_assert(!akt_scheduler_is_virtual(sys));
    ck_assert_int_eq(akt_scheduler_advance(sys, 1), AKT_ENOTSUP);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    int64_t t0 = k_now();
    ck_assert_int_eq(akt_schedule_tell(sys, AKT_MS(50), akt_probe_ref(p),
                         k_int(&k_int_type, 1, 0), AKT_REF_NONE, NULL),
        AKT_OK);
    k_expect_int(p, &k_int_type, 1);
    int64_t took = k_now() - t0;
    ck_assert_int_ge(took, AKT_MS(50));
    ck_assert_int_lt(took, AKT_SEC(2)); /* generous: loaded CI machines */
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

/* churn: restart, cancel and let fire keyed timers while the wheel thread
 * fires them (real clock, pool dispatcher); nothing may leak or race */
static akt_err
churn(void *state, akt_ctx *ctx, const void *msg)
{
    const k_Int *m = msg;
    if (akt_msg_type(msg) == &k_other_type) {
        for (int i = 0; i < 50; i++) {
            uint64_t key = (uint64_t)(i % 5);
            if (i % 3 == 0) {
                akt_timer_cancel(ctx, key);
            } else if (i % 7 == 0) {
                akt_timer_start_periodic(
                    ctx, key, k_int(&k_int_type, -1, 0), 0, AKT_US(200));
            } else {
                akt_timer_start_single(
                    ctx, key, k_int(&k_int_type, -1, 0), AKT_US(i * 10));
            }
        }
        if (m->v > 0) {
            return akt_tell(akt_ctx_self(ctx),
                k_int(&k_other_type, m->v - 1, 0), AKT_REF_NONE);
        }
        return akt_tell(
            ((fwd_state *)state)->to, k_int(&k_int_type, 0, 0), AKT_REF_NONE);
    }
    return AKT_OK;
}
static const akt_behavior churn_b = { .name = "churn", .unhandled = churn };

START_TEST(timer_churn_against_the_wheel_thread_is_clean)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("tmchurn", false, false,
        "akt.actor.default-dispatcher.workers = 4\nakt.scheduler.tick = 100us");
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_props props = { .behavior = &churn_b,
        .state_size = sizeof(fwd_state),
        .state_init = fwd_init,
        .init_arg = &pr };
    enum { N = 8 };
    for (int i = 0; i < N; i++) {
        akt_ref a;
        ck_assert_int_eq(akt_spawn(sys, &props, NULL, &a), AKT_OK);
        k_tell(a, k_int(&k_other_type, 200, 0));
    }
    ck_assert_int_eq(akt_probe_receive_n(p, N, AKT_SEC(60), NULL), AKT_OK);
    akt_probe_free(p);
    k_teardown(sys, live0); /* stops them with timers armed and ticks queued */
}
END_TEST

START_TEST(timer_calls_reject_bad_arguments)
{
    ck_assert_int_eq(akt_timer_start_single(NULL, 1, NULL, 0), AKT_EINVAL);
    ck_assert_int_eq(
        akt_schedule_once(NULL, 1, count_fn, NULL, NULL, NULL), AKT_EINVAL);
    ck_assert_int_eq(akt_scheduler_advance(NULL, 1), AKT_EINVAL);
}
END_TEST

static Suite *
timers_suite(void)
{
    Suite *s = suite_create("timers");
    TCase *tc = tcase_create("kit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc,
        thirty_second_timer_fires_on_time_in_virtual_time_within_microseconds);
    tcase_add_test(tc, periodic_timer_fires_once_per_period_until_cancelled);
    tcase_add_test(tc, restarting_a_key_replaces_the_old_timer);
    tcase_add_test(tc, is_active_until_a_single_timer_is_delivered);
    tcase_add_test(tc, cancel_drops_a_timer_message_already_queued);
    tcase_add_test(tc, timers_die_with_their_actor);
    tcase_add_test(
        tc, receive_timeout_fires_after_idle_period_and_messages_reset_it);
    tcase_add_test(tc, scheduler_runs_one_off_tasks_and_cancel_prevents_them);
    tcase_add_test(
        tc, tasks_still_pending_when_the_system_is_freed_get_their_fini);
    tcase_add_test(tc, real_clock_timer_is_never_early_and_late_by_little);
    tcase_add_test(tc, timer_churn_against_the_wheel_thread_is_clean);
    tcase_add_test(tc, timer_calls_reject_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(timers_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
