/*
 * cluster_sim_bench.c -- cluster membership measured in the simulation
 * (tests/cluster/sim.c: the real protocol code and wire bytes, virtual
 * time, no network faults), with Akka's production settings (gossip and
 * heartbeats every 1 s).
 *
 *   akt-cluster-sim-bench [--sizes 10,50,200] [--seed S] [--smoke]
 *
 * One JSON line per cluster size:
 *   join_convergence_s   N nodes started at once through 2 seeds: virtual
 *                        seconds until every node sees all N Up, with
 *                        convergence and one leader
 *   leave_removed_s      then one member leaves: virtual seconds until
 *                        every other node has it Removed (two leader
 *                        actions, each after convergence)
 *   steady_bytes_per_round  in steady state (converged, 20 virtual s):
 *                        gossip bytes (full states and status digests)
 *                        per node per gossip round
 *   change_bytes_per_round  the same while the leave spreads (from the
 *                        leave until it is removed everywhere)
 *   gossip_msg_bytes     the size of one full gossip message
 *   messages_per_node_s  all cluster messages a node sends per second
 *                        (gossip, status, heartbeats and answers)
 *   cpu_us_per_node_s    CPU time of the whole protocol (encode, decode,
 *                        merge, heartbeats, failure detection) per node
 *                        per virtual second, measured in steady state
 * --smoke: size 10 only. Nothing is asserted; scripts/bench-smoke.sh
 * checks that the output is JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "akt/akt.h"
#include "sim.h"

static double
cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool
all_up(sim *s, int n)
{
    int *slots = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) {
        slots[i] = sim_slot_of(s, i);
    }
    bool ok = sim_agree(s, slots, n, slots, n);
    free(slots);
    return ok;
}

static bool
removed_everywhere(sim *s, int n, int who)
{
    for (int i = 0; i < n; i++) {
        if (i != who && sim_status(s, i, who) != AKT_MEMBER_REMOVED) {
            return false;
        }
    }
    return true;
}

/* advance in 20 ms steps until done() or the limit; virtual seconds */
static double
run_until(sim *s, double limit_s, bool (*done)(sim *, int, int), int n, int w)
{
    int64_t t0 = sim_now(s), step = SIM_MS(20);
    while (sim_now(s) - t0 < (int64_t)(limit_s * 1e9)) {
        sim_run(s, sim_now(s) + step);
        if (done(s, n, w)) {
            return (double)(sim_now(s) - t0) / 1e9;
        }
    }
    return -1;
}

static bool
up_pred(sim *s, int n, int w)
{
    (void)w;
    return all_up(s, n);
}

static bool
removed_pred(sim *s, int n, int w)
{
    return removed_everywhere(s, n, w);
}

static void
bench(int n, uint64_t seed)
{
    akti_cl_settings set;
    akti_cl_settings_default(&set);
    sim *s = sim_new(n, &set, seed);
    sim_set_checks(s, false); /* O(n^2) per step: for the tests only */
    int seeds[] = { 0, 1 };
    for (int i = 0; i < n; i++) {
        sim_start(s, i, seeds, 2);
    }
    double join = run_until(s, 120, up_pred, n, 0);
    /* steady state */
    sim_run(s, sim_now(s) + SIM_S(5));
    sim_stats a, b;
    sim_stats_get(s, &a);
    double c0 = cpu_s();
    int64_t t0 = sim_now(s);
    const double secs = 20;
    sim_run(s, t0 + (int64_t)(secs * 1e9));
    double cpu = cpu_s() - c0;
    sim_stats_get(s, &b);
    double gossip_bytes = (double)(b.gossip_bytes - a.gossip_bytes
        + b.status_bytes - a.status_bytes);
    double gossip_msgs = (double)(b.gossip_messages - a.gossip_messages);
    double status_msgs = (double)(b.status_messages - a.status_messages);
    double msgs = (double)(b.messages - a.messages);
    double hbs = (double)(b.heartbeats - a.heartbeats);
    /* one full gossip message, measured by encoding the state */
    akti_clnode *n0 = sim_node(s, 0);
    akti_cl_msg m;
    akti_cl_msg_init(&m, AKTI_CLM_GOSSIP);
    m.from = n0->self.address;
    m.to = n0->self.address;
    akti_cl_gossip_copy(&m.g, &n0->g);
    uint8_t *buf = NULL;
    size_t len = 0;
    akti_cl_msg_encode(&m, &buf, &len);
    free(buf);
    akti_cl_msg_fini(&m);
    /* a leave */
    int who = n - 1;
    akti_clnode *leaver = sim_node(s, sim_slot_of(s, who));
    sim_stats c, d;
    sim_stats_get(s, &c);
    akti_clnode_leave(leaver, &leaver->self.address, sim_now(s));
    double leave = run_until(s, 120, removed_pred, n, who);
    sim_stats_get(s, &d);
    double change_bytes = (double)(d.gossip_bytes - c.gossip_bytes
        + d.status_bytes - c.status_bytes);
    double change_rounds = leave * 1e9 / (double)set.gossip_interval_ns;
    double rounds = secs * 1e9 / (double)set.gossip_interval_ns;
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    printf("{\"runtime\":\"akt\",\"scenario\":\"cluster-sim\",\"params\":{"
           "\"nodes\":%d,\"profile\":\"default\",\"gossip_interval_s\":%.3f,"
           "\"seed\":%" PRIu64 "},"
           "\"unit\":\"virtual s\",\"join_convergence_s\":%.3f,"
           "\"leave_removed_s\":%.3f,\"steady_bytes_per_round\":%.1f,"
           "\"change_bytes_per_round\":%.1f,"
           "\"gossip_msg_bytes\":%zu,\"gossip_per_node_s\":%.3f,"
           "\"status_per_node_s\":%.3f,\"messages_per_node_s\":%.2f,"
           "\"heartbeats_per_node_s\":%.2f,\"cpu_us_per_node_s\":%.1f,"
           "\"version\":\"%s\",\"machine\":{\"cores\":%ld}}\n",
        n, (double)set.gossip_interval_ns / 1e9, seed, join, leave,
        gossip_bytes / ((double)n * rounds),
        change_rounds > 0 ? change_bytes / ((double)n * change_rounds) : 0.0,
        len, gossip_msgs / ((double)n * secs), status_msgs / ((double)n * secs),
        msgs / ((double)n * secs), hbs / ((double)n * secs),
        cpu * 1e6 / ((double)n * secs), AKT_VERSION_STRING,
        sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
    sim_free(s);
}

int
main(int argc, char **argv)
{
    int sizes[16] = { 10, 50, 200 }, nsizes = 3;
    uint64_t seed = 42;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--smoke") == 0) {
            sizes[0] = 10;
            nsizes = 1;
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
            nsizes = 0;
            for (char *p = argv[++i]; *p && nsizes < 16;) {
                sizes[nsizes++] = (int)strtol(p, &p, 10);
                if (*p == ',') {
                    p++;
                }
            }
        } else {
            fprintf(stderr,
                "usage: %s [--sizes 10,50,200] [--seed S] [--smoke]\n",
                argv[0]);
            return 2;
        }
    }
    for (int i = 0; i < nsizes; i++) {
        if (sizes[i] < 2 || sizes[i] > 2000) {
            fprintf(stderr, "%s: size %d out of range 2..2000\n", argv[0],
                sizes[i]);
            return 2;
        }
        bench(sizes[i], seed);
    }
    return 0;
}
