/*
 * latch.h -- a counter a test waits on: callbacks and handlers count up,
 * the test blocks on a condition variable until a target (with a generous
 * timeout), never a sleep-and-poll loop. Shared by the suites (tests/ is
 * on their include path).
 */
#ifndef AKT_TESTS_LATCH_H
#define AKT_TESTS_LATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* A latch: handlers count up, the test waits (condition variable, no
 * sleep-polling) for a target with a generous timeout. */
typedef struct t_latch {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t n;
} t_latch;

#define T_LATCH_INIT                                                           \
    {                                                                          \
        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0                 \
    }

static inline void
t_latch_add(t_latch *l, int64_t k)
{
    pthread_mutex_lock(&l->mu);
    l->n += k;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
}

static inline int64_t
t_latch_get(t_latch *l)
{
    pthread_mutex_lock(&l->mu);
    int64_t n = l->n;
    pthread_mutex_unlock(&l->mu);
    return n;
}

static inline bool
t_latch_wait(t_latch *l, int64_t target, int64_t timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&l->mu);
    while (l->n < target) {
        if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) != 0) {
            break;
        }
    }
    bool ok = l->n >= target;
    pthread_mutex_unlock(&l->mu);
    return ok;
}

#endif
