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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_impl.h"

typedef int cu_result;
typedef int cu_device;
typedef struct cu_ctx_st *cu_context;
typedef struct cu_mod_st *cu_module;
typedef struct cu_func_st *cu_function;
typedef struct cu_stream_st *cu_stream;
typedef unsigned long long cu_dptr;

enum {
    CU_ATTR_CC_MAJOR = 75,
    CU_ATTR_CC_MINOR = 76,
    CU_STREAM_NON_BLOCKING = 1,
};

struct akg_kernel {
    cu_module mod;
    cu_function fn;
    struct akg_kernel *next;
};

struct akg_cuda {
    void *lib;
    cu_device dev;
    cu_context ctx;
    cu_stream stream;
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
        { (void **)&cu->error_name, "cuGetErrorName" } };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(lib, syms[i].name);
        if (f == NULL) {
            snprintf(why, len, "%s lacks %s", path, syms[i].name);
            akg_cuda_close(cu);
            return NULL;
        }
        memcpy(syms[i].slot, &f, sizeof f);
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
akg_cuda_sync(akg_cuda *cu)
{
    cu_result r = cu->stream_sync(cu->stream);
    return r == 0 ? AKT_OK : fail(cu, "cuStreamSynchronize", r);
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
    cu_dptr a = args;
    void *params[] = { &a };
    unsigned block = 128;
    unsigned grid = (n_actors + block - 1) / block;
    cu_result r = cu->launch(
        k->fn, grid, 1, 1, block, 1, 1, 0, cu->stream, params, NULL);
    return r == 0 ? AKT_OK : fail(cu, "cuLaunchKernel", r);
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
