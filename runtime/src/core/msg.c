/*
 * msg.c -- message allocation, reference counts, arenas, and the generic
 * descriptor-driven operations (dup, equal) behind the generated wrappers.
 *
 * A message is one malloc: header, struct, inline arena (see msg_impl.h).
 * When the inline arena runs out, blocks are chained and freed with the
 * message. Reference counts make broadcast share one message.
 */
#include <stdlib.h>
#include <string.h>

#include "core/msg_impl.h"

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
    akti_msg *m = malloc(total);
    if (m == NULL) {
        return NULL;
    }
    memset(m, 0, AKTI_MSG_HDR_SIZE + body);
    atomic_init(&m->next, NULL);
    m->type = type;
    atomic_init(&m->refs, 1);
    m->arena.cur = (char *)m + AKTI_MSG_HDR_SIZE + body;
    m->arena.end = (char *)m + total;
    m->arena.blocks = NULL;
    void *obj = akti_msg_body(m);
    if (type->init) {
        type->init(obj, &m->arena);
    }
    return obj;
}

void *
akt_msg_retain(const void *msg)
{
    if (msg == NULL) {
        return NULL;
    }
    atomic_fetch_add_explicit(&akti_msg_hdr(msg)->refs, 1, memory_order_relaxed);
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
    free(m);
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
    size_t used = (size_t)(src->arena.cur - ((char *)msg + align_up(t->size ? t->size : 1, 16)));
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
    if (t->copy == NULL) {
        memcpy(dst, msg, t->size);
        return dst;
    }
    if (t->copy(dst, msg, akt_msg_arena(dst)) != AKT_OK) {
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
    return memcmp(a, b, t->size) == 0;
}
