/*
 * pending.c -- the persistence ids with writes queued or in flight, and how
 * many of each (persist_impl.h): a chained hash table the journals keep
 * under their queue lock, so `highest` waits for the writes of its own id
 * only, never for the whole queue.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "persist/persist_impl.h"

struct akti_pend {
    akti_pend *next;
    uint64_t count;
    size_t len;
    char pid[];
};

static akti_pend **
slot(akti_pend_map *m, const char *pid, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ (uint8_t)pid[i]) * 1099511628211ull;
    }
    akti_pend **pp = &m->b[h % AKTI_PEND_BUCKETS];
    while (*pp && !((*pp)->len == len && memcmp((*pp)->pid, pid, len) == 0)) {
        pp = &(*pp)->next;
    }
    return pp;
}

bool
akti_pend_add(akti_pend_map *m, const char *pid, size_t len)
{
    akti_pend **pp = slot(m, pid, len);
    if (*pp == NULL) {
        akti_pend *n = malloc(sizeof(*n) + len);
        if (n == NULL) {
            return false;
        }
        n->next = NULL;
        n->count = 0;
        n->len = len;
        memcpy(n->pid, pid, len);
        *pp = n;
    }
    (*pp)->count++;
    return true;
}

void
akti_pend_done(akti_pend_map *m, const char *pid, size_t len)
{
    akti_pend **pp = slot(m, pid, len);
    if (*pp && --(*pp)->count == 0) {
        akti_pend *n = *pp;
        *pp = n->next;
        free(n);
    }
}

bool
akti_pend_has(const akti_pend_map *m, const char *pid, size_t len)
{
    return *slot((akti_pend_map *)m, pid, len) != NULL;
}
