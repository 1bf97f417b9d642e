/*
 * cfg_value.c -- the value tree: errors, nodes and objects, strings and
 * paths, copies of resolved trees and environment overrides. The steps
 * that make and finish a tree have their own files: cfg_build.c (syntax
 * tree -> object tree, with includes and self-references), cfg_merge.c
 * (layering) and cfg_resolve.c (substitutions).
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

const char *
akti_cfg_kind_name(int kind)
{
    switch (kind) {
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

#define OBJ_INDEX_MIN 8

bool
akti_cfg_obj_reindex(cfg_arena *a, cv *obj)
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
            if (!akti_cfg_obj_reindex(a, obj)) {
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

bool
akti_cfg_path_eq(const cfg_str *x, size_t xn, const cfg_str *y, size_t yn)
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
