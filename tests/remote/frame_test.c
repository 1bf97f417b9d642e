/*
 * frame_test.c -- the frame decoder's rules, the phi-accrual detector, and
 * SHA-256 / HMAC-SHA256 (the handshake's proof of the cookie) against the
 * FIPS 180-4 and RFC 4231 test vectors.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_diff.h"
#include "remote/frame.h"
#include "remote/hmac.h"
#include "remote/phi.h"

static akti_frame_limits lim;
static akti_pbarena ar;

static void
setup(void)
{
    akti_frame_limits_default(&lim);
    akti_pbarena_init(&ar, 0);
}

static void
teardown(void)
{
    akti_pbarena_fini(&ar);
}

static size_t
pack(Akt__Remote__Frame *f, uint8_t *buf)
{
    return akt__remote__frame__pack(f, buf);
}

static Akt__Remote__Envelope env1 = AKT__REMOTE__ENVELOPE__INIT;
static Akt__Remote__Envelope *envp[1];
static Akt__Remote__Batch batch = AKT__REMOTE__BATCH__INIT;

static void
make_batch(Akt__Remote__Frame *f, int channel, uint64_t seq)
{
    akt__remote__envelope__init(&env1);
    env1.recipient = "/user/a";
    env1.sender = "akt://x@tcp://h:1/user/b";
    env1.type_id = 7;
    env1.seq = seq;
    envp[0] = &env1;
    akt__remote__batch__init(&batch);
    batch.n_envelopes = 1;
    batch.envelopes = envp;
    akt__remote__frame__init(f);
    f->from_uid = 1;
    f->to_uid = 2;
    f->channel = channel;
    f->body_case = AKT__REMOTE__FRAME__BODY_BATCH;
    f->batch = &batch;
}

START_TEST(valid_batch_round_trips)
{
    Akt__Remote__Frame f;
    make_batch(&f, AKT__REMOTE__CHANNEL__ORDINARY, 0);
    uint8_t buf[512];
    size_t n = pack(&f, buf);
    akti_frame *out;
    ck_assert_int_eq(akti_frame_decode(buf, n, &lim, &ar, &out), AKT_OK);
    ck_assert_uint_eq(out->batch->n_envelopes, 1);
    ck_assert_str_eq(out->batch->envelopes[0]->recipient, "/user/a");
    ck_assert_uint_eq(out->batch->envelopes[0]->type_id, 7);
}
END_TEST

START_TEST(rule_breaking_frames_are_rejected)
{
    Akt__Remote__Frame f;
    uint8_t buf[512];
    akti_frame *out;
    /* user message on CONTROL (no seq) */
    make_batch(&f, AKT__REMOTE__CHANNEL__CONTROL, 0);
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* system message on ORDINARY */
    make_batch(&f, AKT__REMOTE__CHANNEL__ORDINARY, 5);
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* type id 0 */
    make_batch(&f, AKT__REMOTE__CHANNEL__ORDINARY, 0);
    env1.type_id = 0;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* empty recipient */
    make_batch(&f, AKT__REMOTE__CHANNEL__ORDINARY, 0);
    env1.recipient = "";
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* no body */
    akt__remote__frame__init(&f);
    f.from_uid = 1;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* unknown channel */
    make_batch(&f, 9, 0);
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* fragment with index >= count */
    Akt__Remote__Fragment g = AKT__REMOTE__FRAGMENT__INIT;
    g.msg_id = 1;
    g.index = 3;
    g.count = 2;
    g.total_len = 10;
    uint8_t d[4] = { 1, 2, 3, 4 };
    g.data.data = d;
    g.data.len = 4;
    akt__remote__frame__init(&f);
    f.from_uid = 1;
    f.channel = AKT__REMOTE__CHANNEL__LARGE;
    f.body_case = AKT__REMOTE__FRAME__BODY_FRAGMENT;
    f.fragment = &g;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* fragment over max-message-size */
    g.index = 1;
    g.total_len = lim.max_message_size + 1;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* a refusal must echo a whole nonce, on CONTROL */
    uint8_t nonce[AKTI_HELLO_NONCE_LEN] = { 7 };
    Akt__Remote__Refusal rf = AKT__REMOTE__REFUSAL__INIT;
    rf.code = AKT__REMOTE__REFUSAL_CODE__AUTH;
    rf.echo.data = nonce;
    rf.echo.len = sizeof(nonce);
    akt__remote__frame__init(&f);
    f.from_uid = 1;
    f.body_case = AKT__REMOTE__FRAME__BODY_REFUSAL;
    f.refusal = &rf;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_OK);
    ck_assert_int_eq(out->refusal->code, AKT__REMOTE__REFUSAL_CODE__AUTH);
    rf.echo.len = 3;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    rf.echo.len = sizeof(nonce);
    f.channel = AKT__REMOTE__CHANNEL__ORDINARY;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* a leave only on CONTROL */
    Akt__Remote__Leave lv = AKT__REMOTE__LEAVE__INIT;
    lv.reason = "bye";
    akt__remote__frame__init(&f);
    f.from_uid = 1;
    f.body_case = AKT__REMOTE__FRAME__BODY_LEAVE;
    f.leave = &lv;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_OK);
    f.channel = AKT__REMOTE__CHANNEL__LARGE;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* oversized frame */
    uint8_t *big = calloc(1, lim.max_frame_size + 1);
    ck_assert_int_eq(
        akti_frame_decode(big, lim.max_frame_size + 1, &lim, &ar, &out),
        AKT_ETOOBIG);
    free(big);
}
END_TEST

/* Flow frames (flow control, protocol 3) travel on CONTROL only; their
 * counts are taken as they come (a grant is never taken back: the
 * transport keeps the largest) */
START_TEST(flow_frames_are_accepted_on_control_only)
{
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__Flow fl = AKT__REMOTE__FLOW__INIT;
    Akt__Remote__Window w = AKT__REMOTE__WINDOW__INIT;
    w.limit = 8192;
    w.limit_bytes = 1u << 23;
    fl.ordinary = &w;
    f.from_uid = 1;
    f.to_uid = 2;
    f.channel = AKT__REMOTE__CHANNEL__CONTROL;
    f.body_case = AKT__REMOTE__FRAME__BODY_FLOW;
    f.flow = &fl;
    uint8_t buf[512];
    akti_frame *out;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_OK);
    ck_assert_ptr_nonnull(out->flow->ordinary);
    ck_assert_ptr_null(out->flow->large);
    ck_assert_uint_eq(out->flow->ordinary->limit, 8192);
    akti_pbarena_reset(&ar);
    f.channel = AKT__REMOTE__CHANNEL__ORDINARY;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&f, buf), &lim, &ar, &out), AKT_EPROTO);
    /* a data frame carries its cumulative counts */
    akti_pbarena_reset(&ar);
    Akt__Remote__Frame d;
    make_batch(&d, AKT__REMOTE__CHANNEL__ORDINARY, 0);
    d.fc_seq = 42;
    d.fc_bytes = 4242;
    ck_assert_int_eq(
        akti_frame_decode(buf, pack(&d, buf), &lim, &ar, &out), AKT_OK);
    ck_assert_uint_eq(out->fc_seq, 42);
    ck_assert_uint_eq(out->fc_bytes, 4242);
}
END_TEST

START_TEST(truncations_and_random_bytes_never_crash)
{
    Akt__Remote__Frame f;
    make_batch(&f, AKT__REMOTE__CHANNEL__ORDINARY, 0);
    uint8_t buf[512];
    size_t n = pack(&f, buf);
    akti_frame *out;
    for (size_t k = 0; k < n; k++) {
        akt_err rc = akti_frame_decode(buf, k, &lim, &ar, &out);
        ck_assert(rc == AKT_EPROTO || rc == AKT_OK);
        akti_pbarena_reset(&ar);
    }
    srand(1);
    for (int i = 0; i < 200000; i++) {
        uint8_t r[64];
        size_t len = 1 + (size_t)rand() % sizeof(r);
        for (size_t j = 0; j < len; j++) {
            r[j] = (uint8_t)rand();
        }
        if (i % 2) { /* mutate a valid frame instead */
            memcpy(r, buf, n < sizeof(r) ? n : sizeof(r));
            r[(size_t)rand() % len] ^= (uint8_t)(1 + rand() % 255);
        }
        akt_err rc = akti_frame_decode(r, len, &lim, &ar, &out);
        ck_assert(rc == AKT_EPROTO || rc == AKT_OK);
        akti_pbarena_reset(&ar);
    }
}
END_TEST

/* --- akt's data-frame decoder against protobuf-c's ------------------------
 * A writer of protobuf's wire format that can also write what a hostile
 * peer would: tags in more bytes than needed, overlong varints (past 10
 * bytes: refused), length prefixes in up to 6 bytes, wrong wire types,
 * unknown fields of every wire type (groups and 6, 7: refused), fields
 * given twice, a second Batch, another body next to a Batch, strings with
 * NUL bytes. */
typedef struct wbuf {
    uint8_t b[8192];
    size_t n;
} wbuf;

static unsigned gseed;

static unsigned
grand(void)
{
    gseed = gseed * 1103515245u + 12345u;
    return gseed >> 8;
}

static bool
chance(unsigned pct)
{
    return grand() % 100 < pct;
}

static void
w_byte(wbuf *w, uint8_t v)
{
    if (w->n < sizeof(w->b)) {
        w->b[w->n++] = v;
    }
}

/* a varint; pad > 0 writes that many extra 0x80 bytes (non-minimal) */
static void
w_varint(wbuf *w, uint64_t v, unsigned pad)
{
    while (v >= 0x80 || pad > 0) {
        w_byte(w, (uint8_t)(v | 0x80));
        v >>= 7;
        if (v == 0 && pad > 0) {
            pad--;
            if (pad == 0) {
                break;
            }
        }
    }
    if (pad == 0 && (w->n == 0 || (w->b[w->n - 1] & 0x80) == 0 || v != 0)) {
        w_byte(w, (uint8_t)v);
    } else {
        w_byte(w, 0);
    }
}

static unsigned
rpad(void)
{
    /* mostly minimal, sometimes a few bytes more, rarely past the limit */
    unsigned r = grand() % 100;
    return r < 85 ? 0 : r < 97 ? 1 + grand() % 4 : 5 + grand() % 7;
}

static void
w_tag(wbuf *w, uint32_t field, unsigned wt)
{
    if (chance(3)) {
        wt = grand() % 8; /* a wrong, maybe invalid, wire type */
    }
    w_varint(w, (uint64_t)field << 3 | wt, chance(5) ? 1 + grand() % 4 : 0);
}

static void
w_bytes(wbuf *w, uint32_t field, const uint8_t *p, size_t n)
{
    w_tag(w, field, 2);
    w_varint(w, n, chance(5) ? 1 + grand() % 3 : 0);
    for (size_t i = 0; i < n; i++) {
        w_byte(w, p[i]);
    }
}

static void
w_fixed64(wbuf *w, uint32_t field, uint64_t v)
{
    w_tag(w, field, 1);
    for (int i = 0; i < 8; i++) {
        w_byte(w, (uint8_t)(v >> (8 * i)));
    }
}

static uint64_t
rval(void)
{
    static const uint64_t vals[] = { 0, 1, 2, 3, 127, 128, 300, 16384,
        (uint64_t)1 << 31, (uint64_t)1 << 32, (uint64_t)1 << 35, UINT64_MAX };
    return chance(70) ? vals[grand() % 12]
                      : (uint64_t)grand() << 40 ^ (uint64_t)grand();
}

static void
w_unknown(wbuf *w)
{
    static const uint32_t fields[] = { 6, 7, 18, 19, 22, 100, 1000, 100000 };
    uint32_t f = fields[grand() % 8];
    unsigned wt = chance(90) ? (unsigned[]) { 0, 1, 2, 5 }[grand() % 4]
                             : (unsigned[]) { 3, 4, 6, 7 }[grand() % 4];
    w_varint(w, (uint64_t)f << 3 | wt, 0);
    switch (wt) {
    case 0:
        w_varint(w, rval(), rpad());
        break;
    case 2: {
        uint8_t junk[5] = { 1, 2, 3, 4, 5 };
        w_varint(w, grand() % 6, 0);
        for (size_t i = 0, n = w->b[w->n - 1]; i < n; i++) {
            w_byte(w, junk[i % 5]);
        }
        break;
    }
    case 1:
    case 5:
        for (int i = 0; i < (wt == 1 ? 8 : 4); i++) {
            w_byte(w, (uint8_t)grand());
        }
        break;
    default:
        break;
    }
}

/* a string; often the one this field had last (a batch's envelopes
 * repeat their paths), sometimes with a NUL inside */
static void
w_string(wbuf *w, uint32_t field)
{
    static uint8_t last[3][40];
    static size_t lastn[3];
    uint8_t *s = last[field % 3];
    if (chance(60)) {
        size_t n = grand() % sizeof(last[0]);
        for (size_t i = 0; i < n; i++) {
            s[i] = chance(3) ? 0 : (uint8_t)('a' + grand() % 26);
        }
        if (n > 0 && chance(10)) {
            s[n - 1] ^= 1; /* the same length, another last byte */
        }
        lastn[field % 3] = n;
    }
    w_bytes(w, field, s, lastn[field % 3]);
}

static void
w_envelope(wbuf *w)
{
    int nf = (int)(grand() % 8);
    for (int i = 0; i < nf; i++) {
        switch (grand() % 6) {
        case 0:
            w_string(w, 1);
            break;
        case 1:
            w_string(w, 2);
            break;
        case 2:
            w_fixed64(w, 3, rval());
            break;
        case 3: {
            uint8_t p[64];
            size_t n = grand() % sizeof(p);
            for (size_t k = 0; k < n; k++) {
                p[k] = (uint8_t)grand();
            }
            w_bytes(w, 4, p, n);
            break;
        }
        case 4:
            w_tag(w, 5, 0);
            w_varint(w, rval(), rpad());
            break;
        default:
            w_unknown(w);
        }
    }
}

static void
w_batch(wbuf *w)
{
    wbuf *in = malloc(sizeof(*in));
    ck_assert_ptr_nonnull(in);
    in->n = 0;
    int ne = (int)(grand() % 6);
    for (int i = 0; i < ne; i++) {
        if (chance(5)) {
            w_unknown(in);
        }
        wbuf *e = malloc(sizeof(*e));
        ck_assert_ptr_nonnull(e);
        e->n = 0;
        w_envelope(e);
        w_bytes(in, 1, e->b, e->n);
        free(e);
    }
    w_bytes(w, 11, in->b, in->n);
    free(in);
}

/* a frame: header fields and a Batch in a random order, some repeated */
static void
w_frame(wbuf *w)
{
    w->n = 0;
    int nf = 1 + (int)(grand() % 10);
    bool batch = false;
    for (int i = 0; i < nf || !batch; i++) {
        unsigned k = grand() % 12;
        if (i >= nf) {
            k = 11;
        }
        switch (k) {
        case 0:
        case 1:
        case 4:
        case 5:
        case 6:
        case 7: {
            static const uint32_t fno[] = { 1, 2, 0, 0, 4, 5, 8, 9 };
            w_tag(w, fno[k], 0);
            w_varint(w, k == 4 ? grand() % 4 : rval(), rpad());
            break;
        }
        case 2:
            w_fixed64(w, 3, rval());
            break;
        case 3:
            if (chance(20)) {
                w_unknown(w);
            } else if (chance(5)) {
                /* another body beside the Batch: a Heartbeat */
                uint8_t hb[2] = { 1 << 3, 5 };
                w_bytes(w, 12, hb, 2);
            } else if (chance(5)) {
                /* ... or a LaneOpen (protocol 5) */
                uint8_t lo[4] = { 1 << 3 | 2, 2, 9, 9 };
                w_bytes(w, 21, lo, 4);
            }
            break;
        default:
            if (!batch || chance(10)) {
                w_batch(w);
                batch = true;
            }
        }
    }
}

START_TEST(batch_decoder_decodes_what_protobuf_c_decodes)
{
    /* akt's decoder against protobuf-c's on 30,000 generated frames
     * (valid ones and the hostile constructions of w_frame), each also
     * truncated at a random point and with a byte changed: both fail, or
     * both give the same values; every kind of outcome is seen */
    akti_pbarena a2;
    akti_pbarena_init(&a2, 0);
    int seen[4] = { 0 };
    wbuf *w = malloc(sizeof(*w));
    ck_assert_ptr_nonnull(w);
    gseed = 20261205;
    for (int i = 0; i < 30000; i++) {
        w_frame(w);
        int r = fd_check(w->b, w->n, &ar, &a2);
        ck_assert_msg(
            r >= 0, "frame %d (%zu bytes) decoded differently", i, w->n);
        seen[r]++;
        if (w->n > 1) {
            r = fd_check(w->b, 1 + grand() % (w->n - 1), &ar, &a2);
            ck_assert_msg(r >= 0, "truncated frame %d decoded differently", i);
            seen[r]++;
            w->b[grand() % w->n] ^= (uint8_t)(1 + grand() % 255);
            r = fd_check(w->b, w->n, &ar, &a2);
            ck_assert_msg(r >= 0, "changed frame %d decoded differently", i);
            seen[r]++;
        }
    }
    /* random bytes: mostly refused by both */
    for (int i = 0; i < 20000; i++) {
        size_t n = 1 + grand() % 64;
        for (size_t k = 0; k < n; k++) {
            w->b[k] = (uint8_t)grand();
        }
        int r = fd_check(w->b, n, &ar, &a2);
        ck_assert_msg(r >= 0, "random bytes %d decoded differently", i);
        seen[r]++;
    }
    ck_assert_int_gt(seen[0], 100); /* other bodies: protobuf-c's */
    ck_assert_int_gt(seen[1], 1000); /* refused by both */
    ck_assert_int_gt(seen[2], 10000); /* decoded the same */
    free(w);
    akti_pbarena_fini(&a2);
}
END_TEST

START_TEST(batch_decoder_edge_cases)
{
    /* hand-written frames for each rule of akti_batch_unpack, each
     * compared with protobuf-c and its expected outcome asserted */
    akti_pbarena a2;
    akti_pbarena_init(&a2, 0);
    /* from_uid 1, batch{ env{ recipient "a\0b", type_id 7 } } */
    static const uint8_t ok[] = { 0x08, 0x01, 0x5a, 0x10, 0x0a, 0x0e, 0x0a,
        0x03, 'a', 0, 'b', 0x19, 7, 0, 0, 0, 0, 0, 0, 0 };
    ck_assert_int_eq(fd_check(ok, sizeof(ok), &ar, &a2), 2);
    akti_frame *f;
    const akti_env_len *ln;
    ck_assert_int_eq(akti_batch_unpack(ok, sizeof(ok), &ar, &f, &ln), AKT_OK);
    ck_assert_uint_eq(ln[0].recipient, 1); /* strlen of "a\0b" */
    ck_assert_uint_eq(f->batch->envelopes[0]->type_id, 7);
    akti_pbarena_reset(&ar);
    /* a varint of 10 bytes: taken (bits past 64 dropped); of 11: refused */
    static const uint8_t v10[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0x7f, 0x5a, 0x00 };
    ck_assert_int_eq(fd_check(v10, sizeof(v10), &ar, &a2), 2);
    static const uint8_t v11[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0x01, 0x5a, 0x00 };
    ck_assert_int_eq(fd_check(v11, sizeof(v11), &ar, &a2), 1);
    /* a length prefix in 6 bytes: refused */
    static const uint8_t l6[] = { 0x5a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 };
    ck_assert_int_eq(fd_check(l6, sizeof(l6), &ar, &a2), 1);
    /* a length past the end: refused */
    static const uint8_t past[] = { 0x5a, 0x05, 0x0a, 0x00 };
    ck_assert_int_eq(fd_check(past, sizeof(past), &ar, &a2), 1);
    /* from_uid as fixed64 (wrong wire type): refused */
    static const uint8_t wt[] = { 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0x5a, 0x00 };
    ck_assert_int_eq(fd_check(wt, sizeof(wt), &ar, &a2), 1);
    /* an unknown group: refused; unknown varint/fixed/bytes: skipped */
    static const uint8_t grp[] = { 0x33, 0x34, 0x5a, 0x00 };
    ck_assert_int_eq(fd_check(grp, sizeof(grp), &ar, &a2), 1);
    static const uint8_t unk[] = { 0x30, 0x05, 0x39, 1, 2, 3, 4, 5, 6, 7, 8,
        0x3d, 1, 2, 3, 4, 0x5a, 0x04, 0xa2, 0x06, 0x01, 0x00 };
    ck_assert_int_eq(fd_check(unk, sizeof(unk), &ar, &a2), 2);
    /* a tag whose first byte has no field bits: refused */
    static const uint8_t t0[] = { 0x00, 0x5a, 0x00 };
    ck_assert_int_eq(fd_check(t0, sizeof(t0), &ar, &a2), 1);
    /* field 1 in a two-byte tag: taken */
    static const uint8_t t2[] = { 0x88, 0x00, 0x05, 0x5a, 0x00 };
    ck_assert_int_eq(fd_check(t2, sizeof(t2), &ar, &a2), 2);
    /* two Batches: the last one is the body */
    static const uint8_t two[]
        = { 0x5a, 0x02, 0x0a, 0x00, 0x5a, 0x04, 0x0a, 0x00, 0x0a, 0x00 };
    ck_assert_int_eq(fd_check(two, sizeof(two), &ar, &a2), 2);
    ck_assert_int_eq(akti_batch_unpack(two, sizeof(two), &ar, &f, &ln), AKT_OK);
    ck_assert_uint_eq(f->batch->n_envelopes, 2);
    akti_pbarena_reset(&ar);
    /* a Heartbeat after the Batch: protobuf-c's (and the Heartbeat wins) */
    static const uint8_t hb[]
        = { 0x5a, 0x02, 0x0a, 0x00, 0x62, 0x02, 0x08, 0x05 };
    ck_assert_int_eq(fd_check(hb, sizeof(hb), &ar, &a2), 0);
    /* a Batch after a Heartbeat: protobuf-c's, and akti_frame_decode
     * still gives the lens */
    static const uint8_t hb3[]
        = { 0x08, 0x01, 0x20, 0x01, 0x62, 0x02, 0x08, 0x05, 0x5a, 0x0f, 0x0a,
              0x0d, 0x0a, 0x02, '/', 'a', 0x19, 7, 0, 0, 0, 0, 0, 0, 0 };
    ck_assert_int_eq(
        akti_frame_decode(hb3, sizeof(hb3), &lim, &ar, &f), AKT_OK);
    ck_assert_int_eq(f->body_case, AKT__REMOTE__FRAME__BODY_BATCH);
    ck_assert_ptr_nonnull(ar.lens);
    ck_assert_uint_eq(ar.lens[0].recipient, 2);
    akti_pbarena_reset(&ar);
    akti_pbarena_fini(&a2);
}
END_TEST

START_TEST(phi_rises_with_silence_and_stays_low_with_heartbeats)
{
    akti_phi p;
    const int64_t ms = 1000000;
    akti_phi_init(&p, 8.0, 100 * ms, 0, 10 * ms);
    int64_t t = 1000 * ms;
    for (int i = 0; i < 50; i++) {
        akti_phi_heartbeat(&p, t);
        t += 100 * ms;
    }
    ck_assert(akti_phi_available(&p, t - 100 * ms + 90 * ms));
    ck_assert_double_lt(akti_phi_value(&p, t - 100 * ms + 100 * ms), 1.0);
    double a = akti_phi_value(&p, t + 50 * ms),
           b = akti_phi_value(&p, t + 200 * ms);
    ck_assert_double_lt(a, b);
    ck_assert(!akti_phi_available(&p, t + 1000 * ms));
    /* an acceptable pause moves the threshold out */
    akti_phi q;
    akti_phi_init(&q, 8.0, 100 * ms, 3000 * ms, 10 * ms);
    t = 1000 * ms;
    for (int i = 0; i < 50; i++) {
        akti_phi_heartbeat(&q, t);
        t += 100 * ms;
    }
    ck_assert(akti_phi_available(&q, t + 1000 * ms));
    ck_assert(!akti_phi_available(&q, t + 5000 * ms));
}
END_TEST

static void
hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", b[i]);
    }
}

static void
sha_is(const void *msg, size_t len, const char *want)
{
    uint8_t d[AKTI_SHA256_LEN];
    char got[65];
    akti_sha256 s;
    akti_sha256_init(&s);
    /* in uneven pieces: the block buffering is part of what is tested */
    const uint8_t *p = msg;
    size_t step = 1;
    for (size_t off = 0; off < len; off += step, step = step * 3 % 71 + 1) {
        akti_sha256_update(&s, p + off, off + step > len ? len - off : step);
    }
    akti_sha256_final(&s, d);
    hex(d, sizeof(d), got);
    ck_assert_str_eq(got, want);
}

START_TEST(sha256_matches_the_fips_180_4_vectors)
{
    sha_is("", 0,
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_is("abc", 3,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_is(m2, strlen(m2),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    static char mil[1000000];
    memset(mil, 'a', sizeof(mil));
    sha_is(mil, sizeof(mil),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

static void
hmac_is(const void *key, size_t klen, const void *msg, size_t len,
    const char *want, size_t want_bytes)
{
    uint8_t d[AKTI_SHA256_LEN];
    char got[65];
    akti_hmac h;
    akti_hmac_init(&h, key, klen);
    akti_hmac_update(&h, msg, len);
    akti_hmac_final(&h, d);
    hex(d, want_bytes, got);
    ck_assert_str_eq(got, want);
}

START_TEST(hmac_sha256_matches_the_rfc_4231_vectors)
{
    uint8_t k[131];
    memset(k, 0x0b, 20); /* case 1 */
    hmac_is(k, 20, "Hi There", 8,
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", 32);
    hmac_is("Jefe", 4, "what do ya want for nothing?", 28, /* case 2 */
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 32);
    uint8_t d[50]; /* case 3 */
    memset(k, 0xaa, 20);
    memset(d, 0xdd, sizeof(d));
    hmac_is(k, 20, d, sizeof(d),
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", 32);
    for (int i = 0; i < 25; i++) { /* case 4 */
        k[i] = (uint8_t)(i + 1);
    }
    memset(d, 0xcd, sizeof(d));
    hmac_is(k, 25, d, sizeof(d),
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", 32);
    memset(k, 0x0c, 20); /* case 5: truncated to 128 bits */
    hmac_is(k, 20, "Test With Truncation", 20,
        "a3b6167473100ee06e0c796c2955552b", 16);
    memset(k, 0xaa, 131); /* case 6: a key longer than a block */
    hmac_is(k, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
        54, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        32);
    const char *m7 = "This is a test using a larger than block-size key and a "
                     "larger than block-size data. The key needs to be "
                     "hashed before being used by the HMAC algorithm.";
    hmac_is(k, 131, m7, strlen(m7), /* case 7 */
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", 32);
}
END_TEST

/* the Hello's mac covers every field: change any one and it differs */
START_TEST(hello_mac_covers_every_field_and_the_key)
{
    uint8_t nonce[AKTI_HELLO_NONCE_LEN] = { 1 }, echo[AKTI_HELLO_NONCE_LEN];
    memset(echo, 2, sizeof(echo));
    Akt__Remote__Hello h = AKT__REMOTE__HELLO__INIT;
    h.version = AKTI_REMOTE_PROTOCOL_VERSION;
    h.system = "a";
    h.address = "tcp://h:1";
    h.uid = 5;
    h.to_system = "b";
    h.nonce.data = nonce;
    h.nonce.len = sizeof(nonce);
    uint8_t m0[AKTI_HELLO_MAC_LEN], m[AKTI_HELLO_MAC_LEN];
    akti_hello_mac("k", 1, &h, m0);
    akti_hello_mac("k", 1, &h, m);
    ck_assert(akti_ct_equal(m0, m, sizeof(m)));
    akti_hello_mac("K", 1, &h, m);
    ck_assert(!akti_ct_equal(m0, m, sizeof(m)));
#define DIFFERS(stmt, undo)                                                    \
    do {                                                                       \
        stmt;                                                                  \
        akti_hello_mac("k", 1, &h, m);                                         \
        ck_assert(!akti_ct_equal(m0, m, sizeof(m)));                           \
        undo;                                                                  \
    } while (0)
    DIFFERS(h.uid = 6, h.uid = 5);
    DIFFERS(h.address = "tcp://h:2", h.address = "tcp://h:1");
    DIFFERS(h.system = "x", h.system = "a");
    DIFFERS(h.to_system = "x", h.to_system = "b");
    DIFFERS(h.to_uid = 1, h.to_uid = 0);
    DIFFERS(h.token = 1, h.token = 0);
    DIFFERS(h.have_your_token = true, h.have_your_token = false);
    DIFFERS(nonce[3] = 9, nonce[3] = 0);
    DIFFERS((h.echo.data = echo, h.echo.len = sizeof(echo)), h.echo.len = 0);
    DIFFERS(h.session = 2, h.session = 0);
    DIFFERS(h.your_token = 3, h.your_token = 0);
    DIFFERS(h.lane = "tcp://h:9", h.lane = NULL);
#undef DIFFERS
}
END_TEST

/* Proves: a LaneOpen's mac (protocol 5) depends on the key and on every
 * input -- both uids, the token, the lane's epoch and each byte of the
 * receiver's nonce -- and the frame rules take a LaneOpen only on
 * ORDINARY, with both uids, a token, an epoch and a 32-byte mac. */
START_TEST(lane_open_mac_covers_every_input_and_the_rules_hold)
{
    uint8_t nonce[AKTI_HELLO_NONCE_LEN] = { 1, 2, 3 };
    uint8_t m0[AKTI_HELLO_MAC_LEN], m[AKTI_HELLO_MAC_LEN];
    akti_lane_mac("k", 1, 1, 2, 3, 4, nonce, m0);
    akti_lane_mac("k", 1, 1, 2, 3, 4, nonce, m);
    ck_assert(akti_ct_equal(m0, m, sizeof(m)));
    akti_lane_mac("K", 1, 1, 2, 3, 4, nonce, m);
    ck_assert(!akti_ct_equal(m0, m, sizeof(m)));
    akti_lane_mac("k", 1, 9, 2, 3, 4, nonce, m);
    ck_assert(!akti_ct_equal(m0, m, sizeof(m)));
    akti_lane_mac("k", 1, 1, 9, 3, 4, nonce, m);
    ck_assert(!akti_ct_equal(m0, m, sizeof(m)));
    akti_lane_mac("k", 1, 1, 2, 9, 4, nonce, m);
    ck_assert(!akti_ct_equal(m0, m, sizeof(m)));
    akti_lane_mac("k", 1, 1, 2, 3, 9, nonce, m);
    ck_assert(!akti_ct_equal(m0, m, sizeof(m)));
    for (size_t i = 0; i < sizeof(nonce); i++) {
        nonce[i] ^= 0x80;
        akti_lane_mac("k", 1, 1, 2, 3, 4, nonce, m);
        ck_assert(!akti_ct_equal(m0, m, sizeof(m)));
        nonce[i] ^= 0x80;
    }
    akti_frame_limits lim;
    akti_frame_limits_default(&lim);
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__LaneOpen lo = AKT__REMOTE__LANE_OPEN__INIT;
    f.from_uid = 1;
    f.to_uid = 2;
    f.token = 3;
    f.conn_epoch = 4;
    f.channel = AKT__REMOTE__CHANNEL__ORDINARY;
    lo.mac.data = m0;
    lo.mac.len = sizeof(m0);
    f.body_case = AKT__REMOTE__FRAME__BODY_LANE_OPEN;
    f.lane_open = &lo;
    ck_assert_int_eq(akti_frame_check(&f, &lim), AKT_OK);
#define BREAKS(stmt, undo)                                                     \
    do {                                                                       \
        stmt;                                                                  \
        ck_assert_int_eq(akti_frame_check(&f, &lim), AKT_EPROTO);              \
        undo;                                                                  \
    } while (0)
    BREAKS(f.channel = AKT__REMOTE__CHANNEL__CONTROL,
        f.channel = AKT__REMOTE__CHANNEL__ORDINARY);
    BREAKS(f.channel = AKT__REMOTE__CHANNEL__LARGE,
        f.channel = AKT__REMOTE__CHANNEL__ORDINARY);
    BREAKS(f.to_uid = 0, f.to_uid = 2);
    BREAKS(f.token = 0, f.token = 3);
    BREAKS(f.conn_epoch = 0, f.conn_epoch = 4);
    BREAKS(lo.mac.len = 31, lo.mac.len = sizeof(m0));
    BREAKS(f.lane_open = NULL, f.lane_open = &lo);
#undef BREAKS
    ck_assert_int_eq(akti_frame_check(&f, &lim), AKT_OK);
}
END_TEST

/* Proves: the data-frame encoder (akti_batch_pack, the send path's) writes
 * exactly the bytes protobuf-c's pack writes for the same Frame -- zero
 * and maximal varints, empty senders and payloads, one- and multi-byte
 * length prefixes, 0, 1 and many envelopes -- that akti_batch_size is that
 * length, and that the decoder reads every field back. */
START_TEST(batch_encoder_writes_protobuf_c_bytes)
{
    static const uint64_t vals[]
        = { 0, 1, 127, 128, 300, 16383, 16384, (uint64_t)1 << 35, UINT64_MAX };
    const size_t nv = sizeof(vals) / sizeof(vals[0]);
    static uint8_t payload[20000];
    for (size_t i = 0; i < sizeof(payload); i++) {
        payload[i] = (uint8_t)(i * 31 + 7);
    }
    static char rec[200], snd[200];
    memset(rec, 'r', sizeof(rec) - 1);
    memset(snd, 's', sizeof(snd) - 1);
    enum { MAXN = 9 };
    static const size_t plens[] = { 0, 1, 127, 128, 16384, 20000 };
    static const size_t slens[] = { 0, 1, 24, 130 };
    unsigned seed = 12345;
    for (int round = 0; round < 400; round++) {
        akti_batch_hdr h;
        uint64_t *hv[] = { &h.from_uid, &h.to_uid, &h.token, &h.conn_epoch,
            &h.fc_seq, &h.fc_bytes };
        for (size_t k = 0; k < 6; k++) {
            seed = seed * 1103515245u + 12345u;
            *hv[k] = vals[(seed >> 8) % nv];
        }
        h.channel = (uint32_t)(round % 3); /* 0: left out, 1, 2 */
        size_t n = (size_t)round % (MAXN + 1);
        akti_env_out e[MAXN];
        Akt__Remote__Envelope pe[MAXN];
        Akt__Remote__Envelope *pp[MAXN];
        char rbuf[MAXN][200], sbuf[MAXN][200];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t rl = 1 + (seed >> 4) % (sizeof(rec) - 1);
            size_t sl = slens[(seed >> 12) % 4];
            memcpy(rbuf[i], rec, rl);
            rbuf[i][rl] = '\0';
            memcpy(sbuf[i], snd, sl);
            sbuf[i][sl] = '\0';
            e[i] = (akti_env_out) { .recipient = rbuf[i],
                .rlen = rl,
                .sender = sl ? sbuf[i] : NULL,
                .slen = sl,
                .type_id = vals[(seed >> 16) % nv],
                .payload = payload,
                .plen = plens[(seed >> 20) % 6],
                .seq = vals[(seed >> 24) % nv] };
            akt__remote__envelope__init(&pe[i]);
            pe[i].recipient = rbuf[i];
            pe[i].sender = sbuf[i];
            pe[i].type_id = e[i].type_id;
            pe[i].payload.data = payload;
            pe[i].payload.len = e[i].plen;
            pe[i].seq = e[i].seq;
            pp[i] = &pe[i];
        }
        Akt__Remote__Batch b = AKT__REMOTE__BATCH__INIT;
        b.n_envelopes = n;
        b.envelopes = pp;
        Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
        f.from_uid = h.from_uid;
        f.to_uid = h.to_uid;
        f.token = h.token;
        f.channel = (Akt__Remote__Channel)h.channel;
        f.conn_epoch = h.conn_epoch;
        f.fc_seq = h.fc_seq;
        f.fc_bytes = h.fc_bytes;
        f.body_case = AKT__REMOTE__FRAME__BODY_BATCH;
        f.batch = &b;
        size_t want = akt__remote__frame__get_packed_size(&f);
        size_t got = akti_batch_size(&h, e, n);
        ck_assert_uint_eq(got, want);
        uint8_t *x = malloc(want), *y = malloc(want);
        ck_assert_ptr_nonnull(x);
        ck_assert_ptr_nonnull(y);
        ck_assert_uint_eq(akt__remote__frame__pack(&f, x), want);
        ck_assert_uint_eq(akti_batch_pack(&h, e, n, y), want);
        ck_assert_int_eq(memcmp(x, y, want), 0);
        /* and it reads back field by field */
        Akt__Remote__Frame *d = akt__remote__frame__unpack(NULL, want, y);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(d->fc_seq, h.fc_seq);
        ck_assert_uint_eq(d->token, h.token);
        ck_assert_int_eq(d->body_case, AKT__REMOTE__FRAME__BODY_BATCH);
        ck_assert_uint_eq(d->batch->n_envelopes, n);
        for (size_t i = 0; i < n; i++) {
            const Akt__Remote__Envelope *q = d->batch->envelopes[i];
            ck_assert_str_eq(q->recipient, rbuf[i]);
            ck_assert_str_eq(q->sender, sbuf[i]);
            ck_assert_uint_eq(q->type_id, e[i].type_id);
            ck_assert_uint_eq(q->seq, e[i].seq);
            ck_assert_uint_eq(q->payload.len, e[i].plen);
            ck_assert(e[i].plen == 0
                || memcmp(q->payload.data, payload, e[i].plen) == 0);
        }
        akt__remote__frame__free_unpacked(d, NULL);
        free(x);
        free(y);
    }
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("remote_frame");
    TCase *t = tcase_create("frame");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, valid_batch_round_trips);
    tcase_add_test(t, batch_encoder_writes_protobuf_c_bytes);
    tcase_add_test(t, batch_decoder_decodes_what_protobuf_c_decodes);
    tcase_add_test(t, batch_decoder_edge_cases);
    tcase_add_test(t, rule_breaking_frames_are_rejected);
    tcase_add_test(t, flow_frames_are_accepted_on_control_only);
    tcase_add_test(t, truncations_and_random_bytes_never_crash);
    tcase_add_test(t, phi_rises_with_silence_and_stays_low_with_heartbeats);
    tcase_add_test(t, sha256_matches_the_fips_180_4_vectors);
    tcase_add_test(t, hmac_sha256_matches_the_rfc_4231_vectors);
    tcase_add_test(t, hello_mac_covers_every_field_and_the_key);
    tcase_add_test(t, lane_open_mac_covers_every_input_and_the_rules_hold);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
