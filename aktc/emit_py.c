/*
 * emit_py.c -- the Python emitter: x.akt -> x_akt.py + x_akt.pyi
 * (`aktc --py_out dir`).
 *
 * The module is pure Python: message classes (akt.Message subclasses
 * with __slots__), IntEnums, typed refs (akt.TypedRef) and actor base
 * classes (akt.TypedActor), then one akt.bind_module() call with the
 * field table of every message. At import akt._core builds a run-time
 * descriptor from that table, or, when a C extension registered the
 * type's descriptor first, compares the two (schema hash, field numbers,
 * kinds) and fails naming each difference; the validation, conversion
 * and wire encoding all run in akt._core from the same table. The .pyi
 * stub gives the typed fields, constructors and methods to type
 * checkers.
 *
 * The fixed text is in templates/python/{module.py,stub.pyi}.tmpl
 * (embedded at build time by aktc/embed_py_templates.cmake); this file
 * computes what varies. Output is deterministic.
 *
 * The schema hash of a message is FNV-1a 64 over a canonical text of its
 * field table -- "<qname>\n" then, per field in declaration order,
 * "<number> <name> <kind> <elem kind> <key kind> <optional> <type>\n"
 * with akt_kind numbers and the qualified name of the nested message or
 * enum ("-" for none) -- which akt._core computes the same way from an
 * akt_type (python-gen/src/core/schema.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/msg.h"
#include "aktc.h"
#include "diag.h"
#include "strbuf.h"

/* --- string builder (strbuf.h) ------------------------------------------ */

/* b's text without its last newline (for a hole on a line of its own) */
static const char *
pb_chomp(aktc_sb *b)
{
    if (b->len > 0 && b->s[b->len - 1] == '\n') {
        b->s[--b->len] = '\0';
    }
    return aktc_sb_str(b);
}

/* --- templates ------------------------------------------------------------ */

extern const unsigned char aktc_py_tmpl_module[];
extern const unsigned char aktc_py_tmpl_stub[];

/* the text of block "@@ name" of t */
static const char *
py_block(const char *t, const char *name, size_t *len)
{
    size_t nl = strlen(name);
    for (const char *p = t; p && *p;) {
        if (strncmp(p, "@@ ", 3) == 0 && strncmp(p + 3, name, nl) == 0
            && (p[3 + nl] == '\n' || p[3 + nl] == '\0')) {
            const char *start = p + 3 + nl + (p[3 + nl] == '\n');
            const char *end = start;
            while (*end && strncmp(end, "@@ ", 3) != 0) {
                const char *n = strchr(end, '\n');
                end = n ? n + 1 : end + strlen(end);
            }
            *len = (size_t)(end - start);
            return start;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    fprintf(
        stderr, "aktc: internal error: no Python template block '%s'\n", name);
    exit(3);
}

/* append block name of t with each {{key}} replaced (key, value, ...,
 * NULL) */
static void
py_tmpl(aktc_sb *out, const unsigned char *t, const char *name, ...)
{
    size_t len;
    const char *text = py_block((const char *)t, name, &len);
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *open = memmem(p, (size_t)(end - p), "{{", 2);
        if (open == NULL) {
            aktc_sb_putn(out, p, (size_t)(end - p));
            break;
        }
        aktc_sb_putn(out, p, (size_t)(open - p));
        const char *close = strstr(open, "}}");
        size_t klen = (size_t)(close - open - 2);
        const char *val = NULL;
        va_list ap;
        va_start(ap, name);
        for (const char *k = va_arg(ap, const char *); k;
             k = va_arg(ap, const char *)) {
            const char *v = va_arg(ap, const char *);
            if (strlen(k) == klen && strncmp(k, open + 2, klen) == 0) {
                val = v;
                break;
            }
        }
        va_end(ap);
        if (val == NULL) {
            fprintf(stderr,
                "aktc: internal error: Python template '%s' needs {{%.*s}}\n",
                name, (int)klen, open + 2);
            exit(3);
        }
        aktc_sb_puts(out, val);
        p = close + 2;
    }
}

/* --- text helpers ----------------------------------------------------------
 */

/* a Python string literal ("...") for the n bytes of s (UTF-8 kept) */
static void
py_string(aktc_sb *b, const char *s, size_t n)
{
    aktc_sb_putn(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '"') {
            aktc_sb_putn(b, "\\", 1);
            aktc_sb_putn(b, (const char *)&c, 1);
        } else if (c == '\n') {
            aktc_sb_puts(b, "\\n");
        } else if (c == '\t') {
            aktc_sb_puts(b, "\\t");
        } else if (c == '\r') {
            aktc_sb_puts(b, "\\r");
        } else if (c < 0x20 || c == 0x7f) {
            aktc_sb_printf(b, "\\x%02x", c);
        } else {
            aktc_sb_putn(b, (const char *)&c, 1);
        }
    }
    aktc_sb_putn(b, "\"", 1);
}

/* doc text for inside """...""": backslashes doubled, runs of quotes
 * broken, lines after the first indented by indent spaces; a trailing
 * quote gets a space so it cannot meet the closing quotes */
static char *
py_doc(const char *doc, const char *fallback, int indent)
{
    const char *s = doc && *doc ? doc : fallback;
    aktc_sb b = { 0 };
    for (const char *p = s; *p; p++) {
        if (*p == '\\') {
            aktc_sb_puts(&b, "\\\\");
        } else if (*p == '"' && p > s && p[-1] == '"') {
            aktc_sb_puts(&b, "\\\"");
        } else if (*p == '\n') {
            aktc_sb_puts(&b, "\n");
            if (p[1] != '\n' && p[1] != '\0') {
                aktc_sb_printf(&b, "%*s", indent, "");
            }
        } else {
            aktc_sb_putn(&b, p, 1);
        }
    }
    if (b.len > 0 && b.s[b.len - 1] == '"') {
        aktc_sb_puts(&b, " ");
    }
    char *r = ast_strdup(aktc_sb_str(&b));
    aktc_sb_free(&b);
    return r;
}

/* --- kinds and names --------------------------------------------------------
 */

/* the kind names akt.bind_module reads (index: akt_kind) */
static const char *const kind_names[] = { "none", "bool", "int8", "int16",
    "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32",
    "float64", "string", "bytes", "message", "enum", "list", "map", "ref" };

static const char *
kind_name(uint16_t k)
{
    return k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "?";
}

/* "x_akt" for x.akt */
static char *
py_module(const ast_file *f)
{
    char *stem = aktc_file_stem(f->base);
    char *m = ast_printf("%s_akt", stem);
    free(stem);
    return m;
}

/* how code in file `in` names the class of decl d */
static char *
py_class_ref(const ast_file *in, const ast_decl *d)
{
    if (d->file == in) {
        return ast_strdup(d->name);
    }
    char *m = py_module(d->file);
    char *r = ast_printf("_i_%s.%s", m, d->name);
    free(m);
    return r;
}

/* the message or enum a field's type names (or its element's), or NULL */
static const ast_decl *
py_named(const ast_type *t)
{
    if (t->kind == TY_LIST || t->kind == TY_MAP) {
        t = t->elem;
    }
    return t->kind == TY_NAMED ? t->decl : NULL;
}

/* the stub's Python type of one value of t (read side) */
static void
py_value_type(aktc_sb *b, const ast_file *in, const ast_type *t)
{
    switch (t->kind) {
    case TY_BOOL:
        aktc_sb_puts(b, "bool");
        return;
    case TY_FLOAT32:
    case TY_FLOAT64:
        aktc_sb_puts(b, "float");
        return;
    case TY_STRING:
        aktc_sb_puts(b, "str");
        return;
    case TY_BYTES:
        aktc_sb_puts(b, "bytes");
        return;
    case TY_REF:
        aktc_sb_puts(b, "akt.ActorRef | None");
        return;
    case TY_NAMED: {
        char *c = py_class_ref(in, t->decl);
        aktc_sb_puts(b, c);
        free(c);
        return;
    }
    case TY_LIST:
        aktc_sb_puts(b, "tuple[");
        py_value_type(b, in, t->elem);
        aktc_sb_puts(b, ", ...]");
        return;
    case TY_MAP:
        aktc_sb_puts(b, "Mapping[");
        py_value_type(b, in, t->key);
        aktc_sb_puts(b, ", ");
        py_value_type(b, in, t->elem);
        aktc_sb_puts(b, "]");
        return;
    default:
        aktc_sb_puts(b, "int");
        return;
    }
}

/* the stub's type of a constructor argument for t */
static void
py_param_type(aktc_sb *b, const ast_file *in, const ast_type *t)
{
    switch (t->kind) {
    case TY_FLOAT32:
    case TY_FLOAT64:
        aktc_sb_puts(b, "float | int");
        return;
    case TY_BYTES:
        aktc_sb_puts(b, "bytes | bytearray | memoryview");
        return;
    case TY_NAMED:
        if (t->decl->kind == DECL_ENUM) {
            char *c = py_class_ref(in, t->decl);
            aktc_sb_printf(b, "%s | int", c);
            free(c);
            return;
        }
        py_value_type(b, in, t);
        return;
    case TY_REF:
        aktc_sb_puts(b, "akt.ActorRef | akt.TypedRef | None");
        return;
    case TY_LIST:
        aktc_sb_puts(b, "Iterable[");
        py_param_type(b, in, t->elem);
        aktc_sb_puts(b, "]");
        return;
    case TY_MAP:
        aktc_sb_puts(b, "Mapping[");
        py_param_type(b, in, t->key);
        aktc_sb_puts(b, ", ");
        py_param_type(b, in, t->elem);
        aktc_sb_puts(b, "]");
        return;
    default:
        py_value_type(b, in, t);
        return;
    }
}

/* --- schema hash ------------------------------------------------------------
 */

static uint64_t
fnv_update(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

#define FNV_OFFSET 0xcbf29ce484222325ull

static uint64_t
message_hash(const ast_decl *d)
{
    aktc_sb b = { 0 };
    aktc_sb_printf(&b, "%s\n", d->qname);
    for (const ast_field *f = d->fields; f; f = f->next) {
        const ast_type *t = f->type;
        uint16_t elem = 0, key = 0;
        if (t->kind == TY_LIST || t->kind == TY_MAP) {
            elem = aktc_ast_kind(t->elem);
            key = t->kind == TY_MAP ? aktc_ast_kind(t->key) : 0;
        }
        const ast_decl *n = py_named(t);
        aktc_sb_printf(&b, "%" PRIu64 " %s %u %u %u %d %s\n", f->number,
            f->name, (unsigned)aktc_ast_kind(t), (unsigned)elem, (unsigned)key,
            f->optional ? 1 : 0, n ? n->qname : "-");
    }
    uint64_t h = fnv_update(FNV_OFFSET, b.s, b.len);
    aktc_sb_free(&b);
    return h;
}

static uint64_t
enum_hash(const ast_decl *d)
{
    aktc_sb b = { 0 };
    aktc_sb_printf(&b, "enum %s\n", d->qname);
    for (const ast_enumval *v = d->values; v; v = v->next) {
        aktc_sb_printf(&b, "%s %" PRId64 "\n", v->name, v->value);
    }
    uint64_t h = fnv_update(FNV_OFFSET, b.s, b.len);
    aktc_sb_free(&b);
    return h;
}

/* --- the declarations --------------------------------------------------------
 */

typedef struct py_out {
    const ast_file *f;
    aktc_sb mod, stub;
    aktc_sb bind_msgs, bind_enums;
    uint64_t file_hash;
} py_out;

/* a field's default as a Python literal (None: the kind's zero value or,
 * for a nested message, its type's default message) */
static void
py_default(aktc_sb *b, const ast_field *f)
{
    const ast_literal *l = f->deflt;
    if (l == NULL || f->optional) {
        aktc_sb_puts(b, "None");
        return;
    }
    switch (l->kind) {
    case LIT_INT:
        if (f->type->kind == TY_FLOAT32 || f->type->kind == TY_FLOAT64) {
            aktc_sb_printf(b, "%s%" PRIu64 ".0", l->neg ? "-" : "", l->u);
        } else {
            aktc_sb_printf(b, "%s%" PRIu64, l->neg ? "-" : "", l->u);
        }
        return;
    case LIT_FLOAT: {
        char num[64];
        snprintf(num, sizeof num, "%.17g", l->d);
        aktc_sb_puts(b, num);
        if (!strpbrk(num, ".eEn")) {
            aktc_sb_puts(b, ".0");
        }
        return;
    }
    case LIT_STRING:
        py_string(b, l->s, l->slen);
        return;
    case LIT_BOOL:
        aktc_sb_puts(b, l->b ? "True" : "False");
        return;
    case LIT_IDENT:
        for (const ast_enumval *v = f->type->decl->values; v; v = v->next) {
            if (strcmp(v->name, l->text) == 0) {
                aktc_sb_printf(b, "%" PRId64, v->value);
                return;
            }
        }
        aktc_sb_puts(b, "None");
        return;
    }
}

static void
emit_enum(py_out *o, const ast_decl *d)
{
    aktc_sb vals = { 0 }, svals = { 0 };
    for (const ast_enumval *v = d->values; v; v = v->next) {
        if (v->doc) {
            char *doc = py_doc(v->doc, "", 4);
            aktc_sb_printf(&vals, "    #: %s\n", doc);
            free(doc);
        }
        aktc_sb_printf(&vals, "    %s = %" PRId64 "\n", v->name, v->value);
        aktc_sb_printf(&svals, "    %s = %" PRId64 "\n", v->name, v->value);
    }
    if (d->values == NULL) {
        aktc_sb_puts(&svals, "    ...\n");
    }
    char *doc = py_doc(d->doc, d->qname, 4);
    py_tmpl(&o->mod, aktc_py_tmpl_module, "enum", "name", d->name, "doc", doc,
        "values", pb_chomp(&vals), NULL);
    py_tmpl(&o->stub, aktc_py_tmpl_stub, "enum", "name", d->name, "values",
        pb_chomp(&svals), NULL);
    py_tmpl(&o->bind_enums, aktc_py_tmpl_module, "bind_enum", "name", d->name,
        "qname", d->qname, NULL);
    uint64_t h = enum_hash(d);
    o->file_hash = fnv_update(o->file_hash, (const char *)&h, sizeof h);
    free(doc);
    aktc_sb_free(&vals);
    aktc_sb_free(&svals);
}

static void
emit_message(py_out *o, const ast_decl *d)
{
    aktc_sb slots = { 0 }, params = { 0 }, props = { 0 }, fields = { 0 },
            fdoc = { 0 };
    int n = 0;
    for (const ast_field *f = d->fields; f; f = f->next, n++) {
        const ast_type *t = f->type;
        aktc_sb_printf(&slots, "%s\"%s\"", n ? ", " : "", f->name);
        /* constructor parameter and read-only property of the stub */
        aktc_sb_printf(&params, ", %s: ", f->name);
        py_param_type(&params, o->f, t);
        if (f->optional) {
            aktc_sb_puts(&params, " | None");
        } else if (t->kind == TY_NAMED && t->decl->kind == DECL_MESSAGE) {
            aktc_sb_puts(&params, " | None"); /* None: the type's default */
        }
        aktc_sb_puts(&params, " = ...");
        aktc_sb_puts(&props, "    @property\n");
        aktc_sb_printf(&props, "    def %s(self) -> ", f->name);
        py_value_type(&props, o->f, t);
        if (f->optional && t->kind != TY_REF) {
            aktc_sb_puts(&props, " | None");
        }
        aktc_sb_puts(&props, ": ...\n");
        /* the field table row */
        uint16_t k = aktc_ast_kind(t), ek = 0, kk = 0;
        if (t->kind == TY_LIST || t->kind == TY_MAP) {
            ek = aktc_ast_kind(t->elem);
            kk = t->kind == TY_MAP ? aktc_ast_kind(t->key) : 0;
        }
        const ast_decl *named = py_named(t);
        aktc_sb_printf(&fields, "        (\"%s\", %" PRIu64 ", \"%s\", ",
            f->name, f->number, kind_name(k));
        if (ek) {
            aktc_sb_printf(&fields, "\"%s\", ", kind_name(ek));
        } else {
            aktc_sb_puts(&fields, "None, ");
        }
        if (kk) {
            aktc_sb_printf(&fields, "\"%s\", ", kind_name(kk));
        } else {
            aktc_sb_puts(&fields, "None, ");
        }
        if (named) {
            aktc_sb_printf(&fields, "\"%s\", ", named->qname);
        } else {
            aktc_sb_puts(&fields, "None, ");
        }
        aktc_sb_printf(&fields, "%s, ", f->optional ? "True" : "False");
        py_default(&fields, f);
        aktc_sb_puts(&fields, "),\n");
        /* the class doc lists the fields */
        char *ts = ast_type_str(t, f->optional);
        aktc_sb_printf(&fdoc, "\n        %s (%s = %" PRIu64 "%s)", f->name, ts,
            f->number, f->deprecated ? ", deprecated" : "");
        free(ts);
        if (f->doc) {
            char *fd = py_doc(f->doc, "", 12);
            aktc_sb_printf(&fdoc, ": %s", fd);
            free(fd);
        }
    }
    if (n == 1) {
        aktc_sb_puts(&slots, ",");
    }
    char *base = py_doc(d->doc, d->qname, 4);
    char *doc = n
        ? ast_printf("%s\n\n    Fields:%s\n    ", base, aktc_sb_str(&fdoc))
        : ast_strdup(base);
    py_tmpl(&o->mod, aktc_py_tmpl_module, "message", "name", d->name, "doc",
        doc, "slots", aktc_sb_str(&slots), NULL);
    py_tmpl(&o->stub, aktc_py_tmpl_stub, "message", "name", d->name, "params",
        aktc_sb_str(&params), "props", pb_chomp(&props), NULL);
    uint64_t h = message_hash(d);
    o->file_hash = fnv_update(o->file_hash, (const char *)&h, sizeof h);
    char id[32], hs[32];
    snprintf(id, sizeof id, "0x%016" PRIx64, d->type_id);
    snprintf(hs, sizeof hs, "0x%016" PRIx64, h);
    py_tmpl(&o->bind_msgs, aktc_py_tmpl_module, "bind_message", "name", d->name,
        "qname", d->qname, "id", id, "hash", hs, "fields", aktc_sb_str(&fields),
        NULL);
    free(base);
    free(doc);
    aktc_sb_free(&slots);
    aktc_sb_free(&params);
    aktc_sb_free(&props);
    aktc_sb_free(&fields);
    aktc_sb_free(&fdoc);
}

/* --- fsm actors -------------------------------------------------------------
 */

/* the source text of an fsm line ("on Open -> Opened", "timeout 30s ->
 * Closed"), as the C glue's failure texts give it */
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

/* "CLOSED" for state Closed (its snake name, upper case) */
static char *
fsm_member(const ast_fsm_state *st)
{
    char *m = ast_strdup(st->snake);
    for (char *p = m; *p; p++) {
        if (*p >= 'a' && *p <= 'z') {
            *p = (char)(*p - 'a' + 'A');
        }
    }
    return m;
}

static void
emit_fsm_enum(py_out *o, const ast_decl *a)
{
    aktc_sb vals = { 0 }, svals = { 0 };
    for (const ast_fsm_state *st = a->fsm->states; st; st = st->next) {
        char *m = fsm_member(st);
        if (st->doc) {
            char *doc = py_doc(st->doc, "", 4);
            aktc_sb_printf(&vals, "    #: %s\n", doc);
            free(doc);
        }
        aktc_sb_printf(&vals, "    %s = %d\n", m, st->index);
        aktc_sb_printf(&svals, "    %s = %d\n", m, st->index);
        free(m);
    }
    py_tmpl(&o->mod, aktc_py_tmpl_module, "fsm_enum", "name", a->name, "qname",
        a->qname, "values", pb_chomp(&vals), NULL);
    py_tmpl(&o->stub, aktc_py_tmpl_stub, "fsm_enum", "name", a->name, "values",
        pb_chomp(&svals), NULL);
    aktc_sb_free(&vals);
    aktc_sb_free(&svals);
}

/* how the module names state st ("DoorFsmState.CLOSED") */
static char *
fsm_state_ref(const ast_decl *a, const ast_fsm_state *st)
{
    char *m = fsm_member(st);
    char *r = ast_printf("%sFsmState.%s", a->name, m);
    free(m);
    return r;
}

static void
emit_fsm_actor(py_out *o, const ast_decl *a, const char *doc)
{
    aktc_sb states = { 0 }, hs = { 0 }, shs = { 0 };
    for (const ast_fsm_state *st = a->fsm->states; st; st = st->next) {
        char *sref = fsm_state_ref(a, st);
        aktc_sb_printf(&states, "        (%s, \"%s\", \"%s\", (\n", sref,
            st->name, st->snake);
        for (const ast_fsm_trans *t = st->trans; t; t = t->next) {
            if (t->is_timeout || t->msg_decl == NULL || t->dup) {
                continue;
            }
            char *mc = py_class_ref(o->f, t->msg_decl);
            char *line = fsm_line_text(t);
            char *target = t->target_state ? fsm_state_ref(a, t->target_state)
                                           : ast_strdup("None");
            aktc_sb_printf(&states, "            (%s, \"%s_on_%s\", %s, ", mc,
                st->snake, t->snake, target);
            py_string(&states, line, strlen(line));
            aktc_sb_puts(&states, "),\n");
            char *hdoc = ast_printf("%s in state %s%s%s", line, st->name,
                t->doc ? ": " : ".", t->doc ? t->doc : "");
            char *d = py_doc(hdoc, "", 8);
            py_tmpl(&hs, aktc_py_tmpl_module, "fsm_handler", "st", st->snake,
                "h", t->snake, "doc", d, NULL);
            py_tmpl(&shs, aktc_py_tmpl_stub, "fsm_handler", "st", st->snake,
                "h", t->snake, "msg", mc, NULL);
            free(d);
            free(hdoc);
            free(target);
            free(line);
            free(mc);
        }
        const ast_fsm_trans *t = st->timeout;
        if (t && t->target_state) {
            char *line = fsm_line_text(t);
            char *target = fsm_state_ref(a, t->target_state);
            aktc_sb_printf(&states,
                "        ), (%" PRId64 ", \"%s_on_timeout\", %s, ",
                t->timeout_ns, st->snake, target);
            py_string(&states, line, strlen(line));
            aktc_sb_puts(&states, ")),\n");
            char *hdoc = ast_printf("%s in state %s%s%s", line, st->name,
                t->doc ? ": " : ".", t->doc ? t->doc : "");
            char *d = py_doc(hdoc, "", 8);
            py_tmpl(&hs, aktc_py_tmpl_module, "fsm_timeout", "st", st->snake,
                "doc", d, NULL);
            py_tmpl(
                &shs, aktc_py_tmpl_stub, "fsm_timeout", "st", st->snake, NULL);
            free(d);
            free(hdoc);
            free(target);
            free(line);
        } else {
            aktc_sb_puts(&states, "        ), None),\n");
        }
        free(sref);
    }
    if (shs.len == 0) {
        aktc_sb_puts(&shs, "    ...\n");
    }
    char *initial = a->fsm->initial_state
        ? fsm_state_ref(a, a->fsm->initial_state)
        : ast_strdup("0");
    py_tmpl(&o->mod, aktc_py_tmpl_module, "fsm_actor", "name", a->name, "qname",
        a->qname, "doc", doc, "initial", initial, "states", pb_chomp(&states),
        "handlers", pb_chomp(&hs), NULL);
    py_tmpl(&o->stub, aktc_py_tmpl_stub, "fsm_actor", "name", a->name,
        "handlers", pb_chomp(&shs), NULL);
    free(initial);
    aktc_sb_free(&states);
    aktc_sb_free(&hs);
    aktc_sb_free(&shs);
}

/* a persistent actor's base class: the command handlers (hs, shs), one
 * apply_<event> per event, snapshot_offer with a snapshot type */
static void
emit_pactor(py_out *o, const ast_decl *a, const char *doc, const char *on,
    aktc_sb *hs, aktc_sb *shs)
{
    aktc_sb events = { 0 };
    int n = 0;
    for (const ast_handler *e = a->events; e; e = e->next) {
        if (e->msg_decl == NULL) {
            continue;
        }
        char *mc = py_class_ref(o->f, e->msg_decl);
        aktc_sb_printf(
            &events, "%s(%s, \"apply_%s\")", n++ ? ", " : "", mc, e->snake);
        py_tmpl(hs, aktc_py_tmpl_module, "pactor_apply", "snake", e->snake,
            "qname", e->msg_decl->qname, "actor", a->qname, NULL);
        py_tmpl(shs, aktc_py_tmpl_stub, "pactor_apply", "snake", e->snake,
            "msg", mc, NULL);
        free(mc);
    }
    if (n == 1) {
        aktc_sb_puts(&events, ",");
    }
    const ast_decl *snap = a->snapshot_decl;
    char *sc = snap ? py_class_ref(o->f, snap) : ast_strdup("None");
    if (snap) {
        py_tmpl(hs, aktc_py_tmpl_module, "pactor_snapshot", "qname",
            snap->qname, "actor", a->qname, NULL);
        py_tmpl(shs, aktc_py_tmpl_stub, "pactor_snapshot", "msg", sc, NULL);
    }
    if (shs->len == 0) {
        aktc_sb_puts(shs, "    ...\n");
    }
    char *recovery = snap
        ? ast_printf(
            "the youngest %s snapshot, then the events after it", snap->qname)
        : ast_strdup("the events");
    py_tmpl(&o->mod, aktc_py_tmpl_module, "pactor", "name", a->name, "qname",
        a->qname, "doc", doc, "recovery", recovery, "on", on, "events",
        aktc_sb_str(&events), "snapshot", sc, "handlers", pb_chomp(hs), NULL);
    py_tmpl(&o->stub, aktc_py_tmpl_stub, "pactor", "name", a->name, "handlers",
        pb_chomp(shs), NULL);
    free(recovery);
    free(sc);
    aktc_sb_free(&events);
}

static void
emit_actor(py_out *o, const ast_decl *a)
{
    aktc_sb rm = { 0 }, srm = { 0 }, on = { 0 }, hs = { 0 }, shs = { 0 };
    int n = 0;
    /* the handlers: the `on` lines, or, for an fsm actor, each message
     * some state takes (once, in order of first appearance) */
    typedef struct hrow {
        const ast_decl *msg, *reply;
        const char *snake, *doc;
    } hrow;
    size_t nrows = 0, caprows = 8;
    hrow *rows = ast_alloc(caprows * sizeof *rows);
    for (const ast_handler *h = a->handlers; h; h = h->next) {
        if (nrows == caprows) {
            caprows *= 2;
            rows = realloc(rows, caprows * sizeof *rows);
        }
        rows[nrows++] = (hrow) { h->msg_decl, h->reply_decl, h->snake, h->doc };
    }
    for (const ast_fsm_state *st = a->fsm ? a->fsm->states : NULL; st;
         st = st->next) {
        for (const ast_fsm_trans *tr = st->trans; tr; tr = tr->next) {
            bool seen = tr->is_timeout || tr->msg_decl == NULL;
            for (size_t k = 0; k < nrows && !seen; k++) {
                seen = rows[k].msg == tr->msg_decl;
            }
            if (seen) {
                continue;
            }
            if (nrows == caprows) {
                caprows *= 2;
                rows = realloc(rows, caprows * sizeof *rows);
            }
            rows[nrows++] = (hrow) { tr->msg_decl, NULL, tr->snake, tr->doc };
        }
    }
    if (rows == NULL) {
        fputs("aktc: out of memory\n", stderr);
        exit(3);
    }
    for (size_t r = 0; r < nrows; r++) {
        const ast_decl *msg = rows[r].msg, *reply = rows[r].reply;
        const char *snake = rows[r].snake, *hdoc = rows[r].doc;
        if (msg == NULL || snake == NULL) {
            continue;
        }
        char *mc = py_class_ref(o->f, msg);
        char *doc = py_doc(hdoc, msg->qname, 8);
        char *hdoc1 = ast_printf("Handle a %s.", msg->qname);
        char *rdoc = py_doc(hdoc, hdoc1, 8);
        free(hdoc1);
        if (reply) {
            char *rc = py_class_ref(o->f, reply);
            py_tmpl(&rm, aktc_py_tmpl_module, "ref_ask", "snake", snake, "doc",
                rdoc, "msg", mc, "reply", rc, "reply_q", reply->qname, NULL);
            py_tmpl(&srm, aktc_py_tmpl_stub, "ref_ask", "snake", snake, "msg",
                mc, "reply", rc, NULL);
            /* a persistent actor answers in a persist callback, too */
            char *sr
                = a->persistent ? ast_printf("%s | None", rc) : ast_strdup(rc);
            py_tmpl(&shs, aktc_py_tmpl_stub, "actor_handler", "snake", snake,
                "msg", mc, "reply", sr, NULL);
            free(sr);
            free(rc);
        } else {
            py_tmpl(&shs, aktc_py_tmpl_stub, "actor_handler", "snake", snake,
                "msg", mc, "reply", "None", NULL);
        }
        py_tmpl(&rm, aktc_py_tmpl_module, "ref_tell", "snake", snake, "doc",
            rdoc, "msg", mc, NULL);
        py_tmpl(&srm, aktc_py_tmpl_stub, "ref_tell", "snake", snake, "msg", mc,
            NULL);
        py_tmpl(&hs, aktc_py_tmpl_module, "actor_handler", "snake", snake,
            "doc", rdoc, "qname", a->qname, NULL);
        aktc_sb_printf(&on, "%s(%s, \"on_%s\")", n ? ", " : "", mc, snake);
        n++;
        free(mc);
        free(doc);
        free(rdoc);
    }
    free(rows);
    if (n == 1) {
        aktc_sb_puts(&on, ",");
    }
    if (n == 0) {
        aktc_sb_puts(&srm, "    ...\n");
        aktc_sb_puts(&shs, "    ...\n");
    }
    char *doc = py_doc(a->doc, a->qname, 4);
    if (a->fsm) {
        emit_fsm_enum(o, a);
    }
    py_tmpl(&o->mod, aktc_py_tmpl_module, "ref", "name", a->name, "qname",
        a->qname, "methods", pb_chomp(&rm), NULL);
    py_tmpl(&o->stub, aktc_py_tmpl_stub, "ref", "name", a->name, "methods",
        pb_chomp(&srm), NULL);
    if (a->fsm) {
        emit_fsm_actor(o, a, doc);
    } else if (a->persistent) {
        emit_pactor(o, a, doc, aktc_sb_str(&on), &hs, &shs);
    } else {
        py_tmpl(&o->mod, aktc_py_tmpl_module, "actor", "name", a->name, "qname",
            a->qname, "doc", doc, "on", aktc_sb_str(&on), "handlers",
            pb_chomp(&hs), NULL);
        py_tmpl(&o->stub, aktc_py_tmpl_stub, "actor", "name", a->name,
            "handlers", pb_chomp(&shs), NULL);
    }
    free(doc);
    aktc_sb_free(&rm);
    aktc_sb_free(&srm);
    aktc_sb_free(&on);
    aktc_sb_free(&hs);
    aktc_sb_free(&shs);
}

/* Python names the module defines twice (an actor's <A>Ref or <A>Actor
 * against a message or enum); reported, 1 when any */
static int
check_names(const ast_file *f)
{
    int bad = 0;
    for (const ast_decl *a = f->decls; a; a = a->next) {
        if (a->kind != DECL_ACTOR) {
            continue;
        }
        static const char *const sfx[] = { "Ref", "Actor", "FsmState" };
        for (int i = 0; i < (a->fsm ? 3 : 2); i++) {
            char *name = ast_printf("%s%s", a->name, sfx[i]);
            for (const ast_decl *d = f->decls; d; d = d->next) {
                bool clash = strcmp(d->name, name) == 0
                    || (d->state && strcmp(d->state->name, name) == 0);
                if (clash) {
                    diag_error(f, d->name_loc,
                        "'%s' is also the Python class aktc --py_out makes "
                        "for actor '%s'",
                        name, a->name);
                    bad = 1;
                }
            }
            free(name);
        }
    }
    return bad;
}

/* render f's module and stub into out[0], out[1]; -1 (reported) when
 * the names clash */
static int
py_render(const ast_file *f, aktc_sb *mod, aktc_sb *stub)
{
    if (check_names(f)) {
        return -1;
    }
    py_out o = { .f = f, .file_hash = FNV_OFFSET };
    char *module = py_module(f);
    aktc_sb imps = { 0 }, simps = { 0 };
    const ast_import *seen[256];
    int nseen = 0;
    for (const ast_import *i = f->imports; i; i = i->next) {
        bool dup = false;
        for (int k = 0; k < nseen; k++) {
            dup = dup || seen[k]->file == i->file;
        }
        if (i->file == NULL || dup) {
            continue;
        }
        if (nseen < 256) {
            seen[nseen++] = i;
        }
        char *m = py_module(i->file);
        char *alias = ast_printf("_i_%s", m);
        py_tmpl(&imps, aktc_py_tmpl_module, "import", "module", m, "alias",
            alias, NULL);
        py_tmpl(&simps, aktc_py_tmpl_stub, "import", "module", m, "alias",
            alias, NULL);
        free(m);
        free(alias);
    }
    for (const ast_decl *d = f->decls; d; d = d->next) {
        if (d->kind == DECL_ENUM) {
            emit_enum(&o, d);
        }
    }
    for (const ast_decl *d = f->decls; d; d = d->next) {
        if (d->kind == DECL_MESSAGE) {
            emit_message(&o, d);
        } else if (d->kind == DECL_ACTOR && d->state) {
            emit_message(&o, d->state);
        }
    }
    for (const ast_decl *d = f->decls; d; d = d->next) {
        if (d->kind == DECL_ACTOR) {
            emit_actor(&o, d);
        }
    }
    char hash[32];
    snprintf(hash, sizeof hash, "0x%016" PRIx64, o.file_hash);
    char *pkg_doc = ast_printf(
        "package %s: the messages and actors of %s.", f->pkg, f->base);
    py_tmpl(mod, aktc_py_tmpl_module, "file_begin", "module", module, "base",
        f->base, "version", AKTC_VERSION, "pkg_doc", pkg_doc, "pkg", f->pkg,
        "imports", aktc_sb_str(&imps), "hash", hash, NULL);
    aktc_sb_putn(mod, o.mod.s ? o.mod.s : "", o.mod.len);
    py_tmpl(mod, aktc_py_tmpl_module, "bind_begin", NULL);
    aktc_sb_putn(mod, o.bind_msgs.s ? o.bind_msgs.s : "", o.bind_msgs.len);
    py_tmpl(mod, aktc_py_tmpl_module, "bind_enums", NULL);
    aktc_sb_putn(mod, o.bind_enums.s ? o.bind_enums.s : "", o.bind_enums.len);
    py_tmpl(mod, aktc_py_tmpl_module, "bind_end", NULL);
    py_tmpl(stub, aktc_py_tmpl_stub, "file_begin", "module", module, "base",
        f->base, "version", AKTC_VERSION, "pkg", f->pkg, "imports",
        aktc_sb_str(&simps), NULL);
    aktc_sb_putn(stub, o.stub.s ? o.stub.s : "", o.stub.len);
    free(pkg_doc);
    free(module);
    aktc_sb_free(&imps);
    aktc_sb_free(&simps);
    aktc_sb_free(&o.mod);
    aktc_sb_free(&o.stub);
    aktc_sb_free(&o.bind_msgs);
    aktc_sb_free(&o.bind_enums);
    return 0;
}

static int
py_write(const char *path, const aktc_sb *b)
{
    FILE *fp = fopen(path, "rb");
    if (fp) {
        /* an identical file stays untouched (no rebuild cascades) */
        char *old = malloc(b->len + 1);
        size_t n = old ? fread(old, 1, b->len + 1, fp) : 0;
        bool same = old && n == b->len && memcmp(old, b->s, n) == 0;
        free(old);
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

int
emit_py(const ast_file *f, const char *dir)
{
    aktc_sb mod = { 0 }, stub = { 0 };
    if (py_render(f, &mod, &stub) != 0) {
        return 1;
    }
    char *module = py_module(f);
    char *mp = ast_printf("%s/%s.py", dir, module);
    char *sp = ast_printf("%s/%s.pyi", dir, module);
    int rc = py_write(mp, &mod) || py_write(sp, &stub) ? 1 : 0;
    free(module);
    free(mp);
    free(sp);
    aktc_sb_free(&mod);
    aktc_sb_free(&stub);
    return rc;
}

char *
emit_py_module_name(const ast_file *f)
{
    return py_module(f);
}
