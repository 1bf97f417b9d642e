/*
 * watch.c -- death watch: akt_ctx_watch / akt_ctx_unwatch from inside an
 * actor, akt_watch_future / akt_unwatch_future from outside (a promise
 * cell is the watcher), the watch lists of a cell and the Terminated a
 * watcher gets (akti_death_notice). The WATCH / UNWATCH system messages
 * are handled in actor.c's handle_sys, on the target's thread.
 */
#include "core/actor_impl.h"

akti_watch_ent *
akti_watch_ent_find(
    akti_watch_ent *v, uint32_t n, akt_cell *c, uint64_t uid, akt_future *f)
{
    for (uint32_t i = 0; i < n; i++) {
        if (v[i].cell == c && v[i].uid == uid && v[i].fut == f) {
            return &v[i];
        }
    }
    return NULL;
}

void
akti_watch_ent_add(
    akti_watch_ent **v, uint32_t *n, uint32_t *cap, akti_watch_ent e)
{
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 2;
        akti_watch_ent *nv = realloc(*v, nc * sizeof(*nv));
        if (nv == NULL) {
            abort();
        }
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = e;
}

void
akti_watch_ent_del(akti_watch_ent *v, uint32_t *n, akti_watch_ent *e)
{
    *e = v[--*n];
}

akt_err
akt_ctx_watch(akt_ctx *ctx, akt_ref target)
{
    if (ctx == NULL || target.cell_ == NULL
        || target.cell_->kind != AKTI_CELL_ACTOR) {
        return AKT_EINVAL;
    }
    akt_cell *c = ctx->cell;
    /* only the current incarnation is "itself": a stale ref to an actor
     * whose cell we now occupy is a dead actor, answered with Terminated */
    if (target.cell_ == c && target.uid_ == cell_uid(c)) {
        return AKT_EINVAL;
    }
    akti_cell_ext *x = cell_ext(c);
    if (akti_watch_ent_find(
            x->watching, x->nwatching, target.cell_, target.uid_, NULL)) {
        return AKT_OK;
    }
    akti_watch_ent_add(&x->watching, &x->nwatching, &x->capwatching,
        (akti_watch_ent) { target.cell_, target.uid_, NULL, 0 });
    akti_send_sys(
        target.cell_, target.uid_, SYS_WATCH, c, cell_uid(c), AKT_OK, NULL);
    return AKT_OK;
}

/* a cell marked by akti_ctx_watch_hook: tell its extension the new count
 * (ordinary actors: one flag test) */
void
akti_watchers_changed(akt_cell *c, akti_cell_ext *x)
{
    if (c->flags & CELL_F_WATCH_HOOK) {
        akti_system_ext_watchers(c->sys, x->watch_slot,
            (akt_ref) { c, cell_uid(c) }, c->state, x->nwatchers);
    }
}

void
akti_ctx_watch_hook(akt_ctx *ctx, unsigned slot)
{
    akt_cell *c = ctx->cell;
    cell_ext(c)->watch_slot = (uint8_t)slot;
    c->flags |= CELL_F_WATCH_HOOK;
}

void
akti_unwatch_future(akt_ref target, akt_future *f)
{
    if (target.cell_ == NULL || f == NULL
        || target.cell_->kind != AKTI_CELL_ACTOR) {
        return;
    }
    akti_future_retain(f); /* dropped by handle_sys */
    akti_send_sys(target.cell_, target.uid_, SYS_UNWATCH, NULL, 0, AKT_OK, f);
}

akt_err
akt_ctx_unwatch(akt_ctx *ctx, akt_ref target)
{
    if (ctx == NULL || target.cell_ == NULL
        || target.cell_->kind != AKTI_CELL_ACTOR) {
        return AKT_EINVAL;
    }
    akt_cell *c = ctx->cell;
    akti_cell_ext *x = c->ext;
    akti_watch_ent *e = x ? akti_watch_ent_find(x->watching, x->nwatching,
                            target.cell_, target.uid_, NULL)
                          : NULL;
    if (e == NULL) {
        return AKT_ENOENT;
    }
    akti_watch_ent_del(x->watching, &x->nwatching, e);
    akti_send_sys(
        target.cell_, target.uid_, SYS_UNWATCH, c, cell_uid(c), AKT_OK, NULL);
    return AKT_OK;
}

akt_err
akt_unwatch_future(akt_ref target, akt_future *f)
{
    if (target.cell_ == NULL || f == NULL
        || target.cell_->kind != AKTI_CELL_ACTOR) {
        return AKT_EINVAL;
    }
    akti_unwatch_future(target, f);
    return AKT_OK;
}

akt_err
akt_watch_future(akt_ref target, akt_future **out)
{
    if (target.cell_ == NULL || out == NULL
        || target.cell_->kind != AKTI_CELL_ACTOR) {
        return AKT_EINVAL;
    }
    akt_system *sys = target.cell_->sys;
    akt_future *f;
    akt_err rc = akti_future_new(sys, &f);
    if (rc != AKT_OK) {
        return rc;
    }
    /* the WATCH holds the future's pending reference */
    akti_send_sys(target.cell_, target.uid_, SYS_WATCH, NULL, 0, AKT_OK, f);
    *out = f;
    return AKT_OK;
}

/* Terminated for a watcher: queued as a user message so it keeps its place
 * among the watcher's messages; delivered only if still watching. */
void
akti_death_notice(akt_cell *c, akt_cell *dead, uint64_t dead_uid)
{
    akti_cell_ext *x = c->ext;
    akti_watch_ent *e = x
        ? akti_watch_ent_find(x->watching, x->nwatching, dead, dead_uid, NULL)
        : NULL;
    if (e == NULL || e->pending) {
        return;
    }
    e->pending = 1;
    akt_Terminated *t = akt_msg_new(&akt_terminated_type, 0);
    if (t == NULL) {
        abort();
    }
    t->actor = (akt_ref) { dead, dead_uid };
    akti_msg *m = akti_msg_hdr(t);
    m->flags |= AKTI_MSG_TERMINATED;
    m->sender = t->actor;
    m->target_uid = cell_uid(c);
    /* bypass bounds: a Terminated is never dropped */
    akti_mq_push_unbounded(c, m);
}
