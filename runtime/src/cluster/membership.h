/*
 * membership.h -- the membership core: pure functions over gossip states.
 *
 * Internal to runtime/src/cluster/. Nothing here does I/O or reads a clock:
 * times come in as arguments, randomness as numbers the caller drew. That
 * makes the state machine testable by property tests (the CRDT laws of
 * akti_cl_gossip_merge), fuzzable (wire.c decodes into these structures)
 * and runnable under a simulation's virtual time (tests/cluster/sim.c).
 *
 * A gossip state holds, all sorted and each with its own capacity:
 *   members       by address order (host, port, system, uid), uids unique,
 *                 never status Removed (a removed member is a tombstone);
 *   seen          uids of members that have seen this exact state;
 *   reachability  records (observer, subject, status, version), sorted by
 *                 (observer, subject), and each observer's row version;
 *                 only the observer changes its own row, an all-reachable
 *                 row is dropped (its version stays);
 *   vclock        (node uid, counter), sorted by node;
 *   tombstones    (uid, removed at, ms), sorted by uid.
 * akti_cl_gossip_check() states the invariants the decoder enforces.
 */
#ifndef AKT_CLUSTER_MEMBERSHIP_H
#define AKT_CLUSTER_MEMBERSHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/cluster.h"
#include "akt/err.h"
#include "akt/export.h"

typedef akt_cluster_address akti_cl_addr;
typedef akt_cluster_member akti_cl_member;

/* reachability of a subject as seen by an observer (Akka's numbers) */
enum {
    AKTI_CL_REACHABLE = 0,
    AKTI_CL_UNREACHABLE = 1,
    AKTI_CL_TERMINATED = 2,
};

typedef enum akti_vc_order {
    AKTI_VC_SAME = 0,
    AKTI_VC_BEFORE, /* a happened before b */
    AKTI_VC_AFTER, /* a happened after b */
    AKTI_VC_CONCURRENT,
} akti_vc_order;

typedef struct akti_cl_vce {
    uint64_t node, counter;
} akti_cl_vce;

typedef struct akti_cl_rrec {
    uint64_t observer, subject, version;
    uint32_t status;
} akti_cl_rrec;

typedef struct akti_cl_rver {
    uint64_t observer, version;
} akti_cl_rver;

typedef struct akti_cl_tomb {
    uint64_t uid;
    int64_t removed_ms;
} akti_cl_tomb;

typedef struct akti_cl_gossip {
    akti_cl_member *m;
    uint32_t nm, capm;
    uint64_t *seen;
    uint32_t nseen, capseen;
    akti_cl_rrec *rr;
    uint32_t nrr, caprr;
    akti_cl_rver *rv;
    uint32_t nrv, caprv;
    akti_cl_vce *vc;
    uint32_t nvc, capvc;
    akti_cl_tomb *tomb;
    uint32_t ntomb, captomb;
} akti_cl_gossip;

/* --- addresses and members ---------------------------------------------- */

/* akti_cl_addr_cmp -- the address order: host, port, system, uid. Members
 * are sorted by it; the leader is the first eligible member in it. */
AKTI_INTERNAL int akti_cl_addr_cmp(
    const akti_cl_addr *a, const akti_cl_addr *b);
/* akti_cl_addr_same_node -- same host, port and system (any uid) */
AKTI_INTERNAL bool akti_cl_addr_same_node(
    const akti_cl_addr *a, const akti_cl_addr *b);
/* akti_cl_status_priority -- merge rank: the higher status wins
 * (Removed > Down > Exiting > Leaving > Up > WeaklyUp > Joining) */
AKTI_INTERNAL int akti_cl_status_priority(akt_member_status s);
AKTI_INTERNAL bool akti_cl_status_valid(uint32_t s);
/* akti_cl_transition_ok -- Akka's table (from -> to); to == from is not a
 * transition */
AKTI_INTERNAL bool akti_cl_transition_ok(
    akt_member_status from, akt_member_status to);
/* akti_cl_age_cmp -- < 0 when a is older (lower up_number, then address) */
AKTI_INTERNAL int akti_cl_age_cmp(
    const akti_cl_member *a, const akti_cl_member *b);
/* akti_cl_member_has_role -- role NULL or "" matches every member */
AKTI_INTERNAL bool akti_cl_member_has_role(
    const akti_cl_member *m, const char *role);
/* akti_cl_member_init -- a Joining member (up_number INT32_MAX, roles
 * sorted and deduplicated, app_version "0.0.0" when NULL or ""). Errors:
 * AKT_EINVAL (uid 0, empty system or host), AKT_ERANGE (a string too long,
 * too many roles). */
AKTI_INTERNAL akt_err akti_cl_member_init(akti_cl_member *m, const char *system,
    const char *host, uint32_t port, uint64_t uid, const char *const *roles,
    uint32_t nroles, const char *app_version);

/* --- vector clocks ------------------------------------------------------ */

AKTI_INTERNAL akti_vc_order akti_cl_vc_compare(
    const akti_cl_gossip *a, const akti_cl_gossip *b);

/* --- gossip states ------------------------------------------------------ */

AKTI_INTERNAL void akti_cl_gossip_init(akti_cl_gossip *g);
AKTI_INTERNAL void akti_cl_gossip_fini(akti_cl_gossip *g);
/* akti_cl_gossip_copy -- dst (initialized; its contents are replaced)
 * becomes a deep copy of src. On AKT_ENOMEM dst is unchanged. */
AKTI_INTERNAL akt_err akti_cl_gossip_copy(
    akti_cl_gossip *dst, const akti_cl_gossip *src);
/* akti_cl_gossip_equal -- same members, reachability, versions, clock and
 * tombstones; the seen sets too when with_seen. */
AKTI_INTERNAL bool akti_cl_gossip_equal(
    const akti_cl_gossip *a, const akti_cl_gossip *b, bool with_seen);
/* akti_cl_gossip_check -- AKT_OK when g keeps every invariant above,
 * AKT_EPROTO otherwise (a state decoded from the network is checked). */
AKTI_INTERNAL akt_err akti_cl_gossip_check(const akti_cl_gossip *g);

AKTI_INTERNAL akti_cl_member *akti_cl_gossip_member(
    const akti_cl_gossip *g, uint64_t uid);
AKTI_INTERNAL bool akti_cl_gossip_tombstoned(
    const akti_cl_gossip *g, uint64_t uid);
AKTI_INTERNAL bool akti_cl_gossip_seen_by(
    const akti_cl_gossip *g, uint64_t uid);
/* akti_cl_gossip_seen_digest -- a 64-bit hash of the seen set (0: empty),
 * for GossipStatus: two nodes with the same clock and digest agree. */
AKTI_INTERNAL uint64_t akti_cl_gossip_seen_digest(const akti_cl_gossip *g);

/* Local changes. Each leaves the clock alone: after one or more, the node
 * calls akti_cl_gossip_bump(g, self), which increments self's entry and
 * makes self the only one that has seen the new state (AKT_ENOENT, and
 * nothing changed, when self is no member). */
AKTI_INTERNAL akt_err akti_cl_gossip_bump(akti_cl_gossip *g, uint64_t self);
/* akti_cl_gossip_see -- uid has seen this state */
AKTI_INTERNAL akt_err akti_cl_gossip_see(akti_cl_gossip *g, uint64_t uid);
/* akti_cl_gossip_add -- add m (copied) as a member. AKT_EEXIST: its uid is
 * a member already; AKT_ESTATE: its uid is tombstoned (a removed
 * incarnation never returns); AKT_EINVAL: status Removed or uid 0. */
AKTI_INTERNAL akt_err akti_cl_gossip_add(
    akti_cl_gossip *g, const akti_cl_member *m);
/* akti_cl_gossip_set_status -- move a member; up_number is set when to is
 * Up (and kept otherwise). AKT_ENOENT: no such member; AKT_ESTATE: not a
 * transition of the table (to Removed: use akti_cl_gossip_remove). */
AKTI_INTERNAL akt_err akti_cl_gossip_set_status(
    akti_cl_gossip *g, uint64_t uid, akt_member_status to, int32_t up_number);
/* akti_cl_gossip_remove -- drop the member, add its tombstone, prune its
 * clock entry, seen mark and reachability records (as observer and as
 * subject). AKT_ENOENT when it is no member. */
AKTI_INTERNAL akt_err akti_cl_gossip_remove(
    akti_cl_gossip *g, uint64_t uid, int64_t now_ms);
/* akti_cl_gossip_prune_tombstones -- forget tombstones older than
 * older_than_ms (Akka's prune-gossip-tombstones-after). */
AKTI_INTERNAL void akti_cl_gossip_prune_tombstones(
    akti_cl_gossip *g, int64_t older_than_ms);

/* --- reachability ------------------------------------------------------- */

/* akti_cl_reach_set -- observer's own record about subject; bumps the
 * observer's row version when it changes; a row that becomes all reachable
 * is dropped. Terminated is final (a later status is ignored). */
AKTI_INTERNAL akt_err akti_cl_reach_set(
    akti_cl_gossip *g, uint64_t observer, uint64_t subject, uint32_t status);
/* akti_cl_reach_status -- the aggregate: Terminated if any observer says
 * so, else Unreachable if any does, else Reachable. With
 * skip_down_observers, records of observers whose status is Down are
 * ignored (as convergence does). */
AKTI_INTERNAL uint32_t akti_cl_reach_status(
    const akti_cl_gossip *g, uint64_t subject, bool skip_down_observers);
AKTI_INTERNAL uint32_t akti_cl_reach_status_by(
    const akti_cl_gossip *g, uint64_t observer, uint64_t subject);
AKTI_INTERNAL uint64_t akti_cl_reach_version(
    const akti_cl_gossip *g, uint64_t observer);

/* --- merge -------------------------------------------------------------- */

/* akti_cl_gossip_merge -- out (initialized, replaced) = the join of a and
 * b: tombstones united; clocks entrywise max minus tombstoned nodes;
 * members by uid, the higher status (then the lower up_number) winning,
 * tombstoned ones dropped; each observer's reachability row from the side
 * with the higher row version; seen empty (nobody has seen the result).
 * Commutative, associative and idempotent (tests/cluster/crdt_test.c).
 * out may not alias a or b. */
AKTI_INTERNAL akt_err akti_cl_gossip_merge(
    const akti_cl_gossip *a, const akti_cl_gossip *b, akti_cl_gossip *out);
/* akti_cl_gossip_merge_seen -- g gets other's seen marks (same version) */
AKTI_INTERNAL akt_err akti_cl_gossip_merge_seen(
    akti_cl_gossip *g, const akti_cl_gossip *other);

/* --- the view of one node ----------------------------------------------- */

/* akti_cl_convergence -- every member Up or Leaving (also Joining and
 * WeaklyUp while no member is Up yet) has seen the state, and every member
 * that is unreachable (observations by Down members ignored) is Down or
 * Exiting. */
AKTI_INTERNAL bool akti_cl_convergence(const akti_cl_gossip *g, uint64_t self);
/* akti_cl_leader -- the leader as self sees it: the first member in
 * address order that is not Down and is reachable (self always counts;
 * observations by Down members are ignored, as for convergence),
 * preferring Up and Leaving members; with role, only members of it. NULL
 * when there is none. */
AKTI_INTERNAL const akti_cl_member *akti_cl_leader(
    const akti_cl_gossip *g, uint64_t self, const char *role);
/* akti_cl_oldest -- the oldest Up (or Leaving) member with role, NULL if
 * none */
AKTI_INTERNAL const akti_cl_member *akti_cl_oldest(
    const akti_cl_gossip *g, const char *role);

/* akti_cl_leader_actions -- what the leader does on convergence: Joining
 * and WeaklyUp to Up (consecutive up numbers after the youngest, when at
 * least min_members are Joining/WeaklyUp/Up), Leaving to Exiting, Exiting
 * members that saw it, confirmed it (their uid among the nconfirmed of
 * confirmed: Akka's ExitingConfirmed) or are unreachable, and Down members
 * to Removed. *changed says whether g changed; the caller bumps the clock
 * then. */
AKTI_INTERNAL akt_err akti_cl_leader_actions(akti_cl_gossip *g, uint64_t self,
    uint32_t min_members, int64_t now_ms, const uint64_t *confirmed,
    uint32_t nconfirmed, bool *changed);
/* akti_cl_weakly_up -- without convergence: reachable Joining members to
 * WeaklyUp (after allow-weakly-up-members; the caller times it). */
AKTI_INTERNAL akt_err akti_cl_weakly_up(
    akti_cl_gossip *g, uint64_t self, uint32_t min_members, bool *changed);

/* akti_cl_diff_view_probability -- the documented gossip-target bias:
 * prob up to 400 members, then linearly down to prob/10 at 1200 (and
 * below). Not Akka's code, which passes the integer 400 here since 2017. */
AKTI_INTERNAL double akti_cl_diff_view_probability(
    uint32_t nmembers, double prob);
/* akti_cl_gossip_target -- a member to gossip to: not self, not marked
 * unreachable by self, not Removed; with probability prob (r1 / 2^64 <
 * prob) one that has not seen this state if there is one; r2 picks among
 * the candidates. false when there is none. */
AKTI_INTERNAL bool akti_cl_gossip_target(const akti_cl_gossip *g, uint64_t self,
    double prob, uint64_t r1, uint64_t r2, uint64_t *out);
/* akti_cl_speedup -- fewer than half the members have seen the state, or
 * a member is Down, Leaving or Exiting: gossip three times as often. */
AKTI_INTERNAL bool akti_cl_speedup(const akti_cl_gossip *g);

/* akti_cl_hb_receivers -- the members self heartbeats: the next n on the
 * ring (members ordered by a hash of their uid, the same order on every
 * node), unreachable ones met on the way included but not counted; all
 * others when n >= members - 1. Writes at most cap uids to out; returns
 * the count. */
AKTI_INTERNAL uint32_t akti_cl_hb_receivers(const akti_cl_gossip *g,
    uint64_t self, uint32_t n, uint64_t *out, uint32_t cap);

/* --- events --------------------------------------------------------------- */

typedef enum akti_cl_event_kind {
    AKTI_CL_EV_MEMBER_JOINED = 0,
    AKTI_CL_EV_MEMBER_WEAKLY_UP,
    AKTI_CL_EV_MEMBER_UP,
    AKTI_CL_EV_MEMBER_LEFT,
    AKTI_CL_EV_MEMBER_EXITED,
    AKTI_CL_EV_MEMBER_DOWNED,
    AKTI_CL_EV_MEMBER_REMOVED,
    AKTI_CL_EV_UNREACHABLE,
    AKTI_CL_EV_REACHABLE,
    AKTI_CL_EV_LEADER_CHANGED,
} akti_cl_event_kind;

/* akti_cl_diff -- the events that lead from old to new as self sees them,
 * in a consistent order (member events by address, then reachability,
 * then the leader), each handed to emit(arg, kind, member, prev_status).
 * For LEADER_CHANGED member is the new leader or NULL. */
typedef void (*akti_cl_emit_fn)(void *arg, akti_cl_event_kind kind,
    const akti_cl_member *m, akt_member_status prev);
AKTI_INTERNAL void akti_cl_diff(const akti_cl_gossip *old,
    const akti_cl_gossip *now, uint64_t self, akti_cl_emit_fn emit, void *arg);

#endif /* AKT_CLUSTER_MEMBERSHIP_H */
