/*
 * fsm.c -- the FSM runtime. An FSM actor's behaviour has no handlers and
 * one catch-all (akt_fsm_receive) that looks the message up in the current
 * state's table; the FSM's bookkeeping (its definition from the start on,
 * the current state, the transition a handler asked for) lives in the
 * actor's kit state, the state timeout is a keyed timer under a reserved
 * key, so a timeout of a state already left is never delivered.
 *
 * akt_fsm_props gives the kit's own behaviour and lifecycle, with the
 * definition as behavior_arg; aktc's generated FSMs bring their own (the
 * handler table is their behavior_arg) and call akt_fsm_start,
 * akt_fsm_receive and akt_fsm_stopped with the definition.
 */
#include <stdlib.h>
#include <string.h>

#include "kit/kit.h"

static const akt_field st_fields[] = {
    { .name = "state",
        .number = 1,
        .kind = AKT_KIND_INT32,
        .offset = offsetof(akt_StateTimeout, state),
        .has_offset = AKT_NO_OFFSET },
};

const akt_type akt_state_timeout_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.StateTimeout",
    .id = 0x3f5615da4255fb6bull,
    .size = sizeof(akt_StateTimeout),
    .align = _Alignof(akt_StateTimeout),
    .fields = st_fields,
    .nfields = 1,
    .doc = "The FSM's current state timed out.",
};

/* the definition of the FSM running ctx (NULL before its start) */
static const akt_fsm_def *
def_of(akt_ctx *ctx)
{
    akt_cell *c = akti_ctx_cell(ctx);
    kit_cell *k = c->ext ? c->ext->kit : NULL;
    return k ? k->fsm.def : NULL;
}

static void
arm_timeout(akt_ctx *ctx, kit_cell *k, int state, int64_t timeout)
{
    akt_cell *c = akti_ctx_cell(ctx);
    akti_kit_timer_cancel(k, KIT_KEY_STATE_TIMEOUT);
    if (timeout <= 0) {
        return;
    }
    akt_StateTimeout *m = akt_msg_new(&akt_state_timeout_type, 0);
    if (m == NULL) {
        return;
    }
    m->state = state;
    if (akti_kit_timer_start(c, k, KIT_KEY_STATE_TIMEOUT, m, timeout, 0)
        != AKT_OK) {
        akt_msg_free(m);
    }
}

static void
enter(akt_ctx *ctx, void *data, kit_cell *k, int from, int to, int64_t timeout)
{
    const akt_fsm_def *d = def_of(ctx);
    const akt_fsm_state *st = &d->states[to];
    k->fsm.cur = to;
    if (st->on_enter) {
        st->on_enter(data, ctx, from);
    }
    arm_timeout(ctx, k, to, timeout >= 0 ? timeout : st->timeout_ns);
}

akt_err
akt_fsm_start(const akt_fsm_def *d, void *data, akt_ctx *ctx)
{
    if (d == NULL || ctx == NULL || d->initial < 0
        || (size_t)d->initial >= d->nstates) {
        return AKT_EINVAL;
    }
    kit_cell *k = akti_kit_cell_ctx(ctx);
    if (k == NULL) {
        return AKT_ENOMEM;
    }
    k->fsm = (kit_fsm_rt) { .def = d,
        .cur = d->initial,
        .next = -1,
        .next_timeout = -1,
        .started = true };
    if (d->on_start) {
        akt_err rc = d->on_start(data, ctx);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    enter(ctx, data, k, -1, d->initial, -1);
    return AKT_OK;
}

static akt_err
fsm_pre_start(void *data, akt_ctx *ctx)
{
    return akt_fsm_start(akt_ctx_behavior_arg(ctx), data, ctx);
}

static akt_err
fsm_post_restart(void *data, akt_ctx *ctx, akt_err reason)
{
    (void)reason;
    /* fresh data, initial state */
    return akt_fsm_start(akt_ctx_behavior_arg(ctx), data, ctx);
}

void
akt_fsm_stopped(void *data, akt_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    const akt_fsm_def *d = def_of(ctx);
    akt_cell *c = akti_ctx_cell(ctx);
    kit_cell *k = c->ext ? c->ext->kit : NULL;
    if (d && d->on_stop) {
        d->on_stop(data, ctx, k ? k->fsm.cur : -1);
    }
}

static akt_handler_fn
state_handler(const akt_fsm_state *st, const akt_type *t)
{
    for (size_t i = 0; i < st->nhandlers; i++) {
        if (st->handlers[i].type == t) {
            return st->handlers[i].fn;
        }
    }
    for (size_t i = 0; i < st->nhandlers; i++) {
        if (st->handlers[i].type && t && st->handlers[i].type->id == t->id) {
            return st->handlers[i].fn;
        }
    }
    return NULL;
}

akt_err
akt_fsm_receive(void *data, akt_ctx *ctx, const void *msg)
{
    if (ctx == NULL) {
        return AKT_EINVAL;
    }
    kit_cell *k = akti_kit_cell_ctx(ctx);
    if (k == NULL) {
        return AKT_ENOMEM;
    }
    const akt_fsm_def *d = k->fsm.def;
    if (d == NULL || !k->fsm.started || k->fsm.cur < 0) {
        return AKT_ESTATE;
    }
    int from = k->fsm.cur;
    const akt_fsm_state *st = &d->states[from];
    const akt_type *t = akt_msg_type(msg);
    if (t == &akt_state_timeout_type
        && ((const akt_StateTimeout *)msg)->state != from) {
        return AKT_OK; /* cannot happen (the timer is per state); be safe */
    }
    akt_handler_fn fn = state_handler(st, t);
    if (fn == NULL) {
        fn = st->unhandled;
    }
    if (fn == NULL) {
        switch (d->unhandled) {
        case AKT_FSM_UNHANDLED_FAIL:
            return akt_ctx_fail(ctx, AKT_EUNHANDLED,
                "%s: %s unhandled in state %s", d->name ? d->name : "fsm",
                t ? t->name : "?", st->name ? st->name : "?");
        case AKT_FSM_UNHANDLED_DEAD_LETTER: {
            akt_cell *c = akti_ctx_cell(ctx);
            akti_dead_letter(c->sys, akt_ctx_self(ctx),
                akti_msg_hdr(akt_msg_retain(msg)), AKT_EUNHANDLED);
            return AKT_OK;
        }
        case AKT_FSM_UNHANDLED_IGNORE:
            return AKT_OK;
        default:
            akt_ctx_log(ctx, AKT_LOG_WARNING, "%s: %s unhandled in state %s",
                d->name ? d->name : "fsm", t ? t->name : "?",
                st->name ? st->name : "?");
            return AKT_OK;
        }
    }
    k->fsm.next = -1;
    k->fsm.next_timeout = -1;
    k->fsm.stop = false;
    akt_err rc = fn(data, ctx, msg);
    if (rc != AKT_OK) {
        return rc;
    }
    if (k->fsm.next >= 0) {
        int to = k->fsm.next;
        int64_t tmo = k->fsm.next_timeout;
        k->fsm.next = -1;
        if (st->on_exit) {
            st->on_exit(data, ctx, to);
        }
        if (d->on_transition) {
            d->on_transition(data, ctx, from, to);
        }
        enter(ctx, data, k, from, to, tmo);
    }
    if (k->fsm.stop) {
        akti_kit_timer_cancel(k, KIT_KEY_STATE_TIMEOUT);
        /* stopping oneself only marks the cell: it cannot fail */
        (void)akt_ctx_stop(ctx, akt_ctx_self(ctx));
    }
    return AKT_OK;
}

static const akt_behavior fsm_behavior = {
    .name = "fsm",
    .handlers = NULL,
    .nhandlers = 0,
    .unhandled = akt_fsm_receive,
};

static const akt_lifecycle fsm_lifecycle = {
    .pre_start = fsm_pre_start,
    .post_stop = akt_fsm_stopped,
    .post_restart = fsm_post_restart,
};

akt_props
akt_fsm_props(const akt_fsm_def *def)
{
    return (akt_props) {
        .behavior = &fsm_behavior,
        .behavior_arg = def,
        .lifecycle = &fsm_lifecycle,
        .state_size = def ? def->data_size : 0,
        .state_init = def ? def->data_init : NULL,
        .state_fini = def ? def->data_fini : NULL,
        .init_arg = def ? def->init_arg : NULL,
    };
}

static kit_cell *
fsm_of(akt_ctx *ctx)
{
    if (ctx == NULL) {
        return NULL;
    }
    akt_cell *c = akti_ctx_cell(ctx);
    kit_cell *k = c->ext ? c->ext->kit : NULL;
    return k != NULL && k->fsm.def != NULL ? k : NULL;
}

akt_err
akt_fsm_goto_for(akt_ctx *ctx, int state, int64_t timeout_ns)
{
    kit_cell *k = fsm_of(ctx);
    if (k == NULL) {
        return AKT_ESTATE;
    }
    const akt_fsm_def *d = def_of(ctx);
    if (state < 0 || (size_t)state >= d->nstates) {
        return AKT_EINVAL;
    }
    k->fsm.next = state;
    k->fsm.next_timeout = timeout_ns < 0 ? -1 : timeout_ns;
    return AKT_OK;
}

akt_err
akt_fsm_goto(akt_ctx *ctx, int state)
{
    kit_cell *k = fsm_of(ctx);
    if (k == NULL) {
        return AKT_ESTATE;
    }
    akt_err rc = akt_fsm_goto_for(ctx, state, 0);
    k->fsm.next_timeout = -1; /* the state's own timeout */
    return rc;
}

akt_err
akt_fsm_stay(akt_ctx *ctx)
{
    kit_cell *k = fsm_of(ctx);
    if (k == NULL) {
        return AKT_ESTATE;
    }
    k->fsm.next = -1;
    return AKT_OK;
}

akt_err
akt_fsm_stop(akt_ctx *ctx)
{
    kit_cell *k = fsm_of(ctx);
    if (k == NULL) {
        return AKT_ESTATE;
    }
    k->fsm.stop = true;
    return AKT_OK;
}

int
akt_fsm_next_state(akt_ctx *ctx)
{
    kit_cell *k = fsm_of(ctx);
    return k ? k->fsm.next : -1;
}

int
akt_fsm_state_of(akt_ctx *ctx)
{
    kit_cell *k = fsm_of(ctx);
    return k ? k->fsm.cur : -1;
}

const char *
akt_fsm_state_name(akt_ctx *ctx)
{
    kit_cell *k = fsm_of(ctx);
    if (k == NULL || k->fsm.cur < 0) {
        return NULL;
    }
    return def_of(ctx)->states[k->fsm.cur].name;
}
