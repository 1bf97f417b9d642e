/*
 * sbr.h -- the split-brain resolver as pure decision functions.
 *
 * Internal to runtime/src/cluster/. Downing is a decision, never a
 * timeout: when members are unreachable, the leader of each side waits
 * until the membership and reachability it sees have been stable for
 * stable-after, then decides with one strategy which members to mark
 * Down. The strategies are Akka's (sbr/DowningStrategy.scala), each made
 * so that the two sides of a clean partition, deciding alone, reach
 * complementary answers:
 *   keep-majority   the side with more members (Up/Leaving, of the role)
 *                   stays; a tie keeps the side of the lowest address;
 *                   when counting joiners on the other side and not our
 *                   leavers could flip it, everyone downs
 *   static-quorum   a side of at least quorum-size members stays; with
 *                   more than 2*quorum-1 members, or a quorum possible on
 *                   the other side, everyone downs
 *   keep-oldest     the side of the oldest member stays, unless the oldest
 *                   is alone (down-if-alone): then it downs itself
 *   down-all        everyone downs
 *   lease-majority  whoever takes the lease stays (the minority tries
 *                   acquire-lease-delay-for-minority later)
 * Indirectly connected members (observer and subject of unreachability
 * at once, or unreachable yet in the seen set) are downed first, and the
 * strategy decides the rest without their records. The tracker adds the
 * time rules: stable-after, and down-all-when-unstable (reachability that
 * keeps changing for stable-after + that long downs everyone).
 */
#ifndef AKT_CLUSTER_SBR_H
#define AKT_CLUSTER_SBR_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/membership.h"

typedef enum akti_sbr_strategy {
    AKTI_SBR_STRAT_KEEP_MAJORITY = 0,
    AKTI_SBR_STRAT_STATIC_QUORUM,
    AKTI_SBR_STRAT_KEEP_OLDEST,
    AKTI_SBR_STRAT_DOWN_ALL,
    AKTI_SBR_STRAT_LEASE_MAJORITY,
} akti_sbr_strategy;

typedef struct akti_sbr_settings {
    akti_sbr_strategy strategy;
    char role[AKT_CLUSTER_ROLE_LEN]; /* "": every member counts */
    uint32_t quorum_size; /* static-quorum */
    bool down_if_alone; /* keep-oldest */
    int64_t stable_after_ns;
    int64_t down_all_when_unstable_ns; /* 0: off */
    int64_t lease_delay_minority_ns; /* lease-majority */
} akti_sbr_settings;

typedef enum akti_sbr_decision {
    AKTI_SBR_NONE = 0, /* nothing unreachable: nothing to decide */
    AKTI_SBR_DOWN_UNREACHABLE,
    AKTI_SBR_DOWN_REACHABLE, /* our own side, self included */
    AKTI_SBR_DOWN_ALL,
    AKTI_SBR_ACQUIRE_LEASE, /* lease-majority: try the lease, then
                               akti_sbr_lease_outcome */
} akti_sbr_decision;

typedef struct akti_sbr_result {
    akti_sbr_decision decision; /* of the strategy, on the members that
                                   are not indirectly connected */
    uint32_t nindirect; /* indirectly connected members downed too */
    int64_t lease_delay_ns; /* ACQUIRE_LEASE: wait this long first */
    uint64_t *down; /* the members to mark Down (malloc'd) */
    uint32_t ndown;
} akti_sbr_result;

/* Akka's defaults: keep-majority, stable-after 20 s, down-all-when-unstable
 * max(4 s, 3/4 stable-after), down-if-alone on, lease delay 2 s */
AKTI_INTERNAL void akti_sbr_settings_default(akti_sbr_settings *s);
/* akti_sbr_unstable_default -- max(4 s, 3/4 of stable_after) */
AKTI_INTERNAL int64_t akti_sbr_unstable_default(int64_t stable_after_ns);

AKTI_INTERNAL void akti_sbr_result_fini(akti_sbr_result *r);

/* akti_sbr_decide -- the strategy's decision as self sees g (out is
 * overwritten; free it with akti_sbr_result_fini). For lease-majority the
 * decision is ACQUIRE_LEASE and out->down is empty. AKT_ENOMEM. */
AKTI_INTERNAL akt_err akti_sbr_decide(const akti_sbr_settings *s,
    const akti_cl_gossip *g, uint64_t self, akti_sbr_result *out);

/* akti_sbr_lease_outcome -- lease-majority after trying the lease: the
 * holder downs the unreachable side, the others their own. */
AKTI_INTERNAL akt_err akti_sbr_lease_outcome(const akti_sbr_settings *s,
    const akti_cl_gossip *g, uint64_t self, bool acquired,
    akti_sbr_result *out);

/* The tracker: the time rules around decide (one per node). */
typedef struct akti_sbr_tracker {
    uint64_t signature; /* members, statuses and unreachable set */
    int64_t stable_since; /* last change */
    int64_t first_change; /* first change while something is
                             unreachable; 0: none */
    bool was_leader;
    uint64_t decisions; /* decisions taken (for stats and tests) */
} akti_sbr_tracker;

AKTI_INTERNAL void akti_sbr_tracker_init(akti_sbr_tracker *t);

/* akti_sbr_tick -- the resolver's periodic check at now: when self is the
 * leader, something is unreachable, and nothing changed for stable-after,
 * the strategy's decision (or DOWN_ALL when unstable for too long) is
 * written to out; otherwise out->decision is NONE. The caller marks
 * out->down Down (or, for ACQUIRE_LEASE, tries the lease after
 * out->lease_delay_ns and calls akti_sbr_lease_outcome). */
AKTI_INTERNAL akt_err akti_sbr_tick(akti_sbr_tracker *t,
    const akti_sbr_settings *s, const akti_cl_gossip *g, uint64_t self,
    int64_t now_ns, akti_sbr_result *out);

AKTI_INTERNAL const char *akti_sbr_strategy_name(akti_sbr_strategy s);
AKTI_INTERNAL const char *akti_sbr_decision_name(akti_sbr_decision d);

#endif /* AKT_CLUSTER_SBR_H */
