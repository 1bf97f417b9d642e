/*
 * testkit.c -- akt-testkit: test probes, virtual time, deterministic mode.
 * Uses only libakt's public API (akt/akt.h).
 *
 * A probe is an actor whose catch-all handler queues every message (one
 * more reference, with its sender) under a mutex and signals a condition
 * variable; the test thread waits on it with a deadline. The queue struct
 * is shared by the test and the actor (two references), so either may go
 * first. In deterministic mode the probe runs on the sender's thread and
 * the message is queued before the send returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>
#include <stdatomic.h>

#include "akt/testkit.h"

typedef struct probe_ent {
    void *msg;
    akt_ref sender;
} probe_ent;

struct akt_probe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    probe_ent *q;
    size_t head, len, cap;
    _Atomic int refs;
    akt_ref self;
    akt_ref last_sender;
    akt_system *sys;
};

typedef struct probe_watch {
    akt_ref target;
} probe_watch;

static const akt_type probe_watch_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_SYSTEM,
    .name = "akt.testkit.ProbeWatch",
    .id = 0x984bddd8671c7c18ull,
    .size = sizeof(probe_watch),
    .align = _Alignof(probe_watch),
};

static int64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
probe_unref(akt_probe *p)
{
    if (atomic_fetch_sub(&p->refs, 1) != 1) {
        return;
    }
    for (size_t i = 0; i < p->len; i++) {
        akt_msg_free(p->q[(p->head + i) % p->cap].msg);
    }
    free(p->q);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

/* the actor side ------------------------------------------------------------
 */

typedef struct probe_state {
    akt_probe *p;
} probe_state;

static akt_err
probe_init(void *state, const void *arg)
{
    ((probe_state *)state)->p = (akt_probe *)arg;
    return AKT_OK;
}

static akt_err
probe_on_watch(void *state, akt_ctx *ctx, const void *msg)
{
    return akt_ctx_watch(ctx, ((const probe_watch *)msg)->target);
}

static akt_err
probe_on_any(void *state, akt_ctx *ctx, const void *msg)
{
    akt_probe *p = ((probe_state *)state)->p;
    pthread_mutex_lock(&p->mu);
    if (p->len == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 16;
        probe_ent *nq = malloc(nc * sizeof(*nq));
        if (nq == NULL) {
            pthread_mutex_unlock(&p->mu);
            return AKT_ENOMEM;
        }
        for (size_t i = 0; i < p->len; i++) {
            nq[i] = p->q[(p->head + i) % p->cap];
        }
        free(p->q);
        p->q = nq;
        p->cap = nc;
        p->head = 0;
    }
    p->q[(p->head + p->len) % p->cap]
        = (probe_ent) { akt_msg_retain(msg), akt_ctx_sender(ctx) };
    p->len++;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return AKT_OK;
}

static void
probe_post_stop(void *state, akt_ctx *ctx)
{
    probe_unref(((probe_state *)state)->p);
}

static const akt_handler probe_handlers[] = {
    { &probe_watch_type, probe_on_watch },
};

static const akt_behavior probe_behavior = {
    .name = "testProbe",
    .handlers = probe_handlers,
    .nhandlers = 1,
    .unhandled = probe_on_any,
};

static const akt_lifecycle probe_lifecycle = {
    .post_stop = probe_post_stop,
};

/* the test side ---------------------------------------------------------------
 */

akt_err
akt_probe_new(akt_system *sys, const char *name, akt_probe **out)
{
    if (sys == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    akt_probe *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return AKT_ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&p->refs, 2); /* the test's and the actor's */
    p->sys = sys;
    akt_props props = {
        .behavior = &probe_behavior,
        .lifecycle = &probe_lifecycle,
        .state_size = sizeof(probe_state),
        .state_init = probe_init,
        .init_arg = p,
    };
    akt_err rc = akt_spawn(sys, &props, name, &p->self);
    if (rc != AKT_OK) {
        atomic_store(&p->refs, 1);
        probe_unref(p);
        return rc;
    }
    *out = p;
    return AKT_OK;
}

void
akt_probe_free(akt_probe *p)
{
    if (p == NULL) {
        return;
    }
    akt_stop(p->self);
    probe_unref(p);
}

akt_ref
akt_probe_ref(const akt_probe *p)
{
    return p ? p->self : AKT_REF_NONE;
}

akt_ref
akt_probe_last_sender(const akt_probe *p)
{
    return p ? p->last_sender : AKT_REF_NONE;
}

size_t
akt_probe_pending(akt_probe *p)
{
    if (p == NULL) {
        return 0;
    }
    pthread_mutex_lock(&p->mu);
    size_t n = p->len;
    pthread_mutex_unlock(&p->mu);
    return n;
}

/* pop with an absolute monotonic deadline */
static akt_err
pop_until(akt_probe *p, int64_t deadline, void **msg, akt_ref *sender)
{
    pthread_mutex_lock(&p->mu);
    while (p->len == 0) {
        int64_t now = mono_ns();
        if (now >= deadline) {
            pthread_mutex_unlock(&p->mu);
            return AKT_ETIMEDOUT;
        }
        struct timespec ts;
        int64_t d = deadline == INT64_MAX ? now + (int64_t)3600 * 1000000000
                                          : deadline;
        ts.tv_sec = (time_t)(d / 1000000000);
        ts.tv_nsec = (long)(d % 1000000000);
        pthread_cond_timedwait(&p->cv, &p->mu, &ts);
    }
    probe_ent e = p->q[p->head];
    p->head = (p->head + 1) % p->cap;
    p->len--;
    p->last_sender = e.sender;
    pthread_mutex_unlock(&p->mu);
    if (sender) {
        *sender = e.sender;
    }
    if (msg) {
        *msg = e.msg;
    } else {
        akt_msg_free(e.msg);
    }
    return AKT_OK;
}

static int64_t
deadline_of(int64_t timeout)
{
    int64_t now = mono_ns();
    return timeout >= INT64_MAX - now ? INT64_MAX
                                      : now + (timeout < 0 ? 0 : timeout);
}

akt_err
akt_probe_receive(akt_probe *p, int64_t timeout_ns, void **msg, akt_ref *sender)
{
    if (p == NULL) {
        return AKT_EINVAL;
    }
    return pop_until(p, deadline_of(timeout_ns), msg, sender);
}

static const char *
type_name(const void *m)
{
    const akt_type *t = akt_msg_type(m);
    return t && t->name ? t->name : "?";
}

akt_err
akt_probe_expect_type(
    akt_probe *p, const akt_type *type, int64_t timeout_ns, void **msg)
{
    void *m;
    akt_err rc = akt_probe_receive(p, timeout_ns, &m, NULL);
    if (rc != AKT_OK) {
        fprintf(stderr, "akt-testkit: expected %s, got nothing (%s)\n",
            type ? type->name : "?", akt_err_name(rc));
        return rc;
    }
    const akt_type *t = akt_msg_type(m);
    if (t != type && !(t && type && t->id == type->id)) {
        fprintf(stderr, "akt-testkit: expected %s, got %s\n",
            type ? type->name : "?", type_name(m));
        akt_msg_free(m);
        return AKT_ETYPE;
    }
    if (msg) {
        *msg = m;
    } else {
        akt_msg_free(m);
    }
    return AKT_OK;
}

akt_err
akt_probe_expect(akt_probe *p, akt_probe_pred pred, void *arg,
    int64_t timeout_ns, void **msg)
{
    if (pred == NULL) {
        return AKT_EINVAL;
    }
    void *m;
    akt_err rc = akt_probe_receive(p, timeout_ns, &m, NULL);
    if (rc != AKT_OK) {
        return rc;
    }
    if (!pred(m, arg)) {
        fprintf(stderr, "akt-testkit: %s did not match\n", type_name(m));
        akt_msg_free(m);
        return AKT_EFAILED;
    }
    if (msg) {
        *msg = m;
    } else {
        akt_msg_free(m);
    }
    return AKT_OK;
}

akt_err
akt_probe_expect_no_msg(akt_probe *p, int64_t duration_ns)
{
    void *m;
    if (akt_probe_receive(p, duration_ns, &m, NULL) == AKT_ETIMEDOUT) {
        return AKT_OK;
    }
    fprintf(stderr, "akt-testkit: expected no message, got %s\n", type_name(m));
    akt_msg_free(m);
    return AKT_EFAILED;
}

akt_err
akt_probe_receive_n(akt_probe *p, size_t n, int64_t timeout_ns, void **msgs)
{
    if (p == NULL) {
        return AKT_EINVAL;
    }
    int64_t dl = deadline_of(timeout_ns);
    for (size_t i = 0; i < n; i++) {
        if (msgs) {
            msgs[i] = NULL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        akt_err rc = pop_until(p, dl, msgs ? &msgs[i] : NULL, NULL);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}

akt_err
akt_probe_fish(akt_probe *p, akt_probe_pred pred, void *arg, int64_t timeout_ns,
    void **msg)
{
    if (p == NULL || pred == NULL) {
        return AKT_EINVAL;
    }
    int64_t dl = deadline_of(timeout_ns);
    for (;;) {
        void *m;
        akt_err rc = pop_until(p, dl, &m, NULL);
        if (rc != AKT_OK) {
            return rc;
        }
        if (pred(m, arg)) {
            if (msg) {
                *msg = m;
            } else {
                akt_msg_free(m);
            }
            return AKT_OK;
        }
        akt_msg_free(m);
    }
}

akt_err
akt_probe_watch(akt_probe *p, akt_ref target)
{
    if (p == NULL || akt_ref_is_none(target)) {
        return AKT_EINVAL;
    }
    probe_watch *w = akt_msg_new(&probe_watch_type, 0);
    if (w == NULL) {
        return AKT_ENOMEM;
    }
    w->target = target;
    akt_err rc = akt_tell(p->self, w, AKT_REF_NONE);
    if (rc != AKT_OK) {
        akt_msg_free(w);
    }
    return rc;
}

static bool
is_terminated_of(const void *m, void *arg)
{
    akt_ref *target = arg;
    return akt_msg_type(m) == &akt_terminated_type
        && akt_ref_equal(((const akt_Terminated *)m)->actor, *target);
}

akt_err
akt_probe_expect_terminated(akt_probe *p, akt_ref target, int64_t timeout_ns)
{
    return akt_probe_expect(p, is_terminated_of, &target, timeout_ns, NULL);
}

akt_err
akt_probe_send(akt_probe *p, akt_ref to, void *msg)
{
    if (p == NULL) {
        return AKT_EINVAL;
    }
    return akt_tell(to, msg, p->self);
}

akt_err
akt_probe_reply(akt_probe *p, void *msg)
{
    if (p == NULL || msg == NULL) {
        return AKT_EINVAL;
    }
    if (akt_ref_is_none(p->last_sender)) {
        return AKT_ENOENT;
    }
    return akt_tell(p->last_sender, msg, p->self);
}

/* --- systems
 * ----------------------------------------------------------------------- */

akt_err
akt_testkit_system(
    const char *name, const akt_testkit_opts *o, akt_system **out)
{
    akt_config *cfg = NULL, *next = NULL;
    akt_err rc = akt_config_load(NULL, &cfg, NULL);
    if (rc != AKT_OK) {
        return rc;
    }
    if (o && o->config) {
        akt_config *extra;
        if ((rc = akt_config_parse_string(
                 o->config, strlen(o->config), "<testkit>", &extra, NULL))
            != AKT_OK) {
            akt_config_release(cfg);
            return rc;
        }
        rc = akt_config_with_fallback(extra, cfg, &next, NULL);
        akt_config_release(extra);
        akt_config_release(cfg);
        if (rc != AKT_OK) {
            return rc;
        }
        cfg = next;
    }
    if (o && (o->virtual_time || o->deterministic)) {
        if ((rc = akt_config_override(
                 cfg, "akt.scheduler.clock", "virtual", &next, NULL))
            != AKT_OK) {
            akt_config_release(cfg);
            return rc;
        }
        akt_config_release(cfg);
        cfg = next;
    }
    if (o && o->deterministic) {
        if ((rc = akt_config_override(cfg, "akt.actor.default-dispatcher.type",
                 "calling-thread", &next, NULL))
            != AKT_OK) {
            akt_config_release(cfg);
            return rc;
        }
        akt_config_release(cfg);
        cfg = next;
    }
    rc = akt_system_create(name, cfg, out);
    akt_config_release(cfg);
    return rc;
}

akt_err
akt_testkit_advance(akt_system *sys, int64_t ns)
{
    return akt_scheduler_advance(sys, ns);
}

akt_err
akt_testkit_await(akt_testkit_cond cond, void *arg, int64_t timeout_ns)
{
    if (cond == NULL || timeout_ns < 0) {
        return AKT_EINVAL;
    }
    int64_t deadline = mono_ns() + timeout_ns;
    int64_t pause = 10000;
    for (;;) {
        if (cond(arg)) {
            return AKT_OK;
        }
        int64_t left = deadline - mono_ns();
        if (left <= 0) {
            return cond(arg) ? AKT_OK : AKT_ETIMEDOUT;
        }
        int64_t d = pause < left ? pause : left;
        struct timespec ts
            = { (time_t)(d / 1000000000), (long)(d % 1000000000) };
        nanosleep(&ts, NULL);
        if (pause < 1000000) {
            pause *= 2;
        }
    }
}
