/*
 * watch_dead_test.c -- watching an actor that is already dead delivers
 * Terminated exactly once, whatever became of its cell: still free, taken
 * by another actor, or taken by the watcher itself.
 */
#include "testutil.h"

typedef struct wd_Ref {
    akt_ref ref;
    int32_t op; /* 1 watch, 3 report */
} wd_Ref;

static const akt_type wd_ref_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "test.WatchDeadRef",
    .id = 0x3334,
    .size = sizeof(wd_Ref),
    .align = _Alignof(wd_Ref),
};

typedef struct wd_state {
    int64_t terminated;
    akt_ref last;
} wd_state;

static t_latch term_latch = T_LATCH_INIT;

static akt_err
wd_on_ref(void *state, akt_ctx *ctx, const void *msg)
{
    wd_state *s = state;
    const wd_Ref *m = msg;
    akt_err rc = AKT_OK;
    if (m->op == 1) {
        rc = akt_ctx_watch(ctx, m->ref);
        if (rc == AKT_OK) {
            rc = akt_ctx_watch(ctx, m->ref); /* twice: still one notice */
        }
    }
    return akt_reply(ctx, t_int(rc != AKT_OK ? -(int64_t)rc : s->terminated));
}

static akt_err
wd_on_terminated(void *state, akt_ctx *ctx, const void *msg)
{
    (void)ctx;
    wd_state *s = state;
    s->terminated++;
    s->last = ((const akt_Terminated *)msg)->actor;
    t_latch_add(&term_latch, 1);
    return AKT_OK;
}

static const akt_handler wd_handlers[] = { { &wd_ref_type, wd_on_ref },
    { &akt_terminated_type, wd_on_terminated } };
static const akt_behavior wd_beh = { "watch-dead", wd_handlers, 2, NULL };
static const akt_props wd_props
    = { .behavior = &wd_beh, .state_size = sizeof(wd_state) };

static int64_t
wd_send(akt_ref w, akt_ref target, int op)
{
    wd_Ref *m = akt_msg_new(&wd_ref_type, 0);
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
wd_system(const char *name)
{
    term_latch.n = 0;
    return t_system(name,
        "akt.actor.default-dispatcher.workers=2;akt.actor.dead-letters.log="
        "off");
}

START_TEST(watcher_in_the_dead_actors_own_cell_gets_terminated_once)
{
    akt_system *sys = wd_system("selfcell");
    akt_ref t = AKT_REF_NONE, w = AKT_REF_NONE;
    bool same = false;
    /* free lists are LIFO: a spawn right after a stop usually takes the
     * stopped actor's cell; retry until it does */
    for (int i = 0; i < 200 && !same; i++) {
        ck_assert_int_eq(akt_spawn(sys, &wd_props, NULL, &t), AKT_OK);
        ck_assert_int_eq(akt_stop(t), AKT_OK);
        t_await_stop(t);
        for (int k = 0; k < 50 && !same; k++) {
            ck_assert_int_eq(akt_spawn(sys, &wd_props, NULL, &w), AKT_OK);
            same = w.cell_ == t.cell_;
        }
    }
    ck_assert_msg(same, "no spawn reused the stopped actor's cell");
    ck_assert(!akt_ref_equal(w, t));
    /* a stale ref into its own cell is a dead actor, not "itself" */
    ck_assert_int_eq(wd_send(w, t, 1), 0);
    ck_assert(t_latch_wait(&term_latch, 1, 30000));
    /* exactly once: the next answer (after the notice) still counts one */
    ck_assert_int_eq(wd_send(w, t, 3), 1);
    ck_assert_int_eq(wd_send(w, t, 3), 1);
    /* itself (the live incarnation) stays misuse */
    ck_assert_int_eq(wd_send(w, w, 1), -AKT_EINVAL);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(watching_a_dead_actor_whose_cell_is_free_gets_terminated_once)
{
    akt_system *sys = wd_system("freecell");
    akt_ref w, t;
    ck_assert_int_eq(akt_spawn(sys, &wd_props, "w", &w), AKT_OK);
    ck_assert_int_eq(akt_spawn(sys, &wd_props, "t", &t), AKT_OK);
    ck_assert_int_eq(akt_stop(t), AKT_OK);
    t_await_stop(t);
    ck_assert_int_eq(wd_send(w, t, 1), 0);
    ck_assert(t_latch_wait(&term_latch, 1, 30000));
    ck_assert_int_eq(wd_send(w, t, 3), 1);
    /* from outside too, at once */
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(t, &f), AKT_OK);
    void *r = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), &r), AKT_OK);
    ck_assert(akt_ref_equal(((akt_Terminated *)r)->actor, t));
    akt_msg_free(r);
    akt_future_release(f);
    t_teardown(sys, 0);
}
END_TEST

START_TEST(watching_a_dead_actor_whose_cell_was_recycled_gets_terminated_once)
{
    akt_system *sys = wd_system("recycled");
    akt_ref w, t, t2 = AKT_REF_NONE;
    ck_assert_int_eq(akt_spawn(sys, &wd_props, "w", &w), AKT_OK);
    bool same = false;
    for (int i = 0; i < 200 && !same; i++) {
        ck_assert_int_eq(akt_spawn(sys, &wd_props, NULL, &t), AKT_OK);
        ck_assert_int_eq(akt_stop(t), AKT_OK);
        t_await_stop(t);
        for (int k = 0; k < 50 && !same; k++) {
            ck_assert_int_eq(akt_spawn(sys, &wd_props, NULL, &t2), AKT_OK);
            same = t2.cell_ == t.cell_;
        }
    }
    ck_assert(same);
    ck_assert_int_eq(wd_send(w, t, 1), 0);
    ck_assert(t_latch_wait(&term_latch, 1, 30000));
    ck_assert_int_eq(wd_send(w, t, 3), 1);
    /* the live successor in that cell is untouched */
    ck_assert_int_eq(wd_send(t2, t, 3), 0);
    char path[128];
    ck_assert_int_eq(akt_ref_path(t, path, sizeof path), AKT_ESTOPPED);
    ck_assert_int_eq(akt_ref_path(t2, path, sizeof path), AKT_OK);
    t_teardown(sys, 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("watch_dead");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(
        tc, watcher_in_the_dead_actors_own_cell_gets_terminated_once);
    tcase_add_test(
        tc, watching_a_dead_actor_whose_cell_is_free_gets_terminated_once);
    tcase_add_test(
        tc, watching_a_dead_actor_whose_cell_was_recycled_gets_terminated_once);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
