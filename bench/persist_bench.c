/*
 * persist_bench.c -- akt-persist-bench: the persistence targets of issue 16
 * (docs/performance.md "Persistence"), one JSON line per scenario in the
 * docs/profiler.md schema.
 *
 *   persist    N persistent actors (default 1,000), each with one persist
 *              outstanding (closed loop: the callback persists the next
 *              event): acknowledged durable events/s and the persist ->
 *              callback latency (p50, p99). Target >= 100k/s, p99 <= 20 ms.
 *   replay     one persistence id with R events (default 1,000,000) replayed
 *              and decoded into messages (akt_journal_replay), and raw (the
 *              plug-in's records, akt_journal_replay_raw). Target >= 5M/s.
 *   recovery   K ids (default 1,000) of 100 events each; the recovery of a
 *              random one, warm: highest + replay + apply (p50, p99). Target
 *              p50 <= 100 us. And recovery_actor: spawn a persistent actor
 *              and wait for its first answer (recovery included).
 *   snapshot   a snapshot save called directly (what it cost the actor's
 *              turn when saves ran there) against a persistent actor's save
 *              off its thread, until snapshot_saved (p50, p99, and the
 *              call's own cost in the turn).
 *
 * Options: --scenario all|persist|replay|recovery|snapshot, --actors N,
 * --seconds S,
 * --replay-events R, --recovery-ids K, --dir D (the journal's directory,
 * default a fresh one under $TMPDIR or /tmp; removed at exit),
 * --no-fsync, --max-unindexed N (the LMDB journal's max-unindexed-events),
 * --keep (leave the directory, print it on stderr), --replay-filter
 * off|repair (recovery_actor's replay filter; default: repair), --smoke (tiny
 * sizes for CI), --journal lmdb|pg|both (pg: a throwaway PostgreSQL server this
 * program starts with tests/persist/pg_server.sh, reached over TCP on
 * 127.0.0.1; the scenarios' names end in _lmdb or _pg).
 */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akt/akt.h"
#include "akt/persistence.h"
#include "bench_util.h"
#include "pg_fixture.h"

/* --- the event and command types ---------------------------------------- */

static const akt_field int_fields[] = {
    { .name = "v",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(bench_Int, v),
        .has_offset = AKT_NO_OFFSET },
};
#define TYPE(var, nm)                                                          \
    static akt_type var = { .abi = AKT_GEN_ABI,                                \
        .flags = AKT_TYPE_MESSAGE | AKT_TYPE_TABLE,                            \
        .name = nm,                                                            \
        .size = sizeof(bench_Int),                                             \
        .align = _Alignof(bench_Int),                                          \
        .fields = int_fields,                                                  \
        .nfields = 1 }
TYPE(ev_type, "bench.persist.Event");
TYPE(go_type, "bench.persist.Go");

static akt_registry *reg;

/* --- options ------------------------------------------------------------- */

static struct {
    const char *scenario;
    int actors;
    double seconds;
    int64_t replay_events;
    int recovery_ids;
    const char *dir;
    bool no_fsync;
    bool smoke;
    const char *journal;
    int64_t max_unindexed; /* LMDB max-unindexed-events; 0: default */
    bool keep; /* keep the journal's directory (inspect it) */
    const char
        *replay_filter; /* recovery_actor's filter mode (NULL: default) */
} opt = { "all", 1000, 3.0, 1000000, 1000, NULL, false, false, "lmdb", 0, false,
    NULL };

static bool use_pg; /* the scenarios now running use PostgreSQL */
static pg_fixture pg;

static const char *
jname(void)
{
    return use_pg ? "pg" : "lmdb";
}

static char dir[512];

/* dispatcher workers: one per core */
static int
nthreads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

static void
emit(const char *scenario, const char *params, int64_t messages, int threads,
    double seconds, double rate, const char *unit, double p50, double p99,
    const char *extra)
{
    char a[32], b[32], name[64];
    snprintf(name, sizeof name, "%s_%s", scenario, jname());
    scenario = name;
    num_or_null(a, sizeof a, p50, "%.1f");
    num_or_null(b, sizeof b, p99, "%.1f");
    printf("{\"runtime\":\"akt\",\"scenario\":\"%s\",\"params\":{%s},"
           "\"messages\":%" PRId64 ",\"threads\":%d,\"seconds\":%.4f,"
           "\"rate\":%.1f,\"unit\":\"%s\",\"p50_us\":%s,\"p99_us\":%s%s%s,"
           "\"version\":\"%s\",\"machine\":{\"cores\":%ld,\"cpu\":\"%s\"}}\n",
        scenario, params, messages, threads, seconds, rate, unit, a, b,
        extra[0] ? "," : "", extra, AKT_VERSION_STRING,
        sysconf(_SC_NPROCESSORS_ONLN), cpu_model);
    fflush(stdout);
}

static akt_journal *
open_journal(const char *sub)
{
    if (use_pg) {
        akt_pg_options po = { .conninfo = pg.conninfo_tcp, .schema = sub };
        akt_journal *j;
        akt_persist_error err = { "" };
        akt_err rc = akt_journal_open_pg(&po, reg, &j, &err);
        if (rc != AKT_OK) {
            fprintf(stderr, "%s: journal %s: %s %s\n", bench_prog, sub,
                akt_strerror(rc), err.text);
            exit(1);
        }
        return j;
    }
    char d[600];
    snprintf(d, sizeof d, "%s/%s", dir, sub);
    akt_lmdb_options o = { .dir = d,
        .map_size = 8ull << 30,
        .no_sync = opt.no_fsync,
        .max_unindexed_events = (uint64_t)opt.max_unindexed };
    akt_journal *j;
    akt_persist_error err = { "" };
    akt_err rc = akt_journal_open_lmdb(&o, reg, &j, &err);
    if (rc != AKT_OK) {
        fprintf(stderr, "%s: journal %s: %s %s\n", bench_prog, d,
            akt_strerror(rc), err.text);
        exit(1);
    }
    return j;
}

/* --- persist: N actors, one persist outstanding each --------------------- */

static _Atomic bool stopping;
static _Atomic int64_t acks;
static _Atomic int idle_actors;
static double *lat; /* microseconds, of acks inside the window */
static _Atomic size_t nlat;
static size_t lat_cap;
static _Atomic bool measuring;
static pthread_mutex_t idle_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;

typedef struct pb_state {
    double t_persist; /* when the outstanding persist was made */
    int64_t n;
} pb_state;

static void
pb_apply(void *state, const void *event)
{
    ((pb_state *)state)->n += ((const bench_Int *)event)->v;
}

static void persist_next(pb_state *s, akt_ctx *ctx);

static void
pb_done(void *state, akt_ctx *ctx, const void *event, void *arg)
{
    (void)event;
    (void)arg;
    pb_state *s = state;
    double t = now_s();
    atomic_fetch_add_explicit(&acks, 1, memory_order_relaxed);
    if (atomic_load_explicit(&measuring, memory_order_relaxed)) {
        size_t i = atomic_fetch_add_explicit(&nlat, 1, memory_order_relaxed);
        if (i < lat_cap) {
            lat[i] = (t - s->t_persist) * 1e6;
        }
    }
    if (atomic_load_explicit(&stopping, memory_order_relaxed)) {
        pthread_mutex_lock(&idle_mu);
        atomic_fetch_add(&idle_actors, 1);
        pthread_cond_signal(&idle_cv);
        pthread_mutex_unlock(&idle_mu);
        return;
    }
    persist_next(s, ctx);
}

static void
persist_next(pb_state *s, akt_ctx *ctx)
{
    void *e = mk(&ev_type, 1);
    s->t_persist = now_s();
    akt_err rc = akt_persist(ctx, e, pb_done, NULL);
    if (rc != AKT_OK) {
        fprintf(stderr, "%s: persist: %s\n", bench_prog, akt_strerror(rc));
        exit(1);
    }
}

static akt_err
pb_go(void *state, akt_ctx *ctx, const void *msg)
{
    (void)msg;
    persist_next(state, ctx);
    return AKT_OK;
}

static void
pb_failed(void *state, akt_ctx *ctx, akt_err rc, const void *event)
{
    (void)state;
    (void)ctx;
    (void)event;
    fprintf(stderr, "%s: a persist failed: %s\n", bench_prog, akt_strerror(rc));
    exit(1);
}

static _Atomic int recovered;

static void
pb_recovered(void *state, akt_ctx *ctx, uint64_t highest)
{
    (void)state;
    (void)ctx;
    (void)highest;
    pthread_mutex_lock(&idle_mu);
    atomic_fetch_add(&recovered, 1);
    pthread_cond_signal(&idle_cv);
    pthread_mutex_unlock(&idle_mu);
}

static const akt_handler pb_commands[] = { { &go_type, pb_go } };
static const akt_persistent_def pb_def = {
    .name = "bench",
    .id_prefix = "bench-",
    .state_size = sizeof(pb_state),
    .commands = pb_commands,
    .ncommands = 1,
    .apply = pb_apply,
    .persist_failed = pb_failed,
    .recovery_completed = pb_recovered,
};

static void
scenario_persist(void)
{
    /* a second pass (--journal both) starts from zero */
    atomic_store(&stopping, false);
    atomic_store(&acks, 0);
    atomic_store(&idle_actors, 0);
    atomic_store(&recovered, 0);
    atomic_store(&nlat, 0);
    atomic_store(&measuring, false);
    akt_system *sys = bench_system("pbench", nthreads());
    akt_journal *j = open_journal("persist");
    must(akt_persistence_start_with(sys, j, NULL), "persistence");
    akt_props p;
    must(akt_persistent_props(&pb_def, &p), "props");
    int n = opt.actors;
    akt_ref *refs = calloc((size_t)n, sizeof(akt_ref));
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "%d", i);
        must(akt_spawn(sys, &p, name, &refs[i]), "spawn");
    }
    lat_cap = (size_t)(opt.seconds * 2e6) + 1000;
    lat = malloc(lat_cap * sizeof(double));
    if (lat == NULL) {
        must(AKT_ENOMEM, "latencies");
    }
    /* every actor recovered (an empty journal) before the first persist */
    pthread_mutex_lock(&idle_mu);
    while (atomic_load(&recovered) < n) {
        pthread_cond_wait(&idle_cv, &idle_mu);
    }
    pthread_mutex_unlock(&idle_mu);
    for (int i = 0; i < n; i++) {
        must(akt_tell(refs[i], mk(&go_type, 0), AKT_REF_NONE), "tell");
    }
    /* warm up a little, then measure a window */
    double warm = opt.smoke ? 0.05 : 0.5;
    double t0 = now_s();
    while (now_s() - t0 < warm) {
        usleep(1000);
    }
    akt_journal_stats s0, s1;
    akt_journal_stats_get(j, &s0);
    int64_t a0 = atomic_load(&acks);
    atomic_store(&measuring, true);
    double m0 = now_s();
    while (now_s() - m0 < opt.seconds) {
        usleep(2000);
    }
    atomic_store(&measuring, false);
    double m1 = now_s();
    int64_t a1 = atomic_load(&acks);
    akt_journal_stats_get(j, &s1);
    atomic_store(&stopping, true);
    pthread_mutex_lock(&idle_mu);
    while (atomic_load(&idle_actors) < n) {
        pthread_cond_wait(&idle_cv, &idle_mu);
    }
    pthread_mutex_unlock(&idle_mu);
    size_t nl = atomic_load(&nlat);
    if (nl > lat_cap) {
        nl = lat_cap;
    }
    double p50, p99;
    percentiles(lat, nl, &p50, &p99);
    double secs = m1 - m0;
    uint64_t commits = s1.commits - s0.commits;
    uint64_t events = s1.events - s0.events;
    char params[256], extra[256];
    snprintf(params, sizeof params,
        "\"journal\":\"%s\",\"actors\":%d,\"fsync\":%s,\"event_bytes\":3",
        jname(), n, opt.no_fsync && !use_pg ? "false" : "true");
    snprintf(extra, sizeof extra,
        "\"commits_per_s\":%.1f,\"events_per_commit\":%.1f,"
        "\"target\":{\"rate\":100000,\"p99_us\":20000}",
        (double)commits / secs,
        commits ? (double)events / (double)commits : 0.0);
    emit("persist", params, a1 - a0, nthreads(), secs, (double)(a1 - a0) / secs,
        "events/s", p50, p99, extra);
    akt_system_free(sys);
    free(refs);
    free(lat);
}

/* --- replay ----------------------------------------------------------------
 */

static void
fill(akt_journal *j, const char *pid, int64_t nevents, int64_t batch)
{
    void **evs = malloc((size_t)batch * sizeof(void *));
    akt_jevent *jev = calloc((size_t)batch, sizeof(akt_jevent));
    int64_t seq = 1;
    while (seq <= nevents) {
        int64_t k = nevents - seq + 1 < batch ? nevents - seq + 1 : batch;
        for (int64_t i = 0; i < k; i++) {
            evs[i] = mk(&ev_type, seq + i);
            jev[i].msg = evs[i];
        }
        akt_write_status st;
        must(akt_journal_write_wait(j, pid, (uint64_t)seq, jev, (size_t)k, &st),
            "fill");
        for (int64_t i = 0; i < k; i++) {
            akt_msg_free(evs[i]);
        }
        seq += k;
    }
    free(evs);
    free(jev);
}

static int64_t replay_sum;

static akt_err
count_decoded(void *arg, const akt_prepr *rec, const void *event)
{
    (void)arg;
    (void)rec;
    replay_sum += ((const bench_Int *)event)->v;
    return AKT_OK;
}

static akt_err
count_raw(void *arg, const akt_prepr *ev)
{
    (void)arg;
    replay_sum += (int64_t)ev->len;
    return AKT_OK;
}

static void
scenario_replay(void)
{
    akt_journal *j = open_journal("replay");
    int64_t n = opt.replay_events;
    fill(j, "big", n, 1000);
    char params[128];
    snprintf(params, sizeof params, "\"journal\":\"%s\",\"events\":%" PRId64,
        jname(), n);
    /* warm the page cache once, then the best of three */
    double best = 1e9, best_raw = 1e9;
    for (int r = 0; r < 4; r++) {
        double t0 = now_s();
        must(akt_journal_replay(j, NULL, "big", 1, UINT64_MAX, UINT64_MAX,
                 count_decoded, NULL, NULL),
            "replay");
        double t1 = now_s();
        must(akt_journal_replay_raw(
                 j, "big", 1, UINT64_MAX, UINT64_MAX, count_raw, NULL),
            "replay raw");
        double t2 = now_s();
        if (r > 0) {
            best = t1 - t0 < best ? t1 - t0 : best;
            best_raw = t2 - t1 < best_raw ? t2 - t1 : best_raw;
        }
    }
    emit("replay", params, n, 1, best, (double)n / best, "events/s", -1, -1,
        "\"decoded\":true,\"target\":{\"rate\":5000000}");
    emit("replay_raw", params, n, 1, best_raw, (double)n / best_raw, "events/s",
        -1, -1, "\"decoded\":false");
    akt_journal_close(j);
}

/* --- recovery --------------------------------------------------------------
 */

typedef struct rec_state {
    int64_t sum;
} rec_state;

static akt_err
rec_apply(void *arg, const akt_prepr *rec, const void *event)
{
    (void)rec;
    ((rec_state *)arg)->sum += ((const bench_Int *)event)->v;
    return AKT_OK;
}

static akt_err
rec_get(void *state, akt_ctx *ctx, const void *msg)
{
    (void)msg;
    return akt_reply(ctx, mk(&go_type, ((pb_state *)state)->n));
}

static const akt_handler rec_commands[] = { { &go_type, rec_get } };
static const akt_persistent_def rec_def = {
    .name = "rbench",
    .id_prefix = "r-",
    .state_size = sizeof(pb_state),
    .commands = rec_commands,
    .ncommands = 1,
    .apply = pb_apply,
};

static void
scenario_recovery(void)
{
    akt_journal *j = open_journal("recovery");
    int k = opt.recovery_ids;
    for (int i = 0; i < k; i++) {
        char pid[32];
        snprintf(pid, sizeof pid, "r-%d", i);
        fill(j, pid, 100, 100);
    }
    int rounds = opt.smoke ? 200 : 20000;
    double *v = malloc((size_t)rounds * sizeof(double));
    unsigned seed = 12345;
    for (int r = 0; r < rounds + k; r++) { /* the first k warm the cache */
        char pid[32];
        snprintf(pid, sizeof pid, "r-%d",
            r < k ? r : (int)(rand_r(&seed) % (unsigned)k));
        rec_state s = { 0 };
        uint64_t h;
        double t0 = now_s();
        must(akt_journal_highest(j, pid, &h), "highest");
        must(akt_journal_replay(
                 j, NULL, pid, 1, h, UINT64_MAX, rec_apply, &s, NULL),
            "replay");
        double t1 = now_s();
        if (s.sum != 5050) {
            fprintf(stderr, "%s: %s recovered %" PRId64 "\n", bench_prog, pid,
                s.sum);
            exit(1);
        }
        if (r >= k) {
            v[r - k] = (t1 - t0) * 1e6;
        }
    }
    double p50, p99, total = 0;
    for (int i = 0; i < rounds; i++) {
        total += v[i];
    }
    percentiles(v, (size_t)rounds, &p50, &p99);
    char params[128];
    snprintf(params, sizeof params,
        "\"journal\":\"%s\",\"ids\":%d,\"events_per_id\":100,\"warm\":true",
        jname(), k);
    emit("recovery", params, rounds, 1, total * 1e-6, rounds / (total * 1e-6),
        "recoveries/s", p50, p99, "\"target\":{\"p50_us\":100}");

    /* the same through persistent actors: spawn, recover, first answer */
    akt_system *sys = bench_system("rbench", nthreads());
    must(akt_persistence_start_with(sys, j, NULL), "persistence");
    if (opt.replay_filter != NULL) {
        akt_replay_filter f = { AKT_REPLAY_FILTER_REPAIR, 100, 10 };
        f.mode = strcmp(opt.replay_filter, "off") == 0
            ? AKT_REPLAY_FILTER_OFF
            : AKT_REPLAY_FILTER_REPAIR;
        must(akt_persistence_set_replay_filter(sys, &f), "replay filter");
    }
    akt_props p;
    must(akt_persistent_props(&rec_def, &p), "props");
    /* LMDB: rounds alternate between reads inline (the default) and reads
     * on the reader threads (akt_persistence_set_async_recovery), so both
     * see the same load; other journals always read asynchronously */
    int arounds = opt.smoke ? 50 : 2000;
    double *w = malloc((size_t)arounds * sizeof(double));
    double *wa = malloc((size_t)arounds * sizeof(double));
    double wt = 0, wat = 0;
    int nw = 0, nwa = 0;
    for (int r = 0; r < arounds; r++) {
        bool async = !use_pg && (r & 1);
        if (!use_pg) {
            must(akt_persistence_set_async_recovery(sys, async), "mode");
        }
        char name[32];
        snprintf(name, sizeof name, "%d", (int)(rand_r(&seed) % (unsigned)k));
        double t0 = now_s();
        akt_ref ref;
        must(akt_spawn(sys, &p, name, &ref), "spawn");
        akt_future *f;
        must(akt_ask(ref, mk(&go_type, 0), AKT_SEC(10), &f), "ask");
        void *reply;
        must(akt_future_wait_as(f, AKT_SEC(10), &go_type, &reply), "answer");
        double t1 = now_s();
        akt_future_release(f);
        if (((bench_Int *)reply)->v != 5050) {
            fprintf(stderr, "%s: actor recovered %" PRId64 "\n", bench_prog,
                ((bench_Int *)reply)->v);
            exit(1);
        }
        akt_msg_free(reply);
        if (async) {
            wa[nwa++] = (t1 - t0) * 1e6;
            wat += t1 - t0;
        } else {
            w[nw++] = (t1 - t0) * 1e6;
            wt += t1 - t0;
        }
        akt_future *sf;
        must(akt_watch_future(ref, &sf), "watch");
        akt_stop(ref);
        must(akt_future_wait(sf, AKT_SEC(10), NULL), "stop");
        akt_future_release(sf);
    }
    char aparams[192];
    snprintf(aparams, sizeof aparams, "%s,\"reads\":\"%s\"", params,
        use_pg ? "async" : "inline");
    percentiles(w, (size_t)nw, &p50, &p99);
    emit("recovery_actor", aparams, nw, nthreads(), wt, nw / wt, "recoveries/s",
        p50, p99, "\"what\":\"spawn + recovery + first answer\"");
    if (nwa > 0) {
        snprintf(aparams, sizeof aparams, "%s,\"reads\":\"async\"", params);
        percentiles(wa, (size_t)nwa, &p50, &p99);
        emit("recovery_actor_async", aparams, nwa, nthreads(), wat, nwa / wat,
            "recoveries/s", p50, p99,
            "\"what\":\"spawn + recovery + first answer, reads on the "
            "reader threads (alternating with recovery_actor)\"");
    }
    free(wa);
    akt_system_free(sys); /* closes j */
    free(v);
    free(w);
}

/* --- snapshot: a save's cost on the actor's thread, before and after ------
 *
 * snapshot_save: akt_snapshot_save called directly (what a snapshot save
 * held the actor's turn for when it ran there); snapshot_actor: a
 * persistent actor's akt_persistent_save_snapshot (the save runs on the
 * reader threads) until its snapshot_saved hook ran, with the time the
 * call itself took in the turn (turn_p50_us). Rounds alternate. */

static akt_snapshot_store *
open_snapshots(const char *sub)
{
    akt_snapshot_store *s;
    akt_persist_error err = { "" };
    akt_err rc;
    if (use_pg) {
        akt_pg_options po = { .conninfo = pg.conninfo_tcp, .schema = sub };
        rc = akt_snapshot_store_open_pg(&po, reg, &s, &err);
    } else {
        char d[600];
        snprintf(d, sizeof d, "%s/%s", dir, sub);
        akt_lmdb_options o = { .dir = d, .no_sync = opt.no_fsync };
        rc = akt_snapshot_store_open_lmdb(&o, reg, &s, &err);
    }
    if (rc != AKT_OK) {
        fprintf(stderr, "%s: snapshot store %s: %s %s\n", bench_prog, sub,
            akt_strerror(rc), err.text);
        exit(1);
    }
    return s;
}

static pthread_mutex_t sb_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sb_cv = PTHREAD_COND_INITIALIZER;
static int64_t sb_saved;
static double sb_call_us;

static akt_err
sb_go(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    double t0 = now_s();
    akt_err rc = akt_persistent_save_snapshot(ctx, msg);
    sb_call_us = (now_s() - t0) * 1e6; /* read after the hook: ordered */
    must(rc, "save_snapshot");
    return AKT_OK;
}

static void
sb_saved_hook(void *state, akt_ctx *ctx, uint64_t seq)
{
    (void)state;
    (void)ctx;
    (void)seq;
    pthread_mutex_lock(&sb_mu);
    sb_saved++;
    pthread_cond_signal(&sb_cv);
    pthread_mutex_unlock(&sb_mu);
}

static void
sb_failed_hook(void *state, akt_ctx *ctx, uint64_t seq, akt_err rc)
{
    (void)state;
    (void)ctx;
    (void)seq;
    fprintf(stderr, "%s: snapshot failed: %s\n", bench_prog, akt_strerror(rc));
    exit(1);
}

static void
sb_apply(void *state, const void *event)
{
    (void)state;
    (void)event;
}

static void
sb_offer(void *state, uint64_t seq, const void *snap)
{
    (void)state;
    (void)seq;
    (void)snap;
}

static const akt_handler sb_commands[] = { { &go_type, sb_go } };
static const akt_persistent_def sb_def = {
    .name = "snapbench",
    .id_prefix = "snap-",
    .state_size = sizeof(int64_t),
    .commands = sb_commands,
    .ncommands = 1,
    .apply = sb_apply,
    .snapshot_offer = sb_offer,
    .snapshot_saved = sb_saved_hook,
    .snapshot_failed = sb_failed_hook,
};

static void
scenario_snapshot(void)
{
    akt_journal *j = open_journal("snapj");
    akt_snapshot_store *st = open_snapshots("snaps");
    akt_system *sys = bench_system("sbench", nthreads());
    must(akt_persistence_start_with(sys, j, st), "persistence");
    akt_props p;
    must(akt_persistent_props(&sb_def, &p), "props");
    akt_ref ref;
    must(akt_spawn(sys, &p, "a", &ref), "spawn");
    int rounds = opt.smoke ? 20 : 1000;
    double *d = malloc((size_t)rounds * sizeof(double));
    double *a = malloc((size_t)rounds * sizeof(double));
    double *c = malloc((size_t)rounds * sizeof(double));
    double dt = 0, at = 0;
    for (int r = 0; r < rounds; r++) {
        void *snap = mk(&go_type, r);
        double t0 = now_s();
        must(akt_snapshot_save(st, "direct", (uint64_t)r + 1, 0, snap),
            "snapshot_save");
        double t1 = now_s();
        akt_msg_free(snap);
        d[r] = (t1 - t0) * 1e6;
        dt += t1 - t0;
        pthread_mutex_lock(&sb_mu);
        int64_t want = sb_saved + 1;
        pthread_mutex_unlock(&sb_mu);
        t0 = now_s();
        must(akt_tell(ref, mk(&go_type, r), AKT_REF_NONE), "tell");
        pthread_mutex_lock(&sb_mu);
        while (sb_saved < want) {
            pthread_cond_wait(&sb_cv, &sb_mu);
        }
        pthread_mutex_unlock(&sb_mu);
        t1 = now_s();
        a[r] = (t1 - t0) * 1e6;
        c[r] = sb_call_us;
        at += t1 - t0;
    }
    double p50, p99, cp50, cp99;
    char params[160], extra[160];
    snprintf(params, sizeof params, "\"store\":\"%s\",\"fsync\":%s", jname(),
        opt.no_fsync ? "false" : "true");
    percentiles(d, (size_t)rounds, &p50, &p99);
    emit("snapshot_save", params, rounds, 1, dt, rounds / dt, "saves/s", p50,
        p99,
        "\"what\":\"akt_snapshot_save: the turn's cost when saves ran "
        "on the actor's thread\"");
    percentiles(c, (size_t)rounds, &cp50, &cp99);
    percentiles(a, (size_t)rounds, &p50, &p99);
    snprintf(extra, sizeof extra,
        "\"turn_p50_us\":%.1f,\"turn_p99_us\":%.1f,\"what\":\"tell -> "
        "snapshot_saved, save off the actor's thread\"",
        cp50, cp99);
    emit("snapshot_actor", params, rounds, nthreads(), at, rounds / at,
        "saves/s", p50, p99, extra);
    akt_system_free(sys); /* closes j and st */
    free(d);
    free(a);
    free(c);
}

/* --- main ------------------------------------------------------------------
 */

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void
usage(void)
{
    fprintf(stderr,
        "usage: %s [--scenario all|persist|replay|recovery|snapshot] [--actors "
        "N]\n"
        "       [--seconds S] [--replay-events R] [--recovery-ids K]\n"
        "       [--dir D] [--no-fsync] [--smoke] [--journal lmdb|pg|both]\n"
        "       [--max-unindexed N] [--keep] [--replay-filter off|repair]\n",
        bench_prog);
    exit(2);
}

int
main(int argc, char **argv)
{
    bench_prog = "akt-persist-bench";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--smoke") == 0) {
            opt.smoke = true;
            opt.actors = 50;
            opt.seconds = 0.2;
            opt.replay_events = 10000;
            opt.recovery_ids = 50;
        } else if (strcmp(a, "--no-fsync") == 0) {
            opt.no_fsync = true;
        } else if (strcmp(a, "--keep") == 0) {
            opt.keep = true;
        } else if (v == NULL) {
            usage();
        } else if (strcmp(a, "--scenario") == 0) {
            opt.scenario = v, i++;
        } else if (strcmp(a, "--replay-filter") == 0) {
            opt.replay_filter = v, i++;
        } else if (strcmp(a, "--actors") == 0) {
            opt.actors = atoi(v), i++;
        } else if (strcmp(a, "--seconds") == 0) {
            opt.seconds = atof(v), i++;
        } else if (strcmp(a, "--replay-events") == 0) {
            opt.replay_events = atoll(v), i++;
        } else if (strcmp(a, "--recovery-ids") == 0) {
            opt.recovery_ids = atoi(v), i++;
        } else if (strcmp(a, "--dir") == 0) {
            opt.dir = v, i++;
        } else if (strcmp(a, "--journal") == 0) {
            opt.journal = v, i++;
        } else if (strcmp(a, "--max-unindexed") == 0) {
            opt.max_unindexed = atoll(v), i++;
        } else {
            usage();
        }
    }
    if (opt.actors < 1 || opt.seconds <= 0 || opt.replay_events < 1
        || opt.recovery_ids < 1 || opt.max_unindexed < 0) {
        usage();
    }
    read_cpu();
    ev_type.id = akt_type_id(ev_type.name);
    go_type.id = akt_type_id(go_type.name);
    must(akt_registry_new(&reg), "registry");
    must(akt_registry_add(reg, &ev_type), "registry");
    must(akt_registry_add(reg, &go_type), "registry");
    const char *base = opt.dir ? opt.dir : getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/akt-persist-bench-XXXXXX",
        base && base[0] ? base : "/tmp");
    if (mkdtemp(dir) == NULL) {
        fprintf(
            stderr, "%s: mkdtemp %s: %s\n", bench_prog, dir, strerror(errno));
        return 1;
    }
    bool all = strcmp(opt.scenario, "all") == 0;
    bool lmdb
        = strcmp(opt.journal, "lmdb") == 0 || strcmp(opt.journal, "both") == 0;
    bool pgj
        = strcmp(opt.journal, "pg") == 0 || strcmp(opt.journal, "both") == 0;
    if (!lmdb && !pgj) {
        usage();
    }
    for (int pass = 0; pass < 2; pass++) {
        if ((pass == 0 && !lmdb) || (pass == 1 && !pgj)) {
            continue;
        }
        use_pg = pass == 1;
        if (use_pg) {
            int rc = pg_fixture_start(&pg, true);
            if (rc != 0) {
                fprintf(stderr, "%s: no PostgreSQL server (%s)\n", bench_prog,
                    rc == 77 ? "binaries not installed" : "start failed");
                return rc == 77 ? 77 : 1;
            }
        }
        if (all || strcmp(opt.scenario, "persist") == 0) {
            scenario_persist();
        }
        if (all || strcmp(opt.scenario, "replay") == 0) {
            scenario_replay();
        }
        if (all || strcmp(opt.scenario, "recovery") == 0) {
            scenario_recovery();
        }
        if (all || strcmp(opt.scenario, "snapshot") == 0) {
            scenario_snapshot();
        }
        if (use_pg) {
            pg_fixture_stop(&pg);
        }
    }
    if (opt.keep) {
        fprintf(stderr, "%s: kept %s\n", bench_prog, dir);
    } else {
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    akt_registry_free(reg);
    return 0;
}
