/*
 * door.akt.c -- generated from door.akt by aktc 0.1.0 -- do not edit.
 *
 * Constructors, msgpack encoders/decoders (maps keyed by field number),
 * deep copy, equality, descriptors and actor glue for package fsmdemo.
 */
#include "door.akt.h"

#include <string.h>

static akt_err
dec_uint32(akt_reader *r, uint32_t *v)
{
    uint64_t x = 0;
    if (akt_mp_get_uint(r, &x) == AKT_OK && x > UINT32_MAX) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (uint32_t)x;
    return r->err;
}

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

/* --- fsmdemo.Open --- */

const fsmdemo_Open fsmdemo_open_default = {
    .empty_ = 0,
};

static void
fsmdemo_open_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(fsmdemo_Open *)obj = fsmdemo_open_default;
}

static akt_err
fsmdemo_open_copy(void *dst, const void *src, akt_arena *arena)
{
    (void)arena;
    *(fsmdemo_Open *)dst = *(const fsmdemo_Open *)src;
    return AKT_OK;
}

static bool
fsmdemo_open_eq(const void *pa, const void *pb)
{
    (void)pa;
    (void)pb;
    return true;
}

static akt_err
fsmdemo_open_enc(const void *obj, akt_buf *out)
{
    (void)obj;
    return akt_mp_put_map(out, 0);
}

static akt_err
fsmdemo_open_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    (void)obj;
    (void)arena; /* no field needs it */
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

fsmdemo_Open *
fsmdemo_open_new(void)
{
    fsmdemo_Open *msg_ = akt_msg_new(&fsmdemo_open_desc, 0);
    if (msg_ == NULL) {
        return NULL;
    }
    return msg_;
}

fsmdemo_Open *
fsmdemo_open_alloc(size_t arena_hint)
{
    return akt_msg_new(&fsmdemo_open_desc, arena_hint);
}

akt_err
fsmdemo_open_decode(const void *data, size_t len, const akt_codec_limits *limits,
    fsmdemo_Open **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&fsmdemo_open_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* --- fsmdemo.Close --- */

const fsmdemo_Close fsmdemo_close_default = {
    .empty_ = 0,
};

static void
fsmdemo_close_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(fsmdemo_Close *)obj = fsmdemo_close_default;
}

static akt_err
fsmdemo_close_copy(void *dst, const void *src, akt_arena *arena)
{
    (void)arena;
    *(fsmdemo_Close *)dst = *(const fsmdemo_Close *)src;
    return AKT_OK;
}

static bool
fsmdemo_close_eq(const void *pa, const void *pb)
{
    (void)pa;
    (void)pb;
    return true;
}

static akt_err
fsmdemo_close_enc(const void *obj, akt_buf *out)
{
    (void)obj;
    return akt_mp_put_map(out, 0);
}

static akt_err
fsmdemo_close_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    (void)obj;
    (void)arena; /* no field needs it */
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

fsmdemo_Close *
fsmdemo_close_new(void)
{
    fsmdemo_Close *msg_ = akt_msg_new(&fsmdemo_close_desc, 0);
    if (msg_ == NULL) {
        return NULL;
    }
    return msg_;
}

fsmdemo_Close *
fsmdemo_close_alloc(size_t arena_hint)
{
    return akt_msg_new(&fsmdemo_close_desc, arena_hint);
}

akt_err
fsmdemo_close_decode(const void *data, size_t len, const akt_codec_limits *limits,
    fsmdemo_Close **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&fsmdemo_close_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* --- fsmdemo.Lock --- */

const fsmdemo_Lock fsmdemo_lock_default = {
    .code = {NULL, 0},
};

static void
fsmdemo_lock_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(fsmdemo_Lock *)obj = fsmdemo_lock_default;
}

static akt_err
fsmdemo_lock_copy(void *dst, const void *src, akt_arena *arena)
{
    fsmdemo_Lock *d = dst;
    const fsmdemo_Lock *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_str(arena, &d->code)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static bool
fsmdemo_lock_eq(const void *pa, const void *pb)
{
    const fsmdemo_Lock *a = pa;
    const fsmdemo_Lock *b = pb;
    if (!eq_str(a->code, b->code)) {
        return false;
    }
    return true;
}

static akt_err
fsmdemo_lock_enc(const void *obj, akt_buf *out)
{
    const fsmdemo_Lock *m = obj;
    akt_err err = akt_mp_put_map(out, 1u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: code */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->code.ptr, m->code.len)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
fsmdemo_lock_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    fsmdemo_Lock *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* code */
            akt_mp_get_str(r, arena, &m->code);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

fsmdemo_Lock *
fsmdemo_lock_new(const char *code)
{
    size_t code_len_ = code != NULL ? strlen(code) : 0;
    fsmdemo_Lock *msg_ = akt_msg_new(&fsmdemo_lock_desc, (code != NULL ? code_len_ + 1 : 0));
    if (msg_ == NULL) {
        return NULL;
    }
    akt_arena *arena_ = akt_msg_arena(msg_);
    if (code != NULL
        && akt_arena_str(arena_, code, code_len_, &msg_->code) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    return msg_;
}

fsmdemo_Lock *
fsmdemo_lock_alloc(size_t arena_hint)
{
    return akt_msg_new(&fsmdemo_lock_desc, arena_hint);
}

akt_err
fsmdemo_lock_decode(const void *data, size_t len, const akt_codec_limits *limits,
    fsmdemo_Lock **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&fsmdemo_lock_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* --- fsmdemo.Unlock --- */

const fsmdemo_Unlock fsmdemo_unlock_default = {
    .code = {NULL, 0},
};

static void
fsmdemo_unlock_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(fsmdemo_Unlock *)obj = fsmdemo_unlock_default;
}

static akt_err
fsmdemo_unlock_copy(void *dst, const void *src, akt_arena *arena)
{
    fsmdemo_Unlock *d = dst;
    const fsmdemo_Unlock *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_str(arena, &d->code)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static bool
fsmdemo_unlock_eq(const void *pa, const void *pb)
{
    const fsmdemo_Unlock *a = pa;
    const fsmdemo_Unlock *b = pb;
    if (!eq_str(a->code, b->code)) {
        return false;
    }
    return true;
}

static akt_err
fsmdemo_unlock_enc(const void *obj, akt_buf *out)
{
    const fsmdemo_Unlock *m = obj;
    akt_err err = akt_mp_put_map(out, 1u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: code */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->code.ptr, m->code.len)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
fsmdemo_unlock_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    fsmdemo_Unlock *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* code */
            akt_mp_get_str(r, arena, &m->code);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

fsmdemo_Unlock *
fsmdemo_unlock_new(const char *code)
{
    size_t code_len_ = code != NULL ? strlen(code) : 0;
    fsmdemo_Unlock *msg_ = akt_msg_new(&fsmdemo_unlock_desc, (code != NULL ? code_len_ + 1 : 0));
    if (msg_ == NULL) {
        return NULL;
    }
    akt_arena *arena_ = akt_msg_arena(msg_);
    if (code != NULL
        && akt_arena_str(arena_, code, code_len_, &msg_->code) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    return msg_;
}

fsmdemo_Unlock *
fsmdemo_unlock_alloc(size_t arena_hint)
{
    return akt_msg_new(&fsmdemo_unlock_desc, arena_hint);
}

akt_err
fsmdemo_unlock_decode(const void *data, size_t len, const akt_codec_limits *limits,
    fsmdemo_Unlock **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&fsmdemo_unlock_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* --- fsmdemo.DoorState --- */

const fsmdemo_DoorState fsmdemo_door_state_default = {
    .code = {NULL, 0},
};

static void
fsmdemo_door_state_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(fsmdemo_DoorState *)obj = fsmdemo_door_state_default;
}

static akt_err
fsmdemo_door_state_copy(void *dst, const void *src, akt_arena *arena)
{
    fsmdemo_DoorState *d = dst;
    const fsmdemo_DoorState *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_str(arena, &d->code)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static bool
fsmdemo_door_state_eq(const void *pa, const void *pb)
{
    const fsmdemo_DoorState *a = pa;
    const fsmdemo_DoorState *b = pb;
    if (!eq_str(a->code, b->code)) {
        return false;
    }
    if (a->openings != b->openings) {
        return false;
    }
    return true;
}

static akt_err
fsmdemo_door_state_enc(const void *obj, akt_buf *out)
{
    const fsmdemo_DoorState *m = obj;
    akt_err err = akt_mp_put_map(out, 2u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: code */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->code.ptr, m->code.len)) != AKT_OK) {
        return err;
    }
    /* 2: openings */
    if ((err = akt_mp_put_uint(out, 2u)) != AKT_OK
        || (err = akt_mp_put_uint(out, m->openings)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
fsmdemo_door_state_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    fsmdemo_DoorState *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* code */
            akt_mp_get_str(r, arena, &m->code);
            break;
        case 2: /* openings */
            dec_uint32(r, &m->openings);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

/* ==== actors ============================================================ */

/* --- fsmdemo.Door (fsm) --- */

/* The data of a Door: the state block first (the runtime's data
 * pointer is a fsmdemo_DoorState pointer too), then the handler table. */
typedef struct fsmdemo_door_fsm_data {
    fsmdemo_DoorState state;
    const fsmdemo_DoorHandlers *h;
} fsmdemo_door_fsm_data;

static const char *const fsmdemo_door_fsm_names[] = {
    "Closed",
    "Locked",
    "Opened",
};

const char *
fsmdemo_door_state_name(fsmdemo_DoorFsmState s)
{
    return (int)s >= 0 && (int)s < 3 ? fsmdemo_door_fsm_names[s] : NULL;
}

static akt_err
fsmdemo_door_fsm_init(void *data, const void *init_arg)
{
    fsmdemo_door_fsm_data *d = data;
    d->state = fsmdemo_door_state_default;
    d->h = init_arg;
    return AKT_OK;
}

/* After a handler returned AKT_OK: it may stay, stop, or go where its line
 * says (allowed; -1: nowhere). Any other goto fails the actor. */
static akt_err
fsmdemo_door_fsm_check(akt_ctx *ctx, int allowed, const char *line)
{
    int to = akt_fsm_next_state(ctx);
    if (to < 0 || to == allowed) {
        return AKT_OK;
    }
    (void)akt_fsm_stay(ctx);
    return akt_ctx_fail(ctx, AKT_EINVAL,
        "fsmdemo.Door: '%s' in state %s cannot go to %s (not declared)", line,
        fsmdemo_door_fsm_names[akt_fsm_state_of(ctx)], fsmdemo_door_fsm_names[to]);
}

static akt_err
fsmdemo_door_closed_on_open(void *data, akt_ctx *ctx, const void *msg)
{
    fsmdemo_door_fsm_data *d = data;
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_OPENED);
    if (d->h->closed.on_open == NULL) {
        return AKT_OK;
    }
    akt_err rc = d->h->closed.on_open(&d->state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_OPENED, "on Open -> Opened");
}

static akt_err
fsmdemo_door_closed_on_lock(void *data, akt_ctx *ctx, const void *msg)
{
    fsmdemo_door_fsm_data *d = data;
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_LOCKED);
    if (d->h->closed.on_lock == NULL) {
        return AKT_OK;
    }
    akt_err rc = d->h->closed.on_lock(&d->state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_LOCKED, "on Lock -> Locked");
}

static void
fsmdemo_door_closed_enter(void *data, akt_ctx *ctx, int from)
{
    fsmdemo_door_fsm_data *d = data;
    if (d->h->closed.on_enter) {
        d->h->closed.on_enter(&d->state, ctx, from);
    }
}

static void
fsmdemo_door_closed_exit(void *data, akt_ctx *ctx, int to)
{
    fsmdemo_door_fsm_data *d = data;
    if (d->h->closed.on_exit) {
        d->h->closed.on_exit(&d->state, ctx, (fsmdemo_DoorFsmState)to);
    }
}

static const akt_handler fsmdemo_door_closed_handlers[] = {
    {&fsmdemo_open_desc, fsmdemo_door_closed_on_open},
    {&fsmdemo_lock_desc, fsmdemo_door_closed_on_lock},
};

static akt_err
fsmdemo_door_locked_on_unlock(void *data, akt_ctx *ctx, const void *msg)
{
    fsmdemo_door_fsm_data *d = data;
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_CLOSED);
    if (d->h->locked.on_unlock == NULL) {
        return AKT_OK;
    }
    akt_err rc = d->h->locked.on_unlock(&d->state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_CLOSED, "on Unlock -> Closed");
}

static akt_err
fsmdemo_door_locked_on_open(void *data, akt_ctx *ctx, const void *msg)
{
    fsmdemo_door_fsm_data *d = data;
    if (d->h->locked.on_open == NULL) {
        return AKT_OK;
    }
    akt_err rc = d->h->locked.on_open(&d->state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, -1, "on Open");
}

static void
fsmdemo_door_locked_enter(void *data, akt_ctx *ctx, int from)
{
    fsmdemo_door_fsm_data *d = data;
    if (d->h->locked.on_enter) {
        d->h->locked.on_enter(&d->state, ctx, from);
    }
}

static void
fsmdemo_door_locked_exit(void *data, akt_ctx *ctx, int to)
{
    fsmdemo_door_fsm_data *d = data;
    if (d->h->locked.on_exit) {
        d->h->locked.on_exit(&d->state, ctx, (fsmdemo_DoorFsmState)to);
    }
}

static const akt_handler fsmdemo_door_locked_handlers[] = {
    {&fsmdemo_unlock_desc, fsmdemo_door_locked_on_unlock},
    {&fsmdemo_open_desc, fsmdemo_door_locked_on_open},
};

static akt_err
fsmdemo_door_opened_on_close(void *data, akt_ctx *ctx, const void *msg)
{
    fsmdemo_door_fsm_data *d = data;
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_CLOSED);
    if (d->h->opened.on_close == NULL) {
        return AKT_OK;
    }
    akt_err rc = d->h->opened.on_close(&d->state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_CLOSED, "on Close -> Closed");
}

static akt_err
fsmdemo_door_opened_on_timeout(void *data, akt_ctx *ctx, const void *msg)
{
    fsmdemo_door_fsm_data *d = data;
    (void)msg;
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_CLOSED);
    if (d->h->opened.on_timeout == NULL) {
        return AKT_OK;
    }
    akt_err rc = d->h->opened.on_timeout(&d->state, ctx);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_CLOSED, "timeout 30s -> Closed");
}

static void
fsmdemo_door_opened_enter(void *data, akt_ctx *ctx, int from)
{
    fsmdemo_door_fsm_data *d = data;
    if (d->h->opened.on_enter) {
        d->h->opened.on_enter(&d->state, ctx, from);
    }
}

static void
fsmdemo_door_opened_exit(void *data, akt_ctx *ctx, int to)
{
    fsmdemo_door_fsm_data *d = data;
    if (d->h->opened.on_exit) {
        d->h->opened.on_exit(&d->state, ctx, (fsmdemo_DoorFsmState)to);
    }
}

static const akt_handler fsmdemo_door_opened_handlers[] = {
    {&fsmdemo_close_desc, fsmdemo_door_opened_on_close},
    {&akt_state_timeout_type, fsmdemo_door_opened_on_timeout},
};

static const akt_fsm_state fsmdemo_door_fsm_states[] = {
    [FSMDEMO_DOOR_CLOSED] = {
        .name = "Closed",
        .handlers = fsmdemo_door_closed_handlers,
        .nhandlers = 2,
        .on_enter = fsmdemo_door_closed_enter,
        .on_exit = fsmdemo_door_closed_exit,
    },
    [FSMDEMO_DOOR_LOCKED] = {
        .name = "Locked",
        .handlers = fsmdemo_door_locked_handlers,
        .nhandlers = 2,
        .on_enter = fsmdemo_door_locked_enter,
        .on_exit = fsmdemo_door_locked_exit,
    },
    [FSMDEMO_DOOR_OPENED] = {
        .name = "Opened",
        .handlers = fsmdemo_door_opened_handlers,
        .nhandlers = 2,
        .on_enter = fsmdemo_door_opened_enter,
        .on_exit = fsmdemo_door_opened_exit,
        .timeout_ns = INT64_C(30000000000),
    },
};

static void
fsmdemo_door_fsm_transition(void *data, akt_ctx *ctx, int from, int to)
{
    fsmdemo_door_fsm_data *d = data;
    if (d->h->on_transition) {
        d->h->on_transition(&d->state, ctx, (fsmdemo_DoorFsmState)from,
            (fsmdemo_DoorFsmState)to);
    }
}

static akt_err
fsmdemo_door_fsm_start(void *data, akt_ctx *ctx)
{
    fsmdemo_door_fsm_data *d = data;
    return d->h->pre_start ? d->h->pre_start(&d->state, ctx) : AKT_OK;
}

static void
fsmdemo_door_fsm_stop(void *data, akt_ctx *ctx, int last)
{
    fsmdemo_door_fsm_data *d = data;
    if (d->h->post_stop) {
        d->h->post_stop(&d->state, ctx, (fsmdemo_DoorFsmState)last);
    }
}

/* One definition per unhandled policy, indexed by it. */
static const akt_fsm_def fsmdemo_door_fsm_defs[] = {
    [AKT_FSM_UNHANDLED_LOG] = {
        .name = "fsmdemo.Door",
        .states = fsmdemo_door_fsm_states,
        .nstates = 3,
        .initial = FSMDEMO_DOOR_CLOSED,
        .unhandled = AKT_FSM_UNHANDLED_LOG,
        .on_transition = fsmdemo_door_fsm_transition,
        .data_size = sizeof(fsmdemo_door_fsm_data),
        .data_init = fsmdemo_door_fsm_init,
        .on_start = fsmdemo_door_fsm_start,
        .on_stop = fsmdemo_door_fsm_stop,
    },
    [AKT_FSM_UNHANDLED_DEAD_LETTER] = {
        .name = "fsmdemo.Door",
        .states = fsmdemo_door_fsm_states,
        .nstates = 3,
        .initial = FSMDEMO_DOOR_CLOSED,
        .unhandled = AKT_FSM_UNHANDLED_DEAD_LETTER,
        .on_transition = fsmdemo_door_fsm_transition,
        .data_size = sizeof(fsmdemo_door_fsm_data),
        .data_init = fsmdemo_door_fsm_init,
        .on_start = fsmdemo_door_fsm_start,
        .on_stop = fsmdemo_door_fsm_stop,
    },
    [AKT_FSM_UNHANDLED_FAIL] = {
        .name = "fsmdemo.Door",
        .states = fsmdemo_door_fsm_states,
        .nstates = 3,
        .initial = FSMDEMO_DOOR_CLOSED,
        .unhandled = AKT_FSM_UNHANDLED_FAIL,
        .on_transition = fsmdemo_door_fsm_transition,
        .data_size = sizeof(fsmdemo_door_fsm_data),
        .data_init = fsmdemo_door_fsm_init,
        .on_start = fsmdemo_door_fsm_start,
        .on_stop = fsmdemo_door_fsm_stop,
    },
    [AKT_FSM_UNHANDLED_IGNORE] = {
        .name = "fsmdemo.Door",
        .states = fsmdemo_door_fsm_states,
        .nstates = 3,
        .initial = FSMDEMO_DOOR_CLOSED,
        .unhandled = AKT_FSM_UNHANDLED_IGNORE,
        .on_transition = fsmdemo_door_fsm_transition,
        .data_size = sizeof(fsmdemo_door_fsm_data),
        .data_init = fsmdemo_door_fsm_init,
        .on_start = fsmdemo_door_fsm_start,
        .on_stop = fsmdemo_door_fsm_stop,
    },
};

akt_err
fsmdemo_door_props(const fsmdemo_DoorHandlers *h, akt_props *out)
{
    if (h == NULL || out == NULL || (unsigned)h->unhandled > (unsigned)AKT_FSM_UNHANDLED_IGNORE) {
        return AKT_EINVAL;
    }
    *out = akt_fsm_props(&fsmdemo_door_fsm_defs[h->unhandled]);
    out->init_arg = h;
    return AKT_OK;
}

/* ==== descriptors ======================================================= */

const akt_type fsmdemo_open_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "fsmdemo.Open",
    .id = UINT64_C(0x74ec2b99b073e10c),
    .size = sizeof(fsmdemo_Open),
    .align = _Alignof(fsmdemo_Open),
    .fields = NULL,
    .nfields = 0,
    .init = fsmdemo_open_init,
    .fini = NULL,
    .copy = fsmdemo_open_copy,
    .equal = fsmdemo_open_eq,
    .encode = fsmdemo_open_enc,
    .decode = fsmdemo_open_dec,
    .doc = NULL,
};

const akt_type fsmdemo_close_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "fsmdemo.Close",
    .id = UINT64_C(0x6b6b6d5bb7e52bb0),
    .size = sizeof(fsmdemo_Close),
    .align = _Alignof(fsmdemo_Close),
    .fields = NULL,
    .nfields = 0,
    .init = fsmdemo_close_init,
    .fini = NULL,
    .copy = fsmdemo_close_copy,
    .equal = fsmdemo_close_eq,
    .encode = fsmdemo_close_enc,
    .decode = fsmdemo_close_dec,
    .doc = NULL,
};

static const akt_field fsmdemo_lock_fields[] = {
    {
        .name = "code",
        .number = 1,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(fsmdemo_Lock, code),
        .has_offset = AKT_NO_OFFSET,
    },
};

const akt_type fsmdemo_lock_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "fsmdemo.Lock",
    .id = UINT64_C(0xa0a13d81452b12e3),
    .size = sizeof(fsmdemo_Lock),
    .align = _Alignof(fsmdemo_Lock),
    .fields = fsmdemo_lock_fields,
    .nfields = 1,
    .init = fsmdemo_lock_init,
    .fini = NULL,
    .copy = fsmdemo_lock_copy,
    .equal = fsmdemo_lock_eq,
    .encode = fsmdemo_lock_enc,
    .decode = fsmdemo_lock_dec,
    .doc = "Lock with a code.",
};

static const akt_field fsmdemo_unlock_fields[] = {
    {
        .name = "code",
        .number = 1,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(fsmdemo_Unlock, code),
        .has_offset = AKT_NO_OFFSET,
    },
};

const akt_type fsmdemo_unlock_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "fsmdemo.Unlock",
    .id = UINT64_C(0xa20412528db997c8),
    .size = sizeof(fsmdemo_Unlock),
    .align = _Alignof(fsmdemo_Unlock),
    .fields = fsmdemo_unlock_fields,
    .nfields = 1,
    .init = fsmdemo_unlock_init,
    .fini = NULL,
    .copy = fsmdemo_unlock_copy,
    .equal = fsmdemo_unlock_eq,
    .encode = fsmdemo_unlock_enc,
    .decode = fsmdemo_unlock_dec,
    .doc = NULL,
};

static const akt_field fsmdemo_door_state_fields[] = {
    {
        .name = "code",
        .number = 1,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(fsmdemo_DoorState, code),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "openings",
        .number = 2,
        .kind = AKT_KIND_UINT32,
        .offset = offsetof(fsmdemo_DoorState, openings),
        .has_offset = AKT_NO_OFFSET,
    },
};

const akt_type fsmdemo_door_state_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_STATE,
    .name = "fsmdemo.DoorState",
    .id = UINT64_C(0x4832f585aa8a30c9),
    .size = sizeof(fsmdemo_DoorState),
    .align = _Alignof(fsmdemo_DoorState),
    .fields = fsmdemo_door_state_fields,
    .nfields = 2,
    .init = fsmdemo_door_state_init,
    .fini = NULL,
    .copy = fsmdemo_door_state_copy,
    .equal = fsmdemo_door_state_eq,
    .encode = fsmdemo_door_state_enc,
    .decode = fsmdemo_door_state_dec,
    .doc = "The state of actor Door.",
};

const akt_type *const fsmdemo_door_types[] = {
    &fsmdemo_open_desc,
    &fsmdemo_close_desc,
    &fsmdemo_lock_desc,
    &fsmdemo_unlock_desc,
    &fsmdemo_door_state_desc,
    NULL,
};

akt_err
fsmdemo_door_register_types(akt_registry *reg)
{
    for (size_t i = 0; fsmdemo_door_types[i] != NULL; i++) {
        akt_err err = akt_registry_add(reg, fsmdemo_door_types[i]);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

akt_err
fsmdemo_door_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg)
{
    for (size_t i = 0; fsmdemo_door_types[i] != NULL; i++) {
        akt_err err = reg(fsmdemo_door_types[i], arg);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}
