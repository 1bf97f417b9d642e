/*
 * mp_impl.h -- msgpack format bytes and the helpers the codec files share.
 *
 * Internal to runtime/src/codec/. The first-byte constants are the
 * msgpack spec's (https://github.com/msgpack/msgpack/blob/master/spec.md);
 * multi-byte lengths and numbers are big-endian on the wire.
 */
#ifndef AKTI_CODEC_MP_IMPL_H
#define AKTI_CODEC_MP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "akt/akt_gen.h"

#if defined(__GNUC__)
#define AKTI_LIKELY(x)   __builtin_expect(!!(x), 1)
#define AKTI_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define AKTI_LIKELY(x)   (x)
#define AKTI_UNLIKELY(x) (x)
#endif
#if defined(__GNUC__)
#define AKTI_ALWAYS_INLINE __attribute__((always_inline))
#define AKTI_NOINLINE      __attribute__((noinline))
#else
#define AKTI_ALWAYS_INLINE
#define AKTI_NOINLINE
#endif

enum {
    MP_POSFIX_MAX = 0x7f, /* 0x00..0x7f positive fixint */
    MP_FIXMAP = 0x80, /* 0x80..0x8f */
    MP_FIXARRAY = 0x90, /* 0x90..0x9f */
    MP_FIXSTR = 0xa0, /* 0xa0..0xbf */
    MP_NIL = 0xc0,
    MP_NEVER = 0xc1,
    MP_FALSE = 0xc2,
    MP_TRUE = 0xc3,
    MP_BIN8 = 0xc4,
    MP_BIN16 = 0xc5,
    MP_BIN32 = 0xc6,
    MP_EXT8 = 0xc7,
    MP_EXT16 = 0xc8,
    MP_EXT32 = 0xc9,
    MP_F32 = 0xca,
    MP_F64 = 0xcb,
    MP_U8 = 0xcc,
    MP_U16 = 0xcd,
    MP_U32 = 0xce,
    MP_U64 = 0xcf,
    MP_I8 = 0xd0,
    MP_I16 = 0xd1,
    MP_I32 = 0xd2,
    MP_I64 = 0xd3,
    MP_FIXEXT1 = 0xd4, /* 0xd4..0xd8: fixext 1/2/4/8/16 */
    MP_FIXEXT16 = 0xd8,
    MP_STR8 = 0xd9,
    MP_STR16 = 0xda,
    MP_STR32 = 0xdb,
    MP_ARRAY16 = 0xdc,
    MP_ARRAY32 = 0xdd,
    MP_MAP16 = 0xde,
    MP_MAP32 = 0xdf,
    MP_NEGFIX = 0xe0, /* 0xe0..0xff negative fixint */
};

/* Defaults for akt_codec_limits (akt.codec.* in the reference config), and
 * the ceiling on nesting: akt_mp_skip keeps one counter per open container
 * on the C stack, so max_depth is clamped to AKTI_MP_DEPTH_CAP. */
#define AKTI_MP_DEFAULT_DEPTH  64u
#define AKTI_MP_DEFAULT_LENGTH (64ull * 1024 * 1024)
#define AKTI_MP_DEPTH_CAP      512u

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define MP_TO_BE32(v) (v)
#define MP_TO_BE64(v) (v)
#else
#define MP_TO_BE32(v) __builtin_bswap32(v)
#define MP_TO_BE64(v) __builtin_bswap64(v)
#endif

static inline void
mp_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void
mp_be32(uint8_t *p, uint32_t v)
{
    v = MP_TO_BE32(v);
    memcpy(p, &v, 4);
}

static inline void
mp_be64(uint8_t *p, uint64_t v)
{
    v = MP_TO_BE64(v);
    memcpy(p, &v, 8);
}

static inline uint16_t
mp_ld16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
mp_ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return MP_TO_BE32(v);
}

static inline uint64_t
mp_ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return MP_TO_BE64(v);
}

/* Writers of one value at p, which must have room for it (9 bytes for a
 * number, 5 for a length header): the smallest form, as msgpack-c writes
 * it. Each returns the byte after what it wrote. Shared by the checked
 * akt_mp_put_* primitives (mp_write.c) and the table encoder (table.c),
 * so both write the same bytes by construction. */
static inline uint8_t *
mp_w_uint(uint8_t *p, uint64_t v)
{
    if (v <= MP_POSFIX_MAX) {
        p[0] = (uint8_t)v;
        return p + 1;
    }
    if (v <= UINT8_MAX) {
        p[0] = MP_U8;
        p[1] = (uint8_t)v;
        return p + 2;
    }
    if (v <= UINT16_MAX) {
        p[0] = MP_U16;
        mp_be16(p + 1, (uint16_t)v);
        return p + 3;
    }
    if (v <= UINT32_MAX) {
        p[0] = MP_U32;
        mp_be32(p + 1, (uint32_t)v);
        return p + 5;
    }
    p[0] = MP_U64;
    mp_be64(p + 1, v);
    return p + 9;
}

static inline uint8_t *
mp_w_int(uint8_t *p, int64_t v)
{
    if (v >= 0) {
        return mp_w_uint(p, (uint64_t)v);
    }
    if (v >= -32) {
        p[0] = (uint8_t)(int8_t)v; /* 0xe0..0xff */
        return p + 1;
    }
    if (v >= INT8_MIN) {
        p[0] = MP_I8;
        p[1] = (uint8_t)(int8_t)v;
        return p + 2;
    }
    if (v >= INT16_MIN) {
        p[0] = MP_I16;
        mp_be16(p + 1, (uint16_t)(int16_t)v);
        return p + 3;
    }
    if (v >= INT32_MIN) {
        p[0] = MP_I32;
        mp_be32(p + 1, (uint32_t)(int32_t)v);
        return p + 5;
    }
    p[0] = MP_I64;
    mp_be64(p + 1, (uint64_t)v);
    return p + 9;
}

static inline uint8_t *
mp_w_f32(uint8_t *p, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    p[0] = MP_F32;
    mp_be32(p + 1, bits);
    return p + 5;
}

static inline uint8_t *
mp_w_f64(uint8_t *p, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    p[0] = MP_F64;
    mp_be64(p + 1, bits);
    return p + 9;
}

/* mp_w_head -- a length header: the fix form (fix | len) when len < fixlim
 * (0: none), else the 8-bit form (op8 0: none), else 16 or 32 bits. The
 * caller checked len <= UINT32_MAX. */
static inline uint8_t *
mp_w_head(uint8_t *p, size_t len, uint8_t fix, size_t fixlim, uint8_t op8,
    uint8_t op16, uint8_t op32)
{
    if (len < fixlim) {
        p[0] = (uint8_t)(fix | len);
        return p + 1;
    }
    if (op8 && len <= UINT8_MAX) {
        p[0] = op8;
        p[1] = (uint8_t)len;
        return p + 2;
    }
    if (len <= UINT16_MAX) {
        p[0] = op16;
        mp_be16(p + 1, (uint16_t)len);
        return p + 3;
    }
    p[0] = op32;
    mp_be32(p + 1, (uint32_t)len);
    return p + 5;
}

/* akti_utf8_valid -- whether [p, p+n) is well-formed UTF-8 (Unicode 15,
 * table 3-7): no overlong forms, no surrogates U+D800..U+DFFF, nothing
 * above U+10FFFF, no truncated sequences or stray continuation bytes. NUL
 * is valid (U+0000: msgpack str and akt_str carry their length). The full
 * check, out of line; callers go through mp_utf8_valid. */
AKTI_INTERNAL bool akti_utf8_valid(const uint8_t *p, size_t n);

/* mp_utf8_valid -- as akti_utf8_valid, with the common case inline: most
 * strings on the wire are ASCII, so first OR the bytes together a word
 * (8 bytes) at a time -- the last word overlapping the one before, short
 * strings as two overlapping 4-byte or three single loads, no per-byte
 * loop -- and test the high bits once. Only a string with a byte >= 0x80
 * pays for the per-sequence check. */
static inline bool
mp_utf8_valid(const uint8_t *p, size_t n)
{
    const uint64_t high = 0x8080808080808080ull;
    uint64_t acc;
    if (n >= 8) {
        const uint8_t *q = p, *last = p + n - 8;
        uint64_t w;
        acc = 0;
        while (q < last) {
            memcpy(&w, q, 8);
            acc |= w;
            if (acc & high) {
                return akti_utf8_valid(p, n);
            }
            q += 8;
        }
        memcpy(&w, last, 8);
        acc |= w;
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        acc = a | b;
    } else if (n > 0) {
        acc = (uint64_t)(p[0] | p[n / 2] | p[n - 1]);
    } else {
        return true; /* p may be NULL */
    }
    return AKTI_LIKELY((acc & high) == 0) || akti_utf8_valid(p, n);
}

/* akti_mp_get_strview -- the next str value in place (no copy, no NUL),
 * checked like akt_mp_get_str (UTF-8 included); for ref paths. Errors
 * latch. */
AKTI_INTERNAL akt_err akti_mp_get_strview(
    akt_reader *r, const char **s, size_t *len);

#endif /* AKTI_CODEC_MP_IMPL_H */
