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
 * on its way. The host watches the remote actor; when it terminates, or
 * when the pool's monitor sees the worker process exit
 * (akt.python.WorkerDied), the host fails with AKT_EPEER: its supervisor
 * decides, and a restart (pre_start again) starts the actor in a worker
 * anew. post_stop stops the remote actor.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "pycore.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

/* a worker process died: sent by the pool's monitor thread */
static const akt_field no_fields[1];
akt_type pyc_worker_died_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,
    .name = "akt.python.WorkerDied",
    .size = 1,
    .align = 1,
    .fields = no_fields,
    .nfields = 0,
    .doc = "the worker process of a python-subprocess actor exited",
};

/* what every incarnation of one host shares: the Python start and stop
 * functions (strong; in a capsule the System keeps) */
typedef struct host_rec {
    akt_props props;
    PyObject *start; /* start(host_ref) -> ActorRef in a worker */
    PyObject *stop; /* stop(remote_ref): stop the remote actor */
    PyObject *system; /* borrowed: the System holds the capsule */
    pyc_state *st;
} host_rec;

typedef struct host {
    host_rec *rec;
    akt_ref remote;
} host;

static akt_err
host_state_init(void *state, const void *init_arg)
{
    host *h = state;
    h->rec = (host_rec *)init_arg;
    h->remote = AKT_REF_NONE;
    return AKT_OK;
}

static akt_err
host_pre_start(void *state, akt_ctx *ctx)
{
    host *h = state;
    host_rec *rec = h->rec;
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *me = pyc_ref_new(rec->st, rec->system, akt_ctx_self(ctx));
    PyObject *r = me ? PyObject_CallOneArg(rec->start, me) : NULL;
    akt_err rc = AKT_OK;
    char why[256] = "";
    if (r != NULL && PyObject_TypeCheck(r, rec->st->ref_type)) {
        h->remote = pyc_ref_get(r);
    } else {
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        PyObject *s = ev ? PyObject_Str(ev) : NULL;
        const char *txt = s ? PyUnicode_AsUTF8(s) : NULL;
        snprintf(why, sizeof why, "%s",
            txt ? txt : "start did not give an ActorRef");
        Py_XDECREF(s);
        Py_XDECREF(et);
        Py_XDECREF(ev);
        Py_XDECREF(tb);
        PyErr_Clear();
        rc = AKT_EFAILED;
    }
    Py_XDECREF(r);
    Py_XDECREF(me);
    PyGILState_Release(g);
    if (rc != AKT_OK) {
        return akt_ctx_fail(ctx, rc,
            "python-subprocess: cannot start the "
            "actor in a worker: %s",
            why);
    }
    rc = akt_ctx_watch(ctx, h->remote);
    if (rc != AKT_OK) {
        return akt_ctx_fail(
            ctx, rc, "python-subprocess: cannot watch the actor");
    }
    return AKT_OK;
}

static void
host_post_stop(void *state, akt_ctx *ctx)
{
    (void)ctx;
    host *h = state;
    if (akt_ref_is_none(h->remote)) {
        return;
    }
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *r = pyc_ref_new(h->rec->st, h->rec->system, h->remote);
    PyObject *out = r ? PyObject_CallOneArg(h->rec->stop, r) : NULL;
    Py_XDECREF(out);
    Py_XDECREF(r);
    PyErr_Clear(); /* a worker already gone has nothing to stop */
    PyGILState_Release(g);
    h->remote = AKT_REF_NONE;
}

static akt_err
host_handle(void *state, akt_ctx *ctx, const void *msg)
{
    host *h = state;
    const akt_type *t = akt_msg_type(msg);
    if (t == &akt_terminated_type
        && akt_ref_equal(((const akt_Terminated *)msg)->actor, h->remote)) {
        h->remote = AKT_REF_NONE;
        return akt_ctx_fail(ctx, AKT_EPEER,
            "python-subprocess: the actor in the worker stopped (its worker "
            "died or was unreachable)");
    }
    if (t == &pyc_worker_died_type) {
        return akt_ctx_fail(
            ctx, AKT_EPEER, "python-subprocess: the worker process died");
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
    rec->props = (akt_props) {
        .behavior = &host_behavior,
        .lifecycle = &host_lifecycle,
        .state_size = sizeof(host),
        .state_init = host_state_init,
        .init_arg = rec,
    };
    akt_ref out;
    akt_err rc;
    Py_BEGIN_ALLOW_THREADS rc = akt_spawn(so->sys, &rec->props, n, &out);
    Py_END_ALLOW_THREADS if (rc != AKT_OK)
    {
        return pyc_raise(st, rc, n ? n : "python-subprocess actor");
    }
    return pyc_ref_new(st, (PyObject *)so, out);
}

/* _worker_died(host_ref): tell a host its worker process exited */
PyObject *
pyc_ref_worker_died(RefObject *r, PyObject *unused)
{
    (void)unused;
    void *m = akt_msg_new(&pyc_worker_died_type, 0);
    if (m == NULL) {
        return PyErr_NoMemory();
    }
    if (akt_tell(r->ref, m, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(m);
    }
    Py_RETURN_NONE;
}
