/*
 * mp_write.c -- akt_buf and the msgpack writers (akt_mp_put_*).
 *
 * Hand-written rather than msgpack-c's packer: msgpack_pack_* hand every
 * header and body to a write callback through a function pointer, so one
 * integer costs an indirect call plus the callback's own capacity check.
 * Here each writer checks the room once (a compare on the hot path, since
 * generated encoders run into a buffer that akt_msg_encode has reserved)
 * and stores the bytes directly. The output is byte for byte what
 * msgpack-c writes (smallest integer form, str8 for 32..255-byte strings,
 * no float narrowing); tests/codec/codec_test.c checks that at every
 * format boundary.
 *
 * akt_mp_put_str refuses bytes that are not well-formed UTF-8 (AKT_EINVAL):
 * the spec makes str UTF-8 and our reader enforces it, so the writer never
 * produces a str that a reader, ours or msgpack's, may reject.
 *
 * On error a writer leaves b->len unchanged, so a failed encode can be
 * rolled back by restoring len (akt_msg_encode does).
 */
#include <stdlib.h>

#include "codec/mp_impl.h"

void
akt_buf_init(akt_buf *buf)
{
    if (buf) {
        buf->data = NULL;
        buf->len = 0;
        buf->cap = 0;
    }
}

void
akt_buf_free(akt_buf *buf)
{
    if (buf) {
        free(buf->data);
        akt_buf_init(buf);
    }
}

static akt_err
buf_grow(akt_buf *b, size_t extra)
{
    size_t need = b->len + extra;
    if (need < b->len) {
        return AKT_ENOMEM; /* size_t overflow: cannot be satisfied */
    }
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) {
        return AKT_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return AKT_OK;
}

akt_err
akt_buf_reserve(akt_buf *buf, size_t extra)
{
    if (buf == NULL) {
        return AKT_EINVAL;
    }
    if (buf->cap - buf->len >= extra) {
        return AKT_OK;
    }
    return buf_grow(buf, extra);
}

/* room -- make n more bytes writable at b->data + b->len. */
static inline akt_err
room(akt_buf *b, size_t n)
{
    if (AKTI_LIKELY(b->cap - b->len >= n)) {
        return AKT_OK;
    }
    return buf_grow(b, n);
}

akt_err
akt_mp_put_nil(akt_buf *b)
{
    if (AKTI_UNLIKELY(room(b, 1) != AKT_OK)) {
        return AKT_ENOMEM;
    }
    b->data[b->len++] = MP_NIL;
    return AKT_OK;
}

akt_err
akt_mp_put_bool(akt_buf *b, bool v)
{
    if (AKTI_UNLIKELY(room(b, 1) != AKT_OK)) {
        return AKT_ENOMEM;
    }
    b->data[b->len++] = v ? MP_TRUE : MP_FALSE;
    return AKT_OK;
}

/* put_uint -- shared by put_uint and put_int without a call through the
 * PLT (both are exported, so a direct call could be interposed). */
static inline akt_err
put_uint(akt_buf *b, uint64_t v)
{
    if (AKTI_UNLIKELY(room(b, 9) != AKT_OK)) {
        return AKT_ENOMEM;
    }
    b->len = (size_t)(mp_w_uint(b->data + b->len, v) - b->data);
    return AKT_OK;
}

akt_err
akt_mp_put_uint(akt_buf *b, uint64_t v)
{
    return put_uint(b, v);
}

akt_err
akt_mp_put_int(akt_buf *b, int64_t v)
{
    if (v >= 0) {
        return put_uint(b, (uint64_t)v);
    }
    if (AKTI_UNLIKELY(room(b, 9) != AKT_OK)) {
        return AKT_ENOMEM;
    }
    b->len = (size_t)(mp_w_int(b->data + b->len, v) - b->data);
    return AKT_OK;
}

akt_err
akt_mp_put_f32(akt_buf *b, float v)
{
    if (AKTI_UNLIKELY(room(b, 5) != AKT_OK)) {
        return AKT_ENOMEM;
    }
    b->len = (size_t)(mp_w_f32(b->data + b->len, v) - b->data);
    return AKT_OK;
}

akt_err
akt_mp_put_f64(akt_buf *b, double v)
{
    if (AKTI_UNLIKELY(room(b, 9) != AKT_OK)) {
        return AKT_ENOMEM;
    }
    b->len = (size_t)(mp_w_f64(b->data + b->len, v) - b->data);
    return AKT_OK;
}

/* put_head -- a length header: fix form (fix | len) when len < fixlim
 * (0 disables it), else the 8/16/32-bit form (op8 0 disables 8-bit). */
static inline akt_err
put_head(akt_buf *b, size_t len, uint8_t fix, size_t fixlim, uint8_t op8,
    uint8_t op16, uint8_t op32, size_t body)
{
    if (AKTI_UNLIKELY(len > UINT32_MAX)) {
        return AKT_ETOOBIG;
    }
    if (AKTI_UNLIKELY(room(b, 5 + body) != AKT_OK)) {
        return AKT_ENOMEM;
    }
    b->len = (size_t)(mp_w_head(
                          b->data + b->len, len, fix, fixlim, op8, op16, op32)
        - b->data);
    return AKT_OK;
}

akt_err
akt_mp_put_str(akt_buf *b, const char *s, size_t len)
{
    if (AKTI_UNLIKELY(s == NULL && len > 0)) {
        return AKT_EINVAL;
    }
    if (AKTI_UNLIKELY(len > UINT32_MAX)) {
        return AKT_ETOOBIG; /* as put_head says, before reading s */
    }
    /* msgpack str is UTF-8, and every reader of ours rejects a str that is
     * not: refusing it here keeps "encodes" meaning "decodes", and puts the
     * error on the caller who made the string, not on a peer. */
    if (AKTI_UNLIKELY(!mp_utf8_valid((const uint8_t *)s, len))) {
        return AKT_EINVAL;
    }
    akt_err rc
        = put_head(b, len, MP_FIXSTR, 32, MP_STR8, MP_STR16, MP_STR32, len);
    if (AKTI_LIKELY(rc == AKT_OK) && len) {
        memcpy(b->data + b->len, s, len);
        b->len += len;
    }
    return rc;
}

akt_err
akt_mp_put_bin(akt_buf *b, const void *p, size_t len)
{
    if (AKTI_UNLIKELY(p == NULL && len > 0)) {
        return AKT_EINVAL;
    }
    akt_err rc = put_head(b, len, 0, 0, MP_BIN8, MP_BIN16, MP_BIN32, len);
    if (AKTI_LIKELY(rc == AKT_OK) && len) {
        memcpy(b->data + b->len, p, len);
        b->len += len;
    }
    return rc;
}

akt_err
akt_mp_put_array(akt_buf *b, uint32_t n)
{
    return put_head(b, n, MP_FIXARRAY, 16, 0, MP_ARRAY16, MP_ARRAY32, 0);
}

akt_err
akt_mp_put_map(akt_buf *b, uint32_t n)
{
    return put_head(b, n, MP_FIXMAP, 16, 0, MP_MAP16, MP_MAP32, 0);
}
