/*
 * lifecycle_test.c -- generated actors (tests/aktc/lifecycle/life.akt)
 * restarting with children, against the core. Each case fails a generated
 * parent twice, once by a handler error and once by akt_kill: without
 * lifecycle hooks the restart stops its children and the parent answers
 * again through the same ref; without post_restart the restart runs
 * pre_start, so the children made at start come back; the user's
 * pre_restart and post_restart run when given (and pre_restart may add the
 * default); children that a pre_restart keeps survive and restart after
 * their parent.
 */
#include "core/testutil.h"

#include "life.akt.h"

typedef enum how { BY_ERROR, BY_KILL } how;

static const char *const how_name[] = { "error", "kill" };

typedef struct seen {
    _Atomic int starts, stops, pre_restarts, post_restarts;
    _Atomic int reason; /* of the last pre_restart / post_restart */
    _Atomic int failed_was_fail; /* pre_restart's failed_msg: a life.Fail */
    /* results of akt_ctx_default_pre_restart: the first and a second call
     * in pre_restart, a call in post_restart (hooks run on workers: the
     * test thread asserts) */
    _Atomic int default_first, default_again, default_elsewhere;
} seen;

static seen parent_seen, child_seen;

/* --- the child ----------------------------------------------------------- */

static akt_err
child_on_add(life_ChildState *state, akt_ctx *ctx, const life_Add *msg)
{
    state->total += msg->v;
    return life_child_reply_add(ctx, life_value_new(state->total));
}

static akt_err
child_pre_start(life_ChildState *state, akt_ctx *ctx)
{
    (void)state;
    (void)ctx;
    atomic_fetch_add(&child_seen.starts, 1);
    return AKT_OK;
}

static void
child_post_stop(life_ChildState *state, akt_ctx *ctx)
{
    (void)state;
    (void)ctx;
    atomic_fetch_add(&child_seen.stops, 1);
}

static akt_err
child_post_restart(life_ChildState *state, akt_ctx *ctx, akt_err reason)
{
    (void)state;
    (void)ctx;
    atomic_store(&child_seen.reason, reason);
    atomic_fetch_add(&child_seen.post_restarts, 1);
    return AKT_OK;
}

static const life_ChildHandlers child_handlers = {
    .on_add = child_on_add,
    .pre_start = child_pre_start,
    .post_stop = child_post_stop,
    .post_restart = child_post_restart,
};

/* --- the parent ---------------------------------------------------------- */

static akt_err
spawn_children(akt_ctx *ctx, int n)
{
    akt_props p;
    akt_err err = life_child_props(&child_handlers, &p);
    for (int i = 0; i < n && err == AKT_OK; i++) {
        char name[16];
        akt_ref r;
        snprintf(name, sizeof name, "c%d", i);
        err = akt_ctx_spawn(ctx, &p, name, &r);
    }
    return err;
}

static akt_err
parent_on_spawn(life_ParentState *state, akt_ctx *ctx, const life_Spawn *msg)
{
    (void)state;
    akt_err err = spawn_children(ctx, msg->n);
    if (err != AKT_OK) {
        return err;
    }
    return life_parent_reply_spawn(ctx, life_value_new(msg->n));
}

static akt_err
parent_on_add(life_ParentState *state, akt_ctx *ctx, const life_Add *msg)
{
    state->total += msg->v;
    return life_parent_reply_add(ctx, life_value_new(state->total));
}

static akt_err
parent_on_fail(life_ParentState *state, akt_ctx *ctx, const life_Fail *msg)
{
    (void)state;
    return akt_ctx_fail(ctx, (akt_err)msg->code, "told to fail");
}

/* pre_start makes two children */
static akt_err
parent_pre_start(life_ParentState *state, akt_ctx *ctx)
{
    (void)state;
    atomic_fetch_add(&parent_seen.starts, 1);
    return spawn_children(ctx, 2);
}

static void
parent_post_stop(life_ParentState *state, akt_ctx *ctx)
{
    (void)state;
    (void)ctx;
    atomic_fetch_add(&parent_seen.stops, 1);
}

static void
record_pre_restart(akt_err reason, const void *failed_msg)
{
    atomic_store(&parent_seen.reason, reason);
    atomic_store(&parent_seen.failed_was_fail,
        failed_msg != NULL && akt_msg_type(failed_msg) == &life_fail_desc);
    atomic_fetch_add(&parent_seen.pre_restarts, 1);
}

/* adds to the default: the children stop and post_stop runs */
static void
parent_pre_restart_default(life_ParentState *state, akt_ctx *ctx,
    akt_err reason, const void *failed_msg)
{
    (void)state;
    record_pre_restart(reason, failed_msg);
    atomic_store(&parent_seen.default_first, akt_ctx_default_pre_restart(ctx));
    atomic_store(&parent_seen.default_again, akt_ctx_default_pre_restart(ctx));
}

/* keeps the children */
static void
parent_pre_restart_keep(life_ParentState *state, akt_ctx *ctx, akt_err reason,
    const void *failed_msg)
{
    (void)state;
    (void)ctx;
    record_pre_restart(reason, failed_msg);
}

/* replaces pre_start (no children are made again) */
static akt_err
parent_post_restart(life_ParentState *state, akt_ctx *ctx, akt_err reason)
{
    (void)state;
    /* the default of the other hook is refused here */
    atomic_store(
        &parent_seen.default_elsewhere, akt_ctx_default_pre_restart(ctx));
    atomic_store(&parent_seen.reason, reason);
    atomic_fetch_add(&parent_seen.post_restarts, 1);
    return AKT_OK;
}

static const life_ParentHandlers parent_plain = {
    .on_spawn = parent_on_spawn,
    .on_add = parent_on_add,
    .on_fail = parent_on_fail,
};

static const life_ParentHandlers parent_starter = {
    .on_spawn = parent_on_spawn,
    .on_add = parent_on_add,
    .on_fail = parent_on_fail,
    .pre_start = parent_pre_start,
};

static const life_ParentHandlers parent_hooked = {
    .on_spawn = parent_on_spawn,
    .on_add = parent_on_add,
    .on_fail = parent_on_fail,
    .pre_start = parent_pre_start,
    .post_stop = parent_post_stop,
    .pre_restart = parent_pre_restart_default,
    .post_restart = parent_post_restart,
};

static const life_ParentHandlers parent_keeper = {
    .on_spawn = parent_on_spawn,
    .on_add = parent_on_add,
    .on_fail = parent_on_fail,
    .pre_start = parent_pre_start,
    .pre_restart = parent_pre_restart_keep,
    .post_restart = parent_post_restart,
};

/* --- helpers ------------------------------------------------------------- */

static akt_system *
sys_mk(void)
{
    return t_system("life", "akt.actor.default-dispatcher.workers=2");
}

static int64_t
parent_add(akt_ref p, int64_t v)
{
    akt_future *f;
    life_Value *r = NULL;
    ck_assert_int_eq(life_parent_ask_add(
                         life_parent_ref(p), life_add_new(v), AKT_SEC(30), &f),
        AKT_OK);
    ck_assert_int_eq(life_parent_ask_add_wait(f, AKT_SEC(30), &r), AKT_OK);
    akt_future_release(f);
    int64_t total = r->v;
    akt_msg_free(r);
    return total;
}

static int64_t
child_add(akt_ref c, int64_t v)
{
    akt_future *f;
    life_Value *r = NULL;
    ck_assert_int_eq(
        life_child_ask_add(life_child_ref(c), life_add_new(v), AKT_SEC(30), &f),
        AKT_OK);
    ck_assert_int_eq(life_child_ask_add_wait(f, AKT_SEC(30), &r), AKT_OK);
    akt_future_release(f);
    int64_t total = r->v;
    akt_msg_free(r);
    return total;
}

static akt_ref
spawn_parent(akt_system *sys, const life_ParentHandlers *h, how how_)
{
    akt_props props;
    akt_ref p;
    char name[32];
    snprintf(name, sizeof name, "p-%s", how_name[how_]);
    ck_assert_int_eq(life_parent_props(h, &props), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &props, name, &p), AKT_OK);
    return p;
}

/* the child cN of the parent of mode how_; AKT_REF_NONE when there is none */
static akt_ref
child_of(akt_system *sys, how how_, int n)
{
    char path[64];
    akt_ref r = AKT_REF_NONE;
    snprintf(path, sizeof path, "/user/p-%s/c%d", how_name[how_], n);
    akt_err err = akt_lookup(sys, path, &r);
    ck_assert(err == AKT_OK || err == AKT_ENOENT);
    return r;
}

static void
fail_parent(akt_ref p, how how_)
{
    if (how_ == BY_ERROR) {
        ck_assert_int_eq(
            life_parent_tell_fail(life_parent_ref(p), life_fail_new(AKT_EIO)),
            AKT_OK);
    } else {
        ck_assert_int_eq(akt_kill(p), AKT_OK);
    }
}

static akt_err
reason_of(how how_)
{
    return how_ == BY_ERROR ? AKT_EIO : AKT_ECANCELED; /* akt_kill's */
}

/* the parent is the live actor at its path, through the same ref */
static void
assert_found(akt_system *sys, akt_ref p, how how_)
{
    char path[32];
    akt_ref found;
    snprintf(path, sizeof path, "/user/p-%s", how_name[how_]);
    ck_assert_int_eq(akt_lookup(sys, path, &found), AKT_OK);
    ck_assert(akt_ref_equal(found, p));
}

static void
stop_parent(akt_ref p)
{
    ck_assert_int_eq(akt_stop(p), AKT_OK);
    t_await_stop(p);
    memset(&parent_seen, 0, sizeof parent_seen);
    memset(&child_seen, 0, sizeof child_seen);
}

/* --- tests --------------------------------------------------------------- */

START_TEST(a_parent_without_hooks_stops_its_children_and_restarts)
{
    int64_t live = akti_msg_live();
    akt_system *sys = sys_mk();
    for (how h = BY_ERROR; h <= BY_KILL; h++) {
        akt_ref p = spawn_parent(sys, &parent_plain, h);
        akt_future *f;
        life_Value *n = NULL;
        ck_assert_int_eq(life_parent_ask_spawn(life_parent_ref(p),
                             life_spawn_new(2), AKT_SEC(30), &f),
            AKT_OK);
        ck_assert_int_eq(
            life_parent_ask_spawn_wait(f, AKT_SEC(30), &n), AKT_OK);
        ck_assert_int_eq(n->v, 2);
        akt_msg_free(n);
        akt_future_release(f);
        akt_ref c0 = child_of(sys, h, 0), c1 = child_of(sys, h, 1);
        ck_assert_int_eq(parent_add(p, 5), 5);

        fail_parent(p, h);
        /* the default pre_restart stopped both children */
        t_await_stop(c0);
        t_await_stop(c1);
        ck_assert_int_eq(atomic_load(&child_seen.stops), 2);
        /* restarted (fresh state), answering through the same ref */
        ck_assert_int_eq(parent_add(p, 1), 1);
        assert_found(sys, p, h);
        ck_assert(akt_ref_is_none(child_of(sys, h, 0)));
        ck_assert(akt_ref_is_none(child_of(sys, h, 1)));
        stop_parent(p);
    }
    t_teardown(sys, live);
}
END_TEST

START_TEST(without_post_restart_a_restart_runs_pre_start_again)
{
    int64_t live = akti_msg_live();
    akt_system *sys = sys_mk();
    for (how h = BY_ERROR; h <= BY_KILL; h++) {
        akt_ref p = spawn_parent(sys, &parent_starter, h);
        ck_assert_int_eq(parent_add(p, 5), 5); /* after pre_start */
        akt_ref c0 = child_of(sys, h, 0), c1 = child_of(sys, h, 1);
        ck_assert(!akt_ref_is_none(c0) && !akt_ref_is_none(c1));

        fail_parent(p, h);
        t_await_stop(c0);
        t_await_stop(c1);
        ck_assert_int_eq(parent_add(p, 1), 1);
        assert_found(sys, p, h);
        /* pre_start ran again and made new children (Akka's default
         * postRestart) */
        ck_assert_int_eq(atomic_load(&parent_seen.starts), 2);
        akt_ref n0 = child_of(sys, h, 0), n1 = child_of(sys, h, 1);
        ck_assert(!akt_ref_is_none(n0) && !akt_ref_is_none(n1));
        ck_assert(!akt_ref_equal(n0, c0) && !akt_ref_equal(n1, c1));
        ck_assert_int_eq(child_add(n0, 3), 3);
        stop_parent(p);
    }
    t_teardown(sys, live);
}
END_TEST

START_TEST(user_hooks_run_and_pre_restart_may_add_the_default)
{
    int64_t live = akti_msg_live();
    akt_system *sys = sys_mk();
    for (how h = BY_ERROR; h <= BY_KILL; h++) {
        akt_ref p = spawn_parent(sys, &parent_hooked, h);
        ck_assert_int_eq(parent_add(p, 5), 5);
        akt_ref c0 = child_of(sys, h, 0), c1 = child_of(sys, h, 1);

        fail_parent(p, h);
        t_await_stop(c0);
        t_await_stop(c1);
        ck_assert_int_eq(parent_add(p, 1), 1);
        assert_found(sys, p, h);
        ck_assert_int_eq(atomic_load(&parent_seen.pre_restarts), 1);
        /* the failed message is there for an error, not for a kill */
        ck_assert_int_eq(
            atomic_load(&parent_seen.failed_was_fail), h == BY_ERROR);
        ck_assert_int_eq(
            atomic_load(&parent_seen.stops), 1); /* by the default */
        ck_assert_int_eq(atomic_load(&parent_seen.default_first), AKT_OK);
        ck_assert_int_eq(atomic_load(&parent_seen.default_again), AKT_EINVAL);
        ck_assert_int_eq(
            atomic_load(&parent_seen.default_elsewhere), AKT_EINVAL);
        ck_assert_int_eq(atomic_load(&parent_seen.post_restarts), 1);
        ck_assert_int_eq(atomic_load(&parent_seen.reason), reason_of(h));
        /* post_restart replaced pre_start: no children came back */
        ck_assert_int_eq(atomic_load(&parent_seen.starts), 1);
        ck_assert(akt_ref_is_none(child_of(sys, h, 0)));
        stop_parent(p);
    }
    t_teardown(sys, live);
}
END_TEST

START_TEST(children_a_pre_restart_keeps_survive_and_restart_after_it)
{
    int64_t live = akti_msg_live();
    akt_system *sys = sys_mk();
    for (how h = BY_ERROR; h <= BY_KILL; h++) {
        akt_ref p = spawn_parent(sys, &parent_keeper, h);
        ck_assert_int_eq(parent_add(p, 5), 5);
        akt_ref c0 = child_of(sys, h, 0), c1 = child_of(sys, h, 1);
        ck_assert_int_eq(child_add(c0, 4), 4);

        fail_parent(p, h);
        /* the parent does not wait for children nobody stopped */
        ck_assert_int_eq(parent_add(p, 1), 1);
        assert_found(sys, p, h);
        ck_assert_int_eq(atomic_load(&parent_seen.pre_restarts), 1);
        ck_assert_int_eq(atomic_load(&parent_seen.post_restarts), 1);
        /* the same children, restarted after the parent was up again (the
         * restart was queued as a system message before the parent
         * answered, so it runs before this ask) */
        ck_assert(akt_ref_equal(child_of(sys, h, 0), c0));
        ck_assert(akt_ref_equal(child_of(sys, h, 1), c1));
        ck_assert_int_eq(child_add(c0, 1), 1);
        ck_assert_int_eq(child_add(c1, 1), 1);
        ck_assert_int_eq(atomic_load(&child_seen.post_restarts), 2);
        ck_assert_int_eq(atomic_load(&child_seen.reason), reason_of(h));
        /* their own default pre_restart ran post_stop; they never
         * stopped (the same refs answered above) */
        ck_assert_int_eq(atomic_load(&child_seen.stops), 2);
        stop_parent(p);
    }
    t_teardown(sys, live);
}
END_TEST

static Suite *
lifecycle_suite(void)
{
    Suite *s = suite_create("aktc_lifecycle");
    TCase *t = tcase_create("restart");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, a_parent_without_hooks_stops_its_children_and_restarts);
    tcase_add_test(t, without_post_restart_a_restart_runs_pre_start_again);
    tcase_add_test(t, user_hooks_run_and_pre_restart_may_add_the_default);
    tcase_add_test(
        t, children_a_pre_restart_keeps_survive_and_restart_after_it);
    suite_add_tcase(s, t);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(lifecycle_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
