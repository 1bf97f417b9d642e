/*
 * kinds.akt.gpu.c -- generated from kinds.akt by aktc 0.1.0 -- do not edit.
 *
 * The host side of the @gpu handlers in kinds.akt.gpu.h: the handler
 * table entries that run them on the CPU or stage them for the GPU
 * dispatcher, the packing of messages into batch columns, and the
 * descriptors the dispatcher reads (akt/gpu.h). Build it with
 * -ffp-contract=off (akt_generate does).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kinds.akt.gpu.h"

/* NVRTC's input: the text of kinds.akt.gpu.h, line by line */
static const char *const gpukinds_kinds_gpu_lines[] = {
    "/*\n",
    " * kinds.akt.gpu.h -- generated from kinds.akt by aktc 0.1.0 -- do not edit.\n",
    " *\n",
    " * The @gpu handlers of package gpukinds, in the subset of C11 and CUDA C++\n",
    " * that compiles the same under gcc/clang -std=c11, C++17 and NVRTC\n",
    " * (docs/gpu.md). NVRTC compiles this text as it is (the runtime holds it\n",
    " * as gpukinds_kinds_gpu_module); the CPU includes it and runs the\n",
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
    "#ifndef GPUKINDS_KINDS_AKT_GPU_H\n",
    "#define GPUKINDS_KINDS_AKT_GPU_H\n",
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
    "/* ==== gpukinds.Calc ==== */\n",
    "\n",
    "typedef struct gpukinds_CalcGpuState {\n",
    "    int8_t s8; /* 1 */\n",
    "    int16_t s16; /* 2 */\n",
    "    int32_t s32; /* 3 */\n",
    "    int64_t s64; /* 4 */\n",
    "    uint8_t t8; /* 5 */\n",
    "    uint16_t t16; /* 6 */\n",
    "    uint32_t t32; /* 7 */\n",
    "    uint64_t t64; /* 8 */\n",
    "    bool seen; /* 9 */\n",
    "    float f; /* 10 */\n",
    "    double g; /* 11 */\n",
    "} gpukinds_CalcGpuState;\n",
    "\n",
    "typedef struct gpukinds_CalcIntsIn {\n",
    "    int8_t a8; /* 1 */\n",
    "    int16_t a16; /* 2 */\n",
    "    int32_t a32; /* 3 */\n",
    "    int64_t a64; /* 4 */\n",
    "    uint8_t u8; /* 5 */\n",
    "    uint16_t u16; /* 6 */\n",
    "    uint32_t u32; /* 7 */\n",
    "    uint64_t u64; /* 8 */\n",
    "    bool flag; /* 9 */\n",
    "} gpukinds_CalcIntsIn;\n",
    "\n",
    "typedef struct gpukinds_CalcIntsOut {\n",
    "    int64_t sum; /* 1 */\n",
    "    uint64_t bits; /* 2 */\n",
    "    int32_t quot; /* 3 */\n",
    "    bool odd; /* 4 */\n",
    "} gpukinds_CalcIntsOut;\n",
    "\n",
    "/* gpukinds.Calc: @gpu on Ints -> IntsOut (kinds.akt:61) */\n",
    "AKT_FN int32_t\n",
    "gpukinds_calc_gpu_ints(gpukinds_CalcGpuState *state, const gpukinds_CalcIntsIn *in,\n",
    "    gpukinds_CalcIntsOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    int32_t st_ = 0;\n",
    "    state->s8 = akt_gpu_add_i8(akt_gpu_mul_i8(state->s8, in->a8), (((int8_t)3)));\n",
    "    state->s16 = akt_gpu_sub_i16(state->s16, akt_gpu_shl_i16(in->a16, (uint32_t)((uint32_t)3u)));\n",
    "    state->s32 = ((int32_t)(((int32_t)(state->s32 ^ akt_gpu_shr_i32(in->a32, (uint32_t)((uint32_t)2u)))) | ((int32_t)1)));\n",
    "    state->s64 = akt_gpu_add_i64(state->s64, akt_gpu_mul_i64(in->a64, ((int64_t)-3LL)));\n",
    "    state->t8 = ((uint8_t)(akt_gpu_bnot_u8(in->u8) & akt_gpu_add_u8(state->t8, ((uint8_t)1))));\n",
    "    state->t16 = akt_gpu_mod_u16(akt_gpu_mul_u16(state->t16, in->u16), ((uint16_t)65521), &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    state->t32 = akt_gpu_add_u32(akt_gpu_shl_u32(state->t32, (uint32_t)((uint32_t)5u)), akt_gpu_div_u32(in->u32, akt_gpu_add_u32(((uint32_t)(in->u32 & ((uint32_t)7u))), ((uint32_t)1u)), &st_));\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    state->t64 = akt_gpu_add_u64(akt_gpu_mul_u64(state->t64, ((uint64_t)6364136223846793005ULL)), in->u64);\n",
    "    state->seen = (state->seen || in->flag);\n",
    "    int32_t l_q = akt_gpu_div_i32(state->s32, ((int32_t)in->a8), &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    out->quot = akt_gpu_mod_i32(l_q, ((int32_t)1000), &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    out->sum = akt_gpu_add_i64(akt_gpu_add_i64(akt_gpu_add_i64(((int64_t)state->s8), ((int64_t)state->s16)), ((int64_t)state->s32)), state->s64);\n",
    "    out->bits = ((uint64_t)(state->t64 ^ ((uint64_t)state->t32)));\n",
    "    out->odd = ((((int32_t)(state->s32 & ((int32_t)1))) == ((int32_t)1)) && (!in->flag));\n",
    "    if (in->a16 == ((int16_t)-32768)) {\n",
    "        return 7;\n",
    "    }\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "typedef struct gpukinds_CalcFloatsIn {\n",
    "    float x; /* 1 */\n",
    "    float y; /* 2 */\n",
    "    double d; /* 3 */\n",
    "    int32_t steps; /* 4 */\n",
    "} gpukinds_CalcFloatsIn;\n",
    "\n",
    "typedef struct gpukinds_CalcFloatsOut {\n",
    "    float r; /* 1 */\n",
    "    double e; /* 2 */\n",
    "    int32_t n; /* 3 */\n",
    "} gpukinds_CalcFloatsOut;\n",
    "\n",
    "/* gpukinds.Calc: @gpu on Floats -> FloatsOut (kinds.akt:84) */\n",
    "AKT_FN int32_t\n",
    "gpukinds_calc_gpu_floats(gpukinds_CalcGpuState *state, const gpukinds_CalcFloatsIn *in,\n",
    "    gpukinds_CalcFloatsOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    int32_t st_ = 0;\n",
    "    float l_acc = state->f;\n",
    "    int32_t l_i = ((int32_t)0);\n",
    "    {\n",
    "        uint32_t n1_ = 0;\n",
    "        for (;; ) {\n",
    "            bool c_ = (l_i < in->steps);\n",
    "            if (!c_) {\n",
    "                break;\n",
    "            }\n",
    "            if (++n1_ > AKT_GPU_LOOP_CAP) {\n",
    "                return AKT_GPU_LIMIT;\n",
    "            }\n",
    "            l_acc = ((l_acc * 0.999000013f) + (in->x / (in->y + 2.0f)));\n",
    "            if ((l_acc > 1.00000002e+30f) || (l_acc < (-1.00000002e+30f))) {\n",
    "                l_acc = 0.0f;\n",
    "                continue;\n",
    "            }\n",
    "            l_i = akt_gpu_add_i32(l_i, ((int32_t)1));\n",
    "        }\n",
    "    }\n",
    "    state->f = akt_gpu_canon_f32(l_acc);\n",
    "    state->g = akt_gpu_canon_f64(((state->g + (((double)l_acc) * in->d)) - trunc(in->d)));\n",
    "    out->r = akt_gpu_canon_f32((akt_gpu_fmin_f32(l_acc, in->x) - akt_gpu_fmax_f32(floorf(in->y), ceilf(in->x))));\n",
    "    out->e = akt_gpu_canon_f64((fabs(state->g) / 3.0));\n",
    "    out->n = akt_gpu_conv_f64_i32((in->d * 1000.0), &st_);\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "typedef struct gpukinds_CalcMixedIn {\n",
    "    int64_t value; /* 1 */\n",
    "    double scale; /* 2 */\n",
    "} gpukinds_CalcMixedIn;\n",
    "\n",
    "typedef struct gpukinds_CalcMixedOut {\n",
    "    uint8_t unused_;\n",
    "} gpukinds_CalcMixedOut;\n",
    "\n",
    "/* gpukinds.Calc: @gpu on Mixed (kinds.akt:102) */\n",
    "AKT_FN int32_t\n",
    "gpukinds_calc_gpu_mixed(gpukinds_CalcGpuState *state, const gpukinds_CalcMixedIn *in,\n",
    "    gpukinds_CalcMixedOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    int32_t st_ = 0;\n",
    "    double l_v = (((double)in->value) * in->scale);\n",
    "    state->g = akt_gpu_canon_f64(((l_v > 0.0) ? sqrt(l_v) : (-l_v)));\n",
    "    state->s64 = akt_gpu_add_i64(state->s64, akt_gpu_conv_f64_i64((l_v / 1000000.0), &st_));\n",
    "    if (st_ != 0) {\n",
    "        return st_;\n",
    "    }\n",
    "    state->seen = (!state->seen);\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "/* gpukinds_calc_gpu_actor -- the messages of actor i of the batch, in mailbox\n",
    " * order: each runs on a copy of the state that is kept only when it\n",
    " * succeeds; after a failure the actor's remaining messages are skipped\n",
    " * (the runtime puts them back at the head of its mailbox). */\n",
    "AKT_FN void\n",
    "gpukinds_calc_gpu_actor(const akt_gpu_args *a, uint32_t i)\n",
    "{\n",
    "    gpukinds_CalcGpuState *sp = (gpukinds_CalcGpuState *)a->states + a->slot[i];\n",
    "    gpukinds_CalcGpuState s = *sp;\n",
    "    uint32_t end = a->beg[i + 1];\n",
    "    for (uint32_t j = a->beg[i]; j < end; j++) {\n",
    "        gpukinds_CalcGpuState t = s;\n",
    "        uint32_t r = a->row[j];\n",
    "        int32_t rc;\n",
    "        switch (a->hid[j]) {\n",
    "        case 0: {\n",
    "            gpukinds_CalcIntsIn in;\n",
    "            in.a8 = ((const int8_t *)a->in[0])[r];\n",
    "            in.a16 = ((const int16_t *)a->in[1])[r];\n",
    "            in.a32 = ((const int32_t *)a->in[2])[r];\n",
    "            in.a64 = ((const int64_t *)a->in[3])[r];\n",
    "            in.u8 = ((const uint8_t *)a->in[4])[r];\n",
    "            in.u16 = ((const uint16_t *)a->in[5])[r];\n",
    "            in.u32 = ((const uint32_t *)a->in[6])[r];\n",
    "            in.u64 = ((const uint64_t *)a->in[7])[r];\n",
    "            in.flag = ((const uint8_t *)a->in[8])[r] != 0;\n",
    "            gpukinds_CalcIntsOut out;\n",
    "            out.sum = ((int64_t)0LL);\n",
    "            out.bits = ((uint64_t)0ULL);\n",
    "            out.quot = ((int32_t)0);\n",
    "            out.odd = false;\n",
    "            rc = gpukinds_calc_gpu_ints(&t, &in, &out);\n",
    "            if (rc == AKT_GPU_OK) {\n",
    "                ((int64_t *)a->out[0])[r] = out.sum;\n",
    "                ((uint64_t *)a->out[1])[r] = out.bits;\n",
    "                ((int32_t *)a->out[2])[r] = out.quot;\n",
    "                ((uint8_t *)a->out[3])[r] = out.odd ? 1 : 0;\n",
    "            }\n",
    "            break;\n",
    "        }\n",
    "        case 1: {\n",
    "            gpukinds_CalcFloatsIn in;\n",
    "            in.x = ((const float *)a->in[9])[r];\n",
    "            in.y = ((const float *)a->in[10])[r];\n",
    "            in.d = ((const double *)a->in[11])[r];\n",
    "            in.steps = ((const int32_t *)a->in[12])[r];\n",
    "            gpukinds_CalcFloatsOut out;\n",
    "            out.r = 0.0f;\n",
    "            out.e = 0.0;\n",
    "            out.n = ((int32_t)0);\n",
    "            rc = gpukinds_calc_gpu_floats(&t, &in, &out);\n",
    "            if (rc == AKT_GPU_OK) {\n",
    "                ((float *)a->out[4])[r] = out.r;\n",
    "                ((double *)a->out[5])[r] = out.e;\n",
    "                ((int32_t *)a->out[6])[r] = out.n;\n",
    "            }\n",
    "            break;\n",
    "        }\n",
    "        case 2: {\n",
    "            gpukinds_CalcMixedIn in;\n",
    "            in.value = ((const int64_t *)a->in[13])[r];\n",
    "            in.scale = ((const double *)a->in[14])[r];\n",
    "            gpukinds_CalcMixedOut out;\n",
    "            out.unused_ = 0;\n",
    "            rc = gpukinds_calc_gpu_mixed(&t, &in, &out);\n",
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
    "/* gpukinds_calc_gpu_kernel -- the batch kernel: one thread per actor */\n",
    "extern \"C\" __global__ void\n",
    "gpukinds_calc_gpu_kernel(const akt_gpu_args *a)\n",
    "{\n",
    "    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;\n",
    "    if (i < a->n_actors) {\n",
    "        gpukinds_calc_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "\n",
    "/* gpukinds_calc_gpu_kernel_persistent -- the persistent kernel: one block\n",
    " * stays on the device. Thread 0 alone polls the doorbell and fences (a\n",
    " * fence in every thread costs tens of microseconds); the block copies the\n",
    " * batch's arguments from mapped host memory to device memory\n",
    " * (gpukinds_calc_gpu_pargs) and runs its actors, a stride each; after the\n",
    " * barrier thread 0's system fence, cumulative, publishes the block's\n",
    " * results before the acknowledgement. 256 threads (the runtime's\n",
    " * AKG_PBLOCK). */\n",
    "__device__ akt_gpu_args gpukinds_calc_gpu_pargs;\n",
    "\n",
    "extern \"C\" __global__ void __launch_bounds__(256)\n",
    "gpukinds_calc_gpu_kernel_persistent(akt_gpu_doorbell *db)\n",
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
    "            ((uint64_t *)&gpukinds_calc_gpu_pargs)[k] = src[k];\n",
    "        }\n",
    "        __threadfence_block();\n",
    "        __syncthreads();\n",
    "        const akt_gpu_args *a = &gpukinds_calc_gpu_pargs;\n",
    "        for (uint32_t i = threadIdx.x; i < a->n_actors; i += blockDim.x) {\n",
    "            gpukinds_calc_gpu_actor(a, i);\n",
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
    "/* gpukinds_calc_gpu_cpu -- the CPU batch loop: the same function, actor by\n",
    " * actor */\n",
    "AKT_FN void\n",
    "gpukinds_calc_gpu_cpu(const akt_gpu_args *a)\n",
    "{\n",
    "    for (uint32_t i = 0; i < a->n_actors; i++) {\n",
    "        gpukinds_calc_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "#endif\n",
    "\n",
    "/* ==== gpukinds.Echo ==== */\n",
    "\n",
    "typedef struct gpukinds_EchoGpuState {\n",
    "    uint8_t unused_;\n",
    "} gpukinds_EchoGpuState;\n",
    "\n",
    "typedef struct gpukinds_EchoMixedIn {\n",
    "    int64_t value; /* 1 */\n",
    "    double scale; /* 2 */\n",
    "} gpukinds_EchoMixedIn;\n",
    "\n",
    "typedef struct gpukinds_EchoMixedOut {\n",
    "    int64_t sum; /* 1 */\n",
    "    uint64_t bits; /* 2 */\n",
    "    int32_t quot; /* 3 */\n",
    "    bool odd; /* 4 */\n",
    "} gpukinds_EchoMixedOut;\n",
    "\n",
    "/* gpukinds.Echo: @gpu on Mixed -> IntsOut (kinds.akt:112) */\n",
    "AKT_FN int32_t\n",
    "gpukinds_echo_gpu_mixed(gpukinds_EchoGpuState *state, const gpukinds_EchoMixedIn *in,\n",
    "    gpukinds_EchoMixedOut *out)\n",
    "{\n",
    "    (void)state;\n",
    "    (void)in;\n",
    "    (void)out;\n",
    "    out->sum = in->value;\n",
    "    out->bits = ((uint64_t)in->value);\n",
    "    out->odd = (((int64_t)(in->value & ((int64_t)1LL))) != ((int64_t)0LL));\n",
    "    return AKT_GPU_OK;\n",
    "}\n",
    "\n",
    "/* gpukinds_echo_gpu_actor -- the messages of actor i of the batch, in mailbox\n",
    " * order: each runs on a copy of the state that is kept only when it\n",
    " * succeeds; after a failure the actor's remaining messages are skipped\n",
    " * (the runtime puts them back at the head of its mailbox). */\n",
    "AKT_FN void\n",
    "gpukinds_echo_gpu_actor(const akt_gpu_args *a, uint32_t i)\n",
    "{\n",
    "    gpukinds_EchoGpuState *sp = (gpukinds_EchoGpuState *)a->states + a->slot[i];\n",
    "    gpukinds_EchoGpuState s = *sp;\n",
    "    uint32_t end = a->beg[i + 1];\n",
    "    for (uint32_t j = a->beg[i]; j < end; j++) {\n",
    "        gpukinds_EchoGpuState t = s;\n",
    "        uint32_t r = a->row[j];\n",
    "        int32_t rc;\n",
    "        switch (a->hid[j]) {\n",
    "        case 0: {\n",
    "            gpukinds_EchoMixedIn in;\n",
    "            in.value = ((const int64_t *)a->in[0])[r];\n",
    "            in.scale = ((const double *)a->in[1])[r];\n",
    "            gpukinds_EchoMixedOut out;\n",
    "            out.sum = ((int64_t)0LL);\n",
    "            out.bits = ((uint64_t)0ULL);\n",
    "            out.quot = ((int32_t)0);\n",
    "            out.odd = false;\n",
    "            rc = gpukinds_echo_gpu_mixed(&t, &in, &out);\n",
    "            if (rc == AKT_GPU_OK) {\n",
    "                ((int64_t *)a->out[0])[r] = out.sum;\n",
    "                ((uint64_t *)a->out[1])[r] = out.bits;\n",
    "                ((int32_t *)a->out[2])[r] = out.quot;\n",
    "                ((uint8_t *)a->out[3])[r] = out.odd ? 1 : 0;\n",
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
    "/* gpukinds_echo_gpu_kernel -- the batch kernel: one thread per actor */\n",
    "extern \"C\" __global__ void\n",
    "gpukinds_echo_gpu_kernel(const akt_gpu_args *a)\n",
    "{\n",
    "    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;\n",
    "    if (i < a->n_actors) {\n",
    "        gpukinds_echo_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "\n",
    "/* gpukinds_echo_gpu_kernel_persistent -- the persistent kernel: one block\n",
    " * stays on the device. Thread 0 alone polls the doorbell and fences (a\n",
    " * fence in every thread costs tens of microseconds); the block copies the\n",
    " * batch's arguments from mapped host memory to device memory\n",
    " * (gpukinds_echo_gpu_pargs) and runs its actors, a stride each; after the\n",
    " * barrier thread 0's system fence, cumulative, publishes the block's\n",
    " * results before the acknowledgement. 256 threads (the runtime's\n",
    " * AKG_PBLOCK). */\n",
    "__device__ akt_gpu_args gpukinds_echo_gpu_pargs;\n",
    "\n",
    "extern \"C\" __global__ void __launch_bounds__(256)\n",
    "gpukinds_echo_gpu_kernel_persistent(akt_gpu_doorbell *db)\n",
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
    "            ((uint64_t *)&gpukinds_echo_gpu_pargs)[k] = src[k];\n",
    "        }\n",
    "        __threadfence_block();\n",
    "        __syncthreads();\n",
    "        const akt_gpu_args *a = &gpukinds_echo_gpu_pargs;\n",
    "        for (uint32_t i = threadIdx.x; i < a->n_actors; i += blockDim.x) {\n",
    "            gpukinds_echo_gpu_actor(a, i);\n",
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
    "/* gpukinds_echo_gpu_cpu -- the CPU batch loop: the same function, actor by\n",
    " * actor */\n",
    "AKT_FN void\n",
    "gpukinds_echo_gpu_cpu(const akt_gpu_args *a)\n",
    "{\n",
    "    for (uint32_t i = 0; i < a->n_actors; i++) {\n",
    "        gpukinds_echo_gpu_actor(a, i);\n",
    "    }\n",
    "}\n",
    "#endif\n",
    "\n",
    "/* ==== the host API (not part of the device code) ======================= */\n",
    "#if !defined(__CUDACC__) && !defined(AKT_GPU_DEVICE_ONLY)\n",
    "#include <akt/gpu.h>\n",
    "\n",
    "#include \"kinds.akt.h\"\n",
    "\n",
    "#ifdef __cplusplus\n",
    "extern \"C\" {\n",
    "#endif\n",
    "\n",
    "/* The source NVRTC compiles: this file's text. */\n",
    "extern const akt_gpu_module gpukinds_kinds_gpu_module;\n",
    "\n",
    "/* gpukinds.Calc on the GPU dispatcher or the CPU (docs/gpu.md).\n",
    " * gpukinds_calc_gpu_handlers: the handler table whose @gpu entries run the\n",
    " * generated handlers (copy it to add init or other lifecycle hooks; keep\n",
    " * its on_ entries and pre_start / post_stop).\n",
    " * gpukinds_calc_gpu_props(): props for a spawn with handler table h (NULL:\n",
    " * the one above) and a placement: AKT_PLACEMENT_CPU, _GPU (the spawn\n",
    " * fails without a usable device), _AUTO or _DEFAULT (akt.gpu.placement).\n",
    " * Errors: as gpukinds_calc_props. */\n",
    "extern const gpukinds_CalcHandlers gpukinds_calc_gpu_handlers;\n",
    "extern const akt_gpu_actor_type gpukinds_calc_gpu_type;\n",
    "akt_err gpukinds_calc_gpu_props(const gpukinds_CalcHandlers *h,\n",
    "    akt_placement placement, akt_props *out);\n",
    "\n",
    "/* gpukinds.Echo on the GPU dispatcher or the CPU (docs/gpu.md).\n",
    " * gpukinds_echo_gpu_handlers: the handler table whose @gpu entries run the\n",
    " * generated handlers (copy it to add init or other lifecycle hooks; keep\n",
    " * its on_ entries and pre_start / post_stop).\n",
    " * gpukinds_echo_gpu_props(): props for a spawn with handler table h (NULL:\n",
    " * the one above) and a placement: AKT_PLACEMENT_CPU, _GPU (the spawn\n",
    " * fails without a usable device), _AUTO or _DEFAULT (akt.gpu.placement).\n",
    " * Errors: as gpukinds_echo_props. */\n",
    "extern const gpukinds_EchoHandlers gpukinds_echo_gpu_handlers;\n",
    "extern const akt_gpu_actor_type gpukinds_echo_gpu_type;\n",
    "akt_err gpukinds_echo_gpu_props(const gpukinds_EchoHandlers *h,\n",
    "    akt_placement placement, akt_props *out);\n",
    "\n",
    "#ifdef __cplusplus\n",
    "}\n",
    "#endif\n",
    "#endif /* host API */\n",
    "\n",
    "#endif /* GPUKINDS_KINDS_AKT_GPU_H */\n",
};

const akt_gpu_module gpukinds_kinds_gpu_module = {
    .abi = AKT_GPU_ABI,
    .name = "kinds.akt",
    .lines = gpukinds_kinds_gpu_lines,
    .nlines = sizeof gpukinds_kinds_gpu_lines
        / sizeof gpukinds_kinds_gpu_lines[0],
};

/* ==== gpukinds.Calc ==== */

static void
gpukinds_calc_gpu_to_device(const void *cell_state, void *gpu_state)
{
    const gpukinds_CalcState *c = (const gpukinds_CalcState *)cell_state;
    gpukinds_CalcGpuState *g = (gpukinds_CalcGpuState *)gpu_state;
    g->s8 = c->s8;
    g->s16 = c->s16;
    g->s32 = c->s32;
    g->s64 = c->s64;
    g->t8 = c->t8;
    g->t16 = c->t16;
    g->t32 = c->t32;
    g->t64 = c->t64;
    g->seen = c->seen;
    g->f = c->f;
    g->g = c->g;
}

static void
gpukinds_calc_gpu_from_device(const void *gpu_state, void *cell_state)
{
    const gpukinds_CalcGpuState *g = (const gpukinds_CalcGpuState *)gpu_state;
    gpukinds_CalcState *c = (gpukinds_CalcState *)cell_state;
    c->s8 = g->s8;
    c->s16 = g->s16;
    c->s32 = g->s32;
    c->s64 = g->s64;
    c->t8 = g->t8;
    c->t16 = g->t16;
    c->t32 = g->t32;
    c->t64 = g->t64;
    c->seen = g->seen;
    c->f = g->f;
    c->g = g->g;
}

/* --- Ints --- */

static void
gpukinds_calc_gpu_ints_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpukinds_Ints *m = (const gpukinds_Ints *)msg;
    ((int8_t *)cols[0])[r] = m->a8;
    ((int16_t *)cols[1])[r] = m->a16;
    ((int32_t *)cols[2])[r] = m->a32;
    ((int64_t *)cols[3])[r] = m->a64;
    ((uint8_t *)cols[4])[r] = m->u8;
    ((uint16_t *)cols[5])[r] = m->u16;
    ((uint32_t *)cols[6])[r] = m->u32;
    ((uint64_t *)cols[7])[r] = m->u64;
    ((uint8_t *)cols[8])[r] = m->flag ? 1 : 0;
}

static void
gpukinds_calc_gpu_ints_reply(void *msg, const void *const *cols, uint32_t r)
{
    gpukinds_IntsOut *m = (gpukinds_IntsOut *)msg;
    m->sum = ((const int64_t *)cols[0])[r];
    m->bits = ((const uint64_t *)cols[1])[r];
    m->quot = ((const int32_t *)cols[2])[r];
    m->odd = ((const uint8_t *)cols[3])[r] != 0;
}

/* gpukinds_calc_gpu_on_ints -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpukinds_calc_gpu_on_ints(gpukinds_CalcState *state, akt_ctx *ctx,
    const gpukinds_Ints *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpukinds_calc_gpu_type, 0, msg);
    }
    gpukinds_CalcGpuState t;
    gpukinds_calc_gpu_to_device(state, &t);
    gpukinds_CalcIntsIn in;
    in.a8 = msg->a8;
    in.a16 = msg->a16;
    in.a32 = msg->a32;
    in.a64 = msg->a64;
    in.u8 = msg->u8;
    in.u16 = msg->u16;
    in.u32 = msg->u32;
    in.u64 = msg->u64;
    in.flag = msg->flag;
    gpukinds_CalcIntsOut out;
    out.sum = ((int64_t)0LL);
    out.bits = ((uint64_t)0ULL);
    out.quot = ((int32_t)0);
    out.odd = false;
    int32_t rc = gpukinds_calc_gpu_ints(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpukinds_calc_gpu_type, 0, rc);
    }
    gpukinds_IntsOut *reply = gpukinds_ints_out_alloc(0);
    if (reply == NULL) {
        return AKT_ENOMEM;
    }
    reply->sum = out.sum;
    reply->bits = out.bits;
    reply->quot = out.quot;
    reply->odd = out.odd;
    gpukinds_calc_gpu_from_device(&t, state);
    /* a reply nobody can take is dropped, as a batch's would be */
    if (akt_reply(ctx, reply) != AKT_OK) {
        akt_msg_free(reply);
    }
    return AKT_OK;
}

/* --- Floats --- */

static void
gpukinds_calc_gpu_floats_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpukinds_Floats *m = (const gpukinds_Floats *)msg;
    ((float *)cols[0])[r] = m->x;
    ((float *)cols[1])[r] = m->y;
    ((double *)cols[2])[r] = m->d;
    ((int32_t *)cols[3])[r] = m->steps;
}

static void
gpukinds_calc_gpu_floats_reply(void *msg, const void *const *cols, uint32_t r)
{
    gpukinds_FloatsOut *m = (gpukinds_FloatsOut *)msg;
    m->r = ((const float *)cols[0])[r];
    m->e = ((const double *)cols[1])[r];
    m->n = ((const int32_t *)cols[2])[r];
}

/* gpukinds_calc_gpu_on_floats -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpukinds_calc_gpu_on_floats(gpukinds_CalcState *state, akt_ctx *ctx,
    const gpukinds_Floats *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpukinds_calc_gpu_type, 1, msg);
    }
    gpukinds_CalcGpuState t;
    gpukinds_calc_gpu_to_device(state, &t);
    gpukinds_CalcFloatsIn in;
    in.x = msg->x;
    in.y = msg->y;
    in.d = msg->d;
    in.steps = msg->steps;
    gpukinds_CalcFloatsOut out;
    out.r = 0.0f;
    out.e = 0.0;
    out.n = ((int32_t)0);
    int32_t rc = gpukinds_calc_gpu_floats(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpukinds_calc_gpu_type, 1, rc);
    }
    gpukinds_FloatsOut *reply = gpukinds_floats_out_alloc(0);
    if (reply == NULL) {
        return AKT_ENOMEM;
    }
    reply->r = out.r;
    reply->e = out.e;
    reply->n = out.n;
    gpukinds_calc_gpu_from_device(&t, state);
    /* a reply nobody can take is dropped, as a batch's would be */
    if (akt_reply(ctx, reply) != AKT_OK) {
        akt_msg_free(reply);
    }
    return AKT_OK;
}

/* --- Mixed --- */

static void
gpukinds_calc_gpu_mixed_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpukinds_Mixed *m = (const gpukinds_Mixed *)msg;
    ((int64_t *)cols[0])[r] = m->value;
    ((double *)cols[1])[r] = m->scale;
}

/* gpukinds_calc_gpu_on_mixed -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpukinds_calc_gpu_on_mixed(gpukinds_CalcState *state, akt_ctx *ctx,
    const gpukinds_Mixed *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpukinds_calc_gpu_type, 2, msg);
    }
    gpukinds_CalcGpuState t;
    gpukinds_calc_gpu_to_device(state, &t);
    gpukinds_CalcMixedIn in;
    in.value = msg->value;
    in.scale = msg->scale;
    gpukinds_CalcMixedOut out;
    out.unused_ = 0;
    int32_t rc = gpukinds_calc_gpu_mixed(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpukinds_calc_gpu_type, 2, rc);
    }
    gpukinds_calc_gpu_from_device(&t, state);
    return AKT_OK;
}

static akt_err
gpukinds_calc_gpu_pre_start(gpukinds_CalcState *state, akt_ctx *ctx)
{
    return akt_gpu_actor_start(ctx, &gpukinds_calc_gpu_type, state);
}

static void
gpukinds_calc_gpu_post_stop(gpukinds_CalcState *state, akt_ctx *ctx)
{
    (void)state;
    akt_gpu_actor_stop(ctx);
}

const gpukinds_CalcHandlers gpukinds_calc_gpu_handlers = {
    .on_ints = gpukinds_calc_gpu_on_ints,
    .on_floats = gpukinds_calc_gpu_on_floats,
    .on_mixed = gpukinds_calc_gpu_on_mixed,
    .pre_start = gpukinds_calc_gpu_pre_start,
    .post_stop = gpukinds_calc_gpu_post_stop,
};

static const akt_gpu_handler gpukinds_calc_gpu_handler_table[] = {
    {.msg = &gpukinds_ints_desc, .reply = &gpukinds_ints_out_desc, .name = "gpukinds.Ints",
        .in_base = 0, .nin = 9, .out_base = 0, .nout = 4,
        .pack = gpukinds_calc_gpu_ints_pack, .reply_fill = gpukinds_calc_gpu_ints_reply},
    {.msg = &gpukinds_floats_desc, .reply = &gpukinds_floats_out_desc, .name = "gpukinds.Floats",
        .in_base = 9, .nin = 4, .out_base = 4, .nout = 3,
        .pack = gpukinds_calc_gpu_floats_pack, .reply_fill = gpukinds_calc_gpu_floats_reply},
    {.msg = &gpukinds_mixed_desc, .reply = NULL, .name = "gpukinds.Mixed",
        .in_base = 13, .nin = 2, .out_base = 7, .nout = 0,
        .pack = gpukinds_calc_gpu_mixed_pack, .reply_fill = NULL},
};

static const uint8_t gpukinds_calc_gpu_in_sizes[] = {1, 2, 4, 8, 1, 2, 4, 8, 1, 4, 4, 8, 4, 8, 8};
static const uint8_t gpukinds_calc_gpu_out_sizes[] = {8, 8, 4, 1, 4, 8, 4};

const akt_gpu_actor_type gpukinds_calc_gpu_type = {
    .abi = AKT_GPU_ABI,
    .name = "gpukinds.Calc",
    .module = &gpukinds_kinds_gpu_module,
    .kernel = "gpukinds_calc_gpu_kernel",
    .cpu = gpukinds_calc_gpu_cpu,
    .state_size = sizeof(gpukinds_CalcGpuState),
    .state_align = _Alignof(gpukinds_CalcGpuState),
    .to_device = gpukinds_calc_gpu_to_device,
    .from_device = gpukinds_calc_gpu_from_device,
    .nin = 15,
    .in_sizes = gpukinds_calc_gpu_in_sizes,
    .nout = 7,
    .out_sizes = gpukinds_calc_gpu_out_sizes,
    .nhandlers = 3,
    .handlers = gpukinds_calc_gpu_handler_table,
};

akt_err
gpukinds_calc_gpu_props(const gpukinds_CalcHandlers *h, akt_placement placement,
    akt_props *out)
{
    akt_err err = gpukinds_calc_props(h != NULL ? h : &gpukinds_calc_gpu_handlers, out);
    if (err == AKT_OK) {
        err = akt_gpu_place(out, &gpukinds_calc_gpu_type, placement);
    }
    return err;
}

/* ==== gpukinds.Echo ==== */

static void
gpukinds_echo_gpu_to_device(const void *cell_state, void *gpu_state)
{
    const gpukinds_EchoState *c = (const gpukinds_EchoState *)cell_state;
    gpukinds_EchoGpuState *g = (gpukinds_EchoGpuState *)gpu_state;
    (void)c;
    g->unused_ = 0;
}

static void
gpukinds_echo_gpu_from_device(const void *gpu_state, void *cell_state)
{
    const gpukinds_EchoGpuState *g = (const gpukinds_EchoGpuState *)gpu_state;
    gpukinds_EchoState *c = (gpukinds_EchoState *)cell_state;
    (void)g;
    (void)c;
}

/* --- Mixed --- */

static void
gpukinds_echo_gpu_mixed_pack(const void *msg, void *const *cols, uint32_t r)
{
    const gpukinds_Mixed *m = (const gpukinds_Mixed *)msg;
    ((int64_t *)cols[0])[r] = m->value;
    ((double *)cols[1])[r] = m->scale;
}

static void
gpukinds_echo_gpu_mixed_reply(void *msg, const void *const *cols, uint32_t r)
{
    gpukinds_IntsOut *m = (gpukinds_IntsOut *)msg;
    m->sum = ((const int64_t *)cols[0])[r];
    m->bits = ((const uint64_t *)cols[1])[r];
    m->quot = ((const int32_t *)cols[2])[r];
    m->odd = ((const uint8_t *)cols[3])[r] != 0;
}

/* gpukinds_echo_gpu_on_mixed -- the handler table's entry: on the GPU
 * dispatcher the message joins the next batch; elsewhere it runs here,
 * exactly as one message of a batch would. */
static akt_err
gpukinds_echo_gpu_on_mixed(gpukinds_EchoState *state, akt_ctx *ctx,
    const gpukinds_Mixed *msg)
{
    if (akt_gpu_ctx_placed(ctx)) {
        return akt_gpu_stage(ctx, &gpukinds_echo_gpu_type, 0, msg);
    }
    gpukinds_EchoGpuState t;
    gpukinds_echo_gpu_to_device(state, &t);
    gpukinds_EchoMixedIn in;
    in.value = msg->value;
    in.scale = msg->scale;
    gpukinds_EchoMixedOut out;
    out.sum = ((int64_t)0LL);
    out.bits = ((uint64_t)0ULL);
    out.quot = ((int32_t)0);
    out.odd = false;
    int32_t rc = gpukinds_echo_gpu_mixed(&t, &in, &out);
    if (rc != AKT_GPU_OK) {
        return akt_gpu_fail(ctx, &gpukinds_echo_gpu_type, 0, rc);
    }
    gpukinds_IntsOut *reply = gpukinds_ints_out_alloc(0);
    if (reply == NULL) {
        return AKT_ENOMEM;
    }
    reply->sum = out.sum;
    reply->bits = out.bits;
    reply->quot = out.quot;
    reply->odd = out.odd;
    gpukinds_echo_gpu_from_device(&t, state);
    /* a reply nobody can take is dropped, as a batch's would be */
    if (akt_reply(ctx, reply) != AKT_OK) {
        akt_msg_free(reply);
    }
    return AKT_OK;
}

static akt_err
gpukinds_echo_gpu_pre_start(gpukinds_EchoState *state, akt_ctx *ctx)
{
    return akt_gpu_actor_start(ctx, &gpukinds_echo_gpu_type, state);
}

static void
gpukinds_echo_gpu_post_stop(gpukinds_EchoState *state, akt_ctx *ctx)
{
    (void)state;
    akt_gpu_actor_stop(ctx);
}

const gpukinds_EchoHandlers gpukinds_echo_gpu_handlers = {
    .on_mixed = gpukinds_echo_gpu_on_mixed,
    .pre_start = gpukinds_echo_gpu_pre_start,
    .post_stop = gpukinds_echo_gpu_post_stop,
};

static const akt_gpu_handler gpukinds_echo_gpu_handler_table[] = {
    {.msg = &gpukinds_mixed_desc, .reply = &gpukinds_ints_out_desc, .name = "gpukinds.Mixed",
        .in_base = 0, .nin = 2, .out_base = 0, .nout = 4,
        .pack = gpukinds_echo_gpu_mixed_pack, .reply_fill = gpukinds_echo_gpu_mixed_reply},
};

static const uint8_t gpukinds_echo_gpu_in_sizes[] = {8, 8};
static const uint8_t gpukinds_echo_gpu_out_sizes[] = {8, 8, 4, 1};

const akt_gpu_actor_type gpukinds_echo_gpu_type = {
    .abi = AKT_GPU_ABI,
    .name = "gpukinds.Echo",
    .module = &gpukinds_kinds_gpu_module,
    .kernel = "gpukinds_echo_gpu_kernel",
    .cpu = gpukinds_echo_gpu_cpu,
    .state_size = sizeof(gpukinds_EchoGpuState),
    .state_align = _Alignof(gpukinds_EchoGpuState),
    .to_device = gpukinds_echo_gpu_to_device,
    .from_device = gpukinds_echo_gpu_from_device,
    .nin = 2,
    .in_sizes = gpukinds_echo_gpu_in_sizes,
    .nout = 4,
    .out_sizes = gpukinds_echo_gpu_out_sizes,
    .nhandlers = 1,
    .handlers = gpukinds_echo_gpu_handler_table,
};

akt_err
gpukinds_echo_gpu_props(const gpukinds_EchoHandlers *h, akt_placement placement,
    akt_props *out)
{
    akt_err err = gpukinds_echo_props(h != NULL ? h : &gpukinds_echo_gpu_handlers, out);
    if (err == AKT_OK) {
        err = akt_gpu_place(out, &gpukinds_echo_gpu_type, placement);
    }
    return err;
}

