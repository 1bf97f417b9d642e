/*
 * node.h -- one cluster member's protocol, as a state machine driven from
 * outside: bytes in (akti_clnode_receive), time in (akti_clnode_tick),
 * bytes and events out (through akti_cl_io). It owns the latest gossip
 * state, the seed/join process, gossip rounds (push-pull with a digest,
 * faster while not converged), heartbeats and the reaper that turns the
 * failure detector's verdicts into its own reachability row (with the
 * local-health rule), the leader's actions, and the split-brain resolver.
 *
 * Internal to runtime/src/cluster/. No threads, sockets or clocks: the
 * simulation (tests/cluster/sim.c) drives it with virtual time over a
 * fault-injecting network, the binding over remoting (cluster.c) with the
 * system's clock from one thread. Not thread-safe: one caller at a time.
 */
#ifndef AKT_CLUSTER_NODE_H
#define AKT_CLUSTER_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/heartbeat.h"
#include "cluster/membership.h"
#include "cluster/sbr.h"
#include "cluster/wire.h"

typedef struct akti_cl_settings {
    int64_t gossip_interval_ns; /* 1 s */
    int64_t gossip_ttl_ns; /* gossip-time-to-live: 2 s */
    int64_t leader_interval_ns; /* leader-actions-interval: 1 s */
    int64_t reaper_interval_ns; /* unreachable-nodes-reaper-interval: 1 s */
    int64_t seed_timeout_ns; /* seed-node-timeout: 5 s */
    int64_t retry_join_ns; /* retry-unsuccessful-join-after: 10 s */
    int64_t weakly_up_after_ns; /* allow-weakly-up-members: 7 s; 0 off */
    int64_t prune_tombstones_ns; /* prune-gossip-tombstones-after: 24 h */
    uint32_t min_members; /* min-nr-of-members: 1 */
    double diff_view_probability; /* gossip-different-view-probability */
    akti_cl_fd_settings fd;
    bool sbr_on; /* downing-provider: the split-brain resolver */
    akti_sbr_settings sbr;
    akti_cl_wire_limits wire;
    /* the configuration compatibility check: the settings a joiner and
     * the cluster must agree on, as "key=value" (cluster.c fills them);
     * enforce_on_join: a member refuses a joiner that disagrees */
    char check[AKTI_CL_CHECK_MAX][AKTI_CL_CHECK_LEN];
    uint32_t ncheck;
    bool enforce_on_join; /* on */
} akti_cl_settings;

/* Akka's production defaults (CLUSTER.md §5.5), resolver on */
AKTI_INTERNAL void akti_cl_settings_default(akti_cl_settings *s);
/* the test profile: intervals x1/4, pause 1.5 s, stable-after 3 s, ... */
AKTI_INTERNAL void akti_cl_settings_test_profile(akti_cl_settings *s);

/* akti_cl_config_mismatch -- the first checked setting that the joiner's
 * entries (config, n) give another value than s does, as a reason in why
 * ("KEY is A on the joining node and B in this cluster"); false when they
 * agree. Keys only one side checks are not compared (a joiner that sends
 * none is unchecked, as Akka's). */
AKTI_INTERNAL bool akti_cl_config_mismatch(const akti_cl_settings *s,
    const char (*config)[AKTI_CL_CHECK_LEN], uint32_t n, char *why, size_t len);

/* why a node stopped taking part */
typedef enum akti_cl_stop {
    AKTI_CL_RUNNING = 0,
    AKTI_CL_STOP_DOWNED, /* marked Down (by a decision) */
    AKTI_CL_STOP_REMOVED, /* removed while it saw itself Joining/Up */
    AKTI_CL_STOP_LEFT, /* left gracefully (Leaving, Exiting, removed) */
} akti_cl_stop;

/* A lease for lease-majority: try_acquire returns true when owner holds
 * it (now or already). Synchronous; may be NULL (lease-majority then
 * never acquires, so every side downs itself). */
typedef struct akti_cl_lease {
    bool (*try_acquire)(void *arg, const char *owner);
    void *arg;
} akti_cl_lease;

/* what a message is, for the transport: heartbeats go to the member's
 * responder (answered on the receive path), everything else (answers
 * included) to its daemon */
typedef enum akti_cl_send_kind {
    AKTI_CL_SEND_DAEMON = 0,
    AKTI_CL_SEND_HEARTBEAT,
    AKTI_CL_SEND_ANSWER,
} akti_cl_send_kind;

typedef struct akti_cl_io {
    void *arg;
    /* send len bytes to the member at `to`; the buffer is the node's
     * again after the call */
    void (*send)(void *arg, const akti_cl_addr *to, const uint8_t *buf,
        size_t len, akti_cl_send_kind kind);
    /* an event (membership.h); may be NULL */
    akti_cl_emit_fn event;
    /* the node stopped taking part (once); may be NULL */
    void (*stopped)(void *arg, akti_cl_stop why);
    /* a line for the log: level 0 info, 1 warning, 2 error; may be NULL */
    void (*log)(void *arg, int level, const char *text);
    akti_cl_lease lease;
} akti_cl_io;

typedef struct akti_cl_node_stats {
    uint64_t gossip_sent, status_sent, gossip_bytes, status_bytes;
    uint64_t gossip_received;
    uint64_t gossip_dropped_ttl, ignored; /* not for us, unknown sender */
    uint64_t rejected; /* did not decode */
    uint64_t heartbeats_sent, heartbeat_answers;
    uint64_t local_health; /* reaper rounds skipped: our own tick late */
    uint64_t leader_actions, sbr_decisions, merges;
    uint64_t joins_refused; /* joiners refused here, or our join refused */
} akti_cl_node_stats;

typedef enum akti_cl_phase {
    AKTI_CL_IDLE = 0, /* not joining */
    AKTI_CL_JOINING, /* seed process or join in flight */
    AKTI_CL_MEMBER, /* in the gossip */
    AKTI_CL_STOPPED,
} akti_cl_phase;

#define AKTI_CL_CONFIRMED_MAX 16

typedef struct akti_clnode {
    akti_cl_settings set;
    akti_cl_io io;
    akti_cl_member self;
    uint64_t uid;
    akti_cl_phase phase;
    akti_cl_stop stop_reason;
    akt_member_status last_status; /* self's, as last seen */
    akti_cl_gossip g; /* the latest state */
    akti_cl_gossip pub; /* the state events were last published for */
    /* joining */
    akti_cl_addr *seeds;
    uint32_t nseeds, nacks;
    bool first_seed; /* self is seeds[0]: may join itself */
    bool have_target;
    akti_cl_addr target;
    int64_t join_started, next_init_join, join_retry_at;
    /* timers */
    int64_t next_gossip, next_hb, next_reaper, next_leader, last_reaper;
    int64_t no_convergence_since, down_since, exiting_since;
    int64_t lease_at; /* lease-majority: try the lease then; 0: none */
    int64_t last_leader; /* the last leader tick */
    int64_t quiet_until; /* after a late tick: no new verdicts or leader
                            actions until then (local health) */
    int64_t last_notice; /* the last "you were removed" gossip sent */
    /* Exiting members that confirmed they saw it (ExitingConfirmed): the
     * leader removes them without their seen mark; at most this many */
    uint64_t exiting_confirmed[AKTI_CL_CONFIRMED_MAX];
    uint32_t nconfirmed;
    akti_cl_hb hb;
    akti_sbr_tracker sbr;
    uint64_t rng;
    akti_cl_node_stats stats;
} akti_clnode;

/* akti_clnode_init -- a node for member `self` (status ignored: it joins as
 * Joining); seed seeds the node's random draws. */
AKTI_INTERNAL akt_err akti_clnode_init(akti_clnode *n,
    const akti_cl_settings *set, const akti_cl_member *self,
    const akti_cl_io *io, uint64_t seed);
AKTI_INTERNAL void akti_clnode_fini(akti_clnode *n);

/* akti_clnode_join_seeds -- join through seeds (InitJoin to each, the
 * first that answers gets the Join); when seeds[0] is self's address, self
 * may form a new cluster after seed-node-timeout (or at once when every
 * other seed says it is no member). AKT_ESTATE: already joining/member. */
AKTI_INTERNAL akt_err akti_clnode_join_seeds(
    akti_clnode *n, const akti_cl_addr *seeds, uint32_t nseeds, int64_t now_ns);
/* akti_clnode_leave / _down -- graceful leave of (or decision to down) the
 * member at addr (uid 0: whichever incarnation is a member there).
 * AKT_ENOENT: no such member; AKT_ESTATE: not a member ourselves. */
AKTI_INTERNAL akt_err akti_clnode_leave(
    akti_clnode *n, const akti_cl_addr *addr, int64_t now_ns);
AKTI_INTERNAL akt_err akti_clnode_down(
    akti_clnode *n, const akti_cl_addr *addr, int64_t now_ns);

/* akti_clnode_receive -- a message that arrived at received_ns, handled at
 * now_ns (gossip older than gossip-time-to-live by then is dropped). */
AKTI_INTERNAL void akti_clnode_receive(akti_clnode *n, const uint8_t *buf,
    size_t len, int64_t received_ns, int64_t now_ns);

/* akti_clnode_tick -- run what is due at now; returns the next time
 * something is due (the caller may sleep until then). */
AKTI_INTERNAL int64_t akti_clnode_tick(akti_clnode *n, int64_t now_ns);

/* akti_clnode_acting_leader -- self is the leader, has convergence, is
 * not Down and not quiet after a late tick: it may move members at now
 * (the "one acting leader" invariant). */
AKTI_INTERNAL bool akti_clnode_acting_leader(const akti_clnode *n, int64_t now);

/* akti_cl_heartbeat_answer -- the answer to a Heartbeat message in
 * (decoded here), from the member at self: stateless, for the receive
 * path (no daemon, no lock). AKT_ENOENT: in is no Heartbeat for self (the
 * caller hands it to the daemon). *out is malloc'd; *to the sender. */
AKTI_INTERNAL akt_err akti_cl_heartbeat_answer(const akti_cl_addr *self,
    const uint8_t *in, size_t len, const akti_cl_wire_limits *lim,
    uint8_t **out, size_t *outlen, akti_cl_addr *to);

#endif /* AKT_CLUSTER_NODE_H */
