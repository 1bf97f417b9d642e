/*
 * testhelper.c -- _akt_testhelper, a C extension for the Python tests: a C
 * actor (pyt.Adder from interop.akt, aktc-generated code) that Python
 * actors and threads ask, and the descriptors of its messages as
 * "akt.type" capsules for akt.register_types; and a C persistent actor
 * (ledger.Tally of tests/aktc/ok/ledger.akt) whose journal a Python
 * Tally recovers from, and the other way round.
 *
 * It links no libakt of its own: the akt_* symbols resolve against the
 * one akt._core carries, which conftest.py loads RTLD_GLOBAL (two copies of
 * libakt in one process would not share their systems' state).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "interop.akt.h"
#include "ledger.akt.h"

static akt_err
on_add(pyt_AdderState *state, akt_ctx *ctx, const pyt_Add *msg)
{
    (void)state;
    int64_t v = msg->a + msg->b;
    for (size_t i = 0; i < msg->extra.len; i++) {
        v += msg->extra.items[i];
    }
    pyt_Sum *s = pyt_sum_alloc(msg->note.len + 1);
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    s->value = v;
    s->half = (double)v / 2;
    s->even = v % 2 == 0;
    akt_arena_str(akt_msg_arena(s), msg->note.ptr ? msg->note.ptr : "",
        msg->note.len, &s->note);
    akt_err rc = pyt_adder_reply_add(ctx, s);
    if (rc != AKT_OK) {
        akt_msg_free(s);
    }
    return rc;
}

static const pyt_AdderHandlers adder = { .on_add = on_add };

/* spawn_adder(system_capsule_address: int, name) -> path: the test passes
 * akt's System object; we reach its akt_system through lookup of /user */
static PyObject *
spawn_adder(PyObject *self, PyObject *args)
{
    unsigned long long addr;
    const char *name;
    if (!PyArg_ParseTuple(args, "Ks", &addr, &name)) {
        return NULL;
    }
    akt_system *sys = (akt_system *)(uintptr_t)addr;
    akt_props props;
    akt_ref ref;
    akt_err rc = pyt_adder_props(&adder, &props);
    if (rc == AKT_OK) {
        rc = akt_spawn(sys, &props, name, &ref);
    }
    if (rc != AKT_OK) {
        return PyErr_Format(
            PyExc_RuntimeError, "spawn_adder: %s", akt_strerror(rc));
    }
    char buf[256];
    akt_ref_path(ref, buf, sizeof buf);
    return PyUnicode_FromString(buf);
}

static PyObject *
types(PyObject *self, PyObject *unused)
{
    return Py_BuildValue("(NN)",
        PyCapsule_New((void *)&pyt_add_desc, "akt.type", NULL),
        PyCapsule_New((void *)&pyt_sum_desc, "akt.type", NULL));
}

/* call_add(system_address, path, a, b, note) -> (value, note, half, even):
 * a typed call from this (plain, C) thread with the GIL released, to the
 * pyt.Adder at path -- a Python actor made from the generated AdderActor */
static PyObject *
call_add(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long addr;
    const char *path, *note;
    long long a, b;
    if (!PyArg_ParseTuple(args, "KsLLs", &addr, &path, &a, &b, &note)) {
        return NULL;
    }
    akt_system *sys = (akt_system *)(uintptr_t)addr;
    akt_ref ref;
    akt_err rc = akt_lookup(sys, path, &ref);
    pyt_Add *q = rc == AKT_OK ? pyt_add_alloc(strlen(note) + 1) : NULL;
    if (q == NULL) {
        return PyErr_Format(PyExc_RuntimeError, "call_add: %s",
            akt_strerror(rc == AKT_OK ? AKT_ENOMEM : rc));
    }
    q->a = a;
    q->b = b;
    akt_arena_str(akt_msg_arena(q), note, strlen(note), &q->note);
    pyt_Sum *sum = NULL;
    Py_BEGIN_ALLOW_THREADS rc
        = pyt_adder_call_add(pyt_adder_ref(ref), q, AKT_SEC(10), &sum, NULL);
    Py_END_ALLOW_THREADS if (rc != AKT_OK)
    {
        return PyErr_Format(
            PyExc_RuntimeError, "call_add: %s", akt_strerror(rc));
    }
    PyObject *r = Py_BuildValue("(Ls#dO)", (long long)sum->value,
        sum->note.ptr ? sum->note.ptr : "", (Py_ssize_t)sum->note.len,
        sum->half, sum->even ? Py_True : Py_False);
    akt_msg_free(sum);
    return r;
}

/* --- ledger.Tally in C: persists each Deposit; its applies (recovery
 * included) add up in tally_total ----------------------------------------- */

/* both under tally_mu; each change broadcasts tally_cv, which c_tally_wait
 * blocks on */
static pthread_mutex_t tally_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tally_cv = PTHREAD_COND_INITIALIZER;
static long long tally_total;
static long long tally_recovered; /* recoveries completed */

static void
tally_add(long long *counter, long long n)
{
    pthread_mutex_lock(&tally_mu);
    *counter += n;
    pthread_cond_broadcast(&tally_cv);
    pthread_mutex_unlock(&tally_mu);
}

static akt_err
tally_on_deposit(
    ledger_TallyState *state, akt_ctx *ctx, const ledger_Deposit *m)
{
    (void)state;
    ledger_Deposited *e = ledger_deposited_new(m->amount);
    if (e == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = ledger_tally_persist_deposited(ctx, e, NULL, NULL);
    if (rc != AKT_OK) {
        akt_msg_free(e);
    }
    return rc;
}

static void
tally_apply(ledger_TallyState *state, const ledger_Deposited *e)
{
    (void)state;
    tally_add(&tally_total, e->amount);
}

static void
tally_recovered_cb(ledger_TallyState *state, akt_ctx *ctx, uint64_t highest)
{
    (void)state;
    (void)ctx;
    (void)highest;
    tally_add(&tally_recovered, 1);
}

static const ledger_TallyHandlers tally = {
    .on_deposit = tally_on_deposit,
    .apply_deposited = tally_apply,
    .recovery_completed = tally_recovered_cb,
};

/* spawn_c_tally(system_address, name) -> path: a C ledger.Tally (the
 * system has persistence started) */
static PyObject *
spawn_c_tally(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long addr;
    const char *name;
    if (!PyArg_ParseTuple(args, "Ks", &addr, &name)) {
        return NULL;
    }
    akt_system *sys = (akt_system *)(uintptr_t)addr;
    akt_props props;
    akt_ref ref;
    akt_err rc = ledger_tally_props(&tally, &props);
    if (rc == AKT_OK) {
        rc = akt_spawn(sys, &props, name, &ref);
    }
    if (rc != AKT_OK) {
        return PyErr_Format(
            PyExc_RuntimeError, "spawn_c_tally: %s", akt_strerror(rc));
    }
    char buf[256];
    akt_ref_path(ref, buf, sizeof buf);
    return PyUnicode_FromString(buf);
}

/* ledger_types() -> capsules of the ledger descriptors the C Tally uses */
static PyObject *
ledger_types(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return Py_BuildValue("(NN)",
        PyCapsule_New((void *)&ledger_deposit_desc, "akt.type", NULL),
        PyCapsule_New((void *)&ledger_deposited_desc, "akt.type", NULL));
}

/* c_tally() -> (total applied, recoveries completed) */
static PyObject *
c_tally(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    pthread_mutex_lock(&tally_mu);
    long long total = tally_total, recovered = tally_recovered;
    pthread_mutex_unlock(&tally_mu);
    return Py_BuildValue("(LL)", total, recovered);
}

/* c_tally_wait(total, recoveries, timeout_s) -> (total, recoveries): blocks
 * (the GIL released) on the tally's condition variable until the total
 * applied is at least `total` and the recoveries completed at least
 * `recoveries`; the counts as they are when `timeout_s` passed first */
static PyObject *
c_tally_wait(PyObject *self, PyObject *args)
{
    (void)self;
    long long want_total, want_recovered;
    double timeout;
    if (!PyArg_ParseTuple(
            args, "LLd", &want_total, &want_recovered, &timeout)) {
        return NULL;
    }
    if (!(timeout >= 0 && timeout <= 3600)) {
        return PyErr_Format(PyExc_ValueError,
            "c_tally_wait: timeout_s must be in [0, 3600], got %R",
            PyTuple_GET_ITEM(args, 2));
    }
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    long long ns = dl.tv_nsec + (long long)(timeout * 1e9);
    dl.tv_sec += (time_t)(ns / 1000000000);
    dl.tv_nsec = (long)(ns % 1000000000);
    long long total, recovered;
    PyThreadState *ts = PyEval_SaveThread();
    pthread_mutex_lock(&tally_mu);
    int rc = 0;
    while ((tally_total < want_total || tally_recovered < want_recovered)
        && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&tally_cv, &tally_mu, &dl);
    }
    total = tally_total;
    recovered = tally_recovered;
    pthread_mutex_unlock(&tally_mu);
    PyEval_RestoreThread(ts);
    return Py_BuildValue("(LL)", total, recovered);
}

static PyMethodDef methods[] = {
    { "spawn_c_tally", spawn_c_tally, METH_VARARGS, NULL },
    { "c_tally", c_tally, METH_NOARGS, NULL },
    { "c_tally_wait", c_tally_wait, METH_VARARGS, NULL },
    { "ledger_types", ledger_types, METH_NOARGS, NULL },
    { "call_add", call_add, METH_VARARGS, NULL },
    { "spawn_adder", spawn_adder, METH_VARARGS, NULL },
    { "types", types, METH_NOARGS, NULL },
    { NULL },
};

static struct PyModuleDef mod = { PyModuleDef_HEAD_INIT,
    .m_name = "_akt_testhelper", .m_size = 0, .m_methods = methods };

PyMODINIT_FUNC
PyInit__akt_testhelper(void)
{
    PyObject *m = PyModule_Create(&mod);
#ifdef Py_GIL_DISABLED
    /* its state is the tally's (tally_mu) and akt's: no GIL needed */
    if (m != NULL && PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED) < 0) {
        Py_DECREF(m);
        return NULL;
    }
#endif
    return m;
}
