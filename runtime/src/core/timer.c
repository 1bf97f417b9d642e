/*
 * timer.c -- one hashed timing wheel per system (Varghese & Lauck).
 *
 * Entries are intrusive (akti_timer, embedded by the owner: a promise for
 * its ask timeout, a cell for a backoff restart; later timers, receive
 * timeouts and the testkit's virtual time build on the same calls). A
 * deadline hashes to bucket (deadline / tick) % size; an entry further away
 * than one revolution simply stays in its bucket until its tick comes.
 * start and cancel are O(1) under one mutex; firing collects due entries
 * under the lock and calls them outside it, so a callback may start or
 * cancel timers. The clock is pluggable: monotonic by default, driven by a
 * thread that sleeps one tick at a time; with a manual clock there is no
 * thread and the owner calls akti_wheel_advance() after moving time.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

struct akti_wheel {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    akti_timer *buckets; /* sentinels of circular lists */
    uint32_t size; /* power of two */
    int64_t tick;
    int64_t done_tick; /* every tick <= this has fired */
    akti_clock clock;
    bool own_thread, stop;
    int64_t sleep_until; /* monotonic time the thread wakes by itself */
    pthread_t th;
    uint64_t armed;
};

static int64_t
mono_now(void *arg)
{
    (void)arg;
    return akti_now_ns();
}

int64_t
akti_manual_clock_now(void *arg)
{
    return atomic_load((_Atomic int64_t *)arg);
}

int64_t
akti_wheel_now(akti_wheel *w)
{
    return w->clock.now(w->clock.arg);
}

static void *
wheel_main(void *arg)
{
    akti_wheel *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        /* sleep one tick, or 64 while nothing is armed; start() signals
         * only a deadline earlier than sleep_until, so an ask (seconds
         * away) never wakes this thread */
        int64_t nap = w->armed == 0 ? w->tick * 64 : w->tick;
        w->sleep_until = akti_now_ns() + nap;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + nap % 1000000000;
        ts.tv_sec += nap / 1000000000 + ns / 1000000000;
        ts.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        if (w->stop) {
            break;
        }
        pthread_mutex_unlock(&w->mu);
        akti_wheel_advance(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    akti_msg_cache_flush();
    return NULL;
}

akt_err
akti_wheel_create(int64_t tick_ns, uint32_t size, const akti_clock *clock,
    bool own_thread, akti_wheel **out)
{
    if (tick_ns <= 0) {
        tick_ns = 10000000;
    }
    uint32_t n = 1;
    while (n < size && n < (1u << 20)) {
        n <<= 1;
    }
    akti_wheel *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return AKT_ENOMEM;
    }
    w->buckets = calloc(n, sizeof(akti_timer));
    if (w->buckets == NULL) {
        free(w);
        return AKT_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        w->buckets[i].next = w->buckets[i].prev = &w->buckets[i];
    }
    w->size = n;
    w->tick = tick_ns;
    w->clock = clock ? *clock : (akti_clock) { mono_now, NULL };
    w->done_tick = w->clock.now(w->clock.arg) / tick_ns;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->own_thread = own_thread;
    if (own_thread && pthread_create(&w->th, NULL, wheel_main, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w->buckets);
        free(w);
        return AKT_ENOMEM;
    }
    *out = w;
    return AKT_OK;
}

void
akti_wheel_free(akti_wheel *w)
{
    if (w == NULL) {
        return;
    }
    if (w->own_thread) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->th, NULL);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w->buckets);
    free(w);
}

void
akti_timer_start(
    akti_wheel *w, akti_timer *t, int64_t delay_ns, akti_timer_fn fn, void *arg)
{
    if (delay_ns < 0) {
        delay_ns = 0;
    }
    int64_t now = w->clock.now(w->clock.arg);
    int64_t dl = (delay_ns > INT64_MAX - now) ? INT64_MAX : now + delay_ns;
    t->fn = fn;
    t->arg = arg;
    t->deadline = dl;
    pthread_mutex_lock(&w->mu);
    int64_t tk = dl / w->tick + (dl % w->tick != 0); /* round up: never early */
    if (tk <= w->done_tick) {
        tk = w->done_tick + 1; /* never into a bucket already swept */
    }
    akti_timer *b = &w->buckets[(uint64_t)tk & (w->size - 1)];
    t->next = b;
    t->prev = b->prev;
    b->prev->next = t;
    b->prev = t;
    t->armed = 1;
    w->armed++;
    if (w->own_thread && dl < w->sleep_until) {
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
}

bool
akti_timer_cancel(akti_wheel *w, akti_timer *t)
{
    bool was = false;
    pthread_mutex_lock(&w->mu);
    if (t->armed) {
        t->prev->next = t->next;
        t->next->prev = t->prev;
        t->next = t->prev = NULL;
        t->armed = 0;
        w->armed--;
        was = true;
    }
    pthread_mutex_unlock(&w->mu);
    return was;
}

void
akti_wheel_advance(akti_wheel *w)
{
    int64_t now = w->clock.now(w->clock.arg);
    int64_t now_tick = now / w->tick;
    akti_timer *fire = NULL;
    pthread_mutex_lock(&w->mu);
    int64_t from = w->done_tick + 1;
    if (now_tick - from >= (int64_t)w->size) {
        from = now_tick - (int64_t)w->size + 1; /* one revolution covers all */
    }
    for (int64_t tk = from; tk <= now_tick; tk++) {
        akti_timer *b = &w->buckets[(uint64_t)tk & (w->size - 1)];
        for (akti_timer *t = b->next; t != b;) {
            akti_timer *n = t->next;
            int64_t ttk = t->deadline / w->tick + (t->deadline % w->tick != 0);
            if (ttk <= now_tick) {
                t->prev->next = t->next;
                t->next->prev = t->prev;
                t->armed = 0;
                w->armed--;
                t->next = fire;
                t->prev = NULL;
                fire = t;
            }
            t = n;
        }
    }
    if (now_tick > w->done_tick) {
        w->done_tick = now_tick;
    }
    pthread_mutex_unlock(&w->mu);
    /* fire in deadline order is not promised; reverse to start order */
    akti_timer *r = NULL;
    while (fire) {
        akti_timer *n = fire->next;
        fire->next = r;
        r = fire;
        fire = n;
    }
    while (r) {
        akti_timer *n = r->next;
        r->next = NULL;
        r->fn(r, r->arg);
        r = n;
    }
}

int64_t
akti_wheel_next_due(akti_wheel *w)
{
    int64_t best = INT64_MAX;
    pthread_mutex_lock(&w->mu);
    for (uint32_t i = 0; i < w->size && w->armed > 0; i++) {
        akti_timer *b = &w->buckets[i];
        for (akti_timer *t = b->next; t != b; t = t->next) {
            int64_t tk = t->deadline / w->tick + (t->deadline % w->tick != 0);
            if (tk <= w->done_tick) {
                tk = w->done_tick + 1; /* where start() put it */
            }
            if (tk < best) {
                best = tk;
            }
        }
    }
    pthread_mutex_unlock(&w->mu);
    return best == INT64_MAX || best > INT64_MAX / w->tick ? INT64_MAX
                                                           : best * w->tick;
}
