/*
 * akt/akt_gen.h -- the ABI that only aktc-generated code uses.
 *
 * Generated headers include this file and check
 *     #if AKT_GEN_ABI != <the ABI they were generated for>
 *     #error "..."
 * so a libakt/aktc mismatch fails at compile time, not at run time.
 *
 * Below: the msgpack primitives generated encoders and decoders call
 * (implemented once in runtime/src/codec/). Writers append to an akt_buf
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

/* --- writing ------------------------------------------------------------- */

AKT_API akt_err akt_mp_put_nil(akt_buf *b);
AKT_API akt_err akt_mp_put_bool(akt_buf *b, bool v);
AKT_API akt_err akt_mp_put_int(akt_buf *b, int64_t v);   /* smallest form */
AKT_API akt_err akt_mp_put_uint(akt_buf *b, uint64_t v); /* smallest form */
AKT_API akt_err akt_mp_put_f32(akt_buf *b, float v);
AKT_API akt_err akt_mp_put_f64(akt_buf *b, double v);
AKT_API akt_err akt_mp_put_str(akt_buf *b, const char *s, size_t len);
AKT_API akt_err akt_mp_put_bin(akt_buf *b, const void *p, size_t len);
AKT_API akt_err akt_mp_put_array(akt_buf *b, uint32_t n);
AKT_API akt_err akt_mp_put_map(akt_buf *b, uint32_t n);
/* A ref travels as its full path string (akt://sys@host:port/user/a). */
AKT_API akt_err akt_mp_put_ref(akt_buf *b, akt_ref ref);

/* --- reading ------------------------------------------------------------- */

/* What the next value is, without consuming it. */
typedef enum akt_mp_type {
    AKT_MP_NONE = 0, /* end of input or latched error */
    AKT_MP_NIL,
    AKT_MP_BOOL,
    AKT_MP_INT,   /* negative integer */
    AKT_MP_UINT,  /* non-negative integer */
    AKT_MP_FLOAT, /* f32 or f64 */
    AKT_MP_STR,
    AKT_MP_BIN,
    AKT_MP_ARRAY,
    AKT_MP_MAP,
    AKT_MP_EXT
} akt_mp_type;

/* akt_reader_init -- a reader over [data, data+len) with limits (NULL for
 * defaults). sys (may be NULL) resolves refs; without it refs decode to
 * AKT_REF_NONE. */
AKT_API void akt_reader_init(akt_reader *r, const void *data, size_t len,
    const akt_codec_limits *limits);

AKT_API akt_mp_type akt_mp_peek(akt_reader *r);
AKT_API akt_err akt_mp_get_nil(akt_reader *r);
AKT_API akt_err akt_mp_get_bool(akt_reader *r, bool *v);
/* Integers: any msgpack int that fits (AKT_ERANGE when it does not). */
AKT_API akt_err akt_mp_get_int(akt_reader *r, int64_t *v);
AKT_API akt_err akt_mp_get_uint(akt_reader *r, uint64_t *v);
/* Floats accept f32, f64 and integers. */
AKT_API akt_err akt_mp_get_f64(akt_reader *r, double *v);
AKT_API akt_err akt_mp_get_f32(akt_reader *r, float *v);
/* Strings and bytes are copied into arena (NUL added to strings), charged
 * to the reader's budget. */
AKT_API akt_err akt_mp_get_str(akt_reader *r, akt_arena *arena, akt_str *v);
AKT_API akt_err akt_mp_get_bin(akt_reader *r, akt_arena *arena, akt_bytes *v);
/* Containers: the count, checked against the limits and the bytes left
 * (each element needs at least one byte), so a huge count cannot force a
 * huge allocation. */
AKT_API akt_err akt_mp_get_array(akt_reader *r, uint32_t *n);
AKT_API akt_err akt_mp_get_map(akt_reader *r, uint32_t *n);
AKT_API akt_err akt_mp_get_ref(akt_reader *r, akt_ref *v);
/* Skip one value of any type (nested ones too, depth-limited). */
AKT_API akt_err akt_mp_skip(akt_reader *r);
/* Nesting: call enter before decoding a nested message/list/map, leave
 * after; enter fails with AKT_ETOOBIG past max_depth. */
AKT_API akt_err akt_mp_enter(akt_reader *r);
AKT_API void akt_mp_leave(akt_reader *r);
/* akt_mp_alloc -- n * size bytes from arena charged to the budget, with
 * overflow checks (AKT_ETOOBIG latched when over). NULL on failure. */
AKT_API void *akt_mp_alloc(akt_reader *r, akt_arena *arena, size_t n,
    size_t size, size_t align);
/* akt_mp_fail -- latch err (if none yet) and return the latched error. */
AKT_API akt_err akt_mp_fail(akt_reader *r, akt_err err);

#ifdef __cplusplus
}
#endif
#endif /* AKT_AKT_GEN_H */
