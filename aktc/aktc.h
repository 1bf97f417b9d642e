/*
 * aktc.h -- what the compiler's passes share: the parse context the lexer
 * and parser work in, and the entry points main.c calls.
 */
#ifndef AKTC_AKTC_H
#define AKTC_AKTC_H

#include <stdio.h>

#include "ast.h"

#ifndef AKTC_VERSION
#define AKTC_VERSION "0.1.0" /* the build passes the project's version */
#endif

/* How deep types (list<list<...>>) and @gpu body braces may nest: deeper
 * is an error, reported before the parser's stack runs out. */
#define AKTC_MAX_NESTING 100

/* A doc comment and the position of the token that follows it. */
typedef struct aktc_doc {
    int line;
    int column;
    char *text;
} aktc_doc;

/* aktc_pctx -- the state of one parse (flex's "extra" and bison's
 * parse-param): the file, where the scanner is, and the doc comments seen. */
typedef struct aktc_pctx {
    ast_file *file;
    int line;
    int column;
    size_t byte;
    aktc_loc comment_open; /* where the open block comment starts */
    int nesting; /* list<, map< and @gpu body braces open now */
    char *pending_doc; /* /// lines not yet attached to a token */
    aktc_doc *docs; /* sorted by position */
    size_t ndocs;
    size_t capdocs;
} aktc_pctx;

/* helpers the parser calls (defined in lexer.l) */
void aktc_doc_attach(aktc_pctx *ctx, int line, int column);
char *aktc_doc_take(aktc_pctx *ctx, int line, int column);

/* aktc_parse -- parse f->text into f (package, imports, decls). Errors are
 * reported through diag; returns the number of errors this file added. */
int aktc_parse(ast_file *f);

/* Options shared by the passes. */
typedef struct aktc_opts {
    const char **import_dirs;
    int nimport_dirs;
    const char *c_out;
    const char *depfile;
} aktc_opts;

/* aktc_load -- read path (and, recursively, its imports) into the list of
 * files headed at *files. Returns the file, or NULL (reported) when it
 * cannot be read. */
ast_file *aktc_load(const char *path, const aktc_opts *o, ast_file **files,
    bool on_command_line);

/* sema_check -- resolve and check all loaded files; errors via diag. */
void sema_check(ast_file *files);

/* emit_c -- write <base>.h and <base>.c for f into dir. 0 on success.
 * docs: the descriptors carry the doc comments too (akt_type.doc,
 * akt_field.doc; aktc --c_docs). */
int emit_c(const ast_file *f, const char *dir, bool docs);
/* emit_c_render -- the same two files as malloc'ed buffers (the caller
 * frees them); for tests and fuzzing. */
int emit_c_render(const ast_file *f, char **header, size_t *header_len,
    char **source, size_t *source_len);

/* emit_py -- write <stem>_akt.py and <stem>_akt.pyi for f into dir
 * (emit_py.c; linked into aktc only). 0 on success. */
int emit_py(const ast_file *f, const char *dir);
/* emit_py_module_name -- "x_akt" for x.akt (malloc'd): the module
 * emit_py writes */
char *emit_py_module_name(const ast_file *f);
bool aktc_is_dir(const char *path);
/* emit_cuda -- write <base>.gpu.h (the shared handler header: C11, C++17
 * and NVRTC) and <base>.gpu.c (the host side) for f into dir (emit_cuda.c).
 * 0 on success. */
int emit_cuda(const ast_file *f, const char *dir);
/* aktc_gpu_arch_bad -- the first entry of a --gpu-arch list that is no
 * CUBIN target (sm_80, sm_90a, ...), or NULL when all are */
const char *aktc_gpu_arch_bad(const char *list);
/* aktc_gpu_arch -- the kernels of the @gpu actors of the files on the
 * command line compiled with NVRTC for each target of list into the
 * kernel cache dir (gpu_arch.c). NVRTC missing: a line on stderr, 0. */
int aktc_gpu_arch(const ast_file *files, const char *list, const char *dir);
/* emit_cuda_render -- the same two files as malloc'ed buffers. */
int emit_cuda_render(const ast_file *f, char **header, size_t *header_len,
    char **source, size_t *source_len);

/* compat_check -- compare two parsed and checked schemas; prints each
 * breaking change as an error on the new file. Returns the count. */
int compat_check(ast_file *oldf, ast_file *newf);

/* aktc_wire_decode -- `--decode=type_name` (wire.c): decode msgpack from
 * stdin as the message type_name of the checked files, print it as JSON on
 * stdout. 0 on success, 1 (message on stderr) otherwise. */
int aktc_wire_decode(ast_file *files, const char *type_name);
/* aktc_wire_encode -- `--encode=type_name`: one JSON object on stdin (the
 * form --decode prints) to the message's msgpack bytes on stdout. */
int aktc_wire_encode(ast_file *files, const char *type_name);
/* aktc_ast_kind -- the akt_kind (akt/msg.h) of a checked field type: what
 * the generated field table says, for wire.c's run-time tables and the
 * Python emitter (AKT_KIND_NONE for an unchecked type). */
uint16_t aktc_ast_kind(const ast_type *t);

/* Naming helpers (sema.c). */
char *aktc_snake(const char *camel);
char *aktc_upper(const char *s);
/* "my-file.akt" -> "my_file": the file's part of file-level C names. */
char *aktc_file_stem(const char *base);

#endif /* AKTC_AKTC_H */
