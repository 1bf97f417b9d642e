/*
 * nvrtc.c -- NVRTC through dlopen: the library is found at run time
 * ($AKT_NVRTC_LIB, else the sonames of CUDA 13, 12 and 11.2), so libakt-gpu
 * builds without the CUDA toolkit and a machine without it reports why.
 * The option builder is the one place that decides how kernels are
 * compiled: -fmad=false always, and options that change float results
 * (fast math, flush to zero, approximate division and square root) are
 * refused, since the CPU path computes IEEE results.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_impl.h"

typedef int nvrtc_result;
typedef struct nvrtc_prog *nvrtc_program;

struct akg_nvrtc {
    void *lib;
    char version[16];
    nvrtc_result (*create)(nvrtc_program *, const char *, const char *, int,
        const char *const *, const char *const *);
    nvrtc_result (*compile)(nvrtc_program, int, const char *const *);
    nvrtc_result (*log_size)(nvrtc_program, size_t *);
    nvrtc_result (*log)(nvrtc_program, char *);
    nvrtc_result (*ptx_size)(nvrtc_program, size_t *);
    nvrtc_result (*ptx)(nvrtc_program, char *);
    nvrtc_result (*cubin_size)(nvrtc_program, size_t *);
    nvrtc_result (*cubin)(nvrtc_program, char *);
    nvrtc_result (*destroy)(nvrtc_program *);
    const char *(*error_string)(nvrtc_result);
};

static pthread_once_t nv_once = PTHREAD_ONCE_INIT;
static akg_nvrtc nv_lib;
static akg_nvrtc *nv_loaded;
static char nv_why[256];

static void
nv_load(void)
{
    const char *env = getenv("AKT_NVRTC_LIB");
    static const char *const names[] = { "libnvrtc.so.13", "libnvrtc.so.12",
        "libnvrtc.so.11.2", "libnvrtc.so" };
    void *lib = NULL;
    if (env && *env) {
        lib = dlopen(env, RTLD_NOW | RTLD_LOCAL);
        if (lib == NULL) {
            snprintf(nv_why, sizeof nv_why, "%s", dlerror());
            return;
        }
    } else {
        for (size_t i = 0; lib == NULL && i < sizeof names / sizeof names[0];
             i++) {
            lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        }
        if (lib == NULL) {
            snprintf(nv_why, sizeof nv_why,
                "libnvrtc not found (libnvrtc.so.13/.12/.11.2; set "
                "AKT_NVRTC_LIB): %s",
                dlerror());
            return;
        }
    }
    akg_nvrtc *nv = &nv_lib;
    nv->lib = lib;
    struct {
        void **slot;
        const char *name;
    } syms[] = { { (void **)&nv->create, "nvrtcCreateProgram" },
        { (void **)&nv->compile, "nvrtcCompileProgram" },
        { (void **)&nv->log_size, "nvrtcGetProgramLogSize" },
        { (void **)&nv->log, "nvrtcGetProgramLog" },
        { (void **)&nv->ptx_size, "nvrtcGetPTXSize" },
        { (void **)&nv->ptx, "nvrtcGetPTX" },
        { (void **)&nv->cubin_size, "nvrtcGetCUBINSize" },
        { (void **)&nv->cubin, "nvrtcGetCUBIN" },
        { (void **)&nv->destroy, "nvrtcDestroyProgram" },
        { (void **)&nv->error_string, "nvrtcGetErrorString" } };
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        void *f = dlsym(lib, syms[i].name);
        if (f == NULL) {
            snprintf(nv_why, sizeof nv_why, "libnvrtc lacks %s", syms[i].name);
            dlclose(lib);
            return;
        }
        memcpy(syms[i].slot, &f, sizeof f);
    }
    nvrtc_result (*version)(int *, int *);
    void *vf = dlsym(lib, "nvrtcVersion");
    int major = 0, minor = 0;
    if (vf) {
        memcpy(&version, &vf, sizeof vf);
        version(&major, &minor);
    }
    snprintf(nv->version, sizeof nv->version, "%d.%d", major, minor);
    nv_loaded = nv;
}

akg_nvrtc *
akg_nvrtc_get(char *why, size_t len)
{
    pthread_once(&nv_once, nv_load);
    if (nv_loaded == NULL && why && len) {
        snprintf(why, len, "%s", nv_why);
    }
    return nv_loaded;
}

const char *
akg_nvrtc_version(const akg_nvrtc *nv)
{
    return nv->version;
}

/* options whose results differ from IEEE arithmetic on the CPU */
static const char *const refused[] = { "-use_fast_math", "--use_fast_math",
    "-ftz=true", "--ftz=true", "-prec-div=false", "--prec-div=false",
    "-prec-sqrt=false", "--prec-sqrt=false", "-fmad=true", "--fmad=true",
    "-fmad", "--fmad", "-extra-device-vectorization" };

akt_err
akg_nvrtc_options(const char *target, const char *const *extra, size_t nextra,
    const char **opts, size_t *nopts, char *why, size_t len)
{
    static _Thread_local char arch[64];
    if (target == NULL
        || (strncmp(target, "sm_", 3) != 0
            && strncmp(target, "compute_", 8) != 0)
        || strlen(target) > 40) {
        snprintf(why, len, "bad target '%s' (sm_XY or compute_XY)",
            target ? target : "(null)");
        return AKT_EINVAL;
    }
    if (nextra + 3 > AKG_NVRTC_MAX_OPTS) {
        snprintf(why, len, "too many options (%zu)", nextra);
        return AKT_EINVAL;
    }
    for (size_t i = 0; i < nextra; i++) {
        for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
            if (strcmp(extra[i], refused[k]) == 0) {
                snprintf(why, len,
                    "NVRTC option '%s' refused: it changes float results, "
                    "and the CPU path computes IEEE ones",
                    extra[i]);
                return AKT_EINVAL;
            }
        }
        if (strncmp(extra[i], "--gpu-architecture", 18) == 0
            || strncmp(extra[i], "-arch", 5) == 0) {
            snprintf(why, len, "NVRTC option '%s' refused: the target is %s",
                extra[i], target);
            return AKT_EINVAL;
        }
    }
    snprintf(arch, sizeof arch, "--gpu-architecture=%s", target);
    size_t n = 0;
    opts[n++] = arch;
    opts[n++] = "-fmad=false";
    opts[n++] = "-std=c++17";
    for (size_t i = 0; i < nextra; i++) {
        opts[n++] = extra[i];
    }
    *nopts = n;
    return AKT_OK;
}

void
akg_blob_free(akg_blob *b)
{
    if (b) {
        free(b->data);
        free(b->log);
        b->data = NULL;
        b->log = NULL;
        b->size = 0;
    }
}

akt_err
akg_nvrtc_compile(akg_nvrtc *nv, const char *src, const char *name,
    const char *target, const char *const *extra, size_t nextra, akg_blob *out,
    char *why, size_t len)
{
    memset(out, 0, sizeof *out);
    const char *opts[AKG_NVRTC_MAX_OPTS];
    size_t nopts;
    akt_err err
        = akg_nvrtc_options(target, extra, nextra, opts, &nopts, why, len);
    if (err != AKT_OK) {
        return err;
    }
    /* the option list lives in thread-local storage: copy the arch */
    char arch[64];
    snprintf(arch, sizeof arch, "%s", opts[0]);
    opts[0] = arch;
    nvrtc_program prog = NULL;
    nvrtc_result r = nv->create(&prog, src, name, 0, NULL, NULL);
    if (r != 0) {
        snprintf(why, len, "nvrtcCreateProgram: %s", nv->error_string(r));
        return r == 1 ? AKT_ENOMEM : AKT_EIO;
    }
    r = nv->compile(prog, (int)nopts, opts);
    size_t ls = 0;
    nv->log_size(prog, &ls);
    out->log = calloc(1, ls + 1);
    if (out->log == NULL) {
        nv->destroy(&prog);
        return AKT_ENOMEM;
    }
    if (ls > 0) {
        nv->log(prog, out->log);
    }
    if (r != 0) {
        snprintf(why, len, "%s: %s%s%s", name, nv->error_string(r),
            out->log[0] ? "\n" : "", out->log);
        nv->destroy(&prog);
        akg_blob_free(out);
        return r == 6 /* NVRTC_ERROR_COMPILATION */ ? AKT_ESYNTAX : AKT_EIO;
    }
    out->cubin = strncmp(target, "sm_", 3) == 0;
    size_t n = 0;
    r = out->cubin ? nv->cubin_size(prog, &n) : nv->ptx_size(prog, &n);
    if (r == 0 && n > 0 && (out->data = malloc(n)) != NULL) {
        r = out->cubin ? nv->cubin(prog, (char *)out->data)
                       : nv->ptx(prog, (char *)out->data);
        out->size = n;
    } else if (r == 0) {
        r = 1;
    }
    nv->destroy(&prog);
    if (r != 0 || out->data == NULL) {
        snprintf(why, len, "%s: cannot read the %s", name,
            out->cubin ? "CUBIN" : "PTX");
        akg_blob_free(out);
        return AKT_EIO;
    }
    return AKT_OK;
}
