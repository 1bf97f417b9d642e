/*
 * codec_test.c -- the msgpack primitives (akt/akt_gen.h) and
 * akt_msg_encode/akt_msg_decode.
 *
 * Every primitive at every format boundary, checked byte for byte against
 * msgpack-c's packer and decoded both by our reader and by msgpack-c's
 * unpacker; every error class (truncation, wrong type, huge lengths, deep
 * nesting, n*size overflow, budget); latched-error semantics; and a hand-
 * written descriptor (sample.c) end to end, including schema evolution and
 * allocation failure at every allocation.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt_gen.h"
#include "codec/sample.h"
#include "core/msg_impl.h" /* struct akt_arena: was a block chained? */

/* --- allocation control ---------------------------------------------------
 * Not under ASan (which owns malloc): the tests that need it say so. */
#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_HOOKS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_HOOKS 0
#endif
#endif
#ifndef ALLOC_HOOKS
#define ALLOC_HOOKS 1
#endif

#if ALLOC_HOOKS
/*
 * malloc/realloc/calloc/free are interposed so a test can fail the Nth
 * allocation and count the live ones. Only counted while `armed`. */
extern void *__libc_malloc(size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_calloc(size_t, size_t);
extern void __libc_free(void *);

static int armed;
static long alloc_count; /* allocations attempted while armed */
static long alloc_fail_at; /* fail the Nth (1-based); 0: never */
static long alloc_live; /* successful allocations minus frees */

static int
alloc_should_fail(void)
{
    if (!armed) {
        return 0;
    }
    alloc_count++;
    return alloc_fail_at != 0 && alloc_count == alloc_fail_at;
}

void *
malloc(size_t n)
{
    if (alloc_should_fail()) {
        return NULL;
    }
    void *p = __libc_malloc(n);
    if (p && armed) {
        alloc_live++;
    }
    return p;
}

void *
calloc(size_t a, size_t b)
{
    if (alloc_should_fail()) {
        return NULL;
    }
    void *p = __libc_calloc(a, b);
    if (p && armed) {
        alloc_live++;
    }
    return p;
}

void *
realloc(void *old, size_t n)
{
    if (alloc_should_fail()) {
        return NULL;
    }
    void *p = __libc_realloc(old, n);
    if (p && old == NULL && armed) {
        alloc_live++;
    }
    return p;
}

void
free(void *p)
{
    if (p && armed) {
        alloc_live--;
    }
    __libc_free(p);
}

static void
arm(long fail_at)
{
    alloc_count = 0;
    alloc_live = 0;
    alloc_fail_at = fail_at;
    armed = 1;
}

static void
disarm(void)
{
    armed = 0;
}
#else
static long alloc_count, alloc_live;
static void
arm(long fail_at)
{
    (void)fail_at;
    alloc_count = 0;
    alloc_live = 0;
}
static void
disarm(void)
{
}
#endif

/* --- helpers ---------------------------------------------------------------
 */

static const akt_type blob_desc = {
    .abi = AKT_GEN_ABI,
    .name = "test.Blob",
    .size = 8,
    .align = 8,
};

/* An arena to decode strings into: a message's. */
static void *arena_msg;
static akt_arena *
test_arena(void)
{
    if (arena_msg == NULL) {
        arena_msg = akt_msg_new(&blob_desc, 64);
        ck_assert_ptr_nonnull(arena_msg);
    }
    return akt_msg_arena(arena_msg);
}

typedef struct packed {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} packed;

static void
mpc_begin(packed *p)
{
    msgpack_sbuffer_init(&p->sb);
    msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
}

static void
mpc_end(packed *p)
{
    msgpack_sbuffer_destroy(&p->sb);
}

static void
assert_same_bytes(const akt_buf *b, const packed *p)
{
    ck_assert_uint_eq(b->len, p->sb.size);
    ck_assert_int_eq(memcmp(b->data, p->sb.data, b->len), 0);
}

/* Unpack one object with msgpack-c; the caller destroys u. */
static msgpack_object
mpc_unpack(msgpack_unpacked *u, const void *data, size_t len)
{
    size_t off = 0;
    msgpack_unpacked_init(u);
    ck_assert_int_eq(
        msgpack_unpack_next(u, data, len, &off), MSGPACK_UNPACK_SUCCESS);
    ck_assert_uint_eq(off, len);
    return u->data;
}

static akt_reader
reader(const akt_buf *b)
{
    akt_reader r;
    akt_reader_init(&r, b->data, b->len, NULL);
    return r;
}

/* --- integers --------------------------------------------------------------
 */

static const struct {
    uint64_t v;
    size_t len;
} uints[] = {
    { 0, 1 },
    { 1, 1 },
    { 127, 1 },
    { 128, 2 },
    { 255, 2 },
    { 256, 3 },
    { 65535, 3 },
    { 65536, 5 },
    { UINT32_MAX, 5 },
    { (uint64_t)UINT32_MAX + 1, 9 },
    { (uint64_t)INT64_MAX, 9 },
    { UINT64_MAX, 9 },
};

START_TEST(uint_uses_smallest_form_like_msgpack_c)
{
    for (size_t i = 0; i < sizeof uints / sizeof uints[0]; i++) {
        akt_buf b;
        akt_buf_init(&b);
        ck_assert_int_eq(akt_mp_put_uint(&b, uints[i].v), AKT_OK);
        ck_assert_uint_eq(b.len, uints[i].len);
        packed p;
        mpc_begin(&p);
        msgpack_pack_uint64(&p.pk, uints[i].v);
        assert_same_bytes(&b, &p);
        mpc_end(&p);

        akt_reader r = reader(&b);
        ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_UINT);
        uint64_t u = 1234;
        ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_OK);
        ck_assert_uint_eq(u, uints[i].v);
        ck_assert_ptr_eq(r.p, r.end);

        r = reader(&b);
        int64_t s;
        ck_assert_int_eq(akt_mp_get_int(&r, &s),
            uints[i].v > INT64_MAX ? AKT_ERANGE : AKT_OK);
        if (uints[i].v <= INT64_MAX) {
            ck_assert_int_eq(s, (int64_t)uints[i].v);
        }

        msgpack_unpacked u2;
        msgpack_object o = mpc_unpack(&u2, b.data, b.len);
        ck_assert_int_eq(o.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
        ck_assert_uint_eq(o.via.u64, uints[i].v);
        msgpack_unpacked_destroy(&u2);
        akt_buf_free(&b);
    }
}
END_TEST

static const struct {
    int64_t v;
    size_t len;
} ints[] = {
    { 0, 1 },
    { 127, 1 },
    { 128, 2 },
    { -1, 1 },
    { -32, 1 },
    { -33, 2 },
    { -128, 2 },
    { -129, 3 },
    { -32768, 3 },
    { -32769, 5 },
    { INT32_MIN, 5 },
    { (int64_t)INT32_MIN - 1, 9 },
    { INT64_MIN, 9 },
    { INT64_MAX, 9 },
};

START_TEST(int_uses_smallest_form_like_msgpack_c)
{
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        akt_buf b;
        akt_buf_init(&b);
        ck_assert_int_eq(akt_mp_put_int(&b, ints[i].v), AKT_OK);
        ck_assert_uint_eq(b.len, ints[i].len);
        packed p;
        mpc_begin(&p);
        msgpack_pack_int64(&p.pk, ints[i].v);
        assert_same_bytes(&b, &p);
        mpc_end(&p);

        akt_reader r = reader(&b);
        ck_assert_int_eq(
            akt_mp_peek(&r), ints[i].v < 0 ? AKT_MP_INT : AKT_MP_UINT);
        int64_t s = 99;
        ck_assert_int_eq(akt_mp_get_int(&r, &s), AKT_OK);
        ck_assert_int_eq(s, ints[i].v);
        ck_assert_ptr_eq(r.p, r.end);

        r = reader(&b);
        uint64_t u;
        ck_assert_int_eq(
            akt_mp_get_uint(&r, &u), ints[i].v < 0 ? AKT_ERANGE : AKT_OK);

        msgpack_unpacked u2;
        msgpack_object o = mpc_unpack(&u2, b.data, b.len);
        if (ints[i].v < 0) {
            ck_assert_int_eq(o.type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
            ck_assert_int_eq(o.via.i64, ints[i].v);
        } else {
            ck_assert_uint_eq(o.via.u64, (uint64_t)ints[i].v);
        }
        msgpack_unpacked_destroy(&u2);
        akt_buf_free(&b);
    }
}
END_TEST

START_TEST(int_readers_accept_every_width_msgpack_c_writes)
{
    /* msgpack-c's fixed-width packers write forms that are not the
     * smallest (e.g. int8 holding 5); our readers take them all. */
    packed p;
    mpc_begin(&p);
    msgpack_pack_fix_int8(&p.pk, 5);
    msgpack_pack_fix_int16(&p.pk, -300);
    msgpack_pack_fix_int32(&p.pk, 70000);
    msgpack_pack_fix_int64(&p.pk, -5);
    msgpack_pack_fix_uint8(&p.pk, 3);
    msgpack_pack_fix_uint16(&p.pk, 4);
    msgpack_pack_fix_uint32(&p.pk, 5);
    msgpack_pack_fix_uint64(&p.pk, 6);
    akt_reader r;
    akt_reader_init(&r, p.sb.data, p.sb.size, NULL);
    int64_t s;
    uint64_t u;
    ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_UINT);
    ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_OK);
    ck_assert_uint_eq(u, 5);
    ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_INT);
    ck_assert_int_eq(akt_mp_get_int(&r, &s), AKT_OK);
    ck_assert_int_eq(s, -300);
    ck_assert_int_eq(akt_mp_get_int(&r, &s), AKT_OK);
    ck_assert_int_eq(s, 70000);
    ck_assert_int_eq(akt_mp_get_int(&r, &s), AKT_OK);
    ck_assert_int_eq(s, -5);
    for (uint64_t want = 3; want <= 6; want++) {
        ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_OK);
        ck_assert_uint_eq(u, want);
    }
    ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_NONE);
    ck_assert_int_eq(r.err, AKT_OK);
    mpc_end(&p);
}
END_TEST

/* --- floats, nil, bool ------------------------------------------------------
 */

START_TEST(floats_match_msgpack_c_and_widen)
{
    const double ds[]
        = { 0.0, -0.0, 1.5, -2.25e300, DBL_MIN, DBL_MAX, INFINITY, NAN };
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        akt_buf b;
        akt_buf_init(&b);
        ck_assert_int_eq(akt_mp_put_f64(&b, ds[i]), AKT_OK);
        ck_assert_int_eq(akt_mp_put_f32(&b, (float)ds[i]), AKT_OK);
        packed p;
        mpc_begin(&p);
        msgpack_pack_double(&p.pk, ds[i]);
        msgpack_pack_float(&p.pk, (float)ds[i]);
        assert_same_bytes(&b, &p);
        mpc_end(&p);
        ck_assert_uint_eq(b.len, 9 + 5);

        akt_reader r = reader(&b);
        double d;
        ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_FLOAT);
        ck_assert_int_eq(akt_mp_get_f64(&r, &d), AKT_OK);
        ck_assert_int_eq(memcmp(&d, &ds[i], 8), 0);
        ck_assert_int_eq(akt_mp_get_f64(&r, &d), AKT_OK); /* f32 widens */
        ck_assert(d == (double)(float)ds[i] || (isnan(d) && isnan(ds[i])));
        ck_assert_ptr_eq(r.p, r.end);
        akt_buf_free(&b);
    }
}
END_TEST

START_TEST(float_readers_take_integers_and_reject_overflow)
{
    akt_buf b;
    akt_buf_init(&b);
    akt_mp_put_int(&b, -7);
    akt_mp_put_uint(&b, UINT64_MAX);
    akt_mp_put_f64(&b, 1.5);
    akt_mp_put_f64(&b, INFINITY);
    akt_mp_put_f64(&b, 1e300);
    akt_reader r = reader(&b);
    float f;
    double d;
    ck_assert_int_eq(akt_mp_get_f32(&r, &f), AKT_OK);
    ck_assert(f == -7.0f);
    ck_assert_int_eq(akt_mp_get_f64(&r, &d), AKT_OK);
    ck_assert(d == 18446744073709551616.0);
    ck_assert_int_eq(akt_mp_get_f32(&r, &f), AKT_OK);
    ck_assert(f == 1.5f);
    ck_assert_int_eq(akt_mp_get_f32(&r, &f), AKT_OK);
    ck_assert(isinf(f));
    ck_assert_int_eq(akt_mp_get_f32(&r, &f), AKT_ERANGE);
    akt_buf_free(&b);
}
END_TEST

START_TEST(nil_and_bool_match_msgpack_c)
{
    akt_buf b;
    akt_buf_init(&b);
    akt_mp_put_nil(&b);
    akt_mp_put_bool(&b, true);
    akt_mp_put_bool(&b, false);
    packed p;
    mpc_begin(&p);
    msgpack_pack_nil(&p.pk);
    msgpack_pack_true(&p.pk);
    msgpack_pack_false(&p.pk);
    assert_same_bytes(&b, &p);
    mpc_end(&p);
    akt_reader r = reader(&b);
    bool v;
    ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_NIL);
    ck_assert_int_eq(akt_mp_get_nil(&r), AKT_OK);
    ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_BOOL);
    ck_assert_int_eq(akt_mp_get_bool(&r, &v), AKT_OK);
    ck_assert(v);
    ck_assert_int_eq(akt_mp_get_bool(&r, &v), AKT_OK);
    ck_assert(!v);
    ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_NONE);
    akt_buf_free(&b);
}
END_TEST

/* --- strings and bytes ------------------------------------------------------
 */

static const struct {
    size_t len;
    size_t head;
} lens[] = {
    { 0, 1 },
    { 1, 1 },
    { 31, 1 },
    { 32, 2 },
    { 255, 2 },
    { 256, 3 },
    { 65535, 3 },
    { 65536, 5 },
    { 70000, 5 },
};

START_TEST(str_every_header_form_round_trips_with_msgpack_c)
{
    char *src = malloc(70000);
    for (size_t i = 0; i < 70000; i++) {
        src[i] = (char)('a' + i % 26);
    }
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t n = lens[i].len;
        akt_buf b;
        akt_buf_init(&b);
        ck_assert_int_eq(akt_mp_put_str(&b, n ? src : NULL, n), AKT_OK);
        ck_assert_uint_eq(b.len, lens[i].head + n);
        packed p;
        mpc_begin(&p);
        msgpack_pack_str(&p.pk, n);
        msgpack_pack_str_body(&p.pk, src, n);
        assert_same_bytes(&b, &p);

        /* ours reads msgpack-c's bytes */
        akt_reader r;
        akt_reader_init(&r, p.sb.data, p.sb.size, NULL);
        akt_str s = { NULL, 1 };
        ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_STR);
        ck_assert_int_eq(akt_mp_get_str(&r, test_arena(), &s), AKT_OK);
        ck_assert_uint_eq(s.len, n);
        ck_assert_ptr_nonnull(s.ptr);
        ck_assert_int_eq(memcmp(s.ptr, src, n), 0);
        ck_assert_int_eq(s.ptr[n], '\0');
        ck_assert_ptr_eq(r.p, r.end);
        ck_assert_uint_eq(r.budget, n ? r.max_length - n - 1 : r.max_length);
        mpc_end(&p);

        /* msgpack-c reads ours */
        msgpack_unpacked u;
        msgpack_object o = mpc_unpack(&u, b.data, b.len);
        ck_assert_int_eq(o.type, MSGPACK_OBJECT_STR);
        ck_assert_uint_eq(o.via.str.size, n);
        ck_assert(n == 0 || memcmp(o.via.str.ptr, src, n) == 0);
        msgpack_unpacked_destroy(&u);
        akt_buf_free(&b);
    }
    free(src);
}
END_TEST

START_TEST(bin_every_header_form_round_trips_with_msgpack_c)
{
    static const size_t bl[][2] = { { 0, 2 }, { 1, 2 }, { 255, 2 }, { 256, 3 },
        { 65535, 3 }, { 65536, 5 }, { 70000, 5 } };
    uint8_t *src = malloc(70000);
    for (size_t i = 0; i < 70000; i++) {
        src[i] = (uint8_t)(i * 7);
    }
    for (size_t i = 0; i < sizeof bl / sizeof bl[0]; i++) {
        size_t n = bl[i][0];
        akt_buf b;
        akt_buf_init(&b);
        ck_assert_int_eq(akt_mp_put_bin(&b, src, n), AKT_OK);
        ck_assert_uint_eq(b.len, bl[i][1] + n);
        packed p;
        mpc_begin(&p);
        msgpack_pack_bin(&p.pk, n);
        msgpack_pack_bin_body(&p.pk, src, n);
        assert_same_bytes(&b, &p);
        akt_reader r;
        akt_reader_init(&r, p.sb.data, p.sb.size, NULL);
        akt_bytes v;
        ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_BIN);
        ck_assert_int_eq(akt_mp_get_bin(&r, test_arena(), &v), AKT_OK);
        ck_assert_uint_eq(v.len, n);
        if (n) {
            ck_assert_int_eq(memcmp(v.ptr, src, n), 0);
        } else {
            ck_assert_ptr_null(v.ptr);
        }
        ck_assert_ptr_eq(r.p, r.end);
        mpc_end(&p);
        msgpack_unpacked u;
        msgpack_object o = mpc_unpack(&u, b.data, b.len);
        ck_assert_int_eq(o.type, MSGPACK_OBJECT_BIN);
        ck_assert_uint_eq(o.via.bin.size, n);
        msgpack_unpacked_destroy(&u);
        akt_buf_free(&b);
    }
    free(src);
}
END_TEST

START_TEST(str_and_bin_are_not_interchangeable)
{
    akt_buf b;
    akt_buf_init(&b);
    akt_mp_put_bin(&b, "x", 1);
    akt_reader r = reader(&b);
    akt_str s;
    ck_assert_int_eq(akt_mp_get_str(&r, test_arena(), &s), AKT_EPROTO);
    b.len = 0;
    akt_mp_put_str(&b, "x", 1);
    r = reader(&b);
    akt_bytes v;
    ck_assert_int_eq(akt_mp_get_bin(&r, test_arena(), &v), AKT_EPROTO);
    akt_buf_free(&b);
}
END_TEST

/* --- arrays and maps --------------------------------------------------------
 */

START_TEST(array_and_map_every_header_form_round_trip_with_msgpack_c)
{
    static const uint32_t ns[][2] = { { 0, 1 }, { 15, 1 }, { 16, 3 },
        { 65535, 3 }, { 65536, 5 }, { 70000, 5 } };
    for (int is_map = 0; is_map < 2; is_map++) {
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
            uint32_t n = ns[i][0];
            akt_buf b;
            akt_buf_init(&b);
            packed p;
            mpc_begin(&p);
            if (is_map) {
                ck_assert_int_eq(akt_mp_put_map(&b, n), AKT_OK);
                msgpack_pack_map(&p.pk, n);
            } else {
                ck_assert_int_eq(akt_mp_put_array(&b, n), AKT_OK);
                msgpack_pack_array(&p.pk, n);
            }
            ck_assert_uint_eq(b.len, ns[i][1]);
            for (uint32_t j = 0; j < n * (is_map ? 2u : 1u); j++) {
                akt_mp_put_uint(&b, j & 0x7f);
                msgpack_pack_uint32(&p.pk, j & 0x7f);
            }
            assert_same_bytes(&b, &p);

            akt_reader r;
            akt_reader_init(&r, p.sb.data, p.sb.size, NULL);
            uint32_t got = 12345;
            ck_assert_int_eq(
                akt_mp_peek(&r), is_map ? AKT_MP_MAP : AKT_MP_ARRAY);
            ck_assert_int_eq(
                is_map ? akt_mp_get_map(&r, &got) : akt_mp_get_array(&r, &got),
                AKT_OK);
            ck_assert_uint_eq(got, n);
            for (uint32_t j = 0; j < n * (is_map ? 2u : 1u); j++) {
                uint64_t u;
                ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_OK);
                ck_assert_uint_eq(u, j & 0x7f);
            }
            ck_assert_ptr_eq(r.p, r.end);
            /* and skip takes the whole container in one call */
            akt_reader_init(&r, b.data, b.len, NULL);
            ck_assert_int_eq(akt_mp_skip(&r), AKT_OK);
            ck_assert_ptr_eq(r.p, r.end);
            ck_assert_uint_eq(r.depth, 0);
            mpc_end(&p);

            msgpack_unpacked u;
            msgpack_object o = mpc_unpack(&u, b.data, b.len);
            ck_assert_int_eq(
                o.type, is_map ? MSGPACK_OBJECT_MAP : MSGPACK_OBJECT_ARRAY);
            ck_assert_uint_eq(is_map ? o.via.map.size : o.via.array.size, n);
            msgpack_unpacked_destroy(&u);
            akt_buf_free(&b);
        }
    }
}
END_TEST

/* A document with every type, nested, written by msgpack-c. */
static void
pack_everything(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 3);
    msgpack_pack_uint8(pk, 1);
    msgpack_pack_array(pk, 12);
    msgpack_pack_nil(pk);
    msgpack_pack_true(pk);
    msgpack_pack_int64(pk, -1000000);
    msgpack_pack_uint64(pk, UINT64_MAX);
    msgpack_pack_float(pk, 1.25f);
    msgpack_pack_double(pk, -2.5);
    msgpack_pack_str_with_body(pk, "hello", 5);
    msgpack_pack_bin_with_body(pk, "\x00\x01", 2);
    msgpack_pack_ext_with_body(pk, "abcd", 4, 7); /* fixext4 */
    msgpack_pack_ext_with_body(pk, "abc", 3, -2); /* ext8 */
    msgpack_pack_array(pk, 0);
    msgpack_pack_map(pk, 0);
    msgpack_pack_str_with_body(pk, "k", 1);
    msgpack_pack_map(pk, 1);
    msgpack_pack_int8(pk, -3);
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 1);
    msgpack_pack_str_with_body(pk, "deep", 4);
    msgpack_pack_uint8(pk, 2);
    msgpack_pack_uint8(pk, 200);
}

START_TEST(skip_passes_over_nested_values_of_every_type)
{
    packed p;
    mpc_begin(&p);
    pack_everything(&p.pk);
    akt_mp_type after = AKT_MP_NONE;
    msgpack_pack_uint8(&p.pk, 42); /* a value after the skipped one */
    akt_reader r;
    akt_reader_init(&r, p.sb.data, p.sb.size, NULL);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_OK);
    ck_assert_uint_eq(r.depth, 0);
    after = akt_mp_peek(&r);
    ck_assert_int_eq(after, AKT_MP_UINT);
    uint64_t u;
    ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_OK);
    ck_assert_uint_eq(u, 42);
    ck_assert_ptr_eq(r.p, r.end);

    /* peek classifies each element of the array */
    static const akt_mp_type kinds[] = { AKT_MP_NIL, AKT_MP_BOOL, AKT_MP_INT,
        AKT_MP_UINT, AKT_MP_FLOAT, AKT_MP_FLOAT, AKT_MP_STR, AKT_MP_BIN,
        AKT_MP_EXT, AKT_MP_EXT, AKT_MP_ARRAY, AKT_MP_MAP };
    akt_reader_init(&r, p.sb.data, p.sb.size, NULL);
    uint32_t n;
    ck_assert_int_eq(akt_mp_get_map(&r, &n), AKT_OK);
    ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_OK);
    ck_assert_int_eq(akt_mp_get_array(&r, &n), AKT_OK);
    ck_assert_uint_eq(n, 12);
    for (uint32_t i = 0; i < n; i++) {
        ck_assert_int_eq(akt_mp_peek(&r), kinds[i]);
        ck_assert_int_eq(akt_mp_skip(&r), AKT_OK);
    }
    mpc_end(&p);
}
END_TEST

START_TEST(every_truncation_of_a_document_is_eproto)
{
    packed p;
    mpc_begin(&p);
    pack_everything(&p.pk);
    for (size_t cut = 0; cut < p.sb.size; cut++) {
        /* a copy of exactly `cut` bytes, so ASan would see an over-read */
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, p.sb.data, cut);
        akt_reader r;
        akt_reader_init(&r, copy, cut, NULL);
        ck_assert_int_eq(akt_mp_skip(&r), AKT_EPROTO);
        ck_assert_int_eq(r.err, AKT_EPROTO);
        ck_assert_uint_eq(r.depth, 0);
        free(copy);
    }
    mpc_end(&p);
}
END_TEST

START_TEST(every_truncated_primitive_is_eproto)
{
    akt_buf b;
    akt_buf_init(&b);
    akt_arena *a = test_arena();
    for (int kind = 0; kind < 9; kind++) {
        b.len = 0;
        switch (kind) {
        case 0:
            akt_mp_put_uint(&b, UINT64_MAX);
            break;
        case 1:
            akt_mp_put_int(&b, INT64_MIN);
            break;
        case 2:
            akt_mp_put_f64(&b, 1.0);
            break;
        case 3:
            akt_mp_put_f32(&b, 1.0f);
            break;
        case 4:
            akt_mp_put_str(&b, "0123456789012345678901234567890123456789", 40);
            break;
        case 5:
            akt_mp_put_bin(&b, "abc", 3);
            break;
        case 6:
            akt_mp_put_array(&b, 70000);
            break;
        case 7:
            akt_mp_put_map(&b, 300);
            break;
        case 8:
            akt_mp_put_bool(&b, true);
            break;
        }
        size_t full = b.len;
        for (size_t cut = 0; cut < full; cut++) {
            akt_reader r;
            akt_reader_init(&r, b.data, cut, NULL);
            uint64_t u;
            int64_t s;
            double d;
            float f;
            akt_str str;
            akt_bytes bin;
            uint32_t n;
            bool v;
            akt_err rc = AKT_OK;
            switch (kind) {
            case 0:
                rc = akt_mp_get_uint(&r, &u);
                break;
            case 1:
                rc = akt_mp_get_int(&r, &s);
                break;
            case 2:
                rc = akt_mp_get_f64(&r, &d);
                break;
            case 3:
                rc = akt_mp_get_f32(&r, &f);
                break;
            case 4:
                rc = akt_mp_get_str(&r, a, &str);
                break;
            case 5:
                rc = akt_mp_get_bin(&r, a, &bin);
                break;
            case 6:
                rc = akt_mp_get_array(&r, &n);
                break;
            case 7:
                rc = akt_mp_get_map(&r, &n);
                break;
            case 8:
                rc = akt_mp_get_bool(&r, &v);
                break;
            }
            ck_assert_msg(rc == AKT_EPROTO, "kind %d cut %zu: %s", kind, cut,
                akt_err_name(rc));
        }
    }
    akt_buf_free(&b);
}
END_TEST

/* --- errors -----------------------------------------------------------------
 */

START_TEST(wrong_types_are_eproto)
{
    akt_buf b;
    akt_buf_init(&b);
    akt_mp_put_str(&b, "x", 1);
    uint64_t u;
    int64_t s;
    bool v;
    double d;
    uint32_t n;
    akt_reader r = reader(&b);
    ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_EPROTO);
    r = reader(&b);
    ck_assert_int_eq(akt_mp_get_int(&r, &s), AKT_EPROTO);
    r = reader(&b);
    ck_assert_int_eq(akt_mp_get_f64(&r, &d), AKT_EPROTO);
    r = reader(&b);
    ck_assert_int_eq(akt_mp_get_bool(&r, &v), AKT_EPROTO);
    r = reader(&b);
    ck_assert_int_eq(akt_mp_get_nil(&r), AKT_EPROTO);
    r = reader(&b);
    ck_assert_int_eq(akt_mp_get_array(&r, &n), AKT_EPROTO);
    r = reader(&b);
    ck_assert_int_eq(akt_mp_get_map(&r, &n), AKT_EPROTO);
    b.len = 0;
    akt_mp_put_map(&b, 0);
    r = reader(&b);
    ck_assert_int_eq(akt_mp_get_array(&r, &n), AKT_EPROTO);
    b.len = 0;
    akt_mp_put_nil(&b);
    r = reader(&b);
    akt_str str;
    ck_assert_int_eq(akt_mp_get_str(&r, test_arena(), &str), AKT_EPROTO);
    akt_buf_free(&b);
}
END_TEST

START_TEST(never_used_byte_c1_is_eproto)
{
    static const uint8_t c1[] = { 0xc1, 0x00 };
    akt_reader r;
    akt_reader_init(&r, c1, sizeof c1, NULL);
    ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_NONE);
    ck_assert_int_eq(r.err, AKT_EPROTO);
    akt_reader_init(&r, c1, sizeof c1, NULL);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_EPROTO);
    static const uint8_t nested[] = { 0x91, 0xc1 };
    akt_reader_init(&r, nested, sizeof nested, NULL);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_EPROTO);
    ck_assert_uint_eq(r.depth, 0);
}
END_TEST

START_TEST(huge_declared_lengths_are_rejected_before_allocating)
{
    /* 4 GiB str/bin/array/map headers in 10-byte inputs */
    static const uint8_t heads[][10] = {
        { 0xdb, 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd', 'e' },
        { 0xc6, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5 },
        { 0xdd, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0 },
        { 0xdf, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0 },
    };
    akt_arena *a = test_arena();
    for (int big = 0; big < 2; big++) {
        /* default limits: over max_length (ETOOBIG); with max_length
         * raised past 4 GiB: past the input (EPROTO) */
        akt_codec_limits lim = { .max_length = big ? (8ull << 30) : 0 };
        akt_err want = big ? AKT_EPROTO : AKT_ETOOBIG;
        for (int k = 0; k < 4; k++) {
            akt_reader r;
            akt_str s;
            akt_bytes v;
            uint32_t n;
            akt_reader_init(&r, heads[k], 10, &lim);
            arm(0);
            akt_err rc = k == 0 ? akt_mp_get_str(&r, a, &s)
                : k == 1        ? akt_mp_get_bin(&r, a, &v)
                : k == 2        ? akt_mp_get_array(&r, &n)
                                : akt_mp_get_map(&r, &n);
            disarm();
            ck_assert_int_eq(rc, want);
            ck_assert_int_eq(alloc_count, 0);
            akt_reader_init(&r, heads[k], 10, &lim);
            ck_assert_int_eq(akt_mp_skip(&r), want);
        }
    }
    /* counts that fit max_length but not the bytes left */
    static const uint8_t arr[] = { 0xdc, 0x00, 0x05, 1, 2, 3, 4 };
    static const uint8_t map[] = { 0x83, 1, 2, 3, 4, 5 };
    akt_reader r;
    uint32_t n;
    akt_reader_init(&r, arr, sizeof arr, NULL);
    ck_assert_int_eq(akt_mp_get_array(&r, &n), AKT_EPROTO);
    akt_reader_init(&r, map, sizeof map, NULL);
    ck_assert_int_eq(akt_mp_get_map(&r, &n), AKT_EPROTO);
}
END_TEST

START_TEST(alloc_rejects_overflow_and_budget)
{
    static const uint8_t none[1] = { 0 };
    akt_codec_limits lim = { .max_length = 100 };
    akt_reader r;
    akt_reader_init(&r, none, 1, &lim);
    ck_assert_ptr_null(akt_mp_alloc(&r, test_arena(), SIZE_MAX / 2 + 2, 2, 1));
    ck_assert_int_eq(r.err, AKT_ETOOBIG);

    akt_reader_init(&r, none, 1, &lim);
    int32_t *p = akt_mp_alloc(&r, test_arena(), 20, 4, 4);
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq((uintptr_t)p % 4, 0);
    for (int i = 0; i < 20; i++) {
        ck_assert_int_eq(p[i], 0);
    }
    ck_assert_uint_eq(r.budget, 20);
    ck_assert_ptr_nonnull(akt_mp_alloc(&r, test_arena(), 0, 4, 4));
    ck_assert_ptr_null(akt_mp_alloc(&r, test_arena(), 21, 1, 1));
    ck_assert_int_eq(r.err, AKT_ETOOBIG);
    /* latched: nothing more is handed out */
    ck_assert_ptr_null(akt_mp_alloc(&r, test_arena(), 1, 1, 1));

    akt_reader_init(&r, none, 1, &lim);
    ck_assert_ptr_null(akt_mp_alloc(&r, test_arena(), 1, 1, 3));
    ck_assert_int_eq(r.err, AKT_EINVAL);
}
END_TEST

START_TEST(strings_are_charged_to_the_budget)
{
    akt_buf b;
    akt_buf_init(&b);
    char s60[60];
    memset(s60, 'x', sizeof s60);
    akt_mp_put_str(&b, s60, 60);
    akt_mp_put_str(&b, s60, 60);
    akt_codec_limits lim = { .max_length = 100 };
    akt_reader r;
    akt_reader_init(&r, b.data, b.len, &lim);
    akt_str s;
    ck_assert_int_eq(akt_mp_get_str(&r, test_arena(), &s), AKT_OK);
    ck_assert_uint_eq(r.budget, 39);
    ck_assert_int_eq(akt_mp_get_str(&r, test_arena(), &s), AKT_ETOOBIG);
    /* a string longer than max_length is ETOOBIG even with budget left */
    lim.max_length = 59;
    akt_reader_init(&r, b.data, b.len, &lim);
    ck_assert_int_eq(akt_mp_get_str(&r, test_arena(), &s), AKT_ETOOBIG);
    akt_buf_free(&b);
}
END_TEST

static akt_buf
nested_arrays(uint32_t levels)
{
    akt_buf b;
    akt_buf_init(&b);
    for (uint32_t i = 0; i < levels; i++) {
        akt_mp_put_array(&b, 1);
    }
    akt_mp_put_nil(&b);
    return b;
}

START_TEST(depth_limit_applies_to_enter_and_skip)
{
    akt_reader r;
    static const uint8_t nil[] = { 0xc0 };
    akt_reader_init(&r, nil, 1, NULL);
    for (int i = 0; i < 64; i++) {
        ck_assert_int_eq(akt_mp_enter(&r), AKT_OK);
    }
    ck_assert_int_eq(akt_mp_enter(&r), AKT_ETOOBIG);
    ck_assert_int_eq(r.err, AKT_ETOOBIG);

    akt_buf ok = nested_arrays(64), deep = nested_arrays(65);
    akt_reader_init(&r, ok.data, ok.len, NULL);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_OK);
    ck_assert_uint_eq(r.depth, 0);
    akt_reader_init(&r, deep.data, deep.len, NULL);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_ETOOBIG);
    ck_assert_uint_eq(r.depth, 0);
    /* skip counts from the depth already entered */
    akt_reader_init(&r, ok.data, ok.len, NULL);
    akt_mp_enter(&r);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_ETOOBIG);

    akt_codec_limits lim = { .max_depth = 3 };
    akt_buf three = nested_arrays(3), four = nested_arrays(4);
    akt_reader_init(&r, three.data, three.len, &lim);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_OK);
    akt_reader_init(&r, four.data, four.len, &lim);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_ETOOBIG);

    /* absurd limits are clamped: skip's counter stack is bounded */
    lim.max_depth = 1000000;
    akt_buf huge = nested_arrays(100000);
    akt_reader_init(&r, huge.data, huge.len, &lim);
    ck_assert_uint_eq(r.max_depth, 512);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_ETOOBIG);
    akt_buf_free(&ok);
    akt_buf_free(&deep);
    akt_buf_free(&three);
    akt_buf_free(&four);
    akt_buf_free(&huge);
}
END_TEST

START_TEST(first_error_latches)
{
    akt_buf b;
    akt_buf_init(&b);
    akt_mp_put_str(&b, "x", 1);
    akt_mp_put_uint(&b, 5);
    akt_reader r = reader(&b);
    uint64_t u = 77;
    ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_EPROTO);
    ck_assert_uint_eq(u, 77);
    /* later calls fail with the same error without reading */
    ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_EPROTO);
    ck_assert_uint_eq(u, 77);
    ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_NONE);
    ck_assert_int_eq(akt_mp_skip(&r), AKT_EPROTO);
    ck_assert_int_eq(akt_mp_enter(&r), AKT_EPROTO);
    ck_assert_int_eq(akt_mp_fail(&r, AKT_ERANGE), AKT_EPROTO);
    ck_assert_ptr_null(akt_mp_alloc(&r, test_arena(), 1, 1, 1));
    ck_assert_int_eq(r.err, AKT_EPROTO);
    /* akt_mp_fail latches on a clean reader; AKT_OK latches nothing */
    r = reader(&b);
    ck_assert_int_eq(akt_mp_fail(&r, AKT_OK), AKT_OK);
    ck_assert_int_eq(akt_mp_fail(&r, AKT_ERANGE), AKT_ERANGE);
    akt_str s;
    ck_assert_int_eq(akt_mp_get_str(&r, test_arena(), &s), AKT_ERANGE);
    akt_buf_free(&b);
}
END_TEST

START_TEST(writers_reject_oversize_and_null)
{
    akt_buf b;
    akt_buf_init(&b);
    ck_assert_int_eq(akt_mp_put_str(&b, NULL, 1), AKT_EINVAL);
    ck_assert_int_eq(akt_mp_put_bin(&b, NULL, 1), AKT_EINVAL);
    if (sizeof(size_t) > 4) {
        ck_assert_int_eq(
            akt_mp_put_str(&b, "", (size_t)UINT32_MAX + 1), AKT_ETOOBIG);
        ck_assert_int_eq(
            akt_mp_put_bin(&b, "", (size_t)UINT32_MAX + 1), AKT_ETOOBIG);
    }
    ck_assert_uint_eq(b.len, 0);
    if (ALLOC_HOOKS) { /* ASan aborts on absurd sizes instead */
        ck_assert_int_eq(akt_buf_reserve(&b, SIZE_MAX), AKT_ENOMEM);
    }
    ck_assert_int_eq(akt_buf_reserve(NULL, 1), AKT_EINVAL);
    akt_buf_free(&b);
    akt_buf_free(NULL);
}
END_TEST

START_TEST(reader_over_null_input)
{
    akt_reader r;
    akt_reader_init(&r, NULL, 0, NULL);
    ck_assert_int_eq(akt_mp_peek(&r), AKT_MP_NONE);
    uint64_t u;
    ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_EPROTO);
    akt_reader_init(&r, NULL, 5, NULL);
    ck_assert_int_eq(r.err, AKT_EINVAL);
    ck_assert_int_eq(akt_mp_get_uint(&r, &u), AKT_EINVAL);
}
END_TEST

/* --- whole messages ---------------------------------------------------------
 */

static void *
make_sample(void)
{
    test_Sample *m = akt_msg_new(&test_sample_desc, 256);
    akt_arena *a = akt_msg_arena(m);
    m->id = 4000000000u;
    akt_arena_str(a, "grüße", strlen("grüße"), &m->name);
    akt_arena_bytes(a, "\x00\xff\x10", 3, &m->blob);
    m->vals.items = akt_arena_alloc(a, 4 * sizeof(int32_t), 4);
    m->vals.items[0] = 1;
    m->vals.items[1] = -1;
    m->vals.items[2] = INT32_MAX;
    m->vals.items[3] = INT32_MIN;
    m->vals.len = 4;
    m->has_score = true;
    m->score = 0.5;
    m->child = akt_arena_alloc(a, sizeof(test_Inner), 8);
    memset(m->child, 0, sizeof *m->child);
    akt_arena_str(a, "inner", 5, &m->child->label);
    m->child->n = -42;
    m->flag = true;
    m->big = INT64_MIN;
    m->color = 2;
    m->kids.items = akt_arena_alloc(a, 2 * sizeof(test_Inner), 8);
    memset(m->kids.items, 0, 2 * sizeof(test_Inner));
    akt_arena_str(a, "k0", 2, &m->kids.items[0].label);
    m->kids.items[1].n = 9;
    m->kids.len = 2;
    return m;
}

static bool
str_eq(akt_str a, akt_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool
inner_eq(const test_Inner *a, const test_Inner *b)
{
    return str_eq(a->label, b->label) && a->n == b->n;
}

static void
assert_sample_eq(const test_Sample *a, const test_Sample *b)
{
    ck_assert_uint_eq(a->id, b->id);
    ck_assert(str_eq(a->name, b->name));
    ck_assert_uint_eq(a->blob.len, b->blob.len);
    ck_assert(
        a->blob.len == 0 || memcmp(a->blob.ptr, b->blob.ptr, a->blob.len) == 0);
    ck_assert_uint_eq(a->vals.len, b->vals.len);
    for (size_t i = 0; i < a->vals.len; i++) {
        ck_assert_int_eq(a->vals.items[i], b->vals.items[i]);
    }
    ck_assert_int_eq(a->has_score, b->has_score);
    ck_assert(a->score == b->score);
    ck_assert_int_eq(a->child == NULL, b->child == NULL);
    ck_assert(a->child == NULL || inner_eq(a->child, b->child));
    ck_assert_int_eq(a->flag, b->flag);
    ck_assert_int_eq(a->big, b->big);
    ck_assert_int_eq(a->color, b->color);
    ck_assert_uint_eq(a->kids.len, b->kids.len);
    for (size_t i = 0; i < a->kids.len; i++) {
        ck_assert(inner_eq(&a->kids.items[i], &b->kids.items[i]));
    }
}

START_TEST(message_round_trips_through_encode_and_decode)
{
    test_Sample *m = make_sample();
    akt_buf b;
    akt_buf_init(&b);
    ck_assert_int_eq(akt_msg_encode(m, &b), AKT_OK);
    test_Sample *d = NULL;
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, (void **)&d),
        AKT_OK);
    ck_assert_ptr_eq(akt_msg_type(d), &test_sample_desc);
    assert_sample_eq(m, d);

    /* the wire form is a map keyed by field number; msgpack-c agrees */
    msgpack_unpacked u;
    msgpack_object o = mpc_unpack(&u, b.data, b.len);
    ck_assert_int_eq(o.type, MSGPACK_OBJECT_MAP);
    ck_assert_uint_eq(o.via.map.size, 10);
    for (uint32_t i = 0; i < 10; i++) {
        ck_assert_int_eq(
            o.via.map.ptr[i].key.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
        ck_assert_uint_eq(o.via.map.ptr[i].key.via.u64, i + 1);
    }
    ck_assert_int_eq(o.via.map.ptr[1].val.type, MSGPACK_OBJECT_STR);
    ck_assert_int_eq(o.via.map.ptr[2].val.type, MSGPACK_OBJECT_BIN);
    ck_assert_int_eq(o.via.map.ptr[5].val.type, MSGPACK_OBJECT_MAP);
    msgpack_unpacked_destroy(&u);

    /* decode is one allocation: the inline arena sized from the input
     * holds every string, list and nested message */
    ck_assert_ptr_null(akt_msg_arena(d)->blocks);
    akt_msg_free(d);

    /* encode appends: two messages back to back */
    size_t one = b.len;
    ck_assert_int_eq(akt_msg_encode(m, &b), AKT_OK);
    ck_assert_uint_eq(b.len, 2 * one);
    ck_assert_int_eq(memcmp(b.data, b.data + one, one), 0);
    akt_buf_free(&b);
    akt_msg_free(m);
}
END_TEST

START_TEST(decoded_message_written_by_msgpack_c)
{
    /* a peer that is not akt (msgpack-c directly) writes the same map */
    packed p;
    mpc_begin(&p);
    msgpack_pack_map(&p.pk, 4);
    msgpack_pack_uint8(&p.pk, 2);
    msgpack_pack_str_with_body(&p.pk, "from-c", 6);
    msgpack_pack_uint8(&p.pk, 4);
    msgpack_pack_array(&p.pk, 2);
    msgpack_pack_fix_int64(&p.pk, 3); /* non-minimal width is fine */
    msgpack_pack_int16(&p.pk, -4);
    msgpack_pack_uint8(&p.pk, 5);
    msgpack_pack_float(&p.pk, 0.25f); /* f32 into a float64 field */
    msgpack_pack_uint8(&p.pk, 6);
    msgpack_pack_map(&p.pk, 1);
    msgpack_pack_uint8(&p.pk, 2);
    msgpack_pack_int32(&p.pk, 12);
    test_Sample *d;
    ck_assert_int_eq(akt_msg_decode(&test_sample_desc, p.sb.data, p.sb.size,
                         NULL, (void **)&d),
        AKT_OK);
    ck_assert_uint_eq(d->id, 7); /* missing: default */
    ck_assert_str_eq(d->name.ptr, "from-c");
    ck_assert_uint_eq(d->vals.len, 2);
    ck_assert_int_eq(d->vals.items[0], 3);
    ck_assert_int_eq(d->vals.items[1], -4);
    ck_assert(d->has_score && d->score == 0.25);
    ck_assert_int_eq(d->child->n, 12);
    ck_assert_uint_eq(d->child->label.len, 0);
    akt_msg_free(d);
    mpc_end(&p);
}
END_TEST

START_TEST(unknown_fields_are_skipped_and_missing_ones_defaulted)
{
    /* a newer writer: fields 1 and 2 plus unknown 11 (nested) and 99 */
    akt_buf b;
    akt_buf_init(&b);
    akt_mp_put_map(&b, 4);
    akt_mp_put_uint(&b, 99);
    akt_mp_put_array(&b, 2);
    akt_mp_put_map(&b, 1);
    akt_mp_put_str(&b, "x", 1);
    akt_mp_put_bin(&b, "y", 1);
    akt_mp_put_f64(&b, 1.0);
    akt_mp_put_uint(&b, 1);
    akt_mp_put_uint(&b, 5);
    akt_mp_put_uint(&b, 11);
    akt_mp_put_str(&b, "new", 3);
    akt_mp_put_uint(&b, 7);
    akt_mp_put_bool(&b, true);
    test_Sample *d;
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, (void **)&d),
        AKT_OK);
    ck_assert_uint_eq(d->id, 5);
    ck_assert(d->flag);
    ck_assert_str_eq(d->name.ptr, "anon"); /* default from init */
    ck_assert(!d->has_score);
    ck_assert_ptr_null(d->child);
    akt_msg_free(d);

    /* an empty map is every field at its default */
    b.len = 0;
    akt_mp_put_map(&b, 0);
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, (void **)&d),
        AKT_OK);
    ck_assert_uint_eq(d->id, 7);
    akt_msg_free(d);
    akt_buf_free(&b);
}
END_TEST

START_TEST(zero_values_that_differ_from_defaults_survive_a_round_trip)
{
    /* found by fuzz_reader: an encoder that leaves out zero instead of the
     * default turns id 0 into 7 on the way back */
    test_Sample *m = akt_msg_new(&test_sample_desc, 64);
    m->id = 0;
    m->name = (akt_str) { NULL, 0 };
    akt_buf b;
    akt_buf_init(&b);
    ck_assert_int_eq(akt_msg_encode(m, &b), AKT_OK);
    test_Sample *d;
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, (void **)&d),
        AKT_OK);
    ck_assert_uint_eq(d->id, 0);
    ck_assert_uint_eq(d->name.len, 0);
    ck_assert_str_eq(d->name.ptr, "");
    akt_msg_free(d);
    akt_msg_free(m);
    akt_buf_free(&b);
}
END_TEST

START_TEST(bad_messages_are_rejected_and_nothing_leaks)
{
    akt_buf b;
    akt_buf_init(&b);
    void *d = (void *)1;
    struct {
        const char *what;
        akt_err want;
    } cases[] = {
        { "field of the wrong type", AKT_EPROTO },
        { "int32 out of range", AKT_ERANGE },
        { "uint32 out of range", AKT_ERANGE },
        { "trailing bytes", AKT_EPROTO },
        { "not a map", AKT_EPROTO },
        { "empty input", AKT_EPROTO },
        { "key not an integer", AKT_EPROTO },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        b.len = 0;
        switch (i) {
        case 0:
            akt_mp_put_map(&b, 1);
            akt_mp_put_uint(&b, 2);
            akt_mp_put_uint(&b, 3);
            break;
        case 1:
            akt_mp_put_map(&b, 1);
            akt_mp_put_uint(&b, 9);
            akt_mp_put_int(&b, (int64_t)INT32_MAX + 1);
            break;
        case 2:
            akt_mp_put_map(&b, 1);
            akt_mp_put_uint(&b, 1);
            akt_mp_put_uint(&b, (uint64_t)UINT32_MAX + 1);
            break;
        case 3:
            akt_mp_put_map(&b, 0);
            akt_mp_put_nil(&b);
            break;
        case 4:
            akt_mp_put_array(&b, 0);
            break;
        case 5:
            break;
        case 6:
            akt_mp_put_map(&b, 1);
            akt_mp_put_str(&b, "id", 2);
            akt_mp_put_uint(&b, 1);
            break;
        }
        /* once unarmed, so a message pool in the core is warm and the
         * armed run sees only what this decode allocates and frees */
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, &d);
        arm(0);
        akt_err rc = akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, &d);
        disarm();
        ck_assert_msg(
            rc == cases[i].want, "%s: %s", cases[i].what, akt_err_name(rc));
        ck_assert_ptr_null(d);
        ck_assert_int_eq(alloc_live, 0);
    }
    /* every truncation of a good message fails cleanly */
    test_Sample *m = make_sample();
    b.len = 0;
    ck_assert_int_eq(akt_msg_encode(m, &b), AKT_OK);
    for (size_t cut = 0; cut < b.len; cut++) {
        uint8_t *copy = malloc(cut + 1);
        memcpy(copy, b.data, cut);
        akt_msg_decode(&test_sample_desc, copy, cut, NULL, &d);
        arm(0);
        akt_err rc = akt_msg_decode(&test_sample_desc, copy, cut, NULL, &d);
        disarm();
        ck_assert_int_eq(rc, AKT_EPROTO);
        ck_assert_int_eq(alloc_live, 0);
        free(copy);
    }
    /* misuse */
    ck_assert_int_eq(akt_msg_decode(NULL, b.data, b.len, NULL, &d), AKT_EINVAL);
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, NULL, 3, NULL, &d), AKT_EINVAL);
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, NULL),
        AKT_EINVAL);
    ck_assert_int_eq(
        akt_msg_decode(&blob_desc, b.data, b.len, NULL, &d), AKT_EINVAL);
    ck_assert_int_eq(akt_msg_encode(NULL, &b), AKT_EINVAL);
    ck_assert_int_eq(akt_msg_encode(m, NULL), AKT_EINVAL);
    akt_msg_free(m);
    akt_buf_free(&b);
}
END_TEST

START_TEST(message_limits_apply_to_nesting_and_size)
{
    test_Sample *m = make_sample();
    akt_buf b;
    akt_buf_init(&b);
    ck_assert_int_eq(akt_msg_encode(m, &b), AKT_OK);
    void *d;
    /* Sample(1) > kids list(2) > Inner(3) */
    akt_codec_limits lim = { .max_depth = 2 };
    ck_assert_int_eq(akt_msg_decode(&test_sample_desc, b.data, b.len, &lim, &d),
        AKT_ETOOBIG);
    lim.max_depth = 3;
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, &lim, &d), AKT_OK);
    akt_msg_free(d);
    /* the arena budget covers the whole message */
    lim = (akt_codec_limits) { .max_length = 20 };
    ck_assert_int_eq(akt_msg_decode(&test_sample_desc, b.data, b.len, &lim, &d),
        AKT_ETOOBIG);
    akt_msg_free(m);
    akt_buf_free(&b);
}
END_TEST

/* --- UTF-8 ----------------------------------------------------------------
 * msgpack str is UTF-8: every str the reader hands out is checked, the
 * writer refuses what would not pass, bin is never checked. */

/* Well-formed strings, including the first and last code point of every
 * encoded length and around the surrogate gap, and sequences that straddle
 * the 8-byte steps of the ASCII fast path. */
typedef struct utf8_case {
    const char *name;
    const char *s;
    size_t len;
} utf8_case;

static const utf8_case utf8_ok[] = {
    { "ascii", "hello, world", 12 },
    { "embedded NUL", "a\0b", 3 },
    { "2-byte U+0080", "\xc2\x80", 2 },
    { "2-byte U+07FF", "\xdf\xbf", 2 },
    { "3-byte U+0800", "\xe0\xa0\x80", 3 },
    { "3-byte U+D7FF below the surrogates", "\xed\x9f\xbf", 3 },
    { "3-byte U+E000 above the surrogates", "\xee\x80\x80", 3 },
    { "3-byte U+FFFF", "\xef\xbf\xbf", 3 },
    { "4-byte U+10000", "\xf0\x90\x80\x80", 4 },
    { "4-byte U+10FFFF", "\xf4\x8f\xbf\xbf", 4 },
    { "mixed text",
        "gr\xc3\xbc\xc3\x9f"
        "e \xe2\x82\xac \xf0\x9d\x84\x9e",
        16 },
    { "sequence across an 8-byte step",
        "1234567\xe2\x82\xac"
        "89",
        12 },
    { "4-byte at the end of 2 words", "123456789abcdef\xf0\x9f\x98\x80", 19 },
    { "2-byte then exactly one word of ASCII",
        "\xc3\xa9"
        "abcdefgh",
        10 },
    { "3-byte then exactly two words of ASCII",
        "\xe2\x82\xac"
        "abcdefgh12345678",
        19 },
};

/* Ill-formed strings, one per class. Each is also tried behind 0, 7, 8 and
 * 9 ASCII bytes and before ASCII (utf8_variant), so the fast path hands
 * every class to the slow path at every offset in a word. */
static const utf8_case utf8_bad[] = {
    { "lone continuation byte", "\x80", 1 },
    { "continuation byte BF", "\xbf", 1 },
    { "overlong 2-byte NUL (C0 80)", "\xc0\x80", 2 },
    { "overlong 2-byte (C1 BF)", "\xc1\xbf", 2 },
    { "overlong 3-byte (E0 80 80)", "\xe0\x80\x80", 3 },
    { "overlong 3-byte U+07FF (E0 9F BF)", "\xe0\x9f\xbf", 3 },
    { "overlong 4-byte (F0 80 80 80)", "\xf0\x80\x80\x80", 4 },
    { "overlong 4-byte U+FFFF (F0 8F BF BF)", "\xf0\x8f\xbf\xbf", 4 },
    { "high surrogate U+D800", "\xed\xa0\x80", 3 },
    { "low surrogate U+DFFF", "\xed\xbf\xbf", 3 },
    { "surrogate pair as CESU-8", "\xed\xa0\xbd\xed\xb8\x80", 6 },
    { "U+110000 above the last code point", "\xf4\x90\x80\x80", 4 },
    { "lead byte F5", "\xf5\x80\x80\x80", 4 },
    { "lead byte F8 (5-byte form)", "\xf8\x88\x80\x80\x80", 5 },
    { "lead byte FF", "\xff", 1 },
    { "truncated 2-byte at the end", "\xc3", 1 },
    { "truncated 3-byte at the end", "\xe2\x82", 2 },
    { "truncated 4-byte at the end", "\xf0\x9f\x98", 3 },
    { "2-byte lead then ASCII",
        "\xc3"
        "A",
        2 },
    { "3-byte with a bad second byte", "\xe2\x28\xa1", 3 },
    { "3-byte with a bad third byte", "\xe2\x82\x28", 3 },
    { "4-byte with a bad fourth byte",
        "\xf0\x9f\x98"
        "A",
        4 },
};

/* utf8_variant -- case s at offset pre (0..9 ASCII bytes before it), with
 * post ASCII bytes after, into out; returns the length. */
static size_t
utf8_variant(char *out, const char *s, size_t len, size_t pre, size_t post)
{
    memcpy(out, "abcdefghi", pre);
    memcpy(out + pre, s, len);
    memcpy(out + pre + len, "xyz", post);
    return pre + len + post;
}

/* put_raw_str -- a str header and body as a peer that does not check
 * (msgpack-c) writes it. */
static void
put_raw_str(akt_buf *b, const char *s, size_t len)
{
    packed p;
    mpc_begin(&p);
    msgpack_pack_str_with_body(&p.pk, s, len);
    ck_assert_int_eq(akt_buf_reserve(b, p.sb.size), AKT_OK);
    memcpy(b->data + b->len, p.sb.data, p.sb.size);
    b->len += p.sb.size;
    mpc_end(&p);
}

START_TEST(valid_multibyte_utf8_round_trips)
{
    for (size_t i = 0; i < sizeof utf8_ok / sizeof utf8_ok[0]; i++) {
        const char *s = utf8_ok[i].s;
        size_t n = utf8_ok[i].len;
        akt_buf b;
        akt_buf_init(&b);
        ck_assert_msg(
            akt_mp_put_str(&b, s, n) == AKT_OK, "put: %s", utf8_ok[i].name);
        /* from a buffer of exactly the encoded size, so that ASan sees
         * any read past the string (an akt_buf has slack) */
        uint8_t *exact = malloc(b.len);
        memcpy(exact, b.data, b.len);
        akt_reader r;
        akt_reader_init(&r, exact, b.len, NULL);
        akt_str v;
        ck_assert_msg(akt_mp_get_str(&r, test_arena(), &v) == AKT_OK, "get: %s",
            utf8_ok[i].name);
        ck_assert_uint_eq(v.len, n);
        ck_assert_int_eq(memcmp(v.ptr, s, n), 0);
        ck_assert_ptr_eq(r.p, r.end);
        free(exact);
        akt_buf_free(&b);
    }
    /* and through a whole message, in a nested one too */
    test_Sample *m = make_sample();
    akt_arena *a = akt_msg_arena(m);
    akt_arena_str(a, utf8_ok[10].s, utf8_ok[10].len, &m->name);
    akt_arena_str(a, utf8_ok[9].s, utf8_ok[9].len, &m->kids.items[1].label);
    akt_buf b;
    akt_buf_init(&b);
    ck_assert_int_eq(akt_msg_encode(m, &b), AKT_OK);
    test_Sample *d;
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, (void **)&d),
        AKT_OK);
    assert_sample_eq(m, d);
    akt_msg_free(d);
    akt_msg_free(m);
    akt_buf_free(&b);
}
END_TEST

START_TEST(each_class_of_invalid_utf8_is_rejected)
{
    static const size_t pre[] = { 0, 7, 8, 9 };
    char buf[32];
    for (size_t i = 0; i < sizeof utf8_bad / sizeof utf8_bad[0]; i++) {
        const char *name = utf8_bad[i].name;
        for (size_t j = 0; j < 8; j++) {
            size_t n = utf8_variant(
                buf, utf8_bad[i].s, utf8_bad[i].len, pre[j % 4], j / 4 * 3);
            akt_buf b;
            akt_buf_init(&b);
            put_raw_str(&b, buf, n);

            /* the reader: malformed input, latched, nothing allocated */
            akt_reader r = reader(&b);
            uint64_t budget = r.budget;
            akt_str v = { NULL, 0 };
            ck_assert_msg(akt_mp_get_str(&r, test_arena(), &v) == AKT_EPROTO,
                "get_str accepted %s (+%zu)", name, pre[j % 4]);
            ck_assert_int_eq(r.err, AKT_EPROTO);
            ck_assert_ptr_eq(r.p, r.end);
            ck_assert_uint_eq(r.budget, budget);
            ck_assert_ptr_null(v.ptr);

            /* a ref path is a str too */
            r = reader(&b);
            akt_ref ref;
            ck_assert_msg(akt_mp_get_ref(&r, &ref) == AKT_EPROTO,
                "get_ref accepted %s", name);

            /* the writer refuses it and writes nothing */
            size_t len = b.len;
            ck_assert_msg(akt_mp_put_str(&b, buf, n) == AKT_EINVAL,
                "put_str accepted %s", name);
            ck_assert_uint_eq(b.len, len);
            akt_buf_free(&b);
        }

        /* whole messages: a top-level and a nested string field */
        for (int nested = 0; nested < 2; nested++) {
            akt_buf b;
            akt_buf_init(&b);
            akt_mp_put_map(&b, 1);
            if (nested) {
                akt_mp_put_uint(&b, 6); /* child: Inner {label = 1} */
                akt_mp_put_map(&b, 1);
                akt_mp_put_uint(&b, 1);
            } else {
                akt_mp_put_uint(&b, 2); /* name */
            }
            put_raw_str(&b, utf8_bad[i].s, utf8_bad[i].len);
            void *d = (void *)1;
            ck_assert_msg(
                akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, &d)
                    == AKT_EPROTO,
                "decode accepted %s (nested %d)", name, nested);
            ck_assert_ptr_null(d);
            akt_buf_free(&b);
        }

        /* and a C caller's message with such a string does not encode */
        test_Sample *m = make_sample();
        akt_arena_str(akt_msg_arena(m), utf8_bad[i].s, utf8_bad[i].len,
            &m->kids.items[0].label);
        akt_buf b;
        akt_buf_init(&b);
        akt_mp_put_nil(&b);
        ck_assert_msg(
            akt_msg_encode(m, &b) == AKT_EINVAL, "encode accepted %s", name);
        ck_assert_uint_eq(b.len, 1); /* rolled back */
        akt_msg_free(m);
        akt_buf_free(&b);
    }
}
END_TEST

START_TEST(bytes_with_invalid_utf8_are_accepted)
{
    /* every ill-formed sequence at once, as bin and as a bytes field */
    akt_buf raw;
    akt_buf_init(&raw);
    for (size_t i = 0; i < sizeof utf8_bad / sizeof utf8_bad[0]; i++) {
        ck_assert_int_eq(akt_buf_reserve(&raw, utf8_bad[i].len), AKT_OK);
        memcpy(raw.data + raw.len, utf8_bad[i].s, utf8_bad[i].len);
        raw.len += utf8_bad[i].len;
    }
    akt_buf b;
    akt_buf_init(&b);
    ck_assert_int_eq(akt_mp_put_bin(&b, raw.data, raw.len), AKT_OK);
    akt_reader r = reader(&b);
    akt_bytes v;
    ck_assert_int_eq(akt_mp_get_bin(&r, test_arena(), &v), AKT_OK);
    ck_assert_uint_eq(v.len, raw.len);
    ck_assert_int_eq(memcmp(v.ptr, raw.data, raw.len), 0);

    test_Sample *m = make_sample();
    akt_arena_bytes(akt_msg_arena(m), raw.data, raw.len, &m->blob);
    b.len = 0;
    ck_assert_int_eq(akt_msg_encode(m, &b), AKT_OK);
    test_Sample *d;
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, (void **)&d),
        AKT_OK);
    assert_sample_eq(m, d);
    akt_msg_free(d);
    akt_msg_free(m);
    akt_buf_free(&b);
    akt_buf_free(&raw);
}
END_TEST

START_TEST(skipped_unknown_strings_are_not_validated)
{
    /* an unknown field is not decoded, so it is not judged: a reader that
     * skips it cannot be made to fail by a value it never looks at */
    akt_buf b;
    akt_buf_init(&b);
    akt_mp_put_map(&b, 2);
    akt_mp_put_uint(&b, 99);
    put_raw_str(&b, "\xed\xa0\x80", 3);
    akt_mp_put_uint(&b, 1);
    akt_mp_put_uint(&b, 5);
    test_Sample *d;
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, (void **)&d),
        AKT_OK);
    ck_assert_uint_eq(d->id, 5);
    akt_msg_free(d);
    akt_buf_free(&b);
}
END_TEST

START_TEST(allocation_failure_at_every_point_is_enomem)
{
    if (!ALLOC_HOOKS) {
        return; /* malloc belongs to the sanitizer */
    }
    test_Sample *m = make_sample();
    akt_buf ref;
    akt_buf_init(&ref);
    ck_assert_int_eq(akt_msg_encode(m, &ref), AKT_OK);

    /* encode into an empty buffer that must grow: fail each allocation */
    for (long n = 1;; n++) {
        akt_buf b;
        akt_buf_init(&b);
        arm(n);
        akt_err rc = akt_msg_encode(m, &b);
        long attempted = alloc_count;
        disarm();
        if (attempted < n) {
            ck_assert_int_eq(rc, AKT_OK);
            ck_assert_uint_eq(b.len, ref.len);
            akt_buf_free(&b);
            break;
        }
        ck_assert_int_eq(rc, AKT_ENOMEM);
        ck_assert_uint_eq(b.len, 0); /* rolled back */
        akt_buf_free(&b);
    }
    /* decode: with a small input, force arena growth too (list of 64
     * fixints = 256 arena bytes from 66 input bytes) */
    akt_buf big;
    akt_buf_init(&big);
    akt_mp_put_map(&big, 2);
    akt_mp_put_uint(&big, 4);
    akt_mp_put_array(&big, 64);
    for (int i = 0; i < 64; i++) {
        akt_mp_put_int(&big, i);
    }
    akt_mp_put_uint(&big, 2);
    akt_mp_put_str(&big, "name", 4);
    const akt_buf *inputs[] = { &ref, &big };
    for (int k = 0; k < 2; k++) {
        for (long n = 1;; n++) {
            void *d = (void *)1;
            if (akt_msg_decode(&test_sample_desc, inputs[k]->data,
                    inputs[k]->len, NULL, &d)
                == AKT_OK) {
                akt_msg_free(d); /* warm any message pool */
            }
            d = (void *)1;
            arm(n);
            akt_err rc = akt_msg_decode(
                &test_sample_desc, inputs[k]->data, inputs[k]->len, NULL, &d);
            long attempted = alloc_count;
            if (rc == AKT_OK) {
                akt_msg_free(d);
            }
            long live = alloc_live;
            disarm();
            ck_assert_int_eq(live, 0);
            if (attempted < n) {
                ck_assert_int_eq(rc, AKT_OK);
                break;
            }
            ck_assert_int_eq(rc, AKT_ENOMEM);
            ck_assert_ptr_null(d);
        }
    }
    akt_buf_free(&big);
    akt_buf_free(&ref);
    akt_msg_free(m);
}
END_TEST

#ifdef AKT_CODEC_TEST_REFS
START_TEST(refs_travel_as_paths_and_none_as_nil)
{
    akt_buf b;
    akt_buf_init(&b);
    ck_assert_int_eq(akt_mp_put_ref(&b, AKT_REF_NONE), AKT_OK);
    ck_assert_uint_eq(b.len, 1);
    ck_assert_uint_eq(b.data[0], 0xc0);
    akt_mp_put_str(&b, "akt://sys/user/a", 16);
    akt_mp_put_str(&b, "", 0);
    akt_reader r = reader(&b);
    akt_ref ref = { (void *)1, 1 };
    ck_assert_int_eq(akt_mp_get_ref(&r, &ref), AKT_OK);
    ck_assert(akt_ref_is_none(ref));
    ref = (akt_ref) { (void *)1, 1 };
    ck_assert_int_eq(akt_mp_get_ref(&r, &ref), AKT_OK); /* no system: none */
    ck_assert(akt_ref_is_none(ref));
    ck_assert_int_eq(akt_mp_get_ref(&r, &ref), AKT_EPROTO); /* not a path */
    b.len = 0;
    akt_mp_put_uint(&b, 3);
    r = reader(&b);
    ck_assert_int_eq(akt_mp_get_ref(&r, &ref), AKT_EPROTO);
    akt_buf_free(&b);
}
END_TEST

static akt_err
ignore_all(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)ctx;
    (void)msg;
    return AKT_OK;
}

START_TEST(refs_resolve_in_the_receiving_system)
{
    static const akt_behavior beh = { .name = "idle", .unhandled = ignore_all };
    akt_props props = { .behavior = &beh };
    akt_system *sys;
    ck_assert_int_eq(akt_system_create("codec", NULL, &sys), AKT_OK);
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &props, "a", &a), AKT_OK);
    akt_buf b;
    akt_buf_init(&b);
    ck_assert_int_eq(akt_mp_put_ref(&b, a), AKT_OK);
    akt_reader r = reader(&b);
    akt_str path;
    ck_assert_int_eq(akt_mp_get_str(&r, test_arena(), &path), AKT_OK);
    ck_assert_str_eq(path.ptr, "akt://codec/user/a");
    r = reader(&b);
    r.system = sys;
    akt_ref back;
    ck_assert_int_eq(akt_mp_get_ref(&r, &back), AKT_OK);
    ck_assert(akt_ref_equal(back, a));

    /* once the actor is gone: its path resolves to none, and a stale ref
     * encodes as nil */
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(a, &f), AKT_OK);
    ck_assert_int_eq(akt_stop(a), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(5), NULL), AKT_OK);
    akt_future_release(f);
    r = reader(&b);
    r.system = sys;
    ck_assert_int_eq(akt_mp_get_ref(&r, &back), AKT_OK);
    ck_assert(akt_ref_is_none(back));
    b.len = 0;
    ck_assert_int_eq(akt_mp_put_ref(&b, a), AKT_OK);
    ck_assert_uint_eq(b.len, 1);
    ck_assert_uint_eq(b.data[0], 0xc0);
    akt_buf_free(&b);
    akt_system_free(sys);
}
END_TEST

/* sys_with -- a system on the reference config with one akt.codec key set
 * (NULL: none); *rc gets akt_system_create's answer. */
static akt_system *
sys_with(const char *path, const char *value, akt_err *rc)
{
    akt_config *cfg = NULL;
    ck_assert_int_eq(akt_config_reference(&cfg, NULL), AKT_OK);
    if (path) {
        akt_config *o = NULL;
        ck_assert_int_eq(
            akt_config_override(cfg, path, value, &o, NULL), AKT_OK);
        akt_config_release(cfg);
        cfg = o;
    }
    akt_system *sys = NULL;
    *rc = akt_system_create("codec", cfg, &sys);
    akt_config_release(cfg);
    return sys;
}

START_TEST(system_codec_limits_apply_unless_the_call_gives_its_own)
{
    test_Sample *m = make_sample(); /* Sample(1) > kids(2) > Inner(3) */
    akt_buf b;
    akt_buf_init(&b);
    ck_assert_int_eq(akt_msg_encode(m, &b), AKT_OK);
    void *d;
    akt_err rc;

    akt_system *sys = sys_with("akt.codec.max-depth", "2", &rc);
    ck_assert_int_eq(rc, AKT_OK);
    ck_assert_int_eq(
        akt_msg_decode_in(sys, &test_sample_desc, b.data, b.len, NULL, &d),
        AKT_ETOOBIG);
    /* zero fields are "not given": the system's depth still applies */
    akt_codec_limits lim = { .max_length = 1 << 20 };
    ck_assert_int_eq(
        akt_msg_decode_in(sys, &test_sample_desc, b.data, b.len, &lim, &d),
        AKT_ETOOBIG);
    /* a per-call depth wins, looser or not */
    lim = (akt_codec_limits) { .max_depth = 3 };
    ck_assert_int_eq(
        akt_msg_decode_in(sys, &test_sample_desc, b.data, b.len, &lim, &d),
        AKT_OK);
    assert_sample_eq(m, d);
    akt_msg_free(d);
    /* without a system: the built-in defaults */
    ck_assert_int_eq(
        akt_msg_decode(&test_sample_desc, b.data, b.len, NULL, &d), AKT_OK);
    akt_msg_free(d);
    akt_system_free(sys);

    /* max-length: the arena budget of one message */
    sys = sys_with("akt.codec.max-length", "20", &rc);
    ck_assert_int_eq(rc, AKT_OK);
    ck_assert_int_eq(
        akt_msg_decode_in(sys, &test_sample_desc, b.data, b.len, NULL, &d),
        AKT_ETOOBIG);
    lim = (akt_codec_limits) { .max_length = 1 << 20 };
    ck_assert_int_eq(
        akt_msg_decode_in(sys, &test_sample_desc, b.data, b.len, &lim, &d),
        AKT_OK);
    akt_msg_free(d);
    akt_system_free(sys);

    /* the reference values: what the defaults are */
    sys = sys_with(NULL, NULL, &rc);
    ck_assert_int_eq(rc, AKT_OK);
    ck_assert_int_eq(
        akt_msg_decode_in(sys, &test_sample_desc, b.data, b.len, NULL, &d),
        AKT_OK);
    akt_msg_free(d);
    lim = (akt_codec_limits) { .max_depth = 2 };
    ck_assert_int_eq(
        akt_msg_decode_in(sys, &test_sample_desc, b.data, b.len, &lim, &d),
        AKT_ETOOBIG);
    akt_system_free(sys);
    akt_msg_free(m);
    akt_buf_free(&b);
}
END_TEST

START_TEST(codec_limits_out_of_range_fail_system_create)
{
    static const struct {
        const char *path, *value;
        akt_err want;
    } cases[] = {
        { "akt.codec.max-depth", "0", AKT_ERANGE },
        { "akt.codec.max-depth", "-1", AKT_ERANGE },
        { "akt.codec.max-depth", "513", AKT_ERANGE },
        { "akt.codec.max-depth", "512", AKT_OK },
        { "akt.codec.max-depth", "1", AKT_OK },
        { "akt.codec.max-length", "0", AKT_ERANGE },
        { "akt.codec.max-length", "1KiB", AKT_OK },
        { "akt.codec.max-depth", "\"deep\"", AKT_ETYPE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        akt_err rc;
        akt_system *sys = sys_with(cases[i].path, cases[i].value, &rc);
        ck_assert_msg(rc == cases[i].want, "%s = %s: %s", cases[i].path,
            cases[i].value, akt_err_name(rc));
        if (sys) {
            akt_system_free(sys);
        }
    }
}
END_TEST
#endif

static Suite *
codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *t = tcase_create("primitives");
    tcase_add_test(t, uint_uses_smallest_form_like_msgpack_c);
    tcase_add_test(t, int_uses_smallest_form_like_msgpack_c);
    tcase_add_test(t, int_readers_accept_every_width_msgpack_c_writes);
    tcase_add_test(t, floats_match_msgpack_c_and_widen);
    tcase_add_test(t, float_readers_take_integers_and_reject_overflow);
    tcase_add_test(t, nil_and_bool_match_msgpack_c);
    tcase_add_test(t, str_every_header_form_round_trips_with_msgpack_c);
    tcase_add_test(t, bin_every_header_form_round_trips_with_msgpack_c);
    tcase_add_test(t, str_and_bin_are_not_interchangeable);
    tcase_add_test(
        t, array_and_map_every_header_form_round_trip_with_msgpack_c);
    tcase_add_test(t, skip_passes_over_nested_values_of_every_type);
    suite_add_tcase(s, t);

    t = tcase_create("errors");
    tcase_add_test(t, every_truncation_of_a_document_is_eproto);
    tcase_add_test(t, every_truncated_primitive_is_eproto);
    tcase_add_test(t, wrong_types_are_eproto);
    tcase_add_test(t, never_used_byte_c1_is_eproto);
    tcase_add_test(t, huge_declared_lengths_are_rejected_before_allocating);
    tcase_add_test(t, alloc_rejects_overflow_and_budget);
    tcase_add_test(t, strings_are_charged_to_the_budget);
    tcase_add_test(t, depth_limit_applies_to_enter_and_skip);
    tcase_add_test(t, first_error_latches);
    tcase_add_test(t, writers_reject_oversize_and_null);
    tcase_add_test(t, reader_over_null_input);
    suite_add_tcase(s, t);

    t = tcase_create("messages");
    tcase_add_test(t, message_round_trips_through_encode_and_decode);
    tcase_add_test(t, decoded_message_written_by_msgpack_c);
    tcase_add_test(t, unknown_fields_are_skipped_and_missing_ones_defaulted);
    tcase_add_test(
        t, zero_values_that_differ_from_defaults_survive_a_round_trip);
    tcase_add_test(t, bad_messages_are_rejected_and_nothing_leaks);
    tcase_add_test(t, message_limits_apply_to_nesting_and_size);
    tcase_add_test(t, allocation_failure_at_every_point_is_enomem);
#ifdef AKT_CODEC_TEST_REFS
    tcase_add_test(t, refs_travel_as_paths_and_none_as_nil);
    tcase_add_test(t, refs_resolve_in_the_receiving_system);
#endif
    suite_add_tcase(s, t);

    t = tcase_create("utf8");
    tcase_add_test(t, valid_multibyte_utf8_round_trips);
    tcase_add_test(t, each_class_of_invalid_utf8_is_rejected);
    tcase_add_test(t, bytes_with_invalid_utf8_are_accepted);
    tcase_add_test(t, skipped_unknown_strings_are_not_validated);
    suite_add_tcase(s, t);

#ifdef AKT_CODEC_TEST_REFS
    t = tcase_create("system limits");
    tcase_add_test(t, system_codec_limits_apply_unless_the_call_gives_its_own);
    tcase_add_test(t, codec_limits_out_of_range_fail_system_create);
    suite_add_tcase(s, t);
#endif
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(codec_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
