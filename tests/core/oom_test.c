/*
 * oom_test.c -- the core when memory runs out: nothing aborts, nothing is
 * lost. An allocation-failure injector (malloc, calloc, realloc and
 * akt_msg_new are wrapped: tests/core/CMakeLists.txt) fails, on every
 * thread while a test sets it, every allocation of a kind: the C heap,
 * messages, or only the growth of an existing block. What the suite
 * proves, site by site (docs/runtime.md, Out of memory, lists them):
 *
 *  - stopping a parent of more children than a walk's chunk (32) needs no
 *    allocation (the children snapshot used malloc and aborted), and every
 *    TERMINATE and CHILD_STOPPED gets through (the system's reserve);
 *  - an all-for-one restart of 100 children with no memory restarts each
 *    once (the directive list used malloc; FAILED, RESTART and the failed
 *    child's extension come from the reserve);
 *  - a death with no memory delivers every Terminated, to actors and to
 *    watch futures (made when the watch was made);
 *  - a watched actor whose watchers array cannot grow keeps every watch,
 *    and an unwatch of such a watch still takes;
 *  - the calls that have a caller report AKT_ENOMEM and change nothing
 *    (akt_stop, akt_kill, akt_watch_future, akt_unwatch_future,
 *    akt_ctx_watch, akt_ctx_stop);
 *  - every reserve message comes back (counted after termination), and
 *    the extension reserve is used, then refilled once memory is back;
 *  - callers of those calls handle the failure: a pool router keeps no
 *    routee it cannot watch (kit/router.c); a persistent actor whose
 *    recovery failed stops even when its stop had no memory at first
 *    (persist/pactor.c); an event stream subscription that cannot be
 *    watched is refused (kit/events.c).
 */
#include <sched.h>

#include "testutil.h"

#include "core/core.h"

/* --- the injector --------------------------------------------------------- */

enum {
    F_HEAP = 1, /* malloc, calloc, realloc */
    F_MSGS = 2, /* akt_msg_new */
    F_GROW = 4, /* realloc of an existing block */
};

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__real_akt_msg_new(const akt_type *type, size_t arena_hint);

static _Atomic int fail_mode;
static _Atomic long nfailed; /* allocations the injector refused */
static _Atomic long nsysfailed; /* of them: system messages */

static bool
refuse(int kind)
{
    if (atomic_load_explicit(&fail_mode, memory_order_relaxed) & kind) {
        atomic_fetch_add(&nfailed, 1);
        return true;
    }
    return false;
}

void *
__wrap_malloc(size_t n)
{
    return refuse(F_HEAP) ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t m)
{
    return refuse(F_HEAP) ? NULL : __real_calloc(n, m);
}

void *
__wrap_realloc(void *p, size_t n)
{
    return refuse(F_HEAP) || (p != NULL && refuse(F_GROW))
        ? NULL
        : __real_realloc(p, n);
}

void *
__wrap_akt_msg_new(const akt_type *type, size_t arena_hint)
{
    if (refuse(F_MSGS)) {
        if (type == &akti_sysmsg_type) {
            atomic_fetch_add(&nsysfailed, 1);
        }
        return NULL;
    }
    return __real_akt_msg_new(type, arena_hint);
}

static void
memory_out(int mode)
{
    atomic_store(&nfailed, 0);
    atomic_store(&nsysfailed, 0);
    atomic_store(&fail_mode, mode);
}

/* memory back; how many allocations were refused meanwhile */
static long
memory_back(void)
{
    atomic_store(&fail_mode, 0);
    return atomic_load(&nfailed);
}

/* --- actors ----------------------------------------------------------------
 */

enum {
    OP_SPAWN = 1, /* spawn v children */
    OP_STOP_SELF, /* akt_ctx_stop(self) */
    OP_FAIL, /* fail with AKT_EFAILED */
    OP_WATCH, /* akt_ctx_watch(target) */
    OP_UNWATCH, /* akt_ctx_unwatch(target) */
    OP_STOP_CHILD, /* akt_ctx_stop(first child) */
    OP_PROBE, /* reply the Terminated count */
    OP_SPAWN_TREE, /* spawn n children, each with n2 children of its own */
};

typedef struct o_Op {
    int32_t op;
    int32_t n;
    akt_ref target;
    int32_t n2;
} o_Op;

static const akt_type o_op_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "test.OomOp",
    .id = 0x0a0a,
    .size = sizeof(o_Op),
    .align = _Alignof(o_Op),
};

static o_Op *
o_op(int32_t op, int32_t n, akt_ref target)
{
    o_Op *m = akt_msg_new(&o_op_type, 0);
    ck_assert_ptr_nonnull(m);
    m->op = op;
    m->n = n;
    m->target = target;
    return m;
}

static _Atomic int nstops, nrestarts, nterminated;
static akt_ref first_child; /* the first child an OP_SPAWN from the test
                               made (read after the op's latch; a tree's
                               OP_SPAWNs, n2 < 0, do not write it) */
static t_latch stops_l, restarts_l, term_l, rc_l;
static _Atomic int last_rc;

static void
o_post_stop(void *state, akt_ctx *ctx)
{
    atomic_fetch_add(&nstops, 1);
    t_latch_add(&stops_l, 1);
}

static akt_err
o_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    atomic_fetch_add(&nrestarts, 1);
    t_latch_add(&restarts_l, 1);
    return AKT_OK;
}

static const akt_lifecycle o_life
    = { .post_stop = o_post_stop, .post_restart = o_post_restart };

typedef struct o_state {
    akt_ref first_child;
    int64_t terminated;
} o_state;

static akt_err o_on_op(void *state, akt_ctx *ctx, const void *msg);
static akt_err o_on_terminated(void *state, akt_ctx *ctx, const void *msg);
static const akt_handler o_handlers[]
    = { { &o_op_type, o_on_op }, { &akt_terminated_type, o_on_terminated } };
static const akt_behavior o_beh = { "oom", o_handlers, 2, NULL };
static const akt_props o_props = {
    .behavior = &o_beh,
    .lifecycle = &o_life,
    .state_size = sizeof(o_state),
};

static akt_err
o_on_op(void *state, akt_ctx *ctx, const void *msg)
{
    o_state *s = state;
    const o_Op *m = msg;
    akt_err rc = AKT_OK;
    switch (m->op) {
    case OP_SPAWN:
        for (int i = 0; i < m->n && rc == AKT_OK; i++) {
            akt_ref r;
            rc = akt_ctx_spawn(ctx, &o_props, NULL, &r);
            if (i == 0 && rc == AKT_OK) {
                s->first_child = r;
                if (m->n2 >= 0) { /* not a tree's: those run at once */
                    first_child = r;
                }
            }
        }
        break;
    case OP_SPAWN_TREE:
        for (int i = 0; i < m->n && rc == AKT_OK; i++) {
            akt_ref r;
            rc = akt_ctx_spawn(ctx, &o_props, NULL, &r);
            if (rc == AKT_OK) {
                /* the grandchildren: spawned by r as its first message */
                o_Op *sub = akt_msg_new(&o_op_type, 0);
                if (sub == NULL) {
                    rc = AKT_ENOMEM;
                    break;
                }
                sub->op = OP_SPAWN;
                sub->n = m->n2;
                sub->n2 = -1; /* leaves the test's first_child alone: the
                               * n children spawn theirs concurrently */
                rc = akt_tell(r, sub, AKT_REF_NONE);
            }
        }
        break;
    case OP_STOP_SELF:
        rc = akt_ctx_stop(ctx, akt_ctx_self(ctx));
        break;
    case OP_FAIL:
        return AKT_EFAILED;
    case OP_WATCH:
        rc = akt_ctx_watch(ctx, m->target);
        break;
    case OP_UNWATCH:
        rc = akt_ctx_unwatch(ctx, m->target);
        break;
    case OP_STOP_CHILD:
        rc = akt_ctx_stop(ctx, s->first_child);
        break;
    default:
        break;
    }
    /* the outcome goes to a latch, not a reply: a reply would allocate */
    atomic_store(&last_rc, (int)rc);
    t_latch_add(&rc_l, 1);
    if (m->op == OP_PROBE) {
        return akt_reply(ctx, t_int(s->terminated));
    }
    return AKT_OK;
}

static akt_err
o_on_terminated(void *state, akt_ctx *ctx, const void *msg)
{
    o_state *s = state;
    s->terminated++;
    atomic_fetch_add(&nterminated, 1);
    t_latch_add(&term_l, 1);
    return AKT_OK;
}

static akt_system *
sys_mk_with(const char *name, const char *extra)
{
    atomic_store(&nstops, 0);
    atomic_store(&nrestarts, 0);
    atomic_store(&nterminated, 0);
    t_latch *ls[] = { &stops_l, &restarts_l, &term_l, &rc_l };
    for (size_t i = 0; i < 4; i++) {
        t_latch_add(ls[i], -t_latch_get(ls[i]));
    }
    char cfg[256];
    snprintf(cfg, sizeof cfg,
        "akt.actor.default-dispatcher.workers=2;"
        "akt.actor.dead-letters.log=off%s",
        extra);
    return t_system(name, cfg);
}

static akt_system *
sys_mk(const char *name)
{
    return sys_mk_with(name, "");
}

static uint32_t
reserve_msgs(akt_system *sys)
{
    pthread_mutex_lock(&sys->rsv_mu);
    uint32_t n = sys->rsv_nmsgs;
    pthread_mutex_unlock(&sys->rsv_mu);
    return n;
}

/* t_teardown, and between termination and the free: every reserve
 * message came back (all were handled). The system is terminated once its
 * root has stopped, which can be just before the worker that handled the
 * last system message has given it back: so the reserve is awaited (a
 * hang guard of 10 s, looking again after each yield), then asserted. (A
 * TSan CI run read 63 of 64 right after the termination.) */
static void
teardown_reserve_whole(akt_system *sys)
{
    ck_assert_int_eq(akt_system_terminate(sys), AKT_OK);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(30)), AKT_OK);
    int64_t guard = akti_now_ns() + AKT_SEC(10);
    while (
        reserve_msgs(sys) != sys->set.reserve_msgs && akti_now_ns() < guard) {
        sched_yield();
    }
    ck_assert_uint_eq(reserve_msgs(sys), sys->set.reserve_msgs);
    akt_system_free(sys);
    ck_assert_int_eq(akti_msg_live(), 0);
}

/* tell op and wait until the actor has handled it; the handler's akt_err
 * (-1: the tell failed, -2: no answer in 30 s). No ck_* call: Check
 * allocates in them, so this is what a test calls while memory is out
 * (the message was made before). */
static int
op_raw(akt_ref a, o_Op *m)
{
    int64_t seen = t_latch_get(&rc_l);
    if (akt_tell(a, m, AKT_REF_NONE) != AKT_OK) {
        return -1;
    }
    if (!t_latch_wait(&rc_l, seen + 1, 30000)) {
        return -2;
    }
    return atomic_load(&last_rc);
}

static akt_err
run_op(akt_ref a, o_Op *m)
{
    int rc = op_raw(a, m);
    ck_assert_int_ge(rc, 0);
    return (akt_err)rc;
}

/* the Terminated count of watcher w, after two round trips: a Terminated
 * for a death that happened before the first was sent has been queued
 * (its DEATH, a system message, was handled first) before the second */
static int64_t
terminated_of(akt_ref w)
{
    int64_t v = -1;
    for (int i = 0; i < 2; i++) {
        akt_future *f;
        ck_assert_int_eq(
            akt_ask(w, o_op(OP_PROBE, 0, AKT_REF_NONE), AKT_SEC(30), &f),
            AKT_OK);
        void *r = NULL;
        ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), &r), AKT_OK);
        v = ((t_Int *)r)->v;
        akt_msg_free(r);
        akt_future_release(f);
    }
    return v;
}

static akt_ref
spawn_o(akt_system *sys, const akt_props *p)
{
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, p, NULL, &a), AKT_OK);
    return a;
}

/* --- tests ------------------------------------------------------------------
 */

/* Proves that a parent of 100 children (more than a walk's chunk of 32)
 * stops with every allocation failing: its TERMINATEs and their
 * CHILD_STOPPEDs come from the reserve, the walk allocates nothing, each
 * child's post_stop runs once and the parent's watch future completes.
 * (children_snapshot malloc'd above 32 children and aborted; so did a
 * system message that could not be allocated.) */
START_TEST(a_parent_of_100_children_stops_with_no_memory)
{
    akt_system *sys = sys_mk("oom-stop");
    akt_ref p = spawn_o(sys, &o_props);
    ck_assert_int_eq(run_op(p, o_op(OP_SPAWN, 100, AKT_REF_NONE)), AKT_OK);
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(p, &f), AKT_OK);
    o_Op *stop = o_op(OP_STOP_SELF, 0, AKT_REF_NONE);
    memory_out(F_HEAP | F_MSGS);
    int op = op_raw(p, stop);
    void *r = NULL;
    akt_err rc = akt_future_wait(f, AKT_SEC(30), &r);
    long refused = memory_back();
    ck_assert_int_eq(op, AKT_OK);
    ck_assert_int_eq(rc, AKT_OK);
    ck_assert_ptr_eq(akt_msg_type(r), &akt_terminated_type);
    akt_msg_free(r);
    akt_future_release(f);
    ck_assert_int_eq(atomic_load(&nstops), 101);
    ck_assert_int_gt(refused, 0); /* the path did run out of memory */
    /* 100 TERMINATEs and 100 CHILD_STOPPEDs came from the reserve (the
     * allocator refused them; nothing aborted), and came back */
    ck_assert_int_ge(atomic_load(&nsysfailed), 200);
    teardown_reserve_whole(sys);
}
END_TEST

/* Proves that a stop over far more children than the reserve holds
 * completes with no memory: a reserve of 64 messages, a parent of 1000
 * children, then a parent of 20 children with 50 children each. The
 * TERMINATEs the reserve cannot spare are owed and sent as CHILD_STOPPEDs
 * come back; every post_stop runs once, every reserve message comes back.
 * (With every TERMINATE from the reserve, the 65th aborted.) */
START_TEST(a_stop_of_1000_children_fits_a_reserve_of_64)
{
    akt_system *sys = sys_mk_with(
        "oom-owed", ";akt.actor.memory-reserve.system-messages=64");
    akt_ref flat = spawn_o(sys, &o_props);
    akt_ref tree = spawn_o(sys, &o_props);
    ck_assert_int_eq(run_op(flat, o_op(OP_SPAWN, 1000, AKT_REF_NONE)), AKT_OK);
    o_Op *t = o_op(OP_SPAWN_TREE, 20, AKT_REF_NONE);
    t->n2 = 50;
    ck_assert_int_eq(run_op(tree, t), AKT_OK);
    /* the 20 OP_SPAWNs of 50 went on: wait for the 1000 grandchildren (a
     * round trip to each child through a probe would allocate less
     * clearly); their op latch counts them */
    ck_assert(t_latch_wait(&rc_l, 2 + 20, 30000));
    akt_future *f[2];
    ck_assert_int_eq(akt_watch_future(flat, &f[0]), AKT_OK);
    ck_assert_int_eq(akt_watch_future(tree, &f[1]), AKT_OK);
    o_Op *stop[2] = { o_op(OP_STOP_SELF, 0, AKT_REF_NONE),
        o_op(OP_STOP_SELF, 0, AKT_REF_NONE) };
    memory_out(F_HEAP | F_MSGS);
    akt_err told[2] = { akt_tell(flat, stop[0], AKT_REF_NONE),
        akt_tell(tree, stop[1], AKT_REF_NONE) };
    void *r[2] = { NULL, NULL };
    akt_err rc[2];
    for (int i = 0; i < 2; i++) {
        rc[i] = akt_future_wait(f[i], AKT_SEC(60), &r[i]);
    }
    memory_back();
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(told[i], AKT_OK);
        ck_assert_int_eq(rc[i], AKT_OK);
        ck_assert_ptr_eq(akt_msg_type(r[i]), &akt_terminated_type);
        akt_msg_free(r[i]);
        akt_future_release(f[i]);
    }
    ck_assert_int_eq(atomic_load(&nstops), 1 + 1000 + 1 + 20 + 1000);
    ck_assert_int_ge(atomic_load(&nsysfailed), 4000);
    teardown_reserve_whole(sys);
}
END_TEST

static akt_directive
decide_stop(akt_err reason, akt_ref ch, void *arg)
{
    return AKT_STOP;
}

/* a4o_1000 -- an all-for-one supervisor of 1000 children whose decider
 * (NULL: RESTART) answers a child's failure while every allocation fails,
 * with a reserve of 64 system messages: waits for `done` to count 1000
 * and checks that at least `sysfailed` system messages could not be
 * allocated (so the reserve, not the allocator, carried the directive),
 * that the supervisor lives on (every KICK handled), and that `count`
 * reached exactly 1000 */
static void
a4o_1000(const char *name, akt_decider_fn decider, t_latch *done,
    long sysfailed, _Atomic int *count)
{
    akt_system *sys
        = sys_mk_with(name, ";akt.actor.memory-reserve.system-messages=64");
    akt_supervisor_strategy st = { .kind = AKT_ALL_FOR_ONE,
        .max_restarts = decider == NULL ? -1 : 0,
        .decider = decider };
    akt_props pp = o_props;
    pp.supervisor = &st;
    akt_ref p = spawn_o(sys, &pp);
    ck_assert_int_eq(run_op(p, o_op(OP_SPAWN, 1000, AKT_REF_NONE)), AKT_OK);
    o_Op *fail = o_op(OP_FAIL, 0, AKT_REF_NONE);
    memory_out(F_HEAP | F_MSGS);
    akt_err told = akt_tell(first_child, fail, AKT_REF_NONE);
    bool all = t_latch_wait(done, 1000, 60000);
    memory_back();
    ck_assert_int_eq(told, AKT_OK);
    ck_assert(all);
    ck_assert_int_ge(atomic_load(&nsysfailed), sysfailed);
    ck_assert_int_eq(terminated_of(p), 0);
    ck_assert_int_eq(atomic_load(count), 1000);
    teardown_reserve_whole(sys);
}

/* Proves that an all-for-one RESTART of 1000 children fits a reserve of
 * 64 with no memory: the RESTARTs the reserve cannot spare are owed; those
 * sent while owing come back from the child (a KICK) and each brings the
 * next payment. Every child restarts once, every reserve message comes
 * back. (Aborted before: the RESTARTs piled up on the parent's worker.) */
START_TEST(an_all_for_one_restart_of_1000_children_fits_a_reserve_of_64)
{
    a4o_1000("oom-a4o-1000", NULL, &restarts_l, 1000, &nrestarts);
}
END_TEST

/* Proves that an all-for-one STOP of 1000 children fits a reserve of 64
 * with no memory: the directive's TERMINATEs the reserve cannot spare are
 * owed and sent as CHILD_STOPPEDs come back, as a stop's are; all 1000
 * stop, the supervisor lives on, every reserve message comes back. */
START_TEST(an_all_for_one_stop_of_1000_children_fits_a_reserve_of_64)
{
    a4o_1000("oom-a4o-stop", decide_stop, &stops_l, 2000, &nstops);
}
END_TEST

/* Proves that an all-for-one supervisor of 100 children restarts every
 * one of them, once, when a child fails while every allocation fails:
 * the FAILED, the 100 RESTARTs and the failed child's extension come
 * from the reserve, the directive's walk allocates nothing, and the
 * restarted siblings need no extension. (The directive list malloc'd
 * above 64 children and aborted.) Then, memory back, the children work. */
START_TEST(an_all_for_one_restart_of_100_children_needs_no_memory)
{
    akt_system *sys = sys_mk("oom-a4o");
    akt_supervisor_strategy st
        = { .kind = AKT_ALL_FOR_ONE, .max_restarts = -1 };
    akt_props pp = o_props;
    pp.supervisor = &st;
    akt_ref p = spawn_o(sys, &pp);
    ck_assert_int_eq(run_op(p, o_op(OP_SPAWN, 100, AKT_REF_NONE)), AKT_OK);
    akt_ref c0 = first_child;
    o_Op *fail = o_op(OP_FAIL, 0, AKT_REF_NONE);
    memory_out(F_HEAP | F_MSGS);
    akt_err told = akt_tell(c0, fail, AKT_REF_NONE);
    bool all = t_latch_wait(&restarts_l, 100, 30000);
    long refused = memory_back();
    ck_assert_int_eq(told, AKT_OK);
    ck_assert(all);
    ck_assert_int_gt(refused, 0);
    /* each restarted once: a round trip to the supervisor and to c0 (its
     * RESTART came first) and no further restart */
    ck_assert_int_eq(terminated_of(c0), 0);
    ck_assert_int_eq(terminated_of(p), 0);
    ck_assert_int_eq(atomic_load(&nrestarts), 100);
    teardown_reserve_whole(sys);
}
END_TEST

/* Proves that a death with no memory at all delivers every Terminated:
 * to 40 watcher actors (the watched actor sends each its WATCH message
 * back as the DEATH; each watcher queues the Terminated its watch made)
 * and to 8 watch futures (completed with theirs). (akti_death_notice and
 * the DEATH's akti_send_sys aborted; a watch future's Terminated was
 * silently not sent when it could not be allocated.) */
START_TEST(a_death_with_no_memory_delivers_every_terminated)
{
    akt_system *sys = sys_mk("oom-death");
    akt_ref t = spawn_o(sys, &o_props);
    akt_ref w[40];
    for (int i = 0; i < 40; i++) {
        w[i] = spawn_o(sys, &o_props);
        ck_assert_int_eq(run_op(w[i], o_op(OP_WATCH, 0, t)), AKT_OK);
    }
    akt_future *f[8];
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(akt_watch_future(t, &f[i]), AKT_OK);
    }
    /* every WATCH arrived before the stop: a round trip to t */
    ck_assert_int_eq(terminated_of(t), 0);
    o_Op *stop = o_op(OP_STOP_SELF, 0, AKT_REF_NONE);
    memory_out(F_HEAP | F_MSGS);
    akt_err told = akt_tell(t, stop, AKT_REF_NONE);
    bool all = t_latch_wait(&term_l, 40, 30000);
    void *r[8] = { NULL };
    akt_err rc[8];
    for (int i = 0; i < 8; i++) {
        rc[i] = akt_future_wait(f[i], AKT_SEC(30), &r[i]);
    }
    long refused = memory_back();
    ck_assert_int_eq(told, AKT_OK);
    ck_assert(all);
    ck_assert_int_gt(refused, 0);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(rc[i], AKT_OK);
        ck_assert_ptr_eq(akt_msg_type(r[i]), &akt_terminated_type);
        ck_assert(akt_ref_equal(((akt_Terminated *)r[i])->actor, t));
        akt_msg_free(r[i]);
        akt_future_release(f[i]);
    }
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(terminated_of(w[i]), 1); /* exactly once */
    }
    t_teardown(sys, 0);
}
END_TEST

/* Proves that a watched actor whose watchers array cannot grow (every
 * realloc of a block fails) keeps every watch: 10 actors and 2 futures
 * watch it, the entries the array cannot take wait in a list of their
 * WATCH messages; one actor and one future unwatch (from that list) and
 * get nothing, respectively AKT_ECANCELED; at the death the other 9
 * actors and the other future hear of it. (akti_watch_ent_add aborted.) */
START_TEST(a_watchers_list_that_cannot_grow_keeps_every_watch)
{
    akt_system *sys = sys_mk("oom-grow");
    akt_ref t = spawn_o(sys, &o_props);
    akt_ref w[10];
    for (int i = 0; i < 10; i++) {
        w[i] = spawn_o(sys, &o_props);
    }
    o_Op *watch[10];
    for (int i = 0; i < 10; i++) {
        watch[i] = o_op(OP_WATCH, 0, t);
    }
    o_Op *unwatch = o_op(OP_UNWATCH, 0, t);
    int wrc[10], urc;
    akt_err frc[2], uf, cancel;
    akt_future *f[2] = { NULL, NULL };
    void *r = NULL;
    memory_out(F_GROW);
    for (int i = 0; i < 10; i++) {
        wrc[i] = op_raw(w[i], watch[i]);
    }
    for (int i = 0; i < 2; i++) {
        frc[i] = akt_watch_future(t, &f[i]);
    }
    /* the last watches made are the spilled ones: unwatch one of each */
    urc = op_raw(w[9], unwatch);
    uf = akt_unwatch_future(t, f[1]);
    cancel = akt_future_wait(f[1], AKT_SEC(30), &r);
    long refused = memory_back();
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(wrc[i], AKT_OK);
    }
    ck_assert_int_eq(frc[0], AKT_OK);
    ck_assert_int_eq(frc[1], AKT_OK);
    ck_assert_int_eq(urc, AKT_OK);
    ck_assert_int_eq(uf, AKT_OK);
    ck_assert_int_eq(cancel, AKT_ECANCELED);
    ck_assert_int_gt(refused, 0); /* the array did refuse to grow */
    akt_future_release(f[1]);
    ck_assert_int_eq(akt_stop(t), AKT_OK);
    ck_assert(t_latch_wait(&term_l, 9, 30000));
    ck_assert_int_eq(akt_future_wait(f[0], AKT_SEC(30), &r), AKT_OK);
    ck_assert_ptr_eq(akt_msg_type(r), &akt_terminated_type);
    akt_msg_free(r);
    akt_future_release(f[0]);
    for (int i = 0; i < 9; i++) {
        ck_assert_int_eq(terminated_of(w[i]), 1);
    }
    ck_assert_int_eq(terminated_of(w[9]), 0); /* it unwatched */
    t_teardown(sys, 0);
}
END_TEST

/* Proves that the calls with a caller report AKT_ENOMEM when no message
 * can be allocated and change nothing: akt_stop, akt_kill,
 * akt_watch_future, akt_unwatch_future from outside; akt_ctx_watch and
 * akt_ctx_stop (of a child) inside a handler. With memory back each works:
 * the failed watch made no watch (the watcher hears of the death once,
 * from the watch made afterwards), the child and the actor stop.
 * (akti_send_sys aborted in each.) */
START_TEST(calls_with_a_caller_report_enomem_and_change_nothing)
{
    akt_system *sys = sys_mk("oom-api");
    akt_ref a = spawn_o(sys, &o_props);
    akt_ref w = spawn_o(sys, &o_props);
    ck_assert_int_eq(run_op(a, o_op(OP_SPAWN, 1, AKT_REF_NONE)), AKT_OK);
    akt_future *f0;
    ck_assert_int_eq(akt_watch_future(a, &f0), AKT_OK);
    o_Op *watch = o_op(OP_WATCH, 0, a);
    o_Op *stop_child = o_op(OP_STOP_CHILD, 0, AKT_REF_NONE);
    akt_future *f = NULL;
    memory_out(F_MSGS);
    akt_err stop = akt_stop(a);
    akt_err kill = akt_kill(a);
    akt_err wf = akt_watch_future(a, &f);
    akt_err uf = akt_unwatch_future(a, f0);
    int cw = op_raw(w, watch);
    int cs = op_raw(a, stop_child);
    long refused = memory_back();
    ck_assert_int_eq(stop, AKT_ENOMEM);
    ck_assert_int_eq(kill, AKT_ENOMEM);
    ck_assert_int_eq(wf, AKT_ENOMEM);
    ck_assert_ptr_null(f);
    ck_assert_int_eq(uf, AKT_ENOMEM);
    ck_assert_int_eq(cw, AKT_ENOMEM);
    ck_assert_int_eq(cs, AKT_ENOMEM);
    ck_assert_int_ge(refused, 6);
    /* nothing changed: the child and a are alive, f0 still pending */
    ck_assert_int_eq(atomic_load(&nstops), 0);
    ck_assert(!akt_future_is_done(f0));
    ck_assert_int_eq(run_op(w, o_op(OP_WATCH, 0, a)), AKT_OK);
    ck_assert_int_eq(run_op(a, o_op(OP_STOP_CHILD, 0, AKT_REF_NONE)), AKT_OK);
    ck_assert(t_latch_wait(&stops_l, 1, 30000));
    ck_assert_int_eq(akt_stop(a), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f0, AKT_SEC(30), &r), AKT_OK);
    akt_msg_free(r);
    akt_future_release(f0);
    ck_assert(t_latch_wait(&term_l, 1, 30000));
    ck_assert_int_eq(terminated_of(w), 1);
    ck_assert_int_eq(atomic_load(&nstops), 2);
    t_teardown(sys, 0);
}
END_TEST

/* Proves that actors failing for the first time while calloc fails take
 * their supervision extension from the reserve (4 here: 3 taken), are
 * restarted, and that the reserve is refilled, one per extension made,
 * once memory is back (3 more first failures: full again). */
START_TEST(the_extension_reserve_is_used_then_refilled)
{
    akt_system *sys
        = sys_mk_with("oom-ext", ";akt.actor.memory-reserve.extensions=4");
    ck_assert_uint_eq(atomic_load(&sys->rsv_nexts), 4);
    akt_ref a[6];
    o_Op *fail[6];
    for (int i = 0; i < 6; i++) {
        a[i] = spawn_o(sys, &o_props);
        fail[i] = o_op(OP_FAIL, 0, AKT_REF_NONE);
    }
    memory_out(F_HEAP | F_MSGS);
    akt_err told[3];
    for (int i = 0; i < 3; i++) {
        told[i] = akt_tell(a[i], fail[i], AKT_REF_NONE);
    }
    bool restarted = t_latch_wait(&restarts_l, 3, 30000);
    long refused = memory_back();
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(told[i], AKT_OK);
    }
    ck_assert(restarted);
    ck_assert_int_gt(refused, 0);
    ck_assert_uint_eq(atomic_load(&sys->rsv_nexts), 1);
    for (int i = 3; i < 6; i++) {
        ck_assert_int_eq(akt_tell(a[i], fail[i], AKT_REF_NONE), AKT_OK);
    }
    ck_assert(t_latch_wait(&restarts_l, 6, 30000));
    ck_assert_uint_eq(atomic_load(&sys->rsv_nexts), 4);
    t_teardown(sys, 0);
}
END_TEST

/* until *v is at least n (30 s at most) */
static bool
at_least(_Atomic long *v, long n)
{
    int64_t end = akti_now_ns() + AKT_SEC(30);
    while (atomic_load(v) < n) {
        if (akti_now_ns() > end) {
            return false;
        }
        sched_yield();
    }
    return true;
}

/* Proves that a pool router keeps no routee it cannot watch: started
 * while no message can be allocated, it spawns 3 routees whose WATCH
 * cannot be made, so it keeps none of them (it listed all 3, unwatched:
 * routed to after they die) and stops them, or leaves them idle, routed
 * nothing, when the stop cannot be sent either. With memory back a
 * resize adds a watched routee, whose death removes it. */
START_TEST(a_pool_router_keeps_no_routee_it_cannot_watch)
{
    akt_system *sys = sys_mk("oom-router");
    akt_router_opts o = {
        .logic = AKT_ROUTE_ROUND_ROBIN,
        .routee_props = &o_props,
        .instances = 3,
    };
    akt_ref router;
    memory_out(F_MSGS);
    akt_err rc = akt_router_spawn(sys, &o, "pool", &router);
    /* per routee, refused: the WATCH and UNWATCH system messages of its
     * watch, then the STOP (without the fix only the 6 of the watches) */
    bool refused = rc == AKT_OK && at_least(&nsysfailed, 9);
    memory_back();
    ck_assert_int_eq(rc, AKT_OK);
    ck_assert(refused);
    akt_Routees *rs = NULL;
    ck_assert_int_eq(akt_router_routees(router, AKT_SEC(30), &rs), AKT_OK);
    ck_assert_uint_eq(rs->len, 0);
    akt_msg_free(rs);
    ck_assert_int_eq(akt_router_resize(router, 1), AKT_OK);
    ck_assert_int_eq(akt_router_routees(router, AKT_SEC(30), &rs), AKT_OK);
    ck_assert_uint_eq(rs->len, 1);
    akt_ref r = rs->refs[0];
    akt_msg_free(rs);
    ck_assert_int_eq(akt_stop(r), AKT_OK);
    /* its Terminated removes it; then the empty pool stops */
    t_await_stop(router);
    t_teardown(sys, 0);
}
END_TEST

static _Atomic long nrecovery_failed;

static void
p_apply(void *state, const void *event)
{
    (void)state;
    (void)event;
}

static void
p_recovery_failed(void *state, akt_ctx *ctx, akt_err rc, const char *why)
{
    atomic_fetch_add(&nrecovery_failed, 1);
}

static const akt_persistent_def p_def = {
    .name = "oom-persistent",
    .apply = p_apply,
    .recovery_failed = p_recovery_failed,
};

/* Proves that a persistent actor whose recovery failed (no persistence on
 * its system) when its stop could not be sent (no message can be
 * allocated) does not live on dropping every command: the stop is owed
 * and the next message sends it, so the actor stops (it lived on before).
 */
START_TEST(a_failed_recovery_stops_even_when_its_stop_had_no_memory)
{
    akt_system *sys = sys_mk("oom-pactor");
    akt_props p;
    ck_assert_int_eq(akt_persistent_props(&p_def, &p), AKT_OK);
    o_Op *cmd = o_op(OP_PROBE, 0, AKT_REF_NONE);
    atomic_store(&nrecovery_failed, 0);
    akt_ref a;
    memory_out(F_MSGS);
    akt_err rc = akt_spawn(sys, &p, "p-1", &a);
    /* the recovery failed, then its akt_stop was refused */
    bool failed = rc == AKT_OK && at_least(&nrecovery_failed, 1)
        && at_least(&nsysfailed, 1);
    memory_back();
    ck_assert_int_eq(rc, AKT_OK);
    ck_assert(failed);
    ck_assert_int_eq(akt_tell(a, cmd, AKT_REF_NONE), AKT_OK);
    t_await_stop(a);
    ck_assert_int_eq(atomic_load(&nrecovery_failed), 1);
    t_teardown(sys, 0);
}
END_TEST

/* Proves that an event stream subscription whose watch (the unsubscriber
 * watches each actor subscriber: its death ends its subscriptions) cannot
 * be asked for, no message being allocated, is refused with AKT_ENOMEM
 * and subscribes nothing (it was kept, unwatched, with AKT_OK); with
 * memory back the same call subscribes, and the subscriber's death
 * removes the subscription. */
START_TEST(a_subscription_that_cannot_be_watched_is_refused)
{
    akt_system *sys = sys_mk("oom-events");
    akt_ref a = spawn_o(sys, &o_props);
    memory_out(F_MSGS);
    akt_err rc = akt_events_subscribe(sys, a, &o_op_type);
    size_t n = akt_events_subscriber_count(sys, &o_op_type);
    memory_back();
    ck_assert_int_eq(rc, AKT_ENOMEM);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(akt_events_subscribe(sys, a, &o_op_type), AKT_OK);
    ck_assert_uint_eq(akt_events_subscriber_count(sys, &o_op_type), 1);
    ck_assert_int_eq(akt_stop(a), AKT_OK);
    t_await_stop(a);
    int64_t end = akti_now_ns() + AKT_SEC(30);
    while (akt_events_subscriber_count(sys, &o_op_type) != 0
        && akti_now_ns() < end) {
        sched_yield();
    }
    ck_assert_uint_eq(akt_events_subscriber_count(sys, &o_op_type), 0);
    t_teardown(sys, 0);
}
END_TEST

static Suite *
oom_suite(void)
{
    Suite *s = suite_create("core_oom");
    TCase *tc = tcase_create("oom");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_parent_of_100_children_stops_with_no_memory);
    tcase_add_test(tc, a_stop_of_1000_children_fits_a_reserve_of_64);
    tcase_add_test(tc, an_all_for_one_restart_of_100_children_needs_no_memory);
    tcase_add_test(
        tc, an_all_for_one_stop_of_1000_children_fits_a_reserve_of_64);
    tcase_add_test(
        tc, an_all_for_one_restart_of_1000_children_fits_a_reserve_of_64);
    tcase_add_test(tc, a_death_with_no_memory_delivers_every_terminated);
    tcase_add_test(tc, a_watchers_list_that_cannot_grow_keeps_every_watch);
    tcase_add_test(tc, calls_with_a_caller_report_enomem_and_change_nothing);
    tcase_add_test(tc, the_extension_reserve_is_used_then_refilled);
    tcase_add_test(tc, a_pool_router_keeps_no_routee_it_cannot_watch);
    tcase_add_test(
        tc, a_failed_recovery_stops_even_when_its_stop_had_no_memory);
    tcase_add_test(tc, a_subscription_that_cannot_be_watched_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(oom_suite());
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
