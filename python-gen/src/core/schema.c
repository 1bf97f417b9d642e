/*
 * schema.c -- the classes of modules made by `aktc --py_out`, bound to akt
 * descriptors.
 *
 * A generated module defines akt.Message subclasses (just __slots__) and
 * IntEnums, then calls akt.bind_module(name, messages, enums) with the
 * field table of each message (name, number, kind, element and key kinds,
 * nested type, optional, default). Binding:
 *
 *  - resolves each field's slot (the member descriptor's offset, so
 *    conversions read and write instances without attribute lookups), its
 *    nested message or enum binding and its default value;
 *  - uses the descriptor a C extension registered for the same type
 *    (akt.register_types) after comparing it with the table (schema hash,
 *    then field by field: akt.SchemaMismatch lists every difference), or
 *    builds a run-time descriptor from the table (natural alignment, the
 *    layout aktc gives C, AKT_TYPE_TABLE) and registers it, so messages
 *    made in Python reach C actors, remoting and the wire codec.
 *
 * akt.Message (the base type) checks and normalizes the fields when an
 * instance is made (errors name "pkg.Type.field"), and gives repr, ==,
 * hash, pickling and immutability; instances convert to akt messages and
 * back here, in C, without going through attribute lookups or dicts.
 *
 * Bindings and descriptors live as long as the process (messages may
 * outlive the module; the registry keeps pointing at them).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include <structmember.h>

#include "akt/reflect.h"
#include "schema.h"

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#endif

typedef struct pyb_enum {
    char *qname;
    PyObject *cls; /* the IntEnum */
    PyObject *members; /* int -> member */
    PyObject *first; /* the first member (the default) */
    akt_enum_type *desc;
} pyb_enum;

typedef struct pyb_field {
    PyObject *name; /* str */
    char *cname; /* UTF-8 name */
    Py_ssize_t off; /* the slot's offset in an instance */
    uint32_t number;
    uint16_t kind, elem, key;
    bool optional;
    char *type_name; /* nested message / enum (or element's), or NULL */
    pyb_msg *msg;
    pyb_enum *en;
    PyObject *deflt; /* NULL for a nested message: its type's default */
    const akt_field *df; /* in the descriptor in use */
    const akt_field *bf; /* in the built descriptor (NULL: none built) */
} pyb_field;

struct pyb_msg {
    char *qname;
    uint64_t id, hash;
    PyTypeObject *cls;
    size_t n;
    pyb_field *f;
    const akt_type *t; /* in use */
    akt_type *built; /* ours, or NULL when C's came first */
    PyObject *deflt; /* default instance, made on first use */
    size_t rnum; /* recursion guard of the default instance */
};

/* open addressing, uint64 keys (0: empty), for the two lookups every
 * conversion makes: class -> binding, type id -> binding */
/* an open-addressing map read without a lock (any thread converting a
 * message) while bind_module, the only writer (one at a time: the
 * module's critical section), adds to it: a slot's value is stored before
 * its key (release), and a table that grows is replaced by a complete new
 * one (release); the old one stays until the map is freed */
typedef struct htab {
    struct htab *prev; /* replaced tables, freed with the map */
    size_t cap;
    uint64_t *k;
    pyb_msg **v;
} htab;

typedef struct hmap {
    htab *t;
    size_t n;
} hmap;

typedef struct pyb_tables {
    pyb_msg **msgs;
    size_t nmsgs, capmsgs;
    pyb_enum **enums;
    size_t nenums, capenums;
    hmap by_cls, by_id;
} pyb_tables;

static size_t
hmix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k;
}

static pyb_msg *
hmap_get(const hmap *h, uint64_t k)
{
    const htab *t = __atomic_load_n(&h->t, __ATOMIC_ACQUIRE);
    if (t == NULL) {
        return NULL;
    }
    for (size_t i = hmix(k) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        uint64_t ki = __atomic_load_n(&t->k[i], __ATOMIC_ACQUIRE);
        if (ki == k) {
            return __atomic_load_n(&t->v[i], __ATOMIC_ACQUIRE);
        }
        if (ki == 0) {
            return NULL;
        }
    }
}

static htab *
htab_new(size_t cap)
{
    htab *t = calloc(1, sizeof(*t));
    uint64_t *k = calloc(cap, sizeof(*k));
    pyb_msg **v = calloc(cap, sizeof(*v));
    if (t == NULL || k == NULL || v == NULL) {
        free(t);
        free(k);
        free(v);
        return NULL;
    }
    t->cap = cap;
    t->k = k;
    t->v = v;
    return t;
}

static void
hmap_free(hmap *h)
{
    htab *t = h->t;
    while (t) {
        htab *p = t->prev;
        free(t->k);
        free(t->v);
        free(t);
        t = p;
    }
    h->t = NULL;
    h->n = 0;
}

static int
hmap_put(hmap *h, uint64_t k, pyb_msg *v)
{
    htab *t = h->t;
    if (t == NULL || 2 * (h->n + 1) > t->cap) {
        size_t nc = t ? t->cap * 2 : 64;
        htab *nt = htab_new(nc);
        if (nt == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        for (size_t i = 0; t && i < t->cap; i++) {
            if (t->k[i]) {
                size_t j = hmix(t->k[i]) & (nc - 1);
                while (nt->k[j]) {
                    j = (j + 1) & (nc - 1);
                }
                nt->k[j] = t->k[i];
                nt->v[j] = t->v[i];
            }
        }
        nt->prev = t;
        __atomic_store_n(&h->t, nt, __ATOMIC_RELEASE);
        t = nt;
    }
    size_t i = hmix(k) & (t->cap - 1);
    while (t->k[i] && t->k[i] != k) {
        i = (i + 1) & (t->cap - 1);
    }
    if (t->k[i] == 0) {
        h->n++;
    }
    __atomic_store_n(&t->v[i], v, __ATOMIC_RELEASE);
    __atomic_store_n(&t->k[i], k, __ATOMIC_RELEASE);
    return 0;
}

static pyb_tables *
tables(pyc_state *st)
{
    /* (the writer's: bind_module, in the module's critical section) */
    if (st->bind == NULL) {
        __atomic_store_n(
            &st->bind, calloc(1, sizeof(pyb_tables)), __ATOMIC_RELEASE);
    }
    return st->bind;
}

static char *
xstrdup(const char *s)
{
    char *r = s ? strdup(s) : NULL;
    return r;
}

/* --- lookups -------------------------------------------------------------- */

static pyb_msg *
msg_by_name(pyc_state *st, const char *qname)
{
    pyb_tables *tb = tables(st);
    for (size_t i = 0; tb && i < tb->nmsgs; i++) {
        if (strcmp(tb->msgs[i]->qname, qname) == 0) {
            return tb->msgs[i];
        }
    }
    return NULL;
}

static pyb_enum *
enum_by_name(pyc_state *st, const char *qname)
{
    pyb_tables *tb = tables(st);
    for (size_t i = 0; tb && i < tb->nenums; i++) {
        if (strcmp(tb->enums[i]->qname, qname) == 0) {
            return tb->enums[i];
        }
    }
    return NULL;
}

pyb_msg *
pyb_of_id(pyc_state *st, uint64_t id)
{
    pyb_tables *tb = __atomic_load_n(&st->bind, __ATOMIC_ACQUIRE);
    return tb ? hmap_get(&tb->by_id, id) : NULL;
}

pyb_msg *
pyb_of_class(pyc_state *st, PyTypeObject *tp)
{
    pyb_tables *tb = __atomic_load_n(&st->bind, __ATOMIC_ACQUIRE);
    for (; tb && tp && tp != st->message_type; tp = tp->tp_base) {
        pyb_msg *b = hmap_get(&tb->by_cls, (uint64_t)(uintptr_t)tp);
        if (b) {
            return b;
        }
    }
    return NULL;
}

pyb_msg *
pyb_of_object(pyc_state *st, PyObject *o)
{
    if (st->message_type == NULL || !PyObject_TypeCheck(o, st->message_type)) {
        return NULL;
    }
    return pyb_of_class(st, Py_TYPE(o));
}

const akt_type *
pyb_type(const pyb_msg *b)
{
    return b->t;
}

/* --- kinds ------------------------------------------------------------------
 */

static const char *const kind_names[] = { "none", "bool", "int8", "int16",
    "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32",
    "float64", "string", "bytes", "message", "enum", "list", "map", "ref" };
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

static const char *
kname(uint16_t k)
{
    return k < NKINDS ? kind_names[k] : "?";
}

static int
kind_of(PyObject *o, uint16_t *out, bool allow_none)
{
    if (o == Py_None && allow_none) {
        *out = AKT_KIND_NONE;
        return 0;
    }
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    for (uint16_t k = 1; s && k < NKINDS; k++) {
        if (strcmp(s, kind_names[k]) == 0) {
            *out = k;
            return 0;
        }
    }
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "bind_module: unknown field kind %R", o);
    return -1;
}

static bool
is_scalar_key(uint16_t k)
{
    return (k >= AKT_KIND_BOOL && k <= AKT_KIND_UINT64) || k == AKT_KIND_STRING
        || k == AKT_KIND_ENUM;
}

/* --- schema hash ------------------------------------------------------------
 */

static uint64_t
fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

uint64_t
pyb_schema_hash(const akt_type *t)
{
    uint64_t h = fnv(0xcbf29ce484222325ull, t->name, strlen(t->name));
    h = fnv(h, "\n", 1);
    for (size_t i = 0; i < t->nfields; i++) {
        const akt_field *f = &t->fields[i];
        bool container = f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP;
        const char *tn = f->msg_type ? f->msg_type->name
            : f->enum_type           ? f->enum_type->name
                                     : "-";
        char line[512];
        int n = snprintf(line, sizeof line, "%u %s %u %u %u %d %s\n",
            (unsigned)f->number, f->name, (unsigned)f->kind,
            container ? (unsigned)f->elem_kind : 0u,
            f->kind == AKT_KIND_MAP ? (unsigned)f->key_kind : 0u,
            (f->flags & AKT_FIELD_OPTIONAL) ? 1 : 0, tn);
        h = fnv(h, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
    }
    return h;
}

/* --- building a descriptor from the table ------------------------------------
 */

static size_t
round_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

/* write f's default (a normalized Python value) into the defaults blob */
static int
write_default(const pyb_field *f, const akt_field *df, unsigned char *p)
{
    PyObject *d = f->deflt;
    if (d == NULL || d == Py_None || f->optional) {
        return 0;
    }
    p += df->offset;
    switch (f->kind) {
    case AKT_KIND_BOOL:
        *p = d == Py_True;
        return 0;
    case AKT_KIND_INT8:
    case AKT_KIND_UINT8: {
        long long v = PyLong_AsLongLong(d);
        *p = (unsigned char)v;
        break;
    }
    case AKT_KIND_INT16:
    case AKT_KIND_UINT16: {
        uint16_t v = (uint16_t)PyLong_AsLongLong(d);
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_INT32:
    case AKT_KIND_ENUM: {
        int32_t v = (int32_t)PyLong_AsLongLong(d);
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_UINT32: {
        uint32_t v = (uint32_t)PyLong_AsUnsignedLongLong(d);
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_INT64: {
        int64_t v = PyLong_AsLongLong(d);
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_UINT64: {
        uint64_t v = PyLong_AsUnsignedLongLong(d);
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_FLOAT32: {
        float v = (float)PyFloat_AsDouble(d);
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_FLOAT64: {
        double v = PyFloat_AsDouble(d);
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_STRING: {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(d, &n);
        if (s == NULL) {
            return -1;
        }
        if (n > 0) {
            char *copy = malloc((size_t)n + 1); /* static for the process */
            if (copy == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            memcpy(copy, s, (size_t)n + 1);
            akt_str v = { copy, (size_t)n };
            memcpy(p, &v, sizeof v);
        }
        return 0;
    }
    default:
        return 0; /* bytes, lists, maps, refs, messages: empty / none */
    }
    return PyErr_Occurred() ? -1 : 0;
}

/* pass 1: the struct layout (independent of nested types' sizes) */
static int
build_layout(pyb_msg *b)
{
    akt_type *t = calloc(1, sizeof(*t));
    akt_field *fl = calloc(b->n ? b->n : 1, sizeof(*fl));
    if (t == NULL || fl == NULL) {
        free(t);
        free(fl);
        PyErr_NoMemory();
        return -1;
    }
    size_t off = 0, al = 1;
    for (size_t i = 0; i < b->n; i++) {
        pyb_field *f = &b->f[i];
        size_t s, a;
        akt_kind_member_layout(f->kind, &s, &a);
        off = round_up(off, a);
        fl[i].name = f->cname;
        fl[i].number = f->number;
        fl[i].kind = f->kind;
        fl[i].flags = f->optional ? AKT_FIELD_OPTIONAL : 0;
        fl[i].offset = (uint32_t)off;
        off += s;
        al = a > al ? a : al;
        fl[i].has_offset = AKT_NO_OFFSET;
        if (f->optional && f->kind != AKT_KIND_MESSAGE) {
            fl[i].has_offset = (uint32_t)off++;
        }
        if (f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP) {
            fl[i].elem_kind = f->elem;
            fl[i].key_kind = f->kind == AKT_KIND_MAP ? f->key : 0;
        }
    }
    t->abi = AKT_GEN_ABI;
    t->flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE;
    t->name = b->qname;
    t->id = b->id;
    t->size = off == 0 ? 1 : round_up(off, al);
    t->align = al;
    t->fields = fl;
    t->nfields = b->n;
    t->doc = "built by akt._core from a module of aktc --py_out";
    b->built = t;
    return 0;
}

/* pass 2: nested types, element sizes, defaults */
static int
build_links(pyb_msg *b)
{
    akt_type *t = b->built;
    akt_field *fl = (akt_field *)t->fields;
    for (size_t i = 0; i < b->n; i++) {
        pyb_field *f = &b->f[i];
        uint16_t vk = (f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP)
            ? f->elem
            : f->kind;
        if (vk == AKT_KIND_MESSAGE) {
            fl[i].msg_type = f->msg->t;
        } else if (vk == AKT_KIND_ENUM) {
            fl[i].enum_type = f->en->desc;
        }
        if (f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP) {
            size_t s, a;
            akt_kind_member_layout(vk, &s, &a);
            fl[i].elem_size
                = (uint32_t)(vk == AKT_KIND_MESSAGE ? f->msg->t->size : s);
        }
        f->bf = &fl[i];
    }
    unsigned char *defaults = calloc(1, t->size);
    if (defaults == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (write_default(&b->f[i], &fl[i], defaults) < 0) {
            free(defaults);
            return -1;
        }
    }
    t->defaults = defaults;
    return 0;
}

/* --- comparing with a C descriptor -------------------------------------------
 */

static const akt_field *
field_by_number(const akt_type *t, uint32_t number)
{
    for (size_t i = 0; i < t->nfields; i++) {
        if (t->fields[i].number == number) {
            return &t->fields[i];
        }
    }
    return NULL;
}

static void
diff_line(PyObject *lines, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *s = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    if (s) {
        PyList_Append(lines, s);
        Py_DECREF(s);
    }
}

/* the differences between b's table and t, one line each */
static PyObject *
diff(const pyb_msg *b, const akt_type *t)
{
    PyObject *lines = PyList_New(0);
    if (lines == NULL) {
        return NULL;
    }
    if (strcmp(t->name, b->qname) != 0) {
        diff_line(lines, "type name: %s here, %s in the descriptor", b->qname,
            t->name);
    }
    for (size_t i = 0; i < b->n; i++) {
        const pyb_field *f = &b->f[i];
        const akt_field *c = field_by_number(t, f->number);
        if (c == NULL) {
            diff_line(lines,
                "field %u '%s': only in the module, not in the descriptor",
                (unsigned)f->number, f->cname);
            continue;
        }
        if (strcmp(c->name, f->cname) != 0) {
            diff_line(lines,
                "field %u: named '%s' here, '%s' in the descriptor",
                (unsigned)f->number, f->cname, c->name);
        }
        if (c->kind != f->kind) {
            diff_line(lines,
                "field %u '%s': kind %s here, %s in the descriptor",
                (unsigned)f->number, f->cname, kname(f->kind), kname(c->kind));
            continue;
        }
        bool copt = (c->flags & AKT_FIELD_OPTIONAL) != 0;
        if (copt != f->optional) {
            diff_line(lines, "field %u '%s': %s here, %s in the descriptor",
                (unsigned)f->number, f->cname,
                f->optional ? "optional" : "not optional",
                copt ? "optional" : "not optional");
        }
        if ((f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP)
            && c->elem_kind != f->elem) {
            diff_line(lines,
                "field %u '%s': element kind %s here, %s in the descriptor",
                (unsigned)f->number, f->cname, kname(f->elem),
                kname(c->elem_kind));
        }
        if (f->kind == AKT_KIND_MAP && c->key_kind != f->key) {
            diff_line(lines,
                "field %u '%s': key kind %s here, %s in the descriptor",
                (unsigned)f->number, f->cname, kname(f->key),
                kname(c->key_kind));
        }
        const char *ctn = c->msg_type ? c->msg_type->name
            : c->enum_type            ? c->enum_type->name
                                      : NULL;
        if (f->type_name && (ctn == NULL || strcmp(ctn, f->type_name) != 0)) {
            diff_line(lines,
                "field %u '%s': type %s here, %s in the descriptor",
                (unsigned)f->number, f->cname, f->type_name,
                ctn ? ctn : "(none)");
        }
    }
    for (size_t i = 0; i < t->nfields; i++) {
        bool found = false;
        for (size_t j = 0; j < b->n && !found; j++) {
            found = b->f[j].number == t->fields[i].number;
        }
        if (!found) {
            diff_line(lines,
                "field %u '%s': only in the descriptor, not in the module",
                (unsigned)t->fields[i].number, t->fields[i].name);
        }
    }
    return lines;
}

/* 0 when t matches b, else -1 with akt.SchemaMismatch */
static int
check_against(
    pyc_state *st, const pyb_msg *b, const akt_type *t, const char *module)
{
    uint64_t h = pyb_schema_hash(t);
    if (h == b->hash && t->id == b->id) {
        return 0;
    }
    PyObject *lines = diff(b, t);
    if (lines == NULL) {
        return -1;
    }
    if (PyList_GET_SIZE(lines) == 0) { /* only the field order differs */
        Py_DECREF(lines);
        return 0;
    }
    PyObject *sep = PyUnicode_FromString("\n  ");
    PyObject *body = sep ? PyUnicode_Join(sep, lines) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(lines);
    if (body == NULL) {
        return -1;
    }
    char hashes[80];
    snprintf(hashes, sizeof hashes, "0x%016llx here, 0x%016llx there",
        (unsigned long long)b->hash, (unsigned long long)h);
    PyObject *text = PyUnicode_FromFormat(
        "%s (module %s) does not match the descriptor a C extension "
        "registered (schema hash %s):\n  %U",
        b->qname, module ? module : "?", hashes, body);
    if (text) {
        PyErr_SetObject(st->schema_mismatch, text);
        Py_DECREF(text);
    }
    Py_DECREF(body);
    return -1;
}

static void
use_descriptor(pyb_msg *b, const akt_type *t)
{
    b->t = t;
    for (size_t i = 0; i < b->n; i++) {
        b->f[i].df = field_by_number(t, b->f[i].number);
    }
}

int
pyb_register_c(pyc_state *st, const akt_type *t)
{
    pyb_msg *b = pyb_of_id(st, t->id);
    if (b == NULL || b->t == t) {
        return 0;
    }
    if (check_against(st, b, t, NULL) < 0) {
        return -1;
    }
    use_descriptor(b, t);
    return 0;
}

/* --- normalizing values (construction) ---------------------------------------
 */

static PyObject *
field_err(
    PyObject *cls, const pyb_msg *b, const pyb_field *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *what = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    if (what) {
        PyErr_Format(cls, "%s.%s: %U", b->qname, f->cname, what);
        Py_DECREF(what);
    }
    return NULL;
}

static PyObject *
want(const pyb_msg *b, const pyb_field *f, const char *what, PyObject *o)
{
    return field_err(PyExc_TypeError, b, f, "expected %s, got %s", what,
        Py_TYPE(o)->tp_name);
}

static PyObject *norm_message(
    pyc_state *st, const pyb_msg *b, const pyb_field *f, PyObject *o);

/* one value of kind k (the field's, or its element's / key's) */
static PyObject *
norm_value(pyc_state *st, const pyb_msg *b, const pyb_field *f, uint16_t k,
    PyObject *o)
{
    switch (k) {
    case AKT_KIND_BOOL:
        if (!PyBool_Check(o)) {
            return want(b, f, "bool", o);
        }
        return Py_NewRef(o);
    case AKT_KIND_INT8:
    case AKT_KIND_INT16:
    case AKT_KIND_INT32:
    case AKT_KIND_INT64:
    case AKT_KIND_ENUM: {
        if (!PyLong_Check(o) || PyBool_Check(o)) {
            return want(b, f, k == AKT_KIND_ENUM ? "an enum value" : "int", o);
        }
        int over = 0;
        long long v = PyLong_AsLongLongAndOverflow(o, &over);
        long long lo = k == AKT_KIND_INT8 ? INT8_MIN
            : k == AKT_KIND_INT16         ? INT16_MIN
            : k == AKT_KIND_INT64         ? INT64_MIN
                                          : INT32_MIN;
        long long hi = k == AKT_KIND_INT8 ? INT8_MAX
            : k == AKT_KIND_INT16         ? INT16_MAX
            : k == AKT_KIND_INT64         ? INT64_MAX
                                          : INT32_MAX;
        if (over || v < lo || v > hi) {
            return field_err(PyExc_ValueError, b, f,
                "%R does not fit %s (%lld..%lld)", o,
                k == AKT_KIND_ENUM ? "an enum (int32)" : kname(k), lo, hi);
        }
        if (k == AKT_KIND_ENUM && f->en) {
            PyObject *key = PyLong_FromLongLong(v);
            PyObject *m
                = key ? PyDict_GetItemWithError(f->en->members, key) : NULL;
            if (m || PyErr_Occurred()) {
                Py_XDECREF(key);
                return m ? Py_NewRef(m) : NULL;
            }
            return key; /* enums are open: a value it does not name */
        }
        return PyLong_CheckExact(o) ? Py_NewRef(o) : PyLong_FromLongLong(v);
    }
    case AKT_KIND_UINT8:
    case AKT_KIND_UINT16:
    case AKT_KIND_UINT32:
    case AKT_KIND_UINT64: {
        if (!PyLong_Check(o) || PyBool_Check(o)) {
            return want(b, f, "int", o);
        }
        unsigned long long hi = k == AKT_KIND_UINT8 ? UINT8_MAX
            : k == AKT_KIND_UINT16                  ? UINT16_MAX
            : k == AKT_KIND_UINT32                  ? UINT32_MAX
                                                    : UINT64_MAX;
        unsigned long long v = PyLong_AsUnsignedLongLong(o);
        if ((v == (unsigned long long)-1 && PyErr_Occurred()) || v > hi) {
            PyErr_Clear();
            return field_err(PyExc_ValueError, b, f,
                "%R does not fit %s (0..%llu)", o, kname(k), hi);
        }
        return PyLong_CheckExact(o) ? Py_NewRef(o)
                                    : PyLong_FromUnsignedLongLong(v);
    }
    case AKT_KIND_FLOAT32:
    case AKT_KIND_FLOAT64: {
        if (!(PyFloat_Check(o) || PyLong_Check(o)) || PyBool_Check(o)) {
            return want(b, f, "float", o);
        }
        double d = PyFloat_AsDouble(o);
        if (d == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return field_err(
                PyExc_ValueError, b, f, "%R does not fit float64", o);
        }
        if (k == AKT_KIND_FLOAT32) {
            if (isfinite(d) && isinf((float)d)) { /* rounds past FLT_MAX */
                return field_err(
                    PyExc_ValueError, b, f, "%R does not fit float32", o);
            }
            d = (double)(float)d; /* what the C struct will hold */
        }
        return PyFloat_CheckExact(o) && (double)PyFloat_AS_DOUBLE(o) == d
            ? Py_NewRef(o)
            : PyFloat_FromDouble(d);
    }
    case AKT_KIND_STRING:
        if (!PyUnicode_Check(o)) {
            return want(b, f, "str", o);
        }
        return Py_NewRef(o);
    case AKT_KIND_BYTES:
        if (PyBytes_CheckExact(o)) {
            return Py_NewRef(o);
        }
        if (PyByteArray_Check(o) || PyMemoryView_Check(o) || PyBytes_Check(o)) {
            return PyBytes_FromObject(o);
        }
        return want(b, f, "bytes", o);
    case AKT_KIND_REF:
        if (o == Py_None || PyObject_TypeCheck(o, st->ref_type)) {
            return Py_NewRef(o);
        }
        if (st->typed_ref_cls
            && PyObject_IsInstance(o, st->typed_ref_cls) == 1) {
            PyObject *r = PyObject_GetAttrString(o, "ref");
            if (r && !PyObject_TypeCheck(r, st->ref_type)) {
                Py_DECREF(r);
                return want(b, f, "an akt.ActorRef", o);
            }
            return r;
        }
        return want(b, f, "an akt.ActorRef or None", o);
    case AKT_KIND_MESSAGE:
        return norm_message(st, b, f, o);
    default:
        return field_err(PyExc_TypeError, b, f, "kind %s cannot hold %s",
            kname(k), Py_TYPE(o)->tp_name);
    }
}

static PyObject *msg_default(pyc_state *st, pyb_msg *b);

static PyObject *
norm_message(pyc_state *st, const pyb_msg *b, const pyb_field *f, PyObject *o)
{
    pyb_msg *want_b = f->msg;
    if (o == Py_None) {
        return f->optional || f->kind != AKT_KIND_MESSAGE
            ? (f->optional ? Py_NewRef(Py_None)
                           : want(b, f, want_b->cls->tp_name, o))
            : msg_default(st, want_b);
    }
    pyb_msg *got = pyb_of_object(st, o);
    if (got != want_b) {
        if (got && got->id == want_b->id) {
            return field_err(PyExc_TypeError, b, f,
                "a %s of another module (%s): one schema per type", got->qname,
                got->cls->tp_name);
        }
        return field_err(PyExc_TypeError, b, f, "expected %s, got %s",
            want_b->qname, got ? got->qname : Py_TYPE(o)->tp_name);
    }
    return Py_NewRef(o);
}

/* the field's whole value: None for optional, lists, maps */
static PyObject *
norm_field(pyc_state *st, const pyb_msg *b, const pyb_field *f, PyObject *o)
{
    if (o == Py_None && f->optional) {
        return Py_NewRef(o);
    }
    if (f->kind == AKT_KIND_LIST) {
        if (PyUnicode_Check(o) || PyBytes_Check(o) || PyDict_Check(o)
            || PyByteArray_Check(o)) {
            return want(b, f, "a sequence", o);
        }
        PyObject *seq = PySequence_Fast(o, "");
        if (seq == NULL) {
            PyErr_Clear();
            return want(b, f, "a sequence", o);
        }
        Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        PyObject *t = PyTuple_New(n);
        for (Py_ssize_t i = 0; t && i < n; i++) {
            PyObject *e = PySequence_Fast_GET_ITEM(seq, i);
            PyObject *v = e == Py_None && f->elem == AKT_KIND_MESSAGE
                ? want(b, f, f->msg->qname, e)
                : norm_value(st, b, f, f->elem, e);
            if (v == NULL) {
                Py_CLEAR(t);
                break;
            }
            PyTuple_SET_ITEM(t, i, v);
        }
        Py_DECREF(seq);
        return t;
    }
    if (f->kind == AKT_KIND_MAP) {
        PyObject *items = PyDict_Check(o)                ? PyDict_Items(o)
            : PyMapping_Check(o) && !PySequence_Check(o) ? PyMapping_Items(o)
                                                         : NULL;
        if (items == NULL) {
            PyErr_Clear();
            return want(b, f, "a mapping", o);
        }
        PyObject *empty = PyTuple_New(0);
        PyObject *d = empty
            ? PyDict_Type.tp_new((PyTypeObject *)st->frozenmap_cls, empty, NULL)
            : NULL;
        Py_XDECREF(empty);
        for (Py_ssize_t i = 0; d && i < PyList_GET_SIZE(items); i++) {
            PyObject *kv = PyList_GET_ITEM(items, i);
            PyObject *k = norm_value(st, b, f, f->key, PyTuple_GET_ITEM(kv, 0));
            PyObject *v = k == NULL ? NULL
                : PyTuple_GET_ITEM(kv, 1) == Py_None
                    && f->elem == AKT_KIND_MESSAGE
                ? want(b, f, f->msg->qname, Py_None)
                : norm_value(st, b, f, f->elem, PyTuple_GET_ITEM(kv, 1));
            if (v == NULL || PyDict_SetItem(d, k, v) < 0) {
                Py_CLEAR(d);
            }
            Py_XDECREF(k);
            Py_XDECREF(v);
        }
        Py_DECREF(items);
        return d;
    }
    return norm_value(st, b, f, f->kind, o);
}

/* a new instance of b's class with vals[i] (new references, stolen) */
static PyObject *
instance_of(pyb_msg *b, PyObject **vals)
{
    PyObject *o = b->cls->tp_alloc(b->cls, 0);
    if (o == NULL) {
        for (size_t i = 0; i < b->n; i++) {
            Py_XDECREF(vals[i]);
        }
        return NULL;
    }
    for (size_t i = 0; i < b->n; i++) {
        *(PyObject **)((char *)o + b->f[i].off) = vals[i];
    }
    return o;
}

static PyObject *
field_default(pyc_state *st, pyb_field *f)
{
    if (f->kind == AKT_KIND_MESSAGE && !f->optional) {
        return msg_default(st, f->msg);
    }
    return Py_NewRef(f->deflt ? f->deflt : Py_None);
}

static PyObject *
msg_default(pyc_state *st, pyb_msg *b)
{
    if (b->deflt) {
        return Py_NewRef(b->deflt);
    }
    if (b->rnum++ > 0) { /* sema forbids non-optional cycles */
        b->rnum--;
        PyErr_Format(PyExc_RecursionError, "%s contains itself", b->qname);
        return NULL;
    }
    PyObject *stackv[16];
    PyObject **vals = b->n <= 16 ? stackv : calloc(b->n, sizeof(PyObject *));
    if (vals == NULL) {
        b->rnum--;
        return PyErr_NoMemory();
    }
    size_t i = 0;
    for (; i < b->n; i++) {
        vals[i] = field_default(st, &b->f[i]);
        if (vals[i] == NULL) {
            break;
        }
    }
    b->rnum--;
    PyObject *o = NULL;
    if (i == b->n) {
        o = instance_of(b, vals);
    } else {
        while (i-- > 0) {
            Py_DECREF(vals[i]);
        }
    }
    if (vals != stackv) {
        free(vals);
    }
    if (o) {
        b->deflt = Py_NewRef(o);
    }
    return o;
}

/* --- akt.Message -------------------------------------------------------------
 */

static pyc_state *
state_of_type(PyTypeObject *tp)
{
    /* a generated class derives from Message, a type of our module */
    PyObject *m = PyType_GetModuleByDef(tp, &pyc_module_def);
    return m ? (pyc_state *)PyModule_GetState(m) : NULL;
}

static pyb_msg *
binding_or_raise(pyc_state *st, PyTypeObject *tp)
{
    pyb_msg *b = st ? pyb_of_class(st, tp) : NULL;
    if (b) {
        return b;
    }
    if (st == NULL) {
        return NULL;
    }
    PyErr_Format(PyExc_TypeError,
        "%s is not bound to an akt type (a class of a module made by aktc "
        "--py_out is bound when its module finishes importing)",
        tp->tp_name);
    return NULL;
}

static PyObject *
msg_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    pyc_state *st = state_of_type(tp);
    pyb_msg *b = binding_or_raise(st, tp);
    if (b == NULL) {
        return NULL;
    }
    Py_ssize_t na = PyTuple_GET_SIZE(args);
    if ((size_t)na > b->n) {
        return PyErr_Format(PyExc_TypeError,
            "%s takes at most %zu field values (%zd given)", b->qname, b->n,
            na);
    }
    if (kw) {
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(kw, &pos, &k, &v)) {
            bool known = false;
            for (size_t i = 0; i < b->n && !known; i++) {
                known = PyUnicode_Compare(k, b->f[i].name) == 0;
                if (known && (Py_ssize_t)i < na) {
                    return PyErr_Format(PyExc_TypeError,
                        "%s: field %R given twice", b->qname, k);
                }
            }
            if (!known) {
                return PyErr_Format(
                    PyExc_TypeError, "%s has no field %R", b->qname, k);
            }
        }
    }
    PyObject *stackv[16];
    PyObject **vals = b->n <= 16 ? stackv : calloc(b->n, sizeof(PyObject *));
    if (vals == NULL) {
        return PyErr_NoMemory();
    }
    size_t i = 0;
    for (; i < b->n; i++) {
        pyb_field *f = &b->f[i];
        PyObject *given = (Py_ssize_t)i < na ? PyTuple_GET_ITEM(args, i)
            : kw ? PyDict_GetItemWithError(kw, f->name)
                 : NULL;
        if (given == NULL && PyErr_Occurred()) {
            break;
        }
        vals[i] = given ? norm_field(st, b, f, given) : field_default(st, f);
        if (vals[i] == NULL) {
            break;
        }
    }
    PyObject *o = NULL;
    if (i == b->n) {
        o = b->cls == tp ? instance_of(b, vals) : NULL;
        if (b->cls != tp) { /* a subclass of a generated class */
            o = tp->tp_alloc(tp, 0);
            for (size_t j = 0; j < b->n; j++) {
                if (o) {
                    *(PyObject **)((char *)o + b->f[j].off) = vals[j];
                } else {
                    Py_DECREF(vals[j]);
                }
            }
        }
    } else {
        while (i-- > 0) {
            Py_DECREF(vals[i]);
        }
    }
    if (vals != stackv) {
        free(vals);
    }
    return o;
}

static PyObject *
slot(PyObject *o, const pyb_field *f)
{
    PyObject *v = *(PyObject **)((char *)o + f->off);
    return v ? v : Py_None;
}

static PyObject *
msg_repr(PyObject *o)
{
    pyc_state *st = state_of_type(Py_TYPE(o));
    pyb_msg *b = binding_or_raise(st, Py_TYPE(o));
    if (b == NULL) {
        return NULL;
    }
    int rc = Py_ReprEnter(o);
    if (rc != 0) {
        return rc > 0 ? PyUnicode_FromFormat("%s(...)", Py_TYPE(o)->tp_name)
                      : NULL;
    }
    PyObject *parts = PyList_New(0);
    for (size_t i = 0; parts && i < b->n; i++) {
        PyObject *s
            = PyUnicode_FromFormat("%U=%R", b->f[i].name, slot(o, &b->f[i]));
        if (s == NULL || PyList_Append(parts, s) < 0) {
            Py_CLEAR(parts);
        }
        Py_XDECREF(s);
    }
    PyObject *r = NULL;
    if (parts) {
        PyObject *sep = PyUnicode_FromString(", ");
        PyObject *body = sep ? PyUnicode_Join(sep, parts) : NULL;
        r = body ? PyUnicode_FromFormat("%s(%U)", Py_TYPE(o)->tp_name, body)
                 : NULL;
        Py_XDECREF(sep);
        Py_XDECREF(body);
        Py_DECREF(parts);
    }
    Py_ReprLeave(o);
    return r;
}

static PyObject *
msg_richcmp(PyObject *a, PyObject *b2, int op)
{
    if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b2)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    pyc_state *st = state_of_type(Py_TYPE(a));
    pyb_msg *b = binding_or_raise(st, Py_TYPE(a));
    if (b == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < b->n; i++) {
        int eq = PyObject_RichCompareBool(
            slot(a, &b->f[i]), slot(b2, &b->f[i]), Py_EQ);
        if (eq < 0) {
            return NULL;
        }
        if (!eq) {
            return PyBool_FromLong(op == Py_NE);
        }
    }
    return PyBool_FromLong(op == Py_EQ);
}

static Py_hash_t
msg_hash(PyObject *o)
{
    pyc_state *st = state_of_type(Py_TYPE(o));
    pyb_msg *b = binding_or_raise(st, Py_TYPE(o));
    if (b == NULL) {
        return -1;
    }
    Py_uhash_t h = (Py_uhash_t)b->id;
    for (size_t i = 0; i < b->n; i++) {
        Py_hash_t x = PyObject_Hash(slot(o, &b->f[i]));
        if (x == -1) {
            return -1;
        }
        h = (h ^ (Py_uhash_t)x) * 1000003u;
    }
    return h == (Py_uhash_t)-1 ? -2 : (Py_hash_t)h;
}

static int
msg_setattro(PyObject *o, PyObject *name, PyObject *v)
{
    (void)v;
    PyErr_Format(PyExc_AttributeError,
        "%s is immutable (field %R): make a new one with akt.replace(msg, "
        "%U=...)",
        Py_TYPE(o)->tp_name, name, name);
    return -1;
}

static PyObject *
msg_values(PyObject *o, pyb_msg *b)
{
    PyObject *t = PyTuple_New((Py_ssize_t)b->n);
    for (size_t i = 0; t && i < b->n; i++) {
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, Py_NewRef(slot(o, &b->f[i])));
    }
    return t;
}

static PyObject *
msg_reduce(PyObject *o, PyObject *unused)
{
    (void)unused;
    pyc_state *st = state_of_type(Py_TYPE(o));
    pyb_msg *b = binding_or_raise(st, Py_TYPE(o));
    PyObject *vals = b ? msg_values(o, b) : NULL;
    if (vals == NULL) {
        return NULL;
    }
    return Py_BuildValue("(ON)", (PyObject *)Py_TYPE(o), vals);
}

static PyObject *
msg_copy(PyObject *o, PyObject *unused)
{
    (void)unused;
    return Py_NewRef(o); /* immutable */
}

/* _fields(msg) -> dict: the field values by name (akt.to_dict) */
static PyObject *
msg_fields(PyObject *o, PyObject *unused)
{
    (void)unused;
    pyc_state *st = state_of_type(Py_TYPE(o));
    pyb_msg *b = binding_or_raise(st, Py_TYPE(o));
    if (b == NULL) {
        return NULL;
    }
    PyObject *d = PyDict_New();
    for (size_t i = 0; d && i < b->n; i++) {
        if (PyDict_SetItem(d, b->f[i].name, slot(o, &b->f[i])) < 0) {
            Py_CLEAR(d);
        }
    }
    return d;
}

static PyObject *
msg_type_name(PyObject *cls, PyObject *unused)
{
    (void)unused;
    pyc_state *st = state_of_type((PyTypeObject *)cls);
    pyb_msg *b = binding_or_raise(st, (PyTypeObject *)cls);
    return b ? PyUnicode_FromString(b->qname) : NULL;
}

static PyObject *
msg_schema_hash(PyObject *cls, PyObject *unused)
{
    (void)unused;
    pyc_state *st = state_of_type((PyTypeObject *)cls);
    pyb_msg *b = binding_or_raise(st, (PyTypeObject *)cls);
    return b ? PyLong_FromUnsignedLongLong(b->hash) : NULL;
}

static PyObject *
msg_type_id(PyObject *cls, PyObject *unused)
{
    (void)unused;
    pyc_state *st = state_of_type((PyTypeObject *)cls);
    pyb_msg *b = binding_or_raise(st, (PyTypeObject *)cls);
    return b ? PyLong_FromUnsignedLongLong(b->id) : NULL;
}

/* whether messages of this class are made with a C extension's
 * descriptor (True) or one akt._core built from the module (False) */
static PyObject *
msg_c_descriptor(PyObject *cls, PyObject *unused)
{
    (void)unused;
    pyc_state *st = state_of_type((PyTypeObject *)cls);
    pyb_msg *b = binding_or_raise(st, (PyTypeObject *)cls);
    return b ? PyBool_FromLong(b->t != b->built) : NULL;
}

static PyMethodDef msg_methods[] = {
    { "__reduce__", msg_reduce, METH_NOARGS, NULL },
    { "__copy__", msg_copy, METH_NOARGS, NULL },
    { "__deepcopy__", msg_copy, METH_O, NULL },
    { "_akt_fields", msg_fields, METH_NOARGS,
        "the field values by name (a new dict)" },
    { "akt_type_name", msg_type_name, METH_NOARGS | METH_CLASS,
        "the qualified IDL name (\"pkg.Name\")" },
    { "akt_type_id", msg_type_id, METH_NOARGS | METH_CLASS,
        "the type id (FNV-1a 64 of the name; the same in C and on the wire)" },
    { "akt_schema_hash", msg_schema_hash, METH_NOARGS | METH_CLASS,
        "the schema hash aktc computed from the .akt file" },
    { "akt_c_descriptor", msg_c_descriptor, METH_NOARGS | METH_CLASS,
        "True when a C extension's descriptor serves this type" },
    { NULL },
};

static PyType_Slot msg_slots[] = {
    { Py_tp_new, msg_new },
    { Py_tp_repr, msg_repr },
    { Py_tp_richcompare, msg_richcmp },
    { Py_tp_hash, msg_hash },
    { Py_tp_setattro, msg_setattro },
    { Py_tp_methods, msg_methods },
    { Py_tp_doc,
        "Base of the message classes of modules made by aktc --py_out: "
        "immutable, fields checked when made (TypeError / ValueError name "
        "pkg.Type.field), ==, hash, repr and pickling by value." },
    { 0, NULL },
};

PyType_Spec pyb_message_spec = {
    "akt.Message",
    sizeof(PyObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    msg_slots,
};

/* --- bind_module
 * --------------------------------------------------------------- */

static int
grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return 0;
    }
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, nc * size);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *arr = p;
    *cap = nc;
    return 0;
}

static int
bind_enum(pyc_state *st, PyObject *row)
{
    PyObject *cls;
    const char *qname;
    if (!PyArg_ParseTuple(row, "Os;bind_module: an enum row is (class, name)",
            &cls, &qname)) {
        return -1;
    }
    pyb_enum *old = enum_by_name(st, qname);
    if (old) {
        if (old->cls == cls) {
            return 0;
        }
        /* a module imported again (importlib.reload, two copies) takes
         * over; its values must be the same */
    }
    PyObject *members = PyObject_GetAttrString(cls, "_value2member_map_");
    PyObject *list = members ? PySequence_List(cls) : NULL;
    if (list == NULL || !PyDict_Check(members)) {
        Py_XDECREF(members);
        Py_XDECREF(list);
        if (!PyErr_Occurred()) {
            PyErr_Format(
                PyExc_TypeError, "bind_module: %s is not an IntEnum", qname);
        }
        return -1;
    }
    Py_ssize_t n = PyList_GET_SIZE(list);
    akt_enum_type *et = calloc(1, sizeof(*et));
    akt_enum_value *vals = calloc(n ? (size_t)n : 1, sizeof(*vals));
    pyb_enum *e = calloc(1, sizeof(*e));
    if (et == NULL || vals == NULL || e == NULL) {
        free(et);
        free(vals);
        free(e);
        Py_DECREF(members);
        Py_DECREF(list);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *mem = PyList_GET_ITEM(list, i);
        PyObject *nm = PyObject_GetAttrString(mem, "name");
        vals[i].name = nm ? xstrdup(PyUnicode_AsUTF8(nm)) : NULL;
        vals[i].value = (int32_t)PyLong_AsLong(mem);
        Py_XDECREF(nm);
        if (vals[i].name == NULL) {
            PyErr_Clear();
            vals[i].name = "?";
        }
    }
    et->name = e->qname = xstrdup(qname);
    et->values = vals;
    et->nvalues = (size_t)n;
    e->cls = Py_NewRef(cls);
    e->members = members;
    e->first = n > 0 ? Py_NewRef(PyList_GET_ITEM(list, 0)) : NULL;
    e->desc = et;
    Py_DECREF(list);
    if (old) {
        *old = *e; /* fields referring to old see the new class */
        free(e);
        return 0;
    }
    pyb_tables *tb = tables(st);
    if (tb == NULL
        || grow((void **)&tb->enums, &tb->capenums, tb->nenums,
               sizeof(pyb_enum *))
            < 0) {
        return -1;
    }
    tb->enums[tb->nenums++] = e;
    return 0;
}

/* the default value of f (table default, or the kind's zero), normalized */
static PyObject *
make_default(pyc_state *st, pyb_msg *b, pyb_field *f, PyObject *given)
{
    if (f->optional) {
        return Py_NewRef(Py_None);
    }
    if (given != Py_None) {
        if (f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP
            || f->kind == AKT_KIND_MESSAGE || f->kind == AKT_KIND_REF) {
            return PyErr_Format(PyExc_ValueError,
                "bind_module: %s.%s: a %s field has no default", b->qname,
                f->cname, kname(f->kind));
        }
        return norm_value(st, b, f, f->kind, given);
    }
    switch (f->kind) {
    case AKT_KIND_BOOL:
        return Py_NewRef(Py_False);
    case AKT_KIND_FLOAT32:
    case AKT_KIND_FLOAT64:
        return PyFloat_FromDouble(0.0);
    case AKT_KIND_STRING:
        return PyUnicode_FromString("");
    case AKT_KIND_BYTES:
        return PyBytes_FromStringAndSize(NULL, 0);
    case AKT_KIND_ENUM:
        return f->en->first ? Py_NewRef(f->en->first) : PyLong_FromLong(0);
    case AKT_KIND_LIST:
        return PyTuple_New(0);
    case AKT_KIND_MAP: {
        PyObject *empty = PyTuple_New(0);
        PyObject *d = empty
            ? PyDict_Type.tp_new((PyTypeObject *)st->frozenmap_cls, empty, NULL)
            : NULL;
        Py_XDECREF(empty);
        return d;
    }
    case AKT_KIND_REF:
        return Py_NewRef(Py_None);
    case AKT_KIND_MESSAGE:
        return NULL; /* the nested type's default instance, on use */
    default:
        return PyLong_FromLong(0);
    }
}

/* parse one message row into a new (unlinked) binding */
static pyb_msg *
parse_message(pyc_state *st, PyObject *row)
{
    PyObject *cls, *fields;
    const char *qname;
    unsigned long long id, hash;
    if (!PyArg_ParseTuple(row,
            "OsKKO!;bind_module: a message row is (class, name, id, hash, "
            "fields)",
            &cls, &qname, &id, &hash, &PyTuple_Type, &fields)) {
        return NULL;
    }
    if (!PyType_Check(cls)
        || !PyType_IsSubtype((PyTypeObject *)cls, st->message_type)) {
        PyErr_Format(PyExc_TypeError,
            "bind_module: the class of %s must derive from akt.Message", qname);
        return NULL;
    }
    if (akt_type_id(qname) != id) {
        PyErr_Format(PyExc_ValueError,
            "bind_module: %s: type id %llu is not FNV-1a 64 of the name", qname,
            (unsigned long long)id);
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(fields);
    pyb_msg *b = calloc(1, sizeof(*b));
    pyb_field *fs = calloc(n ? (size_t)n : 1, sizeof(*fs));
    if (b == NULL || fs == NULL) {
        free(b);
        free(fs);
        PyErr_NoMemory();
        return NULL;
    }
    b->qname = xstrdup(qname);
    b->id = id;
    b->hash = hash;
    b->cls = (PyTypeObject *)Py_NewRef(cls);
    b->n = (size_t)n;
    b->f = fs;
    for (Py_ssize_t i = 0; i < n; i++) {
        pyb_field *f = &fs[i];
        PyObject *name, *kind, *elem, *key, *tname, *dflt;
        unsigned long number;
        int optional;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(fields, i),
                "UkOOOOpO;bind_module: a field row is (name, number, kind, "
                "element kind, key kind, type, optional, default)",
                &name, &number, &kind, &elem, &key, &tname, &optional, &dflt)) {
            goto fail;
        }
        f->name = Py_NewRef(name);
        PyUnicode_InternInPlace(&f->name);
        f->cname = xstrdup(PyUnicode_AsUTF8(name));
        f->number = (uint32_t)number;
        f->optional = optional;
        if (kind_of(kind, &f->kind, false) < 0
            || kind_of(elem, &f->elem, true) < 0
            || kind_of(key, &f->key, true) < 0) {
            goto fail;
        }
        bool container = f->kind == AKT_KIND_LIST || f->kind == AKT_KIND_MAP;
        if (container != (f->elem != AKT_KIND_NONE)
            || (f->kind == AKT_KIND_MAP) != (f->key != AKT_KIND_NONE)
            || (f->key && !is_scalar_key(f->key)) || f->elem == AKT_KIND_LIST
            || f->elem == AKT_KIND_MAP) {
            PyErr_Format(PyExc_ValueError,
                "bind_module: %s.%s: kind %s with element %s and key %s", qname,
                f->cname, kname(f->kind), kname(f->elem), kname(f->key));
            goto fail;
        }
        uint16_t vk = container ? f->elem : f->kind;
        if (tname != Py_None) {
            f->type_name = xstrdup(PyUnicode_AsUTF8(tname));
            if (f->type_name == NULL) {
                goto fail;
            }
        }
        if ((vk == AKT_KIND_MESSAGE || vk == AKT_KIND_ENUM)
            != (f->type_name != NULL)) {
            PyErr_Format(PyExc_ValueError,
                "bind_module: %s.%s: a %s names %s type", qname, f->cname,
                kname(vk),
                vk == AKT_KIND_MESSAGE || vk == AKT_KIND_ENUM ? "a" : "no");
            goto fail;
        }
        for (Py_ssize_t j = 0; j < i; j++) {
            if (fs[j].number == f->number
                || strcmp(fs[j].cname, f->cname) == 0) {
                PyErr_Format(PyExc_ValueError,
                    "bind_module: %s: two fields named '%s' or numbered %lu",
                    qname, f->cname, number);
                goto fail;
            }
        }
        /* the slot */
        PyObject *d = PyObject_GetAttr(cls, name);
        if (d == NULL || Py_TYPE(d) != &PyMemberDescr_Type
            || ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX) {
            Py_XDECREF(d);
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError,
                "bind_module: %s has no slot '%s' (its __slots__ must name "
                "every field)",
                qname, f->cname);
            goto fail;
        }
        f->off = ((PyMemberDescrObject *)d)->d_member->offset;
        Py_DECREF(d);
        f->deflt = Py_NewRef(dflt); /* normalized once types resolve */
    }
    return b;
fail:
    b->n = (size_t)n; /* freed by the caller's cleanup */
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_CLEAR(fs[i].name);
        Py_CLEAR(fs[i].deflt);
        free(fs[i].cname);
        free(fs[i].type_name);
    }
    Py_DECREF(b->cls);
    free(b->qname);
    free(fs);
    free(b);
    return NULL;
}

/* bind_module(module_name, messages, enums) -- see the top of this file.
 * Messages of one call may refer to each other and to types of modules
 * bound before. */
static PyObject *bind_module_locked(PyObject *m, PyObject *args);

PyObject *
pyb_bind_module(PyObject *m, PyObject *args)
{
    /* one binding at a time (modules imported by several threads of a
     * free-threaded 3.13t); readers of the tables need no lock (hmap) */
    PyObject *r;
    PYC_BEGIN_CS(m);
    r = bind_module_locked(m, args);
    PYC_END_CS();
    return r;
}

static PyObject *
bind_module_locked(PyObject *m, PyObject *args)
{
    pyc_state *st = PyModule_GetState(m);
    const char *module;
    PyObject *msgs, *enums;
    if (!PyArg_ParseTuple(args, "sO!O!", &module, &PyTuple_Type, &msgs,
            &PyTuple_Type, &enums)) {
        return NULL;
    }
    if (st->frozenmap_cls == NULL) {
        return PyErr_Format(
            PyExc_RuntimeError, "akt: the akt package is not set up");
    }
    pyb_tables *tb = tables(st);
    if (tb == NULL) {
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(enums); i++) {
        if (bind_enum(st, PyTuple_GET_ITEM(enums, i)) < 0) {
            return NULL;
        }
    }
    Py_ssize_t n = PyTuple_GET_SIZE(msgs);
    pyb_msg **fresh = calloc(n ? (size_t)n : 1, sizeof(*fresh));
    if (fresh == NULL) {
        return PyErr_NoMemory();
    }
    Py_ssize_t k = 0;
    for (; k < n; k++) {
        fresh[k] = parse_message(st, PyTuple_GET_ITEM(msgs, k));
        if (fresh[k] == NULL) {
            goto fail;
        }
    }
    /* a type bound before keeps its binding when the table is the same
     * (a module imported twice under two names); a different one fails */
    for (Py_ssize_t i = 0; i < n; i++) {
        pyb_msg *old = msg_by_name(st, fresh[i]->qname);
        if (old && old->hash != fresh[i]->hash) {
            char hashes[80];
            snprintf(hashes, sizeof hashes, "hash 0x%016llx, here 0x%016llx",
                (unsigned long long)old->hash,
                (unsigned long long)fresh[i]->hash);
            PyErr_Format(st->schema_mismatch,
                "%s (module %s): another module bound this type with a "
                "different schema (%s); one process holds one schema per "
                "type",
                fresh[i]->qname, module, hashes);
            goto fail;
        }
    }
    /* resolve nested types (this call's or earlier bindings) */
    for (Py_ssize_t i = 0; i < n; i++) {
        pyb_msg *b = fresh[i];
        for (size_t j = 0; j < b->n; j++) {
            pyb_field *f = &b->f[j];
            uint16_t vk = f->elem ? f->elem : f->kind;
            if (vk == AKT_KIND_MESSAGE) {
                for (Py_ssize_t q = 0; q < n && f->msg == NULL; q++) {
                    if (strcmp(fresh[q]->qname, f->type_name) == 0) {
                        f->msg = fresh[q];
                    }
                }
                if (f->msg == NULL) {
                    f->msg = msg_by_name(st, f->type_name);
                }
            } else if (vk == AKT_KIND_ENUM) {
                f->en = enum_by_name(st, f->type_name);
            }
            if ((vk == AKT_KIND_MESSAGE && f->msg == NULL)
                || (vk == AKT_KIND_ENUM && f->en == NULL)) {
                PyErr_Format(PyExc_ImportError,
                    "bind_module: %s.%s refers to %s, which no imported "
                    "module binds",
                    b->qname, f->cname, f->type_name);
                goto fail;
            }
        }
    }
    /* defaults, normalized */
    for (Py_ssize_t i = 0; i < n; i++) {
        pyb_msg *b = fresh[i];
        for (size_t j = 0; j < b->n; j++) {
            pyb_field *f = &b->f[j];
            PyObject *given = f->deflt;
            f->deflt = make_default(st, b, f, given);
            Py_DECREF(given);
            if (f->deflt == NULL && PyErr_Occurred()) {
                goto fail;
            }
        }
    }
    /* descriptors: a C extension's (checked) or built ones */
    for (Py_ssize_t i = 0; i < n; i++) {
        pyb_msg *b = fresh[i];
        pyb_msg *old = msg_by_name(st, b->qname);
        const akt_type *c = st->registry
            ? akt_registry_find_name(st->registry, b->qname)
            : NULL;
        if (old) {
            b->built = old->built;
            use_descriptor(b, old->t);
        } else if (c && !(c->doc && strstr(c->doc, "akt._core"))) {
            if (check_against(st, b, c, module) < 0) {
                goto fail;
            }
            use_descriptor(b, c);
        } else if (build_layout(b) < 0) {
            goto fail;
        } else {
            use_descriptor(b, b->built);
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (fresh[i]->built && fresh[i]->t == fresh[i]->built
            && fresh[i]->built->defaults == NULL && build_links(fresh[i]) < 0) {
            goto fail;
        }
        if (fresh[i]->built) {
            for (size_t j = 0; j < fresh[i]->n; j++) {
                fresh[i]->f[j].bf
                    = field_by_number(fresh[i]->built, fresh[i]->f[j].number);
            }
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        pyb_msg *b = fresh[i];
        if (b->t == b->built) {
            akt_err rc = akt_registry_add(st->registry, b->t);
            if (rc != AKT_OK) {
                pyc_raise(st, rc, b->qname);
                goto fail;
            }
        }
        pyb_msg *old = msg_by_name(st, b->qname);
        if (old) {
            /* replace in place: fields of other types point at old */
            if (hmap_put(&tb->by_cls, (uint64_t)(uintptr_t)old->cls, NULL) < 0
                || hmap_put(&tb->by_cls, (uint64_t)(uintptr_t)b->cls, old)
                    < 0) {
                goto fail;
            }
            Py_XDECREF(old->cls);
            Py_CLEAR(old->deflt);
            pyb_field *of = old->f;
            size_t on = old->n;
            *old = *b;
            for (size_t j = 0; j < on; j++) {
                Py_CLEAR(of[j].name);
                Py_CLEAR(of[j].deflt);
            }
            free(b);
            fresh[i] = old;
            for (Py_ssize_t q = 0; q < n; q++) {
                for (size_t j = 0; j < fresh[q]->n; j++) {
                    if (fresh[q]->f[j].msg == b) {
                        fresh[q]->f[j].msg = old;
                    }
                }
            }
            continue;
        }
        if (grow((void **)&tb->msgs, &tb->capmsgs, tb->nmsgs, sizeof(pyb_msg *))
                < 0
            || hmap_put(&tb->by_cls, (uint64_t)(uintptr_t)b->cls, b) < 0
            || hmap_put(&tb->by_id, b->id, b) < 0) {
            goto fail;
        }
        tb->msgs[tb->nmsgs++] = b;
    }
    free(fresh);
    Py_RETURN_NONE;
fail:
    /* nothing of this call was registered; what was parsed leaks a few
     * bytes (a failed import), the Python references are dropped */
    for (Py_ssize_t i = 0; i < k && i < n; i++) {
        if (fresh[i]) {
            for (size_t j = 0; j < fresh[i]->n; j++) {
                Py_CLEAR(fresh[i]->f[j].name);
                Py_CLEAR(fresh[i]->f[j].deflt);
            }
            Py_CLEAR(fresh[i]->cls);
        }
    }
    free(fresh);
    return NULL;
}

/* --- conversions -------------------------------------------------------------
 */

static int fill(pyc_state *st, pyb_msg *b, const akt_type *t, PyObject *o,
    void *obj, akt_arena *arena);

static PyObject *
conv_err(pyb_msg *b, const akt_field *df, const char *what)
{
    PyErr_Format(PyExc_TypeError, "%s.%s: %s", b->qname, df->name, what);
    return NULL;
}

/* the binding for a nested struct of type t (bound by id) */
static pyb_msg *
nested_binding(pyc_state *st, const pyb_field *f, const akt_type *t)
{
    if (f && f->msg && f->msg->id == t->id) {
        return f->msg;
    }
    return pyb_of_id(st, t->id);
}

/* write one value v of kind k at p (strings etc. into arena) */
static int
put(pyc_state *st, pyb_msg *b, const pyb_field *f, const akt_field *df,
    uint16_t k, PyObject *v, void *p, akt_arena *arena)
{
    switch (k) {
    case AKT_KIND_BOOL:
        *(bool *)p = v == Py_True;
        return 0;
    case AKT_KIND_INT8:
    case AKT_KIND_INT16:
    case AKT_KIND_INT32:
    case AKT_KIND_INT64:
    case AKT_KIND_ENUM: {
        int over = 0;
        long long x = PyLong_Check(v) ? PyLong_AsLongLongAndOverflow(v, &over)
                                      : (over = 1, 0);
        long long lo = k == AKT_KIND_INT8 ? INT8_MIN
            : k == AKT_KIND_INT16         ? INT16_MIN
            : k == AKT_KIND_INT64         ? INT64_MIN
                                          : INT32_MIN;
        long long hi = k == AKT_KIND_INT8 ? INT8_MAX
            : k == AKT_KIND_INT16         ? INT16_MAX
            : k == AKT_KIND_INT64         ? INT64_MAX
                                          : INT32_MAX;
        if (over || x < lo || x > hi) {
            PyErr_Clear();
            conv_err(b, df, "not an integer of its range");
            return -1;
        }
        if (k == AKT_KIND_INT8) {
            *(int8_t *)p = (int8_t)x;
        } else if (k == AKT_KIND_INT16) {
            *(int16_t *)p = (int16_t)x;
        } else if (k == AKT_KIND_INT64) {
            *(int64_t *)p = x;
        } else {
            *(int32_t *)p = (int32_t)x;
        }
        return 0;
    }
    case AKT_KIND_UINT8:
    case AKT_KIND_UINT16:
    case AKT_KIND_UINT32:
    case AKT_KIND_UINT64: {
        unsigned long long x
            = PyLong_Check(v) ? PyLong_AsUnsignedLongLong(v) : (uint64_t)-1;
        unsigned long long hi = k == AKT_KIND_UINT8 ? UINT8_MAX
            : k == AKT_KIND_UINT16                  ? UINT16_MAX
            : k == AKT_KIND_UINT32                  ? UINT32_MAX
                                                    : UINT64_MAX;
        if (PyErr_Occurred() || !PyLong_Check(v) || x > hi) {
            PyErr_Clear();
            conv_err(b, df, "not an integer of its range");
            return -1;
        }
        if (k == AKT_KIND_UINT8) {
            *(uint8_t *)p = (uint8_t)x;
        } else if (k == AKT_KIND_UINT16) {
            *(uint16_t *)p = (uint16_t)x;
        } else if (k == AKT_KIND_UINT32) {
            *(uint32_t *)p = (uint32_t)x;
        } else {
            *(uint64_t *)p = x;
        }
        return 0;
    }
    case AKT_KIND_FLOAT32:
    case AKT_KIND_FLOAT64: {
        double d = PyFloat_CheckExact(v) ? PyFloat_AS_DOUBLE(v)
                                         : PyFloat_AsDouble(v);
        if (d == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            conv_err(b, df, "not a float");
            return -1;
        }
        if (k == AKT_KIND_FLOAT32) {
            *(float *)p = (float)d;
        } else {
            *(double *)p = d;
        }
        return 0;
    }
    case AKT_KIND_STRING: {
        Py_ssize_t n;
        const char *s
            = PyUnicode_Check(v) ? PyUnicode_AsUTF8AndSize(v, &n) : NULL;
        if (s == NULL) {
            PyErr_Clear();
            conv_err(b, df, "not a str of well-formed UTF-8");
            return -1;
        }
        if (n == 0) {
            *(akt_str *)p = (akt_str) { "", 0 };
            return 0;
        }
        if (akt_arena_str(arena, s, (size_t)n, (akt_str *)p) != AKT_OK) {
            PyErr_NoMemory();
            return -1;
        }
        return 0;
    }
    case AKT_KIND_BYTES: {
        if (!PyBytes_Check(v)) {
            conv_err(b, df, "not bytes");
            return -1;
        }
        Py_ssize_t n = PyBytes_GET_SIZE(v);
        if (n == 0) {
            *(akt_bytes *)p = (akt_bytes) { NULL, 0 };
            return 0;
        }
        if (akt_arena_bytes(
                arena, PyBytes_AS_STRING(v), (size_t)n, (akt_bytes *)p)
            != AKT_OK) {
            PyErr_NoMemory();
            return -1;
        }
        return 0;
    }
    case AKT_KIND_REF:
        if (v == Py_None) {
            *(akt_ref *)p = AKT_REF_NONE;
        } else if (PyObject_TypeCheck(v, st->ref_type)) {
            *(akt_ref *)p = pyc_ref_get(v);
        } else {
            conv_err(b, df, "not an ActorRef");
            return -1;
        }
        return 0;
    default:
        conv_err(b, df, "a kind Python cannot write");
        return -1;
    }
}

/* a nested struct of type mt from v into storage p (zeroed by the caller) */
static int
put_struct(pyc_state *st, const pyb_field *f, const akt_type *mt, PyObject *v,
    void *p, akt_arena *arena)
{
    pyb_msg *nb = pyb_of_object(st, v);
    if (nb == NULL || nb->id != mt->id) {
        PyErr_Format(PyExc_TypeError, "%s: expected a %s, got %s",
            f ? f->cname : "?", mt->name, Py_TYPE(v)->tp_name);
        return -1;
    }
    akt_type_init(mt, p, arena);
    return fill(st, nb, mt, v, p, arena);
}

static int
put_field(pyc_state *st, pyb_msg *b, const pyb_field *f, const akt_field *df,
    PyObject *v, char *obj, akt_arena *arena)
{
    void *p = obj + df->offset;
    if (v == Py_None && (df->flags & AKT_FIELD_OPTIONAL)) {
        return 0; /* absent (the struct was init'ed) */
    }
    switch (df->kind) {
    case AKT_KIND_MESSAGE: {
        if (v == Py_None || (f && f->msg && v == f->msg->deflt)) {
            *(void **)p = NULL; /* the type's default */
            return 0;
        }
        const akt_type *mt = df->msg_type;
        void *np = akt_arena_alloc(arena, mt->size, mt->align);
        if (np == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memset(np, 0, mt->size);
        if (put_struct(st, f, mt, v, np, arena) < 0) {
            return -1;
        }
        *(void **)p = np;
        return 0;
    }
    case AKT_KIND_LIST: {
        if (!PyTuple_Check(v)) {
            conv_err(b, df, "not a tuple");
            return -1;
        }
        Py_ssize_t n = PyTuple_GET_SIZE(v);
        akt_list *l = p;
        l->len = 0;
        l->items = NULL;
        if (n == 0) {
            return 0;
        }
        char *items
            = akt_arena_alloc(arena, (size_t)n * akt_field_elem_size(df), 8);
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memset(items, 0, (size_t)n * akt_field_elem_size(df));
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *e = PyTuple_GET_ITEM(v, i);
            void *ep = items + (size_t)i * akt_field_elem_size(df);
            int rc = df->elem_kind == AKT_KIND_MESSAGE
                ? put_struct(st, f, df->msg_type, e, ep, arena)
                : put(st, b, f, df, df->elem_kind, e, ep, arena);
            if (rc < 0) {
                return -1;
            }
        }
        l->items = items;
        l->len = (size_t)n;
        return 0;
    }
    case AKT_KIND_MAP: {
        if (!PyDict_Check(v)) {
            conv_err(b, df, "not a mapping");
            return -1;
        }
        Py_ssize_t n = PyDict_GET_SIZE(v);
        akt_map *mp = p;
        mp->len = 0;
        mp->keys = mp->values = NULL;
        if (n == 0) {
            return 0;
        }
        size_t ks, ka;
        akt_kind_member_layout(df->key_kind, &ks, &ka);
        char *keys = akt_arena_alloc(arena, (size_t)n * ks, 8);
        char *vals
            = akt_arena_alloc(arena, (size_t)n * akt_field_elem_size(df), 8);
        if (keys == NULL || vals == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memset(keys, 0, (size_t)n * ks);
        memset(vals, 0, (size_t)n * akt_field_elem_size(df));
        PyObject *k, *e;
        Py_ssize_t pos = 0, i = 0;
        while (PyDict_Next(v, &pos, &k, &e)) {
            void *vp = vals + (size_t)i * akt_field_elem_size(df);
            if (put(st, b, f, df, df->key_kind, k, keys + (size_t)i * ks, arena)
                    < 0
                || (df->elem_kind == AKT_KIND_MESSAGE
                           ? put_struct(st, f, df->msg_type, e, vp, arena)
                           : put(st, b, f, df, df->elem_kind, e, vp, arena))
                    < 0) {
                return -1;
            }
            i++;
        }
        mp->keys = keys;
        mp->values = vals;
        mp->len = (size_t)n;
        return 0;
    }
    default:
        if (put(st, b, f, df, df->kind, v, p, arena) < 0) {
            return -1;
        }
        /* has_offset is read only for optional fields (ABI 4: aktc
         * leaves it 0 in other rows) */
        if ((df->flags & AKT_FIELD_OPTIONAL)
            && df->has_offset != AKT_NO_OFFSET) {
            obj[df->has_offset] = 1;
        }
        return 0;
    }
}

static const akt_field *
df_for(const pyb_msg *b, const pyb_field *f, const akt_type *t)
{
    if (t == b->t) {
        return f->df;
    }
    if (t == b->built) {
        return f->bf;
    }
    return field_by_number(t, f->number);
}

static int
fill(pyc_state *st, pyb_msg *b, const akt_type *t, PyObject *o, void *obj,
    akt_arena *arena)
{
    for (size_t i = 0; i < b->n; i++) {
        const pyb_field *f = &b->f[i];
        const akt_field *df = df_for(b, f, t);
        if (df == NULL) {
            continue; /* a field the descriptor lacks (checked at bind) */
        }
        if (put_field(st, b, f, df, slot(o, f), obj, arena) < 0) {
            return -1;
        }
    }
    return 0;
}

void *
pyb_to_msg(pyc_state *st, pyb_msg *b, PyObject *o)
{
    void *m = akt_msg_new(b->t, 64);
    if (m == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (fill(st, b, b->t, o, m, akt_msg_arena(m)) < 0) {
        akt_msg_free(m);
        return NULL;
    }
    return m;
}

/* --- akt -> Python
 * -------------------------------------------------------------- */

static PyObject *from_struct(pyc_state *st, PyObject *system, pyb_msg *b,
    const akt_type *t, const void *obj);

static PyObject *
get(pyc_state *st, PyObject *system, const pyb_field *f, const akt_field *df,
    uint16_t k, const void *p)
{
    switch (k) {
    case AKT_KIND_BOOL:
        return PyBool_FromLong(*(const bool *)p);
    case AKT_KIND_INT8:
        return PyLong_FromLong(*(const int8_t *)p);
    case AKT_KIND_INT16:
        return PyLong_FromLong(*(const int16_t *)p);
    case AKT_KIND_INT32:
        return PyLong_FromLong(*(const int32_t *)p);
    case AKT_KIND_ENUM: {
        PyObject *v = PyLong_FromLong(*(const int32_t *)p);
        if (v && f && f->en) {
            PyObject *m = PyDict_GetItemWithError(f->en->members, v);
            if (m) {
                Py_DECREF(v);
                return Py_NewRef(m);
            }
        }
        return v;
    }
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
        const akt_bytes *bs = p;
        return PyBytes_FromStringAndSize(
            (const char *)bs->ptr, (Py_ssize_t)bs->len);
    }
    case AKT_KIND_REF:
        return pyc_ref_new(st, system, *(const akt_ref *)p);
    case AKT_KIND_MESSAGE: { /* p: an inline struct (list / map element) */
        pyb_msg *nb = nested_binding(st, f, df->msg_type);
        if (nb == NULL) {
            return PyErr_Format(PyExc_TypeError,
                "akt: %s is not bound to a Python class", df->msg_type->name);
        }
        return from_struct(st, system, nb, df->msg_type, p);
    }
    default:
        return PyErr_Format(PyExc_TypeError,
            "akt: field '%s' has a kind Python cannot read", df->name);
    }
}

static PyObject *
get_field(pyc_state *st, PyObject *system, const pyb_field *f,
    const akt_field *df, const char *obj)
{
    if (!akt_field_present(df, obj)) {
        return Py_NewRef(Py_None);
    }
    const void *p = obj + df->offset;
    switch (df->kind) {
    case AKT_KIND_MESSAGE: {
        const void *np = *(const void *const *)p;
        pyb_msg *nb = nested_binding(st, f, df->msg_type);
        if (nb == NULL) {
            return PyErr_Format(PyExc_TypeError,
                "akt: %s is not bound to a Python class", df->msg_type->name);
        }
        if (np == NULL) {
            return msg_default(st, nb);
        }
        return from_struct(st, system, nb, df->msg_type, np);
    }
    case AKT_KIND_LIST: {
        const akt_list *l = p;
        PyObject *t = PyTuple_New((Py_ssize_t)l->len);
        for (size_t i = 0; t && i < l->len; i++) {
            PyObject *e = get(st, system, f, df, df->elem_kind,
                (const char *)l->items + i * akt_field_elem_size(df));
            if (e == NULL) {
                Py_CLEAR(t);
                break;
            }
            PyTuple_SET_ITEM(t, (Py_ssize_t)i, e);
        }
        return t;
    }
    case AKT_KIND_MAP: {
        const akt_map *mp = p;
        size_t ks, ka;
        akt_kind_member_layout(df->key_kind, &ks, &ka);
        PyObject *empty = PyTuple_New(0);
        PyObject *d = empty
            ? PyDict_Type.tp_new((PyTypeObject *)st->frozenmap_cls, empty, NULL)
            : NULL;
        Py_XDECREF(empty);
        for (size_t i = 0; d && i < mp->len; i++) {
            PyObject *k = get(st, system, f, df, df->key_kind,
                (const char *)mp->keys + i * ks);
            PyObject *v = k
                ? get(st, system, f, df, df->elem_kind,
                    (const char *)mp->values + i * akt_field_elem_size(df))
                : NULL;
            if (v == NULL || PyDict_SetItem(d, k, v) < 0) {
                Py_CLEAR(d);
            }
            Py_XDECREF(k);
            Py_XDECREF(v);
        }
        return d;
    }
    default:
        return get(st, system, f, df, df->kind, p);
    }
}

static PyObject *
from_struct(pyc_state *st, PyObject *system, pyb_msg *b, const akt_type *t,
    const void *obj)
{
    PyObject *stackv[16];
    PyObject **vals = b->n <= 16 ? stackv : calloc(b->n, sizeof(PyObject *));
    if (vals == NULL) {
        return PyErr_NoMemory();
    }
    size_t i = 0;
    for (; i < b->n; i++) {
        pyb_field *f = &b->f[i];
        const akt_field *df = df_for(b, f, t);
        vals[i] = df ? get_field(st, system, f, df, obj) : field_default(st, f);
        if (vals[i] == NULL) {
            break;
        }
    }
    PyObject *o = NULL;
    if (i == b->n) {
        o = instance_of(b, vals);
    } else {
        while (i-- > 0) {
            Py_DECREF(vals[i]);
        }
    }
    if (vals != stackv) {
        free(vals);
    }
    return o;
}

PyObject *
pyb_from_struct(pyc_state *st, PyObject *system, pyb_msg *b, const akt_type *t,
    const void *obj)
{
    return from_struct(st, system, b, t, obj);
}

/* --- encode / decode
 * ------------------------------------------------------------ */

/* encode(msg) -> bytes: the msgpack form (docs/encoding.md), the same bytes
 * as the C encoder's */
PyObject *
pyb_encode(PyObject *m, PyObject *o)
{
    pyc_state *st = PyModule_GetState(m);
    pyb_msg *b = pyb_of_object(st, o);
    if (b == NULL) {
        return PyErr_Format(PyExc_TypeError,
            "encode: expected a message of a module made by aktc --py_out, "
            "got %s",
            Py_TYPE(o)->tp_name);
    }
    void *msg = pyb_to_msg(st, b, o);
    if (msg == NULL) {
        return NULL;
    }
    akt_buf buf;
    akt_buf_init(&buf);
    akt_err rc = akt_msg_encode(msg, &buf);
    akt_msg_free(msg);
    PyObject *r = rc == AKT_OK
        ? PyBytes_FromStringAndSize((const char *)buf.data, (Py_ssize_t)buf.len)
        : pyc_raise(st, rc, b->qname);
    akt_buf_free(&buf);
    return r;
}

/* decode(cls, data) -> a cls: msgpack bytes read with the default limits;
 * malformed input raises akt.ProtocolError (EPROTO), akt.OutOfRange
 * (ERANGE) or akt.TooBig (ETOOBIG) */
PyObject *
pyb_decode(PyObject *m, PyObject *args)
{
    pyc_state *st = PyModule_GetState(m);
    PyObject *cls;
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "Oy*", &cls, &data)) {
        return NULL;
    }
    pyb_msg *b
        = PyType_Check(cls) ? pyb_of_class(st, (PyTypeObject *)cls) : NULL;
    if (b == NULL) {
        PyBuffer_Release(&data);
        return PyErr_Format(PyExc_TypeError,
            "decode: expected a message class of a module made by aktc "
            "--py_out, got %R",
            cls);
    }
    void *msg = NULL;
    akt_err rc;
    Py_BEGIN_ALLOW_THREADS rc
        = akt_msg_decode(b->t, data.buf, (size_t)data.len, NULL, &msg);
    Py_END_ALLOW_THREADS PyBuffer_Release(&data);
    if (rc != AKT_OK) {
        return pyc_raise(st, rc, b->qname);
    }
    PyObject *o = from_struct(st, Py_None, b, b->t, msg);
    akt_msg_free(msg);
    return o;
}

/* --- module state
 * ---------------------------------------------------------------- */

void
pyb_clear(pyc_state *st)
{
    pyb_tables *tb = st->bind;
    if (tb == NULL) {
        return;
    }
    /* descriptors stay (the registry and live messages point at them);
     * the Python objects go */
    for (size_t i = 0; i < tb->nmsgs; i++) {
        pyb_msg *b = tb->msgs[i];
        Py_CLEAR(b->cls);
        Py_CLEAR(b->deflt);
        for (size_t j = 0; j < b->n; j++) {
            Py_CLEAR(b->f[j].name);
            Py_CLEAR(b->f[j].deflt);
        }
    }
    for (size_t i = 0; i < tb->nenums; i++) {
        Py_CLEAR(tb->enums[i]->cls);
        Py_CLEAR(tb->enums[i]->members);
        Py_CLEAR(tb->enums[i]->first);
    }
    tb->nmsgs = tb->nenums = 0;
    hmap_free(&tb->by_cls);
    hmap_free(&tb->by_id);
}

int
pyb_traverse(pyc_state *st, visitproc visit, void *arg)
{
    pyb_tables *tb = st->bind;
    for (size_t i = 0; tb && i < tb->nmsgs; i++) {
        Py_VISIT(tb->msgs[i]->cls);
        Py_VISIT(tb->msgs[i]->deflt);
        for (size_t j = 0; j < tb->msgs[i]->n; j++) {
            Py_VISIT(tb->msgs[i]->f[j].deflt);
        }
    }
    for (size_t i = 0; tb && i < tb->nenums; i++) {
        Py_VISIT(tb->enums[i]->cls);
        Py_VISIT(tb->enums[i]->members);
        Py_VISIT(tb->enums[i]->first);
    }
    return 0;
}
