/*
 * greeter.akt.c -- generated from greeter.akt by aktc 0.1.0 -- do not edit.
 *
 * Constructors, msgpack encoders/decoders (maps keyed by field number),
 * deep copy, equality, descriptors and actor glue for package demo.
 */
#include "greeter.akt.h"

#include <string.h>

static akt_err
copy_str(akt_arena *arena, akt_str *s)
{
    return s->ptr == NULL ? AKT_OK : akt_arena_str(arena, s->ptr, s->len, s);
}

static bool
eq_str(akt_str a, akt_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* ==== messages ========================================================== */

/* --- demo.Hello --- */

const demo_Hello demo_hello_default = {
    .name = {NULL, 0},
};

static void
demo_hello_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(demo_Hello *)obj = demo_hello_default;
}

static akt_err
demo_hello_copy(void *dst, const void *src, akt_arena *arena)
{
    demo_Hello *d = dst;
    const demo_Hello *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_str(arena, &d->name)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static bool
demo_hello_eq(const void *pa, const void *pb)
{
    const demo_Hello *a = pa;
    const demo_Hello *b = pb;
    if (!eq_str(a->name, b->name)) {
        return false;
    }
    return true;
}

static akt_err
demo_hello_enc(const void *obj, akt_buf *out)
{
    const demo_Hello *m = obj;
    akt_err err = akt_mp_put_map(out, 1u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: name */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->name.ptr, m->name.len)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
demo_hello_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    demo_Hello *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* name */
            akt_mp_get_str(r, arena, &m->name);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

demo_Hello *
demo_hello_new(const char *name)
{
    size_t name_len_ = name != NULL ? strlen(name) : 0;
    demo_Hello *msg_ = akt_msg_new(&demo_hello_desc, (name != NULL ? name_len_ + 1 : 0));
    if (msg_ == NULL) {
        return NULL;
    }
    akt_arena *arena_ = akt_msg_arena(msg_);
    if (name != NULL
        && akt_arena_str(arena_, name, name_len_, &msg_->name) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    return msg_;
}

demo_Hello *
demo_hello_alloc(size_t arena_hint)
{
    return akt_msg_new(&demo_hello_desc, arena_hint);
}

akt_err
demo_hello_decode(const void *data, size_t len, const akt_codec_limits *limits,
    demo_Hello **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&demo_hello_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* --- demo.Greeting --- */

const demo_Greeting demo_greeting_default = {
    .text = {NULL, 0},
};

static void
demo_greeting_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(demo_Greeting *)obj = demo_greeting_default;
}

static akt_err
demo_greeting_copy(void *dst, const void *src, akt_arena *arena)
{
    demo_Greeting *d = dst;
    const demo_Greeting *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_str(arena, &d->text)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static bool
demo_greeting_eq(const void *pa, const void *pb)
{
    const demo_Greeting *a = pa;
    const demo_Greeting *b = pb;
    if (!eq_str(a->text, b->text)) {
        return false;
    }
    return true;
}

static akt_err
demo_greeting_enc(const void *obj, akt_buf *out)
{
    const demo_Greeting *m = obj;
    akt_err err = akt_mp_put_map(out, 1u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: text */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->text.ptr, m->text.len)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
demo_greeting_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    demo_Greeting *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* text */
            akt_mp_get_str(r, arena, &m->text);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

demo_Greeting *
demo_greeting_new(const char *text)
{
    size_t text_len_ = text != NULL ? strlen(text) : 0;
    demo_Greeting *msg_ = akt_msg_new(&demo_greeting_desc, (text != NULL ? text_len_ + 1 : 0));
    if (msg_ == NULL) {
        return NULL;
    }
    akt_arena *arena_ = akt_msg_arena(msg_);
    if (text != NULL
        && akt_arena_str(arena_, text, text_len_, &msg_->text) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    return msg_;
}

demo_Greeting *
demo_greeting_alloc(size_t arena_hint)
{
    return akt_msg_new(&demo_greeting_desc, arena_hint);
}

akt_err
demo_greeting_decode(const void *data, size_t len, const akt_codec_limits *limits,
    demo_Greeting **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&demo_greeting_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* --- demo.GreeterState --- */

const demo_GreeterState demo_greeter_state_default = {
    .greeted = 0,
};

static void
demo_greeter_state_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(demo_GreeterState *)obj = demo_greeter_state_default;
}

static akt_err
demo_greeter_state_copy(void *dst, const void *src, akt_arena *arena)
{
    (void)arena;
    *(demo_GreeterState *)dst = *(const demo_GreeterState *)src;
    return AKT_OK;
}

static bool
demo_greeter_state_eq(const void *pa, const void *pb)
{
    const demo_GreeterState *a = pa;
    const demo_GreeterState *b = pb;
    if (a->greeted != b->greeted) {
        return false;
    }
    return true;
}

static akt_err
demo_greeter_state_enc(const void *obj, akt_buf *out)
{
    const demo_GreeterState *m = obj;
    akt_err err = akt_mp_put_map(out, 1u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: greeted */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_uint(out, m->greeted)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
demo_greeter_state_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    demo_GreeterState *m = obj;
    (void)arena; /* no field needs it */
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* greeted */
            akt_mp_get_uint(r, &m->greeted);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

/* ==== actors ============================================================ */

/* --- demo.Greeter --- */

static akt_err
demo_greeter_init_state(void *state, const void *init_arg)
{
    (void)init_arg;
    *(demo_GreeterState *)state = demo_greeter_state_default;
    return AKT_OK;
}

static akt_err
demo_greeter_on_hello(void *state, akt_ctx *ctx, const void *msg)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->on_hello == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "demo.Greeter: on_hello is NULL");
    }
    return h->on_hello(state, ctx, msg);
}

akt_err
demo_greeter_ask_hello_wait(akt_future *f, int64_t timeout_ns,
    demo_Greeting **reply)
{
    void *msg = NULL;
    akt_err err = akt_future_wait_as(f, timeout_ns, &demo_greeting_desc,
        reply != NULL ? &msg : NULL);
    if (reply != NULL) {
        *reply = msg;
    }
    return err;
}

/* Lifecycle: each hook calls the handler table's, or does what the runtime
 * does without one (a NULL pre_restart stops the children, a NULL
 * post_restart runs pre_start). */
static akt_err
demo_greeter_pre_start(void *state, akt_ctx *ctx)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->pre_start ? h->pre_start(state, ctx) : AKT_OK;
}

static void
demo_greeter_post_stop(void *state, akt_ctx *ctx)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->post_stop) {
        h->post_stop(state, ctx);
    }
}

static void
demo_greeter_pre_restart(void *state, akt_ctx *ctx, akt_err reason,
    const void *failed_msg)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->pre_restart) {
        h->pre_restart(state, ctx, reason, failed_msg);
    } else {
        (void)akt_ctx_default_pre_restart(ctx);
    }
}

static akt_err
demo_greeter_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->post_restart ? h->post_restart(state, ctx, reason)
                           : akt_ctx_default_post_restart(ctx);
}

static const akt_handler demo_greeter_handlers[] = {
    {&demo_hello_desc, demo_greeter_on_hello},
};

static const akt_behavior demo_greeter_behavior = {
    .name = "demo.Greeter",
    .handlers = demo_greeter_handlers,
    .nhandlers = 1,
    .unhandled = NULL,
};

static const akt_lifecycle demo_greeter_lifecycle = {
    .pre_start = demo_greeter_pre_start,
    .post_stop = demo_greeter_post_stop,
    .pre_restart = demo_greeter_pre_restart,
    .post_restart = demo_greeter_post_restart,
};

akt_err
demo_greeter_props(const demo_GreeterHandlers *h, akt_props *out)
{
    if (h == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof *out);
    out->behavior = &demo_greeter_behavior;
    out->behavior_arg = h;
    out->lifecycle = &demo_greeter_lifecycle;
    out->state_size = sizeof(demo_GreeterState);
    out->state_init = demo_greeter_init_state;
    return AKT_OK;
}

/* ==== descriptors ======================================================= */

static const akt_field demo_hello_fields[] = {
    {
        .name = "name",
        .number = 1,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(demo_Hello, name),
        .has_offset = AKT_NO_OFFSET,
        .doc = "who is saying hello",
    },
};

const akt_type demo_hello_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "demo.Hello",
    .id = UINT64_C(0xe965e8b49ebb0c50),
    .size = sizeof(demo_Hello),
    .align = _Alignof(demo_Hello),
    .fields = demo_hello_fields,
    .nfields = 1,
    .init = demo_hello_init,
    .fini = NULL,
    .copy = demo_hello_copy,
    .equal = demo_hello_eq,
    .encode = demo_hello_enc,
    .decode = demo_hello_dec,
    .doc = "Someone to greet.",
};

static const akt_field demo_greeting_fields[] = {
    {
        .name = "text",
        .number = 1,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(demo_Greeting, text),
        .has_offset = AKT_NO_OFFSET,
    },
};

const akt_type demo_greeting_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "demo.Greeting",
    .id = UINT64_C(0x9446ac8c2ac0c047),
    .size = sizeof(demo_Greeting),
    .align = _Alignof(demo_Greeting),
    .fields = demo_greeting_fields,
    .nfields = 1,
    .init = demo_greeting_init,
    .fini = NULL,
    .copy = demo_greeting_copy,
    .equal = demo_greeting_eq,
    .encode = demo_greeting_enc,
    .decode = demo_greeting_dec,
    .doc = "What the greeter answers.",
};

static const akt_field demo_greeter_state_fields[] = {
    {
        .name = "greeted",
        .number = 1,
        .kind = AKT_KIND_UINT64,
        .offset = offsetof(demo_GreeterState, greeted),
        .has_offset = AKT_NO_OFFSET,
    },
};

const akt_type demo_greeter_state_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_STATE,
    .name = "demo.GreeterState",
    .id = UINT64_C(0xd61816dd05a37057),
    .size = sizeof(demo_GreeterState),
    .align = _Alignof(demo_GreeterState),
    .fields = demo_greeter_state_fields,
    .nfields = 1,
    .init = demo_greeter_state_init,
    .fini = NULL,
    .copy = demo_greeter_state_copy,
    .equal = demo_greeter_state_eq,
    .encode = demo_greeter_state_enc,
    .decode = demo_greeter_state_dec,
    .doc = "The state of actor Greeter.",
};

const akt_type *const demo_greeter_types[] = {
    &demo_hello_desc,
    &demo_greeting_desc,
    &demo_greeter_state_desc,
    NULL,
};

akt_err
demo_greeter_register_types(akt_registry *reg)
{
    for (size_t i = 0; demo_greeter_types[i] != NULL; i++) {
        akt_err err = akt_registry_add(reg, demo_greeter_types[i]);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

akt_err
demo_greeter_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg)
{
    for (size_t i = 0; demo_greeter_types[i] != NULL; i++) {
        akt_err err = reg(demo_greeter_types[i], arg);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}
