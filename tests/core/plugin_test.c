/*
 * plugin_test.c -- the core without the kit. akt_system_create plugs the
 * kit in through a const table (akti_plugin_ops); akti_system_create with
 * no table is a bare core. These tests prove the core stands alone
 * (actors, asks, supervision's stop, dead letters, logging, termination)
 * and that the hooks a plug-in gives are the ones that run.
 */
#include <unistd.h>

#include "core/core.h"
#include "testutil.h"

static akt_err
echo_int(void *state, akt_ctx *ctx, const void *msg)
{
    return akt_reply(ctx, t_int(((const t_Int *)msg)->v + 1));
}
static const akt_handler echo_handlers[] = { { &t_int_type, echo_int } };
static const akt_behavior echo_beh = { "echo", echo_handlers, 1, NULL };
static const akt_props echo_props = { .behavior = &echo_beh };

static _Atomic int g_log_lines;
static char g_last_line[256];

static void
count_sink(const akt_LogEvent *ev, void *arg)
{
    (void)arg;
    atomic_fetch_add(&g_log_lines, 1);
    snprintf(g_last_line, sizeof(g_last_line), "%s", ev->text.ptr);
}

static _Atomic int g_dead;

static void
count_dead(akt_ref to, const void *msg, akt_err reason, void *arg)
{
    (void)to;
    (void)msg;
    (void)arg;
    if (reason == AKT_ESTOPPED) {
        atomic_fetch_add(&g_dead, 1);
    }
}

START_TEST(a_bare_core_runs_actors_without_the_kit)
{
    akt_system *sys = NULL;
    ck_assert_int_eq(
        akti_system_create("bare", NULL, NULL, &sys, NULL), AKT_OK);
    ck_assert_ptr_null(sys->kit);
    ck_assert_int_eq(
        akt_system_on_dead_letter(sys, count_dead, NULL, NULL), AKT_OK);
    ck_assert_int_eq(akt_log_set_sink(sys, count_sink, NULL, NULL), AKT_OK);
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    for (int i = 0; i < 100; i++) {
        akt_future *f;
        ck_assert_int_eq(akt_ask(a, t_int(i), AKT_SEC(10), &f), AKT_OK);
        void *r = NULL;
        ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), &r), AKT_OK);
        ck_assert_int_eq(((t_Int *)r)->v, i + 1);
        akt_msg_free(r);
        akt_future_release(f);
    }
    /* logging is the core's: the sink gets the line with no event stream */
    akt_log(sys, AKT_LOG_ERROR, a, "from the core %d", 7);
    ck_assert_int_eq(atomic_load(&g_log_lines), 1);
    ck_assert_str_eq(g_last_line, "from the core 7");
    /* a message for the stopped actor: a dead letter the user's observer
     * sees, counted by the core */
    ck_assert_int_eq(akt_stop(a), AKT_OK);
    t_await_stop(a);
    uint64_t d0 = akt_system_dead_letters(sys);
    akti_dead_letter(sys, a, akti_msg_hdr(t_int(2)), AKT_ESTOPPED);
    ck_assert_uint_eq(akt_system_dead_letters(sys), d0 + 1);
    ck_assert_int_eq(atomic_load(&g_dead), 1);
    /* with no plug-in, terminate stops at once (no coordinated shutdown) */
    t_teardown(sys, 0);
}
END_TEST

/* a plug-in that only counts: the core calls exactly the hooks it gives */
static _Atomic int g_inits, g_joins, g_finis, g_terms, g_published;

static akt_err
p_init(akt_system *sys, akt_config_error *err)
{
    (void)sys;
    (void)err;
    atomic_fetch_add(&g_inits, 1);
    return AKT_OK;
}
static void
p_join(akt_system *sys)
{
    atomic_fetch_add(&g_joins, 1);
}
static void
p_fini(akt_system *sys)
{
    atomic_fetch_add(&g_finis, 1);
}
static void
p_terminate(akt_system *sys)
{
    atomic_fetch_add(&g_terms, 1);
    akti_system_terminate_now(sys);
}
static void
p_publish(akt_system *sys, void *event)
{
    ck_assert_ptr_eq(akt_msg_type(event), &akt_log_event_type);
    atomic_fetch_add(&g_published, 1);
    akt_msg_free(event);
}

static const akti_plugin_ops counting_plugin = {
    .name = "counting",
    .system_init = p_init,
    .system_join = p_join,
    .system_fini = p_fini,
    .terminate = p_terminate,
    .publish = p_publish,
};

START_TEST(a_plugin_gets_its_system_hooks_once_and_the_log_events)
{
    akt_system *sys = NULL;
    ck_assert_int_eq(
        akti_system_create("plugged", NULL, &counting_plugin, &sys, NULL),
        AKT_OK);
    ck_assert_int_eq(atomic_load(&g_inits), 1);
    ck_assert_int_eq(akt_log_set_sink(sys, count_sink, NULL, NULL), AKT_OK);
    akt_log(sys, AKT_LOG_ERROR, AKT_REF_NONE, "to the plug-in");
    ck_assert_int_eq(atomic_load(&g_published), 1);
    akt_log(sys, AKT_LOG_DEBUG, AKT_REF_NONE, "below the level");
    ck_assert_int_eq(atomic_load(&g_published), 1);
    ck_assert_int_eq(akt_system_terminate(sys), AKT_OK);
    ck_assert_int_eq(akt_system_await_termination(sys, AKT_SEC(10)), AKT_OK);
    ck_assert_int_eq(atomic_load(&g_terms), 1);
    akt_system_free(sys);
    ck_assert_int_eq(atomic_load(&g_joins), 1);
    ck_assert_int_eq(atomic_load(&g_finis), 1);
}
END_TEST

/* the full system: the kit's dead-letter observer and the user's both see
 * a dead letter, and the user's can be replaced without losing the kit's */
static _Atomic int g_user_dead;

static void
user_dead(akt_ref to, const void *msg, akt_err reason, void *arg)
{
    atomic_fetch_add(&g_user_dead, 1);
}

START_TEST(the_kit_observes_dead_letters_beside_the_user)
{
    akt_system *sys
        = t_system("kitdl", "akt.actor.dead-letters.log=on;akt.loglevel=info");
    ck_assert_ptr_nonnull(sys->kit);
    ck_assert_int_eq(akt_log_set_sink(sys, count_sink, NULL, NULL), AKT_OK);
    ck_assert_int_eq(
        akt_system_on_dead_letter(sys, user_dead, NULL, NULL), AKT_OK);
    akt_ref a;
    ck_assert_int_eq(akt_spawn(sys, &echo_props, "e", &a), AKT_OK);
    ck_assert_int_eq(akt_stop(a), AKT_OK);
    t_await_stop(a);
    int lines0 = atomic_load(&g_log_lines);
    akti_dead_letter(sys, a, akti_msg_hdr(t_int(1)), AKT_ESTOPPED);
    ck_assert_int_eq(atomic_load(&g_user_dead), 1);
    /* the kit's observer logged it (dead-letters.log = on) */
    ck_assert_int_eq(atomic_load(&g_log_lines), lines0 + 1);
    ck_assert_msg(
        strstr(g_last_line, "dead letter #1 to ") != NULL, "%s", g_last_line);
    /* replacing the user's observer leaves the kit's in place */
    ck_assert_int_eq(akt_system_on_dead_letter(sys, NULL, NULL, NULL), AKT_OK);
    akti_dead_letter(sys, a, akti_msg_hdr(t_int(2)), AKT_ESTOPPED);
    ck_assert_int_eq(atomic_load(&g_user_dead), 1);
    ck_assert_int_eq(atomic_load(&g_log_lines), lines0 + 2);
    t_teardown(sys, 0);
}
END_TEST

/* akt_system_create_ex: a bad setting of the core and one of the kit (the
 * plug-in reads its own keys) each fail creation and name the key */
START_TEST(a_bad_setting_fails_create_and_names_its_key)
{
    static const char *const bad[][2] = {
        { "akt.actor.default-mailbox.type = bunded",
            "akt.actor.default-mailbox.type: expected one of" },
        { "akt.actor.stash-capacity = 0", "akt.actor.stash-capacity: " },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        akt_config *cfg = NULL;
        akt_config_error e;
        ck_assert_int_eq(akt_config_parse_string(bad[i][0], strlen(bad[i][0]),
                             "app.conf", &cfg, &e),
            AKT_OK);
        akt_config *full = NULL;
        akt_config *ref = NULL;
        ck_assert_int_eq(akt_config_reference(&ref, &e), AKT_OK);
        ck_assert_int_eq(akt_config_with_fallback(cfg, ref, &full, &e), AKT_OK);
        akt_system *sys = NULL;
        akt_err rc = akt_system_create_ex("bad", full, &sys, &e);
        ck_assert_int_ne(rc, AKT_OK);
        ck_assert_ptr_null(sys);
        ck_assert_msg(strstr(e.message, bad[i][1]) != NULL
                && strstr(e.message, "app.conf") != NULL,
            "%s", e.message);
        akt_config_release(full);
        akt_config_release(ref);
        akt_config_release(cfg);
    }
}
END_TEST

/* a system made with cfg NULL loads $AKT_CONFIG: an error there comes
 * back (and is printed by akt_system_create) with the file:line:col */
START_TEST(a_syntax_error_in_akt_config_names_its_file_and_line)
{
    char path[] = "/tmp/akt-plugin-conf-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char text[] = "akt {\n  loglevel = info\n  actor { = 1 }\n}\n";
    ck_assert_int_eq(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
    close(fd);
    setenv("AKT_CONFIG", path, 1);
    akt_config_error e;
    akt_system *sys = NULL;
    akt_err rc = akt_system_create_ex("badfile", NULL, &sys, &e);
    unsetenv("AKT_CONFIG");
    unlink(path);
    ck_assert_int_eq(rc, AKT_ESYNTAX);
    ck_assert_ptr_null(sys);
    char want[64];
    snprintf(want, sizeof(want), "%s:3:", path);
    ck_assert_msg(strstr(e.message, want) != NULL, "%s", e.message);
}
END_TEST

Suite *
plugin_suite(void)
{
    Suite *s = suite_create("plugin");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_bare_core_runs_actors_without_the_kit);
    tcase_add_test(tc, a_plugin_gets_its_system_hooks_once_and_the_log_events);
    tcase_add_test(tc, the_kit_observes_dead_letters_beside_the_user);
    tcase_add_test(tc, a_bad_setting_fails_create_and_names_its_key);
    tcase_add_test(tc, a_syntax_error_in_akt_config_names_its_file_and_line);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(plugin_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
