/*
 * kit.c -- the akt kit for Python actors: per-actor timers and the receive
 * timeout, the stash, the event stream (subscribe / publish, the standard
 * events as Python objects), routers (pools of Python actors, groups,
 * every routing logic, a Python key function for consistent hashing), and
 * the bridge from akt's log to Python's `logging`.
 *
 * The log bridge never takes the GIL inside akt's log sink (the sink runs
 * under the system's log lock, on any thread, and the Python thread may be
 * waiting for that lock while it holds the GIL): the sink copies the
 * event into a bounded queue and wakes the system's asyncio loop through
 * an eventfd; the loop thread hands the events to logging. A full queue
 * drops events and counts them; the count is logged with the next event
 * that gets through.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "akt/events.h"
#include "akt/router.h"
#include "akt/stash.h"
#include "akt/timers.h"
#include "pycore.h"
#include "schema.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

static int64_t
secs_ns(PyObject *o, const char *what, bool zero_ok, int64_t *out)
{
    double s = PyFloat_AsDouble(o);
    if (s == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    if (!(s > 0 || (zero_ok && s == 0)) || s > 9.0e9) {
        PyErr_Format(PyExc_ValueError, "%s must be %s 0 seconds (got %R)", what,
            zero_ok ? ">=" : ">", o);
        return -1;
    }
    *out = (int64_t)(s * 1e9);
    return 0;
}

/* --- timers -----------------------------------------------------------------
 */

/* timer keys are any hashable object, told apart by their hash */
static int
timer_key(PyObject *key, uint64_t *out)
{
    Py_hash_t h = PyObject_Hash(key);
    if (h == -1 && PyErr_Occurred()) {
        return -1;
    }
    *out = (uint64_t)h;
    return 0;
}

/* start_timer(key, msg, delay, interval=None): msg to this actor after
 * delay seconds, then every interval seconds when given; a timer under
 * the same key is replaced */
PyObject *
pyc_ctx_start_timer(CtxObject *c, PyObject *args, PyObject *kw)
{
    static char *kws[] = { "key", "msg", "delay", "interval", NULL };
    PyObject *key, *msg, *delay, *interval = Py_None;
    if (!PyArg_ParseTupleAndKeywords(
            args, kw, "OOO|O", kws, &key, &msg, &delay, &interval)
        || pyc_ctx_live(c, "start_timer") < 0) {
        return NULL;
    }
    uint64_t k;
    int64_t d, iv = 0;
    if (timer_key(key, &k) < 0 || secs_ns(delay, "delay", true, &d) < 0
        || (interval != Py_None
            && secs_ns(interval, "interval", false, &iv) < 0)) {
        return NULL;
    }
    void *m = pyc_to_msg(c->st, msg, c->self);
    if (m == NULL) {
        return NULL;
    }
    akt_err rc = interval == Py_None
        ? akt_timer_start_single(c->ctx, k, m, d)
        : akt_timer_start_periodic(c->ctx, k, m, d, iv);
    if (rc != AKT_OK) {
        akt_msg_free(m);
        return pyc_raise(c->st, rc, "start_timer");
    }
    Py_RETURN_NONE;
}

PyObject *
pyc_ctx_cancel_timer(CtxObject *c, PyObject *key)
{
    uint64_t k;
    if (pyc_ctx_live(c, "cancel_timer") < 0 || timer_key(key, &k) < 0) {
        return NULL;
    }
    return PyBool_FromLong(akt_timer_cancel(c->ctx, k) == AKT_OK);
}

PyObject *
pyc_ctx_timer_active(CtxObject *c, PyObject *key)
{
    uint64_t k;
    if (pyc_ctx_live(c, "timer_active") < 0 || timer_key(key, &k) < 0) {
        return NULL;
    }
    return PyBool_FromLong(akt_timer_is_active(c->ctx, k));
}

PyObject *
pyc_ctx_cancel_all_timers(CtxObject *c, PyObject *unused)
{
    (void)unused;
    if (pyc_ctx_live(c, "cancel_all_timers") < 0) {
        return NULL;
    }
    akt_timer_cancel_all(c->ctx);
    Py_RETURN_NONE;
}

/* set_receive_timeout(seconds or None): akt.ReceiveTimeout after that
 * long without a message */
PyObject *
pyc_ctx_set_receive_timeout(CtxObject *c, PyObject *secs)
{
    int64_t ns = 0;
    if (pyc_ctx_live(c, "set_receive_timeout") < 0
        || (secs != Py_None && secs_ns(secs, "timeout", false, &ns) < 0)) {
        return NULL;
    }
    akt_err rc = akt_ctx_set_receive_timeout(c->ctx, ns);
    if (rc != AKT_OK) {
        return pyc_raise(c->st, rc, "set_receive_timeout");
    }
    Py_RETURN_NONE;
}

/* --- stash -------------------------------------------------------------------
 */

PyObject *
pyc_ctx_stash(CtxObject *c, PyObject *unused)
{
    (void)unused;
    if (pyc_ctx_live(c, "stash") < 0) {
        return NULL;
    }
    akt_err rc = akt_stash(c->ctx);
    if (rc != AKT_OK) {
        return pyc_raise(c->st, rc, "stash");
    }
    Py_RETURN_NONE;
}

PyObject *
pyc_ctx_unstash(CtxObject *c, PyObject *unused)
{
    (void)unused;
    if (pyc_ctx_live(c, "unstash") < 0) {
        return NULL;
    }
    return PyBool_FromLong(akt_unstash(c->ctx));
}

PyObject *
pyc_ctx_unstash_all(CtxObject *c, PyObject *unused)
{
    (void)unused;
    if (pyc_ctx_live(c, "unstash_all") < 0) {
        return NULL;
    }
    return PyLong_FromSize_t(akt_unstash_all(c->ctx));
}

PyObject *
pyc_ctx_stash_size(CtxObject *c, PyObject *unused)
{
    (void)unused;
    if (pyc_ctx_live(c, "stash_size") < 0) {
        return NULL;
    }
    return PyLong_FromSize_t(akt_stash_size(c->ctx));
}

PyObject *
pyc_ctx_clear_stash(CtxObject *c, PyObject *unused)
{
    (void)unused;
    if (pyc_ctx_live(c, "clear_stash") < 0) {
        return NULL;
    }
    return PyLong_FromSize_t(akt_stash_clear(c->ctx));
}

/* --- the event stream
 * ------------------------------------------------------------ */

static int
system_live(SystemObject *so)
{
    if (so->sys == NULL) {
        pyc_raise(PyModule_GetState(so->module), AKT_ECLOSED,
            "the actor system was terminated");
        return -1;
    }
    return 0;
}

/* the akt type a subscription to cls means: None all, object every plain
 * Python object, a generated class its type, akt.DeadLetter & co the
 * standard events */
static int
event_type(pyc_state *st, PyObject *cls, const akt_type **out)
{
    *out = NULL;
    if (cls == Py_None) {
        return 0;
    }
    if (cls == (PyObject *)&PyBaseObject_Type) {
        *out = &pyc_object_type;
    } else if (cls == st->dead_letter_cls) {
        *out = &akt_dead_letter_type;
    } else if (cls == st->unhandled_cls) {
        *out = &akt_unhandled_message_type;
    } else if (cls == st->log_event_cls) {
        *out = &akt_log_event_type;
    } else if (PyType_Check(cls)
        && PyType_IsSubtype((PyTypeObject *)cls, st->message_type)) {
        pyb_msg *b = pyb_of_class(st, (PyTypeObject *)cls);
        if (b == NULL) {
            PyErr_Format(PyExc_TypeError,
                "subscribe: %R is not bound to an akt type", cls);
            return -1;
        }
        *out = pyb_type(b);
    } else {
        PyErr_Format(PyExc_TypeError,
            "subscribe: expected a generated message class, akt.DeadLetter, "
            "akt.UnhandledMessage, akt.LogEvent, object or None; got %R",
            cls);
        return -1;
    }
    return 0;
}

PyObject *
pyc_system_subscribe(SystemObject *so, PyObject *args)
{
    pyc_state *st = PyModule_GetState(so->module);
    PyObject *ref, *cls = Py_None;
    const akt_type *t;
    if (!PyArg_ParseTuple(args, "O!|O", st->ref_type, &ref, &cls)
        || system_live(so) < 0 || event_type(st, cls, &t) < 0) {
        return NULL;
    }
    akt_err rc = akt_events_subscribe(so->sys, pyc_ref_get(ref), t);
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, "subscribe");
    }
    Py_RETURN_NONE;
}

PyObject *
pyc_system_unsubscribe(SystemObject *so, PyObject *args)
{
    pyc_state *st = PyModule_GetState(so->module);
    PyObject *ref, *cls = Py_None;
    const akt_type *t;
    if (!PyArg_ParseTuple(args, "O!|O", st->ref_type, &ref, &cls)
        || system_live(so) < 0 || event_type(st, cls, &t) < 0) {
        return NULL;
    }
    akt_err rc = akt_events_unsubscribe(so->sys, pyc_ref_get(ref), t);
    return PyBool_FromLong(rc == AKT_OK);
}

PyObject *
pyc_system_publish(SystemObject *so, PyObject *msg)
{
    pyc_state *st = PyModule_GetState(so->module);
    if (system_live(so) < 0) {
        return NULL;
    }
    void *m = pyc_to_msg(st, msg, AKT_REF_NONE);
    if (m == NULL) {
        return NULL;
    }
    akt_err rc = akt_events_publish(so->sys, m);
    if (rc != AKT_OK) {
        akt_msg_free(m);
        return pyc_raise(st, rc, "publish");
    }
    Py_RETURN_NONE;
}

/* DeadLetter / UnhandledMessage / LogEvent / ReceiveTimeout as their
 * Python classes; NULL without an error when msg is none of them */
PyObject *
pyc_event_from_msg(pyc_state *st, PyObject *system, const void *msg)
{
    const akt_type *t = akt_msg_type(msg);
    if (t == &akt_dead_letter_type && st->dead_letter_cls) {
        const akt_DeadLetter *d = msg;
        PyObject *inner = d->message ? pyc_from_msg(st, system, d->message)
                                     : Py_NewRef(Py_None);
        if (inner == NULL) {
            PyErr_Clear();
            inner = Py_NewRef(Py_None);
        }
        PyObject *r = pyc_ref_new(st, system, d->recipient);
        PyObject *s = pyc_ref_new(st, system, d->sender);
        PyObject *o = r && s ? PyObject_CallFunction(st->dead_letter_cls,
                          "OOiO", r, s, (int)d->reason, inner)
                             : NULL;
        Py_XDECREF(r);
        Py_XDECREF(s);
        Py_DECREF(inner);
        return o;
    }
    if (t == &akt_unhandled_message_type && st->unhandled_cls) {
        const akt_UnhandledMessage *u = msg;
        PyObject *inner = u->message ? pyc_from_msg(st, system, u->message)
                                     : Py_NewRef(Py_None);
        if (inner == NULL) {
            PyErr_Clear();
            inner = Py_NewRef(Py_None);
        }
        PyObject *r = pyc_ref_new(st, system, u->recipient);
        PyObject *s = pyc_ref_new(st, system, u->sender);
        PyObject *o = r && s
            ? PyObject_CallFunction(st->unhandled_cls, "OOO", r, s, inner)
            : NULL;
        Py_XDECREF(r);
        Py_XDECREF(s);
        Py_DECREF(inner);
        return o;
    }
    if (t == &akt_log_event_type && st->log_event_cls) {
        const akt_LogEvent *e = msg;
        return PyObject_CallFunction(st->log_event_cls, "is#s#d", (int)e->level,
            e->path.ptr ? e->path.ptr : "", (Py_ssize_t)e->path.len,
            e->text.ptr ? e->text.ptr : "", (Py_ssize_t)e->text.len,
            (double)e->timestamp_ns / 1e9);
    }
    if (t == &akt_receive_timeout_type && st->receive_timeout_cls) {
        const akt_ReceiveTimeout *r = msg;
        return PyObject_CallFunction(
            st->receive_timeout_cls, "d", (double)r->timeout_ns / 1e9);
    }
    return NULL;
}

/* --- routers
 * -------------------------------------------------------------------- */

/* the Python key function of a consistent-hashing router; lives (in the
 * System's props_map, as a capsule) as long as the System */
typedef struct hashkey {
    PyObject *fn;
    PyObject *system; /* borrowed: the System holds this capsule */
    pyc_state *st;
} hashkey;

static void
hashkey_free(PyObject *cap)
{
    hashkey *h = PyCapsule_GetPointer(cap, "akt.hashkey");
    if (h) {
        Py_XDECREF(h->fn);
        free(h);
    }
}

/* runs on the router's thread (a C worker): takes the GIL for the key */
static uint64_t
hashkey_call(const void *msg, void *arg)
{
    hashkey *h = arg;
    uint64_t v = 0;
    pyc_gil g = pyc_gil_ensure(h->st->interp);
    PyObject *m = pyc_from_msg(h->st, h->system, msg);
    PyObject *k = m ? PyObject_CallOneArg(h->fn, m) : NULL;
    Py_hash_t hv = k ? PyObject_Hash(k) : -1;
    if (hv == -1 && PyErr_Occurred()) {
        PyErr_WriteUnraisable(h->fn); /* the message goes to routee 0 */
    } else {
        v = (uint64_t)hv;
    }
    Py_XDECREF(m);
    Py_XDECREF(k);
    pyc_gil_release(&g);
    return v;
}

static const struct {
    const char *name;
    akt_routing logic;
} routings[] = {
    { "round-robin", AKT_ROUTE_ROUND_ROBIN },
    { "random", AKT_ROUTE_RANDOM },
    { "broadcast", AKT_ROUTE_BROADCAST },
    { "consistent-hash", AKT_ROUTE_CONSISTENT_HASH },
    { "smallest-mailbox", AKT_ROUTE_SMALLEST_MAILBOX },
    { "scatter-gather", AKT_ROUTE_SCATTER_GATHER },
    { "tail-chopping", AKT_ROUTE_TAIL_CHOPPING },
};

/* router(logic, props=None, instances=0, paths=None, key=None, within=None,
 * interval=None, lower=0, upper=0, resize_every=0, seed=0, name=None) */
PyObject *
pyc_system_router(SystemObject *so, PyObject *args, PyObject *kw)
{
    static char *kws[]
        = { "logic", "props", "instances", "paths", "key", "within", "interval",
              "lower", "upper", "resize_every", "seed", "name", NULL };
    pyc_state *st = PyModule_GetState(so->module);
    const char *logic, *name = NULL;
    PyObject *props = Py_None, *paths = Py_None, *key = Py_None,
             *within = Py_None, *interval = Py_None;
    unsigned int instances = 0, lower = 0, upper = 0, every = 0;
    unsigned long long seed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|OIOOOOIIIKz", kws, &logic,
            &props, &instances, &paths, &key, &within, &interval, &lower,
            &upper, &every, &seed, &name)
        || system_live(so) < 0) {
        return NULL;
    }
    akt_router_opts o;
    memset(&o, 0, sizeof o);
    for (size_t i = 0; i < sizeof routings / sizeof routings[0]; i++) {
        if (strcmp(routings[i].name, logic) == 0) {
            o.logic = routings[i].logic;
        }
    }
    if (o.logic == 0) {
        return PyErr_Format(PyExc_ValueError,
            "router: unknown logic '%s' (round-robin, random, broadcast, "
            "consistent-hash, smallest-mailbox, scatter-gather, "
            "tail-chopping)",
            logic);
    }
    if ((props == Py_None) == (paths == Py_None)) {
        return PyErr_Format(PyExc_ValueError,
            "router: give props= (a pool of Python actors) or paths= (a "
            "group of existing actors), not both");
    }
    if (within != Py_None
        && secs_ns(within, "within", false, &o.within_ns) < 0) {
        return NULL;
    }
    if (interval != Py_None
        && secs_ns(interval, "interval", false, &o.interval_ns) < 0) {
        return NULL;
    }
    o.instances = instances;
    o.lower_bound = lower;
    o.upper_bound = upper;
    o.resize_every = every;
    o.seed = seed;
    PyObject *seq = NULL;
    const char **cpaths = NULL;
    if (props != Py_None) {
        props_rec *rec = pyc_props_rec_for(so, props);
        if (rec == NULL) {
            return NULL;
        }
        o.routee_props = &rec->props;
        if (instances == 0) {
            return PyErr_Format(
                PyExc_ValueError, "router: a pool needs instances > 0");
        }
    } else {
        seq = PySequence_Fast(paths, "router: paths must be a list of str");
        if (seq == NULL) {
            return NULL;
        }
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        cpaths = calloc(n ? (size_t)n : 1, sizeof(*cpaths));
        if (cpaths == NULL) {
            Py_DECREF(seq);
            return PyErr_NoMemory();
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            cpaths[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i));
            if (cpaths[i] == NULL) {
                free(cpaths);
                Py_DECREF(seq);
                return NULL;
            }
        }
        o.paths = cpaths;
        o.npaths = (size_t)n;
    }
    if (o.logic == AKT_ROUTE_CONSISTENT_HASH) {
        if (!PyCallable_Check(key)) {
            free(cpaths);
            Py_XDECREF(seq);
            return PyErr_Format(PyExc_TypeError,
                "router: consistent-hash needs key=, a function of the "
                "message");
        }
        hashkey *h = calloc(1, sizeof(*h));
        PyObject *cap
            = h ? PyCapsule_New(h, "akt.hashkey", hashkey_free) : NULL;
        PyObject *id = cap ? PyLong_FromVoidPtr(h) : NULL;
        if (id == NULL || PyDict_SetItem(so->props_map, id, cap) < 0) {
            if (cap == NULL) {
                free(h);
            }
            Py_XDECREF(cap);
            Py_XDECREF(id);
            free(cpaths);
            Py_XDECREF(seq);
            return PyErr_NoMemory();
        }
        Py_DECREF(cap);
        Py_DECREF(id);
        h->fn = Py_NewRef(key);
        h->system = (PyObject *)so;
        h->st = st;
        o.hash_key = hashkey_call;
        o.hash_arg = h;
    }
    akt_ref out;
    akt_err rc;
    Py_BEGIN_ALLOW_THREADS rc = akt_router_spawn(so->sys, &o, name, &out);
    Py_END_ALLOW_THREADS free(cpaths);
    Py_XDECREF(seq);
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, "router");
    }
    return pyc_ref_new(st, (PyObject *)so, out);
}

PyObject *
pyc_ref_broadcast(RefObject *r, PyObject *msg)
{
    pyc_state *st = PyModule_GetState(((SystemObject *)r->system)->module);
    if (((SystemObject *)r->system)->sys == NULL) {
        return pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
    }
    void *m = pyc_to_msg(st, msg, AKT_REF_NONE);
    if (m == NULL) {
        return NULL;
    }
    akt_err rc = akt_router_broadcast(r->ref, m, AKT_REF_NONE);
    if (rc != AKT_OK) {
        akt_msg_free(m);
        return pyc_raise(st, rc, "broadcast");
    }
    Py_RETURN_NONE;
}

PyObject *
pyc_ref_routees(RefObject *r, PyObject *args)
{
    pyc_state *st = PyModule_GetState(((SystemObject *)r->system)->module);
    double secs = 5.0;
    if (!PyArg_ParseTuple(args, "|d", &secs)) {
        return NULL;
    }
    if (((SystemObject *)r->system)->sys == NULL) {
        return pyc_raise(st, AKT_ECLOSED, "the actor system was terminated");
    }
    akt_Routees *out = NULL;
    akt_err rc;
    Py_BEGIN_ALLOW_THREADS rc
        = akt_router_routees(r->ref, (int64_t)(secs * 1e9), &out);
    Py_END_ALLOW_THREADS if (rc != AKT_OK)
    {
        return pyc_raise(st, rc, "routees");
    }
    PyObject *l = PyList_New((Py_ssize_t)out->len);
    for (size_t i = 0; l && i < out->len; i++) {
        PyObject *ref = pyc_ref_new(st, r->system, out->refs[i]);
        if (ref == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, ref);
    }
    akt_msg_free(out);
    return l;
}

PyObject *
pyc_ref_resize(RefObject *r, PyObject *delta)
{
    pyc_state *st = PyModule_GetState(((SystemObject *)r->system)->module);
    long d = PyLong_AsLong(delta);
    if (d == -1 && PyErr_Occurred()) {
        return NULL;
    }
    akt_err rc = akt_router_resize(r->ref, (int32_t)d);
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, "resize");
    }
    Py_RETURN_NONE;
}

/* --- the log bridge
 * ------------------------------------------------------------ */

enum { LOGQ_CAP = 1024 };

typedef struct logent {
    int level;
    int64_t ts;
    char *path, *text;
} logent;

typedef struct pyc_logq {
    pthread_mutex_t mu;
    logent ents[LOGQ_CAP];
    size_t head, n;
    uint64_t dropped;
    bool signaled;
    int efd;
} pyc_logq;

static void
logq_sink(const akt_LogEvent *ev, void *arg)
{
    pyc_logq *q = arg;
    char *path = strndup(ev->path.ptr ? ev->path.ptr : "", ev->path.len);
    char *text = strndup(ev->text.ptr ? ev->text.ptr : "", ev->text.len);
    bool wake = false;
    pthread_mutex_lock(&q->mu);
    if (q->n == LOGQ_CAP || path == NULL || text == NULL) {
        q->dropped++;
        pthread_mutex_unlock(&q->mu);
        free(path);
        free(text);
        return;
    }
    q->ents[(q->head + q->n) % LOGQ_CAP]
        = (logent) { ev->level, ev->timestamp_ns, path, text };
    q->n++;
    if (!q->signaled) {
        q->signaled = wake = true;
    }
    pthread_mutex_unlock(&q->mu);
    if (wake) {
        uint64_t one = 1;
        ssize_t w;
        do {
            w = write(q->efd, &one, sizeof one);
        } while (w < 0 && errno == EINTR);
    }
}

int
pyc_logq_start(SystemObject *so)
{
    pyc_logq *q = calloc(1, sizeof(*q));
    if (q == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->efd < 0) {
        free(q);
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    pthread_mutex_init(&q->mu, NULL);
    so->logq = q;
    akt_err rc = akt_log_set_sink(so->sys, logq_sink, q, NULL);
    if (rc != AKT_OK) {
        pyc_raise(PyModule_GetState(so->module), rc, "log sink");
        return -1;
    }
    return 0;
}

/* hand what is queued to Python's logging (GIL held) */
static size_t
logq_drain(SystemObject *so)
{
    pyc_logq *q = so->logq;
    pyc_state *st = PyModule_GetState(so->module);
    if (q == NULL) {
        return 0;
    }
    uint64_t v;
    ssize_t rn;
    do {
        rn = read(q->efd, &v, sizeof v);
    } while (rn < 0 && errno == EINTR);
    logent batch[64];
    size_t total = 0;
    for (;;) {
        pthread_mutex_lock(&q->mu);
        size_t k = 0;
        while (k < 64 && q->n > 0) {
            batch[k++] = q->ents[q->head];
            q->head = (q->head + 1) % LOGQ_CAP;
            q->n--;
        }
        uint64_t dropped = q->dropped;
        q->dropped = 0;
        if (k == 0) {
            q->signaled = false;
        }
        pthread_mutex_unlock(&q->mu);
        if (dropped && st->emit_log_fn) {
            char text[96];
            snprintf(text, sizeof text,
                "%llu akt log events were dropped (the Python log queue "
                "was full)",
                (unsigned long long)dropped);
            PyObject *r = PyObject_CallFunction(st->emit_log_fn, "issd",
                (int)AKT_LOG_WARNING, "akt", text, 0.0);
            Py_XDECREF(r);
            PyErr_Clear();
        }
        for (size_t i = 0; i < k; i++) {
            if (st->emit_log_fn) {
                PyObject *r = PyObject_CallFunction(st->emit_log_fn, "issd",
                    batch[i].level, batch[i].path, batch[i].text,
                    (double)batch[i].ts / 1e9);
                if (r == NULL) {
                    PyErr_WriteUnraisable(st->emit_log_fn);
                }
                Py_XDECREF(r);
            }
            free(batch[i].path);
            free(batch[i].text);
        }
        total += k;
        if (k == 0) {
            return total;
        }
    }
}

/* after akt_system_free: what is left goes to logging, then the queue */
void
pyc_logq_stop(SystemObject *so)
{
    if (so->logq == NULL) {
        return;
    }
    logq_drain(so);
    pthread_mutex_destroy(&so->logq->mu);
    close(so->logq->efd);
    free(so->logq);
    so->logq = NULL;
}

PyObject *
pyc_system_log_fileno(SystemObject *so, PyObject *unused)
{
    (void)unused;
    if (so->logq == NULL) {
        return pyc_raise(PyModule_GetState(so->module), AKT_ECLOSED,
            "the actor system was terminated");
    }
    return PyLong_FromLong(so->logq->efd);
}

PyObject *
pyc_system_drain_log(SystemObject *so, PyObject *unused)
{
    (void)unused;
    return PyLong_FromSize_t(logq_drain(so));
}

/* log(level, text): through akt's log (the event stream's LogEvent
 * subscribers see it; it comes back to logging through the bridge) */
PyObject *
pyc_system_log(SystemObject *so, PyObject *args)
{
    int level;
    const char *text;
    if (!PyArg_ParseTuple(args, "is", &level, &text) || system_live(so) < 0) {
        return NULL;
    }
    if (level < AKT_LOG_ERROR || level > AKT_LOG_DEBUG) {
        return PyErr_Format(PyExc_ValueError,
            "log: level is 1 (error) .. 4 (debug), got %d", level);
    }
    akt_log(so->sys, (akt_log_level)level, AKT_REF_NONE, "%s", text);
    Py_RETURN_NONE;
}
