/*
 * greeter.akt.h -- generated from greeter.akt by aktc 0.1.0 -- do not edit.
 *
 * package demo: the C API of the messages and actors declared in
 * greeter.akt. See docs/idl.md ("The generated C API") for the conventions:
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
#ifndef DEMO_GREETER_AKT_H
#define DEMO_GREETER_AKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <akt/akt.h>
#include <akt/akt_gen.h>

#if AKT_GEN_ABI != 7
#error "greeter.akt.h was generated for akt ABI 7: regenerate it with the aktc of the libakt you build against"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== messages ========================================================== */

AKT_MESSAGE(demo_Hello, demo_hello)
AKT_MESSAGE(demo_Greeting, demo_greeting)
typedef struct demo_GreeterState demo_GreeterState;

/* Someone to greet. */
struct demo_Hello {
    akt_str name; /* who is saying hello */
};

static inline demo_Hello *
demo_hello_new(const char *name)
{
    size_t name_n_ = akt_cstr_size(name);
    AKT_NEW(demo_Hello, demo_hello, name_n_, AKT_PUT_CSTR(name, name_n_));
    return m_;
}

/* What the greeter answers. */
struct demo_Greeting {
    akt_str text;
};

static inline demo_Greeting *
demo_greeting_new(const char *text)
{
    size_t text_n_ = akt_cstr_size(text);
    AKT_NEW(demo_Greeting, demo_greeting, text_n_, AKT_PUT_CSTR(text, text_n_));
    return m_;
}

/* ==== actors ============================================================ */

/* The state of actor Greeter. */
struct demo_GreeterState {
    uint64_t greeted;
};

/* demo_GreeterRef -- a ref to a Greeter. The typed functions below take
 * it, so sending a Greeter's message to another kind of actor (or
 * another actor's message to a Greeter) does not compile.
 * demo_greeter_ref(r) wraps an akt_ref (the caller vouches that r is
 * a Greeter); .ref is the untyped ref back, for akt_stop, akt_ctx_watch and
 * the like. Passed by value, copied freely, like akt_ref.
 *
 * For each message M a Greeter handles (snake name m), written by the
 * AKT_TELL and AKT_ASK lines below (akt/akt_gen.h):
 *   demo_greeter_tell_m(to, msg)    send it from nobody (a reply is dropped)
 *   demo_greeter_tell_m_from(to, msg, sender)  with a sender (in a handler
 *       akt_ctx_self(ctx), so the answer comes back as a message)
 *       -- both consume msg on AKT_OK; on error the caller still owns it
 *   demo_greeter_forward_m(ctx, to, msg)  in a handler: send msg keeping the
 *       sender of the message being handled (the answer goes to the
 *       original asker); msg is borrowed
 * and for `on M -> R`:
 *   demo_greeter_ask_m(to, msg, timeout_ns, &f)  a future for the R;
 *       consumes msg on AKT_OK; release f with akt_future_release()
 *   demo_greeter_ask_m_wait(f, timeout_ns, &reply)  on AKT_OK one reference
 *       to the R; otherwise the error the handler replied with (its
 *       reason: akt_future_error_text(f)), AKT_ETIMEDOUT, or AKT_ETYPE
 *   demo_greeter_call_m(to, msg, timeout_ns, &reply, &why)  ask, wait and
 *       release, from a plain thread (never a handler); consumes msg on
 *       every return; on AKT_OK *reply is the R (yours to free), else NULL
 *       and why (may be NULL) holds the reason text of an error reply
 *   demo_greeter_reply_m(ctx, reply)  in the M handler: answer the asker;
 *       consumes reply on AKT_OK; a told M has no one to answer: reply is
 *       freed, nothing is sent, AKT_OK (akt_reply_error(_text) for errors)
 */
typedef struct demo_GreeterRef {
    akt_ref ref;
} demo_GreeterRef;

static inline demo_GreeterRef
demo_greeter_ref(akt_ref ref)
{
    demo_GreeterRef typed = {ref};
    return typed;
}

/* Greets everyone, and counts them.
 *
 * The handlers of actor Greeter: fill in the ones you need and spawn
 * with demo_greeter_props(). */
typedef struct demo_GreeterHandlers {
    /* Hello: Answer a Hello with a Greeting.
     * Reply with demo_greeter_reply_hello() or akt_reply_error(). */
    akt_err (*on_hello)(demo_GreeterState *state, akt_ctx *ctx, const demo_Hello *msg);

    /* init -- optional: set the state up from the spawn's init argument
     * (demo_greeter_spawn's init_arg, or props.init_arg after demo_greeter_props;
     * e.g. a name), on start and on each restart: after the state is reset
     * to its defaults, before pre_start (post_restart). A failure fails the
     * start. */
    akt_err (*init)(demo_GreeterState *state, akt_ctx *ctx,
        const void *init_arg);

    /* Lifecycle hooks, each optional (NULL). Without pre_restart a restart
     * stops the children and runs post_stop; without post_restart it runs
     * pre_start (akt_ctx_default_pre_restart / _post_restart, which a hook
     * may call to add to the default). */
    akt_err (*pre_start)(demo_GreeterState *state, akt_ctx *ctx);
    void (*post_stop)(demo_GreeterState *state, akt_ctx *ctx);
    void (*pre_restart)(demo_GreeterState *state, akt_ctx *ctx, akt_err reason,
        const void *failed_msg);
    akt_err (*post_restart)(demo_GreeterState *state, akt_ctx *ctx, akt_err reason);
} demo_GreeterHandlers;

/* demo_greeter_props -- fill *out to spawn a Greeter that runs the handlers
 * in h. h is borrowed for the actor's whole life (usually a static const
 * table). A message whose handler is NULL fails the actor with
 * AKT_EUNHANDLED (its supervisor decides). Errors: AKT_EINVAL when h or
 * out is NULL. */
akt_err demo_greeter_props(const demo_GreeterHandlers *h, akt_props *out);

/* demo_greeter_spawn -- spawn a Greeter under /user (name NULL: a generated
 * one) that runs the handlers in h, with init_arg for h->init (NULL when
 * none; like h it must outlive the actor, which gets it again on each
 * restart). On AKT_OK *out (may be NULL) is its typed ref. Errors: those
 * of demo_greeter_props and akt_spawn. demo_greeter_spawn_child: the same, as
 * a child of the actor running ctx (akt_ctx_spawn). */
static inline akt_err
demo_greeter_spawn(akt_system *sys, const demo_GreeterHandlers *h,
    const char *name, const void *init_arg, demo_GreeterRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = demo_greeter_props(h, &props);
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
demo_greeter_spawn_child(akt_ctx *ctx, const demo_GreeterHandlers *h,
    const char *name, const void *init_arg, demo_GreeterRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = demo_greeter_props(h, &props);
    if (err == AKT_OK) {
        props.init_arg = init_arg;
        err = akt_ctx_spawn(ctx, &props, name, &ref);
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

AKT_TELL(demo_GreeterRef, demo_greeter, hello, demo_Hello)

AKT_ASK(demo_GreeterRef, demo_greeter, hello, demo_Hello, demo_Greeting, demo_greeting, akt_reply)

/* ==== descriptors ======================================================= */

/* demo.GreeterState: type id 0xd61816dd05a37057 */
extern const akt_type demo_greeter_state_desc;
extern const demo_GreeterState demo_greeter_state_default;

/* Every message type declared in greeter.akt, NULL-terminated. */
extern const akt_type *const demo_greeter_types[];

/* demo_greeter_register_types -- add every type of greeter.akt to reg
 * (akt_registry_add), so remoting and persistence accept them. Stops at
 * and returns the first error (AKT_EEXIST: another type has the same name
 * or id). */
akt_err demo_greeter_register_types(akt_registry *reg);

/* demo_greeter_register -- call reg(type, arg) for each type of
 * demo_greeter_types (for registries other than akt_registry);
 * stops at and returns the first error. */
akt_err demo_greeter_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* DEMO_GREETER_AKT_H */
