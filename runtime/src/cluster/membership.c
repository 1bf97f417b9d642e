/*
 * membership.c -- one node's view of a gossip state: convergence, the
 * leader, the leader's actions, gossip targets, the heartbeat ring, and the
 * events between two states. Pure functions (membership.h); the rules are
 * Akka's (MembershipState.scala, ClusterDaemon.scala), with the documented
 * gossip-target bias instead of the one Akka's code runs.
 */
#include "cluster/membership.h"

#include <stdlib.h>
#include <string.h>

static bool
convergence_status(akt_member_status s)
{
    return s == AKT_MEMBER_UP || s == AKT_MEMBER_LEAVING;
}

bool
akti_cl_convergence(const akti_cl_gossip *g, uint64_t self)
{
    /* while no member is Up yet (the first members), Joining and WeaklyUp
     * ones must have seen the state too */
    bool first = true;
    for (uint32_t i = 0; i < g->nm; i++) {
        if (convergence_status(g->m[i].status)) {
            first = false;
            break;
        }
    }
    for (uint32_t i = 0; i < g->nm; i++) {
        const akti_cl_member *m = &g->m[i];
        bool must_see = convergence_status(m->status)
            || (first
                && (m->status == AKT_MEMBER_JOINING
                    || m->status == AKT_MEMBER_WEAKLY_UP));
        if (must_see && !akti_cl_gossip_seen_by(g, m->address.uid)) {
            return false;
        }
        if (m->address.uid != self && m->status != AKT_MEMBER_DOWN
            && m->status != AKT_MEMBER_EXITING
            && akti_cl_reach_status(g, m->address.uid, true)
                != AKTI_CL_REACHABLE) {
            return false;
        }
    }
    return true;
}

static bool
leader_status(akt_member_status s)
{
    return s == AKT_MEMBER_UP || s == AKT_MEMBER_LEAVING;
}

/* Akka's leaderStatusOrdering rank: lower is preferred */
static int
leader_rank(akt_member_status s)
{
    switch (s) {
    case AKT_MEMBER_DOWN:
        return 4;
    case AKT_MEMBER_EXITING:
        return 3;
    case AKT_MEMBER_JOINING:
        return 2;
    case AKT_MEMBER_WEAKLY_UP:
        return 1;
    default:
        return 0;
    }
}

const akti_cl_member *
akti_cl_leader(const akti_cl_gossip *g, uint64_t self, const char *role)
{
    const akti_cl_member *best = NULL;
    for (uint32_t i = 0; i < g->nm; i++) {
        const akti_cl_member *m = &g->m[i];
        if (m->status == AKT_MEMBER_DOWN || !akti_cl_member_has_role(m, role)) {
            continue;
        }
        /* reachability as convergence sees it: what Down members
         * observed does not count (Akka counts it here but not there, so
         * a node could see itself leader with convergence while the true
         * leader, unreachable only to a Down observer, acts too) */
        if (m->address.uid != self
            && akti_cl_reach_status(g, m->address.uid, true)
                != AKTI_CL_REACHABLE) {
            continue;
        }
        if (leader_status(m->status)) {
            return m; /* the first in address order */
        }
        if (best == NULL
            || leader_rank(m->status) < leader_rank(best->status)) {
            best = m;
        }
    }
    return best;
}

const akti_cl_member *
akti_cl_oldest(const akti_cl_gossip *g, const char *role)
{
    const akti_cl_member *best = NULL;
    for (uint32_t i = 0; i < g->nm; i++) {
        const akti_cl_member *m = &g->m[i];
        if (!leader_status(m->status) || !akti_cl_member_has_role(m, role)) {
            continue;
        }
        if (best == NULL || akti_cl_age_cmp(m, best) < 0) {
            best = m;
        }
    }
    return best;
}

static uint32_t
count_joined(const akti_cl_gossip *g)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->nm; i++) {
        akt_member_status s = g->m[i].status;
        n += s == AKT_MEMBER_JOINING || s == AKT_MEMBER_WEAKLY_UP
            || s == AKT_MEMBER_UP;
    }
    return n;
}

static bool
confirmed_exit(const uint64_t *confirmed, uint32_t n, uint64_t uid)
{
    for (uint32_t i = 0; i < n; i++) {
        if (confirmed[i] == uid) {
            return true;
        }
    }
    return false;
}

akt_err
akti_cl_leader_actions(akti_cl_gossip *g, uint64_t self, uint32_t min_members,
    int64_t now_ms, const uint64_t *confirmed, uint32_t nconfirmed,
    bool *changed)
{
    *changed = false;
    bool enough = count_joined(g) >= (min_members ? min_members : 1);
    /* the youngest Up number so far */
    int32_t up = 0;
    for (uint32_t i = 0; i < g->nm; i++) {
        if (g->m[i].up_number != INT32_MAX && g->m[i].up_number > up) {
            up = g->m[i].up_number;
        }
    }
    /* removals first (they may not be collected while iterating) */
    uint64_t *gone = NULL;
    uint32_t ngone = 0;
    for (uint32_t i = 0; i < g->nm; i++) {
        const akti_cl_member *m = &g->m[i];
        bool rm = m->status == AKT_MEMBER_DOWN
            || (m->status == AKT_MEMBER_EXITING
                && (akti_cl_gossip_seen_by(g, m->address.uid)
                    || confirmed_exit(confirmed, nconfirmed, m->address.uid)
                    || akti_cl_reach_status(g, m->address.uid, false)
                        != AKTI_CL_REACHABLE));
        if (!rm || m->address.uid == self) {
            continue;
        }
        if (gone == NULL) {
            gone = malloc(sizeof(*gone) * g->nm);
            if (gone == NULL) {
                return AKT_ENOMEM;
            }
        }
        gone[ngone++] = m->address.uid;
    }
    for (uint32_t i = 0; i < g->nm; i++) {
        akti_cl_member *m = &g->m[i];
        if ((m->status == AKT_MEMBER_JOINING
                || m->status == AKT_MEMBER_WEAKLY_UP)
            && enough) {
            if (up < INT32_MAX - 1) {
                up++;
            }
            m->status = AKT_MEMBER_UP;
            m->up_number = up;
            *changed = true;
        } else if (m->status == AKT_MEMBER_LEAVING) {
            m->status = AKT_MEMBER_EXITING;
            *changed = true;
        }
    }
    akt_err rc = AKT_OK;
    for (uint32_t i = 0; i < ngone && rc == AKT_OK; i++) {
        rc = akti_cl_gossip_remove(g, gone[i], now_ms);
        *changed = true;
    }
    free(gone);
    return rc;
}

akt_err
akti_cl_weakly_up(
    akti_cl_gossip *g, uint64_t self, uint32_t min_members, bool *changed)
{
    (void)self;
    *changed = false;
    if (count_joined(g) < (min_members ? min_members : 1)) {
        return AKT_OK;
    }
    for (uint32_t i = 0; i < g->nm; i++) {
        akti_cl_member *m = &g->m[i];
        if (m->status == AKT_MEMBER_JOINING
            && akti_cl_reach_status(g, m->address.uid, true)
                == AKTI_CL_REACHABLE) {
            m->status = AKT_MEMBER_WEAKLY_UP;
            *changed = true;
        }
    }
    return AKT_OK;
}

bool
akti_cl_speedup(const akti_cl_gossip *g)
{
    if (g->nseen * 2 < g->nm) {
        return true;
    }
    for (uint32_t i = 0; i < g->nm; i++) {
        akt_member_status s = g->m[i].status;
        if (s == AKT_MEMBER_DOWN || s == AKT_MEMBER_LEAVING
            || s == AKT_MEMBER_EXITING) {
            return true;
        }
    }
    return false;
}

double
akti_cl_diff_view_probability(uint32_t nmembers, double prob)
{
    const uint32_t lo = 400, hi = 1200;
    if (nmembers <= lo) {
        return prob;
    }
    double min = prob / 10.0;
    if (nmembers >= hi) {
        return min;
    }
    double f = (double)(nmembers - lo) / (double)(hi - lo);
    return prob - f * (prob - min);
}

static bool
valid_target(const akti_cl_gossip *g, const akti_cl_member *m, uint64_t self)
{
    return m->address.uid != self
        && akti_cl_reach_status_by(g, self, m->address.uid)
        == AKTI_CL_REACHABLE;
}

bool
akti_cl_gossip_target(const akti_cl_gossip *g, uint64_t self, double prob,
    uint64_t r1, uint64_t r2, uint64_t *out)
{
    uint32_t nvalid = 0, nunseen = 0;
    for (uint32_t i = 0; i < g->nm; i++) {
        if (valid_target(g, &g->m[i], self)) {
            nvalid++;
            nunseen += !akti_cl_gossip_seen_by(g, g->m[i].address.uid);
        }
    }
    if (nvalid == 0) {
        return false;
    }
    /* r1 / 2^64 < prob, without floating-point rounding at prob = 1 */
    bool prefer_unseen = nunseen > 0
        && (prob >= 1.0 || (double)(r1 >> 11) < prob * (double)(1ull << 53));
    uint32_t n = prefer_unseen ? nunseen : nvalid;
    uint32_t pick = (uint32_t)(r2 % n);
    for (uint32_t i = 0; i < g->nm; i++) {
        const akti_cl_member *m = &g->m[i];
        if (!valid_target(g, m, self)
            || (prefer_unseen && akti_cl_gossip_seen_by(g, m->address.uid))) {
            continue;
        }
        if (pick-- == 0) {
            *out = m->address.uid;
            return true;
        }
    }
    return false;
}

static uint64_t
ring_hash(uint64_t x)
{
    /* splitmix64's finalizer: uids close together spread over the ring */
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

typedef struct ring_ent {
    uint64_t h, uid;
} ring_ent;

static int
ring_qcmp(const void *a, const void *b)
{
    const ring_ent *x = a, *y = b;
    if (x->h != y->h) {
        return x->h < y->h ? -1 : 1;
    }
    return x->uid < y->uid ? -1 : x->uid > y->uid;
}

uint32_t
akti_cl_hb_receivers(const akti_cl_gossip *g, uint64_t self, uint32_t n,
    uint64_t *out, uint32_t cap)
{
    if (g->nm == 0 || cap == 0) {
        return 0;
    }
    ring_ent *ring = malloc(sizeof(*ring) * (g->nm + 1));
    if (ring == NULL) {
        return 0;
    }
    uint32_t nr = 0;
    bool self_in = false;
    for (uint32_t i = 0; i < g->nm; i++) {
        uint64_t u = g->m[i].address.uid;
        self_in |= u == self;
        ring[nr++] = (ring_ent) { ring_hash(u), u };
    }
    if (!self_in) {
        ring[nr++] = (ring_ent) { ring_hash(self), self };
    }
    qsort(ring, nr, sizeof(*ring), ring_qcmp);
    uint32_t at = 0;
    while (ring[at].uid != self) {
        at++;
    }
    uint32_t k = 0;
    bool all = n + 1 >= nr;
    uint32_t counted = 0;
    for (uint32_t step = 1; step < nr && k < cap; step++) {
        uint64_t u = ring[(at + step) % nr].uid;
        if (all) {
            out[k++] = u;
            continue;
        }
        if (counted >= n) {
            break;
        }
        bool unreachable
            = akti_cl_reach_status(g, u, false) != AKTI_CL_REACHABLE;
        if (unreachable && k >= n) {
            continue; /* enough picked: skip further unreachable ones */
        }
        out[k++] = u;
        if (!unreachable) {
            counted++;
        }
    }
    free(ring);
    return k;
}

/* --- events --------------------------------------------------------------- */

static akti_cl_event_kind
status_event(akt_member_status s)
{
    switch (s) {
    case AKT_MEMBER_JOINING:
        return AKTI_CL_EV_MEMBER_JOINED;
    case AKT_MEMBER_WEAKLY_UP:
        return AKTI_CL_EV_MEMBER_WEAKLY_UP;
    case AKT_MEMBER_UP:
        return AKTI_CL_EV_MEMBER_UP;
    case AKT_MEMBER_LEAVING:
        return AKTI_CL_EV_MEMBER_LEFT;
    case AKT_MEMBER_EXITING:
        return AKTI_CL_EV_MEMBER_EXITED;
    case AKT_MEMBER_DOWN:
        return AKTI_CL_EV_MEMBER_DOWNED;
    case AKT_MEMBER_REMOVED:
        break;
    }
    return AKTI_CL_EV_MEMBER_REMOVED;
}

void
akti_cl_diff(const akti_cl_gossip *old, const akti_cl_gossip *now,
    uint64_t self, akti_cl_emit_fn emit, void *arg)
{
    /* member events in address order: new or changed status, then removed
     * (in old, not in now) */
    for (uint32_t i = 0; i < now->nm; i++) {
        const akti_cl_member *m = &now->m[i];
        const akti_cl_member *o = akti_cl_gossip_member(old, m->address.uid);
        if (o == NULL || o->status != m->status) {
            emit(arg, status_event(m->status), m,
                o ? o->status : AKT_MEMBER_REMOVED);
        }
    }
    for (uint32_t i = 0; i < old->nm; i++) {
        const akti_cl_member *o = &old->m[i];
        if (akti_cl_gossip_member(now, o->address.uid) == NULL) {
            akti_cl_member gone = *o;
            gone.status = AKT_MEMBER_REMOVED;
            emit(arg, AKTI_CL_EV_MEMBER_REMOVED, &gone, o->status);
        }
    }
    /* reachability of the members still there */
    for (uint32_t i = 0; i < now->nm; i++) {
        const akti_cl_member *m = &now->m[i];
        if (m->address.uid == self) {
            continue;
        }
        bool was = akti_cl_gossip_member(old, m->address.uid) != NULL
            && akti_cl_reach_status(old, m->address.uid, false)
                != AKTI_CL_REACHABLE;
        bool is = akti_cl_reach_status(now, m->address.uid, false)
            != AKTI_CL_REACHABLE;
        if (is != was) {
            emit(arg, is ? AKTI_CL_EV_UNREACHABLE : AKTI_CL_EV_REACHABLE, m,
                m->status);
        }
    }
    const akti_cl_member *lo = akti_cl_leader(old, self, NULL);
    const akti_cl_member *ln = akti_cl_leader(now, self, NULL);
    uint64_t uo = lo ? lo->address.uid : 0, un = ln ? ln->address.uid : 0;
    if (uo != un) {
        emit(arg, AKTI_CL_EV_LEADER_CHANGED, ln, AKT_MEMBER_REMOVED);
    }
}
