/*
 * defaults.akt.c -- generated from defaults.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * corpus.defaults. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). Each type's rows and descriptor are written with the
 * macros of akt/akt_gen.h over AKT_T, its struct: a row names the member
 * (its IDL name), the field number and the kind, and what a list, map,
 * enum or message needs; AKT_MSG (AKT_DESC) gives the default value and
 * the descriptor. Doc comments are in the header.
 */
#include "defaults.akt.h"

#include <stdlib.h>
#include <string.h>

/* ==== actors ============================================================ */

/* ==== descriptors ======================================================= */

static const akt_enum_value corpus_defaults_phase_values[] = {
    {"initial", CORPUS_DEFAULTS_PHASE_INITIAL},
    {"state", CORPUS_DEFAULTS_PHASE_STATE},
    {"key", CORPUS_DEFAULTS_PHASE_KEY},
    {"timeout", CORPUS_DEFAULTS_PHASE_TIMEOUT},
};

const akt_enum_type corpus_defaults_phase_enum = {
    .name = "corpus.defaults.Phase",
    .values = corpus_defaults_phase_values,
    .nvalues = 4,
};

const char *
corpus_defaults_phase_name(corpus_defaults_Phase v)
{
    switch (v) {
    case CORPUS_DEFAULTS_PHASE_INITIAL:
        return "initial";
    case CORPUS_DEFAULTS_PHASE_STATE:
        return "state";
    case CORPUS_DEFAULTS_PHASE_KEY:
        return "key";
    case CORPUS_DEFAULTS_PHASE_TIMEOUT:
        return "timeout";
    default:
        return NULL;
    }
}

#define AKT_T corpus_defaults_Edges
AKT_FIELDS {
{AKT_F(nul, 1, STRING)},
{AKT_F(utf8, 2, STRING)},
{AKT_FE(phase, 3, corpus_defaults_phase)},
{AKT_FE(later, 4, corpus_defaults_phase)},
{AKT_F(f32_max, 5, FLOAT32)},
{AKT_F(f32_min, 6, FLOAT32)},
{AKT_F(f32_int, 7, FLOAT32)},
{AKT_F(f64_max, 8, FLOAT64)},
{AKT_F(f64_min, 9, FLOAT64)},
{AKT_F(zero, 10, FLOAT64)},
};
AKT_MSG(corpus_defaults_edges, "corpus.defaults.Edges", 0x0177177b1d64a727, {.nul = {"a\000b\000c", 5}, .utf8 = {"\303\251\342\202\254\360\237\230\200", 9}, .phase = CORPUS_DEFAULTS_PHASE_KEY, .later = CORPUS_DEFAULTS_PHASE_TIMEOUT, .f32_max = 3.40282347e+38f, .f32_min = -1.40129846e-45f, .f32_int = 16777216.0f, .f64_max = 1.7976931348623157e+308, .f64_min = 4.9406564584124654e-324, .zero = 0.0});
#undef AKT_T

const akt_type *const corpus_defaults_defaults_types[] = {
    &corpus_defaults_edges_desc,
    NULL,
};

akt_err
corpus_defaults_defaults_register_types(akt_registry *reg)
{
    for (size_t i = 0; corpus_defaults_defaults_types[i] != NULL; i++) {
        akt_err err = akt_registry_add(reg, corpus_defaults_defaults_types[i]);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

akt_err
corpus_defaults_defaults_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg)
{
    for (size_t i = 0; corpus_defaults_defaults_types[i] != NULL; i++) {
        akt_err err = reg(corpus_defaults_defaults_types[i], arg);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}
