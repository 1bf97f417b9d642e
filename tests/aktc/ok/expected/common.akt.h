/*
 * common.akt.h -- generated from common.akt by aktc 0.1.0 -- do not edit.
 *
 * package corpus.common: the C API of the messages and actors declared in
 * common.akt. See docs/idl.md ("The generated C API") for the conventions:
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
#ifndef CORPUS_COMMON_COMMON_AKT_H
#define CORPUS_COMMON_COMMON_AKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <akt/akt.h>
#include <akt/akt_gen.h>

#if AKT_GEN_ABI != 7
#error "common.akt.h was generated for akt ABI 7: regenerate it with the aktc of the libakt you build against"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== messages ========================================================== */

/* A colour, stored as int32. */
typedef int32_t corpus_common_Color;
enum {
    /* the default */
    CORPUS_COMMON_COLOR_RED = 0,
    CORPUS_COMMON_COLOR_GREEN = 1,
    CORPUS_COMMON_COLOR_BLUE = 2,
    CORPUS_COMMON_COLOR_INFRARED = -1,
};

AKT_MESSAGE(corpus_common_Point, corpus_common_point)

/* A point in the plane. */
struct corpus_common_Point {
    double x;
    double y;
};

static inline corpus_common_Point *
corpus_common_point_new(double x, double y)
{
    AKT_NEW(corpus_common_Point, corpus_common_point, 0, 0);
    m_->x = x;
    m_->y = y;
    return m_;
}

/* ==== actors ============================================================ */

/* ==== descriptors ======================================================= */

extern const akt_enum_type corpus_common_color_enum;
/* corpus_common_color_name -- the IDL name of v ("RED"), or NULL. */
const char *corpus_common_color_name(corpus_common_Color v);

/* Every message type declared in common.akt, NULL-terminated. */
extern const akt_type *const corpus_common_common_types[];

/* corpus_common_common_register_types -- add every type of common.akt to reg
 * (akt_registry_add), so remoting and persistence accept them. Stops at
 * and returns the first error (AKT_EEXIST: another type has the same name
 * or id). */
akt_err corpus_common_common_register_types(akt_registry *reg);

/* corpus_common_common_register -- call reg(type, arg) for each type of
 * corpus_common_common_types (for registries other than akt_registry);
 * stops at and returns the first error. */
akt_err corpus_common_common_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* CORPUS_COMMON_COMMON_AKT_H */
