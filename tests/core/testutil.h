/*
 * testutil.h -- shared helpers of the core suites: a small integer message
 * type, system set-up with config overrides, and the teardown check that
 * nothing is left alive.
 */
#ifndef AKT_TESTS_CORE_TESTUTIL_H
#define AKT_TESTS_CORE_TESTUTIL_H

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/akt.h"
#include "latch.h"

/* internal (libakt static): messages allocated and not yet freed */
int64_t akti_msg_live(void);

typedef struct t_Int {
    int64_t v;
    int64_t from; /* producer id for ordering tests */
} t_Int;

static const akt_type t_int_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "test.Int",
    .id = 0x1111,
    .size = sizeof(t_Int),
    .align = _Alignof(t_Int),
};

static const akt_type t_ctl_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_CONTROL,
    .name = "test.Ctl",
    .id = 0x2222,
    .size = sizeof(t_Int),
    .align = _Alignof(t_Int),
};

static inline t_Int *
t_int(int64_t v)
{
    t_Int *m = akt_msg_new(&t_int_type, 0);
    ck_assert_ptr_nonnull(m);
    m->v = v;
    return m;
}

static inline t_Int *
t_ctl(int64_t v)
{
    t_Int *m = akt_msg_new(&t_ctl_type, 0);
    ck_assert_ptr_nonnull(m);
    m->v = v;
    return m;
}

/* A system with the reference config plus overrides "path=value;..." */
static inline akt_system *
t_system(const char *name, const char *overrides)
{
    akt_config *cfg = NULL;
    ck_assert_int_eq(akt_config_load(NULL, &cfg, NULL), AKT_OK);
    if (overrides) {
        char *dup = strdup(overrides);
        for (char *save = NULL, *kv = strtok_r(dup, ";", &save); kv;
             kv = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(kv, '=');
            ck_assert_ptr_nonnull(eq);
            *eq = '\0';
            akt_config *n = NULL;
            akt_config_error e;
            ck_assert_msg(
                akt_config_override(cfg, kv, eq + 1, &n, &e) == AKT_OK, "%s",
                e.message);
            akt_config_release(cfg);
            cfg = n;
        }
        free(dup);
    }
    akt_system *sys = NULL;
    ck_assert_int_eq(akt_system_create(name, cfg, &sys), AKT_OK);
    akt_config_release(cfg);
    return sys;
}

/* Terminate, free, and check that no message is left alive. Call with the
 * live-message count taken before the test's messages were made. */
static inline void
t_teardown(akt_system *sys, int64_t live_before)
{
    akt_system_stats_t st;
    ck_assert_int_eq(akt_system_terminate(sys), AKT_OK);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(30)), AKT_OK);
    ck_assert_int_eq(akt_system_stats(sys, &st), AKT_OK);
    ck_assert_int_eq(st.live_actors, 0);
    akt_system_free(sys);
    ck_assert_int_eq(akti_msg_live(), live_before);
}

/* Wait until ref has stopped (death watch from outside). */
static inline void
t_await_stop(akt_ref ref)
{
    akt_future *f = NULL;
    ck_assert_int_eq(akt_watch_future(ref, &f), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), &r), AKT_OK);
    akt_msg_free(r);
    akt_future_release(f);
}

#endif
