/*
 * kernel.c -- a kernel's image for a target: from the kernel cache when it
 * holds a valid entry, else compiled by NVRTC and stored there. The one
 * place that decides the key and the options, shared by the runtime
 * (plugin.c, at the first spawn of a type) and by aktc --gpu-arch (at
 * build time), so an entry aktc writes is the one the runtime looks up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_impl.h"

#define PRECOMPILED "precompiled" /* in place of NVRTC's version */

akt_err
akg_kernel_image(akg_cache *c, akg_nvrtc *nv, const char *src, size_t len,
    const char *name, const char *target, bool fresh, akg_blob *out,
    akg_origin *from, char *why, size_t wlen)
{
    const char *opts[AKG_NVRTC_MAX_OPTS];
    size_t nopts = 0;
    *from = AKG_FROM_NVRTC;
    memset(out, 0, sizeof *out);
    akt_err err = akg_nvrtc_options(target, NULL, 0, opts, &nopts, why, wlen);
    if (err != AKT_OK) {
        return err;
    }
    bool cubin = strncmp(target, "sm_", 3) == 0;
    char pkey[65], key[65];
    akg_cache_key(src, len, opts, nopts, PRECOMPILED, target, 0, pkey);
    if (c && fresh) {
        akg_cache_drop(c, pkey);
    } else if (c && cubin) {
        /* a precompiled CUBIN needs no NVRTC: looked up first */
        if (akg_cache_get(c, pkey, true, out) == AKT_OK) {
            *from = AKG_FROM_PRECOMPILED;
            return AKT_OK;
        }
    }
    if (nv == NULL) {
        snprintf(why, wlen,
            "no precompiled kernel for %s in %s (aktc --gpu-arch %s), and no "
            "NVRTC to compile one",
            target, c ? akg_cache_dir(c) : "the kernel cache (off)", target);
        return AKT_ENOTSUP;
    }
    akg_cache_key(src, len, opts, nopts, akg_nvrtc_version(nv), target, 0, key);
    if (c && fresh) {
        akg_cache_drop(c, key);
    } else if (c) {
        err = akg_cache_get(c, key, cubin, out);
        if (err == AKT_OK) {
            *from = AKG_FROM_CACHE;
            return AKT_OK;
        }
        /* missing, or damaged (then deleted): compile it */
    }
    err = akg_nvrtc_compile(nv, src, name, target, NULL, 0, out, why, wlen);
    if (err != AKT_OK || c == NULL) {
        return err;
    }
    size_t mlen = strlen(out->log) + 512;
    char *meta = malloc(mlen);
    if (meta == NULL) {
        return AKT_OK; /* compiled; only the cache entry is lost */
    }
    snprintf(meta, mlen,
        "module %s\nnvrtc %s\ntarget %s\noptions -fmad=false -std=c++17\n"
        "log:\n%s",
        name, akg_nvrtc_version(nv), target, out->log);
    akg_cache_put(c, key, out, meta);
    free(meta);
    return AKT_OK;
}

akt_err
akg_kernel_precompile(akg_cache *c, akg_nvrtc *nv, const char *src, size_t len,
    const char *name, const char *target, char *why, size_t wlen)
{
    const char *opts[AKG_NVRTC_MAX_OPTS];
    size_t nopts = 0;
    akt_err err = akg_nvrtc_options(target, NULL, 0, opts, &nopts, why, wlen);
    if (err != AKT_OK) {
        return err;
    }
    if (strncmp(target, "sm_", 3) != 0) {
        snprintf(why, wlen, "'%s' is not a CUBIN target", target);
        return AKT_EINVAL;
    }
    char pkey[65];
    akg_cache_key(src, len, opts, nopts, PRECOMPILED, target, 0, pkey);
    akg_blob b;
    akg_origin from;
    /* fresh: what this NVRTC makes, not an older precompiled entry */
    akg_cache_drop(c, pkey);
    err = akg_kernel_image(
        c, nv, src, len, name, target, false, &b, &from, why, wlen);
    if (err != AKT_OK) {
        return err;
    }
    char meta[512];
    snprintf(meta, sizeof meta,
        "module %s\nprecompiled by aktc --gpu-arch with nvrtc %s\ntarget "
        "%s\noptions -fmad=false -std=c++17\n",
        name, akg_nvrtc_version(nv), target);
    err = akg_cache_put(c, pkey, &b, meta);
    akg_blob_free(&b);
    if (err != AKT_OK) {
        snprintf(why, wlen, "cannot write the kernel to %s", akg_cache_dir(c));
    }
    return err;
}

char *
akg_module_source(const char *const *lines, size_t nlines, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < nlines; i++) {
        n += strlen(lines[i]);
    }
    char *s = malloc(n + 1);
    if (s == NULL) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < nlines; i++) {
        size_t l = strlen(lines[i]);
        memcpy(s + k, lines[i], l);
        k += l;
    }
    s[k] = '\0';
    *len = k;
    return s;
}
