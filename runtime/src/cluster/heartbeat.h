/*
 * heartbeat.h -- the cluster's failure detector: heartbeats to the next N
 * members on the ring (membership.h, akti_cl_hb_receivers), phi accrual on
 * their responses (remoting's remote/phi.c: one implementation, Akka's
 * formula), and the rules for what a response may teach the detector.
 *
 * Internal to runtime/src/cluster/. Pure like the rest of the core: the
 * caller passes the time and sends the heartbeats; nothing here blocks.
 *
 * Rules (docs/cluster.md, "Failure detection"):
 *  - a heartbeat carries a sequence number and the sender's send time,
 *    and the response echoes both: only the sender reads its own clock;
 *  - a response whose seq is not above the last one accepted from that
 *    member is a duplicate or stale: ignored (counted);
 *  - a response older than 2 heartbeat intervals, or one that arrives
 *    after the member was already judged unavailable, proves the member
 *    lives but is not a phi sample (a burst of delayed answers after a
 *    partition heals would shrink the mean and the deviation);
 *  - if no response comes within expected-response-after of the first
 *    heartbeat, the detector starts anyway, so a member that never answers
 *    is still detected (Akka's fix for akka#18014).
 */
#ifndef AKT_CLUSTER_HEARTBEAT_H
#define AKT_CLUSTER_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

#include "akt/err.h"
#include "akt/export.h"
#include "remote/phi.h"

typedef struct akti_cl_fd_settings {
    int64_t interval_ns; /* heartbeat-interval (1 s) */
    int64_t acceptable_pause_ns; /* acceptable-heartbeat-pause (3 s) */
    double threshold; /* threshold (8.0) */
    int64_t min_std_dev_ns; /* min-std-deviation (100 ms) */
    int64_t expected_response_after_ns; /* expected-response-after (1 s) */
    uint32_t monitored_by; /* monitored-by-nr-of-members (9) */
} akti_cl_fd_settings;

typedef struct akti_cl_hb_peer {
    uint64_t uid;
    uint64_t last_seq; /* highest seq answered */
    int64_t first_sent_ns; /* first heartbeat to it; 0: none yet */
    bool started; /* the detector runs (a response, or overdue) */
    bool answered; /* at least one response accepted */
    akti_phi phi;
} akti_cl_hb_peer;

typedef struct akti_cl_hb {
    akti_cl_fd_settings set;
    uint64_t seq; /* the last seq sent */
    akti_cl_hb_peer *peers;
    uint32_t n, cap;
    uint64_t stale; /* duplicate or out-of-order responses ignored */
    uint64_t late; /* responses that only touched the detector */
} akti_cl_hb;

/* Akka's defaults */
AKTI_INTERNAL void akti_cl_fd_settings_default(akti_cl_fd_settings *s);

AKTI_INTERNAL void akti_cl_hb_init(
    akti_cl_hb *hb, const akti_cl_fd_settings *set);
AKTI_INTERNAL void akti_cl_hb_fini(akti_cl_hb *hb);

/* akti_cl_hb_set_receivers -- monitor exactly these n members: state of
 * those already monitored is kept, new ones start fresh, the others are
 * forgotten. AKT_ENOMEM leaves the set unchanged. */
AKTI_INTERNAL akt_err akti_cl_hb_set_receivers(
    akti_cl_hb *hb, const uint64_t *uids, uint32_t n);

/* akti_cl_hb_tick -- a heartbeat round at now: returns the seq to send
 * (with now as its send time) to every receiver, and starts the detector
 * of a receiver whose first answer is overdue. */
AKTI_INTERNAL uint64_t akti_cl_hb_tick(akti_cl_hb *hb, int64_t now_ns);

/* akti_cl_hb_response -- a response from uid echoing seq and sent_ns
 * arrived at now. false: ignored (not monitored, duplicate or stale). */
AKTI_INTERNAL bool akti_cl_hb_response(akti_cl_hb *hb, uint64_t uid,
    uint64_t seq, int64_t sent_ns, int64_t now_ns);

/* akti_cl_hb_available -- false only for a monitored member whose
 * detector runs and whose phi is at or over the threshold */
AKTI_INTERNAL bool akti_cl_hb_available(
    const akti_cl_hb *hb, uint64_t uid, int64_t now_ns);
AKTI_INTERNAL double akti_cl_hb_phi(
    const akti_cl_hb *hb, uint64_t uid, int64_t now_ns);
AKTI_INTERNAL bool akti_cl_hb_monitors(const akti_cl_hb *hb, uint64_t uid);

/* akti_cl_tick_late -- local-health awareness: a periodic task meant to
 * run every interval_ns ran at now after the previous run at prev: true
 * when it ran at least twice the interval late (we were paused or starved
 * ourselves: our silence, not theirs, may explain missing answers). */
AKTI_INTERNAL bool akti_cl_tick_late(
    int64_t prev_ns, int64_t now_ns, int64_t interval_ns);

#endif /* AKT_CLUSTER_HEARTBEAT_H */
