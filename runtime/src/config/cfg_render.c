/*
 * cfg_render.c -- a resolved config as text: concise JSON the way
 * Lightbend's config renders it (ConfigRenderOptions.concise(): no
 * whitespace, keys sorted with all-digit keys first in numeric order, then
 * the rest in code-unit order; numbers as written; JSON string escapes with
 * \uXXXX for control characters), or HOCON with "# origin" comments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"

#define RENDER_MAX       (64u << 20) /* bytes; beyond is a substitution bomb */
#define RENDER_MAX_DEPTH 1000

typedef struct sb {
    char *p;
    size_t n, cap;
    bool fail; /* out of memory */
    bool big; /* over RENDER_MAX or too deep */
} sb;

static void
sb_put(sb *b, const char *s, size_t n)
{
    if (b->fail || b->big) {
        return;
    }
    if (b->n + n + 1 > RENDER_MAX) {
        b->big = true;
        return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1) {
            cap *= 2;
        }
        char *q = akti_cfg_realloc(b->p, cap);
        if (q == NULL) {
            b->fail = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void
sb_str(sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void
sb_indent(sb *b, int level)
{
    for (int i = 0; i < level; i++) {
        sb_put(b, "    ", 4);
    }
}

/* json_string -- as Lightbend's renderJsonString: \" \\ \n \b \f \r \t,
 * other ISO control characters (U+0000-001F, U+007F-009F) as \u00xx. */
static void
json_string(sb *b, const char *s, size_t n)
{
    sb_put(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char ubuf[8];
        size_t skip = 1;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(ubuf, sizeof ubuf, "\\u%04x", c);
                esc = ubuf;
            } else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80
                && (unsigned char)s[i + 1] <= 0x9f) {
                snprintf(ubuf, sizeof ubuf, "\\u%04x", (unsigned char)s[i + 1]);
                esc = ubuf;
                skip = 2;
            }
            break;
        }
        if (esc == NULL) {
            run++;
            continue;
        }
        sb_put(b, s + i - run, run);
        run = 0;
        sb_str(b, esc);
        i += skip - 1;
    }
    sb_put(b, s + n - run, run);
    sb_put(b, "\"", 1);
}

static bool
all_digits(const cfg_str *k)
{
    if (k->n == 0) {
        return false;
    }
    for (size_t i = 0; i < k->n; i++) {
        if (k->s[i] < '0' || k->s[i] > '9') {
            return false;
        }
    }
    return true;
}

/* Lightbend's RenderComparator. */
static int
key_cmp(const void *pa, const void *pb)
{
    const cfg_field *a = *(const cfg_field *const *)pa;
    const cfg_field *b = *(const cfg_field *const *)pb;
    bool ad = all_digits(&a->key), bd = all_digits(&b->key);
    if (ad && bd) {
        /* numeric order on arbitrary-length digit strings */
        size_t ai = 0, bi = 0;
        while (ai + 1 < a->key.n && a->key.s[ai] == '0') {
            ai++;
        }
        while (bi + 1 < b->key.n && b->key.s[bi] == '0') {
            bi++;
        }
        size_t an = a->key.n - ai, bn = b->key.n - bi;
        if (an != bn) {
            return an < bn ? -1 : 1;
        }
        int c = memcmp(a->key.s + ai, b->key.s + bi, an);
        if (c != 0) {
            return c;
        }
        return a->key.n < b->key.n ? -1 : a->key.n > b->key.n;
    }
    if (ad) {
        return -1;
    }
    if (bd) {
        return 1;
    }
    /* UTF-16 code-unit order equals byte order except for supplementary
     * characters; configuration keys rarely have any */
    size_t n = a->key.n < b->key.n ? a->key.n : b->key.n;
    int c = memcmp(a->key.s, b->key.s, n);
    if (c != 0) {
        return c;
    }
    return a->key.n < b->key.n ? -1 : a->key.n > b->key.n;
}

static const cfg_field **
sorted_fields(const cv *obj)
{
    size_t n = obj->u.obj.n;
    const cfg_field **v = akti_cfg_malloc((n ? n : 1) * sizeof *v);
    if (v == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = &obj->u.obj.f[i];
    }
    qsort(v, n, sizeof *v, key_cmp);
    return v;
}

static void
scalar(sb *b, const cv *v)
{
    switch (v->kind) {
    case CV_NULL:
        sb_str(b, "null");
        break;
    case CV_BOOL:
        sb_str(b, v->u.b ? "true" : "false");
        break;
    case CV_NUM:
        sb_put(b, v->u.num.text, v->u.num.n);
        break;
    case CV_STR:
        json_string(b, v->u.str.s, v->u.str.n);
        break;
    default:
        sb_str(b, "null");
        break;
    }
}

static void
json(sb *b, const cv *v, int depth)
{
    if (depth > RENDER_MAX_DEPTH) {
        b->big = true;
        return;
    }
    if (v->kind == CV_LIST) {
        sb_put(b, "[", 1);
        for (size_t i = 0; i < v->u.list.n && !b->fail && !b->big; i++) {
            if (i) {
                sb_put(b, ",", 1);
            }
            json(b, v->u.list.v[i], depth + 1);
        }
        sb_put(b, "]", 1);
        return;
    }
    if (v->kind != CV_OBJ) {
        scalar(b, v);
        return;
    }
    const cfg_field **f = sorted_fields(v);
    if (f == NULL) {
        b->fail = true;
        return;
    }
    sb_put(b, "{", 1);
    for (size_t i = 0; i < v->u.obj.n && !b->fail && !b->big; i++) {
        if (i) {
            sb_put(b, ",", 1);
        }
        json_string(b, f[i]->key.s, f[i]->key.n);
        sb_put(b, ":", 1);
        json(b, f[i]->val, depth + 1);
    }
    sb_put(b, "}", 1);
    akti_cfg_free(f);
}

static bool
plain_key(const cfg_str *k)
{
    if (k->n == 0) {
        return false;
    }
    for (size_t i = 0; i < k->n; i++) {
        char c = k->s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    /* keywords would read back as other types */
    return !(
        (k->n == 4
            && (memcmp(k->s, "true", 4) == 0 || memcmp(k->s, "null", 4) == 0))
        || (k->n == 5 && memcmp(k->s, "false", 5) == 0)
        || (k->n == 7 && memcmp(k->s, "include", 7) == 0));
}

static void
origin_comment(sb *b, const cv *v, int level)
{
    if (v->file == NULL || v->file[0] == '\0') {
        return;
    }
    sb_indent(b, level);
    sb_str(b, "# ");
    sb_str(b, v->file);
    if (v->line > 0) {
        char buf[24];
        snprintf(buf, sizeof buf, ":%d", v->line);
        sb_str(b, buf);
    }
    sb_put(b, "\n", 1);
}

static bool
simple_list(const cv *v)
{
    for (size_t i = 0; i < v->u.list.n; i++) {
        int k = v->u.list.v[i]->kind;
        if (k == CV_LIST || k == CV_OBJ) {
            return false;
        }
    }
    return true;
}

static void hocon_fields(
    sb *b, const cv *obj, unsigned flags, int level, int depth);

static void
hocon_value(sb *b, const cv *v, unsigned flags, int level, int depth)
{
    if (depth > RENDER_MAX_DEPTH) {
        b->big = true;
        return;
    }
    if (v->kind == CV_OBJ) {
        sb_str(b, "{\n");
        hocon_fields(b, v, flags, level + 1, depth + 1);
        sb_indent(b, level);
        sb_str(b, "}");
        return;
    }
    if (v->kind == CV_LIST) {
        if (simple_list(v)) {
            sb_put(b, "[", 1);
            for (size_t i = 0; i < v->u.list.n; i++) {
                if (i) {
                    sb_str(b, ", ");
                }
                scalar(b, v->u.list.v[i]);
            }
            sb_put(b, "]", 1);
            return;
        }
        sb_str(b, "[\n");
        for (size_t i = 0; i < v->u.list.n && !b->fail && !b->big; i++) {
            sb_indent(b, level + 1);
            hocon_value(b, v->u.list.v[i], flags, level + 1, depth + 1);
            sb_str(b, i + 1 < v->u.list.n ? ",\n" : "\n");
        }
        sb_indent(b, level);
        sb_put(b, "]", 1);
        return;
    }
    scalar(b, v);
}

static void
hocon_fields(sb *b, const cv *obj, unsigned flags, int level, int depth)
{
    const cfg_field **f = sorted_fields(obj);
    if (f == NULL) {
        b->fail = true;
        return;
    }
    for (size_t i = 0; i < obj->u.obj.n && !b->fail && !b->big; i++) {
        const cv *v = f[i]->val;
        if ((flags & AKT_CONFIG_RENDER_ORIGINS) && v->kind != CV_OBJ) {
            origin_comment(b, v, level);
        }
        sb_indent(b, level);
        if (plain_key(&f[i]->key)) {
            sb_put(b, f[i]->key.s, f[i]->key.n);
        } else {
            json_string(b, f[i]->key.s, f[i]->key.n);
        }
        sb_str(b, v->kind == CV_OBJ ? " " : " = ");
        hocon_value(b, v, flags, level, depth + 1);
        sb_put(b, "\n", 1);
    }
    akti_cfg_free(f);
}

akt_err
akti_cfg_render(const cv *root, unsigned flags, char **out)
{
    sb b = { 0 };
    if (flags & AKT_CONFIG_RENDER_JSON) {
        json(&b, root, 0);
    } else if (root->kind == CV_OBJ) {
        hocon_fields(&b, root, flags, 0, 0);
    } else {
        hocon_value(&b, root, flags, 0, 0);
        sb_put(&b, "\n", 1);
    }
    sb_put(&b, "", 0);
    if (b.fail || b.big || b.p == NULL) {
        akti_cfg_free(b.p);
        if (b.p == NULL && !b.fail && !b.big) {
            /* empty HOCON rendering of an empty object */
            char *e = akti_cfg_malloc(1);
            if (e == NULL) {
                return AKT_ENOMEM;
            }
            e[0] = '\0';
            *out = e;
            return AKT_OK;
        }
        return b.big ? AKT_ETOOBIG : AKT_ENOMEM;
    }
    *out = b.p;
    return AKT_OK;
}
