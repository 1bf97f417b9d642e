/*
 * remote_peer.c -- a C node for the Python remoting tests
 * (tests/python/test_remote.py): a plain C program, built from the same
 * interop.akt with aktc's C output, that talks to a Python node over akt
 * remoting, so both directions cross the wire in C's format.
 *
 *   remote_peer <listen-url> <cookie> <python-adder-path>
 *
 * It starts system "cnode" with remoting, spawns a C pyt.Adder at
 * /user/adder, asks the Python node's adder (a Python actor made from the
 * generated pyt.AdderActor) with a typed call and prints the Sum, then
 * prints "READY <path of its own adder>" and serves until stdin closes.
 * Exit status: 0, or 1 with the failing step on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/remote.h"
#include "interop.akt.h"

static akt_err
on_add(pyt_AdderState *state, akt_ctx *ctx, const pyt_Add *msg)
{
    (void)state;
    int64_t v = msg->a + msg->b;
    for (size_t i = 0; i < msg->extra.len; i++) {
        v += msg->extra.items[i];
    }
    char note[256];
    snprintf(note, sizeof note, "C saw '%.*s'", (int)msg->note.len,
        msg->note.ptr ? msg->note.ptr : "");
    pyt_Sum *s = pyt_sum_alloc(strlen(note) + 1);
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    s->value = v;
    s->half = (double)v / 2;
    s->even = v % 2 == 0;
    akt_arena_str(akt_msg_arena(s), note, strlen(note), &s->note);
    akt_err rc = pyt_adder_reply_add(ctx, s);
    if (rc != AKT_OK) {
        akt_msg_free(s);
    }
    return rc;
}

static const pyt_AdderHandlers adder = { .on_add = on_add };

static int
fail(const char *what, akt_err rc)
{
    fprintf(stderr, "remote_peer: %s: %s\n", what, akt_strerror(rc));
    return 1;
}

int
main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: remote_peer LISTEN-URL COOKIE PYTHON-ADDER\n");
        return 2;
    }
    akt_system *sys;
    akt_registry *reg;
    akt_err rc = akt_system_create("cnode", NULL, &sys);
    if (rc != AKT_OK) {
        return fail("system", rc);
    }
    if ((rc = akt_registry_new(&reg)) != AKT_OK
        || (rc = pyt_interop_register_types(reg)) != AKT_OK) {
        return fail("registry", rc);
    }
    akt_remote_options o
        = { .listen_url = argv[1], .cookie = argv[2], .registry = reg };
    if ((rc = akt_remote_start(sys, &o)) != AKT_OK) {
        return fail("remoting", rc);
    }
    akt_props props;
    akt_ref me, py;
    if ((rc = pyt_adder_props(&adder, &props)) != AKT_OK
        || (rc = akt_spawn(sys, &props, "adder", &me)) != AKT_OK) {
        return fail("spawn", rc);
    }
    /* C asks the Python actor: a typed call through the proxy */
    if ((rc = akt_system_path_to_ref(sys, argv[3], &py)) != AKT_OK) {
        return fail("python adder ref", rc);
    }
    int32_t extra[] = { 100 };
    pyt_Add *q = pyt_add_alloc(64);
    if (q == NULL) {
        return fail("alloc", AKT_ENOMEM);
    }
    q->a = 20;
    q->b = 22;
    akt_arena_str(akt_msg_arena(q), "from C", 6, &q->note);
    q->extra.items = akt_arena_alloc(akt_msg_arena(q), sizeof extra, 4);
    memcpy(q->extra.items, extra, sizeof extra);
    q->extra.len = 1;
    pyt_Sum *sum = NULL;
    rc = pyt_adder_call_add(pyt_adder_ref(py), q, AKT_SEC(10), &sum, NULL);
    if (rc != AKT_OK) {
        return fail("call the Python adder", rc);
    }
    printf("C got value=%lld note=%.*s half=%g even=%d\n",
        (long long)sum->value, (int)sum->note.len,
        sum->note.ptr ? sum->note.ptr : "", sum->half, (int)sum->even);
    akt_msg_free(sum);
    char path[512];
    if ((rc = akt_system_ref_to_path(sys, me, path, sizeof path)) != AKT_OK) {
        return fail("path", rc);
    }
    printf("READY %s\n", path);
    fflush(stdout);
    char line[256];
    while (fgets(line, sizeof line, stdin) != NULL) { }
    akt_system_free(sys);
    akt_registry_free(reg);
    return 0;
}
