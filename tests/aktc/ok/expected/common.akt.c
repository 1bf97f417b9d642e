/*
 * common.akt.c -- generated from common.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * corpus.common. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). Each type's rows and descriptor are written with the
 * macros of akt/akt_gen.h over AKT_T, its struct: a row names the member
 * (its IDL name), the field number and the kind, and what a list, map,
 * enum or message needs; AKT_MSG (AKT_DESC) gives the default value and
 * the descriptor. Doc comments are in the header.
 */
#include "common.akt.h"

#include <stdlib.h>
#include <string.h>

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

#define AKT_T corpus_common_Point
AKT_FIELDS {
{AKT_F(x, 1, FLOAT64)},
{AKT_F(y, 2, FLOAT64)},
};
AKT_MSG(corpus_common_point, "corpus.common.Point", 0x65cf891db7c1a3a8, {.x = 0});
#undef AKT_T

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
