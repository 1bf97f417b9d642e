/*
 * dispatch.c -- dispatchers: the work-stealing pool (default and blocking),
 * the pinned dispatcher (a thread per actor) and the calling-thread one.
 *
 * A dispatcher receives cells whose `sched` flag the caller took and must
 * run each once (akti_cell_run). The interface is akti_dispatcher_ops in
 * core.h, a const table of function pointers.
 *
 * The pool. Each worker owns a Chase-Lev deque and a one-cell LIFO slot.
 * A cell scheduled from a worker goes into that worker's LIFO slot and runs
 * next on the same worker (what a send's receiver wants: its cache lines
 * are hot, and a chatty pair of actors stays on one core: the design
 * measurements found 15x between same-worker and cross-worker ping-pong;
 * docs/performance.md has this machine's figures). The slot's
 * previous occupant moves to the deque, where idle workers steal it. The
 * slot is stolen only from a worker that is stuck in one long turn (its run
 * counter did not move while the thief spun), so a producer that sends in a
 * loop still gets its consumer run in parallel. Cells scheduled from outside
 * the pool go through the injection queue. An idle worker spins
 * (spin-before-park polls), then parks on a futex; a send only makes a
 * syscall when it creates stealable work while a worker is parked.
 */
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#endif
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "core/core.h"

/* --- futex --------------------------------------------------------------- */

void
akti_futex_wait(_Atomic uint32_t *word, uint32_t expect, int64_t timeout_ns)
{
#if defined(__linux__)
    struct timespec ts, *tp = NULL;
    if (timeout_ns >= 0 && timeout_ns != INT64_MAX) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tp = &ts;
    }
    syscall(
        SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expect, tp, NULL, 0);
#else
#error "akt core: futex wait needs a port for this OS"
#endif
}

void
akti_busy_yield(int64_t *now)
{
    sched_yield();
    *now = akti_now_ns();
}

void
akti_futex_wake(_Atomic uint32_t *word, int n)
{
#if defined(__linux__)
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
#endif
}

int64_t
akti_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
akti_now_coarse_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#if defined(AKTI_PREEMPT_STRESS)
/* akti_preempt_point -- the stress build's preemption (core.h): about one
 * call in 8 yields the CPU, one in 64 spins a random while, one in 512
 * sleeps up to 200 us; a per-thread xorshift decides, so threads do not
 * fall into lock step. */
void
akti_preempt_point(void)
{
    static _Thread_local uint64_t rng;
    if (rng == 0) {
        rng = (uint64_t)akti_now_ns() ^ (uint64_t)(uintptr_t)&rng;
        rng |= 1;
    }
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    uint64_t r = rng;
    if ((r & 511) == 0) {
        struct timespec ts = { 0, (long)((r >> 9) % 200000) };
        nanosleep(&ts, NULL);
    } else if ((r & 63) == 1) {
        for (uint64_t i = (r >> 6) % 4000; i > 0; i--) {
            akti_cpu_relax();
        }
    } else if ((r & 7) == 2) {
        sched_yield();
    }
}
#endif

/* --- the pool --------------------------------------------------------------
 */

#define DQ_CAP            8192
#define LIFO_STEAL_ROUNDS 64
#define LIFO_STREAK_MAX   32

typedef struct pool pool;

typedef struct worker {
    /* owner-written, thief-read */
    _Atomic(akt_cell *) lifo;
    _Atomic int64_t top; /* thieves */
    _Atomic int64_t bottom; /* owner */
    _Atomic uint64_t runs;
    _Atomic uint32_t parked; /* futex word: 1 parked */
    char pad_[AKTI_CACHELINE];
    _Atomic(akt_cell *) buf[DQ_CAP];
    pool *p;
    int idx;
    pthread_t th;
    uint32_t lifo_streak;
    uint64_t seen_runs[8];
    uint32_t seen_count[8];
    uint64_t rng;
} worker;

struct pool {
    /* read-mostly */
    akti_dispatcher base;
    worker **w;
    int n;
    int spin;
    int64_t busy_wait_ns; /* yielding look for work after the spin */
    int max_spinning;
    _Atomic uint32_t stopping;
    _Atomic uint32_t started;
    /* written by idle workers */
    _Alignas(AKTI_CACHELINE) _Atomic uint32_t nparked;
    _Atomic uint32_t nspinning; /* idle workers polling for work */
    /* the injection queue: an intrusive Vyukov MPSC queue linked through
     * akt_cell.run_next. Producers (plain threads, yields) push lock-free
     * with one exchange; poppers (workers, helping threads) take inj_mu
     * among themselves, so the send path never takes a lock. inj_len
     * counts pushes that are not yet popped (raised before the push). */
    _Alignas(AKTI_CACHELINE) _Atomic(akt_cell *) inj_in;
    _Atomic uint32_t inj_len;
    _Alignas(AKTI_CACHELINE) pthread_mutex_t inj_mu;
    akt_cell *inj_out; /* under inj_mu */
    akt_cell inj_stub; /* only run_next is used */
    char pad_[AKTI_CACHELINE];
};

static _Thread_local worker *tls_worker;
_Thread_local uint32_t akti_turn_sends;

static bool
dq_push(worker *w, akt_cell *c)
{
    int64_t b = atomic_load_explicit(&w->bottom, memory_order_relaxed);
    int64_t t = atomic_load_explicit(&w->top, memory_order_acquire);
    if (b - t >= DQ_CAP) {
        return false;
    }
    atomic_store_explicit(&w->buf[b & (DQ_CAP - 1)], c, memory_order_relaxed);
    atomic_store_explicit(&w->bottom, b + 1, memory_order_release);
    return true;
}

static akt_cell *
dq_take(worker *w)
{
    int64_t b = atomic_load_explicit(&w->bottom, memory_order_relaxed) - 1;
    int64_t t0 = atomic_load_explicit(&w->top, memory_order_relaxed);
    if (t0 > b) {
        return NULL; /* empty: skip the fence */
    }
    atomic_store_explicit(&w->bottom, b, memory_order_seq_cst);
    AKTI_PREEMPT(); /* a thief may take the last cell here */
    int64_t t = atomic_load_explicit(&w->top, memory_order_seq_cst);
    akt_cell *c = NULL;
    if (t <= b) {
        c = atomic_load_explicit(
            &w->buf[b & (DQ_CAP - 1)], memory_order_relaxed);
        if (t == b) {
            if (!atomic_compare_exchange_strong_explicit(&w->top, &t, t + 1,
                    memory_order_seq_cst, memory_order_relaxed)) {
                c = NULL;
            }
            atomic_store_explicit(&w->bottom, b + 1, memory_order_relaxed);
        }
    } else {
        atomic_store_explicit(&w->bottom, b + 1, memory_order_relaxed);
    }
    return c;
}

static akt_cell *
dq_steal(worker *v)
{
    int64_t t = atomic_load_explicit(&v->top, memory_order_seq_cst);
    int64_t b = atomic_load_explicit(&v->bottom, memory_order_seq_cst);
    if (t >= b) {
        return NULL;
    }
    akt_cell *c
        = atomic_load_explicit(&v->buf[t & (DQ_CAP - 1)], memory_order_relaxed);
    AKTI_PREEMPT(); /* the owner may take it back here */
    if (!atomic_compare_exchange_strong_explicit(
            &v->top, &t, t + 1, memory_order_seq_cst, memory_order_relaxed)) {
        return NULL;
    }
    return c;
}

static bool
dq_nonempty(worker *v)
{
    return atomic_load_explicit(&v->top, memory_order_acquire)
        < atomic_load_explicit(&v->bottom, memory_order_acquire);
}

static inline void
inj_link(pool *p, akt_cell *c)
{
    atomic_store_explicit(&c->run_next, NULL, memory_order_relaxed);
    akt_cell *prev
        = atomic_exchange_explicit(&p->inj_in, c, memory_order_acq_rel);
    AKTI_PREEMPT(); /* half-done push: inj_len keeps poppers looking */
    atomic_store_explicit(&prev->run_next, c, memory_order_release);
}

static void
inj_push(pool *p, akt_cell *c)
{
    atomic_fetch_add_explicit(&p->inj_len, 1, memory_order_seq_cst);
    inj_link(p, c);
}

/* under inj_mu; NULL when empty or while a push is half done (the pusher
 * is between its exchange and its link store: inj_len stays non-zero, so
 * workers look again instead of parking) */
static akt_cell *
inj_take(pool *p)
{
    akt_cell *stub = &p->inj_stub;
    akt_cell *tail = p->inj_out;
    akt_cell *next
        = atomic_load_explicit(&tail->run_next, memory_order_acquire);
    if (tail == stub) {
        if (next == NULL) {
            return NULL;
        }
        p->inj_out = next;
        tail = next;
        next = atomic_load_explicit(&next->run_next, memory_order_acquire);
    }
    if (next != NULL) {
        p->inj_out = next;
        return tail;
    }
    if (tail != atomic_load_explicit(&p->inj_in, memory_order_acquire)) {
        return NULL;
    }
    AKTI_PREEMPT();
    inj_link(p, stub);
    next = atomic_load_explicit(&tail->run_next, memory_order_acquire);
    if (next != NULL) {
        p->inj_out = next;
        return tail;
    }
    return NULL;
}

static akt_cell *
inj_pop(pool *p)
{
    if (atomic_load_explicit(&p->inj_len, memory_order_acquire) == 0) {
        return NULL;
    }
    pthread_mutex_lock(&p->inj_mu);
    akt_cell *c = inj_take(p);
    pthread_mutex_unlock(&p->inj_mu);
    if (c != NULL) {
        atomic_fetch_sub_explicit(&p->inj_len, 1, memory_order_relaxed);
    }
    return c;
}

static void
pool_wake_one(pool *p)
{
    AKTI_PREEMPT();
    atomic_thread_fence(memory_order_seq_cst);
    /* a spinning worker will find the work: no syscall */
    if (atomic_load_explicit(&p->nspinning, memory_order_seq_cst) != 0
        || atomic_load_explicit(&p->nparked, memory_order_seq_cst) == 0) {
        return;
    }
    for (int i = 0; i < p->n; i++) {
        worker *w = p->w[i];
        uint32_t one = 1;
        if (atomic_load_explicit(&w->parked, memory_order_relaxed) == 1
            && atomic_compare_exchange_strong(&w->parked, &one, 0)) {
            akti_futex_wake(&w->parked, 1);
            return;
        }
    }
}

/* Push stealable work; wake a parked worker only when the deque goes from
 * empty to non-empty: while it is non-empty, someone was told already and
 * workers re-check all deques before they park (no lost wake-up), so a bulk
 * sender pays the fence and the syscall once per burst, not per message. */
static void
dq_push_wake(pool *p, worker *w, akt_cell *c)
{
    bool was_empty = !dq_nonempty(w);
    if (!dq_push(w, c)) {
        inj_push(p, c);
        pool_wake_one(p);
        return;
    }
    if (was_empty) {
        pool_wake_one(p);
    }
}

static void
pool_schedule(akti_dispatcher *d, akt_cell *c)
{
    pool *p = (pool *)d;
    worker *w = tls_worker;
    if (w != NULL && w->p == p) {
        if (akti_turn_sends > 16) {
            /* a bulk sender (one long turn that tells many): what it wakes
             * should run in parallel, not wait in our LIFO slot */
            dq_push_wake(p, w, c);
            return;
        }
        akt_cell *old
            = atomic_exchange_explicit(&w->lifo, c, memory_order_acq_rel);
        if (old != NULL) {
            dq_push_wake(p, w, old);
        }
        return;
    }
    inj_push(p, c);
    pool_wake_one(p);
}

/* A cell that used up its throughput: behind everything else that is ready
 * (fairness), or straight back into the LIFO slot when nothing else waits
 * (no lock, no wake-up: the common case of one busy consumer). */
static void
pool_yield(akti_dispatcher *d, akt_cell *c)
{
    pool *p = (pool *)d;
    worker *w = tls_worker;
    if (w == NULL || w->p != p) {
        pool_schedule(d, c);
        return;
    }
    if (dq_nonempty(w)
        || atomic_load_explicit(&p->inj_len, memory_order_relaxed) != 0
        || atomic_load_explicit(&w->lifo, memory_order_relaxed) != NULL) {
        inj_push(p, c);
        pool_wake_one(p);
        return;
    }
    pool_schedule(d, c);
}

static akt_cell *
steal_any(worker *w)
{
    pool *p = w->p;
    int n = p->n;
    for (int k = 1; k < n; k++) {
        int vi = (w->idx + k) % n;
        worker *v = p->w[vi];
        akt_cell *c = dq_steal(v);
        if (c) {
            return c;
        }
        /* the victim's LIFO slot: only when the victim is stuck in one
         * long turn (its run counter stood still for a while) */
        akt_cell *l = atomic_load_explicit(&v->lifo, memory_order_acquire);
        int si = vi & 7;
        uint64_t r = atomic_load_explicit(&v->runs, memory_order_acquire);
        if (l == NULL || r != w->seen_runs[si]) {
            w->seen_runs[si] = r;
            w->seen_count[si] = 0;
            continue;
        }
        if (++w->seen_count[si] >= LIFO_STEAL_ROUNDS) {
            w->seen_count[si] = 0;
            if (atomic_compare_exchange_strong(&v->lifo, &l, NULL)) {
                return l;
            }
        }
    }
    return NULL;
}

static akt_cell *
find_work(worker *w)
{
    pool *p = w->p;
    akt_cell *c;
    if (w->lifo_streak < LIFO_STREAK_MAX
        || (!dq_nonempty(w)
            && atomic_load_explicit(&p->inj_len, memory_order_relaxed) == 0)) {
        c = atomic_exchange_explicit(&w->lifo, NULL, memory_order_acq_rel);
        if (c) {
            w->lifo_streak++;
            return c;
        }
    }
    w->lifo_streak = 0;
    if ((c = dq_take(w)) != NULL) {
        return c;
    }
    if ((c = inj_pop(p)) != NULL) {
        return c;
    }
    if ((c = atomic_exchange_explicit(&w->lifo, NULL, memory_order_acq_rel))
        != NULL) {
        return c;
    }
    return steal_any(w);
}

static bool
pool_has_work(pool *p)
{
    if (atomic_load_explicit(&p->inj_len, memory_order_seq_cst) != 0) {
        return true;
    }
    for (int i = 0; i < p->n; i++) {
        if (dq_nonempty(p->w[i])
            || atomic_load_explicit(&p->w[i]->lifo, memory_order_seq_cst)) {
            return true;
        }
    }
    return false;
}

#define SPIN_MISS_LIMIT 4
#define SPIN_SHORT_DIV  16
#define SPIN_PROBE      16

static void *
worker_main(void *arg)
{
    worker *w = arg;
    pool *p = w->p;
    tls_worker = w;
    int tp = p->base.throughput;
    int64_t park_ns = 1000000;
    /* idle spins in a row that found nothing: after SPIN_MISS_LIMIT the
     * work comes at a slower pace than a spin (remote replies, timers,
     * another process) and the worker spins spin / SPIN_SHORT_DIV only,
     * leaving the CPU to the threads that bring the work; a spin that
     * finds work, or the full spin tried one time in SPIN_PROBE, ends it */
    uint32_t spin_misses = 0, spin_probe = 0;
    for (;;) {
        akt_cell *c = find_work(w);
        if (c != NULL) {
            park_ns = 1000000;
            atomic_store_explicit(&w->runs,
                atomic_load_explicit(&w->runs, memory_order_relaxed) + 1,
                memory_order_release);
            akti_turn_sends = 0;
            akti_cell_run(c, tp);
            continue;
        }
        if (atomic_load_explicit(&p->stopping, memory_order_acquire)) {
            break;
        }
        /* spin, but with at most max_spinning workers at a time: on a
         * small machine idle spinners steal the CPU from the threads that
         * would produce the work (the 2-core machines of
         * docs/performance.md) */
        bool found = false;
        uint32_t ns
            = atomic_fetch_add_explicit(&p->nspinning, 1, memory_order_seq_cst);
        if ((int)ns < p->max_spinning) {
            bool full = spin_misses < SPIN_MISS_LIMIT
                || ++spin_probe % SPIN_PROBE == 0;
            int spin = full ? p->spin : p->spin / SPIN_SHORT_DIV;
            for (int i = 0; i < spin; i++) {
                akti_cpu_relax();
                if ((c = find_work(w)) != NULL) {
                    found = true;
                    break;
                }
            }
            /* the busy wait (default-dispatcher.busy-wait): keep looking,
             * yielding the CPU between looks, unless the last waits all
             * outlasted it (the same short/probe rule as the spin) */
            if (!found && full && p->busy_wait_ns > 0) {
                int64_t now = akti_now_ns();
                int64_t end = now + p->busy_wait_ns;
                do {
                    akti_busy_yield(&now);
                    if ((c = find_work(w)) != NULL) {
                        found = true;
                        break;
                    }
                } while (now < end
                    && !atomic_load_explicit(
                        &p->stopping, memory_order_relaxed));
            }
            if (found) {
                spin_misses = 0;
            } else if (spin_misses < SPIN_MISS_LIMIT) {
                spin_misses++;
            }
        }
        atomic_fetch_sub_explicit(&p->nspinning, 1, memory_order_seq_cst);
        if (found) {
            park_ns = 1000000;
            atomic_store_explicit(&w->runs,
                atomic_load_explicit(&w->runs, memory_order_relaxed) + 1,
                memory_order_release);
            akti_turn_sends = 0;
            akti_cell_run(c, tp);
            continue;
        }
        /* park: announce, re-check, sleep. The sleep is timed: a worker
         * stuck in one long turn may hold a cell in its LIFO slot, which
         * wakes nobody; a parked worker looks again after park_ns (1 ms,
         * doubling to 64 ms while the pool stays idle) and steals it. */
        atomic_store_explicit(&w->parked, 1, memory_order_seq_cst);
        atomic_fetch_add_explicit(&p->nparked, 1, memory_order_seq_cst);
        AKTI_PREEMPT();
        if (pool_has_work(p)
            || atomic_load_explicit(&p->stopping, memory_order_seq_cst)) {
            atomic_store_explicit(&w->parked, 0, memory_order_seq_cst);
        } else {
            akti_futex_wait(&w->parked, 1, park_ns);
            uint32_t one = 1;
            if (atomic_compare_exchange_strong(&w->parked, &one, 0)) {
                park_ns = park_ns < 64000000 ? park_ns * 2
                                             : park_ns; /* timed out */
            } else {
                park_ns = 1000000; /* woken for work */
            }
        }
        atomic_fetch_sub_explicit(&p->nparked, 1, memory_order_seq_cst);
    }
    /* flush this thread's message cache before the thread goes */
    akti_msg_cache_flush();
    return NULL;
}

/* akti_pool_help -- a thread outside the pool that is about to wait (a
 * plain thread in akt_future_wait) runs one cell from the injection queue
 * itself. An ask from main then often completes without any thread
 * hand-off: main enqueues the request, finds the receiver in the injection
 * queue and runs it; the reply completes the future on main. */
bool
akti_pool_help(akti_dispatcher *d)
{
    if (d == NULL || d->ops->schedule != pool_schedule || tls_worker != NULL) {
        return false;
    }
    pool *p = (pool *)d;
    AKTI_PREEMPT();
    akt_cell *c = inj_pop(p);
    if (c == NULL) {
        return false;
    }
    akti_turn_sends = 0;
    akti_cell_run(c, p->base.throughput);
    return true;
}

static akt_err
pool_start(akti_dispatcher *d)
{
    pool *p = (pool *)d;
    for (int i = 0; i < p->n; i++) {
        if (pthread_create(&p->w[i]->th, NULL, worker_main, p->w[i]) != 0) {
            atomic_store(&p->stopping, 1);
            for (int j = 0; j < i; j++) {
                atomic_store(&p->w[j]->parked, 0);
                akti_futex_wake(&p->w[j]->parked, 1);
                pthread_join(p->w[j]->th, NULL);
            }
            return AKT_ENOMEM;
        }
    }
    atomic_store(&p->started, 1);
    return AKT_OK;
}

static void
pool_stop(akti_dispatcher *d)
{
    pool *p = (pool *)d;
    if (!atomic_exchange(&p->started, 0)) {
        return;
    }
    atomic_store(&p->stopping, 1);
    for (int i = 0; i < p->n; i++) {
        atomic_store(&p->w[i]->parked, 0);
        akti_futex_wake(&p->w[i]->parked, 1);
    }
    for (int i = 0; i < p->n; i++) {
        pthread_join(p->w[i]->th, NULL);
    }
}

static void
pool_destroy(akti_dispatcher *d)
{
    pool *p = (pool *)d;
    for (int i = 0; i < p->n; i++) {
        free(p->w[i]);
    }
    free(p->w);
    pthread_mutex_destroy(&p->inj_mu);
    free(p);
}

static const akti_dispatcher_ops pool_ops = {
    .name = "work-stealing",
    .start = pool_start,
    .stop = pool_stop,
    .schedule = pool_schedule,
    .yield = pool_yield,
    .attach = NULL,
    .detach = NULL,
    .destroy = pool_destroy,
};

akt_err
akti_pool_create(akt_system *sys, const char *name, int workers, int throughput,
    int spin, int64_t busy_wait_ns, akti_dispatcher **out)
{
    if (workers <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        workers = n > 0 ? (int)n : 1;
    }
    if (workers > 256) {
        workers = 256;
    }
    pool *p = aligned_alloc(AKTI_CACHELINE, sizeof(pool));
    if (p == NULL) {
        return AKT_ENOMEM;
    }
    memset(p, 0, sizeof(*p));
    p->w = calloc((size_t)workers, sizeof(worker *));
    if (p->w == NULL) {
        free(p);
        return AKT_ENOMEM;
    }
    p->n = workers;
    for (int i = 0; i < workers; i++) {
        worker *w;
        if (posix_memalign((void **)&w, AKTI_CACHELINE, sizeof(worker)) != 0) {
            for (int j = 0; j < i; j++) {
                free(p->w[j]);
            }
            free(p->w);
            free(p);
            return AKT_ENOMEM;
        }
        memset(w, 0, sizeof(*w));
        w->p = p;
        w->idx = i;
        w->rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
        p->w[i] = w;
    }
    pthread_mutex_init(&p->inj_mu, NULL);
    atomic_init(&p->inj_stub.run_next, NULL);
    atomic_init(&p->inj_in, &p->inj_stub);
    p->inj_out = &p->inj_stub;
    p->spin = spin < 0 ? 0 : spin;
    p->busy_wait_ns = busy_wait_ns < 0 ? 0 : busy_wait_ns;
    p->max_spinning = workers / 2 > 0 ? workers / 2 : 1;
    p->base.ops = &pool_ops;
    p->base.sys = sys;
    p->base.name = name;
    p->base.throughput = throughput > 0 ? throughput : 1;
    *out = &p->base;
    return AKT_OK;
}

/* --- calling thread ---------------------------------------------------- */

/* Runs the cell at once on the thread that scheduled it, until its mailbox
 * is empty. Deterministic: no other thread ever runs these actors. A send
 * to an actor that is already running on this thread (re-entrancy) is
 * queued and processed when its current message returns. */
static _Thread_local akt_cell *tls_calling_cur;
static _Thread_local bool tls_calling_rerun;

static void
calling_schedule(akti_dispatcher *d, akt_cell *c)
{
    if (tls_calling_cur == c) {
        /* c's own run re-scheduled it at its end (a message arrived while
         * it released): loop below instead of recursing, so a stream of
         * such re-checks cannot grow the stack */
        tls_calling_rerun = true;
        return;
    }
    akt_cell *saved = tls_calling_cur;
    bool saved_rerun = tls_calling_rerun;
    tls_calling_cur = c;
    do {
        tls_calling_rerun = false;
        akti_cell_run(c, INT_MAX);
    } while (tls_calling_rerun);
    tls_calling_cur = saved;
    tls_calling_rerun = saved_rerun;
}

static akt_err
noop_start(akti_dispatcher *d)
{
    return AKT_OK;
}

static void
noop_stop(akti_dispatcher *d)
{
}

static void
free_destroy(akti_dispatcher *d)
{
    free(d);
}

static const akti_dispatcher_ops calling_ops = {
    .name = "calling-thread",
    .start = noop_start,
    .stop = noop_stop,
    .schedule = calling_schedule,
    .destroy = free_destroy,
};

akt_err
akti_calling_create(akt_system *sys, akti_dispatcher **out)
{
    akti_dispatcher *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return AKT_ENOMEM;
    }
    d->ops = &calling_ops;
    d->sys = sys;
    d->name = "calling-thread";
    d->throughput = INT_MAX;
    *out = d;
    return AKT_OK;
}

/* --- pinned ------------------------------------------------------------ */

/* One thread per actor. The dispatcher object made at system start is a
 * factory: attach() gives the cell its own instance (c->disp) with its own
 * thread; when the actor dies the core switches c->disp back to the pool
 * and calls detach(), and the thread exits on its own. */
typedef struct pinned {
    akti_dispatcher base;
    _Atomic uint32_t word; /* 1: run requested */
    _Atomic uint32_t quit;
    akt_cell *cell;
    pthread_t th;
    struct pinned_root *root;
} pinned;

typedef struct pinned_root {
    akti_dispatcher base;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int live; /* threads not yet exited */
    /* threads that ended, to be joined (at the next attach, and at stop:
     * joinable, so none outlives its system -- valgrind sees nothing) */
    pthread_t *done;
    size_t ndone, capdone;
} pinned_root;

/* pinned_reap -- join the threads that ended; r->mu held */
static void
pinned_reap(pinned_root *r)
{
    for (size_t i = 0; i < r->ndone; i++) {
        pthread_join(r->done[i], NULL); /* it is returning, if not gone */
    }
    r->ndone = 0;
}

static void
pinned_schedule(akti_dispatcher *d, akt_cell *c)
{
    pinned *p = (pinned *)d;
    atomic_store_explicit(&p->word, 1, memory_order_release);
    akti_futex_wake(&p->word, 1);
}

static void *
pinned_main(void *arg)
{
    pinned *p = arg;
    pinned_root *r = p->root;
    for (;;) {
        for (int i = 0; i < 2000
             && atomic_load_explicit(&p->word, memory_order_acquire) == 0
             && !atomic_load_explicit(&p->quit, memory_order_acquire);
             i++) {
            akti_cpu_relax();
        }
        while (atomic_load_explicit(&p->word, memory_order_acquire) == 0
            && !atomic_load_explicit(&p->quit, memory_order_acquire)) {
            akti_futex_wait(&p->word, 0, -1);
        }
        if (atomic_exchange_explicit(&p->word, 0, memory_order_acq_rel)) {
            akti_cell_run(p->cell, INT_MAX);
        }
        if (atomic_load_explicit(&p->quit, memory_order_acquire)) {
            break;
        }
    }
    akti_msg_cache_flush();
    free(p);
    pthread_mutex_lock(&r->mu);
    if (r->ndone == r->capdone) {
        size_t cap = r->capdone ? 2 * r->capdone : 8;
        pthread_t *n = realloc(r->done, cap * sizeof(*n));
        if (n != NULL) {
            r->done = n;
            r->capdone = cap;
        }
    }
    if (r->ndone < r->capdone) {
        r->done[r->ndone++] = pthread_self();
    } else {
        pthread_detach(pthread_self()); /* no memory to remember it */
    }
    r->live--;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void pinned_detach(akti_dispatcher *d, akt_cell *c);

static const akti_dispatcher_ops pinned_inst_ops = {
    .name = "pinned-thread",
    .start = noop_start,
    .stop = noop_stop,
    .schedule = pinned_schedule,
    .detach = pinned_detach,
    .destroy = NULL,
};

static akt_err
pinned_attach(akti_dispatcher *d, akt_cell *c)
{
    pinned_root *r = (pinned_root *)d;
    pinned *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return AKT_ENOMEM;
    }
    p->base.ops = &pinned_inst_ops;
    p->base.sys = d->sys;
    p->base.name = "pinned";
    p->base.throughput = INT_MAX;
    p->cell = c;
    p->root = r;
    pthread_mutex_lock(&r->mu);
    pinned_reap(r);
    r->live++;
    pthread_mutex_unlock(&r->mu);
    int rc = pthread_create(&p->th, NULL, pinned_main, p);
    if (rc != 0) {
        pthread_mutex_lock(&r->mu);
        r->live--;
        pthread_mutex_unlock(&r->mu);
        free(p);
        return AKT_ENOMEM;
    }
    akti_cell_set_disp(c, &p->base);
    return AKT_OK;
}

/* called by the instance's own thread, inside the cell's last run */
static void
pinned_detach(akti_dispatcher *d, akt_cell *c)
{
    pinned *p = (pinned *)d;
    atomic_store_explicit(&p->quit, 1, memory_order_release);
    akti_futex_wake(&p->word, 1);
}

static void
pinned_stop(akti_dispatcher *d)
{
    pinned_root *r = (pinned_root *)d;
    pthread_mutex_lock(&r->mu);
    while (r->live > 0) {
        pthread_cond_wait(&r->cv, &r->mu);
    }
    pinned_reap(r);
    pthread_mutex_unlock(&r->mu);
}

static void
pinned_destroy(akti_dispatcher *d)
{
    pinned_root *r = (pinned_root *)d;
    pinned_reap(r);
    free(r->done);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

static const akti_dispatcher_ops pinned_ops = {
    .name = "pinned",
    .start = noop_start,
    .stop = pinned_stop,
    .schedule = NULL, /* never: cells get an instance at attach */
    .attach = pinned_attach,
    .detach = NULL,
    .destroy = pinned_destroy,
};

akt_err
akti_pinned_create(akt_system *sys, akti_dispatcher **out)
{
    pinned_root *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return AKT_ENOMEM;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->base.ops = &pinned_ops;
    r->base.sys = sys;
    r->base.name = "pinned";
    r->base.throughput = INT_MAX;
    *out = &r->base;
    return AKT_OK;
}
