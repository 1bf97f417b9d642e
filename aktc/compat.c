/*
 * compat.c -- `aktc --check-compat old.akt new.akt`: every change in new
 * that breaks a peer still running old.
 *
 * Both files are parsed and checked first; then declarations are matched
 * by qualified name (the wire identity: type ids hash it) and fields by
 * number (the key on the wire). Breaking:
 *   - a message or actor removed or renamed (its type id changes), or the
 *     package changed (every id changes);
 *   - a field number reused with another type (but see below), or a
 *     reserved number or name reused;
 *   - a field removed without reserving its number;
 *   - a new field that is not optional (old writers never send it);
 *   - an enum value renumbered;
 *   - a handler removed, or its reply type changed, added or dropped;
 *   - an actor that became an fsm or stopped being one; an fsm's state
 *     removed, its initial state changed, a line of a state (`on M` or its
 *     timeout) removed or retargeted: code written against the old file
 *     fills those handlers and goes to those states;
 *   - persistence: an actor that became persistent or stopped being one;
 *     an event dropped from a persistent actor's `events`, or its snapshot
 *     type changed or removed (journals and snapshot stores hold them:
 *     recovery would fail); and for an event type, a field narrowed (an
 *     integer to a smaller range, float64 to float32): old events may
 *     hold values the new field cannot, so recovery would fail with
 *     AKT_ERANGE. Widening an event's field passes as for any message.
 * Compatible (pass): new optional fields, new messages, enums, actors and
 * handlers, new enum values, renamed fields (names are not on the wire),
 * doc changes; new fsm states and lines, a changed timeout duration,
 * reordered states.
 * Compatible while the values fit (pass, with a warning saying what must
 * hold): a field -- or a list's elements, a map's keys or values -- changed
 * from one integer type to another, or between float32 and float64. The
 * generated decoders read every int form whose value fits the field and
 * fail the message with AKT_ERANGE otherwise; a float32 field reads a
 * float 64, rounded, and fails (AKT_ERANGE) on a finite value beyond
 * float's range. An integer changed to a float (or back) is breaking: an
 * integer field rejects a float (AKT_EPROTO).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aktc.h"
#include "diag.h"

/* A canonical spelling of a field's type: names fully qualified. */
static char *
type_sig(const ast_type *t)
{
    switch (t->kind) {
    case TY_NAMED:
        return ast_strdup(t->decl ? t->decl->qname : t->name);
    case TY_REF:
        return ast_printf("ref<%s>", t->decl ? t->decl->qname : t->name);
    case TY_LIST: {
        char *e = type_sig(t->elem);
        char *s = ast_printf("list<%s>", e);
        free(e);
        return s;
    }
    case TY_MAP: {
        char *k = type_sig(t->key);
        char *v = type_sig(t->elem);
        char *s = ast_printf("map<%s, %s>", k, v);
        free(k);
        free(v);
        return s;
    }
    default:
        return ast_strdup(ast_scalar_name(t->kind));
    }
}

/* The values an integer kind holds. */
typedef struct int_range {
    int64_t lo;
    uint64_t hi;
} int_range;

static int_range
range_of(ast_tkind k)
{
    switch (k) {
    case TY_INT8:
        return (int_range) { INT8_MIN, INT8_MAX };
    case TY_INT16:
        return (int_range) { INT16_MIN, INT16_MAX };
    case TY_INT32:
        return (int_range) { INT32_MIN, INT32_MAX };
    case TY_INT64:
        return (int_range) { INT64_MIN, INT64_MAX };
    case TY_UINT8:
        return (int_range) { 0, UINT8_MAX };
    case TY_UINT16:
        return (int_range) { 0, UINT16_MAX };
    case TY_UINT32:
        return (int_range) { 0, UINT32_MAX };
    default:
        return (int_range) { 0, UINT64_MAX };
    }
}

typedef enum change { SAME, FITS, BREAKS } change;

/* Add a sentence to *why unless it is there already. */
static void
add_why(char **why, const char *text)
{
    if (*why == NULL) {
        *why = ast_strdup(text);
    } else if (strstr(*why, text) == NULL) {
        char *s = ast_printf("%s; %s", *why, text);
        free(*why);
        *why = s;
    }
}

static bool
is_float(ast_tkind k)
{
    return k == TY_FLOAT32 || k == TY_FLOAT64;
}

/* an enum field is an int32 on the wire */
static bool
is_enum(const ast_type *t)
{
    return t->kind == TY_NAMED && t->decl != NULL && t->decl->kind == DECL_ENUM;
}

/* type_change -- how values of type a (old) and of type b (new) read on
 * the other side. *why collects what must hold (FITS) or what fails
 * (BREAKS, when there is more to say than the types); the caller frees it. */
static change
type_change(const ast_type *a, const ast_type *b, char **why)
{
    if ((is_enum(a) && ast_is_integer(b->kind))
        || (ast_is_integer(a->kind) && is_enum(b))) {
        /* read the enum side as the int32 it is on the wire */
        ast_type i32 = { .kind = TY_INT32 };
        add_why(why,
            "an enum is an int32 on the wire (a number the enum does not "
            "name is kept as that number)");
        change c
            = type_change(is_enum(a) ? &i32 : a, is_enum(b) ? &i32 : b, why);
        return c == SAME ? FITS : c;
    }
    if (ast_is_integer(a->kind) && ast_is_integer(b->kind)) {
        if (a->kind == b->kind) {
            return SAME;
        }
        int_range ra = range_of(a->kind), rb = range_of(b->kind);
        int_range both
            = { ra.lo > rb.lo ? ra.lo : rb.lo, ra.hi < rb.hi ? ra.hi : rb.hi };
        const char *name = both.lo == ra.lo && both.hi == ra.hi
            ? ast_scalar_name(a->kind)
            : both.lo == rb.lo && both.hi == rb.hi ? ast_scalar_name(b->kind)
                                                   : NULL;
        char *range = name ? ast_strdup(name)
                           : ast_printf("%lld to %llu", (long long)both.lo,
                               (unsigned long long)both.hi);
        char *text = ast_printf(
            "compatible only while every value fits %s (a reader fails a "
            "message holding a value its field cannot: AKT_ERANGE)",
            range);
        add_why(why, text);
        free(text);
        free(range);
        return FITS;
    }
    if (is_float(a->kind) && is_float(b->kind)) {
        if (a->kind == b->kind) {
            return SAME;
        }
        add_why(why,
            "compatible only while every value fits float32 (a float32 "
            "reader rounds a float64 to float precision and fails a message "
            "holding a finite value beyond float32's range: AKT_ERANGE)");
        return FITS;
    }
    if ((ast_is_integer(a->kind) && is_float(b->kind))
        || (is_float(a->kind) && ast_is_integer(b->kind))) {
        add_why(why, "an integer field rejects a float (AKT_EPROTO)");
        return BREAKS;
    }
    if (a->kind != b->kind) {
        return BREAKS;
    }
    if (a->kind == TY_LIST || a->kind == TY_MAP) {
        change k = a->kind == TY_MAP ? type_change(a->key, b->key, why) : SAME;
        change c = type_change(a->elem, b->elem, why);
        return k > c ? k : c;
    }
    char *x = type_sig(a), *y = type_sig(b);
    change c = strcmp(x, y) == 0 ? SAME : BREAKS;
    free(x);
    free(y);
    return c;
}

static ast_decl *
find_decl(ast_file *f, const char *qname)
{
    for (ast_decl *d = f->decls; d; d = d->next) {
        if (strcmp(d->qname, qname) == 0) {
            return d;
        }
        if (d->state && strcmp(d->state->qname, qname) == 0) {
            return d->state;
        }
    }
    return NULL;
}

static ast_field *
find_field(ast_decl *d, uint64_t number)
{
    for (ast_field *f = d->fields; f; f = f->next) {
        if (f->number == number) {
            return f;
        }
    }
    return NULL;
}

static bool
number_reserved(const ast_decl *d, uint64_t n)
{
    for (const ast_reserved *r = d->reserved; r; r = r->next) {
        if (!r->is_name && n >= r->lo && n <= r->hi) {
            return true;
        }
    }
    return false;
}

static bool
name_reserved(const ast_decl *d, const char *name)
{
    for (const ast_reserved *r = d->reserved; r; r = r->next) {
        if (r->is_name && strcmp(r->name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* widens -- every value of type a is a value of type b (old events read
 * by new code always fit). */
static bool
widens(const ast_type *a, const ast_type *b)
{
    ast_type i32 = { .kind = TY_INT32 };
    if (is_enum(a)) {
        a = &i32;
    }
    if (is_enum(b)) {
        b = &i32;
    }
    if (ast_is_integer(a->kind) && ast_is_integer(b->kind)) {
        int_range ra = range_of(a->kind), rb = range_of(b->kind);
        return rb.lo <= ra.lo && ra.hi <= rb.hi;
    }
    if (is_float(a->kind) && is_float(b->kind)) {
        return a->kind == b->kind || b->kind == TY_FLOAT64;
    }
    if ((a->kind == TY_LIST || a->kind == TY_MAP) && a->kind == b->kind) {
        return (a->kind != TY_MAP || widens(a->key, b->key))
            && widens(a->elem, b->elem);
    }
    return a->kind == b->kind;
}

/* compare_message -- o (old) against n (new); event: o is an event type of
 * a persistent actor of the old file (journals hold values of it). */
static int
compare_message(ast_decl *o, ast_decl *n, bool event)
{
    int bad = 0;
    const ast_file *nf = n->file;
    for (ast_field *of = o->fields; of; of = of->next) {
        ast_field *f = find_field(n, of->number);
        if (f == NULL) {
            if (!number_reserved(n, of->number)) {
                diag_error(nf, n->name_loc,
                    "field %llu ('%s') was removed from '%s' without reserving "
                    "its number",
                    (unsigned long long)of->number, of->name, n->qname);
                bad++;
            }
            continue;
        }
        char *why = NULL;
        change c = type_change(of->type, f->type, &why);
        if (c != SAME) {
            char *a = type_sig(of->type), *b = type_sig(f->type);
            if (c == BREAKS) {
                diag_error(nf, f->loc,
                    "field %llu of '%s' changed type from %s to %s%s%s",
                    (unsigned long long)f->number, n->qname, a, b,
                    why ? ": " : "", why ? why : "");
                bad++;
            } else if (event && !widens(of->type, f->type)) {
                diag_error(nf, f->loc,
                    "field %llu of event '%s' narrowed from %s to %s: "
                    "journals hold old events whose values may not fit, and "
                    "recovery would fail (AKT_ERANGE)",
                    (unsigned long long)f->number, n->qname, a, b);
                bad++;
            } else {
                diag_warning(nf, f->loc,
                    "field %llu of '%s' changed type from %s to %s: %s",
                    (unsigned long long)f->number, n->qname, a, b, why);
            }
            free(a);
            free(b);
        }
        free(why);
    }
    for (ast_field *f = n->fields; f; f = f->next) {
        if (find_field(o, f->number)) {
            continue;
        }
        if (number_reserved(o, f->number)) {
            diag_error(nf, f->num_loc,
                "field number %llu of '%s' was reserved and is reused by '%s'",
                (unsigned long long)f->number, n->qname, f->name);
            bad++;
        } else if (name_reserved(o, f->name)) {
            diag_error(nf, f->name_loc,
                "field name '%s' of '%s' was reserved and is reused", f->name,
                n->qname);
            bad++;
        } else if (!f->optional) {
            diag_error(nf, f->loc,
                "new field '%s' of '%s' is not optional: peers on the old "
                "schema never send it",
                f->name, n->qname);
            bad++;
        }
    }
    return bad;
}

static int
compare_enum(ast_decl *o, ast_decl *n)
{
    int bad = 0;
    for (ast_enumval *ov = o->values; ov; ov = ov->next) {
        for (ast_enumval *v = n->values; v; v = v->next) {
            if (strcmp(v->name, ov->name) == 0 && v->value != ov->value) {
                diag_error(n->file, v->value_loc,
                    "enum value %s.%s changed from %lld to %lld", n->qname,
                    v->name, (long long)ov->value, (long long)v->value);
                bad++;
            }
        }
    }
    return bad;
}

static ast_handler *
find_handler(ast_decl *a, const char *msg_qname)
{
    for (ast_handler *h = a->handlers; h; h = h->next) {
        if (h->msg_decl && strcmp(h->msg_decl->qname, msg_qname) == 0) {
            return h;
        }
    }
    return NULL;
}

/* --- fsm ------------------------------------------------------------------ */

static ast_fsm_state *
find_fsm_state(ast_fsm *m, const char *name)
{
    for (ast_fsm_state *st = m->states; st; st = st->next) {
        if (strcmp(st->name, name) == 0) {
            return st;
        }
    }
    return NULL;
}

/* The line of st for the same event as ot: the same message, or both the
 * timeout. */
static ast_fsm_trans *
find_fsm_line(ast_fsm_state *st, const ast_fsm_trans *ot)
{
    for (ast_fsm_trans *t = st->trans; t; t = t->next) {
        if (t->is_timeout != ot->is_timeout) {
            continue;
        }
        if (t->is_timeout
            || (t->msg_decl && ot->msg_decl
                && strcmp(t->msg_decl->qname, ot->msg_decl->qname) == 0)) {
            return t;
        }
    }
    return NULL;
}

static int
compare_fsm(ast_decl *o, ast_decl *n)
{
    ast_fsm *om = o->fsm, *nm = n->fsm;
    if (om == NULL || nm == NULL) {
        diag_error(n->file, nm ? nm->loc : n->name_loc,
            "actor '%s' %s: its handler table changes shape", n->qname,
            nm ? "became an fsm" : "is no longer an fsm");
        return 1;
    }
    int bad = 0;
    if (om->initial_state && nm->initial_state
        && strcmp(om->initial_state->name, nm->initial_state->name) != 0) {
        diag_error(n->file, nm->initial_loc,
            "the initial state of actor '%s' changed from %s to %s", n->qname,
            om->initial_state->name, nm->initial_state->name);
        bad++;
    }
    for (ast_fsm_state *os = om->states; os; os = os->next) {
        ast_fsm_state *ns = find_fsm_state(nm, os->name);
        if (ns == NULL) {
            diag_error(n->file, nm->loc,
                "the fsm of actor '%s' no longer has state '%s': old code "
                "goes to it and fills its handlers",
                n->qname, os->name);
            bad++;
            continue;
        }
        for (ast_fsm_trans *ot = os->trans; ot; ot = ot->next) {
            ast_fsm_trans *nt = find_fsm_line(ns, ot);
            const char *what = ot->is_timeout ? "timeout"
                : ot->msg_decl                ? ot->msg_decl->qname
                                              : ot->msg;
            if (nt == NULL) {
                diag_error(n->file, ns->loc,
                    "state '%s' of actor '%s' no longer has a line for %s%s%s",
                    ns->name, n->qname, ot->is_timeout ? "its " : "'", what,
                    ot->is_timeout ? "" : "'");
                bad++;
                continue;
            }
            const char *a = ot->target ? ot->target : "(stay)";
            const char *b = nt->target ? nt->target : "(stay)";
            if (strcmp(a, b) != 0) {
                diag_error(n->file, nt->target ? nt->target_loc : nt->msg_loc,
                    "in state '%s' of actor '%s', %s%s%s now goes to %s, not "
                    "%s",
                    ns->name, n->qname, ot->is_timeout ? "the " : "'", what,
                    ot->is_timeout ? "" : "'", b, a);
                bad++;
            }
        }
    }
    return bad;
}

/* --- persistent actors ---------------------------------------------------- */

static bool
lists_event(const ast_decl *a, const char *qname)
{
    for (const ast_handler *e = a->events; e; e = e->next) {
        if (e->msg_decl && strcmp(e->msg_decl->qname, qname) == 0) {
            return true;
        }
    }
    return false;
}

/* is_event -- qname is an event of some persistent actor of f */
static bool
is_event(const ast_file *f, const char *qname)
{
    for (const ast_decl *d = f->decls; d; d = d->next) {
        if (d->kind == DECL_ACTOR && d->persistent && lists_event(d, qname)) {
            return true;
        }
    }
    return false;
}

static int
compare_persistent(ast_decl *o, ast_decl *n)
{
    if (o->persistent != n->persistent) {
        diag_error(n->file, n->name_loc,
            "actor '%s' %s persistent: its handler table changes shape%s",
            n->qname, n->persistent ? "became" : "is no longer",
            n->persistent ? "" : " and its journal is no longer read");
        return 1;
    }
    if (!o->persistent) {
        return 0;
    }
    int bad = 0;
    for (const ast_handler *e = o->events; e; e = e->next) {
        if (e->msg_decl && !lists_event(n, e->msg_decl->qname)) {
            diag_error(n->file, n->events ? n->events->msg_loc : n->name_loc,
                "persistent actor '%s' no longer lists event '%s': journals "
                "hold such events and recovery would fail on them",
                n->qname, e->msg_decl->qname);
            bad++;
        }
    }
    const char *os = o->snapshot_decl ? o->snapshot_decl->qname : NULL;
    const char *ns = n->snapshot_decl ? n->snapshot_decl->qname : NULL;
    if (os && (ns == NULL || strcmp(os, ns) != 0)) {
        diag_error(n->file, ns ? n->snapshot_loc : n->name_loc,
            "the snapshot type of persistent actor '%s' changed from %s to "
            "%s: snapshot stores hold %s snapshots and recovery would fail "
            "on them",
            n->qname, os, ns ? ns : "none", os);
        bad++;
    }
    return bad;
}

static int
compare_actor(ast_decl *o, ast_decl *n)
{
    int bad = 0;
    if (o->fsm || n->fsm) {
        bad += compare_fsm(o, n);
        if (n->fsm) {
            /* its handlers are all in states: compared above */
            return bad + compare_message(o->state, n->state, false);
        }
    }
    for (ast_handler *oh = o->handlers; oh; oh = oh->next) {
        if (oh->msg_decl == NULL) {
            continue;
        }
        ast_handler *h = find_handler(n, oh->msg_decl->qname);
        if (h == NULL) {
            diag_error(n->file, n->name_loc,
                "actor '%s' no longer handles '%s': old senders' messages "
                "become dead letters",
                n->qname, oh->msg_decl->qname);
            bad++;
            continue;
        }
        const char *a
            = oh->reply_decl ? oh->reply_decl->qname : "nothing (tell)";
        const char *b = h->reply_decl ? h->reply_decl->qname : "nothing (tell)";
        if (strcmp(a, b) != 0) {
            diag_error(n->file, h->reply ? h->reply_loc : h->msg_loc,
                "the reply of '%s' to '%s' changed from %s to %s", n->qname,
                h->msg_decl->qname, a, b);
            bad++;
        }
    }
    bad += compare_message(o->state, n->state, false);
    bad += compare_persistent(o, n);
    return bad;
}

int
compat_check(ast_file *oldf, ast_file *newf)
{
    int bad = 0;
    if (strcmp(oldf->pkg, newf->pkg) != 0) {
        diag_error(newf, newf->pkg_loc,
            "package changed from '%s' to '%s': every type name and id changes",
            oldf->pkg, newf->pkg);
        return 1;
    }
    for (ast_decl *o = oldf->decls; o; o = o->next) {
        ast_decl *n = find_decl(newf, o->qname);
        if (n == NULL || n->kind != o->kind) {
            diag_error(oldf, o->name_loc,
                "%s '%s' is missing from %s (removed or renamed: its type id "
                "changes)",
                o->kind == DECL_ACTOR      ? "actor"
                    : o->kind == DECL_ENUM ? "enum"
                                           : "message",
                o->qname, newf->path);
            bad++;
            continue;
        }
        switch (o->kind) {
        case DECL_MESSAGE:
            bad += compare_message(o, n, is_event(oldf, o->qname));
            break;
        case DECL_ENUM:
            bad += compare_enum(o, n);
            break;
        case DECL_ACTOR:
            bad += compare_actor(o, n);
            break;
        }
    }
    return bad;
}
