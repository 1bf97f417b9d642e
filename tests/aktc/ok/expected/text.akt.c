/*
 * text.akt.c -- generated from text.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * corpus.text. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). Each type's rows and descriptor are written with the
 * macros of akt/akt_gen.h over AKT_T, its struct: a row names the member
 * (its IDL name), the field number and the kind, and what a list, map,
 * enum or message needs; AKT_MSG (AKT_DESC) gives the default value and
 * the descriptor. Doc comments are in the header.
 */
#include "text.akt.h"

#include <stdlib.h>
#include <string.h>

/* ==== actors ============================================================ */

/* --- corpus.text.Echo --- */

static akt_err
corpus_text_echo_init_state(void *state, const void *init_arg)
{
    (void)init_arg;
    *(corpus_text_EchoState *)state = corpus_text_echo_state_default;
    return AKT_OK;
}

AKT_ON(corpus_text_echo, corpus_text_EchoHandlers, tricky, "corpus.text.Echo")

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

#define AKT_T corpus_text_Tricky
AKT_FIELDS {
{AKT_F(trigraphs, 1, STRING)},
{AKT_F(questions, 2, STRING)},
{AKT_F(comment_marks, 3, STRING)},
{AKT_FE(mark, 4, corpus_text_mark)},
};
AKT_MSG(corpus_text_tricky, "corpus.text.Tricky", 0xc9341834789364da, {.trigraphs = {"?\?=?\?(?\?/?\?)?\?'?\?<?\?!?\?>?\?-", 27}, .questions = {"? ?\? ?\?\? ?\?\?=", 13}, .comment_marks = {"*/ /* // \\", 10}, .mark = CORPUS_TEXT_MARK_PLAIN});
#undef AKT_T

#define AKT_T corpus_text_EchoState
AKT_DESC0(corpus_text_echo_state, "corpus.text.EchoState", 0x26934b83d97dd1ba, STATE, NULL, {.empty_ = 0});
#undef AKT_T

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
