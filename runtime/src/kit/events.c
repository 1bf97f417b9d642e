/*
 * events.c -- the event stream (publish/subscribe by type), logging
 * through it, and dead letters / unhandled messages published there.
 *
 * Subscriptions are a small array under ev_mu; publish copies the matching
 * refs out and sends outside the lock, each one a reference to the same
 * message. Automatic unsubscription: the first subscription of an actor
 * makes the system actor /system/eventStreamUnsubscriber watch it; its
 * Terminated removes every subscription of that actor. Publishing also
 * skips (and removes) refs that went stale before the Terminated arrived.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kit/kit.h"

/* --- types
 * ------------------------------------------------------------------------ */

static void
dl_fini(void *obj)
{
    akt_msg_free((void *)((akt_DeadLetter *)obj)->message);
}

static const akt_field dl_fields[] = {
    { .name = "recipient",
        .number = 1,
        .kind = AKT_KIND_REF,
        .offset = offsetof(akt_DeadLetter, recipient),
        .has_offset = AKT_NO_OFFSET },
    { .name = "sender",
        .number = 2,
        .kind = AKT_KIND_REF,
        .offset = offsetof(akt_DeadLetter, sender),
        .has_offset = AKT_NO_OFFSET },
    { .name = "reason",
        .number = 3,
        .kind = AKT_KIND_INT32,
        .offset = offsetof(akt_DeadLetter, reason),
        .has_offset = AKT_NO_OFFSET },
};

const akt_type akt_dead_letter_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.DeadLetter",
    .id = 0x310768e4e1b115c1ull,
    .size = sizeof(akt_DeadLetter),
    .align = _Alignof(akt_DeadLetter),
    .fields = dl_fields,
    .nfields = 3,
    .fini = dl_fini,
    .doc = "A message that could not be delivered.",
};

static void
um_fini(void *obj)
{
    akt_msg_free((void *)((akt_UnhandledMessage *)obj)->message);
}

const akt_type akt_unhandled_message_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.UnhandledMessage",
    .id = 0xfd8cd74a9a5681ddull,
    .size = sizeof(akt_UnhandledMessage),
    .align = _Alignof(akt_UnhandledMessage),
    .fini = um_fini,
    .doc = "A message its recipient had no handler for.",
};

typedef struct es_watch {
    akt_ref ref;
} es_watch;

static const akt_type es_watch_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_SYSTEM,
    .name = "akt.internal.EventStreamWatch",
    .id = 0xc96ccb0191b638a3ull,
    .size = sizeof(es_watch),
    .align = _Alignof(es_watch),
};

/* --- subscriptions
 * ----------------------------------------------------------------- */

static bool
stale(akt_ref r)
{
    return atomic_load_explicit(&r.cell_->uid, memory_order_acquire) != r.uid_;
}

/* under ev_mu */
static size_t
remove_subs(kit_sys *k, akt_ref ref, const akt_type *type, bool all)
{
    size_t n = 0;
    for (size_t i = 0; i < k->nsubs;) {
        if (akt_ref_equal(k->subs[i].ref, ref)
            && (all || k->subs[i].type == type)) {
            k->subs[i] = k->subs[--k->nsubs];
            n++;
        } else {
            i++;
        }
    }
    atomic_store_explicit(&k->nsubs_pub, k->nsubs, memory_order_release);
    return n;
}

/* the unsubscriber: watches subscribers, drops their subscriptions */
static akt_err
unsub_on_watch(void *state, akt_ctx *ctx, const void *msg)
{
    const es_watch *w = msg;
    akt_err rc = akt_ctx_watch(ctx, w->ref);
    if (rc == AKT_OK || rc == AKT_EINVAL) {
        return AKT_OK;
    }
    /* no memory for the watch: nothing is delivered to a stopped
     * subscriber, as akt_events_publish drops the subscriptions of stopped
     * actors; until a publish they stay (not an unbounded leak: one entry
     * per subscription) */
    akt_ctx_log(ctx, AKT_LOG_WARNING,
        "event stream: cannot watch a subscriber (%s): its subscriptions "
        "are dropped at the first publish after it stops",
        akt_err_name(rc));
    return AKT_OK;
}

static akt_err
unsub_on_terminated(void *state, akt_ctx *ctx, const void *msg)
{
    const akt_Terminated *t = msg;
    kit_sys *k = kit_sys_of(akt_ctx_system(ctx));
    pthread_mutex_lock(&k->ev_mu);
    remove_subs(k, t->actor, NULL, true);
    pthread_mutex_unlock(&k->ev_mu);
    return AKT_OK;
}

static const akt_handler unsub_handlers[] = {
    { &es_watch_type, unsub_on_watch },
    { &akt_terminated_type, unsub_on_terminated },
};

static const akt_behavior unsub_behavior = {
    .name = "eventStreamUnsubscriber",
    .handlers = unsub_handlers,
    .nhandlers = 2,
};

static const akt_props unsub_props = { .behavior = &unsub_behavior };

akt_err
akt_events_subscribe(akt_system *sys, akt_ref subscriber, const akt_type *type)
{
    if (sys == NULL || sys->kit == NULL || akt_ref_is_none(subscriber)) {
        return AKT_EINVAL;
    }
    if (atomic_load(&sys->terminated)) {
        return AKT_ECLOSED;
    }
    kit_sys *k = kit_sys_of(sys);
    bool actor = subscriber.cell_->kind == AKTI_CELL_ACTOR;
    /* the unsubscriber's watch of an actor subscriber is asked for with
     * the subscription: one whose watch cannot be asked for is refused
     * (AKT_ENOMEM), not kept unwatched */
    es_watch *w = NULL;
    if (actor) {
        w = akt_msg_new(&es_watch_type, 0);
        if (w == NULL) {
            return AKT_ENOMEM;
        }
        w->ref = subscriber;
    }
    bool first = true;
    pthread_mutex_lock(&k->ev_mu);
    for (size_t i = 0; i < k->nsubs; i++) {
        if (akt_ref_equal(k->subs[i].ref, subscriber)) {
            first = false;
            if (k->subs[i].type == type) {
                pthread_mutex_unlock(&k->ev_mu);
                akt_msg_free(w);
                return AKT_OK;
            }
        }
    }
    if (k->nsubs == k->capsubs) {
        size_t nc = k->capsubs ? k->capsubs * 2 : 16;
        kit_sub *nv = realloc(k->subs, nc * sizeof(*nv));
        if (nv == NULL) {
            pthread_mutex_unlock(&k->ev_mu);
            akt_msg_free(w);
            return AKT_ENOMEM;
        }
        k->subs = nv;
        k->capsubs = nc;
    }
    k->subs[k->nsubs++] = (kit_sub) { subscriber, type };
    atomic_store_explicit(&k->nsubs_pub, k->nsubs, memory_order_release);
    akt_err rc = AKT_OK;
    akt_ref unsub = k->unsubscriber;
    if (first && actor && akt_ref_is_none(unsub)) {
        /* under ev_mu: one unsubscriber, however many subscribe at once */
        rc = akt_system_spawn_system(
            sys, &unsub_props, "eventStreamUnsubscriber", &unsub);
        if (rc == AKT_OK) {
            k->unsubscriber = unsub;
        }
    }
    pthread_mutex_unlock(&k->ev_mu);
    if (first && actor && rc == AKT_OK) {
        rc = akt_tell(unsub, w, AKT_REF_NONE);
        if (rc == AKT_OK) {
            w = NULL;
        }
    }
    akt_msg_free(w);
    if (rc != AKT_OK) {
        /* not watched: the subscription is taken back */
        pthread_mutex_lock(&k->ev_mu);
        remove_subs(k, subscriber, type, false);
        pthread_mutex_unlock(&k->ev_mu);
    }
    return rc;
}

akt_err
akt_events_unsubscribe(
    akt_system *sys, akt_ref subscriber, const akt_type *type)
{
    if (sys == NULL || sys->kit == NULL) {
        return AKT_EINVAL;
    }
    kit_sys *k = kit_sys_of(sys);
    pthread_mutex_lock(&k->ev_mu);
    size_t n = remove_subs(k, subscriber, type, type == NULL);
    pthread_mutex_unlock(&k->ev_mu);
    return n ? AKT_OK : AKT_ENOENT;
}

size_t
akt_events_subscriber_count(akt_system *sys, const akt_type *type)
{
    if (sys == NULL || sys->kit == NULL) {
        return 0;
    }
    kit_sys *k = kit_sys_of(sys);
    size_t n = 0;
    pthread_mutex_lock(&k->ev_mu);
    for (size_t i = 0; i < k->nsubs; i++) {
        n += k->subs[i].type == type;
    }
    pthread_mutex_unlock(&k->ev_mu);
    return n;
}

static bool
type_match(const akt_type *want, const akt_type *t)
{
    return want == NULL || want == t || (t && want->id == t->id);
}

akt_err
akt_events_publish(akt_system *sys, void *msg)
{
    if (sys == NULL || sys->kit == NULL || msg == NULL) {
        return AKT_EINVAL;
    }
    kit_sys *k = kit_sys_of(sys);
    if (atomic_load_explicit(&k->nsubs_pub, memory_order_acquire) == 0) {
        akt_msg_free(msg);
        return AKT_OK;
    }
    const akt_type *t = akt_msg_type(msg);
    akt_ref small[16];
    akt_ref *v = small;
    size_t n = 0;
    pthread_mutex_lock(&k->ev_mu);
    if (k->nsubs > 16 && (v = malloc(k->nsubs * sizeof(*v))) == NULL) {
        pthread_mutex_unlock(&k->ev_mu);
        return AKT_ENOMEM;
    }
    for (size_t i = 0; i < k->nsubs;) {
        kit_sub *s = &k->subs[i];
        if (s->ref.cell_->kind == AKTI_CELL_ACTOR && stale(s->ref)) {
            k->subs[i]
                = k->subs[--k->nsubs]; /* stopped: Terminated is on its way */
            continue;
        }
        if (type_match(s->type, t)) {
            bool dup = false; /* one delivery per subscriber */
            for (size_t j = 0; j < n && !dup; j++) {
                dup = akt_ref_equal(v[j], s->ref);
            }
            if (!dup) {
                v[n++] = s->ref;
            }
        }
        i++;
    }
    atomic_store_explicit(&k->nsubs_pub, k->nsubs, memory_order_release);
    pthread_mutex_unlock(&k->ev_mu);
    for (size_t i = 0; i < n; i++) {
        void *r = akt_msg_retain(msg);
        if (akt_tell(v[i], r, AKT_REF_NONE) != AKT_OK) {
            akt_msg_free(r);
        }
    }
    akt_msg_free(msg);
    if (v != small) {
        free(v);
    }
    return AKT_OK;
}

void
akti_events_fini(kit_sys *k)
{
    free(k->subs);
    k->subs = NULL;
    k->nsubs = k->capsubs = 0;
}

/* --- dead letters
 * --------------------------------------------------------------------- */

/* at most log-max lines, then quiet for log-suspend, then log-max again */
static bool
dl_may_log(akt_system *sys, kit_sys *k)
{
    int64_t max = sys->set.dead_letters_log_max;
    if (!sys->set.dead_letters_log) {
        return false;
    }
    if (max <= 0) {
        return true;
    }
    int64_t n
        = atomic_fetch_add_explicit(&k->dl_logged, 1, memory_order_relaxed);
    if (n < max) {
        if (n == max - 1) {
            atomic_store(&k->dl_resume_at,
                k->set.dl_log_suspend_ns > 0
                    ? akti_now_ns() + k->set.dl_log_suspend_ns
                    : INT64_MAX);
        }
        return true;
    }
    int64_t resume = atomic_load(&k->dl_resume_at);
    if (resume != 0 && akti_now_ns() >= resume
        && atomic_compare_exchange_strong(&k->dl_resume_at, &resume, 0)) {
        atomic_store(&k->dl_logged, 1);
        return true;
    }
    return false;
}

void
akti_events_dead_letter(
    akt_system *sys, akt_ref to, akti_msg *inner, akt_err reason, uint64_t n)
{
    kit_sys *k = kit_sys_of(sys);
    const void *view = akti_msg_body(inner);
    if (inner->type == &akt_dead_letter_type
        || inner->type == &akt_unhandled_message_type
        || inner->type == &akt_log_event_type) {
        return; /* an event that could not be delivered: no echo */
    }
    if (dl_may_log(sys, k)) {
        char path[256];
        if (akt_ref_is_none(to)
            || akt_ref_path(to, path, sizeof(path)) != AKT_OK) {
            snprintf(path, sizeof(path), "%s",
                akt_ref_is_none(to) ? "(no recipient)" : "(stopped actor)");
        }
        int64_t max = sys->set.dead_letters_log_max;
        akt_log(sys, AKT_LOG_WARNING, AKT_REF_NONE, "%s #%llu to %s: %s (%s)%s",
            reason == AKT_EUNHANDLED ? "unhandled message" : "dead letter",
            (unsigned long long)n, path, inner->type ? inner->type->name : "?",
            akt_err_name(reason),
            max > 0 && atomic_load(&k->dl_logged) == max
                ? "; further dead letters are not logged for a while "
                  "(akt.actor.dead-letters.log-suspend)"
                : "");
    }
    if (atomic_load_explicit(&k->nsubs_pub, memory_order_acquire) == 0) {
        return;
    }
    if (reason == AKT_EUNHANDLED) {
        akt_UnhandledMessage *u = akt_msg_new(&akt_unhandled_message_type, 0);
        if (u) {
            u->recipient = to;
            u->sender = inner->sender;
            u->message = akt_msg_retain(view);
            akt_events_publish(sys, u);
        }
    } else {
        akt_DeadLetter *d = akt_msg_new(&akt_dead_letter_type, 0);
        if (d) {
            d->recipient = to;
            d->sender = inner->sender;
            d->reason = (int32_t)reason;
            d->message = akt_msg_retain(view);
            akt_events_publish(sys, d);
        }
    }
}
