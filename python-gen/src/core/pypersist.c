/*
 * pypersist.c -- Python persistent actors: the <Actor>Actor classes aktc
 * --py_out makes for `persistent actor`s (akt.PersistentActor), run by
 * libakt's persistent actors (akt/persistence.h) as aktc's C ones are.
 *
 * A props record of a PersistentActor class gets an akt_persistent_def
 * whose user state is the shim (the Python instance; its offset in the
 * actor's state is the props' state size less the shim's), whose
 * catch-all command handler is the Python actor's (TypedActor.handle picks
 * on_<command>), and whose apply, snapshot and recovery hooks call the
 * class's apply_<event>, snapshot_offer / snapshot_take,
 * recovery_completed, ... with the GIL (they run on the Python actors'
 * thread, like every other handler of the actor). The persistence id is
 * "<pkg.Actor>|<name>", as for aktc's C actors.
 *
 * ctx.persist / persist_all (and _async) convert the events to their akt
 * structs and call akt_persist_all(_async) with one done function; the
 * Python callbacks wait in the shim's queue (pq) in persist order, which
 * is the order the runtime completes writes in, so done pops them; a
 * rejected or failed write drops its entry. The runtime's void hooks
 * cannot fail the actor, so a Python exception in one marks the shim and
 * the wrappers of the behaviour and of pre_start (pp_receive, pp_start)
 * fail the actor afterwards, with the exception kept for its supervisor.
 *
 * A persist callback may be a coroutine: one that really suspends parks
 * the actor's cell (no command until it ends) and the callbacks of the
 * same turn after it wait in the shim's cb_chain, which its task runs in
 * order (pyc_park_chain). Tags (the class's tags(event)) are computed
 * before akt_persist_all, which takes them through tags_of while it
 * encodes the write; snapshot_when(event, seq) and the recovery bounds
 * map to the definition's fields.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "akt/persistence.h"
#include "pycore.h"

typedef struct pypersist {
    akt_persistent_def def; /* first: the behavior_arg is &def */
    size_t shim_off; /* where the shim is in the actor's state */
    char *qname, *prefix;
    PyObject *apply; /* dict: event class -> apply function */
    PyObject *names; /* str: the event classes' akt names, for errors */
    PyObject *snap_cls, *offer, *take; /* or NULL */
    PyObject *when, *tags; /* snapshot_when, tags: functions, or NULL */
} pypersist;

/* the tags of the events of the persist being made (persist(): computed
 * before akt_persist_all, which asks tags_of for them in order) */
typedef struct tag_call {
    const char **v; /* n * AKT_PERSIST_MAX_TAGS */
    size_t *nv;
    size_t i, n;
} tag_call;
static _Thread_local tag_call *cur_tags;

/* the runtime's behaviour and lifecycle, which ours wrap (set with the
 * first props, wrap_runtime, before any such actor exists) */
static const akt_behavior *p_beh;
static const akt_lifecycle *p_life;
static akt_lifecycle pp_lifecycle;

shim *
pyc_persist_shim(const void *def, void *state)
{
    const pypersist *pp = (const pypersist *)def;
    return (shim *)(void *)((char *)state + pp->shim_off);
}

static pypersist *
pp_of(shim *s)
{
    return s->rec->persist;
}

/* the first failure of a hook: kept (with the current exception, if
 * any) until the wrapper fails the actor */
static void
mark_failed(shim *s, const char *fmt, ...)
{
    if (s->hook_failed) {
        PyErr_Clear();
        return;
    }
    char buf[160] = "";
    if (PyErr_Occurred()) {
        pyc_exc_text(s->rec->st, s->actor, buf, sizeof buf, &s->last_exc);
    }
    char what[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    s->hook_failed = true;
    /* hook_why: the exception's text, " in ", what. When it does not all
     * fit, the exception's text is cut (ending in "...") and what stays
     * whole: at least 100 bytes of the exception's text are kept. */
    _Static_assert(sizeof s->hook_why >= sizeof what + 4 + 100,
        "hook_why holds what, \" in \" and 100 bytes of the exception");
    size_t wl = strlen(what);
    size_t sep = *buf ? 4 : 0;
    size_t room = sizeof s->hook_why - 1 - sep - wl;
    size_t bl = strlen(buf);
    char *p = s->hook_why;
    if (bl > room) {
        memcpy(p, buf, room - 3);
        memcpy(p + room - 3, "...", 3);
        p += room;
    } else {
        memcpy(p, buf, bl);
        p += bl;
    }
    memcpy(p, " in ", sep);
    memcpy(p + sep, what, wl + 1);
}

/* the akt error of code rc with text why, as an exception instance */
static PyObject *
error_of(pyc_state *st, akt_err rc, const char *why)
{
    PyObject *cls
        = (rc > 0 && rc < 64 && st->errors[rc]) ? st->errors[rc] : st->error;
    return PyObject_CallFunction(
        cls, "s", why && *why ? why : akt_strerror(rc));
}

static void call_ctx_park(shim *s, akt_ctx *ctx, PyObject *fn, PyObject *a,
    PyObject *b, PyObject *c3, bool reply, bool may_park, const char *what);

/* fn(ctx, a[, b[, c]]) with a ctx for the actor (GIL held); reply: a
 * result other than None answers the sender of the command that
 * persisted. A coroutine is refused (hooks and callbacks run inside the
 * runtime's bookkeeping and cannot suspend). */
static void
call_ctx(shim *s, akt_ctx *ctx, PyObject *fn, PyObject *a, PyObject *b,
    PyObject *c3, bool reply, const char *what)
{
    call_ctx_park(s, ctx, fn, a, b, c3, reply, false, what);
}

/* call_ctx, where a coroutine that really suspends (may_park: a persist
 * callback's) is finished by a task while the actor is parked */
static void
call_ctx_park(shim *s, akt_ctx *ctx, PyObject *fn, PyObject *a, PyObject *b,
    PyObject *c3, bool reply, bool may_park, const char *what)
{
    pyc_state *st = s->rec->st;
    CtxObject *c = pyc_ctx_new(st, s->rec->system, ctx);
    if (c == NULL) {
        mark_failed(s, "%s", what);
        return;
    }
    c->sender = akt_persistent_sender(ctx);
    c->shim = s;
    akt_ref prev = pyc_tls_self;
    pyc_tls_self = c->self;
    PyObject *args[4] = { (PyObject *)c, a, b, c3 };
    size_t n = 1 + (a != NULL) + (b != NULL) + (c3 != NULL);
    PyObject *r = PyObject_Vectorcall(fn, args, n, NULL);
    if (r != NULL && PyCoro_CheckExact(r) && may_park) {
        PyObject *val = NULL;
        PySendResult sr = PyIter_Send(r, Py_None, &val);
        if (sr == PYGEN_NEXT) {
            /* it really suspended: a task ends it (and the callbacks
             * after it), the reply with it */
            if (pyc_park_chain(s, ctx, c->sender, r, val) < 0) {
                mark_failed(s, "%s", what);
            }
            Py_DECREF(r);
            Py_XDECREF(val);
            pyc_tls_self = prev;
            c->ctx = NULL;
            c->shim = NULL;
            c->replied = true;
            Py_DECREF(c);
            return;
        }
        Py_DECREF(r);
        r = sr == PYGEN_RETURN ? val : NULL;
    }
    pyc_tls_self = prev;
    if (r != NULL && PyCoro_CheckExact(r)) {
        PyObject *close = PyObject_CallMethod(r, "close", NULL);
        Py_XDECREF(close);
        Py_CLEAR(r);
        PyErr_Format(PyExc_TypeError,
            "%s is an async def: persist callbacks and hooks must be plain "
            "functions",
            what);
    }
    if (r == NULL) {
        mark_failed(s, "%s", what);
    } else if (reply && r != Py_None && !c->replied
        && !akt_ref_is_none(c->sender)) {
        void *m = pyc_to_msg(st, r, c->sender);
        if (m == NULL) {
            mark_failed(s, "the reply of %s", what);
        } else if (pyc_send(c->sender, m, c->self) != AKT_OK) {
            akt_msg_free(m);
        }
    }
    Py_XDECREF(r);
    c->ctx = NULL;
    c->shim = NULL;
    Py_DECREF(c);
}

/* the actor's method name, bound; NULL + mark when it has none */
static PyObject *
method(shim *s, const char *name)
{
    PyObject *m = PyObject_GetAttrString(s->actor, name);
    if (m == NULL) {
        mark_failed(s, "%s", name);
    }
    return m;
}

static void
pp_apply(void *user, const void *event)
{
    shim *s = user;
    if (s->actor == NULL || s->hook_failed) {
        return;
    }
    pypersist *pp = pp_of(s);
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    PyObject *m = pyc_from_msg(s->rec->st, s->rec->system, event);
    PyObject *fn
        = m ? PyDict_GetItemWithError(pp->apply, (PyObject *)Py_TYPE(m)) : NULL;
    if (fn == NULL) {
        if (PyErr_Occurred()) {
            mark_failed(s, "%s: apply", pp->qname);
        } else {
            mark_failed(s, "%s: a %s is not one of its events (%U)", pp->qname,
                Py_TYPE(m)->tp_name, pp->names);
        }
    } else {
        PyObject *args[2] = { s->actor, m };
        PyObject *r = PyObject_Vectorcall(fn, args, 2, NULL);
        if (r == NULL) {
            mark_failed(s, "%s.apply_*", pp->qname);
        }
        Py_XDECREF(r);
    }
    Py_XDECREF(m);
    pyc_gil_release(&g);
}

/* the head of the callback queue: [callback, events left] */
static PyObject *
pq_head(shim *s)
{
    if (s->pq == NULL || PyList_GET_SIZE(s->pq) == 0) {
        return NULL;
    }
    return PyList_GET_ITEM(s->pq, 0);
}

static void
pq_pop(shim *s)
{
    if (pq_head(s) != NULL) {
        (void)PyList_SetSlice(s->pq, 0, 1, NULL);
    }
}

static void
pp_done(void *user, akt_ctx *ctx, const void *event, void *arg)
{
    (void)arg;
    shim *s = user;
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    PyObject *head = pq_head(s);
    PyObject *cb = NULL;
    if (head != NULL) {
        cb = Py_NewRef(PyList_GET_ITEM(head, 0));
        Py_ssize_t left = PyLong_AsSsize_t(PyList_GET_ITEM(head, 1)) - 1;
        if (left <= 0) {
            pq_pop(s);
        } else {
            PyObject *v = PyLong_FromSsize_t(left);
            if (v != NULL) {
                PyList_SetItem(head, 1, v);
            }
        }
    }
    if (cb != NULL && cb != Py_None && s->actor != NULL && !s->hook_failed) {
        PyObject *m = pyc_from_msg(s->rec->st, s->rec->system, event);
        if (m == NULL) {
            mark_failed(s, "a persist callback's event");
        } else if (s->cb_chain != NULL) {
            /* behind a callback that suspended: its task runs this one
             * after it, with a ctx that is no longer live */
            CtxObject *c = pyc_ctx_new(s->rec->st, s->rec->system, ctx);
            PyObject *t = NULL;
            if (c != NULL) {
                c->sender = akt_persistent_sender(ctx);
                c->ctx = NULL;
                t = PyTuple_Pack(3, cb, (PyObject *)c, m);
            }
            if (t == NULL || PyList_Append(s->cb_chain, t) < 0) {
                mark_failed(s, "a persist callback");
            }
            Py_XDECREF(t);
            Py_XDECREF(c);
        } else {
            call_ctx_park(
                s, ctx, cb, m, NULL, NULL, true, true, "a persist callback");
        }
        Py_XDECREF(m);
    }
    Py_XDECREF(cb);
    PyErr_Clear();
    pyc_gil_release(&g);
}

/* a hook method (name) with an error and maybe an event */
static void
hook_error(shim *s, akt_ctx *ctx, const char *name, akt_err rc, const char *why,
    const void *event, PyObject *extra)
{
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    if (s->actor != NULL) {
        PyObject *fn = method(s, name);
        PyObject *err = fn ? error_of(s->rec->st, rc, why) : NULL;
        PyObject *ev = err && event
            ? pyc_from_msg(s->rec->st, s->rec->system, event)
            : NULL;
        if (err != NULL && (event == NULL || ev != NULL)) {
            if (extra != NULL) {
                call_ctx(s, ctx, fn, extra, err, NULL, false, name);
            } else {
                call_ctx(s, ctx, fn, err, ev, NULL, false, name);
            }
        } else if (fn != NULL) {
            mark_failed(s, "%s", name);
        }
        Py_XDECREF(ev);
        Py_XDECREF(err);
        Py_XDECREF(fn);
    }
    PyErr_Clear();
    pyc_gil_release(&g);
}

static void
pp_rejected(void *user, akt_ctx *ctx, akt_err rc, const void *event)
{
    shim *s = user;
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    pq_pop(s); /* its callbacks do not run */
    pyc_gil_release(&g);
    hook_error(s, ctx, "persist_rejected", rc, NULL, event, NULL);
}

static void
pp_failed(void *user, akt_ctx *ctx, akt_err rc, const void *event)
{
    shim *s = user;
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    pq_pop(s);
    pyc_gil_release(&g);
    hook_error(s, ctx, "persist_failed", rc, NULL, event, NULL);
}

static void
pp_recovery_failed(void *user, akt_ctx *ctx, akt_err rc, const char *why)
{
    hook_error(user, ctx, "recovery_failed", rc, why, NULL, NULL);
}

static void
pp_snapshot_failed(void *user, akt_ctx *ctx, uint64_t seq, akt_err rc)
{
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(user));
    PyObject *n = PyLong_FromUnsignedLongLong(seq);
    if (n != NULL) {
        hook_error(user, ctx, "snapshot_failed", rc, NULL, NULL, n);
    }
    Py_XDECREF(n);
    pyc_gil_release(&g);
}

/* a hook method (name) with a sequence number */
static void
hook_seq(void *user, akt_ctx *ctx, const char *name, uint64_t seq)
{
    shim *s = user;
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    if (s->actor != NULL) {
        PyObject *fn = method(s, name);
        PyObject *n = fn ? PyLong_FromUnsignedLongLong(seq) : NULL;
        if (n != NULL) {
            call_ctx(s, ctx, fn, n, NULL, NULL, false, name);
        }
        Py_XDECREF(n);
        Py_XDECREF(fn);
    }
    PyErr_Clear();
    pyc_gil_release(&g);
}

static void
pp_recovered(void *user, akt_ctx *ctx, uint64_t highest)
{
    hook_seq(user, ctx, "recovery_completed", highest);
}

static void
pp_snapshot_saved(void *user, akt_ctx *ctx, uint64_t seq)
{
    hook_seq(user, ctx, "snapshot_saved", seq);
}

static void
pp_events_deleted(void *user, akt_ctx *ctx, uint64_t to)
{
    hook_seq(user, ctx, "events_deleted", to);
}

static void
pp_events_delete_failed(void *user, akt_ctx *ctx, uint64_t to, akt_err rc)
{
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(user));
    PyObject *n = PyLong_FromUnsignedLongLong(to);
    if (n != NULL) {
        hook_error(user, ctx, "events_delete_failed", rc, NULL, NULL, n);
    }
    Py_XDECREF(n);
    pyc_gil_release(&g);
}

static void
pp_post_stop(void *user, akt_ctx *ctx)
{
    (void)pyc_call_hook(user, ctx, "post_stop");
}

static void
pp_offer(void *user, uint64_t seq, const void *snapshot)
{
    shim *s = user;
    if (s->actor == NULL || s->hook_failed) {
        return;
    }
    pypersist *pp = pp_of(s);
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    PyObject *m = pyc_from_msg(s->rec->st, s->rec->system, snapshot);
    int ok = m ? PyObject_IsInstance(m, pp->snap_cls) : -1;
    if (ok == 1) {
        PyObject *n = PyLong_FromUnsignedLongLong(seq);
        PyObject *args[3] = { s->actor, n, m };
        PyObject *r = n ? PyObject_Vectorcall(pp->offer, args, 3, NULL) : NULL;
        if (r == NULL) {
            mark_failed(s, "%s.snapshot_offer", pp->qname);
        }
        Py_XDECREF(r);
        Py_XDECREF(n);
    } else if (ok == 0) {
        mark_failed(s, "%s: snapshot %llu is a %s, not its snapshot type",
            pp->qname, (unsigned long long)seq, Py_TYPE(m)->tp_name);
    } else {
        mark_failed(s, "%s: snapshot_offer", pp->qname);
    }
    Py_XDECREF(m);
    pyc_gil_release(&g);
}

static void *
pp_take(const void *user)
{
    shim *s = (shim *)user;
    if (s->actor == NULL || s->hook_failed) {
        return NULL;
    }
    pypersist *pp = pp_of(s);
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    PyObject *args[1] = { s->actor };
    PyObject *r = PyObject_Vectorcall(pp->take, args, 1, NULL);
    void *out = NULL;
    if (r == NULL) {
        mark_failed(s, "%s.snapshot_take", pp->qname);
    } else if (r != Py_None) {
        int ok = PyObject_IsInstance(r, pp->snap_cls);
        if (ok == 1) {
            out = pyc_to_msg(s->rec->st, r, AKT_REF_NONE);
            if (out == NULL) {
                mark_failed(s, "%s.snapshot_take", pp->qname);
            }
        } else {
            mark_failed(s, "%s.snapshot_take gave a %s, not its snapshot type",
                pp->qname, Py_TYPE(r)->tp_name);
        }
    }
    Py_XDECREF(r);
    pyc_gil_release(&g);
    return out;
}

static bool
pp_when(const void *user, const void *event, uint64_t seq)
{
    shim *s = (shim *)user;
    if (s->actor == NULL || s->hook_failed) {
        return false;
    }
    pypersist *pp = pp_of(s);
    pyc_gil g = pyc_gil_ensure(pyc_shim_interp(s));
    PyObject *m = pyc_from_msg(s->rec->st, s->rec->system, event);
    PyObject *n = m ? PyLong_FromUnsignedLongLong(seq) : NULL;
    PyObject *args[3] = { s->actor, m, n };
    PyObject *r = n ? PyObject_Vectorcall(pp->when, args, 3, NULL) : NULL;
    int yes = r ? PyObject_IsTrue(r) : -1;
    if (yes < 0) {
        mark_failed(s, "%s.snapshot_when", pp->qname);
    }
    Py_XDECREF(r);
    Py_XDECREF(n);
    Py_XDECREF(m);
    pyc_gil_release(&g);
    return yes == 1;
}

/* tags_of: the tags persist() computed for this event (in order) */
static size_t
pp_tags(const void *user, const void *event, const char **tags, size_t max)
{
    (void)user;
    (void)event;
    tag_call *t = cur_tags;
    if (t == NULL || t->i >= t->n) {
        return 0;
    }
    size_t n = t->nv[t->i];
    if (n > max) {
        n = max;
    }
    memcpy(tags, t->v + t->i * AKT_PERSIST_MAX_TAGS, n * sizeof *tags);
    t->i++;
    return n;
}

/* the tags of each event of seq (the actor's tags(event)) into t, their
 * strings kept in *keep; 0, or -1 + error */
static int
tags_compute(pypersist *pp, shim *s, PyObject *seq, tag_call *t,
    PyObject **keep, const char *what)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    t->n = (size_t)n;
    t->i = 0;
    t->v = calloc((size_t)n * AKT_PERSIST_MAX_TAGS, sizeof *t->v);
    t->nv = calloc((size_t)n, sizeof *t->nv);
    if ((*keep = PyList_New(0)) == NULL || t->v == NULL || t->nv == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *args[2] = { s->actor, PySequence_Fast_GET_ITEM(seq, i) };
        PyObject *r = PyObject_Vectorcall(pp->tags, args, 2, NULL);
        PyObject *l = r ? PySequence_List(r) : NULL;
        Py_XDECREF(r);
        if (l == NULL || PyList_Append(*keep, l) < 0) {
            Py_XDECREF(l);
            return -1;
        }
        Py_DECREF(l);
        Py_ssize_t k = PyList_GET_SIZE(l);
        if (k > AKT_PERSIST_MAX_TAGS) {
            PyErr_Format(PyExc_ValueError,
                "%s: %s.tags gave %zd tags; at most %d", what, pp->qname, k,
                AKT_PERSIST_MAX_TAGS);
            return -1;
        }
        for (Py_ssize_t j = 0; j < k; j++) {
            PyObject *tag = PyList_GET_ITEM(l, j);
            const char *u = PyUnicode_Check(tag) ? PyUnicode_AsUTF8(tag) : NULL;
            if (u == NULL || *u == '\0') {
                if (!PyErr_Occurred() || PyUnicode_Check(tag)) {
                    PyErr_Clear();
                    PyErr_Format(PyExc_TypeError,
                        "%s: %s.tags: a tag is a non-empty str, got %R", what,
                        pp->qname, tag);
                }
                return -1;
            }
            t->v[(size_t)i * AKT_PERSIST_MAX_TAGS + (size_t)j] = u;
        }
        t->nv[i] = (size_t)k;
    }
    return 0;
}

/* --- the behaviour and lifecycle around the runtime's ----------------------
 */

static akt_err
fail_marked(shim *s, akt_ctx *ctx)
{
    s->hook_failed = false;
    return akt_ctx_fail(ctx, AKT_EFAILED, "%s", s->hook_why);
}

static akt_err
pp_receive(void *state, akt_ctx *ctx, const void *msg)
{
    shim *s = pyc_persist_shim(akt_ctx_behavior_arg(ctx), state);
    s->hook_failed = false;
    akt_err rc = p_beh->unhandled(state, ctx, msg);
    if (rc == AKT_OK && s->hook_failed) {
        return fail_marked(s, ctx);
    }
    return rc;
}

/* pre_start (and a restart's, by the default post_restart): the Python
 * pre_start, then recovery */
static akt_err
pp_start(void *state, akt_ctx *ctx)
{
    shim *s = pyc_persist_shim(akt_ctx_behavior_arg(ctx), state);
    if (s->actor == NULL) {
        return pyc_shim_start_failed(s, ctx);
    }
    akt_err rc = pyc_call_hook(s, ctx, "pre_start");
    if (rc != AKT_OK) {
        return rc;
    }
    s->hook_failed = false;
    rc = p_life->pre_start(state, ctx);
    if (rc == AKT_OK && s->hook_failed) {
        return fail_marked(s, ctx);
    }
    return rc;
}

const akt_behavior pyc_persist_behavior = {
    .name = "python-persistent",
    .unhandled = pp_receive,
};

void
pyc_persist_free(props_rec *rec)
{
    pypersist *pp = rec->persist;
    if (pp == NULL) {
        return;
    }
    free(pp->qname);
    free(pp->prefix);
    Py_XDECREF(pp->apply);
    Py_XDECREF(pp->names);
    Py_XDECREF(pp->snap_cls);
    Py_XDECREF(pp->offer);
    Py_XDECREF(pp->take);
    Py_XDECREF(pp->when);
    Py_XDECREF(pp->tags);
    free(pp);
    rec->persist = NULL;
}

/* the journal of rec's system, started from its configuration when it
 * is not running yet; 0, or -1 + error */
static int
ensure_persistence(props_rec *rec)
{
    SystemObject *so = (SystemObject *)rec->system;
    akt_system *sys = so->sys;
    if (akt_persistence_journal(sys) != NULL) {
        return 0;
    }
    if (so->view) {
        /* the journal decodes events through its starter's registry,
         * which must outlive every interpreter: the main one's */
        pyc_raise(rec->st, AKT_ENOTSUP,
            "persistence is started from the main interpreter "
            "(system.start_persistence(), or a persistent actor spawned "
            "with system.actor_of), not from a subinterpreter's actor");
        return -1;
    }
    akt_config_error err;
    memset(&err, 0, sizeof err);
    akt_err rc;
    Py_BEGIN_ALLOW_THREADS rc
        = akt_persistence_start(sys, rec->st->registry, &err);
    Py_END_ALLOW_THREADS if (rc != AKT_OK && rc != AKT_EEXIST)
    {
        pyc_raise(rec->st, rc,
            err.message[0] ? err.message
                           : "cannot start persistence (akt.persistence.*)");
        return -1;
    }
    return 0;
}

PyObject *
pyc_system_start_persistence(SystemObject *so, PyObject *unused)
{
    (void)unused;
    pyc_state *st = PyModule_GetState(so->module);
    if (so->sys == NULL) {
        return pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
    }
    if (akt_persistence_journal(so->sys) != NULL) {
        Py_RETURN_FALSE;
    }
    props_rec tmp = { .system = (PyObject *)so, .st = st };
    if (ensure_persistence(&tmp) < 0) {
        return NULL;
    }
    Py_RETURN_TRUE;
}

/* the runtime's behaviour and lifecycle (from the first props made),
 * which ours wrap: once per process; two threads may get here together
 * (3.13t, or two interpreters' threads) */
static void
wrap_runtime(const akt_props *out)
{
    static pthread_mutex_t once_mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&once_mu);
    if (p_beh == NULL) {
        p_life = out->lifecycle;
        pp_lifecycle = *p_life;
        pp_lifecycle.pre_start = pp_start;
        p_beh = out->behavior;
    }
    pthread_mutex_unlock(&once_mu);
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

int
pyc_persist_props(props_rec *rec, PyObject *table)
{
    PyObject *qname, *prefix, *apply, *snap, *offer, *take, *when, *tags;
    unsigned long long every, to_seq, replay_max;
    if (!PyArg_ParseTuple(table, "UUO!OOOKOOKK", &qname, &prefix, &PyDict_Type,
            &apply, &snap, &offer, &take, &every, &when, &tags, &to_seq,
            &replay_max)) {
        return -1;
    }
    pypersist *pp = calloc(1, sizeof *pp);
    if (pp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    rec->persist = pp;
    pp->apply = Py_NewRef(apply);
    pp->snap_cls = snap == Py_None ? NULL : Py_NewRef(snap);
    pp->offer = offer == Py_None ? NULL : Py_NewRef(offer);
    pp->take = take == Py_None ? NULL : Py_NewRef(take);
    pp->when = when == Py_None ? NULL : Py_NewRef(when);
    pp->tags = tags == Py_None ? NULL : Py_NewRef(tags);
    if ((pp->qname = dup_utf8(qname)) == NULL
        || (pp->prefix = dup_utf8(prefix)) == NULL) {
        return -1; /* pyc_persist_free at the system's end frees the rest */
    }
    PyObject *sep = PyUnicode_FromString(", ");
    PyObject *names = PyList_New(0);
    Py_ssize_t pos = 0;
    PyObject *cls, *fn;
    while (sep && names && PyDict_Next(apply, &pos, &cls, &fn)) {
        PyObject *n = PyObject_CallMethod(cls, "akt_type_name", NULL);
        if (n == NULL || PyList_Append(names, n) < 0) {
            Py_XDECREF(n);
            Py_CLEAR(names);
            break;
        }
        Py_DECREF(n);
    }
    pp->names = names ? PyUnicode_Join(sep, names) : NULL;
    Py_XDECREF(names);
    Py_XDECREF(sep);
    if (pp->names == NULL || ensure_persistence(rec) < 0) {
        return -1;
    }
    pp->def = (akt_persistent_def) {
        .name = pp->qname,
        .id_prefix = pp->prefix,
        .state_size = sizeof(shim),
        .state_init = pyc_shim_init,
        .state_fini = pyc_shim_fini,
        .init_arg = rec,
        .unhandled = pyc_py_handle,
        .apply = pp_apply,
        .snapshot_offer = pp->offer ? pp_offer : NULL,
        .recovery_completed = pp_recovered,
        .recovery_failed = pp_recovery_failed,
        .persist_rejected = pp_rejected,
        .persist_failed = pp_failed,
        .post_stop = pp_post_stop,
        .dispatcher = "python",
        .mailbox = rec->props.mailbox,
        .supervisor = rec->props.supervisor,
        .snapshot_every = every,
        .snapshot_when = pp->when ? pp_when : NULL,
        .tags_of = pp->tags ? pp_tags : NULL,
        .recovery_to_seq = to_seq,
        .recovery_replay_max = replay_max,
        .snapshot_take = pp->take ? pp_take : NULL,
        .snapshot_saved = pp_snapshot_saved,
        .snapshot_failed = pp_snapshot_failed,
        .events_deleted = pp_events_deleted,
        .events_delete_failed = pp_events_delete_failed,
    };
    akt_props out;
    akt_err rc = akt_persistent_props(&pp->def, &out);
    if (rc != AKT_OK) {
        pyc_raise(rec->st, rc, pp->qname);
        return -1;
    }
    wrap_runtime(&out);
    pp->shim_off = out.state_size - sizeof(shim);
    out.behavior = &pyc_persist_behavior;
    out.lifecycle = &pp_lifecycle;
    rec->props = out;
    return 0;
}

/* a persistent actor spawned from the main interpreter on a
 * subinterpreter (python-subinterpreter-pool, module.c): the definition
 * the main interpreter gives akt_spawn, from the class's table there. It
 * holds no Python object: its hooks find the class's functions through
 * the shim (pp_of: the props record its own interpreter made in
 * state_init), and the main interpreter only reads which hooks the class
 * has, its bounds and its names. The journal is started here, by the
 * main interpreter, before the actor's recovery asks for it. */
void *
pyc_persist_sub_def(SystemObject *so, PyObject *table, const akt_props *base,
    akt_err (*init)(void *, const void *), const void *init_arg, akt_props *out)
{
    PyObject *qname, *prefix, *apply, *snap, *offer, *take, *when, *tags;
    unsigned long long every, to_seq, replay_max;
    if (!PyArg_ParseTuple(table, "UUO!OOOKOOKK", &qname, &prefix, &PyDict_Type,
            &apply, &snap, &offer, &take, &every, &when, &tags, &to_seq,
            &replay_max)) {
        return NULL;
    }
    pyc_state *st = PyModule_GetState(so->module);
    props_rec tmp = { .system = (PyObject *)so, .st = st };
    if (ensure_persistence(&tmp) < 0) {
        return NULL;
    }
    pypersist *pp = calloc(1, sizeof *pp);
    if (pp == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if ((pp->qname = dup_utf8(qname)) == NULL
        || (pp->prefix = dup_utf8(prefix)) == NULL) {
        pyc_persist_sub_free(pp);
        return NULL;
    }
    pp->def = (akt_persistent_def) {
        .name = pp->qname,
        .id_prefix = pp->prefix,
        .state_size = sizeof(shim),
        .state_init = init,
        .state_fini = pyc_shim_fini,
        .init_arg = init_arg,
        .unhandled = pyc_py_handle,
        .apply = pp_apply,
        .snapshot_offer = offer != Py_None ? pp_offer : NULL,
        .recovery_completed = pp_recovered,
        .recovery_failed = pp_recovery_failed,
        .persist_rejected = pp_rejected,
        .persist_failed = pp_failed,
        .post_stop = pp_post_stop,
        .dispatcher = base->dispatcher,
        .mailbox = base->mailbox,
        .supervisor = base->supervisor,
        .snapshot_every = every,
        .snapshot_when = when != Py_None ? pp_when : NULL,
        .tags_of = tags != Py_None ? pp_tags : NULL,
        .recovery_to_seq = to_seq,
        .recovery_replay_max = replay_max,
        .snapshot_take = take != Py_None ? pp_take : NULL,
        .snapshot_saved = pp_snapshot_saved,
        .snapshot_failed = pp_snapshot_failed,
        .events_deleted = pp_events_deleted,
        .events_delete_failed = pp_events_delete_failed,
    };
    akt_err rc = akt_persistent_props(&pp->def, out);
    if (rc != AKT_OK) {
        pyc_raise(st, rc, pp->qname);
        pyc_persist_sub_free(pp);
        return NULL;
    }
    wrap_runtime(out);
    pp->shim_off = out->state_size - sizeof(shim);
    out->behavior = &pyc_persist_behavior;
    out->lifecycle = &pp_lifecycle;
    out->dispatcher = base->dispatcher;
    return pp;
}

void
pyc_persist_sub_free(void *def)
{
    pypersist *pp = def;
    if (pp != NULL) {
        free(pp->qname);
        free(pp->prefix);
        free(pp);
    }
}

/* --- ctx: persist, snapshots, the persistence id
 * ------------------------------
 */

static pypersist *
ctx_persist_of(CtxObject *c, const char *what)
{
    if (pyc_ctx_live(c, what) < 0) {
        return NULL;
    }
    if (c->shim == NULL || c->shim->rec->persist == NULL) {
        PyErr_Format(c->st->errors[AKT_ESTATE],
            "ctx.%s: only in a persistent actor (akt.PersistentActor)", what);
        return NULL;
    }
    return c->shim->rec->persist;
}

static PyObject *
persist(CtxObject *c, PyObject *events, PyObject *cb, bool all, bool async,
    const char *what)
{
    pypersist *pp = ctx_persist_of(c, what);
    if (pp == NULL) {
        return NULL;
    }
    if (cb != Py_None && !PyCallable_Check(cb)) {
        return PyErr_Format(PyExc_TypeError,
            "%s: callback must be callable (ctx, event), or None", what);
    }
    PyObject *seq = all ? PySequence_Fast(events,
                        "persist_all: expected a "
                        "sequence of events")
                        : PyTuple_Pack(1, events);
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n == 0) {
        Py_DECREF(seq);
        return PyErr_Format(PyExc_ValueError, "%s: no events", what);
    }
    void **msgs = calloc((size_t)n, sizeof *msgs);
    if (msgs == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
        PyObject *e = PySequence_Fast_GET_ITEM(seq, i);
        int known = PyDict_Contains(pp->apply, (PyObject *)Py_TYPE(e));
        if (known == 0) {
            PyErr_Format(PyExc_TypeError, "%s: %s persists %U; got a %s", what,
                pp->qname, pp->names, Py_TYPE(e)->tp_name);
        }
        if (known != 1
            || (msgs[i] = pyc_to_msg(c->st, e, AKT_REF_NONE)) == NULL) {
            break;
        }
    }
    akt_err rc = AKT_OK;
    tag_call tc = { 0 };
    PyObject *keep = NULL;
    if (i == n && pp->tags != NULL
        && tags_compute(pp, c->shim, seq, &tc, &keep, what) < 0) {
        i = 0; /* (the error is set) */
    }
    if (i == n) {
        cur_tags = pp->tags ? &tc : NULL;
        rc = async
            ? akt_persist_all_async(c->ctx, msgs, (size_t)n, pp_done, NULL)
            : akt_persist_all(c->ctx, msgs, (size_t)n, pp_done, NULL);
        cur_tags = NULL;
    }
    free(tc.v);
    free(tc.nv);
    Py_XDECREF(keep);
    if (i < n || rc != AKT_OK) {
        for (Py_ssize_t k = 0; k < n; k++) {
            if (msgs[k] != NULL) {
                akt_msg_free(msgs[k]);
            }
        }
        free(msgs);
        Py_DECREF(seq);
        if (i < n) {
            return NULL;
        }
        return pyc_raise(c->st, rc,
            rc == AKT_ESTATE ? "persist: not in the actor's handler (or it "
                               "stopped)"
                             : what);
    }
    free(msgs);
    Py_DECREF(seq);
    /* the write is queued: its callback waits in persist order */
    shim *s = c->shim;
    if (s->pq == NULL && (s->pq = PyList_New(0)) == NULL) {
        return NULL;
    }
    PyObject *entry = Py_BuildValue("[On]", cb, n);
    if (entry == NULL || PyList_Append(s->pq, entry) < 0) {
        Py_XDECREF(entry);
        return NULL;
    }
    Py_DECREF(entry);
    Py_RETURN_NONE;
}

static int
parse_persist(PyObject *args, PyObject *kw, const char *name, PyObject **ev,
    PyObject **cb)
{
    char *kws[] = { "event", "callback", NULL };
    char fmt[64];
    snprintf(fmt, sizeof fmt, "O|O:%s", name);
    *cb = Py_None;
    return PyArg_ParseTupleAndKeywords(args, kw, fmt, kws, ev, cb);
}

PyObject *
pyc_ctx_persist(CtxObject *c, PyObject *args, PyObject *kw)
{
    PyObject *ev, *cb;
    if (!parse_persist(args, kw, "persist", &ev, &cb)) {
        return NULL;
    }
    return persist(c, ev, cb, false, false, "persist");
}

PyObject *
pyc_ctx_persist_async(CtxObject *c, PyObject *args, PyObject *kw)
{
    PyObject *ev, *cb;
    if (!parse_persist(args, kw, "persist_async", &ev, &cb)) {
        return NULL;
    }
    return persist(c, ev, cb, false, true, "persist_async");
}

PyObject *
pyc_ctx_persist_all(CtxObject *c, PyObject *args, PyObject *kw)
{
    PyObject *ev, *cb;
    if (!parse_persist(args, kw, "persist_all", &ev, &cb)) {
        return NULL;
    }
    return persist(c, ev, cb, true, false, "persist_all");
}

PyObject *
pyc_ctx_persist_all_async(CtxObject *c, PyObject *args, PyObject *kw)
{
    PyObject *ev, *cb;
    if (!parse_persist(args, kw, "persist_all_async", &ev, &cb)) {
        return NULL;
    }
    return persist(c, ev, cb, true, true, "persist_all_async");
}

PyObject *
pyc_ctx_save_snapshot(CtxObject *c, PyObject *snap)
{
    pypersist *pp = ctx_persist_of(c, "save_snapshot");
    if (pp == NULL) {
        return NULL;
    }
    if (pp->snap_cls == NULL) {
        return PyErr_Format(c->st->errors[AKT_ESTATE],
            "save_snapshot: %s declares no snapshot type", pp->qname);
    }
    int ok = PyObject_IsInstance(snap, pp->snap_cls);
    if (ok != 1) {
        return ok < 0 ? NULL
                      : PyErr_Format(PyExc_TypeError,
                          "save_snapshot: %s takes a %s snapshot, not a %s",
                          pp->qname, ((PyTypeObject *)pp->snap_cls)->tp_name,
                          Py_TYPE(snap)->tp_name);
    }
    void *m = pyc_to_msg(c->st, snap, AKT_REF_NONE);
    if (m == NULL) {
        return NULL;
    }
    akt_err rc = akt_persistent_save_snapshot(c->ctx, m);
    akt_msg_free(m);
    if (rc != AKT_OK) {
        return pyc_raise(c->st, rc, "save_snapshot");
    }
    Py_RETURN_NONE;
}

PyObject *
pyc_ctx_delete_events(CtxObject *c, PyObject *to)
{
    if (ctx_persist_of(c, "delete_events") == NULL) {
        return NULL;
    }
    unsigned long long seq = PyLong_AsUnsignedLongLong(to);
    if (PyErr_Occurred()) {
        return NULL;
    }
    akt_err rc = akt_persistent_delete_events(c->ctx, seq);
    if (rc != AKT_OK) {
        return pyc_raise(c->st, rc, "delete_events");
    }
    Py_RETURN_NONE;
}

PyObject *
pyc_ctx_persistence_id(CtxObject *c, void *closure)
{
    (void)closure;
    if (ctx_persist_of(c, "persistence_id") == NULL) {
        return NULL;
    }
    return PyUnicode_FromString(akt_persistent_id(c->ctx));
}

PyObject *
pyc_ctx_last_seq(CtxObject *c, void *closure)
{
    (void)closure;
    if (ctx_persist_of(c, "last_seq") == NULL) {
        return NULL;
    }
    return PyLong_FromUnsignedLongLong(akt_persistent_last_seq(c->ctx));
}

/* --- events_by_tag ----------------------------------------------------- */

typedef struct tag_hit {
    uint64_t offset, seq;
    char *pid;
    void *msg; /* decoded, or NULL (its type is not known here) */
    uint64_t type_id;
} tag_hit;

typedef struct tag_acc {
    akt_system *sys;
    const akt_registry *reg;
    tag_hit *v;
    size_t n, cap;
} tag_acc;

static akt_err
tag_collect(void *arg, uint64_t offset, const char *pid, const akt_prepr *ev)
{
    tag_acc *a = arg;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        tag_hit *v = realloc(a->v, cap * sizeof *v);
        if (v == NULL) {
            return AKT_ENOMEM;
        }
        a->v = v;
        a->cap = cap;
    }
    tag_hit *h = &a->v[a->n];
    *h = (tag_hit) { offset, ev->seq, strdup(pid), NULL, ev->type_id };
    if (h->pid == NULL) {
        return AKT_ENOMEM;
    }
    const akt_type *t = a->reg ? akt_registry_find(a->reg, ev->type_id) : NULL;
    if (t != NULL
        && akt_msg_decode_in(a->sys, t, ev->data, ev->len, NULL, &h->msg)
            != AKT_OK) {
        h->msg = NULL;
    }
    a->n++;
    return AKT_OK;
}

/* events_by_tag(tag, after, max) -> [(persistence_id, seq, offset, event)]:
 * the journal's events with tag, in offset order, after offset `after` */
PyObject *
pyc_system_events_by_tag(SystemObject *so, PyObject *args)
{
    pyc_state *st = PyModule_GetState(so->module);
    const char *tag;
    unsigned long long after, max;
    if (!PyArg_ParseTuple(args, "sKK", &tag, &after, &max)) {
        return NULL;
    }
    if (so->sys == NULL) {
        return pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
    }
    akt_journal *j = akt_persistence_journal(so->sys);
    if (j == NULL) {
        return pyc_raise(st, AKT_ESTATE,
            "events_by_tag: persistence is not started (start_persistence)");
    }
    tag_acc a = { so->sys, akt_journal_registry(j), NULL, 0, 0 };
    akt_err rc;
    Py_BEGIN_ALLOW_THREADS rc
        = akt_journal_events_by_tag(j, tag, after, max, tag_collect, &a);
    Py_END_ALLOW_THREADS PyObject *out = rc == AKT_OK ? PyList_New(0) : NULL;
    for (size_t i = 0; i < a.n; i++) {
        tag_hit *h = &a.v[i];
        if (out != NULL) {
            PyObject *ev = h->msg ? pyc_from_msg(st, (PyObject *)so, h->msg)
                                  : PyLong_FromUnsignedLongLong(h->type_id);
            PyObject *t = ev
                ? Py_BuildValue("(sKKO)", h->pid, (unsigned long long)h->seq,
                    (unsigned long long)h->offset, ev)
                : NULL;
            if (t == NULL || PyList_Append(out, t) < 0) {
                Py_CLEAR(out);
            }
            Py_XDECREF(t);
            Py_XDECREF(ev);
        }
        free(h->pid);
        if (h->msg) {
            akt_msg_free(h->msg);
        }
    }
    free(a.v);
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, "events_by_tag");
    }
    return out;
}
