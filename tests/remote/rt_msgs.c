/*
 * rt_msgs.c -- descriptors and codecs of rt.Ping / rt.Pong (see rt_msgs.h).
 */
#include <stddef.h>
#include <string.h>

#include "remote/rt_msgs.h"

static akt_err
ping_encode(const void *obj, akt_buf *b)
{
    const rt_Ping *m = obj;
    akt_err rc;
    uint32_t n = (m->n != 0) + (m->text.len != 0) + (m->blob.len != 0);
    if ((rc = akt_mp_put_map(b, n)) != AKT_OK) {
        return rc;
    }
    if (m->n != 0
        && ((rc = akt_mp_put_uint(b, 1)) != AKT_OK
            || (rc = akt_mp_put_int(b, m->n)) != AKT_OK)) {
        return rc;
    }
    if (m->text.len != 0
        && ((rc = akt_mp_put_uint(b, 2)) != AKT_OK
            || (rc = akt_mp_put_str(b, m->text.ptr, m->text.len)) != AKT_OK)) {
        return rc;
    }
    if (m->blob.len != 0
        && ((rc = akt_mp_put_uint(b, 3)) != AKT_OK
            || (rc = akt_mp_put_bin(b, m->blob.ptr, m->blob.len)) != AKT_OK)) {
        return rc;
    }
    return AKT_OK;
}

static akt_err
ping_decode(void *obj, akt_reader *r, akt_arena *arena)
{
    rt_Ping *m = obj;
    uint32_t n;
    if (akt_mp_get_map(r, &n) != AKT_OK) {
        return r->err;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t key;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            return r->err;
        }
        switch (key) {
        case 1:
            akt_mp_get_int(r, &m->n);
            break;
        case 2:
            akt_mp_get_str(r, arena, &m->text);
            break;
        case 3:
            akt_mp_get_bin(r, arena, &m->blob);
            break;
        default:
            akt_mp_skip(r);
            break;
        }
        if (r->err != AKT_OK) {
            return r->err;
        }
    }
    return AKT_OK;
}

static akt_err
pong_encode(const void *obj, akt_buf *b)
{
    const rt_Pong *m = obj;
    akt_err rc;
    if ((rc = akt_mp_put_map(b, m->n != 0)) != AKT_OK) {
        return rc;
    }
    if (m->n != 0
        && ((rc = akt_mp_put_uint(b, 1)) != AKT_OK
            || (rc = akt_mp_put_int(b, m->n)) != AKT_OK)) {
        return rc;
    }
    return AKT_OK;
}

static akt_err
pong_decode(void *obj, akt_reader *r, akt_arena *arena)
{
    (void)arena;
    rt_Pong *m = obj;
    uint32_t n;
    if (akt_mp_get_map(r, &n) != AKT_OK) {
        return r->err;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t key;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            return r->err;
        }
        if (key == 1) {
            akt_mp_get_int(r, &m->n);
        } else {
            akt_mp_skip(r);
        }
        if (r->err != AKT_OK) {
            return r->err;
        }
    }
    return AKT_OK;
}

static const akt_field ping_fields[] = {
    { .name = "n",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(rt_Ping, n),
        .has_offset = AKT_NO_OFFSET },
    { .name = "text",
        .number = 2,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(rt_Ping, text),
        .has_offset = AKT_NO_OFFSET },
    { .name = "blob",
        .number = 3,
        .kind = AKT_KIND_BYTES,
        .offset = offsetof(rt_Ping, blob),
        .has_offset = AKT_NO_OFFSET },
};

static const akt_field pong_fields[] = {
    { .name = "n",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(rt_Pong, n),
        .has_offset = AKT_NO_OFFSET },
};

/* FNV-1a 64 of the names, as aktc computes them (checked by the registry) */
const akt_type rt_ping_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "rt.Ping",
    .id = 0x979ba4549baa0bebULL, /* akt_type_id("rt.Ping") */
    .size = sizeof(rt_Ping),
    .align = _Alignof(rt_Ping),
    .fields = ping_fields,
    .nfields = 3,
    .encode = ping_encode,
    .decode = ping_decode,
};

const akt_type rt_pong_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "rt.Pong",
    .id = 0x852b425490e79985ULL, /* akt_type_id("rt.Pong") */
    .size = sizeof(rt_Pong),
    .align = _Alignof(rt_Pong),
    .fields = pong_fields,
    .nfields = 1,
    .encode = pong_encode,
    .decode = pong_decode,
};

static akt_err
refmsg_encode(const void *obj, akt_buf *b)
{
    const rt_RefMsg *m = obj;
    akt_err rc;
    if ((rc = akt_mp_put_map(b, 2)) != AKT_OK
        || (rc = akt_mp_put_uint(b, 1)) != AKT_OK
        || (rc = akt_mp_put_ref(b, m->who)) != AKT_OK
        || (rc = akt_mp_put_uint(b, 2)) != AKT_OK
        || (rc = akt_mp_put_int(b, m->n)) != AKT_OK) {
        return rc;
    }
    return AKT_OK;
}

static akt_err
refmsg_decode(void *obj, akt_reader *r, akt_arena *arena)
{
    (void)arena;
    rt_RefMsg *m = obj;
    uint32_t n;
    if (akt_mp_get_map(r, &n) != AKT_OK) {
        return r->err;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t key;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            return r->err;
        }
        if (key == 1) {
            akt_mp_get_ref(r, &m->who);
        } else if (key == 2) {
            akt_mp_get_int(r, &m->n);
        } else {
            akt_mp_skip(r);
        }
        if (r->err != AKT_OK) {
            return r->err;
        }
    }
    return AKT_OK;
}

static const akt_field refmsg_fields[] = {
    { .name = "who",
        .number = 1,
        .kind = AKT_KIND_REF,
        .offset = offsetof(rt_RefMsg, who),
        .has_offset = AKT_NO_OFFSET },
    { .name = "n",
        .number = 2,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(rt_RefMsg, n),
        .has_offset = AKT_NO_OFFSET },
};

const akt_type rt_refmsg_desc = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "rt.RefMsg",
    .id = 0x781f8a8122566db9ULL, /* akt_type_id("rt.RefMsg") */
    .size = sizeof(rt_RefMsg),
    .align = _Alignof(rt_RefMsg),
    .fields = refmsg_fields,
    .nfields = 2,
    .encode = refmsg_encode,
    .decode = refmsg_decode,
};

akt_err
rt_register_types(akt_registry *reg)
{
    akt_err rc = akt_registry_add(reg, &rt_ping_desc);
    if (rc == AKT_OK) {
        rc = akt_registry_add(reg, &rt_pong_desc);
    }
    if (rc == AKT_OK) {
        rc = akt_registry_add(reg, &rt_refmsg_desc);
    }
    return rc;
}
