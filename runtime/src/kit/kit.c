/*
 * kit.c -- where the core meets the kit: the per-system and per-actor
 * state, the hooks core calls (akti_kit_* in core/core.h) and the kit's
 * settings. Each feature lives in its own file (timers.c, stash.c,
 * events.c, fsm.c, shutdown.c, router.c); this file only routes.
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
    return AKT_OK;
}

/* --- per-system -------------------------------------------------------------
 */

akt_err
akti_kit_system_init(akt_system *sys)
{
    kit_sys *k = calloc(1, sizeof(*k));
    if (k == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = akti_kit_settings_read(sys->cfg, &k->set, NULL);
    if (rc != AKT_OK) {
        free(k);
        return rc;
    }
    pthread_mutex_init(&k->ev_mu, NULL);
    pthread_mutex_init(&k->log_mu, NULL);
    pthread_mutex_init(&k->sd_mu, NULL);
    pthread_mutex_init(&k->task_mu, NULL);
    atomic_init(&k->loglevel, sys->set.loglevel);
    atomic_init(&k->nsubs_pub, 0);
    atomic_init(&k->dl_logged, 0);
    atomic_init(&k->dl_resume_at, 0);
    atomic_init(&k->sd_reason, NULL);
    atomic_init(&k->sd_timeouts, 0);
    sys->kit = k;
    if (k->set.shutdown_by_signal) {
        akti_signals_register(sys);
    }
    return AKT_OK;
}

void
akti_kit_system_join(akt_system *sys)
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

void
akti_kit_system_fini(akt_system *sys)
{
    kit_sys *k = kit_sys_of(sys);
    if (k == NULL) {
        return;
    }
    akti_kit_system_join(sys);
    akti_tasks_drop(sys, k, false); /* the wheel is gone: nothing fires now */
    akti_shutdown_fini(sys, k);
    akti_events_fini(k);
    pthread_mutex_destroy(&k->ev_mu);
    pthread_mutex_destroy(&k->log_mu);
    pthread_mutex_destroy(&k->sd_mu);
    pthread_mutex_destroy(&k->task_mu);
    free(k);
    sys->kit = NULL;
}

void
akti_kit_dead_letter(
    akt_system *sys, akt_ref to, akti_msg *inner, akt_err reason, uint64_t n)
{
    if (sys->kit == NULL || inner->type == &akti_kit_tick_type) {
        return; /* a dead actor's timer message: expected, not news */
    }
    akti_events_dead_letter(sys, to, inner, reason, n);
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

akti_msg *
akti_kit_pop(akt_cell *c)
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

akti_msg *
akti_kit_deliver(akt_cell *c, akti_msg *inner)
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

void
akti_kit_cell_stopped(akt_cell *c)
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

void
akti_kit_cell_restarted(akt_cell *c)
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
