/*
 * cfg_parse.y -- pure bison grammar for HOCON; builds the syntax tree.
 *
 * The tree keeps each object's entries in source order (CV_OBJAST) with
 * their key paths unsplit into objects; merging, includes and
 * self-references are the build step's job (cfg_value.c), which knows each
 * entry's full path. Every semantic value lives in the parse arena, so no
 * %destructor is needed: discarding a value during error recovery leaks
 * nothing (the arena is freed as a whole).
 *
 * Error recovery: a bad member or array element is skipped up to the next
 * separator (newline or comma) and parsing continues, so the first error
 * is reported precisely and later ones are counted.
 */
%define api.pure full
%define api.prefix {cfgyy}
%define parse.error custom
%define lr.type canonical-lr
%locations
%expect 0
%param {void *scanner}
%parse-param {struct cfg_pctx *ctx}

%code requires {
#include "config/cfg.h"

typedef struct cfg_tok {
    const char *s; /* text (arena), unescaped for quoted strings */
    size_t n;
    const char *ws; /* whitespace before it, when it may matter */
    int kind;       /* UNQ: 0; QSTR: 1 quoted, 2 triple; INCLUDE: flags */
    int line, col;
    cv *sub; /* SUBST */
} cfg_tok;

typedef struct cfg_keyb {
    cfg_tok *t;
    size_t n, cap;
} cfg_keyb;

/* The state shared by scanner and parser for one text. */
typedef struct cfg_pctx {
    cfg_arena *a;
    const char *file;
    akt_config_error *err;
    akt_err rc; /* first error */
    int nerr;
    bool lex_err; /* the scanner already reported the coming ERRTOK */
    bool fatal;   /* stop: nesting limit or out of memory */
    int line, col;
    bool prev_sig; /* the last token may continue a concatenation */
    char *wsbuf;
    size_t wsn, wscap;
    int depth;
    char brk[CFG_MAX_NESTING + 2]; /* '{' or '[' open at each depth */
    int last_tok;  /* the last token but newlines (0: none yet) */
    bool nl_since; /* a newline came after it */
    int sline, scol; /* start of a multi-rule token */
    char *buf;
    size_t bn, bcap;
    bool inc_required, inc_named;
    int inc_kind, inc_depth;
    bool sub_optional;
    cv *root;
    void *scanner;
    void *jb;           /* jmp_buf * for flex's fatal errors */
    void *flex_mem[16]; /* what flex allocated, freed if it fails */
    int flex_n;
} cfg_pctx;

AKTI_INTERNAL void akti_cfg_perror(cfg_pctx *c, akt_err code, int line,
    int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
}

%code provides {
int cfgyylex(CFGYYSTYPE *lval, CFGYYLTYPE *lloc, void *scanner);
}

%code {
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define YYMALLOC akti_cfg_malloc
#define YYFREE akti_cfg_free

static void cfgyyerror(CFGYYLTYPE *loc, void *scanner, cfg_pctx *ctx,
    const char *msg);
static cv *p_scalar(cfg_pctx *c, const cfg_tok *t);
static cv *p_concat(cfg_pctx *c, cv *left, cv *right);
static cfg_keyb *p_key(cfg_pctx *c, cfg_keyb *kb, const cfg_tok *t);
static cfg_ent *p_member(cfg_pctx *c, cfg_keyb *kb, int kind, cv *val,
    const CFGYYLTYPE *loc);
static cfg_ent *p_include(cfg_pctx *c, const cfg_tok *t);
static cv *p_obj_add(cfg_pctx *c, cv *obj, cfg_ent *e, const CFGYYLTYPE *loc);
static cv *p_list_add(cfg_pctx *c, cv *list, cv *v, const CFGYYLTYPE *loc);

/* an allocation failed: stop the parse (the arena frees what was built) */
#define P_CK(x)                                                             \
    do {                                                                    \
        if ((x) == NULL) {                                                  \
            if (ctx->rc != AKT_ENOMEM) {                                    \
                ctx->rc = AKT_ENOMEM;                                       \
            }                                                               \
            ctx->fatal = true;                                              \
            YYABORT;                                                        \
        }                                                                   \
    } while (0)
}

%union {
    cfg_tok tok;
    cv *val;
    cfg_keyb *key;
    cfg_ent *ent;
}

%token END 0 "end of input"
%token <tok> LBRACE "'{'" LBRACK "'['"
%token RBRACE "'}'" RBRACK "']'" COMMA "','" SEP "'=' / ':'"
%token PLUSEQ "'+='" NL "newline"
%token <tok> UNQ "unquoted text" QSTR "quoted string"
%token <tok> SUBST "substitution" INCLUDE "include"
%token ERRTOK "invalid input"

%type <val> object obj_body members array arr_body elems value vpart
%type <key> key
%type <ent> member

%%

file
    : opt_nl            { ctx->root = akti_cfg_new(ctx->a, CV_OBJAST, ctx->file, 1, 1); P_CK(ctx->root); }
    | opt_nl members opt_trail { ctx->root = $2; }
    | opt_nl object opt_nl     { ctx->root = $2; }
    ;

opt_nl
    : %empty
    | NL
    ;

sep
    : NL
    | opt_nl COMMA opt_nl
    ;

opt_trail
    : %empty
    | NL
    | opt_nl COMMA opt_nl
    ;

object
    : LBRACE obj_body RBRACE { $$ = $2; $$->line = $1.line; $$->col = $1.col; $$->ws = $1.ws; }
    ;

obj_body
    : opt_nl                    { $$ = akti_cfg_new(ctx->a, CV_OBJAST, ctx->file, @$.first_line, @$.first_column); P_CK($$); }
    | opt_nl members opt_trail  { $$ = $2; }
    ;

members
    : member {
        $$ = akti_cfg_new(ctx->a, CV_OBJAST, ctx->file, @1.first_line, @1.first_column);
        P_CK($$);
        P_CK(p_obj_add(ctx, $$, $1, &@1));
    }
    | members sep member { $$ = $1; P_CK(p_obj_add(ctx, $$, $3, &@3)); }
    ;

member
    : key opt_nl SEP opt_nl value    { $$ = p_member(ctx, $1, ENT_SET, $5, &@1); if (ctx->fatal) YYABORT; }
    | key opt_nl PLUSEQ opt_nl value { $$ = p_member(ctx, $1, ENT_APPEND, $5, &@1); if (ctx->fatal) YYABORT; }
    | key opt_nl object              { $$ = p_member(ctx, $1, ENT_SET, $3, &@1); if (ctx->fatal) YYABORT; }
    | INCLUDE                 { $$ = p_include(ctx, &$1); P_CK($$); }
    | error                   { $$ = NULL; if (ctx->fatal) YYABORT; }
    ;

key
    : UNQ      { $$ = p_key(ctx, NULL, &$1); P_CK($$); }
    | QSTR     { $$ = p_key(ctx, NULL, &$1); P_CK($$); }
    | key UNQ  { $$ = p_key(ctx, $1, &$2); P_CK($$); }
    | key QSTR { $$ = p_key(ctx, $1, &$2); P_CK($$); }
    ;

array
    : LBRACK arr_body RBRACK { $$ = $2; $$->line = $1.line; $$->col = $1.col; $$->ws = $1.ws; }
    ;

arr_body
    : opt_nl                  { $$ = akti_cfg_new(ctx->a, CV_LIST, ctx->file, @$.first_line, @$.first_column); P_CK($$); }
    | opt_nl elems opt_trail  { $$ = $2; }
    ;

elems
    : value {
        $$ = akti_cfg_new(ctx->a, CV_LIST, ctx->file, @1.first_line, @1.first_column);
        P_CK($$);
        P_CK(p_list_add(ctx, $$, $1, &@1));
    }
    | error                   { $$ = akti_cfg_new(ctx->a, CV_LIST, ctx->file, @1.first_line, @1.first_column); P_CK($$); if (ctx->fatal) YYABORT; }
    | elems sep value         { $$ = $1; P_CK(p_list_add(ctx, $$, $3, &@3)); }
    | elems sep error         { $$ = $1; if (ctx->fatal) YYABORT; }
    ;

value
    : vpart        { $$ = $1; }
    | value vpart  { $$ = p_concat(ctx, $1, $2); P_CK($$); }
    ;

vpart
    : UNQ     { $$ = p_scalar(ctx, &$1); P_CK($$); }
    | QSTR    { $$ = p_scalar(ctx, &$1); P_CK($$); }
    | SUBST   { $$ = $1.sub; }
    | object  { $$ = $1; }
    | array   { $$ = $1; }
    ;

%%

/* yyreport_syntax_error -- "unexpected X, expecting Y or Z", with the
 * tokens that may start a value or a key folded into "a value"/"a key". */
static int
yyreport_syntax_error(const yypcontext_t *yyctx, void *scanner,
    cfg_pctx *ctx)
{
    (void)scanner;
    if (ctx->lex_err) { /* the scanner said what was wrong */
        ctx->lex_err = false;
        return 0;
    }
    if (ctx->fatal) {
        return 0;
    }
    yysymbol_kind_t exp[16];
    int n = yypcontext_expected_tokens(yyctx, exp, 16);
    bool has[YYNTOKENS] = {false};
    for (int i = 0; i < n && n > 0; i++) {
        has[exp[i]] = true;
    }
    bool value = has[YYSYMBOL_SUBST];
    bool key = !value && has[YYSYMBOL_INCLUDE];
    if (value) {
        has[YYSYMBOL_UNQ] = has[YYSYMBOL_QSTR] = has[YYSYMBOL_SUBST] = false;
        has[YYSYMBOL_LBRACE] = has[YYSYMBOL_LBRACK] = false;
    } else if (key) {
        has[YYSYMBOL_UNQ] = has[YYSYMBOL_QSTR] = has[YYSYMBOL_INCLUDE] = false;
    }
    const char *names[20];
    int k = 0;
    if (value) {
        names[k++] = "a value";
    }
    if (key) {
        names[k++] = "a key";
    }
    for (int t = 0; t < YYNTOKENS && k < 20; t++) {
        if (has[t]) {
            names[k++] = yysymbol_name((yysymbol_kind_t)t);
        }
    }
    char msg[380];
    size_t m = 0;
    const CFGYYLTYPE *loc = yypcontext_location(yyctx);
    yysymbol_kind_t got = yypcontext_token(yyctx);
    m += (size_t)snprintf(msg + m, sizeof msg - m, "syntax error: unexpected %s",
        got == YYSYMBOL_YYEMPTY ? "token" : yysymbol_name(got));
    for (int i = 0; i < k && m < sizeof msg; i++) {
        m += (size_t)snprintf(msg + m, sizeof msg - m, "%s%s",
            i == 0 ? ", expecting " : i + 1 == k ? " or " : ", ", names[i]);
    }
    akti_cfg_perror(ctx, AKT_ESYNTAX, loc->first_line, loc->first_column,
        "%s", msg);
    return 0;
}

void
akti_cfg_perror(cfg_pctx *c, akt_err code, int line, int col,
    const char *fmt, ...)
{
    c->nerr++;
    if (c->nerr > 1) {
        return;
    }
    c->rc = code;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    akti_cfg_errorf(c->err, code, c->file, line, col, "%s", msg);
}

static void
cfgyyerror(CFGYYLTYPE *loc, void *scanner, cfg_pctx *ctx, const char *msg)
{
    (void)scanner;
    if (ctx->lex_err) { /* the scanner said what was wrong */
        ctx->lex_err = false;
        return;
    }
    if (ctx->fatal) {
        return;
    }
    if (strcmp(msg, "memory exhausted") == 0) {
        ctx->fatal = true;
        akti_cfg_perror(ctx, AKT_ENOMEM, loc->first_line, loc->first_column,
            "out of memory");
        return;
    }
    akti_cfg_perror(ctx, AKT_ESYNTAX, loc->first_line, loc->first_column,
        "%s", msg);
}

static bool
p_is_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-') {
        i++;
    }
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    if (i == d) {
        return false;
    }
    if (i < n && s[i] == '.') {
        i++;
        size_t f = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == f) {
            return false;
        }
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        size_t e = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == e) {
            return false;
        }
    }
    return i == n;
}

static cv *
p_scalar(cfg_pctx *c, const cfg_tok *t)
{
    cv *v;
    if (t->kind != 0) {
        v = akti_cfg_new(c->a, CV_STR, c->file, t->line, t->col);
        if (v != NULL) {
            v->u.str.s = t->s;
            v->u.str.n = t->n;
            v->quoted = 1;
        }
    } else if (t->n == 4 && memcmp(t->s, "true", 4) == 0) {
        v = akti_cfg_new(c->a, CV_BOOL, c->file, t->line, t->col);
        if (v != NULL) {
            v->u.b = true;
        }
    } else if (t->n == 5 && memcmp(t->s, "false", 5) == 0) {
        v = akti_cfg_new(c->a, CV_BOOL, c->file, t->line, t->col);
        if (v != NULL) {
            v->u.b = false;
        }
    } else if (t->n == 4 && memcmp(t->s, "null", 4) == 0) {
        v = akti_cfg_new(c->a, CV_NULL, c->file, t->line, t->col);
    } else if (p_is_number(t->s, t->n)) {
        v = akti_cfg_new(c->a, CV_NUM, c->file, t->line, t->col);
        if (v != NULL) {
            akti_cfg_set_number(v, t->s, t->n);
        }
    } else {
        v = akti_cfg_new(c->a, CV_STR, c->file, t->line, t->col);
        if (v != NULL) {
            v->u.str.s = t->s;
            v->u.str.n = t->n;
        }
    }
    if (v != NULL) {
        v->ws = t->ws;
    }
    return v;
}

static cv *
p_concat(cfg_pctx *c, cv *left, cv *right)
{
    cv *cc = left;
    if (left->kind != CV_CONCAT) { /* parts are never concatenations */
        cc = akti_cfg_new(c->a, CV_CONCAT, c->file, left->line, left->col);
        if (cc == NULL || !akti_cfg_list_push(c->a, cc, left)) {
            return NULL;
        }
        cc->ws = left->ws;
    }
    return akti_cfg_list_push(c->a, cc, right) ? cc : NULL;
}

static cfg_keyb *
p_key(cfg_pctx *c, cfg_keyb *kb, const cfg_tok *t)
{
    if (kb == NULL) {
        kb = akti_cfg_alloc(c->a, sizeof *kb);
        if (kb == NULL) {
            return NULL;
        }
        memset(kb, 0, sizeof *kb);
    }
    if (kb->n == kb->cap) {
        size_t cap = kb->cap ? kb->cap * 2 : 1; /* most keys: one token */
        cfg_tok *nt = akti_cfg_alloc(c->a, cap * sizeof *nt);
        if (nt == NULL) {
            return NULL;
        }
        if (kb->n) {
            memcpy(nt, kb->t, kb->n * sizeof *nt);
        }
        kb->t = nt;
        kb->cap = cap;
    }
    kb->t[kb->n++] = *t;
    return kb;
}

/* p_keypath -- turn key tokens into path elements: unquoted text splits at
 * '.', quoted text never does, whitespace between tokens is kept. */
static bool
p_keypath(cfg_pctx *c, const cfg_keyb *kb, cfg_str **out, size_t *out_n,
    bool *bad)
{
    size_t total = 0, dots = 0;
    for (size_t i = 0; i < kb->n; i++) {
        total += kb->t[i].n + (kb->t[i].ws ? strlen(kb->t[i].ws) : 0);
        if (kb->t[i].kind == 0) {
            for (size_t j = 0; j < kb->t[i].n; j++) {
                dots += kb->t[i].s[j] == '.';
            }
        }
    }
    cfg_str *el = akti_cfg_alloc(c->a, (dots + 1) * sizeof *el);
    char *buf = akti_cfg_alloc(c->a, total + dots + 1);
    if (el == NULL || buf == NULL) {
        return false;
    }
    size_t n = 0, len = 0;
    bool quoted = false;
    char *start = buf;
    *bad = false;
    for (size_t i = 0; i < kb->n; i++) {
        const cfg_tok *t = &kb->t[i];
        if (i > 0 && t->ws) {
            size_t wn = strlen(t->ws);
            memcpy(start + len, t->ws, wn);
            len += wn;
        }
        if (t->kind != 0) {
            memcpy(start + len, t->s, t->n);
            len += t->n;
            quoted = true;
            continue;
        }
        for (size_t j = 0; j < t->n; j++) {
            if (t->s[j] != '.') {
                start[len++] = t->s[j];
                continue;
            }
            if (len == 0 && !quoted) {
                *bad = true;
            }
            start[len] = '\0';
            el[n].s = start;
            el[n].n = len;
            n++;
            start += len + 1;
            len = 0;
            quoted = false;
        }
    }
    if (len == 0 && !quoted) {
        *bad = true;
    }
    start[len] = '\0';
    el[n].s = start;
    el[n].n = len;
    n++;
    *out = el;
    *out_n = n;
    return true;
}

static cfg_ent *
p_member(cfg_pctx *c, cfg_keyb *kb, int kind, cv *val, const CFGYYLTYPE *loc)
{
    cfg_ent *e = akti_cfg_alloc(c->a, sizeof *e);
    if (e == NULL) {
        c->rc = AKT_ENOMEM;
        c->fatal = true;
        return NULL;
    }
    memset(e, 0, sizeof *e);
    bool bad = false;
    if (!p_keypath(c, kb, &e->key, &e->kn, &bad)) {
        c->rc = AKT_ENOMEM;
        c->fatal = true;
        return NULL;
    }
    if (bad) {
        akti_cfg_perror(c, AKT_ESYNTAX, loc->first_line, loc->first_column,
            "bad key: empty path element (quote a key that contains '.')");
        return NULL;
    }
    e->kind = kind;
    e->val = val;
    e->file = c->file;
    e->line = loc->first_line;
    e->col = loc->first_column;
    return e;
}

static cfg_ent *
p_include(cfg_pctx *c, const cfg_tok *t)
{
    cfg_ent *e = akti_cfg_alloc(c->a, sizeof *e);
    if (e == NULL) {
        return NULL;
    }
    memset(e, 0, sizeof *e);
    e->kind = ENT_INCLUDE;
    e->inc.s = t->s;
    e->inc.n = t->n;
    e->inc_kind = t->kind & 3;
    e->inc_required = (t->kind & 4) != 0;
    e->file = c->file;
    e->line = t->line;
    e->col = t->col;
    return e;
}

static cv *
p_obj_add(cfg_pctx *c, cv *obj, cfg_ent *e, const CFGYYLTYPE *loc)
{
    (void)loc;
    if (e == NULL) { /* a member that failed to parse */
        return obj;
    }
    if (obj->u.ast.n == obj->u.ast.cap) {
        size_t cap = obj->u.ast.cap ? obj->u.ast.cap * 2 : 4;
        cfg_ent **ne = akti_cfg_alloc(c->a, cap * sizeof *ne);
        if (ne == NULL) {
            return NULL;
        }
        if (obj->u.ast.n) {
            memcpy(ne, obj->u.ast.e, obj->u.ast.n * sizeof *ne);
        }
        obj->u.ast.e = ne;
        obj->u.ast.cap = cap;
    }
    obj->u.ast.e[obj->u.ast.n++] = e;
    return obj;
}

static cv *
p_list_add(cfg_pctx *c, cv *list, cv *v, const CFGYYLTYPE *loc)
{
    (void)loc;
    return akti_cfg_list_push(c->a, list, v) ? list : NULL;
}
