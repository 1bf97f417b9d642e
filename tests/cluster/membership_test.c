/*
 * membership_test.c -- the pure membership core (cluster/gossip.c,
 * cluster/membership.c) on hand-built states: the status table, vector
 * clocks, merge rules, reachability, convergence, the leader and its
 * actions, gossip targets, the heartbeat ring and the events between two
 * states. The cases follow Akka's GossipSpec, VectorClockSpec,
 * ReachabilitySpec, MembershipStateSpec and HeartbeatNodeRingSpec.
 */
#include "cltest.h"

#define J   AKT_MEMBER_JOINING
#define WU  AKT_MEMBER_WEAKLY_UP
#define UP  AKT_MEMBER_UP
#define LV  AKT_MEMBER_LEAVING
#define EX  AKT_MEMBER_EXITING
#define DN  AKT_MEMBER_DOWN
#define RM  AKT_MEMBER_REMOVED
#define NUP INT32_MAX

/* Proves: akt_cluster_member_has_role (the public form of the check the
 * singleton, the routers and pub/sub use) matches a listed role exactly,
 * and NULL or "" matches every member, with or without roles. */
START_TEST(a_member_has_its_roles_and_the_empty_role_matches_all)
{
    akt_cluster_member m = { .nroles = 2 };
    strcpy(m.roles[0], "backend");
    strcpy(m.roles[1], "dc-a");
    ck_assert(akt_cluster_member_has_role(&m, "backend"));
    ck_assert(akt_cluster_member_has_role(&m, "dc-a"));
    ck_assert(!akt_cluster_member_has_role(&m, "back"));
    ck_assert(!akt_cluster_member_has_role(&m, "frontend"));
    ck_assert(akt_cluster_member_has_role(&m, ""));
    ck_assert(akt_cluster_member_has_role(&m, NULL));
    akt_cluster_member none = { .nroles = 0 };
    ck_assert(!akt_cluster_member_has_role(&none, "backend"));
    ck_assert(akt_cluster_member_has_role(&none, ""));
}
END_TEST

/* Proves: the transition table is Akka's -- Removed is final, Down only
 * goes to Removed, nothing goes back to Joining or Up from further on. */
START_TEST(transitions_follow_akkas_table)
{
    ck_assert(akti_cl_transition_ok(J, UP));
    ck_assert(akti_cl_transition_ok(J, WU));
    ck_assert(akti_cl_transition_ok(WU, UP));
    ck_assert(akti_cl_transition_ok(UP, LV));
    ck_assert(akti_cl_transition_ok(LV, EX));
    ck_assert(akti_cl_transition_ok(EX, RM));
    ck_assert(akti_cl_transition_ok(UP, DN));
    ck_assert(akti_cl_transition_ok(DN, RM));
    ck_assert(!akti_cl_transition_ok(DN, UP));
    ck_assert(!akti_cl_transition_ok(UP, J));
    ck_assert(!akti_cl_transition_ok(UP, WU));
    ck_assert(!akti_cl_transition_ok(EX, LV));
    ck_assert(!akti_cl_transition_ok(DN, EX));
    for (int s = 0; s <= 6; s++) {
        ck_assert(!akti_cl_transition_ok(RM, (akt_member_status)s));
        ck_assert(
            !akti_cl_transition_ok((akt_member_status)s, (akt_member_status)s));
    }
    /* every allowed transition goes up in merge priority */
    for (int a = 0; a <= 6; a++) {
        for (int b = 0; b <= 6; b++) {
            if (akti_cl_transition_ok(a, b)) {
                ck_assert_int_gt(
                    akti_cl_status_priority(b), akti_cl_status_priority(a));
            }
        }
    }
    akti_cl_gossip g;
    akti_cl_gossip_init(&g);
    cl_add(&g, 1, 11, UP, 1);
    ck_assert_int_eq(akti_cl_gossip_set_status(&g, 11, J, 0), AKT_ESTATE);
    ck_assert_int_eq(akti_cl_gossip_set_status(&g, 11, DN, 0), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_set_status(&g, 11, UP, 0), AKT_ESTATE);
    ck_assert_int_eq(akti_cl_gossip_set_status(&g, 99, DN, 0), AKT_ENOENT);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: vector clocks order as VectorClockSpec says: equal clocks are
 * Same, a strictly bigger one is After, crossing ones are Concurrent, and
 * a missing entry counts as 0. */
START_TEST(vclock_compare_orders_same_before_after_concurrent)
{
    akti_cl_gossip a, b;
    akti_cl_gossip_init(&a);
    akti_cl_gossip_init(&b);
    cl_add(&a, 1, 1, UP, 1);
    cl_add(&a, 2, 2, UP, 2);
    ck_assert_int_eq(akti_cl_gossip_copy(&b, &a), AKT_OK);
    ck_assert_int_eq(akti_cl_vc_compare(&a, &b), AKTI_VC_SAME);
    ck_assert_int_eq(akti_cl_gossip_bump(&a, 1), AKT_OK);
    ck_assert_int_eq(akti_cl_vc_compare(&a, &b), AKTI_VC_AFTER);
    ck_assert_int_eq(akti_cl_vc_compare(&b, &a), AKTI_VC_BEFORE);
    ck_assert_int_eq(akti_cl_gossip_bump(&b, 2), AKT_OK);
    ck_assert_int_eq(akti_cl_vc_compare(&a, &b), AKTI_VC_CONCURRENT);
    akti_cl_gossip m;
    akti_cl_gossip_init(&m);
    ck_assert_int_eq(akti_cl_gossip_merge(&a, &b, &m), AKT_OK);
    ck_assert_int_eq(akti_cl_vc_compare(&m, &a), AKTI_VC_AFTER);
    ck_assert_int_eq(akti_cl_vc_compare(&m, &b), AKTI_VC_AFTER);
    ck_assert_uint_eq(m.nseen, 0); /* nobody has seen the merge yet */
    ck_assert_int_eq(akti_cl_gossip_bump(&b, 2), AKT_OK);
    ck_assert_int_eq(akti_cl_vc_compare(&m, &b), AKTI_VC_CONCURRENT);
    akti_cl_gossip_fini(&a);
    akti_cl_gossip_fini(&b);
    akti_cl_gossip_fini(&m);
}
END_TEST

/* Proves: a merge keeps, per uid, the member furthest along (Down beats
 * Up, Up beats Joining), and for one status the older up number; members
 * only one side knows are kept. */
START_TEST(merge_keeps_the_highest_status_and_the_older_up_number)
{
    akti_cl_gossip a, b, m;
    akti_cl_gossip_init(&a);
    akti_cl_gossip_init(&b);
    akti_cl_gossip_init(&m);
    cl_add(&a, 1, 1, UP, 1);
    cl_add(&a, 2, 2, J, NUP);
    cl_add(&a, 3, 3, UP, 5);
    cl_add(&b, 1, 1, DN, 1);
    cl_add(&b, 2, 2, UP, 2);
    cl_add(&b, 3, 3, UP, 3);
    cl_add(&b, 4, 4, J, NUP);
    ck_assert_int_eq(akti_cl_gossip_merge(&a, &b, &m), AKT_OK);
    cl_assert_valid(&m);
    ck_assert_uint_eq(m.nm, 4);
    ck_assert_int_eq(akti_cl_gossip_member(&m, 1)->status, DN);
    ck_assert_int_eq(akti_cl_gossip_member(&m, 2)->status, UP);
    ck_assert_int_eq(akti_cl_gossip_member(&m, 2)->up_number, 2);
    ck_assert_int_eq(akti_cl_gossip_member(&m, 3)->up_number, 3);
    ck_assert_int_eq(akti_cl_gossip_member(&m, 4)->status, J);
    akti_cl_gossip_fini(&a);
    akti_cl_gossip_fini(&b);
    akti_cl_gossip_fini(&m);
}
END_TEST

/* Proves: removal is a tombstone: the merge drops the removed member even
 * from a side that still has it Up, prunes its clock entry and its
 * reachability records, and the incarnation can never be added again. */
START_TEST(removal_is_a_tombstone_that_the_merge_spreads)
{
    akti_cl_gossip a, b, m;
    akti_cl_gossip_init(&a);
    akti_cl_gossip_init(&b);
    akti_cl_gossip_init(&m);
    cl_add(&a, 1, 1, UP, 1);
    cl_add(&a, 2, 2, UP, 2);
    cl_add(&a, 3, 3, UP, 3);
    ck_assert_int_eq(akti_cl_reach_set(&a, 1, 3, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_bump(&a, 3), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_copy(&b, &a), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_set_status(&a, 3, DN, 0), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_remove(&a, 3, 1000), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_bump(&a, 1), AKT_OK);
    cl_assert_valid(&a);
    ck_assert_uint_eq(a.nrr, 0); /* 1's row was only about 3 */
    ck_assert_int_eq(akti_cl_gossip_merge(&b, &a, &m), AKT_OK);
    cl_assert_valid(&m);
    ck_assert_ptr_null(akti_cl_gossip_member(&m, 3));
    ck_assert(akti_cl_gossip_tombstoned(&m, 3));
    for (uint32_t i = 0; i < m.nvc; i++) {
        ck_assert_uint_ne(m.vc[i].node, 3);
    }
    ck_assert_uint_eq(m.nrr, 0);
    akti_cl_member again = cl_member(3, 3, J, NUP);
    ck_assert_int_eq(akti_cl_gossip_add(&m, &again), AKT_ESTATE);
    /* a new incarnation at the same address is another member */
    akti_cl_member next = cl_member(3, 33, J, NUP);
    ck_assert_int_eq(akti_cl_gossip_add(&m, &next), AKT_OK);
    cl_assert_valid(&m);
    akti_cl_gossip_fini(&a);
    akti_cl_gossip_fini(&b);
    akti_cl_gossip_fini(&m);
}
END_TEST

/* Proves: reachability is a per-observer matrix: the aggregate is
 * Terminated over Unreachable over Reachable, one observer suffices for
 * unreachable and all must clear it, an all-reachable row is dropped with
 * its version kept, Terminated is final, and a merge takes each
 * observer's row from the side with the higher version. */
START_TEST(reachability_is_a_matrix_of_observer_rows)
{
    akti_cl_gossip a, b, m;
    akti_cl_gossip_init(&a);
    akti_cl_gossip_init(&b);
    akti_cl_gossip_init(&m);
    for (int i = 1; i <= 4; i++) {
        cl_add(&a, i, (uint64_t)i, UP, i);
    }
    ck_assert_int_eq(akti_cl_reach_set(&a, 1, 4, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(akti_cl_reach_set(&a, 2, 4, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_uint_eq(akti_cl_reach_status(&a, 4, false), AKTI_CL_UNREACHABLE);
    ck_assert_int_eq(akti_cl_reach_set(&a, 1, 4, AKTI_CL_REACHABLE), AKT_OK);
    ck_assert_uint_eq(akti_cl_reach_status(&a, 4, false), AKTI_CL_UNREACHABLE);
    ck_assert_uint_eq(akti_cl_reach_version(&a, 1), 2);
    ck_assert_int_eq(akti_cl_gossip_copy(&b, &a), AKT_OK);
    ck_assert_int_eq(akti_cl_reach_set(&a, 2, 4, AKTI_CL_REACHABLE), AKT_OK);
    ck_assert_uint_eq(akti_cl_reach_status(&a, 4, false), AKTI_CL_REACHABLE);
    ck_assert_uint_eq(a.nrr, 0);
    ck_assert_uint_eq(a.nrv, 2);
    cl_assert_valid(&a);
    /* b still has 2's older row: the merge takes 2's newer one from a */
    ck_assert_int_eq(akti_cl_reach_set(&b, 3, 1, AKTI_CL_TERMINATED), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_merge(&a, &b, &m), AKT_OK);
    cl_assert_valid(&m);
    ck_assert_uint_eq(akti_cl_reach_status(&m, 4, false), AKTI_CL_REACHABLE);
    ck_assert_uint_eq(akti_cl_reach_status(&m, 1, false), AKTI_CL_TERMINATED);
    ck_assert_int_eq(akti_cl_reach_set(&m, 3, 1, AKTI_CL_REACHABLE), AKT_OK);
    ck_assert_uint_eq(akti_cl_reach_status(&m, 1, false), AKTI_CL_TERMINATED);
    ck_assert_int_eq(
        akti_cl_reach_set(&m, 3, 3, AKTI_CL_UNREACHABLE), AKT_EINVAL);
    ck_assert_int_eq(
        akti_cl_reach_set(&m, 3, 9, AKTI_CL_UNREACHABLE), AKT_ENOENT);
    akti_cl_gossip_fini(&a);
    akti_cl_gossip_fini(&b);
    akti_cl_gossip_fini(&m);
}
END_TEST

/* Proves: convergence needs every Up/Leaving member in seen (Joining ones
 * do not block once someone is Up), is blocked by an unreachable Up member
 * but not by an unreachable Down or Exiting one, and ignores what Down
 * members observe. */
START_TEST(convergence_follows_seen_and_unreachable_members)
{
    akti_cl_gossip g;
    akti_cl_gossip_init(&g);
    cl_add(&g, 1, 1, UP, 1);
    cl_add(&g, 2, 2, UP, 2);
    cl_add(&g, 3, 3, J, NUP);
    ck_assert_int_eq(akti_cl_gossip_bump(&g, 1), AKT_OK);
    ck_assert(!akti_cl_convergence(&g, 1));
    ck_assert_int_eq(akti_cl_gossip_see(&g, 2), AKT_OK);
    ck_assert(akti_cl_convergence(&g, 1)); /* 3 is only Joining */
    ck_assert_int_eq(akti_cl_reach_set(&g, 1, 2, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert(!akti_cl_convergence(&g, 1));
    ck_assert_int_eq(akti_cl_gossip_set_status(&g, 2, DN, 0), AKT_OK);
    ck_assert(akti_cl_convergence(&g, 1)); /* unreachable but Down */
    /* what the Down member 2 observes does not count */
    ck_assert_int_eq(akti_cl_reach_set(&g, 2, 1, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert(akti_cl_convergence(&g, 1));
    /* the first members: Joining ones must have seen it too */
    akti_cl_gossip f;
    akti_cl_gossip_init(&f);
    cl_add(&f, 1, 1, J, NUP);
    cl_add(&f, 2, 2, J, NUP);
    ck_assert_int_eq(akti_cl_gossip_bump(&f, 1), AKT_OK);
    ck_assert(!akti_cl_convergence(&f, 1));
    ck_assert_int_eq(akti_cl_gossip_see(&f, 2), AKT_OK);
    ck_assert(akti_cl_convergence(&f, 1));
    akti_cl_gossip_fini(&f);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: the leader is the first member in address order that is Up or
 * Leaving and reachable (self always counts), never a Down one; without Up
 * members the least advanced; by role when asked. Two nodes that see the
 * same state name the same leader. */
START_TEST(leader_is_the_first_reachable_up_member_in_address_order)
{
    akti_cl_gossip g;
    akti_cl_gossip_init(&g);
    cl_add(&g, 3, 30, UP, 1);
    cl_add(&g, 1, 10, J, NUP);
    cl_add(&g, 2, 20, UP, 2);
    ck_assert_uint_eq(akti_cl_leader(&g, 30, NULL)->address.uid, 20);
    ck_assert_uint_eq(akti_cl_leader(&g, 10, NULL)->address.uid, 20);
    ck_assert_int_eq(
        akti_cl_reach_set(&g, 30, 20, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_uint_eq(akti_cl_leader(&g, 30, NULL)->address.uid, 30);
    /* 20 counts itself even though others see it unreachable */
    ck_assert_uint_eq(akti_cl_leader(&g, 20, NULL)->address.uid, 20);
    ck_assert_int_eq(akti_cl_gossip_set_status(&g, 30, DN, 0), AKT_OK);
    ck_assert_uint_eq(akti_cl_leader(&g, 20, NULL)->address.uid, 20);
    /* 20 is unreachable only to 30, which is Down now: that does not
     * count (as for convergence), so 10 names 20 too */
    ck_assert_uint_eq(akti_cl_leader(&g, 10, NULL)->address.uid, 20);
    ck_assert_int_eq(
        akti_cl_reach_set(&g, 10, 20, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_uint_eq(akti_cl_leader(&g, 10, NULL)->address.uid, 10);
    akti_cl_gossip j;
    akti_cl_gossip_init(&j);
    cl_add(&j, 5, 50, J, NUP);
    cl_add(&j, 4, 40, EX, 1);
    ck_assert_uint_eq(akti_cl_leader(&j, 40, NULL)->address.uid, 50);
    akti_cl_gossip_fini(&j);
    /* roles */
    akti_cl_gossip r;
    akti_cl_gossip_init(&r);
    const char *backend[] = { "backend" };
    akti_cl_member m;
    ck_assert_int_eq(
        akti_cl_member_init(&m, "sys", "10.0.0.9", 2552, 90, backend, 1, NULL),
        AKT_OK);
    m.status = UP;
    m.up_number = 3;
    ck_assert_int_eq(akti_cl_gossip_add(&r, &m), AKT_OK);
    cl_add(&r, 1, 10, UP, 1);
    ck_assert_uint_eq(akti_cl_leader(&r, 10, NULL)->address.uid, 10);
    ck_assert_uint_eq(akti_cl_leader(&r, 10, "backend")->address.uid, 90);
    ck_assert_ptr_null(akti_cl_leader(&r, 10, "frontend"));
    ck_assert_uint_eq(akti_cl_oldest(&r, NULL)->address.uid, 10);
    ck_assert_uint_eq(akti_cl_oldest(&r, "backend")->address.uid, 90);
    akti_cl_gossip_fini(&r);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: the leader's actions on convergence: Joining members become Up
 * with consecutive up numbers after the youngest, Leaving becomes Exiting,
 * an Exiting member that saw it and a Down member are removed (tombstone);
 * min-nr-of-members holds joiners back; WeaklyUp is given to reachable
 * joiners only. */
START_TEST(leader_actions_move_members_along)
{
    akti_cl_gossip g;
    akti_cl_gossip_init(&g);
    cl_add(&g, 1, 1, UP, 4);
    cl_add(&g, 2, 2, J, NUP);
    cl_add(&g, 3, 3, WU, NUP);
    cl_add(&g, 4, 4, LV, 2);
    cl_add(&g, 5, 5, DN, 3);
    bool changed;
    ck_assert_int_eq(
        akti_cl_leader_actions(&g, 1, 10, 0, NULL, 0, &changed), AKT_OK);
    ck_assert(changed); /* min 10 not reached: no Up, but the others */
    ck_assert_int_eq(akti_cl_gossip_member(&g, 2)->status, J);
    ck_assert_int_eq(akti_cl_gossip_member(&g, 4)->status, EX);
    ck_assert_ptr_null(akti_cl_gossip_member(&g, 5));
    ck_assert(akti_cl_gossip_tombstoned(&g, 5));
    ck_assert_int_eq(
        akti_cl_leader_actions(&g, 1, 1, 7, NULL, 0, &changed), AKT_OK);
    ck_assert(changed);
    ck_assert_int_eq(akti_cl_gossip_member(&g, 2)->status, UP);
    ck_assert_int_eq(akti_cl_gossip_member(&g, 2)->up_number, 5);
    ck_assert_int_eq(akti_cl_gossip_member(&g, 3)->up_number, 6);
    /* 4 is Exiting but has not seen it: it stays */
    ck_assert_int_eq(akti_cl_gossip_member(&g, 4)->status, EX);
    ck_assert_int_eq(akti_cl_gossip_bump(&g, 1), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_see(&g, 4), AKT_OK);
    ck_assert_int_eq(
        akti_cl_leader_actions(&g, 1, 1, 9, NULL, 0, &changed), AKT_OK);
    ck_assert(changed);
    ck_assert_ptr_null(akti_cl_gossip_member(&g, 4));
    ck_assert_int_eq(
        akti_cl_leader_actions(&g, 1, 1, 9, NULL, 0, &changed), AKT_OK);
    ck_assert(!changed);
    cl_assert_valid(&g);
    /* weakly up: reachable joiners only */
    cl_add(&g, 6, 6, J, NUP);
    cl_add(&g, 7, 7, J, NUP);
    ck_assert_int_eq(akti_cl_reach_set(&g, 1, 7, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(akti_cl_weakly_up(&g, 1, 1, &changed), AKT_OK);
    ck_assert(changed);
    ck_assert_int_eq(akti_cl_gossip_member(&g, 6)->status, WU);
    ck_assert_int_eq(akti_cl_gossip_member(&g, 7)->status, J);
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: gossip targets are never self nor a member self marks
 * unreachable (others' marks do not exclude), prefer members that have not
 * seen the state when the draw says so, and the bias is the documented one
 * (0.8 up to 400 members, linearly to 0.08 at 1200) -- not Akka's 400. */
START_TEST(gossip_targets_follow_the_documented_bias)
{
    akti_cl_gossip g;
    akti_cl_gossip_init(&g);
    for (int i = 1; i <= 5; i++) {
        cl_add(&g, i, (uint64_t)i, UP, i);
    }
    ck_assert_int_eq(akti_cl_gossip_bump(&g, 1), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_see(&g, 2), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_see(&g, 3), AKT_OK);
    ck_assert_int_eq(akti_cl_reach_set(&g, 1, 5, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(akti_cl_reach_set(&g, 2, 4, AKTI_CL_UNREACHABLE), AKT_OK);
    int hits[6] = { 0 };
    for (uint64_t r = 0; r < 200; r++) {
        uint64_t t;
        /* r1 = 0: always below the probability: prefer unseen (4 only) */
        ck_assert(akti_cl_gossip_target(&g, 1, 0.8, 0, r, &t));
        ck_assert_uint_eq(t, 4);
        /* r1 = max: any valid target */
        ck_assert(akti_cl_gossip_target(&g, 1, 0.8, UINT64_MAX, r, &t));
        hits[t]++;
    }
    ck_assert_int_eq(hits[1], 0);
    ck_assert_int_eq(hits[5], 0);
    ck_assert_int_gt(hits[2], 0);
    ck_assert_int_gt(hits[3], 0);
    ck_assert_int_gt(hits[4], 0);
    ck_assert(akti_cl_diff_view_probability(10, 0.8) == 0.8);
    ck_assert(akti_cl_diff_view_probability(400, 0.8) == 0.8);
    double mid = akti_cl_diff_view_probability(800, 0.8);
    ck_assert(mid > 0.439 && mid < 0.441);
    ck_assert(akti_cl_diff_view_probability(5000, 0.8) == 0.08);
    /* speed-up: fewer than half have seen it */
    ck_assert(!akti_cl_speedup(&g)); /* 3 of 5 */
    ck_assert_int_eq(akti_cl_gossip_bump(&g, 1), AKT_OK);
    ck_assert(akti_cl_speedup(&g));
    akti_cl_gossip_fini(&g);
}
END_TEST

/* Proves: heartbeat receivers are the next n on a ring that every node
 * orders the same way; with few members everyone monitors everyone;
 * unreachable members met on the way are included but not counted; every
 * member is monitored by exactly n others on a healthy ring. */
START_TEST(heartbeat_ring_picks_the_next_n_members)
{
    akti_cl_gossip g;
    akti_cl_gossip_init(&g);
    for (int i = 1; i <= 20; i++) {
        cl_add(&g, i, 1000 + (uint64_t)i, UP, i);
    }
    uint64_t out[32];
    int monitored_by[21] = { 0 };
    for (int i = 1; i <= 20; i++) {
        uint32_t n = akti_cl_hb_receivers(&g, 1000 + (uint64_t)i, 5, out, 32);
        ck_assert_uint_eq(n, 5);
        for (uint32_t k = 0; k < n; k++) {
            ck_assert_uint_ne(out[k], 1000 + (uint64_t)i);
            monitored_by[out[k] - 1000]++;
        }
    }
    for (int i = 1; i <= 20; i++) {
        ck_assert_int_eq(monitored_by[i], 5);
    }
    /* all others when n >= members - 1 */
    ck_assert_uint_eq(akti_cl_hb_receivers(&g, 1001, 19, out, 32), 19);
    /* an unreachable receiver is kept and one more is added */
    uint64_t before[8];
    ck_assert_uint_eq(akti_cl_hb_receivers(&g, 1001, 5, before, 8), 5);
    ck_assert_int_eq(
        akti_cl_reach_set(&g, 1002, before[0], AKTI_CL_UNREACHABLE), AKT_OK);
    uint32_t n = akti_cl_hb_receivers(&g, 1001, 5, out, 32);
    ck_assert_uint_eq(n, 6);
    ck_assert_uint_eq(out[0], before[0]);
    akti_cl_gossip_fini(&g);
}
END_TEST

typedef struct evlog {
    int n;
    akti_cl_event_kind k[32];
    uint64_t uid[32];
    akt_member_status prev[32];
} evlog;

static void
record(void *arg, akti_cl_event_kind k, const akti_cl_member *m,
    akt_member_status prev)
{
    evlog *l = arg;
    ck_assert_int_lt(l->n, 32);
    l->k[l->n] = k;
    l->uid[l->n] = m ? m->address.uid : 0;
    l->prev[l->n] = prev;
    l->n++;
}

/* Proves: the events between two states: a status change per member (in
 * address order), removals with the previous status, unreachable and
 * reachable, and a leader change last. */
START_TEST(diff_reports_member_reachability_and_leader_events)
{
    akti_cl_gossip a, b;
    akti_cl_gossip_init(&a);
    akti_cl_gossip_init(&b);
    cl_add(&a, 1, 1, UP, 1);
    cl_add(&a, 2, 2, UP, 2);
    cl_add(&a, 3, 3, J, NUP);
    ck_assert_int_eq(akti_cl_gossip_copy(&b, &a), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_set_status(&b, 3, UP, 3), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_set_status(&b, 1, DN, 0), AKT_OK);
    ck_assert_int_eq(akti_cl_reach_set(&b, 2, 1, AKTI_CL_UNREACHABLE), AKT_OK);
    evlog l = { 0 };
    akti_cl_diff(&a, &b, 2, record, &l);
    ck_assert_int_eq(l.n, 4);
    ck_assert_int_eq(l.k[0], AKTI_CL_EV_MEMBER_DOWNED);
    ck_assert_uint_eq(l.uid[0], 1);
    ck_assert_int_eq(l.k[1], AKTI_CL_EV_MEMBER_UP);
    ck_assert_uint_eq(l.uid[1], 3);
    ck_assert_int_eq(l.k[2], AKTI_CL_EV_UNREACHABLE);
    ck_assert_uint_eq(l.uid[2], 1);
    ck_assert_int_eq(l.k[3], AKTI_CL_EV_LEADER_CHANGED);
    ck_assert_uint_eq(l.uid[3], 2);
    /* b: 3 Up; a: 3 removed */
    akti_cl_gossip_fini(&b);
    akti_cl_gossip_init(&b);
    ck_assert_int_eq(akti_cl_gossip_set_status(&a, 3, UP, 3), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_copy(&b, &a), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_remove(&a, 3, 5), AKT_OK);
    l.n = 0;
    akti_cl_diff(&b, &a, 2, record, &l);
    ck_assert_int_eq(l.n, 1);
    ck_assert_int_eq(l.k[0], AKTI_CL_EV_MEMBER_REMOVED);
    ck_assert_int_eq(l.prev[0], UP);
    akti_cl_gossip_fini(&a);
    akti_cl_gossip_fini(&b);
}
END_TEST

/* Proves: akti_cl_gossip_check (the decoder's last step) rejects states
 * that break an invariant: unsorted or duplicate members, a seen mark of a
 * non-member, an all-reachable row, a record newer than its row version,
 * a tombstoned member, a Removed status. */
START_TEST(check_rejects_states_that_break_invariants)
{
    akti_cl_gossip g;
    akti_cl_gossip_init(&g);
    cl_add(&g, 1, 1, UP, 1);
    cl_add(&g, 2, 2, UP, 2);
    ck_assert_int_eq(akti_cl_reach_set(&g, 1, 2, AKTI_CL_UNREACHABLE), AKT_OK);
    ck_assert_int_eq(akti_cl_gossip_bump(&g, 1), AKT_OK);
    cl_assert_valid(&g);
    akti_cl_gossip b;
    akti_cl_gossip_init(&b);
#define BROKEN(stmt)                                                           \
    do {                                                                       \
        ck_assert_int_eq(akti_cl_gossip_copy(&b, &g), AKT_OK);                 \
        stmt;                                                                  \
        ck_assert_int_eq(akti_cl_gossip_check(&b), AKT_EPROTO);                \
    } while (0)
    BROKEN({
        akti_cl_member t = b.m[0];
        b.m[0] = b.m[1];
        b.m[1] = t;
    });
    BROKEN(b.m[1].address.uid = 1);
    BROKEN(b.seen[0] = 77);
    BROKEN(b.rr[0].status = AKTI_CL_REACHABLE);
    BROKEN(b.rr[0].version = 99);
    BROKEN(b.m[0].status = AKT_MEMBER_REMOVED);
    BROKEN(b.m[0].status = (akt_member_status)9);
    BROKEN(b.m[0].nroles = 99);
    BROKEN(b.m[0].address.host[0] = '\0');
    BROKEN({
        b.tomb = malloc(sizeof(*b.tomb));
        b.captomb = 1;
        b.tomb[0].uid = 2;
        b.tomb[0].removed_ms = 0;
        b.ntomb = 1;
    });
#undef BROKEN
    akti_cl_gossip_fini(&b);
    akti_cl_gossip_fini(&g);
}
END_TEST

static Suite *
membership_suite(void)
{
    Suite *s = suite_create("cluster_membership");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, transitions_follow_akkas_table);
    tcase_add_test(tc, a_member_has_its_roles_and_the_empty_role_matches_all);
    tcase_add_test(tc, vclock_compare_orders_same_before_after_concurrent);
    tcase_add_test(tc, merge_keeps_the_highest_status_and_the_older_up_number);
    tcase_add_test(tc, removal_is_a_tombstone_that_the_merge_spreads);
    tcase_add_test(tc, reachability_is_a_matrix_of_observer_rows);
    tcase_add_test(tc, convergence_follows_seen_and_unreachable_members);
    tcase_add_test(
        tc, leader_is_the_first_reachable_up_member_in_address_order);
    tcase_add_test(tc, leader_actions_move_members_along);
    tcase_add_test(tc, gossip_targets_follow_the_documented_bias);
    tcase_add_test(tc, heartbeat_ring_picks_the_next_n_members);
    tcase_add_test(tc, diff_reports_member_reachability_and_leader_events);
    tcase_add_test(tc, check_rejects_states_that_break_invariants);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(membership_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
