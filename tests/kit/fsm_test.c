/*
 * fsm_test.c -- the FSM runtime (akt/fsm.h): a traffic light and a door
 * with state timeouts, run under virtual time in deterministic mode.
 */
#include "kitutil.h"

/* --- traffic light: red 30 s -> green 25 s -> yellow 5 s -> red -------------
 */

enum { RED, GREEN, YELLOW };

typedef struct light {
    akt_ref probe;
    int cycles;
} light;

static akt_err
light_init(void *d, const void *arg)
{
    ((light *)d)->probe = *(const akt_ref *)arg;
    return AKT_OK;
}

static void
light_transition(void *d, akt_ctx *ctx, int from, int to)
{
    light *l = d;
    akt_tell(l->probe,
        k_int(&k_int_type, from * 10 + to,
            akt_scheduler_now(akt_ctx_system(ctx))),
        akt_ctx_self(ctx));
}

static akt_err
red_timeout(void *d, akt_ctx *ctx, const void *m)
{
    return akt_fsm_goto(ctx, GREEN);
}
static akt_err
green_timeout(void *d, akt_ctx *ctx, const void *m)
{
    return akt_fsm_goto(ctx, YELLOW);
}
static akt_err
yellow_timeout(void *d, akt_ctx *ctx, const void *m)
{
    ((light *)d)->cycles++;
    return akt_fsm_goto(ctx, RED);
}

static const akt_handler red_h[] = { { &akt_state_timeout_type, red_timeout } };
static const akt_handler green_h[]
    = { { &akt_state_timeout_type, green_timeout } };
static const akt_handler yellow_h[]
    = { { &akt_state_timeout_type, yellow_timeout } };

static const akt_fsm_state light_states[] = {
    [RED] = { .name = "red",
        .handlers = red_h,
        .nhandlers = 1,
        .timeout_ns = AKT_SEC(30) },
    [GREEN] = { .name = "green",
        .handlers = green_h,
        .nhandlers = 1,
        .timeout_ns = AKT_SEC(25) },
    [YELLOW] = { .name = "yellow",
        .handlers = yellow_h,
        .nhandlers = 1,
        .timeout_ns = AKT_SEC(5) },
};

static const akt_fsm_def light_def = {
    .name = "traffic-light",
    .states = light_states,
    .nstates = 3,
    .initial = RED,
    .on_transition = light_transition,
    .data_size = sizeof(light),
    .data_init = light_init,
};

static void
expect_transition(akt_probe *p, int from, int to, int64_t at)
{
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_int_type, AKT_SEC(1), &m), AKT_OK);
    ck_assert_int_eq(((k_Int *)m)->v, from * 10 + to);
    ck_assert_int_eq(((k_Int *)m)->aux, at);
    akt_msg_free(m);
}

START_TEST(traffic_light_cycles_on_state_timeouts_in_virtual_time)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("light", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_fsm_def def = light_def;
    def.init_arg = &pr;
    akt_props props = akt_fsm_props(&def);
    akt_ref light_ref;
    int64_t t0 = k_now();
    ck_assert_int_eq(akt_spawn(sys, &props, "light", &light_ref), AKT_OK);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(29)), AKT_OK);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(1)), AKT_OK);
    expect_transition(p, RED, GREEN, AKT_SEC(30));
    /* two more full minutes in one step: every transition, on time */
    ck_assert_int_eq(akt_testkit_advance(sys, AKT_SEC(120)), AKT_OK);
    expect_transition(p, GREEN, YELLOW, AKT_SEC(55));
    expect_transition(p, YELLOW, RED, AKT_SEC(60));
    expect_transition(p, RED, GREEN, AKT_SEC(90));
    expect_transition(p, GREEN, YELLOW, AKT_SEC(115));
    expect_transition(p, YELLOW, RED, AKT_SEC(120));
    expect_transition(p, RED, GREEN, AKT_SEC(150));
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    ck_assert_int_lt(
        k_now() - t0, AKT_SEC(1)); /* 150 s of traffic in well under a second */
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

/* --- door: closed <-> open (auto-closes after 10 s), locked ------------------
 */

enum { CLOSED, OPEN, LOCKED };
enum {
    CMD_OPEN = 1,
    CMD_CLOSE,
    CMD_LOCK,
    CMD_UNLOCK,
    CMD_HOLD,
    CMD_STOP,
    CMD_QUERY
};

typedef struct door {
    akt_ref probe;
    char log[256];
} door;

static akt_err
door_init(void *d, const void *arg)
{
    ((door *)d)->probe = *(const akt_ref *)arg;
    return AKT_OK;
}

static void
note(door *d, const char *s)
{
    strncat(d->log, s, sizeof(d->log) - strlen(d->log) - 1);
}

static void
enter_any(void *d, akt_ctx *ctx, int from)
{
    char b[32];
    snprintf(b, sizeof(b), "enter:%s(%d) ", akt_fsm_state_name(ctx), from);
    note(d, b);
}

static void
exit_any(void *d, akt_ctx *ctx, int to)
{
    char b[32];
    snprintf(b, sizeof(b), "exit:%s(%d) ", akt_fsm_state_name(ctx), to);
    note(d, b);
}

static void
door_transition(void *d, akt_ctx *ctx, int from, int to)
{
    char b[32];
    snprintf(b, sizeof(b), "trans:%d>%d ", from, to);
    note(d, b);
}

static akt_err
door_cmd(void *dv, akt_ctx *ctx, const void *msg)
{
    door *d = dv;
    const k_Int *c = msg;
    int st = akt_fsm_state_of(ctx);
    switch (c->v) {
    case CMD_QUERY: {
        /* reply: state, and a hash of the hook log */
        akt_tell(d->probe,
            k_int(&k_other_type, st, (int64_t)akt_type_id(d->log)),
            akt_ctx_self(ctx));
        return AKT_OK;
    }
    case CMD_STOP:
        return akt_fsm_stop(ctx);
    }
    switch (st) {
    case CLOSED:
        if (c->v == CMD_OPEN) {
            return c->aux ? akt_fsm_goto_for(ctx, OPEN, AKT_SEC(c->aux))
                          : akt_fsm_goto(ctx, OPEN);
        }
        if (c->v == CMD_LOCK) {
            return akt_fsm_goto(ctx, LOCKED);
        }
        return akt_fsm_stay(ctx);
    case OPEN:
        if (c->v == CMD_CLOSE) {
            return akt_fsm_goto(ctx, CLOSED);
        }
        return akt_fsm_stay(
            ctx); /* CMD_HOLD, CMD_OPEN: stay does not reset the timeout */
    }
    return AKT_OK;
}

static akt_err
open_timeout(void *d, akt_ctx *ctx, const void *m)
{
    const akt_StateTimeout *t = m;
    ck_assert_int_eq(t->state, OPEN);
    return akt_fsm_goto(ctx, CLOSED);
}

static akt_err
locked_unlock(void *d, akt_ctx *ctx, const void *msg)
{
    const k_Int *c = msg;
    if (c->v == CMD_QUERY) {
        return door_cmd(d, ctx, msg);
    }
    return c->v == CMD_UNLOCK && c->aux == 1234 ? akt_fsm_goto(ctx, CLOSED)
                                                : akt_fsm_stay(ctx);
}

static void
door_stop(void *dv, akt_ctx *ctx, int state)
{
    door *d = dv;
    akt_tell(d->probe, k_int(&k_other_type, 100 + state, 0), AKT_REF_NONE);
}

static const akt_handler closed_h[] = { { &k_int_type, door_cmd } };
static const akt_handler open_h[]
    = { { &k_int_type, door_cmd }, { &akt_state_timeout_type, open_timeout } };
/* locked handles commands through k_int_type only via its own handler;
 * k_other_type messages are unhandled in every state */
static const akt_handler locked_h[] = { { &k_int_type, locked_unlock } };

static const akt_fsm_state door_states[] = {
    [CLOSED] = { .name = "closed",
        .handlers = closed_h,
        .nhandlers = 1,
        .on_enter = enter_any,
        .on_exit = exit_any },
    [OPEN] = { .name = "open",
        .handlers = open_h,
        .nhandlers = 2,
        .on_enter = enter_any,
        .on_exit = exit_any,
        .timeout_ns = AKT_SEC(10) },
    [LOCKED] = { .name = "locked",
        .handlers = locked_h,
        .nhandlers = 1,
        .on_enter = enter_any,
        .on_exit = exit_any },
};

static akt_fsm_def
door_def(akt_ref *probe, akt_fsm_unhandled policy)
{
    return (akt_fsm_def) {
        .name = "door",
        .states = door_states,
        .nstates = 3,
        .initial = CLOSED,
        .unhandled = policy,
        .on_transition = door_transition,
        .data_size = sizeof(door),
        .data_init = door_init,
        .init_arg = probe,
        .on_stop = door_stop,
    };
}

static int
query(akt_probe *p, akt_ref door_ref)
{
    k_tell(door_ref, k_int(&k_int_type, CMD_QUERY, 0));
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_other_type, AKT_SEC(1), &m), AKT_OK);
    int st = (int)((k_Int *)m)->v;
    akt_msg_free(m);
    return st;
}

static void
cmdd(akt_ref d, int c, int64_t aux)
{
    k_tell(d, k_int(&k_int_type, c, aux));
}

typedef struct door_fixture {
    akt_system *sys;
    akt_probe *p;
    akt_ref pr, door;
    akt_fsm_def def;
    int64_t live0;
} door_fixture;

static void
door_up(door_fixture *f, const char *name, akt_fsm_unhandled policy)
{
    f->live0 = akti_msg_live();
    f->sys = k_system(name, true, true, NULL);
    ck_assert_int_eq(akt_probe_new(f->sys, NULL, &f->p), AKT_OK);
    f->pr = akt_probe_ref(f->p);
    f->def = door_def(&f->pr, policy);
    akt_props props = akt_fsm_props(&f->def);
    ck_assert_int_eq(akt_spawn(f->sys, &props, "door", &f->door), AKT_OK);
}

static void
door_down(door_fixture *f)
{
    akt_probe_free(f->p);
    k_teardown(f->sys, f->live0);
}

START_TEST(door_opens_and_closes_itself_after_its_state_timeout)
{
    door_fixture f;
    door_up(&f, "door1", AKT_FSM_UNHANDLED_LOG);
    ck_assert_int_eq(query(f.p, f.door), CLOSED);
    cmdd(f.door, CMD_OPEN, 0);
    ck_assert_int_eq(query(f.p, f.door), OPEN);
    ck_assert_int_eq(akt_testkit_advance(f.sys, AKT_SEC(9)), AKT_OK);
    cmdd(f.door, CMD_HOLD, 0); /* stay: the state timeout is not reset */
    ck_assert_int_eq(akt_testkit_advance(f.sys, AKT_SEC(1)), AKT_OK);
    ck_assert_int_eq(query(f.p, f.door), CLOSED);
    door_down(&f);
}
END_TEST

START_TEST(
    goto_for_overrides_the_state_timeout_and_a_left_state_never_times_out)
{
    door_fixture f;
    door_up(&f, "door2", AKT_FSM_UNHANDLED_LOG);
    cmdd(f.door, CMD_OPEN, 60); /* open for 60 s this time */
    ck_assert_int_eq(akt_testkit_advance(f.sys, AKT_SEC(59)), AKT_OK);
    ck_assert_int_eq(query(f.p, f.door), OPEN);
    ck_assert_int_eq(akt_testkit_advance(f.sys, AKT_SEC(1)), AKT_OK);
    ck_assert_int_eq(query(f.p, f.door), CLOSED);
    cmdd(f.door, CMD_OPEN, 0);
    ck_assert_int_eq(akt_testkit_advance(f.sys, AKT_SEC(5)), AKT_OK);
    cmdd(f.door, CMD_CLOSE, 0);
    cmdd(f.door, CMD_LOCK,
        0); /* were OPEN's timeout delivered, LOCKED would ignore it... */
    ck_assert_int_eq(akt_testkit_advance(f.sys, AKT_SEC(30)), AKT_OK);
    ck_assert_int_eq(
        query(f.p, f.door), LOCKED); /* ...and no unhandled warning either */
    cmdd(f.door, CMD_UNLOCK, 1);
    ck_assert_int_eq(query(f.p, f.door), LOCKED);
    cmdd(f.door, CMD_UNLOCK, 1234);
    ck_assert_int_eq(query(f.p, f.door), CLOSED);
    door_down(&f);
}
END_TEST

static akt_err
hooks_probe(void *d, akt_ctx *ctx, const void *m)
{
    return AKT_OK;
}

START_TEST(hooks_run_exit_then_transition_then_enter)
{
    door_fixture f;
    door_up(&f, "door3", AKT_FSM_UNHANDLED_LOG);
    cmdd(f.door, CMD_OPEN, 0);
    cmdd(f.door, CMD_CLOSE, 0);
    /* the FSM's data keeps a log of its hooks; QUERY replies its hash */
    const char *want
        = "enter:closed(-1) exit:closed(1) trans:0>1 enter:open(0) "
          "exit:open(0) trans:1>0 enter:closed(1) ";
    (void)hooks_probe;
    k_tell(f.door, k_int(&k_int_type, CMD_QUERY, 0));
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(f.p, &k_other_type, AKT_SEC(1), &m), AKT_OK);
    ck_assert_int_eq(
        ((k_Int *)m)->aux, (int64_t)akt_type_id(want)); /* the exact hook log */
    akt_msg_free(m);
    door_down(&f);
}
END_TEST

START_TEST(unhandled_in_state_fail_policy_restarts_the_fsm_in_its_initial_state)
{
    door_fixture f;
    door_up(&f, "door4", AKT_FSM_UNHANDLED_FAIL);
    cmdd(f.door, CMD_OPEN, 0);
    ck_assert_int_eq(query(f.p, f.door), OPEN);
    k_tell(f.door, k_int(&k_other_type, 0, 0)); /* no handler in OPEN: fails */
    k_expect_int(f.p, &k_other_type,
        100 + OPEN); /* the failed incarnation's post_stop */
    ck_assert_int_eq(query(f.p, f.door), CLOSED); /* restarted: initial state */
    ck_assert_int_eq(akt_testkit_advance(f.sys, AKT_SEC(20)),
        AKT_OK); /* old timeout is gone */
    ck_assert_int_eq(query(f.p, f.door), CLOSED);
    door_down(&f);
}
END_TEST

START_TEST(unhandled_in_state_dead_letter_policy_publishes_it)
{
    door_fixture f;
    door_up(&f, "door5", AKT_FSM_UNHANDLED_DEAD_LETTER);
    akt_probe *ev;
    ck_assert_int_eq(akt_probe_new(f.sys, NULL, &ev), AKT_OK);
    ck_assert_int_eq(akt_events_subscribe(
                         f.sys, akt_probe_ref(ev), &akt_unhandled_message_type),
        AKT_OK);
    k_tell(f.door, k_int(&k_other_type, 5, 0));
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(ev, &akt_unhandled_message_type, AKT_SEC(1), &m),
        AKT_OK);
    akt_UnhandledMessage *u = m;
    ck_assert(akt_ref_equal(u->recipient, f.door));
    ck_assert_ptr_eq(akt_msg_type(u->message), &k_other_type);
    akt_msg_free(m);
    ck_assert_int_eq(query(f.p, f.door), CLOSED); /* still alive, same state */
    akt_probe_free(ev);
    door_down(&f);
}
END_TEST

START_TEST(stop_stops_the_actor_and_reports_the_final_state)
{
    door_fixture f;
    door_up(&f, "door6", AKT_FSM_UNHANDLED_LOG);
    cmdd(f.door, CMD_LOCK, 0);
    ck_assert_int_eq(akt_probe_watch(f.p, f.door), AKT_OK);
    k_tell(f.door,
        k_int(&k_int_type, CMD_STOP, 0)); /* LOCKED's handler ignores it... */
    ck_assert_int_eq(akt_probe_expect_no_msg(f.p, 0), AKT_OK);
    cmdd(f.door, CMD_UNLOCK, 1234);
    cmdd(f.door, CMD_STOP, 0);
    k_expect_int(f.p, &k_other_type, 100 + CLOSED); /* on_stop saw CLOSED */
    ck_assert_int_eq(
        akt_probe_expect_terminated(f.p, f.door, AKT_SEC(1)), AKT_OK);
    door_down(&f);
}
END_TEST

START_TEST(fsm_calls_outside_an_fsm_are_state_errors)
{
    ck_assert_int_eq(akt_fsm_goto(NULL, 0), AKT_ESTATE);
    ck_assert_int_eq(akt_fsm_state_of(NULL), -1);
    ck_assert_ptr_null(akt_fsm_state_name(NULL));
}
END_TEST

static Suite *
fsm_suite(void)
{
    Suite *s = suite_create("fsm");
    TCase *tc = tcase_create("kit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, traffic_light_cycles_on_state_timeouts_in_virtual_time);
    tcase_add_test(tc, door_opens_and_closes_itself_after_its_state_timeout);
    tcase_add_test(tc,
        goto_for_overrides_the_state_timeout_and_a_left_state_never_times_out);
    tcase_add_test(tc, hooks_run_exit_then_transition_then_enter);
    tcase_add_test(tc,
        unhandled_in_state_fail_policy_restarts_the_fsm_in_its_initial_state);
    tcase_add_test(tc, unhandled_in_state_dead_letter_policy_publishes_it);
    tcase_add_test(tc, stop_stops_the_actor_and_reports_the_final_state);
    tcase_add_test(tc, fsm_calls_outside_an_fsm_are_state_errors);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(fsm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
