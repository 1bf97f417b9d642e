/*
 * kitutil.h -- shared helpers of the kit suites: small message types, a
 * "forward everything to a probe" actor, systems made with the testkit,
 * and the teardown check that no actor or message is left alive.
 */
#ifndef AKT_TESTS_KIT_KITUTIL_H
#define AKT_TESTS_KIT_KITUTIL_H

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/akt.h"
#include "akt/testkit.h"

int64_t akti_msg_live(void);

typedef struct k_Int {
    int64_t v;
    int64_t aux;
} k_Int;

static const akt_type k_int_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "kit.Int",
    .id = 0x4b49540001ull,
    .size = sizeof(k_Int),
    .align = _Alignof(k_Int),
};

/* a second type, for "by type" tests */
static const akt_type k_other_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "kit.Other",
    .id = 0x4b49540002ull,
    .size = sizeof(k_Int),
    .align = _Alignof(k_Int),
};

typedef struct k_Ref {
    akt_ref ref;
    int64_t v;
} k_Ref;

static const akt_type k_ref_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "kit.Ref",
    .id = 0x4b49540003ull,
    .size = sizeof(k_Ref),
    .align = _Alignof(k_Ref),
};

static inline void *
k_int(const akt_type *t, int64_t v, int64_t aux)
{
    k_Int *m = akt_msg_new(t, 0);
    ck_assert_ptr_nonnull(m);
    m->v = v;
    m->aux = aux;
    return m;
}

static inline void *
k_refmsg(akt_ref r, int64_t v)
{
    k_Ref *m = akt_msg_new(&k_ref_type, 0);
    ck_assert_ptr_nonnull(m);
    m->ref = r;
    m->v = v;
    return m;
}

static inline void
k_tell(akt_ref to, void *m)
{
    ck_assert_int_eq(akt_tell(to, m, AKT_REF_NONE), AKT_OK);
}

static inline int64_t
k_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* expect a k_Int (of type t) with value v */
static inline void
k_expect_int(akt_probe *p, const akt_type *t, int64_t v)
{
    void *m = NULL;
    ck_assert_int_eq(akt_probe_expect_type(p, t, AKT_SEC(5), &m), AKT_OK);
    ck_assert_int_eq(((k_Int *)m)->v, v);
    akt_msg_free(m);
}

static inline akt_system *
k_system(
    const char *name, bool deterministic, bool virtual_time, const char *config)
{
    akt_testkit_opts o = { .deterministic = deterministic,
        .virtual_time = virtual_time,
        .config = config };
    akt_system *sys = NULL;
    ck_assert_int_eq(akt_testkit_system(name, &o, &sys), AKT_OK);
    return sys;
}

/* free the system and check nothing it made is left alive */
static inline void
k_teardown(akt_system *sys, int64_t live0)
{
    akt_system_free(sys);
    ck_assert_int_eq(akti_msg_live(), live0);
}

/* an actor that forwards every message to the probe in init_arg, keeping
 * the sender */
typedef struct fwd_state {
    akt_ref to;
} fwd_state;

static inline akt_err
fwd_init(void *s, const void *arg)
{
    ((fwd_state *)s)->to = *(const akt_ref *)arg;
    return AKT_OK;
}

static inline akt_err
fwd_any(void *s, akt_ctx *ctx, const void *msg)
{
    return akt_forward(ctx, ((fwd_state *)s)->to);
}

__attribute__((unused)) static const akt_behavior fwd_behavior
    = { .name = "fwd", .unhandled = fwd_any };

#endif
