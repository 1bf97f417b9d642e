/*
 * door.akt.h -- generated from door.akt by aktc 0.1.0 -- do not edit.
 *
 * package fsmdemo: the C API of the messages and actors declared in
 * door.akt. See docs/idl.md ("The generated C API") for the conventions:
 * ownership of messages, constructors, arenas, typed refs and typed
 * tell/ask/call/forward.
 *
 * For each message type pkg_T (functions pkg_t_...):
 *   _new(fields)       a new message holding the given fields (strings are
 *                      copied; NULL keeps the default), in one allocation;
 *                      the caller owns the one reference; NULL on ENOMEM
 *   _alloc(hint)       a new message with default values and hint bytes of
 *                      arena for filling variable parts by hand
 *   _decode(data, len, limits, &out)  msgpack bytes into a new message
 *                      (*out the caller's on AKT_OK; limits NULL for the
 *                      defaults); AKT_EPROTO, AKT_ETOOBIG, AKT_ENOMEM
 *   _desc, _default    the type's descriptor and default value
 * (AKT_MESSAGE(T, t) of akt/akt_gen.h, before the structs, declares the
 * typedef and all but _new.) Members: their doc comments beside them; an
 * optional field that is not a message has a `bool has_<name>`; a message
 * member is a pointer (optional: NULL when absent; otherwise NULL reads
 * as the default); AKT_LIST_OF(T) is { T *items; size_t len; } and
 * AKT_MAP_OF(K, V) { K *keys; V *values; size_t len; }.
 * Any message, whatever its type: akt_msg_free(m) drops one reference (the
 * last frees it), akt_msg_dup(m) is a deep copy (NULL on ENOMEM),
 * akt_msg_equal(a, b) deep equality, akt_msg_encode(m, buf) appends its
 * msgpack form to buf (akt/msg.h).
 */
#ifndef FSMDEMO_DOOR_AKT_H
#define FSMDEMO_DOOR_AKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <akt/akt.h>
#include <akt/akt_gen.h>

#if AKT_GEN_ABI != 7
#error "door.akt.h was generated for akt ABI 7: regenerate it with the aktc of the libakt you build against"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== messages ========================================================== */

AKT_MESSAGE(fsmdemo_Open, fsmdemo_open)
AKT_MESSAGE(fsmdemo_Close, fsmdemo_close)
AKT_MESSAGE(fsmdemo_Lock, fsmdemo_lock)
AKT_MESSAGE(fsmdemo_Unlock, fsmdemo_unlock)
typedef struct fsmdemo_DoorState fsmdemo_DoorState;

struct fsmdemo_Open {
    char empty_; /* C has no empty structs */
};

static inline fsmdemo_Open *
fsmdemo_open_new(void)
{
    AKT_NEW(fsmdemo_Open, fsmdemo_open, 0, 0);
    return m_;
}

struct fsmdemo_Close {
    char empty_; /* C has no empty structs */
};

static inline fsmdemo_Close *
fsmdemo_close_new(void)
{
    AKT_NEW(fsmdemo_Close, fsmdemo_close, 0, 0);
    return m_;
}

/* Lock with a code. */
struct fsmdemo_Lock {
    akt_str code;
};

static inline fsmdemo_Lock *
fsmdemo_lock_new(const char *code)
{
    size_t code_n_ = akt_cstr_size(code);
    AKT_NEW(fsmdemo_Lock, fsmdemo_lock, code_n_, AKT_PUT_CSTR(code, code_n_));
    return m_;
}

struct fsmdemo_Unlock {
    akt_str code;
};

static inline fsmdemo_Unlock *
fsmdemo_unlock_new(const char *code)
{
    size_t code_n_ = akt_cstr_size(code);
    AKT_NEW(fsmdemo_Unlock, fsmdemo_unlock, code_n_, AKT_PUT_CSTR(code, code_n_));
    return m_;
}

/* ==== actors ============================================================ */

/* The state of actor Door. */
struct fsmdemo_DoorState {
    akt_str code;
    uint32_t openings;
};

/* The states of actor Door's fsm, numbered in the order the .akt
 * declares them. */
typedef enum fsmdemo_DoorFsmState {
    /* Shut but not locked. */
    FSMDEMO_DOOR_CLOSED = 0, /* initial */
    FSMDEMO_DOOR_LOCKED = 1,
    FSMDEMO_DOOR_OPENED = 2,
} fsmdemo_DoorFsmState;

/* fsmdemo_DoorRef -- a ref to a Door. The typed functions below take
 * it, so sending a Door's message to another kind of actor (or
 * another actor's message to a Door) does not compile.
 * fsmdemo_door_ref(r) wraps an akt_ref (the caller vouches that r is
 * a Door); .ref is the untyped ref back, for akt_stop, akt_ctx_watch and
 * the like. Passed by value, copied freely, like akt_ref.
 *
 * For each message M a Door handles (snake name m), written by the
 * AKT_TELL and AKT_ASK lines below (akt/akt_gen.h):
 *   fsmdemo_door_tell_m(to, msg)    send it from nobody (a reply is dropped)
 *   fsmdemo_door_tell_m_from(to, msg, sender)  with a sender (in a handler
 *       akt_ctx_self(ctx), so the answer comes back as a message)
 *       -- both consume msg on AKT_OK; on error the caller still owns it
 *   fsmdemo_door_forward_m(ctx, to, msg)  in a handler: send msg keeping the
 *       sender of the message being handled (the answer goes to the
 *       original asker); msg is borrowed
 * and for `on M -> R`:
 *   fsmdemo_door_ask_m(to, msg, timeout_ns, &f)  a future for the R;
 *       consumes msg on AKT_OK; release f with akt_future_release()
 *   fsmdemo_door_ask_m_wait(f, timeout_ns, &reply)  on AKT_OK one reference
 *       to the R; otherwise the error the handler replied with (its
 *       reason: akt_future_error_text(f)), AKT_ETIMEDOUT, or AKT_ETYPE
 *   fsmdemo_door_call_m(to, msg, timeout_ns, &reply, &why)  ask, wait and
 *       release, from a plain thread (never a handler); consumes msg on
 *       every return; on AKT_OK *reply is the R (yours to free), else NULL
 *       and why (may be NULL) holds the reason text of an error reply
 *   fsmdemo_door_reply_m(ctx, reply)  in the M handler: answer the asker;
 *       consumes reply on AKT_OK; a told M has no one to answer: reply is
 *       freed, nothing is sent, AKT_OK (akt_reply_error(_text) for errors)
 */
typedef struct fsmdemo_DoorRef {
    akt_ref ref;
} fsmdemo_DoorRef;

static inline fsmdemo_DoorRef
fsmdemo_door_ref(akt_ref ref)
{
    fsmdemo_DoorRef typed = {ref};
    return typed;
}

/* A door that closes itself.
 *
 * The handlers of actor Door's fsm, one struct per state: fill in
 * the ones you need and spawn with fsmdemo_door_props(). Every member may
 * be NULL. */
typedef struct fsmdemo_DoorHandlers {
    /* State Closed (initial): Shut but not locked. */
    struct {
        /* on Open -> Opened.
         * Goes to Opened unless the handler calls fsmdemo_door_stay()
         * or fsmdemo_door_stop(); NULL: just goes. */
        akt_err (*on_open)(fsmdemo_DoorState *state, akt_ctx *ctx,
            const fsmdemo_Open *msg);
        /* on Lock -> Locked: Keep the code.
         * Goes to Locked unless the handler calls fsmdemo_door_stay()
         * or fsmdemo_door_stop(); NULL: just goes. */
        akt_err (*on_lock)(fsmdemo_DoorState *state, akt_ctx *ctx,
            const fsmdemo_Lock *msg);
        /* Entering Closed; from is the state left (-1: the actor starts). */
        void (*on_enter)(fsmdemo_DoorState *state, akt_ctx *ctx, int from);
        /* Leaving Closed for state to. */
        void (*on_exit)(fsmdemo_DoorState *state, akt_ctx *ctx,
            fsmdemo_DoorFsmState to);
    } closed;

    /* State Locked. */
    struct {
        /* on Unlock -> Closed.
         * Goes to Closed unless the handler calls fsmdemo_door_stay()
         * or fsmdemo_door_stop(); NULL: just goes. */
        akt_err (*on_unlock)(fsmdemo_DoorState *state, akt_ctx *ctx,
            const fsmdemo_Unlock *msg);
        /* on Open.
         * Stays unless the handler calls fsmdemo_door_stop(). */
        akt_err (*on_open)(fsmdemo_DoorState *state, akt_ctx *ctx,
            const fsmdemo_Open *msg);
        /* Entering Locked; from is the state left (-1: the actor starts). */
        void (*on_enter)(fsmdemo_DoorState *state, akt_ctx *ctx, int from);
        /* Leaving Locked for state to. */
        void (*on_exit)(fsmdemo_DoorState *state, akt_ctx *ctx,
            fsmdemo_DoorFsmState to);
    } locked;

    /* State Opened. */
    struct {
        /* on Close -> Closed.
         * Goes to Closed unless the handler calls fsmdemo_door_stay()
         * or fsmdemo_door_stop(); NULL: just goes. */
        akt_err (*on_close)(fsmdemo_DoorState *state, akt_ctx *ctx,
            const fsmdemo_Close *msg);
        /* timeout 30s -> Closed.
         * Goes to Closed unless the handler calls fsmdemo_door_stay()
         * or fsmdemo_door_stop(); NULL: just goes. */
        akt_err (*on_timeout)(fsmdemo_DoorState *state, akt_ctx *ctx);
        /* Entering Opened; from is the state left (-1: the actor starts). */
        void (*on_enter)(fsmdemo_DoorState *state, akt_ctx *ctx, int from);
        /* Leaving Opened for state to. */
        void (*on_exit)(fsmdemo_DoorState *state, akt_ctx *ctx,
            fsmdemo_DoorFsmState to);
    } opened;

    /* Every transition, after the old state's on_exit and before the
     * new one's on_enter. */
    void (*on_transition)(fsmdemo_DoorState *state, akt_ctx *ctx,
        fsmdemo_DoorFsmState from, fsmdemo_DoorFsmState to);
    /* init -- set the state up from the spawn's init argument
     * (fsmdemo_door_spawn's init_arg, or props.init_arg after fsmdemo_door_props),
     * on start and on each restart: after the state is reset to its
     * defaults, before pre_start. A failure fails the start. */
    akt_err (*init)(fsmdemo_DoorState *state, akt_ctx *ctx, const void *init_arg);
    /* Before the initial state is entered, on start and after a restart (a
     * restarted fsm begins again in Closed with a fresh state). */
    akt_err (*pre_start)(fsmdemo_DoorState *state, akt_ctx *ctx);
    /* When the actor stops; last is the state it was in. */
    void (*post_stop)(fsmdemo_DoorState *state, akt_ctx *ctx,
        fsmdemo_DoorFsmState last);
    /* A message the current state has no line for: AKT_FSM_UNHANDLED_LOG
     * (the default: a warning, dropped), _DEAD_LETTER, _FAIL, _IGNORE. */
    akt_fsm_unhandled unhandled;
} fsmdemo_DoorHandlers;

/* fsmdemo_door_props -- fill *out to spawn a Door that starts in state
 * Closed and runs the handlers in h. h is borrowed for the actor's
 * whole life (usually a static const table). Errors: AKT_EINVAL when h or
 * out is NULL or h->unhandled is not a policy. */
akt_err fsmdemo_door_props(const fsmdemo_DoorHandlers *h, akt_props *out);

/* fsmdemo_door_stay -- inside a handler of Door: make no transition, even
 * where the handler's line declares one. */
static inline akt_err
fsmdemo_door_stay(akt_ctx *ctx)
{
    return akt_fsm_stay(ctx);
}

/* fsmdemo_door_stop -- inside a handler of Door: stop the actor once the
 * handler returns AKT_OK (post_stop runs). */
static inline akt_err
fsmdemo_door_stop(akt_ctx *ctx)
{
    return akt_fsm_stop(ctx);
}

/* fsmdemo_door_state_of -- inside a handler or hook of Door: the current
 * state. */
static inline fsmdemo_DoorFsmState
fsmdemo_door_state_of(akt_ctx *ctx)
{
    return (fsmdemo_DoorFsmState)akt_fsm_state_of(ctx);
}

/* fsmdemo_door_state_name -- "Closed" for the state Closed; NULL for a
 * number that is no state. */
const char *fsmdemo_door_state_name(fsmdemo_DoorFsmState s);

/* fsmdemo_door_spawn -- spawn a Door under /user (name NULL: a generated
 * one) that runs the handlers in h, with init_arg for h->init (NULL when
 * none; like h it must outlive the actor, which gets it again on each
 * restart). On AKT_OK *out (may be NULL) is its typed ref. Errors: those
 * of fsmdemo_door_props and akt_spawn. fsmdemo_door_spawn_child: the same, as
 * a child of the actor running ctx (akt_ctx_spawn). */
static inline akt_err
fsmdemo_door_spawn(akt_system *sys, const fsmdemo_DoorHandlers *h,
    const char *name, const void *init_arg, fsmdemo_DoorRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = fsmdemo_door_props(h, &props);
    if (err == AKT_OK) {
        props.init_arg = init_arg;
        err = akt_spawn(sys, &props, name, &ref);
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

static inline akt_err
fsmdemo_door_spawn_child(akt_ctx *ctx, const fsmdemo_DoorHandlers *h,
    const char *name, const void *init_arg, fsmdemo_DoorRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = fsmdemo_door_props(h, &props);
    if (err == AKT_OK) {
        props.init_arg = init_arg;
        err = akt_ctx_spawn(ctx, &props, name, &ref);
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

/* fsmdemo_door_goto_closed -- inside a handler of Door: go to Closed
 * when the handler returns AKT_OK. Only where the .akt declares a line to
 * Closed for the event being handled; anywhere else the actor fails
 * with AKT_EINVAL when the handler returns. */
static inline akt_err
fsmdemo_door_goto_closed(akt_ctx *ctx)
{
    return akt_fsm_goto(ctx, FSMDEMO_DOOR_CLOSED);
}

/* fsmdemo_door_goto_locked -- inside a handler of Door: go to Locked
 * when the handler returns AKT_OK. Only where the .akt declares a line to
 * Locked for the event being handled; anywhere else the actor fails
 * with AKT_EINVAL when the handler returns. */
static inline akt_err
fsmdemo_door_goto_locked(akt_ctx *ctx)
{
    return akt_fsm_goto(ctx, FSMDEMO_DOOR_LOCKED);
}

/* fsmdemo_door_goto_opened -- inside a handler of Door: go to Opened
 * when the handler returns AKT_OK. Only where the .akt declares a line to
 * Opened for the event being handled; anywhere else the actor fails
 * with AKT_EINVAL when the handler returns. */
static inline akt_err
fsmdemo_door_goto_opened(akt_ctx *ctx)
{
    return akt_fsm_goto(ctx, FSMDEMO_DOOR_OPENED);
}

AKT_TELL(fsmdemo_DoorRef, fsmdemo_door, open, fsmdemo_Open)

AKT_TELL(fsmdemo_DoorRef, fsmdemo_door, lock, fsmdemo_Lock)

AKT_TELL(fsmdemo_DoorRef, fsmdemo_door, unlock, fsmdemo_Unlock)

AKT_TELL(fsmdemo_DoorRef, fsmdemo_door, close, fsmdemo_Close)

/* ==== descriptors ======================================================= */

/* fsmdemo.DoorState: type id 0x4832f585aa8a30c9 */
extern const akt_type fsmdemo_door_state_desc;
extern const fsmdemo_DoorState fsmdemo_door_state_default;

/* Every message type declared in door.akt, NULL-terminated. */
extern const akt_type *const fsmdemo_door_types[];

/* fsmdemo_door_register_types -- add every type of door.akt to reg
 * (akt_registry_add), so remoting and persistence accept them. Stops at
 * and returns the first error (AKT_EEXIST: another type has the same name
 * or id). */
akt_err fsmdemo_door_register_types(akt_registry *reg);

/* fsmdemo_door_register -- call reg(type, arg) for each type of
 * fsmdemo_door_types (for registries other than akt_registry);
 * stops at and returns the first error. */
akt_err fsmdemo_door_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* FSMDEMO_DOOR_AKT_H */
