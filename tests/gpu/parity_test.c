/*
 * parity_test.c -- the CPU batch loop aktc generates (gpukinds_calc_gpu_cpu,
 * from tests/aktc/gpu/kinds.akt, the same function the kernel runs per
 * thread) against a one-message-at-a-time reference written here: for
 * random batches (random actors, message counts, handlers and field values
 * with edge cases: 0, -1, MIN, MAX, NaN, infinities, denormals, -0) the
 * states, the per-message statuses and the reply columns are equal byte
 * for byte. Failures are injected through the inputs: division by zero
 * (a8 == 0), fail(7) (a16 == -32768), float-to-int conversions of NaN or
 * out-of-range values, and loops past the iteration cap. Also checks the
 * prelude's defined results for C's undefined cases. Needs no GPU.
 *
 * With AKT_TEST_GPU=cuda (gpu/scripts/gpu-check.sh) it also runs the same
 * random batches over 65,536 actors through the kernel NVRTC builds from
 * the same header and requires 0 differing states, statuses and replies
 * (one JSON line says how many differ); it skips (77) when that is asked
 * for and no device is usable. AKT_TEST_GPU=soft runs that device test
 * over the software driver and NVRTC (tests/gpu/soft_cuda.c, whose kernel
 * is the CPU batch loop): a dry run of the device test's own code (the
 * uploads, the launch, the downloads, the report), not of CUDA.
 */
#include <check.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AKT_GPU_DEVICE_ONLY 1
#include "gpu_impl.h"
#include "kinds.akt.gpu.h"

typedef gpukinds_CalcGpuState State;
typedef gpukinds_CalcIntsIn IntsIn;
typedef gpukinds_CalcIntsOut IntsOut;
typedef gpukinds_CalcFloatsIn FloatsIn;
typedef gpukinds_CalcFloatsOut FloatsOut;
typedef gpukinds_CalcMixedIn MixedIn;
typedef gpukinds_CalcMixedOut MixedOut;

/* --- random inputs ------------------------------------------------------- */

static uint64_t rng_s;

static uint64_t
rnd(void)
{
    rng_s ^= rng_s << 13;
    rng_s ^= rng_s >> 7;
    rng_s ^= rng_s << 17;
    return rng_s;
}

static uint64_t
rnd_bits(void)
{
    /* one value in four is an edge case */
    static const uint64_t edges[] = { 0, 1, UINT64_MAX, 0x7f, 0x80, 0x7fff,
        0x8000, 0x7fffffff, 0x80000000u, 0x7fffffffffffffffull,
        0x8000000000000000ull, 0xff, 0xffff, 0xffffffffu };
    if ((rnd() & 3) == 0) {
        return edges[rnd() % (sizeof edges / sizeof edges[0])];
    }
    return rnd();
}

static double
rnd_double(void)
{
    static const double edges[]
        = { 0.0, -0.0, 1.0, -1.0, 1e300, -1e300, 4.9e-324, 2.2e-308, 1e-40,
              3.4e38, 2147483647.5, -2147483648.9, 0.5, 1e6 };
    switch (rnd() % 64) {
    case 0:
    case 1:
    case 2:
    case 3:
        return edges[rnd() % (sizeof edges / sizeof edges[0])];
    case 4:
        return NAN;
    case 5:
        return (rnd() & 1) ? INFINITY : -INFINITY;
    default:
        return ((double)(int64_t)rnd() / 9.3e18)
            * pow(10.0, (double)(rnd() % 12));
    }
}

static void
rnd_ints(IntsIn *in)
{
    in->a8 = (int8_t)rnd_bits();
    in->a16 = (int16_t)rnd_bits();
    in->a32 = (int32_t)rnd_bits();
    in->a64 = (int64_t)rnd_bits();
    in->u8 = (uint8_t)rnd_bits();
    in->u16 = (uint16_t)rnd_bits();
    in->u32 = (uint32_t)rnd_bits();
    in->u64 = rnd_bits();
    in->flag = rnd() & 1;
    if (rnd() % 50 == 0) {
        in->a8 = 0; /* division by zero */
    }
    if (rnd() % 80 == 0) {
        in->a16 = -32768; /* fail(7) */
    }
}

static void
rnd_floats(FloatsIn *in)
{
    in->x = (float)rnd_double();
    in->y = (float)rnd_double();
    in->d = rnd_double();
    in->steps = (int32_t)(rnd() % 20);
    if (rnd() % 2000 == 0) {
        in->steps = (int32_t)AKT_GPU_LOOP_CAP + 5; /* the loop cap */
    }
}

static void
rnd_mixed(MixedIn *in)
{
    in->value = (int64_t)rnd_bits();
    in->scale = rnd_double();
}

/* --- a batch --------------------------------------------------------------
 */

typedef struct msg {
    uint8_t hid;
    IntsIn ints;
    FloatsIn floats;
    MixedIn mixed;
} msg;

typedef struct batch {
    uint32_t n_actors, n_msgs, n_states;
    uint32_t *slot, *beg, *row;
    uint8_t *hid;
    msg *m; /* per message, in batch order */
    void *in[AKT_GPU_MAX_COLS];
    void *out[AKT_GPU_MAX_COLS];
    size_t rows[3];
} batch;

/* column sizes: Ints 0..8 in, 0..3 out; Floats 9..12 in, 4..6 out; Mixed
 * 13..14 in (the generated table's order) */
static const size_t in_size[15]
    = { 1, 2, 4, 8, 1, 2, 4, 8, 1, 4, 4, 8, 4, 8, 8 };
static const size_t out_size[7] = { 8, 8, 4, 1, 4, 8, 4 };
#define POISON 0xa5

static void
batch_make(batch *b, uint32_t n_actors, uint32_t n_states)
{
    memset(b, 0, sizeof *b);
    b->n_actors = n_actors;
    b->n_states = n_states;
    b->slot = calloc(n_actors, sizeof *b->slot);
    b->beg = calloc(n_actors + 1, sizeof *b->beg);
    /* distinct slots, not in actor order */
    uint32_t *perm = malloc(n_states * sizeof *perm);
    for (uint32_t i = 0; i < n_states; i++) {
        perm[i] = i;
    }
    for (uint32_t i = n_states; i > 1; i--) {
        uint32_t k = (uint32_t)(rnd() % i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[k];
        perm[k] = t;
    }
    uint32_t total = 0;
    for (uint32_t i = 0; i < n_actors; i++) {
        b->slot[i] = perm[i];
        b->beg[i] = total;
        total += (uint32_t)(rnd() % 9); /* 0..8 messages per actor */
    }
    b->beg[n_actors] = total;
    free(perm);
    b->n_msgs = total;
    b->hid = malloc(total ? total : 1);
    b->row = malloc((total ? total : 1) * sizeof *b->row);
    b->m = calloc(total ? total : 1, sizeof *b->m);
    for (int c = 0; c < 15; c++) {
        b->in[c] = malloc((total ? total : 1) * in_size[c]);
    }
    for (int c = 0; c < 7; c++) {
        b->out[c] = malloc((total ? total : 1) * out_size[c]);
        memset(b->out[c], POISON, (total ? total : 1) * out_size[c]);
    }
    for (uint32_t j = 0; j < total; j++) {
        msg *m = &b->m[j];
        m->hid = (uint8_t)(rnd() % 3);
        b->hid[j] = m->hid;
        uint32_t r = (uint32_t)b->rows[m->hid]++;
        b->row[j] = r;
        switch (m->hid) {
        case 0: {
            rnd_ints(&m->ints);
            const IntsIn *x = &m->ints;
            ((int8_t *)b->in[0])[r] = x->a8;
            ((int16_t *)b->in[1])[r] = x->a16;
            ((int32_t *)b->in[2])[r] = x->a32;
            ((int64_t *)b->in[3])[r] = x->a64;
            ((uint8_t *)b->in[4])[r] = x->u8;
            ((uint16_t *)b->in[5])[r] = x->u16;
            ((uint32_t *)b->in[6])[r] = x->u32;
            ((uint64_t *)b->in[7])[r] = x->u64;
            ((uint8_t *)b->in[8])[r] = x->flag ? 1 : 0;
            break;
        }
        case 1: {
            rnd_floats(&m->floats);
            const FloatsIn *x = &m->floats;
            ((float *)b->in[9])[r] = x->x;
            ((float *)b->in[10])[r] = x->y;
            ((double *)b->in[11])[r] = x->d;
            ((int32_t *)b->in[12])[r] = x->steps;
            break;
        }
        default: {
            rnd_mixed(&m->mixed);
            ((int64_t *)b->in[13])[r] = m->mixed.value;
            ((double *)b->in[14])[r] = m->mixed.scale;
            break;
        }
        }
    }
}

static void
batch_free(batch *b)
{
    free(b->slot);
    free(b->beg);
    free(b->hid);
    free(b->row);
    free(b->m);
    for (int c = 0; c < 15; c++) {
        free(b->in[c]);
    }
    for (int c = 0; c < 7; c++) {
        free(b->out[c]);
    }
}

/* The reference: each actor's messages one at a time, in order; the state
 * is committed after each success; the first failure skips the rest. It
 * writes a successful reply's fields into ref_out (the batch's layout). */
static void
reference(const batch *b, State *states, int32_t *rc, void **ref_out)
{
    for (uint32_t i = 0; i < b->n_actors; i++) {
        State s = states[b->slot[i]];
        bool failed = false;
        for (uint32_t j = b->beg[i]; j < b->beg[i + 1]; j++) {
            if (failed) {
                rc[j] = AKT_GPU_SKIPPED;
                continue;
            }
            State t = s;
            const msg *m = &b->m[j];
            uint32_t r = b->row[j];
            int32_t st;
            if (m->hid == 0) {
                IntsOut o;
                memset(&o, 0, sizeof o);
                st = gpukinds_calc_gpu_ints(&t, &m->ints, &o);
                if (st == 0) {
                    ((int64_t *)ref_out[0])[r] = o.sum;
                    ((uint64_t *)ref_out[1])[r] = o.bits;
                    ((int32_t *)ref_out[2])[r] = o.quot;
                    ((uint8_t *)ref_out[3])[r] = o.odd ? 1 : 0;
                }
            } else if (m->hid == 1) {
                FloatsOut o;
                memset(&o, 0, sizeof o);
                st = gpukinds_calc_gpu_floats(&t, &m->floats, &o);
                if (st == 0) {
                    ((float *)ref_out[4])[r] = o.r;
                    ((double *)ref_out[5])[r] = o.e;
                    ((int32_t *)ref_out[6])[r] = o.n;
                }
            } else {
                MixedOut o;
                memset(&o, 0, sizeof o);
                st = gpukinds_calc_gpu_mixed(&t, &m->mixed, &o);
            }
            rc[j] = st;
            if (st != 0) {
                failed = true;
                continue;
            }
            s = t;
        }
        states[b->slot[i]] = s;
    }
}

static void
random_states(State *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        s[i].s8 = (int8_t)rnd_bits();
        s[i].s16 = (int16_t)rnd_bits();
        s[i].s32 = (int32_t)rnd_bits();
        s[i].s64 = (int64_t)rnd_bits();
        s[i].t8 = (uint8_t)rnd_bits();
        s[i].t16 = (uint16_t)rnd_bits();
        s[i].t32 = (uint32_t)rnd_bits();
        s[i].t64 = rnd_bits();
        s[i].seen = rnd() & 1;
        s[i].f = (float)rnd_double();
        s[i].g = rnd_double();
    }
}

/* Random batches, several rounds on the same states: the batch loop and
 * the reference agree byte for byte; the statuses include every kind of
 * failure. */
START_TEST(batch_loop_equals_one_message_at_a_time)
{
    rng_s = 0x9e3779b97f4a7c15ull ^ (uint64_t)_i;
    const uint32_t n_states = 3000, n_actors = 2500;
    State *st_batch = calloc(n_states, sizeof(State));
    State *st_ref = calloc(n_states, sizeof(State));
    random_states(st_batch, n_states);
    memcpy(st_ref, st_batch, n_states * sizeof(State));
    uint64_t seen[AKT_GPU_BADMSG + 1] = { 0 };
    uint64_t msgs = 0;
    for (int round = 0; round < 4; round++) {
        batch b;
        batch_make(&b, n_actors, n_states);
        int32_t *rc = malloc((b.n_msgs + 1) * sizeof *rc);
        int32_t *rc_ref = malloc((b.n_msgs + 1) * sizeof *rc_ref);
        void *ref_out[7];
        for (int c = 0; c < 7; c++) {
            size_t n = (b.n_msgs ? b.n_msgs : 1) * out_size[c];
            ref_out[c] = malloc(n);
            memset(ref_out[c], POISON, n);
        }
        akt_gpu_args a;
        memset(&a, 0, sizeof a);
        a.n_actors = b.n_actors;
        a.n_msgs = b.n_msgs;
        a.slot = b.slot;
        a.beg = b.beg;
        a.hid = b.hid;
        a.row = b.row;
        a.states = st_batch;
        a.rc = rc;
        for (int c = 0; c < 15; c++) {
            a.in[c] = b.in[c];
        }
        for (int c = 0; c < 7; c++) {
            a.out[c] = b.out[c];
        }
        gpukinds_calc_gpu_cpu(&a);
        reference(&b, st_ref, rc_ref, ref_out);
        for (uint32_t j = 0; j < b.n_msgs; j++) {
            ck_assert_msg(rc[j] == rc_ref[j], "message %u: %d vs %d", j, rc[j],
                rc_ref[j]);
            if (rc[j] >= 0 && rc[j] <= AKT_GPU_BADMSG) {
                seen[rc[j]]++;
            }
        }
        for (int c = 0; c < 7; c++) {
            ck_assert_msg(memcmp(b.out[c], ref_out[c],
                              (b.n_msgs ? b.n_msgs : 1) * out_size[c])
                    == 0,
                "reply column %d differs", c);
            free(ref_out[c]);
        }
        ck_assert_msg(memcmp(st_batch, st_ref, n_states * sizeof(State)) == 0,
            "states differ after round %d", round);
        msgs += b.n_msgs;
        free(rc);
        free(rc_ref);
        batch_free(&b);
    }
    /* the inputs did exercise every status */
    ck_assert(seen[AKT_GPU_OK] > 0);
    ck_assert(seen[7] > 0);
    ck_assert(seen[AKT_GPU_DIV0] > 0);
    ck_assert(seen[AKT_GPU_CONV] > 0);
    ck_assert(seen[AKT_GPU_SKIPPED] > 0);
    printf("seed %d: %llu messages, ok %llu, fail(7) %llu, div0 %llu, conv "
           "%llu, limit %llu, skipped %llu\n",
        _i, (unsigned long long)msgs, (unsigned long long)seen[0],
        (unsigned long long)seen[7], (unsigned long long)seen[AKT_GPU_DIV0],
        (unsigned long long)seen[AKT_GPU_CONV],
        (unsigned long long)seen[AKT_GPU_LIMIT],
        (unsigned long long)seen[AKT_GPU_SKIPPED]);
    free(st_batch);
    free(st_ref);
}
END_TEST

/* A message past the loop cap fails with AKT_GPU_LIMIT, and the state of
 * the actor stays as it was before that message. */
START_TEST(a_loop_past_the_cap_fails_the_message)
{
    State s;
    memset(&s, 0, sizeof s);
    s.f = 1.5f;
    State before = s;
    FloatsIn in = { 1.0f, 1.0f, 0.5, (int32_t)AKT_GPU_LOOP_CAP + 1 };
    FloatsOut o;
    memset(&o, 0, sizeof o);
    uint32_t slot = 0, beg[2] = { 0, 1 }, row = 0;
    uint8_t hid = 1;
    int32_t rc = -1;
    akt_gpu_args a;
    memset(&a, 0, sizeof a);
    a.n_actors = 1;
    a.n_msgs = 1;
    a.slot = &slot;
    a.beg = beg;
    a.hid = &hid;
    a.row = &row;
    a.states = &s;
    a.rc = &rc;
    a.in[9] = &in.x;
    a.in[10] = &in.y;
    a.in[11] = &in.d;
    a.in[12] = &in.steps;
    a.out[4] = &o.r;
    a.out[5] = &o.e;
    a.out[6] = &o.n;
    gpukinds_calc_gpu_cpu(&a);
    ck_assert_int_eq(rc, AKT_GPU_LIMIT);
    ck_assert(memcmp(&s, &before, sizeof s) == 0);
    in.steps = (int32_t)AKT_GPU_LOOP_CAP; /* exactly the cap: runs */
    gpukinds_calc_gpu_cpu(&a);
    ck_assert_int_eq(rc, AKT_GPU_OK);
}
END_TEST

/* The prelude defines what C leaves undefined, the same way NVRTC
 * compiles it: wrapping, MIN / -1, division by zero, shift counts,
 * float-to-int conversion, NaN bits, fmin/fmax of zeros and NaN. */
START_TEST(prelude_defines_the_undefined_cases)
{
    int32_t st = 0;
    ck_assert_int_eq(akt_gpu_add_i32(INT32_MAX, 1), INT32_MIN);
    ck_assert_int_eq(akt_gpu_mul_i64(INT64_MAX, 2), -2);
    ck_assert_int_eq(akt_gpu_neg_i8(-128), -128);
    ck_assert_int_eq(akt_gpu_div_i32(INT32_MIN, -1, &st), INT32_MIN);
    ck_assert_int_eq(akt_gpu_mod_i32(INT32_MIN, -1, &st), 0);
    ck_assert_int_eq(st, 0);
    ck_assert_int_eq(akt_gpu_div_u16(7, 0, &st), 0);
    ck_assert_int_eq(st, AKT_GPU_DIV0);
    ck_assert_int_eq(akt_gpu_shl_i32(1, 33), 2); /* count mod 32 */
    ck_assert_int_eq(akt_gpu_shr_i8(-128, 7), -1); /* arithmetic */
    ck_assert_uint_eq(akt_gpu_mul_u16(65535, 65535), 1); /* no int UB */
    st = 0;
    ck_assert_int_eq(akt_gpu_conv_f32_i32(2147483648.0f, &st), 0);
    ck_assert_int_eq(st, AKT_GPU_CONV);
    st = 0;
    ck_assert_int_eq(akt_gpu_conv_f64_i32(-2147483648.9, &st), INT32_MIN);
    ck_assert_int_eq(akt_gpu_conv_f64_u8(-0.9, &st), 0);
    ck_assert_int_eq(st, 0);
    akt_gpu_conv_f64_i64(NAN, &st);
    ck_assert_int_eq(st, AKT_GPU_CONV);
    uint32_t bits;
    float qn = akt_gpu_canon_f32(-nanf("7"));
    memcpy(&bits, &qn, 4);
    ck_assert_uint_eq(bits, 0x7fc00000u);
    ck_assert(signbit(akt_gpu_fmin_f32(0.0f, -0.0f)));
    ck_assert(signbit(akt_gpu_fmin_f32(-0.0f, 0.0f)));
    ck_assert(!signbit(akt_gpu_fmax_f64(-0.0, 0.0)));
    ck_assert(akt_gpu_fmin_f64(NAN, 2.0) == 2.0);
    ck_assert(akt_gpu_fmax_f32(3.0f, NAN) == 3.0f);
}
END_TEST

/* --- the device ---------------------------------------------------------- */

static akg_cuda *cu;
static akg_kernel *kern;

static bool
device_open(char *why, size_t len)
{
    cu = akg_cuda_open(0, why, len);
    if (cu == NULL) {
        return false;
    }
    akg_nvrtc *nv = akg_nvrtc_get(why, len);
    if (nv == NULL) {
        return false;
    }
    FILE *fp = fopen(KINDS_HEADER, "rb");
    if (fp == NULL) {
        snprintf(why, len, "cannot read %s", KINDS_HEADER);
        return false;
    }
    static char src[1 << 20];
    size_t n = fread(src, 1, sizeof src - 1, fp);
    fclose(fp);
    src[n] = '\0';
    akg_blob blob;
    if (akg_nvrtc_compile(nv, src, "kinds.akt.gpu.h", akg_cuda_arch(cu), NULL,
            0, &blob, why, len)
        != AKT_OK) {
        return false;
    }
    akt_err err
        = akg_cuda_load(cu, &blob, "gpukinds_calc_gpu_kernel", &kern, why, len);
    akg_blob_free(&blob);
    return err == AKT_OK;
}

static akg_dptr
up(const void *p, size_t n)
{
    akg_dptr d = 0;
    ck_assert_int_eq(akg_cuda_alloc(cu, n ? n : 8, &d), AKT_OK);
    if (n && p) { /* NULL: room only (the statuses) */
        ck_assert_int_eq(akg_cuda_htod(cu, d, p, n, false), AKT_OK);
    }
    return d;
}

static void
down(void *p, akg_dptr d, size_t n)
{
    if (n) {
        ck_assert_int_eq(akg_cuda_dtoh(cu, p, d, n, false), AKT_OK);
    }
}

/* 65,536 actors, 4 rounds: the kernel and the CPU batch loop give the same
 * bytes (states, statuses, replies); failures injected as above. */
START_TEST(device_equals_cpu_on_65536_actors)
{
    rng_s = 0x51ed270b27a9ef1bull;
    const uint32_t n_states = 65536, n_actors = 65536;
    State *st_cpu = calloc(n_states, sizeof(State));
    State *st_dev = calloc(n_states, sizeof(State));
    random_states(st_cpu, n_states);
    akg_dptr dstates = up(st_cpu, n_states * sizeof(State));
    uint64_t msgs = 0, failed = 0;
    /* every difference is counted (and reported as one JSON line for
     * gpu/scripts/gpu-check.sh) before the test fails on any */
    uint64_t rc_differ = 0, reply_differ = 0, state_differ = 0;
    for (int round = 0; round < 4; round++) {
        batch b;
        batch_make(&b, n_actors, n_states);
        size_t nm = b.n_msgs ? b.n_msgs : 1;
        int32_t *rc = malloc(nm * 4), *rc_dev = malloc(nm * 4);
        akt_gpu_args a, da;
        memset(&a, 0, sizeof a);
        a.n_actors = b.n_actors;
        a.n_msgs = b.n_msgs;
        a.slot = b.slot;
        a.beg = b.beg;
        a.hid = b.hid;
        a.row = b.row;
        a.states = st_cpu;
        a.rc = rc;
        da = a;
        akg_dptr dslot = up(b.slot, n_actors * 4);
        akg_dptr dbeg = up(b.beg, (n_actors + 1) * 4);
        akg_dptr dhid = up(b.hid, nm);
        akg_dptr drow = up(b.row, nm * 4);
        akg_dptr drc = up(NULL, nm * 4);
        akg_dptr din[15], dout[7];
        void *out_dev[7];
        for (int c = 0; c < 15; c++) {
            a.in[c] = b.in[c];
            din[c] = up(b.in[c], nm * in_size[c]);
            da.in[c] = (const void *)(uintptr_t)din[c];
        }
        for (int c = 0; c < 7; c++) {
            a.out[c] = b.out[c];
            out_dev[c] = malloc(nm * out_size[c]);
            dout[c] = up(b.out[c], nm * out_size[c]); /* the same poison */
            da.out[c] = (void *)(uintptr_t)dout[c];
        }
        da.slot = (const uint32_t *)(uintptr_t)dslot;
        da.beg = (const uint32_t *)(uintptr_t)dbeg;
        da.hid = (const uint8_t *)(uintptr_t)dhid;
        da.row = (const uint32_t *)(uintptr_t)drow;
        da.rc = (int32_t *)(uintptr_t)drc;
        da.states = (void *)(uintptr_t)dstates;
        akg_dptr dargs = up(&da, sizeof da);
        gpukinds_calc_gpu_cpu(&a);
        ck_assert_int_eq(akg_cuda_launch(cu, kern, n_actors, dargs), AKT_OK);
        ck_assert_int_eq(akg_cuda_sync(cu, INT64_MAX), AKT_OK);
        down(rc_dev, drc, b.n_msgs * 4);
        for (uint32_t j = 0; j < b.n_msgs; j++) {
            if (rc[j] != rc_dev[j] && rc_differ++ == 0) {
                printf(
                    "message %u: cpu status %d, gpu %d\n", j, rc[j], rc_dev[j]);
            }
            failed += rc[j] != 0;
        }
        for (int c = 0; c < 7; c++) {
            down(out_dev[c], dout[c], nm * out_size[c]);
            if (memcmp(out_dev[c], b.out[c], nm * out_size[c]) != 0) {
                printf("round %d: reply column %d differs\n", round, c);
                reply_differ++;
            }
            free(out_dev[c]);
            akg_cuda_free(cu, dout[c]);
        }
        down(st_dev, dstates, n_states * sizeof(State));
        uint32_t differ = 0;
        for (uint32_t k = 0; k < n_states; k++) {
            differ += memcmp(&st_dev[k], &st_cpu[k], sizeof(State)) != 0;
        }
        if (differ) {
            printf(
                "round %d: %u of %u states differ\n", round, differ, n_states);
            /* go on from the CPU's states: later rounds count their own */
            ck_assert_int_eq(akg_cuda_htod(cu, dstates, st_cpu,
                                 n_states * sizeof(State), false),
                AKT_OK);
        }
        state_differ += differ;
        msgs += b.n_msgs;
        for (int c = 0; c < 15; c++) {
            akg_cuda_free(cu, din[c]);
        }
        akg_cuda_free(cu, dslot);
        akg_cuda_free(cu, dbeg);
        akg_cuda_free(cu, dhid);
        akg_cuda_free(cu, drow);
        akg_cuda_free(cu, drc);
        akg_cuda_free(cu, dargs);
        free(rc);
        free(rc_dev);
        batch_free(&b);
    }
    printf("{\"check\":\"gpu_parity\",\"device\":\"%s\",\"actors\":%u,"
           "\"rounds\":4,\"messages\":%llu,\"failed_or_skipped\":%llu,"
           "\"differing_states\":%llu,\"differing_statuses\":%llu,"
           "\"differing_reply_columns\":%llu}\n",
        akg_cuda_name(cu), n_actors, (unsigned long long)msgs,
        (unsigned long long)failed, (unsigned long long)state_differ,
        (unsigned long long)rc_differ, (unsigned long long)reply_differ);
    fflush(stdout);
    ck_assert_msg(state_differ == 0 && rc_differ == 0 && reply_differ == 0,
        "GPU and CPU differ: %llu states, %llu statuses, %llu reply columns",
        (unsigned long long)state_differ, (unsigned long long)rc_differ,
        (unsigned long long)reply_differ);
    free(st_cpu);
    free(st_dev);
}
END_TEST

/* the soft driver's "kernel": the CPU batch loop on the args it names */
static void
soft_calc(const void *a)
{
    gpukinds_calc_gpu_cpu((const akt_gpu_args *)a);
}

static void
soft_setup(void)
{
    setenv("AKT_CUDA_LIB", AKT_TEST_SOFT_CUDA, 1);
    setenv("AKT_NVRTC_LIB", AKT_TEST_SOFT_NVRTC, 1);
    void *lib = dlopen(AKT_TEST_SOFT_CUDA, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "soft driver: %s\n", dlerror());
        exit(1);
    }
    void (*reg)(const char *, void (*)(const void *));
    void *f = dlsym(lib, "akt_soft_cuda_kernel");
    memcpy(&reg, &f, sizeof f);
    reg("gpukinds_calc_gpu_kernel", soft_calc);
}

int
main(void)
{
    const char *want = getenv("AKT_TEST_GPU");
    bool soft = want && strcmp(want, "soft") == 0;
    bool device = want && (strcmp(want, "cuda") == 0 || soft);
    if (soft) {
        soft_setup();
    }
    if (device) {
        char why[1024];
        if (!device_open(why, sizeof why)) {
            printf("SKIP: AKT_TEST_GPU=cuda but no usable device: %s\n", why);
            return 77;
        }
    }
    Suite *s = suite_create("gpu_parity");
    TCase *tc = tcase_create("cpu");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, batch_loop_equals_one_message_at_a_time, 1, 6);
    tcase_add_test(tc, a_loop_past_the_cap_fails_the_message);
    tcase_add_test(tc, prelude_defines_the_undefined_cases);
    if (device) {
        /* the device's context is this process's: no fork */
        tcase_add_test(tc, device_equals_cpu_on_65536_actors);
    }
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    if (device) {
        srunner_set_fork_status(sr, CK_NOFORK);
    }
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
