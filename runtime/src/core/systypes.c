/*
 * systypes.c -- the runtime's own message types: the public akt.Terminated
 * and akt.Status (hand-written descriptors in the form aktc generates), and
 * the private system-message, PoisonPill and broadcast-envelope types.
 * akt.Status has a codec (msgpack map {1: code}, as aktc would emit), so
 * error replies (akt_reply_error) cross nodes; the private types never
 * leave the process.
 */
#include <stddef.h>

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
};

static akt_err
status_encode(const void *obj, akt_buf *b)
{
    const akt_Status *m = obj;
    akt_err rc = akt_mp_put_map(b, 1);
    if (rc == AKT_OK) {
        rc = akt_mp_put_uint(b, 1);
    }
    if (rc == AKT_OK) {
        rc = akt_mp_put_int(b, m->code);
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
        if (key != 1) {
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

const akt_type akt_status_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.Status",
    .id = 0xf37c6af07eb13501ull, /* akt_type_id("akt.Status") */
    .size = sizeof(akt_Status),
    .align = _Alignof(akt_Status),
    .fields = status_fields,
    .nfields = 1,
    .encode = status_encode,
    .decode = status_decode,
    .doc
    = "What akt_future_pipe_to sends when the future failed; an error reply.",
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
