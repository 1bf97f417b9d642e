/*
 * defaults.akt.h -- generated from defaults.akt by aktc 0.1.0 -- do not edit.
 *
 * package corpus.defaults: the C API of the messages and actors declared in
 * defaults.akt. See docs/idl.md ("The generated C API") for the conventions:
 * ownership of messages, constructors, arenas, typed refs and typed
 * tell/ask/call/forward.
 *
 * For each message type pkg_T (functions pkg_t_...):
 *   _new(fields)       a new message holding the given fields (strings are
 *                      copied; NULL keeps the default), in one allocation;
 *                      the caller owns the one reference; NULL on ENOMEM
 *   _alloc(hint)       a new message with default values and hint bytes of
 *                      arena for filling variable parts by hand
 *   _decode(data, len, limits, &out)  msgpack bytes into a new message
 *                      (*out the caller's on AKT_OK; limits NULL for the
 *                      defaults); AKT_EPROTO, AKT_ETOOBIG, AKT_ENOMEM
 *   _desc, _default    the type's descriptor and default value
 * (AKT_MESSAGE(T, t) of akt/akt_gen.h, before the structs, declares the
 * typedef and all but _new.) Members: their doc comments beside them; an
 * optional field that is not a message has a `bool has_<name>`; a message
 * member is a pointer (optional: NULL when absent; otherwise NULL reads
 * as the default); AKT_LIST_OF(T) is { T *items; size_t len; } and
 * AKT_MAP_OF(K, V) { K *keys; V *values; size_t len; }.
 * Any message, whatever its type: akt_msg_free(m) drops one reference (the
 * last frees it), akt_msg_dup(m) is a deep copy (NULL on ENOMEM),
 * akt_msg_equal(a, b) deep equality, akt_msg_encode(m, buf) appends its
 * msgpack form to buf (akt/msg.h).
 */
#ifndef CORPUS_DEFAULTS_DEFAULTS_AKT_H
#define CORPUS_DEFAULTS_DEFAULTS_AKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <akt/akt.h>
#include <akt/akt_gen.h>

#if AKT_GEN_ABI != 7
#error "defaults.akt.h was generated for akt ABI 7: regenerate it with the aktc of the libakt you build against"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== messages ========================================================== */

/* Values named with contextual words (they are keywords only where the
 * grammar needs them). */
typedef int32_t corpus_defaults_Phase;
enum {
    CORPUS_DEFAULTS_PHASE_INITIAL = 1,
    CORPUS_DEFAULTS_PHASE_STATE = 2,
    CORPUS_DEFAULTS_PHASE_KEY = 3,
    CORPUS_DEFAULTS_PHASE_TIMEOUT = 4,
};

AKT_MESSAGE(corpus_defaults_Edges, corpus_defaults_edges)

/* Each default is the edge case its name says. */
struct corpus_defaults_Edges {
    akt_str nul; /* NUL is a character like any other: the length counts it */
    akt_str utf8; /* UTF-8 from the source and from \x escapes */
    corpus_defaults_Phase phase;
    corpus_defaults_Phase later;
    float f32_max; /* 3.4028235e38 rounds to FLT_MAX, not to infinity */
    float f32_min; /* the smallest float32 (a subnormal) */
    float f32_int; /* an integer default for a float field, rounded to float */
    double f64_max;
    double f64_min;
    double zero; /* zero may be written with any exponent */
};

static inline corpus_defaults_Edges *
corpus_defaults_edges_new(const char *nul, const char *utf8, corpus_defaults_Phase phase, corpus_defaults_Phase later, float f32_max, float f32_min, float f32_int, double f64_max, double f64_min, double zero)
{
    size_t nul_n_ = akt_cstr_size(nul);
    size_t utf8_n_ = akt_cstr_size(utf8);
    AKT_NEW(corpus_defaults_Edges, corpus_defaults_edges, nul_n_ + utf8_n_, AKT_PUT_CSTR(nul, nul_n_) || AKT_PUT_CSTR(utf8, utf8_n_));
    m_->phase = phase;
    m_->later = later;
    m_->f32_max = f32_max;
    m_->f32_min = f32_min;
    m_->f32_int = f32_int;
    m_->f64_max = f64_max;
    m_->f64_min = f64_min;
    m_->zero = zero;
    return m_;
}

/* ==== actors ============================================================ */

/* ==== descriptors ======================================================= */

extern const akt_enum_type corpus_defaults_phase_enum;
/* corpus_defaults_phase_name -- the IDL name of v ("initial"), or NULL. */
const char *corpus_defaults_phase_name(corpus_defaults_Phase v);

/* Every message type declared in defaults.akt, NULL-terminated. */
extern const akt_type *const corpus_defaults_defaults_types[];

/* corpus_defaults_defaults_register_types -- add every type of defaults.akt to reg
 * (akt_registry_add), so remoting and persistence accept them. Stops at
 * and returns the first error (AKT_EEXIST: another type has the same name
 * or id). */
akt_err corpus_defaults_defaults_register_types(akt_registry *reg);

/* corpus_defaults_defaults_register -- call reg(type, arg) for each type of
 * corpus_defaults_defaults_types (for registries other than akt_registry);
 * stops at and returns the first error. */
akt_err corpus_defaults_defaults_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* CORPUS_DEFAULTS_DEFAULTS_AKT_H */
