/*
 * cfg_mem.c -- allocation for the config subsystem: the fault-injection
 * hook every config allocation goes through, and the arena that owns the
 * nodes of one config. The hook's counter is thread-local test state, never
 * touched unless a test arms it.
 */
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"

static _Thread_local long mem_fail_at; /* 0: off */
static _Thread_local long mem_count; /* allocations since armed */
static _Thread_local bool mem_failed;

void
akti_cfg_fail_alloc(long nth)
{
    mem_fail_at = nth;
    mem_count = 0;
    mem_failed = false;
}

bool
akti_cfg_alloc_failed(void)
{
    return mem_failed;
}

static bool
mem_should_fail(void)
{
    if (mem_fail_at <= 0) {
        return false;
    }
    if (++mem_count >= mem_fail_at) {
        mem_failed = true;
        return true;
    }
    return false;
}

void *
akti_cfg_malloc(size_t n)
{
    if (mem_should_fail()) {
        return NULL;
    }
    return malloc(n ? n : 1);
}

void *
akti_cfg_realloc(void *p, size_t n)
{
    if (mem_should_fail()) {
        return NULL;
    }
    return realloc(p, n ? n : 1);
}

void
akti_cfg_free(void *p)
{
    free(p);
}

/* --- arena --------------------------------------------------------------- */

struct cfg_chunk {
    cfg_chunk *next;
    size_t size;
    max_align_t align_[]; /* payload */
};

#define CHUNK_MIN (16u * 1024u)

/* akti_cfg_alloc_slow -- a new chunk, then n (already rounded) from it.
 * 8-byte alignment: nodes hold pointers, doubles and int64 only. */
void *
akti_cfg_alloc_slow(cfg_arena *a, size_t n)
{
    if (n > a->left) {
        size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
        /* grow chunks with the arena so big configs need few of them */
        if (a->head != NULL && a->head->size * 2 > size
            && a->head->size < 1024u * 1024u) {
            size = a->head->size * 2;
        }
        cfg_chunk *c = akti_cfg_malloc(sizeof(cfg_chunk) + size);
        if (c == NULL) {
            return NULL;
        }
        c->next = a->head;
        c->size = size;
        a->head = c;
        a->cur = (char *)c->align_;
        a->left = size;
    }
    void *p = a->cur;
    a->cur += n;
    a->left -= n;
    return p;
}

char *
akti_cfg_strndup(cfg_arena *a, const char *s, size_t n)
{
    char *p = akti_cfg_alloc(a, n + 1);
    if (p == NULL) {
        return NULL;
    }
    if (n) {
        memcpy(p, s, n);
    }
    p[n] = '\0';
    return p;
}

void
akti_cfg_arena_free(cfg_arena *a)
{
    cfg_chunk *c = a->head;
    while (c != NULL) {
        cfg_chunk *next = c->next;
        akti_cfg_free(c);
        c = next;
    }
    a->head = NULL;
    a->cur = NULL;
    a->left = 0;
}
