/*
 * sample.c -- descriptors and codec functions for test.Inner/test.Sample,
 * written by hand in the shape aktc's C emitter produces (see sample.h):
 * encode writes a map of the present fields keyed by number; decode reads
 * the map, skips unknown numbers, range-checks narrow integers and enums,
 * and enters/leaves around every nested value.
 */
#include <stddef.h>
#include <string.h>

#include "codec/sample.h"

/* --- test.Inner ------------------------------------------------------------
 */

static akt_err
inner_encode_fields(const test_Inner *m, akt_buf *b)
{
    akt_err rc;
    uint32_t n = (m->label.len != 0) + (m->n != 0);
    if ((rc = akt_mp_put_map(b, n)) != AKT_OK) {
        return rc;
    }
    if (m->label.len != 0) {
        if ((rc = akt_mp_put_uint(b, 1)) != AKT_OK
            || (rc = akt_mp_put_str(b, m->label.ptr, m->label.len)) != AKT_OK) {
            return rc;
        }
    }
    if (m->n != 0) {
        if ((rc = akt_mp_put_uint(b, 2)) != AKT_OK
            || (rc = akt_mp_put_int(b, m->n)) != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}

static akt_err
inner_encode(const void *obj, akt_buf *b)
{
    return inner_encode_fields(obj, b);
}

static akt_err
get_i32(akt_reader *r, int32_t *v)
{
    int64_t x;
    if (akt_mp_get_int(r, &x) != AKT_OK) {
        return r->err;
    }
    if (x < INT32_MIN || x > INT32_MAX) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (int32_t)x;
    return AKT_OK;
}

static akt_err
inner_decode(void *obj, akt_reader *r, akt_arena *arena)
{
    test_Inner *m = obj;
    uint32_t n;
    if (akt_mp_get_map(r, &n) != AKT_OK) {
        return r->err;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t key;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            return r->err;
        }
        switch (key) {
        case 1:
            akt_mp_get_str(r, arena, &m->label);
            break;
        case 2:
            get_i32(r, &m->n);
            break;
        default:
            akt_mp_skip(r);
            break;
        }
        if (r->err != AKT_OK) {
            return r->err;
        }
    }
    return AKT_OK;
}

static const akt_field inner_fields[] = {
    { .name = "label",
        .number = 1,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(test_Inner, label),
        .has_offset = AKT_NO_OFFSET },
    { .name = "n",
        .number = 2,
        .kind = AKT_KIND_INT32,
        .offset = offsetof(test_Inner, n),
        .has_offset = AKT_NO_OFFSET },
};

const akt_type test_inner_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "test.Inner",
    .id = 0, /* akt_type_id("test.Inner"); not needed by the codec */
    .size = sizeof(test_Inner),
    .align = _Alignof(test_Inner),
    .fields = inner_fields,
    .nfields = 2,
    .encode = inner_encode,
    .decode = inner_decode,
};

/* --- test.Sample -----------------------------------------------------------
 */

static void
sample_init(void *obj, akt_arena *arena)
{
    test_Sample *m = obj;
    m->id = 7;
    akt_arena_str(arena, "anon", 4, &m->name);
}

static akt_err
sample_encode(const void *obj, akt_buf *b)
{
    const test_Sample *m = obj;
    akt_err rc = AKT_OK;
    /* A field is left out only when it holds its default -- which for id
     * and name is not zero: a reader fills a missing field with the
     * default, so leaving out a zero id would read back as 7. */
    bool id_default = m->id == 7;
    bool name_default = m->name.len == 4 && memcmp(m->name.ptr, "anon", 4) == 0;
    uint32_t n = !id_default + !name_default + (m->blob.len != 0)
        + (m->vals.len != 0) + m->has_score + (m->child != NULL) + m->flag
        + (m->big != 0) + (m->color != 0) + (m->kids.len != 0);
    if ((rc = akt_mp_put_map(b, n)) != AKT_OK) {
        return rc;
    }
#define TRY(x)                                                                 \
    do {                                                                       \
        if ((rc = (x)) != AKT_OK)                                              \
            return rc;                                                         \
    } while (0)
    if (!id_default) {
        TRY(akt_mp_put_uint(b, 1));
        TRY(akt_mp_put_uint(b, m->id));
    }
    if (!name_default) {
        TRY(akt_mp_put_uint(b, 2));
        TRY(akt_mp_put_str(b, m->name.ptr, m->name.len));
    }
    if (m->blob.len != 0) {
        TRY(akt_mp_put_uint(b, 3));
        TRY(akt_mp_put_bin(b, m->blob.ptr, m->blob.len));
    }
    if (m->vals.len != 0) {
        TRY(akt_mp_put_uint(b, 4));
        TRY(akt_mp_put_array(b, (uint32_t)m->vals.len));
        for (size_t i = 0; i < m->vals.len; i++) {
            TRY(akt_mp_put_int(b, m->vals.items[i]));
        }
    }
    if (m->has_score) {
        TRY(akt_mp_put_uint(b, 5));
        TRY(akt_mp_put_f64(b, m->score));
    }
    if (m->child != NULL) {
        TRY(akt_mp_put_uint(b, 6));
        TRY(inner_encode_fields(m->child, b));
    }
    if (m->flag) {
        TRY(akt_mp_put_uint(b, 7));
        TRY(akt_mp_put_bool(b, m->flag));
    }
    if (m->big != 0) {
        TRY(akt_mp_put_uint(b, 8));
        TRY(akt_mp_put_int(b, m->big));
    }
    if (m->color != 0) {
        TRY(akt_mp_put_uint(b, 9));
        TRY(akt_mp_put_int(b, m->color));
    }
    if (m->kids.len != 0) {
        TRY(akt_mp_put_uint(b, 10));
        TRY(akt_mp_put_array(b, (uint32_t)m->kids.len));
        for (size_t i = 0; i < m->kids.len; i++) {
            TRY(inner_encode_fields(&m->kids.items[i], b));
        }
    }
#undef TRY
    return AKT_OK;
}

static akt_err
sample_decode(void *obj, akt_reader *r, akt_arena *arena)
{
    test_Sample *m = obj;
    uint32_t n, len;
    uint64_t u;
    int64_t x;
    if (akt_mp_get_map(r, &n) != AKT_OK) {
        return r->err;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t key;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            return r->err;
        }
        switch (key) {
        case 1:
            if (akt_mp_get_uint(r, &u) == AKT_OK) {
                if (u > UINT32_MAX) {
                    return akt_mp_fail(r, AKT_ERANGE);
                }
                m->id = (uint32_t)u;
            }
            break;
        case 2:
            akt_mp_get_str(r, arena, &m->name);
            break;
        case 3:
            akt_mp_get_bin(r, arena, &m->blob);
            break;
        case 4:
            if (akt_mp_enter(r) != AKT_OK
                || akt_mp_get_array(r, &len) != AKT_OK) {
                return r->err;
            }
            m->vals.items = akt_mp_alloc(
                r, arena, len, sizeof(int32_t), _Alignof(int32_t));
            if (m->vals.items == NULL) {
                return r->err;
            }
            for (uint32_t j = 0; j < len; j++) {
                if (get_i32(r, &m->vals.items[j]) != AKT_OK) {
                    return r->err;
                }
            }
            m->vals.len = len;
            akt_mp_leave(r);
            break;
        case 5:
            if (akt_mp_get_f64(r, &m->score) == AKT_OK) {
                m->has_score = true;
            }
            break;
        case 6:
            m->child = akt_mp_alloc(
                r, arena, 1, sizeof(test_Inner), _Alignof(test_Inner));
            if (m->child == NULL || akt_mp_enter(r) != AKT_OK) {
                return r->err;
            }
            inner_decode(m->child, r, arena);
            akt_mp_leave(r);
            break;
        case 7:
            akt_mp_get_bool(r, &m->flag);
            break;
        case 8:
            akt_mp_get_int(r, &m->big);
            break;
        case 9:
            if (akt_mp_get_int(r, &x) == AKT_OK) {
                if (x < INT32_MIN || x > INT32_MAX) {
                    return akt_mp_fail(r, AKT_ERANGE);
                }
                m->color = (int32_t)x; /* unknown enum values are kept */
            }
            break;
        case 10:
            if (akt_mp_enter(r) != AKT_OK
                || akt_mp_get_array(r, &len) != AKT_OK) {
                return r->err;
            }
            m->kids.items = akt_mp_alloc(
                r, arena, len, sizeof(test_Inner), _Alignof(test_Inner));
            if (m->kids.items == NULL) {
                return r->err;
            }
            for (uint32_t j = 0; j < len; j++) {
                if (akt_mp_enter(r) != AKT_OK
                    || inner_decode(&m->kids.items[j], r, arena) != AKT_OK) {
                    return r->err;
                }
                akt_mp_leave(r);
            }
            m->kids.len = len;
            akt_mp_leave(r);
            break;
        default:
            akt_mp_skip(r);
            break;
        }
        if (r->err != AKT_OK) {
            return r->err;
        }
    }
    return AKT_OK;
}

static const akt_field sample_fields[] = {
    { .name = "id",
        .number = 1,
        .kind = AKT_KIND_UINT32,
        .offset = offsetof(test_Sample, id),
        .has_offset = AKT_NO_OFFSET },
    { .name = "name",
        .number = 2,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(test_Sample, name),
        .has_offset = AKT_NO_OFFSET },
    { .name = "blob",
        .number = 3,
        .kind = AKT_KIND_BYTES,
        .offset = offsetof(test_Sample, blob),
        .has_offset = AKT_NO_OFFSET },
    { .name = "vals",
        .number = 4,
        .kind = AKT_KIND_LIST,
        .offset = offsetof(test_Sample, vals),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_INT32,
        .elem_size = sizeof(int32_t) },
    { .name = "score",
        .number = 5,
        .kind = AKT_KIND_FLOAT64,
        .flags = AKT_FIELD_OPTIONAL,
        .offset = offsetof(test_Sample, score),
        .has_offset = offsetof(test_Sample, has_score) },
    { .name = "child",
        .number = 6,
        .kind = AKT_KIND_MESSAGE,
        .offset = offsetof(test_Sample, child),
        .has_offset = AKT_NO_OFFSET,
        .msg_type = &test_inner_desc },
    { .name = "flag",
        .number = 7,
        .kind = AKT_KIND_BOOL,
        .offset = offsetof(test_Sample, flag),
        .has_offset = AKT_NO_OFFSET },
    { .name = "big",
        .number = 8,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(test_Sample, big),
        .has_offset = AKT_NO_OFFSET },
    { .name = "color",
        .number = 9,
        .kind = AKT_KIND_ENUM,
        .offset = offsetof(test_Sample, color),
        .has_offset = AKT_NO_OFFSET },
    { .name = "kids",
        .number = 10,
        .kind = AKT_KIND_LIST,
        .offset = offsetof(test_Sample, kids),
        .has_offset = AKT_NO_OFFSET,
        .elem_kind = AKT_KIND_MESSAGE,
        .elem_size = sizeof(test_Inner),
        .msg_type = &test_inner_desc },
};

const akt_type test_sample_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "test.Sample",
    .size = sizeof(test_Sample),
    .align = _Alignof(test_Sample),
    .fields = sample_fields,
    .nfields = sizeof sample_fields / sizeof sample_fields[0],
    .init = sample_init,
    .encode = sample_encode,
    .decode = sample_decode,
};
