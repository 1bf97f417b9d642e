/*
 * stash_test.c -- stash / unstash (akt/stash.h): order, capacity, stop and
 * restart, in deterministic mode.
 */
#include "kitutil.h"

/* A gate: closed, it stashes kit.Int; kit.Other commands:
 *   1 open (become open, unstash all; first sends itself Int 99, which
 *     must come after the unstashed ones)
 *   2 close   3 fail   4 unstash one   5 report stash size
 * Open, it forwards kit.Int to the probe. A full stash reports Other{7}. */
typedef struct gate {
    akt_ref probe;
    bool open;
} gate;

static akt_err
gate_init(void *s, const void *arg)
{
    ((gate *)s)->probe = *(const akt_ref *)arg;
    return AKT_OK;
}

static akt_err
gate_int(void *state, akt_ctx *ctx, const void *msg)
{
    gate *g = state;
    if (!g->open) {
        akt_err rc = akt_stash(ctx);
        if (rc == AKT_EFULL) {
            return akt_tell(g->probe,
                k_int(&k_other_type, 7, ((const k_Int *)msg)->v), AKT_REF_NONE);
        }
        return rc;
    }
    return akt_tell(g->probe, akt_msg_retain(msg), akt_ctx_sender(ctx));
}

static akt_err
gate_cmd(void *state, akt_ctx *ctx, const void *msg)
{
    gate *g = state;
    switch (((const k_Int *)msg)->v) {
    case 1:
        g->open = true;
        /* queued behind this message (re-entrant send on the calling thread) */
        akt_tell(akt_ctx_self(ctx), k_int(&k_int_type, 99, 0), AKT_REF_NONE);
        akt_unstash_all(ctx);
        return AKT_OK;
    case 2:
        g->open = false;
        return AKT_OK;
    case 3:
        return akt_ctx_fail(ctx, AKT_EFAILED, "asked to fail");
    case 4:
        g->open = true;
        akt_unstash(ctx);
        return AKT_OK;
    case 5:
        return akt_tell(g->probe,
            k_int(&k_other_type, 5, (int64_t)akt_stash_size(ctx)),
            AKT_REF_NONE);
    }
    return AKT_OK;
}

static const akt_handler gate_h[]
    = { { &k_int_type, gate_int }, { &k_other_type, gate_cmd } };
static const akt_behavior gate_b
    = { .name = "gate", .handlers = gate_h, .nhandlers = 2 };

static akt_ref
spawn_gate(akt_system *sys, akt_ref *probe)
{
    akt_props p = { .behavior = &gate_b,
        .state_size = sizeof(gate),
        .state_init = gate_init,
        .init_arg = probe };
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &p, NULL, &r), AKT_OK);
    return r;
}

START_TEST(unstashed_messages_keep_their_order_ahead_of_newer_ones)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("st1", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref g = spawn_gate(sys, &pr);
    for (int i = 1; i <= 5; i++) {
        ck_assert_int_eq(
            akt_probe_send(p, g, k_int(&k_int_type, i, 0)), AKT_OK);
    }
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    k_tell(g, k_int(&k_other_type, 1, 0));
    for (int i = 1; i <= 5; i++) {
        akt_ref snd;
        void *m;
        ck_assert_int_eq(akt_probe_receive(p, AKT_SEC(1), &m, &snd), AKT_OK);
        ck_assert_int_eq(((k_Int *)m)->v, i);
        ck_assert(akt_ref_equal(snd, pr)); /* the original sender is kept */
        akt_msg_free(m);
    }
    k_expect_int(p, &k_int_type, 99); /* newer: after every unstashed one */
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(a_full_stash_is_an_error_the_handler_sees)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys
        = k_system("st2", true, true, "akt.actor.stash-capacity = 3");
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref g = spawn_gate(sys, &pr);
    for (int i = 1; i <= 4; i++) {
        k_tell(g, k_int(&k_int_type, i, 0));
    }
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_other_type, AKT_SEC(1), &m), AKT_OK);
    ck_assert_int_eq(((k_Int *)m)->v, 7);
    ck_assert_int_eq(((k_Int *)m)->aux, 4); /* the fourth did not fit */
    akt_msg_free(m);
    k_tell(g, k_int(&k_other_type, 5, 0));
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_other_type, AKT_SEC(1), &m), AKT_OK);
    ck_assert_int_eq(((k_Int *)m)->aux, 3);
    akt_msg_free(m);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(unstash_one_takes_the_oldest)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("st3", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref g = spawn_gate(sys, &pr);
    k_tell(g, k_int(&k_int_type, 1, 0));
    k_tell(g, k_int(&k_int_type, 2, 0));
    k_tell(g, k_int(&k_other_type, 4, 0)); /* open, unstash one */
    k_expect_int(p, &k_int_type, 1);
    ck_assert_int_eq(akt_probe_expect_no_msg(p, 0), AKT_OK);
    k_tell(g, k_int(&k_other_type, 5, 0));
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_other_type, AKT_SEC(1), &m), AKT_OK);
    ck_assert_int_eq(((k_Int *)m)->aux, 1);
    akt_msg_free(m);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(stashed_messages_go_to_dead_letters_when_the_actor_stops)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("st4", true, true, NULL);
    akt_probe *p, *ev;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    ck_assert_int_eq(akt_probe_new(sys, NULL, &ev), AKT_OK);
    ck_assert_int_eq(
        akt_events_subscribe(sys, akt_probe_ref(ev), &akt_dead_letter_type),
        AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref g = spawn_gate(sys, &pr);
    k_tell(g, k_int(&k_int_type, 1, 0));
    k_tell(g, k_int(&k_int_type, 2, 0));
    uint64_t dl0 = akt_system_dead_letters(sys);
    ck_assert_int_eq(akt_stop(g), AKT_OK);
    ck_assert_uint_eq(akt_system_dead_letters(sys), dl0 + 2);
    for (int i = 1; i <= 2; i++) {
        void *m;
        ck_assert_int_eq(
            akt_probe_expect_type(ev, &akt_dead_letter_type, AKT_SEC(1), &m),
            AKT_OK);
        ck_assert_int_eq(((const k_Int *)((akt_DeadLetter *)m)->message)->v, i);
        akt_msg_free(m);
    }
    akt_probe_free(ev);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(a_restart_puts_the_stash_back_first)
{
    int64_t live0 = akti_msg_live();
    akt_system *sys = k_system("st5", true, true, NULL);
    akt_probe *p;
    ck_assert_int_eq(akt_probe_new(sys, NULL, &p), AKT_OK);
    akt_ref pr = akt_probe_ref(p);
    akt_ref g = spawn_gate(sys, &pr);
    k_tell(g, k_int(&k_int_type, 1, 0));
    k_tell(g, k_int(&k_int_type, 2, 0));
    k_tell(g,
        k_int(&k_other_type, 3, 0)); /* fail: restart, fresh (closed) state */
    /* the fresh incarnation is closed again: it stashes them again, in order */
    k_tell(g, k_int(&k_other_type, 5, 0));
    void *m;
    ck_assert_int_eq(
        akt_probe_expect_type(p, &k_other_type, AKT_SEC(1), &m), AKT_OK);
    ck_assert_int_eq(((k_Int *)m)->aux, 2);
    akt_msg_free(m);
    k_tell(g, k_int(&k_other_type, 1, 0));
    k_expect_int(p, &k_int_type, 1);
    k_expect_int(p, &k_int_type, 2);
    k_expect_int(p, &k_int_type, 99);
    akt_probe_free(p);
    k_teardown(sys, live0);
}
END_TEST

START_TEST(stash_outside_a_handler_is_invalid)
{
    ck_assert_int_eq(akt_stash(NULL), AKT_EINVAL);
    ck_assert_int_eq(akt_unstash_all(NULL), 0);
    ck_assert_int_eq(akt_stash_size(NULL), 0);
}
END_TEST

static Suite *
stash_suite(void)
{
    Suite *s = suite_create("stash");
    TCase *tc = tcase_create("kit");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, unstashed_messages_keep_their_order_ahead_of_newer_ones);
    tcase_add_test(tc, a_full_stash_is_an_error_the_handler_sees);
    tcase_add_test(tc, unstash_one_takes_the_oldest);
    tcase_add_test(
        tc, stashed_messages_go_to_dead_letters_when_the_actor_stops);
    tcase_add_test(tc, a_restart_puts_the_stash_back_first);
    tcase_add_test(tc, stash_outside_a_handler_is_invalid);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(stash_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
