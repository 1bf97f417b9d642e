/*
 * akt/timers.h -- time: per-actor keyed timers, the receive timeout, the
 * system scheduler for one-off tasks, and virtual time.
 *
 * Everything here runs on the system's one hashed timing wheel (no thread
 * per timer). Accuracy: a timer never fires early; it fires on the first
 * wheel tick at or after its deadline, so it is late by up to one tick
 * (akt.scheduler.tick, 1 ms by default) plus scheduling latency. With
 * `akt.scheduler.clock = virtual` (the testkit) time moves only when
 * akt_scheduler_advance() is called, and timers fire on that caller's
 * thread, in deadline order.
 */
#ifndef AKT_TIMERS_H
#define AKT_TIMERS_H

#include "akt/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- per-actor timers (call from the actor's own handlers) ---------------- */

/* akt_timer_start_single -- send msg to self once after delay_ns, under
 * key. A timer already running under key is cancelled and replaced (its
 * message, even if already queued, is never delivered). Consumes msg on
 * AKT_OK. The timer dies with the actor (stop and restart). Once the
 * message has been delivered the key is no longer active.
 * Errors: AKT_EINVAL (NULL ctx/msg, delay < 0), AKT_ENOMEM. */
AKT_API akt_err akt_timer_start_single(
    akt_ctx *ctx, uint64_t key, void *msg, int64_t delay_ns);

/* akt_timer_start_periodic -- send msg to self after initial_delay_ns and
 * then every interval_ns (fixed delay from each firing; the same message
 * is shared by every delivery, as a view). Consumes msg on AKT_OK.
 * Errors: as above, and AKT_EINVAL for interval_ns <= 0. */
AKT_API akt_err akt_timer_start_periodic(akt_ctx *ctx, uint64_t key, void *msg,
    int64_t initial_delay_ns, int64_t interval_ns);

/* akt_timer_is_active -- true while key has a timer whose message has not
 * yet been delivered (single) or that was not cancelled (periodic). */
AKT_API bool akt_timer_is_active(akt_ctx *ctx, uint64_t key);

/* akt_timer_cancel -- cancel key; a message it already queued is dropped.
 * AKT_ENOENT when key has no timer. */
AKT_API akt_err akt_timer_cancel(akt_ctx *ctx, uint64_t key);

/* akt_timer_cancel_all -- cancel every timer of this actor. */
AKT_API void akt_timer_cancel_all(akt_ctx *ctx);

/* --- receive timeout ----------------------------------------------------- */

/* Delivered to an actor that received no message for its receive timeout
 * (again after each further idle period, until the timeout is cleared). */
typedef struct akt_ReceiveTimeout {
    int64_t timeout_ns;
} akt_ReceiveTimeout;
AKT_API extern const akt_type akt_receive_timeout_type;

/* akt_ctx_set_receive_timeout -- timeout_ns > 0 arms it (any delivered
 * message restarts the idle period); 0 clears it. */
AKT_API akt_err akt_ctx_set_receive_timeout(akt_ctx *ctx, int64_t timeout_ns);

/* --- the system scheduler (one-off tasks) ----------------------------------
 */

typedef struct akt_task akt_task;

/* akt_schedule_once -- run fn(arg) once after delay_ns on the scheduler's
 * thread (keep it short: it delays every other timer), then fini(arg).
 * A task still pending when the system is freed is cancelled (fini runs,
 * fn never). When *out is given it gets a handle the caller releases with
 * akt_task_release (also after akt_system_free; akt_task_cancel only
 * before). On error neither fn nor fini is called.
 * Errors: AKT_EINVAL, AKT_ENOMEM, AKT_ECLOSED (system terminated). */
AKT_API akt_err akt_schedule_once(akt_system *sys, int64_t delay_ns,
    void (*fn)(void *arg), void *arg, void (*fini)(void *arg), akt_task **out);

/* akt_schedule_tell -- send msg to `to` (from sender) after delay_ns.
 * Consumes msg on AKT_OK (a cancelled task frees it). */
AKT_API akt_err akt_schedule_tell(akt_system *sys, int64_t delay_ns, akt_ref to,
    void *msg, akt_ref sender, akt_task **out);

/* akt_task_cancel -- true when the task had not run and now never will
 * (its fini runs now). Does not release the handle. */
AKT_API bool akt_task_cancel(akt_task *t);
AKT_API void akt_task_release(akt_task *t);

/* --- the clock ----------------------------------------------------------- */

/* akt_scheduler_now -- the wheel's clock in nanoseconds (monotonic; with a
 * virtual clock: the virtual time, starting at 0). */
AKT_API int64_t akt_scheduler_now(akt_system *sys);

/* akt_scheduler_is_virtual -- true for akt.scheduler.clock = virtual. */
AKT_API bool akt_scheduler_is_virtual(const akt_system *sys);

/* akt_scheduler_advance -- move virtual time forward by ns, firing every
 * timer that comes due, in deadline order, on the calling thread (a
 * periodic timer fires once per period passed). AKT_ENOTSUP on a real
 * clock, AKT_EINVAL for ns < 0. */
AKT_API akt_err akt_scheduler_advance(akt_system *sys, int64_t ns);

/* akt_scheduler_next_due -- *in_ns = how long until the earliest armed
 * timer of sys is due (0: overdue; rounded up to the tick). AKT_ENOENT when
 * no timer is armed, AKT_EINVAL for NULL arguments. With virtual time a
 * test can check that something was scheduled, and for when, before it
 * advances ("the backoff timer is armed for exactly 80 ms"). */
AKT_API akt_err akt_scheduler_next_due(akt_system *sys, int64_t *in_ns);

#ifdef __cplusplus
}
#endif
#endif /* AKT_TIMERS_H */
