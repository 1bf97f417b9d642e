/*
 * gpu.h -- @gpu handlers: the body language's tree (gpu_body.c parses and
 * checks it) and what the CUDA emitter (emit_cuda.c) needs from it.
 *
 * A @gpu body is a small C subset that aktc checks and translates into C
 * that compiles the same under C11, C++17 and NVRTC (docs/gpu.md lists the
 * rules). Every expression gets an akt type here; the emitter prints
 * integer arithmetic as wrapping helper calls, division and float-to-int
 * conversions as checked calls, and every loop with an iteration cap, so
 * the CPU and the GPU compute the same bits.
 */
#ifndef AKTC_GPU_H
#define AKTC_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "strbuf.h"

/* The value types of the body language (IDL scalars). GT_ICONST and
 * GT_FCONST are untyped constant expressions that take their type from
 * the other operand or the destination. */
typedef enum gtype {
    GT_NONE = 0, /* an error was reported */
    GT_BOOL,
    GT_I8,
    GT_I16,
    GT_I32,
    GT_I64,
    GT_U8,
    GT_U16,
    GT_U32,
    GT_U64,
    GT_F32,
    GT_F64,
    GT_ICONST,
    GT_FCONST,
    GT_REF /* ref<A> (a field of that type): copied, or a tell's target */
} gtype;

/* where a field lives; GB_TELL: a field of the message of tell number
 * gx.u of the handler */
typedef enum gbase { GB_IN = 1, GB_STATE, GB_OUT, GB_TELL } gbase;

typedef enum gxkind {
    GX_INT = 1, /* u (neg: -u) */
    GX_FLOAT, /* d, text as written (suffix f: float32) */
    GX_BOOL, /* u: 0 or 1 */
    GX_LOCAL,
    GX_FIELD,
    GX_UNARY, /* op a */
    GX_BINARY, /* a op b */
    GX_COND, /* a ? b : c */
    GX_CALL, /* name(a[, b]) */
    GX_CONV /* (ty)a */
} gxkind;

/* operators, by their spelling's first bytes */
enum {
    GOP_ADD = 1,
    GOP_SUB,
    GOP_MUL,
    GOP_DIV,
    GOP_MOD,
    GOP_SHL,
    GOP_SHR,
    GOP_AND,
    GOP_OR,
    GOP_XOR,
    GOP_LAND,
    GOP_LOR,
    GOP_EQ,
    GOP_NE,
    GOP_LT,
    GOP_LE,
    GOP_GT,
    GOP_GE,
    GOP_NEG,
    GOP_NOT, /* ! */
    GOP_BNOT, /* ~ */
    GOP_PLUS /* unary + */
};

typedef struct glocal {
    char *name;
    gtype ty;
    aktc_loc loc;
    bool used; /* read somewhere (else the printer adds a (void) cast) */
    struct glocal *next; /* the scope's list, then the body's */
} glocal;

typedef struct gx {
    gxkind kind;
    aktc_loc loc;
    gtype ty; /* after checking; constants are concrete after coercion */
    int op;
    uint64_t u;
    bool neg;
    double d;
    bool f32; /* a float literal with suffix f */
    char *name; /* call / field / local name as written */
    gbase base;
    glocal *local;
    const ast_field *field;
    struct gx *a, *b, *c;
} gx;

typedef enum gskind {
    GS_BLOCK = 1,
    GS_DECL, /* local = a */
    GS_ASSIGN, /* target op= a (op 0: plain =) */
    GS_IF, /* a ? body : els */
    GS_WHILE,
    GS_FOR, /* init; a; step; body */
    GS_BREAK,
    GS_CONTINUE,
    GS_RETURN,
    GS_FAIL, /* a: the code (a constant) */
    GS_EMPTY,
    GS_TELL /* tell number tell: kids assign its fields, a: a ref target */
} gskind;

/* where a tell goes */
typedef enum gtell_to {
    GTO_SENDER = 1, /* the sender of the message being handled */
    GTO_SELF,
    GTO_REF /* a ref<A> field of in or state (gs.a) */
} gtell_to;

/* one tell statement of a handler (its number: its place in the list) */
typedef struct gtell {
    gtell_to to;
    const struct ast_decl *msg; /* the message told */
    aktc_loc loc;
    struct gtell *next;
} gtell;

typedef struct gs {
    gskind kind;
    aktc_loc loc;
    glocal *local; /* GS_DECL */
    gx *target; /* GS_ASSIGN: a GX_LOCAL or GX_FIELD */
    int op; /* GS_ASSIGN: GOP_* of a compound assignment, 0 for = */
    gx *a;
    struct gs *body, *els, *init, *step;
    struct gs *kids; /* GS_BLOCK */
    int loop_id; /* loops: the number of the iteration counter */
    int tell; /* GS_TELL: its number in the handler */
    struct gs *next;
} gs;

/* The checked body of one @gpu handler, owned by its ast_handler. */
typedef struct aktc_gpu_body {
    gs *block;
    glocal *locals; /* every local, for freeing */
    int nloops;
    gtell *tells; /* in statement order (= the order they may run: no
                     tell is inside a loop) */
    int ntells;
} aktc_gpu_body;

/* The loop cap and the status codes a handler returns; the same numbers
 * are in the generated prelude (templates/cuda/prelude.h.tmpl) and in
 * akt/gpu.h. */
#define AKTC_GPU_LOOP_CAP 1048576
#define AKTC_GPU_FAIL_MAX 999
#define AKTC_GPU_MAX_COLS 32
/* columns of one actor type's batch, in and out each (akt/gpu.h) */
#define AKTC_GPU_TYPE_COLS 64
#define AKTC_GPU_MAX_TELLS 8

/* aktc_gpu_check_actor -- check the @gpu handlers of actor a (sema.c calls
 * it after the handlers are resolved): the actor's shape (all handlers
 * @gpu, no fsm, scalar fields only) and each body, parsed from the file's
 * text. Errors through diag; a checked body is stored in h->gpu_body. */
void aktc_gpu_check_actor(ast_decl *a);

/* aktc_gpu_actor_has_gpu -- true when a has at least one @gpu handler */
bool aktc_gpu_actor_has_gpu(const ast_decl *a);

void aktc_gpu_body_free(aktc_gpu_body *b);

/* the C type of a body type ("int32_t", "float", ...) */
const char *aktc_gpu_ctype(gtype t);
/* the body type of a scalar IDL kind (GT_NONE for others) */
gtype aktc_gpu_type_of(ast_tkind k);
/* the body type of a field: its scalar's, int32 for an enum, GT_REF for a
 * ref<A>; GT_NONE for any other (or an optional) */
gtype aktc_gpu_field_type(const ast_field *f);
/* the enum of a field, or NULL */
const struct ast_decl *aktc_gpu_field_enum(const ast_field *f);
/* the out columns of a tell: its flag, its target (GTO_REF), its fields */
int aktc_gpu_tell_cols(const gtell *t);

/* aktc_gpu_print_body -- the C text of a checked body, as the statements
 * of the handler function, indented by indent spaces. The handler's
 * parameters are `state`, `in` and `out` (pointers), and it declares
 * `int32_t st_ = 0;` (the status of checked operations) before them. */
void aktc_gpu_print_body(aktc_sb *b, const aktc_gpu_body *body, int indent);

/* aktc_gpu_body_needs_status -- true when the body has a checked
 * operation (integer division, float-to-int conversion), so the handler
 * must declare st_ */
bool aktc_gpu_body_needs_status(const aktc_gpu_body *body);

/* aktc_gpu_print_const -- a C constant of type t for a literal default */
void aktc_gpu_print_default(aktc_sb *b, const ast_field *fl);

#endif /* AKTC_GPU_H */
