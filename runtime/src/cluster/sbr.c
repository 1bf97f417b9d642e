/*
 * sbr.c -- split-brain resolver decisions (sbr.h): the view of one side
 * (who is unreachable, who is indirectly connected), the five strategies
 * with Akka's edge cases, the members each decision downs, and the
 * stable-after / down-all-when-unstable tracker.
 */
#include "cluster/sbr.h"

#include <stdlib.h>
#include <string.h>

void
akti_sbr_settings_default(akti_sbr_settings *s)
{
    memset(s, 0, sizeof(*s));
    s->strategy = AKTI_SBR_STRAT_KEEP_MAJORITY;
    s->down_if_alone = true;
    s->stable_after_ns = 20000000000LL;
    s->down_all_when_unstable_ns
        = akti_sbr_unstable_default(s->stable_after_ns);
    s->lease_delay_minority_ns = 2000000000LL;
}

int64_t
akti_sbr_unstable_default(int64_t stable_after_ns)
{
    int64_t q = stable_after_ns / 4 * 3;
    return q > 4000000000LL ? q : 4000000000LL;
}

void
akti_sbr_result_fini(akti_sbr_result *r)
{
    free(r->down);
    memset(r, 0, sizeof(*r));
}

const char *
akti_sbr_strategy_name(akti_sbr_strategy s)
{
    switch (s) {
    case AKTI_SBR_STRAT_KEEP_MAJORITY:
        return "keep-majority";
    case AKTI_SBR_STRAT_STATIC_QUORUM:
        return "static-quorum";
    case AKTI_SBR_STRAT_KEEP_OLDEST:
        return "keep-oldest";
    case AKTI_SBR_STRAT_DOWN_ALL:
        return "down-all";
    case AKTI_SBR_STRAT_LEASE_MAJORITY:
        return "lease-majority";
    }
    return "?";
}

const char *
akti_sbr_decision_name(akti_sbr_decision d)
{
    switch (d) {
    case AKTI_SBR_NONE:
        return "none";
    case AKTI_SBR_DOWN_UNREACHABLE:
        return "down-unreachable";
    case AKTI_SBR_DOWN_REACHABLE:
        return "down-reachable";
    case AKTI_SBR_DOWN_ALL:
        return "down-all";
    case AKTI_SBR_ACQUIRE_LEASE:
        return "acquire-lease";
    }
    return "?";
}

/* --- one side's view ------------------------------------------------------ */

typedef struct view {
    const akti_cl_gossip *g;
    const akti_sbr_settings *s;
    uint64_t self;
    bool *unreach; /* per member index */
    bool *ic; /* indirectly connected, per member index */
    uint8_t *why; /* IC_CYCLE | IC_SEEN, per member index */
    uint32_t nunreach, nic;
} view;

static long
idx(const akti_cl_gossip *g, uint64_t uid)
{
    for (uint32_t i = 0; i < g->nm; i++) {
        if (g->m[i].address.uid == uid) {
            return (long)i;
        }
    }
    return -1;
}

/* a member that still counts: not Down, not Exiting */
static bool
live(const akti_cl_member *m)
{
    return m->status != AKT_MEMBER_DOWN && m->status != AKT_MEMBER_EXITING;
}

enum { IC_CYCLE = 1, IC_SEEN = 2 };

/* the unreachable records that count: by a live observer about a live
 * subject; with skip_ic, not one between two members that are indirectly
 * connected for the same reason (Akka's additional decision keeps the
 * records between an indirectly connected member and the others) */
static bool
counts(const view *v, const akti_cl_rrec *r, long *o, long *su, bool skip_ic)
{
    if (r->status == AKTI_CL_REACHABLE) {
        return false;
    }
    *o = idx(v->g, r->observer);
    *su = idx(v->g, r->subject);
    if (*o < 0 || *su < 0 || !live(&v->g->m[*o]) || !live(&v->g->m[*su])) {
        return false;
    }
    return !(skip_ic && (v->why[*o] & v->why[*su]) != 0);
}

static void
mark_unreachable(view *v, bool skip_ic)
{
    memset(v->unreach, 0, sizeof(bool) * v->g->nm);
    v->nunreach = 0;
    for (uint32_t i = 0; i < v->g->nrr; i++) {
        long o, su;
        if (counts(v, &v->g->rr[i], &o, &su, skip_ic) && !v->unreach[su]) {
            v->unreach[su] = true;
            v->nunreach++;
        }
    }
}

static void
mark_indirect(view *v)
{
    const akti_cl_gossip *g = v->g;
    bool *obs = calloc(g->nm ? g->nm : 1, sizeof(bool));
    memset(v->ic, 0, sizeof(bool) * g->nm);
    memset(v->why, 0, g->nm);
    v->nic = 0;
    if (obs == NULL) {
        return; /* treated as none: the plain decision still applies */
    }
    for (uint32_t i = 0; i < g->nrr; i++) {
        long o, su;
        if (counts(v, &g->rr[i], &o, &su, false)) {
            obs[o] = true;
        }
    }
    for (uint32_t i = 0; i < g->nrr; i++) {
        long o, su;
        if (!counts(v, &g->rr[i], &o, &su, false)) {
            continue;
        }
        /* a cycle: the subject observes others as unreachable too */
        if (obs[su]) {
            v->why[su] |= IC_CYCLE;
        }
        /* unreachable, yet it has seen the current state: it is connected
         * to someone, so observer and subject disagree about the links */
        if (akti_cl_gossip_seen_by(g, g->rr[i].subject)) {
            v->why[su] |= IC_SEEN;
            v->why[o] |= IC_SEEN;
        }
    }
    for (uint32_t i = 0; i < g->nm; i++) {
        v->ic[i] = v->why[i] != 0;
        v->nic += v->ic[i];
    }
    free(obs);
}

/* members that count for the strategy: of the role; Up and Leaving, plus
 * Joining/WeaklyUp when possibly_up, minus Leaving when excl_leaving */
static bool
counted(
    const view *v, const akti_cl_member *m, bool possibly_up, bool excl_leaving)
{
    if (!akti_cl_member_has_role(m, v->s->role) || !live(m)) {
        return false;
    }
    switch (m->status) {
    case AKT_MEMBER_UP:
        return true;
    case AKT_MEMBER_LEAVING:
        return !excl_leaving;
    case AKT_MEMBER_JOINING:
    case AKT_MEMBER_WEAKLY_UP:
        return possibly_up;
    default:
        return false;
    }
}

/* reachable / unreachable members that count, and the lowest address */
static void
tally(const view *v, bool up_here, bool up_there, bool excl_here,
    bool excl_there, uint32_t *here, uint32_t *there, long *lowest)
{
    *here = *there = 0;
    *lowest = -1;
    for (uint32_t i = 0; i < v->g->nm; i++) {
        const akti_cl_member *m = &v->g->m[i];
        bool u = v->unreach[i];
        if (u ? counted(v, m, up_there, excl_there)
              : counted(v, m, up_here, excl_here)) {
            if (u) {
                (*there)++;
            } else {
                (*here)++;
            }
        }
        /* the lowest address among the members that count without
         * joiners (and without leavers in the edge case); both sides
         * agree on it: the member order is shared */
        if (*lowest < 0 && counted(v, m, false, excl_here)) {
            *lowest = (long)i;
        }
    }
}

static akti_sbr_decision
majority(const view *v, uint32_t here, uint32_t there, long lowest)
{
    if (here == there) {
        return lowest >= 0 && v->unreach[lowest] ? AKTI_SBR_DOWN_REACHABLE
                                                 : AKTI_SBR_DOWN_UNREACHABLE;
    }
    return here > there ? AKTI_SBR_DOWN_UNREACHABLE : AKTI_SBR_DOWN_REACHABLE;
}

static akti_sbr_decision
keep_majority(const view *v)
{
    uint32_t here, there;
    long lowest;
    tally(v, false, false, false, false, &here, &there, &lowest);
    if (here + there == 0) {
        return AKTI_SBR_DOWN_ALL;
    }
    akti_sbr_decision d = majority(v, here, there, lowest);
    if (d != AKTI_SBR_DOWN_UNREACHABLE) {
        return d;
    }
    /* the edge case: joiners over there may be Up by now, our leavers may
     * be Exiting over there; count the least here and the most there */
    tally(v, false, true, true, false, &here, &there, &lowest);
    if (lowest < 0) {
        return AKTI_SBR_DOWN_ALL;
    }
    return majority(v, here, there, lowest) == AKTI_SBR_DOWN_UNREACHABLE
        ? AKTI_SBR_DOWN_UNREACHABLE
        : AKTI_SBR_DOWN_ALL;
}

static akti_sbr_decision
static_quorum(const view *v)
{
    uint32_t here, there, q = v->s->quorum_size ? v->s->quorum_size : 1;
    long lowest;
    tally(v, false, false, false, false, &here, &there, &lowest);
    if (here + there > 2 * q - 1) {
        return AKTI_SBR_DOWN_ALL; /* both sides could have a quorum */
    }
    if (here < q) {
        return AKTI_SBR_DOWN_REACHABLE;
    }
    /* joiners over there could give them a quorum too */
    uint32_t h2, t2;
    tally(v, false, true, false, false, &h2, &t2, &lowest);
    return t2 >= q ? AKTI_SBR_DOWN_ALL : AKTI_SBR_DOWN_UNREACHABLE;
}

static akti_sbr_decision
oldest_decision(const view *v, bool excl_leaving)
{
    long oldest = -1;
    uint32_t here = 0, there = 0;
    for (uint32_t i = 0; i < v->g->nm; i++) {
        const akti_cl_member *m = &v->g->m[i];
        if (!counted(v, m, false, excl_leaving)) {
            continue;
        }
        if (v->unreach[i]) {
            there++;
        } else {
            here++;
        }
        if (oldest < 0 || akti_cl_age_cmp(m, &v->g->m[oldest]) < 0) {
            oldest = (long)i;
        }
    }
    if (oldest < 0) {
        return AKTI_SBR_DOWN_ALL;
    }
    bool alone
        = here + there > 1 && (v->unreach[oldest] ? there == 1 : here == 1);
    if (!v->unreach[oldest]) {
        return v->s->down_if_alone && alone ? AKTI_SBR_DOWN_REACHABLE
                                            : AKTI_SBR_DOWN_UNREACHABLE;
    }
    return v->s->down_if_alone && alone ? AKTI_SBR_DOWN_UNREACHABLE
                                        : AKTI_SBR_DOWN_REACHABLE;
}

static akti_sbr_decision
keep_oldest(const view *v)
{
    akti_sbr_decision d = oldest_decision(v, false);
    if (d != AKTI_SBR_DOWN_UNREACHABLE) {
        return d;
    }
    /* the edge case: a Leaving oldest may be Exiting over there, where the
     * next oldest then decides; if that flips it, down our side */
    return oldest_decision(v, true) == AKTI_SBR_DOWN_UNREACHABLE
        ? AKTI_SBR_DOWN_UNREACHABLE
        : AKTI_SBR_DOWN_REACHABLE;
}

static bool
in_minority(const view *v)
{
    uint32_t here, there;
    long lowest;
    tally(v, false, false, false, false, &here, &there, &lowest);
    return majority(v, here, there, lowest) != AKTI_SBR_DOWN_UNREACHABLE;
}

/* the members decision d downs, plus the indirectly connected ones */
static akt_err
nodes_to_down(const view *v, akti_sbr_decision d, akti_sbr_result *out)
{
    const akti_cl_gossip *g = v->g;
    out->down = malloc(sizeof(*out->down) * (g->nm ? g->nm : 1));
    if (out->down == NULL) {
        return AKT_ENOMEM;
    }
    out->ndown = 0;
    for (uint32_t i = 0; i < g->nm; i++) {
        if (!live(&g->m[i])) {
            continue;
        }
        bool down = v->ic[i];
        switch (d) {
        case AKTI_SBR_DOWN_UNREACHABLE:
            down |= v->unreach[i];
            break;
        case AKTI_SBR_DOWN_REACHABLE:
            down |= !v->unreach[i];
            break;
        case AKTI_SBR_DOWN_ALL:
            down = true;
            break;
        default:
            break;
        }
        if (down) {
            out->down[out->ndown++] = g->m[i].address.uid;
        }
    }
    out->nindirect = v->nic;
    return AKT_OK;
}

static akt_err
view_init(
    view *v, const akti_sbr_settings *s, const akti_cl_gossip *g, uint64_t self)
{
    memset(v, 0, sizeof(*v));
    v->g = g;
    v->s = s;
    v->self = self;
    size_t n = g->nm ? g->nm : 1;
    v->unreach = calloc(n, sizeof(bool));
    v->ic = calloc(n, sizeof(bool));
    v->why = calloc(n, 1);
    if (v->unreach == NULL || v->ic == NULL || v->why == NULL) {
        free(v->unreach);
        free(v->ic);
        free(v->why);
        return AKT_ENOMEM;
    }
    mark_indirect(v);
    mark_unreachable(v, false);
    if (v->nic > 0) {
        /* the decision for the rest: without the observations between
         * the indirectly connected; members they still see unreachable
         * (or that see them so) count as usual */
        mark_unreachable(v, true);
    }
    return AKT_OK;
}

static void
view_fini(view *v)
{
    free(v->unreach);
    free(v->ic);
    free(v->why);
}

akt_err
akti_sbr_decide(const akti_sbr_settings *s, const akti_cl_gossip *g,
    uint64_t self, akti_sbr_result *out)
{
    memset(out, 0, sizeof(*out));
    view v;
    akt_err rc = view_init(&v, s, g, self);
    if (rc != AKT_OK) {
        return rc;
    }
    akti_sbr_decision d = AKTI_SBR_NONE;
    /* with indirectly connected members, the strategy decides on what is
     * left without the observations between them -- also when everything
     * left unreachable is indirectly connected (Akka skips the decision
     * then, and a lone node that sees the healthy majority as
     * "indirectly connected" through stale records keeps itself: found
     * by sim_test's random schedules) */
    if (v.nunreach > 0) {
        switch (s->strategy) {
        case AKTI_SBR_STRAT_KEEP_MAJORITY:
            d = keep_majority(&v);
            break;
        case AKTI_SBR_STRAT_STATIC_QUORUM:
            d = static_quorum(&v);
            break;
        case AKTI_SBR_STRAT_KEEP_OLDEST:
            d = keep_oldest(&v);
            break;
        case AKTI_SBR_STRAT_DOWN_ALL:
            d = AKTI_SBR_DOWN_ALL;
            break;
        case AKTI_SBR_STRAT_LEASE_MAJORITY:
            d = AKTI_SBR_ACQUIRE_LEASE;
            out->lease_delay_ns
                = in_minority(&v) ? s->lease_delay_minority_ns : 0;
            break;
        }
    }
    out->decision = d;
    if (d != AKTI_SBR_NONE || v.nic > 0) {
        /* ACQUIRE_LEASE downs nobody yet but the indirectly connected */
        rc = nodes_to_down(
            &v, d == AKTI_SBR_ACQUIRE_LEASE ? AKTI_SBR_NONE : d, out);
    }
    view_fini(&v);
    return rc;
}

akt_err
akti_sbr_lease_outcome(const akti_sbr_settings *s, const akti_cl_gossip *g,
    uint64_t self, bool acquired, akti_sbr_result *out)
{
    memset(out, 0, sizeof(*out));
    view v;
    akt_err rc = view_init(&v, s, g, self);
    if (rc != AKT_OK) {
        return rc;
    }
    out->decision
        = acquired ? AKTI_SBR_DOWN_UNREACHABLE : AKTI_SBR_DOWN_REACHABLE;
    rc = nodes_to_down(&v, out->decision, out);
    view_fini(&v);
    return rc;
}

/* --- the tracker ---------------------------------------------------------- */

void
akti_sbr_tracker_init(akti_sbr_tracker *t)
{
    memset(t, 0, sizeof(*t));
}

static uint64_t
mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

akt_err
akti_sbr_tick(akti_sbr_tracker *t, const akti_sbr_settings *s,
    const akti_cl_gossip *g, uint64_t self, int64_t now_ns,
    akti_sbr_result *out)
{
    memset(out, 0, sizeof(*out));
    view v;
    akt_err rc = view_init(&v, s, g, self);
    if (rc != AKT_OK) {
        return rc;
    }
    /* a change of members, statuses or reachability restarts the clock */
    uint64_t sig = 0x12345;
    for (uint32_t i = 0; i < g->nm; i++) {
        sig = mix(sig, g->m[i].address.uid);
        sig = mix(sig, (uint64_t)g->m[i].status);
        sig = mix(sig, (uint64_t)v.unreach[i] | (uint64_t)v.ic[i] << 1);
    }
    bool troubled = v.nunreach > 0 || v.nic > 0;
    if (sig != t->signature || t->stable_since == 0) {
        t->signature = sig;
        t->stable_since = now_ns;
        if (troubled && t->first_change == 0) {
            t->first_change = now_ns;
        }
    }
    if (!troubled) {
        t->first_change = 0; /* healed (or resolved): instability resets */
    }
    const akti_cl_member *leader = akti_cl_leader(g, self, NULL);
    bool is_leader = leader != NULL && leader->address.uid == self;
    if (is_leader && !t->was_leader) {
        t->stable_since = now_ns; /* a new leader waits a full period */
    }
    t->was_leader = is_leader;
    if (!is_leader || !troubled) {
        view_fini(&v);
        return AKT_OK;
    }
    if (now_ns - t->stable_since >= s->stable_after_ns) {
        view_fini(&v);
        rc = akti_sbr_decide(s, g, self, out);
        if (rc == AKT_OK && (out->decision != AKTI_SBR_NONE || out->ndown)) {
            t->decisions++;
            t->stable_since = now_ns;
        }
        return rc;
    }
    if (s->down_all_when_unstable_ns > 0 && t->first_change != 0
        && now_ns - t->first_change
            > s->stable_after_ns + s->down_all_when_unstable_ns) {
        out->decision = AKTI_SBR_DOWN_ALL;
        rc = nodes_to_down(&v, AKTI_SBR_DOWN_ALL, out);
        t->decisions++;
        t->stable_since = now_ns;
    }
    view_fini(&v);
    return rc;
}
