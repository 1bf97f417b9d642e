/*
 * ast.c -- allocation, release and small helpers for the syntax tree.
 */
#include "ast.h"
#include "gpu.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *
ast_alloc(size_t size)
{
    void *p = calloc(1, size);
    if (p == NULL) {
        fputs("aktc: out of memory\n", stderr);
        exit(3);
    }
    return p;
}

char *
ast_strndup(const char *s, size_t n)
{
    char *p = ast_alloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
ast_strdup(const char *s)
{
    return s ? ast_strndup(s, strlen(s)) : NULL;
}

char *
ast_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = ast_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void
ast_type_free(ast_type *t)
{
    if (t == NULL) {
        return;
    }
    free(t->name);
    ast_type_free(t->elem);
    ast_type_free(t->key);
    free(t);
}

void
ast_literal_free(ast_literal *l)
{
    if (l == NULL) {
        return;
    }
    free(l->text);
    free(l->s);
    free(l);
}

void
ast_option_free(ast_option *o)
{
    while (o) {
        ast_option *next = o->next;
        free(o->name);
        ast_literal_free(o->value);
        free(o);
        o = next;
    }
}

void
ast_field_free(ast_field *f)
{
    while (f) {
        ast_field *next = f->next;
        free(f->name);
        ast_type_free(f->type);
        ast_option_free(f->options);
        free(f->doc);
        free(f);
        f = next;
    }
}

void
ast_reserved_free(ast_reserved *r)
{
    while (r) {
        ast_reserved *next = r->next;
        free(r->name);
        free(r);
        r = next;
    }
}

void
ast_enumval_free(ast_enumval *v)
{
    while (v) {
        ast_enumval *next = v->next;
        free(v->name);
        free(v->doc);
        free(v->macro);
        free(v);
        v = next;
    }
}

void
ast_handler_free(ast_handler *h)
{
    while (h) {
        ast_handler *next = h->next;
        free(h->msg);
        free(h->reply);
        free(h->doc);
        free(h->snake);
        aktc_gpu_body_free(h->gpu_body);
        free(h);
        h = next;
    }
}

void
ast_fsm_trans_free(ast_fsm_trans *t)
{
    while (t) {
        ast_fsm_trans *next = t->next;
        free(t->msg);
        free(t->target);
        free(t->doc);
        free(t->snake);
        free(t);
        t = next;
    }
}

void
ast_fsm_state_free(ast_fsm_state *s)
{
    while (s) {
        ast_fsm_state *next = s->next;
        free(s->name);
        free(s->doc);
        ast_fsm_trans_free(s->trans);
        free(s->snake);
        free(s->macro);
        free(s);
        s = next;
    }
}

void
ast_fsm_free(ast_fsm *m)
{
    if (m) {
        free(m->initial);
        ast_fsm_state_free(m->states);
        free(m);
    }
}

void
ast_decl_free(ast_decl *d)
{
    while (d) {
        ast_decl *next = d->next;
        free(d->name);
        free(d->doc);
        ast_field_free(d->fields);
        ast_reserved_free(d->reserved);
        ast_enumval_free(d->values);
        ast_handler_free(d->handlers);
        ast_handler_free(d->events);
        free(d->snapshot);
        ast_fsm_free(d->fsm);
        if (d->state) {
            d->state->next = NULL;
            ast_decl_free(d->state);
        }
        free(d->qname);
        free(d->cname);
        free(d->snake);
        free(d->macro);
        free(d);
        d = next;
    }
}

void
ast_import_free(ast_import *i)
{
    while (i) {
        ast_import *next = i->next;
        free(i->path);
        free(i);
        i = next;
    }
}

void
ast_file_free(ast_file *f)
{
    if (f == NULL) {
        return;
    }
    free(f->path);
    free(f->base);
    free(f->real);
    free(f->text);
    free(f->pkg);
    free(f->prefix);
    ast_import_free(f->imports);
    ast_decl_free(f->decls);
    free(f);
}

#define REVERSE(T, name)                                                       \
    T *name(T *l)                                                              \
    {                                                                          \
        T *out = NULL;                                                         \
        while (l) {                                                            \
            T *next = l->next;                                                 \
            l->next = out;                                                     \
            out = l;                                                           \
            l = next;                                                          \
        }                                                                      \
        return out;                                                            \
    }

REVERSE(ast_field, ast_fields_reverse)
REVERSE(ast_reserved, ast_reserved_reverse)
REVERSE(ast_enumval, ast_enumvals_reverse)
REVERSE(ast_handler, ast_handlers_reverse)
REVERSE(ast_decl, ast_decls_reverse)
REVERSE(ast_import, ast_imports_reverse)
REVERSE(ast_option, ast_options_reverse)
REVERSE(ast_fsm_trans, ast_fsm_trans_reverse)
REVERSE(ast_fsm_state, ast_fsm_states_reverse)

static const struct {
    const char *name;
    ast_tkind kind;
} scalars[] = {
    { "bool", TY_BOOL },
    { "int8", TY_INT8 },
    { "int16", TY_INT16 },
    { "int32", TY_INT32 },
    { "int64", TY_INT64 },
    { "uint8", TY_UINT8 },
    { "uint16", TY_UINT16 },
    { "uint32", TY_UINT32 },
    { "uint64", TY_UINT64 },
    { "float32", TY_FLOAT32 },
    { "float64", TY_FLOAT64 },
    { "string", TY_STRING },
    { "bytes", TY_BYTES },
};

ast_tkind
ast_scalar_kind(const char *name)
{
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        if (strcmp(scalars[i].name, name) == 0) {
            return scalars[i].kind;
        }
    }
    return (ast_tkind)0;
}

const char *
ast_scalar_name(ast_tkind k)
{
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        if (scalars[i].kind == k) {
            return scalars[i].name;
        }
    }
    return "?";
}

bool
ast_is_scalar(ast_tkind k)
{
    return k >= TY_BOOL && k <= TY_FLOAT64;
}

bool
ast_is_integer(ast_tkind k)
{
    return k >= TY_INT8 && k <= TY_UINT64;
}

char *
ast_type_str(const ast_type *t, bool optional)
{
    char *inner;
    switch (t->kind) {
    case TY_NAMED:
        inner = ast_strdup(t->name);
        break;
    case TY_REF:
        inner = ast_printf("ref<%s>", t->name);
        break;
    case TY_LIST: {
        char *e = ast_type_str(t->elem, false);
        inner = ast_printf("list<%s>", e);
        free(e);
        break;
    }
    case TY_MAP: {
        char *k = ast_type_str(t->key, false);
        char *v = ast_type_str(t->elem, false);
        inner = ast_printf("map<%s, %s>", k, v);
        free(k);
        free(v);
        break;
    }
    default:
        inner = ast_strdup(ast_scalar_name(t->kind));
        break;
    }
    if (!optional) {
        return inner;
    }
    char *s = ast_printf("optional %s", inner);
    free(inner);
    return s;
}
