/*
 * parser.y -- the grammar of .akt files (docs/idl.md has the same grammar
 * in prose). A pure parser over the reentrant scanner in lexer.l.
 *
 * The parser only builds the tree; names, numbers and types are checked in
 * sema.c. Lists are built back to front (prepend is O(1)) and reversed
 * once when their enclosing rule completes. Error recovery works at three
 * levels -- top-level items, members of a message/enum/actor body, and
 * fsm items -- so one run reports every independent syntax error.
 *
 * Reserved syntax (shard key) is parsed completely and then rejected with
 * "not supported yet", so files written for later versions fail loudly,
 * never silently. A persistent actor's `events` and `snapshot` lines are
 * built into its decl (sema checks them). A @gpu handler's body is kept as
 * a span of the file (gpu_body.c parses and checks it).
 * An actor's fsm block is built into an ast_fsm (sema checks its states).
 */
%define api.pure full
%define api.prefix {aktcyy}
%define api.location.type {aktc_loc}
%define parse.error verbose
%locations
%expect 0
%lex-param {void *scanner}
%parse-param {void *scanner} {aktc_pctx *ctx}

%code requires {
#include "aktc.h"
}

%code provides {
int aktcyylex(AKTCYYSTYPE *lval, AKTCYYLTYPE *lloc, void *scanner);
}

%code {
#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define YYLLOC_DEFAULT(cur, rhs, n)                                         \
    do {                                                                    \
        if (n) {                                                            \
            (cur).first_line = YYRHSLOC(rhs, 1).first_line;                 \
            (cur).first_column = YYRHSLOC(rhs, 1).first_column;             \
            (cur).first_byte = YYRHSLOC(rhs, 1).first_byte;                 \
            (cur).last_line = YYRHSLOC(rhs, n).last_line;                   \
            (cur).last_column = YYRHSLOC(rhs, n).last_column;               \
            (cur).last_byte = YYRHSLOC(rhs, n).last_byte;                   \
        } else {                                                            \
            (cur).first_line = (cur).last_line = YYRHSLOC(rhs, 0).last_line; \
            (cur).first_column = (cur).last_column =                        \
                YYRHSLOC(rhs, 0).last_column;                               \
            (cur).first_byte = (cur).last_byte = YYRHSLOC(rhs, 0).last_byte; \
        }                                                                   \
    } while (0)

static void
aktcyyerror(AKTCYYLTYPE *loc, void *scanner, aktc_pctx *ctx, const char *msg)
{
    (void)scanner;
    diag_error(ctx->file, *loc, "%s", msg);
}

static ast_decl *
decl_new(ast_dkind kind)
{
    ast_decl *d = ast_alloc(sizeof *d);
    d->kind = kind;
    return d;
}

static void
not_supported(aktc_pctx *ctx, aktc_loc loc, const char *what)
{
    diag_error(ctx->file, loc, "%s is not supported yet (reserved syntax, see docs/idl.md)", what);
}

static ast_type *
type_new(ast_tkind kind, aktc_loc loc)
{
    ast_type *t = ast_alloc(sizeof *t);
    t->kind = kind;
    t->loc = loc;
    return t;
}

static ast_literal *
lit_new(ast_lkind kind, aktc_loc loc)
{
    ast_literal *l = ast_alloc(sizeof *l);
    l->kind = kind;
    l->loc = loc;
    return l;
}

/* One level deeper into a type or a @gpu body; false (reported) past
 * AKTC_MAX_NESTING, and the parse stops. */
static bool
nest_enter(aktc_pctx *ctx, aktc_loc loc, const char *what)
{
    if (++ctx->nesting > AKTC_MAX_NESTING) {
        diag_error(ctx->file, loc, "%s nest more than %d levels deep", what,
            AKTC_MAX_NESTING);
        return false;
    }
    return true;
}

/* A duration literal ("30s", "100ms") in nanoseconds; 0 (reported) when
 * it does not fit in int64. */
static int64_t
duration_ns(aktc_pctx *ctx, aktc_loc loc, const char *text)
{
    char *end;
    unsigned long long n = strtoull(text, &end, 10);
    static const struct {
        const char *unit;
        unsigned long long ns;
    } units[] = { { "ns", 1 }, { "us", 1000ull }, { "ms", 1000000ull },
        { "s", 1000000000ull }, { "m", 60000000000ull },
        { "h", 3600000000000ull } };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            if (n > (unsigned long long)INT64_MAX / units[i].ns) {
                break;
            }
            return (int64_t)(n * units[i].ns);
        }
    }
    diag_error(ctx->file, loc, "duration '%s' does not fit in 64-bit nanoseconds", text);
    return 0;
}

static ast_fsm_trans *
trans_new(aktc_pctx *ctx, aktc_loc loc)
{
    ast_fsm_trans *t = ast_alloc(sizeof *t);
    t->loc = loc;
    t->doc = aktc_doc_take(ctx, loc.first_line, loc.first_column);
    return t;
}

/* from the start of a to the end of b */
static aktc_loc
span_of(aktc_loc a, aktc_loc b)
{
    a.last_line = b.last_line;
    a.last_column = b.last_column;
    a.last_byte = b.last_byte;
    return a;
}

/* `@attr on M [-> R] { body }`: @gpu handlers keep their body as a span of
 * the file, which gpu_body.c parses and checks (sema); other attributes
 * are errors. Takes attr, msg and reply. */
static void
attr_handler(aktc_pctx *ctx, ast_decl *d, aktc_loc at, char *attr,
    aktc_loc attr_loc, char *msg, aktc_loc msg_loc, char *reply,
    aktc_loc reply_loc, aktc_loc body)
{
    if (strcmp(attr, "gpu") != 0) {
        diag_error(ctx->file, attr_loc, "unknown handler attribute '@%s'", attr);
        free(attr);
        free(msg);
        free(reply);
        return;
    }
    free(attr);
    ast_handler *h = ast_alloc(sizeof *h);
    h->loc = at;
    h->msg = msg;
    h->msg_loc = msg_loc;
    h->reply = reply;
    h->reply_loc = reply_loc;
    h->gpu = true;
    h->body_loc = body;
    h->doc = aktc_doc_take(ctx, at.first_line, at.first_column);
    h->next = d->handlers;
    d->handlers = h;
}

/* Close a message body: put members in source order. */
static void
finish_body(ast_decl *d)
{
    d->fields = ast_fields_reverse(d->fields);
    d->reserved = ast_reserved_reverse(d->reserved);
}
}

%union {
    char *str;
    uint64_t num;
    ast_type *type;
    ast_literal *lit;
    ast_option *opt;
    ast_field *field;
    ast_reserved *res;
    ast_decl *decl;
    ast_fsm *fsm;
    ast_fsm_state *fstate;
    ast_handler *hlist;
}

%token KW_PACKAGE "package" KW_IMPORT "import" KW_ENUM "enum"
%token KW_MESSAGE "message" KW_ACTOR "actor" KW_OPTIONAL "optional"
%token KW_RESERVED "reserved" KW_TRUE "true" KW_FALSE "false"
%token KW_STATE "state" KW_ON "on" KW_LIST "list" KW_MAP "map" KW_REF "ref"
%token KW_TO "to" KW_FSM "fsm" KW_PERSISTENT "persistent"
%token KW_EVENTS "events" KW_SNAPSHOT "snapshot" KW_SHARD "shard"
%token KW_KEY "key" KW_INITIAL "initial" KW_TIMEOUT "timeout"
%token ARROW "->"
%token <str> IDENT "identifier" FLOAT "floating-point literal"
%token <str> DURATION "duration"
%token <num> INT "integer literal"
%token <lit> STRING "string literal"

%type <str> qname name soft_keyword
%type <type> type
%type <lit> literal
%type <opt> options option_list option
%type <field> field
%type <res> reserved_items reserved_item
%type <decl> message_body enum_body actor_body
%type <num> field_number
%type <fsm> fsm_items
%type <fstate> fsm_state_items
%type <hlist> qname_list

%destructor { free($$); } <str>
%destructor { ast_type_free($$); } <type>
%destructor { ast_literal_free($$); } <lit>
%destructor { ast_option_free($$); } <opt>
%destructor { ast_field_free($$); } <field>
%destructor { ast_reserved_free($$); } <res>
%destructor { ast_decl_free($$); } <decl>
%destructor { ast_fsm_free($$); } <fsm>
%destructor { ast_fsm_state_free($$); } <fstate>
%destructor { ast_handler_free($$); } <hlist>

%%

file:
      %empty
    | file item
    | file error ';' { ctx->nesting = 0; }
    | file error '}' { ctx->nesting = 0; }
    ;

item:
      "package" qname ';'
        {
            if (ctx->file->pkg) {
                diag_error(ctx->file, @1, "duplicate package declaration");
                diag_note(ctx->file, ctx->file->pkg_loc, "first declared here");
                free($2);
            } else {
                ctx->file->pkg = $2;
                ctx->file->pkg_loc = @2;
            }
        }
    | "import" STRING ';'
        {
            if (memchr($2->s, '\0', $2->slen)) {
                diag_error(ctx->file, @2, "an import path cannot contain NUL");
                ast_literal_free($2);
            } else {
                ast_import *i = ast_alloc(sizeof *i);
                i->path = $2->s;
                $2->s = NULL;
                ast_literal_free($2);
                i->loc = @2;
                i->next = ctx->file->imports;
                ctx->file->imports = i;
            }
        }
    | "message" IDENT '{' message_body '}'
        {
            ast_decl *d = $4;
            d->name = $2;
            d->loc = @$;
            d->name_loc = @2;
            d->doc = aktc_doc_take(ctx, @1.first_line, @1.first_column);
            finish_body(d);
            d->next = ctx->file->decls;
            ctx->file->decls = d;
        }
    | "enum" IDENT '{' enum_body '}'
        {
            ast_decl *d = $4;
            d->name = $2;
            d->loc = @$;
            d->name_loc = @2;
            d->doc = aktc_doc_take(ctx, @1.first_line, @1.first_column);
            d->values = ast_enumvals_reverse(d->values);
            d->next = ctx->file->decls;
            ctx->file->decls = d;
        }
    | "actor" IDENT '{' actor_body '}'
        {
            ast_decl *d = $4;
            d->name = $2;
            d->loc = @$;
            d->name_loc = @2;
            d->doc = aktc_doc_take(ctx, @1.first_line, @1.first_column);
            d->handlers = ast_handlers_reverse(d->handlers);
            d->next = ctx->file->decls;
            ctx->file->decls = d;
        }
    | "persistent" "actor" IDENT '{' actor_body '}'
        {
            ast_decl *d = $5;
            d->name = $3;
            d->loc = @$;
            d->name_loc = @3;
            d->persistent = true;
            d->doc = aktc_doc_take(ctx, @1.first_line, @1.first_column);
            d->handlers = ast_handlers_reverse(d->handlers);
            d->next = ctx->file->decls;
            ctx->file->decls = d;
        }
    ;

qname:
      IDENT
    | qname '.' IDENT
        {
            $$ = ast_printf("%s.%s", $1, $3);
            free($1);
            free($3);
        }
    ;

/* Field and enum value names may be words that are keywords elsewhere. */
name:
      IDENT
    | soft_keyword
    ;

soft_keyword:
      "state"      { $$ = ast_strdup("state"); }
    | "on"         { $$ = ast_strdup("on"); }
    | "list"       { $$ = ast_strdup("list"); }
    | "map"        { $$ = ast_strdup("map"); }
    | "ref"        { $$ = ast_strdup("ref"); }
    | "to"         { $$ = ast_strdup("to"); }
    | "fsm"        { $$ = ast_strdup("fsm"); }
    | "persistent" { $$ = ast_strdup("persistent"); }
    | "events"     { $$ = ast_strdup("events"); }
    | "snapshot"   { $$ = ast_strdup("snapshot"); }
    | "shard"      { $$ = ast_strdup("shard"); }
    | "key"        { $$ = ast_strdup("key"); }
    | "initial"    { $$ = ast_strdup("initial"); }
    | "timeout"    { $$ = ast_strdup("timeout"); }
    ;

/* --- messages ------------------------------------------------------------ */

message_body:
      %empty { $$ = decl_new(DECL_MESSAGE); }
    | message_body field
        {
            $$ = $1;
            $2->next = $$->fields;
            $$->fields = $2;
        }
    | message_body "reserved" reserved_items ';'
        {
            $$ = $1;
            ast_reserved *r = $3;
            while (r) {
                ast_reserved *next = r->next;
                r->next = $$->reserved;
                $$->reserved = r;
                r = next;
            }
        }
    | message_body error ';' { $$ = $1; ctx->nesting = 0; }
    ;

field:
      type name '=' field_number options ';'
        {
            $$ = ast_alloc(sizeof *$$);
            $$->type = $1;
            $$->name = $2;
            $$->name_loc = @2;
            $$->number = $4;
            $$->num_loc = @4;
            $$->options = $5;
            $$->loc = @$;
            $$->doc = aktc_doc_take(ctx, @1.first_line, @1.first_column);
        }
    | "optional" type name '=' field_number options ';'
        {
            $$ = ast_alloc(sizeof *$$);
            $$->optional = true;
            $$->type = $2;
            $$->name = $3;
            $$->name_loc = @3;
            $$->number = $5;
            $$->num_loc = @5;
            $$->options = $6;
            $$->loc = @$;
            $$->doc = aktc_doc_take(ctx, @1.first_line, @1.first_column);
        }
    ;

field_number:
      INT
    ;

type:
      qname
        {
            ast_tkind k = ast_scalar_kind($1);
            $$ = type_new(k ? k : TY_NAMED, @1);
            if (k) {
                free($1);
            } else {
                $$->name = $1;
            }
        }
    | "list" '<' { if (!nest_enter(ctx, @1, "types")) YYABORT; } type '>'
        {
            ctx->nesting--;
            $$ = type_new(TY_LIST, @$);
            $$->elem = $4;
        }
    | "map" '<' { if (!nest_enter(ctx, @1, "types")) YYABORT; } type ',' type '>'
        {
            ctx->nesting--;
            $$ = type_new(TY_MAP, @$);
            $$->key = $4;
            $$->elem = $6;
        }
    | "ref" '<' qname '>'
        {
            $$ = type_new(TY_REF, @$);
            $$->name = $3;
        }
    ;

options:
      %empty { $$ = NULL; }
    | '[' option_list ']' { $$ = ast_options_reverse($2); }
    ;

option_list:
      option
    | option_list ',' option
        {
            $3->next = $1;
            $$ = $3;
        }
    ;

option:
      IDENT
        {
            $$ = ast_alloc(sizeof *$$);
            $$->name = $1;
            $$->loc = @1;
        }
    | IDENT '=' literal
        {
            $$ = ast_alloc(sizeof *$$);
            $$->name = $1;
            $$->loc = @1;
            $$->value = $3;
        }
    ;

literal:
      INT
        {
            $$ = lit_new(LIT_INT, @$);
            $$->u = $1;
        }
    | '-' INT
        {
            $$ = lit_new(LIT_INT, @$);
            $$->u = $2;
            $$->neg = true;
        }
    | FLOAT
        {
            $$ = lit_new(LIT_FLOAT, @$);
            $$->d = strtod($1, NULL);
            $$->text = $1;
        }
    | '-' FLOAT
        {
            $$ = lit_new(LIT_FLOAT, @$);
            $$->d = -strtod($2, NULL);
            $$->text = ast_printf("-%s", $2);
            free($2);
        }
    | STRING
    | "true"
        {
            $$ = lit_new(LIT_BOOL, @$);
            $$->b = true;
        }
    | "false"
        {
            $$ = lit_new(LIT_BOOL, @$);
            $$->b = false;
        }
    | IDENT
        {
            $$ = lit_new(LIT_IDENT, @$);
            $$->text = $1;
        }
    | soft_keyword /* enum values may be named with contextual words */
        {
            $$ = lit_new(LIT_IDENT, @$);
            $$->text = $1;
        }
    ;

reserved_items:
      reserved_item
    | reserved_items ',' reserved_item
        {
            $3->next = $1;
            $$ = $3;
        }
    ;

reserved_item:
      INT
        {
            $$ = ast_alloc(sizeof *$$);
            $$->lo = $$->hi = $1;
            $$->loc = @$;
        }
    | INT "to" INT
        {
            $$ = ast_alloc(sizeof *$$);
            $$->lo = $1;
            $$->hi = $3;
            $$->loc = @$;
            if ($3 < $1) {
                diag_error(ctx->file, @$, "reserved range %llu to %llu is empty",
                    (unsigned long long)$1, (unsigned long long)$3);
            }
        }
    | STRING
        {
            $$ = ast_alloc(sizeof *$$);
            $$->is_name = true;
            $$->name = $1->s;
            $1->s = NULL;
            ast_literal_free($1);
            $$->loc = @$;
        }
    ;

/* --- enums --------------------------------------------------------------- */

enum_body:
      %empty { $$ = decl_new(DECL_ENUM); }
    | enum_body name '=' INT ';'
        {
            $$ = $1;
            ast_enumval *v = ast_alloc(sizeof *v);
            v->name = $2;
            v->loc = @2;
            v->value_loc = @4;
            if ($4 > INT32_MAX) {
                diag_error(ctx->file, @4, "enum value %llu does not fit in int32",
                    (unsigned long long)$4);
            }
            v->value = (int64_t)($4 > INT32_MAX ? 0 : $4);
            v->doc = aktc_doc_take(ctx, @2.first_line, @2.first_column);
            v->next = $$->values;
            $$->values = v;
        }
    | enum_body name '=' '-' INT ';'
        {
            $$ = $1;
            ast_enumval *v = ast_alloc(sizeof *v);
            v->name = $2;
            v->loc = @2;
            v->value_loc = @$;
            v->value_loc.first_column = @4.first_column;
            v->value_loc.first_byte = @4.first_byte;
            if ($5 > (uint64_t)INT32_MAX + 1) {
                diag_error(ctx->file, v->value_loc, "enum value -%llu does not fit in int32",
                    (unsigned long long)$5);
            }
            v->value = $5 > (uint64_t)INT32_MAX + 1 ? 0 : -(int64_t)$5;
            v->doc = aktc_doc_take(ctx, @2.first_line, @2.first_column);
            v->next = $$->values;
            $$->values = v;
        }
    | enum_body error ';' { $$ = $1; ctx->nesting = 0; }
    ;

/* --- actors -------------------------------------------------------------- */

actor_body:
      %empty { $$ = decl_new(DECL_ACTOR); }
    | actor_body "state" '{' message_body '}'
        {
            $$ = $1;
            if ($$->state) {
                diag_error(ctx->file, @2, "duplicate state block");
                ast_decl_free($4);
            } else {
                $$->state = $4;
                $$->state->loc = @2;
                $$->state->name_loc = @2;
                $$->state->is_state = true;
                $$->has_state_block = true;
                finish_body($$->state);
            }
        }
    | actor_body "on" qname ';'
        {
            $$ = $1;
            ast_handler *h = ast_alloc(sizeof *h);
            h->loc = @2;
            h->msg = $3;
            h->msg_loc = @3;
            h->doc = aktc_doc_take(ctx, @2.first_line, @2.first_column);
            h->next = $$->handlers;
            $$->handlers = h;
        }
    | actor_body "on" qname "->" qname ';'
        {
            $$ = $1;
            ast_handler *h = ast_alloc(sizeof *h);
            h->loc = @2;
            h->msg = $3;
            h->msg_loc = @3;
            h->reply = $5;
            h->reply_loc = @5;
            h->doc = aktc_doc_take(ctx, @2.first_line, @2.first_column);
            h->next = $$->handlers;
            $$->handlers = h;
        }
    | actor_body '@' IDENT "on" qname '{' body_tokens '}'
        {
            $$ = $1;
            attr_handler(ctx, $$, @2, $3, @3, $5, @5, NULL, @5, span_of(@6, @8));
        }
    | actor_body '@' IDENT "on" qname "->" qname '{' body_tokens '}'
        {
            $$ = $1;
            attr_handler(ctx, $$, @2, $3, @3, $5, @5, $7, @7, span_of(@8, @10));
        }
    | actor_body "events" qname_list ';'
        {
            /* appended in source order; sema checks that the actor is
             * persistent */
            $$ = $1;
            ast_handler **tail = &$$->events;
            while (*tail) {
                tail = &(*tail)->next;
            }
            *tail = ast_handlers_reverse($3);
        }
    | actor_body "snapshot" qname ';'
        {
            $$ = $1;
            if ($$->snapshot) {
                diag_error(ctx->file, @2, "duplicate snapshot line");
                diag_note(ctx->file, $$->snapshot_loc, "the first snapshot line is here");
                free($3);
            } else {
                $$->snapshot = $3;
                $$->snapshot_loc = @3;
            }
        }
    | actor_body "shard" "key" name ';'
        {
            $$ = $1;
            not_supported(ctx, @2, "'shard key' (sharded entities)");
            free($4);
        }
    | actor_body "fsm" '{' fsm_items '}'
        {
            $$ = $1;
            if ($$->fsm) {
                diag_error(ctx->file, @2, "duplicate fsm block");
                diag_note(ctx->file, $$->fsm->loc, "the first fsm block is here");
                ast_fsm_free($4);
            } else {
                $$->fsm = $4;
                $$->fsm->loc = @2;
                $$->fsm->states = ast_fsm_states_reverse($$->fsm->states);
            }
        }
    | actor_body error ';' { $$ = $1; ctx->nesting = 0; }
    ;

qname_list:
      qname
        {
            $$ = ast_alloc(sizeof(ast_handler));
            $$->msg = $1;
            $$->msg_loc = @1;
            $$->loc = @1;
        }
    | qname_list ',' qname
        {
            ast_handler *h = ast_alloc(sizeof(ast_handler));
            h->msg = $3;
            h->msg_loc = @3;
            h->loc = @3;
            h->next = $1;
            $$ = h;
        }
    ;

/* A @gpu body is kept as raw text (its byte span); here it only has to be
 * balanced. */
body_tokens:
      %empty
    | body_tokens body_token
    | body_tokens '{' { if (!nest_enter(ctx, @2, "braces")) YYABORT; } body_tokens '}'
        { ctx->nesting--; }
    ;

body_token:
      IDENT { free($1); }
    | INT { (void)$1; }
    | FLOAT { free($1); }
    | DURATION { free($1); }
    | STRING { ast_literal_free($1); }
    | soft_keyword { free($1); }
    | "package" | "import" | "enum" | "message" | "actor" | "optional"
    | "reserved" | "true" | "false" | "->"
    | ';' | '=' | '<' | '>' | ',' | '.' | '[' | ']' | '-' | '@' | '(' | ')'
    | '+' | '*' | '/' | '%' | '!' | '&' | '|' | '^' | '~' | '?' | ':'
    ;

/* fsm { initial Idle; state Idle { on Start -> Running; timeout 5s -> Idle; } } */
fsm_items:
      %empty { $$ = ast_alloc(sizeof(ast_fsm)); }
    | fsm_items "initial" IDENT ';'
        {
            $$ = $1;
            if ($$->initial) {
                diag_error(ctx->file, @3, "duplicate initial state");
                diag_note(ctx->file, $$->initial_loc, "the initial state is declared here");
                free($3);
            } else {
                $$->initial = $3;
                $$->initial_loc = @3;
            }
        }
    | fsm_items "state" IDENT '{' fsm_state_items '}'
        {
            $$ = $1;
            ast_fsm_state *st = $5;
            st->name = $3;
            st->loc = @3;
            st->doc = aktc_doc_take(ctx, @2.first_line, @2.first_column);
            st->trans = ast_fsm_trans_reverse(st->trans);
            st->next = $$->states;
            $$->states = st;
        }
    | fsm_items error ';' { $$ = $1; ctx->nesting = 0; }
    ;

fsm_state_items:
      %empty { $$ = ast_alloc(sizeof(ast_fsm_state)); }
    | fsm_state_items "on" qname ';'
        {
            $$ = $1;
            ast_fsm_trans *t = trans_new(ctx, @2);
            t->msg = $3;
            t->msg_loc = @3;
            t->next = $$->trans;
            $$->trans = t;
        }
    | fsm_state_items "on" qname "->" IDENT ';'
        {
            $$ = $1;
            ast_fsm_trans *t = trans_new(ctx, @2);
            t->msg = $3;
            t->msg_loc = @3;
            t->target = $5;
            t->target_loc = @5;
            t->next = $$->trans;
            $$->trans = t;
        }
    | fsm_state_items "timeout" DURATION "->" IDENT ';'
        {
            $$ = $1;
            ast_fsm_trans *t = trans_new(ctx, @2);
            t->is_timeout = true;
            t->timeout_ns = duration_ns(ctx, @3, $3);
            t->msg_loc = @3;
            t->target = $5;
            t->target_loc = @5;
            free($3);
            t->next = $$->trans;
            $$->trans = t;
        }
    | fsm_state_items error ';' { $$ = $1; ctx->nesting = 0; }
    ;

%%
