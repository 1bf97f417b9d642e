/*
 * sim.h -- the cluster's in-process simulation (tier 2 of the test plan):
 * N membership nodes (cluster/node.c, the same protocol code the binding
 * over remoting runs) in one thread under virtual time, exchanging their
 * real wire bytes through a fault-injecting network shim:
 *   - per directed link: blackhole (drop, as Akka's TestStage; or hold and
 *     deliver the backlog in one burst after the heal, as TCP does --
 *     measured in CLUSTER.md §4.3), added delay and jitter, random drop;
 *   - per node: crash (kill -9), pause (SIGSTOP: nothing runs, messages
 *     queue, then all of them arrive at once and the ticks run late),
 *     restart at the same address as a new incarnation;
 *   - a seeded random generator for every choice, so a failing schedule
 *     is replayed from its seed.
 * Every node's events go to one merged log (virtual time, node, event),
 * and invariants are checked while it runs: at most one node acts as
 * leader with convergence at any instant (not counting nodes Down in
 * their own view), and each node's view of each member only moves forward
 * in status. Used by tests/cluster/sim_test.c and bench/cluster_sim_bench.c.
 */
#ifndef AKT_TESTS_CLUSTER_SIM_H
#define AKT_TESTS_CLUSTER_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "cluster/node.h"

#define SIM_MS(x) ((int64_t)(x)*1000000LL)
#define SIM_S(x)  ((int64_t)(x)*1000000000LL)

typedef struct sim sim;

typedef struct sim_event {
    int64_t t;
    int slot; /* the observer */
    akti_cl_event_kind kind;
    uint64_t subject; /* uid; 0 for a leader change to none */
    akt_member_status status, prev;
} sim_event;

typedef struct sim_stop {
    int64_t t;
    int slot;
    akti_cl_stop why;
} sim_stop;

/* sim_new -- addresses 0..naddrs-1 (port 10000+i, so address order is
 * index order); every node gets settings set; seed drives everything. */
sim *sim_new(int naddrs, const akti_cl_settings *set, uint64_t seed);
void sim_free(sim *s);

/* sim_start -- a new incarnation at address addr, joining through the
 * seed addresses; returns its slot (slots are never reused). */
int sim_start(sim *s, int addr, const int *seeds, int nseeds);
void sim_crash(sim *s, int slot);
void sim_pause(sim *s, int slot, bool paused);
/* the process at address addr now (latest incarnation), -1 if none */
int sim_slot_of(const sim *s, int addr);
akti_clnode *sim_node(sim *s, int slot);
bool sim_alive(const sim *s, int slot); /* started, not crashed/stopped */
uint64_t sim_uid(const sim *s, int slot);

/* links between addresses (directed: from a to b) */
void sim_block(sim *s, int a, int b, bool hold);
/* cut every link between side (n addresses) and the rest, both ways */
void sim_partition(sim *s, const int *side, int n, bool hold);
/* every link open again, no delay or drop; held backlogs arrive in one
 * burst after TCP's retransmission backoff (1.8 s) */
void sim_heal(sim *s);
void sim_delay(sim *s, int a, int b, int64_t delay_ns, int64_t jitter_ns);
void sim_drop(sim *s, int a, int b, double p);
/* drop the messages from a to b whose kind k (akti_clm_kind) has bit
 * 1 << k set in kinds (0: none; sim_heal clears it) */
void sim_drop_kinds(sim *s, int a, int b, uint32_t kinds);

int64_t sim_now(const sim *s);
/* sim_run -- advance virtual time to t */
void sim_run(sim *s, int64_t t);
/* sim_run_until -- advance until pred holds (checked after every step) or
 * the deadline passes: the time it held, or -1 */
int64_t sim_run_until(
    sim *s, int64_t deadline, bool (*pred)(sim *s, void *arg), void *arg);

/* what observer's view says of subject's status; -1: not a member (and
 * AKT_MEMBER_REMOVED when tombstoned) */
int sim_status(const sim *s, int observer, int subject);
/* observer sees subject unreachable (aggregate) */
bool sim_unreachable(const sim *s, int observer, int subject);
/* every live slot in slots[] sees exactly the slots in members[] as Up
 * and reachable, has convergence and agrees on the leader */
bool sim_agree(
    const sim *s, const int *slots, int n, const int *members, int nmembers);

/* the merged log */
const sim_event *sim_events(const sim *s, int *n);
const sim_stop *sim_stops(const sim *s, int *n);
/* the first time observer logged kind about subject after t0; -1 none */
int64_t sim_first(const sim *s, int observer, akti_cl_event_kind kind,
    int subject, int64_t t0);

/* invariant violations so far (0: none) and the first one's text */
int sim_violations(const sim *s, const char **first);
void sim_set_checks(sim *s, bool on);
/* print the log (for a failing test) */
void sim_dump(const sim *s, int max_lines);

typedef struct sim_stats {
    uint64_t messages, bytes, gossip_bytes, gossip_messages, status_messages;
    uint64_t status_bytes;
    uint64_t heartbeats, dropped, held;
} sim_stats;
void sim_stats_get(const sim *s, sim_stats *out);

#endif /* AKT_TESTS_CLUSTER_SIM_H */
