/*
 * text.akt.h -- generated from text.akt by aktc 0.1.0 -- do not edit.
 *
 * package corpus.text: the C API of the messages and actors declared in
 * text.akt. See docs/idl.md ("The generated C API") for the conventions:
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
#ifndef CORPUS_TEXT_TEXT_AKT_H
#define CORPUS_TEXT_TEXT_AKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <akt/akt.h>
#include <akt/akt_gen.h>

#if AKT_GEN_ABI != 7
#error "text.akt.h was generated for akt ABI 7: regenerate it with the aktc of the libakt you build against"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== messages ========================================================== */

/* Trigraphs: ? ?= ? ?( ? ?/ ? ?) ? ?' ? ?< ? ?! ? ?> ? ?- and a run ? ? ?=.
 * A comment close * / and a comment open / * in a doc.
 * A line that ends in a trigraph backslash ? ?/
 * and one that ends in a plain backslash \ */
typedef int32_t corpus_text_Mark;
enum {
    /* value doc: what? ?! * / / * */
    CORPUS_TEXT_MARK_PLAIN = 1,
};

AKT_MESSAGE(corpus_text_Tricky, corpus_text_tricky)
typedef struct corpus_text_EchoState corpus_text_EchoState;

/* Short doc with * / and ? ?= */
struct corpus_text_Tricky {
    akt_str trigraphs; /* field doc: ? ?( x * / y / * z ? ?) */
    akt_str questions; /* `?` runs of every length */
    akt_str comment_marks;
    corpus_text_Mark mark;
};

static inline corpus_text_Tricky *
corpus_text_tricky_new(const char *trigraphs, const char *questions, const char *comment_marks, corpus_text_Mark mark)
{
    size_t trigraphs_n_ = akt_cstr_size(trigraphs);
    size_t questions_n_ = akt_cstr_size(questions);
    size_t comment_marks_n_ = akt_cstr_size(comment_marks);
    AKT_NEW(corpus_text_Tricky, corpus_text_tricky, trigraphs_n_ + questions_n_ + comment_marks_n_, AKT_PUT_CSTR(trigraphs, trigraphs_n_) || AKT_PUT_CSTR(questions, questions_n_) || AKT_PUT_CSTR(comment_marks, comment_marks_n_));
    m_->mark = mark;
    return m_;
}

/* ==== actors ============================================================ */

/* The state of actor Echo. */
struct corpus_text_EchoState {
    char empty_; /* C has no empty structs */
};

/* corpus_text_EchoRef -- a ref to an Echo. The typed functions below take
 * it, so sending an Echo's message to another kind of actor (or
 * another actor's message to an Echo) does not compile.
 * corpus_text_echo_ref(r) wraps an akt_ref (the caller vouches that r is
 * an Echo); .ref is the untyped ref back, for akt_stop, akt_ctx_watch and
 * the like. Passed by value, copied freely, like akt_ref.
 *
 * For each message M an Echo handles (snake name m), written by the
 * AKT_TELL and AKT_ASK lines below (akt/akt_gen.h):
 *   corpus_text_echo_tell_m(to, msg)    send it from nobody (a reply is dropped)
 *   corpus_text_echo_tell_m_from(to, msg, sender)  with a sender (in a handler
 *       akt_ctx_self(ctx), so the answer comes back as a message)
 *       -- both consume msg on AKT_OK; on error the caller still owns it
 *   corpus_text_echo_forward_m(ctx, to, msg)  in a handler: send msg keeping the
 *       sender of the message being handled (the answer goes to the
 *       original asker); msg is borrowed
 * and for `on M -> R`:
 *   corpus_text_echo_ask_m(to, msg, timeout_ns, &f)  a future for the R;
 *       consumes msg on AKT_OK; release f with akt_future_release()
 *   corpus_text_echo_ask_m_wait(f, timeout_ns, &reply)  on AKT_OK one reference
 *       to the R; otherwise the error the handler replied with (its
 *       reason: akt_future_error_text(f)), AKT_ETIMEDOUT, or AKT_ETYPE
 *   corpus_text_echo_call_m(to, msg, timeout_ns, &reply, &why)  ask, wait and
 *       release, from a plain thread (never a handler); consumes msg on
 *       every return; on AKT_OK *reply is the R (yours to free), else NULL
 *       and why (may be NULL) holds the reason text of an error reply
 *   corpus_text_echo_reply_m(ctx, reply)  in the M handler: answer the asker;
 *       consumes reply on AKT_OK; a told M has no one to answer: reply is
 *       freed, nothing is sent, AKT_OK (akt_reply_error(_text) for errors)
 */
typedef struct corpus_text_EchoRef {
    akt_ref ref;
} corpus_text_EchoRef;

static inline corpus_text_EchoRef
corpus_text_echo_ref(akt_ref ref)
{
    corpus_text_EchoRef typed = {ref};
    return typed;
}

/* An actor doc with * / and / * and ? ?!
 *
 * The handlers of actor Echo: fill in the ones you need and spawn
 * with corpus_text_echo_props(). */
typedef struct corpus_text_EchoHandlers {
    /* Tricky: handler doc: ? ?' * /
     * Reply with corpus_text_echo_reply_tricky() or akt_reply_error(). */
    akt_err (*on_tricky)(corpus_text_EchoState *state, akt_ctx *ctx, const corpus_text_Tricky *msg);

    /* init -- optional: set the state up from the spawn's init argument
     * (corpus_text_echo_spawn's init_arg, or props.init_arg after corpus_text_echo_props;
     * e.g. a name), on start and on each restart: after the state is reset
     * to its defaults, before pre_start (post_restart). A failure fails the
     * start. */
    akt_err (*init)(corpus_text_EchoState *state, akt_ctx *ctx,
        const void *init_arg);

    /* Lifecycle hooks, each optional (NULL). Without pre_restart a restart
     * stops the children and runs post_stop; without post_restart it runs
     * pre_start (akt_ctx_default_pre_restart / _post_restart, which a hook
     * may call to add to the default). */
    akt_err (*pre_start)(corpus_text_EchoState *state, akt_ctx *ctx);
    void (*post_stop)(corpus_text_EchoState *state, akt_ctx *ctx);
    void (*pre_restart)(corpus_text_EchoState *state, akt_ctx *ctx, akt_err reason,
        const void *failed_msg);
    akt_err (*post_restart)(corpus_text_EchoState *state, akt_ctx *ctx, akt_err reason);
} corpus_text_EchoHandlers;

/* corpus_text_echo_props -- fill *out to spawn an Echo that runs the handlers
 * in h. h is borrowed for the actor's whole life (usually a static const
 * table). A message whose handler is NULL fails the actor with
 * AKT_EUNHANDLED (its supervisor decides). Errors: AKT_EINVAL when h or
 * out is NULL. */
akt_err corpus_text_echo_props(const corpus_text_EchoHandlers *h, akt_props *out);

/* corpus_text_echo_spawn -- spawn an Echo under /user (name NULL: a generated
 * one) that runs the handlers in h, with init_arg for h->init (NULL when
 * none; like h it must outlive the actor, which gets it again on each
 * restart). On AKT_OK *out (may be NULL) is its typed ref. Errors: those
 * of corpus_text_echo_props and akt_spawn. corpus_text_echo_spawn_child: the same, as
 * a child of the actor running ctx (akt_ctx_spawn). */
static inline akt_err
corpus_text_echo_spawn(akt_system *sys, const corpus_text_EchoHandlers *h,
    const char *name, const void *init_arg, corpus_text_EchoRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = corpus_text_echo_props(h, &props);
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
corpus_text_echo_spawn_child(akt_ctx *ctx, const corpus_text_EchoHandlers *h,
    const char *name, const void *init_arg, corpus_text_EchoRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = corpus_text_echo_props(h, &props);
    if (err == AKT_OK) {
        props.init_arg = init_arg;
        err = akt_ctx_spawn(ctx, &props, name, &ref);
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

AKT_TELL(corpus_text_EchoRef, corpus_text_echo, tricky, corpus_text_Tricky)

AKT_ASK(corpus_text_EchoRef, corpus_text_echo, tricky, corpus_text_Tricky, corpus_text_Tricky, corpus_text_tricky, akt_reply)

/* ==== descriptors ======================================================= */

extern const akt_enum_type corpus_text_mark_enum;
/* corpus_text_mark_name -- the IDL name of v ("PLAIN"), or NULL. */
const char *corpus_text_mark_name(corpus_text_Mark v);

/* corpus.text.EchoState: type id 0x26934b83d97dd1ba */
extern const akt_type corpus_text_echo_state_desc;
extern const corpus_text_EchoState corpus_text_echo_state_default;

/* Every message type declared in text.akt, NULL-terminated. */
extern const akt_type *const corpus_text_text_types[];

/* corpus_text_text_register_types -- add every type of text.akt to reg
 * (akt_registry_add), so remoting and persistence accept them. Stops at
 * and returns the first error (AKT_EEXIST: another type has the same name
 * or id). */
akt_err corpus_text_text_register_types(akt_registry *reg);

/* corpus_text_text_register -- call reg(type, arg) for each type of
 * corpus_text_text_types (for registries other than akt_registry);
 * stops at and returns the first error. */
akt_err corpus_text_text_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* CORPUS_TEXT_TEXT_AKT_H */
