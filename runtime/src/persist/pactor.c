/*
 * pactor.c -- persistence on a system (an extension slot) and persistent
 * actors, built on the core's public API only.
 *
 * A persistent actor is an ordinary actor whose behaviour is one catch-all
 * handler (p_dispatch) and whose state is a pstate header followed by the
 * user's state. pre_start asks the recovery permitter for a permit
 * (akt.persistence.max-concurrent-recoveries; commands are stashed until
 * the recovery ran); the recovery runs in the turn of the permit (again
 * after a restart; LMDB reads inline, other journals' reads run on the
 * reader threads and are applied in chunks in later turns, see
 * "asynchronous recovery reads"):
 * the youngest snapshot, then the journal's highest sequence number (which
 * waits for writes still queued by an earlier incarnation), then the
 * events after the snapshot through def->apply. akt_persist encodes the
 * events, queues one atomic write and keeps the events in a pending list;
 * the journal's callback (its writer thread, after the commit) tells the
 * actor a WriteResult, on which it applies the events and runs the user's
 * callbacks. While a write made by akt_persist / akt_persist_all is
 * pending, commands are stashed (akt_stash) and unstashed when the last
 * such write completed; the _async variants leave commands flowing.
 * Generated code (aktc's persistent actors) declares its event and
 * snapshot types in the def, so a stray type is refused on persist and
 * fails recovery, and may take snapshots automatically after applies. Results
 * of an earlier incarnation carry another epoch and are ignored.
 *
 * Invariants: pending writes complete in the order they were queued (the
 * journal keeps a persistence id's writes in order and one thread tells
 * the results); ps->seq is the last number handed out, ps->applied the
 * last one folded into the state.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "akt/events.h"
#include "akt/persistence.h"
#include "akt/stash.h"
#include "akt/timers.h"
#include "config/settings_reader.h"
#include "core/ext.h" /* the extension slot, akti_tell_control */
#include "persist/persist_impl.h"
#include "persist/record.h"

#define PERSIST_EXT_SLOT AKTI_EXT_PERSIST
#define OTAB_SIZE        64 /* buckets of the operation chains' table */

/* --- persistence on a system ---------------------------------------------- */

/* one incarnation waiting for a recovery permit */
typedef struct pwait {
    akt_ref self;
    uint64_t epoch; /* 0: cancelled (stopped while waiting) */
} pwait;

typedef struct pext {
    akt_journal *j;
    akt_snapshot_store *s;
    akt_state_store *st; /* durable state (NULL: none configured) */
    akt_delivery_options dl; /* at-least-once defaults (configured) */
    akt_replay_filter rf; /* the replay filter (under pmu) */
    _Atomic uint64_t epochs;
    /* the recovery permitter (akt.persistence.max-concurrent-recoveries):
     * at most pmax recoveries run; the others wait in a FIFO, one entry
     * per recovering incarnation (so the queue is bounded by the number
     * of persistent actors starting) */
    pthread_mutex_t pmu;
    pthread_cond_t pcv; /* broadcast when running or the queue changes */
    uint32_t pmax, running;
    pwait *q; /* ring */
    size_t qhead, qn, qcap;
    /* asynchronous recovery reads (journals whose reads may block on a
     * server: every plug-in but LMDB, or all with
     * akt_persistence_set_async_recovery): nreaders reader threads
     * (akt.persistence.reader-threads), a FIFO of recoveries waiting for
     * their next read, and the read each thread runs (rrun: a stop
     * interrupts it). Each running recovery has
     * at most one read queued or running, so the FIFO holds at most
     * max-concurrent-recoveries entries. */
    atomic_bool async_reads;
    pthread_mutex_t rmu;
    pthread_cond_t rcv;
    struct rread *rhead, *rtail;
    bool rstarted, rclosing;
    uint32_t nreaders; /* threads to start */
    pthread_t *rth;
    struct rread **rrun; /* per thread: the read it runs, or NULL */
    int nrth;
    /* snapshot saves and deletes, event deletes (see "operations off the
     * actor's thread"), under rmu: a chain per persistence id with
     * operations queued, in a hash table; the chains ready to run in a
     * FIFO the same threads serve */
    struct pchain *otab[OTAB_SIZE];
    struct pchain *chead, *ctail;
} pext;

static void rreaders_stop(pext *x);

static void
pext_terminated(akt_system *sys, void *arg)
{
    (void)sys;
    pext *x = arg;
    rreaders_stop(x); /* before the journal: readers use it */
    akt_journal_close(
        x->j); /* pending callbacks tell dead actors: dead letters */
    akt_snapshot_store_close(x->s);
    akt_state_store_close(x->st);
    pthread_mutex_destroy(&x->pmu);
    pthread_cond_destroy(&x->pcv);
    pthread_mutex_destroy(&x->rmu);
    pthread_cond_destroy(&x->rcv);
    free(x->q);
    free(x->rth);
    free(x->rrun);
    free(x);
}

static const akti_ext_ops pext_ops = {
    .name = "persistence",
    .terminated = pext_terminated,
};

static pext *
pext_get(akt_system *sys)
{
    return sys ? akti_system_ext_get(sys, PERSIST_EXT_SLOT, NULL) : NULL;
}

akt_err
akt_persistence_start_with(
    akt_system *sys, akt_journal *j, akt_snapshot_store *s)
{
    if (sys == NULL || j == NULL) {
        return AKT_EINVAL;
    }
    pext *x = calloc(1, sizeof(*x));
    if (x == NULL) {
        return AKT_ENOMEM;
    }
    x->j = j;
    x->s = s;
    x->pmax = AKT_PERSIST_DEFAULT_MAX_RECOVERIES;
    x->nreaders = AKT_PERSIST_DEFAULT_READER_THREADS;
    x->dl = (akt_delivery_options) { AKT_SEC(5), 5, 100000, 10000 };
    x->rf = (akt_replay_filter) { AKT_REPLAY_FILTER_REPAIR, 100, 10 };
    pthread_mutex_init(&x->pmu, NULL);
    pthread_cond_init(&x->pcv, NULL);
    pthread_mutex_init(&x->rmu, NULL);
    pthread_cond_init(&x->rcv, NULL);
    /* LMDB reads are memory-mapped page reads (one id recovers in ~10 us):
     * they run inline in the actor's turn; any other plug-in's reads go to
     * the reader threads */
    atomic_init(&x->async_reads,
        strcmp(akti_journal_plugin(j), "lmdb") != 0
            || (s != NULL && strcmp(akti_snapshot_plugin(s), "lmdb") != 0));
    akt_err rc = akti_system_ext_set(sys, PERSIST_EXT_SLOT, &pext_ops, x);
    if (rc != AKT_OK) {
        pthread_mutex_destroy(&x->pmu);
        pthread_cond_destroy(&x->pcv);
        pthread_mutex_destroy(&x->rmu);
        pthread_cond_destroy(&x->rcv);
        free(x);
    }
    return rc;
}

akt_err
akt_persistence_set_max_recoveries(akt_system *sys, uint32_t n)
{
    pext *x = pext_get(sys);
    if (x == NULL) {
        return AKT_ENOENT;
    }
    if (n == 0) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&x->pmu);
    x->pmax = n;
    pthread_mutex_unlock(&x->pmu);
    /* a larger bound lets waiting recoveries start at their next release
     * (or the next request); nothing is granted from here */
    return AKT_OK;
}

akt_err
akt_persistence_set_reader_threads(akt_system *sys, uint32_t n)
{
    pext *x = pext_get(sys);
    if (x == NULL) {
        return AKT_ENOENT;
    }
    if (n == 0 || n > 1024) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&x->rmu);
    akt_err rc = x->rstarted ? AKT_ESTATE : AKT_OK;
    if (rc == AKT_OK) {
        x->nreaders = n;
    }
    pthread_mutex_unlock(&x->rmu);
    return rc;
}

akt_err
akt_persistence_set_replay_filter(akt_system *sys, const akt_replay_filter *f)
{
    pext *x = pext_get(sys);
    if (x == NULL) {
        return AKT_ENOENT;
    }
    if (f == NULL || (unsigned)f->mode > AKT_REPLAY_FILTER_OFF
        || f->window_size == 0 || f->window_size > 1000000
        || f->max_old_writers == 0 || f->max_old_writers > 1000000) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&x->pmu);
    x->rf = *f;
    pthread_mutex_unlock(&x->pmu);
    return AKT_OK;
}

akt_err
akt_persistence_set_async_recovery(akt_system *sys, bool on)
{
    pext *x = pext_get(sys);
    if (x == NULL) {
        return AKT_ENOENT;
    }
    atomic_store(&x->async_reads, on); /* recoveries starting from now */
    return AKT_OK;
}

/* under pmu: the incarnations waiting for a permit */
static uint32_t
permit_waiting_locked(const pext *x)
{
    uint32_t w = 0;
    for (size_t i = 0; i < x->qn; i++) {
        w += x->q[(x->qhead + i) % x->qcap].epoch != 0;
    }
    return w;
}

akt_err
akt_persistence_recovery_stats(
    akt_system *sys, uint32_t *running, uint32_t *waiting)
{
    pext *x = pext_get(sys);
    if (x == NULL) {
        return AKT_ENOENT;
    }
    pthread_mutex_lock(&x->pmu);
    if (running) {
        *running = x->running;
    }
    if (waiting) {
        *waiting = permit_waiting_locked(x);
    }
    pthread_mutex_unlock(&x->pmu);
    return AKT_OK;
}

akt_err
akt_persistence_await_recovery_stats(
    akt_system *sys, uint32_t running, uint32_t waiting, int64_t timeout_ns)
{
    pext *x = pext_get(sys);
    if (x == NULL) {
        return AKT_ENOENT;
    }
    if (timeout_ns <= 0) {
        return AKT_EINVAL;
    }
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    int64_t ns = dl.tv_nsec + timeout_ns % 1000000000;
    dl.tv_sec += (time_t)(timeout_ns / 1000000000 + ns / 1000000000);
    dl.tv_nsec = (long)(ns % 1000000000);
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&x->pmu);
    while ((running != AKT_PERSIST_ANY && x->running != running)
        || (waiting != AKT_PERSIST_ANY
            && permit_waiting_locked(x) != waiting)) {
        if (pthread_cond_timedwait(&x->pcv, &x->pmu, &dl) != 0) {
            rc = AKT_ETIMEDOUT;
            break;
        }
    }
    pthread_mutex_unlock(&x->pmu);
    return rc;
}

akt_journal *
akt_persistence_journal(akt_system *sys)
{
    pext *x = pext_get(sys);
    return x ? x->j : NULL;
}

akt_snapshot_store *
akt_persistence_snapshots(akt_system *sys)
{
    pext *x = pext_get(sys);
    return x ? x->s : NULL;
}

akt_state_store *
akt_persistence_state(akt_system *sys)
{
    pext *x = pext_get(sys);
    return x ? x->st : NULL;
}

static void
read_lmdb(
    akti_setreader *rd, const char *base, akt_lmdb_options *o, bool journal)
{
    char key[128];
    bool fsync = true;
    snprintf(key, sizeof(key), "%s.dir", base);
    akti_set_str(rd, key, &o->dir);
    if (rd->rc == AKT_OK && (o->dir == NULL || o->dir[0] == '\0')) {
        akti_set_reject(rd, key, AKT_EINVAL, "a directory");
    }
    snprintf(key, sizeof(key), "%s.map-size", base);
    akti_set_size(rd, key, &o->map_size, 1u << 20, UINT64_MAX / 2);
    snprintf(key, sizeof(key), "%s.fsync", base);
    akti_set_bool(rd, key, &fsync);
    o->no_sync = !fsync;
    if (journal) {
        int64_t ev = o->max_batch_events;
        snprintf(key, sizeof(key), "%s.max-batch-events", base);
        akti_set_int(rd, key, &ev, 1, 1000000);
        o->max_batch_events = (uint32_t)ev;
        snprintf(key, sizeof(key), "%s.max-batch-bytes", base);
        akti_set_size(rd, key, &o->max_batch_bytes, 4096, 1ull << 32);
        snprintf(key, sizeof(key), "%s.max-record-size", base);
        akti_set_size(rd, key, &o->max_record_size, 64, 1ull << 31);
        int64_t un = (int64_t)o->max_unindexed_events;
        snprintf(key, sizeof(key), "%s.max-unindexed-events", base);
        akti_set_int(rd, key, &un, 1, 100000000);
        o->max_unindexed_events = (uint64_t)un;
    }
}

/* the postgresql section under base; used: the plug-in is chosen, so an
 * empty connection string is an error */
static void
read_pg(akti_setreader *rd, const char *base, akt_pg_options *o, bool journal,
    bool used)
{
    char key[128];
    snprintf(key, sizeof(key), "%s.conninfo", base);
    akti_set_str(rd, key, &o->conninfo);
    if (rd->rc == AKT_OK && used
        && (o->conninfo == NULL || o->conninfo[0] == '\0')) {
        akti_set_reject(rd, key, AKT_EINVAL,
            "a libpq connection string (\"host=... dbname=...\")");
    }
    snprintf(key, sizeof(key), "%s.schema", base);
    akti_set_str(rd, key, &o->schema);
    if (rd->rc == AKT_OK && o->schema) {
        size_t n = strlen(o->schema);
        bool ok
            = n > 0 && n <= 63 && !(o->schema[0] >= '0' && o->schema[0] <= '9');
        for (size_t i = 0; ok && i < n; i++) {
            char c = o->schema[i];
            ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        }
        if (!ok) {
            akti_set_reject(rd, key, AKT_EINVAL,
                "a schema name: [a-z_][a-z0-9_]*, at most 63 characters");
        }
    }
    int64_t readers = o->readers;
    snprintf(key, sizeof(key), "%s.readers", base);
    akti_set_int(rd, key, &readers, 1, 1000);
    o->readers = (uint32_t)readers;
    if (journal) {
        int64_t ev = o->max_batch_events;
        snprintf(key, sizeof(key), "%s.max-batch-events", base);
        akti_set_int(rd, key, &ev, 1, 100000);
        o->max_batch_events = (uint32_t)ev;
        snprintf(key, sizeof(key), "%s.max-record-size", base);
        akti_set_size(rd, key, &o->max_record_size, 64, 1ull << 30);
    }
}

akt_err
akti_persist_settings_read(
    const akt_config *cfg, akti_persist_settings *out, akt_config_error *err)
{
    static const char *const jplugins[] = { "lmdb", "postgresql" };
    static const char *const splugins[] = { "lmdb", "postgresql", "none" };
    int jp = 0, sp = 0;
    akt_lmdb_options jo = { .max_batch_events = 10000,
        .max_batch_bytes = 16u << 20,
        .max_record_size = 16u << 20,
        .max_unindexed_events = 65536,
        .map_size = 1ull << 30 };
    akt_lmdb_options so = { .map_size = 256ull << 20 };
    akt_pg_options jpg = { .conninfo = "",
        .schema = "akt",
        .max_batch_events = 1000,
        .readers = 4,
        .max_record_size = 16u << 20 };
    akt_pg_options spg = { .conninfo = "", .schema = "akt", .readers = 4 };
    akti_setreader rd = { .cfg = cfg, .rc = AKT_OK, .err = err };
    /* every section is checked, whichever plug-in is chosen */
    akti_set_enum(&rd, "akt.persistence.journal.plugin", &jp, jplugins, 2);
    read_lmdb(&rd, "akt.persistence.journal.lmdb", &jo, true);
    read_pg(&rd, "akt.persistence.journal.postgresql", &jpg, true,
        jp == AKTI_PPLUGIN_PG);
    int64_t bmax = 10, breset = 30000000000ll;
    akti_set_int(&rd, "akt.persistence.journal.circuit-breaker.max-failures",
        &bmax, 0, 1000000);
    akti_set_dur(&rd, "akt.persistence.journal.circuit-breaker.reset-timeout",
        &breset, 1000000, 86400000000000ll);
    int64_t bcall = 10000000000ll;
    akti_set_dur(&rd, "akt.persistence.journal.circuit-breaker.call-timeout",
        &bcall, 0, 86400000000000ll);
    int64_t smax = 5, scall = 20000000000ll, sreset = 60000000000ll;
    akti_set_int(&rd,
        "akt.persistence.snapshot-store.circuit-breaker.max-failures", &smax, 0,
        1000000);
    akti_set_dur(&rd,
        "akt.persistence.snapshot-store.circuit-breaker.call-timeout", &scall,
        0, 86400000000000ll);
    akti_set_dur(&rd,
        "akt.persistence.snapshot-store.circuit-breaker.reset-timeout", &sreset,
        1000000, 86400000000000ll);
    int64_t maxrec = AKT_PERSIST_DEFAULT_MAX_RECOVERIES;
    akti_set_int(
        &rd, "akt.persistence.max-concurrent-recoveries", &maxrec, 1, 1000000);
    int64_t nreaders = AKT_PERSIST_DEFAULT_READER_THREADS;
    akti_set_int(&rd, "akt.persistence.reader-threads", &nreaders, 1, 1024);
    static const char *const fmodes[]
        = { "repair-by-discard-old", "fail", "warn", "off" };
    int fmode = AKT_REPLAY_FILTER_REPAIR;
    int64_t fwin = 100, fold = 10;
    akti_set_enum(
        &rd, "akt.persistence.journal.replay-filter.mode", &fmode, fmodes, 4);
    akti_set_int(&rd, "akt.persistence.journal.replay-filter.window-size",
        &fwin, 1, 1000000);
    akti_set_int(&rd, "akt.persistence.journal.replay-filter.max-old-writers",
        &fold, 1, 1000000);
    int stp = AKTI_PPLUGIN_NONE;
    akt_lmdb_options sto = { .map_size = 256ull << 20 };
    akt_pg_options stpg = { .conninfo = "", .schema = "akt", .readers = 4 };
    akti_set_enum(&rd, "akt.persistence.state.plugin", &stp, splugins, 3);
    read_lmdb(&rd, "akt.persistence.state.lmdb", &sto, false);
    read_pg(&rd, "akt.persistence.state.postgresql", &stpg, false,
        stp == AKTI_PPLUGIN_PG);
    akt_delivery_options dl = { AKT_SEC(5), 5, 100000, 10000 };
    int64_t dwarn = dl.warn_after, dmax = dl.max_unconfirmed,
            dburst = dl.burst_limit;
    akti_set_dur(&rd,
        "akt.persistence.at-least-once-delivery.redeliver-interval",
        &dl.redeliver_interval_ns, 1000000, 86400000000000ll);
    akti_set_int(&rd,
        "akt.persistence.at-least-once-delivery.warn-after-number-of-"
        "unconfirmed-attempts",
        &dwarn, 1, 1000000);
    akti_set_int(&rd,
        "akt.persistence.at-least-once-delivery.max-unconfirmed-messages",
        &dmax, 1, 100000000);
    akti_set_int(&rd,
        "akt.persistence.at-least-once-delivery.redelivery-burst-limit",
        &dburst, 1, 100000000);
    dl.warn_after = (uint32_t)dwarn;
    dl.max_unconfirmed = (uint32_t)dmax;
    dl.burst_limit = (uint32_t)dburst;
    akti_set_enum(
        &rd, "akt.persistence.snapshot-store.plugin", &sp, splugins, 3);
    read_lmdb(&rd, "akt.persistence.snapshot-store.lmdb", &so, false);
    read_pg(&rd, "akt.persistence.snapshot-store.postgresql", &spg, false,
        sp == AKTI_PPLUGIN_PG);
    if (rd.rc == AKT_OK) {
        out->journal_plugin = jp;
        out->journal = jo;
        out->journal_pg = jpg;
        out->snapshot_plugin = sp;
        out->snapshots = so;
        out->snapshots_pg = spg;
        out->has_snapshots = sp != AKTI_PPLUGIN_NONE;
        out->breaker_failures = bmax;
        out->breaker_reset_ns = breset;
        out->breaker_call_ns = bcall;
        out->sbreaker_failures = smax;
        out->sbreaker_call_ns = scall;
        out->sbreaker_reset_ns = sreset;
        out->max_recoveries = maxrec;
        out->reader_threads = nreaders;
        out->state_plugin = stp;
        out->state = sto;
        out->state_pg = stpg;
        out->delivery = dl;
        out->replay_filter
            = (akt_replay_filter) { (akt_replay_filter_mode)fmode,
                  (uint32_t)fwin, (uint32_t)fold };
    }
    return rd.rc;
}

akt_err
akt_persistence_start(
    akt_system *sys, const akt_registry *reg, akt_config_error *err)
{
    if (sys == NULL) {
        return AKT_EINVAL;
    }
    if (pext_get(sys) != NULL) {
        return AKT_EEXIST;
    }
    akt_config *ref = NULL, *merged = NULL;
    akt_err rc = akt_config_reference(&ref, err);
    if (rc != AKT_OK) {
        return rc;
    }
    const akt_config *sc = akt_system_config(sys);
    if (sc != NULL) {
        rc = akt_config_with_fallback(sc, ref, &merged, err);
        akt_config_release(ref);
        if (rc != AKT_OK) {
            return rc;
        }
    } else {
        merged = ref;
    }
    akti_persist_settings ps;
    rc = akti_persist_settings_read(merged, &ps, err);
    akt_journal *j = NULL;
    akt_snapshot_store *s = NULL;
    akt_persist_error perr = { "" };
    if (rc == AKT_OK) {
        rc = ps.journal_plugin == AKTI_PPLUGIN_PG
            ? akt_journal_open_pg(&ps.journal_pg, reg, &j, &perr)
            : akt_journal_open_lmdb(&ps.journal, reg, &j, &perr);
    }
    if (rc == AKT_OK) {
        rc = akt_journal_set_breaker(
            j, (uint32_t)ps.breaker_failures, ps.breaker_reset_ns);
    }
    if (rc == AKT_OK) {
        rc = akt_journal_set_breaker_call_timeout(j, ps.breaker_call_ns);
    }
    if (rc == AKT_OK && ps.snapshot_plugin == AKTI_PPLUGIN_PG) {
        rc = akt_snapshot_store_open_pg(&ps.snapshots_pg, reg, &s, &perr);
    } else if (rc == AKT_OK && ps.has_snapshots) {
        rc = akt_snapshot_store_open_lmdb(&ps.snapshots, reg, &s, &perr);
    }
    if (rc == AKT_OK && s != NULL) {
        rc = akt_snapshot_store_set_breaker(s, (uint32_t)ps.sbreaker_failures,
            ps.sbreaker_call_ns, ps.sbreaker_reset_ns);
    }
    akt_state_store *st = NULL;
    if (rc == AKT_OK && ps.state_plugin == AKTI_PPLUGIN_PG) {
        rc = akt_state_store_open_pg(&ps.state_pg, reg, &st, &perr);
    } else if (rc == AKT_OK && ps.state_plugin == AKTI_PPLUGIN_LMDB) {
        rc = akt_state_store_open_lmdb(&ps.state, reg, &st, &perr);
    }
    if (rc == AKT_OK) {
        rc = akt_persistence_start_with(sys, j, s);
    }
    if (rc == AKT_OK) {
        pext *x = pext_get(sys);
        akt_persistence_set_max_recoveries(sys, (uint32_t)ps.max_recoveries);
        akt_persistence_set_reader_threads(sys, (uint32_t)ps.reader_threads);
        x->st = st; /* closed with the system from here on */
        st = NULL;
        x->dl = ps.delivery;
        x->rf = ps.replay_filter;
    }
    akt_state_store_close(st);
    if (rc != AKT_OK) {
        if (perr.text[0]) {
            akt_log(
                sys, AKT_LOG_ERROR, AKT_REF_NONE, "persistence: %s", perr.text);
        }
        akt_snapshot_store_close(s);
        akt_journal_close(j);
    }
    akt_config_release(merged);
    return rc;
}

/* --- persistent actors ------------------------------------------------------
 */

typedef struct pending {
    struct pending *next;
    uint64_t wid;
    uint64_t first_seq;
    akt_persist_fn done;
    akt_persist_tramp tramp; /* generated code's: calls fn */
    void (*fn)(void);
    void *arg;
    bool async; /* commands were not stashed for it */
    akt_ref sender; /* of the command that persisted */
    size_t n;
    void *events[]; /* owned */
} pending;

/* one delivery not yet confirmed (at-least-once delivery) */
typedef struct delivery {
    uint64_t id;
    akt_ref dest; /* AKT_REF_NONE: restored from a snapshot, see path */
    char *path; /* the destination's path, once needed (malloc'd) */
    void *msg; /* one reference, for every resend */
    int64_t sent_at; /* the scheduler's clock */
    uint32_t attempts;
} delivery;

typedef struct pstate {
    const akt_persistent_def *def;
    pext *x;
    char *pid;
    uint64_t seq; /* last number handed out */
    uint64_t applied; /* last number in the state */
    uint64_t epoch; /* this incarnation's */
    uint64_t next_wid;
    pending *head, *tail;
    size_t npending;
    size_t nstashing; /* pending writes that are not async */
    bool stopped; /* failed: commands are dropped until the stop */
    bool stop_owed; /* stopped, but its akt_stop had no memory */
    bool recovering; /* in the recovery: deliveries only recorded */
    bool awaiting; /* not recovered yet: commands are stashed */
    int permit; /* PERMIT_* */
    bool draining; /* permitted, waiting for the id's operations (OP_DRAINED) */
    struct rread *rr; /* the asynchronous recovery's reads (NULL: none) */
    uint64_t rhighest; /* its highest sequence number */
    uint64_t writer; /* this incarnation's writer id (akt_prepr.writer) */
    struct rfilt *flt; /* the recovery's replay filter (NULL: off) */
    /* at-least-once delivery: unconfirmed, in id order */
    delivery *dl;
    size_t ndl, capdl;
    uint64_t next_delivery;
    akt_delivery_options dopt; /* def->delivery with defaults */
} pstate;

#define USER_OFF ((sizeof(pstate) + 15) & ~(size_t)15)
#define USER(ps) ((void *)((char *)(ps) + USER_OFF))

/* the write outcome the journal's thread tells the actor */
typedef struct pwres {
    uint64_t epoch;
    uint64_t wid;
    int32_t st;
    int32_t rc;
} pwres;

static const akt_type pwres_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.persistence.internal.WriteResult",
    .id = 0x5a3c0e91d2b7f146ull, /* private: never leaves the process */
    .size = sizeof(pwres),
    .align = _Alignof(pwres),
};

typedef struct wr_arg {
    akt_ref self;
    uint64_t epoch;
    uint64_t wid;
} wr_arg;

/* a recovery permit, told by the permitter to the incarnation `epoch` */
typedef struct ppermit {
    uint64_t epoch;
} ppermit;

static const akt_type ppermit_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.persistence.internal.RecoveryPermit",
    .id = 0x5a3c0e91d2b7f148ull, /* private: never leaves the process */
    .size = sizeof(ppermit),
    .align = _Alignof(ppermit),
};

enum {
    PERMIT_NONE = 0, /* never asked (or no persistence) */
    PERMIT_ASKED, /* waiting in the queue, or granted and told */
    PERMIT_DONE, /* released */
};

/* tell self its permit; under pmu. A bounded mailbox takes it beyond its
 * capacity (akti_tell_control: never dropped or blocked on). A permit that
 * cannot be told (the actor stopped, the system going down) stays counted
 * until the incarnation's state is finalized (permit_drop): never granted
 * twice. */
static void
permit_tell(akt_ref self, uint64_t epoch)
{
    ppermit *m = akt_msg_new(&ppermit_type, 0);
    if (m == NULL) {
        return;
    }
    m->epoch = epoch;
    if (akti_tell_control(self, m, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(m);
    }
}

/* ask for a permit for (self, epoch): granted at once (told) when fewer
 * than pmax recoveries run, else queued */
static akt_err
permit_ask(pext *x, akt_ref self, uint64_t epoch)
{
    pthread_mutex_lock(&x->pmu);
    if (x->running < x->pmax && x->qn == 0) {
        x->running++;
        permit_tell(self, epoch);
        pthread_cond_broadcast(&x->pcv);
        pthread_mutex_unlock(&x->pmu);
        return AKT_OK;
    }
    if (x->qn == x->qcap) {
        size_t nc = x->qcap ? x->qcap * 2 : 64;
        pwait *q = malloc(nc * sizeof(*q));
        if (q == NULL) {
            pthread_mutex_unlock(&x->pmu);
            return AKT_ENOMEM;
        }
        for (size_t i = 0; i < x->qn; i++) {
            q[i] = x->q[(x->qhead + i) % x->qcap];
        }
        free(x->q);
        x->q = q;
        x->qcap = nc;
        x->qhead = 0;
    }
    x->q[(x->qhead + x->qn) % x->qcap] = (pwait) { self, epoch };
    x->qn++;
    pthread_cond_broadcast(&x->pcv);
    pthread_mutex_unlock(&x->pmu);
    return AKT_OK;
}

/* a recovery ended (or a granted permit is given up): the next waiters go */
static void
permit_release_locked(pext *x)
{
    x->running--;
    while (x->qn > 0 && x->running < x->pmax) {
        pwait w = x->q[x->qhead];
        x->qhead = (x->qhead + 1) % x->qcap;
        x->qn--;
        if (w.epoch == 0) {
            continue; /* stopped while waiting */
        }
        x->running++;
        permit_tell(w.self, w.epoch);
    }
    pthread_cond_broadcast(&x->pcv);
}

static void
permit_release(pext *x)
{
    pthread_mutex_lock(&x->pmu);
    permit_release_locked(x);
    pthread_mutex_unlock(&x->pmu);
}

/* the incarnation ends without having recovered: leave the queue, or give
 * back the permit it was granted (its message is in flight) */
static void
permit_drop(pext *x, uint64_t epoch)
{
    pthread_mutex_lock(&x->pmu);
    for (size_t i = 0; i < x->qn; i++) {
        pwait *w = &x->q[(x->qhead + i) % x->qcap];
        if (w->epoch == epoch) {
            w->epoch = 0; /* skipped when it comes to the front */
            pthread_cond_broadcast(&x->pcv);
            pthread_mutex_unlock(&x->pmu);
            return;
        }
    }
    permit_release_locked(x);
    pthread_mutex_unlock(&x->pmu);
}

/* --- asynchronous recovery reads -------------------------------------------
 *
 * One rread per recovery, shared by the actor (one reference while it
 * recovers) and the reader pool (one while it is queued or being read).
 * A read fetches (the first time) the snapshot and the highest sequence
 * number, then at most AKT_PERSIST_RECOVERY_CHUNK events, and tells them
 * to the actor as one RecoveryChunk; the actor applies them in its turn
 * and queues the next read (back-pressure: one chunk in flight). A stop
 * sets cancel and fires tok: a read waiting on the server is interrupted
 * (PostgreSQL: the statement is cancelled), the reader stops at the next
 * event and tells nothing. */

typedef struct rread {
    _Atomic int refs;
    atomic_bool cancel;
    akti_cancel tok; /* current on the reader thread during its reads */
    struct rread *next; /* in the reader FIFO (under rmu) */
    pext *x;
    akt_system *sys;
    akt_ref self;
    uint64_t epoch;
    char *pid;
    bool want_snapshot;
    uint64_t to; /* def->recovery_to_seq, or UINT64_MAX */
    uint64_t max; /* def->recovery_replay_max, or UINT64_MAX */
    /* the reader's own (one read at a time, ordered by the messages) */
    bool started;
    uint64_t upto, next_from, left;
} rread;

typedef struct rev {
    uint64_t seq;
    uint64_t writer;
    void *ev; /* one reference */
} rev;

/* what one read found */
typedef struct rbatch {
    bool first; /* snapshot and highest are set */
    bool last; /* the recovery's reads end here */
    akt_err rc; /* AKT_OK or the read's error (text says what) */
    char text[sizeof(((akt_persist_error *)0)->text)];
    void *snap; /* one reference, or NULL */
    uint64_t snap_seq;
    uint64_t highest;
    size_t n;
    rev evs[];
} rbatch;

typedef struct pchunk {
    uint64_t epoch;
    rbatch *b; /* owned: freed with the message (pchunk_fini) */
} pchunk;

static void
rbatch_free(rbatch *b)
{
    if (b == NULL) {
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        akt_msg_free(b->evs[i].ev);
    }
    if (b->snap) {
        akt_msg_free(b->snap);
    }
    free(b);
}

static void
pchunk_fini(void *obj)
{
    pchunk *c = obj;
    rbatch_free(c->b);
    c->b = NULL;
}

static const akt_type pchunk_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.persistence.internal.RecoveryChunk",
    .id = 0x5a3c0e91d2b7f149ull, /* private: never leaves the process */
    .size = sizeof(pchunk),
    .align = _Alignof(pchunk),
    .fini = pchunk_fini,
};

static void
rread_unref(rread *r)
{
    if (atomic_fetch_sub(&r->refs, 1) == 1) {
        akti_cancel_destroy(&r->tok);
        free(r->pid);
        free(r);
    }
}

/* the actor gives up its reads (stopped): the reader drops them */
static void
rread_cancel(rread *r)
{
    atomic_store(&r->cancel, true);
    akti_cancel_fire(&r->tok); /* a read waiting on the server ends */
    rread_unref(r);
}

typedef struct rcollect {
    rread *r;
    rbatch *b;
} rcollect;

static akt_err
rread_one(void *arg, const akt_prepr *rec, const void *event)
{
    rcollect *c = arg;
    if (atomic_load_explicit(&c->r->cancel, memory_order_relaxed)) {
        return AKT_ECLOSED; /* stopped: no need to read on */
    }
    rbatch *b = c->b;
    b->evs[b->n].seq = rec->seq;
    b->evs[b->n].writer = rec->writer;
    b->evs[b->n].ev = akt_msg_retain(event);
    b->n++;
    return AKT_OK;
}

/* one read of r, on a reader thread; tells the chunk to the actor */
static void
rread_run(rread *r)
{
    pext *x = r->x;
    rbatch *b
        = calloc(1, sizeof(*b) + AKT_PERSIST_RECOVERY_CHUNK * sizeof(rev));
    akt_persist_error perr = { "" };
    akt_err rc = AKT_OK;
    akti_cancel_cur = &r->tok; /* the store calls below: a stop cuts them */
    if (b == NULL) {
        rc = AKT_ENOMEM;
    } else if (!r->started) {
        r->started = true;
        b->first = true;
        uint64_t from = 0;
        if (r->want_snapshot) {
            akt_snapshot_criteria c = akt_snapshot_latest();
            c.max_seq = r->to;
            akt_snapshot_meta meta;
            void *snap = NULL;
            rc = akt_snapshot_load(
                x->s, r->sys, r->pid, c, &meta, &snap, &perr);
            if (rc == AKT_OK) {
                b->snap = snap;
                b->snap_seq = from = meta.seq;
            } else if (rc == AKT_ENOENT) {
                rc = AKT_OK;
            }
        }
        if (rc == AKT_OK) {
            rc = akt_journal_highest(x->j, r->pid, &b->highest);
            if (rc != AKT_OK) {
                akti_perr(&perr, "cannot read the highest sequence number");
            }
        }
        r->upto = b->highest < r->to ? b->highest : r->to;
        r->next_from = from + 1;
        r->left = r->max;
    }
    if (rc == AKT_OK && r->next_from <= r->upto && r->left > 0) {
        uint64_t lim = r->left < AKT_PERSIST_RECOVERY_CHUNK
            ? r->left
            : AKT_PERSIST_RECOVERY_CHUNK;
        rcollect c = { r, b };
        rc = akt_journal_replay(x->j, r->sys, r->pid, r->next_from, r->upto,
            lim, rread_one, &c, &perr);
        if (b->n > 0) {
            r->next_from = b->evs[b->n - 1].seq + 1;
            r->left -= b->n;
        }
        b->last = b->n < lim || r->next_from > r->upto || r->left == 0;
    } else if (b != NULL) {
        b->last = true;
    }
    akti_cancel_cur = NULL;
    if (atomic_load(&r->cancel)) {
        rbatch_free(b);
        return;
    }
    pchunk *m = akt_msg_new(&pchunk_type, 0);
    if (m == NULL) {
        rbatch_free(b);
        return; /* the actor stays recovering; its stop cleans up */
    }
    if (b == NULL) {
        b = calloc(1, sizeof(*b));
        if (b == NULL) {
            akt_msg_free(m);
            return;
        }
        b->last = true;
    }
    b->rc = rc;
    if (rc != AKT_OK) {
        b->last = true;
        snprintf(b->text, sizeof b->text, "%s",
            perr.text[0] ? perr.text : akt_strerror(rc));
    }
    m->epoch = r->epoch;
    m->b = b;
    if (akti_tell_control(r->self, m, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(m); /* stopped meanwhile, or the system is going down */
    }
}

typedef struct rslot {
    pext *x;
    int i; /* x->rrun[i] is this thread's */
} rslot;

typedef struct pchain pchain;
static void pchain_step(pext *x, pchain *c);

/* the reader threads: recovery reads first (a recovery waits on them),
 * then the operation chains; on close the reads still queued are dropped
 * and the operations still queued run (they were accepted; the journal
 * and stores close after) */
static void *
rreader_main(void *arg)
{
    rslot sl = *(rslot *)arg;
    free(arg);
    pext *x = sl.x;
    pthread_mutex_lock(&x->rmu);
    for (;;) {
        while (x->rhead == NULL && x->chead == NULL && !x->rclosing) {
            pthread_cond_wait(&x->rcv, &x->rmu);
        }
        rread *r = x->rhead;
        if (r != NULL) {
            x->rhead = r->next;
            if (x->rhead == NULL) {
                x->rtail = NULL;
            }
            bool closing = x->rclosing;
            x->rrun[sl.i] = r;
            pthread_mutex_unlock(&x->rmu);
            if (!closing && !atomic_load(&r->cancel)) {
                rread_run(r);
            }
            pthread_mutex_lock(&x->rmu);
            x->rrun[sl.i] = NULL;
            pthread_mutex_unlock(&x->rmu);
            rread_unref(r);
            pthread_mutex_lock(&x->rmu);
            continue;
        }
        pchain *c = x->chead;
        if (c == NULL) {
            break; /* closing and nothing queued */
        }
        pchain_step(x, c); /* unlocks rmu while the operation runs */
    }
    pthread_mutex_unlock(&x->rmu);
    return NULL;
}

/* under rmu: the reader threads run (started with the first work) */
static akt_err
rreaders_start_locked(pext *x)
{
    if (x->rclosing) {
        return AKT_ECLOSED;
    }
    if (!x->rstarted) {
        x->rstarted = true;
        x->rth = calloc(x->nreaders, sizeof(*x->rth));
        x->rrun = calloc(x->nreaders, sizeof(*x->rrun));
        for (uint32_t i = 0; x->rth && x->rrun && i < x->nreaders; i++) {
            rslot *sl = malloc(sizeof(*sl));
            if (sl == NULL) {
                break;
            }
            *sl = (rslot) { x, x->nrth };
            if (pthread_create(&x->rth[x->nrth], NULL, rreader_main, sl) != 0) {
                free(sl);
                break;
            }
            x->nrth++;
        }
    }
    return x->nrth == 0 ? AKT_ENOMEM : AKT_OK;
}

/* queue r's next read (the reader threads start with the first one) */
static akt_err
rread_submit(rread *r)
{
    pext *x = r->x;
    pthread_mutex_lock(&x->rmu);
    akt_err rc = rreaders_start_locked(x);
    if (rc != AKT_OK) {
        pthread_mutex_unlock(&x->rmu);
        return rc;
    }
    atomic_fetch_add(&r->refs, 1);
    r->next = NULL;
    if (x->rtail) {
        x->rtail->next = r;
    } else {
        x->rhead = r;
    }
    x->rtail = r;
    pthread_cond_signal(&x->rcv);
    pthread_mutex_unlock(&x->rmu);
    return AKT_OK;
}

static void
rreaders_stop(pext *x)
{
    pthread_mutex_lock(&x->rmu);
    x->rclosing = true;
    pthread_cond_broadcast(&x->rcv);
    /* a read still waiting on the server is interrupted: the stop does not
     * wait for the server (its actor, stopped before, fired it already; this
     * covers a read the system's end overtook) */
    for (int i = 0; i < x->nrth; i++) {
        if (x->rrun[i] != NULL) {
            atomic_store(&x->rrun[i]->cancel, true);
            akti_cancel_fire(&x->rrun[i]->tok);
        }
    }
    pthread_mutex_unlock(&x->rmu);
    for (int i = 0; i < x->nrth; i++) {
        pthread_join(x->rth[i], NULL);
    }
    x->nrth = 0;
}

/* --- operations off the actor's thread -------------------------------------
 *
 * Snapshot saves and deletes and event deletes may wait on a server (or
 * an fsync): they run on the reader threads, never in the actor's turn,
 * and their outcome comes back as an OpResult message (told past a
 * bounded mailbox's capacity) on which the actor's hooks run in its own
 * turn -- Akka's SaveSnapshotSuccess / Failure, DeleteSnapshotsSuccess /
 * Failure, DeleteMessagesSuccess / Failure. The operations of one
 * persistence id form a chain that runs one at a time in the order they
 * were made (a delete never overtakes the save before it; an event delete
 * reaches the journal after every persist the actor queued before it,
 * and the journal keeps that order), at most AKT_PERSIST_MAX_OPS queued.
 * A new incarnation's recovery waits until the chain of its id is empty
 * (an OP_DRAINED at its end), so it reads what the last one saved and
 * deleted. The chains belong to the system, not the actor: an actor that
 * stops still has its saves done (the result goes to dead letters). */

enum { OP_SAVE, OP_DEL_SNAPS, OP_DEL_EVENTS, OP_DRAINED };

typedef struct pop {
    struct pop *next;
    int kind;
    akt_ref self;
    uint64_t epoch;
    uint64_t seq; /* OP_SAVE: at; OP_DEL_EVENTS: up to */
    int64_t ts; /* OP_SAVE: the snapshot's timestamp */
    akt_snapshot_criteria crit; /* OP_DEL_SNAPS */
    void *snap; /* OP_SAVE: one reference */
} pop;

struct pchain {
    pchain *hnext; /* in the table's bucket */
    pchain *qnext; /* in the ready FIFO */
    pop *head, *tail; /* head: the running or next operation */
    size_t n;
    char pid[];
};

/* the outcome of an operation, told to the incarnation that made it */
typedef struct popres {
    uint64_t epoch;
    int32_t kind;
    int32_t rc;
    uint64_t seq;
    akt_snapshot_criteria crit;
} popres;

static const akt_type popres_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.persistence.internal.OpResult",
    .id = 0x5a3c0e91d2b7f14aull, /* private: never leaves the process */
    .size = sizeof(popres),
    .align = _Alignof(popres),
};

static size_t
otab_slot(const char *pid)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)pid; *p; p++) {
        h = (h ^ *p) * 1099511628211ull;
    }
    return (size_t)(h % OTAB_SIZE);
}

/* under rmu */
static pchain **
otab_find(pext *x, const char *pid)
{
    pchain **pp = &x->otab[otab_slot(pid)];
    while (*pp != NULL && strcmp((*pp)->pid, pid) != 0) {
        pp = &(*pp)->hnext;
    }
    return pp;
}

static void
pop_free(pop *o)
{
    if (o->snap != NULL) {
        akt_msg_free(o->snap);
    }
    free(o);
}

/* queue o (consumed on AKT_OK) on pid's chain; only_if_busy: only when the
 * chain has operations (*queued says whether it was queued). Errors:
 * AKT_EFULL (AKT_PERSIST_MAX_OPS queued), AKT_ECLOSED, AKT_ENOMEM. */
static akt_err
pop_queue(pext *x, const char *pid, pop *o, bool only_if_busy, bool *queued)
{
    *queued = false;
    pthread_mutex_lock(&x->rmu);
    akt_err rc = AKT_OK;
    pchain **pp = otab_find(x, pid);
    pchain *c = *pp;
    if (c == NULL && only_if_busy) {
        goto out;
    }
    if ((rc = rreaders_start_locked(x)) != AKT_OK) {
        goto out;
    }
    if (c == NULL) {
        size_t len = strlen(pid);
        c = calloc(1, sizeof(*c) + len + 1);
        if (c == NULL) {
            rc = AKT_ENOMEM;
            goto out;
        }
        memcpy(c->pid, pid, len + 1);
        *pp = c;
    }
    if (c->n >= AKT_PERSIST_MAX_OPS && o->kind != OP_DRAINED) {
        rc = AKT_EFULL;
        goto out;
    }
    o->next = NULL;
    if (c->tail) {
        c->tail->next = o;
    } else {
        c->head = o;
    }
    c->tail = o;
    if (c->n++ == 0) { /* idle: ready to run */
        c->qnext = NULL;
        if (x->ctail) {
            x->ctail->qnext = c;
        } else {
            x->chead = c;
        }
        x->ctail = c;
        pthread_cond_signal(&x->rcv);
    }
    *queued = true;
out:
    pthread_mutex_unlock(&x->rmu);
    return rc;
}

/* run c's head operation (called under rmu with c at the FIFO's front;
 * returns under rmu): off the FIFO, the operation without the lock, its
 * outcome told, then c back at the FIFO's end or, empty, freed */
static void
pchain_step(pext *x, pchain *c)
{
    x->chead = c->qnext;
    if (x->chead == NULL) {
        x->ctail = NULL;
    }
    pop *o = c->head; /* stays queued while it runs: the chain is busy */
    pthread_mutex_unlock(&x->rmu);
    akt_err rc = AKT_OK;
    switch (o->kind) {
    case OP_SAVE:
        rc = akt_snapshot_save(x->s, c->pid, o->seq, o->ts, o->snap);
        break;
    case OP_DEL_SNAPS:
        rc = akt_snapshot_delete_matching(x->s, c->pid, o->crit);
        break;
    case OP_DEL_EVENTS:
        rc = akt_journal_delete_to(x->j, c->pid, o->seq);
        break;
    default: /* OP_DRAINED: every operation before it ran */
        break;
    }
    popres *m = akt_msg_new(&popres_type, 0);
    if (m != NULL) {
        *m = (popres) { o->epoch, o->kind, (int32_t)rc, o->seq, o->crit };
        if (akti_tell_control(o->self, m, AKT_REF_NONE) != AKT_OK) {
            akt_msg_free(m); /* stopped: the operation still happened */
        }
    }
    pthread_mutex_lock(&x->rmu);
    c->head = o->next;
    if (c->head == NULL) {
        c->tail = NULL;
    }
    c->n--;
    pop_free(o);
    if (c->n > 0) {
        c->qnext = NULL; /* behind the other ids' chains: fair */
        if (x->ctail) {
            x->ctail->qnext = c;
        } else {
            x->chead = c;
        }
        x->ctail = c;
    } else {
        *otab_find(x, c->pid) = c->hnext;
        free(c);
    }
}

/* the handler running now on this thread, so akt_persist finds its actor */
struct rfilt;
static void rfilt_free(struct rfilt *f);

static _Thread_local pstate *cur_ps;
static _Thread_local const akt_ctx *cur_ctx;
/* inside a persist callback: the sender of the command that persisted */
static _Thread_local akt_ref cur_sender;
static _Thread_local bool in_callback;

static void
p_write_cb(void *arg, akt_write_status st, akt_err rc)
{
    wr_arg *a = arg;
    pwres *m = akt_msg_new(&pwres_type, 0);
    if (m != NULL) {
        m->epoch = a->epoch;
        m->wid = a->wid;
        m->st = (int32_t)st;
        m->rc = (int32_t)rc;
        if (akti_tell_control(a->self, m, AKT_REF_NONE) != AKT_OK) {
            akt_msg_free(m); /* system gone */
        }
    }
    free(a);
}

static void
pending_free(pending *p)
{
    for (size_t i = 0; i < p->n; i++) {
        akt_msg_free(p->events[i]);
    }
    free(p);
}

/* lifecycle.init: on start and each restart, on a zeroed state; the def
 * is the behaviour's argument, init_arg the props' (def->init_arg unless
 * the spawner set another) */
static akt_err
p_init(void *state, akt_ctx *ctx, const void *init_arg)
{
    pstate *ps = state;
    const akt_persistent_def *def = akt_ctx_behavior_arg(ctx);
    ps->def = def;
    if (def->delivery) {
        /* zero fields: akt.persistence.at-least-once-delivery.* */
        pext *x = pext_get(akt_ctx_system(ctx));
        akt_delivery_options d = x
            ? x->dl
            : (akt_delivery_options) { AKT_SEC(5), 5, 100000, 10000 };
        akt_delivery_options o = *def->delivery;
        o.redeliver_interval_ns = o.redeliver_interval_ns > 0
            ? o.redeliver_interval_ns
            : d.redeliver_interval_ns;
        o.warn_after = o.warn_after ? o.warn_after : d.warn_after;
        o.max_unconfirmed
            = o.max_unconfirmed ? o.max_unconfirmed : d.max_unconfirmed;
        o.burst_limit = o.burst_limit ? o.burst_limit : d.burst_limit;
        ps->dopt = o;
    }
    return def->state_init ? def->state_init(USER(ps), init_arg) : AKT_OK;
}

static void
p_state_fini(void *state)
{
    pstate *ps = state;
    if (ps->def == NULL) {
        return; /* never started */
    }
    if (ps->rr != NULL) {
        rread_cancel(ps->rr); /* stopped during the recovery */
        ps->rr = NULL;
    }
    rfilt_free(ps->flt);
    ps->flt = NULL;
    if (ps->permit == PERMIT_ASKED && ps->x != NULL) {
        permit_drop(ps->x, ps->epoch); /* stopped before it recovered */
        ps->permit = PERMIT_DONE;
    }
    for (pending *p = ps->head, *n; p; p = n) {
        n = p->next;
        pending_free(p);
    }
    ps->head = ps->tail = NULL;
    ps->npending = ps->nstashing = 0;
    for (size_t i = 0; i < ps->ndl; i++) {
        akt_msg_free(ps->dl[i].msg);
        free(ps->dl[i].path);
    }
    free(ps->dl);
    ps->dl = NULL;
    ps->ndl = ps->capdl = 0;
    free(ps->pid);
    ps->pid = NULL;
    if (ps->def->state_fini) {
        ps->def->state_fini(USER(ps));
    }
}

static void
with_ctx(pstate *ps, akt_ctx *ctx, pstate **sp, const akt_ctx **sc)
{
    *sp = cur_ps;
    *sc = cur_ctx;
    cur_ps = ps;
    cur_ctx = ctx;
}

static void
recovery_fail(pstate *ps, akt_ctx *ctx, akt_err rc, const char *why)
{
    akt_ctx_log(ctx, AKT_LOG_ERROR, "recovery of %s failed: %s (%s)",
        ps->pid ? ps->pid : "?", why, akt_err_name(rc));
    if (ps->def->recovery_failed) {
        ps->def->recovery_failed(USER(ps), ctx, rc, why);
    }
    ps->stopped = true;
    /* from pre_start akt_ctx_stop does not end the actor: stop it as an
     * outsider would (after this turn; commands meanwhile are dropped).
     * With no memory for the stop it is owed: the next message retries
     * it (p_dispatch), and fails the actor if it still cannot -- never a
     * live actor that drops every command. */
    akt_err src = akt_stop(akt_ctx_self(ctx));
    if (src != AKT_OK) {
        ps->stop_owed = true;
        akt_ctx_log(ctx, AKT_LOG_ERROR,
            "%s: cannot stop after the failed recovery (%s): retried at the "
            "next message",
            ps->pid ? ps->pid : "?", akt_err_name(src));
    }
}

/* the stop recovery_fail owes: sent now, or the actor fails with the
 * error (its supervisor decides) */
static akt_err
pay_stop(pstate *ps, akt_ctx *ctx)
{
    akt_err rc = akt_stop(akt_ctx_self(ctx));
    if (rc == AKT_OK) {
        ps->stop_owed = false;
    }
    return rc;
}

/* one type: the same descriptor, or another descriptor of the same type
 * (same id), as the core's handler lookup accepts -- a Python module's
 * descriptor and a C extension's of one .akt type in one process */
static bool
same_type(const akt_type *a, const akt_type *b)
{
    return a == b || (a != NULL && b != NULL && a->id == b->id);
}

static bool
is_event_type(const akt_persistent_def *def, const akt_type *t)
{
    if (def->events == NULL) {
        return true;
    }
    for (size_t i = 0; i < def->nevents; i++) {
        if (same_type(def->events[i], t)) {
            return true;
        }
    }
    return false;
}

/* --- the replay filter (Akka's ReplayFilter) -------------------------------
 *
 * Events of a recovery pass a window of up to rf.window_size events
 * before they are applied, so an event of a new writer can still remove
 * the events of the writer it replaced whose numbers it overlaps. The
 * current writer and its last sequence number are followed; a writer
 * replaced by another is "old" (up to max_old_writers remembered). Three
 * cases are issues: the current writer's number going back, an old
 * writer's event, and a new writer whose number is at or below buffered
 * events. REPAIR discards what is wrong (the event; the buffered events
 * the new writer overlaps), FAIL fails the recovery, WARN logs and keeps.
 * Writer 0 (unknown) passes untouched. */

typedef struct fev {
    uint64_t seq, writer;
    void *ev; /* one reference */
} fev;

typedef struct rfilt {
    akt_replay_filter cfg;
    fev *buf; /* ring of cfg.window_size */
    size_t head, n;
    bool have; /* writer is set */
    uint64_t writer, seq;
    uint64_t *old; /* replaced writers, oldest first */
    size_t nold;
    akt_err failed; /* FAIL: AKT_ESTATE once an issue was found */
    bool stopped; /* an apply or the filter failed: nothing more applies */
    char why[200];
} rfilt;

static void
rfilt_free(rfilt *f)
{
    if (f == NULL) {
        return;
    }
    for (size_t i = 0; i < f->n; i++) {
        akt_msg_free(f->buf[(f->head + i) % f->cfg.window_size].ev);
    }
    free(f->buf);
    free(f->old);
    free(f);
}

/* a filter for a recovery starting now (NULL: mode off, or no memory --
 * then the recovery runs unfiltered and *rc says AKT_ENOMEM) */
static rfilt *
rfilt_new(pext *x, akt_err *rc)
{
    pthread_mutex_lock(&x->pmu);
    akt_replay_filter cfg = x->rf;
    pthread_mutex_unlock(&x->pmu);
    *rc = AKT_OK;
    if (cfg.mode == AKT_REPLAY_FILTER_OFF) {
        return NULL;
    }
    rfilt *f = calloc(1, sizeof(*f));
    if (f != NULL) {
        f->cfg = cfg;
        f->buf = malloc(cfg.window_size * sizeof(fev));
        f->old = malloc(cfg.max_old_writers * sizeof(uint64_t));
    }
    if (f == NULL || f->buf == NULL || f->old == NULL) {
        rfilt_free(f);
        *rc = AKT_ENOMEM;
        return NULL;
    }
    return f;
}

static fev *
rfilt_at(rfilt *f, size_t i)
{
    return &f->buf[(f->head + i) % f->cfg.window_size];
}

/* an issue: logged; in FAIL mode the first one fails the recovery */
static void
rfilt_issue(rfilt *f, pstate *ps, akt_ctx *ctx, const char *what, uint64_t seq,
    uint64_t writer, uint64_t seq2, uint64_t writer2)
{
    char text[sizeof f->why];
    snprintf(text, sizeof text,
        "replay filter: %s: event %" PRIu64 " of writer %016" PRIx64
        " against event %" PRIu64 " of writer %016" PRIx64
        " (two writers of one persistence id?)",
        what, seq, writer, seq2, writer2);
    akt_ctx_log(ctx,
        f->cfg.mode == AKT_REPLAY_FILTER_WARN ? AKT_LOG_WARNING : AKT_LOG_ERROR,
        "%s: %s%s", ps->pid, text,
        f->cfg.mode == AKT_REPLAY_FILTER_REPAIR ? "; discarded" : "");
    if (f->cfg.mode == AKT_REPLAY_FILTER_FAIL && f->failed == AKT_OK) {
        f->failed = AKT_ESTATE;
        snprintf(f->why, sizeof f->why, "%s", text);
    }
}

/* apply one event that left the filter (or passed without one); a type
 * that is not the actor's is AKT_ETYPE with why */
static akt_err
replay_event(
    pstate *ps, uint64_t seq, const void *event, char *why, size_t nwhy)
{
    const akt_type *t = akt_msg_type(event);
    if (!is_event_type(ps->def, t)) {
        snprintf(why, nwhy,
            "%s: event %" PRIu64 " is a %s, which is not an event of %s",
            ps->pid, seq, t->name, ps->def->name ? ps->def->name : "?");
        return AKT_ETYPE;
    }
    ps->def->apply(USER(ps), event); /* cur_ps is ps: deliver records */
    ps->applied = seq;
    return AKT_OK;
}

/* the oldest buffered event out and applied */
static akt_err
rfilt_emit(rfilt *f, pstate *ps, char *why, size_t nwhy)
{
    fev e = f->buf[f->head];
    f->head = (f->head + 1) % f->cfg.window_size;
    f->n--;
    akt_err rc = replay_event(ps, e.seq, e.ev, why, nwhy);
    akt_msg_free(e.ev);
    f->stopped = f->stopped || rc != AKT_OK;
    return rc;
}

static void
rfilt_push(rfilt *f, uint64_t seq, uint64_t writer, void *ev)
{
    *rfilt_at(f, f->n) = (fev) { seq, writer, ev };
    f->n++;
}

/* one replayed event (ev: a reference, consumed) into the filter; what
 * leaves the window is applied. AKT_OK, or the recovery's failure (why) */
static akt_err
rfilt_feed(rfilt *f, pstate *ps, akt_ctx *ctx, uint64_t seq, uint64_t writer,
    void *ev, char *why, size_t nwhy)
{
    akt_err rc = AKT_OK;
    if (f->n == f->cfg.window_size
        && (rc = rfilt_emit(f, ps, why, nwhy)) != AKT_OK) {
        akt_msg_free(ev);
        return rc;
    }
    bool repair = f->cfg.mode == AKT_REPLAY_FILTER_REPAIR;
    bool old = false;
    for (size_t i = 0; writer != 0 && i < f->nold; i++) {
        old = old || f->old[i] == writer;
    }
    if (writer == 0) {
        rfilt_push(f, seq, writer, ev); /* unknown writer: passes */
    } else if (f->have && writer == f->writer) {
        if (seq < f->seq) {
            rfilt_issue(f, ps, ctx, "a writer's numbers go back", seq, writer,
                f->seq, f->writer);
            if (repair) {
                akt_msg_free(ev);
            } else {
                rfilt_push(f, seq, writer, ev);
            }
        } else {
            rfilt_push(f, seq, writer, ev);
            f->seq = seq;
        }
    } else if (old) {
        rfilt_issue(f, ps, ctx, "an old writer wrote after a newer one", seq,
            writer, f->seq, f->writer);
        if (repair) {
            akt_msg_free(ev);
        } else {
            rfilt_push(f, seq, writer, ev);
        }
    } else { /* a new writer */
        if (f->have) {
            if (f->nold == f->cfg.max_old_writers) {
                memmove(f->old, f->old + 1, (f->nold - 1) * sizeof(*f->old));
                f->nold--; /* the oldest is forgotten */
            }
            f->old[f->nold++] = f->writer;
        }
        f->have = true;
        f->writer = writer;
        f->seq = seq;
        size_t keep = 0;
        for (size_t i = 0; i < f->n; i++) {
            fev e = *rfilt_at(f, i);
            if (e.writer != 0 && e.seq >= seq) {
                rfilt_issue(f, ps, ctx,
                    "a new writer's numbers overlap an older writer's", e.seq,
                    e.writer, seq, writer);
                if (repair) {
                    akt_msg_free(e.ev);
                    continue;
                }
            }
            *rfilt_at(f, keep++) = e;
        }
        f->n = keep;
        rfilt_push(f, seq, writer, ev);
    }
    if (f->failed != AKT_OK) {
        snprintf(why, nwhy, "%s: %s", ps->pid, f->why);
        f->stopped = true;
        return f->failed;
    }
    return AKT_OK;
}

/* the replay ended: every buffered event applied, in order (also when the
 * journal's read failed, as Akka sends what it buffered before the
 * failure; not after a failed apply or the filter's own failure) */
static akt_err
rfilt_flush(rfilt *f, pstate *ps, char *why, size_t nwhy)
{
    akt_err rc = AKT_OK;
    while (f != NULL && !f->stopped && f->n > 0 && rc == AKT_OK) {
        rc = rfilt_emit(f, ps, why, nwhy);
    }
    return rc;
}

typedef struct replay_arg {
    pstate *ps;
    akt_ctx *ctx;
    akt_persist_error *err;
} replay_arg;

static akt_err
replay_apply(void *arg, const akt_prepr *rec, const void *event)
{
    replay_arg *ra = arg;
    pstate *ps = ra->ps;
    if (ps->flt == NULL) {
        return replay_event(
            ps, rec->seq, event, ra->err->text, sizeof ra->err->text);
    }
    return rfilt_feed(ps->flt, ps, ra->ctx, rec->seq, rec->writer,
        akt_msg_retain((void *)event), ra->err->text, sizeof ra->err->text);
}

static void redeliver(pstate *ps, akt_ctx *ctx);

/* the redelivery tick (at-least-once delivery), every half interval */
typedef struct ptick {
    uint64_t epoch;
} ptick;

static const akt_type ptick_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.persistence.internal.RedeliveryTick",
    .id = 0x5a3c0e91d2b7f147ull, /* private: never leaves the process */
    .size = sizeof(ptick),
    .align = _Alignof(ptick),
};
#define PTICK_TIMER_KEY 0x616b742d726564ull /* "akt-red" */

static akt_err recover(pstate *ps, akt_ctx *ctx);

/* a writer id for a new incarnation: random (two processes, two nodes, a
 * restart: ids differ), never 0 (unknown) */
static uint64_t
writer_id(uint64_t epoch)
{
    uint64_t w = 0;
    if (getrandom(&w, sizeof w, 0) != (ssize_t)sizeof w) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        w = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec)
            ^ ((uint64_t)getpid() << 40) ^ epoch;
    }
    w ^= epoch * 0x9e3779b97f4a7c15ull; /* distinct within one process */
    return w ? w : 1;
}

/* pre_start: ask the permitter for a recovery permit; commands are
 * stashed until the recovery ran (on_permit) */
static akt_err
p_pre_start(void *state, akt_ctx *ctx)
{
    pstate *ps = state;
    ps->x = pext_get(akt_ctx_system(ctx));
    ps->awaiting = true;
    if (ps->x == NULL) {
        recovery_fail(ps, ctx, AKT_ENOENT,
            "no persistence on this system (akt_persistence_start)");
        return AKT_OK;
    }
    ps->epoch = atomic_fetch_add(&ps->x->epochs, 1) + 1;
    ps->writer = writer_id(ps->epoch);
    akt_err rc = permit_ask(ps->x, akt_ctx_self(ctx), ps->epoch);
    if (rc == AKT_OK) {
        ps->permit = PERMIT_ASKED;
    }
    return rc;
}

/* the recovery ended (rc: AKT_OK, or an error the turn returns; a failed
 * recovery has stopped the actor): the permit back, then the redelivery of
 * what is unconfirmed and the commands stashed meanwhile */
static akt_err
recovery_end(pstate *ps, akt_ctx *ctx, akt_err rc)
{
    if (ps->rr != NULL) {
        rread_unref(ps->rr);
        ps->rr = NULL;
    }
    ps->recovering = false;
    ps->permit = PERMIT_DONE;
    permit_release(ps->x);
    ps->awaiting = false;
    if (rc == AKT_OK && !ps->stopped && ps->def->delivery) {
        pstate *sp;
        const akt_ctx *sc;
        with_ctx(ps, ctx, &sp, &sc);
        int64_t half = ps->dopt.redeliver_interval_ns / 2;
        ptick *t = akt_msg_new(&ptick_type, 0);
        if (t == NULL) {
            rc = AKT_ENOMEM;
        } else if ((rc = akt_timer_start_periodic(
                        ctx, PTICK_TIMER_KEY, t, half, half))
            != AKT_OK) {
            akt_msg_free(t);
        } else {
            redeliver(ps, ctx); /* what recovery recorded: at once */
        }
        cur_ps = sp;
        cur_ctx = sc;
    }
    if (rc == AKT_OK && !ps->stopped && ps->nstashing == 0) {
        akt_unstash_all(ctx);
    }
    return rc;
}

static akt_err recovery_pid(pstate *ps, akt_ctx *ctx);
static void recovery_complete(pstate *ps, akt_ctx *ctx, uint64_t highest);

/* the permit came: recovery with this actor current (apply and
 * snapshot_offer may record deliveries). LMDB reads inline, in this turn;
 * other journals' reads go to the reader threads (on_chunk) */
static akt_err recovery_start(pstate *ps, akt_ctx *ctx);

static akt_err
on_permit(pstate *ps, akt_ctx *ctx, const ppermit *m)
{
    if (m->epoch != ps->epoch || ps->permit != PERMIT_ASKED) {
        return AKT_OK; /* an earlier incarnation's (it gave it back) */
    }
    akt_err rc = recovery_pid(ps, ctx);
    if (rc != AKT_OK || ps->stopped) {
        return recovery_end(ps, ctx, rc);
    }
    /* an earlier incarnation's snapshot saves and deletes of this id
     * complete first: the recovery reads what they left */
    pop *o = calloc(1, sizeof(*o));
    if (o == NULL) {
        return recovery_end(ps, ctx, AKT_ENOMEM);
    }
    *o = (pop) {
        .kind = OP_DRAINED, .self = akt_ctx_self(ctx), .epoch = ps->epoch
    };
    bool queued;
    rc = pop_queue(ps->x, ps->pid, o, true, &queued);
    if (!queued) {
        free(o);
    }
    if (rc != AKT_OK) {
        recovery_fail(ps, ctx, rc, "cannot wait for the id's operations");
        return recovery_end(ps, ctx, AKT_OK);
    }
    if (queued) {
        ps->draining = true;
        return AKT_OK; /* recovery_start on the OpResult */
    }
    return recovery_start(ps, ctx);
}

static akt_err
recovery_start(pstate *ps, akt_ctx *ctx)
{
    if (atomic_load(&ps->x->async_reads)) {
        const akt_persistent_def *def = ps->def;
        rread *r = calloc(1, sizeof(*r));
        char *pid = r ? strdup(ps->pid) : NULL;
        if (pid == NULL) {
            free(r);
            return recovery_end(ps, ctx, AKT_ENOMEM);
        }
        atomic_init(&r->refs, 1);
        atomic_init(&r->cancel, false);
        akti_cancel_init(&r->tok);
        r->x = ps->x;
        r->sys = akt_ctx_system(ctx);
        r->self = akt_ctx_self(ctx);
        r->epoch = ps->epoch;
        r->pid = pid;
        r->want_snapshot = ps->x->s != NULL && def->snapshot_offer != NULL;
        r->to = def->recovery_to_seq ? def->recovery_to_seq : UINT64_MAX;
        r->max
            = def->recovery_replay_max ? def->recovery_replay_max : UINT64_MAX;
        ps->rr = r;
        akt_err rc = rread_submit(r);
        if (rc != AKT_OK) {
            recovery_fail(ps, ctx, rc, "cannot queue the recovery's reads");
            return recovery_end(ps, ctx, AKT_OK);
        }
        return AKT_OK; /* the chunks come as messages */
    }
    pstate *sp;
    const akt_ctx *sc;
    with_ctx(ps, ctx, &sp, &sc);
    ps->recovering = true;
    akt_err rc = recover(ps, ctx);
    cur_ps = sp;
    cur_ctx = sc;
    return recovery_end(ps, ctx, rc);
}

/* one chunk of an asynchronous recovery: the snapshot (first chunk), the
 * events in order; the next read is queued only now (back-pressure); the
 * last chunk completes the recovery */
static akt_err
on_chunk(pstate *ps, akt_ctx *ctx, const pchunk *m)
{
    if (m->epoch != ps->epoch || ps->rr == NULL || ps->stopped) {
        return AKT_OK; /* an earlier incarnation's */
    }
    const akt_persistent_def *def = ps->def;
    rbatch *b = m->b;
    pstate *sp;
    const akt_ctx *sc;
    with_ctx(ps, ctx, &sp, &sc);
    ps->recovering = true;
    akt_err fail = AKT_OK;
    char why[sizeof(b->text)];
    why[0] = '\0';
    if (b->first) {
        ps->rhighest = b->highest;
        rfilt_free(ps->flt);
        ps->flt = rfilt_new(ps->x, &fail);
        if (fail != AKT_OK) {
            snprintf(why, sizeof why, "no memory for the replay filter");
        }
        if (b->snap != NULL && def->snapshot_type
            && !same_type(akt_msg_type(b->snap), def->snapshot_type)) {
            snprintf(why, sizeof why,
                "%s: snapshot %" PRIu64 " is a %s, not a %s", ps->pid,
                b->snap_seq, akt_msg_type(b->snap)->name,
                def->snapshot_type->name);
            fail = AKT_ETYPE;
        } else if (b->snap != NULL && fail == AKT_OK) {
            def->snapshot_offer(USER(ps), b->snap_seq, b->snap);
            ps->applied = b->snap_seq;
        }
    }
    for (size_t i = 0; fail == AKT_OK && i < b->n; i++) {
        fail = ps->flt
            ? rfilt_feed(ps->flt, ps, ctx, b->evs[i].seq, b->evs[i].writer,
                akt_msg_retain(b->evs[i].ev), why, sizeof why)
            : replay_event(ps, b->evs[i].seq, b->evs[i].ev, why, sizeof why);
    }
    if (fail == AKT_OK && b->rc == AKT_OK && b->last) {
        fail = rfilt_flush(ps->flt, ps, why, sizeof why);
    } else if (fail == AKT_OK && b->rc != AKT_OK) {
        char ignored[sizeof why]; /* the read's error stands */
        rfilt_flush(ps->flt, ps, ignored, sizeof ignored);
    }
    if (fail != AKT_OK || b->rc != AKT_OK || b->last) {
        rfilt_free(ps->flt);
        ps->flt = NULL;
    }
    cur_ps = sp;
    cur_ctx = sc;
    if (fail == AKT_OK && b->rc != AKT_OK) {
        fail = b->rc;
        snprintf(why, sizeof why, "%s", b->text);
    }
    if (fail != AKT_OK) {
        recovery_fail(ps, ctx, fail, why);
        return recovery_end(ps, ctx, AKT_OK);
    }
    if (!b->last) {
        akt_err rc = rread_submit(ps->rr);
        if (rc != AKT_OK) {
            recovery_fail(ps, ctx, rc, "cannot queue the recovery's reads");
            return recovery_end(ps, ctx, AKT_OK);
        }
        return AKT_OK;
    }
    recovery_complete(ps, ctx, ps->rhighest);
    return recovery_end(ps, ctx, AKT_OK);
}

/* the persistence id: the prefix and the actor's name */
static akt_err
recovery_pid(pstate *ps, akt_ctx *ctx)
{
    char path[512];
    if (akt_ref_path(akt_ctx_self(ctx), path, sizeof(path)) != AKT_OK) {
        recovery_fail(ps, ctx, AKT_ERANGE, "actor path too long");
        return AKT_OK;
    }
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    const char *prefix = ps->def->id_prefix ? ps->def->id_prefix : "";
    size_t lp = strlen(prefix), ln = strlen(name);
    free(ps->pid);
    ps->pid = malloc(lp + ln + 1);
    if (ps->pid == NULL) {
        return AKT_ENOMEM;
    }
    memcpy(ps->pid, prefix, lp);
    memcpy(ps->pid + lp, name, ln + 1);
    return AKT_OK;
}

/* both paths: the sequence numbers, then the user's hook */
static void
recovery_complete(pstate *ps, akt_ctx *ctx, uint64_t highest)
{
    ps->seq = highest > ps->applied ? highest : ps->applied;
    ps->recovering = false; /* recovery_completed may deliver and persist */
    if (ps->def->recovery_completed) {
        pstate *sp;
        const akt_ctx *sc;
        with_ctx(ps, ctx, &sp, &sc);
        ps->def->recovery_completed(USER(ps), ctx, ps->seq);
        cur_ps = sp;
        cur_ctx = sc;
    }
}

static akt_err
recover(pstate *ps, akt_ctx *ctx)
{
    const akt_persistent_def *def = ps->def;
    akt_system *sys = akt_ctx_system(ctx);
    akt_err prc = recovery_pid(ps, ctx);
    if (prc != AKT_OK || ps->stopped) {
        return prc;
    }
    akt_persist_error perr = { "" };
    uint64_t to = def->recovery_to_seq ? def->recovery_to_seq : UINT64_MAX;
    uint64_t from = 0;
    if (ps->x->s != NULL && def->snapshot_offer != NULL) {
        akt_snapshot_criteria c = akt_snapshot_latest();
        c.max_seq = to;
        akt_snapshot_meta meta;
        void *snap = NULL;
        akt_err rc
            = akt_snapshot_load(ps->x->s, sys, ps->pid, c, &meta, &snap, &perr);
        if (rc == AKT_OK && def->snapshot_type
            && !same_type(akt_msg_type(snap), def->snapshot_type)) {
            akti_perr(&perr, "%s: snapshot %" PRIu64 " is a %s, not a %s",
                ps->pid, meta.seq, akt_msg_type(snap)->name,
                def->snapshot_type->name);
            akt_msg_free(snap);
            recovery_fail(ps, ctx, AKT_ETYPE, perr.text);
            return AKT_OK;
        }
        if (rc == AKT_OK) {
            def->snapshot_offer(USER(ps), meta.seq, snap);
            akt_msg_free(snap);
            from = ps->applied = meta.seq;
        } else if (rc != AKT_ENOENT) {
            recovery_fail(ps, ctx, rc, perr.text);
            return AKT_OK;
        }
    }
    uint64_t highest = 0;
    akt_err rc = akt_journal_highest(ps->x->j, ps->pid, &highest);
    if (rc != AKT_OK) {
        recovery_fail(ps, ctx, rc, "cannot read the highest sequence number");
        return AKT_OK;
    }
    uint64_t upto = highest < to ? highest : to;
    uint64_t max
        = def->recovery_replay_max ? def->recovery_replay_max : UINT64_MAX;
    if (upto > from) {
        akt_err frc;
        rfilt_free(ps->flt);
        ps->flt = rfilt_new(ps->x, &frc);
        if (frc != AKT_OK) {
            recovery_fail(ps, ctx, frc, "no memory for the replay filter");
            return AKT_OK;
        }
        replay_arg ra = { ps, ctx, &perr };
        rc = akt_journal_replay(ps->x->j, sys, ps->pid, from + 1, upto, max,
            replay_apply, &ra, &perr);
        if (rc == AKT_OK) {
            rc = rfilt_flush(ps->flt, ps, perr.text, sizeof perr.text);
        } else {
            char ignored[sizeof perr.text]; /* the read's error stands */
            rfilt_flush(ps->flt, ps, ignored, sizeof ignored);
        }
        rfilt_free(ps->flt);
        ps->flt = NULL;
        if (rc != AKT_OK) {
            recovery_fail(ps, ctx, rc, perr.text);
            return AKT_OK;
        }
    }
    recovery_complete(ps, ctx, highest);
    return AKT_OK;
}

static void
p_post_stop(void *state, akt_ctx *ctx)
{
    pstate *ps = state;
    if (ps->def->post_stop) {
        ps->def->post_stop(USER(ps), ctx);
    }
}

/* queue a save of snap (borrowed) at ps->applied: AKT_OK, or why not */
static akt_err
snapshot_queue(pstate *ps, akt_ctx *ctx, const void *snap)
{
    pop *o = malloc(sizeof(*o));
    if (o == NULL) {
        return AKT_ENOMEM;
    }
    *o = (pop) { .kind = OP_SAVE,
        .self = akt_ctx_self(ctx),
        .epoch = ps->epoch,
        .seq = ps->applied,
        .ts = akti_persist_now_ms(),
        .snap = akt_msg_retain((void *)snap) };
    bool queued;
    akt_err rc = pop_queue(ps->x, ps->pid, o, false, &queued);
    if (rc != AKT_OK) {
        pop_free(o);
    }
    return rc;
}

/* a snapshot that def->snapshot_take builds from the state, saved at the
 * last applied sequence number off this thread; the hooks hear how it
 * went (on_op), or at once when it cannot be queued */
static void
auto_snapshot(pstate *ps, akt_ctx *ctx)
{
    const akt_persistent_def *def = ps->def;
    if (ps->x->s == NULL) {
        return;
    }
    void *snap = def->snapshot_take(USER(ps));
    if (snap == NULL) {
        return;
    }
    akt_err rc = def->snapshot_type
            && !same_type(akt_msg_type(snap), def->snapshot_type)
        ? AKT_ETYPE
        : snapshot_queue(ps, ctx, snap);
    akt_msg_free(snap);
    if (rc != AKT_OK) {
        akt_ctx_log(ctx, AKT_LOG_WARNING,
            "%s: snapshot at %" PRIu64 " failed: %s", ps->pid, ps->applied,
            akt_strerror(rc));
        if (def->snapshot_failed) {
            pstate *sp;
            const akt_ctx *sc;
            with_ctx(ps, ctx, &sp, &sc);
            def->snapshot_failed(USER(ps), ctx, ps->applied, rc);
            cur_ps = sp;
            cur_ctx = sc;
        }
    }
}

/* the outcome of a snapshot save or delete or an event delete: the hooks,
 * in the actor's turn; OP_DRAINED starts the recovery that waited */
static akt_err
on_op(pstate *ps, akt_ctx *ctx, const popres *m)
{
    if (m->epoch != ps->epoch) {
        return AKT_OK; /* an earlier incarnation's */
    }
    if (m->kind == OP_DRAINED) {
        if (!ps->draining || ps->permit != PERMIT_ASKED) {
            return AKT_OK;
        }
        ps->draining = false;
        return recovery_start(ps, ctx);
    }
    if (ps->stopped) {
        return AKT_OK;
    }
    const akt_persistent_def *def = ps->def;
    akt_err rc = (akt_err)m->rc;
    pstate *sp;
    const akt_ctx *sc;
    with_ctx(ps, ctx, &sp, &sc);
    if (m->kind == OP_SAVE) {
        if (rc == AKT_OK) {
            if (def->snapshot_saved) {
                def->snapshot_saved(USER(ps), ctx, m->seq);
            }
        } else {
            akt_ctx_log(ctx, AKT_LOG_WARNING,
                "%s: snapshot at %" PRIu64 " failed: %s", ps->pid, m->seq,
                akt_strerror(rc));
            if (def->snapshot_failed) {
                def->snapshot_failed(USER(ps), ctx, m->seq, rc);
            }
        }
    } else if (m->kind == OP_DEL_EVENTS) {
        if (rc == AKT_OK) {
            if (def->events_deleted) {
                def->events_deleted(USER(ps), ctx, m->seq);
            }
        } else {
            akt_ctx_log(ctx, AKT_LOG_WARNING,
                "%s: deleting events up to %" PRIu64 " failed: %s", ps->pid,
                m->seq, akt_strerror(rc));
            if (def->events_delete_failed) {
                def->events_delete_failed(USER(ps), ctx, m->seq, rc);
            }
        }
    } else if (rc == AKT_OK) {
        if (def->snapshots_deleted) {
            def->snapshots_deleted(USER(ps), ctx, m->crit);
        }
    } else {
        akt_ctx_log(ctx, AKT_LOG_WARNING, "%s: deleting snapshots failed: %s",
            ps->pid, akt_strerror(rc));
        if (def->snapshots_delete_failed) {
            def->snapshots_delete_failed(USER(ps), ctx, m->crit, rc);
        }
    }
    cur_ps = sp;
    cur_ctx = sc;
    return AKT_OK;
}

static akt_err
on_result(pstate *ps, akt_ctx *ctx, const pwres *m)
{
    if (m->epoch != ps->epoch || ps->head == NULL || ps->stopped) {
        return AKT_OK; /* an earlier incarnation's, or after a failure */
    }
    pending *p = ps->head;
    if (p->wid != m->wid) {
        akt_ctx_log(ctx, AKT_LOG_ERROR,
            "%s: write result %" PRIu64 " out of order (expected %" PRIu64 ")",
            ps->pid, m->wid, p->wid);
        return AKT_EINTERNAL;
    }
    ps->head = p->next;
    if (ps->head == NULL) {
        ps->tail = NULL;
    }
    ps->npending--;
    if (!p->async) {
        ps->nstashing--;
    }
    const akt_persistent_def *def = ps->def;
    if (m->st == AKT_WRITE_OK) {
        bool snap = false;
        for (size_t i = 0; i < p->n; i++) {
            uint64_t seq = p->first_seq + i;
            pstate *ap;
            const akt_ctx *ac;
            with_ctx(ps, ctx, &ap, &ac); /* apply may deliver / confirm */
            def->apply(USER(ps), p->events[i]);
            cur_ps = ap;
            cur_ctx = ac;
            ps->applied = seq;
            snap = snap
                || (def->snapshot_every && seq % def->snapshot_every == 0)
                || (def->snapshot_when
                    && def->snapshot_when(USER(ps), p->events[i], seq));
            if (p->done || p->tramp) {
                pstate *sp;
                const akt_ctx *sc;
                with_ctx(ps, ctx, &sp, &sc);
                cur_sender = p->sender;
                in_callback = true;
                if (p->tramp) {
                    p->tramp(USER(ps), ctx, p->events[i], p->fn, p->arg);
                } else {
                    p->done(USER(ps), ctx, p->events[i], p->arg);
                }
                in_callback = false;
                cur_ps = sp;
                cur_ctx = sc;
            }
        }
        if (snap && def->snapshot_take && !ps->stopped) {
            auto_snapshot(ps, ctx);
        }
    } else if (m->st == AKT_WRITE_REJECTED) {
        akt_ctx_log(ctx, AKT_LOG_WARNING,
            "%s: journal rejected events %" PRIu64 "..%" PRIu64 ": %s", ps->pid,
            p->first_seq, p->first_seq + p->n - 1,
            akt_strerror((akt_err)m->rc));
        if (def->persist_rejected) {
            def->persist_rejected(USER(ps), ctx, (akt_err)m->rc, p->events[0]);
        }
    } else {
        akt_ctx_log(ctx, AKT_LOG_ERROR,
            "%s: journal failed to store events %" PRIu64 "..%" PRIu64
            ": %s; stopping",
            ps->pid, p->first_seq, p->first_seq + p->n - 1,
            akt_strerror((akt_err)m->rc));
        if (def->persist_failed) {
            def->persist_failed(USER(ps), ctx, (akt_err)m->rc, p->events[0]);
        }
        ps->stopped = true;
        pending_free(p);
        /* stopping oneself only marks the cell: it cannot fail */
        (void)akt_ctx_stop(ctx, akt_ctx_self(ctx));
        return AKT_OK;
    }
    pending_free(p);
    if (ps->nstashing == 0 && !ps->stopped) {
        akt_unstash_all(ctx);
    }
    return AKT_OK;
}

static akt_err
p_dispatch(void *state, akt_ctx *ctx, const void *msg)
{
    pstate *ps = state;
    if (ps->stop_owed) {
        akt_err rc = pay_stop(ps, ctx);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    const akt_type *t = akt_msg_type(msg);
    if (t == &ppermit_type) {
        return on_permit(ps, ctx, msg);
    }
    if (t == &pchunk_type) {
        return on_chunk(ps, ctx, msg);
    }
    if (t == &pwres_type) {
        return on_result(ps, ctx, msg);
    }
    if (t == &popres_type) {
        return on_op(ps, ctx, msg);
    }
    if (t == &ptick_type) {
        if (!ps->stopped) {
            redeliver(ps, ctx);
        }
        return AKT_OK;
    }
    if (ps->stopped) {
        return AKT_OK;
    }
    if (ps->nstashing > 0 || ps->awaiting) {
        /* no command runs before the recovery, nor between a persist and
         * its callback */
        akt_err rc = akt_stash(ctx);
        if (rc == AKT_EFULL) {
            akt_ctx_log(ctx, AKT_LOG_WARNING,
                "%s: stash full while %s; a %s is dropped",
                ps->pid ? ps->pid : "?",
                ps->awaiting ? "recovering" : "persisting", t->name);
            akt_reply_error_text(
                ctx, AKT_EFULL, "persistent actor %s: stash full", ps->pid);
            return AKT_OK;
        }
        return rc;
    }
    const akt_persistent_def *def = ps->def;
    akt_handler_fn fn = def->unhandled;
    for (size_t i = 0; i < def->ncommands; i++) {
        if (same_type(def->commands[i].type, t)) {
            fn = def->commands[i].fn;
            break;
        }
    }
    if (fn == NULL) {
        return akt_system_publish_dead_letter(akt_ctx_system(ctx),
            akt_ctx_self(ctx), akt_msg_retain(msg), AKT_EUNHANDLED);
    }
    pstate *sp;
    const akt_ctx *sc;
    with_ctx(ps, ctx, &sp, &sc);
    akt_err rc = fn(USER(ps), ctx, msg);
    cur_ps = sp;
    cur_ctx = sc;
    return rc;
}

static const akt_behavior p_behavior = {
    .name = "persistent",
    .handlers = NULL,
    .nhandlers = 0,
    .unhandled = p_dispatch,
};

static const akt_lifecycle p_lifecycle = {
    .pre_start = p_pre_start,
    .post_stop = p_post_stop,
    .init = p_init,
};

akt_err
akt_persistent_props(const akt_persistent_def *def, akt_props *out)
{
    if (def == NULL || def->apply == NULL || out == NULL
        || (def->ncommands && def->commands == NULL)) {
        return AKT_EINVAL;
    }
    *out = (akt_props) {
        .behavior = &p_behavior,
        .behavior_arg = def,
        .lifecycle = &p_lifecycle,
        .state_size = USER_OFF + def->state_size,
        .state_fini = p_state_fini,
        .init_arg = def->init_arg,
        .dispatcher = def->dispatcher,
        .mailbox = def->mailbox,
        .supervisor = def->supervisor,
    };
    return AKT_OK;
}

static pstate *
current(const akt_ctx *ctx)
{
    return ctx != NULL && cur_ctx == ctx ? cur_ps : NULL;
}

static akt_err
persist_core(akt_ctx *ctx, void *const *events, size_t n, unsigned flags,
    akt_persist_fn done, akt_persist_tramp tramp, void (*fn)(void), void *arg)
{
    pstate *ps = current(ctx);
    if (ps == NULL || ps->stopped || ps->x == NULL) {
        return AKT_ESTATE;
    }
    if (events == NULL || n == 0) {
        return AKT_EINVAL;
    }
    const akt_persistent_def *def = ps->def;
    pending *p = malloc(sizeof(*p) + n * sizeof(void *));
    akt_jevent *jev = calloc(n, sizeof(*jev));
    bool tags = def->tagger || def->tags_of;
    const char **tagv
        = tags ? calloc(n * AKT_PERSIST_MAX_TAGS, sizeof(*tagv)) : NULL;
    wr_arg *wa = malloc(sizeof(*wa));
    akt_err rc = AKT_ENOMEM;
    if (p == NULL || jev == NULL || wa == NULL || (tags && !tagv)) {
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        if (events[i] == NULL) {
            rc = AKT_EINVAL;
            goto fail;
        }
        if (!is_event_type(def, akt_msg_type(events[i]))) {
            rc = AKT_ETYPE;
            goto fail;
        }
        jev[i].msg = events[i];
        jev[i].writer = ps->writer;
        if (def->tags_of || def->tagger) {
            const char **tv = tagv + i * AKT_PERSIST_MAX_TAGS;
            jev[i].tags = tv;
            jev[i].ntags = def->tags_of
                ? def->tags_of(USER(ps), events[i], tv, AKT_PERSIST_MAX_TAGS)
                : def->tagger(events[i], tv, AKT_PERSIST_MAX_TAGS);
        }
    }
    p->wid = ++ps->next_wid;
    p->first_seq = ps->seq + 1;
    p->done = done;
    p->tramp = tramp;
    p->fn = fn;
    p->arg = arg;
    p->async = (flags & AKT_PERSIST_ASYNC) != 0;
    p->n = n;
    p->next = NULL;
    /* a persist from a callback answers the same asker */
    p->sender = in_callback ? cur_sender : akt_ctx_sender(ctx);
    *wa = (wr_arg) { akt_ctx_self(ctx), ps->epoch, p->wid };
    rc = akt_journal_write(
        ps->x->j, ps->pid, p->first_seq, jev, n, p_write_cb, wa);
    if (rc != AKT_OK) {
        ps->next_wid--;
        goto fail;
    }
    /* from here the write is queued: its callback owns wa */
    memcpy(p->events, events, n * sizeof(void *));
    ps->seq += n;
    if (ps->tail) {
        ps->tail->next = p;
    } else {
        ps->head = p;
    }
    ps->tail = p;
    ps->npending++;
    if (!p->async) {
        ps->nstashing++;
    }
    free(jev);
    free(tagv);
    return AKT_OK;
fail:
    free(p);
    free(jev);
    free(tagv);
    free(wa);
    return rc;
}

akt_err
akt_persist_all(
    akt_ctx *ctx, void *const *events, size_t n, akt_persist_fn done, void *arg)
{
    return persist_core(ctx, events, n, 0, done, NULL, NULL, arg);
}

akt_err
akt_persist(akt_ctx *ctx, void *event, akt_persist_fn done, void *arg)
{
    return persist_core(ctx, &event, 1, 0, done, NULL, NULL, arg);
}

akt_err
akt_persist_all_async(
    akt_ctx *ctx, void *const *events, size_t n, akt_persist_fn done, void *arg)
{
    return persist_core(
        ctx, events, n, AKT_PERSIST_ASYNC, done, NULL, NULL, arg);
}

akt_err
akt_persist_async(akt_ctx *ctx, void *event, akt_persist_fn done, void *arg)
{
    return persist_core(
        ctx, &event, 1, AKT_PERSIST_ASYNC, done, NULL, NULL, arg);
}

akt_err
akt_persist_gen(akt_ctx *ctx, void *const *events, size_t n, unsigned flags,
    akt_persist_tramp tramp, void (*fn)(void), void *arg)
{
    if (flags & ~AKT_PERSIST_ASYNC) {
        return AKT_EINVAL;
    }
    return persist_core(ctx, events, n, flags, NULL, tramp, fn, arg);
}

akt_ref
akt_persistent_sender(const akt_ctx *ctx)
{
    pstate *ps = current(ctx);
    if (ps == NULL) {
        return ctx ? akt_ctx_sender(ctx) : AKT_REF_NONE;
    }
    return in_callback ? cur_sender : akt_ctx_sender(ctx);
}

static bool
in_persist_callback(const akt_ctx *ctx)
{
    return current(ctx) != NULL && in_callback;
}

akt_err
akt_persistent_reply(akt_ctx *ctx, void *msg)
{
    if (ctx == NULL || msg == NULL) {
        return AKT_EINVAL;
    }
    if (!in_persist_callback(ctx)) {
        return akt_reply(ctx, msg);
    }
    if (akt_ref_is_none(cur_sender)) {
        akt_msg_free(msg); /* told, not asked: as akt_reply */
        return AKT_OK;
    }
    return akt_tell(cur_sender, msg, akt_ctx_self(ctx));
}

akt_err
akt_persistent_reply_error_text(
    akt_ctx *ctx, akt_err code, const char *fmt, ...)
{
    if (ctx == NULL || code == AKT_OK || fmt == NULL) {
        return AKT_EINVAL;
    }
    char text[AKT_STATUS_TEXT_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len >= sizeof text) {
        len = sizeof text - 1;
        while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80) {
            len--; /* never half a UTF-8 character */
        }
        text[len] = '\0';
    }
    if (!in_persist_callback(ctx)) {
        return akt_reply_error_text(ctx, code, "%s", text);
    }
    if (akt_ref_is_none(cur_sender)) {
        return AKT_OK;
    }
    akt_Status *st = akt_msg_new(&akt_status_type, len + 1);
    if (st == NULL) {
        return AKT_ENOMEM;
    }
    st->code = (int32_t)code;
    akt_err rc
        = len ? akt_arena_str(akt_msg_arena(st), text, len, &st->text) : AKT_OK;
    if (rc == AKT_OK) {
        rc = akt_tell(cur_sender, st, akt_ctx_self(ctx));
    }
    if (rc != AKT_OK) {
        akt_msg_free(st);
    }
    return rc;
}

const char *
akt_persistent_id(const akt_ctx *ctx)
{
    pstate *ps = current(ctx);
    return ps && ps->pid ? ps->pid : "";
}

uint64_t
akt_persistent_last_seq(const akt_ctx *ctx)
{
    pstate *ps = current(ctx);
    return ps ? ps->seq : 0;
}

size_t
akt_persistent_pending(const akt_ctx *ctx)
{
    pstate *ps = current(ctx);
    return ps ? ps->npending : 0;
}

akt_err
akt_persistent_save_snapshot(akt_ctx *ctx, const void *snapshot)
{
    pstate *ps = current(ctx);
    if (ps == NULL || ps->x == NULL || ps->pid == NULL) {
        return AKT_ESTATE;
    }
    if (ps->x->s == NULL) {
        return AKT_ENOENT;
    }
    if (snapshot == NULL) {
        return AKT_EINVAL;
    }
    if (ps->def->snapshot_type
        && !same_type(akt_msg_type(snapshot), ps->def->snapshot_type)) {
        return AKT_ETYPE;
    }
    return snapshot_queue(ps, ctx, snapshot);
}

/* op_queue_new -- a copy of op (kind and its arguments; the actor and
 * epoch filled in here) queued on the actor's chain; AKT_ENOMEM or the
 * queue's refusal, nothing queued then */
static akt_err
op_queue_new(akt_ctx *ctx, pstate *ps, pop op)
{
    pop *o = malloc(sizeof(*o));
    if (o == NULL) {
        return AKT_ENOMEM;
    }
    *o = op;
    o->self = akt_ctx_self(ctx);
    o->epoch = ps->epoch;
    bool queued;
    akt_err rc = pop_queue(ps->x, ps->pid, o, false, &queued);
    if (rc != AKT_OK) {
        pop_free(o);
    }
    return rc;
}

akt_err
akt_persistent_delete_snapshots(akt_ctx *ctx, akt_snapshot_criteria c)
{
    pstate *ps = current(ctx);
    if (ps == NULL || ps->x == NULL || ps->pid == NULL) {
        return AKT_ESTATE;
    }
    if (ps->x->s == NULL) {
        return AKT_ENOENT;
    }
    return op_queue_new(ctx, ps, (pop) { .kind = OP_DEL_SNAPS, .crit = c });
}

akt_err
akt_persistent_delete_events(akt_ctx *ctx, uint64_t to_seq)
{
    pstate *ps = current(ctx);
    if (ps == NULL || ps->x == NULL || ps->pid == NULL) {
        return AKT_ESTATE;
    }
    if (to_seq > ps->seq && to_seq != UINT64_MAX) {
        return AKT_ERANGE;
    }
    return op_queue_new(
        ctx, ps, (pop) { .kind = OP_DEL_EVENTS, .seq = to_seq });
}

/* --- at-least-once delivery
 * ---------------------------------------------------
 */

/* send d once more (a reference of its message); an unresolvable
 * destination counts as an attempt: it is tried again at the next tick */
static void
delivery_send(pstate *ps, const akt_ctx *ctx, delivery *d, int64_t now)
{
    akt_system *sys = akt_ctx_system(ctx);
    akt_ref to = d->dest;
    if (akt_ref_is_none(to) && d->path
        && akt_system_path_to_ref(sys, d->path, &to) != AKT_OK) {
        to = AKT_REF_NONE;
    }
    if (!akt_ref_is_none(to)) {
        akt_msg_retain(d->msg);
        if (akt_tell(to, d->msg, akt_ctx_self(ctx)) != AKT_OK) {
            akt_msg_free(d->msg);
        }
    }
    d->attempts++;
    d->sent_at = now;
    (void)ps;
}

static void
redeliver(pstate *ps, akt_ctx *ctx)
{
    if (ps->ndl == 0) {
        return;
    }
    int64_t now = akt_scheduler_now(akt_ctx_system(ctx));
    uint64_t *warn = NULL;
    size_t nwarn = 0, sent = 0;
    for (size_t i = 0; i < ps->ndl && sent < ps->dopt.burst_limit; i++) {
        delivery *d = &ps->dl[i];
        if (now - d->sent_at < ps->dopt.redeliver_interval_ns) {
            continue;
        }
        delivery_send(ps, ctx, d, now);
        sent++;
        if (d->attempts == ps->dopt.warn_after) {
            if (warn == NULL) {
                warn = malloc(ps->ndl * sizeof(uint64_t));
            }
            if (warn) {
                warn[nwarn++] = d->id;
            }
        }
    }
    if (nwarn) {
        akt_ctx_log(ctx, AKT_LOG_WARNING,
            "%s: %zu deliveries unconfirmed after %u attempts (first id "
            "%" PRIu64 ")",
            ps->pid, nwarn, ps->dopt.warn_after, warn[0]);
        if (ps->def->unconfirmed_warning) {
            pstate *sp;
            const akt_ctx *sc;
            with_ctx(ps, ctx, &sp, &sc);
            ps->def->unconfirmed_warning(USER(ps), ctx, warn, nwarn);
            cur_ps = sp;
            cur_ctx = sc;
        }
    }
    free(warn);
}

/* the actor whose handler, callback, apply or snapshot_offer runs now */
static pstate *
delivering(void)
{
    return cur_ps != NULL && cur_ctx != NULL && cur_ps->def->delivery ? cur_ps
                                                                      : NULL;
}

static bool
delivery_grow(pstate *ps)
{
    if (ps->ndl < ps->capdl) {
        return true;
    }
    size_t cap = ps->capdl ? ps->capdl * 2 : 16;
    delivery *n = realloc(ps->dl, cap * sizeof(*n));
    if (n == NULL) {
        return false;
    }
    ps->dl = n;
    ps->capdl = cap;
    return true;
}

akt_err
akt_persistent_deliver(
    akt_ref dest, akt_deliver_make_fn make, void *arg, uint64_t *id)
{
    pstate *ps = delivering();
    if (ps == NULL) {
        return AKT_ESTATE;
    }
    if (make == NULL || akt_ref_is_none(dest)) {
        return AKT_EINVAL;
    }
    if (ps->ndl >= ps->dopt.max_unconfirmed) {
        return AKT_EFULL;
    }
    if (!delivery_grow(ps)) {
        return AKT_ENOMEM;
    }
    uint64_t did = ps->next_delivery + 1;
    void *msg = make(did, arg);
    if (msg == NULL) {
        return AKT_ENOMEM;
    }
    ps->next_delivery = did;
    delivery *d = &ps->dl[ps->ndl++];
    *d = (delivery) { .id = did, .dest = dest, .msg = msg };
    int64_t now = akt_scheduler_now(akt_ctx_system(cur_ctx));
    if (ps->recovering) {
        /* recorded only; due at once after recovery */
        d->sent_at = now - ps->dopt.redeliver_interval_ns;
    } else {
        delivery_send(ps, cur_ctx, d, now);
    }
    if (id) {
        *id = did;
    }
    return AKT_OK;
}

bool
akt_persistent_confirm(uint64_t delivery_id)
{
    pstate *ps = delivering();
    if (ps == NULL) {
        return false;
    }
    size_t lo = 0, hi = ps->ndl; /* ids ascend */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ps->dl[mid].id < delivery_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == ps->ndl || ps->dl[lo].id != delivery_id) {
        return false;
    }
    akt_msg_free(ps->dl[lo].msg);
    free(ps->dl[lo].path);
    memmove(
        &ps->dl[lo], &ps->dl[lo + 1], (ps->ndl - lo - 1) * sizeof(delivery));
    ps->ndl--;
    return true;
}

size_t
akt_persistent_unconfirmed(void)
{
    pstate *ps = delivering();
    return ps ? ps->ndl : 0;
}

static akt_err
buf_put(akt_buf *b, const void *p, size_t n)
{
    akt_err rc = akt_buf_reserve(b, n);
    if (rc == AKT_OK) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    }
    return rc;
}

akt_err
akt_persistent_delivery_snapshot(akt_buf *out)
{
    pstate *ps = delivering();
    if (ps == NULL) {
        return AKT_ESTATE;
    }
    if (out == NULL) {
        return AKT_EINVAL;
    }
    akt_system *sys = akt_ctx_system(cur_ctx);
    size_t start = out->len;
    uint8_t h[16] = { 'D', 1, 0, 0 };
    akti_be64_put(h + 4, ps->next_delivery);
    akti_be32_put(h + 12, (uint32_t)ps->ndl);
    akt_err rc = buf_put(out, h, sizeof h);
    akt_buf m;
    akt_buf_init(&m);
    for (size_t i = 0; rc == AKT_OK && i < ps->ndl; i++) {
        delivery *d = &ps->dl[i];
        char path[512];
        if (d->path) {
            snprintf(path, sizeof path, "%s", d->path);
        } else if ((rc = akt_system_ref_to_path(
                        sys, d->dest, path, sizeof path))
            != AKT_OK) {
            break;
        }
        size_t pl = strlen(path);
        m.len = 0;
        if ((rc = akt_msg_encode(d->msg, &m)) != AKT_OK) {
            break;
        }
        uint8_t e[10], t[12];
        akti_be64_put(e, d->id);
        e[8] = (uint8_t)(pl >> 8);
        e[9] = (uint8_t)pl;
        akti_be64_put(t, akt_msg_type(d->msg)->id);
        akti_be32_put(t + 8, (uint32_t)m.len);
        rc = buf_put(out, e, sizeof e);
        rc = rc == AKT_OK ? buf_put(out, path, pl) : rc;
        rc = rc == AKT_OK ? buf_put(out, t, sizeof t) : rc;
        rc = rc == AKT_OK ? buf_put(out, m.data, m.len) : rc;
    }
    akt_buf_free(&m);
    if (rc == AKT_OK) {
        uint8_t c[4];
        akti_be32_put(c, akti_crc32(0, out->data + start, out->len - start));
        rc = buf_put(out, c, 4);
    }
    if (rc != AKT_OK) {
        out->len = start;
    }
    return rc;
}

typedef struct restore_ctx {
    pstate *ps;
    akt_system *sys;
    const akt_registry *reg;
    delivery *dl;
    size_t n;
} restore_ctx;

static akt_err
restore_one(void *arg, uint64_t id, const char *path, size_t plen,
    uint64_t type_id, const uint8_t *data, size_t len)
{
    restore_ctx *r = arg;
    const akt_type *t = r->reg ? akt_registry_find(r->reg, type_id) : NULL;
    if (t == NULL) {
        return AKT_ETYPE;
    }
    void *msg = NULL;
    akt_err rc = akt_msg_decode_in(r->sys, t, data, len, NULL, &msg);
    if (rc != AKT_OK) {
        return rc;
    }
    char *p = malloc(plen + 1);
    if (p == NULL) {
        akt_msg_free(msg);
        return AKT_ENOMEM;
    }
    memcpy(p, path, plen);
    p[plen] = '\0';
    r->dl[r->n++] = (delivery) { .id = id,
        .dest = AKT_REF_NONE,
        .path = p,
        .msg = msg,
        .sent_at
        = akt_scheduler_now(r->sys) - r->ps->dopt.redeliver_interval_ns };
    return AKT_OK;
}

akt_err
akt_persistent_delivery_restore(const uint8_t *data, size_t len)
{
    pstate *ps = delivering();
    if (ps == NULL) {
        return AKT_ESTATE;
    }
    if (data == NULL && len > 0) {
        return AKT_EINVAL;
    }
    if (len < 20) {
        return AKT_EPROTO;
    }
    uint32_t count = akti_be32_get(data + 12);
    if ((size_t)count > len / 22) { /* each entry takes 22 bytes at least */
        return AKT_EPROTO;
    }
    restore_ctx r = { ps, akt_ctx_system(cur_ctx),
        ps->x ? akt_journal_registry(ps->x->j) : NULL,
        calloc(count ? count : 1, sizeof(delivery)), 0 };
    if (r.dl == NULL) {
        return AKT_ENOMEM;
    }
    uint64_t next = 0;
    akt_err rc = akti_dsnap_parse(data, len, &next, restore_one, &r);
    bool ascending = true;
    for (size_t i = 1; i < r.n; i++) {
        ascending = ascending && r.dl[i].id > r.dl[i - 1].id;
    }
    if (rc == AKT_OK && (!ascending || (r.n && r.dl[r.n - 1].id > next))) {
        rc = AKT_EPROTO;
    }
    if (rc != AKT_OK) {
        for (size_t i = 0; i < r.n; i++) {
            akt_msg_free(r.dl[i].msg);
            free(r.dl[i].path);
        }
        free(r.dl);
        return rc;
    }
    /* the snapshot's set replaces the actor's */
    for (size_t i = 0; i < ps->ndl; i++) {
        akt_msg_free(ps->dl[i].msg);
        free(ps->dl[i].path);
    }
    free(ps->dl);
    ps->dl = r.dl;
    ps->ndl = r.n;
    ps->capdl = count ? count : 1;
    ps->next_delivery = next;
    return AKT_OK;
}
