/*
 * ledger.akt.c -- generated from ledger.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * ledger. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). Each type's rows and descriptor are written with the
 * macros of akt/akt_gen.h over AKT_T, its struct: a row names the member
 * (its IDL name), the field number and the kind, and what a list, map,
 * enum or message needs; AKT_MSG (AKT_DESC) gives the default value and
 * the descriptor. Doc comments are in the header.
 */
#include "ledger.akt.h"

#include <stdlib.h>
#include <string.h>

/* ==== actors ============================================================ */

/* --- ledger.Account (persistent) --- */

/* The data of an Account: the state first (so the runtime's pointer is a
 * ledger_AccountState pointer too), then the handler table. */
typedef struct ledger_account_pdata {
    ledger_AccountState state;
    const ledger_AccountHandlers *h;
} ledger_account_pdata;

/* init_arg: the handlers (ledger_account_props), or a ledger_account_spawn_arg
 * (ledger_account_spawn, with ledger_account_spawn_pdef); then h->init, if any. */
static akt_err
ledger_account_init_state(void *data, const void *init_arg)
{
    ledger_account_pdata *d = data;
    d->state = ledger_account_state_default;
    d->h = init_arg;
    return d->h->init ? d->h->init(&d->state, NULL) : AKT_OK;
}

/* ledger_account_spawn's init_arg: the handlers and the spawn's init_arg,
 * allocated by the spawn and freed by the runtime (akt_props.init_fini)
 * once the actor is gone for good. */
typedef struct ledger_account_spawn_arg {
    const ledger_AccountHandlers *h;
    const void *init_arg;
} ledger_account_spawn_arg;

static akt_err
ledger_account_spawn_init_state(void *data, const void *init_arg)
{
    const ledger_account_spawn_arg *sa = init_arg;
    ledger_account_pdata *d = data;
    d->state = ledger_account_state_default;
    d->h = sa->h;
    return d->h->init ? d->h->init(&d->state, sa->init_arg) : AKT_OK;
}

static akt_err
ledger_account_on_deposit(void *data, akt_ctx *ctx, const void *msg)
{
    const ledger_AccountHandlers *h = ((ledger_account_pdata *)data)->h;
    if (h->on_deposit == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "ledger.Account: on_deposit is NULL");
    }
    return h->on_deposit(data, ctx, msg);
}

static akt_err
ledger_account_on_withdraw(void *data, akt_ctx *ctx, const void *msg)
{
    const ledger_AccountHandlers *h = ((ledger_account_pdata *)data)->h;
    if (h->on_withdraw == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "ledger.Account: on_withdraw is NULL");
    }
    return h->on_withdraw(data, ctx, msg);
}

static akt_err
ledger_account_on_bulk(void *data, akt_ctx *ctx, const void *msg)
{
    const ledger_AccountHandlers *h = ((ledger_account_pdata *)data)->h;
    if (h->on_bulk == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "ledger.Account: on_bulk is NULL");
    }
    return h->on_bulk(data, ctx, msg);
}

static akt_err
ledger_account_on_get(void *data, akt_ctx *ctx, const void *msg)
{
    const ledger_AccountHandlers *h = ((ledger_account_pdata *)data)->h;
    if (h->on_get == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "ledger.Account: on_get is NULL");
    }
    return h->on_get(data, ctx, msg);
}

static void
ledger_account_deposited_done(void *data, akt_ctx *ctx, const void *event,
    void (*fn)(void), void *arg)
{
    ((ledger_AccountDepositedDone)fn)(data, ctx, event, arg);
}

akt_err
ledger_account_persist_deposited(akt_ctx *ctx, ledger_Deposited *event,
    ledger_AccountDepositedDone done, void *arg)
{
    void *const one[1] = {event};
    return akt_persist_gen(ctx, one, 1, 0, done ? ledger_account_deposited_done : NULL,
        (void (*)(void))done, arg);
}

akt_err
ledger_account_persist_deposited_async(akt_ctx *ctx, ledger_Deposited *event,
    ledger_AccountDepositedDone done, void *arg)
{
    void *const one[1] = {event};
    return akt_persist_gen(ctx, one, 1, AKT_PERSIST_ASYNC,
        done ? ledger_account_deposited_done : NULL, (void (*)(void))done, arg);
}

static void
ledger_account_withdrawn_done(void *data, akt_ctx *ctx, const void *event,
    void (*fn)(void), void *arg)
{
    ((ledger_AccountWithdrawnDone)fn)(data, ctx, event, arg);
}

akt_err
ledger_account_persist_withdrawn(akt_ctx *ctx, ledger_Withdrawn *event,
    ledger_AccountWithdrawnDone done, void *arg)
{
    void *const one[1] = {event};
    return akt_persist_gen(ctx, one, 1, 0, done ? ledger_account_withdrawn_done : NULL,
        (void (*)(void))done, arg);
}

akt_err
ledger_account_persist_withdrawn_async(akt_ctx *ctx, ledger_Withdrawn *event,
    ledger_AccountWithdrawnDone done, void *arg)
{
    void *const one[1] = {event};
    return akt_persist_gen(ctx, one, 1, AKT_PERSIST_ASYNC,
        done ? ledger_account_withdrawn_done : NULL, (void (*)(void))done, arg);
}

static void
ledger_account_snapshot_offer(void *data, uint64_t seq, const void *snapshot)
{
    ledger_account_pdata *d = data;
    d->h->snapshot_offer(&d->state, seq, snapshot);
}

static bool
ledger_account_snapshot_when(const void *data, const void *event, uint64_t seq)
{
    const ledger_account_pdata *d = data;
    return (d->h->snapshot_every != 0 && seq % d->h->snapshot_every == 0)
        || (d->h->snapshot_when != NULL
            && d->h->snapshot_when(&d->state, event, seq));
}

static void *
ledger_account_snapshot_take(const void *data)
{
    const ledger_account_pdata *d = data;
    return d->h->snapshot_take ? d->h->snapshot_take(&d->state) : NULL;
}

static void
ledger_account_snapshot_saved(void *data, akt_ctx *ctx, uint64_t seq)
{
    ledger_account_pdata *d = data;
    if (d->h->snapshot_saved) {
        d->h->snapshot_saved(&d->state, ctx, seq);
    }
}

static void
ledger_account_snapshot_failed(void *data, akt_ctx *ctx, uint64_t seq, akt_err rc)
{
    ledger_account_pdata *d = data;
    if (d->h->snapshot_failed) {
        d->h->snapshot_failed(&d->state, ctx, seq, rc);
    }
}

/* apply: the runtime hands over only the event types listed below (by
 * type id: another descriptor of one type, a Python module's, is the same) */
static void
ledger_account_apply(void *data, const void *event)
{
    ledger_account_pdata *d = data;
    const akt_type *type = akt_msg_type(event);
    if (type->id == ledger_deposited_desc.id) {
        d->h->apply_deposited(&d->state, event);
        return;
    }
    if (type->id == ledger_withdrawn_desc.id) {
        d->h->apply_withdrawn(&d->state, event);
        return;
    }
}

static void
ledger_account_event_done(void *data, akt_ctx *ctx, const void *event,
    void (*fn)(void), void *arg)
{
    ((ledger_AccountEventDone)fn)(data, ctx, event, arg);
}

static void
ledger_account_recovery_completed(void *data, akt_ctx *ctx, uint64_t highest)
{
    ledger_account_pdata *d = data;
    if (d->h->recovery_completed) {
        d->h->recovery_completed(&d->state, ctx, highest);
    }
}

static void
ledger_account_recovery_failed(void *data, akt_ctx *ctx, akt_err rc,
    const char *why)
{
    ledger_account_pdata *d = data;
    if (d->h->recovery_failed) {
        d->h->recovery_failed(&d->state, ctx, rc, why);
    }
}

static void
ledger_account_persist_rejected(void *data, akt_ctx *ctx, akt_err rc,
    const void *event)
{
    ledger_account_pdata *d = data;
    if (d->h->persist_rejected) {
        d->h->persist_rejected(&d->state, ctx, rc, event);
    }
}

static void
ledger_account_persist_failed(void *data, akt_ctx *ctx, akt_err rc,
    const void *event)
{
    ledger_account_pdata *d = data;
    if (d->h->persist_failed) {
        d->h->persist_failed(&d->state, ctx, rc, event);
    }
}

static size_t
ledger_account_tags(const void *data, const void *event, const char **tags,
    size_t max)
{
    const ledger_account_pdata *d = data;
    return d->h->tags ? d->h->tags(&d->state, event, tags, max) : 0;
}

static void
ledger_account_post_stop(void *data, akt_ctx *ctx)
{
    ledger_account_pdata *d = data;
    if (d->h->post_stop) {
        d->h->post_stop(&d->state, ctx);
    }
}

static const akt_handler ledger_account_handlers[] = {
    {&ledger_deposit_desc, ledger_account_on_deposit},
    {&ledger_withdraw_desc, ledger_account_on_withdraw},
    {&ledger_bulk_desc, ledger_account_on_bulk},
    {&ledger_get_desc, ledger_account_on_get},
};

static const akt_type *const ledger_account_events[] = {
    &ledger_deposited_desc,
    &ledger_withdrawn_desc,
};

static const akt_persistent_def ledger_account_pdef = {
    .name = "ledger.Account",
    .id_prefix = "ledger.Account|",
    .state_size = sizeof(ledger_account_pdata),
    .state_init = ledger_account_init_state,
    .commands = ledger_account_handlers,
    .ncommands = 4,
    .apply = ledger_account_apply,
    .recovery_completed = ledger_account_recovery_completed,
    .recovery_failed = ledger_account_recovery_failed,
    .persist_rejected = ledger_account_persist_rejected,
    .persist_failed = ledger_account_persist_failed,
    .post_stop = ledger_account_post_stop,
    .events = ledger_account_events,
    .nevents = 2,
    .tags_of = ledger_account_tags,
    .snapshot_type = &ledger_snap_desc,
    .snapshot_offer = ledger_account_snapshot_offer,
    .snapshot_when = ledger_account_snapshot_when,
    .snapshot_take = ledger_account_snapshot_take,
    .snapshot_saved = ledger_account_snapshot_saved,
    .snapshot_failed = ledger_account_snapshot_failed,
};

static const akt_persistent_def ledger_account_spawn_pdef = {
    .name = "ledger.Account",
    .id_prefix = "ledger.Account|",
    .state_size = sizeof(ledger_account_pdata),
    .state_init = ledger_account_spawn_init_state,
    .commands = ledger_account_handlers,
    .ncommands = 4,
    .apply = ledger_account_apply,
    .recovery_completed = ledger_account_recovery_completed,
    .recovery_failed = ledger_account_recovery_failed,
    .persist_rejected = ledger_account_persist_rejected,
    .persist_failed = ledger_account_persist_failed,
    .post_stop = ledger_account_post_stop,
    .events = ledger_account_events,
    .nevents = 2,
    .tags_of = ledger_account_tags,
    .snapshot_type = &ledger_snap_desc,
    .snapshot_offer = ledger_account_snapshot_offer,
    .snapshot_when = ledger_account_snapshot_when,
    .snapshot_take = ledger_account_snapshot_take,
    .snapshot_saved = ledger_account_snapshot_saved,
    .snapshot_failed = ledger_account_snapshot_failed,
};


akt_err
ledger_account_props(const ledger_AccountHandlers *h, akt_props *out)
{
    if (h == NULL || out == NULL
        || h->apply_deposited == NULL
        || h->apply_withdrawn == NULL
        || h->snapshot_offer == NULL) {
        return AKT_EINVAL;
    }
    akt_err err = akt_persistent_props(&ledger_account_pdef, out);
    if (err == AKT_OK) {
        out->init_arg = h;
    }
    return err;
}

static void
ledger_account_spawn_arg_free(const void *arg)
{
    free((void *)arg);
}

static akt_err
ledger_account_spawn_props(const ledger_AccountHandlers *h, const void *init_arg,
    akt_props *out)
{
    if (h == NULL || out == NULL
        || h->apply_deposited == NULL
        || h->apply_withdrawn == NULL
        || h->snapshot_offer == NULL) {
        return AKT_EINVAL;
    }
    ledger_account_spawn_arg *sa = malloc(sizeof *sa);
    if (sa == NULL) {
        return AKT_ENOMEM;
    }
    akt_err err = akt_persistent_props(&ledger_account_spawn_pdef, out);
    if (err != AKT_OK) {
        free(sa);
        return err;
    }
    sa->h = h;
    sa->init_arg = init_arg;
    out->init_arg = sa;
    out->init_fini = ledger_account_spawn_arg_free;
    return AKT_OK;
}

akt_err
ledger_account_spawn(akt_system *sys, const ledger_AccountHandlers *h, const char *name,
    const void *init_arg, ledger_AccountRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = ledger_account_spawn_props(h, init_arg, &props);
    if (err == AKT_OK) {
        err = akt_spawn(sys, &props, name, &ref);
        if (err != AKT_OK) {
            free((void *)props.init_arg); /* still ours */
        }
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

akt_err
ledger_account_spawn_child(akt_ctx *ctx, const ledger_AccountHandlers *h,
    const char *name, const void *init_arg, ledger_AccountRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = ledger_account_spawn_props(h, init_arg, &props);
    if (err == AKT_OK) {
        err = akt_ctx_spawn(ctx, &props, name, &ref);
        if (err != AKT_OK) {
            free((void *)props.init_arg); /* still ours */
        }
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

akt_err
ledger_account_persist_all(akt_ctx *ctx, void *const *events, size_t n,
    ledger_AccountEventDone done, void *arg)
{
    return akt_persist_gen(ctx, events, n, 0,
        done ? ledger_account_event_done : NULL, (void (*)(void))done, arg);
}

akt_err
ledger_account_persist_all_async(akt_ctx *ctx, void *const *events, size_t n,
    ledger_AccountEventDone done, void *arg)
{
    return akt_persist_gen(ctx, events, n, AKT_PERSIST_ASYNC,
        done ? ledger_account_event_done : NULL, (void (*)(void))done, arg);
}
/* --- ledger.Tally (persistent) --- */

/* The data of a Tally: the state first (so the runtime's pointer is a
 * ledger_TallyState pointer too), then the handler table. */
typedef struct ledger_tally_pdata {
    ledger_TallyState state;
    const ledger_TallyHandlers *h;
} ledger_tally_pdata;

/* init_arg: the handlers (ledger_tally_props), or a ledger_tally_spawn_arg
 * (ledger_tally_spawn, with ledger_tally_spawn_pdef); then h->init, if any. */
static akt_err
ledger_tally_init_state(void *data, const void *init_arg)
{
    ledger_tally_pdata *d = data;
    d->state = ledger_tally_state_default;
    d->h = init_arg;
    return d->h->init ? d->h->init(&d->state, NULL) : AKT_OK;
}

/* ledger_tally_spawn's init_arg: the handlers and the spawn's init_arg,
 * allocated by the spawn and freed by the runtime (akt_props.init_fini)
 * once the actor is gone for good. */
typedef struct ledger_tally_spawn_arg {
    const ledger_TallyHandlers *h;
    const void *init_arg;
} ledger_tally_spawn_arg;

static akt_err
ledger_tally_spawn_init_state(void *data, const void *init_arg)
{
    const ledger_tally_spawn_arg *sa = init_arg;
    ledger_tally_pdata *d = data;
    d->state = ledger_tally_state_default;
    d->h = sa->h;
    return d->h->init ? d->h->init(&d->state, sa->init_arg) : AKT_OK;
}

static akt_err
ledger_tally_on_deposit(void *data, akt_ctx *ctx, const void *msg)
{
    const ledger_TallyHandlers *h = ((ledger_tally_pdata *)data)->h;
    if (h->on_deposit == NULL) {
        return akt_ctx_fail(ctx, AKT_EUNHANDLED, "ledger.Tally: on_deposit is NULL");
    }
    return h->on_deposit(data, ctx, msg);
}

static void
ledger_tally_deposited_done(void *data, akt_ctx *ctx, const void *event,
    void (*fn)(void), void *arg)
{
    ((ledger_TallyDepositedDone)fn)(data, ctx, event, arg);
}

akt_err
ledger_tally_persist_deposited(akt_ctx *ctx, ledger_Deposited *event,
    ledger_TallyDepositedDone done, void *arg)
{
    void *const one[1] = {event};
    return akt_persist_gen(ctx, one, 1, 0, done ? ledger_tally_deposited_done : NULL,
        (void (*)(void))done, arg);
}

akt_err
ledger_tally_persist_deposited_async(akt_ctx *ctx, ledger_Deposited *event,
    ledger_TallyDepositedDone done, void *arg)
{
    void *const one[1] = {event};
    return akt_persist_gen(ctx, one, 1, AKT_PERSIST_ASYNC,
        done ? ledger_tally_deposited_done : NULL, (void (*)(void))done, arg);
}

/* apply: the runtime hands over only the event types listed below (by
 * type id: another descriptor of one type, a Python module's, is the same) */
static void
ledger_tally_apply(void *data, const void *event)
{
    ledger_tally_pdata *d = data;
    const akt_type *type = akt_msg_type(event);
    if (type->id == ledger_deposited_desc.id) {
        d->h->apply_deposited(&d->state, event);
        return;
    }
}

static void
ledger_tally_event_done(void *data, akt_ctx *ctx, const void *event,
    void (*fn)(void), void *arg)
{
    ((ledger_TallyEventDone)fn)(data, ctx, event, arg);
}

static void
ledger_tally_recovery_completed(void *data, akt_ctx *ctx, uint64_t highest)
{
    ledger_tally_pdata *d = data;
    if (d->h->recovery_completed) {
        d->h->recovery_completed(&d->state, ctx, highest);
    }
}

static void
ledger_tally_recovery_failed(void *data, akt_ctx *ctx, akt_err rc,
    const char *why)
{
    ledger_tally_pdata *d = data;
    if (d->h->recovery_failed) {
        d->h->recovery_failed(&d->state, ctx, rc, why);
    }
}

static void
ledger_tally_persist_rejected(void *data, akt_ctx *ctx, akt_err rc,
    const void *event)
{
    ledger_tally_pdata *d = data;
    if (d->h->persist_rejected) {
        d->h->persist_rejected(&d->state, ctx, rc, event);
    }
}

static void
ledger_tally_persist_failed(void *data, akt_ctx *ctx, akt_err rc,
    const void *event)
{
    ledger_tally_pdata *d = data;
    if (d->h->persist_failed) {
        d->h->persist_failed(&d->state, ctx, rc, event);
    }
}

static size_t
ledger_tally_tags(const void *data, const void *event, const char **tags,
    size_t max)
{
    const ledger_tally_pdata *d = data;
    return d->h->tags ? d->h->tags(&d->state, event, tags, max) : 0;
}

static void
ledger_tally_post_stop(void *data, akt_ctx *ctx)
{
    ledger_tally_pdata *d = data;
    if (d->h->post_stop) {
        d->h->post_stop(&d->state, ctx);
    }
}

static const akt_handler ledger_tally_handlers[] = {
    {&ledger_deposit_desc, ledger_tally_on_deposit},
};

static const akt_type *const ledger_tally_events[] = {
    &ledger_deposited_desc,
};

static const akt_persistent_def ledger_tally_pdef = {
    .name = "ledger.Tally",
    .id_prefix = "ledger.Tally|",
    .state_size = sizeof(ledger_tally_pdata),
    .state_init = ledger_tally_init_state,
    .commands = ledger_tally_handlers,
    .ncommands = 1,
    .apply = ledger_tally_apply,
    .recovery_completed = ledger_tally_recovery_completed,
    .recovery_failed = ledger_tally_recovery_failed,
    .persist_rejected = ledger_tally_persist_rejected,
    .persist_failed = ledger_tally_persist_failed,
    .post_stop = ledger_tally_post_stop,
    .events = ledger_tally_events,
    .nevents = 1,
    .tags_of = ledger_tally_tags,
};

static const akt_persistent_def ledger_tally_spawn_pdef = {
    .name = "ledger.Tally",
    .id_prefix = "ledger.Tally|",
    .state_size = sizeof(ledger_tally_pdata),
    .state_init = ledger_tally_spawn_init_state,
    .commands = ledger_tally_handlers,
    .ncommands = 1,
    .apply = ledger_tally_apply,
    .recovery_completed = ledger_tally_recovery_completed,
    .recovery_failed = ledger_tally_recovery_failed,
    .persist_rejected = ledger_tally_persist_rejected,
    .persist_failed = ledger_tally_persist_failed,
    .post_stop = ledger_tally_post_stop,
    .events = ledger_tally_events,
    .nevents = 1,
    .tags_of = ledger_tally_tags,
};


akt_err
ledger_tally_props(const ledger_TallyHandlers *h, akt_props *out)
{
    if (h == NULL || out == NULL
        || h->apply_deposited == NULL) {
        return AKT_EINVAL;
    }
    akt_err err = akt_persistent_props(&ledger_tally_pdef, out);
    if (err == AKT_OK) {
        out->init_arg = h;
    }
    return err;
}

static void
ledger_tally_spawn_arg_free(const void *arg)
{
    free((void *)arg);
}

static akt_err
ledger_tally_spawn_props(const ledger_TallyHandlers *h, const void *init_arg,
    akt_props *out)
{
    if (h == NULL || out == NULL
        || h->apply_deposited == NULL) {
        return AKT_EINVAL;
    }
    ledger_tally_spawn_arg *sa = malloc(sizeof *sa);
    if (sa == NULL) {
        return AKT_ENOMEM;
    }
    akt_err err = akt_persistent_props(&ledger_tally_spawn_pdef, out);
    if (err != AKT_OK) {
        free(sa);
        return err;
    }
    sa->h = h;
    sa->init_arg = init_arg;
    out->init_arg = sa;
    out->init_fini = ledger_tally_spawn_arg_free;
    return AKT_OK;
}

akt_err
ledger_tally_spawn(akt_system *sys, const ledger_TallyHandlers *h, const char *name,
    const void *init_arg, ledger_TallyRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = ledger_tally_spawn_props(h, init_arg, &props);
    if (err == AKT_OK) {
        err = akt_spawn(sys, &props, name, &ref);
        if (err != AKT_OK) {
            free((void *)props.init_arg); /* still ours */
        }
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

akt_err
ledger_tally_spawn_child(akt_ctx *ctx, const ledger_TallyHandlers *h,
    const char *name, const void *init_arg, ledger_TallyRef *out)
{
    akt_props props;
    akt_ref ref = {0, 0};
    akt_err err = ledger_tally_spawn_props(h, init_arg, &props);
    if (err == AKT_OK) {
        err = akt_ctx_spawn(ctx, &props, name, &ref);
        if (err != AKT_OK) {
            free((void *)props.init_arg); /* still ours */
        }
    }
    if (err == AKT_OK && out != NULL) {
        out->ref = ref;
    }
    return err;
}

akt_err
ledger_tally_persist_all(akt_ctx *ctx, void *const *events, size_t n,
    ledger_TallyEventDone done, void *arg)
{
    return akt_persist_gen(ctx, events, n, 0,
        done ? ledger_tally_event_done : NULL, (void (*)(void))done, arg);
}

akt_err
ledger_tally_persist_all_async(akt_ctx *ctx, void *const *events, size_t n,
    ledger_TallyEventDone done, void *arg)
{
    return akt_persist_gen(ctx, events, n, AKT_PERSIST_ASYNC,
        done ? ledger_tally_event_done : NULL, (void (*)(void))done, arg);
}
/* ==== descriptors ======================================================= */

#define AKT_T ledger_Deposit
AKT_FIELDS {
{AKT_F(amount, 1, INT64)},
};
AKT_MSG(ledger_deposit, "ledger.Deposit", 0x0f774ebb3b9ea2e8, {.amount = 0});
#undef AKT_T

#define AKT_T ledger_Withdraw
AKT_FIELDS {
{AKT_F(amount, 1, INT64)},
};
AKT_MSG(ledger_withdraw, "ledger.Withdraw", 0x3423d39c9eeb2c8c, {.amount = 0});
#undef AKT_T

#define AKT_T ledger_Bulk
AKT_FIELDS {
{AKT_F(amount, 1, INT64)},
{AKT_F(times, 2, INT32)},
{AKT_F(no_stash, 3, BOOL)},
};
AKT_MSG(ledger_bulk, "ledger.Bulk", 0xe3d9fd71c178949a, {.amount = 0});
#undef AKT_T

#define AKT_T ledger_Get
AKT_DESC0(ledger_get, "ledger.Get", 0xfc335e0d274d8bc2, MESSAGE, NULL, {.empty_ = 0});
#undef AKT_T

#define AKT_T ledger_Balance
AKT_FIELDS {
{AKT_F(balance, 1, INT64)},
{AKT_F(seq, 2, UINT64)},
{AKT_F(replayed, 3, INT64)},
};
AKT_MSG(ledger_balance, "ledger.Balance", 0xaf4f428ea14ff4ca, {.balance = 0});
#undef AKT_T

#define AKT_T ledger_Deposited
AKT_FIELDS {
{AKT_F(amount, 1, INT64)},
};
AKT_MSG(ledger_deposited, "ledger.Deposited", 0xfecda3177ba5abe9, {.amount = 0});
#undef AKT_T

#define AKT_T ledger_Withdrawn
AKT_FIELDS {
{AKT_F(amount, 1, INT64)},
{AKT_F(note, 2, STRING)},
};
AKT_MSG(ledger_withdrawn, "ledger.Withdrawn", 0x840d7522099d4406, {.amount = 0});
#undef AKT_T

#define AKT_T ledger_Snap
AKT_FIELDS {
{AKT_F(balance, 1, INT64)},
};
AKT_MSG(ledger_snap, "ledger.Snap", 0xc6948a0032c459f2, {.balance = 0});
#undef AKT_T

#define AKT_T ledger_AccountState
AKT_FIELDS {
{AKT_F(balance, 1, INT64)},
{AKT_F(replayed, 2, INT64)},
{AKT_F(recovered, 3, BOOL)},
};
AKT_DESC(ledger_account_state, "ledger.AccountState", 0xd88ffbbefc0d247a, STATE, NULL, {.balance = 0});
#undef AKT_T

#define AKT_T ledger_TallyState
AKT_DESC0(ledger_tally_state, "ledger.TallyState", 0x92bad6f43c054df9, STATE, NULL, {.empty_ = 0});
#undef AKT_T

const akt_type *const ledger_ledger_types[] = {
    &ledger_deposit_desc,
    &ledger_withdraw_desc,
    &ledger_bulk_desc,
    &ledger_get_desc,
    &ledger_balance_desc,
    &ledger_deposited_desc,
    &ledger_withdrawn_desc,
    &ledger_snap_desc,
    &ledger_account_state_desc,
    &ledger_tally_state_desc,
    NULL,
};

akt_err
ledger_ledger_register_types(akt_registry *reg)
{
    for (size_t i = 0; ledger_ledger_types[i] != NULL; i++) {
        akt_err err = akt_registry_add(reg, ledger_ledger_types[i]);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

akt_err
ledger_ledger_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg)
{
    for (size_t i = 0; ledger_ledger_types[i] != NULL; i++) {
        akt_err err = reg(ledger_ledger_types[i], arg);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}
