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
 * and reads commands on stdin, one per line:
 *   join <seed address>...   akt_cluster_join_seed_nodes
 *   discover <etcd endpoint> <prefix> <required contacts>
 *                            akt_cluster_join_discovered (registrations with
 *                            a 2 s ttl); prints "DISCOVERED <result>"
 *   leave                    akt_cluster_leave(self)
 *   quit (or end of input)   terminate and exit 0
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"
#include "akt/cluster.h"

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
    if ((rc = akt_registry_new(&reg)) != AKT_OK) {
        return fail("registry", rc);
    }
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
