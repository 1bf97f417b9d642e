/*
 * mailbox_test.c -- mailbox kinds and guarantees: FIFO per sender, no loss
 * or duplication under concurrent producers, every bounded overflow
 * strategy (each drop a dead letter), priority order (FIFO within a
 * priority), control-aware order, and the broadcast envelope.
 */
#include "core/ext.h" /* akti_tell_control */
#include "testutil.h"

/* A recorder that blocks on its first message (v == 0) until the test
 * opens the gate, so the test can fill its mailbox deterministically. */
typedef struct gated {
    t_latch entered;
    t_latch gate;
    t_latch done;
    pthread_mutex_t mu;
    int64_t seq[256];
    int n;
} gated;

static akt_err
gated_int(void *state, akt_ctx *ctx, const void *msg)
{
    gated *g = (gated *)akt_ctx_behavior_arg(ctx);
    const t_Int *m = msg;
    if (m->v == 0) {
        t_latch_add(&g->entered, 1);
        ck_assert(t_latch_wait(&g->gate, 1, 30000));
    } else {
        pthread_mutex_lock(&g->mu);
        if (g->n < 256) {
            g->seq[g->n++] = m->v;
        }
        pthread_mutex_unlock(&g->mu);
    }
    t_latch_add(&g->done, 1);
    return AKT_OK;
}
static const akt_handler gated_handlers[]
    = { { &t_int_type, gated_int }, { &t_ctl_type, gated_int } };
static const akt_behavior gated_beh = { "gated", gated_handlers, 2, NULL };

static void
gated_init(gated *g)
{
    memset(g, 0, sizeof(*g));
    pthread_mutex_init(&g->entered.mu, NULL);
    pthread_cond_init(&g->entered.cv, NULL);
    pthread_mutex_init(&g->gate.mu, NULL);
    pthread_cond_init(&g->gate.cv, NULL);
    pthread_mutex_init(&g->done.mu, NULL);
    pthread_cond_init(&g->done.cv, NULL);
    pthread_mutex_init(&g->mu, NULL);
}

typedef struct dl_rec {
    pthread_mutex_t mu;
    int n;
    int64_t v[64];
    akt_err reason[64];
} dl_rec;

static void
dl_cb(akt_ref to, const void *msg, akt_err reason, void *arg)
{
    dl_rec *d = arg;
    pthread_mutex_lock(&d->mu);
    if (d->n < 64) {
        const akt_type *t = akt_msg_type(msg);
        d->v[d->n] = (t == &t_int_type || t == &t_ctl_type)
            ? ((const t_Int *)msg)->v
            : -1;
        d->reason[d->n] = reason;
        d->n++;
    }
    pthread_mutex_unlock(&d->mu);
}

static akt_system *
sys_mk(const char *name)
{
    return t_system(name,
        "akt.actor.default-dispatcher.workers=2;akt.actor.dead-letters.log="
        "off");
}

/* spawn a gated actor with opts, block it on message 0 */
static akt_ref
spawn_blocked(akt_system *sys, gated *g, const akt_mailbox_opts *mo)
{
    akt_props p = { .behavior = &gated_beh, .behavior_arg = g, .mailbox = mo };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "g", &a), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_int(0), AKT_REF_NONE), AKT_OK);
    ck_assert(t_latch_wait(&g->entered, 1, 10000));
    return a;
}

START_TEST(bounded_drop_new_sends_the_newest_to_dead_letters)
{
    akt_system *sys = sys_mk("dropnew");
    static dl_rec d = { .mu = PTHREAD_MUTEX_INITIALIZER };
    akt_system_on_dead_letter(sys, dl_cb, &d, NULL);
    static gated g;
    gated_init(&g);
    akt_mailbox_opts mo = { .kind = AKT_MAILBOX_BOUNDED,
        .capacity = 4,
        .overflow = AKT_OVERFLOW_DROP_NEW };
    akt_ref a = spawn_blocked(sys, &g, &mo);
    for (int i = 1; i <= 6; i++) {
        ck_assert_int_eq(akt_tell(a, t_int(i), AKT_REF_NONE), AKT_OK);
    }
    ck_assert_int_eq(d.n, 2);
    ck_assert_int_eq(d.v[0], 5);
    ck_assert_int_eq(d.v[1], 6);
    ck_assert_int_eq(d.reason[0], AKT_EFULL);
    t_latch_add(&g.gate, 1);
    ck_assert(t_latch_wait(&g.done, 5, 10000));
    ck_assert_int_eq(g.n, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(g.seq[i], i + 1);
    }
    t_teardown(sys, 0);
}
END_TEST

START_TEST(bounded_drop_head_sends_the_oldest_to_dead_letters)
{
    akt_system *sys = sys_mk("drophead");
    static dl_rec d = { .mu = PTHREAD_MUTEX_INITIALIZER };
    akt_system_on_dead_letter(sys, dl_cb, &d, NULL);
    static gated g;
    gated_init(&g);
    akt_mailbox_opts mo = { .kind = AKT_MAILBOX_BOUNDED,
        .capacity = 4,
        .overflow = AKT_OVERFLOW_DROP_HEAD };
    akt_ref a = spawn_blocked(sys, &g, &mo);
    for (int i = 1; i <= 6; i++) {
        ck_assert_int_eq(akt_tell(a, t_int(i), AKT_REF_NONE), AKT_OK);
    }
    ck_assert_int_eq(d.n, 2);
    ck_assert_int_eq(d.v[0], 1);
    ck_assert_int_eq(d.v[1], 2);
    t_latch_add(&g.gate, 1);
    ck_assert(t_latch_wait(&g.done, 5, 10000));
    ck_assert_int_eq(g.n, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(g.seq[i], i + 3);
    }
    t_teardown(sys, 0);
}
END_TEST

START_TEST(bounded_fail_returns_efull_and_the_caller_keeps_the_message)
{
    akt_system *sys = sys_mk("fail");
    static gated g;
    gated_init(&g);
    akt_mailbox_opts mo = { .kind = AKT_MAILBOX_BOUNDED,
        .capacity = 2,
        .overflow = AKT_OVERFLOW_FAIL };
    akt_ref a = spawn_blocked(sys, &g, &mo);
    ck_assert_int_eq(akt_tell(a, t_int(1), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_int(2), AKT_REF_NONE), AKT_OK);
    t_Int *m = t_int(3);
    ck_assert_int_eq(akt_tell(a, m, AKT_REF_NONE), AKT_EFULL);
    ck_assert_int_eq(m->v, 3); /* still ours */
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, m, AKT_SEC(1), &f), AKT_EFULL);
    akt_msg_free(m);
    ck_assert_uint_eq(akt_system_dead_letters(sys), 0);
    t_latch_add(&g.gate, 1);
    ck_assert(t_latch_wait(&g.done, 3, 10000));
    t_teardown(sys, 0);
}
END_TEST

/* akti_tell_control (the runtime's own plumbing: a recovery permit, a
 * replay chunk, a journal write's result) is taken by a full bounded
 * mailbox beyond its capacity, whatever its overflow: never refused
 * (FAIL), dropped (DROP_NEW, DROP_HEAD) or blocked on (BLOCK would
 * answer AKT_EFULL after its 10 s); the actor gets it after the messages before
 * it, which all stay, and the bound holds again for user tells. */
START_TEST(a_control_tell_is_taken_beyond_the_bound_by_every_overflow)
{
    const akt_overflow kinds[] = { AKT_OVERFLOW_FAIL, AKT_OVERFLOW_DROP_NEW,
        AKT_OVERFLOW_DROP_HEAD, AKT_OVERFLOW_BLOCK };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        akt_system *sys = sys_mk("control");
        static gated g;
        gated_init(&g);
        akt_mailbox_opts mo = { .kind = AKT_MAILBOX_BOUNDED,
            .capacity = 2,
            .overflow = kinds[k],
            .block_timeout_ns = AKT_SEC(10) };
        akt_ref a = spawn_blocked(sys, &g, &mo);
        ck_assert_int_eq(akt_tell(a, t_int(1), AKT_REF_NONE), AKT_OK);
        ck_assert_int_eq(akt_tell(a, t_int(2), AKT_REF_NONE), AKT_OK);
        ck_assert_int_eq(akti_tell_control(a, t_int(3), AKT_REF_NONE), AKT_OK);
        ck_assert_uint_eq(akt_system_dead_letters(sys), 0);
        if (kinds[k] == AKT_OVERFLOW_FAIL) { /* the bound holds for users */
            t_Int *m = t_int(4);
            ck_assert_int_eq(akt_tell(a, m, AKT_REF_NONE), AKT_EFULL);
            akt_msg_free(m);
        }
        t_latch_add(&g.gate, 1);
        ck_assert(t_latch_wait(&g.done, 4, 10000));
        pthread_mutex_lock(&g.mu);
        ck_assert_int_eq(g.n, 3);
        for (int i = 0; i < 3; i++) {
            ck_assert_int_eq(g.seq[i], i + 1);
        }
        pthread_mutex_unlock(&g.mu);
        t_teardown(sys, 0);
    }
}
END_TEST

static void *
open_gate_later(void *arg)
{
    struct timespec ts = { 0, 30 * 1000000 };
    nanosleep(&ts, NULL); /* the point of the test: the sender waits */
    t_latch_add(arg, 1);
    return NULL;
}

START_TEST(bounded_block_waits_for_room_then_times_out_with_efull)
{
    akt_system *sys = sys_mk("block");
    static gated g;
    gated_init(&g);
    akt_mailbox_opts mo = { .kind = AKT_MAILBOX_BOUNDED,
        .capacity = 1,
        .overflow = AKT_OVERFLOW_BLOCK,
        .block_timeout_ns = AKT_MS(50) };
    akt_ref a = spawn_blocked(sys, &g, &mo);
    ck_assert_int_eq(akt_tell(a, t_int(1), AKT_REF_NONE), AKT_OK);
    t_Int *m = t_int(2);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(akt_tell(a, m, AKT_REF_NONE), AKT_EFULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int64_t ms
        = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_int_ge(ms, 45);
    ck_assert_int_lt(ms, 5000);
    akt_msg_free(m);
    ck_assert_uint_eq(akt_system_dead_letters(sys), 0);
    t_latch_add(&g.gate, 1);
    ck_assert(t_latch_wait(&g.done, 2, 10000));
    t_teardown(sys, 0);
}
END_TEST

START_TEST(bounded_block_succeeds_when_the_receiver_makes_room)
{
    akt_system *sys = sys_mk("block2");
    static gated g;
    gated_init(&g);
    akt_mailbox_opts mo = { .kind = AKT_MAILBOX_BOUNDED,
        .capacity = 1,
        .overflow = AKT_OVERFLOW_BLOCK,
        .block_timeout_ns = AKT_SEC(20) };
    akt_ref a = spawn_blocked(sys, &g, &mo);
    ck_assert_int_eq(akt_tell(a, t_int(1), AKT_REF_NONE), AKT_OK);
    pthread_t th;
    pthread_create(&th, NULL, open_gate_later, &g.gate);
    ck_assert_int_eq(akt_tell(a, t_int(2), AKT_REF_NONE), AKT_OK);
    pthread_join(th, NULL);
    ck_assert(t_latch_wait(&g.done, 3, 10000));
    ck_assert_int_eq(g.seq[0], 1);
    ck_assert_int_eq(g.seq[1], 2);
    t_teardown(sys, 0);
}
END_TEST

static int
prio_mod3(const void *msg, void *arg)
{
    const akt_type *t = akt_msg_type(msg);
    if (t != &t_int_type) {
        return 0;
    }
    return (int)(((const t_Int *)msg)->v % 3);
}

START_TEST(priority_mailbox_serves_lower_priority_first_fifo_within)
{
    akt_system *sys = sys_mk("prio");
    static gated g;
    gated_init(&g);
    akt_mailbox_opts mo
        = { .kind = AKT_MAILBOX_PRIORITY, .priority = prio_mod3 };
    akt_ref a = spawn_blocked(sys, &g, &mo);
    int64_t vs[] = { 5, 4, 3, 2, 1, 6, 7, 8, 9 };
    for (size_t i = 0; i < 9; i++) {
        ck_assert_int_eq(akt_tell(a, t_int(vs[i]), AKT_REF_NONE), AKT_OK);
    }
    t_latch_add(&g.gate, 1);
    ck_assert(t_latch_wait(&g.done, 10, 10000));
    /* prio 0: 3,6,9  prio 1: 4,1,7  prio 2: 5,2,8 (arrival order within) */
    int64_t want[] = { 3, 6, 9, 4, 1, 7, 5, 2, 8 };
    ck_assert_int_eq(g.n, 9);
    for (int i = 0; i < 9; i++) {
        ck_assert_int_eq(g.seq[i], want[i]);
    }
    t_teardown(sys, 0);
}
END_TEST

/* realloc is wrapped (tests/core/CMakeLists.txt): while fail_grow is set,
 * growing an existing block fails (the priority heap's growth; nothing else
 * grows while the test holds the actor behind its gate) */
void *__real_realloc(void *p, size_t n);
static _Atomic bool fail_grow;

void *
__wrap_realloc(void *p, size_t n)
{
    if (p != NULL && atomic_load(&fail_grow)) {
        return NULL;
    }
    return __real_realloc(p, n);
}

/* Proves that a priority mailbox whose heap cannot grow (out of memory)
 * loses nothing and does not abort: 100 messages queued behind the gate,
 * the heap takes 16 and cannot double, the rest wait in arrival order and
 * enter the heap as it empties; each is served exactly once, FIFO within a
 * priority. (pq_push aborted here.) */
START_TEST(a_priority_mailbox_out_of_memory_delivers_every_message_once)
{
    akt_system *sys = sys_mk("prio-oom");
    static gated g;
    gated_init(&g);
    akt_mailbox_opts mo
        = { .kind = AKT_MAILBOX_PRIORITY, .priority = prio_mod3 };
    akt_ref a = spawn_blocked(sys, &g, &mo);
    for (int64_t v = 1; v <= 100; v++) {
        ck_assert_int_eq(akt_tell(a, t_int(v), AKT_REF_NONE), AKT_OK);
    }
    atomic_store(&fail_grow, true);
    t_latch_add(&g.gate, 1);
    ck_assert(t_latch_wait(&g.done, 101, 10000));
    atomic_store(&fail_grow, false);
    ck_assert_int_eq(g.n, 100);
    /* each exactly once; FIFO within each priority still holds (a spilled
     * message enters the heap after every earlier arrival); the first
     * served is the heap's best of 1..16 */
    bool seen[101] = { false };
    int64_t last[3] = { 0, 0, 0 };
    for (int i = 0; i < 100; i++) {
        int64_t v = g.seq[i];
        ck_assert(v >= 1 && v <= 100 && !seen[v]);
        seen[v] = true;
        ck_assert_int_gt(v, last[v % 3]);
        last[v % 3] = v;
    }
    ck_assert_int_eq(g.seq[0], 3);
    /* with memory back, the heap grows and orders again */
    gated_init(&g);
    ck_assert_int_eq(akt_tell(a, t_int(0), AKT_REF_NONE), AKT_OK);
    ck_assert(t_latch_wait(&g.entered, 1, 10000));
    int64_t vs[] = { 5, 4, 3 };
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(akt_tell(a, t_int(vs[i]), AKT_REF_NONE), AKT_OK);
    }
    t_latch_add(&g.gate, 1);
    ck_assert(t_latch_wait(&g.done, 4, 10000));
    ck_assert_int_eq(g.n, 3);
    ck_assert_int_eq(g.seq[0], 3);
    ck_assert_int_eq(g.seq[1], 4);
    ck_assert_int_eq(g.seq[2], 5);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(control_aware_mailbox_lets_control_messages_jump_the_queue)
{
    akt_system *sys = sys_mk("ctl");
    static gated g;
    gated_init(&g);
    akt_mailbox_opts mo = { .kind = AKT_MAILBOX_CONTROL_AWARE };
    akt_ref a = spawn_blocked(sys, &g, &mo);
    ck_assert_int_eq(akt_tell(a, t_int(1), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_int(2), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_ctl(10), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_int(3), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_ctl(11), AKT_REF_NONE), AKT_OK);
    t_latch_add(&g.gate, 1);
    ck_assert(t_latch_wait(&g.done, 6, 10000));
    int64_t want[] = { 10, 11, 1, 2, 3 };
    ck_assert_int_eq(g.n, 5);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(g.seq[i], want[i]);
    }
    t_teardown(sys, 0);
}
END_TEST

/* akti_tell_batch_nowait (remoting's receiver hands a frame's run of
 * messages for one actor on at once): into an unbounded mailbox the run
 * arrives whole and in order; a bounded one applies its bound and
 * overflow strategy to each message exactly as single tells do (FAIL: the
 * first refused one and the rest stay the caller's; BLOCK: AKT_EAGAIN at
 * once, never a wait; DROP_NEW: the overflow is dead letters); a stopped
 * actor's run is dead letters. */
static size_t
batch_of(akt_ref a, int from, int n, void **m, akt_err *rc)
{
    akt_ref snd[16];
    for (int i = 0; i < n; i++) {
        m[i] = t_int(from + i);
        snd[i] = AKT_REF_NONE;
    }
    return akti_tell_batch_nowait(a, m, snd, (size_t)n, rc);
}

START_TEST(a_batch_tell_arrives_in_order_and_meets_every_bound)
{
    void *m[16];
    akt_err rc;
    {
        akt_system *sys = sys_mk("batchu");
        static gated g;
        gated_init(&g);
        akt_ref a = spawn_blocked(sys, &g, NULL);
        ck_assert_uint_eq(batch_of(a, 1, 10, m, &rc), 10);
        ck_assert_int_eq(rc, AKT_OK);
        ck_assert_uint_eq(batch_of(a, 11, 1, m, &rc), 1);
        t_latch_add(&g.gate, 1);
        ck_assert(t_latch_wait(&g.done, 12, 10000));
        ck_assert_int_eq(g.n, 11);
        for (int i = 0; i < 11; i++) {
            ck_assert_int_eq(g.seq[i], i + 1);
        }
        t_teardown(sys, 0);
    }
    const akt_overflow kinds[]
        = { AKT_OVERFLOW_FAIL, AKT_OVERFLOW_BLOCK, AKT_OVERFLOW_DROP_NEW };
    for (size_t k = 0; k < 3; k++) {
        akt_system *sys = sys_mk("batchb");
        static dl_rec d;
        memset(&d, 0, sizeof(d));
        pthread_mutex_init(&d.mu, NULL);
        akt_system_on_dead_letter(sys, dl_cb, &d, NULL);
        static gated g;
        gated_init(&g);
        akt_mailbox_opts mo = { .kind = AKT_MAILBOX_BOUNDED,
            .capacity = 4,
            .overflow = kinds[k],
            .block_timeout_ns = AKT_SEC(10) };
        akt_ref a = spawn_blocked(sys, &g, &mo);
        size_t took = batch_of(a, 1, 6, m, &rc);
        if (kinds[k] == AKT_OVERFLOW_DROP_NEW) {
            ck_assert_uint_eq(took, 6);
            ck_assert_int_eq(rc, AKT_OK);
            ck_assert_int_eq(d.n, 2);
            ck_assert_int_eq(d.v[0], 5);
            ck_assert_int_eq(d.v[1], 6);
        } else {
            ck_assert_uint_eq(took, 4);
            ck_assert_int_eq(
                rc, kinds[k] == AKT_OVERFLOW_FAIL ? AKT_EFULL : AKT_EAGAIN);
            ck_assert_int_eq(((t_Int *)m[4])->v, 5); /* still ours */
            akt_msg_free(m[4]);
            akt_msg_free(m[5]);
            ck_assert_int_eq(d.n, 0);
        }
        t_latch_add(&g.gate, 1);
        ck_assert(t_latch_wait(&g.done, 5, 10000));
        ck_assert_int_eq(g.n, 4);
        for (int i = 0; i < 4; i++) {
            ck_assert_int_eq(g.seq[i], i + 1);
        }
        t_teardown(sys, 0);
    }
    {
        akt_system *sys = sys_mk("batchs");
        static dl_rec d;
        memset(&d, 0, sizeof(d));
        pthread_mutex_init(&d.mu, NULL);
        akt_system_on_dead_letter(sys, dl_cb, &d, NULL);
        static gated g;
        gated_init(&g);
        akt_ref a = spawn_blocked(sys, &g, NULL);
        t_latch_add(&g.gate, 1);
        ck_assert(t_latch_wait(&g.done, 1, 10000));
        akt_future *f;
        ck_assert_int_eq(akt_watch_future(a, &f), AKT_OK);
        akt_stop(a);
        ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
        akt_future_release(f);
        ck_assert_uint_eq(batch_of(a, 1, 3, m, &rc), 3);
        ck_assert_int_eq(rc, AKT_OK);
        ck_assert_int_eq(d.n, 3);
        ck_assert_int_eq(d.reason[0], AKT_ESTOPPED);
        t_teardown(sys, 0);
    }
}
END_TEST

/* Remote messages' credit (ext.h) is counted by the run loop a group at
 * a time, yet every message is counted once with its footprint, and each
 * mark the owner sets is seen by its hook when the count passes it, even
 * when a group jumps over it (mark 7, then 40: the hook fires twice, the
 * second time with all 40 counted). */
typedef struct credit_obs {
    akti_credit *c;
    t_latch hits;
    uint64_t at[4];
    int n;
} credit_obs;

static void
credit_hook(void *arg, uint16_t id)
{
    (void)id;
    credit_obs *o = arg;
    if (o->n < 4) {
        o->at[o->n] = atomic_load(&o->c->released);
    }
    if (o->n++ == 0) {
        atomic_store(&o->c->mark, 40); /* re-armed, as the transport does */
    }
    t_latch_add(&o->hits, 1);
}

START_TEST(credit_is_counted_once_per_message_and_every_mark_is_seen)
{
    akt_system *sys = sys_mk("credit");
    static credit_obs o;
    memset(&o, 0, sizeof(o));
    pthread_mutex_init(&o.hits.mu, NULL);
    pthread_cond_init(&o.hits.cv, NULL);
    static const akti_ext_ops ops = { .name = "test", .credit = credit_hook };
    ck_assert_int_eq(akti_system_ext_set(sys, AKTI_EXT_REMOTE, &ops, &o), 0);
    uint16_t id;
    ck_assert_int_eq(akti_credit_open(sys, AKTI_EXT_REMOTE, &id, &o.c), 0);
    atomic_store(&o.c->mark, 7);
    static gated g;
    gated_init(&g);
    akt_ref a = spawn_blocked(sys, &g, NULL);
    uint64_t bytes = 0;
    for (int i = 1; i <= 40; i++) {
        t_Int *m = t_int(i);
        akti_msg_set_credit(m, id);
        bytes += akti_msg_footprint(m);
        ck_assert_int_eq(akt_tell(a, m, AKT_REF_NONE), AKT_OK);
    }
    ck_assert_uint_eq(atomic_load(&o.c->released), 0);
    t_latch_add(&g.gate, 1);
    ck_assert(t_latch_wait(&o.hits, 2, 10000));
    ck_assert_int_eq(o.n, 2);
    ck_assert_uint_ge(o.at[0], 7);
    ck_assert_uint_lt(o.at[0], 40);
    ck_assert_uint_eq(o.at[1], 40);
    ck_assert_uint_eq(atomic_load(&o.c->released), 40);
    ck_assert_uint_eq(atomic_load(&o.c->released_bytes), bytes);
    ck_assert_int_eq(g.n, 40);
    akti_system_ext_clear(sys, AKTI_EXT_REMOTE, &o);
    t_teardown(sys, 0);
}
END_TEST

/* A run that never ends (the pinned dispatcher has no throughput bound)
 * and goes on with local messages still hands the peer its credit: the
 * group of remote messages it took first is counted when the first local
 * message comes, not when the run ends. Before, a group was counted only
 * when it was full (16), at a message of another slot, or at the run's
 * end -- here never: the actor keeps telling itself, and the hook never
 * ran (the peer would wait for a grant that never comes). */
static atomic_bool g_spin_stop;

static akt_err
spin_int(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    gated *g = (gated *)akt_ctx_behavior_arg(ctx);
    const t_Int *m = msg;
    if (m->v == 0) {
        t_latch_add(&g->entered, 1);
        ck_assert(t_latch_wait(&g->gate, 1, 30000));
    } else if (m->v < 0 && !atomic_load(&g_spin_stop)) {
        ck_assert_int_eq(
            akt_tell(akt_ctx_self(ctx), t_int(-1), AKT_REF_NONE), AKT_OK);
    }
    return AKT_OK;
}
static const akt_handler spin_handlers[] = { { &t_int_type, spin_int } };
static const akt_behavior spin_beh = { "spin", spin_handlers, 1, NULL };

START_TEST(credit_is_released_while_an_endless_run_goes_on)
{
    akt_system *sys = sys_mk("credit_spin");
    static credit_obs o;
    memset(&o, 0, sizeof(o));
    pthread_mutex_init(&o.hits.mu, NULL);
    pthread_cond_init(&o.hits.cv, NULL);
    static const akti_ext_ops ops = { .name = "test", .credit = credit_hook };
    ck_assert_int_eq(akti_system_ext_set(sys, AKTI_EXT_REMOTE, &ops, &o), 0);
    uint16_t id;
    ck_assert_int_eq(akti_credit_open(sys, AKTI_EXT_REMOTE, &id, &o.c), 0);
    atomic_store(&o.c->mark, 3);
    atomic_store(&g_spin_stop, false);
    static gated g;
    gated_init(&g);
    akt_props p
        = { .behavior = &spin_beh, .behavior_arg = &g, .dispatcher = "pinned" };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "spin", &a), AKT_OK);
    ck_assert_int_eq(akt_tell(a, t_int(0), AKT_REF_NONE), AKT_OK);
    ck_assert(t_latch_wait(&g.entered, 1, 10000));
    /* one run takes 3 remote messages, then local ones without end */
    for (int i = 1; i <= 3; i++) {
        t_Int *m = t_int(i);
        akti_msg_set_credit(m, id);
        ck_assert_int_eq(akt_tell(a, m, AKT_REF_NONE), AKT_OK);
    }
    ck_assert_int_eq(akt_tell(a, t_int(-1), AKT_REF_NONE), AKT_OK);
    t_latch_add(&g.gate, 1);
    bool hit = t_latch_wait(&o.hits, 1, 10000);
    atomic_store(&g_spin_stop, true); /* the run ends; then tear down */
    ck_assert_msg(hit, "the credit hook did not run while the run went on");
    ck_assert_uint_ge(o.at[0], 3);
    ck_assert_uint_eq(atomic_load(&o.c->released), 3);
    akti_system_ext_clear(sys, AKTI_EXT_REMOTE, &o);
    t_teardown(sys, 0);
}
END_TEST

/* --- concurrency -----------------------------------------------------------
 */

#define NPROD    4
#define PER_PROD 50000

typedef struct seq_check {
    int64_t last[NPROD];
    int64_t total;
    int64_t bad;
    t_latch latch;
} seq_check;

static akt_err
seq_int(void *state, akt_ctx *ctx, const void *msg)
{
    seq_check *s = state;
    const t_Int *m = msg;
    if (m->v != s->last[m->from] + 1) {
        s->bad++;
    }
    s->last[m->from] = m->v;
    s->total++;
    if (s->total == (int64_t)NPROD * PER_PROD) {
        seq_check *out = (seq_check *)akt_ctx_behavior_arg(ctx);
        memcpy(out->last, s->last, sizeof s->last);
        out->total = s->total;
        out->bad = s->bad;
        t_latch_add(&out->latch, 1);
    }
    return AKT_OK;
}
static const akt_handler seq_handlers[] = { { &t_int_type, seq_int } };
static const akt_behavior seq_beh = { "seq", seq_handlers, 1, NULL };

typedef struct prod_arg {
    akt_ref to;
    int id;
    bool batch; /* runs of 1..16 with akti_tell_batch_nowait */
} prod_arg;

static void *
producer(void *arg)
{
    prod_arg *p = arg;
    for (int i = 1; p->batch && i <= PER_PROD;) {
        void *m[16];
        akt_ref snd[16];
        int n = 1 + (i * 7) % 16;
        if (n > PER_PROD - i + 1) {
            n = PER_PROD - i + 1;
        }
        for (int k = 0; k < n; k++) {
            t_Int *x = akt_msg_new(&t_int_type, 0);
            x->v = i + k;
            x->from = p->id;
            m[k] = x;
            snd[k] = AKT_REF_NONE;
        }
        akt_err rc;
        if (akti_tell_batch_nowait(p->to, m, snd, (size_t)n, &rc)
            != (size_t)n) {
            abort();
        }
        i += n;
    }
    for (int i = 1; !p->batch && i <= PER_PROD; i++) {
        t_Int *m = akt_msg_new(&t_int_type, 0);
        m->v = i;
        m->from = p->id;
        if (akt_tell(p->to, m, AKT_REF_NONE) != AKT_OK) {
            abort();
        }
    }
    return NULL;
}

static void
run_producers(const char *name, const akt_mailbox_opts *mo, bool batch)
{
    akt_system *sys = sys_mk(name);
    static seq_check out;
    memset(&out, 0, sizeof out);
    pthread_mutex_init(&out.latch.mu, NULL);
    pthread_cond_init(&out.latch.cv, NULL);
    akt_props p = { .behavior = &seq_beh,
        .behavior_arg = &out,
        .state_size = sizeof(seq_check),
        .mailbox = mo };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "sink", &a), AKT_OK);
    pthread_t th[NPROD];
    prod_arg pa[NPROD];
    for (int i = 0; i < NPROD; i++) {
        pa[i] = (prod_arg) { a, i, batch && i % 2 == 0 };
        pthread_create(&th[i], NULL, producer, &pa[i]);
    }
    for (int i = 0; i < NPROD; i++) {
        pthread_join(th[i], NULL);
    }
    ck_assert(t_latch_wait(&out.latch, 1, 60000));
    ck_assert_int_eq(out.total, (int64_t)NPROD * PER_PROD);
    ck_assert_int_eq(out.bad, 0);
    for (int i = 0; i < NPROD; i++) {
        ck_assert_int_eq(out.last[i], PER_PROD);
    }
    ck_assert_uint_eq(akt_system_dead_letters(sys), 0);
    t_teardown(sys, 0);
}

START_TEST(concurrent_producers_lose_and_duplicate_nothing_and_keep_pair_order)
{
    run_producers("prod", NULL, false);
}
END_TEST

/* half the producers tell runs (akti_tell_batch_nowait's one exchange per
 * run), half one by one, at the same time: nothing lost or duplicated,
 * each producer's order kept */
START_TEST(concurrent_batch_and_single_producers_lose_nothing_and_keep_order)
{
    run_producers("prodr", NULL, true);
}
END_TEST

START_TEST(concurrent_producers_into_a_bounded_blocking_mailbox_lose_nothing)
{
    akt_mailbox_opts mo = { .kind = AKT_MAILBOX_BOUNDED,
        .capacity = 64,
        .overflow = AKT_OVERFLOW_BLOCK,
        .block_timeout_ns = AKT_SEC(30) };
    run_producers("prodb", &mo, false);
}
END_TEST

START_TEST(concurrent_producers_into_a_control_aware_mailbox_lose_nothing)
{
    akt_mailbox_opts mo = { .kind = AKT_MAILBOX_CONTROL_AWARE };
    run_producers("prodc", &mo, false);
}
END_TEST

/* --- broadcast -------------------------------------------------------------
 */

static akt_err
bc_int(void *state, akt_ctx *ctx, const void *msg)
{
    gated *g = (gated *)akt_ctx_behavior_arg(ctx);
    pthread_mutex_lock(&g->mu);
    g->seq[g->n++] = (int64_t)(uintptr_t)msg;
    pthread_mutex_unlock(&g->mu);
    t_latch_add(&g->done, 1);
    return AKT_OK;
}
static const akt_handler bc_handlers[] = { { &t_int_type, bc_int } };
static const akt_behavior bc_beh = { "bc", bc_handlers, 1, NULL };

START_TEST(broadcast_shares_one_message_between_receivers)
{
    akt_system *sys = sys_mk("bcast");
    static gated g;
    gated_init(&g);
    akt_props p = { .behavior = &bc_beh, .behavior_arg = &g };
    akt_ref r[8];
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(akt_spawn(sys, &p, NULL, &r[i]), AKT_OK);
    }
    t_Int *m = t_int(9);
    for (int i = 0; i < 8; i++) {
        /* one reference per send; the last send uses ours */
        void *x = i < 7 ? akt_msg_retain(m) : m;
        ck_assert_int_eq(akt_tell(r[i], x, AKT_REF_NONE), AKT_OK);
    }
    ck_assert(t_latch_wait(&g.done, 8, 10000));
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(g.seq[i], (int64_t)(uintptr_t)m); /* the same object */
    }
    t_teardown(sys, 0);
}
END_TEST

Suite *
mailbox_suite(void)
{
    Suite *s = suite_create("mailbox");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bounded_drop_new_sends_the_newest_to_dead_letters);
    tcase_add_test(
        tc, a_control_tell_is_taken_beyond_the_bound_by_every_overflow);
    tcase_add_test(tc, bounded_drop_head_sends_the_oldest_to_dead_letters);
    tcase_add_test(
        tc, bounded_fail_returns_efull_and_the_caller_keeps_the_message);
    tcase_add_test(tc, bounded_block_waits_for_room_then_times_out_with_efull);
    tcase_add_test(tc, bounded_block_succeeds_when_the_receiver_makes_room);
    tcase_add_test(
        tc, priority_mailbox_serves_lower_priority_first_fifo_within);
    tcase_add_test(
        tc, a_priority_mailbox_out_of_memory_delivers_every_message_once);
    tcase_add_test(
        tc, control_aware_mailbox_lets_control_messages_jump_the_queue);
    tcase_add_test(tc,
        concurrent_producers_lose_and_duplicate_nothing_and_keep_pair_order);
    tcase_add_test(
        tc, concurrent_producers_into_a_bounded_blocking_mailbox_lose_nothing);
    tcase_add_test(
        tc, concurrent_producers_into_a_control_aware_mailbox_lose_nothing);
    tcase_add_test(tc, broadcast_shares_one_message_between_receivers);
    tcase_add_test(tc, a_batch_tell_arrives_in_order_and_meets_every_bound);
    tcase_add_test(
        tc, credit_is_counted_once_per_message_and_every_mark_is_seen);
    tcase_add_test(tc, credit_is_released_while_an_endless_run_goes_on);
    tcase_add_test(
        tc, concurrent_batch_and_single_producers_lose_nothing_and_keep_order);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(mailbox_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
