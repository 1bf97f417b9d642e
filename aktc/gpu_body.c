/*
 * gpu_body.c -- @gpu handler bodies: a scanner, a recursive-descent
 * parser and a type checker for the C subset docs/gpu.md describes, and
 * the printer that turns a checked body into C for the shared handler
 * header (emit_cuda.c).
 *
 * The IDL parser keeps a body as a byte span of the file (parser.y only
 * balances its braces); this file scans that span again with its own
 * token set (C operators, float suffixes), so every diagnostic carries the
 * file's line and column. Typing is strict: the two operands of an
 * operator have one type, and a conversion is written (T)x. Integer and
 * float constants have no type of their own: they take the type of the
 * other operand or of the destination, and must fit it exactly. That
 * keeps the meaning of a body independent of C's promotions, so the CPU
 * and NVRTC compile the same arithmetic.
 *
 * A body with a syntax error stops at it (one report); type errors are
 * all reported, and an expression whose type is unknown (GT_NONE)
 * produces no further errors.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "gpu.h"

/* --- types ----------------------------------------------------------------
 */

static const char *const type_names[] = { "?", "bool", "int8", "int16", "int32",
    "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64",
    "an integer constant", "a float constant", "a ref" };

static const char *const ctype_names[] = { "?", "bool", "int8_t", "int16_t",
    "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    "float", "double", "?", "?", "akt_gpu_ref" };

/* the suffix of the prelude's helpers: akt_gpu_add_i32 */
static const char *const type_sfx[] = { "?", "b", "i8", "i16", "i32", "i64",
    "u8", "u16", "u32", "u64", "f32", "f64", "?", "?", "ref" };

const char *
aktc_gpu_ctype(gtype t)
{
    return ctype_names[t];
}

gtype
aktc_gpu_type_of(ast_tkind k)
{
    switch (k) {
    case TY_BOOL:
        return GT_BOOL;
    case TY_INT8:
        return GT_I8;
    case TY_INT16:
        return GT_I16;
    case TY_INT32:
        return GT_I32;
    case TY_INT64:
        return GT_I64;
    case TY_UINT8:
        return GT_U8;
    case TY_UINT16:
        return GT_U16;
    case TY_UINT32:
        return GT_U32;
    case TY_UINT64:
        return GT_U64;
    case TY_FLOAT32:
        return GT_F32;
    case TY_FLOAT64:
        return GT_F64;
    default:
        return GT_NONE;
    }
}

const ast_decl *
aktc_gpu_field_enum(const ast_field *f)
{
    const ast_type *t = f ? f->type : NULL;
    return t && !f->optional && t->kind == TY_NAMED && t->decl
            && t->decl->kind == DECL_ENUM
        ? t->decl
        : NULL;
}

gtype
aktc_gpu_field_type(const ast_field *f)
{
    if (f == NULL || f->optional) {
        return GT_NONE;
    }
    if (aktc_gpu_field_enum(f)) {
        return GT_I32; /* checked against the enum's values when written */
    }
    if (f->type->kind == TY_REF && f->type->decl) {
        return GT_REF;
    }
    return aktc_gpu_type_of(f->type->kind);
}

int
aktc_gpu_tell_cols(const gtell *t)
{
    int n = t->to == GTO_REF ? 2 : 1;
    for (const ast_field *f = t->msg->fields; f; f = f->next) {
        n++;
    }
    return n;
}

static bool
is_int(gtype t)
{
    return t >= GT_I8 && t <= GT_U64;
}

static bool
is_float(gtype t)
{
    return t == GT_F32 || t == GT_F64;
}

static bool
is_const(gtype t)
{
    return t == GT_ICONST || t == GT_FCONST;
}

static bool
is_numeric(gtype t)
{
    return is_int(t) || is_float(t) || is_const(t);
}

static gtype
type_by_name(const char *s)
{
    for (int t = GT_BOOL; t <= GT_F64; t++) {
        if (strcmp(type_names[t], s) == 0) {
            return (gtype)t;
        }
    }
    return GT_NONE;
}

/* --- scanning -------------------------------------------------------------
 */

enum {
    T_EOF = 256,
    T_IDENT,
    T_INT,
    T_FLOAT,
    T_STRING,
    T_CHAR,
    T_EQ, /* == */
    T_NE,
    T_LE,
    T_GE,
    T_LAND,
    T_LOR,
    T_SHL,
    T_SHR,
    T_INC,
    T_DEC,
    T_ARROW,
    T_ADD_AS, /* += ... */
    T_SUB_AS,
    T_MUL_AS,
    T_DIV_AS,
    T_MOD_AS,
    T_AND_AS,
    T_OR_AS,
    T_XOR_AS,
    T_SHL_AS,
    T_SHR_AS,
    T_BAD /* a byte no token starts with (the IDL scanner reported it) */
};

typedef struct tok {
    int kind;
    aktc_loc loc;
    const char *text;
    size_t len;
    uint64_t u;
    double d;
    bool f32;
} tok;

typedef struct scope {
    glocal *locals;
    struct scope *up;
} scope;

typedef struct P {
    const ast_file *f;
    const char *s; /* the body text */
    size_t pos, end; /* bytes of f->text */
    int line, col;
    tok t; /* the current token */
    bool stop; /* a syntax error was reported: give up on this body */
    int loops; /* loops open around the current statement */
    int nloops; /* loops in the body so far */
    scope *sc;
    aktc_gpu_body *body;
    const ast_decl *actor;
    const ast_handler *h;
} P;

static void
adv(P *p, size_t n)
{
    for (size_t i = 0; i < n && p->pos < p->end; i++) {
        if (p->s[p->pos] == '\n') {
            p->line++;
            p->col = 1;
        } else {
            p->col++;
        }
        p->pos++;
    }
}

static bool
is_id_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void syntax(P *p, aktc_loc loc, const char *fmt, ...) AKTC_PRINTF(3, 4);

static void
syntax(P *p, aktc_loc loc, const char *fmt, ...)
{
    if (p->stop) {
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(p->f, loc, "%s", msg);
    p->stop = true;
}

/* scan the next token into p->t */
static void
next(P *p)
{
    for (;;) {
        while (p->pos < p->end
            && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'
                || p->s[p->pos] == '\n' || p->s[p->pos] == '\r'
                || p->s[p->pos] == '\f' || p->s[p->pos] == '\v')) {
            adv(p, 1);
        }
        if (p->pos + 1 < p->end && p->s[p->pos] == '/'
            && p->s[p->pos + 1] == '/') {
            while (p->pos < p->end && p->s[p->pos] != '\n') {
                adv(p, 1);
            }
            continue;
        }
        if (p->pos + 1 < p->end && p->s[p->pos] == '/'
            && p->s[p->pos + 1] == '*') {
            adv(p, 2);
            while (p->pos < p->end
                && !(p->s[p->pos] == '*' && p->pos + 1 < p->end
                    && p->s[p->pos + 1] == '/')) {
                adv(p, 1);
            }
            adv(p, 2);
            continue;
        }
        break;
    }
    tok *t = &p->t;
    memset(t, 0, sizeof *t);
    t->loc.first_line = t->loc.last_line = p->line;
    t->loc.first_column = p->col;
    t->loc.first_byte = p->pos;
    t->text = p->s + p->pos;
    if (p->pos >= p->end) {
        t->kind = T_EOF;
        t->loc.last_column = p->col + 1;
        t->loc.last_byte = p->pos;
        return;
    }
    const char *c = p->s + p->pos;
    size_t left = p->end - p->pos;
    size_t n = 1;
    if (is_id_start(c[0])) {
        while (n < left && (is_id_start(c[n]) || is_digit(c[n]))) {
            n++;
        }
        t->kind = T_IDENT;
    } else if (is_digit(c[0]) || (c[0] == '.' && left > 1 && is_digit(c[1]))) {
        /* the IDL scanner already reported leading zeros and overflow */
        bool hex = left > 1 && c[0] == '0' && (c[1] == 'x' || c[1] == 'X');
        bool flt = false;
        if (hex) {
            n = 2;
            while (n < left
                && (is_digit(c[n]) || (c[n] >= 'a' && c[n] <= 'f')
                    || (c[n] >= 'A' && c[n] <= 'F'))) {
                n++;
            }
        } else {
            n = 0;
            while (n < left && is_digit(c[n])) {
                n++;
            }
            if (n < left && c[n] == '.') {
                flt = true;
                n++;
                while (n < left && is_digit(c[n])) {
                    n++;
                }
            }
            if (n < left && (c[n] == 'e' || c[n] == 'E')) {
                size_t m = n + 1;
                if (m < left && (c[m] == '+' || c[m] == '-')) {
                    m++;
                }
                if (m < left && is_digit(c[m])) {
                    flt = true;
                    n = m;
                    while (n < left && is_digit(c[n])) {
                        n++;
                    }
                }
            }
        }
        char buf[128];
        size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
        memcpy(buf, c, k);
        buf[k] = '\0';
        if (flt) {
            t->kind = T_FLOAT;
            t->d = strtod(buf, NULL);
            if (n < left && (c[n] == 'f' || c[n] == 'F')) {
                t->f32 = true;
                n++;
            }
        } else {
            t->kind = T_INT;
            errno = 0;
            t->u = strtoull(buf, NULL, hex ? 16 : 10);
        }
        if (n < left && (is_id_start(c[n]) || is_digit(c[n]))) {
            size_t m = n;
            while (m < left && (is_id_start(c[m]) || is_digit(c[m]))) {
                m++;
            }
            aktc_loc at = t->loc;
            at.first_column += (int)n;
            at.last_column = at.first_column + (int)(m - n);
            syntax(p, at,
                "number suffix '%.*s' is not part of the @gpu body language "
                "(write a conversion: (uint64)5, (float32)1.5)",
                (int)(m - n), c + n);
            n = m;
        }
    } else if (c[0] == '"') {
        while (n < left && c[n] != '"' && c[n] != '\n') {
            n += c[n] == '\\' ? 2 : 1;
        }
        n = n < left ? n + 1 : left;
        t->kind = T_STRING;
    } else if (c[0] == '\'') {
        while (n < left && c[n] != '\'' && c[n] != '\n') {
            n += c[n] == '\\' ? 2 : 1;
        }
        n = n < left ? n + 1 : left;
        t->kind = T_CHAR;
    } else {
        static const struct {
            const char *s;
            int kind;
        } ops[] = { { "<<=", T_SHL_AS }, { ">>=", T_SHR_AS }, { "==", T_EQ },
            { "!=", T_NE }, { "<=", T_LE }, { ">=", T_GE }, { "&&", T_LAND },
            { "||", T_LOR }, { "<<", T_SHL }, { ">>", T_SHR }, { "++", T_INC },
            { "--", T_DEC }, { "->", T_ARROW }, { "+=", T_ADD_AS },
            { "-=", T_SUB_AS }, { "*=", T_MUL_AS }, { "/=", T_DIV_AS },
            { "%=", T_MOD_AS }, { "&=", T_AND_AS }, { "|=", T_OR_AS },
            { "^=", T_XOR_AS } };
        t->kind = T_BAD;
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            size_t l = strlen(ops[i].s);
            if (l <= left && memcmp(c, ops[i].s, l) == 0) {
                t->kind = ops[i].kind;
                n = l;
                break;
            }
        }
        if (t->kind == T_BAD && strchr("{}();,.?:+-*/%&|^~!=<>[]@", c[0])) {
            t->kind = (unsigned char)c[0];
        }
    }
    t->len = n;
    adv(p, n);
    t->loc.last_line = p->line;
    t->loc.last_column = p->col;
    t->loc.last_byte = p->pos;
    if (t->kind == T_BAD) {
        /* reported by the IDL scanner (stray character): stop quietly */
        p->stop = true;
    }
}

static bool
is_tok(P *p, int kind)
{
    return p->t.kind == kind;
}

static bool
is_word(P *p, const char *w)
{
    return p->t.kind == T_IDENT && p->t.len == strlen(w)
        && memcmp(p->t.text, w, p->t.len) == 0;
}

static char *
tok_str(const tok *t)
{
    return ast_strndup(t->text, t->len);
}

static const char *
tok_desc(const tok *t, char *buf, size_t n)
{
    if (t->kind == T_EOF) {
        return "the end of the body";
    }
    snprintf(buf, n, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->text);
    return buf;
}

static bool
expect(P *p, int kind, const char *what)
{
    if (p->stop) {
        return false;
    }
    if (p->t.kind != kind) {
        char b[64];
        syntax(p, p->t.loc, "expected %s before %s", what,
            tok_desc(&p->t, b, sizeof b));
        return false;
    }
    next(p);
    return true;
}

/* a location from a to b (both inclusive tokens) */
static aktc_loc
span(aktc_loc a, aktc_loc b)
{
    aktc_loc l = a;
    l.last_line = b.last_line;
    l.last_column = b.last_column;
    l.last_byte = b.last_byte;
    return l;
}

/* --- words with a fixed meaning -------------------------------------------
 */

static const char *const c_types[]
    = { "int", "char", "short", "long", "float", "double", "unsigned", "signed",
          "void", "size_t", "int8_t", "int16_t", "int32_t", "int64_t",
          "uint8_t", "uint16_t", "uint32_t", "uint64_t", "_Bool" };
static const char *const c_types_hint[] = { "int32", "int8", "int16", "int64",
    "float32", "float64", "uint32", "int32", "nothing", "uint64", "int8",
    "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool" };

static const char *const banned_words[] = { "switch", "case", "default", "goto",
    "do", "sizeof", "static", "const", "volatile", "extern", "register",
    "struct", "union", "enum", "typedef", "asm", "auto", "inline", "restrict",
    "new", "delete", "this", "template", "__asm__" };

static const char *const heap_fns[] = { "malloc", "calloc", "realloc", "free",
    "aligned_alloc", "alloca", "cudaMalloc", "operator" };

static const char *const inexact_fns[] = { "exp", "expf", "exp2", "exp2f",
    "expm1", "expm1f", "log", "logf", "log2", "log2f", "log10", "log10f",
    "log1p", "log1pf", "pow", "powf", "sin", "sinf", "cos", "cosf", "tan",
    "tanf", "asin", "asinf", "acos", "acosf", "atan", "atanf", "atan2",
    "atan2f", "sinh", "sinhf", "cosh", "coshf", "tanh", "tanhf", "cbrt",
    "cbrtf", "hypot", "hypotf", "erf", "erff", "erfc", "erfcf", "tgamma",
    "tgammaf", "lgamma", "lgammaf", "rsqrt", "rsqrtf", "__expf", "__sinf",
    "__cosf", "__logf", "__powf", "__fdividef", "fma", "fmaf" };

/* the functions a body may call: name, arity */
static const struct {
    const char *name;
    int nargs;
} gpu_fns[] = { { "sqrt", 1 }, { "fabs", 1 }, { "floor", 1 }, { "ceil", 1 },
    { "trunc", 1 }, { "fmin", 2 }, { "fmax", 2 } };

#define ALLOWED_FNS "sqrt, fabs, fmin, fmax, floor, ceil, trunc"

static int
word_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], s) == 0) {
            return (int)i;
        }
    }
    return -1;
}

#define WORD_IN(s, list) word_in(s, list, sizeof list / sizeof list[0])

/* words the body language keeps for itself */
static bool
is_body_keyword(const char *s)
{
    static const char *const kw[]
        = { "if", "else", "while", "for", "break", "continue", "return", "fail",
              "true", "false", "in", "out", "state", "tell", "sender", "self" };
    return WORD_IN(s, kw) >= 0 || type_by_name(s) != GT_NONE;
}

/* --- the tree --------------------------------------------------------------
 */

static gx *
gx_new(gxkind kind, aktc_loc loc)
{
    gx *e = ast_alloc(sizeof *e);
    e->kind = kind;
    e->loc = loc;
    return e;
}

static void
gx_free(gx *e)
{
    if (e == NULL) {
        return;
    }
    gx_free(e->a);
    gx_free(e->b);
    gx_free(e->c);
    free(e->name);
    free(e);
}

static gs *
gs_new(gskind kind, aktc_loc loc)
{
    gs *s = ast_alloc(sizeof *s);
    s->kind = kind;
    s->loc = loc;
    return s;
}

static void
gs_free(gs *s)
{
    while (s) {
        gs *next = s->next;
        gx_free(s->target);
        gx_free(s->a);
        gs_free(s->body);
        gs_free(s->els);
        gs_free(s->init);
        gs_free(s->step);
        gs_free(s->kids);
        free(s);
        s = next;
    }
}

void
aktc_gpu_body_free(aktc_gpu_body *b)
{
    if (b == NULL) {
        return;
    }
    gs_free(b->block);
    for (gtell *t = b->tells, *n; t; t = n) {
        n = t->next;
        free(t);
    }
    glocal *l = b->locals;
    while (l) {
        glocal *next = l->next;
        free(l->name);
        free(l);
        l = next;
    }
    free(b);
}

/* --- checking helpers -------------------------------------------------------
 */

static void terr(P *p, aktc_loc loc, const char *fmt, ...) AKTC_PRINTF(3, 4);

static void
terr(P *p, aktc_loc loc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(p->f, loc, "%s", msg);
}

static bool
int_fits(uint64_t u, bool neg, gtype t)
{
    if (neg && u == 0) {
        neg = false;
    }
    switch (t) {
    case GT_I8:
        return neg ? u <= 128 : u <= 127;
    case GT_I16:
        return neg ? u <= 32768 : u <= 32767;
    case GT_I32:
        return neg ? u <= 2147483648u : u <= 2147483647u;
    case GT_I64:
        return neg ? u <= 9223372036854775808ull : u <= 9223372036854775807ull;
    case GT_U8:
        return !neg && u <= 255;
    case GT_U16:
        return !neg && u <= 65535;
    case GT_U32:
        return !neg && u <= 4294967295u;
    case GT_U64:
        return !neg;
    default:
        return false;
    }
}

/* an integer constant exactly representable in float type t */
static bool
int_exact_in(uint64_t u, gtype t)
{
    if (t == GT_F32) {
        float f = (float)u;
        return f < 18446744073709551616.0f && (uint64_t)f == u;
    }
    double d = (double)u;
    return d < 18446744073709551616.0 && (uint64_t)d == u;
}

static char *
const_text(const gx *e)
{
    if (e->kind == GX_INT) {
        return ast_printf(
            "%s%llu", e->neg ? "-" : "", (unsigned long long)e->u);
    }
    return ast_printf("%g", e->d);
}

/* coerce -- give the expression e (of checked type have) the type want.
 * Constants take it (each literal must fit); a typed expression must have
 * it already. Returns false (reported at e) when it cannot. */
static bool coerce(P *p, gx *e, gtype want, const char *ctx);

static bool
coerce_const(P *p, gx *e, gtype want, const char *ctx)
{
    switch (e->kind) {
    case GX_INT:
        if (is_int(want)) {
            if (!int_fits(e->u, e->neg, want)) {
                char *s = const_text(e);
                terr(p, e->loc, "constant %s does not fit in %s", s,
                    type_names[want]);
                free(s);
                return false;
            }
        } else if (is_float(want)) {
            if (!int_exact_in(e->u, want)) {
                char *s = const_text(e);
                terr(p, e->loc, "constant %s is not exact in %s", s,
                    type_names[want]);
                free(s);
                return false;
            }
        } else {
            terr(p, e->loc, "an integer constant where %s is expected%s",
                type_names[want], ctx);
            return false;
        }
        e->ty = want;
        return true;
    case GX_FLOAT:
        if (!is_float(want)) {
            terr(p, e->loc, "a float constant where %s is expected%s",
                type_names[want], ctx);
            return false;
        }
        if (want == GT_F32 && isinf((float)e->d)) {
            terr(p, e->loc, "constant %g does not fit in float32", e->d);
            return false;
        }
        e->ty = want;
        return true;
    case GX_UNARY:
        if (e->op == GOP_BNOT && !is_int(want)) {
            terr(p, e->loc, "'~' takes integers, not %s", type_names[want]);
            return false;
        }
        if (e->op == GOP_NEG && e->a->kind == GX_INT && is_int(want)) {
            /* -2147483648: the literal fits only with its sign */
            gx *l = e->a;
            if (!int_fits(l->u, !l->neg, want)) {
                char *s = ast_printf(
                    "%s%llu", l->neg ? "" : "-", (unsigned long long)l->u);
                terr(p, e->loc, "constant %s does not fit in %s", s,
                    type_names[want]);
                free(s);
                return false;
            }
            l->ty = want;
            e->ty = want;
            return true;
        }
        if (!coerce(p, e->a, want, ctx)) {
            return false;
        }
        e->ty = want;
        return true;
    case GX_BINARY:
        if (e->op == GOP_SHL || e->op == GOP_SHR) {
            if (!is_int(want)) {
                terr(p, e->loc, "shifts take integers, not %s",
                    type_names[want]);
                return false;
            }
            if (!coerce(p, e->a, want, ctx)) {
                return false;
            }
        } else if ((e->op == GOP_MOD || e->op == GOP_AND || e->op == GOP_OR
                       || e->op == GOP_XOR)
            && !is_int(want)) {
            terr(p, e->loc, "this operator takes integers, not %s",
                type_names[want]);
            return false;
        } else if (!coerce(p, e->a, want, ctx) || !coerce(p, e->b, want, ctx)) {
            return false;
        }
        e->ty = want;
        return true;
    case GX_COND:
        if (!coerce(p, e->b, want, ctx) || !coerce(p, e->c, want, ctx)) {
            return false;
        }
        e->ty = want;
        return true;
    default:
        return false;
    }
}

static bool
coerce(P *p, gx *e, gtype want, const char *ctx)
{
    if (e->ty == GT_NONE || want == GT_NONE) {
        return false;
    }
    if (is_const(e->ty)) {
        if (e->ty == GT_FCONST && is_int(want)) {
            terr(p, e->loc,
                "a float constant where %s is expected%s (convert: (%s)x)",
                type_names[want], ctx, type_names[want]);
            return false;
        }
        return coerce_const(p, e, want, ctx);
    }
    if (e->ty != want) {
        if (is_numeric(e->ty) && is_numeric(want)) {
            terr(p, e->loc, "%s where %s is expected%s (convert: (%s)x)",
                type_names[e->ty], type_names[want], ctx, type_names[want]);
        } else {
            terr(p, e->loc, "%s where %s is expected%s", type_names[e->ty],
                type_names[want], ctx);
        }
        return false;
    }
    return true;
}

/* a constant used where its own type decides: int32, or float64 */
static gtype
default_type(gtype t)
{
    return t == GT_ICONST ? GT_I32 : t == GT_FCONST ? GT_F64 : t;
}

/* unify -- the one type of two operands (constants follow the other
 * side); GT_NONE (reported) when they differ */
static gtype
unify(P *p, gx *a, gx *b, const char *opname, aktc_loc at)
{
    gtype ta = a->ty, tb = b->ty;
    if (ta == GT_NONE || tb == GT_NONE) {
        return GT_NONE;
    }
    if (is_const(ta) && is_const(tb)) {
        return ta == GT_FCONST || tb == GT_FCONST ? GT_FCONST : GT_ICONST;
    }
    if (is_const(ta)) {
        return coerce(p, a, tb, "") ? tb : GT_NONE;
    }
    if (is_const(tb)) {
        return coerce(p, b, ta, "") ? ta : GT_NONE;
    }
    if (ta != tb) {
        terr(p, at,
            "operands of '%s' have different types, %s and %s (convert one: "
            "(%s)x)",
            opname, type_names[ta], type_names[tb], type_names[ta]);
        return GT_NONE;
    }
    return ta;
}

/* --- expressions -----------------------------------------------------------
 */

static gx *parse_expr(P *p);

static glocal *
find_local(P *p, const char *name)
{
    for (scope *s = p->sc; s; s = s->up) {
        for (glocal *l = s->locals; l; l = l->next) {
            if (strcmp(l->name, name) == 0) {
                return l;
            }
        }
    }
    return NULL;
}

static const ast_decl *
decl_in(const ast_file *g, const char *qname, ast_dkind kind)
{
    for (const ast_decl *d = g ? g->decls : NULL; d; d = d->next) {
        if (d->kind == kind && d->qname && strcmp(d->qname, qname) == 0) {
            return d;
        }
    }
    return NULL;
}

/* the declaration named name (as an IDL type name is written: "Hit" in
 * the file's package, or qualified) of kind in the file or a file it
 * imports, as sema resolves type names; NULL when none */
static const ast_decl *
find_decl(P *p, const char *name, ast_dkind kind)
{
    const ast_file *f = p->f;
    char *local = f->pkg ? ast_printf("%s.%s", f->pkg, name) : NULL;
    const char *tries[2] = { local, name };
    const ast_decl *d = NULL;
    for (int i = 0; i < 2 && d == NULL; i++) {
        if (tries[i] == NULL) {
            continue;
        }
        d = decl_in(f, tries[i], kind);
        for (const ast_import *im = f->imports; im && d == NULL;
             im = im->next) {
            d = decl_in(im->file, tries[i], kind);
        }
    }
    free(local);
    return d;
}

static const ast_field *
find_field(const ast_decl *d, const char *name)
{
    for (const ast_field *f = d ? d->fields : NULL; f; f = f->next) {
        if (strcmp(f->name, name) == 0) {
            return f;
        }
    }
    return NULL;
}

/* in.x / state.x / out.x */
static gx *
parse_field(P *p, gbase base)
{
    tok bt = p->t;
    next(p);
    if (is_tok(p, T_ARROW)) {
        syntax(p, p->t.loc,
            "pointers are not allowed in @gpu handlers (write '%.*s.field')",
            (int)bt.len, bt.text);
        return NULL;
    }
    if (is_tok(p, '[')) {
        syntax(p, p->t.loc, "arrays are not allowed in @gpu handlers");
        return NULL;
    }
    if (!is_tok(p, '.')) {
        char b[64];
        syntax(p, p->t.loc,
            "expected '.' and a field name after '%.*s', got %s", (int)bt.len,
            bt.text, tok_desc(&p->t, b, sizeof b));
        return NULL;
    }
    next(p);
    if (!is_tok(p, T_IDENT)) {
        char b[64];
        syntax(p, p->t.loc, "expected a field name before %s",
            tok_desc(&p->t, b, sizeof b));
        return NULL;
    }
    gx *e = gx_new(GX_FIELD, span(bt.loc, p->t.loc));
    e->base = base;
    e->name = tok_str(&p->t);
    aktc_loc floc = p->t.loc;
    next(p);
    if (is_tok(p, '[')) {
        syntax(p, p->t.loc, "arrays are not allowed in @gpu handlers");
        gx_free(e);
        return NULL;
    }
    const ast_decl *d = base == GB_IN ? p->h->msg_decl
        : base == GB_OUT              ? p->h->reply_decl
                                      : p->actor->state;
    if (base == GB_OUT && p->h->reply_decl == NULL) {
        terr(p, bt.loc,
            "'out' is the reply, and this handler has none (write 'on %s -> "
            "Reply')",
            p->h->msg);
        return e;
    }
    if (d == NULL) {
        return e; /* an unknown message, reported by sema */
    }
    const ast_field *f = find_field(d, e->name);
    if (f == NULL) {
        terr(p, floc, "%s %s has no field '%s'",
            base == GB_STATE ? "the state of actor" : "message",
            base == GB_STATE ? p->actor->qname : d->qname, e->name);
        return e;
    }
    e->field = f;
    e->ty = aktc_gpu_field_type(f);
    return e;
}

static gx *parse_unary(P *p);

/* name(args) */
static gx *
parse_call(P *p, tok name)
{
    char *s = tok_str(&name);
    gx *e = gx_new(GX_CALL, name.loc);
    e->name = s;
    next(p); /* ( */
    gx **slot = &e->a;
    int nargs = 0;
    if (!is_tok(p, ')')) {
        for (;;) {
            gx *arg = parse_expr(p);
            if (arg == NULL) {
                gx_free(e);
                return NULL;
            }
            if (nargs < 3) {
                *slot = arg;
                slot = nargs == 0 ? &e->b : &e->c;
            } else {
                gx_free(arg);
            }
            nargs++;
            if (!is_tok(p, ',')) {
                break;
            }
            next(p);
        }
    }
    aktc_loc close = p->t.loc;
    if (!expect(p, ')', "')'")) {
        gx_free(e);
        return NULL;
    }
    e->loc = span(name.loc, close);
    e->u = (uint64_t)nargs;
    return e;
}

static gx *
parse_primary(P *p)
{
    tok t = p->t;
    char b[64];
    switch (t.kind) {
    case T_INT: {
        gx *e = gx_new(GX_INT, t.loc);
        e->u = t.u;
        next(p);
        return e;
    }
    case T_FLOAT: {
        gx *e = gx_new(GX_FLOAT, t.loc);
        e->d = t.d;
        e->f32 = t.f32;
        next(p);
        return e;
    }
    case '(': {
        next(p);
        gx *e = parse_expr(p);
        if (e && !expect(p, ')', "')'")) {
            gx_free(e);
            return NULL;
        }
        return e;
    }
    case T_STRING:
    case T_CHAR:
        syntax(p, t.loc,
            "strings and characters are not allowed in @gpu handlers");
        return NULL;
    case T_IDENT:
        break;
    default:
        syntax(p, t.loc, "expected an expression before %s",
            tok_desc(&t, b, sizeof b));
        return NULL;
    }
    char *w = tok_str(&t);
    gx *e = NULL;
    if (strcmp(w, "true") == 0 || strcmp(w, "false") == 0) {
        e = gx_new(GX_BOOL, t.loc);
        e->u = w[0] == 't';
        next(p);
    } else if (strcmp(w, "in") == 0) {
        e = parse_field(p, GB_IN);
    } else if (strcmp(w, "state") == 0) {
        e = parse_field(p, GB_STATE);
    } else if (strcmp(w, "out") == 0) {
        e = parse_field(p, GB_OUT);
    } else if (strcmp(w, "sender") == 0 || strcmp(w, "self") == 0) {
        terr(p, t.loc,
            "'%s' is only a tell's target in @gpu handlers: tell(%s, Msg { "
            "... });",
            w, w);
        e = gx_new(GX_LOCAL, t.loc); /* of no type: no further errors */
        next(p);
    } else if (type_by_name(w) != GT_NONE) {
        /* float32(x): a conversion in call form */
        gtype to = type_by_name(w);
        next(p);
        if (!is_tok(p, '(')) {
            syntax(p, t.loc, "a type name here must be a conversion: %s(x)", w);
        } else {
            next(p);
            gx *a = parse_expr(p);
            aktc_loc close = p->t.loc;
            if (a && expect(p, ')', "')'")) {
                e = gx_new(GX_CONV, span(t.loc, close));
                e->ty = to;
                e->a = a;
            } else {
                gx_free(a);
            }
        }
    } else if (WORD_IN(w, c_types) >= 0) {
        syntax(p, t.loc, "C type '%s' is not a @gpu type; use %s", w,
            c_types_hint[WORD_IN(w, c_types)]);
    } else if (WORD_IN(w, banned_words) >= 0) {
        syntax(p, t.loc, "'%s' is not allowed in @gpu handlers", w);
    } else {
        next(p);
        const ast_decl *en = is_tok(p, '.') ? find_decl(p, w, DECL_ENUM) : NULL;
        if (en) {
            /* Color.RED: the value, an integer constant */
            next(p);
            if (!is_tok(p, T_IDENT)) {
                char b[64];
                syntax(p, p->t.loc, "expected a value of enum %s before %s",
                    en->qname, tok_desc(&p->t, b, sizeof b));
                free(w);
                return NULL;
            }
            char *vn = tok_str(&p->t);
            const ast_enumval *v = en->values;
            while (v && strcmp(v->name, vn) != 0) {
                v = v->next;
            }
            e = gx_new(GX_INT, span(t.loc, p->t.loc));
            if (v == NULL) {
                terr(p, p->t.loc, "enum %s has no value '%s'", en->qname, vn);
                e->kind = GX_LOCAL; /* of no type: no further errors */
            } else {
                e->neg = v->value < 0;
                e->u = v->value < 0 ? (uint64_t)0 - (uint64_t)v->value
                                    : (uint64_t)v->value;
            }
            free(vn);
            next(p);
        } else if (is_tok(p, '(')) {
            e = parse_call(p, t);
        } else if (is_tok(p, '[')) {
            syntax(p, p->t.loc, "arrays are not allowed in @gpu handlers");
        } else if (is_tok(p, T_ARROW)) {
            syntax(p, p->t.loc, "pointers are not allowed in @gpu handlers");
        } else {
            e = gx_new(GX_LOCAL, t.loc);
            e->name = ast_strdup(w);
            e->local = find_local(p, w);
            if (e->local == NULL) {
                terr(p, t.loc, "unknown name '%s'", w);
            }
        }
    }
    free(w);
    return e;
}

/* ( type ) unary -- a cast; anything else starting with ( is primary */
static gx *
parse_unary(P *p)
{
    tok t = p->t;
    if (p->stop) {
        return NULL;
    }
    int op = 0;
    switch (t.kind) {
    case '-':
        op = GOP_NEG;
        break;
    case '+':
        op = GOP_PLUS;
        break;
    case '!':
        op = GOP_NOT;
        break;
    case '~':
        op = GOP_BNOT;
        break;
    case '*':
    case '&':
        syntax(p, t.loc, "pointers are not allowed in @gpu handlers");
        return NULL;
    case T_INC:
    case T_DEC:
        syntax(p, t.loc,
            "'%.*s' is a statement in @gpu handlers (x++;), not an "
            "expression",
            (int)t.len, t.text);
        return NULL;
    case '(': {
        /* a cast when a scalar type name (or a C type) follows */
        size_t save_pos = p->pos;
        int save_line = p->line, save_col = p->col;
        next(p);
        if (is_tok(p, T_IDENT)) {
            char *w = tok_str(&p->t);
            gtype to = type_by_name(w);
            int ci = WORD_IN(w, c_types);
            if (to != GT_NONE || ci >= 0) {
                aktc_loc tl = p->t.loc;
                next(p);
                if (is_tok(p, ')')) {
                    if (ci >= 0) {
                        syntax(p, tl, "C type '%s' is not a @gpu type; use %s",
                            w, c_types_hint[ci]);
                        free(w);
                        return NULL;
                    }
                    free(w);
                    next(p);
                    gx *a = parse_unary(p);
                    if (a == NULL) {
                        return NULL;
                    }
                    gx *e = gx_new(GX_CONV, span(t.loc, a->loc));
                    e->ty = to;
                    e->a = a;
                    return e;
                }
                if (is_tok(p, '*')) {
                    syntax(p, p->t.loc,
                        "pointers are not allowed in @gpu handlers");
                    free(w);
                    return NULL;
                }
            }
            free(w);
        }
        /* not a cast: scan again from the '(' */
        p->pos = save_pos;
        p->line = save_line;
        p->col = save_col;
        p->t = t;
        return parse_primary(p);
    }
    default:
        return parse_primary(p);
    }
    next(p);
    gx *a = parse_unary(p);
    if (a == NULL) {
        return NULL;
    }
    gx *e = gx_new(GX_UNARY, span(t.loc, a->loc));
    e->op = op;
    e->a = a;
    return e;
}

/* binary operators by precedence level (C's), lowest first */
static const struct {
    int tok;
    int op;
    int level;
    const char *name;
} binops[] = { { T_LOR, GOP_LOR, 1, "||" }, { T_LAND, GOP_LAND, 2, "&&" },
    { '|', GOP_OR, 3, "|" }, { '^', GOP_XOR, 4, "^" }, { '&', GOP_AND, 5, "&" },
    { T_EQ, GOP_EQ, 6, "==" }, { T_NE, GOP_NE, 6, "!=" },
    { '<', GOP_LT, 7, "<" }, { T_LE, GOP_LE, 7, "<=" }, { '>', GOP_GT, 7, ">" },
    { T_GE, GOP_GE, 7, ">=" }, { T_SHL, GOP_SHL, 8, "<<" },
    { T_SHR, GOP_SHR, 8, ">>" }, { '+', GOP_ADD, 9, "+" },
    { '-', GOP_SUB, 9, "-" }, { '*', GOP_MUL, 10, "*" },
    { '/', GOP_DIV, 10, "/" }, { '%', GOP_MOD, 10, "%" } };

static const char *
op_name(int op)
{
    for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++) {
        if (binops[i].op == op) {
            return binops[i].name;
        }
    }
    return op == GOP_NEG ? "-"
        : op == GOP_NOT  ? "!"
        : op == GOP_BNOT ? "~"
                         : "+";
}

static gx *
parse_binary(P *p, int min_level)
{
    gx *a = parse_unary(p);
    while (a && !p->stop) {
        int k = -1;
        for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++) {
            if (binops[i].tok == p->t.kind && binops[i].level >= min_level) {
                k = (int)i;
                break;
            }
        }
        if (k < 0) {
            if (is_tok(p, T_INC) || is_tok(p, T_DEC)) {
                syntax(p, p->t.loc,
                    "'%.*s' is a statement in @gpu handlers (x++;), not an "
                    "expression",
                    (int)p->t.len, p->t.text);
                gx_free(a);
                return NULL;
            }
            break;
        }
        next(p);
        gx *b = parse_binary(p, binops[k].level + 1);
        if (b == NULL) {
            gx_free(a);
            return NULL;
        }
        gx *e = gx_new(GX_BINARY, span(a->loc, b->loc));
        e->op = binops[k].op;
        e->a = a;
        e->b = b;
        a = e;
    }
    return a;
}

static gx *
parse_expr(P *p)
{
    gx *c = parse_binary(p, 1);
    if (c == NULL || !is_tok(p, '?')) {
        if (c && is_tok(p, '=')) {
            syntax(p, p->t.loc,
                "an assignment is a statement in @gpu handlers, not an "
                "expression");
            gx_free(c);
            return NULL;
        }
        return c;
    }
    next(p);
    gx *b = parse_expr(p);
    if (b == NULL || !expect(p, ':', "':'")) {
        gx_free(c);
        gx_free(b);
        return NULL;
    }
    gx *d = parse_expr(p);
    if (d == NULL) {
        gx_free(c);
        gx_free(b);
        return NULL;
    }
    gx *e = gx_new(GX_COND, span(c->loc, d->loc));
    e->a = c;
    e->b = b;
    e->c = d;
    return e;
}

/* a ref may only be copied into a ref field or be a tell's target */
static bool
not_ref(P *p, const gx *e)
{
    if (e->ty != GT_REF) {
        return true;
    }
    terr(p, e->loc,
        "'%s' is a ref: it can only be copied into a ref field of the same "
        "actor type or be the target of tell",
        e->name ? e->name : "this");
    return false;
}

/* check -- the type of e (constants: GT_ICONST / GT_FCONST); reports
 * every error once and gives GT_NONE for an expression that has one */
static gtype
check(P *p, gx *e)
{
    switch (e->kind) {
    case GX_INT:
        return e->ty = GT_ICONST;
    case GX_FLOAT:
        return e->ty = e->f32 ? GT_F32 : GT_FCONST;
    case GX_BOOL:
        return e->ty = GT_BOOL;
    case GX_LOCAL:
        if (e->local) {
            e->local->used = true;
        }
        return e->ty = e->local ? e->local->ty : GT_NONE;
    case GX_FIELD:
        return e->ty; /* set by parse_field */
    case GX_UNARY: {
        gtype t = check(p, e->a);
        if (t == GT_NONE || !not_ref(p, e->a)) {
            return e->ty = GT_NONE;
        }
        switch (e->op) {
        case GOP_NOT:
            if (t != GT_BOOL) {
                terr(p, e->loc, "'!' takes a bool, not %s (compare: x == 0)",
                    type_names[t]);
                return e->ty = GT_NONE;
            }
            return e->ty = GT_BOOL;
        case GOP_BNOT:
            if (!is_int(t) && t != GT_ICONST) {
                terr(p, e->loc, "'~' takes an integer, not %s", type_names[t]);
                return e->ty = GT_NONE;
            }
            return e->ty = t;
        default:
            if (!is_numeric(t)) {
                terr(p, e->loc, "'%s' takes a number, not %s", op_name(e->op),
                    type_names[t]);
                return e->ty = GT_NONE;
            }
            return e->ty = t;
        }
    }
    case GX_BINARY: {
        gtype ta = check(p, e->a);
        gtype tb = check(p, e->b);
        if (ta == GT_NONE || tb == GT_NONE || !not_ref(p, e->a)
            || !not_ref(p, e->b)) {
            return e->ty = GT_NONE;
        }
        const char *on = op_name(e->op);
        switch (e->op) {
        case GOP_LAND:
        case GOP_LOR:
            if (ta != GT_BOOL || tb != GT_BOOL) {
                terr(p, ta != GT_BOOL ? e->a->loc : e->b->loc,
                    "'%s' takes bools, not %s", on,
                    type_names[ta != GT_BOOL ? ta : tb]);
                return e->ty = GT_NONE;
            }
            return e->ty = GT_BOOL;
        case GOP_EQ:
        case GOP_NE:
        case GOP_LT:
        case GOP_LE:
        case GOP_GT:
        case GOP_GE: {
            if ((ta == GT_BOOL) != (tb == GT_BOOL)
                || (ta == GT_BOOL && e->op != GOP_EQ && e->op != GOP_NE)) {
                terr(p, e->loc, "'%s' cannot compare %s and %s", on,
                    type_names[ta], type_names[tb]);
                return e->ty = GT_NONE;
            }
            gtype u = unify(p, e->a, e->b, on, e->loc);
            if (is_const(u)) {
                u = default_type(u);
                if (!coerce(p, e->a, u, "") || !coerce(p, e->b, u, "")) {
                    return e->ty = GT_NONE;
                }
            }
            return e->ty = u == GT_NONE ? GT_NONE : GT_BOOL;
        }
        case GOP_SHL:
        case GOP_SHR:
            if (!(is_int(ta) || ta == GT_ICONST)
                || !(is_int(tb) || tb == GT_ICONST)) {
                terr(p, e->loc, "'%s' takes integers, not %s and %s", on,
                    type_names[ta], type_names[tb]);
                return e->ty = GT_NONE;
            }
            if (tb == GT_ICONST
                && !coerce(p, e->b, GT_U32, " as a shift count")) {
                return e->ty = GT_NONE;
            }
            return e->ty = ta;
        case GOP_MOD:
        case GOP_AND:
        case GOP_OR:
        case GOP_XOR: {
            gtype u = unify(p, e->a, e->b, on, e->loc);
            if (u == GT_NONE) {
                return e->ty = GT_NONE;
            }
            if (!is_int(u) && u != GT_ICONST) {
                terr(p, e->loc, "'%s' takes integers, not %s", on,
                    type_names[u]);
                return e->ty = GT_NONE;
            }
            return e->ty = u;
        }
        default: { /* + - * / */
            if (!is_numeric(ta) || !is_numeric(tb)) {
                terr(p, e->loc, "'%s' takes numbers, not %s", on,
                    type_names[is_numeric(ta) ? tb : ta]);
                return e->ty = GT_NONE;
            }
            return e->ty = unify(p, e->a, e->b, on, e->loc);
        }
        }
    }
    case GX_COND: {
        gtype tc = check(p, e->a);
        gtype tb = check(p, e->b);
        gtype td = check(p, e->c);
        if (tc == GT_NONE || tb == GT_NONE || td == GT_NONE || !not_ref(p, e->a)
            || !not_ref(p, e->b) || !not_ref(p, e->c)) {
            return e->ty = GT_NONE;
        }
        if (tc != GT_BOOL) {
            terr(p, e->a->loc, "a condition must be a bool, not %s",
                type_names[tc]);
            return e->ty = GT_NONE;
        }
        if ((tb == GT_BOOL) != (td == GT_BOOL)) {
            terr(p, e->loc, "the branches of '?:' have types %s and %s",
                type_names[tb], type_names[td]);
            return e->ty = GT_NONE;
        }
        return e->ty = unify(p, e->b, e->c, "?:", e->loc);
    }
    case GX_CALL: {
        int k = -1;
        for (size_t i = 0; i < sizeof gpu_fns / sizeof gpu_fns[0]; i++) {
            if (strcmp(gpu_fns[i].name, e->name) == 0) {
                k = (int)i;
            }
        }
        if (k < 0) {
            size_t n = strlen(e->name);
            char *base = ast_strndup(e->name, n > 0 ? n - 1 : 0);
            if (WORD_IN(e->name, heap_fns) >= 0) {
                terr(p, e->loc,
                    "heap allocation is not allowed in @gpu handlers ('%s')",
                    e->name);
            } else if (WORD_IN(e->name, inexact_fns) >= 0) {
                terr(p, e->loc,
                    "'%s' is not allowed in @gpu handlers: its result differs "
                    "between the CPU's libm and the GPU's; only IEEE-exact "
                    "functions may be called (" ALLOWED_FNS ")",
                    e->name);
            } else if (n > 1 && e->name[n - 1] == 'f'
                && (strcmp(base, "sqrt") == 0 || strcmp(base, "fabs") == 0
                    || strcmp(base, "fmin") == 0 || strcmp(base, "fmax") == 0
                    || strcmp(base, "floor") == 0 || strcmp(base, "ceil") == 0
                    || strcmp(base, "trunc") == 0)) {
                terr(p, e->loc, "call '%s': it takes float32 and float64 alike",
                    base);
            } else {
                terr(p, e->loc,
                    "'%s' is not a function a @gpu handler may call "
                    "(" ALLOWED_FNS ")",
                    e->name);
            }
            free(base);
            return e->ty = GT_NONE;
        }
        if ((int)e->u != gpu_fns[k].nargs) {
            terr(p, e->loc, "'%s' takes %d argument%s, not %d", e->name,
                gpu_fns[k].nargs, gpu_fns[k].nargs == 1 ? "" : "s", (int)e->u);
            return e->ty = GT_NONE;
        }
        gtype t = check(p, e->a);
        if (t != GT_NONE && !not_ref(p, e->a)) {
            return e->ty = GT_NONE;
        }
        if (gpu_fns[k].nargs == 2) {
            gtype t2 = check(p, e->b);
            if (t == GT_NONE || t2 == GT_NONE || !not_ref(p, e->b)) {
                return e->ty = GT_NONE;
            }
            t = unify(p, e->a, e->b, e->name, e->loc);
        }
        if (t == GT_NONE) {
            return e->ty = GT_NONE;
        }
        if (is_const(t)) {
            if (!coerce(p, e->a, GT_F64, "")
                || (e->b && !coerce(p, e->b, GT_F64, ""))) {
                return e->ty = GT_NONE;
            }
            t = GT_F64;
        }
        if (!is_float(t)) {
            terr(p, e->loc,
                "'%s' takes float32 or float64, not %s (convert: "
                "(float64)x)",
                e->name, type_names[t]);
            return e->ty = GT_NONE;
        }
        return e->ty = t;
    }
    case GX_CONV: {
        gtype to = e->ty;
        gtype t = check(p, e->a);
        if (t == GT_NONE || !not_ref(p, e->a)) {
            return e->ty = GT_NONE;
        }
        if (to == GT_BOOL) {
            terr(p, e->loc, "no conversion to bool: compare instead (x != 0)");
            return e->ty = GT_NONE;
        }
        if (t == GT_ICONST) {
            if (!coerce(p, e->a, to, " by the conversion")) {
                return e->ty = GT_NONE;
            }
        } else if (t == GT_FCONST) {
            if (!coerce(p, e->a, is_float(to) ? to : GT_F64, "")) {
                return e->ty = GT_NONE;
            }
        }
        return e->ty = to;
    }
    }
    return GT_NONE;
}

/* an expression checked and given type want (a condition: GT_BOOL) */
static bool
check_as(P *p, gx *e, gtype want, const char *ctx)
{
    gtype t = check(p, e);
    if (t == GT_NONE) {
        return false;
    }
    if (want == GT_BOOL && t != GT_BOOL && ctx[0]) {
        terr(p, e->loc, "%s must be a bool, not %s (compare: x != 0)", ctx,
            type_names[t]);
        return false;
    }
    return coerce(p, e, want, "");
}

/* --- statements -------------------------------------------------------------
 */

static gs *parse_stmt(P *p);

static void
scope_push(P *p, scope *s)
{
    s->locals = NULL;
    s->up = p->sc;
    p->sc = s;
}

/* locals move to the body's list when their scope closes */
static void
scope_pop(P *p)
{
    scope *s = p->sc;
    glocal *l = s->locals;
    while (l) {
        glocal *next = l->next;
        l->next = p->body->locals;
        p->body->locals = l;
        l = next;
    }
    p->sc = s->up;
}

/* `type name = expr` (no ';') */
static gs *
parse_decl(P *p, gtype ty, aktc_loc tloc)
{
    next(p); /* the type */
    if (is_tok(p, '*')) {
        syntax(p, p->t.loc, "pointers are not allowed in @gpu handlers");
        return NULL;
    }
    if (!is_tok(p, T_IDENT)) {
        char b[64];
        syntax(p, p->t.loc, "expected a name after '%s', got %s",
            type_names[ty], tok_desc(&p->t, b, sizeof b));
        return NULL;
    }
    if (is_tok(p, '*')) {
        syntax(p, p->t.loc, "pointers are not allowed in @gpu handlers");
        return NULL;
    }
    tok nt = p->t;
    char *name = tok_str(&nt);
    next(p);
    if (is_tok(p, '[')) {
        syntax(p, p->t.loc, "arrays are not allowed in @gpu handlers");
        free(name);
        return NULL;
    }
    if (!is_tok(p, '=')) {
        char b[64];
        syntax(p, p->t.loc,
            "expected '=' before %s: a local is declared with its value "
            "(%s %s = ...;)",
            tok_desc(&p->t, b, sizeof b), type_names[ty], name);
        free(name);
        return NULL;
    }
    next(p);
    gx *a = parse_expr(p);
    if (a == NULL) {
        free(name);
        return NULL;
    }
    gs *s = gs_new(GS_DECL, span(tloc, a->loc));
    s->a = a;
    bool bad = false;
    if (is_body_keyword(name) || WORD_IN(name, c_types) >= 0
        || WORD_IN(name, banned_words) >= 0) {
        terr(p, nt.loc, "'%s' is a reserved word in @gpu handlers", name);
        bad = true;
    } else if (name[0] == '_' || name[strlen(name) - 1] == '_'
        || strstr(name, "__")) {
        terr(p, nt.loc,
            "local '%s' must not start or end with '_' or contain '__'", name);
        bad = true;
    } else if (find_local(p, name)) {
        glocal *old = find_local(p, name);
        terr(p, nt.loc, "'%s' is already declared", name);
        diag_note(p->f, old->loc, "'%s' is declared here", name);
        bad = true;
    }
    /* check the value before the name is visible: int32 x = x; is an error */
    check_as(p, a, ty, "");
    glocal *l = ast_alloc(sizeof *l);
    l->name = bad ? ast_printf("%s bad", name) : name;
    if (bad) {
        free(name);
    }
    l->ty = ty;
    l->loc = nt.loc;
    l->next = p->sc->locals;
    p->sc->locals = l;
    s->local = l;
    return s;
}

static void check_assign(P *p, gs *s, gtype tt);

static int
assign_op(int tok)
{
    switch (tok) {
    case T_ADD_AS:
        return GOP_ADD;
    case T_SUB_AS:
        return GOP_SUB;
    case T_MUL_AS:
        return GOP_MUL;
    case T_DIV_AS:
        return GOP_DIV;
    case T_MOD_AS:
        return GOP_MOD;
    case T_AND_AS:
        return GOP_AND;
    case T_OR_AS:
        return GOP_OR;
    case T_XOR_AS:
        return GOP_XOR;
    case T_SHL_AS:
        return GOP_SHL;
    case T_SHR_AS:
        return GOP_SHR;
    default:
        return -1;
    }
}

/* `target = e`, `target op= e`, `target++` (no ';') */
static gs *
parse_assign(P *p)
{
    gx *target = parse_unary(p);
    if (target == NULL) {
        return NULL;
    }
    if (target->kind != GX_LOCAL && target->kind != GX_FIELD) {
        if (target->kind == GX_CALL) {
            syntax(p, target->loc,
                "a call is not a statement in @gpu handlers (its value would "
                "be lost)");
        } else {
            syntax(p, target->loc, "expected a local or a field to assign to");
        }
        gx_free(target);
        return NULL;
    }
    tok t = p->t;
    int op;
    gx *a;
    if (t.kind == T_INC || t.kind == T_DEC) {
        next(p);
        op = t.kind == T_INC ? GOP_ADD : GOP_SUB;
        a = gx_new(GX_INT, t.loc);
        a->u = 1;
    } else if (t.kind == '=' || assign_op(t.kind) > 0) {
        next(p);
        op = t.kind == '=' ? 0 : assign_op(t.kind);
        a = parse_expr(p);
        if (a == NULL) {
            gx_free(target);
            return NULL;
        }
    } else {
        char b[64];
        syntax(p, t.loc, "expected '=' after the %s, got %s",
            target->kind == GX_FIELD ? "field" : "local",
            tok_desc(&t, b, sizeof b));
        gx_free(target);
        return NULL;
    }
    gs *s = gs_new(GS_ASSIGN, span(target->loc, a->loc));
    s->target = target;
    s->op = op;
    s->a = a;
    /* check */
    gtype tt = check(p, target);
    if (target->kind == GX_FIELD && target->base == GB_IN) {
        terr(p, target->loc, "'in' is read-only (the message being handled)");
        return s;
    }
    check_assign(p, s, tt);
    return s;
}

/* the value of assignment s to a target of type tt */
static void
check_assign(P *p, gs *s, gtype tt)
{
    gx *a = s->a;
    int op = s->op;
    if (tt == GT_NONE) {
        check(p, a);
        return;
    }
    if (tt == GT_REF) {
        const ast_decl *want = s->target->field->type->decl;
        gtype ta = check(p, a);
        if (op != 0) {
            terr(p, s->loc, "a ref can only be assigned with '='");
        } else if (ta != GT_NONE && (ta != GT_REF || a->kind != GX_FIELD)) {
            terr(p, a->loc, "%s where a ref<%s> is expected", type_names[ta],
                want->qname);
        } else if (ta != GT_NONE && a->field->type->decl != want) {
            terr(p, a->loc, "a ref<%s> where a ref<%s> is expected",
                a->field->type->decl->qname, want->qname);
        }
        return;
    }
    if (op == 0) {
        check_as(p, a, tt, "");
    } else if (op == GOP_SHL || op == GOP_SHR) {
        gtype ta = check(p, a);
        if (!is_int(tt) || !(is_int(ta) || ta == GT_ICONST)) {
            terr(p, s->loc, "'%s=' takes integers", op_name(op));
        } else if (ta == GT_ICONST) {
            coerce(p, a, GT_U32, " as a shift count");
        }
    } else {
        if ((op == GOP_MOD || op == GOP_AND || op == GOP_OR || op == GOP_XOR)
            && !is_int(tt)) {
            terr(p, s->loc, "'%s=' takes integers, not %s", op_name(op),
                type_names[tt]);
            check(p, a);
        } else if (!is_numeric(tt)) {
            terr(p, s->loc, "'%s=' takes numbers, not %s", op_name(op),
                type_names[tt]);
            check(p, a);
        } else {
            check_as(p, a, tt, "");
        }
    }
}

/* a statement that starts like an expression: a declaration or assignment */
static gs *
parse_simple(P *p)
{
    if (is_tok(p, T_IDENT)) {
        char *w = tok_str(&p->t);
        gtype ty = type_by_name(w);
        int ci = WORD_IN(w, c_types);
        aktc_loc loc = p->t.loc;
        free(w);
        if (ty != GT_NONE) {
            /* float32 x = ...; or float32(x) (an expression: not a statement)
             */
            size_t save_pos = p->pos;
            int sl = p->line, sc = p->col;
            tok save = p->t;
            next(p);
            bool decl = !is_tok(p, '(');
            p->pos = save_pos;
            p->line = sl;
            p->col = sc;
            p->t = save;
            if (decl) {
                return parse_decl(p, ty, loc);
            }
        } else if (ci >= 0) {
            syntax(p, loc, "C type '%.*s' is not a @gpu type; use %s",
                (int)p->t.len, p->t.text, c_types_hint[ci]);
            return NULL;
        }
    }
    return parse_assign(p);
}

static gs *
parse_block(P *p)
{
    aktc_loc open = p->t.loc;
    next(p); /* { */
    gs *s = gs_new(GS_BLOCK, open);
    scope sc;
    scope_push(p, &sc);
    gs **tail = &s->kids;
    while (!p->stop && !is_tok(p, '}') && !is_tok(p, T_EOF)) {
        gs *k = parse_stmt(p);
        if (k == NULL) {
            break;
        }
        *tail = k;
        tail = &k->next;
    }
    scope_pop(p);
    if (!p->stop) {
        expect(p, '}', "'}'");
    }
    return s;
}

static bool
end_stmt(P *p)
{
    return expect(p, ';', "';'");
}

static bool check_fields(const ast_file *f, const ast_decl *d, aktc_loc use,
    const char *role, const char *name, int *ncols);

/* does actor a handle message m? */
static bool
handles(const ast_decl *a, const ast_decl *m)
{
    for (const ast_handler *h = a ? a->handlers : NULL; h; h = h->next) {
        if (h->msg_decl == m) {
            return true;
        }
    }
    return false;
}

/* tell(target, Msg { field = expr, ... }); -- target: sender, self, or a
 * ref<A> field of in or state. Outside loops only, so each tell statement
 * sends at most one message per message handled, and they go out in the
 * order they are written. */
static gs *
parse_tell(P *p)
{
    tok t = p->t;
    char b[64];
    next(p);
    if (!expect(p, '(', "'(' after 'tell'")) {
        return NULL;
    }
    gs *s = gs_new(GS_TELL, t.loc);
    gtell *tl = ast_alloc(sizeof *tl);
    tl->loc = t.loc;
    const ast_decl *to_actor = NULL; /* NULL: sender (any actor) */
    aktc_loc to_loc = p->t.loc;
    if (is_word(p, "sender") || is_word(p, "self")) {
        tl->to = is_word(p, "sender") ? GTO_SENDER : GTO_SELF;
        to_actor = tl->to == GTO_SELF ? p->actor : NULL;
        next(p);
    } else {
        gx *a = parse_unary(p);
        if (a == NULL) {
            free(tl);
            gs_free(s);
            return NULL;
        }
        s->a = a;
        tl->to = GTO_REF;
        to_loc = a->loc;
        gtype ta = check(p, a);
        if (ta != GT_NONE && (ta != GT_REF || a->kind != GX_FIELD)) {
            terr(p, a->loc,
                "a tell goes to sender, self or a ref<Actor> field of in or "
                "state, not %s",
                type_names[ta]);
        } else if (ta == GT_REF && a->base == GB_OUT) {
            terr(p, a->loc, "a tell cannot go to a field of the reply");
        } else if (ta == GT_REF) {
            to_actor = a->field->type->decl;
        }
    }
    if (!expect(p, ',', "',' after the tell's target")) {
        free(tl);
        gs_free(s);
        return NULL;
    }
    /* the message's name, qualified or not */
    aktc_loc mloc = p->t.loc;
    if (!is_tok(p, T_IDENT)) {
        syntax(p, p->t.loc, "expected a message name before %s",
            tok_desc(&p->t, b, sizeof b));
        free(tl);
        gs_free(s);
        return NULL;
    }
    aktc_sb name = { 0 };
    for (;;) {
        aktc_sb_putn(&name, p->t.text, p->t.len);
        mloc = span(mloc, p->t.loc);
        next(p);
        if (!is_tok(p, '.')) {
            break;
        }
        next(p);
        aktc_sb_puts(&name, ".");
        if (!is_tok(p, T_IDENT)) {
            syntax(p, p->t.loc, "expected a name after '.', got %s",
                tok_desc(&p->t, b, sizeof b));
            aktc_sb_free(&name);
            free(tl);
            gs_free(s);
            return NULL;
        }
    }
    const ast_decl *m = find_decl(p, name.s, DECL_MESSAGE);
    bool ok = m != NULL;
    if (m == NULL) {
        terr(p, mloc, "unknown message '%s'", name.s);
    } else {
        int ncols = 0;
        ok = check_fields(p->f, m, mloc, "message", m->qname, &ncols);
        if (to_actor && !handles(to_actor, m)) {
            terr(p, mloc,
                "actor %s has no handler for %s: the tell would be "
                "unhandled",
                to_actor->qname, m->qname);
        }
    }
    aktc_sb_free(&name);
    tl->msg = m;
    if (!expect(p, '{', "'{' and the message's fields")) {
        free(tl);
        gs_free(s);
        return NULL;
    }
    gs **tail = &s->kids;
    while (!p->stop && !is_tok(p, '}')) {
        if (!is_tok(p, T_IDENT)) {
            syntax(p, p->t.loc, "expected a field name before %s",
                tok_desc(&p->t, b, sizeof b));
            break;
        }
        gx *target = gx_new(GX_FIELD, p->t.loc);
        target->base = GB_TELL;
        target->name = tok_str(&p->t);
        target->u = (uint64_t)p->body->ntells;
        next(p);
        if (!expect(p, '=', "'=' after the field's name")) {
            gx_free(target);
            break;
        }
        gx *a = parse_expr(p);
        if (a == NULL) {
            gx_free(target);
            break;
        }
        gs *as = gs_new(GS_ASSIGN, span(target->loc, a->loc));
        as->target = target;
        as->a = a;
        *tail = as;
        tail = &as->next;
        const ast_field *f = ok ? find_field(m, target->name) : NULL;
        for (gs *o = s->kids; f && o != as; o = o->next) {
            if (strcmp(o->target->name, target->name) == 0) {
                terr(p, target->loc, "field '%s' is set twice", target->name);
                f = NULL;
            }
        }
        if (ok && find_field(m, target->name) == NULL) {
            terr(p, target->loc, "message %s has no field '%s'", m->qname,
                target->name);
        }
        target->field = f;
        target->ty = f ? aktc_gpu_field_type(f) : GT_NONE;
        check_assign(p, as, target->ty);
        if (!is_tok(p, ',')) {
            break;
        }
        next(p);
    }
    if (p->stop || !expect(p, '}', "'}' after the message's fields")
        || !expect(p, ')', "')'") || !end_stmt(p)) {
        free(tl);
        gs_free(s);
        return NULL;
    }
    if (p->loops > 0) {
        terr(p, t.loc,
            "'tell' inside a loop: a tell statement sends at most one message "
            "per message handled (write it after the loop)");
    }
    if (p->body->ntells == AKTC_GPU_MAX_TELLS) {
        terr(p, t.loc, "a @gpu handler has at most %d tell statements",
            AKTC_GPU_MAX_TELLS);
    }
    s->tell = p->body->ntells++;
    gtell **tt = &p->body->tells;
    while (*tt) {
        tt = &(*tt)->next;
    }
    *tt = tl;
    (void)to_loc;
    return s;
}

static gs *
parse_stmt(P *p)
{
    if (p->stop) {
        return NULL;
    }
    tok t = p->t;
    char b[64];
    if (is_tok(p, '{')) {
        return parse_block(p);
    }
    if (is_tok(p, ';')) {
        next(p);
        return gs_new(GS_EMPTY, t.loc);
    }
    if (!is_tok(p, T_IDENT)) {
        if (is_tok(p, '*') || is_tok(p, '&')) {
            syntax(p, t.loc, "pointers are not allowed in @gpu handlers");
            return NULL;
        }
        if (is_tok(p, T_INC) || is_tok(p, T_DEC)) {
            syntax(p, t.loc, "write x%.*s; (the operator after the name)",
                (int)t.len, t.text);
            return NULL;
        }
        syntax(p, t.loc, "expected a statement before %s",
            tok_desc(&t, b, sizeof b));
        return NULL;
    }
    if (is_word(p, "if")) {
        next(p);
        if (!expect(p, '(', "'(' after 'if'")) {
            return NULL;
        }
        gx *c = parse_expr(p);
        if (c == NULL || !expect(p, ')', "')'")) {
            gx_free(c);
            return NULL;
        }
        gs *s = gs_new(GS_IF, t.loc);
        s->a = c;
        check_as(p, c, GT_BOOL, "an if condition");
        s->body = parse_stmt(p);
        if (s->body == NULL) {
            gs_free(s);
            return NULL;
        }
        if (is_word(p, "else")) {
            next(p);
            s->els = parse_stmt(p);
            if (s->els == NULL) {
                gs_free(s);
                return NULL;
            }
        }
        return s;
    }
    if (is_word(p, "while")) {
        next(p);
        if (!expect(p, '(', "'(' after 'while'")) {
            return NULL;
        }
        gx *c = parse_expr(p);
        if (c == NULL || !expect(p, ')', "')'")) {
            gx_free(c);
            return NULL;
        }
        gs *s = gs_new(GS_WHILE, t.loc);
        s->a = c;
        s->loop_id = ++p->nloops;
        check_as(p, c, GT_BOOL, "a while condition");
        p->loops++;
        s->body = parse_stmt(p);
        p->loops--;
        if (s->body == NULL) {
            gs_free(s);
            return NULL;
        }
        return s;
    }
    if (is_word(p, "for")) {
        next(p);
        if (!expect(p, '(', "'(' after 'for'")) {
            return NULL;
        }
        gs *s = gs_new(GS_FOR, t.loc);
        s->loop_id = ++p->nloops;
        scope sc;
        scope_push(p, &sc);
        if (!is_tok(p, ';')) {
            s->init = parse_simple(p);
        }
        if (!p->stop && end_stmt(p) && !is_tok(p, ';')) {
            s->a = parse_expr(p);
            if (s->a) {
                check_as(p, s->a, GT_BOOL, "a for condition");
            }
        }
        if (!p->stop && end_stmt(p) && !is_tok(p, ')')) {
            s->step = parse_assign(p);
        }
        if (!p->stop && expect(p, ')', "')'")) {
            p->loops++;
            s->body = parse_stmt(p);
            p->loops--;
        }
        scope_pop(p);
        if (p->stop || s->body == NULL) {
            gs_free(s);
            return NULL;
        }
        return s;
    }
    if (is_word(p, "break") || is_word(p, "continue")) {
        bool brk = is_word(p, "break");
        next(p);
        if (p->loops == 0) {
            terr(p, t.loc, "'%s' outside a loop", brk ? "break" : "continue");
        }
        if (!end_stmt(p)) {
            return NULL;
        }
        return gs_new(brk ? GS_BREAK : GS_CONTINUE, t.loc);
    }
    if (is_word(p, "return")) {
        next(p);
        if (!is_tok(p, ';')) {
            syntax(p, p->t.loc,
                "a @gpu handler returns no value: set the reply's fields "
                "(out.x = ...) and write 'return;', or fail the message with "
                "fail(code);");
            return NULL;
        }
        next(p);
        return gs_new(GS_RETURN, t.loc);
    }
    if (is_word(p, "tell")) {
        return parse_tell(p);
    }
    if (is_word(p, "fail")) {
        next(p);
        if (!expect(p, '(', "'(' after 'fail'")) {
            return NULL;
        }
        gx *c = parse_expr(p);
        if (c == NULL || !expect(p, ')', "')'")) {
            gx_free(c);
            return NULL;
        }
        gs *s = gs_new(GS_FAIL, span(t.loc, c->loc));
        s->a = c;
        if (!end_stmt(p)) {
            gs_free(s);
            return NULL;
        }
        bool neg
            = c->kind == GX_UNARY && c->op == GOP_NEG && c->a->kind == GX_INT;
        if ((c->kind != GX_INT && !neg) || neg || c->u < 1
            || c->u > AKTC_GPU_FAIL_MAX) {
            terr(p, c->loc,
                "a failure code must be an integer constant from 1 to %d",
                AKTC_GPU_FAIL_MAX);
        } else {
            c->ty = GT_I32;
        }
        return s;
    }
    {
        char *w = tok_str(&t);
        int bi = WORD_IN(w, banned_words);
        if (bi >= 0) {
            syntax(p, t.loc, "'%s' is not allowed in @gpu handlers", w);
            free(w);
            return NULL;
        }
        if (strcmp(w, "else") == 0) {
            syntax(p, t.loc, "'else' without 'if'");
            free(w);
            return NULL;
        }
        free(w);
    }
    gs *s = parse_simple(p);
    if (s == NULL) {
        return NULL;
    }
    if (!end_stmt(p)) {
        gs_free(s);
        return NULL;
    }
    return s;
}

/* --- the actor's shape ------------------------------------------------------
 */

static const char *const cxx_keywords[] = { "alignas", "alignof", "and",
    "and_eq", "asm", "bitand", "bitor", "catch", "char8_t", "char16_t",
    "char32_t", "class", "compl", "concept", "consteval", "constexpr",
    "constinit", "const_cast", "co_await", "co_return", "co_yield", "decltype",
    "delete", "dynamic_cast", "explicit", "export", "friend", "mutable",
    "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator",
    "or", "or_eq", "private", "protected", "public", "reinterpret_cast",
    "requires", "static_assert", "static_cast", "template", "this",
    "thread_local", "throw", "try", "typeid", "typename", "using", "virtual",
    "wchar_t", "xor", "xor_eq" };

/* check that every field of d is one a @gpu handler can carry; *ncols:
 * how many there are */
static bool
check_fields(const ast_file *f, const ast_decl *d, aktc_loc use,
    const char *role, const char *name, int *ncols)
{
    bool ok = true;
    *ncols = 0;
    for (const ast_field *fl = d ? d->fields : NULL; fl; fl = fl->next) {
        (*ncols)++;
        if (aktc_gpu_field_type(fl) == GT_NONE) {
            char *ts = ast_type_str(fl->type, fl->optional);
            diag_error(f, use,
                "%s %s has field '%s' of type %s: @gpu handlers take only "
                "bool, integer, float, enum and ref fields",
                role, name, fl->name, ts);
            diag_note(d->file, fl->loc, "'%s' is declared here", fl->name);
            free(ts);
            ok = false;
        } else if (WORD_IN(fl->name, cxx_keywords) >= 0) {
            diag_error(f, use,
                "%s %s has field '%s', a C++ keyword: @gpu handlers are also "
                "compiled as CUDA C++",
                role, name, fl->name);
            diag_note(d->file, fl->loc, "'%s' is declared here", fl->name);
            ok = false;
        }
    }
    return ok;
}

bool
aktc_gpu_actor_has_gpu(const ast_decl *a)
{
    for (const ast_handler *h = a->handlers; h; h = h->next) {
        if (h->gpu) {
            return true;
        }
    }
    return false;
}

static void
check_body(const ast_file *f, ast_decl *a, ast_handler *h)
{
    P p = { 0 };
    p.f = f;
    p.s = f->text;
    p.pos = h->body_loc.first_byte;
    p.end = h->body_loc.last_byte;
    p.line = h->body_loc.first_line;
    p.col = h->body_loc.first_column;
    p.actor = a;
    p.h = h;
    p.body = ast_alloc(sizeof *p.body);
    next(&p);
    if (!is_tok(&p, '{')) {
        aktc_gpu_body_free(p.body);
        return; /* the IDL parser reported it */
    }
    p.body->block = parse_block(&p);
    if (!p.stop && !is_tok(&p, T_EOF)) {
        char b[64];
        syntax(&p, p.t.loc, "unexpected %s after the body",
            tok_desc(&p.t, b, sizeof b));
    }
    p.body->nloops = p.nloops;
    h->gpu_body = p.body;
}

void
aktc_gpu_check_actor(ast_decl *a)
{
    const ast_file *f = a->file;
    const ast_handler *first_gpu = NULL;
    for (const ast_handler *h = a->handlers; h; h = h->next) {
        if (h->gpu && first_gpu == NULL) {
            first_gpu = h;
        }
    }
    if (first_gpu == NULL) {
        return;
    }
    for (const ast_handler *h = a->handlers; h; h = h->next) {
        if (!h->gpu) {
            diag_error(f, h->loc,
                "actor %s has @gpu handlers, so every handler must be @gpu "
                "(its state lives on the device)",
                a->name);
            diag_note(f, first_gpu->loc, "the first @gpu handler is here");
        }
    }
    if (a->fsm) {
        diag_error(f, a->fsm->loc,
            "actor %s has @gpu handlers and cannot have an fsm block", a->name);
    }
    int nstate = 0, tin = 0, tout = 0;
    check_fields(
        f, a->state, a->name_loc, "the state of actor", a->qname, &nstate);
    for (ast_handler *h = a->handlers; h; h = h->next) {
        if (!h->gpu) {
            continue;
        }
        int nin = 0, nout = 0;
        if (h->msg_decl) {
            check_fields(f, h->msg_decl, h->msg_loc, "message",
                h->msg_decl->qname, &nin);
        }
        if (h->reply_decl) {
            check_fields(f, h->reply_decl, h->reply_loc, "message",
                h->reply_decl->qname, &nout);
        }
        if (nin > AKTC_GPU_MAX_COLS || nout > AKTC_GPU_MAX_COLS) {
            diag_error(f, nin > AKTC_GPU_MAX_COLS ? h->msg_loc : h->reply_loc,
                "a @gpu handler's message and reply have at most %d fields "
                "each",
                AKTC_GPU_MAX_COLS);
        }
        /* a body is checked only in a file that parsed cleanly: after a
         * syntax error its span may be cut short */
        if (f->nerrors == 0) {
            check_body(f, a, h);
        }
        tin += nin;
        tout += nout;
        for (const gtell *t = h->gpu_body ? h->gpu_body->tells : NULL;
             t && t->msg; t = t->next) {
            tout += aktc_gpu_tell_cols(t);
        }
    }
    /* a batch of one type has AKT_GPU_MAX_COLS message columns and as many
     * out columns (replies, and each tell's flag, target and fields) */
    if (tin > AKTC_GPU_TYPE_COLS || tout > AKTC_GPU_TYPE_COLS) {
        diag_error(f, a->name_loc,
            "the @gpu handlers of actor %s have %d message and %d reply and "
            "tell fields in all; at most %d of each",
            a->qname, tin, tout, AKTC_GPU_TYPE_COLS);
    }
}

/* --- printing -------------------------------------------------------------
 */

static void
indent_to(aktc_sb *b, int n)
{
    for (int i = 0; i < n; i++) {
        aktc_sb_putn(b, " ", 1);
    }
}

/* a float constant of type t, exact: %.9g round-trips a float, %.17g a
 * double */
static void
print_float(aktc_sb *b, double d, gtype t)
{
    char buf[64];
    if (t == GT_F32) {
        snprintf(buf, sizeof buf, "%.9g", (double)(float)d);
    } else {
        snprintf(buf, sizeof buf, "%.17g", d);
    }
    aktc_sb_puts(b, buf);
    if (!strpbrk(buf, ".eEn")) {
        aktc_sb_puts(b, ".0");
    }
    if (t == GT_F32) {
        aktc_sb_puts(b, "f");
    }
}

static void
print_int(aktc_sb *b, uint64_t u, bool neg, gtype t)
{
    if (neg && u == 0) {
        neg = false;
    }
    if (is_float(t)) {
        print_float(b, neg ? -(double)u : (double)u, t);
        return;
    }
    const char *ct = ctype_names[t];
    if (t == GT_I64) {
        if (neg && u == 9223372036854775808ull) {
            aktc_sb_puts(b, "(-9223372036854775807LL - 1)");
        } else {
            aktc_sb_printf(b, "((int64_t)%s%lluLL)", neg ? "-" : "",
                (unsigned long long)u);
        }
        return;
    }
    if (t == GT_U64) {
        aktc_sb_printf(b, "((uint64_t)%lluULL)", (unsigned long long)u);
        return;
    }
    if (neg && t == GT_I32 && u == 2147483648u) {
        aktc_sb_puts(b, "((int32_t)(-2147483647 - 1))");
        return;
    }
    aktc_sb_printf(b, "((%s)%s%llu%s)", ct, neg ? "-" : "",
        (unsigned long long)u, t == GT_U32 ? "u" : "");
}

static void print_expr(aktc_sb *b, const gx *e);

static void
print_args(aktc_sb *b, const char *fn, const gx *a, const gx *c, bool st)
{
    aktc_sb_puts(b, fn);
    aktc_sb_puts(b, "(");
    print_expr(b, a);
    if (c) {
        aktc_sb_puts(b, ", ");
        print_expr(b, c);
    }
    if (st) {
        aktc_sb_puts(b, ", &st_");
    }
    aktc_sb_puts(b, ")");
}

static void
print_expr(aktc_sb *b, const gx *e)
{
    gtype t = e->ty;
    switch (e->kind) {
    case GX_INT:
        print_int(b, e->u, e->neg, t);
        return;
    case GX_FLOAT:
        print_float(b, e->d, t);
        return;
    case GX_BOOL:
        aktc_sb_puts(b, e->u ? "true" : "false");
        return;
    case GX_LOCAL:
        aktc_sb_printf(b, "l_%s", e->name);
        return;
    case GX_FIELD:
        if (e->base == GB_TELL) {
            aktc_sb_printf(b, "out->tell%d_.%s", (int)e->u, e->name);
            return;
        }
        aktc_sb_printf(b, "%s->%s",
            e->base == GB_IN        ? "in"
                : e->base == GB_OUT ? "out"
                                    : "state",
            e->name);
        return;
    case GX_UNARY:
        if (e->op == GOP_NEG && e->a->kind == GX_INT && is_int(t)) {
            print_int(b, e->a->u, true, t);
            return;
        }
        switch (e->op) {
        case GOP_PLUS:
            aktc_sb_puts(b, "(");
            print_expr(b, e->a);
            aktc_sb_puts(b, ")");
            return;
        case GOP_NOT:
            aktc_sb_puts(b, "(!");
            print_expr(b, e->a);
            aktc_sb_puts(b, ")");
            return;
        case GOP_BNOT:
            aktc_sb_printf(b, "akt_gpu_bnot_%s(", type_sfx[t]);
            print_expr(b, e->a);
            aktc_sb_puts(b, ")");
            return;
        default:
            if (is_float(t)) {
                aktc_sb_puts(b, "(-");
                print_expr(b, e->a);
                aktc_sb_puts(b, ")");
            } else {
                aktc_sb_printf(b, "akt_gpu_neg_%s(", type_sfx[t]);
                print_expr(b, e->a);
                aktc_sb_puts(b, ")");
            }
            return;
        }
    case GX_BINARY: {
        char fn[64];
        gtype ot = e->a->ty; /* the operands' type (comparisons: bool result) */
        switch (e->op) {
        case GOP_LAND:
        case GOP_LOR:
        case GOP_EQ:
        case GOP_NE:
        case GOP_LT:
        case GOP_LE:
        case GOP_GT:
        case GOP_GE:
            aktc_sb_puts(b, "(");
            print_expr(b, e->a);
            aktc_sb_printf(b, " %s ", op_name(e->op));
            print_expr(b, e->b);
            aktc_sb_puts(b, ")");
            return;
        case GOP_SHL:
        case GOP_SHR:
            snprintf(fn, sizeof fn, "akt_gpu_%s_%s",
                e->op == GOP_SHL ? "shl" : "shr", type_sfx[t]);
            aktc_sb_puts(b, fn);
            aktc_sb_puts(b, "(");
            print_expr(b, e->a);
            aktc_sb_puts(b, ", (uint32_t)");
            print_expr(b, e->b);
            aktc_sb_puts(b, ")");
            return;
        case GOP_AND:
        case GOP_OR:
        case GOP_XOR:
            aktc_sb_printf(b, "((%s)(", ctype_names[t]);
            print_expr(b, e->a);
            aktc_sb_printf(b, " %s ", op_name(e->op));
            print_expr(b, e->b);
            aktc_sb_puts(b, "))");
            return;
        default:
            break;
        }
        (void)ot;
        if (is_float(t)) {
            aktc_sb_puts(b, "(");
            print_expr(b, e->a);
            aktc_sb_printf(b, " %s ", op_name(e->op));
            print_expr(b, e->b);
            aktc_sb_puts(b, ")");
            return;
        }
        static const char *const names[]
            = { "", "add", "sub", "mul", "div", "mod" };
        snprintf(fn, sizeof fn, "akt_gpu_%s_%s", names[e->op], type_sfx[t]);
        print_args(b, fn, e->a, e->b, e->op == GOP_DIV || e->op == GOP_MOD);
        return;
    }
    case GX_COND:
        aktc_sb_puts(b, "(");
        print_expr(b, e->a);
        aktc_sb_puts(b, " ? ");
        print_expr(b, e->b);
        aktc_sb_puts(b, " : ");
        print_expr(b, e->c);
        aktc_sb_puts(b, ")");
        return;
    case GX_CALL: {
        char fn[64];
        if (strcmp(e->name, "fmin") == 0 || strcmp(e->name, "fmax") == 0) {
            snprintf(fn, sizeof fn, "akt_gpu_%s_%s", e->name, type_sfx[t]);
        } else {
            snprintf(fn, sizeof fn, "%s%s", e->name, t == GT_F32 ? "f" : "");
        }
        print_args(b, fn, e->a, e->b, false);
        return;
    }
    case GX_CONV: {
        gtype from = e->a->ty;
        if (from == t) {
            aktc_sb_puts(b, "(");
            print_expr(b, e->a);
            aktc_sb_puts(b, ")");
        } else if (from == GT_BOOL) {
            aktc_sb_printf(b, "((%s)(", ctype_names[t]);
            print_expr(b, e->a);
            aktc_sb_puts(b, " ? 1 : 0))");
        } else if (is_float(from) && is_int(t)) {
            char fn[64];
            snprintf(fn, sizeof fn, "akt_gpu_conv_%s_%s", type_sfx[from],
                type_sfx[t]);
            print_args(b, fn, e->a, NULL, true);
        } else {
            aktc_sb_printf(b, "((%s)", ctype_names[t]);
            print_expr(b, e->a);
            aktc_sb_puts(b, ")");
        }
        return;
    }
    }
}

/* true when evaluating e may set st_ (a division, a checked conversion) */
static bool
may_fail(const gx *e)
{
    if (e == NULL) {
        return false;
    }
    if (e->kind == GX_BINARY && (e->op == GOP_DIV || e->op == GOP_MOD)
        && is_int(e->ty)) {
        return true;
    }
    if (e->kind == GX_CONV && is_float(e->a->ty) && is_int(e->ty)) {
        return true;
    }
    return may_fail(e->a) || may_fail(e->b) || may_fail(e->c);
}

static void print_assign_value(aktc_sb *b, const gs *s);

/* the enum a field written by s must hold a value of, or NULL (also for
 * a constant that is one of its values: nothing to check) */
static const ast_decl *
assign_enum(const gs *s)
{
    const ast_decl *en = s->target->kind == GX_FIELD
        ? aktc_gpu_field_enum(s->target->field)
        : NULL;
    const gx *a = s->a;
    bool neg = false;
    if (en && s->op == 0 && a->kind == GX_UNARY && a->op == GOP_NEG
        && a->a->kind == GX_INT) {
        neg = true;
        a = a->a;
    }
    if (en && s->op == 0 && a->kind == GX_INT) {
        neg = neg != a->neg;
        int64_t v = neg ? (int64_t)(0 - a->u) : (int64_t)a->u;
        for (const ast_enumval *w = en->values; w; w = w->next) {
            if (w->value == v) {
                return NULL;
            }
        }
    }
    return en;
}

static bool
assign_may_fail(const gs *s)
{
    return may_fail(s->a) || assign_enum(s) != NULL
        || ((s->op == GOP_DIV || s->op == GOP_MOD) && is_int(s->target->ty));
}

static bool
stmt_may_fail(const gs *s)
{
    for (; s; s = s->next) {
        if ((s->kind == GS_ASSIGN && assign_may_fail(s)) || may_fail(s->a)
            || stmt_may_fail(s->body) || stmt_may_fail(s->els)
            || stmt_may_fail(s->init) || stmt_may_fail(s->step)
            || stmt_may_fail(s->kids)) {
            return true;
        }
    }
    return false;
}

bool
aktc_gpu_body_needs_status(const aktc_gpu_body *body)
{
    return stmt_may_fail(body->block);
}

static void
print_check(aktc_sb *b, int ind)
{
    indent_to(b, ind);
    aktc_sb_puts(b, "if (st_ != 0) {\n");
    indent_to(b, ind + 4);
    aktc_sb_puts(b, "return st_;\n");
    indent_to(b, ind);
    aktc_sb_puts(b, "}\n");
}

/* the assignment as a C expression (no ';') */
static void
print_assign_expr(aktc_sb *b, const gs *s)
{
    print_expr(b, s->target);
    aktc_sb_puts(b, " = ");
    /* a NaN stored into a field gets one bit pattern on both sides; an
     * enum field takes only its enum's values (else AKT_GPU_ENUM) */
    bool canon = s->target->kind == GX_FIELD && is_float(s->target->ty);
    const ast_decl *en = assign_enum(s);
    if (canon) {
        aktc_sb_printf(b, "akt_gpu_canon_%s(", type_sfx[s->target->ty]);
    } else if (en) {
        aktc_sb_printf(b, "%s_gpu_check(", en->snake);
    }
    print_assign_value(b, s);
    if (canon) {
        aktc_sb_puts(b, ")");
    } else if (en) {
        aktc_sb_puts(b, ", &st_)");
    }
}

static void
print_assign_value(aktc_sb *b, const gs *s)
{
    if (s->op == 0) {
        print_expr(b, s->a);
        return;
    }
    /* x op= e is x = x op e, with x's type */
    gx bin = { 0 };
    bin.kind = GX_BINARY;
    bin.op = s->op;
    bin.a = s->target;
    bin.b = s->a;
    bin.ty = s->target->ty;
    print_expr(b, &bin);
}

static void print_stmt(aktc_sb *b, const gs *s, int ind);

static void
print_braced(aktc_sb *b, const gs *s, int ind)
{
    if (s->kind == GS_BLOCK) {
        for (const gs *k = s->kids; k; k = k->next) {
            print_stmt(b, k, ind);
        }
    } else {
        print_stmt(b, s, ind);
    }
}

static void
print_stmt(aktc_sb *b, const gs *s, int ind)
{
    switch (s->kind) {
    case GS_EMPTY:
        return;
    case GS_BLOCK:
        indent_to(b, ind);
        aktc_sb_puts(b, "{\n");
        print_braced(b, s, ind + 4);
        indent_to(b, ind);
        aktc_sb_puts(b, "}\n");
        return;
    case GS_DECL:
        indent_to(b, ind);
        aktc_sb_printf(
            b, "%s l_%s = ", ctype_names[s->local->ty], s->local->name);
        print_expr(b, s->a);
        aktc_sb_puts(b, ";\n");
        if (!s->local->used) {
            indent_to(b, ind);
            aktc_sb_printf(b, "(void)l_%s; /* never read */\n", s->local->name);
        }
        if (may_fail(s->a)) {
            print_check(b, ind);
        }
        return;
    case GS_ASSIGN:
        indent_to(b, ind);
        print_assign_expr(b, s);
        aktc_sb_puts(b, ";\n");
        if (assign_may_fail(s)) {
            print_check(b, ind);
        }
        return;
    case GS_IF:
        if (may_fail(s->a)) {
            indent_to(b, ind);
            aktc_sb_puts(b, "{\n");
            indent_to(b, ind + 4);
            aktc_sb_puts(b, "bool c_ = ");
            print_expr(b, s->a);
            aktc_sb_puts(b, ";\n");
            print_check(b, ind + 4);
            indent_to(b, ind + 4);
            aktc_sb_puts(b, "if (c_) {\n");
            print_braced(b, s->body, ind + 8);
            if (s->els) {
                indent_to(b, ind + 4);
                aktc_sb_puts(b, "} else {\n");
                print_braced(b, s->els, ind + 8);
            }
            indent_to(b, ind + 4);
            aktc_sb_puts(b, "}\n");
            indent_to(b, ind);
            aktc_sb_puts(b, "}\n");
            return;
        }
        indent_to(b, ind);
        aktc_sb_puts(b, "if ");
        if (s->a->kind == GX_BINARY || s->a->kind == GX_UNARY) {
            print_expr(b, s->a); /* printed in parentheses already */
        } else {
            aktc_sb_puts(b, "(");
            print_expr(b, s->a);
            aktc_sb_puts(b, ")");
        }
        aktc_sb_puts(b, " {\n");
        print_braced(b, s->body, ind + 4);
        while (s->els && s->els->kind == GS_IF && !may_fail(s->els->a)) {
            s = s->els;
            indent_to(b, ind);
            aktc_sb_puts(b, "} else if ");
            if (s->a->kind == GX_BINARY || s->a->kind == GX_UNARY) {
                print_expr(b, s->a);
            } else {
                aktc_sb_puts(b, "(");
                print_expr(b, s->a);
                aktc_sb_puts(b, ")");
            }
            aktc_sb_puts(b, " {\n");
            print_braced(b, s->body, ind + 4);
        }
        if (s->els) {
            indent_to(b, ind);
            aktc_sb_puts(b, "} else {\n");
            print_braced(b, s->els, ind + 4);
        }
        indent_to(b, ind);
        aktc_sb_puts(b, "}\n");
        return;
    case GS_WHILE:
    case GS_FOR: {
        /* every loop counts its iterations: past the cap the message fails
         * with AKT_GPU_LIMIT, so a handler cannot hang a batch */
        int id = s->loop_id;
        indent_to(b, ind);
        aktc_sb_puts(b, "{\n");
        if (s->init) {
            print_stmt(b, s->init, ind + 4);
        }
        indent_to(b, ind + 4);
        aktc_sb_printf(b, "uint32_t n%d_ = 0;\n", id);
        indent_to(b, ind + 4);
        aktc_sb_puts(b, "for (;; ");
        if (s->step) {
            print_assign_expr(b, s->step);
        }
        aktc_sb_puts(b, ") {\n");
        if (s->a) {
            indent_to(b, ind + 8);
            aktc_sb_puts(b, "bool c_ = ");
            print_expr(b, s->a);
            aktc_sb_puts(b, ";\n");
            if (may_fail(s->a) || (s->step && assign_may_fail(s->step))) {
                print_check(b, ind + 8);
            }
            indent_to(b, ind + 8);
            aktc_sb_puts(b, "if (!c_) {\n");
            indent_to(b, ind + 12);
            aktc_sb_puts(b, "break;\n");
            indent_to(b, ind + 8);
            aktc_sb_puts(b, "}\n");
        }
        indent_to(b, ind + 8);
        aktc_sb_printf(b, "if (++n%d_ > AKT_GPU_LOOP_CAP) {\n", id);
        indent_to(b, ind + 12);
        aktc_sb_puts(b, "return AKT_GPU_LIMIT;\n");
        indent_to(b, ind + 8);
        aktc_sb_puts(b, "}\n");
        print_braced(b, s->body, ind + 8);
        indent_to(b, ind + 4);
        aktc_sb_puts(b, "}\n");
        indent_to(b, ind);
        aktc_sb_puts(b, "}\n");
        return;
    }
    case GS_BREAK:
        indent_to(b, ind);
        aktc_sb_puts(b, "break;\n");
        return;
    case GS_CONTINUE:
        indent_to(b, ind);
        aktc_sb_puts(b, "continue;\n");
        return;
    case GS_RETURN:
        indent_to(b, ind);
        aktc_sb_puts(b, "return AKT_GPU_OK;\n");
        return;
    case GS_FAIL:
        indent_to(b, ind);
        aktc_sb_printf(b, "return %llu;\n", (unsigned long long)s->a->u);
        return;
    case GS_TELL:
        /* the fields (the rest keep their defaults), the target, then the
         * flag: the runtime sends it when the message succeeds */
        for (const gs *k = s->kids; k; k = k->next) {
            print_stmt(b, k, ind);
        }
        if (s->a) {
            indent_to(b, ind);
            aktc_sb_printf(b, "out->tell%d_.to_ = ", s->tell);
            print_expr(b, s->a);
            aktc_sb_puts(b, ";\n");
        }
        indent_to(b, ind);
        aktc_sb_printf(b, "out->tell%d_.sent_ = 1;\n", s->tell);
        return;
    }
}

void
aktc_gpu_print_body(aktc_sb *b, const aktc_gpu_body *body, int indent)
{
    print_braced(b, body->block, indent);
}

void
aktc_gpu_print_default(aktc_sb *b, const ast_field *fl)
{
    gtype t = aktc_gpu_field_type(fl);
    const ast_literal *l = fl->deflt;
    const ast_decl *en = aktc_gpu_field_enum(fl);
    if (en) {
        /* the value named by the default, else the first one listed */
        const ast_enumval *v = en->values;
        for (const ast_enumval *w = en->values; l && w; w = w->next) {
            if (l->kind == LIT_IDENT && strcmp(w->name, l->text) == 0) {
                v = w;
            }
        }
        int64_t x = v ? v->value : 0;
        print_int(
            b, x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x, x < 0, GT_I32);
        return;
    }
    if (t == GT_REF) {
        aktc_sb_puts(b, "akt_gpu_ref_none()");
        return;
    }
    if (t == GT_BOOL) {
        aktc_sb_puts(b, l && l->b ? "true" : "false");
    } else if (l == NULL) {
        if (is_float(t)) {
            print_float(b, 0.0, t);
        } else {
            print_int(b, 0, false, t);
        }
    } else if (l->kind == LIT_FLOAT) {
        print_float(b, l->d, t);
    } else if (is_float(t)) {
        print_float(b, l->neg ? -(double)l->u : (double)l->u, t);
    } else {
        print_int(b, l->u, l->neg, t);
    }
}
