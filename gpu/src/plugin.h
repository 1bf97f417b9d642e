/*
 * plugin.h -- the interface between libakt (runtime/src/kit/gpu.c) and
 * libakt-gpu, which libakt loads with dlopen on the first GPU spawn.
 *
 * libakt-gpu must not link libakt (a program may link libakt statically;
 * a second copy would be a second runtime), so everything it needs from
 * the runtime comes through akt_gpu_host, a table libakt fills; and
 * everything libakt needs from it through akt_gpu_plugin, which its one
 * exported function returns. Cells are opaque here (void *).
 *
 * Threads: the plugin runs one dispatcher thread per system. Only that
 * thread runs GPU-placed cells (host->cell_run), so it is the one consumer
 * of their mailboxes; schedule() is called from any thread.
 */
#ifndef AKT_GPU_PLUGIN_H
#define AKT_GPU_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "akt/actor.h"
#include "akt/events.h"
#include "akt/gpu.h"

#define AKT_GPU_PLUGIN_ABI    6
#define AKT_GPU_PLUGIN_SYMBOL "akt_gpu_plugin_v1"

/* a status the runtime adds to the generated ones: the device failed
 * (its context is poisoned); the actor's state on it is lost */
#define AKT_GPU_DEVICE 1006
/* another: the messages a handler may send (its tells, its reply) could
 * not be made before it ran (no memory); it did not run */
#define AKT_GPU_NOMEM 1008

/* what libakt gives the plugin */
typedef struct akt_gpu_host {
    uint32_t abi;
    /* cell_run -- one turn of cell (at most n user messages) on the
     * calling thread; the akt_gpu_stage calls it makes reach batch */
    void (*cell_run)(void *cell, int n, void *batch);
    /* requeue -- put n messages (one reference each, taken) with their
     * senders back at the head of actor self's mailbox, in order; the
     * first fails with status when it is handled again. Schedules the
     * actor. An actor that stopped meanwhile gets them as dead letters. */
    void (*requeue)(akt_ref self, void *const *msgs, const akt_ref *senders,
        uint32_t n, int32_t status);
    /* tell -- akt_tell (consumes msg on AKT_OK) */
    akt_err (*tell)(akt_ref to, void *msg, akt_ref from);
    /* msg_alloc -- akt_msg_new(type, 0): NULL on ENOMEM */
    void *(*msg_alloc)(const akt_type *type);
    void (*msg_free)(void *msg);
    /* log -- a line in the system's log (level: akt_log_level) */
    void (*log)(akt_system *sys, int level, const char *text);
} akt_gpu_host;

enum {
    AKT_GPU_EXEC_AUTO = 0, /* CUDA, or fail open() */
    AKT_GPU_EXEC_CUDA,
    AKT_GPU_EXEC_CPU /* batches run by the CPU batch loop (no device) */
};

/* akt_gpu_options -- the dispatcher's settings: akt.gpu.* (docs/gpu.md),
 * read and checked by libakt when the system was created */
typedef struct akt_gpu_options {
    uint32_t max_batch; /* messages per batch, default 16384 */
    int64_t max_delay_ns; /* a batch takes the actors whose oldest message
                             arrived within this of its own oldest one,
                             default 50 us */
    uint32_t actor_cap; /* messages of one actor per batch, default 64 */
    int executor; /* AKT_GPU_EXEC_* */
    int device; /* CUDA ordinal */
    /* a batch on the device not done after this is a hung device (its
     * context is given up as a poisoned one is), default 10 s */
    int64_t batch_timeout_ns;
    /* copy + kernel + copy of a batch as one CUDA graph (default on) */
    bool cuda_graphs;
    /* batches of up to this many messages go to the type's persistent
     * kernel (0: none, the default) */
    uint32_t persistent_max_batch;
    /* the kernel cache: a folder, "" for the default one, or "off"
     * (AKT_KERNEL_CACHE already applied); its size cap in bytes */
    const char *cache_dir;
    uint64_t cache_cap;
    /* test hook for the CPU executor: the batch with this number (from 1)
     * fails as a poisoned device would (0: never) */
    uint64_t fault_at_batch;
} akt_gpu_options;

/* what the plugin gives libakt */
typedef struct akt_gpu_plugin {
    uint32_t abi;
    /* open -- the dispatcher for sys, not started; NULL with the reason
     * in why when no device is usable (no driver, cuInit failing, no
     * NVRTC) */
    void *(*open)(const akt_gpu_host *host, akt_system *sys,
        const akt_gpu_options *o, char *why, size_t len);
    akt_err (*start)(void *d);
    /* stop -- join the thread (the system stopped every actor first) */
    void (*stop)(void *d);
    void (*close)(void *d);
    /* Cells are named by an index (the runtime's slot of the cell, < 2^24,
     * constant for the cell and reused by a later one).
     * attach -- cell idx joins (its spawn, any thread): the dispatcher
     * reserves what scheduling it takes, so schedule never allocates, and
     * a record of when its messages arrive (at most bound of them: its
     * mailbox's capacity, 0 when unbounded); AKT_ENOMEM fails the spawn.
     * detach -- it left (it stopped). */
    akt_err (*attach)(void *d, uint32_t idx, uint32_t bound);
    void (*detach)(void *d, uint32_t idx);
    /* arriving -- user message msg (the body a handler will stage) is
     * about to be queued for cell idx (any thread, before the message can
     * be taken): when it arrived, for the batch's age. Never fails. */
    void (*arriving)(void *d, uint32_t idx, const void *msg);
    /* schedule -- an attached cell has work (any thread); never fails */
    void (*schedule)(void *d, void *cell, uint32_t idx);
    /* stage -- from akt_gpu_stage inside cell_run: msg (one reference,
     * taken on AKT_OK) of handler hid, for actor self in slot, joins
     * batch. *fail: a status to fail the message with now instead (its
     * state was lost with the device); the reference is then not taken. */
    akt_err (*stage)(void *batch, akt_ref self, const akt_gpu_actor_type *t,
        uint32_t slot, uint32_t hid, void *msg, akt_ref sender, int32_t *fail);
    /* slot_start -- *slot UINT32_MAX: take a slot for an actor of t; then
     * write gpu_state (t's device form) there before the next batch.
     * AKT_ENOMEM. */
    akt_err (*slot_start)(void *d, const akt_gpu_actor_type *t, uint32_t *slot,
        const void *gpu_state);
    /* slot_free -- the actor stopped; the slot is reused after the batch
     * being built */
    void (*slot_free)(void *d, const akt_gpu_actor_type *t, uint32_t slot);
    /* describe -- "cuda: NVIDIA H100 (sm_90)...", for logs */
    const char *(*describe)(void *d);
    /* stats -- the counters (any thread) */
    void (*stats)(void *d, akt_gpu_stats *out);
} akt_gpu_plugin;

typedef const akt_gpu_plugin *(*akt_gpu_plugin_fn)(void);

#endif /* AKT_GPU_PLUGIN_H */
