/*
 * cfg_value.c -- the value tree: nodes and objects, the build step (syntax
 * tree -> object tree, with includes and self-references), layering
 * (merge), and resolution of substitutions.
 *
 * Invariants:
 *  - Before resolution a field may hold CV_SUBST / CV_CONCAT / CV_MERGE;
 *    after akti_cfg_resolve none is left anywhere under the root, and no
 *    CV_UNDEF either (optional substitutions that found nothing vanish).
 *  - A self-reference (`a = ${a} x`, `a += x`) is replaced at merge time by
 *    the earlier value itself; the earlier value also stays below the new
 *    one in a CV_MERGE, for other lookups of the path.
 *  - Resolution follows Lightbend's (HOCON's "look forward, then look
 *    back"): a lookup resolves only what lies along its path (r_peek);
 *    while an element of a merge that is a substitution or concatenation
 *    is resolved, a lookup that reaches the merge sees only the elements
 *    below it (cv.lb, r_tail); a cycle unwinds to the nearest
 *    substitution, which is then undefined if optional (or falls back as
 *    a missing self-reference), else an error (r_cycle, r_caught); an
 *    undefined result is not memoized, as it may be defined once the
 *    cycle that made it so is over.
 *  - Every recursion is bounded: nesting by the scanner and the build step,
 *    substitution chains by CFG_MAX_RESOLVE_DEPTH, walks by CFG_MAX_WALK.
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

#define CFG_MAX_PATH (2 * CFG_MAX_NESTING + 8)
#define CFG_MAX_WALK 1000

/* --- errors -------------------------------------------------------------- */

akt_err
akti_cfg_errorf(akt_config_error *err, akt_err code, const char *file, int line,
    int col, const char *fmt, ...)
{
    if (err == NULL) {
        return code;
    }
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (file == NULL) {
        file = "";
    }
    snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    err->col = col;
    if (file[0] && line > 0) {
        snprintf(err->message, sizeof err->message, "%s:%d:%d: error: %s", file,
            line, col, msg);
    } else if (file[0]) {
        snprintf(err->message, sizeof err->message, "%s: error: %s", file, msg);
    } else {
        snprintf(err->message, sizeof err->message, "error: %s", msg);
    }
    return code;
}

/* --- nodes --------------------------------------------------------------- */

cv *
akti_cfg_new(cfg_arena *a, cv_kind k, const char *file, int line, int col)
{
    cv *v = akti_cfg_alloc(a, sizeof *v);
    if (v == NULL) {
        return NULL;
    }
    memset(v, 0, sizeof *v);
    v->kind = (uint8_t)k;
    v->file = file;
    v->line = line;
    v->col = col;
    return v;
}

bool
akti_cfg_list_push(cfg_arena *a, cv *list, cv *item)
{
    if (list->u.list.n == list->u.list.cap) {
        size_t cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
        cv **nv = akti_cfg_alloc(a, cap * sizeof *nv);
        if (nv == NULL) {
            return false;
        }
        if (list->u.list.n) {
            memcpy(nv, list->u.list.v, list->u.list.n * sizeof *nv);
        }
        list->u.list.v = nv;
        list->u.list.cap = cap;
    }
    list->u.list.v[list->u.list.n++] = item;
    return true;
}

void
akti_cfg_set_number(cv *v, const char *text, size_t n)
{
    v->u.num.text = text;
    v->u.num.n = n;
    v->u.num.is_int = false;
    /* fast path: short integers (most configuration numbers) */
    size_t i = text[0] == '-' ? 1 : 0;
    if (n > i && n - i <= 18) {
        int64_t x = 0;
        size_t j = i;
        while (j < n && text[j] >= '0' && text[j] <= '9') {
            x = x * 10 + (text[j++] - '0');
        }
        if (j == n) {
            v->u.num.is_int = true;
            v->u.num.i = i ? -x : x;
            v->u.num.d = (double)v->u.num.i;
            return;
        }
    }
    char buf[64];
    size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
    memcpy(buf, text, k);
    buf[k] = '\0';
    v->u.num.d = strtod(buf, NULL);
    if (strpbrk(buf, ".eE") == NULL && k == n) {
        errno = 0;
        long long ll = strtoll(buf, NULL, 10);
        if (errno == 0) {
            v->u.num.is_int = true;
            v->u.num.i = ll;
        }
    }
}

static uint32_t
obj_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    }
    return h;
}

#define OBJ_INDEX_MIN 8

static bool
obj_reindex(cfg_arena *a, cv *obj)
{
    size_t n = obj->u.obj.n;
    if (n < OBJ_INDEX_MIN) {
        obj->u.obj.idx = NULL;
        obj->u.obj.icap = 0;
        return true;
    }
    size_t cap = 16;
    while (cap < n * 2) {
        cap *= 2;
    }
    uint32_t *idx = akti_cfg_alloc(a, cap * sizeof *idx);
    if (idx == NULL) {
        return false;
    }
    memset(idx, 0, cap * sizeof *idx);
    for (size_t i = 0; i < n; i++) {
        const cfg_str *k = &obj->u.obj.f[i].key;
        size_t h = obj_hash(k->s, k->n) & (cap - 1);
        while (idx[h] != 0) {
            h = (h + 1) & (cap - 1);
        }
        idx[h] = (uint32_t)(i + 1);
    }
    obj->u.obj.idx = idx;
    obj->u.obj.icap = cap;
    return true;
}

cfg_field *
akti_cfg_obj_find(const cv *obj, const char *key, size_t n)
{
    if (obj->kind != CV_OBJ) {
        return NULL;
    }
    if (obj->u.obj.idx != NULL) {
        size_t cap = obj->u.obj.icap;
        size_t h = obj_hash(key, n) & (cap - 1);
        uint32_t slot;
        while ((slot = obj->u.obj.idx[h]) != 0) {
            cfg_field *f = &obj->u.obj.f[slot - 1];
            if (f->key.n == n && memcmp(f->key.s, key, n) == 0) {
                return f;
            }
            h = (h + 1) & (cap - 1);
        }
        return NULL;
    }
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        cfg_field *f = &obj->u.obj.f[i];
        if (f->key.n == n && memcmp(f->key.s, key, n) == 0) {
            return f;
        }
    }
    return NULL;
}

cfg_field *
akti_cfg_obj_put(cfg_arena *a, cv *obj, cfg_str key, cv *val)
{
    if (obj->u.obj.n == obj->u.obj.cap) {
        size_t cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 4;
        cfg_field *nf = akti_cfg_alloc(a, cap * sizeof *nf);
        if (nf == NULL) {
            return NULL;
        }
        if (obj->u.obj.n) {
            memcpy(nf, obj->u.obj.f, obj->u.obj.n * sizeof *nf);
        }
        obj->u.obj.f = nf;
        obj->u.obj.cap = cap;
    }
    size_t i = obj->u.obj.n++;
    obj->u.obj.f[i].key = key;
    obj->u.obj.f[i].val = val;
    if (obj->u.obj.n >= OBJ_INDEX_MIN) {
        if (obj->u.obj.n * 2 > obj->u.obj.icap) {
            if (!obj_reindex(a, obj)) {
                obj->u.obj.n--;
                return NULL;
            }
        } else {
            size_t cap = obj->u.obj.icap;
            size_t h = obj_hash(key.s, key.n) & (cap - 1);
            while (obj->u.obj.idx[h] != 0) {
                h = (h + 1) & (cap - 1);
            }
            obj->u.obj.idx[h] = (uint32_t)(i + 1);
        }
    }
    return &obj->u.obj.f[i];
}

/* --- strings and paths --------------------------------------------------- */

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static size_t
utf8_put(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static long
read_u4(const char *s, size_t n, size_t i)
{
    if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u') {
        return -1;
    }
    long v = 0;
    for (size_t k = 2; k < 6; k++) {
        int h = hexval(s[i + k]);
        if (h < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

akt_err
akti_cfg_unescape(cfg_arena *a, const char *s, size_t n, char **out,
    size_t *out_n, size_t *bad)
{
    char *o = akti_cfg_alloc(a, n + 1); /* escapes never grow the text */
    if (o == NULL) {
        return AKT_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            o[k++] = s[i];
            continue;
        }
        if (i + 1 >= n) {
            *bad = i;
            return AKT_ESYNTAX;
        }
        char e = s[i + 1];
        switch (e) {
        case '"':
            o[k++] = '"';
            break;
        case '\\':
            o[k++] = '\\';
            break;
        case '/':
            o[k++] = '/';
            break;
        case 'b':
            o[k++] = '\b';
            break;
        case 'f':
            o[k++] = '\f';
            break;
        case 'n':
            o[k++] = '\n';
            break;
        case 'r':
            o[k++] = '\r';
            break;
        case 't':
            o[k++] = '\t';
            break;
        case 'u': {
            long cp = read_u4(s, n, i);
            if (cp < 0) {
                *bad = i;
                return AKT_ESYNTAX;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                long lo = read_u4(s, n, i + 6);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            k += utf8_put(o + k, (uint32_t)cp);
            i += 4;
            break;
        }
        default:
            *bad = i;
            return AKT_ESYNTAX;
        }
        i++;
    }
    o[k] = '\0';
    *out = o;
    *out_n = k;
    return AKT_OK;
}

/* ws_at -- the length of the HOCON whitespace character that s (n bytes)
 * starts with, 0 when it starts with none (as cfg_lex.l's WS) */
static size_t
ws_at(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n >= 1
        && (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r' && u[0] != '\n')
            || (u[0] >= 0x1c && u[0] <= 0x1f))) {
        return 1;
    }
    if (n >= 2 && u[0] == 0xc2 && u[1] == 0xa0) {
        return 2;
    }
    if (n < 3) {
        return 0;
    }
    if ((u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80)
        || (u[0] == 0xe2 && u[1] == 0x80
            && (u[2] <= 0x8a || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
        || (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f)
        || (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80)
        || (u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)) {
        return 3;
    }
    return 0;
}

static bool
path_forbidden(char c)
{
    return strchr("$\"{}[]:=,+#`^?!@*&\\", c) != NULL || c == '\n';
}

akt_err
akti_cfg_split_path_ex(cfg_arena *a, const char *text, size_t len,
    cfg_str **out, size_t *out_n, const char **what)
{
    /* trim surrounding whitespace (HOCON's: ${<U+2003>a} is ${a}) */
    size_t w;
    while ((w = ws_at(text, len)) > 0) {
        text += w;
        len -= w;
    }
    for (bool more = true; more;) {
        more = false;
        for (w = 1; w <= 3 && w <= len; w++) {
            if (ws_at(text + len - w, w) == w) {
                len -= w;
                more = true;
                break;
            }
        }
    }
    if (len == 0) {
        *what = "empty path";
        return AKT_ESYNTAX;
    }
    size_t dots = 0;
    for (size_t i = 0; i < len; i++) {
        dots += text[i] == '.';
    }
    cfg_str *el = akti_cfg_alloc(a, (dots + 1) * sizeof *el);
    char *buf = akti_cfg_alloc(a, len + dots + 2);
    if (el == NULL || buf == NULL) {
        return AKT_ENOMEM;
    }
    size_t n = 0, k = 0;
    bool quoted = false;
    char *start = buf;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < len && text[j] != '"') {
                j += text[j] == '\\' ? 2 : 1;
            }
            if (j >= len) {
                *what = "unterminated quote in path";
                return AKT_ESYNTAX;
            }
            char *u;
            size_t un, bad;
            akt_err rc
                = akti_cfg_unescape(a, text + i + 1, j - i - 1, &u, &un, &bad);
            if (rc != AKT_OK) {
                *what = "invalid escape in path";
                return rc;
            }
            memcpy(start + k, u, un); /* un <= j - i - 1: fits */
            k += un;
            quoted = true;
            i = j;
            continue;
        }
        if (c == '.') {
            if (k == 0 && !quoted) {
                *what
                    = "empty path element (a leading, trailing or double '.')";
                return AKT_ESYNTAX;
            }
            start[k] = '\0';
            el[n].s = start;
            el[n].n = k;
            n++;
            start += k + 1;
            k = 0;
            quoted = false;
            continue;
        }
        if (path_forbidden(c)) {
            *what = "reserved character in path (quote the element)";
            return AKT_ESYNTAX;
        }
        start[k++] = c;
    }
    if (k == 0 && !quoted) {
        *what = "empty path element (a leading, trailing or double '.')";
        return AKT_ESYNTAX;
    }
    start[k] = '\0';
    el[n].s = start;
    el[n].n = k;
    n++;
    *out = el;
    *out_n = n;
    return AKT_OK;
}

akt_err
akti_cfg_split_path(
    cfg_arena *a, const char *text, size_t len, cfg_str **out, size_t *out_n)
{
    const char *what;
    return akti_cfg_split_path_ex(a, text, len, out, out_n, &what);
}

static bool
path_eq(const cfg_str *x, size_t xn, const cfg_str *y, size_t yn)
{
    if (xn != yn) {
        return false;
    }
    for (size_t i = 0; i < xn; i++) {
        if (x[i].n != y[i].n || memcmp(x[i].s, y[i].s, x[i].n) != 0) {
            return false;
        }
    }
    return true;
}

/* --- merge (layering) ---------------------------------------------------- */

static bool
is_unresolved(const cv *v)
{
    return v->kind == CV_SUBST || v->kind == CV_CONCAT || v->kind == CV_MERGE;
}

/* replace_self -- self-references to path inside v become old; returns the
 * (possibly replaced) v, and sets *hit when something was replaced. Fields
 * of objects are other paths, so objects are not entered. NULL: no memory. */
static cv *
replace_self(cfg_arena *a, cv *v, const cfg_str *path, size_t pn, cv *old,
    bool *hit, int depth)
{
    if (depth > CFG_MAX_WALK) {
        return v;
    }
    switch (v->kind) {
    case CV_SUBST:
        if (v->u.sub.self && path_eq(v->u.sub.path, v->u.sub.n, path, pn)) {
            *hit = true;
            return old;
        }
        return v;
    case CV_CONCAT:
    case CV_MERGE:
    case CV_LIST:
        for (size_t i = 0; i < v->u.list.n; i++) {
            cv *p = v->u.list.v[i];
            cv *r = replace_self(a, p, path, pn, old, hit, depth + 1);
            if (r == NULL) {
                return NULL;
            }
            if (r != p && v->kind == CV_CONCAT) {
                /* keep the whitespace that stood before the ${}: wrap the
                 * (shared) earlier value in a one-part concatenation, as
                 * its own ws field belongs to where it was written */
                cv *w = akti_cfg_new(a, CV_CONCAT, p->file, p->line, p->col);
                if (w == NULL || !akti_cfg_list_push(a, w, r)) {
                    return NULL;
                }
                w->ws = p->ws;
                r = w;
            }
            v->u.list.v[i] = r;
        }
        return v;
    default:
        return v;
    }
}

/* merge_stack -- the deferred merge of hi over lo, highest priority
 * first. Stacks are kept flat, as Lightbend's are, so that a look-back
 * (see the resolution below) sees every lower element; flat only up to
 * MERGE_FLAT elements, so that n merges into one key cost O(n), not
 * O(n^2). NULL when out of memory. */
#define MERGE_FLAT 16

static cv *
merge_stack(cfg_arena *a, cv *hi, cv *lo, bool flat)
{
    cv *mv = akti_cfg_new(a, CV_MERGE, hi->file, hi->line, hi->col);
    if (mv == NULL) {
        return NULL;
    }
    cv *parts[2] = { hi, lo };
    for (int k = 0; k < 2; k++) {
        cv *p = parts[k];
        size_t n = p->kind == CV_MERGE && flat && p->u.list.n <= MERGE_FLAT
            ? p->u.list.n
            : 1;
        for (size_t i = 0; i < n; i++) {
            cv *e = n > 1 ? p->u.list.v[i] : p;
            if (!akti_cfg_list_push(a, mv, e)) {
                return NULL;
            }
        }
    }
    return mv;
}

typedef struct mctx {
    cfg_arena *a;
    akt_config_error *err;
    cfg_str path[CFG_MAX_PATH];
} mctx;

static akt_err merge_rec(mctx *m, cv **slot, cv *newv, size_t pn, int depth);

static akt_err
merge_rec(mctx *m, cv **slot, cv *newv, size_t pn, int depth)
{
    cv *old = *slot;
    if (depth > CFG_MAX_WALK) {
        return akti_cfg_errorf(m->err, AKT_ETOOBIG, newv->file, newv->line,
            newv->col, "configuration nested too deeply");
    }
    if (old == NULL) {
        *slot = newv;
        return AKT_OK;
    }
    bool hit = false;
    newv = replace_self(m->a, newv, m->path, pn, old, &hit, 0);
    if (newv == NULL) {
        return akti_cfg_errorf(m->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (hit) { /* the new value already decided how it uses the old one */
        if (newv != old && is_unresolved(newv)) {
            /* keep the old value below it all the same: any other lookup
             * of this path while newv is resolved looks back to it
             * (y = ${y} { w = ${y.z} }) */
            newv = merge_stack(m->a, newv, old, false);
            if (newv == NULL) {
                return akti_cfg_errorf(
                    m->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
        }
        *slot = newv;
        return AKT_OK;
    }
    if (newv->kind == CV_OBJ && old->kind == CV_OBJ) {
        for (size_t i = 0; i < newv->u.obj.n; i++) {
            cfg_field *nf = &newv->u.obj.f[i];
            cfg_field *of = akti_cfg_obj_find(old, nf->key.s, nf->key.n);
            if (of == NULL) {
                if (akti_cfg_obj_put(m->a, old, nf->key, nf->val) == NULL) {
                    return akti_cfg_errorf(
                        m->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
                }
                continue;
            }
            if (pn >= CFG_MAX_PATH) {
                return akti_cfg_errorf(m->err, AKT_ETOOBIG, newv->file,
                    newv->line, newv->col, "configuration nested too deeply");
            }
            m->path[pn] = nf->key;
            akt_err rc = merge_rec(m, &of->val, nf->val, pn + 1, depth + 1);
            if (rc != AKT_OK) {
                return rc;
            }
        }
        return AKT_OK;
    }
    /* Decided at resolution: an unresolved new value may turn out to be
     * an object (merge with the old one) or undefined (${?x}: the old
     * value stays, HOCON); an object over an unresolved old value merges
     * if that one turns out to be an object. */
    if (is_unresolved(newv) || (newv->kind == CV_OBJ && is_unresolved(old))) {
        cv *mv = merge_stack(m->a, newv, old, true);
        if (mv == NULL) {
            return akti_cfg_errorf(
                m->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        *slot = mv;
        return AKT_OK;
    }
    *slot = newv; /* a plain value replaces whatever was there */
    return AKT_OK;
}

akt_err
akti_cfg_merge(cfg_arena *a, cv **slot, cv *newv, const cfg_str *path,
    size_t pn, akt_config_error *err)
{
    if (pn > CFG_MAX_PATH) {
        return akti_cfg_errorf(err, AKT_ETOOBIG, newv->file, newv->line,
            newv->col, "key path too long");
    }
    mctx *m = akti_cfg_malloc(sizeof *m);
    if (m == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    m->a = a;
    m->err = err;
    if (pn) {
        memcpy(m->path, path, pn * sizeof *path);
    }
    akt_err rc = merge_rec(m, slot, newv, pn, 0);
    akti_cfg_free(m);
    return rc;
}

/* wrap -- `a.b.c = v` seen from a: the value {b {c = v}} */
static cv *
wrap(cfg_arena *a, const cfg_str *path, size_t pn, cv *val)
{
    for (size_t i = pn; i-- > 0;) {
        cv *o = akti_cfg_new(a, CV_OBJ, val->file, val->line, val->col);
        if (o == NULL || akti_cfg_obj_put(a, o, path[i], val) == NULL) {
            return NULL;
        }
        val = o;
    }
    return val;
}

/* set_in -- assign val at rel (relative to obj, whose full path is
 * full[0..base)); full must hold base + rn elements. */
static akt_err
set_in(cfg_arena *a, cv *obj, const cfg_str *full, size_t base, size_t rn,
    cv *val, akt_config_error *err)
{
    cv *cur = obj;
    for (size_t i = 0; i < rn; i++) {
        const cfg_str *k = &full[base + i];
        cfg_field *f = akti_cfg_obj_find(cur, k->s, k->n);
        if (i + 1 < rn && f != NULL && f->val->kind == CV_OBJ) {
            cur = f->val;
            continue;
        }
        cv *v = val;
        if (i + 1 < rn) {
            v = wrap(a, full + base + i + 1, rn - i - 1, val);
            if (v == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
        }
        if (f == NULL) {
            if (akti_cfg_obj_put(a, cur, *k, v) == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            return AKT_OK;
        }
        return akti_cfg_merge(a, &f->val, v, full, base + i + 1, err);
    }
    return AKT_OK;
}

static cv *
shallow_obj(cfg_arena *a, const cv *o)
{
    cv *c = akti_cfg_new(a, CV_OBJ, o->file, o->line, o->col);
    if (c == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < o->u.obj.n; i++) {
        if (akti_cfg_obj_put(a, c, o->u.obj.f[i].key, o->u.obj.f[i].val)
            == NULL) {
            return NULL;
        }
    }
    return c;
}

akt_err
akti_cfg_override_at(cfg_arena *a, cv *root, const cfg_str *path, size_t pn,
    cv *val, cv **out, akt_config_error *err)
{
    cv *nroot = root->kind == CV_OBJ ? shallow_obj(a, root)
                                     : akti_cfg_new(a, CV_OBJ, NULL, 0, 0);
    if (nroot == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    cv *cur = nroot;
    for (size_t i = 0; i < pn; i++) {
        cfg_field *f = akti_cfg_obj_find(cur, path[i].s, path[i].n);
        if (i + 1 < pn && f != NULL && f->val->kind == CV_OBJ) {
            cv *c = shallow_obj(a, f->val);
            if (c == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            f->val = c;
            cur = c;
            continue;
        }
        cv *v = i + 1 < pn ? wrap(a, path + i + 1, pn - i - 1, val) : val;
        if (v == NULL) {
            return akti_cfg_errorf(
                err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        if (f == NULL) {
            if (akti_cfg_obj_put(a, cur, path[i], v) == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            break;
        }
        /* never merge into the shared old value: defer to resolution */
        bool hit = false;
        v = replace_self(a, v, path, i + 1, f->val, &hit, 0);
        if (v == NULL) {
            return akti_cfg_errorf(
                err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        if (hit && v != f->val && is_unresolved(v)) { /* as merge_rec */
            v = merge_stack(a, v, f->val, false);
            if (v == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
        }
        if (!hit && v->kind != CV_OBJ && !is_unresolved(v)) {
            f->val = v;
            break;
        }
        if (!hit) { /* an object or unresolved value: as merge_rec */
            cv *mv = merge_stack(a, v, f->val, true);
            if (mv == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            v = mv;
        }
        f->val = v;
        break;
    }
    *out = nroot;
    return AKT_OK;
}

akt_err
akti_cfg_set_path(cfg_arena *a, cv *obj, const cfg_str *path, size_t pn,
    cv *val, akt_config_error *err)
{
    return set_in(a, obj, path, 0, pn, val, err);
}

/* --- build: syntax tree -> value tree ------------------------------------ */

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
        v->u.sub.self
            = b->in_list == 0 && path_eq(v->u.sub.path, v->u.sub.n, path, pn);
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
        rc = set_in(b->a, target, full, pn, e->kn, val, b->err);
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

/* --- resolution ---------------------------------------------------------- */

typedef struct rtail {
    cv *m; /* a merge being resolved ... */
    size_t from; /* ... whose elements from here on ... */
    cv *t; /* ... make this merge (its look-back value) */
} rtail;

typedef struct rctx {
    cfg_arena *a;
    akt_config_error *err;
    akt_err rc;
    cv *root;
    cv *undef;
    cv *cyc; /* a cycle was found here, not yet reported (see r_subst) */
    int depth;
    size_t work; /* bytes built by concatenations: bounds expansion */
    char *const *envp;
    rtail *tails;
    size_t ntails, tcap;
    /* recent merges made by r_peek for one field of a merge: the same node
     * for the same elements, so that a lookup that comes back while it is
     * being resolved sees its look-back value */
    struct {
        const cv *m;
        const char *key;
        cv *t;
    } fm[64];
    unsigned nfm;
    int nlb; /* look-backs active (merges with lb set) */
    long fresh; /* merges and concatenations resolved again (r_val) */
} rctx;

/* at most this many re-resolutions of a value met again during a
 * look-back: bounds the work on hostile input */
#define CFG_MAX_FRESH 10000

static cv *r_val(rctx *r, cv *v);

static cv *
r_fail(rctx *r, akt_err code, const cv *at, const char *fmt, ...)
{
    if (r->rc != AKT_OK) {
        return NULL;
    }
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->rc = akti_cfg_errorf(r->err, code, at ? at->file : NULL,
        at ? at->line : 0, at ? at->col : 0, "%s", msg);
    return NULL;
}

/* r_cycle -- v is needed while it is being resolved: record it and unwind
 * to the nearest substitution (r_subst), which makes an optional one
 * undefined and reports any other (Lightbend's NotPossibleToResolve). */
static cv *
r_cycle(rctx *r, cv *v)
{
    if (r->cyc == NULL) {
        r->cyc = v;
    }
    return NULL;
}

static bool
is_unmergeable(const cv *v)
{
    return v->kind == CV_SUBST || v->kind == CV_CONCAT;
}

/* r_tail -- what a lookup sees of merge m while m's element from-1 is
 * being resolved: only the elements below it (HOCON's "look back"). One
 * node per (m, from), so that a lookup that comes back sees its state. */
static cv *
r_tail(rctx *r, cv *m, size_t from)
{
    size_t n = m->u.list.n;
    if (from >= n) {
        return r->undef;
    }
    if (from + 1 == n) {
        return m->u.list.v[from];
    }
    for (size_t i = 0; i < r->ntails; i++) {
        if (r->tails[i].m == m && r->tails[i].from == from) {
            return r->tails[i].t;
        }
    }
    if (r->ntails == r->tcap) {
        size_t cap = r->tcap ? r->tcap * 2 : 8;
        rtail *nt = akti_cfg_alloc(r->a, cap * sizeof *nt);
        if (nt == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        if (r->ntails) {
            memcpy(nt, r->tails, r->ntails * sizeof *nt);
        }
        r->tails = nt;
        r->tcap = cap;
    }
    cv *t = akti_cfg_new(r->a, CV_MERGE, m->file, m->line, m->col);
    if (t == NULL) {
        return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = from; i < n; i++) {
        if (!akti_cfg_list_push(r->a, t, m->u.list.v[i])) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
    }
    r->tails[r->ntails++] = (rtail) { m, from, t };
    return t;
}

/* r_here -- the node a lookup sees in place of v: its resolution when it
 * has one, the look-back value of a merge being resolved. */
static cv *
r_here(rctx *r, cv *v)
{
    for (int guard = 0; v != NULL && guard < CFG_MAX_RESOLVE_DEPTH; guard++) {
        if (v->res != NULL) {
            return v->res;
        }
        if (v->kind != CV_MERGE || v->lb == 0) {
            return v;
        }
        v = r_tail(r, v, v->lb);
    }
    return v;
}

/* r_busy -- e is being resolved further up: a lookup that meets it in a
 * merge stack comes from inside it, and so looks back past it (a
 * self-reference that was built into an earlier value, inside a field
 * whose parent object is merged with a substitution). */
static bool
r_busy(const cv *e)
{
    return is_unmergeable(e) && e->resolving == 1 && e->res == NULL;
}

/* r_elem -- resolve element i of merge m; while a substitution or a
 * concatenation is resolved, a lookup that reaches m sees only what is
 * below it. */
static cv *
r_elem(rctx *r, cv *m, size_t i)
{
    cv *e = m->u.list.v[i];
    if (!is_unmergeable(e)) {
        return r_val(r, e);
    }
    if (r_busy(e)) {
        return r->undef; /* the lookup comes from inside e: look below it */
    }
    uint32_t save = m->lb;
    m->lb = (uint32_t)(i + 1);
    r->nlb++;
    cv *x = r_val(r, e);
    r->nlb--;
    m->lb = save;
    return x;
}

enum { SHAPE_UNDEF, SHAPE_OBJ, SHAPE_OTHER };

static cv *r_find(rctx *r, cv *v);
static cv *r_fallback(rctx *r, cv *v, bool found);
static bool r_caught(rctx *r, cv *v);
static cv *r_cycle_error(rctx *r);

/* r_peek -- the field key of v's value, resolving only what is needed to
 * find it (Lightbend's restricted resolution: an object's other fields,
 * and a merge's elements past the field, are left alone). Returns the
 * field's value (maybe unresolved), r->undef when there is none, or NULL
 * on error or cycle. *shape says whether v is an object. */
static cv *
r_peek(rctx *r, cv *v, const cfg_str *key, int *shape)
{
    v = r_here(r, v);
    *shape = SHAPE_OTHER;
    if (v == NULL) {
        return NULL;
    }
    if (++r->depth > CFG_MAX_RESOLVE_DEPTH) {
        return r_fail(r, AKT_ETOOBIG, v,
            "substitutions nested deeper than %d levels",
            CFG_MAX_RESOLVE_DEPTH);
    }
    cv *out = r->undef;
    switch (v->kind) {
    case CV_UNDEF:
        *shape = SHAPE_UNDEF;
        break;
    case CV_OBJ: {
        *shape = SHAPE_OBJ;
        cfg_field *f = akti_cfg_obj_find(v, key->s, key->n);
        if (f != NULL) {
            out = r_here(r, f->val);
        }
        break;
    }
    case CV_SUBST: {
        /* a restricted resolution of the reference: find its target and
         * look into that, holding v as "being resolved" meanwhile */
        if (v->resolving) {
            out = r_cycle(r, v);
            break;
        }
        v->resolving = 1;
        cv *t = r_find(r, v);
        int ts = SHAPE_UNDEF;
        if (t != NULL && t != r->undef) {
            out = r_peek(r, t, key, &ts);
        }
        v->resolving = 0;
        if (t == NULL || out == NULL) {
            if (!r_caught(r, v)) {
                out = NULL;
                break;
            }
            ts = SHAPE_UNDEF;
        }
        if (ts == SHAPE_UNDEF) { /* nothing there: as r_subst */
            cv *f = r_fallback(r, v, t != NULL && t != r->undef);
            out = f == NULL ? NULL : r->undef;
            *shape = f == NULL || f == r->undef ? SHAPE_UNDEF : SHAPE_OTHER;
            break;
        }
        *shape = ts;
        break;
    }
    case CV_CONCAT: {
        cv *x = r_val(r, v); /* a concatenation resolves as a whole */
        out = x == NULL ? NULL : r_peek(r, x, key, shape);
        break;
    }
    case CV_MERGE: {
        cv *got[64];
        size_t k = 0;
        *shape = SHAPE_UNDEF;
        for (size_t i = 0; i < v->u.list.n; i++) {
            cv *e = v->u.list.v[i];
            int es;
            cv *fv;
            if (r_busy(e)) {
                continue; /* as r_elem */
            }
            if (is_unmergeable(e)) {
                uint32_t save = v->lb;
                v->lb = (uint32_t)(i + 1);
                r->nlb++;
                fv = r_peek(r, e, key, &es);
                r->nlb--;
                v->lb = save;
            } else {
                fv = r_peek(r, e, key, &es);
            }
            if (fv == NULL) {
                r->depth--;
                return NULL;
            }
            if (es == SHAPE_UNDEF) {
                continue;
            }
            if (es == SHAPE_OTHER) {
                if (*shape == SHAPE_UNDEF) {
                    *shape = SHAPE_OTHER;
                }
                break; /* a non-object hides everything below it */
            }
            *shape = SHAPE_OBJ;
            if (fv == r->undef) {
                continue;
            }
            if (k == sizeof got / sizeof got[0]) {
                r->depth--;
                return r_fail(r, AKT_ETOOBIG, v,
                    "more than %zu merged objects define one key",
                    sizeof got / sizeof got[0]);
            }
            got[k++] = fv;
            if (fv->kind != CV_OBJ && fv->kind != CV_UNDEF
                && !is_unresolved(fv)) {
                break; /* a plain value: nothing below it counts */
            }
        }
        if (*shape != SHAPE_OBJ || k == 0) {
            break;
        }
        if (k == 1) {
            out = got[0];
            break;
        }
        /* the field's value is itself a merge of what each element has */
        size_t nf = r->nfm < 64 ? r->nfm : 64;
        for (size_t i = 0; i < nf && out == r->undef; i++) {
            cv *t = r->fm[i].t;
            if (r->fm[i].m == v && r->fm[i].key == key->s && t->u.list.n == k
                && memcmp(t->u.list.v, got, k * sizeof *got) == 0) {
                out = t;
            }
        }
        if (out != r->undef) {
            break;
        }
        cv *m = akti_cfg_new(
            r->a, CV_MERGE, got[0]->file, got[0]->line, got[0]->col);
        if (m == NULL) {
            out = r_fail(r, AKT_ENOMEM, NULL, "out of memory");
            break;
        }
        for (size_t i = 0; i < k; i++) {
            if (!akti_cfg_list_push(r->a, m, got[i])) {
                out = r_fail(r, AKT_ENOMEM, NULL, "out of memory");
                break;
            }
        }
        if (out != NULL) {
            out = m;
            unsigned slot = r->nfm++ % 64;
            r->fm[slot].m = v;
            r->fm[slot].key = key->s;
            r->fm[slot].t = m;
        }
        break;
    }
    default:
        break;
    }
    r->depth--;
    return out;
}

/* r_lookup -- the value at path p1.p2 as a lookup sees it (unresolved),
 * r->undef when there is none, NULL on error or cycle. Only what lies
 * along the path is resolved. */
static cv *
r_lookup(rctx *r, const cfg_str *p1, size_t n1, const cfg_str *p2, size_t n2)
{
    cv *cur = r->root;
    size_t n = n1 + n2;
    for (size_t i = 0; i < n; i++) {
        const cfg_str *k = i < n1 ? &p1[i] : &p2[i - n1];
        int shape;
        cur = r_peek(r, cur, k, &shape);
        if (cur == NULL || cur == r->undef || cur->kind == CV_UNDEF) {
            return cur == NULL ? NULL : r->undef;
        }
    }
    return cur;
}

static const char *
env_get(char *const *envp, const char *name, size_t n)
{
    if (envp == NULL) {
        return NULL;
    }
    for (size_t i = 0; envp[i] != NULL; i++) {
        if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=') {
            return envp[i] + n + 1;
        }
    }
    return NULL;
}

static char *
path_text(cfg_arena *a, const cfg_str *p, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += p[i].n + 1;
    }
    char *s = akti_cfg_alloc(a, len + 1);
    if (s == NULL) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            s[k++] = '.';
        }
        memcpy(s + k, p[i].s, p[i].n);
        k += p[i].n;
    }
    s[k] = '\0';
    return s;
}

/* r_find -- what substitution v refers to in the configuration,
 * unresolved: the value under the include point, else from the root;
 * r->undef when there is none, NULL on error or cycle. */
static cv *
r_find(rctx *r, cv *v)
{
    cv *t = r->undef;
    if (v->u.sub.pn > 0) {
        t = r_lookup(
            r, v->u.sub.prefix, v->u.sub.pn, v->u.sub.path, v->u.sub.n);
    }
    if (t == r->undef) {
        t = r_lookup(r, v->u.sub.path, v->u.sub.n, NULL, 0);
    }
    return t;
}

/* r_fallback -- substitution v found nothing (or only an undefined value,
 * or, for a self-reference, only itself): the environment variable, else
 * undefined when v is optional, else an error. */
static cv *
r_fallback(rctx *r, cv *v, bool found)
{
    char *name = path_text(r->a, v->u.sub.path, v->u.sub.n);
    if (name == NULL) {
        return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
    }
    const char *ev = env_get(r->envp, name, strlen(name));
    if (ev != NULL) { /* HOCON: substitutions fall back to the environment */
        cv *s = akti_cfg_new(r->a, CV_STR, NULL, 0, 0);
        char *origin = akti_cfg_alloc(r->a, strlen(name) + 9);
        if (s == NULL || origin == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        snprintf(origin, strlen(name) + 9, "env var %s", name);
        s->file = origin;
        s->u.str.s = akti_cfg_strndup(r->a, ev, strlen(ev));
        s->u.str.n = strlen(ev);
        s->quoted = 1;
        if (s->u.str.s == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        return s;
    }
    if (v->u.sub.optional) {
        return r->undef;
    }
    if (v->u.sub.self) {
        return r_fail(r, AKT_EINVAL, v,
            "substitution ${%s} refers to its own field, which has no "
            "earlier value (and no environment variable %s is set)",
            name, name);
    }
    if (found) {
        return r_fail(r, AKT_EINVAL, v,
            "could not resolve substitution ${%s}: its value is undefined "
            "(an optional substitution that found nothing, or one in a "
            "cycle) and there is no environment variable %s",
            name, name);
    }
    return r_fail(r, AKT_EINVAL, v,
        "could not resolve substitution ${%s}: no such key in the "
        "configuration and no environment variable %s (write ${?%s} if it "
        "is optional)",
        name, name, name);
}

/* r_caught -- the cycle pending when substitution v's lookup failed:
 * HOCON makes it "missing" for an optional or a self-reference (which
 * then falls back like any missing one), an error for any other. NULL
 * when there was none (an error already reported). */
static bool
r_caught(rctx *r, cv *v)
{
    if (r->rc != AKT_OK || r->cyc == NULL) {
        return false;
    }
    if (v->u.sub.optional || v->u.sub.self) {
        r->cyc = NULL;
        return true;
    }
    r_cycle_error(r);
    return false;
}

/* r_cycle_error -- report the pending cycle (found at r->cyc). */
static cv *
r_cycle_error(rctx *r)
{
    cv *at = r->cyc;
    r->cyc = NULL;
    if (at->kind == CV_SUBST) {
        char *name = path_text(r->a, at->u.sub.path, at->u.sub.n);
        return r_fail(r, AKT_EINVAL, at,
            "substitution cycle: ${%s} refers back to itself",
            name ? name : "?");
    }
    return r_fail(
        r, AKT_EINVAL, at, "substitution cycle: this value depends on itself");
}

static cv *
r_subst(rctx *r, cv *v)
{
    cv *t = r_find(r, v);
    cv *out = t;
    if (t != NULL && t != r->undef) {
        out = r_val(r, t);
    }
    if (out == NULL) {
        return r_caught(r, v) ? r_fallback(r, v, false) : NULL;
    }
    return out == r->undef ? r_fallback(r, v, t != r->undef) : out;
}

static const char *
kind_name(int k)
{
    switch (k) {
    case CV_NULL:
        return "null";
    case CV_BOOL:
        return "boolean";
    case CV_NUM:
        return "number";
    case CV_STR:
        return "string";
    case CV_LIST:
        return "list";
    case CV_OBJ:
        return "object";
    default:
        return "unresolved value";
    }
}

static bool
is_scalar(int k)
{
    return k == CV_NULL || k == CV_BOOL || k == CV_NUM || k == CV_STR;
}

/* scalar_text -- the text a scalar contributes to a string concatenation */
static const char *
scalar_text(const cv *v, size_t *n)
{
    switch (v->kind) {
    case CV_NULL:
        *n = 4;
        return "null";
    case CV_BOOL:
        *n = v->u.b ? 4 : 5;
        return v->u.b ? "true" : "false";
    case CV_NUM:
        *n = v->u.num.n;
        return v->u.num.text;
    default:
        *n = v->u.str.n;
        return v->u.str.s;
    }
}

cv *
akti_cfg_merge_resolved(cfg_arena *a, cv *hi, cv *lo)
{
    cv *o = akti_cfg_new(a, CV_OBJ, hi->file, hi->line, hi->col);
    if (o == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < lo->u.obj.n; i++) {
        if (lo->u.obj.f[i].val->kind == CV_UNDEF) {
            continue;
        }
        if (akti_cfg_obj_put(a, o, lo->u.obj.f[i].key, lo->u.obj.f[i].val)
            == NULL) {
            return NULL;
        }
    }
    for (size_t i = 0; i < hi->u.obj.n; i++) {
        cfg_field *hf = &hi->u.obj.f[i];
        if (hf->val->kind == CV_UNDEF) {
            continue;
        }
        cfg_field *of = akti_cfg_obj_find(o, hf->key.s, hf->key.n);
        if (of == NULL) {
            if (akti_cfg_obj_put(a, o, hf->key, hf->val) == NULL) {
                return NULL;
            }
        } else if (of->val->kind == CV_OBJ && hf->val->kind == CV_OBJ) {
            cv *m = akti_cfg_merge_resolved(a, hf->val, of->val);
            if (m == NULL) {
                return NULL;
            }
            of->val = m;
        } else {
            of->val = hf->val;
        }
    }
    return o;
}

/* c_simple -- a part that Lightbend's scanner counts as a "simple value":
 * whitespace between two of them is text; next to '{', '[', '}' or ']' it
 * is not. (A self-reference replaced at merge time is a one-part
 * concatenation in place of its ${}.) */
static bool
c_simple(const cv *p)
{
    return p->kind != CV_OBJ && p->kind != CV_LIST;
}

/* c_is_ws -- an unquoted piece of nothing but whitespace */
static bool
c_is_ws(const cv *p)
{
    return p->kind == CV_STR && p->quoted == 2;
}

/* r_concat -- HOCON value concatenation, as Lightbend's ConfigConcatenation:
 * the parts are resolved; undefined ${?x} parts drop out while the
 * whitespace between simple parts stays (so `${?a} ${?b}` is " "); strings,
 * numbers, booleans and null join into a string, lists concatenate, objects
 * merge, and whitespace next to a list or an object does not count. */
static cv *
r_concat(rctx *r, cv *v)
{
    size_t n = v->u.list.n;
    cv *out = NULL; /* the list or object built so far */
    const cv *run0 = NULL; /* first piece of a string run */
    size_t runk = 0; /* pieces in the run */
    bool run_ws = true; /* the run is whitespace only */
    char *sb = NULL; /* the run's text */
    size_t sn = 0, scap = 0;
    const cv *prev = NULL; /* the previous part, as written */
    for (size_t i = 0; i <= n; i++) {
        cv *p = i < n ? v->u.list.v[i] : NULL;
        cv *pieces[2];
        size_t np = 0;
        cv wsv; /* a whitespace piece (text in the arena) */
        if (p != NULL && prev != NULL && p->ws != NULL && c_simple(prev)
            && c_simple(p)) {
            memset(&wsv, 0, sizeof wsv);
            wsv.kind = CV_STR;
            wsv.quoted = 2;
            wsv.file = p->file;
            wsv.line = p->line;
            wsv.col = p->col;
            wsv.u.str.s = p->ws;
            wsv.u.str.n = strlen(p->ws);
            pieces[np++] = &wsv;
        }
        if (p != NULL) {
            prev = p;
            cv *rp = r_val(r, p);
            if (rp == NULL) {
                return NULL;
            }
            if (rp->kind != CV_UNDEF) {
                pieces[np++] = rp;
            }
        }
        for (size_t j = 0; j < np; j++) {
            cv *q = pieces[j];
            const cv *at = q == &wsv ? p : q;
            if (is_scalar(q->kind)) {
                if (out != NULL) {
                    if (c_is_ws(q)) {
                        continue; /* insignificant after a list or object */
                    }
                    return r_fail(r, AKT_ETYPE, at,
                        "cannot concatenate %s and %s (a value concatenation "
                        "joins only strings, only lists or only objects)",
                        kind_name(out->kind), kind_name(q->kind));
                }
                size_t tn;
                const char *t = scalar_text(q, &tn);
                r->work += tn;
                if (r->work > CFG_MAX_EXPANSION) {
                    return r_fail(r, AKT_ETOOBIG, v,
                        "substitutions expand to more than %d MiB of values",
                        CFG_MAX_EXPANSION >> 20);
                }
                if (sn + tn + 1 > scap) {
                    size_t cap = scap ? scap : 64;
                    while (cap < sn + tn + 1) {
                        cap *= 2;
                    }
                    char *nb = akti_cfg_alloc(r->a, cap);
                    if (nb == NULL) {
                        return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
                    }
                    if (sn) {
                        memcpy(nb, sb, sn);
                    }
                    sb = nb;
                    scap = cap;
                }
                memcpy(sb + sn, t, tn);
                sn += tn;
                if (runk++ == 0) {
                    run0 = q == &wsv ? NULL : q;
                }
                run_ws = run_ws && c_is_ws(q);
                continue;
            }
            /* a list or an object */
            if (runk > 0) {
                if (!run_ws) {
                    return r_fail(r, AKT_ETYPE, at,
                        "cannot concatenate string and %s (a value "
                        "concatenation joins only strings, only lists or "
                        "only objects)",
                        kind_name(q->kind));
                }
                runk = 0; /* leading whitespace does not count */
                sn = 0;
            }
            if (out == NULL) {
                out = q;
                continue;
            }
            if (out->kind != q->kind) {
                return r_fail(r, AKT_ETYPE, at,
                    "cannot concatenate %s and %s (a value concatenation "
                    "joins only strings, only lists or only objects)",
                    kind_name(out->kind), kind_name(q->kind));
            }
            if (q->kind == CV_OBJ) {
                r->work += (out->u.obj.n + q->u.obj.n) * sizeof(cfg_field);
            } else {
                r->work += (out->u.list.n + q->u.list.n) * sizeof(cv *);
            }
            if (r->work > CFG_MAX_EXPANSION) {
                return r_fail(r, AKT_ETOOBIG, v,
                    "substitutions expand to more than %d MiB of values",
                    CFG_MAX_EXPANSION >> 20);
            }
            cv *j2;
            if (q->kind == CV_OBJ) {
                j2 = akti_cfg_merge_resolved(r->a, q, out);
            } else {
                j2 = akti_cfg_new(r->a, CV_LIST, v->file, v->line, v->col);
                for (size_t m = 0; j2 != NULL && m < out->u.list.n; m++) {
                    if (!akti_cfg_list_push(r->a, j2, out->u.list.v[m])) {
                        j2 = NULL;
                    }
                }
                for (size_t m = 0; j2 != NULL && m < q->u.list.n; m++) {
                    if (!akti_cfg_list_push(r->a, j2, q->u.list.v[m])) {
                        j2 = NULL;
                    }
                }
            }
            if (j2 == NULL) {
                return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
            }
            out = j2;
        }
    }
    if (out != NULL) {
        return out;
    }
    if (runk == 0) {
        return r->undef; /* every part was an undefined ${?x} */
    }
    if (runk == 1 && run0 != NULL) {
        return (cv *)run0; /* one value keeps its type */
    }
    cv *s = akti_cfg_new(r->a, CV_STR, v->file, v->line, v->col);
    char *text = akti_cfg_alloc(r->a, sn + 1);
    if (s == NULL || text == NULL) {
        return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
    }
    memcpy(text, sb, sn);
    text[sn] = '\0';
    s->u.str.s = text;
    s->u.str.n = sn;
    s->quoted = 1;
    return s;
}

static cv *
r_merge(rctx *r, cv *v)
{
    cv *acc = NULL;
    for (size_t i = 0; i < v->u.list.n; i++) {
        cv *p = r_elem(r, v, i);
        if (p == NULL) {
            return NULL;
        }
        if (p->kind == CV_UNDEF) {
            continue;
        }
        if (acc == NULL) {
            acc = p;
            if (p->kind != CV_OBJ) {
                break;
            }
            continue;
        }
        if (p->kind != CV_OBJ) {
            break; /* a non-object hides everything below it */
        }
        acc = akti_cfg_merge_resolved(r->a, acc, p);
        if (acc == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
    }
    return acc ? acc : r->undef;
}

/* is_clean -- a resolved value with no CV_UNDEF anywhere below it. */
static bool
is_clean(const cv *v)
{
    return is_scalar(v->kind) || v->resolving == 2;
}

/* r_obj -- resolve object v in place. A field that is a merge being
 * resolved (a lookup reached v from inside it) has only its look-back
 * value here: then v is resolved into a copy that holds that value (a
 * "view", resolving == 3), and v itself is left for later, so that its
 * fields end up with their own values (Lightbend resolves such a lookup
 * against a copy of the tree with the merge replaced). */
static cv *
r_obj(rctx *r, cv *v)
{
    bool clean = true;
    cv *copy = NULL;
    for (size_t i = 0; i < v->u.obj.n; i++) {
        cfg_field *f = &v->u.obj.f[i];
        bool view = f->val->res == NULL
            && ((f->val->kind == CV_MERGE && f->val->lb != 0)
                || (r->nlb > 0 && f->val->resolving == 1
                    && is_unresolved(f->val)));
        cv *x = view ? r_here(r, f->val) : f->val;
        if (x != NULL && x != r->undef) {
            x = r_val(r, x);
        }
        if (x == NULL) {
            return NULL;
        }
        view = view || x->resolving == 3;
        if (view && copy == NULL) {
            copy = akti_cfg_new(r->a, CV_OBJ, v->file, v->line, v->col);
            for (size_t j = 0; copy != NULL && j < i; j++) {
                const cfg_field *g = &v->u.obj.f[j];
                if (g->val->kind != CV_UNDEF
                    && akti_cfg_obj_put(r->a, copy, g->key, g->val) == NULL) {
                    copy = NULL;
                }
            }
            if (copy == NULL) {
                return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
            }
        }
        if (!view) {
            f->val = x; /* its own value: keep it */
        }
        if (copy != NULL && x->kind != CV_UNDEF
            && akti_cfg_obj_put(r->a, copy, f->key, x) == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        clean = clean && is_clean(x);
    }
    if (copy != NULL) {
        copy->res = copy;
        copy->resolving = 3;
        return copy;
    }
    v->res = v;
    if (clean) { /* nothing to compact below: compact() skips it */
        v->resolving = 2;
    }
    return v;
}

/* r_list -- resolve list v in place; as r_obj, into a copy (a view) when
 * an element has only its look-back value here. */
static cv *
r_list(rctx *r, cv *v)
{
    bool clean = true;
    cv *copy = NULL;
    for (size_t i = 0; i < v->u.list.n; i++) {
        cv *e = v->u.list.v[i];
        bool view = e->res == NULL && r->nlb > 0 && e->resolving == 1
            && is_unresolved(e);
        cv *x = r_val(r, e);
        if (x == NULL) {
            return NULL;
        }
        view = view || x->resolving == 3;
        if (view && copy == NULL) {
            copy = akti_cfg_new(r->a, CV_LIST, v->file, v->line, v->col);
            for (size_t j = 0; copy != NULL && j < i; j++) {
                if (!akti_cfg_list_push(r->a, copy, v->u.list.v[j])) {
                    copy = NULL;
                }
            }
            if (copy == NULL) {
                return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
            }
        }
        if (!view) {
            v->u.list.v[i] = x;
        }
        if (copy != NULL && !akti_cfg_list_push(r->a, copy, x)) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        clean = clean && is_clean(x);
    }
    if (copy != NULL) {
        copy->res = copy;
        copy->resolving = 3;
        return copy;
    }
    v->res = v;
    if (clean) {
        v->resolving = 2;
    }
    return v;
}

static cv *
r_val(rctx *r, cv *v)
{
    if (v->res != NULL) {
        return v->res;
    }
    switch (v->kind) {
    case CV_OBJ:
        return r_obj(r, v);
    case CV_LIST:
        return r_list(r, v);
    case CV_SUBST:
    case CV_CONCAT:
    case CV_MERGE:
        break;
    default:
        return v;
    }
    if (v->resolving) {
        if (v->kind == CV_SUBST || r->nlb == 0 || r->fresh >= CFG_MAX_FRESH) {
            return r_cycle(r, v);
        }
        /* a merge or concatenation met again while a look-back is active:
         * resolve it again as this lookup sees it, not memoized (Lightbend
         * resolves a copy of the tree in which the merge that looks back
         * is replaced); a real cycle still ends at a substitution */
        r->fresh++;
        if (++r->depth > CFG_MAX_RESOLVE_DEPTH) {
            return r_fail(r, AKT_ETOOBIG, v,
                "substitutions nested deeper than %d levels",
                CFG_MAX_RESOLVE_DEPTH);
        }
        cv *again = v->kind == CV_CONCAT ? r_concat(r, v) : r_merge(r, v);
        if (again != NULL && again != r->undef) {
            again = r_val(r, again);
        }
        r->depth--;
        return again;
    }
    if (++r->depth > CFG_MAX_RESOLVE_DEPTH) {
        return r_fail(r, AKT_ETOOBIG, v,
            "substitutions nested deeper than %d levels",
            CFG_MAX_RESOLVE_DEPTH);
    }
    v->resolving = 1;
    cv *out = v->kind == CV_SUBST ? r_subst(r, v)
        : v->kind == CV_CONCAT    ? r_concat(r, v)
                                  : r_merge(r, v);
    if (out != NULL && out != r->undef) {
        out = r_val(r, out); /* objects and lists found by a lookup */
    }
    v->resolving = 0;
    r->depth--;
    if (out != NULL && out->resolving == 3) {
        out->resolving = 0; /* a view, but now v's value for good */
    }
    /* undefined is not remembered: an optional substitution that met a
     * cycle may find a value once that cycle is over (as in Lightbend,
     * whose memo table cannot hold an undefined result) */
    if (out != NULL && out != r->undef) {
        v->res = out;
    }
    return out;
}

/* compact -- drop what optional substitutions left undefined. */
static akt_err
compact(rctx *r, cv *v, int depth)
{
    if (v->resolving == 2 || is_scalar(v->kind)) { /* clean, or done */
        return AKT_OK;
    }
    if (depth > CFG_MAX_WALK) {
        return akti_cfg_errorf(r->err, AKT_ETOOBIG, v->file, v->line, v->col,
            "configuration nested deeper than %d levels", CFG_MAX_WALK);
    }
    if (v->kind == CV_OBJ) {
        size_t k = 0;
        for (size_t i = 0; i < v->u.obj.n; i++) {
            if (v->u.obj.f[i].val->kind == CV_UNDEF) {
                continue;
            }
            akt_err rc = compact(r, v->u.obj.f[i].val, depth + 1);
            if (rc != AKT_OK) {
                return rc;
            }
            v->u.obj.f[k++] = v->u.obj.f[i];
        }
        if (k != v->u.obj.n) {
            v->u.obj.n = k;
            if (!obj_reindex(r->a, v)) {
                return akti_cfg_errorf(
                    r->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
        }
    } else if (v->kind == CV_LIST) {
        size_t k = 0;
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (v->u.list.v[i]->kind == CV_UNDEF) {
                continue;
            }
            akt_err rc = compact(r, v->u.list.v[i], depth + 1);
            if (rc != AKT_OK) {
                return rc;
            }
            v->u.list.v[k++] = v->u.list.v[i];
        }
        v->u.list.n = k;
    }
    v->resolving = 2;
    return AKT_OK;
}

akt_err
akti_cfg_resolve_env(
    cfg_arena *a, cv *root, char *const *envp, akt_config_error *err)
{
    rctx r;
    memset(&r, 0, sizeof r);
    r.a = a;
    r.err = err;
    r.root = root;
    r.envp = envp;
    r.undef = akti_cfg_new(a, CV_UNDEF, NULL, 0, 0);
    if (r.undef == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (r_val(&r, root) == NULL) {
        if (r.rc == AKT_OK && r.cyc != NULL) {
            r_cycle_error(&r);
        }
        return r.rc != AKT_OK ? r.rc
                              : akti_cfg_errorf(err, AKT_EINTERNAL, NULL, 0, 0,
                                  "resolution failed");
    }
    return compact(&r, root, 0);
}

akt_err
akti_cfg_resolve(cfg_arena *a, cv *root, akt_config_error *err)
{
    return akti_cfg_resolve_env(a, root, environ, err);
}

/* --- resolved trees ------------------------------------------------------ */

cv *
akti_cfg_copy(cfg_arena *a, const cv *v, int depth, size_t *budget)
{
    if (depth > CFG_MAX_WALK || *budget == 0) {
        return NULL;
    }
    --*budget;
    cv *c = akti_cfg_new(a, (cv_kind)v->kind, v->file, v->line, v->col);
    if (c == NULL) {
        return NULL;
    }
    c->quoted = v->quoted;
    /* origin names are shared strings of the source arena: copy them */
    if (v->file != NULL) {
        c->file = akti_cfg_strndup(a, v->file, strlen(v->file));
        if (c->file == NULL) {
            return NULL;
        }
    }
    switch (v->kind) {
    case CV_BOOL:
        c->u.b = v->u.b;
        break;
    case CV_NUM:
        c->u.num = v->u.num;
        c->u.num.text = akti_cfg_strndup(a, v->u.num.text, v->u.num.n);
        if (c->u.num.text == NULL) {
            return NULL;
        }
        break;
    case CV_STR:
        c->u.str.n = v->u.str.n;
        c->u.str.s = akti_cfg_strndup(a, v->u.str.s, v->u.str.n);
        if (c->u.str.s == NULL) {
            return NULL;
        }
        break;
    case CV_LIST:
        for (size_t i = 0; i < v->u.list.n; i++) {
            cv *x = akti_cfg_copy(a, v->u.list.v[i], depth + 1, budget);
            if (x == NULL || !akti_cfg_list_push(a, c, x)) {
                return NULL;
            }
        }
        break;
    case CV_OBJ:
        for (size_t i = 0; i < v->u.obj.n; i++) {
            const cfg_field *f = &v->u.obj.f[i];
            cv *x = akti_cfg_copy(a, f->val, depth + 1, budget);
            cfg_str k = { akti_cfg_strndup(a, f->key.s, f->key.n), f->key.n };
            if (x == NULL || k.s == NULL
                || akti_cfg_obj_put(a, c, k, x) == NULL) {
                return NULL;
            }
        }
        break;
    default:
        break;
    }
    c->res = NULL;
    return c;
}

cv *
akti_cfg_lookup(cv *root, const char *path, bool *oom)
{
    *oom = false;
    /* Fast path without allocation: no quotes in the path. */
    if (strchr(path, '"') == NULL) {
        cv *cur = root;
        const char *p = path;
        for (;;) {
            const char *dot = strchr(p, '.');
            size_t n = dot ? (size_t)(dot - p) : strlen(p);
            if (n == 0 || cur->kind != CV_OBJ) {
                return NULL;
            }
            cfg_field *f = akti_cfg_obj_find(cur, p, n);
            if (f == NULL) {
                return NULL;
            }
            cur = f->val;
            if (dot == NULL) {
                return cur;
            }
            p = dot + 1;
        }
    }
    cfg_arena tmp = { 0 };
    cfg_str *el;
    size_t n;
    cv *cur = NULL;
    akt_err rc = akti_cfg_split_path(&tmp, path, strlen(path), &el, &n);
    *oom = rc == AKT_ENOMEM;
    if (rc == AKT_OK) {
        cur = root;
        for (size_t i = 0; i < n && cur != NULL; i++) {
            cfg_field *f = cur->kind == CV_OBJ
                ? akti_cfg_obj_find(cur, el[i].s, el[i].n)
                : NULL;
            cur = f ? f->val : NULL;
        }
    }
    akti_cfg_arena_free(&tmp);
    return cur;
}

/* --- environment overrides ----------------------------------------------- */

/* env_key -- match one segment of AKT_a__b_c against existing keys, where
 * '_' stands for '-' or '_'; a new key takes '-' (the HOCON convention). */
static cfg_str
env_key(cfg_arena *a, const cv *obj, const char *seg, size_t n, bool *oom)
{
    cfg_str k = { NULL, 0 };
    if (obj != NULL && obj->kind == CV_OBJ) {
        for (size_t i = 0; i < obj->u.obj.n; i++) {
            const cfg_str *fk = &obj->u.obj.f[i].key;
            if (fk->n != n) {
                continue;
            }
            bool eq = true;
            for (size_t j = 0; j < n && eq; j++) {
                char c = fk->s[j];
                eq = c == seg[j] || (seg[j] == '_' && c == '-');
            }
            if (eq) {
                return *fk;
            }
        }
    }
    char *s = akti_cfg_strndup(a, seg, n);
    if (s == NULL) {
        *oom = true;
        return k;
    }
    for (size_t j = 0; j < n; j++) {
        if (s[j] == '_') {
            s[j] = '-';
        }
    }
    k.s = s;
    k.n = n;
    return k;
}

static akt_err
env_one(cfg_arena *a, cv *root, const char *entry, akt_config_error *err)
{
    const char *eq = strchr(entry, '=');
    const char *name = entry + 4;
    size_t nn = (size_t)(eq - name);
    cfg_str path[CFG_MAX_NESTING];
    size_t pn = 0;
    const cv *cur = root;
    bool oom = false;
    const char *seg = name;
    for (;;) {
        const char *sep = NULL;
        for (const char *q = seg; q + 1 < name + nn; q++) {
            if (q[0] == '_' && q[1] == '_') {
                sep = q;
                break;
            }
        }
        size_t sn = sep ? (size_t)(sep - seg) : (size_t)(name + nn - seg);
        if (sn == 0 || pn == CFG_MAX_NESTING) {
            return AKT_OK; /* not a well-formed override: ignore it */
        }
        path[pn] = env_key(a, cur, seg, sn, &oom);
        if (oom) {
            return akti_cfg_errorf(
                err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        if (cur != NULL && cur->kind == CV_OBJ) {
            cfg_field *f = akti_cfg_obj_find(cur, path[pn].s, path[pn].n);
            cur = f ? f->val : NULL;
        } else {
            cur = NULL;
        }
        pn++;
        if (sep == NULL) {
            break;
        }
        seg = sep + 2;
    }
    char *origin = akti_cfg_alloc(a, nn + 4 + 9);
    if (origin == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    snprintf(origin, nn + 4 + 9, "env var %.*s", (int)(nn + 4), entry);
    /* The value is HOCON ("5", "250ms", "[a, b]"); anything that does not
     * parse as one value is taken as a plain string. */
    const char *val = eq + 1;
    size_t vn = strlen(val);
    char *text = akti_cfg_alloc(a, vn + 8);
    if (text == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    memcpy(text, "v = ", 4);
    memcpy(text + 4, val, vn);
    text[vn + 4] = '\0';
    cv *parsed = NULL;
    cv *v = NULL;
    akt_config_error perr;
    akt_err rc
        = akti_cfg_load_text(a, text, vn + 4, origin, NULL, &parsed, &perr);
    if (rc == AKT_ENOMEM) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (rc == AKT_OK && parsed->u.obj.n == 1 && parsed->u.obj.f[0].key.n == 1) {
        v = parsed->u.obj.f[0].val;
    } else {
        v = akti_cfg_new(a, CV_STR, origin, 0, 0);
        if (v == NULL) {
            return akti_cfg_errorf(
                err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        v->u.str.s = val;
        v->u.str.n = vn;
        v->quoted = 1;
    }
    v->line = 0;
    v->col = 0;
    return akti_cfg_set_path(a, root, path, pn, v, err);
}

akt_err
akti_cfg_apply_env(
    cfg_arena *a, cv *root, char *const *envp, akt_config_error *err)
{
    if (envp == NULL) {
        return AKT_OK;
    }
    for (size_t i = 0; envp[i] != NULL; i++) {
        const char *e = envp[i];
        const char *eq = strchr(e, '=');
        if (strncmp(e, "AKT_", 4) != 0 || eq == NULL) {
            continue;
        }
        const char *dd = strstr(e + 4, "__");
        if (dd == NULL || dd > eq) {
            continue; /* AKT_CONFIG and friends are not overrides */
        }
        akt_err rc = env_one(a, root, e, err);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}
