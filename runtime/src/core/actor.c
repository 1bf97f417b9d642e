/*
 * actor.c -- what happens inside a cell: spawning, sending, the run loop
 * (system messages first, then up to `throughput` user messages), the
 * lifecycle (pre_start .. post_stop, restarts), stop / poison pill / kill,
 * the handler context and become/unbecome. Supervision (what a parent does
 * when a child fails) is in supervision.c, death watch in watch.c; what
 * the three share is actor_impl.h.
 *
 * Everything here that touches a cell's consumer side runs on the thread
 * that holds the cell's `sched` flag; other cells are only reached through
 * messages (akti_send_sys, akt_tell). The exception is the children list of
 * a guardian, which akt_spawn from outside changes under sys->names_mu.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/events.h"
#include "core/actor_impl.h"

akti_cell_ext *
akti_cell_ext_get(akt_cell *c)
{
    return cell_ext(c);
}

akt_cell *
akti_ctx_cell(const akt_ctx *ctx)
{
    return ctx->cell;
}

akti_msg *
akti_ctx_msg(const akt_ctx *ctx)
{
    return ctx->cur;
}

static void
ctx_init(akt_ctx *ctx, akt_cell *c, akti_msg *m)
{
    ctx->cell = c;
    ctx->cur = m;
    ctx->sender = m ? m->sender : AKT_REF_NONE;
    ctx->body = m ? akti_msg_body(m) : NULL;
    ctx->fail_code = AKT_OK;
    ctx->hook = HOOK_NONE;
    ctx->reason[0] = '\0';
}

/* --- system messages --------------------------------------------------- */

void
akti_sys_msg_post(akt_cell *to, uint64_t to_uid, akti_msg *m, int kind,
    akt_cell *from, uint64_t from_uid, akt_err reason, akt_future *fut)
{
    akti_sysmsg *s = akti_msg_body(m);
    s->kind = kind;
    s->from = from;
    s->from_uid = from_uid;
    s->reason = reason;
    s->fut = fut;
    m->flags |= AKTI_MSG_SYS;
    m->target_uid = to_uid;
    akti_sys_push(to, m);
    akti_schedule(to);
}

void
akti_send_sys(akt_cell *to, uint64_t to_uid, int kind, akt_cell *from,
    uint64_t from_uid, akt_err reason, akt_future *fut)
{
    akti_msg *m = akti_sys_msg_new(to->sys, true);
    if (m == NULL) {
        /* the allocator and the reserve are both out: a lost system
         * message would break supervision (docs/runtime.md, Out of memory) */
        abort();
    }
    akti_sys_msg_post(to, to_uid, m, kind, from, from_uid, reason, fut);
}

akt_err
akti_try_send_sys(akt_cell *to, uint64_t to_uid, int kind, akt_cell *from,
    uint64_t from_uid, akt_err reason, akt_future *fut)
{
    akti_msg *m = akti_sys_msg_new(to->sys, false);
    if (m == NULL) {
        return AKT_ENOMEM;
    }
    akti_sys_msg_post(to, to_uid, m, kind, from, from_uid, reason, fut);
    return AKT_OK;
}

/* --- sending ------------------------------------------------------------ */

static akt_err
tell_cell(akt_cell *c, uint64_t uid, akti_msg *m, akt_ref sender)
{
    akt_system *sys = c->sys;
    bool nowait = false;
    if (__builtin_expect((m->flags & AKTI_MSG_NOWAIT) != 0, 0)) {
        nowait = true;
        m->flags &= (uint8_t)~AKTI_MSG_NOWAIT;
    }
    if (c->kind == AKTI_CELL_PROMISE) {
        akti_credit_consumed(sys, m); /* a reply is taken at once */
        void *body = akti_msg_body(m);
        if (m->flags & AKTI_MSG_ENVELOPE) {
            /* the promise keeps the inner message, not the envelope */
            akti_envelope *e = body;
            void *inner = e->inner;
            e->inner = NULL;
            akt_msg_free(body);
            body = inner;
            m = akti_msg_hdr(inner);
        }
        if (m->type != NULL && m->type->id == akt_status_type.id
            && ((akt_Status *)body)->code != AKT_OK) {
            /* an error reply that came as a message (from another node):
             * the asker's future fails with its code and text */
            const akt_Status *st = body;
            if (akti_future_fail_text(
                    c, uid, (akt_err)st->code, st->text.ptr, st->text.len)) {
                akt_msg_free(body);
                return AKT_OK;
            }
        }
        if (!akti_future_complete(c, uid, AKT_OK, body)) {
            akti_dead_letter(sys, (akt_ref) { c, uid }, m, AKT_ESTOPPED);
        }
        return AKT_OK;
    }
    if (atomic_load_explicit(&c->uid, memory_order_acquire) != uid) {
        m->sender = sender;
        m->target_uid = uid;
        akti_dead_letter(sys, (akt_ref) { c, uid }, m, AKT_ESTOPPED);
        return AKT_OK;
    }
    m->sender = sender;
    m->target_uid = uid;
    akti_turn_sends++;
    akti_dispatcher *d = __atomic_load_n(&c->disp, __ATOMIC_RELAXED);
    if (__builtin_expect(d->ops->arriving != NULL, 0)) {
        d->ops->arriving(d, c, m);
    }
    akt_err rc = akti_mq_push(c, m, nowait);
    if (rc != AKT_OK) {
        return rc;
    }
    akti_schedule(c);
    return AKT_OK;
}

/* A message someone else also holds cannot be linked into a queue (the
 * link is in its header); it travels in a small envelope that holds one
 * reference, so a broadcast still shares one message. */
static akti_msg *
wrap_if_shared(void *msg, bool *wrapped)
{
    akti_msg *m = akti_msg_hdr(msg);
    *wrapped = false;
    if (atomic_load_explicit(&m->refs, memory_order_acquire) == 1) {
        return m;
    }
    akti_envelope *e = akt_msg_new(&akti_envelope_type, 0);
    if (e == NULL) {
        return NULL;
    }
    e->inner = msg;
    akti_msg *em = akti_msg_hdr(e);
    em->flags |= AKTI_MSG_ENVELOPE;
    *wrapped = true;
    return em;
}

akt_err
akt_tell(akt_ref to, void *msg, akt_ref sender)
{
    if (msg == NULL || to.cell_ == NULL) {
        return AKT_EINVAL;
    }
    akt_cell *c = to.cell_;
    if (atomic_load_explicit(&c->sys->terminated, memory_order_acquire)) {
        return AKT_ECLOSED;
    }
    bool wrapped;
    akti_msg *m = wrap_if_shared(msg, &wrapped);
    if (m == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = tell_cell(c, to.uid_, m, sender);
    if (rc != AKT_OK && wrapped) {
        /* give the caller its reference back, drop the envelope */
        ((akti_envelope *)akti_msg_body(m))->inner = NULL;
        akt_msg_free(akti_msg_body(m));
    }
    return rc;
}

akt_err
akti_tell_nowait(akt_ref to, void *msg, akt_ref sender)
{
    /* a shared message travels in an envelope (wrap_if_shared) that the
     * flag would not reach: only an unshared one can ask not to wait */
    if (msg != NULL
        && atomic_load_explicit(&akti_msg_hdr(msg)->refs, memory_order_acquire)
            == 1) {
        akti_msg_hdr(msg)->flags |= AKTI_MSG_NOWAIT;
    }
    akt_err rc = akt_tell(to, msg, sender);
    if (rc != AKT_OK && msg != NULL) {
        akti_msg_hdr(msg)->flags &= (uint8_t)~AKTI_MSG_NOWAIT; /* ours */
    }
    return rc;
}

size_t
akti_tell_batch_nowait(akt_ref to, void *const *msgs, const akt_ref *senders,
    size_t n, akt_err *rc)
{
    *rc = AKT_OK;
    akt_cell *c = to.cell_;
    if (n < 2 || c == NULL || c->kind != AKTI_CELL_ACTOR) {
        goto one_by_one;
    }
    if (atomic_load_explicit(&c->sys->terminated, memory_order_acquire)) {
        *rc = AKT_ECLOSED;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (msgs[i] == NULL
            || atomic_load_explicit(
                   &akti_msg_hdr(msgs[i])->refs, memory_order_acquire)
                != 1) {
            goto one_by_one; /* shared: each travels in an envelope */
        }
    }
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_acquire);
    if (x != NULL
        && atomic_load_explicit(&x->kind, memory_order_acquire)
            == AKT_MAILBOX_BOUNDED) {
        goto one_by_one; /* each message meets the bound */
    }
    if (atomic_load_explicit(&c->uid, memory_order_acquire) != to.uid_) {
        for (size_t i = 0; i < n; i++) {
            akti_msg *m = akti_msg_hdr(msgs[i]);
            m->sender = senders[i];
            m->target_uid = to.uid_;
            akti_dead_letter(c->sys, to, m, AKT_ESTOPPED);
        }
        return n;
    }
    akti_dispatcher *d = __atomic_load_n(&c->disp, __ATOMIC_RELAXED);
    akti_msg *first = akti_msg_hdr(msgs[0]), *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        akti_msg *m = akti_msg_hdr(msgs[i]);
        m->sender = senders[i];
        m->target_uid = to.uid_;
        if (__builtin_expect(d->ops->arriving != NULL, 0)) {
            d->ops->arriving(d, c, m); /* as tell_cell: before the push */
        }
        if (prev != NULL) {
            atomic_store_explicit(&prev->next, m, memory_order_relaxed);
        }
        prev = m;
    }
    if (!akti_mq_push_chain(c, first, prev)) {
        /* the mailbox became bounded since the check (a new incarnation:
         * these are its predecessor's, dead letters there) */
        goto one_by_one;
    }
    akti_turn_sends += (uint32_t)n;
    akti_schedule(c);
    return n;
one_by_one:
    for (size_t i = 0; i < n; i++) {
        akt_err e = akti_tell_nowait(to, msgs[i], senders[i]);
        if (e != AKT_OK) {
            *rc = e;
            return i;
        }
    }
    return n;
}

akt_err
akti_tell_control(akt_ref to, void *msg, akt_ref sender)
{
    akti_control_enter();
    akt_err rc = akt_tell(to, msg, sender);
    akti_control_leave();
    return rc;
}

akt_err
akti_ask_nowait(akt_ref to, void *msg, int64_t timeout_ns, akt_future **out)
{
    if (msg != NULL
        && atomic_load_explicit(&akti_msg_hdr(msg)->refs, memory_order_acquire)
            == 1) {
        akti_msg_hdr(msg)->flags |= AKTI_MSG_NOWAIT;
    }
    akt_err rc = akt_ask(to, msg, timeout_ns, out);
    if (rc != AKT_OK && msg != NULL) {
        akti_msg_hdr(msg)->flags &= (uint8_t)~AKTI_MSG_NOWAIT;
    }
    return rc;
}

/* --- spawning ------------------------------------------------------------ */

static bool
name_ok(const char *n)
{
    if (*n == '\0' || *n == '$') {
        return false;
    }
    size_t len = 0;
    for (const char *p = n; *p; p++, len++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'
                || ch == '.' || ch == '~' || ch == '+' || ch == ':' || ch == '@'
                || ch == '=')) {
            return false;
        }
    }
    return len <= 255;
}

/* Give back a cell we allocated (holding sched) but never published. */
static void
spawn_abort(akt_system *sys, akt_cell *c)
{
    c->life = LIFE_NONE;
    akti_cell_set_disp(c, sys->pool);
    akti_cell_free(c);
    atomic_store_explicit(&c->sched, 0, memory_order_seq_cst);
    if (atomic_load(&c->sys_in) != NULL
        || atomic_load(&c->mq_in) != CELL_STUB(c)) {
        akti_schedule(c);
    }
}

akt_err
akti_spawn(akt_system *sys, akt_cell *parent, const akt_props *props,
    const char *name, uint8_t extra_flags, akt_ref *out)
{
    if (props == NULL || props->behavior == NULL || out == NULL
        || (props->behavior->nhandlers > 0
            && props->behavior->handlers == NULL)) {
        return AKT_EINVAL;
    }
    if (name != NULL && !name_ok(name)) {
        return AKT_EINVAL;
    }
    if (atomic_load_explicit(&sys->terminating, memory_order_acquire)
        && parent != NULL && parent != sys->root) {
        return AKT_ECLOSED;
    }
    akt_err rc = AKT_OK;
    akti_props_rec *rec = akti_props_intern(sys, props, &rc);
    if (rec == NULL) {
        return rc;
    }
    akt_cell *c = akti_cell_alloc(sys, rec->slab_class);
    if (c == NULL) {
        return AKT_ENOMEM;
    }
    /* we hold c->sched: the consumer side is ours */
    c->name = NULL;
    if (name != NULL) {
        c->name = strdup(name);
        if (c->name == NULL) {
            spawn_abort(sys, c);
            return AKT_ENOMEM;
        }
        if ((rc = akti_names_add(sys, parent, c->name, c)) != AKT_OK) {
            free(c->name);
            c->name = NULL;
            spawn_abort(sys, c);
            return rc;
        }
    }
    c->life = LIFE_CREATED;
    c->flags = extra_flags;
    akti_cell_set_disp(c, rec->disp);
    if ((rc = akti_mbox_ext_create(
             c, rec->has_mbox ? &rec->mbox : NULL, &sys->set))
        != AKT_OK) {
        goto fail_named;
    }
    size_t inline_room
        = sys->slabs[rec->slab_class].cell_size - sizeof(akt_cell);
    if (props->state_size == 0) {
        c->state = NULL;
    } else if (props->state_size <= inline_room) {
        c->state = (char *)c + sizeof(akt_cell);
        c->flags |= CELL_F_STATE_INLINE;
    } else {
        c->state = malloc(props->state_size);
        if (c->state == NULL) {
            rc = AKT_ENOMEM;
            goto fail_named;
        }
    }
    if (c->state) {
        memset(c->state, 0, props->state_size);
    }
    c->beh = props->behavior;
    c->beh_arg = props->behavior_arg;
    c->props = rec;
    c->init_arg = props->init_arg;
    c->parent = parent;
    c->first_child = NULL;
    c->nchildren = 0;
    if (c->ext) {
        /* kept from an earlier incarnation: reset, keep the arrays */
        akti_cell_ext *x = c->ext;
        x->nwatchers = x->nwatching = x->nstack = 0;
        x->restarts_in_window = 0;
        x->window_start = 0;
        x->backoff_n = 0;
        x->started_at = 0;
        x->fail_reason = AKT_OK;
        x->failed_msg = NULL;
        x->reason_text[0] = '\0';
        x->start_failed = false;
        x->restart_reason = AKT_OK;
    }
    if (rec->disp->ops->attach) {
        if ((rc = rec->disp->ops->attach(rec->disp, c)) != AKT_OK) {
            if (!(c->flags & CELL_F_STATE_INLINE)) {
                free(c->state);
            }
            goto fail_named;
        }
    }
    /* the uid goes first: a parent that stops its children reads it */
    uint64_t uid
        = atomic_fetch_add_explicit(&sys->next_uid, 1, memory_order_relaxed);
    atomic_store_explicit(&c->uid, uid, memory_order_release);
    if (parent) {
        children_lock(parent);
        /* a guardian stops its children once (terminate): checked under
         * the lock its stop takes, so a racing akt_spawn either is among
         * the children it stops or sees the system closed */
        if (is_guardian(parent) && parent != sys->root
            && atomic_load_explicit(&sys->terminating, memory_order_acquire)) {
            children_unlock(parent);
            atomic_store_explicit(&c->uid, 0, memory_order_release);
            akti_dispatcher *d = c->disp;
            if (d->ops->detach) {
                akti_cell_set_disp(c, sys->pool);
                d->ops->detach(d, c);
            }
            if (c->state && !(c->flags & CELL_F_STATE_INLINE)) {
                free(c->state);
            }
            c->state = NULL;
            rc = AKT_ECLOSED;
            goto fail_named;
        }
        c->link_flags = 0;
        if (parent->first_child == NULL) {
            parent->first_child = c;
            c->sib_next = c->sib_prev = c;
        } else {
            akt_cell *f = parent->first_child, *l = f->sib_prev;
            c->sib_prev = l;
            c->sib_next = f;
            l->sib_next = c;
            f->sib_prev = c;
        }
        parent->nchildren++;
        children_unlock(parent);
    }
    atomic_fetch_add_explicit(&sys->live_actors, 1, memory_order_relaxed);
    *out = (akt_ref) { c, uid };
    c->disp->ops->schedule(c->disp, c);
    return AKT_OK;

fail_named:
    if (c->name) {
        akti_names_del(sys, parent, c->name);
        free(c->name);
        c->name = NULL;
    }
    spawn_abort(sys, c);
    return rc;
}

akt_err
akt_spawn(
    akt_system *sys, const akt_props *props, const char *name, akt_ref *out)
{
    if (sys == NULL) {
        return AKT_EINVAL;
    }
    if (atomic_load_explicit(&sys->terminating, memory_order_acquire)) {
        return AKT_ECLOSED;
    }
    return akti_spawn(sys, sys->user, props, name, 0, out);
}

akt_err
akt_system_spawn_system(
    akt_system *sys, const akt_props *props, const char *name, akt_ref *out)
{
    if (sys == NULL) {
        return AKT_EINVAL;
    }
    if (atomic_load_explicit(&sys->terminating, memory_order_acquire)) {
        return AKT_ECLOSED;
    }
    return akti_spawn(sys, sys->system_g, props, name, 0, out);
}

akt_err
akt_ctx_spawn(
    akt_ctx *ctx, const akt_props *props, const char *name, akt_ref *out)
{
    if (ctx == NULL) {
        return AKT_EINVAL;
    }
    akt_cell *c = ctx->cell;
    if (c->life == LIFE_STOPPING || c->life == LIFE_DEAD) {
        return AKT_ECLOSED;
    }
    return akti_spawn(c->sys, c, props, name, 0, out);
}

/* --- lifecycle ---------------------------------------------------------- */

static akt_err
run_start(akt_cell *c, bool restart, akt_err reason)
{
    const akt_props *p = &c->props->props;
    akt_ctx ctx;
    ctx_init(&ctx, c, NULL);
    akt_err rc = AKT_OK;
    if (p->state_init) {
        rc = p->state_init(c->state, c->init_arg);
    }
    if (rc == AKT_OK && p->lifecycle && p->lifecycle->init) {
        rc = p->lifecycle->init(c->state, &ctx, c->init_arg);
    }
    if (rc == AKT_OK && p->lifecycle) {
        if (restart && p->lifecycle->post_restart) {
            ctx.hook = HOOK_POST_RESTART;
            rc = p->lifecycle->post_restart(c->state, &ctx, reason);
        } else if (p->lifecycle->pre_start) {
            /* a first start, or a restart's default post_restart */
            rc = p->lifecycle->pre_start(c->state, &ctx);
        }
    }
    if (c->ext) {
        c->ext->started_at = akti_wheel_now(c->sys->wheel);
    }
    if (rc != AKT_OK) {
        /* the reason the supervisor's log line gives (supervision.c) */
        memcpy(cell_ext(c)->reason_text, ctx.reason, sizeof(ctx.reason));
    }
    return rc;
}

static void
state_reset(akt_cell *c)
{
    const akt_props *p = &c->props->props;
    if (p->state_fini && c->state) {
        p->state_fini(c->state);
    }
    if (c->state) {
        memset(c->state, 0, p->state_size);
    }
}

/* child_walk pick of a stop: every child, marked LINK_F_STOPPING */
static bool
pick_to_stop(akt_cell *k, void *arg)
{
    (void)arg;
    k->link_flags |= LINK_F_STOPPING;
    return true;
}

/* the survivors of a restart: not asked to stop, and linked before the
 * fresh incarnation started (up to `last`) */
typedef struct survivor_walk {
    akt_cell *last;
    bool past;
} survivor_walk;

static bool
pick_old_survivor(akt_cell *k, void *arg)
{
    survivor_walk *sw = arg;
    if (sw->past) {
        return false;
    }
    sw->past = k == sw->last;
    return !(k->link_flags & LINK_F_STOPPING);
}

/* A stop's TERMINATEs do not drain the reserve (out of memory): past
 * the allocator, a TERMINATE comes from the reserve only while that holds
 * more than half its size, or when none of c's TERMINATEs is in flight
 * (so c always has one child whose CHILD_STOPPED will come back). The
 * others are owed (LINK_F_TERM_OWED) and paid, as messages come back,
 * after each system message c handles (pay_owed). So the children keep
 * the reserve's other half for their CHILD_STOPPED, and a parent of any
 * number of children stops with a reserve of any size. */
static akti_msg *
terminate_msg(akt_cell *c, bool none_in_flight)
{
    akt_system *sys = c->sys;
    return akti_sys_msg_new_above(
        sys, none_in_flight ? 0 : sys->set.reserve_msgs / 2);
}

static void
owe_terminate(akt_cell *c, akt_cell *ch)
{
    children_lock(c);
    if (ch->parent == c && ch->sib_next != NULL) {
        ch->link_flags |= LINK_F_TERM_OWED;
        c->flags |= CELL_F_TERM_OWED;
    }
    children_unlock(c);
}

bool
akti_terminate_child(akt_cell *c, akt_ref ch, bool none_in_flight)
{
    akti_msg *m = terminate_msg(c, none_in_flight);
    if (m == NULL) {
        owe_terminate(c, ch.cell_);
        return false;
    }
    akti_sys_msg_post(
        ch.cell_, ch.uid_, m, SYS_TERMINATE, c, cell_uid(c), AKT_OK, NULL);
    return true;
}

/* A RESTART directive to a sibling of the failed child. Past the
 * allocator it takes the reserve above half; else, if none of c's
 * SYS_RESTART_KICKs is out, the reserve's last (as a KICK, which the
 * child sends back: a message for the next payment); else it is owed
 * (LINK_F_RESTART_OWED, reason in c's ext) and paid, always as a KICK,
 * as those come back (pay_owed). While c owes, every RESTART is a KICK. */
bool
akti_restart_child_or_owe(
    akt_cell *c, akt_ref ch, akt_err reason, bool none_in_flight)
{
    (void)none_in_flight; /* restarts count their kicks instead */
    bool kick = (c->flags & CELL_F_TERM_OWED) != 0;
    akti_msg *m = terminate_msg(c, false);
    if (m == NULL && (c->ext == NULL || c->ext->kicks_out == 0)) {
        m = terminate_msg(c, true);
        kick = true;
    }
    if (m == NULL) {
        cell_ext(c)->owed_reason = reason;
        children_lock(c);
        if (ch.cell_->parent == c && ch.cell_->sib_next != NULL) {
            ch.cell_->link_flags |= LINK_F_RESTART_OWED;
            c->flags |= CELL_F_TERM_OWED;
        }
        children_unlock(c);
        return false;
    }
    if (kick) {
        cell_ext(c)->kicks_out++;
    }
    akti_sys_msg_post(ch.cell_, ch.uid_, m,
        kick ? SYS_RESTART_KICK : SYS_RESTART, c, cell_uid(c), reason, NULL);
    return true;
}

/* Send TERMINATE to every child (or owe it); how many were asked. */
static size_t
stop_children(akt_cell *c)
{
    akt_ref v[CHILD_CHUNK];
    child_walk w = { 0 };
    size_t total = 0, sent = 0;
    while (!w.done) {
        size_t n = child_walk_step(c, &w, pick_to_stop, NULL, v);
        for (size_t i = 0; i < n; i++) {
            sent += akti_terminate_child(c, v[i], sent == 0);
        }
        total += n;
    }
    if (total > 0 && sent == 0) {
        /* the allocator and the reserve are both out, and nothing of
         * ours is in flight to bring a message back (docs/runtime.md,
         * Out of memory) */
        abort();
    }
    return total;
}

/* pay_owed's walk: the owed children; counts those asked and not owed */
typedef struct owed_walk {
    size_t in_flight;
} owed_walk;

static bool
pick_owed(akt_cell *k, void *arg)
{
    owed_walk *ow = arg;
    if (k->link_flags & (LINK_F_TERM_OWED | LINK_F_RESTART_OWED)) {
        return true;
    }
    if (k->link_flags & LINK_F_STOPPING) {
        ow->in_flight++;
    }
    return false;
}

/* whether anything c sent will bring a message back to it: a child asked
 * to stop (its CHILD_STOPPED) or a SYS_RESTART_KICK out */
static bool
owed_in_flight(akt_cell *c, const owed_walk *ow)
{
    return ow->in_flight > 0 || (c->ext && c->ext->kicks_out > 0);
}

/* Send what c's stop owes, as far as messages can be had (a system
 * message c handled has just come back); c->flags' CELL_F_TERM_OWED. */
static void
pay_owed(akt_cell *c)
{
    owed_walk ow = { 0 };
    akt_ref v[CHILD_CHUNK];
    child_walk w = { 0 };
    bool left = false;
    while (!w.done) {
        size_t n = child_walk_step(c, &w, pick_owed, &ow, v);
        for (size_t i = 0; i < n; i++) {
            akt_cell *k = v[i].cell_;
            children_lock(c);
            uint8_t lf = k->link_flags;
            bool term = (lf & LINK_F_TERM_OWED) != 0;
            if (!term && (lf & LINK_F_STOPPING)) {
                /* a restart owed to a child being stopped: dropped */
                k->link_flags &= (uint8_t)~LINK_F_RESTART_OWED;
            }
            children_unlock(c);
            if (!term && (lf & LINK_F_STOPPING)) {
                continue;
            }
            akti_msg *m
                = left ? NULL : terminate_msg(c, !owed_in_flight(c, &ow));
            if (m == NULL) {
                left = true;
                continue;
            }
            children_lock(c);
            k->link_flags
                &= (uint8_t) ~(LINK_F_TERM_OWED | LINK_F_RESTART_OWED);
            children_unlock(c);
            if (term) {
                akti_sys_msg_post(k, v[i].uid_, m, SYS_TERMINATE, c,
                    cell_uid(c), AKT_OK, NULL);
                ow.in_flight++;
            } else {
                akti_cell_ext *x = cell_ext(c);
                x->kicks_out++;
                akti_sys_msg_post(k, v[i].uid_, m, SYS_RESTART_KICK, c,
                    cell_uid(c), x->owed_reason, NULL);
            }
        }
    }
    if (!left) {
        c->flags &= (uint8_t)~CELL_F_TERM_OWED;
    } else if (!owed_in_flight(c, &ow)) {
        abort(); /* as in stop_children: nothing will come back */
    }
}

void
akti_owed_check(akt_cell *c)
{
    if (!(c->flags & CELL_F_TERM_OWED)) {
        return;
    }
    owed_walk ow = { 0 };
    akt_ref v[CHILD_CHUNK];
    child_walk w = { 0 };
    while (!w.done) {
        child_walk_step(c, &w, pick_owed, &ow, v);
    }
    if (!owed_in_flight(c, &ow)) {
        /* the allocator and the reserve are out, and nothing of c's is in
         * flight to bring a message back (docs/runtime.md, Out of
         * memory) */
        abort();
    }
}

/* whether a child c asked to stop has not stopped yet */
static bool
children_stopping(akt_cell *c)
{
    bool any = false;
    children_lock(c);
    akt_cell *f = c->first_child, *ch = f;
    if (f) {
        do {
            if (ch->link_flags & LINK_F_STOPPING) {
                any = true;
                break;
            }
            ch = ch->sib_next;
        } while (ch != f);
    }
    children_unlock(c);
    return any;
}

/* the restart's second half, when no child it stopped is left; an actor
 * restarted only because a sibling failed (all-for-one) may have no
 * extension, and needs none here */
static void
finish_restart(akt_cell *c, akt_err reason)
{
    akti_cell_ext *x = c->ext;
    state_reset(c);
    c->beh = c->props->props.behavior;
    c->beh_arg = c->props->props.behavior_arg;
    if (x) {
        x->nstack = 0;
        if (x->failed_msg) {
            akt_msg_free(akti_msg_body(x->failed_msg));
            x->failed_msg = NULL;
        }
    }
    c->life = LIFE_RUNNING;
    if (c->flags & CELL_F_KIT) {
        c->sys->plugin->cell_restarted(c); /* timers die, stash back */
    }
    /* the children pre_restart kept: those linked before the fresh
     * incarnation spawns its own (Akka's survivors); the walk stops at
     * the first child the new incarnation spawned */
    akt_cell *last = NULL;
    children_lock(c);
    if (c->first_child) {
        last = c->first_child->sib_prev;
    }
    children_unlock(c);
    akt_err rc = run_start(c, true, reason);
    if (rc != AKT_OK) {
        akti_cell_fail(c, rc, NULL);
        return;
    }
    /* (also an incarnation restarted after its first start failed) */
    c->flags |= CELL_F_STARTED;
    if (x) {
        x->start_failed = false;
    }
    /* the survivors restart too, after their parent is up again */
    akt_ref v[CHILD_CHUNK];
    survivor_walk sw = { last, last == NULL };
    child_walk w = { 0 };
    while (!w.done && !sw.past) {
        size_t n = child_walk_step(c, &w, pick_old_survivor, &sw, v);
        for (size_t i = 0; i < n; i++) {
            akti_send_sys(v[i].cell_, v[i].uid_, SYS_RESTART, c, cell_uid(c),
                reason, NULL);
        }
    }
}

/* the default pre_restart (akt_lifecycle.pre_restart NULL) */
static void
default_pre_restart(akt_cell *c, akt_ctx *ctx)
{
    const akt_lifecycle *lc = c->props->props.lifecycle;
    ctx->hook = HOOK_NONE;
    stop_children(c);
    if (lc && lc->post_stop) {
        lc->post_stop(c->state, ctx);
    }
}

static void
do_restart(akt_cell *c, akt_err reason)
{
    if (c->life != LIFE_SUSPENDED && c->life != LIFE_RUNNING) {
        return;
    }
    akti_cell_ext *x = c->ext; /* none: restarted for a sibling */
    const akt_lifecycle *lc = c->props->props.lifecycle;
    akt_ctx ctx;
    ctx_init(&ctx, c, NULL);
    const void *failed
        = x && x->failed_msg ? akti_msg_body(x->failed_msg) : NULL;
    if (!(c->flags & CELL_F_STARTED)) {
        /* its first start failed: no hook runs on an incarnation that
         * never started (as post_stop does not at a stop); the children
         * its pre_start made stop */
        stop_children(c);
    } else if (lc && lc->pre_restart) {
        ctx.hook = HOOK_PRE_RESTART;
        lc->pre_restart(c->state, &ctx, reason, failed);
    } else {
        default_pre_restart(c, &ctx);
    }
    /* wait only for the children asked to stop: one that pre_restart kept
     * would never report, and is restarted after us instead */
    if (children_stopping(c)) {
        cell_ext(c)->restart_reason = reason;
        c->life = LIFE_RESTARTING;
        return;
    }
    finish_restart(c, reason);
}

static void
finish_stop(akt_cell *c)
{
    akt_system *sys = c->sys;
    const akt_props *p = &c->props->props;
    akt_ctx ctx;
    ctx_init(&ctx, c, NULL);
    if (p->lifecycle && p->lifecycle->post_stop
        && (c->flags & CELL_F_STARTED)) {
        p->lifecycle->post_stop(c->state, &ctx);
    }
    if (p->state_fini && c->state) {
        p->state_fini(c->state);
    }
    if (c->state && !(c->flags & CELL_F_STATE_INLINE)) {
        free(c->state);
    }
    c->state = NULL;
    if (c->flags & CELL_F_KIT) {
        c->sys->plugin->cell_stopped(c); /* timers die, stash: dead letters */
        c->flags &= (uint8_t)~CELL_F_KIT;
    }
    uint64_t uid = cell_uid(c);
    /* from here every send to the old uid is a dead letter at once */
    atomic_store_explicit(&c->uid, 0, memory_order_release);
    atomic_fetch_sub_explicit(&sys->live_actors, 1, memory_order_relaxed);
    /* the name is free before any watcher hears of the stop: one that
     * spawns the name again when its Terminated comes gets it */
    if (c->name && c->parent) {
        akti_names_del(sys, c->parent, c->name);
    }
    akti_watch_notify(c, uid); /* watchers hear, watches released */
    akti_cell_ext *x = c->ext;
    if (x) {
        if (x->failed_msg) {
            akt_msg_free(akti_msg_body(x->failed_msg));
            x->failed_msg = NULL;
        }
        if (x->backoff_timer.armed && sys->wheel) {
            akti_timer_cancel(sys->wheel, &x->backoff_timer);
        }
    }
    c->life = LIFE_DEAD;
    /* a pinned actor's thread exits; later stale sends drain on the pool */
    akti_dispatcher *d = c->disp;
    if (d->ops->detach) {
        akti_cell_set_disp(c, sys->pool);
        d->ops->detach(d, c);
    }
    if (c->parent) {
        akti_send_sys(c->parent, cell_uid(c->parent), SYS_CHILD_STOPPED, c, uid,
            AKT_OK, NULL);
    } else {
        akti_system_guardian_stopped(sys, c);
    }
}

void
akti_begin_stop(akt_cell *c)
{
    if (c->life == LIFE_STOPPING || c->life == LIFE_DEAD
        || c->life == LIFE_NONE) {
        return;
    }
    c->life = LIFE_STOPPING;
    if (stop_children(c) > 0) {
        return; /* finish when the last CHILD_STOPPED arrives */
    }
    finish_stop(c);
}

/* --- the run loop -------------------------------------------------------- */

/* Unlink ch from c's children; false when it was not linked (a stale
 * notice). *left: children remaining. */
static bool
unlink_child(akt_cell *c, akt_cell *ch, uint32_t *left)
{
    bool was = false;
    children_lock(c);
    if (ch->parent == c && ch->sib_next != NULL) {
        if (ch->sib_next == ch) {
            c->first_child = NULL;
        } else {
            ch->sib_prev->sib_next = ch->sib_next;
            ch->sib_next->sib_prev = ch->sib_prev;
            if (c->first_child == ch) {
                c->first_child = ch->sib_next;
            }
        }
        ch->sib_next = ch->sib_prev = NULL;
        c->nchildren--;
        was = true;
    }
    *left = c->nchildren;
    children_unlock(c);
    return was;
}

/* handle one system message; true when m was kept or sent on (a WATCH
 * kept for the DEATH), false when the caller frees it */
static bool
handle_sys(akt_cell *c, akti_msg *m)
{
    akti_sysmsg *s = akti_msg_body(m);
    uint64_t uid = cell_uid(c);
    bool live = uid != 0 && m->target_uid == uid && c->life != LIFE_DEAD;
    if (!live) {
        /* to an incarnation that is gone */
        if (s->kind == SYS_WATCH) {
            if (s->fut) {
                /* the Terminated the watch made */
                akt_Terminated *t = s->notice;
                s->notice = NULL;
                t->actor = (akt_ref) { c, m->target_uid };
                akti_msg_hdr(t)->flags |= AKTI_MSG_TERMINATED;
                akt_ref fr = akti_future_ref(s->fut);
                if (!akti_future_complete(fr.cell_, fr.uid_, AKT_OK, t)) {
                    akt_msg_free(t);
                }
            } else {
                /* the WATCH goes back as the DEATH */
                akti_sys_msg_post(s->from, s->from_uid, m, SYS_DEATH, c,
                    m->target_uid, AKT_OK, NULL);
                return true;
            }
        } else if (s->kind == SYS_UNWATCH && s->fut) {
            akti_future_drop(s->fut); /* akti_unwatch_future's */
        } else if (s->kind == SYS_RESTART_KICK) {
            /* back to the parent all the same: it counts on it */
            akti_sys_msg_post(s->from, s->from_uid, m, SYS_KICK, c,
                m->target_uid, AKT_OK, NULL);
            return true;
        }
        return false;
    }
    switch (s->kind) {
    case SYS_TERMINATE:
    case SYS_SUPERVISE_STOP:
        akti_begin_stop(c);
        break;
    case SYS_KILL:
        if (c->life == LIFE_RUNNING) {
            snprintf(cell_ext(c)->reason_text, sizeof(c->ext->reason_text),
                "killed");
            akti_cell_fail(c, AKT_ECANCELED, NULL);
        }
        break;
    case SYS_FAILED: {
        akt_cell *ch = akti_find_child(c, s->from, s->from_uid);
        if (ch && c->life != LIFE_STOPPING) {
            akti_supervise(c, ch, s->reason);
        }
        break;
    }
    case SYS_RESUME:
        if (c->life == LIFE_SUSPENDED) {
            c->life = LIFE_RUNNING;
            if (c->ext && c->ext->failed_msg) {
                akt_msg_free(akti_msg_body(c->ext->failed_msg));
                c->ext->failed_msg = NULL;
            }
        }
        break;
    case SYS_RESTART:
        do_restart(c, s->reason);
        break;
    case SYS_RESTART_KICK: {
        akt_cell *parent = s->from;
        uint64_t parent_uid = s->from_uid;
        do_restart(c, s->reason);
        /* the message goes back: the parent pays what it owes */
        akti_sys_msg_post(
            parent, parent_uid, m, SYS_KICK, c, uid, AKT_OK, NULL);
        return true;
    }
    case SYS_KICK:
        if (c->ext && c->ext->kicks_out > 0) {
            c->ext->kicks_out--;
        }
        break;
    case SYS_CHILD_STOPPED: {
        akt_cell *ch = s->from;
        uint32_t left = 1;
        if (unlink_child(c, ch, &left) && !is_guardian(ch)) {
            /* guardians' cells stay: sys->user and sys->system_g point
             * at them until akt_system_free. Under names_mu, so that
             * akt_ref_path never reads a freed name or a recycled cell. */
            void (*init_fini)(const void *) = ch->props->props.init_fini;
            const void *init_arg = ch->init_arg;
            pthread_mutex_lock(&c->sys->names_mu);
            free(ch->name);
            ch->name = NULL;
            akti_cell_free(ch);
            pthread_mutex_unlock(&c->sys->names_mu);
            if (init_fini != NULL) {
                init_fini(init_arg); /* the actor is gone for good */
            }
        }
        if (left == 0 && c->life == LIFE_STOPPING) {
            finish_stop(c);
        } else if (c->life == LIFE_RESTARTING && !children_stopping(c)) {
            finish_restart(c, c->ext->restart_reason);
        }
        break;
    }
    case SYS_WATCH:
        /* kept until the death (or the unwatch) */
        return akti_watchers_add(c, m);
    case SYS_UNWATCH: {
        akti_cell_ext *x = c->ext;
        akti_watch_ent *e = x ? akti_watch_ent_find(x->watchers, x->nwatchers,
                                s->from, s->from_uid, s->fut)
                              : NULL;
        akti_msg *spilled = x && e == NULL
            ? akti_wspill_take(x, s->from, s->from_uid, s->fut)
            : NULL;
        if (e || spilled) {
            /* the WATCH kept for the DEATH, and a future's Terminated */
            if (e) {
                akt_msg_free(e->notice);
                akti_sys_msg_free(c->sys, e->sysm);
                akti_watch_ent_del(x->watchers, &x->nwatchers, e);
            } else {
                akt_msg_free(((akti_sysmsg *)akti_msg_body(spilled))->notice);
                akti_sys_msg_free(c->sys, spilled);
            }
            if (s->fut) {
                /* akti_unwatch_future: completing drops the WATCH's
                 * pending reference */
                akt_ref fr = akti_future_ref(s->fut);
                akti_future_complete(fr.cell_, fr.uid_, AKT_ECANCELED, NULL);
            }
            akti_watchers_changed(c, x);
        }
        if (s->fut) {
            akti_future_drop(s->fut); /* akti_unwatch_future's */
        }
        break;
    }
    case SYS_DEATH:
        akti_death_notice(c, s->from, s->from_uid);
        break;
    default:
        break;
    }
    return false;
}

static void
process_sys(akt_cell *c)
{
    akti_msg *l;
    while ((l = akti_sys_take(c)) != NULL) {
        while (l) {
            akti_msg *n = atomic_load_explicit(&l->next, memory_order_relaxed);
            if (!handle_sys(c, l)) {
                akti_sys_msg_free(c->sys, l);
            }
            if (__builtin_expect((c->flags & CELL_F_TERM_OWED) != 0, 0)) {
                pay_owed(c);
            }
            l = n;
        }
    }
}

static akt_handler_fn
find_handler(const akt_behavior *b, const akt_type *t)
{
    const akt_handler *h = b->handlers;
    for (size_t i = 0; i < b->nhandlers; i++) {
        if (h[i].type == t) {
            return h[i].fn;
        }
    }
    for (size_t i = 0; i < b->nhandlers; i++) {
        if (h[i].type && h[i].type->id == t->id) {
            return h[i].fn;
        }
    }
    return NULL;
}

static void
deliver(akt_cell *c, akti_msg *m)
{
    akti_msg *inner = m;
    if (m->flags & AKTI_MSG_ENVELOPE) {
        inner = akti_msg_hdr(((akti_envelope *)akti_msg_body(m))->inner);
    }
    if ((c->flags & CELL_F_KIT)
        && (inner = c->sys->plugin->deliver(c, inner)) == NULL) {
        return; /* a cancelled timer's message, a receive-timeout reset */
    }
    if (inner->flags & AKTI_MSG_POISON) {
        akti_begin_stop(c);
        return;
    }
    if (inner->flags & AKTI_MSG_TERMINATED) {
        akt_Terminated *t = akti_msg_body(inner);
        akti_cell_ext *x = c->ext;
        akti_watch_ent *e = x ? akti_watch_ent_find(x->watching, x->nwatching,
                                t->actor.cell_, t->actor.uid_, NULL)
                              : NULL;
        if (e == NULL || !e->pending) {
            return; /* unwatched meanwhile */
        }
        /* the watch ends here: its UNWATCH is not needed */
        akti_sys_msg_free(c->sys, e->sysm);
        akti_watch_ent_del(x->watching, &x->nwatching, e);
    }
    akt_ctx ctx;
    ctx.cell = c;
    ctx.cur = inner;
    ctx.sender = m->sender;
    ctx.body = akti_msg_body(inner);
    ctx.fail_code = AKT_OK;
    ctx.hook = HOOK_NONE;
    ctx.reason[0] = '\0';
    akt_handler_fn fn = find_handler(c->beh, inner->type);
    if (fn == NULL) {
        fn = c->beh->unhandled;
    }
    if (fn == NULL) {
        akti_dead_letter(c->sys, self_ref(c),
            akti_msg_hdr(akt_msg_retain(ctx.body)), AKT_EUNHANDLED);
        return;
    }
    akt_err rc = fn(c->state, &ctx, ctx.body);
    if (rc != AKT_OK) {
        /* an ask whose handler failed without answering completes now
         * with the failure's code instead of running into its timeout (as
         * Erlang's gen_server:call fails when the server crashes); an
         * answer given before the failure stands */
        if (ctx.sender.cell_ && ctx.sender.cell_->kind == AKTI_CELL_PROMISE) {
            akti_future_fail_text(ctx.sender.cell_, ctx.sender.uid_, rc,
                ctx.reason, strlen(ctx.reason));
        }
        /* the reason first: the supervisor logs it (supervision.c) once
         * it got the failure akti_cell_fail sends */
        memcpy(cell_ext(c)->reason_text, ctx.reason, sizeof(ctx.reason));
        akti_cell_fail(c, rc, inner);
    }
    if (c->flags & CELL_F_TERMINATE_REQ) {
        c->flags &= (uint8_t)~CELL_F_TERMINATE_REQ;
        if (c->life == LIFE_SUSPENDED) {
            c->life = LIFE_RUNNING; /* stop wins over the failure */
        }
        akti_begin_stop(c);
    }
}

#define CREDIT_GROUP 16

static bool
user_ok(uint8_t life)
{
    return life == LIFE_RUNNING || life == LIFE_DEAD || life == LIFE_NONE;
}

void
akti_cell_run(akt_cell *c, int throughput)
{
    akt_system *sys = c->sys;
    /* start first: an actor stopped at once still runs pre_start and
     * post_stop, in that order (Akka's Create comes before anything) */
    if (c->life == LIFE_CREATED) {
        c->life = LIFE_RUNNING;
        akt_err rc = run_start(c, false, AKT_OK);
        if (rc != AKT_OK) {
            /* a failing first start is a failure its supervisor handles
             * (Akka's ActorInitializationException): the default strategy
             * stops the actor, a decider may restart it or escalate */
            cell_ext(c)->start_failed = true;
            akti_cell_fail(c, rc, NULL);
        } else {
            c->flags |= CELL_F_STARTED;
        }
    }
    process_sys(c);
    int n = 0;
    bool more = false;
    /* remote messages' credit (ext.h) is counted a group at a time: up to
     * CREDIT_GROUP consecutive ones of a slot, released when the group is
     * full, when the next message is of another slot or of none, or when
     * the run ends: a message counts consumed at the latest when
     * CREDIT_GROUP - 1 more of its slot were taken after it, a message of
     * no or another slot is taken, or its run ends */
    uint16_t cid = 0;
    uint64_t ck = 0, cfp = 0;
    while (c->life == LIFE_RUNNING) {
        if (n >= throughput) {
            more = true;
            break;
        }
        if (atomic_load_explicit(&c->sys_in, memory_order_relaxed) != NULL) {
            process_sys(c);
            if (c->life != LIFE_RUNNING) {
                break;
            }
        }
        akti_msg *m = (c->flags & CELL_F_KIT) ? c->sys->plugin->pop(c) : NULL;
        if (m == NULL && (m = akti_mq_pop_uncounted(c)) == NULL) {
            break;
        }
        if (__builtin_expect(m->credit != 0, 0)) {
            if (m->credit != cid || ck == CREDIT_GROUP) {
                akti_credit_release_n(sys, cid, ck, cfp);
                cid = m->credit;
                ck = 0;
                cfp = 0;
            }
            ck++;
            cfp += akti_msg_footprint(akti_msg_body(m));
            m->credit = 0;
        } else if (ck != 0) {
            /* a message of no slot ends the group: a run that goes on with
             * local messages (a dispatcher without a throughput bound: the
             * calling thread, pinned) must not hold the peer's credit */
            akti_credit_release_n(sys, cid, ck, cfp);
            ck = 0;
            cfp = 0;
        }
        n++;
        if (m->target_uid != cell_uid(c)) {
            akti_dead_letter(
                sys, (akt_ref) { c, m->target_uid }, m, AKT_ESTOPPED);
            continue;
        }
        deliver(c, m);
        akt_msg_free(akti_msg_body(m));
    }
    if (ck != 0) {
        akti_credit_release_n(sys, cid, ck, cfp);
    }
    if (c->life == LIFE_DEAD || c->life == LIFE_NONE) {
        /* an incarnation whose start failed (and that its supervisor then
         * stopped) never took what was queued to it: its asks fail with
         * the start's reason, which the cell keeps until its slot is taken
         * again (not before this run ends: akti_cell_alloc wins `sched`) */
        char why[AKTI_REASON_MAX + 48];
        why[0] = '\0';
        akti_cell_ext *x = c->ext;
        if (x && x->start_failed && c->life == LIFE_DEAD) {
            snprintf(why, sizeof why, "the actor stopped: its start failed%s%s",
                x->reason_text[0] ? ": " : "", x->reason_text);
        }
        akti_msg *m;
        while ((m = akti_mq_pop(c)) != NULL) {
            akti_dead_letter_why(
                sys, (akt_ref) { c, m->target_uid }, m, AKT_ESTOPPED, why);
        }
    }
    akti_dispatcher *d = c->disp;
    if (more) {
        (d->ops->yield ? d->ops->yield : d->ops->schedule)(d, c);
        return;
    }
    uint8_t life = c->life;
    /* consumer-private leftovers (priority heap, control lists) */
    akti_mbox_ext *x = atomic_load_explicit(&c->mbx, memory_order_relaxed);
    if (x && user_ok(life)
        && (x->heap_len > 0 || x->spill_head != NULL || x->ctl_head != NULL
            || x->norm_head != NULL)) {
        d->ops->schedule(d, c);
        return;
    }
    /* read while the consumer side is still ours: a message whose
     * producer has not linked it yet (mailbox.c, akti_mq_stalled) */
    bool stalled = akti_mq_stalled(c);
    AKTI_PREEMPT();
    atomic_store_explicit(&c->sched, 0, memory_order_seq_cst);
    AKTI_PREEMPT();
    /* re-check: a producer that pushed after our last pop but saw sched=1
     * relies on us */
    bool work = atomic_load_explicit(&c->sys_in, memory_order_seq_cst) != NULL;
    if (!work && user_ok(life)) {
        work = stalled
            || atomic_load_explicit(&c->mq_in, memory_order_seq_cst)
                != CELL_STUB(c);
        if (!work && x
            && atomic_load_explicit(&x->kind, memory_order_acquire)
                == AKT_MAILBOX_BOUNDED) {
            work = atomic_load_explicit(&x->flen, memory_order_seq_cst) > 0;
        }
    }
    if (work) {
        akti_schedule(c);
    }
}

/* --- stop / poison / kill ------------------------------------------------ */

static akt_err
ref_check(akt_ref ref)
{
    if (ref.cell_ == NULL || ref.cell_->kind != AKTI_CELL_ACTOR) {
        return AKT_EINVAL;
    }
    if (atomic_load_explicit(
            &ref.cell_->sys->terminated, memory_order_acquire)) {
        return AKT_ECLOSED;
    }
    if (atomic_load_explicit(&ref.cell_->uid, memory_order_acquire)
        != ref.uid_) {
        return AKT_ESTOPPED;
    }
    return AKT_OK;
}

akt_err
akt_stop(akt_ref ref)
{
    akt_err rc = ref_check(ref);
    if (rc == AKT_OK) {
        rc = akti_try_send_sys(
            ref.cell_, ref.uid_, SYS_TERMINATE, NULL, 0, AKT_OK, NULL);
    }
    return rc;
}

akt_err
akt_kill(akt_ref ref)
{
    akt_err rc = ref_check(ref);
    if (rc == AKT_OK) {
        rc = akti_try_send_sys(
            ref.cell_, ref.uid_, SYS_KILL, NULL, 0, AKT_OK, NULL);
    }
    return rc;
}

akt_err
akt_poison_pill(akt_ref ref)
{
    akt_err rc = ref_check(ref);
    if (rc != AKT_OK) {
        return rc;
    }
    void *p = akt_msg_new(&akti_poison_type, 0);
    if (p == NULL) {
        return AKT_ENOMEM;
    }
    akti_msg_hdr(p)->flags |= AKTI_MSG_POISON;
    rc = akt_tell(ref, p, AKT_REF_NONE);
    if (rc != AKT_OK) {
        akt_msg_free(p);
    }
    return rc;
}

akt_err
akt_ctx_stop(akt_ctx *ctx, akt_ref who)
{
    if (ctx == NULL || who.cell_ == NULL) {
        return AKT_EINVAL;
    }
    akt_cell *c = ctx->cell;
    if (who.cell_ == c) {
        if (who.uid_ != cell_uid(c)) {
            return AKT_ESTOPPED;
        }
        c->flags |= CELL_F_TERMINATE_REQ;
        return AKT_OK;
    }
    if (who.cell_->kind != AKTI_CELL_ACTOR) {
        return AKT_EINVAL;
    }
    /* made first: a child marked stopping must get its TERMINATE */
    akti_msg *m = akti_sys_msg_new(c->sys, false);
    if (m == NULL) {
        return AKT_ENOMEM;
    }
    bool mine = false;
    children_lock(c);
    if (who.cell_->parent == c && who.cell_->sib_next != NULL
        && cell_uid(who.cell_) == who.uid_) {
        who.cell_->link_flags |= LINK_F_STOPPING;
        mine = true;
    }
    children_unlock(c);
    if (!mine) {
        akti_sys_msg_free(c->sys, m);
        return AKT_EINVAL; /* only self or a child */
    }
    akti_sys_msg_post(
        who.cell_, who.uid_, m, SYS_TERMINATE, c, cell_uid(c), AKT_OK, NULL);
    return AKT_OK;
}

/* --- context accessors ------------------------------------------------- */

akt_ref
akt_ctx_self(const akt_ctx *ctx)
{
    return ctx ? self_ref(ctx->cell) : AKT_REF_NONE;
}

akt_ref
akt_ctx_sender(const akt_ctx *ctx)
{
    return ctx ? ctx->sender : AKT_REF_NONE;
}

akt_ref
akt_ctx_parent(const akt_ctx *ctx)
{
    if (ctx == NULL || ctx->cell->parent == NULL) {
        return AKT_REF_NONE;
    }
    return self_ref(ctx->cell->parent);
}

akt_system *
akt_ctx_system(const akt_ctx *ctx)
{
    return ctx ? ctx->cell->sys : NULL;
}

const void *
akt_ctx_behavior_arg(const akt_ctx *ctx)
{
    return ctx ? ctx->cell->beh_arg : NULL;
}

akt_err
akt_reply(akt_ctx *ctx, void *msg)
{
    if (ctx == NULL || msg == NULL) {
        return AKT_EINVAL;
    }
    if (akt_ref_is_none(ctx->sender)) {
        /* told, not asked: nobody to answer. Consume the caller's
         * reference, as a send would; no dead letter (akt_reply_error does
         * the same) */
        akt_msg_free(msg);
        return AKT_OK;
    }
    return akt_tell(ctx->sender, msg, self_ref(ctx->cell));
}

static akt_err
reply_error(akt_ctx *ctx, akt_err code, const char *text, size_t len)
{
    akt_ref to = ctx->sender;
    if (akt_ref_is_none(to)) {
        return AKT_OK;
    }
    if (to.cell_->kind == AKTI_CELL_PROMISE) {
        akti_future_fail_text(to.cell_, to.uid_, code, text, len);
        return AKT_OK;
    }
    akt_Status *st = akti_status_new(code, text, len);
    if (st == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = akt_tell(to, st, self_ref(ctx->cell));
    if (rc != AKT_OK) {
        akt_msg_free(st);
    }
    return rc;
}

akt_err
akt_reply_error(akt_ctx *ctx, akt_err code)
{
    if (ctx == NULL || code == AKT_OK) {
        return AKT_EINVAL;
    }
    return reply_error(ctx, code, NULL, 0);
}

akt_err
akt_reply_error_text(akt_ctx *ctx, akt_err code, const char *fmt, ...)
{
    if (ctx == NULL || code == AKT_OK || fmt == NULL) {
        return AKT_EINVAL;
    }
    /* room for the bound plus one whole character of up to 4 bytes, so
     * vsnprintf's cut is past the clip's (which never leaves half a
     * character) */
    char text[AKT_STATUS_TEXT_MAX + 5];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len >= sizeof text) {
        len = sizeof text - 1;
    }
    return reply_error(ctx, code, text, len);
}

akt_err
akt_forward(akt_ctx *ctx, akt_ref to)
{
    if (ctx == NULL || ctx->cur == NULL) {
        return AKT_EINVAL;
    }
    void *body = akt_msg_retain(ctx->body);
    akt_err rc = akt_tell(to, body, ctx->sender);
    if (rc != AKT_OK) {
        akt_msg_free(body);
    }
    return rc;
}

akt_err
akt_forward_msg(akt_ctx *ctx, akt_ref to, const void *msg)
{
    if (ctx == NULL || msg == NULL) {
        return AKT_EINVAL;
    }
    void *m = akt_msg_retain(msg);
    akt_err rc = akt_tell(to, m, ctx->sender);
    if (rc != AKT_OK) {
        akt_msg_free(m);
    }
    return rc;
}

akt_err
akt_ctx_become(
    akt_ctx *ctx, const akt_behavior *b, const void *arg, bool discard_old)
{
    if (ctx == NULL || b == NULL || (b->nhandlers > 0 && b->handlers == NULL)) {
        return AKT_EINVAL;
    }
    akt_cell *c = ctx->cell;
    if (!discard_old) {
        akti_cell_ext *x = cell_ext(c);
        if (x->nstack == x->capstack) {
            uint32_t nc = x->capstack ? x->capstack * 2 : 4;
            akti_beh_frame *ns = realloc(x->stack, nc * sizeof(*ns));
            if (ns == NULL) {
                return AKT_ENOMEM;
            }
            x->stack = ns;
            x->capstack = nc;
        }
        x->stack[x->nstack++] = (akti_beh_frame) { c->beh, c->beh_arg };
    }
    c->beh = b;
    c->beh_arg = arg;
    return AKT_OK;
}

akt_err
akt_ctx_unbecome(akt_ctx *ctx)
{
    if (ctx == NULL) {
        return AKT_EINVAL;
    }
    akt_cell *c = ctx->cell;
    akti_cell_ext *x = c->ext;
    if (x && x->nstack > 0) {
        akti_beh_frame f = x->stack[--x->nstack];
        c->beh = f.beh;
        c->beh_arg = f.arg;
    } else {
        c->beh = c->props->props.behavior;
        c->beh_arg = c->props->props.behavior_arg;
    }
    return AKT_OK;
}

akt_err
akt_ctx_fail(akt_ctx *ctx, akt_err code, const char *fmt, ...)
{
    if (ctx != NULL && fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->reason, sizeof(ctx->reason), fmt, ap);
        va_end(ap);
    }
    if (ctx != NULL) {
        ctx->fail_code = code;
    }
    return code;
}

akt_err
akt_ctx_failure_reason(const akt_ctx *ctx, char *buf, size_t len)
{
    if (ctx == NULL || buf == NULL || len == 0) {
        return AKT_EINVAL;
    }
    akti_cell_ext *x = ctx->cell->ext;
    snprintf(buf, len, "%s", x ? x->reason_text : "");
    return AKT_OK;
}

akt_err
akt_ctx_default_pre_restart(akt_ctx *ctx)
{
    if (ctx == NULL || ctx->hook != HOOK_PRE_RESTART) {
        return AKT_EINVAL;
    }
    default_pre_restart(ctx->cell, ctx);
    return AKT_OK;
}

akt_err
akt_ctx_default_post_restart(akt_ctx *ctx)
{
    if (ctx == NULL || ctx->hook != HOOK_POST_RESTART) {
        return AKT_EINVAL;
    }
    ctx->hook = HOOK_NONE;
    const akt_lifecycle *lc = ctx->cell->props->props.lifecycle;
    if (lc && lc->pre_start) {
        return lc->pre_start(ctx->cell->state, ctx);
    }
    return AKT_OK;
}
