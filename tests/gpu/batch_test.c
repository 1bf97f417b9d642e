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
#include "relay.akt.gpu.h"
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

/* a fake actor: messages sent to it (queued, their arrival recorded),
 * then how many more it has (made at its turn, not recorded), its slot */
typedef struct fcell {
    int id;
    void *q[16]; /* sent (send()), staged first, in order */
    int qh, qn;
    int pending;
    uint32_t hid; /* the handler its messages are for */
    bool ready; /* scheduled and not yet run dry */
    uint32_t slot;
    const akt_gpu_actor_type *t; /* NULL: the Scaler */
    akt_ref sender; /* of its messages */
    /* after the staging of its turn number on_turn_at (from 0) */
    void (*on_turn)(struct fcell *c);
    int on_turn_at;
} fcell;

static const akt_gpu_plugin *pl;
static void *disp;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int freed; /* messages the dispatcher is done with */
static int stage_fails; /* messages stage failed (*fail), by status: */
static int32_t stage_fail_status;
static int batch_of[1024][8]; /* [cell][k-th turn]: launches before it */
static int turns[1024];

/* m arrives for c at time t (as akt_tell: recorded, queued, and c
 * scheduled if it was idle) */
static void
send_at(fcell *c, void *m, int64_t t)
{
    atomic_store(&fake_now, t);
    pl->arriving(disp, (uint32_t)c->id, m);
    ck_assert_int_lt(c->qn, 16);
    c->q[(c->qh + c->qn++) % 16] = m;
    if (!c->ready) {
        c->ready = true;
        pl->schedule(disp, c, (uint32_t)c->id);
    }
}

static void
fake_cell_run(void *cell, int n, void *batch)
{
    fcell *c = cell;
    akt_gpu_stats st;
    pl->stats(disp, &st);
    pthread_mutex_lock(&mu);
    int turn = turns[c->id]++;
    batch_of[c->id][turn] = (int)st.batches;
    pthread_mutex_unlock(&mu);
    for (int k = 0; k < n && (c->qn > 0 || c->pending > 0); k++) {
        void *m;
        if (c->qn > 0) {
            m = c->q[c->qh];
            c->qh = (c->qh + 1) % 16;
            c->qn--;
        } else {
            m = gpudemo_sample_new(1.0f, 2.0f, 1);
            c->pending--;
        }
        ck_assert_ptr_nonnull(m);
        int32_t fail = 0;
        akt_ref self = { (struct akt_cell *)c, 1 };
        ck_assert_int_eq(
            pl->stage(batch, self, c->t ? c->t : &gpudemo_scaler_gpu_type,
                c->slot, c->hid, m, c->sender, &fail),
            AKT_OK);
        if (fail != 0) {
            /* as akt_gpu_stage: the message fails now (the actor with
             * it), its reference was not taken */
            akt_msg_free(m);
            pthread_mutex_lock(&mu);
            stage_fails++;
            stage_fail_status = fail;
            pthread_cond_broadcast(&cv);
            pthread_mutex_unlock(&mu);
        }
    }
    if (c->qn > 0 || c->pending > 0) {
        pl->schedule(disp, c, (uint32_t)c->id); /* as the core does */
    } else {
        c->ready = false;
    }
    if (c->on_turn && turn == c->on_turn_at) {
        c->on_turn(c);
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

/* what the handlers told (not replies): the Hits' n, in order */
static int64_t told_n[64];
static int ntold, nreplies;

static akt_err
fake_tell(akt_ref to, void *msg, akt_ref from)
{
    (void)to;
    (void)from;
    pthread_mutex_lock(&mu);
    if (akt_msg_type(msg) == &gpurelay_hit_desc) {
        ck_assert_int_lt(ntold, 64);
        told_n[ntold++] = ((const gpurelay_Hit *)msg)->n;
    } else {
        nreplies++;
    }
    pthread_mutex_unlock(&mu);
    akt_msg_free(msg); /* delivered */
    return AKT_OK;
}

/* allocations of messages a handler may send: fail_send_at fails the one
 * with that number (from 1; 0: none) */
static atomic_int nsend_allocs, fail_send_at;

static void *
fake_msg_alloc(const akt_type *type)
{
    if (atomic_fetch_add(&nsend_allocs, 1) + 1 == atomic_load(&fail_send_at)) {
        return NULL;
    }
    return akt_msg_new(type, 0);
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
    .msg_alloc = fake_msg_alloc,
    .msg_free = fake_free,
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
    stage_fails = 0;
    stage_fail_status = 0;
    ntold = nreplies = 0;
    atomic_store(&nsend_allocs, 0);
    atomic_store(&fail_send_at, 0);
}

/* until the dispatcher is done with n messages (run, or failed unrun) */
static void
wait_freed(int n)
{
    pthread_mutex_lock(&mu);
    while (freed + stage_fails < n) {
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
        memset(&cells[i], 0, sizeof cells[i]);
        cells[i].id = i;
        cells[i].pending = msgs;
        cells[i].slot = UINT32_MAX;
        cells[i].t = NULL;
        cells[i].sender = AKT_REF_NONE;
        /* as its spawn does */
        ck_assert_int_eq(pl->attach(disp, (uint32_t)i, 0), AKT_OK);
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
        pl->schedule(disp, &cells[i], (uint32_t)i);
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
        pl->schedule(disp, &cells[i], (uint32_t)i);
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
 * the 2 the cap left arrived at 0, so they go with B in the next one --
 * counted from A's turn (1 s) they would have been too young for B's
 * batch and made a third launch */
START_TEST(messages_left_by_the_cap_age_from_their_arrival_not_the_turn)
{
    open_disp(16384, 4, 50000);
    fcell cells[2];
    add_cells(cells, 2, 0);
    for (int k = 0; k < 6; k++) {
        send_at(&cells[0], gpudemo_sample_new(1.0f, 2.0f, 1), 0);
    }
    send_at(&cells[1], gpudemo_sample_new(1.0f, 2.0f, 1), 100000);
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

static fcell *g_cell;

/* A's first turn: G's message arrives at 145 us */
static void
send_to_g(fcell *c)
{
    (void)c;
    send_at(g_cell, gpudemo_sample_new(1.0f, 2.0f, 1), 145000);
}

/* The message the cap left is aged by its own arrival, not by when its
 * actor became ready. Cap 1, max-batch 2, max-delay 50 us: A's m1
 * arrives at 0, B's at 10 us, A's m2 at 100 us; during A's first turn
 * G's message arrives at 145 us. Launch 1 is A.m1 + B (full). m2 arrived
 * at 100 us, so its batch takes what arrived by 150 us: G's message goes
 * with it (2 launches). Aged from A's ready time (0), m2's batch closed at
 * 50 us: G, 95 us younger than m2 and waiting behind it, was left for a
 * third launch of its own -- flushed later than its age said. */
START_TEST(a_message_left_by_the_cap_is_aged_by_its_own_arrival)
{
    open_disp(2, 1, 50000);
    fcell cells[3];
    add_cells(cells, 3, 0);
    fcell *a = &cells[0], *b = &cells[1];
    g_cell = &cells[2];
    a->on_turn = send_to_g;
    send_at(a, gpudemo_sample_new(1.0f, 2.0f, 1), 0);
    send_at(b, gpudemo_sample_new(1.0f, 2.0f, 1), 10000);
    send_at(a, gpudemo_sample_new(1.0f, 2.0f, 1), 100000);
    ck_assert_int_eq(pl->start(disp), AKT_OK);
    wait_freed(4);
    akt_gpu_stats st;
    pl->stats(disp, &st);
    ck_assert_int_eq(batch_of[0][0], 0); /* A.m1 */
    ck_assert_int_eq(batch_of[1][0], 0); /* B */
    ck_assert_int_eq(batch_of[0][1], 1); /* A.m2 */
    ck_assert_msg(batch_of[2][0] == 1,
        "G's message (arrived 45 us after A's m2) ran in launch %d, not "
        "with m2",
        batch_of[2][0]);
    ck_assert_uint_eq(st.batches, 2);
    pl->close(disp);
}
END_TEST

/* A's second turn: C's message arrives at 75 us */
static void
send_to_c(fcell *c)
{
    (void)c;
    send_at(g_cell, gpudemo_sample_new(1.0f, 2.0f, 1), 75000);
}

/* The record of arrivals is bounded (here by A's mailbox of 2): sends past
 * it are not recorded, and what is left is aged by the first of them --
 * never younger than it is. Cap 1, max-batch 2: A's m1..m4 arrive at 0,
 * 10, 20, 30 us (m3, m4 unrecorded), B's at 5, D's at 12; during A's
 * second turn C's arrives at 75. Launches: {m1, B}, {D, m2}, then m3
 * (20 us) whose batch takes what arrived by 70 us: not C; C goes with m4
 * in a fourth. Aged as if it were m4 (30 us) or the time A was put back,
 * m3 would have taken C, 55 us younger than it. */
START_TEST(a_full_record_ages_by_its_first_unrecorded_send)
{
    open_disp(2, 1, 50000);
    fcell cells[4];
    add_cells(cells, 4, 0);
    fcell *a = &cells[0], *b = &cells[1], *dd = &cells[3];
    g_cell = &cells[2];
    pl->detach(disp, 0);
    ck_assert_int_eq(pl->attach(disp, 0, 2), AKT_OK); /* a mailbox of 2 */
    a->on_turn = send_to_c;
    a->on_turn_at = 1;
    send_at(a, gpudemo_sample_new(1.0f, 2.0f, 1), 0);
    send_at(b, gpudemo_sample_new(1.0f, 2.0f, 1), 5000);
    send_at(a, gpudemo_sample_new(1.0f, 2.0f, 1), 10000);
    send_at(dd, gpudemo_sample_new(1.0f, 2.0f, 1), 12000);
    send_at(a, gpudemo_sample_new(1.0f, 2.0f, 1), 20000);
    send_at(a, gpudemo_sample_new(1.0f, 2.0f, 1), 30000);
    ck_assert_int_eq(pl->start(disp), AKT_OK);
    wait_freed(7);
    ck_assert_int_eq(turns[0], 4);
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(batch_of[0][k], k);
    }
    ck_assert_int_eq(batch_of[1][0], 0);
    ck_assert_int_eq(batch_of[3][0], 1);
    ck_assert_msg(batch_of[2][0] == 3,
        "C (75 us) ran in launch %d: m3 (20 us) was aged younger than it is",
        batch_of[2][0]);
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
    akt_err err = pl->attach(disp, N, 0);
    atomic_store(&fail_all, false);
    ck_assert_int_eq(err, AKT_ENOMEM);
    static fcell cells[N];
    add_cells(cells, N, 1);
    /* a spawn that failed after attach gives it back */
    pl->detach(disp, N - 1);
    ck_assert_int_eq(pl->attach(disp, N - 1, 0), AKT_OK);
    atomic_store(&fake_now, 5000);
    ck_assert_int_eq(pl->start(disp), AKT_OK); /* idle: nothing ready */
    long failed = atomic_load(&nfailed);
    atomic_store(&fail_all, true);
    long before = nallocs;
    for (int i = 0; i < N; i++) {
        pl->schedule(disp, &cells[i], (uint32_t)i);
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

/* the handler id of the message named name in t */
static uint32_t
hid_of(const akt_gpu_actor_type *t, const char *name)
{
    for (uint32_t h = 0; h < t->nhandlers; h++) {
        if (strcmp(t->handlers[h].name, name) == 0) {
            return h;
        }
    }
    ck_abort_msg("no handler for %s", name);
    return 0;
}

/* The messages a handler may send (its tell statements, its reply to an
 * asker) are made when the message is staged, before it runs. One that
 * cannot be made (no memory) fails that message unrun -- stage gives
 * AKT_GPU_NOMEM, which libakt turns into the actor's failure with
 * AKT_ENOMEM, as a CPU handler whose tell or reply cannot be made fails
 * before its state changes -- and the others run and send everything. The
 * old dispatcher made them after the batch ran: the state was committed
 * and the tell only logged. Relay's Ping tells its sender a Hit (n);
 * Scaler's Sample replies. */
START_TEST(a_send_that_cannot_be_made_fails_its_message_unrun)
{
    open_disp(16384, 64, 50000);
    static int asker;
    akt_ref from = { (struct akt_cell *)&asker, 9 };
    fcell cells[2];
    add_cells(cells, 2, 0);
    fcell *relay = &cells[0], *scaler = &cells[1];
    gpurelay_RelayGpuState rs;
    memset(&rs, 0, sizeof rs);
    relay->t = &gpurelay_relay_gpu_type;
    relay->slot = UINT32_MAX;
    relay->hid = hid_of(relay->t, "gpurelay.Ping");
    relay->sender = from;
    ck_assert_int_eq(pl->slot_start(disp, relay->t, &relay->slot, &rs), AKT_OK);
    scaler->sender = from;
    scaler->hid = hid_of(&gpudemo_scaler_gpu_type, "gpudemo.Sample");
    /* the relay's Pings are staged first: sends 1, 2, 3; the scaler's
     * Samples 4, 5 (a reply each) */
    for (int k = 1; k <= 3; k++) {
        gpurelay_Ping *p = gpurelay_ping_new(k);
        send_at(relay, p, 0);
    }
    send_at(scaler, gpudemo_sample_new(1.0f, 2.0f, 1), 0);
    send_at(scaler, gpudemo_sample_new(1.0f, 2.0f, 1), 0);
    atomic_store(&fail_send_at, 2); /* Ping 2's Hit */
    ck_assert_int_eq(pl->start(disp), AKT_OK);
    wait_freed(5);
    pthread_mutex_lock(&mu);
    ck_assert_int_eq(stage_fails, 1);
    ck_assert_int_eq(stage_fail_status, AKT_GPU_NOMEM);
    /* Pings 1 and 3 ran and told; 2 did not run */
    ck_assert_int_eq(ntold, 2);
    ck_assert_int_eq(told_n[0], 1);
    ck_assert_int_eq(told_n[1], 3);
    ck_assert_int_eq(nreplies, 2);
    pthread_mutex_unlock(&mu);
    pl->close(disp);

    /* a reply: the scaler's second Sample (send 2) fails unrun */
    open_disp(16384, 64, 50000);
    add_cells(cells, 2, 0);
    cells[1].sender = from;
    send_at(&cells[1], gpudemo_sample_new(1.0f, 2.0f, 1), 0);
    send_at(&cells[1], gpudemo_sample_new(1.0f, 2.0f, 1), 0);
    atomic_store(&fail_send_at, 2);
    ck_assert_int_eq(pl->start(disp), AKT_OK);
    wait_freed(2);
    pthread_mutex_lock(&mu);
    ck_assert_int_eq(stage_fails, 1);
    ck_assert_int_eq(stage_fail_status, AKT_GPU_NOMEM);
    ck_assert_int_eq(nreplies, 1);
    pthread_mutex_unlock(&mu);
    pl->close(disp);
    /* the reason libakt gives the actor's failure */
    char why[160];
    akt_gpu_status_reason(&gpurelay_relay_gpu_type,
        hid_of(&gpurelay_relay_gpu_type, "gpurelay.Ping"), AKT_GPU_NOMEM, why,
        sizeof why);
    ck_assert_str_eq(why,
        "gpurelay.Relay on gpurelay.Ping: out of memory for the messages it "
        "sends (its tells and reply): not run");
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
        tc, messages_left_by_the_cap_age_from_their_arrival_not_the_turn);
    tcase_add_test(tc, a_message_left_by_the_cap_is_aged_by_its_own_arrival);
    tcase_add_test(tc, a_full_record_ages_by_its_first_unrecorded_send);
    tcase_add_test(tc, allocation_failures_are_errors_never_aborts);
    tcase_add_test(tc, a_send_that_cannot_be_made_fails_its_message_unrun);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
