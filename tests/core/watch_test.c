/*
 * watch_test.c -- death watch: Terminated exactly once, also for targets
 * that are already dead, unwatch, watching from outside with a future, and
 * misuse.
 */
#include "testutil.h"

typedef struct w_Ref {
    akt_ref ref;
    int32_t op; /* 1 watch, 2 unwatch, 3 report, 4 watch twice, 5 spawn a
                   child and watch it */
} w_Ref;

static const akt_type w_ref_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "test.Ref",
    .id = 0x3333,
    .size = sizeof(w_Ref),
    .align = _Alignof(w_Ref),
};

typedef struct watcher_state {
    int64_t terminated;
    akt_ref last;
} watcher_state;

static t_latch term_latch;

static const akt_behavior idle_beh = { "idle", NULL, 0, NULL };
static const akt_props idle_props = { .behavior = &idle_beh };

static akt_err
watcher_ref(void *state, akt_ctx *ctx, const void *msg)
{
    watcher_state *s = state;
    const w_Ref *m = msg;
    akt_err rc = AKT_OK;
    switch (m->op) {
    case 1:
        rc = akt_ctx_watch(ctx, m->ref);
        break;
    case 4:
        rc = akt_ctx_watch(ctx, m->ref);
        if (rc == AKT_OK) {
            rc = akt_ctx_watch(ctx, m->ref);
        }
        break;
    case 2:
        rc = akt_ctx_unwatch(ctx, m->ref);
        break;
    case 5: {
        akt_ref child;
        rc = akt_ctx_spawn(ctx, &idle_props, NULL, &child);
        if (rc == AKT_OK) {
            rc = akt_ctx_watch(ctx, child);
        }
        break;
    }
    default:
        break;
    }
    t_Int *r = t_int(rc != AKT_OK ? -(int64_t)rc : s->terminated);
    return akt_reply(ctx, r);
}

static akt_err
watcher_terminated(void *state, akt_ctx *ctx, const void *msg)
{
    watcher_state *s = state;
    const akt_Terminated *t = msg;
    s->terminated++;
    s->last = t->actor;
    ck_assert(akt_ref_equal(akt_ctx_sender(ctx), t->actor));
    t_latch_add(&term_latch, 1);
    return AKT_OK;
}

static const akt_handler watcher_handlers[] = { { &w_ref_type, watcher_ref },
    { &akt_terminated_type, watcher_terminated } };
static const akt_behavior watcher_beh
    = { "watcher", watcher_handlers, 2, NULL };
static const akt_props watcher_props
    = { .behavior = &watcher_beh, .state_size = sizeof(watcher_state) };

static int64_t
send_op(akt_ref w, akt_ref target, int op)
{
    w_Ref *m = akt_msg_new(&w_ref_type, 0);
    m->ref = target;
    m->op = op;
    akt_future *f;
    ck_assert_int_eq(akt_ask(w, m, AKT_SEC(30), &f), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), &r), AKT_OK);
    int64_t v = ((t_Int *)r)->v;
    akt_msg_free(r);
    akt_future_release(f);
    return v;
}

static akt_system *
sys_mk(const char *name)
{
    pthread_mutex_init(&term_latch.mu, NULL);
    pthread_cond_init(&term_latch.cv, NULL);
    term_latch.n = 0;
    return t_system(name,
        "akt.actor.default-dispatcher.workers=2;akt.actor.dead-letters.log="
        "off");
}

START_TEST(watcher_gets_terminated_exactly_once)
{
    akt_system *sys = sys_mk("once");
    akt_ref w, t;
    ck_assert_int_eq(akt_spawn(sys, &watcher_props, "w", &w), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &idle_props, "t", &t), AKT_OK);
    ck_assert_int_eq(send_op(w, t, 4), 0); /* watch twice: still one */
    ck_assert_int_eq(akt_stop(t), AKT_OK);
    ck_assert(t_latch_wait(&term_latch, 1, 30000));
    /* a stop after the first is refused, and nothing more arrives */
    ck_assert_int_eq(akt_stop(t), AKT_ESTOPPED);
    ck_assert_int_eq(
        send_op(w, t, 1), 1); /* watch the dead one again (count is 1) */
    ck_assert(
        t_latch_wait(&term_latch, 2, 30000)); /* a new watch, a new notice */
    ck_assert_int_eq(send_op(w, t, 3), 2);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(watching_an_already_dead_actor_delivers_terminated)
{
    akt_system *sys = sys_mk("dead");
    akt_ref w, t;
    ck_assert_int_eq(akt_spawn(sys, &watcher_props, "w", &w), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &idle_props, "t", &t), AKT_OK);
    ck_assert_int_eq(akt_stop(t), AKT_OK);
    t_await_stop(t);
    ck_assert_int_eq(send_op(w, t, 1), 0);
    ck_assert(t_latch_wait(&term_latch, 1, 30000));
    ck_assert_int_eq(send_op(w, t, 3), 1);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(watching_a_reused_slot_reports_the_old_incarnation_dead)
{
    akt_system *sys = sys_mk("reuse");
    akt_ref w, t, t2;
    ck_assert_int_eq(akt_spawn(sys, &watcher_props, "w", &w), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &idle_props, "t", &t), AKT_OK);
    ck_assert_int_eq(akt_stop(t), AKT_OK);
    t_await_stop(t);
    for (int i = 0; i < 50; i++) { /* likely reuses t's cell */
        ck_assert_int_eq(akt_spawn(sys, &idle_props, NULL, &t2), AKT_OK);
    }
    ck_assert_int_eq(send_op(w, t, 1), 0);
    ck_assert(t_latch_wait(&term_latch, 1, 30000));
    t_teardown(sys, 0);
}
END_TEST

START_TEST(unwatch_prevents_terminated)
{
    akt_system *sys = sys_mk("unwatch");
    akt_ref w, t;
    ck_assert_int_eq(akt_spawn(sys, &watcher_props, "w", &w), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &idle_props, "t", &t), AKT_OK);
    ck_assert_int_eq(send_op(w, t, 1), 0);
    ck_assert_int_eq(send_op(w, t, 2), 0);
    ck_assert_int_eq(send_op(w, t, 2), -AKT_ENOENT); /* not watching any more */
    ck_assert_int_eq(akt_stop(t), AKT_OK);
    t_await_stop(t);
    /* w hears nothing: its next answer still counts zero */
    ck_assert_int_eq(send_op(w, t, 3), 0);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(watch_misuse_is_einval)
{
    akt_system *sys = sys_mk("wmis");
    akt_ref w;
    ck_assert_int_eq(akt_spawn(sys, &watcher_props, "w", &w), AKT_OK);
    ck_assert_int_eq(send_op(w, AKT_REF_NONE, 1), -AKT_EINVAL);
    ck_assert_int_eq(send_op(w, w, 1), -AKT_EINVAL); /* itself */
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(AKT_REF_NONE, &f), AKT_EINVAL);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(watch_future_completes_when_the_actor_stops)
{
    akt_system *sys = sys_mk("wfut");
    akt_ref t;
    ck_assert_int_eq(akt_spawn(sys, &idle_props, "t", &t), AKT_OK);
    akt_future *f, *g;
    ck_assert_int_eq(akt_watch_future(t, &f), AKT_OK);
    ck_assert_int_eq(akt_watch_future(t, &g), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_MS(20), NULL), AKT_ETIMEDOUT);
    ck_assert_int_eq(akt_poison_pill(t), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), &r), AKT_OK);
    ck_assert_ptr_eq(akt_msg_type(r), &akt_terminated_type);
    ck_assert(akt_ref_equal(((akt_Terminated *)r)->actor, t));
    akt_msg_free(r);
    ck_assert_int_eq(akt_future_wait(g, AKT_SEC(30), NULL), AKT_OK);
    akt_future_release(f);
    akt_future_release(g);
    /* and at once for a dead one */
    ck_assert_int_eq(akt_watch_future(t, &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), NULL), AKT_OK);
    akt_future_release(f);
    t_teardown(sys, 0);
}
END_TEST

/* proves: a watch from outside can be cancelled; the future completes
 * with AKT_ECANCELED at once (not at the target's stop) and a later stop
 * does not complete it again; cancelling a completed watch changes
 * nothing */
START_TEST(watch_future_can_be_cancelled)
{
    akt_system *sys = sys_mk("wcan");
    akt_ref t;
    ck_assert_int_eq(akt_spawn(sys, &idle_props, "t", &t), AKT_OK);
    akt_future *f, *g;
    ck_assert_int_eq(akt_watch_future(t, &f), AKT_OK);
    ck_assert_int_eq(akt_watch_future(t, &g), AKT_OK);
    ck_assert_int_eq(akt_unwatch_future(t, f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), NULL), AKT_ECANCELED);
    ck_assert(!akt_future_is_done(g));
    ck_assert_int_eq(akt_stop(t), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(g, AKT_SEC(30), &r), AKT_OK);
    ck_assert_ptr_eq(akt_msg_type(r), &akt_terminated_type);
    akt_msg_free(r);
    ck_assert_int_eq(akt_future_wait(f, 0, NULL), AKT_ECANCELED);
    /* g already completed: cancelling it is harmless */
    ck_assert_int_eq(akt_unwatch_future(t, g), AKT_OK);
    ck_assert_int_eq(akt_future_wait(g, 0, NULL), AKT_OK);
    ck_assert_int_eq(akt_unwatch_future(AKT_REF_NONE, g), AKT_EINVAL);
    ck_assert_int_eq(akt_unwatch_future(t, NULL), AKT_EINVAL);
    akt_future_release(f);
    akt_future_release(g);
    t_teardown(sys, 0);
}
END_TEST

/* proves: a parent that watches its child and stops (the child stops
 * first, its Terminated lands in the stopping parent's mailbox) leaves no
 * dead letter: a Terminated for a watcher that is gone is dropped, as
 * Erlang drops a 'DOWN' to a dead process */
START_TEST(terminated_for_a_stopped_watcher_is_not_a_dead_letter)
{
    akt_system *sys = sys_mk("wgone");
    akt_ref w;
    ck_assert_int_eq(akt_spawn(sys, &watcher_props, "w", &w), AKT_OK);
    ck_assert_int_eq(send_op(w, AKT_REF_NONE, 5), 0);
    akt_future *gone;
    ck_assert_int_eq(akt_watch_future(w, &gone), AKT_OK);
    ck_assert_int_eq(akt_stop(w), AKT_OK);
    ck_assert_int_eq(akt_future_wait(gone, AKT_SEC(30), NULL), AKT_OK);
    akt_future_release(gone);
    ck_assert_uint_eq(akt_system_dead_letters(sys), 0);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(watchers_of_many_targets_hear_each_once)
{
    akt_system *sys = sys_mk("many");
    akt_ref w;
    ck_assert_int_eq(akt_spawn(sys, &watcher_props, "w", &w), AKT_OK);
    akt_ref t[50];
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(akt_spawn(sys, &idle_props, NULL, &t[i]), AKT_OK);
        ck_assert_int_eq(send_op(w, t[i], 1), 0);
    }
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(akt_stop(t[i]), AKT_OK);
    }
    ck_assert(t_latch_wait(&term_latch, 50, 30000));
    ck_assert_int_eq(send_op(w, t[0], 3), 50);
    t_teardown(sys, 0);
}
END_TEST

Suite *
watch_suite(void)
{
    Suite *s = suite_create("watch");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, watcher_gets_terminated_exactly_once);
    tcase_add_test(tc, watching_an_already_dead_actor_delivers_terminated);
    tcase_add_test(tc, watching_a_reused_slot_reports_the_old_incarnation_dead);
    tcase_add_test(tc, unwatch_prevents_terminated);
    tcase_add_test(tc, watch_misuse_is_einval);
    tcase_add_test(tc, watch_future_completes_when_the_actor_stops);
    tcase_add_test(tc, watch_future_can_be_cancelled);
    tcase_add_test(tc, terminated_for_a_stopped_watcher_is_not_a_dead_letter);
    tcase_add_test(tc, watchers_of_many_targets_hear_each_once);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(watch_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
