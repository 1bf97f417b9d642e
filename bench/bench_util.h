/*
 * bench_util.h -- what akt's benchmark programs share: the one-integer
 * message they send, error exits, the clock, the CPU model for the JSON
 * "machine" field, percentiles, and a system with a given worker count.
 * Header-only (static inline) so each program stays one .c file.
 * Set bench_prog in main() for error messages.
 */
#ifndef AKT_BENCH_UTIL_H
#define AKT_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/akt.h"

static const char *bench_prog = "akt-bench";

/* The payload of every benchmark message: one integer, allocated per send
 * as a user's code would. */
typedef struct bench_Int {
    int64_t v;
} bench_Int;

static inline void
must(akt_err rc, const char *what)
{
    if (rc != AKT_OK) {
        fprintf(stderr, "%s: %s: %s\n", bench_prog, what, akt_strerror(rc));
        exit(1);
    }
}

static inline void *
mk(const akt_type *t, int64_t v)
{
    bench_Int *m = akt_msg_new(t, 0);
    if (m == NULL) {
        fprintf(stderr, "%s: out of memory\n", bench_prog);
        exit(1);
    }
    m->v = v;
    return m;
}

static inline double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The CPU model from /proc/cpuinfo, JSON-escaped ("unknown" without it). */
static char cpu_model[256] = "unknown";

static inline void
read_cpu(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0) {
            continue;
        }
        char *p = strchr(line, ':');
        if (p) {
            p++;
            while (*p == ' ' || *p == '\t') {
                p++;
            }
            size_t j = 0;
            for (; *p && *p != '\n' && j + 2 < sizeof cpu_model; p++) {
                if (*p == '"' || *p == '\\') {
                    cpu_model[j++] = '\\';
                }
                if ((unsigned char)*p >= 0x20) {
                    cpu_model[j++] = *p;
                }
            }
            cpu_model[j] = '\0';
        }
        break;
    }
    fclose(f);
}

/* A JSON number with fmt, or null for a negative ("not measured") value. */
static inline void
num_or_null(char *buf, size_t len, double v, const char *fmt)
{
    if (v < 0) {
        snprintf(buf, len, "null");
    } else {
        snprintf(buf, len, fmt, v);
    }
}

static inline int
cmp_d(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* p50 and p99 of n samples (sorts v); -1 for both when n is 0. */
static inline void
percentiles(double *v, size_t n, double *p50, double *p99)
{
    if (n == 0) {
        *p50 = *p99 = -1;
        return;
    }
    qsort(v, n, sizeof(double), cmp_d);
    size_t i50 = (size_t)(0.50 * (double)(n - 1) + 0.5);
    size_t i99 = (size_t)(0.99 * (double)(n - 1) + 0.5);
    *p50 = v[i50 < n ? i50 : n - 1];
    *p99 = v[i99 < n ? i99 : n - 1];
}

/* A system named name with `threads` default-dispatcher workers and dead
 * letter logging off (the benchmarks count, they do not log). */
static inline akt_system *
bench_system(const char *name, int threads)
{
    akt_config *cfg = NULL, *c2 = NULL;
    must(akt_config_load(NULL, &cfg, NULL), "config");
    char v[32];
    snprintf(v, sizeof v, "%d", threads);
    must(akt_config_override(
             cfg, "akt.actor.default-dispatcher.workers", v, &c2, NULL),
        "config");
    akt_config_release(cfg);
    must(akt_config_override(
             c2, "akt.actor.dead-letters.log", "off", &cfg, NULL),
        "config");
    akt_config_release(c2);
    akt_system *sys;
    must(akt_system_create(name, cfg, &sys), "system");
    akt_config_release(cfg);
    return sys;
}

#endif /* AKT_BENCH_UTIL_H */
