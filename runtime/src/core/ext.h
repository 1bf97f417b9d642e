/*
 * ext.h -- per-system extension slots: how subsystems outside the core
 * (remote/, later cluster/) hang their state on a system and hear of its
 * end, without the core depending on them. Included by core.h, and alone
 * by those subsystems (core.h's private types would clash with theirs).
 */
#ifndef AKTI_CORE_EXT_H
#define AKTI_CORE_EXT_H

#include <stdbool.h>
#include <stddef.h>

#include "akt/actor.h"

/* --- extensions ------------------------------------------------------------
 * A subsystem outside the core (remote/, later cluster/) registers a const
 * table on a system, as NNG's transports do. The hooks run under ext_mu's
 * read lock: they must not set or clear an extension. */
enum {
    AKTI_EXT_REMOTE = 0,
    AKTI_EXT_PERSIST = 1,
    AKTI_EXT_CLUSTER = 2,
    AKTI_EXT_SLOTS = 4
};

typedef struct akti_ext_ops {
    const char *name;
    /* akt_system_free, after every actor stopped and before the dispatchers
     * stop: join threads, drop what refers to the system. The slot is
     * cleared before the call. May be NULL. */
    void (*terminated)(akt_system *sys, void *arg);
    /* the path other nodes reach ref under (akt://sys@host:port/user/a);
     * AKT_ENOENT: not this extension's business (the local path is used). */
    akt_err (*ref_to_path)(void *arg, akt_ref ref, char *buf, size_t len);
    /* resolve a path that names another node; AKT_ENOENT: not handled */
    akt_err (*path_to_ref)(void *arg, const char *path, akt_ref *out);
    /* the watcher count of a cell that asked for it (akti_ctx_watch_hook)
     * changed to nwatchers: after a watch was added or an unwatch (or the
     * stop of a watcher) removed one; not when the cell itself stops.
     * Runs on the cell's thread (state is the cell's state), so it is
     * ordered with the cell's handlers. Only marked cells pay for it (the
     * remote proxies: lazy remote watch). May be NULL. */
    void (*watchers)(void *arg, akt_ref self, void *state, uint32_t nwatchers);
} akti_ext_ops;

/* akti_system_ext_set -- install ops+arg in slot: AKT_EEXIST when taken,
 * AKT_ECLOSED when the system is terminating. */
AKTI_INTERNAL akt_err akti_system_ext_set(
    akt_system *sys, unsigned slot, const akti_ext_ops *ops, void *arg);
/* akti_system_ext_get -- the slot's arg (NULL: none); retain(arg), if
 * given, runs under the lock so the arg cannot be cleared meanwhile. */
AKTI_INTERNAL void *akti_system_ext_get(
    akt_system *sys, unsigned slot, void (*retain)(void *arg));
/* akti_system_ext_clear -- empty slot if it still holds arg; true if it did. */
AKTI_INTERNAL bool akti_system_ext_clear(
    akt_system *sys, unsigned slot, void *arg);

/* akti_ctx_watch_hook -- from pre_start: mark the current actor so that
 * slot's `watchers` hook hears of each change of its watcher count (for
 * this incarnation). */
AKTI_INTERNAL void akti_ctx_watch_hook(akt_ctx *ctx, unsigned slot);
/* akti_unwatch_future -- undo akt_watch_future(target, &f): f completes
 * with AKT_ECANCELED unless target stopped first (then it completed with
 * Terminated). f must still be referenced by the caller during the call. */
AKTI_INTERNAL void akti_unwatch_future(akt_ref target, akt_future *f);

/* The one monotonic clock of libakt (CLOCK_MONOTONIC, ns), and its coarse
 * variant (CLOCK_MONOTONIC_COARSE: a tick's resolution, no vDSO syscall
 * cost; for caches and rate limits, never for deadlines a test checks). */
AKTI_INTERNAL int64_t akti_now_ns(void);
AKTI_INTERNAL int64_t akti_now_coarse_ns(void);

/* akti_ref_load -- the one question a router asks about a routee: GONE
 * (the ref's incarnation stopped), IDLE (not running, mailbox empty), BUSY
 * (running or scheduled, mailbox empty), QUEUED (messages wait). A racy
 * snapshot, good for picking, never for correctness. */
typedef enum akti_load {
    AKTI_LOAD_IDLE = 0,
    AKTI_LOAD_BUSY,
    AKTI_LOAD_QUEUED,
    AKTI_LOAD_GONE,
} akti_load;
AKTI_INTERNAL akti_load akti_ref_load(akt_ref ref);

/* akti_system_codec_limits -- the system's akt.codec.* (read at create) */
AKTI_INTERNAL akt_codec_limits akti_system_codec_limits(const akt_system *sys);

#endif /* AKTI_CORE_EXT_H */
