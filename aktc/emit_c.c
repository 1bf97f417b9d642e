/*
 * emit_c.c -- the C emitter: x.akt -> x.akt.h + x.akt.c.
 *
 * The fixed text lives in templates/c/{header.h,source.c}.tmpl (embedded
 * into aktc at build time, see aktc/embed_templates.cmake); this file
 * computes what varies -- struct members, default values, constructors,
 * field tables -- and fills the templates' {{holes}}. Output is
 * deterministic: same input, same bytes.
 *
 * Generated code holds only what is per type. Encoding, decoding, copying
 * and comparing are libakt's table-driven functions (runtime/src/codec/
 * table.c, akt/reflect.h), which read the field table and default value
 * each descriptor points to (AKT_TYPE_TABLE): one copy of that logic in
 * the library instead of one per message in every generated file.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aktc.h"
#include "diag.h"
#include "strbuf.h"

/* --- templates ------------------------------------------------------------ */

extern const unsigned char aktc_tmpl_header[];
extern const unsigned char aktc_tmpl_source[];

/* Find block `name` ("@@ name" line) in tmpl; returns its text span.
 * Lookups are cached: the emitter asks for the same few blocks thousands
 * of times on a big file. */
static const char *tmpl_scan(const char *tmpl, const char *name, size_t *len);

static const char *
tmpl_block(const char *tmpl, const char *name, size_t *len)
{
    static struct {
        const char *tmpl, *name, *text;
        size_t len;
    } cache[64];
    static size_t ncache;
    for (size_t i = 0; i < ncache; i++) {
        if (cache[i].tmpl == tmpl && strcmp(cache[i].name, name) == 0) {
            *len = cache[i].len;
            return cache[i].text;
        }
    }
    const char *text = tmpl_scan(tmpl, name, len);
    if (ncache < sizeof cache / sizeof cache[0]) {
        cache[ncache].tmpl = tmpl;
        cache[ncache].name = name; /* always a string literal */
        cache[ncache].text = text;
        cache[ncache].len = *len;
        ncache++;
    }
    return text;
}

static const char *
tmpl_scan(const char *tmpl, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    const char *p = tmpl;
    while (p && *p) {
        if (strncmp(p, "@@ ", 3) == 0 && strncmp(p + 3, name, nl) == 0
            && (p[3 + nl] == '\n' || p[3 + nl] == '\0')) {
            const char *start = p + 3 + nl + (p[3 + nl] == '\n');
            const char *end = start;
            while (*end
                && !(end[0] == '@' && end[1] == '@' && end[2] == ' '
                    && (end == tmpl || end[-1] == '\n'))) {
                const char *n = strchr(end, '\n');
                end = n ? n + 1 : end + strlen(end);
            }
            *len = (size_t)(end - start);
            return start;
        }
        p = strchr(p, '\n');
        if (p) {
            p++;
        }
    }
    fprintf(stderr, "aktc: internal error: no template block '%s'\n", name);
    exit(3);
}

/* tmpl -- append block `name` of tmpl to out with {{key}} replaced by the
 * values of the NULL-terminated key, value, ... list; {{a:key}} puts "a "
 * or, before a vowel, "an " in front of the value ("an Account"). */
static void
tmpl(aktc_sb *out, const unsigned char *t, const char *name, ...)
{
    size_t len;
    const char *text = tmpl_block((const char *)t, name, &len);
    const char *end = text + len;
    const char *p = text;
    while (p < end) {
        const char *open = memmem(p, (size_t)(end - p), "{{", 2);
        if (open == NULL) {
            aktc_sb_putn(out, p, (size_t)(end - p));
            break;
        }
        aktc_sb_putn(out, p, (size_t)(open - p));
        const char *close = strstr(open, "}}");
        const char *key = open + 2;
        size_t klen = (size_t)(close - open - 2);
        /* {{a:key}}: the value after its article, "a" or "an" */
        bool article = klen > 2 && strncmp(key, "a:", 2) == 0;
        if (article) {
            key += 2;
            klen -= 2;
        }
        const char *val = NULL;
        va_list ap;
        va_start(ap, name);
        for (const char *k = va_arg(ap, const char *); k;
             k = va_arg(ap, const char *)) {
            const char *v = va_arg(ap, const char *);
            if (strlen(k) == klen && strncmp(k, key, klen) == 0) {
                val = v;
                break;
            }
        }
        va_end(ap);
        if (val == NULL) {
            fprintf(stderr,
                "aktc: internal error: template '%s' needs {{%.*s}}\n", name,
                (int)klen, key);
            exit(3);
        }
        if (article) {
            aktc_sb_puts(
                out, strchr("AEIOUaeiou", val[0]) && val[0] ? "an " : "a ");
        }
        aktc_sb_puts(out, val);
        p = close + 2;
    }
}

/* --- naming and text helpers ---------------------------------------------- */

/* A C string literal for s (n bytes). */
static void
c_string(aktc_sb *b, const char *s, size_t n)
{
    aktc_sb_putn(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\':
            aktc_sb_puts(b, "\\\\");
            break;
        case '"':
            aktc_sb_puts(b, "\\\"");
            break;
        case '\n':
            aktc_sb_puts(b, "\\n");
            break;
        case '\t':
            aktc_sb_puts(b, "\\t");
            break;
        case '\r':
            aktc_sb_puts(b, "\\r");
            break;
        case '?':
            /* C11 replaces trigraphs (??= ??/ ...) before it reads escapes,
             * so no two '?' may meet in the output, escaped or not. */
            aktc_sb_puts(b, i > 0 && s[i - 1] == '?' ? "\\?" : "?");
            break;
        default:
            if (c < 0x20 || c >= 0x7f) {
                /* octal, so a following hex digit cannot join it */
                aktc_sb_printf(b, "\\%03o", c);
            } else {
                aktc_sb_putn(b, (const char *)&c, 1);
            }
        }
    }
    aktc_sb_putn(b, "\"", 1);
}

/* Doc text inside a C comment: a space splits each pair that would end
 * the comment ("*" "/"), open a nested one ("/" "*", -Wcomment), or start
 * a trigraph ("??/" at a line end splices lines). The descriptor's doc
 * string keeps the text exactly (c_string). */
static void
comment_text(aktc_sb *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        aktc_sb_putn(b, &s[i], 1);
        if (i + 1 < n
            && ((s[i] == '*' && s[i + 1] == '/')
                || (s[i] == '/' && s[i + 1] == '*')
                || (s[i] == '?' && s[i + 1] == '?'))) {
            aktc_sb_putn(b, " ", 1);
        }
    }
}

/* A doc comment block, indented, or "" when there is no doc: one line
 * when it fits, else one comment line per doc line, closed on the last. */
static char *
doc_comment(const char *doc, const char *indent)
{
    if (doc == NULL) {
        return ast_strdup("");
    }
    aktc_sb b = { 0 };
    aktc_sb_printf(&b, "%s/*", indent);
    const char *p = doc;
    bool first = true;
    while (*p || first) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!first) {
            aktc_sb_printf(&b, "\n%s *", indent);
        }
        if (n) {
            aktc_sb_puts(&b, " ");
        }
        comment_text(&b, p, n);
        first = false;
        p += n + (nl != NULL);
        if (nl == NULL) {
            break;
        }
    }
    aktc_sb_puts(&b, " */\n");
    return b.s;
}

/* --- per-kind knowledge --------------------------------------------------- */

static bool
is_msg(const ast_type *t)
{
    return t->kind == TY_NAMED && t->decl->kind == DECL_MESSAGE;
}

static bool
is_enum(const ast_type *t)
{
    return t->kind == TY_NAMED && t->decl->kind == DECL_ENUM;
}

/* The C type of one value of t (messages as struct values). */
static const char *
c_value_type(const ast_type *t)
{
    switch (t->kind) {
    case TY_BOOL:
        return "bool";
    case TY_INT8:
        return "int8_t";
    case TY_INT16:
        return "int16_t";
    case TY_INT32:
        return "int32_t";
    case TY_INT64:
        return "int64_t";
    case TY_UINT8:
        return "uint8_t";
    case TY_UINT16:
        return "uint16_t";
    case TY_UINT32:
        return "uint32_t";
    case TY_UINT64:
        return "uint64_t";
    case TY_FLOAT32:
        return "float";
    case TY_FLOAT64:
        return "double";
    case TY_STRING:
        return "akt_str";
    case TY_BYTES:
        return "akt_bytes";
    case TY_REF:
        return "akt_ref";
    case TY_NAMED:
        return t->decl->cname;
    default:
        return "?";
    }
}

static const char *
akt_kind_name(const ast_type *t)
{
    switch (t->kind) {
    case TY_BOOL:
        return "AKT_KIND_BOOL";
    case TY_INT8:
        return "AKT_KIND_INT8";
    case TY_INT16:
        return "AKT_KIND_INT16";
    case TY_INT32:
        return "AKT_KIND_INT32";
    case TY_INT64:
        return "AKT_KIND_INT64";
    case TY_UINT8:
        return "AKT_KIND_UINT8";
    case TY_UINT16:
        return "AKT_KIND_UINT16";
    case TY_UINT32:
        return "AKT_KIND_UINT32";
    case TY_UINT64:
        return "AKT_KIND_UINT64";
    case TY_FLOAT32:
        return "AKT_KIND_FLOAT32";
    case TY_FLOAT64:
        return "AKT_KIND_FLOAT64";
    case TY_STRING:
        return "AKT_KIND_STRING";
    case TY_BYTES:
        return "AKT_KIND_BYTES";
    case TY_REF:
        return "AKT_KIND_REF";
    case TY_LIST:
        return "AKT_KIND_LIST";
    case TY_MAP:
        return "AKT_KIND_MAP";
    case TY_NAMED:
        return is_enum(t) ? "AKT_KIND_ENUM" : "AKT_KIND_MESSAGE";
    }
    return "AKT_KIND_NONE";
}

/* A C literal for a default value. */
static char *
default_literal(const ast_field *f)
{
    const ast_literal *l = f->deflt;
    const ast_type *t = f->type;
    switch (t->kind) {
    case TY_BOOL:
        return ast_strdup(l->b ? "true" : "false");
    case TY_INT64:
        if (l->neg && l->u == (uint64_t)INT64_MAX + 1) {
            return ast_strdup("INT64_MIN");
        }
        return ast_printf("INT64_C(%s%" PRIu64 ")", l->neg ? "-" : "", l->u);
    case TY_INT32:
        if (l->neg && l->u == (uint64_t)INT32_MAX + 1) {
            return ast_strdup("INT32_MIN");
        }
        return ast_printf("%s%" PRIu64, l->neg ? "-" : "", l->u);
    case TY_INT8:
    case TY_INT16:
        return ast_printf("%s%" PRIu64, l->neg ? "-" : "", l->u);
    case TY_UINT64:
        return ast_printf("UINT64_C(%" PRIu64 ")", l->u);
    case TY_UINT8:
    case TY_UINT16:
    case TY_UINT32:
        return ast_printf("%" PRIu64 "u", l->u);
    case TY_FLOAT32:
    case TY_FLOAT64: {
        /* the value the field's type holds, written so that it reads back
         * exactly (sema rejected literals that overflow or round to 0) */
        char buf[64];
        if (t->kind == TY_FLOAT32) {
            float v = l->kind == LIT_INT ? (l->neg ? -(float)l->u : (float)l->u)
                                         : strtof(l->text, NULL);
            snprintf(buf, sizeof buf, "%.9g", (double)v);
        } else {
            double v = l->kind == LIT_INT
                ? (l->neg ? -(double)l->u : (double)l->u)
                : l->d;
            snprintf(buf, sizeof buf, "%.17g", v);
        }
        if (!strpbrk(buf, ".eEn")) {
            strcat(buf, ".0");
        }
        return ast_printf("%s%s", buf, t->kind == TY_FLOAT32 ? "f" : "");
    }
    case TY_STRING: {
        aktc_sb b = { 0 };
        aktc_sb_puts(&b, "{");
        c_string(&b, l->s, l->slen);
        aktc_sb_printf(&b, ", %zu}", l->slen);
        return b.s;
    }
    case TY_NAMED:
        for (ast_enumval *v = t->decl->values; v; v = v->next) {
            if (strcmp(v->name, l->text) == 0) {
                return ast_strdup(v->macro);
            }
        }
        break;
    default:
        break;
    }
    return ast_strdup("0");
}

/* --- messages ------------------------------------------------------------- */

/* The struct: one line per member, with its one-line doc comment (and
 * "deprecated") in a comment beside it; a longer doc goes above the
 * member. Field numbers are in the .akt and the field table. */
static void
emit_struct(aktc_sb *h, const ast_decl *d)
{
    aktc_sb m = { 0 };
    if (d->fields == NULL) {
        aktc_sb_puts(&m, "    char empty_; /* C has no empty structs */\n");
    }
    for (const ast_field *f = d->fields; f; f = f->next) {
        const ast_type *t = f->type;
        aktc_sb decl = { 0 };
        if (t->kind == TY_LIST) {
            aktc_sb_printf(&decl, "    AKT_LIST_OF(%s) %s;",
                c_value_type(t->elem), f->name);
        } else if (t->kind == TY_MAP) {
            aktc_sb_printf(&decl, "    AKT_MAP_OF(%s, %s) %s;",
                c_value_type(t->key), c_value_type(t->elem), f->name);
        } else if (is_msg(t)) {
            aktc_sb_printf(&decl, "    %s *%s;", t->decl->cname, f->name);
        } else {
            aktc_sb_printf(&decl, "    %s %s;", c_value_type(t), f->name);
        }
        bool inline_doc = f->doc != NULL && strchr(f->doc, '\n') == NULL
            && decl.len + strlen(f->doc) + 18 <= 100;
        if (f->doc != NULL && !inline_doc) {
            char *doc = doc_comment(f->doc, "    ");
            aktc_sb_puts(&m, doc);
            free(doc);
        }
        if (f->optional && !is_msg(t)) {
            aktc_sb_printf(&m, "    bool has_%s;\n", f->name);
        }
        aktc_sb_puts(&m, aktc_sb_str(&decl));
        if (inline_doc || f->deprecated) {
            aktc_sb_printf(&m, " /* %s%s", f->deprecated ? "deprecated" : "",
                f->deprecated && inline_doc ? ": " : "");
            if (inline_doc) {
                comment_text(&m, f->doc, strlen(f->doc));
            }
            aktc_sb_puts(&m, " */");
        }
        aktc_sb_puts(&m, "\n");
        aktc_sb_free(&decl);
    }
    char *doc = doc_comment(d->doc, "");
    tmpl(h, aktc_tmpl_header, "struct", "doc", doc, "cname", d->cname,
        "members", aktc_sb_str(&m), NULL);
    free(doc);
    aktc_sb_free(&m);
}

/* Fields that the constructor takes: non-optional scalars, strings, bytes,
 * enums and refs, in declaration order. */
static bool
ctor_param(const ast_field *f)
{
    ast_tkind k = f->type->kind;
    return !f->optional
        && (ast_is_scalar(k) || k == TY_STRING || k == TY_BYTES || k == TY_REF
            || is_enum(f->type));
}

/* The constructor's parameters and body: the size of each string (one
 * strlen, akt_cstr_size), one akt_msg_new with arena for the strings and
 * bytes, which akt_msg_put_cstr / _bytes copy in (AKT_NEW, AKT_PUT_CSTR,
 * AKT_PUT_BYTES of akt/akt_gen.h), then the plain fields. */
static void
emit_ctor(aktc_sb *params, aktc_sb *body, const ast_decl *d)
{
    bool any = false;
    aktc_sb sizes = { 0 }, hint = { 0 }, puts = { 0 }, sets = { 0 };
    for (const ast_field *f = d->fields; f; f = f->next) {
        if (!ctor_param(f)) {
            continue;
        }
        if (any) {
            aktc_sb_puts(params, ", ");
        }
        any = true;
        if (f->type->kind == TY_STRING) {
            aktc_sb_printf(params, "const char *%s", f->name);
            /* locals end in '_', which no IDL name does */
            aktc_sb_printf(&sizes, "    size_t %s_n_ = akt_cstr_size(%s);\n",
                f->name, f->name);
            aktc_sb_printf(&hint, " + %s_n_", f->name);
            aktc_sb_printf(
                &puts, " || AKT_PUT_CSTR(%s, %s_n_)", f->name, f->name);
        } else if (f->type->kind == TY_BYTES) {
            aktc_sb_printf(params, "akt_bytes %s", f->name);
            aktc_sb_printf(&hint, " + %s.len", f->name);
            aktc_sb_printf(&puts, " || AKT_PUT_BYTES(%s)", f->name);
        } else {
            aktc_sb_printf(params, "%s %s", c_value_type(f->type), f->name);
            aktc_sb_printf(&sets, "    m_->%s = %s;\n", f->name, f->name);
        }
    }
    if (!any) {
        aktc_sb_puts(params, "void");
    }
    aktc_sb_printf(body, "%s    AKT_NEW(%s, %s, %s, %s);\n",
        aktc_sb_str(&sizes), d->cname, d->snake,
        hint.len ? aktc_sb_str(&hint) + 3 : "0",
        puts.len ? aktc_sb_str(&puts) + 4 : "0");
    aktc_sb_printf(body, "%s    return m_;\n", aktc_sb_str(&sets));
    aktc_sb_free(&sizes);
    aktc_sb_free(&hint);
    aktc_sb_free(&puts);
    aktc_sb_free(&sets);
}

/* The default value's initializer, on one line: the members that are not
 * zero by name ({.name = {"x", 1}, .kind = PKG_KIND_B}); when all are,
 * one member named all the same (an empty initializer is not C11). */
static void
emit_defaults(aktc_sb *b, const ast_decl *d)
{
    bool any = false;
    aktc_sb_puts(b, "{");
    for (const ast_field *f = d->fields; f; f = f->next) {
        char *v = NULL;
        if (f->deflt) {
            v = default_literal(f);
        } else if (!f->optional && is_enum(f->type) && f->type->decl->values
            && f->type->decl->values->value != 0) {
            v = ast_strdup(f->type->decl->values->macro);
        }
        if (v) {
            aktc_sb_printf(b, "%s.%s = %s", any ? ", " : "", f->name, v);
            free(v);
            any = true;
        }
    }
    if (any) {
        aktc_sb_puts(b, "}");
        return;
    }
    const ast_field *f = d->fields;
    if (f == NULL) {
        aktc_sb_puts(b, ".empty_ = 0}");
        return;
    }
    const ast_type *t = f->type;
    const char *zero = "0";
    if (f->optional && !is_msg(t)) {
        aktc_sb_printf(b, ".has_%s = false}", f->name);
        return;
    }
    if (t->kind == TY_LIST || t->kind == TY_STRING || t->kind == TY_BYTES
        || t->kind == TY_REF) {
        zero = "{NULL, 0}";
    } else if (t->kind == TY_MAP) {
        zero = "{NULL, NULL, 0}";
    } else if (is_msg(t)) {
        zero = "NULL";
    } else if (t->kind == TY_BOOL) {
        zero = "false";
    }
    aktc_sb_printf(b, ".%s = %s}", f->name, zero);
}

/* An akt_kind without its AKT_KIND_ prefix, for the row macros. */
static const char *
kind_token(const ast_type *t)
{
    return akt_kind_name(t) + strlen("AKT_KIND_");
}

/* The field table: one row per field, in declaration order (the order
 * the encoder writes them), through akt/akt_gen.h's row macros over
 * AKT_T, each row in braces: AKT_F (plain), AKT_FO (optional with has_),
 * AKT_FL (list), AKT_FMAP, AKT_FE (enum), AKT_FM / AKT_FMO (message), and
 * for any other shape AKT_FX(...) and what the kind needs. elem_size stays 0
 * (the runtime derives it). Doc comments stay in the header; with docs (aktc
 * --c_docs) the rows carry them too. */
static void
emit_fields_table(aktc_sb *b, const ast_decl *d, bool docs, unsigned *nfields)
{
    *nfields = 0;
    if (d->fields == NULL) {
        return;
    }
    aktc_sb_puts(b, "AKT_FIELDS {\n");
    for (const ast_field *f = d->fields; f; f = f->next) {
        const ast_type *t = f->type;
        (*nfields)++;
        bool has = f->optional && !is_msg(t);
        const ast_type *named = t;
        if (t->kind == TY_LIST || t->kind == TY_MAP) {
            named = t->elem;
        }
        aktc_sb_puts(b, "{"); /* no indent: a row a line, 4 bytes less */
        if (f->deprecated || (named->kind == TY_NAMED && has)
            || (named != t && named->kind == TY_NAMED)
            || ((t->kind == TY_LIST || t->kind == TY_MAP) && f->optional)) {
            /* the general form: the flags, then what the kind needs */
            aktc_sb_printf(b, "AKT_FX(%s, %" PRIu64 ", %s, ", f->name,
                f->number, kind_token(t));
            if (f->optional || f->deprecated) {
                aktc_sb_printf(b, "%s%s%s",
                    f->optional ? "AKT_FIELD_OPTIONAL" : "",
                    f->optional && f->deprecated ? " | " : "",
                    f->deprecated ? "AKT_FIELD_DEPRECATED" : "");
            } else {
                aktc_sb_puts(b, "0");
            }
            aktc_sb_puts(b, ")");
            if (has) {
                aktc_sb_printf(b, ", AKT_HAS(%s)", f->name);
            }
            if (t->kind == TY_LIST || t->kind == TY_MAP) {
                aktc_sb_printf(b, ", AKT_EK(%s)", kind_token(t->elem));
                if (t->kind == TY_MAP) {
                    aktc_sb_printf(b, ", AKT_KK(%s)", kind_token(t->key));
                }
            }
            if (named->kind == TY_NAMED) {
                aktc_sb_printf(b, ", %s(%s)",
                    is_enum(named) ? "AKT_ET" : "AKT_MT", named->decl->snake);
            }
        } else if (t->kind == TY_LIST) {
            aktc_sb_printf(b, "AKT_FL(%s, %" PRIu64 ", %s)", f->name, f->number,
                kind_token(t->elem));
        } else if (t->kind == TY_MAP) {
            aktc_sb_printf(b, "AKT_FMAP(%s, %" PRIu64 ", %s, %s)", f->name,
                f->number, kind_token(t->key), kind_token(t->elem));
        } else if (t->kind == TY_NAMED) {
            aktc_sb_printf(b, "%s(%s, %" PRIu64 ", %s)",
                is_enum(t)        ? "AKT_FE"
                    : f->optional ? "AKT_FMO"
                                  : "AKT_FM",
                f->name, f->number, t->decl->snake);
        } else {
            aktc_sb_printf(b, "%s(%s, %" PRIu64 ", %s)",
                has ? "AKT_FO" : "AKT_F", f->name, f->number, kind_token(t));
        }
        if (docs && f->doc != NULL) {
            aktc_sb_puts(b, ", .doc = ");
            c_string(b, f->doc, strlen(f->doc));
        }
        aktc_sb_puts(b, "},\n");
    }
    aktc_sb_puts(b, "};\n");
}

/* The default value, the field table and the descriptor, over AKT_MSG
 * (a message without a doc string), AKT_DESC or AKT_DESC0 (no fields) of
 * akt/akt_gen.h; all in the descriptors part. */
static void
emit_message_code(aktc_sb *cdesc, const ast_decl *d, bool docs)
{
    aktc_sb defaults = { 0 };
    emit_defaults(&defaults, d);
    aktc_sb fields = { 0 };
    unsigned nfields;
    emit_fields_table(&fields, d, docs, &nfields);
    char id[32];
    snprintf(id, sizeof id, "0x%016" PRIx64, d->type_id);
    aktc_sb desc = { 0 };
    if (!d->is_state && nfields && !(docs && d->doc != NULL)) {
        aktc_sb_printf(&desc, "AKT_MSG(%s, \"%s\", %s, %s);\n", d->snake,
            d->qname, id, aktc_sb_str(&defaults));
    } else {
        aktc_sb_printf(&desc, "%s(%s, \"%s\", %s, %s, ",
            nfields ? "AKT_DESC" : "AKT_DESC0", d->snake, d->qname, id,
            d->is_state ? "STATE" : "MESSAGE");
        if (docs && d->doc != NULL) {
            c_string(&desc, d->doc, strlen(d->doc));
        } else {
            aktc_sb_puts(&desc, "NULL");
        }
        aktc_sb_printf(&desc, ", %s);\n", aktc_sb_str(&defaults));
    }
    tmpl(cdesc, aktc_tmpl_source, "message_desc", "fields",
        aktc_sb_str(&fields), "cname", d->cname, "desc", aktc_sb_str(&desc),
        NULL);
    aktc_sb_free(&desc);
    aktc_sb_free(&fields);
    aktc_sb_free(&defaults);
}

static void
emit_header_message(aktc_sb *h, aktc_sb *hdesc, const ast_decl *d)
{
    emit_struct(h, d);
    char id[32];
    snprintf(id, sizeof id, "0x%016" PRIx64, d->type_id);
    if (d->is_state) {
        /* no constructors or wrappers: the descriptor with the others */
        tmpl(hdesc, aktc_tmpl_header, "message_desc", "qname", d->qname, "id",
            id, "snake", d->snake, "cname", d->cname, NULL);
        return;
    }
    aktc_sb params = { 0 }, body = { 0 };
    emit_ctor(&params, &body, d);
    tmpl(h, aktc_tmpl_header, "message_api", "cname", d->cname, "snake",
        d->snake, "params", aktc_sb_str(&params), "new_body",
        aktc_sb_str(&body), NULL);
    aktc_sb_free(&params);
    aktc_sb_free(&body);
}

/* --- enums ---------------------------------------------------------------- */

static void
emit_enum(aktc_sb *h, aktc_sb *hdesc, aktc_sb *cdesc, const ast_decl *d)
{
    aktc_sb vals = { 0 }, table = { 0 }, cases = { 0 };
    unsigned n = 0;
    for (const ast_enumval *v = d->values; v; v = v->next) {
        char *doc = doc_comment(v->doc, "    ");
        aktc_sb_printf(
            &vals, "%s    %s = %" PRId64 ",\n", doc, v->macro, v->value);
        free(doc);
        aktc_sb_printf(&table, "    {\"%s\", %s},\n", v->name, v->macro);
        aktc_sb_printf(&cases, "    case %s:\n        return \"%s\";\n",
            v->macro, v->name);
        n++;
    }
    char *doc = doc_comment(d->doc, "");
    tmpl(h, aktc_tmpl_header, "enum", "doc", doc, "cname", d->cname, "values",
        aktc_sb_str(&vals), NULL);
    free(doc);
    tmpl(hdesc, aktc_tmpl_header, "enum_desc", "snake", d->snake, "cname",
        d->cname, "first", d->values ? d->values->name : "", NULL);
    char nv[16];
    snprintf(nv, sizeof nv, "%u", n);
    tmpl(cdesc, aktc_tmpl_source, "enum_desc", "snake", d->snake, "qname",
        d->qname, "values", aktc_sb_str(&table), "nvalues", nv, "cname",
        d->cname, "cases", aktc_sb_str(&cases), NULL);
    aktc_sb_free(&vals);
    aktc_sb_free(&table);
    aktc_sb_free(&cases);
}

/* --- actors --------------------------------------------------------------- */

static void
emit_actor(aktc_sb *h, aktc_sb *c, const ast_decl *a)
{
    const ast_decl *st = a->state;
    /* header: state struct, handler table, props, typed wrappers */
    emit_struct(h, st);
    aktc_sb members = { 0 };
    for (const ast_handler *hd = a->handlers; hd; hd = hd->next) {
        /* a comment only for what the member's name does not say */
        aktc_sb doc = { 0 };
        if (hd->doc || hd->reply) {
            aktc_sb_printf(&doc, "%s%s%s", hd->msg_decl->name,
                hd->doc ? ": " : ".", hd->doc ? hd->doc : "");
        }
        if (hd->reply) {
            aktc_sb_printf(&doc,
                "%sReply with %s_reply_%s() or akt_reply_error().",
                hd->doc ? "\n" : " ", a->snake, hd->snake);
        }
        char *dc = doc_comment(doc.s, "    ");
        aktc_sb_printf(&members,
            "%s    akt_err (*on_%s)(%s *state, akt_ctx *ctx, const %s *msg);\n",
            dc, hd->snake, st->cname, hd->msg_decl->cname);
        free(dc);
        aktc_sb_free(&doc);
    }
    aktc_sb text = { 0 };
    if (a->doc) {
        aktc_sb_printf(&text, "%s\n\n", a->doc);
    }
    aktc_sb_printf(&text,
        "The handlers of actor %s: fill in the ones you need and spawn\nwith "
        "%s_props().",
        a->name, a->snake);
    char *doc = doc_comment(text.s, "");
    aktc_sb fulldoc = { 0 };
    aktc_sb_puts(&fulldoc, doc);
    aktc_sb_free(&text);
    tmpl(h, aktc_tmpl_header, "actor_ref", "cname", a->cname, "snake", a->snake,
        "name", a->name, NULL);
    tmpl(h, aktc_tmpl_header, "actor", "doc", aktc_sb_str(&fulldoc), "cname",
        a->cname, "state", st->cname, "handler_members", aktc_sb_str(&members),
        "snake", a->snake, "name", a->name, NULL);
    tmpl(h, aktc_tmpl_header, "spawn", "snake", a->snake, "cname", a->cname,
        "name", a->name, NULL);
    free(doc);
    aktc_sb_free(&fulldoc);
    aktc_sb_free(&members);
    for (const ast_handler *hd = a->handlers; hd; hd = hd->next) {
        tmpl(h, aktc_tmpl_header, "tell", "snake", a->snake, "h", hd->snake,
            "msg", hd->msg_decl->name, "name", a->name, "msg_c",
            hd->msg_decl->cname, "cname", a->cname, NULL);
        if (hd->reply) {
            tmpl(h, aktc_tmpl_header, "ask", "snake", a->snake, "h", hd->snake,
                "name", a->name, "msg", hd->msg_decl->name, "reply",
                hd->reply_decl->name, "msg_c", hd->msg_decl->cname, "reply_c",
                hd->reply_decl->cname, "cname", a->cname, "reply_snake",
                hd->reply_decl->snake, "reply_call", "akt_reply", NULL);
        }
    }
    /* source: state init, trampolines, waits, behaviour, props */
    tmpl(c, aktc_tmpl_source, "actor_begin", "qname", a->qname, "snake",
        a->snake, "state", st->cname, "state_snake", st->snake, NULL);
    unsigned n = 0;
    aktc_sb table = { 0 };
    for (const ast_handler *hd = a->handlers; hd; hd = hd->next) {
        tmpl(c, aktc_tmpl_source, "trampoline", "snake", a->snake, "h",
            hd->snake, "cname", a->cname, "qname", a->qname, NULL);
        aktc_sb_printf(&table, "    {&%s_desc, %s_on_%s},\n",
            hd->msg_decl->snake, a->snake, hd->snake);
        n++;
    }
    aktc_sb tdef = { 0 };
    if (n) {
        aktc_sb_printf(&tdef,
            "static const akt_handler %s_handlers[] = {\n%s};\n", a->snake,
            aktc_sb_str(&table));
    }
    char *href = n ? ast_printf("%s_handlers", a->snake) : ast_strdup("NULL");
    char nh[16];
    snprintf(nh, sizeof nh, "%u", n);
    tmpl(c, aktc_tmpl_source, "actor_end", "snake", a->snake, "cname", a->cname,
        "handler_table", aktc_sb_str(&tdef), "qname", a->qname, "handlers_ref",
        href, "nhandlers", nh, "state", st->cname, NULL);
    free(href);
    aktc_sb_free(&table);
    aktc_sb_free(&tdef);
}

/* --- fsm actors ------------------------------------------------------------
 */

/* The source text of a transition line, for comments and failure texts:
 * "on Open -> Opened", "timeout 30s -> Closed". */
static char *
fsm_line_text(const ast_fsm_trans *t)
{
    if (t->is_timeout) {
        static const struct {
            const char *unit;
            int64_t ns;
        } units[] = { { "h", INT64_C(3600000000000) },
            { "m", INT64_C(60000000000) }, { "s", INT64_C(1000000000) },
            { "ms", INT64_C(1000000) }, { "us", INT64_C(1000) }, { "ns", 1 } };
        size_t i = 0;
        while (t->timeout_ns % units[i].ns != 0) {
            i++;
        }
        return ast_printf("timeout %lld%s -> %s",
            (long long)(t->timeout_ns / units[i].ns), units[i].unit, t->target);
    }
    return t->target ? ast_printf("on %s -> %s", t->msg, t->target)
                     : ast_printf("on %s", t->msg);
}

/* emit_fsm_actor -- an actor with an fsm block: the state enum, a handler
 * table with one struct per state, typed goto helpers and tells in the
 * header; trampolines, per-state tables and akt_fsm_defs over akt/fsm.h in
 * the source. */
static void
emit_fsm_actor(aktc_sb *h, aktc_sb *c, const ast_decl *a)
{
    const ast_decl *st = a->state;
    const ast_fsm *m = a->fsm;
    char nst[16];
    snprintf(nst, sizeof nst, "%d", m->nstates);
    emit_struct(h, st);
    /* the enum */
    aktc_sb values = { 0 };
    for (const ast_fsm_state *s = m->states; s; s = s->next) {
        char *dc = s->doc ? doc_comment(s->doc, "    ") : ast_strdup("");
        aktc_sb_printf(&values, "%s    %s = %d,%s\n", dc, s->macro, s->index,
            s == m->initial_state ? " /* initial */" : "");
        free(dc);
    }
    tmpl(h, aktc_tmpl_header, "fsm_enum", "name", a->name, "cname", a->cname,
        "values", aktc_sb_str(&values), NULL);
    aktc_sb_free(&values);
    /* the handler table: one struct per state */
    aktc_sb members = { 0 };
    for (const ast_fsm_state *s = m->states; s; s = s->next) {
        aktc_sb sdoc = { 0 };
        aktc_sb_printf(&sdoc, "State %s%s%s%s", s->name,
            s == m->initial_state ? " (initial)" : "", s->doc ? ": " : ".",
            s->doc ? s->doc : "");
        char *dc = doc_comment(aktc_sb_str(&sdoc), "    ");
        aktc_sb_printf(&members, "%s    struct {\n", dc);
        free(dc);
        aktc_sb_free(&sdoc);
        for (const ast_fsm_trans *t = s->trans; t; t = t->next) {
            char *line = fsm_line_text(t);
            aktc_sb tdoc = { 0 };
            aktc_sb_printf(&tdoc, "%s%s%s\n", line, t->doc ? ": " : ".",
                t->doc ? t->doc : "");
            if (t->target) {
                aktc_sb_printf(&tdoc,
                    "Goes to %s unless the handler calls %s_stay()\nor "
                    "%s_stop(); NULL: just goes.",
                    t->target, a->snake, a->snake);
            } else {
                aktc_sb_printf(&tdoc,
                    "Stays unless the handler calls %s_stop().", a->snake);
            }
            char *tdc = doc_comment(aktc_sb_str(&tdoc), "        ");
            if (t->is_timeout) {
                aktc_sb_printf(&members,
                    "%s        akt_err (*on_timeout)(%s *state, akt_ctx "
                    "*ctx);\n",
                    tdc, st->cname);
            } else {
                aktc_sb_printf(&members,
                    "%s        akt_err (*on_%s)(%s *state, akt_ctx *ctx,\n"
                    "            const %s *msg);\n",
                    tdc, t->snake, st->cname, t->msg_decl->cname);
            }
            free(tdc);
            free(line);
            aktc_sb_free(&tdoc);
        }
        aktc_sb_printf(&members,
            "        /* Entering %s; from is the state left (-1: the actor "
            "starts). */\n"
            "        void (*on_enter)(%s *state, akt_ctx *ctx, int from);\n"
            "        /* Leaving %s for state to. */\n"
            "        void (*on_exit)(%s *state, akt_ctx *ctx,\n"
            "            %sFsmState to);\n"
            "    } %s;\n\n",
            s->name, st->cname, s->name, st->cname, a->cname, s->snake);
    }
    aktc_sb text = { 0 };
    if (a->doc) {
        aktc_sb_printf(&text, "%s\n\n", a->doc);
    }
    aktc_sb_printf(&text,
        "The handlers of actor %s's fsm, one struct per state: fill in\nthe "
        "ones you need and spawn with %s_props(). Every member may\nbe NULL.",
        a->name, a->snake);
    char *doc = doc_comment(text.s, "");
    aktc_sb_free(&text);
    const char *initial = m->initial_state->name;
    tmpl(h, aktc_tmpl_header, "actor_ref", "cname", a->cname, "snake", a->snake,
        "name", a->name, NULL);
    tmpl(h, aktc_tmpl_header, "fsm_actor", "doc", doc, "cname", a->cname,
        "state", st->cname, "state_members", aktc_sb_str(&members), "snake",
        a->snake, "name", a->name, "initial", initial, NULL);
    tmpl(h, aktc_tmpl_header, "spawn", "snake", a->snake, "cname", a->cname,
        "name", a->name, NULL);
    free(doc);
    aktc_sb_free(&members);
    for (const ast_fsm_state *s = m->states; s; s = s->next) {
        tmpl(h, aktc_tmpl_header, "fsm_goto", "snake", a->snake, "name",
            a->name, "st", s->snake, "state_name", s->name, "macro", s->macro,
            NULL);
    }
    /* one tell per message some state handles, in order of first use */
    for (const ast_fsm_state *s = m->states; s; s = s->next) {
        for (const ast_fsm_trans *t = s->trans; t; t = t->next) {
            if (t->is_timeout) {
                continue;
            }
            bool seen = false;
            for (const ast_fsm_state *s2 = m->states; s2 && !seen;
                 s2 = s2->next) {
                for (const ast_fsm_trans *t2 = s2->trans; t2; t2 = t2->next) {
                    if (t2 == t) {
                        break;
                    }
                    if (!t2->is_timeout && t2->msg_decl == t->msg_decl) {
                        seen = true;
                        break;
                    }
                }
                if (s2 == s) {
                    break;
                }
            }
            if (!seen) {
                tmpl(h, aktc_tmpl_header, "tell", "snake", a->snake, "h",
                    t->snake, "msg", t->msg_decl->name, "name", a->name,
                    "msg_c", t->msg_decl->cname, "cname", a->cname, NULL);
            }
        }
    }
    /* source */
    aktc_sb names = { 0 };
    for (const ast_fsm_state *s = m->states; s; s = s->next) {
        aktc_sb_printf(&names, "    \"%s\",\n", s->name);
    }
    tmpl(c, aktc_tmpl_source, "fsm_begin", "qname", a->qname, "name", a->name,
        "snake", a->snake, "cname", a->cname, "state", st->cname, "state_snake",
        st->snake, "names", aktc_sb_str(&names), "nstates", nst, NULL);
    aktc_sb_free(&names);
    aktc_sb states = { 0 };
    for (const ast_fsm_state *s = m->states; s; s = s->next) {
        aktc_sb table = { 0 };
        unsigned n = 0;
        for (const ast_fsm_trans *t = s->trans; t; t = t->next) {
            char *line = fsm_line_text(t);
            const char *target
                = t->target_state ? t->target_state->macro : "-1";
            if (t->is_timeout) {
                tmpl(c, aktc_tmpl_source, "fsm_timeout", "snake", a->snake,
                    "st", s->snake, "target", target, "line", line, "cname",
                    a->cname, NULL);
                aktc_sb_printf(&table,
                    "    {&akt_state_timeout_type, %s_%s_on_timeout},\n",
                    a->snake, s->snake);
            } else {
                char *pre = t->target_state
                    ? ast_printf("    (void)akt_fsm_goto(ctx, %s);\n", target)
                    : ast_strdup("");
                tmpl(c, aktc_tmpl_source, "fsm_on", "snake", a->snake, "st",
                    s->snake, "h", t->snake, "pre", pre, "allowed", target,
                    "line", line, "cname", a->cname, NULL);
                free(pre);
                aktc_sb_printf(&table, "    {&%s_desc, %s_%s_on_%s},\n",
                    t->msg_decl->snake, a->snake, s->snake, t->snake);
            }
            free(line);
            n++;
        }
        aktc_sb tdef = { 0 };
        if (n) {
            aktc_sb_printf(&tdef,
                "static const akt_handler %s_%s_handlers[] = {\n%s};\n",
                a->snake, s->snake, aktc_sb_str(&table));
        }
        tmpl(c, aktc_tmpl_source, "fsm_state", "snake", a->snake, "st",
            s->snake, "cname", a->cname, "table", aktc_sb_str(&tdef), NULL);
        aktc_sb_printf(&states, "    [%s] = {\n        .name = \"%s\",\n",
            s->macro, s->name);
        if (n) {
            aktc_sb_printf(&states,
                "        .handlers = %s_%s_handlers,\n        .nhandlers = "
                "%u,\n",
                a->snake, s->snake, n);
        }
        aktc_sb_printf(&states,
            "        .on_enter = %s_%s_enter,\n        .on_exit = "
            "%s_%s_exit,\n",
            a->snake, s->snake, a->snake, s->snake);
        if (s->timeout) {
            aktc_sb_printf(&states, "        .timeout_ns = INT64_C(%lld),\n",
                (long long)s->timeout->timeout_ns);
        }
        aktc_sb_puts(&states, "    },\n");
        aktc_sb_free(&table);
        aktc_sb_free(&tdef);
    }
    static const char *const policies[]
        = { "AKT_FSM_UNHANDLED_LOG", "AKT_FSM_UNHANDLED_DEAD_LETTER",
              "AKT_FSM_UNHANDLED_FAIL", "AKT_FSM_UNHANDLED_IGNORE" };
    aktc_sb defs = { 0 };
    for (size_t i = 0; i < 4; i++) {
        aktc_sb_printf(&defs,
            "    [%s] = {\n"
            "        .name = \"%s\",\n"
            "        .states = %s_fsm_states,\n"
            "        .nstates = %d,\n"
            "        .initial = %s,\n"
            "        .unhandled = %s,\n"
            "        .on_transition = %s_fsm_transition,\n"
            "        .on_start = %s_fsm_on_start,\n"
            "        .on_stop = %s_fsm_on_stop,\n"
            "    },\n",
            policies[i], a->qname, a->snake, m->nstates,
            m->initial_state->macro, policies[i], a->snake, a->snake, a->snake);
    }
    tmpl(c, aktc_tmpl_source, "fsm_end", "snake", a->snake, "cname", a->cname,
        "states", aktc_sb_str(&states), "defs", aktc_sb_str(&defs), "qname",
        a->qname, "state", st->cname, NULL);
    aktc_sb_free(&states);
    aktc_sb_free(&defs);
}

/* --- persistent actors ---------------------------------------------------- */

/* emit_persistent_actor -- a `persistent actor`: the handler table
 * (commands, one apply_<event> per event, snapshot and recovery hooks),
 * typed persist / persist_async per event, persist_all, save_snapshot and
 * the command wrappers in the header; in the source the trampolines and
 * an akt_persistent_def over akt/persistence.h that lists the event and
 * snapshot types. */
static void
emit_persistent_actor(aktc_sb *h, aktc_sb *c, const ast_decl *a)
{
    const ast_decl *st = a->state;
    const ast_decl *snap = a->snapshot_decl;
    emit_struct(h, st);
    aktc_sb cmds = { 0 }, applies = { 0 }, snapm = { 0 }, req = { 0 },
            reqdoc = { 0 };
    for (const ast_handler *hd = a->handlers; hd; hd = hd->next) {
        aktc_sb doc = { 0 };
        aktc_sb_printf(&doc, "%s%s%s", hd->msg_decl->name, hd->doc ? ": " : ".",
            hd->doc ? hd->doc : "");
        if (hd->reply) {
            aktc_sb_printf(&doc,
                "%sReply with %s_reply_%s() (also from a persist\ncallback) "
                "or akt_persistent_reply_error_text().",
                hd->doc ? "\n" : " ", a->snake, hd->snake);
        }
        char *dc = doc_comment(doc.s, "    ");
        aktc_sb_printf(&cmds,
            "%s    akt_err (*on_%s)(%s *state, akt_ctx *ctx,\n        const %s "
            "*msg);\n",
            dc, hd->snake, st->cname, hd->msg_decl->cname);
        free(dc);
        aktc_sb_free(&doc);
    }
    for (const ast_handler *e = a->events; e; e = e->next) {
        const char *edoc = e->msg_decl->doc;
        if (edoc) {
            char *dc = doc_comment(edoc, "    ");
            aktc_sb_puts(&applies, dc);
            free(dc);
        }
        aktc_sb_printf(&applies,
            "    void (*apply_%s)(%s *state, const %s *event);\n", e->snake,
            st->cname, e->msg_decl->cname);
        aktc_sb_printf(&req, "\n        || h->apply_%s == NULL", e->snake);
        aktc_sb_printf(&reqdoc, "%sapply_%s", reqdoc.len ? ", " : "", e->snake);
    }
    if (snap) {
        tmpl(&snapm, aktc_tmpl_header, "persistent_snapshot_members", "snap",
            snap->name, "snap_c", snap->cname, "state", st->cname, NULL);
        aktc_sb_puts(&req, "\n        || h->snapshot_offer == NULL");
        aktc_sb_puts(&reqdoc, ", snapshot_offer");
    }
    aktc_sb text = { 0 };
    if (a->doc) {
        aktc_sb_printf(&text, "%s\n\n", a->doc);
    }
    aktc_sb_printf(&text,
        "The handlers of persistent actor %s: fill in the ones you\nneed and "
        "spawn with %s_props().",
        a->name, a->snake);
    char *doc = doc_comment(text.s, "");
    aktc_sb_free(&text);
    tmpl(h, aktc_tmpl_header, "actor_ref", "cname", a->cname, "snake", a->snake,
        "name", a->name, NULL);
    char *snap_doc = snap
        ? ast_printf(": the youngest %s, then the events after it", snap->name)
        : ast_strdup(": every stored event through apply");
    tmpl(h, aktc_tmpl_header, "persistent_actor", "doc", doc, "cname", a->cname,
        "state", st->cname, "command_members", aktc_sb_str(&cmds),
        "apply_members", aktc_sb_str(&applies), "snapshot_members",
        aktc_sb_str(&snapm), "snake", a->snake, "name", a->name, "qname",
        a->qname, "snap_doc", snap_doc, "required_doc", aktc_sb_str(&reqdoc),
        NULL);
    free(snap_doc);
    free(doc);
    for (const ast_handler *e = a->events; e; e = e->next) {
        const char *last = strrchr(e->msg, '.');
        const char *bare = last ? last + 1 : e->msg;
        tmpl(h, aktc_tmpl_header, "persistent_event", "cname", a->cname, "ev",
            bare, "snake", a->snake, "e", e->snake, "state", st->cname, "ev_c",
            e->msg_decl->cname, "name", a->name, NULL);
    }
    if (snap) {
        tmpl(h, aktc_tmpl_header, "persistent_snapshot", "snake", a->snake,
            "name", a->name, "snap_c", snap->cname, NULL);
    }
    for (const ast_handler *hd = a->handlers; hd; hd = hd->next) {
        tmpl(h, aktc_tmpl_header, "tell", "snake", a->snake, "h", hd->snake,
            "msg", hd->msg_decl->name, "name", a->name, "msg_c",
            hd->msg_decl->cname, "cname", a->cname, NULL);
        if (hd->reply) {
            tmpl(h, aktc_tmpl_header, "ask", "snake", a->snake, "h", hd->snake,
                "name", a->name, "msg", hd->msg_decl->name, "reply",
                hd->reply_decl->name, "msg_c", hd->msg_decl->cname, "reply_c",
                hd->reply_decl->cname, "cname", a->cname, "reply_snake",
                hd->reply_decl->snake, "reply_call", "akt_persistent_reply",
                NULL);
        }
    }
    /* source */
    tmpl(c, aktc_tmpl_source, "persistent_begin", "qname", a->qname, "name",
        a->name, "snake", a->snake, "cname", a->cname, "state", st->cname,
        "state_snake", st->snake, NULL);
    unsigned n = 0;
    aktc_sb table = { 0 };
    for (const ast_handler *hd = a->handlers; hd; hd = hd->next) {
        tmpl(c, aktc_tmpl_source, "persistent_command", "snake", a->snake, "h",
            hd->snake, "cname", a->cname, "qname", a->qname, NULL);
        aktc_sb_printf(&table, "    {&%s_desc, %s_on_%s},\n",
            hd->msg_decl->snake, a->snake, hd->snake);
        n++;
    }
    aktc_sb cases = { 0 }, events = { 0 };
    unsigned ne = 0;
    for (const ast_handler *e = a->events; e; e = e->next) {
        const char *last = strrchr(e->msg, '.');
        const char *bare = last ? last + 1 : e->msg;
        tmpl(c, aktc_tmpl_source, "persistent_event", "snake", a->snake, "e",
            e->snake, "cname", a->cname, "ev", bare, "ev_c", e->msg_decl->cname,
            NULL);
        aktc_sb_printf(&cases,
            "    if (type->id == %s_desc.id) {\n        "
            "d->h->apply_%s(&d->state, "
            "event);\n        return;\n    }\n",
            e->msg_decl->snake, e->snake);
        aktc_sb_printf(&events, "    &%s_desc,\n", e->msg_decl->snake);
        ne++;
    }
    aktc_sb snapdef = { 0 };
    if (snap) {
        tmpl(c, aktc_tmpl_source, "persistent_snapshot_code", "snake", a->snake,
            NULL);
        aktc_sb_printf(&snapdef,
            "    .snapshot_type = &%s_desc,\n"
            "    .snapshot_offer = %s_snapshot_offer,\n"
            "    .snapshot_when = %s_snapshot_when,\n"
            "    .snapshot_take = %s_snapshot_take,\n"
            "    .snapshot_saved = %s_snapshot_saved,\n"
            "    .snapshot_failed = %s_snapshot_failed,\n",
            snap->snake, a->snake, a->snake, a->snake, a->snake, a->snake);
    }
    aktc_sb tdef = { 0 };
    if (n) {
        aktc_sb_printf(&tdef,
            "static const akt_handler %s_handlers[] = {\n%s};\n\n", a->snake,
            aktc_sb_str(&table));
    }
    char *href = n ? ast_printf("%s_handlers", a->snake) : ast_strdup("NULL");
    char nh[16], nev[16];
    snprintf(nh, sizeof nh, "%u", n);
    snprintf(nev, sizeof nev, "%u", ne);
    /* two definitions that differ in what init_arg is: the handlers
     * (pkg_a_props) or a pkg_a_spawn_arg (pkg_a_spawn) */
    aktc_sb pdef = { 0 };
    const char *defs[2][2]
        = { { "pdef", "init_state" }, { "spawn_pdef", "spawn_init_state" } };
    for (int i = 0; i < 2; i++) {
        tmpl(&pdef, aktc_tmpl_source, "persistent_def", "snake", a->snake,
            "def", defs[i][0], "init", defs[i][1], "qname", a->qname,
            "handlers_ref", href, "nhandlers", nh, "nevents", nev,
            "snapshot_def", aktc_sb_str(&snapdef), NULL);
    }
    tmpl(c, aktc_tmpl_source, "persistent_end", "snake", a->snake, "cname",
        a->cname, "qname", a->qname, "apply_cases", aktc_sb_str(&cases),
        "handler_table", aktc_sb_str(&tdef), "events", aktc_sb_str(&events),
        "pdef", aktc_sb_str(&pdef), "required", aktc_sb_str(&req), NULL);
    aktc_sb_free(&pdef);
    free(href);
    aktc_sb_free(&cmds);
    aktc_sb_free(&applies);
    aktc_sb_free(&snapm);
    aktc_sb_free(&req);
    aktc_sb_free(&reqdoc);
    aktc_sb_free(&table);
    aktc_sb_free(&cases);
    aktc_sb_free(&events);
    aktc_sb_free(&snapdef);
    aktc_sb_free(&tdef);
}

/* --- files ---------------------------------------------------------------- */

static int
write_file(const char *path, const aktc_sb *b)
{
    /* Leave an identical file untouched so build systems see no change. */
    FILE *fp = fopen(path, "rb");
    if (fp) {
        bool same = fseek(fp, 0, SEEK_END) == 0 && ftell(fp) == (long)b->len
            && fseek(fp, 0, SEEK_SET) == 0;
        char chunk[65536];
        for (size_t off = 0; same && off < b->len;) {
            size_t n = fread(chunk, 1, sizeof chunk, fp);
            if (n == 0 || off + n > b->len
                || memcmp(chunk, b->s + off, n) != 0) {
                same = false;
            }
            off += n;
        }
        fclose(fp);
        if (same) {
            return 0;
        }
    }
    fp = fopen(path, "wb");
    if (fp == NULL || fwrite(b->s, 1, b->len, fp) != b->len) {
        diag_plain("cannot write '%s': %s", path, strerror(errno));
        if (fp) {
            fclose(fp);
        }
        return -1;
    }
    if (fclose(fp) != 0) {
        diag_plain("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Render both files of f into b[0] (header) and b[1] (source). */
static void
render(const ast_file *f, aktc_sb *out, bool docs)
{
    aktc_sb h = { 0 }, c = { 0 }, hmsg = { 0 }, hact = { 0 }, hdesc = { 0 },
            cact = { 0 }, cdesc = { 0 }, includes = { 0 }, types = { 0 };
    char *stem = aktc_file_stem(f->base);
    char *guard_l = ast_printf("%s_%s_akt_h", f->prefix, stem);
    char *guard = aktc_upper(guard_l);
    free(guard_l);

    for (const ast_import *i = f->imports; i; i = i->next) {
        if (i->file) {
            aktc_sb_printf(&includes, "#include \"%s.h\"\n", i->file->base);
        }
    }
    if (includes.len) {
        aktc_sb_puts(&includes, "\n");
    } else {
        aktc_sb_puts(&includes, "");
    }

    /* forward typedefs first, so fields may point to any message */
    aktc_sb fwd = { 0 };
    for (const ast_decl *d = f->decls; d; d = d->next) {
        if (d->kind == DECL_MESSAGE) {
            tmpl(&fwd, aktc_tmpl_header, "message_fwd", "cname", d->cname,
                "snake", d->snake, NULL);
        } else if (d->kind == DECL_ACTOR) {
            tmpl(&fwd, aktc_tmpl_header, "forward", "cname", d->state->cname,
                NULL);
        }
    }
    if (fwd.len) {
        aktc_sb_puts(&fwd, "\n");
    }
    /* enums come before structs that use them */
    for (const ast_decl *d = f->decls; d; d = d->next) {
        if (d->kind == DECL_ENUM) {
            emit_enum(&hmsg, &hdesc, &cdesc, d);
        }
    }
    aktc_sb_puts(&hmsg, aktc_sb_str(&fwd));
    aktc_sb_free(&fwd);
    for (const ast_decl *d = f->decls; d; d = d->next) {
        if (d->kind == DECL_MESSAGE) {
            emit_header_message(&hmsg, &hdesc, d);
            emit_message_code(&cdesc, d, docs);
            aktc_sb_printf(&types, "    &%s_desc,\n", d->snake);
        }
    }
    for (const ast_decl *d = f->decls; d; d = d->next) {
        if (d->kind == DECL_ACTOR) {
            aktc_sb sh = { 0 };
            emit_header_message(&sh, &hdesc, d->state);
            aktc_sb_free(&sh);
            if (d->fsm) {
                emit_fsm_actor(&hact, &cact, d);
            } else if (d->persistent) {
                emit_persistent_actor(&hact, &cact, d);
            } else {
                emit_actor(&hact, &cact, d);
            }
            emit_message_code(&cdesc, d->state, docs);
            aktc_sb_printf(&types, "    &%s_desc,\n", d->state->snake);
        }
    }

    /* header */
    tmpl(&h, aktc_tmpl_header, "file_begin", "base", f->base, "version",
        AKTC_VERSION, "pkg", f->pkg, "guard", guard, "includes",
        aktc_sb_str(&includes), NULL);
    tmpl(&h, aktc_tmpl_header, "messages_begin", NULL);
    aktc_sb_puts(&h, aktc_sb_str(&hmsg));
    tmpl(&h, aktc_tmpl_header, "actors_begin", NULL);
    aktc_sb_puts(&h, aktc_sb_str(&hact));
    tmpl(&h, aktc_tmpl_header, "descriptors_begin", NULL);
    aktc_sb_puts(&h, aktc_sb_str(&hdesc));
    tmpl(&h, aktc_tmpl_header, "file_end", "base", f->base, "prefix", f->prefix,
        "stem", stem, "guard", guard, NULL);

    /* source */
    tmpl(&c, aktc_tmpl_source, "file_begin", "base", f->base, "version",
        AKTC_VERSION, "pkg", f->pkg, NULL);
    tmpl(&c, aktc_tmpl_source, "actors_begin", NULL);
    aktc_sb_puts(&c, aktc_sb_str(&cact));
    tmpl(&c, aktc_tmpl_source, "descriptors_begin", NULL);
    aktc_sb_puts(&c, aktc_sb_str(&cdesc));
    tmpl(&c, aktc_tmpl_source, "file_end", "prefix", f->prefix, "stem", stem,
        "types", aktc_sb_str(&types), NULL);

    out[0] = h;
    out[1] = c;
    free(stem);
    free(guard);
    aktc_sb_free(&hmsg);
    aktc_sb_free(&hact);
    aktc_sb_free(&hdesc);
    aktc_sb_free(&cact);
    aktc_sb_free(&cdesc);
    aktc_sb_free(&includes);
    aktc_sb_free(&types);
}

int
emit_c_render(const ast_file *f, char **header, size_t *header_len,
    char **source, size_t *source_len)
{
    aktc_sb out[2] = { { 0 }, { 0 } };
    render(f, out, false);
    *header = out[0].s;
    *header_len = out[0].len;
    *source = out[1].s;
    *source_len = out[1].len;
    return 0;
}

int
emit_c(const ast_file *f, const char *dir, bool docs)
{
    aktc_sb out[2] = { { 0 }, { 0 } };
    render(f, out, docs);
    char *hp = ast_printf("%s/%s.h", dir, f->base);
    char *cp = ast_printf("%s/%s.c", dir, f->base);
    int rc = write_file(hp, &out[0]) || write_file(cp, &out[1]) ? -1 : 0;
    free(hp);
    free(cp);
    aktc_sb_free(&out[0]);
    aktc_sb_free(&out[1]);
    return rc;
}
