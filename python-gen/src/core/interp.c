/*
 * interp.c -- entering the right interpreter from any thread (see
 * pycore.h, pyc_gil_ensure), and the registry of the subinterpreters that
 * python-subinterpreter-pool dispatchers run (pydisp.c): a thread enters
 * one only while it is alive, and its end waits for every thread inside.
 */
#include <Python.h>

#include <pthread.h>
#include <stdbool.h>

#include "pycore.h"

/* the interpreters of python-subinterpreter-pool dispatchers (bounded:
 * one per extra dispatcher of a system, a few systems at once) */
#define PYC_MAX_SUBINTERPS 64

typedef struct live_interp {
    PyInterpreterState *interp;
    long users; /* threads inside (pyc_gil_ensure .. release) */
    bool ending; /* nobody enters any more */
} live_interp;

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_cv = PTHREAD_COND_INITIALIZER;
static live_interp reg[PYC_MAX_SUBINTERPS];

#if PY_VERSION_HEX >= 0x030C0000
/* this thread's attached thread state, or NULL (thread-local from 3.12) */
static PyThreadState *
attached_tstate(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyThreadState_GetUnchecked();
#else
    return _PyThreadState_UncheckedGet();
#endif
}
#endif

static live_interp *
reg_find(PyInterpreterState *interp)
{
    for (int i = 0; i < PYC_MAX_SUBINTERPS; i++) {
        if (reg[i].interp == interp) {
            return &reg[i];
        }
    }
    return NULL;
}

int
pyc_interp_register(PyInterpreterState *interp)
{
    pthread_mutex_lock(&reg_mu);
    live_interp *e = reg_find(NULL);
    if (e != NULL) {
        e->interp = interp;
        e->users = 0;
        e->ending = false;
    }
    pthread_mutex_unlock(&reg_mu);
    return e != NULL ? 0 : -1;
}

void
pyc_interp_unregister(PyInterpreterState *interp)
{
    pthread_mutex_lock(&reg_mu);
    live_interp *e = reg_find(interp);
    if (e != NULL) {
        /* from now on nobody enters; wait for those inside */
        e->ending = true;
        while (e->users > 0) {
            pthread_cond_wait(&reg_cv, &reg_mu);
        }
        e->interp = NULL;
    }
    pthread_mutex_unlock(&reg_mu);
}

pyc_gil
pyc_gil_ensure(PyInterpreterState *interp)
{
    pyc_gil g = { .how = PYC_GIL_NOOP, .ok = true };
#if PY_VERSION_HEX < 0x030C0000
    /* one interpreter, one GIL (and 3.11's "current" thread state is the
     * GIL holder's, any thread's): PyGILState as always */
    (void)interp;
    g.how = PYC_GIL_STATE;
    g.gs = PyGILState_Ensure();
    return g;
#else
    PyInterpreterState *main_is = PyInterpreterState_Main();
    if (interp == NULL) {
        interp = main_is;
    }
    PyThreadState *att = attached_tstate();
    if (att != NULL && PyThreadState_GetInterpreter(att) == interp) {
        return g; /* this thread runs in it already */
    }
    if (interp == main_is && att == NULL) {
        PyThreadState *bound = PyGILState_GetThisThreadState();
        if (bound == NULL || PyThreadState_GetInterpreter(bound) == main_is) {
            g.how = PYC_GIL_STATE;
            g.gs = PyGILState_Ensure();
            return g;
        }
    }
    if (interp != main_is) {
        pthread_mutex_lock(&reg_mu);
        live_interp *e = reg_find(interp);
        if (e != NULL && e->ending) {
            e = NULL;
        }
        if (e != NULL) {
            e->users++;
        }
        pthread_mutex_unlock(&reg_mu);
        if (e == NULL) {
            g.ok = false; /* it ended (or is ending): nothing to enter */
            return g;
        }
    }
    /* a thread state of our own for interp; the one attached (another
     * interpreter's) is detached meanwhile */
    g.how = PYC_GIL_FRESH;
    g.interp = interp;
    g.prev = att != NULL ? PyEval_SaveThread() : NULL;
    g.mine = PyThreadState_New(interp);
    PyEval_RestoreThread(g.mine);
    return g;
#endif
}

void
pyc_gil_release(pyc_gil *g)
{
    switch (g->how) {
    case PYC_GIL_NOOP:
        break;
    case PYC_GIL_STATE:
        PyGILState_Release(g->gs);
        break;
    case PYC_GIL_FRESH:
        PyThreadState_Clear(g->mine);
        PyThreadState_DeleteCurrent();
        if (g->interp != PyInterpreterState_Main()) {
            pthread_mutex_lock(&reg_mu);
            live_interp *e = reg_find(g->interp);
            if (e != NULL && --e->users == 0) {
                pthread_cond_broadcast(&reg_cv);
            }
            pthread_mutex_unlock(&reg_mu);
        }
        if (g->prev != NULL) {
            PyEval_RestoreThread(g->prev);
        }
        break;
    }
    g->how = PYC_GIL_NOOP;
}
