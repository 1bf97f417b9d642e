/*
 * actor_impl.h -- what the files of an actor's inside share: actor.c
 * (spawning, sending, lifecycle, the run loop, stop and the context),
 * supervision.c (failure, strategies, restarts with backoff) and watch.c
 * (death watch). Private to those three files; everything else in the
 * core reaches cells through core.h.
 *
 * All of it runs on the thread that holds the cell's `sched` flag, except
 * what says otherwise (a guardian's children list: children_lock).
 */
#ifndef AKTI_ACTOR_IMPL_H
#define AKTI_ACTOR_IMPL_H

#include <stdlib.h>

#include "core/core.h"

/* which lifecycle hook a context was made for: the akt_ctx_default_*
 * calls are valid only there, once */
enum { HOOK_NONE = 0, HOOK_PRE_RESTART, HOOK_POST_RESTART };

struct akt_ctx {
    akt_cell *cell;
    akti_msg *cur; /* the message being handled (envelope unwrapped) */
    akt_ref sender;
    const void *body;
    akt_err fail_code;
    uint8_t hook; /* HOOK_* */
    char reason[AKTI_REASON_MAX];
};

static inline uint64_t
cell_uid(akt_cell *c)
{
    return atomic_load_explicit(&c->uid, memory_order_relaxed);
}

static inline akt_ref
self_ref(akt_cell *c)
{
    return (akt_ref) { c, cell_uid(c) };
}

static inline akti_cell_ext *
cell_ext(akt_cell *c)
{
    if (c->ext == NULL) {
        c->ext = akti_ext_new(c->sys);
        if (c->ext == NULL) {
            /* consumer side: no caller to report to, and the reserve is
             * out too (docs/runtime.md, Out of memory) */
            abort();
        }
    }
    return c->ext;
}

static inline bool
is_guardian(akt_cell *c)
{
    akt_system *s = c->sys;
    return c == s->root || c == s->user || c == s->system_g;
}

static inline void
children_lock(akt_cell *parent)
{
    if (parent && is_guardian(parent)) {
        pthread_mutex_lock(&parent->sys->names_mu);
    }
}

static inline void
children_unlock(akt_cell *parent)
{
    if (parent && is_guardian(parent)) {
        pthread_mutex_unlock(&parent->sys->names_mu);
    }
}

/* A walk over c's children that allocates nothing, however many there
 * are: each step copies up to CHILD_CHUNK refs under the children lock,
 * and the caller sends to them after it, outside the lock (a guardian's
 * list is guarded by names_mu, and a calling-thread child runs its stop
 * inline, taking names_mu, inside our send). Between steps the list may
 * grow but not shrink: only c's own thread, the walker, unlinks a child
 * (on its CHILD_STOPPED), while akt_spawn on a guardian appends before
 * first_child; so the cursor stays linked, and a child appended during
 * the walk is visited too. */
enum { CHILD_CHUNK = 32 };

typedef struct child_walk {
    akt_cell *next; /* the next child to look at */
    bool started, done;
} child_walk;

/* child_walk_step -- the next children (at most CHILD_CHUNK) for which
 * pick(k, arg), called under the children lock, says yes, into v; 0 with
 * w->done at the end. pick may mark k's link_flags. */
static inline size_t
child_walk_step(akt_cell *c, child_walk *w, bool (*pick)(akt_cell *, void *),
    void *arg, akt_ref *v)
{
    size_t n = 0;
    children_lock(c);
    akt_cell *f = c->first_child;
    if (!w->started) {
        w->started = true;
        w->next = f;
        w->done = f == NULL;
    }
    while (!w->done && n < CHILD_CHUNK) {
        akt_cell *k = w->next;
        if (pick(k, arg)) {
            v[n++] = (akt_ref) { k, cell_uid(k) };
        }
        w->next = k->sib_next;
        w->done = w->next == f;
    }
    children_unlock(c);
    return n;
}

/* akti_terminate_child -- c (a stop, a STOP directive) sends its child ch
 * TERMINATE, or, out of memory, owes it (LINK_F_TERM_OWED: sent as
 * c's system messages come back); false when owed. none_in_flight: no
 * TERMINATE of this walk is out yet, so the reserve's last may be used */
AKTI_INTERNAL bool akti_terminate_child(
    akt_cell *c, akt_ref ch, bool none_in_flight);

/* akti_restart_child_or_owe -- c's RESTART directive (reason) to its child
 * ch, not the failed one; owed (false) when no message can be had (see
 * akti_terminate_child); none_in_flight as there */
AKTI_INTERNAL bool akti_restart_child_or_owe(
    akt_cell *c, akt_ref ch, akt_err reason, bool none_in_flight);
/* akti_owed_check -- after a directive walk: c owes and nothing of it is
 * in flight that would bring a message back: the last resort (abort) */
AKTI_INTERNAL void akti_owed_check(akt_cell *c);

/* actor.c: stop c (children first, then post_stop and the watchers) */
AKTI_INTERNAL void akti_begin_stop(akt_cell *c);

/* supervision.c */
/* akti_cell_fail -- c failed with reason while handling failed (a view,
 * retained; NULL for a kill): suspend it and tell its parent (a root
 * without one stops) */
AKTI_INTERNAL void akti_cell_fail(
    akt_cell *c, akt_err reason, akti_msg *failed);
/* akti_supervise -- c's child ch failed with reason: the strategy's
 * directive (resume, restart with backoff and limits, stop, escalate) */
AKTI_INTERNAL void akti_supervise(akt_cell *c, akt_cell *ch, akt_err reason);
/* akti_find_child -- ch if it is c's child of incarnation uid, else NULL */
AKTI_INTERNAL akt_cell *akti_find_child(
    akt_cell *c, akt_cell *ch, uint64_t uid);

/* watch.c: c's watch lists (x->watchers, x->watching) */
AKTI_INTERNAL akti_watch_ent *akti_watch_ent_find(
    akti_watch_ent *v, uint32_t n, akt_cell *c, uint64_t uid, akt_future *f);
/* akti_watch_ent_add -- false (nothing added) when v cannot grow */
AKTI_INTERNAL bool akti_watch_ent_add(
    akti_watch_ent **v, uint32_t *n, uint32_t *cap, akti_watch_ent e);
AKTI_INTERNAL void akti_watch_ent_del(
    akti_watch_ent *v, uint32_t *n, akti_watch_ent *e);
/* akti_watchers_add -- c is watched as WATCH message m says: m (and
 * its notice) now belong to c's watchers list, to be sent back as the
 * DEATH; false (m still the caller's) when that watch is there already */
AKTI_INTERNAL bool akti_watchers_add(akt_cell *c, akti_msg *m);
/* akti_wspill_take -- unlink and return the spilled WATCH of watcher
 * (c, uid, f) from x->wspill, or NULL */
AKTI_INTERNAL akti_msg *akti_wspill_take(
    akti_cell_ext *x, akt_cell *c, uint64_t uid, akt_future *f);
/* akti_watch_notify -- c (incarnation uid) stopped: every watcher hears
 * it, every watch of c's is released; no allocation */
AKTI_INTERNAL void akti_watch_notify(akt_cell *c, uint64_t uid);
/* the watcher count of a CELL_F_WATCH_HOOK cell changed: its hook runs */
AKTI_INTERNAL void akti_watchers_changed(akt_cell *c, akti_cell_ext *x);
/* akti_death_notice -- queue Terminated(dead) for watcher c, if it still
 * watches that incarnation and none is queued yet */
AKTI_INTERNAL void akti_death_notice(
    akt_cell *c, akt_cell *dead, uint64_t dead_uid);

#endif /* AKTI_ACTOR_IMPL_H */
