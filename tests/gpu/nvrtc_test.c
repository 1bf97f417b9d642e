/*
 * nvrtc_test.c -- every kernel aktc generates compiles with NVRTC under
 * the runtime's exact options (gpu/src/nvrtc.c): PTX for compute_80 and
 * compute_90, CUBIN for sm_80 and sm_90, with an empty log, and ptxas
 * reports no spills and at most AKT_REG_BUDGET registers per thread. The
 * headers are the golden outputs of aktc --cuda_out (tests/aktc/gpu/
 * expected, kept equal to aktc's output by aktc_cuda_golden) and those the
 * build generates for examples (argv). Needs no GPU; skipped (77) with the
 * reason printed where libnvrtc does not load.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_impl.h"

#define AKT_REG_BUDGET 64

static char *headers[64];
static int nheaders;

static char *
slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    rewind(fp);
    char *s = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    return s;
}

/* the names of the kernels in a generated header ("extern C __global__
 * void\n<name>(") */
static int
kernels_of(const char *src, char names[][128], int max)
{
    int n = 0;
    const char *p = src;
    while ((p = strstr(p, "__global__ void\n")) != NULL && n < max) {
        p += strlen("__global__ void\n");
        const char *e = strchr(p, '(');
        int l = (int)(e - p) < 127 ? (int)(e - p) : 127;
        memcpy(names[n], p, (size_t)l);
        names[n++][l] = '\0';
    }
    return n;
}

/* The runtime's options: every golden kernel to PTX and CUBIN with an
 * empty log; the PTX has an entry for each kernel, the CUBIN is an ELF
 * image. */
START_TEST(every_generated_kernel_compiles_with_an_empty_log)
{
    char why[4096];
    akg_nvrtc *nv = akg_nvrtc_get(why, sizeof why);
    ck_assert_msg(nv != NULL, "%s", why);
    static const char *const targets[]
        = { "compute_80", "compute_90", "sm_80", "sm_90" };
    int compiled = 0;
    for (int h = 0; h < nheaders; h++) {
        char *src = slurp(headers[h]);
        char names[16][128] = { { 0 } };
        int nk = kernels_of(src, names, 16);
        ck_assert_msg(nk > 0, "%s has no kernel", headers[h]);
        for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
            akg_blob b;
            akt_err err = akg_nvrtc_compile(
                nv, src, headers[h], targets[t], NULL, 0, &b, why, sizeof why);
            ck_assert_msg(
                err == AKT_OK, "%s for %s: %s", headers[h], targets[t], why);
            ck_assert_msg(b.log[0] == '\0', "%s for %s: log not empty:\n%s",
                headers[h], targets[t], b.log);
            if (b.cubin) {
                ck_assert(b.size > 4 && memcmp(b.data, "\177ELF", 4) == 0);
            } else {
                for (int k = 0; k < nk; k++) {
                    char entry[2100];
                    snprintf(entry, sizeof entry, ".entry %s(", names[k]);
                    ck_assert_msg(strstr((const char *)b.data, entry),
                        "%s: no %s in the PTX", headers[h], entry);
                }
            }
            akg_blob_free(&b);
            compiled++;
        }
        free(src);
    }
    printf("nvrtc %s: %d compilations, %d headers\n", akg_nvrtc_version(nv),
        compiled, nheaders);
}
END_TEST

/* ptxas's report (-Xptxas=-v) for sm_80 and sm_90: no spill stores or
 * loads and at most AKT_REG_BUDGET registers in any kernel. */
START_TEST(generated_kernels_do_not_spill)
{
    char why[4096];
    akg_nvrtc *nv = akg_nvrtc_get(why, sizeof why);
    ck_assert_msg(nv != NULL, "%s", why);
    const char *verbose[] = { "-Xptxas=-v" };
    static const char *const targets[] = { "sm_80", "sm_90" };
    for (int h = 0; h < nheaders; h++) {
        char *src = slurp(headers[h]);
        for (int t = 0; t < 2; t++) {
            akg_blob b;
            akt_err err = akg_nvrtc_compile(nv, src, headers[h], targets[t],
                verbose, 1, &b, why, sizeof why);
            ck_assert_msg(err == AKT_OK, "%s", why);
            int functions = 0;
            for (const char *p = b.log; (p = strstr(p, "spill stores")) != NULL;
                 p++) {
                const char *line = p;
                while (line > b.log && line[-1] != '\n') {
                    line--;
                }
                unsigned st = 1, ld = 1;
                const char *q = strstr(line, "stack frame, ");
                ck_assert(q != NULL);
                ck_assert_int_eq(sscanf(q,
                                     "stack frame, %u bytes spill stores, %u "
                                     "bytes spill loads",
                                     &st, &ld),
                    2);
                ck_assert_msg(st == 0 && ld == 0, "%s %s spills: %.*s",
                    headers[h], targets[t], 120, line);
                functions++;
            }
            ck_assert_msg(functions > 0, "no ptxas report:\n%s", b.log);
            for (const char *p = b.log; (p = strstr(p, "Used ")) != NULL; p++) {
                unsigned regs = 0;
                ck_assert_int_eq(sscanf(p, "Used %u registers", &regs), 1);
                ck_assert_msg(regs <= AKT_REG_BUDGET, "%s %s: %u registers",
                    headers[h], targets[t], regs);
            }
            akg_blob_free(&b);
        }
        free(src);
    }
}
END_TEST

/* A source that does not compile gives AKT_ESYNTAX and NVRTC's log. */
START_TEST(a_broken_source_reports_the_log)
{
    char why[4096];
    akg_nvrtc *nv = akg_nvrtc_get(why, sizeof why);
    ck_assert_msg(nv != NULL, "%s", why);
    akg_blob b;
    akt_err err
        = akg_nvrtc_compile(nv, "extern \"C\" __global__ void k() { x; }",
            "broken.cu", "sm_90", NULL, 0, &b, why, sizeof why);
    ck_assert_int_eq(err, AKT_ESYNTAX);
    ck_assert_msg(
        strstr(why, "broken.cu") && strstr(why, "identifier \"x\""), "%s", why);
}
END_TEST

static void
add_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "cannot open %s\n", dir);
        exit(1);
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL && nheaders < 64) {
        size_t n = strlen(e->d_name);
        if (n > 6 && strcmp(e->d_name + n - 6, ".gpu.h") == 0) {
            char *p = malloc(strlen(dir) + n + 2);
            sprintf(p, "%s/%s", dir, e->d_name);
            headers[nheaders++] = p;
        }
    }
    closedir(d);
}

int
main(int argc, char **argv)
{
    char why[512];
    if (akg_nvrtc_get(why, sizeof why) == NULL) {
        printf("SKIP: NVRTC does not load here: %s\n", why);
        return 77;
    }
    add_dir(AKT_GPU_GOLDEN_DIR);
    for (int i = 1; i < argc && nheaders < 64; i++) {
        headers[nheaders++] = argv[i];
    }
    Suite *s = suite_create("gpu_nvrtc");
    TCase *tc = tcase_create("compile");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, every_generated_kernel_compiles_with_an_empty_log);
    tcase_add_test(tc, generated_kernels_do_not_spill);
    tcase_add_test(tc, a_broken_source_reports_the_log);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
