/*
 * scaler.akt.gpu.h -- generated from scaler.akt by aktc 0.1.0 -- do not edit.
 *
 * The @gpu handlers of package gpudemo, in the subset of C11 and CUDA C++
 * that compiles the same under gcc/clang -std=c11, C++17 and NVRTC
 * (docs/gpu.md). NVRTC compiles this text as it is (the runtime holds it
 * as gpudemo_scaler_gpu_module); the CPU includes it and runs the
 * same batch loop, so both compute the same bits.
 *
 * For each actor A with @gpu handlers:
 *   pkg_AGpuState            the state as the device holds it
 *   pkg_AMsgIn / pkg_AMsgOut the message and reply of handler Msg
 *   pkg_a_gpu_msg()          the handler (0, a fail() code or AKT_GPU_*)
 *   pkg_a_gpu_actor()        one actor's messages of a batch, in order:
 *                            state committed per message on success; after
 *                            a failure the rest are AKT_GPU_SKIPPED
 *   pkg_a_gpu_kernel         the batch kernel (one thread per actor)
 *   pkg_a_gpu_cpu()          the CPU batch loop over the same function
 * and, on the host (akt/gpu.h): pkg_a_gpu_handlers, pkg_a_gpu_props(),
 * pkg_a_gpu_type.
 */
#ifndef GPUDEMO_SCALER_AKT_GPU_H
#define GPUDEMO_SCALER_AKT_GPU_H

/* ---- the akt GPU prelude (one copy per translation unit) ---------------- */
#ifndef AKT_GPU_PRELUDE_V1
#define AKT_GPU_PRELUDE_V1

#if defined(__CUDACC_RTC__)
/* NVRTC has no standard headers */
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long long int64_t;
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
/* not static: NVRTC warns about unused static functions */
#define AKT_FN __device__ __forceinline__
#elif defined(__CUDACC__)
#include <stdint.h>
#define AKT_FN __device__ __forceinline__
#else
#include <math.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif
#define AKT_FN static inline
#if defined(__FAST_MATH__)
#error "@gpu handlers need IEEE arithmetic: do not build them with -ffast-math"
#endif
#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ != 0
#error "@gpu handlers need float arithmetic in the operands' precision (SSE2, not x87)"
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif
#endif

/* status of a message (akt/gpu.h has the same numbers) */
#ifndef AKT_GPU_STATUS_V2
#define AKT_GPU_STATUS_V2
#define AKT_GPU_OK        0
#define AKT_GPU_FAIL_MAX  999  /* fail(1) .. fail(999): the handler's own */
#define AKT_GPU_DIV0      1001 /* integer division or modulo by zero */
#define AKT_GPU_LIMIT     1002 /* a loop ran past AKT_GPU_LOOP_CAP */
#define AKT_GPU_CONV      1003 /* float to integer: NaN or out of range */
#define AKT_GPU_SKIPPED   1004 /* not run: an earlier message failed */
#define AKT_GPU_BADMSG    1005 /* a handler number the type does not have */
#define AKT_GPU_ENUM      1007 /* a value that is none of its enum's */
#define AKT_GPU_LOOP_CAP  1048576u
#define AKT_GPU_MAX_COLS  64
#endif

/* akt_gpu_args -- one batch of one actor type: actor i owns messages
 * [beg[i], beg[i + 1]); message j is handler hid[j]'s row row[j] of its
 * columns. The runtime fills it (in device memory for the GPU). */
#ifndef AKT_GPU_ARGS_V1
#define AKT_GPU_ARGS_V1
typedef struct akt_gpu_args {
    uint32_t n_actors;
    uint32_t n_msgs;
    const uint32_t *slot; /* [n_actors]: the actor's state in states */
    const uint32_t *beg; /* [n_actors + 1] */
    const uint8_t *hid; /* [n_msgs] */
    const uint32_t *row; /* [n_msgs] */
    void *states;
    int32_t *rc; /* [n_msgs]: the status of each message */
    const void *in[AKT_GPU_MAX_COLS]; /* message fields, one array each */
    void *out[AKT_GPU_MAX_COLS]; /* reply fields */
} akt_gpu_args;
#endif

/* akt_gpu_doorbell -- the persistent kernel's mailbox
 * (akt.gpu.persistent-max-batch), in mapped pinned host memory: the host
 * writes args (the device address of a batch's akt_gpu_args), then seq;
 * the kernel runs the batch and writes ack = seq. A new seq with stop set
 * ends the kernel (it acknowledges, then returns). */
#ifndef AKT_GPU_DOORBELL_V1
#define AKT_GPU_DOORBELL_V1
typedef struct akt_gpu_doorbell {
    uint32_t seq;
    uint32_t stop;
    uint64_t args;
    uint32_t ack;
    uint32_t pad_;
} akt_gpu_doorbell;
#endif

/* akt_gpu_ref -- a ref<A> as the device holds it: the runtime's akt_ref,
 * opaque; a handler copies it or tells it a message */
#ifndef AKT_GPU_REF_V1
#define AKT_GPU_REF_V1
typedef struct akt_gpu_ref {
    uint64_t cell;
    uint64_t uid;
} akt_gpu_ref;
#endif
AKT_FN akt_gpu_ref akt_gpu_ref_none(void)
{
    akt_gpu_ref r;
    r.cell = 0;
    r.uid = 0;
    return r;
}

/* Integers wrap (two's complement), computed on unsigned types so that no
 * operation is undefined in C; division checks its divisor. */
#define AKT_GPU_INT_OPS(S, T, W)                                               \
    AKT_FN T akt_gpu_add_##S(T a, T b) { return (T)(W)((W)a + (W)b); }        \
    AKT_FN T akt_gpu_sub_##S(T a, T b) { return (T)(W)((W)a - (W)b); }        \
    AKT_FN T akt_gpu_mul_##S(T a, T b) { return (T)(W)((W)a * (W)b); }        \
    AKT_FN T akt_gpu_neg_##S(T a) { return (T)(W)((W)0 - (W)a); }             \
    AKT_FN T akt_gpu_bnot_##S(T a) { return (T)(W)~(W)a; }                    \
    AKT_FN T akt_gpu_shl_##S(T a, uint32_t n)                                 \
    {                                                                          \
        return (T)(W)((W)a << (n & (uint32_t)(sizeof(T) * 8 - 1)));           \
    }                                                                          \
    AKT_FN T akt_gpu_shr_##S(T a, uint32_t n)                                 \
    {                                                                          \
        return (T)(a >> (n & (uint32_t)(sizeof(T) * 8 - 1)));                 \
    }
/* signed: MIN / -1 wraps to MIN, MIN % -1 is 0 */
#define AKT_GPU_SDIV(S, T, MIN)                                                \
    AKT_FN T akt_gpu_div_##S(T a, T b, int32_t *st)                           \
    {                                                                          \
        if (b == 0) {                                                          \
            *st = AKT_GPU_DIV0;                                                \
            return 0;                                                          \
        }                                                                      \
        return (a == (MIN) && b == -1) ? a : (T)(a / b);                       \
    }                                                                          \
    AKT_FN T akt_gpu_mod_##S(T a, T b, int32_t *st)                           \
    {                                                                          \
        if (b == 0) {                                                          \
            *st = AKT_GPU_DIV0;                                                \
            return 0;                                                          \
        }                                                                      \
        return b == -1 ? (T)0 : (T)(a % b);                                    \
    }
#define AKT_GPU_UDIV(S, T)                                                     \
    AKT_FN T akt_gpu_div_##S(T a, T b, int32_t *st)                           \
    {                                                                          \
        if (b == 0) {                                                          \
            *st = AKT_GPU_DIV0;                                                \
            return 0;                                                          \
        }                                                                      \
        return (T)(a / b);                                                     \
    }                                                                          \
    AKT_FN T akt_gpu_mod_##S(T a, T b, int32_t *st)                           \
    {                                                                          \
        if (b == 0) {                                                          \
            *st = AKT_GPU_DIV0;                                                \
            return 0;                                                          \
        }                                                                      \
        return (T)(a % b);                                                     \
    }
AKT_GPU_INT_OPS(i8, int8_t, uint32_t)
AKT_GPU_INT_OPS(i16, int16_t, uint32_t)
AKT_GPU_INT_OPS(i32, int32_t, uint32_t)
AKT_GPU_INT_OPS(i64, int64_t, uint64_t)
AKT_GPU_INT_OPS(u8, uint8_t, uint32_t)
AKT_GPU_INT_OPS(u16, uint16_t, uint32_t)
AKT_GPU_INT_OPS(u32, uint32_t, uint32_t)
AKT_GPU_INT_OPS(u64, uint64_t, uint64_t)
AKT_GPU_SDIV(i8, int8_t, (int8_t)-128)
AKT_GPU_SDIV(i16, int16_t, (int16_t)-32768)
AKT_GPU_SDIV(i32, int32_t, (int32_t)(-2147483647 - 1))
AKT_GPU_SDIV(i64, int64_t, (-9223372036854775807LL - 1))
AKT_GPU_UDIV(u8, uint8_t)
AKT_GPU_UDIV(u16, uint16_t)
AKT_GPU_UDIV(u32, uint32_t)
AKT_GPU_UDIV(u64, uint64_t)

/* Float to integer: truncates; NaN or a value outside the type fails the
 * message (C leaves it undefined, the GPU saturates). */
#define AKT_GPU_CONV_TO(F, FT, S, T, LO, HI)                                   \
    AKT_FN T akt_gpu_conv_##F##_##S(FT x, int32_t *st)                        \
    {                                                                          \
        if (!((double)x > (LO) && (double)x < (HI))) {                         \
            *st = AKT_GPU_CONV;                                                \
            return 0;                                                          \
        }                                                                      \
        return (T)x;                                                           \
    }
#define AKT_GPU_CONV_FROM(F, FT)                                               \
    AKT_GPU_CONV_TO(F, FT, i8, int8_t, -129.0, 128.0)                          \
    AKT_GPU_CONV_TO(F, FT, i16, int16_t, -32769.0, 32768.0)                    \
    AKT_GPU_CONV_TO(F, FT, i32, int32_t, -2147483649.0, 2147483648.0)          \
    AKT_GPU_CONV_TO(F, FT, i64, int64_t, -9223372036854777856.0,              \
        9223372036854775808.0)                                                 \
    AKT_GPU_CONV_TO(F, FT, u8, uint8_t, -1.0, 256.0)                           \
    AKT_GPU_CONV_TO(F, FT, u16, uint16_t, -1.0, 65536.0)                       \
    AKT_GPU_CONV_TO(F, FT, u32, uint32_t, -1.0, 4294967296.0)                  \
    AKT_GPU_CONV_TO(F, FT, u64, uint64_t, -1.0, 18446744073709551616.0)
AKT_GPU_CONV_FROM(f32, float)
AKT_GPU_CONV_FROM(f64, double)

/* One quiet NaN: a NaN stored into a state or reply field becomes this
 * one, since the CPU and the GPU make NaNs with different bits. */
#if defined(__CUDACC__)
AKT_FN float akt_gpu_qnan_f32(void) { return __int_as_float(0x7fc00000); }
AKT_FN double akt_gpu_qnan_f64(void)
{
    return __longlong_as_double(0x7ff8000000000000LL);
}
#else
AKT_FN float akt_gpu_qnan_f32(void)
{
    union {
        uint32_t u;
        float f;
    } v;
    v.u = 0x7fc00000u;
    return v.f;
}
AKT_FN double akt_gpu_qnan_f64(void)
{
    union {
        uint64_t u;
        double f;
    } v;
    v.u = 0x7ff8000000000000ULL;
    return v.f;
}
#endif
AKT_FN float akt_gpu_canon_f32(float x) { return x != x ? akt_gpu_qnan_f32() : x; }
AKT_FN double akt_gpu_canon_f64(double x) { return x != x ? akt_gpu_qnan_f64() : x; }

/* fmin / fmax with one answer for every input on both sides: NaN loses,
 * -0 is below +0 */
#define AKT_GPU_MINMAX(S, T)                                                   \
    AKT_FN T akt_gpu_fmin_##S(T a, T b)                                        \
    {                                                                          \
        if (a != a) {                                                          \
            return b;                                                          \
        }                                                                      \
        if (b != b || a < b) {                                                 \
            return a;                                                          \
        }                                                                      \
        if (b < a) {                                                           \
            return b;                                                          \
        }                                                                      \
        return (a == 0 && (T)1 / a < 0) ? a : b;                               \
    }                                                                          \
    AKT_FN T akt_gpu_fmax_##S(T a, T b)                                        \
    {                                                                          \
        if (a != a) {                                                          \
            return b;                                                          \
        }                                                                      \
        if (b != b || a > b) {                                                 \
            return a;                                                          \
        }                                                                      \
        if (b > a) {                                                           \
            return b;                                                          \
        }                                                                      \
        return (a == 0 && (T)1 / a > 0) ? a : b;                               \
    }
AKT_GPU_MINMAX(f32, float)
AKT_GPU_MINMAX(f64, double)

#endif /* AKT_GPU_PRELUDE_V1 */

/* ==== gpudemo.Scaler ==== */

typedef struct gpudemo_ScalerGpuState {
    float total; /* 1 */
    int64_t count; /* 2 */
} gpudemo_ScalerGpuState;

typedef struct gpudemo_ScalerSampleIn {
    float value; /* 1 */
    float factor; /* 2 */
    int32_t halvings; /* 3 */
} gpudemo_ScalerSampleIn;

typedef struct gpudemo_ScalerSampleOut {
    float value; /* 1 */
    int64_t count; /* 2 */
} gpudemo_ScalerSampleOut;

/* gpudemo.Scaler: @gpu on Sample -> Scaled (scaler.akt:33) */
AKT_FN int32_t
gpudemo_scaler_gpu_sample(gpudemo_ScalerGpuState *state, const gpudemo_ScalerSampleIn *in,
    gpudemo_ScalerSampleOut *out)
{
    (void)state;
    (void)in;
    (void)out;
    if (in->halvings < ((int32_t)0)) {
        return 3;
    }
    float l_v = (in->value * in->factor);
    {
        int32_t l_i = ((int32_t)0);
        uint32_t n1_ = 0;
        for (;; l_i = akt_gpu_add_i32(l_i, ((int32_t)1))) {
            bool c_ = (l_i < in->halvings);
            if (!c_) {
                break;
            }
            if (++n1_ > AKT_GPU_LOOP_CAP) {
                return AKT_GPU_LIMIT;
            }
            l_v = (l_v * 0.5f);
            if (fabsf(l_v) < 0.00100000005f) {
                break;
            }
        }
    }
    state->total = akt_gpu_canon_f32((state->total + l_v));
    state->count = akt_gpu_add_i64(state->count, ((int64_t)1LL));
    out->value = akt_gpu_canon_f32(sqrtf(akt_gpu_fmax_f32(l_v, 0.0f)));
    out->count = state->count;
    return AKT_GPU_OK;
}

typedef struct gpudemo_ScalerProbeIn {
    uint8_t unused_;
} gpudemo_ScalerProbeIn;

typedef struct gpudemo_ScalerProbeOut {
    float total; /* 1 */
    int64_t count; /* 2 */
} gpudemo_ScalerProbeOut;

/* gpudemo.Scaler: @gpu on Probe -> Total (scaler.akt:49) */
AKT_FN int32_t
gpudemo_scaler_gpu_probe(gpudemo_ScalerGpuState *state, const gpudemo_ScalerProbeIn *in,
    gpudemo_ScalerProbeOut *out)
{
    (void)state;
    (void)in;
    (void)out;
    out->total = akt_gpu_canon_f32(state->total);
    out->count = state->count;
    return AKT_GPU_OK;
}

/* gpudemo_scaler_gpu_actor -- the messages of actor i of the batch, in mailbox
 * order: each runs on a copy of the state that is kept only when it
 * succeeds; after a failure the actor's remaining messages are skipped
 * (the runtime puts them back at the head of its mailbox). */
AKT_FN void
gpudemo_scaler_gpu_actor(const akt_gpu_args *a, uint32_t i)
{
    gpudemo_ScalerGpuState *sp = (gpudemo_ScalerGpuState *)a->states + a->slot[i];
    gpudemo_ScalerGpuState s = *sp;
    uint32_t end = a->beg[i + 1];
    for (uint32_t j = a->beg[i]; j < end; j++) {
        gpudemo_ScalerGpuState t = s;
        uint32_t r = a->row[j];
        int32_t rc;
        switch (a->hid[j]) {
        case 0: {
            gpudemo_ScalerSampleIn in;
            in.value = ((const float *)a->in[0])[r];
            in.factor = ((const float *)a->in[1])[r];
            in.halvings = ((const int32_t *)a->in[2])[r];
            gpudemo_ScalerSampleOut out;
            out.value = 0.0f;
            out.count = ((int64_t)-1LL);
            rc = gpudemo_scaler_gpu_sample(&t, &in, &out);
            if (rc == AKT_GPU_OK) {
                ((float *)a->out[0])[r] = out.value;
                ((int64_t *)a->out[1])[r] = out.count;
            }
            break;
        }
        case 1: {
            gpudemo_ScalerProbeIn in;
            in.unused_ = 0;
            gpudemo_ScalerProbeOut out;
            out.total = 0.0f;
            out.count = ((int64_t)0LL);
            rc = gpudemo_scaler_gpu_probe(&t, &in, &out);
            if (rc == AKT_GPU_OK) {
                ((float *)a->out[2])[r] = out.total;
                ((int64_t *)a->out[3])[r] = out.count;
            }
            break;
        }
        default:
            rc = AKT_GPU_BADMSG;
            break;
        }
        a->rc[j] = rc;
        if (rc != AKT_GPU_OK) {
            for (j++; j < end; j++) {
                a->rc[j] = AKT_GPU_SKIPPED;
            }
            break;
        }
        s = t;
    }
    *sp = s;
}

#if defined(__CUDACC__)
/* gpudemo_scaler_gpu_kernel -- the batch kernel: one thread per actor */
extern "C" __global__ void
gpudemo_scaler_gpu_kernel(const akt_gpu_args *a)
{
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < a->n_actors) {
        gpudemo_scaler_gpu_actor(a, i);
    }
}

/* gpudemo_scaler_gpu_kernel_persistent -- the persistent kernel: one block
 * stays on the device. Thread 0 alone polls the doorbell and fences (a
 * fence in every thread costs tens of microseconds); the block copies the
 * batch's arguments from mapped host memory to device memory
 * (gpudemo_scaler_gpu_pargs) and runs its actors, a stride each; after the
 * barrier thread 0's system fence, cumulative, publishes the block's
 * results before the acknowledgement. 256 threads (the runtime's
 * AKG_PBLOCK). */
__device__ akt_gpu_args gpudemo_scaler_gpu_pargs;

extern "C" __global__ void __launch_bounds__(256)
gpudemo_scaler_gpu_kernel_persistent(akt_gpu_doorbell *db)
{
    __shared__ uint32_t seq, stop;
    __shared__ uint64_t args;
    volatile akt_gpu_doorbell *v = db;
    for (uint32_t seen = 0;;) {
        if (threadIdx.x == 0) {
            uint32_t s;
            while ((s = v->seq) == seen) {
            }
            __threadfence_system();
            seq = s;
            stop = v->stop;
            args = v->args;
        }
        __syncthreads();
        seen = seq;
        if (stop != 0) {
            break;
        }
        const volatile uint64_t *src = (const volatile uint64_t *)args;
        for (uint32_t k = threadIdx.x; k < sizeof(akt_gpu_args) / 8;
             k += blockDim.x) {
            ((uint64_t *)&gpudemo_scaler_gpu_pargs)[k] = src[k];
        }
        __threadfence_block();
        __syncthreads();
        const akt_gpu_args *a = &gpudemo_scaler_gpu_pargs;
        for (uint32_t i = threadIdx.x; i < a->n_actors; i += blockDim.x) {
            gpudemo_scaler_gpu_actor(a, i);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            __threadfence_system();
            v->ack = seen;
            __threadfence_system();
        }
    }
    if (threadIdx.x == 0) {
        __threadfence_system();
        v->ack = seq;
        __threadfence_system();
    }
}
#else
/* gpudemo_scaler_gpu_cpu -- the CPU batch loop: the same function, actor by
 * actor */
AKT_FN void
gpudemo_scaler_gpu_cpu(const akt_gpu_args *a)
{
    for (uint32_t i = 0; i < a->n_actors; i++) {
        gpudemo_scaler_gpu_actor(a, i);
    }
}
#endif

/* ==== the host API (not part of the device code) ======================= */
#if !defined(__CUDACC__) && !defined(AKT_GPU_DEVICE_ONLY)
#include <akt/gpu.h>

#include "scaler.akt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The source NVRTC compiles: this file's text. */
extern const akt_gpu_module gpudemo_scaler_gpu_module;

/* gpudemo.Scaler on the GPU dispatcher or the CPU (docs/gpu.md).
 * gpudemo_scaler_gpu_handlers: the handler table whose @gpu entries run the
 * generated handlers (copy it to add init or other lifecycle hooks; keep
 * its on_ entries and pre_start / post_stop).
 * gpudemo_scaler_gpu_props(): props for a spawn with handler table h (NULL:
 * the one above) and a placement: AKT_PLACEMENT_CPU, _GPU (the spawn
 * fails without a usable device), _AUTO or _DEFAULT (akt.gpu.placement).
 * Errors: as gpudemo_scaler_props. */
extern const gpudemo_ScalerHandlers gpudemo_scaler_gpu_handlers;
extern const akt_gpu_actor_type gpudemo_scaler_gpu_type;
akt_err gpudemo_scaler_gpu_props(const gpudemo_ScalerHandlers *h,
    akt_placement placement, akt_props *out);

#ifdef __cplusplus
}
#endif
#endif /* host API */

#endif /* GPUDEMO_SCALER_AKT_GPU_H */
