/*
 * watch.c -- death watch: akt_ctx_watch / akt_ctx_unwatch from inside an
 * actor, akt_watch_future / akt_unwatch_future from outside (a promise
 * cell is the watcher), the watch lists of a cell and the Terminated a
 * watcher gets (akti_death_notice). The WATCH / UNWATCH system messages
 * are handled in actor.c's handle_sys, on the target's thread.
 *
 * A watch allocates, when it is made, everything its end needs: the
 * watcher keeps the Terminated it will queue and the UNWATCH it will send
 * (at akt_ctx_unwatch, or when it stops first); the watched actor keeps
 * the WATCH message and sends it back as the DEATH. So only making a
 * watch can fail (AKT_ENOMEM to its caller); a death, an unwatch or a
 * stop never allocates and never loses a notice. A watched actor whose
 * watchers array cannot grow keeps the WATCH messages themselves in a
 * list (x->wspill), linked through them.
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

bool
akti_watch_ent_add(
    akti_watch_ent **v, uint32_t *n, uint32_t *cap, akti_watch_ent e)
{
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 2;
        akti_watch_ent *nv = realloc(*v, nc * sizeof(*nv));
        if (nv == NULL) {
            return false;
        }
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = e;
    return true;
}

void
akti_watch_ent_del(akti_watch_ent *v, uint32_t *n, akti_watch_ent *e)
{
    *e = v[--*n];
}

static bool
wspill_has(akti_cell_ext *x, akt_cell *c, uint64_t uid)
{
    for (akti_msg *m = x->wspill; m;
         m = atomic_load_explicit(&m->next, memory_order_relaxed)) {
        akti_sysmsg *s = akti_msg_body(m);
        if (s->from == c && s->from_uid == uid && s->fut == NULL) {
            return true;
        }
    }
    return false;
}

akti_msg *
akti_wspill_take(akti_cell_ext *x, akt_cell *c, uint64_t uid, akt_future *f)
{
    for (akti_msg **pp = &x->wspill; *pp;
         pp = (akti_msg **)(void *)&(*pp)->next) {
        akti_msg *m = *pp;
        akti_sysmsg *s = akti_msg_body(m);
        if (s->from == c && s->from_uid == uid && s->fut == f) {
            *pp = atomic_load_explicit(&m->next, memory_order_relaxed);
            x->nwspill--;
            return m;
        }
    }
    return NULL;
}

bool
akti_watchers_add(akt_cell *c, akti_msg *m)
{
    akti_cell_ext *x = cell_ext(c);
    akti_sysmsg *s = akti_msg_body(m);
    if (s->fut == NULL
        && (akti_watch_ent_find(
                x->watchers, x->nwatchers, s->from, s->from_uid, NULL)
            || wspill_has(x, s->from, s->from_uid))) {
        return false; /* watched already */
    }
    if (akti_watch_ent_add(&x->watchers, &x->nwatchers, &x->capwatchers,
            (akti_watch_ent) {
                s->from, s->from_uid, s->fut, 0, s->notice, m })) {
        s->notice = NULL; /* the entry has it */
    } else {
        /* out of memory: the message is the entry */
        atomic_store_explicit(&m->next, x->wspill, memory_order_relaxed);
        x->wspill = m;
        x->nwspill++;
    }
    akti_watchers_changed(c, x);
    return true;
}

/* the end of one watch of c (incarnation uid, now dead): a watcher actor
 * gets its WATCH message back as DEATH, a watch future completes with
 * its Terminated */
static void
watcher_end(akt_cell *c, uint64_t uid, akt_cell *w, uint64_t wuid,
    akt_future *fut, akt_Terminated *t, akti_msg *m)
{
    if (fut) {
        t->actor = (akt_ref) { c, uid };
        akti_msg_hdr(t)->flags |= AKTI_MSG_TERMINATED;
        akt_ref fr = akti_future_ref(fut);
        /* completing drops the pending reference the WATCH held */
        if (!akti_future_complete(fr.cell_, fr.uid_, AKT_OK, t)) {
            akt_msg_free(t);
        }
        akti_sys_msg_free(c->sys, m);
    } else {
        akti_sys_msg_post(w, wuid, m, SYS_DEATH, c, uid, AKT_OK, NULL);
    }
}

void
akti_watch_notify(akt_cell *c, uint64_t uid)
{
    akti_cell_ext *x = c->ext;
    if (x == NULL) {
        return;
    }
    for (uint32_t i = 0; i < x->nwatchers; i++) {
        akti_watch_ent *w = &x->watchers[i];
        watcher_end(c, uid, w->cell, w->uid, w->fut, w->notice, w->sysm);
    }
    x->nwatchers = 0;
    akti_msg *m = x->wspill;
    while (m) {
        akti_msg *n = atomic_load_explicit(&m->next, memory_order_relaxed);
        akti_sysmsg *s = akti_msg_body(m);
        akt_Terminated *t = s->notice;
        s->notice = NULL;
        watcher_end(c, uid, s->from, s->from_uid, s->fut, t, m);
        m = n;
    }
    x->wspill = NULL;
    x->nwspill = 0;
    /* release what c watches: the UNWATCH each watch kept */
    for (uint32_t i = 0; i < x->nwatching; i++) {
        akti_watch_ent *w = &x->watching[i];
        akt_msg_free(w->notice);
        akti_sys_msg_post(
            w->cell, w->uid, w->sysm, SYS_UNWATCH, c, uid, AKT_OK, NULL);
    }
    x->nwatching = 0;
}

void
akti_watch_lists_free(akt_system *sys, akti_cell_ext *x)
{
    for (uint32_t i = 0; i < x->nwatchers; i++) {
        akt_msg_free(x->watchers[i].notice);
        akti_sys_msg_free(sys, x->watchers[i].sysm);
    }
    for (uint32_t i = 0; i < x->nwatching; i++) {
        akt_msg_free(x->watching[i].notice);
        akti_sys_msg_free(sys, x->watching[i].sysm);
    }
    akti_msg *m = x->wspill;
    while (m) {
        akti_msg *n = atomic_load_explicit(&m->next, memory_order_relaxed);
        akt_msg_free(((akti_sysmsg *)akti_msg_body(m))->notice);
        akti_sys_msg_free(sys, m);
        m = n;
    }
    x->nwatchers = x->nwatching = x->nwspill = 0;
    x->wspill = NULL;
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
    /* the WATCH (it comes back as the DEATH), the UNWATCH and the
     * Terminated of this watch, made now: its end cannot fail */
    akt_system *sys = c->sys;
    akti_msg *wm = akti_sys_msg_new(sys, false);
    akti_msg *bye = akti_sys_msg_new(sys, false);
    akt_Terminated *t = akt_msg_new(&akt_terminated_type, 0);
    if (wm == NULL || bye == NULL || t == NULL
        || !akti_watch_ent_add(&x->watching, &x->nwatching, &x->capwatching,
            (akti_watch_ent) { target.cell_, target.uid_, NULL, 0, t, bye })) {
        if (wm) {
            akti_sys_msg_free(sys, wm);
        }
        if (bye) {
            akti_sys_msg_free(sys, bye);
        }
        akt_msg_free(t);
        return AKT_ENOMEM;
    }
    akti_sys_msg_post(
        target.cell_, target.uid_, wm, SYS_WATCH, c, cell_uid(c), AKT_OK, NULL);
    return AKT_OK;
}

/* a cell marked by akti_ctx_watch_hook: tell its extension the new count
 * (ordinary actors: one flag test) */
void
akti_watchers_changed(akt_cell *c, akti_cell_ext *x)
{
    if (c->flags & CELL_F_WATCH_HOOK) {
        akti_system_ext_watchers(c->sys, x->watch_slot,
            (akt_ref) { c, cell_uid(c) }, c->state, x->nwatchers + x->nwspill);
    }
}

void
akti_ctx_watch_hook(akt_ctx *ctx, unsigned slot)
{
    akt_cell *c = ctx->cell;
    cell_ext(c)->watch_slot = (uint8_t)slot;
    c->flags |= CELL_F_WATCH_HOOK;
}

/* send UNWATCH(f) to target; with `reserve` (no caller to report to) the
 * message may come from the reserve */
static akt_err
unwatch_future(akt_ref target, akt_future *f, bool reserve)
{
    akti_msg *m = akti_sys_msg_new(target.cell_->sys, reserve);
    if (m == NULL) {
        if (reserve) {
            abort(); /* the allocator and the reserve are out */
        }
        return AKT_ENOMEM;
    }
    akti_future_retain(f); /* dropped by handle_sys */
    akti_sys_msg_post(
        target.cell_, target.uid_, m, SYS_UNWATCH, NULL, 0, AKT_OK, f);
    return AKT_OK;
}

void
akti_unwatch_future(akt_ref target, akt_future *f)
{
    if (target.cell_ == NULL || f == NULL
        || target.cell_->kind != AKTI_CELL_ACTOR) {
        return;
    }
    unwatch_future(target, f, true);
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
    /* the UNWATCH this watch kept; a Terminated already queued (pending)
     * is dropped when it comes, the entry being gone */
    akti_msg *bye = e->sysm;
    akt_msg_free(e->notice);
    akti_watch_ent_del(x->watching, &x->nwatching, e);
    akti_sys_msg_post(target.cell_, target.uid_, bye, SYS_UNWATCH, c,
        cell_uid(c), AKT_OK, NULL);
    return AKT_OK;
}

akt_err
akt_unwatch_future(akt_ref target, akt_future *f)
{
    if (target.cell_ == NULL || f == NULL
        || target.cell_->kind != AKTI_CELL_ACTOR) {
        return AKT_EINVAL;
    }
    return unwatch_future(target, f, false);
}

akt_err
akt_watch_future(akt_ref target, akt_future **out)
{
    if (target.cell_ == NULL || out == NULL
        || target.cell_->kind != AKTI_CELL_ACTOR) {
        return AKT_EINVAL;
    }
    akt_system *sys = target.cell_->sys;
    /* the WATCH and the Terminated that completes f, made now */
    akti_msg *wm = akti_sys_msg_new(sys, false);
    akt_Terminated *t = akt_msg_new(&akt_terminated_type, 0);
    akt_future *f = NULL;
    akt_err rc = wm && t ? akti_future_new(sys, &f) : AKT_ENOMEM;
    if (rc != AKT_OK) {
        if (wm) {
            akti_sys_msg_free(sys, wm);
        }
        akt_msg_free(t);
        return rc;
    }
    /* the WATCH holds the future's pending reference */
    ((akti_sysmsg *)akti_msg_body(wm))->notice = t;
    akti_sys_msg_post(
        target.cell_, target.uid_, wm, SYS_WATCH, NULL, 0, AKT_OK, f);
    *out = f;
    return AKT_OK;
}

/* Terminated for a watcher: queued as a user message so it keeps its place
 * among the watcher's messages; delivered only if still watching. The
 * message is the one the watch made (no allocation here). */
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
    akt_Terminated *t = e->notice;
    e->notice = NULL;
    t->actor = (akt_ref) { dead, dead_uid };
    akti_msg *m = akti_msg_hdr(t);
    m->flags |= AKTI_MSG_TERMINATED;
    m->sender = t->actor;
    m->target_uid = cell_uid(c);
    /* bypass bounds: a Terminated is never dropped */
    akti_mq_push_unbounded(c, m);
}
