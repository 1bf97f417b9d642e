/*
 * cache_test.c -- the kernel cache (gpu/src/cache.c): the key changes with
 * the source, an option, the target, NVRTC's version and the driver's,
 * and not with the order of the options; an entry reads back and its use
 * is recorded (mtime); a damaged entry (a flipped byte, a wrong size, a
 * wrong magic, a meta for another key) is detected, deleted and can be
 * written again; folders are mode 0700 and a cache owned by nobody else
 * opens; "off" means none; the LRU cap removes the least recently used
 * entries; 8 processes writing and reading the same keys at once never see
 * a torn or invalid file. With NVRTC, a compiled CUBIN goes through it
 * unchanged. No GPU needed.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gpu_impl.h"

static char dir[256];

static void
setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/akt-cache-test-%ld-XXXXXX", (long)getpid());
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
rm_rf(const char *p)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    ck_assert_int_eq(system(cmd), 0);
}

static void
teardown(void)
{
    rm_rf(dir);
}

/* a fake CUBIN of n bytes whose content depends on seed */
static akg_blob
fake(size_t n, unsigned seed)
{
    akg_blob b = { 0 };
    b.data = malloc(n);
    b.size = n;
    b.cubin = true;
    memcpy(b.data, "\177ELF", 4);
    for (size_t i = 4; i < n; i++) {
        b.data[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
    }
    b.log = strdup("");
    return b;
}

static void
key_of(const char *src, const char *target, char key[65])
{
    const char *opts[]
        = { "--gpu-architecture=sm_90", "-fmad=false", "-std=c++17" };
    akg_cache_key(src, strlen(src), opts, 3, "13.0", target, 0, key);
}

/* Each input of the key changes it; the order of the options does not. */
START_TEST(the_key_covers_source_options_target_and_versions)
{
    const char *o1[]
        = { "-fmad=false", "-std=c++17", "--gpu-architecture=sm_90" };
    const char *o2[]
        = { "-std=c++17", "--gpu-architecture=sm_90", "-fmad=false" };
    const char *o3[]
        = { "-std=c++17", "--gpu-architecture=sm_90", "-lineinfo" };
    char a[65], b[65];
    akg_cache_key("src", 3, o1, 3, "13.0", "sm_90", 0, a);
    akg_cache_key("src", 3, o2, 3, "13.0", "sm_90", 0, b);
    ck_assert_str_eq(a, b);
    akg_cache_key("srd", 3, o1, 3, "13.0", "sm_90", 0, b);
    ck_assert_str_ne(a, b);
    akg_cache_key("src", 3, o3, 3, "13.0", "sm_90", 0, b);
    ck_assert_str_ne(a, b);
    akg_cache_key("src", 3, o1, 2, "13.0", "sm_90", 0, b);
    ck_assert_str_ne(a, b);
    akg_cache_key("src", 3, o1, 3, "12.8", "sm_90", 0, b);
    ck_assert_str_ne(a, b);
    akg_cache_key("src", 3, o1, 3, "13.0", "sm_80", 0, b);
    ck_assert_str_ne(a, b);
    akg_cache_key("src", 3, o1, 3, "13.0", "sm_90", 13000, b);
    ck_assert_str_ne(a, b);
    ck_assert_uint_eq(strlen(a), 64);
}
END_TEST

/* put, then get: the same bytes and log; the folders are 0700; a get
 * touches the blob's mtime */
START_TEST(an_entry_reads_back_and_its_use_is_recorded)
{
    char why[512];
    akg_cache *c;
    ck_assert_int_eq(akg_cache_open(dir, 0, &c, why, sizeof why), AKT_OK);
    struct stat st;
    ck_assert_int_eq(stat(akg_cache_dir(c), &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    char key[65];
    key_of("kernel", "sm_90", key);
    akg_blob b = fake(5000, 1), got;
    ck_assert_int_eq(akg_cache_get(c, key, true, &got), AKT_ENOENT);
    ck_assert_int_eq(akg_cache_put(c, key, &b, "the log line\n"), AKT_OK);
    char path[600];
    snprintf(path, sizeof path, "%s/%.2s/%s.cubin", akg_cache_dir(c), key, key);
    struct timespec old[2] = { { 1000000, 0 }, { 1000000, 0 } };
    ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
    ck_assert_int_eq(akg_cache_get(c, key, true, &got), AKT_OK);
    ck_assert_uint_eq(got.size, b.size);
    ck_assert(memcmp(got.data, b.data, b.size) == 0);
    ck_assert_ptr_nonnull(strstr(got.log, "the log line"));
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(st.st_mtime > 1000000);
    snprintf(path, sizeof path, "%s/%.2s", akg_cache_dir(c), key);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    akg_blob_free(&got);
    akg_blob_free(&b);
    akg_cache_close(c);
}
END_TEST

/* damage one part of an entry, expect it detected (AKT_EPROTO), deleted
 * (then AKT_ENOENT) and written again */
static void
damage_case(void (*damage)(const char *blob, const char *meta))
{
    char why[512];
    akg_cache *c;
    ck_assert_int_eq(akg_cache_open(dir, 0, &c, why, sizeof why), AKT_OK);
    char key[65];
    key_of("damaged", "sm_90", key);
    akg_blob b = fake(3000, 2), got;
    ck_assert_int_eq(akg_cache_put(c, key, &b, ""), AKT_OK);
    char bp[600], mp[600];
    snprintf(bp, sizeof bp, "%s/%.2s/%s.cubin", akg_cache_dir(c), key, key);
    snprintf(mp, sizeof mp, "%s/%.2s/%s.meta", akg_cache_dir(c), key, key);
    damage(bp, mp);
    ck_assert_int_eq(akg_cache_get(c, key, true, &got), AKT_EPROTO);
    ck_assert_int_eq(access(bp, F_OK), -1);
    ck_assert_int_eq(access(mp, F_OK), -1);
    ck_assert_int_eq(akg_cache_get(c, key, true, &got), AKT_ENOENT);
    ck_assert_int_eq(akg_cache_put(c, key, &b, ""), AKT_OK);
    ck_assert_int_eq(akg_cache_get(c, key, true, &got), AKT_OK);
    ck_assert(memcmp(got.data, b.data, b.size) == 0);
    akg_blob_free(&got);
    akg_blob_free(&b);
    akg_cache_close(c);
}

static void
flip_byte(const char *blob, const char *meta)
{
    (void)meta;
    FILE *fp = fopen(blob, "r+b");
    fseek(fp, 1500, SEEK_SET);
    int ch = fgetc(fp);
    fseek(fp, 1500, SEEK_SET);
    fputc(ch ^ 0x40, fp);
    fclose(fp);
}

static void
truncate_blob(const char *blob, const char *meta)
{
    (void)meta;
    ck_assert_int_eq(truncate(blob, 2999), 0);
}

static void
bad_magic(const char *blob, const char *meta)
{
    (void)meta;
    FILE *fp = fopen(blob, "r+b");
    fputc('X', fp);
    fclose(fp);
}

static void
garbage_meta(const char *blob, const char *meta)
{
    (void)blob;
    FILE *fp = fopen(meta, "wb");
    fputs("not a cache entry\n", fp);
    fclose(fp);
}

START_TEST(a_flipped_byte_is_detected_and_rebuilt)
{
    damage_case(flip_byte);
}
END_TEST

START_TEST(a_truncated_blob_is_detected_and_rebuilt)
{
    damage_case(truncate_blob);
}
END_TEST

START_TEST(a_blob_that_is_no_elf_image_is_detected_and_rebuilt)
{
    damage_case(bad_magic);
}
END_TEST

START_TEST(a_garbled_meta_is_detected_and_rebuilt)
{
    damage_case(garbage_meta);
}
END_TEST

/* AKT_KERNEL_CACHE=off: no cache; a cache dir of wide mode is tightened */
START_TEST(off_means_no_cache_and_the_root_is_made_private)
{
    char why[512];
    akg_cache *c = (akg_cache *)1;
    setenv("AKT_KERNEL_CACHE", "off", 1);
    ck_assert_int_eq(akg_cache_open(NULL, 0, &c, why, sizeof why), AKT_OK);
    ck_assert_ptr_null(c);
    char sub[400];
    snprintf(sub, sizeof sub, "%s/wide", dir);
    ck_assert_int_eq(mkdir(sub, 0777), 0);
    ck_assert_int_eq(chmod(sub, 0777), 0);
    setenv("AKT_KERNEL_CACHE", sub, 1);
    ck_assert_int_eq(akg_cache_open(NULL, 0, &c, why, sizeof why), AKT_OK);
    struct stat st;
    ck_assert_int_eq(stat(sub, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    akg_cache_close(c);
}
END_TEST

/* The cap: 10 entries of 2,000 bytes into a 12,000-byte cache keep the
 * most recently used ones; reading an old entry saves it. */
START_TEST(the_cap_removes_the_least_recently_used_entries)
{
    char why[512];
    akg_cache *c;
    ck_assert_int_eq(akg_cache_open(dir, 12000, &c, why, sizeof why), AKT_OK);
    char keys[10][65];
    for (int i = 0; i < 10; i++) {
        char src[32];
        snprintf(src, sizeof src, "kernel %d", i);
        key_of(src, "sm_90", keys[i]);
        akg_blob b = fake(2000, (unsigned)i);
        ck_assert_int_eq(akg_cache_put(c, keys[i], &b, ""), AKT_OK);
        akg_blob_free(&b);
        /* distinct mtimes, oldest first: set them */
        char bp[600];
        snprintf(bp, sizeof bp, "%s/%.2s/%s.cubin", akg_cache_dir(c), keys[i],
            keys[i]);
        struct timespec t[2] = { { 2000000 + i, 0 }, { 2000000 + i, 0 } };
        utimensat(AT_FDCWD, bp, t, 0);
        if (i == 3) {
            /* entry 0 is read now: it becomes the most recent */
            akg_blob got;
            ck_assert_int_eq(akg_cache_get(c, keys[0], true, &got), AKT_OK);
            akg_blob_free(&got);
        }
    }
    int present = 0;
    for (int i = 0; i < 10; i++) {
        akg_blob got;
        akt_err err = akg_cache_get(c, keys[i], true, &got);
        if (err == AKT_OK) {
            present++;
            akg_blob_free(&got);
        } else {
            ck_assert_int_eq(err, AKT_ENOENT);
        }
    }
    ck_assert_int_le(present, 6); /* 2,000 + ~250 meta each, 12,000 cap */
    ck_assert_int_ge(present, 4);
    akg_blob got;
    ck_assert_int_eq(akg_cache_get(c, keys[0], true, &got), AKT_OK);
    akg_blob_free(&got);
    ck_assert_int_eq(akg_cache_get(c, keys[9], true, &got), AKT_OK);
    akg_blob_free(&got);
    ck_assert_int_eq(akg_cache_get(c, keys[1], true, &got), AKT_ENOENT);
    akg_cache_close(c);
}
END_TEST

/* 8 processes, each 150 rounds of put and get over 4 shared keys (64 KiB
 * blobs whose content the key decides): every get that succeeds returns
 * exactly that content, none finds a damaged entry, no temporary file is
 * left behind. */
START_TEST(eight_processes_never_see_a_torn_file)
{
    char keys[4][65];
    for (int k = 0; k < 4; k++) {
        char src[16];
        snprintf(src, sizeof src, "shared %d", k);
        key_of(src, "sm_90", keys[k]);
    }
    pid_t kids[8];
    for (int p = 0; p < 8; p++) {
        kids[p] = fork();
        ck_assert_int_ge(kids[p], 0);
        if (kids[p] == 0) {
            char why[512];
            akg_cache *c;
            if (akg_cache_open(dir, 0, &c, why, sizeof why) != AKT_OK) {
                _exit(2);
            }
            srand((unsigned)getpid());
            int bad = 0, hits = 0;
            for (int r = 0; r < 150; r++) {
                int k = rand() % 4;
                akg_blob want = fake(65536, (unsigned)k);
                if (rand() % 3 == 0
                    && akg_cache_put(c, keys[k], &want, "") != AKT_OK) {
                    bad++;
                }
                akg_blob got;
                akt_err err = akg_cache_get(c, keys[k], true, &got);
                if (err == AKT_OK) {
                    hits++;
                    if (got.size != want.size
                        || memcmp(got.data, want.data, want.size) != 0) {
                        bad++;
                    }
                    akg_blob_free(&got);
                } else if (err != AKT_ENOENT) {
                    bad++; /* EPROTO: a torn or invalid entry */
                }
                akg_blob_free(&want);
            }
            akg_cache_close(c);
            _exit(bad ? 1 : (hits ? 0 : 3));
        }
    }
    for (int p = 0; p < 8; p++) {
        int status;
        ck_assert_int_eq(waitpid(kids[p], &status, 0), kids[p]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
            "process %d: status %d", p, status);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "find '%s' -name '*.tmp.*' | grep -q .", dir);
    ck_assert_int_ne(system(cmd), 0);
}
END_TEST

/* With NVRTC: a compiled CUBIN through the cache comes back byte for
 * byte (skipped, printed, without libnvrtc). */
START_TEST(a_compiled_kernel_goes_through_unchanged)
{
    char why[4096];
    akg_nvrtc *nv = akg_nvrtc_get(why, sizeof why);
    if (nv == NULL) {
        printf("skipped: %s\n", why);
        return;
    }
    const char *src = "extern \"C\" __global__ void k(int *p) { *p = 7; }\n";
    akg_blob b, got;
    ck_assert_int_eq(akg_nvrtc_compile(nv, src, "k.cu", "sm_90", NULL, 0, &b,
                         why, sizeof why),
        AKT_OK);
    akg_cache *c;
    ck_assert_int_eq(akg_cache_open(dir, 0, &c, why, sizeof why), AKT_OK);
    const char *opts[AKG_NVRTC_MAX_OPTS];
    size_t nopts;
    ck_assert_int_eq(
        akg_nvrtc_options("sm_90", NULL, 0, opts, &nopts, why, sizeof why),
        AKT_OK);
    char key[65];
    akg_cache_key(
        src, strlen(src), opts, nopts, akg_nvrtc_version(nv), "sm_90", 0, key);
    ck_assert_int_eq(akg_cache_put(c, key, &b, b.log), AKT_OK);
    ck_assert_int_eq(akg_cache_get(c, key, true, &got), AKT_OK);
    ck_assert_uint_eq(got.size, b.size);
    ck_assert(memcmp(got.data, b.data, b.size) == 0);
    akg_blob_free(&b);
    akg_blob_free(&got);
    akg_cache_close(c);
}
END_TEST

/* The option builder: -fmad=false always; options that change float
 * results are refused, by name, with no NVRTC needed. */
START_TEST(fast_math_options_are_refused)
{
    const char *opts[AKG_NVRTC_MAX_OPTS];
    size_t n;
    char why[256];
    ck_assert_int_eq(
        akg_nvrtc_options("compute_80", NULL, 0, opts, &n, why, sizeof why),
        AKT_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_str_eq(opts[0], "--gpu-architecture=compute_80");
    ck_assert_str_eq(opts[1], "-fmad=false");
    static const char *const bad[] = { "-use_fast_math", "--use_fast_math",
        "-ftz=true", "-prec-div=false", "-prec-sqrt=false", "-fmad=true" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(
            akg_nvrtc_options("sm_90", &bad[i], 1, opts, &n, why, sizeof why),
            AKT_EINVAL);
        ck_assert_ptr_nonnull(strstr(why, bad[i]));
        ck_assert_ptr_nonnull(strstr(why, "refused"));
    }
    const char *arch[] = { "--gpu-architecture=sm_70" };
    ck_assert_int_eq(
        akg_nvrtc_options("sm_90", arch, 1, opts, &n, why, sizeof why),
        AKT_EINVAL);
    ck_assert_int_eq(
        akg_nvrtc_options("gfx90a", NULL, 0, opts, &n, why, sizeof why),
        AKT_EINVAL);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("gpu_cache");
    TCase *tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, the_key_covers_source_options_target_and_versions);
    tcase_add_test(tc, an_entry_reads_back_and_its_use_is_recorded);
    tcase_add_test(tc, a_flipped_byte_is_detected_and_rebuilt);
    tcase_add_test(tc, a_truncated_blob_is_detected_and_rebuilt);
    tcase_add_test(tc, a_blob_that_is_no_elf_image_is_detected_and_rebuilt);
    tcase_add_test(tc, a_garbled_meta_is_detected_and_rebuilt);
    tcase_add_test(tc, off_means_no_cache_and_the_root_is_made_private);
    tcase_add_test(tc, the_cap_removes_the_least_recently_used_entries);
    tcase_add_test(tc, eight_processes_never_see_a_torn_file);
    tcase_add_test(tc, a_compiled_kernel_goes_through_unchanged);
    tcase_add_test(tc, fast_math_options_are_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
