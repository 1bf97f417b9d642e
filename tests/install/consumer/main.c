/*
 * A user program linking the installed libakt. It starts remoting (over
 * inproc), so a static link needs everything libakt.a uses: NNG,
 * protobuf-c, threads.
 */
#include <akt/akt.h>
#include <akt/remote.h>
#include <stdio.h>

static int
fail(const char *what, akt_err err)
{
    fprintf(stderr, "consumer: %s: %s\n", what, akt_strerror(err));
    return 1;
}

int
main(void)
{
    akt_registry *reg;
    akt_system *sys;
    akt_err err;
    char addr[256];

    if ((err = akt_registry_new(&reg)) != AKT_OK) {
        return fail("registry", err);
    }
    if ((err = akt_system_create("consumer", NULL, &sys)) != AKT_OK) {
        akt_registry_free(reg);
        return fail("system", err);
    }
    akt_remote_options o = {
        .listen_url = "inproc://akt-install-consumer",
        .registry = reg,
    };
    err = akt_remote_start(sys, &o);
    if (err == AKT_OK) {
        err = akt_remote_address(sys, addr, sizeof addr);
    }
    akt_system_free(sys); /* stops remoting too */
    akt_registry_free(reg);
    if (err != AKT_OK) {
        return fail("remoting", err);
    }
    printf("consumer ok: %s\n", addr);
    return 0;
}
