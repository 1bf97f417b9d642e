/*
 * akt_profiler.c -- akt's profiler: the four scenarios of the seed's
 * profiler (tell, ask, fanout, cpu), each measured after a warm-up as the
 * median of R repetitions with its spread, printed as JSON lines in the
 * schema of docs/profiler.md or as a markdown table.
 *
 *   akt-profiler --scenario tell|ask|fanout|cpu|all [--format json|md]
 *                [--n N] [--actors A] [--work W] [--reps R] [--warmup W]
 *                [--threads T] [--smoke]
 *   akt-profiler --list
 *
 * Every scenario runs in one actor system (created once, so warm-up reps
 * also warm the message pools and the workers), with --threads workers in
 * the default dispatcher (default 2). Every message is allocated per send
 * (akt_msg_new) except fanout's, which shares one message per round with
 * akt_msg_retain -- akt's broadcast idiom. In tell and ask main waits with
 * akt_future_wait (the API a plain thread uses; it may run ready actors
 * while it waits); in fanout and cpu it sleeps on a semaphore, so only the
 * dispatcher's workers run actors.
 *
 *   tell    a plain thread (main) tells n messages to one actor, then asks
 *           it for the count: one-way throughput from outside the runtime
 *           (akt-savina's `counting` is the actor-to-actor version).
 *   ask     a plain thread asks an echo actor n times, one outstanding,
 *           blocking on the future; p50/p99 of the round trip.
 *   fanout  a broadcaster actor sends n rounds; each round goes to every one
 *           of `actors` actors; ends when every actor has had n messages.
 *   cpu     main sends n messages round-robin to `actors` actors; each
 *           handler does `work` rounds of integer mixing. The same work is
 *           first timed inline on one thread: `speedup` = that time /
 *           the median time, `efficiency` = speedup / threads.
 */
#include <errno.h>
#include <inttypes.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "akt/akt.h"
#include "bench_util.h"

/* --- messages ------------------------------------------------------------- */

typedef bench_Int p_Int;

#define PTYPE(var, nm, idv)                                                    \
    static const akt_type var = { .abi = AKT_GEN_ABI,                          \
        .flags = AKT_TYPE_MESSAGE,                                             \
        .name = nm,                                                            \
        .id = idv,                                                             \
        .size = sizeof(p_Int),                                                 \
        .align = _Alignof(p_Int) }

PTYPE(int_type, "prof.Int", 0xbf01);
PTYPE(go_type, "prof.Go", 0xbf03);
PTYPE(done_type, "prof.Done", 0xbf04);
PTYPE(arm_type, "prof.Arm", 0xbf05);

/* main blocks on an ask and returns the reply's value (akt_future_wait:
 * a waiting plain thread may run ready actors itself) */
static int64_t
ask_wait(akt_ref to, const akt_type *t, int64_t v)
{
    akt_future *f;
    must(akt_ask(to, mk(t, v), AKT_FOREVER, &f), "ask");
    void *r = NULL;
    must(akt_future_wait(f, AKT_FOREVER, &r), "wait");
    int64_t out = r ? ((p_Int *)r)->v : 0;
    akt_msg_free(r);
    akt_future_release(f);
    return out;
}

/* A future's completion posted to a semaphore: main sleeps and never runs
 * actors, so only the dispatcher's workers do (fanout, cpu). */
typedef struct blocker {
    sem_t sem;
    akt_err status;
} blocker;

static void
blocker_done(akt_err status, const void *reply, void *arg)
{
    blocker *b = arg;
    b->status = status;
    sem_post(&b->sem);
}

static void
block_on(akt_future *f)
{
    blocker b = { .status = AKT_OK };
    sem_init(&b.sem, 0, 0);
    must(akt_future_on_complete(f, blocker_done, &b, NULL), "on_complete");
    while (sem_wait(&b.sem) != 0 && errno == EINTR) { }
    sem_destroy(&b.sem);
    must(b.status, "wait");
    akt_future_release(f);
}

/* --- options, results ----------------------------------------------------- */

typedef struct options {
    int64_t n, actors, work;
    int reps, warmup, threads;
    bool smoke, md;
} options;

/* one repetition's measurement */
typedef struct sample {
    double seconds, p50, p99; /* p50/p99 < 0: not measured */
} sample;

/* what a scenario reports (the median over reps and its spread) */
typedef struct result {
    const char *scenario, *unit;
    char params[128];
    int64_t messages; /* per repetition */
    double seconds, rate, rate_min, rate_max, spread, p50, p99;
    double speedup, baseline_s; /* cpu only; < 0 otherwise */
} result;

static double
median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Fold the samples into r: rate = count/seconds per rep, median and
 * spread (max - min) / median of the rates. */
static void
summarize(result *r, const sample *s, int reps, double count)
{
    double rates[reps], secs[reps], p50[reps], p99[reps];
    r->rate_min = r->rate_max = -1;
    for (int i = 0; i < reps; i++) {
        rates[i] = count / s[i].seconds;
        secs[i] = s[i].seconds;
        p50[i] = s[i].p50;
        p99[i] = s[i].p99;
        if (r->rate_min < 0 || rates[i] < r->rate_min) {
            r->rate_min = rates[i];
        }
        if (rates[i] > r->rate_max) {
            r->rate_max = rates[i];
        }
    }
    r->rate = median(rates, reps);
    r->seconds = median(secs, reps);
    r->spread = r->rate > 0 ? (r->rate_max - r->rate_min) / r->rate : 0;
    r->p50 = s[0].p50 < 0 ? -1 : median(p50, reps);
    r->p99 = s[0].p99 < 0 ? -1 : median(p99, reps);
}

static void
emit_json(const options *o, const result *r)
{
    char a[32], b[32], sp[32], bs[32];
    num_or_null(a, sizeof a, r->p50, "%.3f");
    num_or_null(b, sizeof b, r->p99, "%.3f");
    num_or_null(sp, sizeof sp, r->speedup, "%.3f");
    num_or_null(bs, sizeof bs, r->baseline_s, "%.6f");
    printf("{\"runtime\":\"akt\",\"scenario\":\"%s\",\"params\":{%s},"
           "\"messages\":%" PRId64 ",\"seconds\":%.6f,\"rate\":%.1f,\"unit\":"
           "\"%s\",\"threads\":%d,\"p50_us\":%s,"
           "\"p99_us\":%s,\"version\":\"%s\",\"machine\":{\"cores\":%ld,"
           "\"cpu\":\"%s\"},"
           "\"reps\":%d,\"warmup\":%d,\"spread\":%.4f,\"rate_min\":%.1f,\"rate_"
           "max\":%.1f",
        r->scenario, r->params, r->messages, r->seconds, r->rate, r->unit,
        o->threads, a, b, AKT_VERSION_STRING, sysconf(_SC_NPROCESSORS_ONLN),
        cpu_model, o->reps, o->warmup, r->spread, r->rate_min, r->rate_max);
    if (r->speedup >= 0) {
        printf(",\"speedup\":%s,\"efficiency\":%.3f,\"baseline_seconds\":%s",
            sp, r->speedup / o->threads, bs);
    }
    printf("}\n");
    fflush(stdout);
}

static void
emit_md_header(const options *o)
{
    printf("akt %s, %d worker threads, %ld cores (%s); median of %d reps after "
           "%d warm-up\n\n",
        AKT_VERSION_STRING, o->threads, sysconf(_SC_NPROCESSORS_ONLN),
        cpu_model, o->reps, o->warmup);
    printf("| scenario | params | rate | unit | spread | p50 µs | p99 µs | "
           "notes |\n");
    printf("|---|---|---:|---|---:|---:|---:|---|\n");
    fflush(stdout);
}

static void
emit_md(const options *o, const result *r)
{
    char a[32], b[32], notes[96] = "", params[sizeof r->params];
    size_t j = 0;
    for (const char *c = r->params; *c;
         c++) { /* "n":5,"actors":2 -> n=5, actors=2 */
        if (*c == ':') {
            params[j++] = '=';
        } else if (*c == ',') {
            params[j++] = ' ';
        } else if (*c != '"') {
            params[j++] = *c;
        }
    }
    params[j] = '\0';
    num_or_null(a, sizeof a, r->p50, "%.2f");
    num_or_null(b, sizeof b, r->p99, "%.2f");
    if (r->p50 < 0) {
        strcpy(a, "–");
        strcpy(b, "–");
    }
    if (r->speedup >= 0) {
        snprintf(notes, sizeof notes,
            "speedup %.2f× over 1 thread (efficiency %.0f%%)", r->speedup,
            100.0 * r->speedup / o->threads);
    }
    printf("| %s | %s | %.0f | %s | ±%.0f%% | %s | %s | %s |\n", r->scenario,
        params, r->rate, r->unit, 100.0 * r->spread, a, b, notes);
    fflush(stdout);
}

static akt_system *
mksys(const options *o)
{
    return bench_system("profiler", o->threads);
}

/* --- a counter that answers Arm(k) once it has counted k messages ----------
 */

/* Counts Int messages; an Arm(k) ask is answered (with the count) once k
 * have arrived since the last answer; then it starts again from 0. */
typedef struct counter_state {
    int64_t count, target;
    akt_ref waiter;
    uint64_t sum; /* cpu: keeps the work observable */
    int64_t work;
} counter_state;

static void
counter_check(counter_state *s, akt_ctx *ctx)
{
    if (s->target > 0 && s->count >= s->target) {
        akt_tell(s->waiter, mk(&done_type, s->count), akt_ctx_self(ctx));
        s->count -= s->target;
        s->target = 0;
    }
}

static akt_err
counter_int(void *st, akt_ctx *ctx, const void *msg)
{
    counter_state *s = st;
    s->count++;
    counter_check(s, ctx);
    return AKT_OK;
}

static akt_err
counter_arm(void *st, akt_ctx *ctx, const void *msg)
{
    counter_state *s = st;
    s->target = ((const p_Int *)msg)->v;
    s->waiter = akt_ctx_sender(ctx);
    counter_check(s, ctx);
    return AKT_OK;
}

static const akt_handler counter_h[] = { { &int_type, counter_int },
    { &done_type, counter_int }, { &arm_type, counter_arm } };
static const akt_behavior counter_beh = { "counter", counter_h, 3, NULL };
static const akt_props counter_props
    = { .behavior = &counter_beh, .state_size = sizeof(counter_state) };

/* --- tell ----------------------------------------------------------------- */

static sample
tell_rep(const options *o, akt_ref counter)
{
    double t0 = now_s();
    for (int64_t i = 0; i < o->n; i++) {
        must(akt_tell(counter, mk(&int_type, i), AKT_REF_NONE), "tell");
    }
    ask_wait(counter, &arm_type, o->n);
    return (sample) { now_s() - t0, -1, -1 };
}

static void
run_tell(const options *o, result *r, sample *s)
{
    akt_system *sys = mksys(o);
    akt_ref counter;
    must(akt_spawn(sys, &counter_props, "counter", &counter), "spawn");
    for (int i = 0; i < o->warmup; i++) {
        tell_rep(o, counter);
    }
    for (int i = 0; i < o->reps; i++) {
        s[i] = tell_rep(o, counter);
    }
    r->messages = o->n;
    r->unit = "messages/s";
    snprintf(r->params, sizeof r->params, "\"n\":%" PRId64, o->n);
    summarize(r, s, o->reps, (double)o->n);
    akt_system_free(sys);
}

/* --- ask ------------------------------------------------------------------ */

static akt_err
echo_int(void *st, akt_ctx *ctx, const void *msg)
{
    return akt_reply(ctx, mk(&int_type, ((const p_Int *)msg)->v + 1));
}

static const akt_handler echo_h[] = { { &int_type, echo_int } };
static const akt_behavior echo_beh = { "echo", echo_h, 1, NULL };

static sample
ask_rep(const options *o, akt_ref echo, double *lat)
{
    double t0 = now_s();
    for (int64_t i = 0; i < o->n; i++) {
        double t = now_s();
        akt_future *f;
        must(akt_ask(echo, mk(&int_type, i), AKT_SEC(30), &f), "ask");
        void *rep = NULL;
        must(akt_future_wait(f, AKT_FOREVER, &rep), "wait");
        if (rep == NULL || ((p_Int *)rep)->v != i + 1) {
            fprintf(stderr, "akt-profiler: ask: wrong reply\n");
            exit(1);
        }
        akt_msg_free(rep);
        akt_future_release(f);
        lat[i] = (now_s() - t) * 1e6;
    }
    sample s = { now_s() - t0, -1, -1 };
    percentiles(lat, (size_t)o->n, &s.p50, &s.p99);
    return s;
}

static void
run_ask(const options *o, result *r, sample *s)
{
    akt_system *sys = mksys(o);
    double *lat = malloc((size_t)o->n * sizeof(double));
    if (lat == NULL) {
        must(AKT_ENOMEM, "latency buffer");
    }
    akt_props ep = { .behavior = &echo_beh };
    akt_ref echo;
    must(akt_spawn(sys, &ep, "echo", &echo), "spawn");
    for (int i = 0; i < o->warmup; i++) {
        ask_rep(o, echo, lat);
    }
    for (int i = 0; i < o->reps; i++) {
        s[i] = ask_rep(o, echo, lat);
    }
    r->messages = 2 * o->n;
    r->unit = "asks/s";
    snprintf(r->params, sizeof r->params, "\"n\":%" PRId64, o->n);
    summarize(r, s, o->reps, (double)o->n);
    free(lat);
    akt_system_free(sys);
}

/* --- fanout --------------------------------------------------------------- */

/* Each fan-out target counts its messages and tells the collector Done
 * once per `rounds` messages. */
typedef struct fan_state {
    int64_t count, rounds;
    akt_ref coll;
} fan_state;

typedef struct fanout_cfg {
    akt_ref *targets;
    int64_t ntargets, rounds;
    akt_ref coll;
} fanout_cfg;

static akt_err
fan_init(void *state, const void *arg)
{
    fan_state *s = state;
    const fanout_cfg *c = arg;
    s->rounds = c->rounds;
    s->coll = c->coll;
    return AKT_OK;
}

static akt_err
fan_int(void *st, akt_ctx *ctx, const void *msg)
{
    fan_state *s = st;
    if (++s->count == s->rounds) {
        s->count = 0;
        return akt_tell(s->coll, mk(&done_type, 0), AKT_REF_NONE);
    }
    return AKT_OK;
}

static const akt_handler fan_h[] = { { &int_type, fan_int } };
static const akt_behavior fan_beh = { "fan", fan_h, 1, NULL };

/* the broadcaster: Go(rounds) sends one shared message per round to all */
static akt_err
bcast_go(void *st, akt_ctx *ctx, const void *msg)
{
    const fanout_cfg *c = akt_ctx_behavior_arg(ctx);
    int64_t rounds = ((const p_Int *)msg)->v;
    akt_ref self = akt_ctx_self(ctx);
    for (int64_t r = 0; r < rounds; r++) {
        void *m = mk(&int_type, r);
        for (int64_t i = 0; i < c->ntargets; i++) {
            akt_msg_retain(m);
            akt_err rc = akt_tell(c->targets[i], m, self);
            if (rc != AKT_OK) {
                akt_msg_free(m);
                akt_msg_free(m);
                return rc;
            }
        }
        akt_msg_free(m);
    }
    return AKT_OK;
}

static const akt_handler bcast_h[] = { { &go_type, bcast_go } };
static const akt_behavior bcast_beh = { "broadcaster", bcast_h, 1, NULL };

static sample
fanout_rep(const options *o, akt_ref bcast, akt_ref coll)
{
    double t0 = now_s();
    must(akt_tell(bcast, mk(&go_type, o->n), AKT_REF_NONE), "tell");
    akt_future *f;
    must(akt_ask(coll, mk(&arm_type, o->actors), AKT_FOREVER, &f), "ask");
    block_on(f);
    return (sample) { now_s() - t0, -1, -1 };
}

static void
run_fanout(const options *o, result *r, sample *s)
{
    akt_system *sys = mksys(o);
    fanout_cfg c = { calloc((size_t)o->actors, sizeof(akt_ref)), o->actors,
        o->n, AKT_REF_NONE };
    if (c.targets == NULL) {
        must(AKT_ENOMEM, "targets");
    }
    must(akt_spawn(sys, &counter_props, "collector", &c.coll), "spawn");
    akt_props fp = { .behavior = &fan_beh,
        .state_size = sizeof(fan_state),
        .state_init = fan_init,
        .init_arg = &c };
    for (int64_t i = 0; i < o->actors; i++) {
        must(akt_spawn(sys, &fp, NULL, &c.targets[i]), "spawn");
    }
    akt_props bp = { .behavior = &bcast_beh, .behavior_arg = &c };
    akt_ref bcast;
    must(akt_spawn(sys, &bp, "broadcaster", &bcast), "spawn");
    for (int i = 0; i < o->warmup; i++) {
        fanout_rep(o, bcast, c.coll);
    }
    for (int i = 0; i < o->reps; i++) {
        s[i] = fanout_rep(o, bcast, c.coll);
    }
    r->messages = o->n * o->actors;
    r->unit = "messages/s";
    snprintf(r->params, sizeof r->params,
        "\"n\":%" PRId64 ",\"actors\":%" PRId64, o->n, o->actors);
    summarize(r, s, o->reps, (double)r->messages);
    akt_system_free(sys);
    free(c.targets);
}

/* --- cpu ------------------------------------------------------------------ */

/* `work` rounds of a dependent multiply-xorshift chain (a few ns a round):
 * pure CPU, no memory traffic, not foldable by the compiler. */
static uint64_t
burn(uint64_t x, int64_t work)
{
    for (int64_t i = 0; i < work; i++) {
        x ^= x >> 31;
        x *= 0x9e3779b97f4a7c15u;
        x ^= x >> 29;
    }
    return x;
}

static akt_err
cpu_init(void *state, const void *arg)
{
    ((counter_state *)state)->work = *(const int64_t *)arg;
    return AKT_OK;
}

static akt_err
cpu_int(void *st, akt_ctx *ctx, const void *msg)
{
    counter_state *s = st;
    s->sum += burn((uint64_t)((const p_Int *)msg)->v + 1, s->work);
    s->count++;
    counter_check(s, ctx);
    return AKT_OK;
}

static const akt_handler cpu_h[]
    = { { &int_type, cpu_int }, { &arm_type, counter_arm } };
static const akt_behavior cpu_beh = { "cpu", cpu_h, 2, NULL };

static volatile uint64_t cpu_sink;

static sample
cpu_rep(const options *o, akt_ref *w, akt_future **fs)
{
    double t0 = now_s();
    for (int64_t i = 0; i < o->n; i++) {
        must(
            akt_tell(w[i % o->actors], mk(&int_type, i), AKT_REF_NONE), "tell");
    }
    for (int64_t k = 0; k < o->actors; k++) {
        int64_t share = o->n / o->actors + (k < o->n % o->actors ? 1 : 0);
        must(akt_ask(w[k], mk(&arm_type, share), AKT_FOREVER, &fs[k]), "ask");
    }
    for (int64_t k = 0; k < o->actors; k++) {
        block_on(fs[k]);
    }
    return (sample) { now_s() - t0, -1, -1 };
}

static void
run_cpu(const options *o, result *r, sample *s)
{
    /* the same work on one thread, no runtime: the baseline (best of 3) */
    double base = -1;
    for (int k = 0; k < 3; k++) {
        double t0 = now_s();
        uint64_t acc = 0;
        for (int64_t i = 0; i < o->n; i++) {
            acc += burn((uint64_t)i + 1, o->work);
        }
        cpu_sink = acc;
        double t = now_s() - t0;
        if (base < 0 || t < base) {
            base = t;
        }
    }
    akt_system *sys = mksys(o);
    akt_ref *w = calloc((size_t)o->actors, sizeof(akt_ref));
    akt_future **fs = calloc((size_t)o->actors, sizeof(akt_future *));
    if (w == NULL || fs == NULL) {
        must(AKT_ENOMEM, "workers");
    }
    akt_props cp = { .behavior = &cpu_beh,
        .state_size = sizeof(counter_state),
        .state_init = cpu_init,
        .init_arg = &o->work };
    for (int64_t i = 0; i < o->actors; i++) {
        must(akt_spawn(sys, &cp, NULL, &w[i]), "spawn");
    }
    for (int i = 0; i < o->warmup; i++) {
        cpu_rep(o, w, fs);
    }
    for (int i = 0; i < o->reps; i++) {
        s[i] = cpu_rep(o, w, fs);
    }
    r->messages = o->n;
    r->unit = "messages/s";
    snprintf(r->params, sizeof r->params,
        "\"n\":%" PRId64 ",\"actors\":%" PRId64 ",\"work\":%" PRId64, o->n,
        o->actors, o->work);
    summarize(r, s, o->reps, (double)o->n);
    r->baseline_s = base;
    r->speedup = base / r->seconds;
    akt_system_free(sys);
    free(w);
    free(fs);
}

/* --- main ----------------------------------------------------------------- */

typedef struct scenario {
    const char *name;
    void (*fn)(const options *, result *, sample *);
    int64_t n, actors, work; /* defaults (0: no such parameter) */
    int64_t s_n, s_actors, s_work; /* --smoke */
} scenario;

static const scenario scenarios[] = {
    { "tell", run_tell, 1000000, 0, 0, 1000, 0, 0 },
    { "ask", run_ask, 100000, 0, 0, 200, 0, 0 },
    { "fanout", run_fanout, 1000, 1000, 0, 10, 100, 0 },
    { "cpu", run_cpu, 20000, 16, 5000, 200, 4, 100 },
};
#define NSCEN (sizeof scenarios / sizeof scenarios[0])

static void
usage(int rc)
{
    fprintf(rc ? stderr : stdout,
        "usage: akt-profiler --scenario tell|ask|fanout|cpu|all [--format "
        "json|md]\n"
        "                    [--n N] [--actors A] [--work W] [--reps R] "
        "[--warmup W]\n"
        "                    [--threads T] [--smoke]\n"
        "       akt-profiler --list\n"
        "defaults: tell n=1000000; ask n=100000; fanout n=1000 rounds, "
        "actors=1000;\n"
        "          cpu n=20000, actors=16, work=5000; reps=5, warmup=1, "
        "threads=2.\n"
        "--smoke: tiny sizes, reps=1, warmup=0 (unless given). See "
        "docs/profiler.md.\n");
    exit(rc);
}

static int64_t
parse_int(const char *s, const char *what, int64_t min)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || v < min || v > 1000000000000LL) {
        fprintf(stderr, "akt-profiler: bad value for %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

int
main(int argc, char **argv)
{
    bench_prog = "akt-profiler";
    const char *which = NULL;
    options given = { -1, -1, -1, -1, -1, 2, false, false };
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        char *val = NULL;
        char *eq = strchr(a, '=');
        if (strncmp(a, "--", 2) == 0 && eq) {
            *eq = '\0';
            val = eq + 1;
        }
#define NEXT() (val ? val : (i + 1 < argc ? argv[++i] : (usage(2), "")))
        if (strcmp(a, "--scenario") == 0) {
            which = NEXT();
        } else if (strcmp(a, "--format") == 0) {
            const char *f = NEXT();
            if (strcmp(f, "md") == 0) {
                given.md = true;
            } else if (strcmp(f, "json") != 0) {
                fprintf(stderr, "akt-profiler: --format json|md\n");
                return 2;
            }
        } else if (strcmp(a, "--n") == 0) {
            given.n = parse_int(NEXT(), "--n", 1);
        } else if (strcmp(a, "--actors") == 0) {
            given.actors = parse_int(NEXT(), "--actors", 1);
        } else if (strcmp(a, "--work") == 0) {
            given.work = parse_int(NEXT(), "--work", 0);
        } else if (strcmp(a, "--reps") == 0) {
            given.reps = (int)parse_int(NEXT(), "--reps", 1);
        } else if (strcmp(a, "--warmup") == 0) {
            given.warmup = (int)parse_int(NEXT(), "--warmup", 0);
        } else if (strcmp(a, "--threads") == 0) {
            given.threads = (int)parse_int(NEXT(), "--threads", 1);
        } else if (strcmp(a, "--smoke") == 0) {
            given.smoke = true;
        } else if (strcmp(a, "--list") == 0) {
            for (size_t k = 0; k < NSCEN; k++) {
                printf("%s\n", scenarios[k].name);
            }
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(0);
        } else {
            fprintf(stderr, "akt-profiler: unknown argument %s\n", a);
            usage(2);
        }
#undef NEXT
    }
    if (which == NULL) {
        usage(2);
    }
    if (given.reps > 10000) {
        fprintf(stderr, "akt-profiler: at most 10000 reps\n");
        return 2;
    }
    read_cpu();
    bool all = strcmp(which, "all") == 0, found = false, header = false;
    for (size_t k = 0; k < NSCEN; k++) {
        const scenario *sc = &scenarios[k];
        if (!all && strcmp(which, sc->name) != 0) {
            continue;
        }
        found = true;
        options o = given;
        o.n = given.n > 0 ? given.n : given.smoke ? sc->s_n : sc->n;
        o.actors = given.actors > 0 ? given.actors
            : given.smoke           ? sc->s_actors
                                    : sc->actors;
        o.work = given.work >= 0 ? given.work
            : given.smoke        ? sc->s_work
                                 : sc->work;
        o.reps = given.reps > 0 ? given.reps : given.smoke ? 1 : 5;
        o.warmup = given.warmup >= 0 ? given.warmup : given.smoke ? 0 : 1;
        sample *s = calloc((size_t)o.reps, sizeof(sample));
        result r = { .scenario = sc->name, .speedup = -1, .baseline_s = -1 };
        if (s == NULL) {
            must(AKT_ENOMEM, "samples");
        }
        sc->fn(&o, &r, s);
        free(s);
        if (o.md) {
            if (!header) {
                emit_md_header(&o);
                header = true;
            }
            emit_md(&o, &r);
        } else {
            emit_json(&o, &r);
        }
    }
    if (!found) {
        fprintf(stderr,
            "akt-profiler: unknown scenario %s (tell|ask|fanout|cpu|all)\n",
            which);
        return 2;
    }
    return 0;
}
