/*
 * joincheck_test.c -- the configuration compatibility check on join,
 * across member processes (cluster_node.c on loopback, test profile): a
 * node whose downing settings differ from the cluster's is refused, and
 * both sides log why; a node whose settings agree joins; with
 * enforce-on-join = off the cluster lets a disagreeing node in, with a
 * warning. Every wait reads the processes' lines (events, and log lines:
 * "LOG <LEVEL> <text>"); that the refused node never joined is shown with
 * a barrier: a later joiner's MemberUp on the same member.
 */
#include <check.h>
#include <stdbool.h>

#include "akt/akt.h"
#include "akt/cluster.h"
#include "member_proc.h"

static mp_member m[3];

static void
start(int i, const char *name, const char *extra)
{
    static char cfg[3][2048];
    snprintf(cfg[i], sizeof cfg[i], MP_PROFILE_FMT "\n%s", "", extra);
    char *argv[] = { CLUSTER_NODE_BIN, (char *)name, cfg[i], NULL };
    mp_clear(&m[i]);
    ck_assert_msg(
        pp_start(&m[i].p, argv, 10000) == 0, "%s did not start", name);
}

static void
join(int i, int seed)
{
    char line[600];
    snprintf(line, sizeof line, "join %s", m[seed].p.address);
    ck_assert(mp_send(&m[i], line));
}

static bool
saw_up(const mp_member *x, const void *arg)
{
    return mp_count(x, "EV MemberUp", (const char *)arg) > 0;
}

#define KEEP_OLDEST                                                            \
    "akt.cluster.split-brain-resolver.active-strategy = keep-oldest"

/* Proves: a joiner with another split-brain strategy is refused: it logs
 * an error naming the setting and both values and does not join; the
 * cluster logs a warning naming the joiner; a joiner that agrees joins
 * (and the refused one never showed up before it). */
START_TEST(a_joiner_with_other_downing_settings_is_refused)
{
    start(0, "c0", "");
    start(1, "c1", KEEP_OLDEST);
    start(2, "c2", "");
    join(0, 0);
    ck_assert(mp_until(&m[0], 30000, saw_up, m[0].p.address));
    join(1, 0);
    ck_assert_msg(mp_wait_line(&m[1], "LOG ERROR", 30000),
        "the refused node logged no error");
    ck_assert_int_eq(mp_count(&m[1], "LOG ERROR",
                         "split-brain-resolver.active-strategy is keep-oldest "
                         "on the joining node and keep-majority in this "
                         "cluster"),
        1);
    ck_assert(mp_wait_line(&m[0], "LOG WARN", 30000));
    ck_assert_int_eq(mp_count(&m[0], "LOG WARN", "refused the join of c1@"), 1);
    join(2, 0);
    ck_assert(mp_until(&m[0], 30000, saw_up, m[2].p.address));
    ck_assert(mp_until(&m[2], 30000, saw_up, m[0].p.address));
    ck_assert_int_eq(mp_count(&m[0], "EV", m[1].p.address), 0);
    ck_assert_int_eq(mp_count(&m[1], "EV MemberUp", NULL), 0);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(mp_quit(&m[i]), 0);
    }
}
END_TEST

/* Proves: with enforce-on-join = off the cluster logs the disagreement
 * as a warning and lets the node join. */
START_TEST(enforce_off_lets_it_join_with_a_warning)
{
    start(0, "d0",
        "akt.cluster.configuration-compatibility-check.enforce-on-join = off");
    start(1, "d1", KEEP_OLDEST);
    join(0, 0);
    ck_assert(mp_until(&m[0], 30000, saw_up, m[0].p.address));
    join(1, 0);
    ck_assert(mp_until(&m[0], 30000, saw_up, m[1].p.address));
    ck_assert_int_eq(
        mp_count(&m[0], "LOG WARN", "joins with an incompatible configuration"),
        1);
    ck_assert_int_eq(mp_count(&m[1], "LOG ERROR", NULL), 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(mp_quit(&m[i]), 0);
    }
}
END_TEST

static void
teardown(void)
{
    for (int i = 0; i < 3; i++) {
        mp_kill(&m[i]);
    }
}

int
main(void)
{
    Suite *s = suite_create("cluster_join_check");
    TCase *tc = tcase_create("join");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_joiner_with_other_downing_settings_is_refused);
    tcase_add_test(tc, enforce_off_lets_it_join_with_a_warning);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
