/*
 * batch_test.c -- how the GPU dispatcher (gpu/src/plugin.c) closes a
 * batch, driven directly through its plug-in table with a fake host (no
 * libakt cells: the host's cell_run stages messages for a fake actor) and
 * a fake clock, so the result depends on the recorded times alone.
 *
 * What it proves: the age of a batch is counted from when its oldest
 * message arrived (the time its actor became ready), not from when the
 * dispatcher started collecting. Actors that became ready 0, 10, ..., 90
 * us apart with max-delay 50 us make two batches (0..50 us and 60..90 us)
 * even though the dispatcher collects them all at one instant, long after
 * (the old rule, "50 us since collection started", made one); and the
 * per-actor cap and max-batch still bound each launch; messages the cap
 * left count their age from when their actor became ready, not from its
 * turn. And no allocation failure aborts the dispatcher: attach (the
 * spawn) gets AKT_ENOMEM, schedule allocates nothing, a round that cannot
 * allocate leaves its cells queued (the allocator is wrapped:
 * -Wl,--wrap=malloc,calloc,realloc).
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"
#include "akt/gpu.h"
#include "plugin.h"
#include "scaler.akt.gpu.h"

const akt_gpu_plugin *akt_gpu_plugin_v1(void);
extern int64_t (*akg_test_clock)(void);

static _Atomic int64_t fake_now;

/* --- allocation-failure injection ------------------------------------------
 * fail_all: every allocation fails; nallocs counts the calls, nfailed the
 * failures (fail_cv is signalled on each) */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
static atomic_bool fail_all;
static atomic_long nfailed;
static _Thread_local long nallocs; /* this thread's */
static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fail_cv = PTHREAD_COND_INITIALIZER;

static bool
alloc_fails(void)
{
    nallocs++;
    if (!atomic_load(&fail_all)) {
        return false;
    }
    pthread_mutex_lock(&fail_mu);
    atomic_fetch_add(&nfailed, 1);
    pthread_cond_broadcast(&fail_cv);
    pthread_mutex_unlock(&fail_mu);
    return true;
}

void *
__wrap_malloc(size_t n)
{
    return alloc_fails() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t m)
{
    return alloc_fails() ? NULL : __real_calloc(n, m);
}

void *
__wrap_realloc(void *p, size_t n)
{
    return alloc_fails() ? NULL : __real_realloc(p, n);
}

static int64_t
fake_clock(void)
{
    return atomic_load(&fake_now);
}

/* a fake actor: how many messages it still has, its slot */
typedef struct fcell {
    int id;
    int pending;
    uint32_t slot;
    const akt_gpu_actor_type *t; /* NULL: the Scaler */
    akt_ref sender; /* of its messages */
} fcell;

static const akt_gpu_plugin *pl;
static void *disp;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int freed; /* messages the dispatcher is done with */
static int batch_of[1024][8]; /* [cell][k-th turn]: launches before it */
static int turns[1024];

static void
fake_cell_run(void *cell, int n, void *batch)
{
    fcell *c = cell;
    akt_gpu_stats st;
    pl->stats(disp, &st);
    pthread_mutex_lock(&mu);
    batch_of[c->id][turns[c->id]++] = (int)st.batches;
    pthread_mutex_unlock(&mu);
    int k = 0;
    for (; k < n && c->pending > 0; k++, c->pending--) {
        gpudemo_Sample *m = gpudemo_sample_new(1.0f, 2.0f, 1);
        ck_assert_ptr_nonnull(m);
        int32_t fail = 0;
        akt_ref self = { (struct akt_cell *)c, 1 };
        ck_assert_int_eq(
            pl->stage(batch, self, c->t ? c->t : &gpudemo_scaler_gpu_type,
                c->slot, 0, m, c->sender, &fail),
            AKT_OK);
        ck_assert_int_eq(fail, 0);
    }
    if (c->pending > 0) {
        pl->schedule(disp, c); /* as the core does for a cell with more */
    }
}

static void
fake_requeue(akt_ref self, void *const *msgs, const akt_ref *senders,
    uint32_t n, int32_t status)
{
    (void)self;
    (void)msgs;
    (void)senders;
    (void)n;
    ck_abort_msg("no message may fail here (status %d)", (int)status);
}

static akt_err
fake_tell(akt_ref to, void *msg, akt_ref from)
{
    (void)to;
    (void)msg;
    (void)from;
    return AKT_EINVAL;
}

static void
fake_free(void *msg)
{
    akt_msg_free(msg);
    pthread_mutex_lock(&mu);
    freed++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

/* replies that could not be made: the sender told, and the text */
static int reply_fails;
static akt_err reply_fail_code;
static char reply_fail_text[160];

static void
fake_reply_failed(akt_ref to, akt_ref from, akt_err code, const char *text)
{
    (void)from;
    ck_assert_ptr_nonnull(to.cell_);
    pthread_mutex_lock(&mu);
    reply_fails++;
    reply_fail_code = code;
    snprintf(reply_fail_text, sizeof reply_fail_text, "%s", text);
    pthread_mutex_unlock(&mu);
}

static void
fake_log(akt_system *sys, int level, const char *text)
{
    (void)sys;
    (void)level;
    (void)text;
}

static const akt_gpu_host host = {
    .abi = AKT_GPU_PLUGIN_ABI,
    .cell_run = fake_cell_run,
    .requeue = fake_requeue,
    .tell = fake_tell,
    .msg_free = fake_free,
    .reply_failed = fake_reply_failed,
    .log = fake_log,
};

static void
open_disp(uint32_t max_batch, uint32_t cap, int64_t delay_ns)
{
    pl = akt_gpu_plugin_v1();
    akg_test_clock = fake_clock;
    akt_gpu_options o;
    memset(&o, 0, sizeof o);
    o.max_batch = max_batch;
    o.actor_cap = cap;
    o.max_delay_ns = delay_ns;
    o.executor = AKT_GPU_EXEC_CPU;
    char why[256];
    disp = pl->open(&host, NULL, &o, why, sizeof why);
    ck_assert_msg(disp != NULL, "%s", why);
    memset(batch_of, 0, sizeof batch_of);
    memset(turns, 0, sizeof turns);
    freed = 0;
}

static void
wait_freed(int n)
{
    pthread_mutex_lock(&mu);
    while (freed < n) {
        pthread_cond_wait(&cv, &mu);
    }
    pthread_mutex_unlock(&mu);
}

static void
add_cells(fcell *cells, int n, int msgs)
{
    gpudemo_ScalerGpuState st;
    memset(&st, 0, sizeof st);
    for (int i = 0; i < n; i++) {
        cells[i].id = i;
        cells[i].pending = msgs;
        cells[i].slot = UINT32_MAX;
        cells[i].t = NULL;
        cells[i].sender = AKT_REF_NONE;
        ck_assert_int_eq(pl->attach(disp), AKT_OK); /* as its spawn does */
        ck_assert_int_eq(
            pl->slot_start(disp, &gpudemo_scaler_gpu_type, &cells[i].slot, &st),
            AKT_OK);
    }
}

/* ten actors ready 10 us apart, collected together 1 s later: two
 * batches, split where an actor became ready more than 50 us after the
 * first */
START_TEST(batch_age_counts_from_the_oldest_message)
{
    enum { N = 10 };
    open_disp(16384, 64, 50000);
    fcell cells[N];
    add_cells(cells, N, 1);
    for (int i = 0; i < N; i++) {
        atomic_store(&fake_now, (int64_t)i * 10000);
        pl->schedule(disp, &cells[i]);
    }
    atomic_store(&fake_now, 1000000000); /* collected long after */
    ck_assert_int_eq(pl->start(disp), AKT_OK);
    wait_freed(N);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(turns[i], 1);
        ck_assert_msg(batch_of[i][0] == (i <= 5 ? 0 : 1),
            "actor %d (ready at %d us) ran in launch %d", i, i * 10,
            batch_of[i][0]);
    }
    akt_gpu_stats st;
    pl->stats(disp, &st);
    ck_assert_uint_eq(st.batches, 2);
    ck_assert_uint_eq(st.largest, 6);
    pl->close(disp);
}
END_TEST

/* all ready at once: one batch, bounded by max-batch; an actor's messages
 * beyond the cap go to later batches */
START_TEST(cap_and_size_still_bound_each_launch)
{
    enum { N = 8 };
    open_disp(12, 4, 50000);
    fcell cells[N];
    add_cells(cells, N, 6);
    atomic_store(&fake_now, 5000);
    for (int i = 0; i < N; i++) {
        pl->schedule(disp, &cells[i]);
    }
    ck_assert_int_eq(pl->start(disp), AKT_OK);
    wait_freed(N * 6);
    akt_gpu_stats st;
    pl->stats(disp, &st);
    ck_assert_uint_eq(st.messages, N * 6);
    ck_assert_uint_le(st.largest, 12);
    /* 48 messages at most 12 a launch: at least 4 launches */
    ck_assert_uint_ge(st.batches, 4);
    for (int i = 0; i < N; i++) {
        /* 6 messages, 4 per turn: two turns, in different launches */
        ck_assert_int_eq(turns[i], 2);
        ck_assert_int_lt(batch_of[i][0], batch_of[i][1]);
    }
    pl->close(disp);
}
END_TEST

/* A ready at 0 with 6 messages (cap 4), B ready at 100 us with one,
 * collected at 1 s: A's first 4 make a batch (B is too young for it);
 * the 2 the cap left have waited since A became ready (0), so they go
 * with B in the next one -- counted from A's turn (1 s) they would have
 * been too young for B's batch and made a third launch */
START_TEST(messages_left_by_the_cap_age_from_when_their_actor_was_ready)
{
    open_disp(16384, 4, 50000);
    fcell cells[2];
    add_cells(cells, 2, 1);
    cells[0].pending = 6;
    atomic_store(&fake_now, 0);
    pl->schedule(disp, &cells[0]);
    atomic_store(&fake_now, 100000);
    pl->schedule(disp, &cells[1]);
    atomic_store(&fake_now, 1000000000);
    ck_assert_int_eq(pl->start(disp), AKT_OK);
    wait_freed(7);
    akt_gpu_stats st;
    pl->stats(disp, &st);
    ck_assert_uint_eq(st.batches, 2);
    ck_assert_int_eq(turns[0], 2);
    ck_assert_int_eq(batch_of[0][0], 0);
    ck_assert_int_eq(batch_of[1][0], 1);
    ck_assert_int_eq(batch_of[0][1], 1);
    pl->close(disp);
}
END_TEST

/* Attach (a spawn) without memory fails with AKT_ENOMEM and leaves the
 * dispatcher as it was; attached cells are scheduled with every
 * allocation failing and schedule allocates nothing (the old ring grew in
 * schedule and aborted without memory); rounds that fail to allocate
 * leave the cells queued, and once memory is back every message is run */
START_TEST(allocation_failures_are_errors_never_aborts)
{
    enum { N = 1000 };
    open_disp(16384, 64, 50000);
    atomic_store(&fail_all, true); /* (check's asserts allocate) */
    akt_err err = pl->attach(disp);
    atomic_store(&fail_all, false);
    ck_assert_int_eq(err, AKT_ENOMEM);
    static fcell cells[N];
    add_cells(cells, N, 1);
    pl->detach(disp); /* a spawn that failed after attach gives it back */
    ck_assert_int_eq(pl->attach(disp), AKT_OK);
    atomic_store(&fake_now, 5000);
    ck_assert_int_eq(pl->start(disp), AKT_OK); /* idle: nothing ready */
    long failed = atomic_load(&nfailed);
    atomic_store(&fail_all, true);
    long before = nallocs;
    for (int i = 0; i < N; i++) {
        pl->schedule(disp, &cells[i]);
    }
    long during = nallocs - before;
    /* the dispatcher ran into the failure at least once */
    pthread_mutex_lock(&fail_mu);
    while (atomic_load(&nfailed) == failed) {
        pthread_cond_wait(&fail_cv, &fail_mu);
    }
    pthread_mutex_unlock(&fail_mu);
    atomic_store(&fail_all, false);
    ck_assert_int_eq(during, 0);
    wait_freed(N);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(turns[i], 1);
    }
    pl->close(disp);
}
END_TEST

static void *
no_reply(const void *const *cols, uint32_t r)
{
    (void)cols;
    (void)r;
    return NULL; /* as reply_new does without memory */
}

/* A message that succeeded but whose reply cannot be made (no memory: a
 * reply_new that gives NULL) is not dropped silently: the asker is told
 * at once, AKT_ENOMEM with the reason (libakt fails its future), and the
 * message is still done with */
START_TEST(a_reply_without_memory_fails_the_ask_at_once)
{
    enum { N = 3 };
    akt_gpu_actor_type t = gpudemo_scaler_gpu_type;
    akt_gpu_handler h[8];
    ck_assert_uint_le(t.nhandlers, 8);
    memcpy(h, t.handlers, t.nhandlers * sizeof *h);
    h[0].reply_new = no_reply;
    t.handlers = h;
    open_disp(16384, 64, 50000);
    fcell cells[N];
    static int asker;
    gpudemo_ScalerGpuState st;
    memset(&st, 0, sizeof st);
    for (int i = 0; i < N; i++) {
        cells[i].id = i;
        cells[i].pending = 2;
        cells[i].slot = UINT32_MAX;
        cells[i].t = &t;
        cells[i].sender = (akt_ref) { (struct akt_cell *)&asker, 9 };
        ck_assert_int_eq(pl->attach(disp), AKT_OK);
        ck_assert_int_eq(pl->slot_start(disp, &t, &cells[i].slot, &st), AKT_OK);
        pl->schedule(disp, &cells[i]);
    }
    reply_fails = 0;
    ck_assert_int_eq(pl->start(disp), AKT_OK);
    wait_freed(2 * N);
    pthread_mutex_lock(&mu);
    ck_assert_int_eq(reply_fails, 2 * N);
    ck_assert_int_eq(reply_fail_code, AKT_ENOMEM);
    ck_assert_str_eq(reply_fail_text,
        "gpudemo.Scaler on gpudemo.Sample: out of memory for the reply");
    pthread_mutex_unlock(&mu);
    pl->close(disp);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("gpu_batch");
    TCase *tc = tcase_create("batch");
    tcase_add_test(tc, batch_age_counts_from_the_oldest_message);
    tcase_add_test(tc, cap_and_size_still_bound_each_launch);
    tcase_add_test(
        tc, messages_left_by_the_cap_age_from_when_their_actor_was_ready);
    tcase_add_test(tc, allocation_failures_are_errors_never_aborts);
    tcase_add_test(tc, a_reply_without_memory_fails_the_ask_at_once);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
