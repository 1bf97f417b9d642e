/*
 * subproc.c -- the C side of the python-subprocess strategy: a host actor
 * in the parent process for each Python actor that runs in a worker
 * process (akt/_subprocess.py starts the workers and the actors in them).
 *
 * The host is a C actor on the default pool: it forwards every message,
 * keeping its sender, to the actor's ref in the worker -- a remoting proxy
 * over NNG ipc, which batches envelopes into frames and encodes generated
 * messages with their descriptors (plain Python objects are pickled on
 * the sender's thread, pyc_to_msg) -- so no message takes the parent's GIL
 * on its way.
 *
 * Starting is asynchronous: pre_start asks the pool to start the actor in
 * a worker (a Python thread may start a worker process and waits for it,
 * never a pool thread) and returns; messages that arrive meanwhile are
 * stashed (bounded: akt.actor.stash-capacity; a full stash answers the
 * sender with AKT_EFULL), and the pool's WorkerStarted (carrying this
 * incarnation's epoch, the remote ref and the worker's pid) unstashes
 * them. A start that failed fails the host.
 *
 * The host watches the remote actor; when it terminates, or when the
 * pool's monitor sees the worker process exit (akt.python.WorkerDied with
 * its pid), the host fails with AKT_EPEER: its supervisor decides, and a
 * restart starts the actor in a worker anew. Before it fails, every ask it
 * forwarded whose reply has not come fails at once with AKT_EPEER and a
 * text naming the cause, instead of running into its timeout. The host
 * keeps the promise of every such ask (exact: none is forgotten), at most
 * akt.actor.default-mailbox.capacity of them, the host's own mailbox
 * bound: an ask beyond it, with that many still unanswered, is answered
 * AKT_EFULL at once and not forwarded. post_stop stops the remote actor.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdatomic.h>
#include <string.h>

#include "akt/stash.h"
#include "pycore.h"
#include "pydisp.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

/* the first size of a host's list of asks (it doubles up to the bound) */
#define HOST_ASKS_FIRST 16

/* a worker process died: sent by the pool's monitor thread */
typedef struct worker_died {
    int64_t pid;
} worker_died;

akt_type pyc_worker_died_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.python.WorkerDied",
    .size = sizeof(worker_died),
    .align = _Alignof(worker_died),
    .doc = "the worker process of a python-subprocess actor exited",
};

/* the pool's answer to a start (local only: never encoded) */
typedef struct worker_started {
    uint64_t epoch;
    akt_ref remote; /* AKT_REF_NONE: the start failed */
    int64_t pid;
    char why[200];
} worker_started;

akt_type pyc_worker_started_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.python.WorkerStarted",
    .size = sizeof(worker_started),
    .align = _Alignof(worker_started),
    .doc = "a python-subprocess actor started in a worker (or not)",
};

/* what every incarnation of one host shares: the Python start and stop
 * functions (strong; in a capsule the System keeps) */
typedef struct host_rec {
    akt_props props;
    PyObject *start; /* start(host_ref, epoch): starts it, answers later */
    PyObject *stop; /* stop(remote_ref): stop the remote actor */
    PyObject *system; /* borrowed: the System holds the capsule */
    pyc_state *st;
    uint32_t asks_max; /* the bound of unanswered asks: the mailbox's */
    _Atomic uint64_t epochs;
} host_rec;

typedef struct host {
    host_rec *rec;
    akt_ref remote;
    int64_t pid; /* the worker's, once started */
    uint64_t epoch; /* this incarnation's start */
    bool starting;
    akt_ref *asks; /* promises of forwarded asks, oldest first */
    uint32_t nasks;
    uint32_t asks_cap; /* allocated */
} host;

static akt_err
host_state_init(void *state, const void *init_arg)
{
    host *h = state;
    h->rec = (host_rec *)init_arg;
    h->remote = AKT_REF_NONE;
    return AKT_OK;
}

static void
host_state_fini(void *state)
{
    host *h = state;
    free(h->asks);
    h->asks = NULL;
    h->nasks = 0;
    h->asks_cap = 0;
}

/* the text of the current Python exception (cleared) */
static void
exc_why(char *why, size_t len, const char *dflt)
{
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    PyObject *s = ev ? PyObject_Str(ev) : NULL;
    const char *txt = s ? PyUnicode_AsUTF8(s) : NULL;
    snprintf(why, len, "%s", txt ? txt : dflt);
    Py_XDECREF(s);
    Py_XDECREF(et);
    Py_XDECREF(ev);
    Py_XDECREF(tb);
    PyErr_Clear();
}

static akt_err
host_pre_start(void *state, akt_ctx *ctx)
{
    host *h = state;
    host_rec *rec = h->rec;
    h->epoch = atomic_fetch_add(&rec->epochs, 1) + 1;
    h->starting = true;
    pyc_gil g = pyc_gil_ensure(NULL);
    PyObject *me = pyc_ref_new(rec->st, rec->system, akt_ctx_self(ctx));
    PyObject *r = me ? PyObject_CallFunction(
                      rec->start, "OK", me, (unsigned long long)h->epoch)
                     : NULL;
    char why[256] = "";
    if (r == NULL) {
        exc_why(why, sizeof why, "the pool refused");
    }
    Py_XDECREF(r);
    Py_XDECREF(me);
    pyc_gil_release(&g);
    if (*why) {
        return akt_ctx_fail(ctx, AKT_EFAILED,
            "python-subprocess: cannot start the actor in a worker: %s", why);
    }
    return AKT_OK;
}

/* stop a remote actor through the pool (with the GIL) */
static void
stop_remote(host_rec *rec, akt_ref remote)
{
    pyc_gil g = pyc_gil_ensure(NULL);
    PyObject *r = pyc_ref_new(rec->st, rec->system, remote);
    PyObject *out = r ? PyObject_CallOneArg(rec->stop, r) : NULL;
    Py_XDECREF(out);
    Py_XDECREF(r);
    PyErr_Clear(); /* a worker already gone has nothing to stop */
    pyc_gil_release(&g);
}

static void
host_post_stop(void *state, akt_ctx *ctx)
{
    (void)ctx;
    host *h = state;
    if (!akt_ref_is_none(h->remote)) {
        stop_remote(h->rec, h->remote);
        h->remote = AKT_REF_NONE;
    }
}

/* remember the promise of an ask forwarded now. AKT_EFULL: rec->asks_max
 * asks are still unanswered (the caller refuses this one); AKT_ENOMEM */
static akt_err
track_ask(host *h, akt_ref sender)
{
    if (!pydisp_pending_promise(sender)) {
        return AKT_OK; /* a tell, or an actor's: nobody waits on a future */
    }
    if (h->nasks == h->asks_cap) {
        /* drop the answered ones first (amortized: the list then doubles) */
        uint32_t k = 0;
        for (uint32_t i = 0; i < h->nasks; i++) {
            if (pydisp_pending_promise(h->asks[i])) {
                h->asks[k++] = h->asks[i];
            }
        }
        h->nasks = k;
    }
    if (h->nasks == h->asks_cap) {
        uint32_t max = h->rec->asks_max;
        if (h->asks_cap >= max) {
            return AKT_EFULL;
        }
        uint32_t cap = h->asks_cap ? h->asks_cap * 2 : HOST_ASKS_FIRST;
        if (cap > max || cap < h->asks_cap) {
            cap = max;
        }
        akt_ref *n = realloc(h->asks, (size_t)cap * sizeof *n);
        if (n == NULL) {
            return AKT_ENOMEM;
        }
        h->asks = n;
        h->asks_cap = cap;
    }
    h->asks[h->nasks++] = sender;
    return AKT_OK;
}

/* fail every remembered ask still waiting for its reply */
static void
fail_asks(host *h, akt_ctx *ctx, const char *why)
{
    size_t n = strlen(why);
    if (n > AKT_STATUS_TEXT_MAX) {
        n = AKT_STATUS_TEXT_MAX;
    }
    for (uint32_t i = 0; i < h->nasks; i++) {
        if (!pydisp_pending_promise(h->asks[i])) {
            continue;
        }
        akt_Status *s = akt_msg_new(&akt_status_type, n + 1);
        if (s == NULL) {
            continue;
        }
        s->code = (int32_t)AKT_EPEER;
        akt_arena_str(akt_msg_arena(s), why, n, &s->text);
        if (akt_tell(h->asks[i], s, akt_ctx_self(ctx)) != AKT_OK) {
            akt_msg_free(s);
        }
    }
    h->nasks = 0;
}

static akt_err
host_gone(host *h, akt_ctx *ctx, const char *why)
{
    fail_asks(h, ctx, why);
    h->remote = AKT_REF_NONE;
    return akt_ctx_fail(ctx, AKT_EPEER, "%s", why);
}

static akt_err
host_started(host *h, akt_ctx *ctx, const worker_started *m)
{
    if (m->epoch != h->epoch || !h->starting) {
        /* an earlier incarnation's start, finished late */
        if (!akt_ref_is_none(m->remote)) {
            stop_remote(h->rec, m->remote);
        }
        return AKT_OK;
    }
    if (akt_ref_is_none(m->remote)) {
        return akt_ctx_fail(ctx, AKT_EPEER,
            "python-subprocess: cannot start the actor in a worker: %s",
            m->why);
    }
    h->starting = false;
    h->remote = m->remote;
    h->pid = m->pid;
    akt_err rc = akt_ctx_watch(ctx, h->remote);
    if (rc != AKT_OK) {
        return akt_ctx_fail(
            ctx, rc, "python-subprocess: cannot watch the actor");
    }
    akt_unstash_all(ctx);
    return AKT_OK;
}

static akt_err
host_handle(void *state, akt_ctx *ctx, const void *msg)
{
    host *h = state;
    const akt_type *t = akt_msg_type(msg);
    if (t == &pyc_worker_started_type) {
        return host_started(h, ctx, msg);
    }
    if (t == &pyc_worker_died_type) {
        int64_t pid = ((const worker_died *)msg)->pid;
        if (h->starting || pid != h->pid) {
            return AKT_OK; /* another worker's (a start finds a live one) */
        }
        char why[128];
        snprintf(why, sizeof why,
            "python-subprocess: the worker process %lld died", (long long)pid);
        return host_gone(h, ctx, why);
    }
    if (t == &akt_terminated_type && !akt_ref_is_none(h->remote)
        && akt_ref_equal(((const akt_Terminated *)msg)->actor, h->remote)) {
        return host_gone(h, ctx,
            "python-subprocess: the actor in the worker stopped (its worker "
            "died or was unreachable)");
    }
    if (h->starting) {
        akt_err rc = akt_stash(ctx);
        if (rc == AKT_EFULL) {
            return akt_reply_error_text(ctx, AKT_EFULL,
                "python-subprocess: the actor is starting in a worker and "
                "its stash (akt.actor.stash-capacity) is full");
        }
        return rc;
    }
    akt_err rc = track_ask(h, akt_ctx_sender(ctx));
    if (rc == AKT_EFULL) {
        return akt_reply_error_text(ctx, AKT_EFULL,
            "python-subprocess: %u asks to the actor in its worker are "
            "unanswered, the bound (akt.actor.default-mailbox.capacity)",
            (unsigned)h->rec->asks_max);
    }
    if (rc != AKT_OK) {
        return akt_reply_error_text(
            ctx, rc, "python-subprocess: no memory to keep the ask");
    }
    return akt_forward(ctx, h->remote);
}

static const akt_behavior host_behavior = {
    .name = "python-subprocess-host",
    .unhandled = host_handle,
};

static const akt_lifecycle host_lifecycle = {
    .pre_start = host_pre_start,
    .post_stop = host_post_stop,
};

static void
host_rec_free(PyObject *cap)
{
    host_rec *rec = PyCapsule_GetPointer(cap, "akt.host");
    if (rec) {
        Py_XDECREF(rec->start);
        Py_XDECREF(rec->stop);
        free(rec);
    }
}

/* _spawn_host(start, stop, name) -> ActorRef: a host (see the top) */
PyObject *
pyc_system_spawn_host(SystemObject *so, PyObject *args)
{
    pyc_state *st = PyModule_GetState(so->module);
    PyObject *start, *stop, *name = Py_None;
    if (!PyArg_ParseTuple(args, "OO|O", &start, &stop, &name)) {
        return NULL;
    }
    if (so->sys == NULL) {
        return pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
    }
    const char *n = name == Py_None ? NULL : PyUnicode_AsUTF8(name);
    if (name != Py_None && n == NULL) {
        return NULL;
    }
    host_rec *rec = calloc(1, sizeof(*rec));
    PyObject *cap = rec ? PyCapsule_New(rec, "akt.host", host_rec_free) : NULL;
    PyObject *key = cap ? PyLong_FromVoidPtr(rec) : NULL;
    if (key == NULL || PyDict_SetItem(so->props_map, key, cap) < 0) {
        if (cap == NULL) {
            free(rec);
        }
        Py_XDECREF(cap);
        Py_XDECREF(key);
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    }
    Py_DECREF(cap);
    Py_DECREF(key);
    rec->start = Py_NewRef(start);
    rec->stop = Py_NewRef(stop);
    rec->system = (PyObject *)so;
    rec->st = st;
    /* (the system's start checked the key; absent: settings.c's 1000) */
    int64_t mbox = 1000;
    if (akt_config_get_int(akt_system_config(so->sys),
            "akt.actor.default-mailbox.capacity", &mbox, NULL)
            != AKT_OK
        || mbox < 1 || mbox > UINT32_MAX) {
        mbox = 1000;
    }
    rec->asks_max = (uint32_t)mbox;
    rec->props = (akt_props) {
        .behavior = &host_behavior,
        .lifecycle = &host_lifecycle,
        .state_size = sizeof(host),
        .state_init = host_state_init,
        .state_fini = host_state_fini,
        .init_arg = rec,
    };
    akt_ref out;
    akt_err rc = AKT_ECLOSED;
    akt_system *sys = pyc_sys_enter((PyObject *)so);
    if (sys != NULL) {
        Py_BEGIN_ALLOW_THREADS rc = akt_spawn(sys, &rec->props, n, &out);
        Py_END_ALLOW_THREADS pyc_sys_leave((PyObject *)so);
    }
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, n ? n : "python-subprocess actor");
    }
    return pyc_ref_new(st, (PyObject *)so, out);
}

/* _worker_died(pid): tell a host its worker process exited */
PyObject *
pyc_ref_worker_died(RefObject *r, PyObject *pid)
{
    long long p = PyLong_AsLongLong(pid);
    if (p == -1 && PyErr_Occurred()) {
        return NULL;
    }
    /* from the pool's monitor thread, which may outlive the system:
     * entered, the system is not freed while we use it (pyc_sys_enter) */
    if (pyc_sys_enter(r->system) == NULL) {
        Py_RETURN_NONE; /* terminated: nobody to tell */
    }
    worker_died *m = akt_msg_new(&pyc_worker_died_type, 0);
    if (m != NULL) {
        m->pid = p;
        if (akt_tell(r->ref, m, AKT_REF_NONE) != AKT_OK) {
            akt_msg_free(m);
        }
    }
    pyc_sys_leave(r->system);
    if (m == NULL) {
        return PyErr_NoMemory();
    }
    Py_RETURN_NONE;
}

/* _host_started(epoch, remote or None, pid, why) -> bool: the pool's
 * answer to a start; False when the host is gone (the caller stops the
 * remote actor it made) */
PyObject *
pyc_ref_host_started(RefObject *r, PyObject *args)
{
    unsigned long long epoch;
    long long pid;
    PyObject *remote;
    const char *why;
    if (!PyArg_ParseTuple(args, "KOLs", &epoch, &remote, &pid, &why)) {
        return NULL;
    }
    /* from the pool's start thread, which may outlive the system:
     * entered, the system is not freed while we use it (pyc_sys_enter) */
    if (pyc_sys_enter(r->system) == NULL) {
        Py_RETURN_FALSE;
    }
    char path[16];
    if (akt_ref_path(r->ref, path, sizeof path) == AKT_ESTOPPED) {
        pyc_sys_leave(r->system);
        Py_RETURN_FALSE;
    }
    worker_started *m = akt_msg_new(&pyc_worker_started_type, 0);
    if (m == NULL) {
        pyc_sys_leave(r->system);
        return PyErr_NoMemory();
    }
    m->epoch = epoch;
    m->remote = remote == Py_None ? AKT_REF_NONE : pyc_ref_get(remote);
    m->pid = pid;
    snprintf(m->why, sizeof m->why, "%s", why);
    bool sent = akt_tell(r->ref, m, AKT_REF_NONE) == AKT_OK;
    if (!sent) {
        akt_msg_free(m);
    }
    pyc_sys_leave(r->system);
    return PyBool_FromLong(sent);
}
