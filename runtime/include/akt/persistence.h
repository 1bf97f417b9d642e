/*
 * akt/persistence.h -- event sourcing: journals, snapshot stores and
 * persistent actors (docs/persistence.md).
 *
 * Three layers:
 *
 *  - Plug-ins. A journal or a snapshot store is a `const` ops table over
 *    an opaque implementation (akt_journal_ops, akt_snapshot_ops), as NNG's
 *    transports are. A plug-in stores serialized records (type id +
 *    msgpack bytes) and never sees a message. libakt ships the LMDB pair
 *    (akt_journal_open_lmdb, akt_snapshot_store_open_lmdb); another store
 *    implements the same tables and passes the same TCK
 *    (akt-persistence-tck, tests/persist/tck/tck.h).
 *  - The journal and snapshot-store front ends (akt_journal_*,
 *    akt_snapshot_*): encode messages with akt_msg_encode, decode replayed
 *    records through a type registry (an unknown type id is AKT_ETYPE with
 *    a text naming it), and reject what cannot be serialized before it
 *    reaches the plug-in.
 *  - Persistent actors (akt_persistent_def, akt_persist): recovery from the
 *    latest snapshot and the events after it, persist / persist_all whose
 *    callbacks run after the write is durable, commands stashed meanwhile.
 *
 * Sequence numbers start at 1 per persistence id. A journal never lowers a
 * persistence id's highest sequence number, also not when its events are
 * deleted. Timestamps are milliseconds since 1970 (0: unset).
 */
#ifndef AKT_PERSISTENCE_H
#define AKT_PERSISTENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/actor.h"
#include "akt/config.h"
#include "akt/err.h"
#include "akt/export.h"
#include "akt/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Tags per event at most, and the longest tag in bytes. */
#define AKT_PERSIST_MAX_TAGS    16
#define AKT_PERSIST_MAX_TAG_LEN 255

/* A reason text for a failure (recovery, replay, load), "" when none. */
typedef struct akt_persist_error {
    char text[256];
} akt_persist_error;

/* --- the journal plug-in interface --------------------------------------- */

/* akt_prepr -- one serialized event, as a plug-in stores it. On a write
 * gseq is 0 (the journal assigns it); on replay every field is set. The
 * pointers are views, valid during the call that hands them over. */
typedef struct akt_prepr {
    uint64_t seq; /* per persistence id, from 1 */
    uint64_t type_id; /* akt_type_id of the event's type */
    int64_t timestamp_ms;
    uint64_t gseq; /* journal-wide offset, gap-free in commit order */
    const uint8_t *data; /* the event's msgpack bytes */
    size_t len;
    const char *const *tags; /* ntags NUL-terminated tags */
    size_t ntags;
    /* the writer: a random id of the persistent actor incarnation that
     * persisted it (0: unknown -- written outside an actor, or by a
     * plug-in that does not store it). Recovery's replay filter uses it
     * to spot two writers of one persistence id. */
    uint64_t writer;
} akt_prepr;

/* akt_atomic_write -- one persist (n = 1) or persist_all: stored all or
 * nothing. Sequence numbers rise strictly within it. */
typedef struct akt_atomic_write {
    const char *pid;
    const akt_prepr *events;
    size_t n;
} akt_atomic_write;

typedef enum akt_write_status {
    AKT_WRITE_OK = 0, /* durable: a later replay sees it */
    AKT_WRITE_REJECTED, /* not stored, and the store is fine (bad record) */
    AKT_WRITE_FAILED /* outcome unknown or the store failed: stop the writer */
} akt_write_status;

/* Called once per accepted write, strictly after the outcome is durable
 * (AKT_WRITE_OK only after the commit that holds the events returned),
 * from the plug-in's thread. rc: AKT_OK, or why. */
typedef void (*akt_journal_write_cb)(
    void *arg, akt_write_status st, akt_err rc);
/* Replay callbacks: a view of one event; a code other than AKT_OK stops
 * the replay, which then returns that code. */
typedef akt_err (*akt_journal_replay_fn)(void *arg, const akt_prepr *ev);
typedef akt_err (*akt_journal_tag_fn)(
    void *arg, uint64_t offset, const char *pid, const akt_prepr *ev);
/* persistence-id queries: one id (a code other than AKT_OK stops) */
typedef akt_err (*akt_journal_pid_fn)(void *arg, const char *pid);

typedef struct akt_journal_stats {
    uint64_t commits; /* write transactions committed */
    uint64_t writes; /* atomic writes acknowledged OK */
    uint64_t events; /* events stored */
} akt_journal_stats;

typedef struct akt_journal_ops {
    const char *name;
    /* write -- queue w (the plug-in copies what it needs before it
     * returns). Writes of one persistence id become visible in the order
     * they were queued. On AKT_OK cb runs exactly once; on an error never
     * (AKT_ECLOSED after close, AKT_ENOMEM). */
    akt_err (*write)(void *impl, const akt_atomic_write *w,
        akt_journal_write_cb cb, void *arg);
    /* replay -- call fn for each stored event of pid with from <= seq <=
     * to, in order, at most max of them; deleted events are skipped and
     * holes do not stop it. May run on any thread; returns when done.
     * Errors: AKT_EPROTO (a damaged record), AKT_EIO, fn's code. */
    akt_err (*replay)(void *impl, const char *pid, uint64_t from, uint64_t to,
        uint64_t max, akt_journal_replay_fn fn, void *arg);
    /* highest -- pid's highest sequence number (0: never written), after
     * every write of pid queued before the call has completed. */
    akt_err (*highest)(void *impl, const char *pid, uint64_t *out);
    /* delete_to -- delete pid's events with seq <= to (inclusive), ordered
     * after the writes queued before it; durable on return. Never lowers
     * the highest sequence number. */
    akt_err (*delete_to)(void *impl, const char *pid, uint64_t to);
    /* events_by_tag -- optional (NULL: AKT_ENOTSUP): the events tagged tag
     * with offset > after, in offset order (offsets 1, 2, ... per tag, no
     * gaps), at most max; a point-in-time view. */
    akt_err (*events_by_tag)(void *impl, const char *tag, uint64_t after,
        uint64_t max, akt_journal_tag_fn fn, void *arg);
    /* stats -- optional: counters since open */
    void (*stats)(void *impl, akt_journal_stats *out);
    /* close -- finish what is queued (callbacks run), then free impl */
    void (*close)(void *impl);
    /* watch -- optional (NULL: no live queries): call hook(arg) after
     * every commit that stored or deleted something, from the plug-in's
     * thread, once the commit is visible to reads; hook only signals.
     * Set once, before the first commit it must see. */
    void (*watch)(void *impl, void (*hook)(void *arg), void *arg);
    /* persistence_ids -- optional (NULL: AKT_ENOTSUP): every persistence
     * id ever written (also when its events were deleted), in byte order
     * (strcmp), those after `after` (NULL or "": from the first), at most
     * max; a point-in-time view. */
    akt_err (*persistence_ids)(void *impl, const char *after, uint64_t max,
        akt_journal_pid_fn fn, void *arg);
    /* events_all -- optional (NULL: AKT_ENOTSUP): every stored event with
     * global sequence number (the offset) > after, in offset order, at
     * most max; deleted events are skipped; a point-in-time view. */
    akt_err (*events_all)(void *impl, uint64_t after, uint64_t max,
        akt_journal_tag_fn fn, void *arg);
} akt_journal_ops;

/* --- the snapshot-store plug-in interface --------------------------------- */

typedef struct akt_snapshot_meta {
    const char *pid;
    uint64_t seq; /* the sequence number the snapshot covers */
    int64_t timestamp_ms; /* 0 on delete: any */
} akt_snapshot_meta;

/* Matches when min_seq <= seq <= max_seq and min_ts <= ts <= max_ts. */
typedef struct akt_snapshot_criteria {
    uint64_t max_seq;
    int64_t max_ts;
    uint64_t min_seq;
    int64_t min_ts;
} akt_snapshot_criteria;

/* the youngest snapshot, whatever its age */
static inline akt_snapshot_criteria
akt_snapshot_latest(void)
{
    akt_snapshot_criteria c = { UINT64_MAX, INT64_MAX, 0, 0 };
    return c;
}

typedef struct akt_snapshot_blob {
    uint64_t type_id;
    const uint8_t *data;
    size_t len;
} akt_snapshot_blob;

typedef akt_err (*akt_snapshot_load_fn)(
    void *arg, const akt_snapshot_meta *meta, const akt_snapshot_blob *blob);

typedef struct akt_snapshot_ops {
    const char *name;
    /* save -- store (or replace) the snapshot at meta->pid, meta->seq;
     * durable on return. */
    akt_err (*save)(
        void *impl, const akt_snapshot_meta *meta, const akt_snapshot_blob *b);
    /* load -- call fn once with the youngest (highest seq) snapshot of pid
     * that matches c; AKT_ENOENT when none. A matching snapshot that
     * cannot be read fails (AKT_EPROTO), never reads as "none". */
    akt_err (*load)(void *impl, const char *pid, akt_snapshot_criteria c,
        akt_snapshot_load_fn fn, void *arg);
    /* remove -- the snapshot at (pid, seq), if its timestamp <= ts (ts 0:
     * any); AKT_OK also when there is none. */
    akt_err (*remove)(void *impl, const char *pid, uint64_t seq, int64_t ts);
    /* remove_matching -- every snapshot of pid that matches c */
    akt_err (*remove_matching)(
        void *impl, const char *pid, akt_snapshot_criteria c);
    void (*close)(void *impl);
} akt_snapshot_ops;

/* --- journal and snapshot store objects ------------------------------------
 */

typedef struct akt_journal akt_journal;
typedef struct akt_snapshot_store akt_snapshot_store;

/* akt_journal_new -- a journal over a plug-in: ops and impl become the
 * journal's on AKT_OK (akt_journal_close calls ops->close). reg (borrowed,
 * must outlive the journal) resolves type ids on replay.
 * max_record_size: larger events are rejected (0: 16 MiB). */
AKT_API akt_err akt_journal_new(const akt_journal_ops *ops, void *impl,
    const akt_registry *reg, uint64_t max_record_size, akt_journal **out);
/* akt_journal_close -- finish queued writes (their callbacks run), free. */
AKT_API void akt_journal_close(akt_journal *j);

/* Options of the LMDB journal and snapshot store; zero fields take the
 * defaults of reference.conf (akt.persistence.*.lmdb). */
typedef struct akt_lmdb_options {
    const char *dir; /* created if missing; required */
    uint64_t map_size; /* bytes; 0: 1 GiB (journal), 256 MiB (snapshots) */
    bool no_sync; /* fsync = off: faster, loses the last commits on a crash */
    uint32_t max_batch_events; /* per commit; 0: 10000 */
    uint64_t max_batch_bytes; /* per commit; 0: 16 MiB */
    uint64_t max_record_size; /* 0: 16 MiB */
    /* journal: records kept in the write-ahead log only (indexed in
     * memory) before they are moved into the per-id index; 0: 65536 */
    uint64_t max_unindexed_events;
} akt_lmdb_options;

/* akt_journal_open_lmdb -- the LMDB journal in o->dir: one writer thread
 * that commits everything queued as soon as the previous commit ended
 * (group commit). Errors: AKT_EINVAL, AKT_EIO (with the reason in err, may
 * be NULL), AKT_ENOMEM. */
AKT_API akt_err akt_journal_open_lmdb(const akt_lmdb_options *o,
    const akt_registry *reg, akt_journal **out, akt_persist_error *err);
AKT_API akt_err akt_snapshot_store_open_lmdb(const akt_lmdb_options *o,
    const akt_registry *reg, akt_snapshot_store **out, akt_persist_error *err);

/* Options of the PostgreSQL journal and snapshot store (libpq); zero
 * fields take the defaults of reference.conf
 * (akt.persistence.*.postgresql). */
typedef struct akt_pg_options {
    const char *conninfo; /* libpq connection string; required */
    const char *schema; /* where the tables live, created if missing;
                           [a-z_][a-z0-9_]*; NULL: "akt" */
    uint32_t max_batch_events; /* per transaction; 0: 1000 */
    uint32_t readers; /* connections for reads, at most; 0: 4 */
    uint64_t max_record_size; /* 0: 16 MiB */
} akt_pg_options;

/* akt_journal_open_pg -- the PostgreSQL journal: creates its tables and
 * functions in o->schema (idempotent, under an advisory lock); one writer
 * thread sends everything queued as one pipelined transaction (group
 * commit) and acknowledges after COMMIT. Errors: AKT_EINVAL (options),
 * AKT_EPEER (cannot connect; err says why), AKT_EPROTO (a schema of
 * another layout version), AKT_EIO, AKT_ENOMEM. */
AKT_API akt_err akt_journal_open_pg(const akt_pg_options *o,
    const akt_registry *reg, akt_journal **out, akt_persist_error *err);
/* akt_snapshot_store_open_pg -- snapshots in o->schema.akt_snapshots. */
AKT_API akt_err akt_snapshot_store_open_pg(const akt_pg_options *o,
    const akt_registry *reg, akt_snapshot_store **out, akt_persist_error *err);

/* One event to write: the message (borrowed: encoded before the call
 * returns) and its tags. */
typedef struct akt_jevent {
    const void *msg;
    const char *const *tags;
    size_t ntags;
    uint64_t writer; /* akt_prepr.writer (0: none) */
} akt_jevent;

/* akt_journal_write -- encode events[0..n) as one atomic write of pid with
 * sequence numbers first_seq, first_seq+1, ...; cb(arg, status, rc) runs
 * once when the outcome is durable. An event that cannot be serialized
 * (its type has no codec), is larger than the limit or has bad tags makes
 * this return AKT_EINVAL / AKT_ETOOBIG without writing anything, and cb
 * never runs (a rejection). Other errors: AKT_ECLOSED, AKT_ENOMEM. */
AKT_API akt_err akt_journal_write(akt_journal *j, const char *pid,
    uint64_t first_seq, const akt_jevent *events, size_t n,
    akt_journal_write_cb cb, void *arg);

/* akt_journal_write_wait -- akt_journal_write and wait for the outcome:
 * AKT_OK when durable, *st says rejected/failed otherwise (st may be
 * NULL). For tests and tools; never from an actor. */
AKT_API akt_err akt_journal_write_wait(akt_journal *j, const char *pid,
    uint64_t first_seq, const akt_jevent *events, size_t n,
    akt_write_status *st);

/* Replayed event: a view of a decoded message (akt_msg_retain to keep). */
typedef akt_err (*akt_replay_fn)(
    void *arg, const akt_prepr *rec, const void *event);

/* akt_journal_replay -- decode and hand over pid's events in [from, to],
 * at most max. sys (may be NULL) resolves refs in events. An unknown type
 * id is AKT_ETYPE, a record that does not decode AKT_EPROTO; err (may be
 * NULL) then names the persistence id, the sequence number and the type. */
AKT_API akt_err akt_journal_replay(akt_journal *j, akt_system *sys,
    const char *pid, uint64_t from, uint64_t to, uint64_t max, akt_replay_fn fn,
    void *arg, akt_persist_error *err);
/* akt_journal_replay_raw -- the plug-in's records, undecoded. */
AKT_API akt_err akt_journal_replay_raw(akt_journal *j, const char *pid,
    uint64_t from, uint64_t to, uint64_t max, akt_journal_replay_fn fn,
    void *arg);
AKT_API akt_err akt_journal_highest(
    akt_journal *j, const char *pid, uint64_t *out);
AKT_API akt_err akt_journal_delete_to(
    akt_journal *j, const char *pid, uint64_t to);
AKT_API akt_err akt_journal_events_by_tag(akt_journal *j, const char *tag,
    uint64_t after, uint64_t max, akt_journal_tag_fn fn, void *arg);
/* akt_journal_persistence_ids -- the ids ever written, in byte order,
 * after `after` (NULL: from the first), at most max (Akka's
 * currentPersistenceIds(afterId, limit)). AKT_ENOTSUP when the plug-in
 * has no such query. */
AKT_API akt_err akt_journal_persistence_ids(akt_journal *j, const char *after,
    uint64_t max, akt_journal_pid_fn fn, void *arg);
/* akt_journal_events_all -- every stored event with global offset > after,
 * in offset order, at most max (the offset is akt_prepr.gseq). */
AKT_API akt_err akt_journal_events_all(akt_journal *j, uint64_t after,
    uint64_t max, akt_journal_tag_fn fn, void *arg);
AKT_API akt_err akt_journal_stats_get(akt_journal *j, akt_journal_stats *out);

/* akt_journal_set_breaker -- a circuit breaker around the journal (Akka's
 * journal circuit-breaker): after max_failures failures in a row (a write
 * whose outcome is AKT_WRITE_FAILED, or highest / delete_to failing for
 * the store's sake) it opens, and writes, highest and delete_to fail at
 * once with AKT_EBUSY for reset_ns; then one call is let through as a
 * trial: success closes it, failure opens it again. Rejections do not
 * count. max_failures 0: no breaker (the default of akt_journal_new;
 * akt_persistence_start sets akt.persistence.journal.circuit-breaker.*).
 * Replay is not behind it (as in Akka). */
AKT_API akt_err akt_journal_set_breaker(
    akt_journal *j, uint32_t max_failures, int64_t reset_ns);
/* akt_journal_set_breaker_call_timeout -- with a breaker set, a call (a
 * write until its callback, highest, delete_to) still running after
 * call_timeout_ns is cut (Akka's CircuitBreaker): a watchdog thread calls
 * the write's callback with AKT_WRITE_FAILED / AKT_ETIMEDOUT at once, a
 * synchronous call returns AKT_ETIMEDOUT once the plug-in honoured the
 * interrupt (PostgreSQL cancels the statement; a plug-in that cannot be
 * interrupted returns when it is done), the late result is dropped, and
 * the cut counts as a failure. A call that returns after the timeout but
 * before the cut keeps its result and counts as a failure too. 0: no call
 * timeout (the default; akt_persistence_start sets
 * circuit-breaker.call-timeout). */
AKT_API akt_err akt_journal_set_breaker_call_timeout(
    akt_journal *j, int64_t call_timeout_ns);
/* akt_snapshot_store_set_breaker -- the same breaker around a snapshot
 * store (save, load, delete): open after max_failures failures in a row
 * (none found, a bad argument or an unknown snapshot type are no
 * failures), calls then fail with AKT_EBUSY for reset_ns, then one trial;
 * a call still running after call_timeout_ns is cut (AKT_ETIMEDOUT, as
 * for the journal).
 * max_failures 0: none (the default of akt_snapshot_store_new;
 * akt_persistence_start sets snapshot-store.circuit-breaker.*). */
AKT_API akt_err akt_snapshot_store_set_breaker(akt_snapshot_store *s,
    uint32_t max_failures, int64_t call_timeout_ns, int64_t reset_ns);

/* --- live queries ------------------------------------------------------------
 *
 * A live query hands over the events stored after an offset and then each
 * new one as the commit that stores it completes: the journal's commits
 * wake it (never a timer). fn runs on the journal's query thread, one call
 * at a time, in offset order, each event once; a code other than AKT_OK
 * from fn ends the query. The event is a view (akt_msg_retain to keep),
 * NULL when the record cannot be decoded (an unknown type: rec->type_id
 * says which). A store error is tried again at the next commit. */
typedef akt_err (*akt_live_fn)(void *arg, uint64_t offset, const char *pid,
    const akt_prepr *rec, const void *event);
typedef struct akt_live akt_live;

/* akt_journal_live_by_tag -- the events tagged tag with offset > after
 * (per-tag offsets, 1, 2, ...). sys (may be NULL) resolves refs. fini (may
 * be NULL) runs with arg once the query ended. Errors: AKT_ENOTSUP (the
 * plug-in has no watch or no tag queries), AKT_EINVAL, AKT_ENOMEM. */
AKT_API akt_err akt_journal_live_by_tag(akt_journal *j, akt_system *sys,
    const char *tag, uint64_t after, akt_live_fn fn, void *arg,
    void (*fini)(void *arg), akt_live **out);
/* akt_journal_live_by_pid -- pid's events with seq > after (offset =
 * seq). */
AKT_API akt_err akt_journal_live_by_pid(akt_journal *j, akt_system *sys,
    const char *pid, uint64_t after, akt_live_fn fn, void *arg,
    void (*fini)(void *arg), akt_live **out);
/* akt_journal_live_all -- every event with global offset > after, then
 * each new one (offset = global sequence number). */
AKT_API akt_err akt_journal_live_all(akt_journal *j, akt_system *sys,
    uint64_t after, akt_live_fn fn, void *arg, void (*fini)(void *arg),
    akt_live **out);
/* akt_live_stop -- end q: when it returns fn is not running and will not
 * run again (from inside fn: after fn returns), and fini ran (or runs
 * then). Each query is stopped once, or left to akt_journal_close. */
AKT_API void akt_live_stop(akt_live *q);
AKT_API const akt_registry *akt_journal_registry(const akt_journal *j);

AKT_API akt_err akt_snapshot_store_new(const akt_snapshot_ops *ops, void *impl,
    const akt_registry *reg, akt_snapshot_store **out);
AKT_API void akt_snapshot_store_close(akt_snapshot_store *s);

/* akt_snapshot_save -- encode snapshot (a message) and store it at (pid,
 * seq), stamped with the current time when timestamp_ms is 0. Errors:
 * AKT_EINVAL (no codec), AKT_ENOSPC, AKT_EIO, AKT_ENOMEM. */
AKT_API akt_err akt_snapshot_save(akt_snapshot_store *s, const char *pid,
    uint64_t seq, int64_t timestamp_ms, const void *snapshot);
/* akt_snapshot_load -- the youngest snapshot of pid matching c: *out gets
 * one reference to the decoded message (the caller frees it), *meta_out
 * (may be NULL) its seq and timestamp (pid NULL). AKT_ENOENT: none.
 * AKT_ETYPE / AKT_EPROTO: one exists but cannot be loaded (err says why). */
AKT_API akt_err akt_snapshot_load(akt_snapshot_store *s, akt_system *sys,
    const char *pid, akt_snapshot_criteria c, akt_snapshot_meta *meta_out,
    void **out, akt_persist_error *err);
AKT_API akt_err akt_snapshot_delete(
    akt_snapshot_store *s, const char *pid, uint64_t seq, int64_t ts);
AKT_API akt_err akt_snapshot_delete_matching(
    akt_snapshot_store *s, const char *pid, akt_snapshot_criteria c);

/* --- durable state: one value per persistence id ---------------------------
 *
 * A durable state store keeps the latest value of each id (a message)
 * with a revision for optimistic locking (Akka's DurableStateStore,
 * Orleans' grain storage): revisions start at 1 and rise by 1 per write.
 */

/* the plug-in interface: serialized values, as for snapshots */
typedef akt_err (*akt_state_get_fn)(
    void *arg, uint64_t revision, const akt_snapshot_blob *value);

typedef struct akt_state_ops {
    const char *name;
    /* get -- call fn once with pid's value and revision; AKT_ENOENT when
     * pid has none (fn is not called). A value that cannot be read fails
     * (AKT_EPROTO), never reads as "none". */
    akt_err (*get)(void *impl, const char *pid, akt_state_get_fn fn, void *arg);
    /* upsert -- store v as pid's value at revision: 1 creates it (AKT_ESTATE
     * when pid has a value already), n > 1 replaces the value at revision
     * n - 1 (AKT_ESTATE when the stored revision is another: a concurrent
     * writer won). Durable on return. */
    akt_err (*upsert)(void *impl, const char *pid, uint64_t revision,
        const akt_snapshot_blob *v);
    /* remove -- delete pid's value if its revision is revision (AKT_ESTATE
     * otherwise; AKT_OK when there is none); revision 0: whatever it is.
     * A later upsert starts at revision 1 again. */
    akt_err (*remove)(void *impl, const char *pid, uint64_t revision);
    void (*close)(void *impl);
} akt_state_ops;

typedef struct akt_state_store akt_state_store;

/* akt_state_store_new -- a store over a plug-in (ops and impl become the
 * store's on AKT_OK); reg (borrowed) decodes values. */
AKT_API akt_err akt_state_store_new(const akt_state_ops *ops, void *impl,
    const akt_registry *reg, akt_state_store **out);
AKT_API void akt_state_store_close(akt_state_store *s);
/* akt_state_store_open_lmdb -- the LMDB store in o->dir (its own
 * environment; o->map_size 0: 256 MiB). */
AKT_API akt_err akt_state_store_open_lmdb(const akt_lmdb_options *o,
    const akt_registry *reg, akt_state_store **out, akt_persist_error *err);
/* akt_state_store_open_pg -- values in o->schema.akt_state. */
AKT_API akt_err akt_state_store_open_pg(const akt_pg_options *o,
    const akt_registry *reg, akt_state_store **out, akt_persist_error *err);

/* akt_state_get -- pid's value: *out one reference to the decoded message
 * (the caller frees it), *revision its revision. AKT_ENOENT: none (*out
 * NULL, *revision 0). AKT_ETYPE / AKT_EPROTO: one exists but cannot be
 * read (err, may be NULL, says why). */
AKT_API akt_err akt_state_get(akt_state_store *s, akt_system *sys,
    const char *pid, void **out, uint64_t *revision, akt_persist_error *err);
/* akt_state_upsert -- encode value (a message, borrowed) and store it at
 * revision (see akt_state_ops.upsert). AKT_ESTATE: the revision is not
 * the next one; AKT_EINVAL: revision 0, or value has no codec. */
AKT_API akt_err akt_state_upsert(
    akt_state_store *s, const char *pid, uint64_t revision, const void *value);
/* akt_state_delete -- delete pid's value if its revision is revision
 * (0: any); AKT_ESTATE otherwise. */
AKT_API akt_err akt_state_delete(
    akt_state_store *s, const char *pid, uint64_t revision);

/* --- persistence on a system -----------------------------------------------
 */

/* akt_persistence_start -- open the journal and snapshot store that the
 * system's configuration names (akt.persistence.*; the LMDB plug-ins) and
 * hang them on sys; they close at akt_system_free, after every actor
 * stopped. reg (borrowed) must outlive sys. Errors: AKT_EEXIST (started
 * already), a bad setting (AKT_ETYPE, AKT_ERANGE, AKT_EINVAL; err says
 * which key), AKT_EIO / AKT_EBUSY from opening the stores. */
AKT_API akt_err akt_persistence_start(
    akt_system *sys, const akt_registry *reg, akt_config_error *err);
/* akt_persistence_start_with -- hang j and s (s may be NULL: no snapshots)
 * on sys; they become the system's on AKT_OK. */
AKT_API akt_err akt_persistence_start_with(
    akt_system *sys, akt_journal *j, akt_snapshot_store *s);
/* The recovery permitter: at most n persistent actors of sys recover at
 * once (akt.persistence.max-concurrent-recoveries, default
 * AKT_PERSIST_DEFAULT_MAX_RECOVERIES); the others wait in order of start,
 * their commands stashed. Errors: AKT_ENOENT (persistence not started),
 * AKT_EINVAL (n == 0). A new bound applies from the next release. */
#define AKT_PERSIST_DEFAULT_MAX_RECOVERIES 50
AKT_API akt_err akt_persistence_set_max_recoveries(akt_system *sys, uint32_t n);
/* Where recovery reads run: inline in the actor's turn (LMDB journal and
 * snapshot store: a one-id recovery costs ~10 us, less than a hand-off to
 * another thread) or asynchronously (any other plug-in, PostgreSQL: the
 * snapshot, the highest sequence number and the events, in chunks of
 * AKT_PERSIST_RECOVERY_CHUNK, are read by the persistence's reader
 * threads, never on a dispatcher thread, and applied in the actor's
 * turns). akt_persistence_set_async_recovery(sys, true) sends the LMDB
 * reads there too (tests, benches); it applies to recoveries starting
 * after the call. */
#define AKT_PERSIST_RECOVERY_CHUNK 1024
AKT_API akt_err akt_persistence_set_async_recovery(akt_system *sys, bool on);
/* How many reader threads run the asynchronous recovery reads
 * (akt.persistence.reader-threads, default
 * AKT_PERSIST_DEFAULT_READER_THREADS): at most n recoveries wait on the
 * store at once. Set before the first asynchronous recovery; later:
 * AKT_ESTATE (the threads run). AKT_EINVAL: n is 0 or above 1,024. */
#define AKT_PERSIST_DEFAULT_READER_THREADS 2
AKT_API akt_err akt_persistence_set_reader_threads(akt_system *sys, uint32_t n);
/* The replay filter (Akka's ReplayFilter): a recovery passes the events
 * through a window of window_size events that watches their writers (the
 * persistent actor incarnations that wrote them, akt_prepr.writer). When
 * two incarnations wrote one persistence id interleaved -- an old one
 * that kept writing after a new one started (two nodes both running the
 * actor), or events imported from another store -- the mode decides:
 * REPAIR (Akka's repair-by-discard-old, the default) drops the old
 * writer's events that come after the new writer's first and the events
 * in the window the new writer's numbering overlaps; FAIL fails the
 * recovery naming them; WARN logs and keeps everything; OFF does not
 * look. Up to max_old_writers replaced writers are remembered (the oldest
 * is forgotten beyond). An event with writer 0 (unknown) passes as it
 * is. Defaults: akt.persistence.journal.replay-filter.* (REPAIR, 100,
 * 10). */
typedef enum akt_replay_filter_mode {
    AKT_REPLAY_FILTER_REPAIR = 0,
    AKT_REPLAY_FILTER_FAIL,
    AKT_REPLAY_FILTER_WARN,
    AKT_REPLAY_FILTER_OFF
} akt_replay_filter_mode;
typedef struct akt_replay_filter {
    akt_replay_filter_mode mode;
    uint32_t window_size; /* 1 .. 1,000,000 */
    uint32_t max_old_writers; /* 1 .. 1,000,000 */
} akt_replay_filter;
/* akt_persistence_set_replay_filter -- for recoveries that start after the
 * call. AKT_EINVAL: a bad mode or size; AKT_ENOENT: no persistence. */
AKT_API akt_err akt_persistence_set_replay_filter(
    akt_system *sys, const akt_replay_filter *f);
/* recoveries running now and waiting for a permit (either may be NULL) */
AKT_API akt_err akt_persistence_recovery_stats(
    akt_system *sys, uint32_t *running, uint32_t *waiting);
/* akt_persistence_await_recovery_stats -- block until running recoveries
 * and permit waiters are running and waiting (AKT_PERSIST_ANY: either),
 * woken by each change (no polling): for tests and tools that must see
 * the permitter reach a state. AKT_ETIMEDOUT after timeout_ns (> 0, else
 * AKT_EINVAL); AKT_ENOENT: persistence not started. */
#define AKT_PERSIST_ANY UINT32_MAX
AKT_API akt_err akt_persistence_await_recovery_stats(
    akt_system *sys, uint32_t running, uint32_t waiting, int64_t timeout_ns);
/* the system's durable state store: the one akt.persistence.state.plugin
 * names, opened by akt_persistence_start (NULL: plugin = none, the
 * default, or persistence not started); closed with the system */
AKT_API akt_state_store *akt_persistence_state(akt_system *sys);
/* the system's journal / snapshot store (NULL when not started) */
AKT_API akt_journal *akt_persistence_journal(akt_system *sys);
AKT_API akt_snapshot_store *akt_persistence_snapshots(akt_system *sys);

/* --- persistent actors -----------------------------------------------------
 */

/* After a durable persist: state already holds the event (apply ran).
 * Answer the command's sender with akt_persistent_reply (akt_reply would
 * answer the journal's notification). */
typedef void (*akt_persist_fn)(
    void *state, akt_ctx *ctx, const void *event, void *arg);

typedef struct akt_persistent_def {
    const char *name; /* for logs */
    /* persistence id = id_prefix + the actor's name ("account-" + "42") */
    const char *id_prefix;
    size_t state_size;
    akt_err (*state_init)(void *state, const void *init_arg);
    void (*state_fini)(void *state);
    const void *init_arg;
    /* the command handlers (state is the user's state) */
    const akt_handler *commands;
    size_t ncommands;
    akt_handler_fn unhandled;
    /* apply -- required: fold one event into state, with no side effects;
     * runs on recovery and after each durable persist. */
    void (*apply)(void *state, const void *event);
    /* snapshot_offer -- optional: load state from a snapshot (a message)
     * taken at seq; NULL: snapshots are not used, all events replay */
    void (*snapshot_offer)(void *state, uint64_t seq, const void *snapshot);
    /* tagger -- optional: the tags of event (at most max), their count */
    size_t (*tagger)(const void *event, const char **tags, size_t max);
    /* recovery_completed -- optional, before the first command; may
     * persist. highest: the last sequence number. */
    void (*recovery_completed)(void *state, akt_ctx *ctx, uint64_t highest);
    /* recovery_failed -- optional; the actor stops after it */
    void (*recovery_failed)(
        void *state, akt_ctx *ctx, akt_err rc, const char *why);
    /* persist_rejected -- optional: the journal did not store event (the
     * actor goes on; its callback does not run) */
    void (*persist_rejected)(
        void *state, akt_ctx *ctx, akt_err rc, const void *event);
    /* persist_failed -- optional: the store failed; the actor stops */
    void (*persist_failed)(
        void *state, akt_ctx *ctx, akt_err rc, const void *event);
    void (*post_stop)(void *state, akt_ctx *ctx);
    /* recovery bounds: replay up to to_seq (0: all), at most replay_max
     * events (0: all) */
    uint64_t recovery_to_seq;
    uint64_t recovery_replay_max;
    const char *dispatcher;
    const akt_mailbox_opts *mailbox;
    const akt_supervisor_strategy *supervisor;

    /* --- optional; aktc's persistent actors fill them ------------------- */
    /* events -- the event types this actor persists and replays (nevents
     * of them; NULL: any type). Persisting another type is AKT_ETYPE (a
     * rejection); replaying one fails recovery with a text naming it. */
    const akt_type *const *events;
    size_t nevents;
    /* snapshot_type -- the type snapshots have (NULL: any). A stored
     * snapshot of another type fails recovery; saving one is AKT_ETYPE. */
    const akt_type *snapshot_type;
    /* tags_of -- the tags of event given the state at persist time (the
     * event not yet applied); used instead of tagger when set. */
    size_t (*tags_of)(
        const void *state, const void *event, const char **tags, size_t max);
    /* Automatic snapshots. After the events of a durable write are applied
     * (not during recovery), when snapshot_every divides the sequence
     * number of one of them or snapshot_when(state, event, seq) is true
     * for one, snapshot_take(state) builds a snapshot (a new message, or
     * NULL: none this time), which is saved at the last applied sequence
     * number off the actor's thread; then snapshot_saved or
     * snapshot_failed in a later turn (the actor goes on). Both hooks also
     * hear akt_persistent_save_snapshot's saves (Akka's SaveSnapshotSuccess
     * / SaveSnapshotFailure). */
    uint64_t snapshot_every;
    bool (*snapshot_when)(const void *state, const void *event, uint64_t seq);
    void *(*snapshot_take)(const void *state);
    void (*snapshot_saved)(void *state, akt_ctx *ctx, uint64_t seq);
    void (*snapshot_failed)(
        void *state, akt_ctx *ctx, uint64_t seq, akt_err rc);

    /* At-least-once delivery (akt_persistent_deliver): NULL: none. */
    const struct akt_delivery_options *delivery;
    /* unconfirmed_warning -- optional: these deliveries reached
     * delivery->warn_after attempts unconfirmed (each is named once) */
    void (*unconfirmed_warning)(
        void *state, akt_ctx *ctx, const uint64_t *ids, size_t n);

    /* Outcomes of akt_persistent_delete_events and
     * akt_persistent_delete_snapshots, in a later turn of the actor (Akka's
     * DeleteMessagesSuccess / Failure, DeleteSnapshotsSuccess / Failure);
     * all optional: a failure without its hook is only logged. */
    void (*events_deleted)(void *state, akt_ctx *ctx, uint64_t to_seq);
    void (*events_delete_failed)(
        void *state, akt_ctx *ctx, uint64_t to_seq, akt_err rc);
    void (*snapshots_deleted)(
        void *state, akt_ctx *ctx, akt_snapshot_criteria c);
    void (*snapshots_delete_failed)(
        void *state, akt_ctx *ctx, akt_snapshot_criteria c, akt_err rc);
} akt_persistent_def;

/* At-least-once delivery (Akka's AtLeastOnceDelivery): zero fields take
 * the defaults of reference.conf (akt.persistence.at-least-once-delivery). */
typedef struct akt_delivery_options {
    int64_t redeliver_interval_ns; /* 0: 5 s */
    uint32_t warn_after; /* attempts; 0: 5 */
    uint32_t max_unconfirmed; /* 0: 100000 */
    uint32_t burst_limit; /* redeliveries per tick; 0: 10000 */
} akt_delivery_options;

/* akt_persistent_props -- props that spawn def's actors (akt_spawn,
 * akt_ctx_spawn); the actor's name gives its persistence id. def must
 * outlive them. The system must have persistence started. out->init_arg
 * is def->init_arg: set it after the call to give def->state_init
 * another argument per spawn. */
AKT_API akt_err akt_persistent_props(
    const akt_persistent_def *def, akt_props *out);

/* akt_persist -- from a command handler of a persistent actor: write event
 * (consumed on AKT_OK; freed after done ran) as the next sequence number.
 * Commands that arrive until every pending persist completed are stashed.
 * Once durable: def->apply, then done (may be NULL) on the actor. Errors
 * (event still the caller's; nothing written, the sequence number not
 * used): AKT_ESTATE (not in a persistent actor's handler), AKT_EINVAL (no
 * codec: a rejection, def->persist_rejected is not called), AKT_ETOOBIG. */
AKT_API akt_err akt_persist(
    akt_ctx *ctx, void *event, akt_persist_fn done, void *arg);
/* akt_persist_all -- n events as one atomic write; done runs per event. */
AKT_API akt_err akt_persist_all(akt_ctx *ctx, void *const *events, size_t n,
    akt_persist_fn done, void *arg);
/* akt_persist_async, akt_persist_all_async -- the same write, but commands
 * keep flowing while it is in flight (no stash); callbacks still run in
 * the order the persists were made, after apply. */
AKT_API akt_err akt_persist_async(
    akt_ctx *ctx, void *event, akt_persist_fn done, void *arg);
AKT_API akt_err akt_persist_all_async(akt_ctx *ctx, void *const *events,
    size_t n, akt_persist_fn done, void *arg);

/* For generated code (typed callbacks without casting function types):
 * tramp(state, ctx, event, fn, arg) runs where done would, and calls fn
 * converted back to its own type. flags: AKT_PERSIST_ASYNC or 0. */
#define AKT_PERSIST_ASYNC 1u
typedef void (*akt_persist_tramp)(
    void *state, akt_ctx *ctx, const void *event, void (*fn)(void), void *arg);
AKT_API akt_err akt_persist_gen(akt_ctx *ctx, void *const *events, size_t n,
    unsigned flags, akt_persist_tramp tramp, void (*fn)(void), void *arg);

/* Inside a persistent actor's handler: its persistence id ("" outside),
 * its last sequence number (applied or pending), persists in flight. */
AKT_API const char *akt_persistent_id(const akt_ctx *ctx);
AKT_API uint64_t akt_persistent_last_seq(const akt_ctx *ctx);
AKT_API size_t akt_persistent_pending(const akt_ctx *ctx);

/* akt_persistent_sender -- in a persist callback: the sender of the
 * command that called akt_persist (the callback runs on a journal
 * notification, whose own sender is none); elsewhere akt_ctx_sender. */
AKT_API akt_ref akt_persistent_sender(const akt_ctx *ctx);
/* akt_persistent_reply -- akt_reply to akt_persistent_sender (completes
 * the asker's future). Consumes msg on AKT_OK; a command told without a
 * sender has no one to answer: msg is freed, AKT_OK (as akt_reply). */
AKT_API akt_err akt_persistent_reply(akt_ctx *ctx, void *msg);
/* akt_persistent_reply_error_text -- akt_reply_error_text to
 * akt_persistent_sender: the asker's future fails with code and the
 * formatted reason (at most AKT_STATUS_TEXT_MAX bytes). */
AKT_API akt_err akt_persistent_reply_error_text(
    akt_ctx *ctx, akt_err code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* --- at-least-once delivery (the actor's def->delivery set) -----------------
 *
 * The actor persists an event saying it will send, and in apply (which
 * runs again on recovery) calls akt_persistent_deliver; it persists an
 * event when the receiver confirms, and in apply calls
 * akt_persistent_confirm. Each delivery is resent every
 * redeliver_interval until confirmed. During recovery deliveries are only
 * recorded (and the ones left unconfirmed are resent right after it). These
 * calls work inside the actor's handlers, callbacks, apply and
 * snapshot_offer. */

/* builds the message for delivery id (a new message, consumed) */
typedef void *(*akt_deliver_make_fn)(uint64_t delivery_id, void *arg);

/* akt_persistent_deliver -- a new delivery id (ids rise from 1, one
 * sequence for every destination), make(id, arg) builds the message, which
 * goes to dest now (not during recovery) and again until confirmed; *id
 * (may be NULL) gets the id. Errors: AKT_ESTATE (not in a persistent actor
 * with def->delivery), AKT_EFULL (max_unconfirmed reached: nothing
 * recorded), AKT_ENOMEM (also when make returns NULL). */
AKT_API akt_err akt_persistent_deliver(
    akt_ref dest, akt_deliver_make_fn make, void *arg, uint64_t *id);
/* akt_persistent_confirm -- the delivery is confirmed: no more resends.
 * true the first time, false for an unknown or confirmed id. */
AKT_API bool akt_persistent_confirm(uint64_t delivery_id);
/* akt_persistent_unconfirmed -- deliveries not yet confirmed */
AKT_API size_t akt_persistent_unconfirmed(void);
/* akt_persistent_delivery_snapshot -- append the unconfirmed deliveries
 * (ids, destinations as paths, messages) to out, for a bytes field of the
 * actor's snapshot; akt_persistent_delivery_restore in snapshot_offer puts
 * them back (AKT_EPROTO: damaged bytes; AKT_ETYPE: a message type the
 * registry does not know). */
AKT_API akt_err akt_persistent_delivery_snapshot(akt_buf *out);
AKT_API akt_err akt_persistent_delivery_restore(
    const uint8_t *data, size_t len);

/* Snapshot saves and deletes and event deletes run off the actor's
 * thread (the persistence's reader threads: a store waiting on a server
 * never holds a dispatcher worker); their outcome reaches the actor's
 * hooks in a later turn of its own. The operations of one persistence id
 * run one at a time in the order they were made, at most
 * AKT_PERSIST_MAX_OPS queued; an event delete reaches the journal after
 * every persist the actor made before it. A later incarnation's recovery
 * waits until they are done. The calls return AKT_OK once the operation
 * is queued; AKT_EFULL: AKT_PERSIST_MAX_OPS are queued for the id. */
#define AKT_PERSIST_MAX_OPS 1024
/* akt_persistent_save_snapshot -- store snapshot (a message, one reference
 * taken) at the last applied sequence number; then def->snapshot_saved or
 * def->snapshot_failed. AKT_ENOENT: no store; AKT_ETYPE: not
 * def->snapshot_type. */
AKT_API akt_err akt_persistent_save_snapshot(
    akt_ctx *ctx, const void *snapshot);
/* akt_persistent_delete_snapshots -- delete this id's snapshots matching c;
 * then def->snapshots_deleted or def->snapshots_delete_failed. AKT_ENOENT:
 * no store. */
AKT_API akt_err akt_persistent_delete_snapshots(
    akt_ctx *ctx, akt_snapshot_criteria c);
/* akt_persistent_delete_events -- delete events <= to_seq (to_seq above
 * the last sequence number handed out is AKT_ERANGE; UINT64_MAX: all);
 * then def->events_deleted or def->events_delete_failed. */
AKT_API akt_err akt_persistent_delete_events(akt_ctx *ctx, uint64_t to_seq);

#ifdef __cplusplus
}
#endif
#endif /* AKT_PERSISTENCE_H */
