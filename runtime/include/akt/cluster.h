/*
 * akt/cluster.h -- cluster membership: which systems are members, which of
 * them are unreachable, and who decided which are down.
 *
 * The model is Akka's (docs/cluster.md): a member is one incarnation of a
 * system (host, port, system name and a random uid: a restarted process is
 * a new member, and a member that was downed or removed never comes back);
 * its status moves Joining -> (WeaklyUp ->) Up -> Leaving -> Exiting ->
 * Removed, or to Down by a decision (a split-brain resolver's or an
 * operator's), never by a timeout. The state is gossiped whole, with a
 * vector clock and the set of members that have seen it; a deterministic
 * leader moves members only when every member has seen the same state
 * (convergence). Unreachable is a per-observer flag on top of the status:
 * an unreachable member keeps its status and may come back.
 */
#ifndef AKT_CLUSTER_H
#define AKT_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/actor.h"
#include "akt/config.h"
#include "akt/err.h"
#include "akt/export.h"
#include "akt/msg.h"
#include "akt/router.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits of the fields of a member (bytes, including the NUL). */
#define AKT_CLUSTER_SYSTEM_LEN  64
#define AKT_CLUSTER_HOST_LEN    128
#define AKT_CLUSTER_ROLE_LEN    32
#define AKT_CLUSTER_MAX_ROLES   8
#define AKT_CLUSTER_VERSION_LEN 32

/* Member status. The numbers are Akka's wire numbers (ClusterMessages.proto).
 */
typedef enum akt_member_status {
    AKT_MEMBER_JOINING = 0,
    AKT_MEMBER_UP = 1,
    AKT_MEMBER_LEAVING = 2,
    AKT_MEMBER_EXITING = 3,
    AKT_MEMBER_DOWN = 4,
    AKT_MEMBER_REMOVED = 5,
    AKT_MEMBER_WEAKLY_UP = 6,
} akt_member_status;

/* A member's unique address. host is a host name or IP address, or an NNG
 * URL in brackets ("[ipc:///tmp/a.sock]", port 0) for transports without a
 * port; uid is the incarnation (random, never 0). */
typedef struct akt_cluster_address {
    char system[AKT_CLUSTER_SYSTEM_LEN];
    char host[AKT_CLUSTER_HOST_LEN];
    uint32_t port;
    uint64_t uid;
} akt_cluster_address;

/* One member as the gossip carries it. up_number is given by the leader
 * when the member becomes Up and orders members by age (lowest = oldest);
 * INT32_MAX before that. roles are sorted and unique; app_version is the
 * application's version (for rolling updates; "0.0.0" when not set). */
typedef struct akt_cluster_member {
    akt_cluster_address address;
    akt_member_status status;
    int32_t up_number;
    uint32_t nroles;
    char roles[AKT_CLUSTER_MAX_ROLES][AKT_CLUSTER_ROLE_LEN];
    char app_version[AKT_CLUSTER_VERSION_LEN];
} akt_cluster_member;

/* akt_member_status_name -- "Joining", "WeaklyUp", "Up", ... ("?" for a
 * value outside the enum). */
AKT_API const char *akt_member_status_name(akt_member_status s);

/* akt_cluster_member_has_role -- m has the role; NULL or "" matches every
 * member (Akka's Member.hasRole, with the empty role as "any"). */
AKT_API bool akt_cluster_member_has_role(
    const akt_cluster_member *m, const char *role);

/* akt_cluster_address_format -- "system@host:port#uid" (or
 * "system@[url]#uid") into buf. AKT_ERANGE if len is short. */
AKT_API akt_err akt_cluster_address_format(
    const akt_cluster_address *a, char *buf, size_t len);

/* --- a system as a cluster member ---------------------------------------- */

typedef struct akt_lease akt_lease; /* see "leases" below */

typedef struct akt_cluster_options {
    /* Required: the registry given to akt_remote_start() for this system
     * (not owned); the cluster's message type is added to it, so cluster
     * messages cross the wire. */
    akt_registry *registry;
    /* Settings; NULL: akt_system_config(sys). The akt.cluster defaults
     * apply to keys it lacks (docs/config.md). */
    const akt_config *config;
    /* This member's roles; NULL: akt.cluster.roles. */
    const char *const *roles;
    size_t nroles;
    /* The application's version; NULL: akt.cluster.app-version. */
    const char *app_version;
    /* For active-strategy = lease-majority: the lease the sides compete
     * for (not owned; must outlive the cluster). NULL: no side gets it,
     * so with lease-majority every side of a partition downs itself. */
    akt_lease *lease;
} akt_cluster_options;

/* akt_cluster_start -- make sys a cluster node: its membership daemon runs
 * under /system/cluster (on its own thread, as does the heartbeat
 * responder under /system/cluster-hb, so user load never delays them).
 * Remoting must be started first; the member's address is remoting's.
 * When akt.cluster.seed-nodes is not empty the node joins them at once.
 * Errors: AKT_EINVAL (no options or registry), AKT_ENOENT (no remoting
 * on sys), AKT_EEXIST (already started), AKT_ETYPE / AKT_ERANGE /
 * AKT_EINVAL (a bad akt.cluster setting: the error is logged naming the
 * key, its origin and what was expected), AKT_ENOMEM, AKT_ECLOSED. */
AKT_API akt_err akt_cluster_start(
    akt_system *sys, const akt_cluster_options *opts);

/* akt_cluster_start_ex -- as akt_cluster_start, and a bad setting's
 * message goes to err (may be NULL) instead of the log. */
AKT_API akt_err akt_cluster_start_ex(
    akt_system *sys, const akt_cluster_options *opts, akt_config_error *err);

/* akt_cluster_join_seed_nodes -- join through seeds ("akt://sys@host:port"
 * or "akt://sys@[url]"): each is asked, the first that is a member gets
 * the Join. When seeds[0] is this system's own address and no other seed
 * answers within seed-node-timeout, this node starts a new cluster (the
 * first node of a cluster lists itself first). Errors: AKT_EINVAL (no
 * seeds, an address that does not parse), AKT_ESTATE (already joining
 * or a member), AKT_ENOENT (cluster not started). */
AKT_API akt_err akt_cluster_join_seed_nodes(
    akt_system *sys, const char *const *seeds, size_t nseeds);

/* akt_cluster_leave -- leave gracefully: the member at address ("akt://
 * sys@host:port"; NULL: this one) becomes Leaving, then Exiting, then
 * Removed; this node stops taking part when it is removed. Errors:
 * AKT_ENOENT (no such member, or cluster not started), AKT_ESTATE (this
 * node is no member), AKT_EINVAL. */
AKT_API akt_err akt_cluster_leave(akt_system *sys, const char *address);

/* akt_cluster_down -- decide that the member at address is down (it is
 * then removed and never comes back). Errors: as akt_cluster_leave. */
AKT_API akt_err akt_cluster_down(akt_system *sys, const char *address);

/* akt_cluster_stop -- stop the daemon without leaving (others will see
 * this node unreachable). Subscriptions end (their fini runs).
 * AKT_ENOENT when not started. akt_system_free() does it too. */
AKT_API akt_err akt_cluster_stop(akt_system *sys);

/* akt_cluster_member_path -- "akt://system@host:port" of a member, for
 * akt_remote_ref(). AKT_ERANGE when len is short. */
AKT_API akt_err akt_cluster_member_path(
    const akt_cluster_address *a, char *buf, size_t len);

/* --- what this node sees ----------------------------------------------------
 * A copy of the current state: the members (address order), which of
 * them are unreachable, the leader, convergence, and this node. */
typedef struct akt_cluster_state {
    akt_cluster_member self; /* status Removed when not a member (yet) */
    size_t nmembers;
    akt_cluster_member *members;
    bool *unreachable; /* per member */
    bool has_leader;
    akt_cluster_address leader;
    bool convergence;
    bool stopped; /* downed, removed or left: takes no part any more */
} akt_cluster_state;

/* akt_cluster_state_get -- *out is filled (free it with
 * akt_cluster_state_free). AKT_ENOENT (not started), AKT_ENOMEM. */
AKT_API akt_err akt_cluster_state_get(akt_system *sys, akt_cluster_state *out);
AKT_API void akt_cluster_state_free(akt_cluster_state *st);

/* --- events ------------------------------------------------------------------
 */

typedef enum akt_cluster_event_kind {
    AKT_CLUSTER_MEMBER_JOINED = 0,
    AKT_CLUSTER_MEMBER_WEAKLY_UP,
    AKT_CLUSTER_MEMBER_UP,
    AKT_CLUSTER_MEMBER_LEFT, /* Leaving */
    AKT_CLUSTER_MEMBER_EXITED, /* Exiting */
    AKT_CLUSTER_MEMBER_DOWNED,
    AKT_CLUSTER_MEMBER_REMOVED, /* previous: the status before */
    AKT_CLUSTER_UNREACHABLE,
    AKT_CLUSTER_REACHABLE,
    AKT_CLUSTER_LEADER_CHANGED, /* member: the new leader (has_member) */
    AKT_CLUSTER_SELF_STOPPED, /* this node was downed, removed or left */
} akt_cluster_event_kind;

typedef struct akt_cluster_event {
    akt_cluster_event_kind kind;
    bool has_member; /* false: a leader change to no leader */
    akt_cluster_member member;
    akt_member_status previous;
} akt_cluster_event;

/* The callback runs on the cluster's thread: it must return quickly (tell
 * an actor for real work) and must not (un)subscribe. */
typedef void (*akt_cluster_event_fn)(void *arg, const akt_cluster_event *ev);

/* akt_cluster_subscribe -- fn(arg, ev) for every cluster event from now
 * on, after the current state as events first (MemberUp for each Up
 * member, ..., Unreachable for each unreachable one, LeaderChanged), which
 * are delivered before this returns, on the caller's thread. *id names the
 * subscription; fini(arg) runs when it ends. Errors: AKT_ENOENT (not
 * started), AKT_EINVAL, AKT_EBUSY (called from a callback), AKT_ENOMEM;
 * fini is not called on error. */
AKT_API akt_err akt_cluster_subscribe(akt_system *sys, akt_cluster_event_fn fn,
    void *arg, void (*fini)(void *arg), uint64_t *id);
/* akt_cluster_unsubscribe -- end subscription id; its fn is not called
 * after this returns (AKT_EBUSY from a callback). AKT_ENOENT: no such. */
AKT_API akt_err akt_cluster_unsubscribe(akt_system *sys, uint64_t id);

AKT_API const char *akt_cluster_event_name(akt_cluster_event_kind k);

typedef struct akt_cluster_stats {
    uint64_t gossip_sent, gossip_received, status_sent, gossip_bytes;
    uint64_t heartbeats_sent, heartbeats_answered; /* on the receive path */
    uint64_t rejected; /* cluster messages that did not decode */
    uint64_t send_failures; /* could not hand to remoting */
    uint64_t local_health; /* rounds skipped: our own tick was late */
    uint64_t leader_actions, sbr_decisions;
} akt_cluster_stats;

AKT_API akt_err akt_cluster_stats_get(akt_system *sys, akt_cluster_stats *out);

/* --- cluster singleton
 * --------------------------------------------------------- One actor in the
 * whole cluster (per role), on the oldest Up member: a manager runs on every
 * node (at /user/<name>) and starts the singleton
 * (/user/<name>/singleton) when its node is the oldest member of the role
 * -- only once every older member was removed, and, when that one was
 * downed (crashed, or cut off), removal_margin later, so that its own side
 * has stopped it first (never two at once across a partition). A member
 * that leaves, or is downed, stops its singleton at once. A proxy forwards
 * to wherever the singleton runs, and buffers while it moves. */
typedef struct akt_singleton_options {
    /* Required: the name ([A-Za-z0-9_-]+, at most 47 bytes). */
    const char *name;
    /* Required: the singleton's props (copied; what it points to must
     * outlive the manager). */
    const akt_props *props;
    /* Only members with this role host it; NULL or "": any member. */
    const char *role;
    /* The wait after a downed member older than this one was removed;
     * < 0: the resolver's stable-after (Akka's down-removal-margin). */
    int64_t removal_margin_ns;
    /* Messages held while no singleton runs here yet; 0: 1000. */
    uint32_t buffer_size;
} akt_singleton_options;

/* akt_cluster_singleton_start -- start the manager on this node (call on
 * every node that may host it, with the same name). *manager is its ref.
 * Messages told to the manager are forwarded to the singleton when it
 * runs here, held (up to buffer_size) while it is about to, and sent on
 * to the oldest member's manager otherwise. Errors: AKT_EINVAL,
 * AKT_ENOENT (no cluster), AKT_EEXIST (name taken), AKT_ENOMEM. */
AKT_API akt_err akt_cluster_singleton_start(
    akt_system *sys, const akt_singleton_options *opts, akt_ref *manager);

/* akt_cluster_singleton_proxy -- a local actor (/user/<name>-proxy) that
 * forwards every message, with its sender, to the manager on the oldest
 * Up member of role, and holds up to 1000 while there is none. The
 * singleton's message types must be in the remoting registry of every
 * node. Errors: as akt_cluster_singleton_start. */
AKT_API akt_err akt_cluster_singleton_proxy(
    akt_system *sys, const char *name, const char *role, akt_ref *proxy);

/* --- leases
 * --------------------------------------------------------------------- A lease
 * is held by at most one owner at a time, and is lost when its holder stops
 * keeping it alive: what the lease-majority strategy of the split-brain
 * resolver takes (the side that gets it survives), and a building block for
 * applications. akt_lease_etcd_new makes one on etcd (v3 API, its HTTP/JSON
 * gateway): the name is an etcd key created only if absent, bound to an etcd
 * lease of ttl. */

/* akt_lease_etcd_new -- a lease called name on the etcd at endpoint
 * ("http://127.0.0.1:2379"), expiring ttl_ns (at least 1 s) after the
 * last acquire or keep-alive. Nothing is contacted yet. Errors:
 * AKT_EINVAL (endpoint not an http:// URL, empty name, ttl out of range),
 * AKT_ENOMEM. */
AKT_API akt_err akt_lease_etcd_new(
    const char *endpoint, const char *name, int64_t ttl_ns, akt_lease **out);
/* akt_lease_acquire -- take the lease for owner (a non-empty string): AKT_OK
 * when owner holds it now (also when it already did: then it is kept
 * alive), AKT_EBUSY when another owner holds it, AKT_EPEER when etcd does
 * not answer or refuses, AKT_EPROTO when its answer makes no sense. */
AKT_API akt_err akt_lease_acquire(akt_lease *l, const char *owner);
/* akt_lease_keep_alive -- renew the lease held: AKT_OK, AKT_ESTATE (not
 * held, or it expired: then lost), AKT_EPEER. */
AKT_API akt_err akt_lease_keep_alive(akt_lease *l);
/* akt_lease_held -- held, as far as this process knows (not past its ttl
 * since the last successful acquire or keep-alive) */
AKT_API bool akt_lease_held(akt_lease *l);
/* akt_lease_release -- give it up (the key goes with it). AKT_OK also when
 * it was not held; AKT_EPEER when etcd does not answer (it then expires). */
AKT_API akt_err akt_lease_release(akt_lease *l);
AKT_API void akt_lease_free(akt_lease *l);

/* --- seed discovery
 * -------------------------------------------------------------- Nodes find
 * each other through etcd instead of a fixed seed list: each registers its
 * address under a prefix with an etcd lease that it keeps alive (so the
 * registration of a node that dies goes away within ttl), and reads the
 * registered addresses to join. The addresses are sorted, so nodes that
 * see the same set agree on the first seed: the lowest address starts the
 * cluster when no registered node answers, the others join it (Akka's
 * Cluster Bootstrap, with etcd as the discovery method). */
typedef struct akt_discovery akt_discovery;

/* Most addresses read from etcd at once (the lowest are kept). */
#define AKT_DISCOVERY_MAX 64

/* akt_discovery_etcd_new -- discovery under prefix (a non-empty etcd key
 * prefix such as "akt/my-cluster", at most 200 bytes) on the etcd at
 * endpoint ("http://127.0.0.1:2379"); registrations live ttl_ns (1 s to
 * 1 h) after the last keep-alive, which is sent every ttl/3. Nothing is
 * contacted yet. Errors: AKT_EINVAL, AKT_ENOMEM. */
AKT_API akt_err akt_discovery_etcd_new(const char *endpoint, const char *prefix,
    int64_t ttl_ns, akt_discovery **out);
/* akt_discovery_register -- register address ("akt://sys@host:port", or
 * "akt://sys@[url]") under the prefix (replacing an older registration of
 * the same address: a restarted node) and keep it alive on a thread of the
 * discovery's own until akt_discovery_deregister or _free; a lost lease
 * (etcd unreachable for longer than ttl) is registered again. Errors:
 * AKT_EINVAL (not an address), AKT_ESTATE (registered already), AKT_EPEER
 * (etcd does not answer), AKT_EPROTO, AKT_ENOMEM. */
AKT_API akt_err akt_discovery_register(akt_discovery *d, const char *address);
/* akt_discovery_list -- the registered addresses, sorted, into out (cap
 * entries of AKT_DISCOVERY_ADDR_LEN bytes); *n is how many. Values under the
 * prefix that are no address are skipped (and counted in *skipped, which
 * may be NULL). Errors: AKT_EPEER, AKT_EPROTO, AKT_ETOOBIG, AKT_EINVAL. */
#define AKT_DISCOVERY_ADDR_LEN 512
AKT_API akt_err akt_discovery_list(akt_discovery *d,
    char (*out)[AKT_DISCOVERY_ADDR_LEN], size_t cap, size_t *n,
    size_t *skipped);
/* akt_discovery_deregister -- stop keeping the registration alive and
 * remove it (revoke its lease). AKT_OK also when not registered; AKT_EPEER
 * when etcd does not answer (it then expires). */
AKT_API akt_err akt_discovery_deregister(akt_discovery *d);
/* akt_discovery_free -- deregister and free. */
AKT_API void akt_discovery_free(akt_discovery *d);

/* akt_cluster_join_discovered -- register this node's address with d, wait
 * until at least required_contacts nodes are registered (re-reading every
 * ttl/4, at most 1 s; required_contacts should be the number of nodes that
 * are started together, so that all of them see the same set and agree on
 * the first seed), then join the registered nodes as seed nodes
 * (akt_cluster_join_seed_nodes). Blocks the caller at most timeout_ns.
 * Errors: AKT_ETIMEDOUT (fewer registered by then: the registration
 * stays, call again), AKT_EINVAL, AKT_ENOENT (no cluster or remoting),
 * AKT_ESTATE (joining or a member already), what register and list
 * return. */
AKT_API akt_err akt_cluster_join_discovered(akt_system *sys, akt_discovery *d,
    size_t required_contacts, int64_t timeout_ns);

/* --- cluster-aware routers
 * -------------------------------------------------------- A group router
 * whose routees follow the membership (Akka's ClusterRouterGroup): the
 * given actor paths on every member that is Up, has the role and is not
 * unreachable from this node. A member that becomes Up adds its routees, one
 * that leaves, is downed, removed or unreachable takes its routees away
 * (an unreachable one that is reachable again gets them back). Messages
 * sent to the router go to one routee (or, broadcast, to all), with their
 * sender; with no routee they are dead letters (AKT_ENOENT). Message types
 * must be in the remoting registry of every node. */
#define AKT_CLUSTER_ROUTER_MAX_PATHS 8

/* The routees after a change, on the router's thread (return quickly):
 * paths (at most 64 shown) of n in all. */
typedef void (*akt_cluster_routees_fn)(
    void *arg, const char *const *paths, size_t npaths, size_t n);

typedef struct akt_cluster_router_options {
    /* AKT_ROUTE_ROUND_ROBIN, _RANDOM, _BROADCAST or _CONSISTENT_HASH
     * (rendezvous hashing over the routees: a member that comes or goes
     * moves only the keys it takes or had) */
    akt_routing logic;
    /* The routees' paths on each member ("/user/worker"), at most
     * AKT_CLUSTER_ROUTER_MAX_PATHS of fewer than 128 bytes. */
    const char *const *paths;
    size_t npaths;
    /* Only members with this role; NULL or "": every member. */
    const char *role;
    /* Not this node's own actors (Akka's allow-local-routees = off). */
    bool exclude_local_routees;
    /* consistent hashing: the key of a message */
    akt_hash_key_fn hash_key;
    void *hash_arg;
    uint64_t seed; /* random; 0: from the clock */
    /* Told of every change of the routees (NULL: nobody). */
    akt_cluster_routees_fn on_routees;
    void *arg;
} akt_cluster_router_options;

/* akt_cluster_router_spawn -- a cluster-aware group router under /user
 * (name as akt_spawn). Errors: AKT_EINVAL (no paths, a path that does not
 * start with '/', too many or too long, a logic other than the four, no
 * hash_key for consistent hashing), AKT_ENOENT (no cluster), AKT_EEXIST,
 * AKT_ENOMEM. */
AKT_API akt_err akt_cluster_router_spawn(akt_system *sys,
    const akt_cluster_router_options *opts, const char *name, akt_ref *out);

/* --- distributed pub/sub
 * ---------------------------------------------------------- Akka's
 * DistributedPubSub: a mediator on every member (/system/pubsub) keeps a
 * registry of who subscribed to which topic and which actors were put
 * under which path, on every node; each node changes only its own part and
 * the mediators gossip the registry (a status with versions, answered by
 * the newer entries), so it converges within a few gossip intervals.
 *
 *   publish      to every subscriber of the topic on every node (the ones
 *                that subscribed without a group); with one_per_group, to
 *                one random subscriber of each group instead
 *   send         to one of the actors put under a path ("/user/worker"),
 *                the local one first with local_affinity, else at random
 *   send_to_all  to every actor put under the path (but this node's, with
 *                all_but_self)
 *
 * Delivery is at most once, as any tell: a subscriber a node does not know
 * of yet (its subscription still spreading) misses what is published
 * meanwhile. A subscriber or put actor that stops is removed. The
 * message's type must be in the remoting registry of every node. A publish
 * with no subscriber, or a send with no actor, is a dead letter. */
#define AKT_PUBSUB_TOPIC_LEN 256
#define AKT_PUBSUB_GROUP_LEN 64

typedef struct akt_pubsub_options {
    /* Required: the registry given to akt_remote_start (the mediators'
     * message type is added to it). */
    akt_registry *registry;
    /* Only members with this role take part; NULL or "": every member. */
    const char *role;
    /* 0: 1 s (Akka's gossip-interval) */
    int64_t gossip_interval_ns;
    /* how long a removal is kept so that it spreads; 0: 120 s */
    int64_t removed_ttl_ns;
    /* most registry entries in one gossip answer; 0: 3000 */
    uint32_t max_delta_entries;
    /* most entries (subscriptions and puts, every node's) this node
     * holds; 0: 10000. Over it, subscribe is refused (an ack with
     * AKT_EFULL) and gossiped entries wait. */
    uint32_t max_entries;
    /* Told, on the mediator's thread, the number of subscribers of a
     * topic this node knows of (every node's) whenever it changes here,
     * and for a path ("/user/worker") the number of actors put under it
     * (NULL: nobody). */
    void (*on_topic)(void *arg, const char *topic, size_t subscribers);
    void *arg;
} akt_pubsub_options;

/* What the mediator answers a (un)subscribe with, to its ack_to (a local
 * actor): the topic, whether it is now subscribed, and the result. */
typedef struct akt_PubSubAck {
    int32_t result; /* akt_err */
    bool subscribed;
    char topic[AKT_PUBSUB_TOPIC_LEN];
    char group[AKT_PUBSUB_GROUP_LEN];
} akt_PubSubAck;
AKT_API extern const akt_type akt_pubsub_ack_type;

/* akt_pubsub_start -- start this node's mediator (/system/pubsub); the
 * cluster must be started. Errors: AKT_EINVAL, AKT_ENOENT (no cluster),
 * AKT_EEXIST (started already), AKT_ENOMEM. */
AKT_API akt_err akt_pubsub_start(
    akt_system *sys, const akt_pubsub_options *opts, akt_ref *mediator);

/* akt_pubsub_subscribe / _unsubscribe -- subscriber (a local actor) to
 * or from topic (1..255 bytes, not starting with '/'), in group (NULL or "":
 * none; at most 63 bytes). Asynchronous: the mediator sends an akt_PubSubAck to
 * ack_to once it is registered here (AKT_REF_NONE: no ack). Errors: AKT_EINVAL,
 * then akt_tell's. */
AKT_API akt_err akt_pubsub_subscribe(akt_ref mediator, const char *topic,
    const char *group, akt_ref subscriber, akt_ref ack_to);
AKT_API akt_err akt_pubsub_unsubscribe(akt_ref mediator, const char *topic,
    const char *group, akt_ref subscriber, akt_ref ack_to);

/* akt_pubsub_publish -- msg (consumed) to the topic's subscribers, from
 * sender. Errors: AKT_EINVAL, then akt_tell's (msg freed on error). */
AKT_API akt_err akt_pubsub_publish(akt_ref mediator, const char *topic,
    void *msg, akt_ref sender, bool one_per_group);

/* akt_pubsub_put -- register ref (a local actor) under its path without
 * the address ("/user/worker") for send and send_to_all; _remove takes
 * this node's actor at that path away. Errors: AKT_EINVAL, akt_tell's. */
AKT_API akt_err akt_pubsub_put(akt_ref mediator, akt_ref ref);
AKT_API akt_err akt_pubsub_remove(akt_ref mediator, const char *path);

/* akt_pubsub_send / _send_to_all -- msg (consumed) to one / every actor
 * put under path. Errors: AKT_EINVAL, akt_tell's (msg freed on error). */
AKT_API akt_err akt_pubsub_send(akt_ref mediator, const char *path, void *msg,
    akt_ref sender, bool local_affinity);
AKT_API akt_err akt_pubsub_send_to_all(akt_ref mediator, const char *path,
    void *msg, akt_ref sender, bool all_but_self);

typedef struct akt_pubsub_stats {
    uint64_t status_sent, delta_sent, received, rejected;
    uint64_t entries; /* held now, every node's */
    uint64_t dropped; /* gossiped entries over max_entries (they wait) */
    uint64_t delivered, dead_letters;
} akt_pubsub_stats;

/* akt_pubsub_stats_get -- the mediator's counters (AKT_ENOENT: none) */
AKT_API akt_err akt_pubsub_stats_get(akt_system *sys, akt_pubsub_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* AKT_CLUSTER_H */
