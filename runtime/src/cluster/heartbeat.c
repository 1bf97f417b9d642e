/*
 * heartbeat.c -- per-receiver failure detection state for the cluster's
 * heartbeats: sequence numbers, the first-answer deadline, and which
 * responses become phi samples (heartbeat.h states the rules).
 */
#include "cluster/heartbeat.h"

#include <stdlib.h>
#include <string.h>

void
akti_cl_fd_settings_default(akti_cl_fd_settings *s)
{
    s->interval_ns = 1000000000LL;
    s->acceptable_pause_ns = 3000000000LL;
    s->threshold = 8.0;
    s->min_std_dev_ns = 100000000LL;
    s->expected_response_after_ns = 1000000000LL;
    s->monitored_by = 9;
}

void
akti_cl_hb_init(akti_cl_hb *hb, const akti_cl_fd_settings *set)
{
    memset(hb, 0, sizeof(*hb));
    hb->set = *set;
}

void
akti_cl_hb_fini(akti_cl_hb *hb)
{
    free(hb->peers);
    memset(hb, 0, sizeof(*hb));
}

static akti_cl_hb_peer *
find(const akti_cl_hb *hb, uint64_t uid)
{
    for (uint32_t i = 0; i < hb->n; i++) {
        if (hb->peers[i].uid == uid) {
            return &hb->peers[i];
        }
    }
    return NULL;
}

akt_err
akti_cl_hb_set_receivers(akti_cl_hb *hb, const uint64_t *uids, uint32_t n)
{
    akti_cl_hb_peer *np = NULL;
    if (n > 0) {
        np = malloc(sizeof(*np) * n);
        if (np == NULL) {
            return AKT_ENOMEM;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        akti_cl_hb_peer *old = find(hb, uids[i]);
        if (old != NULL) {
            np[i] = *old;
            continue;
        }
        memset(&np[i], 0, sizeof(np[i]));
        np[i].uid = uids[i];
        akti_phi_init(&np[i].phi, hb->set.threshold, hb->set.interval_ns,
            hb->set.acceptable_pause_ns, hb->set.min_std_dev_ns);
    }
    free(hb->peers);
    hb->peers = np;
    hb->n = hb->cap = n;
    return AKT_OK;
}

uint64_t
akti_cl_hb_tick(akti_cl_hb *hb, int64_t now_ns)
{
    for (uint32_t i = 0; i < hb->n; i++) {
        akti_cl_hb_peer *p = &hb->peers[i];
        if (p->first_sent_ns == 0) {
            p->first_sent_ns = now_ns;
        } else if (!p->started
            && now_ns - p->first_sent_ns
                >= hb->set.expected_response_after_ns) {
            /* no answer yet: start the clock so silence is detected */
            akti_phi_touch(&p->phi, now_ns);
            p->started = true;
        }
    }
    return ++hb->seq;
}

bool
akti_cl_hb_response(
    akti_cl_hb *hb, uint64_t uid, uint64_t seq, int64_t sent_ns, int64_t now_ns)
{
    akti_cl_hb_peer *p = find(hb, uid);
    if (p == NULL || seq <= p->last_seq || seq > hb->seq) {
        hb->stale++;
        return false;
    }
    p->last_seq = seq;
    bool old = now_ns - sent_ns > 2 * hb->set.interval_ns;
    if (!p->answered) {
        /* the first answer: no interval to learn from yet (also when the
         * clock was started by the overdue rule) */
        akti_phi_touch(&p->phi, now_ns);
        p->started = p->answered = true;
    } else if (old || !akti_phi_available(&p->phi, now_ns)) {
        akti_phi_touch(&p->phi, now_ns);
        hb->late++;
    } else {
        akti_phi_heartbeat(&p->phi, now_ns);
    }
    return true;
}

double
akti_cl_hb_phi(const akti_cl_hb *hb, uint64_t uid, int64_t now_ns)
{
    const akti_cl_hb_peer *p = find(hb, uid);
    if (p == NULL || !p->started) {
        return 0.0;
    }
    return akti_phi_value(&p->phi, now_ns);
}

bool
akti_cl_hb_available(const akti_cl_hb *hb, uint64_t uid, int64_t now_ns)
{
    const akti_cl_hb_peer *p = find(hb, uid);
    if (p == NULL || !p->started) {
        return true;
    }
    return akti_phi_available(&p->phi, now_ns);
}

bool
akti_cl_hb_monitors(const akti_cl_hb *hb, uint64_t uid)
{
    return find(hb, uid) != NULL;
}

bool
akti_cl_tick_late(int64_t prev_ns, int64_t now_ns, int64_t interval_ns)
{
    return prev_ns != 0 && now_ns - prev_ns >= 2 * interval_ns;
}
