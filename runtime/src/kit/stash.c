/*
 * stash.c -- Akka-style stash. A stashed message is kept as an envelope
 * (one reference to the message, plus its sender in the envelope's
 * header); unstashing moves envelopes to the actor's unstash ring, which
 * the run loop reads before the mailbox (akti_kit_pop), so unstashed
 * messages come first and keep their order.
 */
#include <stdlib.h>
#include <string.h>

#include "kit/kit.h"

static uint32_t
capacity_of(akt_cell *c, kit_cell *k)
{
    if (k->stash_capacity) {
        return k->stash_capacity;
    }
    kit_sys *ks = kit_sys_of(c->sys);
    return ks ? ks->set.stash_capacity : 1000;
}

akt_err
akt_stash(akt_ctx *ctx)
{
    if (ctx == NULL || akti_ctx_msg(ctx) == NULL) {
        return AKT_EINVAL;
    }
    akt_cell *c = akti_ctx_cell(ctx);
    kit_cell *k = akti_kit_cell(c);
    if (k == NULL) {
        return AKT_ENOMEM;
    }
    if (k->nstash >= capacity_of(c, k)) {
        return AKT_EFULL;
    }
    if (k->nstash == k->capstash) {
        uint32_t nc = k->capstash ? k->capstash * 2 : 8;
        akti_msg **nv = realloc(k->stash, nc * sizeof(*nv));
        if (nv == NULL) {
            return AKT_ENOMEM;
        }
        k->stash = nv;
        k->capstash = nc;
    }
    akti_envelope *e = akt_msg_new(&akti_envelope_type, 0);
    if (e == NULL) {
        return AKT_ENOMEM;
    }
    e->inner = akt_msg_retain(akti_msg_body(akti_ctx_msg(ctx)));
    akti_msg *em = akti_msg_hdr(e);
    em->flags |= AKTI_MSG_ENVELOPE;
    em->sender = akt_ctx_sender(ctx);
    k->stash[k->nstash++] = em;
    return AKT_OK;
}

/* put n envelopes (oldest first) at the front of the unstash ring */
static bool
unq_prepend(akt_cell *c, kit_cell *k, akti_msg **v, uint32_t n)
{
    uint32_t need = k->unq_len + n;
    if (need > k->unq_cap) {
        uint32_t nc = k->unq_cap ? k->unq_cap : 8;
        while (nc < need) {
            nc *= 2;
        }
        akti_msg **nv = malloc(nc * sizeof(*nv));
        if (nv == NULL) {
            return false;
        }
        for (uint32_t i = 0; i < k->unq_len; i++) {
            nv[i] = k->unq[(k->unq_head + i) % k->unq_cap];
        }
        free(k->unq);
        k->unq = nv;
        k->unq_cap = nc;
        k->unq_head = 0;
    }
    uint64_t uid = atomic_load_explicit(&c->uid, memory_order_relaxed);
    for (uint32_t i = n; i-- > 0;) {
        k->unq_head = (k->unq_head + k->unq_cap - 1) % k->unq_cap;
        v[i]->target_uid = uid;
        k->unq[k->unq_head] = v[i];
        k->unq_len++;
    }
    return true;
}

size_t
akt_unstash_all(akt_ctx *ctx)
{
    akt_cell *c = ctx ? akti_ctx_cell(ctx) : NULL;
    kit_cell *k = c && c->ext ? c->ext->kit : NULL;
    if (k == NULL || k->nstash == 0) {
        return 0;
    }
    uint32_t n = k->nstash;
    if (!unq_prepend(c, k, k->stash, n)) {
        return 0;
    }
    k->nstash = 0;
    return n;
}

bool
akt_unstash(akt_ctx *ctx)
{
    akt_cell *c = ctx ? akti_ctx_cell(ctx) : NULL;
    kit_cell *k = c && c->ext ? c->ext->kit : NULL;
    if (k == NULL || k->nstash == 0) {
        return false;
    }
    if (!unq_prepend(c, k, k->stash, 1)) {
        return false;
    }
    memmove(k->stash, k->stash + 1, (k->nstash - 1) * sizeof(*k->stash));
    k->nstash--;
    return true;
}

size_t
akt_stash_size(akt_ctx *ctx)
{
    akt_cell *c = ctx ? akti_ctx_cell(ctx) : NULL;
    kit_cell *k = c && c->ext ? c->ext->kit : NULL;
    return k ? k->nstash : 0;
}

static void
drop_stash(akt_cell *c, kit_cell *k)
{
    uint64_t uid = atomic_load_explicit(&c->uid, memory_order_relaxed);
    for (uint32_t i = 0; i < k->nstash; i++) {
        akti_dead_letter(
            c->sys, (akt_ref) { c, uid }, k->stash[i], AKT_ESTOPPED);
    }
    k->nstash = 0;
}

size_t
akt_stash_clear(akt_ctx *ctx)
{
    akt_cell *c = ctx ? akti_ctx_cell(ctx) : NULL;
    kit_cell *k = c && c->ext ? c->ext->kit : NULL;
    if (k == NULL) {
        return 0;
    }
    size_t n = k->nstash;
    drop_stash(c, k);
    return n;
}

void
akt_stash_set_capacity(akt_ctx *ctx, uint32_t capacity)
{
    kit_cell *k = akti_kit_cell_ctx(ctx);
    if (k) {
        k->stash_capacity = capacity;
    }
}

void
akti_kit_stash_drop(akt_cell *c, kit_cell *k)
{
    drop_stash(c, k);
    uint64_t uid = atomic_load_explicit(&c->uid, memory_order_relaxed);
    while (k->unq_len > 0) {
        akti_msg *m = k->unq[k->unq_head];
        k->unq_head = (k->unq_head + 1) % k->unq_cap;
        k->unq_len--;
        akti_dead_letter(c->sys, (akt_ref) { c, uid }, m, AKT_ESTOPPED);
    }
}

bool
akti_kit_requeue_front(akt_cell *c, kit_cell *k, akti_msg **v, uint32_t n)
{
    return unq_prepend(c, k, v, n);
}

void
akti_kit_stash_back(akt_cell *c, kit_cell *k)
{
    if (k->nstash > 0 && unq_prepend(c, k, k->stash, k->nstash)) {
        k->nstash = 0;
    }
}
