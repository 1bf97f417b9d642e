/*
 * open_test.c -- the first GPU spawn of a system loads libakt-gpu, the
 * CUDA driver and NVRTC (cuInit alone can take seconds). It must hold no
 * lock of the runtime meanwhile: here the plug-in (tests/gpu/
 * gate_plugin.c) blocks inside its open() until the test lets it go, and
 * while it is blocked another thread spawns an actor with props the
 * system has not seen (which takes the core's props lock), asks it, and
 * reads the GPU stats. With the lock held across the load that spawn
 * would wait for the gate, which only opens after it: the test would hang
 * (and fail on its timeout). Then a second GPU spawn, started while the
 * first is still loading, waits for it and gets its answer (AKT_ENOTSUP,
 * the gate plug-in reports no device) without loading again.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akt/akt.h"
#include "akt/gpu.h"
#include "scaler.akt.gpu.h"

#define SEC INT64_C(1000000000)

static akt_system *sys;

static void *
spawn_gpu(void *arg)
{
    akt_props props;
    ck_assert_int_eq(
        gpudemo_scaler_gpu_props(NULL, AKT_PLACEMENT_GPU, &props), AKT_OK);
    akt_ref r;
    *(akt_err *)arg = akt_spawn(sys, &props, NULL, &r);
    return NULL;
}

START_TEST(other_spawns_go_on_while_the_first_gpu_spawn_loads)
{
    int gate_in[2], gate_out[2];
    ck_assert_int_eq(pipe(gate_in), 0);
    ck_assert_int_eq(pipe(gate_out), 0);
    char fd[32];
    snprintf(fd, sizeof fd, "%d", gate_in[0]);
    setenv("AKT_TEST_GATE_IN", fd, 1);
    snprintf(fd, sizeof fd, "%d", gate_out[1]);
    setenv("AKT_TEST_GATE_OUT", fd, 1);
    setenv("AKT_GPU_LIB", AKT_TEST_GATE_LIB, 1);
    ck_assert_int_eq(akt_system_create("opentest", NULL, &sys), AKT_OK);

    pthread_t first, second;
    akt_err first_err = AKT_OK, second_err = AKT_OK;
    ck_assert_int_eq(pthread_create(&first, NULL, spawn_gpu, &first_err), 0);
    char c;
    ck_assert_int_eq(read(gate_out[0], &c, 1), 1); /* it is loading */

    /* a CPU spawn with new props, and an ask to it, while it loads */
    akt_props props;
    ck_assert_int_eq(
        gpudemo_scaler_gpu_props(NULL, AKT_PLACEMENT_CPU, &props), AKT_OK);
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &props, NULL, &r), AKT_OK);
    gpudemo_Total *t = NULL;
    ck_assert_int_eq(gpudemo_scaler_call_probe(gpudemo_scaler_ref(r),
                         gpudemo_probe_new(), 30 * SEC, &t, NULL),
        AKT_OK);
    ck_assert_int_eq(t->count, 0);
    akt_msg_free(t);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_ENOENT);

    /* a second GPU spawn waits for the first load, not a second one */
    ck_assert_int_eq(pthread_create(&second, NULL, spawn_gpu, &second_err), 0);
    ck_assert_int_eq(write(gate_in[1], "g", 1), 1);
    pthread_join(first, NULL);
    pthread_join(second, NULL);
    ck_assert_int_eq(first_err, AKT_ENOTSUP);
    ck_assert_int_eq(second_err, AKT_ENOTSUP);
    char why[512];
    ck_assert(!akt_gpu_available(sys, why, sizeof why));
    ck_assert_str_eq(why, "gate plugin: the gate opened, no device here");
    akt_system_free(sys);
}
END_TEST

int
main(void)
{
    unsetenv("AKT_GPU");
    Suite *s = suite_create("gpu_open");
    TCase *tc = tcase_create("open");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, other_spawns_go_on_while_the_first_gpu_spawn_loads);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
