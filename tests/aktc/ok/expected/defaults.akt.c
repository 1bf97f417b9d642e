/*
 * defaults.akt.c -- generated from defaults.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, constructors, field tables, descriptors and actor glue
 * for package corpus.defaults. libakt encodes (msgpack maps keyed by field
 * number), decodes, copies and compares every type here from its
 * descriptor's field table (akt/reflect.h).
 */
#include "defaults.akt.h"

#include <string.h>

/* ==== messages ========================================================== */

/* --- corpus.defaults.Edges --- */

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

corpus_defaults_Edges *
corpus_defaults_edges_new(const char *nul, const char *utf8, corpus_defaults_Phase phase, corpus_defaults_Phase later, float f32_max, float f32_min, float f32_int, double f64_max, double f64_min, double zero)
{
    size_t nul_len_ = nul != NULL ? strlen(nul) : 0;
    size_t utf8_len_ = utf8 != NULL ? strlen(utf8) : 0;
    corpus_defaults_Edges *msg_ = akt_msg_new(&corpus_defaults_edges_desc, (nul != NULL ? nul_len_ + 1 : 0) + (utf8 != NULL ? utf8_len_ + 1 : 0));
    if (msg_ == NULL) {
        return NULL;
    }
    akt_arena *arena_ = akt_msg_arena(msg_);
    if (nul != NULL
        && akt_arena_str(arena_, nul, nul_len_, &msg_->nul) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    if (utf8 != NULL
        && akt_arena_str(arena_, utf8, utf8_len_, &msg_->utf8) != AKT_OK) {
        akt_msg_free(msg_);
        return NULL;
    }
    msg_->phase = phase;
    msg_->later = later;
    msg_->f32_max = f32_max;
    msg_->f32_min = f32_min;
    msg_->f32_int = f32_int;
    msg_->f64_max = f64_max;
    msg_->f64_min = f64_min;
    msg_->zero = zero;
    return msg_;
}

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
    {.name = "nul", .number = 1, .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_defaults_Edges, nul), .has_offset = AKT_NO_OFFSET,
        .doc = "NUL is a character like any other: the length counts it"},
    {.name = "utf8", .number = 2, .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_defaults_Edges, utf8), .has_offset = AKT_NO_OFFSET,
        .doc = "UTF-8 from the source and from \\x escapes"},
    {.name = "phase", .number = 3, .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_defaults_Edges, phase), .has_offset = AKT_NO_OFFSET,
        .enum_type = &corpus_defaults_phase_enum},
    {.name = "later", .number = 4, .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_defaults_Edges, later), .has_offset = AKT_NO_OFFSET,
        .enum_type = &corpus_defaults_phase_enum},
    {.name = "f32_max", .number = 5, .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_defaults_Edges, f32_max), .has_offset = AKT_NO_OFFSET,
        .doc = "3.4028235e38 rounds to FLT_MAX, not to infinity"},
    {.name = "f32_min", .number = 6, .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_defaults_Edges, f32_min), .has_offset = AKT_NO_OFFSET,
        .doc = "the smallest float32 (a subnormal)"},
    {.name = "f32_int", .number = 7, .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_defaults_Edges, f32_int), .has_offset = AKT_NO_OFFSET,
        .doc = "an integer default for a float field, rounded to float"},
    {.name = "f64_max", .number = 8, .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_defaults_Edges, f64_max), .has_offset = AKT_NO_OFFSET},
    {.name = "f64_min", .number = 9, .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_defaults_Edges, f64_min), .has_offset = AKT_NO_OFFSET},
    {.name = "zero", .number = 10, .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_defaults_Edges, zero), .has_offset = AKT_NO_OFFSET,
        .doc = "zero may be written with any exponent"},
};

const akt_type corpus_defaults_edges_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "corpus.defaults.Edges",
    .id = UINT64_C(0x0177177b1d64a727),
    .size = sizeof(corpus_defaults_Edges),
    .align = _Alignof(corpus_defaults_Edges),
    .fields = corpus_defaults_edges_fields,
    .nfields = 10,
    .defaults = &corpus_defaults_edges_default,
    .doc = "Each default is the edge case its name says.",
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
