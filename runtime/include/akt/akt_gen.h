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

/* --- what generated .c files expand (ABI 6) -------------------------------
 * aktc writes its field tables and descriptors through these macros, so
 * each row names only what varies (the member, its number, its kind) and
 * the offsetof, sizeof and flag spelling is written once, here. The
 * expansion is exactly the akt_field / akt_type initializers of
 * akt/msg.h; the runtime reads them as before. Generated .c files
 *     #define AKT_T pkg_Hello           (the struct the rows describe)
 *     AKT_FIELDS {
 *         {AKT_F(name, 1, STRING)},
 *         {AKT_FO(count, 2, INT32), .doc = "how many"},
 *         {AKT_FX(old, 3, INT64, AKT_FIELD_DEPRECATED)},
 *     };
 *     AKT_MSG(pkg_hello, "pkg.Hello", 0x..., {.count = 1});
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

/* AKT_FIELDS { rows }; -- the field table of AKT_T (a static array named
 * after it). AKT_MSG(t, qname, id, default); -- after it, t_default (an
 * AKT_T initialized with the last argument) and the message descriptor
 * t_desc over the table: flags AKT_TYPE_MESSAGE | AKT_TYPE_TABLE, the
 * type id (a 64-bit hex literal), no doc. AKT_DESC(t, qname, id, FL, d,
 * default): the same with flags AKT_TYPE_##FL and doc d (NULL or a
 * string); AKT_DESC0: for a type without fields (and no table). */
#define AKT_CAT_(a, b) a##b
#define AKT_CAT(a, b)  AKT_CAT_(a, b)
#define AKT_FIELDS     static const akt_field AKT_CAT(AKT_T, _fields_)[] =
#define AKT_MSG(t, qname, id, ...)                                             \
    const AKT_T t##_default = __VA_ARGS__;                                     \
    const akt_type t##_desc = { AKT_GEN_ABI,                                   \
        AKT_TYPE_MESSAGE | AKT_TYPE_TABLE, qname, UINT64_C(id), sizeof(AKT_T), \
        _Alignof(AKT_T), AKT_CAT(AKT_T, _fields_),                             \
        sizeof AKT_CAT(AKT_T, _fields_) / sizeof(akt_field),                   \
        .defaults = &t##_default }
#define AKT_DESC(t, qname, id, FL, d, ...)                                     \
    const AKT_T t##_default = __VA_ARGS__;                                     \
    const akt_type t##_desc                                                    \
        = { AKT_GEN_ABI, AKT_TYPE_##FL | AKT_TYPE_TABLE, qname, UINT64_C(id),  \
              sizeof(AKT_T), _Alignof(AKT_T), AKT_CAT(AKT_T, _fields_),        \
              sizeof AKT_CAT(AKT_T, _fields_) / sizeof(akt_field),             \
              .defaults = &t##_default, .doc = d }
#define AKT_DESC0(t, qname, id, FL, d, ...)                                    \
    const AKT_T t##_default = __VA_ARGS__;                                     \
    const akt_type t##_desc = { AKT_GEN_ABI, AKT_TYPE_##FL | AKT_TYPE_TABLE,   \
        qname, UINT64_C(id), sizeof(AKT_T), _Alignof(AKT_T), NULL, 0,          \
        .defaults = &t##_default, .doc = d }

/* --- what generated headers expand (ABI 7) -------------------------------
 * The typed API of each message and actor type is written once, here, and
 * generated headers expand it per type; every function is still typed by
 * its message or actor (passing another type does not compile, in C or
 * C++). */

/* Members of generated structs: a list of T, a map of K to V (the typed
 * twins of akt_list / akt_map). */
#define AKT_LIST_OF(T)                                                         \
    struct {                                                                   \
        T *items;                                                              \
        size_t len;                                                            \
    }
#define AKT_MAP_OF(K, V)                                                       \
    struct {                                                                   \
        K *keys;                                                               \
        V *values;                                                             \
        size_t len;                                                            \
    }

/* AKT_MESSAGE(T, t) -- before struct T: the typedef T, declares t_desc
 * and t_default and defines t_alloc(arena_hint) (a new T with default
 * values and arena_hint bytes of arena) and t_decode(data, len, limits,
 * &out) (akt_msg_decode typed: *out a new T on AKT_OK). */
#define AKT_MESSAGE(T, t)                                                      \
    typedef struct T T;                                                        \
    extern const akt_type t##_desc;                                            \
    extern const T t##_default;                                                \
    static inline T *t##_alloc(size_t arena_hint)                              \
    {                                                                          \
        return (T *)akt_msg_new(&t##_desc, arena_hint);                        \
    }                                                                          \
    static inline akt_err t##_decode(                                          \
        const void *data, size_t len, const akt_codec_limits *limits, T **out) \
    {                                                                          \
        void *m_ = NULL;                                                       \
        akt_err e_ = akt_msg_decode(&t##_desc, data, len, limits, &m_);        \
        *out = (T *)m_;                                                        \
        return e_;                                                             \
    }

/* In a generated t_new(fields): AKT_NEW declares `T *m_`, a new T with
 * hint bytes of arena; when that fails, or puts (AKT_PUT_CSTR(f, size) ||
 * AKT_PUT_BYTES(f) ..., or 0) is true, it frees m_ and returns NULL. The
 * parameter f is copied into member f: a C string of size bytes
 * (akt_cstr_size), bytes. */
#define AKT_NEW(T, t, hint, puts)                                              \
    T *m_ = (T *)akt_msg_new(&t##_desc, (hint));                               \
    if (m_ == NULL || (puts)) {                                                \
        akt_msg_free(m_);                                                      \
        return NULL;                                                           \
    }                                                                          \
    (void)0
#define AKT_PUT_CSTR(f, size) (akt_msg_put_cstr(m_, &m_->f, f, size) != AKT_OK)
#define AKT_PUT_BYTES(f)      (akt_msg_put_bytes(m_, &m_->f, f) != AKT_OK)

/* AKT_TELL(R, a, h, M) -- for an actor a (typed ref R) that handles M
 * (snake name h): a_tell_h(to, msg), a_tell_h_from(to, msg, sender) and
 * a_forward_h(ctx, to, msg) (see the generated header's ref comment). */
#define AKT_TELL(R, a, h, M)                                                   \
    static inline akt_err a##_tell_##h(R to, M *msg)                           \
    {                                                                          \
        const akt_ref nobody_ = { 0, 0 };                                      \
        return akt_tell(to.ref, msg, nobody_);                                 \
    }                                                                          \
    static inline akt_err a##_tell_##h##_from(R to, M *msg, akt_ref sender)    \
    {                                                                          \
        return akt_tell(to.ref, msg, sender);                                  \
    }                                                                          \
    static inline akt_err a##_forward_##h(akt_ctx *ctx, R to, const M *msg)    \
    {                                                                          \
        return akt_forward_msg(ctx, to.ref, msg);                              \
    }

/* AKT_ASK(R, a, h, M, Rp, rp, reply) -- for `on M -> Rp` (Rp's snake name
 * rp): a_ask_h(to, msg, timeout_ns, &f), a_ask_h_wait(f, timeout_ns,
 * &reply), a_call_h(to, msg, timeout_ns, &reply, &why) and a_reply_h(ctx,
 * reply), which answers with reply(ctx, reply) (akt_reply, or the
 * persistent actor's). */
#define AKT_ASK(R, a, h, M, Rp, rp, reply_fn)                                  \
    static inline akt_err a##_ask_##h(                                         \
        R to, M *msg, int64_t timeout_ns, akt_future **out)                    \
    {                                                                          \
        return akt_ask(to.ref, msg, timeout_ns, out);                          \
    }                                                                          \
    static inline akt_err a##_ask_##h##_wait(                                  \
        akt_future *f, int64_t timeout_ns, Rp **reply)                         \
    {                                                                          \
        void *m_ = NULL;                                                       \
        akt_err e_ = akt_future_wait_as(                                       \
            f, timeout_ns, &rp##_desc, reply != NULL ? &m_ : NULL);            \
        if (reply != NULL) {                                                   \
            *reply = (Rp *)m_;                                                 \
        }                                                                      \
        return e_;                                                             \
    }                                                                          \
    static inline akt_err a##_call_##h(                                        \
        R to, M *msg, int64_t timeout_ns, Rp **reply, akt_reason *why)         \
    {                                                                          \
        void *m_ = NULL;                                                       \
        akt_err e_ = akt_call(to.ref, msg, timeout_ns, &rp##_desc,             \
            reply != NULL ? &m_ : NULL, why);                                  \
        if (reply != NULL) {                                                   \
            *reply = (Rp *)m_;                                                 \
        }                                                                      \
        return e_;                                                             \
    }                                                                          \
    static inline akt_err a##_reply_##h(akt_ctx *ctx, Rp *reply)               \
    {                                                                          \
        return reply_fn(ctx, reply);                                           \
    }

/* AKT_ON(a, H, h, qname) -- in a generated .c: the behaviour's function
 * a_on_h for message h of actor a (handler table type H, IDL name qname):
 * calls the table's on_h, or fails the actor with AKT_EUNHANDLED when it
 * is NULL. */
#define AKT_ON(a, H, h, qname)                                                 \
    static akt_err a##_on_##h(void *state, akt_ctx *ctx, const void *msg)      \
    {                                                                          \
        const H *h_ = (const H *)akt_ctx_behavior_arg(ctx);                    \
        if (h_->on_##h == NULL) {                                              \
            return akt_ctx_fail(                                               \
                ctx, AKT_EUNHANDLED, qname ": on_" #h " is NULL");             \
        }                                                                      \
        return h_->on_##h(state, ctx, msg);                                    \
    }

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
