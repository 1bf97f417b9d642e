/*
 * soft_cuda.c -- a software stand-in for libcuda.so.1, for the tests of
 * the GPU dispatcher's CUDA executor on machines without a GPU
 * (tests/gpu/CMakeLists.txt: gpu_soft_*). It implements the driver calls
 * libakt-gpu makes (gpu/src/cuda.c) on host memory:
 *
 *   - device and pinned memory are malloc'ed host memory;
 *   - a stream is a queue run lazily: nothing is done at enqueue (an
 *     H2D copy from memory that is not pinned reads its source then, as
 *     the driver does), the queue runs up to an event when the event is
 *     queried, or all of it at cuStreamSynchronize -- so a host that read
 *     results before waiting, or rewrote pinned input still queued, gets
 *     wrong results, as on a device;
 *   - a kernel is the CPU batch loop registered under the kernel's name
 *     (akt_soft_cuda_kernel), called with the args pointer;
 *   - stream capture records copies and launches into a graph; a graph
 *     launch queues them again (reading pinned memory when run);
 *   - a module image must start with the ELF magic, and soft_nvrtc.c's
 *     refused image (AKT_SOFT_NVRTC_REFUSED_IMAGE) is CUDA_ERROR_INVALID_
 *     IMAGE, as a device refuses a CUBIN for another architecture;
 *   - AKT_SOFT_CUDA_FAULT_AT=n: the n-th kernel run fails with
 *     CUDA_ERROR_ILLEGAL_ADDRESS (700), and every call after it (sticky,
 *     as a poisoned context); AKT_SOFT_CUDA_HANG_AT=n: the n-th kernel
 *     never completes (events after it stay not ready);
 *     AKT_SOFT_CUDA_HANG_DTOD=n: the n-th device-to-device copy never
 *     completes. A hung stream is a hung device: cuStreamSynchronize
 *     never returns (the runtime must wait with a deadline instead);
 *   - a persistent kernel ("<name>_persistent", akt.gpu.persistent-max-
 *     batch) runs at once on a thread of its own (not in the stream's
 *     queue) over mapped memory (cuMemHostAlloc: host memory, its device
 *     address the same pointer): it polls the doorbell's seq (acquire),
 *     runs the registered batch loop on the args it names, then writes
 *     ack (release); a request counts as a kernel run for the two
 *     injections above (hung: never acknowledged; faulted: the thread
 *     ends, cuStreamQuery gives the sticky error). The context's release
 *     ends and joins these threads.
 *
 * It is a test of the host side (staging layout, double buffering, graph
 * bookkeeping, deadlines, fault handling), not of CUDA: the kernels run as
 * the CPU batch loop.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

typedef int cu_result;
typedef void (*soft_kernel)(const void *args);

enum {
    OK = 0,
    INVALID_VALUE = 1,
    OUT_OF_MEMORY = 2,
    NOT_FOUND = 500,
    NOT_READY = 600,
    ILLEGAL_ADDRESS = 700,
    INVALID_IMAGE = 200,
};

typedef struct op {
    enum { OP_COPY, OP_KERNEL, OP_EVENT } kind;
    void *dst;
    const void *src;
    size_t n;
    void *own; /* a snapshot of a pageable source */
    soft_kernel fn;
    const void *args;
    struct soft_event *ev;
    bool dtod; /* a device-to-device copy */
} op;

typedef struct soft_event {
    uint64_t pos; /* its record's position in the stream */
    bool recorded;
} soft_event;

typedef struct soft_graph {
    op *ops;
    size_t n;
} soft_graph;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static op *q;
static size_t qcap;
static uint64_t qhead, qtail; /* ops [qhead, qtail) queued */
static bool capturing;
static soft_graph *capture;
static cu_result sticky;
static bool hung;
static uint64_t kernels_run, captures, graph_launches, events_outstanding,
    max_outstanding;
static long fault_at, hang_at, hang_dtod;
static uint64_t dtod_run;
static pthread_cond_t never = PTHREAD_COND_INITIALIZER;

/* Every block the soft driver hands out stays on one list until it is
 * freed: the runtime does not free device memory, events, modules or
 * graphs of a context it gave up (a poisoned one), and LeakSanitizer must
 * not take that for a leak. */
typedef struct blk {
    struct blk *prev, *next;
    max_align_t align[];
} blk;
static blk blocks = { &blocks, &blocks };

static void *
soft_alloc(size_t n)
{
    blk *b = calloc(1, sizeof *b + (n ? n : 1));
    if (b == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&mu);
    b->next = blocks.next;
    b->prev = &blocks;
    blocks.next->prev = b;
    blocks.next = b;
    pthread_mutex_unlock(&mu);
    return b->align;
}

static void
soft_free(void *p)
{
    if (p == NULL) {
        return;
    }
    blk *b = (blk *)((char *)p - offsetof(blk, align));
    pthread_mutex_lock(&mu);
    b->prev->next = b->next;
    b->next->prev = b->prev;
    pthread_mutex_unlock(&mu);
    free(b);
}

/* pinned ranges */
typedef struct pin {
    void *p;
    size_t n;
} pin;
static pin *pins;
static size_t npins, cappins;

typedef struct soft_function {
    char name[128];
    soft_kernel fn;
} soft_function;

static soft_function reg[64], preg[64]; /* preg: their persistent forms */
static int nreg;

/* the doorbell (templates/cuda/gpu.h.tmpl: akt_gpu_doorbell) */
typedef struct soft_door {
    uint32_t seq;
    uint32_t stop;
    uint64_t args;
    uint32_t ack;
    uint32_t pad_;
} soft_door;

static pthread_t residents[64];
static int nresidents, residents_running;
static int quit_residents; /* __atomic */

EXPORT void
akt_soft_cuda_kernel(const char *name, soft_kernel fn)
{
    pthread_mutex_lock(&mu);
    for (int i = 0; i < nreg; i++) {
        if (strcmp(reg[i].name, name) == 0) {
            reg[i].fn = fn;
            pthread_mutex_unlock(&mu);
            return;
        }
    }
    if (nreg < 64) {
        snprintf(reg[nreg].name, sizeof reg[nreg].name, "%s", name);
        snprintf(
            preg[nreg].name, sizeof preg[nreg].name, "%s_persistent", name);
        preg[nreg].fn = fn;
        reg[nreg++].fn = fn;
    }
    pthread_mutex_unlock(&mu);
}

/* what the tests read: kernels run, graphs captured and launched, the
 * most batches (events) recorded and not yet waited for at once */
EXPORT void
akt_soft_cuda_stats(uint64_t *kernels, uint64_t *caps, uint64_t *launches,
    uint64_t *outstanding)
{
    pthread_mutex_lock(&mu);
    *kernels = kernels_run;
    *caps = captures;
    *launches = graph_launches;
    *outstanding = max_outstanding;
    pthread_mutex_unlock(&mu);
}

static bool
is_pinned(const void *p, size_t n)
{
    for (size_t i = 0; i < npins; i++) {
        const char *b = pins[i].p;
        if ((const char *)p >= b && (const char *)p + n <= b + pins[i].n) {
            return true;
        }
    }
    return false;
}

static cu_result
push(op o)
{
    if (capturing) {
        soft_graph *g = capture;
        op *no = realloc(g->ops, (g->n + 1) * sizeof *no);
        if (no == NULL) {
            return OUT_OF_MEMORY;
        }
        g->ops = no;
        g->ops[g->n++] = o;
        return OK;
    }
    if (qtail - qhead == qcap) {
        size_t nc = qcap ? qcap * 2 : 64;
        op *nq = malloc(nc * sizeof *nq);
        if (nq == NULL) {
            return OUT_OF_MEMORY;
        }
        for (uint64_t i = qhead; i < qtail; i++) {
            nq[i % nc] = q[i % qcap];
        }
        free(q);
        q = nq;
        qcap = nc;
    }
    q[qtail % qcap] = o;
    if (o.kind == OP_EVENT) {
        o.ev->pos = qtail;
        o.ev->recorded = true;
    }
    qtail++;
    return OK;
}

/* run queued ops up to position end (exclusive); false when hung */
static bool
run_to(uint64_t end)
{
    while (qhead < end) {
        if (hung) {
            return false;
        }
        op *o = &q[qhead % qcap];
        if (sticky == OK) {
            if (o->kind == OP_COPY && o->dtod && hang_dtod > 0
                && (long)++dtod_run == hang_dtod) {
                hung = true;
                return false;
            }
            if (o->kind == OP_COPY) {
                memcpy(o->dst, o->own ? o->own : o->src, o->n);
            } else if (o->kind == OP_KERNEL) {
                kernels_run++;
                if (hang_at > 0 && (long)kernels_run == hang_at) {
                    hung = true;
                    return false;
                }
                if (fault_at > 0 && (long)kernels_run == fault_at) {
                    sticky = ILLEGAL_ADDRESS;
                } else {
                    o->fn(o->args);
                }
            }
        }
        if (o->kind == OP_EVENT && events_outstanding > 0) {
            events_outstanding--;
        }
        free(o->own);
        o->own = NULL;
        qhead++;
    }
    return true;
}

EXPORT cu_result
cuInit(unsigned flags)
{
    (void)flags;
    const char *f = getenv("AKT_SOFT_CUDA_FAULT_AT");
    const char *h = getenv("AKT_SOFT_CUDA_HANG_AT");
    const char *hd = getenv("AKT_SOFT_CUDA_HANG_DTOD");
    fault_at = f ? atol(f) : 0;
    hang_at = h ? atol(h) : 0;
    hang_dtod = hd ? atol(hd) : 0;
    return OK;
}

EXPORT cu_result
cuDriverGetVersion(int *v)
{
    *v = 13000;
    return OK;
}

EXPORT cu_result
cuDeviceGetCount(int *n)
{
    *n = 1;
    return OK;
}

EXPORT cu_result
cuDeviceGet(int *dev, int ordinal)
{
    *dev = ordinal;
    return ordinal == 0 ? OK : 101;
}

EXPORT cu_result
cuDeviceGetName(char *name, int len, int dev)
{
    (void)dev;
    snprintf(name, (size_t)len, "akt soft CUDA (tests)");
    return OK;
}

EXPORT cu_result
cuDeviceGetAttribute(int *v, int attr, int dev)
{
    (void)dev;
    *v = attr == 75 ? 9 : 0; /* compute capability 9.0 */
    return OK;
}

EXPORT cu_result
cuDevicePrimaryCtxRetain(void **ctx, int dev)
{
    (void)dev;
    *ctx = (void *)&mu;
    return OK;
}

EXPORT cu_result
cuDevicePrimaryCtxRelease_v2(int dev)
{
    (void)dev;
    /* the persistent kernels end with the context */
    __atomic_store_n(&quit_residents, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&mu);
    int n = nresidents;
    nresidents = 0;
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < n; i++) {
        pthread_join(residents[i], NULL);
    }
    __atomic_store_n(&quit_residents, 0, __ATOMIC_RELEASE);
    return OK;
}

EXPORT cu_result cuMemAllocHost_v2(void **p, size_t n);

EXPORT cu_result
cuMemHostAlloc(void **p, size_t n, unsigned flags)
{
    (void)flags;
    return cuMemAllocHost_v2(p, n);
}

EXPORT cu_result
cuMemHostGetDevicePointer_v2(unsigned long long *d, void *p, unsigned flags)
{
    (void)flags;
    *d = (unsigned long long)(uintptr_t)p;
    return OK;
}

/* the resident kernels' stream (the only one the runtime queries) */
EXPORT cu_result
cuStreamQuery(void *s)
{
    (void)s;
    pthread_mutex_lock(&mu);
    cu_result r = sticky != OK  ? sticky
        : residents_running > 0 ? NOT_READY
                                : OK;
    pthread_mutex_unlock(&mu);
    return r;
}

EXPORT cu_result
cuCtxSetCurrent(void *ctx)
{
    (void)ctx;
    return OK;
}

EXPORT cu_result
cuStreamCreate(void **s, unsigned flags)
{
    (void)flags;
    *s = (void *)&q;
    return OK;
}

EXPORT cu_result
cuStreamDestroy_v2(void *s)
{
    (void)s;
    return OK;
}

EXPORT cu_result
cuStreamSynchronize(void *s)
{
    (void)s;
    pthread_mutex_lock(&mu);
    while (!run_to(qtail)) {
        pthread_cond_wait(&never, &mu); /* a hung device: never returns */
    }
    cu_result r = sticky;
    pthread_mutex_unlock(&mu);
    return r;
}

EXPORT cu_result
cuMemAlloc_v2(unsigned long long *p, size_t n)
{
    void *m = soft_alloc(n);
    if (m == NULL) {
        return OUT_OF_MEMORY;
    }
    *p = (unsigned long long)(uintptr_t)m;
    return sticky;
}

EXPORT cu_result
cuMemFree_v2(unsigned long long p)
{
    soft_free((void *)(uintptr_t)p);
    return OK;
}

EXPORT cu_result
cuMemAllocHost_v2(void **p, size_t n)
{
    pthread_mutex_lock(&mu);
    void *m = calloc(1, n);
    if (m == NULL
        || (npins == cappins
            && (pins = realloc(pins,
                    (cappins = cappins ? cappins * 2 : 16) * sizeof *pins))
                == NULL)) {
        pthread_mutex_unlock(&mu);
        free(m);
        return OUT_OF_MEMORY;
    }
    pins[npins].p = m;
    pins[npins++].n = n;
    *p = m;
    pthread_mutex_unlock(&mu);
    return sticky;
}

EXPORT cu_result
cuMemFreeHost(void *p)
{
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < npins; i++) {
        if (pins[i].p == p) {
            pins[i] = pins[--npins];
            break;
        }
    }
    pthread_mutex_unlock(&mu);
    free(p);
    return OK;
}

static cu_result
copy(void *dst, const void *src, size_t n, bool pageable_snapshot, bool dtod)
{
    pthread_mutex_lock(&mu);
    cu_result r = sticky;
    if (r == OK) {
        op o
            = { .kind = OP_COPY, .dst = dst, .src = src, .n = n, .dtod = dtod };
        if (pageable_snapshot && !capturing && !is_pinned(src, n)) {
            o.own = malloc(n ? n : 1);
            if (o.own == NULL) {
                r = OUT_OF_MEMORY;
            } else {
                memcpy(o.own, src, n);
            }
        }
        if (r == OK) {
            r = push(o);
        }
    }
    pthread_mutex_unlock(&mu);
    return r;
}

EXPORT cu_result
cuMemcpyHtoDAsync_v2(
    unsigned long long dst, const void *src, size_t n, void *stream)
{
    (void)stream;
    return copy((void *)(uintptr_t)dst, src, n, true, false);
}

EXPORT cu_result
cuMemcpyDtoHAsync_v2(void *dst, unsigned long long src, size_t n, void *stream)
{
    (void)stream;
    return copy(dst, (const void *)(uintptr_t)src, n, false, false);
}

EXPORT cu_result
cuMemcpyDtoDAsync_v2(
    unsigned long long dst, unsigned long long src, size_t n, void *stream)
{
    (void)stream;
    return copy(
        (void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n, false, true);
}

typedef struct soft_module {
    int unused;
} soft_module;

EXPORT cu_result
cuModuleLoadData(void **mod, const void *image)
{
    /* soft_nvrtc.c's refused image (AKT_SOFT_NVRTC_REFUSED_IMAGE): every
     * soft image is 22 bytes */
    static const char refused[] = "\177ELF soft nvrtc REFUS";
    if (memcmp(image, "\177ELF", 4) != 0
        || memcmp(image, refused, sizeof refused) == 0) {
        return INVALID_IMAGE;
    }
    *mod = soft_alloc(sizeof(soft_module));
    return *mod ? sticky : OUT_OF_MEMORY;
}

EXPORT cu_result
cuModuleUnload(void *mod)
{
    soft_free(mod);
    return OK;
}

EXPORT cu_result
cuModuleGetFunction(void **fn, void *mod, const char *name)
{
    (void)mod;
    pthread_mutex_lock(&mu);
    cu_result r = NOT_FOUND;
    for (int i = 0; i < nreg; i++) {
        if (strcmp(reg[i].name, name) == 0) {
            *fn = (void *)&reg[i];
            r = OK;
        }
        if (strcmp(preg[i].name, name) == 0) {
            *fn = (void *)&preg[i];
            r = OK;
        }
    }
    pthread_mutex_unlock(&mu);
    return r;
}

/* a persistent kernel: its loop on a thread of its own */
typedef struct resident {
    soft_kernel fn;
    soft_door *door;
} resident;

static bool
quitting(void)
{
    return __atomic_load_n(&quit_residents, __ATOMIC_ACQUIRE) != 0;
}

static void
nap(void)
{
    struct timespec ts = { 0, 20000 };
    nanosleep(&ts, NULL);
}

static void *
resident_main(void *arg)
{
    resident r = *(resident *)arg;
    free(arg);
    uint32_t seen = 0;
    for (;;) {
        uint32_t s;
        while ((s = __atomic_load_n(&r.door->seq, __ATOMIC_ACQUIRE)) == seen) {
            if (quitting()) {
                goto out;
            }
            nap();
        }
        seen = s;
        if (__atomic_load_n(&r.door->stop, __ATOMIC_RELAXED) != 0) {
            __atomic_store_n(&r.door->ack, seen, __ATOMIC_RELEASE);
            goto out;
        }
        pthread_mutex_lock(&mu);
        kernels_run++;
        bool hang = hang_at > 0 && (long)kernels_run == hang_at;
        bool fault = fault_at > 0 && (long)kernels_run == fault_at;
        if (fault) {
            sticky = ILLEGAL_ADDRESS;
        }
        bool dead = sticky != OK;
        pthread_mutex_unlock(&mu);
        if (dead || fault) {
            goto out; /* the kernel died with the context */
        }
        if (hang) {
            while (!quitting()) {
                nap();
            }
            goto out;
        }
        r.fn((const void *)(uintptr_t)__atomic_load_n(
            &r.door->args, __ATOMIC_RELAXED));
        __atomic_store_n(&r.door->ack, seen, __ATOMIC_RELEASE);
    }
out:
    pthread_mutex_lock(&mu);
    residents_running--;
    pthread_mutex_unlock(&mu);
    return NULL;
}

static cu_result
launch_resident(soft_function *sf, soft_door *door)
{
    resident *r = malloc(sizeof *r);
    if (r == NULL) {
        return OUT_OF_MEMORY;
    }
    r->fn = sf->fn;
    r->door = door;
    pthread_mutex_lock(&mu);
    cu_result rc = sticky;
    if (rc == OK && nresidents == 64) {
        rc = OUT_OF_MEMORY;
    }
    if (rc == OK) {
        if (pthread_create(&residents[nresidents], NULL, resident_main, r)
            != 0) {
            rc = OUT_OF_MEMORY;
        } else {
            nresidents++;
            residents_running++;
            r = NULL;
        }
    }
    pthread_mutex_unlock(&mu);
    free(r);
    return rc;
}

EXPORT cu_result
cuLaunchKernel(void *fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
    unsigned by, unsigned bz, unsigned shared, void *stream, void **params,
    void **extra)
{
    (void)gy;
    (void)gz;
    (void)by;
    (void)bz;
    (void)shared;
    (void)stream;
    (void)extra;
    if (gx == 0 || bx == 0) {
        return INVALID_VALUE;
    }
    unsigned long long a = *(unsigned long long *)params[0];
    soft_function *sf = fn;
    if (sf >= preg && sf < preg + 64) {
        return launch_resident(sf, (soft_door *)(uintptr_t)a);
    }
    pthread_mutex_lock(&mu);
    cu_result r = sticky;
    if (r == OK) {
        op o = { .kind = OP_KERNEL,
            .fn = ((soft_function *)fn)->fn,
            .args = (const void *)(uintptr_t)a };
        r = push(o);
    }
    pthread_mutex_unlock(&mu);
    return r;
}

EXPORT cu_result
cuGetErrorName(cu_result r, const char **s)
{
    *s = r == NOT_READY ? "CUDA_ERROR_NOT_READY" : "CUDA_ERROR_SOFT";
    return OK;
}

EXPORT cu_result
cuEventCreate(soft_event **e, unsigned flags)
{
    (void)flags;
    *e = soft_alloc(sizeof **e);
    return *e ? OK : OUT_OF_MEMORY;
}

EXPORT cu_result
cuEventDestroy_v2(soft_event *e)
{
    soft_free(e);
    return OK;
}

EXPORT cu_result
cuEventRecord(soft_event *e, void *stream)
{
    (void)stream;
    pthread_mutex_lock(&mu);
    cu_result r = sticky;
    if (r == OK) {
        op o = { .kind = OP_EVENT, .ev = e };
        r = push(o);
        if (r == OK && ++events_outstanding > max_outstanding) {
            max_outstanding = events_outstanding;
        }
    }
    pthread_mutex_unlock(&mu);
    return r;
}

EXPORT cu_result
cuEventQuery(soft_event *e)
{
    pthread_mutex_lock(&mu);
    cu_result r;
    if (!e->recorded) {
        r = OK;
    } else if (!run_to(e->pos + 1)) {
        r = NOT_READY; /* hung: never */
    } else {
        r = sticky;
    }
    pthread_mutex_unlock(&mu);
    return r;
}

EXPORT cu_result
cuStreamBeginCapture_v2(void *stream, int mode)
{
    (void)stream;
    (void)mode;
    pthread_mutex_lock(&mu);
    cu_result r = sticky;
    if (r == OK) {
        capture = calloc(1, sizeof *capture);
        capturing = capture != NULL;
        r = capture ? OK : OUT_OF_MEMORY;
    }
    pthread_mutex_unlock(&mu);
    return r;
}

EXPORT cu_result
cuStreamEndCapture(void *stream, soft_graph **g)
{
    (void)stream;
    pthread_mutex_lock(&mu);
    *g = capture;
    capture = NULL;
    capturing = false;
    captures++;
    pthread_mutex_unlock(&mu);
    return *g ? OK : INVALID_VALUE;
}

EXPORT cu_result
cuGraphInstantiateWithFlags(
    soft_graph **exec, soft_graph *g, unsigned long long flags)
{
    (void)flags;
    soft_graph *x = soft_alloc(sizeof *x);
    if (x == NULL || (x->ops = soft_alloc(g->n * sizeof *x->ops)) == NULL) {
        soft_free(x);
        return OUT_OF_MEMORY;
    }
    memcpy(x->ops, g->ops, g->n * sizeof *x->ops);
    x->n = g->n;
    *exec = x;
    return OK;
}

EXPORT cu_result
cuGraphLaunch(soft_graph *exec, void *stream)
{
    (void)stream;
    pthread_mutex_lock(&mu);
    cu_result r = sticky;
    for (size_t i = 0; r == OK && i < exec->n; i++) {
        r = push(exec->ops[i]);
    }
    if (r == OK) {
        graph_launches++;
    }
    pthread_mutex_unlock(&mu);
    return r;
}

EXPORT cu_result
cuGraphExecDestroy(soft_graph *exec)
{
    if (exec) {
        soft_free(exec->ops);
        soft_free(exec);
    }
    return OK;
}

EXPORT cu_result
cuGraphDestroy(soft_graph *g)
{
    if (g) {
        free(g->ops);
        free(g);
    }
    return OK;
}
