/*
 * gpu_arch.c -- aktc --gpu-arch sm_80,sm_90: the kernels of the @gpu
 * handlers compiled at build time into the kernel cache (--gpu-cache dir),
 * with the runtime's own NVRTC loader, options, key and cache code
 * (gpu/src/nvrtc.c, kernel.c, cache.c). A program whose
 * akt.gpu.kernel-cache.dir (or AKT_KERNEL_CACHE) names that folder then
 * loads the CUBIN instead of compiling at its first spawn of each type --
 * when its NVRTC is the version aktc used (the version is part of the
 * key). NVRTC is loaded with dlopen: where it does not load, aktc says so
 * and writes nothing (the kernels are then compiled at run time).
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aktc.h"
#include "diag.h"
#include "gpu.h"
#include "gpu_impl.h"

/* a CUBIN target: sm_ then digits and an optional a or f (sm_90a) */
static bool
arch_ok(const char *s, size_t n)
{
    if (n < 5 || n > 15 || strncmp(s, "sm_", 3) != 0) {
        return false;
    }
    size_t i = 3;
    while (i < n && isdigit((unsigned char)s[i])) {
        i++;
    }
    if (i == 3) {
        return false;
    }
    if (i < n && (s[i] == 'a' || s[i] == 'f')) {
        i++; /* sm_90a, sm_100f: the arch-specific feature sets */
    }
    return i == n;
}

const char *
aktc_gpu_arch_bad(const char *list)
{
    static char bad[64];
    const char *p = list;
    for (;;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (!arch_ok(p, n)) {
            snprintf(bad, sizeof bad, "%.*s", (int)(n < 40 ? n : 40), p);
            return bad;
        }
        if (c == NULL) {
            return NULL;
        }
        p = c + 1;
    }
}

int
aktc_gpu_arch(const ast_file *files, const char *list, const char *dir)
{
    char why[1024];
    akg_nvrtc *nv = akg_nvrtc_get(why, sizeof why);
    if (nv == NULL) {
        fprintf(stderr,
            "aktc: --gpu-arch %s: skipped, NVRTC does not load (%s); the "
            "kernels will be compiled when a program first spawns each "
            "type\n",
            list, why);
        return 0;
    }
    akg_cache *cache = NULL;
    if (akg_cache_open(dir, 0, &cache, why, sizeof why) != AKT_OK
        || cache == NULL) {
        diag_plain("--gpu-cache '%s': %s", dir,
            cache == NULL && strcmp(dir, "off") == 0 ? "not a folder" : why);
        return 1;
    }
    int rc = 0;
    for (const ast_file *f = files; f && rc == 0; f = f->next) {
        bool any = false;
        for (const ast_decl *d = f->decls; d; d = d->next) {
            any = any || (d->kind == DECL_ACTOR && aktc_gpu_actor_has_gpu(d));
        }
        if (!f->on_command_line || !any) {
            continue;
        }
        char *h, *c;
        size_t hl, cl;
        emit_cuda_render(f, &h, &hl, &c, &cl);
        for (const char *p = list; rc == 0;) {
            const char *comma = strchr(p, ',');
            char arch[16];
            snprintf(arch, sizeof arch, "%.*s",
                (int)(comma ? (size_t)(comma - p) : strlen(p)), p);
            if (akg_kernel_precompile(
                    cache, nv, h, hl, f->base, arch, why, sizeof why)
                != AKT_OK) {
                diag_plain("%s: NVRTC for %s: %s", f->path, arch, why);
                rc = 1;
            }
            if (comma == NULL) {
                break;
            }
            p = comma + 1;
        }
        free(h);
        free(c);
    }
    akg_cache_close(cache);
    return rc;
}
