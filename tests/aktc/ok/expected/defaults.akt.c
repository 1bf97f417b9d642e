/*
 * defaults.akt.c -- generated from defaults.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * corpus.defaults. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). A field row is {name, number, kind, flags} and then,
 * by name, the member's offset, the offset of its has_ flag (optional
 * fields that are not messages) and what a list, map, enum or message
 * needs (the runtime derives the element size); a descriptor is {abi, flags, name, id,
 * size, align, fields, nfields} and its default value (akt/msg.h). Doc
 * comments are in the header.
 */
#include "defaults.akt.h"

#include <stdlib.h>
#include <string.h>

/* ==== messages ========================================================== */

const corpus_defaults_Edges corpus_defaults_edges_default = {
    .nul = {"a\000b\000c", 5},
    .utf8 = {"\303\251\342\202\254\360\237\230\200", 9},
    .phase = CORPUS_DEFAULTS_PHASE_KEY,
    .later = CORPUS_DEFAULTS_PHASE_TIMEOUT,
    .f32_max = 3.40282347e+38f,
    .f32_min = -1.40129846e-45f,
    .f32_int = 16777216.0f,
    .f64_max = 1.7976931348623157e+308,
    .f64_min = 4.9406564584124654e-324,
    .zero = 0.0,
};

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

static const akt_field corpus_defaults_edges_fields[] = {
    {"nul", 1, AKT_KIND_STRING, 0, .offset = offsetof(corpus_defaults_Edges, nul)},
    {"utf8", 2, AKT_KIND_STRING, 0, .offset = offsetof(corpus_defaults_Edges, utf8)},
    {"phase", 3, AKT_KIND_ENUM, 0, .offset = offsetof(corpus_defaults_Edges, phase), .enum_type = &corpus_defaults_phase_enum},
    {"later", 4, AKT_KIND_ENUM, 0, .offset = offsetof(corpus_defaults_Edges, later), .enum_type = &corpus_defaults_phase_enum},
    {"f32_max", 5, AKT_KIND_FLOAT32, 0, .offset = offsetof(corpus_defaults_Edges, f32_max)},
    {"f32_min", 6, AKT_KIND_FLOAT32, 0, .offset = offsetof(corpus_defaults_Edges, f32_min)},
    {"f32_int", 7, AKT_KIND_FLOAT32, 0, .offset = offsetof(corpus_defaults_Edges, f32_int)},
    {"f64_max", 8, AKT_KIND_FLOAT64, 0, .offset = offsetof(corpus_defaults_Edges, f64_max)},
    {"f64_min", 9, AKT_KIND_FLOAT64, 0, .offset = offsetof(corpus_defaults_Edges, f64_min)},
    {"zero", 10, AKT_KIND_FLOAT64, 0, .offset = offsetof(corpus_defaults_Edges, zero)},
};

const akt_type corpus_defaults_edges_desc = {
    AKT_GEN_ABI, AKT_TYPE_MESSAGE | AKT_TYPE_TABLE, "corpus.defaults.Edges",
    UINT64_C(0x0177177b1d64a727), sizeof(corpus_defaults_Edges), _Alignof(corpus_defaults_Edges),
    corpus_defaults_edges_fields, 10, .defaults = &corpus_defaults_edges_default,
};

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
