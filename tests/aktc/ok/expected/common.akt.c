/*
 * common.akt.c -- generated from common.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, constructors, field tables, descriptors and actor glue
 * for package corpus.common. libakt encodes (msgpack maps keyed by field
 * number), decodes, copies and compares every type here from its
 * descriptor's field table (akt/reflect.h).
 */
#include "common.akt.h"

#include <string.h>

/* ==== messages ========================================================== */

/* --- corpus.common.Point --- */

const corpus_common_Point corpus_common_point_default = {
    .x = 0,
};

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
    {.name = "x", .number = 1, .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_common_Point, x), .has_offset = AKT_NO_OFFSET},
    {.name = "y", .number = 2, .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_common_Point, y), .has_offset = AKT_NO_OFFSET},
};

const akt_type corpus_common_point_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "corpus.common.Point",
    .id = UINT64_C(0x65cf891db7c1a3a8),
    .size = sizeof(corpus_common_Point),
    .align = _Alignof(corpus_common_Point),
    .fields = corpus_common_point_fields,
    .nfields = 2,
    .defaults = &corpus_common_point_default,
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
