/*
 * timers.c -- per-actor keyed timers, the receive timeout, the system
 * scheduler for one-off tasks, and virtual time; all on the system's
 * timing wheel (core/timer.c).
 *
 * A keyed timer is a kit_timer entry in its actor's table. When it fires
 * (on the wheel's thread) it sends the actor a kit_tick carrying the
 * timer's message and its (key, generation); delivery (akti_kit_deliver)
 * looks the key up again, so the message of a timer cancelled or replaced
 * after it fired is dropped, never delivered. Restarting a key makes a new
 * entry and kills the old one; the wheel's reference and the table's keep
 * an entry alive until both are gone (see kit_timer in kit.h).
 */
#include <stdlib.h>
#include <string.h>

#include "kit/kit.h"

/* --- message types
 * ------------------------------------------------------------ */

static void
tick_fini(void *obj)
{
    akt_msg_free(((kit_tick *)obj)->inner);
}

const akt_type akti_kit_tick_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_SYSTEM,
    .name = "akt.internal.TimerTick",
    .id = 0x9c2c4dc5b5110728ull,
    .size = sizeof(kit_tick),
    .align = _Alignof(kit_tick),
    .fini = tick_fini,
};

static const akt_field rt_fields[] = {
    { .name = "timeout_ns",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(akt_ReceiveTimeout, timeout_ns),
        .has_offset = AKT_NO_OFFSET },
};

const akt_type akt_receive_timeout_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.ReceiveTimeout",
    .id = 0xa88fc96f9f083f67ull,
    .size = sizeof(akt_ReceiveTimeout),
    .align = _Alignof(akt_ReceiveTimeout),
    .fields = rt_fields,
    .nfields = 1,
    .doc = "Sent to an actor that received nothing for its receive timeout.",
};

/* --- keyed timers
 * --------------------------------------------------------------- */

static void
timer_unref(kit_timer *t)
{
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1) {
        akt_msg_free(t->msg);
        pthread_mutex_destroy(&t->mu);
        free(t);
    }
}

static void
timer_fire(akti_timer *wt, void *arg)
{
    kit_timer *t = arg;
    (void)wt;
    pthread_mutex_lock(&t->mu);
    if (t->dead) {
        pthread_mutex_unlock(&t->mu);
        timer_unref(t);
        return;
    }
    kit_tick *tk = akt_msg_new(&akti_kit_tick_type, 0);
    if (tk) {
        tk->key = t->key;
        tk->gen = t->gen;
        tk->inner = akt_msg_retain(t->msg);
    }
    bool again = t->interval > 0;
    if (again) {
        akti_timer_start(t->sys->wheel, &t->t, t->interval, timer_fire, t);
    }
    akt_ref to = t->to;
    pthread_mutex_unlock(&t->mu);
    if (tk && akt_tell(to, tk, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(tk);
    }
    if (!again) {
        timer_unref(t);
    }
}

/* kill: out of the table; the wheel's reference goes with the cancel or
 * with the firing that is under way */
static void
timer_kill(kit_timer *t)
{
    pthread_mutex_lock(&t->mu);
    t->dead = true;
    bool cancelled = akti_timer_cancel(t->sys->wheel, &t->t);
    pthread_mutex_unlock(&t->mu);
    if (cancelled) {
        timer_unref(t);
    }
    timer_unref(t);
}

static int
timer_find(kit_cell *k, uint64_t key)
{
    for (uint32_t i = 0; i < k->ntimers; i++) {
        if (k->timers[i]->key == key) {
            return (int)i;
        }
    }
    return -1;
}

static void
timer_remove_at(kit_cell *k, uint32_t i)
{
    kit_timer *t = k->timers[i];
    k->timers[i] = k->timers[--k->ntimers];
    timer_kill(t);
}

bool
akti_kit_timer_cancel(kit_cell *k, uint64_t key)
{
    int i = timer_find(k, key);
    if (i < 0) {
        return false;
    }
    timer_remove_at(k, (uint32_t)i);
    return true;
}

void
akti_kit_timers_clear(kit_cell *k)
{
    while (k->ntimers > 0) {
        timer_remove_at(k, k->ntimers - 1);
    }
}

akt_err
akti_kit_timer_start(akt_cell *c, kit_cell *k, uint64_t key, void *msg,
    int64_t delay, int64_t interval)
{
    if (k->ntimers == k->captimers) {
        uint32_t nc = k->captimers ? k->captimers * 2 : 4;
        kit_timer **nv = realloc(k->timers, nc * sizeof(*nv));
        if (nv == NULL) {
            return AKT_ENOMEM;
        }
        k->timers = nv;
        k->captimers = nc;
    }
    kit_timer *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return AKT_ENOMEM;
    }
    akti_kit_timer_cancel(k, key); /* restarting a key replaces it */
    pthread_mutex_init(&t->mu, NULL);
    atomic_init(&t->refs, 2); /* table + wheel */
    t->sys = c->sys;
    t->to
        = (akt_ref) { c, atomic_load_explicit(&c->uid, memory_order_relaxed) };
    t->key = key;
    t->gen = ++k->next_gen;
    t->interval = interval;
    t->msg = msg;
    k->timers[k->ntimers++] = t;
    akti_timer_start(c->sys->wheel, &t->t, delay, timer_fire, t);
    return AKT_OK;
}

static akt_err
start_rt(akt_cell *c, kit_cell *k, int64_t delay)
{
    akt_ReceiveTimeout *m = akt_msg_new(&akt_receive_timeout_type, 0);
    if (m == NULL) {
        return AKT_ENOMEM;
    }
    m->timeout_ns = k->rt_ns;
    akt_err rc
        = akti_kit_timer_start(c, k, KIT_KEY_RECEIVE_TIMEOUT, m, delay, 0);
    if (rc != AKT_OK) {
        akt_msg_free(m);
    }
    return rc;
}

akti_msg *
akti_kit_timer_deliver(akt_cell *c, kit_cell *k, akti_msg *inner)
{
    kit_tick *tk = akti_msg_body(inner);
    int i = timer_find(k, tk->key);
    if (i < 0 || k->timers[i]->gen != tk->gen) {
        return NULL; /* cancelled or replaced after it fired */
    }
    kit_timer *t = k->timers[i];
    int64_t now = akti_wheel_now(c->sys->wheel);
    if (tk->key == KIT_KEY_RECEIVE_TIMEOUT) {
        int64_t idle = now - k->rt_last;
        if (idle < k->rt_ns) {
            start_rt(c, k, k->rt_ns - idle); /* something arrived meanwhile */
            return NULL;
        }
        k->rt_last = now;
        start_rt(c, k, k->rt_ns); /* again after the next idle period */
        return akti_msg_hdr(tk->inner);
    }
    if (t->interval == 0) {
        timer_remove_at(k, (uint32_t)i); /* delivered: no longer active */
    }
    if (k->rt_ns > 0) {
        k->rt_last = now;
    }
    return akti_msg_hdr(tk->inner);
}

/* --- public: per-actor
 * ------------------------------------------------------------ */

static bool
user_key(uint64_t key)
{
    return key != KIT_KEY_RECEIVE_TIMEOUT && key != KIT_KEY_STATE_TIMEOUT;
}

akt_err
akt_timer_start_single(akt_ctx *ctx, uint64_t key, void *msg, int64_t delay_ns)
{
    if (ctx == NULL || msg == NULL || delay_ns < 0 || !user_key(key)) {
        return AKT_EINVAL;
    }
    kit_cell *k = akti_kit_cell_ctx(ctx);
    if (k == NULL) {
        return AKT_ENOMEM;
    }
    return akti_kit_timer_start(akti_ctx_cell(ctx), k, key, msg, delay_ns, 0);
}

akt_err
akt_timer_start_periodic(akt_ctx *ctx, uint64_t key, void *msg,
    int64_t initial_delay_ns, int64_t interval_ns)
{
    if (ctx == NULL || msg == NULL || initial_delay_ns < 0 || interval_ns <= 0
        || !user_key(key)) {
        return AKT_EINVAL;
    }
    kit_cell *k = akti_kit_cell_ctx(ctx);
    if (k == NULL) {
        return AKT_ENOMEM;
    }
    return akti_kit_timer_start(
        akti_ctx_cell(ctx), k, key, msg, initial_delay_ns, interval_ns);
}

bool
akt_timer_is_active(akt_ctx *ctx, uint64_t key)
{
    akt_cell *c = ctx ? akti_ctx_cell(ctx) : NULL;
    kit_cell *k = c && c->ext ? c->ext->kit : NULL;
    return k && timer_find(k, key) >= 0;
}

akt_err
akt_timer_cancel(akt_ctx *ctx, uint64_t key)
{
    akt_cell *c = ctx ? akti_ctx_cell(ctx) : NULL;
    kit_cell *k = c && c->ext ? c->ext->kit : NULL;
    if (c == NULL || !user_key(key)) {
        return AKT_EINVAL;
    }
    return k && akti_kit_timer_cancel(k, key) ? AKT_OK : AKT_ENOENT;
}

void
akt_timer_cancel_all(akt_ctx *ctx)
{
    akt_cell *c = ctx ? akti_ctx_cell(ctx) : NULL;
    kit_cell *k = c && c->ext ? c->ext->kit : NULL;
    if (k == NULL) {
        return;
    }
    for (uint32_t i = 0; i < k->ntimers;) {
        if (user_key(k->timers[i]->key)) {
            timer_remove_at(k, i);
        } else {
            i++;
        }
    }
}

akt_err
akt_ctx_set_receive_timeout(akt_ctx *ctx, int64_t timeout_ns)
{
    if (ctx == NULL || timeout_ns < 0) {
        return AKT_EINVAL;
    }
    kit_cell *k = akti_kit_cell_ctx(ctx);
    if (k == NULL) {
        return AKT_ENOMEM;
    }
    akt_cell *c = akti_ctx_cell(ctx);
    k->rt_ns = timeout_ns;
    if (timeout_ns == 0) {
        akti_kit_timer_cancel(k, KIT_KEY_RECEIVE_TIMEOUT);
        return AKT_OK;
    }
    k->rt_last = akti_wheel_now(c->sys->wheel);
    return start_rt(c, k, timeout_ns);
}

/* --- the system scheduler
 * ------------------------------------------------------------ */

struct akt_task {
    akti_timer t;
    _Atomic uint32_t refs; /* handle + armed */
    struct akt_task *next, *prev; /* kit_sys.tasks while pending */
    akt_system *sys;
    void (*fn)(void *);
    void *arg;
    void (*fini)(void *);
};

static void
task_unref(akt_task *t)
{
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1) {
        free(t);
    }
}

static void
task_link(kit_sys *k, akt_task *t)
{
    pthread_mutex_lock(&k->task_mu);
    t->prev = NULL;
    t->next = k->tasks;
    if (k->tasks) {
        k->tasks->prev = t;
    }
    k->tasks = t;
    pthread_mutex_unlock(&k->task_mu);
}

static void
task_unlink(kit_sys *k, akt_task *t)
{
    pthread_mutex_lock(&k->task_mu);
    if (t->prev) {
        t->prev->next = t->next;
    } else if (k->tasks == t) {
        k->tasks = t->next;
    }
    if (t->next) {
        t->next->prev = t->prev;
    }
    t->next = t->prev = NULL;
    pthread_mutex_unlock(&k->task_mu);
}

static void
task_fire(akti_timer *wt, void *arg)
{
    akt_task *t = arg;
    (void)wt;
    task_unlink(kit_sys_of(t->sys), t);
    t->fn(t->arg);
    if (t->fini) {
        t->fini(t->arg);
    }
    task_unref(t);
}

akt_err
akt_schedule_once(akt_system *sys, int64_t delay_ns, void (*fn)(void *),
    void *arg, void (*fini)(void *), akt_task **out)
{
    if (sys == NULL || fn == NULL || delay_ns < 0) {
        return AKT_EINVAL;
    }
    if (atomic_load_explicit(&sys->terminated, memory_order_acquire)) {
        return AKT_ECLOSED;
    }
    akt_task *t = malloc(sizeof(*t));
    if (t == NULL) {
        return AKT_ENOMEM;
    }
    memset(&t->t, 0, sizeof(t->t));
    atomic_init(&t->refs, out ? 2 : 1);
    t->sys = sys;
    t->fn = fn;
    t->arg = arg;
    t->fini = fini;
    if (out) {
        *out = t;
    }
    task_link(kit_sys_of(sys), t);
    akti_timer_start(sys->wheel, &t->t, delay_ns, task_fire, t);
    return AKT_OK;
}

/* at system free: every task still pending is cancelled (its fini runs) */
void
akti_tasks_drop(akt_system *sys, kit_sys *k, bool wheel_alive)
{
    for (;;) {
        pthread_mutex_lock(&k->task_mu);
        akt_task *t = k->tasks;
        while (t && wheel_alive && !akti_timer_cancel(sys->wheel, &t->t)) {
            t = t->next; /* firing right now: it unlinks itself */
        }
        if (t) {
            if (t->prev) {
                t->prev->next = t->next;
            } else {
                k->tasks = t->next;
            }
            if (t->next) {
                t->next->prev = t->prev;
            }
        }
        pthread_mutex_unlock(&k->task_mu);
        if (t == NULL) {
            return;
        }
        if (t->fini) {
            t->fini(t->arg);
        }
        task_unref(t);
    }
}

bool
akt_task_cancel(akt_task *t)
{
    if (t == NULL || !akti_timer_cancel(t->sys->wheel, &t->t)) {
        return false;
    }
    task_unlink(kit_sys_of(t->sys), t);
    if (t->fini) {
        t->fini(t->arg);
    }
    task_unref(t);
    return true;
}

void
akt_task_release(akt_task *t)
{
    if (t) {
        task_unref(t);
    }
}

typedef struct sched_tell {
    akt_ref to, sender;
    void *msg;
} sched_tell;

static void
tell_fn(void *arg)
{
    sched_tell *s = arg;
    if (akt_tell(s->to, s->msg, s->sender) == AKT_OK) {
        s->msg = NULL;
    }
}

static void
tell_fini(void *arg)
{
    sched_tell *s = arg;
    akt_msg_free(s->msg);
    free(s);
}

akt_err
akt_schedule_tell(akt_system *sys, int64_t delay_ns, akt_ref to, void *msg,
    akt_ref sender, akt_task **out)
{
    if (msg == NULL || akt_ref_is_none(to)) {
        return AKT_EINVAL;
    }
    sched_tell *s = malloc(sizeof(*s));
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    *s = (sched_tell) { to, sender, msg };
    akt_err rc = akt_schedule_once(sys, delay_ns, tell_fn, s, tell_fini, out);
    if (rc != AKT_OK) {
        free(s);
    }
    return rc;
}

/* --- the clock
 * ------------------------------------------------------------------ */

int64_t
akt_scheduler_now(akt_system *sys)
{
    return sys ? akti_wheel_now(sys->wheel) : 0;
}

bool
akt_scheduler_is_virtual(const akt_system *sys)
{
    return sys && sys->set.virtual_clock;
}

akt_err
akt_scheduler_next_due(akt_system *sys, int64_t *in_ns)
{
    if (sys == NULL || in_ns == NULL || sys->wheel == NULL) {
        return AKT_EINVAL;
    }
    int64_t due = akti_wheel_next_due(sys->wheel);
    if (due == INT64_MAX) {
        return AKT_ENOENT;
    }
    int64_t now = akti_wheel_now(sys->wheel);
    *in_ns = due > now ? due - now : 0;
    return AKT_OK;
}

akt_err
akt_scheduler_advance(akt_system *sys, int64_t ns)
{
    if (sys == NULL || ns < 0) {
        return AKT_EINVAL;
    }
    if (!sys->set.virtual_clock) {
        return AKT_ENOTSUP;
    }
    int64_t now = atomic_load(&sys->vclock);
    int64_t target = ns > INT64_MAX - now ? INT64_MAX : now + ns;
    /* step from due time to due time, so a periodic timer fires once per
     * period and timers fire in deadline order */
    for (;;) {
        int64_t due = akti_wheel_next_due(sys->wheel);
        if (due > target) {
            break;
        }
        if (due > atomic_load(&sys->vclock)) {
            atomic_store(&sys->vclock, due);
        }
        akti_wheel_advance(sys->wheel);
    }
    atomic_store(&sys->vclock, target);
    akti_wheel_advance(sys->wheel);
    return AKT_OK;
}
