/*
 * path_race_test.c -- akt_ref_path racing with actors that stop and whose
 * cells are recycled (TSan found seg_name reading a name that the parent's
 * SYS_CHILD_STOPPED freed). Run under -DAKT_SANITIZE=thread in CI.
 */
#include <stdatomic.h>

#include "latch.h"
#include "testutil.h"

#define PR_SLOTS 64

static akt_ref pr_refs[PR_SLOTS];
static pthread_mutex_t pr_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int pr_done;
static atomic_long pr_ok, pr_stopped;
/* one count per PR_SLOTS reads of a reader (a turn through every slot):
 * the writer waits on it so that the readers really run during each round
 * (on a loaded machine they could otherwise get no turn at all) */
static t_latch pr_turns = T_LATCH_INIT;

static const akt_behavior pr_beh = { "idle", NULL, 0, NULL };
static const akt_props pr_props = { .behavior = &pr_beh };

static void *
pr_reader(void *arg)
{
    (void)arg;
    char buf[256];
    unsigned i = 0;
    while (!atomic_load(&pr_done)) {
        pthread_mutex_lock(&pr_mu);
        akt_ref r = pr_refs[i++ % PR_SLOTS];
        pthread_mutex_unlock(&pr_mu);
        akt_err rc = akt_ref_path(r, buf, sizeof buf);
        if (rc == AKT_OK) {
            ck_assert(strncmp(buf, "akt://race/user/", 16) == 0);
            atomic_fetch_add(&pr_ok, 1);
        } else {
            ck_assert_int_eq(rc, AKT_ESTOPPED);
            ck_assert_str_eq(buf, "");
            atomic_fetch_add(&pr_stopped, 1);
        }
        if (i % PR_SLOTS == 0) {
            t_latch_add(&pr_turns, 1);
        }
    }
    return NULL;
}

START_TEST(ref_path_of_stopping_and_recycled_actors_is_safe)
{
    akt_system *sys = t_system("race",
        "akt.actor.default-dispatcher.workers=2;akt.actor.dead-letters.log="
        "off");
    akt_ref parent;
    ck_assert_int_eq(akt_spawn(sys, &pr_props, "parent", &parent), AKT_OK);
    char name[32];
    for (int i = 0; i < PR_SLOTS; i++) {
        snprintf(name, sizeof name, "a-%d", i);
        ck_assert_int_eq(akt_spawn(sys, &pr_props, name, &pr_refs[i]), AKT_OK);
    }
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(pthread_create(&th[i], NULL, pr_reader, NULL), 0);
    }
    /* every ref is alive until the first stop: a turn of each reader
     * reads only valid paths */
    ck_assert(t_latch_wait(&pr_turns, 2, 30000));
    ck_assert(atomic_load(&pr_ok) > 0);
    /* stop and respawn under fresh names: each stop frees a name the
     * readers may be formatting, each spawn may reuse a cell they hold a
     * stale ref to */
    for (int round = 0; round < 40; round++) {
        int64_t turns = t_latch_get(&pr_turns);
        for (int i = 0; i < PR_SLOTS; i++) {
            pthread_mutex_lock(&pr_mu);
            akt_ref old = pr_refs[i];
            pthread_mutex_unlock(&pr_mu);
            ck_assert_int_eq(akt_stop(old), AKT_OK);
            snprintf(name, sizeof name, "b-%d-%d", round, i);
            akt_ref n;
            akt_err rc;
            /* the old name may still be registered: any fresh name works */
            ck_assert_int_eq(rc = akt_spawn(sys, &pr_props, name, &n), AKT_OK);
            pthread_mutex_lock(&pr_mu);
            pr_refs[i] = (i & 1) ? n : old; /* keep half of them stale */
            pthread_mutex_unlock(&pr_mu);
            if (!(i & 1)) {
                ck_assert_int_eq(akt_stop(n), AKT_OK);
            }
        }
        pthread_mutex_lock(&pr_mu);
        for (int i = 0; i < PR_SLOTS; i += 2) {
            snprintf(name, sizeof name, "c-%d-%d", round, i);
            ck_assert_int_eq(
                akt_spawn(sys, &pr_props, name, &pr_refs[i]), AKT_OK);
        }
        pthread_mutex_unlock(&pr_mu);
        /* the readers went through the slots while this round ran */
        ck_assert(t_latch_wait(&pr_turns, turns + 1, 30000));
    }
    atomic_store(&pr_done, 1);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
    }
    t_teardown(sys, 0);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("path_race");
    TCase *tc = tcase_create("concurrency");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, ref_path_of_stopping_and_recycled_actors_is_safe);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
