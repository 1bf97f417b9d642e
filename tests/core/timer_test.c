/*
 * timer_test.c -- the hashed timing wheel (core/timer.c) with a manual
 * clock: deadlines are never early, cancel wins, entries further away than
 * one revolution wait their turn; and the monotonic clock with its thread.
 */
#include "core/core.h"
#include "testutil.h"

static _Atomic int64_t now_ns;
static akti_clock manual = { akti_manual_clock_now, &now_ns };

typedef struct fired {
    int n;
    int64_t at[64];
    int id[64];
} fired;

static fired log_;

static void
on_fire(akti_timer *t, void *arg)
{
    if (log_.n < 64) {
        log_.at[log_.n] = atomic_load(&now_ns);
        log_.id[log_.n] = (int)(intptr_t)arg;
        log_.n++;
    }
}

static void
advance(akti_wheel *w, int64_t ns)
{
    atomic_fetch_add(&now_ns, ns);
    akti_wheel_advance(w);
}

static akti_wheel *
mk(uint32_t size)
{
    memset(&log_, 0, sizeof log_);
    atomic_store(&now_ns, AKT_SEC(1000));
    akti_wheel *w = NULL;
    ck_assert_int_eq(
        akti_wheel_create(AKT_MS(10), size, &manual, false, &w), AKT_OK);
    return w;
}

START_TEST(timer_fires_at_its_deadline_and_never_before)
{
    akti_wheel *w = mk(64);
    akti_timer t = { 0 };
    akti_timer_start(w, &t, AKT_MS(35), on_fire, (void *)1);
    advance(w, AKT_MS(10));
    advance(w, AKT_MS(10));
    advance(w, AKT_MS(10));
    ck_assert_int_eq(log_.n, 0);
    advance(w, AKT_MS(4));
    ck_assert_int_eq(log_.n, 0); /* 34 ms: not yet */
    advance(w, AKT_MS(16));
    ck_assert_int_eq(log_.n, 1);
    ck_assert_int_ge(log_.at[0] - AKT_SEC(1000), AKT_MS(35));
    advance(w, AKT_MS(100));
    ck_assert_int_eq(log_.n, 1); /* once */
    akti_wheel_free(w);
}
END_TEST

START_TEST(cancelled_timer_never_fires)
{
    akti_wheel *w = mk(64);
    akti_timer a = { 0 }, b = { 0 };
    akti_timer_start(w, &a, AKT_MS(20), on_fire, (void *)1);
    akti_timer_start(w, &b, AKT_MS(20), on_fire, (void *)2);
    ck_assert(akti_timer_cancel(w, &a));
    ck_assert(!akti_timer_cancel(w, &a));
    advance(w, AKT_MS(50));
    ck_assert_int_eq(log_.n, 1);
    ck_assert_int_eq(log_.id[0], 2);
    ck_assert(!akti_timer_cancel(w, &b)); /* already fired */
    akti_wheel_free(w);
}
END_TEST

START_TEST(timers_beyond_one_revolution_wait_their_turn)
{
    akti_wheel *w = mk(8); /* 8 ticks of 10 ms: one revolution = 80 ms */
    akti_timer far = { 0 }, near = { 0 };
    akti_timer_start(w, &far, AKT_MS(250), on_fire, (void *)1);
    akti_timer_start(w, &near, AKT_MS(5), on_fire, (void *)2);
    for (int i = 0; i < 24; i++) {
        advance(w, AKT_MS(10));
    }
    ck_assert_int_eq(log_.n, 1);
    ck_assert_int_eq(log_.id[0], 2);
    advance(w, AKT_MS(10));
    ck_assert_int_eq(log_.n, 2);
    ck_assert_int_eq(log_.id[1], 1);
    akti_wheel_free(w);
}
END_TEST

START_TEST(a_big_jump_in_time_fires_everything_due)
{
    akti_wheel *w = mk(16);
    akti_timer t[40];
    memset(t, 0, sizeof t);
    for (int i = 0; i < 40; i++) {
        akti_timer_start(w, &t[i], AKT_MS(7) * i, on_fire, (void *)(intptr_t)i);
    }
    advance(w, AKT_SEC(10));
    ck_assert_int_eq(log_.n, 40);
    akti_wheel_free(w);
}
END_TEST

static t_latch rt_latch = T_LATCH_INIT;
static void
on_rt(akti_timer *t, void *arg)
{
    t_latch_add(&rt_latch, 1);
}

START_TEST(monotonic_wheel_thread_fires_timers)
{
    akti_wheel *w = NULL;
    ck_assert_int_eq(akti_wheel_create(AKT_MS(1), 64, NULL, true, &w), AKT_OK);
    akti_timer t = { 0 };
    int64_t t0 = akti_now_ns();
    akti_timer_start(w, &t, AKT_MS(20), on_rt, NULL);
    ck_assert(t_latch_wait(&rt_latch, 1, 10000));
    ck_assert_int_ge(akti_now_ns() - t0, AKT_MS(20));
    akti_wheel_free(w);
}
END_TEST

static akt_err
silent_int(void *state, akt_ctx *ctx, const void *msg)
{
    return AKT_OK; /* never answers */
}
static const akt_handler silent_handlers[] = { { &t_int_type, silent_int } };
static const akt_behavior silent_beh = { "silent", silent_handlers, 1, NULL };

START_TEST(ask_timeout_follows_the_system_clock_in_virtual_time)
{
    akt_system *sys
        = t_system("virt", "akt.actor.default-dispatcher.workers=2");
    atomic_store(&now_ns, AKT_SEC(5000));
    ck_assert_int_eq(akti_system_use_clock(sys, &manual), AKT_OK);
    akt_props p = { .behavior = &silent_beh };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "s", &a), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(1), AKT_MS(100), &f), AKT_OK);
    advance(akti_system_wheel(sys), AKT_MS(50));
    ck_assert(!akt_future_is_done(f));
    advance(akti_system_wheel(sys), AKT_MS(60));
    ck_assert(akt_future_is_done(f)); /* fired inside advance */
    ck_assert_int_eq(akt_future_wait(f, 0, NULL), AKT_ETIMEDOUT);
    akt_future_release(f);
    akt_system_stats_t st;
    akt_system_stats(sys, &st);
    ck_assert_int_eq(st.live_futures, 0);
    t_teardown(sys, 0);
}
END_TEST

Suite *
timer_suite(void)
{
    Suite *s = suite_create("timer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, timer_fires_at_its_deadline_and_never_before);
    tcase_add_test(tc, cancelled_timer_never_fires);
    tcase_add_test(tc, timers_beyond_one_revolution_wait_their_turn);
    tcase_add_test(tc, a_big_jump_in_time_fires_everything_due);
    tcase_add_test(tc, monotonic_wheel_thread_fires_timers);
    tcase_add_test(tc, ask_timeout_follows_the_system_clock_in_virtual_time);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(timer_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
