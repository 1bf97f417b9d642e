/*
 * akt/fsm.h -- finite-state-machine actors (the runtime that aktc's
 * generated FSMs target; usable by hand from C).
 *
 * An FSM is a table of named states. Each state has its own handler table
 * (the message handlers of akt/actor.h), an optional catch-all, on-enter
 * and on-exit hooks and a state timeout. A handler decides the next state
 * with akt_fsm_goto / akt_fsm_stay (the default) / akt_fsm_stop; after it
 * returns AKT_OK the runtime runs on_exit(old), the FSM's on_transition,
 * on_enter(new), and arms the new state's timeout. A handler that fails
 * makes no transition (its supervisor decides).
 *
 * State timeouts follow gen_statem's state_timeout: armed on entering a
 * state, cancelled on leaving it, NOT reset by messages handled while
 * staying. When it expires the current state receives an akt_StateTimeout.
 * goto to the current state is a transition (exit, enter, timeout
 * re-armed); stay is not.
 *
 *   static const akt_handler closed_h[] = {{&open_cmd_type, on_open}};
 *   static const akt_fsm_state door_states[] = {
 *       [CLOSED] = {.name = "closed", .handlers = closed_h, .nhandlers = 1},
 *       [OPEN] = {.name = "open", .handlers = open_h, .nhandlers = 1,
 *                 .timeout_ns = AKT_SEC(30)},
 *   };
 *   static const akt_fsm_def door = {.name = "door", .states = door_states,
 *       .nstates = 2, .initial = CLOSED, .data_size = sizeof(door_data)};
 *   akt_props p = akt_fsm_props(&door);
 *   akt_spawn(sys, &p, "door", &ref);
 */
#ifndef AKT_FSM_H
#define AKT_FSM_H

#include "akt/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a state receives when its timeout expires. */
typedef struct akt_StateTimeout {
    int32_t state;
} akt_StateTimeout;
AKT_API extern const akt_type akt_state_timeout_type;

typedef struct akt_fsm_state {
    const char *name;
    const akt_handler *handlers;
    size_t nhandlers;
    akt_handler_fn unhandled; /* optional catch-all of this state */
    /* hooks: data is the actor's state (the FSM's data) */
    void (*on_enter)(void *data, akt_ctx *ctx, int from); /* from -1: start */
    void (*on_exit)(void *data, akt_ctx *ctx, int to);
    int64_t timeout_ns; /* 0: none */
} akt_fsm_state;

/* What happens to a message the current state has no handler for. */
typedef enum akt_fsm_unhandled {
    AKT_FSM_UNHANDLED_LOG = 0, /* log a warning, drop it (default) */
    AKT_FSM_UNHANDLED_DEAD_LETTER, /* publish it as unhandled / dead letter */
    AKT_FSM_UNHANDLED_FAIL, /* the actor fails with AKT_EUNHANDLED */
    AKT_FSM_UNHANDLED_IGNORE /* drop it silently */
} akt_fsm_unhandled;

typedef struct akt_fsm_def {
    const char *name;
    const akt_fsm_state *states; /* indexed by state number */
    size_t nstates;
    int initial;
    akt_fsm_unhandled unhandled;
    /* every transition (goto), after on_exit and before on_enter */
    void (*on_transition)(void *data, akt_ctx *ctx, int from, int to);
    /* the data (actor state) */
    size_t data_size;
    akt_err (*data_init)(void *data, const void *init_arg);
    void (*data_fini)(void *data);
    const void *init_arg;
    /* lifecycle: before the initial state is entered; when stopped */
    akt_err (*on_start)(void *data, akt_ctx *ctx);
    void (*on_stop)(void *data, akt_ctx *ctx, int state);
} akt_fsm_def;

/* akt_fsm_props -- props that run def (def must outlive its actors):
 * the kit's behaviour and lifecycle, def as behavior_arg. Set
 * dispatcher/mailbox/supervisor on the result as needed. */
AKT_API akt_props akt_fsm_props(const akt_fsm_def *def);

/* An FSM with a behaviour and lifecycle of its own (aktc's generated FSMs,
 * whose behavior_arg is the user's handler table and init_arg the spawn's
 * argument) runs on these three: its behaviour's catch-all (unhandled) is
 * akt_fsm_receive and its handler table is empty; its pre_start and
 * post_restart call akt_fsm_start with the definition (every start begins
 * in def->initial, after def->on_start); its post_stop calls
 * akt_fsm_stopped. The definition is the actor's from akt_fsm_start on.
 * Errors of akt_fsm_start: AKT_EINVAL (NULL def or ctx, initial not a
 * state), AKT_ENOMEM, or on_start's; akt_fsm_receive: AKT_ESTATE before a
 * start, else the handler's. */
AKT_API akt_err akt_fsm_start(const akt_fsm_def *def, void *data, akt_ctx *ctx);
AKT_API akt_err akt_fsm_receive(void *data, akt_ctx *ctx, const void *msg);
AKT_API void akt_fsm_stopped(void *data, akt_ctx *ctx);

/* Inside a handler of the FSM: */
AKT_API akt_err akt_fsm_goto(akt_ctx *ctx, int state);
/* goto with a timeout for this stay in the new state (0: none) instead of
 * the state's own */
AKT_API akt_err akt_fsm_goto_for(akt_ctx *ctx, int state, int64_t timeout_ns);
AKT_API akt_err akt_fsm_stay(akt_ctx *ctx);
AKT_API akt_err akt_fsm_stop(akt_ctx *ctx);

/* akt_fsm_next_state -- inside a handler: the state it has asked to go to
 * so far (akt_fsm_goto), or -1 when it stays. aktc's generated FSMs check
 * it against the transitions the .akt file declares. -1 outside an FSM. */
AKT_API int akt_fsm_next_state(akt_ctx *ctx);

/* The current state (-1 outside an FSM) and its name. */
AKT_API int akt_fsm_state_of(akt_ctx *ctx);
AKT_API const char *akt_fsm_state_name(akt_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif /* AKT_FSM_H */
