/*
 * phi.c -- the phi-accrual failure detector: a sliding window of heartbeat
 * intervals and the logistic approximation of the normal CDF that Akka uses
 * (accurate to ~1e-3, cheap, no erf()).
 */
#include "remote/phi.h"

#include <math.h>
#include <string.h>

static void
phi_add(akti_phi *p, double x)
{
    if (p->n == AKTI_PHI_WINDOW) {
        double old = p->samples[p->head];
        p->sum -= old;
        p->sum_sq -= old * old;
    } else {
        p->n++;
    }
    p->samples[p->head] = x;
    p->head = (p->head + 1) % AKTI_PHI_WINDOW;
    p->sum += x;
    p->sum_sq += x * x;
}

void
akti_phi_init(akti_phi *p, double threshold, int64_t heartbeat_interval_ns,
    int64_t acceptable_pause_ns, int64_t min_std_dev_ns)
{
    memset(p, 0, sizeof(*p));
    p->threshold = threshold;
    p->first_estimate_ns = heartbeat_interval_ns;
    p->acceptable_pause_ns = acceptable_pause_ns;
    p->min_std_dev_ns = min_std_dev_ns;
    /* seed with two samples around the expected interval (as Akka's
     * first-heartbeat-estimate), so the first real pause is judged sanely */
    double mean = (double)heartbeat_interval_ns, sd = mean / 4.0;
    phi_add(p, mean - sd);
    phi_add(p, mean + sd);
}

void
akti_phi_heartbeat(akti_phi *p, int64_t now_ns)
{
    if (p->last_ns != 0 && now_ns > p->last_ns) {
        phi_add(p, (double)(now_ns - p->last_ns));
    }
    if (now_ns > p->last_ns) {
        p->last_ns = now_ns;
    }
}

void
akti_phi_touch(akti_phi *p, int64_t now_ns)
{
    if (now_ns > p->last_ns) {
        p->last_ns = now_ns;
    }
}

double
akti_phi_value(const akti_phi *p, int64_t now_ns)
{
    if (p->last_ns == 0 || p->n == 0) {
        return 0.0;
    }
    double diff = (double)(now_ns - p->last_ns);
    double mean = p->sum / p->n;
    double var = p->sum_sq / p->n - mean * mean;
    double sd = var > 0 ? sqrt(var) : 0.0;
    if (sd < (double)p->min_std_dev_ns) {
        sd = (double)p->min_std_dev_ns;
    }
    mean += (double)p->acceptable_pause_ns;
    double y = (diff - mean) / sd;
    double e = exp(-y * (1.5976 + 0.070566 * y * y));
    if (diff > mean) {
        double v = e / (1.0 + e);
        return v <= 0 ? 1e9 : -log10(v);
    }
    double v = 1.0 - 1.0 / (1.0 + e);
    return v <= 0 ? 0.0 : -log10(v);
}

bool
akti_phi_available(const akti_phi *p, int64_t now_ns)
{
    return akti_phi_value(p, now_ns) < p->threshold;
}
