/*
 * table_test.c -- the table-driven codec (akt/reflect.h, codec/table.c):
 * defaults, copy, equality, encode and decode from a descriptor's field
 * table alone, and the reflection API.
 *
 * Two sources of types:
 *  - every message type aktc generates from the test schemas
 *    (tests/aktc/ok, tests/vectors, tests/aktc/evolution, bench/proto);
 *  - random schemas built at run time as akt_type/akt_field tables (every
 *    kind, optional fields, defaults, nesting, self-reference through
 *    lists and optional fields, maps of every key kind, big field numbers).
 * On both, random values must encode byte for byte as an independent
 * encoder built on msgpack-c's packer writes them, read back through
 * msgpack-c's unpacker as the same values, round-trip through the table
 * decoder, copy to equal values, have unknown fields of every msgpack type
 * skipped, and have every truncation rejected; damaged input decodes to a
 * fixed point of encode/decode or fails with a codec error.
 *
 * Until ABI 2 the generated types also carried aktc's emitted per-type
 * functions; this suite then proved the table path wrote the same bytes
 * and returned the same errors (damaged input, tight limits) as they did,
 * which is why they could go (git log of this file).
 *
 * Random values come from a fixed seed; AKT_TABLE_SEED=<n> runs another
 * (a failure names the rng state to rerun).
 */
#include <check.h>
#include <float.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"
#include "akt/akt_gen.h"
#include "akt/reflect.h"

#include "alltypes.akt.h"
#include "bench.akt.h"
#include "common.akt.h"
#include "greeter.akt.h"
#include "text.akt.h"
#include "v1.akt.h"
#include "v2.akt.h"
#include "vectors.akt.h"

/* --- random numbers ------------------------------------------------------ */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t
rnd(rng *g)
{
    /* splitmix64 */
    uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t
below(rng *g, uint64_t n)
{
    return n ? rnd(g) % n : 0;
}

static bool
chance(rng *g, unsigned percent)
{
    return below(g, 100) < percent;
}

static uint64_t
base_seed(void)
{
    const char *s = getenv("AKT_TABLE_SEED");
    return s ? strtoull(s, NULL, 0) : 20240610;
}

/* An integer near a msgpack format boundary, or anything. */
static uint64_t
rnd_bits(rng *g)
{
    static const uint64_t edges[] = { 0, 1, 31, 32, 127, 128, 255, 256, 32767,
        32768, 65535, 65536, 0x7fffffffu, 0x80000000u, 0xffffffffu,
        0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
        0xffffffffffffffffull };
    uint64_t v = edges[below(g, sizeof edges / sizeof edges[0])];
    switch (below(g, 4)) {
    case 0:
        return v;
    case 1:
        return v - 1;
    case 2:
        return -v; /* negative edges */
    default:
        return rnd(g) >> below(g, 64);
    }
}

/* --- random values, driven by the field table ---------------------------- */

static size_t
kind_size(unsigned k, const akt_type *mt)
{
    switch (k) {
    case AKT_KIND_BOOL:
    case AKT_KIND_INT8:
    case AKT_KIND_UINT8:
        return 1;
    case AKT_KIND_INT16:
    case AKT_KIND_UINT16:
        return 2;
    case AKT_KIND_INT32:
    case AKT_KIND_UINT32:
    case AKT_KIND_ENUM:
    case AKT_KIND_FLOAT32:
        return 4;
    case AKT_KIND_INT64:
    case AKT_KIND_UINT64:
    case AKT_KIND_FLOAT64:
        return 8;
    case AKT_KIND_STRING:
        return sizeof(akt_str);
    case AKT_KIND_BYTES:
        return sizeof(akt_bytes);
    case AKT_KIND_REF:
        return sizeof(akt_ref);
    case AKT_KIND_MESSAGE:
        return mt->size;
    default:
        ck_abort_msg("kind %u has no element size", k);
        return 0;
    }
}

static size_t
kind_align(unsigned k, const akt_type *mt)
{
    if (k == AKT_KIND_MESSAGE) {
        return mt->align;
    }
    if (k == AKT_KIND_STRING || k == AKT_KIND_BYTES || k == AKT_KIND_REF) {
        return _Alignof(akt_str);
    }
    return kind_size(k, mt);
}

/* rnd_text -- n bytes (about) of well-formed UTF-8 into the arena. */
static akt_str
rnd_text(rng *g, akt_arena *a, size_t n)
{
    char *s = akt_arena_alloc(a, n + 4, 1);
    ck_assert_ptr_nonnull(s);
    size_t i = 0;
    bool ascii = chance(g, 70);
    while (i < n) {
        uint32_t c;
        unsigned kind = ascii ? 0 : (unsigned)below(g, 4);
        switch (kind) {
        case 0:
            c = (uint32_t)below(g, 0x80);
            break;
        case 1:
            c = 0x80 + (uint32_t)below(g, 0x800 - 0x80);
            break;
        case 2:
            c = 0x800 + (uint32_t)below(g, 0x10000 - 0x800);
            if (c >= 0xd800 && c <= 0xdfff) {
                c = 0xfffd;
            }
            break;
        default:
            c = 0x10000 + (uint32_t)below(g, 0x110000 - 0x10000);
            break;
        }
        if (c < 0x80) {
            s[i++] = (char)c;
        } else if (c < 0x800) {
            s[i++] = (char)(0xc0 | (c >> 6));
            s[i++] = (char)(0x80 | (c & 0x3f));
        } else if (c < 0x10000) {
            s[i++] = (char)(0xe0 | (c >> 12));
            s[i++] = (char)(0x80 | ((c >> 6) & 0x3f));
            s[i++] = (char)(0x80 | (c & 0x3f));
        } else {
            s[i++] = (char)(0xf0 | (c >> 18));
            s[i++] = (char)(0x80 | ((c >> 12) & 0x3f));
            s[i++] = (char)(0x80 | ((c >> 6) & 0x3f));
            s[i++] = (char)(0x80 | (c & 0x3f));
        }
    }
    s[i] = '\0';
    return (akt_str) { s, i };
}

/* A length near a header boundary (fix/8/16 bits), mostly small. */
static size_t
rnd_len(rng *g, size_t big)
{
    static const size_t edges[] = { 0, 1, 15, 16, 17, 31, 32, 33, 255, 256 };
    if (chance(g, 60)) {
        return (size_t)below(g, 8);
    }
    if (big && chance(g, 1)) {
        return big; /* 65536: the 32-bit forms */
    }
    return edges[below(g, sizeof edges / sizeof edges[0])];
}

static void fill_obj(
    rng *g, const akt_type *t, void *obj, akt_arena *a, int depth);

/* fill_val -- a random value of kind k at vp (a MESSAGE field is a
 * pointer slot when msg_ptr, else struct storage). Refs stay none: without
 * a system they could not resolve (refs_* tests use a system). */
static void
fill_val(rng *g, unsigned k, const akt_type *mt, void *vp, akt_arena *a,
    int depth, bool msg_ptr)
{
    uint64_t v = rnd_bits(g);
    switch (k) {
    case AKT_KIND_BOOL:
        *(bool *)vp = chance(g, 50);
        break;
    case AKT_KIND_INT8:
    case AKT_KIND_UINT8:
        *(uint8_t *)vp = (uint8_t)v;
        break;
    case AKT_KIND_INT16:
    case AKT_KIND_UINT16:
        *(uint16_t *)vp = (uint16_t)v;
        break;
    case AKT_KIND_INT32:
    case AKT_KIND_UINT32:
    case AKT_KIND_ENUM:
        *(uint32_t *)vp = (uint32_t)(chance(g, 30) ? below(g, 4) : v);
        break;
    case AKT_KIND_INT64:
    case AKT_KIND_UINT64:
        *(uint64_t *)vp = v;
        break;
    case AKT_KIND_FLOAT32: {
        uint32_t bits = (uint32_t)rnd(g);
        float f = chance(g, 50) ? (float)(int)below(g, 1000) / 8 : 0;
        if (chance(g, 50)) {
            memcpy(vp, &bits, 4); /* NaNs with payloads too */
        } else {
            memcpy(vp, &f, 4);
        }
        break;
    }
    case AKT_KIND_FLOAT64: {
        uint64_t bits = rnd(g);
        double d = chance(g, 50) ? (double)(int)below(g, 100000) / 16 : -0.0;
        if (chance(g, 50)) {
            memcpy(vp, &bits, 8);
        } else {
            memcpy(vp, &d, 8);
        }
        break;
    }
    case AKT_KIND_STRING:
        *(akt_str *)vp = rnd_text(g, a, rnd_len(g, 65536));
        break;
    case AKT_KIND_BYTES: {
        size_t n = rnd_len(g, 65536);
        uint8_t *p = n ? akt_arena_alloc(a, n, 1) : NULL;
        for (size_t i = 0; i < n; i++) {
            p[i] = (uint8_t)rnd(g);
        }
        *(akt_bytes *)vp = (akt_bytes) { p, n };
        break;
    }
    case AKT_KIND_REF:
        *(akt_ref *)vp = AKT_REF_NONE;
        break;
    case AKT_KIND_MESSAGE:
        if (!msg_ptr) {
            fill_obj(g, mt, vp, a, depth + 1);
        } else if (depth < 4 && chance(g, 60)) {
            void *o = akt_arena_alloc(a, mt->size, mt->align);
            ck_assert_ptr_nonnull(o);
            memset(o, 0, mt->size);
            akt_type_init(mt, o, a);
            fill_obj(g, mt, o, a, depth + 1);
            *(void **)vp = o;
        } else {
            *(void **)vp = NULL;
        }
        break;
    default:
        ck_abort_msg("fill: kind %u", k);
    }
}

static void *
fill_items(rng *g, unsigned k, const akt_type *mt, size_t n, size_t size,
    akt_arena *a, int depth)
{
    if (n == 0) {
        return NULL;
    }
    char *items = akt_arena_alloc(a, n * size, kind_align(k, mt));
    ck_assert_ptr_nonnull(items);
    memset(items, 0, n * size);
    for (size_t i = 0; i < n; i++) {
        if (k == AKT_KIND_MESSAGE) {
            akt_type_init(mt, items + i * size, a);
        }
        fill_val(g, k, mt, items + i * size, a, depth, false);
    }
    return items;
}

static void
fill_obj(rng *g, const akt_type *t, void *obj, akt_arena *a, int depth)
{
    char *base = obj;
    for (size_t i = 0; i < t->nfields; i++) {
        const akt_field *f = &t->fields[i];
        void *vp = base + f->offset;
        if (chance(g, 15)) {
            continue; /* keep the default */
        }
        if (f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP) {
            /* deep values get short containers, so nesting stays small */
            bool deep = f->elem_kind == AKT_KIND_MESSAGE || depth > 1;
            size_t n = deep
                ? (size_t)below(g, depth < 3 ? 4 : 1)
                : rnd_len(g, f->elem_kind == AKT_KIND_BOOL ? 65536 : 0);
            if (f->kind == AKT_KIND_LIST) {
                akt_list *l = vp;
                l->items = fill_items(g, f->elem_kind, f->msg_type, n,
                    akt_field_elem_size(f), a, depth);
                l->len = n;
            } else {
                akt_map *m = vp;
                m->keys = fill_items(g, f->key_kind, NULL, n,
                    kind_size(f->key_kind, NULL), a, depth);
                m->values = fill_items(g, f->elem_kind, f->msg_type, n,
                    akt_field_elem_size(f), a, depth);
                m->len = n;
            }
            continue;
        }
        if (f->flags & AKT_FIELD_OPTIONAL) {
            bool on = f->kind != AKT_KIND_REF && chance(g, 60);
            /* ABI 4: a message's row leaves has_offset 0 (not read) */
            if (f->kind != AKT_KIND_MESSAGE && f->has_offset != AKT_NO_OFFSET) {
                *(bool *)(base + f->has_offset) = on;
            }
            if (!on) {
                if (f->kind == AKT_KIND_MESSAGE) {
                    *(void **)vp = NULL;
                }
                continue;
            }
            if (f->kind == AKT_KIND_MESSAGE) {
                void *o
                    = akt_arena_alloc(a, f->msg_type->size, f->msg_type->align);
                memset(o, 0, f->msg_type->size);
                akt_type_init(f->msg_type, o, a);
                if (depth < 4) {
                    fill_obj(g, f->msg_type, o, a, depth + 1);
                }
                *(void **)vp = o;
                continue;
            }
        }
        fill_val(g, f->kind, f->msg_type, vp, a, depth, true);
    }
}

/* --- the two paths over whole messages ----------------------------------- */

/* tbl_decode -- akt_msg_decode_in, with the table decoder in place of the
 * descriptor's decode function. */
static akt_err
tbl_decode(const akt_type *t, const void *data, size_t len,
    const akt_codec_limits *lim, akt_system *sys, void **out)
{
    akt_reader r;
    akt_reader_init(&r, data, len, lim);
    r.system = sys;
    *out = NULL;
    void *m = akt_msg_new(t, len + 64);
    ck_assert_ptr_nonnull(m);
    akt_err rc = akt_mp_enter(&r);
    if (rc == AKT_OK) {
        rc = akt_type_decode(t, m, &r, akt_msg_arena(m));
        akt_mp_leave(&r);
    }
    if (rc == AKT_OK) {
        rc = r.err;
    }
    if (rc == AKT_OK && r.p != r.end) {
        rc = AKT_EPROTO;
    }
    if (rc != AKT_OK) {
        akt_msg_free(m);
        return rc;
    }
    *out = m;
    return AKT_OK;
}

/* A new message of type t holding a table-made deep copy of src. */
static void *
tbl_dup(const akt_type *t, const void *src)
{
    void *d = akt_msg_new(t, 64);
    ck_assert_ptr_nonnull(d);
    memset(d, 0, t->size);
    ck_assert_int_eq(akt_type_copy(t, d, src, akt_msg_arena(d)), AKT_OK);
    return d;
}

static void
assert_same(const akt_buf *a, const akt_buf *b, const char *what)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0) {
        fprintf(stderr, "%s: %zu vs %zu bytes\n", what, a->len, b->len);
        for (size_t i = 0; i < a->len && i < b->len; i++) {
            if (a->data[i] != b->data[i]) {
                fprintf(stderr, "  first difference at %zu: %02x vs %02x\n", i,
                    a->data[i], b->data[i]);
                break;
            }
        }
        ck_abort_msg("%s: the encodings differ", what);
    }
}

/* ---- refs, through a system -------------------------------------------- */

static akt_err
ignore_all(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)ctx;
    (void)msg;
    return AKT_OK;
}

START_TEST(refs_travel_as_paths_and_resolve_in_the_receiving_system)
{
    static const akt_behavior beh = { .name = "idle", .unhandled = ignore_all };
    akt_props props = { .behavior = &beh };
    akt_system *sys;
    ck_assert_int_eq(akt_system_create("table", NULL, &sys), AKT_OK);
    akt_ref a, b;
    ck_assert_int_eq(akt_spawn(sys, &props, "a", &a), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &props, "b", &b), AKT_OK);

    corpus_all_Nested *m = corpus_all_nested_alloc(256);
    m->owner = a;
    m->has_backup = true;
    m->backup = b;
    akt_ref peers[] = { b, AKT_REF_NONE, a };
    akt_value v = { .kind = AKT_KIND_LIST,
        .v.list = { peers, sizeof peers / sizeof peers[0] } };
    ck_assert_int_eq(akt_msg_set(m, "peers", &v), AKT_OK);

    akt_buf e, t;
    akt_buf_init(&e);
    akt_buf_init(&t);
    ck_assert_int_eq(akt_msg_encode(m, &e), AKT_OK);
    ck_assert_int_eq(akt_type_encode(&corpus_all_nested_desc, m, &t), AKT_OK);
    assert_same(&e, &t, "refs");
    void *de, *dt;
    ck_assert_int_eq(akt_msg_decode_in(sys, &corpus_all_nested_desc, e.data,
                         e.len, NULL, &de),
        AKT_OK);
    ck_assert_int_eq(
        tbl_decode(&corpus_all_nested_desc, e.data, e.len, NULL, sys, &dt),
        AKT_OK);
    ck_assert(akt_type_equal(&corpus_all_nested_desc, m, dt));
    ck_assert(akt_msg_equal(de, dt));
    const corpus_all_Nested *n = dt;
    ck_assert(akt_ref_equal(n->owner, a) && n->has_backup
        && akt_ref_equal(n->backup, b) && n->peers.len == 3
        && akt_ref_is_none(n->peers.items[1]));

    /* an optional ref to nobody is absent on the wire, both ways */
    m->backup = AKT_REF_NONE;
    e.len = t.len = 0;
    ck_assert_int_eq(akt_msg_encode(m, &e), AKT_OK);
    ck_assert_int_eq(akt_type_encode(&corpus_all_nested_desc, m, &t), AKT_OK);
    assert_same(&e, &t, "none ref");
    akt_msg_free(de);
    akt_msg_free(dt);
    ck_assert_int_eq(
        tbl_decode(&corpus_all_nested_desc, t.data, t.len, NULL, sys, &dt),
        AKT_OK);
    ck_assert(!((const corpus_all_Nested *)dt)->has_backup);
    akt_msg_free(dt);
    akt_buf_free(&e);
    akt_buf_free(&t);
    akt_msg_free(m);
    akt_system_free(sys);
}
END_TEST

/* ---- encode errors ------------------------------------------------------ */

START_TEST(encode_errors_leave_the_buffer_as_it_was)
{
    corpus_all_Scalars *m = corpus_all_scalars_new(
        true, 1, 2, 3, 4, 5, 6, 7, 8, 1.5f, 2.5, "ok", (akt_bytes) { 0 });
    akt_buf e, t;
    akt_buf_init(&e);
    akt_buf_init(&t);
    akt_mp_put_uint(&e, 7);
    akt_mp_put_uint(&t, 7);
    static const char bad[] = { 'a', (char)0xc0, (char)0x80 }; /* overlong */
    m->text = (akt_str) { bad, sizeof bad };
    ck_assert_int_eq(akt_msg_encode(m, &e), AKT_EINVAL);
    ck_assert_int_eq(
        akt_type_encode(&corpus_all_scalars_desc, m, &t), AKT_EINVAL);
    ck_assert_uint_eq(t.len, 1); /* what was there before stays */
    m->text = (akt_str) { NULL, 3 };
    ck_assert_int_eq(akt_msg_encode(m, &e), AKT_EINVAL);
    ck_assert_int_eq(
        akt_type_encode(&corpus_all_scalars_desc, m, &t), AKT_EINVAL);
    m->text = (akt_str) { "x", (size_t)UINT32_MAX + 1 };
    ck_assert_int_eq(akt_msg_encode(m, &e), AKT_ETOOBIG);
    ck_assert_int_eq(
        akt_type_encode(&corpus_all_scalars_desc, m, &t), AKT_ETOOBIG);
    m->text = (akt_str) { NULL, 0 };
    m->blob = (akt_bytes) { NULL, 2 };
    ck_assert_int_eq(akt_msg_encode(m, &e), AKT_EINVAL);
    ck_assert_int_eq(
        akt_type_encode(&corpus_all_scalars_desc, m, &t), AKT_EINVAL);
    ck_assert_uint_eq(t.len, 1);
    ck_assert_uint_eq(e.len, 1);
    akt_msg_free(m);

    corpus_all_Nested *n = corpus_all_nested_alloc(0);
    n->numbers.len = (size_t)UINT32_MAX + 1; /* never read: refused first */
    ck_assert_int_eq(akt_msg_encode(n, &e), AKT_ETOOBIG);
    ck_assert_int_eq(
        akt_type_encode(&corpus_all_nested_desc, n, &t), AKT_ETOOBIG);
    n->numbers.len = 0;
    /* a cycle built by hand: refused at the depth cap, not a crash */
    corpus_all_Nested loop = { 0 };
    akt_type_init(&corpus_all_nested_desc, &loop, NULL);
    loop.parent = &loop;
    n->parent = &loop;
    ck_assert_int_eq(
        akt_type_encode(&corpus_all_nested_desc, n, &t), AKT_ETOOBIG);
    ck_assert_uint_eq(t.len, 1);
    akt_msg_free(n);
    akt_buf_free(&e);
    akt_buf_free(&t);
}
END_TEST

/* --- random schemas ------------------------------------------------------ */

#define RS_TYPES  8
#define RS_FIELDS 14

typedef struct rschema {
    akt_type types[RS_TYPES];
    akt_field fields[RS_TYPES][RS_FIELDS];
    char names[RS_TYPES][RS_FIELDS][24]; /* "f" and any size_t */
    char tnames[RS_TYPES][16];
    max_align_t defaults[RS_TYPES][32]; /* each type's default value */
} rschema;

/* Default strings: static storage, as aktc's are. */
static const char *const rs_default_texts[] = { "", "x",
    "d\xc3\xa9"
    "faut",
    "a default that is longer than thirty-two bytes", "\xf0\x9f\x98\x80" };

static const akt_enum_value rs_enum_values[] = { { "ZERO", 0 }, { "ONE", 1 } };
static const akt_enum_type rs_enum = { "rs.E", rs_enum_values, 2 };

static const unsigned scalar_kinds[]
    = { AKT_KIND_BOOL, AKT_KIND_INT8, AKT_KIND_INT16, AKT_KIND_INT32,
          AKT_KIND_INT64, AKT_KIND_UINT8, AKT_KIND_UINT16, AKT_KIND_UINT32,
          AKT_KIND_UINT64, AKT_KIND_FLOAT32, AKT_KIND_FLOAT64, AKT_KIND_STRING,
          AKT_KIND_BYTES, AKT_KIND_ENUM, AKT_KIND_REF, AKT_KIND_MESSAGE };
static const unsigned key_kinds[] = { AKT_KIND_BOOL, AKT_KIND_INT8,
    AKT_KIND_INT16, AKT_KIND_INT32, AKT_KIND_INT64, AKT_KIND_UINT8,
    AKT_KIND_UINT16, AKT_KIND_UINT32, AKT_KIND_UINT64, AKT_KIND_STRING };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static size_t
align_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

/* rs_make -- RS_TYPES random types; type i may hold a non-optional message
 * only of a type before it (no cycles through non-optional fields, as aktc
 * requires), and any type through an optional field or a list/map. */
static void
rs_make(rng *g, rschema *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < RS_TYPES; i++) {
        akt_type *t = &s->types[i];
        snprintf(s->tnames[i], sizeof s->tnames[i], "rs.T%d", i);
        t->abi = AKT_GEN_ABI;
        t->flags = AKT_TYPE_MESSAGE;
        t->name = s->tnames[i];
        t->id = akt_type_id(t->name);
        size_t nf = (size_t)below(g, RS_FIELDS + 1);
        size_t off = 0, align = 1;
        uint32_t used[RS_FIELDS];
        for (size_t j = 0; j < nf; j++) {
            akt_field *f = &s->fields[i][j];
            snprintf(s->names[i][j], sizeof s->names[i][j], "f%zu", j);
            f->name = s->names[i][j];
            uint32_t num;
            bool dup;
            do {
                num = chance(g, 80) ? (uint32_t)below(g, 40) + 1
                                    : (uint32_t)rnd_bits(g);
                dup = false;
                for (size_t k = 0; k < j; k++) {
                    dup |= used[k] == num;
                }
            } while (dup);
            used[j] = num;
            f->number = num;
            unsigned pick = (unsigned)below(g, 10);
            unsigned k;
            if (pick == 0) {
                k = AKT_KIND_LIST;
            } else if (pick == 1) {
                k = AKT_KIND_MAP;
            } else {
                k = scalar_kinds[below(g, NELEM(scalar_kinds))];
            }
            f->kind = (uint16_t)k;
            f->has_offset = AKT_NO_OFFSET;
            bool optional
                = k != AKT_KIND_LIST && k != AKT_KIND_MAP && chance(g, 30);
            if (k == AKT_KIND_MESSAGE) {
                if (i == 0 && !optional) {
                    optional = true;
                }
                int target = optional ? (int)below(g, RS_TYPES)
                                      : (int)below(g, (uint64_t)i);
                f->msg_type = &s->types[target];
            }
            if (optional) {
                f->flags |= AKT_FIELD_OPTIONAL;
                if (k != AKT_KIND_MESSAGE) {
                    f->has_offset = (uint32_t)off;
                    off += sizeof(bool);
                }
            }
            if (k == AKT_KIND_LIST || k == AKT_KIND_MAP) {
                unsigned ek = scalar_kinds[below(g, NELEM(scalar_kinds))];
                f->elem_kind = (uint16_t)ek;
                if (ek == AKT_KIND_MESSAGE) {
                    /* sized below, once every type is laid out */
                    f->msg_type = &s->types[below(g, RS_TYPES)];
                }
                if (k == AKT_KIND_MAP) {
                    f->key_kind
                        = (uint16_t)key_kinds[below(g, NELEM(key_kinds))];
                }
            }
            if (k == AKT_KIND_ENUM || f->elem_kind == AKT_KIND_ENUM) {
                f->enum_type = &rs_enum;
            }
            size_t sz = k == AKT_KIND_LIST ? sizeof(akt_list)
                : k == AKT_KIND_MAP        ? sizeof(akt_map)
                : k == AKT_KIND_MESSAGE    ? sizeof(void *)
                                           : kind_size(k, NULL);
            size_t al = k == AKT_KIND_LIST || k == AKT_KIND_MAP
                    || k == AKT_KIND_MESSAGE
                ? _Alignof(void *)
                : kind_align(k, NULL);
            off = align_up(off, al);
            f->offset = (uint32_t)off;
            off += sz;
            align = al > align ? al : align;
        }
        t->fields = nf ? s->fields[i] : NULL;
        t->nfields = nf;
        t->size = align_up(off ? off : 1, align);
        t->align = align;
    }
    for (int i = 0; i < RS_TYPES; i++) {
        akt_type *t = &s->types[i];
        ck_assert_uint_le(t->size, sizeof s->defaults[i]);
        char *d = (char *)s->defaults[i];
        for (size_t j = 0; j < t->nfields; j++) {
            akt_field *f = &s->fields[i][j];
            if ((f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP)
                && chance(g, 50)) {
                /* set by hand, or 0 for the runtime to derive (aktc) */
                f->elem_size = (uint32_t)kind_size(f->elem_kind, f->msg_type);
            }
            /* a [default = ...] on some plain scalar and string fields */
            if ((f->flags & AKT_FIELD_OPTIONAL) || !chance(g, 40)) {
                continue;
            }
            if (f->kind == AKT_KIND_STRING) {
                const char *txt
                    = rs_default_texts[below(g, NELEM(rs_default_texts))];
                *(akt_str *)(void *)(d + f->offset)
                    = (akt_str) { txt, strlen(txt) };
            } else if (f->kind != AKT_KIND_BYTES && f->kind != AKT_KIND_REF
                && f->kind != AKT_KIND_MESSAGE && f->kind != AKT_KIND_LIST
                && f->kind != AKT_KIND_MAP) {
                fill_val(g, f->kind, NULL, d + f->offset, NULL, 0, true);
            }
        }
        t->defaults = d;
        t->flags |= AKT_TYPE_TABLE; /* akt_msg_new, _dup, ... use the table */
    }
}

/* --- an independent encoder on msgpack-c's packer ------------------------ */

static void ref_pack_obj(
    msgpack_packer *pk, const akt_type *t, const void *obj, rng *extra);

static void
ref_pack_val(msgpack_packer *pk, unsigned k, const akt_type *mt, const void *vp,
    bool msg_ptr)
{
    switch (k) {
    case AKT_KIND_BOOL:
        if (*(const bool *)vp) {
            msgpack_pack_true(pk);
        } else {
            msgpack_pack_false(pk);
        }
        break;
    case AKT_KIND_INT8:
        msgpack_pack_int8(pk, *(const int8_t *)vp);
        break;
    case AKT_KIND_INT16:
        msgpack_pack_int16(pk, *(const int16_t *)vp);
        break;
    case AKT_KIND_INT32:
    case AKT_KIND_ENUM:
        msgpack_pack_int32(pk, *(const int32_t *)vp);
        break;
    case AKT_KIND_INT64:
        msgpack_pack_int64(pk, *(const int64_t *)vp);
        break;
    case AKT_KIND_UINT8:
        msgpack_pack_uint8(pk, *(const uint8_t *)vp);
        break;
    case AKT_KIND_UINT16:
        msgpack_pack_uint16(pk, *(const uint16_t *)vp);
        break;
    case AKT_KIND_UINT32:
        msgpack_pack_uint32(pk, *(const uint32_t *)vp);
        break;
    case AKT_KIND_UINT64:
        msgpack_pack_uint64(pk, *(const uint64_t *)vp);
        break;
    case AKT_KIND_FLOAT32:
        msgpack_pack_float(pk, *(const float *)vp);
        break;
    case AKT_KIND_FLOAT64:
        msgpack_pack_double(pk, *(const double *)vp);
        break;
    case AKT_KIND_STRING: {
        const akt_str *s = vp;
        msgpack_pack_str(pk, s->len);
        msgpack_pack_str_body(pk, s->ptr, s->len);
        break;
    }
    case AKT_KIND_BYTES: {
        const akt_bytes *b = vp;
        msgpack_pack_bin(pk, b->len);
        msgpack_pack_bin_body(pk, b->ptr, b->len);
        break;
    }
    case AKT_KIND_REF:
        ck_assert(akt_ref_is_none(*(const akt_ref *)vp));
        msgpack_pack_nil(pk);
        break;
    case AKT_KIND_MESSAGE: {
        const void *o = msg_ptr ? *(const void *const *)vp : vp;
        if (o == NULL) {
            void *d = calloc(1, mt->size);
            akt_type_init(mt, d, NULL);
            ref_pack_obj(pk, mt, d, NULL);
            free(d);
        } else {
            ref_pack_obj(pk, mt, o, NULL);
        }
        break;
    }
    default:
        ck_abort_msg("ref_pack: kind %u", k);
    }
}

static bool
ref_present(const akt_field *f, const char *base)
{
    if (!(f->flags & AKT_FIELD_OPTIONAL)) {
        return true;
    }
    if (f->kind == AKT_KIND_MESSAGE) {
        return *(void *const *)(base + f->offset) != NULL;
    }
    return *(const bool *)(base + f->has_offset)
        && (f->kind != AKT_KIND_REF
            || !akt_ref_is_none(*(const akt_ref *)(base + f->offset)));
}

static bool
table_has_number(const akt_type *t, uint64_t n)
{
    for (size_t i = 0; i < t->nfields; i++) {
        if (t->fields[i].number == n) {
            return true;
        }
    }
    return false;
}

/* A random msgpack value of any type (nested, ext, invalid UTF-8 in str:
 * a skipped value is not checked), for unknown fields. */
static void
pack_junk(msgpack_packer *pk, rng *g, int depth)
{
    static const char raw[] = "\xc0\x80\xff\xfe junk";
    switch (below(g, depth < 3 ? 10 : 8)) {
    case 0:
        msgpack_pack_nil(pk);
        break;
    case 1:
        msgpack_pack_int64(pk, (int64_t)rnd_bits(g));
        break;
    case 2:
        msgpack_pack_uint64(pk, rnd_bits(g));
        break;
    case 3:
        msgpack_pack_double(pk, 1.5);
        break;
    case 4:
        msgpack_pack_float(pk, 2.5f);
        break;
    case 5: {
        size_t n = (size_t)below(g, sizeof raw);
        msgpack_pack_str(pk, n);
        msgpack_pack_str_body(pk, raw, n);
        break;
    }
    case 6:
        msgpack_pack_bin(pk, 3);
        msgpack_pack_bin_body(pk, "abc", 3);
        break;
    case 7: {
        /* 0..17 bytes: every fixext size, and ext 8 around them */
        static const uint8_t body[17] = { 0 };
        size_t n = (size_t)below(g, sizeof body + 1);
        msgpack_pack_ext(pk, n, 5);
        msgpack_pack_ext_body(pk, body, n);
        break;
    }
    case 8: {
        uint32_t n = (uint32_t)below(g, 4);
        msgpack_pack_array(pk, n);
        for (uint32_t i = 0; i < n; i++) {
            pack_junk(pk, g, depth + 1);
        }
        break;
    }
    default: {
        uint32_t n = (uint32_t)below(g, 3);
        msgpack_pack_map(pk, n);
        for (uint32_t i = 0; i < 2 * n; i++) {
            pack_junk(pk, g, depth + 1);
        }
        break;
    }
    }
}

/* ref_pack_obj -- what akt_type_encode must write for obj; with extra, the
 * map also holds unknown fields (numbers the table lacks) at random
 * places, which a reader must skip. */
static void
ref_pack_obj(msgpack_packer *pk, const akt_type *t, const void *obj, rng *extra)
{
    const char *base = obj;
    uint32_t n = 0;
    for (size_t i = 0; i < t->nfields; i++) {
        n += ref_present(&t->fields[i], base);
    }
    uint32_t junk = extra ? (uint32_t)below(extra, 4) : 0;
    msgpack_pack_map(pk, n + junk);
    uint32_t left = junk;
    for (size_t i = 0; i <= t->nfields; i++) {
        while (left > 0 && (i == t->nfields || chance(extra, 30))) {
            uint64_t num;
            do {
                num = chance(extra, 50) ? below(extra, 64) : rnd(extra);
            } while (table_has_number(t, num));
            msgpack_pack_uint64(pk, num);
            pack_junk(pk, extra, 0);
            left--;
        }
        if (i == t->nfields) {
            break;
        }
        const akt_field *f = &t->fields[i];
        if (!ref_present(f, base)) {
            continue;
        }
        msgpack_pack_uint32(pk, f->number);
        const char *vp = base + f->offset;
        if (f->kind == AKT_KIND_LIST) {
            const akt_list *l = (const void *)vp;
            msgpack_pack_array(pk, l->len);
            for (size_t j = 0; j < l->len; j++) {
                ref_pack_val(pk, f->elem_kind, f->msg_type,
                    (const char *)l->items + j * akt_field_elem_size(f), false);
            }
        } else if (f->kind == AKT_KIND_MAP) {
            const akt_map *m = (const void *)vp;
            size_t ks = kind_size(f->key_kind, NULL);
            msgpack_pack_map(pk, m->len);
            for (size_t j = 0; j < m->len; j++) {
                ref_pack_val(pk, f->key_kind, NULL,
                    (const char *)m->keys + j * ks, false);
                ref_pack_val(pk, f->elem_kind, f->msg_type,
                    (const char *)m->values + j * akt_field_elem_size(f),
                    false);
            }
        } else {
            ref_pack_val(pk, f->kind, f->msg_type, vp, true);
        }
    }
}

/* --- msgpack-c's reading of the bytes matches the value ------------------ */

static void check_obj(
    const akt_type *t, const void *obj, const msgpack_object *o);

static void
check_val(unsigned k, const akt_type *mt, const void *vp, bool msg_ptr,
    const msgpack_object *o)
{
    switch (k) {
    case AKT_KIND_BOOL:
        ck_assert_int_eq(o->type, MSGPACK_OBJECT_BOOLEAN);
        ck_assert_int_eq(o->via.boolean, *(const bool *)vp);
        break;
    case AKT_KIND_INT8:
    case AKT_KIND_INT16:
    case AKT_KIND_INT32:
    case AKT_KIND_INT64:
    case AKT_KIND_ENUM: {
        int64_t want = k == AKT_KIND_INT8 ? *(const int8_t *)vp
            : k == AKT_KIND_INT16         ? *(const int16_t *)vp
            : k == AKT_KIND_INT64         ? *(const int64_t *)vp
                                          : *(const int32_t *)vp;
        if (want >= 0) {
            ck_assert_int_eq(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
            ck_assert_uint_eq(o->via.u64, (uint64_t)want);
        } else {
            ck_assert_int_eq(o->type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
            ck_assert_int_eq(o->via.i64, want);
        }
        break;
    }
    case AKT_KIND_UINT8:
    case AKT_KIND_UINT16:
    case AKT_KIND_UINT32:
    case AKT_KIND_UINT64: {
        uint64_t want = k == AKT_KIND_UINT8 ? *(const uint8_t *)vp
            : k == AKT_KIND_UINT16          ? *(const uint16_t *)vp
            : k == AKT_KIND_UINT32          ? *(const uint32_t *)vp
                                            : *(const uint64_t *)vp;
        ck_assert_int_eq(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
        ck_assert_uint_eq(o->via.u64, want);
        break;
    }
    case AKT_KIND_FLOAT32: {
        ck_assert_int_eq(o->type, MSGPACK_OBJECT_FLOAT32);
        float got = (float)o->via.f64;
        if (*(const float *)vp == *(const float *)vp) {
            ck_assert(memcmp(&got, vp, 4) == 0);
        } else {
            ck_assert(got != got); /* a NaN stays a NaN */
        }
        break;
    }
    case AKT_KIND_FLOAT64:
        ck_assert_int_eq(o->type, MSGPACK_OBJECT_FLOAT64);
        ck_assert(memcmp(&o->via.f64, vp, 8) == 0);
        break;
    case AKT_KIND_STRING: {
        const akt_str *s = vp;
        ck_assert_int_eq(o->type, MSGPACK_OBJECT_STR);
        ck_assert_uint_eq(o->via.str.size, s->len);
        ck_assert(s->len == 0 || memcmp(o->via.str.ptr, s->ptr, s->len) == 0);
        break;
    }
    case AKT_KIND_BYTES: {
        const akt_bytes *b = vp;
        ck_assert_int_eq(o->type, MSGPACK_OBJECT_BIN);
        ck_assert_uint_eq(o->via.bin.size, b->len);
        ck_assert(b->len == 0 || memcmp(o->via.bin.ptr, b->ptr, b->len) == 0);
        break;
    }
    case AKT_KIND_REF:
        ck_assert_int_eq(o->type, MSGPACK_OBJECT_NIL);
        break;
    case AKT_KIND_MESSAGE: {
        const void *m = msg_ptr ? *(const void *const *)vp : vp;
        if (m == NULL) {
            void *d = calloc(1, mt->size);
            akt_type_init(mt, d, NULL);
            check_obj(mt, d, o);
            free(d);
        } else {
            check_obj(mt, m, o);
        }
        break;
    }
    default:
        ck_abort_msg("check: kind %u", k);
    }
}

static void
check_obj(const akt_type *t, const void *obj, const msgpack_object *o)
{
    const char *base = obj;
    ck_assert_int_eq(o->type, MSGPACK_OBJECT_MAP);
    uint32_t n = 0;
    for (size_t i = 0; i < t->nfields; i++) {
        n += ref_present(&t->fields[i], base);
    }
    ck_assert_uint_eq(o->via.map.size, n);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        ck_assert_int_eq(kv->key.type, MSGPACK_OBJECT_POSITIVE_INTEGER);
        const akt_field *f
            = akt_type_field_by_number(t, (uint32_t)kv->key.via.u64);
        ck_assert_ptr_nonnull(f);
        ck_assert(ref_present(f, base));
        const char *vp = base + f->offset;
        if (f->kind == AKT_KIND_LIST) {
            const akt_list *l = (const void *)vp;
            ck_assert_int_eq(kv->val.type, MSGPACK_OBJECT_ARRAY);
            ck_assert_uint_eq(kv->val.via.array.size, l->len);
            for (size_t j = 0; j < l->len; j++) {
                check_val(f->elem_kind, f->msg_type,
                    (const char *)l->items + j * akt_field_elem_size(f), false,
                    &kv->val.via.array.ptr[j]);
            }
        } else if (f->kind == AKT_KIND_MAP) {
            const akt_map *m = (const void *)vp;
            size_t ks = kind_size(f->key_kind, NULL);
            ck_assert_int_eq(kv->val.type, MSGPACK_OBJECT_MAP);
            ck_assert_uint_eq(kv->val.via.map.size, m->len);
            for (size_t j = 0; j < m->len; j++) {
                check_val(f->key_kind, NULL, (const char *)m->keys + j * ks,
                    false, &kv->val.via.map.ptr[j].key);
                check_val(f->elem_kind, f->msg_type,
                    (const char *)m->values + j * akt_field_elem_size(f), false,
                    &kv->val.via.map.ptr[j].val);
            }
        } else {
            check_val(f->kind, f->msg_type, vp, true, &kv->val);
        }
    }
}

/* One random message of a random type: every property. */
static void
rs_check_one(rng *g, const akt_type *t, const char *label)
{
    void *m = akt_msg_new(t, 0);
    ck_assert_ptr_nonnull(m);
    fill_obj(g, t, m, akt_msg_arena(m), 0);

    akt_buf b;
    akt_buf_init(&b);
    ck_assert_msg(akt_type_encode(t, m, &b) == AKT_OK, "%s: encode", label);

    /* byte for byte what msgpack-c's packer writes */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ref_pack_obj(&pk, t, m, NULL);
    akt_buf want = { (uint8_t *)sb.data, sb.size, sb.size };
    assert_same(&want, &b, label);
    msgpack_sbuffer_destroy(&sb);

    /* msgpack-c reads back the values */
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    ck_assert_int_eq(msgpack_unpack_next(&u, (const char *)b.data, b.len, &off),
        MSGPACK_UNPACK_SUCCESS);
    ck_assert_uint_eq(off, b.len);
    check_obj(t, m, &u.data);
    msgpack_unpacked_destroy(&u);

    /* the table decoder round-trips it; copies are equal */
    void *d;
    ck_assert_msg(tbl_decode(t, b.data, b.len, NULL, NULL, &d) == AKT_OK,
        "%s: decode", label);
    ck_assert_msg(akt_type_equal(t, m, d) && akt_type_equal(t, d, m),
        "%s: round trip", label);
    akt_buf b2;
    akt_buf_init(&b2);
    ck_assert_int_eq(akt_type_encode(t, d, &b2), AKT_OK);
    assert_same(&b, &b2, label);
    void *c = tbl_dup(t, d);
    akt_msg_free(d);
    ck_assert(akt_type_equal(t, m, c));
    b2.len = 0;
    ck_assert_int_eq(akt_type_encode(t, c, &b2), AKT_OK);
    assert_same(&b, &b2, label);
    akt_msg_free(c);

    /* unknown fields of every msgpack type are skipped */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    ref_pack_obj(&pk, t, m, g);
    ck_assert_msg(tbl_decode(t, sb.data, sb.size, NULL, NULL, &d) == AKT_OK,
        "%s: decode with unknown fields", label);
    ck_assert_msg(akt_type_equal(t, m, d), "%s: unknown fields", label);
    akt_msg_free(d);
    msgpack_sbuffer_destroy(&sb);

    /* every truncation is malformed input (a few cut points for big ones) */
    size_t step = b.len > 300 ? b.len / 100 : 1;
    for (size_t n = 0; n < b.len; n += step) {
        akt_err rc = tbl_decode(t, b.data, n, NULL, NULL, &d);
        ck_assert_msg(rc == AKT_EPROTO, "%s: %zu of %zu bytes gave %s", label,
            n, b.len, akt_err_name(rc));
    }
    akt_buf_free(&b);
    akt_buf_free(&b2);
    akt_msg_free(m);
}

/* --- generated types ------------------------------------------------------ */

static const akt_type *const *const generated[] = {
    corpus_common_common_types,
    corpus_all_alltypes_types,
    demo_greeter_types,
    corpus_text_text_types,
    testvec_vectors_types,
    evo_v1_v1_types,
    evo_v2_v2_types,
    bench_bench_types,
};

#define FOR_EACH_GENERATED(t)                                                  \
    for (size_t gi_ = 0; gi_ < NELEM(generated); gi_++)                        \
        for (const akt_type *const *tp_ = generated[gi_]; (t = *tp_) != NULL;  \
             tp_++)

START_TEST(generated_types_encode_as_msgpack_c_packs_them_and_round_trip)
{
    rng g = { base_seed() };
    const akt_type *t;
    size_t ntypes = 0;
    FOR_EACH_GENERATED(t)
    {
        ntypes++;
        ck_assert(t->flags & AKT_TYPE_TABLE);
        for (int i = 0; i < 150; i++) {
            char label[96];
            snprintf(label, sizeof label, "%s (rng state %llu)", t->name,
                (unsigned long long)g.s);
            rs_check_one(&g, t, label);

            /* the message API (akt_msg_*) takes the same path */
            void *m = akt_msg_new(t, 0);
            ck_assert_ptr_nonnull(m);
            fill_obj(&g, t, m, akt_msg_arena(m), 0);
            akt_buf a, b;
            akt_buf_init(&a);
            akt_buf_init(&b);
            ck_assert_int_eq(akt_msg_encode(m, &a), AKT_OK);
            ck_assert_int_eq(akt_type_encode(t, m, &b), AKT_OK);
            assert_same(&a, &b, label);
            void *d, *c = akt_msg_dup(m);
            ck_assert_int_eq(
                akt_msg_decode(t, a.data, a.len, NULL, &d), AKT_OK);
            ck_assert(akt_msg_equal(m, d) && akt_msg_equal(d, c));
            b.len = 0;
            ck_assert_int_eq(akt_msg_encode(c, &b), AKT_OK);
            assert_same(&a, &b, label);
            akt_msg_free(c);
            akt_msg_free(d);
            akt_msg_free(m);
            akt_buf_free(&a);
            akt_buf_free(&b);
        }
    }
    ck_assert_uint_ge(ntypes, 20);
}
END_TEST

/* A decoded message re-encodes to bytes that decode to an equal message
 * and encode to the same bytes again. */
static void
assert_fixed_point(const akt_type *t, const void *m, const char *what)
{
    akt_codec_limits big = { .max_depth = 512, .max_length = 1u << 26 };
    akt_buf a, b;
    akt_buf_init(&a);
    akt_buf_init(&b);
    ck_assert_msg(
        akt_msg_encode(m, &a) == AKT_OK, "%s %s: re-encode", what, t->name);
    void *d;
    ck_assert_int_eq(akt_msg_decode(t, a.data, a.len, &big, &d), AKT_OK);
    ck_assert_msg(
        akt_msg_equal(m, d), "%s %s: not a fixed point", what, t->name);
    ck_assert_int_eq(akt_msg_encode(d, &b), AKT_OK);
    assert_same(&a, &b, what);
    akt_msg_free(d);
    akt_buf_free(&a);
    akt_buf_free(&b);
}

START_TEST(damaged_input_is_rejected_or_decodes_to_a_fixed_point)
{
    rng g = { base_seed() + 1 };
    const akt_type *t;
    FOR_EACH_GENERATED(t)
    {
        for (int i = 0; i < 60; i++) {
            void *m = akt_msg_new(t, 0);
            fill_obj(&g, t, m, akt_msg_arena(m), 0);
            akt_buf a;
            akt_buf_init(&a);
            ck_assert_int_eq(akt_msg_encode(m, &a), AKT_OK);
            akt_msg_free(m);
            uint8_t *x = malloc(a.len + 16);
            for (int j = 0; j < 20; j++) {
                size_t n = a.len;
                memcpy(x, a.data, n);
                switch (below(&g, 4)) {
                case 0: /* one byte changed */
                    x[below(&g, n)] = (uint8_t)rnd(&g);
                    break;
                case 1: /* truncated */
                    n = (size_t)below(&g, n);
                    break;
                case 2: /* one byte set to a format boundary */
                    x[below(&g, n)] = (uint8_t[]) { 0xc0, 0xc1, 0xc2, 0xcc,
                        0xd0, 0xd9, 0xdc, 0xde, 0x7f, 0x80, 0x90,
                        0xff }[below(&g, 12)];
                    break;
                default: /* trailing bytes */
                    x[n++] = (uint8_t)rnd(&g);
                    break;
                }
                void *d = NULL;
                akt_err rc = akt_msg_decode(t, x, n, NULL, &d);
                ck_assert_msg(rc == AKT_OK || rc == AKT_EPROTO
                        || rc == AKT_ERANGE || rc == AKT_ETOOBIG,
                    "%s: %s", t->name, akt_err_name(rc));
                ck_assert(rc == AKT_OK || d == NULL);
                if (rc == AKT_OK) {
                    assert_fixed_point(t, d, "damaged");
                    akt_msg_free(d);
                }
            }
            /* tight limits on intact input: only a limit can trip */
            for (int j = 0; j < 6; j++) {
                akt_codec_limits lim = {
                    .max_depth = (uint32_t)below(&g, 4) + 1,
                    .max_length = below(&g, a.len * 2 + 2) + 1,
                };
                void *d = NULL;
                akt_err rc = akt_msg_decode(t, a.data, a.len, &lim, &d);
                ck_assert_msg(rc == AKT_OK || rc == AKT_ETOOBIG, "%s: %s",
                    t->name, akt_err_name(rc));
                akt_msg_free(d);
            }
            free(x);
            akt_buf_free(&a);
        }
    }
}
END_TEST

START_TEST(defaults_come_from_the_descriptor)
{
    const akt_type *t;
    FOR_EACH_GENERATED(t)
    {
        ck_assert_ptr_nonnull(t->defaults);
        void *a = calloc(1, t->size);
        akt_type_init(t, a, NULL);
        ck_assert_int_eq(memcmp(a, t->defaults, t->size), 0);
        void *m = akt_msg_new(t, 0);
        ck_assert_int_eq(memcmp(m, t->defaults, t->size), 0);
        /* an empty map decodes to the defaults */
        static const uint8_t empty[] = { 0x80 };
        void *d;
        ck_assert_int_eq(akt_msg_decode(t, empty, 1, NULL, &d), AKT_OK);
        ck_assert(akt_type_equal(t, a, d) && akt_msg_equal(m, d));
        akt_msg_free(d);
        akt_msg_free(m);
        free(a);
    }
    /* the defaults are the IDL's */
    const corpus_all_Defaults *d = &corpus_all_defaults_default;
    ck_assert_int_eq(d->answer, 42);
    ck_assert_int_eq(d->small, INT64_MIN);
    ck_assert_uint_eq(d->big, UINT64_MAX);
    ck_assert_str_eq(d->greeting.ptr, "hello, \"world\"\n");
    ck_assert(d->on);
    ck_assert_int_eq(d->color, CORPUS_COMMON_COLOR_BLUE);
    ck_assert_int_eq(d->level, CORPUS_ALL_LEVEL_LOW);
}
END_TEST

START_TEST(random_schemas_round_trip_and_agree_with_msgpack_c)
{
    rng g = { base_seed() + 2 };
    rschema *s = malloc(sizeof *s);
    for (int round = 0; round < 150; round++) {
        uint64_t seed = g.s;
        rs_make(&g, s);
        for (int i = 0; i < RS_TYPES; i++) {
            for (int j = 0; j < 6; j++) {
                char label[96];
                snprintf(label, sizeof label,
                    "schema round %d (rng state %llu) type %d", round,
                    (unsigned long long)seed, i);
                rs_check_one(&g, &s->types[i], label);
            }
        }
    }
    free(s);
}
END_TEST

START_TEST(random_schemas_reject_wrong_types_and_bad_keys)
{
    rng g = { base_seed() + 3 };
    rschema *s = malloc(sizeof *s);
    for (int round = 0; round < 100; round++) {
        rs_make(&g, s);
        for (int i = 0; i < RS_TYPES; i++) {
            const akt_type *t = &s->types[i];
            for (size_t j = 0; j < t->nfields; j++) {
                const akt_field *f = &t->fields[j];
                /* {number: value of another msgpack type} */
                msgpack_sbuffer sb;
                msgpack_packer pk;
                msgpack_sbuffer_init(&sb);
                msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
                msgpack_pack_map(&pk, 1);
                msgpack_pack_uint32(&pk, f->number);
                bool nil_ok = (f->flags & AKT_FIELD_OPTIONAL)
                    || f->kind == AKT_KIND_REF;
                unsigned k = f->kind;
                bool takes_int = k >= AKT_KIND_INT8 && k <= AKT_KIND_FLOAT64;
                takes_int |= k == AKT_KIND_ENUM;
                akt_err want;
                if (k == AKT_KIND_STRING || k == AKT_KIND_REF) {
                    msgpack_pack_bin(&pk, 0); /* bin is never a str */
                    want = AKT_EPROTO;
                } else if (takes_int) {
                    msgpack_pack_str(&pk, 0);
                    want = AKT_EPROTO;
                } else {
                    msgpack_pack_true(&pk);
                    want = k == AKT_KIND_BOOL ? AKT_OK : AKT_EPROTO;
                }
                void *d;
                akt_err rc = tbl_decode(t, sb.data, sb.size, NULL, NULL, &d);
                ck_assert_msg(rc == want, "kind %u: %s", k, akt_err_name(rc));
                akt_msg_free(d);
                msgpack_sbuffer_clear(&sb);
                msgpack_pack_map(&pk, 1);
                msgpack_pack_uint32(&pk, f->number);
                msgpack_pack_nil(&pk);
                rc = tbl_decode(t, sb.data, sb.size, NULL, NULL, &d);
                ck_assert_msg(rc == (nil_ok ? AKT_OK : AKT_EPROTO),
                    "nil for kind %u: %s", k, akt_err_name(rc));
                if (rc == AKT_OK) {
                    ck_assert(!akt_field_present(f, d)
                        || !(f->flags & AKT_FIELD_OPTIONAL));
                }
                akt_msg_free(d);
                msgpack_sbuffer_destroy(&sb);
            }
            /* a key that is not a non-negative integer */
            static const uint8_t neg_key[] = { 0x81, 0xff, 0x00 };
            static const uint8_t str_key[] = { 0x81, 0xa1, 'a', 0x00 };
            void *d;
            ck_assert_int_eq(
                tbl_decode(t, neg_key, sizeof neg_key, NULL, NULL, &d),
                AKT_ERANGE);
            ck_assert_int_eq(
                tbl_decode(t, str_key, sizeof str_key, NULL, NULL, &d),
                AKT_EPROTO);
        }
    }
    free(s);
}
END_TEST

/* --- reflection ---------------------------------------------------------- */

START_TEST(fields_are_found_by_index_number_and_name)
{
    const akt_type *t = &corpus_all_defaults_desc;
    ck_assert_ptr_eq(akt_type_field(t, 0), &t->fields[0]);
    ck_assert_ptr_null(akt_type_field(t, t->nfields));
    const akt_field *f = akt_type_field_by_name(t, "old_count");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(f->number, 20);
    ck_assert_ptr_eq(akt_type_field_by_number(t, 20), f);
    ck_assert_ptr_null(akt_type_field_by_number(t, 13)); /* reserved */
    ck_assert_ptr_null(akt_type_field_by_name(t, "legacy"));
    ck_assert_ptr_null(akt_type_field_by_name(NULL, "x"));
    ck_assert_ptr_null(akt_type_field(&corpus_all_empty_desc, 0));
}
END_TEST

START_TEST(fields_read_and_write_through_reflection)
{
    corpus_all_Defaults *m = corpus_all_defaults_new(42, 0, 0, 0.5f, 3.0, "hi",
        true, CORPUS_COMMON_COLOR_RED, CORPUS_ALL_LEVEL_LOW, 0);
    akt_value v;
    ck_assert_int_eq(akt_msg_get(m, "answer", &v), AKT_OK);
    ck_assert_uint_eq(v.kind, AKT_KIND_INT32);
    ck_assert_int_eq(v.v.i, 42);
    ck_assert_int_eq(akt_msg_get(m, "greeting", &v), AKT_OK);
    ck_assert_str_eq(v.v.s.ptr, "hi");
    ck_assert_int_eq(akt_msg_get(m, "maybe", &v), AKT_ENOENT);
    ck_assert_int_eq(akt_msg_get(m, "nope", &v), AKT_EINVAL);

    /* writes: range-checked, kind-checked, optional made present */
    v = (akt_value) { .kind = AKT_KIND_INT32, .v.i = (int64_t)INT32_MAX + 1 };
    ck_assert_int_eq(akt_msg_set(m, "answer", &v), AKT_ERANGE);
    ck_assert_int_eq(m->answer, 42);
    v.v.i = -5;
    ck_assert_int_eq(akt_msg_set(m, "maybe", &v), AKT_OK);
    ck_assert(m->has_maybe);
    ck_assert_int_eq(m->maybe, -5);
    v = (akt_value) { .kind = AKT_KIND_UINT64, .v.u = 1 };
    ck_assert_int_eq(akt_msg_set(m, "answer", &v), AKT_ETYPE);
    v = (akt_value) { .kind = AKT_KIND_FLOAT32, .v.f = 1e300 };
    ck_assert_int_eq(akt_msg_set(m, "ratio", &v), AKT_ERANGE);
    v.v.f = 0.25;
    ck_assert_int_eq(akt_msg_set(m, "ratio", &v), AKT_OK);
    ck_assert(m->ratio == 0.25f);
    char text[] = "copied";
    v = (akt_value) { .kind = AKT_KIND_STRING, .v.s = { text, 6 } };
    ck_assert_int_eq(akt_msg_set(m, "nick", &v), AKT_OK);
    text[0] = 'X'; /* the message holds its own copy */
    ck_assert(m->has_nick);
    ck_assert_str_eq(m->nick.ptr, "copied");
    v.v.s = (akt_str) { "\xed\xa0\x80", 3 }; /* a surrogate */
    ck_assert_int_eq(akt_msg_set(m, "nick", &v), AKT_EINVAL);
    ck_assert_str_eq(m->nick.ptr, "copied");

    /* clear: optional absent, others back to their default */
    const akt_type *t = &corpus_all_defaults_desc;
    akt_field_clear(t, akt_type_field_by_name(t, "nick"), m);
    ck_assert(!m->has_nick);
    akt_field_clear(t, akt_type_field_by_name(t, "greeting"), m);
    ck_assert_str_eq(m->greeting.ptr, "hello, \"world\"\n");
    akt_field_clear(t, akt_type_field_by_name(t, "ratio"), m);
    ck_assert(m->ratio == 0.5f);

    /* what reflection wrote encodes like any value */
    akt_buf e, tb;
    akt_buf_init(&e);
    akt_buf_init(&tb);
    ck_assert_int_eq(akt_msg_encode(m, &e), AKT_OK);
    ck_assert_int_eq(akt_type_encode(t, m, &tb), AKT_OK);
    assert_same(&e, &tb, "after reflection");
    akt_buf_free(&e);
    akt_buf_free(&tb);
    akt_msg_free(m);

    /* nested messages, lists and maps are deep-copied in */
    corpus_all_Nested *n = corpus_all_nested_alloc(0);
    corpus_common_Point p = { 0 };
    akt_type_init(&corpus_common_point_desc, &p, NULL);
    const akt_field *pf
        = akt_type_field_by_name(&corpus_common_point_desc, "x");
    ck_assert_ptr_nonnull(pf);
    v = (akt_value) { .kind = pf->kind, .v.i = 7 };
    if (pf->kind == AKT_KIND_FLOAT64 || pf->kind == AKT_KIND_FLOAT32) {
        v.v.f = 7;
    }
    ck_assert_int_eq(akt_field_set(pf, &p, &v, NULL), AKT_OK);
    v = (akt_value) { .kind = AKT_KIND_MESSAGE, .v.msg = &p };
    ck_assert_int_eq(akt_msg_set(n, "target", &v), AKT_OK);
    ck_assert_ptr_ne(n->target, &p);
    ck_assert(akt_type_equal(&corpus_common_point_desc, n->target, &p));
    akt_str names[] = { { "a", 1 }, { "", 0 }, { "ccc", 3 } };
    v = (akt_value) { .kind = AKT_KIND_LIST, .v.list = { names, 3 } };
    ck_assert_int_eq(akt_msg_set(n, "names", &v), AKT_OK);
    ck_assert_ptr_ne(n->names.items, names);
    ck_assert_ptr_ne(n->names.items[2].ptr, names[2].ptr);
    ck_assert_str_eq(n->names.items[2].ptr, "ccc");
    akt_str bad[] = { { "\xff", 1 } };
    v.v.list = (akt_list) { bad, 1 };
    ck_assert_int_eq(akt_msg_set(n, "names", &v), AKT_EINVAL);
    ck_assert_uint_eq(n->names.len, 3);
    akt_str keys[] = { { "k", 1 } };
    int64_t vals[] = { -3 };
    v = (akt_value) { .kind = AKT_KIND_MAP, .v.map = { keys, vals, 1 } };
    ck_assert_int_eq(akt_msg_set(n, "counts", &v), AKT_OK);
    ck_assert_int_eq(n->counts.values[0], -3);
    ck_assert_int_eq(akt_msg_get(n, "counts", &v), AKT_OK);
    ck_assert_uint_eq(v.v.map.len, 1);
    void *dup = akt_msg_dup(n);
    ck_assert(akt_type_equal(&corpus_all_nested_desc, dup, n));
    akt_msg_free(dup);
    akt_msg_free(n);
}
END_TEST

/* akt_msg_put_cstr (what the generated constructors call, with the size
 * akt_cstr_size measured) copies the string with its NUL into the
 * message's arena; NULL keeps the member; a size of 0 for a string is
 * misuse, reported, and leaves the member as it was. */
START_TEST(put_cstr_copies_a_string_measured_once)
{
    corpus_all_Scalars *m = corpus_all_scalars_alloc(64);
    ck_assert_ptr_nonnull(m);
    char text[] = "measured once";
    size_t size = akt_cstr_size(text);
    ck_assert_uint_eq(size, sizeof text);
    ck_assert_int_eq(akt_msg_put_cstr(m, &m->text, text, size), AKT_OK);
    text[0] = 'X';
    ck_assert_uint_eq(m->text.len, sizeof text - 1);
    ck_assert_str_eq(m->text.ptr, "measured once");
    ck_assert_uint_eq(akt_cstr_size(NULL), 0);
    ck_assert_int_eq(akt_msg_put_cstr(m, &m->text, NULL, 0), AKT_OK);
    ck_assert_str_eq(m->text.ptr, "measured once"); /* NULL: unchanged */
    ck_assert_int_eq(akt_msg_put_cstr(m, &m->text, "x", 0), AKT_EINVAL);
    ck_assert_int_eq(akt_msg_put_cstr(NULL, &m->text, "x", 2), AKT_EINVAL);
    ck_assert_str_eq(m->text.ptr, "measured once");
    akt_msg_free(m);
}
END_TEST

/* Generated rows leave elem_size 0 (ABI 5): akt_field_elem_size derives
 * it from the element kind, and a row that sets it keeps its value. */
START_TEST(the_element_size_is_derived_from_the_element_kind)
{
    const akt_type *n = &corpus_all_nested_desc;
    for (size_t i = 0; i < n->nfields; i++) {
        const akt_field *f = &n->fields[i];
        if (f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP) {
            ck_assert_uint_eq(f->elem_size, 0);
        }
    }
    const akt_field *f = akt_type_field_by_name(n, "numbers");
    ck_assert_uint_eq(akt_field_elem_size(f), sizeof(int32_t));
    f = akt_type_field_by_name(n, "path");
    ck_assert_uint_eq(akt_field_elem_size(f), sizeof(corpus_common_Point));
    f = akt_type_field_by_name(n, "labels");
    ck_assert_uint_eq(akt_field_elem_size(f), sizeof(akt_str));
    f = akt_type_field_by_name(n, "origin");
    ck_assert_uint_eq(akt_field_elem_size(f), 0); /* not a list or map */
    akt_field set = { "x", 1, AKT_KIND_LIST, 0, .elem_kind = AKT_KIND_INT8,
        .elem_size = 3 };
    ck_assert_uint_eq(akt_field_elem_size(&set), 3);
}
END_TEST

/* The row and descriptor macros of akt/akt_gen.h (ABI 6 and 7, what aktc
 * writes) give exactly the akt_field / akt_type values spelled out by
 * hand: every row shape, the general AKT_FX form with its tails, and
 * AKT_DESC's size, alignment, field count, flags and default value. */
typedef struct macro_row_s {
    int32_t plain;
    bool has_opt;
    int64_t opt;
    struct {
        double *items;
        size_t len;
    } list;
    struct {
        akt_str *keys;
        int32_t *values;
        size_t len;
    } map;
    int32_t color;
    corpus_common_Point *point;
    corpus_common_Point *maybe;
    bool has_old;
    uint16_t old;
    struct {
        int32_t *items;
        size_t len;
    } colors;
} macro_row_s;

static const akt_enum_type row_color_enum = { "t.Color", NULL, 0 };

#define AKT_T macro_row_s
AKT_FIELDS {
    { AKT_F(plain, 1, INT32) },
    { AKT_FO(opt, 2, INT64) },
    { AKT_FL(list, 3, FLOAT64) },
    { AKT_FMAP(map, 4, STRING, INT32) },
    { AKT_FE(color, 5, row_color) },
    { AKT_FM(point, 6, corpus_common_point) },
    { AKT_FMO(maybe, 7, corpus_common_point), .doc = "or not" },
    { AKT_FX(old, 8, UINT16, AKT_FIELD_OPTIONAL | AKT_FIELD_DEPRECATED),
        AKT_HAS(old), .doc = "gone" },
    { AKT_FX(colors, 9, LIST, 0), AKT_EK(ENUM), AKT_ET(row_color) },
};
AKT_DESC(macro_row, "t.Row", 0x1234, MESSAGE, "a row", { .plain = 7 });
#undef AKT_T

START_TEST(the_row_macros_give_the_rows_spelled_out)
{
    typedef macro_row_s R;
    const akt_field want[] = {
        { "plain", 1, AKT_KIND_INT32, 0, .offset = offsetof(R, plain) },
        { "opt", 2, AKT_KIND_INT64, AKT_FIELD_OPTIONAL,
            .offset = offsetof(R, opt), .has_offset = offsetof(R, has_opt) },
        { "list", 3, AKT_KIND_LIST, 0, .offset = offsetof(R, list),
            .elem_kind = AKT_KIND_FLOAT64 },
        { "map", 4, AKT_KIND_MAP, 0, .offset = offsetof(R, map),
            .elem_kind = AKT_KIND_INT32, .key_kind = AKT_KIND_STRING },
        { "color", 5, AKT_KIND_ENUM, 0, .offset = offsetof(R, color),
            .enum_type = &row_color_enum },
        { "point", 6, AKT_KIND_MESSAGE, 0, .offset = offsetof(R, point),
            .msg_type = &corpus_common_point_desc },
        { "maybe", 7, AKT_KIND_MESSAGE, AKT_FIELD_OPTIONAL,
            .offset = offsetof(R, maybe), .msg_type = &corpus_common_point_desc,
            .doc = "or not" },
        { "old", 8, AKT_KIND_UINT16, AKT_FIELD_OPTIONAL | AKT_FIELD_DEPRECATED,
            .offset = offsetof(R, old), .has_offset = offsetof(R, has_old),
            .doc = "gone" },
        { "colors", 9, AKT_KIND_LIST, 0, .offset = offsetof(R, colors),
            .elem_kind = AKT_KIND_ENUM, .enum_type = &row_color_enum },
    };
    const akt_type *t = &macro_row_desc;
    ck_assert_uint_eq(t->nfields, sizeof want / sizeof want[0]);
    ck_assert_ptr_eq(t->fields, macro_row_s_fields_);
    for (size_t i = 0; i < t->nfields; i++) {
        const akt_field *g = &t->fields[i], *w = &want[i];
        ck_assert_str_eq(g->name, w->name);
        ck_assert_uint_eq(g->number, w->number);
        ck_assert_uint_eq(g->kind, w->kind);
        ck_assert_uint_eq(g->flags, w->flags);
        ck_assert_uint_eq(g->offset, w->offset);
        ck_assert_uint_eq(g->has_offset, w->has_offset);
        ck_assert_uint_eq(g->elem_kind, w->elem_kind);
        ck_assert_uint_eq(g->key_kind, w->key_kind);
        ck_assert_uint_eq(g->elem_size, w->elem_size);
        ck_assert_ptr_eq(g->msg_type, w->msg_type);
        ck_assert_ptr_eq(g->enum_type, w->enum_type);
        if (w->doc == NULL) {
            ck_assert_ptr_null(g->doc);
        } else {
            ck_assert_str_eq(g->doc, w->doc);
        }
    }
    ck_assert_uint_eq(t->abi, AKT_GEN_ABI);
    ck_assert_uint_eq(t->flags, AKT_TYPE_MESSAGE | AKT_TYPE_TABLE);
    ck_assert_str_eq(t->name, "t.Row");
    ck_assert_uint_eq(t->id, 0x1234);
    ck_assert_uint_eq(t->size, sizeof(R));
    ck_assert_uint_eq(t->align, _Alignof(R));
    ck_assert_ptr_eq(t->defaults, &macro_row_default);
    ck_assert_int_eq(macro_row_default.plain, 7);
    ck_assert_str_eq(t->doc, "a row");
    ck_assert(t->encode == NULL && t->decode == NULL);
    /* and the generated descriptors, written with them, work: */
    ck_assert_uint_eq(corpus_all_nested_desc.abi, AKT_GEN_ABI);
}
END_TEST

static Suite *
table_suite(void)
{
    Suite *s = suite_create("table");
    TCase *t = tcase_create("generated");
    tcase_set_timeout(t, 120);
    tcase_add_test(
        t, generated_types_encode_as_msgpack_c_packs_them_and_round_trip);
    tcase_add_test(t, damaged_input_is_rejected_or_decodes_to_a_fixed_point);
    tcase_add_test(t, defaults_come_from_the_descriptor);
    tcase_add_test(t, refs_travel_as_paths_and_resolve_in_the_receiving_system);
    tcase_add_test(t, encode_errors_leave_the_buffer_as_it_was);
    suite_add_tcase(s, t);

    t = tcase_create("random schemas");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, random_schemas_round_trip_and_agree_with_msgpack_c);
    tcase_add_test(t, random_schemas_reject_wrong_types_and_bad_keys);
    suite_add_tcase(s, t);

    t = tcase_create("reflection");
    tcase_add_test(t, fields_are_found_by_index_number_and_name);
    tcase_add_test(t, fields_read_and_write_through_reflection);
    tcase_add_test(t, put_cstr_copies_a_string_measured_once);
    tcase_add_test(t, the_element_size_is_derived_from_the_element_kind);
    tcase_add_test(t, the_row_macros_give_the_rows_spelled_out);
    suite_add_tcase(s, t);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(table_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
