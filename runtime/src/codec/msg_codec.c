/*
 * msg_codec.c -- akt_msg_encode / akt_msg_decode: whole messages through
 * their descriptors' encode/decode functions, or, for a type whose field
 * table is the whole story (AKT_TYPE_TABLE) and that has none, through the
 * table-driven codec (table.c).
 *
 * Wire format (docs/encoding.md): one msgpack map {field number: value}.
 * Decoding allocates exactly one message, sized so that its inline arena
 * can hold everything the input can produce in the common case (strings
 * and bytes never need more arena than their encoded size), and frees it
 * again on any error, so the caller owns nothing unless AKT_OK comes back.
 *
 * Limits, per field of akt_codec_limits: the caller's when not 0, else the
 * system's akt.codec.* settings (akt_msg_decode_in with a system: what
 * remoting uses for inbound messages), else the built-in defaults.
 */
#include "akt/reflect.h"
#include "codec/mp_impl.h"
#include "codec/table.h"
#include "core/ext.h" /* akti_system_codec_limits */
#include "core/msg_impl.h" /* akti_msg_hdr: the type without a call */

akt_err
akt_msg_encode(const void *msg, akt_buf *out)
{
    if (msg == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    const akt_type *t = akti_msg_hdr(msg)->type;
    if (t->encode == NULL) {
        if (!(t->flags & AKT_TYPE_TABLE)) {
            return AKT_EINVAL; /* a type that never leaves the process */
        }
        return akti_type_encode(t, msg, out); /* out->len kept on error */
    }
    size_t mark = out->len;
    /* Most messages are small: one reservation up front keeps the
     * generated put_* calls on their no-grow path. */
    akt_err rc = akt_buf_reserve(out, 64);
    if (rc == AKT_OK) {
        rc = t->encode(msg, out);
    }
    if (rc != AKT_OK) {
        out->len = mark; /* no partial message */
    }
    return rc;
}

akt_err
akt_msg_decode(const akt_type *type, const void *data, size_t len,
    const akt_codec_limits *limits, void **out)
{
    return akt_msg_decode_in(NULL, type, data, len, limits, out);
}

akt_err
akt_msg_decode_in(struct akt_system *sys, const akt_type *type,
    const void *data, size_t len, const akt_codec_limits *limits, void **out)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    *out = NULL;
    if (type == NULL || type->abi != AKT_GEN_ABI
        || (type->decode == NULL && !(type->flags & AKT_TYPE_TABLE))
        || (data == NULL && len > 0)) {
        return AKT_EINVAL;
    }
    akt_codec_limits lim = { 0 };
    if (limits != NULL) {
        lim = *limits;
    }
    if (sys != NULL) {
        akt_codec_limits def = akti_system_codec_limits(sys);
        if (lim.max_depth == 0) {
            lim.max_depth = def.max_depth;
        }
        if (lim.max_length == 0) {
            lim.max_length = def.max_length;
        }
    }
    akt_reader r;
    akt_reader_init(&r, data, len, &lim);
    r.system = sys;
    /* Arena hint: the input size, capped by the arena budget, plus room
     * for init's default strings and alignment padding. A string or bytes
     * value never needs more arena than its encoded size; lists of small
     * integers or of messages can outgrow it and chain one more block. */
    size_t hint = len < r.max_length ? len : (size_t)r.max_length;
    hint = (hint + 64 + 15) & ~(size_t)15;
    void *msg = akt_msg_new(type, hint);
    if (msg == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = akt_mp_enter(&r); /* the top-level map is depth 1 */
    if (rc == AKT_OK) {
        rc = type->decode != NULL
            ? type->decode(msg, &r, akt_msg_arena(msg))
            : akt_type_decode(type, msg, &r, akt_msg_arena(msg));
        akt_mp_leave(&r);
    }
    if (rc == AKT_OK) {
        rc = r.err;
    }
    if (rc == AKT_OK && r.p != r.end) {
        rc = AKT_EPROTO; /* trailing bytes: a framing error upstream */
    }
    if (rc != AKT_OK) {
        akt_msg_free(msg);
        return rc;
    }
    *out = msg;
    return AKT_OK;
}
