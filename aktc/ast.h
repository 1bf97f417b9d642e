/*
 * ast.h -- the syntax tree of .akt files, shared by the parser, the
 * semantic pass and the emitters.
 *
 * Every node is malloc'ed by the parser and owned by its parent; a file owns
 * its declarations and ast_file_free() releases the whole tree. Lists are
 * singly linked through `next`, in source order. After sema_check() succeeds
 * every type reference is resolved (`decl` set) and every declaration knows
 * its C names (`cname`, `snake`, `macro`).
 */
#ifndef AKTC_AST_H
#define AKTC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A source span. Lines and columns are 1-based; columns count bytes. The
 * byte offsets let later emitters slice raw text (the @gpu bodies). */
typedef struct aktc_loc {
    int first_line;
    int first_column;
    int last_line;
    int last_column;
    size_t first_byte;
    size_t last_byte; /* one past the end */
} aktc_loc;

struct ast_file;
struct ast_decl;

typedef enum ast_tkind {
    TY_BOOL = 1,
    TY_INT8,
    TY_INT16,
    TY_INT32,
    TY_INT64,
    TY_UINT8,
    TY_UINT16,
    TY_UINT32,
    TY_UINT64,
    TY_FLOAT32,
    TY_FLOAT64,
    TY_STRING,
    TY_BYTES,
    TY_NAMED, /* a message or enum, by (qualified) name */
    TY_LIST,
    TY_MAP,
    TY_REF /* ref<Actor> */
} ast_tkind;

typedef struct ast_type {
    ast_tkind kind;
    aktc_loc loc;
    char *name; /* TY_NAMED / TY_REF: as written ("a.b.Hello") */
    struct ast_type *elem; /* TY_LIST element, TY_MAP value */
    struct ast_type *key; /* TY_MAP key */
    struct ast_decl *decl; /* resolved by sema (TY_NAMED, TY_REF) */
} ast_type;

typedef enum ast_lkind {
    LIT_INT = 1, /* u with neg: the value is -u when neg */
    LIT_FLOAT,
    LIT_STRING,
    LIT_BOOL,
    LIT_IDENT /* an enum value name */
} ast_lkind;

typedef struct ast_literal {
    ast_lkind kind;
    aktc_loc loc;
    uint64_t u;
    bool neg;
    double d;
    char *text; /* the literal as written (floats, idents) */
    char *s; /* LIT_STRING: decoded bytes (NUL-terminated too) */
    size_t slen; /* LIT_STRING: length of s */
    bool b;
} ast_literal;

/* A field option: `[default = 3, deprecated]`. */
typedef struct ast_option {
    char *name;
    aktc_loc loc;
    ast_literal *value; /* NULL for flags */
    struct ast_option *next;
} ast_option;

typedef struct ast_field {
    char *name;
    aktc_loc loc; /* the whole field, starting at its type */
    aktc_loc name_loc;
    aktc_loc num_loc;
    ast_type *type;
    bool optional;
    uint64_t number;
    ast_option *options;
    char *doc;
    /* set by sema */
    ast_literal *deflt;
    bool deprecated;
    struct ast_field *next;
} ast_field;

/* `reserved 2, 5 to 9, "old_name";` -- one entry per item. */
typedef struct ast_reserved {
    aktc_loc loc;
    bool is_name;
    uint64_t lo, hi; /* numbers, inclusive */
    char *name;
    struct ast_reserved *next;
} ast_reserved;

typedef struct ast_enumval {
    char *name;
    aktc_loc loc;
    int64_t value;
    aktc_loc value_loc;
    char *doc;
    char *macro; /* PKG_COLOR_RED, set by sema */
    struct ast_enumval *next;
} ast_enumval;

typedef struct ast_handler {
    aktc_loc loc;
    char *msg; /* the message type name as written */
    aktc_loc msg_loc;
    char *reply; /* NULL for a tell-only handler */
    aktc_loc reply_loc;
    char *doc;
    bool gpu; /* @gpu on M [-> R] { body } */
    aktc_loc body_loc; /* the body's braces, parsed by gpu_body.c */
    /* set by sema */
    struct ast_decl *msg_decl;
    struct ast_decl *reply_decl;
    char *snake; /* "hello" for Hello: names on_hello, tell_hello... */
    struct aktc_gpu_body *gpu_body; /* a checked @gpu body (gpu.h) */
    struct ast_handler *next;
} ast_handler;

/* One line of an fsm state: `on M;`, `on M -> T;` or `timeout 30s -> T;`. */
typedef struct ast_fsm_trans {
    aktc_loc loc;
    bool is_timeout;
    char *msg; /* on: the message type name as written */
    aktc_loc msg_loc;
    char *target; /* the target state's name; NULL: stay */
    aktc_loc target_loc;
    int64_t timeout_ns; /* timeout: the duration */
    char *doc;
    /* set by sema */
    struct ast_decl *msg_decl;
    struct ast_fsm_state *target_state;
    char *snake; /* "open" for Open: names on_open */
    bool dup; /* a second line for the same message (reported) */
    struct ast_fsm_trans *next;
} ast_fsm_trans;

/* `state S { ... }` inside an fsm block. */
typedef struct ast_fsm_state {
    char *name;
    aktc_loc loc; /* the name */
    char *doc;
    ast_fsm_trans *trans; /* in source order */
    /* set by sema */
    char *snake; /* "closed" */
    char *macro; /* PKG_DOOR_CLOSED */
    int index; /* its number: the order of declaration */
    bool reachable;
    bool dup; /* a second state of the same name (reported) */
    ast_fsm_trans *timeout; /* the timeout line, or NULL */
    struct ast_fsm_state *next;
} ast_fsm_state;

/* `fsm { initial S; state ... }` of an actor. */
typedef struct ast_fsm {
    aktc_loc loc; /* the `fsm` keyword */
    char *initial; /* NULL when not declared */
    aktc_loc initial_loc;
    ast_fsm_state *states; /* in source order */
    /* set by sema */
    ast_fsm_state *initial_state;
    int nstates;
} ast_fsm;

typedef enum ast_dkind { DECL_MESSAGE = 1, DECL_ENUM, DECL_ACTOR } ast_dkind;

typedef struct ast_decl {
    ast_dkind kind;
    char *name;
    aktc_loc loc;
    aktc_loc name_loc;
    char *doc;
    struct ast_file *file;
    /* DECL_MESSAGE (and an actor's state, see `state`) */
    ast_field *fields;
    ast_reserved *reserved;
    bool is_state; /* the synthesized state message of an actor */
    /* DECL_ENUM */
    ast_enumval *values;
    /* DECL_ACTOR */
    ast_handler *handlers;
    struct ast_decl *state; /* a DECL_MESSAGE named <Actor>State, or NULL */
    bool has_state_block;
    ast_fsm *fsm; /* NULL for an actor without an fsm block */
    /* `persistent actor`: its events (msg/msg_loc/msg_decl/snake of each
     * entry; reply unused) and its snapshot type */
    bool persistent;
    ast_handler *events;
    char *snapshot; /* as written, or NULL */
    aktc_loc snapshot_loc;
    struct ast_decl *snapshot_decl; /* resolved by sema */
    /* set by sema */
    char *qname; /* "a.b.Hello" */
    char *cname; /* "a_b_Hello" */
    char *snake; /* "a_b_hello" */
    char *macro; /* "A_B_HELLO" */
    uint64_t type_id;
    int visit; /* cycle detection */
    struct ast_decl *next;
} ast_decl;

typedef struct ast_import {
    char *path; /* as written */
    aktc_loc loc;
    struct ast_file *file; /* resolved by the loader */
    struct ast_import *next;
} ast_import;

typedef struct ast_file {
    char *path; /* as given / as found on the import path */
    char *base; /* basename without directories: "x.akt" */
    char *real; /* canonical path: the identity of the file */
    char *text; /* the whole source, NUL-terminated */
    size_t len;
    char *pkg; /* "a.b", or NULL when the file has none */
    aktc_loc pkg_loc;
    char *prefix; /* "a_b" */
    ast_import *imports;
    ast_decl *decls;
    bool on_command_line;
    int state; /* loader: 0 new, 1 loading, 2 loaded */
    int visit; /* sema's import-order walk: 0 new, 1 on the way, 2 placed */
    int nerrors;
    struct ast_file *next; /* all loaded files, in load order */
} ast_file;

/* Constructors used by the parser; each aborts on ENOMEM (the compiler is
 * a short-lived process and has nothing to recover). */
void *ast_alloc(size_t size);
char *ast_strdup(const char *s);
char *ast_strndup(const char *s, size_t n);
char *ast_printf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

void ast_type_free(ast_type *t);
void ast_literal_free(ast_literal *l);
void ast_option_free(ast_option *o);
void ast_field_free(ast_field *f); /* the whole list */
void ast_reserved_free(ast_reserved *r);
void ast_enumval_free(ast_enumval *v);
void ast_handler_free(ast_handler *h);
void ast_fsm_trans_free(ast_fsm_trans *t); /* the whole list */
void ast_fsm_state_free(ast_fsm_state *s); /* the whole list */
void ast_fsm_free(ast_fsm *m);
void ast_decl_free(ast_decl *d); /* the whole list */
void ast_import_free(ast_import *i);
void ast_file_free(ast_file *f); /* one file, not the chain */

/* Reverse lists that the parser built back to front. */
ast_field *ast_fields_reverse(ast_field *f);
ast_reserved *ast_reserved_reverse(ast_reserved *r);
ast_enumval *ast_enumvals_reverse(ast_enumval *v);
ast_handler *ast_handlers_reverse(ast_handler *h);
ast_decl *ast_decls_reverse(ast_decl *d);
ast_import *ast_imports_reverse(ast_import *i);
ast_option *ast_options_reverse(ast_option *o);
ast_fsm_trans *ast_fsm_trans_reverse(ast_fsm_trans *t);
ast_fsm_state *ast_fsm_states_reverse(ast_fsm_state *s);

/* The IDL spelling of a type: "list<string>", "optional int32", ... into a
 * fresh string. */
char *ast_type_str(const ast_type *t, bool optional);

/* True for the scalar kinds bool..float64. */
bool ast_is_scalar(ast_tkind k);
bool ast_is_integer(ast_tkind k);
const char *ast_scalar_name(ast_tkind k);
ast_tkind ast_scalar_kind(const char *name); /* 0 when not a scalar name */

#endif /* AKTC_AST_H */
