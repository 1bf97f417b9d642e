/*
 * actor_test.c -- persistent actors written by hand against
 * akt/persistence.h: recovery (events, snapshot then events), persist and
 * persist_all callbacks after durability, commands stashed while a persist
 * is in flight, a rejected persist fails only itself, a storage failure
 * stops the actor, an unknown event type fails recovery with its id, the
 * recovery permitter (akt.persistence.max-concurrent-recoveries) holds its
 * bound, keeps commands stashed until the recovery ran and gives a place
 * back when an actor stops while it waits.
 */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "akt/akt.h"
#include "akt/persistence.h"
#include "latch.h"

/* commands: op 1 deposit n, 2 get, 3 deposit n three times (persist_all),
 * 4 snapshot, 5 persist something without a codec */
typedef struct tp_Cmd {
    int64_t op;
    int64_t n;
} tp_Cmd;
typedef struct tp_Total {
    int64_t total;
    int64_t replayed; /* events applied during recovery */
    int64_t seq;
} tp_Total;
typedef struct tp_Evt {
    int64_t n;
} tp_Evt;

static const akt_field cmd_fields[] = {
    { .name = "op",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(tp_Cmd, op),
        .has_offset = AKT_NO_OFFSET },
    { .name = "n",
        .number = 2,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(tp_Cmd, n),
        .has_offset = AKT_NO_OFFSET },
};
static const akt_field total_fields[] = {
    { .name = "total",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(tp_Total, total),
        .has_offset = AKT_NO_OFFSET },
    { .name = "replayed",
        .number = 2,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(tp_Total, replayed),
        .has_offset = AKT_NO_OFFSET },
    { .name = "seq",
        .number = 3,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(tp_Total, seq),
        .has_offset = AKT_NO_OFFSET },
};
static const akt_field evt_fields[] = {
    { .name = "n",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(tp_Evt, n),
        .has_offset = AKT_NO_OFFSET },
};
#define TYPE(var, nm, st, fl, f, nf)                                           \
    static akt_type var = { .abi = AKT_GEN_ABI,                                \
        .flags = (fl) | AKT_TYPE_TABLE,                                        \
        .name = nm,                                                            \
        .size = sizeof(st),                                                    \
        .align = _Alignof(st),                                                 \
        .fields = f,                                                           \
        .nfields = nf }
TYPE(cmd_type, "tp.Cmd", tp_Cmd, AKT_TYPE_MESSAGE, cmd_fields, 2);
TYPE(total_type, "tp.Total", tp_Total, AKT_TYPE_MESSAGE | AKT_TYPE_STATE,
    total_fields, 3);
TYPE(evt_type, "tp.Evt", tp_Evt, AKT_TYPE_EVENT, evt_fields, 1);
/* an event type the registry does not know */
TYPE(stray_type, "tp.Stray", tp_Evt, AKT_TYPE_EVENT, evt_fields, 1);
static const akt_type opaque_type = { .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_EVENT,
    .name = "tp.Opaque",
    .size = 8,
    .align = 8 };

/* --- the account actor --------------------------------------------------- */

typedef struct account {
    int64_t total;
    int64_t replayed;
    bool recovered;
} account;

static _Atomic int recovery_failures, persist_failures;
static char failure_text[256];

/* the recovery gate: while closed, an apply during recovery waits in it
 * (so a recovery stays running as long as the test wants) */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_on, gate_closed;
static int gate_inside, gate_max_inside;

static void
gate_pass(void)
{
    pthread_mutex_lock(&gate_mu);
    if (gate_on) {
        gate_inside++;
        if (gate_inside > gate_max_inside) {
            gate_max_inside = gate_inside;
        }
        pthread_cond_broadcast(&gate_cv);
        while (gate_closed) {
            pthread_cond_wait(&gate_cv, &gate_mu);
        }
        gate_inside--;
    }
    pthread_mutex_unlock(&gate_mu);
}

/* events with n > BIG must come in order (n = BIG + seq) */
#define BIG 1000000
static _Atomic int64_t order_prev, order_breaks;

static void
acc_apply(void *state, const void *event)
{
    account *a = state;
    if (!a->recovered) {
        gate_pass();
    }
    int64_t n = ((const tp_Evt *)event)->n;
    if (n > BIG) {
        int64_t prev = atomic_exchange(&order_prev, n);
        if (prev != 0 && n != prev + 1) {
            atomic_fetch_add(&order_breaks, 1);
        }
    }
    a->total += ((const tp_Evt *)event)->n;
    if (!a->recovered) {
        a->replayed++;
    }
}

static void
acc_snapshot_offer(void *state, uint64_t seq, const void *snap)
{
    (void)seq;
    account *a = state;
    a->total = ((const tp_Total *)snap)->total;
}

static void
acc_recovered(void *state, akt_ctx *ctx, uint64_t highest)
{
    (void)ctx;
    (void)highest;
    ((account *)state)->recovered = true;
}

static void
acc_recovery_failed(void *state, akt_ctx *ctx, akt_err rc, const char *why)
{
    (void)state;
    (void)ctx;
    (void)rc;
    snprintf(failure_text, sizeof(failure_text), "%s", why);
    atomic_fetch_add(&recovery_failures, 1);
}

static void
acc_persist_failed(void *state, akt_ctx *ctx, akt_err rc, const void *ev)
{
    (void)state;
    (void)ctx;
    (void)rc;
    (void)ev;
    atomic_fetch_add(&persist_failures, 1);
}

static void
reply_total(account *a, akt_ctx *ctx)
{
    tp_Total *t = akt_msg_new(&total_type, 0);
    t->total = a->total;
    t->replayed = a->replayed;
    t->seq = (int64_t)akt_persistent_last_seq(ctx);
    akt_persistent_reply(ctx, t);
}

/* runs after the write is durable and apply ran: reply with the total */
static void
after_persist(void *state, akt_ctx *ctx, const void *event, void *arg)
{
    (void)event;
    if (arg == NULL) { /* persist_all: reply once, after the last event */
        reply_total(state, ctx);
    } else if (--*(int *)arg == 0) {
        free(arg);
        reply_total(state, ctx);
    }
}

static tp_Evt *
evt(const akt_type *t, int64_t n)
{
    tp_Evt *e = akt_msg_new(t, 0);
    e->n = n;
    return e;
}

static akt_err
acc_cmd(void *state, akt_ctx *ctx, const void *msg)
{
    account *a = state;
    const tp_Cmd *c = msg;
    akt_err rc;
    switch (c->op) {
    case 1: {
        tp_Evt *e = evt(&evt_type, c->n);
        if ((rc = akt_persist(ctx, e, after_persist, NULL)) != AKT_OK) {
            akt_msg_free(e);
            return akt_reply_error(ctx, rc);
        }
        return AKT_OK;
    }
    case 2:
        reply_total(a, ctx);
        return AKT_OK;
    case 3: {
        void *es[3] = { evt(&evt_type, c->n), evt(&evt_type, c->n),
            evt(&evt_type, c->n) };
        int *left = malloc(sizeof(int));
        *left = 3;
        if ((rc = akt_persist_all(ctx, es, 3, after_persist, left)) != AKT_OK) {
            free(left);
            for (int i = 0; i < 3; i++) {
                akt_msg_free(es[i]);
            }
            return akt_reply_error(ctx, rc);
        }
        return AKT_OK;
    }
    case 4: {
        tp_Total *t = akt_msg_new(&total_type, 0);
        t->total = a->total;
        rc = akt_persistent_save_snapshot(ctx, t);
        akt_msg_free(t);
        if (rc != AKT_OK) {
            return akt_reply_error(ctx, rc);
        }
        reply_total(a, ctx);
        return AKT_OK;
    }
    case 5: {
        void *o = akt_msg_new(&opaque_type, 0);
        rc = akt_persist(ctx, o, after_persist, NULL);
        akt_msg_free(o); /* not consumed: rejected before the journal */
        return akt_reply_error(ctx, rc);
    }
    case 6: { /* an event of a type recovery will not know */
        tp_Evt *e = evt(&stray_type, c->n);
        if ((rc = akt_persist(ctx, e, after_persist, NULL)) != AKT_OK) {
            akt_msg_free(e);
            return akt_reply_error(ctx, rc);
        }
        return AKT_OK;
    }
    }
    return AKT_EINVAL;
}

static const akt_handler acc_commands[] = { { &cmd_type, acc_cmd } };

static const akt_persistent_def acc_def = {
    .name = "account",
    .id_prefix = "account-",
    .state_size = sizeof(account),
    .commands = acc_commands,
    .ncommands = 1,
    .apply = acc_apply,
    .snapshot_offer = acc_snapshot_offer,
    .recovery_completed = acc_recovered,
    .recovery_failed = acc_recovery_failed,
    .persist_failed = acc_persist_failed,
};

/* --- fixture ------------------------------------------------------------- */

static char dir[64];
static akt_registry *reg;
static akt_system *sys;

static void
start_system(void)
{
    ck_assert_int_eq(akt_system_create("p", NULL, &sys), AKT_OK);
    char jd[96], sd[96];
    snprintf(jd, sizeof(jd), "%s/journal", dir);
    snprintf(sd, sizeof(sd), "%s/snapshots", dir);
    akt_journal *j;
    akt_snapshot_store *s;
    ck_assert_int_eq(
        akt_journal_open_lmdb(&(akt_lmdb_options) { .dir = jd }, reg, &j, NULL),
        AKT_OK);
    ck_assert_int_eq(akt_snapshot_store_open_lmdb(
                         &(akt_lmdb_options) { .dir = sd }, reg, &s, NULL),
        AKT_OK);
    ck_assert_int_eq(akt_persistence_start_with(sys, j, s), AKT_OK);
}

/* the counters, gates and logs the cases share, back to their start (each
 * case starts from them also without fork: CK_FORK=no), and whatever a
 * failed case left holding a thread (a closed gate, a held save) let go
 * before the system stops */
static void reset_shared(void);
static void release_held(void);

static void
setup(void)
{
    reset_shared();
    cmd_type.id = akt_type_id(cmd_type.name);
    total_type.id = akt_type_id(total_type.name);
    evt_type.id = akt_type_id(evt_type.name);
    stray_type.id = akt_type_id(stray_type.name);
    snprintf(dir, sizeof(dir), "/tmp/akt-pactor-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    akt_registry_add(reg, &cmd_type);
    akt_registry_add(reg, &total_type);
    akt_registry_add(reg, &evt_type);
    start_system();
}

static void
teardown(void)
{
    release_held();
    akt_system_free(sys);
    akt_registry_free(reg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void
restart_system(void)
{
    akt_system_free(sys);
    start_system();
}

static akt_ref
spawn(const char *name)
{
    akt_props p;
    ck_assert_int_eq(akt_persistent_props(&acc_def, &p), AKT_OK);
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &p, name, &r), AKT_OK);
    return r;
}

static akt_err
ask(akt_ref r, int64_t op, int64_t n, tp_Total *out)
{
    tp_Cmd *c = akt_msg_new(&cmd_type, 0);
    c->op = op;
    c->n = n;
    akt_future *f;
    ck_assert_int_eq(akt_ask(r, c, AKT_SEC(10), &f), AKT_OK);
    void *reply = NULL;
    akt_err rc = akt_future_wait_as(f, AKT_SEC(20), &total_type, &reply);
    akt_future_release(f);
    if (rc == AKT_OK && out) {
        *out = *(tp_Total *)reply;
    }
    akt_msg_free(reply);
    return rc;
}

static void
tell(akt_ref r, int64_t op, int64_t n)
{
    tp_Cmd *c = akt_msg_new(&cmd_type, 0);
    c->op = op;
    c->n = n;
    ck_assert_int_eq(akt_tell(r, c, AKT_REF_NONE), AKT_OK);
}

static void
await_stop(akt_ref r)
{
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(r, &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    akt_future_release(f);
}

/* --- tests --------------------------------------------------------------- */

START_TEST(persisted_events_are_replayed_after_the_system_restarts)
{
    akt_ref r = spawn("1");
    tp_Total t;
    for (int i = 1; i <= 10; i++) {
        ck_assert_int_eq(ask(r, 1, i, &t), AKT_OK);
        ck_assert_int_eq(t.seq, i); /* the reply ran after the event applied */
    }
    ck_assert_int_eq(t.total, 55);
    restart_system();
    r = spawn("1");
    ck_assert_int_eq(ask(r, 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 55);
    ck_assert_int_eq(t.replayed, 10);
    ck_assert_int_eq(t.seq, 10);
    ck_assert_int_eq(ask(r, 1, 5, &t), AKT_OK);
    ck_assert_int_eq(t.seq, 11); /* numbering goes on, no reuse */
    uint64_t h = 0;
    ck_assert_int_eq(
        akt_journal_highest(akt_persistence_journal(sys), "account-1", &h),
        AKT_OK);
    ck_assert_uint_eq(h, 11);
}
END_TEST

START_TEST(commands_wait_in_the_stash_while_a_persist_is_in_flight)
{
    akt_ref r = spawn("2");
    for (int i = 1; i <= 100; i++) {
        tell(r, 1, i);
    }
    tp_Total t;
    ck_assert_int_eq(ask(r, 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 5050); /* get ran after every persist */
    ck_assert_int_eq(t.seq, 100);
}
END_TEST

START_TEST(persist_all_writes_atomically_and_calls_back_per_event)
{
    akt_ref r = spawn("3");
    tp_Total t;
    ck_assert_int_eq(ask(r, 3, 7, &t), AKT_OK);
    ck_assert_int_eq(t.total, 21);
    ck_assert_int_eq(t.seq, 3);
    restart_system();
    r = spawn("3");
    ck_assert_int_eq(ask(r, 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 21);
    ck_assert_int_eq(t.replayed, 3);
}
END_TEST

START_TEST(recovery_starts_from_the_latest_snapshot)
{
    akt_ref r = spawn("4");
    tp_Total t;
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(ask(r, 1, 10, &t), AKT_OK);
    }
    ck_assert_int_eq(ask(r, 4, 0, &t), AKT_OK); /* snapshot at 5 */
    ck_assert_int_eq(ask(r, 1, 1, &t), AKT_OK);
    ck_assert_int_eq(ask(r, 1, 2, &t), AKT_OK);
    restart_system();
    r = spawn("4");
    ck_assert_int_eq(ask(r, 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 53);
    ck_assert_int_eq(t.replayed, 2); /* only the events after the snapshot */
    ck_assert_int_eq(t.seq, 7);
}
END_TEST

START_TEST(a_rejected_persist_fails_only_itself)
{
    akt_ref r = spawn("5");
    tp_Total t;
    ck_assert_int_eq(ask(r, 1, 4, &t), AKT_OK);
    ck_assert_int_eq(ask(r, 5, 0, NULL), AKT_EINVAL); /* no codec */
    ck_assert_int_eq(ask(r, 1, 6, &t), AKT_OK);
    ck_assert_int_eq(t.total, 10);
    ck_assert_int_eq(t.seq, 2); /* the rejected one took no number */
}
END_TEST

START_TEST(an_unknown_event_type_fails_recovery_and_names_it)
{
    akt_ref r = spawn("6");
    tp_Total t;
    ck_assert_int_eq(ask(r, 1, 1, &t), AKT_OK);
    ck_assert_int_eq(ask(r, 6, 2, &t), AKT_OK);
    restart_system();
    r = spawn("6");
    await_stop(r);
    ck_assert_int_eq(atomic_load(&recovery_failures), 1);
    char id[32];
    snprintf(id, sizeof(id), "%016" PRIx64, stray_type.id);
    ck_assert_msg(strstr(failure_text, id) && strstr(failure_text, "account-6"),
        "%s", failure_text);
}
END_TEST

/* --- asynchronous recovery on LMDB (akt_persistence_set_async_recovery) --- */

/* pid's events from..to with n = BIG + seq, in atomic writes of 200 */
static void
write_history(const char *pid, int from, int to)
{
    akt_journal *j = akt_persistence_journal(sys);
    tp_Evt *es[200];
    akt_jevent evs[200];
    for (int first = from; first <= to; first += 200) {
        int k = to - first + 1 < 200 ? to - first + 1 : 200;
        for (int i = 0; i < k; i++) {
            es[i] = akt_msg_new(&evt_type, 0);
            es[i]->n = BIG + first + i;
            evs[i] = (akt_jevent) { .msg = es[i] };
        }
        akt_write_status st;
        ck_assert_int_eq(akt_journal_write_wait(
                             j, pid, (uint64_t)first, evs, (size_t)k, &st),
            AKT_OK);
        for (int i = 0; i < k; i++) {
            akt_msg_free(es[i]);
        }
    }
}

static int64_t
history_sum(int from, int to)
{
    int64_t s = 0;
    for (int i = from; i <= to; i++) {
        s += BIG + i;
    }
    return s;
}

/* Recovery reads on the reader threads: a snapshot at 1,000 and 2,500
 * events after it (three chunks) are applied in order, none lost or twice,
 * and numbering goes on after them. */
START_TEST(an_async_recovery_applies_every_chunk_in_order)
{
    write_history("account-a1", 1, 3500);
    tp_Total *snap = akt_msg_new(&total_type, 0);
    snap->total = 7;
    ck_assert_int_eq(akt_snapshot_save(akt_persistence_snapshots(sys),
                         "account-a1", 1000, 0, snap),
        AKT_OK);
    akt_msg_free(snap);
    restart_system();
    ck_assert_int_eq(akt_persistence_set_async_recovery(sys, true), AKT_OK);
    atomic_store(&order_prev, 0);
    atomic_store(&order_breaks, 0);
    akt_ref r = spawn("a1");
    tp_Total t;
    ck_assert_int_eq(ask(r, 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 7 + history_sum(1001, 3500));
    ck_assert_int_eq(t.replayed, 2500);
    ck_assert_int_eq(t.seq, 3500);
    ck_assert_int_eq(atomic_load(&order_prev), BIG + 3500);
    ck_assert_int_eq(atomic_load(&order_breaks), 0);
    ck_assert_int_eq(ask(r, 1, 1, &t), AKT_OK);
    ck_assert_int_eq(t.seq, 3501);
}
END_TEST

/* An event the registry does not know fails an asynchronous recovery as
 * it fails an inline one: the hook names the type id, the actor stops,
 * the permit comes back. */
START_TEST(an_unknown_event_type_fails_an_async_recovery)
{
    akt_ref r = spawn("a2");
    tp_Total t;
    ck_assert_int_eq(ask(r, 1, 1, &t), AKT_OK);
    ck_assert_int_eq(ask(r, 6, 2, &t), AKT_OK);
    restart_system();
    ck_assert_int_eq(akt_persistence_set_async_recovery(sys, true), AKT_OK);
    r = spawn("a2");
    await_stop(r);
    ck_assert_int_eq(atomic_load(&recovery_failures), 1);
    char id[32];
    snprintf(id, sizeof(id), "%016" PRIx64, stray_type.id);
    ck_assert_msg(
        strstr(failure_text, id) && strstr(failure_text, "account-a2"), "%s",
        failure_text);
    uint32_t running = 9;
    ck_assert_int_eq(
        akt_persistence_recovery_stats(sys, &running, NULL), AKT_OK);
    ck_assert_uint_eq(running, 0);
}
END_TEST

/* An actor stopped while it applies its first chunk (held in the gate)
 * ends with its read cancelled and its permit back; the system then
 * shuts down cleanly, and a new incarnation recovers everything. (Under TSan:
 * the cancel against a read in progress.) */
START_TEST(an_actor_stopped_during_an_async_recovery_gives_its_permit_back)
{
    write_history("account-a3", 1, 3000);
    restart_system();
    ck_assert_int_eq(akt_persistence_set_async_recovery(sys, true), AKT_OK);
    pthread_mutex_lock(&gate_mu);
    gate_on = gate_closed = true;
    gate_inside = 0;
    pthread_mutex_unlock(&gate_mu);
    akt_ref r = spawn("a3");
    pthread_mutex_lock(&gate_mu);
    while (gate_inside == 0) {
        pthread_cond_wait(&gate_cv, &gate_mu); /* in its first chunk */
    }
    pthread_mutex_unlock(&gate_mu);
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(r, &f), AKT_OK);
    ck_assert_int_eq(akt_stop(r), AKT_OK);
    pthread_mutex_lock(&gate_mu);
    gate_on = gate_closed = false;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    akt_future_release(f);
    uint32_t running = 9;
    ck_assert_int_eq(
        akt_persistence_recovery_stats(sys, &running, NULL), AKT_OK);
    ck_assert_uint_eq(running, 0);
    restart_system(); /* its readers end; the name is free again */
    r = spawn("a3");
    tp_Total t;
    ck_assert_int_eq(ask(r, 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, history_sum(1, 3000));
    ck_assert_int_eq(t.seq, 3000);
}
END_TEST

/* a journal whose every write fails (the store is broken) */
static akt_err
bad_write(
    void *impl, const akt_atomic_write *w, akt_journal_write_cb cb, void *arg)
{
    (void)impl;
    (void)w;
    cb(arg, AKT_WRITE_FAILED, AKT_EIO);
    return AKT_OK;
}
static akt_err
bad_replay(void *impl, const char *pid, uint64_t from, uint64_t to,
    uint64_t max, akt_journal_replay_fn fn, void *arg)
{
    (void)impl, (void)pid, (void)from, (void)to, (void)max, (void)fn, (void)arg;
    return AKT_OK;
}
static akt_err
bad_highest(void *impl, const char *pid, uint64_t *out)
{
    (void)impl, (void)pid;
    *out = 0;
    return AKT_OK;
}
static akt_err
bad_delete(void *impl, const char *pid, uint64_t to)
{
    (void)impl, (void)pid, (void)to;
    return AKT_EIO;
}
static const akt_journal_ops bad_ops = { .name = "broken",
    .write = bad_write,
    .replay = bad_replay,
    .highest = bad_highest,
    .delete_to = bad_delete };

START_TEST(a_storage_failure_stops_the_actor)
{
    akt_system_free(sys);
    ck_assert_int_eq(akt_system_create("q", NULL, &sys), AKT_OK);
    akt_journal *j;
    ck_assert_int_eq(akt_journal_new(&bad_ops, NULL, reg, 0, &j), AKT_OK);
    ck_assert_int_eq(akt_persistence_start_with(sys, j, NULL), AKT_OK);
    akt_ref r = spawn("7");
    tell(r, 1, 1);
    await_stop(r);
    ck_assert_int_eq(atomic_load(&persist_failures), 1);
}
END_TEST

START_TEST(without_persistence_on_the_system_recovery_fails)
{
    akt_system_free(sys);
    ck_assert_int_eq(akt_system_create("r", NULL, &sys), AKT_OK);
    akt_ref r = spawn("8");
    await_stop(r);
    ck_assert_int_eq(atomic_load(&recovery_failures), 1);
    ck_assert_ptr_nonnull(strstr(failure_text, "akt_persistence_start"));
}
END_TEST

/* wait (woken by each change of the permitter, no polling) until it has
 * running recoveries and waiting waiters (AKT_PERSIST_ANY: either) */
static void
await_recoveries(uint32_t running, uint32_t waiting)
{
    ck_assert_int_eq(akt_persistence_await_recovery_stats(
                         sys, running, waiting, AKT_SEC(20)),
        AKT_OK);
}

static uint32_t
recoveries(bool running)
{
    uint32_t r = 0, w = 0;
    ck_assert_int_eq(akt_persistence_recovery_stats(sys, &r, &w), AKT_OK);
    return running ? r : w;
}

/* a system whose persistence comes from configuration: 4 workers, at
 * most `max` recoveries at once */
static void
start_configured(int max)
{
    char text[512];
    snprintf(text, sizeof(text),
        "akt.actor.default-dispatcher.workers = 4\n"
        "akt.persistence.max-concurrent-recoveries = %d\n"
        "akt.persistence.journal.lmdb.dir = \"%s/journal\"\n"
        "akt.persistence.snapshot-store.lmdb.dir = \"%s/snapshots\"\n",
        max, dir, dir);
    akt_config *cfg;
    ck_assert_int_eq(
        akt_config_parse_string(text, strlen(text), "test", &cfg, NULL),
        AKT_OK);
    ck_assert_int_eq(akt_system_create("q", cfg, &sys), AKT_OK);
    akt_config_release(cfg);
    akt_config_error err = { .message = "" };
    ck_assert_msg(
        akt_persistence_start(sys, reg, &err) == AKT_OK, "%s", err.message);
}

static void
gate_close(void)
{
    pthread_mutex_lock(&gate_mu);
    gate_on = gate_closed = true;
    gate_inside = gate_max_inside = 0;
    pthread_mutex_unlock(&gate_mu);
}

static void
gate_open(void)
{
    pthread_mutex_lock(&gate_mu);
    gate_closed = false;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

/* wait until n recoveries are inside the gate */
static void
gate_wait_inside(int n)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 20;
    pthread_mutex_lock(&gate_mu);
    while (gate_inside < n) {
        if (pthread_cond_timedwait(&gate_cv, &gate_mu, &dl) != 0) {
            break;
        }
    }
    int in = gate_inside;
    pthread_mutex_unlock(&gate_mu);
    ck_assert_int_eq(in, n);
}

/* With max-concurrent-recoveries = 1 and four workers, one actor recovers
 * (held in the gate) while the four others wait for a permit without
 * starting their recovery; a command sent meanwhile is stashed and
 * answered after its actor's recovery, with the replayed state. Opening
 * the gate lets them recover one after another: never two at once. */
START_TEST(recoveries_beyond_the_bound_wait_for_a_permit)
{
    enum { N = 5 };
    char name[16];
    for (int i = 0; i < N; i++) { /* one event each, then a fresh system */
        snprintf(name, sizeof(name), "g%d", i);
        ck_assert_int_eq(ask(spawn(name), 1, 10 + i, NULL), AKT_OK);
    }
    akt_system_free(sys);
    start_configured(1);
    gate_close();
    akt_ref refs[N];
    refs[0] = spawn("g0");
    gate_wait_inside(1);
    for (int i = 1; i < N; i++) {
        snprintf(name, sizeof(name), "g%d", i);
        refs[i] = spawn(name);
    }
    await_recoveries(AKT_PERSIST_ANY, N - 1);
    ck_assert_uint_eq(recoveries(true), 1);
    /* a command to a waiting actor: stashed, not answered before it */
    tp_Cmd *c = akt_msg_new(&cmd_type, 0);
    c->op = 2;
    akt_future *f;
    ck_assert_int_eq(akt_ask(refs[N - 1], c, AKT_SEC(30), &f), AKT_OK);
    gate_open();
    void *reply = NULL;
    ck_assert_int_eq(
        akt_future_wait_as(f, AKT_SEC(30), &total_type, &reply), AKT_OK);
    akt_future_release(f);
    ck_assert_int_eq(((tp_Total *)reply)->total, 10 + N - 1);
    ck_assert_int_eq(((tp_Total *)reply)->replayed, 1);
    akt_msg_free(reply);
    for (int i = 0; i < N; i++) {
        tp_Total t;
        ck_assert_int_eq(ask(refs[i], 2, 0, &t), AKT_OK);
        ck_assert_int_eq(t.total, 10 + i);
    }
    pthread_mutex_lock(&gate_mu);
    int max_inside = gate_max_inside;
    gate_on = false;
    pthread_mutex_unlock(&gate_mu);
    ck_assert_int_eq(max_inside, 1);
    ck_assert_uint_eq(recoveries(true), 0);
    ck_assert_uint_eq(recoveries(false), 0);
    /* a state the permitter does not reach: the wait times out */
    ck_assert_int_eq(
        akt_persistence_await_recovery_stats(sys, 3, 0, AKT_SEC(1) / 50),
        AKT_ETIMEDOUT);
    ck_assert_int_eq(
        akt_persistence_await_recovery_stats(sys, 0, 0, 0), AKT_EINVAL);
}
END_TEST

/* An actor stopped while it waits for a permit leaves the queue: the
 * permit goes to the next one, and no permit is lost or counted twice. */
START_TEST(an_actor_stopped_while_waiting_gives_its_place_back)
{
    char name[16];
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof(name), "w%d", i);
        ck_assert_int_eq(ask(spawn(name), 1, 5, NULL), AKT_OK);
    }
    akt_system_free(sys);
    start_configured(1);
    gate_close();
    akt_ref a = spawn("w0");
    gate_wait_inside(1);
    akt_ref b = spawn("w1"), c = spawn("w2");
    await_recoveries(AKT_PERSIST_ANY, 2);
    ck_assert_int_eq(akt_stop(b), AKT_OK);
    await_stop(b);
    ck_assert_uint_eq(recoveries(false), 1);
    gate_open();
    tp_Total t;
    ck_assert_int_eq(ask(c, 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 5);
    ck_assert_int_eq(ask(a, 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 5);
    pthread_mutex_lock(&gate_mu);
    gate_on = false;
    pthread_mutex_unlock(&gate_mu);
    ck_assert_uint_eq(recoveries(true), 0);
    ck_assert_uint_eq(recoveries(false), 0);
    /* the bound still admits a new recovery: nothing leaked */
    ck_assert_int_eq(ask(spawn("w1"), 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 5);
}
END_TEST

/* a bad max-concurrent-recoveries fails akt_persistence_start naming it */
START_TEST(a_bad_max_concurrent_recoveries_fails_naming_the_key)
{
    akt_system_free(sys);
    const char *text = "akt.persistence.max-concurrent-recoveries = 0\n";
    akt_config *cfg;
    ck_assert_int_eq(
        akt_config_parse_string(text, strlen(text), "test", &cfg, NULL),
        AKT_OK);
    ck_assert_int_eq(akt_system_create("b", cfg, &sys), AKT_OK);
    akt_config_release(cfg);
    akt_config_error err = { .message = "" };
    ck_assert_int_eq(akt_persistence_start(sys, reg, &err), AKT_ERANGE);
    ck_assert_msg(
        strstr(err.message, "akt.persistence.max-concurrent-recoveries")
            != NULL,
        "%s", err.message);
}
END_TEST

/* akt.persistence.state.plugin = lmdb opens the system's durable state
 * store (akt_persistence_state): a value stored there is read back after
 * the system restarts; the default (none) opens none; an unknown plug-in
 * fails akt_persistence_start naming the key */
static void
start_with_state(const char *plugin)
{
    char text[512];
    snprintf(text, sizeof(text),
        "akt.persistence.state.plugin = %s\n"
        "akt.persistence.state.lmdb.dir = \"%s/state\"\n"
        "akt.persistence.journal.lmdb.dir = \"%s/journal\"\n"
        "akt.persistence.snapshot-store.lmdb.dir = \"%s/snapshots\"\n",
        plugin, dir, dir, dir);
    akt_config *cfg;
    ck_assert_int_eq(
        akt_config_parse_string(text, strlen(text), "test", &cfg, NULL),
        AKT_OK);
    ck_assert_int_eq(akt_system_create("s", cfg, &sys), AKT_OK);
    akt_config_release(cfg);
}

START_TEST(the_durable_state_store_comes_from_the_configuration)
{
    akt_system_free(sys);
    start_with_state("none");
    akt_config_error err = { .message = "" };
    ck_assert_int_eq(akt_persistence_start(sys, reg, &err), AKT_OK);
    ck_assert_ptr_null(akt_persistence_state(sys));
    akt_system_free(sys);
    start_with_state("lmdb");
    ck_assert_int_eq(akt_persistence_start(sys, reg, &err), AKT_OK);
    akt_state_store *st = akt_persistence_state(sys);
    ck_assert_ptr_nonnull(st);
    tp_Total *v = akt_msg_new(&total_type, 0);
    v->total = 42;
    ck_assert_int_eq(akt_state_upsert(st, "acct-1", 1, v), AKT_OK);
    akt_msg_free(v);
    akt_system_free(sys); /* closes the store */
    start_with_state("lmdb");
    ck_assert_int_eq(akt_persistence_start(sys, reg, &err), AKT_OK);
    void *got = NULL;
    uint64_t rev = 0;
    ck_assert_int_eq(akt_state_get(akt_persistence_state(sys), sys, "acct-1",
                         &got, &rev, NULL),
        AKT_OK);
    ck_assert_uint_eq(rev, 1);
    ck_assert_int_eq(((tp_Total *)got)->total, 42);
    akt_msg_free(got);
    akt_system_free(sys);
    start_with_state("redis");
    ck_assert_int_eq(akt_persistence_start(sys, reg, &err), AKT_EINVAL);
    ck_assert_msg(strstr(err.message, "akt.persistence.state.plugin") != NULL,
        "%s", err.message);
}
END_TEST

/* --- snapshot saves and deletes, event deletes: off the actor's thread ---
 */

/* a snapshot store in memory whose saves can be held (ms_hold) or fail
 * (ms_fail); ms_waiting counts the saves inside save */
typedef struct msnap {
    char pid[64];
    uint64_t seq;
    int64_t ts;
    uint64_t type_id;
    uint8_t data[256];
    size_t len;
} msnap;
static pthread_mutex_t ms_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ms_cv = PTHREAD_COND_INITIALIZER;
static bool ms_hold, ms_fail;
static int ms_waiting;
static msnap ms[16];
static int nms;

static bool
ms_match(const msnap *m, const char *pid, akt_snapshot_criteria c)
{
    return strcmp(m->pid, pid) == 0 && m->seq >= c.min_seq
        && m->seq <= c.max_seq && m->ts >= c.min_ts && m->ts <= c.max_ts;
}

static akt_err
ms_save(void *impl, const akt_snapshot_meta *meta, const akt_snapshot_blob *b)
{
    (void)impl;
    pthread_mutex_lock(&ms_mu);
    ms_waiting++;
    pthread_cond_broadcast(&ms_cv);
    while (ms_hold) {
        pthread_cond_wait(&ms_cv, &ms_mu);
    }
    ms_waiting--;
    akt_err rc = ms_fail ? AKT_EIO : AKT_OK;
    if (rc == AKT_OK) {
        ck_assert_int_lt(nms, 16);
        ck_assert_uint_le(b->len, sizeof ms[0].data);
        msnap *m = &ms[nms++];
        snprintf(m->pid, sizeof m->pid, "%s", meta->pid);
        m->seq = meta->seq;
        m->ts = meta->timestamp_ms;
        m->type_id = b->type_id;
        memcpy(m->data, b->data, b->len);
        m->len = b->len;
    }
    pthread_mutex_unlock(&ms_mu);
    return rc;
}

/* recovery reads of ops-o2 during a held save (of that id) */
static int ms_loads_while_held;

static akt_err
ms_load(void *impl, const char *pid, akt_snapshot_criteria c,
    akt_snapshot_load_fn fn, void *arg)
{
    (void)impl;
    pthread_mutex_lock(&ms_mu);
    ms_loads_while_held += ms_waiting > 0 && strcmp(pid, "ops-o2") == 0;
    msnap *best = NULL;
    for (int i = 0; i < nms; i++) {
        if (ms_match(&ms[i], pid, c) && (!best || ms[i].seq > best->seq)) {
            best = &ms[i];
        }
    }
    msnap copy = best ? *best : (msnap) { .seq = 0 };
    pthread_mutex_unlock(&ms_mu);
    if (best == NULL) {
        return AKT_ENOENT;
    }
    akt_snapshot_meta meta = { pid, copy.seq, copy.ts };
    akt_snapshot_blob blob = { copy.type_id, copy.data, copy.len };
    return fn(arg, &meta, &blob);
}

static akt_err
ms_remove_matching(void *impl, const char *pid, akt_snapshot_criteria c)
{
    (void)impl;
    pthread_mutex_lock(&ms_mu);
    akt_err rc = ms_fail ? AKT_EIO : AKT_OK;
    for (int i = 0; rc == AKT_OK && i < nms;) {
        if (ms_match(&ms[i], pid, c)) {
            ms[i] = ms[--nms];
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&ms_mu);
    return rc;
}

static akt_err
ms_remove(void *impl, const char *pid, uint64_t seq, int64_t ts)
{
    akt_snapshot_criteria c = { seq, ts ? ts : INT64_MAX, seq, 0 };
    return ms_remove_matching(impl, pid, c);
}

static const akt_snapshot_ops ms_ops = { .name = "memory",
    .save = ms_save,
    .load = ms_load,
    .remove = ms_remove,
    .remove_matching = ms_remove_matching };

static void
ms_set(bool hold, bool fail)
{
    pthread_mutex_lock(&ms_mu);
    ms_hold = hold;
    ms_fail = fail;
    pthread_cond_broadcast(&ms_cv);
    pthread_mutex_unlock(&ms_mu);
}

/* wait until a save is inside ms_save (held there) */
static void
ms_await_waiting(void)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 20;
    pthread_mutex_lock(&ms_mu);
    while (ms_waiting == 0) {
        if (pthread_cond_timedwait(&ms_cv, &ms_mu, &dl) != 0) {
            break;
        }
    }
    int w = ms_waiting;
    pthread_mutex_unlock(&ms_mu);
    ck_assert_int_eq(w, 1);
}

/* the operation hooks: one letter each, in the order they ran, and
 * whether they ran as the actor's handlers do (its persistence id known:
 * in its own turn, with its context) */
static pthread_mutex_t ops_mu = PTHREAD_MUTEX_INITIALIZER;
static char ops_log[64];
static int ops_in_turn;
static t_latch ops_done = T_LATCH_INIT;
static _Atomic uint64_t ops_last_seq;
static _Atomic int ops_last_rc;

static void
ops_note(akt_ctx *ctx, char what, uint64_t seq, akt_err rc)
{
    pthread_mutex_lock(&ops_mu);
    size_t n = strlen(ops_log);
    if (n + 1 < sizeof ops_log) {
        ops_log[n] = what;
        ops_log[n + 1] = '\0';
    }
    ops_in_turn += strncmp(akt_persistent_id(ctx), "ops-", 4) == 0;
    pthread_mutex_unlock(&ops_mu);
    atomic_store(&ops_last_seq, seq);
    atomic_store(&ops_last_rc, (int)rc);
    t_latch_add(&ops_done, 1);
}

static void
ops_saved(void *state, akt_ctx *ctx, uint64_t seq)
{
    (void)state;
    ops_note(ctx, 'S', seq, AKT_OK);
}
static void
ops_save_failed(void *state, akt_ctx *ctx, uint64_t seq, akt_err rc)
{
    (void)state;
    ops_note(ctx, 'F', seq, rc);
}
static void
ops_events_deleted(void *state, akt_ctx *ctx, uint64_t to)
{
    (void)state;
    ops_note(ctx, 'D', to, AKT_OK);
}
static void
ops_events_delete_failed(void *state, akt_ctx *ctx, uint64_t to, akt_err rc)
{
    (void)state;
    ops_note(ctx, 'E', to, rc);
}
static void
ops_snaps_deleted(void *state, akt_ctx *ctx, akt_snapshot_criteria c)
{
    (void)state;
    ops_note(ctx, 'X', c.max_seq, AKT_OK);
}
static void
ops_snaps_delete_failed(
    void *state, akt_ctx *ctx, akt_snapshot_criteria c, akt_err rc)
{
    (void)state;
    ops_note(ctx, 'Y', c.max_seq, rc);
}

static const char *
ops_log_now(void)
{
    static char copy[64];
    pthread_mutex_lock(&ops_mu);
    memcpy(copy, ops_log, sizeof copy);
    pthread_mutex_unlock(&ops_mu);
    return copy;
}

/* commands beyond acc_cmd's: 20 persist_all of three events, then (their
 * write still pending) delete up to the last of them; 21 save a snapshot
 * then delete every snapshot; 22 save a snapshot; 23 delete every event.
 * Each replies with the total at once (the outcomes come to the hooks). */
static akt_err
ops_cmd(void *state, akt_ctx *ctx, const void *msg)
{
    account *a = state;
    const tp_Cmd *c = msg;
    akt_err rc = AKT_OK;
    if (c->op == 20) {
        void *es[3] = { evt(&evt_type, c->n), evt(&evt_type, c->n),
            evt(&evt_type, c->n) };
        if ((rc = akt_persist_all(ctx, es, 3, NULL, NULL)) != AKT_OK) {
            for (int i = 0; i < 3; i++) {
                akt_msg_free(es[i]);
            }
        } else {
            ck_assert_uint_eq(akt_persistent_pending(ctx), 1);
            rc = akt_persistent_delete_events(
                ctx, akt_persistent_last_seq(ctx));
        }
    } else if (c->op == 21 || c->op == 22) {
        tp_Total *t = akt_msg_new(&total_type, 0);
        t->total = a->total;
        rc = akt_persistent_save_snapshot(ctx, t);
        akt_msg_free(t);
        if (rc == AKT_OK && c->op == 21) {
            rc = akt_persistent_delete_snapshots(ctx, akt_snapshot_latest());
        }
    } else if (c->op == 23) {
        rc = akt_persistent_delete_events(ctx, UINT64_MAX);
    } else {
        return acc_cmd(state, ctx, msg);
    }
    if (rc != AKT_OK) {
        return akt_reply_error(ctx, rc);
    }
    reply_total(a, ctx);
    return AKT_OK;
}

static const akt_handler ops_commands[] = { { &cmd_type, ops_cmd } };

static const akt_persistent_def ops_def = {
    .name = "ops",
    .id_prefix = "ops-",
    .state_size = sizeof(account),
    .commands = ops_commands,
    .ncommands = 1,
    .apply = acc_apply,
    .snapshot_offer = acc_snapshot_offer,
    .recovery_completed = acc_recovered,
    .snapshot_saved = ops_saved,
    .snapshot_failed = ops_save_failed,
    .events_deleted = ops_events_deleted,
    .events_delete_failed = ops_events_delete_failed,
    .snapshots_deleted = ops_snaps_deleted,
    .snapshots_delete_failed = ops_snaps_delete_failed,
};

static akt_ref
spawn_ops(const char *name)
{
    akt_props p;
    ck_assert_int_eq(akt_persistent_props(&ops_def, &p), AKT_OK);
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &p, name, &r), AKT_OK);
    return r;
}

static akt_err
count_event(void *arg, const akt_prepr *rec, const void *event)
{
    (void)rec;
    (void)event;
    (*(int *)arg)++;
    return AKT_OK;
}

/* An event delete made while the persist before it is still pending
 * reaches the journal after that write (every event up to it is gone, the
 * highest number stays); a save then a delete of every snapshot run in
 * that order (none is left); each outcome reaches its hook in the actor's
 * own turn (its persistence id known there), in the order of the calls. */
START_TEST(snapshot_and_delete_outcomes_reach_the_actor_in_order)
{
    akt_ref r = spawn_ops("o1");
    tp_Total t;
    ck_assert_int_eq(ask(r, 20, 5, &t), AKT_OK);
    ck_assert(t_latch_wait(&ops_done, 1, 20000));
    ck_assert_str_eq(ops_log_now(), "D");
    ck_assert_uint_eq(atomic_load(&ops_last_seq), 3);
    akt_journal *j = akt_persistence_journal(sys);
    uint64_t h = 0;
    ck_assert_int_eq(akt_journal_highest(j, "ops-o1", &h), AKT_OK);
    ck_assert_uint_eq(h, 3);
    int left = 0;
    ck_assert_int_eq(akt_journal_replay(j, NULL, "ops-o1", 1, UINT64_MAX,
                         UINT64_MAX, count_event, &left, NULL),
        AKT_OK);
    ck_assert_int_eq(left, 0); /* the delete did not overtake the write */

    ck_assert_int_eq(ask(r, 21, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 15);
    ck_assert(t_latch_wait(&ops_done, 3, 20000));
    ck_assert_str_eq(ops_log_now(), "DSX");
    akt_snapshot_meta meta;
    void *snap = NULL;
    akt_snapshot_store *st = akt_persistence_snapshots(sys);
    ck_assert_int_eq(akt_snapshot_load(st, sys, "ops-o1", akt_snapshot_latest(),
                         &meta, &snap, NULL),
        AKT_ENOENT);
    ck_assert_int_eq(ask(r, 22, 0, &t), AKT_OK);
    ck_assert(t_latch_wait(&ops_done, 4, 20000));
    ck_assert_str_eq(ops_log_now(), "DSXS");
    ck_assert_int_eq(akt_snapshot_load(st, sys, "ops-o1", akt_snapshot_latest(),
                         &meta, &snap, NULL),
        AKT_OK);
    ck_assert_uint_eq(meta.seq, 3);
    ck_assert_int_eq(((tp_Total *)snap)->total, 15);
    akt_msg_free(snap);
    pthread_mutex_lock(&ops_mu);
    ck_assert_int_eq(ops_in_turn, 4);
    pthread_mutex_unlock(&ops_mu);
}
END_TEST

/* a system with one dispatcher worker on the LMDB journal and the memory
 * snapshot store */
static void
start_one_worker_mem_store(void)
{
    akt_system_free(sys);
    const char *text = "akt.actor.default-dispatcher.workers = 1\n";
    akt_config *cfg;
    ck_assert_int_eq(
        akt_config_parse_string(text, strlen(text), "test", &cfg, NULL),
        AKT_OK);
    ck_assert_int_eq(akt_system_create("m", cfg, &sys), AKT_OK);
    akt_config_release(cfg);
    char jd[96];
    snprintf(jd, sizeof(jd), "%s/journal", dir);
    akt_journal *j;
    ck_assert_int_eq(
        akt_journal_open_lmdb(&(akt_lmdb_options) { .dir = jd }, reg, &j, NULL),
        AKT_OK);
    akt_snapshot_store *s;
    ck_assert_int_eq(akt_snapshot_store_new(&ms_ops, NULL, reg, &s), AKT_OK);
    ck_assert_int_eq(akt_persistence_start_with(sys, j, s), AKT_OK);
}

/* With one dispatcher worker, a snapshot save held inside the store does
 * not hold that worker: the saving actor itself and another persistent
 * actor keep answering (with the save in the actor's turn both calls
 * would time out). A new incarnation of the saver waits for that save
 * before it recovers: it starts from the snapshot (nothing replayed),
 * which a recovery running at once could not have seen. */
START_TEST(a_snapshot_save_waiting_on_the_store_does_not_hold_a_worker)
{
    start_one_worker_mem_store();
    akt_ref r = spawn_ops("o2");
    tp_Total t;
    ck_assert_int_eq(ask(r, 1, 7, &t), AKT_OK);
    ms_set(true, false);
    ck_assert_int_eq(ask(r, 22, 0, &t), AKT_OK);
    ms_await_waiting();
    ck_assert_int_eq(ask(r, 1, 8, &t), AKT_OK); /* the saver goes on */
    ck_assert_int_eq(t.total, 15);
    akt_ref other = spawn("m1");
    ck_assert_int_eq(ask(other, 1, 3, &t), AKT_OK); /* and the worker */
    ck_assert_int_eq(t.total, 3);
    ck_assert_str_eq(ops_log_now(), "");
    ck_assert_int_eq(akt_stop(r), AKT_OK);
    await_stop(r);
    r = spawn_ops("o2"); /* its recovery waits for the save */
    tp_Cmd *c = akt_msg_new(&cmd_type, 0);
    c->op = 2;
    akt_future *f;
    ck_assert_int_eq(akt_ask(r, c, AKT_SEC(20), &f), AKT_OK);
    await_recoveries(1, AKT_PERSIST_ANY); /* it has its permit */
    ms_set(false, false);
    void *reply = NULL;
    ck_assert_int_eq(
        akt_future_wait_as(f, AKT_SEC(20), &total_type, &reply), AKT_OK);
    akt_future_release(f);
    t = *(tp_Total *)reply;
    akt_msg_free(reply);
    ck_assert_int_eq(t.total, 15);
    ck_assert_int_eq(t.replayed, 1); /* the snapshot at 1, then event 2 */
    ck_assert_int_eq(t.seq, 2);
    pthread_mutex_lock(&ms_mu);
    ck_assert_int_eq(ms_loads_while_held, 0);
    pthread_mutex_unlock(&ms_mu);
}
END_TEST

/* A store that fails: the save's and the snapshot delete's failures reach
 * snapshot_failed and snapshots_delete_failed with the store's code, an
 * event delete the journal fails reaches events_delete_failed; the actor
 * goes on. */
START_TEST(failed_saves_and_deletes_reach_their_hooks_and_the_actor_goes_on)
{
    start_one_worker_mem_store();
    akt_ref r = spawn_ops("o3");
    tp_Total t;
    ck_assert_int_eq(ask(r, 1, 4, &t), AKT_OK);
    ms_set(false, true);
    ck_assert_int_eq(ask(r, 21, 0, &t), AKT_OK);
    ck_assert(t_latch_wait(&ops_done, 2, 20000));
    ck_assert_str_eq(ops_log_now(), "FY");
    ck_assert_int_eq(atomic_load(&ops_last_rc), AKT_EIO);
    ck_assert_int_eq(ask(r, 1, 4, &t), AKT_OK);
    ck_assert_int_eq(t.total, 8);
    ms_set(false, false);
    akt_system_free(sys);
    ck_assert_int_eq(akt_system_create("b", NULL, &sys), AKT_OK);
    akt_journal *j;
    ck_assert_int_eq(akt_journal_new(&bad_ops, NULL, reg, 0, &j), AKT_OK);
    ck_assert_int_eq(akt_persistence_start_with(sys, j, NULL), AKT_OK);
    r = spawn_ops("o4");
    ck_assert_int_eq(ask(r, 23, 0, &t), AKT_OK);
    ck_assert(t_latch_wait(&ops_done, 3, 20000));
    ck_assert_str_eq(ops_log_now(), "FYE");
    ck_assert_int_eq(atomic_load(&ops_last_rc), AKT_EIO);
    ck_assert_int_eq(ask(r, 21, 0, &t), AKT_ENOENT); /* no snapshot store */
}
END_TEST

/* --- the replay filter ----------------------------------------------------
 */

/* a journal whose replay hands over a crafted history: events of several
 * writers interleaved, as two incarnations on two nodes (or imported data)
 * leave them; what no journal of ours stores (a number used twice) too */
typedef struct mj_ev {
    uint64_t seq, writer;
    int64_t n;
} mj_ev;
static const mj_ev *mj_hist;
static size_t mj_n;

static akt_err
mj_write(
    void *impl, const akt_atomic_write *w, akt_journal_write_cb cb, void *arg)
{
    (void)impl;
    (void)w;
    cb(arg, AKT_WRITE_FAILED, AKT_EIO);
    return AKT_OK;
}
static akt_err
mj_replay(void *impl, const char *pid, uint64_t from, uint64_t to, uint64_t max,
    akt_journal_replay_fn fn, void *arg)
{
    (void)impl, (void)pid;
    uint64_t done = 0;
    for (size_t i = 0; i < mj_n && done < max; i++) {
        if (mj_hist[i].seq < from || mj_hist[i].seq > to) {
            continue;
        }
        tp_Evt *e = evt(&evt_type, mj_hist[i].n);
        akt_buf b;
        akt_buf_init(&b);
        ck_assert_int_eq(akt_msg_encode(e, &b), AKT_OK);
        akt_msg_free(e);
        akt_prepr ev = { .seq = mj_hist[i].seq,
            .type_id = evt_type.id,
            .data = b.data,
            .len = b.len,
            .writer = mj_hist[i].writer };
        akt_err rc = fn(arg, &ev);
        akt_buf_free(&b);
        done++;
        if (rc != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}
static akt_err
mj_highest(void *impl, const char *pid, uint64_t *out)
{
    (void)impl, (void)pid;
    *out = 0;
    for (size_t i = 0; i < mj_n; i++) {
        *out = mj_hist[i].seq > *out ? mj_hist[i].seq : *out;
    }
    return AKT_OK;
}
static const akt_journal_ops mj_ops = { .name = "crafted",
    .write = mj_write,
    .replay = mj_replay,
    .highest = mj_highest,
    .delete_to = bad_delete };

#define WA 0xa1a1a1a1a1a1a1a1ull
#define WB 0xb2b2b2b2b2b2b2b2ull
/* writer A wrote 1..3; B (a new incarnation) wrote 3 again and 4; A went
 * on with 5. Amounts are powers of two: the total says which applied. */
static const mj_ev interleaved[] = { { 1, WA, 1 }, { 2, WA, 2 }, { 3, WA, 4 },
    { 3, WB, 8 }, { 4, WB, 16 }, { 5, WA, 32 } };

/* recover account "f" over the crafted history with filter f (NULL: the
 * default); its total, or -1 when the recovery failed */
static int64_t
recover_crafted(const mj_ev *h, size_t n, const akt_replay_filter *f,
    bool async, tp_Total *out)
{
    akt_system_free(sys);
    ck_assert_int_eq(akt_system_create("f", NULL, &sys), AKT_OK);
    akt_journal *j;
    ck_assert_int_eq(akt_journal_new(&mj_ops, NULL, reg, 0, &j), AKT_OK);
    ck_assert_int_eq(akt_persistence_start_with(sys, j, NULL), AKT_OK);
    ck_assert_int_eq(akt_persistence_set_async_recovery(sys, async), AKT_OK);
    if (f) {
        ck_assert_int_eq(akt_persistence_set_replay_filter(sys, f), AKT_OK);
    }
    mj_hist = h;
    mj_n = n;
    atomic_store(&recovery_failures, 0);
    akt_ref r = spawn("f");
    tp_Total t = { 0 };
    if (ask(r, 2, 0, &t) != AKT_OK) {
        await_stop(r);
        ck_assert_int_eq(atomic_load(&recovery_failures), 1);
        return -1;
    }
    if (out) {
        *out = t;
    }
    return t.total;
}

/* Akka's repair-by-discard-old (the default): A's event 3, still in the
 * window when B's 3 arrives, is dropped, and so is A's 5 (an old writer
 * after the new one): 1 + 2 + 8 + 16. The highest number stays 5. Both
 * recovery paths (inline and the reader threads) filter alike. */
START_TEST(the_replay_filter_discards_an_old_writers_events)
{
    for (int async = 0; async < 2; async++) {
        tp_Total t;
        ck_assert_int_eq(
            recover_crafted(interleaved, 6, NULL, async, &t), 1 + 2 + 8 + 16);
        ck_assert_int_eq(t.replayed, 4);
        ck_assert_int_eq(t.seq, 5);
    }
}
END_TEST

/* The other modes: fail stops the recovery with a reason naming the
 * replay filter; warn and off keep every event (1 + ... + 32); a window
 * of one event has applied A's 3 before B's 3 comes (only A's 5 is
 * dropped); an event without a writer (0) passes whatever comes. A bad
 * setting is refused. */
START_TEST(the_replay_filter_modes_window_and_unknown_writers)
{
    akt_replay_filter f = { AKT_REPLAY_FILTER_FAIL, 100, 10 };
    ck_assert_int_eq(recover_crafted(interleaved, 6, &f, false, NULL), -1);
    ck_assert_ptr_nonnull(strstr(failure_text, "replay filter"));
    ck_assert_ptr_nonnull(strstr(failure_text, "account-f"));
    ck_assert_int_eq(recover_crafted(interleaved, 6, &f, true, NULL), -1);
    f.mode = AKT_REPLAY_FILTER_WARN;
    ck_assert_int_eq(recover_crafted(interleaved, 6, &f, false, NULL), 63);
    f.mode = AKT_REPLAY_FILTER_OFF;
    ck_assert_int_eq(recover_crafted(interleaved, 6, &f, true, NULL), 63);
    f = (akt_replay_filter) { AKT_REPLAY_FILTER_REPAIR, 1, 10 };
    ck_assert_int_eq(
        recover_crafted(interleaved, 6, &f, false, NULL), 1 + 2 + 4 + 8 + 16);
    static const mj_ev unknown[]
        = { { 1, 0, 1 }, { 2, WA, 2 }, { 3, 0, 4 }, { 4, WB, 8 } };
    ck_assert_int_eq(recover_crafted(unknown, 4, NULL, false, NULL), 15);
    f.window_size = 0;
    ck_assert_int_eq(akt_persistence_set_replay_filter(sys, &f), AKT_EINVAL);
    f = (akt_replay_filter) { (akt_replay_filter_mode)9, 10, 10 };
    ck_assert_int_eq(akt_persistence_set_replay_filter(sys, &f), AKT_EINVAL);
}
END_TEST

static akt_err
keep_writer(void *arg, const akt_prepr *rec, const void *event)
{
    (void)event;
    uint64_t *w = arg;
    w[rec->seq] = rec->writer;
    return AKT_OK;
}

static void
write_as(
    akt_journal *j, const char *pid, uint64_t seq, uint64_t writer, int64_t n)
{
    tp_Evt *e = evt(&evt_type, n);
    akt_jevent ev = { .msg = e, .writer = writer };
    akt_write_status st;
    ck_assert_int_eq(akt_journal_write_wait(j, pid, seq, &ev, 1, &st), AKT_OK);
    akt_msg_free(e);
}

/* On LMDB a split brain leaves an old incarnation's event after a new
 * one's (A 1-2, B 3-4, A 5: numbers above the highest, so stored): each
 * event keeps its writer id, and recovery drops A's 5 (1 + 2 + 4 + 8)
 * while numbering goes on after it. A persistent actor's own events carry
 * its incarnation's writer id, another after a restart. */
START_TEST(lmdb_keeps_writer_ids_and_recovery_drops_an_old_writers_event)
{
    akt_journal *j = akt_persistence_journal(sys);
    write_as(j, "account-s", 1, WA, 1);
    write_as(j, "account-s", 2, WA, 2);
    write_as(j, "account-s", 3, WB, 4);
    write_as(j, "account-s", 4, WB, 8);
    write_as(j, "account-s", 5, WA, 16);
    uint64_t w[8] = { 0 };
    ck_assert_int_eq(akt_journal_replay(j, NULL, "account-s", 1, UINT64_MAX,
                         UINT64_MAX, keep_writer, w, NULL),
        AKT_OK);
    ck_assert_uint_eq(w[1], WA);
    ck_assert_uint_eq(w[3], WB);
    ck_assert_uint_eq(w[5], WA);
    akt_ref r = spawn("s");
    tp_Total t;
    ck_assert_int_eq(ask(r, 2, 0, &t), AKT_OK);
    ck_assert_int_eq(t.total, 1 + 2 + 4 + 8);
    ck_assert_int_eq(t.seq, 5);
    ck_assert_int_eq(ask(r, 1, 100, &t), AKT_OK);
    ck_assert_int_eq(t.seq, 6);
    restart_system();
    r = spawn("s");
    ck_assert_int_eq(ask(r, 1, 200, &t), AKT_OK);
    ck_assert_int_eq(t.total, 1 + 2 + 4 + 8 + 100 + 200);
    j = akt_persistence_journal(sys);
    ck_assert_int_eq(akt_journal_replay(j, NULL, "account-s", 1, UINT64_MAX,
                         UINT64_MAX, keep_writer, w, NULL),
        AKT_OK);
    ck_assert_uint_ne(w[6], 0);
    ck_assert_uint_ne(w[7], 0);
    ck_assert_uint_ne(w[6], w[7]); /* two incarnations, two writers */
    ck_assert_uint_ne(w[6], WA);
}
END_TEST

/* a bad replay-filter setting fails akt_persistence_start naming it */
START_TEST(a_bad_replay_filter_setting_fails_naming_the_key)
{
    akt_system_free(sys);
    const char *bad[] = {
        "akt.persistence.journal.replay-filter.mode = sometimes\n",
        "akt.persistence.journal.replay-filter.window-size = 0\n",
        "akt.persistence.journal.replay-filter.max-old-writers = -1\n",
    };
    const char *key[] = { "replay-filter.mode", "replay-filter.window-size",
        "replay-filter.max-old-writers" };
    for (int i = 0; i < 3; i++) {
        akt_config *cfg;
        ck_assert_int_eq(
            akt_config_parse_string(bad[i], strlen(bad[i]), "test", &cfg, NULL),
            AKT_OK);
        ck_assert_int_eq(akt_system_create("v", cfg, &sys), AKT_OK);
        akt_config_release(cfg);
        akt_config_error err = { .message = "" };
        ck_assert_int_eq(akt_persistence_start(sys, reg, &err),
            i == 0 ? AKT_EINVAL : AKT_ERANGE);
        ck_assert_msg(strstr(err.message, key[i]) != NULL, "%s", err.message);
        akt_system_free(sys);
    }
    ck_assert_int_eq(akt_system_create("v", NULL, &sys), AKT_OK);
}
END_TEST

static void
release_held(void)
{
    gate_open();
    pthread_mutex_lock(&gate_mu);
    gate_on = false;
    pthread_mutex_unlock(&gate_mu);
    ms_set(false, false);
}

static void
reset_shared(void)
{
    atomic_store(&recovery_failures, 0);
    atomic_store(&persist_failures, 0);
    failure_text[0] = '\0';
    pthread_mutex_lock(&gate_mu);
    gate_on = gate_closed = false;
    gate_inside = gate_max_inside = 0;
    pthread_mutex_unlock(&gate_mu);
    atomic_store(&order_prev, 0);
    atomic_store(&order_breaks, 0);
    pthread_mutex_lock(&ms_mu);
    ms_hold = ms_fail = false;
    ms_waiting = nms = ms_loads_while_held = 0;
    pthread_mutex_unlock(&ms_mu);
    pthread_mutex_lock(&ops_mu);
    ops_log[0] = '\0';
    ops_in_turn = 0;
    pthread_mutex_unlock(&ops_mu);
    pthread_mutex_lock(&ops_done.mu);
    ops_done.n = 0;
    pthread_mutex_unlock(&ops_done.mu);
    atomic_store(&ops_last_seq, 0);
    atomic_store(&ops_last_rc, 0);
    mj_hist = NULL;
    mj_n = 0;
}

int
main(void)
{
    Suite *s = suite_create("persist_actor");
    TCase *tc = tcase_create("actor");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, persisted_events_are_replayed_after_the_system_restarts);
    tcase_add_test(tc, commands_wait_in_the_stash_while_a_persist_is_in_flight);
    tcase_add_test(tc, persist_all_writes_atomically_and_calls_back_per_event);
    tcase_add_test(tc, recovery_starts_from_the_latest_snapshot);
    tcase_add_test(tc, a_rejected_persist_fails_only_itself);
    tcase_add_test(tc, an_unknown_event_type_fails_recovery_and_names_it);
    tcase_add_test(tc, an_async_recovery_applies_every_chunk_in_order);
    tcase_add_test(tc, an_unknown_event_type_fails_an_async_recovery);
    tcase_add_test(
        tc, an_actor_stopped_during_an_async_recovery_gives_its_permit_back);
    tcase_add_test(tc, a_storage_failure_stops_the_actor);
    tcase_add_test(tc, without_persistence_on_the_system_recovery_fails);
    tcase_add_test(tc, recoveries_beyond_the_bound_wait_for_a_permit);
    tcase_add_test(tc, an_actor_stopped_while_waiting_gives_its_place_back);
    tcase_add_test(tc, a_bad_max_concurrent_recoveries_fails_naming_the_key);
    tcase_add_test(tc, the_durable_state_store_comes_from_the_configuration);
    tcase_add_test(tc, snapshot_and_delete_outcomes_reach_the_actor_in_order);
    tcase_add_test(
        tc, a_snapshot_save_waiting_on_the_store_does_not_hold_a_worker);
    tcase_add_test(
        tc, failed_saves_and_deletes_reach_their_hooks_and_the_actor_goes_on);
    tcase_add_test(tc, the_replay_filter_discards_an_old_writers_events);
    tcase_add_test(tc, the_replay_filter_modes_window_and_unknown_writers);
    tcase_add_test(
        tc, lmdb_keeps_writer_ids_and_recovery_drops_an_old_writers_event);
    tcase_add_test(tc, a_bad_replay_filter_setting_fails_naming_the_key);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
