/*
 * text.akt.c -- generated from text.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, constructors, field tables, descriptors and actor glue
 * for package corpus.text. libakt encodes (msgpack maps keyed by field
 * number), decodes, copies and compares every type here from its
 * descriptor's field table (akt/reflect.h).
 */
#include "text.akt.h"

#include <string.h>

/* ==== messages ========================================================== */

/* --- corpus.text.Tricky --- */

const corpus_text_Tricky corpus_text_tricky_default = {
    .trigraphs = {"?\?=?\?(?\?/?\?)?\?'?\?<?\?!?\?>?\?-", 27},
    .questions = {"? ?\? ?\?\? ?\?\?=", 13},
    .comment_marks = {"*/ /* // \\", 10},
    .mark = CORPUS_TEXT_MARK_PLAIN,
};

corpus_text_Tricky *
corpus_text_tricky_new(const char *trigraphs, const char *questions, const char *comment_marks, corpus_text_Mark mark)
{
    size_t trigraphs_len_ = trigraphs != NULL ? strlen(trigraphs) : 0;
    size_t questions_len_ = questions != NULL ? strlen(questions) : 0;
    size_t comment_marks_len_ = comment_marks != NULL ? strlen(comment_marks) : 0;
    corpus_text_Tricky *msg_ = akt_msg_new(&corpus_text_tricky_desc, (trigraphs != NULL ? trigraphs_len_ + 1 : 0) + (questions != NULL ? questions_len_ + 1 : 0) + (comment_marks != NULL ? comment_marks_len_ + 1 : 0));
    if (msg_ == NULL) {
        return NULL;
    }
    akt_arena *arena_ = akt_msg_arena(msg_);
    if (trigraphs != NULL
        && akt_arena_str(arena_, trigraphs, trigraphs_len_, &msg_->trigraphs) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    if (questions != NULL
        && akt_arena_str(arena_, questions, questions_len_, &msg_->questions) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    if (comment_marks != NULL
        && akt_arena_str(arena_, comment_marks, comment_marks_len_, &msg_->comment_marks) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    msg_->mark = mark;
    return msg_;
}

/* --- corpus.text.EchoState --- */

const corpus_text_EchoState corpus_text_echo_state_default = {
    .empty_ = 0,
};

/* ==== actors ============================================================ */

/* --- corpus.text.Echo --- */

static akt_err
corpus_text_echo_init_state(void *state, const void *init_arg)
{
    (void)init_arg;
    *(corpus_text_EchoState *)state = corpus_text_echo_state_default;
    return AKT_OK;
}

static akt_err
corpus_text_echo_on_tricky(void *state, akt_ctx *ctx, const void *msg)
{
    const corpus_text_EchoHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->on_tricky == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "corpus.text.Echo: on_tricky is NULL");
    }
    return h->on_tricky(state, ctx, msg);
}

akt_err
corpus_text_echo_ask_tricky_wait(akt_future *f, int64_t timeout_ns,
    corpus_text_Tricky **reply)
{
    void *msg = NULL;
    akt_err err = akt_future_wait_as(f, timeout_ns, &corpus_text_tricky_desc,
        reply != NULL ? &msg : NULL);
    if (reply != NULL) {
        *reply = msg;
    }
    return err;
}

/* Lifecycle: each hook calls the handler table's, or does what the runtime
 * does without one (a NULL pre_restart stops the children, a NULL
 * post_restart runs pre_start). init runs before either, on every start. */
static akt_err
corpus_text_echo_init(void *state, akt_ctx *ctx, const void *init_arg)
{
    const corpus_text_EchoHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->init ? h->init(state, ctx, init_arg) : AKT_OK;
}

static akt_err
corpus_text_echo_pre_start(void *state, akt_ctx *ctx)
{
    const corpus_text_EchoHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->pre_start ? h->pre_start(state, ctx) : AKT_OK;
}

static void
corpus_text_echo_post_stop(void *state, akt_ctx *ctx)
{
    const corpus_text_EchoHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->post_stop) {
        h->post_stop(state, ctx);
    }
}

static void
corpus_text_echo_pre_restart(void *state, akt_ctx *ctx, akt_err reason,
    const void *failed_msg)
{
    const corpus_text_EchoHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->pre_restart) {
        h->pre_restart(state, ctx, reason, failed_msg);
    } else {
        (void)akt_ctx_default_pre_restart(ctx);
    }
}

static akt_err
corpus_text_echo_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    const corpus_text_EchoHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->post_restart ? h->post_restart(state, ctx, reason)
                           : akt_ctx_default_post_restart(ctx);
}

static const akt_handler corpus_text_echo_handlers[] = {
    {&corpus_text_tricky_desc, corpus_text_echo_on_tricky},
};

static const akt_behavior corpus_text_echo_behavior = {
    .name = "corpus.text.Echo",
    .handlers = corpus_text_echo_handlers,
    .nhandlers = 1,
    .unhandled = NULL,
};

static const akt_lifecycle corpus_text_echo_lifecycle = {
    .pre_start = corpus_text_echo_pre_start,
    .post_stop = corpus_text_echo_post_stop,
    .pre_restart = corpus_text_echo_pre_restart,
    .post_restart = corpus_text_echo_post_restart,
    .init = corpus_text_echo_init,
};

akt_err
corpus_text_echo_props(const corpus_text_EchoHandlers *h, akt_props *out)
{
    if (h == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof *out);
    out->behavior = &corpus_text_echo_behavior;
    out->behavior_arg = h;
    out->lifecycle = &corpus_text_echo_lifecycle;
    out->state_size = sizeof(corpus_text_EchoState);
    out->state_init = corpus_text_echo_init_state;
    return AKT_OK;
}

/* ==== descriptors ======================================================= */

static const akt_enum_value corpus_text_mark_values[] = {
    {"PLAIN", CORPUS_TEXT_MARK_PLAIN},
};

const akt_enum_type corpus_text_mark_enum = {
    .name = "corpus.text.Mark",
    .values = corpus_text_mark_values,
    .nvalues = 1,
};

const char *
corpus_text_mark_name(corpus_text_Mark v)
{
    switch (v) {
    case CORPUS_TEXT_MARK_PLAIN:
        return "PLAIN";
    default:
        return NULL;
    }
}

static const akt_field corpus_text_tricky_fields[] = {
    {.name = "trigraphs", .number = 1, .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_text_Tricky, trigraphs), .has_offset = AKT_NO_OFFSET,
        .doc = "field doc: ?\?( x */ y /* z ?\?)"},
    {.name = "questions", .number = 2, .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_text_Tricky, questions), .has_offset = AKT_NO_OFFSET,
        .doc = "`?` runs of every length"},
    {.name = "comment_marks", .number = 3, .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_text_Tricky, comment_marks), .has_offset = AKT_NO_OFFSET},
    {.name = "mark", .number = 4, .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_text_Tricky, mark), .has_offset = AKT_NO_OFFSET,
        .enum_type = &corpus_text_mark_enum},
};

const akt_type corpus_text_tricky_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "corpus.text.Tricky",
    .id = UINT64_C(0xc9341834789364da),
    .size = sizeof(corpus_text_Tricky),
    .align = _Alignof(corpus_text_Tricky),
    .fields = corpus_text_tricky_fields,
    .nfields = 4,
    .defaults = &corpus_text_tricky_default,
    .doc = "Short doc with */ and ?\?=",
};

const akt_type corpus_text_echo_state_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_STATE | AKT_TYPE_TABLE,
    .name = "corpus.text.EchoState",
    .id = UINT64_C(0x26934b83d97dd1ba),
    .size = sizeof(corpus_text_EchoState),
    .align = _Alignof(corpus_text_EchoState),
    .fields = NULL,
    .nfields = 0,
    .defaults = &corpus_text_echo_state_default,
    .doc = "The state of actor Echo.",
};

const akt_type *const corpus_text_text_types[] = {
    &corpus_text_tricky_desc,
    &corpus_text_echo_state_desc,
    NULL,
};

akt_err
corpus_text_text_register_types(akt_registry *reg)
{
    for (size_t i = 0; corpus_text_text_types[i] != NULL; i++) {
        akt_err err = akt_registry_add(reg, corpus_text_text_types[i]);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

akt_err
corpus_text_text_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg)
{
    for (size_t i = 0; corpus_text_text_types[i] != NULL; i++) {
        akt_err err = reg(corpus_text_text_types[i], arg);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}
