/*
 * greeter -- the README's demo: spawn a Greeter (declared in greeter.akt),
 * tell it hello, call it hello (ask + wait), print the reply, terminate.
 */
#include <stdio.h>
#include <stdlib.h>

#include "greeter.akt.h"

static void
check(akt_err err, const char *what)
{
    if (err != AKT_OK) {
        fprintf(stderr, "greeter: %s: %s\n", what, akt_strerror(err));
        exit(1);
    }
}

static akt_err
on_hello(demo_GreeterState *state, akt_ctx *ctx, const demo_Hello *msg)
{
    state->greeted++;
    printf("hi %s\n", msg->name.ptr);
    /* answered whether asked or told: a reply to a tell (no sender) is
     * dropped quietly */
    char text[128];
    snprintf(text, sizeof text, "hello, %s (#%llu)", msg->name.ptr,
        (unsigned long long)state->greeted);
    demo_Greeting *reply = demo_greeting_new(text);
    akt_err err = reply ? demo_greeter_reply_hello(ctx, reply) : AKT_ENOMEM;
    if (err != AKT_OK) {
        akt_msg_free(reply); /* not consumed on error */
    }
    return err;
}

static const demo_GreeterHandlers greeter = { .on_hello = on_hello };

int
main(void)
{
    akt_system *sys;
    akt_props props;
    akt_ref ref;
    demo_Greeting *reply;

    check(akt_system_create("demo", NULL, &sys), "system");
    check(demo_greeter_props(&greeter, &props), "props");
    check(akt_spawn(sys, &props, "greeter", &ref), "spawn");
    demo_GreeterRef g = demo_greeter_ref(ref); /* typed from here on */

    check(demo_greeter_tell_hello(g, demo_hello_new("world")), "tell");
    /* call: ask, wait, release; the request is consumed either way */
    check(demo_greeter_call_hello(
              g, demo_hello_new("akt"), AKT_SEC(5), &reply, NULL),
        "call");
    printf("%s\n", reply->text.ptr);

    akt_msg_free(reply);
    akt_system_free(sys);
    return 0;
}
