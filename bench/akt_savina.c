/*
 * akt_savina.c -- Savina-style benchmarks for akt (the akt side of the
 * comparison with bench/peers/caf and the Erlang peer).
 *
 *   akt-savina --scenario pingpong|counting|fjthrput|fjcreate|threadring|
 *              chameneos|big|memory|ask_inside|ask_outside|all
 *              [--n N] [--actors A] [--threads T] [--reps R] [--smoke]
 *              [--wait block|help]
 *   akt-savina --list
 *
 * Scenario names and parameters follow the contract in docs/profiler.md
 * (the one bench/run-peers uses for every runtime); ask-inside and
 * ask-outside are accepted as aliases. --smoke picks tiny sizes (the ones
 * of run-peers --smoke) for anything not given explicitly.
 *
 * One JSON object per line per repetition (schema: docs/profiler.md).
 * Workloads follow the Savina suite and the CAF peer: every message is
 * allocated per send (akt_msg_new) as a user's code would, the default
 * dispatcher has --threads workers (default 2), the main thread waits on a
 * future (ask with AKT_FOREVER) the way CAF's scoped_actor receives.
 *
 * How main waits (--wait): `block` (default) parks main on a semaphore
 * posted by akt_future_on_complete, so exactly --threads threads run
 * actors, as in CAF and Erlang. `help` uses akt_future_wait, which lets a
 * plain waiting thread run ready actors from the pool's injection queue
 * (a third thread running actors on a 2-core machine). ask_outside always
 * uses akt_future_wait: that call is what the scenario measures.
 */
#include <errno.h>
#include <inttypes.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "akt/akt.h"
#include "bench_util.h"

/* --- messages ------------------------------------------------------------- */

typedef bench_Int b_Int;

#define BTYPE(var, nm, idv)                                                    \
    static const akt_type var = { .abi = AKT_GEN_ABI,                          \
        .flags = AKT_TYPE_MESSAGE,                                             \
        .name = nm,                                                            \
        .id = idv,                                                             \
        .size = sizeof(b_Int),                                                 \
        .align = _Alignof(b_Int) }

BTYPE(int_type, "bench.Int", 0xb001);
BTYPE(go_type, "bench.Go", 0xb002);
BTYPE(get_type, "bench.Get", 0xb003);
BTYPE(done_type, "bench.Done", 0xb004);
BTYPE(arm_type, "bench.Arm", 0xb005);
BTYPE(idx_type, "bench.Idx", 0xb006);
BTYPE(meet_type, "bench.Meet", 0xb007);
BTYPE(mate_type, "bench.Mate", 0xb008);
BTYPE(stop_type, "bench.Stop", 0xb009);
BTYPE(ping_type, "bench.Ping", 0xb00a);
BTYPE(pong_type, "bench.Pong", 0xb00b);

/* --- output --------------------------------------------------------------- */

typedef struct options {
    const char *scenario;
    int64_t n, actors;
    int threads, reps;
    bool smoke;
} options;

static void
emit(const options *o, const char *scenario, const char *params,
    int64_t messages, double seconds, double rate, const char *unit, double p50,
    double p99)
{
    char a[32], b[32];
    num_or_null(a, sizeof a, p50, "%.3f");
    num_or_null(b, sizeof b, p99, "%.3f");
    printf("{\"runtime\":\"akt\",\"scenario\":\"%s\",\"params\":{%s},"
           "\"messages\":%" PRId64 ",\"seconds\":%.6f,\"rate\":%.1f,\"unit\":"
           "\"%s\",\"threads\":%d,\"p50_us\":%s,"
           "\"p99_us\":%s,\"version\":\"%s\",\"machine\":{\"cores\":%ld,"
           "\"cpu\":\"%s\"}}\n",
        scenario, params, messages, seconds, rate, unit, o->threads, a, b,
        AKT_VERSION_STRING, sysconf(_SC_NPROCESSORS_ONLN), cpu_model);
    fflush(stdout);
}

static akt_system *
mksys(const options *o)
{
    return bench_system("bench", o->threads);
}

static bool g_wait_help; /* --wait help */

typedef struct blocker {
    sem_t sem;
    akt_err status;
    int64_t v;
} blocker;

static void
blocker_done(akt_err status, const void *reply, void *arg)
{
    blocker *b = arg;
    b->status = status;
    b->v = reply ? ((const b_Int *)reply)->v : 0;
    sem_post(&b->sem);
}

/* main waits for `done` by asking an actor with a Go message */
static int64_t
ask_wait(akt_ref to, const akt_type *t, int64_t v)
{
    akt_future *f;
    must(akt_ask(to, mk(t, v), AKT_FOREVER, &f), "ask");
    int64_t out = 0;
    if (g_wait_help) {
        void *r = NULL;
        must(akt_future_wait(f, AKT_FOREVER, &r), "wait");
        out = r ? ((b_Int *)r)->v : 0;
        akt_msg_free(r);
    } else {
        blocker b = { .status = AKT_OK };
        sem_init(&b.sem, 0, 0);
        must(akt_future_on_complete(f, blocker_done, &b, NULL), "on_complete");
        while (sem_wait(&b.sem) != 0 && errno == EINTR) { }
        sem_destroy(&b.sem);
        must(b.status, "wait");
        out = b.v;
    }
    akt_future_release(f);
    return out;
}

static int64_t
pick(int64_t v, int64_t d)
{
    return v > 0 ? v : d;
}

/* --- collector: counts Done messages, answers an Arm(n) ask at n ------- */

typedef struct coll_state {
    int64_t count, target;
    akt_ref waiter;
} coll_state;

static void
coll_check(coll_state *s, akt_ctx *ctx)
{
    if (s->target > 0 && s->count >= s->target) {
        akt_tell(s->waiter, mk(&done_type, s->count), akt_ctx_self(ctx));
        s->target = 0;
    }
}

static akt_err
coll_done(void *st, akt_ctx *ctx, const void *msg)
{
    coll_state *s = st;
    s->count++;
    coll_check(s, ctx);
    return AKT_OK;
}

static akt_err
coll_arm(void *st, akt_ctx *ctx, const void *msg)
{
    coll_state *s = st;
    s->target = ((const b_Int *)msg)->v;
    s->waiter = akt_ctx_sender(ctx);
    coll_check(s, ctx);
    return AKT_OK;
}

static const akt_handler coll_h[] = { { &done_type, coll_done },
    { &int_type, coll_done }, { &arm_type, coll_arm } };
static const akt_behavior coll_beh = { "collector", coll_h, 3, NULL };
static const akt_props coll_props
    = { .behavior = &coll_beh, .state_size = sizeof(coll_state) };

/* --- pingpong ---------------------------------------------------------------
 */

typedef struct ping_state {
    int64_t left;
    akt_ref pong, main;
} ping_state;

static akt_ref g_pong;

static akt_err
pong_int(void *st, akt_ctx *ctx, const void *msg)
{
    return akt_reply(ctx, mk(&int_type, ((const b_Int *)msg)->v));
}

static akt_err
ping_go(void *st, akt_ctx *ctx, const void *msg)
{
    ping_state *s = st;
    s->left = ((const b_Int *)msg)->v;
    s->main = akt_ctx_sender(ctx);
    s->pong = g_pong;
    return akt_tell(s->pong, mk(&int_type, s->left), akt_ctx_self(ctx));
}

static akt_err
ping_int(void *st, akt_ctx *ctx, const void *msg)
{
    ping_state *s = st;
    if (--s->left == 0) {
        return akt_tell(s->main, mk(&done_type, 0), akt_ctx_self(ctx));
    }
    return akt_tell(s->pong, mk(&int_type, s->left), akt_ctx_self(ctx));
}

static const akt_handler pong_h[] = { { &int_type, pong_int } };
static const akt_behavior pong_beh = { "pong", pong_h, 1, NULL };
static const akt_handler ping_h[]
    = { { &go_type, ping_go }, { &int_type, ping_int } };
static const akt_behavior ping_beh = { "ping", ping_h, 2, NULL };

static void
run_pingpong(const options *o)
{
    int64_t n = pick(o->n, 1000000);
    akt_system *sys = mksys(o);
    double t0 = now_s();
    akt_props pp = { .behavior = &pong_beh };
    akt_props ip = { .behavior = &ping_beh, .state_size = sizeof(ping_state) };
    akt_ref ping;
    must(akt_spawn(sys, &pp, "pong", &g_pong), "spawn");
    must(akt_spawn(sys, &ip, "ping", &ping), "spawn");
    ask_wait(ping, &go_type, n);
    double s = now_s() - t0;
    char p[64];
    snprintf(p, sizeof p, "\"n\":%" PRId64, n);
    emit(o, "pingpong", p, 2 * n, s, (double)n / s, "round_trips/s", -1, -1);
    akt_system_free(sys);
}

/* --- counting ------------------------------------------------------------ */

static akt_err
counter_int(void *st, akt_ctx *ctx, const void *msg)
{
    *(int64_t *)st += ((const b_Int *)msg)->v;
    return AKT_OK;
}

static akt_err
counter_get(void *st, akt_ctx *ctx, const void *msg)
{
    return akt_reply(ctx, mk(&int_type, *(int64_t *)st));
}

static akt_ref g_counter;

static akt_err
producer_go(void *st, akt_ctx *ctx, const void *msg)
{
    int64_t n = ((const b_Int *)msg)->v;
    akt_ref self = akt_ctx_self(ctx);
    for (int64_t i = 1; i <= n; i++) {
        akt_err rc = akt_tell(g_counter, mk(&int_type, i), self);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    /* the Get carries main's sender: the counter answers main */
    return akt_tell(g_counter, mk(&get_type, 0), akt_ctx_sender(ctx));
}

static const akt_handler counter_h[]
    = { { &int_type, counter_int }, { &get_type, counter_get } };
static const akt_behavior counter_beh = { "counter", counter_h, 2, NULL };
static const akt_handler producer_h[] = { { &go_type, producer_go } };
static const akt_behavior producer_beh = { "producer", producer_h, 1, NULL };

static void
run_counting(const options *o)
{
    int64_t n = pick(o->n, 10000000);
    akt_system *sys = mksys(o);
    double t0 = now_s();
    akt_props cp = { .behavior = &counter_beh, .state_size = sizeof(int64_t) };
    akt_props pp = { .behavior = &producer_beh };
    akt_ref prod;
    must(akt_spawn(sys, &cp, "counter", &g_counter), "spawn");
    must(akt_spawn(sys, &pp, "producer", &prod), "spawn");
    int64_t total = ask_wait(prod, &go_type, n);
    double s = now_s() - t0;
    if (total != n * (n + 1) / 2) {
        fprintf(stderr, "counting: wrong total %" PRId64 "\n", total);
        exit(1);
    }
    char p[64];
    snprintf(p, sizeof p, "\"n\":%" PRId64, n);
    emit(o, "counting", p, n, s, (double)n / s, "messages/s", -1, -1);
    akt_system_free(sys);
}

/* --- fjthrput ------------------------------------------------------------ */

typedef struct fjw_state {
    int64_t left;
} fjw_state;

static akt_ref g_coll;
static akt_ref *g_workers;
static int64_t g_nworkers;

static akt_err
fjw_idx(void *st, akt_ctx *ctx, const void *msg)
{
    ((fjw_state *)st)->left = ((const b_Int *)msg)->v;
    return AKT_OK;
}

static akt_err
fjw_int(void *st, akt_ctx *ctx, const void *msg)
{
    fjw_state *s = st;
    if (--s->left == 0) {
        akt_tell(g_coll, mk(&done_type, 0), AKT_REF_NONE);
        akt_ctx_stop(ctx, akt_ctx_self(ctx));
    }
    return AKT_OK;
}

static akt_err
fjs_go(void *st, akt_ctx *ctx, const void *msg)
{
    int64_t n = ((const b_Int *)msg)->v;
    akt_ref self = akt_ctx_self(ctx);
    for (int64_t i = 0; i < n; i++) {
        akt_err rc
            = akt_tell(g_workers[i % g_nworkers], mk(&int_type, i), self);
        if (rc != AKT_OK) {
            return rc;
        }
    }
    akt_ctx_stop(ctx, self);
    return AKT_OK;
}

static const akt_handler fjw_h[]
    = { { &idx_type, fjw_idx }, { &int_type, fjw_int } };
static const akt_behavior fjw_beh = { "fjworker", fjw_h, 2, NULL };
static const akt_handler fjs_h[] = { { &go_type, fjs_go } };
static const akt_behavior fjs_beh = { "fjsender", fjs_h, 1, NULL };

static void
run_fjthrput(const options *o)
{
    int64_t n = pick(o->n, 1000000), a = pick(o->actors, 60);
    akt_system *sys = mksys(o);
    double t0 = now_s();
    must(akt_spawn(sys, &coll_props, "coll", &g_coll), "spawn");
    akt_props wp = { .behavior = &fjw_beh, .state_size = sizeof(fjw_state) };
    g_workers = calloc((size_t)a, sizeof(akt_ref));
    g_nworkers = 0;
    for (int64_t i = 0; i < a; i++) {
        int64_t expect = n / a + (i < n % a ? 1 : 0);
        if (expect > 0) {
            must(akt_spawn(sys, &wp, NULL, &g_workers[g_nworkers]), "spawn");
            must(akt_tell(g_workers[g_nworkers], mk(&idx_type, expect),
                     AKT_REF_NONE),
                "tell");
            g_nworkers++;
        }
    }
    akt_props sp = { .behavior = &fjs_beh };
    akt_ref sender;
    must(akt_spawn(sys, &sp, "sender", &sender), "spawn");
    must(akt_tell(sender, mk(&go_type, n), AKT_REF_NONE), "tell");
    ask_wait(g_coll, &arm_type, g_nworkers);
    double s = now_s() - t0;
    char p[96];
    snprintf(p, sizeof p, "\"n\":%" PRId64 ",\"actors\":%" PRId64, n, a);
    emit(o, "fjthrput", p, n, s, (double)n / s, "messages/s", -1, -1);
    free(g_workers);
    akt_system_free(sys);
}

/* --- fjcreate ------------------------------------------------------------- */

static akt_err
fjc_int(void *st, akt_ctx *ctx, const void *msg)
{
    akt_tell(g_coll, mk(&int_type, ((const b_Int *)msg)->v), AKT_REF_NONE);
    return akt_ctx_stop(ctx, akt_ctx_self(ctx));
}

static const akt_handler fjc_h[] = { { &int_type, fjc_int } };
static const akt_behavior fjc_beh = { "fjcworker", fjc_h, 1, NULL };
static const akt_props fjc_props = { .behavior = &fjc_beh };

static akt_err
creator_go(void *st, akt_ctx *ctx, const void *msg)
{
    int64_t n = ((const b_Int *)msg)->v;
    for (int64_t i = 0; i < n; i++) {
        akt_ref w;
        akt_err rc = akt_ctx_spawn(ctx, &fjc_props, NULL, &w);
        if (rc != AKT_OK) {
            return rc;
        }
        if ((rc = akt_tell(w, mk(&int_type, i), AKT_REF_NONE)) != AKT_OK) {
            return rc;
        }
    }
    return AKT_OK;
}

static const akt_handler creator_h[] = { { &go_type, creator_go } };
static const akt_behavior creator_beh = { "creator", creator_h, 1, NULL };

static void
run_fjcreate(const options *o)
{
    int64_t n = pick(o->n, 20000);
    akt_system *sys = mksys(o);
    double t0 = now_s();
    must(akt_spawn(sys, &coll_props, "coll", &g_coll), "spawn");
    akt_props cp = { .behavior = &creator_beh };
    akt_ref creator;
    must(akt_spawn(sys, &cp, "creator", &creator), "spawn");
    must(akt_tell(creator, mk(&go_type, n), AKT_REF_NONE), "tell");
    ask_wait(g_coll, &arm_type, n);
    double s = now_s() - t0;
    char p[64];
    snprintf(p, sizeof p, "\"n\":%" PRId64, n);
    emit(o, "fjcreate", p, 2 * n, s, (double)n / s, "actors/s", -1, -1);
    akt_system_free(sys);
}

/* --- threadring ------------------------------------------------------------
 */

typedef struct ring_state {
    akt_ref next;
} ring_state;

static akt_ref *g_ring;
static int64_t g_nring;

static akt_err
ring_idx(void *st, akt_ctx *ctx, const void *msg)
{
    int64_t i = ((const b_Int *)msg)->v;
    ((ring_state *)st)->next = g_ring[(i + 1) % g_nring];
    return AKT_OK;
}

static akt_err
ring_int(void *st, akt_ctx *ctx, const void *msg)
{
    int64_t k = ((const b_Int *)msg)->v;
    if (k == 0) {
        return akt_reply(ctx, mk(&done_type, 0));
    }
    /* keep main's future as the sender all the way round */
    return akt_tell(
        ((ring_state *)st)->next, mk(&int_type, k - 1), akt_ctx_sender(ctx));
}

static const akt_handler ring_h[]
    = { { &idx_type, ring_idx }, { &int_type, ring_int } };
static const akt_behavior ring_beh = { "ring", ring_h, 2, NULL };

static void
run_threadring(const options *o)
{
    int64_t n = pick(o->n, 10000000), a = pick(o->actors, 100);
    akt_system *sys = mksys(o);
    double t0 = now_s();
    akt_props rp = { .behavior = &ring_beh, .state_size = sizeof(ring_state) };
    g_ring = calloc((size_t)a, sizeof(akt_ref));
    g_nring = a;
    for (int64_t i = 0; i < a; i++) {
        must(akt_spawn(sys, &rp, NULL, &g_ring[i]), "spawn");
    }
    for (int64_t i = 0; i < a; i++) {
        must(akt_tell(g_ring[i], mk(&idx_type, i), AKT_REF_NONE), "tell");
    }
    ask_wait(g_ring[0], &int_type, n);
    double s = now_s() - t0;
    char p[96];
    snprintf(p, sizeof p, "\"n\":%" PRId64 ",\"actors\":%" PRId64, n, a);
    emit(o, "threadring", p, n, s, (double)n / s, "hops/s", -1, -1);
    free(g_ring);
    akt_system_free(sys);
}

/* --- chameneos ----------------------------------------------------------- */

/* `actors` chameneos (colours i % 3) meet pairwise in a mall; n meetings.
 * Per meeting: two Meet requests and two Mate replies. After the n-th
 * meeting every Meet is answered with Stop; when all chameneos have
 * stopped the mall answers main's Arm ask. */

typedef struct mall_state {
    int64_t left, stopped, total;
    bool waiting, finished;
    akt_ref wactor, main;
    int64_t wcolor;
} mall_state;

static akt_ref g_mall;

static int64_t
complement(int64_t a, int64_t b)
{
    return a == b ? a : 3 - a - b;
}

static akt_err
mall_idx(void *st, akt_ctx *ctx, const void *msg)
{
    mall_state *s = st;
    s->total = ((const b_Int *)msg)->v >> 32;
    s->left = ((const b_Int *)msg)->v & 0xffffffff;
    return AKT_OK;
}

static akt_err
mall_meet(void *st, akt_ctx *ctx, const void *msg)
{
    mall_state *s = st;
    int64_t color = ((const b_Int *)msg)->v;
    akt_ref from = akt_ctx_sender(ctx), self = akt_ctx_self(ctx);
    if (s->left == 0) {
        akt_err rc = akt_tell(from, mk(&stop_type, 0), self);
        if (rc == AKT_OK && ++s->stopped == s->total) {
            s->finished = true;
            if (!akt_ref_is_none(s->main)) {
                rc = akt_tell(s->main, mk(&done_type, 0), self);
            }
        }
        return rc;
    }
    if (s->waiting) {
        akt_err rc = akt_tell(s->wactor, mk(&mate_type, color), self);
        if (rc == AKT_OK) {
            rc = akt_tell(from, mk(&mate_type, s->wcolor), self);
        }
        s->waiting = false;
        s->left--;
        return rc;
    }
    s->waiting = true;
    s->wactor = from;
    s->wcolor = color;
    return AKT_OK;
}

static akt_err
mall_arm(void *st, akt_ctx *ctx, const void *msg)
{
    mall_state *s = st;
    s->main = akt_ctx_sender(ctx);
    if (s->finished) {
        return akt_reply(ctx, mk(&done_type, 0));
    }
    return AKT_OK;
}

static akt_err
cham_go(void *st, akt_ctx *ctx, const void *msg)
{
    int64_t *color = st;
    *color = ((const b_Int *)msg)->v;
    return akt_tell(g_mall, mk(&meet_type, *color), akt_ctx_self(ctx));
}

static akt_err
cham_mate(void *st, akt_ctx *ctx, const void *msg)
{
    int64_t *color = st;
    *color = complement(*color, ((const b_Int *)msg)->v);
    return akt_tell(g_mall, mk(&meet_type, *color), akt_ctx_self(ctx));
}

static akt_err
cham_stop(void *st, akt_ctx *ctx, const void *msg)
{
    return akt_ctx_stop(ctx, akt_ctx_self(ctx));
}

static const akt_handler mall_h[] = { { &idx_type, mall_idx },
    { &meet_type, mall_meet }, { &arm_type, mall_arm } };
static const akt_behavior mall_beh = { "mall", mall_h, 3, NULL };
static const akt_handler cham_h[] = { { &go_type, cham_go },
    { &mate_type, cham_mate }, { &stop_type, cham_stop } };
static const akt_behavior cham_beh = { "chameneo", cham_h, 3, NULL };

static void
run_chameneos(const options *o)
{
    int64_t n = pick(o->n, 200000), c = pick(o->actors, 100);
    if (c < 2 || c > 0x7fffffff || n > 0xffffffff) {
        fprintf(stderr, "chameneos: needs 2 <= actors < 2^31 and n < 2^32\n");
        exit(2);
    }
    akt_system *sys = mksys(o);
    double t0 = now_s();
    akt_props mp = { .behavior = &mall_beh, .state_size = sizeof(mall_state) };
    akt_props cp = { .behavior = &cham_beh, .state_size = sizeof(int64_t) };
    must(akt_spawn(sys, &mp, "mall", &g_mall), "spawn");
    must(akt_tell(g_mall, mk(&idx_type, (c << 32) | n), AKT_REF_NONE), "tell");
    for (int64_t i = 0; i < c; i++) {
        akt_ref ch;
        must(akt_spawn(sys, &cp, NULL, &ch), "spawn");
        must(akt_tell(ch, mk(&go_type, i % 3), AKT_REF_NONE), "tell");
    }
    ask_wait(g_mall, &arm_type, 0);
    double s = now_s() - t0;
    char p[96];
    snprintf(p, sizeof p, "\"n\":%" PRId64 ",\"actors\":%" PRId64, n, c);
    emit(o, "chameneos", p, 4 * n, s, (double)n / s, "meetings/s", -1, -1);
    akt_system_free(sys);
}

/* --- big ------------------------------------------------------------------ */

/* `actors` workers; each sends n pings to random peers (minstd_rand seeded
 * with index + 1, as the CAF peer) and sends the next ping when the pong is
 * back; each worker tells the collector when its n pongs are in. */

typedef struct big_state {
    int64_t left, idx;
    uint32_t rng;
} big_state;

static akt_ref *g_big;
static int64_t g_nbig;

static uint32_t
minstd_next(uint32_t *x)
{
    *x = (uint32_t)(((uint64_t)*x * 48271u) % 2147483647u);
    return *x;
}

static akt_err
big_send_ping(big_state *s, akt_ref self)
{
    int64_t t = (int64_t)(minstd_next(&s->rng) % (uint64_t)g_nbig);
    if (t == s->idx) {
        t = (t + 1) % g_nbig;
    }
    s->left--;
    return akt_tell(g_big[t], mk(&ping_type, s->idx), self);
}

static akt_err
big_go(void *st, akt_ctx *ctx, const void *msg)
{
    big_state *s = st;
    int64_t v = ((const b_Int *)msg)->v;
    s->idx = v >> 32;
    s->left = v & 0xffffffff;
    uint32_t seed = (uint32_t)((s->idx + 1) % 2147483647);
    s->rng = seed == 0 ? 1 : seed;
    if (s->left == 0) {
        return akt_tell(g_coll, mk(&done_type, 0), AKT_REF_NONE);
    }
    return big_send_ping(s, akt_ctx_self(ctx));
}

static akt_err
big_ping(void *st, akt_ctx *ctx, const void *msg)
{
    int64_t from = ((const b_Int *)msg)->v;
    return akt_tell(g_big[from], mk(&pong_type, 0), akt_ctx_self(ctx));
}

static akt_err
big_pong(void *st, akt_ctx *ctx, const void *msg)
{
    big_state *s = st;
    if (s->left == 0) {
        return akt_tell(g_coll, mk(&done_type, 0), AKT_REF_NONE);
    }
    return big_send_ping(s, akt_ctx_self(ctx));
}

static const akt_handler big_h[] = { { &go_type, big_go },
    { &ping_type, big_ping }, { &pong_type, big_pong } };
static const akt_behavior big_beh = { "big", big_h, 3, NULL };

static void
run_big(const options *o)
{
    int64_t n = pick(o->n, 20000), a = pick(o->actors, 120);
    if (a < 2 || a > 0x7fffffff || n > 0xffffffff) {
        fprintf(stderr, "big: needs 2 <= actors < 2^31 and n < 2^32\n");
        exit(2);
    }
    akt_system *sys = mksys(o);
    double t0 = now_s();
    must(akt_spawn(sys, &coll_props, "coll", &g_coll), "spawn");
    akt_props bp = { .behavior = &big_beh, .state_size = sizeof(big_state) };
    g_big = calloc((size_t)a, sizeof(akt_ref));
    g_nbig = a;
    for (int64_t i = 0; i < a; i++) {
        must(akt_spawn(sys, &bp, NULL, &g_big[i]), "spawn");
    }
    for (int64_t i = 0; i < a; i++) {
        must(akt_tell(g_big[i], mk(&go_type, (i << 32) | n), AKT_REF_NONE),
            "tell");
    }
    ask_wait(g_coll, &arm_type, a);
    double s = now_s() - t0;
    int64_t msgs = 2 * n * a;
    char p[96];
    snprintf(p, sizeof p, "\"n\":%" PRId64 ",\"actors\":%" PRId64, n, a);
    emit(o, "big", p, msgs, s, (double)msgs / s, "messages/s", -1, -1);
    akt_system_free(sys);
    free(g_big);
}

/* --- memory ------------------------------------------------------------------
 */

static long
rss_bytes(void)
{
    long total = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f == NULL) {
        return -1;
    }
    if (fscanf(f, "%ld %ld", &total, &rss) != 2) {
        rss = -1;
    }
    fclose(f);
    return rss * sysconf(_SC_PAGESIZE);
}

typedef struct idle_state {
    int64_t unused;
} idle_state;

static akt_err
idle_start(void *st, akt_ctx *ctx)
{
    return akt_tell(g_coll, mk(&done_type, 0), AKT_REF_NONE);
}

static const akt_lifecycle idle_life = { .pre_start = idle_start };
static const akt_behavior idle_beh = { "idle", NULL, 0, NULL };

static void
run_memory(const options *o)
{
    int64_t n = pick(o->n, 1000000);
    akt_system *sys = mksys(o);
    akt_ref *v = calloc((size_t)n, sizeof(akt_ref));
    memset(v, 0, (size_t)n * sizeof(akt_ref)); /* in the baseline, as CAF's */
    must(akt_spawn(sys, &coll_props, "coll", &g_coll), "spawn");
    struct timespec ts = { 0, 50 * 1000000 };
    nanosleep(&ts, NULL);
    long before = rss_bytes();
    double t0 = now_s();
    akt_props ip = { .behavior = &idle_beh,
        .lifecycle = &idle_life,
        .state_size = sizeof(idle_state) };
    for (int64_t i = 0; i < n; i++) {
        must(akt_spawn(sys, &ip, NULL, &v[i]), "spawn");
    }
    ask_wait(g_coll, &arm_type, n);
    double s = now_s() - t0;
    long after = rss_bytes();
    double per = (double)(after - before) / (double)n;
    char p[64];
    snprintf(p, sizeof p, "\"n\":%" PRId64, n);
    emit(o, "memory", p, n, s, per, "bytes/actor", -1, -1);
    free(v);
    akt_system_free(sys);
}

/* --- ask, inside ------------------------------------------------------------
 */

typedef struct asker_state {
    int64_t left;
    akt_ref server, main, self;
    double t;
    double *lat;
    size_t nlat;
} asker_state;

static akt_err
server_int(void *st, akt_ctx *ctx, const void *msg)
{
    return akt_reply(ctx, mk(&int_type, ((const b_Int *)msg)->v + 1));
}

static const akt_handler server_h[] = { { &int_type, server_int } };
static const akt_behavior server_beh = { "server", server_h, 1, NULL };
static akt_ref g_server;
static double *g_lat;

static akt_err asker_next(asker_state *s);

static akt_err
asker_go(void *st, akt_ctx *ctx, const void *msg)
{
    asker_state *s = st;
    s->left = ((const b_Int *)msg)->v;
    s->main = akt_ctx_sender(ctx);
    s->self = akt_ctx_self(ctx);
    s->server = g_server;
    s->lat = g_lat;
    s->nlat = 0;
    return asker_next(s);
}

/* the reply, piped to the asker as a message (CAF's request().then runs
 * its continuation in the actor; pipe_to is akt's way to get there) */
static akt_err
asker_reply(void *st, akt_ctx *ctx, const void *msg)
{
    asker_state *s = st;
    s->lat[s->nlat++] = (now_s() - s->t) * 1e6;
    if (((const b_Int *)msg)->v != s->left + 1) {
        fprintf(stderr, "ask: wrong reply\n");
        exit(1);
    }
    if (--s->left == 0) {
        return akt_tell(s->main, mk(&done_type, 0), s->self);
    }
    return asker_next(s);
}

static akt_err
asker_next(asker_state *s)
{
    s->t = now_s();
    akt_future *f;
    akt_err rc = akt_ask(s->server, mk(&int_type, s->left), AKT_FOREVER, &f);
    if (rc != AKT_OK) {
        return rc;
    }
    rc = akt_future_pipe_to(f, s->self);
    akt_future_release(f);
    return rc;
}

static const akt_handler asker_h[]
    = { { &go_type, asker_go }, { &int_type, asker_reply } };
static const akt_behavior asker_beh = { "asker", asker_h, 2, NULL };

static void
run_ask_inside(const options *o)
{
    int64_t n = pick(o->n, 200000);
    akt_system *sys = mksys(o);
    g_lat = malloc((size_t)n * sizeof(double));
    double t0 = now_s();
    akt_props sp = { .behavior = &server_beh };
    akt_props ap
        = { .behavior = &asker_beh, .state_size = sizeof(asker_state) };
    akt_ref asker;
    must(akt_spawn(sys, &sp, "server", &g_server), "spawn");
    must(akt_spawn(sys, &ap, "asker", &asker), "spawn");
    ask_wait(asker, &go_type, n);
    double s = now_s() - t0;
    double p50, p99;
    percentiles(g_lat, (size_t)n, &p50, &p99);
    char p[64];
    snprintf(p, sizeof p, "\"n\":%" PRId64, n);
    emit(o, "ask_inside", p, 2 * n, s, (double)n / s, "asks/s", p50, p99);
    free(g_lat);
    akt_system_free(sys);
}

/* --- ask, outside ----------------------------------------------------------
 */

static void
run_ask_outside(const options *o)
{
    int64_t n = pick(o->n, 20000);
    akt_system *sys = mksys(o);
    double *lat = malloc((size_t)n * sizeof(double));
    akt_props sp = { .behavior = &server_beh };
    akt_ref server;
    must(akt_spawn(sys, &sp, "server", &server), "spawn");
    double t0 = now_s();
    for (int64_t i = 0; i < n; i++) {
        double t = now_s();
        akt_future *f;
        must(akt_ask(server, mk(&int_type, i), AKT_SEC(30), &f), "ask");
        void *r = NULL;
        must(akt_future_wait(f, AKT_FOREVER, &r), "wait");
        if (((b_Int *)r)->v != i + 1) {
            fprintf(stderr, "ask_outside: wrong reply\n");
            exit(1);
        }
        akt_msg_free(r);
        akt_future_release(f);
        lat[i] = (now_s() - t) * 1e6;
    }
    double s = now_s() - t0;
    double p50, p99;
    percentiles(lat, (size_t)n, &p50, &p99);
    char p[64];
    snprintf(p, sizeof p, "\"n\":%" PRId64, n);
    emit(o, "ask_outside", p, 2 * n, s, (double)n / s, "asks/s", p50, p99);
    free(lat);
    akt_system_free(sys);
}

/* --- main -------------------------------------------------------------------
 */

/* smoke sizes: the ones of bench/run-peers --smoke (0: no such param) */
typedef struct scenario {
    const char *name;
    const char *alias;
    void (*fn)(const options *);
    int64_t smoke_n, smoke_actors;
} scenario;

static const scenario scenarios[] = {
    { "pingpong", NULL, run_pingpong, 1000, 0 },
    { "counting", NULL, run_counting, 10000, 0 },
    { "fjthrput", NULL, run_fjthrput, 6000, 60 },
    { "fjcreate", NULL, run_fjcreate, 200, 0 },
    { "threadring", NULL, run_threadring, 10000, 100 },
    { "chameneos", NULL, run_chameneos, 1000, 100 },
    { "big", NULL, run_big, 100, 120 },
    { "memory", NULL, run_memory, 1000, 0 },
    { "ask_inside", "ask-inside", run_ask_inside, 1000, 0 },
    { "ask_outside", "ask-outside", run_ask_outside, 200, 0 },
};
#define NSCEN (sizeof scenarios / sizeof scenarios[0])

static void
usage(int rc)
{
    fprintf(rc ? stderr : stdout,
        "usage: akt-savina --scenario NAME|all [--n N] [--actors A] [--threads "
        "T] [--reps R]\n"
        "                  [--smoke] [--wait block|help]\n"
        "       akt-savina --list\n"
        "scenarios: pingpong counting fjthrput fjcreate threadring chameneos "
        "big memory\n"
        "           ask_inside ask_outside (see docs/profiler.md)\n");
    exit(rc);
}

static int64_t
parse_int(const char *s, const char *what)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || v <= 0) {
        fprintf(stderr, "akt-savina: bad value for %s: %s\n", what, s);
        exit(2);
    }
    return v;
}

int
main(int argc, char **argv)
{
    bench_prog = "akt-savina";
    options o = { NULL, -1, -1, 2, 1, false };
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
            o.scenario = NEXT();
        } else if (strcmp(a, "--n") == 0) {
            o.n = parse_int(NEXT(), "--n");
        } else if (strcmp(a, "--actors") == 0) {
            o.actors = parse_int(NEXT(), "--actors");
        } else if (strcmp(a, "--threads") == 0) {
            o.threads = (int)parse_int(NEXT(), "--threads");
        } else if (strcmp(a, "--reps") == 0) {
            o.reps = (int)parse_int(NEXT(), "--reps");
        } else if (strcmp(a, "--smoke") == 0) {
            o.smoke = true;
        } else if (strcmp(a, "--wait") == 0) {
            const char *w = NEXT();
            if (strcmp(w, "help") == 0) {
                g_wait_help = true;
            } else if (strcmp(w, "block") != 0) {
                fprintf(stderr, "akt-savina: --wait block|help\n");
                return 2;
            }
        } else if (strcmp(a, "--list") == 0) {
            for (size_t k = 0; k < NSCEN; k++) {
                printf("%s\n", scenarios[k].name);
            }
            return 0;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(0);
        } else {
            fprintf(stderr, "akt-savina: unknown argument %s\n", a);
            usage(2);
        }
#undef NEXT
    }
    if (o.scenario == NULL) {
        usage(2);
    }
    read_cpu();
    bool all = strcmp(o.scenario, "all") == 0;
    bool found = false;
    for (size_t k = 0; k < NSCEN; k++) {
        const scenario *s = &scenarios[k];
        if (all || strcmp(o.scenario, s->name) == 0
            || (s->alias && strcmp(o.scenario, s->alias) == 0)) {
            found = true;
            options so = o;
            if (o.smoke && so.n <= 0) {
                so.n = s->smoke_n;
            }
            if (o.smoke && so.actors <= 0 && s->smoke_actors > 0) {
                so.actors = s->smoke_actors;
            }
            for (int r = 0; r < o.reps; r++) {
                s->fn(&so);
            }
        }
    }
    if (!found) {
        fprintf(stderr, "akt-savina: unknown scenario %s\n", o.scenario);
        return 2;
    }
    return 0;
}
