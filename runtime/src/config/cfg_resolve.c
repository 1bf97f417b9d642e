/*
 * cfg_resolve.c -- resolution of substitutions, as Lightbend resolves them (the
 * invariants are in cfg_value.c's header: look forward then back, cycles
 * unwound to the nearest substitution, every recursion bounded).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfg.h"

typedef struct rtail {
    cv *m; /* a merge being resolved ... */
    size_t from; /* ... whose elements from here on ... */
    cv *t; /* ... make this merge (its look-back value) */
} rtail;

typedef struct rctx {
    cfg_arena *a;
    akt_config_error *err;
    akt_err rc;
    cv *root;
    cv *undef;
    cv *cyc; /* a cycle was found here, not yet reported (see r_subst) */
    int depth;
    size_t work; /* bytes built by concatenations: bounds expansion */
    char *const *envp;
    rtail *tails;
    size_t ntails, tcap;
    /* recent merges made by r_peek for one field of a merge: the same node
     * for the same elements, so that a lookup that comes back while it is
     * being resolved sees its look-back value */
    struct {
        const cv *m;
        const char *key;
        cv *t;
    } fm[64];
    unsigned nfm;
    int nlb; /* look-backs active (merges with lb set) */
    long fresh; /* merges and concatenations resolved again (r_val) */
} rctx;

/* at most this many re-resolutions of a value met again during a
 * look-back: bounds the work on hostile input */
#define CFG_MAX_FRESH 10000

static cv *r_val(rctx *r, cv *v);

static cv *
r_fail(rctx *r, akt_err code, const cv *at, const char *fmt, ...)
{
    if (r->rc != AKT_OK) {
        return NULL;
    }
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->rc = akti_cfg_errorf(r->err, code, at ? at->file : NULL,
        at ? at->line : 0, at ? at->col : 0, "%s", msg);
    return NULL;
}

/* r_cycle -- v is needed while it is being resolved: record it and unwind
 * to the nearest substitution (r_subst), which makes an optional one
 * undefined and reports any other (Lightbend's NotPossibleToResolve). */
static cv *
r_cycle(rctx *r, cv *v)
{
    if (r->cyc == NULL) {
        r->cyc = v;
    }
    return NULL;
}

static bool
is_unmergeable(const cv *v)
{
    return v->kind == CV_SUBST || v->kind == CV_CONCAT;
}

/* r_tail -- what a lookup sees of merge m while m's element from-1 is
 * being resolved: only the elements below it (HOCON's "look back"). One
 * node per (m, from), so that a lookup that comes back sees its state. */
static cv *
r_tail(rctx *r, cv *m, size_t from)
{
    size_t n = m->u.list.n;
    if (from >= n) {
        return r->undef;
    }
    if (from + 1 == n) {
        return m->u.list.v[from];
    }
    for (size_t i = 0; i < r->ntails; i++) {
        if (r->tails[i].m == m && r->tails[i].from == from) {
            return r->tails[i].t;
        }
    }
    if (r->ntails == r->tcap) {
        size_t cap = r->tcap ? r->tcap * 2 : 8;
        rtail *nt = akti_cfg_alloc(r->a, cap * sizeof *nt);
        if (nt == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        if (r->ntails) {
            memcpy(nt, r->tails, r->ntails * sizeof *nt);
        }
        r->tails = nt;
        r->tcap = cap;
    }
    cv *t = akti_cfg_new(r->a, CV_MERGE, m->file, m->line, m->col);
    if (t == NULL) {
        return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = from; i < n; i++) {
        if (!akti_cfg_list_push(r->a, t, m->u.list.v[i])) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
    }
    r->tails[r->ntails++] = (rtail) { m, from, t };
    return t;
}

/* r_here -- the node a lookup sees in place of v: its resolution when it
 * has one, the look-back value of a merge being resolved. */
static cv *
r_here(rctx *r, cv *v)
{
    for (int guard = 0; v != NULL && guard < CFG_MAX_RESOLVE_DEPTH; guard++) {
        if (v->res != NULL) {
            return v->res;
        }
        if (v->kind != CV_MERGE || v->lb == 0) {
            return v;
        }
        v = r_tail(r, v, v->lb);
    }
    return v;
}

/* r_busy -- e is being resolved further up: a lookup that meets it in a
 * merge stack comes from inside it, and so looks back past it (a
 * self-reference that was built into an earlier value, inside a field
 * whose parent object is merged with a substitution). */
static bool
r_busy(const cv *e)
{
    return is_unmergeable(e) && e->resolving == 1 && e->res == NULL;
}

/* r_elem -- resolve element i of merge m; while a substitution or a
 * concatenation is resolved, a lookup that reaches m sees only what is
 * below it. */
static cv *
r_elem(rctx *r, cv *m, size_t i)
{
    cv *e = m->u.list.v[i];
    if (!is_unmergeable(e)) {
        return r_val(r, e);
    }
    if (r_busy(e)) {
        return r->undef; /* the lookup comes from inside e: look below it */
    }
    uint32_t save = m->lb;
    m->lb = (uint32_t)(i + 1);
    r->nlb++;
    cv *x = r_val(r, e);
    r->nlb--;
    m->lb = save;
    return x;
}

enum { SHAPE_UNDEF, SHAPE_OBJ, SHAPE_OTHER };

static cv *r_find(rctx *r, cv *v);
static cv *r_fallback(rctx *r, cv *v, bool found);
static bool r_caught(rctx *r, cv *v);
static cv *r_cycle_error(rctx *r);

/* r_peek -- the field key of v's value, resolving only what is needed to
 * find it (Lightbend's restricted resolution: an object's other fields,
 * and a merge's elements past the field, are left alone). Returns the
 * field's value (maybe unresolved), r->undef when there is none, or NULL
 * on error or cycle. *shape says whether v is an object. */
static cv *
r_peek(rctx *r, cv *v, const cfg_str *key, int *shape)
{
    v = r_here(r, v);
    *shape = SHAPE_OTHER;
    if (v == NULL) {
        return NULL;
    }
    if (++r->depth > CFG_MAX_RESOLVE_DEPTH) {
        return r_fail(r, AKT_ETOOBIG, v,
            "substitutions nested deeper than %d levels",
            CFG_MAX_RESOLVE_DEPTH);
    }
    cv *out = r->undef;
    switch (v->kind) {
    case CV_UNDEF:
        *shape = SHAPE_UNDEF;
        break;
    case CV_OBJ: {
        *shape = SHAPE_OBJ;
        cfg_field *f = akti_cfg_obj_find(v, key->s, key->n);
        if (f != NULL) {
            out = r_here(r, f->val);
        }
        break;
    }
    case CV_SUBST: {
        /* a restricted resolution of the reference: find its target and
         * look into that, holding v as "being resolved" meanwhile */
        if (v->resolving) {
            out = r_cycle(r, v);
            break;
        }
        v->resolving = 1;
        cv *t = r_find(r, v);
        int ts = SHAPE_UNDEF;
        if (t != NULL && t != r->undef) {
            out = r_peek(r, t, key, &ts);
        }
        v->resolving = 0;
        if (t == NULL || out == NULL) {
            if (!r_caught(r, v)) {
                out = NULL;
                break;
            }
            ts = SHAPE_UNDEF;
        }
        if (ts == SHAPE_UNDEF) { /* nothing there: as r_subst */
            cv *f = r_fallback(r, v, t != NULL && t != r->undef);
            out = f == NULL ? NULL : r->undef;
            *shape = f == NULL || f == r->undef ? SHAPE_UNDEF : SHAPE_OTHER;
            break;
        }
        *shape = ts;
        break;
    }
    case CV_CONCAT: {
        cv *x = r_val(r, v); /* a concatenation resolves as a whole */
        out = x == NULL ? NULL : r_peek(r, x, key, shape);
        break;
    }
    case CV_MERGE: {
        cv *got[64];
        size_t k = 0;
        *shape = SHAPE_UNDEF;
        for (size_t i = 0; i < v->u.list.n; i++) {
            cv *e = v->u.list.v[i];
            int es;
            cv *fv;
            if (r_busy(e)) {
                continue; /* as r_elem */
            }
            if (is_unmergeable(e)) {
                uint32_t save = v->lb;
                v->lb = (uint32_t)(i + 1);
                r->nlb++;
                fv = r_peek(r, e, key, &es);
                r->nlb--;
                v->lb = save;
            } else {
                fv = r_peek(r, e, key, &es);
            }
            if (fv == NULL) {
                r->depth--;
                return NULL;
            }
            if (es == SHAPE_UNDEF) {
                continue;
            }
            if (es == SHAPE_OTHER) {
                if (*shape == SHAPE_UNDEF) {
                    *shape = SHAPE_OTHER;
                }
                break; /* a non-object hides everything below it */
            }
            *shape = SHAPE_OBJ;
            if (fv == r->undef) {
                continue;
            }
            if (k == sizeof got / sizeof got[0]) {
                r->depth--;
                return r_fail(r, AKT_ETOOBIG, v,
                    "more than %zu merged objects define one key",
                    sizeof got / sizeof got[0]);
            }
            got[k++] = fv;
            if (fv->kind != CV_OBJ && fv->kind != CV_UNDEF
                && !akti_cfg_is_unresolved(fv)) {
                break; /* a plain value: nothing below it counts */
            }
        }
        if (*shape != SHAPE_OBJ || k == 0) {
            break;
        }
        if (k == 1) {
            out = got[0];
            break;
        }
        /* the field's value is itself a merge of what each element has */
        size_t nf = r->nfm < 64 ? r->nfm : 64;
        for (size_t i = 0; i < nf && out == r->undef; i++) {
            cv *t = r->fm[i].t;
            if (r->fm[i].m == v && r->fm[i].key == key->s && t->u.list.n == k
                && memcmp(t->u.list.v, got, k * sizeof *got) == 0) {
                out = t;
            }
        }
        if (out != r->undef) {
            break;
        }
        cv *m = akti_cfg_new(
            r->a, CV_MERGE, got[0]->file, got[0]->line, got[0]->col);
        if (m == NULL) {
            out = r_fail(r, AKT_ENOMEM, NULL, "out of memory");
            break;
        }
        for (size_t i = 0; i < k; i++) {
            if (!akti_cfg_list_push(r->a, m, got[i])) {
                out = r_fail(r, AKT_ENOMEM, NULL, "out of memory");
                break;
            }
        }
        if (out != NULL) {
            out = m;
            unsigned slot = r->nfm++ % 64;
            r->fm[slot].m = v;
            r->fm[slot].key = key->s;
            r->fm[slot].t = m;
        }
        break;
    }
    default:
        break;
    }
    r->depth--;
    return out;
}

/* r_lookup -- the value at path p1.p2 as a lookup sees it (unresolved),
 * r->undef when there is none, NULL on error or cycle. Only what lies
 * along the path is resolved. */
static cv *
r_lookup(rctx *r, const cfg_str *p1, size_t n1, const cfg_str *p2, size_t n2)
{
    cv *cur = r->root;
    size_t n = n1 + n2;
    for (size_t i = 0; i < n; i++) {
        const cfg_str *k = i < n1 ? &p1[i] : &p2[i - n1];
        int shape;
        cur = r_peek(r, cur, k, &shape);
        if (cur == NULL || cur == r->undef || cur->kind == CV_UNDEF) {
            return cur == NULL ? NULL : r->undef;
        }
    }
    return cur;
}

static const char *
env_get(char *const *envp, const char *name, size_t n)
{
    if (envp == NULL) {
        return NULL;
    }
    for (size_t i = 0; envp[i] != NULL; i++) {
        if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=') {
            return envp[i] + n + 1;
        }
    }
    return NULL;
}

static char *
path_text(cfg_arena *a, const cfg_str *p, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += p[i].n + 1;
    }
    char *s = akti_cfg_alloc(a, len + 1);
    if (s == NULL) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            s[k++] = '.';
        }
        memcpy(s + k, p[i].s, p[i].n);
        k += p[i].n;
    }
    s[k] = '\0';
    return s;
}

/* r_find -- what substitution v refers to in the configuration,
 * unresolved: the value under the include point, else from the root;
 * r->undef when there is none, NULL on error or cycle. */
static cv *
r_find(rctx *r, cv *v)
{
    cv *t = r->undef;
    if (v->u.sub.pn > 0) {
        t = r_lookup(
            r, v->u.sub.prefix, v->u.sub.pn, v->u.sub.path, v->u.sub.n);
    }
    if (t == r->undef) {
        t = r_lookup(r, v->u.sub.path, v->u.sub.n, NULL, 0);
    }
    return t;
}

/* r_fallback -- substitution v found nothing (or only an undefined value,
 * or, for a self-reference, only itself): the environment variable, else
 * undefined when v is optional, else an error. */
static cv *
r_fallback(rctx *r, cv *v, bool found)
{
    char *name = path_text(r->a, v->u.sub.path, v->u.sub.n);
    if (name == NULL) {
        return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
    }
    const char *ev = env_get(r->envp, name, strlen(name));
    if (ev != NULL) { /* HOCON: substitutions fall back to the environment */
        cv *s = akti_cfg_new(r->a, CV_STR, NULL, 0, 0);
        char *origin = akti_cfg_alloc(r->a, strlen(name) + 9);
        if (s == NULL || origin == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        snprintf(origin, strlen(name) + 9, "env var %s", name);
        s->file = origin;
        s->u.str.s = akti_cfg_strndup(r->a, ev, strlen(ev));
        s->u.str.n = strlen(ev);
        s->quoted = 1;
        if (s->u.str.s == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        return s;
    }
    if (v->u.sub.optional) {
        return r->undef;
    }
    if (v->u.sub.self) {
        return r_fail(r, AKT_EINVAL, v,
            "substitution ${%s} refers to its own field, which has no "
            "earlier value (and no environment variable %s is set)",
            name, name);
    }
    if (found) {
        return r_fail(r, AKT_EINVAL, v,
            "could not resolve substitution ${%s}: its value is undefined "
            "(an optional substitution that found nothing, or one in a "
            "cycle) and there is no environment variable %s",
            name, name);
    }
    return r_fail(r, AKT_EINVAL, v,
        "could not resolve substitution ${%s}: no such key in the "
        "configuration and no environment variable %s (write ${?%s} if it "
        "is optional)",
        name, name, name);
}

/* r_caught -- the cycle pending when substitution v's lookup failed:
 * HOCON makes it "missing" for an optional or a self-reference (which
 * then falls back like any missing one), an error for any other. NULL
 * when there was none (an error already reported). */
static bool
r_caught(rctx *r, cv *v)
{
    if (r->rc != AKT_OK || r->cyc == NULL) {
        return false;
    }
    if (v->u.sub.optional || v->u.sub.self) {
        r->cyc = NULL;
        return true;
    }
    r_cycle_error(r);
    return false;
}

/* r_cycle_error -- report the pending cycle (found at r->cyc). */
static cv *
r_cycle_error(rctx *r)
{
    cv *at = r->cyc;
    r->cyc = NULL;
    if (at->kind == CV_SUBST) {
        char *name = path_text(r->a, at->u.sub.path, at->u.sub.n);
        return r_fail(r, AKT_EINVAL, at,
            "substitution cycle: ${%s} refers back to itself",
            name ? name : "?");
    }
    return r_fail(
        r, AKT_EINVAL, at, "substitution cycle: this value depends on itself");
}

static cv *
r_subst(rctx *r, cv *v)
{
    cv *t = r_find(r, v);
    cv *out = t;
    if (t != NULL && t != r->undef) {
        out = r_val(r, t);
    }
    if (out == NULL) {
        return r_caught(r, v) ? r_fallback(r, v, false) : NULL;
    }
    return out == r->undef ? r_fallback(r, v, t != r->undef) : out;
}

static bool
is_scalar(int k)
{
    return k == CV_NULL || k == CV_BOOL || k == CV_NUM || k == CV_STR;
}

/* scalar_text -- the text a scalar contributes to a string concatenation */
static const char *
scalar_text(const cv *v, size_t *n)
{
    switch (v->kind) {
    case CV_NULL:
        *n = 4;
        return "null";
    case CV_BOOL:
        *n = v->u.b ? 4 : 5;
        return v->u.b ? "true" : "false";
    case CV_NUM:
        *n = v->u.num.n;
        return v->u.num.text;
    default:
        *n = v->u.str.n;
        return v->u.str.s;
    }
}

cv *
akti_cfg_merge_resolved(cfg_arena *a, cv *hi, cv *lo)
{
    cv *o = akti_cfg_new(a, CV_OBJ, hi->file, hi->line, hi->col);
    if (o == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < lo->u.obj.n; i++) {
        if (lo->u.obj.f[i].val->kind == CV_UNDEF) {
            continue;
        }
        if (akti_cfg_obj_put(a, o, lo->u.obj.f[i].key, lo->u.obj.f[i].val)
            == NULL) {
            return NULL;
        }
    }
    for (size_t i = 0; i < hi->u.obj.n; i++) {
        cfg_field *hf = &hi->u.obj.f[i];
        if (hf->val->kind == CV_UNDEF) {
            continue;
        }
        cfg_field *of = akti_cfg_obj_find(o, hf->key.s, hf->key.n);
        if (of == NULL) {
            if (akti_cfg_obj_put(a, o, hf->key, hf->val) == NULL) {
                return NULL;
            }
        } else if (of->val->kind == CV_OBJ && hf->val->kind == CV_OBJ) {
            cv *m = akti_cfg_merge_resolved(a, hf->val, of->val);
            if (m == NULL) {
                return NULL;
            }
            of->val = m;
        } else {
            of->val = hf->val;
        }
    }
    return o;
}

/* c_simple -- a part that Lightbend's scanner counts as a "simple value":
 * whitespace between two of them is text; next to '{', '[', '}' or ']' it
 * is not. (A self-reference replaced at merge time is a one-part
 * concatenation in place of its ${}.) */
static bool
c_simple(const cv *p)
{
    return p->kind != CV_OBJ && p->kind != CV_LIST;
}

/* c_is_ws -- an unquoted piece of nothing but whitespace */
static bool
c_is_ws(const cv *p)
{
    return p->kind == CV_STR && p->quoted == 2;
}

/* r_concat -- HOCON value concatenation, as Lightbend's ConfigConcatenation:
 * the parts are resolved; undefined ${?x} parts drop out while the
 * whitespace between simple parts stays (so `${?a} ${?b}` is " "); strings,
 * numbers, booleans and null join into a string, lists concatenate, objects
 * merge, and whitespace next to a list or an object does not count. */
static cv *
r_concat(rctx *r, cv *v)
{
    size_t n = v->u.list.n;
    cv *out = NULL; /* the list or object built so far */
    const cv *run0 = NULL; /* first piece of a string run */
    size_t runk = 0; /* pieces in the run */
    bool run_ws = true; /* the run is whitespace only */
    char *sb = NULL; /* the run's text */
    size_t sn = 0, scap = 0;
    const cv *prev = NULL; /* the previous part, as written */
    for (size_t i = 0; i <= n; i++) {
        cv *p = i < n ? v->u.list.v[i] : NULL;
        cv *pieces[2];
        size_t np = 0;
        cv wsv; /* a whitespace piece (text in the arena) */
        if (p != NULL && prev != NULL && p->ws != NULL && c_simple(prev)
            && c_simple(p)) {
            memset(&wsv, 0, sizeof wsv);
            wsv.kind = CV_STR;
            wsv.quoted = 2;
            wsv.file = p->file;
            wsv.line = p->line;
            wsv.col = p->col;
            wsv.u.str.s = p->ws;
            wsv.u.str.n = strlen(p->ws);
            pieces[np++] = &wsv;
        }
        if (p != NULL) {
            prev = p;
            cv *rp = r_val(r, p);
            if (rp == NULL) {
                return NULL;
            }
            if (rp->kind != CV_UNDEF) {
                pieces[np++] = rp;
            }
        }
        for (size_t j = 0; j < np; j++) {
            cv *q = pieces[j];
            const cv *at = q == &wsv ? p : q;
            if (is_scalar(q->kind)) {
                if (out != NULL) {
                    if (c_is_ws(q)) {
                        continue; /* insignificant after a list or object */
                    }
                    return r_fail(r, AKT_ETYPE, at,
                        "cannot concatenate %s and %s (a value concatenation "
                        "joins only strings, only lists or only objects)",
                        akti_cfg_kind_name(out->kind),
                        akti_cfg_kind_name(q->kind));
                }
                size_t tn;
                const char *t = scalar_text(q, &tn);
                r->work += tn;
                if (r->work > CFG_MAX_EXPANSION) {
                    return r_fail(r, AKT_ETOOBIG, v,
                        "substitutions expand to more than %d MiB of values",
                        CFG_MAX_EXPANSION >> 20);
                }
                if (sn + tn + 1 > scap) {
                    size_t cap = scap ? scap : 64;
                    while (cap < sn + tn + 1) {
                        cap *= 2;
                    }
                    char *nb = akti_cfg_alloc(r->a, cap);
                    if (nb == NULL) {
                        return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
                    }
                    if (sn) {
                        memcpy(nb, sb, sn);
                    }
                    sb = nb;
                    scap = cap;
                }
                memcpy(sb + sn, t, tn);
                sn += tn;
                if (runk++ == 0) {
                    run0 = q == &wsv ? NULL : q;
                }
                run_ws = run_ws && c_is_ws(q);
                continue;
            }
            /* a list or an object */
            if (runk > 0) {
                if (!run_ws) {
                    return r_fail(r, AKT_ETYPE, at,
                        "cannot concatenate string and %s (a value "
                        "concatenation joins only strings, only lists or "
                        "only objects)",
                        akti_cfg_kind_name(q->kind));
                }
                runk = 0; /* leading whitespace does not count */
                sn = 0;
            }
            if (out == NULL) {
                out = q;
                continue;
            }
            if (out->kind != q->kind) {
                return r_fail(r, AKT_ETYPE, at,
                    "cannot concatenate %s and %s (a value concatenation "
                    "joins only strings, only lists or only objects)",
                    akti_cfg_kind_name(out->kind), akti_cfg_kind_name(q->kind));
            }
            if (q->kind == CV_OBJ) {
                r->work += (out->u.obj.n + q->u.obj.n) * sizeof(cfg_field);
            } else {
                r->work += (out->u.list.n + q->u.list.n) * sizeof(cv *);
            }
            if (r->work > CFG_MAX_EXPANSION) {
                return r_fail(r, AKT_ETOOBIG, v,
                    "substitutions expand to more than %d MiB of values",
                    CFG_MAX_EXPANSION >> 20);
            }
            cv *j2;
            if (q->kind == CV_OBJ) {
                j2 = akti_cfg_merge_resolved(r->a, q, out);
            } else {
                j2 = akti_cfg_new(r->a, CV_LIST, v->file, v->line, v->col);
                for (size_t m = 0; j2 != NULL && m < out->u.list.n; m++) {
                    if (!akti_cfg_list_push(r->a, j2, out->u.list.v[m])) {
                        j2 = NULL;
                    }
                }
                for (size_t m = 0; j2 != NULL && m < q->u.list.n; m++) {
                    if (!akti_cfg_list_push(r->a, j2, q->u.list.v[m])) {
                        j2 = NULL;
                    }
                }
            }
            if (j2 == NULL) {
                return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
            }
            out = j2;
        }
    }
    if (out != NULL) {
        return out;
    }
    if (runk == 0) {
        return r->undef; /* every part was an undefined ${?x} */
    }
    if (runk == 1 && run0 != NULL) {
        return (cv *)run0; /* one value keeps its type */
    }
    cv *s = akti_cfg_new(r->a, CV_STR, v->file, v->line, v->col);
    char *text = akti_cfg_alloc(r->a, sn + 1);
    if (s == NULL || text == NULL) {
        return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
    }
    memcpy(text, sb, sn);
    text[sn] = '\0';
    s->u.str.s = text;
    s->u.str.n = sn;
    s->quoted = 1;
    return s;
}

static cv *
r_merge(rctx *r, cv *v)
{
    cv *acc = NULL;
    for (size_t i = 0; i < v->u.list.n; i++) {
        cv *p = r_elem(r, v, i);
        if (p == NULL) {
            return NULL;
        }
        if (p->kind == CV_UNDEF) {
            continue;
        }
        if (acc == NULL) {
            acc = p;
            if (p->kind != CV_OBJ) {
                break;
            }
            continue;
        }
        if (p->kind != CV_OBJ) {
            break; /* a non-object hides everything below it */
        }
        acc = akti_cfg_merge_resolved(r->a, acc, p);
        if (acc == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
    }
    return acc ? acc : r->undef;
}

/* is_clean -- a resolved value with no CV_UNDEF anywhere below it. */
static bool
is_clean(const cv *v)
{
    return is_scalar(v->kind) || v->resolving == 2;
}

/* r_obj -- resolve object v in place. A field that is a merge being
 * resolved (a lookup reached v from inside it) has only its look-back
 * value here: then v is resolved into a copy that holds that value (a
 * "view", resolving == 3), and v itself is left for later, so that its
 * fields end up with their own values (Lightbend resolves such a lookup
 * against a copy of the tree with the merge replaced). */
static cv *
r_obj(rctx *r, cv *v)
{
    bool clean = true;
    cv *copy = NULL;
    for (size_t i = 0; i < v->u.obj.n; i++) {
        cfg_field *f = &v->u.obj.f[i];
        bool view = f->val->res == NULL
            && ((f->val->kind == CV_MERGE && f->val->lb != 0)
                || (r->nlb > 0 && f->val->resolving == 1
                    && akti_cfg_is_unresolved(f->val)));
        cv *x = view ? r_here(r, f->val) : f->val;
        if (x != NULL && x != r->undef) {
            x = r_val(r, x);
        }
        if (x == NULL) {
            return NULL;
        }
        view = view || x->resolving == 3;
        if (view && copy == NULL) {
            copy = akti_cfg_new(r->a, CV_OBJ, v->file, v->line, v->col);
            for (size_t j = 0; copy != NULL && j < i; j++) {
                const cfg_field *g = &v->u.obj.f[j];
                if (g->val->kind != CV_UNDEF
                    && akti_cfg_obj_put(r->a, copy, g->key, g->val) == NULL) {
                    copy = NULL;
                }
            }
            if (copy == NULL) {
                return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
            }
        }
        if (!view) {
            f->val = x; /* its own value: keep it */
        }
        if (copy != NULL && x->kind != CV_UNDEF
            && akti_cfg_obj_put(r->a, copy, f->key, x) == NULL) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        clean = clean && is_clean(x);
    }
    if (copy != NULL) {
        copy->res = copy;
        copy->resolving = 3;
        return copy;
    }
    v->res = v;
    if (clean) { /* nothing to compact below: compact() skips it */
        v->resolving = 2;
    }
    return v;
}

/* r_list -- resolve list v in place; as r_obj, into a copy (a view) when
 * an element has only its look-back value here. */
static cv *
r_list(rctx *r, cv *v)
{
    bool clean = true;
    cv *copy = NULL;
    for (size_t i = 0; i < v->u.list.n; i++) {
        cv *e = v->u.list.v[i];
        bool view = e->res == NULL && r->nlb > 0 && e->resolving == 1
            && akti_cfg_is_unresolved(e);
        cv *x = r_val(r, e);
        if (x == NULL) {
            return NULL;
        }
        view = view || x->resolving == 3;
        if (view && copy == NULL) {
            copy = akti_cfg_new(r->a, CV_LIST, v->file, v->line, v->col);
            for (size_t j = 0; copy != NULL && j < i; j++) {
                if (!akti_cfg_list_push(r->a, copy, v->u.list.v[j])) {
                    copy = NULL;
                }
            }
            if (copy == NULL) {
                return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
            }
        }
        if (!view) {
            v->u.list.v[i] = x;
        }
        if (copy != NULL && !akti_cfg_list_push(r->a, copy, x)) {
            return r_fail(r, AKT_ENOMEM, NULL, "out of memory");
        }
        clean = clean && is_clean(x);
    }
    if (copy != NULL) {
        copy->res = copy;
        copy->resolving = 3;
        return copy;
    }
    v->res = v;
    if (clean) {
        v->resolving = 2;
    }
    return v;
}

static cv *
r_val(rctx *r, cv *v)
{
    if (v->res != NULL) {
        return v->res;
    }
    switch (v->kind) {
    case CV_OBJ:
        return r_obj(r, v);
    case CV_LIST:
        return r_list(r, v);
    case CV_SUBST:
    case CV_CONCAT:
    case CV_MERGE:
        break;
    default:
        return v;
    }
    if (v->resolving) {
        if (v->kind == CV_SUBST || r->nlb == 0 || r->fresh >= CFG_MAX_FRESH) {
            return r_cycle(r, v);
        }
        /* a merge or concatenation met again while a look-back is active:
         * resolve it again as this lookup sees it, not memoized (Lightbend
         * resolves a copy of the tree in which the merge that looks back
         * is replaced); a real cycle still ends at a substitution */
        r->fresh++;
        if (++r->depth > CFG_MAX_RESOLVE_DEPTH) {
            return r_fail(r, AKT_ETOOBIG, v,
                "substitutions nested deeper than %d levels",
                CFG_MAX_RESOLVE_DEPTH);
        }
        cv *again = v->kind == CV_CONCAT ? r_concat(r, v) : r_merge(r, v);
        if (again != NULL && again != r->undef) {
            again = r_val(r, again);
        }
        r->depth--;
        return again;
    }
    if (++r->depth > CFG_MAX_RESOLVE_DEPTH) {
        return r_fail(r, AKT_ETOOBIG, v,
            "substitutions nested deeper than %d levels",
            CFG_MAX_RESOLVE_DEPTH);
    }
    v->resolving = 1;
    cv *out = v->kind == CV_SUBST ? r_subst(r, v)
        : v->kind == CV_CONCAT    ? r_concat(r, v)
                                  : r_merge(r, v);
    if (out != NULL && out != r->undef) {
        out = r_val(r, out); /* objects and lists found by a lookup */
    }
    v->resolving = 0;
    r->depth--;
    if (out != NULL && out->resolving == 3) {
        out->resolving = 0; /* a view, but now v's value for good */
    }
    /* undefined is not remembered: an optional substitution that met a
     * cycle may find a value once that cycle is over (as in Lightbend,
     * whose memo table cannot hold an undefined result) */
    if (out != NULL && out != r->undef) {
        v->res = out;
    }
    return out;
}

/* compact -- drop what optional substitutions left undefined. */
static akt_err
compact(rctx *r, cv *v, int depth)
{
    if (v->resolving == 2 || is_scalar(v->kind)) { /* clean, or done */
        return AKT_OK;
    }
    if (depth > CFG_MAX_WALK) {
        return akti_cfg_errorf(r->err, AKT_ETOOBIG, v->file, v->line, v->col,
            "configuration nested deeper than %d levels", CFG_MAX_WALK);
    }
    if (v->kind == CV_OBJ) {
        size_t k = 0;
        for (size_t i = 0; i < v->u.obj.n; i++) {
            if (v->u.obj.f[i].val->kind == CV_UNDEF) {
                continue;
            }
            akt_err rc = compact(r, v->u.obj.f[i].val, depth + 1);
            if (rc != AKT_OK) {
                return rc;
            }
            v->u.obj.f[k++] = v->u.obj.f[i];
        }
        if (k != v->u.obj.n) {
            v->u.obj.n = k;
            if (!akti_cfg_obj_reindex(r->a, v)) {
                return akti_cfg_errorf(
                    r->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
        }
    } else if (v->kind == CV_LIST) {
        size_t k = 0;
        for (size_t i = 0; i < v->u.list.n; i++) {
            if (v->u.list.v[i]->kind == CV_UNDEF) {
                continue;
            }
            akt_err rc = compact(r, v->u.list.v[i], depth + 1);
            if (rc != AKT_OK) {
                return rc;
            }
            v->u.list.v[k++] = v->u.list.v[i];
        }
        v->u.list.n = k;
    }
    v->resolving = 2;
    return AKT_OK;
}

akt_err
akti_cfg_resolve_env(
    cfg_arena *a, cv *root, char *const *envp, akt_config_error *err)
{
    rctx r;
    memset(&r, 0, sizeof r);
    r.a = a;
    r.err = err;
    r.root = root;
    r.envp = envp;
    r.undef = akti_cfg_new(a, CV_UNDEF, NULL, 0, 0);
    if (r.undef == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (r_val(&r, root) == NULL) {
        if (r.rc == AKT_OK && r.cyc != NULL) {
            r_cycle_error(&r);
        }
        return r.rc != AKT_OK ? r.rc
                              : akti_cfg_errorf(err, AKT_EINTERNAL, NULL, 0, 0,
                                  "resolution failed");
    }
    return compact(&r, root, 0);
}

akt_err
akti_cfg_resolve(cfg_arena *a, cv *root, akt_config_error *err)
{
    return akti_cfg_resolve_env(a, root, environ, err);
}
