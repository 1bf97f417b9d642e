/*
 * alltypes.akt.c -- generated from alltypes.akt by aktc 0.1.0 -- do not edit.
 *
 * Constructors, msgpack encoders/decoders (maps keyed by field number),
 * deep copy, equality, descriptors and actor glue for package corpus.all.
 */
#include "alltypes.akt.h"

#include <string.h>

static akt_err
dec_int8(akt_reader *r, int8_t *v)
{
    int64_t x = 0;
    if (akt_mp_get_int(r, &x) == AKT_OK && (x < INT8_MIN || x > INT8_MAX)) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (int8_t)x;
    return r->err;
}

static akt_err
dec_int16(akt_reader *r, int16_t *v)
{
    int64_t x = 0;
    if (akt_mp_get_int(r, &x) == AKT_OK && (x < INT16_MIN || x > INT16_MAX)) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (int16_t)x;
    return r->err;
}

static akt_err
dec_int32(akt_reader *r, int32_t *v)
{
    int64_t x = 0;
    if (akt_mp_get_int(r, &x) == AKT_OK && (x < INT32_MIN || x > INT32_MAX)) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (int32_t)x;
    return r->err;
}

static akt_err
dec_uint8(akt_reader *r, uint8_t *v)
{
    uint64_t x = 0;
    if (akt_mp_get_uint(r, &x) == AKT_OK && x > UINT8_MAX) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (uint8_t)x;
    return r->err;
}

static akt_err
dec_uint16(akt_reader *r, uint16_t *v)
{
    uint64_t x = 0;
    if (akt_mp_get_uint(r, &x) == AKT_OK && x > UINT16_MAX) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (uint16_t)x;
    return r->err;
}

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

/* Decode a nested message of type t into zeroed storage at obj, one level
 * deeper. */
static akt_err
dec_message_at(akt_reader *r, akt_arena *arena, const akt_type *t, void *obj)
{
    if (akt_mp_enter(r) == AKT_OK) {
        t->init(obj, arena);
        t->decode(obj, r, arena);
        akt_mp_leave(r);
    }
    return r->err;
}

/* Decode a nested message of type t into fresh arena storage. */
static void *
dec_message(akt_reader *r, akt_arena *arena, const akt_type *t)
{
    void *obj = akt_mp_alloc(r, arena, 1, t->size, t->align);
    if (obj == NULL) {
        return NULL;
    }
    memset(obj, 0, t->size);
    return dec_message_at(r, arena, t, obj) == AKT_OK ? obj : NULL;
}

/* Room for n zeroed elements of a list or map: NULL for n == 0, and NULL
 * with r->err latched when the limits or memory say no. */
static void *
dec_array(akt_reader *r, akt_arena *arena, uint32_t n, size_t size,
    size_t align)
{
    if (n == 0) {
        return NULL;
    }
    void *p = akt_mp_alloc(r, arena, n, size, align);
    if (p != NULL) {
        memset(p, 0, (size_t)n * size);
    }
    return p;
}

/* Encode a nested message; NULL encodes the default value. */
static akt_err
enc_message(const akt_type *t, const void *dflt, const void *obj, akt_buf *out)
{
    return t->encode(obj ? obj : dflt, out);
}

/* Copy n elements of size bytes into the arena (*out NULL when n == 0). */
static akt_err
copy_array(akt_arena *arena, const void *src, size_t n, size_t size,
    size_t align, void **out)
{
    *out = NULL;
    if (n == 0) {
        return AKT_OK;
    }
    if (n > SIZE_MAX / size) {
        return AKT_ENOMEM;
    }
    *out = akt_arena_alloc(arena, n * size, align);
    if (*out == NULL) {
        return AKT_ENOMEM;
    }
    memcpy(*out, src, n * size);
    return AKT_OK;
}

static akt_err
copy_str(akt_arena *arena, akt_str *s)
{
    return s->ptr == NULL ? AKT_OK : akt_arena_str(arena, s->ptr, s->len, s);
}

static akt_err
copy_bytes(akt_arena *arena, akt_bytes *b)
{
    return akt_arena_bytes(arena, b->ptr, b->len, b);
}

/* Deep-copy the nested message *p (of type t) into the arena, in place. */
static akt_err
copy_message(akt_arena *arena, const akt_type *t, void **p)
{
    if (*p == NULL) {
        return AKT_OK;
    }
    void *dst = akt_arena_alloc(arena, t->size, t->align);
    if (dst == NULL) {
        return AKT_ENOMEM;
    }
    memset(dst, 0, t->size);
    akt_err err = t->copy(dst, *p, arena);
    *p = dst;
    return err;
}

static bool
eq_str(akt_str a, akt_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool
eq_bytes(akt_bytes a, akt_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Nested messages: NULL stands for the default value of the type. */
static bool
eq_message(const akt_type *t, const void *dflt, const void *a, const void *b)
{
    return t->equal(a ? a : dflt, b ? b : dflt);
}

/* ==== messages ========================================================== */

/* --- corpus.all.Scalars --- */

const corpus_all_Scalars corpus_all_scalars_default = {
    .flag = false,
};

static void
corpus_all_scalars_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(corpus_all_Scalars *)obj = corpus_all_scalars_default;
}

static akt_err
corpus_all_scalars_copy(void *dst, const void *src, akt_arena *arena)
{
    corpus_all_Scalars *d = dst;
    const corpus_all_Scalars *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_str(arena, &d->text)) != AKT_OK) {
        return err;
    }
    if ((err = copy_bytes(arena, &d->blob)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static bool
corpus_all_scalars_eq(const void *pa, const void *pb)
{
    const corpus_all_Scalars *a = pa;
    const corpus_all_Scalars *b = pb;
    if (a->flag != b->flag) {
        return false;
    }
    if (a->i8 != b->i8) {
        return false;
    }
    if (a->i16 != b->i16) {
        return false;
    }
    if (a->i32 != b->i32) {
        return false;
    }
    if (a->i64 != b->i64) {
        return false;
    }
    if (a->u8 != b->u8) {
        return false;
    }
    if (a->u16 != b->u16) {
        return false;
    }
    if (a->u32 != b->u32) {
        return false;
    }
    if (a->u64 != b->u64) {
        return false;
    }
    if (memcmp(&a->f32, &b->f32, sizeof a->f32) != 0) {
        return false;
    }
    if (memcmp(&a->f64, &b->f64, sizeof a->f64) != 0) {
        return false;
    }
    if (!eq_str(a->text, b->text)) {
        return false;
    }
    if (!eq_bytes(a->blob, b->blob)) {
        return false;
    }
    return true;
}

static akt_err
corpus_all_scalars_enc(const void *obj, akt_buf *out)
{
    const corpus_all_Scalars *m = obj;
    akt_err err = akt_mp_put_map(out, 13u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: flag */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_bool(out, m->flag)) != AKT_OK) {
        return err;
    }
    /* 2: i8 */
    if ((err = akt_mp_put_uint(out, 2u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->i8)) != AKT_OK) {
        return err;
    }
    /* 3: i16 */
    if ((err = akt_mp_put_uint(out, 3u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->i16)) != AKT_OK) {
        return err;
    }
    /* 4: i32 */
    if ((err = akt_mp_put_uint(out, 4u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->i32)) != AKT_OK) {
        return err;
    }
    /* 5: i64 */
    if ((err = akt_mp_put_uint(out, 5u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->i64)) != AKT_OK) {
        return err;
    }
    /* 6: u8 */
    if ((err = akt_mp_put_uint(out, 6u)) != AKT_OK
        || (err = akt_mp_put_uint(out, m->u8)) != AKT_OK) {
        return err;
    }
    /* 7: u16 */
    if ((err = akt_mp_put_uint(out, 7u)) != AKT_OK
        || (err = akt_mp_put_uint(out, m->u16)) != AKT_OK) {
        return err;
    }
    /* 8: u32 */
    if ((err = akt_mp_put_uint(out, 8u)) != AKT_OK
        || (err = akt_mp_put_uint(out, m->u32)) != AKT_OK) {
        return err;
    }
    /* 9: u64 */
    if ((err = akt_mp_put_uint(out, 9u)) != AKT_OK
        || (err = akt_mp_put_uint(out, m->u64)) != AKT_OK) {
        return err;
    }
    /* 10: f32 */
    if ((err = akt_mp_put_uint(out, 10u)) != AKT_OK
        || (err = akt_mp_put_f32(out, m->f32)) != AKT_OK) {
        return err;
    }
    /* 11: f64 */
    if ((err = akt_mp_put_uint(out, 11u)) != AKT_OK
        || (err = akt_mp_put_f64(out, m->f64)) != AKT_OK) {
        return err;
    }
    /* 12: text */
    if ((err = akt_mp_put_uint(out, 12u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->text.ptr, m->text.len)) != AKT_OK) {
        return err;
    }
    /* 13: blob */
    if ((err = akt_mp_put_uint(out, 13u)) != AKT_OK
        || (err = akt_mp_put_bin(out, m->blob.ptr, m->blob.len)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
corpus_all_scalars_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    corpus_all_Scalars *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* flag */
            akt_mp_get_bool(r, &m->flag);
            break;
        case 2: /* i8 */
            dec_int8(r, &m->i8);
            break;
        case 3: /* i16 */
            dec_int16(r, &m->i16);
            break;
        case 4: /* i32 */
            dec_int32(r, &m->i32);
            break;
        case 5: /* i64 */
            akt_mp_get_int(r, &m->i64);
            break;
        case 6: /* u8 */
            dec_uint8(r, &m->u8);
            break;
        case 7: /* u16 */
            dec_uint16(r, &m->u16);
            break;
        case 8: /* u32 */
            dec_uint32(r, &m->u32);
            break;
        case 9: /* u64 */
            akt_mp_get_uint(r, &m->u64);
            break;
        case 10: /* f32 */
            akt_mp_get_f32(r, &m->f32);
            break;
        case 11: /* f64 */
            akt_mp_get_f64(r, &m->f64);
            break;
        case 12: /* text */
            akt_mp_get_str(r, arena, &m->text);
            break;
        case 13: /* blob */
            akt_mp_get_bin(r, arena, &m->blob);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

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

corpus_all_Scalars *
corpus_all_scalars_alloc(size_t arena_hint)
{
    return akt_msg_new(&corpus_all_scalars_desc, arena_hint);
}

akt_err
corpus_all_scalars_decode(const void *data, size_t len, const akt_codec_limits *limits,
    corpus_all_Scalars **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&corpus_all_scalars_desc, data, len, limits, &msg);
    *out = msg;
    return err;
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

static void
corpus_all_defaults_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(corpus_all_Defaults *)obj = corpus_all_defaults_default;
}

static akt_err
corpus_all_defaults_copy(void *dst, const void *src, akt_arena *arena)
{
    corpus_all_Defaults *d = dst;
    const corpus_all_Defaults *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_str(arena, &d->greeting)) != AKT_OK) {
        return err;
    }
    if (d->has_nick) {
        if ((err = copy_str(arena, &d->nick)) != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

static bool
corpus_all_defaults_eq(const void *pa, const void *pb)
{
    const corpus_all_Defaults *a = pa;
    const corpus_all_Defaults *b = pb;
    if (a->answer != b->answer) {
        return false;
    }
    if (a->small != b->small) {
        return false;
    }
    if (a->big != b->big) {
        return false;
    }
    if (memcmp(&a->ratio, &b->ratio, sizeof a->ratio) != 0) {
        return false;
    }
    if (memcmp(&a->pi, &b->pi, sizeof a->pi) != 0) {
        return false;
    }
    if (!eq_str(a->greeting, b->greeting)) {
        return false;
    }
    if (a->on != b->on) {
        return false;
    }
    if (a->color != b->color) {
        return false;
    }
    if (a->level != b->level) {
        return false;
    }
    if (a->has_maybe != b->has_maybe || (a->has_maybe && a->maybe != b->maybe)) {
        return false;
    }
    if (a->has_nick != b->has_nick || (a->has_nick && !eq_str(a->nick, b->nick))) {
        return false;
    }
    if (a->has_opt_level != b->has_opt_level || (a->has_opt_level && a->opt_level != b->opt_level)) {
        return false;
    }
    if (a->old_count != b->old_count) {
        return false;
    }
    return true;
}

static akt_err
corpus_all_defaults_enc(const void *obj, akt_buf *out)
{
    const corpus_all_Defaults *m = obj;
    akt_err err = akt_mp_put_map(out, 10u + m->has_maybe + m->has_nick + m->has_opt_level);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: answer */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->answer)) != AKT_OK) {
        return err;
    }
    /* 2: small */
    if ((err = akt_mp_put_uint(out, 2u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->small)) != AKT_OK) {
        return err;
    }
    /* 3: big */
    if ((err = akt_mp_put_uint(out, 3u)) != AKT_OK
        || (err = akt_mp_put_uint(out, m->big)) != AKT_OK) {
        return err;
    }
    /* 4: ratio */
    if ((err = akt_mp_put_uint(out, 4u)) != AKT_OK
        || (err = akt_mp_put_f32(out, m->ratio)) != AKT_OK) {
        return err;
    }
    /* 5: pi */
    if ((err = akt_mp_put_uint(out, 5u)) != AKT_OK
        || (err = akt_mp_put_f64(out, m->pi)) != AKT_OK) {
        return err;
    }
    /* 6: greeting */
    if ((err = akt_mp_put_uint(out, 6u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->greeting.ptr, m->greeting.len)) != AKT_OK) {
        return err;
    }
    /* 7: on */
    if ((err = akt_mp_put_uint(out, 7u)) != AKT_OK
        || (err = akt_mp_put_bool(out, m->on)) != AKT_OK) {
        return err;
    }
    /* 8: color */
    if ((err = akt_mp_put_uint(out, 8u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->color)) != AKT_OK) {
        return err;
    }
    /* 9: level */
    if ((err = akt_mp_put_uint(out, 9u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->level)) != AKT_OK) {
        return err;
    }
    /* 10: maybe */
    if (m->has_maybe) {
        if ((err = akt_mp_put_uint(out, 10u)) != AKT_OK
            || (err = akt_mp_put_int(out, m->maybe)) != AKT_OK) {
            return err;
        }
    }
    /* 11: nick */
    if (m->has_nick) {
        if ((err = akt_mp_put_uint(out, 11u)) != AKT_OK
            || (err = akt_mp_put_str(out, m->nick.ptr, m->nick.len)) != AKT_OK) {
            return err;
        }
    }
    /* 12: opt_level */
    if (m->has_opt_level) {
        if ((err = akt_mp_put_uint(out, 12u)) != AKT_OK
            || (err = akt_mp_put_int(out, m->opt_level)) != AKT_OK) {
            return err;
        }
    }
    /* 20: old_count */
    if ((err = akt_mp_put_uint(out, 20u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->old_count)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
corpus_all_defaults_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    corpus_all_Defaults *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* answer */
            dec_int32(r, &m->answer);
            break;
        case 2: /* small */
            akt_mp_get_int(r, &m->small);
            break;
        case 3: /* big */
            akt_mp_get_uint(r, &m->big);
            break;
        case 4: /* ratio */
            akt_mp_get_f32(r, &m->ratio);
            break;
        case 5: /* pi */
            akt_mp_get_f64(r, &m->pi);
            break;
        case 6: /* greeting */
            akt_mp_get_str(r, arena, &m->greeting);
            break;
        case 7: /* on */
            akt_mp_get_bool(r, &m->on);
            break;
        case 8: /* color */
            dec_int32(r, &m->color);
            break;
        case 9: /* level */
            dec_int32(r, &m->level);
            break;
        case 10: /* maybe */
            if (akt_mp_peek(r) == AKT_MP_NIL) {
                akt_mp_get_nil(r); /* nil: absent */
                break;
            }
            dec_int32(r, &m->maybe);
            m->has_maybe = r->err == AKT_OK;
            break;
        case 11: /* nick */
            if (akt_mp_peek(r) == AKT_MP_NIL) {
                akt_mp_get_nil(r); /* nil: absent */
                break;
            }
            akt_mp_get_str(r, arena, &m->nick);
            m->has_nick = r->err == AKT_OK;
            break;
        case 12: /* opt_level */
            if (akt_mp_peek(r) == AKT_MP_NIL) {
                akt_mp_get_nil(r); /* nil: absent */
                break;
            }
            dec_int32(r, &m->opt_level);
            m->has_opt_level = r->err == AKT_OK;
            break;
        case 20: /* old_count */
            dec_int32(r, &m->old_count);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

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

corpus_all_Defaults *
corpus_all_defaults_alloc(size_t arena_hint)
{
    return akt_msg_new(&corpus_all_defaults_desc, arena_hint);
}

akt_err
corpus_all_defaults_decode(const void *data, size_t len, const akt_codec_limits *limits,
    corpus_all_Defaults **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&corpus_all_defaults_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* --- corpus.all.Nested --- */

const corpus_all_Nested corpus_all_nested_default = {
    .origin = NULL,
};

static void
corpus_all_nested_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(corpus_all_Nested *)obj = corpus_all_nested_default;
}

static akt_err
corpus_all_nested_copy(void *dst, const void *src, akt_arena *arena)
{
    corpus_all_Nested *d = dst;
    const corpus_all_Nested *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_message(arena, &corpus_common_point_desc, (void **)&d->origin)) != AKT_OK) {
        return err;
    }
    if ((err = copy_message(arena, &corpus_common_point_desc, (void **)&d->target)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->numbers.items, s->numbers.len, sizeof *s->numbers.items,
             _Alignof(int32_t), (void **)&d->numbers.items)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->names.items, s->names.len, sizeof *s->names.items,
             _Alignof(akt_str), (void **)&d->names.items)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < d->names.len; i++) {
        if ((err = copy_str(arena, &d->names.items[i])) != AKT_OK) {
            return err;
        }
    }
    if ((err = copy_array(arena, s->path.items, s->path.len, sizeof *s->path.items,
             _Alignof(corpus_common_Point), (void **)&d->path.items)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < d->path.len; i++) {
        {
            corpus_common_Point src_elem = d->path.items[i];
            memset(&d->path.items[i], 0, sizeof d->path.items[i]);
            if ((err = corpus_common_point_desc.copy(&d->path.items[i], &src_elem, arena)) != AKT_OK) {
                return err;
            }
        }
    }
    if ((err = copy_array(arena, s->colors.items, s->colors.len, sizeof *s->colors.items,
             _Alignof(corpus_common_Color), (void **)&d->colors.items)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->chunks.items, s->chunks.len, sizeof *s->chunks.items,
             _Alignof(akt_bytes), (void **)&d->chunks.items)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < d->chunks.len; i++) {
        if ((err = copy_bytes(arena, &d->chunks.items[i])) != AKT_OK) {
            return err;
        }
    }
    if ((err = copy_array(arena, s->counts.keys, s->counts.len, sizeof *s->counts.keys,
             _Alignof(akt_str), (void **)&d->counts.keys)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->counts.values, s->counts.len, sizeof *s->counts.values,
             _Alignof(int64_t), (void **)&d->counts.values)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < d->counts.len; i++) {
        if ((err = copy_str(arena, &d->counts.keys[i])) != AKT_OK) {
            return err;
        }
    }
    if ((err = copy_array(arena, s->points.keys, s->points.len, sizeof *s->points.keys,
             _Alignof(int32_t), (void **)&d->points.keys)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->points.values, s->points.len, sizeof *s->points.values,
             _Alignof(corpus_common_Point), (void **)&d->points.values)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < d->points.len; i++) {
        {
            corpus_common_Point src_elem = d->points.values[i];
            memset(&d->points.values[i], 0, sizeof d->points.values[i]);
            if ((err = corpus_common_point_desc.copy(&d->points.values[i], &src_elem, arena)) != AKT_OK) {
                return err;
            }
        }
    }
    if ((err = copy_array(arena, s->labels.keys, s->labels.len, sizeof *s->labels.keys,
             _Alignof(uint64_t), (void **)&d->labels.keys)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->labels.values, s->labels.len, sizeof *s->labels.values,
             _Alignof(akt_str), (void **)&d->labels.values)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < d->labels.len; i++) {
        if ((err = copy_str(arena, &d->labels.values[i])) != AKT_OK) {
            return err;
        }
    }
    if ((err = copy_array(arena, s->peers.items, s->peers.len, sizeof *s->peers.items,
             _Alignof(akt_ref), (void **)&d->peers.items)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->children.items, s->children.len, sizeof *s->children.items,
             _Alignof(corpus_all_Nested), (void **)&d->children.items)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < d->children.len; i++) {
        {
            corpus_all_Nested src_elem = d->children.items[i];
            memset(&d->children.items[i], 0, sizeof d->children.items[i]);
            if ((err = corpus_all_nested_desc.copy(&d->children.items[i], &src_elem, arena)) != AKT_OK) {
                return err;
            }
        }
    }
    if ((err = copy_message(arena, &corpus_all_nested_desc, (void **)&d->parent)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->switches.keys, s->switches.len, sizeof *s->switches.keys,
             _Alignof(bool), (void **)&d->switches.keys)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->switches.values, s->switches.len, sizeof *s->switches.values,
             _Alignof(float), (void **)&d->switches.values)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static bool
corpus_all_nested_eq(const void *pa, const void *pb)
{
    const corpus_all_Nested *a = pa;
    const corpus_all_Nested *b = pb;
    if (!eq_message(&corpus_common_point_desc, &corpus_common_point_default, a->origin, b->origin)) {
        return false;
    }
    if ((a->target == NULL) != (b->target == NULL)
        || (a->target != NULL && !corpus_common_point_desc.equal(a->target, b->target))) {
        return false;
    }
    if (a->numbers.len != b->numbers.len) {
        return false;
    }
    for (size_t i = 0; i < a->numbers.len; i++) {
        if (a->numbers.items[i] != b->numbers.items[i]) {
            return false;
        }
    }
    if (a->names.len != b->names.len) {
        return false;
    }
    for (size_t i = 0; i < a->names.len; i++) {
        if (!eq_str(a->names.items[i], b->names.items[i])) {
            return false;
        }
    }
    if (a->path.len != b->path.len) {
        return false;
    }
    for (size_t i = 0; i < a->path.len; i++) {
        if (!corpus_common_point_desc.equal(&a->path.items[i], &b->path.items[i])) {
            return false;
        }
    }
    if (a->colors.len != b->colors.len) {
        return false;
    }
    for (size_t i = 0; i < a->colors.len; i++) {
        if (a->colors.items[i] != b->colors.items[i]) {
            return false;
        }
    }
    if (a->chunks.len != b->chunks.len) {
        return false;
    }
    for (size_t i = 0; i < a->chunks.len; i++) {
        if (!eq_bytes(a->chunks.items[i], b->chunks.items[i])) {
            return false;
        }
    }
    if (a->counts.len != b->counts.len) {
        return false;
    }
    for (size_t i = 0; i < a->counts.len; i++) {
        if (!eq_str(a->counts.keys[i], b->counts.keys[i])) {
            return false;
        }
        if (a->counts.values[i] != b->counts.values[i]) {
            return false;
        }
    }
    if (a->points.len != b->points.len) {
        return false;
    }
    for (size_t i = 0; i < a->points.len; i++) {
        if (a->points.keys[i] != b->points.keys[i]) {
            return false;
        }
        if (!corpus_common_point_desc.equal(&a->points.values[i], &b->points.values[i])) {
            return false;
        }
    }
    if (a->labels.len != b->labels.len) {
        return false;
    }
    for (size_t i = 0; i < a->labels.len; i++) {
        if (a->labels.keys[i] != b->labels.keys[i]) {
            return false;
        }
        if (!eq_str(a->labels.values[i], b->labels.values[i])) {
            return false;
        }
    }
    if (!akt_ref_equal(a->owner, b->owner)) {
        return false;
    }
    if (a->has_backup != b->has_backup || (a->has_backup && !akt_ref_equal(a->backup, b->backup))) {
        return false;
    }
    if (a->peers.len != b->peers.len) {
        return false;
    }
    for (size_t i = 0; i < a->peers.len; i++) {
        if (!akt_ref_equal(a->peers.items[i], b->peers.items[i])) {
            return false;
        }
    }
    if (a->children.len != b->children.len) {
        return false;
    }
    for (size_t i = 0; i < a->children.len; i++) {
        if (!corpus_all_nested_desc.equal(&a->children.items[i], &b->children.items[i])) {
            return false;
        }
    }
    if ((a->parent == NULL) != (b->parent == NULL)
        || (a->parent != NULL && !corpus_all_nested_desc.equal(a->parent, b->parent))) {
        return false;
    }
    if (a->switches.len != b->switches.len) {
        return false;
    }
    for (size_t i = 0; i < a->switches.len; i++) {
        if (a->switches.keys[i] != b->switches.keys[i]) {
            return false;
        }
        if (memcmp(&a->switches.values[i], &b->switches.values[i], sizeof a->switches.values[i]) != 0) {
            return false;
        }
    }
    return true;
}

static akt_err
corpus_all_nested_enc(const void *obj, akt_buf *out)
{
    const corpus_all_Nested *m = obj;
    akt_err err = akt_mp_put_map(out, 13u + (m->target != NULL) + (m->has_backup && !akt_ref_is_none(m->backup)) + (m->parent != NULL));
    if (err != AKT_OK) {
        return err;
    }
    /* 1: origin */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = enc_message(&corpus_common_point_desc, &corpus_common_point_default, m->origin, out)) != AKT_OK) {
        return err;
    }
    /* 2: target */
    if (m->target != NULL) {
        if ((err = akt_mp_put_uint(out, 2u)) != AKT_OK
            || (err = enc_message(&corpus_common_point_desc, &corpus_common_point_default, m->target, out)) != AKT_OK) {
            return err;
        }
    }
    /* 3: numbers */
    if (m->numbers.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 3u)) != AKT_OK
        || (err = akt_mp_put_array(out, (uint32_t)m->numbers.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->numbers.len; i++) {
        if ((err = akt_mp_put_int(out, m->numbers.items[i])) != AKT_OK) {
            return err;
        }
    }
    /* 4: names */
    if (m->names.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 4u)) != AKT_OK
        || (err = akt_mp_put_array(out, (uint32_t)m->names.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->names.len; i++) {
        if ((err = akt_mp_put_str(out, m->names.items[i].ptr, m->names.items[i].len)) != AKT_OK) {
            return err;
        }
    }
    /* 5: path */
    if (m->path.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 5u)) != AKT_OK
        || (err = akt_mp_put_array(out, (uint32_t)m->path.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->path.len; i++) {
        if ((err = corpus_common_point_desc.encode(&m->path.items[i], out)) != AKT_OK) {
            return err;
        }
    }
    /* 6: colors */
    if (m->colors.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 6u)) != AKT_OK
        || (err = akt_mp_put_array(out, (uint32_t)m->colors.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->colors.len; i++) {
        if ((err = akt_mp_put_int(out, m->colors.items[i])) != AKT_OK) {
            return err;
        }
    }
    /* 7: chunks */
    if (m->chunks.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 7u)) != AKT_OK
        || (err = akt_mp_put_array(out, (uint32_t)m->chunks.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->chunks.len; i++) {
        if ((err = akt_mp_put_bin(out, m->chunks.items[i].ptr, m->chunks.items[i].len)) != AKT_OK) {
            return err;
        }
    }
    /* 8: counts */
    if (m->counts.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 8u)) != AKT_OK
        || (err = akt_mp_put_map(out, (uint32_t)m->counts.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->counts.len; i++) {
        if ((err = akt_mp_put_str(out, m->counts.keys[i].ptr, m->counts.keys[i].len)) != AKT_OK
            || (err = akt_mp_put_int(out, m->counts.values[i])) != AKT_OK) {
            return err;
        }
    }
    /* 9: points */
    if (m->points.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 9u)) != AKT_OK
        || (err = akt_mp_put_map(out, (uint32_t)m->points.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->points.len; i++) {
        if ((err = akt_mp_put_int(out, m->points.keys[i])) != AKT_OK
            || (err = corpus_common_point_desc.encode(&m->points.values[i], out)) != AKT_OK) {
            return err;
        }
    }
    /* 10: labels */
    if (m->labels.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 10u)) != AKT_OK
        || (err = akt_mp_put_map(out, (uint32_t)m->labels.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->labels.len; i++) {
        if ((err = akt_mp_put_uint(out, m->labels.keys[i])) != AKT_OK
            || (err = akt_mp_put_str(out, m->labels.values[i].ptr, m->labels.values[i].len)) != AKT_OK) {
            return err;
        }
    }
    /* 11: owner */
    if ((err = akt_mp_put_uint(out, 11u)) != AKT_OK
        || (err = akt_mp_put_ref(out, m->owner)) != AKT_OK) {
        return err;
    }
    /* 12: backup */
    if (m->has_backup && !akt_ref_is_none(m->backup)) {
        if ((err = akt_mp_put_uint(out, 12u)) != AKT_OK
            || (err = akt_mp_put_ref(out, m->backup)) != AKT_OK) {
            return err;
        }
    }
    /* 13: peers */
    if (m->peers.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 13u)) != AKT_OK
        || (err = akt_mp_put_array(out, (uint32_t)m->peers.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->peers.len; i++) {
        if ((err = akt_mp_put_ref(out, m->peers.items[i])) != AKT_OK) {
            return err;
        }
    }
    /* 14: children */
    if (m->children.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 14u)) != AKT_OK
        || (err = akt_mp_put_array(out, (uint32_t)m->children.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->children.len; i++) {
        if ((err = corpus_all_nested_desc.encode(&m->children.items[i], out)) != AKT_OK) {
            return err;
        }
    }
    /* 15: parent */
    if (m->parent != NULL) {
        if ((err = akt_mp_put_uint(out, 15u)) != AKT_OK
            || (err = enc_message(&corpus_all_nested_desc, &corpus_all_nested_default, m->parent, out)) != AKT_OK) {
            return err;
        }
    }
    /* 16: switches */
    if (m->switches.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 16u)) != AKT_OK
        || (err = akt_mp_put_map(out, (uint32_t)m->switches.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->switches.len; i++) {
        if ((err = akt_mp_put_bool(out, m->switches.keys[i])) != AKT_OK
            || (err = akt_mp_put_f32(out, m->switches.values[i])) != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

static akt_err
corpus_all_nested_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    corpus_all_Nested *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* origin */
            m->origin = dec_message(r, arena, &corpus_common_point_desc);
            break;
        case 2: /* target */
            if (akt_mp_peek(r) == AKT_MP_NIL) {
                akt_mp_get_nil(r); /* nil: absent */
                break;
            }
            m->target = dec_message(r, arena, &corpus_common_point_desc);
            break;
        case 3: { /* numbers */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_array(r, &len) == AKT_OK) {
                m->numbers.items = dec_array(r, arena, len, sizeof *m->numbers.items,
                    _Alignof(int32_t));
                m->numbers.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->numbers.len && r->err == AKT_OK; j++) {
                    dec_int32(r, &m->numbers.items[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 4: { /* names */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_array(r, &len) == AKT_OK) {
                m->names.items = dec_array(r, arena, len, sizeof *m->names.items,
                    _Alignof(akt_str));
                m->names.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->names.len && r->err == AKT_OK; j++) {
                    akt_mp_get_str(r, arena, &m->names.items[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 5: { /* path */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_array(r, &len) == AKT_OK) {
                m->path.items = dec_array(r, arena, len, sizeof *m->path.items,
                    _Alignof(corpus_common_Point));
                m->path.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->path.len && r->err == AKT_OK; j++) {
                    dec_message_at(r, arena, &corpus_common_point_desc, &m->path.items[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 6: { /* colors */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_array(r, &len) == AKT_OK) {
                m->colors.items = dec_array(r, arena, len, sizeof *m->colors.items,
                    _Alignof(corpus_common_Color));
                m->colors.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->colors.len && r->err == AKT_OK; j++) {
                    dec_int32(r, &m->colors.items[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 7: { /* chunks */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_array(r, &len) == AKT_OK) {
                m->chunks.items = dec_array(r, arena, len, sizeof *m->chunks.items,
                    _Alignof(akt_bytes));
                m->chunks.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->chunks.len && r->err == AKT_OK; j++) {
                    akt_mp_get_bin(r, arena, &m->chunks.items[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 8: { /* counts */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_map(r, &len) == AKT_OK) {
                m->counts.keys = dec_array(r, arena, len, sizeof *m->counts.keys,
                    _Alignof(akt_str));
                m->counts.values = dec_array(r, arena, len, sizeof *m->counts.values,
                    _Alignof(int64_t));
                m->counts.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->counts.len && r->err == AKT_OK; j++) {
                    akt_mp_get_str(r, arena, &m->counts.keys[j]);
                    akt_mp_get_int(r, &m->counts.values[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 9: { /* points */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_map(r, &len) == AKT_OK) {
                m->points.keys = dec_array(r, arena, len, sizeof *m->points.keys,
                    _Alignof(int32_t));
                m->points.values = dec_array(r, arena, len, sizeof *m->points.values,
                    _Alignof(corpus_common_Point));
                m->points.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->points.len && r->err == AKT_OK; j++) {
                    dec_int32(r, &m->points.keys[j]);
                    dec_message_at(r, arena, &corpus_common_point_desc, &m->points.values[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 10: { /* labels */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_map(r, &len) == AKT_OK) {
                m->labels.keys = dec_array(r, arena, len, sizeof *m->labels.keys,
                    _Alignof(uint64_t));
                m->labels.values = dec_array(r, arena, len, sizeof *m->labels.values,
                    _Alignof(akt_str));
                m->labels.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->labels.len && r->err == AKT_OK; j++) {
                    akt_mp_get_uint(r, &m->labels.keys[j]);
                    akt_mp_get_str(r, arena, &m->labels.values[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 11: /* owner */
            akt_mp_get_ref(r, &m->owner);
            break;
        case 12: /* backup */
            if (akt_mp_peek(r) == AKT_MP_NIL) {
                akt_mp_get_nil(r); /* nil: absent */
                break;
            }
            akt_mp_get_ref(r, &m->backup);
            m->has_backup = r->err == AKT_OK && !akt_ref_is_none(m->backup);
            break;
        case 13: { /* peers */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_array(r, &len) == AKT_OK) {
                m->peers.items = dec_array(r, arena, len, sizeof *m->peers.items,
                    _Alignof(akt_ref));
                m->peers.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->peers.len && r->err == AKT_OK; j++) {
                    akt_mp_get_ref(r, &m->peers.items[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 14: { /* children */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_array(r, &len) == AKT_OK) {
                m->children.items = dec_array(r, arena, len, sizeof *m->children.items,
                    _Alignof(corpus_all_Nested));
                m->children.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->children.len && r->err == AKT_OK; j++) {
                    dec_message_at(r, arena, &corpus_all_nested_desc, &m->children.items[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 15: /* parent */
            if (akt_mp_peek(r) == AKT_MP_NIL) {
                akt_mp_get_nil(r); /* nil: absent */
                break;
            }
            m->parent = dec_message(r, arena, &corpus_all_nested_desc);
            break;
        case 16: { /* switches */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_map(r, &len) == AKT_OK) {
                m->switches.keys = dec_array(r, arena, len, sizeof *m->switches.keys,
                    _Alignof(bool));
                m->switches.values = dec_array(r, arena, len, sizeof *m->switches.values,
                    _Alignof(float));
                m->switches.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->switches.len && r->err == AKT_OK; j++) {
                    akt_mp_get_bool(r, &m->switches.keys[j]);
                    akt_mp_get_f32(r, &m->switches.values[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

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

corpus_all_Nested *
corpus_all_nested_alloc(size_t arena_hint)
{
    return akt_msg_new(&corpus_all_nested_desc, arena_hint);
}

akt_err
corpus_all_nested_decode(const void *data, size_t len, const akt_codec_limits *limits,
    corpus_all_Nested **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&corpus_all_nested_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* --- corpus.all.Empty --- */

const corpus_all_Empty corpus_all_empty_default = {
    .empty_ = 0,
};

static void
corpus_all_empty_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(corpus_all_Empty *)obj = corpus_all_empty_default;
}

static akt_err
corpus_all_empty_copy(void *dst, const void *src, akt_arena *arena)
{
    (void)arena;
    *(corpus_all_Empty *)dst = *(const corpus_all_Empty *)src;
    return AKT_OK;
}

static bool
corpus_all_empty_eq(const void *pa, const void *pb)
{
    (void)pa;
    (void)pb;
    return true;
}

static akt_err
corpus_all_empty_enc(const void *obj, akt_buf *out)
{
    (void)obj;
    return akt_mp_put_map(out, 0);
}

static akt_err
corpus_all_empty_dec(void *obj, akt_reader *r, akt_arena *arena)
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

corpus_all_Empty *
corpus_all_empty_new(void)
{
    corpus_all_Empty *msg_ = akt_msg_new(&corpus_all_empty_desc, 0);
    if (msg_ == NULL) {
        return NULL;
    }
    return msg_;
}

corpus_all_Empty *
corpus_all_empty_alloc(size_t arena_hint)
{
    return akt_msg_new(&corpus_all_empty_desc, arena_hint);
}

akt_err
corpus_all_empty_decode(const void *data, size_t len, const akt_codec_limits *limits,
    corpus_all_Empty **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&corpus_all_empty_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* --- corpus.all.StoreState --- */

const corpus_all_StoreState corpus_all_store_state_default = {
    .values = {NULL, NULL, 0},
};

static void
corpus_all_store_state_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(corpus_all_StoreState *)obj = corpus_all_store_state_default;
}

static akt_err
corpus_all_store_state_copy(void *dst, const void *src, akt_arena *arena)
{
    corpus_all_StoreState *d = dst;
    const corpus_all_StoreState *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_array(arena, s->values.keys, s->values.len, sizeof *s->values.keys,
             _Alignof(akt_str), (void **)&d->values.keys)) != AKT_OK) {
        return err;
    }
    if ((err = copy_array(arena, s->values.values, s->values.len, sizeof *s->values.values,
             _Alignof(akt_bytes), (void **)&d->values.values)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < d->values.len; i++) {
        if ((err = copy_str(arena, &d->values.keys[i])) != AKT_OK) {
            return err;
        }
        if ((err = copy_bytes(arena, &d->values.values[i])) != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

static bool
corpus_all_store_state_eq(const void *pa, const void *pb)
{
    const corpus_all_StoreState *a = pa;
    const corpus_all_StoreState *b = pb;
    if (a->values.len != b->values.len) {
        return false;
    }
    for (size_t i = 0; i < a->values.len; i++) {
        if (!eq_str(a->values.keys[i], b->values.keys[i])) {
            return false;
        }
        if (!eq_bytes(a->values.values[i], b->values.values[i])) {
            return false;
        }
    }
    if (a->writes != b->writes) {
        return false;
    }
    return true;
}

static akt_err
corpus_all_store_state_enc(const void *obj, akt_buf *out)
{
    const corpus_all_StoreState *m = obj;
    akt_err err = akt_mp_put_map(out, 2u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: values */
    if (m->values.len > UINT32_MAX) {
        return AKT_ETOOBIG;
    }
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_map(out, (uint32_t)m->values.len)) != AKT_OK) {
        return err;
    }
    for (size_t i = 0; i < m->values.len; i++) {
        if ((err = akt_mp_put_str(out, m->values.keys[i].ptr, m->values.keys[i].len)) != AKT_OK
            || (err = akt_mp_put_bin(out, m->values.values[i].ptr, m->values.values[i].len)) != AKT_OK) {
            return err;
        }
    }
    /* 2: writes */
    if ((err = akt_mp_put_uint(out, 2u)) != AKT_OK
        || (err = akt_mp_put_uint(out, m->writes)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
corpus_all_store_state_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    corpus_all_StoreState *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: { /* values */
            uint32_t len = 0;
            if (akt_mp_enter(r) == AKT_OK && akt_mp_get_map(r, &len) == AKT_OK) {
                m->values.keys = dec_array(r, arena, len, sizeof *m->values.keys,
                    _Alignof(akt_str));
                m->values.values = dec_array(r, arena, len, sizeof *m->values.values,
                    _Alignof(akt_bytes));
                m->values.len = r->err == AKT_OK ? len : 0;
                for (uint32_t j = 0; j < m->values.len && r->err == AKT_OK; j++) {
                    akt_mp_get_str(r, arena, &m->values.keys[j]);
                    akt_mp_get_bin(r, arena, &m->values.values[j]);
                }
            }
            akt_mp_leave(r);
            break;
        }
        case 2: /* writes */
            akt_mp_get_uint(r, &m->writes);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

/* --- corpus.all.IdleState --- */

const corpus_all_IdleState corpus_all_idle_state_default = {
    .empty_ = 0,
};

static void
corpus_all_idle_state_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(corpus_all_IdleState *)obj = corpus_all_idle_state_default;
}

static akt_err
corpus_all_idle_state_copy(void *dst, const void *src, akt_arena *arena)
{
    (void)arena;
    *(corpus_all_IdleState *)dst = *(const corpus_all_IdleState *)src;
    return AKT_OK;
}

static bool
corpus_all_idle_state_eq(const void *pa, const void *pb)
{
    (void)pa;
    (void)pb;
    return true;
}

static akt_err
corpus_all_idle_state_enc(const void *obj, akt_buf *out)
{
    (void)obj;
    return akt_mp_put_map(out, 0);
}

static akt_err
corpus_all_idle_state_dec(void *obj, akt_reader *r, akt_arena *arena)
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
 * post_restart runs pre_start). */
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
 * post_restart runs pre_start). */
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
    {
        .name = "flag",
        .number = 1,
        .kind = AKT_KIND_BOOL,
        .offset = offsetof(corpus_all_Scalars, flag),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "i8",
        .number = 2,
        .kind = AKT_KIND_INT8,
        .offset = offsetof(corpus_all_Scalars, i8),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "i16",
        .number = 3,
        .kind = AKT_KIND_INT16,
        .offset = offsetof(corpus_all_Scalars, i16),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "i32",
        .number = 4,
        .kind = AKT_KIND_INT32,
        .offset = offsetof(corpus_all_Scalars, i32),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "i64",
        .number = 5,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(corpus_all_Scalars, i64),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "u8",
        .number = 6,
        .kind = AKT_KIND_UINT8,
        .offset = offsetof(corpus_all_Scalars, u8),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "u16",
        .number = 7,
        .kind = AKT_KIND_UINT16,
        .offset = offsetof(corpus_all_Scalars, u16),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "u32",
        .number = 8,
        .kind = AKT_KIND_UINT32,
        .offset = offsetof(corpus_all_Scalars, u32),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "u64",
        .number = 9,
        .kind = AKT_KIND_UINT64,
        .offset = offsetof(corpus_all_Scalars, u64),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "f32",
        .number = 10,
        .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_all_Scalars, f32),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "f64",
        .number = 11,
        .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_all_Scalars, f64),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "text",
        .number = 12,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_all_Scalars, text),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "blob",
        .number = 13,
        .kind = AKT_KIND_BYTES,
        .offset = offsetof(corpus_all_Scalars, blob),
        .has_offset = AKT_NO_OFFSET,
    },
};

const akt_type corpus_all_scalars_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "corpus.all.Scalars",
    .id = UINT64_C(0x335a2279f48b8297),
    .size = sizeof(corpus_all_Scalars),
    .align = _Alignof(corpus_all_Scalars),
    .fields = corpus_all_scalars_fields,
    .nfields = 13,
    .init = corpus_all_scalars_init,
    .fini = NULL,
    .copy = corpus_all_scalars_copy,
    .equal = corpus_all_scalars_eq,
    .encode = corpus_all_scalars_enc,
    .decode = corpus_all_scalars_dec,
    .doc = "One field of every kind.",
};

static const akt_field corpus_all_defaults_fields[] = {
    {
        .name = "answer",
        .number = 1,
        .kind = AKT_KIND_INT32,
        .offset = offsetof(corpus_all_Defaults, answer),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "small",
        .number = 2,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(corpus_all_Defaults, small),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "big",
        .number = 3,
        .kind = AKT_KIND_UINT64,
        .offset = offsetof(corpus_all_Defaults, big),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "ratio",
        .number = 4,
        .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_all_Defaults, ratio),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "pi",
        .number = 5,
        .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_all_Defaults, pi),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "greeting",
        .number = 6,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_all_Defaults, greeting),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "on",
        .number = 7,
        .kind = AKT_KIND_BOOL,
        .offset = offsetof(corpus_all_Defaults, on),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "color",
        .number = 8,
        .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_all_Defaults, color),
        .has_offset = AKT_NO_OFFSET,
        .enum_type = &corpus_common_color_enum,
    },
    {
        .name = "level",
        .number = 9,
        .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_all_Defaults, level),
        .has_offset = AKT_NO_OFFSET,
        .enum_type = &corpus_all_level_enum,
    },
    {
        .name = "maybe",
        .number = 10,
        .kind = AKT_KIND_INT32,
        .flags = AKT_FIELD_OPTIONAL,
        .offset = offsetof(corpus_all_Defaults, maybe),
        .has_offset = offsetof(corpus_all_Defaults, has_maybe),
    },
    {
        .name = "nick",
        .number = 11,
        .kind = AKT_KIND_STRING,
        .flags = AKT_FIELD_OPTIONAL,
        .offset = offsetof(corpus_all_Defaults, nick),
        .has_offset = offsetof(corpus_all_Defaults, has_nick),
    },
    {
        .name = "opt_level",
        .number = 12,
        .kind = AKT_KIND_ENUM,
        .flags = AKT_FIELD_OPTIONAL,
        .offset = offsetof(corpus_all_Defaults, opt_level),
        .has_offset = offsetof(corpus_all_Defaults, has_opt_level),
        .enum_type = &corpus_all_level_enum,
    },
    {
        .name = "old_count",
        .number = 20,
        .kind = AKT_KIND_INT32,
        .flags = AKT_FIELD_DEPRECATED,
        .offset = offsetof(corpus_all_Defaults, old_count),
        .has_offset = AKT_NO_OFFSET,
    },
};

const akt_type corpus_all_defaults_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "corpus.all.Defaults",
    .id = UINT64_C(0xcd6375c724d83bc8),
    .size = sizeof(corpus_all_Defaults),
    .align = _Alignof(corpus_all_Defaults),
    .fields = corpus_all_defaults_fields,
    .nfields = 13,
    .init = corpus_all_defaults_init,
    .fini = NULL,
    .copy = corpus_all_defaults_copy,
    .equal = corpus_all_defaults_eq,
    .encode = corpus_all_defaults_enc,
    .decode = corpus_all_defaults_dec,
    .doc = "Defaults, presence, and field numbers with gaps.",
};

static const akt_field corpus_all_nested_fields[] = {
    {
        .name = "origin",
        .number = 1,
        .kind = AKT_KIND_MESSAGE,
        .offset = offsetof(corpus_all_Nested, origin),
        .has_offset = AKT_NO_OFFSET,
        .msg_type = &corpus_common_point_desc,
    },
    {
        .name = "target",
        .number = 2,
        .kind = AKT_KIND_MESSAGE,
        .flags = AKT_FIELD_OPTIONAL,
        .offset = offsetof(corpus_all_Nested, target),
        .has_offset = AKT_NO_OFFSET,
        .msg_type = &corpus_common_point_desc,
    },
    {
        .name = "numbers",
        .number = 3,
        .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, numbers),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_INT32,
        .elem_size = sizeof(int32_t),
    },
    {
        .name = "names",
        .number = 4,
        .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, names),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_STRING,
        .elem_size = sizeof(akt_str),
    },
    {
        .name = "path",
        .number = 5,
        .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, path),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_MESSAGE,
        .elem_size = sizeof(corpus_common_Point),
        .msg_type = &corpus_common_point_desc,
    },
    {
        .name = "colors",
        .number = 6,
        .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, colors),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_ENUM,
        .elem_size = sizeof(corpus_common_Color),
        .enum_type = &corpus_common_color_enum,
    },
    {
        .name = "chunks",
        .number = 7,
        .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, chunks),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_BYTES,
        .elem_size = sizeof(akt_bytes),
    },
    {
        .name = "counts",
        .number = 8,
        .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_Nested, counts),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_INT64,
        .key_kind = AKT_KIND_STRING,
        .elem_size = sizeof(int64_t),
    },
    {
        .name = "points",
        .number = 9,
        .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_Nested, points),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_MESSAGE,
        .key_kind = AKT_KIND_INT32,
        .elem_size = sizeof(corpus_common_Point),
        .msg_type = &corpus_common_point_desc,
    },
    {
        .name = "labels",
        .number = 10,
        .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_Nested, labels),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_STRING,
        .key_kind = AKT_KIND_UINT64,
        .elem_size = sizeof(akt_str),
    },
    {
        .name = "owner",
        .number = 11,
        .kind = AKT_KIND_REF,
        .offset = offsetof(corpus_all_Nested, owner),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "backup",
        .number = 12,
        .kind = AKT_KIND_REF,
        .flags = AKT_FIELD_OPTIONAL,
        .offset = offsetof(corpus_all_Nested, backup),
        .has_offset = offsetof(corpus_all_Nested, has_backup),
    },
    {
        .name = "peers",
        .number = 13,
        .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, peers),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_REF,
        .elem_size = sizeof(akt_ref),
    },
    {
        .name = "children",
        .number = 14,
        .kind = AKT_KIND_LIST,
        .offset = offsetof(corpus_all_Nested, children),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_MESSAGE,
        .elem_size = sizeof(corpus_all_Nested),
        .msg_type = &corpus_all_nested_desc,
    },
    {
        .name = "parent",
        .number = 15,
        .kind = AKT_KIND_MESSAGE,
        .flags = AKT_FIELD_OPTIONAL,
        .offset = offsetof(corpus_all_Nested, parent),
        .has_offset = AKT_NO_OFFSET,
        .msg_type = &corpus_all_nested_desc,
    },
    {
        .name = "switches",
        .number = 16,
        .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_Nested, switches),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_FLOAT32,
        .key_kind = AKT_KIND_BOOL,
        .elem_size = sizeof(float),
    },
};

const akt_type corpus_all_nested_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "corpus.all.Nested",
    .id = UINT64_C(0x4697f182036739d9),
    .size = sizeof(corpus_all_Nested),
    .align = _Alignof(corpus_all_Nested),
    .fields = corpus_all_nested_fields,
    .nfields = 16,
    .init = corpus_all_nested_init,
    .fini = NULL,
    .copy = corpus_all_nested_copy,
    .equal = corpus_all_nested_eq,
    .encode = corpus_all_nested_enc,
    .decode = corpus_all_nested_dec,
    .doc = "Nested messages, lists, maps and refs.",
};

const akt_type corpus_all_empty_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "corpus.all.Empty",
    .id = UINT64_C(0x95efe0c50b80826b),
    .size = sizeof(corpus_all_Empty),
    .align = _Alignof(corpus_all_Empty),
    .fields = NULL,
    .nfields = 0,
    .init = corpus_all_empty_init,
    .fini = NULL,
    .copy = corpus_all_empty_copy,
    .equal = corpus_all_empty_eq,
    .encode = corpus_all_empty_enc,
    .decode = corpus_all_empty_dec,
    .doc = "A message with no fields.",
};

static const akt_field corpus_all_store_state_fields[] = {
    {
        .name = "values",
        .number = 1,
        .kind = AKT_KIND_MAP,
        .offset = offsetof(corpus_all_StoreState, values),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_BYTES,
        .key_kind = AKT_KIND_STRING,
        .elem_size = sizeof(akt_bytes),
    },
    {
        .name = "writes",
        .number = 2,
        .kind = AKT_KIND_UINT64,
        .offset = offsetof(corpus_all_StoreState, writes),
        .has_offset = AKT_NO_OFFSET,
    },
};

const akt_type corpus_all_store_state_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_STATE,
    .name = "corpus.all.StoreState",
    .id = UINT64_C(0x0fb5f8ff2fff82f8),
    .size = sizeof(corpus_all_StoreState),
    .align = _Alignof(corpus_all_StoreState),
    .fields = corpus_all_store_state_fields,
    .nfields = 2,
    .init = corpus_all_store_state_init,
    .fini = NULL,
    .copy = corpus_all_store_state_copy,
    .equal = corpus_all_store_state_eq,
    .encode = corpus_all_store_state_enc,
    .decode = corpus_all_store_state_dec,
    .doc = "The state of actor Store.",
};

const akt_type corpus_all_idle_state_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_STATE,
    .name = "corpus.all.IdleState",
    .id = UINT64_C(0x609c906ec9c77fe5),
    .size = sizeof(corpus_all_IdleState),
    .align = _Alignof(corpus_all_IdleState),
    .fields = NULL,
    .nfields = 0,
    .init = corpus_all_idle_state_init,
    .fini = NULL,
    .copy = corpus_all_idle_state_copy,
    .equal = corpus_all_idle_state_eq,
    .encode = corpus_all_idle_state_enc,
    .decode = corpus_all_idle_state_dec,
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
