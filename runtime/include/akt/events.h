/*
 * akt/events.h -- the per-system event stream, logging, dead letters.
 *
 * Publish/subscribe by message type: a subscriber is an actor ref; a
 * published message is delivered to every subscriber of its type (and to
 * subscribers of everything) as ONE reference-counted message, never a
 * copy. Subscribers are unsubscribed automatically when they stop (the
 * stream watches them).
 *
 * Logging goes through the stream: akt_log() builds an akt_LogEvent
 * (level, timestamp, source actor path, text), hands it to the system's
 * sink (default: one line on stderr) and publishes it to subscribers of
 * akt_log_event_type. Dead letters and unhandled messages are published
 * as akt_DeadLetter / akt_UnhandledMessage and logged at warning level,
 * at most akt.actor.dead-letters.log-max lines per
 * akt.actor.dead-letters.log-suspend period.
 */
#ifndef AKT_EVENTS_H
#define AKT_EVENTS_H

#include <stdarg.h>

#include "akt/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- publish / subscribe ----------------------------------------------------
 */

/* akt_events_subscribe -- deliver published messages of type (NULL: all
 * types) to subscriber. Subscribing twice is one subscription. An actor
 * subscriber is watched (its death ends its subscriptions): AKT_ENOMEM
 * also when that watch cannot be asked for (then nothing is subscribed).
 * Errors: AKT_EINVAL, AKT_ENOMEM, AKT_ECLOSED. */
AKT_API akt_err akt_events_subscribe(
    akt_system *sys, akt_ref subscriber, const akt_type *type);

/* akt_events_unsubscribe -- remove subscriber's subscription to type
 * (NULL: all of its subscriptions). AKT_ENOENT when it had none. */
AKT_API akt_err akt_events_unsubscribe(
    akt_system *sys, akt_ref subscriber, const akt_type *type);

/* akt_events_publish -- deliver msg to every matching subscriber (one
 * shared message). Consumes msg on AKT_OK, also when nobody listens. */
AKT_API akt_err akt_events_publish(akt_system *sys, void *msg);

/* akt_events_subscriber_count -- subscriptions matching type exactly
 * (NULL: subscriptions to everything); for tests and monitoring. */
AKT_API size_t akt_events_subscriber_count(
    akt_system *sys, const akt_type *type);

/* --- standard events -------------------------------------------------------
 */

/* A message that could not be delivered (stale ref, stopped actor, full
 * mailbox). `message` is a view of it, valid while this event lives. */
typedef struct akt_DeadLetter {
    akt_ref recipient;
    akt_ref sender;
    int32_t reason; /* akt_err */
    const void *message;
} akt_DeadLetter;
AKT_API extern const akt_type akt_dead_letter_type;

/* A message the recipient's behaviour had no handler for. */
typedef struct akt_UnhandledMessage {
    akt_ref recipient;
    akt_ref sender;
    const void *message;
} akt_UnhandledMessage;
AKT_API extern const akt_type akt_unhandled_message_type;

/* --- logging ---------------------------------------------------------------
 */

typedef enum akt_log_level {
    AKT_LOG_OFF = 0,
    AKT_LOG_ERROR = 1,
    AKT_LOG_WARNING = 2,
    AKT_LOG_INFO = 3,
    AKT_LOG_DEBUG = 4
} akt_log_level;

typedef struct akt_LogEvent {
    int32_t level; /* akt_log_level */
    int64_t timestamp_ns; /* wall clock (CLOCK_REALTIME), ns since 1970 */
    akt_ref source; /* AKT_REF_NONE for the system itself */
    akt_str path; /* source's path, or akt://<system> */
    akt_str text;
} akt_LogEvent;
AKT_API extern const akt_type akt_log_event_type;

/* A sink sees every event at or above the level, synchronously, on the
 * logging thread, one at a time (serialised). ev is a view. */
typedef void (*akt_log_sink_fn)(const akt_LogEvent *ev, void *arg);

/* akt_log_set_sink -- replace the sink (NULL: back to stderr); the old
 * sink's fini runs. */
AKT_API akt_err akt_log_set_sink(
    akt_system *sys, akt_log_sink_fn fn, void *arg, void (*fini)(void *arg));

/* akt_log_set_level / akt_log_level_of -- the system's level (starts at
 * akt.loglevel). */
AKT_API void akt_log_set_level(akt_system *sys, akt_log_level level);
AKT_API akt_log_level akt_log_level_of(const akt_system *sys);

/* akt_log -- log from anywhere; source may be AKT_REF_NONE. */
AKT_API void akt_log(
    akt_system *sys, akt_log_level level, akt_ref source, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
AKT_API void akt_logv(akt_system *sys, akt_log_level level, akt_ref source,
    const char *fmt, va_list ap);

/* akt_ctx_log -- log from a handler; the source is the actor itself. */
AKT_API void akt_ctx_log(
    akt_ctx *ctx, akt_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* akt_log_format -- the default sink's line, without the newline:
 * "2026-11-27T15:40:00.123456Z WARN  [akt://sys/user/a] text". Returns the
 * length it needed (as snprintf). */
AKT_API size_t akt_log_format(const akt_LogEvent *ev, char *buf, size_t len);

AKT_API const char *akt_log_level_name(akt_log_level level);

#ifdef __cplusplus
}
#endif
#endif /* AKT_EVENTS_H */
