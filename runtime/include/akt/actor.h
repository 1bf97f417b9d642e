/*
 * akt/actor.h -- actor systems, refs, props, tell/ask, futures, contexts.
 *
 * The part of this header that generated code uses is frozen by
 * AKT_GEN_ABI: akt_ref, akt_handler_fn, akt_handler, akt_behavior,
 * akt_lifecycle, akt_props, akt_tell, akt_ask, akt_call, akt_reply,
 * akt_reply_error, akt_forward_msg,
 * akt_ctx_behavior_arg, akt_ctx_default_pre_restart,
 * akt_ctx_default_post_restart, akt_future_wait/release. The rest may
 * grow.
 *
 * Time values are int64_t nanoseconds (AKT_MS/AKT_SEC build them).
 */
#ifndef AKT_ACTOR_H
#define AKT_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/config.h"
#include "akt/err.h"
#include "akt/export.h"
#include "akt/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AKT_NS(x)   ((int64_t)(x))
#define AKT_US(x)   ((int64_t)(x)*1000)
#define AKT_MS(x)   ((int64_t)(x)*1000000)
#define AKT_SEC(x)  ((int64_t)(x)*1000000000)
#define AKT_FOREVER INT64_MAX

typedef struct akt_system akt_system;
typedef struct akt_ctx akt_ctx;
typedef struct akt_future akt_future;
struct akt_cell;

/* akt_ref -- a handle to an actor, passed by value, copied freely, never
 * retained or released. It names a cell and the uid of the incarnation it
 * was made for: once that actor stops, the ref is stale and everything sent
 * through it goes to dead letters, even if a new actor takes the same name.
 * Cells are type-stable memory owned by the system, so a stale ref is
 * harmless until akt_system_free(). The members are private. */
typedef struct akt_ref {
    struct akt_cell *cell_;
    uint64_t uid_;
} akt_ref;

#ifdef __cplusplus
#define AKT_REF_NONE (akt_ref { nullptr, 0 })
#else
#define AKT_REF_NONE ((akt_ref) { 0, 0 })
#endif
static inline bool
akt_ref_is_none(akt_ref r)
{
    return r.cell_ == 0;
}
static inline bool
akt_ref_equal(akt_ref a, akt_ref b)
{
    return a.cell_ == b.cell_ && a.uid_ == b.uid_;
}

/* --- behaviour ----------------------------------------------------------- */

/* A handler gets the actor's state, its context and a view of the message
 * (valid until the handler returns; akt_msg_retain or _dup to keep it).
 * It returns AKT_OK, or a failure code that the supervisor acts on
 * (akt_ctx_fail() attaches a reason text). */
typedef akt_err (*akt_handler_fn)(void *state, akt_ctx *ctx, const void *msg);

typedef struct akt_handler {
    const akt_type *type;
    akt_handler_fn fn;
} akt_handler;

/* A behaviour: a handler table. `unhandled` (optional) sees every message
 * with no entry; without it such messages are published as unhandled and
 * sent to dead letters. become() swaps behaviours. */
typedef struct akt_behavior {
    const char *name;
    const akt_handler *handlers;
    size_t nhandlers;
    akt_handler_fn unhandled;
} akt_behavior;

/* Lifecycle hooks, each optional (NULL). A restart (Akka's order): the
 * failed incarnation's pre_restart; then, once every child it stopped has
 * stopped, the state is reset and the fresh incarnation's post_restart
 * runs; last, the children that pre_restart left running (survivors) are
 * restarted themselves. */
typedef struct akt_lifecycle {
    /* after the state is initialised, before the first message */
    akt_err (*pre_start)(void *state, akt_ctx *ctx);
    /* after the actor and all its children stopped */
    void (*post_stop)(void *state, akt_ctx *ctx);
    /* on the failed incarnation, with the failure's code and the message
     * being handled (NULL for a kill). NULL: akt_ctx_default_pre_restart
     * (stop every child, then post_stop). */
    void (*pre_restart)(
        void *state, akt_ctx *ctx, akt_err reason, const void *failed_msg);
    /* on the fresh incarnation, instead of pre_start. NULL:
     * akt_ctx_default_post_restart (run pre_start, so the children and
     * timers set up at start come back). A failure fails the actor
     * again (its supervisor decides). */
    akt_err (*post_restart)(void *state, akt_ctx *ctx, akt_err reason);
    /* on start and on each restart: after state_init, before pre_start
     * (or post_restart), with the props' init_arg, so the spawn's argument
     * reaches a state that has a context (generated actors run their
     * handler table's init here). A failure fails the start as pre_start's
     * would. NULL: nothing. */
    akt_err (*init)(void *state, akt_ctx *ctx, const void *init_arg);
} akt_lifecycle;

/* --- supervision --------------------------------------------------------- */

typedef enum akt_directive {
    AKT_RESUME = 1, /* keep state, continue with the next message */
    AKT_RESTART, /* fresh state, keep the mailbox */
    AKT_STOP, /* stop the child */
    AKT_ESCALATE /* fail the supervisor itself with the same reason */
} akt_directive;

typedef enum akt_strategy_kind {
    AKT_ONE_FOR_ONE = 1,
    AKT_ALL_FOR_ONE,
    AKT_REST_FOR_ONE
} akt_strategy_kind;

/* Decide what to do with a child that failed with reason. */
typedef akt_directive (*akt_decider_fn)(
    akt_err reason, akt_ref child, void *arg);

typedef struct akt_supervisor_strategy {
    akt_strategy_kind kind;
    /* restarts allowed per child in `within_ns` before it is stopped instead:
     * 0: the config default (akt.actor.supervision.max-restarts), so a
     * zero-initialised strategy behaves like the default one; -1: no
     * limit; n > 0: n. (To never restart, let the decider return
     * AKT_STOP.) */
    int32_t max_restarts;
    int64_t within_ns; /* 0: config default (akt.actor.supervision.within) */
    akt_decider_fn decider; /* NULL: restart on every failure */
    void *decider_arg;
    /* Backoff: when min_backoff_ns > 0 restarts are delayed by
     * min * 2^n (capped at max), +/- random_factor jitter; n resets after
     * the child ran reset_after_ns without failing. */
    int64_t min_backoff_ns;
    int64_t max_backoff_ns;
    double random_factor;
    int64_t reset_after_ns;
} akt_supervisor_strategy;

/* --- mailboxes ----------------------------------------------------------- */

typedef enum akt_mailbox_kind {
    AKT_MAILBOX_DEFAULT = 0, /* from config akt.actor.default-mailbox */
    AKT_MAILBOX_UNBOUNDED,
    AKT_MAILBOX_BOUNDED,
    AKT_MAILBOX_PRIORITY,
    AKT_MAILBOX_CONTROL_AWARE
} akt_mailbox_kind;

typedef enum akt_overflow {
    AKT_OVERFLOW_DEFAULT = 0,
    AKT_OVERFLOW_DROP_NEW, /* the new message goes to dead letters */
    AKT_OVERFLOW_DROP_HEAD, /* the oldest queued message goes to dead letters */
    AKT_OVERFLOW_FAIL, /* tell returns AKT_EFULL; caller keeps msg */
    AKT_OVERFLOW_BLOCK /* sender blocks up to block_timeout, then FAIL */
} akt_overflow;

/* Priority mailboxes: lower number is served first, FIFO within one. */
typedef int (*akt_priority_fn)(const void *msg, void *arg);

typedef struct akt_mailbox_opts {
    akt_mailbox_kind kind;
    uint32_t capacity; /* bounded; 0: config default */
    akt_overflow overflow;
    int64_t block_timeout_ns;
    akt_priority_fn priority;
    void *priority_arg;
} akt_mailbox_opts;

/* --- props --------------------------------------------------------------- */

typedef struct akt_props {
    const akt_behavior *behavior; /* required */
    const void *behavior_arg; /* akt_ctx_behavior_arg(); generated
                                 code passes the user's handler table */
    const akt_lifecycle *lifecycle; /* optional */
    size_t state_size; /* state allocated and zeroed by akt */
    /* state_init -- on start and on each restart; init_arg is props's */
    akt_err (*state_init)(void *state, const void *init_arg);
    void (*state_fini)(void *state); /* on stop and before a restart */
    const void *init_arg;
    const char *dispatcher; /* config path of a dispatcher, NULL: default;
                               "pinned", "calling-thread", "blocking" */
    const akt_mailbox_opts *mailbox; /* NULL: default */
    const akt_supervisor_strategy *supervisor; /* for its children */
    /* init_fini -- optional: called once with init_arg when the actor is
     * gone for good (after its last post_stop; never on a restart), if
     * akt_spawn returned AKT_OK; when the spawn fails the caller still owns
     * init_arg. Lets a spawner hand the actor an init_arg it allocated. */
    void (*init_fini)(const void *init_arg);
} akt_props;

/* --- systems ------------------------------------------------------------- */

/* akt_system_create -- a new system named name ([A-Za-z0-9_-]+). cfg may be
 * NULL for akt_config_load(NULL); the system retains cfg. Guardians /user
 * and /system exist on return. A bad setting fails it (AKT_ETYPE: wrong
 * type, AKT_ERANGE: out of range, AKT_EINVAL: not one of the names the
 * key takes) and prints which one on stderr; akt_system_create_ex gives
 * that message to the caller instead. Errors also: AKT_EINVAL (bad name,
 * out NULL), AKT_ENOMEM. */
AKT_API akt_err akt_system_create(
    const char *name, const akt_config *cfg, akt_system **out);
/* akt_system_create_ex -- akt_system_create; on a bad setting err (may be
 * NULL) holds "origin: key: expected ..., got ..." and the origin's
 * file/line/col, and nothing is printed. */
AKT_API akt_err akt_system_create_ex(const char *name, const akt_config *cfg,
    akt_system **out, akt_config_error *err);

/* akt_system_terminate -- stop all actors (children first), then the
 * dispatchers. Returns at once; AKT_ECLOSED when already terminating. */
AKT_API akt_err akt_system_terminate(akt_system *sys);

/* akt_system_await_termination -- wait until terminated (AKT_ETIMEDOUT). */
AKT_API akt_err akt_system_await_termination(
    akt_system *sys, int64_t timeout_ns);

/* akt_system_free -- terminate if needed, wait, free everything; refs to
 * this system become invalid. Must not be called from an actor. */
AKT_API void akt_system_free(akt_system *sys);

AKT_API const char *akt_system_name(const akt_system *sys);
AKT_API const akt_config *akt_system_config(const akt_system *sys);

/* Dead letters: total count, and an observer called for each one (from any
 * thread; msg is a view). */
typedef void (*akt_dead_letter_fn)(
    akt_ref recipient, const void *msg, akt_err reason, void *arg);
AKT_API uint64_t akt_system_dead_letters(const akt_system *sys);
/* akt_system_publish_dead_letter -- report msg (an akt message) as a dead
 * letter to recipient for reason: counted, given to the observer and the
 * kit's log/event stream; an ask's future behind it fails. Consumes msg (one
 * reference) on AKT_OK. For subsystems that drop messages outside the core
 * (remoting's outbound queues). Errors: AKT_EINVAL. */
AKT_API akt_err akt_system_publish_dead_letter(
    akt_system *sys, akt_ref recipient, void *msg, akt_err reason);
/* akt_system_ref_to_path -- the path under which other nodes reach ref:
 * with remoting running on sys, akt://sys@host:port/user/a (a proxy gives
 * its remote actor's path); otherwise akt_ref_path's. Errors as
 * akt_ref_path. */
AKT_API akt_err akt_system_ref_to_path(
    akt_system *sys, akt_ref ref, char *buf, size_t len);
/* akt_system_path_to_ref -- akt_lookup, and for a path naming another node
 * (with remoting on sys) a proxy ref to it. Errors: AKT_EINVAL (not a
 * path), AKT_ENOENT (no such actor here, or no remoting for that node). */
AKT_API akt_err akt_system_path_to_ref(
    akt_system *sys, const char *path, akt_ref *out);
AKT_API akt_err akt_system_on_dead_letter(
    akt_system *sys, akt_dead_letter_fn fn, void *arg, void (*fini)(void *arg));

/* akt_system_stats -- counters for tests and monitoring. live_messages is
 * process-wide (messages allocated and not yet freed, every system). */
typedef struct akt_system_stats_t {
    int64_t live_actors; /* user and system actors, guardians excluded */
    int64_t live_futures; /* futures not yet released */
    uint64_t dead_letters;
    int64_t live_messages;
} akt_system_stats_t;
AKT_API akt_err akt_system_stats(
    const akt_system *sys, akt_system_stats_t *out);

/* --- spawning, lookup, paths ---------------------------------------------- */

/* akt_spawn -- a top-level actor under /user. name NULL: generated ($a, $b..).
 * Errors: AKT_EEXIST (a live sibling has the name; a stopped actor's name
 * is free before any watcher gets its Terminated), AKT_EINVAL (bad
 * name/props), AKT_ECLOSED. */
AKT_API akt_err akt_spawn(
    akt_system *sys, const akt_props *props, const char *name, akt_ref *out);

/* akt_system_spawn_system -- as akt_spawn, under the /system guardian (for
 * libakt's own subsystems: remoting, cluster, persistence). */
AKT_API akt_err akt_system_spawn_system(
    akt_system *sys, const akt_props *props, const char *name, akt_ref *out);

/* akt_lookup -- the live actor at path ("/user/a/b" or
 * "akt://sys/user/a/b"); AKT_ENOENT when none. */
AKT_API akt_err akt_lookup(akt_system *sys, const char *path, akt_ref *out);

/* akt_ref_path -- write the full path (akt://sys/user/a) to buf.
 * Errors: AKT_EINVAL, AKT_ERANGE (buf too small), AKT_ESTOPPED (the actor
 * stopped: buf is ""; a stopped actor's cell may already hold another). */
AKT_API akt_err akt_ref_path(akt_ref ref, char *buf, size_t len);
AKT_API akt_system *akt_ref_system(akt_ref ref);

/* --- sending ------------------------------------------------------------- */

/* akt_tell -- send msg to `to`; sender may be AKT_REF_NONE. Consumes msg
 * (one reference) only on AKT_OK; a send to a stale ref is AKT_OK and the
 * message becomes a dead letter. Errors: AKT_EINVAL (NULL msg / none ref),
 * AKT_EFULL (bounded mailbox with FAIL, or BLOCK timed out), AKT_ECLOSED
 * (the system terminated), AKT_ENOMEM. A message that someone else also
 * holds (refcount > 1, e.g. a broadcast) travels in a small envelope; it is
 * never copied. */
AKT_API akt_err akt_tell(akt_ref to, void *msg, akt_ref sender);

/* akt_ask -- send msg and get a future for the reply. Consumes msg on
 * AKT_OK; *out is the caller's, released with akt_future_release. The
 * future completes with the reply, with an error reply, or with
 * AKT_ETIMEDOUT after timeout_ns (<= 0 is AKT_EINVAL; AKT_FOREVER: no
 * timer); AKT_ESTOPPED when the request became a dead letter, AKT_EFULL
 * when a bounded mailbox dropped it, AKT_ECLOSED at akt_system_free. */
AKT_API akt_err akt_ask(
    akt_ref to, void *msg, int64_t timeout_ns, akt_future **out);

/* akt_future_wait -- block the calling thread (never an actor's handler)
 * until completion or timeout_ns. Returns the completion code; on AKT_OK
 * *reply (may be NULL) gets one reference to the reply message. A wait
 * that times out leaves the future pending (AKT_ETIMEDOUT is returned
 * without completing it). While it waits, a plain thread may run actors
 * that are ready in the default pool (so an ask from main often needs no
 * thread hand-off): do not hold a lock a handler needs. */
AKT_API akt_err akt_future_wait(
    akt_future *f, int64_t timeout_ns, void **reply);

/* akt_future_wait_as -- akt_future_wait that also checks the reply's type:
 * a reply that is not a `type` is freed and gives AKT_ETYPE. On AKT_OK
 * *reply gets one reference (NULL reply: the message is freed). The
 * generated typed `_ask_<h>_wait` functions are this call. */
AKT_API akt_err akt_future_wait_as(
    akt_future *f, int64_t timeout_ns, const akt_type *type, void **reply);

/* The longest reason text an error reply carries, in bytes (without the
 * NUL); longer texts are cut at a UTF-8 character boundary. */
#define AKT_STATUS_TEXT_MAX 255

/* akt_reason -- room for the reason text of a failed request (at most
 * AKT_STATUS_TEXT_MAX bytes and a NUL), copied out of its future so that
 * it outlives it: what akt_call and the generated `_call_<h>` functions
 * give the caller. */
typedef struct akt_reason {
    char text[AKT_STATUS_TEXT_MAX + 1];
} akt_reason;

/* akt_call -- akt_ask, then akt_future_wait_as(type) for up to timeout_ns,
 * then akt_future_release: one blocking request/response from a plain
 * thread (never an actor's handler). Consumes msg on every return, error
 * or not. On AKT_OK *reply (may be NULL: the reply is freed) holds one
 * reference to the reply, the caller's to free; otherwise *reply is NULL
 * and the result is akt_ask's error, the error the handler replied with,
 * AKT_ETIMEDOUT, or AKT_ETYPE (the reply is not a `type`; type NULL
 * accepts any). why (may be NULL) gets the reason text of an error reply
 * (akt_reply_error_text, akt_ctx_fail, a remote akt.Status; what
 * akt_future_error_text gives), "" on success and when there is none.
 * The generated typed `_call_<h>` functions are this call. */
AKT_API akt_err akt_call(akt_ref to, void *msg, int64_t timeout_ns,
    const akt_type *type, void **reply, akt_reason *why);

/* akt_future_on_complete -- cb runs exactly once (on the completing thread,
 * or at once if already complete) with a view of the reply; then fini(arg).
 * On error cb is never called. */
typedef void (*akt_future_fn)(akt_err status, const void *reply, void *arg);
AKT_API akt_err akt_future_on_complete(
    akt_future *f, akt_future_fn cb, void *arg, void (*fini)(void *arg));

/* akt_future_pipe_to -- deliver the reply to `to` as a message (errors as an
 * akt.Status message with the code and the reason text). */
AKT_API akt_err akt_future_pipe_to(akt_future *f, akt_ref to);

/* akt_future_error_text -- the reason text a failed future completed with:
 * from akt_reply_error_text, from akt_ctx_fail when the handler failed
 * without answering, or from an akt.Status that came from another node.
 * "" when there is none, the future succeeded, or it is not complete yet.
 * The string belongs to the future: valid until akt_future_release (and
 * inside an on_complete callback). NULL f gives "". */
AKT_API const char *akt_future_error_text(const akt_future *f);

AKT_API void akt_future_release(akt_future *f);

/* akt_future_is_done -- true once completed (never blocks). */
AKT_API bool akt_future_is_done(const akt_future *f);

/* --- stopping and watching ----------------------------------------------- */

AKT_API akt_err akt_stop(akt_ref ref); /* after the current message */
AKT_API akt_err akt_poison_pill(akt_ref ref); /* after what is queued */
AKT_API akt_err akt_kill(akt_ref ref); /* fail now (supervisor decides) */
/* akt_stop, akt_poison_pill, akt_kill: AKT_EINVAL (none ref or not an
 * actor), AKT_ESTOPPED (the actor already stopped), AKT_ECLOSED (system
 * terminated), AKT_ENOMEM (out of memory: nothing was sent). */

/* akt_watch_future -- death watch from outside an actor: *out (the
 * caller's, akt_future_release) completes with an akt_Terminated reply
 * when target stops, at once if it already has. The Terminated is made
 * here, so out of memory is AKT_ENOMEM now, never a lost notice later. */
AKT_API akt_err akt_watch_future(akt_ref target, akt_future **out);

/* akt_unwatch_future -- cancel akt_watch_future(target, &f): the target
 * forgets the watch and f completes with AKT_ECANCELED, unless it has
 * completed already (then nothing changes). The caller still releases f.
 * AKT_EINVAL: a none ref, not an actor, or f NULL; AKT_ENOMEM: nothing
 * sent, the watch stays. */
AKT_API akt_err akt_unwatch_future(akt_ref target, akt_future *f);

/* --- inside a handler ---------------------------------------------------- */

AKT_API akt_ref akt_ctx_self(const akt_ctx *ctx);
AKT_API akt_ref akt_ctx_sender(const akt_ctx *ctx);
AKT_API akt_ref akt_ctx_parent(const akt_ctx *ctx);
AKT_API akt_system *akt_ctx_system(const akt_ctx *ctx);
AKT_API const void *akt_ctx_behavior_arg(const akt_ctx *ctx);

/* akt_reply -- send msg to the sender of the current message (completing
 * an ask). Consumes msg on AKT_OK. A message that was told without a
 * sender (AKT_REF_NONE) has no one to answer: akt_reply frees msg and
 * returns AKT_OK, sending nothing and making no dead letter, so a handler
 * answers the same way whether it was asked or told. */
AKT_API akt_err akt_reply(akt_ctx *ctx, void *msg);
/* akt_reply_error -- answer the sender of the current message with the
 * error code (not AKT_OK): an asker's future fails with it, an actor
 * sender gets an akt.Status; no sender: AKT_OK, nothing sent. Errors:
 * AKT_EINVAL, AKT_ENOMEM, or the failed send's. */
AKT_API akt_err akt_reply_error(akt_ctx *ctx, akt_err code);
/* akt_reply_error_text -- akt_reply_error with a reason text (printf
 * format), e.g. "balance 12 < 30": the asker reads it with
 * akt_future_error_text(), an actor sender in akt_Status.text, and it
 * crosses nodes with the code. The text is cut to AKT_STATUS_TEXT_MAX bytes
 * (at a character boundary); bytes that are not well-formed UTF-8 become
 * '?'. Errors as akt_reply_error; AKT_EINVAL also for fmt NULL. */
AKT_API akt_err akt_reply_error_text(
    akt_ctx *ctx, akt_err code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* akt_forward -- send the current message to `to`, keeping its sender. */
AKT_API akt_err akt_forward(akt_ctx *ctx, akt_ref to);
/* akt_forward_msg -- inside a handler: send msg to `to` with the current
 * message's sender as its sender, so to's reply goes to the original
 * asker. msg is borrowed (the handler's view will do): a reference is
 * added for the send and dropped again if it fails. Errors: AKT_EINVAL
 * (NULL ctx or msg), then akt_tell's. The generated typed `_forward_<h>`
 * functions are this call. */
AKT_API akt_err akt_forward_msg(akt_ctx *ctx, akt_ref to, const void *msg);

AKT_API akt_err akt_ctx_spawn(
    akt_ctx *ctx, const akt_props *props, const char *name, akt_ref *out);
/* akt_ctx_stop -- stop self (after this message) or a child. AKT_EINVAL:
 * neither; AKT_ENOMEM: out of memory, the child was not asked. */
AKT_API akt_err akt_ctx_stop(akt_ctx *ctx, akt_ref child_or_self);
/* akt_ctx_watch -- death watch: a Terminated for target comes as a message
 * when it stops (at once if it has). Everything the watch's end needs is
 * allocated here: AKT_ENOMEM now (no watch made), never a lost Terminated
 * later. akt_ctx_unwatch cannot fail for lack of memory (AKT_ENOENT: not
 * watched). */
AKT_API akt_err akt_ctx_watch(akt_ctx *ctx, akt_ref target);
AKT_API akt_err akt_ctx_unwatch(akt_ctx *ctx, akt_ref target);

/* become: replace the behaviour (discard_old) or push it (unbecome pops). */
AKT_API akt_err akt_ctx_become(
    akt_ctx *ctx, const akt_behavior *b, const void *arg, bool discard_old);
AKT_API akt_err akt_ctx_unbecome(akt_ctx *ctx);

/* akt_ctx_fail -- record a reason for the failure the handler is about to
 * return; returns code so handlers write `return akt_ctx_fail(ctx, ...)`. */
AKT_API akt_err akt_ctx_fail(akt_ctx *ctx, akt_err code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* akt_ctx_failure_reason -- the reason text of this actor's last failure
 * (set by akt_ctx_fail), e.g. for post_restart. */
AKT_API akt_err akt_ctx_failure_reason(
    const akt_ctx *ctx, char *buf, size_t len);

/* akt_ctx_default_pre_restart -- what a restart does when the lifecycle
 * has no pre_restart: send every child a stop, then run the lifecycle's
 * post_stop. Call it from a pre_restart that adds to the default (Akka's
 * super.preRestart); generated actors call it when the handler table's
 * pre_restart is NULL. Only inside pre_restart, once. Errors: AKT_EINVAL
 * (ctx NULL, not in pre_restart, or already called). */
AKT_API akt_err akt_ctx_default_pre_restart(akt_ctx *ctx);

/* akt_ctx_default_post_restart -- what a restart does when the lifecycle
 * has no post_restart: run the lifecycle's pre_start and return its
 * result (AKT_OK without one). Only inside post_restart, once. Errors:
 * AKT_EINVAL (ctx NULL, not in post_restart, or already called), else
 * pre_start's. */
AKT_API akt_err akt_ctx_default_post_restart(akt_ctx *ctx);

/* --- system message types ------------------------------------------------ */

/* Delivered to watchers exactly once when a watched actor stops. */
typedef struct akt_Terminated {
    akt_ref actor;
} akt_Terminated;
AKT_API extern const akt_type akt_terminated_type;

/* An error reply as a message: what akt_reply_error(_text) sends to an
 * actor sender, what akt_future_pipe_to sends when the future failed, and
 * how an error reply crosses nodes (msgpack {1: code, 2: text}). */
typedef struct akt_Status {
    int32_t code; /* akt_err */
    akt_str text; /* the reason, "" when none; at most AKT_STATUS_TEXT_MAX */
} akt_Status;
AKT_API extern const akt_type akt_status_type;

#ifdef __cplusplus
}
#endif
#endif /* AKT_ACTOR_H */
