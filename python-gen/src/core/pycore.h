/*
 * pycore.h -- what the files of akt._core share: the per-module state and
 * the converters (convert.c).
 */
#ifndef AKT_PY_PYCORE_H
#define AKT_PY_PYCORE_H

#include <Python.h>

#include "akt/akt.h"

typedef struct pyc_state {
    PyObject *error; /* akt.AktError */
    PyObject *errors[64]; /* by code, the generated subclasses */
    PyObject *ask_self; /* akt.AskSelfError */
    PyTypeObject *system_type, *ref_type, *future_type, *ctx_type,
        *pending_type;
    /* from akt._runtime (_core._setup) */
    PyObject *record_cls, *terminated_cls, *future_cls, *suspend_fn,
        *failure_fn;
    akt_registry *registry; /* names -> descriptors for Records */
    /* generated modules (schema.c) */
    PyTypeObject *message_type; /* akt.Message */
    PyObject *frozenmap_cls, *typed_ref_cls; /* from akt._runtime */
    PyObject *schema_mismatch; /* akt.SchemaMismatch */
    struct pyb_tables *bind;
} pyc_state;

extern akt_type pyc_object_type;
extern struct PyModuleDef pyc_module_def;

/* raise the exception of code rc (with detail text, may be NULL); NULL */
PyObject *pyc_raise(pyc_state *st, akt_err rc, const char *detail);

PyObject *pyc_ref_new(pyc_state *st, PyObject *system, akt_ref r);
akt_ref pyc_ref_get(PyObject *ref);

/* pyc_from_msg -- a new reference to msg's Python form (GIL held) */
PyObject *pyc_from_msg(pyc_state *st, PyObject *system, const void *msg);
/* pyc_to_msg -- a new akt message (one reference) for o, sent to dest
 * (AKT_REF_NONE: unknown): a message of a generated class stays a Python
 * object for a Python actor of this process and becomes its akt type for
 * any other receiver; another object travels as itself (akt.python.Object,
 * pickled when it leaves the interpreter: at once for a remote actor).
 * NULL + error. */
void *pyc_to_msg(pyc_state *st, PyObject *o, akt_ref dest);

#endif /* AKT_PY_PYCORE_H */
