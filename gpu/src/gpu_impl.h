/*
 * gpu_impl.h -- what the files of libakt-gpu share: the NVRTC and CUDA
 * driver loaders (nvrtc.c, cuda.c: both by dlopen, so nothing here needs
 * the CUDA toolkit to build) and the kernel cache (cache.c). Names: akg_
 * (internal to libakt-gpu, hidden).
 */
#ifndef AKG_GPU_IMPL_H
#define AKG_GPU_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/err.h"

#if defined(__GNUC__)
#define AKG_HIDDEN __attribute__((visibility("hidden")))
#else
#define AKG_HIDDEN
#endif

/* SHA-256: libakt's (runtime/src/remote/hmac.c), compiled into
 * libakt-gpu as well; akg_sha256_hex (cache.c) gives the digest of p as
 * 64 lowercase hex digits and a NUL. */
AKG_HIDDEN void akg_sha256_hex(const void *p, size_t n, char out[65]);

/* --- NVRTC ------------------------------------------------------------------
 * Loaded once per process with dlopen: $AKT_NVRTC_LIB, else
 * libnvrtc.so.13, .12, .11.2, libnvrtc.so. */

typedef struct akg_nvrtc akg_nvrtc;

/* akg_nvrtc_get -- the loaded library, or NULL with the reason in why */
AKG_HIDDEN akg_nvrtc *akg_nvrtc_get(char *why, size_t len);
/* "13.0": NVRTC's version, part of the cache key */
AKG_HIDDEN const char *akg_nvrtc_version(const akg_nvrtc *nv);

#define AKG_NVRTC_MAX_OPTS 16

/* akg_nvrtc_options -- the options akt compiles with for target ("sm_90":
 * CUBIN, "compute_90": PTX) plus extra (may be NULL): the architecture,
 * -fmad=false (a contracted a*b+c rounds once: the CPU's answer
 * differs), -std=c++17. An extra option that changes float results
 * (fast math, flush to zero, approximate division or square root, FMA
 * contraction) is refused: AKT_EINVAL, why names it. opts holds pointers
 * to static strings, target and extra (*nopts of them). */
AKG_HIDDEN akt_err akg_nvrtc_options(const char *target,
    const char *const *extra, size_t nextra, const char **opts, size_t *nopts,
    char *why, size_t len);

typedef struct akg_blob {
    uint8_t *data; /* CUBIN (an ELF image) or PTX text with its NUL */
    size_t size;
    char *log; /* NVRTC's log, NUL-terminated ("" when empty) */
    bool cubin;
} akg_blob;

/* akg_nvrtc_compile -- compile src (named name in messages) for target
 * with akg_nvrtc_options(extra). On AKT_OK *out holds the blob and the log
 * (free with akg_blob_free). Errors: AKT_EINVAL (a refused option),
 * AKT_ESYNTAX (the source does not compile: why starts with the log),
 * AKT_ENOMEM, AKT_EIO (another NVRTC failure). */
AKG_HIDDEN akt_err akg_nvrtc_compile(akg_nvrtc *nv, const char *src,
    const char *name, const char *target, const char *const *extra,
    size_t nextra, akg_blob *out, char *why, size_t len);
AKG_HIDDEN void akg_blob_free(akg_blob *b);

/* --- the kernel cache (cache.c) ---------------------------------------------
 * CUBIN (or PTX) blobs on disk, keyed by SHA-256 over the format version,
 * the source, the sorted options, NVRTC's version and the target (and the
 * driver's version for PTX). docs/gpu.md describes the layout. */

typedef struct akg_cache akg_cache;

#define AKG_CACHE_DEFAULT_CAP (256u * 1024 * 1024)

/* akg_cache_open -- the cache at dir (NULL: $AKT_KERNEL_CACHE, else
 * $XDG_CACHE_HOME/akt/kernels, else ~/.cache/akt/kernels; "off": no
 * cache, *out NULL and AKT_OK). Creates the folders with mode 0700.
 * Errors: AKT_EIO (why says which path and why). */
AKG_HIDDEN akt_err akg_cache_open(const char *dir, uint64_t cap_bytes,
    akg_cache **out, char *why, size_t len);
AKG_HIDDEN void akg_cache_close(akg_cache *c);
AKG_HIDDEN const char *akg_cache_dir(const akg_cache *c);

/* akg_cache_key -- the key (64 hex digits) of src compiled with opts for
 * target by NVRTC nvrtc_version (driver: the driver's version for a PTX
 * target, or 0). Options are sorted first, so their order does not
 * matter. */
AKG_HIDDEN void akg_cache_key(const char *src, size_t src_len,
    const char *const *opts, size_t nopts, const char *nvrtc_version,
    const char *target, int driver, char key[65]);

/* akg_cache_get -- the entry for key, validated (size, SHA-256 of the
 * blob, ELF magic for a CUBIN): AKT_OK and *out (free with akg_blob_free;
 * its mtime is touched for the LRU), AKT_ENOENT when missing, AKT_EPROTO
 * when the entry is damaged (it is deleted). */
AKG_HIDDEN akt_err akg_cache_get(
    akg_cache *c, const char key[65], bool cubin, akg_blob *out);

/* akg_cache_put -- store blob under key: written to a temporary file,
 * fsync'ed and renamed, so a reader never sees a torn file; then entries
 * are removed, least recently used first, until the cache is within its
 * cap. meta: text kept beside the blob (the key's material and NVRTC's
 * log). Errors: AKT_EIO. */
AKG_HIDDEN akt_err akg_cache_put(
    akg_cache *c, const char key[65], const akg_blob *blob, const char *meta);

/* akg_cache_drop -- remove key's entry (the driver refused it) */
AKG_HIDDEN void akg_cache_drop(akg_cache *c, const char key[65]);

/* --- a kernel's image (kernel.c) --------------------------------------------
 * Two kinds of entry: compiled at run time, keyed with NVRTC's version
 * (akg_cache_key), and precompiled (aktc --gpu-arch), keyed with the word
 * "precompiled" in its place, so a program finds them without loading
 * NVRTC: a CUBIN for the device's exact sm_XY needs only the driver. */

/* where an image came from */
typedef enum akg_origin {
    AKG_FROM_NVRTC, /* compiled now */
    AKG_FROM_CACHE, /* compiled by an earlier run with the same NVRTC */
    AKG_FROM_PRECOMPILED /* aktc --gpu-arch at build time */
} akg_origin;

/* akg_kernel_image -- src (named name in messages) for target: a
 * precompiled entry in c (CUBIN targets), else one compiled by this NVRTC
 * (nv may be NULL: then only a precompiled one), else NVRTC's output, then
 * stored in c (when not NULL). fresh: the last image was refused by the
 * driver: both entries are dropped and src compiled again. Free *out with
 * akg_blob_free. Errors: as akg_nvrtc_compile; AKT_ENOTSUP without NVRTC
 * and without a precompiled image (why says where it looked). */
AKG_HIDDEN akt_err akg_kernel_image(akg_cache *c, akg_nvrtc *nv,
    const char *src, size_t len, const char *name, const char *target,
    bool fresh, akg_blob *out, akg_origin *from, char *why, size_t wlen);

/* akg_kernel_precompile -- aktc --gpu-arch: src compiled for target (or
 * this NVRTC's cache entry) stored as its precompiled entry in c */
AKG_HIDDEN akt_err akg_kernel_precompile(akg_cache *c, akg_nvrtc *nv,
    const char *src, size_t len, const char *name, const char *target,
    char *why, size_t wlen);

/* akg_module_source -- the lines of a generated module joined: the exact
 * text of its .gpu.h, the source NVRTC compiles (malloc'd; NULL on
 * ENOMEM) */
AKG_HIDDEN char *akg_module_source(
    const char *const *lines, size_t nlines, size_t *len);

/* --- the CUDA driver (cuda.c) -----------------------------------------------
 */

typedef struct akg_cuda akg_cuda;

/* akg_cuda_open -- load the driver ($AKT_CUDA_LIB, else libcuda.so.1),
 * cuInit, take device ordinal's primary context. NULL with why when any
 * step fails ("cuInit: CUDA_ERROR_STUB_LIBRARY (34)", ...). */
AKG_HIDDEN akg_cuda *akg_cuda_open(int ordinal, char *why, size_t len);
AKG_HIDDEN void akg_cuda_close(akg_cuda *cu);
/* akg_cuda_bind -- make the context current on the calling thread */
AKG_HIDDEN akt_err akg_cuda_bind(akg_cuda *cu);
/* "sm_90" for compute capability 9.0 */
AKG_HIDDEN const char *akg_cuda_arch(const akg_cuda *cu);
AKG_HIDDEN const char *akg_cuda_name(const akg_cuda *cu);
AKG_HIDDEN int akg_cuda_driver_version(const akg_cuda *cu);

/* device memory: 0 means none */
typedef uint64_t akg_dptr;

AKG_HIDDEN akt_err akg_cuda_alloc(akg_cuda *cu, size_t n, akg_dptr *out);
AKG_HIDDEN void akg_cuda_free(akg_cuda *cu, akg_dptr p);
AKG_HIDDEN akt_err akg_cuda_host_alloc(akg_cuda *cu, size_t n, void **out);
AKG_HIDDEN void akg_cuda_host_free(akg_cuda *cu, void *p);
AKG_HIDDEN akt_err akg_cuda_htod(
    akg_cuda *cu, akg_dptr dst, const void *src, size_t n, bool async);
AKG_HIDDEN akt_err akg_cuda_dtoh(
    akg_cuda *cu, void *dst, akg_dptr src, size_t n, bool async);
AKG_HIDDEN akt_err akg_cuda_dtod(
    akg_cuda *cu, akg_dptr dst, akg_dptr src, size_t n);
/* akg_cuda_sync -- until the stream's work so far is done, or past
 * deadline_ns (CLOCK_MONOTONIC): AKT_ETIMEDOUT, the device taken as hung
 * (akg_cuda_wait) */
AKG_HIDDEN akt_err akg_cuda_sync(akg_cuda *cu, int64_t deadline_ns);

typedef struct akg_kernel akg_kernel;
/* akg_cuda_load -- load a CUBIN or PTX image and find kernel. AKT_EPROTO
 * when the driver refuses the image (a cache entry to drop). */
AKG_HIDDEN akt_err akg_cuda_load(akg_cuda *cu, const akg_blob *img,
    const char *kernel, akg_kernel **out, char *why, size_t len);
#define AKG_BLOCK 128 /* threads per block of a batch kernel */

/* akg_cuda_launch -- the kernel over n_actors threads (blocks of
 * AKG_BLOCK) with the one parameter args (a device pointer);
 * akg_cuda_launch_blocks -- over that many blocks. */
AKG_HIDDEN akt_err akg_cuda_launch(
    akg_cuda *cu, akg_kernel *k, uint32_t n_actors, akg_dptr args);
AKG_HIDDEN akt_err akg_cuda_launch_blocks(
    akg_cuda *cu, akg_kernel *k, uint32_t blocks, akg_dptr args);

/* events: one is recorded after a batch's work on the stream */
typedef struct akg_event akg_event;
AKG_HIDDEN akt_err akg_cuda_event_new(akg_cuda *cu, akg_event **out);
AKG_HIDDEN void akg_cuda_event_free(akg_cuda *cu, akg_event *e);
AKG_HIDDEN akt_err akg_cuda_record(akg_cuda *cu, akg_event *e);
/* akg_cuda_wait -- until the work before e's record is done: AKT_OK; the
 * error that work ran into (a sticky one poisons the context); or, past
 * deadline_ns (CLOCK_MONOTONIC), AKT_ETIMEDOUT: the device is taken as
 * hung and the context as poisoned (a kernel cannot be stopped) */
AKG_HIDDEN akt_err akg_cuda_wait(
    akg_cuda *cu, akg_event *e, int64_t deadline_ns);

/* CUDA graphs: copy in (n_in bytes from pinned hin to din), the kernel
 * over blocks blocks with args, copy out (n_out bytes from dout to
 * pinned hout), captured once and launched as one graph (~1 us of CPU
 * instead of three enqueues). AKT_ENOTSUP where the driver has none. */
typedef struct akg_graph akg_graph;
AKG_HIDDEN bool akg_cuda_has_graphs(const akg_cuda *cu);
AKG_HIDDEN akt_err akg_cuda_graph_new(akg_cuda *cu, akg_kernel *k, akg_dptr din,
    const void *hin, size_t n_in, uint32_t blocks, akg_dptr args, void *hout,
    akg_dptr dout, size_t n_out, akg_graph **out);
AKG_HIDDEN akt_err akg_cuda_graph_launch(akg_cuda *cu, akg_graph *g);
AKG_HIDDEN void akg_cuda_graph_free(akg_cuda *cu, akg_graph *g);
/* --- the persistent kernel (akt.gpu.persistent-max-batch) ---
 * mapped pinned host memory: *host for the host, *dev the device's
 * address of it (zeroed); freed with akg_cuda_host_free. AKT_ENOTSUP
 * where the driver has none. */
AKG_HIDDEN bool akg_cuda_has_mapped(const akg_cuda *cu);
AKG_HIDDEN akt_err akg_cuda_mapped_alloc(
    akg_cuda *cu, size_t n, void **host, akg_dptr *dev);
#define AKG_PBLOCK 256 /* threads of the persistent kernel's one block */
/* akg_cuda_launch_resident -- k over one block of AKG_PBLOCK threads with
 * the one parameter param, on a stream of its own (it stays resident) */
AKG_HIDDEN akt_err akg_cuda_launch_resident(
    akg_cuda *cu, akg_kernel *k, akg_dptr param);
/* akg_cuda_resident_check -- AKT_OK while the resident kernels run (or
 * ended); the error one of them died of (a sticky one poisons) */
AKG_HIDDEN akt_err akg_cuda_resident_check(akg_cuda *cu);
/* akg_cuda_give_up -- the context is taken as poisoned (a hung device),
 * why the error's text */
AKG_HIDDEN void akg_cuda_give_up(akg_cuda *cu, const char *why);
/* the last error's text */
AKG_HIDDEN const char *akg_cuda_error(const akg_cuda *cu);
/* true once a launch failed in a way that poisons the context */
AKG_HIDDEN bool akg_cuda_poisoned(const akg_cuda *cu);

#endif /* AKG_GPU_IMPL_H */
