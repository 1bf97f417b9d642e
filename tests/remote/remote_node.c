/*
 * remote_node.c -- an akt system with remoting, as a separate process, for
 * the location-transparency tests (remote_test.c). Started with fork+exec;
 * prints "READY <address> <uid>" (uid is 0: not needed) and serves until
 * stdin reaches EOF or it is killed.
 *
 *   remote_node NAME LISTEN_URL COOKIE HB_MS [RELAY_TARGET_PATH]
 *
 * Actors:
 *   /user/echo   Ping{n} -> replies Pong{n}; Ping{n < 0} stops the echo
 *   /user/relay  Ping -> forwarded (sender kept) to RELAY_TARGET_PATH
 *   /user/sink   counts Pings; Ping{n = -7} is answered with Pong{count},
 *                Ping{n = -8} with akt_reply_error_text(AKT_EBUSY,
 *                "sink is busy")
 *   /user/caller RefMsg{who, n}: n >= 0 tells who Pong{n}; n < 0 asks who
 *                Ping{-n} and answers the sender Pong{reply + 1000}
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akt/akt.h"
#include "akt/remote.h"
#include "remote/rt_msgs.h"

static akt_ref g_relay_target;
static _Atomic int64_t g_sink_count;

static akt_err
echo_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    const rt_Ping *p = msg;
    if (p->n < 0) {
        return akt_ctx_stop(ctx, akt_ctx_self(ctx));
    }
    rt_Pong *r = rt_pong_new(p->n);
    if (akt_reply(ctx, r) != AKT_OK) {
        akt_msg_free(r);
    }
    return AKT_OK;
}

static akt_err
relay_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)msg;
    return akt_forward(ctx, g_relay_target) == AKT_OK ? AKT_OK : AKT_OK;
}

static akt_err
sink_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    const rt_Ping *p = msg;
    if (p->n == -8) {
        /* an error reply with a reason */
        return akt_reply_error_text(ctx, AKT_EBUSY, "sink is %s", "busy");
    }
    if (p->n == -7) {
        rt_Pong *r = rt_pong_new(atomic_load(&g_sink_count));
        if (akt_reply(ctx, r) != AKT_OK) {
            akt_msg_free(r);
        }
        return AKT_OK;
    }
    atomic_fetch_add(&g_sink_count, 1);
    return AKT_OK;
}

typedef struct call_ctx {
    akt_ref reply_to;
} call_ctx;

static void
caller_done(akt_err status, const void *reply, void *arg)
{
    call_ctx *c = arg;
    int64_t v = status == AKT_OK && akt_msg_type(reply) == &rt_pong_desc
        ? ((const rt_Pong *)reply)->n + 1000
        : -(int64_t)status;
    rt_Pong *r = rt_pong_new(v);
    if (akt_tell(c->reply_to, r, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(r);
    }
}

static akt_err
caller_ref(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    const rt_RefMsg *m = msg;
    if (akt_ref_is_none(m->who)) {
        rt_Pong *r = rt_pong_new(-1); /* the ref did not cross */
        if (akt_reply(ctx, r) != AKT_OK) {
            akt_msg_free(r);
        }
        return AKT_OK;
    }
    if (m->n >= 0) {
        rt_Pong *r = rt_pong_new(m->n);
        if (akt_tell(m->who, r, akt_ctx_self(ctx)) != AKT_OK) {
            akt_msg_free(r);
        }
        return AKT_OK;
    }
    akt_future *f;
    if (akt_ask(m->who, rt_ping_new(-m->n), 3000000000LL, &f) != AKT_OK) {
        return AKT_OK;
    }
    call_ctx *c = malloc(sizeof(*c));
    c->reply_to = akt_ctx_sender(ctx);
    if (akt_future_on_complete(f, caller_done, c, free) != AKT_OK) {
        free(c);
    }
    akt_future_release(f);
    return AKT_OK;
}

static const akt_handler caller_h[] = { { &rt_refmsg_desc, caller_ref } };
static const akt_behavior caller_b = { "caller", caller_h, 1, NULL };

static const akt_handler echo_h[] = { { &rt_ping_desc, echo_ping } };
static const akt_behavior echo_b = { "echo", echo_h, 1, NULL };
static const akt_handler relay_h[] = { { &rt_ping_desc, relay_ping } };
static const akt_behavior relay_b = { "relay", relay_h, 1, NULL };
static const akt_handler sink_h[] = { { &rt_ping_desc, sink_ping } };
static const akt_behavior sink_b = { "sink", sink_h, 1, NULL };

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 5) {
        fprintf(stderr,
            "usage: remote_node NAME URL COOKIE HB_MS [RELAY_TARGET]\n");
        return 2;
    }
    akt_system *sys;
    if (akt_system_create(argv[1], NULL, &sys) != AKT_OK) {
        return 1;
    }
    akt_registry *reg;
    akt_registry_new(&reg);
    rt_register_types(reg);
    char conf[512];
    int hb = atoi(argv[4]);
    snprintf(conf, sizeof(conf),
        "akt.remote.failure-detector { heartbeat-interval = %dms, "
        "acceptable-heartbeat-pause = %dms, min-std-deviation = %dms, "
        "threshold = 8 }\n"
        "akt.remote.outbound-queue-size = 65536\nakt.remote.overflow = block\n",
        hb, hb * 10, hb / 2 > 0 ? hb / 2 : 1);
    akt_config *cfg;
    if (akt_config_parse_string(conf, strlen(conf), "remote_node", &cfg, NULL)
        != AKT_OK) {
        return 1;
    }
    akt_remote_options o = {
        .listen_url = argv[2], .cookie = argv[3], .registry = reg, .config = cfg
    };
    akt_err rc = akt_remote_start(sys, &o);
    if (rc != AKT_OK) {
        fprintf(
            stderr, "remote_node: akt_remote_start: %s\n", akt_strerror(rc));
        return 1;
    }
    akt_ref ref;
    akt_props pe = { .behavior = &echo_b };
    akt_props pr = { .behavior = &relay_b };
    akt_props ps = { .behavior = &sink_b };
    akt_spawn(sys, &pe, "echo", &ref);
    akt_spawn(sys, &pr, "relay", &ref);
    akt_spawn(sys, &ps, "sink", &ref);
    akt_props pc = { .behavior = &caller_b };
    akt_spawn(sys, &pc, "caller", &ref);
    if (argc > 5 && akt_remote_ref(sys, argv[5], &g_relay_target) != AKT_OK) {
        fprintf(stderr, "remote_node: bad relay target %s\n", argv[5]);
        return 1;
    }
    char addr[512];
    akt_remote_address(sys, addr, sizeof(addr));
    printf("READY %s 0\n", addr);
    fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof(buf)) > 0) { }
    akt_remote_stop(sys);
    akt_system_free(sys);
    akt_registry_free(reg);
    akt_config_release(cfg);
    return 0;
}
