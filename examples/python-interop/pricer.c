/*
 * pricer.c -- _pricing_c, the C half of the python-interop example: the
 * pricing.Pricer actor in C (aktc's C output of pricing.akt), spawned in a
 * system that Python made, where it asks a Python actor (the Catalog) and
 * is asked by Python.
 *
 * On a Quote it asks the Catalog with a Lookup (akt_ask; never blocking
 * its handler) and answers the Quote's sender from the completion
 * callback with a Price. The extension links no libakt: its akt_* calls
 * resolve against the one akt._core carries (main.py imports akt with
 * RTLD_GLOBAL first), so both halves share one runtime.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#include "pricing.akt.h"

typedef struct pending {
    akt_ref asker; /* the Quote's sender */
    uint32_t qty;
} pending;

/* the Catalog answered (on the thread that completed the ask) */
static void
on_entry(akt_err status, const void *reply, void *arg)
{
    pending *p = arg;
    if (status != AKT_OK || akt_msg_type(reply) != &pricing_entry_desc) {
        return; /* the asker's ask times out or sees the failure */
    }
    const pricing_Entry *e = reply;
    pricing_Price *price = pricing_price_alloc(e->item.len + 1);
    if (price == NULL) {
        return;
    }
    akt_arena_str(akt_msg_arena(price), e->item.ptr ? e->item.ptr : "",
        e->item.len, &price->item);
    price->cents = e->unit_cents * p->qty;
    price->known = e->known;
    if (akt_tell(p->asker, price, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(price);
    }
}

static akt_err
on_quote(pricing_PricerState *state, akt_ctx *ctx, const pricing_Quote *msg)
{
    pending *p = malloc(sizeof *p);
    pricing_Lookup *q = pricing_lookup_alloc(msg->item.len + 1);
    if (p == NULL || q == NULL) {
        free(p);
        akt_msg_free(q);
        return AKT_ENOMEM;
    }
    p->asker = akt_ctx_sender(ctx);
    p->qty = msg->qty;
    akt_arena_str(akt_msg_arena(q), msg->item.ptr ? msg->item.ptr : "",
        msg->item.len, &q->item);
    akt_future *f;
    akt_err rc = akt_ask(state->catalog, q, AKT_SEC(5), &f);
    if (rc != AKT_OK) {
        akt_msg_free(q);
        free(p);
        return rc;
    }
    rc = akt_future_on_complete(f, on_entry, p, free);
    akt_future_release(f);
    if (rc != AKT_OK) {
        free(p);
    }
    return rc;
}

static akt_err
init(pricing_PricerState *state, akt_ctx *ctx, const void *init_arg)
{
    (void)ctx;
    state->catalog = *(const akt_ref *)init_arg;
    return AKT_OK;
}

static const pricing_PricerHandlers pricer
    = { .on_quote = on_quote, .init = init };

/* spawn_pricer(system_address, catalog_path, name) -> path */
static PyObject *
spawn_pricer(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long addr;
    const char *catalog, *name;
    if (!PyArg_ParseTuple(args, "Kss", &addr, &catalog, &name)) {
        return NULL;
    }
    akt_system *sys = (akt_system *)(uintptr_t)addr;
    static akt_ref catalog_ref; /* read by init, at once and on restarts */
    akt_props props;
    akt_ref ref;
    akt_err rc = akt_lookup(sys, catalog, &catalog_ref);
    if (rc == AKT_OK) {
        rc = pricing_pricer_props(&pricer, &props);
    }
    if (rc == AKT_OK) {
        props.init_arg = &catalog_ref;
        rc = akt_spawn(sys, &props, name, &ref);
    }
    if (rc != AKT_OK) {
        return PyErr_Format(
            PyExc_RuntimeError, "spawn_pricer: %s", akt_strerror(rc));
    }
    char path[256];
    akt_ref_path(ref, path, sizeof path);
    return PyUnicode_FromString(path);
}

/* types() -> the descriptors, for akt.register_types */
static PyObject *
types(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    PyObject *t = PyTuple_New(0);
    for (size_t i = 0; t && pricing_pricing_types[i]; i++) {
        PyObject *c
            = PyCapsule_New((void *)pricing_pricing_types[i], "akt.type", NULL);
        if (c == NULL || _PyTuple_Resize(&t, (Py_ssize_t)i + 1) < 0) {
            Py_XDECREF(c);
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, (Py_ssize_t)i, c);
    }
    return t;
}

static PyMethodDef methods[] = {
    { "spawn_pricer", spawn_pricer, METH_VARARGS,
        "spawn_pricer(system_address, catalog_path, name) -> path" },
    { "types", types, METH_NOARGS, "the pricing.akt descriptors" },
    { NULL },
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_pricing_c",
    .m_doc = "the C half of the python-interop example",
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__pricing_c(void)
{
    return PyModule_Create(&module);
}
