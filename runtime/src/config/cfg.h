/*
 * cfg.h -- internals of the configuration subsystem (not installed).
 *
 * Pipeline: text --(cfg_lex.l + cfg_parse.y)--> syntax tree (CV_OBJAST
 * nodes: entries in source order) --(akti_cfg_build)--> value tree (CV_OBJ,
 * possibly holding unresolved CV_SUBST / CV_CONCAT / CV_MERGE nodes)
 * --(akti_cfg_merge over lower layers, then akti_cfg_resolve)--> a resolved
 * tree of plain values that an akt_config points at.
 *
 * Memory: every node, string and array of one config lives in one arena
 * (cfg_arena); nodes may be shared inside an arena (a self-reference points
 * at the earlier value), so nothing is freed piecemeal. Every allocation
 * goes through akti_cfg_malloc so that tests can fail the Nth one.
 */
#ifndef AKT_CFG_H
#define AKT_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/config.h"
#include "akt/export.h"

/* --- allocation -------------------------------------------------------- */

AKTI_INTERNAL void *akti_cfg_malloc(size_t n);
AKTI_INTERNAL void *akti_cfg_realloc(void *p, size_t n);
AKTI_INTERNAL void akti_cfg_free(void *p);
/* akti_cfg_fail_alloc -- test hook: the nth allocation from now (1-based)
 * and every later one fail; 0 turns failure injection off. Per thread. */
AKTI_INTERNAL void akti_cfg_fail_alloc(long nth);
/* akti_cfg_alloc_failed -- whether an injected failure has happened. */
AKTI_INTERNAL bool akti_cfg_alloc_failed(void);

typedef struct cfg_chunk cfg_chunk;
typedef struct cfg_arena {
    cfg_chunk *head;
    char *cur;
    size_t left;
} cfg_arena;

AKTI_INTERNAL void *akti_cfg_alloc_slow(cfg_arena *a, size_t n);

/* akti_cfg_alloc -- n bytes (8-aligned) from the arena; NULL when out of
 * memory. Inline: the parser calls it for every token. */
static inline void *
akti_cfg_alloc(cfg_arena *a, size_t n)
{
    n = n ? (n + 7u) & ~(size_t)7u : 8u;
    if (n <= a->left) {
        void *p = a->cur;
        a->cur += n;
        a->left -= n;
        return p;
    }
    return akti_cfg_alloc_slow(a, n);
}
AKTI_INTERNAL char *akti_cfg_strndup(cfg_arena *a, const char *s, size_t n);
AKTI_INTERNAL void akti_cfg_arena_free(cfg_arena *a);

/* --- values ------------------------------------------------------------ */

typedef enum cv_kind {
    CV_NULL,
    CV_BOOL,
    CV_NUM,
    CV_STR,
    CV_LIST,
    CV_OBJ,
    CV_SUBST, /* ${path} or ${?path} */
    CV_CONCAT, /* value concatenation: u.list holds the parts */
    CV_MERGE, /* deferred object merge: u.list, highest priority first */
    CV_UNDEF, /* an optional substitution that found nothing */
    CV_OBJAST, /* syntax: an object's entries in source order */
} cv_kind;

typedef struct cfg_str {
    const char *s; /* NUL-terminated too; n excludes the NUL */
    size_t n;
} cfg_str;

typedef struct cv cv;

typedef struct cfg_field {
    cfg_str key;
    cv *val;
} cfg_field;

enum { ENT_SET, ENT_APPEND, ENT_INCLUDE };

typedef struct cfg_ent {
    int kind;
    cfg_str *key; /* path elements (ENT_SET, ENT_APPEND) */
    size_t kn;
    cv *val;
    cfg_str inc; /* include target (ENT_INCLUDE) */
    bool inc_required; /* include required(...) */
    int inc_kind; /* 0 plain/file(), 1 url(), 2 classpath() */
    const char *file;
    int line, col;
} cfg_ent;

struct cv {
    uint8_t kind;
    uint8_t resolving; /* cycle detection during resolution */
    uint8_t quoted; /* CV_STR: came from a quoted string (keys, render) */
    uint32_t lb; /* CV_MERGE being resolved: lookups see elements lb.. */
    const char *file; /* origin */
    int line, col;
    const char *ws; /* whitespace before this part of a concatenation */
    cv *res; /* memoized resolution */
    const char *origin_text; /* "file:line", made on demand (under lock) */
    union {
        bool b;
        struct {
            const char *text; /* as written (Lightbend renders that) */
            size_t n;
            double d;
            bool is_int;
            int64_t i;
        } num;
        cfg_str str;
        struct {
            cv **v;
            size_t n, cap;
        } list; /* CV_LIST, CV_CONCAT, CV_MERGE */
        struct {
            cfg_field *f;
            size_t n, cap;
            uint32_t *idx; /* open-addressing index (slot+1), or NULL */
            size_t icap;
        } obj;
        struct {
            cfg_str *path;
            size_t n;
            cfg_str *prefix; /* include point: tried first (HOCON) */
            size_t pn;
            bool optional;
            bool self; /* path equals the path of the field it sits in */
        } sub;
        struct {
            cfg_ent **e; /* entries live in the arena; this lists them */
            size_t n, cap;
        } ast;
    } u;
};

AKTI_INTERNAL cv *akti_cfg_new(
    cfg_arena *a, cv_kind k, const char *file, int line, int col);
AKTI_INTERNAL bool akti_cfg_list_push(cfg_arena *a, cv *list, cv *item);
/* akti_cfg_obj_find -- the field slot for key, or NULL. */
AKTI_INTERNAL cfg_field *akti_cfg_obj_find(
    const cv *obj, const char *key, size_t n);
/* akti_cfg_obj_put -- add key (which must be absent); NULL on ENOMEM. */
AKTI_INTERNAL cfg_field *akti_cfg_obj_put(
    cfg_arena *a, cv *obj, cfg_str key, cv *val);

/* --- errors ------------------------------------------------------------ */

/* akti_cfg_errorf -- fill err (may be NULL) with "file:line:col: error: ..."
 * and return code. */
AKTI_INTERNAL akt_err akti_cfg_errorf(akt_config_error *err, akt_err code,
    const char *file, int line, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* --- parse, build, merge, resolve ------------------------------------ */

/* akti_cfg_parse_text -- syntax tree of text (a CV_OBJAST) in arena a. */
AKTI_INTERNAL akt_err akti_cfg_parse_text(cfg_arena *a, const char *text,
    size_t len, const char *file, cv **out_ast, akt_config_error *err);

/* akti_cfg_load_text -- parse and build text into an unresolved object.
 * base_dir resolves relative includes (NULL: the current directory). */
AKTI_INTERNAL akt_err akti_cfg_load_text(cfg_arena *a, const char *text,
    size_t len, const char *file, const char *base_dir, cv **out,
    akt_config_error *err);
/* akti_cfg_load_file -- as above for a file; ENOENT when it is missing. */
AKTI_INTERNAL akt_err akti_cfg_load_file(
    cfg_arena *a, const char *path, cv **out, akt_config_error *err);

/* akti_cfg_merge -- layer newv (higher priority) over *slot; path is the
 * full path of the slot (for self-references). */
AKTI_INTERNAL akt_err akti_cfg_merge(cfg_arena *a, cv **slot, cv *newv,
    const cfg_str *path, size_t pn, akt_config_error *err);
/* akti_cfg_set_path -- assign val at path under obj (creating objects). */
AKTI_INTERNAL akt_err akti_cfg_set_path(cfg_arena *a, cv *obj,
    const cfg_str *path, size_t pn, cv *val, akt_config_error *err);

/* akti_cfg_override_at -- a new root sharing root's nodes, with val at
 * path (objects merge): nodes along the path are copied, never written. */
AKTI_INTERNAL akt_err akti_cfg_override_at(cfg_arena *a, cv *root,
    const cfg_str *path, size_t pn, cv *val, cv **out, akt_config_error *err);

/* akti_cfg_resolve -- resolve every substitution under root in place;
 * substitutions fall back to the process environment. */
AKTI_INTERNAL akt_err akti_cfg_resolve(
    cfg_arena *a, cv *root, akt_config_error *err);
/* akti_cfg_resolve_env -- as above with an explicit environment (NULL:
 * none). */
AKTI_INTERNAL akt_err akti_cfg_resolve_env(
    cfg_arena *a, cv *root, char *const *envp, akt_config_error *err);

/* akti_cfg_copy -- a copy of a resolved tree into arena a; NULL when out
 * of memory or when the copy would exceed *budget nodes (shared subtrees
 * are copied each time they appear). */
AKTI_INTERNAL cv *akti_cfg_copy(
    cfg_arena *a, const cv *v, int depth, size_t *budget);
/* akti_cfg_merge_resolved -- resolved objects: hi's values win. */
AKTI_INTERNAL cv *akti_cfg_merge_resolved(cfg_arena *a, cv *hi, cv *lo);

/* akti_cfg_set_number -- fill a CV_NUM from its text. */
AKTI_INTERNAL void akti_cfg_set_number(cv *v, const char *text, size_t n);
/* akti_cfg_unescape -- decode the body of a JSON-style quoted string into
 * the arena; AKT_ESYNTAX with *bad = offset of the bad backslash. */
AKTI_INTERNAL akt_err akti_cfg_unescape(cfg_arena *a, const char *s, size_t n,
    char **out, size_t *out_n, size_t *bad);
/* akti_cfg_split_path_ex -- as akti_cfg_split_path; *what says why a path
 * is invalid (AKT_ESYNTAX). */
AKTI_INTERNAL akt_err akti_cfg_split_path_ex(cfg_arena *a, const char *text,
    size_t len, cfg_str **out, size_t *out_n, const char **what);
/* akti_cfg_split_path -- "a.\"b.c\".d" into elements (arena). */
AKTI_INTERNAL akt_err akti_cfg_split_path(
    cfg_arena *a, const char *text, size_t len, cfg_str **out, size_t *out_n);
/* akti_cfg_lookup -- resolved lookup; NULL when absent (or, with *oom set,
 * when a quoted path could not be decoded for lack of memory). */
AKTI_INTERNAL cv *akti_cfg_lookup(cv *root, const char *path, bool *oom);

/* akti_cfg_apply_env -- environment overrides (see docs/config.md) from
 * envp onto the unresolved tree root. */
AKTI_INTERNAL akt_err akti_cfg_apply_env(
    cfg_arena *a, cv *root, char *const *envp, akt_config_error *err);

/* Render (cfg_render.c). */
AKTI_INTERNAL akt_err akti_cfg_render(
    const cv *root, unsigned flags, char **out);

/* The built-in reference.conf, embedded at build time. */
AKTI_INTERNAL extern const unsigned char akti_cfg_reference_conf[];
AKTI_INTERNAL extern const size_t akti_cfg_reference_conf_len;

/* Limits that keep recursion bounded on hostile input. */
#define CFG_MAX_NESTING       200
#define CFG_MAX_INCLUDE_DEPTH 32
#define CFG_MAX_RESOLVE_DEPTH 500
#define CFG_MAX_EXPANSION     (64 << 20)
#define CFG_MAX_PATH          (2 * CFG_MAX_NESTING + 8)
#define CFG_MAX_WALK          1000

/* --- shared by the value-tree files (cfg_value.c, cfg_build.c,
 * cfg_merge.c, cfg_resolve.c) ------------------------------------------ */

/* akti_cfg_kind_name -- the word errors use for a node kind ("object",
 * "list", ...): the one table of them */
AKTI_INTERNAL const char *akti_cfg_kind_name(int kind);
/* akti_cfg_obj_reindex -- rebuild obj's field index; false when out of
 * memory */
AKTI_INTERNAL bool akti_cfg_obj_reindex(cfg_arena *a, cv *obj);
/* akti_cfg_path_eq -- two split paths name the same key */
AKTI_INTERNAL bool akti_cfg_path_eq(
    const cfg_str *x, size_t xn, const cfg_str *y, size_t yn);
/* akti_cfg_is_unresolved -- v is a substitution, concatenation or merge
 * (resolution must see it) */
AKTI_INTERNAL bool akti_cfg_is_unresolved(const cv *v);
/* akti_cfg_set_in -- assign val at full[base..base+rn) relative to obj,
 * whose own path is full[0..base) (cfg_merge.c; the build step uses it) */
AKTI_INTERNAL akt_err akti_cfg_set_in(cfg_arena *a, cv *obj,
    const cfg_str *full, size_t base, size_t rn, cv *val,
    akt_config_error *err);

#endif /* AKT_CFG_H */
