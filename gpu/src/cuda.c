/*
 * cuda.c -- the CUDA driver API through dlopen ($AKT_CUDA_LIB, else
 * libcuda.so.1). The handful of types and entry points akt uses are
 * declared here, so no CUDA header is needed to build; where the driver is
 * missing, or cuInit fails (no device, the toolkit's stub library returns
 * CUDA_ERROR_STUB_LIBRARY, 34), akg_cuda_open says why and the caller
 * runs on the CPU.
 *
 * One context (the device's primary one) and one stream; every call after
 * open is made on the dispatcher's thread (akg_cuda_bind). An error that
 * poisons the context (an illegal address, a trap, a launch timeout) is
 * remembered: the dispatcher then moves its actors to the CPU.
 */
#include <dlfcn.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gpu_impl.h"

typedef int cu_result;
typedef int cu_device;
typedef struct cu_ctx_st *cu_context;
typedef struct cu_mod_st *cu_module;
typedef struct cu_func_st *cu_function;
typedef struct cu_stream_st *cu_stream;
typedef unsigned long long cu_dptr;
typedef struct cu_event_st *cu_event;
typedef struct cu_graph_st *cu_graph;
typedef struct cu_graph_exec_st *cu_graph_exec;

enum {
    CU_ATTR_CC_MAJOR = 75,
    CU_ATTR_CC_MINOR = 76,
    CU_STREAM_NON_BLOCKING = 1,
    CU_EVENT_DISABLE_TIMING = 2,
    CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1,
    CU_ERROR_NOT_READY = 600,
};

struct akg_event {
    cu_event ev;
};

struct akg_graph {
    cu_graph_exec exec;
};

struct akg_kernel {
    cu_module mod;
    cu_function fn;
    struct akg_kernel *next;
};

struct akg_cuda {
    void *lib;
    akg_event *sync_ev; /* akg_cuda_sync's, made on first use */
    cu_device dev;
    cu_context ctx;
    cu_stream stream;
    cu_stream resident; /* the persistent kernels' stream, made on use */
    int driver;
    char arch[16];
    char name[128];
    char err[256];
    bool poisoned;
    akg_kernel *kernels;
    cu_result (*init)(unsigned);
    cu_result (*driver_version)(int *);
    cu_result (*device_count)(int *);
    cu_result (*device_get)(cu_device *, int);
    cu_result (*device_name)(char *, int, cu_device);
    cu_result (*device_attr)(int *, int, cu_device);
    cu_result (*primary_retain)(cu_context *, cu_device);
    cu_result (*primary_release)(cu_device);
    cu_result (*ctx_set)(cu_context);
    cu_result (*stream_create)(cu_stream *, unsigned);
    cu_result (*stream_destroy)(cu_stream);
    cu_result (*stream_sync)(cu_stream);
    cu_result (*mem_alloc)(cu_dptr *, size_t);
    cu_result (*mem_free)(cu_dptr);
    cu_result (*host_alloc)(void **, size_t);
    cu_result (*host_free)(void *);
    cu_result (*htod)(cu_dptr, const void *, size_t, cu_stream);
    cu_result (*dtoh)(void *, cu_dptr, size_t, cu_stream);
    cu_result (*dtod)(cu_dptr, cu_dptr, size_t, cu_stream);
    cu_result (*module_load)(cu_module *, const void *);
    cu_result (*module_unload)(cu_module);
    cu_result (*module_fn)(cu_function *, cu_module, const char *);
    cu_result (*launch)(cu_function, unsigned, unsigned, unsigned, unsigned,
        unsigned, unsigned, unsigned, cu_stream, void **, void **);
    cu_result (*error_name)(cu_result, const char **);
    cu_result (*event_create)(cu_event *, unsigned);
    cu_result (*event_destroy)(cu_event);
    cu_result (*event_record)(cu_event, cu_stream);
    cu_result (*event_query)(cu_event);
    /* CUDA graphs (11.4 and later); NULL where the driver lacks them */
    cu_result (*capture_begin)(cu_stream, int);
    cu_result (*capture_end)(cu_stream, cu_graph *);
    cu_result (*graph_instantiate)(
        cu_graph_exec *, cu_graph, unsigned long long);
    cu_result (*graph_launch)(cu_graph_exec, cu_stream);
    cu_result (*graph_exec_destroy)(cu_graph_exec);
    cu_result (*graph_destroy)(cu_graph);
    /* mapped memory and a stream's state (the persistent kernel) */
    cu_result (*host_alloc_flags)(void **, size_t, unsigned);
    cu_result (*host_dptr)(cu_dptr *, void *, unsigned);
    cu_result (*stream_query)(cu_stream);
};

static const char *
err_name(const akg_cuda *cu, cu_result r)
{
    /* the codes a machine without a working GPU gives, named here: the
     * stub driver cannot name its own */
    static const struct {
        cu_result r;
        const char *name;
    } known[] = { { 1, "CUDA_ERROR_INVALID_VALUE" },
        { 2, "CUDA_ERROR_OUT_OF_MEMORY" }, { 3, "CUDA_ERROR_NOT_INITIALIZED" },
        { 34, "CUDA_ERROR_STUB_LIBRARY" },
        { 35, "CUDA_ERROR_INSUFFICIENT_DRIVER" },
        { 46, "CUDA_ERROR_DEVICES_UNAVAILABLE" },
        { 100, "CUDA_ERROR_NO_DEVICE" }, { 101, "CUDA_ERROR_INVALID_DEVICE" },
        { 209, "CUDA_ERROR_NO_BINARY_FOR_GPU" },
        { 222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION" },
        { 304, "CUDA_ERROR_OPERATING_SYSTEM" },
        { 700, "CUDA_ERROR_ILLEGAL_ADDRESS" },
        { 702, "CUDA_ERROR_LAUNCH_TIMEOUT" },
        { 719, "CUDA_ERROR_LAUNCH_FAILED" }, { 999, "CUDA_ERROR_UNKNOWN" } };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (known[i].r == r) {
            return known[i].name;
        }
    }
    const char *s = NULL;
    if (cu->error_name == NULL || cu->error_name(r, &s) != 0 || s == NULL) {
        return "CUDA_ERROR";
    }
    return s;
}

/* remember r's text; the sticky errors poison the context */
static akt_err
fail(akg_cuda *cu, const char *what, cu_result r)
{
    snprintf(cu->err, sizeof cu->err, "%s: %s (%d)", what, err_name(cu, r), r);
    switch (r) {
    case 700: /* ILLEGAL_ADDRESS */
    case 702: /* LAUNCH_TIMEOUT */
    case 710: /* ASSERT */
    case 714: /* HARDWARE_STACK_ERROR */
    case 715: /* ILLEGAL_INSTRUCTION */
    case 716: /* MISALIGNED_ADDRESS */
    case 717: /* INVALID_ADDRESS_SPACE */
    case 718: /* INVALID_PC */
    case 719: /* LAUNCH_FAILED */
        cu->poisoned = true;
        return AKT_EIO;
    case 2: /* OUT_OF_MEMORY */
        return AKT_ENOMEM;
    default:
        return AKT_EIO;
    }
}

akg_cuda *
akg_cuda_open(int ordinal, char *why, size_t len)
{
    const char *path = getenv("AKT_CUDA_LIB");
    if (path == NULL || *path == '\0') {
        path = "libcuda.so.1";
    }
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        snprintf(why, len, "no CUDA driver: %s", dlerror());
        return NULL;
    }
    akg_cuda *cu = calloc(1, sizeof *cu);
    if (cu == NULL) {
        dlclose(lib);
        snprintf(why, len, "out of memory");
        return NULL;
    }
    cu->lib = lib;
    struct {
        void **slot;
        const char *name;
    } syms[] = { { (void **)&cu->init, "cuInit" },
        { (void **)&cu->driver_version, "cuDriverGetVersion" },
        { (void **)&cu->device_count, "cuDeviceGetCount" },
        { (void **)&cu->device_get, "cuDeviceGet" },
        { (void **)&cu->device_name, "cuDeviceGetName" },
        { (void **)&cu->device_attr, "cuDeviceGetAttribute" },
        { (void **)&cu->primary_retain, "cuDevicePrimaryCtxRetain" },
        { (void **)&cu->primary_release, "cuDevicePrimaryCtxRelease_v2" },
        { (void **)&cu->ctx_set, "cuCtxSetCurrent" },
        { (void **)&cu->stream_create, "cuStreamCreate" },
        { (void **)&cu->stream_destroy, "cuStreamDestroy_v2" },
        { (void **)&cu->stream_sync, "cuStreamSynchronize" },
        { (void **)&cu->mem_alloc, "cuMemAlloc_v2" },
        { (void **)&cu->mem_free, "cuMemFree_v2" },
        { (void **)&cu->host_alloc, "cuMemAllocHost_v2" },
        { (void **)&cu->host_free, "cuMemFreeHost" },
        { (void **)&cu->htod, "cuMemcpyHtoDAsync_v2" },
        { (void **)&cu->dtoh, "cuMemcpyDtoHAsync_v2" },
        { (void **)&cu->dtod, "cuMemcpyDtoDAsync_v2" },
        { (void **)&cu->module_load, "cuModuleLoadData" },
        { (void **)&cu->module_unload, "cuModuleUnload" },
        { (void **)&cu->module_fn, "cuModuleGetFunction" },
        { (void **)&cu->launch, "cuLaunchKernel" },
        { (void **)&cu->error_name, "cuGetErrorName" },
        { (void **)&cu->event_create, "cuEventCreate" },
        { (void **)&cu->event_destroy, "cuEventDestroy_v2" },
        { (void **)&cu->event_record, "cuEventRecord" },
        { (void **)&cu->event_query, "cuEventQuery" } };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(lib, syms[i].name);
        if (f == NULL) {
            snprintf(why, len, "%s lacks %s", path, syms[i].name);
            akg_cuda_close(cu);
            return NULL;
        }
        memcpy(syms[i].slot, &f, sizeof f);
    }
    /* graphs are optional: all of them, or none */
    struct {
        void **slot;
        const char *name;
    } gsyms[] = { { (void **)&cu->capture_begin, "cuStreamBeginCapture_v2" },
        { (void **)&cu->capture_end, "cuStreamEndCapture" },
        { (void **)&cu->graph_instantiate, "cuGraphInstantiateWithFlags" },
        { (void **)&cu->graph_launch, "cuGraphLaunch" },
        { (void **)&cu->graph_exec_destroy, "cuGraphExecDestroy" },
        { (void **)&cu->graph_destroy, "cuGraphDestroy" } };
    bool graphs = true;
    for (size_t i = 0; i < sizeof gsyms / sizeof gsyms[0]; i++) {
        void *f = dlsym(lib, gsyms[i].name);
        graphs = graphs && f != NULL;
        memcpy(gsyms[i].slot, &f, sizeof f);
    }
    if (!graphs) {
        cu->capture_begin = NULL;
    }
    /* mapped memory for the persistent kernel: optional too */
    struct {
        void **slot;
        const char *name;
    } msyms[] = { { (void **)&cu->host_alloc_flags, "cuMemHostAlloc" },
        { (void **)&cu->host_dptr, "cuMemHostGetDevicePointer_v2" },
        { (void **)&cu->stream_query, "cuStreamQuery" } };
    bool mapped = true;
    for (size_t i = 0; i < sizeof msyms / sizeof msyms[0]; i++) {
        void *f = dlsym(lib, msyms[i].name);
        mapped = mapped && f != NULL;
        memcpy(msyms[i].slot, &f, sizeof f);
    }
    if (!mapped) {
        cu->host_alloc_flags = NULL;
    }
    cu_result r = cu->init(0);
    if (r != 0) {
        snprintf(why, len, "cuInit: %s (%d)", err_name(cu, r), r);
        akg_cuda_close(cu);
        return NULL;
    }
    int count = 0;
    cu->driver_version(&cu->driver);
    if ((r = cu->device_count(&count)) != 0 || count <= ordinal) {
        snprintf(why, len, "no CUDA device %d (%d found)", ordinal, count);
        akg_cuda_close(cu);
        return NULL;
    }
    int major = 0, minor = 0;
    if ((r = cu->device_get(&cu->dev, ordinal)) != 0
        || (r = cu->device_attr(&major, CU_ATTR_CC_MAJOR, cu->dev)) != 0
        || (r = cu->device_attr(&minor, CU_ATTR_CC_MINOR, cu->dev)) != 0
        || (r = cu->device_name(cu->name, (int)sizeof cu->name, cu->dev))
            != 0) {
        snprintf(
            why, len, "CUDA device %d: %s (%d)", ordinal, err_name(cu, r), r);
        akg_cuda_close(cu);
        return NULL;
    }
    snprintf(cu->arch, sizeof cu->arch, "sm_%d%d", major, minor);
    if ((r = cu->primary_retain(&cu->ctx, cu->dev)) != 0
        || (r = cu->ctx_set(cu->ctx)) != 0
        || (r = cu->stream_create(&cu->stream, CU_STREAM_NON_BLOCKING)) != 0) {
        snprintf(why, len, "CUDA context on %s: %s (%d)", cu->name,
            err_name(cu, r), r);
        akg_cuda_close(cu);
        return NULL;
    }
    return cu;
}

void
akg_cuda_close(akg_cuda *cu)
{
    if (cu == NULL) {
        return;
    }
    if (cu->ctx) {
        cu->ctx_set(cu->ctx);
        akg_cuda_event_free(cu, cu->sync_ev);
        for (akg_kernel *k = cu->kernels, *n; k; k = n) {
            n = k->next;
            if (!cu->poisoned) {
                cu->module_unload(k->mod);
            }
            free(k);
        }
        if (cu->stream) {
            cu->stream_destroy(cu->stream);
        }
        if (cu->resident) {
            cu->stream_destroy(cu->resident);
        }
        cu->primary_release(cu->dev);
    }
    /* libcuda stays loaded: unloading a driver is not supported well */
    free(cu);
}

akt_err
akg_cuda_bind(akg_cuda *cu)
{
    cu_result r = cu->ctx_set(cu->ctx);
    return r == 0 ? AKT_OK : fail(cu, "cuCtxSetCurrent", r);
}

const char *
akg_cuda_arch(const akg_cuda *cu)
{
    return cu->arch;
}

const char *
akg_cuda_name(const akg_cuda *cu)
{
    return cu->name;
}

int
akg_cuda_driver_version(const akg_cuda *cu)
{
    return cu->driver;
}

akt_err
akg_cuda_alloc(akg_cuda *cu, size_t n, akg_dptr *out)
{
    cu_dptr p = 0;
    cu_result r = cu->mem_alloc(&p, n ? n : 1);
    if (r != 0) {
        return fail(cu, "cuMemAlloc", r);
    }
    *out = p;
    return AKT_OK;
}

void
akg_cuda_free(akg_cuda *cu, akg_dptr p)
{
    if (p) {
        cu->mem_free(p);
    }
}

akt_err
akg_cuda_host_alloc(akg_cuda *cu, size_t n, void **out)
{
    cu_result r = cu->host_alloc(out, n ? n : 1);
    return r == 0 ? AKT_OK : fail(cu, "cuMemAllocHost", r);
}

void
akg_cuda_host_free(akg_cuda *cu, void *p)
{
    if (p) {
        cu->host_free(p);
    }
}

akt_err
akg_cuda_htod(akg_cuda *cu, akg_dptr dst, const void *src, size_t n, bool async)
{
    cu_result r = cu->htod(dst, src, n, cu->stream);
    if (r == 0 && !async) {
        r = cu->stream_sync(cu->stream);
    }
    return r == 0 ? AKT_OK : fail(cu, "cuMemcpyHtoD", r);
}

akt_err
akg_cuda_dtoh(akg_cuda *cu, void *dst, akg_dptr src, size_t n, bool async)
{
    cu_result r = cu->dtoh(dst, src, n, cu->stream);
    if (r == 0 && !async) {
        r = cu->stream_sync(cu->stream);
    }
    return r == 0 ? AKT_OK : fail(cu, "cuMemcpyDtoH", r);
}

akt_err
akg_cuda_dtod(akg_cuda *cu, akg_dptr dst, akg_dptr src, size_t n)
{
    cu_result r = cu->dtod(dst, src, n, cu->stream);
    return r == 0 ? AKT_OK : fail(cu, "cuMemcpyDtoD", r);
}

akt_err
akg_cuda_sync(akg_cuda *cu, int64_t deadline_ns)
{
    /* an event and a wait with a deadline, not cuStreamSynchronize: that
     * one never returns from a hung device */
    akt_err err = cu->sync_ev ? AKT_OK : akg_cuda_event_new(cu, &cu->sync_ev);
    if (err == AKT_OK) {
        err = akg_cuda_record(cu, cu->sync_ev);
    }
    return err == AKT_OK ? akg_cuda_wait(cu, cu->sync_ev, deadline_ns) : err;
}

akt_err
akg_cuda_load(akg_cuda *cu, const akg_blob *img, const char *kernel,
    akg_kernel **out, char *why, size_t len)
{
    akg_kernel *k = calloc(1, sizeof *k);
    if (k == NULL) {
        return AKT_ENOMEM;
    }
    cu_result r = cu->module_load(&k->mod, img->data);
    if (r != 0) {
        snprintf(why, len, "cuModuleLoadData: %s (%d)", err_name(cu, r), r);
        free(k);
        /* an image the driver refuses (a bad cache entry) is rebuilt */
        return r == 200 || r == 209 || r == 218 || r == 222 ? AKT_EPROTO
                                                            : AKT_EIO;
    }
    if ((r = cu->module_fn(&k->fn, k->mod, kernel)) != 0) {
        snprintf(why, len, "cuModuleGetFunction %s: %s (%d)", kernel,
            err_name(cu, r), r);
        cu->module_unload(k->mod);
        free(k);
        return AKT_EIO;
    }
    k->next = cu->kernels;
    cu->kernels = k;
    *out = k;
    return AKT_OK;
}

akt_err
akg_cuda_launch(akg_cuda *cu, akg_kernel *k, uint32_t n_actors, akg_dptr args)
{
    if (n_actors == 0) {
        return AKT_OK;
    }
    return akg_cuda_launch_blocks(
        cu, k, (n_actors + AKG_BLOCK - 1) / AKG_BLOCK, args);
}

akt_err
akg_cuda_launch_blocks(
    akg_cuda *cu, akg_kernel *k, uint32_t blocks, akg_dptr args)
{
    cu_dptr a = args;
    void *params[] = { &a };
    cu_result r = cu->launch(
        k->fn, blocks, 1, 1, AKG_BLOCK, 1, 1, 0, cu->stream, params, NULL);
    return r == 0 ? AKT_OK : fail(cu, "cuLaunchKernel", r);
}

void
akg_cuda_give_up(akg_cuda *cu, const char *why)
{
    snprintf(cu->err, sizeof cu->err, "%s", why);
    cu->poisoned = true;
}

bool
akg_cuda_has_mapped(const akg_cuda *cu)
{
    return cu->host_alloc_flags != NULL;
}

akt_err
akg_cuda_mapped_alloc(akg_cuda *cu, size_t n, void **host, akg_dptr *dev)
{
    enum { PORTABLE = 1, DEVICEMAP = 2 };
    void *p = NULL;
    cu_dptr d = 0;
    if (cu->host_alloc_flags == NULL) {
        snprintf(cu->err, sizeof cu->err, "the driver has no mapped memory");
        return AKT_ENOTSUP;
    }
    cu_result r = cu->host_alloc_flags(&p, n, PORTABLE | DEVICEMAP);
    if (r != 0) {
        return fail(cu, "cuMemHostAlloc", r);
    }
    if ((r = cu->host_dptr(&d, p, 0)) != 0) {
        cu->host_free(p);
        return fail(cu, "cuMemHostGetDevicePointer", r);
    }
    memset(p, 0, n);
    *host = p;
    *dev = d;
    return AKT_OK;
}

akt_err
akg_cuda_launch_resident(akg_cuda *cu, akg_kernel *k, akg_dptr param)
{
    cu_result r = 0;
    if (cu->resident == NULL
        && (r = cu->stream_create(&cu->resident, CU_STREAM_NON_BLOCKING))
            != 0) {
        cu->resident = NULL;
        return fail(cu, "cuStreamCreate", r);
    }
    cu_dptr a = param;
    void *params[] = { &a };
    r = cu->launch(
        k->fn, 1, 1, 1, AKG_PBLOCK, 1, 1, 0, cu->resident, params, NULL);
    return r == 0 ? AKT_OK : fail(cu, "cuLaunchKernel", r);
}

akt_err
akg_cuda_resident_check(akg_cuda *cu)
{
    if (cu->resident == NULL) {
        return AKT_OK;
    }
    cu_result r = cu->stream_query(cu->resident);
    return r == 0 || r == CU_ERROR_NOT_READY ? AKT_OK
                                             : fail(cu, "cuStreamQuery", r);
}

akt_err
akg_cuda_event_new(akg_cuda *cu, akg_event **out)
{
    akg_event *e = calloc(1, sizeof *e);
    if (e == NULL) {
        return AKT_ENOMEM;
    }
    cu_result r = cu->event_create(&e->ev, CU_EVENT_DISABLE_TIMING);
    if (r != 0) {
        free(e);
        return fail(cu, "cuEventCreate", r);
    }
    *out = e;
    return AKT_OK;
}

void
akg_cuda_event_free(akg_cuda *cu, akg_event *e)
{
    if (e) {
        if (!cu->poisoned) {
            cu->event_destroy(e->ev);
        }
        free(e);
    }
}

akt_err
akg_cuda_record(akg_cuda *cu, akg_event *e)
{
    cu_result r = cu->event_record(e->ev, cu->stream);
    return r == 0 ? AKT_OK : fail(cu, "cuEventRecord", r);
}

static int64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

akt_err
akg_cuda_wait(akg_cuda *cu, akg_event *e, int64_t deadline_ns)
{
    /* spin while the batch is young (a round trip is ~20 us), then poll
     * every 20 us so a long batch does not take a core */
    for (uint32_t polls = 0;; polls++) {
        cu_result r = cu->event_query(e->ev);
        if (r == 0) {
            return AKT_OK;
        }
        if (r != CU_ERROR_NOT_READY) {
            return fail(cu, "cuEventQuery", r);
        }
        if ((polls & 63) == 0 && mono_ns() >= deadline_ns) {
            /* a kernel cannot be stopped: the context is given up */
            snprintf(cu->err, sizeof cu->err,
                "a batch did not complete by its deadline "
                "(akt.gpu.batch-timeout): the device is taken as hung");
            cu->poisoned = true;
            return AKT_ETIMEDOUT;
        }
        if (polls < 4096) {
            sched_yield();
        } else {
            struct timespec ts = { 0, 20000 };
            nanosleep(&ts, NULL);
        }
    }
}

bool
akg_cuda_has_graphs(const akg_cuda *cu)
{
    return cu->capture_begin != NULL;
}

akt_err
akg_cuda_graph_new(akg_cuda *cu, akg_kernel *k, akg_dptr din, const void *hin,
    size_t n_in, uint32_t blocks, akg_dptr args, void *hout, akg_dptr dout,
    size_t n_out, akg_graph **out)
{
    if (cu->capture_begin == NULL) {
        return AKT_ENOTSUP;
    }
    akg_graph *g = calloc(1, sizeof *g);
    if (g == NULL) {
        return AKT_ENOMEM;
    }
    cu_result r
        = cu->capture_begin(cu->stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
    if (r != 0) {
        free(g);
        return fail(cu, "cuStreamBeginCapture", r);
    }
    cu_dptr a = args;
    void *params[] = { &a };
    cu_result r1 = cu->htod(din, hin, n_in, cu->stream);
    cu_result r2 = r1 != 0 ? r1
                           : cu->launch(k->fn, blocks, 1, 1, AKG_BLOCK, 1, 1, 0,
                               cu->stream, params, NULL);
    cu_result r3 = r2 != 0 ? r2 : cu->dtoh(hout, dout, n_out, cu->stream);
    cu_graph graph = NULL;
    r = cu->capture_end(cu->stream, &graph);
    if (r3 != 0 || r != 0) {
        if (graph) {
            cu->graph_destroy(graph);
        }
        free(g);
        return fail(cu, "capturing a batch graph", r3 != 0 ? r3 : r);
    }
    r = cu->graph_instantiate(&g->exec, graph, 0);
    cu->graph_destroy(graph);
    if (r != 0) {
        free(g);
        return fail(cu, "cuGraphInstantiateWithFlags", r);
    }
    *out = g;
    return AKT_OK;
}

akt_err
akg_cuda_graph_launch(akg_cuda *cu, akg_graph *g)
{
    cu_result r = cu->graph_launch(g->exec, cu->stream);
    return r == 0 ? AKT_OK : fail(cu, "cuGraphLaunch", r);
}

void
akg_cuda_graph_free(akg_cuda *cu, akg_graph *g)
{
    if (g) {
        if (!cu->poisoned) {
            cu->graph_exec_destroy(g->exec);
        }
        free(g);
    }
}

const char *
akg_cuda_error(const akg_cuda *cu)
{
    return cu->err;
}

bool
akg_cuda_poisoned(const akg_cuda *cu)
{
    return cu->poisoned;
}
