/*
 * cltest.h -- helpers of the cluster suites: members and gossip states
 * built in one line, a seeded random generator, and the assertion that a
 * state keeps its invariants.
 */
#ifndef AKT_TESTS_CLUSTER_CLTEST_H
#define AKT_TESTS_CLUSTER_CLTEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/membership.h"

/* a member at 10.0.0.<host>:2552, system "sys", the given uid */
static inline akti_cl_member
cl_member(int host, uint64_t uid, akt_member_status st, int32_t up)
{
    akti_cl_member m;
    char h[32];
    snprintf(h, sizeof h, "10.0.0.%d", host);
    ck_assert_int_eq(
        akti_cl_member_init(&m, "sys", h, 2552, uid, NULL, 0, NULL), AKT_OK);
    m.status = st;
    m.up_number = up;
    return m;
}

static inline void
cl_add(
    akti_cl_gossip *g, int host, uint64_t uid, akt_member_status st, int32_t up)
{
    akti_cl_member m = cl_member(host, uid, st, up);
    ck_assert_int_eq(akti_cl_gossip_add(g, &m), AKT_OK);
}

static inline void
cl_assert_valid(const akti_cl_gossip *g)
{
    ck_assert_int_eq(akti_cl_gossip_check(g), AKT_OK);
}

/* xorshift64*: the suites' seeded generator (seed printed on failure) */
typedef struct cl_rng {
    uint64_t s;
} cl_rng;

static inline uint64_t
cl_next(cl_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dull;
}

static inline uint32_t
cl_below(cl_rng *r, uint32_t n)
{
    return n ? (uint32_t)(cl_next(r) % n) : 0;
}

static inline uint64_t
cl_seed(const char *what)
{
    const char *e = getenv("AKT_CLUSTER_SEED");
    uint64_t s = e ? strtoull(e, NULL, 0) : 0x5eed0001ull;
    fprintf(stderr, "%s: seed 0x%llx (AKT_CLUSTER_SEED to replay)\n", what,
        (unsigned long long)s);
    return s ? s : 1;
}

#endif /* AKT_TESTS_CLUSTER_CLTEST_H */
