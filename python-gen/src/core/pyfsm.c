/*
 * pyfsm.c -- Python fsm actors: the <Actor>Actor classes aktc --py_out
 * makes for actors with an fsm block (akt.FsmActor), run by the kit's FSM
 * runtime (akt/fsm.h) as aktc's C fsms are.
 *
 * A props record of an FsmActor class gets a definition built from the
 * class's table (FsmActor._akt_fsm_table: per state its name, a dict from
 * message class to (handler, line index), the timeout line, on_enter /
 * on_exit). Every state's catch-all (fsm_line) converts the message, finds
 * its line, chooses the line's transition (akt_fsm_goto, or stay for
 * `on M;`) and runs the handler like any Python handler
 * (pyc_run_behavior: the return value replies, a coroutine that suspends
 * finishes as a task). The runtime then makes the transition: on_exit,
 * on_transition, on_enter, the new state's timeout. ctx.goto may name only
 * the line's target (the .akt file's lines are the whole machine), as the
 * generated C glue checks after a handler. The hooks return nothing to the
 * runtime, so one that raises marks the shim and the behaviour's catch-all
 * (fsm_receive) fails the actor after the transition.
 *
 * A handler that suspends (an await) decides its transition when its task
 * ends, not when it first suspends: fsm_line makes none then (stay), the
 * shim keeps the choice so far (PYFSM_WAIT: ctx.goto / stay after an await
 * change it, checked against the same line), and when the task returns
 * (pyc_fsm_finish) a private resume message goes ahead of everything the
 * parked actor has queued, so the runtime makes the transition -- hooks,
 * the new state's timeout -- before the actor's next message, as if the
 * handler had returned then. A task that fails makes none (the actor
 * fails). An epoch per suspension makes a resume that outlived a restart
 * harmless.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#include "akt/fsm.h"
#include "pycore.h"
#include "pydisp.h"

/* PyType_Slot-style casts of METH functions: CPython's own pattern */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

/* the transition of a suspended handler, made now (local only) */
typedef struct fsm_resume {
    uint32_t epoch;
} fsm_resume;

static const akt_type fsm_resume_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.python.FsmResume",
    .size = sizeof(fsm_resume),
    .align = _Alignof(fsm_resume),
    .doc = "a Python fsm handler that awaited returned: make its transition",
};

typedef struct pyfsm_st {
    char *name; /* "Closed" */
    PyObject *lines; /* dict: message class -> (function, line index) */
    pyc_line *line;
    size_t nline;
    PyObject *tmo_fn; /* the timeout line's handler, or NULL */
    pyc_line tmo_line;
    PyObject *enter, *exit; /* functions, or NULL */
} pyfsm_st;

typedef struct pyfsm {
    akt_fsm_def def;
    akt_fsm_state *states;
    pyfsm_st *st;
    size_t n;
    char *qname;
    PyObject *enum_cls;
    PyObject *trans; /* on_transition, or NULL when not overridden */
    int policy; /* FsmActor.fsm_unhandled: log, dead-letter, fail, ignore */
} pyfsm;

/* a state number as the generated IntEnum (None for -1) */
static PyObject *
state_value(const pyfsm *f, int s)
{
    if (s < 0) {
        Py_RETURN_NONE;
    }
    return PyObject_CallFunction(f->enum_cls, "i", s);
}

/* call a hook fn(actor, ctx, a1[, a2]) with the GIL held; an exception
 * (or a coroutine: hooks cannot suspend) marks the shim, whose actor then
 * fails (fsm_receive, fsm_start) */
static void
fsm_hook(shim *s, akt_ctx *ctx, PyObject *fn, PyObject *a1, PyObject *a2,
    const char *what)
{
    pyc_state *st = s->rec->st;
    CtxObject *c = pyc_ctx_new(st, s->rec->system, ctx);
    PyObject *r = NULL;
    if (c != NULL && a1 != NULL) {
        c->shim = s;
        akt_ref prev = pyc_tls_self;
        pyc_tls_self = c->self;
        PyObject *args[4] = { s->actor, (PyObject *)c, a1, a2 };
        r = PyObject_Vectorcall(fn, args, a2 ? 4 : 3, NULL);
        pyc_tls_self = prev;
        if (r != NULL && PyCoro_CheckExact(r)) {
            PyObject *close = PyObject_CallMethod(r, "close", NULL);
            Py_XDECREF(close);
            Py_CLEAR(r);
            PyErr_Format(PyExc_TypeError,
                "%s is an async def: fsm hooks must be plain functions", what);
        }
        c->ctx = NULL;
        c->shim = NULL;
    }
    if (r == NULL && !s->hook_failed) {
        char buf[160];
        pyc_exc_text(st, s->actor, buf, sizeof buf, &s->last_exc);
        s->hook_failed = true;
        snprintf(s->hook_why, sizeof s->hook_why, "%s in %s", buf, what);
    }
    PyErr_Clear();
    Py_XDECREF(r);
    Py_XDECREF(c);
}

static void
fsm_enter(void *data, akt_ctx *ctx, int from)
{
    shim *s = data;
    pyfsm *f = s->rec->fsm;
    int cur = akt_fsm_state_of(ctx);
    if (s->actor == NULL || s->hook_failed || cur < 0
        || f->st[cur].enter == NULL) {
        return;
    }
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    PyObject *v = state_value(f, from);
    char what[96];
    snprintf(what, sizeof what, "%s on_enter", f->st[cur].name);
    fsm_hook(s, ctx, f->st[cur].enter, v, NULL, what);
    Py_XDECREF(v);
    pyc_gil_release(&g);
}

static void
fsm_exit(void *data, akt_ctx *ctx, int to)
{
    shim *s = data;
    pyfsm *f = s->rec->fsm;
    int cur = akt_fsm_state_of(ctx);
    if (s->actor == NULL || s->hook_failed || cur < 0
        || f->st[cur].exit == NULL) {
        return;
    }
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    PyObject *v = state_value(f, to);
    char what[96];
    snprintf(what, sizeof what, "%s on_exit", f->st[cur].name);
    fsm_hook(s, ctx, f->st[cur].exit, v, NULL, what);
    Py_XDECREF(v);
    pyc_gil_release(&g);
}

static void
fsm_transition(void *data, akt_ctx *ctx, int from, int to)
{
    shim *s = data;
    pyfsm *f = s->rec->fsm;
    if (s->actor == NULL || s->hook_failed || f->trans == NULL) {
        return;
    }
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    PyObject *a = state_value(f, from);
    PyObject *b = a ? state_value(f, to) : NULL;
    fsm_hook(s, ctx, f->trans, a, b, "on_transition");
    Py_XDECREF(a);
    Py_XDECREF(b);
    pyc_gil_release(&g);
}

static akt_err
fsm_on_start(void *data, akt_ctx *ctx)
{
    return pyc_call_hook(data, ctx, "pre_start");
}

static void
fsm_on_stop(void *data, akt_ctx *ctx, int state)
{
    (void)state;
    (void)pyc_call_hook(data, ctx, "post_stop");
}

/* a message the current state has no line for: the class's policy */
static akt_err
fsm_unhandled(pyfsm *f, akt_ctx *ctx, const void *msg, PyObject *m, int cur)
{
    const char *tn = Py_TYPE(m)->tp_name;
    switch (f->policy) {
    case 1: { /* dead-letter */
        void *keep = akt_msg_retain(msg);
        if (akt_system_publish_dead_letter(
                akt_ctx_system(ctx), akt_ctx_self(ctx), keep, AKT_EUNHANDLED)
            != AKT_OK) {
            akt_msg_free(keep);
        }
        return AKT_OK;
    }
    case 2: /* fail */
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "%s: %s unhandled in state %s",
            f->qname, tn, f->st[cur].name);
    case 3: /* ignore */
        return AKT_OK;
    default:
        akt_ctx_log(ctx, AKT_LOG_WARNING, "%s: %s unhandled in state %s",
            f->qname, tn, f->st[cur].name);
        return AKT_OK;
    }
}

/* the transition s->fsm_next (and its timeout) as the runtime's */
static void
fsm_choose(shim *s, akt_ctx *ctx)
{
    if (s->fsm_next < 0) {
        (void)akt_fsm_stay(ctx);
    } else if (s->fsm_has_tmo) {
        (void)akt_fsm_goto_for(ctx, s->fsm_next, s->fsm_tmo_ns);
    } else {
        (void)akt_fsm_goto(ctx, s->fsm_next);
    }
}

uint32_t
pyc_fsm_suspended(shim *s, akt_ctx *ctx, CtxObject *c)
{
    s->fsm_phase = PYFSM_WAIT;
    s->fsm_epoch++;
    s->fsm_cur = akt_fsm_state_of(ctx);
    c->fsm_line = c->line;
    c->fsm_epoch = s->fsm_epoch;
    return s->fsm_epoch;
}

/* the shim of self waiting for the transition of suspension epoch, or NULL
 * (GIL held: the actor is parked, or runs on the loop's thread under it) */
static shim *
fsm_waiting(akt_ref self, uint32_t epoch, uint8_t phase)
{
    shim *s = pyc_shim_of(self);
    if (s == NULL || s->rec->fsm == NULL || s->fsm_phase != phase
        || s->fsm_epoch != epoch) {
        return NULL;
    }
    return s;
}

void
pyc_fsm_finish(akt_ref self, uint32_t epoch, bool done)
{
    shim *s = fsm_waiting(self, epoch, PYFSM_WAIT);
    if (s == NULL) {
        return;
    }
    s->fsm_phase = PYFSM_IDLE;
    if (!done) {
        return; /* a failed handler makes no transition */
    }
    fsm_resume *m = akt_msg_new(&fsm_resume_type, 0);
    if (m == NULL) {
        return;
    }
    m->epoch = epoch;
    if (!pydisp_requeue_front(self, m)) {
        akt_msg_free(m);
        return;
    }
    s->fsm_phase = PYFSM_QUEUED;
}

/* every state's catch-all: find the message's line and run its handler
 * with the line's transition chosen */
static akt_err
fsm_line(void *data, akt_ctx *ctx, const void *msg)
{
    shim *s = data;
    pyfsm *f = s->rec->fsm;
    int cur = akt_fsm_state_of(ctx);
    if (akt_msg_type(msg) == &fsm_resume_type) {
        /* a suspended handler's task returned: its transition, now (a
         * stale one, from before a restart, makes none) */
        if (s->fsm_phase == PYFSM_QUEUED
            && s->fsm_epoch == ((const fsm_resume *)msg)->epoch) {
            s->fsm_phase = PYFSM_IDLE;
            fsm_choose(s, ctx);
        } else {
            (void)akt_fsm_stay(ctx);
        }
        return AKT_OK;
    }
    if (s->actor == NULL || cur < 0) {
        return pyc_shim_start_failed(s, ctx);
    }
    pyfsm_st *st = &f->st[cur];
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    akt_err rc = AKT_OK;
    PyObject *m = NULL, *fn = NULL;
    const pyc_line *line = NULL;
    if (akt_msg_type(msg) == &akt_state_timeout_type) {
        fn = st->tmo_fn;
        line = &st->tmo_line;
        if (fn == NULL) {
            goto out; /* no timeout line: the runtime arms none */
        }
    } else {
        m = pyc_from_msg(s->rec->st, s->rec->system, msg);
        PyObject *entry = m
            ? PyDict_GetItemWithError(st->lines, (PyObject *)Py_TYPE(m))
            : NULL;
        if (entry == NULL) {
            if (PyErr_Occurred()) {
                char buf[256];
                pyc_exc_text(
                    s->rec->st, s->actor, buf, sizeof buf, &s->last_exc);
                rc = akt_ctx_fail(ctx, AKT_EFAILED, "%s", buf);
            } else {
                rc = fsm_unhandled(f, ctx, msg, m, cur);
            }
            goto out;
        }
        fn = PyTuple_GET_ITEM(entry, 0);
        line = &st->line[PyLong_AsSsize_t(PyTuple_GET_ITEM(entry, 1))];
    }
    s->fsm_next = line->target;
    s->fsm_has_tmo = false;
    fsm_choose(s, ctx);
    rc = pyc_run_behavior(s, ctx, fn, s->actor, m, line);
    if (s->fsm_phase == PYFSM_WAIT) {
        if (rc == AKT_OK) {
            (void)akt_fsm_stay(ctx); /* decided when its task ends */
        } else {
            s->fsm_phase = PYFSM_IDLE;
        }
    }
out:
    Py_XDECREF(m);
    pyc_gil_release(&g);
    return rc;
}

/* the behaviour's catch-all: the runtime, then a hook's failure */
static akt_err
fsm_receive(void *data, akt_ctx *ctx, const void *msg)
{
    shim *s = data;
    s->hook_failed = false;
    akt_err rc = akt_fsm_receive(data, ctx, msg);
    if (rc == AKT_OK && s->hook_failed) {
        s->hook_failed = false;
        return akt_ctx_fail(ctx, AKT_EFAILED, "%s", s->hook_why);
    }
    return rc;
}

static akt_err
fsm_start(void *data, akt_ctx *ctx)
{
    shim *s = data;
    if (s->actor == NULL) {
        return pyc_shim_start_failed(s, ctx);
    }
    s->hook_failed = false;
    akt_err rc = akt_fsm_start(&s->rec->fsm->def, data, ctx);
    if (rc == AKT_OK && s->hook_failed) {
        s->hook_failed = false;
        return akt_ctx_fail(ctx, AKT_EFAILED, "%s", s->hook_why);
    }
    return rc;
}

static akt_err
fsm_restarted(void *data, akt_ctx *ctx, akt_err reason)
{
    (void)reason;
    return fsm_start(data, ctx); /* fresh instance, initial state */
}

const akt_behavior pyc_fsm_behavior = {
    .name = "python-fsm",
    .unhandled = fsm_receive,
};

const akt_lifecycle pyc_fsm_lifecycle = {
    .pre_start = fsm_start,
    .post_restart = fsm_restarted,
    .post_stop = akt_fsm_stopped,
};

void
pyc_fsm_free(props_rec *rec)
{
    pyfsm *f = rec->fsm;
    if (f == NULL) {
        return;
    }
    for (size_t i = 0; i < f->n; i++) {
        pyfsm_st *st = &f->st[i];
        free(st->name);
        Py_XDECREF(st->lines);
        for (size_t k = 0; k < st->nline; k++) {
            Py_XDECREF(st->line[k].text);
        }
        free(st->line);
        Py_XDECREF(st->tmo_fn);
        Py_XDECREF(st->tmo_line.text);
        Py_XDECREF(st->enter);
        Py_XDECREF(st->exit);
    }
    free(f->st);
    free(f->states);
    free(f->qname);
    Py_XDECREF(f->enum_cls);
    Py_XDECREF(f->trans);
    free(f);
    rec->fsm = NULL;
}

static char *
dup_utf8(PyObject *o)
{
    const char *s = PyUnicode_AsUTF8(o);
    char *d = s ? strdup(s) : NULL;
    if (s && d == NULL) {
        PyErr_NoMemory();
    }
    return d;
}

/* one state: (name, {cls: (fn, target, text)}, timeout or None, enter,
 * exit) */
static int
build_state(pyfsm *f, size_t i, PyObject *row)
{
    pyfsm_st *st = &f->st[i];
    PyObject *name, *table, *tmo, *enter, *exit;
    if (!PyArg_ParseTuple(
            row, "UO!OOO", &name, &PyDict_Type, &table, &tmo, &enter, &exit)) {
        return -1;
    }
    if ((st->name = dup_utf8(name)) == NULL
        || (st->lines = PyDict_New()) == NULL) {
        return -1;
    }
    Py_ssize_t n = PyDict_GET_SIZE(table), pos = 0, k = 0;
    st->line = calloc(n ? (size_t)n : 1, sizeof *st->line);
    if (st->line == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *cls, *val;
    while (PyDict_Next(table, &pos, &cls, &val)) {
        PyObject *fn, *text;
        int target;
        if (!PyArg_ParseTuple(val, "OiU", &fn, &target, &text)) {
            return -1;
        }
        if (target < -1 || (target >= 0 && (size_t)target >= f->n)) {
            PyErr_Format(PyExc_ValueError,
                "%s: a line of state %s goes to "
                "state %d, which does not exist",
                f->qname, st->name, target);
            return -1;
        }
        st->line[k] = (pyc_line) { target, Py_NewRef(text), f };
        st->nline = (size_t)++k;
        PyObject *entry = Py_BuildValue("(On)", fn, k - 1);
        if (entry == NULL || PyDict_SetItem(st->lines, cls, entry) < 0) {
            Py_XDECREF(entry);
            return -1;
        }
        Py_DECREF(entry);
    }
    long long ns = 0;
    if (tmo != Py_None) {
        PyObject *fn, *text;
        int target;
        if (!PyArg_ParseTuple(tmo, "LOiU", &ns, &fn, &target, &text)) {
            return -1;
        }
        if (ns <= 0 || target < 0 || (size_t)target >= f->n) {
            PyErr_Format(PyExc_ValueError,
                "%s: the timeout of state %s is not valid", f->qname, st->name);
            return -1;
        }
        st->tmo_fn = Py_NewRef(fn);
        st->tmo_line = (pyc_line) { target, Py_NewRef(text), f };
    }
    st->enter = enter == Py_None ? NULL : Py_NewRef(enter);
    st->exit = exit == Py_None ? NULL : Py_NewRef(exit);
    f->states[i] = (akt_fsm_state) {
        .name = st->name,
        .unhandled = fsm_line,
        .on_enter = fsm_enter,
        .on_exit = fsm_exit,
        .timeout_ns = ns,
    };
    return 0;
}

int
pyc_fsm_props(props_rec *rec, PyObject *table)
{
    PyObject *qname, *enum_cls, *trans, *states;
    int initial, policy;
    if (!PyArg_ParseTuple(table, "UOiiOO!", &qname, &enum_cls, &initial,
            &policy, &trans, &PyTuple_Type, &states)) {
        return -1;
    }
    size_t n = (size_t)PyTuple_GET_SIZE(states);
    pyfsm *f = calloc(1, sizeof *f);
    if (f == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    rec->fsm = f;
    f->n = n;
    f->enum_cls = Py_NewRef(enum_cls);
    f->trans = trans == Py_None ? NULL : Py_NewRef(trans);
    f->policy = policy;
    f->st = calloc(n ? n : 1, sizeof *f->st);
    f->states = calloc(n ? n : 1, sizeof *f->states);
    if ((f->qname = dup_utf8(qname)) == NULL || f->st == NULL
        || f->states == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        return -1; /* pyc_fsm_free at the system's end frees the rest */
    }
    if (n == 0 || initial < 0 || (size_t)initial >= n) {
        PyErr_Format(
            PyExc_ValueError, "%s: no states, or no initial state", f->qname);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (build_state(f, i, PyTuple_GET_ITEM(states, (Py_ssize_t)i)) < 0) {
            return -1;
        }
    }
    f->def = (akt_fsm_def) {
        .name = f->qname,
        .states = f->states,
        .nstates = n,
        .initial = initial,
        .on_transition = fsm_transition,
        .on_start = fsm_on_start,
        .on_stop = fsm_on_stop,
    };
    rec->props.behavior = &pyc_fsm_behavior;
    rec->props.behavior_arg = f;
    rec->props.lifecycle = &pyc_fsm_lifecycle;
    return 0;
}

/* --- ctx: goto, stay, state ------------------------------------------------
 */

/* after an await: the shim whose transition c's handler still decides, or
 * NULL + akt.InvalidState */
static shim *
fsm_after_await(CtxObject *c, const char *what)
{
    shim *s = fsm_waiting(c->self, c->fsm_epoch, PYFSM_WAIT);
    if (s == NULL) {
        PyErr_Format(c->st->errors[AKT_ESTATE],
            "ctx.%s: the handler's transition was already made (its task "
            "ended) or the actor stopped",
            what);
    }
    return s;
}

PyObject *
pyc_ctx_goto(CtxObject *c, PyObject *args, PyObject *kw)
{
    static char *kws[] = { "state", "timeout", NULL };
    int state;
    PyObject *tmo = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "i|O", kws, &state, &tmo)) {
        return NULL;
    }
    shim *s = NULL;
    const pyc_line *line = c->line;
    int cur = -1;
    if (c->ctx == NULL && c->fsm_line != NULL) {
        if ((s = fsm_after_await(c, "goto")) == NULL) {
            return NULL;
        }
        line = c->fsm_line;
        cur = s->fsm_cur;
    } else if (pyc_ctx_live(c, "goto") < 0) {
        return NULL;
    } else {
        s = c->shim;
        cur = akt_fsm_state_of(c->ctx);
    }
    if (line == NULL) {
        return PyErr_Format(c->st->errors[AKT_ESTATE],
            "ctx.goto: only in the handler of an fsm line (on M -> T, "
            "timeout D -> T)");
    }
    const pyfsm *f = line->fsm;
    if (state < 0 || (size_t)state >= f->n) {
        return PyErr_Format(c->st->errors[AKT_EINVAL],
            "%s: ctx.goto(%d): no such state", f->qname, state);
    }
    if (state != line->target) {
        return PyErr_Format(c->st->errors[AKT_EINVAL],
            "%s: '%U' in state %s cannot go to %s (not declared)", f->qname,
            line->text, cur >= 0 ? f->st[cur].name : "?", f->st[state].name);
    }
    int64_t ns = 0;
    if (tmo != Py_None) {
        double secs = PyFloat_AsDouble(tmo);
        if (PyErr_Occurred()) {
            return NULL;
        }
        if (!(secs >= 0) || secs > 9.0e9) {
            return PyErr_Format(PyExc_ValueError,
                "ctx.goto: timeout: expected seconds >= 0, got %R", tmo);
        }
        ns = (int64_t)(secs * 1e9);
    }
    if (c->ctx != NULL) {
        akt_err rc = tmo == Py_None ? akt_fsm_goto(c->ctx, state)
                                    : akt_fsm_goto_for(c->ctx, state, ns);
        if (rc != AKT_OK) {
            return pyc_raise(c->st, rc, "goto");
        }
    }
    if (s != NULL) { /* (what a suspension keeps, or makes later) */
        s->fsm_next = state;
        s->fsm_has_tmo = tmo != Py_None;
        s->fsm_tmo_ns = ns;
    }
    Py_RETURN_NONE;
}

PyObject *
pyc_ctx_stay(CtxObject *c, PyObject *unused)
{
    (void)unused;
    shim *s = NULL;
    if (c->ctx == NULL && c->fsm_line != NULL) {
        if ((s = fsm_after_await(c, "stay")) == NULL) {
            return NULL;
        }
    } else if (pyc_ctx_live(c, "stay") < 0) {
        return NULL;
    } else if (c->line == NULL) {
        return PyErr_Format(c->st->errors[AKT_ESTATE],
            "ctx.stay: only in the handler of an fsm line");
    } else {
        akt_err rc = akt_fsm_stay(c->ctx);
        if (rc != AKT_OK) {
            return pyc_raise(c->st, rc, "stay");
        }
        s = c->shim;
    }
    if (s != NULL) {
        s->fsm_next = -1;
        s->fsm_has_tmo = false;
    }
    Py_RETURN_NONE;
}

PyObject *
pyc_ctx_get_state(CtxObject *c, void *closure)
{
    (void)closure;
    if (c->ctx == NULL && c->fsm_line != NULL) {
        /* after an await: the state the handler began in, until its
         * transition */
        shim *s = fsm_after_await(c, "state");
        return s ? state_value(s->rec->fsm, s->fsm_cur) : NULL;
    }
    if (c->shim == NULL || c->shim->rec->fsm == NULL) {
        Py_RETURN_NONE;
    }
    if (pyc_ctx_live(c, "state") < 0) {
        return NULL;
    }
    return state_value(c->shim->rec->fsm, akt_fsm_state_of(c->ctx));
}
