/*
 * relay.akt.gpu.h -- generated from relay.akt by aktc 0.1.0 -- do not edit.
 *
 * The @gpu handlers of package gpurelay, in the subset of C11 and CUDA C++
 * that compiles the same under gcc/clang -std=c11, C++17 and NVRTC
 * (docs/gpu.md). NVRTC compiles this text as it is (the runtime holds it
 * as gpurelay_relay_gpu_module); the CPU includes it and runs the
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
#ifndef GPURELAY_RELAY_AKT_GPU_H
#define GPURELAY_RELAY_AKT_GPU_H

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

/* gpurelay.Mode: an enum field takes only these values (else AKT_GPU_ENUM) */
#ifndef GPURELAY_MODE_GPU_CHECK
#define GPURELAY_MODE_GPU_CHECK
AKT_FN int32_t
gpurelay_mode_gpu_check(int32_t v, int32_t *st)
{
    switch (v) {
    case 0:
    case 1:
    case -3:
        return v;
    default:
        *st = AKT_GPU_ENUM;
        return 0;
    }
}
#endif

/* ==== gpurelay.Sink ==== */

typedef struct gpurelay_SinkGpuState {
    int64_t hits; /* 1 */
    double sum; /* 2 */
    int32_t last; /* 3 */
    int64_t notes; /* 4 */
} gpurelay_SinkGpuState;

typedef struct gpurelay_SinkHitIn {
    int64_t n; /* 1 */
    double x; /* 2 */
    int32_t mode; /* 3 */
} gpurelay_SinkHitIn;

typedef struct gpurelay_SinkHitOut {
    uint8_t unused_;
} gpurelay_SinkHitOut;

/* gpurelay.Sink: @gpu on Hit (relay.akt:53) */
AKT_FN int32_t
gpurelay_sink_gpu_hit(gpurelay_SinkGpuState *state, const gpurelay_SinkHitIn *in,
    gpurelay_SinkHitOut *out)
{
    (void)state;
    (void)in;
    (void)out;
    int32_t st_ = 0;
    state->hits = akt_gpu_add_i64(state->hits, ((int64_t)1LL));
    state->sum = akt_gpu_canon_f64((state->sum + in->x));
    state->last = gpurelay_mode_gpu_check(in->mode, &st_);
    if (st_ != 0) {
        return st_;
    }
    return AKT_GPU_OK;
}

typedef struct gpurelay_SinkProbeIn {
    uint8_t unused_;
} gpurelay_SinkProbeIn;

typedef struct gpurelay_SinkProbeOut {
    int64_t hits; /* 1 */
    double sum; /* 2 */
    int32_t last; /* 3 */
    int64_t notes; /* 4 */
} gpurelay_SinkProbeOut;

/* gpurelay.Sink: @gpu on Probe -> Count (relay.akt:58) */
AKT_FN int32_t
gpurelay_sink_gpu_probe(gpurelay_SinkGpuState *state, const gpurelay_SinkProbeIn *in,
    gpurelay_SinkProbeOut *out)
{
    (void)state;
    (void)in;
    (void)out;
    int32_t st_ = 0;
    out->hits = state->hits;
    out->sum = akt_gpu_canon_f64(state->sum);
    out->last = gpurelay_mode_gpu_check(state->last, &st_);
    if (st_ != 0) {
        return st_;
    }
    out->notes = state->notes;
    return AKT_GPU_OK;
}

/* gpurelay_sink_gpu_actor -- the messages of actor i of the batch, in mailbox
 * order: each runs on a copy of the state that is kept only when it
 * succeeds; after a failure the actor's remaining messages are skipped
 * (the runtime puts them back at the head of its mailbox). */
AKT_FN void
gpurelay_sink_gpu_actor(const akt_gpu_args *a, uint32_t i)
{
    gpurelay_SinkGpuState *sp = (gpurelay_SinkGpuState *)a->states + a->slot[i];
    gpurelay_SinkGpuState s = *sp;
    uint32_t end = a->beg[i + 1];
    for (uint32_t j = a->beg[i]; j < end; j++) {
        gpurelay_SinkGpuState t = s;
        uint32_t r = a->row[j];
        int32_t rc;
        switch (a->hid[j]) {
        case 0: {
            gpurelay_SinkHitIn in;
            in.n = ((const int64_t *)a->in[0])[r];
            in.x = ((const double *)a->in[1])[r];
            in.mode = ((const int32_t *)a->in[2])[r];
            gpurelay_SinkHitOut out;
            out.unused_ = 0;
            rc = gpurelay_sink_gpu_hit(&t, &in, &out);
            break;
        }
        case 1: {
            gpurelay_SinkProbeIn in;
            in.unused_ = 0;
            gpurelay_SinkProbeOut out;
            out.hits = ((int64_t)0LL);
            out.sum = 0.0;
            out.last = ((int32_t)0);
            out.notes = ((int64_t)0LL);
            rc = gpurelay_sink_gpu_probe(&t, &in, &out);
            if (rc == AKT_GPU_OK) {
                ((int64_t *)a->out[0])[r] = out.hits;
                ((double *)a->out[1])[r] = out.sum;
                ((int32_t *)a->out[2])[r] = out.last;
                ((int64_t *)a->out[3])[r] = out.notes;
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
/* gpurelay_sink_gpu_kernel -- the batch kernel: one thread per actor */
extern "C" __global__ void
gpurelay_sink_gpu_kernel(const akt_gpu_args *a)
{
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < a->n_actors) {
        gpurelay_sink_gpu_actor(a, i);
    }
}

/* gpurelay_sink_gpu_kernel_persistent -- the persistent kernel: one block
 * stays on the device. Thread 0 alone polls the doorbell and fences (a
 * fence in every thread costs tens of microseconds); the block copies the
 * batch's arguments from mapped host memory to device memory
 * (gpurelay_sink_gpu_pargs) and runs its actors, a stride each; after the
 * barrier thread 0's system fence, cumulative, publishes the block's
 * results before the acknowledgement. 256 threads (the runtime's
 * AKG_PBLOCK). */
__device__ akt_gpu_args gpurelay_sink_gpu_pargs;

extern "C" __global__ void __launch_bounds__(256)
gpurelay_sink_gpu_kernel_persistent(akt_gpu_doorbell *db)
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
            ((uint64_t *)&gpurelay_sink_gpu_pargs)[k] = src[k];
        }
        __threadfence_block();
        __syncthreads();
        const akt_gpu_args *a = &gpurelay_sink_gpu_pargs;
        for (uint32_t i = threadIdx.x; i < a->n_actors; i += blockDim.x) {
            gpurelay_sink_gpu_actor(a, i);
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
/* gpurelay_sink_gpu_cpu -- the CPU batch loop: the same function, actor by
 * actor */
AKT_FN void
gpurelay_sink_gpu_cpu(const akt_gpu_args *a)
{
    for (uint32_t i = 0; i < a->n_actors; i++) {
        gpurelay_sink_gpu_actor(a, i);
    }
}
#endif

/* ==== gpurelay.Relay ==== */

typedef struct gpurelay_RelayGpuState {
    akt_gpu_ref sink; /* 1 */
    int64_t n; /* 2 */
    int32_t mode; /* 3 */
    int64_t notes; /* 4 */
} gpurelay_RelayGpuState;

typedef struct gpurelay_RelayWireIn {
    akt_gpu_ref sink; /* 1 */
    double x; /* 2 */
    int32_t mode; /* 3 */
} gpurelay_RelayWireIn;

typedef struct gpurelay_RelayWireOut {
    int64_t hits; /* 1 */
    double sum; /* 2 */
    int32_t last; /* 3 */
    int64_t notes; /* 4 */
    struct {
        uint8_t sent_;
        akt_gpu_ref to_;
        int64_t n;
        double x;
        int32_t mode;
    } tell0_; /* tell(a ref, gpurelay.Hit) */
    struct {
        uint8_t sent_;
        int32_t code;
    } tell1_; /* tell(self, gpurelay.Note) */
} gpurelay_RelayWireOut;

/* gpurelay.Relay: @gpu on Wire -> Count (relay.akt:75) */
AKT_FN int32_t
gpurelay_relay_gpu_wire(gpurelay_RelayGpuState *state, const gpurelay_RelayWireIn *in,
    gpurelay_RelayWireOut *out)
{
    (void)state;
    (void)in;
    (void)out;
    int32_t st_ = 0;
    state->sink = in->sink;
    state->n = akt_gpu_add_i64(state->n, ((int64_t)1LL));
    state->mode = gpurelay_mode_gpu_check(in->mode, &st_);
    if (st_ != 0) {
        return st_;
    }
    out->tell0_.n = state->n;
    out->tell0_.x = akt_gpu_canon_f64((in->x * 2.0));
    out->tell0_.mode = ((int32_t)1);
    out->tell0_.to_ = state->sink;
    out->tell0_.sent_ = 1;
    if (in->x < 0.0) {
        out->tell1_.code = ((int32_t)7);
        out->tell1_.sent_ = 1;
    }
    out->hits = state->n;
    out->last = gpurelay_mode_gpu_check(state->mode, &st_);
    if (st_ != 0) {
        return st_;
    }
    return AKT_GPU_OK;
}

typedef struct gpurelay_RelayNoteIn {
    int32_t code; /* 1 */
} gpurelay_RelayNoteIn;

typedef struct gpurelay_RelayNoteOut {
    uint8_t unused_;
} gpurelay_RelayNoteOut;

/* gpurelay.Relay: @gpu on Note (relay.akt:86) */
AKT_FN int32_t
gpurelay_relay_gpu_note(gpurelay_RelayGpuState *state, const gpurelay_RelayNoteIn *in,
    gpurelay_RelayNoteOut *out)
{
    (void)state;
    (void)in;
    (void)out;
    state->notes = akt_gpu_add_i64(state->notes, ((int64_t)in->code));
    if (state->mode == ((int32_t)-3)) {
        return 9;
    }
    return AKT_GPU_OK;
}

typedef struct gpurelay_RelayPingIn {
    int64_t n; /* 1 */
} gpurelay_RelayPingIn;

typedef struct gpurelay_RelayPingOut {
    struct {
        uint8_t sent_;
        int64_t n;
        double x;
        int32_t mode;
    } tell0_; /* tell(sender, gpurelay.Hit) */
} gpurelay_RelayPingOut;

/* gpurelay.Relay: @gpu on Ping (relay.akt:92) */
AKT_FN int32_t
gpurelay_relay_gpu_ping(gpurelay_RelayGpuState *state, const gpurelay_RelayPingIn *in,
    gpurelay_RelayPingOut *out)
{
    (void)state;
    (void)in;
    (void)out;
    int32_t st_ = 0;
    out->tell0_.n = in->n;
    out->tell0_.mode = gpurelay_mode_gpu_check(state->mode, &st_);
    if (st_ != 0) {
        return st_;
    }
    out->tell0_.sent_ = 1;
    return AKT_GPU_OK;
}

typedef struct gpurelay_RelayProbeIn {
    uint8_t unused_;
} gpurelay_RelayProbeIn;

typedef struct gpurelay_RelayProbeOut {
    int64_t hits; /* 1 */
    double sum; /* 2 */
    int32_t last; /* 3 */
    int64_t notes; /* 4 */
} gpurelay_RelayProbeOut;

/* gpurelay.Relay: @gpu on Probe -> Count (relay.akt:95) */
AKT_FN int32_t
gpurelay_relay_gpu_probe(gpurelay_RelayGpuState *state, const gpurelay_RelayProbeIn *in,
    gpurelay_RelayProbeOut *out)
{
    (void)state;
    (void)in;
    (void)out;
    int32_t st_ = 0;
    out->hits = state->n;
    out->last = gpurelay_mode_gpu_check(state->mode, &st_);
    if (st_ != 0) {
        return st_;
    }
    out->notes = state->notes;
    return AKT_GPU_OK;
}

/* gpurelay_relay_gpu_actor -- the messages of actor i of the batch, in mailbox
 * order: each runs on a copy of the state that is kept only when it
 * succeeds; after a failure the actor's remaining messages are skipped
 * (the runtime puts them back at the head of its mailbox). */
AKT_FN void
gpurelay_relay_gpu_actor(const akt_gpu_args *a, uint32_t i)
{
    gpurelay_RelayGpuState *sp = (gpurelay_RelayGpuState *)a->states + a->slot[i];
    gpurelay_RelayGpuState s = *sp;
    uint32_t end = a->beg[i + 1];
    for (uint32_t j = a->beg[i]; j < end; j++) {
        gpurelay_RelayGpuState t = s;
        uint32_t r = a->row[j];
        int32_t rc;
        switch (a->hid[j]) {
        case 0: {
            gpurelay_RelayWireIn in;
            in.sink = ((const akt_gpu_ref *)a->in[0])[r];
            in.x = ((const double *)a->in[1])[r];
            in.mode = ((const int32_t *)a->in[2])[r];
            gpurelay_RelayWireOut out;
            out.hits = ((int64_t)0LL);
            out.sum = 0.0;
            out.last = ((int32_t)0);
            out.notes = ((int64_t)0LL);
            out.tell0_.sent_ = 0;
            out.tell0_.to_ = akt_gpu_ref_none();
            out.tell0_.n = ((int64_t)0LL);
            out.tell0_.x = 0.0;
            out.tell0_.mode = ((int32_t)0);
            out.tell1_.sent_ = 0;
            out.tell1_.code = ((int32_t)0);
            rc = gpurelay_relay_gpu_wire(&t, &in, &out);
            if (rc == AKT_GPU_OK) {
                ((int64_t *)a->out[0])[r] = out.hits;
                ((double *)a->out[1])[r] = out.sum;
                ((int32_t *)a->out[2])[r] = out.last;
                ((int64_t *)a->out[3])[r] = out.notes;
                ((uint8_t *)a->out[4])[r] = out.tell0_.sent_;
                ((akt_gpu_ref *)a->out[5])[r] = out.tell0_.to_;
                ((int64_t *)a->out[6])[r] = out.tell0_.n;
                ((double *)a->out[7])[r] = out.tell0_.x;
                ((int32_t *)a->out[8])[r] = out.tell0_.mode;
                ((uint8_t *)a->out[9])[r] = out.tell1_.sent_;
                ((int32_t *)a->out[10])[r] = out.tell1_.code;
            }
            break;
        }
        case 1: {
            gpurelay_RelayNoteIn in;
            in.code = ((const int32_t *)a->in[3])[r];
            gpurelay_RelayNoteOut out;
            out.unused_ = 0;
            rc = gpurelay_relay_gpu_note(&t, &in, &out);
            break;
        }
        case 2: {
            gpurelay_RelayPingIn in;
            in.n = ((const int64_t *)a->in[4])[r];
            gpurelay_RelayPingOut out;
            out.tell0_.sent_ = 0;
            out.tell0_.n = ((int64_t)0LL);
            out.tell0_.x = 0.0;
            out.tell0_.mode = ((int32_t)0);
            rc = gpurelay_relay_gpu_ping(&t, &in, &out);
            if (rc == AKT_GPU_OK) {
                ((uint8_t *)a->out[11])[r] = out.tell0_.sent_;
                ((int64_t *)a->out[12])[r] = out.tell0_.n;
                ((double *)a->out[13])[r] = out.tell0_.x;
                ((int32_t *)a->out[14])[r] = out.tell0_.mode;
            }
            break;
        }
        case 3: {
            gpurelay_RelayProbeIn in;
            in.unused_ = 0;
            gpurelay_RelayProbeOut out;
            out.hits = ((int64_t)0LL);
            out.sum = 0.0;
            out.last = ((int32_t)0);
            out.notes = ((int64_t)0LL);
            rc = gpurelay_relay_gpu_probe(&t, &in, &out);
            if (rc == AKT_GPU_OK) {
                ((int64_t *)a->out[15])[r] = out.hits;
                ((double *)a->out[16])[r] = out.sum;
                ((int32_t *)a->out[17])[r] = out.last;
                ((int64_t *)a->out[18])[r] = out.notes;
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
/* gpurelay_relay_gpu_kernel -- the batch kernel: one thread per actor */
extern "C" __global__ void
gpurelay_relay_gpu_kernel(const akt_gpu_args *a)
{
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < a->n_actors) {
        gpurelay_relay_gpu_actor(a, i);
    }
}

/* gpurelay_relay_gpu_kernel_persistent -- the persistent kernel: one block
 * stays on the device. Thread 0 alone polls the doorbell and fences (a
 * fence in every thread costs tens of microseconds); the block copies the
 * batch's arguments from mapped host memory to device memory
 * (gpurelay_relay_gpu_pargs) and runs its actors, a stride each; after the
 * barrier thread 0's system fence, cumulative, publishes the block's
 * results before the acknowledgement. 256 threads (the runtime's
 * AKG_PBLOCK). */
__device__ akt_gpu_args gpurelay_relay_gpu_pargs;

extern "C" __global__ void __launch_bounds__(256)
gpurelay_relay_gpu_kernel_persistent(akt_gpu_doorbell *db)
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
            ((uint64_t *)&gpurelay_relay_gpu_pargs)[k] = src[k];
        }
        __threadfence_block();
        __syncthreads();
        const akt_gpu_args *a = &gpurelay_relay_gpu_pargs;
        for (uint32_t i = threadIdx.x; i < a->n_actors; i += blockDim.x) {
            gpurelay_relay_gpu_actor(a, i);
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
/* gpurelay_relay_gpu_cpu -- the CPU batch loop: the same function, actor by
 * actor */
AKT_FN void
gpurelay_relay_gpu_cpu(const akt_gpu_args *a)
{
    for (uint32_t i = 0; i < a->n_actors; i++) {
        gpurelay_relay_gpu_actor(a, i);
    }
}
#endif

/* ==== the host API (not part of the device code) ======================= */
#if !defined(__CUDACC__) && !defined(AKT_GPU_DEVICE_ONLY)
#include <akt/gpu.h>

#include "relay.akt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The source NVRTC compiles: this file's text. */
extern const akt_gpu_module gpurelay_relay_gpu_module;

/* gpurelay.Sink on the GPU dispatcher or the CPU (docs/gpu.md).
 * gpurelay_sink_gpu_handlers: the handler table whose @gpu entries run the
 * generated handlers (copy it to add init or other lifecycle hooks; keep
 * its on_ entries and pre_start / post_stop).
 * gpurelay_sink_gpu_props(): props for a spawn with handler table h (NULL:
 * the one above) and a placement: AKT_PLACEMENT_CPU, _GPU (the spawn
 * fails without a usable device), _AUTO or _DEFAULT (akt.gpu.placement).
 * Errors: as gpurelay_sink_props. */
extern const gpurelay_SinkHandlers gpurelay_sink_gpu_handlers;
extern const akt_gpu_actor_type gpurelay_sink_gpu_type;
akt_err gpurelay_sink_gpu_props(const gpurelay_SinkHandlers *h,
    akt_placement placement, akt_props *out);

/* gpurelay.Relay on the GPU dispatcher or the CPU (docs/gpu.md).
 * gpurelay_relay_gpu_handlers: the handler table whose @gpu entries run the
 * generated handlers (copy it to add init or other lifecycle hooks; keep
 * its on_ entries and pre_start / post_stop).
 * gpurelay_relay_gpu_props(): props for a spawn with handler table h (NULL:
 * the one above) and a placement: AKT_PLACEMENT_CPU, _GPU (the spawn
 * fails without a usable device), _AUTO or _DEFAULT (akt.gpu.placement).
 * Errors: as gpurelay_relay_props. */
extern const gpurelay_RelayHandlers gpurelay_relay_gpu_handlers;
extern const akt_gpu_actor_type gpurelay_relay_gpu_type;
akt_err gpurelay_relay_gpu_props(const gpurelay_RelayHandlers *h,
    akt_placement placement, akt_props *out);

#ifdef __cplusplus
}
#endif
#endif /* host API */

#endif /* GPURELAY_RELAY_AKT_GPU_H */
