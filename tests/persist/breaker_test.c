/*
 * breaker_test.c -- the circuit breaker around a journal
 * (akt_journal_set_breaker), over a plug-in the test controls and a clock
 * it moves: after max-failures failures in a row calls fail at once with
 * AKT_EBUSY without reaching the store; after the reset timeout exactly one
 * trial goes through; its success closes the breaker, its failure opens it
 * again; rejections and a success in between reset the count; a call
 * still running at the call timeout is cut: its caller hears
 * AKT_ETIMEDOUT at once (a write's callback from the watchdog, a
 * synchronous call after the plug-in honoured the cut), the real result
 * is dropped, and it counts as a failure; a call that returns late but
 * before the cut counts as a failure too; the same breaker around a
 * snapshot store (none found is no failure).
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "akt/persistence.h"
#include "latch.h"
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
static int64_t now;
static int64_t highest_cost; /* what a highest call moves the clock by */
/* block_highest: highest waits until its call is cut (the token current
 * on the calling thread fires), as a plug-in waiting on a server would */
static bool block_highest;
static pthread_mutex_t hmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hcv = PTHREAD_COND_INITIALIZER;
static bool hcut;
static void
cut_highest(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&hmu);
    hcut = true;
    pthread_cond_signal(&hcv);
    pthread_mutex_unlock(&hmu);
}
static akt_err
tb_highest(void *impl, const char *pid, uint64_t *out)
{
    (void)impl, (void)pid;
    calls++;
    if (block_highest) {
        akti_cancel *tok = akti_cancel_cur;
        ck_assert_ptr_nonnull(tok);
        hcut = false;
        if (!akti_cancel_enter(tok, cut_highest, NULL)) {
            return AKT_ECANCELED;
        }
        pthread_mutex_lock(&hmu);
        while (!hcut) {
            pthread_cond_wait(&hcv, &hmu);
        }
        pthread_mutex_unlock(&hmu);
        akti_cancel_leave(tok);
        return AKT_ECANCELED;
    }
    now += highest_cost;
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
    highest_cost = 0;
    block_highest = false;
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

/* the callbacks (from the watchdog's thread too) */
static _Atomic akt_write_status last_st;
static _Atomic akt_err last_rc;
static _Atomic int done_calls;
static t_latch dones = T_LATCH_INIT;
static void
done(void *arg, akt_write_status st, akt_err rc)
{
    (void)arg;
    atomic_store(&last_st, st);
    atomic_store(&last_rc, rc);
    atomic_fetch_add(&done_calls, 1);
    t_latch_add(&dones, 1);
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

/* call timeout 100 s (the watchdog, on the real clock, never cuts here;
 * the test moves the breaker's clock): a write acknowledged OK after
 * 150 s counts as a failure (three open the breaker) though its caller
 * hears OK -- it returned before the cut; a highest that takes 150 s too;
 * a fast call in between resets the count */
START_TEST(a_call_slower_than_the_call_timeout_counts_as_a_failure)
{
    const int64_t S = 1000000000;
    ck_assert_int_eq(akt_journal_set_breaker_call_timeout(j, 100 * S), AKT_OK);
    hold = true;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(write1(&evt_type), AKT_OK);
        now += 150 * S;
        release(AKT_WRITE_OK);
        ck_assert_int_eq(last_st, AKT_WRITE_OK); /* the real outcome */
    }
    ck_assert_int_eq(write1(&evt_type), AKT_OK);
    now += 50 * S;
    release(AKT_WRITE_OK); /* fast: the count starts again */
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(write1(&evt_type), AKT_OK);
        now += 150 * S;
        release(AKT_WRITE_OK);
    }
    hold = false;
    highest_cost = 150 * S;
    uint64_t h;
    ck_assert_int_eq(akt_journal_highest(j, "p", &h), AKT_OK); /* third */
    ck_assert_int_eq(write1(&evt_type), AKT_EBUSY);
    ck_assert_int_eq(calls, 6);
}
END_TEST

/* call timeout 50 ms: a held write's caller hears AKT_WRITE_FAILED /
 * AKT_ETIMEDOUT from the watchdog while the store still holds it (before,
 * it waited for the store), and the store's late answer is dropped; a
 * highest waiting until it is interrupted is interrupted and fails with
 * AKT_ETIMEDOUT; the three cuts open the breaker. */
START_TEST(a_hung_call_fails_its_caller_at_the_call_timeout)
{
    ck_assert_int_eq(
        akt_journal_set_breaker_call_timeout(j, 50 * 1000000), AKT_OK);
    hold = true;
    for (int i = 0; i < 2; i++) {
        int64_t before = t_latch_get(&dones);
        ck_assert_int_eq(write1(&evt_type), AKT_OK);
        ck_assert_msg(t_latch_wait(&dones, before + 1, 10000),
            "the hung write's caller heard nothing");
        ck_assert_int_eq(atomic_load(&last_st), AKT_WRITE_FAILED);
        ck_assert_int_eq(atomic_load(&last_rc), AKT_ETIMEDOUT);
        release(AKT_WRITE_OK); /* the store answers late: dropped */
        ck_assert_int_eq(t_latch_get(&dones), before + 1);
    }
    hold = false;
    block_highest = true;
    uint64_t h;
    ck_assert_int_eq(akt_journal_highest(j, "p", &h), AKT_ETIMEDOUT);
    block_highest = false;
    ck_assert_int_eq(write1(&evt_type), AKT_EBUSY); /* three: open */
    ck_assert_int_eq(calls, 3);
}
END_TEST

/* the snapshot plug-in: every call reports snap_rc */
static akt_err snap_rc;
static int snap_calls;
static akt_err
ts_save(void *impl, const akt_snapshot_meta *m, const akt_snapshot_blob *b)
{
    (void)impl, (void)m, (void)b;
    snap_calls++;
    return snap_rc;
}
static akt_err
ts_load(void *impl, const char *pid, akt_snapshot_criteria c,
    akt_snapshot_load_fn fn, void *arg)
{
    (void)impl, (void)pid, (void)c, (void)fn, (void)arg;
    snap_calls++;
    if (block_highest) { /* waits until the call is cut, as highest does */
        uint64_t h;
        return tb_highest(NULL, pid, &h);
    }
    return snap_rc;
}
static akt_err
ts_remove(void *impl, const char *pid, uint64_t seq, int64_t ts)
{
    (void)impl, (void)pid, (void)seq, (void)ts;
    snap_calls++;
    return snap_rc;
}
static akt_err
ts_remove_matching(void *impl, const char *pid, akt_snapshot_criteria c)
{
    (void)impl, (void)pid, (void)c;
    snap_calls++;
    return snap_rc;
}
static const akt_snapshot_ops ts_ops = { .name = "controlled",
    .save = ts_save,
    .load = ts_load,
    .remove = ts_remove,
    .remove_matching = ts_remove_matching };

/* around a snapshot store: none found (ENOENT) is no failure; three
 * store failures open it (save, load, delete fail with EBUSY without
 * reaching the store); after the reset timeout one trial closes it */
START_TEST(the_breaker_around_a_snapshot_store)
{
    akt_snapshot_store *ss;
    ck_assert_int_eq(akt_snapshot_store_new(&ts_ops, NULL, reg, &ss), AKT_OK);
    ck_assert_int_eq(akt_snapshot_store_set_breaker(ss, 3, 0, 500), AKT_OK);
    snap_calls = 0;
    void *got = NULL;
    snap_rc = AKT_ENOENT;
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(akt_snapshot_load(ss, NULL, "p", akt_snapshot_latest(),
                             NULL, &got, NULL),
            AKT_ENOENT);
    }
    snap_rc = AKT_EIO;
    tb_Evt *e = akt_msg_new(&evt_type, 0);
    ck_assert_int_eq(akt_snapshot_save(ss, "p", 1, 0, e), AKT_EIO);
    ck_assert_int_eq(akt_snapshot_delete(ss, "p", 1, 0), AKT_EIO);
    ck_assert_int_eq(akt_snapshot_load(ss, NULL, "p", akt_snapshot_latest(),
                         NULL, &got, NULL),
        AKT_EIO);
    ck_assert_int_eq(snap_calls, 8);
    akt_persist_error err;
    ck_assert_int_eq(akt_snapshot_load(ss, NULL, "p", akt_snapshot_latest(),
                         NULL, &got, &err),
        AKT_EBUSY);
    ck_assert_ptr_nonnull(strstr(err.text, "circuit breaker"));
    ck_assert_int_eq(akt_snapshot_save(ss, "p", 1, 0, e), AKT_EBUSY);
    ck_assert_int_eq(
        akt_snapshot_delete_matching(ss, "p", akt_snapshot_latest()),
        AKT_EBUSY);
    ck_assert_int_eq(snap_calls, 8); /* none reached the store */
    now += 500;
    snap_rc = AKT_OK;
    ck_assert_int_eq(akt_snapshot_save(ss, "p", 1, 0, e), AKT_OK); /* trial */
    ck_assert_int_eq(akt_snapshot_delete(ss, "p", 1, 0), AKT_OK); /* closed */
    ck_assert_int_eq(snap_calls, 10);
    akt_msg_free(e);
    akt_snapshot_store_close(ss);
}
END_TEST

/* a snapshot load still running at the store's call timeout (50 ms) is
 * cut: AKT_ETIMEDOUT, and two cuts open that breaker */
START_TEST(a_hung_snapshot_call_is_cut_at_the_call_timeout)
{
    akt_snapshot_store *ss;
    ck_assert_int_eq(akt_snapshot_store_new(&ts_ops, NULL, reg, &ss), AKT_OK);
    ck_assert_int_eq(
        akt_snapshot_store_set_breaker(ss, 2, 50 * 1000000, 500), AKT_OK);
    snap_calls = 0;
    block_highest = true;
    void *got = NULL;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(akt_snapshot_load(ss, NULL, "p", akt_snapshot_latest(),
                             NULL, &got, NULL),
            AKT_ETIMEDOUT);
    }
    block_highest = false;
    ck_assert_int_eq(akt_snapshot_load(ss, NULL, "p", akt_snapshot_latest(),
                         NULL, &got, NULL),
        AKT_EBUSY);
    ck_assert_int_eq(snap_calls, 2);
    akt_snapshot_store_close(ss);
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
    tcase_add_test(tc, a_call_slower_than_the_call_timeout_counts_as_a_failure);
    tcase_add_test(tc, a_hung_call_fails_its_caller_at_the_call_timeout);
    tcase_add_test(tc, the_breaker_around_a_snapshot_store);
    tcase_add_test(tc, a_hung_snapshot_call_is_cut_at_the_call_timeout);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
