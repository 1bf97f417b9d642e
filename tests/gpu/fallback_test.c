/*
 * fallback_test.c -- a machine without a usable GPU: placement gpu fails
 * the spawn with AKT_ENOTSUP and a reason that names the cause, placement
 * auto runs the actors on the CPU with the same results as placement cpu,
 * for each cause: AKT_GPU=0, no libakt-gpu, no CUDA driver (libcuda does
 * not load), cuInit failing (the CUDA toolkit's stub libcuda returns
 * CUDA_ERROR_STUB_LIBRARY, 34; skipped where that stub is not installed),
 * akt.gpu.enabled = off; a bad akt.gpu setting fails the system's
 * creation naming the key; AKT_PLACEMENT_DEFAULT follows akt.gpu.placement.
 * Needs no GPU; each test sets its environment in its own process (Check's fork
 * mode).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"
#include "akt/gpu.h"
#include "scaler.akt.gpu.h"

#define SEC INT64_C(1000000000)

static akt_system *
mk_sys(void)
{
    if (getenv("AKT_GPU_LIB") == NULL) {
        setenv("AKT_GPU_LIB", AKT_TEST_GPU_LIB, 1);
    }
    akt_system *sys = NULL;
    ck_assert_int_eq(akt_system_create("fallback", NULL, &sys), AKT_OK);
    return sys;
}

/* a few messages to n actors at p; the Totals they end with */
static void
workload(akt_system *sys, akt_placement p, float *totals, int64_t *counts)
{
    enum { N = 50 };
    gpudemo_ScalerRef refs[N];
    for (int i = 0; i < N; i++) {
        akt_props props;
        ck_assert_int_eq(gpudemo_scaler_gpu_props(NULL, p, &props), AKT_OK);
        akt_ref r;
        ck_assert_int_eq(akt_spawn(sys, &props, NULL, &r), AKT_OK);
        refs[i] = gpudemo_scaler_ref(r);
    }
    for (int k = 0; k < 20; k++) {
        for (int i = 0; i < N; i++) {
            ck_assert_int_eq(gpudemo_scaler_tell_sample(refs[i],
                                 gpudemo_sample_new((float)(i * 7 + k) / 3.0f,
                                     1.25f, (i + k) % 11 == 0 ? -1 : k % 5)),
                AKT_OK);
        }
    }
    for (int i = 0; i < N; i++) {
        gpudemo_Total *t = NULL;
        ck_assert_int_eq(gpudemo_scaler_call_probe(
                             refs[i], gpudemo_probe_new(), 30 * SEC, &t, NULL),
            AKT_OK);
        totals[i] = t->total;
        counts[i] = t->count;
        akt_msg_free(t);
    }
}

/* the cause's checks: gpu refused with a reason containing want, auto on
 * the CPU with placement cpu's results */
static void
check_fallback(const char *want)
{
    akt_system *sys = mk_sys();
    akt_props props;
    ck_assert_int_eq(
        gpudemo_scaler_gpu_props(NULL, AKT_PLACEMENT_GPU, &props), AKT_OK);
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &props, NULL, &r), AKT_ENOTSUP);
    char why[512];
    ck_assert(!akt_gpu_available(sys, why, sizeof why));
    ck_assert_msg(strstr(why, want), "reason '%s' lacks '%s'", why, want);
    akt_gpu_stats st;
    ck_assert_int_eq(akt_gpu_stats_get(sys, &st), AKT_ENOENT);
    float t_cpu[50], t_auto[50];
    int64_t c_cpu[50], c_auto[50];
    workload(sys, AKT_PLACEMENT_CPU, t_cpu, c_cpu);
    workload(sys, AKT_PLACEMENT_AUTO, t_auto, c_auto);
    for (int i = 0; i < 50; i++) {
        ck_assert(memcmp(&t_cpu[i], &t_auto[i], 4) == 0);
        ck_assert_int_eq(c_cpu[i], c_auto[i]);
    }
    akt_system_free(sys);
}

START_TEST(akt_gpu_0_refuses_gpu_and_runs_auto_on_the_cpu)
{
    setenv("AKT_GPU", "0", 1);
    check_fallback("AKT_GPU=0");
}
END_TEST

START_TEST(no_libakt_gpu_refuses_gpu_and_runs_auto_on_the_cpu)
{
    setenv("AKT_GPU_LIB", "/nonexistent/libakt-gpu.so", 1);
    check_fallback("libakt-gpu: /nonexistent/libakt-gpu.so");
}
END_TEST

START_TEST(no_cuda_driver_refuses_gpu_and_runs_auto_on_the_cpu)
{
    setenv("AKT_CUDA_LIB", "/nonexistent/libcuda.so.1", 1);
    check_fallback("no CUDA driver: /nonexistent/libcuda.so.1");
}
END_TEST

START_TEST(cuinit_failing_refuses_gpu_and_runs_auto_on_the_cpu)
{
    if (AKT_TEST_CUDA_STUB[0] == '\0') {
        printf("skipped: no stub libcuda (no CUDA toolkit found by CMake)\n");
        return;
    }
    setenv("AKT_CUDA_LIB", AKT_TEST_CUDA_STUB, 1);
    check_fallback("cuInit: CUDA_ERROR_STUB_LIBRARY (34)");
}
END_TEST

/* a bad akt.gpu setting fails akt_system_create (not the first GPU
 * spawn), naming where it was set, the key and what was expected */
START_TEST(a_bad_setting_fails_system_create_naming_the_key)
{
    setenv("AKT_akt__gpu__max_batch", "lots", 1);
    akt_system *sys = NULL;
    akt_config_error err;
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(
        akt_system_create_ex("fallback", NULL, &sys, &err), AKT_ETYPE);
    ck_assert_ptr_null(sys);
    ck_assert_str_eq(err.message,
        "env var AKT_akt__gpu__max_batch: error: akt.gpu.max-batch: expected "
        "a whole number from 1 to 16777216, got \"lots\"");
}
END_TEST

/* akt.gpu.enabled = off is AKT_GPU=0 in the configuration */
START_TEST(enabled_off_refuses_gpu_and_runs_auto_on_the_cpu)
{
    setenv("AKT_akt__gpu__enabled", "off", 1);
    check_fallback("akt.gpu.enabled = off");
}
END_TEST

/* AKT_PLACEMENT_DEFAULT follows akt.gpu.placement: cpu (the default) puts
 * the actor on the CPU even where the GPU dispatcher would be usable; gpu
 * asks for the device (refused here: AKT_GPU=0) */
START_TEST(placement_default_follows_the_configuration)
{
    setenv("AKT_GPU", "0", 1);
    akt_system *sys = mk_sys();
    akt_props props;
    ck_assert_int_eq(
        gpudemo_scaler_gpu_props(NULL, AKT_PLACEMENT_DEFAULT, &props), AKT_OK);
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &props, NULL, &r), AKT_OK);
    akt_system_free(sys);
    setenv("AKT_akt__gpu__placement", "gpu", 1);
    sys = mk_sys();
    ck_assert_int_eq(
        gpudemo_scaler_gpu_props(NULL, AKT_PLACEMENT_DEFAULT, &props), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &props, NULL, &r), AKT_ENOTSUP);
    akt_system_free(sys);
    setenv("AKT_akt__gpu__placement", "auto", 1);
    sys = mk_sys();
    float t_cpu[50], t_dflt[50];
    int64_t c_cpu[50], c_dflt[50];
    workload(sys, AKT_PLACEMENT_CPU, t_cpu, c_cpu);
    workload(sys, AKT_PLACEMENT_DEFAULT, t_dflt, c_dflt);
    for (int i = 0; i < 50; i++) {
        ck_assert(memcmp(&t_cpu[i], &t_dflt[i], 4) == 0);
        ck_assert_int_eq(c_cpu[i], c_dflt[i]);
    }
    akt_system_free(sys);
}
END_TEST

/* a props without a @gpu type, or an unknown placement, is refused */
START_TEST(placement_needs_a_gpu_type)
{
    akt_props props;
    memset(&props, 0, sizeof props);
    ck_assert_int_eq(
        akt_gpu_place(&props, NULL, AKT_PLACEMENT_GPU), AKT_EINVAL);
    ck_assert_int_eq(
        akt_gpu_place(&props, &gpudemo_scaler_gpu_type, (akt_placement)7),
        AKT_EINVAL);
    ck_assert_int_eq(
        akt_gpu_place(&props, &gpudemo_scaler_gpu_type, AKT_PLACEMENT_CPU),
        AKT_OK);
    ck_assert_ptr_null(props.dispatcher);
}
END_TEST

int
main(void)
{
    unsetenv("AKT_GPU");
    unsetenv("AKT_CUDA_LIB");
    unsetenv("AKT_akt__gpu__executor");
    Suite *s = suite_create("gpu_fallback");
    TCase *tc = tcase_create("fallback");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, akt_gpu_0_refuses_gpu_and_runs_auto_on_the_cpu);
    tcase_add_test(tc, no_libakt_gpu_refuses_gpu_and_runs_auto_on_the_cpu);
    tcase_add_test(tc, no_cuda_driver_refuses_gpu_and_runs_auto_on_the_cpu);
    tcase_add_test(tc, cuinit_failing_refuses_gpu_and_runs_auto_on_the_cpu);
    tcase_add_test(tc, a_bad_setting_fails_system_create_naming_the_key);
    tcase_add_test(tc, enabled_off_refuses_gpu_and_runs_auto_on_the_cpu);
    tcase_add_test(tc, placement_default_follows_the_configuration);
    tcase_add_test(tc, placement_needs_a_gpu_type);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
