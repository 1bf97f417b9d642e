/*
 * kit.c -- where the core meets the kit: the kit's plug-in table (the
 * hooks the core calls through sys->plugin, core/core.h's
 * akti_plugin_ops), akt_system_create (a core system with the kit plugged
 * in), the per-system and per-actor state and the kit's settings. Each
 * feature lives in its own file (timers.c, stash.c, events.c, fsm.c,
 * shutdown.c, router.c); this file only routes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/settings_reader.h"
#include "kit/kit.h"

/* --- settings ---------------------------------------------------------------
 */

akt_err
akti_kit_settings_read(
    const akt_config *cfg, kit_settings *s, akt_config_error *err)
{
    int64_t stash = 1000, suspend = 300000000000, vnodes = 10;
    int64_t within = 5000000000, interval = 100000000, phase = 5000000000;
    int64_t phases[AKT_PHASE_COUNT];
    bool by_signal = false;
    akti_setreader r = { .cfg = cfg, .rc = AKT_OK, .err = err };
    akti_set_int(&r, "akt.actor.stash-capacity", &stash, 1, UINT32_MAX);
    /* 0: never log again after log-max lines */
    akti_set_dur(
        &r, "akt.actor.dead-letters.log-suspend", &suspend, 0, INT64_MAX);
    akti_set_int(&r, "akt.router.virtual-nodes", &vnodes, 1, 1000);
    akti_set_dur(&r, "akt.router.within", &within, 1, INT64_MAX);
    akti_set_dur(&r, "akt.router.interval", &interval, 1, INT64_MAX);
    akti_set_dur(
        &r, "akt.coordinated-shutdown.phase-timeout", &phase, 0, INT64_MAX);
    akti_set_bool(&r, "akt.coordinated-shutdown.run-by-signal", &by_signal);
    for (int p = 0; p < AKT_PHASE_COUNT; p++) {
        char key[128];
        phases[p] = phase;
        snprintf(key, sizeof(key), "akt.coordinated-shutdown.phases.%s.timeout",
            akt_shutdown_phase_name((akt_shutdown_phase)p));
        akti_set_dur(&r, key, &phases[p], 0, INT64_MAX);
    }
    /* akt.gpu.*: read here, at system create, so that a bad value fails
     * it; the GPU dispatcher itself is made on the first GPU spawn */
    static const char *const placements[] = { "cpu", "gpu", "auto" };
    static const char *const executors[] = { "cuda", "cpu" };
    bool gpu_on = true, cache_on = true, graphs = true;
    int placement = 0, executor = 0;
    int64_t device = 0, max_batch = 16384, actor_cap = 64;
    int64_t max_delay = 50000, batch_timeout = 10000000000, persistent = 0;
    uint64_t cache_max = 256ull << 20;
    const char *cache_dir = "";
    akti_set_bool(&r, "akt.gpu.enabled", &gpu_on);
    akti_set_enum(&r, "akt.gpu.placement", &placement, placements, 3);
    akti_set_enum(&r, "akt.gpu.executor", &executor, executors, 2);
    akti_set_int(&r, "akt.gpu.device", &device, 0, 1024);
    akti_set_int(&r, "akt.gpu.max-batch", &max_batch, 1, 1 << 24);
    akti_set_dur(&r, "akt.gpu.max-delay", &max_delay, 1000, 10000000000);
    akti_set_int(&r, "akt.gpu.actor-cap", &actor_cap, 1, 1 << 20);
    akti_set_dur(
        &r, "akt.gpu.batch-timeout", &batch_timeout, 1000000, INT64_MAX);
    akti_set_bool(&r, "akt.gpu.cuda-graphs", &graphs);
    akti_set_int(&r, "akt.gpu.persistent-max-batch", &persistent, 0, 65536);
    akti_set_bool(&r, "akt.gpu.kernel-cache.enabled", &cache_on);
    akti_set_str(&r, "akt.gpu.kernel-cache.dir", &cache_dir);
    akti_set_size(&r, "akt.gpu.kernel-cache.max-size", &cache_max, 1 << 20,
        UINT64_C(1) << 40);
    if (r.rc != AKT_OK) {
        return r.rc;
    }
    memset(s, 0, sizeof(*s));
    s->stash_capacity = (uint32_t)stash;
    s->dl_log_suspend_ns = suspend;
    s->virtual_nodes = (uint32_t)vnodes;
    s->router_within_ns = within;
    s->router_interval_ns = interval;
    s->shutdown_by_signal = by_signal;
    memcpy(s->phase_timeout_ns, phases, sizeof(phases));
    s->gpu.enabled = gpu_on;
    s->gpu.placement = placement;
    s->gpu.executor = executor;
    s->gpu.device = (uint32_t)device;
    s->gpu.max_batch = (uint32_t)max_batch;
    s->gpu.max_delay_ns = max_delay;
    s->gpu.actor_cap = (uint32_t)actor_cap;
    s->gpu.batch_timeout_ns = batch_timeout;
    s->gpu.cuda_graphs = graphs;
    s->gpu.persistent_max_batch = (uint32_t)persistent;
    s->gpu.cache_enabled = cache_on;
    s->gpu.cache_dir = cache_dir;
    s->gpu.cache_max_size = cache_max;
    return AKT_OK;
}

/* --- per-system -------------------------------------------------------------
 */

static void kit_dead_letter(
    akt_ref to, const void *msg, akt_err reason, void *arg);

static akt_err
kit_system_init(akt_system *sys, akt_config_error *err)
{
    kit_sys *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = akti_kit_settings_read(sys->cfg, &k->set, err);
    if (rc != AKT_OK) {
        free(k);
        return rc;
    }
    pthread_mutex_init(&k->ev_mu, NULL);
    pthread_mutex_init(&k->sd_mu, NULL);
    pthread_mutex_init(&k->task_mu, NULL);
    pthread_mutex_init(&k->gpu_mu, NULL);
    pthread_cond_init(&k->gpu_cv, NULL);
    atomic_init(&k->nsubs_pub, 0);
    atomic_init(&k->dl_logged, 0);
    atomic_init(&k->dl_resume_at, 0);
    atomic_init(&k->sd_reason, NULL);
    atomic_init(&k->sd_timeouts, 0);
    atomic_init(&k->dl_seen, 0);
    sys->kit = k;
    rc = akti_system_observe_dead_letters(sys, kit_dead_letter, sys);
    if (rc != AKT_OK) {
        return rc;
    }
    if (k->set.shutdown_by_signal) {
        akti_signals_register(sys);
    }
    return AKT_OK;
}

static void
kit_system_join(akt_system *sys)
{
    kit_sys *k = kit_sys_of(sys);
    if (k == NULL) {
        return;
    }
    if (k->signals_registered) {
        akti_signals_unregister(sys);
    }
    pthread_mutex_lock(&k->sd_mu);
    bool join = k->sd_thread_started;
    k->sd_thread_started = false;
    pthread_mutex_unlock(&k->sd_mu);
    if (join) {
        pthread_join(k->sd_thread, NULL);
    }
    akti_tasks_drop(sys, k, true); /* pending tasks: fini, never fn */
}

static void
kit_system_fini(akt_system *sys)
{
    kit_sys *k = kit_sys_of(sys);
    if (k == NULL) {
        return;
    }
    kit_system_join(sys);
    akti_tasks_drop(sys, k, false); /* the wheel is gone: nothing fires now */
    akti_shutdown_fini(sys, k);
    akti_events_fini(k);
    pthread_mutex_destroy(&k->ev_mu);
    pthread_mutex_destroy(&k->sd_mu);
    pthread_mutex_destroy(&k->task_mu);
    pthread_mutex_destroy(&k->gpu_mu);
    pthread_cond_destroy(&k->gpu_cv);
    free(k);
    sys->kit = NULL;
}

/* the kit's dead-letter observer: the rate-limited log line and the
 * DeadLetter / UnhandledMessage events (events.c) */
static void
kit_dead_letter(akt_ref to, const void *msg, akt_err reason, void *arg)
{
    akt_system *sys = arg;
    kit_sys *k = kit_sys_of(sys);
    akti_msg *inner = akti_msg_hdr(msg);
    if (k == NULL || inner->type == &akti_kit_tick_type) {
        return; /* a dead actor's timer message: expected, not news */
    }
    uint64_t n
        = atomic_fetch_add_explicit(&k->dl_seen, 1, memory_order_relaxed) + 1;
    akti_events_dead_letter(sys, to, inner, reason, n);
}

/* log lines the core made go to the event stream too */
static void
kit_publish(akt_system *sys, void *event)
{
    if (akt_events_publish(sys, event) != AKT_OK) {
        akt_msg_free(event);
    }
}

/* --- per-actor --------------------------------------------------------------
 */

kit_cell *
akti_kit_cell(akt_cell *c)
{
    akti_cell_ext *x = akti_cell_ext_get(c);
    if (x->kit == NULL) {
        x->kit = calloc(1, sizeof(kit_cell));
        if (x->kit == NULL) {
            return NULL;
        }
        ((kit_cell *)x->kit)->fsm.cur = -1;
    }
    c->flags |= CELL_F_KIT;
    return x->kit;
}

kit_cell *
akti_kit_cell_ctx(akt_ctx *ctx)
{
    return ctx ? akti_kit_cell(akti_ctx_cell(ctx)) : NULL;
}

static akti_msg *
kit_pop(akt_cell *c)
{
    kit_cell *k = c->ext ? c->ext->kit : NULL;
    if (k == NULL || k->unq_len == 0) {
        return NULL;
    }
    akti_msg *m = k->unq[k->unq_head];
    k->unq_head = (k->unq_head + 1) % k->unq_cap;
    k->unq_len--;
    return m;
}

static akti_msg *
kit_deliver(akt_cell *c, akti_msg *inner)
{
    kit_cell *k = c->ext ? c->ext->kit : NULL;
    if (k == NULL) {
        return inner;
    }
    if (inner->type == &akti_kit_tick_type) {
        return akti_kit_timer_deliver(c, k, inner);
    }
    if (k->rt_ns > 0) {
        k->rt_last = akti_wheel_now(c->sys->wheel);
    }
    return inner;
}

static void
kit_cell_stopped(akt_cell *c)
{
    kit_cell *k = c->ext ? c->ext->kit : NULL;
    if (k == NULL) {
        return;
    }
    akti_kit_timers_clear(k);
    akti_kit_stash_drop(c, k);
    free(k->timers);
    free(k->stash);
    free(k->unq);
    free(k);
    c->ext->kit = NULL;
}

static void
kit_cell_restarted(akt_cell *c)
{
    kit_cell *k = c->ext ? c->ext->kit : NULL;
    if (k == NULL) {
        return;
    }
    akti_kit_timers_clear(k);
    k->rt_ns = 0;
    k->fsm = (kit_fsm_rt) { .cur = -1, .next = -1, .next_timeout = -1 };
    akti_kit_stash_back(c, k);
}

/* --- the plug-in -------------------------------------------------------------
 */

static const akti_plugin_ops kit_plugin = {
    .name = "kit",
    .system_init = kit_system_init,
    .system_join = kit_system_join,
    .system_fini = kit_system_fini,
    .terminate = akti_kit_terminate,
    .publish = kit_publish,
    .pop = kit_pop,
    .deliver = kit_deliver,
    .cell_stopped = kit_cell_stopped,
    .cell_restarted = kit_cell_restarted,
    .dispatcher = akti_kit_dispatcher,
};

akt_err
akt_system_create_ex(const char *name, const akt_config *cfg, akt_system **out,
    akt_config_error *err)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
    }
    return akti_system_create(name, cfg, &kit_plugin, out, err);
}

akt_err
akt_system_create(const char *name, const akt_config *cfg, akt_system **out)
{
    akt_config_error e;
    akt_err rc = akt_system_create_ex(name, cfg, out, &e);
    if (rc != AKT_OK && e.message[0] != '\0') {
        /* no system, so no log sink yet: say which setting, on stderr */
        fprintf(stderr, "akt: system %s not created: %s\n",
            name ? name : "(null)", e.message);
    }
    return rc;
}

/* --- small shared helpers ----------------------------------------------------
 */

uint64_t
akti_kit_hash(const void *p, size_t n, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 1099511628211ull;
    }
    /* finalise (splitmix64) so nearby inputs spread over the ring */
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}
