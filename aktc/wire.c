/*
 * wire.c -- `aktc --decode=pkg.Type`: msgpack bytes on stdin to JSON on
 * stdout, through libakt's table-driven codec (akt/reflect.h). From the
 * checked AST it builds run-time akt_type / akt_field / akt_enum_type
 * tables for the named message and every type it reaches: its own struct
 * layout (natural alignment; the table codec needs only consistent offsets
 * and sizes, and aktc allocates the objects itself), the type id sema
 * computed, AKT_TYPE_TABLE, and the defaults the generated code has. The
 * JSON follows tests/vectors/README.md: bytes as {"hex": ...}, maps as
 * arrays of [key, value] pairs, enums by name (a number the enum does not
 * name stays a number), absent optional fields left out, refs as null (no
 * actor system resolves them here).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/reflect.h"
#include "aktc.h"

/* --- tables from the AST ------------------------------------------------- */

typedef struct wire_built {
    const ast_decl *decl;
    void *table; /* akt_type * or akt_enum_type * */
    struct wire_built *next;
} wire_built;

static wire_built *wire_cache;

/* Every table allocation, freed together by wire_free_all. */
static void **wire_allocs;
static size_t wire_nallocs, wire_capallocs;

static void *
wire_alloc(size_t size)
{
    if (wire_nallocs == wire_capallocs) {
        wire_capallocs = wire_capallocs ? 2 * wire_capallocs : 64;
        void **n = realloc(wire_allocs, wire_capallocs * sizeof *n);
        if (n == NULL) {
            fputs("aktc: out of memory\n", stderr);
            exit(3);
        }
        wire_allocs = n;
    }
    void *p = ast_alloc(size);
    memset(p, 0, size);
    wire_allocs[wire_nallocs++] = p;
    return p;
}

static void
wire_free_all(void)
{
    for (size_t i = 0; i < wire_nallocs; i++) {
        free(wire_allocs[i]);
    }
    free(wire_allocs);
    wire_allocs = NULL;
    wire_nallocs = wire_capallocs = 0;
    wire_cache = NULL;
}

uint16_t
aktc_ast_kind(const ast_type *t)
{
    switch (t->kind) {
    case TY_BOOL:
        return AKT_KIND_BOOL;
    case TY_INT8:
        return AKT_KIND_INT8;
    case TY_INT16:
        return AKT_KIND_INT16;
    case TY_INT32:
        return AKT_KIND_INT32;
    case TY_INT64:
        return AKT_KIND_INT64;
    case TY_UINT8:
        return AKT_KIND_UINT8;
    case TY_UINT16:
        return AKT_KIND_UINT16;
    case TY_UINT32:
        return AKT_KIND_UINT32;
    case TY_UINT64:
        return AKT_KIND_UINT64;
    case TY_FLOAT32:
        return AKT_KIND_FLOAT32;
    case TY_FLOAT64:
        return AKT_KIND_FLOAT64;
    case TY_STRING:
        return AKT_KIND_STRING;
    case TY_BYTES:
        return AKT_KIND_BYTES;
    case TY_LIST:
        return AKT_KIND_LIST;
    case TY_MAP:
        return AKT_KIND_MAP;
    case TY_REF:
        return AKT_KIND_REF;
    case TY_NAMED:
        return t->decl->kind == DECL_ENUM ? AKT_KIND_ENUM : AKT_KIND_MESSAGE;
    }
    return AKT_KIND_NONE;
}

/* Size and alignment of one field's member (a nested message is a
 * pointer), as the generated C lays it out. */
static void
wire_member(const ast_type *t, size_t *size, size_t *align)
{
    akt_kind_member_layout(aktc_ast_kind(t), size, align);
}

static size_t
wire_round(size_t n, size_t align)
{
    return (n + align - 1) / align * align;
}

/* The struct of d: each field in order, `bool has_<name>` after an
 * optional non-message one. Depends on no nested type's size. */
static void
wire_layout(const ast_decl *d, uint32_t *offs, uint32_t *has_offs, size_t *size,
    size_t *align)
{
    size_t off = 0, al = 1, i = 0;
    for (const ast_field *f = d->fields; f; f = f->next, i++) {
        size_t s, a;
        wire_member(f->type, &s, &a);
        off = wire_round(off, a);
        if (offs) {
            offs[i] = (uint32_t)off;
        }
        off += s;
        al = a > al ? a : al;
        uint32_t h = AKT_NO_OFFSET;
        if (f->optional && aktc_ast_kind(f->type) != AKT_KIND_MESSAGE) {
            h = (uint32_t)off++;
        }
        if (has_offs) {
            has_offs[i] = h;
        }
    }
    *size = off == 0 ? 1 : wire_round(off, al);
    *align = al;
}

static size_t
wire_elem_size(const ast_type *t)
{
    size_t s, a;
    if (aktc_ast_kind(t) == AKT_KIND_MESSAGE) {
        wire_layout(t->decl, NULL, NULL, &s, &a);
    } else {
        wire_member(t, &s, &a);
    }
    return s;
}

static void *
wire_find(const ast_decl *d)
{
    for (wire_built *b = wire_cache; b; b = b->next) {
        if (b->decl == d) {
            return b->table;
        }
    }
    return NULL;
}

static void
wire_remember(const ast_decl *d, void *table)
{
    wire_built *b = wire_alloc(sizeof *b);
    b->decl = d;
    b->table = table;
    b->next = wire_cache;
    wire_cache = b;
}

static const akt_enum_type *
wire_enum(const ast_decl *d)
{
    akt_enum_type *e = wire_find(d);
    if (e) {
        return e;
    }
    size_t n = 0;
    for (const ast_enumval *v = d->values; v; v = v->next) {
        n++;
    }
    akt_enum_value *vals = wire_alloc((n ? n : 1) * sizeof *vals);
    n = 0;
    for (const ast_enumval *v = d->values; v; v = v->next, n++) {
        vals[n].name = v->name;
        vals[n].value = (int32_t)v->value;
    }
    e = wire_alloc(sizeof *e);
    e->name = d->qname;
    e->values = vals;
    e->nvalues = n;
    wire_remember(d, e);
    return e;
}

static int64_t
wire_enum_value(const ast_decl *e, const char *name)
{
    for (const ast_enumval *v = e->values; v; v = v->next) {
        if (strcmp(v->name, name) == 0) {
            return v->value;
        }
    }
    return 0; /* sema checked the name */
}

/* Write f's default (sema's literal, or an enum's first value) at p. */
static void
wire_default(const ast_field *f, uint16_t kind, unsigned char *p)
{
    const ast_literal *l = f->deflt;
    if (l == NULL) {
        if (kind == AKT_KIND_ENUM && !f->optional && f->type->decl->values) {
            int32_t v = (int32_t)f->type->decl->values->value;
            memcpy(p, &v, sizeof v);
        }
        return;
    }
    int64_t i = l->neg ? (int64_t)(0 - l->u) : (int64_t)l->u;
    double d = l->kind == LIT_FLOAT ? l->d : l->neg ? (double)i : (double)l->u;
    switch (kind) {
    case AKT_KIND_BOOL:
        *p = l->b;
        break;
    case AKT_KIND_INT8:
    case AKT_KIND_UINT8:
        *p = (unsigned char)i;
        break;
    case AKT_KIND_INT16:
    case AKT_KIND_UINT16: {
        uint16_t v = (uint16_t)i;
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_INT32:
    case AKT_KIND_UINT32: {
        uint32_t v = (uint32_t)i;
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_INT64:
    case AKT_KIND_UINT64:
        memcpy(p, &i, sizeof i);
        break;
    case AKT_KIND_FLOAT32: {
        float v = (float)d;
        memcpy(p, &v, sizeof v);
        break;
    }
    case AKT_KIND_FLOAT64:
        memcpy(p, &d, sizeof d);
        break;
    case AKT_KIND_STRING: {
        akt_str s = { l->s, l->slen };
        memcpy(p, &s, sizeof s);
        break;
    }
    case AKT_KIND_ENUM: {
        int32_t v = (int32_t)wire_enum_value(f->type->decl, l->text);
        memcpy(p, &v, sizeof v);
        break;
    }
    default:
        break;
    }
}

static const akt_type *wire_message(const ast_decl *d);

static void
wire_link(akt_field *fl, const ast_type *named)
{
    if (named->kind != TY_NAMED) {
        return;
    }
    if (named->decl->kind == DECL_ENUM) {
        fl->enum_type = wire_enum(named->decl);
    } else {
        fl->msg_type = wire_message(named->decl);
    }
}

static const akt_type *
wire_message(const ast_decl *d)
{
    akt_type *t = wire_find(d);
    if (t) {
        return t;
    }
    size_t n = 0;
    for (const ast_field *f = d->fields; f; f = f->next) {
        n++;
    }
    uint32_t *offs = ast_alloc((n ? n : 1) * sizeof *offs);
    uint32_t *has = ast_alloc((n ? n : 1) * sizeof *has);
    t = wire_alloc(sizeof *t);
    wire_remember(d, t); /* before the fields: a type may reach itself */
    wire_layout(d, offs, has, &t->size, &t->align);
    akt_field *fields = wire_alloc((n ? n : 1) * sizeof *fields);
    unsigned char *defaults = wire_alloc(t->size);
    size_t i = 0;
    for (const ast_field *f = d->fields; f; f = f->next, i++) {
        akt_field *fl = &fields[i];
        const ast_type *ty = f->type;
        fl->name = f->name;
        fl->number = (uint32_t)f->number;
        fl->kind = aktc_ast_kind(ty);
        fl->flags = (f->optional ? AKT_FIELD_OPTIONAL : 0)
            | (f->deprecated ? AKT_FIELD_DEPRECATED : 0);
        fl->offset = offs[i];
        fl->has_offset = has[i];
        fl->doc = f->doc;
        if (ty->kind == TY_LIST || ty->kind == TY_MAP) {
            fl->elem_kind = aktc_ast_kind(ty->elem);
            if (ty->kind == TY_MAP) {
                fl->key_kind = aktc_ast_kind(ty->key);
            }
            fl->elem_size = (uint32_t)wire_elem_size(ty->elem);
            wire_link(fl, ty->elem);
        } else {
            wire_link(fl, ty);
        }
        wire_default(f, fl->kind, defaults + offs[i]);
    }
    free(offs);
    free(has);
    t->abi = AKT_GEN_ABI;
    t->flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE;
    t->name = d->qname;
    t->id = d->type_id;
    t->fields = fields;
    t->nfields = n;
    t->defaults = defaults;
    t->doc = d->doc;
    return t;
}

/* --- JSON out ------------------------------------------------------------ */

static void
json_str(FILE *out, const char *s, size_t len)
{
    putc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc(c, out);
        } else if (c == '\n') {
            fputs("\\n", out);
        } else if (c == '\t') {
            fputs("\\t", out);
        } else if (c == '\r') {
            fputs("\\r", out);
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(out, "\\u%04x", c);
        } else {
            putc(c, out);
        }
    }
    putc('"', out);
}

/* The shortest text that reads back as the same value. */
static void
json_float(FILE *out, double d, bool single)
{
    if (isnan(d)) {
        fputs("\"NaN\"", out);
        return;
    }
    if (isinf(d)) {
        fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", out);
        return;
    }
    char buf[40];
    for (int prec = single ? 6 : 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (single ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d) {
            break;
        }
    }
    fputs(buf, out);
    if (strspn(buf, "-0123456789") == strlen(buf)) {
        fputs(".0", out); /* stays a float to JSON readers */
    }
}

static void json_object(FILE *out, const akt_type *t, const void *obj);

/* One item of kind at p (a list element, map key or value). */
static void
json_item(FILE *out, uint16_t kind, const akt_field *f, const void *p)
{
    switch (kind) {
    case AKT_KIND_BOOL:
        fputs(*(const bool *)p ? "true" : "false", out);
        break;
    case AKT_KIND_INT8:
        fprintf(out, "%d", *(const int8_t *)p);
        break;
    case AKT_KIND_INT16:
        fprintf(out, "%d", *(const int16_t *)p);
        break;
    case AKT_KIND_INT32:
        fprintf(out, "%" PRId32, *(const int32_t *)p);
        break;
    case AKT_KIND_INT64:
        fprintf(out, "%" PRId64, *(const int64_t *)p);
        break;
    case AKT_KIND_UINT8:
        fprintf(out, "%u", *(const uint8_t *)p);
        break;
    case AKT_KIND_UINT16:
        fprintf(out, "%u", *(const uint16_t *)p);
        break;
    case AKT_KIND_UINT32:
        fprintf(out, "%" PRIu32, *(const uint32_t *)p);
        break;
    case AKT_KIND_UINT64:
        fprintf(out, "%" PRIu64, *(const uint64_t *)p);
        break;
    case AKT_KIND_FLOAT32:
        json_float(out, *(const float *)p, true);
        break;
    case AKT_KIND_FLOAT64:
        json_float(out, *(const double *)p, false);
        break;
    case AKT_KIND_STRING: {
        const akt_str *s = p;
        json_str(out, s->ptr ? s->ptr : "", s->len);
        break;
    }
    case AKT_KIND_BYTES: {
        const akt_bytes *b = p;
        fputs("{\"hex\": \"", out);
        for (size_t i = 0; i < b->len; i++) {
            fprintf(out, "%02x", b->ptr[i]);
        }
        fputs("\"}", out);
        break;
    }
    case AKT_KIND_ENUM: {
        int32_t v = *(const int32_t *)p;
        const akt_enum_type *e = f->enum_type;
        for (size_t i = 0; e && i < e->nvalues; i++) {
            if (e->values[i].value == v) {
                json_str(out, e->values[i].name, strlen(e->values[i].name));
                return;
            }
        }
        fprintf(out, "%" PRId32, v);
        break;
    }
    case AKT_KIND_MESSAGE:
        json_object(out, f->msg_type, p);
        break;
    default: /* REF: no system resolves it here */
        fputs("null", out);
        break;
    }
}

static size_t
json_key_size(uint16_t kind)
{
    switch (kind) {
    case AKT_KIND_BOOL:
    case AKT_KIND_INT8:
    case AKT_KIND_UINT8:
        return 1;
    case AKT_KIND_INT16:
    case AKT_KIND_UINT16:
        return 2;
    case AKT_KIND_INT32:
    case AKT_KIND_UINT32:
    case AKT_KIND_FLOAT32:
    case AKT_KIND_ENUM:
        return 4;
    case AKT_KIND_STRING:
        return sizeof(akt_str);
    default:
        return 8;
    }
}

static void
json_object(FILE *out, const akt_type *t, const void *obj)
{
    putc('{', out);
    bool first = true;
    for (size_t i = 0; i < t->nfields; i++) {
        const akt_field *f = &t->fields[i];
        akt_value v;
        if (akt_field_get(f, obj, &v) != AKT_OK) {
            continue; /* an absent optional field */
        }
        fputs(first ? "" : ", ", out);
        first = false;
        json_str(out, f->name, strlen(f->name));
        fputs(": ", out);
        const unsigned char *p = (const unsigned char *)obj + f->offset;
        if (f->kind == AKT_KIND_LIST) {
            putc('[', out);
            for (size_t j = 0; j < v.v.list.len; j++) {
                fputs(j ? ", " : "", out);
                json_item(out, f->elem_kind, f,
                    (const unsigned char *)v.v.list.items + j * f->elem_size);
            }
            putc(']', out);
        } else if (f->kind == AKT_KIND_MAP) {
            size_t ks = json_key_size(f->key_kind);
            putc('[', out);
            for (size_t j = 0; j < v.v.map.len; j++) {
                fputs(j ? ", [" : "[", out);
                json_item(out, f->key_kind, f,
                    (const unsigned char *)v.v.map.keys + j * ks);
                fputs(", ", out);
                json_item(out, f->elem_kind, f,
                    (const unsigned char *)v.v.map.values + j * f->elem_size);
                putc(']', out);
            }
            putc(']', out);
        } else if (f->kind == AKT_KIND_MESSAGE) {
            if (v.v.msg) {
                json_object(out, f->msg_type, v.v.msg);
            } else { /* absent non-optional: its type's default */
                json_object(out, f->msg_type, f->msg_type->defaults);
            }
        } else {
            json_item(out, f->kind, f, p);
        }
    }
    putc('}', out);
}

/* --- the command ---------------------------------------------------------- */

static unsigned char *
wire_read_stdin(size_t *len)
{
    size_t cap = 65536, n = 0;
    unsigned char *buf = ast_alloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            unsigned char *nb = realloc(buf, cap);
            if (nb == NULL) {
                fputs("aktc: out of memory\n", stderr);
                exit(3);
            }
            buf = nb;
        }
    }
    *len = n;
    return buf;
}

/* The tables of the message type_name, or NULL (said on stderr). */
static const akt_type *
wire_lookup(ast_file *files, const char *type_name)
{
    for (ast_file *f = files; f; f = f->next) {
        for (const ast_decl *x = f->decls; x; x = x->next) {
            if (x->kind == DECL_MESSAGE && strcmp(x->qname, type_name) == 0) {
                return wire_message(x);
            }
        }
    }
    fprintf(
        stderr, "aktc: no message type '%s' in the given files\n", type_name);
    return NULL;
}

int
aktc_wire_decode(ast_file *files, const char *type_name)
{
    const akt_type *t = wire_lookup(files, type_name);
    if (t == NULL) {
        return 1;
    }
    size_t len;
    unsigned char *data = wire_read_stdin(&len);
    void *msg = NULL;
    akt_err rc = akt_msg_decode(t, data, len, NULL, &msg);
    free(data);
    if (rc != AKT_OK) {
        fprintf(stderr, "aktc: decode error: %s: %s\n", akt_err_name(rc),
            akt_strerror(rc));
        wire_free_all();
        return 1;
    }
    json_object(stdout, t, msg);
    putchar('\n');
    akt_msg_free(msg);
    wire_free_all();
    return fflush(stdout) == 0 ? 0 : 1;
}

/* --- JSON in (--encode) ----------------------------------------------------
 */

enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

typedef struct jv {
    int type;
    bool b;
    bool is_int; /* a number without fraction or exponent */
    bool neg;
    bool overflow; /* an integer beyond 64 bits */
    uint64_t u; /* the integer's magnitude */
    double d;
    char *s; /* JV_STR (NUL-terminated, slen bytes) */
    size_t slen;
    struct jv **items; /* JV_ARR values, JV_OBJ values */
    char **keys; /* JV_OBJ */
    size_t n;
} jv;

typedef struct jrd {
    const char *p, *start, *end;
    int depth;
    char err[160];
} jrd;

static void
jv_free(jv *v)
{
    if (v == NULL) {
        return;
    }
    for (size_t i = 0; i < v->n; i++) {
        jv_free(v->items[i]);
        if (v->keys) {
            free(v->keys[i]);
        }
    }
    free(v->items);
    free(v->keys);
    free(v->s);
    free(v);
}

static void *
jrd_fail(jrd *r, const char *what)
{
    if (r->err[0] == '\0') {
        snprintf(r->err, sizeof r->err, "%s at byte %zu", what,
            (size_t)(r->p - r->start));
    }
    return NULL;
}

static void
jrd_ws(jrd *r)
{
    while (r->p < r->end
        && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) {
        r->p++;
    }
}

static bool
jrd_lit(jrd *r, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) >= n && memcmp(r->p, word, n) == 0) {
        r->p += n;
        return true;
    }
    return false;
}

static int
jrd_hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'f'   ? c - 'a' + 10
            : c >= 'A' && c <= 'F'   ? c - 'A' + 10
                                     : -1;
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* A string after its opening quote, into a malloc'ed buffer. */
static char *
jrd_string(jrd *r, size_t *len)
{
    size_t cap = 16, n = 0;
    char *s = ast_alloc(cap);
    for (;;) {
        if (n + 5 > cap) {
            cap *= 2;
            char *ns = realloc(s, cap);
            if (ns == NULL) {
                fputs("aktc: out of memory\n", stderr);
                exit(3);
            }
            s = ns;
        }
        if (r->p >= r->end) {
            free(s);
            return jrd_fail(r, "unterminated string");
        }
        unsigned char c = (unsigned char)*r->p++;
        if (c == '"') {
            break;
        }
        if (c < 0x20) {
            r->p--;
            free(s);
            return jrd_fail(r, "control character in a string");
        }
        if (c != '\\') {
            s[n++] = (char)c;
            continue;
        }
        if (r->p >= r->end) {
            free(s);
            return jrd_fail(r, "unterminated string");
        }
        char e = *r->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (simple && e) {
            static const char to[] = "\"\\/\b\f\n\r\t";
            s[n++] = to[simple - "\"\\/bfnrt"];
            continue;
        }
        if (e != 'u' || r->end - r->p < 4 || jrd_hex4(r->p) < 0) {
            r->p--;
            free(s);
            return jrd_fail(r, "bad escape in a string");
        }
        uint32_t cp = (uint32_t)jrd_hex4(r->p);
        r->p += 4;
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u'
                || jrd_hex4(r->p + 2) < 0xdc00 || jrd_hex4(r->p + 2) > 0xdfff) {
                free(s);
                return jrd_fail(r, "lone surrogate in a string");
            }
            cp = 0x10000 + ((cp - 0xd800) << 10)
                + ((uint32_t)jrd_hex4(r->p + 2) - 0xdc00);
            r->p += 6;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            free(s);
            return jrd_fail(r, "lone surrogate in a string");
        }
        if (cp < 0x80) {
            s[n++] = (char)cp;
        } else if (cp < 0x800) {
            s[n++] = (char)(0xc0 | cp >> 6);
            s[n++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            s[n++] = (char)(0xe0 | cp >> 12);
            s[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
            s[n++] = (char)(0x80 | (cp & 0x3f));
        } else {
            s[n++] = (char)(0xf0 | cp >> 18);
            s[n++] = (char)(0x80 | (cp >> 12 & 0x3f));
            s[n++] = (char)(0x80 | (cp >> 6 & 0x3f));
            s[n++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    s[n] = '\0';
    *len = n;
    return s;
}

static jv *
jrd_value(jrd *r)
{
    jrd_ws(r);
    if (r->p >= r->end) {
        return jrd_fail(r, "unexpected end of input");
    }
    if (++r->depth > AKTC_MAX_NESTING) {
        return jrd_fail(r, "nesting too deep");
    }
    jv *v = ast_alloc(sizeof *v);
    char c = *r->p;
    if (jrd_lit(r, "null")) {
        v->type = JV_NULL;
    } else if (jrd_lit(r, "true") || jrd_lit(r, "false")) {
        v->type = JV_BOOL;
        v->b = c == 't';
    } else if (c == '"') {
        r->p++;
        v->type = JV_STR;
        if ((v->s = jrd_string(r, &v->slen)) == NULL) {
            goto fail;
        }
    } else if (c == '[' || c == '{') {
        bool obj = c == '{';
        v->type = obj ? JV_OBJ : JV_ARR;
        r->p++;
        size_t cap = 0;
        jrd_ws(r);
        if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
            r->p++;
            r->depth--;
            return v;
        }
        for (;;) {
            if (v->n == cap) {
                cap = cap ? 2 * cap : 8;
                jv **ni = realloc(v->items, cap * sizeof *ni);
                char **nk = obj ? realloc(v->keys, cap * sizeof *nk) : NULL;
                if (ni == NULL || (obj && nk == NULL)) {
                    fputs("aktc: out of memory\n", stderr);
                    exit(3);
                }
                v->items = ni;
                v->keys = nk;
            }
            char *key = NULL;
            if (obj) {
                size_t klen;
                jrd_ws(r);
                if (r->p >= r->end || *r->p != '"') {
                    jrd_fail(r, "expected a string key");
                    goto fail;
                }
                r->p++;
                if ((key = jrd_string(r, &klen)) == NULL) {
                    goto fail;
                }
                jrd_ws(r);
                if (r->p >= r->end || *r->p != ':') {
                    free(key);
                    jrd_fail(r, "expected ':'");
                    goto fail;
                }
                r->p++;
            }
            jv *item = jrd_value(r);
            if (item == NULL) {
                free(key);
                goto fail;
            }
            if (obj) {
                v->keys[v->n] = key;
            }
            v->items[v->n++] = item;
            jrd_ws(r);
            if (r->p < r->end && *r->p == ',') {
                r->p++;
            } else if (r->p < r->end && *r->p == (obj ? '}' : ']')) {
                r->p++;
                break;
            } else {
                jrd_fail(
                    r, obj ? "expected ',' or '}'" : "expected ',' or ']'");
                goto fail;
            }
        }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        const char *s = r->p;
        v->type = JV_NUM;
        v->neg = c == '-';
        r->p += v->neg;
        if (r->p >= r->end || !(*r->p >= '0' && *r->p <= '9')
            || (*r->p == '0' && r->p + 1 < r->end && r->p[1] >= '0'
                && r->p[1] <= '9')) {
            jrd_fail(r, "bad number");
            goto fail;
        }
        v->is_int = true;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
            unsigned dgt = (unsigned)(*r->p++ - '0');
            if (v->u > (UINT64_MAX - dgt) / 10) {
                v->overflow = true;
            }
            v->u = v->u * 10 + dgt;
        }
        if (r->p < r->end && *r->p == '.') {
            v->is_int = false;
            r->p++;
            if (r->p >= r->end || !(*r->p >= '0' && *r->p <= '9')) {
                jrd_fail(r, "bad number");
                goto fail;
            }
            while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
                r->p++;
            }
        }
        if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
            v->is_int = false;
            r->p++;
            if (r->p < r->end && (*r->p == '+' || *r->p == '-')) {
                r->p++;
            }
            if (r->p >= r->end || !(*r->p >= '0' && *r->p <= '9')) {
                jrd_fail(r, "bad number");
                goto fail;
            }
            while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
                r->p++;
            }
        }
        char buf[512];
        size_t n = (size_t)(r->p - s);
        if (n >= sizeof buf) {
            jrd_fail(r, "number too long");
            goto fail;
        }
        memcpy(buf, s, n);
        buf[n] = '\0';
        v->d = strtod(buf, NULL);
    } else {
        jrd_fail(r, "unexpected character");
        goto fail;
    }
    r->depth--;
    return v;
fail:
    jv_free(v);
    return NULL;
}

/* --- JSON to an object, through the reflection API ------------------------ */

typedef struct wenc {
    akt_arena *arena;
    char err[256];
} wenc;

static akt_err
wenc_fail(wenc *w, akt_err rc, const akt_field *f, const char *what)
{
    if (w->err[0] == '\0') {
        snprintf(w->err, sizeof w->err, "%s: field '%s': %s", akt_err_name(rc),
            f->name, what);
    }
    return rc;
}

static akt_err wenc_object(
    wenc *w, const akt_type *t, const jv *o, void *obj, const akt_field *of);

/* An integer of kind from v into *i or *u, range-checked. */
static akt_err
wenc_int(wenc *w, const akt_field *f, uint16_t kind, const jv *v, int64_t *i,
    uint64_t *u)
{
    if (v->type != JV_NUM || !v->is_int) {
        return wenc_fail(w, AKT_ETYPE, f, "expected an integer");
    }
    static const struct {
        int64_t lo;
        uint64_t hi;
    } lim[] = {
        [AKT_KIND_INT8] = { INT8_MIN, INT8_MAX },
        [AKT_KIND_INT16] = { INT16_MIN, INT16_MAX },
        [AKT_KIND_INT32] = { INT32_MIN, INT32_MAX },
        [AKT_KIND_ENUM] = { INT32_MIN, INT32_MAX },
        [AKT_KIND_INT64] = { INT64_MIN, INT64_MAX },
        [AKT_KIND_UINT8] = { 0, UINT8_MAX },
        [AKT_KIND_UINT16] = { 0, UINT16_MAX },
        [AKT_KIND_UINT32] = { 0, UINT32_MAX },
        [AKT_KIND_UINT64] = { 0, UINT64_MAX },
    };
    uint64_t mag_lo
        = lim[kind].lo < 0 ? (uint64_t)0 - (uint64_t)lim[kind].lo : 0;
    if (v->overflow || (v->neg && v->u > mag_lo)
        || (!v->neg && v->u > lim[kind].hi)) {
        return wenc_fail(w, AKT_ERANGE, f, "value out of range");
    }
    *u = v->u;
    *i = v->neg ? (int64_t)((uint64_t)0 - v->u) : (int64_t)v->u;
    return AKT_OK;
}

static akt_err
wenc_float(wenc *w, const akt_field *f, bool single, const jv *v, double *d)
{
    if (v->type == JV_STR && strcmp(v->s, "NaN") == 0) {
        *d = NAN;
    } else if (v->type == JV_STR && strcmp(v->s, "Infinity") == 0) {
        *d = INFINITY;
    } else if (v->type == JV_STR && strcmp(v->s, "-Infinity") == 0) {
        *d = -INFINITY;
    } else if (v->type != JV_NUM) {
        return wenc_fail(w, AKT_ETYPE, f, "expected a number");
    } else if (isinf(v->d) || (single && isinf((float)v->d))) {
        return wenc_fail(w, AKT_ERANGE, f, "value out of range");
    } else {
        *d = v->d;
    }
    return AKT_OK;
}

/* One item of kind from v into p (a list element, map key or value, or a
 * field's scratch value), variable parts in w's arena. */
static akt_err
wenc_item(wenc *w, const akt_field *f, uint16_t kind, const jv *v, void *p)
{
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    akt_err rc = AKT_OK;
    if (kind == AKT_KIND_ENUM && v->type == JV_STR) {
        const akt_enum_type *e = f->enum_type;
        for (size_t j = 0; j < e->nvalues; j++) {
            if (strcmp(e->values[j].name, v->s) == 0) {
                *(int32_t *)p = e->values[j].value;
                return AKT_OK;
            }
        }
        return wenc_fail(w, AKT_EINVAL, f, "no such enum value");
    }
    switch (kind) {
    case AKT_KIND_BOOL:
        if (v->type != JV_BOOL) {
            return wenc_fail(w, AKT_ETYPE, f, "expected true or false");
        }
        *(bool *)p = v->b;
        return AKT_OK;
    case AKT_KIND_ENUM: /* by name here; a number as the integers */
    case AKT_KIND_INT8:
    case AKT_KIND_INT16:
    case AKT_KIND_INT32:
    case AKT_KIND_INT64:
    case AKT_KIND_UINT8:
    case AKT_KIND_UINT16:
    case AKT_KIND_UINT32:
    case AKT_KIND_UINT64:
        if ((rc = wenc_int(w, f, kind, v, &i, &u)) != AKT_OK) {
            return rc;
        }
        switch (kind) {
        case AKT_KIND_INT8:
            *(int8_t *)p = (int8_t)i;
            break;
        case AKT_KIND_INT16:
            *(int16_t *)p = (int16_t)i;
            break;
        case AKT_KIND_INT32:
        case AKT_KIND_ENUM:
            *(int32_t *)p = (int32_t)i;
            break;
        case AKT_KIND_INT64:
            *(int64_t *)p = i;
            break;
        case AKT_KIND_UINT8:
            *(uint8_t *)p = (uint8_t)u;
            break;
        case AKT_KIND_UINT16:
            *(uint16_t *)p = (uint16_t)u;
            break;
        case AKT_KIND_UINT32:
            *(uint32_t *)p = (uint32_t)u;
            break;
        default:
            *(uint64_t *)p = u;
            break;
        }
        return AKT_OK;
    case AKT_KIND_FLOAT32:
    case AKT_KIND_FLOAT64:
        if ((rc = wenc_float(w, f, kind == AKT_KIND_FLOAT32, v, &d))
            != AKT_OK) {
            return rc;
        }
        if (kind == AKT_KIND_FLOAT32) {
            *(float *)p = (float)d;
        } else {
            *(double *)p = d;
        }
        return AKT_OK;
    case AKT_KIND_STRING:
        if (v->type != JV_STR) {
            return wenc_fail(w, AKT_ETYPE, f, "expected a string");
        }
        rc = akt_arena_str(w->arena, v->s, v->slen, p);
        break;
    case AKT_KIND_BYTES: {
        const jv *hex = NULL;
        if (v->type == JV_OBJ && v->n == 1 && strcmp(v->keys[0], "hex") == 0) {
            hex = v->items[0];
        }
        if (hex == NULL || hex->type != JV_STR || hex->slen % 2) {
            return wenc_fail(w, AKT_ETYPE, f,
                "expected {\"hex\": \"<even number of digits>\"}");
        }
        size_t n = hex->slen / 2;
        uint8_t *b = akt_arena_alloc(w->arena, n ? n : 1, 1);
        if (b == NULL) {
            return wenc_fail(w, AKT_ENOMEM, f, "out of memory");
        }
        for (size_t j = 0; j < n; j++) {
            char two[5] = { '0', '0', hex->s[2 * j], hex->s[2 * j + 1], 0 };
            int x = jrd_hex4(two);
            if (x < 0) {
                return wenc_fail(w, AKT_ETYPE, f, "bad hex digit");
            }
            b[j] = (uint8_t)x;
        }
        ((akt_bytes *)p)->ptr = b;
        ((akt_bytes *)p)->len = n;
        return AKT_OK;
    }
    case AKT_KIND_MESSAGE:
        akt_type_init(f->msg_type, p, w->arena);
        return wenc_object(w, f->msg_type, v, p, f);
    case AKT_KIND_REF:
        if (v->type != JV_NULL) {
            return wenc_fail(w, AKT_ENOTSUP, f, "refs can only be null here");
        }
        return AKT_OK;
    default:
        return wenc_fail(w, AKT_EINVAL, f, "field kind not supported");
    }
    return rc == AKT_OK ? AKT_OK : wenc_fail(w, rc, f, akt_strerror(rc));
}

/* An array of n items of kind, zeroed, from the arena. */
static void *
wenc_items(wenc *w, const akt_field *f, size_t n, size_t size)
{
    void *p = akt_arena_alloc(w->arena, n * size > 0 ? n * size : 1, 16);
    if (p == NULL) {
        wenc_fail(w, AKT_ENOMEM, f, "out of memory");
        return NULL;
    }
    memset(p, 0, n * size);
    return p;
}

/* Field f of obj from v, set through akt_field_set. */
static akt_err
wenc_field(wenc *w, const akt_field *f, const jv *v, void *obj)
{
    if (v->type == JV_NULL && (f->flags & AKT_FIELD_OPTIONAL)) {
        return AKT_OK; /* absent */
    }
    akt_value val = { .kind = f->kind };
    akt_err rc;
    if (f->kind == AKT_KIND_LIST) {
        if (v->type != JV_ARR) {
            return wenc_fail(w, AKT_ETYPE, f, "expected an array");
        }
        char *items = wenc_items(w, f, v->n, f->elem_size);
        if (items == NULL) {
            return AKT_ENOMEM;
        }
        for (size_t j = 0; j < v->n; j++) {
            rc = wenc_item(
                w, f, f->elem_kind, v->items[j], items + j * f->elem_size);
            if (rc != AKT_OK) {
                return rc;
            }
        }
        val.v.list.items = items;
        val.v.list.len = v->n;
    } else if (f->kind == AKT_KIND_MAP) {
        if (v->type != JV_ARR) {
            return wenc_fail(
                w, AKT_ETYPE, f, "expected an array of [key, value]");
        }
        size_t ks = json_key_size(f->key_kind);
        char *keys = wenc_items(w, f, v->n, ks);
        char *vals = wenc_items(w, f, v->n, f->elem_size);
        if (keys == NULL || vals == NULL) {
            return AKT_ENOMEM;
        }
        for (size_t j = 0; j < v->n; j++) {
            const jv *kv = v->items[j];
            if (kv->type != JV_ARR || kv->n != 2) {
                return wenc_fail(
                    w, AKT_ETYPE, f, "expected an array of [key, value]");
            }
            if ((rc = wenc_item(w, f, f->key_kind, kv->items[0], keys + j * ks))
                    != AKT_OK
                || (rc = wenc_item(w, f, f->elem_kind, kv->items[1],
                        vals + j * f->elem_size))
                    != AKT_OK) {
                return rc;
            }
        }
        val.v.map.keys = keys;
        val.v.map.values = vals;
        val.v.map.len = v->n;
    } else if (f->kind == AKT_KIND_MESSAGE) {
        void *m = wenc_items(w, f, 1, f->msg_type->size);
        if (m == NULL) {
            return AKT_ENOMEM;
        }
        if ((rc = wenc_item(w, f, AKT_KIND_MESSAGE, v, m)) != AKT_OK) {
            return rc;
        }
        val.v.msg = m;
    } else {
        /* scalars widen as akt_value holds them, so that akt_field_set
         * (not this file) checks the field's range */
        union {
            int64_t i;
            uint64_t u;
            double d;
            float f32;
            akt_str s;
            akt_bytes b;
            akt_ref r;
            bool flag;
            int32_t e;
        } tmp;
        memset(&tmp, 0, sizeof tmp);
        switch (f->kind) {
        case AKT_KIND_INT8:
        case AKT_KIND_INT16:
        case AKT_KIND_INT32:
        case AKT_KIND_INT64:
            rc = wenc_item(w, f, AKT_KIND_INT64, v, &tmp);
            val.v.i = tmp.i;
            break;
        case AKT_KIND_UINT8:
        case AKT_KIND_UINT16:
        case AKT_KIND_UINT32:
        case AKT_KIND_UINT64:
            rc = wenc_item(w, f, AKT_KIND_UINT64, v, &tmp);
            val.v.u = tmp.u;
            break;
        case AKT_KIND_ENUM:
            rc = wenc_item(w, f, AKT_KIND_ENUM, v, &tmp);
            val.v.i = tmp.e;
            break;
        case AKT_KIND_FLOAT32:
        case AKT_KIND_FLOAT64:
            rc = wenc_item(w, f, f->kind, v, &tmp);
            val.v.f = f->kind == AKT_KIND_FLOAT32 ? tmp.f32 : tmp.d;
            break;
        case AKT_KIND_BOOL:
            rc = wenc_item(w, f, f->kind, v, &tmp);
            val.v.b = tmp.flag;
            break;
        case AKT_KIND_STRING:
            rc = wenc_item(w, f, f->kind, v, &tmp);
            val.v.s = tmp.s;
            break;
        case AKT_KIND_BYTES:
            rc = wenc_item(w, f, f->kind, v, &tmp);
            val.v.bytes = tmp.b;
            break;
        default:
            rc = wenc_item(w, f, f->kind, v, &tmp);
            val.v.ref = tmp.r;
            break;
        }
        if (rc != AKT_OK) {
            return rc;
        }
    }
    rc = akt_field_set(f, obj, &val, w->arena);
    return rc == AKT_OK ? AKT_OK : wenc_fail(w, rc, f, akt_strerror(rc));
}

/* obj (init'ed) of type t from the JSON object o; of is the field that
 * holds it (NULL at the top) for error messages. */
static akt_err
wenc_object(
    wenc *w, const akt_type *t, const jv *o, void *obj, const akt_field *of)
{
    if (o->type != JV_OBJ) {
        if (of) {
            return wenc_fail(w, AKT_ETYPE, of, "expected an object");
        }
        snprintf(w->err, sizeof w->err, "ETYPE: expected a JSON object");
        return AKT_ETYPE;
    }
    for (size_t j = 0; j < o->n; j++) {
        const akt_field *f = akt_type_field_by_name(t, o->keys[j]);
        if (f == NULL) {
            snprintf(w->err, sizeof w->err, "EINVAL: %s has no field '%s'",
                t->name, o->keys[j]);
            return AKT_EINVAL;
        }
        for (size_t k = 0; k < j; k++) {
            if (strcmp(o->keys[k], o->keys[j]) == 0) {
                return wenc_fail(w, AKT_EINVAL, f, "given twice");
            }
        }
        akt_err rc = wenc_field(w, f, o->items[j], obj);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}

int
aktc_wire_encode(ast_file *files, const char *type_name)
{
    const akt_type *t = wire_lookup(files, type_name);
    if (t == NULL) {
        return 1;
    }
    size_t len;
    unsigned char *data = wire_read_stdin(&len);
    jrd r = { .p = (const char *)data,
        .start = (const char *)data,
        .end = (const char *)data + len };
    jv *doc = jrd_value(&r);
    if (doc) {
        jrd_ws(&r);
        if (r.p != r.end) {
            jrd_fail(&r, "trailing characters");
        }
    }
    free(data);
    if (r.err[0]) {
        fprintf(stderr, "aktc: encode error: ESYNTAX: %s\n", r.err);
        jv_free(doc);
        wire_free_all();
        return 1;
    }
    int ret = 1;
    akt_buf out;
    akt_buf_init(&out);
    void *msg = akt_msg_new(t, 256);
    wenc w = { .arena = msg ? akt_msg_arena(msg) : NULL };
    akt_err rc = msg ? wenc_object(&w, t, doc, msg, NULL) : AKT_ENOMEM;
    if (rc == AKT_OK && (rc = akt_msg_encode(msg, &out)) != AKT_OK) {
        snprintf(
            w.err, sizeof w.err, "%s: %s", akt_err_name(rc), akt_strerror(rc));
    }
    if (rc != AKT_OK) {
        fprintf(stderr, "aktc: encode error: %s\n",
            w.err[0] ? w.err : akt_err_name(rc));
    } else if (fwrite(out.data, 1, out.len, stdout) == out.len
        && fflush(stdout) == 0) {
        ret = 0;
    }
    akt_buf_free(&out);
    akt_msg_free(msg);
    jv_free(doc);
    wire_free_all();
    return ret;
}
