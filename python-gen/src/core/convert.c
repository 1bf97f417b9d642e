/*
 * convert.c -- akt messages <-> Python objects, generically, through the
 * descriptors' field tables (akt/reflect.h): any IDL message becomes an
 * akt.Record(type name, {field: value}) and a Record of a registered type
 * becomes that message again. Python objects that are not Records travel
 * as they are, in a message of type akt.python.Object that holds one
 * reference (dropped with the GIL when the message is freed).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "akt/akt_gen.h"
#include "akt/reflect.h"
#include "pycore.h"
#include "pydisp.h"
#include "schema.h"

/* --- the message that carries a Python object -----------------------------
 *
 * akt.python.Object holds one reference to any Python object: between
 * actors of one interpreter it is the object itself, never copied. It is
 * also serializable, by pickle, for a receiver in another interpreter (a
 * remote node, a subprocess worker): its encode writes the msgpack map
 * {1: pickle.dumps(obj)} and its decode unpickles, each taking the GIL on
 * whatever thread the wire runs it. A send to a remote actor pickles at
 * once (an unpicklable object fails the send, not the wire); a reply that
 * leaves through a remote ask's future is pickled when it is encoded. Only
 * nodes that trust each other should exchange them: unpickling runs code,
 * and the remoting cookie is what decides who is a peer. */

typedef struct pyc_objmsg {
    PyObject *obj;
    PyObject *pickled; /* bytes, when pickled before the send; or NULL */
    /* the interpreter obj and pickled belong to (NULL: the main one) */
    PyInterpreterState *interp;
    /* pickled by a subinterpreter's actor: in C memory (malloc), and obj
     * and pickled NULL -- no object of it leaves its interpreter */
    char *raw;
    size_t rawlen;
} pyc_objmsg;

static bool
py_alive(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsInitialized() && !Py_IsFinalizing();
#else
    return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

static void
pyobj_fini(void *obj)
{
    pyc_objmsg *m = obj;
    free(m->raw);
    m->raw = NULL;
    if (m->obj == NULL && m->pickled == NULL) {
        return;
    }
    if (!py_alive()) {
        return; /* the interpreter is going away: leak the references */
    }
    pyc_gil g = pyc_gil_ensure(m->interp);
    if (g.ok) { /* (else its subinterpreter ended: they went with it) */
        Py_CLEAR(m->obj);
        Py_CLEAR(m->pickled);
    }
    pyc_gil_release(&g);
}

/* pickle.dumps / pickle.loads (GIL held); a new reference or NULL */
static PyObject *
pickle_call(const char *fn, PyObject *arg)
{
    PyObject *mod = PyImport_ImportModule("pickle");
    PyObject *f = mod ? PyObject_GetAttrString(mod, fn) : NULL;
    PyObject *r = f ? PyObject_CallOneArg(f, arg) : NULL;
    Py_XDECREF(f);
    Py_XDECREF(mod);
    return r;
}

static akt_err
pyobj_encode(const void *obj, akt_buf *out)
{
    const pyc_objmsg *m = obj;
    if (m->raw != NULL) {
        akt_err rc = akt_mp_put_map(out, 1);
        if (rc == AKT_OK) {
            rc = akt_mp_put_uint(out, 1);
        }
        if (rc == AKT_OK) {
            rc = akt_mp_put_bin(out, m->raw, m->rawlen);
        }
        return rc;
    }
    if (m->pickled != NULL) {
        /* pickled by the sender: an immutable bytes object this message
         * holds a reference to, read without the GIL */
        akt_err rc = akt_mp_put_map(out, 1);
        if (rc == AKT_OK) {
            rc = akt_mp_put_uint(out, 1);
        }
        if (rc == AKT_OK) {
            rc = akt_mp_put_bin(out, PyBytes_AS_STRING(m->pickled),
                (size_t)PyBytes_GET_SIZE(m->pickled));
        }
        return rc;
    }
    if (!py_alive()) {
        return AKT_ECLOSED;
    }
    pyc_gil g = pyc_gil_ensure(m->interp);
    if (!g.ok) {
        return AKT_ECLOSED;
    }
    PyObject *b
        = m->pickled ? Py_NewRef(m->pickled) : pickle_call("dumps", m->obj);
    akt_err rc = AKT_EINVAL; /* not picklable */
    if (b != NULL && PyBytes_Check(b)) {
        rc = akt_mp_put_map(out, 1);
        if (rc == AKT_OK) {
            rc = akt_mp_put_uint(out, 1);
        }
        if (rc == AKT_OK) {
            rc = akt_mp_put_bin(
                out, PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b));
        }
    }
    Py_XDECREF(b);
    PyErr_Clear();
    pyc_gil_release(&g);
    return rc;
}

static akt_err
pyobj_decode(void *obj, akt_reader *r, akt_arena *arena)
{
    pyc_objmsg *m = obj;
    uint32_t n;
    akt_bytes data = { NULL, 0 };
    bool seen = false;
    if (akt_mp_get_map(r, &n) != AKT_OK) {
        return r->err;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t key;
        if (akt_mp_get_uint(r, &key) != AKT_OK) {
            return r->err;
        }
        if (key == 1) {
            if (akt_mp_get_bin(r, arena, &data) != AKT_OK) {
                return r->err;
            }
            seen = true;
        } else if (akt_mp_skip(r) != AKT_OK) {
            return r->err;
        }
    }
    if (!seen || !py_alive()) {
        return akt_mp_fail(r, AKT_EPROTO);
    }
    pyc_gil g = pyc_gil_ensure(NULL);
    PyObject *raw = PyBytes_FromStringAndSize(
        (const char *)data.ptr, (Py_ssize_t)data.len);
    m->obj = raw ? pickle_call("loads", raw) : NULL;
    Py_XDECREF(raw);
    PyErr_Clear();
    pyc_gil_release(&g);
    return m->obj ? AKT_OK : akt_mp_fail(r, AKT_EPROTO);
}

akt_type pyc_object_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "akt.python.Object",
    .size = sizeof(pyc_objmsg),
    .align = _Alignof(pyc_objmsg),
    .fini = pyobj_fini,
    .encode = pyobj_encode,
    .decode = pyobj_decode,
    .doc = "a Python object: itself inside one interpreter, pickled "
           "between interpreters",
};

/* o in an akt.python.Object; pickle_now: pickled at once (it leaves this
 * interpreter); c_only: as those bytes in C memory only, holding no object
 * of this interpreter (it goes to, or leaves, a subinterpreter: nobody
 * enters this interpreter to drop it) */
static void *
object_msg(PyObject *o, bool pickle_now, bool c_only)
{
    PyObject *b = pickle_now ? pickle_call("dumps", o) : NULL;
    if (pickle_now && b == NULL) {
        /* the pickling error, for the sender, as a TypeError that says so
         * (pickle's own texts differ between versions) */
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        PyErr_NormalizeException(&et, &ev, &tb);
        if (ev != NULL && tb != NULL) {
            PyException_SetTraceback(ev, tb);
        }
        PyErr_Format(PyExc_TypeError,
            "a %s leaves this interpreter pickled, and it does not "
            "pickle: %S",
            Py_TYPE(o)->tp_name, ev ? ev : Py_None);
        if (ev != NULL) {
            PyObject *t2, *e2, *tb2;
            PyErr_Fetch(&t2, &e2, &tb2);
            PyErr_NormalizeException(&t2, &e2, &tb2);
            PyException_SetCause(e2, ev); /* (takes ev) */
            PyErr_Restore(t2, e2, tb2);
        }
        Py_XDECREF(et);
        Py_XDECREF(tb);
        return NULL;
    }
    pyc_objmsg *m = akt_msg_new(&pyc_object_type, 0);
    if (m == NULL) {
        Py_XDECREF(b);
        PyErr_NoMemory();
        return NULL;
    }
    PyInterpreterState *here = PyInterpreterState_Get();
    if (b != NULL && c_only) {
        m->rawlen = (size_t)PyBytes_GET_SIZE(b);
        m->raw = malloc(m->rawlen ? m->rawlen : 1);
        if (m->raw == NULL) {
            Py_DECREF(b);
            akt_msg_free(m);
            PyErr_NoMemory();
            return NULL;
        }
        memcpy(m->raw, PyBytes_AS_STRING(b), m->rawlen);
        Py_DECREF(b);
        return m;
    }
    m->interp = here == PyInterpreterState_Main() ? NULL : here;
    m->obj = Py_NewRef(o);
    m->pickled = b;
    return m;
}

/* --- akt -> Python -------------------------------------------------------- */

static PyObject *
unpickle_buf(const char *p, size_t n)
{
    PyObject *raw = PyBytes_FromStringAndSize(p, (Py_ssize_t)n);
    PyObject *o = raw ? pickle_call("loads", raw) : NULL;
    Py_XDECREF(raw);
    return o;
}

/* the object an akt.python.Object carries, in st's interpreter: itself
 * where it belongs there; else unpickled from its bytes (pickled in its
 * own interpreter first when it came without: through a C actor) */
static PyObject *
objmsg_to_py(pyc_state *st, const pyc_objmsg *m)
{
    PyInterpreterState *main_is = PyInterpreterState_Main();
    PyInterpreterState *owner = m->interp ? m->interp : main_is;
    PyInterpreterState *here = st->interp ? st->interp : main_is;
    if (m->obj != NULL && owner == here) {
        return Py_NewRef(m->obj);
    }
    if (m->raw != NULL) {
        return unpickle_buf(m->raw, m->rawlen);
    }
    if (m->pickled != NULL) {
        /* immutable bytes the message keeps alive: read without its GIL */
        return unpickle_buf(PyBytes_AS_STRING(m->pickled),
            (size_t)PyBytes_GET_SIZE(m->pickled));
    }
    if (m->obj == NULL) {
        PyErr_SetString(PyExc_TypeError, "akt: an empty akt.python.Object");
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0;
    char why[200] = "its interpreter ended";
    pyc_gil g = pyc_gil_ensure(owner);
    if (g.ok) {
        PyObject *b = pickle_call("dumps", m->obj);
        if (b != NULL && PyBytes_Check(b)) {
            len = (size_t)PyBytes_GET_SIZE(b);
            buf = malloc(len ? len : 1);
            if (buf != NULL) {
                memcpy(buf, PyBytes_AS_STRING(b), len);
            }
        } else {
            PyObject *et, *ev, *tb;
            PyErr_Fetch(&et, &ev, &tb);
            PyObject *s = ev ? PyObject_Str(ev) : NULL;
            const char *txt = s ? PyUnicode_AsUTF8(s) : NULL;
            snprintf(why, sizeof why, "%s", txt ? txt : "pickling failed");
            Py_XDECREF(s);
            Py_XDECREF(et);
            Py_XDECREF(ev);
            Py_XDECREF(tb);
            PyErr_Clear();
        }
        Py_XDECREF(b);
    }
    pyc_gil_release(&g);
    if (buf == NULL) {
        PyErr_Format(PyExc_TypeError,
            "akt: a Python object of another interpreter does not pickle: "
            "%s",
            why);
        return NULL;
    }
    PyObject *o = unpickle_buf(buf, len);
    free(buf);
    return o;
}

static PyObject *record_from(
    pyc_state *st, PyObject *system, const akt_type *t, const void *obj);

static PyObject *
elem_to_py(pyc_state *st, PyObject *system, uint16_t kind, const akt_field *f,
    const void *p)
{
    switch (kind) {
    case AKT_KIND_BOOL:
        return PyBool_FromLong(*(const bool *)p);
    case AKT_KIND_INT8:
        return PyLong_FromLong(*(const int8_t *)p);
    case AKT_KIND_INT16:
        return PyLong_FromLong(*(const int16_t *)p);
    case AKT_KIND_INT32:
    case AKT_KIND_ENUM:
        return PyLong_FromLong(*(const int32_t *)p);
    case AKT_KIND_INT64:
        return PyLong_FromLongLong(*(const int64_t *)p);
    case AKT_KIND_UINT8:
        return PyLong_FromUnsignedLong(*(const uint8_t *)p);
    case AKT_KIND_UINT16:
        return PyLong_FromUnsignedLong(*(const uint16_t *)p);
    case AKT_KIND_UINT32:
        return PyLong_FromUnsignedLong(*(const uint32_t *)p);
    case AKT_KIND_UINT64:
        return PyLong_FromUnsignedLongLong(*(const uint64_t *)p);
    case AKT_KIND_FLOAT32:
        return PyFloat_FromDouble(*(const float *)p);
    case AKT_KIND_FLOAT64:
        return PyFloat_FromDouble(*(const double *)p);
    case AKT_KIND_STRING: {
        const akt_str *s = p;
        return PyUnicode_DecodeUTF8(
            s->ptr ? s->ptr : "", (Py_ssize_t)s->len, "surrogateescape");
    }
    case AKT_KIND_BYTES: {
        const akt_bytes *b = p;
        return PyBytes_FromStringAndSize(
            (const char *)b->ptr, (Py_ssize_t)b->len);
    }
    case AKT_KIND_MESSAGE:
        return record_from(st, system, f->msg_type, p);
    case AKT_KIND_REF:
        return pyc_ref_new(st, system, *(const akt_ref *)p);
    default:
        PyErr_Format(PyExc_TypeError,
            "akt: field '%s' has kind %d, which "
            "Python cannot read yet",
            f->name, (int)kind);
        return NULL;
    }
}

static PyObject *
value_to_py(
    pyc_state *st, PyObject *system, const akt_field *f, const void *obj)
{
    akt_value v;
    akt_err rc = akt_field_get(f, obj, &v);
    if (rc == AKT_ENOENT) {
        Py_RETURN_NONE;
    }
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, f->name);
    }
    switch (f->kind) {
    case AKT_KIND_BOOL:
        return PyBool_FromLong(v.v.b);
    case AKT_KIND_INT8:
    case AKT_KIND_INT16:
    case AKT_KIND_INT32:
    case AKT_KIND_INT64:
    case AKT_KIND_ENUM:
        return PyLong_FromLongLong(v.v.i);
    case AKT_KIND_UINT8:
    case AKT_KIND_UINT16:
    case AKT_KIND_UINT32:
    case AKT_KIND_UINT64:
        return PyLong_FromUnsignedLongLong(v.v.u);
    case AKT_KIND_FLOAT32:
    case AKT_KIND_FLOAT64:
        return PyFloat_FromDouble(v.v.f);
    case AKT_KIND_STRING:
        return elem_to_py(st, system, AKT_KIND_STRING, f, &v.v.s);
    case AKT_KIND_BYTES:
        return elem_to_py(st, system, AKT_KIND_BYTES, f, &v.v.bytes);
    case AKT_KIND_MESSAGE:
        if (v.v.msg == NULL) {
            Py_RETURN_NONE;
        }
        return record_from(st, system, f->msg_type, v.v.msg);
    case AKT_KIND_REF:
        return pyc_ref_new(st, system, v.v.ref);
    case AKT_KIND_LIST: {
        PyObject *l = PyList_New((Py_ssize_t)v.v.list.len);
        for (size_t i = 0; l && i < v.v.list.len; i++) {
            PyObject *e = elem_to_py(st, system, f->elem_kind, f,
                (const char *)v.v.list.items + i * akt_field_elem_size(f));
            if (e == NULL) {
                Py_CLEAR(l);
                break;
            }
            PyList_SET_ITEM(l, (Py_ssize_t)i, e);
        }
        return l;
    }
    case AKT_KIND_MAP: {
        PyObject *d = PyDict_New();
        size_t ksize = f->key_kind == AKT_KIND_STRING ? sizeof(akt_str)
            : f->key_kind == AKT_KIND_BOOL || f->key_kind == AKT_KIND_INT8
                || f->key_kind == AKT_KIND_UINT8
            ? 1
            : f->key_kind == AKT_KIND_INT16 || f->key_kind == AKT_KIND_UINT16
            ? 2
            : f->key_kind == AKT_KIND_INT64 || f->key_kind == AKT_KIND_UINT64
            ? 8
            : 4;
        for (size_t i = 0; d && i < v.v.map.len; i++) {
            PyObject *k = elem_to_py(st, system, f->key_kind, f,
                (const char *)v.v.map.keys + i * ksize);
            PyObject *e = k
                ? elem_to_py(st, system, f->elem_kind, f,
                    (const char *)v.v.map.values + i * akt_field_elem_size(f))
                : NULL;
            if (e == NULL || PyDict_SetItem(d, k, e) < 0) {
                Py_CLEAR(d);
            }
            Py_XDECREF(k);
            Py_XDECREF(e);
        }
        return d;
    }
    default:
        PyErr_Format(PyExc_TypeError,
            "akt: field '%s' has a kind Python cannot read yet", f->name);
        return NULL;
    }
}

static PyObject *
record_from(pyc_state *st, PyObject *system, const akt_type *t, const void *obj)
{
    if (st->record_cls == NULL) {
        PyErr_SetString(
            PyExc_RuntimeError, "akt: the akt package is not set up");
        return NULL;
    }
    PyObject *fields = PyDict_New();
    if (fields == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < t->nfields; i++) {
        const akt_field *f = &t->fields[i];
        PyObject *v = value_to_py(st, system, f, obj);
        if (v == NULL || PyDict_SetItemString(fields, f->name, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(fields);
            return NULL;
        }
        Py_DECREF(v);
    }
    PyObject *r = PyObject_CallFunction(st->record_cls, "sO", t->name, fields);
    Py_DECREF(fields);
    return r;
}

PyObject *
pyc_from_msg(pyc_state *st, PyObject *system, const void *msg)
{
    const akt_type *t = akt_msg_type(msg);
    if (t == &pyc_object_type) {
        return objmsg_to_py(st, msg);
    }
    if (t == &akt_terminated_type) {
        PyObject *r
            = pyc_ref_new(st, system, ((const akt_Terminated *)msg)->actor);
        if (r == NULL) {
            return NULL;
        }
        PyObject *o = PyObject_CallOneArg(st->terminated_cls, r);
        Py_DECREF(r);
        return o;
    }
    pyb_msg *b = pyb_of_id(st, t->id);
    if (b) {
        return pyb_from_struct(st, system, b, t, msg);
    }
    PyObject *ev = pyc_event_from_msg(st, system, msg);
    if (ev || PyErr_Occurred()) {
        return ev;
    }
    if (t->fields == NULL && t->nfields > 0) {
        PyErr_Format(PyExc_TypeError, "akt: message type %s has no field table",
            t->name);
        return NULL;
    }
    if (st->registry) {
        akt_registry_add(st->registry, t); /* replies by name just work */
    }
    return record_from(st, system, t, msg);
}

/* --- Python -> akt -------------------------------------------------------- */

static int fill_struct(pyc_state *st, const akt_type *t, void *obj,
    akt_arena *arena, PyObject *fields);

static int
field_error(pyc_state *st, const akt_type *t, const akt_field *f, akt_err rc)
{
    PyObject *cls = rc == AKT_ERANGE || rc == AKT_EINVAL ? PyExc_ValueError
                                                         : PyExc_TypeError;
    (void)st;
    PyErr_Format(cls, "%s.%s: %s", t->name, f->name, akt_strerror(rc));
    return -1;
}

/* scalar Python value -> raw element of kind at p (for lists) or v */
static int
py_to_value(pyc_state *st, const akt_type *t, const akt_field *f, uint16_t kind,
    PyObject *o, akt_value *v, void **tmp)
{
    memset(v, 0, sizeof(*v));
    v->kind = kind;
    switch (kind) {
    case AKT_KIND_BOOL:
        if (!PyBool_Check(o)) {
            goto type_err;
        }
        v->v.b = o == Py_True;
        return 0;
    case AKT_KIND_INT8:
    case AKT_KIND_INT16:
    case AKT_KIND_INT32:
    case AKT_KIND_INT64:
    case AKT_KIND_ENUM: {
        if (!PyLong_Check(o)) {
            goto type_err;
        }
        int over = 0;
        v->v.i = PyLong_AsLongLongAndOverflow(o, &over);
        int64_t lo = kind == AKT_KIND_INT8 ? INT8_MIN
            : kind == AKT_KIND_INT16       ? INT16_MIN
            : kind == AKT_KIND_INT64       ? INT64_MIN
                                           : INT32_MIN;
        int64_t hi = kind == AKT_KIND_INT8 ? INT8_MAX
            : kind == AKT_KIND_INT16       ? INT16_MAX
            : kind == AKT_KIND_INT64       ? INT64_MAX
                                           : INT32_MAX;
        if (over || v->v.i < lo || v->v.i > hi) {
            return field_error(st, t, f, AKT_ERANGE);
        }
        return 0;
    }
    case AKT_KIND_UINT8:
    case AKT_KIND_UINT16:
    case AKT_KIND_UINT32:
    case AKT_KIND_UINT64:
        if (!PyLong_Check(o)) {
            goto type_err;
        }
        v->v.u = PyLong_AsUnsignedLongLong(o);
        if (PyErr_Occurred()) {
            PyErr_Clear();
            return field_error(st, t, f, AKT_ERANGE);
        }
        if ((kind == AKT_KIND_UINT8 && v->v.u > UINT8_MAX)
            || (kind == AKT_KIND_UINT16 && v->v.u > UINT16_MAX)
            || (kind == AKT_KIND_UINT32 && v->v.u > UINT32_MAX)) {
            return field_error(st, t, f, AKT_ERANGE);
        }
        return 0;
    case AKT_KIND_FLOAT32:
    case AKT_KIND_FLOAT64:
        if (!PyFloat_Check(o) && !PyLong_Check(o)) {
            goto type_err;
        }
        v->v.f = PyFloat_AsDouble(o);
        return PyErr_Occurred() ? -1 : 0;
    case AKT_KIND_STRING: {
        if (!PyUnicode_Check(o)) {
            goto type_err;
        }
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(o, &n);
        if (s == NULL) {
            return -1;
        }
        v->v.s = (akt_str) { s, (size_t)n };
        return 0;
    }
    case AKT_KIND_BYTES: {
        char *b;
        Py_ssize_t n;
        if (!PyBytes_Check(o) || PyBytes_AsStringAndSize(o, &b, &n) < 0) {
            goto type_err;
        }
        v->v.bytes = (akt_bytes) { (const uint8_t *)b, (size_t)n };
        return 0;
    }
    case AKT_KIND_REF:
        if (!PyObject_TypeCheck(o, st->ref_type)) {
            goto type_err;
        }
        v->v.ref = pyc_ref_get(o);
        return 0;
    case AKT_KIND_MESSAGE: {
        if (o == Py_None) {
            v->v.msg = NULL;
            return 0;
        }
        if (st->record_cls == NULL || !PyObject_IsInstance(o, st->record_cls)) {
            goto type_err;
        }
        void *m = akt_msg_new(f->msg_type, 0);
        if (m == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        PyObject *fields = PyObject_GetAttrString(o, "_fields");
        int rc = fields
            ? fill_struct(st, f->msg_type, m, akt_msg_arena(m), fields)
            : -1;
        Py_XDECREF(fields);
        if (rc < 0) {
            akt_msg_free(m);
            return -1;
        }
        *tmp = m;
        v->v.msg = m;
        return 0;
    }
    default:
        PyErr_Format(PyExc_TypeError,
            "%s.%s: this field kind cannot be set from Python yet", t->name,
            f->name);
        return -1;
    }
type_err:
    PyErr_Format(PyExc_TypeError, "%s.%s: unexpected %s", t->name, f->name,
        Py_TYPE(o)->tp_name);
    return -1;
}

static void
store_elem(uint16_t kind, void *p, const akt_value *v)
{
    switch (kind) {
    case AKT_KIND_BOOL:
        *(bool *)p = v->v.b;
        break;
    case AKT_KIND_INT8:
        *(int8_t *)p = (int8_t)v->v.i;
        break;
    case AKT_KIND_INT16:
        *(int16_t *)p = (int16_t)v->v.i;
        break;
    case AKT_KIND_INT32:
    case AKT_KIND_ENUM:
        *(int32_t *)p = (int32_t)v->v.i;
        break;
    case AKT_KIND_INT64:
        *(int64_t *)p = v->v.i;
        break;
    case AKT_KIND_UINT8:
        *(uint8_t *)p = (uint8_t)v->v.u;
        break;
    case AKT_KIND_UINT16:
        *(uint16_t *)p = (uint16_t)v->v.u;
        break;
    case AKT_KIND_UINT32:
        *(uint32_t *)p = (uint32_t)v->v.u;
        break;
    case AKT_KIND_UINT64:
        *(uint64_t *)p = v->v.u;
        break;
    case AKT_KIND_FLOAT32:
        *(float *)p = (float)v->v.f;
        break;
    case AKT_KIND_FLOAT64:
        *(double *)p = v->v.f;
        break;
    case AKT_KIND_STRING:
        *(akt_str *)p = v->v.s;
        break;
    case AKT_KIND_BYTES:
        *(akt_bytes *)p = v->v.bytes;
        break;
    case AKT_KIND_REF:
        *(akt_ref *)p = v->v.ref;
        break;
    default:
        break;
    }
}

static int
set_field(pyc_state *st, const akt_type *t, const akt_field *f, void *obj,
    akt_arena *arena, PyObject *o)
{
    if (o == Py_None
        && ((f->flags & AKT_FIELD_OPTIONAL) || f->kind == AKT_KIND_MESSAGE)) {
        akt_field_clear(t, f, obj);
        return 0;
    }
    akt_value v;
    void *tmp = NULL;
    if (f->kind == AKT_KIND_LIST) {
        if (f->elem_kind == AKT_KIND_MESSAGE || f->elem_kind == AKT_KIND_LIST
            || f->elem_kind == AKT_KIND_MAP) {
            PyErr_Format(PyExc_TypeError,
                "%s.%s: lists of this kind cannot be set from Python yet",
                t->name, f->name);
            return -1;
        }
        PyObject *seq = PySequence_Fast(o, "a list");
        if (seq == NULL) {
            PyErr_Format(PyExc_TypeError, "%s.%s: expected a list, got %s",
                t->name, f->name, Py_TYPE(o)->tp_name);
            return -1;
        }
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        char *items = calloc(n ? (size_t)n : 1, akt_field_elem_size(f));
        if (items == NULL) {
            Py_DECREF(seq);
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            akt_value ev;
            void *etmp = NULL;
            if (py_to_value(st, t, f, f->elem_kind,
                    PySequence_Fast_GET_ITEM(seq, i), &ev, &etmp)
                < 0) {
                free(items);
                Py_DECREF(seq);
                return -1;
            }
            store_elem(
                f->elem_kind, items + (size_t)i * akt_field_elem_size(f), &ev);
        }
        memset(&v, 0, sizeof v);
        v.kind = AKT_KIND_LIST;
        v.v.list = (akt_list) { items, (size_t)n };
        akt_err rc = akt_field_set(f, obj, &v, arena);
        free(items);
        Py_DECREF(seq);
        return rc == AKT_OK ? 0 : field_error(st, t, f, rc);
    }
    if (f->kind == AKT_KIND_MAP) {
        PyErr_Format(PyExc_TypeError,
            "%s.%s: maps cannot be set from Python yet", t->name, f->name);
        return -1;
    }
    if (py_to_value(st, t, f, f->kind, o, &v, &tmp) < 0) {
        return -1;
    }
    akt_err rc = akt_field_set(f, obj, &v, arena);
    if (tmp) {
        akt_msg_free(tmp);
    }
    return rc == AKT_OK ? 0 : field_error(st, t, f, rc);
}

static int
fill_struct(pyc_state *st, const akt_type *t, void *obj, akt_arena *arena,
    PyObject *fields)
{
    if (!PyDict_Check(fields)) {
        PyErr_SetString(PyExc_TypeError, "akt: Record fields must be a dict");
        return -1;
    }
    PyObject *k, *o;
    Py_ssize_t pos = 0;
    while (PyDict_Next(fields, &pos, &k, &o)) {
        const char *name = PyUnicode_AsUTF8(k);
        if (name == NULL) {
            return -1;
        }
        const akt_field *f = akt_type_field_by_name(t, name);
        if (f == NULL) {
            PyErr_Format(
                PyExc_ValueError, "%s has no field '%s'", t->name, name);
            return -1;
        }
        if (set_field(st, t, f, obj, arena, o) < 0) {
            return -1;
        }
    }
    return 0;
}

void *
pyc_to_msg(pyc_state *st, PyObject *o, akt_ref dest)
{
    return pyc_to_msg_for(st, o, pydisp_dest_kind(dest));
}

void *
pyc_to_msg_for(pyc_state *st, PyObject *o, int where)
{
    pyb_msg *b = pyb_of_object(st, o);
    /* a subinterpreter's object leaves it pickled for anyone but an actor
     * of the same interpreter (a C actor, a future, another interpreter) */
    bool in_sub = PyInterpreterState_Get() != PyInterpreterState_Main();
    bool cross = where == PYDISP_DEST_REMOTE || where == PYDISP_DEST_INTERP
        || (where != PYDISP_DEST_PYTHON && in_sub);
    if (b && where != PYDISP_DEST_PYTHON) {
        return pyb_to_msg(st, b, o);
    }
    if (st->record_cls && PyObject_IsInstance(o, st->record_cls) == 1) {
        PyObject *tn = PyObject_GetAttrString(o, "type");
        const char *name = tn ? PyUnicode_AsUTF8(tn) : NULL;
        const akt_type *t = name && st->registry
            ? akt_registry_find_name(st->registry, name)
            : NULL;
        if (name && t == NULL) {
            PyErr_Format(PyExc_TypeError,
                "akt: message type '%s' is not registered "
                "(akt.register_types)",
                name);
        }
        Py_XDECREF(tn);
        if (t == NULL) {
            return NULL;
        }
        void *m = akt_msg_new(t, 0);
        if (m == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        PyObject *fields = PyObject_GetAttrString(o, "_fields");
        int rc = fields ? fill_struct(st, t, m, akt_msg_arena(m), fields) : -1;
        Py_XDECREF(fields);
        if (rc < 0) {
            akt_msg_free(m);
            return NULL;
        }
        return m;
    }
    return object_msg(o, cross, where == PYDISP_DEST_INTERP || in_sub);
}
