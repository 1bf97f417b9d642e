/*
 * future.c -- futures (ask replies, watch notifications).
 *
 * A future is a "promise cell": it lives in the system's cell slab and has
 * a uid like an actor, so akt_ref{promise, uid} can be the sender of an
 * ask and a reply is just a tell to it (Akka's PromiseActorRef). Completion
 * is one CAS on `pstate`, which packs the uid with the state, so a stale
 * ref (the future completed, was released and its cell reused) can never
 * complete a successor.
 *
 * References: the caller's (akt_future_release) and the pending one. The
 * pending reference is dropped by the timeout timer if it fired, otherwise
 * by whoever completed the future -- so a timer callback never touches a
 * freed future, and a timed-out ask leaks nothing.
 *
 * Waiting spins briefly (a reply from an awake worker takes about a
 * microsecond) and then sleeps on a futex: no sleep-polling.
 *
 * A failed future may hold a reason text (akt_reply_error_text, the
 * handler's akt_ctx_fail, an akt.Status from another node): a malloc'd
 * copy, written while completing and freed with the future.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

enum { P_PENDING = 0, P_CALLBACK = 1, P_COMPLETING = 2, P_DONE = 3 };

/* How long a waiting thread spins before it sleeps on the futex:
 * akt.actor.ask-busy-wait (default 100 us: a reply from an awake local
 * worker takes about a microsecond, a remote one 40-100 us). Past
 * AKTI_BUSY_PAUSE_NS the spin yields between looks (core.h), so a long
 * busy wait keeps this core awake without taking it from the threads that
 * bring the reply.
 *
 * A thread whose last SPIN_MISS_LIMIT waits all outlasted the spin (its
 * replies come slower than the busy wait: a slow service, a busy machine)
 * spins only WAIT_SPIN_SHORT_NS before it sleeps: on a small machine the
 * spinning waiter takes the CPU from the very threads that carry the
 * reply. The short spin still catches a reply from an awake local worker
 * (well under a microsecond), and one wait in SPIN_PROBE spins the full
 * time, to learn when replies are fast again; a spin that catches its
 * reply clears the count. Per thread. */
#define WAIT_SPIN_SHORT_NS 2000
#define SPIN_MISS_LIMIT    4
#define SPIN_PROBE         16
static _Thread_local uint32_t tls_spin_misses;
static _Thread_local uint32_t tls_spin_probe;

typedef struct akti_promise {
    akt_cell cell;
    _Atomic uint64_t pstate; /* uid << 2 | P_* */
    _Atomic uint32_t done; /* futex word */
    _Atomic uint32_t waiters;
    _Atomic uint32_t refs;
    akt_err status;
    void *reply;
    char *text; /* reason of a failure, or NULL */
    akt_future_fn cb;
    void *cb_arg;
    void (*cb_fini)(void *);
    akti_timer timer;
    bool has_timer;
    akt_ref pipe_to;
} akti_promise;

size_t
akti_promise_size(void)
{
    return sizeof(akti_promise);
}

#define P(f) ((akti_promise *)(void *)(f))

akt_ref
akti_future_ref(akt_future *f)
{
    return (akt_ref) { &P(f)->cell,
        atomic_load_explicit(&P(f)->cell.uid, memory_order_relaxed) };
}

void
akti_future_retain(akt_future *f)
{
    atomic_fetch_add_explicit(&P(f)->refs, 1, memory_order_relaxed);
}

void
akti_future_drop(akt_future *f)
{
    akti_promise *p = P(f);
    if (atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    akt_system *sys = p->cell.sys;
    if (p->reply) {
        akt_msg_free(p->reply);
        p->reply = NULL;
    }
    free(p->text);
    p->text = NULL;
    if (p->cb_fini) {
        p->cb_fini(p->cb_arg);
        p->cb_fini = NULL;
    }
    atomic_store_explicit(&p->cell.uid, 0, memory_order_relaxed);
    atomic_store_explicit(&p->pstate, P_DONE, memory_order_release);
    atomic_fetch_sub_explicit(&sys->live_promises, 1, memory_order_relaxed);
    /* a promise is never scheduled: give back the sched flag the
     * allocator handed us, so akti_cell_alloc can take the cell again */
    atomic_store_explicit(&p->cell.sched, 0, memory_order_release);
    akti_cell_free(&p->cell);
}

akt_err
akti_future_new(akt_system *sys, akt_future **out)
{
    akt_cell *c = akti_cell_alloc(sys, AKTI_SLAB_CLASSES - 1);
    if (c == NULL) {
        return AKT_ENOMEM;
    }
    akti_promise *p = (akti_promise *)c;
    uint64_t uid
        = atomic_fetch_add_explicit(&sys->next_uid, 1, memory_order_relaxed);
    p->status = AKT_OK;
    p->reply = NULL;
    p->text = NULL;
    p->cb = NULL;
    p->cb_arg = NULL;
    p->cb_fini = NULL;
    p->has_timer = false;
    p->pipe_to = AKT_REF_NONE;
    memset(&p->timer, 0, sizeof(p->timer));
    atomic_store_explicit(&p->done, 0, memory_order_relaxed);
    atomic_store_explicit(&p->waiters, 0, memory_order_relaxed);
    atomic_store_explicit(&p->refs, 2, memory_order_relaxed);
    atomic_store_explicit(
        &p->pstate, uid << 2 | P_PENDING, memory_order_release);
    atomic_store_explicit(&c->uid, uid, memory_order_release);
    atomic_fetch_add_explicit(&sys->live_promises, 1, memory_order_relaxed);
    *out = (akt_future *)c;
    return AKT_OK;
}

static bool
complete(akt_cell *pc, uint64_t uid, akt_err status, void *reply,
    const char *text, size_t text_len)
{
    akti_promise *p = (akti_promise *)pc;
    uint64_t exp = uid << 2 | P_PENDING;
    bool had_cb = false;
    if (!atomic_compare_exchange_strong_explicit(&p->pstate, &exp,
            uid << 2 | P_COMPLETING, memory_order_acq_rel,
            memory_order_acquire)) {
        exp = uid << 2 | P_CALLBACK;
        if (!atomic_compare_exchange_strong_explicit(&p->pstate, &exp,
                uid << 2 | P_COMPLETING, memory_order_acq_rel,
                memory_order_acquire)) {
            return false;
        }
        had_cb = true;
    }
    p->status = status;
    p->reply = status == AKT_OK ? reply : NULL;
    if (status != AKT_OK && reply) {
        akt_msg_free(reply);
    }
    if (status != AKT_OK && text != NULL && text_len > 0) {
        /* still COMPLETING: no reader looks before `done` is set */
        char buf[AKT_STATUS_TEXT_MAX + 1];
        size_t n = akti_status_text_clip(buf, text, text_len);
        p->text = n > 0 ? malloc(n + 1) : NULL;
        if (p->text != NULL) {
            memcpy(p->text, buf, n + 1);
        }
    }
    atomic_store_explicit(&p->pstate, uid << 2 | P_DONE, memory_order_release);
    atomic_store_explicit(&p->done, 1, memory_order_seq_cst);
    AKTI_PREEMPT();
    if (atomic_load_explicit(&p->waiters, memory_order_seq_cst)) {
        akti_futex_wake(&p->done, INT32_MAX);
    }
    if (had_cb) {
        p->cb(p->status, p->reply, p->cb_arg);
        if (p->cb_fini) {
            p->cb_fini(p->cb_arg);
            p->cb_fini = NULL;
        }
    }
    /* the pending reference: ours unless the timer fired (then it drops) */
    if (!p->has_timer || akti_timer_cancel(pc->sys->wheel, &p->timer)) {
        akti_future_drop((akt_future *)p);
    }
    return true;
}

bool
akti_future_complete(akt_cell *pc, uint64_t uid, akt_err status, void *reply)
{
    return complete(pc, uid, status, reply, NULL, 0);
}

bool
akti_future_fail_text(
    akt_cell *pc, uint64_t uid, akt_err status, const char *text, size_t len)
{
    return complete(pc, uid, status, NULL, text, len);
}

static void
ask_timeout(akti_timer *t, void *arg)
{
    akti_promise *p = arg;
    uint64_t uid = atomic_load_explicit(&p->cell.uid, memory_order_relaxed);
    akti_future_complete(&p->cell, uid, AKT_ETIMEDOUT, NULL);
    akti_future_drop((akt_future *)p);
}

akt_err
akt_ask(akt_ref to, void *msg, int64_t timeout_ns, akt_future **out)
{
    if (to.cell_ == NULL || msg == NULL || out == NULL || timeout_ns <= 0) {
        return AKT_EINVAL;
    }
    akt_system *sys = to.cell_->sys;
    if (atomic_load_explicit(&sys->terminated, memory_order_acquire)) {
        return AKT_ECLOSED;
    }
    akt_future *f;
    akt_err rc = akti_future_new(sys, &f);
    if (rc != AKT_OK) {
        return rc;
    }
    akti_promise *p = P(f);
    if (timeout_ns != AKT_FOREVER) {
        p->has_timer = true;
        akti_timer_start(sys->wheel, &p->timer, timeout_ns, ask_timeout, p);
    }
    rc = akt_tell(to, msg, akti_future_ref(f));
    if (rc != AKT_OK) {
        /* complete it ourselves so the pending reference goes */
        akti_future_complete(&p->cell, akti_future_ref(f).uid_, rc, NULL);
        akti_future_drop(f);
        return rc;
    }
    *out = f;
    return AKT_OK;
}

akt_err
akt_future_wait_as(
    akt_future *f, int64_t timeout_ns, const akt_type *type, void **reply)
{
    void *msg = NULL;
    akt_err err = akt_future_wait(f, timeout_ns, &msg);
    if (err == AKT_OK && msg != NULL && akt_msg_type(msg) != type) {
        akt_msg_free(msg);
        msg = NULL;
        err = AKT_ETYPE;
    }
    if (reply != NULL) {
        *reply = msg;
    } else {
        akt_msg_free(msg);
    }
    return err;
}

akt_err
akt_call(akt_ref to, void *msg, int64_t timeout_ns, const akt_type *type,
    void **reply, akt_reason *why)
{
    if (reply != NULL) {
        *reply = NULL;
    }
    if (why != NULL) {
        why->text[0] = '\0';
    }
    akt_future *f = NULL;
    akt_err err = akt_ask(to, msg, timeout_ns, &f);
    if (err != AKT_OK) {
        akt_msg_free(msg); /* one rule: the request is consumed */
        return err;
    }
    err = type != NULL ? akt_future_wait_as(f, timeout_ns, type, reply)
                       : akt_future_wait(f, timeout_ns, reply);
    if (err != AKT_OK && why != NULL) {
        /* texts are cut to AKT_STATUS_TEXT_MAX bytes where they are made;
         * the bound here only guards the buffer */
        snprintf(why->text, sizeof why->text, "%s", akt_future_error_text(f));
    }
    akt_future_release(f);
    return err;
}

akt_err
akt_future_wait(akt_future *f, int64_t timeout_ns, void **reply)
{
    if (f == NULL) {
        return AKT_EINVAL;
    }
    akti_promise *p = P(f);
    akti_dispatcher *pool = p->cell.sys->pool;
    /* help first: run what waits in the pool's injection queue (often the
     * very actor we asked), then spin briefly, then sleep */
    int64_t help_deadline = 0;
    while (atomic_load_explicit(&p->done, memory_order_acquire) == 0) {
        if (!akti_pool_help(pool)) {
            break;
        }
        if (timeout_ns != AKT_FOREVER && timeout_ns >= 0) {
            int64_t now = akti_now_ns();
            if (help_deadline == 0) {
                help_deadline = now + timeout_ns;
            } else if (now >= help_deadline) {
                break;
            }
        }
    }
    int64_t busy_ns = p->cell.sys->set.ask_busy_wait_ns;
    int64_t spin_ns = tls_spin_misses < SPIN_MISS_LIMIT
            || ++tls_spin_probe % SPIN_PROBE == 0
        ? busy_ns
        : (busy_ns < WAIT_SPIN_SHORT_NS ? busy_ns : WAIT_SPIN_SHORT_NS);
    if (spin_ns > 0
        && atomic_load_explicit(&p->done, memory_order_acquire) == 0) {
        /* spin for a bounded TIME, not a count of pauses: a pause costs
         * ~10 cycles on some CPUs and ~140 on others (4000 of them were
         * ~130 us on an AMD EPYC -- CPU taken from the thread that would
         * produce the reply on a small machine) */
        int64_t start = akti_now_ns();
        if (timeout_ns != AKT_FOREVER && timeout_ns >= 0
            && timeout_ns < spin_ns) {
            spin_ns = timeout_ns; /* a busy wait never outlasts the wait */
        }
        int64_t spin_end = start + spin_ns;
        int64_t yield_at = start + AKTI_BUSY_PAUSE_NS;
        int64_t now = start;
        for (uint32_t i = 1;; i++) {
            bool yielded = now >= yield_at;
            if (yielded) {
                akti_busy_yield(&now);
            } else {
                akti_cpu_relax();
            }
            if (atomic_load_explicit(&p->done, memory_order_acquire)) {
                break;
            }
            if (yielded || (i & 31) == 0) {
                if (akti_pool_help(pool)) {
                    now = akti_now_ns();
                    spin_end = now + spin_ns;
                    yield_at = now + AKTI_BUSY_PAUSE_NS;
                    continue;
                }
                if (!yielded) {
                    now = akti_now_ns();
                }
                if (now >= spin_end) {
                    break;
                }
            }
        }
        if (atomic_load_explicit(&p->done, memory_order_acquire)) {
            tls_spin_misses = 0;
        } else if (tls_spin_misses < SPIN_MISS_LIMIT) {
            tls_spin_misses++;
        }
    }
    if (atomic_load_explicit(&p->done, memory_order_acquire) == 0) {
        int64_t deadline = (timeout_ns == AKT_FOREVER || timeout_ns < 0)
            ? INT64_MAX
            : akti_now_ns() + timeout_ns;
        atomic_fetch_add_explicit(&p->waiters, 1, memory_order_seq_cst);
        AKTI_PREEMPT();
        while (atomic_load_explicit(&p->done, memory_order_seq_cst) == 0) {
            int64_t left = -1;
            if (deadline != INT64_MAX) {
                left = deadline - akti_now_ns();
                if (left <= 0) {
                    break;
                }
            }
            akti_futex_wait(&p->done, 0, left);
        }
        atomic_fetch_sub_explicit(&p->waiters, 1, memory_order_relaxed);
        if (atomic_load_explicit(&p->done, memory_order_acquire) == 0) {
            return AKT_ETIMEDOUT;
        }
    }
    if (p->status == AKT_OK && reply != NULL) {
        *reply = p->reply ? akt_msg_retain(p->reply) : NULL;
    }
    return p->status;
}

akt_err
akt_future_on_complete(
    akt_future *f, akt_future_fn cb, void *arg, void (*fini)(void *))
{
    if (f == NULL || cb == NULL) {
        return AKT_EINVAL;
    }
    akti_promise *p = P(f);
    uint64_t st = atomic_load_explicit(&p->pstate, memory_order_acquire);
    if ((st & 3) == P_CALLBACK || p->cb != NULL) {
        return AKT_EBUSY;
    }
    p->cb = cb;
    p->cb_arg = arg;
    p->cb_fini = fini;
    uint64_t uid = st >> 2;
    uint64_t exp = uid << 2 | P_PENDING;
    if (atomic_compare_exchange_strong_explicit(&p->pstate, &exp,
            uid << 2 | P_CALLBACK, memory_order_acq_rel,
            memory_order_acquire)) {
        return AKT_OK; /* the completer calls it */
    }
    /* completing or done: wait for done, call here */
    while ((atomic_load_explicit(&p->pstate, memory_order_acquire) & 3)
        != P_DONE) {
        akti_cpu_relax();
    }
    cb(p->status, p->reply, arg);
    p->cb_fini = NULL;
    if (fini) {
        fini(arg);
    }
    return AKT_OK;
}

static void
pipe_cb(akt_err status, const void *reply, void *arg)
{
    akti_promise *p = arg;
    akt_ref to = p->pipe_to;
    if (status == AKT_OK && reply) {
        void *m = akt_msg_retain(reply);
        if (akt_tell(to, m, AKT_REF_NONE) != AKT_OK) {
            akt_msg_free(m);
        }
        return;
    }
    const char *text = p->text ? p->text : "";
    akt_Status *s = akti_status_new(status, text, strlen(text));
    if (s) {
        if (akt_tell(to, s, AKT_REF_NONE) != AKT_OK) {
            akt_msg_free(s);
        }
    }
}

akt_err
akt_future_pipe_to(akt_future *f, akt_ref to)
{
    if (f == NULL || to.cell_ == NULL) {
        return AKT_EINVAL;
    }
    akti_promise *p = P(f);
    if (p->cb != NULL) {
        return AKT_EBUSY;
    }
    p->pipe_to = to;
    return akt_future_on_complete(f, pipe_cb, p, NULL);
}

const char *
akt_future_error_text(const akt_future *f)
{
    if (f == NULL
        || atomic_load_explicit(&P(f)->done, memory_order_acquire) == 0) {
        return "";
    }
    const akti_promise *p = P(f);
    return p->status != AKT_OK && p->text != NULL ? p->text : "";
}

bool
akt_future_is_done(const akt_future *f)
{
    return f && atomic_load_explicit(&P(f)->done, memory_order_acquire) != 0;
}

void
akt_future_release(akt_future *f)
{
    if (f != NULL) {
        akti_future_drop(f);
    }
}

/* At akt_system_free: wake anyone still waiting. */
void
akti_promises_fail_all(akt_system *sys)
{
    for (uint32_t i = 0; i < sys->nslots; i++) {
        akt_cell *c = sys->slot_tab[i];
        if (c->kind != AKTI_CELL_PROMISE) {
            continue;
        }
        uint64_t uid = atomic_load(&c->uid);
        if (uid != 0) {
            akti_future_complete(c, uid, AKT_ECLOSED, NULL);
        }
    }
}
