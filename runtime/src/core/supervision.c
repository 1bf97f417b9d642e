/*
 * supervision.c -- what happens when an actor fails: the failed cell is
 * suspended and its parent told (akti_cell_fail); the parent's strategy
 * (one-for-one or all-for-one, restart limits within a window, backoff
 * with jitter) decides to resume, restart, stop or escalate
 * (akti_supervise), and logs what it decided for each failure. The
 * restart itself (pre_restart, waiting for the children it stopped,
 * post_restart) is the lifecycle's, in actor.c.
 */
#include <stdio.h>
#include <string.h>

#include "core/actor_impl.h"

void
akti_cell_fail(akt_cell *c, akt_err reason, akti_msg *failed)
{
    akti_cell_ext *x = cell_ext(c);
    if (x->failed_msg) {
        akt_msg_free(akti_msg_body(x->failed_msg));
    }
    x->failed_msg
        = failed ? akti_msg_hdr(akt_msg_retain(akti_msg_body(failed))) : NULL;
    x->fail_reason = reason;
    if (c->parent == NULL) {
        akti_begin_stop(c);
        return;
    }
    c->life = LIFE_SUSPENDED;
    akti_send_sys(c->parent, cell_uid(c->parent), SYS_FAILED, c, cell_uid(c),
        reason, NULL);
}

static const akt_supervisor_strategy *
strategy_of(akt_cell *c)
{
    if (c->props->has_sup) {
        return &c->props->sup;
    }
    return &c->sys->default_strategy;
}

static void
backoff_fire(akti_timer *t, void *arg)
{
    akt_cell *ch = arg;
    akti_cell_ext *x
        = (akti_cell_ext *)((char *)t - offsetof(akti_cell_ext, backoff_timer));
    akti_send_sys(
        ch, x->backoff_uid, SYS_RESTART, NULL, 0, x->fail_reason, NULL);
}

/* Restart one child, now or after its backoff delay. */
static void
restart_child(akt_cell *c, akt_cell *ch, akt_err reason)
{
    const akt_supervisor_strategy *st = strategy_of(c);
    uint64_t uid = cell_uid(ch);
    if (st->min_backoff_ns > 0 && ch->ext && ch->ext->fail_reason != AKT_OK) {
        /* ch->ext belongs to the child's consumer side, but the child is
         * suspended and waits for our decision: only we touch it now */
        akti_cell_ext *x = ch->ext;
        int64_t now = akti_wheel_now(c->sys->wheel);
        if (st->reset_after_ns > 0 && x->started_at
            && now - x->started_at >= st->reset_after_ns) {
            x->backoff_n = 0;
        }
        int64_t maxb
            = st->max_backoff_ns > 0 ? st->max_backoff_ns : INT64_MAX / 4;
        int64_t d = st->min_backoff_ns;
        for (uint32_t i = 0; i < x->backoff_n && d < maxb; i++) {
            d *= 2;
        }
        if (d > maxb) {
            d = maxb;
        }
        if (st->random_factor > 0) {
            uint64_t r = (uint64_t)now * 6364136223846793005ull + uid;
            r ^= r >> 33;
            double j
                = ((double)(r % 10001) / 10000.0) * 2.0 - 1.0; /* [-1, 1] */
            d = (int64_t)((double)d * (1.0 + st->random_factor * j));
            if (d < 0) {
                d = 0;
            }
        }
        x->backoff_n++;
        x->backoff_uid = uid;
        x->fail_reason = reason;
        akti_timer_start(c->sys->wheel, &x->backoff_timer, d, backoff_fire, ch);
        return;
    }
    akti_send_sys(ch, uid, SYS_RESTART, c, cell_uid(c), reason, NULL);
}

static bool
restart_allowed(akt_cell *c, akt_cell *ch)
{
    const akt_supervisor_strategy *st = strategy_of(c);
    int32_t max = st->max_restarts;
    int64_t within = st->within_ns;
    if (max == 0) {
        max = c->sys->set.max_restarts; /* itself -1 for no limit */
    }
    if (within <= 0) {
        within = c->sys->set.restart_within_ns;
    }
    if (max < 0) {
        return true;
    }
    if (max == 0) {
        return false; /* config says: never */
    }
    akti_cell_ext *x = cell_ext(ch);
    int64_t now = akti_wheel_now(c->sys->wheel);
    if (x->window_start == 0 || now - x->window_start > within) {
        x->window_start = now;
        x->restarts_in_window = 0;
    }
    return ++x->restarts_in_window <= (uint32_t)max;
}

akt_cell *
akti_find_child(akt_cell *c, akt_cell *ch, uint64_t uid)
{
    akt_cell *found = NULL;
    children_lock(c);
    akt_cell *f = c->first_child, *k = f;
    if (f != NULL) {
        do {
            if (k == ch) {
                found = cell_uid(k) == uid ? k : NULL;
                break;
            }
            k = k->sib_next;
        } while (k != f);
    }
    children_unlock(c);
    return found;
}

/* One line per failure a supervisor handles, as Akka's supervisors log:
 * the child's reason (akt_ctx_fail's text) and what was decided; a resume
 * is a warning, a restart or stop an error. An escalation is logged one
 * level up, where it is handled. The child is suspended and wrote its
 * reason before it sent us the failure, so reading it here is ordered. */
static void
log_failure(akt_cell *c, akt_cell *ch, akt_ref chref, akt_err reason,
    akt_directive d, bool limit, bool start)
{
    if (d == AKT_ESCALATE) {
        return;
    }
    const char *why = ch->ext ? ch->ext->reason_text : "";
    const char *what = d == AKT_RESUME ? "resuming"
        : d == AKT_RESTART             ? "restarting"
        : limit                        ? "stopping (restart limit reached)"
                                       : "stopping";
    akt_log(c->sys, d == AKT_RESUME ? AKT_LOG_WARNING : AKT_LOG_ERROR, chref,
        "%s: %s%s(%s); %s", start ? "start failed" : "failed", why,
        *why ? " " : "", akt_err_name(reason), what);
}

/* the children a directive applies to: the failed one, all of them
 * (all-for-one), or it and those spawned after it (rest-for-one); a STOP
 * marks them LINK_F_STOPPING (child_walk_step's pick, under the lock) */
typedef struct directive_walk {
    akt_strategy_kind kind;
    akt_directive d;
    akt_cell *failed;
    bool after;
} directive_walk;

static bool
pick_directed(akt_cell *k, void *arg)
{
    directive_walk *dw = arg;
    bool take = dw->kind == AKT_ALL_FOR_ONE || k == dw->failed
        || (dw->kind == AKT_REST_FOR_ONE && dw->after);
    if (k == dw->failed) {
        dw->after = true;
    }
    if (take && dw->d == AKT_STOP) {
        k->link_flags |= LINK_F_STOPPING;
    }
    return take;
}

void
akti_supervise(akt_cell *c, akt_cell *ch, akt_err reason)
{
    const akt_supervisor_strategy *st = strategy_of(c);
    akt_ref chref = { ch, cell_uid(ch) };
    /* the child is suspended and wrote this before it sent the failure */
    bool start = ch->ext && ch->ext->start_failed;
    akt_directive d = st->decider ? st->decider(reason, chref, st->decider_arg)
        : start                   ? AKT_STOP /* Akka's default decider */
                                  : AKT_RESTART;
    if (start && d == AKT_RESUME) {
        d = AKT_RESTART; /* nothing started to resume (Akka: create anew) */
    }
    bool limit = false;
    if (d == AKT_RESTART && !restart_allowed(c, ch)) {
        d = AKT_STOP;
        limit = true;
    }
    log_failure(c, ch, chref, reason, d, limit, start);
    if (d == AKT_ESCALATE) {
        akti_cell_ext *cx = cell_ext(c);
        const char *why = ch->ext ? ch->ext->reason_text : "";
        int n = snprintf(cx->reason_text, sizeof(cx->reason_text),
            "escalated from a child%s", *why ? ": " : "");
        if (n > 0 && (size_t)n < sizeof(cx->reason_text)) {
            size_t l = strnlen(why, sizeof(cx->reason_text) - (size_t)n - 1);
            memcpy(cx->reason_text + n, why, l); /* cut to what fits */
            cx->reason_text[(size_t)n + l] = '\0';
        }
        akti_cell_fail(c, reason, NULL);
        return;
    }
    /* which children the directive applies to, a chunk at a time */
    directive_walk dw = { st->kind, d, ch, false };
    size_t stops = 0, stops_sent = 0;
    akt_ref v[CHILD_CHUNK];
    child_walk w = { 0 };
    while (!w.done) {
        size_t n = child_walk_step(c, &w, pick_directed, &dw, v);
        for (size_t i = 0; i < n; i++) {
            akt_cell *t = v[i].cell_;
            uint64_t tu = v[i].uid_;
            switch (d) {
            case AKT_RESUME:
                if (t == ch) {
                    akti_send_sys(
                        t, tu, SYS_RESUME, c, cell_uid(c), reason, NULL);
                }
                break;
            case AKT_STOP:
                /* as a stop's: owed when the reserve cannot spare it */
                stops_sent += akti_terminate_child(c, v[i], stops_sent == 0);
                stops++;
                break;
            case AKT_RESTART:
            default:
                if (t == ch) {
                    restart_child(c, t, reason);
                } else {
                    /* owed when the reserve cannot spare it */
                    akti_restart_child_or_owe(c, v[i], reason, false);
                }
                break;
            }
        }
    }
    akti_owed_check(c);
    if (stops > 0 && stops_sent == 0) {
        abort(); /* out of memory and reserve, nothing in flight: as
                    stop_children (docs/runtime.md, Out of memory) */
    }
}
