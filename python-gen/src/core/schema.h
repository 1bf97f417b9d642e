/*
 * schema.h -- generated Python message classes bound to akt descriptors
 * (schema.c): akt.Message, akt.bind_module, and the fast conversions
 * between a bound class's instances and akt messages.
 */
#ifndef AKT_PY_SCHEMA_H
#define AKT_PY_SCHEMA_H

#include "pycore.h"

typedef struct pyb_msg pyb_msg;

/* the Message base type's spec (module.c makes the type) */
extern PyType_Spec pyb_message_spec;

/* bind_module(module_name, messages, enums): see schema.c */
PyObject *pyb_bind_module(PyObject *m, PyObject *args);

/* the binding of o's class (or a base of it), or NULL (no error set) */
pyb_msg *pyb_of_object(pyc_state *st, PyObject *o);
/* the binding of class tp (or a base of it), or NULL */
pyb_msg *pyb_of_class(pyc_state *st, PyTypeObject *tp);
/* the binding of the type with this id, or NULL */
pyb_msg *pyb_of_id(pyc_state *st, uint64_t id);
/* the descriptor messages of b are made with */
const akt_type *pyb_type(const pyb_msg *b);

/* pyb_to_msg -- a new akt message (one reference) of o, an instance of
 * b's class; NULL with a Python error naming the field */
void *pyb_to_msg(pyc_state *st, pyb_msg *b, PyObject *o);
/* pyb_from_struct -- a new instance of b's class from obj, a struct of
 * type t (b's descriptor, or another of the same type id) */
PyObject *pyb_from_struct(pyc_state *st, PyObject *system, pyb_msg *b,
    const akt_type *t, const void *obj);

/* pyb_register_c -- a C extension registered t: when a module bound the
 * same type, check t against it (0, or -1 with akt.SchemaMismatch) and
 * make t the descriptor its messages are made with */
int pyb_register_c(pyc_state *st, const akt_type *t);

/* pyb_schema_hash -- FNV-1a 64 of t's canonical field table (emit_py.c
 * computes the same from the .akt file) */
uint64_t pyb_schema_hash(const akt_type *t);

/* encode(msg) -> bytes; decode(cls, data) -> msg (module functions) */
PyObject *pyb_encode(PyObject *m, PyObject *o);
PyObject *pyb_decode(PyObject *m, PyObject *args);

void pyb_clear(pyc_state *st);
int pyb_traverse(pyc_state *st, visitproc visit, void *arg);

#endif /* AKT_PY_SCHEMA_H */
