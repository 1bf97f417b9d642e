/*
 * cluster_node.c -- one cluster member in its own process, for the
 * multi-process tests (cluster_proc_test.c):
 *
 *   cluster_node NAME [HOCON [LISTEN_URL]]
 *
 * Starts system NAME with the HOCON settings (the tests pass the test
 * profile), remoting on LISTEN_URL (default tcp://127.0.0.1:0; the
 * namespace lab gives each node its own address) and the cluster,
 * subscribes to
 * the cluster's events, then prints
 *   READY <address> <uid in hex>
 *   EV <event> <member address> <member uid in hex> <status>   (each event)
 *   LOG <LEVEL> <text>                                    (each log line)
 * and reads commands on stdin, one per line:
 *   join <seed address>...   akt_cluster_join_seed_nodes
 *   discover <etcd endpoint> <prefix> <required contacts>
 *                            akt_cluster_join_discovered (registrations with
 *                            a 2 s ttl); prints "DISCOVERED <result>"
 *   singleton                a cluster singleton "single" on every node;
 *                            its instance prints "SINGLETON START|STOP
 *                            <CLOCK_MONOTONIC ns>" (one clock for every
 *                            process of the machine, namespaces included)
 *   worker                   a Worker at /user/worker (answers Ping with
 *                            Pong{node NAME}); prints "WORKER <result>"
 *   router <rr|random|broadcast|hash> <role|-> [NAME]
 *                            a cluster router at /user/NAME (default
 *                            router) over /user/worker; prints "ROUTEES
 *                            NAME <n> <paths>" on every change of its routees
 *   route <count> [NAME]     Pings 1..count through the router from a sink
 *                            at /user/sink, which prints "PONG sink <node>
 *                            <n>"
 *   pubsub                   start the pub/sub mediator (gossip every
 *                            200 ms; "TOPIC <topic|path> <n>" on each
 *                            change) and a Sink at /user/sub
 *   sub|unsub <topic> [group]   (un)subscribe /user/sub
 *   stopsub                  stop /user/sub
 *   pub <topic> <n> [group]  publish Ping{sender "NAME/topic", n} (one per
 *                            group with "group"); /user/sub prints
 *                            "MSG sub <sender> <n>"
 *   put                      put /user/worker
 *   send <path> <n> [local]  / sendall <path> <n> [butself]
 *                            Ping{NAME, n} from /user/sink to one / every
 *                            actor put under path (Pongs: "PONG sink ...")
 *   leave                    akt_cluster_leave(self)
 *   quit (or end of input)   terminate and exit 0
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/akt.h"
#include "akt/cluster.h"
#include "clapp.akt.h"

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

static void
on_event(void *arg, const akt_cluster_event *ev)
{
    (void)arg;
    char path[512] = "-";
    uint64_t uid = 0;
    const char *status = "-";
    if (ev->has_member) {
        akt_cluster_member_path(&ev->member.address, path, sizeof path);
        uid = ev->member.address.uid;
        status = akt_member_status_name(ev->member.status);
    }
    pthread_mutex_lock(&out_mu);
    printf("EV %s %s %016" PRIx64 " %s\n", akt_cluster_event_name(ev->kind),
        path, uid, status);
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

/* --- the application: workers, sinks, a cluster router ------------------ */

static const char *node_name;
static akt_system *app_sys;
static akt_ref sink; /* zero: none */
static akt_ref mediator, sub; /* pub/sub */
static akt_registry *app_reg;
static akt_ref routers[4];
static char router_names[4][64];
static int nrouters;

static akt_err
worker_ping(clapp_WorkerState *st, akt_ctx *ctx, const clapp_Ping *msg)
{
    (void)st;
    clapp_Pong *r = clapp_pong_new(node_name, msg->n);
    return r != NULL ? clapp_worker_reply_ping(ctx, r) : AKT_ENOMEM;
}

static const clapp_WorkerHandlers worker_h = { .on_ping = worker_ping };

/* the last part of an actor's path */
static const char *
self_name(akt_ctx *ctx, char *buf, size_t len)
{
    if (akt_remote_ref_path(app_sys, akt_ctx_self(ctx), buf, len) != AKT_OK) {
        return "?";
    }
    const char *s = strrchr(buf, '/');
    return s != NULL ? s + 1 : buf;
}

static akt_err
sink_pong(clapp_SinkState *st, akt_ctx *ctx, const clapp_Pong *msg)
{
    (void)st;
    char buf[512];
    const char *me = self_name(ctx, buf, sizeof buf);
    pthread_mutex_lock(&out_mu);
    printf("PONG %s %s %lld\n", me, msg->node.ptr ? msg->node.ptr : "",
        (long long)msg->n);
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
    return AKT_OK;
}

static akt_err
sink_ping(clapp_SinkState *st, akt_ctx *ctx, const clapp_Ping *msg)
{
    (void)st;
    char buf[512];
    const char *me = self_name(ctx, buf, sizeof buf);
    pthread_mutex_lock(&out_mu);
    printf("MSG %s %s %lld\n", me, msg->sender.ptr ? msg->sender.ptr : "",
        (long long)msg->n);
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
    return AKT_OK;
}

static const clapp_SinkHandlers sink_h
    = { .on_pong = sink_pong, .on_ping = sink_ping };

static void
on_routees(void *arg, const char *const *paths, size_t npaths, size_t n)
{
    pthread_mutex_lock(&out_mu);
    printf("ROUTEES %s %zu", (const char *)arg, n);
    for (size_t i = 0; i < npaths; i++) {
        printf(" %s", paths[i]);
    }
    printf("\n");
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

static uint64_t
ping_key(const void *msg, void *arg)
{
    (void)arg;
    return (uint64_t)((const clapp_Ping *)msg)->n * 0x9e3779b97f4a7c15ull;
}

static void
app_reply(const char *what, akt_err rc)
{
    pthread_mutex_lock(&out_mu);
    printf("%s %s\n", what, akt_strerror(rc));
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

static void
on_topic(void *arg, const char *topic, size_t n)
{
    (void)arg;
    pthread_mutex_lock(&out_mu);
    printf("TOPIC %s %zu\n", topic, n);
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

static akt_err
ensure_sink(void)
{
    akt_err rc = AKT_OK;
    if (akt_ref_is_none(sink)) {
        clapp_SinkRef sr;
        rc = clapp_sink_spawn(app_sys, &sink_h, "sink", NULL, &sr);
        sink = sr.ref;
    }
    return rc;
}

/* the pub/sub commands; false when line is none of them */
static bool
pubsub_command(char *line)
{
    akt_err rc;
    char a[256] = "", b[600] = "", c[64] = "";
    long n = 0;
    if (strcmp(line, "pubsub") == 0) {
        akt_pubsub_options o = { .registry = app_reg,
            .gossip_interval_ns = AKT_MS(200),
            .on_topic = on_topic };
        rc = akt_pubsub_start(app_sys, &o, &mediator);
        if (rc == AKT_OK) {
            clapp_SinkRef sr;
            rc = clapp_sink_spawn(app_sys, &sink_h, "sub", NULL, &sr);
            sub = sr.ref;
        }
        app_reply("PUBSUB", rc);
    } else if (strncmp(line, "sub ", 4) == 0
        && sscanf(line + 4, "%255s %63s", a, c) >= 1) {
        rc = akt_pubsub_subscribe(mediator, a, c, sub, AKT_REF_NONE);
        app_reply("SUB", rc);
    } else if (strncmp(line, "unsub ", 6) == 0
        && sscanf(line + 6, "%255s %63s", a, c) >= 1) {
        rc = akt_pubsub_unsubscribe(mediator, a, c, sub, AKT_REF_NONE);
        app_reply("UNSUB", rc);
    } else if (strcmp(line, "stopsub") == 0) {
        rc = akt_stop(sub);
        app_reply("STOPSUB", rc);
    } else if (strncmp(line, "pub ", 4) == 0
        && sscanf(line + 4, "%255s %ld %63s", a, &n, c) >= 2) {
        /* sender: "<node>/<topic>", so a sink's line says which */
        snprintf(b, sizeof b, "%s/%s", node_name, a);
        clapp_Ping *m = clapp_ping_new(b, n);
        rc = m != NULL ? akt_pubsub_publish(
                 mediator, a, m, AKT_REF_NONE, strcmp(c, "group") == 0)
                       : AKT_ENOMEM;
        app_reply("PUB", rc);
    } else if (strcmp(line, "put") == 0) {
        akt_ref w;
        char path[512];
        akt_remote_address(app_sys, path, sizeof path - 16);
        strcat(path, "/user/worker");
        rc = akt_remote_ref(app_sys, path, &w);
        rc = rc == AKT_OK ? akt_pubsub_put(mediator, w) : rc;
        app_reply("PUT", rc);
    } else if (strncmp(line, "send ", 5) == 0
        && sscanf(line + 5, "%255s %ld %63s", a, &n, c) >= 2) {
        clapp_Ping *m = (rc = ensure_sink()) == AKT_OK
            ? clapp_ping_new(node_name, n)
            : NULL;
        rc = m == NULL
            ? AKT_ENOMEM
            : akt_pubsub_send(mediator, a, m, sink, strcmp(c, "local") == 0);
        app_reply("SEND", rc);
    } else if (strncmp(line, "sendall ", 8) == 0
        && sscanf(line + 8, "%255s %ld %63s", a, &n, c) >= 2) {
        clapp_Ping *m = (rc = ensure_sink()) == AKT_OK
            ? clapp_ping_new(node_name, n)
            : NULL;
        rc = m == NULL ? AKT_ENOMEM
                       : akt_pubsub_send_to_all(
                           mediator, a, m, sink, strcmp(c, "butself") == 0);
        app_reply("SENDALL", rc);
    } else {
        return false;
    }
    return true;
}

/* --- a cluster singleton that says when it runs ----------------------- */

static long long
mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static akt_err
single_pre_start(void *state, akt_ctx *ctx)
{
    (void)state;
    (void)ctx;
    pthread_mutex_lock(&out_mu);
    printf("SINGLETON START %lld\n", mono_ns());
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
    return AKT_OK;
}

static void
single_post_stop(void *state, akt_ctx *ctx)
{
    (void)state;
    (void)ctx;
    pthread_mutex_lock(&out_mu);
    printf("SINGLETON STOP %lld\n", mono_ns());
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

static akt_err
single_any(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)ctx;
    (void)msg;
    return AKT_OK;
}

static const akt_behavior single_behavior
    = { .name = "lab-singleton", .unhandled = single_any };
static const akt_lifecycle single_lifecycle
    = { .pre_start = single_pre_start, .post_stop = single_post_stop };

/* one application command; false when it is none */
static bool
app_command(char *line)
{
    akt_err rc;
    if (pubsub_command(line)) {
        return true;
    }
    if (strcmp(line, "singleton") == 0) {
        static akt_props props
            = { .behavior = &single_behavior, .lifecycle = &single_lifecycle };
        akt_singleton_options so
            = { .name = "single", .props = &props, .removal_margin_ns = -1 };
        akt_ref mgr;
        rc = akt_cluster_singleton_start(app_sys, &so, &mgr);
        app_reply("SINGLETON", rc);
    } else if (strcmp(line, "worker") == 0) {
        rc = clapp_worker_spawn(app_sys, &worker_h, "worker", NULL, NULL);
        app_reply("WORKER", rc);
    } else if (strncmp(line, "router ", 7) == 0) {
        char logic[32], role[64], name[64] = "router";
        if (sscanf(line + 7, "%31s %63s %63s", logic, role, name) < 2) {
            app_reply("ROUTER", AKT_EINVAL);
            return true;
        }
        static const char *paths[] = { "/user/worker" };
        akt_cluster_router_options o = { .logic = AKT_ROUTE_ROUND_ROBIN,
            .paths = paths,
            .npaths = 1,
            .role = strcmp(role, "-") == 0 ? NULL : role,
            .hash_key = ping_key,
            .on_routees = on_routees };
        static char labels[4][64];
        snprintf(labels[nrouters % 4], sizeof labels[0], "%s", name);
        o.arg = labels[nrouters % 4];
        if (strcmp(logic, "random") == 0) {
            o.logic = AKT_ROUTE_RANDOM;
        } else if (strcmp(logic, "broadcast") == 0) {
            o.logic = AKT_ROUTE_BROADCAST;
        } else if (strcmp(logic, "hash") == 0) {
            o.logic = AKT_ROUTE_CONSISTENT_HASH;
        }
        akt_ref r;
        rc = akt_cluster_router_spawn(app_sys, &o, name, &r);
        if (rc == AKT_OK && nrouters < 4) {
            strcpy(router_names[nrouters], name);
            routers[nrouters++] = r;
        }
        app_reply("ROUTER", rc);
    } else if (strncmp(line, "route ", 6) == 0) {
        long count = 0;
        char name[64] = "router";
        akt_ref router = AKT_REF_NONE;
        (void)sscanf(line + 6, "%ld %63s", &count, name);
        for (int i = 0; i < nrouters; i++) {
            if (strcmp(router_names[i], name) == 0) {
                router = routers[i];
            }
        }
        rc = ensure_sink();
        for (long i = 1; rc == AKT_OK && i <= count; i++) {
            clapp_Ping *m = clapp_ping_new(node_name, i);
            rc = m != NULL ? akt_tell(router, m, sink) : AKT_ENOMEM;
        }
        app_reply("ROUTED", rc);
    } else {
        return false;
    }
    return true;
}

/* log lines go to stdout too, "LOG <LEVEL> <text>", for the tests */
static void
log_sink(const akt_LogEvent *ev, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&out_mu);
    printf("LOG %s %s\n", akt_log_level_name((akt_log_level)ev->level),
        ev->text.ptr ? ev->text.ptr : "");
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
}

static int
fail(const char *what, akt_err rc)
{
    fprintf(stderr, "cluster_node: %s: %s\n", what, akt_strerror(rc));
    return 1;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cluster_node NAME [HOCON [LISTEN_URL]]\n");
        return 2;
    }
    akt_config *cfg = NULL;
    akt_config_error cerr;
    const char *text = argc > 2 ? argv[2] : "";
    akt_err rc
        = akt_config_parse_string(text, strlen(text), "args", &cfg, &cerr);
    if (rc != AKT_OK) {
        fprintf(stderr, "cluster_node: %s\n", cerr.message);
        return 2;
    }
    akt_system *sys;
    if ((rc = akt_system_create(argv[1], cfg, &sys)) != AKT_OK) {
        return fail("system", rc);
    }
    akt_registry *reg;
    if ((rc = akt_registry_new(&reg)) != AKT_OK
        || (rc = clapp_clapp_register_types(reg)) != AKT_OK) {
        return fail("registry", rc);
    }
    node_name = argv[1];
    app_sys = sys;
    app_reg = reg;
    akt_remote_options ro
        = { .listen_url = argc > 3 ? argv[3] : "tcp://127.0.0.1:0",
              .registry = reg };
    if ((rc = akt_remote_start(sys, &ro)) != AKT_OK) {
        return fail("remote", rc);
    }
    akt_cluster_options co = { .registry = reg };
    if ((rc = akt_cluster_start(sys, &co)) != AKT_OK) {
        return fail("cluster", rc);
    }
    uint64_t sub;
    if ((rc = akt_cluster_subscribe(sys, on_event, NULL, NULL, &sub))
        != AKT_OK) {
        return fail("subscribe", rc);
    }
    char addr[512];
    akt_remote_address(sys, addr, sizeof addr);
    akt_cluster_state st;
    if ((rc = akt_cluster_state_get(sys, &st)) != AKT_OK) {
        return fail("state", rc);
    }
    pthread_mutex_lock(&out_mu);
    printf("READY %s %016" PRIx64 "\n", addr, st.self.address.uid);
    fflush(stdout);
    pthread_mutex_unlock(&out_mu);
    akt_log_set_sink(sys, log_sink, NULL, NULL); /* after READY */
    akt_cluster_state_free(&st);
    char line[4096];
    akt_discovery *disc = NULL;
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "join ", 5) == 0) {
            const char *seeds[16];
            size_t n = 0;
            for (char *t = strtok(line + 5, " "); t && n < 16;
                 t = strtok(NULL, " ")) {
                seeds[n++] = t;
            }
            rc = akt_cluster_join_seed_nodes(sys, seeds, n);
            if (rc != AKT_OK) {
                fail("join", rc);
            }
        } else if (strncmp(line, "discover ", 9) == 0) {
            char ep[256], prefix[256];
            unsigned required;
            rc = AKT_EINVAL;
            if (disc == NULL
                && sscanf(line + 9, "%255s %255s %u", ep, prefix, &required)
                    == 3
                && (rc = akt_discovery_etcd_new(ep, prefix, AKT_SEC(2), &disc))
                    == AKT_OK) {
                rc = akt_cluster_join_discovered(
                    sys, disc, required, AKT_SEC(60));
            }
            pthread_mutex_lock(&out_mu);
            printf("DISCOVERED %s\n", akt_strerror(rc));
            fflush(stdout);
            pthread_mutex_unlock(&out_mu);
        } else if (app_command(line)) {
            continue;
        } else if (strcmp(line, "leave") == 0) {
            if ((rc = akt_cluster_leave(sys, NULL)) != AKT_OK) {
                fail("leave", rc);
            }
        } else if (strcmp(line, "quit") == 0) {
            break;
        }
    }
    akt_discovery_free(disc);
    akt_system_terminate(sys);
    akt_system_await_termination(sys, 10000000000LL);
    akt_system_free(sys);
    akt_registry_free(reg);
    akt_config_release(cfg);
    return 0;
}
