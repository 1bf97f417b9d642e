/*
 * timers_bench.c -- the timing wheel, measured.
 *
 *   akt-bench-timers [--n N] [--timers T] [--smoke]
 *
 * Scenarios (one JSON line each, "runtime":"akt"):
 *   timer-start-cancel        akt_schedule_once + akt_task_cancel from a
 *                             plain thread: ns per start+cancel pair
 *   actor-timer-start-cancel  akt_timer_start_single + akt_timer_cancel
 *                             inside one handler (keyed, per actor; the
 *                             message allocation included)
 *   timers-concurrent-fire    T one-off timers (1,000,000 by default) all
 *                             armed at once, all due at the same moment:
 *                             how fast the wheel fires them (timers/s from
 *                             the deadline to the last firing) and the
 *                             start cost while the wheel fills up
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "akt/akt.h"

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
emit(const char *scenario, const char *params, int64_t n, double seconds,
    double rate, const char *unit, double ns_per_op)
{
    printf("{\"runtime\":\"akt\",\"scenario\":\"%s\",\"params\":{%s},\"n\":"
           "%" PRId64
           ",\"seconds\":%.6f,\"rate\":%.1f,\"unit\":\"%s\",\"ns_per_op\":%.1f,"
           "\"version\":\"%s\",\"machine\":{\"cores\":%ld}}\n",
        scenario, params, n, seconds, rate, unit, ns_per_op, AKT_VERSION_STRING,
        sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
}

static void
nop(void *arg)
{
    (void)arg;
}

static void
bench_start_cancel(akt_system *sys, int64_t n)
{
    int64_t t0 = now_ns();
    for (int64_t i = 0; i < n; i++) {
        akt_task *t;
        if (akt_schedule_once(sys, AKT_SEC(60), nop, NULL, NULL, &t)
            != AKT_OK) {
            abort();
        }
        akt_task_cancel(t);
        akt_task_release(t);
    }
    double s = (double)(now_ns() - t0) / 1e9;
    char params[64];
    snprintf(params, sizeof params, "\"n\":%" PRId64, n);
    emit("timer-start-cancel", params, n, s, (double)n / s, "pairs/s",
        s * 1e9 / (double)n);
}

/* --- inside an actor ------------------------------------------------------ */

typedef struct b_Run {
    int64_t n;
} b_Run;

static const akt_type b_run_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE,
    .name = "bench.Run",
    .id = 0xbe0c4001ull,
    .size = sizeof(b_Run),
    .align = _Alignof(b_Run),
};

static akt_err
run_timers(void *state, akt_ctx *ctx, const void *msg)
{
    int64_t n = ((const b_Run *)msg)->n;
    int64_t t0 = now_ns();
    for (int64_t i = 0; i < n; i++) {
        b_Run *m = akt_msg_new(&b_run_type, 0);
        if (m == NULL
            || akt_timer_start_single(ctx, (uint64_t)(i & 63), m, AKT_SEC(60))
                != AKT_OK) {
            abort();
        }
        akt_timer_cancel(ctx, (uint64_t)(i & 63));
    }
    b_Run *r = akt_msg_new(&b_run_type, 0);
    r->n = now_ns() - t0;
    return akt_reply(ctx, r);
}

static const akt_handler run_h[] = { { &b_run_type, run_timers } };
static const akt_behavior run_b
    = { .name = "timers", .handlers = run_h, .nhandlers = 1 };

static void
bench_actor_start_cancel(akt_system *sys, int64_t n)
{
    akt_props p = { .behavior = &run_b };
    akt_ref a;
    if (akt_spawn(sys, &p, "timers", &a) != AKT_OK) {
        abort();
    }
    b_Run *m = akt_msg_new(&b_run_type, 0);
    m->n = n;
    akt_future *f;
    void *reply;
    if (akt_ask(a, m, AKT_SEC(600), &f) != AKT_OK
        || akt_future_wait(f, AKT_SEC(600), &reply) != AKT_OK) {
        abort();
    }
    akt_future_release(f);
    double s = (double)((b_Run *)reply)->n / 1e9;
    akt_msg_free(reply);
    char params[64];
    snprintf(params, sizeof params, "\"n\":%" PRId64, n);
    emit("actor-timer-start-cancel", params, n, s, (double)n / s, "pairs/s",
        s * 1e9 / (double)n);
    akt_stop(a);
}

/* --- a million at once ------------------------------------------------------
 */

static _Atomic int64_t fired;
static _Atomic int64_t last_fire;

static void
count(void *arg)
{
    (void)arg;
    atomic_fetch_add_explicit(&fired, 1, memory_order_relaxed);
    atomic_store_explicit(&last_fire, now_ns(), memory_order_relaxed);
}

static void
bench_concurrent(akt_system *sys, int64_t n)
{
    atomic_store(&fired, 0);
    int64_t spread = 0, lead = AKT_MS(1000);
    int64_t t0 = now_ns();
    for (int64_t i = 0; i < n; i++) {
        /* every timer due at t0 + lead (+ spread * i / n) */
        int64_t delay = lead + spread * i / n - (now_ns() - t0);
        if (akt_schedule_once(
                sys, delay < 0 ? 0 : delay, count, NULL, NULL, NULL)
            != AKT_OK) {
            abort();
        }
    }
    int64_t armed = now_ns() - t0;
    while (atomic_load(&fired) < n) {
        usleep(1000);
        if (now_ns() - t0 > AKT_SEC(120)) {
            fprintf(stderr,
                "timers bench: only %" PRId64 " of %" PRId64 " fired\n",
                atomic_load(&fired), n);
            break;
        }
    }
    int64_t first_due = t0 + lead;
    double fire_s = (double)(atomic_load(&last_fire) - first_due) / 1e9;
    char params[128];
    snprintf(params, sizeof params,
        "\"timers\":%" PRId64 ",\"spread_ms\":0,\"start_ns_per_timer\":%.1f", n,
        (double)armed / (double)n);
    emit("timers-concurrent-fire", params, atomic_load(&fired), fire_s,
        (double)atomic_load(&fired) / fire_s, "timers/s",
        fire_s * 1e9 / (double)n);
}

int
main(int argc, char **argv)
{
    int64_t n = 1000000, timers = 1000000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
            n = atoll(argv[++i]);
        } else if (strcmp(argv[i], "--timers") == 0 && i + 1 < argc) {
            timers = atoll(argv[++i]);
        } else if (strcmp(argv[i], "--smoke") == 0) {
            n = 10000;
            timers = 10000;
        } else {
            fprintf(
                stderr, "usage: %s [--n N] [--timers T] [--smoke]\n", argv[0]);
            return 2;
        }
    }
    akt_config *cfg, *c2;
    if (akt_config_load(NULL, &cfg, NULL) != AKT_OK
        || akt_config_override(
               cfg, "akt.actor.dead-letters.log", "off", &c2, NULL)
            != AKT_OK) {
        return 1;
    }
    akt_config_release(cfg);
    akt_system *sys;
    if (akt_system_create("bench-timers", c2, &sys) != AKT_OK) {
        return 1;
    }
    akt_config_release(c2);
    bench_start_cancel(sys, n);
    bench_actor_start_cancel(sys, n);
    bench_concurrent(sys, timers);
    akt_system_free(sys);
    return 0;
}
