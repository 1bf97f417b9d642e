/*
 * remote_test.c -- location transparency (akt/remote.h): typed messages,
 * asks and death watch across processes (tests/remote/remote_node) and
 * between two systems in one process (inproc://).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* setns */
#endif
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>

#include "akt/akt.h"
#include "akt/akt_gen.h" /* akt_mp_put_*: a hand-made Status */
#include "akt/remote.h"
#include "remote/frame.h" /* raw frames */
#include "remote/peer_proc.h"
#include "remote/rt_msgs.h"

#ifndef REMOTE_NODE_BIN
#error "REMOTE_NODE_BIN must be defined by the build"
#endif

/* --- local actors
 * ---------------------------------------------------------------- */

static _Atomic int64_t g_pongs, g_order_errors, g_next, g_terminated;

static akt_err
collector_pong(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)ctx;
    const rt_Pong *p = msg;
    if (p->n != atomic_load(&g_next)) {
        atomic_fetch_add(&g_order_errors, 1);
    }
    atomic_store(&g_next, p->n + 1);
    atomic_fetch_add(&g_pongs, 1);
    return AKT_OK;
}

static const akt_handler collector_h[] = { { &rt_pong_desc, collector_pong } };
static const akt_behavior collector_b = { "collector", collector_h, 1, NULL };

static akt_err
watcher_terminated(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)ctx;
    (void)msg;
    atomic_fetch_add(&g_terminated, 1);
    return AKT_OK;
}

static akt_err
watcher_start(void *state, akt_ctx *ctx)
{
    return akt_ctx_watch(ctx, *(akt_ref *)state);
}

static akt_err
watcher_init(void *state, const void *arg)
{
    *(akt_ref *)state = *(const akt_ref *)arg;
    return AKT_OK;
}

static const akt_handler watcher_h[]
    = { { &akt_terminated_type, watcher_terminated } };
static const akt_behavior watcher_b = { "watcher", watcher_h, 1, NULL };
static const akt_lifecycle watcher_l = { .pre_start = watcher_start };

static akt_ref g_targets[16];
static int g_ntargets;

static akt_ref
spawn_watcher(akt_system *sys, akt_ref target)
{
    /* init_arg is read when the actor starts, maybe after we return */
    ck_assert_int_lt(g_ntargets, 16);
    g_targets[g_ntargets] = target;
    akt_props p = { .behavior = &watcher_b,
        .lifecycle = &watcher_l,
        .state_size = sizeof(akt_ref),
        .state_init = watcher_init,
        .init_arg = &g_targets[g_ntargets++] };
    akt_ref w;
    ck_assert_int_eq(akt_spawn(sys, &p, NULL, &w), AKT_OK);
    return w;
}

/* a watcher that unwatches its target when it gets an rt.Ping */
static akt_err
unwatcher_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)msg;
    ck_assert_int_eq(akt_ctx_unwatch(ctx, *(akt_ref *)state), AKT_OK);
    return AKT_OK;
}

static const akt_handler unwatcher_h[]
    = { { &akt_terminated_type, watcher_terminated },
          { &rt_ping_desc, unwatcher_ping } };
static const akt_behavior unwatcher_b = { "unwatcher", unwatcher_h, 2, NULL };

/* --- fixtures
 * ----------------------------------------------------------------------- */

typedef struct local_node {
    akt_system *sys;
    akt_registry *reg;
    akt_config *cfg;
} local_node;

static const char *g_proxy_disp; /* akt_remote_options.proxy_dispatcher */
/* settings the next local_start adds to its configuration */
static const char *g_extra_conf = "";

static void
local_start(local_node *n, const char *name, const char *url,
    const char *cookie, bool with_pong)
{
    ck_assert_int_eq(akt_system_create(name, NULL, &n->sys), AKT_OK);
    ck_assert_int_eq(akt_registry_new(&n->reg), AKT_OK);
    if (with_pong) {
        ck_assert_int_eq(rt_register_types(n->reg), AKT_OK);
    } else {
        ck_assert_int_eq(akt_registry_add(n->reg, &rt_ping_desc), AKT_OK);
    }
    /* generous enough for a loaded 2-core CI machine, fast enough for
     * a SIGKILL to be detected in ~1.5 s */
    const char *conf
        = "akt.remote.failure-detector { heartbeat-interval = 100ms, "
          "acceptable-heartbeat-pause = 1s, min-std-deviation = 50ms, "
          "threshold = 8 }\nakt.remote.handshake-timeout = 3s\n"
          "akt.remote.outbound-queue-size = 65536\nakt.remote.overflow = "
          "block\n";
    char all[1024];
    snprintf(all, sizeof(all), "%s%s", conf, g_extra_conf);
    ck_assert_int_eq(
        akt_config_parse_string(all, strlen(all), "test", &n->cfg, NULL),
        AKT_OK);
    akt_remote_options o = { .listen_url = url,
        .cookie = cookie,
        .registry = n->reg,
        .config = n->cfg,
        .proxy_dispatcher = g_proxy_disp };
    ck_assert_int_eq(akt_remote_start(n->sys, &o), AKT_OK);
}

static void
local_stop(local_node *n)
{
    ck_assert_int_eq(akt_remote_stop(n->sys), AKT_OK);
    akt_system_free(n->sys);
    akt_registry_free(n->reg);
    akt_config_release(n->cfg);
}

static void
spawn_node(peer_proc *p, const char *name, const char *url, const char *relay)
{
    char *argv[] = { (char *)REMOTE_NODE_BIN, (char *)name, (char *)url,
        "cookie", "100", (char *)relay, NULL };
    ck_assert_msg(
        pp_start(p, argv, 10000) == 0, "node did not start: '%s'", p->line);
}

static akt_ref
remote(akt_system *sys, const char *addr, const char *local)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s%s", addr, local);
    akt_ref r;
    ck_assert_int_eq(akt_remote_ref(sys, path, &r), AKT_OK);
    return r;
}

/* ping_within -- an rt.Ping n to `to`, its answer (an rt.Pong's n), or -1
 * with the error in *err when the ask fails or times out after ask_ns */
static int64_t
ping_within(akt_ref to, int64_t n, int64_t ask_ns, akt_err *err)
{
    akt_future *f;
    akt_err rc = akt_ask(to, rt_ping_new(n), ask_ns, &f);
    if (rc != AKT_OK) {
        *err = rc;
        return -1;
    }
    void *reply = NULL;
    rc = akt_future_wait(f, ask_ns + AKT_SEC(1), &reply);
    akt_future_release(f);
    *err = rc;
    if (rc != AKT_OK || reply == NULL) {
        return -1;
    }
    int64_t v
        = akt_msg_type(reply) == &rt_pong_desc ? ((rt_Pong *)reply)->n : -2;
    akt_msg_free(reply);
    return v;
}

/* ask_ping -- an ask the test expects to be answered (or to fail with an
 * error of its own): its 30 s timeout is a hang guard, not a speed */
static int64_t
ask_ping(akt_ref to, int64_t n, akt_err *err)
{
    return ping_within(to, n, AKT_SEC(30), err);
}

/* try_ping -- one try of a retried ask (in PP_WAIT_UNTIL, while a node
 * restarts or a gate closes): 3 s, so that a try lost on its way is
 * followed by another */
static int64_t
try_ping(akt_ref to, int64_t n, akt_err *err)
{
    return ping_within(to, n, AKT_SEC(3), err);
}

static akt_remote_stats
stats_of(akt_system *sys)
{
    akt_remote_stats st;
    ck_assert_int_eq(akt_remote_stats_get(sys, &st), AKT_OK);
    return st;
}

/* system_barrier -- returns once the peer at addr has handled every system
 * message (Watch, Unwatch, Terminated) that sys queued for it before the
 * call, and sys has handled every system message the peer sent while doing
 * so. System messages take one reliable stream each way, delivered in
 * order and handled one at a time: a Watch of a path with no actor behind
 * it queues after the earlier ones, the peer answers it at once with a
 * Terminated that queues after whatever it sent for them, and that
 * Terminated stops our proxy of the path (unlinked first, as every proxy a
 * Terminated stops), which completes the watch. The way to show that
 * something did not come back, instead of waiting a while. */
static void
system_barrier(akt_system *sys, const char *addr)
{
    static int n;
    char local[64];
    snprintf(local, sizeof(local), "/user/no-such-actor-%d", ++n);
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(remote(sys, addr, local), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(15), NULL), AKT_OK);
    akt_future_release(f);
}

/* --- tests
 * ------------------------------------------------------------------------------
 */

START_TEST(typed_messages_and_replies_cross_two_processes_in_order)
{
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref echo = remote(a.sys, b.address, "/user/echo");
    akt_props cp = { .behavior = &collector_b };
    akt_ref collector;
    ck_assert_int_eq(akt_spawn(a.sys, &cp, "collector", &collector), AKT_OK);
    const int N = 5000;
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(akt_tell(echo, rt_ping_new(i), collector), AKT_OK);
    }
    PP_WAIT_UNTIL(atomic_load(&g_pongs) >= N, 15000);
    ck_assert_int_eq(atomic_load(&g_pongs), N);
    ck_assert_int_eq(atomic_load(&g_order_errors), 0);
    /* the same path gives the same ref */
    ck_assert(akt_ref_equal(echo, remote(a.sys, b.address, "/user/echo")));
    akt_remote_stats st;
    ck_assert_int_eq(akt_remote_stats_get(a.sys, &st), AKT_OK);
    ck_assert_uint_ge(st.envelopes_received, (uint64_t)N);
    /* (how many frames carried them depends on how fast this thread sends:
     * a queued burst packed into one frame is remote_transport_test
     * a_burst_queued_behind_a_held_window_goes_in_one_frame) */
    local_stop(&a);
    pp_stop(&b, 3000);
}
END_TEST

/* a collector that checks its own pongs come in increasing order, and
 * that each is the answer to a Ping it sent (g_run_owner[n]: its index) */
static _Atomic int64_t g_run_pongs, g_run_errors, g_run_strays;
#define RUN_N 5000
static _Atomic int g_run_owner[RUN_N]; /* atomic: written before the
                                        * Ping, read after the reply came
                                        * over a socket TSan cannot see */
static const int g_run_index[3] = { 0, 1, 2 };

typedef struct run_state {
    int64_t last;
    int k;
} run_state;

static akt_err
run_collector_pong(void *state, akt_ctx *ctx, const void *msg)
{
    (void)ctx;
    run_state *st = state;
    const rt_Pong *p = msg;
    if (p->n <= st->last) {
        atomic_fetch_add(&g_run_errors, 1);
    }
    if (p->n < 0 || p->n >= RUN_N || atomic_load(&g_run_owner[p->n]) != st->k) {
        atomic_fetch_add(&g_run_strays, 1);
    }
    st->last = p->n;
    atomic_fetch_add(&g_run_pongs, 1);
    return AKT_OK;
}

static akt_err
run_collector_init(void *state, const void *arg)
{
    run_state *st = state;
    st->last = -1;
    st->k = *(const int *)arg;
    return AKT_OK;
}

static const akt_handler run_collector_h[]
    = { { &rt_pong_desc, run_collector_pong } };
static const akt_behavior run_collector_b
    = { "run-collector", run_collector_h, 1, NULL };

/* The receiver hands a frame's consecutive messages for one actor on as
 * one run (one mailbox push): replies for three local actors come back
 * where runs of 1 to 5 messages for one alternate with runs for the
 * others; every reply arrives, each actor's in the order sent, however
 * the replies were grouped into frames (that depends on how fast the
 * peer's echo answers: under a sanitizer its writer may send each alone;
 * that a burst queued behind a write is packed into one frame, on sockets
 * and lanes, is remote_transport_test
 * a_burst_queued_behind_a_held_window_goes_in_one_frame). The three send
 * through one proxy, which keeps the last sender's path (remote.c
 * proxy_recv): each gets exactly the replies to its own Pings. */
START_TEST(interleaved_runs_reach_each_actor_in_order)
{
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref echo = remote(a.sys, b.address, "/user/echo");
    akt_ref c[3];
    for (int k = 0; k < 3; k++) {
        akt_props cp = { .behavior = &run_collector_b,
            .state_size = sizeof(run_state),
            .state_init = run_collector_init,
            .init_arg = &g_run_index[k] };
        ck_assert_int_eq(akt_spawn(a.sys, &cp, NULL, &c[k]), AKT_OK);
    }
    atomic_store(&g_run_pongs, 0);
    atomic_store(&g_run_errors, 0);
    atomic_store(&g_run_strays, 0);
    const int N = RUN_N;
    int k = 0, left = 1;
    for (int i = 0; i < N; i++) {
        if (--left == 0) {
            k = (k + 1) % 3;
            left = 1 + i % 5;
        }
        atomic_store(&g_run_owner[i], k);
        ck_assert_int_eq(akt_tell(echo, rt_ping_new(i), c[k]), AKT_OK);
    }
    PP_WAIT_UNTIL(atomic_load(&g_run_pongs) >= N, 15000);
    ck_assert_int_eq(atomic_load(&g_run_pongs), N);
    ck_assert_int_eq(atomic_load(&g_run_errors), 0);
    ck_assert_int_eq(atomic_load(&g_run_strays), 0);
    akt_remote_stats st = stats_of(a.sys);
    ck_assert_uint_ge(st.envelopes_received, (uint64_t)N);
    local_stop(&a);
    pp_stop(&b, 3000);
}
END_TEST

START_TEST(ask_works_across_nodes)
{
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref echo = remote(a.sys, b.address, "/user/echo");
    for (int i = 1; i <= 200; i++) {
        akt_err rc;
        ck_assert_int_eq(ask_ping(echo, i, &rc), i);
    }
    /* an ask to a path with no actor there is answered by the node with
     * ENOENT (or ESTOPPED when the peer's answer to the proxy's watch
     * stopped the proxy before the ask reached it); the node survives */
    akt_ref nobody = remote(a.sys, b.address, "/user/nobody");
    akt_future *f;
    ck_assert_int_eq(akt_ask(nobody, rt_ping_new(1), AKT_SEC(30), &f), AKT_OK);
    akt_err w = akt_future_wait(f, AKT_SEC(31), NULL);
    ck_assert_msg(
        w == AKT_ENOENT || w == AKT_ESTOPPED, "ask: %s", akt_err_name(w));
    akt_future_release(f);
    akt_err rc;
    ck_assert_int_eq(ask_ping(echo, 7, &rc), 7);
    local_stop(&a);
    pp_stop(&b, 3000);
}
END_TEST

static akt_err
local_echo_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    rt_Pong *r = rt_pong_new(((const rt_Ping *)msg)->n);
    if (akt_reply(ctx, r) != AKT_OK) {
        akt_msg_free(r);
    }
    return AKT_OK;
}

static char g_echo_sender[256];

static akt_err
path_echo_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    akt_ref_path(akt_ctx_sender(ctx), g_echo_sender, sizeof(g_echo_sender));
    if (((const rt_Ping *)msg)->n == -8) {
        return akt_reply_error(ctx, AKT_EBUSY);
    }
    rt_Pong *r = rt_pong_new(((const rt_Ping *)msg)->n);
    if (akt_reply(ctx, r) != AKT_OK) {
        akt_msg_free(r);
    }
    return AKT_OK;
}

static const akt_handler path_echo_h[] = { { &rt_ping_desc, path_echo_ping } };
static const akt_behavior path_echo_b = { "path-echo", path_echo_h, 1, NULL };

START_TEST(asks_from_peers_are_answered_through_a_future_not_a_proxy_actor)
{
    local_node a, b;
    local_start(&a, "sysa", "inproc://akt-rt-ab-a", "k", true);
    local_start(&b, "sysb", "inproc://akt-rt-ab-b", "k", true);
    akt_props pe = { .behavior = &path_echo_b };
    akt_ref echo;
    ck_assert_int_eq(akt_spawn(b.sys, &pe, "echo", &echo), AKT_OK);
    akt_ref r
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-ab-b]", "/user/echo");
    for (int i = 1; i <= 200; i++) {
        akt_err rc;
        ck_assert_int_eq(ask_ping(r, i, &rc), i);
    }
    /* the echo's sender was a future of b's (akt://sysb/temp/...) */
    ck_assert_msg(
        strstr(g_echo_sender, "/temp/") != NULL, "sender %s", g_echo_sender);
    akt_remote_stats st;
    ck_assert_int_eq(akt_remote_stats_get(b.sys, &st), AKT_OK);
    ck_assert_uint_eq(st.proxies, 0); /* no reply-path proxy was made */
    /* an error reply takes the same way */
    akt_future *f;
    ck_assert_int_eq(akt_ask(r, rt_ping_new(-8), AKT_SEC(20), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(25), NULL), AKT_EBUSY);
    akt_future_release(f);
    local_stop(&a);
    local_stop(&b);
}
END_TEST

static const akt_handler local_echo_h[]
    = { { &rt_ping_desc, local_echo_ping } };
static const akt_behavior local_echo_b
    = { "local-echo", local_echo_h, 1, NULL };

START_TEST(refs_inside_messages_cross_nodes_and_are_used_back)
{
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref caller = remote(a.sys, b.address, "/user/caller");
    akt_props cp = { .behavior = &collector_b };
    akt_props ep = { .behavior = &local_echo_b };
    akt_ref collector, echo;
    ck_assert_int_eq(akt_spawn(a.sys, &cp, "collector", &collector), AKT_OK);
    ck_assert_int_eq(akt_spawn(a.sys, &ep, "echo", &echo), AKT_OK);
    /* the codec writes the remote-visible path of a local ref */
    akt_buf buf;
    akt_buf_init(&buf);
    rt_RefMsg *probe = rt_refmsg_new(collector, 1);
    ck_assert_int_eq(akt_msg_encode(probe, &buf), AKT_OK);
    char addr[512];
    ck_assert_int_eq(akt_remote_address(a.sys, addr, sizeof(addr)), AKT_OK);
    ck_assert(memmem(buf.data, buf.len, addr, strlen(addr)) != NULL);
    akt_msg_free(probe);
    akt_buf_free(&buf);
    /* tell through the ref: b's caller tells our collector Pong{42} */
    atomic_store(&g_next, 42);
    atomic_store(&g_pongs, 0);
    ck_assert_int_eq(
        akt_tell(caller, rt_refmsg_new(collector, 42), AKT_REF_NONE), AKT_OK);
    PP_WAIT_UNTIL(atomic_load(&g_pongs) >= 1, 10000);
    ck_assert_int_eq(atomic_load(&g_pongs), 1);
    ck_assert_int_eq(atomic_load(&g_order_errors), 0);
    /* ask through the ref: b's caller asks our echo, answers our ask */
    for (int i = 1; i <= 20; i++) {
        akt_future *f;
        ck_assert_int_eq(
            akt_ask(caller, rt_refmsg_new(echo, -i), 5000000000LL, &f), AKT_OK);
        void *reply = NULL;
        ck_assert_int_eq(akt_future_wait(f, 6000000000LL, &reply), AKT_OK);
        ck_assert_ptr_eq(akt_msg_type(reply), &rt_pong_desc);
        ck_assert_int_eq(((rt_Pong *)reply)->n, 1000 + i);
        akt_msg_free(reply);
        akt_future_release(f);
    }
    /* a ref to b's own actor comes back to b as its local actor */
    akt_ref bcaller = remote(a.sys, b.address, "/user/echo");
    akt_future *f;
    ck_assert_int_eq(
        akt_ask(caller, rt_refmsg_new(bcaller, -3), 5000000000LL, &f), AKT_OK);
    void *reply = NULL;
    ck_assert_int_eq(akt_future_wait(f, 6000000000LL, &reply), AKT_OK);
    ck_assert_int_eq(((rt_Pong *)reply)->n, 1003);
    akt_msg_free(reply);
    akt_future_release(f);
    local_stop(&a);
    pp_stop(&b, 3000);
}
END_TEST

/* proves: akt.Status (code and reason text) has a codec that reads the
 * older text-less form and bounds the text, and a remote ask answered with
 * akt_reply_error_text fails at once with the code and the text */
START_TEST(error_replies_cross_nodes)
{
    akt_Status *st = akt_msg_new(&akt_status_type, 16);
    st->code = AKT_EBUSY;
    ck_assert_int_eq(
        akt_arena_str(akt_msg_arena(st), "sink is busy", 12, &st->text),
        AKT_OK);
    akt_buf buf;
    akt_buf_init(&buf);
    ck_assert_int_eq(akt_msg_encode(st, &buf), AKT_OK);
    void *back = NULL;
    ck_assert_int_eq(
        akt_msg_decode(&akt_status_type, buf.data, buf.len, NULL, &back),
        AKT_OK);
    ck_assert(akt_msg_equal(back, st));
    ck_assert_str_eq(((akt_Status *)back)->text.ptr, "sink is busy");
    akt_msg_free(back);
    akt_msg_free(st);
    /* the older form {1: code} reads with an empty text */
    static const uint8_t old_form[] = { 0x81, 0x01, (uint8_t)AKT_EBUSY };
    ck_assert_int_eq(akt_msg_decode(&akt_status_type, old_form, sizeof old_form,
                         NULL, &back),
        AKT_OK);
    ck_assert_int_eq(((akt_Status *)back)->code, AKT_EBUSY);
    ck_assert_uint_eq(((akt_Status *)back)->text.len, 0);
    akt_msg_free(back);
    /* a peer's text over the bound is cut before a whole character:
     * 200 two-byte characters become 127 of them (254 bytes) */
    buf.len = 0;
    ck_assert_int_eq(akt_mp_put_map(&buf, 2), AKT_OK);
    ck_assert_int_eq(akt_mp_put_uint(&buf, 1), AKT_OK);
    ck_assert_int_eq(akt_mp_put_int(&buf, AKT_EBUSY), AKT_OK);
    ck_assert_int_eq(akt_mp_put_uint(&buf, 2), AKT_OK);
    char longtext[400];
    for (int i = 0; i < 200; i++) {
        memcpy(longtext + 2 * i, "\xc3\xa9", 2); /* U+00E9 */
    }
    ck_assert_int_eq(akt_mp_put_str(&buf, longtext, 400), AKT_OK);
    ck_assert_int_eq(
        akt_msg_decode(&akt_status_type, buf.data, buf.len, NULL, &back),
        AKT_OK);
    ck_assert_uint_eq(((akt_Status *)back)->text.len, 254);
    ck_assert_uint_eq(strlen(((akt_Status *)back)->text.ptr), 254);
    akt_msg_free(back);
    akt_buf_free(&buf);
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref sink = remote(a.sys, b.address, "/user/sink");
    for (int i = 0; i < 5; i++) {
        akt_future *f;
        /* the timeout is long: the error must come back, not the timeout */
        ck_assert_int_eq(
            akt_ask(sink, rt_ping_new(-8), AKT_SEC(20), &f), AKT_OK);
        long long t0 = pp_now_ms();
        akt_err rc = akt_future_wait(f, AKT_SEC(25), NULL);
        ck_assert_msg(rc == AKT_EBUSY, "ask: %s", akt_err_name(rc));
        ck_assert_int_lt(pp_now_ms() - t0, 10000);
        ck_assert_str_eq(akt_future_error_text(f), "sink is busy");
        akt_future_release(f);
    }
    akt_err rc;
    ck_assert_int_eq(ask_ping(sink, -7, &rc), 0); /* still serving */
    local_stop(&a);
    pp_stop(&b, 3000);
}
END_TEST

START_TEST(three_nodes_route_an_ask_through_a_relay)
{
    peer_proc b, c;
    spawn_node(&c, "nodec", "tcp://127.0.0.1:0", NULL);
    char target[600];
    snprintf(target, sizeof(target), "%s/user/echo", c.address);
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", target);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref relay = remote(a.sys, b.address, "/user/relay");
    /* a -> b's relay -> c's echo; c replies straight to a's future */
    for (int i = 1; i <= 50; i++) {
        akt_err rc;
        ck_assert_int_eq(ask_ping(relay, i, &rc), i);
    }
    local_stop(&a);
    pp_stop(&b, 3000);
    pp_stop(&c, 3000);
}
END_TEST

START_TEST(watchers_get_terminated_when_the_remote_actor_stops)
{
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref echo = remote(a.sys, b.address, "/user/echo");
    akt_err rc;
    ck_assert_int_eq(ask_ping(echo, 1, &rc), 1);
    spawn_watcher(a.sys, echo);
    /* the watch is in place at b and b sent nothing back for it: the proxy
     * is sending its Watch once remote_watching counts it, and handles our
     * ask only after it queued that Watch; system_barrier then brings back
     * whatever b answered it with, and the second ask shows that echo was
     * alive when it took the watch (b put it in echo's mailbox before it
     * handled the barrier). The proxy still being ours shows that no
     * Terminated stopped it, so none can reach the watcher */
    PP_WAIT_UNTIL(stats_of(a.sys).remote_watching == 1, 5000);
    ck_assert_uint_eq(stats_of(a.sys).remote_watching, 1);
    ck_assert_int_eq(ask_ping(echo, 2, &rc), 2);
    system_barrier(a.sys, b.address);
    ck_assert_int_eq(ask_ping(echo, 3, &rc), 3);
    ck_assert(akt_ref_equal(echo, remote(a.sys, b.address, "/user/echo")));
    ck_assert_int_eq(atomic_load(&g_terminated), 0);
    ck_assert_int_eq(
        akt_tell(echo, rt_ping_new(-1), AKT_REF_NONE), AKT_OK); /* echo stops */
    PP_WAIT_UNTIL(atomic_load(&g_terminated) >= 1, 5000);
    ck_assert_int_eq(atomic_load(&g_terminated), 1);
    /* the node itself is still up: a watched proxy of a path with no actor
     * behind it stops at once (the peer answers its watch with Terminated) */
    akt_ref sink = remote(a.sys, b.address, "/user/sink");
    akt_remote_stats st;
    ck_assert_int_eq(akt_remote_stats_get(a.sys, &st), AKT_OK);
    uint64_t before = st.proxies;
    akt_future *gone;
    ck_assert_int_eq(
        akt_watch_future(remote(a.sys, b.address, "/user/never-was"), &gone),
        AKT_OK);
    ck_assert_int_eq(akt_future_wait(gone, 5000000000LL, NULL), AKT_OK);
    akt_future_release(gone);
    PP_WAIT_UNTIL(
        (akt_remote_stats_get(a.sys, &st), st.proxies == before), 5000);
    ck_assert_uint_eq(st.proxies, before);
    ck_assert_int_eq(akt_tell(sink, rt_ping_new(1), AKT_REF_NONE), AKT_OK);
    ck_assert_int_eq(ask_ping(sink, -7, &rc), 1);
    /* an ask to a path with no actor is answered by the node at once:
     * AKT_ENOENT with the reason (ETIMEDOUT after 3 s before; 30 s is a
     * hang guard) */
    akt_future *f;
    ck_assert_int_eq(akt_ask(remote(a.sys, b.address, "/user/nobody"),
                         rt_ping_new(1), AKT_SEC(30), &f),
        AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(31), NULL), AKT_ENOENT);
    ck_assert_msg(
        strstr(akt_future_error_text(f), "no actor at /user/nobody") != NULL,
        "%s", akt_future_error_text(f));
    akt_future_release(f);
    local_stop(&a);
    pp_stop(&b, 3000);
}
END_TEST

START_TEST(watchers_get_terminated_when_the_peer_is_killed)
{
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref echo = remote(a.sys, b.address, "/user/echo");
    akt_ref sink = remote(a.sys, b.address, "/user/sink");
    akt_err rc;
    ck_assert_int_eq(ask_ping(echo, 1, &rc), 1);
    spawn_watcher(a.sys, echo);
    spawn_watcher(a.sys, sink);
    /* both watches in place at b, nothing came back for them (the steps of
     * watchers_get_terminated_when_the_remote_actor_stops): whatever the
     * watchers get from here on comes from the kill */
    PP_WAIT_UNTIL(stats_of(a.sys).remote_watching == 2, 5000);
    ck_assert_uint_eq(stats_of(a.sys).remote_watching, 2);
    ck_assert_int_eq(ask_ping(echo, 2, &rc), 2);
    ck_assert_int_eq(ask_ping(sink, -7, &rc), 0);
    system_barrier(a.sys, b.address);
    ck_assert_int_eq(ask_ping(echo, 3, &rc), 3);
    ck_assert_int_eq(ask_ping(sink, -7, &rc), 0);
    ck_assert(akt_ref_equal(echo, remote(a.sys, b.address, "/user/echo")));
    ck_assert(akt_ref_equal(sink, remote(a.sys, b.address, "/user/sink")));
    ck_assert_int_eq(atomic_load(&g_terminated), 0);
    long long t0 = pp_now_ms();
    pp_kill(&b); /* SIGKILL */
    PP_WAIT_UNTIL(atomic_load(&g_terminated) >= 2, 8000);
    ck_assert_int_eq(atomic_load(&g_terminated), 2);
    /* well before the failure detector's worst case: the lost connection
     * or the detector, not a timeout of ours */
    ck_assert_int_lt(pp_now_ms() - t0, 20000);
    akt_remote_stats st;
    akt_remote_stats_get(a.sys, &st);
    ck_assert_uint_ge(st.failures_detected, 1);
    /* the node is known down: an ask through a fresh ref fails at once with
     * AKT_EPEER instead of waiting out its timeout behind a handshake with a
     * node that is gone (ask_ping waits 30 s: ETIMEDOUT before this) */
    akt_ref fresh = remote(a.sys, b.address, "/user/echo");
    ck_assert_int_eq(ask_ping(fresh, 4, &rc), -1);
    ck_assert_int_eq(rc, AKT_EPEER);
    local_stop(&a);
}
END_TEST

START_TEST(a_restarted_peer_is_reached_through_a_fresh_ref)
{
    char dir[64], url[128];
    pp_tmpdir(dir, sizeof(dir));
    snprintf(url, sizeof(url), "ipc://%s/b.sock", dir);
    peer_proc b1, b2;
    spawn_node(&b1, "nodeb", url, NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref echo1 = remote(a.sys, b1.address, "/user/echo");
    akt_err rc;
    ck_assert_int_eq(ask_ping(echo1, 1, &rc), 1);
    spawn_watcher(a.sys, echo1);
    pp_kill(&b1);
    spawn_node(&b2, "nodeb", url, NULL);
    /* the old incarnation's proxy stops (watchers learn), a fresh ref
     * reaches the new one */
    PP_WAIT_UNTIL(atomic_load(&g_terminated) >= 1, 8000);
    ck_assert_int_eq(atomic_load(&g_terminated), 1);
    int64_t v = -1;
    PP_WAIT_UNTIL(
        (v = try_ping(remote(a.sys, b2.address, "/user/echo"), 2, &rc)) == 2,
        5000);
    ck_assert_int_eq(v, 2);
    local_stop(&a);
    pp_stop(&b2, 3000);
    rmdir(dir);
}
END_TEST

/* an actor on the watched node that counts the pings it gets */
static _Atomic int64_t g_pings;

static akt_err
count_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)ctx;
    (void)msg;
    atomic_fetch_add(&g_pings, 1);
    return AKT_OK;
}

static const akt_handler count_h[] = { { &rt_ping_desc, count_ping } };
static const akt_behavior count_b = { "count", count_h, 1, NULL };

START_TEST(a_proxy_without_watchers_sets_no_remote_watch)
{
    local_node a, b;
    local_start(&a, "sysa", "inproc://akt-rt-lw-a", "k", true);
    local_start(&b, "sysb", "inproc://akt-rt-lw-b", "k", true);
    akt_props tp = { .behavior = &count_b };
    akt_ref t;
    ck_assert_int_eq(akt_spawn(b.sys, &tp, "target", &t), AKT_OK);
    akt_ref proxy
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-lw-b]", "/user/target");
    for (int i = 0; i < 10; i++) {
        ck_assert_int_eq(akt_tell(proxy, rt_ping_new(i), AKT_REF_NONE), AKT_OK);
    }
    PP_WAIT_UNTIL(atomic_load(&g_pings) >= 10, 5000);
    ck_assert_int_eq(atomic_load(&g_pings), 10); /* the association is up */
    ck_assert_uint_eq(stats_of(a.sys).proxies, 1);
    ck_assert_uint_eq(stats_of(a.sys).remote_watching, 0);
    /* a Watch sent when the proxy was made or used went before the
     * barrier's, so b has handled it by now (the barrier's own proxy is
     * gone again when it returns) */
    system_barrier(a.sys, "akt://sysb@[inproc://akt-rt-lw-b]");
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 0);
    ck_assert_uint_eq(stats_of(a.sys).proxies, 1);
    ck_assert_uint_eq(stats_of(a.sys).remote_watching, 0);
    /* the first watcher sets it: the watch is lazy, not gone */
    spawn_watcher(a.sys, proxy);
    PP_WAIT_UNTIL(stats_of(b.sys).remote_watches == 1, 5000);
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 1);
    ck_assert_uint_eq(stats_of(a.sys).remote_watching, 1);
    ck_assert_int_eq(akt_stop(t), AKT_OK);
    PP_WAIT_UNTIL(atomic_load(&g_terminated) >= 1, 5000);
    ck_assert_int_eq(atomic_load(&g_terminated), 1);
    PP_WAIT_UNTIL(stats_of(b.sys).remote_watches == 0, 5000);
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 0);
    local_stop(&a);
    local_stop(&b);
}
END_TEST

START_TEST(unwatching_a_proxy_removes_the_remote_watch)
{
    local_node a, b;
    local_start(&a, "sysa", "inproc://akt-rt-uw-a", "k", true);
    local_start(&b, "sysb", "inproc://akt-rt-uw-b", "k", true);
    akt_props tp = { .behavior = &count_b };
    akt_ref t;
    ck_assert_int_eq(akt_spawn(b.sys, &tp, "target", &t), AKT_OK);
    akt_ref proxy
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-uw-b]", "/user/target");
    /* 1: watch, then unwatch (akt_ctx_unwatch) */
    static akt_ref target_of_w1;
    target_of_w1 = proxy;
    akt_props wp = { .behavior = &unwatcher_b,
        .lifecycle = &watcher_l,
        .state_size = sizeof(akt_ref),
        .state_init = watcher_init,
        .init_arg = &target_of_w1 };
    akt_ref w1;
    ck_assert_int_eq(akt_spawn(a.sys, &wp, "w1", &w1), AKT_OK);
    PP_WAIT_UNTIL(stats_of(b.sys).remote_watches == 1, 5000);
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 1);
    ck_assert_uint_eq(stats_of(a.sys).remote_watching, 1);
    ck_assert_int_eq(akt_tell(w1, rt_ping_new(0), AKT_REF_NONE), AKT_OK);
    PP_WAIT_UNTIL(stats_of(b.sys).remote_watches == 0, 5000);
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 0);
    ck_assert_uint_eq(stats_of(a.sys).remote_watching, 0);
    /* 2: watch, then the watcher stops */
    akt_ref w2 = spawn_watcher(a.sys, proxy);
    PP_WAIT_UNTIL(stats_of(b.sys).remote_watches == 1, 5000);
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 1);
    ck_assert_int_eq(akt_stop(w2), AKT_OK);
    PP_WAIT_UNTIL(stats_of(b.sys).remote_watches == 0, 5000);
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 0);
    ck_assert_uint_eq(stats_of(a.sys).remote_watching, 0);
    /* the target stops: nobody watches any more, so no Terminated, and the
     * proxy (not told) stays. t tells its watchers in the order they
     * watched, running a watch future's callbacks on the stopping thread:
     * when our watch of t completes, a watch b still held for a's proxy
     * has queued its Terminated, and system_barrier brings it back */
    akt_future *gone;
    ck_assert_int_eq(akt_watch_future(t, &gone), AKT_OK);
    ck_assert_int_eq(akt_stop(t), AKT_OK);
    ck_assert_int_eq(akt_future_wait(gone, AKT_SEC(15), NULL), AKT_OK);
    akt_future_release(gone);
    system_barrier(a.sys, "akt://sysb@[inproc://akt-rt-uw-b]");
    ck_assert_int_eq(atomic_load(&g_terminated), 0);
    ck_assert_uint_eq(stats_of(a.sys).proxies, 1);
    ck_assert(akt_ref_equal(proxy,
        remote(a.sys, "akt://sysb@[inproc://akt-rt-uw-b]", "/user/target")));
    /* watching it again learns at once that it is gone */
    spawn_watcher(a.sys, proxy);
    PP_WAIT_UNTIL(atomic_load(&g_terminated) >= 1, 5000);
    ck_assert_int_eq(atomic_load(&g_terminated), 1);
    local_stop(&a);
    local_stop(&b);
}
END_TEST

/* A peer declared down (here: its remoting stopped without a word, so only
 * the failure detector notices) loses at once what this node held for it:
 * the watch its proxy had set on a local actor that lives on, and this
 * node's proxies of its actors, whose local watchers get Terminated. */
START_TEST(watches_held_for_a_peer_that_is_gone_are_dropped_at_once)
{
    local_node a, b;
    local_start(&a, "sysa", "inproc://akt-rt-dd-a", "k", true);
    local_start(&b, "sysb", "inproc://akt-rt-dd-b", "k", true);
    akt_props tp = { .behavior = &count_b };
    akt_ref ta, tb;
    ck_assert_int_eq(akt_spawn(a.sys, &tp, "target", &ta), AKT_OK);
    ck_assert_int_eq(akt_spawn(b.sys, &tp, "target", &tb), AKT_OK);
    /* a watches b's target (b holds a watch for a), and b watches a's */
    akt_ref pb
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-dd-b]", "/user/target");
    akt_ref pa
        = remote(b.sys, "akt://sysa@[inproc://akt-rt-dd-a]", "/user/target");
    spawn_watcher(a.sys, pb);
    spawn_watcher(b.sys, pa);
    PP_WAIT_UNTIL(stats_of(b.sys).remote_watches == 1
            && stats_of(a.sys).remote_watches == 1,
        5000);
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 1);
    ck_assert_uint_eq(stats_of(a.sys).remote_watches, 1);
    ck_assert_uint_eq(stats_of(b.sys).proxies, 1);
    ck_assert_int_eq(atomic_load(&g_terminated), 0);
    /* a goes: no Unwatch, no Terminated, only its Leave (a's own watcher
     * may count one Terminated as a's remoting stops); a node declared
     * down by the failure detector is handled alike (its session ends:
     * pause_longer_than_the_detector_ends_the_session_and_heals) */
    int64_t before = atomic_load(&g_terminated);
    local_stop(&a); /* a's own watcher is gone with a's system after this */
    /* b's target still runs, yet the watch held for a is gone */
    PP_WAIT_UNTIL(stats_of(b.sys).remote_watches == 0, 5000);
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 0);
    /* b's watcher of a's target learnt of it through its proxy */
    PP_WAIT_UNTIL(atomic_load(&g_terminated) >= before + 1
            && stats_of(b.sys).proxies == 0,
        5000);
    int64_t t0 = atomic_load(&g_terminated) - 1;
    ck_assert(t0 == before || t0 == before + 1); /* a's watcher: 0 or 1 */
    ck_assert_uint_eq(stats_of(b.sys).proxies, 0);
    /* the target is alive and unwatched: stopping it sends nothing */
    ck_assert_int_eq(akt_tell(tb, rt_ping_new(1), AKT_REF_NONE), AKT_OK);
    PP_WAIT_UNTIL(atomic_load(&g_pings) >= 1, 5000);
    ck_assert_int_eq(atomic_load(&g_pings), 1);
    /* tb tells its watchers in the order they watched (a watch future's
     * callbacks on the stopping thread): when our watch of tb completes,
     * every watch set before it has been told */
    akt_future *gone;
    ck_assert_int_eq(akt_watch_future(tb, &gone), AKT_OK);
    ck_assert_int_eq(akt_stop(tb), AKT_OK);
    ck_assert_int_eq(akt_future_wait(gone, AKT_SEC(15), NULL), AKT_OK);
    akt_future_release(gone);
    ck_assert_int_eq(atomic_load(&g_terminated), t0 + 1);
    ck_assert_uint_eq(stats_of(b.sys).remote_watches, 0);
    local_stop(&b);
}
END_TEST

/* Proxies run on the sender's thread by default; proxy_dispatcher puts
 * them on any dispatcher (here the pool): asks, tells and replies work the
 * same, and a name that is no dispatcher fails where a proxy is made. */
START_TEST(proxies_run_on_the_configured_dispatcher)
{
    local_node a, b, c;
    g_proxy_disp = "default";
    local_start(&a, "sysa", "inproc://akt-rt-pd-a", "k", true);
    g_proxy_disp = NULL; /* calling-thread */
    local_start(&b, "sysb", "inproc://akt-rt-pd-b", "k", true);
    g_proxy_disp = "no-such-dispatcher";
    local_start(&c, "sysc", "inproc://akt-rt-pd-c", "k", true);
    g_proxy_disp = NULL;
    akt_props ep = { .behavior = &local_echo_b };
    akt_ref e;
    ck_assert_int_eq(akt_spawn(b.sys, &ep, "echo", &e), AKT_OK);
    ck_assert_int_eq(akt_spawn(a.sys, &ep, "echo", &e), AKT_OK);
    akt_ref pb
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-pd-b]", "/user/echo");
    akt_ref pa
        = remote(b.sys, "akt://sysa@[inproc://akt-rt-pd-a]", "/user/echo");
    akt_err rc;
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(ask_ping(pb, i, &rc), i);
        ck_assert_int_eq(ask_ping(pa, i, &rc), i);
    }
    akt_ref bad;
    ck_assert_int_eq(akt_remote_ref(c.sys,
                         "akt://sysb@[inproc://akt-rt-pd-b]/user/echo", &bad),
        AKT_EINVAL);
    local_stop(&c);
    local_stop(&a);
    local_stop(&b);
}
END_TEST

/* a Ping whose text is not UTF-8: the codec refuses to encode it */
static rt_Ping *
bad_ping(int64_t n)
{
    rt_Ping *m = rt_ping_new(n);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(
        akt_arena_str(akt_msg_arena(m), "bad \xff text", 10, &m->text), AKT_OK);
    return m;
}

/* replies to n >= 0 with an un-encodable Ping, to n < 0 with a Pong */
static akt_err
bad_echo_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    int64_t n = ((const rt_Ping *)msg)->n;
    void *r = n >= 0 ? (void *)bad_ping(n) : (void *)rt_pong_new(n);
    if (akt_reply(ctx, r) != AKT_OK) {
        akt_msg_free(r);
    }
    return AKT_OK;
}
static const akt_handler bad_echo_h[] = { { &rt_ping_desc, bad_echo_ping } };
static const akt_behavior bad_echo_b = { "bad-echo", bad_echo_h, 1, NULL };

/* proves: a message that cannot be encoded is never lost silently: sent
 * to a remote actor it is a dead letter of the sending system and an ask
 * with it fails at once with AKT_EINVAL; a reply that cannot be encoded
 * fails the remote asker at once with AKT_EINVAL (not at its timeout); the
 * association keeps working */
START_TEST(messages_that_cannot_be_encoded_fail_fast_and_are_dead_letters)
{
    local_node a, b;
    local_start(&a, "sysa", "inproc://akt-rt-enc-a", "k", true);
    local_start(&b, "sysb", "inproc://akt-rt-enc-b", "k", true);
    akt_props ep = { .behavior = &bad_echo_b };
    akt_ref e;
    ck_assert_int_eq(akt_spawn(b.sys, &ep, "echo", &e), AKT_OK);
    akt_ref r
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-enc-b]", "/user/echo");
    uint64_t dl = akt_system_dead_letters(a.sys);
    ck_assert_int_eq(akt_tell(r, bad_ping(1), AKT_REF_NONE), AKT_OK);
    PP_WAIT_UNTIL(akt_system_dead_letters(a.sys) > dl, 5000);
    ck_assert_uint_eq(akt_system_dead_letters(a.sys), dl + 1);
    akt_future *f;
    ck_assert_int_eq(akt_ask(r, bad_ping(2), AKT_SEC(60), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), NULL), AKT_EINVAL);
    akt_future_release(f);
    /* the request crosses; the reply cannot */
    ck_assert_int_eq(akt_ask(r, rt_ping_new(3), AKT_SEC(60), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), NULL), AKT_EINVAL);
    akt_future_release(f);
    /* and the association still carries what can be encoded */
    akt_err rc;
    ck_assert_int_eq(ask_ping(r, -4, &rc), -4);
    ck_assert_int_eq(rc, AKT_OK);
    local_stop(&a);
    local_stop(&b);
}
END_TEST

START_TEST(unknown_types_are_rejected_and_the_association_survives)
{
    /* two systems in one process over inproc://; b accepts rt.Ping only */
    local_node a, b;
    local_start(&a, "sysa", "inproc://akt-rt-a", "k", true);
    local_start(&b, "sysb", "inproc://akt-rt-b", "k", false);
    akt_props ps = { .behavior = &collector_b };
    akt_ref col;
    ck_assert_int_eq(akt_spawn(b.sys, &ps, "collector", &col), AKT_OK);
    akt_ref r
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-b]", "/user/collector");
    ck_assert_int_eq(akt_tell(r, rt_pong_new(0), AKT_REF_NONE), AKT_OK);
    akt_remote_stats st = { 0 };
    PP_WAIT_UNTIL(
        (akt_remote_stats_get(b.sys, &st), st.rejected_unknown_type >= 1),
        5000);
    ck_assert_uint_eq(st.rejected_unknown_type, 1);
    /* still connected: a Ping (known to b) reaches b's collector, which has
     * no handler for it, so b's core counts it as a dead letter */
    uint64_t dl = akt_system_dead_letters(b.sys);
    ck_assert_int_eq(akt_tell(r, rt_ping_new(1), AKT_REF_NONE), AKT_OK);
    PP_WAIT_UNTIL(akt_system_dead_letters(b.sys) > dl, 5000);
    ck_assert_uint_gt(akt_system_dead_letters(b.sys), dl);
    akt_remote_stats_get(b.sys, &st);
    ck_assert_uint_ge(st.envelopes_received, 2);
    ck_assert_uint_eq(st.rejected_corrupt, 0);
    local_stop(&a);
    local_stop(&b);
}
END_TEST

START_TEST(a_node_without_the_cookie_delivers_nothing)
{
    local_node a, b;
    local_start(&a, "sysa", "inproc://akt-rt-c-a", "not-the-cookie", true);
    local_start(&b, "sysb", "inproc://akt-rt-c-b", "k", true);
    akt_props ps = { .behavior = &collector_b };
    akt_ref col;
    ck_assert_int_eq(akt_spawn(b.sys, &ps, "collector", &col), AKT_OK);
    akt_ref r
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-c-b]", "/user/collector");
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(akt_tell(r, rt_pong_new(i), AKT_REF_NONE), AKT_OK);
    }
    /* b refuses the Hello and tells a why: counted on both sides */
    akt_remote_stats st = { 0 }, sa = { 0 };
    PP_WAIT_UNTIL(
        (akt_remote_stats_get(b.sys, &st), akt_remote_stats_get(a.sys, &sa),
            st.rejected_handshake >= 1 && sa.rejected_handshake >= 1),
        5000);
    ck_assert_uint_ge(st.rejected_handshake, 1);
    ck_assert_uint_ge(sa.rejected_handshake, 1);
    ck_assert_uint_eq(st.envelopes_received, 0);
    ck_assert_int_eq(atomic_load(&g_pongs), 0);
    local_stop(&a);
    local_stop(&b);
}
END_TEST

START_TEST(paths_and_addresses)
{
    local_node a;
    local_start(&a, "sysa", "inproc://akt-rt-p", "", true);
    char buf[256];
    ck_assert_int_eq(akt_remote_address(a.sys, buf, sizeof(buf)), AKT_OK);
    ck_assert_str_eq(buf, "akt://sysa@[inproc://akt-rt-p]");
    akt_props cp = { .behavior = &collector_b };
    akt_ref col;
    ck_assert_int_eq(akt_spawn(a.sys, &cp, "c1", &col), AKT_OK);
    ck_assert_int_eq(akt_remote_ref_path(a.sys, col, buf, sizeof(buf)), AKT_OK);
    ck_assert_str_eq(buf, "akt://sysa@[inproc://akt-rt-p]/user/c1");
    /* our own address resolves locally */
    akt_ref same;
    ck_assert_int_eq(akt_remote_ref(a.sys, buf, &same), AKT_OK);
    ck_assert(akt_ref_equal(same, col));
    akt_ref r;
    ck_assert_int_eq(
        akt_remote_ref(a.sys, "akt://x@127.0.0.1:1/user/a", &r), AKT_OK);
    ck_assert_int_eq(akt_remote_ref_path(a.sys, r, buf, sizeof(buf)), AKT_OK);
    ck_assert_str_eq(buf, "akt://x@127.0.0.1:1/user/a");
    ck_assert_int_eq(akt_remote_ref(a.sys, "akt://x/user/a", &r), AKT_EINVAL);
    ck_assert_int_eq(
        akt_remote_ref(a.sys, "http://x@h:1/user/a", &r), AKT_EINVAL);
    ck_assert_int_eq(
        akt_remote_ref(a.sys, "akt://x@[inproc://y/user/a", &r), AKT_EINVAL);
    akt_remote_options o
        = { .listen_url = "inproc://other", .registry = a.reg };
    ck_assert_int_eq(akt_remote_start(a.sys, &o), AKT_EEXIST);
    ck_assert_int_eq(akt_remote_stop(a.sys), AKT_OK);
    ck_assert_int_eq(akt_remote_stop(a.sys), AKT_ENOENT);
    akt_system_free(a.sys);
    akt_registry_free(a.reg);
    akt_config_release(a.cfg);
}
END_TEST

START_TEST(remoting_stops_itself_when_the_system_is_freed)
{
    /* more systems with remoting than the old process-wide table held (64),
     * all freed without akt_remote_stop */
    enum { N = 70 };
    static local_node n[N];
    char name[32], url[64];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "auto%d", i);
        snprintf(url, sizeof(url), "inproc://akt-rt-auto-%d", i);
        local_start(&n[i], name, url, "k", true);
    }
    /* one association in use while the systems go */
    akt_ref r
        = remote(n[0].sys, "akt://auto1@[inproc://akt-rt-auto-1]", "/user/x");
    ck_assert_int_eq(akt_tell(r, rt_ping_new(1), AKT_REF_NONE), AKT_OK);
    for (int i = 0; i < N; i++) {
        akt_system_free(n[i].sys);
        akt_registry_free(n[i].reg);
        akt_config_release(n[i].cfg);
    }
    /* the listeners are closed: the same URL can be listened on again */
    local_node again;
    local_start(&again, "auto0", "inproc://akt-rt-auto-0", "k", true);
    local_stop(&again);
}
END_TEST

static _Atomic int64_t g_dead_seen;

static void
count_dead(akt_ref to, const void *msg, akt_err reason, void *arg)
{
    (void)to;
    (void)reason;
    (void)arg;
    if (akt_msg_type(msg) == &rt_ping_desc) {
        atomic_fetch_add(&g_dead_seen, 1);
    }
}

START_TEST(outbound_drops_are_dead_letters_of_the_system)
{
    local_node a;
    local_start(&a, "sysa", "inproc://akt-rt-dl-a", "k", true);
    ck_assert_int_eq(
        akt_system_on_dead_letter(a.sys, count_dead, NULL, NULL), AKT_OK);
    uint64_t before = akt_system_dead_letters(a.sys);
    /* over max-message-size (16 MiB): refused at the proxy */
    akt_ref far
        = remote(a.sys, "akt://nobody@[inproc://akt-rt-dl-none]", "/user/x");
    size_t big = 17u * 1024 * 1024;
    rt_Ping *p = akt_msg_new(&rt_ping_desc, big + 64);
    uint8_t *data = calloc(1, big);
    ck_assert_int_eq(
        akt_arena_bytes(akt_msg_arena(p), data, big, &p->blob), AKT_OK);
    free(data);
    ck_assert_int_eq(akt_tell(far, p, AKT_REF_NONE), AKT_OK);
    PP_WAIT_UNTIL(atomic_load(&g_dead_seen) >= 1, 10000);
    ck_assert_int_ge(atomic_load(&g_dead_seen), 1);
    /* queued for a node that never answers: dropped when the handshake
     * fails (handshake-timeout 3 s), each a dead letter */
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(akt_tell(far, rt_ping_new(i), AKT_REF_NONE), AKT_OK);
    }
    /* an ask queued with them fails when they are dropped, with the
     * reason (EPEER), long before its own 60 s timeout */
    akt_future *f;
    ck_assert_int_eq(akt_ask(far, rt_ping_new(9), AKT_SEC(60), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(60), NULL), AKT_EPEER);
    ck_assert_msg(
        strstr(akt_future_error_text(f), "not sent to inproc://akt-rt-dl-none")
            != NULL,
        "%s", akt_future_error_text(f));
    akt_future_release(f);
    PP_WAIT_UNTIL(atomic_load(&g_dead_seen) >= 7, 15000);
    ck_assert_int_ge(atomic_load(&g_dead_seen), 7);
    ck_assert_uint_ge(akt_system_dead_letters(a.sys), before + 7);
    local_stop(&a);
}
END_TEST

/* A message that reaches this node addressed to a previous incarnation of
 * it (the sender did not know yet that the node restarted) is dropped
 * unread, and is a dead letter here, counted in dropped_unread too:
 * every drop is counted on the side that dropped it (issue 12 §3) */
START_TEST(messages_for_a_previous_incarnation_are_dead_letters_here)
{
    local_node b;
    local_start(&b, "sysb", "inproc://akt-rt-pi-b", "k", true);
    ck_assert_int_eq(
        akt_system_on_dead_letter(b.sys, count_dead, NULL, NULL), AKT_OK);
    uint64_t dl0 = akt_system_dead_letters(b.sys);
    akt_buf buf;
    akt_buf_init(&buf);
    rt_Ping *ping = rt_ping_new(5);
    ck_assert_int_eq(akt_msg_encode(ping, &buf), AKT_OK);
    akt_msg_free(ping);
    Akt__Remote__Envelope e = AKT__REMOTE__ENVELOPE__INIT;
    e.recipient = "akt://sysb@[inproc://akt-rt-pi-b]/user/x";
    e.sender = "";
    e.type_id = rt_ping_desc.id;
    e.payload.data = buf.data;
    e.payload.len = buf.len;
    Akt__Remote__Envelope *pe = &e;
    Akt__Remote__Batch bt = AKT__REMOTE__BATCH__INIT;
    bt.n_envelopes = 1;
    bt.envelopes = &pe;
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    f.from_uid = 77;
    f.to_uid = 12345; /* not b's uid: an incarnation before it */
    f.token = 1;
    f.channel = AKT__REMOTE__CHANNEL__ORDINARY;
    f.body_case = AKT__REMOTE__FRAME__BODY_BATCH;
    f.batch = &bt;
    uint8_t raw[512];
    size_t n = akt__remote__frame__pack(&f, raw);
    nng_socket s;
    ck_assert_int_eq(nng_push0_open(&s), 0);
    ck_assert_int_eq(nng_dial(s, "inproc://akt-rt-pi-b", NULL, 0), 0);
    ck_assert_int_eq(nng_send(s, raw, n, 0), 0);
    PP_WAIT_UNTIL(atomic_load(&g_dead_seen) >= 1, 3000);
    ck_assert_int_eq(atomic_load(&g_dead_seen), 1);
    ck_assert_uint_eq(akt_system_dead_letters(b.sys), dl0 + 1);
    ck_assert_uint_eq(stats_of(b.sys).dropped_unread, 1);
    nng_close(s);
    akt_buf_free(&buf);
    local_stop(&b);
}
END_TEST

/* replies Pong{n = length of the Ping's blob, or -1 if it is damaged} */
static akt_err
measure_ping(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    const rt_Ping *p = msg;
    int64_t n = (int64_t)p->blob.len;
    for (size_t i = 0; i < p->blob.len; i++) {
        if (p->blob.ptr[i] != (uint8_t)(i * 13 + 1)) {
            n = -1;
            break;
        }
    }
    rt_Pong *r = rt_pong_new(n);
    if (akt_reply(ctx, r) != AKT_OK) {
        akt_msg_free(r);
    }
    return AKT_OK;
}

static const akt_handler measure_h[] = { { &rt_ping_desc, measure_ping } };
static const akt_behavior measure_b = { "measure", measure_h, 1, NULL };

START_TEST(large_messages_cross_whole_while_small_ones_keep_flowing)
{
    local_node a, b;
    local_start(&a, "sysa", "inproc://akt-rt-l-a", "k", true);
    local_start(&b, "sysb", "inproc://akt-rt-l-b", "k", true);
    akt_props pm = { .behavior = &measure_b };
    akt_ref m;
    ck_assert_int_eq(akt_spawn(b.sys, &pm, "measure", &m), AKT_OK);
    akt_ref r
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-l-b]", "/user/measure");
    size_t big = 2u * 1024 * 1024 + 3; /* over max-frame-size: fragmented */
    rt_Ping *p = akt_msg_new(&rt_ping_desc, big + 64);
    uint8_t *data = malloc(big);
    for (size_t i = 0; i < big; i++) {
        data[i] = (uint8_t)(i * 13 + 1);
    }
    ck_assert_int_eq(
        akt_arena_bytes(akt_msg_arena(p), data, big, &p->blob), AKT_OK);
    free(data);
    akt_future *f;
    ck_assert_int_eq(akt_ask(r, p, AKT_SEC(10), &f), AKT_OK);
    akt_err rc;
    for (int i = 0; i < 20; i++) { /* small asks are not stuck behind it */
        ck_assert_int_eq(ask_ping(r, 0, &rc), 0);
    }
    void *reply = NULL;
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), &reply), AKT_OK);
    ck_assert_int_eq(((rt_Pong *)reply)->n, (int64_t)big);
    akt_msg_free(reply);
    akt_future_release(f);
    local_stop(&a);
    local_stop(&b);
}
END_TEST

START_TEST(settings_come_from_the_configuration)
{
    akt_system *sys;
    akt_registry *reg;
    akt_config *cfg;
    const char *conf = "akt.remote { listen = \"inproc://akt-rt-cfg\", "
                       "cookie = \"c\", overflow = drop-head }\n";
    ck_assert_int_eq(
        akt_config_parse_string(conf, strlen(conf), "t", &cfg, NULL), AKT_OK);
    ck_assert_int_eq(akt_system_create("cfgsys", cfg, &sys), AKT_OK);
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    akt_remote_options o = { .registry = reg }; /* all from the config */
    ck_assert_int_eq(akt_remote_start(sys, &o), AKT_OK);
    char buf[128];
    ck_assert_int_eq(akt_remote_address(sys, buf, sizeof(buf)), AKT_OK);
    ck_assert_str_eq(buf, "akt://cfgsys@[inproc://akt-rt-cfg]");
    ck_assert_int_eq(akt_remote_stop(sys), AKT_OK);
    /* a bad value is refused */
    akt_config *bad;
    const char *bconf = "akt.remote.overflow = sometimes\n";
    ck_assert_int_eq(
        akt_config_parse_string(bconf, strlen(bconf), "t", &bad, NULL), AKT_OK);
    akt_remote_options ob = {
        .listen_url = "inproc://akt-rt-cfg2", .registry = reg, .config = bad
    };
    ck_assert_int_eq(akt_remote_start(sys, &ob), AKT_EINVAL);
    akt_system_free(sys);
    akt_registry_free(reg);
    akt_config_release(cfg);
    akt_config_release(bad);
}
END_TEST

/* the last line logged (akt_remote_start says there why it refused) */
typedef struct last_log {
    pthread_mutex_t mu;
    char text[1024];
} last_log;

static void
keep_last_log(const akt_LogEvent *ev, void *arg)
{
    last_log *l = arg;
    pthread_mutex_lock(&l->mu);
    snprintf(l->text, sizeof l->text, "%.*s", (int)ev->text.len, ev->text.ptr);
    pthread_mutex_unlock(&l->mu);
}

/* start_with -- akt_remote_start of a fresh system with conf (HOCON) over
 * the reference, listening on listen; *line: what it logged last */
static akt_err
start_with(const char *conf, const char *listen, const char *cookie, char *line,
    size_t n)
{
    akt_config *cfg = NULL;
    ck_assert_int_eq(
        akt_config_parse_string(conf, strlen(conf), "t", &cfg, NULL), AKT_OK);
    akt_system *sys;
    ck_assert_int_eq(akt_system_create("sec", cfg, &sys), AKT_OK);
    static last_log l;
    memset(&l, 0, sizeof l);
    pthread_mutex_init(&l.mu, NULL);
    ck_assert_int_eq(akt_log_set_sink(sys, keep_last_log, &l, NULL), AKT_OK);
    akt_registry *reg;
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    akt_remote_options o
        = { .listen_url = listen, .cookie = cookie, .registry = reg };
    akt_err rc = akt_remote_start(sys, &o);
    if (rc == AKT_OK) {
        ck_assert_int_eq(akt_remote_stop(sys), AKT_OK);
    }
    akt_system_free(sys);
    akt_registry_free(reg);
    akt_config_release(cfg);
    snprintf(line, n, "%s", l.text);
    return rc;
}

/* A listener other hosts can reach needs the cookie (or verified TLS):
 * without one akt_remote_start refuses, naming the key, unless the
 * configuration says insecure. Loopback, ipc and inproc need none. TLS
 * files with a tcp:// URL would run in plain text: refused, naming the
 * key. */
START_TEST(reachable_listener_needs_a_cookie_unless_insecure)
{
    char line[1024];
    ck_assert_int_eq(
        start_with("", "tcp://0.0.0.0:0", NULL, line, sizeof line), AKT_EINVAL);
    ck_assert_ptr_nonnull(strstr(line, "remoting not started: "));
    ck_assert_ptr_nonnull(strstr(line, "akt.remote.cookie: expected a cookie"));
    ck_assert_int_eq(start_with("akt.remote.insecure = on", "tcp://0.0.0.0:0",
                         NULL, line, sizeof line),
        AKT_OK);
    ck_assert_int_eq(
        start_with("", "tcp://0.0.0.0:0", "c", line, sizeof line), AKT_OK);
    ck_assert_int_eq(
        start_with("", "tcp://127.0.0.1:0", NULL, line, sizeof line), AKT_OK);
    ck_assert_int_eq(
        start_with("", "inproc://akt-rt-sec", NULL, line, sizeof line), AKT_OK);
    ck_assert_int_eq(start_with("akt.remote.tls.cert-file = \"/x.pem\"",
                         "tcp://127.0.0.1:0", "c", line, sizeof line),
        AKT_EINVAL);
    ck_assert_ptr_nonnull(strstr(line, "akt.remote.tls.cert-file: expected "));
    ck_assert_ptr_nonnull(strstr(line, "plain text"));
}
END_TEST

/* --- remote failures fail fast, each with its own error (issue 13 §3) --- */

/* ask_fails -- ask `to` a Ping with a minute to answer; the error it
 * completes with, its text in text */
static akt_err
ask_fails(akt_ref to, char *text, size_t len)
{
    akt_future *f;
    akt_err rc = akt_ask(to, rt_ping_new(1), AKT_SEC(60), &f);
    if (rc != AKT_OK) {
        snprintf(text, len, "(not sent)");
        return rc;
    }
    rc = akt_future_wait(f, AKT_SEC(60), NULL);
    snprintf(text, len, "%s", akt_future_error_text(f));
    akt_future_release(f);
    return rc;
}

/* stderr (ours and that of the nodes started after) into a file */
static char log_path[64];

static void
log_capture(void)
{
    snprintf(log_path, sizeof(log_path), "/tmp/akt-rt-log-XXXXXX");
    int fd = mkstemp(log_path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    dup2(fd, 2);
    close(fd);
}

/* log_count2 -- lines of the captured log that contain a and b (NULL:
 * anything) */
static int
log_count2(const char *a, const char *b)
{
    fflush(stderr);
    FILE *fp = fopen(log_path, "r");
    if (fp == NULL) {
        return 0;
    }
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof(line), fp)) {
        n += strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL);
    }
    fclose(fp);
    return n;
}

static int
log_count(const char *needle)
{
    return log_count2(needle, NULL);
}

/* the first captured line holding needle ("" if none), for a failure's
 * message: which warning was logged, not only how many */
static const char *
log_first(const char *needle)
{
    static char line[1024];
    fflush(stderr);
    FILE *fp = fopen(log_path, "r");
    line[0] = '\0';
    if (fp == NULL) {
        return line;
    }
    while (fgets(line, sizeof(line), fp)) {
        if (strstr(line, needle) != NULL) {
            fclose(fp);
            return line;
        }
    }
    fclose(fp);
    line[0] = '\0';
    return line;
}

/* a tcp port nothing listens on */
static int
closed_port(void)
{
    akt_system *sys;
    ck_assert_int_eq(akt_system_create("probe", NULL, &sys), AKT_OK);
    akt_registry *reg;
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    akt_remote_options o
        = { .listen_url = "tcp://127.0.0.1:0", .registry = reg };
    ck_assert_int_eq(akt_remote_start(sys, &o), AKT_OK);
    char addr[256];
    ck_assert_int_eq(akt_remote_address(sys, addr, sizeof(addr)), AKT_OK);
    akt_system_free(sys);
    akt_registry_free(reg);
    return atoi(strrchr(addr, ':') + 1);
}

/* The node is down (nothing listens: the connection is refused): an ask
 * completes with AKT_EPEER as soon as the dial fails, saying so -- not
 * after the handshake timeout (3 s here) or its own (60 s). A node that
 * takes connections but never answers: AKT_EPEER at handshake-timeout.
 * The asking side logs each cause once, however many asks fail on it. */
START_TEST(asks_to_a_node_that_cannot_be_reached_fail_with_epeer)
{
    log_capture();
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    char path[128], text[512];
    int port = closed_port();
    snprintf(path, sizeof(path), "akt://down@127.0.0.1:%d", port);
    akt_ref down = remote(a.sys, path, "/user/echo");
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(ask_fails(down, text, sizeof(text)), AKT_EPEER);
        ck_assert_msg(
            strstr(text, "cannot connect: Connection refused") != NULL, "%s",
            text);
    }
    char needle[256];
    snprintf(needle, sizeof(needle),
        "akt-remote[nodea] warn: handshake with down at tcp://127.0.0.1:%d "
        "failed: cannot connect: Connection refused",
        port);
    ck_assert_int_eq(log_count(needle), 1);
    /* connections taken, nothing answered (a listener that never reads):
     * the handshake times out (3 s here) */
    nng_socket mute;
    nng_listener ml;
    int mport = 0;
    ck_assert_int_eq(nng_pull0_open(&mute), 0);
    ck_assert_int_eq(nng_listen(mute, "tcp://127.0.0.1:0", &ml, 0), 0);
    ck_assert_int_eq(
        nng_listener_get_int(ml, NNG_OPT_TCP_BOUND_PORT, &mport), 0);
    snprintf(path, sizeof(path), "akt://mute@127.0.0.1:%d", mport);
    ck_assert_int_eq(
        ask_fails(remote(a.sys, path, "/user/echo"), text, sizeof(text)),
        AKT_EPEER);
    ck_assert_msg(
        strstr(text, "no authenticated answer within") != NULL, "%s", text);
    nng_close(mute);
    local_stop(&a);
    unlink(log_path);
}
END_TEST

/* The node refuses our cookie: it tells us (a Refusal echoing our Hello's
 * nonce), so the ask fails at once with AKT_EAUTH and the reason instead of
 * at its timeout; both sides count it (rejected_handshake) and log it
 * once, however many asks fail on it (here three, one of them after the
 * gate-time, i.e. a second handshake) */
START_TEST(a_wrong_cookie_fails_asks_with_eauth_logged_once_on_each_side)
{
    log_capture();
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "not-the-cookie", true);
    akt_ref echo = remote(a.sys, b.address, "/user/echo");
    char text[512];
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(ask_fails(echo, text, sizeof(text)), AKT_EAUTH);
        ck_assert_msg(
            strstr(text, "akt.remote.cookie differs") != NULL, "%s", text);
        if (i == 1) {
            /* past the gate (1 s): the next ask makes a new handshake */
            uint64_t h0 = stats_of(a.sys).rejected_handshake;
            PP_WAIT_UNTIL((ask_fails(echo, text, sizeof(text)),
                              stats_of(a.sys).rejected_handshake > h0),
                10000);
            ck_assert_uint_gt(stats_of(a.sys).rejected_handshake, h0);
        }
    }
    ck_assert_uint_ge(stats_of(a.sys).rejected_handshake, 2);
    ck_assert_int_eq(log_count("akt-remote[nodea] warn: handshake with nodeb "
                               "at tcp://127.0.0.1:"),
        1);
    ck_assert_int_eq(log_count("akt-remote[nodeb] warn: handshake from nodea "
                               "(claims tcp://127.0.0.1:"),
        1);
    local_stop(&a);
    pp_stop(&b, 3000);
    unlink(log_path);
}
END_TEST

/* A path naming a system the node does not run: the node says which it
 * runs, the ask fails at once with AKT_ENOENT; the right name works at
 * once after, and the wrong one keeps failing with ENOENT (now answered
 * by the node's remoting for that path) */
START_TEST(a_wrong_system_name_fails_asks_with_enoent)
{
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    char wrong[512], text[512];
    snprintf(
        wrong, sizeof(wrong), "akt://nodex@%s", strchr(b.address, '@') + 1);
    ck_assert_int_eq(
        ask_fails(remote(a.sys, wrong, "/user/echo"), text, sizeof(text)),
        AKT_ENOENT);
    ck_assert_msg(
        strstr(text, "no system 'nodex' there (it is 'nodeb')") != NULL, "%s",
        text);
    akt_err rc;
    int64_t v = -1; /* once past the gate-time of 1 s */
    PP_WAIT_UNTIL(
        (v = try_ping(remote(a.sys, b.address, "/user/echo"), 5, &rc)) == 5,
        10000);
    ck_assert_int_eq(v, 5);
    ck_assert_int_eq(
        ask_fails(remote(a.sys, wrong, "/user/echo"), text, sizeof(text)),
        AKT_ENOENT);
    ck_assert_msg(strstr(text, "no system") != NULL, "%s", text);
    local_stop(&a);
    pp_stop(&b, 3000);
}
END_TEST

/* An ask whose type the node has not registered: answered at once with
 * AKT_ETYPE naming the type id */
START_TEST(an_unregistered_type_fails_the_ask_with_etype)
{
    local_node a, b;
    local_start(&a, "sysa", "inproc://akt-rt-ty-a", "k", true);
    local_start(&b, "sysb", "inproc://akt-rt-ty-b", "k", false);
    akt_props ps = { .behavior = &collector_b };
    akt_ref col;
    ck_assert_int_eq(akt_spawn(b.sys, &ps, "collector", &col), AKT_OK);
    akt_ref r
        = remote(a.sys, "akt://sysb@[inproc://akt-rt-ty-b]", "/user/collector");
    akt_future *f;
    ck_assert_int_eq(akt_ask(r, rt_pong_new(1), AKT_SEC(60), &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(60), NULL), AKT_ETYPE);
    char want[128];
    snprintf(want, sizeof(want), "type id %016llx is not registered at sysb",
        (unsigned long long)rt_pong_desc.id);
    ck_assert_msg(strstr(akt_future_error_text(f), want) != NULL, "%s",
        akt_future_error_text(f));
    akt_future_release(f);
    local_stop(&a);
    local_stop(&b);
}
END_TEST

/* A node that terminates cleanly (its stdin closes: akt_remote_stop, then
 * akt_system_free) tells its peers it leaves: our watcher of its actor
 * gets Terminated at once -- no failure detection, no "unreachable" or
 * "quarantined" line -- an ask meanwhile fails at once, and a node
 * started later at the same address is a fresh incarnation, reached
 * through a fresh ref, again without a warning (issue 13 §4) */
START_TEST(a_node_that_exits_cleanly_leaves_without_warnings)
{
    log_capture();
    char dir[64], url[128], text[512];
    pp_tmpdir(dir, sizeof(dir));
    snprintf(url, sizeof(url), "ipc://%s/b.sock", dir);
    peer_proc b1, b2;
    spawn_node(&b1, "nodeb", url, NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    akt_ref echo1 = remote(a.sys, b1.address, "/user/echo");
    akt_err rc;
    ck_assert_int_eq(ask_ping(echo1, 1, &rc), 1);
    spawn_watcher(a.sys, echo1);
    PP_WAIT_UNTIL(stats_of(a.sys).remote_watching == 1, 5000);
    system_barrier(a.sys, b1.address); /* the watch is in place at b */
    ck_assert_int_eq(atomic_load(&g_terminated), 0);
    pp_stop(&b1, 10000); /* a clean exit */
    PP_WAIT_UNTIL(atomic_load(&g_terminated) >= 1, 5000);
    ck_assert_int_eq(atomic_load(&g_terminated), 1);
    ck_assert_int_eq(
        ask_fails(remote(a.sys, b1.address, "/user/echo"), text, sizeof(text)),
        AKT_EPEER);
    spawn_node(&b2, "nodeb", url, NULL);
    int64_t v = -1;
    PP_WAIT_UNTIL(
        (v = try_ping(remote(a.sys, b2.address, "/user/echo"), 2, &rc)) == 2,
        5000);
    ck_assert_int_eq(v, 2);
    akt_remote_stats st = stats_of(a.sys);
    ck_assert_uint_eq(st.failures_detected, 0);
    ck_assert_uint_eq(st.quarantines, 0);
    ck_assert_msg(log_count("akt-remote[nodea] warn") == 0, "logged: %s",
        log_first("akt-remote[nodea] warn"));
    ck_assert_msg(log_count("akt-remote[nodea] error") == 0, "logged: %s",
        log_first("akt-remote[nodea] error"));
    local_stop(&a);
    pp_stop(&b2, 10000);
    rmdir(dir);
    unlink(log_path);
}
END_TEST

/* the entries of a /proc/self directory (threads, file descriptors) */
static int
proc_count(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        return -1;
    }
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    return n;
}

/* Associations are freed, not kept for the life of remoting (issue 12
 * §1: after max-associations distinct peers a node refused everyone). A
 * node with room for 2 associations asks 5 short-lived nodes in turn,
 * each at its own address, through refs it keeps; each is served, then
 * goes: nodes 0, 1, 3 and 4 exit cleanly (Leave), node 2 is killed (the
 * failure detector). Their proxies stop, and each association, asleep and
 * referred to by nothing, is freed: before each new node the test waits
 * for a free slot (the node's own count, not a sleep), so 5 peers pass
 * through 2 slots. Then thread and file-descriptor counts are back to
 * what they were before the first, and
 *  - a kept ref whose association was freed fails at once (its proxy
 *    stopped: never a use of the freed association);
 *  - a fresh ref to the killed node's address fails at once with
 *    AKT_EPEER, as before the free (the node is still known down);
 *  - a fresh ref to an address whose node left re-associates: a new node
 *    there is asked and answers. */
START_TEST(associations_of_peers_that_went_are_freed_and_made_again)
{
    char dir[64], url[5][128], addr[5][512], text[512];
    pp_tmpdir(dir, sizeof(dir));
    g_extra_conf = "akt.remote { max-associations = 2, gate-time = 50ms, "
                   "idle-timeout = 1s }\n";
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    g_extra_conf = "";
    int t0 = proc_count("/proc/self/task"), f0 = proc_count("/proc/self/fd");
    akt_ref kept[5];
    akt_err rc;
    for (int i = 0; i < 5; i++) {
        PP_WAIT_UNTIL(stats_of(a.sys).associations < 2, 8000);
        ck_assert_uint_lt(stats_of(a.sys).associations, 2);
        snprintf(url[i], sizeof(url[i]), "ipc://%s/b%d.sock", dir, i);
        peer_proc b;
        spawn_node(&b, "nodeb", url[i], NULL);
        snprintf(addr[i], sizeof(addr[i]), "%s", b.address);
        kept[i] = remote(a.sys, addr[i], "/user/echo");
        ck_assert_int_eq(ask_ping(kept[i], 10 + i, &rc), 10 + i);
        if (i == 2) {
            pp_kill(&b);
        } else {
            pp_stop(&b, 10000);
        }
    }
    akt_remote_stats st;
    PP_WAIT_UNTIL(
        (st = stats_of(a.sys),
            st.associations == 0 && proc_count("/proc/self/task") == t0
                && proc_count("/proc/self/fd") == f0),
        8000);
    ck_assert_uint_eq(st.associations, 0);
    ck_assert_uint_eq(st.associations_freed, 5);
    ck_assert_uint_eq(st.proxies, 0);
    ck_assert_int_eq(proc_count("/proc/self/task"), t0);
    ck_assert_int_eq(proc_count("/proc/self/fd"), f0);
    for (int i = 0; i < 5; i++) {
        rc = ask_fails(kept[i], text, sizeof(text));
        ck_assert_msg(rc != AKT_OK && rc != AKT_ETIMEDOUT,
            "kept ref %d: %s (%s)", i, akt_err_name(rc), text);
    }
    ck_assert_int_eq(
        ask_fails(remote(a.sys, addr[2], "/user/echo"), text, sizeof(text)),
        AKT_EPEER);
    peer_proc b0;
    spawn_node(&b0, "nodeb", url[0], NULL);
    int64_t v = -1;
    PP_WAIT_UNTIL(
        (v = try_ping(remote(a.sys, b0.address, "/user/echo"), 7, &rc)) == 7,
        5000);
    ck_assert_int_eq(v, 7);
    local_stop(&a);
    pp_stop(&b0, 10000);
    for (int i = 0; i < 5; i++) {
        unlink(url[i] + 6);
    }
    rmdir(dir);
}
END_TEST

/* A node that left cleanly and whose association was then freed (asleep,
 * referred to by nothing) is still known to have left: a fresh ref to its
 * address fails at once with AKT_EPEER and the handshake that starts is
 * expected to fail -- logged at info, never a warning (before, the new
 * association forgot the Leave: "handshake ... failed" was a warning, as
 * a_node_that_exits_cleanly_leaves_without_warnings saw under load) */
START_TEST(a_freed_association_remembers_that_its_node_left)
{
    char dir[64], url[128], text[512];
    pp_tmpdir(dir, sizeof(dir));
    snprintf(url, sizeof(url), "ipc://%s/b.sock", dir);
    log_capture();
    setenv("AKT_REMOTE_LOG", "info", 1); /* this test's child only */
    g_extra_conf = "akt.remote { gate-time = 50ms, idle-timeout = 1s }\n";
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    g_extra_conf = "";
    peer_proc b;
    spawn_node(&b, "nodeb", url, NULL);
    akt_err rc;
    ck_assert_int_eq(
        ask_ping(remote(a.sys, b.address, "/user/echo"), 1, &rc), 1);
    pp_stop(&b, 10000); /* a clean exit: Leave */
    akt_remote_stats st;
    PP_WAIT_UNTIL((st = stats_of(a.sys), st.associations_freed == 1), 8000);
    ck_assert_uint_eq(st.associations_freed, 1);
    ck_assert_uint_eq(st.associations, 0);
    ck_assert_int_eq(
        ask_fails(remote(a.sys, b.address, "/user/echo"), text, sizeof(text)),
        AKT_EPEER);
    PP_WAIT_UNTIL(log_count2("failed: cannot connect", url) >= 1, 5000);
    ck_assert_int_ge(log_count2("failed: cannot connect", url), 1);
    ck_assert_msg(log_count("akt-remote[nodea] warn") == 0, "logged: %s",
        log_first("akt-remote[nodea] warn"));
    local_stop(&a);
    unlink(url + 6);
    rmdir(dir);
    unlink(log_path);
}
END_TEST

/* --- partitions and pauses (issue 12 §3) ---------------------------------
 *
 * The semantics (docs/remoting.md, "Unreachable is not dead"): the failure
 * detector ends the session with a peer, not its incarnation. Watchers of
 * its actors get Terminated and sends fail at once while it is unreachable;
 * handshakes are retried, and once it answers again (a healed partition, a
 * resumed process) a new session starts between the same incarnations. Only
 * a new incarnation at the address (a restart) quarantines the old uid. */

/* unreachable_then_reachable_again -- the common part of the pause and the
 * link cut: with b up and watched, cut() makes it silent, heal() brings it
 * back; checks what a sees and logs */
static void
unreachable_then_reachable_again(local_node *a, peer_proc *b,
    void (*cut)(peer_proc *), void (*heal)(peer_proc *))
{
    akt_ref echo = remote(a->sys, b->address, "/user/echo");
    akt_ref sink = remote(a->sys, b->address, "/user/sink");
    akt_err rc;
    ck_assert_int_eq(ask_ping(echo, 1, &rc), 1);
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(akt_tell(sink, rt_ping_new(i), AKT_REF_NONE), AKT_OK);
    }
    ck_assert_int_eq(ask_ping(sink, -7, &rc), 5); /* in order: all 5 there */
    spawn_watcher(a->sys, echo);
    PP_WAIT_UNTIL(stats_of(a->sys).remote_watching == 1, 5000);
    system_barrier(a->sys, b->address);
    ck_assert_int_eq(atomic_load(&g_terminated), 0);
    cut(b);
    PP_WAIT_UNTIL(stats_of(a->sys).failures_detected >= 1, 10000);
    ck_assert_uint_eq(stats_of(a->sys).failures_detected, 1);
    PP_WAIT_UNTIL(atomic_load(&g_terminated) >= 1, 5000);
    ck_assert_int_eq(atomic_load(&g_terminated), 1);
    char text[512];
    ck_assert_int_eq(
        ask_fails(remote(a->sys, b->address, "/user/echo"), text, sizeof(text)),
        AKT_EPEER);
    /* a long partition: a's retried handshake times out (3 s here) */
    PP_WAIT_UNTIL(log_count2("akt-remote[nodea] warn: handshake with nodeb",
                      "no authenticated answer")
            >= 1,
        10000);
    ck_assert_int_eq(log_count2("akt-remote[nodea] warn: handshake with nodeb",
                         "no authenticated answer"),
        1);
    heal(b);
    /* the same incarnation again: the sink still has its count */
    int64_t v = -1;
    PP_WAIT_UNTIL(
        (v = try_ping(remote(a->sys, b->address, "/user/sink"), -7, &rc)) == 5,
        20000);
    ck_assert_int_eq(v, 5);
    ck_assert_uint_eq(stats_of(a->sys).quarantines, 0);
    ck_assert_int_eq(
        log_count2("akt-remote[nodea] warn: nodeb at ", ") is unreachable"), 1);
    ck_assert_int_eq(log_count2("akt-remote[nodea] warn: nodeb at ",
                         ") is reachable again after "),
        1);
    ck_assert_int_eq(log_count("quarantined"), 0); /* neither side */
}

static void
sigstop(peer_proc *b)
{
    kill(b->pid, SIGSTOP);
}

static void
sigcont(peer_proc *b)
{
    kill(b->pid, SIGCONT);
}

/* A node paused (SIGSTOP, as by a long GC or a stopped VM) for longer
 * than the failure detector allows, then resumed */
START_TEST(a_paused_node_is_unreachable_then_reachable_again)
{
    log_capture();
    peer_proc b;
    spawn_node(&b, "nodeb", "tcp://127.0.0.1:0", NULL);
    local_node a;
    local_start(&a, "nodea", "tcp://127.0.0.1:0", "cookie", true);
    unreachable_then_reachable_again(&a, &b, sigstop, sigcont);
    local_stop(&a);
    pp_stop(&b, 5000);
    unlink(log_path);
}
END_TEST

/* A real link cut: nodea (this test's process) and nodeb live in two
 * network namespaces joined by a veth pair; the cut takes nodeb's end of
 * it down (TCP connections stay, packets are lost), the heal brings it up.
 * The namespaces are made per test run (unchecked fixture, in the parent
 * process, so they are removed however the test ends); without root, or
 * where `ip netns` does not work, the test says why and does nothing. */
static char g_ns_a[32], g_ns_b[32], g_veth_b[16], g_ip_a[32], g_ip_b[32];
static char g_netns_skip[160];

static int
sh(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void
netns_setup(void)
{
    g_netns_skip[0] = '\0';
    if (geteuid() != 0) {
        snprintf(g_netns_skip, sizeof(g_netns_skip),
            "not root (network namespaces need CAP_SYS_ADMIN)");
        return;
    }
    int p = (int)getpid();
    snprintf(g_ns_a, sizeof(g_ns_a), "aktrm%da", p);
    snprintf(g_ns_b, sizeof(g_ns_b), "aktrm%db", p);
    snprintf(g_veth_b, sizeof(g_veth_b), "akv%db", p);
    snprintf(g_ip_a, sizeof(g_ip_a), "10.231.%d.1", p % 250);
    snprintf(g_ip_b, sizeof(g_ip_b), "10.231.%d.2", p % 250);
    if (sh("ip netns add %s && ip netns add %s && "
           "ip link add akv%da netns %s type veth peer name %s netns %s && "
           "ip -n %s addr add %s/24 dev akv%da && ip -n %s addr add %s/24 dev "
           "%s && "
           "ip -n %s link set akv%da up && ip -n %s link set %s up "
           ">/dev/null 2>&1",
            g_ns_a, g_ns_b, p, g_ns_a, g_veth_b, g_ns_b, g_ns_a, g_ip_a, p,
            g_ns_b, g_ip_b, g_veth_b, g_ns_a, p, g_ns_b, g_veth_b)
        != 0) {
        snprintf(g_netns_skip, sizeof(g_netns_skip),
            "`ip netns` / veth not usable here");
    }
}

static void
netns_teardown(void)
{
    if (g_ns_a[0] != '\0') {
        sh("ip netns del %s >/dev/null 2>&1; ip netns del %s >/dev/null 2>&1",
            g_ns_a, g_ns_b);
    }
}

static void
link_down(peer_proc *b)
{
    (void)b;
    ck_assert_int_eq(sh("ip -n %s link set %s down", g_ns_b, g_veth_b), 0);
}

static void
link_up(peer_proc *b)
{
    (void)b;
    ck_assert_int_eq(sh("ip -n %s link set %s up", g_ns_b, g_veth_b), 0);
}

START_TEST(a_cut_link_heals_into_a_new_session_between_the_same_incarnations)
{
    if (g_netns_skip[0] != '\0') {
        fprintf(stderr, "link-cut test skipped: %s\n", g_netns_skip);
        return;
    }
    log_capture();
    char path[64], listen_a[64], listen_b[64];
    snprintf(path, sizeof(path), "/var/run/netns/%s", g_ns_a);
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(setns(fd, CLONE_NEWNET), 0); /* this test's process */
    close(fd);
    snprintf(listen_a, sizeof(listen_a), "tcp://%s:0", g_ip_a);
    snprintf(listen_b, sizeof(listen_b), "tcp://%s:0", g_ip_b);
    peer_proc b;
    char *argv[] = { "/usr/sbin/ip", "netns", "exec", g_ns_b,
        (char *)REMOTE_NODE_BIN, "nodeb", listen_b, "cookie", "100", NULL };
    if (access(argv[0], X_OK) != 0) {
        argv[0] = "/sbin/ip";
    }
    ck_assert_msg(
        pp_start(&b, argv, 10000) == 0, "node did not start: '%s'", b.line);
    local_node a;
    local_start(&a, "nodea", listen_a, "cookie", true);
    unreachable_then_reachable_again(&a, &b, link_down, link_up);
    local_stop(&a);
    pp_stop(&b, 5000);
    unlink(log_path);
}
END_TEST

static Suite *
remote_suite(void)
{
    Suite *s = suite_create("remote");
    TCase *l = tcase_create("inproc");
    tcase_set_timeout(l, 30);
    tcase_add_test(l, paths_and_addresses);
    tcase_add_test(l, unknown_types_are_rejected_and_the_association_survives);
    tcase_add_test(l, a_node_without_the_cookie_delivers_nothing);
    tcase_add_test(l, reachable_listener_needs_a_cookie_unless_insecure);
    tcase_add_test(l, large_messages_cross_whole_while_small_ones_keep_flowing);
    tcase_add_test(l, settings_come_from_the_configuration);
    tcase_add_test(l, remoting_stops_itself_when_the_system_is_freed);
    tcase_add_test(l, outbound_drops_are_dead_letters_of_the_system);
    tcase_add_test(
        l, messages_for_a_previous_incarnation_are_dead_letters_here);
    tcase_add_test(
        l, asks_from_peers_are_answered_through_a_future_not_a_proxy_actor);
    tcase_add_test(l, a_proxy_without_watchers_sets_no_remote_watch);
    tcase_add_test(l, unwatching_a_proxy_removes_the_remote_watch);
    tcase_add_test(l, proxies_run_on_the_configured_dispatcher);
    tcase_add_test(
        l, messages_that_cannot_be_encoded_fail_fast_and_are_dead_letters);
    tcase_add_test(l, watches_held_for_a_peer_that_is_gone_are_dropped_at_once);
    suite_add_tcase(s, l);
    TCase *m = tcase_create("multiprocess");
    tcase_set_timeout(m, 60);
    tcase_add_test(m, typed_messages_and_replies_cross_two_processes_in_order);
    tcase_add_test(m, interleaved_runs_reach_each_actor_in_order);
    tcase_add_test(m, ask_works_across_nodes);
    tcase_add_test(m, refs_inside_messages_cross_nodes_and_are_used_back);
    tcase_add_test(m, error_replies_cross_nodes);
    tcase_add_test(m, three_nodes_route_an_ask_through_a_relay);
    tcase_add_test(m, watchers_get_terminated_when_the_remote_actor_stops);
    tcase_add_test(m, watchers_get_terminated_when_the_peer_is_killed);
    tcase_add_test(m, a_restarted_peer_is_reached_through_a_fresh_ref);
    tcase_add_test(m, asks_to_a_node_that_cannot_be_reached_fail_with_epeer);
    tcase_add_test(
        m, a_wrong_cookie_fails_asks_with_eauth_logged_once_on_each_side);
    tcase_add_test(m, a_wrong_system_name_fails_asks_with_enoent);
    tcase_add_test(m, an_unregistered_type_fails_the_ask_with_etype);
    tcase_add_test(m, a_node_that_exits_cleanly_leaves_without_warnings);
    tcase_add_test(m, associations_of_peers_that_went_are_freed_and_made_again);
    tcase_add_test(m, a_freed_association_remembers_that_its_node_left);
    tcase_add_test(m, a_paused_node_is_unreachable_then_reachable_again);
    suite_add_tcase(s, m);
    TCase *n = tcase_create("netns");
    tcase_set_timeout(n, 120);
    tcase_add_unchecked_fixture(n, netns_setup, netns_teardown);
    tcase_add_test(
        n, a_cut_link_heals_into_a_new_session_between_the_same_incarnations);
    suite_add_tcase(s, n);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(remote_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
