/*
 * scaler.akt.gpu.c -- generated from scaler.akt by aktc 0.1.0 -- do not edit.
 *
 * The host side of the @gpu handlers in scaler.akt.gpu.h: the handler
 * table entries that run them on the CPU or stage them for the GPU
 * dispatcher, the packing of messages into batch columns, and the
 * descriptors the dispatcher reads (akt/gpu.h). Build it with
 * -ffp-contract=off (akt_generate does).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "scaler.akt.gpu.h"

/* NVRTC's input: the text of scaler.akt.gpu.h, line by line */
static const char *const gpudemo_scaler_gpu_lines[] = {
    "/*\n",
    " * scaler.akt.gpu.h -- generated from scaler.akt by aktc 0.1.0 -- do not edit.\n",
    " *\n",
    " * The @gpu handlers of package gpudemo, in the subset of C11 and CUDA C++\n",
    " * that compiles the same under gcc/clang -std=c11, C++17 and NVRTC\n",
    " * (docs/gpu.md). NVRTC compiles this text as it is (the runtime holds it\n",
    " * as gpudemo_scaler_gpu_module); the CPU includes it and runs the\n",
    " * same batch loop, so both compute the same bits.\n",
    " *\n",
    " * For each actor A with @gpu handlers:\n",
    " *   pkg_AGpuState            the state as the device holds it\n",
    " *   pkg_AMsgIn / pkg_AMsgOut the message and reply of handler Msg\n",
    " *   pkg_a_gpu_msg()          the handler (0, a fail() code or AKT_GPU_*)\n",
    " *   pkg_a_gpu_actor()        one actor's messages of a batch, in order:\n",
    " *                            state committed per message on success; after\n",
    " *                            a failure the rest are AKT_GPU_SKIPPED\n",
    " *   pkg_a_gpu_kernel         the batch kernel (one thread per actor)\n",
    " *   pkg_a_gpu_cpu()          the CPU batch loop over the same function\n",
    " * and, on the host (akt/gpu.h): pkg_a_gpu_handlers, pkg_a_gpu_props(),\n",
    " * pkg_a_gpu_type.\n",
    " */\n",
    "#ifndef GPUDEMO_SCALER_AKT_GPU_H\n",
    "#define GPUDEMO_SCALER_AKT_GPU_H\n",
    "\n",
    "/* ---- the akt GPU prelude (one copy per translation unit) ---------------- */\n",
    "#ifndef AKT_GPU_PRELUDE_V1\n",
    "#define AKT_GPU_PRELUDE_V1\n",
    "\n",
    "#if defined(__CUDACC_RTC__)\n",
    "/* NVRTC has no standard headers */\n",
    "typedef signed char int8_t;\n",
    "typedef short int16_t;\n",
    "typedef int int32_t;\n",
    "typedef long long int64_t;\n",
    "typedef unsigned char uint8_t;\n",
    "typedef unsigned short uint16_t;\n",
    "typedef unsigned int uint32_t;\n",
    "typedef unsigned long long uint64_t;\n",
    "/* not static: NVRTC warns about unused static functions */\n",
    "#define AKT_FN __device__ __forceinline__\n",
    "#elif defined(__CUDACC__)\n",
    "#include <stdint.h>\n",
    "#define AKT_FN __device__ __forceinline__\n",
    "#else\n",
    "#include <math.h>\n",
    "#include <stdint.h>\n",
    "#ifndef __cplusplus\n",
    "#include <stdbool.h>\n",
    "#endif\n",
    "#define AKT_FN static inline\n",
    "#if defined(__FAST_MATH__)\n",
    "#error \"@gpu handlers need IEEE arithmetic: do not build them with -ffast-math\"\n",
    "#endif\n",
    "#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ != 0\n",
    "#error \"@gpu handlers need float arithmetic in the operands' precision (SSE2, not x87)\"\n",
    "#endif\n",
    "#if defined(__clang__)\n",
    "#pragma STDC FP_CONTRACT OFF\n",
    "#endif\n",
    "#endif\n",
    "\n",
    "/* status of a message (akt/gpu.h has the same numbers) */\n",
    "#ifndef AKT_GPU_STATUS_V2\n",
    "#define AKT_GPU_STATUS_V2\n",
    "#define AKT_GPU_OK        0\n",
    "#define AKT_GPU_FAIL_MAX  999  /* fail(1) .. fail(999): the handler's own */\n",
    "#define AKT_GPU_DIV0      1001 /* integer division or modulo by zero */\n",
    "#define AKT_GPU_LIMIT     1002 /* a loop ran past AKT_GPU_LOOP_CAP */\n",
    "#define AKT_GPU_CONV      1003 /* float to integer: NaN or out of range */\n",
    "#define AKT_GPU_SKIPPED   1004 /* not run: an earlier message failed */\n",
    "#define AKT_GPU_BADMSG    1005 /* a handler number the type does not have */\n",
    "#define AKT_GPU_ENUM      1007 /* a value that is none of its enum's */\n",
    "#define AKT_GPU_LOOP_CAP  1048576u\n",
    "#define AKT_GPU_MAX_COLS  64\n",
    "#endif\n",
    "\n",
    "/* akt_gpu_args -- one batch of one actor type: actor i owns messages\n",
    " * [beg[i], beg[i + 1]); message j is handler hid[j]'s row row[j] of its\n",
    " * columns. The runtime fills it (in device memory for the GPU). */\n",
    "#ifndef AKT_GPU_ARGS_V1\n",
    "#define AKT_GPU_ARGS_V1\n",
    "typedef struct akt_gpu_args {\n",
    "    uint32_t n_actors;\n",
    "    uint32_t n_msgs;\n",
    "    const uint32_t *slot; /* [n_actors]: the actor's state in states */\n",
    "    const uint32_t *beg; /* [n_actors + 1] */\n",
    "    const uint8_t *hid; /* [n_msgs] */\n",
    "    const uint32_t *row; /* [n_msgs] */\n",
    "    void *states;\n",
    "    int32_t *rc; /* [n_msgs]: the status of each message */\n",
    "    const void *in[AKT_GPU_MAX_COLS]; /* message fields, one array each */\n",
    "    void *out[AKT_GPU_MAX_COLS]; /* reply fields */\n",
    "} akt_gpu_args;\n",
    "#endif\n",
    "\n",
    "/* akt_gpu_doorbell -- the persistent kernel's mailbox\n",
    " * (akt.gpu.persistent-max-batch), in mapped pinned host memory: the host\n",
    " * writes args (the device address of a batch's akt_gpu_args), then seq;\n",
    " * the kernel runs the batch and writes ack = seq. A new seq with stop set\n",
    " * ends the kernel (it acknowledges, then returns). */\n",
    "#ifndef AKT_GPU_DOORBELL_V1\n",
    "#define AKT_GPU_DOORBELL_V1\n",
    "typedef struct akt_gpu_doorbell {\n",
    "    uint32_t seq;\n",
    "    uint32_t stop;\n",
    "    uint64_t args;\n",
    "    uint32_t ack;\n",
    "    uint32_t pad_;\n",
    "} akt_gpu_doorbell;\n",
    "#endif\n",
    "\n",
    "/* akt_gpu_ref -- a ref<A> as the device holds it: the runtime's akt_ref,\n",
    " * opaque; a handler copies it or tells it a message */\n",
    "#ifndef AKT_GPU_REF_V1\n",
    "#define AKT_GPU_REF_V1\n",
    "typedef struct akt_gpu_ref {\n",
    "    uint64_t cell;\n",
    "    uint64_t uid;\n",
    "} akt_gpu_ref;\n",
    "#endif\n",
    "AKT_FN akt_gpu_ref akt_gpu_ref_none(void)\n",
    "{\n",
    "    akt_gpu_ref r;\n",
    "    r.cell = 0;\n",
    "    r.uid = 0;\n",
    "    return r;\n",
    "}\n",
    "\n",
    "/* Integers wrap (two's complement), computed on unsigned types so that no\n",
    " * operation is undefined in C; division checks its divisor. */\n",
    "#define AKT_GPU_INT_OPS(S, T, W)                                               \\\n",
    "    AKT_FN T akt_gpu_add_##S(T a, T b) { return (T)(W)((W)a + (W)b); }        \\\n",
    "    AKT_FN T akt_gpu_sub_##S(T a, T b) { return (T)(W)((W)a - (W)b); }        \\\n",
    "    AKT_FN T akt_gpu_mul_##S(T a, T b) { return (T)(W)((W)a * (W)b); }        \\\n",
    "    AKT_FN T akt_gpu_neg_##S(T a) { return (T)(W)((W)0 - (W)a); }             \\\n",
    "    AKT_FN T akt_gpu_bnot_##S(T a) { return (T)(W)~(W)a; }                    \\\n",
    "    AKT_FN T akt_gpu_shl_##S(T a, uint32_t n)                                 \\\n",
    "    {                                                                          \\\n",
    "        return (T)(W)((W)a << (n & (uint32_t)(sizeof(T) * 8 - 1)));           \\\n",
    "    }                                                                          \\\n",
    "    AKT_FN T akt_gpu_shr_##S(T a, uint32_t n)                                 \\\n",
    "    {                                                                          \\\n",
    "        return (T)(a >> (n & (uint32_t)(sizeof(T) * 8 - 1)));                 \\\n",
    "    }\n",
    "/* signed: MIN / -1 wraps to MIN, MIN % -1 is 0 */\n",
    "#define AKT_GPU_SDIV(S, T, MIN)                                                \\\n",
    "    AKT_FN T akt_gpu_div_##S(T a, T b, int32_t *st)                           \\\n",
    "    {                                                                          \\\n",
    "        if (b == 0) {                                                          \\\n",
    "            *st = AKT_GPU_DIV0;                                                \\\n",
    "            return 0;                                                          \\\n",
    "        }                                                                      \\\n",
    "        return (a == (MIN) && b == -1) ? a : (T)(a / b);                       \\\n",
    "    }                                                                          \\\n",
    "    AKT_FN T akt_gpu_mod_##S(T a, T b, int32_t *st)                           \\\n",
    "    {                                                                          \\\n",
    "        if (b == 0) {                                                          \\\n",
    "            *st = AKT_GPU_DIV0;                                                \\\n",
    "            return 0;                                                          \\\n",
    "        }                                                                      \\\n",
    "        return b == -1 ? (T)0 : (T)(a % b);                                    \\\n",
    "    }\n",
    "#define AKT_GPU_UDIV(S, T)                                                     \\\n",
    "    AKT_FN T akt_gpu_div_##S(T a, T b, int32_t *st)                           \\\n",
    "    {                                                                          \\\n",
    "        if (b == 0) {                                                          \\\n",
    "            *st = AKT_GPU_DIV0;                                                \\\n",
    "            return 0;                                                          \\\n",
    "        }                                                                      \\\n",
    "        return (T)(a / b);                                                     \\\n",
    "    }                                                                          \\\n",
    "    AKT_FN T akt_gpu_mod_##S(T a, T b, int32_t *st)                           \\\n",
    "    {                                                                          \\\n",
    "        if (b == 0) {                                                          \\\n",
    "            *st = AKT_GPU_DIV0;                                                \\\n",
    "            return 0;                                                          \\\n",
    "        }                                                                      \\\n",
    "        return (T)(a % b);                                                     \\\n",
    "    }\n",
    "AKT_GPU_INT_OPS(i8, int8_t, uint32_t)\n",
    "AKT_GPU_INT_OPS(i16, int16_t, uint32_t)\n",
    "AKT_GPU_INT_OPS(i32, int32_t, uint32_t)\n",
    "AKT_GPU_INT_OPS(i64, int64_t, uint64_t)\n",
    "AKT_GPU_INT_OPS(u8, uint8_t, uint32_t)\n",
    "AKT_GPU_INT_OPS(u16, uint16_t, uint32_t)\n",
    "AKT_GPU_INT_OPS(u32, uint32_t, uint32_t)\n",
    "AKT_GPU_INT_OPS(u64, uint64_t, uint64_t)\n",
    "AKT_GPU_SDIV(i8, int8_t, (int8_t)-128)\n",
    "AKT_GPU_SDIV(i16, int16_t, (int16_t)-32768)\n",
    "AKT_GPU_SDIV(i32, int32_t, (int32_t)(-2147483647 - 1))\n",
    "AKT_GPU_SDIV(i64, int64_t, (-9223372036854775807LL - 1))\n",
    "AKT_GPU_UDIV(u8, uint8_t)\n",
    "AKT_GPU_UDIV(u16, uint16_t)\n",
    "AKT_GPU_UDIV(u32, uint32_t)\n",
    "AKT_GPU_UDIV(u64, uint64_t)\n",
    "\n",
    "/* Float to integer: truncates; NaN or a value outside the type fails the\n",
    " * message (C leaves it undefined, the GPU saturates). */\n",
    "#define AKT_GPU_CONV_TO(F, FT, S, T, LO, HI)                                   \\\n",
    "    AKT_FN T akt_gpu_conv_##F##_##S(FT x, int32_t *st)                        \\\n",
    "    {                                                                          \\\n",
    "        if (!((double)x > (LO) && (double)x < (HI))) {                         \\\n",
    "            *st = AKT_GPU_CONV;                                                \\\n",
    "            return 0;                                                          \\\n",
    "        }                                                                      \\\n",
    "        return (T)x;                                                           \\\n",
    "    }\n",
    "#define AKT_GPU_CONV_FROM(F, FT)                                               \\\n",
    "    AKT_GPU_CONV_TO(F, FT, i8, int8_t, -129.0, 128.0)                          \\\n",
    "    AKT_GPU_CONV_TO(F, FT, i16, int16_t, -32769.0, 32768.0)                    \\\n",
    "    AKT_GPU_CONV_TO(F, FT, i32, int32_t, -2147483649.0, 2147483648.0)          \\\n",
    "    AKT_GPU_CONV_TO(F, FT, i64, int64_t, -9223372036854777856.0,              \\\n",
    "        9223372036854775808.0)                                                 \\\n",
    "    AKT_GPU_CONV_TO(F, FT, u8, uint8_t, -1.0, 256.0)                           \\\n",
    "    AKT_GPU_CONV_TO(F, FT, u16, uint16_t, -1.0, 65536.0)                       \\\n",
    "    AKT_GPU_CONV_TO(F, FT, u32, uint32_t, -1.0, 4294967296.0)                  \\\n",
    "    AKT_GPU_CONV_TO(F, FT, u64, uint64_t, -1.0, 18446744073709551616.0)\n",
    "AKT_GPU_CONV_FROM(f32, float)\n",
    "AKT_GPU_CONV_FROM(f64, double)\n",
    "\n",
    "/* One quiet NaN: a NaN stored into a state or reply field becomes this\n",
    " * one, since the CPU and the GPU make NaNs with different bits. */\n",
    "#if defined(__CUDACC__)\n",
    "AKT_FN float akt_gpu_qnan_f32(void) { return __int_as_float(0x7fc00000); }\n",
    "AKT_FN double akt_gpu_qnan_f64(void)\n",
    "{\n",
    "    return __longlong_as_double(0x7ff8000000000000LL);\n",
    "}\n",
    "#else\n",
    "AKT_FN float akt_gpu_qnan_f32(void)\n",
    "{\n",
    "    union {\n",
    "        uint32_t u;\n",
    "        float f;\n",
    "    } v;\n",
    "    v.u = 0x7fc00000u;\n",
    "    return v.f;\n",
    "}\n",
    "AKT_FN double akt_gpu_qnan_f64(void)\n",
    "{\n",
    "    union {\n",
    "        uint64_t u;\n",
    "        double f;\n",
    "    } v;\n",
    "    v.u = 0x7ff8000000000000ULL;\n",
    "    return v.f;\n",
    "}\n",
    "#endif\n",
    "AKT_FN float akt_gpu_canon_f32(float x) { return x != x ? akt_gpu_qnan_f32() : x; }\n",
    "AKT_FN double akt_gpu_canon_f64(double x) { return x != x ? akt_gpu_qnan_f64() : x; }\n",
    "\n",
    "/* fmin / fmax with one answer for every input on both sides: NaN loses,\n",
    " * -0 is below +0 */\n",
    "#define AKT_GPU_MINMAX(S, T)                                                   \\\n",
    "    AKT_FN T akt_gpu_fmin_##S(T a, T b)                                        \\\n",
    "    {                                                                          \\\n",
    "        if (a != a) {                                                          \\\n",
    "            return b;                                                          \\\n",
    "        }                                                                      \\\n",
    "        if (b != b || a < b) {                                                 \\\n",
    "            return a;                                                          \\\n",
    "        }                                                                      \\\n",
    "        if (b < a) {                                                           \\\n",
    "            return b;                                                          \\\n",
    "        }                                                                      \\\n",
    "        return (a == 0 && (T)1 / a < 0) ? a : b;                               \\\n",
    "    }                                                                          \\\n",
    "    AKT_FN T akt_gpu_fmax_##S(T a, T b)                                        \\\n",
    "    {                                                                          \\\n",
    "        if (a != a) {                                                          \\\n",
    "            return b;                                                          \\\n",
    "        }                                                                      \\\n",
    "        if (b != b || a > b) {                                                 \\\n",
    "            return a;                                                          \\\n",
    "        }                                                                      \\\n",
    "        if (b > a) {                                                           \\\n",
    "            return b;                                                          \\\n",
    "        }                                                                      \\\n",
    "        return (a == 0 && (T)1 / a > 0) ? a : b;                               \\\n",
    "    }\n",
    "AKT_GPU_MINMAX(f32, float)\n",
    "AKT_GPU_MINMAX(f64, double)\n",
    "\n",
    "#endif /* AKT_GPU_PRELUDE_V1 */\n",
    "\n",
    "/* ==== gpudemo.Scaler ==== */\n",
    "\n",
    "typedef struct gpudemo_ScalerGpuState {\n",
    "    float total; /* 1 */\n",
    "    int64_t count; /* 2 */\n",
    "} gpudemo_ScalerGpuState;\n",
    "\n",
    "typedef struct gpudemo_ScalerSampleIn {\n",
    "    float value; /* 1 */\n",
    "    float factor; /* 2 */\n",
    "    int32_t halvings; /* 3 */\n",
    "} gpudemo_ScalerSampleIn;\n",
    "\n",
    "typedef struct gpudemo_ScalerSampleOut {\n",
    "    float value; /* 1 */\n",
    "    int64_t count; /* 2 */\n",
    "} gpudemo_ScalerSampleOut;\n",
    "\n",
    "/* gpudemo.Scaler: @gpu on Sample -> Scaled (scaler.akt:33) */\n",
    "AKT_FN int32_t\n",
    "gpudemo_scaler_gpu_sample(gpudemo_ScalerGpuState *state, const gpudemo_ScalerSampleIn *in,\n",
    "    gpudemo_ScalerSampleOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    if (in->halvings < ((int32_t)0)) {\n",
    "        return 3;\n",
    "    }\n",
    "    float l_v = (in->value * in->factor);\n",
    "    {\n",
    "        int32_t l_i = ((int32_t)0);\n",
    "        uint32_t n1_ = 0;\n",
    "        for (;; l_i = akt_gpu_add_i32(l_i, ((int32_t)1))) {\n",
    "            bool c_ = (l_i < in->halvings);\n",
    "            if (!c_) {\n",
    "                break;\n",
    "            }\n",
    "            if (++n1_ > AKT_GPU_LOOP_CAP) {\n",
    "                return AKT_GPU_LIMIT;\n",
    "            }\n",
    "            l_v = (l_v * 0.5f);\n",
    "            if (fabsf(l_v) < 0.00100000005f) {\n",
    "                break;\n",
    "            }\n",
    "        }\n",
    "    }\n",
    "    state->total = akt_gpu_canon_f32((state->total + l_v));\n",
    "    state->count = akt_gpu_add_i64(state->count, ((int64_t)1LL));\n",
    "    out->value = akt_gpu_canon_f32(sqrtf(akt_gpu_fmax_f32(l_v, 0.0f)));\n",
    "    out->count = state->count;\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "typedef struct gpudemo_ScalerProbeIn {\n",
    "    uint8_t unused_;\n",
    "} gpudemo_ScalerProbeIn;\n",
    "\n",
    "typedef struct gpudemo_ScalerProbeOut {\n",
    "    float total; /* 1 */\n",
    "    int64_t count; /* 2 */\n",
    "} gpudemo_ScalerProbeOut;\n",
    "\n",
    "/* gpudemo.Scaler: @gpu on Probe -> Total (scaler.akt:49) */\n",
    "AKT_FN int32_t\n",
    "gpudemo_scaler_gpu_probe(gpudemo_ScalerGpuState *state, const gpudemo_ScalerProbeIn *in,\n",
    "    gpudemo_ScalerProbeOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    out->total = akt_gpu_canon_f32(state->total);\n",
    "    out->count = state->count;\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "/* gpudemo_scaler_gpu_actor -- the messages of actor i of the batch, in mailbox\n",
    " * order: each runs on a copy of the state that is kept only when it\n",
    " * succeeds; after a failure the actor's remaining messages are skipped\n",
    " * (the runtime puts them back at the head of its mailbox). */\n",
    "AKT_FN void\n",
    "gpudemo_scaler_gpu_actor(const akt_gpu_args *a, uint32_t i)\n",
    "{\n",
    "    gpudemo_ScalerGpuState *sp = (gpudemo_ScalerGpuState *)a->states + a->slot[i];\n",
    "    gpudemo_ScalerGpuState s = *sp;\n",
    "    uint32_t end = a->beg[i + 1];\n",
    "    for (uint32_t j = a->beg[i]; j < end; j++) {\n",
    "        gpudemo_ScalerGpuState t = s;\n",
    "        uint32_t r = a->row[j];\n",
    "        int32_t rc;\n",
    "        switch (a->hid[j]) {\n",
    "        case 0: {\n",
    "            gpudemo_ScalerSampleIn in;\n",
    "            in.value = ((const float *)a->in[0])[r];\n",
    "            in.factor = ((const float *)a->in[1])[r];\n",
    "            in.halvings = ((const int32_t *)a->in[2])[r];\n",
    "            gpudemo_ScalerSampleOut out;\n",
    "            out.value = 0.0f;\n",
    "            out.count = ((int64_t)-1LL);\n",
    "            rc = gpudemo_scaler_gpu_sample(&t, &in, &out);\n",
    "            if (rc == AKT_GPU_OK) {\n",
    "                ((float *)a->out[0])[r] = out.value;\n",
    "                ((int64_t *)a->out[1])[r] = out.count;\n",
    "            }\n",
    "            break;\n",
    "        }\n",
    "        case 1: {\n",
    "            gpudemo_ScalerProbeIn in;\n",
    "            in.unused_ = 0;\n",
    "            gpudemo_ScalerProbeOut out;\n",
    "            out.total = 0.0f;\n",
    "            out.count = ((int64_t)0LL);\n",
    "            rc = gpudemo_scaler_gpu_probe(&t, &in, &out);\n",
    "            if (rc == AKT_GPU_OK) {\n",
    "                ((float *)a->out[2])[r] = out.total;\n",
    "                ((int64_t *)a->out[3])[r] = out.count;\n",
    "            }\n",
    "            break;\n",
    "        }\n",
    "        default:\n",
    "            rc = AKT_GPU_BADMSG;\n",
    "            break;\n",
    "        }\n",
    "        a->rc[j] = rc;\n",
    "        if (rc != AKT_GPU_OK) {\n",
    "            for (j++; j < end; j++) {\n",
    "                a->rc[j] = AKT_GPU_SKIPPED;\n",
    "            }\n",
    "            break;\n",
    "        }\n",
    "        s = t;\n",
    "    }\n",
    "    *sp = s;\n",
    "}\n",
    "\n",
    "#if defined(__CUDACC__)\n",
    "/* gpudemo_scaler_gpu_kernel -- the batch kernel: one thread per actor */\n",
    "extern \"C\" __global__ void\n",
    "gpudemo_scaler_gpu_kernel(const akt_gpu_args *a)\n",
    "{\n",
    "    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;\n",
    "    if (i < a->n_actors) {\n",
    "        gpudemo_scaler_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "\n",
    "/* gpudemo_scaler_gpu_kernel_persistent -- the persistent kernel: one block\n",
    " * stays on the device. Thread 0 alone polls the doorbell and fences (a\n",
    " * fence in every thread costs tens of microseconds); the block copies the\n",
    " * batch's arguments from mapped host memory to device memory\n",
    " * (gpudemo_scaler_gpu_pargs) and runs its actors, a stride each; after the\n",
    " * barrier thread 0's system fence, cumulative, publishes the block's\n",
    " * results before the acknowledgement. 256 threads (the runtime's\n",
    " * AKG_PBLOCK). */\n",
    "__device__ akt_gpu_args gpudemo_scaler_gpu_pargs;\n",
    "\n",
    "extern \"C\" __global__ void __launch_bounds__(256)\n",
    "gpudemo_scaler_gpu_kernel_persistent(akt_gpu_doorbell *db)\n",
    "{\n",
    "    __shared__ uint32_t seq, stop;\n",
    "    __shared__ uint64_t args;\n",
    "    volatile akt_gpu_doorbell *v = db;\n",
    "    for (uint32_t seen = 0;;) {\n",
    "        if (threadIdx.x == 0) {\n",
    "            uint32_t s;\n",
    "            while ((s = v->seq) == seen) {\n",
    "            }\n",
    "            __threadfence_system();\n",
    "            seq = s;\n",
    "            stop = v->stop;\n",
    "            args = v->args;\n",
    "        }\n",
    "        __syncthreads();\n",
    "        seen = seq;\n",
    "        if (stop != 0) {\n",
    "            break;\n",
    "        }\n",
    "        const volatile uint64_t *src = (const volatile uint64_t *)args;\n",
    "        for (uint32_t k = threadIdx.x; k < sizeof(akt_gpu_args) / 8;\n",
    "             k += blockDim.x) {\n",
    "            ((uint64_t *)&gpudemo_scaler_gpu_pargs)[k] = src[k];\n",
    "        }\n",
    "        __threadfence_block();\n",
    "        __syncthreads();\n",
    "        const akt_gpu_args *a = &gpudemo_scaler_gpu_pargs;\n",
    "        for (uint32_t i = threadIdx.x; i < a->n_actors; i += blockDim.x) {\n",
    "            gpudemo_scaler_gpu_actor(a, i);\n",
    "        }\n",
    "        __syncthreads();\n",
    "        if (threadIdx.x == 0) {\n",
    "            __threadfence_system();\n",
    "            v->ack = seen;\n",
    "            __threadfence_system();\n",
    "        }\n",
    "    }\n",
    "    if (threadIdx.x == 0) {\n",
    "        __threadfence_system();\n",
    "        v->ack = seq;\n",
    "        __threadfence_system();\n",
    "    }\n",
    "}\n",
    "#else\n",
    "/* gpudemo_scaler_gpu_cpu -- the CPU batch loop: the same function, actor by\n",
    " * actor */\n",
    "AKT_FN void\n",
    "gpudemo_scaler_gpu_cpu(const akt_gpu_args *a)\n",
    "{\n",
    "    for (uint32_t i = 0; i < a->n_actors; i++) {\n",
    "        gpudemo_scaler_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "#endif\n",
    "\n",
    "/* ==== the host API (not part of the device code) ======================= */\n",
    "#if !defined(__CUDACC__) && !defined(AKT_GPU_DEVICE_ONLY)\n",
    "#include <akt/gpu.h>\n",
    "\n",
    "#include \"scaler.akt.h\"\n",
    "\n",
    "#ifdef __cplusplus\n",
    "extern \"C\" {\n",
    "#endif\n",
    "\n",
    "/* The source NVRTC compiles: this file's text. */\n",
    "extern const akt_gpu_module gpudemo_scaler_gpu_module;\n",
    "\n",
    "/* gpudemo.Scaler on the GPU dispatcher or the CPU (docs/gpu.md).\n",
    " * gpudemo_scaler_gpu_handlers: the handler table whose @gpu entries run the\n",
    " * generated handlers (copy it to add init or other lifecycle hooks; keep\n",
    " * its on_ entries and pre_start / post_stop).\n",
    " * gpudemo_scaler_gpu_props(): props for a spawn with handler table h (NULL:\n",
    " * the one above) and a placement: AKT_PLACEMENT_CPU, _GPU (the spawn\n",
    " * fails without a usable device), _AUTO or _DEFAULT (akt.gpu.placement).\n",
    " * Errors: as gpudemo_scaler_props. */\n",
    "extern const gpudemo_ScalerHandlers gpudemo_scaler_gpu_handlers;\n",
    "extern const akt_gpu_actor_type gpudemo_scaler_gpu_type;\n",
    "akt_err gpudemo_scaler_gpu_props(const gpudemo_ScalerHandlers *h,\n",
    "    akt_placement placement, akt_props *out);\n",
    "\n",
    "#ifdef __cplusplus\n",
    "}\n",
    "#endif\n",
    "#endif /* host API */\n",
    "\n",
    "#endif /* GPUDEMO_SCALER_AKT_GPU_H */\n",
};

const akt_gpu_module gpudemo_scaler_gpu_module = {
    .abi = AKT_GPU_ABI,
    .name = "scaler.akt",
    .lines = gpudemo_scaler_gpu_lines,
    .nlines = sizeof gpudemo_scaler_gpu_lines
        / sizeof gpudemo_scaler_gpu_lines[0],
};

/* ==== gpudemo.Scaler ==== */

static void
gpudemo_scaler_gpu_to_device(const void *cell_state, void *gpu_state)
{
    const gpudemo_ScalerState *c = (const gpudemo_ScalerState *)cell_state;
    gpudemo_ScalerGpuState *g = (gpudemo_ScalerGpuState *)gpu_state;
    g->total = c->total;
    g->count = c->count;
}

static void
gpudemo_scaler_gpu_from_device(const void *gpu_state, void *cell_state)
{
    const gpudemo_ScalerGpuState *g = (const gpudemo_ScalerGpuState *)gpu_state;
    gpudemo_ScalerState *c = (gpudemo_ScalerState *)cell_state;
    c->total = g->total;
    c->count = g->count;
}

/* --- Sample --- */

static void
gpudemo_scaler_gpu_sample_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpudemo_Sample *m = (const gpudemo_Sample *)msg;
    ((float *)cols[0])[r] = m->value;
    ((float *)cols[1])[r] = m->factor;
    ((int32_t *)cols[2])[r] = m->halvings;
}

static void
gpudemo_scaler_gpu_sample_reply(void *msg, const void *const *cols, uint32_t r)
{
    gpudemo_Scaled *m = (gpudemo_Scaled *)msg;
    m->value = ((const float *)cols[0])[r];
    m->count = ((const int64_t *)cols[1])[r];
}

/* gpudemo_scaler_gpu_on_sample -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpudemo_scaler_gpu_on_sample(gpudemo_ScalerState *state, akt_ctx *ctx,
    const gpudemo_Sample *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpudemo_scaler_gpu_type, 0, msg);
    }
    gpudemo_ScalerGpuState t;
    gpudemo_scaler_gpu_to_device(state, &t);
    gpudemo_ScalerSampleIn in;
    in.value = msg->value;
    in.factor = msg->factor;
    in.halvings = msg->halvings;
    gpudemo_ScalerSampleOut out;
    out.value = 0.0f;
    out.count = ((int64_t)-1LL);
    int32_t rc = gpudemo_scaler_gpu_sample(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpudemo_scaler_gpu_type, 0, rc);
    }
    gpudemo_Scaled *reply = gpudemo_scaled_alloc(0);
    if (reply == NULL) {
        return AKT_ENOMEM;
    }
    reply->value = out.value;
    reply->count = out.count;
    gpudemo_scaler_gpu_from_device(&t, state);
    /* a reply nobody can take is dropped, as a batch's would be */
    if (akt_reply(ctx, reply) != AKT_OK) {
        akt_msg_free(reply);
    }
    return AKT_OK;
}

/* --- Probe --- */

static void
gpudemo_scaler_gpu_probe_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpudemo_Probe *m = (const gpudemo_Probe *)msg;
    (void)m;
    (void)cols;
    (void)r;
}

static void
gpudemo_scaler_gpu_probe_reply(void *msg, const void *const *cols, uint32_t r)
{
    gpudemo_Total *m = (gpudemo_Total *)msg;
    m->total = ((const float *)cols[0])[r];
    m->count = ((const int64_t *)cols[1])[r];
}

/* gpudemo_scaler_gpu_on_probe -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpudemo_scaler_gpu_on_probe(gpudemo_ScalerState *state, akt_ctx *ctx,
    const gpudemo_Probe *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpudemo_scaler_gpu_type, 1, msg);
    }
    gpudemo_ScalerGpuState t;
    gpudemo_scaler_gpu_to_device(state, &t);
    gpudemo_ScalerProbeIn in;
    in.unused_ = 0;
    (void)msg;
    gpudemo_ScalerProbeOut out;
    out.total = 0.0f;
    out.count = ((int64_t)0LL);
    int32_t rc = gpudemo_scaler_gpu_probe(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpudemo_scaler_gpu_type, 1, rc);
    }
    gpudemo_Total *reply = gpudemo_total_alloc(0);
    if (reply == NULL) {
        return AKT_ENOMEM;
    }
    reply->total = out.total;
    reply->count = out.count;
    gpudemo_scaler_gpu_from_device(&t, state);
    /* a reply nobody can take is dropped, as a batch's would be */
    if (akt_reply(ctx, reply) != AKT_OK) {
        akt_msg_free(reply);
    }
    return AKT_OK;
}

static akt_err
gpudemo_scaler_gpu_pre_start(gpudemo_ScalerState *state, akt_ctx *ctx)
{
    return akt_gpu_actor_start(ctx, &gpudemo_scaler_gpu_type, state);
}

static void
gpudemo_scaler_gpu_post_stop(gpudemo_ScalerState *state, akt_ctx *ctx)
{
    (void)state;
    akt_gpu_actor_stop(ctx);
}

const gpudemo_ScalerHandlers gpudemo_scaler_gpu_handlers = {
    .on_sample = gpudemo_scaler_gpu_on_sample,
    .on_probe = gpudemo_scaler_gpu_on_probe,
    .pre_start = gpudemo_scaler_gpu_pre_start,
    .post_stop = gpudemo_scaler_gpu_post_stop,
};

static const akt_gpu_handler gpudemo_scaler_gpu_handler_table[] = {
    {.msg = &gpudemo_sample_desc, .reply = &gpudemo_scaled_desc, .name = "gpudemo.Sample",
        .in_base = 0, .nin = 3, .out_base = 0, .nout = 2,
        .pack = gpudemo_scaler_gpu_sample_pack, .reply_fill = gpudemo_scaler_gpu_sample_reply},
    {.msg = &gpudemo_probe_desc, .reply = &gpudemo_total_desc, .name = "gpudemo.Probe",
        .in_base = 3, .nin = 0, .out_base = 2, .nout = 2,
        .pack = gpudemo_scaler_gpu_probe_pack, .reply_fill = gpudemo_scaler_gpu_probe_reply},
};

static const uint8_t gpudemo_scaler_gpu_in_sizes[] = {4, 4, 4};
static const uint8_t gpudemo_scaler_gpu_out_sizes[] = {4, 8, 4, 8};

const akt_gpu_actor_type gpudemo_scaler_gpu_type = {
    .abi = AKT_GPU_ABI,
    .name = "gpudemo.Scaler",
    .module = &gpudemo_scaler_gpu_module,
    .kernel = "gpudemo_scaler_gpu_kernel",
    .cpu = gpudemo_scaler_gpu_cpu,
    .state_size = sizeof(gpudemo_ScalerGpuState),
    .state_align = _Alignof(gpudemo_ScalerGpuState),
    .to_device = gpudemo_scaler_gpu_to_device,
    .from_device = gpudemo_scaler_gpu_from_device,
    .nin = 3,
    .in_sizes = gpudemo_scaler_gpu_in_sizes,
    .nout = 4,
    .out_sizes = gpudemo_scaler_gpu_out_sizes,
    .nhandlers = 2,
    .handlers = gpudemo_scaler_gpu_handler_table,
};

akt_err
gpudemo_scaler_gpu_props(const gpudemo_ScalerHandlers *h, akt_placement placement,
    akt_props *out)
{
    akt_err err = gpudemo_scaler_props(h != NULL ? h : &gpudemo_scaler_gpu_handlers, out);
    if (err == AKT_OK) {
        err = akt_gpu_place(out, &gpudemo_scaler_gpu_type, placement);
    }
    return err;
}

