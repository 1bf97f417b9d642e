/*
 * pydisp.c -- the python-pinned dispatcher: every Python actor of a system
 * runs on one thread, the one that runs the system's asyncio loop and holds
 * the GIL while it drains (docs/python.md, "GIL strategy").
 *
 * schedule() (any thread, GIL or not) appends the cell to a queue under a
 * mutex and writes the eventfd only when the queue goes from idle to busy
 * (nobody draining, no signal pending), so a burst of tells from C or
 * Python costs one wake-up. The loop's reader callback (pydisp_drain, GIL
 * held) runs cells one turn each until the queue is empty or a budget is
 * spent, then gives the loop back (timers, tasks, I/O) and re-signals
 * itself if work is left.
 *
 * Cells run with a throughput of 1 so that a handler that suspends (an
 * `async def handle` that really awaits) can park its cell: a parked cell
 * is not queued again until its handler's task completes
 * (pydisp_unpark), so an actor handles one message at a time even across
 * awaits, and its later messages wait in its mailbox in order.
 */
#include <Python.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/core.h"
#include "core/ext.h"
#include "kit/kit.h"
#include "pycore.h"
#include "pydisp.h"

typedef struct parked {
    akt_cell *cell;
    bool pending; /* scheduled while parked */
} parked;

struct pydisp {
    akti_dispatcher base;
    pthread_mutex_t mu;
    /* q and park hold at most one entry per attached cell (a cell is
     * queued once: its sched flag; parked once): pd_attach makes their
     * room, so a push never allocates and a spawn that cannot get room
     * fails with AKT_ENOMEM instead */
    akt_cell **q; /* ring */
    size_t qh, qn, qcap;
    parked *park;
    size_t npark, cpark;
    size_t nattached;
    int efd;
    bool signaled; /* efd written, not yet read by a drain */
    bool draining; /* a drain runs: it will see what is pushed */
    bool stopped;
    /* python-nogil: nthreads workers take cells from q (cv) instead of
     * the loop's eventfd; 0 for python-pinned */
    size_t nthreads, idle;
    pthread_t *threads;
    pthread_cond_t cv;
    char *owned_name; /* the pool's name (the dispatcher's, freed with it) */
    /* the interpreter its actors live in (NULL: the main one) */
    PyInterpreterState *interp;
    /* python-subinterpreter-pool: a thread of its own that makes the
     * interpreter (its own GIL) and runs an asyncio loop there which
     * drains this dispatcher like the main loop drains python-pinned */
    bool sub;
    pthread_t sub_th;
    pthread_cond_t sub_cv;
    int sub_phase; /* 0 booting, 1 running, -1 failed */
    char *sub_boot; /* pickled (sys.path,): copied there first */
    size_t sub_bootlen;
    char sub_err[400];
    PyObject *view; /* its System view (in that interpreter), set by it */
};

static _Thread_local pydisp *tls_draining;

/* under mu: room for need cells in q and park */
static bool
room_for(pydisp *d, size_t need)
{
    if (need > d->qcap) {
        size_t ncap = d->qcap ? d->qcap : 256;
        while (ncap < need) {
            ncap *= 2;
        }
        akt_cell **nq = malloc(ncap * sizeof(*nq));
        if (nq == NULL) {
            return false;
        }
        for (size_t i = 0; i < d->qn; i++) {
            nq[i] = d->q[(d->qh + i) % d->qcap];
        }
        free(d->q);
        d->q = nq;
        d->qh = 0;
        d->qcap = ncap;
    }
    if (need > d->cpark) {
        size_t ncap = d->cpark ? d->cpark : 16;
        while (ncap < need) {
            ncap *= 2;
        }
        parked *np = realloc(d->park, ncap * sizeof(*np));
        if (np == NULL) {
            return false;
        }
        d->park = np;
        d->cpark = ncap;
    }
    return true;
}

static void
q_push(pydisp *d, akt_cell *c)
{
    /* room made when c was attached: a cell whose sched flag we hold
     * cannot be dropped, and is queued once */
    if (d->qn == d->qcap && !room_for(d, d->qn + 1)) {
        abort(); /* not reached: qcap >= cells attached >= cells queued */
    }
    d->q[(d->qh + d->qn) % d->qcap] = c;
    d->qn++;
}

static void
signal_efd(pydisp *d)
{
    uint64_t one = 1;
    ssize_t n;
    do {
        n = write(d->efd, &one, sizeof one);
    } while (n < 0 && errno == EINTR);
}

/* push c and decide, under mu, whether the loop must be woken */
static void
push_locked(pydisp *d, akt_cell *c, bool *wake)
{
    q_push(d, c);
    if (!d->draining && !d->signaled) {
        d->signaled = true;
        *wake = true;
    }
}

/* a pool's push: a waiting worker takes it */
static void
pool_push_locked(pydisp *d, akt_cell *c)
{
    q_push(d, c);
    if (d->idle > 0) {
        pthread_cond_signal(&d->cv);
    }
}

static void
pd_schedule(akti_dispatcher *base, akt_cell *c)
{
    pydisp *d = (pydisp *)base;
    bool wake = false;
    pthread_mutex_lock(&d->mu);
    if (d->stopped) {
        pthread_mutex_unlock(&d->mu);
        return;
    }
    for (size_t i = 0; i < d->npark; i++) {
        if (d->park[i].cell == c) {
            d->park[i].pending = true;
            pthread_mutex_unlock(&d->mu);
            return;
        }
    }
    if (d->nthreads > 0) {
        pool_push_locked(d, c);
    } else {
        push_locked(d, c, &wake);
    }
    pthread_mutex_unlock(&d->mu);
    if (wake) {
        signal_efd(d);
    }
}

static akt_err
pd_start(akti_dispatcher *base)
{
    (void)base;
    return AKT_OK;
}

static void
pd_stop(akti_dispatcher *base)
{
    pydisp *d = (pydisp *)base;
    pthread_mutex_lock(&d->mu);
    bool was = d->stopped;
    d->stopped = true;
    if (d->nthreads > 0) {
        pthread_cond_broadcast(&d->cv);
    }
    pthread_mutex_unlock(&d->mu);
    /* (akt_system_free, from a thread that is no worker: the caller
     * released the GIL / detached, so workers can finish their turn) */
    for (size_t i = 0; !was && i < d->nthreads; i++) {
        pthread_join(d->threads[i], NULL);
    }
    if (d->sub && !was) {
        signal_efd(d); /* its loop sees stopped and ends */
        pthread_join(d->sub_th, NULL);
    }
}

static void
pd_destroy(akti_dispatcher *base)
{
    pydisp *d = (pydisp *)base;
    if (d->nthreads > 0) {
        pthread_cond_destroy(&d->cv);
    }
    free(d->threads);
    free(d->owned_name);
    if (d->sub) {
        pthread_cond_destroy(&d->sub_cv);
        free(d->sub_boot);
    }
    pthread_mutex_destroy(&d->mu);
    if (d->efd >= 0) {
        close(d->efd);
    }
    free(d->q);
    free(d->park);
    free(d);
}

/* a cell spawned on d: room for it in q and park, or AKT_ENOMEM (the
 * spawn fails: the Python caller gets the error) */
static akt_err
pd_attach(akti_dispatcher *base, akt_cell *c)
{
    (void)c;
    pydisp *d = (pydisp *)base;
    pthread_mutex_lock(&d->mu);
    /* (+ npark: a cell that stopped while parked may still be there) */
    bool ok = room_for(d, d->nattached + d->npark + 1);
    if (ok) {
        d->nattached++;
    }
    pthread_mutex_unlock(&d->mu);
    return ok ? AKT_OK : AKT_ENOMEM;
}

static void
pd_detach(akti_dispatcher *base, akt_cell *c)
{
    (void)c;
    pydisp *d = (pydisp *)base;
    pthread_mutex_lock(&d->mu);
    d->nattached--;
    pthread_mutex_unlock(&d->mu);
}

static const akti_dispatcher_ops pydisp_ops = {
    .name = "python-pinned",
    .start = pd_start,
    .stop = pd_stop,
    .schedule = pd_schedule,
    .attach = pd_attach,
    .detach = pd_detach,
    .destroy = pd_destroy,
};

akt_err
pydisp_create(akt_system *sys, const char *name, pydisp **out)
{
    pydisp *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        return AKT_ENOMEM;
    }
    d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (d->efd < 0) {
        free(d);
        return AKT_EIO;
    }
    pthread_mutex_init(&d->mu, NULL);
    d->base.ops = &pydisp_ops;
    d->base.sys = sys;
    d->base.name = name;
    d->base.throughput = 1;
    akt_err rc = akti_system_add_dispatcher(sys, &d->base);
    if (rc != AKT_OK) {
        pd_destroy(&d->base);
        return rc;
    }
    *out = d;
    return AKT_OK;
}

/* a python-nogil worker: takes cells while there are any (attached to
 * the interpreter), waits for more detached (so a stop-the-world pause of
 * the free-threaded interpreter never waits for an idle worker) */
static void *
pool_main(void *arg)
{
    pydisp *d = arg;
    PyGILState_STATE g = PyGILState_Ensure();
    PyThreadState *ts = PyEval_SaveThread();
    tls_draining = d;
    pthread_mutex_lock(&d->mu);
    for (;;) {
        while (d->qn == 0 && !d->stopped) {
            d->idle++;
            pthread_cond_wait(&d->cv, &d->mu);
            d->idle--;
        }
        if (d->stopped) {
            break;
        }
        pthread_mutex_unlock(&d->mu);
        PyEval_RestoreThread(ts);
        for (size_t turns = 0; turns < 256; turns++) {
            pthread_mutex_lock(&d->mu);
            if (d->qn == 0 || d->stopped) {
                pthread_mutex_unlock(&d->mu);
                break;
            }
            akt_cell *c = d->q[d->qh];
            d->qh = (d->qh + 1) % d->qcap;
            d->qn--;
            pthread_mutex_unlock(&d->mu);
            akti_cell_run(c, 1);
        }
        ts = PyEval_SaveThread();
        pthread_mutex_lock(&d->mu);
    }
    pthread_mutex_unlock(&d->mu);
    tls_draining = NULL;
    PyEval_RestoreThread(ts);
    PyGILState_Release(g);
    return NULL;
}

akt_err
pydisp_create_pool(
    akt_system *sys, const char *name, size_t nthreads, pydisp **out)
{
    if (nthreads == 0 || nthreads > 1024) {
        return AKT_EINVAL;
    }
    pydisp *d = calloc(1, sizeof(*d));
    char *nm = strdup(name);
    pthread_t *th = calloc(nthreads, sizeof(*th));
    if (d == NULL || nm == NULL || th == NULL) {
        free(d);
        free(nm);
        free(th);
        return AKT_ENOMEM;
    }
    d->efd = -1;
    d->owned_name = nm;
    d->threads = th;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    d->base.ops = &pydisp_ops;
    d->base.sys = sys;
    d->base.name = nm;
    d->base.throughput = 1;
    for (size_t i = 0; i < nthreads; i++) {
        if (pthread_create(&th[i], NULL, pool_main, d) != 0) {
            pthread_mutex_lock(&d->mu);
            d->stopped = true;
            pthread_cond_broadcast(&d->cv);
            pthread_mutex_unlock(&d->mu);
            Py_BEGIN_ALLOW_THREADS for (size_t j = 0; j < i; j++)
            {
                pthread_join(th[j], NULL);
            }
            Py_END_ALLOW_THREADS d->nthreads = 1; /* (destroy: cv) */
            pd_destroy(&d->base);
            return AKT_ENOMEM;
        }
        d->nthreads = i + 1;
    }
    akt_err rc = akti_system_add_dispatcher(sys, &d->base);
    if (rc != AKT_OK) {
        Py_BEGIN_ALLOW_THREADS pd_stop(&d->base);
        Py_END_ALLOW_THREADS pd_destroy(&d->base);
        return rc;
    }
    *out = d;
    return AKT_OK;
}

pydisp *
pydisp_of(akt_ref r)
{
    akt_cell *c = r.cell_;
    if (c == NULL || c->kind != AKTI_CELL_ACTOR) {
        return NULL;
    }
    /* (a cell that stops moves to the pool: akti_cell_set_disp) */
    akti_dispatcher *d = __atomic_load_n(&c->disp, __ATOMIC_RELAXED);
    return d != NULL && d->ops == &pydisp_ops ? (pydisp *)d : NULL;
}

const char *
pydisp_name(const pydisp *d)
{
    return d->base.name;
}

bool
pydisp_is_pool(const pydisp *d)
{
    return d != NULL && d->nthreads > 0;
}

int
pydisp_fd(const pydisp *d)
{
    return d->efd;
}

bool
pydisp_on_thread(void)
{
    return tls_draining != NULL;
}

size_t
pydisp_drain(pydisp *d, size_t budget)
{
    uint64_t v;
    ssize_t rn;
    do {
        rn = read(d->efd, &v, sizeof v);
    } while (rn < 0 && errno == EINTR);
    pthread_mutex_lock(&d->mu);
    d->signaled = false;
    d->draining = true;
    pthread_mutex_unlock(&d->mu);
    pydisp *prev = tls_draining;
    tls_draining = d;
    size_t n = 0;
    bool wake = false;
    for (;;) {
        pthread_mutex_lock(&d->mu);
        if (d->qn == 0 || d->stopped) {
            d->draining = false;
            pthread_mutex_unlock(&d->mu);
            break;
        }
        if (n >= budget) {
            d->draining = false;
            if (!d->signaled) {
                d->signaled = true;
                wake = true;
            }
            pthread_mutex_unlock(&d->mu);
            break;
        }
        akt_cell *c = d->q[d->qh];
        d->qh = (d->qh + 1) % d->qcap;
        d->qn--;
        pthread_mutex_unlock(&d->mu);
        akti_cell_run(c, 1);
        n++;
    }
    tls_draining = prev;
    if (wake) {
        signal_efd(d);
    }
    return n;
}

void
pydisp_park(pydisp *d, akt_cell *c)
{
    pthread_mutex_lock(&d->mu);
    /* room made when c was attached (a cell parks once) */
    if (d->npark == d->cpark && !room_for(d, d->npark + 1)) {
        abort(); /* not reached: cpark >= cells attached + parked */
    }
    d->park[d->npark++] = (parked) { c, false };
    pthread_mutex_unlock(&d->mu);
}

void
pydisp_unpark(pydisp *d, akt_cell *c)
{
    bool wake = false;
    pthread_mutex_lock(&d->mu);
    for (size_t i = 0; i < d->npark; i++) {
        if (d->park[i].cell == c) {
            bool pending = d->park[i].pending;
            d->park[i] = d->park[--d->npark];
            if (pending && !d->stopped) {
                if (d->nthreads > 0) {
                    pool_push_locked(d, c);
                } else {
                    push_locked(d, c, &wake);
                }
            }
            break;
        }
    }
    pthread_mutex_unlock(&d->mu);
    if (wake) {
        signal_efd(d);
    }
}

int
pydisp_dest_kind(akt_ref r)
{
    akt_cell *c = r.cell_;
    if (c == NULL || c->kind != AKTI_CELL_ACTOR) {
        return PYDISP_DEST_OTHER;
    }
    /* props are set when the cell is spawned, before any ref to it
     * exists, and stay while the slot is an actor's; disp moves to the
     * pool when it stops (akti_cell_set_disp) */
    akti_dispatcher *cd = __atomic_load_n(&c->disp, __ATOMIC_RELAXED);
    if (cd && cd->ops == &pydisp_ops) {
        /* an actor of another interpreter gets a copy, like a remote one */
        PyInterpreterState *di = ((pydisp *)cd)->interp;
        PyInterpreterState *main_is = PyInterpreterState_Main();
        return (di ? di : main_is) == PyInterpreterState_Get()
            ? PYDISP_DEST_PYTHON
            : PYDISP_DEST_INTERP;
    }
    const akti_props_rec *pr = c->props;
    /* a remote actor's proxy, or the host of a python-subprocess actor:
     * a Python object leaves the interpreter */
    if (pr && pr->props.behavior && pr->props.behavior->name
        && (strcmp(pr->props.behavior->name, "remote-proxy") == 0
            || strcmp(pr->props.behavior->name, "python-subprocess-host")
                == 0)) {
        return PYDISP_DEST_REMOTE;
    }
    return PYDISP_DEST_OTHER;
}

int
pydisp_send_mode(akt_ref r)
{
    akt_cell *c = r.cell_;
    if (c == NULL || c->kind != AKTI_CELL_ACTOR) {
        return PYDISP_SEND_NOWAIT;
    }
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_acquire);
    if (__builtin_expect(x == NULL, 1)) {
        return PYDISP_SEND_NOWAIT;
    }
    if (atomic_load_explicit(&x->kind, memory_order_acquire)
            != AKT_MAILBOX_BOUNDED
        || atomic_load_explicit(&x->overflow, memory_order_relaxed)
            != AKT_OVERFLOW_BLOCK) {
        return PYDISP_SEND_NOWAIT;
    }
    if (tls_draining != NULL
        && __atomic_load_n(&c->disp, __ATOMIC_RELAXED) == &tls_draining->base) {
        return PYDISP_SEND_OWN_THREAD; /* its consumer is this thread */
    }
    return PYDISP_SEND_MAY_WAIT;
}

akt_err
pydisp_tell_nowait(akt_ref to, void *msg, akt_ref sender)
{
    return akti_tell_nowait(to, msg, sender);
}

akt_err
pydisp_ask_nowait(akt_ref to, void *msg, int64_t timeout_ns, akt_future **out)
{
    return akti_ask_nowait(to, msg, timeout_ns, out);
}

const akt_props *
pydisp_actor_props(akt_ref r, void **state)
{
    akt_cell *c = r.cell_;
    if (c == NULL || c->kind != AKTI_CELL_ACTOR
        || atomic_load_explicit(&c->uid, memory_order_acquire) != r.uid_
        || c->props == NULL) {
        return NULL;
    }
    *state = c->state;
    return &c->props->props;
}

bool
pydisp_pending_promise(akt_ref r)
{
    akt_cell *c = r.cell_;
    /* a future is its promise cell (future.c); cells are type-stable, so
     * reading a released one is harmless: its uid no longer matches */
    return c != NULL && c->kind == AKTI_CELL_PROMISE
        && atomic_load_explicit(&c->uid, memory_order_acquire) == r.uid_
        && !akt_future_is_done((const akt_future *)(const void *)c);
}

bool
pydisp_requeue_front(akt_ref self, void *msg)
{
    akt_cell *c = self.cell_;
    /* the actor is parked on this thread: it cannot stop meanwhile */
    bool alive = c != NULL && c->kind == AKTI_CELL_ACTOR
        && atomic_load_explicit(&c->uid, memory_order_acquire) == self.uid_
        && c->life != LIFE_DEAD && c->life != LIFE_NONE;
    kit_cell *k = alive ? akti_kit_cell(c) : NULL;
    akti_msg *m = akti_msg_hdr(msg);
    if (k == NULL || !akti_kit_requeue_front(c, k, &m, 1)) {
        return false;
    }
    akti_schedule(c); /* (scheduled already: its turn yielded) */
    return true;
}

/* --- python-subinterpreter-pool -------------------------------------------
 *
 * One dispatcher per subinterpreter. Its thread makes the interpreter
 * (PyInterpreterConfig_OWN_GIL: it never waits for the main GIL), copies
 * the parent's sys.path into it, and runs akt._runtime._subinterp_main
 * there: a System view of the same akt_system (pydisp_sub_view) and an
 * asyncio loop that drains this dispatcher when its eventfd is readable.
 * pd_stop (akt_system_free, every actor stopped) ends the loop; the
 * thread then unregisters the interpreter (waiting for threads that
 * entered it through pyc_gil_ensure) and ends it. */

pydisp *
pydisp_current(void)
{
    return tls_draining;
}

void *
pydisp_parent_state(akt_ref child, const akt_props **props)
{
    akt_cell *c = child.cell_;
    akt_cell *p = c != NULL ? c->parent : NULL;
    if (p == NULL || p->props == NULL || p->state == NULL) {
        return NULL;
    }
    *props = &p->props->props;
    return p->state;
}

akt_system *
pydisp_system(const pydisp *d)
{
    return d->base.sys;
}

PyObject *
pydisp_view(const pydisp *d)
{
    return d ? d->view : NULL;
}

bool
pydisp_stopping(pydisp *d)
{
    pthread_mutex_lock(&d->mu);
    bool s = d->stopped;
    pthread_mutex_unlock(&d->mu);
    return s;
}

void
pydisp_sub_ready(pydisp *d, PyObject *view)
{
    pthread_mutex_lock(&d->mu);
    d->view = view; /* borrowed: the loop holds it until it ends */
    d->sub_phase = 1;
    pthread_cond_broadcast(&d->sub_cv);
    pthread_mutex_unlock(&d->mu);
}

#if PY_VERSION_HEX >= 0x030C0000
static void
sub_fail(pydisp *d, const char *what)
{
    char buf[300] = "";
    if (PyErr_Occurred()) {
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        PyObject *s = ev ? PyObject_Str(ev) : NULL;
        const char *txt = s ? PyUnicode_AsUTF8(s) : NULL;
        snprintf(buf, sizeof buf, "%s: %s",
            et ? ((PyTypeObject *)et)->tp_name : "error", txt ? txt : "?");
        Py_XDECREF(s);
        Py_XDECREF(et);
        Py_XDECREF(ev);
        Py_XDECREF(tb);
        PyErr_Clear();
    }
    pthread_mutex_lock(&d->mu);
    snprintf(
        d->sub_err, sizeof d->sub_err, "%s%s%s", what, buf[0] ? ": " : "", buf);
    d->sub_phase = -1;
    pthread_cond_broadcast(&d->sub_cv);
    pthread_mutex_unlock(&d->mu);
}

static void *
sub_main(void *arg)
{
    pydisp *d = arg;
    PyInterpreterConfig cfg = {
        .use_main_obmalloc = 0,
        .allow_fork = 0,
        .allow_exec = 0,
        .allow_threads = 1,
        .allow_daemon_threads = 0,
        .check_multi_interp_extensions = 1,
        .gil = PyInterpreterConfig_OWN_GIL,
    };
    PyThreadState *ts = NULL;
    PyStatus st = Py_NewInterpreterFromConfig(&ts, &cfg);
    if (PyStatus_Exception(st) || ts == NULL) {
        pthread_mutex_lock(&d->mu);
        snprintf(d->sub_err, sizeof d->sub_err,
            "Py_NewInterpreterFromConfig failed: %s",
            st.err_msg ? st.err_msg : "no interpreter");
        d->sub_phase = -1;
        pthread_cond_broadcast(&d->sub_cv);
        pthread_mutex_unlock(&d->mu);
        return NULL;
    }
    PyInterpreterState *interp = PyThreadState_GetInterpreter(ts);
    bool registered = pyc_interp_register(interp) == 0;
    d->interp = interp;
    PyObject *r = NULL;
    if (!registered) {
        PyErr_SetString(PyExc_RuntimeError,
            "too many subinterpreters at once in this process");
        sub_fail(d, "python-subinterpreter-pool");
    } else {
        PyObject *boot = PyBytes_FromStringAndSize(
            d->sub_boot, (Py_ssize_t)d->sub_bootlen);
        PyObject *pk = boot ? PyImport_ImportModule("pickle") : NULL;
        PyObject *path
            = pk ? PyObject_CallMethod(pk, "loads", "O", boot) : NULL;
        PyObject *sysm = path ? PyImport_ImportModule("sys") : NULL;
        int ok = sysm ? PyObject_SetAttrString(sysm, "path", path) : -1;
        Py_XDECREF(sysm);
        Py_XDECREF(path);
        Py_XDECREF(pk);
        Py_XDECREF(boot);
        PyObject *rt = ok == 0 ? PyImport_ImportModule("akt._runtime") : NULL;
        PyObject *cap = rt ? PyCapsule_New(d, "akt._core.subdisp", NULL) : NULL;
        if (cap == NULL) {
            sub_fail(d,
                "python-subinterpreter-pool: importing akt in a "
                "subinterpreter");
        } else {
            /* returns when pd_stop ends its loop */
            r = PyObject_CallMethod(
                rt, "_subinterp_main", "Os", cap, d->base.name);
            if (r == NULL) {
                int phase;
                pthread_mutex_lock(&d->mu);
                phase = d->sub_phase;
                pthread_mutex_unlock(&d->mu);
                if (phase == 0) {
                    sub_fail(d, "python-subinterpreter-pool");
                } else {
                    PyErr_WriteUnraisable(rt);
                }
            }
        }
        Py_XDECREF(cap);
        Py_XDECREF(rt);
        Py_XDECREF(r);
    }
    pthread_mutex_lock(&d->mu);
    d->view = NULL;
    pthread_mutex_unlock(&d->mu);
    if (registered) {
        /* nobody enters it from now on; those inside leave first */
        Py_BEGIN_ALLOW_THREADS pyc_interp_unregister(interp);
        Py_END_ALLOW_THREADS
    }
    Py_EndInterpreter(ts);
    return NULL;
}
#endif

akt_err
pydisp_create_sub(akt_system *sys, const char *name, const char *boot,
    size_t bootlen, char *why, size_t whylen, pydisp **out)
{
#if PY_VERSION_HEX >= 0x030C0000
    pydisp *d = calloc(1, sizeof(*d));
    char *nm = strdup(name);
    char *bt = malloc(bootlen ? bootlen : 1);
    if (d == NULL || nm == NULL || bt == NULL) {
        free(d);
        free(nm);
        free(bt);
        return AKT_ENOMEM;
    }
    memcpy(bt, boot, bootlen);
    d->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (d->efd < 0) {
        free(d);
        free(nm);
        free(bt);
        return AKT_EIO;
    }
    d->owned_name = nm;
    d->sub = true;
    d->sub_boot = bt;
    d->sub_bootlen = bootlen;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->sub_cv, NULL);
    d->base.ops = &pydisp_ops;
    d->base.sys = sys;
    d->base.name = nm;
    d->base.throughput = 1;
    akt_err rc = AKT_OK;
    Py_BEGIN_ALLOW_THREADS if (pthread_create(&d->sub_th, NULL, sub_main, d)
        != 0)
    {
        rc = AKT_ENOMEM;
    }
    else
    {
        pthread_mutex_lock(&d->mu);
        while (d->sub_phase == 0) {
            pthread_cond_wait(&d->sub_cv, &d->mu);
        }
        bool failed = d->sub_phase < 0;
        pthread_mutex_unlock(&d->mu);
        if (failed) {
            pthread_join(d->sub_th, NULL);
            snprintf(why, whylen, "%s", d->sub_err);
            rc = AKT_EFAILED;
        } else {
            rc = akti_system_add_dispatcher(sys, &d->base);
            if (rc != AKT_OK) {
                pd_stop(&d->base);
            }
        }
    }
    Py_END_ALLOW_THREADS if (rc != AKT_OK)
    {
        pd_destroy(&d->base);
        return rc;
    }
    *out = d;
    return AKT_OK;
#else
    (void)sys;
    (void)name;
    (void)boot;
    (void)bootlen;
    (void)out;
    snprintf(why, whylen, "python-subinterpreter-pool needs CPython 3.12+");
    return AKT_ENOTSUP;
#endif
}
