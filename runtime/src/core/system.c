/*
 * system.c -- the actor system: creation (settings, dispatchers, timing
 * wheel, guardians), termination, the cell slab, the name registry, props
 * interning, dead letters, lookup by path and path rendering.
 *
 * Cells come from per-system slabs (one per size class) carved from large
 * chunks and never returned before akt_system_free: a stale akt_ref always
 * points at a cell, so checking its uid is safe. A freed cell goes on its
 * class's free list; akti_cell_alloc takes a cell only after winning its
 * `sched` flag, so a run that is still draining a dead incarnation's
 * mailbox finishes before the slot is reused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

/* size classes: cell header + inline state */
static const size_t slab_sizes[AKTI_SLAB_CLASSES]
    = { 192, 256, 384, 640, 1152, 0 };
#define PROMISE_CLASS    (AKTI_SLAB_CLASSES - 1)
#define SLAB_CHUNK_CELLS 512

size_t akti_promise_size(void);

/* --- slab ------------------------------------------------------------- */

static void
slab_init(akti_slab *s, size_t size)
{
    pthread_mutex_init(&s->mu, NULL);
    s->cell_size = size;
}

static akt_cell *
slab_carve(akt_system *sys, akti_slab *s, uint32_t cls)
{
    if (s->bump == s->bump_end) {
        size_t bytes = s->cell_size * SLAB_CHUNK_CELLS;
        /* cache-line aligned: a cell's line 0 (what senders touch) must
         * not share a line with its consumer side or with a neighbour's
         * state (cell sizes are multiples of the line) */
        char *chunk = aligned_alloc(AKTI_CACHELINE, bytes);
        if (chunk == NULL) {
            return NULL;
        }
        if (s->nchunks == s->capchunks) {
            size_t nc = s->capchunks ? s->capchunks * 2 : 16;
            char **nv = realloc(s->chunks, nc * sizeof(*nv));
            if (nv == NULL) {
                free(chunk);
                return NULL;
            }
            s->chunks = nv;
            s->capchunks = nc;
        }
        s->chunks[s->nchunks++] = chunk;
        s->bump = chunk;
        s->bump_end = chunk + bytes;
    }
    akt_cell *c = (akt_cell *)s->bump;
    s->bump += s->cell_size;
    memset(c, 0, sizeof(*c));
    c->sys = sys;
    c->disp = sys->pool;
    c->cls = cls;
    c->kind = cls == PROMISE_CLASS ? AKTI_CELL_PROMISE : AKTI_CELL_ACTOR;
    atomic_init(&c->sched, 1);
    atomic_init(&c->uid, 0);
    atomic_init(&c->mbx, NULL);
    atomic_init(&c->run_next, NULL);
    akti_mq_init(c);
    /* register the slot */
    pthread_mutex_lock(&sys->slot_mu);
    if (sys->nslots >= (1u << 24)) {
        pthread_mutex_unlock(&sys->slot_mu);
        return NULL; /* 16M cells per system */
    }
    if (sys->nslots == sys->capslots) {
        uint32_t nc = sys->capslots ? sys->capslots * 2 : 1024;
        akt_cell **nv = realloc(sys->slot_tab, nc * sizeof(*nv));
        if (nv == NULL) {
            pthread_mutex_unlock(&sys->slot_mu);
            return NULL; /* the carved cell is simply never used */
        }
        sys->slot_tab = nv;
        sys->capslots = nc;
    }
    c->slot = sys->nslots;
    sys->slot_tab[sys->nslots++] = c;
    pthread_mutex_unlock(&sys->slot_mu);
    return c;
}

/* akti_cell_alloc -- a cell of class cls whose sched flag the caller now
 * holds (1), mailbox empty of live messages, uid 0. */
akt_cell *
akti_cell_alloc(akt_system *sys, uint32_t cls)
{
    akti_slab *s = &sys->slabs[cls];
    akt_cell *busy = NULL, *c = NULL;
    pthread_mutex_lock(&s->mu);
    while ((c = s->free) != NULL) {
        s->free = c->first_child;
        uint32_t z = 0;
        if (atomic_compare_exchange_strong_explicit(
                &c->sched, &z, 1, memory_order_acq_rel, memory_order_relaxed)) {
            break;
        }
        /* a drain of the old incarnation still runs: skip it for now */
        c->first_child = busy;
        busy = c;
    }
    while (busy) {
        akt_cell *n = busy->first_child;
        busy->first_child = s->free;
        s->free = busy;
        busy = n;
    }
    if (c == NULL) {
        c = slab_carve(sys, s, cls);
    }
    pthread_mutex_unlock(&s->mu);
    if (c) {
        c->first_child = NULL;
    }
    return c;
}

void
akti_cell_free(akt_cell *c)
{
    akt_system *sys = c->sys;
    akti_slab *s = &sys->slabs[c->cls];
    pthread_mutex_lock(&s->mu);
    c->first_child = s->free;
    s->free = c;
    pthread_mutex_unlock(&s->mu);
}

/* --- the reserve -----------------------------------------------------
 *
 * What the runtime must send or keep on a path with no caller to report
 * to (a child's FAILED and CHILD_STOPPED, a parent's directives, the
 * rare-state extension a failing actor needs) first comes from the
 * allocator; only when that fails from here. Reserve messages come back
 * when handled (akti_sys_msg_free), so the reserve covers how many are
 * in flight at once while memory is out, not how many are ever sent. */

static bool
reserve_fill(akt_system *sys)
{
    for (uint32_t i = 0; i < sys->set.reserve_msgs; i++) {
        void *b = akti_msg_new_reserve(&akti_sysmsg_type);
        if (b == NULL) {
            return false;
        }
        akti_msg *m = akti_msg_hdr(b);
        atomic_store_explicit(&m->next, sys->rsv_msgs, memory_order_relaxed);
        sys->rsv_msgs = m;
        sys->rsv_nmsgs++;
    }
    for (uint32_t i = 0; i < sys->set.reserve_exts; i++) {
        akti_cell_ext *x = calloc(1, sizeof(*x));
        if (x == NULL) {
            return false;
        }
        x->kit = sys->rsv_exts;
        sys->rsv_exts = x;
        atomic_fetch_add(&sys->rsv_nexts, 1);
    }
    return true;
}

static void
reserve_free(akt_system *sys)
{
    akti_msg *m = sys->rsv_msgs;
    while (m) {
        akti_msg *n = atomic_load_explicit(&m->next, memory_order_relaxed);
        free(m);
        m = n;
    }
    akti_cell_ext *x = sys->rsv_exts;
    while (x) {
        akti_cell_ext *n = x->kit;
        free(x);
        x = n;
    }
    sys->rsv_msgs = NULL;
    sys->rsv_exts = NULL;
}

static akti_msg *
sys_msg_new(akt_system *sys, bool reserve, uint32_t keep)
{
    void *b = akt_msg_new(&akti_sysmsg_type, 0);
    if (__builtin_expect(b != NULL, 1)) {
        return akti_msg_hdr(b);
    }
    akti_msg *m = NULL;
    if (reserve) {
        pthread_mutex_lock(&sys->rsv_mu);
        m = sys->rsv_nmsgs > keep ? sys->rsv_msgs : NULL;
        if (m) {
            sys->rsv_msgs
                = atomic_load_explicit(&m->next, memory_order_relaxed);
            sys->rsv_nmsgs--;
        }
        pthread_mutex_unlock(&sys->rsv_mu);
    }
    if (m) {
        atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
        m->flags = 0;
        m->credit = 0;
        m->sender = AKT_REF_NONE;
        m->reply_to = NULL;
        m->target_uid = 0;
        memset(akti_msg_body(m), 0, sizeof(akti_sysmsg));
    }
    return m;
}

akti_msg *
akti_sys_msg_new(akt_system *sys, bool reserve)
{
    return sys_msg_new(sys, reserve, 0);
}

akti_msg *
akti_sys_msg_new_above(akt_system *sys, uint32_t keep)
{
    return sys_msg_new(sys, true, keep);
}

void
akti_sys_msg_free(akt_system *sys, akti_msg *m)
{
    if (m->pool_class != AKTI_MSG_POOL_RESERVE) {
        akt_msg_free(akti_msg_body(m));
        return;
    }
    pthread_mutex_lock(&sys->rsv_mu);
    atomic_store_explicit(&m->next, sys->rsv_msgs, memory_order_relaxed);
    sys->rsv_msgs = m;
    sys->rsv_nmsgs++;
    pthread_mutex_unlock(&sys->rsv_mu);
}

akti_cell_ext *
akti_ext_new(akt_system *sys)
{
    akti_cell_ext *x = calloc(1, sizeof(*x));
    if (__builtin_expect(x != NULL, 1)) {
        /* extensions stay with their cell until akt_system_free, so one
         * taken from the reserve does not come back: memory being there
         * again, the reserve is refilled, one per extension made */
        if (atomic_load_explicit(&sys->rsv_nexts, memory_order_relaxed)
            < sys->set.reserve_exts) {
            akti_cell_ext *r = calloc(1, sizeof(*r));
            if (r != NULL) {
                pthread_mutex_lock(&sys->rsv_mu);
                r->kit = sys->rsv_exts;
                sys->rsv_exts = r;
                atomic_fetch_add(&sys->rsv_nexts, 1);
                pthread_mutex_unlock(&sys->rsv_mu);
            }
        }
        return x;
    }
    pthread_mutex_lock(&sys->rsv_mu);
    x = sys->rsv_exts;
    if (x) {
        sys->rsv_exts = x->kit;
        atomic_fetch_sub(&sys->rsv_nexts, 1);
        x->kit = NULL;
    }
    pthread_mutex_unlock(&sys->rsv_mu);
    return x;
}

static akt_cell *
slot_cell(akt_system *sys, uint32_t slot)
{
    akt_cell *c = NULL;
    pthread_mutex_lock(&sys->slot_mu);
    if (slot < sys->nslots) {
        c = sys->slot_tab[slot];
    }
    pthread_mutex_unlock(&sys->slot_mu);
    return c;
}

/* --- names ---------------------------------------------------------------- */

static size_t
name_hash(akt_cell *parent, const char *name)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)parent;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h = (h ^ *p) * 1099511628211ull;
    }
    return (size_t)(h ^ (h >> 29));
}

static akt_err
names_grow(akt_system *sys)
{
    size_t nc = sys->names_cap ? sys->names_cap * 2 : 256;
    akti_name_ent **nt = calloc(nc, sizeof(*nt));
    if (nt == NULL) {
        return AKT_ENOMEM;
    }
    for (size_t i = 0; i < sys->names_cap; i++) {
        akti_name_ent *e = sys->names[i];
        while (e) {
            akti_name_ent *n = e->next;
            size_t b = name_hash(e->parent, e->name) & (nc - 1);
            e->next = nt[b];
            nt[b] = e;
            e = n;
        }
    }
    free(sys->names);
    sys->names = nt;
    sys->names_cap = nc;
    return AKT_OK;
}

akt_err
akti_names_add(
    akt_system *sys, akt_cell *parent, const char *name, akt_cell *cell)
{
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&sys->names_mu);
    if (sys->names_len * 2 >= sys->names_cap
        && (rc = names_grow(sys)) != AKT_OK) {
        goto out;
    }
    size_t b = name_hash(parent, name) & (sys->names_cap - 1);
    for (akti_name_ent *e = sys->names[b]; e; e = e->next) {
        if (e->parent == parent && strcmp(e->name, name) == 0) {
            rc = AKT_EEXIST;
            goto out;
        }
    }
    akti_name_ent *e = malloc(sizeof(*e));
    if (e == NULL) {
        rc = AKT_ENOMEM;
        goto out;
    }
    e->parent = parent;
    e->cell = cell;
    e->name = name;
    e->next = sys->names[b];
    sys->names[b] = e;
    sys->names_len++;
out:
    pthread_mutex_unlock(&sys->names_mu);
    return rc;
}

void
akti_names_del(akt_system *sys, akt_cell *parent, const char *name)
{
    pthread_mutex_lock(&sys->names_mu);
    if (sys->names_cap) {
        size_t b = name_hash(parent, name) & (sys->names_cap - 1);
        for (akti_name_ent **pp = &sys->names[b]; *pp; pp = &(*pp)->next) {
            akti_name_ent *e = *pp;
            if (e->parent == parent && strcmp(e->name, name) == 0) {
                *pp = e->next;
                free(e);
                sys->names_len--;
                break;
            }
        }
    }
    pthread_mutex_unlock(&sys->names_mu);
}

static akt_cell *
names_get(akt_system *sys, akt_cell *parent, const char *name)
{
    akt_cell *c = NULL;
    pthread_mutex_lock(&sys->names_mu);
    if (sys->names_cap) {
        size_t b = name_hash(parent, name) & (sys->names_cap - 1);
        for (akti_name_ent *e = sys->names[b]; e; e = e->next) {
            if (e->parent == parent && strcmp(e->name, name) == 0) {
                c = e->cell;
                break;
            }
        }
    }
    pthread_mutex_unlock(&sys->names_mu);
    return c;
}

/* --- props interning ---------------------------------------------------- */

static akti_dispatcher *
disp_for(akt_system *sys, const char *name, akt_err *err)
{
    if (name == NULL || strcmp(name, "default") == 0
        || strcmp(name, "akt.actor.default-dispatcher") == 0) {
        /* deterministic mode (testkit): every default actor on the caller */
        return sys->set.calling_default ? sys->calling : sys->pool;
    }
    if (strcmp(name, "pinned") == 0) {
        return sys->pinned;
    }
    if (strcmp(name, "calling-thread") == 0) {
        return sys->calling;
    }
    if (strcmp(name, "blocking") == 0
        || strcmp(name, "akt.actor.blocking-dispatcher") == 0) {
        /* started on first use: most systems never block */
        pthread_mutex_lock(&sys->disp_mu);
        if (!sys->blocking_started) {
            if ((*err = sys->blocking->ops->start(sys->blocking)) != AKT_OK) {
                pthread_mutex_unlock(&sys->disp_mu);
                return NULL;
            }
            sys->blocking_started = true;
        }
        pthread_mutex_unlock(&sys->disp_mu);
        return sys->blocking;
    }
    akti_dispatcher *d = NULL;
    pthread_mutex_lock(&sys->disp_mu);
    for (int i = 0; i < AKTI_EXTRA_DISPATCHERS && d == NULL; i++) {
        if (sys->extra_disp[i] && strcmp(sys->extra_disp[i]->name, name) == 0) {
            d = sys->extra_disp[i];
        }
    }
    pthread_mutex_unlock(&sys->disp_mu);
    if (d == NULL) {
        *err = AKT_ENOENT;
        if (sys->plugin && sys->plugin->dispatcher) {
            d = sys->plugin->dispatcher(sys, name, err);
        }
    }
    return d;
}

akt_err
akti_system_add_dispatcher(akt_system *sys, akti_dispatcher *d)
{
    static const char *const core_names[]
        = { "default", "akt.actor.default-dispatcher", "pinned",
              "calling-thread", "blocking", "akt.actor.blocking-dispatcher" };
    if (sys == NULL || d == NULL || d->name == NULL || d->ops == NULL) {
        return AKT_EINVAL;
    }
    for (size_t i = 0; i < sizeof core_names / sizeof core_names[0]; i++) {
        if (strcmp(core_names[i], d->name) == 0) {
            return AKT_EINVAL;
        }
    }
    akt_err rc = AKT_EFULL;
    pthread_mutex_lock(&sys->disp_mu);
    if (atomic_load(&sys->terminated)) {
        rc = AKT_ECLOSED;
        goto out;
    }
    for (int i = 0; i < AKTI_EXTRA_DISPATCHERS; i++) {
        if (sys->extra_disp[i]
            && strcmp(sys->extra_disp[i]->name, d->name) == 0) {
            rc = AKT_EEXIST;
            goto out;
        }
    }
    for (int i = 0; i < AKTI_EXTRA_DISPATCHERS; i++) {
        if (sys->extra_disp[i] == NULL) {
            sys->extra_disp[i] = d;
            rc = AKT_OK;
            break;
        }
    }
out:
    pthread_mutex_unlock(&sys->disp_mu);
    return rc;
}

static bool
props_same(const akti_props_rec *r, const akt_props *p)
{
    const akt_props *q = &r->props;
    if (q->behavior != p->behavior || q->behavior_arg != p->behavior_arg
        || q->lifecycle != p->lifecycle || q->state_size != p->state_size
        || q->state_init != p->state_init || q->state_fini != p->state_fini
        || q->init_fini != p->init_fini) {
        return false;
    }
    if ((p->dispatcher == NULL) != (q->dispatcher == NULL)
        || (p->dispatcher && strcmp(p->dispatcher, q->dispatcher) != 0)) {
        return false;
    }
    if ((p->mailbox != NULL) != r->has_mbox
        || (p->mailbox && memcmp(p->mailbox, &r->mbox, sizeof(r->mbox)) != 0)) {
        return false;
    }
    if ((p->supervisor != NULL) != r->has_sup
        || (p->supervisor
            && memcmp(p->supervisor, &r->sup, sizeof(r->sup)) != 0)) {
        return false;
    }
    return true;
}

/* One record per distinct props, kept until akt_system_free: cells point at
 * it instead of each carrying a copy (the per-actor footprint). init_arg
 * is not part of a record (each cell keeps its own), so the records stay
 * as few as the props a program writes, however many init arguments it
 * spawns with. */
static akti_props_rec *akti_props_intern_locked(
    akt_system *sys, const akt_props *p, akt_err *err);

/* The last record each thread used, per system serial: a spawn loop (one
 * actor creating many) finds its props without the lock. Records are
 * immutable and live as long as their system; the serial (never reused)
 * keeps a freed system's record from matching a new system at the same
 * address. */
static _Atomic uint64_t system_serials;
static _Thread_local struct {
    uint64_t serial;
    akti_props_rec *rec;
} props_last;

akti_props_rec *
akti_props_intern(akt_system *sys, const akt_props *p, akt_err *err)
{
    if (props_last.serial == sys->serial && props_same(props_last.rec, p)) {
        return props_last.rec;
    }
    akti_props_rec *found = akti_props_intern_locked(sys, p, err);
    if (found) {
        props_last.serial = sys->serial;
        props_last.rec = found;
    }
    return found;
}

size_t
akti_props_count(akt_system *sys)
{
    size_t n = 0;
    pthread_mutex_lock(&sys->props_mu);
    for (const akti_props_rec *r = sys->props_list; r; r = r->next) {
        n++;
    }
    pthread_mutex_unlock(&sys->props_mu);
    return n;
}

static akti_props_rec *
akti_props_intern_locked(akt_system *sys, const akt_props *p, akt_err *err)
{
    pthread_mutex_lock(&sys->props_mu);
    akti_props_rec *r;
    for (r = sys->props_list; r; r = r->next) {
        if (props_same(r, p)) {
            pthread_mutex_unlock(&sys->props_mu);
            return r;
        }
    }
    /* the dispatcher is found without props_mu: a plug-in's may be made
     * on first use (the GPU dispatcher loads libakt-gpu and the CUDA
     * driver, which can take seconds), and other spawns must not wait for
     * that. Two threads may resolve the same props at once; the second
     * to take the lock again uses the first one's record. */
    pthread_mutex_unlock(&sys->props_mu);
    *err = AKT_OK;
    akti_dispatcher *d = disp_for(sys, p->dispatcher, err);
    if (d == NULL) {
        *err = *err == AKT_ENOENT ? AKT_EINVAL : *err;
        return NULL;
    }
    if (p->mailbox && p->mailbox->kind == AKT_MAILBOX_PRIORITY
        && p->mailbox->priority == NULL) {
        *err = AKT_EINVAL;
        return NULL;
    }
    if (p->supervisor
        && (p->supervisor->kind < AKT_ONE_FOR_ONE
            || p->supervisor->kind > AKT_REST_FOR_ONE)) {
        *err = AKT_EINVAL;
        return NULL;
    }
    pthread_mutex_lock(&sys->props_mu);
    for (r = sys->props_list; r; r = r->next) {
        if (props_same(r, p)) {
            pthread_mutex_unlock(&sys->props_mu);
            return r;
        }
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        pthread_mutex_unlock(&sys->props_mu);
        *err = AKT_ENOMEM;
        return NULL;
    }
    r->key = p;
    r->props = *p;
    r->props.init_arg = NULL; /* the cell's (akt_cell.init_arg) */
    if (p->dispatcher) {
        r->props.dispatcher = strdup(p->dispatcher);
    }
    if (p->mailbox) {
        r->mbox = *p->mailbox;
        r->has_mbox = true;
        r->props.mailbox = &r->mbox;
    }
    if (p->supervisor) {
        r->sup = *p->supervisor;
        r->has_sup = true;
        r->props.supervisor = &r->sup;
    }
    r->disp = d;
    r->slab_class = 0;
    size_t need = sizeof(akt_cell) + p->state_size;
    for (uint32_t k = 0; k < PROMISE_CLASS; k++) {
        if (need <= slab_sizes[k]) {
            r->slab_class = k;
            break;
        }
        r->slab_class = 0; /* too big: state is malloc'd, smallest cell */
    }
    r->next = sys->props_list;
    sys->props_list = r;
    pthread_mutex_unlock(&sys->props_mu);
    return r;
}

/* --- dead letters ----------------------------------------------------------
 */

void
akti_dead_letter(akt_system *sys, akt_ref to, akti_msg *m, akt_err reason)
{
    akti_dead_letter_why(sys, to, m, reason, NULL);
}

void
akti_dead_letter_why(
    akt_system *sys, akt_ref to, akti_msg *m, akt_err reason, const char *why)
{
    akti_credit_consumed(sys, m);
    if (m->flags & AKTI_MSG_TERMINATED) {
        /* a runtime-made Terminated for a watcher that is gone (typically
         * a parent stopping together with the children it watched): nobody
         * can act on it, so it is dropped, not counted -- as Erlang drops
         * a 'DOWN' to a dead process */
        akt_msg_free(akti_msg_body(m));
        return;
    }
    atomic_fetch_add_explicit(&sys->dead_letters, 1, memory_order_relaxed);
    void *body = akti_msg_body(m);
    const void *view = body;
    akti_msg *inner = m;
    if (m->flags & AKTI_MSG_ENVELOPE) {
        view = ((akti_envelope *)body)->inner;
        inner = akti_msg_hdr(view);
    }
    /* an ask whose request cannot be delivered fails at once, with the
     * reason (AKT_ESTOPPED: the target is gone; AKT_EFULL: a bounded
     * mailbox dropped it; AKT_EUNHANDLED: no handler; remoting's reasons
     * for what could not be sent) */
    akt_ref snd = m->sender;
    if (snd.cell_ && snd.cell_->kind == AKTI_CELL_PROMISE
        && !(inner->flags & AKTI_MSG_SYS)) {
        akt_err code = reason == AKT_OK ? AKT_ESTOPPED : reason;
        if (why != NULL && *why) {
            akti_future_fail_text(snd.cell_, snd.uid_, code, why, strlen(why));
        } else {
            akti_future_complete(snd.cell_, snd.uid_, code, NULL);
        }
    }
    pthread_mutex_lock(&sys->dl_mu);
    akt_dead_letter_fn fn = sys->dl_fn;
    void *arg = sys->dl_arg;
    if (fn) {
        fn(to, view, reason, arg);
    }
    pthread_mutex_unlock(&sys->dl_mu);
    /* the permanent observers (the kit's log line and event stream) */
    uint32_t nobs = atomic_load_explicit(&sys->ndl_obs, memory_order_acquire);
    for (uint32_t i = 0; i < nobs; i++) {
        sys->dl_obs[i].fn(to, view, reason, sys->dl_obs[i].arg);
    }
    akt_msg_free(body);
}

akt_err
akt_system_publish_dead_letter(
    akt_system *sys, akt_ref recipient, void *msg, akt_err reason)
{
    if (sys == NULL || msg == NULL) {
        return AKT_EINVAL;
    }
    akti_dead_letter(sys, recipient, akti_msg_hdr(msg), reason);
    return AKT_OK;
}

/* --- extensions ------------------------------------------------------------
 */

akt_err
akti_system_ext_set(
    akt_system *sys, unsigned slot, const akti_ext_ops *ops, void *arg)
{
    if (slot >= AKTI_EXT_SLOTS || ops == NULL) {
        return AKT_EINVAL;
    }
    akt_err rc = AKT_OK;
    pthread_rwlock_wrlock(&sys->ext_mu);
    if (atomic_load(&sys->terminated)) {
        rc = AKT_ECLOSED;
    } else if (sys->ext[slot].ops != NULL) {
        rc = AKT_EEXIST;
    } else {
        sys->ext[slot].ops = ops;
        sys->ext[slot].arg = arg;
    }
    pthread_rwlock_unlock(&sys->ext_mu);
    return rc;
}

void *
akti_system_ext_get(akt_system *sys, unsigned slot, void (*retain)(void *arg))
{
    if (sys == NULL || slot >= AKTI_EXT_SLOTS) {
        return NULL;
    }
    pthread_rwlock_rdlock(&sys->ext_mu);
    void *arg = sys->ext[slot].ops ? sys->ext[slot].arg : NULL;
    if (arg && retain) {
        retain(arg);
    }
    pthread_rwlock_unlock(&sys->ext_mu);
    return arg;
}

bool
akti_system_ext_clear(akt_system *sys, unsigned slot, void *arg)
{
    bool was = false;
    pthread_rwlock_wrlock(&sys->ext_mu);
    if (slot < AKTI_EXT_SLOTS && sys->ext[slot].ops
        && sys->ext[slot].arg == arg) {
        sys->ext[slot].ops = NULL;
        sys->ext[slot].arg = NULL;
        was = true;
    }
    pthread_rwlock_unlock(&sys->ext_mu);
    return was;
}

void
akti_system_ext_watchers(akt_system *sys, unsigned slot, akt_ref self,
    void *state, uint32_t nwatchers)
{
    if (slot >= AKTI_EXT_SLOTS) {
        return;
    }
    pthread_rwlock_rdlock(&sys->ext_mu);
    const akti_ext_ops *ops = sys->ext[slot].ops;
    if (ops && ops->watchers) {
        ops->watchers(sys->ext[slot].arg, self, state, nwatchers);
    }
    pthread_rwlock_unlock(&sys->ext_mu);
}

/* --- inbound credit (ext.h) ------------------------------------------------
 */

akt_err
akti_credit_open(
    akt_system *sys, unsigned ext_slot, uint16_t *id, akti_credit **out)
{
    if (sys == NULL || id == NULL || out == NULL
        || ext_slot >= AKTI_EXT_SLOTS) {
        return AKT_EINVAL;
    }
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&sys->credit_mu);
    uint32_t n = sys->credit_next + 1; /* id 0 is "no slot" */
    if (n >= AKTI_CREDIT_PAGE * AKTI_CREDIT_PAGES) {
        rc = AKT_EFULL;
        goto out;
    }
    akti_credit_ent *page = atomic_load_explicit(
        &sys->credit_pages[n / AKTI_CREDIT_PAGE], memory_order_relaxed);
    if (page == NULL) {
        page = calloc(AKTI_CREDIT_PAGE, sizeof(*page));
        if (page == NULL) {
            rc = AKT_ENOMEM;
            goto out;
        }
        atomic_store_explicit(&sys->credit_pages[n / AKTI_CREDIT_PAGE], page,
            memory_order_release);
    }
    akti_credit_ent *e = &page[n % AKTI_CREDIT_PAGE];
    e->ext = (uint8_t)ext_slot;
    sys->credit_next = n;
    *id = (uint16_t)n;
    *out = &e->c;
out:
    pthread_mutex_unlock(&sys->credit_mu);
    return rc;
}

void
akti_msg_set_credit(void *msg, uint16_t id)
{
    akti_msg_hdr(msg)->credit = id;
}

size_t
akti_msg_footprint(const void *msg)
{
    const akti_msg *m = akti_msg_hdr(msg);
    size_t n = (size_t)(m->arena.end - (const char *)m);
    for (const akti_arena_block *b = m->arena.blocks; b; b = b->next) {
        n += b->size;
    }
    return n;
}

void
akti_credit_release(akt_system *sys, akti_msg *m)
{
    uint16_t id = m->credit;
    m->credit = 0;
    akti_credit_release_n(sys, id, 1, akti_msg_footprint(akti_msg_body(m)));
}

void
akti_credit_release_n(akt_system *sys, uint16_t id, uint64_t k, uint64_t fp)
{
    akti_credit_ent *page = atomic_load_explicit(
        &sys->credit_pages[id / AKTI_CREDIT_PAGE], memory_order_acquire);
    if (page == NULL || k == 0) {
        return; /* not an id of this system: nothing to count */
    }
    akti_credit_ent *e = &page[id % AKTI_CREDIT_PAGE];
    /* sequentially consistent with the owner's store-then-read of the
     * marks: one of the two sees the other (ext.h) */
    uint64_t n
        = atomic_fetch_add_explicit(&e->c.released, k, memory_order_seq_cst)
        + k;
    uint64_t b = atomic_fetch_add_explicit(
                     &e->c.released_bytes, fp, memory_order_seq_cst)
        + fp;
    uint64_t mark = atomic_load_explicit(&e->c.mark, memory_order_seq_cst);
    uint64_t mark_b
        = atomic_load_explicit(&e->c.mark_bytes, memory_order_seq_cst);
    /* these k passed the mark: released went from n - k to n */
    bool hit = (mark != 0 && n >= mark && n - k < mark)
        || (mark_b != 0 && b >= mark_b && b - fp < mark_b);
    if (!hit) {
        return;
    }
    pthread_rwlock_rdlock(&sys->ext_mu);
    const akti_ext_ops *ops = sys->ext[e->ext].ops;
    if (ops && ops->credit) {
        ops->credit(sys->ext[e->ext].arg, id);
    }
    pthread_rwlock_unlock(&sys->ext_mu);
}

/* Run and clear every extension's terminated hook (akt_system_free). */
static void
ext_terminated(akt_system *sys)
{
    for (unsigned i = 0; i < AKTI_EXT_SLOTS; i++) {
        pthread_rwlock_wrlock(&sys->ext_mu);
        const akti_ext_ops *ops = sys->ext[i].ops;
        void *arg = sys->ext[i].arg;
        sys->ext[i].ops = NULL;
        sys->ext[i].arg = NULL;
        pthread_rwlock_unlock(&sys->ext_mu);
        if (ops && ops->terminated) {
            ops->terminated(sys, arg);
        }
    }
}

akt_err
akt_system_ref_to_path(akt_system *sys, akt_ref ref, char *buf, size_t len)
{
    if (buf == NULL || len == 0) {
        return AKT_EINVAL;
    }
    if (sys != NULL) {
        pthread_rwlock_rdlock(&sys->ext_mu);
        for (unsigned i = 0; i < AKTI_EXT_SLOTS; i++) {
            const akti_ext_ops *ops = sys->ext[i].ops;
            if (ops && ops->ref_to_path) {
                akt_err rc = ops->ref_to_path(sys->ext[i].arg, ref, buf, len);
                if (rc != AKT_ENOENT) {
                    pthread_rwlock_unlock(&sys->ext_mu);
                    return rc;
                }
            }
        }
        pthread_rwlock_unlock(&sys->ext_mu);
    }
    return akt_ref_path(ref, buf, len);
}

akt_err
akt_system_path_to_ref(akt_system *sys, const char *path, akt_ref *out)
{
    if (sys == NULL || path == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    akt_err rc = akt_lookup(sys, path, out);
    if (rc != AKT_EINVAL && rc != AKT_ENOENT) {
        return rc;
    }
    pthread_rwlock_rdlock(&sys->ext_mu);
    for (unsigned i = 0; i < AKTI_EXT_SLOTS; i++) {
        const akti_ext_ops *ops = sys->ext[i].ops;
        if (ops && ops->path_to_ref) {
            akt_err r2 = ops->path_to_ref(sys->ext[i].arg, path, out);
            if (r2 != AKT_ENOENT) {
                rc = r2;
                break;
            }
        }
    }
    pthread_rwlock_unlock(&sys->ext_mu);
    return rc;
}

akt_codec_limits
akti_system_codec_limits(const akt_system *sys)
{
    return sys->set.codec;
}

uint64_t
akt_system_dead_letters(const akt_system *sys)
{
    return sys ? atomic_load(&((akt_system *)sys)->dead_letters) : 0;
}

akt_err
akti_system_observe_dead_letters(
    akt_system *sys, akt_dead_letter_fn fn, void *arg)
{
    uint32_t i = atomic_load_explicit(&sys->ndl_obs, memory_order_relaxed);
    if (i >= sizeof(sys->dl_obs) / sizeof(sys->dl_obs[0])) {
        return AKT_EFULL;
    }
    sys->dl_obs[i].fn = fn;
    sys->dl_obs[i].arg = arg;
    atomic_store_explicit(&sys->ndl_obs, i + 1, memory_order_release);
    return AKT_OK;
}

akt_err
akt_system_on_dead_letter(
    akt_system *sys, akt_dead_letter_fn fn, void *arg, void (*fini)(void *))
{
    if (sys == NULL) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&sys->dl_mu);
    void (*old_fini)(void *) = sys->dl_fini;
    void *old_arg = sys->dl_arg;
    sys->dl_fn = fn;
    sys->dl_arg = arg;
    sys->dl_fini = fini;
    pthread_mutex_unlock(&sys->dl_mu);
    if (old_fini) {
        old_fini(old_arg);
    }
    return AKT_OK;
}

/* --- guardians --------------------------------------------------------------
 */

static const akt_behavior guardian_behavior = {
    .name = "guardian",
    .handlers = NULL,
    .nhandlers = 0,
    .unhandled = NULL,
};

void
akti_system_guardian_stopped(akt_system *sys, akt_cell *c)
{
    if (c == sys->root) {
        atomic_store_explicit(&sys->terminated, 1, memory_order_release);
        akti_futex_wake(&sys->terminated, INT32_MAX);
    }
}

/* --- create / terminate / free ------------------------------------------ */

static bool
sys_name_ok(const char *n)
{
    if (n == NULL || *n == '\0' || strlen(n) > 128) {
        return false;
    }
    for (const char *p = n; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) {
            return false;
        }
    }
    return true;
}

static void system_destroy(akt_system *sys);

akt_err
akti_system_create(const char *name, const akt_config *cfg,
    const akti_plugin_ops *plugin, akt_system **out, akt_config_error *err)
{
    if (out == NULL || !sys_name_ok(name)) {
        return AKT_EINVAL;
    }
    akt_system *sys = calloc(1, sizeof(*sys));
    if (sys == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc;
    if (cfg == NULL) {
        /* $AKT_CONFIG: a syntax error there names its file:line:col */
        if ((rc = akt_config_load(NULL, &sys->cfg, err)) != AKT_OK) {
            free(sys);
            return rc;
        }
    } else {
        sys->cfg = akt_config_retain((akt_config *)cfg);
    }
    if ((rc = akti_settings_read(sys->cfg, &sys->set, err)) != AKT_OK) {
        akt_config_release(sys->cfg);
        free(sys);
        return rc;
    }
    sys->name = strdup(name);
    sys->serial = atomic_fetch_add(&system_serials, 1) + 1;
    atomic_init(&sys->next_uid, 1);
    sys->plugin = plugin;
    pthread_mutex_init(&sys->dl_mu, NULL);
    pthread_mutex_init(&sys->log_mu, NULL);
    atomic_init(&sys->loglevel, sys->set.loglevel);
    pthread_mutex_init(&sys->slot_mu, NULL);
    pthread_mutex_init(&sys->names_mu, NULL);
    pthread_rwlock_init(&sys->ext_mu, NULL);
    pthread_mutex_init(&sys->credit_mu, NULL);
    pthread_mutex_init(&sys->props_mu, NULL);
    pthread_mutex_init(&sys->disp_mu, NULL);
    pthread_mutex_init(&sys->rsv_mu, NULL);
    /* virtual time (testkit): no wheel thread, akt_scheduler_advance moves it
     */
    atomic_init(&sys->vclock, 0);
    sys->clock = (akti_clock) { akti_manual_clock_now, &sys->vclock };
    for (int k = 0; k < AKTI_SLAB_CLASSES; k++) {
        size_t sz = slab_sizes[k];
        if (k == PROMISE_CLASS) {
            sz = (akti_promise_size() + 63) & ~(size_t)63;
        }
        slab_init(&sys->slabs[k], sz);
    }
    sys->default_strategy = (akt_supervisor_strategy) {
        .kind = AKT_ONE_FOR_ONE,
        .max_restarts = sys->set.max_restarts,
        .within_ns = sys->set.restart_within_ns,
    };
    if (sys->name == NULL || !reserve_fill(sys)
        || (rc = akti_pool_create(sys, "default", sys->set.workers,
                sys->set.throughput, sys->set.spin_before_park,
                sys->set.worker_busy_wait_ns, &sys->pool))
            != AKT_OK
        || (rc = akti_pool_create(sys, "blocking", sys->set.blocking_workers, 1,
                sys->set.spin_before_park / 8, 0, &sys->blocking))
            != AKT_OK
        || (rc = akti_calling_create(sys, &sys->calling)) != AKT_OK
        || (rc = akti_pinned_create(sys, &sys->pinned)) != AKT_OK
        || (rc = akti_wheel_create(sys->set.tick_ns, sys->set.wheel_size,
                sys->set.virtual_clock ? &sys->clock : NULL,
                !sys->set.virtual_clock, &sys->wheel))
            != AKT_OK
        || (plugin && plugin->system_init
            && (rc = plugin->system_init(sys, err)) != AKT_OK)) {
        system_destroy(sys);
        return rc ? rc : AKT_ENOMEM;
    }
    if ((rc = sys->pool->ops->start(sys->pool)) != AKT_OK) {
        system_destroy(sys);
        return rc;
    }
    sys->guardian_props = (akt_props) { .behavior = &guardian_behavior };
    akt_ref r;
    if ((rc = akti_spawn(
             sys, NULL, &sys->guardian_props, NULL, CELL_F_SYSTEM, &r))
        != AKT_OK) {
        goto fail_started;
    }
    sys->root = r.cell_;
    if ((rc = akti_spawn(
             sys, sys->root, &sys->guardian_props, "user", CELL_F_SYSTEM, &r))
        != AKT_OK) {
        goto fail_started;
    }
    sys->user = r.cell_;
    if ((rc = akti_spawn(
             sys, sys->root, &sys->guardian_props, "system", CELL_F_SYSTEM, &r))
        != AKT_OK) {
        goto fail_started;
    }
    sys->system_g = r.cell_;
    *out = sys;
    return AKT_OK;

fail_started:
    sys->pool->ops->stop(sys->pool);
    sys->blocking->ops->stop(sys->blocking);
    system_destroy(sys);
    return rc;
}

/* akti_system_use_clock -- for the testkit's virtual time: replace the
 * system's timing wheel by one driven by clock (no thread: the owner calls
 * akti_wheel_advance(akti_system_wheel(sys)) after moving time). Only
 * before any timer is armed (right after akt_system_create). */
akt_err
akti_system_use_clock(akt_system *sys, const akti_clock *clock)
{
    if (sys == NULL || clock == NULL) {
        return AKT_EINVAL;
    }
    akti_wheel *w = NULL;
    akt_err rc = akti_wheel_create(
        sys->set.tick_ns, sys->set.wheel_size, clock, false, &w);
    if (rc != AKT_OK) {
        return rc;
    }
    akti_wheel *old = sys->wheel;
    sys->wheel = w;
    akti_wheel_free(old);
    return AKT_OK;
}

akti_wheel *
akti_system_wheel(akt_system *sys)
{
    return sys->wheel;
}

akt_err
akt_system_terminate(akt_system *sys)
{
    if (sys == NULL) {
        return AKT_EINVAL;
    }
    if (atomic_exchange(&sys->terminating, 1)) {
        return AKT_ECLOSED;
    }
    if (sys->plugin && sys->plugin->terminate) {
        sys->plugin->terminate(sys); /* coordinated shutdown, then _now */
    } else {
        akti_system_terminate_now(sys);
    }
    return AKT_OK;
}

/* akti_system_terminate_now -- stop the guardians (children first); the
 * last phase of coordinated shutdown. */
void
akti_system_terminate_now(akt_system *sys)
{
    akti_send_sys(sys->root, atomic_load(&sys->root->uid), SYS_TERMINATE, NULL,
        0, AKT_OK, NULL);
}

akt_err
akt_system_await_termination(akt_system *sys, int64_t timeout_ns)
{
    if (sys == NULL) {
        return AKT_EINVAL;
    }
    int64_t deadline
        = timeout_ns == AKT_FOREVER ? INT64_MAX : akti_now_ns() + timeout_ns;
    while (atomic_load_explicit(&sys->terminated, memory_order_acquire) == 0) {
        int64_t left = deadline == INT64_MAX ? -1 : deadline - akti_now_ns();
        if (deadline != INT64_MAX && left <= 0) {
            return AKT_ETIMEDOUT;
        }
        akti_futex_wait(&sys->terminated, 0, left);
    }
    return AKT_OK;
}

void akti_promises_fail_all(akt_system *sys);

static void
system_destroy(akt_system *sys)
{
    /* no thread runs cells any more: drain what is left */
    for (uint32_t i = 0; i < sys->nslots; i++) {
        akt_cell *c = sys->slot_tab[i];
        if (c->kind == AKTI_CELL_PROMISE) {
            continue;
        }
        akti_msg *m;
        for (m = akti_sys_take(c); m;) {
            akti_msg *n = atomic_load_explicit(&m->next, memory_order_relaxed);
            /* a WATCH's future is failed below (akti_promises_fail_all) */
            akti_sysmsg *sm = akti_msg_body(m);
            akt_msg_free(sm->notice);
            akti_sys_msg_free(sys, m);
            m = n;
        }
        while ((m = akti_mq_pop(c)) != NULL) {
            akt_msg_free(akti_msg_body(m));
        }
        if (c->ext) {
            akti_watch_lists_free(sys, c->ext);
            free(c->ext->watchers);
            free(c->ext->watching);
            free(c->ext->stack);
            if (c->ext->failed_msg) {
                akt_msg_free(akti_msg_body(c->ext->failed_msg));
            }
            free(c->ext);
            c->ext = NULL;
        }
        if (c->kind == AKTI_CELL_ACTOR && atomic_load(&c->uid) != 0 && c->state
            && !(c->flags & CELL_F_STATE_INLINE)) {
            free(c->state);
        }
        free(c->name);
        c->name = NULL;
        akti_mbox_ext_free(c);
    }
    akti_promises_fail_all(sys);
    if (sys->wheel) {
        akti_wheel_free(sys->wheel);
    }
    if (sys->plugin && sys->plugin->system_fini) {
        sys->plugin->system_fini(sys);
    }
    if (sys->log_sink_fini) {
        sys->log_sink_fini(sys->log_sink_arg);
    }
    if (sys->pool) {
        sys->pool->ops->destroy(sys->pool);
    }
    if (sys->blocking) {
        sys->blocking->ops->destroy(sys->blocking);
    }
    if (sys->calling) {
        sys->calling->ops->destroy(sys->calling);
    }
    if (sys->pinned) {
        sys->pinned->ops->destroy(sys->pinned);
    }
    for (int i = 0; i < AKTI_EXTRA_DISPATCHERS; i++) {
        if (sys->extra_disp[i] && sys->extra_disp[i]->ops->destroy) {
            sys->extra_disp[i]->ops->destroy(sys->extra_disp[i]);
        }
    }
    for (int k = 0; k < AKTI_SLAB_CLASSES; k++) {
        for (size_t i = 0; i < sys->slabs[k].nchunks; i++) {
            free(sys->slabs[k].chunks[i]);
        }
        free(sys->slabs[k].chunks);
        pthread_mutex_destroy(&sys->slabs[k].mu);
    }
    free(sys->slot_tab);
    for (size_t i = 0; i < sys->names_cap; i++) {
        akti_name_ent *e = sys->names[i];
        while (e) {
            akti_name_ent *n = e->next;
            free(e);
            e = n;
        }
    }
    free(sys->names);
    while (sys->props_list) {
        akti_props_rec *n = sys->props_list->next;
        free((char *)sys->props_list->props.dispatcher);
        free(sys->props_list);
        sys->props_list = n;
    }
    if (sys->dl_fini) {
        sys->dl_fini(sys->dl_arg);
    }
    pthread_mutex_destroy(&sys->dl_mu);
    pthread_mutex_destroy(&sys->log_mu);
    pthread_mutex_destroy(&sys->slot_mu);
    pthread_mutex_destroy(&sys->names_mu);
    pthread_rwlock_destroy(&sys->ext_mu);
    for (unsigned i = 0; i < AKTI_CREDIT_PAGES; i++) {
        free(atomic_load_explicit(&sys->credit_pages[i], memory_order_relaxed));
    }
    pthread_mutex_destroy(&sys->credit_mu);
    pthread_mutex_destroy(&sys->props_mu);
    pthread_mutex_destroy(&sys->disp_mu);
    reserve_free(sys);
    pthread_mutex_destroy(&sys->rsv_mu);
    akt_config_release(sys->cfg);
    free(sys->name);
    free(sys);
}

void
akt_system_free(akt_system *sys)
{
    if (sys == NULL) {
        return;
    }
    akt_system_terminate(sys);
    akt_system_await_termination(sys, AKT_FOREVER);
    ext_terminated(sys); /* remoting stops itself here (its last dead
                            letters still reach the kit) */
    if (sys->plugin && sys->plugin->system_join) {
        sys->plugin->system_join(sys);
    }
    /* stale sends may still be draining on the pool; stop it, then the rest */
    sys->pinned->ops->stop(sys->pinned);
    sys->pool->ops->stop(sys->pool);
    sys->blocking->ops->stop(sys->blocking);
    for (int i = 0; i < AKTI_EXTRA_DISPATCHERS; i++) {
        if (sys->extra_disp[i]) {
            sys->extra_disp[i]->ops->stop(sys->extra_disp[i]);
        }
    }
    akti_msg_cache_flush();
    system_destroy(sys);
}

const char *
akt_system_name(const akt_system *sys)
{
    return sys ? sys->name : NULL;
}

const akt_config *
akt_system_config(const akt_system *sys)
{
    return sys ? sys->cfg : NULL;
}

akt_err
akt_system_stats(const akt_system *sys, akt_system_stats_t *out)
{
    if (sys == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    akt_system *s = (akt_system *)sys;
    memset(out, 0, sizeof(*out));
    int64_t live = atomic_load(&s->live_actors);
    /* the three guardians are not the user's */
    out->live_actors = live >= 3 ? live - 3 : live;
    out->live_futures = atomic_load(&s->live_promises);
    out->dead_letters = atomic_load(&s->dead_letters);
    out->live_messages = akti_msg_live();
    return AKT_OK;
}

/* --- paths and lookup ------------------------------------------------------
 */

static void
auto_name(uint32_t slot, char *buf)
{
    /* "$" + base-26 letters of the slot: unique among live actors */
    char tmp[16];
    int n = 0;
    uint32_t v = slot;
    do {
        tmp[n++] = (char)('a' + v % 26);
        v /= 26;
    } while (v);
    buf[0] = '$';
    for (int i = 0; i < n; i++) {
        buf[1 + i] = tmp[n - 1 - i];
    }
    buf[1 + n] = '\0';
}

static bool
auto_slot(const char *s, size_t len, uint32_t *slot)
{
    if (len < 2 || s[0] != '$' || len > 8) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 1; i < len; i++) {
        if (s[i] < 'a' || s[i] > 'z') {
            return false;
        }
        v = v * 26 + (uint64_t)(s[i] - 'a');
    }
    if (v > UINT32_MAX) {
        return false;
    }
    *slot = (uint32_t)v;
    return true;
}

static const char *
seg_name(akt_cell *c, char *tmp)
{
    akt_system *s = c->sys;
    if (c == s->user) {
        return "user";
    }
    if (c == s->system_g) {
        return "system";
    }
    if (c->name) {
        return c->name;
    }
    auto_name(c->slot, tmp);
    return tmp;
}

akt_err
akt_ref_path(akt_ref ref, char *buf, size_t len)
{
    if (ref.cell_ == NULL || buf == NULL || len == 0) {
        return AKT_EINVAL;
    }
    akt_cell *c = ref.cell_;
    if (c->kind != AKTI_CELL_ACTOR) {
        snprintf(buf, len, "akt://%s/temp/$%llu", c->sys->name,
            (unsigned long long)ref.uid_);
        return AKT_OK;
    }
    /* Names are freed and cells recycled (SYS_CHILD_STOPPED) under
     * names_mu: once the uid matched under it, this incarnation's name and
     * its ancestors' stay put until we unlock (a parent cannot finish
     * stopping before its child's CHILD_STOPPED, which waits for us). */
    akt_system *sys = c->sys;
    pthread_mutex_lock(&sys->names_mu);
    if (atomic_load_explicit(&c->uid, memory_order_acquire) != ref.uid_) {
        pthread_mutex_unlock(&sys->names_mu);
        buf[0] = '\0';
        return AKT_ESTOPPED;
    }
    const char *segs[64];
    char tmps[64][16];
    int n = 0;
    for (akt_cell *p = c; p && p != sys->root && n < 64; p = p->parent) {
        segs[n] = seg_name(p, tmps[n]);
        n++;
    }
    int w = snprintf(buf, len, "akt://%s", sys->name);
    if (n == 0) {
        w += snprintf(buf + (w < (int)len ? w : (int)len),
            w < (int)len ? len - (size_t)w : 0, "/");
    }
    for (int i = n - 1; i >= 0; i--) {
        size_t off = w < (int)len ? (size_t)w : len;
        w += snprintf(buf + off, len - off, "/%s", segs[i]);
    }
    pthread_mutex_unlock(&sys->names_mu);
    return w < (int)len ? AKT_OK : AKT_ERANGE;
}

akt_system *
akt_ref_system(akt_ref ref)
{
    return ref.cell_ ? ref.cell_->sys : NULL;
}

akt_err
akt_lookup(akt_system *sys, const char *path, akt_ref *out)
{
    if (sys == NULL || path == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    const char *p = path;
    if (strncmp(p, "akt://", 6) == 0) {
        p += 6;
        const char *slash = strchr(p, '/');
        size_t nl = slash ? (size_t)(slash - p) : strlen(p);
        const char *at = memchr(p, '@', nl);
        size_t sl = at ? (size_t)(at - p) : nl;
        if (sl != strlen(sys->name) || strncmp(p, sys->name, sl) != 0) {
            return AKT_ENOENT;
        }
        p = slash ? slash : p + nl;
    }
    if (*p != '/') {
        return AKT_EINVAL;
    }
    akt_cell *cur = sys->root;
    while (*p == '/') {
        p++;
        if (*p == '\0') {
            break;
        }
        const char *e = strchr(p, '/');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        char seg[256];
        if (l == 0 || l >= sizeof(seg)) {
            return AKT_ENOENT;
        }
        memcpy(seg, p, l);
        seg[l] = '\0';
        akt_cell *next = NULL;
        uint32_t slot;
        if (cur == sys->root && strcmp(seg, "user") == 0) {
            next = sys->user;
        } else if (cur == sys->root && strcmp(seg, "system") == 0) {
            next = sys->system_g;
        } else if (auto_slot(seg, l, &slot)) {
            next = slot_cell(sys, slot);
            if (next
                && (next->kind != AKTI_CELL_ACTOR || next->parent != cur
                    || next->name)) {
                next = NULL;
            }
        } else {
            next = names_get(sys, cur, seg);
        }
        if (next == NULL) {
            return AKT_ENOENT;
        }
        cur = next;
        p += l;
    }
    uint64_t uid = atomic_load(&cur->uid);
    if (uid == 0) {
        return AKT_ENOENT;
    }
    *out = (akt_ref) { cur, uid };
    return AKT_OK;
}
