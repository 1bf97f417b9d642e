/*
 * module.c -- akt._core: the CPython extension behind the akt package.
 *
 * Multi-phase init with per-module state (pyc_state: exception classes,
 * heap types, what akt._runtime hands over in _setup). Types:
 *   System   one akt_system plus its python-pinned dispatcher (pydisp.c)
 *   Ref      an akt_ref (tell, ask, ask_blocking, watch, stop)
 *   Future   an ask's or a watch's future; result(timeout); akt.Future
 *            (a Python subclass) adds __await__
 *   Ctx      what a handler gets: self, sender, reply, watch, spawn, stop
 *   _Pending a suspended async handler's reply address
 * Python actors are C actors whose one catch-all handler (py_handle) calls
 * the Python object's handle(); they run on the system's Python thread,
 * which holds the GIL while it drains (pydisp.c). Blocking waits release
 * the GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/fsm.h"
#include "akt/remote.h"
#include "pycore.h"
#include "pydisp.h"
#include "schema.h"

/* PyType_Slot and PyModuleDef_Slot hold functions in a void *: the
 * CPython API's own pattern, which ISO C calls non-portable */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

/* the actor whose handler runs on this thread (ask-self detection, the
 * implicit sender of a tell) */
_Thread_local akt_ref pyc_tls_self;

/* set when pyc_send / pyc_ask refused a send that would stall this thread */
static _Thread_local bool tls_stalled;

static const char *
send_what(akt_err rc, const char *what)
{
    if (rc == AKT_EFULL && tls_stalled) {
        tls_stalled = false;
        return "the actor's bounded mailbox (overflow = block) is full and "
               "runs on this thread, which cannot wait for room";
    }
    return what;
}

static pyc_state *
mstate(PyObject *m)
{
    return (pyc_state *)PyModule_GetState(m);
}

static int64_t
secs_to_ns(double s)
{
    if (s < 0) {
        return -1;
    }
    if (s > 9.0e9) {
        return AKT_FOREVER;
    }
    return (int64_t)(s * 1e9);
}

/* --- errors --------------------------------------------------------------- */

typedef struct err_name {
    const char *code;
    const char *cls;
    const char *base; /* a builtin it also derives from, or NULL */
} err_name;

/* Python names for the codes of AKT_ERR_MAP; a code missing here still
 * gets a class, named Error<CODE> (the X-macro list is the source). */
static const err_name err_names[] = {
    { "ENOMEM", "OutOfMemory", "MemoryError" },
    { "EINVAL", "InvalidArgument", "ValueError" },
    { "ECLOSED", "SystemClosed", NULL },
    { "ESTOPPED", "ActorStopped", NULL },
    { "EEXIST", "NameExists", NULL },
    { "ENOENT", "NotFound", "LookupError" },
    { "ETIMEDOUT", "AskTimeout", "TimeoutError" },
    { "EFULL", "MailboxFull", NULL },
    { "EPROTO", "ProtocolError", NULL },
    { "ETYPE", "TypeMismatch", "TypeError" },
    { "ERANGE", "OutOfRange", "ValueError" },
    { "ESYNTAX", "ConfigSyntaxError", NULL },
    { "EIO", "AktIOError", "OSError" },
    { "ENOTSUP", "NotSupported", NULL },
    { "EFAILED", "HandlerFailed", NULL },
    { "ETOOBIG", "TooBig", NULL },
    { "EAGAIN", "TryAgain", NULL },
    { "ECANCELED", "Canceled", NULL },
    { "EBUSY", "Busy", NULL },
    { "EUNHANDLED", "Unhandled", NULL },
    { "ESTATE", "InvalidState", NULL },
    { "EPEER", "PeerUnreachable", NULL },
    { "EAUTH", "AuthFailed", NULL },
    { "EINTERNAL", "InternalError", NULL },
    { "ENOSPC", "NoSpace", NULL },
};

typedef struct err_def {
    const char *name;
    int value;
    const char *text;
} err_def;

#define PYC_ERR_DEF_(n, v, t) { #n, v, t },
static const err_def err_defs[] = { AKT_ERR_MAP(PYC_ERR_DEF_) };
#undef PYC_ERR_DEF_

static int
errors_init(PyObject *m, pyc_state *st)
{
    PyObject *builtins = PyEval_GetBuiltins();
    st->error = PyErr_NewExceptionWithDoc("akt.AktError",
        "Base of akt's errors: .code (an int of akt_err), .name "
        "(\"ETIMEDOUT\") and the reason text in args[0].",
        NULL, NULL);
    if (st->error == NULL
        || PyModule_AddObjectRef(m, "AktError", st->error) < 0) {
        return -1;
    }
    PyObject *table = PyDict_New();
    if (table == NULL) {
        return -1;
    }
    for (size_t i = 0; i < sizeof err_defs / sizeof err_defs[0]; i++) {
        const err_def *e = &err_defs[i];
        if (e->value == 0 || e->value >= 64) {
            continue;
        }
        char cls[64], qual[80];
        const char *base_name = NULL;
        snprintf(cls, sizeof cls, "Error%s", e->name);
        for (size_t j = 0; j < sizeof err_names / sizeof err_names[0]; j++) {
            if (strcmp(err_names[j].code, e->name) == 0) {
                snprintf(cls, sizeof cls, "%s", err_names[j].cls);
                base_name = err_names[j].base;
            }
        }
        snprintf(qual, sizeof qual, "akt.%s", cls);
        PyObject *bases;
        PyObject *extra
            = base_name ? PyDict_GetItemString(builtins, base_name) : NULL;
        bases = extra ? PyTuple_Pack(2, st->error, extra)
                      : PyTuple_Pack(1, st->error);
        PyObject *dict
            = Py_BuildValue("{s:i,s:s}", "code", e->value, "name", e->name);
        PyObject *exc = bases && dict
            ? PyErr_NewExceptionWithDoc(qual, e->text, bases, dict)
            : NULL;
        Py_XDECREF(bases);
        Py_XDECREF(dict);
        if (exc == NULL) {
            Py_DECREF(table);
            return -1;
        }
        st->errors[e->value] = exc;
        PyObject *code = PyLong_FromLong(e->value);
        PyDict_SetItem(table, code, exc);
        Py_DECREF(code);
        if (PyModule_AddObjectRef(m, cls, exc) < 0) {
            Py_DECREF(table);
            return -1;
        }
    }
    if (PyModule_AddObject(m, "error_classes", table) < 0) {
        Py_DECREF(table);
        return -1;
    }
    PyObject *bases = PyTuple_Pack(2, st->error, PyExc_RuntimeError);
    PyObject *dict
        = Py_BuildValue("{s:i,s:s}", "code", (int)AKT_ESTATE, "name", "ESTATE");
    st->ask_self = PyErr_NewExceptionWithDoc("akt.AskSelfError",
        "an actor asked itself from its own handler (that would deadlock)",
        bases, dict);
    Py_XDECREF(bases);
    Py_XDECREF(dict);
    if (st->ask_self == NULL
        || PyModule_AddObjectRef(m, "AskSelfError", st->ask_self) < 0) {
        return -1;
    }
    bases = PyTuple_Pack(2, st->error, PyExc_ImportError);
    dict = Py_BuildValue("{s:i,s:s}", "code", (int)AKT_ETYPE, "name", "ETYPE");
    st->schema_mismatch = bases && dict
        ? PyErr_NewExceptionWithDoc("akt.SchemaMismatch",
            "a module made by aktc --py_out does not match the descriptor "
            "of the same type that a C extension registered (or another "
            "module bound); the text lists each difference",
            bases, dict)
        : NULL;
    Py_XDECREF(bases);
    Py_XDECREF(dict);
    if (st->schema_mismatch == NULL
        || PyModule_AddObjectRef(m, "SchemaMismatch", st->schema_mismatch)
            < 0) {
        return -1;
    }
    return 0;
}

PyObject *
pyc_raise(pyc_state *st, akt_err rc, const char *detail)
{
    PyObject *cls
        = (rc > 0 && rc < 64 && st->errors[rc]) ? st->errors[rc] : st->error;
    if (detail && *detail) {
        PyErr_Format(cls, "%s: %s", akt_strerror(rc), detail);
    } else {
        PyErr_SetString(cls, akt_strerror(rc));
    }
    return NULL;
}

/* --- System --------------------------------------------------------------- */

static akt_system *
sys_of(PyObject *system)
{
    return __atomic_load_n(&((SystemObject *)system)->sys, __ATOMIC_SEQ_CST);
}

akt_system *
pyc_sys_enter(PyObject *system)
{
#ifdef Py_GIL_DISABLED
    SystemObject *so = (SystemObject *)system;
    atomic_fetch_add(&so->users, 1);
    akt_system *s = sys_of(system);
    if (s == NULL) {
        atomic_fetch_sub(&so->users, 1);
    }
    return s;
#else
    return sys_of(system);
#endif
}

void
pyc_sys_leave(PyObject *system)
{
#ifdef Py_GIL_DISABLED
    atomic_fetch_sub(&((SystemObject *)system)->users, 1);
#else
    (void)system;
#endif
}

PyObject *
pyc_ref_new(pyc_state *st, PyObject *system, akt_ref r)
{
    if (akt_ref_is_none(r)) {
        Py_RETURN_NONE;
    }
    RefObject *o = PyObject_New(RefObject, st->ref_type);
    if (o == NULL) {
        return NULL;
    }
    o->ref = r;
    o->system = Py_NewRef(system);
    return (PyObject *)o;
}

akt_ref
pyc_ref_get(PyObject *ref)
{
    return ((RefObject *)ref)->ref;
}

/* --- Python actors: the C side ------------------------------------------ */

CtxObject *
pyc_ctx_new(pyc_state *st, PyObject *system, akt_ctx *ctx)
{
    CtxObject *c = PyObject_New(CtxObject, st->ctx_type);
    if (c == NULL) {
        return NULL;
    }
    c->ctx = ctx;
    c->self = akt_ctx_self(ctx);
    c->sender = akt_ctx_sender(ctx);
    c->system = Py_NewRef(system);
    c->st = st;
    c->replied = false;
    c->shim = NULL;
    c->line = NULL;
    c->fsm_line = NULL;
    c->fsm_epoch = 0;
    return c;
}

/* the reason text of the current exception ("ValueError: boom"), handed to
 * akt._runtime's failure reporter (logging); clears the error. keep (may
 * be NULL) gets the exception, for the supervisor's decider. */
void
pyc_exc_text(
    pyc_state *st, PyObject *actor, char *buf, size_t len, PyObject **keep)
{
    PyObject *exc = NULL;
#if PY_VERSION_HEX >= 0x030C0000
    exc = PyErr_GetRaisedException();
#else
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    PyErr_NormalizeException(&et, &ev, &tb);
    if (ev && tb) {
        PyException_SetTraceback(ev, tb);
    }
    Py_XDECREF(et);
    Py_XDECREF(tb);
    exc = ev;
#endif
    snprintf(buf, len, "python exception");
    if (exc == NULL) {
        return;
    }
    PyObject *s = PyObject_Str(exc);
    const char *txt = s ? PyUnicode_AsUTF8(s) : NULL;
    snprintf(buf, len, "%s: %s", Py_TYPE(exc)->tp_name, txt ? txt : "?");
    Py_XDECREF(s);
    PyErr_Clear();
    if (st->failure_fn) {
        PyObject *r = PyObject_CallFunctionObjArgs(
            st->failure_fn, actor ? actor : Py_None, exc, NULL);
        Py_XDECREF(r);
        PyErr_Clear();
    }
    if (keep != NULL) {
        Py_XSETREF(*keep, exc);
    } else {
        Py_DECREF(exc);
    }
}

akt_err
pyc_shim_init(void *state, const void *init_arg)
{
    shim *s = state;
    props_rec *rec = (props_rec *)init_arg;
    pyc_gil g = pyc_gil_ensure(rec->st->interp);
    s->rec = rec;
    s->actor = PyObject_CallMethod(rec->factory, "_create", NULL);
    s->handle = s->actor ? PyObject_GetAttrString(s->actor, "handle") : NULL;
    if (s->handle == NULL) {
        /* its pre_start fails with the exception's text (the state init
         * has no way to give a reason), which the supervisor's log line
         * and decider (last_exc) get */
        char buf[sizeof s->hook_why];
        pyc_exc_text(rec->st, NULL, buf, sizeof buf, &s->last_exc);
        Py_CLEAR(s->actor);
        pyc_shim_not_created(s, buf);
    }
    pyc_gil_release(&g);
    return AKT_OK;
}

void
pyc_shim_not_created(shim *s, const char *why)
{
    s->not_created = true;
    snprintf(s->hook_why, sizeof s->hook_why, "%s", why);
}

akt_err
pyc_shim_start_failed(shim *s, akt_ctx *ctx)
{
    return akt_ctx_fail(ctx, AKT_EFAILED, "%s",
        s->not_created ? s->hook_why : "python actor not created");
}

void
pyc_shim_fini(void *state)
{
    shim *s = state;
    if (s->actor == NULL && s->handle == NULL && s->spare == NULL
        && s->stack == NULL && s->last_exc == NULL && s->pq == NULL
        && s->cb_chain == NULL) {
        return;
    }
    pyc_gil g = pyc_gil_ensure(s->rec ? s->rec->st->interp : NULL);
    if (!g.ok) {
        /* its interpreter ended: the objects went with it */
        s->handle = s->actor = s->stack = s->last_exc = s->pq = NULL;
        s->cb_chain = NULL;
        s->spare = NULL;
        return;
    }
    Py_CLEAR(s->handle);
    Py_CLEAR(s->actor);
    Py_CLEAR(s->spare);
    Py_CLEAR(s->stack);
    Py_CLEAR(s->last_exc);
    Py_CLEAR(s->pq);
    Py_CLEAR(s->cb_chain);
    pyc_gil_release(&g);
}

akt_err
pyc_call_hook(shim *s, akt_ctx *ctx, const char *name)
{
    if (s->actor == NULL) {
        return AKT_OK;
    }
    pyc_state *st = s->rec->st;
    pyc_gil g = pyc_gil_ensure(st->interp);
    CtxObject *c = pyc_ctx_new(st, s->rec->system, ctx);
    if (c) {
        c->shim = s;
    }
    akt_ref prev = pyc_tls_self;
    pyc_tls_self = c ? c->self : prev;
    PyObject *r
        = c ? PyObject_CallMethod(s->actor, name, "O", (PyObject *)c) : NULL;
    pyc_tls_self = prev;
    akt_err rc = AKT_OK;
    if (r == NULL) {
        char buf[256];
        pyc_exc_text(st, s->actor, buf, sizeof buf, &s->last_exc);
        rc = akt_ctx_fail(ctx, AKT_EFAILED, "%s in %s", buf, name);
    }
    Py_XDECREF(r);
    if (c) {
        c->ctx = NULL;
        c->shim = NULL;
        Py_DECREF(c);
    }
    pyc_gil_release(&g);
    return rc;
}

static akt_err
shim_pre_start(void *state, akt_ctx *ctx)
{
    shim *s = state;
    if (s->actor == NULL) {
        return pyc_shim_start_failed(s, ctx);
    }
    return pyc_call_hook(state, ctx, "pre_start");
}

static void
shim_post_stop(void *state, akt_ctx *ctx)
{
    (void)pyc_call_hook(state, ctx, "post_stop");
}

typedef struct PendingObject {
    PyObject_HEAD PyObject *system;
    pydisp *disp;
    akt_ref self, sender;
    bool done;
    bool fsm; /* an fsm line's handler: its transition waits (pyfsm.c) */
    uint32_t fsm_epoch;
    bool chain; /* a persist callback's: the shim's cb_chain ends with it */
} PendingObject;

/* the persist callbacks queued behind a suspended one are done (or
 * dropped): later ones run at once again (the cell is parked: its state
 * is this thread's) */
static void
pending_chain_done(PendingObject *p)
{
    shim *s = pyc_shim_of(p->self);
    if (s != NULL) {
        Py_CLEAR(s->cb_chain);
    }
}

/* send reply (a Python object) to `to` from `from`; 0 or -1 + error */
static int
send_reply(pyc_state *st, akt_ref to, akt_ref from, PyObject *value)
{
    void *m = pyc_to_msg(st, value, to);
    if (m == NULL) {
        return -1;
    }
    akt_err rc = pyc_send(to, m, from);
    if (rc != AKT_OK) {
        akt_msg_free(m);
        pyc_raise(st, rc, send_what(rc, "reply"));
        return -1;
    }
    return 0;
}

akt_err
pyc_run_behavior(shim *s, akt_ctx *ctx, PyObject *fn, PyObject *self_arg,
    PyObject *m, const pyc_line *line)
{
    pyc_state *st = s->rec->st;
    PyObject *system = s->rec->system;
    char buf[512];
    akt_err rc = AKT_OK;
    CtxObject *c = NULL;
    if (s->spare) {
        /* the previous message's ctx, which nothing kept: reused instead
         * of a new object per message */
        c = s->spare;
        s->spare = NULL;
        c->ctx = ctx;
        c->self = akt_ctx_self(ctx);
        c->sender = akt_ctx_sender(ctx);
        c->replied = false;
        c->fsm_line = NULL;
        c->fsm_epoch = 0;
    } else {
        c = pyc_ctx_new(st, system, ctx);
    }
    if (c == NULL) {
        pyc_exc_text(st, s->actor, buf, sizeof buf, &s->last_exc);
        return akt_ctx_fail(ctx, AKT_EFAILED, "%s", buf);
    }
    c->shim = s;
    c->line = line;
    akt_ref prev = pyc_tls_self;
    pyc_tls_self = c->self;
    PyObject *args[3];
    size_t nargs = 0;
    if (self_arg != NULL) {
        args[nargs++] = self_arg;
    }
    args[nargs++] = (PyObject *)c;
    if (m != NULL) {
        args[nargs++] = m;
    }
    /* a reference of our own: ctx.become may drop the shim's meanwhile */
    PyObject *behavior = Py_NewRef(fn);
    PyObject *r = PyObject_Vectorcall(behavior, args, nargs, NULL);
    Py_DECREF(behavior);
    if (r != NULL && PyCoro_CheckExact(r)) {
        PyObject *val = NULL;
        PySendResult sr = PyIter_Send(r, Py_None, &val);
        if (sr == PYGEN_RETURN) {
            Py_DECREF(r);
            r = val;
        } else if (sr == PYGEN_ERROR) {
            Py_DECREF(r);
            r = NULL;
        } else {
            /* it really suspended: a task finishes it; the cell waits */
            PendingObject *p = PyObject_New(PendingObject, st->pending_type);
            if (p != NULL) {
                p->system = Py_NewRef(system);
                p->disp = pydisp_of(c->self);
                if (p->disp == NULL) { /* (in its turn: it cannot be) */
                    p->disp = ((SystemObject *)system)->disp;
                }
                p->self = c->self;
                p->sender = c->sender;
                p->done = false;
                p->chain = false;
                p->fsm = line != NULL;
                p->fsm_epoch = line ? pyc_fsm_suspended(s, ctx, c) : 0;
                pydisp_park(p->disp, c->self.cell_);
                PyObject *t = PyObject_CallFunctionObjArgs(
                    st->suspend_fn, r, val, (PyObject *)p, NULL);
                if (t == NULL) {
                    if (p->fsm) {
                        pyc_fsm_finish(p->self, p->fsm_epoch, false);
                    }
                    pydisp_unpark(p->disp, c->self.cell_);
                    p->done = true;
                }
                Py_XDECREF(t);
                Py_DECREF(p);
            }
            Py_DECREF(r);
            Py_XDECREF(val);
            pyc_tls_self = prev;
            c->ctx = NULL;
            c->shim = NULL;
            c->line = NULL;
            c->replied = true; /* the task replies */
            if (PyErr_Occurred()) {
                pyc_exc_text(st, s->actor, buf, sizeof buf, &s->last_exc);
                rc = akt_ctx_fail(ctx, AKT_EFAILED, "%s", buf);
            }
            Py_DECREF(c);
            return rc;
        }
    }
    pyc_tls_self = prev;
    if (r == NULL) {
        pyc_exc_text(st, s->actor, buf, sizeof buf, &s->last_exc);
        rc = akt_ctx_fail(ctx, AKT_EFAILED, "%s", buf);
    } else {
        if (r != Py_None && !c->replied && !akt_ref_is_none(c->sender)) {
            void *reply = pyc_to_msg(st, r, c->sender);
            akt_err e
                = reply ? pyc_send(c->sender, reply, c->self) : AKT_EINVAL;
            if (reply && e != AKT_OK) {
                akt_msg_free(reply);
            }
            if (reply == NULL) {
                pyc_exc_text(st, s->actor, buf, sizeof buf, &s->last_exc);
                rc = akt_ctx_fail(ctx, AKT_EFAILED, "reply: %s", buf);
            }
        }
        Py_DECREF(r);
    }
    c->ctx = NULL;
    c->shim = NULL;
    c->line = NULL;
    if (Py_REFCNT(c) == 1 && s->spare == NULL) {
        s->spare = c; /* nobody else holds it */
    } else {
        Py_DECREF(c);
    }
    return rc;
}

static akt_err
py_handle(void *state, akt_ctx *ctx, const void *msg)
{
    shim *s = state;
    if (s->handle == NULL) {
        return pyc_shim_start_failed(s, ctx);
    }
    pyc_gil g = pyc_gil_ensure(s->rec->st->interp);
    akt_err rc;
    PyObject *m = pyc_from_msg(s->rec->st, s->rec->system, msg);
    if (m == NULL) {
        char buf[512];
        pyc_exc_text(s->rec->st, s->actor, buf, sizeof buf, &s->last_exc);
        rc = akt_ctx_fail(ctx, AKT_EFAILED, "%s", buf);
    } else {
        rc = pyc_run_behavior(s, ctx, s->handle, NULL, m, NULL);
        Py_DECREF(m);
    }
    pyc_gil_release(&g);
    return rc;
}

static const akt_behavior py_behavior = {
    .name = "python",
    .handlers = NULL,
    .nhandlers = 0,
    .unhandled = py_handle,
};

shim *
pyc_shim_of(akt_ref r)
{
    void *state;
    const akt_props *p = pydisp_actor_props(r, &state);
    if (p == NULL || state == NULL) {
        return NULL;
    }
    if (p->behavior == &py_behavior || p->behavior == &pyc_fsm_behavior) {
        return state;
    }
    if (p->behavior == &pyc_persist_behavior) {
        return pyc_persist_shim(p->behavior_arg, state);
    }
    return NULL;
}

akt_err
pyc_py_handle(void *state, akt_ctx *ctx, const void *msg)
{
    return py_handle(state, ctx, msg);
}

static const akt_lifecycle py_lifecycle = {
    .pre_start = shim_pre_start,
    .post_stop = shim_post_stop,
};

/* --- _Pending ------------------------------------------------------------- */

static void
pending_dealloc(PendingObject *p)
{
    PyTypeObject *tp = Py_TYPE(p);
    if (!p->done && p->disp && sys_of(p->system) != NULL) {
        if (p->chain) {
            pending_chain_done(p);
        }
        if (p->fsm) {
            pyc_fsm_finish(p->self, p->fsm_epoch, false);
        }
        pydisp_unpark(p->disp, p->self.cell_); /* (the free took the
                                                  dispatcher) */
    }
    Py_XDECREF(p->system);
    PyObject_Free(p);
    Py_DECREF(tp);
}

static pyc_state *
state_of_system(PyObject *system)
{
    return mstate(((SystemObject *)system)->module);
}

static PyObject *
pending_finish(PendingObject *p, PyObject *result)
{
    if (p->done) {
        Py_RETURN_NONE;
    }
    p->done = true;
    pyc_state *st = state_of_system(p->system);
    int rc = 0;
    if (result != Py_None && !akt_ref_is_none(p->sender)) {
        rc = send_reply(st, p->sender, p->self, result);
    }
    if (p->fsm) {
        pyc_fsm_finish(p->self, p->fsm_epoch, true);
    }
    if (p->chain) {
        pending_chain_done(p);
    }
    pydisp_unpark(p->disp, p->self.cell_);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* fail(text, canceled): answer the asker with an error; a failure (not a
 * cancel at termination) also fails the actor, so its supervisor decides */
static PyObject *
pending_fail(PendingObject *p, PyObject *args)
{
    const char *text;
    int canceled;
    PyObject *exc = Py_None;
    if (!PyArg_ParseTuple(args, "sp|O", &text, &canceled, &exc)) {
        return NULL;
    }
    if (p->done) {
        Py_RETURN_NONE;
    }
    p->done = true;
    if (!canceled && exc != Py_None) {
        /* the cell is parked: this is its dispatcher's thread, and its
         * state is its own until the kill below is handled */
        shim *s = pyc_shim_of(p->self);
        if (s != NULL) {
            Py_XSETREF(s->last_exc, Py_NewRef(exc));
        }
    }
    akt_err code = canceled ? AKT_ECANCELED : AKT_EFAILED;
    if (!akt_ref_is_none(p->sender)) {
        size_t n = strlen(text);
        if (n > AKT_STATUS_TEXT_MAX) {
            n = AKT_STATUS_TEXT_MAX;
        }
        akt_Status *s = akt_msg_new(&akt_status_type, n + 1);
        if (s) {
            s->code = (int32_t)code;
            akt_arena_str(akt_msg_arena(s), text, n, &s->text);
            if (akt_tell(p->sender, s, p->self) != AKT_OK) {
                akt_msg_free(s);
            }
        }
    }
    if (!canceled) {
        akt_kill(p->self);
    }
    if (p->fsm) {
        pyc_fsm_finish(p->self, p->fsm_epoch, false);
    }
    if (p->chain) {
        pending_chain_done(p);
    }
    pydisp_unpark(p->disp, p->self.cell_);
    Py_RETURN_NONE;
}

/* reply(value): answer the asker (a value other than None) and go on:
 * each callback of a chain replies */
static PyObject *
pending_reply(PendingObject *p, PyObject *value)
{
    if (p->done || value == Py_None || akt_ref_is_none(p->sender)
        || sys_of(p->system) == NULL) {
        Py_RETURN_NONE;
    }
    if (send_reply(state_of_system(p->system), p->sender, p->self, value) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

int
pyc_park_chain(
    shim *s, akt_ctx *ctx, akt_ref sender, PyObject *coro, PyObject *val)
{
    pyc_state *st = s->rec->st;
    PyObject *chain = PyList_New(0);
    PendingObject *p
        = chain ? PyObject_New(PendingObject, st->pending_type) : NULL;
    if (p == NULL) {
        Py_XDECREF(chain);
        return -1;
    }
    p->system = Py_NewRef(s->rec->system);
    p->disp = pydisp_of(akt_ctx_self(ctx));
    if (p->disp == NULL) { /* (in its turn: it cannot be) */
        p->disp = ((SystemObject *)s->rec->system)->disp;
    }
    p->self = akt_ctx_self(ctx);
    p->sender = sender;
    p->done = false;
    p->fsm = false;
    p->fsm_epoch = 0;
    p->chain = true;
    Py_XSETREF(s->cb_chain, chain);
    pydisp_park(p->disp, p->self.cell_);
    PyObject *t = PyObject_CallFunctionObjArgs(
        st->suspend_fn, coro, val, (PyObject *)p, chain, NULL);
    int rc = 0;
    if (t == NULL) {
        Py_CLEAR(s->cb_chain);
        pydisp_unpark(p->disp, p->self.cell_);
        p->done = true;
        rc = -1;
    }
    Py_XDECREF(t);
    Py_DECREF(p);
    return rc;
}

static PyObject *
pending_self(PendingObject *p, void *closure)
{
    (void)closure;
    return pyc_ref_new(state_of_system(p->system), p->system, p->self);
}

static PyMethodDef pending_methods[] = {
    { "finish", (PyCFunction)pending_finish, METH_O, "reply and resume" },
    { "fail", (PyCFunction)pending_fail, METH_VARARGS, "fail and resume" },
    { "reply", (PyCFunction)pending_reply, METH_O, "reply, go on" },
    { NULL },
};
static PyObject *
pending_system(PendingObject *p, void *closure)
{
    (void)closure;
    return Py_NewRef(p->system);
}

static PyGetSetDef pending_getset[] = {
    { "self", (getter)pending_self, NULL, NULL, NULL },
    { "system", (getter)pending_system, NULL, NULL, NULL },
    { NULL },
};
static PyType_Slot pending_slots[] = {
    { Py_tp_dealloc, pending_dealloc },
    { Py_tp_methods, pending_methods },
    { Py_tp_getset, pending_getset },
    { 0, NULL },
};
static PyType_Spec pending_spec = {
    "akt._core._Pending",
    sizeof(PendingObject),
    0,
    Py_TPFLAGS_DEFAULT,
    pending_slots,
};

/* --- Ctx ------------------------------------------------------------------ */

static void
ctx_dealloc(CtxObject *c)
{
    PyTypeObject *tp = Py_TYPE(c);
    Py_XDECREF(c->system);
    PyObject_Free(c);
    Py_DECREF(tp);
}

int
pyc_ctx_live(CtxObject *c, const char *what)
{
    if (c->ctx == NULL) {
        PyErr_Format(c->st->errors[AKT_ESTATE],
            "ctx.%s: only inside the handler, before its first await", what);
        return -1;
    }
    return 0;
}

static PyObject *
ctx_get_self(CtxObject *c, void *cl)
{
    (void)cl;
    return pyc_ref_new(c->st, c->system, c->self);
}

static PyObject *
ctx_get_sender(CtxObject *c, void *cl)
{
    (void)cl;
    return pyc_ref_new(c->st, c->system, c->sender);
}

static PyObject *
ctx_reply(CtxObject *c, PyObject *value)
{
    if (akt_ref_is_none(c->sender)) {
        Py_RETURN_NONE;
    }
    if (send_reply(c->st, c->sender, c->self, value) < 0) {
        return NULL;
    }
    c->replied = true;
    Py_RETURN_NONE;
}

static PyObject *
ctx_watch(CtxObject *c, PyObject *ref)
{
    if (pyc_ctx_live(c, "watch") < 0) {
        return NULL;
    }
    if (!PyObject_TypeCheck(ref, c->st->ref_type)) {
        return PyErr_Format(PyExc_TypeError, "watch: expected an ActorRef");
    }
    akt_err rc = akt_ctx_watch(c->ctx, pyc_ref_get(ref));
    if (rc != AKT_OK) {
        return pyc_raise(c->st, rc, "watch");
    }
    Py_RETURN_NONE;
}

static PyObject *
ctx_unwatch(CtxObject *c, PyObject *ref)
{
    if (pyc_ctx_live(c, "unwatch") < 0) {
        return NULL;
    }
    if (!PyObject_TypeCheck(ref, c->st->ref_type)) {
        return PyErr_Format(PyExc_TypeError, "unwatch: expected an ActorRef");
    }
    akt_err rc = akt_ctx_unwatch(c->ctx, pyc_ref_get(ref));
    if (rc != AKT_OK) {
        return pyc_raise(c->st, rc, "unwatch");
    }
    Py_RETURN_NONE;
}

static PyObject *
ctx_stop(CtxObject *c, PyObject *args)
{
    PyObject *ref = Py_None;
    if (!PyArg_ParseTuple(args, "|O", &ref)) {
        return NULL;
    }
    akt_ref r = c->self;
    if (ref != Py_None) {
        if (!PyObject_TypeCheck(ref, c->st->ref_type)) {
            return PyErr_Format(PyExc_TypeError, "stop: expected an ActorRef");
        }
        r = pyc_ref_get(ref);
    }
    akt_err rc;
    if (c->ctx && c->line && ref == Py_None) {
        /* in an fsm line's handler: no transition, then stop */
        (void)akt_fsm_stay(c->ctx);
        rc = akt_fsm_stop(c->ctx);
    } else {
        rc = c->ctx ? akt_ctx_stop(c->ctx, r) : akt_stop(r);
    }
    if (rc != AKT_OK) {
        return pyc_raise(c->st, rc, "stop");
    }
    Py_RETURN_NONE;
}

static PyObject *
ctx_spawn(CtxObject *c, PyObject *args)
{
    PyObject *props, *name = Py_None;
    if (!PyArg_ParseTuple(args, "O|O", &props, &name)) {
        return NULL;
    }
    if (pyc_ctx_live(c, "spawn") < 0) {
        return NULL;
    }
    props_rec *rec = pyc_props_rec_for((SystemObject *)c->system, props);
    if (rec == NULL) {
        return NULL;
    }
    const char *n = name == Py_None ? NULL : PyUnicode_AsUTF8(name);
    if (name != Py_None && n == NULL) {
        return NULL;
    }
    akt_ref out;
    akt_err rc = akt_ctx_spawn(c->ctx, &rec->props, n, &out);
    if (rc != AKT_OK) {
        return pyc_raise(c->st, rc, n);
    }
    return pyc_ref_new(c->st, c->system, out);
}

/* become(behavior, discard_old=True): the handler of this actor's next
 * messages is behavior(ctx, msg) (plain or async def) instead of
 * handle(); discard_old=False keeps the current one for unbecome(). A
 * restart goes back to handle(). */
static PyObject *
ctx_become(CtxObject *c, PyObject *args, PyObject *kw)
{
    static char *kws[] = { "behavior", "discard_old", NULL };
    PyObject *beh;
    int discard = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|p", kws, &beh, &discard)
        || pyc_ctx_live(c, "become") < 0) {
        return NULL;
    }
    if (c->shim == NULL) {
        return PyErr_Format(c->st->errors[AKT_ESTATE],
            "ctx.become: only in a Python actor's handler or hook");
    }
    if (!PyCallable_Check(beh)) {
        return PyErr_Format(PyExc_TypeError,
            "become: expected a callable (ctx, msg), got %s",
            Py_TYPE(beh)->tp_name);
    }
    shim *s = c->shim;
    if (s->rec->fsm != NULL) {
        return PyErr_Format(c->st->errors[AKT_ESTATE],
            "ctx.become: an fsm actor's states are its behaviours");
    }
    if (!discard) {
        if (s->stack == NULL && (s->stack = PyList_New(0)) == NULL) {
            return NULL;
        }
        if (PyList_Append(s->stack, s->handle) < 0) {
            return NULL;
        }
    }
    Py_XSETREF(s->handle, Py_NewRef(beh));
    Py_RETURN_NONE;
}

/* unbecome(): back to the behaviour become(discard_old=False) kept, or to
 * handle() when none is */
static PyObject *
ctx_unbecome(CtxObject *c, PyObject *unused)
{
    (void)unused;
    if (pyc_ctx_live(c, "unbecome") < 0) {
        return NULL;
    }
    if (c->shim == NULL) {
        return PyErr_Format(c->st->errors[AKT_ESTATE],
            "ctx.unbecome: only in a Python actor's handler or hook");
    }
    shim *s = c->shim;
    PyObject *prev;
    Py_ssize_t n = s->stack ? PyList_GET_SIZE(s->stack) : 0;
    if (n > 0) {
        prev = Py_NewRef(PyList_GET_ITEM(s->stack, n - 1));
        if (PyList_SetSlice(s->stack, n - 1, n, NULL) < 0) {
            Py_DECREF(prev);
            return NULL;
        }
    } else {
        prev = PyObject_GetAttrString(s->actor, "handle");
        if (prev == NULL) {
            return NULL;
        }
    }
    Py_XSETREF(s->handle, prev);
    Py_RETURN_NONE;
}

static PyObject *
ctx_get_system(CtxObject *c, void *cl)
{
    (void)cl;
    return Py_NewRef(c->system);
}

/* ctx.system: the akt.ActorSystem of ctx's System (akt._runtime keeps
 * them by System) */
static PyObject *
ctx_get_actor_system(CtxObject *c, void *cl)
{
    (void)cl;
    PyObject *rt = PyImport_ImportModule("akt._runtime");
    PyObject *r
        = rt ? PyObject_CallMethod(rt, "_system_of", "O", c->system) : NULL;
    Py_XDECREF(rt);
    return r;
}

static PyMethodDef ctx_methods[] = {
    { "reply", (PyCFunction)ctx_reply, METH_O,
        "reply(msg): answer the sender of this message" },
    { "watch", (PyCFunction)ctx_watch, METH_O,
        "watch(ref): get akt.Terminated(ref) when ref stops" },
    { "unwatch", (PyCFunction)ctx_unwatch, METH_O, "unwatch(ref)" },
    { "stop", (PyCFunction)ctx_stop, METH_VARARGS,
        "stop(ref=None): stop a child, or this actor" },
    { "spawn", (PyCFunction)ctx_spawn, METH_VARARGS,
        "spawn(props, name=None) -> ActorRef: a child actor" },
    { "become", (PyCFunction)(void (*)(void))ctx_become,
        METH_VARARGS | METH_KEYWORDS,
        "become(behavior, discard_old=True): behavior(ctx, msg) handles "
        "the next messages" },
    { "unbecome", (PyCFunction)ctx_unbecome, METH_NOARGS,
        "unbecome(): back to the previous behaviour (or handle)" },
    { "goto", (PyCFunction)(void (*)(void))pyc_ctx_goto,
        METH_VARARGS | METH_KEYWORDS,
        "goto(state, timeout=None): in an fsm line's handler, go to its "
        "target (with a timeout in seconds for this stay)" },
    { "stay", (PyCFunction)pyc_ctx_stay, METH_NOARGS,
        "stay(): in an fsm line's handler, make no transition" },
    { "persist", (PyCFunction)(void (*)(void))pyc_ctx_persist,
        METH_VARARGS | METH_KEYWORDS,
        "persist(event, callback=None): write event; once durable, apply it "
        "and call callback(ctx, event) (commands wait meanwhile)" },
    { "persist_all", (PyCFunction)(void (*)(void))pyc_ctx_persist_all,
        METH_VARARGS | METH_KEYWORDS,
        "persist_all(events, callback=None): one atomic write; the callback "
        "runs per event" },
    { "persist_async", (PyCFunction)(void (*)(void))pyc_ctx_persist_async,
        METH_VARARGS | METH_KEYWORDS,
        "persist_async(event, callback=None): persist, commands keep "
        "flowing" },
    { "persist_all_async",
        (PyCFunction)(void (*)(void))pyc_ctx_persist_all_async,
        METH_VARARGS | METH_KEYWORDS, NULL },
    { "save_snapshot", (PyCFunction)pyc_ctx_save_snapshot, METH_O,
        "save_snapshot(snapshot): at the last applied sequence number" },
    { "delete_events", (PyCFunction)pyc_ctx_delete_events, METH_O,
        "delete_events(to_seq): the events up to to_seq (inclusive)" },
    { "start_timer", (PyCFunction)(void (*)(void))pyc_ctx_start_timer,
        METH_VARARGS | METH_KEYWORDS,
        "start_timer(key, msg, delay, interval=None): msg to this actor "
        "after delay s (then every interval s); replaces key's timer" },
    { "cancel_timer", (PyCFunction)pyc_ctx_cancel_timer, METH_O,
        "cancel_timer(key) -> bool" },
    { "timer_active", (PyCFunction)pyc_ctx_timer_active, METH_O,
        "timer_active(key) -> bool" },
    { "cancel_all_timers", (PyCFunction)pyc_ctx_cancel_all_timers, METH_NOARGS,
        NULL },
    { "set_receive_timeout", (PyCFunction)pyc_ctx_set_receive_timeout, METH_O,
        "set_receive_timeout(seconds or None): akt.ReceiveTimeout when idle" },
    { "stash", (PyCFunction)pyc_ctx_stash, METH_NOARGS,
        "stash(): keep the current message for later (akt.MailboxFull when "
        "the stash is full)" },
    { "unstash", (PyCFunction)pyc_ctx_unstash, METH_NOARGS,
        "unstash() -> bool: the oldest stashed message back first" },
    { "unstash_all", (PyCFunction)pyc_ctx_unstash_all, METH_NOARGS,
        "unstash_all() -> int: every stashed message back, oldest first" },
    { "stash_size", (PyCFunction)pyc_ctx_stash_size, METH_NOARGS, NULL },
    { "clear_stash", (PyCFunction)pyc_ctx_clear_stash, METH_NOARGS,
        "clear_stash() -> int: drop the stash (to dead letters)" },
    { NULL },
};
static PyGetSetDef ctx_getset[] = {
    { "self", (getter)ctx_get_self, NULL, "this actor's ref", NULL },
    { "sender", (getter)ctx_get_sender, NULL, "the sender's ref, or None",
        NULL },
    { "core_system", (getter)ctx_get_system, NULL,
        "the akt._core.System the actor runs on", NULL },
    { "system", (getter)ctx_get_actor_system, NULL,
        "the akt.ActorSystem the actor runs in (in a subinterpreter: that "
        "interpreter's view of it)",
        NULL },
    { "state", (getter)pyc_ctx_get_state, NULL,
        "an fsm actor's current state (its IntEnum), else None", NULL },
    { "persistence_id", (getter)pyc_ctx_persistence_id, NULL,
        "a persistent actor's persistence id", NULL },
    { "last_seq", (getter)pyc_ctx_last_seq, NULL,
        "a persistent actor's last sequence number (applied or pending)",
        NULL },
    { NULL },
};
static PyType_Slot ctx_slots[] = {
    { Py_tp_dealloc, ctx_dealloc },
    { Py_tp_methods, ctx_methods },
    { Py_tp_getset, ctx_getset },
    { 0, NULL },
};
static PyType_Spec ctx_spec = {
    "akt._core.Context",
    sizeof(CtxObject),
    0,
    Py_TPFLAGS_DEFAULT,
    ctx_slots,
};

/* --- Future --------------------------------------------------------------- */

typedef struct FutureObject FutureObject;

/* The part of a future that its akt completion callback may outlive the
 * Python object with (or run on another thread): reference counted. */
typedef struct fcore {
    _Atomic int refs;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    akt_future *f;
    bool done;
    akt_err status;
    void *reply; /* retained */
    char *text;
    FutureObject *waker; /* strong, set while a Python callback waits */
    PyInterpreterState *interp; /* the future's (its callbacks run there) */
    _Atomic bool done_flag; /* done, readable without mu (_spin) */
} fcore;

struct FutureObject {
    PyObject_HEAD fcore *core;
    PyObject *system;
    PyObject *callbacks; /* list, under the GIL */
    PyObject *value; /* the converted reply, cached */
    PyObject *expect; /* the reply's class (a typed ask), or NULL */
};

static void
fcore_unref(fcore *c)
{
    if (atomic_fetch_sub(&c->refs, 1) == 1) {
        if (c->reply) {
            akt_msg_free(c->reply);
        }
        free(c->text);
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        free(c);
    }
}

static void
run_callbacks(FutureObject *fo)
{
    PyObject *cbs = fo->callbacks;
    fo->callbacks = NULL;
    if (cbs == NULL) {
        return;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(cbs); i++) {
        PyObject *r
            = PyObject_CallOneArg(PyList_GET_ITEM(cbs, i), (PyObject *)fo);
        if (r == NULL) {
            PyErr_WriteUnraisable(PyList_GET_ITEM(cbs, i));
        }
        Py_XDECREF(r);
    }
    Py_DECREF(cbs);
}

static void
fut_cb(akt_err status, const void *reply, void *arg)
{
    fcore *c = arg;
    pthread_mutex_lock(&c->mu);
    c->status = status;
    c->reply = reply ? akt_msg_retain(reply) : NULL;
    const char *t = akt_future_error_text(c->f);
    c->text = (t && *t) ? strdup(t) : NULL;
    c->done = true;
    atomic_store_explicit(&c->done_flag, true, memory_order_release);
    FutureObject *w = c->waker;
    c->waker = NULL;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (w) {
        pyc_gil g = pyc_gil_ensure(c->interp);
        if (g.ok) { /* (else its interpreter ended: leaked with it) */
            run_callbacks(w);
            Py_DECREF(w);
        }
        pyc_gil_release(&g);
    }
}

static void
fut_fini(void *arg)
{
    fcore_unref(arg);
}

static PyObject *
future_wrap(pyc_state *st, PyObject *system, akt_future *f)
{
    PyTypeObject *tp
        = st->future_cls ? (PyTypeObject *)st->future_cls : st->future_type;
    fcore *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        akt_future_release(f);
        return PyErr_NoMemory();
    }
    FutureObject *fo = (FutureObject *)tp->tp_alloc(tp, 0);
    if (fo == NULL) {
        free(c);
        akt_future_release(f);
        return NULL;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->f = f;
    c->interp = st->interp;
    atomic_store(&c->refs, 2);
    fo->core = c;
    fo->system = Py_NewRef(system);
    akt_err rc = akt_future_on_complete(f, fut_cb, c, fut_fini);
    if (rc != AKT_OK) {
        atomic_store(&c->refs, 1);
        Py_DECREF(fo);
        return pyc_raise(st, rc, "future");
    }
    return (PyObject *)fo;
}

static void
future_dealloc(FutureObject *fo)
{
    PyTypeObject *tp = Py_TYPE(fo);
    PyObject_GC_UnTrack(fo);
    if (fo->core) {
        /* a future may outlive its system (a traceback keeps it): the
         * free completed it and took its memory; only our part is left.
         * Entered, a free on another thread (3.13t) waits for the release */
        if (pyc_sys_enter(fo->system) != NULL) {
            akt_future_release(fo->core->f);
            pyc_sys_leave(fo->system);
        }
        fcore_unref(fo->core);
    }
    Py_XDECREF(fo->callbacks);
    Py_XDECREF(fo->value);
    Py_XDECREF(fo->expect);
    Py_XDECREF(fo->system);
    tp->tp_free(fo);
    Py_DECREF(tp);
}

static int
future_traverse(FutureObject *fo, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(fo));
    Py_VISIT(fo->callbacks);
    Py_VISIT(fo->value);
    Py_VISIT(fo->expect);
    Py_VISIT(fo->system);
    return 0;
}

static int
future_clear(FutureObject *fo)
{
    Py_CLEAR(fo->callbacks);
    Py_CLEAR(fo->value);
    return 0;
}

static PyObject *
future_done(FutureObject *fo, PyObject *unused)
{
    (void)unused;
    pthread_mutex_lock(&fo->core->mu);
    bool d = fo->core->done;
    pthread_mutex_unlock(&fo->core->mu);
    return PyBool_FromLong(d);
}

/* a typed ask's reply must be of the class it expects */
static PyObject *
check_reply(pyc_state *st, PyObject *expect, PyObject *value)
{
    if (value == NULL || expect == NULL || value == Py_None) {
        return value;
    }
    int ok = PyObject_IsInstance(value, expect);
    if (ok == 1) {
        return value;
    }
    if (ok == 0) {
        PyErr_Format(st->errors[AKT_ETYPE],
            "%s: the reply is a %s, not the %s the ask expects",
            akt_strerror(AKT_ETYPE), Py_TYPE(value)->tp_name,
            ((PyTypeObject *)expect)->tp_name);
    }
    Py_DECREF(value);
    return NULL;
}

static PyObject *
future_outcome(FutureObject *fo)
{
    fcore *c = fo->core;
    pyc_state *st = state_of_system(fo->system);
    if (c->status != AKT_OK) {
        return pyc_raise(st, c->status, c->text);
    }
    if (fo->value == NULL) {
        fo->value = c->reply ? pyc_from_msg(st, fo->system, c->reply)
                             : Py_NewRef(Py_None);
    }
    return fo->value ? check_reply(st, fo->expect, Py_NewRef(fo->value)) : NULL;
}

static PyObject *
future_result(FutureObject *fo, PyObject *args, PyObject *kw)
{
    static char *kws[] = { "timeout", NULL };
    PyObject *tmo = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kws, &tmo)) {
        return NULL;
    }
    double secs = tmo == Py_None ? -1.0 : PyFloat_AsDouble(tmo);
    if (PyErr_Occurred()) {
        return NULL;
    }
    fcore *c = fo->core;
    pyc_state *st = state_of_system(fo->system);
    pthread_mutex_lock(&c->mu);
    bool done = c->done;
    pthread_mutex_unlock(&c->mu);
    if (!done && pydisp_on_thread() && secs != 0) {
        PyErr_SetString(st->errors[AKT_ESTATE],
            "Future.result() would block the Python actors' thread: "
            "use `await future` in a handler");
        return NULL;
    }
    if (!done && secs != 0) {
        Py_BEGIN_ALLOW_THREADS pthread_mutex_lock(&c->mu);
        if (secs < 0) {
            while (!c->done) {
                pthread_cond_wait(&c->cv, &c->mu);
            }
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ns = ts.tv_nsec + secs_to_ns(secs);
            ts.tv_sec += ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            while (!c->done) {
                if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) {
                    break;
                }
            }
        }
        done = c->done;
        pthread_mutex_unlock(&c->mu);
        Py_END_ALLOW_THREADS
    }
    if (!done) {
        return pyc_raise(
            st, AKT_ETIMEDOUT, "Future.result(timeout) waited in vain");
    }
    return future_outcome(fo);
}

/* _spin(ns) -> bool: wait up to ns for completion with the GIL released,
 * yielding the CPU between looks (never on the Python actors' thread,
 * whose handlers would be the ones to complete it). The await path calls
 * it before it parks the coroutine: a reply that comes within the window
 * skips the event loop's wake-up (docs/python.md, "await and the spin
 * window"). */
static PyObject *
future_spin(FutureObject *fo, PyObject *arg)
{
    long long ns = PyLong_AsLongLong(arg);
    if (ns == -1 && PyErr_Occurred()) {
        return NULL;
    }
    fcore *c = fo->core;
    bool done;
    pthread_mutex_lock(&c->mu);
    done = c->done;
    pthread_mutex_unlock(&c->mu);
    if (done || ns <= 0 || pydisp_on_thread()) {
        return PyBool_FromLong(done);
    }
    Py_BEGIN_ALLOW_THREADS struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load_explicit(&c->done_flag, memory_order_acquire)) {
            done = true;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000000000LL + (t.tv_nsec - t0.tv_nsec)
            >= ns) {
            break;
        }
        sched_yield();
    }
    Py_END_ALLOW_THREADS return PyBool_FromLong(done);
}

/* _add_done_callback(fn): fn(future) runs once, with the GIL, on the
 * completing thread (at once if already done) */
static PyObject *
future_add_cb(FutureObject *fo, PyObject *fn)
{
    fcore *c = fo->core;
    pthread_mutex_lock(&c->mu);
    if (!c->done) {
        if (fo->callbacks == NULL && (fo->callbacks = PyList_New(0)) == NULL) {
            pthread_mutex_unlock(&c->mu);
            return NULL;
        }
        PyList_Append(fo->callbacks, fn);
        if (c->waker == NULL) {
            Py_INCREF(fo);
            c->waker = fo;
        }
        pthread_mutex_unlock(&c->mu);
        Py_RETURN_NONE;
    }
    pthread_mutex_unlock(&c->mu);
    PyObject *r = PyObject_CallOneArg(fn, (PyObject *)fo);
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    Py_RETURN_NONE;
}

static PyMethodDef future_methods[] = {
    { "done", (PyCFunction)future_done, METH_NOARGS, "whether it completed" },
    { "result", (PyCFunction)(void (*)(void))future_result,
        METH_VARARGS | METH_KEYWORDS,
        "result(timeout=None): the reply, or raise its error; blocks up to "
        "timeout seconds (None: forever) with the GIL released" },
    { "_add_done_callback", (PyCFunction)future_add_cb, METH_O, NULL },
    { "_spin", (PyCFunction)future_spin, METH_O, NULL },
    { NULL },
};
static PyType_Slot future_slots[] = {
    { Py_tp_dealloc, future_dealloc },
    { Py_tp_traverse, future_traverse },
    { Py_tp_clear, future_clear },
    { Py_tp_methods, future_methods },
    { 0, NULL },
};
static PyType_Spec future_spec = {
    "akt._core.Future",
    sizeof(FutureObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    future_slots,
};

/* --- Ref ------------------------------------------------------------------ */

static void
ref_dealloc(RefObject *r)
{
    PyTypeObject *tp = Py_TYPE(r);
    Py_XDECREF(r->system);
    PyObject_Free(r);
    Py_DECREF(tp);
}

/* enter r's system (pyc_sys_enter): 0, or -1 + akt.SystemClosed; the
 * caller leaves (ref_leave) */
static int
ref_alive_sys(RefObject *r, pyc_state *st)
{
    if (pyc_sys_enter(r->system) == NULL) {
        pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
        return -1;
    }
    return 0;
}

static PyObject *
ref_leave(RefObject *r, PyObject *ret)
{
    pyc_sys_leave(r->system);
    return ret;
}

static int
parse_timeout(PyObject *o, double dflt, int64_t *ns)
{
    double s = o == NULL || o == Py_None ? dflt : PyFloat_AsDouble(o);
    if (PyErr_Occurred()) {
        return -1;
    }
    if (s <= 0) {
        PyErr_SetString(PyExc_ValueError, "timeout must be > 0 seconds");
        return -1;
    }
    *ns = secs_to_ns(s);
    return 0;
}

akt_err
pyc_send(akt_ref to, void *m, akt_ref from)
{
    switch (pydisp_send_mode(to)) {
    case PYDISP_SEND_NOWAIT:
        return akt_tell(to, m, from);
    case PYDISP_SEND_OWN_THREAD: {
        akt_err rc = pydisp_tell_nowait(to, m, from);
        if (rc == AKT_EAGAIN) {
            tls_stalled = true;
            rc = AKT_EFULL;
        }
        return rc;
    }
    default: {
        akt_err rc;
        Py_BEGIN_ALLOW_THREADS rc = akt_tell(to, m, from);
        Py_END_ALLOW_THREADS return rc;
    }
    }
}

/* akt_ask from a thread that holds the GIL (as pyc_send) */
static akt_err
pyc_ask(akt_ref to, void *m, int64_t ns, akt_future **f)
{
    switch (pydisp_send_mode(to)) {
    case PYDISP_SEND_NOWAIT:
        return akt_ask(to, m, ns, f);
    case PYDISP_SEND_OWN_THREAD: {
        akt_err rc = pydisp_ask_nowait(to, m, ns, f);
        if (rc == AKT_EAGAIN) {
            tls_stalled = true;
            rc = AKT_EFULL;
        }
        return rc;
    }
    default: {
        akt_err rc;
        Py_BEGIN_ALLOW_THREADS rc = akt_ask(to, m, ns, f);
        Py_END_ALLOW_THREADS return rc;
    }
    }
}

/* r's message m made from o (pyc_to_msg), entered (pyc_sys_enter): 0, or
 * -1 + error (akt.SystemClosed, or the conversion's) and nothing to leave.
 * The conversion runs outside the system's users: it runs Python code (a
 * pickle, an attribute or class lookup, a collection's finalizers) that
 * may wait for anything -- the free waits only for akt calls, never for
 * it -- and the system is entered again after it, so a terminate that
 * came meanwhile gives SystemClosed instead of a send into a freed
 * system. */
static int
ref_msg_enter(RefObject *r, pyc_state *st, PyObject *o, void **m)
{
    if (ref_alive_sys(r, st) < 0) {
        return -1;
    }
    int where = pydisp_dest_kind(r->ref);
    pyc_sys_leave(r->system);
    *m = pyc_to_msg_for(st, o, where);
    if (*m == NULL) {
        return -1;
    }
    if (ref_alive_sys(r, st) < 0) {
        akt_msg_free(*m);
        *m = NULL;
        return -1;
    }
    return 0;
}

static PyObject *
ref_tell(RefObject *r, PyObject *const *args, Py_ssize_t n, PyObject *kw)
{
    pyc_state *st = state_of_system(r->system);
    if ((n != 1 && n != 2) || (kw && PyTuple_GET_SIZE(kw) > 0)) {
        return PyErr_Format(PyExc_TypeError, "tell(msg, sender=None)");
    }
    akt_ref sender = pyc_tls_self;
    if (n == 2 && args[1] != Py_None) {
        if (!PyObject_TypeCheck(args[1], st->ref_type)) {
            return PyErr_Format(
                PyExc_TypeError, "tell: sender must be an ActorRef");
        }
        sender = pyc_ref_get(args[1]);
    }
    void *m;
    if (ref_msg_enter(r, st, args[0], &m) < 0) {
        return NULL;
    }
    akt_err rc = pyc_send(r->ref, m, sender);
    pyc_sys_leave(r->system);
    if (rc != AKT_OK) {
        akt_msg_free(m);
        return pyc_raise(st, rc, send_what(rc, "tell"));
    }
    Py_RETURN_NONE;
}

static int
check_ask_self(pyc_state *st, RefObject *r)
{
    if (akt_ref_equal(pyc_tls_self, r->ref)) {
        PyErr_SetString(st->ask_self,
            "an actor asked itself from its own handler: the reply could "
            "only come after the handler returns (use ctx.self.tell)");
        return -1;
    }
    return 0;
}

static PyObject *
ref_ask(RefObject *r, PyObject *args, PyObject *kw)
{
    static char *kws[] = { "msg", "timeout", "expect", NULL };
    PyObject *msg, *tmo = NULL, *expect = NULL;
    pyc_state *st = state_of_system(r->system);
    int64_t ns;
    void *m;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO", kws, &msg, &tmo, &expect)
        || parse_timeout(tmo, 5.0, &ns) < 0 || check_ask_self(st, r) < 0
        || ref_msg_enter(r, st, msg, &m) < 0) {
        return NULL;
    }
    akt_future *f;
    akt_err rc = pyc_ask(r->ref, m, ns, &f);
    if (rc != AKT_OK) {
        pyc_sys_leave(r->system);
        akt_msg_free(m);
        return pyc_raise(st, rc, send_what(rc, "ask"));
    }
    PyObject *fo = future_wrap(st, r->system, f);
    pyc_sys_leave(r->system);
    if (fo && expect && expect != Py_None) {
        ((FutureObject *)fo)->expect = Py_NewRef(expect);
    }
    return fo;
}

static PyObject *
ref_ask_blocking(RefObject *r, PyObject *args, PyObject *kw)
{
    static char *kws[] = { "msg", "timeout", "expect", NULL };
    PyObject *msg, *tmo = NULL, *expect = NULL;
    pyc_state *st = state_of_system(r->system);
    int64_t ns;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO", kws, &msg, &tmo, &expect)
        || parse_timeout(tmo, 5.0, &ns) < 0) {
        return NULL;
    }
    if (pydisp_on_thread()) {
        PyErr_SetString(st->errors[AKT_ESTATE],
            "ask_blocking would block the Python actors' thread: use "
            "`await ref.ask(...)` in a handler");
        return NULL;
    }
    void *m;
    if (check_ask_self(st, r) < 0 || ref_msg_enter(r, st, msg, &m) < 0) {
        return NULL;
    }
    akt_future *f;
    akt_err rc = pyc_ask(r->ref, m, ns, &f);
    /* the wait below is for an actor: outside the system's users */
    pyc_sys_leave(r->system);
    if (rc != AKT_OK) {
        akt_msg_free(m);
        return pyc_raise(st, rc, send_what(rc, "ask"));
    }
    void *reply = NULL;
    Py_BEGIN_ALLOW_THREADS rc = akt_future_wait(f, AKT_FOREVER, &reply);
    Py_END_ALLOW_THREADS PyObject *out;
    if (rc != AKT_OK) {
        out = pyc_raise(st, rc, akt_future_error_text(f));
    } else {
        out = reply ? pyc_from_msg(st, r->system, reply) : Py_NewRef(Py_None);
    }
    if (reply) {
        akt_msg_free(reply);
    }
    akt_future_release(f);
    return check_reply(st, expect == Py_None ? NULL : expect, out);
}

static PyObject *
ref_watch(RefObject *r, PyObject *unused)
{
    (void)unused;
    pyc_state *st = state_of_system(r->system);
    if (ref_alive_sys(r, st) < 0) {
        return NULL;
    }
    akt_future *f;
    akt_err rc = akt_watch_future(r->ref, &f);
    if (rc != AKT_OK) {
        return ref_leave(r, pyc_raise(st, rc, "watch"));
    }
    return ref_leave(r, future_wrap(st, r->system, f));
}

static PyObject *
ref_stop(RefObject *r, PyObject *unused)
{
    (void)unused;
    pyc_state *st = state_of_system(r->system);
    if (ref_alive_sys(r, st) < 0) {
        return NULL;
    }
    akt_err rc = akt_stop(r->ref);
    pyc_sys_leave(r->system);
    if (rc != AKT_OK && rc != AKT_ESTOPPED) {
        return pyc_raise(st, rc, "stop");
    }
    Py_RETURN_NONE;
}

static PyObject *
ref_path(RefObject *r, void *cl)
{
    (void)cl;
    char buf[512];
    if (pyc_sys_enter(r->system) == NULL) {
        return pyc_raise(state_of_system(r->system), AKT_ECLOSED,
            "the actor system was terminated");
    }
    akt_err rc = akt_ref_path(r->ref, buf, sizeof buf);
    pyc_sys_leave(r->system);
    if (rc != AKT_OK) {
        return pyc_raise(state_of_system(r->system), rc, "path");
    }
    return PyUnicode_FromString(buf);
}

static PyObject *
ref_repr(RefObject *r)
{
    char buf[512];
    if (pyc_sys_enter(r->system) == NULL) {
        return PyUnicode_FromString("<ActorRef (stopped)>");
    }
    akt_err rc = akt_ref_path(r->ref, buf, sizeof buf);
    pyc_sys_leave(r->system);
    if (rc != AKT_OK) {
        return PyUnicode_FromString("<ActorRef (stopped)>");
    }
    return PyUnicode_FromFormat("<ActorRef %s>", buf);
}

static Py_hash_t
ref_hash(RefObject *r)
{
    Py_hash_t h = (Py_hash_t)(((uintptr_t)r->ref.cell_ >> 4)
        ^ (r->ref.uid_ * 0x9E3779B97F4A7C15ull));
    return h == -1 ? -2 : h;
}

static PyObject *
ref_richcmp(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    bool eq = akt_ref_equal(((RefObject *)a)->ref, ((RefObject *)b)->ref);
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static PyMethodDef ref_methods[] = {
    { "tell", (PyCFunction)(void (*)(void))ref_tell,
        METH_FASTCALL | METH_KEYWORDS,
        "tell(msg, sender=None): send msg; the sender defaults to the actor "
        "whose handler runs" },
    { "ask", (PyCFunction)(void (*)(void))ref_ask, METH_VARARGS | METH_KEYWORDS,
        "ask(msg, timeout=5.0) -> akt.Future (awaitable, .result(timeout))" },
    { "ask_blocking", (PyCFunction)(void (*)(void))ref_ask_blocking,
        METH_VARARGS | METH_KEYWORDS,
        "ask_blocking(msg, timeout=5.0): the reply (GIL released while "
        "waiting)" },
    { "watch", (PyCFunction)ref_watch, METH_NOARGS,
        "watch() -> akt.Future completing with akt.Terminated when it stops" },
    { "stop", (PyCFunction)ref_stop, METH_NOARGS,
        "stop after the current message" },
    { "_broadcast", (PyCFunction)pyc_ref_broadcast, METH_O, NULL },
    { "_routees", (PyCFunction)pyc_ref_routees, METH_VARARGS, NULL },
    { "_resize", (PyCFunction)pyc_ref_resize, METH_O, NULL },
    { "_worker_died", (PyCFunction)pyc_ref_worker_died, METH_O, NULL },
    { "_host_started", (PyCFunction)pyc_ref_host_started, METH_VARARGS, NULL },
    { "_c_tell", (PyCFunction)pyc_ref_c_tell, METH_VARARGS, NULL },
    { NULL },
};
static PyGetSetDef ref_getset[] = {
    { "path", (getter)ref_path, NULL, "akt://system/user/...", NULL },
    { NULL },
};
static PyType_Slot ref_slots[] = {
    { Py_tp_dealloc, ref_dealloc },
    { Py_tp_methods, ref_methods },
    { Py_tp_getset, ref_getset },
    { Py_tp_repr, ref_repr },
    { Py_tp_hash, ref_hash },
    { Py_tp_richcompare, ref_richcmp },
    { 0, NULL },
};
static PyType_Spec ref_spec = {
    "akt._core.ActorRef",
    sizeof(RefObject),
    0,
    Py_TPFLAGS_DEFAULT,
    ref_slots,
};

/* --- System --------------------------------------------------------------- */

/* the supervisor strategy's decider (akt_decider_fn): on the
 * supervisor's thread -- the Python actors' thread, since the supervisor
 * is a Python actor -- with the child suspended. The child's Python
 * exception (its shim's last_exc) goes to the strategy's decide(exc,
 * child); a failure without one as the akt error of its code. */
static akt_directive
py_decide(akt_err reason, akt_ref child, void *arg)
{
    props_rec *rec = arg;
    pyc_state *st = rec->st;
    pyc_gil g = pyc_gil_ensure(st->interp);
    shim *cs = pyc_shim_of(child);
    if (cs != NULL && cs->rec != NULL && cs->rec->st != st) {
        cs = NULL; /* another interpreter's child: its exception stays */
    }
    PyObject *exc = NULL;
    if (cs != NULL && cs->last_exc != NULL) {
        exc = cs->last_exc;
        cs->last_exc = NULL;
    } else {
        PyObject *cls = (reason > 0 && reason < 64 && st->errors[reason])
            ? st->errors[reason]
            : st->error;
        exc = PyObject_CallFunction(cls, "s", akt_strerror(reason));
    }
    PyObject *ref = exc ? pyc_ref_new(st, rec->system, child) : NULL;
    PyObject *r = ref
        ? PyObject_CallFunctionObjArgs(rec->decide, exc, ref, NULL)
        : NULL;
    long d = r ? PyLong_AsLong(r) : -1;
    if (d < AKT_RESUME || d > AKT_ESCALATE) {
        if (PyErr_Occurred()) {
            PyErr_WriteUnraisable(rec->decide);
        }
        d = AKT_ESCALATE;
    }
    Py_XDECREF(r);
    Py_XDECREF(ref);
    Py_XDECREF(exc);
    pyc_gil_release(&g);
    return (akt_directive)d;
}

/* a priority mailbox's priority (akt_priority_fn): on the consumer's
 * thread (the Python actors'), through akt._runtime's wrapper, which logs
 * what the user's function raises and gives an int */
static int
py_priority(const void *msg, void *arg)
{
    props_rec *rec = arg;
    pyc_gil g = pyc_gil_ensure(rec->st->interp);
    if (!g.ok) {
        return 0; /* its interpreter ended: the message is being dropped */
    }
    PyObject *m = pyc_from_msg(rec->st, rec->system, msg);
    PyObject *r = m ? PyObject_CallOneArg(rec->priority, m) : NULL;
    long p = r ? PyLong_AsLong(r) : 0;
    if (PyErr_Occurred()) {
        PyErr_WriteUnraisable(rec->priority);
        p = 0;
    }
    Py_XDECREF(r);
    Py_XDECREF(m);
    pyc_gil_release(&g);
    return p < INT32_MIN ? INT32_MIN : p > INT32_MAX ? INT32_MAX : (int)p;
}

/* props._spec() -> (supervisor, mailbox) into rec; 0, or -1 + error */
static int
props_rec_spec(props_rec *rec, PyObject *props)
{
    PyObject *spec = PyObject_CallMethod(props, "_spec", NULL);
    if (spec == NULL) {
        return -1;
    }
    PyObject *sup, *mbox, *fsm, *persist;
    if (!PyArg_ParseTuple(spec, "OOOO", &sup, &mbox, &fsm, &persist)) {
        Py_DECREF(spec);
        return -1;
    }
    int kind, max;
    long long within, minb, maxb, reset;
    double rf;
    PyObject *fn;
    if (sup != Py_None) {
        if (!PyArg_ParseTuple(sup, "iiLLLdLO", &kind, &max, &within, &minb,
                &maxb, &rf, &reset, &fn)) {
            Py_DECREF(spec);
            return -1;
        }
        rec->decide = Py_NewRef(fn);
        rec->sup = (akt_supervisor_strategy) {
            .kind = (akt_strategy_kind)kind,
            .max_restarts = max,
            .within_ns = within,
            .decider = py_decide,
            .decider_arg = rec,
            .min_backoff_ns = minb,
            .max_backoff_ns = maxb,
            .random_factor = rf,
            .reset_after_ns = reset,
        };
        rec->props.supervisor = &rec->sup;
    }
    if (mbox != Py_None) {
        int overflow;
        unsigned int cap;
        long long block;
        if (!PyArg_ParseTuple(
                mbox, "iIiLO", &kind, &cap, &overflow, &block, &fn)) {
            Py_DECREF(spec);
            return -1;
        }
        rec->mbox = (akt_mailbox_opts) {
            .kind = (akt_mailbox_kind)kind,
            .capacity = cap,
            .overflow = (akt_overflow)overflow,
            .block_timeout_ns = block,
        };
        if (fn != Py_None) {
            rec->priority = Py_NewRef(fn);
            rec->mbox.priority = py_priority;
            rec->mbox.priority_arg = rec;
        }
        rec->props.mailbox = &rec->mbox;
    }
    if (persist != Py_None && pyc_persist_props(rec, persist) < 0) {
        Py_DECREF(spec);
        return -1;
    }
    if (fsm != Py_None && pyc_fsm_props(rec, fsm) < 0) {
        Py_DECREF(spec);
        return -1;
    }
    Py_DECREF(spec);
    return 0;
}

/* the python-nogil dispatcher of so named name (a str), or NULL */
static pydisp *
pool_named(SystemObject *so, PyObject *name)
{
    for (size_t i = 0; i < so->npools; i++) {
        if (PyUnicode_CompareWithASCIIString(name, pydisp_name(so->pools[i]))
            == 0) {
            return so->pools[i];
        }
    }
    return NULL;
}

static props_rec *
props_rec_for_locked(SystemObject *so, PyObject *props)
{
    pyc_state *st = mstate(so->module);
    if (so->sys == NULL) {
        pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
        return NULL;
    }
    const char *dname = so->default_disp ? so->default_disp : "python";
    PyObject *disp = PyObject_GetAttrString(props, "dispatcher");
    if (disp == NULL) {
        PyErr_Clear();
    } else if (disp != Py_None
        && !(PyUnicode_Check(disp)
            && PyUnicode_CompareWithASCIIString(disp, "python-pinned") == 0)) {
        pydisp *pool = PyUnicode_Check(disp) ? pool_named(so, disp) : NULL;
        if (pool == NULL) {
            PyErr_Format(st->errors[AKT_ENOTSUP],
                "%s: dispatcher %R: only system.actor_of starts actors on "
                "another strategy (ctx.spawn and routers run python-pinned "
                "actors, and python-nogil ones once system.actor_of "
                "started that dispatcher)",
                akt_strerror(AKT_ENOTSUP), disp);
            Py_DECREF(disp);
            return NULL;
        }
        dname = pydisp_name(pool);
    }
    Py_XDECREF(disp);
    PyObject *key = PyLong_FromVoidPtr(props);
    if (key == NULL) {
        return NULL;
    }
    PyObject *cap = PyDict_GetItemWithError(so->props_map, key);
    if (cap) {
        Py_DECREF(key);
        return PyCapsule_GetPointer(cap, NULL);
    }
    if (PyErr_Occurred()) {
        Py_DECREF(key);
        return NULL;
    }
    props_rec *rec = calloc(1, sizeof(*rec));
    if (rec == NULL) {
        Py_DECREF(key);
        PyErr_NoMemory();
        return NULL;
    }
    rec->factory = Py_NewRef(props);
    rec->system = (PyObject *)so;
    rec->st = st;
    rec->props = (akt_props) {
        .behavior = &py_behavior,
        .lifecycle = &py_lifecycle,
        .state_size = sizeof(shim),
        .state_init = pyc_shim_init,
        .state_fini = pyc_shim_fini,
        .init_arg = rec,
        .dispatcher = dname,
    };
    rec->next = so->recs;
    so->recs = rec;
    if (props_rec_spec(rec, props) < 0) {
        Py_DECREF(key);
        return NULL;
    }
    rec->props.dispatcher = dname; /* (an fsm's or persistent's props too) */
    cap = PyCapsule_New(rec, NULL, NULL);
    if (cap == NULL || PyDict_SetItem(so->props_map, key, cap) < 0) {
        Py_XDECREF(cap);
        Py_DECREF(key);
        return NULL;
    }
    Py_DECREF(cap);
    Py_DECREF(key);
    return rec;
}

props_rec *
pyc_props_rec_for(SystemObject *so, PyObject *props)
{
    /* a user's thread and the handlers of several python-nogil workers
     * may intern props at once: the System's critical section orders
     * them (3.13t; the GIL does elsewhere) */
    props_rec *rec;
    PYC_BEGIN_CS(so);
    rec = props_rec_for_locked(so, props);
    PYC_END_CS();
    return rec;
}

/* add_pool(name, workers): start python-nogil dispatcher name with
 * workers threads (once per name: a second call finds it) */
static PyObject *
system_add_pool(SystemObject *so, PyObject *args)
{
    PyObject *name;
    Py_ssize_t workers;
    if (!PyArg_ParseTuple(args, "Un", &name, &workers)) {
        return NULL;
    }
    PyObject *out = NULL;
    PYC_BEGIN_CS(so);
    pyc_state *st = mstate(so->module);
    const char *n = PyUnicode_AsUTF8(name);
    if (n == NULL) {
        goto done;
    }
    if (so->sys == NULL) {
        pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
        goto done;
    }
    if (pool_named(so, name) != NULL) {
        out = Py_NewRef(Py_False);
        goto done;
    }
    if (workers < 1 || workers > 1024) {
        PyErr_Format(st->errors[AKT_EINVAL],
            "dispatcher %s: workers: expected an integer 1..1024, got %zd", n,
            workers);
        goto done;
    }
    if (so->npools == sizeof so->pools / sizeof so->pools[0]) {
        PyErr_Format(st->errors[AKT_EFULL],
            "dispatcher %s: a system runs at most %zu python-nogil "
            "dispatchers",
            n, sizeof so->pools / sizeof so->pools[0]);
        goto done;
    }
    pydisp *d;
    akt_err rc = pydisp_create_pool(so->sys, n, (size_t)workers, &d);
    if (rc != AKT_OK) {
        pyc_raise(st, rc, n);
        goto done;
    }
    so->pools[so->npools++] = d;
    out = Py_NewRef(Py_True);
done:
    PYC_END_CS();
    return out;
}

/* --- python-subinterpreter-pool ------------------------------------------ */

static int system_live(SystemObject *so);
static void system_release(SystemObject *so);

/* an actor spawned from the main interpreter on a subinterpreter: what its
 * incarnations are made from there -- the pickled (module, qualname,
 * args, kwargs); no object of the main interpreter */
typedef struct sub_rec {
    struct sub_rec *next;
    akt_props props;
    /* its supervisor strategy for its children (the decider: its own
     * interpreter's, sub_decide) and its mailbox, from the main
     * interpreter's Props */
    akt_supervisor_strategy sup;
    akt_mailbox_opts mbox;
    char *disp; /* the subinterpreter's dispatcher */
    char *spec;
    size_t len;
    /* what the class is (the main interpreter's import of it), which its
     * subinterpreter's must match: SUB_PLAIN, SUB_FSM (the kit's fsm
     * runtime, its definition made there), SUB_PERSIST (libakt's
     * persistent actors: pdef, pyc_persist_sub_def) */
    int kind;
    void *pdef;
    /* the props record its subinterpreter made (sub_shim_init; written
     * and read only on that interpreter's dispatcher thread): a priority
     * mailbox's function is its record's */
    props_rec *rec;
} sub_rec;

enum { SUB_PLAIN = 0, SUB_FSM, SUB_PERSIST };
static const char *const sub_kinds[]
    = { "a plain actor", "an fsm actor", "a persistent actor" };

/* state_init of such an actor: on its subinterpreter's thread (the cell's
 * first turn, and each restart's): the class imported there, a props
 * record of that interpreter's System view, then the usual shim */
static akt_err
sub_shim_init(void *state, const void *init_arg)
{
    sub_rec *sr = (sub_rec *)init_arg;
    PyObject *view = pydisp_view(pydisp_current());
    if (view == NULL) {
        return AKT_ESTATE; /* (not on its thread: cannot be) */
    }
    props_rec *rec = NULL;
    PyObject *rt = PyImport_ImportModule("akt._runtime");
    PyObject *b
        = rt ? PyBytes_FromStringAndSize(sr->spec, (Py_ssize_t)sr->len) : NULL;
    PyObject *props = b ? PyObject_CallMethod(rt, "_sub_props", "O", b) : NULL;
    if (props != NULL) {
        rec = pyc_props_rec_for((SystemObject *)view, props);
    }
    if (rec != NULL) {
        int kind = rec->persist ? SUB_PERSIST : rec->fsm ? SUB_FSM : SUB_PLAIN;
        if (kind != sr->kind) {
            /* the props the main interpreter spawned with run it */
            PyErr_Format(PyExc_TypeError,
                "%R is %s in this subinterpreter and %s in the main "
                "interpreter (the same module path, another class?)",
                props, sub_kinds[kind], sub_kinds[sr->kind]);
            rec = NULL;
        }
    }
    if (rec != NULL) {
        sr->rec = rec;
    }
    Py_XDECREF(props);
    Py_XDECREF(b);
    Py_XDECREF(rt);
    if (rec == NULL) {
        /* the actor does not start: the exception is logged here (with
         * its traceback) and its text fails the start (pre_start: the
         * supervisor's log line says it); the shim keeps no object of
         * this interpreter (it has no record to say which) */
        char buf[sizeof((shim *)0)->hook_why];
        pyc_exc_text(mstate(((SystemObject *)view)->module), NULL, buf,
            sizeof buf, NULL);
        pyc_shim_not_created(state, buf);
        return AKT_OK;
    }
    return pyc_shim_init(state, rec);
}

/* a priority mailbox's priority for an actor the main interpreter started
 * on a subinterpreter: the mailbox orders on the consumer's side, so this
 * runs on the actor's dispatcher thread while it drains, in the actor's
 * interpreter, with the function its own import made (the main
 * interpreter's crossed pickled: akt._runtime._sub_props). Anywhere else
 * (the system's free dropping what is left, after that interpreter's
 * records went) the order no longer matters: 0. */
static int
sub_priority(const void *msg, void *arg)
{
    sub_rec *sr = arg;
    pydisp *d = pydisp_current();
    if (d == NULL || pydisp_view(d) == NULL
        || strcmp(pydisp_name(d), sr->disp) != 0) {
        return 0;
    }
    props_rec *rec = sr->rec;
    return rec != NULL && rec->priority != NULL ? py_priority(msg, rec) : 0;
}

/* the decider of a subinterpreter actor's strategy: on its thread (the
 * parent's), the decide function of the props record its own interpreter
 * made (sub_shim_init) decides, with the child's exception */
static akt_directive
sub_decide(akt_err reason, akt_ref child, void *arg)
{
    (void)arg;
    const akt_props *pp = NULL;
    void *state = pydisp_parent_state(child, &pp);
    shim *ps = NULL;
    if (state != NULL && pp != NULL) {
        if (pp->behavior == &py_behavior || pp->behavior == &pyc_fsm_behavior) {
            ps = state;
        } else if (pp->behavior == &pyc_persist_behavior) {
            ps = pyc_persist_shim(pp->behavior_arg, state);
        }
    }
    if (ps != NULL && ps->rec != NULL && ps->rec->decide != NULL) {
        return py_decide(reason, child, ps->rec);
    }
    return AKT_RESTART;
}

/* _add_subinterpreters(name, n, boot) -> [dispatcher names]: start n
 * subinterpreters for python-subinterpreter-pool name (once per name: a
 * second call finds them); boot: pickled sys.path for them */
static PyObject *
system_add_subs(SystemObject *so, PyObject *args)
{
    const char *name;
    Py_ssize_t n;
    const char *boot;
    Py_ssize_t bootlen;
    if (!PyArg_ParseTuple(args, "sny#", &name, &n, &boot, &bootlen)) {
        return NULL;
    }
    pyc_state *st = mstate(so->module);
    if (so->view) {
        return pyc_raise(st, AKT_ENOTSUP,
            "a subinterpreter cannot start python-subinterpreter-pool");
    }
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    size_t len = strlen(name);
    char dn[300];
    for (Py_ssize_t k = 0; k < n; k++) {
        snprintf(dn, sizeof dn, "%s#%zd", name, k);
        bool have = false;
        for (size_t i = 0; i < so->nsubs; i++) {
            if (strcmp(pydisp_name(so->subs[i]), dn) == 0) {
                have = true;
            }
        }
        if (!have) {
            if (so->sys == NULL) {
                Py_DECREF(out);
                return pyc_raise(
                    st, AKT_ECLOSED, "the actor system was terminated");
            }
            if (so->nsubs == PYC_MAX_SUBS) {
                Py_DECREF(out);
                PyErr_Format(st->errors[AKT_EFULL],
                    "dispatcher %s: a system runs at most %d subinterpreters "
                    "(python-subinterpreter-pool)",
                    name, PYC_MAX_SUBS);
                return NULL;
            }
            char why[400] = "";
            pydisp *d = NULL;
            akt_err rc = pydisp_create_sub(
                so->sys, dn, boot, (size_t)bootlen, why, sizeof why, &d);
            if (rc != AKT_OK) {
                Py_DECREF(out);
                if (rc == AKT_EFULL) {
                    PyErr_Format(st->errors[AKT_EFULL],
                        "dispatcher %s: the runtime runs at most 16 "
                        "dispatchers beside its own (python-pinned, "
                        "python-nogil pools, one per subinterpreter)",
                        name);
                    return NULL;
                }
                return pyc_raise(st, rc, why[0] ? why : dn);
            }
            so->subs[so->nsubs++] = d;
        }
        PyObject *s = PyUnicode_FromString(dn);
        if (s == NULL || PyList_Append(out, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(s);
    }
    (void)len;
    return out;
}

/* _spawn_sub(dispatcher, spec, name, sup, mbox, fsm, persist) -> ref: a
 * top-level actor on that subinterpreter's dispatcher, made there from
 * spec (pickled module, qualname, args, kwargs: akt._runtime._sub_props).
 * fsm: true for an FsmActor class; persist: a PersistentActor class's
 * table (its definition: pyc_persist_sub_def), or None. */
static void
sub_rec_free(sub_rec *sr)
{
    if (sr != NULL) {
        pyc_persist_sub_free(sr->pdef);
        free(sr->disp);
        free(sr->spec);
        free(sr);
    }
}

static sub_rec *
sub_rec_find(SystemObject *so, const char *dn, const char *spec, size_t len)
{
    for (sub_rec *r = so->subrecs; r; r = r->next) {
        if (strcmp(r->disp, dn) == 0 && r->len == len
            && memcmp(r->spec, spec, len) == 0) {
            return r;
        }
    }
    return NULL;
}

static PyObject *
system_spawn_sub(SystemObject *so, PyObject *args)
{
    const char *dn, *spec;
    Py_ssize_t len;
    PyObject *name = Py_None, *sup = Py_None, *mbox = Py_None;
    int fsm = 0;
    PyObject *persist = Py_None;
    if (!PyArg_ParseTuple(args, "sy#|OOOpO", &dn, &spec, &len, &name, &sup,
            &mbox, &fsm, &persist)
        || system_live(so) < 0) {
        return NULL;
    }
    akt_supervisor_strategy ss = { 0 };
    akt_mailbox_opts mo = { 0 };
    if (sup != Py_None) {
        int kind, max;
        long long within, minb, maxb, reset;
        double rf;
        if (!PyArg_ParseTuple(sup, "iiLLLdL", &kind, &max, &within, &minb,
                &maxb, &rf, &reset)) {
            return NULL;
        }
        ss = (akt_supervisor_strategy) {
            .kind = (akt_strategy_kind)kind,
            .max_restarts = max,
            .within_ns = within,
            .decider = sub_decide,
            .min_backoff_ns = minb,
            .max_backoff_ns = maxb,
            .random_factor = rf,
            .reset_after_ns = reset,
        };
    }
    if (mbox != Py_None) {
        int kind, overflow;
        unsigned int cap;
        long long block;
        if (!PyArg_ParseTuple(mbox, "iIiL", &kind, &cap, &overflow, &block)) {
            return NULL;
        }
        mo = (akt_mailbox_opts) {
            .kind = (akt_mailbox_kind)kind,
            .capacity = cap,
            .overflow = (akt_overflow)overflow,
            .block_timeout_ns = block,
        };
    }
    pyc_state *st = mstate(so->module);
    const char *n = name == Py_None ? NULL : PyUnicode_AsUTF8(name);
    if (name != Py_None && n == NULL) {
        return NULL;
    }
    sub_rec *sr = NULL;
    PYC_BEGIN_CS(so);
    sr = sub_rec_find(so, dn, spec, (size_t)len);
    PYC_END_CS();
    if (sr == NULL) {
        /* made outside the critical section (starting the journal
         * releases the GIL); a record another thread made meanwhile for
         * the same spec wins */
        sub_rec *fresh = calloc(1, sizeof(*fresh));
        char *d = strdup(dn);
        char *sp = malloc(len ? (size_t)len : 1);
        if (fresh == NULL || d == NULL || sp == NULL) {
            free(fresh);
            free(d);
            free(sp);
            return PyErr_NoMemory();
        }
        memcpy(sp, spec, (size_t)len);
        fresh->disp = d;
        fresh->spec = sp;
        fresh->len = (size_t)len;
        fresh->kind = persist != Py_None ? SUB_PERSIST
            : fsm                        ? SUB_FSM
                                         : SUB_PLAIN;
        fresh->props = (akt_props) {
            .behavior = fsm ? &pyc_fsm_behavior : &py_behavior,
            .lifecycle = fsm ? &pyc_fsm_lifecycle : &py_lifecycle,
            .state_size = sizeof(shim),
            .state_init = sub_shim_init,
            .state_fini = pyc_shim_fini,
            .init_arg = fresh,
            .dispatcher = fresh->disp,
        };
        if (sup != Py_None) {
            fresh->sup = ss;
            fresh->sup.decider_arg = fresh;
            fresh->props.supervisor = &fresh->sup;
        }
        if (mbox != Py_None) {
            fresh->mbox = mo;
            if (mo.kind == AKT_MAILBOX_PRIORITY) {
                fresh->mbox.priority = sub_priority;
                fresh->mbox.priority_arg = fresh;
            }
            fresh->props.mailbox = &fresh->mbox;
        }
        if (persist != Py_None) {
            akt_props base = fresh->props;
            fresh->pdef = pyc_persist_sub_def(
                so, persist, &base, sub_shim_init, fresh, &fresh->props);
            if (fresh->pdef == NULL) {
                sub_rec_free(fresh);
                return NULL;
            }
        }
        PYC_BEGIN_CS(so);
        sr = sub_rec_find(so, dn, spec, (size_t)len);
        if (sr == NULL) {
            fresh->next = so->subrecs;
            so->subrecs = sr = fresh;
            fresh = NULL;
        }
        PYC_END_CS();
        sub_rec_free(fresh);
    }
    akt_ref out;
    akt_system *sys = pyc_sys_enter((PyObject *)so);
    akt_err rc = sys ? akt_spawn(sys, &sr->props, n, &out) : AKT_ECLOSED;
    if (sys) {
        pyc_sys_leave((PyObject *)so);
    }
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, n);
    }
    return pyc_ref_new(st, (PyObject *)so, out);
}

/* _core._view(capsule) -> System: in a subinterpreter (its dispatcher's
 * thread, akt._runtime._subinterp_main), a view of the main System's
 * akt_system whose Python actors run on that dispatcher */
static PyObject *
mod_view(PyObject *m, PyObject *cap)
{
    pydisp *d = PyCapsule_GetPointer(cap, "akt._core.subdisp");
    if (d == NULL) {
        return NULL;
    }
    pyc_state *st = mstate(m);
    PyTypeObject *tp = st->system_type;
    SystemObject *so = (SystemObject *)tp->tp_alloc(tp, 0);
    if (so == NULL) {
        return NULL;
    }
    so->module = Py_NewRef(m);
    so->props_map = PyDict_New();
    so->name = PyUnicode_FromString(pydisp_name(d));
    if (so->props_map == NULL || so->name == NULL) {
        Py_DECREF(so);
        return NULL;
    }
    so->view = true;
    so->disp = d;
    so->default_disp = pydisp_name(d);
    so->sys = pydisp_system(d);
    return (PyObject *)so;
}

/* view._sub_ready(): its loop runs (the creator stops waiting) */
static PyObject *
system_sub_ready(SystemObject *so, PyObject *unused)
{
    (void)unused;
    if (!so->view || so->disp == NULL) {
        return pyc_raise(mstate(so->module), AKT_ESTATE, "not a view");
    }
    pydisp_sub_ready(so->disp, (PyObject *)so);
    Py_RETURN_NONE;
}

/* view._stopping() -> bool: the owner is freeing the system (end the
 * loop) */
static PyObject *
system_stopping(SystemObject *so, PyObject *unused)
{
    (void)unused;
    return PyBool_FromLong(so->disp == NULL || pydisp_stopping(so->disp));
}

/* view._detach(): the loop ended; nothing uses the system from here */
static PyObject *
system_detach(SystemObject *so, PyObject *unused)
{
    (void)unused;
    system_release(so);
    Py_RETURN_NONE;
}

static PyObject *
system_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    static char *kws[] = { "name", "config", "config_file", NULL };
    const char *name, *text = NULL, *file = NULL;
    if (!PyArg_ParseTupleAndKeywords(
            args, kw, "s|zz", kws, &name, &text, &file)) {
        return NULL;
    }
    SystemObject *so = (SystemObject *)tp->tp_alloc(tp, 0);
    if (so == NULL) {
        return NULL;
    }
    so->module = Py_NewRef(PyType_GetModule(tp));
    pyc_state *st = mstate(so->module);
    if (st->interp != PyInterpreterState_Main()) {
        Py_DECREF(so);
        return pyc_raise(st, AKT_ENOTSUP,
            "an ActorSystem is made in the main interpreter; Python actors "
            "run in subinterpreters through a python-subinterpreter-pool "
            "dispatcher");
    }
    so->props_map = PyDict_New();
    so->name = PyUnicode_FromString(name);
    if (so->props_map == NULL || so->name == NULL) {
        Py_DECREF(so);
        return NULL;
    }
    akt_config *cfg = NULL, *base = NULL, *app = NULL;
    akt_config_error cerr;
    memset(&cerr, 0, sizeof cerr);
    akt_err rc;
    Py_BEGIN_ALLOW_THREADS if (file)
    {
        rc = akt_config_load(file, &cfg, &cerr);
    }
    else if (text)
    {
        rc = akt_config_load(NULL, &base, &cerr);
        if (rc == AKT_OK) {
            rc = akt_config_parse_string(
                text, strlen(text), "<python config>", &app, &cerr);
        }
        if (rc == AKT_OK) {
            rc = akt_config_with_fallback(app, base, &cfg, &cerr);
        }
    }
    else
    {
        rc = akt_config_load(NULL, &cfg, &cerr);
    }
    if (rc == AKT_OK) {
        rc = akt_system_create_ex(name, cfg, &so->sys, &cerr);
    }
    Py_END_ALLOW_THREADS akt_config_release(base);
    akt_config_release(app);
    akt_config_release(cfg);
    if (rc != AKT_OK) {
        Py_DECREF(so);
        return pyc_raise(st, rc, cerr.message[0] ? cerr.message : name);
    }
    rc = pydisp_create(so->sys, "python", &so->disp);
    if (rc != AKT_OK) {
        Py_DECREF(so);
        return pyc_raise(st, rc, "python dispatcher");
    }
    if (pyc_logq_start(so) < 0) {
        Py_DECREF(so);
        return NULL;
    }
    return (PyObject *)so;
}

static void
system_release(SystemObject *so)
{
    if (so->view) {
        /* not ours: the owner's free joins the thread this runs on */
        __atomic_store_n(&so->sys, NULL, __ATOMIC_SEQ_CST);
        so->disp = NULL;
    }
    if (so->sys) {
        akt_system *sys = so->sys;
        __atomic_store_n(&so->sys, NULL, __ATOMIC_SEQ_CST);
#ifdef Py_GIL_DISABLED
        /* threads that entered before the store finish their call */
        while (atomic_load(&so->users) > 0) {
            Py_BEGIN_ALLOW_THREADS sched_yield();
            Py_END_ALLOW_THREADS
        }
#endif
        Py_BEGIN_ALLOW_THREADS akt_system_free(
            sys); /* stops and frees the dispatcher too */
        Py_END_ALLOW_THREADS so->disp = NULL;
        so->npools = 0; /* (the free took them) */
        so->nsubs = 0;
    }
    while (so->subrecs) {
        struct sub_rec *n = so->subrecs->next;
        sub_rec_free(so->subrecs);
        so->subrecs = n;
    }
    pyc_logq_stop(so);
    while (so->recs) {
        props_rec *n = so->recs->next;
        Py_CLEAR(so->recs->factory);
        Py_CLEAR(so->recs->decide);
        Py_CLEAR(so->recs->priority);
        pyc_fsm_free(so->recs);
        pyc_persist_free(so->recs);
        free(so->recs);
        so->recs = n;
    }
}

static void
system_dealloc(SystemObject *so)
{
    PyTypeObject *tp = Py_TYPE(so);
    PyObject_GC_UnTrack(so);
    system_release(so);
    Py_XDECREF(so->props_map);
    Py_XDECREF(so->name);
    Py_XDECREF(so->module);
    tp->tp_free(so);
    Py_DECREF(tp);
}

static int
system_traverse(SystemObject *so, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(so));
    Py_VISIT(so->props_map);
    Py_VISIT(so->module);
    return 0;
}

static int
system_live(SystemObject *so)
{
    if (so->sys == NULL) {
        pyc_raise(
            mstate(so->module), AKT_ECLOSED, "the actor system was terminated");
        return -1;
    }
    return 0;
}

static PyObject *
system_fileno(SystemObject *so, PyObject *unused)
{
    (void)unused;
    if (system_live(so) < 0) {
        return NULL;
    }
    return PyLong_FromLong(pydisp_fd(so->disp));
}

static PyObject *
system_drain(SystemObject *so, PyObject *unused)
{
    (void)unused;
    if (so->disp == NULL) {
        Py_RETURN_NONE;
    }
    size_t n = pydisp_drain(so->disp, 4096);
    return PyLong_FromSize_t(n);
}

static PyObject *
system_spawn(SystemObject *so, PyObject *args)
{
    PyObject *props, *name = Py_None;
    if (!PyArg_ParseTuple(args, "O|O", &props, &name) || system_live(so) < 0) {
        return NULL;
    }
    props_rec *rec = pyc_props_rec_for(so, props);
    if (rec == NULL) {
        return NULL;
    }
    const char *n = name == Py_None ? NULL : PyUnicode_AsUTF8(name);
    if (name != Py_None && n == NULL) {
        return NULL;
    }
    akt_ref out;
    akt_system *sys = pyc_sys_enter((PyObject *)so);
    akt_err rc = sys ? akt_spawn(sys, &rec->props, n, &out) : AKT_ECLOSED;
    if (sys) {
        pyc_sys_leave((PyObject *)so);
    }
    if (rc != AKT_OK) {
        return pyc_raise(mstate(so->module), rc, n);
    }
    return pyc_ref_new(mstate(so->module), (PyObject *)so, out);
}

static PyObject *
system_lookup(SystemObject *so, PyObject *path)
{
    const char *p = PyUnicode_AsUTF8(path);
    if (p == NULL || system_live(so) < 0) {
        return NULL;
    }
    /* (a thread of a python-subprocess pool may look up while another
     * thread frees the system: entered, the free waits) */
    akt_system *sys = pyc_sys_enter((PyObject *)so);
    if (sys == NULL) {
        return pyc_raise(
            mstate(so->module), AKT_ECLOSED, "the actor system was terminated");
    }
    akt_ref out;
    akt_err rc;
    Py_BEGIN_ALLOW_THREADS rc = akt_system_path_to_ref(sys, p, &out);
    Py_END_ALLOW_THREADS pyc_sys_leave((PyObject *)so);
    if (rc != AKT_OK) {
        return pyc_raise(mstate(so->module), rc, p);
    }
    return pyc_ref_new(mstate(so->module), (PyObject *)so, out);
}

static PyObject *
system_terminate(SystemObject *so, PyObject *unused)
{
    (void)unused;
    if (so->view) {
        return pyc_raise(mstate(so->module), AKT_ESTATE,
            "a subinterpreter's actors cannot terminate the system; the "
            "main interpreter's ActorSystem does");
    }
    if (so->sys == NULL) {
        Py_RETURN_NONE;
    }
    akt_err rc = akt_system_terminate(so->sys);
    if (rc != AKT_OK && rc != AKT_ECLOSED) {
        return pyc_raise(mstate(so->module), rc, "terminate");
    }
    Py_RETURN_NONE;
}

static PyObject *
system_await(SystemObject *so, PyObject *arg)
{
    double s = PyFloat_AsDouble(arg);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (so->sys == NULL) {
        Py_RETURN_TRUE;
    }
    if (pydisp_on_thread()) {
        PyErr_SetString(mstate(so->module)->errors[AKT_ESTATE],
            "cannot wait for termination on the Python actors' thread");
        return NULL;
    }
    akt_err rc;
    int64_t ns = secs_to_ns(s);
    Py_BEGIN_ALLOW_THREADS rc = akt_system_await_termination(so->sys, ns);
    Py_END_ALLOW_THREADS return PyBool_FromLong(rc == AKT_OK);
}

static PyObject *
system_free_m(SystemObject *so, PyObject *unused)
{
    (void)unused;
    if (so->view) {
        return pyc_raise(mstate(so->module), AKT_ESTATE,
            "a subinterpreter's actors cannot free the system");
    }
    if (pydisp_on_thread()) {
        PyErr_SetString(mstate(so->module)->errors[AKT_ESTATE],
            "cannot free the system on the Python actors' thread");
        return NULL;
    }
    system_release(so);
    Py_RETURN_NONE;
}

static PyObject *
system_stats(SystemObject *so, PyObject *unused)
{
    (void)unused;
    akt_system_stats_t s;
    if (system_live(so) < 0) {
        return NULL;
    }
    akt_err rc = akt_system_stats(so->sys, &s);
    if (rc != AKT_OK) {
        return pyc_raise(mstate(so->module), rc, "stats");
    }
    return Py_BuildValue("{s:L,s:L,s:K,s:L}", "live_actors",
        (long long)s.live_actors, "live_futures", (long long)s.live_futures,
        "dead_letters", (unsigned long long)s.dead_letters, "live_messages",
        (long long)s.live_messages);
}

static PyObject *
system_get_name(SystemObject *so, void *cl)
{
    (void)cl;
    return Py_NewRef(so->name);
}

static PyObject *
system_config_string(SystemObject *so, PyObject *path)
{
    const char *p = PyUnicode_AsUTF8(path);
    if (p == NULL || system_live(so) < 0) {
        return NULL;
    }
    char *out = NULL;
    akt_config *sub = NULL;
    akt_config_error err;
    const akt_config *cfg = akt_system_config(so->sys);
    const char *sv;
    if (akt_config_get_string(cfg, p, &sv, &err) == AKT_OK) {
        return PyUnicode_FromString(sv);
    }
    akt_err rc = akt_config_get_object(cfg, p, &sub, &err);
    if (rc == AKT_OK) {
        rc = akt_config_render(sub, AKT_CONFIG_RENDER_JSON, &out);
        akt_config_release(sub);
    }
    if (rc != AKT_OK) {
        return pyc_raise(mstate(so->module), rc, p);
    }
    PyObject *r = PyUnicode_FromString(out);
    free(out);
    return r;
}

/* config_origin(path): where the value at path came from ("file:line",
 * an environment variable, ...), or None */
static PyObject *
system_config_origin(SystemObject *so, PyObject *path)
{
    const char *p = PyUnicode_AsUTF8(path);
    if (p == NULL || system_live(so) < 0) {
        return NULL;
    }
    const char *o = akt_config_origin(akt_system_config(so->sys), p);
    if (o == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(o);
}

/* start_remote(listen=None, cookie=None, advertised=None): remoting for
 * this system (akt_remote_start) with the types of this process's
 * registry: every generated module's, every registered C type, and
 * akt.python.Pickled. None takes akt.remote.* from the configuration. */
static PyObject *
system_start_remote(SystemObject *so, PyObject *args, PyObject *kw)
{
    static char *kws[] = { "listen", "cookie", "advertised", NULL };
    const char *listen = NULL, *cookie = NULL, *adv = NULL;
    if (!PyArg_ParseTupleAndKeywords(
            args, kw, "|zzz", kws, &listen, &cookie, &adv)
        || system_live(so) < 0) {
        return NULL;
    }
    pyc_state *st = mstate(so->module);
    akt_remote_options o = {
        .listen_url = listen,
        .advertised_url = adv,
        .cookie = cookie,
        .registry = st->registry,
    };
    akt_err rc;
    Py_BEGIN_ALLOW_THREADS rc = akt_remote_start(so->sys, &o);
    Py_END_ALLOW_THREADS if (rc != AKT_OK)
    {
        return pyc_raise(st, rc,
            rc == AKT_EINVAL && listen == NULL
                ? "remoting: no listen URL (akt.remote.listen), or a bad "
                  "setting (see the log)"
                : listen);
    }
    Py_RETURN_NONE;
}

static PyObject *
system_remote_address(SystemObject *so, PyObject *unused)
{
    (void)unused;
    char buf[512];
    if (system_live(so) < 0) {
        return NULL;
    }
    akt_err rc = akt_remote_address(so->sys, buf, sizeof buf);
    if (rc != AKT_OK) {
        return pyc_raise(mstate(so->module), rc, "remote address");
    }
    return PyUnicode_FromString(buf);
}

/* ref_path(ref) -> str: the path other nodes reach ref under */
static PyObject *
system_ref_path(SystemObject *so, PyObject *ref)
{
    pyc_state *st = mstate(so->module);
    if (system_live(so) < 0) {
        return NULL;
    }
    if (!PyObject_TypeCheck(ref, st->ref_type)) {
        return PyErr_Format(PyExc_TypeError, "expected an ActorRef");
    }
    char buf[512];
    akt_system *sys = pyc_sys_enter((PyObject *)so);
    if (sys == NULL) {
        return pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
    }
    akt_err rc = akt_system_ref_to_path(sys, pyc_ref_get(ref), buf, sizeof buf);
    pyc_sys_leave((PyObject *)so);
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, "path");
    }
    return PyUnicode_FromString(buf);
}

/* _address() -> int: the akt_system *, for C extensions of this process
 * that spawn their own C actors in it (the tests' helper) */
static PyObject *
system_address(SystemObject *so, PyObject *unused)
{
    (void)unused;
    if (system_live(so) < 0) {
        return NULL;
    }
    return PyLong_FromVoidPtr(so->sys);
}

static PyMethodDef system_methods[] = {
    { "_address", (PyCFunction)system_address, METH_NOARGS, NULL },
    { "start_persistence", (PyCFunction)pyc_system_start_persistence,
        METH_NOARGS, NULL },
    { "events_by_tag", (PyCFunction)pyc_system_events_by_tag, METH_VARARGS,
        NULL },
    { "fileno", (PyCFunction)system_fileno, METH_NOARGS, NULL },
    { "subscribe", (PyCFunction)pyc_system_subscribe, METH_VARARGS, NULL },
    { "unsubscribe", (PyCFunction)pyc_system_unsubscribe, METH_VARARGS, NULL },
    { "publish", (PyCFunction)pyc_system_publish, METH_O, NULL },
    { "router", (PyCFunction)(void (*)(void))pyc_system_router,
        METH_VARARGS | METH_KEYWORDS, NULL },
    { "log_fileno", (PyCFunction)pyc_system_log_fileno, METH_NOARGS, NULL },
    { "drain_log", (PyCFunction)pyc_system_drain_log, METH_NOARGS, NULL },
    { "log", (PyCFunction)pyc_system_log, METH_VARARGS, NULL },
    { "_spawn_host", (PyCFunction)pyc_system_spawn_host, METH_VARARGS, NULL },
    { "_spawn_c_echo", (PyCFunction)pyc_system_spawn_c_echo, METH_VARARGS,
        NULL },
    { "start_remote", (PyCFunction)(void (*)(void))system_start_remote,
        METH_VARARGS | METH_KEYWORDS, NULL },
    { "remote_address", (PyCFunction)system_remote_address, METH_NOARGS, NULL },
    { "ref_path", (PyCFunction)system_ref_path, METH_O, NULL },
    { "drain", (PyCFunction)system_drain, METH_NOARGS, NULL },
    { "add_pool", (PyCFunction)system_add_pool, METH_VARARGS,
        "add_pool(name, workers): a python-nogil dispatcher" },
    { "spawn", (PyCFunction)system_spawn, METH_VARARGS, NULL },
    { "lookup", (PyCFunction)system_lookup, METH_O, NULL },
    { "terminate", (PyCFunction)system_terminate, METH_NOARGS, NULL },
    { "await_termination", (PyCFunction)system_await, METH_O, NULL },
    { "free", (PyCFunction)system_free_m, METH_NOARGS, NULL },
    { "_add_subinterpreters", (PyCFunction)system_add_subs, METH_VARARGS,
        NULL },
    { "_spawn_sub", (PyCFunction)system_spawn_sub, METH_VARARGS, NULL },
    { "_sub_ready", (PyCFunction)system_sub_ready, METH_NOARGS, NULL },
    { "_stopping", (PyCFunction)system_stopping, METH_NOARGS, NULL },
    { "_detach", (PyCFunction)system_detach, METH_NOARGS, NULL },
    { "stats", (PyCFunction)system_stats, METH_NOARGS, NULL },
    { "config_value", (PyCFunction)system_config_string, METH_O, NULL },
    { "config_origin", (PyCFunction)system_config_origin, METH_O, NULL },
    { NULL },
};
static PyGetSetDef system_getset[] = {
    { "name", (getter)system_get_name, NULL, NULL, NULL },
    { NULL },
};
static PyType_Slot system_slots[] = {
    { Py_tp_new, system_new },
    { Py_tp_dealloc, system_dealloc },
    { Py_tp_traverse, system_traverse },
    { Py_tp_methods, system_methods },
    { Py_tp_getset, system_getset },
    { 0, NULL },
};
static PyType_Spec system_spec = {
    "akt._core.System",
    sizeof(SystemObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    system_slots,
};

/* --- module functions ----------------------------------------------------- */

static PyObject *
mod_setup(PyObject *m, PyObject *args, PyObject *kw)
{
    static char *kws[] = { "record", "terminated", "future", "suspend",
        "failure", "frozenmap", "typed_ref", "dead_letter", "unhandled",
        "log_event", "receive_timeout", "emit_log", NULL };
    PyObject *rec, *term, *fut, *susp, *fail, *fmap, *tref, *dl, *un, *le, *rt,
        *el;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOOOOOOOOOO", kws, &rec, &term,
            &fut, &susp, &fail, &fmap, &tref, &dl, &un, &le, &rt, &el)) {
        return NULL;
    }
    pyc_state *st = mstate(m);
    if (!PyType_Check(fmap)
        || !PyType_IsSubtype((PyTypeObject *)fmap, &PyDict_Type)) {
        return PyErr_Format(
            PyExc_TypeError, "_setup: frozenmap is a dict type");
    }
    Py_XSETREF(st->frozenmap_cls, Py_NewRef(fmap));
    Py_XSETREF(st->typed_ref_cls, Py_NewRef(tref));
    Py_XSETREF(st->dead_letter_cls, Py_NewRef(dl));
    Py_XSETREF(st->unhandled_cls, Py_NewRef(un));
    Py_XSETREF(st->log_event_cls, Py_NewRef(le));
    Py_XSETREF(st->receive_timeout_cls, Py_NewRef(rt));
    Py_XSETREF(st->emit_log_fn, Py_NewRef(el));
    Py_XSETREF(st->record_cls, Py_NewRef(rec));
    Py_XSETREF(st->terminated_cls, Py_NewRef(term));
    Py_XSETREF(st->future_cls, Py_NewRef(fut));
    Py_XSETREF(st->suspend_fn, Py_NewRef(susp));
    Py_XSETREF(st->failure_fn, Py_NewRef(fail));
    Py_RETURN_NONE;
}

static PyObject *
mod_register_type(PyObject *m, PyObject *cap)
{
    const akt_type *t = PyCapsule_GetPointer(cap, "akt.type");
    if (t == NULL) {
        return NULL;
    }
    if (pyb_register_c(mstate(m), t) < 0) {
        return NULL;
    }
    akt_err rc = akt_registry_add(mstate(m)->registry, t);
    if (rc != AKT_OK) {
        return pyc_raise(mstate(m), rc, t->name);
    }
    return PyUnicode_FromString(t->name);
}

/* _set_current(ref or None) -> previous: the actor whose (resumed) handler
 * runs on this thread, for ask-self detection and the implicit sender */
static PyObject *
mod_set_current(PyObject *m, PyObject *ref)
{
    akt_ref prev = pyc_tls_self;
    if (ref == Py_None) {
        pyc_tls_self = AKT_REF_NONE;
    } else if (PyObject_TypeCheck(ref, mstate(m)->ref_type)) {
        pyc_tls_self = pyc_ref_get(ref);
    } else {
        return PyErr_Format(PyExc_TypeError, "expected an ActorRef or None");
    }
    return PyBool_FromLong(!akt_ref_is_none(prev));
}

static PyObject *
mod_schema_hash(PyObject *m, PyObject *cap)
{
    (void)m;
    const akt_type *t = PyCapsule_GetPointer(cap, "akt.type");
    if (t == NULL) {
        return NULL;
    }
    return PyLong_FromUnsignedLongLong(pyb_schema_hash(t));
}

static PyObject *
mod_live_messages(PyObject *m, PyObject *unused)
{
    (void)m;
    (void)unused;
    return PyLong_FromLong(0);
}

static PyMethodDef mod_methods[] = {
    { "_setup", (PyCFunction)(void (*)(void))mod_setup,
        METH_VARARGS | METH_KEYWORDS, NULL },
    { "register_type", (PyCFunction)mod_register_type, METH_O,
        "register_type(capsule 'akt.type') -> name: Records of it become "
        "messages" },
    { "_set_current", (PyCFunction)mod_set_current, METH_O, NULL },
    { "_view", (PyCFunction)mod_view, METH_O, NULL },
    { "bind_module", (PyCFunction)pyb_bind_module, METH_VARARGS,
        "bind_module(module_name, messages, enums): called at the end of a "
        "module made by aktc --py_out (docs/python.md)" },
    { "_bench_convert", (PyCFunction)pyc_bench_convert, METH_VARARGS, NULL },
    { "encode", (PyCFunction)pyb_encode, METH_O,
        "encode(msg) -> bytes: msgpack, the same bytes as C's encoder" },
    { "decode", (PyCFunction)pyb_decode, METH_VARARGS,
        "decode(cls, data) -> msg: msgpack bytes to a message of cls" },
    { "schema_hash", (PyCFunction)mod_schema_hash, METH_O,
        "schema_hash(capsule 'akt.type') -> int: FNV-1a 64 of the "
        "descriptor's field table, as aktc --py_out computes it" },
    { "_unused", (PyCFunction)mod_live_messages, METH_NOARGS, NULL },
    { NULL },
};

static int
mod_exec(PyObject *m)
{
    pyc_state *st = mstate(m);
    /* one copy per interpreter (python-subinterpreter-pool, 3.12+): its
     * objects live in this module's state; what is process-wide (akt's
     * type ids, the dispatchers' thread-locals) is the same for every
     * copy or per thread (the wrapped runtime behaviours of persistent
     * actors hold no Python object). */
    st->interp = PyInterpreterState_Get();
#if PY_VERSION_HEX < 0x030C0000
    if (st->interp != PyInterpreterState_Main()) {
        PyErr_SetString(PyExc_ImportError,
            "akt._core loads in a subinterpreter only on CPython 3.12+ "
            "(PEP 684)");
        return -1;
    }
#endif
    pyc_object_type.id = akt_type_id(pyc_object_type.name);
    pyc_worker_died_type.id = akt_type_id(pyc_worker_died_type.name);
    pyc_worker_started_type.id = akt_type_id(pyc_worker_started_type.name);
    if (akt_registry_new(&st->registry) != AKT_OK
        || akt_registry_add(st->registry, &pyc_object_type) != AKT_OK) {
        PyErr_NoMemory();
        return -1;
    }
    if (errors_init(m, st) < 0) {
        return -1;
    }
    st->system_type
        = (PyTypeObject *)PyType_FromModuleAndSpec(m, &system_spec, NULL);
    st->ref_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &ref_spec, NULL);
    st->future_type
        = (PyTypeObject *)PyType_FromModuleAndSpec(m, &future_spec, NULL);
    st->ctx_type = (PyTypeObject *)PyType_FromModuleAndSpec(m, &ctx_spec, NULL);
    st->pending_type
        = (PyTypeObject *)PyType_FromModuleAndSpec(m, &pending_spec, NULL);
    st->message_type
        = (PyTypeObject *)PyType_FromModuleAndSpec(m, &pyb_message_spec, NULL);
    if (!st->system_type || !st->ref_type || !st->future_type || !st->ctx_type
        || !st->pending_type || !st->message_type) {
        return -1;
    }
    if (PyModule_AddType(m, st->message_type) < 0) {
        return -1;
    }
    if (PyModule_AddType(m, st->system_type) < 0
        || PyModule_AddType(m, st->ref_type) < 0
        || PyModule_AddType(m, st->future_type) < 0
        || PyModule_AddType(m, st->ctx_type) < 0) {
        return -1;
    }
    return 0;
}

static int
mod_traverse(PyObject *m, visitproc visit, void *arg)
{
    pyc_state *st = mstate(m);
    Py_VISIT(st->error);
    Py_VISIT(st->ask_self);
    for (int i = 0; i < 64; i++) {
        Py_VISIT(st->errors[i]);
    }
    Py_VISIT(st->system_type);
    Py_VISIT(st->ref_type);
    Py_VISIT(st->future_type);
    Py_VISIT(st->ctx_type);
    Py_VISIT(st->pending_type);
    Py_VISIT(st->record_cls);
    Py_VISIT(st->terminated_cls);
    Py_VISIT(st->future_cls);
    Py_VISIT(st->suspend_fn);
    Py_VISIT(st->failure_fn);
    Py_VISIT(st->message_type);
    Py_VISIT(st->frozenmap_cls);
    Py_VISIT(st->typed_ref_cls);
    Py_VISIT(st->schema_mismatch);
    Py_VISIT(st->dead_letter_cls);
    Py_VISIT(st->unhandled_cls);
    Py_VISIT(st->log_event_cls);
    Py_VISIT(st->receive_timeout_cls);
    Py_VISIT(st->emit_log_fn);
    return pyb_traverse(st, visit, arg);
}

static int
mod_clear(PyObject *m)
{
    pyc_state *st = mstate(m);
    Py_CLEAR(st->error);
    Py_CLEAR(st->ask_self);
    for (int i = 0; i < 64; i++) {
        Py_CLEAR(st->errors[i]);
    }
    Py_CLEAR(st->system_type);
    Py_CLEAR(st->ref_type);
    Py_CLEAR(st->future_type);
    Py_CLEAR(st->ctx_type);
    Py_CLEAR(st->pending_type);
    Py_CLEAR(st->record_cls);
    Py_CLEAR(st->terminated_cls);
    Py_CLEAR(st->future_cls);
    Py_CLEAR(st->suspend_fn);
    Py_CLEAR(st->failure_fn);
    pyb_clear(st);
    Py_CLEAR(st->message_type);
    Py_CLEAR(st->frozenmap_cls);
    Py_CLEAR(st->typed_ref_cls);
    Py_CLEAR(st->schema_mismatch);
    Py_CLEAR(st->dead_letter_cls);
    Py_CLEAR(st->unhandled_cls);
    Py_CLEAR(st->log_event_cls);
    Py_CLEAR(st->receive_timeout_cls);
    Py_CLEAR(st->emit_log_fn);
    return 0;
}

static void
mod_free(void *m)
{
    pyc_state *st = mstate(m);
    mod_clear(m);
    /* the registry stays: messages of live systems may still name types */
    (void)st;
}

static PyModuleDef_Slot mod_slots[] = {
    { Py_mod_exec, mod_exec },
#if PY_VERSION_HEX >= 0x030C0000
    { Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED },
#endif
#if defined(Py_GIL_DISABLED)
    /* free-threaded (3.13t): state shared between threads is ordered by
     * critical sections (the System's), the runtime's locks, atomics, or
     * belongs to one actor at a time (docs/python.md, "python-nogil") */
    { Py_mod_gil, Py_MOD_GIL_NOT_USED },
#endif
    { 0, NULL },
};

struct PyModuleDef pyc_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "akt._core",
    .m_doc = "akt._core: the C side of the akt package (see docs/python.md)",
    .m_size = sizeof(pyc_state),
    .m_methods = mod_methods,
    .m_slots = mod_slots,
    .m_traverse = mod_traverse,
    .m_clear = mod_clear,
    .m_free = mod_free,
};

PyMODINIT_FUNC
PyInit__core(void)
{
    return PyModuleDef_Init(&pyc_module_def);
}
