/*
 * sbr_test.c -- the split-brain resolver's decisions (cluster/sbr.c) on
 * the classic scenarios, each decided from both sides of the partition
 * (each side sees the other unreachable and decides alone): at most one
 * side may survive, and a surviving side downs all of the other. Cases follow
 * Akka's SplitBrainResolverSpec and the table of
 * SplitBrainResolverIntegrationSpec; then the tracker's time rules
 * (stable-after, down-all-when-unstable, leader only).
 */
#include "cltest.h"
#include "cluster/sbr.h"

#define MS(x) ((int64_t)(x)*1000000LL)

typedef struct side {
    akti_cl_gossip g;
    uint64_t self;
} side;

/* members 1..n (uid i, host 10.0.0.i, up number order[i] or i), all Up */
static void
cluster(akti_cl_gossip *g, int n)
{
    akti_cl_gossip_init(g);
    for (int i = 1; i <= n; i++) {
        cl_add(g, i, (uint64_t)i, AKT_MEMBER_UP, i);
    }
}

/* self's view of a partition: self marks every member outside `mine`
 * unreachable (its own row) */
static void
view_from(akti_cl_gossip *g, uint64_t self, const int *mine, int nmine)
{
    for (uint32_t i = 0; i < g->nm; i++) {
        uint64_t u = g->m[i].address.uid;
        bool here = false;
        for (int k = 0; k < nmine; k++) {
            here |= (uint64_t)mine[k] == u;
        }
        if (!here) {
            ck_assert_int_eq(
                akti_cl_reach_set(g, self, u, AKTI_CL_UNREACHABLE), AKT_OK);
        }
    }
}

static bool
downs(const akti_sbr_result *r, uint64_t uid)
{
    for (uint32_t i = 0; i < r->ndown; i++) {
        if (r->down[i] == uid) {
            return true;
        }
    }
    return false;
}

/* decide from a member of side a and of side b (a[0], b[0]); each side
 * sees the other unreachable. Asserts the safety property: at most one
 * side keeps members alive, and a surviving side downs all of the other.
 * Returns the union of what both decisions down, as a bit mask. */
static unsigned
both_sides(const akti_sbr_settings *s, const akti_cl_gossip *base, const int *a,
    int na, const int *b, int nb, akti_sbr_decision *da, akti_sbr_decision *db)
{
    akti_cl_gossip ga, gb;
    akti_cl_gossip_init(&ga);
    akti_cl_gossip_init(&gb);
    ck_assert_int_eq(akti_cl_gossip_copy(&ga, base), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_copy(&gb, base), AKT_OK);
    view_from(&ga, (uint64_t)a[0], a, na);
    view_from(&gb, (uint64_t)b[0], b, nb);
    akti_sbr_result ra, rb;
    ck_assert_int_eq(akti_sbr_decide(s, &ga, (uint64_t)a[0], &ra), AKT_OK);
    ck_assert_int_eq(akti_sbr_decide(s, &gb, (uint64_t)b[0], &rb), AKT_OK);
    unsigned ma = 0, mb = 0, sa = 0, sb = 0;
    for (uint32_t i = 0; i < ra.ndown; i++) {
        ma |= 1u << ra.down[i];
    }
    for (uint32_t i = 0; i < rb.ndown; i++) {
        mb |= 1u << rb.down[i];
    }
    for (int i = 0; i < na; i++) {
        sa |= 1u << a[i];
    }
    for (int i = 0; i < nb; i++) {
        sb |= 1u << b[i];
    }
    unsigned alive_a = sa & ~ma, alive_b = sb & ~mb;
    ck_assert_msg(alive_a == 0 || alive_b == 0, "both sides survive: %x and %x",
        alive_a, alive_b);
    if (alive_a) {
        ck_assert_uint_eq(ma & sb, sb);
    }
    if (alive_b) {
        ck_assert_uint_eq(mb & sa, sa);
    }
    *da = ra.decision;
    *db = rb.decision;
    akti_sbr_result_fini(&ra);
    akti_sbr_result_fini(&rb);
    akti_cl_gossip_fini(&ga);
    akti_cl_gossip_fini(&gb);
    return ma | mb;
}

#define BIT(i) (1u << (i))

/* Proves: keep-majority, 5 members split 3|2: the 3 down the 2, the 2
 * down themselves; 4|5 of 9: the 5 survive; a 2|2 tie keeps the side
 * with the lowest address. */
START_TEST(keep_majority_keeps_the_bigger_side_and_breaks_ties_by_address)
{
    akti_sbr_settings s;
    akti_sbr_settings_default(&s);
    akti_cl_gossip g;
    akti_sbr_decision da, db;
    cluster(&g, 5);
    int a[] = { 1, 2, 3 }, b[] = { 4, 5 };
    ck_assert_uint_eq(
        both_sides(&s, &g, a, 3, b, 2, &da, &db), BIT(4) | BIT(5));
    ck_assert_int_eq(da, AKTI_SBR_DOWN_UNREACHABLE);
    ck_assert_int_eq(db, AKTI_SBR_DOWN_REACHABLE);
    akti_cl_gossip_fini(&g);
    cluster(&g, 9);
    int c[] = { 1, 2, 3, 4 }, d[] = { 5, 6, 7, 8, 9 };
    ck_assert_uint_eq(both_sides(&s, &g, c, 4, d, 5, &da, &db),
        BIT(1) | BIT(2) | BIT(3) | BIT(4));
    akti_cl_gossip_fini(&g);
    cluster(&g, 4);
    int e[] = { 3, 4 }, f[] = { 2, 1 };
    ck_assert_uint_eq(
        both_sides(&s, &g, e, 2, f, 2, &da, &db), BIT(3) | BIT(4));
    ck_assert_int_eq(da, AKTI_SBR_DOWN_REACHABLE);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: keep-majority's edge case: joiners on the other side could be Up
 * there and make it the majority, so a 3|2 with two joiners over there
 * downs everyone on both sides; Joining members on our side are not
 * counted but are downed with their side; a role limits the counting. */
START_TEST(keep_majority_edge_cases_down_all_when_joiners_could_flip_it)
{
    akti_sbr_settings s;
    akti_sbr_settings_default(&s);
    akti_cl_gossip g;
    akti_sbr_decision da, db;
    cluster(&g, 5);
    cl_add(&g, 6, 6, AKT_MEMBER_JOINING, INT32_MAX);
    cl_add(&g, 7, 7, AKT_MEMBER_JOINING, INT32_MAX);
    int a[] = { 1, 2, 3 }, b[] = { 4, 5, 6, 7 };
    ck_assert_uint_eq(both_sides(&s, &g, a, 3, b, 4, &da, &db), 0xfeu);
    ck_assert_int_eq(da, AKTI_SBR_DOWN_ALL);
    ck_assert_int_eq(db, AKTI_SBR_DOWN_REACHABLE);
    /* a joiner on the majority side: not counted, survives with it */
    int c[] = { 1, 2, 3, 6 }, d[] = { 4, 5 };
    akti_cl_gossip_fini(&g);
    cluster(&g, 5);
    cl_add(&g, 6, 6, AKT_MEMBER_JOINING, INT32_MAX);
    ck_assert_uint_eq(
        both_sides(&s, &g, c, 4, d, 2, &da, &db), BIT(4) | BIT(5));
    /* roles: only "backend" members count; 1 backend here, 2 there */
    akti_cl_gossip_fini(&g);
    akti_cl_gossip_init(&g);
    const char *be[] = { "backend" };
    for (int i = 1; i <= 5; i++) {
        akti_cl_member m;
        char host[32];
        snprintf(host, sizeof host, "10.0.0.%d", i);
        ck_assert_int_eq(akti_cl_member_init(&m, "sys", host, 2552, (uint64_t)i,
                             be, i >= 3 ? 1 : 0, NULL),
            AKT_OK);
        m.status = AKT_MEMBER_UP;
        m.up_number = i;
        ck_assert_int_eq(akti_cl_gossip_add(&g, &m), AKT_OK);
    }
    strcpy(s.role, "backend");
    int e[] = { 1, 2, 3 }, f[] = { 4, 5 };
    ck_assert_uint_eq(
        both_sides(&s, &g, e, 3, f, 2, &da, &db), BIT(1) | BIT(2) | BIT(3));
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: static-quorum: with quorum 3 of 5, the side with 3 survives and
 * a side of 2 downs itself; with 6 members (more than 2*3-1) both sides
 * down all ("too many members"). Integration-table cases: quorum 5 of 9,
 * 5|4 keeps the 5; 4|4 (one member already gone) downs both. */
START_TEST(static_quorum_keeps_a_quorum_and_downs_all_when_too_many)
{
    akti_sbr_settings s;
    akti_sbr_settings_default(&s);
    s.strategy = AKTI_SBR_STRAT_STATIC_QUORUM;
    s.quorum_size = 3;
    akti_cl_gossip g;
    akti_sbr_decision da, db;
    cluster(&g, 5);
    int a[] = { 4, 5, 1 }, b[] = { 2, 3 };
    ck_assert_uint_eq(
        both_sides(&s, &g, a, 3, b, 2, &da, &db), BIT(2) | BIT(3));
    akti_cl_gossip_fini(&g);
    cluster(&g, 6);
    int c[] = { 1, 2, 3 }, d[] = { 4, 5, 6 };
    ck_assert_uint_eq(both_sides(&s, &g, c, 3, d, 3, &da, &db), 0x7eu);
    ck_assert_int_eq(da, AKTI_SBR_DOWN_ALL);
    akti_cl_gossip_fini(&g);
    s.quorum_size = 5;
    cluster(&g, 9);
    int e[] = { 1, 2, 3, 4, 5 }, f[] = { 6, 7, 8, 9 };
    ck_assert_uint_eq(both_sides(&s, &g, e, 5, f, 4, &da, &db),
        BIT(6) | BIT(7) | BIT(8) | BIT(9));
    ck_assert_int_eq(akti_cl_gossip_remove(&g, 9, 0), AKT_OK);
    int h[] = { 5, 6, 7, 8 };
    ck_assert_uint_eq(both_sides(&s, &g, e, 4, h, 4, &da, &db), 0x1feu);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: keep-oldest: the side with the oldest survives (3|3, 2|3);
 * down-if-alone: an oldest alone on its side downs itself and the rest
 * survive (1|2); without down-if-alone it stays and the 2 go; an oldest
 * that is Leaving on our side, with the next oldest over there, makes our
 * side down itself rather than risk two survivors. */
START_TEST(keep_oldest_keeps_the_oldest_unless_it_is_alone)
{
    akti_sbr_settings s;
    akti_sbr_settings_default(&s);
    s.strategy = AKTI_SBR_STRAT_KEEP_OLDEST;
    akti_cl_gossip g;
    akti_sbr_decision da, db;
    cluster(&g, 6);
    int a[] = { 4, 5, 1 }, b[] = { 2, 3, 6 };
    ck_assert_uint_eq(
        both_sides(&s, &g, a, 3, b, 3, &da, &db), BIT(2) | BIT(3) | BIT(6));
    akti_cl_gossip_fini(&g);
    cluster(&g, 3);
    int c[] = { 1 }, d[] = { 2, 3 };
    ck_assert_uint_eq(both_sides(&s, &g, c, 1, d, 2, &da, &db), BIT(1));
    ck_assert_int_eq(da, AKTI_SBR_DOWN_REACHABLE);
    ck_assert_int_eq(db, AKTI_SBR_DOWN_UNREACHABLE);
    s.down_if_alone = false;
    ck_assert_uint_eq(
        both_sides(&s, &g, c, 1, d, 2, &da, &db), BIT(2) | BIT(3));
    s.down_if_alone = true;
    akti_cl_gossip_fini(&g);
    /* oldest 1 Leaving with 2 on our side; the next oldest (3) is over
     * there: ours downs itself */
    akti_cl_gossip_init(&g);
    cl_add(&g, 1, 1, AKT_MEMBER_LEAVING, 1);
    cl_add(&g, 2, 2, AKT_MEMBER_UP, 3);
    cl_add(&g, 3, 3, AKT_MEMBER_UP, 2);
    cl_add(&g, 4, 4, AKT_MEMBER_UP, 4);
    akti_cl_gossip_copy(&g, &g);
    akti_cl_gossip v;
    akti_cl_gossip_init(&v);
    ck_assert_int_eq(akti_cl_gossip_copy(&v, &g), AKT_OK);
    int e[] = { 1, 2 };
    view_from(&v, 1, e, 2);
    akti_sbr_result r;
    ck_assert_int_eq(akti_sbr_decide(&s, &v, 1, &r), AKT_OK);
    ck_assert_int_eq(r.decision, AKTI_SBR_DOWN_REACHABLE);
    ck_assert(downs(&r, 1) && downs(&r, 2) && !downs(&r, 3));
    akti_sbr_result_fini(&r);
    akti_cl_gossip_fini(&v);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: down-all downs every member that is not already Down or
 * Exiting, on both sides. */
START_TEST(down_all_downs_everyone)
{
    akti_sbr_settings s;
    akti_sbr_settings_default(&s);
    s.strategy = AKTI_SBR_STRAT_DOWN_ALL;
    akti_cl_gossip g;
    akti_sbr_decision da, db;
    cluster(&g, 3);
    int a[] = { 1 }, b[] = { 2, 3 };
    ck_assert_uint_eq(
        both_sides(&s, &g, a, 1, b, 2, &da, &db), BIT(1) | BIT(2) | BIT(3));
    ck_assert_int_eq(da, AKTI_SBR_DOWN_ALL);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: lease-majority: both sides try the lease, the minority after
 * acquire-lease-delay-for-minority; the holder downs the other side, the
 * loser its own, so with one lease exactly one side survives. */
START_TEST(lease_majority_lets_the_lease_holder_survive)
{
    akti_sbr_settings s;
    akti_sbr_settings_default(&s);
    s.strategy = AKTI_SBR_STRAT_LEASE_MAJORITY;
    akti_cl_gossip g, ga, gb;
    cluster(&g, 5);
    akti_cl_gossip_init(&ga);
    akti_cl_gossip_init(&gb);
    ck_assert_int_eq(akti_cl_gossip_copy(&ga, &g), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_copy(&gb, &g), AKT_OK);
    int a[] = { 1, 2, 3 }, b[] = { 4, 5 };
    view_from(&ga, 1, a, 3);
    view_from(&gb, 4, b, 2);
    akti_sbr_result ra, rb;
    ck_assert_int_eq(akti_sbr_decide(&s, &ga, 1, &ra), AKT_OK);
    ck_assert_int_eq(akti_sbr_decide(&s, &gb, 4, &rb), AKT_OK);
    ck_assert_int_eq(ra.decision, AKTI_SBR_ACQUIRE_LEASE);
    ck_assert_int_eq(ra.lease_delay_ns, 0);
    ck_assert_int_eq(rb.lease_delay_ns, MS(2000));
    ck_assert_uint_eq(ra.ndown, 0);
    akti_sbr_result_fini(&ra);
    akti_sbr_result_fini(&rb);
    /* the majority got it */
    ck_assert_int_eq(akti_sbr_lease_outcome(&s, &ga, 1, true, &ra), AKT_OK);
    ck_assert_int_eq(akti_sbr_lease_outcome(&s, &gb, 4, false, &rb), AKT_OK);
    ck_assert(downs(&ra, 4) && downs(&ra, 5) && !downs(&ra, 1));
    ck_assert(downs(&rb, 4) && downs(&rb, 5) && !downs(&rb, 1));
    ck_assert_uint_eq(ra.ndown, 2);
    ck_assert_uint_eq(rb.ndown, 2);
    akti_sbr_result_fini(&ra);
    akti_sbr_result_fini(&rb);
    akti_cl_gossip_fini(&ga);
    akti_cl_gossip_fini(&gb);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: indirectly connected members are downed first: a one-way link
 * failure between 1 and 3 (each observes the other) downs 1 and 3 and
 * keeps the rest; a member unreachable from one observer but in the seen
 * set is indirectly connected too; nothing unreachable decides nothing;
 * unreachable members already Down or Exiting need no decision. */
START_TEST(indirectly_connected_members_are_downed_first)
{
    akti_sbr_settings s;
    akti_sbr_settings_default(&s);
    akti_cl_gossip g;
    cluster(&g, 5);
    akti_sbr_result r;
    ck_assert_int_eq(akti_sbr_decide(&s, &g, 2, &r), AKT_OK);
    ck_assert_int_eq(r.decision, AKTI_SBR_NONE);
    ck_assert_uint_eq(r.ndown, 0);
    akti_sbr_result_fini(&r);
    ck_assert_int_eq(akti_cl_reach_set(&g, 1, 3, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(akti_cl_reach_set(&g, 3, 1, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(akti_sbr_decide(&s, &g, 2, &r), AKT_OK);
    ck_assert_int_eq(r.decision, AKTI_SBR_NONE); /* nothing else */
    ck_assert_uint_eq(r.nindirect, 2);
    ck_assert_uint_eq(r.ndown, 2);
    ck_assert(downs(&r, 1) && downs(&r, 3));
    akti_sbr_result_fini(&r);
    /* plus a clean cut of 5 from {1..4}: 5 goes by the majority rule */
    ck_assert_int_eq(akti_cl_reach_set(&g, 2, 5, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(akti_sbr_decide(&s, &g, 2, &r), AKT_OK);
    ck_assert_int_eq(r.decision, AKTI_SBR_DOWN_UNREACHABLE);
    ck_assert_uint_eq(r.ndown, 3);
    ck_assert(downs(&r, 1) && downs(&r, 3) && downs(&r, 5));
    akti_sbr_result_fini(&r);
    akti_cl_gossip_fini(&g);
    /* unreachable yet in seen */
    cluster(&g, 5);
    ck_assert_int_eq(akti_cl_reach_set(&g, 4, 5, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_bump(&g, 4), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_see(&g, 5), AKT_OK);
    ck_assert_int_eq(akti_sbr_decide(&s, &g, 1, &r), AKT_OK);
    ck_assert(downs(&r, 4) && downs(&r, 5) && r.ndown == 2);
    akti_sbr_result_fini(&r);
    /* already Down: nothing to decide */
    akti_cl_gossip_fini(&g);
    cluster(&g, 5);
    ck_assert_int_eq(akti_cl_reach_set(&g, 1, 5, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(
        akti_cl_gossip_set_status(&g, 5, AKT_MEMBER_DOWN, 0), AKT_OK);
    ck_assert_int_eq(akti_sbr_decide(&s, &g, 1, &r), AKT_OK);
    ck_assert_int_eq(r.decision, AKTI_SBR_NONE);
    ck_assert_uint_eq(r.ndown, 0);
    akti_sbr_result_fini(&r);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: the tracker decides only on the leader, only after the view was
 * stable for stable-after (a new unreachable member restarts the wait),
 * and not at all when the unreachable member comes back first. */
START_TEST(decisions_wait_for_stable_after_on_the_leader)
{
    akti_sbr_settings s;
    akti_sbr_settings_default(&s);
    s.stable_after_ns = MS(3000);
    s.down_all_when_unstable_ns = 0;
    akti_cl_gossip g;
    cluster(&g, 5);
    akti_sbr_tracker lead, other;
    akti_sbr_tracker_init(&lead);
    akti_sbr_tracker_init(&other);
    akti_sbr_result r;
    int64_t t = MS(10000);
    ck_assert_int_eq(akti_cl_reach_set(&g, 1, 5, AKTI_CL_UNREACHABLE), AKT_OK);
    int64_t decided = 0;
    for (int i = 0; i < 40 && decided == 0; i++, t += MS(250)) {
        if (i == 4) { /* 1 s in: a second member goes */
            ck_assert_int_eq(
                akti_cl_reach_set(&g, 1, 4, AKTI_CL_UNREACHABLE), AKT_OK);
        }
        ck_assert_int_eq(akti_sbr_tick(&other, &s, &g, 2, t, &r), AKT_OK);
        ck_assert_int_eq(r.decision, AKTI_SBR_NONE); /* not the leader */
        akti_sbr_result_fini(&r);
        ck_assert_int_eq(akti_sbr_tick(&lead, &s, &g, 1, t, &r), AKT_OK);
        if (r.decision != AKTI_SBR_NONE) {
            decided = t;
            ck_assert_int_eq(r.decision, AKTI_SBR_DOWN_UNREACHABLE);
            ck_assert_uint_eq(r.ndown, 2);
        }
        akti_sbr_result_fini(&r);
    }
    /* the second change at 11 s: decided 3 s later */
    ck_assert_int_eq(decided, MS(14000));
    /* a member that comes back before stable-after: no decision */
    akti_cl_gossip_fini(&g);
    cluster(&g, 5);
    akti_sbr_tracker_init(&lead);
    t = MS(10000);
    for (int i = 0; i < 40; i++, t += MS(250)) {
        if (i == 0) {
            akti_cl_reach_set(&g, 1, 5, AKTI_CL_UNREACHABLE);
        }
        if (i == 8) {
            akti_cl_reach_set(&g, 1, 5, AKTI_CL_REACHABLE);
        }
        ck_assert_int_eq(akti_sbr_tick(&lead, &s, &g, 1, t, &r), AKT_OK);
        ck_assert_int_eq(r.decision, AKTI_SBR_NONE);
        akti_sbr_result_fini(&r);
    }
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: down-all-when-unstable: reachability that keeps changing (a
 * link flapping every 2 s, never stable for 3 s, while a member stays
 * unreachable) downs everyone once stable-after + 4 s have passed since
 * the first change -- and flapping that fully heals in between never
 * decides anything. */
START_TEST(unstable_reachability_downs_all)
{
    akti_sbr_settings s;
    akti_sbr_settings_default(&s);
    s.stable_after_ns = MS(3000);
    s.down_all_when_unstable_ns = akti_sbr_unstable_default(s.stable_after_ns);
    ck_assert_int_eq(s.down_all_when_unstable_ns, MS(4000));
    akti_cl_gossip g;
    cluster(&g, 5);
    akti_sbr_tracker t;
    akti_sbr_tracker_init(&t);
    akti_sbr_result r;
    int64_t start = MS(10000), now = start, decided = 0;
    ck_assert_int_eq(akti_cl_reach_set(&g, 1, 5, AKTI_CL_UNREACHABLE), AKT_OK);
    for (int i = 0; decided == 0 && i < 100; i++, now += MS(250)) {
        if (i % 8 == 4) { /* every 2 s the 2-3 link flips */
            uint32_t st = akti_cl_reach_status_by(&g, 2, 3);
            akti_cl_reach_set(&g, 2, 3,
                st == AKTI_CL_REACHABLE ? AKTI_CL_UNREACHABLE
                                        : AKTI_CL_REACHABLE);
        }
        ck_assert_int_eq(akti_sbr_tick(&t, &s, &g, 1, now, &r), AKT_OK);
        if (r.decision != AKTI_SBR_NONE) {
            decided = now;
            ck_assert_int_eq(r.decision, AKTI_SBR_DOWN_ALL);
            ck_assert_uint_eq(r.ndown, 5);
        }
        akti_sbr_result_fini(&r);
    }
    ck_assert_int_gt(decided - start, MS(7000));
    ck_assert_int_le(decided - start, MS(7250));
    /* healing fully between the cuts (3 s cut, 2 s heal) resets it */
    akti_cl_gossip_fini(&g);
    cluster(&g, 5);
    akti_sbr_tracker_init(&t);
    s.stable_after_ns = MS(4000);
    for (int i = 0; i < 200; i++, now += MS(250)) {
        int phase = i % 20;
        if (phase == 0) {
            akti_cl_reach_set(&g, 1, 5, AKTI_CL_UNREACHABLE);
        }
        if (phase == 12) {
            akti_cl_reach_set(&g, 1, 5, AKTI_CL_REACHABLE);
        }
        ck_assert_int_eq(akti_sbr_tick(&t, &s, &g, 1, now, &r), AKT_OK);
        ck_assert_int_eq(r.decision, AKTI_SBR_NONE);
        akti_sbr_result_fini(&r);
    }
    akti_cl_gossip_fini(&g);
}
END_TEST

static Suite *
sbr_suite(void)
{
    Suite *s = suite_create("cluster_sbr");
    TCase *tc = tcase_create("sbr");
    tcase_add_test(
        tc, keep_majority_keeps_the_bigger_side_and_breaks_ties_by_address);
    tcase_add_test(
        tc, keep_majority_edge_cases_down_all_when_joiners_could_flip_it);
    tcase_add_test(
        tc, static_quorum_keeps_a_quorum_and_downs_all_when_too_many);
    tcase_add_test(tc, keep_oldest_keeps_the_oldest_unless_it_is_alone);
    tcase_add_test(tc, down_all_downs_everyone);
    tcase_add_test(tc, lease_majority_lets_the_lease_holder_survive);
    tcase_add_test(tc, indirectly_connected_members_are_downed_first);
    tcase_add_test(tc, decisions_wait_for_stable_after_on_the_leader);
    tcase_add_test(tc, unstable_reachability_downs_all);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(sbr_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
