/*
 * systypes.c -- the runtime's own message types: the public akt.Terminated
 * and akt.Status (hand-written descriptors in the form aktc generates), and
 * the private system-message, PoisonPill and broadcast-envelope types.
 * akt.Status has a codec (msgpack map {1: code, 2: text}, as aktc would
 * emit; the text is left out when empty, so a Status without one encodes
 * as before), so error replies (akt_reply_error) cross nodes; the private
 * types never leave the process.
 */
#include <stddef.h>
#include <string.h>

#include "akt/akt_gen.h"
#include "core/core.h"

static const akt_field terminated_fields[] = {
    { .name = "actor",
        .number = 1,
        .kind = AKT_KIND_REF,
        .offset = offsetof(akt_Terminated, actor),
        .has_offset = AKT_NO_OFFSET,
        .doc = "the actor that stopped" },
};

const akt_type akt_terminated_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.Terminated",
    .id = 0x7f9b4deddb49f1a2ull, /* akt_type_id("akt.Terminated") */
    .size = sizeof(akt_Terminated),
    .align = _Alignof(akt_Terminated),
    .fields = terminated_fields,
    .nfields = 1,
    .doc = "Delivered to each watcher exactly once when a watched actor stops.",
};

static const akt_field status_fields[] = {
    { .name = "code",
        .number = 1,
        .kind = AKT_KIND_INT32,
        .offset = offsetof(akt_Status, code),
        .has_offset = AKT_NO_OFFSET,
        .doc = "an akt_err code" },
    { .name = "text",
        .number = 2,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(akt_Status, text),
        .has_offset = AKT_NO_OFFSET,
        .doc = "the reason, at most AKT_STATUS_TEXT_MAX bytes" },
};

/* the length of the well-formed UTF-8 sequence at p (n bytes left), 0 when
 * none starts there (Unicode table 3-7: no overlongs, no surrogates,
 * nothing past U+10FFFF) */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
    uint8_t b = p[0];
    if (b < 0x80) {
        return 1;
    }
    if (b < 0xc2) {
        return 0;
    }
    if (b < 0xe0) {
        return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
    }
    if (b < 0xf0) {
        uint8_t lo = b == 0xe0 ? 0xa0 : 0x80;
        uint8_t hi = b == 0xed ? 0x9f : 0xbf;
        return n >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3
                                                                           : 0;
    }
    if (b < 0xf5) {
        uint8_t lo = b == 0xf0 ? 0x90 : 0x80;
        uint8_t hi = b == 0xf4 ? 0x8f : 0xbf;
        return n >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80
                && (p[3] & 0xc0) == 0x80
            ? 4
            : 0;
    }
    return 0;
}

size_t
akti_status_text_clip(char *dst, const char *src, size_t len)
{
    const uint8_t *p = (const uint8_t *)src;
    size_t i = 0, o = 0;
    while (i < len) {
        size_t k = utf8_seq(p + i, len - i);
        if (k == 0 || p[i] == 0) {
            if (o + 1 > AKT_STATUS_TEXT_MAX) {
                break;
            }
            dst[o++] = '?';
            i++;
            continue;
        }
        if (o + k > AKT_STATUS_TEXT_MAX) {
            break; /* never half a character */
        }
        memcpy(dst + o, p + i, k);
        o += k;
        i += k;
    }
    dst[o] = '\0';
    return o;
}

akt_Status *
akti_status_new(akt_err code, const char *text, size_t len)
{
    char buf[AKT_STATUS_TEXT_MAX + 1];
    size_t n = text ? akti_status_text_clip(buf, text, len) : 0;
    akt_Status *st = akt_msg_new(&akt_status_type, n ? n + 1 : 0);
    if (st == NULL) {
        return NULL;
    }
    st->code = (int32_t)code;
    if (n > 0
        && akt_arena_str(akt_msg_arena(st), buf, n, &st->text) != AKT_OK) {
        akt_msg_free(st);
        return NULL;
    }
    return st;
}

static akt_err
status_encode(const void *obj, akt_buf *b)
{
    const akt_Status *m = obj;
    akt_err rc = akt_mp_put_map(b, m->text.len > 0 ? 2 : 1);
    if (rc == AKT_OK) {
        rc = akt_mp_put_uint(b, 1);
    }
    if (rc == AKT_OK) {
        rc = akt_mp_put_int(b, m->code);
    }
    if (rc == AKT_OK && m->text.len > 0) {
        rc = akt_mp_put_uint(b, 2);
        if (rc == AKT_OK) {
            rc = akt_mp_put_str(b, m->text.ptr, m->text.len);
        }
    }
    return rc;
}

static akt_err
status_decode(void *obj, akt_reader *r, akt_arena *arena)
{
    (void)arena;
    akt_Status *m = obj;
    uint32_t n;
    if (akt_mp_get_map(r, &n) != AKT_OK) {
        return r->err;
    }
    for (uint32_t i = 0; i < n && r->err == AKT_OK; i++) {
        uint64_t key;
        int64_t v;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            break;
        }
        if (key == 2) {
            /* well-formed UTF-8 (the reader checks it); a text longer
             * than the bound is cut at a character boundary */
            if (akt_mp_get_str(r, arena, &m->text) == AKT_OK
                && m->text.len > AKT_STATUS_TEXT_MAX) {
                char *t = (char *)m->text.ptr;
                size_t n = AKT_STATUS_TEXT_MAX;
                while (n > 0 && ((uint8_t)t[n] & 0xc0) == 0x80) {
                    n--; /* t[n] continues a character: cut before it */
                }
                t[n] = '\0';
                m->text.len = n;
            }
        } else if (key != 1) {
            akt_mp_skip(r);
        } else if (akt_mp_get_int(r, &v) == AKT_OK) {
            if (v < 0 || v > INT32_MAX) {
                return akt_mp_fail(r, AKT_EPROTO);
            }
            m->code = (int32_t)v;
        }
    }
    return r->err;
}

static akt_err
status_copy(void *dst, const void *src, akt_arena *arena)
{
    akt_Status *d = dst;
    const akt_Status *s = src;
    d->code = s->code;
    if (s->text.len == 0) {
        return AKT_OK;
    }
    return akt_arena_str(arena, s->text.ptr, s->text.len, &d->text);
}

static bool
status_equal(const void *pa, const void *pb)
{
    const akt_Status *a = pa, *b = pb;
    return a->code == b->code && a->text.len == b->text.len
        && (a->text.len == 0
            || memcmp(a->text.ptr, b->text.ptr, a->text.len) == 0);
}

const akt_type akt_status_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.Status",
    .id = 0xf37c6af07eb13501ull, /* akt_type_id("akt.Status") */
    .size = sizeof(akt_Status),
    .align = _Alignof(akt_Status),
    .fields = status_fields,
    .nfields = 2,
    .copy = status_copy,
    .equal = status_equal,
    .encode = status_encode,
    .decode = status_decode,
    .doc = "An error reply: its akt_err code and reason text (what "
           "akt_reply_error sends to an actor, akt_future_pipe_to when the "
           "future failed).",
};

const akt_type akti_sysmsg_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_SYSTEM | AKT_TYPE_CONTROL,
    .name = "akt.internal.SystemMessage",
    .id = 0xe1c2f59b2735a0f8ull,
    .size = sizeof(akti_sysmsg),
    .align = _Alignof(akti_sysmsg),
};

const akt_type akti_poison_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.PoisonPill",
    .id = 0xe4edbcc4903ef5b0ull,
    .size = 1,
    .align = 1,
};

static void
envelope_fini(void *obj)
{
    akti_envelope *e = obj;
    akt_msg_free(e->inner);
}

const akt_type akti_envelope_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_SYSTEM,
    .name = "akt.internal.Envelope",
    .id = 0xf7da955a7eb848bcull,
    .size = sizeof(akti_envelope),
    .align = _Alignof(akti_envelope),
    .fini = envelope_fini,
};
