/*
 * fuzz_reader.c -- libFuzzer target for the msgpack reader.
 *
 * Input: byte 0 picks limits and a strategy; the rest is msgpack. Three
 * drivers run over it:
 *  1. a walker that peeks each value and calls the getter for its type (or,
 *     steered by the input, a wrong getter, skip, enter/leave, or alloc);
 *  2. akt_mp_skip over the whole input, value by value;
 *  3. akt_msg_decode as test.Sample (sample.c); on success the message is
 *     re-encoded, decoded again and re-encoded, and both encodings must be
 *     equal (decode . encode is a fixed point), which also holds the writer's
 *     UTF-8 check to the reader's: what decodes must encode;
 *  4. the UTF-8 check (mp_utf8_valid, its inline ASCII fast path, and
 *     akti_utf8_valid) against a plain code-point decoder (utf8_ref), on
 *     the whole input and on every suffix of its first 16 bytes, so each
 *     word alignment of the fast path is tried; and every string the walker
 *     gets must pass utf8_ref.
 * Properties checked besides "no crash, no over-read, no UB": the cursor
 * never leaves [data, end], an error latches, depth returns to 0.
 *
 * Build: cmake -DCMAKE_C_COMPILER=clang -DAKT_BUILD_FUZZ=ON; run
 * fuzz_reader -max_total_time=300 corpus/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt_gen.h"
#include "codec/mp_impl.h"
#include "codec/sample.h"

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(                                                           \
                stderr, "fuzz_reader.c:%d: CHECK(%s) failed\n", __LINE__, #c); \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* utf8_ref -- well-formed UTF-8 by decoding each code point and checking
 * it, the way the standard states the rule: the shortest form, not a
 * surrogate, at most U+10FFFF. Slow and obvious, to judge the fast one. */
static bool
utf8_ref(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        uint32_t cp;
        size_t len;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xe0) == 0xc0) {
            len = 2;
            cp = b & 0x1f;
        } else if ((b & 0xf0) == 0xe0) {
            len = 3;
            cp = b & 0x0f;
        } else if ((b & 0xf8) == 0xf0) {
            len = 4;
            cp = b & 0x07;
        } else {
            return false;
        }
        if (n - i < len) {
            return false;
        }
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < min[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
            return false;
        }
        i += len;
    }
    return true;
}

static void
utf8_diff(const uint8_t *data, size_t size)
{
    for (size_t off = 0; off <= size && off < 16; off++) {
        bool want = utf8_ref(data + off, size - off);
        CHECK(mp_utf8_valid(data + off, size - off) == want);
        CHECK(size == off || akti_utf8_valid(data + off, size - off) == want);
    }
}

static const akt_type blob_desc
    = { .abi = AKT_GEN_ABI, .name = "fuzz.Blob", .size = 8, .align = 8 };

static void
walk(
    const uint8_t *data, size_t size, const akt_codec_limits *lim, uint8_t mode)
{
    void *holder = akt_msg_new(&blob_desc, 32);
    CHECK(holder != NULL);
    akt_arena *arena = akt_msg_arena(holder);
    akt_reader r;
    akt_reader_init(&r, data, size, lim);
    const uint8_t *begin = r.p, *end = r.end;
    unsigned step = 0;
    while (r.p < r.end && step < 100000) {
        step++;
        /* steer with the byte under the cursor, mixed with the mode */
        uint8_t cur = *r.p; /* peek may latch an error and move r.p */
        unsigned twist = (unsigned)(cur ^ mode ^ step) % 16;
        akt_mp_type t = akt_mp_peek(&r);
        akt_err rc = AKT_OK;
        uint64_t u;
        int64_t s;
        double d;
        float f;
        bool b;
        akt_str str;
        akt_bytes bin;
        uint32_t n;
        akt_ref ref;
        if (twist == 0) {
            rc = akt_mp_skip(&r);
        } else if (twist == 1) {
            rc = akt_mp_enter(&r);
        } else if (twist == 2) {
            akt_mp_leave(&r);
        } else if (twist == 3) {
            size_t cnt = cur & 0x0f;
            void *p = akt_mp_alloc(&r, arena, cnt, 8, 8);
            if (p) {
                memset(p, 0xab, cnt * 8);
            }
        } else {
            if (twist == 4) {
                t = (akt_mp_type)((mode + step)
                    % 11); /* maybe the wrong getter */
            }
            switch (t) {
            case AKT_MP_NIL:
                rc = akt_mp_get_nil(&r);
                break;
            case AKT_MP_BOOL:
                rc = akt_mp_get_bool(&r, &b);
                break;
            case AKT_MP_INT:
                rc = akt_mp_get_int(&r, &s);
                break;
            case AKT_MP_UINT:
                rc = (twist & 1) ? akt_mp_get_uint(&r, &u)
                                 : akt_mp_get_f32(&r, &f);
                break;
            case AKT_MP_FLOAT:
                rc = (twist & 1) ? akt_mp_get_f64(&r, &d)
                                 : akt_mp_get_f32(&r, &f);
                break;
            case AKT_MP_STR:
                if (twist & 1) {
                    rc = akt_mp_get_str(&r, arena, &str);
                    if (rc == AKT_OK) {
                        CHECK(str.ptr[str.len] == '\0');
                        CHECK(utf8_ref((const uint8_t *)str.ptr, str.len));
                    }
                } else {
                    rc = akt_mp_get_ref(&r, &ref); /* no system: none */
                    CHECK(rc != AKT_OK || akt_ref_is_none(ref));
                }
                break;
            case AKT_MP_BIN:
                rc = akt_mp_get_bin(&r, arena, &bin);
                if (rc == AKT_OK && bin.len) {
                    CHECK(bin.ptr[bin.len - 1] == bin.ptr[bin.len - 1]);
                }
                break;
            case AKT_MP_ARRAY:
                rc = akt_mp_get_array(&r, &n);
                break;
            case AKT_MP_MAP:
                rc = akt_mp_get_map(&r, &n);
                break;
            case AKT_MP_EXT:
                rc = akt_mp_skip(&r);
                break;
            case AKT_MP_NONE:
                rc = akt_mp_get_uint(&r, &u);
                break;
            }
        }
        CHECK(r.p >= begin && r.p <= end);
        CHECK(r.depth <= r.max_depth);
        if (rc != AKT_OK) {
            CHECK(r.err == rc && r.p == r.end);
            CHECK(akt_mp_get_uint(&r, &u) == rc); /* latched */
            break;
        }
    }
    akt_msg_free(holder);
}

static void
skip_all(const uint8_t *data, size_t size, const akt_codec_limits *lim)
{
    akt_reader r;
    akt_reader_init(&r, data, size, lim);
    while (r.p < r.end) {
        const uint8_t *before = r.p;
        akt_err rc = akt_mp_skip(&r);
        CHECK(r.depth == 0);
        if (rc != AKT_OK) {
            CHECK(r.err == rc);
            break;
        }
        CHECK(r.p > before && r.p <= r.end);
    }
}

static void
decode_message(const uint8_t *data, size_t size, const akt_codec_limits *lim)
{
    void *m = (void *)1;
    akt_err rc = akt_msg_decode(&test_sample_desc, data, size, lim, &m);
    if (rc != AKT_OK) {
        CHECK(m == NULL);
        return;
    }
    akt_buf a, b;
    akt_buf_init(&a);
    akt_buf_init(&b);
    CHECK(akt_msg_encode(m, &a) == AKT_OK);
    void *m2 = NULL;
    /* the re-encoding may exceed the caller's limits only in budget, not
     * in depth; decode it with the defaults */
    CHECK(
        akt_msg_decode(&test_sample_desc, a.data, a.len, NULL, &m2) == AKT_OK);
    CHECK(akt_msg_encode(m2, &b) == AKT_OK);
    CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    akt_msg_free(m2);
    akt_msg_free(m);
    akt_buf_free(&a);
    akt_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    uint8_t mode = data[0];
    akt_codec_limits lim = {
        .max_depth = (mode & 0x7) ? (mode & 0x7) * 3 : 0, /* 0: default 64 */
        .max_length
        = (mode & 0x18) ? (uint64_t)1 << ((mode >> 3 & 3) * 4 + 2) : 0,
    };
    data++;
    size--;
    /* a copy of exactly size bytes, so ASan sees any over-read */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    walk(copy, size, &lim, mode);
    skip_all(copy, size, &lim);
    decode_message(copy, size, &lim);
    utf8_diff(copy, size);
    free(copy);
    return 0;
}
