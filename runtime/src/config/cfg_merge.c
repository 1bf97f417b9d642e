/*
 * cfg_merge.c -- layering: one value tree over another (HOCON object merging,
 * self-references replaced by the earlier value, the earlier value kept
 * below the new one for later lookups); see cfg_value.c for the
 * invariants of the tree.
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

bool
akti_cfg_is_unresolved(const cv *v)
{
    return v->kind == CV_SUBST || v->kind == CV_CONCAT || v->kind == CV_MERGE;
}

/* replace_self -- self-references to path inside v become old; returns the
 * (possibly replaced) v, and sets *hit when something was replaced. Fields
 * of objects are other paths, so objects are not entered. NULL: no memory. */
static cv *
replace_self(cfg_arena *a, cv *v, const cfg_str *path, size_t pn, cv *old,
    bool *hit, int depth)
{
    if (depth > CFG_MAX_WALK) {
        return v;
    }
    switch (v->kind) {
    case CV_SUBST:
        if (v->u.sub.self
            && akti_cfg_path_eq(v->u.sub.path, v->u.sub.n, path, pn)) {
            *hit = true;
            return old;
        }
        return v;
    case CV_CONCAT:
    case CV_MERGE:
    case CV_LIST:
        for (size_t i = 0; i < v->u.list.n; i++) {
            cv *p = v->u.list.v[i];
            cv *r = replace_self(a, p, path, pn, old, hit, depth + 1);
            if (r == NULL) {
                return NULL;
            }
            if (r != p && v->kind == CV_CONCAT) {
                /* keep the whitespace that stood before the ${}: wrap the
                 * (shared) earlier value in a one-part concatenation, as
                 * its own ws field belongs to where it was written */
                cv *w = akti_cfg_new(a, CV_CONCAT, p->file, p->line, p->col);
                if (w == NULL || !akti_cfg_list_push(a, w, r)) {
                    return NULL;
                }
                w->ws = p->ws;
                r = w;
            }
            v->u.list.v[i] = r;
        }
        return v;
    default:
        return v;
    }
}

/* merge_stack -- the deferred merge of hi over lo, highest priority
 * first. Stacks are kept flat, as Lightbend's are, so that a look-back
 * (see the resolution below) sees every lower element; flat only up to
 * MERGE_FLAT elements, so that n merges into one key cost O(n), not
 * O(n^2). NULL when out of memory. */
#define MERGE_FLAT 16

static cv *
merge_stack(cfg_arena *a, cv *hi, cv *lo, bool flat)
{
    cv *mv = akti_cfg_new(a, CV_MERGE, hi->file, hi->line, hi->col);
    if (mv == NULL) {
        return NULL;
    }
    cv *parts[2] = { hi, lo };
    for (int k = 0; k < 2; k++) {
        cv *p = parts[k];
        size_t n = p->kind == CV_MERGE && flat && p->u.list.n <= MERGE_FLAT
            ? p->u.list.n
            : 1;
        for (size_t i = 0; i < n; i++) {
            cv *e = n > 1 ? p->u.list.v[i] : p;
            if (!akti_cfg_list_push(a, mv, e)) {
                return NULL;
            }
        }
    }
    return mv;
}

typedef struct mctx {
    cfg_arena *a;
    akt_config_error *err;
    cfg_str path[CFG_MAX_PATH];
} mctx;

static akt_err merge_rec(mctx *m, cv **slot, cv *newv, size_t pn, int depth);

static akt_err
merge_rec(mctx *m, cv **slot, cv *newv, size_t pn, int depth)
{
    cv *old = *slot;
    if (depth > CFG_MAX_WALK) {
        return akti_cfg_errorf(m->err, AKT_ETOOBIG, newv->file, newv->line,
            newv->col, "configuration nested too deeply");
    }
    if (old == NULL) {
        *slot = newv;
        return AKT_OK;
    }
    bool hit = false;
    newv = replace_self(m->a, newv, m->path, pn, old, &hit, 0);
    if (newv == NULL) {
        return akti_cfg_errorf(m->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (hit) { /* the new value already decided how it uses the old one */
        if (newv != old && akti_cfg_is_unresolved(newv)) {
            /* keep the old value below it all the same: any other lookup
             * of this path while newv is resolved looks back to it
             * (y = ${y} { w = ${y.z} }) */
            newv = merge_stack(m->a, newv, old, false);
            if (newv == NULL) {
                return akti_cfg_errorf(
                    m->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
        }
        *slot = newv;
        return AKT_OK;
    }
    if (newv->kind == CV_OBJ && old->kind == CV_OBJ) {
        for (size_t i = 0; i < newv->u.obj.n; i++) {
            cfg_field *nf = &newv->u.obj.f[i];
            cfg_field *of = akti_cfg_obj_find(old, nf->key.s, nf->key.n);
            if (of == NULL) {
                if (akti_cfg_obj_put(m->a, old, nf->key, nf->val) == NULL) {
                    return akti_cfg_errorf(
                        m->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
                }
                continue;
            }
            if (pn >= CFG_MAX_PATH) {
                return akti_cfg_errorf(m->err, AKT_ETOOBIG, newv->file,
                    newv->line, newv->col, "configuration nested too deeply");
            }
            m->path[pn] = nf->key;
            akt_err rc = merge_rec(m, &of->val, nf->val, pn + 1, depth + 1);
            if (rc != AKT_OK) {
                return rc;
            }
        }
        return AKT_OK;
    }
    /* Decided at resolution: an unresolved new value may turn out to be
     * an object (merge with the old one) or undefined (${?x}: the old
     * value stays, HOCON); an object over an unresolved old value merges
     * if that one turns out to be an object. */
    if (akti_cfg_is_unresolved(newv)
        || (newv->kind == CV_OBJ && akti_cfg_is_unresolved(old))) {
        cv *mv = merge_stack(m->a, newv, old, true);
        if (mv == NULL) {
            return akti_cfg_errorf(
                m->err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        *slot = mv;
        return AKT_OK;
    }
    *slot = newv; /* a plain value replaces whatever was there */
    return AKT_OK;
}

akt_err
akti_cfg_merge(cfg_arena *a, cv **slot, cv *newv, const cfg_str *path,
    size_t pn, akt_config_error *err)
{
    if (pn > CFG_MAX_PATH) {
        return akti_cfg_errorf(err, AKT_ETOOBIG, newv->file, newv->line,
            newv->col, "key path too long");
    }
    mctx *m = akti_cfg_malloc(sizeof *m);
    if (m == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    m->a = a;
    m->err = err;
    if (pn) {
        memcpy(m->path, path, pn * sizeof *path);
    }
    akt_err rc = merge_rec(m, slot, newv, pn, 0);
    akti_cfg_free(m);
    return rc;
}

/* wrap -- `a.b.c = v` seen from a: the value {b {c = v}} */
static cv *
wrap(cfg_arena *a, const cfg_str *path, size_t pn, cv *val)
{
    for (size_t i = pn; i-- > 0;) {
        cv *o = akti_cfg_new(a, CV_OBJ, val->file, val->line, val->col);
        if (o == NULL || akti_cfg_obj_put(a, o, path[i], val) == NULL) {
            return NULL;
        }
        val = o;
    }
    return val;
}

/* akti_cfg_set_in -- assign val at rel (relative to obj, whose full path is
 * full[0..base)); full must hold base + rn elements. */
akt_err
akti_cfg_set_in(cfg_arena *a, cv *obj, const cfg_str *full, size_t base,
    size_t rn, cv *val, akt_config_error *err)
{
    cv *cur = obj;
    for (size_t i = 0; i < rn; i++) {
        const cfg_str *k = &full[base + i];
        cfg_field *f = akti_cfg_obj_find(cur, k->s, k->n);
        if (i + 1 < rn && f != NULL && f->val->kind == CV_OBJ) {
            cur = f->val;
            continue;
        }
        cv *v = val;
        if (i + 1 < rn) {
            v = wrap(a, full + base + i + 1, rn - i - 1, val);
            if (v == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
        }
        if (f == NULL) {
            if (akti_cfg_obj_put(a, cur, *k, v) == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            return AKT_OK;
        }
        return akti_cfg_merge(a, &f->val, v, full, base + i + 1, err);
    }
    return AKT_OK;
}

static cv *
shallow_obj(cfg_arena *a, const cv *o)
{
    cv *c = akti_cfg_new(a, CV_OBJ, o->file, o->line, o->col);
    if (c == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < o->u.obj.n; i++) {
        if (akti_cfg_obj_put(a, c, o->u.obj.f[i].key, o->u.obj.f[i].val)
            == NULL) {
            return NULL;
        }
    }
    return c;
}

akt_err
akti_cfg_override_at(cfg_arena *a, cv *root, const cfg_str *path, size_t pn,
    cv *val, cv **out, akt_config_error *err)
{
    cv *nroot = root->kind == CV_OBJ ? shallow_obj(a, root)
                                     : akti_cfg_new(a, CV_OBJ, NULL, 0, 0);
    if (nroot == NULL) {
        return akti_cfg_errorf(err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
    }
    cv *cur = nroot;
    for (size_t i = 0; i < pn; i++) {
        cfg_field *f = akti_cfg_obj_find(cur, path[i].s, path[i].n);
        if (i + 1 < pn && f != NULL && f->val->kind == CV_OBJ) {
            cv *c = shallow_obj(a, f->val);
            if (c == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            f->val = c;
            cur = c;
            continue;
        }
        cv *v = i + 1 < pn ? wrap(a, path + i + 1, pn - i - 1, val) : val;
        if (v == NULL) {
            return akti_cfg_errorf(
                err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        if (f == NULL) {
            if (akti_cfg_obj_put(a, cur, path[i], v) == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            break;
        }
        /* never merge into the shared old value: defer to resolution */
        bool hit = false;
        v = replace_self(a, v, path, i + 1, f->val, &hit, 0);
        if (v == NULL) {
            return akti_cfg_errorf(
                err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
        }
        if (hit && v != f->val
            && akti_cfg_is_unresolved(v)) { /* as merge_rec */
            v = merge_stack(a, v, f->val, false);
            if (v == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
        }
        if (!hit && v->kind != CV_OBJ && !akti_cfg_is_unresolved(v)) {
            f->val = v;
            break;
        }
        if (!hit) { /* an object or unresolved value: as merge_rec */
            cv *mv = merge_stack(a, v, f->val, true);
            if (mv == NULL) {
                return akti_cfg_errorf(
                    err, AKT_ENOMEM, NULL, 0, 0, "out of memory");
            }
            v = mv;
        }
        f->val = v;
        break;
    }
    *out = nroot;
    return AKT_OK;
}

akt_err
akti_cfg_set_path(cfg_arena *a, cv *obj, const cfg_str *path, size_t pn,
    cv *val, akt_config_error *err)
{
    return akti_cfg_set_in(a, obj, path, 0, pn, val, err);
}
