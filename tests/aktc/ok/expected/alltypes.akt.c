/*
 * alltypes.akt.c -- generated from alltypes.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * corpus.all. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). Each type's rows and descriptor are written with the
 * macros of akt/akt_gen.h over AKT_T, its struct: a row names the member
 * (its IDL name), the field number and the kind, and what a list, map,
 * enum or message needs; AKT_MSG (AKT_DESC) gives the default value and
 * the descriptor. Doc comments are in the header.
 */
#include "alltypes.akt.h"

#include <stdlib.h>
#include <string.h>

/* ==== actors ============================================================ */

/* --- corpus.all.Store --- */

static akt_err
corpus_all_store_init_state(void *state, const void *init_arg)
{
    (void)init_arg;
    *(corpus_all_StoreState *)state = corpus_all_store_state_default;
    return AKT_OK;
}

AKT_ON(corpus_all_store, corpus_all_StoreHandlers, scalars, "corpus.all.Store")

AKT_ON(corpus_all_store, corpus_all_StoreHandlers, defaults, "corpus.all.Store")

AKT_ON(corpus_all_store, corpus_all_StoreHandlers, empty, "corpus.all.Store")

AKT_ON(corpus_all_store, corpus_all_StoreHandlers, point, "corpus.all.Store")

/* Lifecycle: each hook calls the handler table's, or does what the runtime
 * does without one (a NULL pre_restart stops the children, a NULL
 * post_restart runs pre_start). init runs before either, on every start. */
static akt_err
corpus_all_store_init(void *state, akt_ctx *ctx, const void *init_arg)
{
    const corpus_all_StoreHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->init ? h->init(state, ctx, init_arg) : AKT_OK;
}

static akt_err
corpus_all_store_pre_start(void *state, akt_ctx *ctx)
{
    const corpus_all_StoreHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->pre_start ? h->pre_start(state, ctx) : AKT_OK;
}

static void
corpus_all_store_post_stop(void *state, akt_ctx *ctx)
{
    const corpus_all_StoreHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->post_stop) {
        h->post_stop(state, ctx);
    }
}

static void
corpus_all_store_pre_restart(void *state, akt_ctx *ctx, akt_err reason,
    const void *failed_msg)
{
    const corpus_all_StoreHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->pre_restart) {
        h->pre_restart(state, ctx, reason, failed_msg);
    } else {
        (void)akt_ctx_default_pre_restart(ctx);
    }
}

static akt_err
corpus_all_store_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    const corpus_all_StoreHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->post_restart ? h->post_restart(state, ctx, reason)
                           : akt_ctx_default_post_restart(ctx);
}

static const akt_handler corpus_all_store_handlers[] = {
    {&corpus_all_scalars_desc, corpus_all_store_on_scalars},
    {&corpus_all_defaults_desc, corpus_all_store_on_defaults},
    {&corpus_all_empty_desc, corpus_all_store_on_empty},
    {&corpus_common_point_desc, corpus_all_store_on_point},
};

static const akt_behavior corpus_all_store_behavior = {
    .name = "corpus.all.Store",
    .handlers = corpus_all_store_handlers,
    .nhandlers = 4,
    .unhandled = NULL,
};

static const akt_lifecycle corpus_all_store_lifecycle = {
    .pre_start = corpus_all_store_pre_start,
    .post_stop = corpus_all_store_post_stop,
    .pre_restart = corpus_all_store_pre_restart,
    .post_restart = corpus_all_store_post_restart,
    .init = corpus_all_store_init,
};

akt_err
corpus_all_store_props(const corpus_all_StoreHandlers *h, akt_props *out)
{
    if (h == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof *out);
    out->behavior = &corpus_all_store_behavior;
    out->behavior_arg = h;
    out->lifecycle = &corpus_all_store_lifecycle;
    out->state_size = sizeof(corpus_all_StoreState);
    out->state_init = corpus_all_store_init_state;
    return AKT_OK;
}

/* --- corpus.all.Idle --- */

static akt_err
corpus_all_idle_init_state(void *state, const void *init_arg)
{
    (void)init_arg;
    *(corpus_all_IdleState *)state = corpus_all_idle_state_default;
    return AKT_OK;
}

/* Lifecycle: each hook calls the handler table's, or does what the runtime
 * does without one (a NULL pre_restart stops the children, a NULL
 * post_restart runs pre_start). init runs before either, on every start. */
static akt_err
corpus_all_idle_init(void *state, akt_ctx *ctx, const void *init_arg)
{
    const corpus_all_IdleHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->init ? h->init(state, ctx, init_arg) : AKT_OK;
}

static akt_err
corpus_all_idle_pre_start(void *state, akt_ctx *ctx)
{
    const corpus_all_IdleHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->pre_start ? h->pre_start(state, ctx) : AKT_OK;
}

static void
corpus_all_idle_post_stop(void *state, akt_ctx *ctx)
{
    const corpus_all_IdleHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->post_stop) {
        h->post_stop(state, ctx);
    }
}

static void
corpus_all_idle_pre_restart(void *state, akt_ctx *ctx, akt_err reason,
    const void *failed_msg)
{
    const corpus_all_IdleHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->pre_restart) {
        h->pre_restart(state, ctx, reason, failed_msg);
    } else {
        (void)akt_ctx_default_pre_restart(ctx);
    }
}

static akt_err
corpus_all_idle_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    const corpus_all_IdleHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->post_restart ? h->post_restart(state, ctx, reason)
                           : akt_ctx_default_post_restart(ctx);
}


static const akt_behavior corpus_all_idle_behavior = {
    .name = "corpus.all.Idle",
    .handlers = NULL,
    .nhandlers = 0,
    .unhandled = NULL,
};

static const akt_lifecycle corpus_all_idle_lifecycle = {
    .pre_start = corpus_all_idle_pre_start,
    .post_stop = corpus_all_idle_post_stop,
    .pre_restart = corpus_all_idle_pre_restart,
    .post_restart = corpus_all_idle_post_restart,
    .init = corpus_all_idle_init,
};

akt_err
corpus_all_idle_props(const corpus_all_IdleHandlers *h, akt_props *out)
{
    if (h == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof *out);
    out->behavior = &corpus_all_idle_behavior;
    out->behavior_arg = h;
    out->lifecycle = &corpus_all_idle_lifecycle;
    out->state_size = sizeof(corpus_all_IdleState);
    out->state_init = corpus_all_idle_init_state;
    return AKT_OK;
}

/* ==== descriptors ======================================================= */

static const akt_enum_value corpus_all_level_values[] = {
    {"LOW", CORPUS_ALL_LEVEL_LOW},
    {"HIGH", CORPUS_ALL_LEVEL_HIGH},
};

const akt_enum_type corpus_all_level_enum = {
    .name = "corpus.all.Level",
    .values = corpus_all_level_values,
    .nvalues = 2,
};

const char *
corpus_all_level_name(corpus_all_Level v)
{
    switch (v) {
    case CORPUS_ALL_LEVEL_LOW:
        return "LOW";
    case CORPUS_ALL_LEVEL_HIGH:
        return "HIGH";
    default:
        return NULL;
    }
}

#define AKT_T corpus_all_Scalars
AKT_FIELDS {
{AKT_F(flag, 1, BOOL)},
{AKT_F(i8, 2, INT8)},
{AKT_F(i16, 3, INT16)},
{AKT_F(i32, 4, INT32)},
{AKT_F(i64, 5, INT64)},
{AKT_F(u8, 6, UINT8)},
{AKT_F(u16, 7, UINT16)},
{AKT_F(u32, 8, UINT32)},
{AKT_F(u64, 9, UINT64)},
{AKT_F(f32, 10, FLOAT32)},
{AKT_F(f64, 11, FLOAT64)},
{AKT_F(text, 12, STRING)},
{AKT_F(blob, 13, BYTES)},
};
AKT_MSG(corpus_all_scalars, "corpus.all.Scalars", 0x335a2279f48b8297, {.flag = false});
#undef AKT_T

#define AKT_T corpus_all_Defaults
AKT_FIELDS {
{AKT_F(answer, 1, INT32)},
{AKT_F(small, 2, INT64)},
{AKT_F(big, 3, UINT64)},
{AKT_F(ratio, 4, FLOAT32)},
{AKT_F(pi, 5, FLOAT64)},
{AKT_F(greeting, 6, STRING)},
{AKT_F(on, 7, BOOL)},
{AKT_FE(color, 8, corpus_common_color)},
{AKT_FE(level, 9, corpus_all_level)},
{AKT_FO(maybe, 10, INT32)},
{AKT_FO(nick, 11, STRING)},
{AKT_FX(opt_level, 12, ENUM, AKT_FIELD_OPTIONAL), AKT_HAS(opt_level), AKT_ET(corpus_all_level)},
{AKT_FX(old_count, 20, INT32, AKT_FIELD_DEPRECATED)},
};
AKT_MSG(corpus_all_defaults, "corpus.all.Defaults", 0xcd6375c724d83bc8, {.answer = 42, .small = INT64_MIN, .big = UINT64_C(18446744073709551615), .ratio = 0.5f, .pi = 3.1415899999999999, .greeting = {"hello, \"world\"\n", 15}, .on = true, .color = CORPUS_COMMON_COLOR_BLUE, .level = CORPUS_ALL_LEVEL_LOW});
#undef AKT_T

#define AKT_T corpus_all_Nested
AKT_FIELDS {
{AKT_FM(origin, 1, corpus_common_point)},
{AKT_FMO(target, 2, corpus_common_point)},
{AKT_FL(numbers, 3, INT32)},
{AKT_FL(names, 4, STRING)},
{AKT_FX(path, 5, LIST, 0), AKT_EK(MESSAGE), AKT_MT(corpus_common_point)},
{AKT_FX(colors, 6, LIST, 0), AKT_EK(ENUM), AKT_ET(corpus_common_color)},
{AKT_FL(chunks, 7, BYTES)},
{AKT_FMAP(counts, 8, STRING, INT64)},
{AKT_FX(points, 9, MAP, 0), AKT_EK(MESSAGE), AKT_KK(INT32), AKT_MT(corpus_common_point)},
{AKT_FMAP(labels, 10, UINT64, STRING)},
{AKT_F(owner, 11, REF)},
{AKT_FO(backup, 12, REF)},
{AKT_FL(peers, 13, REF)},
{AKT_FX(children, 14, LIST, 0), AKT_EK(MESSAGE), AKT_MT(corpus_all_nested)},
{AKT_FMO(parent, 15, corpus_all_nested)},
{AKT_FMAP(switches, 16, BOOL, FLOAT32)},
};
AKT_MSG(corpus_all_nested, "corpus.all.Nested", 0x4697f182036739d9, {.origin = NULL});
#undef AKT_T

#define AKT_T corpus_all_Empty
AKT_DESC0(corpus_all_empty, "corpus.all.Empty", 0x95efe0c50b80826b, MESSAGE, NULL, {.empty_ = 0});
#undef AKT_T

#define AKT_T corpus_all_StoreState
AKT_FIELDS {
{AKT_FMAP(values, 1, STRING, BYTES)},
{AKT_F(writes, 2, UINT64)},
};
AKT_DESC(corpus_all_store_state, "corpus.all.StoreState", 0x0fb5f8ff2fff82f8, STATE, NULL, {.values = {NULL, NULL, 0}});
#undef AKT_T

#define AKT_T corpus_all_IdleState
AKT_DESC0(corpus_all_idle_state, "corpus.all.IdleState", 0x609c906ec9c77fe5, STATE, NULL, {.empty_ = 0});
#undef AKT_T

const akt_type *const corpus_all_alltypes_types[] = {
    &corpus_all_scalars_desc,
    &corpus_all_defaults_desc,
    &corpus_all_nested_desc,
    &corpus_all_empty_desc,
    &corpus_all_store_state_desc,
    &corpus_all_idle_state_desc,
    NULL,
};

akt_err
corpus_all_alltypes_register_types(akt_registry *reg)
{
    for (size_t i = 0; corpus_all_alltypes_types[i] != NULL; i++) {
        akt_err err = akt_registry_add(reg, corpus_all_alltypes_types[i]);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

akt_err
corpus_all_alltypes_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg)
{
    for (size_t i = 0; corpus_all_alltypes_types[i] != NULL; i++) {
        akt_err err = reg(corpus_all_alltypes_types[i], arg);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}
