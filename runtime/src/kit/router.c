/*
 * router.c -- pool and group routers. A router is an ordinary actor whose
 * behaviour catches every message (unhandled = rt_receive) and forwards it
 * to one or more routees, keeping the sender. Its management messages
 * (broadcast, resize, routees) are private types; Terminated of a pool
 * routee removes it. The router's configuration is a heap copy owned by
 * the router (freed in post_stop), so it survives the router's restarts.
 *
 * scatter-gather and tail-chopping ask routees and complete the original
 * sender from the first successful reply; their in-flight state is a small
 * refcounted struct shared by the futures' callbacks and (tail-chopping)
 * a wheel timer, so it does not depend on the router staying alive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kit/kit.h"

/* --- private message types
 * ------------------------------------------------------- */

typedef struct rt_bcast {
    void *inner; /* one reference */
} rt_bcast;

static void
bcast_fini(void *o)
{
    akt_msg_free(((rt_bcast *)o)->inner);
}

static const akt_type rt_bcast_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_SYSTEM,
    .name = "akt.internal.RouterBroadcast",
    .id = 0x185d3aa8f0848a7cull,
    .size = sizeof(rt_bcast),
    .align = _Alignof(rt_bcast),
    .fini = bcast_fini,
};

typedef struct rt_resize {
    int32_t delta;
} rt_resize;

static const akt_type rt_resize_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_SYSTEM,
    .name = "akt.internal.RouterResize",
    .id = 0x2883b785987a6a29ull,
    .size = sizeof(rt_resize),
    .align = _Alignof(rt_resize),
};

typedef struct rt_get {
    int32_t unused;
} rt_get;

static const akt_type rt_get_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_SYSTEM,
    .name = "akt.internal.GetRoutees",
    .id = 0x8ce950f808fc020dull,
    .size = sizeof(rt_get),
    .align = _Alignof(rt_get),
};

const akt_type akt_routees_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.Routees",
    .id = 0xbc76850af13d55f8ull,
    .size = sizeof(akt_Routees),
    .align = _Alignof(akt_Routees),
    .doc = "A router's current routees.",
};

/* --- configuration and state
 * --------------------------------------------------------- */

typedef struct rt_cfg {
    akt_router_opts o;
    akt_props routee_props;
    bool pool;
    char **paths;
    akt_supervisor_strategy sup;
    bool has_sup;
} rt_cfg;

typedef struct rt_ring_ent {
    uint64_t h;
    uint32_t idx;
} rt_ring_ent;

typedef struct rt_state {
    rt_cfg *cfg;
    akt_ref *routees;
    uint32_t *pending; /* smallest-mailbox: sends since last seen empty */
    size_t n, cap;
    uint64_t rr;
    uint64_t rng;
    rt_ring_ent *ring;
    size_t nring;
    bool ring_dirty;
    uint32_t since_resize;
} rt_state;

static uint64_t
rng_next(rt_state *s)
{
    /* xorshift64* */
    uint64_t x = s->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    s->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

static void
cfg_free(rt_cfg *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; c->paths && i < c->o.npaths; i++) {
        free(c->paths[i]);
    }
    free(c->paths);
    free(c);
}

static bool
add_routee(rt_state *s, akt_ref r)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8;
        akt_ref *nv = realloc(s->routees, nc * sizeof(*nv));
        if (nv == NULL) {
            return false;
        }
        s->routees = nv;
        uint32_t *np = realloc(s->pending, nc * sizeof(*np));
        if (np == NULL) {
            return false;
        }
        s->pending = np;
        s->cap = nc;
    }
    s->pending[s->n] = 0;
    s->routees[s->n++] = r;
    s->ring_dirty = true;
    return true;
}

static void
remove_at(rt_state *s, size_t i)
{
    memmove(&s->routees[i], &s->routees[i + 1],
        (s->n - i - 1) * sizeof(*s->routees));
    memmove(&s->pending[i], &s->pending[i + 1],
        (s->n - i - 1) * sizeof(*s->pending));
    s->n--;
    s->ring_dirty = true;
}

/* a new pool routee: spawned, watched (its Terminated removes it) and
 * added. One that cannot be watched or added (no memory) is not kept --
 * an unwatched routee would be routed to after it dies -- and is stopped;
 * when even the stop cannot be sent it idles, routed nothing, until the
 * router stops. The error is returned (the callers log it). */
static akt_err
spawn_routee(rt_state *s, akt_ctx *ctx)
{
    akt_ref r;
    akt_err rc = akt_ctx_spawn(ctx, &s->cfg->routee_props, NULL, &r);
    if (rc != AKT_OK) {
        return rc;
    }
    rc = akt_ctx_watch(ctx, r);
    if (rc == AKT_OK && !add_routee(s, r)) {
        akt_ctx_unwatch(ctx, r);
        rc = AKT_ENOMEM;
    }
    if (rc != AKT_OK) {
        akt_err stop = akt_ctx_stop(ctx, r);
        akt_ctx_log(ctx, AKT_LOG_ERROR,
            "router: a new routee was not kept (%s); %s", akt_err_name(rc),
            stop == AKT_OK ? "it is stopped"
                           : "it idles until the router stops");
    }
    return rc;
}

static akt_err
rt_state_init(void *state, const void *arg)
{
    rt_state *s = state;
    s->cfg = (rt_cfg *)arg;
    s->rng = s->cfg->o.seed
        ? s->cfg->o.seed
        : (uint64_t)akti_now_ns() ^ (uint64_t)(uintptr_t)state;
    if (s->rng == 0) {
        s->rng = 0x9e3779b97f4a7c15ull;
    }
    return AKT_OK;
}

static void
rt_state_fini(void *state)
{
    rt_state *s = state;
    free(s->routees);
    free(s->pending);
    free(s->ring);
    s->routees = NULL;
    s->pending = NULL;
    s->ring = NULL;
    s->n = s->cap = s->nring = 0;
}

static akt_err
rt_pre_start(void *state, akt_ctx *ctx)
{
    rt_state *s = state;
    rt_cfg *c = s->cfg;
    if (c->pool) {
        for (uint32_t i = 0; i < c->o.instances; i++) {
            akt_err rc = spawn_routee(s, ctx);
            if (rc != AKT_OK) {
                akt_ctx_log(ctx, AKT_LOG_ERROR,
                    "router: could not add routee %u (%s)", i,
                    akt_err_name(rc));
            }
        }
    } else {
        for (size_t i = 0; i < c->o.npaths; i++) {
            akt_ref r = AKT_REF_NONE;
            if (akt_lookup(akt_ctx_system(ctx), c->paths[i], &r) != AKT_OK) {
                akt_ctx_log(ctx, AKT_LOG_WARNING,
                    "router: no actor at %s (yet)", c->paths[i]);
            }
            /* kept: looked up again when used */
            if (!add_routee(s, r)) {
                akt_ctx_log(ctx, AKT_LOG_ERROR,
                    "router: no memory to add the routee at %s", c->paths[i]);
            }
        }
    }
    return AKT_OK;
}

static void
rt_pre_restart(void *state, akt_ctx *ctx, akt_err reason, const void *failed)
{
    rt_state *s = state;
    if (s->cfg->pool) {
        size_t kept = 0;
        for (size_t i = 0; i < s->n; i++) {
            kept += akt_ctx_stop(ctx, s->routees[i]) != AKT_OK;
        }
        if (kept > 0) {
            /* out of memory for their TERMINATEs: they stay children of
             * the router (stopped with it), routing no more messages */
            akt_ctx_log(ctx, AKT_LOG_ERROR,
                "router: %zu of %zu routees not stopped at restart (no "
                "memory); they idle until the router stops",
                kept, s->n);
        }
    }
}

static akt_err
rt_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    return rt_pre_start(state, ctx);
}

static void
rt_post_stop(void *state, akt_ctx *ctx)
{
    rt_state *s = state;
    cfg_free(s->cfg);
    s->cfg = NULL;
}

/* a usable ref for routee i (group: looked up again when stale) */
static akt_ref
routee(rt_state *s, akt_ctx *ctx, size_t i)
{
    akt_ref r = s->routees[i];
    if (!s->cfg->pool
        && (r.cell_ == NULL
            || atomic_load_explicit(&r.cell_->uid, memory_order_acquire)
                != r.uid_)) {
        if (akt_lookup(akt_ctx_system(ctx), s->cfg->paths[i], &r) == AKT_OK) {
            s->routees[i] = r;
            s->ring_dirty = true;
        }
    }
    return r;
}

/* --- logics
 * ------------------------------------------------------------------------------
 */

static int
ring_cmp(const void *a, const void *b)
{
    const rt_ring_ent *x = a, *y = b;
    return x->h < y->h ? -1 : x->h > y->h;
}

static void
ring_build(rt_state *s, akt_ctx *ctx)
{
    uint32_t vn = s->cfg->o.virtual_nodes;
    free(s->ring);
    s->ring = NULL;
    s->nring = 0;
    s->ring_dirty = false;
    if (s->n == 0 || (s->ring = malloc(s->n * vn * sizeof(*s->ring))) == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        char id[512];
        if (s->cfg->pool) {
            if (akt_ref_path(s->routees[i], id, sizeof(id)) != AKT_OK) {
                snprintf(id, sizeof(id), "#%zu", i);
            }
        } else {
            snprintf(id, sizeof(id), "%s", s->cfg->paths[i]);
        }
        for (uint32_t v = 0; v < vn; v++) {
            s->ring[s->nring++]
                = (rt_ring_ent) { akti_kit_hash(id, strlen(id), v),
                      (uint32_t)i };
        }
    }
    qsort(s->ring, s->nring, sizeof(*s->ring), ring_cmp);
}

static size_t
pick_hash(rt_state *s, akt_ctx *ctx, const void *msg)
{
    if (s->ring_dirty || s->ring == NULL) {
        ring_build(s, ctx);
    }
    if (s->nring == 0) {
        return 0;
    }
    uint64_t key = s->cfg->o.hash_key(msg, s->cfg->o.hash_arg);
    uint64_t h = akti_kit_hash(&key, sizeof(key), 0x5eed);
    size_t lo = 0, hi = s->nring;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->ring[mid].h < h) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return s->ring[lo == s->nring ? 0 : lo].idx;
}

static size_t
pick_smallest(rt_state *s, akt_ctx *ctx)
{
    size_t best = 0;
    uint64_t best_score = UINT64_MAX;
    for (size_t k = 0; k < s->n; k++) {
        size_t i = (size_t)((s->rr + k) % s->n);
        akti_load load = akti_ref_load(routee(s, ctx, i));
        if (load == AKTI_LOAD_GONE) {
            continue;
        }
        uint64_t score;
        if (load != AKTI_LOAD_QUEUED) {
            s->pending[i] = 0;
            score = load == AKTI_LOAD_IDLE ? 0 : 1;
        } else {
            score = 2 + (uint64_t)s->pending[i];
        }
        if (score < best_score) {
            best_score = score;
            best = i;
            if (score == 0) {
                break;
            }
        }
    }
    s->rr++;
    return best;
}

static void
fail_requester(akt_system *sys, akt_ref to, akt_err code)
{
    if (akt_ref_is_none(to)) {
        return;
    }
    if (to.cell_->kind == AKTI_CELL_PROMISE) {
        akti_future_complete(to.cell_, to.uid_, code, NULL);
        return;
    }
    akt_Status *st = akt_msg_new(&akt_status_type, 0);
    if (st) {
        st->code = (int32_t)code;
        if (akt_tell(to, st, AKT_REF_NONE) != AKT_OK) {
            akt_msg_free(st);
        }
    }
}

/* scatter-gather: first reply wins */
typedef struct sg_state {
    _Atomic uint32_t refs;
    _Atomic uint32_t done;
    _Atomic uint32_t left;
    akt_system *sys;
    akt_ref reply_to;
} sg_state;

static void
sg_unref(void *arg)
{
    sg_state *g = arg;
    if (atomic_fetch_sub(&g->refs, 1) == 1) {
        free(g);
    }
}

static void
sg_done(akt_err status, const void *reply, void *arg)
{
    sg_state *g = arg;
    if (status == AKT_OK && reply && atomic_exchange(&g->done, 1) == 0) {
        void *r = akt_msg_retain(reply);
        if (akt_ref_is_none(g->reply_to)
            || akt_tell(g->reply_to, r, AKT_REF_NONE) != AKT_OK) {
            akt_msg_free(r);
        }
    }
    if (atomic_fetch_sub(&g->left, 1) == 1
        && atomic_exchange(&g->done, 1) == 0) {
        fail_requester(
            g->sys, g->reply_to, status == AKT_OK ? AKT_ETIMEDOUT : status);
    }
}

static void
route_scatter(rt_state *s, akt_ctx *ctx, const void *msg)
{
    sg_state *g = malloc(sizeof(*g));
    if (g == NULL) {
        return;
    }
    atomic_init(&g->refs, 1);
    atomic_init(&g->done, 0);
    atomic_init(&g->left, (uint32_t)s->n);
    g->sys = akt_ctx_system(ctx);
    g->reply_to = akt_ctx_sender(ctx);
    for (size_t i = 0; i < s->n; i++) {
        akt_future *f;
        void *m = akt_msg_retain(msg);
        if (akt_ask(routee(s, ctx, i), m, s->cfg->o.within_ns, &f) != AKT_OK) {
            akt_msg_free(m);
            sg_done(AKT_ESTOPPED, NULL, g);
            continue;
        }
        atomic_fetch_add(&g->refs, 1);
        if (akt_future_on_complete(f, sg_done, g, sg_unref) != AKT_OK) {
            sg_unref(g);
            sg_done(AKT_ESTOPPED, NULL, g);
        }
        akt_future_release(f);
    }
    sg_unref(g);
}

/* tail-chopping: ask one routee after another until one replies */
typedef struct tc_state {
    _Atomic uint32_t refs;
    pthread_mutex_t mu;
    bool done;
    akti_timer timer;
    akt_system *sys;
    akt_ref reply_to;
    void *msg;
    akt_ref *order;
    size_t n, next;
    uint32_t outstanding;
    int64_t deadline, interval;
} tc_state;

static void
tc_unref(void *arg)
{
    tc_state *t = arg;
    if (atomic_fetch_sub(&t->refs, 1) == 1) {
        akt_msg_free(t->msg);
        free(t->order);
        pthread_mutex_destroy(&t->mu);
        free(t);
    }
}

static void tc_fire(akti_timer *wt, void *arg);

static void
tc_done(akt_err status, const void *reply, void *arg)
{
    tc_state *t = arg;
    bool cancel = false, fail = false;
    void *r = NULL;
    pthread_mutex_lock(&t->mu);
    t->outstanding--;
    if (!t->done) {
        if (status == AKT_OK && reply) {
            t->done = true;
            r = akt_msg_retain(reply);
            cancel = true;
        } else if (t->outstanding == 0 && t->next >= t->n) {
            t->done = true;
            fail = true;
        }
    }
    bool cancelled = cancel && akti_timer_cancel(t->sys->wheel, &t->timer);
    pthread_mutex_unlock(&t->mu);
    if (r
        && (akt_ref_is_none(t->reply_to)
            || akt_tell(t->reply_to, r, AKT_REF_NONE) != AKT_OK)) {
        akt_msg_free(r);
    }
    if (fail) {
        fail_requester(t->sys, t->reply_to, AKT_ETIMEDOUT);
    }
    if (cancelled) {
        tc_unref(t); /* the timer's reference */
    }
}

/* ask the next routee (called without mu: a calling-thread routee may
 * reply, and tc_done run, inside the ask); arm the timer for the one after */
static void
tc_step(tc_state *t)
{
    for (;;) {
        pthread_mutex_lock(&t->mu);
        if (t->done) {
            pthread_mutex_unlock(&t->mu);
            return;
        }
        int64_t now = akti_wheel_now(t->sys->wheel);
        if (now >= t->deadline) {
            t->next = t->n; /* out of time: no more asks */
        }
        if (t->next >= t->n) {
            bool fail = t->outstanding == 0;
            t->done = t->done || fail;
            pthread_mutex_unlock(&t->mu);
            if (fail) {
                fail_requester(t->sys, t->reply_to, AKT_ETIMEDOUT);
            }
            return;
        }
        akt_ref to = t->order[t->next++];
        t->outstanding++;
        bool more = t->next < t->n;
        if (more) {
            atomic_fetch_add(&t->refs, 1);
            akti_timer_start(t->sys->wheel, &t->timer, t->interval, tc_fire, t);
        }
        pthread_mutex_unlock(&t->mu);
        akt_future *f;
        void *m = akt_msg_retain(t->msg);
        if (akt_ask(to, m, t->deadline - now, &f) == AKT_OK) {
            atomic_fetch_add(&t->refs, 1);
            if (akt_future_on_complete(f, tc_done, t, tc_unref) != AKT_OK) {
                tc_unref(t);
                tc_done(AKT_ESTOPPED, NULL, t);
            }
            akt_future_release(f);
            return;
        }
        akt_msg_free(m);
        /* a stopped routee: take back the timer and try the next at once */
        pthread_mutex_lock(&t->mu);
        t->outstanding--;
        bool cancelled = more && akti_timer_cancel(t->sys->wheel, &t->timer);
        pthread_mutex_unlock(&t->mu);
        if (cancelled) {
            tc_unref(t);
        }
    }
}

static void
tc_fire(akti_timer *wt, void *arg)
{
    tc_state *t = arg;
    (void)wt;
    tc_step(t);
    tc_unref(t);
}

static void
route_tail(rt_state *s, akt_ctx *ctx, const void *msg)
{
    tc_state *t = calloc(1, sizeof(*t));
    if (t == NULL || (t->order = malloc(s->n * sizeof(akt_ref))) == NULL) {
        free(t);
        return;
    }
    atomic_init(&t->refs, 1);
    pthread_mutex_init(&t->mu, NULL);
    t->sys = akt_ctx_system(ctx);
    t->reply_to = akt_ctx_sender(ctx);
    t->msg = akt_msg_retain(msg);
    for (size_t i = 0; i < s->n; i++) {
        t->order[i] = routee(s, ctx, i);
    }
    for (size_t i = s->n; i > 1; i--) { /* Fisher-Yates */
        size_t j = (size_t)(rng_next(s) % i);
        akt_ref x = t->order[i - 1];
        t->order[i - 1] = t->order[j];
        t->order[j] = x;
    }
    t->n = s->n;
    t->interval = s->cfg->o.interval_ns;
    t->deadline = akti_wheel_now(t->sys->wheel) + s->cfg->o.within_ns;
    tc_step(t);
    tc_unref(t);
}

static void
send_to(rt_state *s, akt_ctx *ctx, size_t i)
{
    akt_ref r = routee(s, ctx, i);
    if (akt_forward(ctx, r) == AKT_OK) {
        s->pending[i]++;
    }
}

static void auto_resize(rt_state *s, akt_ctx *ctx);

static akt_err
rt_receive(void *state, akt_ctx *ctx, const void *msg)
{
    rt_state *s = state;
    if (s->cfg->pool && s->cfg->o.resize_every
        && ++s->since_resize >= s->cfg->o.resize_every) {
        s->since_resize = 0;
        auto_resize(s, ctx);
    }
    if (s->n == 0) {
        akt_cell *c = akti_ctx_cell(ctx);
        akti_dead_letter(c->sys, akt_ctx_self(ctx),
            akti_msg_hdr(akt_msg_retain(msg)), AKT_ENOENT);
        return AKT_OK;
    }
    switch (s->cfg->o.logic) {
    case AKT_ROUTE_ROUND_ROBIN:
        send_to(s, ctx, (size_t)(s->rr++ % s->n));
        break;
    case AKT_ROUTE_RANDOM:
        send_to(s, ctx, (size_t)(rng_next(s) % s->n));
        break;
    case AKT_ROUTE_BROADCAST:
        for (size_t i = 0; i < s->n; i++) {
            send_to(s, ctx, i); /* akt_forward retains: one shared message */
        }
        break;
    case AKT_ROUTE_CONSISTENT_HASH:
        send_to(s, ctx, pick_hash(s, ctx, msg));
        break;
    case AKT_ROUTE_SMALLEST_MAILBOX:
        send_to(s, ctx, pick_smallest(s, ctx));
        break;
    case AKT_ROUTE_SCATTER_GATHER:
        route_scatter(s, ctx, msg);
        break;
    case AKT_ROUTE_TAIL_CHOPPING:
        route_tail(s, ctx, msg);
        break;
    }
    return AKT_OK;
}

static akt_err
rt_on_bcast(void *state, akt_ctx *ctx, const void *msg)
{
    rt_state *s = state;
    const rt_bcast *b = msg;
    for (size_t i = 0; i < s->n; i++) {
        void *m = akt_msg_retain(b->inner);
        if (akt_tell(routee(s, ctx, i), m, akt_ctx_sender(ctx)) != AKT_OK) {
            akt_msg_free(m);
        }
    }
    return AKT_OK;
}

/* grow or shrink a pool to want, within its bounds */
static void
resize_to(rt_state *s, akt_ctx *ctx, int64_t want)
{
    int64_t lo = s->cfg->o.lower_bound ? s->cfg->o.lower_bound : 1;
    int64_t hi = s->cfg->o.upper_bound ? s->cfg->o.upper_bound : INT32_MAX;
    want = want < lo ? lo : want > hi ? hi : want;
    while ((int64_t)s->n < want) {
        akt_err rc = spawn_routee(s, ctx);
        if (rc != AKT_OK) {
            akt_ctx_log(ctx, AKT_LOG_ERROR,
                "router: the pool grows to %zu routees, not %lld (%s)", s->n,
                (long long)want, akt_err_name(rc));
            break;
        }
    }
    while ((int64_t)s->n > want) {
        akt_ref victim = s->routees[s->n - 1];
        remove_at(s, s->n - 1);
        akt_ctx_unwatch(ctx, victim);
        akt_poison_pill(victim); /* it finishes what it has */
    }
}

static akt_err
rt_on_resize(void *state, akt_ctx *ctx, const void *msg)
{
    rt_state *s = state;
    const rt_resize *r = msg;
    if (s->cfg->pool) {
        resize_to(s, ctx, (int64_t)s->n + r->delta);
    }
    return AKT_OK;
}

/* the pressure resizer: all busy -> +20%, under 30% busy -> -10% */
static void
auto_resize(rt_state *s, akt_ctx *ctx)
{
    size_t busy = 0;
    for (size_t i = 0; i < s->n; i++) {
        akti_load load = akti_ref_load(s->routees[i]);
        if (load == AKTI_LOAD_BUSY || load == AKTI_LOAD_QUEUED) {
            busy++;
        }
    }
    int64_t n = (int64_t)s->n;
    if (busy == s->n) {
        resize_to(s, ctx, n + (n / 5 > 1 ? n / 5 : 1));
    } else if (busy * 10 < s->n * 3) {
        resize_to(s, ctx, n - (n / 10 > 1 ? n / 10 : 1));
    }
}

static akt_err
rt_on_get(void *state, akt_ctx *ctx, const void *msg)
{
    rt_state *s = state;
    akt_Routees *out
        = akt_msg_new(&akt_routees_type, s->n * sizeof(akt_ref) + 16);
    if (out == NULL) {
        return akt_reply_error(ctx, AKT_ENOMEM);
    }
    if (s->n) {
        out->refs = akt_arena_alloc(
            akt_msg_arena(out), s->n * sizeof(akt_ref), _Alignof(akt_ref));
        if (out->refs == NULL) {
            akt_msg_free(out);
            return akt_reply_error(ctx, AKT_ENOMEM);
        }
        for (size_t i = 0; i < s->n; i++) {
            out->refs[i] = routee(s, ctx, i);
        }
    }
    out->len = s->n;
    if (akt_reply(ctx, out) != AKT_OK) {
        akt_msg_free(out);
    }
    return AKT_OK;
}

static akt_err
rt_on_terminated(void *state, akt_ctx *ctx, const void *msg)
{
    rt_state *s = state;
    const akt_Terminated *t = msg;
    for (size_t i = 0; i < s->n; i++) {
        if (akt_ref_equal(s->routees[i], t->actor)) {
            remove_at(s, i);
            break;
        }
    }
    if (s->cfg->pool && s->n == 0) {
        /* Akka: a pool with no routees stops (stopping oneself only marks
         * the cell: it cannot fail) */
        (void)akt_ctx_stop(ctx, akt_ctx_self(ctx));
    }
    return AKT_OK;
}

static const akt_handler rt_handlers[] = {
    { &rt_bcast_type, rt_on_bcast },
    { &rt_resize_type, rt_on_resize },
    { &rt_get_type, rt_on_get },
    { &akt_terminated_type, rt_on_terminated },
};

static const akt_behavior rt_behavior = {
    .name = "router",
    .handlers = rt_handlers,
    .nhandlers = sizeof(rt_handlers) / sizeof(rt_handlers[0]),
    .unhandled = rt_receive,
};

static const akt_lifecycle rt_lifecycle = {
    .pre_start = rt_pre_start,
    .post_stop = rt_post_stop,
    .pre_restart = rt_pre_restart,
    .post_restart = rt_post_restart,
};

/* --- spawning
 * ------------------------------------------------------------------------ */

static akt_err
cfg_make(akt_system *sys, const akt_router_opts *o, rt_cfg **out)
{
    if (o == NULL || o->logic < AKT_ROUTE_ROUND_ROBIN
        || o->logic > AKT_ROUTE_TAIL_CHOPPING
        || (o->routee_props == NULL) == (o->paths == NULL || o->npaths == 0)
        || (o->logic == AKT_ROUTE_CONSISTENT_HASH && o->hash_key == NULL)
        || (o->routee_props && o->instances == 0)
        || (o->upper_bound && o->lower_bound > o->upper_bound)) {
        return AKT_EINVAL;
    }
    kit_sys *k = kit_sys_of(sys);
    rt_cfg *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return AKT_ENOMEM;
    }
    c->o = *o;
    c->o.paths = NULL;
    if (c->o.virtual_nodes == 0) {
        c->o.virtual_nodes = k ? k->set.virtual_nodes : 10;
    }
    if (c->o.within_ns <= 0) {
        c->o.within_ns = k ? k->set.router_within_ns : 5000000000;
    }
    if (c->o.interval_ns <= 0) {
        c->o.interval_ns = k ? k->set.router_interval_ns : 100000000;
    }
    if (o->routee_props) {
        c->pool = true;
        c->routee_props = *o->routee_props;
        c->o.npaths = 0;
    } else {
        c->paths = calloc(o->npaths, sizeof(char *));
        if (c->paths == NULL) {
            free(c);
            return AKT_ENOMEM;
        }
        for (size_t i = 0; i < o->npaths; i++) {
            if ((c->paths[i] = strdup(o->paths[i])) == NULL) {
                cfg_free(c);
                return AKT_ENOMEM;
            }
        }
    }
    if (o->supervisor) {
        c->sup = *o->supervisor;
        c->has_sup = true;
    }
    *out = c;
    return AKT_OK;
}

static akt_props
router_props(rt_cfg *c)
{
    return (akt_props) {
        .behavior = &rt_behavior,
        .lifecycle = &rt_lifecycle,
        .state_size = sizeof(rt_state),
        .state_init = rt_state_init,
        .state_fini = rt_state_fini,
        .init_arg = c,
        .supervisor = c->has_sup ? &c->sup : NULL,
    };
}

akt_err
akt_router_spawn(akt_system *sys, const akt_router_opts *opts, const char *name,
    akt_ref *out)
{
    if (sys == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    rt_cfg *c;
    akt_err rc = cfg_make(sys, opts, &c);
    if (rc != AKT_OK) {
        return rc;
    }
    akt_props p = router_props(c);
    if ((rc = akt_spawn(sys, &p, name, out)) != AKT_OK) {
        cfg_free(c);
    }
    return rc;
}

akt_err
akt_ctx_router_spawn(
    akt_ctx *ctx, const akt_router_opts *opts, const char *name, akt_ref *out)
{
    if (ctx == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    rt_cfg *c;
    akt_err rc = cfg_make(akt_ctx_system(ctx), opts, &c);
    if (rc != AKT_OK) {
        return rc;
    }
    akt_props p = router_props(c);
    if ((rc = akt_ctx_spawn(ctx, &p, name, out)) != AKT_OK) {
        cfg_free(c);
    }
    return rc;
}

akt_err
akt_router_broadcast(akt_ref router, void *msg, akt_ref sender)
{
    if (msg == NULL || akt_ref_is_none(router)) {
        return AKT_EINVAL;
    }
    rt_bcast *b = akt_msg_new(&rt_bcast_type, 0);
    if (b == NULL) {
        return AKT_ENOMEM;
    }
    b->inner = msg;
    akt_err rc = akt_tell(router, b, sender);
    if (rc != AKT_OK) {
        b->inner = NULL; /* the caller keeps msg */
        akt_msg_free(b);
    }
    return rc;
}

akt_err
akt_router_resize(akt_ref router, int32_t delta)
{
    rt_resize *r = akt_msg_new(&rt_resize_type, 0);
    if (r == NULL) {
        return AKT_ENOMEM;
    }
    r->delta = delta;
    akt_err rc = akt_tell(router, r, AKT_REF_NONE);
    if (rc != AKT_OK) {
        akt_msg_free(r);
    }
    return rc;
}

akt_err
akt_router_routees(akt_ref router, int64_t timeout_ns, akt_Routees **out)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    rt_get *g = akt_msg_new(&rt_get_type, 0);
    if (g == NULL) {
        return AKT_ENOMEM;
    }
    akt_future *f;
    akt_err rc = akt_ask(router, g, timeout_ns, &f);
    if (rc != AKT_OK) {
        akt_msg_free(g);
        return rc;
    }
    void *reply = NULL;
    rc = akt_future_wait(f, timeout_ns, &reply);
    akt_future_release(f);
    if (rc == AKT_OK) {
        *out = reply;
    }
    return rc;
}
