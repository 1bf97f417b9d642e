/*
 * akt/router.h -- routers: one actor ref in front of several routees.
 *
 * A pool router spawns its routees as children from one props and
 * supervises them (opts.supervisor; a routee that stops is removed, and the
 * router stops when none is left); pools resize on request or by pressure
 * (opts.resize_every). A group router routes to existing
 * actors given by path (looked up when it starts, again when a ref goes
 * stale). Every message sent to the router is routed by the logic below;
 * the routee sees the original sender, so its reply goes straight back.
 *
 *   round-robin       routees in turn
 *   random            a uniformly random routee (opts.seed for repeatable runs)
 *   broadcast         every routee, ONE reference-counted message shared
 *   consistent-hash   by opts.hash_key(msg): the same key always reaches the
 *                     same routee; resizing moves only ~1/n of the keys
 *   smallest-mailbox  an idle routee with an empty mailbox, else an empty
 *                     one, else the one with the fewest messages the router
 *                     sent it since it last saw it empty
 *   scatter-gather    ask every routee; the first reply goes to the sender,
 *                     the rest are dropped; none within opts.within_ns:
 *                     the sender gets AKT_ETIMEDOUT (akt.Status)
 *   tail-chopping     ask one random routee, then another every
 *                     opts.interval_ns until one replies (first reply wins)
 *                     or opts.within_ns passes
 */
#ifndef AKT_ROUTER_H
#define AKT_ROUTER_H

#include "akt/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum akt_routing {
    AKT_ROUTE_ROUND_ROBIN = 1,
    AKT_ROUTE_RANDOM,
    AKT_ROUTE_BROADCAST,
    AKT_ROUTE_CONSISTENT_HASH,
    AKT_ROUTE_SMALLEST_MAILBOX,
    AKT_ROUTE_SCATTER_GATHER,
    AKT_ROUTE_TAIL_CHOPPING
} akt_routing;

/* The routing key of a message (consistent hashing). */
typedef uint64_t (*akt_hash_key_fn)(const void *msg, void *arg);

typedef struct akt_router_opts {
    akt_routing logic;
    /* pool: routee props (copied; what it points to must outlive the
     * router), instances, and resize bounds (0: none) */
    const akt_props *routee_props;
    uint32_t instances;
    uint32_t lower_bound, upper_bound;
    const akt_supervisor_strategy *supervisor; /* for the routees */
    /* group: actor paths (copied) */
    const char *const *paths;
    size_t npaths;
    /* consistent hashing */
    akt_hash_key_fn hash_key;
    void *hash_arg;
    uint32_t virtual_nodes; /* per routee; 0: akt.router.virtual-nodes */
    /* scatter-gather / tail-chopping; 0: akt.router.within / .interval */
    int64_t within_ns;
    int64_t interval_ns;
    uint64_t seed; /* random / tail-chopping; 0: from the clock */
    /* pools: automatic resizing. Every resize_every messages (0: never)
     * the router counts its busy routees (running or with mail): all busy
     * grows the pool by a fifth (at least one) up to upper_bound; fewer
     * than 30% busy shrinks it by a tenth (at least one) down to
     * lower_bound (default 1). */
    uint32_t resize_every;
} akt_router_opts;

/* akt_router_spawn -- a router under /user (name as akt_spawn). Needs
 * routee_props (pool) or paths (group), and hash_key for consistent
 * hashing. Errors: AKT_EINVAL, AKT_ENOMEM, AKT_EEXIST, AKT_ECLOSED. */
AKT_API akt_err akt_router_spawn(akt_system *sys, const akt_router_opts *opts,
    const char *name, akt_ref *out);
/* akt_ctx_router_spawn -- the same, as a child of the calling actor. */
AKT_API akt_err akt_ctx_router_spawn(
    akt_ctx *ctx, const akt_router_opts *opts, const char *name, akt_ref *out);

/* akt_router_broadcast -- send msg to every routee whatever the logic
 * (one shared message). Consumes msg on AKT_OK. */
AKT_API akt_err akt_router_broadcast(akt_ref router, void *msg, akt_ref sender);

/* akt_router_resize -- grow (delta > 0) or shrink a pool, within its
 * bounds; removed routees get a PoisonPill. Asynchronous. */
AKT_API akt_err akt_router_resize(akt_ref router, int32_t delta);

/* The router's reply to akt_router_routees. */
typedef struct akt_Routees {
    akt_ref *refs; /* in the message's arena */
    size_t len;
} akt_Routees;
AKT_API extern const akt_type akt_routees_type;

/* akt_router_routees -- ask the router for its routees: *out (one
 * reference, akt_msg_free) is an akt_Routees. */
AKT_API akt_err akt_router_routees(
    akt_ref router, int64_t timeout_ns, akt_Routees **out);

#ifdef __cplusplus
}
#endif
#endif /* AKT_ROUTER_H */
