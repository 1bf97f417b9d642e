/*
 * frame_test.c -- the frame decoder's rules and the phi-accrual detector.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "remote/frame.h"
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
    /* oversized frame */
    uint8_t *big = calloc(1, lim.max_frame_size + 1);
    ck_assert_int_eq(
        akti_frame_decode(big, lim.max_frame_size + 1, &lim, &ar, &out),
        AKT_ETOOBIG);
    free(big);
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
        for (size_t j = 0; j < len; j++)
            r[j] = (uint8_t)rand();
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

int
main(void)
{
    Suite *s = suite_create("remote_frame");
    TCase *t = tcase_create("frame");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, valid_batch_round_trips);
    tcase_add_test(t, rule_breaking_frames_are_rejected);
    tcase_add_test(t, truncations_and_random_bytes_never_crash);
    tcase_add_test(t, phi_rises_with_silence_and_stays_low_with_heartbeats);
    suite_add_tcase(s, t);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
