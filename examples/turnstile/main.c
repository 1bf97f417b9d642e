/*
 * turnstile -- the fsm of turnstile.akt driven through a day's worth of
 * coins and pushes under the testkit's deterministic mode (each tell runs
 * to completion before it returns; virtual time, so the 10 s timeout takes
 * no time). Checks every transition and exits 1 on any surprise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <akt/testkit.h>

#include "turnstile.akt.h"

static char trace[512]; /* "Locked>Unlocked ..." */
static int starts, passed, refunded;

static void
check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "turnstile: %s (trace: %s)\n", what, trace);
        exit(1);
    }
}

static akt_err
locked_coin(
    turnstile_TurnstileState *state, akt_ctx *ctx, const turnstile_Coin *msg)
{
    state->paid += msg->cents;
    if (state->paid < state->fare) {
        return turnstile_turnstile_stay(ctx); /* not yet: stay Locked */
    }
    state->paid -= state->fare;
    return AKT_OK; /* the line's transition: -> Unlocked */
}

static akt_err
locked_push(
    turnstile_TurnstileState *state, akt_ctx *ctx, const turnstile_Push *msg)
{
    (void)state;
    if (msg->force) {
        /* not declared for Push in Locked: the actor fails (AKT_EINVAL) */
        return turnstile_turnstile_goto_unlocked(ctx);
    }
    return AKT_OK;
}

static void
locked_enter(turnstile_TurnstileState *state, akt_ctx *ctx, int from)
{
    (void)state;
    (void)ctx;
    if (from < 0) {
        starts++;
    }
}

static akt_err
unlocked_push(
    turnstile_TurnstileState *state, akt_ctx *ctx, const turnstile_Push *msg)
{
    (void)ctx;
    (void)msg;
    state->passed++;
    passed++;
    return AKT_OK;
}

static akt_err
unlocked_coin(
    turnstile_TurnstileState *state, akt_ctx *ctx, const turnstile_Coin *msg)
{
    (void)ctx;
    state->refunded += msg->cents;
    refunded += (int)msg->cents;
    return AKT_OK;
}

static void
transition(turnstile_TurnstileState *state, akt_ctx *ctx,
    turnstile_TurnstileFsmState from, turnstile_TurnstileFsmState to)
{
    (void)state;
    (void)ctx;
    size_t n = strlen(trace);
    snprintf(trace + n, sizeof trace - n, "%s>%s ",
        turnstile_turnstile_state_name(from),
        turnstile_turnstile_state_name(to));
}

static const turnstile_TurnstileHandlers handlers = {
    .locked = { .on_coin = locked_coin,
        .on_push = locked_push,
        .on_enter = locked_enter },
    .unlocked = { .on_push = unlocked_push, .on_coin = unlocked_coin },
    .on_transition = transition,
};

static void
coin(turnstile_TurnstileRef t, uint32_t cents)
{
    check(turnstile_turnstile_tell_coin(t, turnstile_coin_new(cents)) == AKT_OK,
        "tell coin");
}

static void
push(turnstile_TurnstileRef t, bool force)
{
    check(turnstile_turnstile_tell_push(t, turnstile_push_new(force)) == AKT_OK,
        "tell push");
}

int
main(void)
{
    akt_system *sys;
    akt_props props;
    akt_ref ref;
    akt_testkit_opts opts = { .deterministic = true };

    check(akt_testkit_system("turnstile", &opts, &sys) == AKT_OK, "system");
    check(turnstile_turnstile_props(&handlers, &props) == AKT_OK, "props");
    check(akt_spawn(sys, &props, "turnstile", &ref) == AKT_OK, "spawn");
    turnstile_TurnstileRef t = turnstile_turnstile_ref(ref);
    check(starts == 1, "starts in Locked");

    push(t, false); /* blocked */
    coin(t, 20); /* less than the fare: stays */
    check(trace[0] == '\0', "a push and 20 cents leave it locked");
    coin(t, 30);
    check(strcmp(trace, "Locked>Unlocked ") == 0, "the fare unlocks");
    coin(t, 10); /* refunded, stays */
    push(t, false);
    check(strcmp(trace, "Locked>Unlocked Unlocked>Locked ") == 0,
        "a push passes and locks");
    check(passed == 1 && refunded == 10, "one passed, 10 cents refunded");

    coin(t, 50);
    check(akt_testkit_advance(sys, AKT_SEC(9)) == AKT_OK, "advance");
    check(
        strcmp(trace, "Locked>Unlocked Unlocked>Locked Locked>Unlocked ") == 0,
        "still unlocked after 9 s");
    check(akt_testkit_advance(sys, AKT_SEC(1)) == AKT_OK, "advance");
    check(
        strcmp(trace,
            "Locked>Unlocked Unlocked>Locked Locked>Unlocked Unlocked>Locked ")
            == 0,
        "the 10 s timeout locks it");

    push(t, true); /* an undeclared goto: fails, is restarted in Locked */
    check(starts == 2, "an undeclared transition fails the actor");
    check(strstr(trace,
              "Locked>Unlocked Unlocked>Locked Locked>Unlocked "
              "Unlocked>Locked ")
                == trace
            && strlen(trace) == 64,
        "the undeclared transition is not made");

    akt_system_free(sys);
    printf("turnstile: %s\n", trace);
    return 0;
}
