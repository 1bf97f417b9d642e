/*
 * crdt_test.c -- property tests of the gossip merge (cluster/gossip.c):
 * the CRDT laws over many random states. States come from a seeded random
 * history of replicas that change their own copy the way nodes do (joins,
 * status moves by any replica, removals of Down/Exiting members, an
 * observer's own reachability row, clock bumps) and merge each other's at
 * random; every state met along the way joins a pool, and the laws are
 * checked on random pairs and triples of it. The seed is printed;
 * AKT_CLUSTER_SEED replays one.
 */
#include "cltest.h"
#include "cluster/wire.h"

#define UNIVERSE 10
#define REPLICAS 5
#define STEPS    400
#define POOL     (REPLICAS * STEPS)

typedef struct pool {
    akti_cl_gossip g[POOL];
    int n;
} pool;

static akti_cl_member universe[UNIVERSE];

static void
make_universe(void)
{
    const char *roles[] = { "backend", "frontend", "dc-east" };
    for (int i = 0; i < UNIVERSE; i++) {
        char host[32];
        /* two incarnations share each address: uids differ */
        snprintf(host, sizeof host, "10.1.0.%d", i / 2);
        ck_assert_int_eq(akti_cl_member_init(&universe[i], "sys", host, 2552,
                             0x1000 + (uint64_t)i * 0x9e37, roles,
                             (uint32_t)(i % 4), i % 3 ? "1.2.0" : "1.3.0"),
            AKT_OK);
    }
}

static void
pool_add(pool *p, const akti_cl_gossip *g)
{
    if (p->n == POOL) {
        return;
    }
    akti_cl_gossip_init(&p->g[p->n]);
    ck_assert_int_eq(akti_cl_gossip_copy(&p->g[p->n], g), AKT_OK);
    cl_assert_valid(g);
    p->n++;
}

static akt_member_status
random_next(cl_rng *r, akt_member_status from)
{
    akt_member_status ok[8];
    int n = 0;
    for (int s = 0; s <= 6; s++) {
        if (s != AKT_MEMBER_REMOVED && akti_cl_transition_ok(from, s)) {
            ok[n++] = (akt_member_status)s;
        }
    }
    return n ? ok[cl_below(r, (uint32_t)n)] : from;
}

/* one random history; every state met is added to p */
static void
generate(cl_rng *r, pool *p)
{
    akti_cl_gossip rep[REPLICAS];
    for (int i = 0; i < REPLICAS; i++) {
        akti_cl_gossip_init(&rep[i]);
    }
    /* replica 0 founds the cluster */
    ck_assert_int_eq(akti_cl_gossip_add(&rep[0], &universe[0]), AKT_OK);
    ck_assert_int_eq(
        akti_cl_gossip_bump(&rep[0], universe[0].address.uid), AKT_OK);
    akti_cl_gossip tmp;
    akti_cl_gossip_init(&tmp);
    for (int step = 0; step < STEPS; step++) {
        int i = (int)cl_below(r, REPLICAS);
        akti_cl_gossip *g = &rep[i];
        uint64_t self = universe[i].address.uid;
        bool changed = false;
        /* only a member changes its state; any replica merges */
        uint32_t op = cl_below(r, 6);
        if (akti_cl_gossip_member(g, self) == NULL && op < 4) {
            op = 4;
        }
        switch (op) {
        case 0: { /* a join through replica i */
            const akti_cl_member *u = &universe[cl_below(r, UNIVERSE)];
            changed = akti_cl_gossip_add(g, u) == AKT_OK;
            break;
        }
        case 1: /* a status move (leader action, leave, down) */
            if (g->nm > 0) {
                akti_cl_member *m = &g->m[cl_below(r, g->nm)];
                akt_member_status to = random_next(r, m->status);
                changed = akti_cl_gossip_set_status(g, m->address.uid, to,
                              (int32_t)(1 + cl_below(r, 20)))
                    == AKT_OK;
            }
            break;
        case 2: /* the leader removes a Down or Exiting member */
            for (uint32_t k = 0; k < g->nm; k++) {
                if ((g->m[k].status == AKT_MEMBER_DOWN
                        || g->m[k].status == AKT_MEMBER_EXITING)
                    && g->m[k].address.uid != self) {
                    ck_assert_int_eq(
                        akti_cl_gossip_remove(g, g->m[k].address.uid, step),
                        AKT_OK);
                    changed = true;
                    break;
                }
            }
            break;
        case 3: /* replica i's own reachability row */
            if (g->nm > 1 && akti_cl_gossip_member(g, self) != NULL) {
                uint64_t subj = g->m[cl_below(r, g->nm)].address.uid;
                if (subj != self) {
                    ck_assert_int_eq(
                        akti_cl_reach_set(g, self, subj,
                            cl_below(r, 10) == 0 ? AKTI_CL_TERMINATED
                                                 : cl_below(r, 2)),
                        AKT_OK);
                    changed = true;
                }
            }
            break;
        default: { /* gossip: replica i merges replica j's state */
            int j = (int)cl_below(r, REPLICAS);
            if (j == i) {
                break;
            }
            ck_assert_int_eq(akti_cl_gossip_merge(g, &rep[j], &tmp), AKT_OK);
            ck_assert_int_eq(akti_cl_gossip_copy(g, &tmp), AKT_OK);
            (void)akti_cl_gossip_see(g, self);
            pool_add(p, g);
            break;
        }
        }
        if (changed) {
            ck_assert_int_eq(akti_cl_gossip_bump(g, self), AKT_OK);
            pool_add(p, g);
        }
    }
    akti_cl_gossip_fini(&tmp);
    for (int i = 0; i < REPLICAS; i++) {
        akti_cl_gossip_fini(&rep[i]);
    }
}

static void
pool_free(pool *p)
{
    for (int i = 0; i < p->n; i++) {
        akti_cl_gossip_fini(&p->g[i]);
    }
    p->n = 0;
}

static pool P;

/* Proves: merge is commutative, associative and idempotent (members,
 * reachability, versions, clock and tombstones; not seen, which a merge
 * empties), and its result keeps every invariant of a gossip state -- on
 * 5 random histories, 3000 random pairs/triples each. */
START_TEST(merge_is_commutative_associative_and_idempotent)
{
    make_universe();
    cl_rng r = { cl_seed("crdt laws") };
    int pairs = 0, distinct = 0, concurrent = 0, tombs = 0, unreach = 0;
    int downs = 0;
    for (int round = 0; round < 5; round++) {
        generate(&r, &P);
        ck_assert_int_gt(P.n, 100);
        akti_cl_gossip ab, ba, abc1, bc, abc2, aa;
        akti_cl_gossip_init(&ab);
        akti_cl_gossip_init(&ba);
        akti_cl_gossip_init(&abc1);
        akti_cl_gossip_init(&bc);
        akti_cl_gossip_init(&abc2);
        akti_cl_gossip_init(&aa);
        for (int t = 0; t < 3000; t++) {
            const akti_cl_gossip *a = &P.g[cl_below(&r, (uint32_t)P.n)];
            const akti_cl_gossip *b = &P.g[cl_below(&r, (uint32_t)P.n)];
            const akti_cl_gossip *c = &P.g[cl_below(&r, (uint32_t)P.n)];
            ck_assert_int_eq(akti_cl_gossip_merge(a, b, &ab), AKT_OK);
            ck_assert_int_eq(akti_cl_gossip_merge(b, a, &ba), AKT_OK);
            cl_assert_valid(&ab);
            ck_assert(akti_cl_gossip_equal(&ab, &ba, false));
            ck_assert_int_eq(akti_cl_gossip_merge(&ab, c, &abc1), AKT_OK);
            ck_assert_int_eq(akti_cl_gossip_merge(b, c, &bc), AKT_OK);
            ck_assert_int_eq(akti_cl_gossip_merge(a, &bc, &abc2), AKT_OK);
            cl_assert_valid(&abc1);
            ck_assert(akti_cl_gossip_equal(&abc1, &abc2, false));
            ck_assert_int_eq(akti_cl_gossip_merge(a, a, &aa), AKT_OK);
            ck_assert(akti_cl_gossip_equal(&aa, a, false));
            /* merging the result again changes nothing */
            ck_assert_int_eq(akti_cl_gossip_merge(&ab, b, &ba), AKT_OK);
            ck_assert(akti_cl_gossip_equal(&ba, &ab, false));
            pairs++;
            distinct += !akti_cl_gossip_equal(a, b, false);
            concurrent += akti_cl_vc_compare(a, b) == AKTI_VC_CONCURRENT;
            tombs += a->ntomb > 0;
            unreach += a->nrr > 0;
            for (uint32_t k = 0; k < a->nm; k++) {
                downs += a->m[k].status == AKT_MEMBER_DOWN;
            }
        }
        akti_cl_gossip_fini(&ab);
        akti_cl_gossip_fini(&ba);
        akti_cl_gossip_fini(&abc1);
        akti_cl_gossip_fini(&bc);
        akti_cl_gossip_fini(&abc2);
        akti_cl_gossip_fini(&aa);
        pool_free(&P);
    }
    /* the generator is not degenerate: most pairs differ, many are
     * concurrent, states with tombstones, unreachable records and Down
     * members are common */
    fprintf(stderr,
        "pairs %d: distinct %d, concurrent %d, with tombstones %d, with "
        "unreachable records %d, down members %d\n",
        pairs, distinct, concurrent, tombs, unreach, downs);
    ck_assert_int_gt(distinct, pairs / 2);
    ck_assert_int_gt(concurrent, pairs / 10);
    ck_assert_int_gt(tombs, pairs / 10);
    ck_assert_int_gt(unreach, pairs / 10);
    ck_assert_int_gt(downs, pairs / 10);
}
END_TEST

/* Proves: a merge never moves a member's status back (its merge priority
 * only rises, or it is gone with a tombstone), never brings a tombstoned
 * incarnation back, and never lowers a clock entry of a live node. */
START_TEST(merge_is_monotone)
{
    make_universe();
    cl_rng r = { cl_seed("crdt monotone") ^ 0x77 };
    for (int round = 0; round < 5; round++) {
        generate(&r, &P);
        akti_cl_gossip ab;
        akti_cl_gossip_init(&ab);
        for (int t = 0; t < 3000; t++) {
            const akti_cl_gossip *a = &P.g[cl_below(&r, (uint32_t)P.n)];
            const akti_cl_gossip *b = &P.g[cl_below(&r, (uint32_t)P.n)];
            ck_assert_int_eq(akti_cl_gossip_merge(a, b, &ab), AKT_OK);
            for (uint32_t i = 0; i < a->nm; i++) {
                const akti_cl_member *m = &a->m[i];
                const akti_cl_member *n
                    = akti_cl_gossip_member(&ab, m->address.uid);
                if (n == NULL) {
                    ck_assert(akti_cl_gossip_tombstoned(&ab, m->address.uid));
                } else {
                    ck_assert_int_ge(akti_cl_status_priority(n->status),
                        akti_cl_status_priority(m->status));
                    if (n->status == m->status) {
                        ck_assert_int_le(n->up_number, m->up_number);
                    }
                }
            }
            for (uint32_t i = 0; i < a->ntomb; i++) {
                ck_assert(akti_cl_gossip_tombstoned(&ab, a->tomb[i].uid));
                ck_assert_ptr_null(akti_cl_gossip_member(&ab, a->tomb[i].uid));
            }
            for (uint32_t i = 0; i < a->nvc; i++) {
                if (akti_cl_gossip_tombstoned(&ab, a->vc[i].node)) {
                    continue;
                }
                bool found = false;
                for (uint32_t k = 0; k < ab.nvc; k++) {
                    if (ab.vc[k].node == a->vc[i].node) {
                        ck_assert_uint_ge(ab.vc[k].counter, a->vc[i].counter);
                        found = true;
                    }
                }
                ck_assert(found);
            }
        }
        akti_cl_gossip_fini(&ab);
        pool_free(&P);
    }
}
END_TEST

/* Proves: every generated state survives the wire unchanged (seen set
 * included), as a Gossip envelope and as a Welcome. */
START_TEST(every_state_round_trips_through_the_wire)
{
    make_universe();
    cl_rng r = { cl_seed("crdt wire") ^ 0x99 };
    generate(&r, &P);
    akti_cl_wire_limits lim;
    akti_cl_wire_limits_default(&lim);
    for (int i = 0; i < P.n; i++) {
        akti_cl_msg m, d;
        akti_cl_msg_init(&m, i % 2 ? AKTI_CLM_GOSSIP : AKTI_CLM_WELCOME);
        m.from = universe[0].address;
        m.to = universe[1].address;
        ck_assert_int_eq(akti_cl_gossip_copy(&m.g, &P.g[i]), AKT_OK);
        uint8_t *buf;
        size_t len;
        ck_assert_int_eq(akti_cl_msg_encode(&m, &buf, &len), AKT_OK);
        ck_assert_int_eq(akti_cl_msg_decode(buf, len, &lim, &d), AKT_OK);
        ck_assert_int_eq(d.kind, m.kind);
        ck_assert(akti_cl_gossip_equal(&d.g, &P.g[i], true));
        ck_assert_int_eq(akti_cl_addr_cmp(&d.from, &m.from), 0);
        free(buf);
        akti_cl_msg_fini(&m);
        akti_cl_msg_fini(&d);
    }
    pool_free(&P);
}
END_TEST

static Suite *
crdt_suite(void)
{
    Suite *s = suite_create("cluster_crdt");
    TCase *tc = tcase_create("laws");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, merge_is_commutative_associative_and_idempotent);
    tcase_add_test(tc, merge_is_monotone);
    tcase_add_test(tc, every_state_round_trips_through_the_wire);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(crdt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
