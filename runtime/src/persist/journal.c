/*
 * journal.c -- the journal and snapshot-store front ends: what sits
 * between callers (persistent actors, tools, the TCK) and a plug-in's ops
 * table. Writes are encoded here (akt_msg_encode), so a plug-in only ever
 * sees type ids and bytes, and an event that cannot be serialized is
 * rejected before it reaches the store. Replay decodes through the
 * registry: an unknown type id fails with a text naming it.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/persistence.h"
#include "persist/persist_impl.h"

enum { LIVE_TAG = 1, LIVE_PID, LIVE_ALL };

/* live queries: one thread per journal (started with the first query)
 * runs every query from where it stopped each time a commit woke it */
struct akt_live {
    struct akt_live *next;
    akt_journal *j;
    akt_system *sys;
    int kind; /* LIVE_TAG, LIVE_PID, LIVE_ALL */
    char *key; /* tag or persistence id ("" for LIVE_ALL) */
    uint64_t last; /* offset (seq) of the last event handed over */
    akt_live_fn fn;
    void *arg;
    void (*fini)(void *arg);
    bool stopped; /* akt_live_stop called */
    bool ended; /* fn ended it, or the journal closes */
    bool fresh; /* not run since it was added */
};

/* A call under the breaker's call timeout: tracked from its start until
 * its result, cut by the watchdog at its deadline -- the token fires (a
 * plug-in waiting on a server interrupts the call: PostgreSQL cancels the
 * statement) and a write's caller hears AKT_ETIMEDOUT at once; the real
 * result, when it comes, is dropped. */
typedef struct bcall {
    struct bcall *prev, *next; /* in brk's list while tracked */
    int64_t deadline; /* CLOCK_MONOTONIC ns */
    akti_cancel tok;
    bool tracked, cut;
    /* a write's caller (cb NULL: a synchronous call; its caller sees cut) */
    akt_journal_write_cb cb;
    void *arg;
    bool trial;
    int64_t t0;
} bcall;

/* a circuit breaker (Akka's CircuitBreaker), under mu */
typedef struct brk {
    pthread_mutex_t mu;
    uint32_t max; /* 0: none */
    int64_t reset_ns;
    int64_t call_ns; /* a call slower than this fails (cut); 0: none */
    uint32_t failures; /* in a row */
    int64_t open_until; /* > 0: open (or half-open once passed) */
    bool trial; /* half-open: the one trial call is in flight */
    /* the calls under the call timeout, in start order, and the watchdog
     * thread that cuts them (started with the first) */
    bcall *head, *tail;
    pthread_cond_t wcv; /* CLOCK_MONOTONIC */
    pthread_t wth;
    int64_t wwake; /* when the sleeping watchdog wakes (INT64_MIN: awake) */
    bool wstarted, wclosing;
} brk;

struct akt_journal {
    const akt_journal_ops *ops;
    void *impl;
    const akt_registry *reg;
    uint64_t max_record;
    /* live queries, under lmu */
    pthread_mutex_t lmu;
    pthread_cond_t lcv; /* the query thread: work; stoppers: not busy */
    akt_live *lives;
    akt_live *busy; /* the query the thread is running now */
    uint64_t commits; /* commits seen by the hook */
    bool lthread, lclosing;
    pthread_t lth;
    brk br; /* the circuit breaker */
};

struct akt_snapshot_store {
    const akt_snapshot_ops *ops;
    void *impl;
    const akt_registry *reg;
    brk br;
};

static int64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t (*akti_persist_mono_ns)(void) = mono_ns;

int64_t
akti_persist_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
akti_perr(akt_persist_error *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
}

/* --- interruptible store calls -------------------------------------------- */

_Thread_local akti_cancel *akti_cancel_cur;

void
akti_cancel_init(akti_cancel *c)
{
    pthread_mutex_init(&c->mu, NULL);
    c->fired = false;
    c->fn = NULL;
    c->arg = NULL;
}

void
akti_cancel_destroy(akti_cancel *c)
{
    pthread_mutex_destroy(&c->mu);
}

bool
akti_cancel_enter(akti_cancel *c, void (*fn)(void *arg), void *arg)
{
    pthread_mutex_lock(&c->mu);
    bool ok = !c->fired;
    if (ok) {
        c->fn = fn;
        c->arg = arg;
    }
    pthread_mutex_unlock(&c->mu);
    return ok;
}

void
akti_cancel_leave(akti_cancel *c)
{
    pthread_mutex_lock(&c->mu);
    c->fn = NULL;
    c->arg = NULL;
    pthread_mutex_unlock(&c->mu);
}

bool
akti_cancel_fired(akti_cancel *c)
{
    pthread_mutex_lock(&c->mu);
    bool f = c->fired;
    pthread_mutex_unlock(&c->mu);
    return f;
}

void
akti_cancel_fire(akti_cancel *c)
{
    pthread_mutex_lock(&c->mu);
    c->fired = true;
    if (c->fn != NULL) {
        c->fn(c->arg);
    }
    pthread_mutex_unlock(&c->mu);
}

/* --- journal ---------------------------------------------------------------
 */

static void live_hook(void *arg);
static void brk_init(brk *b);
static void brk_fini(brk *b);

akt_err
akt_journal_new(const akt_journal_ops *ops, void *impl, const akt_registry *reg,
    uint64_t max_record_size, akt_journal **out)
{
    if (ops == NULL || ops->write == NULL || ops->replay == NULL
        || ops->highest == NULL || ops->delete_to == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    akt_journal *j = calloc(1, sizeof(*j));
    if (j == NULL) {
        return AKT_ENOMEM;
    }
    j->ops = ops;
    j->impl = impl;
    j->reg = reg;
    j->max_record = max_record_size ? max_record_size : 16u << 20;
    pthread_mutex_init(&j->lmu, NULL);
    pthread_cond_init(&j->lcv, NULL);
    brk_init(&j->br);
    if (ops->watch) {
        /* installed now, outside lmu: the hook runs under the plug-in's
         * lock and takes lmu, so lmu is never held around a plug-in call
         * that locks */
        ops->watch(impl, live_hook, j);
    }
    *out = j;
    return AKT_OK;
}

static void live_shutdown(akt_journal *j);

void
akt_journal_close(akt_journal *j)
{
    if (j == NULL) {
        return;
    }
    live_shutdown(j); /* before the plug-in goes: the queries read it */
    if (j->ops->close) {
        j->ops->close(j->impl);
    }
    pthread_mutex_destroy(&j->lmu);
    pthread_cond_destroy(&j->lcv);
    brk_fini(&j->br);
    free(j);
}

/* --- circuit breaker ---------------------------------------------------------
 */

static akt_err
brk_set(brk *b, uint32_t max_failures, int64_t call_ns, int64_t reset_ns)
{
    if ((max_failures > 0 && reset_ns <= 0) || call_ns < 0) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&b->mu);
    b->max = max_failures;
    b->reset_ns = reset_ns;
    b->call_ns = call_ns;
    b->failures = 0;
    b->open_until = 0;
    b->trial = false;
    pthread_mutex_unlock(&b->mu);
    return AKT_OK;
}

akt_err
akt_journal_set_breaker(akt_journal *j, uint32_t max_failures, int64_t reset_ns)
{
    if (j == NULL) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&j->br.mu);
    int64_t call_ns = j->br.call_ns;
    pthread_mutex_unlock(&j->br.mu);
    return brk_set(&j->br, max_failures, call_ns, reset_ns);
}

akt_err
akt_journal_set_breaker_call_timeout(akt_journal *j, int64_t call_timeout_ns)
{
    if (j == NULL || call_timeout_ns < 0) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&j->br.mu);
    j->br.call_ns = call_timeout_ns;
    pthread_mutex_unlock(&j->br.mu);
    return AKT_OK;
}

akt_err
akt_snapshot_store_set_breaker(akt_snapshot_store *s, uint32_t max_failures,
    int64_t call_timeout_ns, int64_t reset_ns)
{
    if (s == NULL) {
        return AKT_EINVAL;
    }
    return brk_set(&s->br, max_failures, call_timeout_ns, reset_ns);
}

/* may a call go to the store now? false: fail it fast (AKT_EBUSY). *trial:
 * it is the half-open state's one trial; *t0: when it starts */
static bool
brk_allow(brk *b, bool *trial, int64_t *t0)
{
    *trial = false;
    pthread_mutex_lock(&b->mu);
    bool ok = true;
    *t0 = b->max > 0 && b->call_ns > 0 ? akti_persist_mono_ns() : 0;
    if (b->max > 0 && b->open_until > 0) {
        if (b->trial || akti_persist_mono_ns() < b->open_until) {
            ok = false;
        } else {
            b->trial = *trial = true;
        }
    }
    pthread_mutex_unlock(&b->mu);
    return ok;
}

/* the outcome of a call that went to the store (started at t0): a call
 * slower than the call timeout counts as a failure, whatever it returned
 * (the caller still hears what it returned) */
static void
brk_outcome(brk *b, bool failed, bool trial, int64_t t0)
{
    pthread_mutex_lock(&b->mu);
    if (trial) {
        b->trial = false;
    }
    if (b->max > 0) {
        if (!failed && b->call_ns > 0 && t0 > 0
            && akti_persist_mono_ns() - t0 > b->call_ns) {
            failed = true;
        }
        if (!failed) {
            b->failures = 0;
            b->open_until = 0;
        } else if (trial || ++b->failures >= b->max) {
            b->open_until = akti_persist_mono_ns() + b->reset_ns;
        }
    }
    pthread_mutex_unlock(&b->mu);
}

static bool
brk_on(brk *b)
{
    pthread_mutex_lock(&b->mu);
    bool on = b->max > 0;
    pthread_mutex_unlock(&b->mu);
    return on;
}

static void
brk_init(brk *b)
{
    pthread_mutex_init(&b->mu, NULL);
    b->wwake = INT64_MIN; /* not started: it looks at the list first */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->wcv, &ca);
    pthread_condattr_destroy(&ca);
}

/* the watchdog: cuts each tracked call at its deadline (a timed wait for
 * the earliest, woken when the list gains a first call or at close) */
static void *
brk_watchdog(void *arg)
{
    brk *b = arg;
    pthread_mutex_lock(&b->mu);
    while (!b->wclosing) {
        bcall *c = b->head;
        for (bcall *x = b->head; x; x = x->next) {
            c = x->deadline < c->deadline ? x : c;
        }
        int64_t now = mono_ns();
        if (c == NULL || c->deadline > now) {
            /* asleep until the earliest deadline, or one call timeout
             * from now when none is tracked: a call tracked meanwhile
             * ends later, so it need not wake the watchdog (no wake-up
             * per call) */
            int64_t until = c != NULL
                ? c->deadline
                : now + (b->call_ns > 0 ? b->call_ns : 1000000000);
            struct timespec ts
                = { (time_t)(until / 1000000000), until % 1000000000 };
            b->wwake = until;
            pthread_cond_timedwait(&b->wcv, &b->mu, &ts);
            b->wwake = INT64_MIN; /* awake: it looks at the list again */
            continue;
        }
        *(c->prev ? &c->prev->next : &b->head) = c->next;
        *(c->next ? &c->next->prev : &b->tail) = c->prev;
        c->tracked = false;
        c->cut = true;
        /* under mu: the call's owner frees it only after it saw cut */
        akti_cancel_fire(&c->tok);
        if (c->cb != NULL) {
            akt_journal_write_cb cb = c->cb;
            void *cbarg = c->arg;
            bool trial = c->trial;
            pthread_mutex_unlock(&b->mu);
            brk_outcome(b, true, trial, 0);
            cb(cbarg, AKT_WRITE_FAILED, AKT_ETIMEDOUT);
            pthread_mutex_lock(&b->mu);
        }
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static void
brk_fini(brk *b)
{
    pthread_mutex_lock(&b->mu);
    b->wclosing = true;
    pthread_cond_signal(&b->wcv);
    bool started = b->wstarted;
    pthread_mutex_unlock(&b->mu);
    if (started) {
        pthread_join(b->wth, NULL);
    }
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->wcv);
}

/* start tracking c when the breaker has a call timeout (c->tok
 * initialised either way); false: not tracked */
static bool
brk_track(brk *b, bcall *c)
{
    akti_cancel_init(&c->tok);
    c->tracked = c->cut = false;
    pthread_mutex_lock(&b->mu);
    if (b->max == 0 || b->call_ns <= 0 || b->wclosing) {
        pthread_mutex_unlock(&b->mu);
        return false;
    }
    if (!b->wstarted) {
        if (pthread_create(&b->wth, NULL, brk_watchdog, b) != 0) {
            pthread_mutex_unlock(&b->mu);
            return false; /* no cut: a slow call still counts (outcome) */
        }
        b->wstarted = true;
    }
    c->deadline = mono_ns() + b->call_ns;
    c->tracked = true;
    c->next = NULL;
    c->prev = b->tail;
    *(b->tail ? &b->tail->next : &b->head) = c;
    b->tail = c;
    if (c->deadline < b->wwake) {
        pthread_cond_signal(&b->wcv); /* earlier than it would wake */
    }
    pthread_mutex_unlock(&b->mu);
    return true;
}

/* stop tracking c; true: the watchdog cut it (a write's caller heard
 * AKT_ETIMEDOUT already) */
static bool
brk_untrack(brk *b, bcall *c)
{
    pthread_mutex_lock(&b->mu);
    bool cut = c->cut;
    if (c->tracked) {
        *(c->prev ? &c->prev->next : &b->head) = c->next;
        *(c->next ? &c->next->prev : &b->tail) = c->prev;
        c->tracked = false;
    }
    pthread_mutex_unlock(&b->mu);
    akti_cancel_destroy(&c->tok);
    return cut;
}

static void
fire_inner(void *arg)
{
    akti_cancel_fire(arg);
}

/* a synchronous store call under the breaker: tracked, its token current
 * on this thread (linked to the token that was: a stop that fires that
 * one fires this one too) */
typedef struct scall {
    bcall c;
    akti_cancel *outer;
    bool tracked;
} scall;

/* false: the outer token fired already (do not call the store) */
static bool
scall_begin(brk *b, scall *s)
{
    s->c = (bcall) { .cb = NULL }; /* synchronous: no callback */
    s->tracked = brk_track(b, &s->c);
    s->outer = akti_cancel_cur;
    if (s->outer != NULL
        && !akti_cancel_enter(s->outer, fire_inner, &s->c.tok)) {
        brk_untrack(b, &s->c);
        return false;
    }
    if (s->tracked || s->outer != NULL) {
        akti_cancel_cur = &s->c.tok;
    }
    return true;
}

/* the call returned rc; AKT_ETIMEDOUT when the watchdog cut it */
static akt_err
scall_end(brk *b, scall *s, akt_err rc)
{
    akti_cancel_cur = s->outer;
    if (s->outer != NULL) {
        akti_cancel_leave(s->outer);
    }
    return brk_untrack(b, &s->c) ? AKT_ETIMEDOUT : rc;
}

/* a write's callback seen by the breaker first */
typedef struct bwrite {
    akt_journal *j;
    bcall c;
} bwrite;

static void
bwrite_cb(void *arg, akt_write_status st, akt_err rc)
{
    bwrite *b = arg;
    if (!brk_untrack(&b->j->br, &b->c)) {
        brk_outcome(&b->j->br, st == AKT_WRITE_FAILED, b->c.trial, b->c.t0);
        b->c.cb(b->c.arg, st, rc);
    } /* else: cut, its caller heard AKT_ETIMEDOUT; this result is dropped */
    free(b);
}

/* highest / delete_to: a failure of the store (not of the caller) */
static bool
store_failed(akt_err rc)
{
    return rc != AKT_OK && rc != AKT_ENOENT && rc != AKT_EINVAL
        && rc != AKT_ERANGE && rc != AKT_ECLOSED;
}

const akt_registry *
akt_journal_registry(const akt_journal *j)
{
    return j ? j->reg : NULL;
}

static bool
tags_ok(const akt_jevent *e)
{
    if (e->ntags > AKT_PERSIST_MAX_TAGS || (e->ntags && e->tags == NULL)) {
        return false;
    }
    for (size_t i = 0; i < e->ntags; i++) {
        size_t l = e->tags[i] ? strlen(e->tags[i]) : 0;
        if (l == 0 || l > AKT_PERSIST_MAX_TAG_LEN) {
            return false;
        }
    }
    return true;
}

akt_err
akt_journal_write(akt_journal *j, const char *pid, uint64_t first_seq,
    const akt_jevent *events, size_t n, akt_journal_write_cb cb, void *arg)
{
    if (j == NULL || pid == NULL || pid[0] == '\0' || events == NULL || n == 0
        || cb == NULL || first_seq == 0 || first_seq + n < first_seq) {
        return AKT_EINVAL;
    }
    akt_err rc = AKT_OK;
    akt_prepr stack_ev[4];
    akt_buf stack_buf[4];
    akt_prepr *ev = n <= 4 ? stack_ev : calloc(n, sizeof(*ev));
    akt_buf *buf = n <= 4 ? stack_buf : calloc(n, sizeof(*buf));
    if (ev == NULL || buf == NULL) {
        rc = AKT_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        akt_buf_init(&buf[i]);
    }
    int64_t now = akti_persist_now_ms();
    for (size_t i = 0; i < n; i++) {
        const akt_jevent *e = &events[i];
        if (e->msg == NULL || !tags_ok(e)) {
            rc = AKT_EINVAL;
            goto out;
        }
        if ((rc = akt_msg_encode(e->msg, &buf[i])) != AKT_OK) {
            goto out; /* no codec: AKT_EINVAL, a rejection */
        }
        if (buf[i].len > j->max_record) {
            rc = AKT_ETOOBIG;
            goto out;
        }
        ev[i] = (akt_prepr) {
            .seq = first_seq + i,
            .type_id = akt_msg_type(e->msg)->id,
            .timestamp_ms = now,
            .data = buf[i].data,
            .len = buf[i].len,
            .tags = e->tags,
            .ntags = e->ntags,
            .writer = e->writer,
        };
    }
    akt_atomic_write w = { .pid = pid, .events = ev, .n = n };
    if (brk_on(&j->br)) {
        bool trial;
        int64_t t0;
        if (!brk_allow(&j->br, &trial, &t0)) {
            rc = AKT_EBUSY; /* open: fail fast, nothing written */
            goto out;
        }
        bwrite *b = malloc(sizeof(*b));
        if (b == NULL) {
            brk_outcome(&j->br, false, trial, 0);
            rc = AKT_ENOMEM;
            goto out;
        }
        b->j = j;
        b->c.cb = cb;
        b->c.arg = arg;
        b->c.trial = trial;
        b->c.t0 = t0;
        /* the plug-in may keep the current token to interrupt the write
         * when it is cut (PostgreSQL: its statement is cancelled) */
        akti_cancel *was = akti_cancel_cur;
        akti_cancel_cur = brk_track(&j->br, &b->c) ? &b->c.tok : NULL;
        rc = j->ops->write(j->impl, &w, bwrite_cb, b);
        akti_cancel_cur = was;
        if (rc != AKT_OK) {
            if (brk_untrack(&j->br, &b->c)) {
                rc = AKT_OK; /* cut meanwhile: its callback had the failure */
            } else {
                brk_outcome(&j->br, store_failed(rc), trial, 0);
            }
            free(b);
        }
        goto out;
    }
    akti_cancel *was = akti_cancel_cur;
    akti_cancel_cur = NULL; /* no cut: the plug-in keeps no token */
    rc = j->ops->write(j->impl, &w, cb, arg);
    akti_cancel_cur = was;
out:
    if (buf) {
        for (size_t i = 0; i < n; i++) {
            akt_buf_free(&buf[i]);
        }
    }
    if (ev != stack_ev) {
        free(ev);
    }
    if (buf != stack_buf) {
        free(buf);
    }
    return rc;
}

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    akt_write_status st;
    akt_err rc;
} waiter;

static void
wait_cb(void *arg, akt_write_status st, akt_err rc)
{
    waiter *w = arg;
    pthread_mutex_lock(&w->mu);
    w->st = st;
    w->rc = rc;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

akt_err
akt_journal_write_wait(akt_journal *j, const char *pid, uint64_t first_seq,
    const akt_jevent *events, size_t n, akt_write_status *st)
{
    waiter w = { .done = false };
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    akt_err rc = akt_journal_write(j, pid, first_seq, events, n, wait_cb, &w);
    if (rc == AKT_OK) {
        pthread_mutex_lock(&w.mu);
        while (!w.done) {
            pthread_cond_wait(&w.cv, &w.mu);
        }
        pthread_mutex_unlock(&w.mu);
        rc = w.st == AKT_WRITE_OK ? AKT_OK : w.rc != AKT_OK ? w.rc : AKT_EIO;
        if (st) {
            *st = w.st;
        }
    } else if (st) {
        *st = AKT_WRITE_REJECTED;
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return rc;
}

typedef struct replay_ctx {
    akt_journal *j;
    akt_system *sys;
    const char *pid;
    akt_replay_fn fn;
    void *arg;
    akt_persist_error *err;
    uint64_t last_id; /* the previous event's type: most replays have few */
    const akt_type *last_type;
} replay_ctx;

static akt_err
replay_one(void *arg, const akt_prepr *ev)
{
    replay_ctx *c = arg;
    const akt_type *t = c->last_type;
    if (t == NULL || c->last_id != ev->type_id) {
        t = c->j->reg ? akt_registry_find(c->j->reg, ev->type_id) : NULL;
        c->last_id = ev->type_id;
        c->last_type = t;
    }
    if (t == NULL) {
        akti_perr(c->err,
            "%s: event %" PRIu64 " has unknown type id 0x%016" PRIx64
            " (not in the journal's registry)",
            c->pid, ev->seq, ev->type_id);
        return AKT_ETYPE;
    }
    void *msg = NULL;
    akt_err rc = akt_msg_decode_in(c->sys, t, ev->data, ev->len, NULL, &msg);
    if (rc != AKT_OK) {
        akti_perr(c->err,
            "%s: event %" PRIu64 " of type %s does not decode: %s", c->pid,
            ev->seq, t->name, akt_strerror(rc));
        return rc;
    }
    rc = c->fn(c->arg, ev, msg);
    akt_msg_free(msg);
    return rc;
}

const char *
akti_journal_plugin(const akt_journal *j)
{
    return j->ops->name ? j->ops->name : "";
}

const char *
akti_snapshot_plugin(const akt_snapshot_store *s)
{
    return s->ops->name ? s->ops->name : "";
}

akt_err
akt_journal_replay(akt_journal *j, akt_system *sys, const char *pid,
    uint64_t from, uint64_t to, uint64_t max, akt_replay_fn fn, void *arg,
    akt_persist_error *err)
{
    if (j == NULL || pid == NULL || fn == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    replay_ctx c = { j, sys, pid, fn, arg, err, 0, NULL };
    akt_err rc = j->ops->replay(j->impl, pid, from, to, max, replay_one, &c);
    if (rc != AKT_OK && err && err->text[0] == '\0') {
        akti_perr(err, "%s: replay failed: %s", pid, akt_strerror(rc));
    }
    return rc;
}

akt_err
akt_journal_replay_raw(akt_journal *j, const char *pid, uint64_t from,
    uint64_t to, uint64_t max, akt_journal_replay_fn fn, void *arg)
{
    if (j == NULL || pid == NULL || fn == NULL) {
        return AKT_EINVAL;
    }
    return j->ops->replay(j->impl, pid, from, to, max, fn, arg);
}

akt_err
akt_journal_highest(akt_journal *j, const char *pid, uint64_t *out)
{
    if (j == NULL || pid == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    bool trial;
    int64_t t0;
    if (!brk_allow(&j->br, &trial, &t0)) {
        return AKT_EBUSY;
    }
    scall sc;
    akt_err rc = AKT_ECANCELED;
    if (scall_begin(&j->br, &sc)) {
        rc = scall_end(&j->br, &sc, j->ops->highest(j->impl, pid, out));
    }
    brk_outcome(&j->br, store_failed(rc), trial, t0);
    return rc;
}

akt_err
akt_journal_delete_to(akt_journal *j, const char *pid, uint64_t to)
{
    if (j == NULL || pid == NULL) {
        return AKT_EINVAL;
    }
    bool trial;
    int64_t t0;
    if (!brk_allow(&j->br, &trial, &t0)) {
        return AKT_EBUSY;
    }
    scall sc;
    akt_err rc = AKT_ECANCELED;
    if (scall_begin(&j->br, &sc)) {
        rc = scall_end(&j->br, &sc, j->ops->delete_to(j->impl, pid, to));
    }
    brk_outcome(&j->br, store_failed(rc), trial, t0);
    return rc;
}

akt_err
akt_journal_events_by_tag(akt_journal *j, const char *tag, uint64_t after,
    uint64_t max, akt_journal_tag_fn fn, void *arg)
{
    if (j == NULL || tag == NULL || fn == NULL) {
        return AKT_EINVAL;
    }
    if (j->ops->events_by_tag == NULL) {
        return AKT_ENOTSUP;
    }
    return j->ops->events_by_tag(j->impl, tag, after, max, fn, arg);
}

akt_err
akt_journal_persistence_ids(akt_journal *j, const char *after, uint64_t max,
    akt_journal_pid_fn fn, void *arg)
{
    if (j == NULL || fn == NULL) {
        return AKT_EINVAL;
    }
    if (j->ops->persistence_ids == NULL) {
        return AKT_ENOTSUP;
    }
    return j->ops->persistence_ids(j->impl, after ? after : "", max, fn, arg);
}

akt_err
akt_journal_events_all(akt_journal *j, uint64_t after, uint64_t max,
    akt_journal_tag_fn fn, void *arg)
{
    if (j == NULL || fn == NULL) {
        return AKT_EINVAL;
    }
    if (j->ops->events_all == NULL) {
        return AKT_ENOTSUP;
    }
    return j->ops->events_all(j->impl, after, max, fn, arg);
}

akt_err
akt_journal_stats_get(akt_journal *j, akt_journal_stats *out)
{
    if (j == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof(*out));
    if (j->ops->stats == NULL) {
        return AKT_ENOTSUP;
    }
    j->ops->stats(j->impl, out);
    return AKT_OK;
}

/* --- snapshot store --------------------------------------------------------
 */

akt_err
akt_snapshot_store_new(const akt_snapshot_ops *ops, void *impl,
    const akt_registry *reg, akt_snapshot_store **out)
{
    if (ops == NULL || ops->save == NULL || ops->load == NULL
        || ops->remove == NULL || ops->remove_matching == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    akt_snapshot_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    s->ops = ops;
    s->impl = impl;
    s->reg = reg;
    brk_init(&s->br);
    *out = s;
    return AKT_OK;
}

void
akt_snapshot_store_close(akt_snapshot_store *s)
{
    if (s == NULL) {
        return;
    }
    if (s->ops->close) {
        s->ops->close(s->impl);
    }
    brk_fini(&s->br);
    free(s);
}

/* a snapshot-store call's outcome for the breaker: none found, a bad
 * argument or a type the registry lacks are not the store's failures */
static bool
snap_store_failed(akt_err rc)
{
    return store_failed(rc) && rc != AKT_ETYPE;
}

akt_err
akt_snapshot_save(akt_snapshot_store *s, const char *pid, uint64_t seq,
    int64_t timestamp_ms, const void *snapshot)
{
    if (s == NULL || pid == NULL || pid[0] == '\0' || snapshot == NULL) {
        return AKT_EINVAL;
    }
    akt_buf b;
    akt_buf_init(&b);
    akt_err rc = akt_msg_encode(snapshot, &b);
    if (rc == AKT_OK) {
        akt_snapshot_meta m
            = { pid, seq, timestamp_ms ? timestamp_ms : akti_persist_now_ms() };
        akt_snapshot_blob blob = { akt_msg_type(snapshot)->id, b.data, b.len };
        bool trial;
        int64_t t0;
        if (!brk_allow(&s->br, &trial, &t0)) {
            rc = AKT_EBUSY;
        } else {
            scall sc;
            rc = AKT_ECANCELED;
            if (scall_begin(&s->br, &sc)) {
                rc = scall_end(&s->br, &sc, s->ops->save(s->impl, &m, &blob));
            }
            brk_outcome(&s->br, snap_store_failed(rc), trial, t0);
        }
    }
    akt_buf_free(&b);
    return rc;
}

typedef struct load_ctx {
    akt_snapshot_store *s;
    akt_system *sys;
    akt_snapshot_meta *meta;
    void **out;
    akt_persist_error *err;
} load_ctx;

static akt_err
load_one(void *arg, const akt_snapshot_meta *m, const akt_snapshot_blob *b)
{
    load_ctx *c = arg;
    const akt_type *t
        = c->s->reg ? akt_registry_find(c->s->reg, b->type_id) : NULL;
    if (t == NULL) {
        akti_perr(c->err,
            "%s: snapshot %" PRIu64 " has unknown type id 0x%016" PRIx64,
            m->pid, m->seq, b->type_id);
        return AKT_ETYPE;
    }
    akt_err rc = akt_msg_decode_in(c->sys, t, b->data, b->len, NULL, c->out);
    if (rc != AKT_OK) {
        akti_perr(c->err,
            "%s: snapshot %" PRIu64 " of type %s does not decode: %s", m->pid,
            m->seq, t->name, akt_strerror(rc));
        return rc;
    }
    if (c->meta) {
        c->meta->pid = NULL;
        c->meta->seq = m->seq;
        c->meta->timestamp_ms = m->timestamp_ms;
    }
    return AKT_OK;
}

akt_err
akt_snapshot_load(akt_snapshot_store *s, akt_system *sys, const char *pid,
    akt_snapshot_criteria c, akt_snapshot_meta *meta_out, void **out,
    akt_persist_error *err)
{
    if (s == NULL || pid == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    *out = NULL;
    load_ctx lc = { s, sys, meta_out, out, err };
    bool trial;
    int64_t t0;
    if (!brk_allow(&s->br, &trial, &t0)) {
        akti_perr(
            err, "%s: snapshot store unavailable (circuit breaker open)", pid);
        return AKT_EBUSY;
    }
    scall sc;
    akt_err rc = AKT_ECANCELED;
    if (scall_begin(&s->br, &sc)) {
        rc = scall_end(
            &s->br, &sc, s->ops->load(s->impl, pid, c, load_one, &lc));
    }
    brk_outcome(&s->br, snap_store_failed(rc), trial, t0);
    if (rc != AKT_OK && *out) {
        akt_msg_free(*out);
        *out = NULL;
    }
    if (rc != AKT_OK && rc != AKT_ENOENT && err && err->text[0] == '\0') {
        akti_perr(err, "%s: snapshot load failed: %s", pid, akt_strerror(rc));
    }
    return rc;
}

akt_err
akt_snapshot_delete(
    akt_snapshot_store *s, const char *pid, uint64_t seq, int64_t ts)
{
    if (s == NULL || pid == NULL) {
        return AKT_EINVAL;
    }
    bool trial;
    int64_t t0;
    if (!brk_allow(&s->br, &trial, &t0)) {
        return AKT_EBUSY;
    }
    scall sc;
    akt_err rc = AKT_ECANCELED;
    if (scall_begin(&s->br, &sc)) {
        rc = scall_end(&s->br, &sc, s->ops->remove(s->impl, pid, seq, ts));
    }
    brk_outcome(&s->br, snap_store_failed(rc), trial, t0);
    return rc;
}

akt_err
akt_snapshot_delete_matching(
    akt_snapshot_store *s, const char *pid, akt_snapshot_criteria c)
{
    if (s == NULL || pid == NULL) {
        return AKT_EINVAL;
    }
    bool trial;
    int64_t t0;
    if (!brk_allow(&s->br, &trial, &t0)) {
        return AKT_EBUSY;
    }
    scall sc;
    akt_err rc = AKT_ECANCELED;
    if (scall_begin(&s->br, &sc)) {
        rc = scall_end(&s->br, &sc, s->ops->remove_matching(s->impl, pid, c));
    }
    brk_outcome(&s->br, snap_store_failed(rc), trial, t0);
    return rc;
}

/* --- durable state store -----------------------------------------------------
 */

struct akt_state_store {
    const akt_state_ops *ops;
    void *impl;
    const akt_registry *reg;
};

akt_err
akt_state_store_new(const akt_state_ops *ops, void *impl,
    const akt_registry *reg, akt_state_store **out)
{
    if (ops == NULL || ops->get == NULL || ops->upsert == NULL
        || ops->remove == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    akt_state_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    s->ops = ops;
    s->impl = impl;
    s->reg = reg;
    *out = s;
    return AKT_OK;
}

void
akt_state_store_close(akt_state_store *s)
{
    if (s == NULL) {
        return;
    }
    if (s->ops->close) {
        s->ops->close(s->impl);
    }
    free(s);
}

typedef struct state_ctx {
    akt_state_store *s;
    akt_system *sys;
    const char *pid;
    void **out;
    uint64_t *revision;
    akt_persist_error *err;
} state_ctx;

static akt_err
state_one(void *arg, uint64_t revision, const akt_snapshot_blob *b)
{
    state_ctx *c = arg;
    const akt_type *t
        = c->s->reg ? akt_registry_find(c->s->reg, b->type_id) : NULL;
    if (t == NULL) {
        akti_perr(c->err,
            "%s: state revision %" PRIu64 " has unknown type id 0x%016" PRIx64,
            c->pid, revision, b->type_id);
        return AKT_ETYPE;
    }
    akt_err rc = akt_msg_decode_in(c->sys, t, b->data, b->len, NULL, c->out);
    if (rc != AKT_OK) {
        akti_perr(c->err,
            "%s: state revision %" PRIu64 " of type %s does not decode: %s",
            c->pid, revision, t->name, akt_strerror(rc));
        return rc;
    }
    *c->revision = revision;
    return AKT_OK;
}

akt_err
akt_state_get(akt_state_store *s, akt_system *sys, const char *pid, void **out,
    uint64_t *revision, akt_persist_error *err)
{
    if (s == NULL || pid == NULL || pid[0] == '\0' || out == NULL
        || revision == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    *out = NULL;
    *revision = 0;
    state_ctx c = { s, sys, pid, out, revision, err };
    akt_err rc = s->ops->get(s->impl, pid, state_one, &c);
    if (rc != AKT_OK) {
        if (*out) {
            akt_msg_free(*out);
            *out = NULL;
        }
        *revision = 0;
    }
    if (rc != AKT_OK && rc != AKT_ENOENT && err && err->text[0] == '\0') {
        akti_perr(err, "%s: state read failed: %s", pid, akt_strerror(rc));
    }
    return rc;
}

akt_err
akt_state_upsert(
    akt_state_store *s, const char *pid, uint64_t revision, const void *value)
{
    if (s == NULL || pid == NULL || pid[0] == '\0' || value == NULL
        || revision == 0) {
        return AKT_EINVAL;
    }
    akt_buf b;
    akt_buf_init(&b);
    akt_err rc = akt_msg_encode(value, &b);
    if (rc == AKT_OK) {
        akt_snapshot_blob blob = { akt_msg_type(value)->id, b.data, b.len };
        rc = s->ops->upsert(s->impl, pid, revision, &blob);
    }
    akt_buf_free(&b);
    return rc;
}

akt_err
akt_state_delete(akt_state_store *s, const char *pid, uint64_t revision)
{
    if (s == NULL || pid == NULL || pid[0] == '\0') {
        return AKT_EINVAL;
    }
    return s->ops->remove(s->impl, pid, revision);
}

/* --- live queries ------------------------------------------------------------
 */

/* the plug-in's watch hook: a commit happened (only signals) */
static void
live_hook(void *arg)
{
    akt_journal *j = arg;
    pthread_mutex_lock(&j->lmu);
    j->commits++;
    pthread_cond_broadcast(&j->lcv);
    pthread_mutex_unlock(&j->lmu);
}

typedef struct live_run {
    akt_live *q;
    akt_err rc; /* fn's */
} live_run;

/* decode ev (NULL when its type is unknown or it does not decode: fn
 * still sees the record) and hand it to fn */
static akt_err
live_one(live_run *r, uint64_t offset, const char *pid, const akt_prepr *ev)
{
    akt_live *q = r->q;
    const akt_type *t
        = q->j->reg ? akt_registry_find(q->j->reg, ev->type_id) : NULL;
    void *msg = NULL;
    if (t == NULL
        || akt_msg_decode_in(q->sys, t, ev->data, ev->len, NULL, &msg)
            != AKT_OK) {
        msg = NULL;
    }
    r->rc = q->fn(q->arg, offset, pid, ev, msg);
    akt_msg_free(msg);
    q->last = offset;
    return r->rc;
}

static akt_err
live_tag_one(void *arg, uint64_t offset, const char *pid, const akt_prepr *ev)
{
    return live_one(arg, offset, pid, ev);
}

static akt_err
live_pid_one(void *arg, const akt_prepr *ev)
{
    live_run *r = arg;
    return live_one(r, ev->seq, r->q->key, ev);
}

/* run q from where it stopped; false when fn ended it */
static bool
live_run_one(akt_journal *j, akt_live *q)
{
    live_run r = { q, AKT_OK };
    akt_err rc;
    if (q->kind == LIVE_TAG) {
        rc = j->ops->events_by_tag(
            j->impl, q->key, q->last, UINT64_MAX, live_tag_one, &r);
    } else if (q->kind == LIVE_ALL) {
        rc = j->ops->events_all(j->impl, q->last, UINT64_MAX, live_tag_one, &r);
    } else {
        rc = j->ops->replay(j->impl, q->key, q->last + 1, UINT64_MAX,
            UINT64_MAX, live_pid_one, &r);
    }
    (void)rc; /* a store error: tried again at the next commit */
    return r.rc == AKT_OK;
}

static void
live_free(akt_live *q)
{
    if (q->fini) {
        q->fini(q->arg);
    }
    free(q->key);
    free(q);
}

static void *
live_thread(void *arg)
{
    akt_journal *j = arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&j->lmu);
    for (;;) {
        bool fresh = false;
        for (akt_live *q = j->lives; q; q = q->next) {
            fresh = fresh || q->fresh;
        }
        while (!j->lclosing && !fresh && j->commits == seen) {
            pthread_cond_wait(&j->lcv, &j->lmu);
            for (akt_live *q = j->lives; q; q = q->next) {
                fresh = fresh || q->fresh;
            }
        }
        if (j->lclosing) {
            break;
        }
        bool all = j->commits != seen;
        seen = j->commits;
        /* run each query outside the lock; stoppers wait for busy */
        for (akt_live *q = j->lives; q; q = q->next) {
            if (q->stopped || q->ended || !(all || q->fresh)) {
                continue;
            }
            q->fresh = false;
            j->busy = q;
            pthread_mutex_unlock(&j->lmu);
            bool on = live_run_one(j, q);
            pthread_mutex_lock(&j->lmu);
            j->busy = NULL;
            q->ended = q->ended || !on;
            pthread_cond_broadcast(&j->lcv);
        }
        /* unlink what ended or was stopped from inside fn */
        for (akt_live **pq = &j->lives; *pq;) {
            akt_live *q = *pq;
            if (q->ended || q->stopped) {
                *pq = q->next;
                bool by_stop = q->stopped;
                q->ended = true;
                if (!by_stop) {
                    pthread_mutex_unlock(&j->lmu);
                    live_free(q); /* nobody else holds it */
                    pthread_mutex_lock(&j->lmu);
                } else {
                    pthread_cond_broadcast(&j->lcv); /* its stopper frees */
                }
                continue;
            }
            pq = &q->next;
        }
    }
    pthread_mutex_unlock(&j->lmu);
    return NULL;
}

static akt_err
live_start(akt_journal *j, akt_system *sys, int kind, const char *key,
    uint64_t after, akt_live_fn fn, void *arg, void (*fini)(void *),
    akt_live **out)
{
    if (j == NULL || key == NULL || (key[0] == '\0' && kind != LIVE_ALL)
        || fn == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    if (j->ops->watch == NULL
        || (kind == LIVE_TAG && j->ops->events_by_tag == NULL)
        || (kind == LIVE_ALL && j->ops->events_all == NULL)) {
        return AKT_ENOTSUP;
    }
    akt_live *q = calloc(1, sizeof(*q));
    if (q == NULL || (q->key = strdup(key)) == NULL) {
        free(q);
        return AKT_ENOMEM;
    }
    q->j = j;
    q->sys = sys;
    q->kind = kind;
    q->last = after;
    q->fn = fn;
    q->arg = arg;
    q->fini = fini;
    q->fresh = true; /* the stored part runs at once */
    pthread_mutex_lock(&j->lmu);
    if (j->lclosing) {
        pthread_mutex_unlock(&j->lmu);
        free(q->key);
        free(q);
        return AKT_ECLOSED;
    }
    if (!j->lthread) {
        if (pthread_create(&j->lth, NULL, live_thread, j) != 0) {
            pthread_mutex_unlock(&j->lmu);
            free(q->key);
            free(q);
            return AKT_ENOMEM;
        }
        j->lthread = true;
    }
    q->next = j->lives;
    j->lives = q;
    pthread_cond_broadcast(&j->lcv);
    pthread_mutex_unlock(&j->lmu);
    *out = q;
    return AKT_OK;
}

akt_err
akt_journal_live_by_tag(akt_journal *j, akt_system *sys, const char *tag,
    uint64_t after, akt_live_fn fn, void *arg, void (*fini)(void *arg),
    akt_live **out)
{
    if (tag && strlen(tag) > AKT_PERSIST_MAX_TAG_LEN) {
        return AKT_EINVAL;
    }
    return live_start(j, sys, LIVE_TAG, tag, after, fn, arg, fini, out);
}

akt_err
akt_journal_live_by_pid(akt_journal *j, akt_system *sys, const char *pid,
    uint64_t after, akt_live_fn fn, void *arg, void (*fini)(void *arg),
    akt_live **out)
{
    return live_start(j, sys, LIVE_PID, pid, after, fn, arg, fini, out);
}

akt_err
akt_journal_live_all(akt_journal *j, akt_system *sys, uint64_t after,
    akt_live_fn fn, void *arg, void (*fini)(void *arg), akt_live **out)
{
    return live_start(j, sys, LIVE_ALL, "", after, fn, arg, fini, out);
}

void
akt_live_stop(akt_live *q)
{
    if (q == NULL) {
        return;
    }
    akt_journal *j = q->j;
    pthread_mutex_lock(&j->lmu);
    if (j->lthread && pthread_equal(pthread_self(), j->lth)) {
        /* from inside fn: the query thread unlinks it after fn returns and
         * frees it since nobody waits */
        q->ended = true;
        pthread_mutex_unlock(&j->lmu);
        return;
    }
    q->stopped = true;
    while (j->busy == q) {
        pthread_cond_wait(&j->lcv, &j->lmu);
    }
    bool linked = false;
    for (akt_live **pq = &j->lives; *pq; pq = &(*pq)->next) {
        if (*pq == q) {
            *pq = q->next;
            linked = true;
            break;
        }
    }
    (void)linked; /* unlinked already by the query thread: ours to free */
    pthread_mutex_unlock(&j->lmu);
    live_free(q);
}

/* the journal closes: end the thread, then every query left */
static void
live_shutdown(akt_journal *j)
{
    pthread_mutex_lock(&j->lmu);
    j->lclosing = true;
    pthread_cond_broadcast(&j->lcv);
    bool th = j->lthread;
    pthread_mutex_unlock(&j->lmu);
    if (th) {
        pthread_join(j->lth, NULL);
    }
    for (akt_live *q = j->lives, *n; q; q = n) {
        n = q->next;
        live_free(q);
    }
    j->lives = NULL;
}
