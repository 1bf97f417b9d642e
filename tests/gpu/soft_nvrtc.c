/*
 * soft_nvrtc.c -- a stand-in for libnvrtc for the soft CUDA tests
 * (soft_cuda.c): it "compiles" any source that has a __global__ kernel
 * into a small image with the ELF magic (the soft driver's kernels are the
 * CPU batch loops, found by name), so the dispatcher's compile and load
 * path runs where no CUDA toolkit is installed. Other sources fail with
 * NVRTC_ERROR_COMPILATION and a log, as a real compile error would.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

typedef struct soft_prog {
    char *src;
    int ok;
} soft_prog;

static const char image[] = "\177ELF soft nvrtc image";
/* AKT_SOFT_NVRTC_REFUSED_IMAGE=1: an image soft_cuda.c refuses to load
 * (CUDA_ERROR_INVALID_IMAGE), of the same size, that passes the kernel
 * cache's checks (a stale or foreign CUBIN) */
static const char refused[] = "\177ELF soft nvrtc REFUS";
_Static_assert(sizeof image == sizeof refused, "the two images' sizes");

static const char *
the_image(void)
{
    const char *r = getenv("AKT_SOFT_NVRTC_REFUSED_IMAGE");
    return r && *r == '1' ? refused : image;
}
static const char bad_log[] = "soft nvrtc: no __global__ kernel";

EXPORT int
nvrtcVersion(int *major, int *minor)
{
    *major = 99;
    *minor = 1;
    return 0;
}

EXPORT int
nvrtcCreateProgram(soft_prog **p, const char *src, const char *name, int n,
    const char *const *headers, const char *const *names)
{
    (void)name;
    (void)n;
    (void)headers;
    (void)names;
    *p = calloc(1, sizeof **p);
    if (*p == NULL || ((*p)->src = strdup(src)) == NULL) {
        free(*p);
        return 1;
    }
    return 0;
}

EXPORT int
nvrtcCompileProgram(soft_prog *p, int n, const char *const *opts)
{
    (void)n;
    (void)opts;
    p->ok = strstr(p->src, "__global__") != NULL;
    return p->ok ? 0 : 6;
}

EXPORT int
nvrtcGetProgramLogSize(soft_prog *p, size_t *n)
{
    *n = p->ok ? 1 : sizeof bad_log;
    return 0;
}

EXPORT int
nvrtcGetProgramLog(soft_prog *p, char *log)
{
    strcpy(log, p->ok ? "" : bad_log);
    return 0;
}

EXPORT int
nvrtcGetPTXSize(soft_prog *p, size_t *n)
{
    (void)p;
    *n = sizeof image;
    return 0;
}

EXPORT int
nvrtcGetPTX(soft_prog *p, char *out)
{
    (void)p;
    memcpy(out, the_image(), sizeof image);
    return 0;
}

EXPORT int
nvrtcGetCUBINSize(soft_prog *p, size_t *n)
{
    return nvrtcGetPTXSize(p, n);
}

EXPORT int
nvrtcGetCUBIN(soft_prog *p, char *out)
{
    return nvrtcGetPTX(p, out);
}

EXPORT int
nvrtcDestroyProgram(soft_prog **p)
{
    free((*p)->src);
    free(*p);
    *p = NULL;
    return 0;
}

EXPORT const char *
nvrtcGetErrorString(int r)
{
    return r == 6 ? "NVRTC_ERROR_COMPILATION" : "NVRTC_ERROR";
}
