/*
 * aot_test.c -- aktc --gpu-arch writes CUBINs into the kernel cache at
 * build time, and the runtime's lookup (akg_kernel_image, what the GPU
 * dispatcher's compile thread calls at the first spawn of a type, with
 * the source it joins from the generated module's lines) finds them there
 * instead of compiling: the key aktc computes from the header text is the
 * one the runtime computes from the embedded lines. A target aktc did not
 * compile is compiled then. Where NVRTC does not load, aktc says so, exits
 * 0 and writes no kernel (always checked, with NVRTC hidden from it); the
 * rest is skipped with the reason printed. Bad targets are usage errors.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpu_impl.h"
#include "scaler.akt.gpu.h"

static char dir[256];

/* aktc with args in dir; its exit status, its stderr in err */
static int
aktc(const char *env, const char *args, char *err, size_t n)
{
    char cmd[2048], errf[300];
    snprintf(errf, sizeof errf, "%s/aktc.err", dir);
    snprintf(cmd, sizeof cmd, "cd %s && %s %s %s %s 2>%s", dir, env,
        AKT_TEST_AKTC, args, AKT_TEST_SCALER, errf);
    int st = system(cmd);
    FILE *fp = fopen(errf, "r");
    size_t k = fp ? fread(err, 1, n - 1, fp) : 0;
    err[k] = '\0';
    if (fp) {
        fclose(fp);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* files named *.cubin under path */
static int
cubins(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        return 0;
    }
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        size_t l = strlen(e->d_name);
        n += l > 6 && strcmp(e->d_name + l - 6, ".cubin") == 0 ? 1
                                                               : cubins(sub);
    }
    closedir(d);
    return n;
}

/* the test's folder goes (it is one mkdtemp made) */
static void
rm_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void
mk_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/akt-aot-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char out[300];
    snprintf(out, sizeof out, "%s/out", dir);
    ck_assert_int_eq(mkdir(out, 0700), 0);
}

/* no NVRTC: a clear line, exit 0, no kernel written */
START_TEST(without_nvrtc_aktc_says_so_and_writes_nothing)
{
    mk_dir();
    char err[2048];
    ck_assert_int_eq(aktc("AKT_NVRTC_LIB=/nonexistent/libnvrtc.so",
                         "--cuda_out out --gpu-arch sm_80,sm_90 --gpu-cache k",
                         err, sizeof err),
        0);
    ck_assert_msg(strstr(err,
                      "--gpu-arch sm_80,sm_90: skipped, NVRTC does "
                      "not load (/nonexistent/libnvrtc.so")
            != NULL,
        "%s", err);
    char k[300];
    snprintf(k, sizeof k, "%s/k", dir);
    ck_assert_int_eq(cubins(k), 0);
    rm_dir();
}
END_TEST

START_TEST(bad_targets_are_usage_errors)
{
    mk_dir();
    char err[2048];
    ck_assert_int_eq(
        aktc("", "--cuda_out out --gpu-arch sm_80,compute_90", err, sizeof err),
        2);
    ck_assert_msg(strstr(err, "'compute_90' is not a CUBIN target"), "%s", err);
    ck_assert_int_eq(aktc("", "--gpu-arch sm_80", err, sizeof err), 2);
    ck_assert_msg(strstr(err, "--gpu-arch needs --cuda_out"), "%s", err);
    ck_assert_int_eq(
        aktc("", "--cuda_out out --gpu-cache k", err, sizeof err), 2);
    ck_assert_msg(strstr(err, "--gpu-cache needs --gpu-arch"), "%s", err);
    rm_dir();
}
END_TEST

/* the entries aktc wrote are the ones the runtime finds */
START_TEST(the_runtime_finds_what_aktc_compiled)
{
    char why[512];
    akg_nvrtc *nv = akg_nvrtc_get(why, sizeof why);
    if (nv == NULL) {
        printf("skipped: NVRTC does not load here: %s\n", why);
        return;
    }
    mk_dir();
    char err[2048];
    ck_assert_int_eq(
        aktc("", "--cuda_out out --gpu-arch sm_80,sm_90", err, sizeof err), 0);
    ck_assert_str_eq(err, "");
    char k[300];
    snprintf(k, sizeof k, "%s/out/kernels", dir);
    /* per target: the precompiled entry, and this NVRTC's */
    ck_assert_int_eq(cubins(k), 4);
    akg_cache *c = NULL;
    ck_assert_int_eq(akg_cache_open(k, 0, &c, why, sizeof why), AKT_OK);
    size_t len = 0;
    const akt_gpu_module *m = gpudemo_scaler_gpu_type.module;
    char *src = akg_module_source(m->lines, m->nlines, &len);
    ck_assert_ptr_nonnull(src);
    static const char *const targets[] = { "sm_80", "sm_90", "sm_86" };
    for (int i = 0; i < 3; i++) {
        akg_blob b;
        akg_origin from;
        ck_assert_int_eq(akg_kernel_image(c, nv, src, len, m->name, targets[i],
                             false, &b, &from, why, sizeof why),
            AKT_OK);
        /* sm_80 and sm_90 from aktc; sm_86 compiled now */
        ck_assert_msg(from == (i < 2 ? AKG_FROM_PRECOMPILED : AKG_FROM_NVRTC),
            "%s: from %d", targets[i], (int)from);
        ck_assert(b.cubin && b.size > 4 && memcmp(b.data, "\177ELF", 4) == 0);
        akg_blob_free(&b);
    }
    ck_assert_int_eq(cubins(k), 5);
    /* without NVRTC: the precompiled images still, sm_86 not */
    for (int i = 0; i < 3; i++) {
        akg_blob b;
        akg_origin from;
        akt_err err = akg_kernel_image(c, NULL, src, len, m->name, targets[i],
            false, &b, &from, why, sizeof why);
        if (i < 2) {
            ck_assert_int_eq(err, AKT_OK);
            ck_assert_int_eq(from, AKG_FROM_PRECOMPILED);
            akg_blob_free(&b);
        } else {
            ck_assert_int_eq(err, AKT_ENOTSUP);
            ck_assert_msg(
                strstr(why, "no precompiled kernel for sm_86"), "%s", why);
        }
    }
    free(src);
    akg_cache_close(c);
    rm_dir();
}
END_TEST

int
main(void)
{
    unsetenv("AKT_NVRTC_LIB");
    Suite *s = suite_create("gpu_aot");
    TCase *tc = tcase_create("aot");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, without_nvrtc_aktc_says_so_and_writes_nothing);
    tcase_add_test(tc, bad_targets_are_usage_errors);
    tcase_add_test(tc, the_runtime_finds_what_aktc_compiled);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
