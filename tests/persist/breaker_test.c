/*
 * breaker_test.c -- the circuit breaker around a journal
 * (akt_journal_set_breaker), over a plug-in the test controls and a clock
 * it moves: after max-failures failures in a row calls fail at once with
 * AKT_EBUSY without reaching the store; after the reset timeout exactly one
 * trial goes through; its success closes the breaker, its failure opens it
 * again; rejections and a success in between reset the count.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>

#include "akt/persistence.h"
#include "persist/persist_impl.h"

typedef struct tb_Evt {
    int64_t n;
} tb_Evt;
static const akt_field evt_fields[] = {
    { .name = "n",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(tb_Evt, n),
        .has_offset = AKT_NO_OFFSET },
};
static const akt_type evt_type = { .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_EVENT | AKT_TYPE_TABLE,
    .name = "tb.Evt",
    .id = 0x2a17c0ffee000001ull,
    .size = sizeof(tb_Evt),
    .align = _Alignof(tb_Evt),
    .fields = evt_fields,
    .nfields = 1 };

/* the plug-in: outcome decides what a write reports; held writes wait
 * for release() */
static akt_write_status outcome = AKT_WRITE_OK;
static bool hold;
static int calls;
static akt_journal_write_cb held_cb;
static void *held_arg;

static akt_err
tb_write(
    void *impl, const akt_atomic_write *w, akt_journal_write_cb cb, void *arg)
{
    (void)impl;
    (void)w;
    calls++;
    if (hold) {
        held_cb = cb;
        held_arg = arg;
        return AKT_OK;
    }
    cb(arg, outcome, outcome == AKT_WRITE_OK ? AKT_OK : AKT_EIO);
    return AKT_OK;
}
static void
release(akt_write_status st)
{
    akt_journal_write_cb cb = held_cb;
    held_cb = NULL;
    cb(held_arg, st, st == AKT_WRITE_OK ? AKT_OK : AKT_EIO);
}
static akt_err
tb_replay(void *impl, const char *pid, uint64_t from, uint64_t to, uint64_t max,
    akt_journal_replay_fn fn, void *arg)
{
    (void)impl, (void)pid, (void)from, (void)to, (void)max, (void)fn, (void)arg;
    return AKT_OK;
}
static akt_err
tb_highest(void *impl, const char *pid, uint64_t *out)
{
    (void)impl, (void)pid;
    calls++;
    *out = 0;
    return outcome == AKT_WRITE_OK ? AKT_OK : AKT_EIO;
}
static akt_err
tb_delete(void *impl, const char *pid, uint64_t to)
{
    (void)impl, (void)pid, (void)to;
    calls++;
    return AKT_OK;
}
static const akt_journal_ops tb_ops = { .name = "controlled",
    .write = tb_write,
    .replay = tb_replay,
    .highest = tb_highest,
    .delete_to = tb_delete };

static int64_t now;
static int64_t
fake_now(void)
{
    return now;
}

static akt_registry *reg;
static akt_journal *j;

static void
setup(void)
{
    akti_persist_mono_ns = fake_now;
    now = 1000;
    outcome = AKT_WRITE_OK;
    hold = false;
    calls = 0;
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    ck_assert_int_eq(akt_journal_new(&tb_ops, NULL, reg, 0, &j), AKT_OK);
    ck_assert_int_eq(akt_journal_set_breaker(j, 3, 500), AKT_OK);
}

static void
teardown(void)
{
    akt_journal_close(j);
    akt_registry_free(reg);
}

static akt_write_status last_st;
static int done_calls;
static void
done(void *arg, akt_write_status st, akt_err rc)
{
    (void)arg;
    (void)rc;
    last_st = st;
    done_calls++;
}

/* write one event; the call's code (the outcome is in last_st) */
static akt_err
write1(const akt_type *t)
{
    tb_Evt *e = akt_msg_new(t, 0);
    akt_jevent ev = { .msg = e };
    akt_err rc = akt_journal_write(j, "p", 1, &ev, 1, done, NULL);
    akt_msg_free(e);
    return rc;
}

static void
open_it(void)
{
    outcome = AKT_WRITE_FAILED;
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(write1(&evt_type), AKT_OK);
        ck_assert_int_eq(last_st, AKT_WRITE_FAILED);
    }
}

START_TEST(after_max_failures_calls_fail_fast_without_reaching_the_store)
{
    open_it();
    ck_assert_int_eq(calls, 3);
    int before = done_calls;
    ck_assert_int_eq(write1(&evt_type), AKT_EBUSY);
    uint64_t h;
    ck_assert_int_eq(akt_journal_highest(j, "p", &h), AKT_EBUSY);
    ck_assert_int_eq(akt_journal_delete_to(j, "p", 1), AKT_EBUSY);
    ck_assert_int_eq(calls, 3); /* none reached the store */
    ck_assert_int_eq(done_calls, before); /* no callback for a failed call */
}
END_TEST

START_TEST(after_the_reset_timeout_one_trial_goes_through_and_closes_it)
{
    open_it();
    now += 499;
    ck_assert_int_eq(write1(&evt_type), AKT_EBUSY);
    now += 1;
    outcome = AKT_WRITE_OK;
    hold = true;
    ck_assert_int_eq(write1(&evt_type), AKT_OK); /* the trial */
    ck_assert_int_eq(write1(&evt_type), AKT_EBUSY); /* only one */
    ck_assert_int_eq(calls, 4);
    release(AKT_WRITE_OK);
    hold = false;
    for (int i = 0; i < 5; i++) { /* closed */
        ck_assert_int_eq(write1(&evt_type), AKT_OK);
    }
    ck_assert_int_eq(calls, 9);
}
END_TEST

START_TEST(a_failed_trial_opens_it_again_for_another_timeout)
{
    open_it();
    now += 500;
    ck_assert_int_eq(write1(&evt_type), AKT_OK); /* the trial fails */
    ck_assert_int_eq(last_st, AKT_WRITE_FAILED);
    ck_assert_int_eq(write1(&evt_type), AKT_EBUSY);
    now += 499;
    ck_assert_int_eq(write1(&evt_type), AKT_EBUSY);
    now += 1;
    outcome = AKT_WRITE_OK;
    ck_assert_int_eq(write1(&evt_type), AKT_OK);
    ck_assert_int_eq(last_st, AKT_WRITE_OK);
}
END_TEST

START_TEST(rejections_and_a_success_in_between_do_not_open_it)
{
    static const akt_type opaque = { .abi = AKT_GEN_ABI,
        .flags = AKT_TYPE_EVENT,
        .name = "tb.Opaque",
        .size = 8,
        .align = 8 };
    for (int i = 0; i < 5; i++) { /* no codec: rejected before the store */
        ck_assert_int_eq(write1(&opaque), AKT_EINVAL);
    }
    outcome = AKT_WRITE_FAILED;
    ck_assert_int_eq(write1(&evt_type), AKT_OK);
    ck_assert_int_eq(write1(&evt_type), AKT_OK);
    outcome = AKT_WRITE_OK;
    ck_assert_int_eq(write1(&evt_type), AKT_OK);
    outcome = AKT_WRITE_FAILED;
    ck_assert_int_eq(write1(&evt_type), AKT_OK);
    ck_assert_int_eq(write1(&evt_type), AKT_OK);
    /* two in a row again: still closed */
    ck_assert_int_eq(write1(&evt_type), AKT_OK);
    ck_assert_int_eq(write1(&evt_type), AKT_EBUSY); /* the third opened it */
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("persist_breaker");
    TCase *tc = tcase_create("breaker");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(
        tc, after_max_failures_calls_fail_fast_without_reaching_the_store);
    tcase_add_test(
        tc, after_the_reset_timeout_one_trial_goes_through_and_closes_it);
    tcase_add_test(tc, a_failed_trial_opens_it_again_for_another_timeout);
    tcase_add_test(tc, rejections_and_a_success_in_between_do_not_open_it);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
