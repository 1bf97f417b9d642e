/*
 * alltypes.akt.c -- generated from alltypes.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, constructors, field tables, descriptors and actor glue
 * for package corpus.all. libakt encodes (msgpack maps keyed by field
 * number), decodes, copies and compares every type here from its
 * descriptor's field table (akt/reflect.h).
 */
#include "alltypes.akt.h"

#include <string.h>

/* ==== messages ========================================================== */

/* --- corpus.all.Scalars --- */

const corpus_all_Scalars corpus_all_scalars_default = {
    .flag = false,
};

corpus_all_Scalars *
corpus_all_scalars_new(bool flag, int8_t i8, int16_t i16, int32_t i32, int64_t i64, uint8_t u8, uint16_t u16, uint32_t u32, uint64_t u64, float f32, double f64, const char *text, akt_bytes blob)
{
    size_t text_len_ = text != NULL ? strlen(text) : 0;
    corpus_all_Scalars *msg_ = akt_msg_new(&corpus_all_scalars_desc, (text != NULL ? text_len_ + 1 : 0) + blob.len);
    if (msg_ == NULL) {
        return NULL;
    }
    akt_arena *arena_ = akt_msg_arena(msg_);
    msg_->flag = flag;
    msg_->i8 = i8;
    msg_->i16 = i16;
    msg_->i32 = i32;
    msg_->i64 = i64;
    msg_->u8 = u8;
    msg_->u16 = u16;
    msg_->u32 = u32;
    msg_->u64 = u64;
    msg_->f32 = f32;
    msg_->f64 = f64;
    if (text != NULL
        && akt_arena_str(arena_, text, text_len_, &msg_->text) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    if (akt_arena_bytes(arena_, blob.ptr, blob.len, &msg_->blob) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    return msg_;
}

/* --- corpus.all.Defaults --- */

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

corpus_all_Defaults *
corpus_all_defaults_new(int32_t answer, int64_t small, uint64_t big, float ratio, double pi, const char *greeting, bool on, corpus_common_Color color, corpus_all_Level level, int32_t old_count)
{
    size_t greeting_len_ = greeting != NULL ? strlen(greeting) : 0;
    corpus_all_Defaults *msg_ = akt_msg_new(&corpus_all_defaults_desc, (greeting != NULL ? greeting_len_ + 1 : 0));
    if (msg_ == NULL) {
        return NULL;
    }
    akt_arena *arena_ = akt_msg_arena(msg_);
    msg_->answer = answer;
    msg_->small = small;
    msg_->big = big;
    msg_->ratio = ratio;
    msg_->pi = pi;
    if (greeting != NULL
        && akt_arena_str(arena_, greeting, greeting_len_, &msg_->greeting) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    msg_->on = on;
    msg_->color = color;
    msg_->level = level;
    msg_->old_count = old_count;
    return msg_;
}

/* --- corpus.all.Nested --- */

const corpus_all_Nested corpus_all_nested_default = {
    .origin = NULL,
};

corpus_all_Nested *
corpus_all_nested_new(akt_ref owner)
{
    corpus_all_Nested *msg_ = akt_msg_new(&corpus_all_nested_desc, 0);
    if (msg_ == NULL) {
        return NULL;
    }
    msg_->owner = owner;
    return msg_;
}

/* --- corpus.all.Empty --- */

const corpus_all_Empty corpus_all_empty_default = {
    .empty_ = 0,
};

corpus_all_Empty *
corpus_all_empty_new(void)
{
    corpus_all_Empty *msg_ = akt_msg_new(&corpus_all_empty_desc, 0);
    if (msg_ == NULL) {
        return NULL;
    }
    return msg_;
}

/* --- corpus.all.StoreState --- */

const corpus_all_StoreState corpus_all_store_state_default = {
    .values = {NULL, NULL, 0},
};

/* --- corpus.all.IdleState --- */

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
    {.name = "flag", .number = 1, .kind = AKT_KIND_BOOL,
        .offset = offsetof(corpus_all_Scalars, flag), .has_offset = AKT_NO_OFFSET},
    {.name = "i8", .number = 2, .kind = AKT_KIND_INT8,
        .offset = offsetof(corpus_all_Scalars, i8), .has_offset = AKT_NO_OFFSET},
    {.name = "i16", .number = 3, .kind = AKT_KIND_INT16,
        .offset = offsetof(corpus_all_Scalars, i16), .has_offset = AKT_NO_OFFSET},
    {.name = "i32", .number = 4, .kind = AKT_KIND_INT32,
        .offset = offsetof(corpus_all_Scalars, i32), .has_offset = AKT_NO_OFFSET},
    {.name = "i64", .number = 5, .kind = AKT_KIND_INT64,
        .offset = offsetof(corpus_all_Scalars, i64), .has_offset = AKT_NO_OFFSET},
    {.name = "u8", .number = 6, .kind = AKT_KIND_UINT8,
        .offset = offsetof(corpus_all_Scalars, u8), .has_offset = AKT_NO_OFFSET},
    {.name = "u16", .number = 7, .kind = AKT_KIND_UINT16,
        .offset = offsetof(corpus_all_Scalars, u16), .has_offset = AKT_NO_OFFSET},
    {.name = "u32", .number = 8, .kind = AKT_KIND_UINT32,
        .offset = offsetof(corpus_all_Scalars, u32), .has_offset = AKT_NO_OFFSET},
    {.name = "u64", .number = 9, .kind = AKT_KIND_UINT64,
        .offset = offsetof(corpus_all_Scalars, u64), .has_offset = AKT_NO_OFFSET},
    {.name = "f32", .number = 10, .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_all_Scalars, f32), .has_offset = AKT_NO_OFFSET},
    {.name = "f64", .number = 11, .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_all_Scalars, f64), .has_offset = AKT_NO_OFFSET},
    {.name = "text", .number = 12, .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_all_Scalars, text), .has_offset = AKT_NO_OFFSET},
    {.name = "blob", .number = 13, .kind = AKT_KIND_BYTES,
        .offset = offsetof(corpus_all_Scalars, blob), .has_offset = AKT_NO_OFFSET},
};

const akt_type corpus_all_scalars_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "corpus.all.Scalars",
    .id = UINT64_C(0x335a2279f48b8297),
    .size = sizeof(corpus_all_Scalars),
    .align = _Alignof(corpus_all_Scalars),
    .fields = corpus_all_scalars_fields,
    .nfields = 13,
    .defaults = &corpus_all_scalars_default,
    .doc = "One field of every kind.",
};

static const akt_field corpus_all_defaults_fields[] = {
    {.name = "answer", .number = 1, .kind = AKT_KIND_INT32,
        .offset = offsetof(corpus_all_Defaults, answer), .has_offset = AKT_NO_OFFSET},
    {.name = "small", .number = 2, .kind = AKT_KIND_INT64,
        .offset = offsetof(corpus_all_Defaults, small), .has_offset = AKT_NO_OFFSET},
    {.name = "big", .number = 3, .kind = AKT_KIND_UINT64,
        .offset = offsetof(corpus_all_Defaults, big), .has_offset = AKT_NO_OFFSET},
    {.name = "ratio", .number = 4, .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_all_Defaults, ratio), .has_offset = AKT_NO_OFFSET},
    {.name = "pi", .number = 5, .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_all_Defaults, pi), .has_offset = AKT_NO_OFFSET},
    {.name = "greeting", .number = 6, .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_all_Defaults, greeting), .has_offset = AKT_NO_OFFSET},
    {.name = "on", .number = 7, .kind = AKT_KIND_BOOL,
        .offset = offsetof(corpus_all_Defaults, on), .has_offset = AKT_NO_OFFSET},
    {.name = "color", .number = 8, .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_all_Defaults, color), .has_offset = AKT_NO_OFFSET,
        .enum_type = &corpus_common_color_enum},
    {.name = "level", .number = 9, .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_all_Defaults, level), .has_offset = AKT_NO_OFFSET,
        .enum_type = &corpus_all_level_enum},
    {.name = "maybe", .number = 10, .kind = AKT_KIND_INT32,
        .offset = offsetof(corpus_all_Defaults, maybe), .has_offset = offsetof(corpus_all_Defaults, has_maybe),
        .flags = AKT_FIELD_OPTIONAL},
    {.name = "nick", .number = 11, .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_all_Defaults, nick), .has_offset = offsetof(corpus_all_Defaults, has_nick),
        .flags = AKT_FIELD_OPTIONAL},
    {.name = "opt_level", .number = 12, .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_all_Defaults, opt_level), .has_offset = offsetof(corpus_all_Defaults, has_opt_level),
        .flags = AKT_FIELD_OPTIONAL,
        .enum_type = &corpus_all_level_enum},
    {.name = "old_count", .number = 20, .kind = AKT_KIND_INT32,
        .offset = offsetof(corpus_all_Defaults, old_count), .has_offset = AKT_NO_OFFSET,
        .flags = AKT_FIELD_DEPRECATED},
};

const akt_type corpus_all_defaults_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "corpus.all.Defaults",
    .id = UINT64_C(0xcd6375c724d83bc8),
    .size = sizeof(corpus_all_Defaults),
    .align = _Alignof(corpus_all_Defaults),
    .fields = corpus_all_defaults_fields,
    .nfields = 13,
    .defaults = &corpus_all_defaults_default,
    .doc = "Defaults, presence, and field numbers with gaps.",
};

static const akt_field corpus_all_nested_fields[] = {
    {.name = "origin", .number = 1, .kind = AKT_KIND_MESSAGE,
        .offset = offsetof(corpus_all_Nested, origin), .has_offset = AKT_NO_OFFSET,
        .msg_type = &corpus_common_point_desc},
    {.name = "target", .number = 2, .kind = AKT_KIND_MESSAGE,
        .offset = offsetof(corpus_all_Nested, target), .has_offset = AKT_NO_OFFSET,
        .flags = AKT_FIELD_OPTIONAL,
        .msg_type = &corpus_common_point_desc},
    {.name = "numbers", .number = 3, .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, numbers), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_INT32, .elem_size = sizeof(int32_t)},
    {.name = "names", .number = 4, .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, names), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_STRING, .elem_size = sizeof(akt_str)},
    {.name = "path", .number = 5, .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, path), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_MESSAGE, .elem_size = sizeof(corpus_common_Point),
        .msg_type = &corpus_common_point_desc},
    {.name = "colors", .number = 6, .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, colors), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_ENUM, .elem_size = sizeof(corpus_common_Color),
        .enum_type = &corpus_common_color_enum},
    {.name = "chunks", .number = 7, .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, chunks), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_BYTES, .elem_size = sizeof(akt_bytes)},
    {.name = "counts", .number = 8, .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_Nested, counts), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_INT64, .key_kind = AKT_KIND_STRING, .elem_size = sizeof(int64_t)},
    {.name = "points", .number = 9, .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_Nested, points), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_MESSAGE, .key_kind = AKT_KIND_INT32, .elem_size = sizeof(corpus_common_Point),
        .msg_type = &corpus_common_point_desc},
    {.name = "labels", .number = 10, .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_Nested, labels), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_STRING, .key_kind = AKT_KIND_UINT64, .elem_size = sizeof(akt_str)},
    {.name = "owner", .number = 11, .kind = AKT_KIND_REF,
        .offset = offsetof(corpus_all_Nested, owner), .has_offset = AKT_NO_OFFSET},
    {.name = "backup", .number = 12, .kind = AKT_KIND_REF,
        .offset = offsetof(corpus_all_Nested, backup), .has_offset = offsetof(corpus_all_Nested, has_backup),
        .flags = AKT_FIELD_OPTIONAL},
    {.name = "peers", .number = 13, .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, peers), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_REF, .elem_size = sizeof(akt_ref)},
    {.name = "children", .number = 14, .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, children), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_MESSAGE, .elem_size = sizeof(corpus_all_Nested),
        .msg_type = &corpus_all_nested_desc},
    {.name = "parent", .number = 15, .kind = AKT_KIND_MESSAGE,
        .offset = offsetof(corpus_all_Nested, parent), .has_offset = AKT_NO_OFFSET,
        .flags = AKT_FIELD_OPTIONAL,
        .msg_type = &corpus_all_nested_desc},
    {.name = "switches", .number = 16, .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_Nested, switches), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_FLOAT32, .key_kind = AKT_KIND_BOOL, .elem_size = sizeof(float)},
};

const akt_type corpus_all_nested_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "corpus.all.Nested",
    .id = UINT64_C(0x4697f182036739d9),
    .size = sizeof(corpus_all_Nested),
    .align = _Alignof(corpus_all_Nested),
    .fields = corpus_all_nested_fields,
    .nfields = 16,
    .defaults = &corpus_all_nested_default,
    .doc = "Nested messages, lists, maps and refs.",
};

const akt_type corpus_all_empty_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "corpus.all.Empty",
    .id = UINT64_C(0x95efe0c50b80826b),
    .size = sizeof(corpus_all_Empty),
    .align = _Alignof(corpus_all_Empty),
    .fields = NULL,
    .nfields = 0,
    .defaults = &corpus_all_empty_default,
    .doc = "A message with no fields.",
};

static const akt_field corpus_all_store_state_fields[] = {
    {.name = "values", .number = 1, .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_StoreState, values), .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_BYTES, .key_kind = AKT_KIND_STRING, .elem_size = sizeof(akt_bytes)},
    {.name = "writes", .number = 2, .kind = AKT_KIND_UINT64,
        .offset = offsetof(corpus_all_StoreState, writes), .has_offset = AKT_NO_OFFSET},
};

const akt_type corpus_all_store_state_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_STATE | AKT_TYPE_TABLE,
    .name = "corpus.all.StoreState",
    .id = UINT64_C(0x0fb5f8ff2fff82f8),
    .size = sizeof(corpus_all_StoreState),
    .align = _Alignof(corpus_all_StoreState),
    .fields = corpus_all_store_state_fields,
    .nfields = 2,
    .defaults = &corpus_all_store_state_default,
    .doc = "The state of actor Store.",
};

const akt_type corpus_all_idle_state_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_STATE | AKT_TYPE_TABLE,
    .name = "corpus.all.IdleState",
    .id = UINT64_C(0x609c906ec9c77fe5),
    .size = sizeof(corpus_all_IdleState),
    .align = _Alignof(corpus_all_IdleState),
    .fields = NULL,
    .nfields = 0,
    .defaults = &corpus_all_idle_state_default,
    .doc = "The state of actor Idle.",
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
