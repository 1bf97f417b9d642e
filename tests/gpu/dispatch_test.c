/*
 * dispatch_test.c -- the GPU dispatcher (libakt-gpu, loaded by libakt with
 * dlopen) end to end, with the CPU batch executor standing in for the
 * device (akt.gpu.executor = cpu): the same batching, staging, apply,
 * requeue and supervision code runs as on a GPU, minus the copies and the
 * launch. Every test runs one workload on actors placed on the CPU and on
 * actors placed on the GPU dispatcher and requires identical observable
 * results: replies (bit for bit), failures seen by the asker, and the
 * state after supervision (restart, resume, stop). With AKT_TEST_GPU=cuda
 * (gpu/scripts/gpu-check.sh) the same suite runs on the device; it skips
 * (77) there when none is usable.
 */
#include <check.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"
#include "akt/gpu.h"
#include "kinds.akt.gpu.h"
#include "latch.h"
#include "relay.akt.gpu.h"
#include "scaler.akt.gpu.h"

#define SEC INT64_C(1000000000)

static const char *executor = "cpu"; /* or "cuda": AKT_TEST_GPU */

static akt_system *
mk_sys(void)
{
    setenv("AKT_GPU_LIB", AKT_TEST_GPU_LIB, 1);
    setenv("AKT_akt__gpu__executor", executor, 1);
    akt_system *sys = NULL;
    ck_assert_int_eq(akt_system_create("gputest", NULL, &sys), AKT_OK);
    return sys;
}

static uint64_t rng_s;

static uint32_t
rnd(void)
{
    rng_s ^= rng_s << 13;
    rng_s ^= rng_s >> 7;
    rng_s ^= rng_s << 17;
    return (uint32_t)(rng_s >> 11);
}

static gpudemo_ScalerRef
spawn_scaler(akt_system *sys, akt_placement p)
{
    akt_props props;
    ck_assert_int_eq(gpudemo_scaler_gpu_props(NULL, p, &props), AKT_OK);
    akt_ref r;
    akt_err err = akt_spawn(sys, &props, NULL, &r);
    ck_assert_msg(err == AKT_OK, "spawn: %s", akt_err_name(err));
    return gpudemo_scaler_ref(r);
}

/* One actor's result: its replies and the final Probe. */
typedef struct result {
    float value[64];
    int64_t count[64];
    akt_err err[64];
    char reason[64][96];
    float total;
    int64_t total_count;
} result;

/* n Scalers placed at p get the same message sequence (seed): per actor
 * nmsg asks of Sample (some with negative halvings: fail(3), restart),
 * then a Probe. Asks are sent to all actors first, so the dispatcher sees
 * many actors at once. */
static void
scaler_workload(akt_system *sys, akt_placement p, int n, int nmsg,
    uint64_t seed, result *out)
{
    gpudemo_ScalerRef *refs = calloc((size_t)n, sizeof *refs);
    akt_future **f = calloc((size_t)n * (size_t)nmsg, sizeof *f);
    for (int i = 0; i < n; i++) {
        refs[i] = spawn_scaler(sys, p);
    }
    rng_s = seed;
    for (int k = 0; k < nmsg; k++) {
        for (int i = 0; i < n; i++) {
            float v = (float)(int32_t)rnd() / 65536.0f;
            float fa = (float)(rnd() % 1000) / 7.0f;
            int32_t hv = (int32_t)(rnd() % 24) - 2; /* -2..21: some fail */
            gpudemo_Sample *m = gpudemo_sample_new(v, fa, hv);
            ck_assert_int_eq(gpudemo_scaler_ask_sample(refs[i], m, 30 * SEC,
                                 &f[(size_t)i * (size_t)nmsg + (size_t)k]),
                AKT_OK);
        }
    }
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < nmsg; k++) {
            akt_future *fu = f[(size_t)i * (size_t)nmsg + (size_t)k];
            gpudemo_Scaled *r = NULL;
            akt_err err = gpudemo_scaler_ask_sample_wait(fu, 30 * SEC, &r);
            out[i].err[k] = err;
            if (err == AKT_OK) {
                out[i].value[k] = r->value;
                out[i].count[k] = r->count;
                akt_msg_free(r);
            } else {
                const char *t = akt_future_error_text(fu);
                snprintf(out[i].reason[k], sizeof out[i].reason[k], "%s",
                    t ? t : "");
            }
            akt_future_release(fu);
        }
        gpudemo_Total *t = NULL;
        ck_assert_int_eq(gpudemo_scaler_call_probe(
                             refs[i], gpudemo_probe_new(), 30 * SEC, &t, NULL),
            AKT_OK);
        out[i].total = t->total;
        out[i].total_count = t->count;
        akt_msg_free(t);
    }
    free(refs);
    free(f);
}

static void
assert_same(const result *a, const result *b, int n, int nmsg)
{
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < nmsg; k++) {
            ck_assert_msg(a[i].err[k] == b[i].err[k],
                "actor %d message %d: %s vs %s", i, k,
                akt_err_name(a[i].err[k]), akt_err_name(b[i].err[k]));
            if (a[i].err[k] == AKT_OK) {
                ck_assert_msg(memcmp(&a[i].value[k], &b[i].value[k], 4) == 0,
                    "actor %d message %d: %a vs %a", i, k,
                    (double)a[i].value[k], (double)b[i].value[k]);
                ck_assert_int_eq(a[i].count[k], b[i].count[k]);
            } else {
                ck_assert_str_eq(a[i].reason[k], b[i].reason[k]);
            }
        }
        ck_assert(memcmp(&a[i].total, &b[i].total, 4) == 0);
        ck_assert_int_eq(a[i].total_count, b[i].total_count);
    }
}

/* Asks to 400 actors on the GPU dispatcher give the replies, failures
 * (fail(3): AKT_EFAILED with its reason) and, after the default restarts,
 * states that 400 CPU-placed actors give for the same messages. */
START_TEST(gpu_actors_answer_exactly_as_cpu_actors)
{
    akt_system *sys = mk_sys();
    enum { N = 400, M = 12 };
    result *cpu = calloc(N, sizeof *cpu), *gpu = calloc(N, sizeof *gpu);
    scaler_workload(sys, AKT_PLACEMENT_CPU, N, M, 42, cpu);
    scaler_workload(sys, AKT_PLACEMENT_GPU, N, M, 42, gpu);
    assert_same(cpu, gpu, N, M);
    int failures = 0;
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < M; k++) {
            if (gpu[i].err[k] != AKT_OK) {
                ck_assert_int_eq(gpu[i].err[k], AKT_EFAILED);
                ck_assert_str_eq(gpu[i].reason[k],
                    "gpudemo.Scaler on gpudemo.Sample: fail(3)");
                failures++;
            }
        }
    }
    ck_assert(failures > 0);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_uint_ge(st.messages, (uint64_t)N * M);
    ck_assert_uint_gt(st.requeued, 0);
    printf("%s: %llu launches, %llu messages, largest %llu, %llu requeued, "
           "%d failures\n",
        st.executor, (unsigned long long)st.batches,
        (unsigned long long)st.messages, (unsigned long long)st.largest,
        (unsigned long long)st.requeued, failures);
    akt_system_free(sys);
    free(cpu);
    free(gpu);
}
END_TEST

/* kinds.akt: three handlers interleaved in one actor's mailbox keep their
 * order within a batch (one launch per type, a handler id per message);
 * the replies carry the state, so any reordering would show. Calc's
 * failures (division by zero, conversions) restart the actor on both. */
static void
calc_workload(akt_system *sys, akt_placement p, int n, int nmsg, uint64_t seed,
    int64_t *sums, akt_err *errs)
{
    akt_ref *refs = calloc((size_t)n, sizeof *refs);
    akt_future **f = calloc((size_t)n * (size_t)nmsg, sizeof *f);
    for (int i = 0; i < n; i++) {
        akt_props props;
        ck_assert_int_eq(gpukinds_calc_gpu_props(NULL, p, &props), AKT_OK);
        ck_assert_int_eq(akt_spawn(sys, &props, NULL, &refs[i]), AKT_OK);
    }
    rng_s = seed;
    for (int k = 0; k < nmsg; k++) {
        for (int i = 0; i < n; i++) {
            akt_future **fp = &f[(size_t)i * (size_t)nmsg + (size_t)k];
            switch (rnd() % 3) {
            case 0: {
                gpukinds_Ints *m = gpukinds_ints_new((int8_t)rnd(),
                    (int16_t)rnd(), (int32_t)rnd(), (int64_t)rnd() << 20,
                    (uint8_t)rnd(), (uint16_t)rnd(), rnd(),
                    (uint64_t)rnd() << 32 | rnd(), rnd() & 1);
                ck_assert_int_eq(akt_ask(refs[i], m, 30 * SEC, fp), AKT_OK);
                break;
            }
            case 1: {
                gpukinds_Floats *m = gpukinds_floats_new(
                    (float)(int32_t)rnd() / 1e6f, (float)(rnd() % 100) / 3.0f,
                    (double)(int32_t)rnd() / 1e7, (int32_t)(rnd() % 9));
                ck_assert_int_eq(akt_ask(refs[i], m, 30 * SEC, fp), AKT_OK);
                break;
            }
            default: {
                gpukinds_Mixed *m = gpukinds_mixed_new(
                    (int64_t)(int32_t)rnd(), (double)(rnd() % 1000) / 10.0);
                /* Mixed has no reply: tell it, and ask a Floats after it */
                ck_assert_int_eq(akt_tell(refs[i], m, AKT_REF_NONE), AKT_OK);
                gpukinds_Floats *q = gpukinds_floats_new(0.5f, 1.0f, 0.25, 1);
                ck_assert_int_eq(akt_ask(refs[i], q, 30 * SEC, fp), AKT_OK);
                break;
            }
            }
        }
    }
    for (size_t j = 0; j < (size_t)n * (size_t)nmsg; j++) {
        void *r = NULL;
        errs[j] = akt_future_wait(f[j], 30 * SEC, &r);
        sums[j] = 0;
        if (errs[j] == AKT_OK) {
            const akt_type *t = akt_msg_type(r);
            if (t == &gpukinds_ints_out_desc) {
                gpukinds_IntsOut *o = r;
                sums[j] = (int64_t)((uint64_t)o->sum ^ o->bits
                    ^ (uint64_t)(uint32_t)o->quot ^ ((uint64_t)o->odd << 7));
            } else {
                gpukinds_FloatsOut *o = r;
                int64_t e;
                int32_t rb;
                memcpy(&e, &o->e, 8);
                memcpy(&rb, &o->r, 4);
                sums[j] = (int64_t)((uint64_t)e ^ ((uint64_t)(uint32_t)rb << 3)
                    ^ (uint64_t)(uint32_t)o->n);
            }
            akt_msg_free(r);
        }
        akt_future_release(f[j]);
    }
    free(refs);
    free(f);
}

START_TEST(handlers_keep_mailbox_order_within_a_batch)
{
    akt_system *sys = mk_sys();
    enum { N = 300, M = 16 };
    int64_t *s_cpu = calloc(N * M, 8), *s_gpu = calloc(N * M, 8);
    akt_err *e_cpu = calloc(N * M, sizeof(akt_err)),
            *e_gpu = calloc(N * M, sizeof(akt_err));
    calc_workload(sys, AKT_PLACEMENT_CPU, N, M, 7, s_cpu, e_cpu);
    calc_workload(sys, AKT_PLACEMENT_GPU, N, M, 7, s_gpu, e_gpu);
    int fails = 0;
    for (int j = 0; j < N * M; j++) {
        ck_assert_msg(e_cpu[j] == e_gpu[j], "message %d: %s vs %s", j,
            akt_err_name(e_cpu[j]), akt_err_name(e_gpu[j]));
        ck_assert_msg(s_cpu[j] == s_gpu[j], "message %d differs", j);
        fails += e_gpu[j] != AKT_OK;
    }
    ck_assert(fails > 0);
    akt_system_free(sys);
    free(s_cpu);
    free(s_gpu);
    free(e_cpu);
    free(e_gpu);
}
END_TEST

/* With akt.gpu.actor-cap = 4 one actor's 100 messages take at least 25
 * launches and none holds more than 4; akt.gpu.max-batch = 16 bounds every
 * launch when 200 actors have work. Order still holds (the count). */
START_TEST(batches_respect_the_actor_cap_and_the_batch_size)
{
    setenv("AKT_akt__gpu__actor_cap", "4", 1);
    setenv("AKT_akt__gpu__max_batch", "16", 1);
    akt_system *sys = mk_sys();
    gpudemo_ScalerRef one = spawn_scaler(sys, AKT_PLACEMENT_GPU);
    for (int k = 0; k < 100; k++) {
        ck_assert_int_eq(
            gpudemo_scaler_tell_sample(one, gpudemo_sample_new(1.0f, 2.0f, 0)),
            AKT_OK);
    }
    gpudemo_Total *t = NULL;
    ck_assert_int_eq(
        gpudemo_scaler_call_probe(one, gpudemo_probe_new(), 30 * SEC, &t, NULL),
        AKT_OK);
    ck_assert_int_eq(t->count, 100);
    ck_assert(t->total == 200.0f);
    akt_msg_free(t);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_uint_ge(st.batches, 25);
    ck_assert_uint_le(st.largest, 4);
    enum { N = 200 };
    gpudemo_ScalerRef refs[N];
    for (int i = 0; i < N; i++) {
        refs[i] = spawn_scaler(sys, AKT_PLACEMENT_GPU);
    }
    for (int k = 0; k < 10; k++) {
        for (int i = 0; i < N; i++) {
            ck_assert_int_eq(gpudemo_scaler_tell_sample(
                                 refs[i], gpudemo_sample_new(1.0f, 1.0f, 0)),
                AKT_OK);
        }
    }
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(gpudemo_scaler_call_probe(
                             refs[i], gpudemo_probe_new(), 30 * SEC, &t, NULL),
            AKT_OK);
        ck_assert_int_eq(t->count, 10);
        akt_msg_free(t);
    }
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_uint_le(st.largest, 16);
    akt_system_free(sys);
}
END_TEST

/* --- supervision with a parent that resumes or stops ---------------------- */

static akt_directive parent_directive;
static akt_ref kids[64];
static int nkids;
static akt_placement kid_placement;

static akt_directive
decide(akt_err reason, akt_ref child, void *arg)
{
    (void)reason;
    (void)child;
    (void)arg;
    return parent_directive;
}

static akt_err
parent_start(void *state, akt_ctx *ctx)
{
    (void)state;
    for (int i = 0; i < nkids; i++) {
        akt_props props;
        ck_assert_int_eq(
            gpudemo_scaler_gpu_props(NULL, kid_placement, &props), AKT_OK);
        ck_assert_int_eq(akt_ctx_spawn(ctx, &props, NULL, &kids[i]), AKT_OK);
    }
    return AKT_OK;
}

static const akt_behavior parent_beh = { .name = "parent" };
static const akt_lifecycle parent_lc = { .pre_start = parent_start };

/* Spawns nkids children at placement p under a parent whose strategy
 * applies directive; sends each child: 3 good messages, a failing one, 3
 * good; returns the Probe of each and the errors of the asks. */
static void
supervised(akt_system *sys, akt_placement p, akt_directive directive,
    int64_t *counts, float *totals, akt_err *errs)
{
    parent_directive = directive;
    kid_placement = p;
    nkids = 32;
    akt_supervisor_strategy strat
        = { .kind = AKT_ONE_FOR_ONE, .max_restarts = -1, .decider = decide };
    akt_props pp = {
        .behavior = &parent_beh, .lifecycle = &parent_lc, .supervisor = &strat
    };
    akt_ref parent;
    ck_assert_int_eq(akt_spawn(sys, &pp, NULL, &parent), AKT_OK);
    /* pre_start has run once a message to the parent came back */
    akt_future *pf;
    ck_assert_int_eq(
        akt_ask(parent, gpudemo_probe_new(), 30 * SEC, &pf), AKT_OK);
    akt_future_wait(pf, 30 * SEC, NULL); /* unhandled: fails, after start */
    akt_future_release(pf);
    akt_future *f[64][7];
    for (int i = 0; i < nkids; i++) {
        for (int k = 0; k < 7; k++) {
            gpudemo_Sample *m
                = gpudemo_sample_new((float)(i + k), 1.5f, k == 3 ? -1 : 1);
            ck_assert_int_eq(
                gpudemo_scaler_ask_sample(
                    gpudemo_scaler_ref(kids[i]), m, 30 * SEC, &f[i][k]),
                AKT_OK);
        }
    }
    for (int i = 0; i < nkids; i++) {
        for (int k = 0; k < 7; k++) {
            errs[i * 7 + k] = akt_future_wait(f[i][k], 30 * SEC, NULL);
            akt_future_release(f[i][k]);
        }
        gpudemo_Total *t = NULL;
        akt_err err = gpudemo_scaler_call_probe(gpudemo_scaler_ref(kids[i]),
            gpudemo_probe_new(), 30 * SEC, &t, NULL);
        counts[i] = err == AKT_OK ? t->count : -(int64_t)err;
        totals[i] = err == AKT_OK ? t->total : 0;
        if (t) {
            akt_msg_free(t);
        }
    }
    akt_stop(parent);
}

static void
supervision_case(akt_directive directive, int64_t want_count)
{
    akt_system *sys = mk_sys();
    int64_t c_cpu[64], c_gpu[64];
    float t_cpu[64], t_gpu[64];
    akt_err e_cpu[64 * 7], e_gpu[64 * 7];
    supervised(sys, AKT_PLACEMENT_CPU, directive, c_cpu, t_cpu, e_cpu);
    supervised(sys, AKT_PLACEMENT_GPU, directive, c_gpu, t_gpu, e_gpu);
    for (int i = 0; i < nkids; i++) {
        ck_assert_int_eq(c_cpu[i], c_gpu[i]);
        ck_assert_int_eq(c_gpu[i], want_count);
        ck_assert(memcmp(&t_cpu[i], &t_gpu[i], 4) == 0);
        for (int k = 0; k < 7; k++) {
            ck_assert_int_eq(e_cpu[i * 7 + k], e_gpu[i * 7 + k]);
        }
        ck_assert_int_eq(e_gpu[i * 7 + 3], AKT_EFAILED);
    }
    akt_system_free(sys);
}

/* resume: the failing message is dropped, the state kept: 6 counted */
START_TEST(resume_keeps_the_state_and_goes_on_in_order)
{
    supervision_case(AKT_RESUME, 6);
}
END_TEST

/* restart: a fresh state written to the device, then the 3 after it */
START_TEST(restart_writes_the_initial_state)
{
    supervision_case(AKT_RESTART, 3);
}
END_TEST

/* stop: the messages after the failure are dead letters; asks fail */
START_TEST(stop_ends_the_actor_and_its_slot_is_reused)
{
    akt_system *sys = mk_sys();
    int64_t c_cpu[64], c_gpu[64];
    float t_cpu[64], t_gpu[64];
    akt_err e_cpu[64 * 7], e_gpu[64 * 7];
    supervised(sys, AKT_PLACEMENT_CPU, AKT_STOP, c_cpu, t_cpu, e_cpu);
    supervised(sys, AKT_PLACEMENT_GPU, AKT_STOP, c_gpu, t_gpu, e_gpu);
    for (int i = 0; i < nkids; i++) {
        for (int k = 0; k < 7; k++) {
            ck_assert_int_eq(e_cpu[i * 7 + k], e_gpu[i * 7 + k]);
        }
        ck_assert_int_eq(e_gpu[i * 7 + 3], AKT_EFAILED);
        ck_assert(c_gpu[i] < 0 && c_cpu[i] < 0); /* the probe fails */
    }
    /* new actors take the freed slots and start from the defaults */
    for (int i = 0; i < 64; i++) {
        gpudemo_ScalerRef r = spawn_scaler(sys, AKT_PLACEMENT_GPU);
        gpudemo_Total *t = NULL;
        ck_assert_int_eq(gpudemo_scaler_call_probe(
                             r, gpudemo_probe_new(), 30 * SEC, &t, NULL),
            AKT_OK);
        ck_assert_int_eq(t->count, 0);
        ck_assert(t->total == 0.0f);
        akt_msg_free(t);
        akt_stop(r.ref);
    }
    akt_system_free(sys);
}
END_TEST

/* --- escalate: a grandparent decides on the parent a failure reached ---- */

static t_latch esc_spawned = T_LATCH_INIT, esc_decided = T_LATCH_INIT;
static akt_ref esc_child;
static akt_placement esc_placement;
static _Atomic int esc_reason;

static akt_directive
decide_escalate(akt_err reason, akt_ref child, void *arg)
{
    (void)reason;
    (void)child;
    (void)arg;
    return AKT_ESCALATE;
}

static akt_directive
decide_record_stop(akt_err reason, akt_ref child, void *arg)
{
    (void)child;
    (void)arg;
    esc_reason = (int)reason;
    t_latch_add(&esc_decided, 1);
    return AKT_STOP;
}

static akt_err
esc_parent_start(void *state, akt_ctx *ctx)
{
    (void)state;
    akt_props props;
    ck_assert_int_eq(
        gpudemo_scaler_gpu_props(NULL, esc_placement, &props), AKT_OK);
    ck_assert_int_eq(akt_ctx_spawn(ctx, &props, NULL, &esc_child), AKT_OK);
    t_latch_add(&esc_spawned, 1);
    return AKT_OK;
}

static const akt_lifecycle esc_parent_lc = { .pre_start = esc_parent_start };
static akt_supervisor_strategy esc_strat = {
    .kind = AKT_ONE_FOR_ONE, .max_restarts = -1, .decider = decide_escalate
};

static akt_err
esc_grand_start(void *state, akt_ctx *ctx)
{
    (void)state;
    akt_props pp = { .behavior = &parent_beh,
        .lifecycle = &esc_parent_lc,
        .supervisor = &esc_strat };
    akt_ref r;
    ck_assert_int_eq(akt_ctx_spawn(ctx, &pp, NULL, &r), AKT_OK);
    return AKT_OK;
}

static const akt_lifecycle esc_grand_lc = { .pre_start = esc_grand_start };

/* one failing Sample to a Scaler at placement p under a parent that
 * escalates: the asker's error and the reason the grandparent decides on */
static void
escalated(akt_system *sys, akt_placement p, akt_err *ask_err, int *reason)
{
    esc_placement = p;
    int64_t spawned = t_latch_get(&esc_spawned);
    int64_t decided = t_latch_get(&esc_decided);
    akt_supervisor_strategy gs = { .kind = AKT_ONE_FOR_ONE,
        .max_restarts = -1,
        .decider = decide_record_stop };
    akt_props gp = {
        .behavior = &parent_beh, .lifecycle = &esc_grand_lc, .supervisor = &gs
    };
    akt_ref g;
    ck_assert_int_eq(akt_spawn(sys, &gp, NULL, &g), AKT_OK);
    ck_assert(t_latch_wait(&esc_spawned, spawned + 1, 30000));
    akt_future *f;
    ck_assert_int_eq(gpudemo_scaler_ask_sample(gpudemo_scaler_ref(esc_child),
                         gpudemo_sample_new(1.0f, 1.0f, -1), 30 * SEC, &f),
        AKT_OK);
    *ask_err = akt_future_wait(f, 30 * SEC, NULL);
    akt_future_release(f);
    ck_assert(t_latch_wait(&esc_decided, decided + 1, 30000));
    *reason = esc_reason;
    akt_stop(g);
}

/* Escalate: a GPU actor's failure escalated by its parent reaches the
 * grandparent's supervisor with the same reason as a CPU actor's (the
 * parent fails with it), and the asker gets the same error */
START_TEST(escalate_reaches_the_grandparent_as_on_the_cpu)
{
    akt_system *sys = mk_sys();
    akt_err e_cpu, e_gpu;
    int r_cpu, r_gpu;
    escalated(sys, AKT_PLACEMENT_CPU, &e_cpu, &r_cpu);
    escalated(sys, AKT_PLACEMENT_GPU, &e_gpu, &r_gpu);
    ck_assert_int_eq(e_cpu, AKT_EFAILED);
    ck_assert_int_eq(e_gpu, e_cpu);
    ck_assert_int_eq(r_cpu, AKT_EFAILED);
    ck_assert_int_eq(r_gpu, r_cpu);
    akt_system_free(sys);
}
END_TEST

/* A bounded mailbox on a GPU actor applies its overflow strategy as on
 * the CPU: every message is run, reaches dead letters or is refused to
 * its sender (fail), none is lost; block makes the sender wait, so every
 * message runs. */
static _Atomic uint64_t dropped;

static void
on_dead(akt_ref to, const void *msg, akt_err reason, void *arg)
{
    (void)to;
    (void)arg;
    if (akt_msg_type(msg) == &gpudemo_sample_desc && reason == AKT_EFULL) {
        dropped++;
    }
}

/* SENT Samples to a Scaler at placement p with a mailbox of 8 and
 * overflow ovf: how many ran, were dead letters, were refused */
static void
bounded_case(akt_system *sys, akt_placement p, akt_overflow ovf, uint64_t *ran,
    uint64_t *dead, uint64_t *refused)
{
    akt_mailbox_opts mb = { .kind = AKT_MAILBOX_BOUNDED,
        .capacity = 8,
        .overflow = ovf,
        .block_timeout_ns = 30 * SEC };
    akt_props props;
    ck_assert_int_eq(gpudemo_scaler_gpu_props(NULL, p, &props), AKT_OK);
    props.mailbox = &mb;
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &props, NULL, &r), AKT_OK);
    enum { SENT = 5000 };
    uint64_t d0 = dropped;
    *refused = 0;
    for (int k = 0; k < SENT; k++) {
        gpudemo_Sample *m = gpudemo_sample_new(1.0f, 1.0f, 0);
        akt_err err = akt_tell(r, m, AKT_REF_NONE);
        if (err == AKT_EFULL && ovf == AKT_OVERFLOW_FAIL) {
            akt_msg_free(m);
            (*refused)++;
            continue;
        }
        ck_assert_int_eq(err, AKT_OK);
    }
    /* a probe that got in (retried while the mailbox is full) counts what
     * ran before it; what it displaced (drop-head) was dropped */
    gpudemo_Total *t = NULL;
    akt_err err;
    do {
        err = gpudemo_scaler_call_probe(
            gpudemo_scaler_ref(r), gpudemo_probe_new(), 30 * SEC, &t, NULL);
    } while (err == AKT_EFULL);
    ck_assert_int_eq(err, AKT_OK);
    *ran = (uint64_t)t->count;
    *dead = dropped - d0;
    akt_msg_free(t);
    akt_stop(r);
    ck_assert_uint_eq(*ran + *dead + *refused, SENT);
}

START_TEST(a_bounded_mailbox_applies_its_overflow_as_on_the_cpu)
{
    akt_system *sys = mk_sys();
    akt_system_on_dead_letter(sys, on_dead, NULL, NULL);
    static const akt_overflow ovf[] = { AKT_OVERFLOW_DROP_NEW,
        AKT_OVERFLOW_DROP_HEAD, AKT_OVERFLOW_FAIL, AKT_OVERFLOW_BLOCK };
    static const char *const name[]
        = { "drop-new", "drop-head", "fail", "block" };
    for (int i = 0; i < 4; i++) {
        for (int pl = 0; pl < 2; pl++) {
            akt_placement p = pl ? AKT_PLACEMENT_GPU : AKT_PLACEMENT_CPU;
            uint64_t ran, dead, refused;
            bounded_case(sys, p, ovf[i], &ran, &dead, &refused);
            printf("bounded %s on the %s: %llu run, %llu dead letters, %llu "
                   "refused\n",
                name[i], pl ? "gpu" : "cpu", (unsigned long long)ran,
                (unsigned long long)dead, (unsigned long long)refused);
            /* each strategy loses messages only its own way */
            if (ovf[i] == AKT_OVERFLOW_BLOCK) {
                ck_assert_uint_eq(dead + refused, 0);
            } else if (ovf[i] == AKT_OVERFLOW_FAIL) {
                ck_assert_uint_eq(dead, 0);
            } else {
                ck_assert_uint_eq(refused, 0);
            }
        }
    }
    akt_system_free(sys);
}
END_TEST

/* The device supervisor: a device fault (injected into batch 3 with
 * AKT_GPU_FAULT_AT_BATCH) fails each GPU actor once with AKT_EIO ("the GPU
 * failed ..."); the default strategy restarts it with a fresh state, and
 * from then on the CPU batch loop runs its messages. */
START_TEST(a_device_fault_fails_each_actor_once_and_they_go_on)
{
    setenv("AKT_GPU_FAULT_AT_BATCH", "3", 1);
    akt_system *sys = mk_sys();
    enum { N = 20 };
    gpudemo_ScalerRef refs[N];
    for (int i = 0; i < N; i++) {
        refs[i] = spawn_scaler(sys, AKT_PLACEMENT_GPU);
    }
    int eio = 0;
    for (int round = 0; round < 6; round++) {
        for (int i = 0; i < N; i++) {
            gpudemo_Scaled *r = NULL;
            akt_future *f;
            ck_assert_int_eq(
                gpudemo_scaler_ask_sample(
                    refs[i], gpudemo_sample_new(1.0f, 1.0f, 0), 30 * SEC, &f),
                AKT_OK);
            akt_err err = gpudemo_scaler_ask_sample_wait(f, 30 * SEC, &r);
            if (err == AKT_EIO) {
                ck_assert_ptr_nonnull(
                    strstr(akt_future_error_text(f), "the GPU failed"));
                eio++;
            } else {
                ck_assert_int_eq(err, AKT_OK);
                akt_msg_free(r);
            }
            akt_future_release(f);
        }
    }
    ck_assert_int_eq(eio, N); /* each actor once */
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_uint_eq(st.device_faults, 1);
    ck_assert_ptr_nonnull(strstr(st.executor, "failed over to the CPU"));
    akt_system_free(sys);
}
END_TEST

/* relay.akt: tells from @gpu handlers (to a ref field, to self, to the
 * sender), ref fields carried through the device, enum fields checked.
 * One run: n Relays and n Sinks at the given placements. */
typedef struct relay_result {
    gpurelay_Count relay[20], sink[20];
    akt_err bad_mode;
    char bad_reason[AKT_STATUS_TEXT_MAX + 1];
} relay_result;

static void
count_of(const gpurelay_Count *c, gpurelay_Count *out)
{
    out->hits = c->hits;
    out->sum = c->sum;
    out->last = c->last;
    out->notes = c->notes;
}

static void
relay_workload(akt_system *sys, akt_placement relay_at, akt_placement sink_at,
    relay_result *out)
{
    enum { N = 20, K = 8 };
    gpurelay_RelayRef relays[N];
    gpurelay_SinkRef sinks[N];
    for (int i = 0; i < N; i++) {
        akt_props props;
        akt_ref r;
        ck_assert_int_eq(
            gpurelay_relay_gpu_props(NULL, relay_at, &props), AKT_OK);
        ck_assert_int_eq(akt_spawn(sys, &props, NULL, &r), AKT_OK);
        relays[i] = gpurelay_relay_ref(r);
        ck_assert_int_eq(
            gpurelay_sink_gpu_props(NULL, sink_at, &props), AKT_OK);
        ck_assert_int_eq(akt_spawn(sys, &props, NULL, &r), AKT_OK);
        sinks[i] = gpurelay_sink_ref(r);
    }
    /* each Wire: the relay keeps the sink and tells it a Hit (n, 2x,
     * RUN); the two with x < 0 also make it tell itself a Note (7) */
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < N; i++) {
            gpurelay_Wire *w = gpurelay_wire_new(
                sinks[i].ref, (double)(k - 2) + 0.01 * i, k % 2);
            ck_assert_int_eq(gpurelay_relay_tell_wire(relays[i], w), AKT_OK);
        }
    }
    /* the first Probe's reply follows every Wire, so every Note was sent
     * before it; the second Probe comes after the Notes */
    for (int i = 0; i < N; i++) {
        gpurelay_Count *c = NULL;
        for (int twice = 0; twice < 2; twice++) {
            ck_assert_int_eq(gpurelay_relay_call_probe(relays[i],
                                 gpurelay_probe_new(), 30 * SEC, &c, NULL),
                AKT_OK);
            count_of(c, &out->relay[i]);
            akt_msg_free(c);
        }
    }
    /* a Ping with a sink as its sender: the relay tells the sender a Hit */
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(gpurelay_relay_tell_ping_from(relays[i],
                             gpurelay_ping_new(100 + i), sinks[i].ref),
            AKT_OK);
    }
    for (int i = 0; i < N; i++) {
        /* the relay's Probe follows the Ping: its Hit is in the sink's
         * mailbox before the sink's Probe */
        gpurelay_Count *c = NULL;
        ck_assert_int_eq(gpurelay_relay_call_probe(relays[i],
                             gpurelay_probe_new(), 30 * SEC, &c, NULL),
            AKT_OK);
        akt_msg_free(c);
        ck_assert_int_eq(gpurelay_sink_call_probe(sinks[i],
                             gpurelay_probe_new(), 30 * SEC, &c, NULL),
            AKT_OK);
        count_of(c, &out->sink[i]);
        akt_msg_free(c);
    }
    /* 2 is no Mode: writing it to state.mode fails the message */
    akt_reason why;
    gpurelay_Count *c = NULL;
    out->bad_mode = gpurelay_relay_call_wire(
        relays[0], gpurelay_wire_new(sinks[0].ref, 1.0, 2), 30 * SEC, &c, &why);
    snprintf(out->bad_reason, sizeof out->bad_reason, "%s", why.text);
    akt_msg_free(c);
}

/* Tells of @gpu handlers are routed like any other message: to a ref
 * carried in a message and kept in the state, to the actor itself, to the
 * sender; relays and sinks on the GPU dispatcher, on the CPU, and mixed
 * end with the same counts as on the CPU, and those counts are the ones
 * the messages make. A value that is none of the enum's fails the message
 * with AKT_ERANGE on both. */
START_TEST(tells_of_gpu_handlers_are_routed_as_on_the_cpu)
{
    akt_system *sys = mk_sys();
    relay_result *r = calloc(3, sizeof *r);
    relay_workload(sys, AKT_PLACEMENT_CPU, AKT_PLACEMENT_CPU, &r[0]);
    relay_workload(sys, AKT_PLACEMENT_GPU, AKT_PLACEMENT_GPU, &r[1]);
    relay_workload(sys, AKT_PLACEMENT_GPU, AKT_PLACEMENT_CPU, &r[2]);
    for (int i = 0; i < 20; i++) {
        /* 8 Wires: n = 8, the last mode 1 (RUN), two Notes of 7 */
        ck_assert_int_eq(r[0].relay[i].hits, 8);
        ck_assert_int_eq(r[0].relay[i].last, GPURELAY_MODE_RUN);
        ck_assert_int_eq(r[0].relay[i].notes, 14);
        /* 8 Hits from the Wires (x doubled) and the Ping's (the relay's
         * mode, RUN) */
        double sum = 0;
        for (int k = 0; k < 8; k++) {
            sum += ((double)(k - 2) + 0.01 * i) * 2.0;
        }
        ck_assert_int_eq(r[0].sink[i].hits, 9);
        ck_assert(r[0].sink[i].sum == sum);
        ck_assert_int_eq(r[0].sink[i].last, GPURELAY_MODE_RUN);
        for (int p = 1; p < 3; p++) {
            ck_assert(
                memcmp(&r[0].relay[i], &r[p].relay[i], sizeof r[0].relay[i])
                == 0);
            ck_assert(
                memcmp(&r[0].sink[i], &r[p].sink[i], sizeof r[0].sink[i]) == 0);
        }
    }
    for (int p = 0; p < 3; p++) {
        ck_assert_int_eq(r[p].bad_mode, AKT_ERANGE);
        ck_assert_str_eq(r[p].bad_reason,
            "gpurelay.Relay on gpurelay.Wire: a value that is none of its "
            "enum's written to an enum field");
    }
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    /* GPU relays: 20 x (8 Hits + 2 Notes + 1 Ping's Hit), twice */
    ck_assert_uint_eq(st.told, 2 * 20 * 11);
    akt_system_free(sys);
    free(r);
}
END_TEST

/* --- the soft driver (AKT_TEST_GPU=soft) --------------------------------
 * tests/gpu/soft_cuda.c stands in for libcuda: the CUDA executor's
 * staging, double buffering, graphs and deadlines run on the CPU (the
 * kernels are the CPU batch loops, registered by name here). */

static bool soft;
static void (*soft_stats)(uint64_t *, uint64_t *, uint64_t *, uint64_t *);

#define SOFT_KERNEL(t)                                                         \
    static void soft_##t(const void *a)                                        \
    {                                                                          \
        t.cpu((const akt_gpu_args *)a);                                        \
    }
SOFT_KERNEL(gpudemo_scaler_gpu_type)
SOFT_KERNEL(gpukinds_calc_gpu_type)
SOFT_KERNEL(gpukinds_echo_gpu_type)
SOFT_KERNEL(gpurelay_sink_gpu_type)
SOFT_KERNEL(gpurelay_relay_gpu_type)

static void
soft_setup(void)
{
    setenv("AKT_CUDA_LIB", AKT_TEST_SOFT_CUDA, 1);
    setenv("AKT_NVRTC_LIB", AKT_TEST_SOFT_NVRTC, 1);
    setenv("AKT_KERNEL_CACHE", "off", 1);
    void *lib = dlopen(AKT_TEST_SOFT_CUDA, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "soft driver: %s\n", dlerror());
        exit(1);
    }
    void (*reg)(const char *, void (*)(const void *));
    void *f = dlsym(lib, "akt_soft_cuda_kernel");
    void *st = dlsym(lib, "akt_soft_cuda_stats");
    memcpy(&reg, &f, sizeof f);
    memcpy(&soft_stats, &st, sizeof st);
    reg(gpudemo_scaler_gpu_type.kernel, soft_gpudemo_scaler_gpu_type);
    reg(gpukinds_calc_gpu_type.kernel, soft_gpukinds_calc_gpu_type);
    reg(gpukinds_echo_gpu_type.kernel, soft_gpukinds_echo_gpu_type);
    reg(gpurelay_sink_gpu_type.kernel, soft_gpurelay_sink_gpu_type);
    reg(gpurelay_relay_gpu_type.kernel, soft_gpurelay_relay_gpu_type);
}

/* The CUDA executor over the soft driver: every batch is copied in, run
 * and copied out through the pinned staging (graphs, unless
 * akt.gpu.cuda-graphs = off), two batches are on the "device" at once
 * (the stream runs lazily, so reading a batch's results before waiting,
 * or rewriting pinned input still queued, would give wrong replies), and
 * the results equal the CPU's (the workload of the first test). */
START_TEST(soft_device_runs_batches_through_staging_and_graphs)
{
    setenv("AKT_akt__gpu__actor_cap", "4", 1);
    setenv("AKT_akt__gpu__max_batch", "256", 1);
    akt_system *sys = mk_sys();
    enum { N = 300, M = 8 };
    result *cpu = calloc(N, sizeof *cpu), *gpu = calloc(N, sizeof *gpu);
    scaler_workload(sys, AKT_PLACEMENT_CPU, N, M, 7, cpu);
    scaler_workload(sys, AKT_PLACEMENT_GPU, N, M, 7, gpu);
    assert_same(cpu, gpu, N, M);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_msg(strstr(st.executor, "cuda: akt soft CUDA (tests) (sm_90)"),
        "%s", st.executor);
    ck_assert_uint_eq(st.device_faults, 0);
    uint64_t kernels, caps, launches, outstanding;
    soft_stats(&kernels, &caps, &launches, &outstanding);
    ck_assert_uint_eq(kernels, st.batches);
    const char *g = getenv("AKT_akt__gpu__cuda_graphs");
    if (getenv("AKT_akt__gpu__persistent_max_batch")) {
        /* gpu_soft_dispatch_persistent: every batch (<= 256) to the
         * resident kernel: none launched, none in flight */
        ck_assert_uint_eq(launches, 0);
        printf("soft (persistent): %llu batches\n",
            (unsigned long long)st.batches);
        akt_system_free(sys);
        free(cpu);
        free(gpu);
        return;
    }
    if (g && strcmp(g, "off") == 0) {
        ck_assert_uint_eq(caps, 0);
        ck_assert_uint_eq(launches, 0);
    } else {
        /* captured once per size class, then launched */
        ck_assert_uint_eq(launches, st.batches);
        ck_assert_uint_ge(caps, 1);
        ck_assert_uint_lt(caps, launches);
    }
    /* double buffering: a batch was launched while one was on the device */
    ck_assert_uint_eq(outstanding, 2);
    printf("soft: %llu launches, %llu graphs captured, %llu messages\n",
        (unsigned long long)st.batches, (unsigned long long)caps,
        (unsigned long long)st.messages);
    akt_system_free(sys);
    free(cpu);
    free(gpu);
}
END_TEST

/* rounds of one ask to each of the n Scalers refs, all at once; the
 * asks answered AKT_OK and those that failed with the device (AKT_EIO and
 * its reason) are counted in *ok and *eio. Each actor fails at most once
 * (first[i]: the round it did, -1 before); every reply's count is the
 * actor's successes so far -- since its failure, after which it was
 * restarted (a fresh state): an actor run on a state it no longer has
 * would answer another count. */
static void
ask_rounds(
    gpudemo_ScalerRef *refs, int n, int rounds, int *first, int *eio, int *ok)
{
    akt_future **f = calloc((size_t)n, sizeof *f);
    int *good = calloc((size_t)n, sizeof *good);
    for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < n; i++) {
            ck_assert_int_eq(
                gpudemo_scaler_ask_sample(refs[i],
                    gpudemo_sample_new(1.0f, 2.0f, 1), 30 * SEC, &f[i]),
                AKT_OK);
        }
        for (int i = 0; i < n; i++) {
            gpudemo_Scaled *r = NULL;
            akt_err err = gpudemo_scaler_ask_sample_wait(f[i], 30 * SEC, &r);
            if (err == AKT_OK) {
                (*ok)++;
                good[i]++;
                ck_assert_msg(r->count == good[i],
                    "actor %d round %d: count %lld, want %d", i, round,
                    (long long)r->count, good[i]);
                akt_msg_free(r);
            } else {
                ck_assert_int_eq(err, AKT_EIO);
                ck_assert_str_eq(akt_future_error_text(f[i]),
                    "gpudemo.Scaler on gpudemo.Sample: the GPU failed and the "
                    "actor's state with it");
                ck_assert_msg(first[i] < 0, "actor %d failed twice", i);
                first[i] = round;
                good[i] = 0; /* restarted: a fresh state */
                (*eio)++;
            }
            akt_future_release(f[i]);
        }
    }
    free(f);
    free(good);
}

/* four rounds of one ask to each of n Scalers on the GPU dispatcher; the
 * asks answered AKT_OK and those that failed with the device (AKT_EIO
 * and its reason), which must be all of them */
static void
rounds_through_a_device_failure(akt_system *sys, int *eio, int *ok)
{
    enum { N = 40 };
    gpudemo_ScalerRef refs[N];
    int first[N];
    for (int i = 0; i < N; i++) {
        refs[i] = spawn_scaler(sys, AKT_PLACEMENT_GPU);
        first[i] = -1;
    }
    *eio = *ok = 0;
    ask_rounds(refs, N, 4, first, eio, ok);
    ck_assert_int_gt(*eio, 0);
    ck_assert_int_eq(*eio + *ok, 4 * N);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_uint_eq(st.device_faults, 1);
    ck_assert_msg(
        strstr(st.executor, "failed over to the CPU"), "%s", st.executor);
}

/* Growing the device's state array (more actors than it holds) waits for
 * its copy with the batch deadline: a copy that never completes
 * (AKT_SOFT_CUDA_HANG_DTOD; cuStreamSynchronize, the old wait, would
 * never return) fails the device once by akt.gpu.batch-timeout; every
 * actor whose state was there fails once with AKT_EIO -- none runs on a
 * state it lost, none fails twice -- and all go on on the CPU */
START_TEST(a_hung_state_array_move_fails_by_the_deadline)
{
    setenv("AKT_SOFT_CUDA_HANG_DTOD", "1", 1);
    setenv("AKT_akt__gpu__batch_timeout", "300ms", 1);
    akt_system *sys = mk_sys();
    enum { N0 = 40, N = 100 };
    gpudemo_ScalerRef refs[N];
    int first[N], eio = 0, ok = 0;
    for (int i = 0; i < N; i++) {
        first[i] = -1;
    }
    for (int i = 0; i < N0; i++) {
        refs[i] = spawn_scaler(sys, AKT_PLACEMENT_GPU);
    }
    ask_rounds(refs, N0, 2, first, &eio, &ok); /* on the device */
    ck_assert_int_eq(ok, 2 * N0);
    for (int i = N0; i < N; i++) { /* past the 64 states it holds */
        refs[i] = spawn_scaler(sys, AKT_PLACEMENT_GPU);
    }
    ask_rounds(refs, N, 3, first, &eio, &ok);
    /* each actor at most once (ask_rounds); those whose state was on the
     * device, exactly once; one started after the fault (its start runs
     * on the dispatcher, maybe after the move) has its state on the host
     * and never fails */
    for (int i = 0; i < N0; i++) {
        ck_assert_msg(first[i] >= 0, "actor %d never failed", i);
    }
    ck_assert_int_ge(eio, N0);
    ck_assert_int_eq(ok + eio, 2 * N0 + 3 * N);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_uint_eq(st.device_faults, 1);
    akt_system_free(sys);
}
END_TEST

/* Resumed, not restarted, after a device fault: each actor fails once
 * with AKT_EIO and then answers every message -- its slot does not stay
 * lost. It goes on from the state akt holds for it on the host: on a
 * device, the state it was started with (the device's was lost); with
 * the CPU executor, its state (nothing was lost) */
START_TEST(an_actor_resumed_after_a_device_fault_goes_on)
{
    setenv("AKT_GPU_FAULT_AT_BATCH", "3", 1);
    akt_system *sys = mk_sys();
    parent_directive = AKT_RESUME;
    kid_placement = AKT_PLACEMENT_GPU;
    nkids = 8;
    akt_supervisor_strategy strat
        = { .kind = AKT_ONE_FOR_ONE, .max_restarts = -1, .decider = decide };
    akt_props pp = {
        .behavior = &parent_beh, .lifecycle = &parent_lc, .supervisor = &strat
    };
    akt_ref parent;
    ck_assert_int_eq(akt_spawn(sys, &pp, NULL, &parent), AKT_OK);
    akt_future *pf;
    ck_assert_int_eq(
        akt_ask(parent, gpudemo_probe_new(), 30 * SEC, &pf), AKT_OK);
    akt_future_wait(pf, 30 * SEC, NULL); /* unhandled: after its start */
    akt_future_release(pf);
    enum { R = 6 };
    int eio = 0;
    for (int i = 0; i < nkids; i++) {
        int fails = 0;
        int64_t want = 0;
        for (int round = 0; round < R; round++) {
            gpudemo_Scaled *r = NULL;
            akt_future *f;
            ck_assert_int_eq(
                gpudemo_scaler_ask_sample(gpudemo_scaler_ref(kids[i]),
                    gpudemo_sample_new(1.0f, 1.0f, 0), 30 * SEC, &f),
                AKT_OK);
            akt_err err = gpudemo_scaler_ask_sample_wait(f, 30 * SEC, &r);
            if (err == AKT_EIO) {
                fails++;
                if (strcmp(executor, "cuda") == 0) {
                    want = 0; /* the device's state went with it */
                }
            } else {
                ck_assert_int_eq(err, AKT_OK);
                ck_assert_int_eq(r->count, ++want);
                akt_msg_free(r);
            }
            akt_future_release(f);
        }
        ck_assert_int_le(fails, 1);
        eio += fails;
    }
    ck_assert_int_eq(eio, nkids); /* each once, then on */
    akt_stop(parent);
    akt_system_free(sys);
}
END_TEST

/* A kernel that never completes (AKT_SOFT_CUDA_HANG_AT): the batch's
 * deadline (akt.gpu.batch-timeout) passes, the device is taken as hung,
 * its actors fail once with AKT_EIO and go on on the CPU batch loop:
 * every ask is answered. */
START_TEST(a_hung_batch_fails_by_its_deadline_and_the_cpu_goes_on)
{
    setenv("AKT_SOFT_CUDA_HANG_AT", "2", 1);
    setenv("AKT_akt__gpu__batch_timeout", "300ms", 1);
    akt_system *sys = mk_sys();
    int eio, ok;
    rounds_through_a_device_failure(sys, &eio, &ok);
    akt_system_free(sys);
}
END_TEST

/* A kernel that faults (CUDA_ERROR_ILLEGAL_ADDRESS, sticky) is seen when
 * its batch is waited for: the same device supervision */
START_TEST(a_faulting_kernel_fails_the_device_once)
{
    setenv("AKT_SOFT_CUDA_FAULT_AT", "3", 1);
    akt_system *sys = mk_sys();
    int eio, ok;
    rounds_through_a_device_failure(sys, &eio, &ok);
    akt_system_free(sys);
}
END_TEST

/* the soft driver's counters: kernel runs, graph captures, graph
 * launches */
static void
soft_counts(uint64_t *kernels, uint64_t *caps, uint64_t *launches)
{
    uint64_t outstanding;
    soft_stats(kernels, caps, launches, &outstanding);
}

/* The persistent kernel (akt.gpu.persistent-max-batch) on the soft
 * driver: with every batch under the threshold, each is one request to a
 * resident kernel per type -- no graph is captured or launched -- and the
 * replies, failures and states are the CPU's; with a limit of 16, the
 * batches over it (if the timing made any) are launched and the others go
 * to the resident kernel, with the same results. (Not run on a GPU.) */
START_TEST(a_persistent_kernel_runs_small_batches_as_the_cpu)
{
    setenv("AKT_akt__gpu__actor_cap", "4", 1);
    setenv("AKT_akt__gpu__max_batch", "256", 1);
    static const char *const limits[] = { "1024", "16" };
    for (int l = 0; l < 2; l++) {
        setenv("AKT_akt__gpu__persistent_max_batch", limits[l], 1);
        akt_system *sys = mk_sys();
        enum { N = 120, M = 6 };
        result *cpu = calloc(N, sizeof *cpu), *gpu = calloc(N, sizeof *gpu);
        scaler_workload(sys, AKT_PLACEMENT_CPU, N, M, 17 + l, cpu);
        uint64_t k0, c0, g0, k1, c1, g1;
        soft_counts(&k0, &c0, &g0);
        scaler_workload(sys, AKT_PLACEMENT_GPU, N, M, 17 + l, gpu);
        soft_counts(&k1, &c1, &g1);
        assert_same(cpu, gpu, N, M);
        akt_gpu_stats st;
        ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
        char want[80];
        snprintf(want, sizeof want,
            "persistent kernels for batches of up to %s", limits[l]);
        ck_assert_msg(strstr(st.executor, want), "%s", st.executor);
        ck_assert_uint_eq(st.device_faults, 0);
        ck_assert_uint_eq(k1 - k0, st.batches); /* each batch ran once */
        if (l == 0) {
            ck_assert_uint_eq(g1 - g0, 0); /* none launched */
            ck_assert_uint_eq(c1 - c0, 0);
        } else if (!(getenv("AKT_akt__gpu__cuda_graphs")
                       && strcmp(getenv("AKT_akt__gpu__cuda_graphs"), "off")
                           == 0)) {
            /* (launched as graphs: counted by the soft driver) a batch
             * over the limit was launched, none otherwise (how large
             * they got depends on timing); not all of them */
            ck_assert_int_eq(st.largest > 16, g1 - g0 > 0);
            ck_assert_uint_lt(g1 - g0, st.batches);
        }
        printf("persistent <= %s: %llu batches, %llu launched\n", limits[l],
            (unsigned long long)st.batches, (unsigned long long)(g1 - g0));
        akt_system_free(sys);
        free(cpu);
        free(gpu);
    }
}
END_TEST

/* A persistent kernel that never answers a request is a hung device: the
 * batch deadline fails it once, as for a launched batch */
START_TEST(a_hung_persistent_kernel_fails_by_the_deadline)
{
    setenv("AKT_akt__gpu__persistent_max_batch", "1024", 1);
    setenv("AKT_SOFT_CUDA_HANG_AT", "2", 1);
    setenv("AKT_akt__gpu__batch_timeout", "300ms", 1);
    akt_system *sys = mk_sys();
    int eio, ok;
    rounds_through_a_device_failure(sys, &eio, &ok);
    akt_system_free(sys);
}
END_TEST

/* A persistent kernel that dies (a sticky fault) is seen while its answer
 * is awaited (the resident stream's error): the device fails once */
START_TEST(a_faulting_persistent_kernel_fails_the_device_once)
{
    setenv("AKT_akt__gpu__persistent_max_batch", "1024", 1);
    setenv("AKT_SOFT_CUDA_FAULT_AT", "3", 1);
    akt_system *sys = mk_sys();
    int eio, ok;
    rounds_through_a_device_failure(sys, &eio, &ok);
    akt_system_free(sys);
}
END_TEST

/* a temporary folder (mkdtemp) and its removal */
static void
tmp_dir(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/akt-gpu-aot-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
rm_dir(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* the soft driver's kernel launches so far */
static uint64_t
soft_kernels(void)
{
    uint64_t kernels, caps, launches, outstanding;
    soft_stats(&kernels, &caps, &launches, &outstanding);
    return kernels;
}

/* A precompiled kernel (aktc --gpu-arch sm_90, the soft device's arch,
 * at "build time", with the soft NVRTC) is loaded with the driver alone:
 * NVRTC made unavailable (AKT_NVRTC_LIB pointing nowhere), the Scalers
 * still run on the (soft) device -- every batch a kernel launch -- with
 * the CPU's results, and the dispatcher says it has no NVRTC. */
START_TEST(a_precompiled_kernel_runs_without_nvrtc)
{
    char dir[64], cmd[2048];
    tmp_dir(dir, sizeof dir);
    snprintf(cmd, sizeof cmd,
        "cd %s && mkdir out && AKT_NVRTC_LIB='%s' '%s' --cuda_out out "
        "--gpu-arch sm_90 --gpu-cache k '%s'",
        dir, AKT_TEST_SOFT_NVRTC, AKT_TEST_AKTC, AKT_TEST_SCALER);
    ck_assert_int_eq(system(cmd), 0);
    char k[128];
    snprintf(k, sizeof k, "%s/k", dir);
    setenv("AKT_KERNEL_CACHE", k, 1);
    setenv("AKT_NVRTC_LIB", "/nonexistent/libnvrtc.so.13", 1);
    akt_system *sys = mk_sys();
    enum { N = 50, M = 6 };
    result *cpu = calloc(N, sizeof *cpu), *gpu = calloc(N, sizeof *gpu);
    scaler_workload(sys, AKT_PLACEMENT_CPU, N, M, 11, cpu);
    uint64_t k0 = soft_kernels();
    scaler_workload(sys, AKT_PLACEMENT_GPU, N, M, 11, gpu);
    assert_same(cpu, gpu, N, M);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_msg(strstr(st.executor, "nvrtc none"), "%s", st.executor);
    ck_assert_uint_gt(st.batches, 0);
    ck_assert_uint_eq(soft_kernels() - k0, st.batches);
    akt_system_free(sys);
    free(cpu);
    free(gpu);
    rm_dir(dir);
}
END_TEST

/* true when some file under dir (two levels: v1/xx/) holds the soft
 * driver's refused image; *ncubin counts the .cubin files */
static bool
cache_has_refused(const char *dir, int *ncubin)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s/v1/*/*.cubin 2>/dev/null | wc -l", dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fscanf(p, "%d", ncubin), 1);
    pclose(p);
    snprintf(cmd, sizeof cmd, "grep -l REFUS %s/v1/*/*.cubin 2>/dev/null", dir);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char line[512];
    bool any = fgets(line, sizeof line, p) != NULL;
    pclose(p);
    return any;
}

/* A kernel cache entry that passes the cache's checks (size, SHA-256, ELF
 * magic) but that the driver refuses to load (a CUBIN it cannot run:
 * here the soft driver's refused image, precompiled by aktc --gpu-arch)
 * is dropped and compiled again with NVRTC: the Scalers run on the
 * (soft) device with the CPU's results, and the cache then holds only the
 * image that loads */
START_TEST(a_cached_image_the_driver_refuses_is_compiled_again)
{
    char dir[64], cmd[2048];
    tmp_dir(dir, sizeof dir);
    snprintf(cmd, sizeof cmd,
        "cd %s && mkdir out && AKT_SOFT_NVRTC_REFUSED_IMAGE=1 "
        "AKT_NVRTC_LIB='%s' '%s' --cuda_out out --gpu-arch sm_90 "
        "--gpu-cache k '%s'",
        dir, AKT_TEST_SOFT_NVRTC, AKT_TEST_AKTC, AKT_TEST_SCALER);
    ck_assert_int_eq(system(cmd), 0);
    char k[128];
    snprintf(k, sizeof k, "%s/k", dir);
    int n = 0;
    ck_assert(cache_has_refused(k, &n)); /* the driver will refuse it */
    setenv("AKT_KERNEL_CACHE", k, 1);
    akt_system *sys = mk_sys();
    enum { N = 50, M = 6 };
    result *cpu = calloc(N, sizeof *cpu), *gpu = calloc(N, sizeof *gpu);
    scaler_workload(sys, AKT_PLACEMENT_CPU, N, M, 17, cpu);
    uint64_t k0 = soft_kernels();
    scaler_workload(sys, AKT_PLACEMENT_GPU, N, M, 17, gpu);
    assert_same(cpu, gpu, N, M);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_uint_gt(st.batches, 0);
    ck_assert_uint_eq(soft_kernels() - k0, st.batches); /* on the device */
    ck_assert_uint_eq(st.device_faults, 0);
    akt_system_free(sys);
    ck_assert_msg(!cache_has_refused(k, &n), "a refused image is still cached");
    ck_assert_int_ge(n, 1); /* the one that loads */
    free(cpu);
    free(gpu);
    rm_dir(dir);
}
END_TEST

/* No NVRTC and no precompiled image for the type (an empty kernel
 * cache): the device is usable, the type is not compiled -- its actors run
 * on the CPU batch loop under the GPU dispatcher, with the CPU's results,
 * and no kernel is launched */
START_TEST(without_nvrtc_or_a_precompiled_kernel_the_type_runs_on_the_cpu)
{
    char dir[64];
    tmp_dir(dir, sizeof dir);
    setenv("AKT_KERNEL_CACHE", dir, 1);
    setenv("AKT_NVRTC_LIB", "/nonexistent/libnvrtc.so.13", 1);
    akt_system *sys = mk_sys();
    enum { N = 50, M = 6 };
    result *cpu = calloc(N, sizeof *cpu), *gpu = calloc(N, sizeof *gpu);
    scaler_workload(sys, AKT_PLACEMENT_CPU, N, M, 13, cpu);
    uint64_t k0 = soft_kernels();
    scaler_workload(sys, AKT_PLACEMENT_GPU, N, M, 13, gpu);
    assert_same(cpu, gpu, N, M);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_OK);
    ck_assert_uint_gt(st.batches, 0);
    ck_assert_uint_eq(soft_kernels() - k0, 0);
    ck_assert_uint_eq(st.device_faults, 0);
    akt_system_free(sys);
    free(cpu);
    free(gpu);
    rm_dir(dir);
}
END_TEST

int
main(void)
{
    const char *dev = getenv("AKT_TEST_GPU");
    if (dev && strcmp(dev, "soft") == 0) {
        soft = true;
        executor = "cuda";
        soft_setup();
    }
    if (dev && strcmp(dev, "cuda") == 0) {
        executor = "cuda";
        setenv("AKT_GPU_LIB", AKT_TEST_GPU_LIB, 1);
        setenv("AKT_akt__gpu__executor", "cuda", 1);
        akt_system *sys;
        if (akt_system_create("probe", NULL, &sys) != AKT_OK) {
            return 1;
        }
        char why[512];
        bool ok = akt_gpu_available(sys, why, sizeof why);
        akt_system_free(sys);
        if (!ok) {
            printf("SKIP: AKT_TEST_GPU=cuda but no usable device: %s\n", why);
            return 77;
        }
    }
    Suite *s = suite_create("gpu_dispatch");
    TCase *tc = tcase_create("dispatch");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, gpu_actors_answer_exactly_as_cpu_actors);
    tcase_add_test(tc, handlers_keep_mailbox_order_within_a_batch);
    tcase_add_test(tc, batches_respect_the_actor_cap_and_the_batch_size);
    tcase_add_test(tc, resume_keeps_the_state_and_goes_on_in_order);
    tcase_add_test(tc, restart_writes_the_initial_state);
    tcase_add_test(tc, stop_ends_the_actor_and_its_slot_is_reused);
    tcase_add_test(tc, a_bounded_mailbox_applies_its_overflow_as_on_the_cpu);
    tcase_add_test(tc, escalate_reaches_the_grandparent_as_on_the_cpu);
    tcase_add_test(tc, tells_of_gpu_handlers_are_routed_as_on_the_cpu);
    if (strcmp(executor, "cpu") == 0 || soft) {
        tcase_add_test(tc, a_device_fault_fails_each_actor_once_and_they_go_on);
        tcase_add_test(tc, an_actor_resumed_after_a_device_fault_goes_on);
    }
    if (soft) {
        tcase_add_test(tc, soft_device_runs_batches_through_staging_and_graphs);
        tcase_add_test(
            tc, a_hung_batch_fails_by_its_deadline_and_the_cpu_goes_on);
        tcase_add_test(tc, a_faulting_kernel_fails_the_device_once);
        tcase_add_test(tc, a_hung_state_array_move_fails_by_the_deadline);
        tcase_add_test(tc, a_precompiled_kernel_runs_without_nvrtc);
        tcase_add_test(tc, a_cached_image_the_driver_refuses_is_compiled_again);
        tcase_add_test(tc, a_persistent_kernel_runs_small_batches_as_the_cpu);
        tcase_add_test(tc, a_hung_persistent_kernel_fails_by_the_deadline);
        tcase_add_test(tc, a_faulting_persistent_kernel_fails_the_device_once);
        tcase_add_test(
            tc, without_nvrtc_or_a_precompiled_kernel_the_type_runs_on_the_cpu);
    }
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
