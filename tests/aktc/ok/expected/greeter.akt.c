/*
 * greeter.akt.c -- generated from greeter.akt by aktc 0.1.0 -- do not edit.
 *
 * Default values, field tables, descriptors and actor glue for package
 * demo. libakt encodes (msgpack maps keyed by field number), decodes,
 * copies and compares every type here from its descriptor's field table
 * (akt/reflect.h). Each type's rows and descriptor are written with the
 * macros of akt/akt_gen.h over AKT_T, its struct: a row names the member
 * (its IDL name), the field number and the kind, and what a list, map,
 * enum or message needs; AKT_MSG (AKT_DESC) gives the default value and
 * the descriptor. Doc comments are in the header.
 */
#include "greeter.akt.h"

#include <stdlib.h>
#include <string.h>

/* ==== actors ============================================================ */

/* --- demo.Greeter --- */

static akt_err
demo_greeter_init_state(void *state, const void *init_arg)
{
    (void)init_arg;
    *(demo_GreeterState *)state = demo_greeter_state_default;
    return AKT_OK;
}

AKT_ON(demo_greeter, demo_GreeterHandlers, hello, "demo.Greeter")

/* Lifecycle: each hook calls the handler table's, or does what the runtime
 * does without one (a NULL pre_restart stops the children, a NULL
 * post_restart runs pre_start). init runs before either, on every start. */
static akt_err
demo_greeter_init(void *state, akt_ctx *ctx, const void *init_arg)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->init ? h->init(state, ctx, init_arg) : AKT_OK;
}

static akt_err
demo_greeter_pre_start(void *state, akt_ctx *ctx)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->pre_start ? h->pre_start(state, ctx) : AKT_OK;
}

static void
demo_greeter_post_stop(void *state, akt_ctx *ctx)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->post_stop) {
        h->post_stop(state, ctx);
    }
}

static void
demo_greeter_pre_restart(void *state, akt_ctx *ctx, akt_err reason,
    const void *failed_msg)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    if (h->pre_restart) {
        h->pre_restart(state, ctx, reason, failed_msg);
    } else {
        (void)akt_ctx_default_pre_restart(ctx);
    }
}

static akt_err
demo_greeter_post_restart(void *state, akt_ctx *ctx, akt_err reason)
{
    const demo_GreeterHandlers *h = akt_ctx_behavior_arg(ctx);
    return h->post_restart ? h->post_restart(state, ctx, reason)
                           : akt_ctx_default_post_restart(ctx);
}

static const akt_handler demo_greeter_handlers[] = {
    {&demo_hello_desc, demo_greeter_on_hello},
};

static const akt_behavior demo_greeter_behavior = {
    .name = "demo.Greeter",
    .handlers = demo_greeter_handlers,
    .nhandlers = 1,
    .unhandled = NULL,
};

static const akt_lifecycle demo_greeter_lifecycle = {
    .pre_start = demo_greeter_pre_start,
    .post_stop = demo_greeter_post_stop,
    .pre_restart = demo_greeter_pre_restart,
    .post_restart = demo_greeter_post_restart,
    .init = demo_greeter_init,
};

akt_err
demo_greeter_props(const demo_GreeterHandlers *h, akt_props *out)
{
    if (h == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof *out);
    out->behavior = &demo_greeter_behavior;
    out->behavior_arg = h;
    out->lifecycle = &demo_greeter_lifecycle;
    out->state_size = sizeof(demo_GreeterState);
    out->state_init = demo_greeter_init_state;
    return AKT_OK;
}

/* ==== descriptors ======================================================= */

#define AKT_T demo_Hello
AKT_FIELDS {
{AKT_F(name, 1, STRING)},
};
AKT_MSG(demo_hello, "demo.Hello", 0xe965e8b49ebb0c50, {.name = {NULL, 0}});
#undef AKT_T

#define AKT_T demo_Greeting
AKT_FIELDS {
{AKT_F(text, 1, STRING)},
};
AKT_MSG(demo_greeting, "demo.Greeting", 0x9446ac8c2ac0c047, {.text = {NULL, 0}});
#undef AKT_T

#define AKT_T demo_GreeterState
AKT_FIELDS {
{AKT_F(greeted, 1, UINT64)},
};
AKT_DESC(demo_greeter_state, "demo.GreeterState", 0xd61816dd05a37057, STATE, NULL, {.greeted = 0});
#undef AKT_T

const akt_type *const demo_greeter_types[] = {
    &demo_hello_desc,
    &demo_greeting_desc,
    &demo_greeter_state_desc,
    NULL,
};

akt_err
demo_greeter_register_types(akt_registry *reg)
{
    for (size_t i = 0; demo_greeter_types[i] != NULL; i++) {
        akt_err err = akt_registry_add(reg, demo_greeter_types[i]);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}

akt_err
demo_greeter_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg)
{
    for (size_t i = 0; demo_greeter_types[i] != NULL; i++) {
        akt_err err = reg(demo_greeter_types[i], arg);
        if (err != AKT_OK) {
            return err;
        }
    }
    return AKT_OK;
}
