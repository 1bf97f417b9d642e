/*
 * defaults.akt.c -- generated from defaults.akt by aktc 0.1.0 -- do not edit.
 *
 * Constructors, msgpack encoders/decoders (maps keyed by field number),
 * deep copy, equality, descriptors and actor glue for package corpus.defaults.
 */
#include "defaults.akt.h"

#include <string.h>

static akt_err
dec_int32(akt_reader *r, int32_t *v)
{
    int64_t x = 0;
    if (akt_mp_get_int(r, &x) == AKT_OK && (x < INT32_MIN || x > INT32_MAX)) {
        return akt_mp_fail(r, AKT_ERANGE);
    }
    *v = (int32_t)x;
    return r->err;
}

static akt_err
copy_str(akt_arena *arena, akt_str *s)
{
    return s->ptr == NULL ? AKT_OK : akt_arena_str(arena, s->ptr, s->len, s);
}

static bool
eq_str(akt_str a, akt_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

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

static void
corpus_defaults_edges_init(void *obj, akt_arena *arena)
{
    (void)arena;
    *(corpus_defaults_Edges *)obj = corpus_defaults_edges_default;
}

static akt_err
corpus_defaults_edges_copy(void *dst, const void *src, akt_arena *arena)
{
    corpus_defaults_Edges *d = dst;
    const corpus_defaults_Edges *s = src;
    akt_err err;
    *d = *s;
    if ((err = copy_str(arena, &d->nul)) != AKT_OK) {
        return err;
    }
    if ((err = copy_str(arena, &d->utf8)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static bool
corpus_defaults_edges_eq(const void *pa, const void *pb)
{
    const corpus_defaults_Edges *a = pa;
    const corpus_defaults_Edges *b = pb;
    if (!eq_str(a->nul, b->nul)) {
        return false;
    }
    if (!eq_str(a->utf8, b->utf8)) {
        return false;
    }
    if (a->phase != b->phase) {
        return false;
    }
    if (a->later != b->later) {
        return false;
    }
    if (memcmp(&a->f32_max, &b->f32_max, sizeof a->f32_max) != 0) {
        return false;
    }
    if (memcmp(&a->f32_min, &b->f32_min, sizeof a->f32_min) != 0) {
        return false;
    }
    if (memcmp(&a->f32_int, &b->f32_int, sizeof a->f32_int) != 0) {
        return false;
    }
    if (memcmp(&a->f64_max, &b->f64_max, sizeof a->f64_max) != 0) {
        return false;
    }
    if (memcmp(&a->f64_min, &b->f64_min, sizeof a->f64_min) != 0) {
        return false;
    }
    if (memcmp(&a->zero, &b->zero, sizeof a->zero) != 0) {
        return false;
    }
    return true;
}

static akt_err
corpus_defaults_edges_enc(const void *obj, akt_buf *out)
{
    const corpus_defaults_Edges *m = obj;
    akt_err err = akt_mp_put_map(out, 10u);
    if (err != AKT_OK) {
        return err;
    }
    /* 1: nul */
    if ((err = akt_mp_put_uint(out, 1u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->nul.ptr, m->nul.len)) != AKT_OK) {
        return err;
    }
    /* 2: utf8 */
    if ((err = akt_mp_put_uint(out, 2u)) != AKT_OK
        || (err = akt_mp_put_str(out, m->utf8.ptr, m->utf8.len)) != AKT_OK) {
        return err;
    }
    /* 3: phase */
    if ((err = akt_mp_put_uint(out, 3u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->phase)) != AKT_OK) {
        return err;
    }
    /* 4: later */
    if ((err = akt_mp_put_uint(out, 4u)) != AKT_OK
        || (err = akt_mp_put_int(out, m->later)) != AKT_OK) {
        return err;
    }
    /* 5: f32_max */
    if ((err = akt_mp_put_uint(out, 5u)) != AKT_OK
        || (err = akt_mp_put_f32(out, m->f32_max)) != AKT_OK) {
        return err;
    }
    /* 6: f32_min */
    if ((err = akt_mp_put_uint(out, 6u)) != AKT_OK
        || (err = akt_mp_put_f32(out, m->f32_min)) != AKT_OK) {
        return err;
    }
    /* 7: f32_int */
    if ((err = akt_mp_put_uint(out, 7u)) != AKT_OK
        || (err = akt_mp_put_f32(out, m->f32_int)) != AKT_OK) {
        return err;
    }
    /* 8: f64_max */
    if ((err = akt_mp_put_uint(out, 8u)) != AKT_OK
        || (err = akt_mp_put_f64(out, m->f64_max)) != AKT_OK) {
        return err;
    }
    /* 9: f64_min */
    if ((err = akt_mp_put_uint(out, 9u)) != AKT_OK
        || (err = akt_mp_put_f64(out, m->f64_min)) != AKT_OK) {
        return err;
    }
    /* 10: zero */
    if ((err = akt_mp_put_uint(out, 10u)) != AKT_OK
        || (err = akt_mp_put_f64(out, m->zero)) != AKT_OK) {
        return err;
    }
    return AKT_OK;
}

static akt_err
corpus_defaults_edges_dec(void *obj, akt_reader *r, akt_arena *arena)
{
    corpus_defaults_Edges *m = obj;
    uint32_t n = 0;
    akt_mp_get_map(r, &n);
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key = 0;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        switch (key) {
        case 1: /* nul */
            akt_mp_get_str(r, arena, &m->nul);
            break;
        case 2: /* utf8 */
            akt_mp_get_str(r, arena, &m->utf8);
            break;
        case 3: /* phase */
            dec_int32(r, &m->phase);
            break;
        case 4: /* later */
            dec_int32(r, &m->later);
            break;
        case 5: /* f32_max */
            akt_mp_get_f32(r, &m->f32_max);
            break;
        case 6: /* f32_min */
            akt_mp_get_f32(r, &m->f32_min);
            break;
        case 7: /* f32_int */
            akt_mp_get_f32(r, &m->f32_int);
            break;
        case 8: /* f64_max */
            akt_mp_get_f64(r, &m->f64_max);
            break;
        case 9: /* f64_min */
            akt_mp_get_f64(r, &m->f64_min);
            break;
        case 10: /* zero */
            akt_mp_get_f64(r, &m->zero);
            break;
        default:
            akt_mp_skip(r); /* a field this version does not know */
            break;
        }
    }
    return r->err;
}

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

corpus_defaults_Edges *
corpus_defaults_edges_alloc(size_t arena_hint)
{
    return akt_msg_new(&corpus_defaults_edges_desc, arena_hint);
}

akt_err
corpus_defaults_edges_decode(const void *data, size_t len, const akt_codec_limits *limits,
    corpus_defaults_Edges **out)
{
    void *msg = NULL;
    akt_err err = akt_msg_decode(&corpus_defaults_edges_desc, data, len, limits, &msg);
    *out = msg;
    return err;
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
    {
        .name = "nul",
        .number = 1,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_defaults_Edges, nul),
        .has_offset = AKT_NO_OFFSET,
        .doc = "NUL is a character like any other: the length counts it",
    },
    {
        .name = "utf8",
        .number = 2,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(corpus_defaults_Edges, utf8),
        .has_offset = AKT_NO_OFFSET,
        .doc = "UTF-8 from the source and from \\x escapes",
    },
    {
        .name = "phase",
        .number = 3,
        .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_defaults_Edges, phase),
        .has_offset = AKT_NO_OFFSET,
        .enum_type = &corpus_defaults_phase_enum,
    },
    {
        .name = "later",
        .number = 4,
        .kind = AKT_KIND_ENUM,
        .offset = offsetof(corpus_defaults_Edges, later),
        .has_offset = AKT_NO_OFFSET,
        .enum_type = &corpus_defaults_phase_enum,
    },
    {
        .name = "f32_max",
        .number = 5,
        .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_defaults_Edges, f32_max),
        .has_offset = AKT_NO_OFFSET,
        .doc = "3.4028235e38 rounds to FLT_MAX, not to infinity",
    },
    {
        .name = "f32_min",
        .number = 6,
        .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_defaults_Edges, f32_min),
        .has_offset = AKT_NO_OFFSET,
        .doc = "the smallest float32 (a subnormal)",
    },
    {
        .name = "f32_int",
        .number = 7,
        .kind = AKT_KIND_FLOAT32,
        .offset = offsetof(corpus_defaults_Edges, f32_int),
        .has_offset = AKT_NO_OFFSET,
        .doc = "an integer default for a float field, rounded to float",
    },
    {
        .name = "f64_max",
        .number = 8,
        .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_defaults_Edges, f64_max),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "f64_min",
        .number = 9,
        .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_defaults_Edges, f64_min),
        .has_offset = AKT_NO_OFFSET,
    },
    {
        .name = "zero",
        .number = 10,
        .kind = AKT_KIND_FLOAT64,
        .offset = offsetof(corpus_defaults_Edges, zero),
        .has_offset = AKT_NO_OFFSET,
        .doc = "zero may be written with any exponent",
    },
};

const akt_type corpus_defaults_edges_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "corpus.defaults.Edges",
    .id = UINT64_C(0x0177177b1d64a727),
    .size = sizeof(corpus_defaults_Edges),
    .align = _Alignof(corpus_defaults_Edges),
    .fields = corpus_defaults_edges_fields,
    .nfields = 10,
    .init = corpus_defaults_edges_init,
    .fini = NULL,
    .copy = corpus_defaults_edges_copy,
    .equal = corpus_defaults_edges_eq,
    .encode = corpus_defaults_edges_enc,
    .decode = corpus_defaults_edges_dec,
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
