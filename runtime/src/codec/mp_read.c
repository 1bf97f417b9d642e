/*
 * mp_read.c -- the msgpack reader (akt_reader, akt_mp_peek, get_*, skip).
 *
 * Hand-written rather than msgpack-c's unpacker: msgpack_unpack_next builds
 * an object tree in a zone (at least one allocation per message, sized by
 * the input, before a single field is looked at), while generated decoders
 * want to walk the bytes once and copy each string straight into the
 * message's arena. This reader is a cursor over the input: nothing is
 * allocated except what the caller asks for (strings, bytes, lists), and
 * that is charged to a budget first.
 *
 * Invariants:
 *  - r->p <= r->end always; every read checks the bytes left first, so
 *    truncated input is AKT_EPROTO, never an over-read.
 *  - The first error latches in r->err and moves r->p to r->end, so every
 *    later call fails fast with the same error (the hot paths only compare
 *    p with end).
 *  - A declared length is checked against max_length (AKT_ETOOBIG), then
 *    against the bytes left (AKT_EPROTO), then against the arena budget
 *    (AKT_ETOOBIG) before anything is allocated. Container counts are
 *    checked the same way, counting at least one byte per element, so a
 *    huge count in a small input is rejected before anyone sizes an
 *    allocation by it.
 *  - Every str that is read (akt_mp_get_str, and ref paths) is checked to
 *    be well-formed UTF-8 (mp_utf8_valid) before it is copied; invalid is
 *    AKT_EPROTO, like any other malformed input. bin is never checked, and
 *    neither is a str that akt_mp_skip passes over (an unknown field's
 *    value is not decoded, so it is not judged either).
 *  - Nesting is counted in r->depth by akt_mp_enter/akt_mp_leave (generated
 *    code) and by akt_mp_skip, which is iterative: input cannot drive the C
 *    stack.
 */
#include <float.h>

#include "codec/mp_impl.h"

void
akt_reader_init(
    akt_reader *r, const void *data, size_t len, const akt_codec_limits *limits)
{
    const uint8_t *p = data;
    r->p = p;
    r->end = p ? p + len : p;
    r->depth = 0;
    r->max_depth = AKTI_MP_DEFAULT_DEPTH;
    r->max_length = AKTI_MP_DEFAULT_LENGTH;
    if (limits && limits->max_depth) {
        r->max_depth = limits->max_depth < AKTI_MP_DEPTH_CAP
            ? limits->max_depth
            : AKTI_MP_DEPTH_CAP;
    }
    if (limits && limits->max_length) {
        r->max_length = limits->max_length;
    }
    r->budget = r->max_length;
    r->err = AKT_OK;
    r->system = NULL;
    if (p == NULL && len > 0) {
        r->err = AKT_EINVAL;
    }
}

akt_err
akt_mp_fail(akt_reader *r, akt_err err)
{
    if (r->err == AKT_OK) {
        r->err = err;
    }
    if (r->err != AKT_OK) {
        r->p = r->end;
    }
    return r->err;
}

/* short_input -- the cursor is at (or a header runs past) the end. */
static akt_err
short_input(akt_reader *r)
{
    return akt_mp_fail(r, AKT_EPROTO);
}

static inline size_t
left(const akt_reader *r)
{
    return (size_t)(r->end - r->p);
}

akt_mp_type
akt_mp_peek(akt_reader *r)
{
    if (r->p >= r->end) {
        return AKT_MP_NONE;
    }
    uint8_t b = *r->p;
    if (b <= MP_POSFIX_MAX) {
        return AKT_MP_UINT;
    }
    if (b >= MP_NEGFIX) {
        return AKT_MP_INT;
    }
    if (b < MP_FIXARRAY) {
        return AKT_MP_MAP;
    }
    if (b < MP_FIXSTR) {
        return AKT_MP_ARRAY;
    }
    if (b < MP_NIL) {
        return AKT_MP_STR;
    }
    switch (b) {
    case MP_NIL:
        return AKT_MP_NIL;
    case MP_FALSE:
    case MP_TRUE:
        return AKT_MP_BOOL;
    case MP_BIN8:
    case MP_BIN16:
    case MP_BIN32:
        return AKT_MP_BIN;
    case MP_F32:
    case MP_F64:
        return AKT_MP_FLOAT;
    case MP_U8:
    case MP_U16:
    case MP_U32:
    case MP_U64:
        return AKT_MP_UINT;
    case MP_I8:
    case MP_I16:
    case MP_I32:
    case MP_I64:
        /* A signed form may hold a non-negative value; the sign bit is the
         * first body byte. Truncated input reads as INT; get_* reject it. */
        return left(r) < 2 || (r->p[1] & 0x80) ? AKT_MP_INT : AKT_MP_UINT;
    case MP_STR8:
    case MP_STR16:
    case MP_STR32:
        return AKT_MP_STR;
    case MP_ARRAY16:
    case MP_ARRAY32:
        return AKT_MP_ARRAY;
    case MP_MAP16:
    case MP_MAP32:
        return AKT_MP_MAP;
    case MP_EXT8:
    case MP_EXT16:
    case MP_EXT32:
        return AKT_MP_EXT;
    default:
        if (b >= MP_FIXEXT1 && b <= MP_FIXEXT16) {
            return AKT_MP_EXT;
        }
        /* 0xc1 is never used: the input is malformed. */
        akt_mp_fail(r, AKT_EPROTO);
        return AKT_MP_NONE;
    }
}

akt_err
akt_mp_get_nil(akt_reader *r)
{
    if (AKTI_LIKELY(r->p < r->end && *r->p == MP_NIL)) {
        r->p++;
        return AKT_OK;
    }
    return r->p < r->end ? akt_mp_fail(r, AKT_EPROTO) : short_input(r);
}

akt_err
akt_mp_get_bool(akt_reader *r, bool *v)
{
    if (AKTI_LIKELY(r->p < r->end && (*r->p & 0xfe) == MP_FALSE)) {
        *v = *r->p++ == MP_TRUE;
        return AKT_OK;
    }
    return r->p < r->end ? akt_mp_fail(r, AKT_EPROTO) : short_input(r);
}

/* get_integer -- any msgpack integer; *neg tells whether bits holds a
 * negative int64 (true) or a non-negative value (false). AKT_ETYPE (not
 * latched) when the next value is not an integer, so float readers can try
 * other forms. */
static akt_err
get_integer(akt_reader *r, uint64_t *bits, bool *neg)
{
    if (r->p >= r->end) {
        return short_input(r);
    }
    const uint8_t *p = r->p;
    uint8_t b = *p;
    size_t n;
    int64_t s;
    if (b <= MP_POSFIX_MAX) {
        *bits = b;
        *neg = false;
        r->p++;
        return AKT_OK;
    }
    if (b >= MP_NEGFIX) {
        *bits = (uint64_t)(int64_t)(int8_t)b;
        *neg = true;
        r->p++;
        return AKT_OK;
    }
    switch (b) {
    case MP_U8:
    case MP_I8:
        n = 1;
        break;
    case MP_U16:
    case MP_I16:
        n = 2;
        break;
    case MP_U32:
    case MP_I32:
        n = 4;
        break;
    case MP_U64:
    case MP_I64:
        n = 8;
        break;
    default:
        return AKT_ETYPE;
    }
    if (AKTI_UNLIKELY(left(r) < 1 + n)) {
        return short_input(r);
    }
    switch (b) {
    case MP_U8:
        *bits = p[1];
        *neg = false;
        break;
    case MP_U16:
        *bits = mp_ld16(p + 1);
        *neg = false;
        break;
    case MP_U32:
        *bits = mp_ld32(p + 1);
        *neg = false;
        break;
    case MP_U64:
        *bits = mp_ld64(p + 1);
        *neg = false;
        break;
    default:
        s = b == MP_I8    ? (int8_t)p[1]
            : b == MP_I16 ? (int16_t)mp_ld16(p + 1)
            : b == MP_I32 ? (int32_t)mp_ld32(p + 1)
                          : (int64_t)mp_ld64(p + 1);
        *bits = (uint64_t)s;
        *neg = s < 0;
        break;
    }
    r->p += 1 + n;
    return AKT_OK;
}

akt_err
akt_mp_get_int(akt_reader *r, int64_t *v)
{
    if (AKTI_LIKELY(
            r->p < r->end && (*r->p <= MP_POSFIX_MAX || *r->p >= MP_NEGFIX))) {
        *v = (int8_t)*r->p++;
        return AKT_OK;
    }
    uint64_t bits = 0;
    bool neg = false;
    akt_err rc = get_integer(r, &bits, &neg);
    if (rc != AKT_OK) {
        return akt_mp_fail(r, rc == AKT_ETYPE ? AKT_EPROTO : rc);
    }
    if (!neg && bits > (uint64_t)INT64_MAX) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (int64_t)bits;
    return AKT_OK;
}

akt_err
akt_mp_get_uint(akt_reader *r, uint64_t *v)
{
    if (AKTI_LIKELY(r->p < r->end && *r->p <= MP_POSFIX_MAX)) {
        *v = *r->p++;
        return AKT_OK;
    }
    uint64_t bits = 0;
    bool neg = false;
    akt_err rc = get_integer(r, &bits, &neg);
    if (rc != AKT_OK) {
        return akt_mp_fail(r, rc == AKT_ETYPE ? AKT_EPROTO : rc);
    }
    if (neg) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = bits;
    return AKT_OK;
}

akt_err
akt_mp_get_f64(akt_reader *r, double *v)
{
    const uint8_t *p = r->p;
    if (AKTI_LIKELY(left(r) >= 9 && *p == MP_F64)) {
        uint64_t bits = mp_ld64(p + 1);
        memcpy(v, &bits, 8);
        r->p += 9;
        return AKT_OK;
    }
    if (left(r) >= 5 && *p == MP_F32) {
        uint32_t bits = mp_ld32(p + 1);
        float f;
        memcpy(&f, &bits, 4);
        *v = f;
        r->p += 5;
        return AKT_OK;
    }
    if (r->p < r->end && (*p == MP_F64 || *p == MP_F32)) {
        return short_input(r);
    }
    uint64_t ibits = 0;
    bool neg = false;
    akt_err rc = get_integer(r, &ibits, &neg);
    if (rc != AKT_OK) {
        return akt_mp_fail(r, rc == AKT_ETYPE ? AKT_EPROTO : rc);
    }
    *v = neg ? (double)(int64_t)ibits : (double)ibits;
    return AKT_OK;
}

akt_err
akt_mp_get_f32(akt_reader *r, float *v)
{
    const uint8_t *p = r->p;
    if (AKTI_LIKELY(left(r) >= 5 && *p == MP_F32)) {
        uint32_t bits = mp_ld32(p + 1);
        memcpy(v, &bits, 4);
        r->p += 5;
        return AKT_OK;
    }
    double d;
    akt_err rc = akt_mp_get_f64(r, &d);
    if (rc != AKT_OK) {
        return rc;
    }
    /* Narrowing: NaN and infinities pass; a finite value beyond float's
     * range is an error rather than a silent infinity. */
    if (d == d && (d > FLT_MAX || d < -FLT_MAX) && d - d == 0) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (float)d;
    return AKT_OK;
}

/* get_len -- read a str (is_bin false) or bin header; *len is the body
 * length, checked against max_length and the bytes left. */
static akt_err
get_len(akt_reader *r, bool is_bin, size_t *len)
{
    if (r->p >= r->end) {
        return short_input(r);
    }
    const uint8_t *p = r->p;
    uint8_t b = *p;
    size_t h;
    uint64_t n;
    if (!is_bin && b >= MP_FIXSTR && b < MP_NIL) {
        h = 1;
        n = b & 0x1f;
    } else if (b == (is_bin ? MP_BIN8 : MP_STR8)) {
        h = 2;
        if (left(r) < h) {
            return short_input(r);
        }
        n = p[1];
    } else if (b == (is_bin ? MP_BIN16 : MP_STR16)) {
        h = 3;
        if (left(r) < h) {
            return short_input(r);
        }
        n = mp_ld16(p + 1);
    } else if (b == (is_bin ? MP_BIN32 : MP_STR32)) {
        h = 5;
        if (left(r) < h) {
            return short_input(r);
        }
        n = mp_ld32(p + 1);
    } else {
        return akt_mp_fail(r, AKT_EPROTO);
    }
    if (n > r->max_length) {
        return akt_mp_fail(r, AKT_ETOOBIG);
    }
    if (n > left(r) - h) {
        return short_input(r);
    }
    r->p += h;
    *len = (size_t)n;
    return AKT_OK;
}

bool
akti_utf8_valid(const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    while (p < end) {
        /* ASCII between multi-byte sequences: a word at a time again */
        while ((size_t)(end - p) >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            if (w & 0x8080808080808080ull) {
                break;
            }
            p += 8;
        }
        if (p == end) {
            break; /* found by fuzz_reader: ASCII up to the very end */
        }
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t left = (size_t)(end - p);
        uint8_t b = p[0];
        if (b < 0xc2) {
            return false; /* continuation byte, or overlong C0/C1 lead */
        }
        if (b < 0xe0) {
            if (left < 2 || (p[1] & 0xc0) != 0x80) {
                return false;
            }
            p += 2;
        } else if (b < 0xf0) {
            /* E0: A0..BF (no overlongs); ED: 80..9F (no surrogates) */
            uint8_t lo = b == 0xe0 ? 0xa0 : 0x80;
            uint8_t hi = b == 0xed ? 0x9f : 0xbf;
            if (left < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80) {
                return false;
            }
            p += 3;
        } else if (b < 0xf5) {
            /* F0: 90..BF (no overlongs); F4: 80..8F (up to U+10FFFF) */
            uint8_t lo = b == 0xf0 ? 0x90 : 0x80;
            uint8_t hi = b == 0xf4 ? 0x8f : 0xbf;
            if (left < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xc0) != 0x80
                || (p[3] & 0xc0) != 0x80) {
                return false;
            }
            p += 4;
        } else {
            return false; /* F5..FF: beyond U+10FFFF, or never valid */
        }
    }
    return true;
}

akt_err
akti_mp_get_strview(akt_reader *r, const char **s, size_t *len)
{
    akt_err rc = get_len(r, false, len);
    if (rc != AKT_OK) {
        return rc;
    }
    if (AKTI_UNLIKELY(!mp_utf8_valid(r->p, *len))) {
        return akt_mp_fail(r, AKT_EPROTO);
    }
    *s = (const char *)r->p;
    r->p += *len;
    return AKT_OK;
}

akt_err
akt_mp_get_str(akt_reader *r, akt_arena *arena, akt_str *v)
{
    size_t len = 0;
    akt_err rc = get_len(r, false, &len);
    if (rc != AKT_OK) {
        return rc;
    }
    if (len == 0) {
        v->ptr = "";
        v->len = 0;
        return AKT_OK;
    }
    if (len + 1 > r->budget) {
        return akt_mp_fail(r, AKT_ETOOBIG);
    }
    if (arena == NULL) {
        return akt_mp_fail(r, AKT_EINVAL);
    }
    /* Before the copy: a rejected string costs no arena. */
    if (AKTI_UNLIKELY(!mp_utf8_valid(r->p, len))) {
        return akt_mp_fail(r, AKT_EPROTO);
    }
    char *s = akt_arena_alloc(arena, len + 1, 1);
    if (s == NULL) {
        return akt_mp_fail(r, AKT_ENOMEM);
    }
    r->budget -= len + 1;
    memcpy(s, r->p, len);
    s[len] = '\0';
    r->p += len;
    v->ptr = s;
    v->len = len;
    return AKT_OK;
}

akt_err
akt_mp_get_bin(akt_reader *r, akt_arena *arena, akt_bytes *v)
{
    size_t len = 0;
    akt_err rc = get_len(r, true, &len);
    if (rc != AKT_OK) {
        return rc;
    }
    if (len == 0) {
        v->ptr = NULL;
        v->len = 0;
        return AKT_OK;
    }
    if (len > r->budget) {
        return akt_mp_fail(r, AKT_ETOOBIG);
    }
    if (arena == NULL) {
        return akt_mp_fail(r, AKT_EINVAL);
    }
    uint8_t *d = akt_arena_alloc(arena, len, 1);
    if (d == NULL) {
        return akt_mp_fail(r, AKT_ENOMEM);
    }
    r->budget -= len;
    memcpy(d, r->p, len);
    r->p += len;
    v->ptr = d;
    v->len = len;
    return AKT_OK;
}

/* get_count -- an array (is_map false) or map header. Each element needs
 * at least one byte (two per map entry), so the count is bounded by the
 * input left as well as by max_length. */
static akt_err
get_count(akt_reader *r, bool is_map, uint32_t *out)
{
    if (r->p >= r->end) {
        return short_input(r);
    }
    const uint8_t *p = r->p;
    uint8_t b = *p;
    uint8_t fix = is_map ? MP_FIXMAP : MP_FIXARRAY;
    size_t h;
    uint32_t n;
    if ((b & 0xf0) == fix) {
        h = 1;
        n = b & 0x0f;
    } else if (b == (is_map ? MP_MAP16 : MP_ARRAY16)) {
        h = 3;
        if (left(r) < h) {
            return short_input(r);
        }
        n = mp_ld16(p + 1);
    } else if (b == (is_map ? MP_MAP32 : MP_ARRAY32)) {
        h = 5;
        if (left(r) < h) {
            return short_input(r);
        }
        n = mp_ld32(p + 1);
    } else {
        return akt_mp_fail(r, AKT_EPROTO);
    }
    if (n > r->max_length) {
        return akt_mp_fail(r, AKT_ETOOBIG);
    }
    if ((uint64_t)n * (is_map ? 2 : 1) > left(r) - h) {
        return short_input(r);
    }
    r->p += h;
    *out = n;
    return AKT_OK;
}

akt_err
akt_mp_get_array(akt_reader *r, uint32_t *n)
{
    const uint8_t *p = r->p;
    if (AKTI_LIKELY(p < r->end && (*p & 0xf0) == MP_FIXARRAY
            && (size_t)(*p & 0x0f) < left(r))) {
        *n = *p & 0x0f;
        r->p++;
        return AKT_OK;
    }
    return get_count(r, false, n);
}

akt_err
akt_mp_get_map(akt_reader *r, uint32_t *n)
{
    const uint8_t *p = r->p;
    if (AKTI_LIKELY(p < r->end && (*p & 0xf0) == MP_FIXMAP
            && (size_t)(*p & 0x0f) * 2 < left(r))) {
        *n = *p & 0x0f;
        r->p++;
        return AKT_OK;
    }
    return get_count(r, true, n);
}

akt_err
akt_mp_enter(akt_reader *r)
{
    if (r->err != AKT_OK) {
        return r->err;
    }
    if (r->depth >= r->max_depth) {
        return akt_mp_fail(r, AKT_ETOOBIG);
    }
    r->depth++;
    return AKT_OK;
}

void
akt_mp_leave(akt_reader *r)
{
    if (r->depth > 0) {
        r->depth--;
    }
}

/* skip_scalar -- header size and body size of a non-container value at p
 * (first byte b); false for containers. */
static bool
skip_sizes(akt_reader *r, uint8_t b, size_t *head, uint64_t *body, bool *ok)
{
    const uint8_t *p = r->p;
    size_t l = left(r);
    *ok = true;
    *body = 0;
    if (b <= MP_POSFIX_MAX || b >= MP_NEGFIX
        || (b >= MP_FIXSTR && b < MP_NIL)) {
        *head = 1;
        *body = b >= MP_FIXSTR && b < MP_NIL ? (b & 0x1f) : 0;
        return true;
    }
    switch (b) {
    case MP_NIL:
    case MP_FALSE:
    case MP_TRUE:
        *head = 1;
        return true;
    case MP_U8:
    case MP_I8:
        *head = 2;
        return true;
    case MP_U16:
    case MP_I16:
        *head = 3;
        return true;
    case MP_F32:
    case MP_U32:
    case MP_I32:
        *head = 5;
        return true;
    case MP_F64:
    case MP_U64:
    case MP_I64:
        *head = 9;
        return true;
    case MP_FIXEXT1:
    case MP_FIXEXT1 + 1:
    case MP_FIXEXT1 + 2:
    case MP_FIXEXT1 + 3:
    case MP_FIXEXT16:
        *head = 2; /* type byte */
        *body = 1u << (b - MP_FIXEXT1);
        return true;
    case MP_STR8:
    case MP_BIN8:
        *head = 2;
        *ok = l >= 2;
        *body = *ok ? p[1] : 0;
        return true;
    case MP_EXT8:
        *head = 3;
        *ok = l >= 2;
        *body = *ok ? p[1] : 0;
        return true;
    case MP_STR16:
    case MP_BIN16:
        *head = 3;
        *ok = l >= 3;
        *body = *ok ? mp_ld16(p + 1) : 0;
        return true;
    case MP_EXT16:
        *head = 4;
        *ok = l >= 3;
        *body = *ok ? mp_ld16(p + 1) : 0;
        return true;
    case MP_STR32:
    case MP_BIN32:
        *head = 5;
        *ok = l >= 5;
        *body = *ok ? mp_ld32(p + 1) : 0;
        return true;
    case MP_EXT32:
        *head = 6;
        *ok = l >= 5;
        *body = *ok ? mp_ld32(p + 1) : 0;
        return true;
    default:
        return false;
    }
}

akt_err
akt_mp_skip(akt_reader *r)
{
    /* One counter of values still to skip per open container; todo is the
     * count of the innermost one. Bounded by AKTI_MP_DEPTH_CAP. */
    uint64_t stack[AKTI_MP_DEPTH_CAP];
    uint32_t top = 0;
    uint64_t todo = 1;
    akt_err rc;

    if (r->err != AKT_OK) {
        return r->err;
    }
    for (;;) {
        while (todo == 0) {
            if (top == 0) {
                return AKT_OK;
            }
            todo = stack[--top];
            r->depth--;
        }
        todo--;
        if (r->p >= r->end) {
            rc = AKT_EPROTO;
            goto fail;
        }
        uint8_t b = *r->p;
        size_t head;
        uint64_t body;
        bool ok;
        if (skip_sizes(r, b, &head, &body, &ok)) {
            if (!ok || head > left(r)) {
                rc = AKT_EPROTO;
                goto fail;
            }
            if (body > r->max_length) {
                rc = AKT_ETOOBIG; /* as akt_mp_get_str/bin would say */
                goto fail;
            }
            if (body > left(r) - head) {
                rc = AKT_EPROTO;
                goto fail;
            }
            r->p += head + (size_t)body;
            continue;
        }
        /* A container (or 0xc1). */
        uint64_t n;
        if ((b & 0xf0) == MP_FIXMAP || b == MP_MAP16 || b == MP_MAP32) {
            uint32_t c;
            if ((rc = get_count(r, true, &c)) != AKT_OK) {
                goto fail;
            }
            n = (uint64_t)c * 2;
        } else if ((b & 0xf0) == MP_FIXARRAY || b == MP_ARRAY16
            || b == MP_ARRAY32) {
            uint32_t c;
            if ((rc = get_count(r, false, &c)) != AKT_OK) {
                goto fail;
            }
            n = c;
        } else {
            rc = AKT_EPROTO; /* 0xc1 */
            goto fail;
        }
        if (r->depth >= r->max_depth || top >= AKTI_MP_DEPTH_CAP) {
            rc = AKT_ETOOBIG;
            goto fail;
        }
        if (n > 0) {
            stack[top++] = todo;
            r->depth++;
            todo = n;
        }
    }
fail:
    r->depth -= top;
    return akt_mp_fail(r, rc);
}

void *
akt_mp_alloc(
    akt_reader *r, akt_arena *arena, size_t n, size_t size, size_t align)
{
    if (r->err != AKT_OK) {
        return NULL;
    }
    if (arena == NULL || align == 0 || (align & (align - 1)) != 0) {
        akt_mp_fail(r, AKT_EINVAL);
        return NULL;
    }
    if (size != 0 && n > SIZE_MAX / size) {
        akt_mp_fail(r, AKT_ETOOBIG);
        return NULL;
    }
    size_t total = n * size;
    if (total > r->budget) {
        akt_mp_fail(r, AKT_ETOOBIG);
        return NULL;
    }
    void *p = akt_arena_alloc(arena, total, align);
    if (p == NULL) {
        akt_mp_fail(r, AKT_ENOMEM);
        return NULL;
    }
    r->budget -= total;
    memset(p, 0, total);
    return p;
}
