/*
 * cache.c -- compiled kernels on disk, so a process starts without running
 * NVRTC again (a CUBIN loads in 0.03 ms; compiling takes 20-60 ms, and JIT
 * from PTX 100 ms).
 *
 * Layout under the root ($AKT_KERNEL_CACHE, else $XDG_CACHE_HOME/akt/
 * kernels, else ~/.cache/akt/kernels; folders mode 0700, the entries are
 * code the GPU runs):
 *     v1/<k0k1>/<key>.cubin (or .ptx)   the blob
 *     v1/<k0k1>/<key>.meta              what the key was made of, the
 *                                       blob's size and SHA-256, NVRTC's log
 * The key is SHA-256 over the format version, akt's version, the exact
 * source, the sorted options, NVRTC's version and the target (and the
 * driver's version for PTX, which the driver JITs).
 *
 * Every file is written to a temporary name, fsync'ed and renamed, so a
 * reader (another process) sees a whole old file or a whole new one, never
 * a torn one. A reader checks the size, the SHA-256 and the ELF magic of a
 * CUBIN; an entry that fails is deleted and reported as damaged (the
 * caller compiles again). Reading touches the blob's mtime; after a write
 * the oldest entries go until the cache is under its cap (LRU by mtime).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "akt/export.h"
#include "gpu_impl.h"
#include "remote/hmac.h"

#ifndef AKT_GPU_VERSION
#define AKT_GPU_VERSION "0"
#endif

#define CACHE_FORMAT "akt-kernel-cache 1"

struct akg_cache {
    char *root; /* .../v1 */
    uint64_t cap;
};

void
akg_sha256_hex(const void *p, size_t n, char out[65])
{
    akti_sha256 s;
    uint8_t d[32];
    akti_sha256_init(&s);
    akti_sha256_update(&s, p, n);
    akti_sha256_final(&s, d);
    for (int i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    }
}

/* mkdir -p path, each folder it creates with mode 0700 */
static int
mkdirs(const char *path)
{
    char *p = strdup(path);
    if (p == NULL) {
        return -1;
    }
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = '/';
        }
    }
    int rc = mkdir(p, 0700) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

akt_err
akg_cache_open(
    const char *dir, uint64_t cap, akg_cache **out, char *why, size_t len)
{
    *out = NULL;
    char base[4096];
    if (dir == NULL) {
        dir = getenv("AKT_KERNEL_CACHE");
    }
    if (dir && strcmp(dir, "off") == 0) {
        return AKT_OK;
    }
    if (dir && *dir) {
        snprintf(base, sizeof base, "%s", dir);
    } else if (getenv("XDG_CACHE_HOME") && *getenv("XDG_CACHE_HOME")) {
        snprintf(base, sizeof base, "%s/akt/kernels", getenv("XDG_CACHE_HOME"));
    } else if (getenv("HOME") && *getenv("HOME")) {
        snprintf(base, sizeof base, "%s/.cache/akt/kernels", getenv("HOME"));
    } else {
        snprintf(why, len,
            "kernel cache: no $AKT_KERNEL_CACHE, $XDG_CACHE_HOME or $HOME");
        return AKT_EIO;
    }
    akg_cache *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return AKT_ENOMEM;
    }
    c->cap = cap ? cap : AKG_CACHE_DEFAULT_CAP;
    size_t n = strlen(base) + 8;
    c->root = malloc(n);
    if (c->root == NULL) {
        free(c);
        return AKT_ENOMEM;
    }
    snprintf(c->root, n, "%s/v1", base);
    struct stat st;
    if (mkdirs(c->root) != 0 || stat(base, &st) != 0) {
        snprintf(why, len, "kernel cache %s: %s", c->root, strerror(errno));
        akg_cache_close(c);
        return AKT_EIO;
    }
    /* the entries are code: only this user may write (or read) them */
    if (st.st_uid != geteuid()) {
        snprintf(why, len, "kernel cache %s belongs to another user", base);
        akg_cache_close(c);
        return AKT_EIO;
    }
    if ((st.st_mode & 077) != 0 && chmod(base, 0700) != 0) {
        snprintf(
            why, len, "kernel cache %s: chmod 0700: %s", base, strerror(errno));
        akg_cache_close(c);
        return AKT_EIO;
    }
    *out = c;
    return AKT_OK;
}

void
akg_cache_close(akg_cache *c)
{
    if (c) {
        free(c->root);
        free(c);
    }
}

const char *
akg_cache_dir(const akg_cache *c)
{
    return c->root;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
akg_cache_key(const char *src, size_t src_len, const char *const *opts,
    size_t nopts, const char *nvrtc_version, const char *target, int driver,
    char key[65])
{
    akti_sha256 s;
    akti_sha256_init(&s);
    static const char head[] = CACHE_FORMAT "\0akt " AKT_GPU_VERSION;
    akti_sha256_update(&s, head, sizeof head);
    akti_sha256_update(&s, src, src_len);
    akti_sha256_update(&s, "", 1);
    const char *sorted[AKG_NVRTC_MAX_OPTS];
    size_t n = nopts < AKG_NVRTC_MAX_OPTS ? nopts : AKG_NVRTC_MAX_OPTS;
    memcpy(sorted, opts, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_str);
    for (size_t i = 0; i < n; i++) {
        akti_sha256_update(&s, sorted[i], strlen(sorted[i]) + 1);
    }
    char tail[160];
    int tl = snprintf(tail, sizeof tail, "nvrtc %s%ctarget %s%cdriver %d",
        nvrtc_version, 0, target, 0, driver);
    akti_sha256_update(&s, tail, (size_t)tl + 1);
    uint8_t d[32];
    akti_sha256_final(&s, d);
    for (int i = 0; i < 32; i++) {
        snprintf(key + 2 * i, 3, "%02x", d[i]);
    }
}

static char *
entry_path(const akg_cache *c, const char key[65], const char *ext)
{
    size_t n = strlen(c->root) + 80;
    char *p = malloc(n);
    if (p) {
        snprintf(p, n, "%s/%.2s/%.64s.%s", c->root, key, key, ext);
    }
    return p;
}

static char *
read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size > (off_t)1 << 30) {
        close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) {
                continue;
            }
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (buf == NULL || got != (size_t)st.st_size) {
        free(buf);
        return NULL;
    }
    buf[got] = '\0';
    *len = got;
    return buf;
}

void
akg_cache_drop(akg_cache *c, const char key[65])
{
    static const char *const exts[] = { "cubin", "ptx", "meta" };
    for (int i = 0; i < 3; i++) {
        char *p = entry_path(c, key, exts[i]);
        if (p) {
            unlink(p);
            free(p);
        }
    }
}

akt_err
akg_cache_get(akg_cache *c, const char key[65], bool cubin, akg_blob *out)
{
    memset(out, 0, sizeof *out);
    char *mp = entry_path(c, key, "meta");
    char *bp = entry_path(c, key, cubin ? "cubin" : "ptx");
    if (mp == NULL || bp == NULL) {
        free(mp);
        free(bp);
        return AKT_ENOMEM;
    }
    size_t ml = 0, bl = 0;
    char *meta = read_file(mp, &ml);
    char *blob = meta ? read_file(bp, &bl) : NULL;
    akt_err err = AKT_OK;
    if (meta == NULL || blob == NULL) {
        /* a missing half is a missing entry (a writer may be between its
         * two renames); a later put completes it */
        err = AKT_ENOENT;
    } else {
        unsigned long long size = 0;
        char sum[65] = "", want_key[65] = "", kind[8] = "";
        if (sscanf(meta,
                CACHE_FORMAT "\nkey %64s\nkind %7s\nsize %llu\nsha256 %64s",
                want_key, kind, &size, sum)
                != 4
            || strcmp(want_key, key) != 0
            || strcmp(kind, cubin ? "cubin" : "ptx") != 0 || size != bl) {
            err = AKT_EPROTO;
        } else {
            char got[65];
            akg_sha256_hex(blob, bl, got);
            if (strcmp(got, sum) != 0
                || (cubin && (bl < 4 || memcmp(blob, "\177ELF", 4) != 0))
                || (!cubin && (bl == 0 || blob[bl - 1] != '\0'))) {
                err = AKT_EPROTO;
            }
        }
    }
    if (err == AKT_OK) {
        char *log = strstr(meta, "\n--\n");
        out->data = (uint8_t *)blob;
        out->size = bl;
        out->cubin = cubin;
        out->log = strdup(log ? log + 4 : "");
        blob = NULL;
        utimensat(AT_FDCWD, bp, NULL, 0); /* used now: the LRU's clock */
    } else if (err == AKT_EPROTO) {
        akg_cache_drop(c, key);
    }
    free(meta);
    free(blob);
    free(mp);
    free(bp);
    return err;
}

/* write data to path through a temporary file, fsync, rename */
static int
write_atomic(const char *path, const void *data, size_t n)
{
    size_t tl = strlen(path) + 48;
    char *tmp = malloc(tl);
    if (tmp == NULL) {
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(tmp, tl, "%s.tmp.%ld.%lx", path, (long)getpid(),
        (unsigned long)(ts.tv_nsec ^ (long)(uintptr_t)&ts));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd >= 0) {
        const char *p = data;
        size_t left = n;
        while (left > 0) {
            ssize_t w = write(fd, p, left);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                break;
            }
            p += w;
            left -= (size_t)w;
        }
        if (left == 0 && fsync(fd) == 0) {
            rc = 0;
        }
        if (close(fd) != 0) {
            rc = -1;
        }
        if (rc == 0 && rename(tmp, path) != 0) {
            rc = -1;
        }
        if (rc != 0) {
            unlink(tmp);
        }
    }
    free(tmp);
    return rc;
}

typedef struct ent {
    char *path; /* the blob */
    off_t size; /* blob + meta */
    struct timespec mtime;
} ent;

static int
cmp_ent(const void *a, const void *b)
{
    const ent *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec) {
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    }
    if (x->mtime.tv_nsec != y->mtime.tv_nsec) {
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    }
    return strcmp(x->path, y->path);
}

/* remove entries, least recently used first, until the total is under the
 * cap; temporary files older than an hour (a writer that died) go too */
static void
trim(akg_cache *c)
{
    DIR *root = opendir(c->root);
    if (root == NULL) {
        return;
    }
    ent *v = NULL;
    size_t nv = 0, cap = 0;
    uint64_t total = 0;
    time_t now = time(NULL);
    struct dirent *d;
    while ((d = readdir(root)) != NULL) {
        if (d->d_name[0] == '.' || strlen(d->d_name) != 2) {
            continue;
        }
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", c->root, d->d_name);
        DIR *sd = opendir(sub);
        if (sd == NULL) {
            continue;
        }
        struct dirent *e;
        while ((e = readdir(sd)) != NULL) {
            char path[4500];
            snprintf(path, sizeof path, "%s/%s", sub, e->d_name);
            struct stat st;
            if (e->d_name[0] == '.' || stat(path, &st) != 0) {
                continue;
            }
            if (strstr(e->d_name, ".tmp.")) {
                if (now - st.st_mtime > 3600) {
                    unlink(path);
                }
                continue;
            }
            total += (uint64_t)st.st_size;
            size_t l = strlen(e->d_name);
            bool blob = (l > 6 && strcmp(e->d_name + l - 6, ".cubin") == 0)
                || (l > 4 && strcmp(e->d_name + l - 4, ".ptx") == 0);
            if (!blob) {
                continue;
            }
            if (nv == cap) {
                cap = cap ? cap * 2 : 64;
                ent *nvv = realloc(v, cap * sizeof *v);
                if (nvv == NULL) {
                    break;
                }
                v = nvv;
            }
            v[nv].path = strdup(path);
            v[nv].size = st.st_size;
            v[nv].mtime = st.st_mtim;
            if (v[nv].path) {
                nv++;
            }
        }
        closedir(sd);
    }
    closedir(root);
    if (total > c->cap && nv > 0) {
        qsort(v, nv, sizeof *v, cmp_ent);
        for (size_t i = 0; i < nv && total > c->cap; i++) {
            /* the blob, then its meta */
            unlink(v[i].path);
            total -= (uint64_t)v[i].size;
            char *dot = strrchr(v[i].path, '.');
            strcpy(dot, ".meta");
            struct stat st;
            if (stat(v[i].path, &st) == 0) {
                total -= (uint64_t)st.st_size;
            }
            unlink(v[i].path);
        }
    }
    for (size_t i = 0; i < nv; i++) {
        free(v[i].path);
    }
    free(v);
}

akt_err
akg_cache_put(
    akg_cache *c, const char key[65], const akg_blob *blob, const char *meta)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%.2s", c->root, key);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return AKT_EIO;
    }
    char *bp = entry_path(c, key, blob->cubin ? "cubin" : "ptx");
    char *mp = entry_path(c, key, "meta");
    char sum[65];
    akg_sha256_hex(blob->data, blob->size, sum);
    size_t ml = strlen(meta ? meta : "") + 512;
    char *m = malloc(ml);
    akt_err err = AKT_ENOMEM;
    if (bp && mp && m) {
        int n = snprintf(m, ml,
            CACHE_FORMAT "\nkey %s\nkind %s\nsize %zu\nsha256 %s\n--\n%s", key,
            blob->cubin ? "cubin" : "ptx", blob->size, sum, meta ? meta : "");
        /* blob first: a reader that finds the meta finds a whole blob */
        err = write_atomic(bp, blob->data, blob->size) == 0
                && write_atomic(mp, m, (size_t)n) == 0
            ? AKT_OK
            : AKT_EIO;
    }
    free(bp);
    free(mp);
    free(m);
    if (err == AKT_OK) {
        trim(c);
    }
    return err;
}
