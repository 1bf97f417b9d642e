/*
 * mailbox.c -- the user and system message queues of a cell.
 *
 * The default (unbounded) mailbox is Dmitry Vyukov's intrusive MPSC queue:
 * a producer links its message with one atomic exchange (wait-free), the
 * single consumer (the thread holding the cell's `sched`) pops without any
 * atomic read-modify-write. The stub node lives in the cell, so an idle
 * mailbox costs three pointers. System messages use a separate Treiber stack
 * that the consumer takes whole and reverses; they are rare.
 *
 * Other kinds keep the lock-free send path and order on the consumer side:
 *  - priority: the consumer moves everything queued into a binary heap
 *    keyed by (priority, arrival sequence), so FIFO holds within a priority;
 *  - control-aware: the consumer splits arrivals into a control FIFO and a
 *    normal FIFO and serves the control one first.
 * Bounded mailboxes need a count that the overflow decision and drop-head
 * can trust, so they use a mutex-protected FIFO (as Akka's bounded
 * mailboxes do); they are the backpressure path, not the fast path.
 */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

typedef struct akti_pq_ent {
    int prio;
    uint64_t seq;
    akti_msg *m;
} akti_pq_ent;

/* --- Vyukov MPSC ---------------------------------------------------------- */

void
akti_mq_init(akt_cell *c)
{
    atomic_store_explicit(&c->stub, NULL, memory_order_relaxed);
    atomic_store_explicit(&c->mq_in, CELL_STUB(c), memory_order_relaxed);
    c->mq_out = CELL_STUB(c);
    atomic_store_explicit(&c->sys_in, NULL, memory_order_relaxed);
}

static inline void
vpush(akt_cell *c, akti_msg *m)
{
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    akti_msg *prev
        = atomic_exchange_explicit(&c->mq_in, m, memory_order_acq_rel);
    AKTI_PREEMPT(); /* the half-done push: m is not reachable yet */
    atomic_store_explicit(&prev->next, m, memory_order_release);
}

/* akti_mq_push_unbounded -- the lock-free queue whatever the mailbox's
 * kind: for what a bound must never drop (a Terminated). The caller
 * schedules. */
void
akti_mq_push_unbounded(akt_cell *c, akti_msg *m)
{
    vpush(c, m);
}

static inline akti_msg *
vpop(akt_cell *c)
{
    akti_msg *stub = CELL_STUB(c);
    akti_msg *tail = c->mq_out;
    akti_msg *next = atomic_load_explicit(&tail->next, memory_order_acquire);
    if (tail == stub) {
        if (next == NULL) {
            return NULL;
        }
        c->mq_out = next;
        tail = next;
        next = atomic_load_explicit(&next->next, memory_order_acquire);
    }
    if (next != NULL) {
        c->mq_out = next;
        /* the producer's core wrote it: fetch it while tail is handled */
        __builtin_prefetch(next, 0, 3);
        return tail;
    }
    akti_msg *head = atomic_load_explicit(&c->mq_in, memory_order_acquire);
    if (tail != head) {
        return NULL; /* a push is half done; the caller retries */
    }
    AKTI_PREEMPT(); /* a producer may exchange mq_in here */
    vpush(c, stub);
    next = atomic_load_explicit(&tail->next, memory_order_acquire);
    if (next != NULL) {
        c->mq_out = next;
        return tail;
    }
    return NULL;
}

static inline bool
vnonempty(akt_cell *c)
{
    return atomic_load_explicit(&c->mq_in, memory_order_acquire)
        != CELL_STUB(c);
}

/* akti_mq_stalled -- consumer side only: a message is queued that the last
 * pop could not reach because a producer has not written its link yet.
 * mq_in alone does not say so: when a producer exchanges mq_in between
 * vpop's head check and its re-insertion of the stub, the stub lands
 * behind the producer's message, mq_in is the stub again, and two
 * messages wait behind a link that is not written (mq_out is the first of
 * them). Reading mq_in only, the run released the cell as empty while the
 * producer, which had seen sched = 1, left the schedule to it: both
 * messages sat until the next send (issue 11 §0: asks that hung 30 s). */
bool
akti_mq_stalled(akt_cell *c)
{
    return c->mq_out != CELL_STUB(c);
}

/* Pop, waiting out a half-done push (the producer is between its exchange
 * and its link store: a few instructions) -- but only briefly: a producer
 * preempted there would make us spin for a time slice. Then NULL; the run
 * ends, and its release re-check (mq_in != stub, or a stalled mq_out)
 * schedules the cell again. */
static akti_msg *
vpop_wait(akt_cell *c)
{
    for (int i = 0; i < 64; i++) {
        akti_msg *m = vpop(c);
        if (m != NULL || (!vnonempty(c) && !akti_mq_stalled(c))) {
            return m;
        }
        akti_cpu_relax();
    }
    return NULL;
}

/* --- system messages --------------------------------------------------- */

void
akti_sys_push(akt_cell *c, akti_msg *m)
{
    akti_msg *old = atomic_load_explicit(&c->sys_in, memory_order_relaxed);
    do {
        atomic_store_explicit(&m->next, old, memory_order_relaxed);
    } while (!atomic_compare_exchange_weak_explicit(
        &c->sys_in, &old, m, memory_order_release, memory_order_relaxed));
}

akti_msg *
akti_sys_take(akt_cell *c)
{
    if (atomic_load_explicit(&c->sys_in, memory_order_relaxed) == NULL) {
        return NULL;
    }
    akti_msg *l
        = atomic_exchange_explicit(&c->sys_in, NULL, memory_order_acquire);
    akti_msg *r = NULL;
    while (l) {
        akti_msg *n = atomic_load_explicit(&l->next, memory_order_relaxed);
        atomic_store_explicit(&l->next, r, memory_order_relaxed);
        r = l;
        l = n;
    }
    return r;
}

/* --- extensions ------------------------------------------------------------
 */

akt_err
akti_mbox_ext_create(
    akt_cell *c, const akt_mailbox_opts *o, const akti_settings *s)
{
    akt_mailbox_kind kind = o ? o->kind : AKT_MAILBOX_DEFAULT;
    if (kind == AKT_MAILBOX_DEFAULT) {
        kind = s->mailbox_kind;
    }
    if (kind == AKT_MAILBOX_DEFAULT) {
        kind = AKT_MAILBOX_UNBOUNDED;
    }
    if (kind == AKT_MAILBOX_PRIORITY && (o == NULL || o->priority == NULL)) {
        return AKT_EINVAL;
    }
    if (kind < AKT_MAILBOX_DEFAULT || kind > AKT_MAILBOX_CONTROL_AWARE) {
        return AKT_EINVAL;
    }
    c->mbox_kind = (uint8_t)kind;
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_relaxed);
    if (kind == AKT_MAILBOX_UNBOUNDED) {
        if (x) {
            atomic_store_explicit(
                &x->kind, AKT_MAILBOX_UNBOUNDED, memory_order_release);
        }
        return AKT_OK;
    }
    if (x == NULL) {
        /* type-stable like the cell: producers holding a stale ref may
         * still look at it, so it lives until akt_system_free */
        x = calloc(1, sizeof(*x));
        if (x == NULL) {
            return AKT_ENOMEM;
        }
        pthread_mutex_init(&x->mu, NULL);
        pthread_cond_init(&x->cv, NULL);
        atomic_store_explicit(&c->mbx, x, memory_order_release);
    }
    pthread_mutex_lock(&x->mu);
    x->capacity = (o && o->capacity) ? o->capacity : s->mailbox_capacity;
    x->overflow = (o && o->overflow) ? o->overflow : s->overflow;
    x->block_timeout_ns = (o && o->block_timeout_ns > 0) ? o->block_timeout_ns
                                                         : s->block_timeout_ns;
    x->prio = o ? o->priority : NULL;
    x->prio_arg = o ? o->priority_arg : NULL;
    if (x->capacity == 0) {
        x->capacity = 1000;
    }
    if (x->overflow == AKT_OVERFLOW_DEFAULT) {
        x->overflow = AKT_OVERFLOW_DROP_NEW;
    }
    atomic_store_explicit(&x->kind, kind, memory_order_release);
    pthread_mutex_unlock(&x->mu);
    return AKT_OK;
}

/* At akt_system_free only. */
void
akti_mbox_ext_free(akt_cell *c)
{
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_relaxed);
    if (x == NULL) {
        return;
    }
    atomic_store_explicit(&c->mbx, NULL, memory_order_relaxed);
    pthread_mutex_destroy(&x->mu);
    pthread_cond_destroy(&x->cv);
    free(x->heap);
    free(x);
}

static akt_ref
cell_ref_of(akt_cell *c, akti_msg *m)
{
    return (akt_ref) { c, m->target_uid };
}

static akt_err
bounded_push(akt_cell *c, akti_mbox_ext *x, akti_msg *m)
{
    akti_msg *dropped = NULL;
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&x->mu);
    if (x->len >= x->capacity) {
        switch (x->overflow) {
        case AKT_OVERFLOW_DROP_HEAD:
            dropped = x->head;
            x->head
                = atomic_load_explicit(&dropped->next, memory_order_relaxed);
            if (x->head == NULL) {
                x->tail = NULL;
            }
            x->len--;
            break;
        case AKT_OVERFLOW_FAIL:
            rc = AKT_EFULL;
            break;
        case AKT_OVERFLOW_BLOCK: {
            int64_t deadline = akti_now_ns() + x->block_timeout_ns;
            while (x->len >= x->capacity) {
                int64_t left = deadline - akti_now_ns();
                if (left <= 0) {
                    break;
                }
                struct timespec abs;
                clock_gettime(CLOCK_REALTIME, &abs);
                int64_t ns = abs.tv_nsec + (left % 1000000000);
                abs.tv_sec += left / 1000000000 + ns / 1000000000;
                abs.tv_nsec = ns % 1000000000;
                x->waiters++;
                pthread_cond_timedwait(&x->cv, &x->mu, &abs);
                x->waiters--;
            }
            if (x->len >= x->capacity) {
                rc = AKT_EFULL;
            }
            break;
        }
        case AKT_OVERFLOW_DROP_NEW:
        default:
            dropped = m;
            m = NULL;
            break;
        }
    }
    if (rc == AKT_OK && m != NULL) {
        atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
        if (x->tail) {
            atomic_store_explicit(&x->tail->next, m, memory_order_relaxed);
        } else {
            x->head = m;
        }
        x->tail = m;
        x->len++;
    }
    pthread_mutex_unlock(&x->mu);
    if (dropped) {
        akti_dead_letter(c->sys, cell_ref_of(c, dropped), dropped, AKT_EFULL);
    }
    return rc;
}

static akti_msg *
bounded_pop(akti_mbox_ext *x)
{
    pthread_mutex_lock(&x->mu);
    akti_msg *m = x->head;
    if (m) {
        x->head = atomic_load_explicit(&m->next, memory_order_relaxed);
        if (x->head == NULL) {
            x->tail = NULL;
        }
        x->len--;
        if (x->waiters) {
            pthread_cond_signal(&x->cv);
        }
    }
    pthread_mutex_unlock(&x->mu);
    return m;
}

/* priority heap (consumer-private) */
static bool
pq_less(const akti_pq_ent *a, const akti_pq_ent *b)
{
    return a->prio < b->prio || (a->prio == b->prio && a->seq < b->seq);
}

static void
pq_push(akti_mbox_ext *x, akti_msg *m)
{
    if (x->heap_len == x->heap_cap) {
        uint32_t nc = x->heap_cap ? x->heap_cap * 2 : 16;
        akti_pq_ent *nh = realloc(x->heap, nc * sizeof(*nh));
        if (nh == NULL) {
            abort(); /* out of memory on the consumer side: no way to report */
        }
        x->heap = nh;
        x->heap_cap = nc;
    }
    akti_pq_ent e = { x->prio(akti_msg_body(m), x->prio_arg), x->seq++, m };
    uint32_t i = x->heap_len++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!pq_less(&e, &x->heap[p])) {
            break;
        }
        x->heap[i] = x->heap[p];
        i = p;
    }
    x->heap[i] = e;
}

static akti_msg *
pq_pop(akti_mbox_ext *x)
{
    if (x->heap_len == 0) {
        return NULL;
    }
    akti_msg *top = x->heap[0].m;
    akti_pq_ent e = x->heap[--x->heap_len];
    uint32_t i = 0, n = x->heap_len;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, s = i;
        const akti_pq_ent *cur = &e;
        if (l < n && pq_less(&x->heap[l], cur)) {
            s = l;
            cur = &x->heap[l];
        }
        if (r < n && pq_less(&x->heap[r], cur)) {
            s = r;
        }
        if (s == i) {
            break;
        }
        x->heap[i] = x->heap[s];
        i = s;
    }
    if (n > 0) {
        x->heap[i] = e;
    }
    return top;
}

static void
fifo_add(akti_msg **h, akti_msg **t, akti_msg *m)
{
    atomic_store_explicit(&m->next, NULL, memory_order_relaxed);
    if (*t) {
        atomic_store_explicit(&(*t)->next, m, memory_order_relaxed);
    } else {
        *h = m;
    }
    *t = m;
}

static akti_msg *
fifo_take(akti_msg **h, akti_msg **t)
{
    akti_msg *m = *h;
    if (m) {
        *h = atomic_load_explicit(&m->next, memory_order_relaxed);
        if (*h == NULL) {
            *t = NULL;
        }
    }
    return m;
}

/* --- the dispatch over kinds --------------------------------------------- */

akt_err
akti_mq_push(akt_cell *c, akti_msg *m)
{
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_acquire);
    if (__builtin_expect(x == NULL, 1)) {
        vpush(c, m);
        return AKT_OK;
    }
    if (atomic_load_explicit(&x->kind, memory_order_acquire)
        == AKT_MAILBOX_BOUNDED) {
        return bounded_push(c, x, m);
    }
    vpush(c, m);
    return AKT_OK;
}

akti_msg *
akti_mq_pop(akt_cell *c)
{
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_relaxed);
    if (__builtin_expect(x == NULL, 1)) {
        return vpop_wait(c);
    }
    akti_msg *m;
    switch (c->mbox_kind) {
    case AKT_MAILBOX_BOUNDED:
        /* a bounded mailbox of a previous incarnation may still hold
         * messages in the lock-free queue: serve those first */
        m = vpop_wait(c);
        return m ? m : bounded_pop(x);
    case AKT_MAILBOX_PRIORITY:
        while ((m = vpop_wait(c)) != NULL) {
            pq_push(x, m);
        }
        return pq_pop(x);
    case AKT_MAILBOX_CONTROL_AWARE:
        while ((m = vpop_wait(c)) != NULL) {
            if (m->type->flags & AKT_TYPE_CONTROL) {
                fifo_add(&x->ctl_head, &x->ctl_tail, m);
            } else {
                fifo_add(&x->norm_head, &x->norm_tail, m);
            }
        }
        m = fifo_take(&x->ctl_head, &x->ctl_tail);
        return m ? m : fifo_take(&x->norm_head, &x->norm_tail);
    default:
        /* unbounded now, but a stale sender may have used the bounded
         * queue of an earlier incarnation */
        m = vpop_wait(c);
        return m ? m : bounded_pop(x);
    }
}

akti_load
akti_ref_load(akt_ref ref)
{
    akt_cell *c = ref.cell_;
    if (c == NULL || c->kind != AKTI_CELL_ACTOR
        || atomic_load_explicit(&c->uid, memory_order_acquire) != ref.uid_) {
        return AKTI_LOAD_GONE;
    }
    bool queued = vnonempty(c);
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_acquire);
    if (!queued && x
        && atomic_load_explicit(&x->kind, memory_order_acquire)
            == AKT_MAILBOX_BOUNDED) {
        pthread_mutex_lock(&x->mu);
        queued = x->len > 0;
        pthread_mutex_unlock(&x->mu);
    }
    if (queued) {
        return AKTI_LOAD_QUEUED;
    }
    return atomic_load_explicit(&c->sched, memory_order_acquire) != 0
        ? AKTI_LOAD_BUSY
        : AKTI_LOAD_IDLE;
}
