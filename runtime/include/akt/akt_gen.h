/*
 * akt/akt_gen.h -- the ABI that only aktc-generated code uses.
 *
 * Generated headers include this file and check
 *     #if AKT_GEN_ABI != <the ABI they were generated for>
 *     #error "..."
 * so a libakt/aktc mismatch fails at compile time, not at run time.
 *
 * Below: the msgpack primitives (implemented once in runtime/src/codec/),
 * for hand-written encode/decode functions in a descriptor; aktc's own
 * types need none since ABI 2 (the runtime's table-driven codec, built on
 * the same writers, serves them). Writers append to an akt_buf
 * and return AKT_ENOMEM on allocation failure. Readers advance an
 * akt_reader; every reader returns AKT_OK or the error it latched in
 * r->err (the first error sticks: after one failure every later call
 * returns the same error without reading), so generated code may check
 * once per field.
 */
#ifndef AKT_AKT_GEN_H
#define AKT_AKT_GEN_H

#include "akt/akt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- what generated code expands (ABI 6) ---------------------------------
 * aktc writes its field tables and descriptors through these macros, so
 * each row names only what varies (the member, its number, its kind) and
 * the offsetof, sizeof and flag spelling is written once, here. The
 * expansion is exactly the akt_field / akt_type initializers of
 * akt/msg.h; the runtime reads them as before. Generated .c files
 *     #define AKT_T pkg_Hello           (the struct the rows describe)
 *     AKT_FIELDS(pkg_hello) {
 *         {AKT_F(name, 1, STRING)},
 *         {AKT_FO(count, 2, INT32), .doc = "how many"},
 *         {AKT_FX(old, 3, INT64, AKT_FIELD_DEPRECATED)},
 *     };
 *     AKT_DESC(pkg_hello, "pkg.Hello", 0x..., MESSAGE, NULL, {.count = 1});
 *     #undef AKT_T
 * A member's IDL name is its C name (#m). K, EK, KK: an akt_kind without
 * its AKT_KIND_ prefix (INT32, STRING, ...); t, e: the snake name whose
 * t_desc / e_enum the row points to. */

/* One row, inside its braces, by shape: a plain field; an optional one
 * with a `bool has_m`; a list of EK; a map of KK to EK; an enum of e_enum;
 * a message of t_desc (AKT_FMO: optional, NULL when absent). After it, in
 * the braces, a doc string may follow ({AKT_F(id, 1, INT32), .doc = ""}).
 * Any other row (deprecated fields, lists and maps of enums and
 * messages): {AKT_FX(m, n, K, flags), then what the kind needs}. */
/* clang-format off */
#define AKT_FX(m, n, K, fl) #m, n, AKT_KIND_##K, fl, .offset = offsetof(AKT_T, m)
#define AKT_F(m, n, K) #m, n, AKT_KIND_##K, 0, .offset = offsetof(AKT_T, m)
#define AKT_FO(m, n, K) #m, n, AKT_KIND_##K, AKT_FIELD_OPTIONAL, \
    .offset = offsetof(AKT_T, m), .has_offset = offsetof(AKT_T, has_##m)
#define AKT_FL(m, n, EK) #m, n, AKT_KIND_LIST, 0, \
    .offset = offsetof(AKT_T, m), .elem_kind = AKT_KIND_##EK
#define AKT_FMAP(m, n, KK, EK) #m, n, AKT_KIND_MAP, 0, \
    .offset = offsetof(AKT_T, m), .elem_kind = AKT_KIND_##EK, \
    .key_kind = AKT_KIND_##KK
#define AKT_FE(m, n, e) #m, n, AKT_KIND_ENUM, 0, \
    .offset = offsetof(AKT_T, m), .enum_type = &e##_enum
#define AKT_FM(m, n, t) #m, n, AKT_KIND_MESSAGE, 0, \
    .offset = offsetof(AKT_T, m), .msg_type = &t##_desc
#define AKT_FMO(m, n, t) #m, n, AKT_KIND_MESSAGE, AKT_FIELD_OPTIONAL, \
    .offset = offsetof(AKT_T, m), .msg_type = &t##_desc
#define AKT_HAS(m) .has_offset = offsetof(AKT_T, has_##m)
#define AKT_EK(K) .elem_kind = AKT_KIND_##K
#define AKT_KK(K) .key_kind = AKT_KIND_##K
#define AKT_MT(t) .msg_type = &t##_desc
#define AKT_ET(e) .enum_type = &e##_enum
/* clang-format on */

/* AKT_FIELDS(t) { rows }; -- the field table t_fields. */
#define AKT_FIELDS(t) static const akt_field t##_fields[] =
/* AKT_DESC(t, qname, id, FL, doc, default); -- t_default (an AKT_T
 * initialized with the last argument) and the descriptor t_desc over
 * t_fields: flags AKT_TYPE_##FL | AKT_TYPE_TABLE, the type id (a 64-bit
 * hex literal), doc (d) NULL or a string. AKT_DESC0: the same for a type
 * without fields. */
#define AKT_DESC(t, qname, id, FL, d, ...)                                     \
    const AKT_T t##_default = __VA_ARGS__;                                     \
    const akt_type t##_desc = { AKT_GEN_ABI, AKT_TYPE_##FL | AKT_TYPE_TABLE,   \
        qname, UINT64_C(id), sizeof(AKT_T), _Alignof(AKT_T), t##_fields,       \
        sizeof t##_fields / sizeof t##_fields[0], .defaults = &t##_default,    \
        .doc = d }
#define AKT_DESC0(t, qname, id, FL, d, ...)                                    \
    const AKT_T t##_default = __VA_ARGS__;                                     \
    const akt_type t##_desc = { AKT_GEN_ABI, AKT_TYPE_##FL | AKT_TYPE_TABLE,   \
        qname, UINT64_C(id), sizeof(AKT_T), _Alignof(AKT_T), NULL, 0,          \
        .defaults = &t##_default, .doc = d }

/* --- writing ------------------------------------------------------------- */

AKT_API akt_err akt_mp_put_nil(akt_buf *b);
AKT_API akt_err akt_mp_put_bool(akt_buf *b, bool v);
AKT_API akt_err akt_mp_put_int(akt_buf *b, int64_t v); /* smallest form */
AKT_API akt_err akt_mp_put_uint(akt_buf *b, uint64_t v); /* smallest form */
AKT_API akt_err akt_mp_put_f32(akt_buf *b, float v);
AKT_API akt_err akt_mp_put_f64(akt_buf *b, double v);
/* a msgpack str is UTF-8: ill-formed input is AKT_EINVAL, nothing written */
AKT_API akt_err akt_mp_put_str(akt_buf *b, const char *s, size_t len);
AKT_API akt_err akt_mp_put_bin(akt_buf *b, const void *p, size_t len);
AKT_API akt_err akt_mp_put_array(akt_buf *b, uint32_t n);
AKT_API akt_err akt_mp_put_map(akt_buf *b, uint32_t n);
/* A ref travels as its full path string (akt://sys@host:port/user/a). */
AKT_API akt_err akt_mp_put_ref(akt_buf *b, akt_ref ref);

/* --- reading ------------------------------------------------------------- */

/* What the next value is, without consuming it. AKT_MP_NONE at the end of
 * input or after an error; the never-used byte 0xc1 latches AKT_EPROTO.
 * Signed forms holding a non-negative value read as AKT_MP_UINT. */
typedef enum akt_mp_type {
    AKT_MP_NONE = 0, /* end of input or latched error */
    AKT_MP_NIL,
    AKT_MP_BOOL,
    AKT_MP_INT, /* negative integer */
    AKT_MP_UINT, /* non-negative integer */
    AKT_MP_FLOAT, /* f32 or f64 */
    AKT_MP_STR,
    AKT_MP_BIN,
    AKT_MP_ARRAY,
    AKT_MP_MAP,
    AKT_MP_EXT
} akt_mp_type;

/* akt_reader_init -- a reader over [data, data+len) with limits (NULL or
 * zero fields for the defaults: depth 64, length 64 MiB; max_depth is
 * clamped to 512). r->system starts NULL; set it after init to resolve
 * refs, without it refs decode to AKT_REF_NONE. data NULL with len > 0
 * latches AKT_EINVAL. */
AKT_API void akt_reader_init(akt_reader *r, const void *data, size_t len,
    const akt_codec_limits *limits);

AKT_API akt_mp_type akt_mp_peek(akt_reader *r);
AKT_API akt_err akt_mp_get_nil(akt_reader *r);
AKT_API akt_err akt_mp_get_bool(akt_reader *r, bool *v);
/* Integers: any msgpack int that fits (AKT_ERANGE when it does not). */
AKT_API akt_err akt_mp_get_int(akt_reader *r, int64_t *v);
AKT_API akt_err akt_mp_get_uint(akt_reader *r, uint64_t *v);
/* Floats accept f32, f64 and integers; get_f32 of a finite f64 beyond
 * float's range is AKT_ERANGE. */
AKT_API akt_err akt_mp_get_f64(akt_reader *r, double *v);
AKT_API akt_err akt_mp_get_f32(akt_reader *r, float *v);
/* Strings and bytes are copied into arena (NUL added to strings), charged
 * to the reader's budget (len + 1 for strings). An empty string reads as
 * {"", 0} (static storage), empty bytes as {NULL, 0}. A string must be
 * well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF), else AKT_EPROTO; bytes are never checked. Length checks, in
 * order: over max_length AKT_ETOOBIG, past the end of input AKT_EPROTO,
 * over the budget AKT_ETOOBIG. */
AKT_API akt_err akt_mp_get_str(akt_reader *r, akt_arena *arena, akt_str *v);
AKT_API akt_err akt_mp_get_bin(akt_reader *r, akt_arena *arena, akt_bytes *v);
/* Containers: the count, checked against the limits and the bytes left
 * (each element needs at least one byte), so a huge count cannot force a
 * huge allocation. */
AKT_API akt_err akt_mp_get_array(akt_reader *r, uint32_t *n);
AKT_API akt_err akt_mp_get_map(akt_reader *r, uint32_t *n);
/* akt_mp_get_ref -- nil is AKT_REF_NONE; a path string is resolved with
 * akt_lookup(r->system, ...); no system, or no live actor at that path,
 * gives AKT_REF_NONE (sends to it reach dead letters). */
AKT_API akt_err akt_mp_get_ref(akt_reader *r, akt_ref *v);
/* Skip one value of any type (nested ones too; iterative, and containers
 * count toward max_depth like entered ones: AKT_ETOOBIG past it). */
AKT_API akt_err akt_mp_skip(akt_reader *r);
/* Nesting: call enter before decoding a nested message/list/map, leave
 * after; enter fails with AKT_ETOOBIG past max_depth. akt_msg_decode enters
 * once for the top-level message, so a generated decode function does not
 * enter for its own map, only for the nested values it reads. */
AKT_API akt_err akt_mp_enter(akt_reader *r);
AKT_API void akt_mp_leave(akt_reader *r);
/* akt_mp_alloc -- n * size bytes, zeroed, from arena charged to the
 * budget, with overflow checks (AKT_ETOOBIG latched when over, AKT_ENOMEM
 * when the arena cannot grow). NULL on failure or after an earlier error;
 * n == 0 gives a valid pointer to no bytes. */
AKT_API void *akt_mp_alloc(
    akt_reader *r, akt_arena *arena, size_t n, size_t size, size_t align);
/* akt_mp_fail -- latch err (if none yet) and return the latched error. */
AKT_API akt_err akt_mp_fail(akt_reader *r, akt_err err);

#ifdef __cplusplus
}
#endif
#endif /* AKT_AKT_GEN_H */
