/*
 * bench.c -- what akt.profiler (python -m akt.profiler) needs from C to
 * measure the paths the issue names: a C echo actor (ask_blocking to a C
 * actor), a C thread telling a Python actor (C -> Python tell), and the
 * message conversion between a generated class and its akt struct, timed
 * in C so the Python loop around it is not what is measured.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

#include "pycore.h"
#include "schema.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

static int64_t
clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
now_ns(void)
{
    return clock_ns(CLOCK_MONOTONIC);
}

/* the calling thread's CPU time: a conversion never waits, so on a shared
 * machine this is its cost without the time other processes took */
static int64_t
cpu_ns(void)
{
    return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* a C actor that answers every message with the message itself */
static akt_err
echo_handle(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    void *m = akt_msg_retain(msg);
    akt_err rc = akt_reply(ctx, m);
    if (rc != AKT_OK) {
        akt_msg_free(m);
    }
    return AKT_OK;
}

static const akt_behavior echo_behavior = {
    .name = "akt.profiler.c-echo",
    .unhandled = echo_handle,
};

static const akt_props echo_props = {
    .behavior = &echo_behavior,
};

/* _spawn_c_echo(name=None) -> ActorRef */
PyObject *
pyc_system_spawn_c_echo(SystemObject *so, PyObject *args)
{
    pyc_state *st = PyModule_GetState(so->module);
    const char *name = NULL;
    if (!PyArg_ParseTuple(args, "|z", &name)) {
        return NULL;
    }
    if (so->sys == NULL) {
        return pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
    }
    akt_ref out;
    akt_err rc = akt_spawn(so->sys, &echo_props, name, &out);
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, "c echo");
    }
    return pyc_ref_new(st, (PyObject *)so, out);
}

/* _c_tell(msg, n) on a ref: this thread, with the GIL released, tells n
 * copies of msg (converted once; akt_msg_dup per send, as C senders
 * allocate each message) to the ref. Returns the seconds it took. */
PyObject *
pyc_ref_c_tell(RefObject *r, PyObject *args)
{
    pyc_state *st = PyModule_GetState(((SystemObject *)r->system)->module);
    PyObject *msg;
    long long n;
    if (!PyArg_ParseTuple(args, "OL", &msg, &n)) {
        return NULL;
    }
    void *m = pyc_to_msg(st, msg, AKT_REF_NONE);
    if (m == NULL) {
        return NULL;
    }
    akt_err rc = AKT_OK;
    int64_t t0, t1;
    Py_BEGIN_ALLOW_THREADS t0 = now_ns();
    for (long long i = 0; i < n && rc == AKT_OK; i++) {
        void *c = akt_msg_dup(m);
        rc = c ? akt_tell(r->ref, c, AKT_REF_NONE) : AKT_ENOMEM;
        if (rc != AKT_OK) {
            akt_msg_free(c);
        }
    }
    t1 = now_ns();
    Py_END_ALLOW_THREADS akt_msg_free(m);
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, "c tell");
    }
    return PyFloat_FromDouble((double)(t1 - t0) / 1e9);
}

/* _bench_convert(msg, n) -> (to_ns, from_ns): ns of this thread's CPU time
 * per conversion of msg (a generated message) to its akt struct (with the
 * message's allocation and its free), and of that struct back to a new
 * instance of its class (with its deallocation) */
PyObject *
pyc_bench_convert(PyObject *mod, PyObject *args)
{
    pyc_state *st = PyModule_GetState(mod);
    PyObject *msg;
    long long n;
    if (!PyArg_ParseTuple(args, "OL", &msg, &n) || n <= 0) {
        return PyErr_Occurred()
            ? NULL
            : PyErr_Format(PyExc_ValueError, "_bench_convert: n > 0");
    }
    pyb_msg *b = pyb_of_object(st, msg);
    if (b == NULL) {
        return PyErr_Format(PyExc_TypeError,
            "_bench_convert: expected a message of a generated module");
    }
    int64_t t0 = cpu_ns();
    for (long long i = 0; i < n; i++) {
        void *m = pyb_to_msg(st, b, msg);
        if (m == NULL) {
            return NULL;
        }
        akt_msg_free(m);
    }
    int64_t t1 = cpu_ns();
    void *m = pyb_to_msg(st, b, msg);
    if (m == NULL) {
        return NULL;
    }
    int64_t t2 = cpu_ns();
    for (long long i = 0; i < n; i++) {
        PyObject *o = pyb_from_struct(st, Py_None, b, akt_msg_type(m), m);
        if (o == NULL) {
            akt_msg_free(m);
            return NULL;
        }
        Py_DECREF(o);
    }
    int64_t t3 = cpu_ns();
    akt_msg_free(m);
    return Py_BuildValue(
        "(dd)", (double)(t1 - t0) / (double)n, (double)(t3 - t2) / (double)n);
}
