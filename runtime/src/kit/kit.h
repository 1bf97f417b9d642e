/*
 * kit.h -- private types of the kit: per-system state (event stream,
 * logging, coordinated shutdown, settings) and per-actor state (keyed
 * timers, receive timeout, stash, FSM). See README.md in this folder.
 */
#ifndef AKTI_KIT_H
#define AKTI_KIT_H

#include <pthread.h>
#include <stdatomic.h>

#include "akt/events.h"
#include "akt/fsm.h"
#include "akt/gpu.h"
#include "akt/router.h"
#include "akt/shutdown.h"
#include "akt/stash.h"
#include "akt/timers.h"
#include "core/core.h"

/* --- settings (akt.actor.stash-capacity, akt.coordinated-shutdown.*, ...) */

typedef struct kit_settings {
    uint32_t stash_capacity;
    int64_t dl_log_suspend_ns;
    bool shutdown_by_signal;
    int64_t phase_timeout_ns[AKT_PHASE_COUNT];
    uint32_t virtual_nodes;
    int64_t router_within_ns;
    int64_t router_interval_ns;
    /* akt.gpu.* (gpu.c, docs/gpu.md) */
    struct {
        bool enabled;
        int placement; /* AKT_PLACEMENT_CPU, _GPU or _AUTO */
        int executor; /* AKT_GPU_EXEC_CUDA or _CPU (gpu/src/plugin.h) */
        uint32_t device;
        uint32_t max_batch;
        int64_t max_delay_ns;
        uint32_t actor_cap;
        int64_t batch_timeout_ns;
        bool cuda_graphs;
        uint32_t persistent_max_batch; /* 0: no persistent kernel */
        bool cache_enabled;
        const char *cache_dir; /* in the system's config; "" = default */
        uint64_t cache_max_size;
    } gpu;
} kit_settings;

/* --- per-actor timers ---------------------------------------------------- */

/* One armed timer. refs: the owner's table entry, and the wheel while it
 * is armed or firing. A restart of the key makes a new entry (the old one
 * is marked dead), so a firing callback never races a re-arm. */
typedef struct kit_timer {
    akti_timer t;
    pthread_mutex_t mu;
    _Atomic uint32_t refs;
    bool dead; /* under mu: removed from its table */
    akt_system *sys;
    akt_ref to;
    uint64_t key, gen;
    int64_t interval; /* 0: single */
    void *msg; /* one reference */
} kit_timer;

/* What the wheel sends to the actor: the timer's message plus the key and
 * generation checked at delivery (so a cancelled timer's queued message
 * is dropped). */
typedef struct kit_tick {
    uint64_t key, gen;
    void *inner; /* one reference */
} kit_tick;
AKTI_INTERNAL extern const akt_type akti_kit_tick_type;

#define KIT_KEY_RECEIVE_TIMEOUT UINT64_C(0xfffffffffffffff0)
#define KIT_KEY_STATE_TIMEOUT   UINT64_C(0xfffffffffffffff1)

typedef struct kit_fsm_rt {
    const akt_fsm_def *def; /* from the start on; NULL: not an FSM */
    int cur;
    int next; /* -1: stay */
    int64_t next_timeout; /* -1: the state's own */
    bool stop;
    bool started;
} kit_fsm_rt;

typedef struct kit_cell {
    kit_timer **timers;
    uint32_t ntimers, captimers;
    uint64_t next_gen;
    /* receive timeout */
    int64_t rt_ns;
    int64_t rt_last;
    /* stash: envelopes (header sender kept), oldest first */
    akti_msg **stash;
    uint32_t nstash, capstash;
    uint32_t stash_capacity; /* 0: config */
    /* unstashed, processed before the mailbox: a ring */
    akti_msg **unq;
    uint32_t unq_head, unq_len, unq_cap;
    kit_fsm_rt fsm;
    /* an actor on the GPU dispatcher (gpu.c) */
    struct {
        const akt_gpu_actor_type *t;
        uint32_t slot;
        bool has_slot;
        int32_t pending; /* the status the next message fails with */
    } gpu;
} kit_cell;

/* the kit state of the actor running ctx (created on demand) */
AKTI_INTERNAL kit_cell *akti_kit_cell(akt_cell *c);
AKTI_INTERNAL kit_cell *akti_kit_cell_ctx(akt_ctx *ctx);
AKTI_INTERNAL akt_err akti_kit_timer_start(akt_cell *c, kit_cell *k,
    uint64_t key, void *msg, int64_t delay, int64_t interval);
AKTI_INTERNAL bool akti_kit_timer_cancel(kit_cell *k, uint64_t key);
AKTI_INTERNAL void akti_kit_timers_clear(kit_cell *k);
AKTI_INTERNAL akti_msg *akti_kit_timer_deliver(
    akt_cell *c, kit_cell *k, akti_msg *inner);
AKTI_INTERNAL void akti_kit_stash_drop(akt_cell *c, kit_cell *k);
AKTI_INTERNAL void akti_kit_stash_back(akt_cell *c, kit_cell *k);
/* akti_kit_requeue_front -- put n envelopes (oldest first) ahead of
 * everything else the actor has queued; false on ENOMEM */
AKTI_INTERNAL bool akti_kit_requeue_front(
    akt_cell *c, kit_cell *k, akti_msg **v, uint32_t n);

/* --- per-system state ------------------------------------------------------
 */

typedef struct kit_sub {
    akt_ref ref;
    const akt_type *type; /* NULL: everything */
} kit_sub;

typedef struct kit_sys {
    kit_settings set;
    /* event stream */
    pthread_mutex_t ev_mu;
    kit_sub *subs;
    size_t nsubs, capsubs;
    _Atomic size_t nsubs_pub; /* lock-free "anyone listening?" */
    akt_ref unsubscriber;
    /* dead letters seen (the log line's number), log rate limit */
    _Atomic uint64_t dl_seen;
    _Atomic int64_t dl_logged;
    _Atomic int64_t dl_resume_at;
    /* coordinated shutdown */
    pthread_mutex_t sd_mu;
    struct kit_sd_task *sd_tasks[AKT_PHASE_COUNT];
    _Atomic(const char *) sd_reason;
    char sd_reason_buf[128];
    bool sd_thread_started;
    pthread_t sd_thread;
    bool signals_registered;
    _Atomic uint32_t sd_timeouts;
    /* the GPU dispatcher (gpu.c): made on the first GPU spawn by one
     * thread (gpu_opening), without gpu_mu held: loading libakt-gpu, the
     * driver and NVRTC may take seconds; other GPU spawns wait on gpu_cv.
     * gpu_why is why there is none once that failed */
    pthread_mutex_t gpu_mu;
    pthread_cond_t gpu_cv;
    bool gpu_opening;
    bool gpu_tried;
    struct kit_gpu *gpu;
    char gpu_why[512];
    /* scheduler tasks not yet run or cancelled (their fini is due at free) */
    pthread_mutex_t task_mu;
    struct akt_task *tasks;
} kit_sys;

static inline kit_sys *
kit_sys_of(akt_system *sys)
{
    return (kit_sys *)sys->kit;
}

/* akti_kit_settings_read -- the kit's keys (akt.actor.stash-capacity,
 * akt.router.*, akt.coordinated-shutdown.*, ...) into *out, which is
 * written only on success. A bad value fails with AKT_ETYPE, AKT_ERANGE
 * or AKT_EINVAL and fills err (may be NULL) as config/settings_reader.h
 * says. */
AKTI_INTERNAL akt_err akti_kit_settings_read(
    const akt_config *cfg, kit_settings *out, akt_config_error *err);
AKTI_INTERNAL void akti_events_fini(kit_sys *k);
AKTI_INTERNAL void akti_tasks_drop(
    akt_system *sys, kit_sys *k, bool wheel_alive);
AKTI_INTERNAL void akti_shutdown_fini(akt_system *sys, kit_sys *k);
AKTI_INTERNAL void akti_shutdown_run_phases(akt_system *sys);
AKTI_INTERNAL void akti_signals_register(akt_system *sys);
AKTI_INTERNAL void akti_signals_unregister(akt_system *sys);
AKTI_INTERNAL void akti_events_dead_letter(
    akt_system *sys, akt_ref to, akti_msg *inner, akt_err reason, uint64_t n);
/* akti_kit_dispatcher -- the plug-in's dispatcher hook (gpu.c): the GPU
 * dispatcher for "akt.gpu" / "akt.gpu.auto", made on first use */
AKTI_INTERNAL akti_dispatcher *akti_kit_dispatcher(
    akt_system *sys, const char *name, akt_err *err);
/* coordinated shutdown's entry (shutdown.c): the plug-in's terminate */
AKTI_INTERNAL void akti_kit_terminate(akt_system *sys);
AKTI_INTERNAL uint64_t akti_kit_hash(const void *p, size_t n, uint64_t seed);

#endif /* AKTI_KIT_H */
