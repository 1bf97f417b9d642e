/*
 * sema.c -- the semantic pass: names, packages, type resolution, field
 * numbers, defaults, handlers, cycles, and the C names every declaration
 * will have.
 *
 * Runs over all loaded files at once (imports included), so duplicate
 * qualified names and two IDL names that map to one C identifier are found
 * across files. Every check reports through diag and goes on, so one run
 * shows every problem. Invariant on success: every ast_type is resolved,
 * every decl has qname/cname/snake/macro/type_id, every actor has a state
 * message (empty when the actor declares none).
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aktc.h"
#include "diag.h"
#include "gpu.h"

#define MAX_FIELD_NUMBER 536870911u /* 2^29 - 1, as protobuf */

/* --- a small string-keyed hash table ------------------------------------- */

typedef struct sym {
    char *key;
    void *val;
    aktc_loc loc;
    const ast_file *file;
    const char *what; /* for C identifier collisions: "message 'a.B'" */
} sym;

typedef struct symtab {
    sym *slots;
    size_t cap;
    size_t n;
} symtab;

static uint64_t
fnv1a(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

static sym *
symtab_find(symtab *t, const char *key)
{
    if (t->cap == 0) {
        return NULL;
    }
    size_t i = (size_t)fnv1a(key) & (t->cap - 1);
    while (t->slots[i].key) {
        if (strcmp(t->slots[i].key, key) == 0) {
            return &t->slots[i];
        }
        i = (i + 1) & (t->cap - 1);
    }
    return NULL;
}

/* symtab_add -- insert key; returns NULL when added, or the existing entry.
 * Takes ownership of `what` either way. */
static sym *
symtab_add(symtab *t, const char *key, void *val, const ast_file *f,
    aktc_loc loc, const char *what)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        sym *slots = ast_alloc(cap * sizeof *slots);
        for (size_t i = 0; i < t->cap; i++) {
            if (t->slots[i].key) {
                size_t j = (size_t)fnv1a(t->slots[i].key) & (cap - 1);
                while (slots[j].key) {
                    j = (j + 1) & (cap - 1);
                }
                slots[j] = t->slots[i];
            }
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    size_t i = (size_t)fnv1a(key) & (t->cap - 1);
    while (t->slots[i].key) {
        if (strcmp(t->slots[i].key, key) == 0) {
            free((char *)what);
            return &t->slots[i];
        }
        i = (i + 1) & (t->cap - 1);
    }
    t->slots[i].key = ast_strdup(key);
    t->slots[i].val = val;
    t->slots[i].file = f;
    t->slots[i].loc = loc;
    t->slots[i].what = what;
    t->n++;
    return NULL;
}

static void
symtab_free(symtab *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        free(t->slots[i].key);
        free((char *)t->slots[i].what);
    }
    free(t->slots);
    t->slots = NULL;
    t->cap = t->n = 0;
}

/* --- names --------------------------------------------------------------- */

char *
aktc_snake(const char *s)
{
    size_t n = strlen(s);
    char *out = ast_alloc(2 * n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isupper(c)) {
            if (i > 0 && s[i - 1] != '_' && s[i - 1] != '.'
                && (islower((unsigned char)s[i - 1])
                    || isdigit((unsigned char)s[i - 1])
                    || (isupper((unsigned char)s[i - 1]) && i + 1 < n
                        && islower((unsigned char)s[i + 1])))) {
                out[o++] = '_';
            }
            out[o++] = (char)tolower(c);
        } else if (c == '.') {
            out[o++] = '_';
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return out;
}

char *
aktc_upper(const char *s)
{
    char *out = ast_strdup(s);
    for (char *p = out; *p; p++) {
        *p = (char)toupper((unsigned char)*p);
    }
    return out;
}

char *
aktc_file_stem(const char *base)
{
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".akt") == 0) {
        n -= 4;
    }
    char *s = ast_alloc(n + 2);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = base[i];
        if (!isalnum((unsigned char)c)) {
            c = '_';
        }
        if (c == '_' && (o == 0 || s[o - 1] == '_')) {
            continue;
        }
        s[o++] = (char)tolower((unsigned char)c);
    }
    while (o > 0 && s[o - 1] == '_') {
        o--;
    }
    if (o == 0 || isdigit((unsigned char)s[0])) {
        memmove(s + 1, s, o);
        s[0] = 'f';
        o++;
    }
    s[o] = '\0';
    return s;
}

/* Words that cannot be identifiers in the generated C or Python, or that
 * standard C headers define as macros. */
static const char *const reserved_words[] = {
    /* C11 */
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "_Alignas",
    "_Alignof",
    "_Atomic",
    "_Bool",
    "_Complex",
    "_Generic",
    "_Imaginary",
    "_Noreturn",
    "_Static_assert",
    "_Thread_local",
    /* macros of the standard headers generated code includes */
    "bool",
    "true",
    "false",
    "NULL",
    "errno",
    "assert",
    "offsetof",
    "alignas",
    "alignof",
    "noreturn",
    "static_assert",
    "complex",
    "imaginary",
    "stdin",
    "stdout",
    "stderr",
    "EOF",
    "linux",
    "unix",
    /* Python */
    "False",
    "None",
    "True",
    "and",
    "as",
    "async",
    "await",
    "class",
    "def",
    "del",
    "elif",
    "except",
    "finally",
    "from",
    "global",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "try",
    "with",
    "yield",
};

static bool
is_reserved_word(const char *s)
{
    for (size_t i = 0; i < sizeof reserved_words / sizeof reserved_words[0];
         i++) {
        if (strcmp(reserved_words[i], s) == 0) {
            return true;
        }
    }
    return false;
}

/* check_ident -- what is wrong with s as a name of `kind`, reported at loc.
 * Rules: [A-Za-z][A-Za-z0-9_]*, no "__", no trailing '_', no keyword of C
 * or Python. */
static bool
check_ident(const ast_file *f, aktc_loc loc, const char *kind, const char *s)
{
    if (s[0] == '_') {
        diag_error(f, loc, "%s '%s' must not start with '_'", kind, s);
        return false;
    }
    if (strstr(s, "__")) {
        diag_error(f, loc,
            "%s '%s' must not contain '__' (reserved in C and C++)", kind, s);
        return false;
    }
    if (s[strlen(s) - 1] == '_') {
        diag_error(f, loc, "%s '%s' must not end with '_'", kind, s);
        return false;
    }
    if (is_reserved_word(s)) {
        diag_error(
            f, loc, "%s '%s' is a reserved word in C or Python", kind, s);
        return false;
    }
    /* Generated code names C types (int32_t, size_t, akt_str) and calls
     * strlen next to parameters named after fields: keep those free. */
    size_t n = strlen(s);
    bool package = strcmp(kind, "package name part")
        == 0; /* akt's own files use "akt" */
    if (!package
        && ((n > 2 && strcmp(s + n - 2, "_t") == 0)
            || strncasecmp(s, "akt_", 4) == 0 || strcmp(s, "strlen") == 0)) {
        diag_error(f, loc,
            "%s '%s' is reserved (C type names end in '_t'; 'akt_' names "
            "belong to the runtime)",
            kind, s);
        return false;
    }
    return true;
}

/* --- the pass ------------------------------------------------------------ */

typedef struct sema {
    symtab types; /* qname -> ast_decl */
    symtab cnames; /* global C identifier -> origin */
} sema;

/* claim_cname -- record that ident is emitted for what; false (reported)
 * when another declaration already emits it. */
static bool
claim_cname(sema *S, const ast_file *f, aktc_loc loc, const char *ident,
    const char *what_fmt, const char *what_name)
{
    char *what = ast_printf(what_fmt, what_name);
    sym *old = symtab_find(&S->cnames, ident);
    if (old) {
        diag_error(f, loc,
            "%s maps to the C identifier '%s', already used by %s", what, ident,
            old->what);
        diag_note(old->file, old->loc, "%s is declared here", old->what);
        free(what);
        return false;
    }
    symtab_add(&S->cnames, ident, NULL, f, loc, what);
    return true;
}

static void
check_package(ast_file *f)
{
    if (f->pkg == NULL) {
        aktc_loc at = { 1, 1, 1, 2, 0, 1 };
        diag_error(f, at, "missing 'package' declaration");
        f->pkg = ast_strdup("unnamed");
    }
    char *copy = ast_strdup(f->pkg);
    for (char *part = strtok(copy, "."); part; part = strtok(NULL, ".")) {
        check_ident(f, f->pkg_loc, "package name part", part);
    }
    free(copy);
    f->prefix = ast_strdup(f->pkg);
    for (char *p = f->prefix; *p; p++) {
        if (*p == '.') {
            *p = '_';
        }
    }
}

static void
name_decl(ast_decl *d)
{
    const ast_file *f = d->file;
    d->qname = ast_printf("%s.%s", f->pkg, d->name);
    d->cname = ast_printf("%s_%s", f->prefix, d->name);
    char *sn = aktc_snake(d->name);
    d->snake = ast_printf("%s_%s", f->prefix, sn);
    free(sn);
    d->macro = aktc_upper(d->snake);
    d->type_id = fnv1a(d->qname);
}

static const char *
decl_kind_name(const ast_decl *d)
{
    switch (d->kind) {
    case DECL_MESSAGE:
        return d->is_state ? "state" : "message";
    case DECL_ENUM:
        return "enum";
    case DECL_ACTOR:
        return "actor";
    }
    return "?";
}

static void
register_decl(sema *S, ast_decl *d)
{
    name_decl(d);
    sym *old = symtab_add(&S->types, d->qname, d, d->file, d->name_loc, NULL);
    if (old) {
        ast_decl *o = old->val;
        if (d->is_state) {
            diag_error(d->file, d->name_loc,
                "the state of actor '%.*s' is named '%s', which is already "
                "declared",
                (int)(strlen(d->name) - 5), d->name, d->qname);
        } else {
            diag_error(d->file, d->name_loc, "duplicate name '%s'", d->qname);
        }
        diag_note(o->file, o->name_loc, "previous %s '%s' is here",
            decl_kind_name(o), o->qname);
        return;
    }
    /* C identifiers this declaration emits. */
    const char *fmt = d->kind == DECL_MESSAGE
        ? (d->is_state ? "state '%s'" : "message '%s'")
        : d->kind == DECL_ENUM ? "enum '%s'"
                               : "actor '%s'";
    if (!claim_cname(S, d->file, d->name_loc, d->cname, fmt, d->qname)) {
        return;
    }
    static const char *const msg_fns[]
        = { "new", "alloc", "free", "dup", "equal", "encode", "decode", "desc",
              "default", "fields", "init", "copy", "eq", "enc", "dec" };
    static const char *const enum_fns[] = { "enum", "name", "values" };
    static const char *const actor_fns[] = { "props", "init_state", "pre_start",
        "post_stop", "pre_restart", "post_restart", "behavior", "lifecycle",
        "handlers", "ref", "init" };
    const char *const *fns = msg_fns;
    size_t nfns = sizeof msg_fns / sizeof msg_fns[0];
    if (d->kind == DECL_ENUM) {
        fns = enum_fns;
        nfns = sizeof enum_fns / sizeof enum_fns[0];
    } else if (d->kind == DECL_ACTOR) {
        fns = actor_fns;
        nfns = sizeof actor_fns / sizeof actor_fns[0];
        static const char *const type_fmts[] = { "%sHandlers", "%sRef" };
        for (size_t i = 0; i < 2; i++) {
            char *h = ast_printf(type_fmts[i], d->cname);
            bool ok = claim_cname(S, d->file, d->name_loc, h, fmt, d->qname);
            free(h);
            if (!ok) {
                return;
            }
        }
    }
    /* one report per declaration is enough */
    for (size_t i = 0; i < nfns; i++) {
        char *id = ast_printf("%s_%s", d->snake, fns[i]);
        bool ok = claim_cname(S, d->file, d->name_loc, id, fmt, d->qname);
        free(id);
        if (!ok) {
            return;
        }
    }
}

/* lookup -- resolve a type name used in file f. */
static ast_decl *
lookup(sema *S, const ast_file *f, const char *name, aktc_loc loc)
{
    char *q = ast_printf("%s.%s", f->pkg, name);
    sym *s = symtab_find(&S->types, q);
    free(q);
    if (s == NULL) {
        s = symtab_find(&S->types, name);
    }
    if (s == NULL) {
        diag_error(f, loc, "unknown type '%s'", name);
        return NULL;
    }
    ast_decl *d = s->val;
    if (d->file != f) {
        bool seen = false;
        for (ast_import *i = f->imports; i; i = i->next) {
            if (i->file == d->file) {
                seen = true;
            }
        }
        if (!seen) {
            diag_error(f, loc, "unknown type '%s'", name);
            diag_note(d->file, d->name_loc,
                "'%s' is declared in %s, which %s does not import", d->qname,
                d->file->path, f->path);
            return NULL;
        }
    }
    return d;
}

static void
resolve_type(sema *S, const ast_file *f, ast_type *t, bool is_elem)
{
    switch (t->kind) {
    case TY_NAMED: {
        ast_decl *d = lookup(S, f, t->name, t->loc);
        if (d && d->kind == DECL_ACTOR) {
            diag_error(f, t->loc,
                "'%s' is an actor, not a message; use ref<%s>", t->name,
                t->name);
            d = NULL;
        }
        t->decl = d;
        break;
    }
    case TY_REF: {
        ast_decl *d = lookup(S, f, t->name, t->loc);
        if (d && d->kind != DECL_ACTOR) {
            diag_error(
                f, t->loc, "ref<%s>: '%s' is not an actor", t->name, t->name);
            d = NULL;
        }
        t->decl = d;
        break;
    }
    case TY_LIST:
        if (is_elem) {
            diag_error(f, t->loc,
                "a list cannot hold a list or map directly; wrap it in a "
                "message");
        }
        resolve_type(S, f, t->elem, true);
        break;
    case TY_MAP:
        if (is_elem) {
            diag_error(f, t->loc,
                "a list cannot hold a list or map directly; wrap it in a "
                "message");
        }
        if (!(ast_is_integer(t->key->kind) || t->key->kind == TY_BOOL
                || t->key->kind == TY_STRING)) {
            char *k = ast_type_str(t->key, false);
            diag_error(f, t->key->loc,
                "map key type '%s' is not allowed (integers, bool, string)", k);
            free(k);
        }
        resolve_type(S, f, t->elem, true);
        break;
    default:
        break;
    }
}

static bool
is_kind_message(const ast_type *t)
{
    return t->kind == TY_NAMED && t->decl && t->decl->kind == DECL_MESSAGE;
}

static bool
is_kind_enum(const ast_type *t)
{
    return t->kind == TY_NAMED && t->decl && t->decl->kind == DECL_ENUM;
}

/* utf8_invalid_at -- the offset of the first byte of s[0..n) that is not
 * part of well-formed UTF-8 (Unicode table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or SIZE_MAX when all of it is. The
 * runtime's codec applies the same rule to every string it encodes. */
static size_t
utf8_invalid_at(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
            return i;
        }
        if (i + 1 >= n || s[i + 1] < lo || s[i + 1] > hi) {
            return i;
        }
        for (size_t k = 2; k < len; k++) {
            if (i + k >= n || s[i + k] < 0x80 || s[i + k] > 0xbf) {
                return i;
            }
        }
        i += len;
    }
    return SIZE_MAX;
}

/* Does the literal fit the scalar kind? */
static void
check_default(const ast_file *f, ast_field *fl)
{
    ast_literal *l = fl->deflt;
    ast_type *t = fl->type;
    char *ts = ast_type_str(t, false);
    bool ok = true;
    switch (t->kind) {
    case TY_BOOL:
        ok = l->kind == LIT_BOOL;
        break;
    case TY_INT8:
    case TY_INT16:
    case TY_INT32:
    case TY_INT64: {
        static const int64_t max[]
            = { INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX };
        int64_t m = max[t->kind - TY_INT8];
        ok = l->kind == LIT_INT;
        if (ok && (l->neg ? l->u > (uint64_t)m + 1 : l->u > (uint64_t)m)) {
            diag_error(f, l->loc, "default value out of range for %s", ts);
            free(ts);
            return;
        }
        break;
    }
    case TY_UINT8:
    case TY_UINT16:
    case TY_UINT32:
    case TY_UINT64: {
        static const uint64_t max[]
            = { UINT8_MAX, UINT16_MAX, UINT32_MAX, UINT64_MAX };
        ok = l->kind == LIT_INT;
        if (ok && ((l->neg && l->u != 0) || l->u > max[t->kind - TY_UINT8])) {
            diag_error(f, l->loc, "default value out of range for %s", ts);
            free(ts);
            return;
        }
        break;
    }
    case TY_FLOAT32:
    case TY_FLOAT64:
        ok = l->kind == LIT_FLOAT || l->kind == LIT_INT;
        if (l->kind == LIT_FLOAT) {
            /* what the C compiler will make of the emitted literal */
            double v = t->kind == TY_FLOAT32 ? strtof(l->text, NULL)
                                             : strtod(l->text, NULL);
            if (isinf(v)) {
                diag_error(f, l->loc, "default value out of range for %s", ts);
                free(ts);
                return;
            }
            const char *nonzero = strpbrk(l->text, "123456789");
            const char *exponent = l->text + strcspn(l->text, "eE");
            if (v == 0 && nonzero != NULL && nonzero < exponent) {
                diag_error(f, l->loc,
                    "default value %s is too small for %s (it would be 0)",
                    l->text, ts);
                free(ts);
                return;
            }
        }
        break;
    case TY_STRING: {
        ok = l->kind == LIT_STRING;
        size_t bad = ok ? utf8_invalid_at(l->s, l->slen) : SIZE_MAX;
        if (bad != SIZE_MAX) {
            /* the runtime refuses to encode such a string (AKT_EINVAL) */
            diag_error(f, l->loc,
                "a string default must be well-formed UTF-8 (its byte %zu "
                "(0x%02x) is not)",
                bad, (unsigned char)l->s[bad]);
            free(ts);
            return;
        }
        break;
    }
    case TY_NAMED:
        if (is_kind_enum(t)) {
            ok = false;
            if (l->kind == LIT_IDENT) {
                for (ast_enumval *v = t->decl->values; v; v = v->next) {
                    if (strcmp(v->name, l->text) == 0) {
                        ok = true;
                    }
                }
                if (!ok) {
                    diag_error(f, l->loc, "'%s' is not a value of enum '%s'",
                        l->text, t->decl->qname);
                    free(ts);
                    return;
                }
            }
        } else if (t->decl) {
            diag_error(f, l->loc, "a message field cannot have a default");
            free(ts);
            return;
        }
        break;
    default:
        diag_error(f, l->loc, "a %s field cannot have a default", ts);
        free(ts);
        return;
    }
    if (!ok) {
        diag_error(
            f, l->loc, "default value does not match the field type %s", ts);
    }
    free(ts);
}

static void
check_fields(sema *S, ast_decl *d)
{
    const ast_file *f = d->file;
    symtab names = { 0 }, numbers = { 0 }, members = { 0 };
    for (ast_reserved *r = d->reserved; r; r = r->next) {
        if (!r->is_name && (r->lo == 0 || r->hi > MAX_FIELD_NUMBER)) {
            diag_error(f, r->loc,
                "reserved field numbers must be between 1 and %u",
                MAX_FIELD_NUMBER);
        }
    }
    for (ast_field *fl = d->fields; fl; fl = fl->next) {
        if (check_ident(f, fl->name_loc, "field name", fl->name)) {
            /* members and constructor parameters are named after fields */
            sym *g = symtab_find(&S->cnames, fl->name);
            if (g) {
                diag_error(f, fl->name_loc,
                    "field name '%s' is the C identifier of %s", fl->name,
                    g->what);
            }
        }
        resolve_type(S, f, fl->type, false);
        /* numbers */
        if (fl->number == 0 || fl->number > MAX_FIELD_NUMBER) {
            diag_error(f, fl->num_loc,
                "field number %llu is out of range (1 to %u)",
                (unsigned long long)fl->number, MAX_FIELD_NUMBER);
        } else {
            char key[32];
            snprintf(key, sizeof key, "%llu", (unsigned long long)fl->number);
            sym *old = symtab_add(&numbers, key, fl, f, fl->num_loc, NULL);
            if (old) {
                diag_error(f, fl->num_loc,
                    "field number %llu is already used by '%s'",
                    (unsigned long long)fl->number,
                    ((ast_field *)old->val)->name);
                diag_note(
                    f, old->loc, "'%s' is here", ((ast_field *)old->val)->name);
            }
        }
        for (ast_reserved *r = d->reserved; r; r = r->next) {
            if (!r->is_name && fl->number >= r->lo && fl->number <= r->hi
                && fl->number != 0) {
                diag_error(f, fl->num_loc, "field number %llu is reserved",
                    (unsigned long long)fl->number);
                diag_note(f, r->loc, "reserved here");
            }
            if (r->is_name && strcmp(r->name, fl->name) == 0) {
                diag_error(
                    f, fl->name_loc, "field name '%s' is reserved", fl->name);
                diag_note(f, r->loc, "reserved here");
            }
        }
        /* names and the C members they become */
        sym *old = symtab_add(&names, fl->name, fl, f, fl->name_loc, NULL);
        if (old) {
            diag_error(f, fl->name_loc, "duplicate field name '%s'", fl->name);
            diag_note(f, old->loc, "previous field '%s' is here", fl->name);
        } else {
            old = symtab_add(&members, fl->name, fl, f, fl->name_loc,
                ast_printf("field '%s'", fl->name));
            if (old) {
                diag_error(f, fl->name_loc,
                    "field '%s' maps to the C member '%s', already used by %s",
                    fl->name, fl->name, old->what);
            }
            if (fl->optional) {
                char *has = ast_printf("has_%s", fl->name);
                old = symtab_add(&members, has, fl, f, fl->name_loc,
                    ast_printf("the presence flag of '%s'", fl->name));
                if (old) {
                    diag_error(f, fl->name_loc,
                        "the presence flag of '%s' maps to the C member '%s', "
                        "already used by %s",
                        fl->name, has, old->what);
                }
                free(has);
            }
        }
        /* type shape */
        if (fl->optional
            && (fl->type->kind == TY_LIST || fl->type->kind == TY_MAP)) {
            diag_error(f, fl->type->loc,
                "a list or map cannot be optional (empty means absent)");
        }
        /* options */
        for (ast_option *o = fl->options; o; o = o->next) {
            if (strcmp(o->name, "default") == 0 && o->value) {
                if (fl->deflt) {
                    diag_error(f, o->loc, "duplicate default");
                } else if (fl->optional) {
                    diag_error(f, o->loc,
                        "an optional field cannot have a default (absent is "
                        "its default)");
                } else {
                    fl->deflt = o->value;
                    check_default(f, fl);
                }
            } else if (strcmp(o->name, "deprecated") == 0 && o->value == NULL) {
                fl->deprecated = true;
            } else {
                diag_error(f, o->loc, "unknown field option '%s'", o->name);
            }
        }
    }
    for (ast_reserved *r = d->reserved; r; r = r->next) {
        for (ast_reserved *q = r->next; q; q = q->next) {
            if (r->is_name != q->is_name) {
                continue;
            }
            if (r->is_name ? strcmp(r->name, q->name) == 0
                           : (r->lo <= q->hi && q->lo <= r->hi)) {
                diag_error(f, q->loc, "reserved more than once");
                diag_note(f, r->loc, "reserved here first");
            }
        }
    }
    symtab_free(&names);
    symtab_free(&numbers);
    symtab_free(&members);
}

static void
check_enum(sema *S, ast_decl *d)
{
    const ast_file *f = d->file;
    symtab names = { 0 }, values = { 0 };
    if (d->values == NULL) {
        diag_error(f, d->name_loc, "enum '%s' has no values", d->name);
    }
    for (ast_enumval *v = d->values; v; v = v->next) {
        check_ident(f, v->loc, "enum value", v->name);
        sym *old = symtab_add(&names, v->name, v, f, v->loc, NULL);
        if (old) {
            diag_error(f, v->loc, "duplicate enum value name '%s'", v->name);
            diag_note(f, old->loc, "previous '%s' is here", v->name);
            continue;
        }
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)v->value);
        old = symtab_add(&values, key, v, f, v->value_loc, NULL);
        if (old) {
            diag_error(f, v->value_loc,
                "enum value %lld is already used by '%s'", (long long)v->value,
                ((ast_enumval *)old->val)->name);
        }
    }
    symtab_free(&names);
    symtab_free(&values);
}

/* The constants of every enum are global C names: claim them before any
 * field is checked against the table. */
static void
claim_enum_values(sema *S, ast_decl *d)
{
    for (ast_enumval *v = d->values; v; v = v->next) {
        char *up = aktc_upper(v->name);
        v->macro = ast_printf("%s_%s", d->macro, up);
        free(up);
        bool dup = false;
        for (ast_enumval *w = d->values; w != v; w = w->next) {
            dup = dup || strcmp(w->name, v->name) == 0;
        }
        if (!dup) {
            char *what = ast_printf("%s.%s", d->qname, v->name);
            claim_cname(S, d->file, v->loc, v->macro, "enum value '%s'", what);
            free(what);
        }
    }
}

static ast_decl *
resolve_message(sema *S, const ast_file *f, const char *name, aktc_loc loc,
    const char *role)
{
    ast_decl *d = lookup(S, f, name, loc);
    if (d && (d->kind != DECL_MESSAGE || d->is_state)) {
        diag_error(f, loc, "%s '%s' is %s %s, not a message", role, name,
            d->kind == DECL_ENUM ? "an" : "an", decl_kind_name(d));
        return NULL;
    }
    return d;
}

static void
check_actor(sema *S, ast_decl *a)
{
    const ast_file *f = a->file;
    symtab msgs = { 0 }, idents = { 0 };
    for (ast_handler *h = a->handlers; h; h = h->next) {
        h->msg_decl = resolve_message(S, f, h->msg, h->msg_loc, "handler for");
        if (h->reply) {
            h->reply_decl
                = resolve_message(S, f, h->reply, h->reply_loc, "reply type");
        }
        const char *last = strrchr(h->msg, '.');
        h->snake = aktc_snake(last ? last + 1 : h->msg);
        if (h->msg_decl) {
            sym *old
                = symtab_add(&msgs, h->msg_decl->qname, h, f, h->msg_loc, NULL);
            if (old) {
                diag_error(f, h->msg_loc, "duplicate handler for '%s'",
                    h->msg_decl->qname);
                diag_note(f, old->loc, "previous handler is here");
                continue;
            }
        }
        sym *old = symtab_add(&idents, h->snake, h, f, h->msg_loc, NULL);
        if (old) {
            diag_error(f, h->msg_loc,
                "handlers for '%s' and '%s' both map to the C name 'on_%s'",
                h->msg, ((ast_handler *)old->val)->msg, h->snake);
            continue;
        }
        static const char *const reserved_handler_names[]
            = { "pre_start", "post_stop", "pre_restart", "post_restart" };
        for (size_t i = 0; i < 4; i++) {
            char *on = ast_printf("on_%s", h->snake);
            if (strcmp(on, reserved_handler_names[i]) == 0) {
                diag_error(f, h->msg_loc,
                    "handler name '%s' clashes with a lifecycle hook", on);
            }
            free(on);
        }
        /* typed functions */
        char *id = ast_printf("%s_on_%s", a->snake, h->snake);
        claim_cname(S, f, h->msg_loc, id, "handler '%s'", h->msg);
        free(id);
        static const char *const tell_fmts[]
            = { "%s_tell_%s", "%s_tell_%s_from", "%s_forward_%s" };
        for (size_t i = 0; i < 3; i++) {
            id = ast_printf(tell_fmts[i], a->snake, h->snake);
            claim_cname(S, f, h->msg_loc, id, "handler '%s'", h->msg);
            free(id);
        }
        if (h->reply) {
            static const char *const fmts[] = { "%s_ask_%s", "%s_ask_%s_wait",
                "%s_call_%s", "%s_reply_%s" };
            for (size_t i = 0; i < 4; i++) {
                id = ast_printf(fmts[i], a->snake, h->snake);
                claim_cname(S, f, h->msg_loc, id, "handler '%s'", h->msg);
                free(id);
            }
        }
        if (h->gpu) { /* emit_cuda.c's names */
            static const char *const gfmts[] = { "%s_gpu_%s", "%s_gpu_%s_actor",
                "%s_gpu_%s_kernel", "%s_gpu_%s_cpu", "%s_gpu_on_%s" };
            for (size_t i = 0; i < 5; i++) {
                id = ast_printf(gfmts[i], a->snake, h->snake);
                claim_cname(S, f, h->msg_loc, id, "@gpu handler '%s'", h->msg);
                free(id);
            }
            for (int k = 0; k < (h->reply ? 2 : 1); k++) {
                id = ast_printf("%s%s%s", a->cname, last ? last + 1 : h->msg,
                    k ? "Out" : "In");
                claim_cname(S, f, h->msg_loc, id, "@gpu handler '%s'", h->msg);
                free(id);
            }
        }
    }
    if (aktc_gpu_actor_has_gpu(a)) {
        static const char *const afmts[]
            = { "%s_gpu_handlers", "%s_gpu_props", "%s_gpu_type" };
        char *id = ast_printf("%sGpuState", a->cname);
        claim_cname(S, f, a->name_loc, id, "actor '%s'", a->name);
        free(id);
        for (size_t i = 0; i < 3; i++) {
            id = ast_printf(afmts[i], a->snake);
            claim_cname(S, f, a->name_loc, id, "actor '%s'", a->name);
            free(id);
        }
    }
    symtab_free(&msgs);
    symtab_free(&idents);
}

/* --- persistent actors ---------------------------------------------------- */

/* check_persistent -- `events` and `snapshot` only in a persistent actor;
 * a persistent actor declares at least one event, each a message, once;
 * and no fsm block. Claims the C names the emitter produces for them. */
static void
check_persistent(sema *S, ast_decl *a)
{
    const ast_file *f = a->file;
    if (!a->persistent) {
        if (a->events) {
            diag_error(f, a->events->msg_loc,
                "'events' belongs to a persistent actor: declare 'persistent "
                "actor %s'",
                a->name);
        }
        if (a->snapshot) {
            diag_error(f, a->snapshot_loc,
                "'snapshot' belongs to a persistent actor: declare "
                "'persistent actor %s'",
                a->name);
        }
        return;
    }
    if (a->fsm) {
        diag_error(f, a->fsm->loc,
            "a persistent actor cannot have an fsm block (not supported)");
    }
    if (a->events == NULL) {
        diag_error(f, a->name_loc,
            "persistent actor '%s' declares no events (add 'events A, B;')",
            a->name);
    }
    symtab msgs = { 0 }, idents = { 0 };
    for (ast_handler *e = a->events; e; e = e->next) {
        e->msg_decl = resolve_message(S, f, e->msg, e->msg_loc, "event");
        const char *last = strrchr(e->msg, '.');
        e->snake = aktc_snake(last ? last + 1 : e->msg);
        if (e->msg_decl) {
            sym *old
                = symtab_add(&msgs, e->msg_decl->qname, e, f, e->msg_loc, NULL);
            if (old) {
                diag_error(
                    f, e->msg_loc, "duplicate event '%s'", e->msg_decl->qname);
                diag_note(f, old->loc, "previous one is here");
                continue;
            }
        }
        sym *old = symtab_add(&idents, e->snake, e, f, e->msg_loc, NULL);
        if (old) {
            diag_error(f, e->msg_loc,
                "events '%s' and '%s' both map to the C name 'apply_%s'",
                e->msg, ((ast_handler *)old->val)->msg, e->snake);
            continue;
        }
        static const char *const fmts[]
            = { "%s_persist_%s", "%s_persist_%s_async", "%s_%s_done" };
        for (size_t i = 0; i < 3; i++) {
            char *id = ast_printf(fmts[i], a->snake, e->snake);
            claim_cname(S, f, e->msg_loc, id, "event '%s'", e->msg);
            free(id);
        }
        const char *bare = last ? last + 1 : e->msg;
        char *ty = ast_printf("%s%sDone", a->cname, bare);
        claim_cname(S, f, e->msg_loc, ty, "event '%s'", e->msg);
        free(ty);
    }
    if (a->snapshot) {
        a->snapshot_decl = resolve_message(
            S, f, a->snapshot, a->snapshot_loc, "snapshot type");
    }
    static const char *const fns[] = { "persist_all", "persist_all_async",
        "save_snapshot", "delete_events", "pdata", "pdef", "events", "apply",
        "event_done", "tags", "recovery_completed", "recovery_failed",
        "persist_rejected", "persist_failed", "snapshot_offer", "snapshot_when",
        "snapshot_take", "snapshot_saved", "snapshot_failed" };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        char *id = ast_printf("%s_%s", a->snake, fns[i]);
        claim_cname(S, f, a->name_loc, id, "persistent actor '%s'", a->qname);
        free(id);
    }
    char *ty = ast_printf("%sEventDone", a->cname);
    claim_cname(S, f, a->name_loc, ty, "persistent actor '%s'", a->qname);
    free(ty);
    symtab_free(&msgs);
    symtab_free(&idents);
}

/* --- fsm ------------------------------------------------------------------ */

/* The members of an fsm actor's handler table besides one struct per state,
 * and of a state's struct besides one on_<message> per handled message. */
static const char *const fsm_table_members[]
    = { "on_transition", "pre_start", "post_stop", "unhandled" };
static const char *const fsm_state_members[]
    = { "on_enter", "on_exit", "on_timeout" };

static ast_fsm_state *
fsm_find_state(ast_fsm *m, const char *name)
{
    for (ast_fsm_state *st = m->states; st; st = st->next) {
        if (strcmp(st->name, name) == 0) {
            return st;
        }
    }
    return NULL;
}

static void
fsm_reach(ast_fsm_state *st)
{
    if (st->reachable) {
        return;
    }
    st->reachable = true;
    for (ast_fsm_trans *t = st->trans; t; t = t->next) {
        if (t->target_state) {
            fsm_reach(t->target_state);
        }
    }
}

/* check_fsm -- the states of a's fsm block: names, targets, the initial
 * state, one handler per message per state, one timeout per state,
 * reachability (a warning), and the C names the emitter will declare. */
static void
check_fsm(sema *S, ast_decl *a)
{
    const ast_file *f = a->file;
    ast_fsm *m = a->fsm;
    for (ast_handler *h = a->handlers; h; h = h->next) {
        diag_error(f, h->loc,
            "handler for '%s' is in no state: actor '%s' has an fsm, so its "
            "handlers go inside its states",
            h->msg, a->name);
    }
    if (m->states == NULL) {
        diag_error(
            f, m->loc, "the fsm of actor '%s' declares no states", a->name);
        return;
    }
    /* states: names and numbers */
    symtab names = { 0 };
    int n = 0;
    for (ast_fsm_state *st = m->states; st; st = st->next) {
        st->index = n++;
        st->snake = aktc_snake(st->name);
        char *mac = aktc_upper(st->snake);
        st->macro = ast_printf("%s_%s", a->macro, mac);
        free(mac);
        if (!check_ident(f, st->loc, "state", st->name)) {
            continue;
        }
        sym *old = symtab_add(&names, st->name, st, f, st->loc, NULL);
        if (old) {
            st->dup = true;
            diag_error(f, st->loc, "duplicate state '%s'", st->name);
            diag_note(f, old->loc, "previous state '%s' is here", st->name);
            continue;
        }
        for (size_t i = 0;
             i < sizeof fsm_table_members / sizeof fsm_table_members[0]; i++) {
            if (strcmp(st->snake, fsm_table_members[i]) == 0) {
                diag_error(f, st->loc,
                    "state '%s' clashes with the handler table's member '%s'",
                    st->name, fsm_table_members[i]);
            }
        }
    }
    m->nstates = n;
    symtab_free(&names);
    /* the initial state */
    if (m->initial == NULL) {
        diag_error(f, m->loc,
            "the fsm of actor '%s' has no initial state (add 'initial %s;')",
            a->name, m->states->name);
    } else {
        m->initial_state = fsm_find_state(m, m->initial);
        if (m->initial_state == NULL) {
            diag_error(f, m->initial_loc,
                "unknown state '%s' in the fsm of actor '%s'", m->initial,
                a->name);
        }
    }
    /* each state's lines */
    for (ast_fsm_state *st = m->states; st; st = st->next) {
        symtab msgs = { 0 }, idents = { 0 };
        for (ast_fsm_trans *t = st->trans; t; t = t->next) {
            if (t->target) {
                t->target_state = fsm_find_state(m, t->target);
                if (t->target_state == NULL) {
                    diag_error(f, t->target_loc,
                        "transition to unknown state '%s' in the fsm of actor "
                        "'%s'",
                        t->target, a->name);
                }
            }
            if (t->is_timeout) {
                if (st->timeout) {
                    diag_error(
                        f, t->loc, "duplicate timeout in state '%s'", st->name);
                    diag_note(f, st->timeout->loc, "previous timeout is here");
                } else {
                    st->timeout = t;
                }
                if (t->timeout_ns <= 0) {
                    diag_error(
                        f, t->msg_loc, "a state timeout must be longer than 0");
                }
                continue;
            }
            t->msg_decl
                = resolve_message(S, f, t->msg, t->msg_loc, "handler for");
            const char *last = strrchr(t->msg, '.');
            t->snake = aktc_snake(last ? last + 1 : t->msg);
            if (t->msg_decl == NULL) {
                continue;
            }
            sym *old
                = symtab_add(&msgs, t->msg_decl->qname, t, f, t->msg_loc, NULL);
            if (old) {
                t->dup = true;
                diag_error(f, t->msg_loc,
                    "duplicate handler for '%s' in state '%s'",
                    t->msg_decl->qname, st->name);
                diag_note(f, old->loc, "previous handler is here");
                continue;
            }
            char *on = ast_printf("on_%s", t->snake);
            old = symtab_add(&idents, on, t, f, t->msg_loc, NULL);
            if (old) {
                diag_error(f, t->msg_loc,
                    "handlers for '%s' and '%s' both map to the C name '%s'",
                    t->msg, ((ast_fsm_trans *)old->val)->msg, on);
            }
            for (size_t i = 0;
                 i < sizeof fsm_state_members / sizeof fsm_state_members[0];
                 i++) {
                if (strcmp(on, fsm_state_members[i]) == 0) {
                    diag_error(f, t->msg_loc,
                        "handler name '%s' clashes with a state hook", on);
                }
            }
            free(on);
        }
        symtab_free(&msgs);
        symtab_free(&idents);
    }
    /* reachability over the declared transitions: a handler can only go
     * where its line says, so a state no line leads to is dead code */
    if (m->initial_state) {
        fsm_reach(m->initial_state);
        for (ast_fsm_state *st = m->states; st; st = st->next) {
            if (!st->reachable && !st->dup) {
                diag_warning(f, st->loc,
                    "state '%s' is unreachable from the initial state '%s'",
                    st->name, m->initial_state->name);
            }
        }
    }
    /* C names: the enum type, its constants, the typed functions and the
     * statics of the generated .c (one TU holds every actor of a file);
     * not for an actor whose handlers are in no state (reported above) */
    if (a->handlers) {
        return;
    }
    char *id = ast_printf("%sFsmState", a->cname);
    claim_cname(S, f, m->loc, id, "the fsm of actor '%s'", a->qname);
    free(id);
    static const char *const fsm_fns[] = { "stay", "stop", "state_of",
        "state_name", "fsm_data", "fsm_init", "fsm_check", "fsm_start",
        "fsm_stop", "fsm_transition", "fsm_states", "fsm_defs", "fsm_names" };
    for (size_t i = 0; i < sizeof fsm_fns / sizeof fsm_fns[0]; i++) {
        id = ast_printf("%s_%s", a->snake, fsm_fns[i]);
        claim_cname(S, f, m->loc, id, "the fsm of actor '%s'", a->qname);
        free(id);
    }
    symtab tells = { 0 };
    for (ast_fsm_state *st = m->states; st; st = st->next) {
        if (st->dup) {
            continue;
        }
        claim_cname(S, f, st->loc, st->macro, "state '%s'", st->name);
        static const char *const st_fmts[] = { "%s_goto_%s", "%s_%s_enter",
            "%s_%s_exit", "%s_%s_on_timeout", "%s_%s_handlers" };
        for (size_t i = 0; i < sizeof st_fmts / sizeof st_fmts[0]; i++) {
            id = ast_printf(st_fmts[i], a->snake, st->snake);
            claim_cname(S, f, st->loc, id, "state '%s'", st->name);
            free(id);
        }
        for (ast_fsm_trans *t = st->trans; t; t = t->next) {
            if (t->is_timeout || t->msg_decl == NULL || t->dup) {
                continue;
            }
            id = ast_printf("%s_%s_on_%s", a->snake, st->snake, t->snake);
            claim_cname(S, f, t->msg_loc, id, "handler '%s'", t->msg);
            free(id);
            if (symtab_add(&tells, t->msg_decl->qname, t, f, t->msg_loc, NULL)
                == NULL) {
                static const char *const tell_fmts[]
                    = { "%s_tell_%s", "%s_tell_%s_from", "%s_forward_%s" };
                for (size_t i = 0; i < 3; i++) {
                    id = ast_printf(tell_fmts[i], a->snake, t->snake);
                    claim_cname(S, f, t->msg_loc, id, "handler '%s'", t->msg);
                    free(id);
                }
            }
        }
    }
    symtab_free(&tells);
}

/* Cycles through non-optional message fields: such a value would be
 * infinite. One DFS over all messages; an edge back to a message still on
 * the stack closes a cycle, reported once at that message. */
static void
dfs_cycles(ast_decl *d)
{
    d->visit = 1;
    for (ast_field *fl = d->fields; fl; fl = fl->next) {
        if (fl->optional || !is_kind_message(fl->type)) {
            continue;
        }
        ast_decl *t = fl->type->decl;
        if (t->visit == 1) {
            diag_error(t->file, t->name_loc,
                "'%s' contains itself through non-optional fields; make one of "
                "them optional",
                t->qname);
            diag_note(d->file, fl->loc,
                "the cycle closes at field '%s' of '%s'", fl->name, d->qname);
        } else if (t->visit == 0) {
            dfs_cycles(t);
        }
    }
    d->visit = 2;
}

static void
check_cycles(ast_file *files)
{
    for (ast_file *f = files; f; f = f->next) {
        for (ast_decl *d = f->decls; d; d = d->next) {
            ast_decl *m = d->kind == DECL_ACTOR ? d->state : d;
            if (m && m->kind == DECL_MESSAGE && m->visit == 0) {
                dfs_cycles(m);
            }
        }
    }
}

/* order_files -- append f to out[] after the files it imports, each once
 * (f->visit: 1 on the way, 2 placed), so that a name declared both in a
 * file and in one it imports is reported at the importer, which made the
 * clash. An import cycle, already reported, is cut where it closes. */
static void
order_files(ast_file *f, ast_file **out, size_t *n)
{
    if (f->visit) {
        return;
    }
    f->visit = 1;
    for (ast_import *i = f->imports; i; i = i->next) {
        if (i->file) {
            order_files(i->file, out, n);
        }
    }
    f->visit = 2;
    out[(*n)++] = f;
}

void
sema_check(ast_file *files)
{
    sema S = { 0 };
    /* 1. packages and declarations, across all files */
    for (ast_file *f = files; f; f = f->next) {
        check_package(f);
        for (ast_decl *d = f->decls; d; d = d->next) {
            d->file = f;
            check_ident(f, d->name_loc, decl_kind_name(d), d->name);
            if (ast_scalar_kind(d->name)) {
                diag_error(
                    f, d->name_loc, "'%s' is a built-in type name", d->name);
            }
            if (d->kind == DECL_ACTOR) {
                if (d->state == NULL) {
                    d->state = ast_alloc(sizeof(ast_decl));
                    d->state->kind = DECL_MESSAGE;
                    d->state->is_state = true;
                    d->state->loc = d->name_loc;
                    d->state->name_loc = d->name_loc;
                }
                d->state->file = f;
                d->state->name = ast_printf("%sState", d->name);
                d->state->doc = ast_printf("The state of actor %s.", d->name);
            }
        }
    }
    size_t nfiles = 0;
    for (ast_file *f = files; f; f = f->next) {
        nfiles++;
    }
    ast_file **order = ast_alloc((nfiles ? nfiles : 1) * sizeof *order);
    nfiles = 0;
    for (ast_file *f = files; f; f = f->next) {
        order_files(f, order, &nfiles);
    }
    for (size_t k = 0; k < nfiles; k++) {
        ast_file *f = order[k];
        char *stem = aktc_file_stem(f->base);
        static const char *const file_fns[]
            = { "types", "register_types", "register" };
        for (int i = 0; i < 3; i++) {
            char *id = ast_printf("%s_%s_%s", f->prefix, stem, file_fns[i]);
            claim_cname(&S, f, f->pkg_loc, id, "file '%s'", f->base);
            free(id);
        }
        for (ast_decl *d = f->decls; d; d = d->next) {
            if (d->kind == DECL_ACTOR && aktc_gpu_actor_has_gpu(d)) {
                static const char *const gfns[]
                    = { "gpu_source", "gpu_module" };
                for (int i = 0; i < 2; i++) {
                    char *id = ast_printf("%s_%s_%s", f->prefix, stem, gfns[i]);
                    claim_cname(&S, f, f->pkg_loc, id, "file '%s'", f->base);
                    free(id);
                }
                break;
            }
        }
        free(stem);
        for (ast_decl *d = f->decls; d; d = d->next) {
            register_decl(&S, d);
            if (d->state) {
                register_decl(&S, d->state);
            }
        }
    }
    for (size_t k = 0; k < nfiles; k++) {
        for (ast_decl *d = order[k]->decls; d; d = d->next) {
            if (d->kind == DECL_ENUM && d->macro) {
                claim_enum_values(&S, d);
            }
        }
    }
    free(order);
    /* 2. bodies */
    for (ast_file *f = files; f; f = f->next) {
        for (ast_decl *d = f->decls; d; d = d->next) {
            switch (d->kind) {
            case DECL_MESSAGE:
                check_fields(&S, d);
                break;
            case DECL_ENUM:
                check_enum(&S, d);
                break;
            case DECL_ACTOR:
                check_fields(&S, d->state);
                check_actor(&S, d);
                check_persistent(&S, d);
                if (d->fsm) {
                    check_fsm(&S, d);
                }
                aktc_gpu_check_actor(d);
                break;
            }
        }
    }
    /* 3. whole-schema properties */
    if (diag_errors() == 0) {
        check_cycles(files);
    }
    symtab_free(&S.types);
    symtab_free(&S.cnames);
}
