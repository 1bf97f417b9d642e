/*
 * persist_impl.h -- what the files of persist/ share.
 */
#ifndef AKTI_PERSIST_IMPL_H
#define AKTI_PERSIST_IMPL_H

#include <pthread.h>
#include <stdbool.h>

#include "akt/persistence.h"

/* wall clock in ms since 1970: record timestamps */
AKTI_INTERNAL int64_t akti_persist_now_ms(void);
/* the monotonic clock of the circuit breaker, in ns (tests replace it) */
AKTI_INTERNAL extern int64_t (*akti_persist_mono_ns)(void);
/* printf into err->text (err may be NULL) */
AKTI_INTERNAL void akti_perr(akt_persist_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A store call that another thread may interrupt (a recovering actor
 * stopped, the system stopping). The thread about to call the store makes
 * a token current (akti_cancel_cur); a plug-in that blocks in a server
 * call registers how to interrupt it for as long as it waits (enter ..
 * leave; PostgreSQL: PQcancel on the connection) and returns
 * AKT_ECANCELED when the call was cut. fire marks the token and runs the
 * registered interrupt (under the token's lock, so it never races leave).
 * A call entered after the token fired does not start. */
typedef struct akti_cancel {
    pthread_mutex_t mu;
    bool fired;
    void (*fn)(void *arg); /* set between enter and leave */
    void *arg;
} akti_cancel;
AKTI_INTERNAL extern _Thread_local akti_cancel *akti_cancel_cur;
AKTI_INTERNAL void akti_cancel_init(akti_cancel *c);
AKTI_INTERNAL void akti_cancel_destroy(akti_cancel *c);
/* false: fired already (do not start the call) */
AKTI_INTERNAL bool akti_cancel_enter(
    akti_cancel *c, void (*fn)(void *arg), void *arg);
AKTI_INTERNAL void akti_cancel_leave(akti_cancel *c);
AKTI_INTERNAL bool akti_cancel_fired(akti_cancel *c);
AKTI_INTERNAL void akti_cancel_fire(akti_cancel *c);

/* A set of persistence ids with writes queued or in flight, and how many
 * (the caller locks): `highest` waits only when its own id has one. */
/* the plug-in's name (its ops table's): "lmdb", "postgresql", ... */
AKTI_INTERNAL const char *akti_journal_plugin(const akt_journal *j);
AKTI_INTERNAL const char *akti_snapshot_plugin(const akt_snapshot_store *s);

typedef struct akti_pend akti_pend;
#define AKTI_PEND_BUCKETS 4096
typedef struct akti_pend_map {
    akti_pend *b[AKTI_PEND_BUCKETS];
} akti_pend_map;
/* one more write of pid (len bytes); false: out of memory */
AKTI_INTERNAL bool akti_pend_add(akti_pend_map *m, const char *pid, size_t len);
/* a write of pid completed */
AKTI_INTERNAL void akti_pend_done(
    akti_pend_map *m, const char *pid, size_t len);
AKTI_INTERNAL bool akti_pend_has(
    const akti_pend_map *m, const char *pid, size_t len);

/* akti_persist_settings_read -- akt.persistence.* through the settings
 * reader (config/settings_reader.h): the first bad key fails naming it.
 * out is written only on success; its strings point into cfg. */
typedef enum akti_pplugin {
    AKTI_PPLUGIN_LMDB = 0,
    AKTI_PPLUGIN_PG,
    AKTI_PPLUGIN_NONE /* snapshot store only */
} akti_pplugin;
typedef struct akti_persist_settings {
    int journal_plugin; /* akti_pplugin */
    akt_lmdb_options journal;
    akt_pg_options journal_pg;
    int snapshot_plugin; /* akti_pplugin */
    akt_lmdb_options snapshots;
    akt_pg_options snapshots_pg;
    bool has_snapshots; /* snapshot-store.plugin is not none */
    int64_t breaker_failures; /* journal.circuit-breaker.max-failures */
    int64_t breaker_reset_ns; /* journal.circuit-breaker.reset-timeout */
    int64_t breaker_call_ns; /* journal.circuit-breaker.call-timeout */
    int64_t sbreaker_failures; /* snapshot-store.circuit-breaker.* */
    int64_t sbreaker_call_ns;
    int64_t sbreaker_reset_ns;
    int64_t max_recoveries; /* max-concurrent-recoveries */
    int64_t reader_threads; /* reader-threads */
    int state_plugin; /* state.plugin (akti_pplugin) */
    akt_lmdb_options state;
    akt_pg_options state_pg;
    akt_delivery_options delivery; /* at-least-once-delivery.* */
    akt_replay_filter replay_filter; /* journal.replay-filter.* */
} akti_persist_settings;
AKTI_INTERNAL akt_err akti_persist_settings_read(
    const akt_config *cfg, akti_persist_settings *out, akt_config_error *err);

#endif /* AKTI_PERSIST_IMPL_H */
