/*
 * akt/shutdown.h -- coordinated shutdown: ordered phases with tasks.
 *
 * When a system shuts down -- akt_system_terminate, akt_shutdown_run, a
 * SIGTERM/SIGINT (akt.coordinated-shutdown.run-by-signal = on), later the
 * cluster -- the phases below run in order, each phase's tasks together,
 * each phase bounded by its timeout (akt.coordinated-shutdown.phase-timeout,
 * or akt.coordinated-shutdown.phases.<phase>.timeout); a phase that times
 * out is logged and the next one starts. After the last phase the actors
 * stop (children first). It runs exactly once, however many triggers race;
 * the first trigger's reason wins. With no tasks registered nothing extra
 * happens (no thread); otherwise the phases run on their own thread and
 * akt_system_terminate still returns at once.
 */
#ifndef AKT_SHUTDOWN_H
#define AKT_SHUTDOWN_H

#include "akt/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum akt_shutdown_phase {
    AKT_PHASE_SERVICE_UNBIND = 0,
    AKT_PHASE_SERVICE_REQUESTS_DONE,
    AKT_PHASE_SERVICE_STOP,
    AKT_PHASE_BEFORE_CLUSTER_SHUTDOWN,
    AKT_PHASE_CLUSTER_LEAVE,
    AKT_PHASE_CLUSTER_SHUTDOWN,
    AKT_PHASE_BEFORE_ACTOR_SYSTEM_TERMINATE,
    AKT_PHASE_ACTOR_SYSTEM_TERMINATE,
    AKT_PHASE_COUNT
} akt_shutdown_phase;

/* A task. It runs on the shutdown thread; it may finish at once (return
 * AKT_OK, leave *done NULL) or hand back a future the phase waits for
 * (e.g. from akt_ask or akt_watch_future; the runner releases it). A
 * returned error is logged and does not stop the shutdown. */
typedef akt_err (*akt_shutdown_task_fn)(
    akt_system *sys, const char *reason, void *arg, akt_future **done);

/* akt_shutdown_add_task -- add a task to phase (name for logs). fini(arg)
 * runs when the system is freed. Errors: AKT_EINVAL, AKT_ENOMEM,
 * AKT_ECLOSED (shutdown already started). */
AKT_API akt_err akt_shutdown_add_task(akt_system *sys, akt_shutdown_phase phase,
    const char *name, akt_shutdown_task_fn fn, void *arg,
    void (*fini)(void *arg));

/* akt_shutdown_run -- start the shutdown with reason (copied). AKT_ECLOSED
 * when it already started (the earlier reason stays). */
AKT_API akt_err akt_shutdown_run(akt_system *sys, const char *reason);

/* akt_shutdown_reason -- the reason, or NULL before the shutdown. */
AKT_API const char *akt_shutdown_reason(akt_system *sys);

/* akt_shutdown_set_phase_timeout -- override the configured timeout. */
AKT_API akt_err akt_shutdown_set_phase_timeout(
    akt_system *sys, akt_shutdown_phase phase, int64_t timeout_ns);

/* akt_shutdown_timeouts -- how many phases timed out (tests, monitoring). */
AKT_API uint32_t akt_shutdown_timeouts(akt_system *sys);

/* "service-unbind", ... ; NULL for a bad phase. */
AKT_API const char *akt_shutdown_phase_name(akt_shutdown_phase phase);

#ifdef __cplusplus
}
#endif
#endif /* AKT_SHUTDOWN_H */
