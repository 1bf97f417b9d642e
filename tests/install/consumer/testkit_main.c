/* A user test linking the installed akt-testkit: a deterministic system
 * and a probe that watches an actor stop. */
#include <akt/akt.h>
#include <akt/testkit.h>
#include <stdio.h>

static akt_err
on_status(void *state, akt_ctx *ctx, const void *msg)
{
    return AKT_OK;
}

static const akt_handler handlers[] = { { &akt_status_type, on_status } };
static const akt_behavior behavior = { "idle", handlers, 1, NULL };

int
main(void)
{
    akt_testkit_opts o = { .deterministic = true };
    akt_system *sys;
    akt_probe *p;
    akt_ref a;
    int ok = 0;

    if (akt_testkit_system("consumer-test", &o, &sys) != AKT_OK) {
        return 1;
    }
    akt_props props = { .behavior = &behavior };
    if (akt_probe_new(sys, "probe", &p) == AKT_OK) {
        ok = akt_spawn(sys, &props, "a", &a) == AKT_OK
            && akt_probe_watch(p, a) == AKT_OK && akt_stop(a) == AKT_OK
            && akt_probe_expect_terminated(p, a, AKT_SEC(5)) == AKT_OK;
        akt_probe_free(p);
    }
    akt_system_free(sys);
    if (!ok) {
        fprintf(stderr, "consumer_testkit: the probe saw no Terminated\n");
        return 1;
    }
    printf("consumer testkit ok\n");
    return 0;
}
