/*
 * msg.c -- message allocation, reference counts, arenas, and the generic
 * descriptor-driven operations (dup, equal) behind the generated wrappers:
 * the descriptor's own functions, else the table-driven ones
 * (akt/reflect.h) for an AKT_TYPE_TABLE type.
 *
 * A message is one allocation: header, struct, inline arena (see
 * msg_impl.h). When the inline arena runs out, blocks are chained and freed
 * with the message. Reference counts make broadcast share one message.
 *
 * Allocation goes through a message pool rather than malloc (measured when
 * the core was designed: glibc malloc with the free on another core caps a
 * one-producer pipeline at ~4.5M msg/s, against ~30M for the queue with
 * pooled nodes). Each thread
 * keeps a small free list per size class; a thread that frees more than it
 * allocates (a consumer) hands batches of BATCH blocks to a process-wide depot
 * and a thread that allocates more (a producer) takes batches from it, so
 * the lock is taken once per BATCH messages. The pool is an allocator like
 * malloc: it holds no actor-visible state, so systems do not interfere
 * through it. Pool memory is kept for reuse (never returned to the OS).
 * Under AddressSanitizer the pool is bypassed so use-after-free and leaks
 * stay visible.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "akt/reflect.h"
#include "core/core.h"

#if defined(__SANITIZE_ADDRESS__)
#define MSG_NO_POOL 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MSG_NO_POOL 1
#endif
#endif

#define MSG_NCLASS 5
#define MSG_BATCH  256
static const size_t msg_class_size[MSG_NCLASS] = { 128, 192, 256, 512, 1024 };

/* A batch of free blocks travelling between a thread and the depot. The
 * thread caches keep free blocks as arrays of pointers, not as lists linked
 * through the blocks: popping a block must not read the block (it was last
 * written by the consumer's core; reading its link would be a cache miss on
 * the send path, measured at ~90% of akt_msg_new). */
typedef struct pool_batch {
    struct pool_batch *next;
    uint32_t n;
    void *p[MSG_BATCH];
} pool_batch;

typedef struct msg_cache {
    void *st[MSG_NCLASS][2 * MSG_BATCH];
    uint32_t n[MSG_NCLASS];
    _Atomic int64_t allocs; /* written by the owner only (relaxed store) */
    _Atomic int64_t frees;
    struct msg_cache *reg_next;
} msg_cache;

static pthread_mutex_t depot_mu = PTHREAD_MUTEX_INITIALIZER;
static pool_batch *depot[MSG_NCLASS]; /* full batches */
static pool_batch *spare_batches; /* empty batch structs */
static msg_cache *cache_list; /* every live thread cache */
static _Atomic int64_t retired_live; /* allocs - frees of exited threads */
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static _Thread_local msg_cache *tls_cache;

/* under depot_mu */
static pool_batch *
batch_get(void)
{
    pool_batch *b = spare_batches;
    if (b) {
        spare_batches = b->next;
        return b;
    }
    return malloc(sizeof(pool_batch));
}

static void
cache_release(void *p)
{
    msg_cache *c = p;
    pthread_mutex_lock(&depot_mu);
    for (int k = 0; k < MSG_NCLASS; k++) {
        while (c->n[k] > 0) {
            pool_batch *b = batch_get();
            if (b == NULL) {
                break; /* the blocks stay allocated: a bounded loss */
            }
            uint32_t take = c->n[k] < MSG_BATCH ? c->n[k] : MSG_BATCH;
            c->n[k] -= take;
            memcpy(b->p, &c->st[k][c->n[k]], take * sizeof(void *));
            b->n = take;
            b->next = depot[k];
            depot[k] = b;
        }
    }
    atomic_fetch_add(
        &retired_live, atomic_load(&c->allocs) - atomic_load(&c->frees));
    for (msg_cache **pp = &cache_list; *pp; pp = &(*pp)->reg_next) {
        if (*pp == c) {
            *pp = c->reg_next;
            break;
        }
    }
    pthread_mutex_unlock(&depot_mu);
    free(c);
    tls_cache = NULL;
}

static void
cache_key_init(void)
{
    (void)pthread_key_create(&cache_key, cache_release);
}

static msg_cache *
cache_get(void)
{
    msg_cache *c = tls_cache;
    if (c != NULL) {
        return c;
    }
    pthread_once(&cache_once, cache_key_init);
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&depot_mu);
    c->reg_next = cache_list;
    cache_list = c;
    pthread_mutex_unlock(&depot_mu);
    pthread_setspecific(cache_key, c);
    tls_cache = c;
    return c;
}

static inline void
count_add(_Atomic int64_t *ctr)
{
    atomic_store_explicit(ctr,
        atomic_load_explicit(ctr, memory_order_relaxed) + 1,
        memory_order_relaxed);
}

/* akti_msg_live -- messages allocated and not yet freed, process-wide. */
int64_t
akti_msg_live(void)
{
    pthread_mutex_lock(&depot_mu);
    int64_t n = atomic_load(&retired_live);
    for (msg_cache *c = cache_list; c; c = c->reg_next) {
        n += atomic_load_explicit(&c->allocs, memory_order_relaxed)
            - atomic_load_explicit(&c->frees, memory_order_relaxed);
    }
    pthread_mutex_unlock(&depot_mu);
    return n;
}

void
akti_msg_cache_flush(void)
{
    if (tls_cache) {
        pthread_setspecific(cache_key, NULL);
        cache_release(tls_cache);
    }
}

#ifndef MSG_NO_POOL
/* refill class k of c: a batch from the depot, or a fresh chunk */
static bool
cache_refill(msg_cache *c, int k)
{
    pthread_mutex_lock(&depot_mu);
    pool_batch *b = depot[k];
    if (b) {
        depot[k] = b->next;
        memcpy(c->st[k], b->p, b->n * sizeof(void *));
        c->n[k] = b->n;
        b->next = spare_batches;
        spare_batches = b;
    }
    pthread_mutex_unlock(&depot_mu);
    if (b) {
        return true;
    }
    size_t sz = msg_class_size[k];
    char *chunk = malloc(sz * MSG_BATCH);
    if (chunk == NULL) {
        return false;
    }
    for (int i = 0; i < MSG_BATCH; i++) {
        c->st[k][i] = chunk + (size_t)(MSG_BATCH - 1 - i) * sz;
    }
    c->n[k] = MSG_BATCH;
    return true;
}
#endif

static akti_msg *
pool_alloc(size_t total, uint8_t *cls_out)
{
    msg_cache *c = cache_get();
    if (c == NULL) {
        return NULL;
    }
#ifndef MSG_NO_POOL
    int k = 0;
    while (k < MSG_NCLASS && msg_class_size[k] < total) {
        k++;
    }
    if (k < MSG_NCLASS) {
        if (c->n[k] == 0 && !cache_refill(c, k)) {
            return NULL;
        }
        count_add(&c->allocs);
        *cls_out = (uint8_t)k;
        uint32_t i = --c->n[k];
        if (i >= 2) {
            /* the block after next was last written by another core (it
             * came back through the depot): start fetching it for writing */
            __builtin_prefetch(c->st[k][i - 2], 1, 3);
        }
        return c->st[k][i];
    }
#endif
    akti_msg *m = malloc(total);
    if (m != NULL) {
        count_add(&c->allocs);
    }
    *cls_out = 0xff;
    return m;
}

static void
pool_free(akti_msg *m)
{
    msg_cache *c = cache_get();
    uint8_t k = m->pool_class;
    if (c) {
        count_add(&c->frees);
    }
    /* k >= AKTI_MSG_POOL_RESERVE: malloc'd, 0xff or a system reserve's
     * block (akti_msg_new_reserve; its owner normally takes it back with
     * akti_sys_msg_free). A reserve block was never counted as live: its
     * free is undone. One test on the common path, as before. */
    if (c == NULL) {
        /* no cache for this thread (out of memory): count it directly; a
         * pool block lives inside a chunk and cannot go to free() */
        atomic_fetch_sub(&retired_live, 1);
        if (k >= AKTI_MSG_POOL_RESERVE) {
            if (k == AKTI_MSG_POOL_RESERVE) {
                atomic_fetch_add(&retired_live, 1);
            }
            free(m);
        }
        return;
    }
    if (k >= AKTI_MSG_POOL_RESERVE) {
        if (k == AKTI_MSG_POOL_RESERVE) {
            atomic_store_explicit(&c->frees,
                atomic_load_explicit(&c->frees, memory_order_relaxed) - 1,
                memory_order_relaxed);
        }
        free(m);
        return;
    }
    if (c->n[k] == 2 * MSG_BATCH) {
        /* hand the older half to the depot */
        pthread_mutex_lock(&depot_mu);
        pool_batch *b = batch_get();
        if (b) {
            memcpy(b->p, c->st[k], MSG_BATCH * sizeof(void *));
            b->n = MSG_BATCH;
            b->next = depot[k];
            depot[k] = b;
        }
        pthread_mutex_unlock(&depot_mu);
        if (b == NULL) {
            return; /* keep the block out of circulation rather than crash */
        }
        memmove(c->st[k], &c->st[k][MSG_BATCH], MSG_BATCH * sizeof(void *));
        c->n[k] = MSG_BATCH;
    }
    c->st[k][c->n[k]++] = m;
}

uint64_t
akt_type_id(const char *name)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

static size_t
align_up(size_t n, size_t a)
{
    return (n + (a - 1)) & ~(a - 1);
}

void *
akt_msg_new(const akt_type *type, size_t arena_hint)
{
    if (type == NULL || type->abi != AKT_GEN_ABI) {
        return NULL;
    }
    size_t body = align_up(type->size ? type->size : 1, 16);
    size_t total = AKTI_MSG_HDR_SIZE + body + arena_hint;
    if (total < AKTI_MSG_HDR_SIZE + body) {
        return NULL;
    }
    uint8_t cls;
    akti_msg *m = pool_alloc(total, &cls);
    if (m == NULL) {
        return NULL;
    }
    if (cls != 0xff) {
        total = msg_class_size[cls]; /* the slack becomes inline arena */
    }
    memset(m, 0, AKTI_MSG_HDR_SIZE + body);
    m->pool_class = cls;
    atomic_init(&m->next, NULL);
    m->type = type;
    atomic_init(&m->refs, 1);
    m->arena.cur = (char *)m + AKTI_MSG_HDR_SIZE + body;
    m->arena.end = (char *)m + total;
    m->arena.blocks = NULL;
    void *obj = akti_msg_body(m);
    if (type->init) {
        type->init(obj, &m->arena);
    } else if (type->flags & AKT_TYPE_TABLE) {
        akt_type_init(type, obj, &m->arena);
    }
    return obj;
}

void *
akti_msg_new_reserve(const akt_type *type)
{
    size_t total = AKTI_MSG_HDR_SIZE + align_up(type->size, 16);
    akti_msg *m = malloc(total);
    if (m == NULL) {
        return NULL;
    }
    memset(m, 0, total);
    m->pool_class = AKTI_MSG_POOL_RESERVE;
    atomic_init(&m->next, NULL);
    m->type = type;
    atomic_init(&m->refs, 1);
    m->arena.cur = m->arena.end = (char *)m + total;
    m->arena.blocks = NULL;
    return akti_msg_body(m);
}

void *
akt_msg_retain(const void *msg)
{
    if (msg == NULL) {
        return NULL;
    }
    atomic_fetch_add_explicit(
        &akti_msg_hdr(msg)->refs, 1, memory_order_relaxed);
    return (void *)(uintptr_t)msg;
}

void
akt_msg_free(void *msg)
{
    if (msg == NULL) {
        return;
    }
    akti_msg *m = akti_msg_hdr(msg);
    if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    if (m->type->fini) {
        m->type->fini(msg);
    }
    akti_arena_block *b = m->arena.blocks;
    while (b) {
        akti_arena_block *next = b->next;
        free(b);
        b = next;
    }
    pool_free(m);
}

const akt_type *
akt_msg_type(const void *msg)
{
    return msg ? akti_msg_hdr(msg)->type : NULL;
}

akt_arena *
akt_msg_arena(void *msg)
{
    return msg ? &akti_msg_hdr(msg)->arena : NULL;
}

void *
akt_arena_alloc(akt_arena *a, size_t size, size_t align)
{
    if (a == NULL || align == 0 || (align & (align - 1)) != 0) {
        return NULL;
    }
    if (size == 0) {
        size = 1;
    }
    uintptr_t p = ((uintptr_t)a->cur + (align - 1)) & ~(uintptr_t)(align - 1);
    if (p >= (uintptr_t)a->cur && p <= (uintptr_t)a->end
        && size <= (uintptr_t)a->end - p) {
        a->cur = (char *)(p + size);
        return (void *)p;
    }
    /* New block: at least 256 bytes, or what is asked, to amortise. */
    size_t want = size + align + sizeof(akti_arena_block);
    if (want < size) {
        return NULL; /* overflow */
    }
    size_t bsize = want < 256 ? 256 : want;
    akti_arena_block *b = malloc(bsize);
    if (b == NULL) {
        return NULL;
    }
    b->next = a->blocks;
    b->size = bsize;
    a->blocks = b;
    char *start = (char *)(b + 1);
    p = ((uintptr_t)start + (align - 1)) & ~(uintptr_t)(align - 1);
    a->cur = (char *)(p + size);
    a->end = (char *)b + bsize;
    return (void *)p;
}

akt_err
akt_arena_str(akt_arena *a, const char *s, size_t len, akt_str *out)
{
    if (out == NULL || (s == NULL && len > 0)) {
        return AKT_EINVAL;
    }
    char *p = akt_arena_alloc(a, len + 1, 1);
    if (p == NULL) {
        return AKT_ENOMEM;
    }
    if (len) {
        memcpy(p, s, len);
    }
    p[len] = '\0';
    out->ptr = p;
    out->len = len;
    return AKT_OK;
}

akt_err
akt_arena_bytes(akt_arena *a, const void *src, size_t len, akt_bytes *out)
{
    if (out == NULL || (src == NULL && len > 0)) {
        return AKT_EINVAL;
    }
    if (len == 0) {
        out->ptr = NULL;
        out->len = 0;
        return AKT_OK;
    }
    uint8_t *p = akt_arena_alloc(a, len, 1);
    if (p == NULL) {
        return AKT_ENOMEM;
    }
    memcpy(p, src, len);
    out->ptr = p;
    out->len = len;
    return AKT_OK;
}

size_t
akt_cstr_size(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

akt_err
akt_msg_put_str(void *msg, akt_str *dst, const char *s)
{
    if (msg == NULL || dst == NULL) {
        return AKT_EINVAL;
    }
    return s != NULL ? akt_arena_str(akt_msg_arena(msg), s, strlen(s), dst)
                     : AKT_OK;
}

akt_err
akt_msg_put_cstr(void *msg, akt_str *dst, const char *s, size_t size)
{
    if (msg == NULL || dst == NULL || (s != NULL && size == 0)) {
        return AKT_EINVAL;
    }
    return s != NULL ? akt_arena_str(akt_msg_arena(msg), s, size - 1, dst)
                     : AKT_OK;
}

akt_err
akt_msg_put_bytes(void *msg, akt_bytes *dst, akt_bytes b)
{
    if (msg == NULL || dst == NULL) {
        return AKT_EINVAL;
    }
    return akt_arena_bytes(akt_msg_arena(msg), b.ptr, b.len, dst);
}

void *
akt_msg_dup(const void *msg)
{
    if (msg == NULL) {
        return NULL;
    }
    const akt_type *t = akt_msg_type(msg);
    akti_msg *src = akti_msg_hdr(msg);
    /* Size the inline arena to what the source used, so a dup is usually
     * one allocation too. */
    size_t used = (size_t)(src->arena.cur
        - ((char *)msg + align_up(t->size ? t->size : 1, 16)));
    if (src->arena.blocks) {
        used = 0;
        for (akti_arena_block *b = src->arena.blocks; b; b = b->next) {
            used += b->size;
        }
    }
    void *dst = akt_msg_new(t, used);
    if (dst == NULL) {
        return NULL;
    }
    if (t->fini) {
        t->fini(dst); /* drop init'ed defaults that copy overwrites */
    }
    memset(dst, 0, t->size);
    akt_err rc;
    if (t->copy != NULL) {
        rc = t->copy(dst, msg, akt_msg_arena(dst));
    } else if (t->flags & AKT_TYPE_TABLE) {
        rc = akt_type_copy(t, dst, msg, akt_msg_arena(dst));
    } else {
        memcpy(dst, msg, t->size);
        return dst;
    }
    if (rc != AKT_OK) {
        akt_msg_free(dst);
        return NULL;
    }
    return dst;
}

bool
akt_msg_equal(const void *a, const void *b)
{
    if (a == b) {
        return true;
    }
    if (a == NULL || b == NULL) {
        return false;
    }
    const akt_type *t = akt_msg_type(a);
    if (t != akt_msg_type(b)) {
        return false;
    }
    if (t->equal) {
        return t->equal(a, b);
    }
    if (t->flags & AKT_TYPE_TABLE) {
        return akt_type_equal(t, a, b);
    }
    return memcmp(a, b, t->size) == 0;
}
