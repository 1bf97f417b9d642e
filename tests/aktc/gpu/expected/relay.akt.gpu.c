/*
 * relay.akt.gpu.c -- generated from relay.akt by aktc 0.1.0 -- do not edit.
 *
 * The host side of the @gpu handlers in relay.akt.gpu.h: the handler
 * table entries that run them on the CPU or stage them for the GPU
 * dispatcher, the packing of messages into batch columns, and the
 * descriptors the dispatcher reads (akt/gpu.h). Build it with
 * -ffp-contract=off (akt_generate does).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "relay.akt.gpu.h"

/* NVRTC's input: the text of relay.akt.gpu.h, line by line */
static const char *const gpurelay_relay_gpu_lines[] = {
    "/*\n",
    " * relay.akt.gpu.h -- generated from relay.akt by aktc 0.1.0 -- do not edit.\n",
    " *\n",
    " * The @gpu handlers of package gpurelay, in the subset of C11 and CUDA C++\n",
    " * that compiles the same under gcc/clang -std=c11, C++17 and NVRTC\n",
    " * (docs/gpu.md). NVRTC compiles this text as it is (the runtime holds it\n",
    " * as gpurelay_relay_gpu_module); the CPU includes it and runs the\n",
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
    "#ifndef GPURELAY_RELAY_AKT_GPU_H\n",
    "#define GPURELAY_RELAY_AKT_GPU_H\n",
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
    "/* gpurelay.Mode: an enum field takes only these values (else AKT_GPU_ENUM) */\n",
    "#ifndef GPURELAY_MODE_GPU_CHECK\n",
    "#define GPURELAY_MODE_GPU_CHECK\n",
    "AKT_FN int32_t\n",
    "gpurelay_mode_gpu_check(int32_t v, int32_t *st)\n",
    "{\n",
    "    switch (v) {\n",
    "    case 0:\n",
    "    case 1:\n",
    "    case -3:\n",
    "        return v;\n",
    "    default:\n",
    "        *st = AKT_GPU_ENUM;\n",
    "        return 0;\n",
    "    }\n",
    "}\n",
    "#endif\n",
    "\n",
    "/* ==== gpurelay.Sink ==== */\n",
    "\n",
    "typedef struct gpurelay_SinkGpuState {\n",
    "    int64_t hits; /* 1 */\n",
    "    double sum; /* 2 */\n",
    "    int32_t last; /* 3 */\n",
    "    int64_t notes; /* 4 */\n",
    "} gpurelay_SinkGpuState;\n",
    "\n",
    "typedef struct gpurelay_SinkHitIn {\n",
    "    int64_t n; /* 1 */\n",
    "    double x; /* 2 */\n",
    "    int32_t mode; /* 3 */\n",
    "} gpurelay_SinkHitIn;\n",
    "\n",
    "typedef struct gpurelay_SinkHitOut {\n",
    "    uint8_t unused_;\n",
    "} gpurelay_SinkHitOut;\n",
    "\n",
    "/* gpurelay.Sink: @gpu on Hit (relay.akt:53) */\n",
    "AKT_FN int32_t\n",
    "gpurelay_sink_gpu_hit(gpurelay_SinkGpuState *state, const gpurelay_SinkHitIn *in,\n",
    "    gpurelay_SinkHitOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    int32_t st_ = 0;\n",
    "    state->hits = akt_gpu_add_i64(state->hits, ((int64_t)1LL));\n",
    "    state->sum = akt_gpu_canon_f64((state->sum + in->x));\n",
    "    state->last = gpurelay_mode_gpu_check(in->mode, &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "typedef struct gpurelay_SinkProbeIn {\n",
    "    uint8_t unused_;\n",
    "} gpurelay_SinkProbeIn;\n",
    "\n",
    "typedef struct gpurelay_SinkProbeOut {\n",
    "    int64_t hits; /* 1 */\n",
    "    double sum; /* 2 */\n",
    "    int32_t last; /* 3 */\n",
    "    int64_t notes; /* 4 */\n",
    "} gpurelay_SinkProbeOut;\n",
    "\n",
    "/* gpurelay.Sink: @gpu on Probe -> Count (relay.akt:58) */\n",
    "AKT_FN int32_t\n",
    "gpurelay_sink_gpu_probe(gpurelay_SinkGpuState *state, const gpurelay_SinkProbeIn *in,\n",
    "    gpurelay_SinkProbeOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    int32_t st_ = 0;\n",
    "    out->hits = state->hits;\n",
    "    out->sum = akt_gpu_canon_f64(state->sum);\n",
    "    out->last = gpurelay_mode_gpu_check(state->last, &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    out->notes = state->notes;\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "/* gpurelay_sink_gpu_actor -- the messages of actor i of the batch, in mailbox\n",
    " * order: each runs on a copy of the state that is kept only when it\n",
    " * succeeds; after a failure the actor's remaining messages are skipped\n",
    " * (the runtime puts them back at the head of its mailbox). */\n",
    "AKT_FN void\n",
    "gpurelay_sink_gpu_actor(const akt_gpu_args *a, uint32_t i)\n",
    "{\n",
    "    gpurelay_SinkGpuState *sp = (gpurelay_SinkGpuState *)a->states + a->slot[i];\n",
    "    gpurelay_SinkGpuState s = *sp;\n",
    "    uint32_t end = a->beg[i + 1];\n",
    "    for (uint32_t j = a->beg[i]; j < end; j++) {\n",
    "        gpurelay_SinkGpuState t = s;\n",
    "        uint32_t r = a->row[j];\n",
    "        int32_t rc;\n",
    "        switch (a->hid[j]) {\n",
    "        case 0: {\n",
    "            gpurelay_SinkHitIn in;\n",
    "            in.n = ((const int64_t *)a->in[0])[r];\n",
    "            in.x = ((const double *)a->in[1])[r];\n",
    "            in.mode = ((const int32_t *)a->in[2])[r];\n",
    "            gpurelay_SinkHitOut out;\n",
    "            out.unused_ = 0;\n",
    "            rc = gpurelay_sink_gpu_hit(&t, &in, &out);\n",
    "            break;\n",
    "        }\n",
    "        case 1: {\n",
    "            gpurelay_SinkProbeIn in;\n",
    "            in.unused_ = 0;\n",
    "            gpurelay_SinkProbeOut out;\n",
    "            out.hits = ((int64_t)0LL);\n",
    "            out.sum = 0.0;\n",
    "            out.last = ((int32_t)0);\n",
    "            out.notes = ((int64_t)0LL);\n",
    "            rc = gpurelay_sink_gpu_probe(&t, &in, &out);\n",
    "            if (rc == AKT_GPU_OK) {\n",
    "                ((int64_t *)a->out[0])[r] = out.hits;\n",
    "                ((double *)a->out[1])[r] = out.sum;\n",
    "                ((int32_t *)a->out[2])[r] = out.last;\n",
    "                ((int64_t *)a->out[3])[r] = out.notes;\n",
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
    "/* gpurelay_sink_gpu_kernel -- the batch kernel: one thread per actor */\n",
    "extern \"C\" __global__ void\n",
    "gpurelay_sink_gpu_kernel(const akt_gpu_args *a)\n",
    "{\n",
    "    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;\n",
    "    if (i < a->n_actors) {\n",
    "        gpurelay_sink_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "\n",
    "/* gpurelay_sink_gpu_kernel_persistent -- the persistent kernel: one block\n",
    " * stays on the device. Thread 0 alone polls the doorbell and fences (a\n",
    " * fence in every thread costs tens of microseconds); the block copies the\n",
    " * batch's arguments from mapped host memory to device memory\n",
    " * (gpurelay_sink_gpu_pargs) and runs its actors, a stride each; after the\n",
    " * barrier thread 0's system fence, cumulative, publishes the block's\n",
    " * results before the acknowledgement. 256 threads (the runtime's\n",
    " * AKG_PBLOCK). */\n",
    "__device__ akt_gpu_args gpurelay_sink_gpu_pargs;\n",
    "\n",
    "extern \"C\" __global__ void __launch_bounds__(256)\n",
    "gpurelay_sink_gpu_kernel_persistent(akt_gpu_doorbell *db)\n",
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
    "            ((uint64_t *)&gpurelay_sink_gpu_pargs)[k] = src[k];\n",
    "        }\n",
    "        __threadfence_block();\n",
    "        __syncthreads();\n",
    "        const akt_gpu_args *a = &gpurelay_sink_gpu_pargs;\n",
    "        for (uint32_t i = threadIdx.x; i < a->n_actors; i += blockDim.x) {\n",
    "            gpurelay_sink_gpu_actor(a, i);\n",
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
    "/* gpurelay_sink_gpu_cpu -- the CPU batch loop: the same function, actor by\n",
    " * actor */\n",
    "AKT_FN void\n",
    "gpurelay_sink_gpu_cpu(const akt_gpu_args *a)\n",
    "{\n",
    "    for (uint32_t i = 0; i < a->n_actors; i++) {\n",
    "        gpurelay_sink_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "#endif\n",
    "\n",
    "/* ==== gpurelay.Relay ==== */\n",
    "\n",
    "typedef struct gpurelay_RelayGpuState {\n",
    "    akt_gpu_ref sink; /* 1 */\n",
    "    int64_t n; /* 2 */\n",
    "    int32_t mode; /* 3 */\n",
    "    int64_t notes; /* 4 */\n",
    "} gpurelay_RelayGpuState;\n",
    "\n",
    "typedef struct gpurelay_RelayWireIn {\n",
    "    akt_gpu_ref sink; /* 1 */\n",
    "    double x; /* 2 */\n",
    "    int32_t mode; /* 3 */\n",
    "} gpurelay_RelayWireIn;\n",
    "\n",
    "typedef struct gpurelay_RelayWireOut {\n",
    "    int64_t hits; /* 1 */\n",
    "    double sum; /* 2 */\n",
    "    int32_t last; /* 3 */\n",
    "    int64_t notes; /* 4 */\n",
    "    struct {\n",
    "        uint8_t sent_;\n",
    "        akt_gpu_ref to_;\n",
    "        int64_t n;\n",
    "        double x;\n",
    "        int32_t mode;\n",
    "    } tell0_; /* tell(a ref, gpurelay.Hit) */\n",
    "    struct {\n",
    "        uint8_t sent_;\n",
    "        int32_t code;\n",
    "    } tell1_; /* tell(self, gpurelay.Note) */\n",
    "} gpurelay_RelayWireOut;\n",
    "\n",
    "/* gpurelay.Relay: @gpu on Wire -> Count (relay.akt:75) */\n",
    "AKT_FN int32_t\n",
    "gpurelay_relay_gpu_wire(gpurelay_RelayGpuState *state, const gpurelay_RelayWireIn *in,\n",
    "    gpurelay_RelayWireOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    int32_t st_ = 0;\n",
    "    state->sink = in->sink;\n",
    "    state->n = akt_gpu_add_i64(state->n, ((int64_t)1LL));\n",
    "    state->mode = gpurelay_mode_gpu_check(in->mode, &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    out->tell0_.n = state->n;\n",
    "    out->tell0_.x = akt_gpu_canon_f64((in->x * 2.0));\n",
    "    out->tell0_.mode = ((int32_t)1);\n",
    "    out->tell0_.to_ = state->sink;\n",
    "    out->tell0_.sent_ = 1;\n",
    "    if (in->x < 0.0) {\n",
    "        out->tell1_.code = ((int32_t)7);\n",
    "        out->tell1_.sent_ = 1;\n",
    "    }\n",
    "    out->hits = state->n;\n",
    "    out->last = gpurelay_mode_gpu_check(state->mode, &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "typedef struct gpurelay_RelayNoteIn {\n",
    "    int32_t code; /* 1 */\n",
    "} gpurelay_RelayNoteIn;\n",
    "\n",
    "typedef struct gpurelay_RelayNoteOut {\n",
    "    uint8_t unused_;\n",
    "} gpurelay_RelayNoteOut;\n",
    "\n",
    "/* gpurelay.Relay: @gpu on Note (relay.akt:86) */\n",
    "AKT_FN int32_t\n",
    "gpurelay_relay_gpu_note(gpurelay_RelayGpuState *state, const gpurelay_RelayNoteIn *in,\n",
    "    gpurelay_RelayNoteOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    state->notes = akt_gpu_add_i64(state->notes, ((int64_t)in->code));\n",
    "    if (state->mode == ((int32_t)-3)) {\n",
    "        return 9;\n",
    "    }\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "typedef struct gpurelay_RelayPingIn {\n",
    "    int64_t n; /* 1 */\n",
    "} gpurelay_RelayPingIn;\n",
    "\n",
    "typedef struct gpurelay_RelayPingOut {\n",
    "    struct {\n",
    "        uint8_t sent_;\n",
    "        int64_t n;\n",
    "        double x;\n",
    "        int32_t mode;\n",
    "    } tell0_; /* tell(sender, gpurelay.Hit) */\n",
    "} gpurelay_RelayPingOut;\n",
    "\n",
    "/* gpurelay.Relay: @gpu on Ping (relay.akt:92) */\n",
    "AKT_FN int32_t\n",
    "gpurelay_relay_gpu_ping(gpurelay_RelayGpuState *state, const gpurelay_RelayPingIn *in,\n",
    "    gpurelay_RelayPingOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    int32_t st_ = 0;\n",
    "    out->tell0_.n = in->n;\n",
    "    out->tell0_.mode = gpurelay_mode_gpu_check(state->mode, &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    out->tell0_.sent_ = 1;\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "typedef struct gpurelay_RelayProbeIn {\n",
    "    uint8_t unused_;\n",
    "} gpurelay_RelayProbeIn;\n",
    "\n",
    "typedef struct gpurelay_RelayProbeOut {\n",
    "    int64_t hits; /* 1 */\n",
    "    double sum; /* 2 */\n",
    "    int32_t last; /* 3 */\n",
    "    int64_t notes; /* 4 */\n",
    "} gpurelay_RelayProbeOut;\n",
    "\n",
    "/* gpurelay.Relay: @gpu on Probe -> Count (relay.akt:95) */\n",
    "AKT_FN int32_t\n",
    "gpurelay_relay_gpu_probe(gpurelay_RelayGpuState *state, const gpurelay_RelayProbeIn *in,\n",
    "    gpurelay_RelayProbeOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    int32_t st_ = 0;\n",
    "    out->hits = state->n;\n",
    "    out->last = gpurelay_mode_gpu_check(state->mode, &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    out->notes = state->notes;\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "/* gpurelay_relay_gpu_actor -- the messages of actor i of the batch, in mailbox\n",
    " * order: each runs on a copy of the state that is kept only when it\n",
    " * succeeds; after a failure the actor's remaining messages are skipped\n",
    " * (the runtime puts them back at the head of its mailbox). */\n",
    "AKT_FN void\n",
    "gpurelay_relay_gpu_actor(const akt_gpu_args *a, uint32_t i)\n",
    "{\n",
    "    gpurelay_RelayGpuState *sp = (gpurelay_RelayGpuState *)a->states + a->slot[i];\n",
    "    gpurelay_RelayGpuState s = *sp;\n",
    "    uint32_t end = a->beg[i + 1];\n",
    "    for (uint32_t j = a->beg[i]; j < end; j++) {\n",
    "        gpurelay_RelayGpuState t = s;\n",
    "        uint32_t r = a->row[j];\n",
    "        int32_t rc;\n",
    "        switch (a->hid[j]) {\n",
    "        case 0: {\n",
    "            gpurelay_RelayWireIn in;\n",
    "            in.sink = ((const akt_gpu_ref *)a->in[0])[r];\n",
    "            in.x = ((const double *)a->in[1])[r];\n",
    "            in.mode = ((const int32_t *)a->in[2])[r];\n",
    "            gpurelay_RelayWireOut out;\n",
    "            out.hits = ((int64_t)0LL);\n",
    "            out.sum = 0.0;\n",
    "            out.last = ((int32_t)0);\n",
    "            out.notes = ((int64_t)0LL);\n",
    "            out.tell0_.sent_ = 0;\n",
    "            out.tell0_.to_ = akt_gpu_ref_none();\n",
    "            out.tell0_.n = ((int64_t)0LL);\n",
    "            out.tell0_.x = 0.0;\n",
    "            out.tell0_.mode = ((int32_t)0);\n",
    "            out.tell1_.sent_ = 0;\n",
    "            out.tell1_.code = ((int32_t)0);\n",
    "            rc = gpurelay_relay_gpu_wire(&t, &in, &out);\n",
    "            if (rc == AKT_GPU_OK) {\n",
    "                ((int64_t *)a->out[0])[r] = out.hits;\n",
    "                ((double *)a->out[1])[r] = out.sum;\n",
    "                ((int32_t *)a->out[2])[r] = out.last;\n",
    "                ((int64_t *)a->out[3])[r] = out.notes;\n",
    "                ((uint8_t *)a->out[4])[r] = out.tell0_.sent_;\n",
    "                ((akt_gpu_ref *)a->out[5])[r] = out.tell0_.to_;\n",
    "                ((int64_t *)a->out[6])[r] = out.tell0_.n;\n",
    "                ((double *)a->out[7])[r] = out.tell0_.x;\n",
    "                ((int32_t *)a->out[8])[r] = out.tell0_.mode;\n",
    "                ((uint8_t *)a->out[9])[r] = out.tell1_.sent_;\n",
    "                ((int32_t *)a->out[10])[r] = out.tell1_.code;\n",
    "            }\n",
    "            break;\n",
    "        }\n",
    "        case 1: {\n",
    "            gpurelay_RelayNoteIn in;\n",
    "            in.code = ((const int32_t *)a->in[3])[r];\n",
    "            gpurelay_RelayNoteOut out;\n",
    "            out.unused_ = 0;\n",
    "            rc = gpurelay_relay_gpu_note(&t, &in, &out);\n",
    "            break;\n",
    "        }\n",
    "        case 2: {\n",
    "            gpurelay_RelayPingIn in;\n",
    "            in.n = ((const int64_t *)a->in[4])[r];\n",
    "            gpurelay_RelayPingOut out;\n",
    "            out.tell0_.sent_ = 0;\n",
    "            out.tell0_.n = ((int64_t)0LL);\n",
    "            out.tell0_.x = 0.0;\n",
    "            out.tell0_.mode = ((int32_t)0);\n",
    "            rc = gpurelay_relay_gpu_ping(&t, &in, &out);\n",
    "            if (rc == AKT_GPU_OK) {\n",
    "                ((uint8_t *)a->out[11])[r] = out.tell0_.sent_;\n",
    "                ((int64_t *)a->out[12])[r] = out.tell0_.n;\n",
    "                ((double *)a->out[13])[r] = out.tell0_.x;\n",
    "                ((int32_t *)a->out[14])[r] = out.tell0_.mode;\n",
    "            }\n",
    "            break;\n",
    "        }\n",
    "        case 3: {\n",
    "            gpurelay_RelayProbeIn in;\n",
    "            in.unused_ = 0;\n",
    "            gpurelay_RelayProbeOut out;\n",
    "            out.hits = ((int64_t)0LL);\n",
    "            out.sum = 0.0;\n",
    "            out.last = ((int32_t)0);\n",
    "            out.notes = ((int64_t)0LL);\n",
    "            rc = gpurelay_relay_gpu_probe(&t, &in, &out);\n",
    "            if (rc == AKT_GPU_OK) {\n",
    "                ((int64_t *)a->out[15])[r] = out.hits;\n",
    "                ((double *)a->out[16])[r] = out.sum;\n",
    "                ((int32_t *)a->out[17])[r] = out.last;\n",
    "                ((int64_t *)a->out[18])[r] = out.notes;\n",
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
    "/* gpurelay_relay_gpu_kernel -- the batch kernel: one thread per actor */\n",
    "extern \"C\" __global__ void\n",
    "gpurelay_relay_gpu_kernel(const akt_gpu_args *a)\n",
    "{\n",
    "    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;\n",
    "    if (i < a->n_actors) {\n",
    "        gpurelay_relay_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "\n",
    "/* gpurelay_relay_gpu_kernel_persistent -- the persistent kernel: one block\n",
    " * stays on the device. Thread 0 alone polls the doorbell and fences (a\n",
    " * fence in every thread costs tens of microseconds); the block copies the\n",
    " * batch's arguments from mapped host memory to device memory\n",
    " * (gpurelay_relay_gpu_pargs) and runs its actors, a stride each; after the\n",
    " * barrier thread 0's system fence, cumulative, publishes the block's\n",
    " * results before the acknowledgement. 256 threads (the runtime's\n",
    " * AKG_PBLOCK). */\n",
    "__device__ akt_gpu_args gpurelay_relay_gpu_pargs;\n",
    "\n",
    "extern \"C\" __global__ void __launch_bounds__(256)\n",
    "gpurelay_relay_gpu_kernel_persistent(akt_gpu_doorbell *db)\n",
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
    "            ((uint64_t *)&gpurelay_relay_gpu_pargs)[k] = src[k];\n",
    "        }\n",
    "        __threadfence_block();\n",
    "        __syncthreads();\n",
    "        const akt_gpu_args *a = &gpurelay_relay_gpu_pargs;\n",
    "        for (uint32_t i = threadIdx.x; i < a->n_actors; i += blockDim.x) {\n",
    "            gpurelay_relay_gpu_actor(a, i);\n",
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
    "/* gpurelay_relay_gpu_cpu -- the CPU batch loop: the same function, actor by\n",
    " * actor */\n",
    "AKT_FN void\n",
    "gpurelay_relay_gpu_cpu(const akt_gpu_args *a)\n",
    "{\n",
    "    for (uint32_t i = 0; i < a->n_actors; i++) {\n",
    "        gpurelay_relay_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "#endif\n",
    "\n",
    "/* ==== the host API (not part of the device code) ======================= */\n",
    "#if !defined(__CUDACC__) && !defined(AKT_GPU_DEVICE_ONLY)\n",
    "#include <akt/gpu.h>\n",
    "\n",
    "#include \"relay.akt.h\"\n",
    "\n",
    "#ifdef __cplusplus\n",
    "extern \"C\" {\n",
    "#endif\n",
    "\n",
    "/* The source NVRTC compiles: this file's text. */\n",
    "extern const akt_gpu_module gpurelay_relay_gpu_module;\n",
    "\n",
    "/* gpurelay.Sink on the GPU dispatcher or the CPU (docs/gpu.md).\n",
    " * gpurelay_sink_gpu_handlers: the handler table whose @gpu entries run the\n",
    " * generated handlers (copy it to add init or other lifecycle hooks; keep\n",
    " * its on_ entries and pre_start / post_stop).\n",
    " * gpurelay_sink_gpu_props(): props for a spawn with handler table h (NULL:\n",
    " * the one above) and a placement: AKT_PLACEMENT_CPU, _GPU (the spawn\n",
    " * fails without a usable device), _AUTO or _DEFAULT (akt.gpu.placement).\n",
    " * Errors: as gpurelay_sink_props. */\n",
    "extern const gpurelay_SinkHandlers gpurelay_sink_gpu_handlers;\n",
    "extern const akt_gpu_actor_type gpurelay_sink_gpu_type;\n",
    "akt_err gpurelay_sink_gpu_props(const gpurelay_SinkHandlers *h,\n",
    "    akt_placement placement, akt_props *out);\n",
    "\n",
    "/* gpurelay.Relay on the GPU dispatcher or the CPU (docs/gpu.md).\n",
    " * gpurelay_relay_gpu_handlers: the handler table whose @gpu entries run the\n",
    " * generated handlers (copy it to add init or other lifecycle hooks; keep\n",
    " * its on_ entries and pre_start / post_stop).\n",
    " * gpurelay_relay_gpu_props(): props for a spawn with handler table h (NULL:\n",
    " * the one above) and a placement: AKT_PLACEMENT_CPU, _GPU (the spawn\n",
    " * fails without a usable device), _AUTO or _DEFAULT (akt.gpu.placement).\n",
    " * Errors: as gpurelay_relay_props. */\n",
    "extern const gpurelay_RelayHandlers gpurelay_relay_gpu_handlers;\n",
    "extern const akt_gpu_actor_type gpurelay_relay_gpu_type;\n",
    "akt_err gpurelay_relay_gpu_props(const gpurelay_RelayHandlers *h,\n",
    "    akt_placement placement, akt_props *out);\n",
    "\n",
    "#ifdef __cplusplus\n",
    "}\n",
    "#endif\n",
    "#endif /* host API */\n",
    "\n",
    "#endif /* GPURELAY_RELAY_AKT_GPU_H */\n",
};

const akt_gpu_module gpurelay_relay_gpu_module = {
    .abi = AKT_GPU_ABI,
    .name = "relay.akt",
    .lines = gpurelay_relay_gpu_lines,
    .nlines = sizeof gpurelay_relay_gpu_lines
        / sizeof gpurelay_relay_gpu_lines[0],
};

/* ==== gpurelay.Sink ==== */

static void
gpurelay_sink_gpu_to_device(const void *cell_state, void *gpu_state)
{
    const gpurelay_SinkState *c = (const gpurelay_SinkState *)cell_state;
    gpurelay_SinkGpuState *g = (gpurelay_SinkGpuState *)gpu_state;
    g->hits = c->hits;
    g->sum = c->sum;
    g->last = c->last;
    g->notes = c->notes;
}

static void
gpurelay_sink_gpu_from_device(const void *gpu_state, void *cell_state)
{
    const gpurelay_SinkGpuState *g = (const gpurelay_SinkGpuState *)gpu_state;
    gpurelay_SinkState *c = (gpurelay_SinkState *)cell_state;
    c->hits = g->hits;
    c->sum = g->sum;
    c->last = g->last;
    c->notes = g->notes;
}

/* --- Hit --- */

static void
gpurelay_sink_gpu_hit_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpurelay_Hit *m = (const gpurelay_Hit *)msg;
    ((int64_t *)cols[0])[r] = m->n;
    ((double *)cols[1])[r] = m->x;
    ((int32_t *)cols[2])[r] = m->mode;
}

/* gpurelay_sink_gpu_on_hit -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpurelay_sink_gpu_on_hit(gpurelay_SinkState *state, akt_ctx *ctx,
    const gpurelay_Hit *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpurelay_sink_gpu_type, 0, msg);
    }
    gpurelay_SinkGpuState t;
    gpurelay_sink_gpu_to_device(state, &t);
    gpurelay_SinkHitIn in;
    in.n = msg->n;
    in.x = msg->x;
    in.mode = msg->mode;
    gpurelay_SinkHitOut out;
    out.unused_ = 0;
    int32_t rc = gpurelay_sink_gpu_hit(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpurelay_sink_gpu_type, 0, rc);
    }
    gpurelay_sink_gpu_from_device(&t, state);
    return AKT_OK;
}

/* --- Probe --- */

static void
gpurelay_sink_gpu_probe_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpurelay_Probe *m = (const gpurelay_Probe *)msg;
    (void)m;
    (void)cols;
    (void)r;
}

static void
gpurelay_sink_gpu_probe_reply(void *msg, const void *const *cols, uint32_t r)
{
    gpurelay_Count *m = (gpurelay_Count *)msg;
    m->hits = ((const int64_t *)cols[0])[r];
    m->sum = ((const double *)cols[1])[r];
    m->last = ((const int32_t *)cols[2])[r];
    m->notes = ((const int64_t *)cols[3])[r];
}

/* gpurelay_sink_gpu_on_probe -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpurelay_sink_gpu_on_probe(gpurelay_SinkState *state, akt_ctx *ctx,
    const gpurelay_Probe *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpurelay_sink_gpu_type, 1, msg);
    }
    gpurelay_SinkGpuState t;
    gpurelay_sink_gpu_to_device(state, &t);
    gpurelay_SinkProbeIn in;
    in.unused_ = 0;
    (void)msg;
    gpurelay_SinkProbeOut out;
    out.hits = ((int64_t)0LL);
    out.sum = 0.0;
    out.last = ((int32_t)0);
    out.notes = ((int64_t)0LL);
    int32_t rc = gpurelay_sink_gpu_probe(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpurelay_sink_gpu_type, 1, rc);
    }
    gpurelay_Count *reply = gpurelay_count_alloc(0);
    if (reply == NULL) {
        return AKT_ENOMEM;
    }
    reply->hits = out.hits;
    reply->sum = out.sum;
    reply->last = out.last;
    reply->notes = out.notes;
    gpurelay_sink_gpu_from_device(&t, state);
    /* a reply nobody can take is dropped, as a batch's would be */
    if (akt_reply(ctx, reply) != AKT_OK) {
        akt_msg_free(reply);
    }
    return AKT_OK;
}

static akt_err
gpurelay_sink_gpu_pre_start(gpurelay_SinkState *state, akt_ctx *ctx)
{
    return akt_gpu_actor_start(ctx, &gpurelay_sink_gpu_type, state);
}

static void
gpurelay_sink_gpu_post_stop(gpurelay_SinkState *state, akt_ctx *ctx)
{
    (void)state;
    akt_gpu_actor_stop(ctx);
}

const gpurelay_SinkHandlers gpurelay_sink_gpu_handlers = {
    .on_hit = gpurelay_sink_gpu_on_hit,
    .on_probe = gpurelay_sink_gpu_on_probe,
    .pre_start = gpurelay_sink_gpu_pre_start,
    .post_stop = gpurelay_sink_gpu_post_stop,
};

static const akt_gpu_handler gpurelay_sink_gpu_handler_table[] = {
    {.msg = &gpurelay_hit_desc, .reply = NULL, .name = "gpurelay.Hit",
        .in_base = 0, .nin = 3, .out_base = 0, .nout = 0,
        .pack = gpurelay_sink_gpu_hit_pack, .reply_fill = NULL},
    {.msg = &gpurelay_probe_desc, .reply = &gpurelay_count_desc, .name = "gpurelay.Probe",
        .in_base = 3, .nin = 0, .out_base = 0, .nout = 4,
        .pack = gpurelay_sink_gpu_probe_pack, .reply_fill = gpurelay_sink_gpu_probe_reply},
};

static const uint8_t gpurelay_sink_gpu_in_sizes[] = {8, 8, 4};
static const uint8_t gpurelay_sink_gpu_out_sizes[] = {8, 8, 4, 8};

const akt_gpu_actor_type gpurelay_sink_gpu_type = {
    .abi = AKT_GPU_ABI,
    .name = "gpurelay.Sink",
    .module = &gpurelay_relay_gpu_module,
    .kernel = "gpurelay_sink_gpu_kernel",
    .cpu = gpurelay_sink_gpu_cpu,
    .state_size = sizeof(gpurelay_SinkGpuState),
    .state_align = _Alignof(gpurelay_SinkGpuState),
    .to_device = gpurelay_sink_gpu_to_device,
    .from_device = gpurelay_sink_gpu_from_device,
    .nin = 3,
    .in_sizes = gpurelay_sink_gpu_in_sizes,
    .nout = 4,
    .out_sizes = gpurelay_sink_gpu_out_sizes,
    .nhandlers = 2,
    .handlers = gpurelay_sink_gpu_handler_table,
};

akt_err
gpurelay_sink_gpu_props(const gpurelay_SinkHandlers *h, akt_placement placement,
    akt_props *out)
{
    akt_err err = gpurelay_sink_props(h != NULL ? h : &gpurelay_sink_gpu_handlers, out);
    if (err == AKT_OK) {
        err = akt_gpu_place(out, &gpurelay_sink_gpu_type, placement);
    }
    return err;
}

/* ==== gpurelay.Relay ==== */

static void
gpurelay_relay_gpu_to_device(const void *cell_state, void *gpu_state)
{
    const gpurelay_RelayState *c = (const gpurelay_RelayState *)cell_state;
    gpurelay_RelayGpuState *g = (gpurelay_RelayGpuState *)gpu_state;
    g->sink = akt_gpu_ref_of(c->sink);
    g->n = c->n;
    g->mode = c->mode;
    g->notes = c->notes;
}

static void
gpurelay_relay_gpu_from_device(const void *gpu_state, void *cell_state)
{
    const gpurelay_RelayGpuState *g = (const gpurelay_RelayGpuState *)gpu_state;
    gpurelay_RelayState *c = (gpurelay_RelayState *)cell_state;
    c->sink = akt_gpu_ref_to(g->sink);
    c->n = g->n;
    c->mode = g->mode;
    c->notes = g->notes;
}

/* --- Wire --- */

static void
gpurelay_relay_gpu_wire_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpurelay_Wire *m = (const gpurelay_Wire *)msg;
    ((akt_gpu_ref *)cols[0])[r] = akt_gpu_ref_of(m->sink);
    ((double *)cols[1])[r] = m->x;
    ((int32_t *)cols[2])[r] = m->mode;
}

static void
gpurelay_relay_gpu_wire_reply(void *msg, const void *const *cols, uint32_t r)
{
    gpurelay_Count *m = (gpurelay_Count *)msg;
    m->hits = ((const int64_t *)cols[0])[r];
    m->sum = ((const double *)cols[1])[r];
    m->last = ((const int32_t *)cols[2])[r];
    m->notes = ((const int64_t *)cols[3])[r];
}

/* tell number 0 of the handler: tell(a ref, gpurelay.Hit) */
static void
gpurelay_relay_gpu_wire_tell0(void *msg, const void *const *cols, uint32_t r)
{
    gpurelay_Hit *m = (gpurelay_Hit *)msg;
    m->n = ((const int64_t *)cols[0])[r];
    m->x = ((const double *)cols[1])[r];
    m->mode = ((const int32_t *)cols[2])[r];
}

/* tell number 1 of the handler: tell(self, gpurelay.Note) */
static void
gpurelay_relay_gpu_wire_tell1(void *msg, const void *const *cols, uint32_t r)
{
    gpurelay_Note *m = (gpurelay_Note *)msg;
    m->code = ((const int32_t *)cols[0])[r];
}

static const akt_gpu_tell gpurelay_relay_gpu_wire_tells[] = {
    {.msg = &gpurelay_hit_desc, .to = AKT_GPU_TO_REF, .col = 4,
        .fill = gpurelay_relay_gpu_wire_tell0},
    {.msg = &gpurelay_note_desc, .to = AKT_GPU_TO_SELF, .col = 9,
        .fill = gpurelay_relay_gpu_wire_tell1},
};

/* gpurelay_relay_gpu_on_wire -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpurelay_relay_gpu_on_wire(gpurelay_RelayState *state, akt_ctx *ctx,
    const gpurelay_Wire *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpurelay_relay_gpu_type, 0, msg);
    }
    gpurelay_RelayGpuState t;
    gpurelay_relay_gpu_to_device(state, &t);
    gpurelay_RelayWireIn in;
    in.sink = akt_gpu_ref_of(msg->sink);
    in.x = msg->x;
    in.mode = msg->mode;
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
    int32_t rc = gpurelay_relay_gpu_wire(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpurelay_relay_gpu_type, 0, rc);
    }
    gpurelay_Hit *tell0_ = NULL;
    gpurelay_Note *tell1_ = NULL;
    if (out.tell0_.sent_) {
        tell0_ = gpurelay_hit_alloc(0);
        if (tell0_ == NULL) {
            goto nomem_;
        }
        tell0_->n = out.tell0_.n;
        tell0_->x = out.tell0_.x;
        tell0_->mode = out.tell0_.mode;
    }
    if (out.tell1_.sent_) {
        tell1_ = gpurelay_note_alloc(0);
        if (tell1_ == NULL) {
            goto nomem_;
        }
        tell1_->code = out.tell1_.code;
    }
    gpurelay_Count *reply = gpurelay_count_alloc(0);
    if (reply == NULL) {
        goto nomem_;
    }
    reply->hits = out.hits;
    reply->sum = out.sum;
    reply->last = out.last;
    reply->notes = out.notes;
    gpurelay_relay_gpu_from_device(&t, state);
    /* tell(a ref, gpurelay.Hit): one to no actor is dropped */
    if (tell0_ != NULL
        && akt_tell(akt_gpu_ref_to(out.tell0_.to_), tell0_, akt_ctx_self(ctx)) != AKT_OK) {
        akt_msg_free(tell0_);
    }
    /* tell(self, gpurelay.Note): one to no actor is dropped */
    if (tell1_ != NULL
        && akt_tell(akt_ctx_self(ctx), tell1_, akt_ctx_self(ctx)) != AKT_OK) {
        akt_msg_free(tell1_);
    }
    /* a reply nobody can take is dropped, as a batch's would be */
    if (akt_reply(ctx, reply) != AKT_OK) {
        akt_msg_free(reply);
    }
    return AKT_OK;
nomem_:
    akt_msg_free(tell0_);
    akt_msg_free(tell1_);
    return AKT_ENOMEM;
}

/* --- Note --- */

static void
gpurelay_relay_gpu_note_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpurelay_Note *m = (const gpurelay_Note *)msg;
    ((int32_t *)cols[0])[r] = m->code;
}

/* gpurelay_relay_gpu_on_note -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpurelay_relay_gpu_on_note(gpurelay_RelayState *state, akt_ctx *ctx,
    const gpurelay_Note *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpurelay_relay_gpu_type, 1, msg);
    }
    gpurelay_RelayGpuState t;
    gpurelay_relay_gpu_to_device(state, &t);
    gpurelay_RelayNoteIn in;
    in.code = msg->code;
    gpurelay_RelayNoteOut out;
    out.unused_ = 0;
    int32_t rc = gpurelay_relay_gpu_note(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpurelay_relay_gpu_type, 1, rc);
    }
    gpurelay_relay_gpu_from_device(&t, state);
    return AKT_OK;
}

/* --- Ping --- */

static void
gpurelay_relay_gpu_ping_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpurelay_Ping *m = (const gpurelay_Ping *)msg;
    ((int64_t *)cols[0])[r] = m->n;
}

/* tell number 0 of the handler: tell(sender, gpurelay.Hit) */
static void
gpurelay_relay_gpu_ping_tell0(void *msg, const void *const *cols, uint32_t r)
{
    gpurelay_Hit *m = (gpurelay_Hit *)msg;
    m->n = ((const int64_t *)cols[0])[r];
    m->x = ((const double *)cols[1])[r];
    m->mode = ((const int32_t *)cols[2])[r];
}

static const akt_gpu_tell gpurelay_relay_gpu_ping_tells[] = {
    {.msg = &gpurelay_hit_desc, .to = AKT_GPU_TO_SENDER, .col = 0,
        .fill = gpurelay_relay_gpu_ping_tell0},
};

/* gpurelay_relay_gpu_on_ping -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpurelay_relay_gpu_on_ping(gpurelay_RelayState *state, akt_ctx *ctx,
    const gpurelay_Ping *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpurelay_relay_gpu_type, 2, msg);
    }
    gpurelay_RelayGpuState t;
    gpurelay_relay_gpu_to_device(state, &t);
    gpurelay_RelayPingIn in;
    in.n = msg->n;
    gpurelay_RelayPingOut out;
    out.tell0_.sent_ = 0;
    out.tell0_.n = ((int64_t)0LL);
    out.tell0_.x = 0.0;
    out.tell0_.mode = ((int32_t)0);
    int32_t rc = gpurelay_relay_gpu_ping(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpurelay_relay_gpu_type, 2, rc);
    }
    gpurelay_Hit *tell0_ = NULL;
    if (out.tell0_.sent_) {
        tell0_ = gpurelay_hit_alloc(0);
        if (tell0_ == NULL) {
            goto nomem_;
        }
        tell0_->n = out.tell0_.n;
        tell0_->x = out.tell0_.x;
        tell0_->mode = out.tell0_.mode;
    }
    gpurelay_relay_gpu_from_device(&t, state);
    /* tell(sender, gpurelay.Hit): one to no actor is dropped */
    if (tell0_ != NULL
        && akt_tell(akt_ctx_sender(ctx), tell0_, akt_ctx_self(ctx)) != AKT_OK) {
        akt_msg_free(tell0_);
    }
    return AKT_OK;
nomem_:
    akt_msg_free(tell0_);
    return AKT_ENOMEM;
}

/* --- Probe --- */

static void
gpurelay_relay_gpu_probe_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpurelay_Probe *m = (const gpurelay_Probe *)msg;
    (void)m;
    (void)cols;
    (void)r;
}

static void
gpurelay_relay_gpu_probe_reply(void *msg, const void *const *cols, uint32_t r)
{
    gpurelay_Count *m = (gpurelay_Count *)msg;
    m->hits = ((const int64_t *)cols[0])[r];
    m->sum = ((const double *)cols[1])[r];
    m->last = ((const int32_t *)cols[2])[r];
    m->notes = ((const int64_t *)cols[3])[r];
}

/* gpurelay_relay_gpu_on_probe -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpurelay_relay_gpu_on_probe(gpurelay_RelayState *state, akt_ctx *ctx,
    const gpurelay_Probe *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpurelay_relay_gpu_type, 3, msg);
    }
    gpurelay_RelayGpuState t;
    gpurelay_relay_gpu_to_device(state, &t);
    gpurelay_RelayProbeIn in;
    in.unused_ = 0;
    (void)msg;
    gpurelay_RelayProbeOut out;
    out.hits = ((int64_t)0LL);
    out.sum = 0.0;
    out.last = ((int32_t)0);
    out.notes = ((int64_t)0LL);
    int32_t rc = gpurelay_relay_gpu_probe(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpurelay_relay_gpu_type, 3, rc);
    }
    gpurelay_Count *reply = gpurelay_count_alloc(0);
    if (reply == NULL) {
        return AKT_ENOMEM;
    }
    reply->hits = out.hits;
    reply->sum = out.sum;
    reply->last = out.last;
    reply->notes = out.notes;
    gpurelay_relay_gpu_from_device(&t, state);
    /* a reply nobody can take is dropped, as a batch's would be */
    if (akt_reply(ctx, reply) != AKT_OK) {
        akt_msg_free(reply);
    }
    return AKT_OK;
}

static akt_err
gpurelay_relay_gpu_pre_start(gpurelay_RelayState *state, akt_ctx *ctx)
{
    return akt_gpu_actor_start(ctx, &gpurelay_relay_gpu_type, state);
}

static void
gpurelay_relay_gpu_post_stop(gpurelay_RelayState *state, akt_ctx *ctx)
{
    (void)state;
    akt_gpu_actor_stop(ctx);
}

const gpurelay_RelayHandlers gpurelay_relay_gpu_handlers = {
    .on_wire = gpurelay_relay_gpu_on_wire,
    .on_note = gpurelay_relay_gpu_on_note,
    .on_ping = gpurelay_relay_gpu_on_ping,
    .on_probe = gpurelay_relay_gpu_on_probe,
    .pre_start = gpurelay_relay_gpu_pre_start,
    .post_stop = gpurelay_relay_gpu_post_stop,
};

static const akt_gpu_handler gpurelay_relay_gpu_handler_table[] = {
    {.msg = &gpurelay_wire_desc, .reply = &gpurelay_count_desc, .name = "gpurelay.Wire",
        .in_base = 0, .nin = 3, .out_base = 0, .nout = 11,
        .pack = gpurelay_relay_gpu_wire_pack, .reply_fill = gpurelay_relay_gpu_wire_reply,
        .ntells = 2, .tells = gpurelay_relay_gpu_wire_tells},
    {.msg = &gpurelay_note_desc, .reply = NULL, .name = "gpurelay.Note",
        .in_base = 3, .nin = 1, .out_base = 11, .nout = 0,
        .pack = gpurelay_relay_gpu_note_pack, .reply_fill = NULL},
    {.msg = &gpurelay_ping_desc, .reply = NULL, .name = "gpurelay.Ping",
        .in_base = 4, .nin = 1, .out_base = 11, .nout = 4,
        .pack = gpurelay_relay_gpu_ping_pack, .reply_fill = NULL,
        .ntells = 1, .tells = gpurelay_relay_gpu_ping_tells},
    {.msg = &gpurelay_probe_desc, .reply = &gpurelay_count_desc, .name = "gpurelay.Probe",
        .in_base = 5, .nin = 0, .out_base = 15, .nout = 4,
        .pack = gpurelay_relay_gpu_probe_pack, .reply_fill = gpurelay_relay_gpu_probe_reply},
};

static const uint8_t gpurelay_relay_gpu_in_sizes[] = {16, 8, 4, 4, 8};
static const uint8_t gpurelay_relay_gpu_out_sizes[] = {8, 8, 4, 8, 1, 16, 8, 8, 4, 1, 4, 1, 8, 8, 4, 8, 8, 4, 8};

const akt_gpu_actor_type gpurelay_relay_gpu_type = {
    .abi = AKT_GPU_ABI,
    .name = "gpurelay.Relay",
    .module = &gpurelay_relay_gpu_module,
    .kernel = "gpurelay_relay_gpu_kernel",
    .cpu = gpurelay_relay_gpu_cpu,
    .state_size = sizeof(gpurelay_RelayGpuState),
    .state_align = _Alignof(gpurelay_RelayGpuState),
    .to_device = gpurelay_relay_gpu_to_device,
    .from_device = gpurelay_relay_gpu_from_device,
    .nin = 5,
    .in_sizes = gpurelay_relay_gpu_in_sizes,
    .nout = 19,
    .out_sizes = gpurelay_relay_gpu_out_sizes,
    .nhandlers = 4,
    .handlers = gpurelay_relay_gpu_handler_table,
};

akt_err
gpurelay_relay_gpu_props(const gpurelay_RelayHandlers *h, akt_placement placement,
    akt_props *out)
{
    akt_err err = gpurelay_relay_props(h != NULL ? h : &gpurelay_relay_gpu_handlers, out);
    if (err == AKT_OK) {
        err = akt_gpu_place(out, &gpurelay_relay_gpu_type, placement);
    }
    return err;
}

