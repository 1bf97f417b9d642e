/*
 * table.c -- the table-driven operations on a value of any type: defaults,
 * deep copy, equality, msgpack encode and decode, each a walk over the
 * descriptor's field table (akt_field: kind, offset, presence, element
 * kind and size, nested type). Public API: akt/reflect.h; the wire format:
 * docs/encoding.md.
 *
 * Behaviour is, to the byte and to the error code, what aktc's emitted
 * per-type functions do (tests/codec/table_test.c checks both against each
 * other, and against msgpack-c, on every generated test type and on random
 * schemas):
 *  - encode writes a map with every non-optional field and the present
 *    optional ones (an optional ref to nobody is absent), in table order;
 *    a NULL non-optional message encodes its type's default value;
 *  - decode reads one map; a key that is not a non-negative integer is an
 *    error, an unknown one is skipped (akt_mp_skip), nil reads as absent
 *    for an optional field; every list, map and nested message enters one
 *    level of r->max_depth; arrays and nested structs come from
 *    akt_mp_alloc (charged to the budget), strings from akt_mp_get_str.
 *
 * The encoder keeps its write cursor in locals and reserves room once per
 * value (a compare on the hot path), so a field costs no call; the writers
 * are mp_impl.h's, shared with akt_mp_put_*. Nested messages recurse on the
 * C stack: decode depth is bounded by r->max_depth (at most 512), encode
 * depth by TBL_DEPTH_CAP, so a cyclic value built by hand fails with
 * AKT_ETOOBIG instead of overflowing the stack.
 */
#include <stdlib.h>

#include "akt/reflect.h"
#include "codec/mp_impl.h"
#include "codec/table.h"

#define TBL_DEPTH_CAP AKTI_MP_DEPTH_CAP

/* --- kinds --------------------------------------------------------------- */

size_t
akti_kind_size(unsigned k, const akt_type *mt)
{
    switch (k) {
    case AKT_KIND_BOOL:
        return sizeof(bool);
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
        return mt ? mt->size : 0;
    default:
        return 0;
    }
}

size_t
akti_kind_align(unsigned k, const akt_type *mt)
{
    switch (k) {
    case AKT_KIND_STRING:
        return _Alignof(akt_str);
    case AKT_KIND_BYTES:
        return _Alignof(akt_bytes);
    case AKT_KIND_REF:
        return _Alignof(akt_ref);
    case AKT_KIND_MESSAGE:
        return mt && mt->align ? mt->align : 1;
    default: {
        size_t s = akti_kind_size(k, NULL);
        return s ? s : 1;
    }
    }
}

static inline int64_t
ld_int(const void *p, unsigned k)
{
    switch (k) {
    case AKT_KIND_INT8:
        return *(const int8_t *)p;
    case AKT_KIND_INT16:
        return *(const int16_t *)p;
    case AKT_KIND_INT64:
        return *(const int64_t *)p;
    default: /* INT32, ENUM */
        return *(const int32_t *)p;
    }
}

static inline uint64_t
ld_uint(const void *p, unsigned k)
{
    switch (k) {
    case AKT_KIND_UINT8:
        return *(const uint8_t *)p;
    case AKT_KIND_UINT16:
        return *(const uint16_t *)p;
    case AKT_KIND_UINT32:
        return *(const uint32_t *)p;
    default: /* UINT64 */
        return *(const uint64_t *)p;
    }
}

/* The default value of t, for a NULL non-optional nested message: its
 * descriptor's, or (a type with an init function instead) made into *tmp,
 * which the caller frees. NULL on ENOMEM. */
const void *
akti_type_default(const akt_type *t, void **tmp)
{
    *tmp = NULL;
    if (t->defaults != NULL || t->init == NULL) {
        static const max_align_t zero[8];
        if (t->defaults != NULL) {
            return t->defaults;
        }
        if (t->size <= sizeof zero) {
            return zero; /* all zero */
        }
    }
    void *o = calloc(1, t->size ? t->size : 1);
    if (o != NULL) {
        akt_type_init(t, o, NULL);
    }
    *tmp = o;
    return o;
}

void
akt_type_init(const akt_type *t, void *obj, akt_arena *arena)
{
    if (t == NULL || obj == NULL) {
        return;
    }
    if (t->defaults != NULL) {
        memcpy(obj, t->defaults, t->size);
    } else if (t->init != NULL) {
        t->init(obj, arena);
    }
}

bool
akt_type_serializable(const akt_type *t)
{
    return t != NULL
        && ((t->encode != NULL && t->decode != NULL)
            || (t->flags & AKT_TYPE_TABLE));
}

/* has_flag -- an optional field's presence as stored (its has_ flag, or a
 * message pointer); true for non-optional fields. */
static inline bool
has_flag(const akt_field *f, const char *base)
{
    if (!(f->flags & AKT_FIELD_OPTIONAL)) {
        return true;
    }
    if (akti_has_offset(f) == AKT_NO_OFFSET) {
        return f->kind != AKT_KIND_MESSAGE
            || *(void *const *)(base + f->offset) != NULL;
    }
    return *(const bool *)(base + f->has_offset);
}

/* enc_present -- whether the encoder writes f: has_flag, except that an
 * optional ref to nobody travels as nil, which reads as absent, so it is
 * left out. */
static inline bool
enc_present(const akt_field *f, const char *base)
{
    if (!(f->flags & AKT_FIELD_OPTIONAL)) {
        return true;
    }
    if (!has_flag(f, base)) {
        return false;
    }
    return f->kind != AKT_KIND_REF
        || !akt_ref_is_none(*(const akt_ref *)(base + f->offset));
}

/* --- encode -------------------------------------------------------------- */

/* The output: b's storage up to end. Every encoder function takes the
 * cursor p by value and returns where it got to, or NULL with the error in
 * err: p is never address-taken, so the compiler holds it in a register
 * across the byte stores, and the buffer is touched only to grow it. */
typedef struct wr {
    uint8_t *end;
    akt_buf *b;
    akt_err err;
} wr;

static uint8_t *
wr_fail(wr *w, akt_err rc)
{
    w->err = rc;
    return NULL;
}

/* wr_more -- room for n bytes at p (the storage may move). */
static AKTI_NOINLINE uint8_t *
wr_more(wr *w, uint8_t *p, size_t n)
{
    akt_buf *b = w->b;
    b->len = (size_t)(p - b->data);
    akt_err rc = akt_buf_reserve(b, n);
    if (rc != AKT_OK) {
        return wr_fail(w, rc);
    }
    w->end = b->data + b->cap;
    return b->data + b->len;
}

static inline AKTI_ALWAYS_INLINE uint8_t *
wr_need(wr *w, uint8_t *p, size_t n)
{
    return AKTI_LIKELY((size_t)(w->end - p) >= n) ? p : wr_more(w, p, n);
}

static uint8_t *enc_obj(
    const akt_type *t, const void *obj, wr *w, uint8_t *p, unsigned depth);

/* copy_body -- memcpy for string and bytes bodies: up to 32 bytes as two
 * overlapping fixed-size copies (inline moves, no call into libc). */
static inline uint8_t *
copy_body(uint8_t *p, const void *src, size_t len)
{
    const uint8_t *s = src;
    if (len >= 16 && len <= 32) {
        memcpy(p, s, 16);
        memcpy(p + len - 16, s + len - 16, 16);
    } else if (len >= 8 && len < 16) {
        memcpy(p, s, 8);
        memcpy(p + len - 8, s + len - 8, 8);
    } else if (len > 0) {
        memcpy(p, s, len);
    }
    return p + len;
}

/* enc_bytes -- a str (is_str) or bin with its header; the checks are
 * akt_mp_put_str's / _bin's, in their order. */
static inline AKTI_ALWAYS_INLINE uint8_t *
enc_bytes(wr *w, uint8_t *p, const char *ptr, size_t len, bool is_str)
{
    if (AKTI_UNLIKELY(ptr == NULL && len > 0)) {
        return wr_fail(w, AKT_EINVAL);
    }
    if (AKTI_UNLIKELY(len > UINT32_MAX)) {
        return wr_fail(w, AKT_ETOOBIG);
    }
    if (is_str && AKTI_UNLIKELY(!mp_utf8_valid((const uint8_t *)ptr, len))) {
        return wr_fail(w, AKT_EINVAL);
    }
    if ((p = wr_need(w, p, 5 + len)) == NULL) {
        return NULL;
    }
    p = is_str ? mp_w_head(p, len, MP_FIXSTR, 32, MP_STR8, MP_STR16, MP_STR32)
               : mp_w_head(p, len, 0, 0, MP_BIN8, MP_BIN16, MP_BIN32);
    return copy_body(p, ptr, len);
}

/* enc_slow -- the values that leave the hot path: refs (through the ref
 * codec, which asks the actor's system for its path) and nested messages
 * (a NULL non-optional one encodes its type's default value). */
static AKTI_NOINLINE uint8_t *
enc_slow(wr *w, uint8_t *p, unsigned k, const akt_type *mt, const void *vp,
    bool msg_ptr, unsigned depth)
{
    if (k == AKT_KIND_REF) {
        akt_buf *b = w->b;
        b->len = (size_t)(p - b->data);
        akt_err rc = akt_mp_put_ref(b, *(const akt_ref *)vp);
        if (rc != AKT_OK) {
            return wr_fail(w, rc);
        }
        w->end = b->data + b->cap;
        return b->data + b->len;
    }
    if (k != AKT_KIND_MESSAGE || mt == NULL) {
        return wr_fail(w, AKT_EINVAL); /* NONE, or a list/map element */
    }
    const void *obj = msg_ptr ? *(const void *const *)vp : vp;
    if (obj != NULL) {
        return enc_obj(mt, obj, w, p, depth + 1);
    }
    void *tmp;
    obj = akti_type_default(mt, &tmp);
    p = obj ? enc_obj(mt, obj, w, p, depth + 1) : wr_fail(w, AKT_ENOMEM);
    free(tmp);
    return p;
}

/* enc_val -- one value of kind k at vp, at p, which has room for 9 bytes;
 * a MESSAGE is a pointer to the struct when msg_ptr (a field), the struct
 * itself otherwise (an element). Inlined into both callers (fields and
 * elements), so a scalar costs no call. */
static inline AKTI_ALWAYS_INLINE uint8_t *
enc_val(wr *w, uint8_t *p, unsigned k, const akt_type *mt, const void *vp,
    bool msg_ptr, unsigned depth)
{
    switch (k) {
    case AKT_KIND_BOOL:
        *p = *(const bool *)vp ? MP_TRUE : MP_FALSE;
        return p + 1;
    case AKT_KIND_INT8:
    case AKT_KIND_INT16:
    case AKT_KIND_INT32:
    case AKT_KIND_INT64:
    case AKT_KIND_ENUM:
        return mp_w_int(p, ld_int(vp, k));
    case AKT_KIND_UINT8:
    case AKT_KIND_UINT16:
    case AKT_KIND_UINT32:
    case AKT_KIND_UINT64:
        return mp_w_uint(p, ld_uint(vp, k));
    case AKT_KIND_FLOAT32:
        return mp_w_f32(p, *(const float *)vp);
    case AKT_KIND_FLOAT64:
        return mp_w_f64(p, *(const double *)vp);
    case AKT_KIND_STRING:
    case AKT_KIND_BYTES: {
        const akt_str *s = vp; /* akt_bytes has the same layout */
        return enc_bytes(w, p, s->ptr, s->len, k == AKT_KIND_STRING);
    }
    default:
        return enc_slow(w, p, k, mt, vp, msg_ptr, depth);
    }
}

/* enc_items -- a list's or map's elements (map: key, value, key, ...). */
static AKTI_NOINLINE uint8_t *
enc_items(wr *w, uint8_t *p, const akt_field *f, const char *vp, unsigned depth)
{
    bool is_map = f->kind == AKT_KIND_MAP;
    const akt_list *l = (const void *)vp;
    const akt_map *m = (const void *)vp;
    size_t n = is_map ? m->len : l->len;
    const char *items = is_map ? m->values : l->items;
    const char *keys = is_map ? m->keys : NULL;
    size_t esize = akti_elem_size(f), ksize = akti_kind_size(f->key_kind, NULL);
    for (size_t j = 0; j < n && p != NULL; j++) {
        if (is_map) {
            if ((p = wr_need(w, p, 9)) == NULL) {
                return NULL;
            }
            p = enc_val(
                w, p, f->key_kind, NULL, keys + j * ksize, false, depth);
            if (p == NULL) {
                return NULL;
            }
        }
        if ((p = wr_need(w, p, 9)) == NULL) {
            return NULL;
        }
        p = enc_val(
            w, p, f->elem_kind, f->msg_type, items + j * esize, false, depth);
    }
    return p;
}

static uint8_t *
enc_obj(const akt_type *t, const void *obj, wr *w, uint8_t *p, unsigned depth)
{
    if (depth > TBL_DEPTH_CAP) {
        return wr_fail(w, AKT_ETOOBIG);
    }
    const char *base = obj;
    const akt_field *fields = t->fields;
    size_t nf = t->nfields;
    if ((p = wr_need(w, p, 5)) == NULL) {
        return NULL;
    }
    /* The map header counts the fields written. Under 16 fields it is
     * one byte whatever the count: written as the fields are, then set
     * (no pass over the presence flags first). The buffer may move, so
     * the header is found again by its offset. */
    size_t head = SIZE_MAX;
    if (nf < 16) {
        head = (size_t)(p - w->b->data);
        p++;
    } else {
        uint32_t count = 0;
        for (size_t i = 0; i < nf; i++) {
            count += enc_present(&fields[i], base);
        }
        p = mp_w_head(p, count, MP_FIXMAP, 16, 0, MP_MAP16, MP_MAP32);
    }
    uint8_t count = 0;
    for (size_t i = 0; i < nf; i++) {
        const akt_field *f = &fields[i];
        if (!enc_present(f, base)) {
            continue;
        }
        count++;
        const char *vp = base + f->offset;
        /* the key and a scalar, or a container header */
        if ((p = wr_need(w, p, 18)) == NULL) {
            return NULL;
        }
        if (f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP) {
            bool is_map = f->kind == AKT_KIND_MAP;
            size_t n = is_map ? ((const akt_map *)(const void *)vp)->len
                              : ((const akt_list *)(const void *)vp)->len;
            if (n > UINT32_MAX) {
                return wr_fail(w, AKT_ETOOBIG);
            }
            p = mp_w_uint(p, f->number);
            p = is_map
                ? mp_w_head(p, n, MP_FIXMAP, 16, 0, MP_MAP16, MP_MAP32)
                : mp_w_head(p, n, MP_FIXARRAY, 16, 0, MP_ARRAY16, MP_ARRAY32);
            if (n > 0 && (p = enc_items(w, p, f, vp, depth)) == NULL) {
                return NULL;
            }
            continue;
        }
        p = mp_w_uint(p, f->number);
        p = enc_val(w, p, f->kind, f->msg_type, vp, true, depth);
        if (p == NULL) {
            return NULL;
        }
    }
    if (head != SIZE_MAX) {
        w->b->data[head] = (uint8_t)(MP_FIXMAP | count);
    }
    return p;
}

akt_err
akti_type_encode(const akt_type *t, const void *obj, akt_buf *out)
{
    size_t mark = out->len;
    /* most messages are small: one reservation up front keeps the field
     * writes on their no-grow path (and data is not NULL from here) */
    if (out->data == NULL || out->cap - out->len < 64) {
        akt_err rc = akt_buf_reserve(out, 64);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    wr w = { out->data + out->cap, out, AKT_OK };
    uint8_t *p = enc_obj(t, obj, &w, out->data + out->len, 0);
    if (p == NULL) {
        out->len = mark;
        return w.err;
    }
    out->len = (size_t)(p - out->data);
    return AKT_OK;
}

akt_err
akt_type_encode(const akt_type *t, const void *obj, akt_buf *out)
{
    if (t == NULL || obj == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    return akti_type_encode(t, obj, out);
}

/* --- decode -------------------------------------------------------------- */

static void dec_obj(
    const akt_type *t, void *obj, akt_reader *r, akt_arena *arena);

/* dec_at -- a nested message into zeroed storage at obj, one level
 * deeper: its defaults, then its map. */
static void
dec_at(const akt_type *mt, void *obj, akt_reader *r, akt_arena *arena)
{
    if (akt_mp_enter(r) == AKT_OK) {
        akt_type_init(mt, obj, arena);
        dec_obj(mt, obj, r, arena);
        akt_mp_leave(r);
    }
}

/* dec_int / dec_uint -- an integer field of kind k: any msgpack integer
 * that fits (akt_mp_get_int / _uint), else AKT_ERANGE. A positive fixint
 * is read inline. */
static inline AKTI_ALWAYS_INLINE void
dec_int(akt_reader *r, void *vp, unsigned k)
{
    int64_t x = 0;
    if (AKTI_LIKELY(r->p < r->end && (*r->p <= MP_POSFIX_MAX))) {
        x = *r->p++;
    } else if (akt_mp_get_int(r, &x) != AKT_OK) {
        return;
    }
    switch (k) {
    case AKT_KIND_INT8:
        if (x < INT8_MIN || x > INT8_MAX) {
            akt_mp_fail(r, AKT_ERANGE);
            return;
        }
        *(int8_t *)vp = (int8_t)x;
        break;
    case AKT_KIND_INT16:
        if (x < INT16_MIN || x > INT16_MAX) {
            akt_mp_fail(r, AKT_ERANGE);
            return;
        }
        *(int16_t *)vp = (int16_t)x;
        break;
    case AKT_KIND_INT64:
        *(int64_t *)vp = x;
        break;
    default: /* INT32, ENUM */
        if (x < INT32_MIN || x > INT32_MAX) {
            akt_mp_fail(r, AKT_ERANGE);
            return;
        }
        *(int32_t *)vp = (int32_t)x;
        break;
    }
}

static inline AKTI_ALWAYS_INLINE void
dec_uint(akt_reader *r, void *vp, unsigned k)
{
    uint64_t x = 0;
    if (AKTI_LIKELY(r->p < r->end && (*r->p <= MP_POSFIX_MAX))) {
        x = *r->p++;
    } else if (akt_mp_get_uint(r, &x) != AKT_OK) {
        return;
    }
    switch (k) {
    case AKT_KIND_UINT8:
        if (x > UINT8_MAX) {
            akt_mp_fail(r, AKT_ERANGE);
            return;
        }
        *(uint8_t *)vp = (uint8_t)x;
        break;
    case AKT_KIND_UINT16:
        if (x > UINT16_MAX) {
            akt_mp_fail(r, AKT_ERANGE);
            return;
        }
        *(uint16_t *)vp = (uint16_t)x;
        break;
    case AKT_KIND_UINT32:
        if (x > UINT32_MAX) {
            akt_mp_fail(r, AKT_ERANGE);
            return;
        }
        *(uint32_t *)vp = (uint32_t)x;
        break;
    default: /* UINT64 */
        *(uint64_t *)vp = x;
        break;
    }
}

/* dec_slow -- values that need the arena or a system: strings, bytes,
 * refs, nested messages; and kinds a value cannot have. */
static AKTI_NOINLINE void
dec_slow(akt_reader *r, akt_arena *arena, unsigned k, const akt_type *mt,
    void *vp, bool msg_ptr)
{
    switch (k) {
    case AKT_KIND_STRING:
        akt_mp_get_str(r, arena, (akt_str *)vp);
        break;
    case AKT_KIND_BYTES:
        akt_mp_get_bin(r, arena, (akt_bytes *)vp);
        break;
    case AKT_KIND_REF:
        akt_mp_get_ref(r, (akt_ref *)vp);
        break;
    case AKT_KIND_MESSAGE:
        if (mt == NULL) {
            akt_mp_fail(r, AKT_EINVAL);
        } else if (msg_ptr) {
            void *obj = akt_mp_alloc(r, arena, 1, mt->size, mt->align);
            if (obj != NULL) {
                dec_at(mt, obj, r, arena);
            }
            *(void **)vp = r->err == AKT_OK ? obj : NULL;
        } else {
            dec_at(mt, vp, r, arena);
        }
        break;
    default:
        akt_mp_fail(r, AKT_EINVAL); /* a table this codec cannot read */
        break;
    }
}

/* dec_val -- one value of kind k into vp (a MESSAGE: a pointer slot when
 * msg_ptr, else zeroed struct storage). Errors latch in r. The common
 * forms of scalars are read inline; the rest through akt_mp_get_*, which
 * take every form and report every error. */
static inline AKTI_ALWAYS_INLINE void
dec_val(akt_reader *r, akt_arena *arena, unsigned k, const akt_type *mt,
    void *vp, bool msg_ptr)
{
    const uint8_t *p = r->p;
    size_t left = (size_t)(r->end - p);
    switch (k) {
    case AKT_KIND_BOOL:
        if (AKTI_LIKELY(left >= 1 && (*p & 0xfe) == MP_FALSE)) {
            *(bool *)vp = *p == MP_TRUE;
            r->p = p + 1;
        } else {
            akt_mp_get_bool(r, (bool *)vp);
        }
        break;
    case AKT_KIND_INT8:
    case AKT_KIND_INT16:
    case AKT_KIND_INT32:
    case AKT_KIND_INT64:
    case AKT_KIND_ENUM:
        dec_int(r, vp, k);
        break;
    case AKT_KIND_UINT8:
    case AKT_KIND_UINT16:
    case AKT_KIND_UINT32:
    case AKT_KIND_UINT64:
        dec_uint(r, vp, k);
        break;
    case AKT_KIND_FLOAT32:
        if (AKTI_LIKELY(left >= 5 && *p == MP_F32)) {
            uint32_t bits = mp_ld32(p + 1);
            memcpy(vp, &bits, 4);
            r->p = p + 5;
        } else {
            akt_mp_get_f32(r, (float *)vp);
        }
        break;
    case AKT_KIND_FLOAT64:
        if (AKTI_LIKELY(left >= 9 && *p == MP_F64)) {
            uint64_t bits = mp_ld64(p + 1);
            memcpy(vp, &bits, 8);
            r->p = p + 9;
        } else {
            akt_mp_get_f64(r, (double *)vp);
        }
        break;
    default:
        dec_slow(r, arena, k, mt, vp, msg_ptr);
        break;
    }
}

/* dec_items -- n zeroed elements of size bytes from the arena; NULL for
 * n == 0 (nothing charged), or with r->err latched. */
static inline char *
dec_items(
    akt_reader *r, akt_arena *arena, uint32_t n, size_t size, size_t align)
{
    return n ? akt_mp_alloc(r, arena, n, size, align) : NULL;
}

/* dec_container -- a list or map field: one level deeper, the element
 * arrays from the arena (keys first), then the elements. */
static AKTI_NOINLINE void
dec_container(const akt_field *f, void *vp, akt_reader *r, akt_arena *arena)
{
    uint32_t len = 0;
    bool is_map = f->kind == AKT_KIND_MAP;
    if (akt_mp_enter(r) == AKT_OK
        && (is_map ? akt_mp_get_map(r, &len) : akt_mp_get_array(r, &len))
            == AKT_OK) {
        const akt_type *mt = f->msg_type;
        size_t esize = akti_elem_size(f);
        char *keys = NULL;
        size_t ksize = 0;
        if (is_map) {
            ksize = akti_kind_size(f->key_kind, NULL);
            keys = dec_items(
                r, arena, len, ksize, akti_kind_align(f->key_kind, NULL));
        }
        char *items = dec_items(
            r, arena, len, esize, akti_kind_align(f->elem_kind, mt));
        if (r->err != AKT_OK) {
            len = 0;
        }
        if (is_map) {
            akt_map *m = vp;
            m->keys = keys;
            m->values = items;
            m->len = len;
        } else {
            akt_list *l = vp;
            l->items = items;
            l->len = len;
        }
        for (uint32_t j = 0; j < len && r->err == AKT_OK; j++) {
            if (is_map) {
                dec_val(r, arena, f->key_kind, NULL, keys + j * ksize, false);
            }
            dec_val(r, arena, f->elem_kind, mt, items + j * esize, false);
        }
    }
    akt_mp_leave(r);
}

static inline AKTI_ALWAYS_INLINE void
dec_field(const akt_field *f, char *base, akt_reader *r, akt_arena *arena)
{
    void *vp = base + f->offset;
    unsigned k = f->kind;
    if (k == AKT_KIND_LIST || k == AKT_KIND_MAP) {
        dec_container(f, vp, r, arena);
        return;
    }
    if (f->flags & AKT_FIELD_OPTIONAL) {
        /* akt_mp_peek's answers: nil is absent; 0xc1 is malformed before
         * anything else (say, entering a nested message) is tried */
        if (r->p < r->end && *r->p == MP_NIL) {
            r->p++;
            return;
        }
        if (r->p < r->end && *r->p == MP_NEVER) {
            akt_mp_fail(r, AKT_EPROTO);
            return;
        }
        dec_val(r, arena, k, f->msg_type, vp, true);
        if (akti_has_offset(f) != AKT_NO_OFFSET) {
            *(bool *)(base + f->has_offset) = r->err == AKT_OK
                && (k != AKT_KIND_REF || !akt_ref_is_none(*(akt_ref *)vp));
        }
        return;
    }
    dec_val(r, arena, k, f->msg_type, vp, true);
}

static void
dec_obj(const akt_type *t, void *obj, akt_reader *r, akt_arena *arena)
{
    uint32_t n = 0;
    if (akt_mp_get_map(r, &n) != AKT_OK) {
        return;
    }
    const akt_field *fields = t->fields;
    size_t nf = t->nfields, next = 0;
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key;
        if (AKTI_LIKELY(r->p < r->end && *r->p <= MP_POSFIX_MAX)) {
            key = *r->p++;
        } else if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        /* Writers send fields in table order: try the one after the last
         * match first, then search. */
        const akt_field *f = NULL;
        if (AKTI_LIKELY(next < nf && fields[next].number == key)) {
            f = &fields[next++];
        } else {
            for (size_t j = 0; j < nf; j++) {
                if (fields[j].number == key) {
                    f = &fields[j];
                    next = j + 1;
                    break;
                }
            }
        }
        if (f == NULL) {
            akt_mp_skip(r); /* a field this version does not know */
            continue;
        }
        dec_field(f, obj, r, arena);
    }
}

akt_err
akt_type_decode(const akt_type *t, void *obj, akt_reader *r, akt_arena *arena)
{
    if (r == NULL) {
        return AKT_EINVAL;
    }
    if (t == NULL || obj == NULL) {
        return akt_mp_fail(r, AKT_EINVAL);
    }
    dec_obj(t, obj, r, arena);
    return r->err;
}

/* --- copy ---------------------------------------------------------------- */

static akt_err copy_obj(
    const akt_type *t, void *dst, const void *src, akt_arena *arena);

/* copy_deep -- the value of kind k at dp (byte-copied from sp, so it still
 * points into the source's storage) made independent: strings, bytes and
 * nested messages copied into arena. */
static akt_err
copy_deep(akt_arena *arena, unsigned k, const akt_type *mt, void *dp,
    const void *sp, bool msg_ptr)
{
    switch (k) {
    case AKT_KIND_STRING: {
        akt_str *s = dp;
        return s->ptr == NULL ? AKT_OK
                              : akt_arena_str(arena, s->ptr, s->len, s);
    }
    case AKT_KIND_BYTES: {
        akt_bytes *b = dp;
        return akt_arena_bytes(arena, b->ptr, b->len, b);
    }
    case AKT_KIND_MESSAGE: {
        if (mt == NULL) {
            return AKT_EINVAL;
        }
        if (!msg_ptr) {
            return copy_obj(mt, dp, sp, arena);
        }
        const void *from = *(void **)dp;
        if (from == NULL) {
            return AKT_OK;
        }
        void *to = akt_arena_alloc(arena, mt->size, mt->align);
        if (to == NULL) {
            return AKT_ENOMEM;
        }
        *(void **)dp = to;
        return copy_obj(mt, to, from, arena);
    }
    default:
        return AKT_OK;
    }
}

static inline bool
kind_deep(unsigned k)
{
    return k == AKT_KIND_STRING || k == AKT_KIND_BYTES || k == AKT_KIND_MESSAGE;
}

/* copy_items -- n elements of size bytes into the arena (*out NULL for
 * n == 0), then each made independent. */
akt_err
akti_copy_items(akt_arena *arena, unsigned k, const akt_type *mt,
    const char *src, size_t n, size_t size, size_t align, void **out)
{
    *out = NULL;
    if (n == 0) {
        return AKT_OK;
    }
    if (size == 0 || n > SIZE_MAX / size) {
        return AKT_ENOMEM;
    }
    char *d = akt_arena_alloc(arena, n * size, align);
    if (d == NULL) {
        return AKT_ENOMEM;
    }
    memcpy(d, src, n * size);
    *out = d;
    if (!kind_deep(k)) {
        return AKT_OK;
    }
    for (size_t i = 0; i < n; i++) {
        akt_err rc
            = copy_deep(arena, k, mt, d + i * size, src + i * size, false);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}

static akt_err
copy_obj(const akt_type *t, void *dst, const void *src, akt_arena *arena)
{
    memcpy(dst, src, t->size);
    char *d = dst;
    const char *s = src;
    for (size_t i = 0; i < t->nfields; i++) {
        const akt_field *f = &t->fields[i];
        akt_err rc = AKT_OK;
        if (f->kind == AKT_KIND_LIST) {
            const akt_list *sl = (const void *)(s + f->offset);
            akt_list *dl = (void *)(d + f->offset);
            rc = akti_copy_items(arena, f->elem_kind, f->msg_type, sl->items,
                sl->len, akti_elem_size(f),
                akti_kind_align(f->elem_kind, f->msg_type), &dl->items);
        } else if (f->kind == AKT_KIND_MAP) {
            const akt_map *sm = (const void *)(s + f->offset);
            akt_map *dm = (void *)(d + f->offset);
            rc = akti_copy_items(arena, f->key_kind, NULL, sm->keys, sm->len,
                akti_kind_size(f->key_kind, NULL),
                akti_kind_align(f->key_kind, NULL), &dm->keys);
            if (rc == AKT_OK) {
                rc = akti_copy_items(arena, f->elem_kind, f->msg_type,
                    sm->values, sm->len, akti_elem_size(f),
                    akti_kind_align(f->elem_kind, f->msg_type), &dm->values);
            }
        } else if (kind_deep(f->kind)
            && (f->kind == AKT_KIND_MESSAGE || has_flag(f, s))) {
            rc = copy_deep(arena, f->kind, f->msg_type, d + f->offset,
                s + f->offset, true);
        }
        if (rc != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}

akt_err
akt_type_copy(const akt_type *t, void *dst, const void *src, akt_arena *arena)
{
    if (t == NULL || dst == NULL || src == NULL) {
        return AKT_EINVAL;
    }
    return copy_obj(t, dst, src, arena);
}

/* --- equality ------------------------------------------------------------ */

static bool eq_obj(const akt_type *t, const void *a, const void *b);

static bool
eq_val(
    unsigned k, const akt_type *mt, const void *a, const void *b, bool msg_ptr)
{
    switch (k) {
    case AKT_KIND_BOOL:
        return *(const bool *)a == *(const bool *)b;
    case AKT_KIND_INT8:
    case AKT_KIND_UINT8:
        return *(const uint8_t *)a == *(const uint8_t *)b;
    case AKT_KIND_INT16:
    case AKT_KIND_UINT16:
        return *(const uint16_t *)a == *(const uint16_t *)b;
    case AKT_KIND_INT32:
    case AKT_KIND_UINT32:
    case AKT_KIND_ENUM:
    case AKT_KIND_FLOAT32: /* bitwise, so a NaN equals its copy */
        return memcmp(a, b, 4) == 0;
    case AKT_KIND_INT64:
    case AKT_KIND_UINT64:
    case AKT_KIND_FLOAT64:
        return memcmp(a, b, 8) == 0;
    case AKT_KIND_STRING:
    case AKT_KIND_BYTES: {
        /* akt_str and akt_bytes share one layout */
        const akt_str *x = a, *y = b;
        return x->len == y->len
            && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
    }
    case AKT_KIND_REF:
        return akt_ref_equal(*(const akt_ref *)a, *(const akt_ref *)b);
    case AKT_KIND_MESSAGE: {
        if (mt == NULL) {
            return false;
        }
        if (!msg_ptr) {
            return eq_obj(mt, a, b);
        }
        const void *x = *(const void *const *)a, *y = *(const void *const *)b;
        if (x != NULL && y != NULL) {
            return eq_obj(mt, x, y);
        }
        if (x == y) {
            return true;
        }
        /* NULL stands for the default value of the type */
        void *tmp;
        const void *d = akti_type_default(mt, &tmp);
        bool eq = d != NULL && eq_obj(mt, x ? x : d, y ? y : d);
        free(tmp);
        return eq;
    }
    default:
        return false;
    }
}

static bool
eq_items(unsigned k, const akt_type *mt, const char *a, const char *b, size_t n,
    size_t size)
{
    for (size_t i = 0; i < n; i++) {
        if (!eq_val(k, mt, a + i * size, b + i * size, false)) {
            return false;
        }
    }
    return true;
}

static bool
eq_obj(const akt_type *t, const void *a, const void *b)
{
    const char *x = a, *y = b;
    for (size_t i = 0; i < t->nfields; i++) {
        const akt_field *f = &t->fields[i];
        const char *xa = x + f->offset, *ya = y + f->offset;
        if (f->kind == AKT_KIND_LIST) {
            const akt_list *l = (const void *)xa, *m = (const void *)ya;
            if (l->len != m->len
                || !eq_items(f->elem_kind, f->msg_type, l->items, m->items,
                    l->len, akti_elem_size(f))) {
                return false;
            }
            continue;
        }
        if (f->kind == AKT_KIND_MAP) {
            const akt_map *l = (const void *)xa, *m = (const void *)ya;
            if (l->len != m->len
                || !eq_items(f->key_kind, NULL, l->keys, m->keys, l->len,
                    akti_kind_size(f->key_kind, NULL))
                || !eq_items(f->elem_kind, f->msg_type, l->values, m->values,
                    l->len, akti_elem_size(f))) {
                return false;
            }
            continue;
        }
        if (f->flags & AKT_FIELD_OPTIONAL) {
            bool hx = has_flag(f, x), hy = has_flag(f, y);
            if (hx != hy) {
                return false;
            }
            if (!hx) {
                continue;
            }
        }
        if (!eq_val(f->kind, f->msg_type, xa, ya, true)) {
            return false;
        }
    }
    return true;
}

bool
akt_type_equal(const akt_type *t, const void *a, const void *b)
{
    if (a == b) {
        return true;
    }
    if (t == NULL || a == NULL || b == NULL) {
        return false;
    }
    return eq_obj(t, a, b);
}
