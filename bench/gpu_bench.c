/*
 * gpu_bench.c -- the GPU batch engine, measured (docs/gpu.md, "Numbers").
 *
 *   akt-gpu-bench [--smoke]
 *
 * JSON lines on stdout:
 *   {"bench":"gpu_batch","executor":"cpu"|"cuda","batch":N,...}
 *       messages per second of one batch of N messages of the trivial
 *       handler (Acc.Add) over min(N, 65,536) actors: the CPU batch loop on
 *       one core, and on a device one launch: one copy of the staging
 *       buffer in, the kernel, one copy of the statuses out, synchronised
 *   {"bench":"gpu_heavy",...}  65,536 messages of Heavy.Work (1,032 flops
 *       each) on one CPU core and in one launch; the speedup
 *   {"bench":"gpu_round_trip",...}  p50 / p99 of one ask (Acc.Ping) to an
 *       actor on the GPU dispatcher, one at a time (its executor: cuda
 *       where a device is usable, else the CPU batch executor;
 *       "persistent_max_batch":N > 0: through the persistent kernel,
 *       akt.gpu.persistent-max-batch = N, on a device only)
 * Without a usable device the cuda lines are left out and a
 * {"bench":"gpu_device","available":false,"why":...} line says why.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/akt.h"
#include "akt/gpu.h"
#include "gpu_bench.akt.gpu.h"
#include "gpu_impl.h"

static bool smoke;

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* one batch of n messages over a actors (n / a each, the rest to the
 * first ones), handler 0 of its type, in host memory */
typedef struct hbatch {
    uint32_t n, a;
    uint32_t *slot, *beg, *row;
    uint8_t *hid;
    int32_t *rc;
    float *f0; /* Add.v or Work.seed */
    int32_t *i1; /* Work.iters */
    void *states;
    akt_gpu_args args;
} hbatch;

static void
hbatch_make(hbatch *b, uint32_t n, uint32_t a, size_t state_size, int iters)
{
    memset(b, 0, sizeof *b);
    b->n = n;
    b->a = a;
    b->slot = malloc(a * sizeof *b->slot);
    b->beg = malloc((a + 1) * sizeof *b->beg);
    b->row = malloc(n * sizeof *b->row);
    b->hid = calloc(n, 1);
    b->rc = malloc(n * sizeof *b->rc);
    b->f0 = malloc(n * sizeof *b->f0);
    b->i1 = malloc(n * sizeof *b->i1);
    b->states = calloc(a, state_size);
    uint32_t per = n / a, extra = n % a, j = 0;
    for (uint32_t i = 0; i < a; i++) {
        b->slot[i] = i;
        b->beg[i] = j;
        j += per + (i < extra ? 1 : 0);
    }
    b->beg[a] = n;
    for (uint32_t k = 0; k < n; k++) {
        b->row[k] = k;
        b->f0[k] = (float)(k % 1000) / 1000.0f;
        b->i1[k] = iters;
    }
    akt_gpu_args *g = &b->args;
    g->n_actors = a;
    g->n_msgs = n;
    g->slot = b->slot;
    g->beg = b->beg;
    g->hid = b->hid;
    g->row = b->row;
    g->states = b->states;
    g->rc = b->rc;
    g->in[0] = b->f0;
    g->in[1] = b->i1;
}

static void
hbatch_free(hbatch *b)
{
    free(b->slot);
    free(b->beg);
    free(b->row);
    free(b->hid);
    free(b->rc);
    free(b->f0);
    free(b->i1);
    free(b->states);
}

/* seconds per run of fn over b, repeated for about 0.3 s (smoke: once) */
static double
time_cpu(void (*fn)(const akt_gpu_args *), hbatch *b)
{
    fn(&b->args); /* warm */
    int reps = 0;
    double t0 = now_s(), t;
    do {
        fn(&b->args);
        reps++;
        t = now_s() - t0;
    } while (!smoke && t < 0.3);
    return t / reps;
}

/* --- the device ------------------------------------------------------------
 */

typedef struct dev {
    akg_cuda *cu;
    akg_kernel *acc, *heavy;
    uint8_t *pin;
    akg_dptr stage, states;
    size_t cap;
} dev;

static bool
dev_open(dev *d, char *why, size_t len)
{
    memset(d, 0, sizeof *d);
    d->cu = akg_cuda_open(0, why, len);
    if (d->cu == NULL) {
        return false;
    }
    akg_nvrtc *nv = akg_nvrtc_get(why, len);
    if (nv == NULL) {
        return false;
    }
    const akt_gpu_module *m = &gpubench_gpu_bench_gpu_module;
    size_t n = 0;
    for (size_t i = 0; i < m->nlines; i++) {
        n += strlen(m->lines[i]);
    }
    char *src = malloc(n + 1);
    src[0] = '\0';
    for (size_t i = 0; i < m->nlines; i++) {
        strcat(src, m->lines[i]);
    }
    akg_blob blob;
    double t0 = now_s();
    akt_err err = akg_nvrtc_compile(
        nv, src, m->name, akg_cuda_arch(d->cu), NULL, 0, &blob, why, len);
    free(src);
    if (err != AKT_OK) {
        return false;
    }
    printf("{\"bench\":\"gpu_compile\",\"arch\":\"%s\",\"ms\":%.1f}\n",
        akg_cuda_arch(d->cu), (now_s() - t0) * 1e3);
    err = akg_cuda_load(
        d->cu, &blob, "gpubench_acc_gpu_kernel", &d->acc, why, len);
    if (err == AKT_OK) {
        err = akg_cuda_load(
            d->cu, &blob, "gpubench_heavy_gpu_kernel", &d->heavy, why, len);
    }
    akg_blob_free(&blob);
    d->cap = 64u << 20;
    if (err == AKT_OK) {
        err = akg_cuda_host_alloc(d->cu, d->cap, (void **)&d->pin);
    }
    if (err == AKT_OK) {
        err = akg_cuda_alloc(d->cu, d->cap, &d->stage);
    }
    if (err == AKT_OK) {
        err = akg_cuda_alloc(d->cu, 65536 * 64, &d->states);
    }
    if (err != AKT_OK) {
        snprintf(why, len, "%s", akg_cuda_error(d->cu));
        return false;
    }
    return true;
}

static size_t
al8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* seconds per launch of b on the device: one H2D of the staging block,
 * the kernel, one D2H of the statuses, synchronised */
static double
time_dev(dev *d, akg_kernel *k, hbatch *b, bool two_cols, double *rt_min)
{
    size_t off = al8(sizeof(akt_gpu_args));
    size_t o_slot = off;
    off = al8(off + b->a * 4);
    size_t o_beg = off;
    off = al8(off + (b->a + 1) * 4);
    size_t o_hid = off;
    off = al8(off + b->n);
    size_t o_row = off;
    off = al8(off + b->n * 4);
    size_t o_f0 = off;
    off = al8(off + b->n * 4);
    size_t o_i1 = off;
    off = al8(off + (two_cols ? b->n * 4 : 0));
    size_t h2d = off, o_rc = off;
    off = al8(off + b->n * 4);
    if (off > d->cap) {
        return -1;
    }
    akt_gpu_args a;
    memset(&a, 0, sizeof a);
    a.n_actors = b->a;
    a.n_msgs = b->n;
    a.slot = (const uint32_t *)(uintptr_t)(d->stage + o_slot);
    a.beg = (const uint32_t *)(uintptr_t)(d->stage + o_beg);
    a.hid = (const uint8_t *)(uintptr_t)(d->stage + o_hid);
    a.row = (const uint32_t *)(uintptr_t)(d->stage + o_row);
    a.states = (void *)(uintptr_t)d->states;
    a.rc = (int32_t *)(uintptr_t)(d->stage + o_rc);
    a.in[0] = (const void *)(uintptr_t)(d->stage + o_f0);
    a.in[1] = (const void *)(uintptr_t)(d->stage + o_i1);
    uint8_t *p = d->pin;
    memcpy(p, &a, sizeof a);
    memcpy(p + o_slot, b->slot, b->a * 4);
    memcpy(p + o_beg, b->beg, (b->a + 1) * 4);
    memcpy(p + o_hid, b->hid, b->n);
    memcpy(p + o_row, b->row, b->n * 4);
    memcpy(p + o_f0, b->f0, b->n * 4);
    if (two_cols) {
        memcpy(p + o_i1, b->i1, b->n * 4);
    }
    int reps = 0;
    double t0 = now_s(), t, best = 1e9;
    do {
        double s = now_s();
        if (akg_cuda_htod(d->cu, d->stage, p, h2d, true) != AKT_OK
            || akg_cuda_launch(d->cu, k, b->a, d->stage) != AKT_OK
            || akg_cuda_dtoh(d->cu, p + o_rc, d->stage + o_rc, b->n * 4, false)
                != AKT_OK) {
            fprintf(stderr, "gpu bench: %s\n", akg_cuda_error(d->cu));
            return -1;
        }
        double e = now_s() - s;
        best = e < best ? e : best;
        reps++;
        t = now_s() - t0;
    } while (reps < 3 || (!smoke && t < 0.3));
    if (rt_min) {
        *rt_min = best;
    }
    return t / reps;
}

/* --- the round trip through the dispatcher ---------------------------------
 */

static int
cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void
round_trip(const char *executor, int persistent)
{
    char pm[16];
    snprintf(pm, sizeof pm, "%d", persistent);
    setenv("AKT_akt__gpu__executor", executor, 1);
    setenv("AKT_akt__gpu__persistent_max_batch", pm, 1);
    akt_system *sys;
    if (akt_system_create("gpubench", NULL, &sys) != AKT_OK) {
        return;
    }
    akt_props props;
    gpubench_acc_gpu_props(NULL, AKT_PLACEMENT_GPU, &props);
    akt_ref r;
    if (akt_spawn(sys, &props, NULL, &r) != AKT_OK) {
        akt_system_free(sys);
        return;
    }
    int n = smoke ? 50 : 5000;
    double *lat = malloc((size_t)n * sizeof *lat);
    for (int i = -20; i < n; i++) { /* 20 to warm up */
        gpubench_Pong *pong = NULL;
        double s = now_s();
        akt_err err = gpubench_acc_call_ping(gpubench_acc_ref(r),
            gpubench_ping_new(i), INT64_C(10000000000), &pong, NULL);
        double e = now_s() - s;
        if (err != AKT_OK) {
            fprintf(stderr, "gpu bench: ping: %s\n", akt_err_name(err));
            break;
        }
        akt_msg_free(pong);
        if (i >= 0) {
            lat[i] = e;
        }
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp_d);
    akt_gpu_stats st;
    akt_gpu_stats_get(sys, &st);
    printf("{\"bench\":\"gpu_round_trip\",\"executor\":\"%s\","
           "\"persistent_max_batch\":%d,\"asks\":%d,\"p50_us\":%.2f,"
           "\"p99_us\":%.2f,\"describe\":\"%s\"}\n",
        executor, persistent, n, lat[n / 2] * 1e6, lat[(n * 99) / 100] * 1e6,
        st.executor);
    free(lat);
    akt_system_free(sys);
}

/* AKT_GPU_BENCH_SOFT_CUDA=<tests/gpu's software driver>: a dry run of the
 * device paths (gpu/scripts/gpu-check.sh --dry-run, with AKT_NVRTC_LIB
 * the software NVRTC): its "kernels" are the CPU batch loops, registered
 * here, so the cuda lines it prints are not a GPU's times */
static void
soft_acc(const void *a)
{
    gpubench_acc_gpu_cpu((const akt_gpu_args *)a);
}

static void
soft_heavy(const void *a)
{
    gpubench_heavy_gpu_cpu((const akt_gpu_args *)a);
}

static void
soft_setup(const char *path)
{
    setenv("AKT_CUDA_LIB", path, 1);
    setenv("AKT_KERNEL_CACHE", "off", 1);
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    void *f = lib ? dlsym(lib, "akt_soft_cuda_kernel") : NULL;
    if (f == NULL) {
        fprintf(
            stderr, "akt-gpu-bench: software driver %s: %s\n", path, dlerror());
        exit(1);
    }
    void (*reg)(const char *, void (*)(const void *));
    memcpy(&reg, &f, sizeof f);
    reg("gpubench_acc_gpu_kernel", soft_acc);
    reg("gpubench_heavy_gpu_kernel", soft_heavy);
    printf("{\"bench\":\"gpu_device\",\"software_driver\":true,\"note\":"
           "\"a dry run: the cuda lines are the CPU batch loop's, not a "
           "GPU's\"}\n");
}

int
main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            smoke = true;
        } else {
            fprintf(stderr, "usage: akt-gpu-bench [--smoke]\n");
            return 2;
        }
    }
    if (getenv("AKT_GPU_LIB") == NULL) {
        setenv("AKT_GPU_LIB", AKT_BENCH_GPU_LIB, 1);
    }
    const char *soft = getenv("AKT_GPU_BENCH_SOFT_CUDA");
    if (soft && *soft) {
        soft_setup(soft);
    }
    static const uint32_t sizes[] = { 1, 1024, 16384, 262144 };
    char why[1024] = "";
    dev d;
    bool have = dev_open(&d, why, sizeof why);
    if (!have) {
        printf("{\"bench\":\"gpu_device\",\"available\":false,\"why\":\"");
        for (const char *c = why; *c; c++) {
            if (*c == '"' || *c == '\\') {
                putchar('\\');
            }
            putchar(*c >= 0x20 ? *c : ' ');
        }
        printf("\"}\n");
    }
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t n = sizes[s], a = n < 65536 ? n : 65536;
        hbatch b;
        hbatch_make(&b, n, a, sizeof(gpubench_AccGpuState), 0);
        double t = time_cpu(gpubench_acc_gpu_cpu, &b);
        printf("{\"bench\":\"gpu_batch\",\"executor\":\"cpu\",\"batch\":%u,"
               "\"actors\":%u,\"us_per_batch\":%.2f,\"msgs_per_s\":%.0f}\n",
            n, a, t * 1e6, n / t);
        if (have) {
            double best = 0;
            double g = time_dev(&d, d.acc, &b, false, &best);
            if (g > 0) {
                printf("{\"bench\":\"gpu_batch\",\"executor\":\"cuda\","
                       "\"batch\":%u,\"actors\":%u,\"us_per_batch\":%.2f,"
                       "\"min_us\":%.2f,\"msgs_per_s\":%.0f}\n",
                    n, a, g * 1e6, best * 1e6, n / g);
            }
        }
        hbatch_free(&b);
    }
    {
        uint32_t n = smoke ? 1024 : 65536;
        int iters = 172;
        hbatch b;
        hbatch_make(&b, n, n, sizeof(gpubench_HeavyGpuState), iters);
        for (uint32_t i = 0; i < n; i++) {
            gpubench_HeavyGpuState *st = (gpubench_HeavyGpuState *)b.states + i;
            st->x = 1.0f;
            st->y = 0.5f;
        }
        double t = time_cpu(gpubench_heavy_gpu_cpu, &b);
        double g = have ? time_dev(&d, d.heavy, &b, true, NULL) : -1;
        char gpu[64] = "null", speed[64] = "null";
        if (g > 0) {
            snprintf(gpu, sizeof gpu, "%.0f", n / g);
            snprintf(speed, sizeof speed, "%.1f", t / g);
        }
        printf("{\"bench\":\"gpu_heavy\",\"flops_per_msg\":%d,\"messages\":%u,"
               "\"cpu_one_core_msgs_per_s\":%.0f,\"cuda_msgs_per_s\":%s,"
               "\"speedup\":%s}\n",
            iters * 6, n, n / t, gpu, speed);
        hbatch_free(&b);
    }
    round_trip("cpu", 0);
    if (have) {
        round_trip("cuda", 0);
        round_trip("cuda", 1024); /* never measured yet */
    }
    return 0;
}
