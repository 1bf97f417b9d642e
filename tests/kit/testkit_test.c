/*
 * testkit_test.c -- the probes and modes of akt-testkit themselves.
 */
#include "kitutil.h"

static akt_system *
det(const char *name)
{
    return k_system(name, true, true, NULL);
}

static bool
is_41(const void *m, void *arg)
{
    return akt_msg_type(m) == &k_int_type && ((const k_Int *)m)->v == 41;
}

START_TEST(expect_by_type_and_by_predicate)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = det("tk1");
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, "probe", &p), AKT_OK);
    k_tell(akt_probe_ref(p), k_int(&k_int_type, 1, 0));
    k_tell(akt_probe_ref(p), k_int(&k_other_type, 2, 0));
    ck_assert_int_eq(akt_probe_pending(p), 2);
    /* the next message is a kit.Int: wrong type, consumed */
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_other_type, AKT_SEC(1), NULL), AKT_ETYPE);
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_other_type, AKT_SEC(1), &m), AKT_OK);
    ck_assert_int_eq(((k_Int *)m)->v, 2);
    akt_msg_free(m);
    k_tell(akt_probe_ref(p), k_int(&k_int_type, 41, 0));
    k_tell(akt_probe_ref(p), k_int(&k_int_type, 40, 0));
    ck_assert_int_eq(
        akt_probe_expect(p, is_41, NULL, AKT_SEC(1), NULL), AKT_OK);
    ck_assert_int_eq(
        akt_probe_expect(p, is_41, NULL, AKT_SEC(1), NULL), AKT_EFAILED);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(expect_no_msg_and_timeouts)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system(
        "tk2", false, false, "akt.actor.default-dispatcher.workers = 2");
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    int64_t t0 = k_now();
    ck_assert_int_eq(akt_probe_expect_no_msg(p, AKT_MS(50)), AKT_OK);
    ck_assert_int_ge(k_now() - t0, AKT_MS(50));
    ck_assert_int_eq(
        akt_probe_receive(p, AKT_MS(20), NULL, NULL), AKT_ETIMEDOUT);
    k_tell(akt_probe_ref(p), k_int(&k_int_type, 1, 0));
    ck_assert_int_eq(akt_probe_expect_no_msg(p, AKT_SEC(5)), AKT_EFAILED);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(receive_n_and_fish)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = det("tk3");
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    for (int i = 0; i < 5; i++) {
        k_tell(akt_probe_ref(p), k_int(&k_int_type, i, 0));
    }
    void *v[3];
    ck_assert_int_eq(akt_probe_receive_n(p, 3, AKT_SEC(1), v), AKT_OK);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(((k_Int *)v[i])->v, i);
        akt_msg_free(v[i]);
    }
    ck_assert_int_eq(akt_probe_receive_n(p, 3, AKT_MS(10), v),
        AKT_ETIMEDOUT); /* only 2 left */
    ck_assert_ptr_nonnull(v[0]);
    ck_assert_ptr_nonnull(v[1]);
    ck_assert_ptr_null(v[2]);
    akt_msg_free(v[0]);
    akt_msg_free(v[1]);
    for (int i = 38; i < 44; i++) {
        k_tell(akt_probe_ref(p), k_int(&k_int_type, i, 0));
    }
    void *m;
    ck_assert_int_eq(akt_probe_fish(p, is_41, NULL, AKT_SEC(1), &m), AKT_OK);
    ck_assert_int_eq(((k_Int *)m)->v, 41);
    akt_msg_free(m);
    k_expect_int(p, &k_int_type, 42); /* what came after the catch stays */
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

static akt_err
stopper(void *s, akt_ctx *ctx, const void *msg)
{
    return akt_ctx_stop(ctx, akt_ctx_self(ctx));
}
static const akt_behavior stopper_b
    = { .name = "stopper", .unhandled = stopper };

START_TEST(watch_and_expect_terminated)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = det("tk4");
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_props props = { .behavior = &stopper_b };
    akt_ref a, b;
    ck_assert_int_eq(akt_spawn(sys, &props, "a", &a), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &props, "b", &b), AKT_OK);
    ck_assert_int_eq(akt_probe_watch(p, a), AKT_OK);
    k_tell(a, k_int(&k_int_type, 0, 0));
    /* a's Terminated arrives (returns as soon as it does; the limit is
     * generous for sanitizers and loaded machines) */
    ck_assert_int_eq(akt_probe_expect_terminated(p, b, AKT_SEC(10)),
        AKT_EFAILED); /* a's, not b's */
    ck_assert_int_eq(akt_probe_watch(p, b), AKT_OK);
    k_tell(b, k_int(&k_int_type, 0, 0));
    ck_assert_int_eq(akt_probe_expect_terminated(p, b, AKT_SEC(1)), AKT_OK);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(reply_goes_to_the_last_sender)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system(
        "tk5", false, false, "akt.actor.default-dispatcher.workers = 2");
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    void *kept = k_int(&k_int_type, 0, 0);
    ck_assert_int_eq(
        akt_probe_reply(p, kept), AKT_ENOENT); /* caller keeps it */
    akt_msg_free(kept);
    akt_future *f;
    ck_assert_int_eq(
        akt_ask(akt_probe_ref(p), k_int(&k_int_type, 1, 0), AKT_SEC(5), &f),
        AKT_OK);
    akt_ref snd;
    void *m;
    ck_assert_int_eq(akt_probe_receive(p, AKT_SEC(5), &m, &snd), AKT_OK);
    akt_msg_free(m);
    ck_assert(akt_ref_equal(snd, akt_probe_last_sender(p)));
    ck_assert_int_eq(akt_probe_reply(p, k_int(&k_int_type, 2, 0)), AKT_OK);
    void *r;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(5), &r), AKT_OK);
    ck_assert_int_eq(((k_Int *)r)->v, 2);
    akt_msg_free(r);
    akt_future_release(f);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(deterministic_mode_runs_the_receiver_before_the_send_returns)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = det("tk6");
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_props props = { .behavior = &fwd_behavior,
        .state_size = sizeof(fwd_state),
        .state_init = fwd_init,
        .init_arg = &pr };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &props, NULL, &a), AKT_OK);
    for (int i = 0; i < 100; i++) {
        k_tell(a, k_int(&k_int_type, i, 0));
        ck_assert_int_eq(
            akt_probe_pending(p), 1); /* already there: no waiting */
        k_expect_int(p, &k_int_type, i);
    }
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

static bool
flag_set(void *arg)
{
    return atomic_load((_Atomic int *)arg) != 0;
}

static void *
set_flag_later(void *arg)
{
    struct timespec ts = { 0, 20 * 1000000 };
    nanosleep(&ts, NULL); /* the condition must become true while waiting */
    atomic_store((_Atomic int *)arg, 1);
    return NULL;
}

/* proves: await returns as soon as the condition holds (at once, or when
 * another thread makes it true), times out when it never does, and
 * rejects bad arguments */
START_TEST(await_polls_a_condition_until_it_holds_or_times_out)
{
    static _Atomic int flag;
    atomic_store(&flag, 1);
    ck_assert_int_eq(akt_testkit_await(flag_set, (void *)&flag, 0), AKT_OK);
    atomic_store(&flag, 0);
    ck_assert_int_eq(
        akt_testkit_await(flag_set, (void *)&flag, AKT_MS(30)), AKT_ETIMEDOUT);
    pthread_t th;
    ck_assert_int_eq(
        pthread_create(&th, NULL, set_flag_later, (void *)&flag), 0);
    ck_assert_int_eq(
        akt_testkit_await(flag_set, (void *)&flag, AKT_SEC(30)), AKT_OK);
    pthread_join(th, NULL);
    ck_assert_int_eq(akt_testkit_await(NULL, NULL, AKT_MS(1)), AKT_EINVAL);
    ck_assert_int_eq(
        akt_testkit_await(flag_set, (void *)&flag, -1), AKT_EINVAL);
}
END_TEST

START_TEST(probe_calls_reject_bad_arguments)
{
    ck_assert_int_eq(akt_probe_receive(NULL, 0, NULL, NULL), AKT_EINVAL);
    ck_assert_int_eq(akt_probe_receive_n(NULL, 1, 0, NULL), AKT_EINVAL);
    ck_assert_int_eq(akt_probe_fish(NULL, is_41, NULL, 0, NULL), AKT_EINVAL);
    ck_assert_int_eq(akt_probe_watch(NULL, AKT_REF_NONE), AKT_EINVAL);
    ck_assert_int_eq(akt_probe_send(NULL, AKT_REF_NONE, NULL), AKT_EINVAL);
    ck_assert_int_eq(akt_probe_reply(NULL, NULL), AKT_EINVAL);
    ck_assert_uint_eq(akt_probe_pending(NULL), 0);
    ck_assert(akt_ref_is_none(akt_probe_ref(NULL)));
    akt_probe_free(NULL);
    ck_assert_int_eq(akt_probe_new(NULL, NULL, NULL), AKT_EINVAL);
}
END_TEST

START_TEST(testkit_system_layers_extra_config)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys
        = k_system("tk7", false, true, "akt.actor.ask-timeout = 7s");
    ck_assert(akt_scheduler_is_virtual(sys));
    int64_t v;
    ck_assert_int_eq(akt_config_get_duration(akt_system_config(sys),
                         "akt.actor.ask-timeout", &v, NULL),
        AKT_OK);
    ck_assert_int_eq(v, AKT_SEC(7));
    ck_assert_int_eq(akt_scheduler_now(sys), 0);
    k_teardown(sys, live0);
    akt_system *bad;
    akt_testkit_opts o = { .config = "akt { =" };
    ck_assert_int_ne(akt_testkit_system("tk8", &o, &bad), AKT_OK);
}
END_TEST

static Suite *
testkit_suite(void)
{
    Suite *s = suite_create("testkit");
    TCase *tc = tcase_create("kit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, expect_by_type_and_by_predicate);
    tcase_add_test(tc, expect_no_msg_and_timeouts);
    tcase_add_test(tc, receive_n_and_fish);
    tcase_add_test(tc, watch_and_expect_terminated);
    tcase_add_test(tc, reply_goes_to_the_last_sender);
    tcase_add_test(
        tc, deterministic_mode_runs_the_receiver_before_the_send_returns);
    tcase_add_test(tc, testkit_system_layers_extra_config);
    tcase_add_test(tc, probe_calls_reject_bad_arguments);
    tcase_add_test(tc, await_polls_a_condition_until_it_holds_or_times_out);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(testkit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
