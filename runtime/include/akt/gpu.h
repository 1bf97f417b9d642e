/*
 * akt/gpu.h -- actors whose handlers are @gpu (docs/gpu.md).
 *
 * A @gpu handler's body is written in the .akt file; aktc --cuda_out emits
 * it as a shared header that both NVRTC and the C compiler build, and a
 * host file whose descriptors (akt_gpu_actor_type) this header declares.
 * An actor of such a type is placed at spawn:
 *
 *   AKT_PLACEMENT_CPU   (the default) an ordinary actor: each message runs
 *                       the generated handler on the calling dispatcher.
 *   AKT_PLACEMENT_GPU   the GPU dispatcher: messages of many actors are
 *                       batched into one kernel launch; its state lives
 *                       on the device. A spawn fails with AKT_ENOTSUP
 *                       (and a logged reason) when no device is usable:
 *                       no libakt-gpu, no CUDA driver, cuInit failing,
 *                       AKT_GPU=0, or no NVRTC to compile the kernel.
 *   AKT_PLACEMENT_AUTO  the GPU when one is usable, else the CPU.
 *   AKT_PLACEMENT_DEFAULT  what the system's akt.gpu.placement says
 *                       (cpu, gpu or auto; cpu unless configured).
 *
 * Placement is fixed for the actor's life. tell / ask / supervision /
 * bounded mailboxes work the same on both: a message that fails on the
 * GPU fails its actor exactly as it would on the CPU (the failing message
 * and the ones behind it in the batch go back to the head of its
 * mailbox first, so a resumed actor goes on with them in order).
 *
 * libakt never links CUDA: the GPU dispatcher is libakt-gpu, loaded with
 * dlopen on the first GPU spawn; it loads libcuda and libnvrtc with dlopen
 * in turn. The functions below marked "generated code" are the ABI aktc's
 * output calls; applications use the generated pkg_a_gpu_props().
 */
#ifndef AKT_GPU_H
#define AKT_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "akt/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI between aktc's --cuda_out output and libakt. */
#define AKT_GPU_ABI 3

/* The status of one message of a batch; the generated prelude defines the
 * same numbers. 1..999: the handler's fail(code). */
#ifndef AKT_GPU_STATUS_V2
#define AKT_GPU_STATUS_V2
#define AKT_GPU_OK       0
#define AKT_GPU_FAIL_MAX 999
#define AKT_GPU_DIV0     1001
#define AKT_GPU_LIMIT    1002
#define AKT_GPU_CONV     1003
#define AKT_GPU_SKIPPED  1004
#define AKT_GPU_BADMSG   1005
#define AKT_GPU_ENUM     1007
#define AKT_GPU_LOOP_CAP 1048576u
#define AKT_GPU_MAX_COLS 64
#endif

#ifndef AKT_GPU_ARGS_V1
#define AKT_GPU_ARGS_V1
/* akt_gpu_args -- one batch of one actor type (see the generated header):
 * actor i owns messages [beg[i], beg[i + 1]) and its state is
 * states[slot[i]]; message j is handler hid[j]'s row row[j] of that
 * handler's columns in[] (message fields) and out[] (reply fields). */
typedef struct akt_gpu_args {
    uint32_t n_actors;
    uint32_t n_msgs;
    const uint32_t *slot;
    const uint32_t *beg;
    const uint8_t *hid;
    const uint32_t *row;
    void *states;
    int32_t *rc;
    const void *in[AKT_GPU_MAX_COLS];
    void *out[AKT_GPU_MAX_COLS];
} akt_gpu_args;
#endif

/* akt_gpu_ref -- a ref<A> field as the device holds it (the generated
 * prelude has the same); akt_gpu_ref_of / _to convert on the host */
#ifndef AKT_GPU_REF_V1
#define AKT_GPU_REF_V1
typedef struct akt_gpu_ref {
    uint64_t cell;
    uint64_t uid;
} akt_gpu_ref;
#endif

static inline akt_gpu_ref
akt_gpu_ref_of(akt_ref r)
{
    akt_gpu_ref g;
    g.cell = (uint64_t)(uintptr_t)r.cell_;
    g.uid = r.uid_;
    return g;
}

static inline akt_ref
akt_gpu_ref_to(akt_gpu_ref g)
{
    akt_ref r;
    r.cell_ = (struct akt_cell *)(uintptr_t)g.cell;
    r.uid_ = g.uid;
    return r;
}

typedef enum akt_placement {
    AKT_PLACEMENT_CPU = 0,
    AKT_PLACEMENT_GPU = 1,
    AKT_PLACEMENT_AUTO = 2,
    AKT_PLACEMENT_DEFAULT = 3, /* akt.gpu.placement of the spawning system */
} akt_placement;

/* akt_gpu_module -- the source of one .akt file's kernels (generated). */
typedef struct akt_gpu_module {
    uint32_t abi; /* AKT_GPU_ABI */
    const char *name; /* the .akt file's base name */
    const char *const *lines; /* the text of its .gpu.h, line by line */
    size_t nlines;
} akt_gpu_module;

/* where a tell of a @gpu handler goes */
enum {
    AKT_GPU_TO_SENDER = 1, /* the sender of the message handled */
    AKT_GPU_TO_SELF = 2,
    AKT_GPU_TO_REF = 3 /* the akt_gpu_ref in the column after the flag */
};

/* akt_gpu_tell -- one tell statement of a @gpu handler (generated). Its
 * columns, from the handler's out column col: a uint8_t flag (1: sent),
 * for AKT_GPU_TO_REF the target, then the message's fields. */
typedef struct akt_gpu_tell {
    const akt_type *msg;
    uint32_t to; /* AKT_GPU_TO_* */
    uint32_t col; /* its flag's column, from the handler's out_base */
    /* fill -- write row r of its field columns (cols[0]: its first
     * field) into msg, a new message of type msg. The dispatcher makes
     * the message before the batch runs (a message whose sends cannot be
     * made fails, as on the CPU) and fills it from the results. */
    void (*fill)(void *msg, const void *const *cols, uint32_t r);
} akt_gpu_tell;

/* akt_gpu_handler -- one @gpu handler of an actor type (generated). Its
 * message fields are columns in_base .. in_base + nin - 1 of the batch,
 * its reply fields and its tells' columns out_base .. out_base + nout -
 * 1. */
typedef struct akt_gpu_handler {
    const akt_type *msg;
    const akt_type *reply; /* NULL: the handler has no reply */
    const char *name; /* the message's qualified name */
    uint32_t in_base, nin, out_base, nout;
    /* pack -- write msg's fields into row r of cols (this handler's first
     * column first) */
    void (*pack)(const void *msg, void *const *cols, uint32_t r);
    /* reply_fill -- write row r of the reply columns into msg, a new
     * message of type reply (made before the batch runs, as a tell's) */
    void (*reply_fill)(void *msg, const void *const *cols, uint32_t r);
    /* the handler's tell statements, in the order they are written (the
     * order they are sent in, before the reply) */
    uint32_t ntells;
    const akt_gpu_tell *tells;
} akt_gpu_handler;

/* akt_gpu_actor_type -- an actor type with @gpu handlers (generated). */
typedef struct akt_gpu_actor_type {
    uint32_t abi; /* AKT_GPU_ABI */
    const char *name; /* "pkg.Actor" */
    const akt_gpu_module *module;
    const char *kernel; /* the batch kernel's name in module */
    void (*cpu)(const akt_gpu_args *a); /* the CPU batch loop */
    size_t state_size, state_align; /* the device form of the state */
    /* the actor's state (pkg_AState) to the device form and back */
    void (*to_device)(const void *cell_state, void *gpu_state);
    void (*from_device)(const void *gpu_state, void *cell_state);
    uint32_t nin; /* message columns of all handlers */
    const uint8_t *in_sizes; /* bytes per element of each */
    uint32_t nout;
    const uint8_t *out_sizes;
    uint32_t nhandlers;
    const akt_gpu_handler *handlers;
} akt_gpu_actor_type;

/* akt_gpu_place -- set props (made for an actor of type t) to the
 * placement: the dispatcher is chosen when the actor spawns. Errors:
 * AKT_EINVAL (NULL, an unknown placement, or t of another ABI). */
AKT_API akt_err akt_gpu_place(
    akt_props *props, const akt_gpu_actor_type *t, akt_placement placement);

/* akt_gpu_available -- whether a GPU actor could be placed on a device in
 * sys now (loads libakt-gpu and the driver on first use). When not and
 * why != NULL, a reason ("libcuda.so.1: cannot open shared object file",
 * "AKT_GPU=0", ...) is written there (len bytes at most, NUL-terminated). */
AKT_API bool akt_gpu_available(akt_system *sys, char *why, size_t len);

/* akt_gpu_stats -- what the system's GPU dispatcher did so far. */
typedef struct akt_gpu_stats {
    uint64_t batches; /* launches (one per actor type and batch) */
    uint64_t messages; /* messages run in them */
    uint64_t largest; /* the most messages in one launch */
    uint64_t requeued; /* failed messages put back (with those after) */
    uint64_t told; /* tells of @gpu handlers routed */
    uint64_t device_faults; /* 1 once the device failed (then the CPU) */
    char executor[256]; /* "cuda: NVIDIA H100 (sm_90), ..." or "cpu ..." */
} akt_gpu_stats;

/* akt_gpu_stats_get -- the numbers of sys's GPU dispatcher. AKT_ENOENT
 * when it has none (no GPU spawn yet, or no device). */
AKT_API akt_err akt_gpu_stats_get(akt_system *sys, akt_gpu_stats *out);

/* --- for generated code ---------------------------------------------------
 */

/* akt_gpu_ctx_placed -- true when the running actor is on the GPU
 * dispatcher (its messages are staged, not run in the handler). */
AKT_API bool akt_gpu_ctx_placed(akt_ctx *ctx);

/* akt_gpu_stage -- from handler hid's entry of an actor on the GPU
 * dispatcher: the message joins the batch being built (the runtime keeps
 * a reference and the sender). Returns AKT_OK, or, when this message is
 * one that failed in the last batch and was put back, its failure (as
 * akt_gpu_fail would). */
AKT_API akt_err akt_gpu_stage(
    akt_ctx *ctx, const akt_gpu_actor_type *t, uint32_t hid, const void *msg);

/* akt_gpu_fail -- the handler failed with status (1..999 the handler's
 * fail code, AKT_GPU_* a runtime check): records the reason text
 * ("pkg.Actor on pkg.Msg: fail(3)") and returns the akt_err the actor
 * fails with: AKT_EFAILED for fail codes, AKT_ERANGE for DIV0, CONV and ENUM,
 * AKT_ETOOBIG for LIMIT, AKT_EINTERNAL otherwise. */
AKT_API akt_err akt_gpu_fail(
    akt_ctx *ctx, const akt_gpu_actor_type *t, uint32_t hid, int32_t status);

/* akt_gpu_actor_start -- pre_start (also run by a restart): on the GPU
 * dispatcher, take a state slot for the actor (once) and write its state
 * (the cell's, just initialised) there before the next batch. Does
 * nothing elsewhere. Errors: AKT_ENOMEM. */
AKT_API akt_err akt_gpu_actor_start(
    akt_ctx *ctx, const akt_gpu_actor_type *t, const void *cell_state);

/* akt_gpu_actor_stop -- post_stop: give the slot back. */
AKT_API void akt_gpu_actor_stop(akt_ctx *ctx);

/* akt_gpu_status_reason -- the text akt_gpu_fail records, into buf. */
AKT_API void akt_gpu_status_reason(const akt_gpu_actor_type *t, uint32_t hid,
    int32_t status, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* AKT_GPU_H */
