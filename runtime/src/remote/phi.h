/*
 * phi.h -- phi-accrual failure detector (Hayashibara et al., as in Akka).
 *
 * Keeps a window of heartbeat inter-arrival times; phi(now) is
 * -log10(P(a heartbeat arrives later than now)) under a normal
 * distribution fitted to the window (mean + acceptable pause, std dev at
 * least min_std_dev). A peer is considered failed when phi > threshold.
 * Not thread-safe: the caller locks.
 */
#ifndef AKT_REMOTE_PHI_H
#define AKT_REMOTE_PHI_H

#include <stdbool.h>
#include <stdint.h>

#include "akt/export.h"

#define AKTI_PHI_WINDOW 200

typedef struct akti_phi {
    double threshold;
    int64_t min_std_dev_ns;
    int64_t acceptable_pause_ns;
    int64_t first_estimate_ns; /* the heartbeat interval */
    int64_t last_ns; /* 0: no heartbeat yet */
    double samples[AKTI_PHI_WINDOW];
    uint32_t n, head;
    double sum, sum_sq;
} akti_phi;

AKTI_INTERNAL void akti_phi_init(akti_phi *p, double threshold,
    int64_t heartbeat_interval_ns, int64_t acceptable_pause_ns,
    int64_t min_std_dev_ns);
/* akti_phi_heartbeat -- record a heartbeat that arrived at now_ns. */
AKTI_INTERNAL void akti_phi_heartbeat(akti_phi *p, int64_t now_ns);
/* akti_phi_touch -- the peer was heard from at now_ns, but the interval
 * is not a sample (a stale answer after a partition healed, or one that
 * came after the peer was already judged failed: adding it would distort
 * the mean and deviation). Starts the detector if it was not. */
AKTI_INTERNAL void akti_phi_touch(akti_phi *p, int64_t now_ns);
/* akti_phi_value -- phi at now_ns; 0 before the first heartbeat. */
AKTI_INTERNAL double akti_phi_value(const akti_phi *p, int64_t now_ns);
AKTI_INTERNAL bool akti_phi_available(const akti_phi *p, int64_t now_ns);

#endif /* AKT_REMOTE_PHI_H */
