/*
 * crouter.c -- cluster-aware group routers (akt/cluster.h), on the public
 * cluster API only: a local actor follows the cluster's events and routes
 * to the given paths on every member that is Up, has the role and is not
 * unreachable from here (Akka's ClusterRouterGroup); a member that joins
 * becomes routees, one that leaves, is removed or becomes unreachable stops
 * being routed to at once. The routee sees the original sender.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"
#include "akt/akt_gen.h"
#include "cluster/cluster_impl.h"
#include "core/ext.h"

#define PATH_LEN 128

typedef struct rcheck_msg {
    int32_t unused;
} rcheck_msg;

/* local only (no codec): a cluster event happened, look again */
static const akt_type rcheck_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.cluster.RouterCheck",
    .id = 0x298384168e5ca72eull, /* akt_type_id("akt.cluster.RouterCheck") */
    .size = sizeof(rcheck_msg),
    .align = _Alignof(rcheck_msg),
};

typedef struct rconf {
    akt_routing logic;
    char paths[AKT_CLUSTER_ROUTER_MAX_PATHS][PATH_LEN];
    size_t npaths;
    char role[AKT_CLUSTER_ROLE_LEN];
    bool exclude_self;
    akt_hash_key_fn hash_key;
    void *hash_arg;
    uint64_t seed;
    akt_cluster_routees_fn on_routees;
    void *arg;
} rconf;

typedef struct crt {
    rconf c;
    akt_system *sys;
    uint64_t sub;
    bool subscribed;
    char (*routees)[AKTI_CL_PATH_MAX]; /* akt://sys@host:port/path, sorted */
    uint64_t *hash; /* per routee: its path's hash (rendezvous hashing) */
    size_t n, cap;
    uint64_t next, rng;
    uint64_t sum; /* of the routees told to on_routees */
    bool told;
} crt;

static void
on_event(void *arg, const akt_cluster_event *ev)
{
    (void)ev;
    akt_ref *to = arg;
    rcheck_msg *m = akt_msg_new(&rcheck_type, 0);
    if (m != NULL && akt_tell(*to, m, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(m);
    }
}

static void
arg_fini(void *arg)
{
    free(arg);
}

static uint64_t
fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    }
    return h;
}

static uint64_t
mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* the routees from the current membership */
static void
refresh(crt *r)
{
    akt_cluster_state st;
    if (akt_cluster_state_get(r->sys, &st) != AKT_OK) {
        return;
    }
    size_t want = st.nmembers * r->c.npaths;
    if (want > r->cap) {
        void *p = realloc(r->routees, want * sizeof(*r->routees));
        void *h = p ? realloc(r->hash, want * sizeof(*r->hash)) : NULL;
        if (p != NULL) {
            r->routees = p;
        }
        if (h == NULL) {
            akt_cluster_state_free(&st);
            return; /* keep the old routees */
        }
        r->hash = h;
        r->cap = want;
    }
    size_t n = 0;
    for (size_t i = 0; i < st.nmembers && !st.stopped; i++) {
        const akt_cluster_member *m = &st.members[i];
        if (m->status != AKT_MEMBER_UP || st.unreachable[i]
            || !akt_cluster_member_has_role(m, r->c.role)
            || (r->c.exclude_self && m->address.uid == st.self.address.uid)) {
            continue;
        }
        char base[AKTI_CL_PATH_MAX];
        if (akt_cluster_member_path(
                &m->address, base, sizeof base - PATH_LEN - 1)
            != AKT_OK) {
            continue;
        }
        for (size_t k = 0; k < r->c.npaths; k++) {
            /* base < 512 - 128 bytes and a path < 128: it fits */
            strcpy(r->routees[n], base);
            strcat(r->routees[n], r->c.paths[k]);
            r->hash[n] = fnv(r->routees[n]);
            n++;
        }
    }
    akt_cluster_state_free(&st);
    uint64_t sum = n;
    for (size_t i = 0; i < n; i++) {
        sum = mix(sum ^ r->hash[i]);
    }
    bool changed = n != r->n || sum != r->sum || !r->told;
    r->n = n;
    r->sum = sum;
    if (r->c.on_routees != NULL && changed) {
        r->told = true;
        const char *list[64];
        size_t k = n < 64 ? n : 64;
        for (size_t i = 0; i < k; i++) {
            list[i] = r->routees[i];
        }
        r->c.on_routees(r->c.arg, list, k, n);
    }
}

static akt_err
on_check(void *state, akt_ctx *ctx, const void *msg)
{
    (void)ctx;
    (void)msg;
    refresh(state);
    return AKT_OK;
}

static akt_err
route_to(crt *r, akt_ctx *ctx, size_t i)
{
    akt_ref to;
    akt_err rc = akt_remote_ref(r->sys, r->routees[i], &to);
    return rc == AKT_OK ? akt_forward(ctx, to) : rc;
}

/* any other message: routed */
static akt_err
on_message(void *state, akt_ctx *ctx, const void *msg)
{
    crt *r = state;
    if (r->n == 0) {
        akt_system_publish_dead_letter(
            r->sys, akt_ctx_self(ctx), akt_msg_retain(msg), AKT_ENOENT);
        return AKT_OK;
    }
    size_t pick = 0;
    switch (r->c.logic) {
    case AKT_ROUTE_BROADCAST:
        for (size_t i = 0; i < r->n; i++) {
            akt_ref to;
            if (akt_remote_ref(r->sys, r->routees[i], &to) == AKT_OK) {
                (void)akt_forward_msg(ctx, to, msg);
            }
        }
        return AKT_OK;
    case AKT_ROUTE_RANDOM:
        r->rng ^= r->rng << 13;
        r->rng ^= r->rng >> 7;
        r->rng ^= r->rng << 17;
        pick = (size_t)(r->rng % r->n);
        break;
    case AKT_ROUTE_CONSISTENT_HASH: {
        /* rendezvous hashing: the routee with the highest weight for the
         * key; a routee that comes or goes moves only its own keys */
        uint64_t key = r->c.hash_key(msg, r->c.hash_arg), best = 0;
        for (size_t i = 0; i < r->n; i++) {
            uint64_t w = mix(key ^ r->hash[i]);
            if (i == 0 || w > best) {
                best = w;
                pick = i;
            }
        }
        break;
    }
    default: /* round-robin */
        pick = (size_t)(r->next++ % r->n);
        break;
    }
    akt_err rc = route_to(r, ctx, pick);
    if (rc != AKT_OK) {
        akt_system_publish_dead_letter(
            r->sys, akt_ctx_self(ctx), akt_msg_retain(msg), rc);
    }
    return AKT_OK;
}

static const akt_handler handlers[] = {
    { &rcheck_type, on_check },
};

static const akt_behavior behavior = {
    .name = "cluster-router",
    .handlers = handlers,
    .nhandlers = 1,
    .unhandled = on_message,
};

static akt_err
r_init(void *state, const void *init_arg)
{
    crt *r = state;
    memset(r, 0, sizeof(*r));
    r->c = *(const rconf *)init_arg;
    r->rng = r->c.seed ? r->c.seed : (uint64_t)akti_now_ns() | 1;
    return AKT_OK;
}

static void
r_fini(void *state)
{
    crt *r = state;
    free(r->routees);
    free(r->hash);
    r->routees = NULL;
    r->hash = NULL;
    r->n = r->cap = 0;
}

static akt_err
r_pre_start(void *state, akt_ctx *ctx)
{
    crt *r = state;
    r->sys = akt_ctx_system(ctx);
    akt_ref *a = malloc(sizeof(*a));
    if (a == NULL) {
        return AKT_ENOMEM;
    }
    *a = akt_ctx_self(ctx);
    akt_err rc = akt_cluster_subscribe(r->sys, on_event, a, arg_fini, &r->sub);
    if (rc != AKT_OK) {
        free(a);
        return rc;
    }
    r->subscribed = true;
    refresh(r); /* the routees of now, before any message */
    return AKT_OK;
}

static void
r_post_stop(void *state, akt_ctx *ctx)
{
    (void)ctx;
    crt *r = state;
    if (r->subscribed) {
        (void)akt_cluster_unsubscribe(r->sys, r->sub);
        r->subscribed = false;
    }
}

static const akt_lifecycle lifecycle = {
    .pre_start = r_pre_start,
    .post_stop = r_post_stop,
};

static void
conf_free(void *arg)
{
    free(arg);
}

static void
conf_done(akt_err status, const void *reply, void *arg)
{
    (void)status;
    (void)reply;
    (void)arg;
}

akt_err
akt_cluster_router_spawn(akt_system *sys, const akt_cluster_router_options *o,
    const char *name, akt_ref *out)
{
    if (sys == NULL || o == NULL || out == NULL || o->paths == NULL
        || o->npaths == 0 || o->npaths > AKT_CLUSTER_ROUTER_MAX_PATHS
        || (o->role != NULL && strlen(o->role) >= AKT_CLUSTER_ROLE_LEN)
        || (o->logic != AKT_ROUTE_ROUND_ROBIN && o->logic != AKT_ROUTE_RANDOM
            && o->logic != AKT_ROUTE_BROADCAST
            && o->logic != AKT_ROUTE_CONSISTENT_HASH)
        || (o->logic == AKT_ROUTE_CONSISTENT_HASH && o->hash_key == NULL)) {
        return AKT_EINVAL;
    }
    rconf *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return AKT_ENOMEM;
    }
    for (size_t i = 0; i < o->npaths; i++) {
        const char *p = o->paths[i];
        if (p == NULL || p[0] != '/' || strlen(p) >= PATH_LEN
            || strchr(p, ' ') != NULL) {
            free(c);
            return AKT_EINVAL;
        }
        strcpy(c->paths[i], p);
    }
    c->npaths = o->npaths;
    c->logic = o->logic;
    if (o->role != NULL) {
        strcpy(c->role, o->role);
    }
    c->exclude_self = o->exclude_local_routees;
    c->hash_key = o->hash_key;
    c->hash_arg = o->hash_arg;
    c->seed = o->seed;
    c->on_routees = o->on_routees;
    c->arg = o->arg;
    akt_cluster_state st; /* the cluster must be running */
    akt_err rc = akt_cluster_state_get(sys, &st);
    if (rc != AKT_OK) {
        free(c);
        return rc;
    }
    akt_cluster_state_free(&st);
    akt_props p = { .behavior = &behavior,
        .lifecycle = &lifecycle,
        .state_size = sizeof(crt),
        .state_init = r_init,
        .state_fini = r_fini,
        .init_arg = c };
    rc = akt_spawn(sys, &p, name, out);
    akt_future *f = NULL;
    if (rc != AKT_OK) {
        free(c);
    } else if (akt_watch_future(*out, &f) != AKT_OK
        || akt_future_on_complete(f, conf_done, c, conf_free) != AKT_OK) {
        /* cannot know when it ends: keep the settings (a small leak beats
         * a dangling read on a restart) */
    }
    if (f != NULL) {
        akt_future_release(f);
    }
    return rc;
}
