/*
 * supervision_test.c -- failure handling: every strategy (one-for-one,
 * all-for-one, rest-for-one) and directive (resume, restart, stop,
 * escalate), restart limits, the default strategy, kill, backoff with
 * reset, failure reasons, a failing pre_start, and the restart hooks'
 * defaults (pre_start after a restart without post_restart; children that
 * a pre_restart keeps survive and restart after their parent), and the
 * supervisor's log line for each failure.
 */
#include "testutil.h"

#include "akt/testkit.h"

typedef struct counters {
    _Atomic int starts, restarts, stops;
    _Atomic int last_reason;
    _Atomic int64_t restart_at_ns[16];
    char reason[96];
} counters;

static counters kids[4];
static counters parent_ctr;

static int64_t
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static akt_err
c_pre_start(void *state, akt_ctx *ctx)
{
    counters *c = (counters *)akt_ctx_behavior_arg(ctx);
    atomic_fetch_add(&c->starts, 1);
    return AKT_OK;
}

static akt_err
c_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    counters *c = (counters *)akt_ctx_behavior_arg(ctx);
    int n = atomic_fetch_add(&c->restarts, 1);
    if (n < 16) {
        atomic_store(&c->restart_at_ns[n], mono_ns());
    }
    atomic_store(&c->last_reason, reason);
    akt_ctx_failure_reason(ctx, c->reason, sizeof c->reason);
    return AKT_OK;
}

static void
c_post_stop(void *state, akt_ctx *ctx)
{
    counters *c = (counters *)akt_ctx_behavior_arg(ctx);
    atomic_fetch_add(&c->stops, 1);
}

static const akt_lifecycle c_life = { .pre_start = c_pre_start,
    .post_restart = c_post_restart,
    .post_stop = c_post_stop };

/* a reason text of 300 bytes ('a'..'z' repeated) */
static const char *
long_why(void)
{
    static char why[301];
    for (int i = 0; i < 300; i++) {
        why[i] = (char)('a' + i % 26);
    }
    return why;
}

/* child: Int v >= 0 adds v and replies the sum; v < 0 fails with -v (with
 * -AKT_ETOOBIG: with long_why()'s text) */
static akt_err
child_int(void *state, akt_ctx *ctx, const void *msg)
{
    int64_t *sum = state;
    const t_Int *m = msg;
    if (m->v == -(int64_t)AKT_ETOOBIG) {
        return akt_ctx_fail(ctx, AKT_ETOOBIG, "%s", long_why());
    }
    if (m->v < 0) {
        return akt_ctx_fail(ctx, (akt_err)(-m->v), "boom %d", (int)-m->v);
    }
    *sum += m->v;
    return akt_reply(ctx, t_int(*sum));
}
static const akt_handler child_handlers[] = { { &t_int_type, child_int } };
static const akt_behavior child_beh = { "child", child_handlers, 1, NULL };

static akt_props kid_props[4];
/* the refs parent_int spawned last (read by the test after its reply) */
static akt_ref spawned[4];

/* parent: Int n spawns children c0..c(n-1), replies 0 */
static akt_err
parent_int(void *state, akt_ctx *ctx, const void *msg)
{
    const t_Int *m = msg;
    for (int i = 0; i < m->v; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        akt_ref r;
        akt_err rc = akt_ctx_spawn(ctx, &kid_props[i], name, &r);
        if (rc != AKT_OK) {
            return rc;
        }
        spawned[i] = r;
    }
    return akt_reply(ctx, t_int(0));
}
static const akt_handler parent_handlers[] = { { &t_int_type, parent_int } };
static const akt_behavior parent_beh = { "parent", parent_handlers, 1, NULL };

static akt_system *
sys_mk_with(const char *name, const char *extra)
{
    memset(kids, 0, sizeof kids);
    memset(&parent_ctr, 0, sizeof parent_ctr);
    for (int i = 0; i < 4; i++) {
        kid_props[i] = (akt_props) { .behavior = &child_beh,
            .behavior_arg = &kids[i],
            .lifecycle = &c_life,
            .state_size = sizeof(int64_t) };
    }
    char cfg[256];
    snprintf(cfg, sizeof cfg,
        "akt.actor.default-dispatcher.workers=2;akt.actor.dead-letters.log=off;"
        "akt.scheduler.tick=1ms%s",
        extra);
    return t_system(name, cfg);
}

static akt_system *
sys_mk(const char *name)
{
    return sys_mk_with(name, "");
}

static int64_t
ask_v(akt_ref a, int64_t v)
{
    akt_future *f;
    ck_assert_int_eq(akt_ask(a, t_int(v), AKT_SEC(30), &f), AKT_OK);
    void *r = NULL;
    akt_err rc = akt_future_wait(f, AKT_SEC(30), &r);
    ck_assert_int_eq(rc, AKT_OK);
    int64_t out = ((t_Int *)r)->v;
    akt_msg_free(r);
    akt_future_release(f);
    return out;
}

/* Siblings restart asynchronously (after their parent handled the
 * failure): ask until the state reads as fresh (each ask is a round trip,
 * no sleeping), then check that it stays fresh. */
static void
await_fresh(akt_ref a)
{
    for (int i = 0; i < 100000; i++) {
        if (ask_v(a, 0) == 0) {
            return;
        }
    }
    ck_abort_msg("actor was not restarted");
}

static akt_ref
child(akt_system *sys, const char *parent, int i)
{
    char path[64];
    snprintf(path, sizeof path, "/user/%s/c%d", parent, i);
    akt_ref r;
    ck_assert_int_eq(akt_lookup(sys, path, &r), AKT_OK);
    return r;
}

static akt_ref
spawn_parent(akt_system *sys, const char *name,
    const akt_supervisor_strategy *st, int nkids)
{
    akt_props pp = { .behavior = &parent_beh,
        .behavior_arg = &parent_ctr,
        .lifecycle = &c_life,
        .supervisor = st };
    akt_ref p;
    ck_assert_int_eq(akt_spawn(sys, &pp, name, &p), AKT_OK);
    ck_assert_int_eq(ask_v(p, nkids), 0);
    return p;
}

static akt_directive
decide_fixed(akt_err reason, akt_ref ch, void *arg)
{
    return (akt_directive)(intptr_t)arg;
}

START_TEST(one_for_one_restart_resets_only_the_failed_child)
{
    akt_system *sys = sys_mk("o4o");
    akt_supervisor_strategy st
        = { .kind = AKT_ONE_FOR_ONE, .max_restarts = -1 };
    spawn_parent(sys, "p", &st, 2);
    akt_ref c0 = child(sys, "p", 0), c1 = child(sys, "p", 1);
    ck_assert_int_eq(ask_v(c0, 5), 5);
    ck_assert_int_eq(ask_v(c1, 7), 7);
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(ask_v(c0, 1), 1); /* fresh state, same ref */
    ck_assert_int_eq(ask_v(c1, 1), 8); /* untouched */
    ck_assert_int_eq(atomic_load(&kids[0].restarts), 1);
    ck_assert_int_eq(atomic_load(&kids[0].last_reason), AKT_EFAILED);
    ck_assert_str_eq(kids[0].reason, "boom 15");
    ck_assert_int_eq(atomic_load(&kids[1].restarts), 0);
    ck_assert_int_eq(
        atomic_load(&kids[0].starts), 1); /* post_restart replaced pre_start */
    t_teardown(sys, 0);
}
END_TEST

START_TEST(resume_keeps_the_state_and_drops_the_failed_message)
{
    akt_system *sys = sys_mk("resume");
    akt_supervisor_strategy st = { .kind = AKT_ONE_FOR_ONE,
        .decider = decide_fixed,
        .decider_arg = (void *)(intptr_t)AKT_RESUME };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    ck_assert_int_eq(ask_v(c0, 5), 5);
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(ask_v(c0, 1), 6);
    ck_assert_int_eq(atomic_load(&kids[0].restarts), 0);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(stop_directive_stops_the_failed_child)
{
    akt_system *sys = sys_mk("stopdir");
    akt_supervisor_strategy st = { .kind = AKT_ONE_FOR_ONE,
        .decider = decide_fixed,
        .decider_arg = (void *)(intptr_t)AKT_STOP };
    spawn_parent(sys, "p", &st, 2);
    akt_ref c0 = child(sys, "p", 0), c1 = child(sys, "p", 1);
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    t_await_stop(c0);
    ck_assert_int_eq(atomic_load(&kids[0].stops), 1);
    ck_assert_int_eq(ask_v(c1, 3), 3); /* the sibling lives on */
    akt_ref r;
    ck_assert_int_eq(akt_lookup(sys, "/user/p/c0", &r), AKT_ENOENT);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(escalate_fails_the_supervisor_and_its_parent_decides)
{
    akt_system *sys = sys_mk("escalate");
    akt_supervisor_strategy st = { .kind = AKT_ONE_FOR_ONE,
        .decider = decide_fixed,
        .decider_arg = (void *)(intptr_t)AKT_ESCALATE };
    akt_ref p = spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EIO), AKT_REF_NONE), AKT_OK);
    /* /user restarts p (default strategy); p's default pre_restart stops c0 */
    t_await_stop(c0);
    ck_assert_int_eq(ask_v(p, 0), 0); /* p is alive again */
    ck_assert_int_eq(atomic_load(&parent_ctr.restarts), 1);
    ck_assert_int_eq(atomic_load(&parent_ctr.last_reason), AKT_EIO);
    ck_assert_int_eq(atomic_load(&kids[0].stops), 1);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(all_for_one_restarts_every_child)
{
    akt_system *sys = sys_mk("a4o");
    akt_supervisor_strategy st = { .kind = AKT_ALL_FOR_ONE };
    spawn_parent(sys, "p", &st, 3);
    akt_ref c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = child(sys, "p", i);
        ck_assert_int_eq(ask_v(c[i], 10), 10);
    }
    ck_assert_int_eq(akt_tell(c[1], t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    for (int i = 0; i < 3; i++) {
        await_fresh(c[i]);
        ck_assert_int_eq(ask_v(c[i], 1), 1);
        ck_assert_int_eq(atomic_load(&kids[i].restarts), 1);
    }
    t_teardown(sys, 0);
}
END_TEST

START_TEST(rest_for_one_restarts_the_failed_child_and_younger_siblings)
{
    akt_system *sys = sys_mk("r4o");
    akt_supervisor_strategy st = { .kind = AKT_REST_FOR_ONE };
    spawn_parent(sys, "p", &st, 3);
    akt_ref c[3];
    for (int i = 0; i < 3; i++) {
        c[i] = child(sys, "p", i);
        ck_assert_int_eq(ask_v(c[i], 10), 10);
    }
    ck_assert_int_eq(akt_tell(c[1], t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(ask_v(c[1], 1), 1);
    await_fresh(c[2]);
    ck_assert_int_eq(ask_v(c[2], 1), 1);
    ck_assert_int_eq(ask_v(c[0], 1), 11);
    ck_assert_int_eq(atomic_load(&kids[0].restarts), 0);
    ck_assert_int_eq(atomic_load(&kids[1].restarts), 1);
    ck_assert_int_eq(atomic_load(&kids[2].restarts), 1);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(exceeding_max_restarts_within_the_window_stops_the_child)
{
    akt_system *sys = sys_mk("limit");
    akt_supervisor_strategy st = {
        .kind = AKT_ONE_FOR_ONE, .max_restarts = 2, .within_ns = AKT_SEC(60)
    };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(
            akt_tell(c0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
        ck_assert_int_eq(ask_v(c0, 1), 1);
    }
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    t_await_stop(c0);
    ck_assert_int_eq(atomic_load(&kids[0].restarts), 2);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(unlimited_restarts_never_stop_the_child)
{
    akt_system *sys = sys_mk("unlimited");
    akt_supervisor_strategy st = {
        .kind = AKT_ONE_FOR_ONE, .max_restarts = -1, .within_ns = AKT_SEC(60)
    };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    for (int i = 0; i < 30; i++) {
        ck_assert_int_eq(
            akt_tell(c0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
        ck_assert_int_eq(ask_v(c0, 1), 1);
    }
    ck_assert_int_eq(atomic_load(&kids[0].restarts), 30);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(config_max_restarts_applies_to_a_zeroed_strategy)
{
    memset(kids, 0, sizeof kids);
    akt_system *sys = t_system("cfglimit",
        "akt.actor.supervision.max-restarts=1;"
        "akt.actor.dead-letters.log=off");
    for (int i = 0; i < 4; i++) {
        kid_props[i] = (akt_props) { .behavior = &child_beh,
            .behavior_arg = &kids[i],
            .lifecycle = &c_life,
            .state_size = sizeof(int64_t) };
    }
    akt_supervisor_strategy st = { .kind = AKT_ONE_FOR_ONE };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(ask_v(c0, 1), 1);
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    t_await_stop(c0);
    ck_assert_int_eq(atomic_load(&kids[0].restarts), 1);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(default_strategy_restarts_a_failing_top_level_actor)
{
    akt_system *sys = sys_mk("default");
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &kid_props[0], "a", &a), AKT_OK);
    ck_assert_int_eq(ask_v(a, 4), 4);
    ck_assert_int_eq(akt_tell(a, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(ask_v(a, 1), 1);
    ck_assert_int_eq(atomic_load(&kids[0].restarts), 1);
    t_teardown(sys, 0);
}
END_TEST

static _Atomic int seen_reason;
static akt_directive
decide_record(akt_err reason, akt_ref ch, void *arg)
{
    atomic_store(&seen_reason, reason);
    return AKT_RESTART;
}

START_TEST(kill_fails_the_actor_and_the_supervisor_decides)
{
    akt_system *sys = sys_mk("kill");
    akt_supervisor_strategy st
        = { .kind = AKT_ONE_FOR_ONE, .decider = decide_record };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    ck_assert_int_eq(ask_v(c0, 3), 3);
    ck_assert_int_eq(akt_kill(c0), AKT_OK);
    ck_assert_int_eq(ask_v(c0, 1), 1);
    ck_assert_int_eq(atomic_load(&seen_reason), AKT_ECANCELED);
    t_teardown(sys, 0);
}
END_TEST

/* a pre_restart that stops no child */
static void
keep_pre_restart(void *state, akt_ctx *ctx, akt_err reason, const void *failed)
{
    (void)state;
    (void)ctx;
    (void)reason;
    (void)failed;
}

static const akt_lifecycle keep_life = { .pre_start = c_pre_start,
    .pre_restart = keep_pre_restart,
    .post_restart = c_post_restart,
    .post_stop = c_post_stop };

/* A pre_restart that keeps the children: the restart does not wait for
 * them (it used to wait for a CHILD_STOPPED that never came, and the
 * parent stayed down); they keep their refs and are restarted after their
 * parent, with its reason (Akka's survivors). */
START_TEST(children_a_pre_restart_keeps_restart_after_their_parent)
{
    akt_system *sys = sys_mk("survivors");
    akt_props pp = { .behavior = &parent_beh,
        .behavior_arg = &parent_ctr,
        .lifecycle = &keep_life };
    akt_ref p;
    ck_assert_int_eq(akt_spawn(sys, &pp, "p", &p), AKT_OK);
    ck_assert_int_eq(ask_v(p, 2), 0);
    akt_ref c0 = child(sys, "p", 0), c1 = child(sys, "p", 1);
    ck_assert_int_eq(ask_v(c0, 5), 5);
    ck_assert_int_eq(ask_v(c1, 7), 7);
    ck_assert_int_eq(akt_kill(p), AKT_OK);
    ck_assert_int_eq(ask_v(p, 0), 0); /* up again */
    ck_assert_int_eq(atomic_load(&parent_ctr.restarts), 1);
    ck_assert_int_eq(atomic_load(&parent_ctr.stops), 0); /* no default */
    ck_assert_int_eq(atomic_load(&parent_ctr.last_reason), AKT_ECANCELED);
    /* same refs, fresh state: the restart was queued (a system message)
     * before the parent answered, so it runs before these asks */
    ck_assert_int_eq(ask_v(c0, 1), 1);
    ck_assert_int_eq(ask_v(c1, 1), 1);
    ck_assert(akt_ref_equal(child(sys, "p", 0), c0));
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(atomic_load(&kids[i].restarts), 1);
        ck_assert_int_eq(atomic_load(&kids[i].last_reason), AKT_ECANCELED);
        ck_assert_int_eq(atomic_load(&kids[i].starts), 1);
    }
    t_teardown(sys, 0);
}
END_TEST

static const akt_lifecycle start_only_life
    = { .pre_start = c_pre_start, .post_stop = c_post_stop };

/* Without post_restart a restart runs pre_start (Akka's default
 * postRestart), after the default pre_restart ran post_stop. */
START_TEST(without_post_restart_a_restart_runs_pre_start)
{
    akt_system *sys = sys_mk("startonly");
    akt_props props = kid_props[0];
    props.lifecycle = &start_only_life;
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &props, "a", &a), AKT_OK);
    ck_assert_int_eq(ask_v(a, 4), 4);
    ck_assert_int_eq(akt_tell(a, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(ask_v(a, 1), 1);
    ck_assert_int_eq(atomic_load(&kids[0].starts), 2);
    ck_assert_int_eq(atomic_load(&kids[0].stops), 1);
    t_teardown(sys, 0);
}
END_TEST

/* Backoff runs on the system's timing wheel, so these tests use virtual
 * time: they check for exactly when each restart is scheduled
 * (akt_scheduler_next_due) and make time pass by advancing the clock --
 * no real-time bounds, nothing a loaded machine can stretch. */
static akt_system *
vsys_mk(const char *name)
{
    akt_system *sys = sys_mk_with(name, ";akt.scheduler.clock=virtual");
    ck_assert(akt_scheduler_is_virtual(sys));
    return sys;
}

typedef struct armed_arg {
    akt_system *sys;
    int64_t in;
} armed_arg;

/* a backoff timer is armed (asks arm 30 s timeouts: anything under 20 s
 * is the backoff) */
static bool
backoff_armed(void *p)
{
    armed_arg *a = p;
    return akt_scheduler_next_due(a->sys, &a->in) == AKT_OK
        && a->in < AKT_SEC(20);
}

typedef struct restarts_arg {
    counters *c;
    int n;
} restarts_arg;

static bool
restarted(void *p)
{
    restarts_arg *a = p;
    return atomic_load(&a->c->restarts) >= a->n;
}

/* one failure: the restart is armed for exactly `expect` (or within
 * [lo, hi] when jittered), nothing happens a millisecond before it, and
 * the child is back, fresh, once it has passed */
static int64_t
fail_and_restart_after(
    akt_system *sys, akt_ref c0, int n_before, int64_t lo, int64_t hi)
{
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    armed_arg armed = { sys, 0 };
    ck_assert_int_eq(
        akt_testkit_await(backoff_armed, &armed, AKT_SEC(10)), AKT_OK);
    int64_t d = armed.in;
    ck_assert_msg(d >= lo && d <= hi, "backoff %lld ms, expected %lld..%lld",
        (long long)(d / 1000000), (long long)(lo / 1000000),
        (long long)(hi / 1000000));
    ck_assert_int_eq(akt_scheduler_advance(sys, d - AKT_MS(1)), AKT_OK);
    int64_t left = 0;
    ck_assert_int_eq(akt_scheduler_next_due(sys, &left), AKT_OK);
    ck_assert_int_eq(left, AKT_MS(1)); /* still pending */
    ck_assert_int_eq(atomic_load(&kids[0].restarts), n_before);
    ck_assert_int_eq(akt_scheduler_advance(sys, AKT_MS(1)), AKT_OK);
    restarts_arg ra = { &kids[0], n_before + 1 };
    ck_assert_int_eq(akt_testkit_await(restarted, &ra, AKT_SEC(10)), AKT_OK);
    ck_assert_int_eq(atomic_load(&kids[0].restarts), n_before + 1);
    ck_assert_int_eq(ask_v(c0, 1), 1); /* fresh state */
    return d;
}

START_TEST(backoff_delays_restarts_exponentially)
{
    akt_system *sys = vsys_mk("backoff");
    akt_supervisor_strategy st = { .kind = AKT_ONE_FOR_ONE,
        .min_backoff_ns = AKT_MS(40),
        .max_backoff_ns = AKT_MS(200),
        .random_factor = 0.0 };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    int64_t expect_ms[] = { 40, 80, 160, 200, 200 }; /* capped at max */
    for (int i = 0; i < 5; i++) {
        fail_and_restart_after(
            sys, c0, i, AKT_MS(expect_ms[i]), AKT_MS(expect_ms[i]));
    }
    t_teardown(sys, 0);
}
END_TEST

START_TEST(backoff_resets_after_the_child_ran_stably)
{
    akt_system *sys = vsys_mk("reset");
    akt_supervisor_strategy st = { .kind = AKT_ONE_FOR_ONE,
        .min_backoff_ns = AKT_MS(30),
        .max_backoff_ns = AKT_SEC(5),
        .random_factor = 0.0,
        .reset_after_ns = AKT_MS(100) };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    int64_t expect_ms[] = { 30, 60, 120 };
    for (int i = 0; i < 3; i++) {
        fail_and_restart_after(
            sys, c0, i, AKT_MS(expect_ms[i]), AKT_MS(expect_ms[i]));
    }
    /* ran for 99 ms since the last restart: not yet stable, the next
     * delay keeps growing (240 ms) */
    ck_assert_int_eq(akt_scheduler_advance(sys, AKT_MS(99)), AKT_OK);
    fail_and_restart_after(sys, c0, 3, AKT_MS(240), AKT_MS(240));
    /* ran for 100 ms: stable, so the backoff starts again at 30 ms */
    ck_assert_int_eq(akt_scheduler_advance(sys, AKT_MS(100)), AKT_OK);
    fail_and_restart_after(sys, c0, 4, AKT_MS(30), AKT_MS(30));
    fail_and_restart_after(sys, c0, 5, AKT_MS(60), AKT_MS(60));
    t_teardown(sys, 0);
}
END_TEST

START_TEST(backoff_jitter_stays_within_the_random_factor)
{
    akt_system *sys = vsys_mk("jitter");
    akt_supervisor_strategy st = { .kind = AKT_ONE_FOR_ONE,
        .min_backoff_ns = AKT_MS(50),
        .max_backoff_ns = AKT_MS(50),
        .random_factor = 0.5 };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    int distinct = 0;
    int64_t first = -1;
    for (int i = 0; i < 6; i++) {
        /* 50 ms +- 50 %, rounded up to the 1 ms tick */
        int64_t d = fail_and_restart_after(sys, c0, i, AKT_MS(25), AKT_MS(76));
        if (first < 0) {
            first = d;
        } else if (d != first) {
            distinct = 1;
        }
    }
    ck_assert_msg(distinct, "six jittered delays were all equal");
    t_teardown(sys, 0);
}
END_TEST

static akt_err
bad_start(void *state, akt_ctx *ctx)
{
    return AKT_EIO;
}
static const akt_lifecycle bad_life
    = { .pre_start = bad_start, .post_stop = c_post_stop };

START_TEST(failing_pre_start_stops_the_actor_without_post_stop)
{
    akt_system *sys = sys_mk("badstart");
    akt_props p = { .behavior = &child_beh,
        .behavior_arg = &kids[0],
        .lifecycle = &bad_life,
        .state_size = sizeof(int64_t) };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &p, "a", &a), AKT_OK);
    t_await_stop(a);
    ck_assert_int_eq(atomic_load(&kids[0].stops), 0);
    t_teardown(sys, 0);
}
END_TEST

/* a pre_start that fails while flaky_fails > 0 (counted down); each
 * call spawns a grandchild first, to show what a failed start made stops */
static _Atomic int flaky_fails;
static akt_ref flaky_kids[2]; /* the grandchildren of the first two starts */

static akt_err
flaky_start(void *state, akt_ctx *ctx)
{
    counters *c = (counters *)akt_ctx_behavior_arg(ctx);
    int n = atomic_fetch_add(&c->starts, 1);
    akt_ref g;
    akt_err rc = akt_ctx_spawn(ctx, &kid_props[3], "g", &g);
    if (n < 2) {
        flaky_kids[n] = g; /* read by the test after an ask to the actor */
    }
    if (rc != AKT_OK) {
        return rc;
    }
    if (atomic_fetch_sub(&flaky_fails, 1) > 0) {
        return akt_ctx_fail(ctx, AKT_EIO, "disk not ready");
    }
    return AKT_OK;
}
static const akt_lifecycle flaky_life
    = { .pre_start = flaky_start, .post_stop = c_post_stop };

static _Atomic int decided, decided_reason;

static akt_directive
decide_counted(akt_err reason, akt_ref ch, void *arg)
{
    atomic_fetch_add(&decided, 1);
    atomic_store(&decided_reason, reason);
    return (akt_directive)(intptr_t)arg;
}

/* spawn the flaky child c0 under a parent p with strategy st */
static akt_ref
spawn_flaky(akt_system *sys, const char *name,
    const akt_supervisor_strategy *st, int fails)
{
    atomic_store(&flaky_fails, fails);
    atomic_store(&decided, 0);
    kid_props[0].lifecycle = &flaky_life;
    return spawn_parent(sys, name, st, 1);
}

/* Akka asks the supervisor about a failing first start (an
 * ActorInitializationException) as about any failure: a decider that
 * restarts gets the actor started anew (its failed incarnation runs no
 * hook: it never started; the child its pre_start made stops) and it
 * answers; the restart limit still applies; resume means start anew too
 * (nothing started to resume); escalate fails the supervisor, whose own
 * supervisor restarts it. Without a decider (the default strategy) the
 * actor stops, as failing_pre_start_stops_the_actor_without_post_stop
 * shows. */
START_TEST(a_failing_first_start_is_a_failure_the_supervisor_decides)
{
    akt_system *sys = sys_mk("startsup");
    /* restart: the second start succeeds */
    akt_supervisor_strategy rs = { .kind = AKT_ONE_FOR_ONE,
        .max_restarts = -1,
        .decider = decide_counted,
        .decider_arg = (void *)(intptr_t)AKT_RESTART };
    spawn_flaky(sys, "p", &rs, 1);
    akt_ref c0 = spawned[0];
    ck_assert_int_eq(ask_v(c0, 5), 5); /* asked after the restart: served */
    ck_assert_int_eq(atomic_load(&decided), 1);
    ck_assert_int_eq(atomic_load(&decided_reason), AKT_EIO);
    ck_assert_int_eq(atomic_load(&kids[0].starts), 2);
    ck_assert_int_eq(atomic_load(&kids[0].stops), 0); /* no hook on it */
    /* what the failed start made stopped (or is stopping) */
    char path[64];
    akt_err prc = akt_ref_path(flaky_kids[0], path, sizeof path);
    if (prc == AKT_OK) {
        t_await_stop(flaky_kids[0]);
    } else {
        ck_assert_int_eq(prc, AKT_ESTOPPED);
    }
    ck_assert_int_eq(akt_ref_path(flaky_kids[1], path, sizeof path), AKT_OK);
    /* it started at last: a later stop runs post_stop */
    ck_assert_int_eq(akt_stop(c0), AKT_OK);
    t_await_stop(c0);
    ck_assert_int_eq(atomic_load(&kids[0].stops), 1);

    /* the restart limit: 2 restarts allowed, the start keeps failing */
    memset(&kids[0], 0, sizeof kids[0]);
    akt_supervisor_strategy lim = rs;
    lim.max_restarts = 2;
    spawn_flaky(sys, "q", &lim, 1000);
    akt_ref q0 = spawned[0];
    t_await_stop(q0);
    ck_assert_int_eq(atomic_load(&decided), 3);
    ck_assert_int_eq(atomic_load(&kids[0].starts), 3);

    /* resume: started anew */
    memset(&kids[0], 0, sizeof kids[0]);
    akt_supervisor_strategy res = rs;
    res.decider_arg = (void *)(intptr_t)AKT_RESUME;
    spawn_flaky(sys, "r", &res, 1);
    ck_assert_int_eq(ask_v(spawned[0], 7), 7);
    ck_assert_int_eq(atomic_load(&kids[0].starts), 2);

    /* escalate: the supervisor fails with the child's reason and /user
     * (the default strategy) restarts it, which stops the child */
    memset(&kids[0], 0, sizeof kids[0]);
    akt_supervisor_strategy esc = rs;
    esc.decider_arg = (void *)(intptr_t)AKT_ESCALATE;
    atomic_store(&parent_ctr.restarts, 0);
    akt_ref e = spawn_flaky(sys, "e", &esc, 1);
    akt_ref e0 = spawned[0];
    t_await_stop(e0);
    ck_assert_int_eq(ask_v(e, 0), 0); /* e is up again */
    ck_assert_int_eq(atomic_load(&parent_ctr.restarts), 1);
    ck_assert_int_eq(atomic_load(&parent_ctr.last_reason), AKT_EIO);
    ck_assert_str_eq(
        parent_ctr.reason, "escalated from a child: disk not ready");
    t_teardown(sys, 0);
    kid_props[0].lifecycle = &c_life;
}
END_TEST

/* a reason text longer than the old 96-byte buffer reaches the asker of
 * the failed message whole (up to AKT_STATUS_TEXT_MAX bytes) */
START_TEST(a_long_failure_reason_reaches_the_asker_whole)
{
    akt_system *sys = sys_mk("longwhy");
    akt_supervisor_strategy st
        = { .kind = AKT_ONE_FOR_ONE, .max_restarts = -1 };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    akt_future *f;
    ck_assert_int_eq(
        akt_ask(c0, t_int(-(int64_t)AKT_ETOOBIG), AKT_SEC(30), &f), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), &r), AKT_ETOOBIG);
    char want[AKT_STATUS_TEXT_MAX + 1];
    memcpy(want, long_why(), AKT_STATUS_TEXT_MAX);
    want[AKT_STATUS_TEXT_MAX] = '\0';
    ck_assert_str_eq(akt_future_error_text(f), want);
    ck_assert_uint_eq(strlen(want), AKT_STATUS_TEXT_MAX);
    akt_future_release(f);
    t_teardown(sys, 0);
}
END_TEST

/* the log lines of a system (its sink runs on the logging thread) */
typedef struct log_line {
    int level;
    char path[96];
    char text[160];
} log_line;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static log_line log_lines[32];
static int log_n;

static void
log_sink(const akt_LogEvent *ev, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&log_mu);
    if (log_n < 32) {
        log_line *l = &log_lines[log_n++];
        l->level = ev->level;
        snprintf(l->path, sizeof l->path, "%.*s", (int)ev->path.len,
            ev->path.ptr ? ev->path.ptr : "");
        snprintf(l->text, sizeof l->text, "%.*s", (int)ev->text.len,
            ev->text.ptr ? ev->text.ptr : "");
    }
    pthread_mutex_unlock(&log_mu);
}

/* the first line logged for path (its index), or -1 */
static int
find_line(const char *path, const char *text, int level)
{
    int found = -1;
    pthread_mutex_lock(&log_mu);
    for (int i = 0; i < log_n && found < 0; i++) {
        if (strstr(log_lines[i].path, path) && log_lines[i].level == level
            && strcmp(log_lines[i].text, text) == 0) {
            found = i;
        }
    }
    pthread_mutex_unlock(&log_mu);
    return found;
}

/* Akka's supervisors log each failure they handle: the child's path, its
 * reason and what was decided (a resume as a warning, the rest as
 * errors); an actor whose start fails logs that it stops. The line comes
 * before the directive is carried out, so the asks below see it. */
START_TEST(every_failure_a_supervisor_handles_leaves_a_log_line)
{
    log_n = 0;
    akt_system *sys = sys_mk("logged");
    ck_assert_int_eq(akt_log_set_sink(sys, log_sink, NULL, NULL), AKT_OK);
    akt_supervisor_strategy st = { .kind = AKT_ONE_FOR_ONE, .max_restarts = 1 };
    spawn_parent(sys, "p", &st, 1);
    akt_ref c0 = child(sys, "p", 0);
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EIO), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(ask_v(c0, 1), 1); /* restarted */
    ck_assert_int_ge(find_line("/user/p/c0",
                         "failed: boom 13 (EIO); restarting", AKT_LOG_ERROR),
        0);
    ck_assert_int_eq(akt_tell(c0, t_int(-AKT_EIO), AKT_REF_NONE), AKT_OK);
    t_await_stop(c0); /* the second restart in the window: stopped */
    ck_assert_int_ge(find_line("/user/p/c0",
                         "failed: boom 13 (EIO); stopping (restart limit "
                         "reached)",
                         AKT_LOG_ERROR),
        0);
    /* a resume is a warning */
    akt_supervisor_strategy rs = { .kind = AKT_ONE_FOR_ONE,
        .decider = decide_fixed,
        .decider_arg = (void *)(intptr_t)AKT_RESUME };
    spawn_parent(sys, "q", &rs, 1);
    akt_ref q0 = spawned[0];
    ck_assert_int_eq(akt_tell(q0, t_int(-AKT_EFAILED), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(ask_v(q0, 2), 2);
    ck_assert_int_ge(
        find_line("/user/q/c0", "failed: boom 15 (EFAILED); resuming",
            AKT_LOG_WARNING),
        0);
    /* a start that fails */
    akt_props bad = { .behavior = &child_beh,
        .behavior_arg = &kids[1],
        .lifecycle = &bad_life,
        .state_size = sizeof(int64_t) };
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &bad, "a", &a), AKT_OK);
    t_await_stop(a);
    ck_assert_int_ge(
        find_line("/user/a", "start failed: (EIO); stopping", AKT_LOG_ERROR),
        0);
    t_teardown(sys, 0);
}
END_TEST

Suite *
supervision_suite(void)
{
    Suite *s = suite_create("supervision");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, one_for_one_restart_resets_only_the_failed_child);
    tcase_add_test(tc, resume_keeps_the_state_and_drops_the_failed_message);
    tcase_add_test(tc, stop_directive_stops_the_failed_child);
    tcase_add_test(tc, escalate_fails_the_supervisor_and_its_parent_decides);
    tcase_add_test(tc, all_for_one_restarts_every_child);
    tcase_add_test(
        tc, rest_for_one_restarts_the_failed_child_and_younger_siblings);
    tcase_add_test(
        tc, exceeding_max_restarts_within_the_window_stops_the_child);
    tcase_add_test(tc, unlimited_restarts_never_stop_the_child);
    tcase_add_test(tc, config_max_restarts_applies_to_a_zeroed_strategy);
    tcase_add_test(tc, default_strategy_restarts_a_failing_top_level_actor);
    tcase_add_test(tc, kill_fails_the_actor_and_the_supervisor_decides);
    tcase_add_test(tc, backoff_delays_restarts_exponentially);
    tcase_add_test(tc, backoff_resets_after_the_child_ran_stably);
    tcase_add_test(tc, backoff_jitter_stays_within_the_random_factor);
    tcase_add_test(tc, failing_pre_start_stops_the_actor_without_post_stop);
    tcase_add_test(tc, children_a_pre_restart_keeps_restart_after_their_parent);
    tcase_add_test(tc, without_post_restart_a_restart_runs_pre_start);
    tcase_add_test(tc, every_failure_a_supervisor_handles_leaves_a_log_line);
    tcase_add_test(
        tc, a_failing_first_start_is_a_failure_the_supervisor_decides);
    tcase_add_test(tc, a_long_failure_reason_reaches_the_asker_whole);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(supervision_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
