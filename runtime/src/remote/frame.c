/*
 * frame.c -- the remoting frame decoder: protobuf-c unpacking into a bump
 * arena, then the structural checks that make a frame safe to act on.
 * Everything here treats its input as hostile (see fuzz_frame.c).
 */
#include "remote/frame.h"
#include "remote/hmac.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define PBARENA_BLOCK (64 * 1024)

static void *
pbarena_alloc(void *data, size_t size)
{
    akti_pbarena *a = data;
    size_t need
        = (size + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    akti_pbarena_block *b = a->head;
    if (b == NULL || b->cap - b->used < need) {
        size_t cap = need > PBARENA_BLOCK ? need : PBARENA_BLOCK;
        if (a->limit != 0 && a->total + cap > a->limit) {
            return NULL;
        }
        size_t hdr = (sizeof(*b) + alignof(max_align_t) - 1)
            & ~(alignof(max_align_t) - 1);
        akti_pbarena_block *nb = malloc(hdr + cap);
        if (nb == NULL) {
            return NULL;
        }
        nb->cap = cap;
        nb->used = 0;
        nb->next = b;
        a->head = nb;
        a->total += cap;
        b = nb;
    }
    size_t hdr
        = (sizeof(*b) + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    void *p = (char *)b + hdr + b->used;
    b->used += need;
    return p;
}

static void
pbarena_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr; /* released all at once by reset */
}

void
akti_pbarena_init(akti_pbarena *a, size_t limit)
{
    memset(a, 0, sizeof(*a));
    a->limit = limit;
    a->pc.alloc = pbarena_alloc;
    a->pc.free = pbarena_free;
    a->pc.allocator_data = a;
}

void
akti_pbarena_reset(akti_pbarena *a)
{
    /* keep the oldest block (the first, usually the only one) */
    akti_pbarena_block *b = a->head, *keep = NULL;
    while (b != NULL) {
        akti_pbarena_block *next = b->next;
        if (next == NULL && b->cap == PBARENA_BLOCK) {
            keep = b;
        } else {
            free(b);
        }
        b = next;
    }
    a->head = keep;
    a->total = keep ? keep->cap : 0;
    if (keep) {
        keep->used = 0;
    }
}

void
akti_pbarena_fini(akti_pbarena *a)
{
    akti_pbarena_block *b = a->head;
    while (b != NULL) {
        akti_pbarena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

void
akti_frame_limits_default(akti_frame_limits *lim)
{
    lim->max_frame_size = 256 * 1024;
    lim->max_batch = 4096;
    lim->max_message_size = 16u * 1024 * 1024;
    lim->max_path_len = 1024;
}

static akt_err
check_envelope(const akti_pb_envelope *e, const akti_frame_limits *lim,
    int channel, int in_fragment)
{
    if (e == NULL) {
        return AKT_EPROTO;
    }
    if (e->recipient == NULL || e->sender == NULL) {
        return AKT_EPROTO;
    }
    size_t rl = strlen(e->recipient), sl = strlen(e->sender);
    if (rl == 0 || rl > lim->max_path_len || sl > lim->max_path_len) {
        return AKT_EPROTO;
    }
    if (e->type_id == 0) {
        return AKT_EPROTO;
    }
    if (e->payload.len != 0 && e->payload.data == NULL) {
        return AKT_EPROTO;
    }
    /* system messages (seq != 0) only on CONTROL, and all of CONTROL's
     * envelopes are system messages */
    if (channel == AKT__REMOTE__CHANNEL__CONTROL && e->seq == 0) {
        return AKT_EPROTO;
    }
    if (channel != AKT__REMOTE__CHANNEL__CONTROL && e->seq != 0) {
        return AKT_EPROTO;
    }
    if (in_fragment && e->payload.len != 0) {
        return AKT_EPROTO;
    }
    return AKT_OK;
}

akt_err
akti_frame_check(const akti_frame *f, const akti_frame_limits *lim)
{
    if (f->channel < AKT__REMOTE__CHANNEL__CONTROL
        || f->channel > AKT__REMOTE__CHANNEL__LARGE) {
        return AKT_EPROTO;
    }
    if (f->from_uid == 0) {
        return AKT_EPROTO;
    }
    switch (f->body_case) {
    case AKT__REMOTE__FRAME__BODY_HELLO: {
        const Akt__Remote__Hello *h = f->hello;
        if (h == NULL || f->channel != AKT__REMOTE__CHANNEL__CONTROL) {
            return AKT_EPROTO;
        }
        if (h->uid == 0 || h->uid != f->from_uid) {
            return AKT_EPROTO;
        }
        if (h->system == NULL || h->address == NULL || h->to_system == NULL) {
            return AKT_EPROTO;
        }
        if (h->system[0] == '\0' || h->address[0] == '\0'
            || strlen(h->address) > lim->max_path_len || strlen(h->system) > 256
            || strlen(h->to_system) > 256) {
            return AKT_EPROTO;
        }
        /* another version is refused by the transport with a message that
         * names it; this one's challenge fields have fixed sizes */
        if (h->version == AKTI_REMOTE_PROTOCOL_VERSION
            && (h->nonce.len != AKTI_HELLO_NONCE_LEN
                || (h->echo.len != 0 && h->echo.len != AKTI_HELLO_NONCE_LEN)
                || h->mac.len != AKTI_HELLO_MAC_LEN)) {
            return AKT_EPROTO;
        }
        return AKT_OK;
    }
    case AKT__REMOTE__FRAME__BODY_BATCH: {
        const Akt__Remote__Batch *b = f->batch;
        if (b == NULL || b->n_envelopes == 0
            || b->n_envelopes > lim->max_batch) {
            return AKT_EPROTO;
        }
        for (size_t i = 0; i < b->n_envelopes; i++) {
            akt_err rc = check_envelope(b->envelopes[i], lim, f->channel, 0);
            if (rc != AKT_OK) {
                return rc;
            }
            /* CONTROL batches carry strictly increasing seqs */
            if (i > 0 && f->channel == AKT__REMOTE__CHANNEL__CONTROL
                && b->envelopes[i]->seq <= b->envelopes[i - 1]->seq) {
                return AKT_EPROTO;
            }
        }
        return AKT_OK;
    }
    case AKT__REMOTE__FRAME__BODY_HEARTBEAT:
        if (f->heartbeat == NULL
            || f->channel != AKT__REMOTE__CHANNEL__CONTROL) {
            return AKT_EPROTO;
        }
        return AKT_OK;
    case AKT__REMOTE__FRAME__BODY_ACK:
        if (f->ack == NULL || f->channel != AKT__REMOTE__CHANNEL__CONTROL) {
            return AKT_EPROTO;
        }
        return AKT_OK;
    case AKT__REMOTE__FRAME__BODY_QUARANTINE:
        if (f->quarantine == NULL || f->channel != AKT__REMOTE__CHANNEL__CONTROL
            || f->quarantine->uid == 0 || f->quarantine->reason == NULL) {
            return AKT_EPROTO;
        }
        return AKT_OK;
    case AKT__REMOTE__FRAME__BODY_REFUSAL: {
        const Akt__Remote__Refusal *r = f->refusal;
        if (r == NULL || f->channel != AKT__REMOTE__CHANNEL__CONTROL
            || r->echo.len != AKTI_HELLO_NONCE_LEN || r->system == NULL
            || strlen(r->system) > 256) {
            return AKT_EPROTO;
        }
        return AKT_OK;
    }
    case AKT__REMOTE__FRAME__BODY_LEAVE:
        if (f->leave == NULL || f->channel != AKT__REMOTE__CHANNEL__CONTROL
            || f->leave->reason == NULL || strlen(f->leave->reason) > 256) {
            return AKT_EPROTO;
        }
        return AKT_OK;
    case AKT__REMOTE__FRAME__BODY_FLOW:
        if (f->flow == NULL || f->channel != AKT__REMOTE__CHANNEL__CONTROL) {
            return AKT_EPROTO;
        }
        return AKT_OK;
    case AKT__REMOTE__FRAME__BODY_FRAGMENT: {
        const Akt__Remote__Fragment *g = f->fragment;
        if (g == NULL || f->channel != AKT__REMOTE__CHANNEL__LARGE) {
            return AKT_EPROTO;
        }
        if (g->count == 0 || g->index >= g->count || g->msg_id == 0) {
            return AKT_EPROTO;
        }
        if (g->total_len == 0 || g->total_len > lim->max_message_size) {
            return AKT_EPROTO;
        }
        if (g->data.len == 0 || g->data.len > g->total_len) {
            return AKT_EPROTO;
        }
        /* every fragment but the last is at least 1/count of the total */
        if ((uint64_t)g->count > g->total_len) {
            return AKT_EPROTO;
        }
        if (g->index == 0) {
            akt_err rc = check_envelope(g->head, lim, f->channel, 1);
            if (rc != AKT_OK) {
                return rc;
            }
        } else if (g->head != NULL) {
            return AKT_EPROTO;
        }
        return AKT_OK;
    }
    default:
        return AKT_EPROTO;
    }
}

akt_err
akti_frame_decode(const void *data, size_t len, const akti_frame_limits *lim,
    akti_pbarena *arena, akti_frame **out)
{
    *out = NULL;
    if (data == NULL || len == 0) {
        return AKT_EPROTO;
    }
    if (len > lim->max_frame_size) {
        return AKT_ETOOBIG;
    }
    akti_frame *f = akt__remote__frame__unpack(&arena->pc, len, data);
    if (f == NULL) {
        return AKT_EPROTO; /* malformed, or the arena limit was hit */
    }
    akt_err rc = akti_frame_check(f, lim);
    if (rc != AKT_OK) {
        return rc;
    }
    *out = f;
    return AKT_OK;
}

/* --- the Hello's mac ------------------------------------------------------ */

static void
mac_u64(akti_hmac *m, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    }
    akti_hmac_update(m, b, 8);
}

static void
mac_bytes(akti_hmac *m, const void *p, size_t n)
{
    mac_u64(m, n);
    if (n) {
        akti_hmac_update(m, p, n);
    }
}

void
akti_hello_mac(const void *key, size_t klen, const Akt__Remote__Hello *h,
    uint8_t out[AKTI_HELLO_MAC_LEN])
{
    static const char tag[] = "akt.remote.hello.v3";
    akti_hmac m;
    akti_hmac_init(&m, key, klen);
    mac_bytes(&m, tag, sizeof(tag) - 1);
    mac_u64(&m, h->version);
    mac_bytes(&m, h->system, h->system ? strlen(h->system) : 0);
    mac_bytes(&m, h->address, h->address ? strlen(h->address) : 0);
    mac_u64(&m, h->uid);
    mac_bytes(&m, h->to_system, h->to_system ? strlen(h->to_system) : 0);
    mac_u64(&m, h->to_uid);
    mac_u64(&m, h->token);
    mac_u64(&m, h->have_your_token ? 1 : 0);
    mac_bytes(&m, h->nonce.data, h->nonce.len);
    mac_bytes(&m, h->echo.data, h->echo.len);
    mac_u64(&m, h->session);
    mac_u64(&m, h->your_token);
    akti_hmac_final(&m, out);
}

/* --- the data-frame encoder ------------------------------------------------
 * Protobuf's wire format for Frame{from_uid 1, to_uid 2, token 3 (fixed64),
 * channel 4, conn_epoch 5, fc_seq 8, fc_bytes 9, batch 11} and
 * Envelope{recipient 1, sender 2, type_id 3 (fixed64), payload 4, seq 5}:
 * a tag is (number << 3 | wire type), wire types 0 varint, 1 fixed64,
 * 2 length-delimited. */

static inline size_t
vsize(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline uint8_t *
vput(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline uint8_t *
f64put(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
    return p + 8;
}

static inline size_t
env_size(const akti_env_out *e)
{
    size_t n = 0;
    if (e->rlen) {
        n += 1 + vsize(e->rlen) + e->rlen;
    }
    if (e->slen) {
        n += 1 + vsize(e->slen) + e->slen;
    }
    if (e->type_id) {
        n += 1 + 8;
    }
    if (e->plen) {
        n += 1 + vsize(e->plen) + e->plen;
    }
    if (e->seq) {
        n += 1 + vsize(e->seq);
    }
    return n;
}

static size_t
batch_body_size(const akti_env_out *e, size_t n)
{
    size_t b = 0;
    for (size_t i = 0; i < n; i++) {
        size_t es = env_size(&e[i]);
        b += 1 + vsize(es) + es;
    }
    return b;
}

static size_t
hdr_size(const akti_batch_hdr *h)
{
    size_t n = 0;
    n += h->from_uid ? 1 + vsize(h->from_uid) : 0;
    n += h->to_uid ? 1 + vsize(h->to_uid) : 0;
    n += h->token ? 1 + 8 : 0;
    n += h->channel ? 1 + vsize(h->channel) : 0;
    n += h->conn_epoch ? 1 + vsize(h->conn_epoch) : 0;
    n += h->fc_seq ? 1 + vsize(h->fc_seq) : 0;
    n += h->fc_bytes ? 1 + vsize(h->fc_bytes) : 0;
    return n;
}

size_t
akti_batch_size(const akti_batch_hdr *h, const akti_env_out *e, size_t n)
{
    size_t b = batch_body_size(e, n);
    return hdr_size(h) + 1 + vsize(b) + b;
}

size_t
akti_batch_pack(
    const akti_batch_hdr *h, const akti_env_out *e, size_t n, uint8_t *out)
{
    uint8_t *p = out;
    if (h->from_uid) {
        *p++ = 1 << 3;
        p = vput(p, h->from_uid);
    }
    if (h->to_uid) {
        *p++ = 2 << 3;
        p = vput(p, h->to_uid);
    }
    if (h->token) {
        *p++ = 3 << 3 | 1;
        p = f64put(p, h->token);
    }
    if (h->channel) {
        *p++ = 4 << 3;
        p = vput(p, h->channel);
    }
    if (h->conn_epoch) {
        *p++ = 5 << 3;
        p = vput(p, h->conn_epoch);
    }
    if (h->fc_seq) {
        *p++ = 8 << 3;
        p = vput(p, h->fc_seq);
    }
    if (h->fc_bytes) {
        *p++ = 9 << 3;
        p = vput(p, h->fc_bytes);
    }
    *p++ = 11 << 3 | 2;
    p = vput(p, batch_body_size(e, n));
    for (size_t i = 0; i < n; i++) {
        const akti_env_out *x = &e[i];
        *p++ = 1 << 3 | 2;
        p = vput(p, env_size(x));
        if (x->rlen) {
            *p++ = 1 << 3 | 2;
            p = vput(p, x->rlen);
            memcpy(p, x->recipient, x->rlen);
            p += x->rlen;
        }
        if (x->slen) {
            *p++ = 2 << 3 | 2;
            p = vput(p, x->slen);
            memcpy(p, x->sender, x->slen);
            p += x->slen;
        }
        if (x->type_id) {
            *p++ = 3 << 3 | 1;
            p = f64put(p, x->type_id);
        }
        if (x->plen) {
            *p++ = 4 << 3 | 2;
            p = vput(p, x->plen);
            memcpy(p, x->payload, x->plen);
            p += x->plen;
        }
        if (x->seq) {
            *p++ = 5 << 3;
            p = vput(p, x->seq);
        }
    }
    return (size_t)(p - out);
}
