/*
 * common.akt.c -- generated from common.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * corpus.common. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). A field row is {name, number, kind, flags} and then,
 * by name, the member's offset, the offset of its has_ flag (optional
 * fields that are not messages) and what a list, map, enum or message
 * needs (the runtime derives the element size); a descriptor is {abi, flags, name, id,
 * size, align, fields, nfields} and its default value (akt/msg.h). Doc
 * comments are in the header.
 */
#include "common.akt.h"

#include <stdlib.h>
#include <string.h>

/* ==== messages ========================================================== */

const corpus_common_Point corpus_common_point_default = {
    .x = 0,
};

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
    {"x", 1, AKT_KIND_FLOAT64, 0, .offset = offsetof(corpus_common_Point, x)},
    {"y", 2, AKT_KIND_FLOAT64, 0, .offset = offsetof(corpus_common_Point, y)},
};

const akt_type corpus_common_point_desc = {
    AKT_GEN_ABI, AKT_TYPE_MESSAGE | AKT_TYPE_TABLE, "corpus.common.Point",
    UINT64_C(0x65cf891db7c1a3a8), sizeof(corpus_common_Point), _Alignof(corpus_common_Point),
    corpus_common_point_fields, 2, .defaults = &corpus_common_point_default,
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
