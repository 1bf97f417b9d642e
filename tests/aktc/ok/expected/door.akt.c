/*
 * door.akt.c -- generated from door.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * fsmdemo. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). Each type's rows and descriptor are written with the
 * macros of akt/akt_gen.h over AKT_T, its struct: a row names the member
 * (its IDL name), the field number and the kind, and what a list, map,
 * enum or message needs; AKT_MSG (AKT_DESC) gives the default value and
 * the descriptor. Doc comments are in the header.
 */
#include "door.akt.h"

#include <stdlib.h>
#include <string.h>

/* ==== actors ============================================================ */

/* --- fsmdemo.Door (fsm) --- */

/* The actor's state is a fsmdemo_DoorState; its behavior_arg is the user's
 * handler table, which every function below finds with
 * akt_ctx_behavior_arg; the spawn's init_arg goes to h->init. */

static const char *const fsmdemo_door_fsm_names[] = {
    "Closed",
    "Locked",
    "Opened",
};

const char *
fsmdemo_door_state_name(fsmdemo_DoorFsmState s)
{
    return (int)s >= 0 && (int)s < 3 ? fsmdemo_door_fsm_names[s] : NULL;
}

static akt_err
fsmdemo_door_init_state(void *state, const void *init_arg)
{
    (void)init_arg;
    *(fsmdemo_DoorState *)state = fsmdemo_door_state_default;
    return AKT_OK;
}

/* After a handler returned AKT_OK: it may stay, stop, or go where its line
 * says (allowed; -1: nowhere). Any other goto fails the actor. */
static akt_err
fsmdemo_door_fsm_check(akt_ctx *ctx, int allowed, const char *line)
{
    int to = akt_fsm_next_state(ctx);
    if (to < 0 || to == allowed) {
        return AKT_OK;
    }
    (void)akt_fsm_stay(ctx);
    return akt_ctx_fail(ctx, AKT_EINVAL,
        "fsmdemo.Door: '%s' in state %s cannot go to %s (not declared)", line,
        fsmdemo_door_fsm_names[akt_fsm_state_of(ctx)], fsmdemo_door_fsm_names[to]);
}

static akt_err
fsmdemo_door_closed_on_open(void *state, akt_ctx *ctx, const void *msg)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_OPENED);
    if (h->closed.on_open == NULL) {
        return AKT_OK;
    }
    akt_err rc = h->closed.on_open(state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_OPENED, "on Open -> Opened");
}

static akt_err
fsmdemo_door_closed_on_lock(void *state, akt_ctx *ctx, const void *msg)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_LOCKED);
    if (h->closed.on_lock == NULL) {
        return AKT_OK;
    }
    akt_err rc = h->closed.on_lock(state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_LOCKED, "on Lock -> Locked");
}

static void
fsmdemo_door_closed_enter(void *state, akt_ctx *ctx, int from)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->closed.on_enter) {
        h->closed.on_enter(state, ctx, from);
    }
}

static void
fsmdemo_door_closed_exit(void *state, akt_ctx *ctx, int to)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->closed.on_exit) {
        h->closed.on_exit(state, ctx, (fsmdemo_DoorFsmState)to);
    }
}

static const akt_handler fsmdemo_door_closed_handlers[] = {
    {&fsmdemo_open_desc, fsmdemo_door_closed_on_open},
    {&fsmdemo_lock_desc, fsmdemo_door_closed_on_lock},
};

static akt_err
fsmdemo_door_locked_on_unlock(void *state, akt_ctx *ctx, const void *msg)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_CLOSED);
    if (h->locked.on_unlock == NULL) {
        return AKT_OK;
    }
    akt_err rc = h->locked.on_unlock(state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_CLOSED, "on Unlock -> Closed");
}

static akt_err
fsmdemo_door_locked_on_open(void *state, akt_ctx *ctx, const void *msg)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->locked.on_open == NULL) {
        return AKT_OK;
    }
    akt_err rc = h->locked.on_open(state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, -1, "on Open");
}

static void
fsmdemo_door_locked_enter(void *state, akt_ctx *ctx, int from)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->locked.on_enter) {
        h->locked.on_enter(state, ctx, from);
    }
}

static void
fsmdemo_door_locked_exit(void *state, akt_ctx *ctx, int to)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->locked.on_exit) {
        h->locked.on_exit(state, ctx, (fsmdemo_DoorFsmState)to);
    }
}

static const akt_handler fsmdemo_door_locked_handlers[] = {
    {&fsmdemo_unlock_desc, fsmdemo_door_locked_on_unlock},
    {&fsmdemo_open_desc, fsmdemo_door_locked_on_open},
};

static akt_err
fsmdemo_door_opened_on_close(void *state, akt_ctx *ctx, const void *msg)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_CLOSED);
    if (h->opened.on_close == NULL) {
        return AKT_OK;
    }
    akt_err rc = h->opened.on_close(state, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_CLOSED, "on Close -> Closed");
}

static akt_err
fsmdemo_door_opened_on_timeout(void *state, akt_ctx *ctx, const void *msg)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    (void)msg;
    (void)akt_fsm_goto(ctx, FSMDEMO_DOOR_CLOSED);
    if (h->opened.on_timeout == NULL) {
        return AKT_OK;
    }
    akt_err rc = h->opened.on_timeout(state, ctx);
    if (rc != AKT_OK) {
        return rc;
    }
    return fsmdemo_door_fsm_check(ctx, FSMDEMO_DOOR_CLOSED, "timeout 30s -> Closed");
}

static void
fsmdemo_door_opened_enter(void *state, akt_ctx *ctx, int from)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->opened.on_enter) {
        h->opened.on_enter(state, ctx, from);
    }
}

static void
fsmdemo_door_opened_exit(void *state, akt_ctx *ctx, int to)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->opened.on_exit) {
        h->opened.on_exit(state, ctx, (fsmdemo_DoorFsmState)to);
    }
}

static const akt_handler fsmdemo_door_opened_handlers[] = {
    {&fsmdemo_close_desc, fsmdemo_door_opened_on_close},
    {&akt_state_timeout_type, fsmdemo_door_opened_on_timeout},
};

static const akt_fsm_state fsmdemo_door_fsm_states[] = {
    [FSMDEMO_DOOR_CLOSED] = {
        .name = "Closed",
        .handlers = fsmdemo_door_closed_handlers,
        .nhandlers = 2,
        .on_enter = fsmdemo_door_closed_enter,
        .on_exit = fsmdemo_door_closed_exit,
    },
    [FSMDEMO_DOOR_LOCKED] = {
        .name = "Locked",
        .handlers = fsmdemo_door_locked_handlers,
        .nhandlers = 2,
        .on_enter = fsmdemo_door_locked_enter,
        .on_exit = fsmdemo_door_locked_exit,
    },
    [FSMDEMO_DOOR_OPENED] = {
        .name = "Opened",
        .handlers = fsmdemo_door_opened_handlers,
        .nhandlers = 2,
        .on_enter = fsmdemo_door_opened_enter,
        .on_exit = fsmdemo_door_opened_exit,
        .timeout_ns = INT64_C(30000000000),
    },
};

static void
fsmdemo_door_fsm_transition(void *state, akt_ctx *ctx, int from, int to)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->on_transition) {
        h->on_transition(state, ctx, (fsmdemo_DoorFsmState)from,
            (fsmdemo_DoorFsmState)to);
    }
}

static akt_err
fsmdemo_door_fsm_on_start(void *state, akt_ctx *ctx)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->pre_start ? h->pre_start(state, ctx) : AKT_OK;
}

static void
fsmdemo_door_fsm_on_stop(void *state, akt_ctx *ctx, int last)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->post_stop) {
        h->post_stop(state, ctx, (fsmdemo_DoorFsmState)last);
    }
}

/* One definition per unhandled policy, indexed by it. */
static const akt_fsm_def fsmdemo_door_fsm_defs[] = {
    [AKT_FSM_UNHANDLED_LOG] = {
        .name = "fsmdemo.Door",
        .states = fsmdemo_door_fsm_states,
        .nstates = 3,
        .initial = FSMDEMO_DOOR_CLOSED,
        .unhandled = AKT_FSM_UNHANDLED_LOG,
        .on_transition = fsmdemo_door_fsm_transition,
        .on_start = fsmdemo_door_fsm_on_start,
        .on_stop = fsmdemo_door_fsm_on_stop,
    },
    [AKT_FSM_UNHANDLED_DEAD_LETTER] = {
        .name = "fsmdemo.Door",
        .states = fsmdemo_door_fsm_states,
        .nstates = 3,
        .initial = FSMDEMO_DOOR_CLOSED,
        .unhandled = AKT_FSM_UNHANDLED_DEAD_LETTER,
        .on_transition = fsmdemo_door_fsm_transition,
        .on_start = fsmdemo_door_fsm_on_start,
        .on_stop = fsmdemo_door_fsm_on_stop,
    },
    [AKT_FSM_UNHANDLED_FAIL] = {
        .name = "fsmdemo.Door",
        .states = fsmdemo_door_fsm_states,
        .nstates = 3,
        .initial = FSMDEMO_DOOR_CLOSED,
        .unhandled = AKT_FSM_UNHANDLED_FAIL,
        .on_transition = fsmdemo_door_fsm_transition,
        .on_start = fsmdemo_door_fsm_on_start,
        .on_stop = fsmdemo_door_fsm_on_stop,
    },
    [AKT_FSM_UNHANDLED_IGNORE] = {
        .name = "fsmdemo.Door",
        .states = fsmdemo_door_fsm_states,
        .nstates = 3,
        .initial = FSMDEMO_DOOR_CLOSED,
        .unhandled = AKT_FSM_UNHANDLED_IGNORE,
        .on_transition = fsmdemo_door_fsm_transition,
        .on_start = fsmdemo_door_fsm_on_start,
        .on_stop = fsmdemo_door_fsm_on_stop,
    },
};

/* Lifecycle: init (the spawn's argument) after the state is reset, then
 * akt_fsm_start: pre_start and the initial state, on every start. */
static akt_err
fsmdemo_door_init(void *state, akt_ctx *ctx, const void *init_arg)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->init ? h->init(state, ctx, init_arg) : AKT_OK;
}

static akt_err
fsmdemo_door_pre_start(void *state, akt_ctx *ctx)
{
    const fsmdemo_DoorHandlers *h = akt_ctx_behavior_arg(ctx);
    return akt_fsm_start(&fsmdemo_door_fsm_defs[h->unhandled], state, ctx);
}

static akt_err
fsmdemo_door_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    (void)reason;
    return fsmdemo_door_pre_start(state, ctx);
}

static const akt_behavior fsmdemo_door_behavior = {
    .name = "fsmdemo.Door",
    .handlers = NULL,
    .nhandlers = 0,
    .unhandled = akt_fsm_receive,
};

static const akt_lifecycle fsmdemo_door_lifecycle = {
    .pre_start = fsmdemo_door_pre_start,
    .post_stop = akt_fsm_stopped,
    .post_restart = fsmdemo_door_post_restart,
    .init = fsmdemo_door_init,
};

akt_err
fsmdemo_door_props(const fsmdemo_DoorHandlers *h, akt_props *out)
{
    if (h == NULL || out == NULL || (unsigned)h->unhandled > (unsigned)AKT_FSM_UNHANDLED_IGNORE) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof *out);
    out->behavior = &fsmdemo_door_behavior;
    out->behavior_arg = h;
    out->lifecycle = &fsmdemo_door_lifecycle;
    out->state_size = sizeof(fsmdemo_DoorState);
    out->state_init = fsmdemo_door_init_state;
    return AKT_OK;
}

/* ==== descriptors ======================================================= */

#define AKT_T fsmdemo_Open
AKT_DESC0(fsmdemo_open, "fsmdemo.Open", 0x74ec2b99b073e10c, MESSAGE, NULL, {.empty_ = 0});
#undef AKT_T

#define AKT_T fsmdemo_Close
AKT_DESC0(fsmdemo_close, "fsmdemo.Close", 0x6b6b6d5bb7e52bb0, MESSAGE, NULL, {.empty_ = 0});
#undef AKT_T

#define AKT_T fsmdemo_Lock
AKT_FIELDS {
{AKT_F(code, 1, STRING)},
};
AKT_MSG(fsmdemo_lock, "fsmdemo.Lock", 0xa0a13d81452b12e3, {.code = {NULL, 0}});
#undef AKT_T

#define AKT_T fsmdemo_Unlock
AKT_FIELDS {
{AKT_F(code, 1, STRING)},
};
AKT_MSG(fsmdemo_unlock, "fsmdemo.Unlock", 0xa20412528db997c8, {.code = {NULL, 0}});
#undef AKT_T

#define AKT_T fsmdemo_DoorState
AKT_FIELDS {
{AKT_F(code, 1, STRING)},
{AKT_F(openings, 2, UINT32)},
};
AKT_DESC(fsmdemo_door_state, "fsmdemo.DoorState", 0x4832f585aa8a30c9, STATE, NULL, {.code = {NULL, 0}});
#undef AKT_T

const akt_type *const fsmdemo_door_types[] = {
    &fsmdemo_open_desc,
    &fsmdemo_close_desc,
    &fsmdemo_lock_desc,
    &fsmdemo_unlock_desc,
    &fsmdemo_door_state_desc,
    NULL,
};

akt_err
fsmdemo_door_register_types(akt_registry *reg)
{
    for (size_t i = 0; fsmdemo_door_types[i] != NULL; i++) {
        akt_err err = akt_registry_add(reg, fsmdemo_door_types[i]);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

akt_err
fsmdemo_door_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg)
{
    for (size_t i = 0; fsmdemo_door_types[i] != NULL; i++) {
        akt_err err = reg(fsmdemo_door_types[i], arg);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}
