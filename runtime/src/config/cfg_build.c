/*
 * cfg_build.c -- the build step: a parsed syntax tree becomes an object tree
 * (paths expanded, includes loaded and merged, self-references marked);
 * see cfg_value.c for the invariants of the tree.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfg.h"

typedef struct bctx {
    cfg_arena *a;
    akt_config_error *err;
    const char *stack[CFG_MAX_INCLUDE_DEPTH]; /* canonical include chain */
    int sn;
    const cfg_str *incp; /* path where the current file was included */
    size_t incn;
    int in_list; /* building the elements of an array */
    /* the full path of the entry being built: b_obj's prefix is always
     * path[0..pn), so an entry's path is written in place after it */
    cfg_str path[CFG_MAX_PATH];
} bctx;

static akt_err b_obj(bctx *b, const cv *ast, cv *target, const cfg_str *pre,
    size_t pn, const char *dir, int depth);

static akt_err
b_val(bctx *b, cv *v, const cfg_str *path, size_t pn, const cfg_str *incp,
    size_t incn, const char *dir, int depth, cv **out)
{
    if (depth > CFG_MAX_NESTING) {
        return akti_cfg_errorf(b->err, AKT_ETOOBIG, v->file, v->line, v->col,
            "nesting deeper than %d levels", CFG_MAX_NESTING);
    }
    switch (v->kind) {
    case CV_OBJAST: {
        cv *o = akti_cfg_new(b->a, CV_OBJ, v->file, v->line, v->col);
        if (o == NULL) {
            return akti_cfg_errorf(
                b->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        o->ws = v->ws;
        akt_err rc = b_obj(b, v, o, path, pn, dir, depth + 1);
        if (rc != AKT_OK) {
            return rc;
        }
        *out = o;
        return AKT_OK;
    }
    case CV_LIST:
    case CV_CONCAT:
        /* HOCON: inside an array a ${} never refers to the field's earlier
         * value (a = [${a}] is a cycle) */
        b->in_list += v->kind == CV_LIST;
        for (size_t i = 0; i < v->u.list.n; i++) {
            cv *r;
            akt_err rc = b_val(
                b, v->u.list.v[i], path, pn, incp, incn, dir, depth + 1, &r);
            if (rc != AKT_OK) {
                return rc;
            }
            v->u.list.v[i] = r;
        }
        b->in_list -= v->kind == CV_LIST;
        if (v->kind == CV_CONCAT) {
            /* as Lightbend's parser: adjacent objects merge now, so that
             * s = { a = 1 } { b = ${s.a} } is one object (no cycle) */
            size_t k = 0;
            for (size_t i = 0; i < v->u.list.n; i++) {
                cv *p = v->u.list.v[i];
                if (k > 0 && p->kind == CV_OBJ
                    && v->u.list.v[k - 1]->kind == CV_OBJ) {
                    akt_err rc = akti_cfg_merge(
                        b->a, &v->u.list.v[k - 1], p, path, pn, b->err);
                    if (rc != AKT_OK) {
                        return rc;
                    }
                    continue;
                }
                v->u.list.v[k++] = p;
            }
            v->u.list.n = k;
            if (k == 1 && v->u.list.v[0]->kind == CV_OBJ) {
                *out = v->u.list.v[0];
                return AKT_OK;
            }
        }
        *out = v;
        return AKT_OK;
    case CV_SUBST:
        v->u.sub.self = b->in_list == 0
            && akti_cfg_path_eq(v->u.sub.path, v->u.sub.n, path, pn);
        v->u.sub.prefix = (cfg_str *)incp;
        v->u.sub.pn = incn;
        *out = v;
        return AKT_OK;
    default:
        *out = v;
        return AKT_OK;
    }
}

static char *
read_whole(const char *path, size_t *out_n, akt_err *rc)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        *rc = errno == ENOENT || errno == ENOTDIR ? AKT_ENOENT : AKT_EIO;
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        *rc = AKT_EIO;
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *buf = akti_cfg_malloc(cap);
    if (buf == NULL) {
        fclose(f);
        *rc = AKT_ENOMEM;
        return NULL;
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = akti_cfg_realloc(buf, cap * 2);
            if (nb == NULL) {
                akti_cfg_free(buf);
                fclose(f);
                *rc = AKT_ENOMEM;
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) {
            break;
        }
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        akti_cfg_free(buf);
        *rc = AKT_EIO;
        return NULL;
    }
    buf[n] = '\0';
    *out_n = n;
    *rc = AKT_OK;
    return buf;
}

static char *
dir_of(cfg_arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        return akti_cfg_strndup(a, ".", 1);
    }
    if (slash == path) {
        return akti_cfg_strndup(a, "/", 1);
    }
    return akti_cfg_strndup(a, path, (size_t)(slash - path));
}

/* b_file -- parse and build one file into target at prefix pre. */
static akt_err
b_file(bctx *b, const char *path, cv *target, const cfg_str *pre, size_t pn,
    int depth, const cfg_ent *at)
{
    char real[PATH_MAX];
    if (realpath(path, real) == NULL) {
        snprintf(real, sizeof real, "%s", path);
    }
    for (int i = 0; i < b->sn; i++) {
        if (strcmp(b->stack[i], real) == 0) {
            char chain[256];
            size_t cn = 0;
            chain[0] = '\0';
            for (int j = i; j < b->sn && cn < sizeof chain - 1; j++) {
                const char *base = strrchr(b->stack[j], '/');
                base = base ? base + 1 : b->stack[j];
                int w = snprintf(chain + cn, sizeof chain - cn, "%s -> ", base);
                cn += w > 0 ? (size_t)w : 0;
            }
            const char *base = strrchr(real, '/');
            return akti_cfg_errorf(b->err, AKT_EINVAL, at ? at->file : path,
                at ? at->line : 0, at ? at->col : 0, "include cycle: %s%s",
                chain, base ? base + 1 : real);
        }
    }
    if (b->sn >= CFG_MAX_INCLUDE_DEPTH) {
        return akti_cfg_errorf(b->err, AKT_ETOOBIG, at ? at->file : path,
            at ? at->line : 0, at ? at->col : 0,
            "includes nested deeper than %d files", CFG_MAX_INCLUDE_DEPTH);
    }
    size_t n = 0;
    akt_err rc;
    char *text = read_whole(path, &n, &rc);
    if (text == NULL) {
        if (rc == AKT_ENOMEM) {
            return akti_cfg_errorf(b->err, rc, NULL, 0, 0, "out of memory");
        }
        if (at != NULL) {
            return akti_cfg_errorf(b->err, rc, at->file, at->line, at->col,
                "cannot read included file '%s'", path);
        }
        return akti_cfg_errorf(b->err, rc, path, 0, 0,
            rc == AKT_ENOENT ? "no such file" : "cannot read file");
    }
    const char *name = akti_cfg_strndup(b->a, path, strlen(path));
    const char *rname = akti_cfg_strndup(b->a, real, strlen(real));
    const char *dir = name ? dir_of(b->a, name) : NULL;
    if (name == NULL || rname == NULL || dir == NULL) {
        akti_cfg_free(text);
        return akti_cfg_errorf(b->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    cv *ast = NULL;
    rc = akti_cfg_parse_text(b->a, text, n, name, &ast, b->err);
    akti_cfg_free(text);
    if (rc != AKT_OK) {
        return rc;
    }
    const cfg_str *save_p = b->incp;
    size_t save_n = b->incn;
    cfg_str *incp = NULL;
    if (pn > 0) { /* kept by substitutions: copy it out of b->path */
        incp = akti_cfg_alloc(b->a, pn * sizeof *incp);
        if (incp == NULL) {
            return akti_cfg_errorf(
                b->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        memcpy(incp, pre, pn * sizeof *incp);
    }
    b->incp = incp;
    b->incn = pn;
    b->stack[b->sn++] = rname;
    rc = b_obj(b, ast, target, pre, pn, dir, depth);
    b->sn--;
    b->incp = save_p;
    b->incn = save_n;
    return rc;
}

static bool
file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static akt_err
b_include(bctx *b, const cfg_ent *e, cv *target, const cfg_str *pre, size_t pn,
    const char *dir, int depth)
{
    if (e->inc_kind != 0) {
        return akti_cfg_errorf(b->err, AKT_ENOTSUP, e->file, e->line, e->col,
            "include %s(...) is not supported (use file(...))",
            e->inc_kind == 1 ? "url" : "classpath");
    }
    /* relative to the including file; "." adds nothing to the name */
    size_t dn = (e->inc.s[0] == '/' || dir == NULL || strcmp(dir, ".") == 0)
        ? 0
        : strlen(dir);
    char *full = akti_cfg_alloc(b->a, dn + 1 + e->inc.n + 6);
    if (full == NULL) {
        return akti_cfg_errorf(b->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (dn) {
        memcpy(full, dir, dn);
        full[dn++] = '/';
    }
    memcpy(full + dn, e->inc.s, e->inc.n);
    full[dn + e->inc.n] = '\0';
    /* HOCON: a name with a known extension is that file; any other name is
     * a basename, and every one of name.json and name.conf that exists is
     * loaded, .conf last so that it wins (name.properties is not read).
     * When neither exists, the name itself is tried (an akt extension:
     * include "defaults.inc"). */
    static const char *const known[] = { ".conf", ".json", ".properties" };
    bool exact = false;
    for (size_t i = 0; i < 3 && !exact; i++) {
        size_t kn = strlen(known[i]);
        exact = e->inc.n > kn
            && memcmp(e->inc.s + e->inc.n - kn, known[i], kn) == 0;
    }
    if (!exact) {
        static const char *const ext[] = { ".json", ".conf" };
        bool found = false;
        for (size_t i = 0; i < 2; i++) {
            strcpy(full + dn + e->inc.n, ext[i]);
            if (!file_exists(full)) {
                continue;
            }
            found = true;
            akt_err rc = b_file(b, full, target, pre, pn, depth, e);
            if (rc != AKT_OK) {
                return rc;
            }
        }
        full[dn + e->inc.n] = '\0';
        if (found) {
            return AKT_OK;
        }
    }
    if (!file_exists(full)) {
        if (!e->inc_required) {
            return AKT_OK; /* HOCON: a missing plain include is ignored */
        }
        if (exact) {
            return akti_cfg_errorf(b->err, AKT_ENOENT, e->file, e->line, e->col,
                "required include '%s' not found (looked for %s)", e->inc.s,
                full);
        }
        return akti_cfg_errorf(b->err, AKT_ENOENT, e->file, e->line, e->col,
            "required include '%s' not found (looked for %s.conf, %s.json "
            "and %s)",
            e->inc.s, full, full, full);
    }
    return b_file(b, full, target, pre, pn, depth, e);
}

static akt_err
b_obj(bctx *b, const cv *ast, cv *target, const cfg_str *pre, size_t pn,
    const char *dir, int depth)
{
    for (size_t i = 0; i < ast->u.ast.n; i++) {
        const cfg_ent *e = ast->u.ast.e[i];
        akt_err rc;
        if (e->kind == ENT_INCLUDE) {
            rc = b_include(b, e, target, pre, pn, dir, depth);
            if (rc != AKT_OK) {
                return rc;
            }
            continue;
        }
        if (pn + e->kn > CFG_MAX_NESTING) {
            return akti_cfg_errorf(b->err, AKT_ETOOBIG, e->file, e->line,
                e->col, "key nested deeper than %d levels", CFG_MAX_NESTING);
        }
        /* pre is b->path[0..pn) (or empty): append the key in place */
        cfg_str *full = b->path;
        memcpy(full + pn, e->key, e->kn * sizeof *e->key);
        size_t fn = pn + e->kn;
        /* substitutions in an included file look under the include point
         * first (HOCON); the root file's prefix is empty */
        const cfg_str *incp = b->incp;
        size_t incn = b->incn;
        cv *val;
        rc = b_val(
            b, e->val, full, fn, incp, incn, dir, depth + (int)e->kn, &val);
        if (rc != AKT_OK) {
            return rc;
        }
        if (e->kind == ENT_APPEND) { /* a += v  is  a = ${?a} [v] */
            cv *self = akti_cfg_new(b->a, CV_SUBST, e->file, e->line, e->col);
            cv *arr
                = akti_cfg_new(b->a, CV_LIST, val->file, val->line, val->col);
            cv *cc = akti_cfg_new(b->a, CV_CONCAT, e->file, e->line, e->col);
            if (self == NULL || arr == NULL || cc == NULL
                || !akti_cfg_list_push(b->a, arr, val)
                || !akti_cfg_list_push(b->a, cc, self)
                || !akti_cfg_list_push(b->a, cc, arr)) {
                return akti_cfg_errorf(
                    b->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            cfg_str *sp = akti_cfg_alloc(b->a, fn * sizeof *sp);
            if (sp == NULL) {
                return akti_cfg_errorf(
                    b->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            memcpy(sp, full, fn * sizeof *sp); /* b->path changes later */
            self->u.sub.path = sp;
            self->u.sub.n = fn;
            self->u.sub.optional = true;
            self->u.sub.self = true;
            val = cc;
        }
        rc = akti_cfg_set_in(b->a, target, full, pn, e->kn, val, b->err);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}

akt_err
akti_cfg_load_text(cfg_arena *a, const char *text, size_t len, const char *file,
    const char *base_dir, cv **out, akt_config_error *err)
{
    cv *ast = NULL;
    akt_err rc = akti_cfg_parse_text(a, text, len, file, &ast, err);
    if (rc != AKT_OK) {
        return rc;
    }
    bctx b;
    memset(&b, 0, sizeof b);
    b.a = a;
    b.err = err;
    b.sn = 1; /* the text itself: not a file, cannot be included */
    b.stack[0] = "";
    cv *root = akti_cfg_new(a, CV_OBJ, file, 1, 1);
    if (root == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    rc = b_obj(&b, ast, root, NULL, 0, base_dir, 0);
    if (rc == AKT_OK) {
        *out = root;
    }
    return rc;
}

akt_err
akti_cfg_load_file(
    cfg_arena *a, const char *path, cv **out, akt_config_error *err)
{
    bctx b;
    memset(&b, 0, sizeof b);
    b.a = a;
    b.err = err;
    cv *root = akti_cfg_new(a, CV_OBJ, path, 1, 1);
    if (root == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    akt_err rc = b_file(&b, path, root, NULL, 0, 0, NULL);
    if (rc == AKT_OK) {
        *out = root;
    }
    return rc;
}
