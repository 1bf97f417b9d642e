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
 *    keyed by (priority, arrival sequence), so FIFO holds within a priority
 *    (when the heap cannot grow, arrivals wait in a FIFO linked through
 *    the messages: nothing lost, nothing aborts);
 *  - control-aware: the consumer splits arrivals into a control FIFO and a
 *    normal FIFO and serves the control one first.
 * Bounded mailboxes keep the lock-free queue too, with an atomic count of
 * the messages the bound covers: a send takes a place with one fetch-add
 * (and gives it back when over the capacity: drop-new, fail, or wait for
 * a pop with block), the pop gives it back with one fetch-sub -- so a
 * bounded mailbox (remoting's proxies, on every remote tell) costs two
 * atomic operations per message, not a lock. Drop-head must take the
 * oldest message out from the producer's side, which a single-consumer
 * queue does not allow: it uses a mutex-protected FIFO (as Akka's bounded
 * mailboxes do).
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

/* vpush_chain -- first .. last, already linked by their next fields (the
 * caller's relaxed stores, published by the release store below), with
 * one exchange: a consumer sees them in order, as if pushed one by one */
static inline void
vpush_chain(akt_cell *c, akti_msg *first, akti_msg *last)
{
    atomic_store_explicit(&last->next, NULL, memory_order_relaxed);
    akti_msg *prev
        = atomic_exchange_explicit(&c->mq_in, last, memory_order_acq_rel);
    AKTI_PREEMPT(); /* the half-done push: the chain is not reachable yet */
    atomic_store_explicit(&prev->next, first, memory_order_release);
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
    uint32_t cap = (o && o->capacity) ? o->capacity : s->mailbox_capacity;
    akt_overflow ovf = (o && o->overflow) ? o->overflow : s->overflow;
    x->block_timeout_ns = (o && o->block_timeout_ns > 0) ? o->block_timeout_ns
                                                         : s->block_timeout_ns;
    x->prio = o ? o->priority : NULL;
    x->prio_arg = o ? o->priority_arg : NULL;
    if (cap == 0) {
        cap = 1000;
    }
    if (ovf == AKT_OVERFLOW_DEFAULT) {
        ovf = AKT_OVERFLOW_DROP_NEW;
    }
    atomic_store_explicit(&x->capacity, cap, memory_order_relaxed);
    atomic_store_explicit(&x->overflow, (int)ovf, memory_order_relaxed);
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

/* akti_tell_control in progress on this thread: a bounded mailbox takes
 * the message beyond its capacity */
static _Thread_local int control_depth;

void
akti_control_enter(void)
{
    control_depth++;
}

void
akti_control_leave(void)
{
    control_depth--;
}

/* take one place of the bound: true when there was one */
static inline bool
count_take(akti_mbox_ext *x, uint32_t cap)
{
    if (atomic_fetch_add_explicit(&x->count, 1, memory_order_seq_cst) < cap) {
        return true;
    }
    atomic_fetch_sub_explicit(&x->count, 1, memory_order_seq_cst);
    return false;
}

/* counted_push -- a bounded mailbox other than drop-head: the lock-free
 * queue behind the count (see the top of the file) */
static akt_err
counted_push(akt_cell *c, akti_mbox_ext *x, akti_msg *m, bool nowait)
{
    uint32_t cap = atomic_load_explicit(&x->capacity, memory_order_relaxed);
    if (control_depth > 0) {
        vpush(c, m); /* not counted: its pop gives no place back */
        return AKT_OK;
    }
    if (!count_take(x, cap)) {
        switch ((akt_overflow)atomic_load_explicit(
            &x->overflow, memory_order_relaxed)) {
        case AKT_OVERFLOW_FAIL:
            return AKT_EFULL;
        case AKT_OVERFLOW_BLOCK: {
            if (nowait) {
                return AKT_EAGAIN; /* the caller must not wait: it retries */
            }
            if (akti_nowait()) {
                return AKT_EFULL; /* this thread never waits: as a timeout */
            }
            /* wait for a pop: a popper that gives a place back signals when
             * cwaiters says someone waits; it is raised before the retry,
             * so a place freed between the two is seen by one or the other
             * (both sequentially consistent) */
            bool ok = false;
            pthread_mutex_lock(&x->mu);
            int64_t deadline = akti_now_ns() + x->block_timeout_ns;
            atomic_fetch_add_explicit(&x->cwaiters, 1, memory_order_seq_cst);
            for (;;) {
                if (count_take(x, cap)) {
                    ok = true;
                    break;
                }
                int64_t left = deadline - akti_now_ns();
                if (left <= 0) {
                    break;
                }
                struct timespec abs;
                clock_gettime(CLOCK_REALTIME, &abs);
                int64_t ns = abs.tv_nsec + (left % 1000000000);
                abs.tv_sec += left / 1000000000 + ns / 1000000000;
                abs.tv_nsec = ns % 1000000000;
                pthread_cond_timedwait(&x->cv, &x->mu, &abs);
            }
            atomic_fetch_sub_explicit(&x->cwaiters, 1, memory_order_seq_cst);
            pthread_mutex_unlock(&x->mu);
            if (!ok) {
                return AKT_EFULL;
            }
            break;
        }
        case AKT_OVERFLOW_DROP_NEW:
        default:
            akti_dead_letter(c->sys, cell_ref_of(c, m), m, AKT_EFULL);
            return AKT_OK;
        }
    }
    m->flags |= AKTI_MSG_COUNTED;
    vpush(c, m);
    return AKT_OK;
}

/* uncount -- consumer: m (from the lock-free queue) gives its place back */
static inline void
uncount(akti_mbox_ext *x, akti_msg *m)
{
    if (!(m->flags & AKTI_MSG_COUNTED)) {
        return;
    }
    m->flags &= (uint8_t)~AKTI_MSG_COUNTED;
    atomic_fetch_sub_explicit(&x->count, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&x->cwaiters, memory_order_seq_cst) != 0) {
        pthread_mutex_lock(&x->mu);
        pthread_cond_signal(&x->cv);
        pthread_mutex_unlock(&x->mu);
    }
}

static akt_err
bounded_push(akt_cell *c, akti_mbox_ext *x, akti_msg *m, bool nowait)
{
    if (atomic_load_explicit(&x->overflow, memory_order_relaxed)
        != AKT_OVERFLOW_DROP_HEAD) {
        return counted_push(c, x, m, nowait);
    }
    akti_msg *dropped = NULL;
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&x->mu);
    uint32_t fcap = atomic_load_explicit(&x->capacity, memory_order_relaxed);
    if (x->len >= fcap && control_depth == 0) {
        switch ((akt_overflow)atomic_load_explicit(
            &x->overflow, memory_order_relaxed)) {
        case AKT_OVERFLOW_DROP_HEAD:
            dropped = x->head;
            x->head
                = atomic_load_explicit(&dropped->next, memory_order_relaxed);
            if (x->head == NULL) {
                x->tail = NULL;
            }
            x->len--;
            atomic_store_explicit(&x->flen, x->len, memory_order_seq_cst);
            break;
        case AKT_OVERFLOW_FAIL:
            rc = AKT_EFULL;
            break;
        case AKT_OVERFLOW_BLOCK: {
            if (nowait) {
                rc = AKT_EAGAIN; /* the caller must not wait: it retries */
                break;
            }
            if (akti_nowait()) {
                rc = AKT_EFULL; /* this thread never waits: as a timeout */
                break;
            }
            int64_t deadline = akti_now_ns() + x->block_timeout_ns;
            while (x->len >= fcap) {
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
            if (x->len >= fcap) {
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
        atomic_store_explicit(&x->flen, x->len, memory_order_seq_cst);
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
    if (atomic_load_explicit(&x->flen, memory_order_seq_cst) == 0) {
        return NULL; /* no drop-head FIFO in use: no lock */
    }
    pthread_mutex_lock(&x->mu);
    akti_msg *m = x->head;
    if (m) {
        x->head = atomic_load_explicit(&m->next, memory_order_relaxed);
        if (x->head == NULL) {
            x->tail = NULL;
        }
        x->len--;
        atomic_store_explicit(&x->flen, x->len, memory_order_seq_cst);
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

/* pq_push -- into the heap; false when the heap is full and cannot grow
 * (out of memory): the caller keeps m (it spills, see pq_take) */
static bool
pq_push(akti_mbox_ext *x, akti_msg *m)
{
    if (x->heap_len == x->heap_cap) {
        uint32_t nc = x->heap_cap ? x->heap_cap * 2 : 16;
        akti_pq_ent *nh = realloc(x->heap, nc * sizeof(*nh));
        if (nh == NULL) {
            return false;
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
    return true;
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
akti_mq_push(akt_cell *c, akti_msg *m, bool nowait)
{
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_acquire);
    if (__builtin_expect(x == NULL, 1)) {
        vpush(c, m);
        return AKT_OK;
    }
    if (atomic_load_explicit(&x->kind, memory_order_acquire)
        == AKT_MAILBOX_BOUNDED) {
        return bounded_push(c, x, m, nowait);
    }
    vpush(c, m);
    return AKT_OK;
}

bool
akti_mq_push_chain(akt_cell *c, akti_msg *first, akti_msg *last)
{
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_acquire);
    if (__builtin_expect(x != NULL, 0)
        && atomic_load_explicit(&x->kind, memory_order_acquire)
            == AKT_MAILBOX_BOUNDED) {
        return false; /* each message meets the bound: akti_mq_push */
    }
    vpush_chain(c, first, last);
    return true;
}

static _Thread_local int nowait_depth;

void
akti_nowait_enter(void)
{
    nowait_depth++;
}

void
akti_nowait_leave(void)
{
    nowait_depth--;
}

bool
akti_nowait(void)
{
    return nowait_depth > 0;
}

static akti_msg *mq_pop_any(akt_cell *c);

/* xpop -- the lock-free queue's next message, its place of a bound given
 * back */
static inline akti_msg *
xpop(akt_cell *c, akti_mbox_ext *x)
{
    akti_msg *m = vpop_wait(c);
    if (m != NULL) {
        uncount(x, m);
    }
    return m;
}

/* pq_take -- the priority mailbox's next message. Arrivals move from the
 * lock-free queue into the heap; when the heap cannot grow (out of memory)
 * they wait in arrival order in the spill FIFO, linked through the
 * messages themselves (no allocation), and move into the heap as pops make
 * room. Nothing is lost and nothing aborts; while memory is short a
 * spilled message is served after the heap's, whatever its priority. */
static akti_msg *
pq_take(akt_cell *c, akti_mbox_ext *x)
{
    while (x->spill_head != NULL && pq_push(x, x->spill_head)) {
        (void)fifo_take(&x->spill_head, &x->spill_tail);
    }
    akti_msg *m;
    while ((m = xpop(c, x)) != NULL) {
        if (x->spill_head != NULL || !pq_push(x, m)) {
            fifo_add(&x->spill_head, &x->spill_tail, m);
        }
    }
    m = pq_pop(x);
    return m ? m : fifo_take(&x->spill_head, &x->spill_tail);
}

akti_msg *
akti_mq_pop_uncounted(akt_cell *c)
{
    return mq_pop_any(c);
}

akti_msg *
akti_mq_pop(akt_cell *c)
{
    akti_msg *m = mq_pop_any(c);
    if (m != NULL) {
        akti_credit_consumed(c->sys, m);
    }
    return m;
}

static akti_msg *
mq_pop_any(akt_cell *c)
{
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_relaxed);
    if (__builtin_expect(x == NULL, 1)) {
        return vpop_wait(c);
    }
    /* with an extension, whatever its kind now, a message of the lock-free
     * queue may hold a place of a bound (this incarnation's, or a previous
     * bounded one's): xpop gives it back */
    akti_msg *m;
    switch (c->mbox_kind) {
    case AKT_MAILBOX_BOUNDED:
        /* the drop-head FIFO may hold messages too (this incarnation's,
         * or a previous one's): the lock-free queue first */
        m = xpop(c, x);
        return m ? m : bounded_pop(x);
    case AKT_MAILBOX_PRIORITY:
        return pq_take(c, x);
    case AKT_MAILBOX_CONTROL_AWARE:
        while ((m = xpop(c, x)) != NULL) {
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
        m = xpop(c, x);
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
        queued = atomic_load_explicit(&x->flen, memory_order_acquire) > 0;
    }
    if (queued) {
        return AKTI_LOAD_QUEUED;
    }
    return atomic_load_explicit(&c->sched, memory_order_acquire) != 0
        ? AKTI_LOAD_BUSY
        : AKTI_LOAD_IDLE;
}
