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
enum { AKTI_EXT_REMOTE = 0, AKTI_EXT_SLOTS = 4 };

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

#endif /* AKTI_CORE_EXT_H */
