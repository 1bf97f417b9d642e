/*
 * frame.c -- the remoting frame decoder: akt's own for data frames
 * (akti_batch_unpack), protobuf-c unpacking for the others, both into a
 * bump arena, then the structural checks that make a frame safe to act
 * on; and the data-frame encoder. Everything here treats its input as
 * hostile (see fuzz_frame.c).
 */
#include "remote/frame.h"
#include "remote/hmac.h"

#include <limits.h>
#include <stdalign.h>
#include <stdbool.h>
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
    a->lens = NULL;
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
    a->lens = NULL;
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

/* check_envelope -- ln: its string lengths when known (else strlen) */
static akt_err
check_envelope(const akti_pb_envelope *e, const akti_env_len *ln,
    const akti_frame_limits *lim, int channel, int in_fragment)
{
    if (e == NULL) {
        return AKT_EPROTO;
    }
    if (e->recipient == NULL || e->sender == NULL) {
        return AKT_EPROTO;
    }
    size_t rl = ln ? ln->recipient : strlen(e->recipient);
    size_t sl = ln ? ln->sender : strlen(e->sender);
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

static akt_err
frame_check(
    const akti_frame *f, const akti_env_len *lens, const akti_frame_limits *lim)
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
            || strlen(h->address) > lim->max_path_len
            || (h->lane != NULL && strlen(h->lane) > lim->max_path_len)
            || strlen(h->system) > 256 || strlen(h->to_system) > 256) {
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
            akt_err rc = check_envelope(
                b->envelopes[i], lens ? &lens[i] : NULL, lim, f->channel, 0);
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
    case AKT__REMOTE__FRAME__BODY_LANE_OPEN:
        if (f->lane_open == NULL || f->channel != AKT__REMOTE__CHANNEL__ORDINARY
            || f->to_uid == 0 || f->token == 0 || f->conn_epoch == 0
            || f->lane_open->mac.len != AKTI_HELLO_MAC_LEN) {
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
            akt_err rc = check_envelope(g->head, NULL, lim, f->channel, 1);
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
akti_frame_check(const akti_frame *f, const akti_frame_limits *lim)
{
    return frame_check(f, NULL, lim);
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
    arena->lens = NULL;
    akti_frame *f;
    const akti_env_len *lens = NULL;
    akt_err rc = akti_batch_unpack(data, len, arena, &f, &lens);
    if (rc == AKT_ENOENT) {
        f = akt__remote__frame__unpack(&arena->pc, len, data);
        if (f == NULL) {
            return AKT_EPROTO; /* malformed, or the arena limit was hit */
        }
        if (f->body_case == AKT__REMOTE__FRAME__BODY_BATCH
            && f->batch != NULL) {
            /* a Batch after another body (the last oneof member wins):
             * hostile, but lens are promised for every Batch */
            size_t n = f->batch->n_envelopes;
            akti_env_len *l = n ? pbarena_alloc(arena, n * sizeof(*l)) : NULL;
            if (n && l == NULL) {
                return AKT_EPROTO;
            }
            for (size_t i = 0; i < n; i++) {
                const akti_pb_envelope *e = f->batch->envelopes[i];
                l[i].recipient = e && e->recipient ? strlen(e->recipient) : 0;
                l[i].sender = e && e->sender ? strlen(e->sender) : 0;
            }
            lens = l;
        }
    } else if (rc != AKT_OK) {
        return rc;
    }
    rc = frame_check(f, lens, lim);
    if (rc != AKT_OK) {
        return rc;
    }
    arena->lens = lens;
    *out = f;
    return AKT_OK;
}

/* --- akt's decoder for data frames -----------------------------------------
 * Protobuf's wire format as protobuf-c 1.4 reads it (protobuf-c.c:
 * parse_tag_and_wiretype, scan_length_prefixed_data, parse_uint64,
 * parse_oneof_member), so that a frame decodes to the same values, or
 * fails, whichever decoder reads it. */

/* a tag: protobuf-c's parse_tag_and_wiretype, quirks included (the first
 * byte must carry field bits; at most 5 bytes); 0: malformed */
static size_t
rd_tag(const uint8_t *p, const uint8_t *end, uint32_t *tag, unsigned *wt)
{
    size_t rem = (size_t)(end - p);
    size_t max = rem > 5 ? 5 : rem;
    if ((p[0] & 0xf8) == 0) {
        return 0;
    }
    uint32_t t = (uint32_t)(p[0] & 0x7f) >> 3;
    *wt = p[0] & 7u;
    if ((p[0] & 0x80) == 0) {
        *tag = t;
        return 1;
    }
    unsigned shift = 4;
    for (size_t i = 1; i < max; i++) {
        if (p[i] & 0x80) {
            t |= (uint32_t)(p[i] & 0x7f) << shift;
            shift += 7;
        } else {
            t |= (uint32_t)p[i] << shift;
            *tag = t;
            return i + 1;
        }
    }
    return 0;
}

/* a varint of at most 10 bytes; bits past 64 are dropped (parse_uint64) */
static inline bool
rd_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (unsigned i = 0; i < 10 && p + i < end; i++) {
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if ((p[i] & 0x80) == 0) {
            *pp = p + i + 1;
            *out = v;
            return true;
        }
    }
    return false;
}

static inline bool
rd_fixed64(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
    const uint8_t *p = *pp;
    if (end - p < 8) {
        return false;
    }
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    *pp = p + 8;
    *out = v;
    return true;
}

/* a length prefix (at most 5 bytes, at most INT_MAX) and the bytes it
 * covers, which must all be there */
static inline bool
rd_lenp(
    const uint8_t **pp, const uint8_t *end, const uint8_t **body, size_t *blen)
{
    const uint8_t *p = *pp;
    size_t rem = (size_t)(end - p);
    size_t max = rem < 5 ? rem : 5;
    size_t v = 0, i;
    for (i = 0; i < max; i++) {
        v |= ((size_t)p[i] & 0x7f) << (7 * i);
        if ((p[i] & 0x80) == 0) {
            break;
        }
    }
    if (i == max) {
        return false;
    }
    size_t hl = i + 1;
    if (v > INT_MAX || hl + v > rem) {
        return false;
    }
    *body = p + hl;
    *blen = v;
    *pp = p + hl + v;
    return true;
}

/* skip a field of wire type wt (an unknown field) */
static bool
rd_skip(const uint8_t **pp, const uint8_t *end, unsigned wt)
{
    uint64_t v;
    const uint8_t *b;
    size_t n;
    switch (wt) {
    case 0:
        return rd_varint(pp, end, &v);
    case 1:
        return rd_fixed64(pp, end, &v);
    case 2:
        return rd_lenp(pp, end, &b, &n);
    case 5:
        if (end - *pp < 4) {
            return false;
        }
        *pp += 4;
        return true;
    default:
        return false; /* groups (3, 4) and 6, 7: protobuf-c refuses them */
    }
}

/* a string field: copied with a NUL (the arena), *len its strlen */
static bool
rd_string(akti_pbarena *a, const uint8_t *s, size_t n, char **out, size_t *len)
{
    char *c = pbarena_alloc(a, n + 1);
    if (c == NULL) {
        return false;
    }
    memcpy(c, s, n);
    c[n] = '\0';
    const char *z = n ? memchr(c, 0, n) : NULL;
    *len = z ? (size_t)(z - c) : n;
    *out = c;
    return true;
}

/* the last string of a field decoded in this batch: a batch's envelopes
 * mostly repeat their recipient and sender, which then share one copy */
typedef struct str_memo {
    const uint8_t *wire;
    size_t n;
    char *copy;
    size_t len;
} str_memo;

static bool
rd_string_memo(akti_pbarena *a, str_memo *m, const uint8_t *s, size_t n,
    char **out, size_t *len)
{
    if (m->copy != NULL && n == m->n && memcmp(s, m->wire, n) == 0) {
        *out = m->copy;
        *len = m->len;
        return true;
    }
    if (!rd_string(a, s, n, out, len)) {
        return false;
    }
    *m = (str_memo) { s, n, *out, *len };
    return true;
}

static bool
unpack_envelope(akti_pbarena *a, const uint8_t *p, const uint8_t *end,
    akti_pb_envelope *e, akti_env_len *ln, str_memo memo[2])
{
    akt__remote__envelope__init(e);
    ln->recipient = 0;
    ln->sender = 0;
    while (p < end) {
        uint32_t tag;
        unsigned wt;
        size_t tl = rd_tag(p, end, &tag, &wt);
        if (tl == 0) {
            return false;
        }
        p += tl;
        const uint8_t *b;
        size_t n;
        switch (tag) {
        case 1:
            if (wt != 2 || !rd_lenp(&p, end, &b, &n)
                || !rd_string_memo(
                    a, &memo[0], b, n, &e->recipient, &ln->recipient)) {
                return false;
            }
            break;
        case 2:
            if (wt != 2 || !rd_lenp(&p, end, &b, &n)
                || !rd_string_memo(
                    a, &memo[1], b, n, &e->sender, &ln->sender)) {
                return false;
            }
            break;
        case 3:
            if (wt != 1 || !rd_fixed64(&p, end, &e->type_id)) {
                return false;
            }
            break;
        case 4:
            if (wt != 2 || !rd_lenp(&p, end, &b, &n)) {
                return false;
            }
            e->payload.data = n ? (uint8_t *)b : NULL; /* a view */
            e->payload.len = n;
            break;
        case 5:
            if (wt != 0 || !rd_varint(&p, end, &e->seq)) {
                return false;
            }
            break;
        default:
            if (!rd_skip(&p, end, wt)) {
                return false;
            }
        }
    }
    return true;
}

/* a Batch message: counted first (its envelopes' bounds), then each
 * envelope decoded */
static bool
unpack_batch(akti_pbarena *a, const uint8_t *p0, const uint8_t *end,
    Akt__Remote__Batch **out, const akti_env_len **lens)
{
    size_t n = 0;
    for (const uint8_t *p = p0; p < end;) {
        uint32_t tag;
        unsigned wt;
        size_t tl = rd_tag(p, end, &tag, &wt);
        if (tl == 0) {
            return false;
        }
        p += tl;
        if (tag == 1) {
            const uint8_t *b;
            size_t bl;
            if (wt != 2 || !rd_lenp(&p, end, &b, &bl)) {
                return false;
            }
            n++;
        } else if (!rd_skip(&p, end, wt)) {
            return false;
        }
    }
    Akt__Remote__Batch *bt = pbarena_alloc(a, sizeof(*bt));
    if (bt == NULL) {
        return false;
    }
    akt__remote__batch__init(bt);
    akti_env_len *ln = NULL;
    if (n > 0) {
        bt->envelopes = pbarena_alloc(a, n * sizeof(*bt->envelopes));
        akti_pb_envelope *envs = pbarena_alloc(a, n * sizeof(*envs));
        ln = pbarena_alloc(a, n * sizeof(*ln));
        if (bt->envelopes == NULL || envs == NULL || ln == NULL) {
            return false;
        }
        size_t i = 0;
        str_memo memo[2] = { { 0 }, { 0 } };
        for (const uint8_t *p = p0; p < end;) {
            uint32_t tag;
            unsigned wt;
            p += rd_tag(p, end, &tag, &wt); /* checked above */
            if (tag != 1) {
                rd_skip(&p, end, wt);
                continue;
            }
            const uint8_t *b = p;
            size_t bl = 0;
            rd_lenp(&p, end, &b, &bl); /* checked above */
            if (!unpack_envelope(a, b, b + bl, &envs[i], &ln[i], memo)) {
                return false;
            }
            bt->envelopes[i] = &envs[i];
            i++;
        }
        bt->n_envelopes = n;
    }
    *out = bt;
    *lens = ln;
    return true;
}

akt_err
akti_batch_unpack(const void *data, size_t len, akti_pbarena *a,
    akti_frame **out, const akti_env_len **lens)
{
    const uint8_t *p = data, *end = p + len;
    akti_frame *f = pbarena_alloc(a, sizeof(*f));
    if (f == NULL) {
        return AKT_EPROTO;
    }
    akt__remote__frame__init(f);
    const akti_env_len *ln = NULL;
    while (p < end) {
        uint32_t tag;
        unsigned wt;
        size_t tl = rd_tag(p, end, &tag, &wt);
        if (tl == 0) {
            return AKT_EPROTO;
        }
        p += tl;
        uint64_t v = 0;
        bool ok;
        switch (tag) {
        case 1:
            ok = wt == 0 && rd_varint(&p, end, &f->from_uid);
            break;
        case 2:
            ok = wt == 0 && rd_varint(&p, end, &f->to_uid);
            break;
        case 3:
            ok = wt == 1 && rd_fixed64(&p, end, &f->token);
            break;
        case 4:
            /* an enum: int32, the low 32 bits (parse_int32) */
            ok = wt == 0 && rd_varint(&p, end, &v);
            f->channel = (Akt__Remote__Channel)(int32_t)(uint32_t)v;
            break;
        case 5:
            ok = wt == 0 && rd_varint(&p, end, &f->conn_epoch);
            break;
        case 8:
            ok = wt == 0 && rd_varint(&p, end, &f->fc_seq);
            break;
        case 9:
            ok = wt == 0 && rd_varint(&p, end, &f->fc_bytes);
            break;
        case 11: {
            const uint8_t *b;
            size_t bl;
            /* a second Batch replaces the first (parse_oneof_member) */
            ok = wt == 2 && rd_lenp(&p, end, &b, &bl)
                && unpack_batch(a, b, b + bl, &f->batch, &ln);
            f->body_case = AKT__REMOTE__FRAME__BODY_BATCH;
            break;
        }
        case 10:
        case 12:
        case 13:
        case 14:
        case 15:
        case 16:
        case 17:
        case 20:
        case 21: /* LaneOpen (protocol 5) */
            return AKT_ENOENT; /* another body: protobuf-c's job */
        default:
            ok = rd_skip(&p, end, wt);
        }
        if (!ok) {
            return AKT_EPROTO;
        }
    }
    if (f->body_case != AKT__REMOTE__FRAME__BODY_BATCH) {
        return AKT_ENOENT; /* no body: protobuf-c says what it is */
    }
    *out = f;
    *lens = ln;
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
    mac_bytes(&m, h->lane, h->lane ? strlen(h->lane) : 0);
    akti_hmac_final(&m, out);
}

void
akti_lane_mac(const void *key, size_t klen, uint64_t from_uid, uint64_t to_uid,
    uint64_t token, uint64_t epoch, const uint8_t nonce[AKTI_HELLO_NONCE_LEN],
    uint8_t out[AKTI_HELLO_MAC_LEN])
{
    static const char tag[] = "akt.remote.lane.v1";
    akti_hmac m;
    akti_hmac_init(&m, key, klen);
    mac_bytes(&m, tag, sizeof(tag) - 1);
    mac_u64(&m, from_uid);
    mac_u64(&m, to_uid);
    mac_u64(&m, token);
    mac_u64(&m, epoch);
    mac_bytes(&m, nonce, AKTI_HELLO_NONCE_LEN);
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
