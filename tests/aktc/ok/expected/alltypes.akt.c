/*
 * alltypes.akt.c -- generated from alltypes.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * corpus.all. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). A field row is {name, number, kind, flags} and then,
 * by name, the member's offset, the offset of its has_ flag (optional
 * fields that are not messages) and what a list, map, enum or message
 * needs (the runtime derives the element size); a descriptor is {abi, flags, name, id,
 * size, align, fields, nfields} and its default value (akt/msg.h). Doc
 * comments are in the header.
 */
#include "alltypes.akt.h"

#include <stdlib.h>
#include <string.h>

/* ==== messages ========================================================== */

const corpus_all_Scalars corpus_all_scalars_default = {
    .flag = false,
};

const corpus_all_Defaults corpus_all_defaults_default = {
    .answer = 42,
    .small = INT64_MIN,
    .big = UINT64_C(18446744073709551615),
    .ratio = 0.5f,
    .pi = 3.1415899999999999,
    .greeting = {"hello, \"world\"\n", 15},
    .on = true,
    .color = CORPUS_COMMON_COLOR_BLUE,
    .level = CORPUS_ALL_LEVEL_LOW,
};

const corpus_all_Nested corpus_all_nested_default = {
    .origin = NULL,
};

const corpus_all_Empty corpus_all_empty_default = {
    .empty_ = 0,
};

const corpus_all_StoreState corpus_all_store_state_default = {
    .values = {NULL, NULL, 0},
};

const corpus_all_IdleState corpus_all_idle_state_default = {
    .empty_ = 0,
};

/* ==== actors ============================================================ */

/* --- corpus.all.Store --- */

static akt_err
corpus_all_store_init_state(void *state, const void *init_arg)
{
    (void)init_arg;
    *(corpus_all_StoreState *)state = corpus_all_store_state_default;
    return AKT_OK;
}

static akt_err
corpus_all_store_on_scalars(void *state, akt_ctx *ctx, const void *msg)
{
    const corpus_all_StoreHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->on_scalars == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "corpus.all.Store: on_scalars is NULL");
    }
    return h->on_scalars(state, ctx, msg);
}

static akt_err
corpus_all_store_on_defaults(void *state, akt_ctx *ctx, const void *msg)
{
    const corpus_all_StoreHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->on_defaults == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "corpus.all.Store: on_defaults is NULL");
    }
    return h->on_defaults(state, ctx, msg);
}

akt_err
corpus_all_store_ask_defaults_wait(akt_future *f, int64_t timeout_ns,
    corpus_all_Nested **reply)
{
    void *msg = NULL;
    akt_err err = akt_future_wait_as(f, timeout_ns, &corpus_all_nested_desc,
        reply != NULL ? &msg : NULL);
    if (reply != NULL) {
        *reply = msg;
    }
    return err;
}

static akt_err
corpus_all_store_on_empty(void *state, akt_ctx *ctx, const void *msg)
{
    const corpus_all_StoreHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->on_empty == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "corpus.all.Store: on_empty is NULL");
    }
    return h->on_empty(state, ctx, msg);
}

akt_err
corpus_all_store_ask_empty_wait(akt_future *f, int64_t timeout_ns,
    corpus_all_Empty **reply)
{
    void *msg = NULL;
    akt_err err = akt_future_wait_as(f, timeout_ns, &corpus_all_empty_desc,
        reply != NULL ? &msg : NULL);
    if (reply != NULL) {
        *reply = msg;
    }
    return err;
}

static akt_err
corpus_all_store_on_point(void *state, akt_ctx *ctx, const void *msg)
{
    const corpus_all_StoreHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->on_point == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "corpus.all.Store: on_point is NULL");
    }
    return h->on_point(state, ctx, msg);
}

akt_err
corpus_all_store_ask_point_wait(akt_future *f, int64_t timeout_ns,
    corpus_common_Point **reply)
{
    void *msg = NULL;
    akt_err err = akt_future_wait_as(f, timeout_ns, &corpus_common_point_desc,
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

static const akt_field corpus_all_scalars_fields[] = {
    {"flag", 1, AKT_KIND_BOOL, 0, .offset = offsetof(corpus_all_Scalars, flag)},
    {"i8", 2, AKT_KIND_INT8, 0, .offset = offsetof(corpus_all_Scalars, i8)},
    {"i16", 3, AKT_KIND_INT16, 0, .offset = offsetof(corpus_all_Scalars, i16)},
    {"i32", 4, AKT_KIND_INT32, 0, .offset = offsetof(corpus_all_Scalars, i32)},
    {"i64", 5, AKT_KIND_INT64, 0, .offset = offsetof(corpus_all_Scalars, i64)},
    {"u8", 6, AKT_KIND_UINT8, 0, .offset = offsetof(corpus_all_Scalars, u8)},
    {"u16", 7, AKT_KIND_UINT16, 0, .offset = offsetof(corpus_all_Scalars, u16)},
    {"u32", 8, AKT_KIND_UINT32, 0, .offset = offsetof(corpus_all_Scalars, u32)},
    {"u64", 9, AKT_KIND_UINT64, 0, .offset = offsetof(corpus_all_Scalars, u64)},
    {"f32", 10, AKT_KIND_FLOAT32, 0, .offset = offsetof(corpus_all_Scalars, f32)},
    {"f64", 11, AKT_KIND_FLOAT64, 0, .offset = offsetof(corpus_all_Scalars, f64)},
    {"text", 12, AKT_KIND_STRING, 0, .offset = offsetof(corpus_all_Scalars, text)},
    {"blob", 13, AKT_KIND_BYTES, 0, .offset = offsetof(corpus_all_Scalars, blob)},
};

const akt_type corpus_all_scalars_desc = {
    AKT_GEN_ABI, AKT_TYPE_MESSAGE | AKT_TYPE_TABLE, "corpus.all.Scalars",
    UINT64_C(0x335a2279f48b8297), sizeof(corpus_all_Scalars), _Alignof(corpus_all_Scalars),
    corpus_all_scalars_fields, 13, .defaults = &corpus_all_scalars_default,
};

static const akt_field corpus_all_defaults_fields[] = {
    {"answer", 1, AKT_KIND_INT32, 0, .offset = offsetof(corpus_all_Defaults, answer)},
    {"small", 2, AKT_KIND_INT64, 0, .offset = offsetof(corpus_all_Defaults, small)},
    {"big", 3, AKT_KIND_UINT64, 0, .offset = offsetof(corpus_all_Defaults, big)},
    {"ratio", 4, AKT_KIND_FLOAT32, 0, .offset = offsetof(corpus_all_Defaults, ratio)},
    {"pi", 5, AKT_KIND_FLOAT64, 0, .offset = offsetof(corpus_all_Defaults, pi)},
    {"greeting", 6, AKT_KIND_STRING, 0, .offset = offsetof(corpus_all_Defaults, greeting)},
    {"on", 7, AKT_KIND_BOOL, 0, .offset = offsetof(corpus_all_Defaults, on)},
    {"color", 8, AKT_KIND_ENUM, 0, .offset = offsetof(corpus_all_Defaults, color), .enum_type = &corpus_common_color_enum},
    {"level", 9, AKT_KIND_ENUM, 0, .offset = offsetof(corpus_all_Defaults, level), .enum_type = &corpus_all_level_enum},
    {"maybe", 10, AKT_KIND_INT32, AKT_FIELD_OPTIONAL, .offset = offsetof(corpus_all_Defaults, maybe), .has_offset = offsetof(corpus_all_Defaults, has_maybe)},
    {"nick", 11, AKT_KIND_STRING, AKT_FIELD_OPTIONAL, .offset = offsetof(corpus_all_Defaults, nick), .has_offset = offsetof(corpus_all_Defaults, has_nick)},
    {"opt_level", 12, AKT_KIND_ENUM, AKT_FIELD_OPTIONAL, .offset = offsetof(corpus_all_Defaults, opt_level), .has_offset = offsetof(corpus_all_Defaults, has_opt_level), .enum_type = &corpus_all_level_enum},
    {"old_count", 20, AKT_KIND_INT32, AKT_FIELD_DEPRECATED, .offset = offsetof(corpus_all_Defaults, old_count)},
};

const akt_type corpus_all_defaults_desc = {
    AKT_GEN_ABI, AKT_TYPE_MESSAGE | AKT_TYPE_TABLE, "corpus.all.Defaults",
    UINT64_C(0xcd6375c724d83bc8), sizeof(corpus_all_Defaults), _Alignof(corpus_all_Defaults),
    corpus_all_defaults_fields, 13, .defaults = &corpus_all_defaults_default,
};

static const akt_field corpus_all_nested_fields[] = {
    {"origin", 1, AKT_KIND_MESSAGE, 0, .offset = offsetof(corpus_all_Nested, origin), .msg_type = &corpus_common_point_desc},
    {"target", 2, AKT_KIND_MESSAGE, AKT_FIELD_OPTIONAL, .offset = offsetof(corpus_all_Nested, target), .msg_type = &corpus_common_point_desc},
    {"numbers", 3, AKT_KIND_LIST, 0, .offset = offsetof(corpus_all_Nested, numbers), .elem_kind = AKT_KIND_INT32},
    {"names", 4, AKT_KIND_LIST, 0, .offset = offsetof(corpus_all_Nested, names), .elem_kind = AKT_KIND_STRING},
    {"path", 5, AKT_KIND_LIST, 0, .offset = offsetof(corpus_all_Nested, path), .elem_kind = AKT_KIND_MESSAGE, .msg_type = &corpus_common_point_desc},
    {"colors", 6, AKT_KIND_LIST, 0, .offset = offsetof(corpus_all_Nested, colors), .elem_kind = AKT_KIND_ENUM, .enum_type = &corpus_common_color_enum},
    {"chunks", 7, AKT_KIND_LIST, 0, .offset = offsetof(corpus_all_Nested, chunks), .elem_kind = AKT_KIND_BYTES},
    {"counts", 8, AKT_KIND_MAP, 0, .offset = offsetof(corpus_all_Nested, counts), .elem_kind = AKT_KIND_INT64, .key_kind = AKT_KIND_STRING},
    {"points", 9, AKT_KIND_MAP, 0, .offset = offsetof(corpus_all_Nested, points), .elem_kind = AKT_KIND_MESSAGE, .key_kind = AKT_KIND_INT32, .msg_type = &corpus_common_point_desc},
    {"labels", 10, AKT_KIND_MAP, 0, .offset = offsetof(corpus_all_Nested, labels), .elem_kind = AKT_KIND_STRING, .key_kind = AKT_KIND_UINT64},
    {"owner", 11, AKT_KIND_REF, 0, .offset = offsetof(corpus_all_Nested, owner)},
    {"backup", 12, AKT_KIND_REF, AKT_FIELD_OPTIONAL, .offset = offsetof(corpus_all_Nested, backup), .has_offset = offsetof(corpus_all_Nested, has_backup)},
    {"peers", 13, AKT_KIND_LIST, 0, .offset = offsetof(corpus_all_Nested, peers), .elem_kind = AKT_KIND_REF},
    {"children", 14, AKT_KIND_LIST, 0, .offset = offsetof(corpus_all_Nested, children), .elem_kind = AKT_KIND_MESSAGE, .msg_type = &corpus_all_nested_desc},
    {"parent", 15, AKT_KIND_MESSAGE, AKT_FIELD_OPTIONAL, .offset = offsetof(corpus_all_Nested, parent), .msg_type = &corpus_all_nested_desc},
    {"switches", 16, AKT_KIND_MAP, 0, .offset = offsetof(corpus_all_Nested, switches), .elem_kind = AKT_KIND_FLOAT32, .key_kind = AKT_KIND_BOOL},
};

const akt_type corpus_all_nested_desc = {
    AKT_GEN_ABI, AKT_TYPE_MESSAGE | AKT_TYPE_TABLE, "corpus.all.Nested",
    UINT64_C(0x4697f182036739d9), sizeof(corpus_all_Nested), _Alignof(corpus_all_Nested),
    corpus_all_nested_fields, 16, .defaults = &corpus_all_nested_default,
};

const akt_type corpus_all_empty_desc = {
    AKT_GEN_ABI, AKT_TYPE_MESSAGE | AKT_TYPE_TABLE, "corpus.all.Empty",
    UINT64_C(0x95efe0c50b80826b), sizeof(corpus_all_Empty), _Alignof(corpus_all_Empty),
    NULL, 0, .defaults = &corpus_all_empty_default,
};

static const akt_field corpus_all_store_state_fields[] = {
    {"values", 1, AKT_KIND_MAP, 0, .offset = offsetof(corpus_all_StoreState, values), .elem_kind = AKT_KIND_BYTES, .key_kind = AKT_KIND_STRING},
    {"writes", 2, AKT_KIND_UINT64, 0, .offset = offsetof(corpus_all_StoreState, writes)},
};

const akt_type corpus_all_store_state_desc = {
    AKT_GEN_ABI, AKT_TYPE_STATE | AKT_TYPE_TABLE, "corpus.all.StoreState",
    UINT64_C(0x0fb5f8ff2fff82f8), sizeof(corpus_all_StoreState), _Alignof(corpus_all_StoreState),
    corpus_all_store_state_fields, 2, .defaults = &corpus_all_store_state_default,
};

const akt_type corpus_all_idle_state_desc = {
    AKT_GEN_ABI, AKT_TYPE_STATE | AKT_TYPE_TABLE, "corpus.all.IdleState",
    UINT64_C(0x609c906ec9c77fe5), sizeof(corpus_all_IdleState), _Alignof(corpus_all_IdleState),
    NULL, 0, .defaults = &corpus_all_idle_state_default,
};

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
