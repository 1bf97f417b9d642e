/*
 * common.akt.c -- generated from common.akt by aktc 0.1.0 -- do not edit.
 *
 * Constructors, msgpack encoders/decoders (maps keyed by field number),
 * deep copy, equality, descriptors and actor glue for package corpus.common.
 */
#include "common.akt.h"

#include <string.h>

/* ==== messages ========================================================== */

/* --- corpus.common.Point --- */

const corpus_common_Point corpus_common_point_default = {
    .x = 0,
};

static void
corpus_common_point_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(corpus_common_Point *)obj = corpus_common_point_default;
}

static akt_err
corpus_common_point_copy(void *dst, const void *src, akt_arena *arena)
{
    (void)arena;
    *(corpus_common_Point *)dst = *(const corpus_common_Point *)src;
    return AKT_OK;
}

static bool
corpus_common_point_eq(const void *pa, const void *pb)
{
    const corpus_common_Point *a = pa;
    const corpus_common_Point *b = pb;
    if (memcmp(&a->x, &b->x, sizeof a->x) != 0) {
        return false;
    }
    if (memcmp(&a->y, &b->y, sizeof a->y) != 0) {
        return false;
    }
    return true;
}

static akt_err
corpus_common_point_enc(const void *obj, akt_buf *out)
{
    const corpus_common_Point *m = obj;
    akt_err err = akt_mp_put_map(out, 2u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: x */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_f64(out, m->x)) != AKT_OK) {
        return err;
    }
    /* 2: y */
    if ((err = akt_mp_put_uint(out, 2u)) != AKT_OK
        || (err = akt_mp_put_f64(out, m->y)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
corpus_common_point_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    corpus_common_Point *m = obj;
    (void)arena; /* no field needs it */
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* x */
            akt_mp_get_f64(r, &m->x);
            break;
        case 2: /* y */
            akt_mp_get_f64(r, &m->y);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

corpus_common_Point *
corpus_common_point_new(double x, double y)
{
    corpus_common_Point *msg_ = akt_msg_new(&corpus_common_point_desc, 0);
    if (msg_ == NULL) {
        return NULL;
    }
    msg_->x = x;
    msg_->y = y;
    return msg_;
}

corpus_common_Point *
corpus_common_point_alloc(size_t arena_hint)
{
    return akt_msg_new(&corpus_common_point_desc, arena_hint);
}

akt_err
corpus_common_point_decode(const void *data, size_t len, const akt_codec_limits *limits,
    corpus_common_Point **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&corpus_common_point_desc, data, len, limits, &msg);
    *out = msg;
    return err;
}

/* ==== actors ============================================================ */

/* ==== descriptors ======================================================= */

static const akt_enum_value corpus_common_color_values[] = {
    {"RED", CORPUS_COMMON_COLOR_RED},
    {"GREEN", CORPUS_COMMON_COLOR_GREEN},
    {"BLUE", CORPUS_COMMON_COLOR_BLUE},
    {"INFRARED", CORPUS_COMMON_COLOR_INFRARED},
};

const akt_enum_type corpus_common_color_enum = {
    .name = "corpus.common.Color",
    .values = corpus_common_color_values,
    .nvalues = 4,
};

const char *
corpus_common_color_name(corpus_common_Color v)
{
    switch (v) {
    case CORPUS_COMMON_COLOR_RED:
        return "RED";
    case CORPUS_COMMON_COLOR_GREEN:
        return "GREEN";
    case CORPUS_COMMON_COLOR_BLUE:
        return "BLUE";
    case CORPUS_COMMON_COLOR_INFRARED:
        return "INFRARED";
    default:
        return NULL;
    }
}

static const akt_field corpus_common_point_fields[] = {
    {
        .name = "x",
        .number = 1,
        .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_common_Point, x),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "y",
        .number = 2,
        .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_common_Point, y),
        .has_offset = AKT_NO_OFFSET,
    },
};

const akt_type corpus_common_point_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "corpus.common.Point",
    .id = UINT64_C(0x65cf891db7c1a3a8),
    .size = sizeof(corpus_common_Point),
    .align = _Alignof(corpus_common_Point),
    .fields = corpus_common_point_fields,
    .nfields = 2,
    .init = corpus_common_point_init,
    .fini = NULL,
    .copy = corpus_common_point_copy,
    .equal = corpus_common_point_eq,
    .encode = corpus_common_point_enc,
    .decode = corpus_common_point_dec,
    .doc = "A point in the plane.",
};

const akt_type *const corpus_common_common_types[] = {
    &corpus_common_point_desc,
    NULL,
};

akt_err
corpus_common_common_register_types(akt_registry *reg)
{
    for (size_t i = 0; corpus_common_common_types[i] != NULL; i++) {
        akt_err err = akt_registry_add(reg, corpus_common_common_types[i]);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

akt_err
corpus_common_common_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg)
{
    for (size_t i = 0; corpus_common_common_types[i] != NULL; i++) {
        akt_err err = reg(corpus_common_common_types[i], arg);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}
