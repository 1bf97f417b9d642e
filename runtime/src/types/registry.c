/*
 * registry.c -- a set of type descriptors, found by 64-bit id or by name.
 *
 * Open addressing on the id (ids are FNV-1a hashes, already well mixed).
 * Adds take a write lock and may grow the table; finds take a read lock.
 * Registration happens mostly at start-up, so the lock is uncontended in
 * steady state, while remoting's reader threads may still look types up.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "akt/msg.h"

struct akt_registry {
    pthread_rwlock_t lock;
    const akt_type **slots; /* capacity entries, NULL = empty */
    size_t capacity; /* power of two */
    size_t count;
};

akt_err
akt_registry_new(akt_registry **out)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    akt_registry *reg = calloc(1, sizeof(*reg));
    if (reg == NULL) {
        return AKT_ENOMEM;
    }
    reg->capacity = 64;
    reg->slots = calloc(reg->capacity, sizeof(*reg->slots));
    if (reg->slots == NULL) {
        free(reg);
        return AKT_ENOMEM;
    }
    if (pthread_rwlock_init(&reg->lock, NULL) != 0) {
        free(reg->slots);
        free(reg);
        return AKT_ENOMEM;
    }
    *out = reg;
    return AKT_OK;
}

void
akt_registry_free(akt_registry *reg)
{
    if (reg == NULL) {
        return;
    }
    pthread_rwlock_destroy(&reg->lock);
    free(reg->slots);
    free(reg);
}

/* Slot index of id, or of the empty slot where it would go. */
static size_t
reg_probe(const akt_registry *reg, uint64_t id)
{
    size_t mask = reg->capacity - 1;
    size_t i = (size_t)(id ^ (id >> 32)) & mask;
    while (reg->slots[i] != NULL && reg->slots[i]->id != id) {
        i = (i + 1) & mask;
    }
    return i;
}

static akt_err
reg_grow(akt_registry *reg)
{
    size_t ncap = reg->capacity * 2;
    const akt_type **nslots = calloc(ncap, sizeof(*nslots));
    if (nslots == NULL) {
        return AKT_ENOMEM;
    }
    const akt_type **old = reg->slots;
    size_t ocap = reg->capacity;
    reg->slots = nslots;
    reg->capacity = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i] != NULL) {
            reg->slots[reg_probe(reg, old[i]->id)] = old[i];
        }
    }
    free(old);
    return AKT_OK;
}

static const akt_type *
reg_find_name_locked(const akt_registry *reg, const char *name)
{
    /* Names map to ids one to one for valid descriptors. */
    uint64_t id = akt_type_id(name);
    const akt_type *t = reg->slots[reg_probe(reg, id)];
    return (t != NULL && strcmp(t->name, name) == 0) ? t : NULL;
}

akt_err
akt_registry_add(akt_registry *reg, const akt_type *type)
{
    if (reg == NULL || type == NULL || type->name == NULL) {
        return AKT_EINVAL;
    }
    if (type->abi != AKT_GEN_ABI || type->id != akt_type_id(type->name)) {
        return AKT_EINVAL;
    }
    akt_err rv = AKT_OK;
    pthread_rwlock_wrlock(&reg->lock);
    size_t i = reg_probe(reg, type->id);
    const akt_type *have = reg->slots[i];
    if (have != NULL) {
        rv = (have == type || strcmp(have->name, type->name) == 0) ? AKT_OK
                                                                   : AKT_EEXIST;
        goto out;
    }
    if ((reg->count + 1) * 4 > reg->capacity * 3) {
        if ((rv = reg_grow(reg)) != AKT_OK) {
            goto out;
        }
        i = reg_probe(reg, type->id);
    }
    reg->slots[i] = type;
    reg->count++;
out:
    pthread_rwlock_unlock(&reg->lock);
    return rv;
}

const akt_type *
akt_registry_find(const akt_registry *reg, uint64_t id)
{
    if (reg == NULL) {
        return NULL;
    }
    akt_registry *r = (akt_registry *)(uintptr_t)reg; /* lock is mutable */
    pthread_rwlock_rdlock(&r->lock);
    const akt_type *t = r->slots[reg_probe(r, id)];
    pthread_rwlock_unlock(&r->lock);
    return t;
}

const akt_type *
akt_registry_find_name(const akt_registry *reg, const char *name)
{
    if (reg == NULL || name == NULL) {
        return NULL;
    }
    akt_registry *r = (akt_registry *)(uintptr_t)reg;
    pthread_rwlock_rdlock(&r->lock);
    const akt_type *t = reg_find_name_locked(r, name);
    pthread_rwlock_unlock(&r->lock);
    return t;
}

size_t
akt_registry_count(const akt_registry *reg)
{
    if (reg == NULL) {
        return 0;
    }
    akt_registry *r = (akt_registry *)(uintptr_t)reg;
    pthread_rwlock_rdlock(&r->lock);
    size_t n = r->count;
    pthread_rwlock_unlock(&r->lock);
    return n;
}
