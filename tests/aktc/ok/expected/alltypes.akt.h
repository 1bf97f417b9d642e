/*
 * alltypes.akt.h -- generated from alltypes.akt by aktc 0.1.0 -- do not edit.
 *
 * package corpus.all: the C API of the messages and actors declared in
 * alltypes.akt. See docs/idl.md ("The generated C API") for the conventions:
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
#ifndef CORPUS_ALL_ALLTYPES_AKT_H
#define CORPUS_ALL_ALLTYPES_AKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <akt/akt.h>
#include <akt/akt_gen.h>
#include "common.akt.h"


#if AKT_GEN_ABI != 7
#error "alltypes.akt.h was generated for akt ABI 7: regenerate it with the aktc of the libakt you build against"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== messages ========================================================== */

/* Levels start at one, so the default is not zero. */
typedef int32_t corpus_all_Level;
enum {
    CORPUS_ALL_LEVEL_LOW = 1,
    CORPUS_ALL_LEVEL_HIGH = 2,
};

AKT_MESSAGE(corpus_all_Scalars, corpus_all_scalars)
AKT_MESSAGE(corpus_all_Defaults, corpus_all_defaults)
AKT_MESSAGE(corpus_all_Nested, corpus_all_nested)
AKT_MESSAGE(corpus_all_Empty, corpus_all_empty)
typedef struct corpus_all_StoreState corpus_all_StoreState;
typedef struct corpus_all_IdleState corpus_all_IdleState;

/* One field of every kind. */
struct corpus_all_Scalars {
    bool flag;
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    float f32;
    double f64;
    akt_str text;
    akt_bytes blob;
};

static inline corpus_all_Scalars *
corpus_all_scalars_new(bool flag, int8_t i8, int16_t i16, int32_t i32, int64_t i64, uint8_t u8, uint16_t u16, uint32_t u32, uint64_t u64, float f32, double f64, const char *text, akt_bytes blob)
{
    size_t text_n_ = akt_cstr_size(text);
    AKT_NEW(corpus_all_Scalars, corpus_all_scalars, text_n_ + blob.len, AKT_PUT_CSTR(text, text_n_) || AKT_PUT_BYTES(blob));
    m_->flag = flag;
    m_->i8 = i8;
    m_->i16 = i16;
    m_->i32 = i32;
    m_->i64 = i64;
    m_->u8 = u8;
    m_->u16 = u16;
    m_->u32 = u32;
    m_->u64 = u64;
    m_->f32 = f32;
    m_->f64 = f64;
    return m_;
}

/* Defaults, presence, and field numbers with gaps. */
struct corpus_all_Defaults {
    int32_t answer;
    int64_t small;
    uint64_t big;
    float ratio;
    double pi;
    akt_str greeting;
    bool on;
    corpus_common_Color color;
    corpus_all_Level level;
    bool has_maybe;
    int32_t maybe;
    bool has_nick;
    akt_str nick;
    bool has_opt_level;
    corpus_all_Level opt_level;
    int32_t old_count; /* deprecated */
};

static inline corpus_all_Defaults *
corpus_all_defaults_new(int32_t answer, int64_t small, uint64_t big, float ratio, double pi, const char *greeting, bool on, corpus_common_Color color, corpus_all_Level level, int32_t old_count)
{
    size_t greeting_n_ = akt_cstr_size(greeting);
    AKT_NEW(corpus_all_Defaults, corpus_all_defaults, greeting_n_, AKT_PUT_CSTR(greeting, greeting_n_));
    m_->answer = answer;
    m_->small = small;
    m_->big = big;
    m_->ratio = ratio;
    m_->pi = pi;
    m_->on = on;
    m_->color = color;
    m_->level = level;
    m_->old_count = old_count;
    return m_;
}

/* Nested messages, lists, maps and refs. */
struct corpus_all_Nested {
    corpus_common_Point *origin;
    corpus_common_Point *target;
    AKT_LIST_OF(int32_t) numbers;
    AKT_LIST_OF(akt_str) names;
    AKT_LIST_OF(corpus_common_Point) path;
    AKT_LIST_OF(corpus_common_Color) colors;
    AKT_LIST_OF(akt_bytes) chunks;
    AKT_MAP_OF(akt_str, int64_t) counts;
    AKT_MAP_OF(int32_t, corpus_common_Point) points;
    AKT_MAP_OF(uint64_t, akt_str) labels;
    akt_ref owner;
    bool has_backup;
    akt_ref backup;
    AKT_LIST_OF(akt_ref) peers;
    AKT_LIST_OF(corpus_all_Nested) children;
    corpus_all_Nested *parent;
    AKT_MAP_OF(bool, float) switches;
};

static inline corpus_all_Nested *
corpus_all_nested_new(akt_ref owner)
{
    AKT_NEW(corpus_all_Nested, corpus_all_nested, 0, 0);
    m_->owner = owner;
    return m_;
}

/* A message with no fields. */
struct corpus_all_Empty {
    char empty_; /* C has no empty structs */
};

static inline corpus_all_Empty *
corpus_all_empty_new(void)
{
    AKT_NEW(corpus_all_Empty, corpus_all_empty, 0, 0);
    return m_;
}

/* ==== actors ============================================================ */

/* The state of actor Store. */
struct corpus_all_StoreState {
    AKT_MAP_OF(akt_str, akt_bytes) values;
    uint64_t writes;
};

/* corpus_all_StoreRef -- a ref to a Store. The typed functions below take
 * it, so sending a Store's message to another kind of actor (or
 * another actor's message to a Store) does not compile.
 * corpus_all_store_ref(r) wraps an akt_ref (the caller vouches that r is
 * a Store); .ref is the untyped ref back, for akt_stop, akt_ctx_watch and
 * the like. Passed by value, copied freely, like akt_ref.
 *
 * For each message M a Store handles (snake name m), written by the
 * AKT_TELL and AKT_ASK lines below (akt/akt_gen.h):
 *   corpus_all_store_tell_m(to, msg)    send it from nobody (a reply is dropped)
 *   corpus_all_store_tell_m_from(to, msg, sender)  with a sender (in a handler
 *       akt_ctx_self(ctx), so the answer comes back as a message)
 *       -- both consume msg on AKT_OK; on error the caller still owns it
 *   corpus_all_store_forward_m(ctx, to, msg)  in a handler: send msg keeping the
 *       sender of the message being handled (the answer goes to the
 *       original asker); msg is borrowed
 * and for `on M -> R`:
 *   corpus_all_store_ask_m(to, msg, timeout_ns, &f)  a future for the R;
 *       consumes msg on AKT_OK; release f with akt_future_release()
 *   corpus_all_store_ask_m_wait(f, timeout_ns, &reply)  on AKT_OK one reference
 *       to the R; otherwise the error the handler replied with (its
 *       reason: akt_future_error_text(f)), AKT_ETIMEDOUT, or AKT_ETYPE
 *   corpus_all_store_call_m(to, msg, timeout_ns, &reply, &why)  ask, wait and
 *       release, from a plain thread (never a handler); consumes msg on
 *       every return; on AKT_OK *reply is the R (yours to free), else NULL
 *       and why (may be NULL) holds the reason text of an error reply
 *   corpus_all_store_reply_m(ctx, reply)  in the M handler: answer the asker;
 *       consumes reply on AKT_OK; a told M has no one to answer: reply is
 *       freed, nothing is sent, AKT_OK (akt_reply_error(_text) for errors)
 */
typedef struct corpus_all_StoreRef {
    akt_ref ref;
} corpus_all_StoreRef;

static inline corpus_all_StoreRef
corpus_all_store_ref(akt_ref ref)
{
    corpus_all_StoreRef typed = {ref};
    return typed;
}

/* Keeps values; answers with what it has.
 *
 * The handlers of actor Store: fill in the ones you need and spawn
 * with corpus_all_store_props(). */
typedef struct corpus_all_StoreHandlers {
    /* Scalars: Store a value. */
    akt_err (*on_scalars)(corpus_all_StoreState *state, akt_ctx *ctx, const corpus_all_Scalars *msg);
    /* Defaults: Look a value up.
     * Reply with corpus_all_store_reply_defaults() or akt_reply_error(). */
    akt_err (*on_defaults)(corpus_all_StoreState *state, akt_ctx *ctx, const corpus_all_Defaults *msg);
    /* Empty. Reply with corpus_all_store_reply_empty() or akt_reply_error(). */
    akt_err (*on_empty)(corpus_all_StoreState *state, akt_ctx *ctx, const corpus_all_Empty *msg);
    /* Point. Reply with corpus_all_store_reply_point() or akt_reply_error(). */
    akt_err (*on_point)(corpus_all_StoreState *state, akt_ctx *ctx, const corpus_common_Point *msg);

    /* init -- optional: set the state up from the spawn's init argument
     * (corpus_all_store_spawn's init_arg, or props.init_arg after corpus_all_store_props;
     * e.g. a name), on start and on each restart: after the state is reset
     * to its defaults, before pre_start (post_restart). A failure fails the
     * start. */
    akt_err (*init)(corpus_all_StoreState *state, akt_ctx *ctx,
        const void *init_arg);

    /* Lifecycle hooks, each optional (NULL). Without pre_restart a restart
     * stops the children and runs post_stop; without post_restart it runs
     * pre_start (akt_ctx_default_pre_restart / _post_restart, which a hook
     * may call to add to the default). */
    akt_err (*pre_start)(corpus_all_StoreState *state, akt_ctx *ctx);
    void (*post_stop)(corpus_all_StoreState *state, akt_ctx *ctx);
    void (*pre_restart)(corpus_all_StoreState *state, akt_ctx *ctx, akt_err reason,
        const void *failed_msg);
    akt_err (*post_restart)(corpus_all_StoreState *state, akt_ctx *ctx, akt_err reason);
} corpus_all_StoreHandlers;

/* corpus_all_store_props -- fill *out to spawn a Store that runs the handlers
 * in h. h is borrowed for the actor's whole life (usually a static const
 * table). A message whose handler is NULL fails the actor with
 * AKT_EUNHANDLED (its supervisor decides). Errors: AKT_EINVAL when h or
 * out is NULL. */
akt_err corpus_all_store_props(const corpus_all_StoreHandlers *h, akt_props *out);

/* corpus_all_store_spawn -- spawn a Store under /user (name NULL: a generated
 * one) that runs the handlers in h, with init_arg for h->init (NULL when
 * none; like h it must outlive the actor, which gets it again on each
 * restart). On AKT_OK *out (may be NULL) is its typed ref. Errors: those
 * of corpus_all_store_props and akt_spawn. corpus_all_store_spawn_child: the same, as
 * a child of the actor running ctx (akt_ctx_spawn). */
static inline akt_err
corpus_all_store_spawn(akt_system *sys, const corpus_all_StoreHandlers *h,
    const char *name, const void *init_arg, corpus_all_StoreRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = corpus_all_store_props(h, &props);
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
corpus_all_store_spawn_child(akt_ctx *ctx, const corpus_all_StoreHandlers *h,
    const char *name, const void *init_arg, corpus_all_StoreRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = corpus_all_store_props(h, &props);
    if (err == AKT_OK) {
        props.init_arg = init_arg;
        err = akt_ctx_spawn(ctx, &props, name, &ref);
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

AKT_TELL(corpus_all_StoreRef, corpus_all_store, scalars, corpus_all_Scalars)

AKT_TELL(corpus_all_StoreRef, corpus_all_store, defaults, corpus_all_Defaults)

AKT_ASK(corpus_all_StoreRef, corpus_all_store, defaults, corpus_all_Defaults, corpus_all_Nested, corpus_all_nested, akt_reply)

AKT_TELL(corpus_all_StoreRef, corpus_all_store, empty, corpus_all_Empty)

AKT_ASK(corpus_all_StoreRef, corpus_all_store, empty, corpus_all_Empty, corpus_all_Empty, corpus_all_empty, akt_reply)

AKT_TELL(corpus_all_StoreRef, corpus_all_store, point, corpus_common_Point)

AKT_ASK(corpus_all_StoreRef, corpus_all_store, point, corpus_common_Point, corpus_common_Point, corpus_common_point, akt_reply)

/* The state of actor Idle. */
struct corpus_all_IdleState {
    char empty_; /* C has no empty structs */
};

/* corpus_all_IdleRef -- a ref to an Idle. The typed functions below take
 * it, so sending an Idle's message to another kind of actor (or
 * another actor's message to an Idle) does not compile.
 * corpus_all_idle_ref(r) wraps an akt_ref (the caller vouches that r is
 * an Idle); .ref is the untyped ref back, for akt_stop, akt_ctx_watch and
 * the like. Passed by value, copied freely, like akt_ref.
 *
 * For each message M an Idle handles (snake name m), written by the
 * AKT_TELL and AKT_ASK lines below (akt/akt_gen.h):
 *   corpus_all_idle_tell_m(to, msg)    send it from nobody (a reply is dropped)
 *   corpus_all_idle_tell_m_from(to, msg, sender)  with a sender (in a handler
 *       akt_ctx_self(ctx), so the answer comes back as a message)
 *       -- both consume msg on AKT_OK; on error the caller still owns it
 *   corpus_all_idle_forward_m(ctx, to, msg)  in a handler: send msg keeping the
 *       sender of the message being handled (the answer goes to the
 *       original asker); msg is borrowed
 * and for `on M -> R`:
 *   corpus_all_idle_ask_m(to, msg, timeout_ns, &f)  a future for the R;
 *       consumes msg on AKT_OK; release f with akt_future_release()
 *   corpus_all_idle_ask_m_wait(f, timeout_ns, &reply)  on AKT_OK one reference
 *       to the R; otherwise the error the handler replied with (its
 *       reason: akt_future_error_text(f)), AKT_ETIMEDOUT, or AKT_ETYPE
 *   corpus_all_idle_call_m(to, msg, timeout_ns, &reply, &why)  ask, wait and
 *       release, from a plain thread (never a handler); consumes msg on
 *       every return; on AKT_OK *reply is the R (yours to free), else NULL
 *       and why (may be NULL) holds the reason text of an error reply
 *   corpus_all_idle_reply_m(ctx, reply)  in the M handler: answer the asker;
 *       consumes reply on AKT_OK; a told M has no one to answer: reply is
 *       freed, nothing is sent, AKT_OK (akt_reply_error(_text) for errors)
 */
typedef struct corpus_all_IdleRef {
    akt_ref ref;
} corpus_all_IdleRef;

static inline corpus_all_IdleRef
corpus_all_idle_ref(akt_ref ref)
{
    corpus_all_IdleRef typed = {ref};
    return typed;
}

/* An actor with no state and no handlers still builds.
 *
 * The handlers of actor Idle: fill in the ones you need and spawn
 * with corpus_all_idle_props(). */
typedef struct corpus_all_IdleHandlers {

    /* init -- optional: set the state up from the spawn's init argument
     * (corpus_all_idle_spawn's init_arg, or props.init_arg after corpus_all_idle_props;
     * e.g. a name), on start and on each restart: after the state is reset
     * to its defaults, before pre_start (post_restart). A failure fails the
     * start. */
    akt_err (*init)(corpus_all_IdleState *state, akt_ctx *ctx,
        const void *init_arg);

    /* Lifecycle hooks, each optional (NULL). Without pre_restart a restart
     * stops the children and runs post_stop; without post_restart it runs
     * pre_start (akt_ctx_default_pre_restart / _post_restart, which a hook
     * may call to add to the default). */
    akt_err (*pre_start)(corpus_all_IdleState *state, akt_ctx *ctx);
    void (*post_stop)(corpus_all_IdleState *state, akt_ctx *ctx);
    void (*pre_restart)(corpus_all_IdleState *state, akt_ctx *ctx, akt_err reason,
        const void *failed_msg);
    akt_err (*post_restart)(corpus_all_IdleState *state, akt_ctx *ctx, akt_err reason);
} corpus_all_IdleHandlers;

/* corpus_all_idle_props -- fill *out to spawn an Idle that runs the handlers
 * in h. h is borrowed for the actor's whole life (usually a static const
 * table). A message whose handler is NULL fails the actor with
 * AKT_EUNHANDLED (its supervisor decides). Errors: AKT_EINVAL when h or
 * out is NULL. */
akt_err corpus_all_idle_props(const corpus_all_IdleHandlers *h, akt_props *out);

/* corpus_all_idle_spawn -- spawn an Idle under /user (name NULL: a generated
 * one) that runs the handlers in h, with init_arg for h->init (NULL when
 * none; like h it must outlive the actor, which gets it again on each
 * restart). On AKT_OK *out (may be NULL) is its typed ref. Errors: those
 * of corpus_all_idle_props and akt_spawn. corpus_all_idle_spawn_child: the same, as
 * a child of the actor running ctx (akt_ctx_spawn). */
static inline akt_err
corpus_all_idle_spawn(akt_system *sys, const corpus_all_IdleHandlers *h,
    const char *name, const void *init_arg, corpus_all_IdleRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = corpus_all_idle_props(h, &props);
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
corpus_all_idle_spawn_child(akt_ctx *ctx, const corpus_all_IdleHandlers *h,
    const char *name, const void *init_arg, corpus_all_IdleRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = corpus_all_idle_props(h, &props);
    if (err == AKT_OK) {
        props.init_arg = init_arg;
        err = akt_ctx_spawn(ctx, &props, name, &ref);
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

/* ==== descriptors ======================================================= */

extern const akt_enum_type corpus_all_level_enum;
/* corpus_all_level_name -- the IDL name of v ("LOW"), or NULL. */
const char *corpus_all_level_name(corpus_all_Level v);

/* corpus.all.StoreState: type id 0x0fb5f8ff2fff82f8 */
extern const akt_type corpus_all_store_state_desc;
extern const corpus_all_StoreState corpus_all_store_state_default;

/* corpus.all.IdleState: type id 0x609c906ec9c77fe5 */
extern const akt_type corpus_all_idle_state_desc;
extern const corpus_all_IdleState corpus_all_idle_state_default;

/* Every message type declared in alltypes.akt, NULL-terminated. */
extern const akt_type *const corpus_all_alltypes_types[];

/* corpus_all_alltypes_register_types -- add every type of alltypes.akt to reg
 * (akt_registry_add), so remoting and persistence accept them. Stops at
 * and returns the first error (AKT_EEXIST: another type has the same name
 * or id). */
akt_err corpus_all_alltypes_register_types(akt_registry *reg);

/* corpus_all_alltypes_register -- call reg(type, arg) for each type of
 * corpus_all_alltypes_types (for registries other than akt_registry);
 * stops at and returns the first error. */
akt_err corpus_all_alltypes_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* CORPUS_ALL_ALLTYPES_AKT_H */
