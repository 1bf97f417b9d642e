/*
 * crash_test.c -- acknowledged events survive a kill -9 of the writer.
 *
 * Each trial forks a writer process that persists batches of 1..3 events
 * (one atomic write each, at most one in flight per persistence id, as a
 * persistent actor does) for four ids and reports every acknowledgement
 * on a pipe from the journal's callback. The parent kills it with SIGKILL
 * after a random number of acknowledgements (0..299: during open, between
 * commits, mid-batch; counted, not timed, so a slow machine kills at the
 * same points), reopens the journal and checks: every
 * acknowledged event is there (0 lost), each id's sequence numbers are
 * exactly 1..highest (no gaps), the last atomic write is whole, and the
 * global sequence is exactly 1..G. Every other trial's writer sets
 * max-unindexed-events = 5 (records move from the write-ahead log into
 * the per-id index at nearly every commit); the reopen uses the default.
 * AKT_CRASH_TRIALS sets the number of
 * trials (default 20), AKT_CRASH_SEED the seed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "akt/persistence.h"
#include "latch.h"

typedef struct cr_Evt {
    int64_t seq;
    int64_t last; /* last sequence number of the event's atomic write */
} cr_Evt;

static const akt_field evt_fields[] = {
    { .name = "seq",
        .number = 1,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(cr_Evt, seq),
        .has_offset = AKT_NO_OFFSET },
    { .name = "last",
        .number = 2,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(cr_Evt, last),
        .has_offset = AKT_NO_OFFSET },
};
static akt_type evt_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_EVENT | AKT_TYPE_TABLE,
    .name = "cr.Evt",
    .size = sizeof(cr_Evt),
    .align = _Alignof(cr_Evt),
    .fields = evt_fields,
    .nfields = 2,
};

enum { NPIDS = 4 };

/* the writer's acknowledgements so far: it waits on this for an id to be
 * free again instead of polling */
static t_latch g_acks = T_LATCH_INIT;

typedef struct wstate {
    int fd;
    int pid_ix;
    uint64_t last;
    volatile int inflight;
} wstate;

static void
ack_cb(void *arg, akt_write_status st, akt_err rc)
{
    wstate *w = arg;
    if (st != AKT_WRITE_OK) {
        fprintf(stderr, "writer: write failed: %s\n", akt_strerror(rc));
        _exit(3);
    }
    char line[64];
    int n
        = snprintf(line, sizeof(line), "%d %" PRIu64 "\n", w->pid_ix, w->last);
    if (write(w->fd, line, (size_t)n) != n) {
        _exit(4);
    }
    __atomic_store_n(&w->inflight, 0, __ATOMIC_RELEASE);
    t_latch_add(&g_acks, 1);
}

static void
writer(const char *dir, int fd, unsigned seed)
{
    akt_registry *reg;
    akt_journal *j;
    akt_registry_new(&reg);
    akt_registry_add(reg, &evt_type);
    /* every other trial moves the log into the per-id index at nearly
     * every commit, so kills land in those commits too */
    akt_lmdb_options o = { .dir = dir,
        .map_size = 256u << 20,
        .max_unindexed_events = (seed & 1) ? 5 : 0 };
    if (akt_journal_open_lmdb(&o, reg, &j, NULL) != AKT_OK) {
        _exit(2);
    }
    wstate ws[NPIDS];
    uint64_t next[NPIDS];
    for (int i = 0; i < NPIDS; i++) {
        ws[i] = (wstate) { .fd = fd, .pid_ix = i };
        next[i] = 1;
    }
    srand(seed);
    for (;;) {
        for (int i = 0; i < NPIDS; i++) {
            if (__atomic_load_n(&ws[i].inflight, __ATOMIC_ACQUIRE)) {
                continue;
            }
            size_t n = 1 + (size_t)(rand() % 3);
            akt_jevent ev[3];
            void *m[3];
            for (size_t k = 0; k < n; k++) {
                cr_Evt *e = akt_msg_new(&evt_type, 0);
                e->seq = (int64_t)(next[i] + k);
                e->last = (int64_t)(next[i] + n - 1);
                m[k] = e;
                ev[k] = (akt_jevent) { .msg = e };
            }
            char pid[16];
            snprintf(pid, sizeof(pid), "c-%d", i);
            ws[i].last = next[i] + n - 1;
            ws[i].inflight = 1;
            if (akt_journal_write(j, pid, next[i], ev, n, ack_cb, &ws[i])
                != AKT_OK) {
                _exit(5);
            }
            next[i] += n;
            for (size_t k = 0; k < n; k++) {
                akt_msg_free(m[k]);
            }
        }
        /* at least one id is in flight: wait for its acknowledgement */
        int64_t seen = t_latch_get(&g_acks);
        if (!t_latch_wait(&g_acks, seen + 1, 30000)) {
            _exit(6); /* no acknowledgement in 30 s: the parent sees it */
        }
    }
}

typedef struct check_ctx {
    uint64_t expect;
    uint64_t last_of_batch;
    uint64_t *gseqs;
    size_t ng, capg;
} check_ctx;

static akt_err
check_cb(void *arg, const akt_prepr *rec, const void *ev)
{
    check_ctx *c = arg;
    const cr_Evt *e = ev;
    ck_assert_uint_eq(rec->seq, c->expect); /* gap-free from 1 */
    ck_assert_int_eq(e->seq, (int64_t)rec->seq);
    c->last_of_batch = (uint64_t)e->last;
    c->expect++;
    if (c->ng == c->capg) {
        c->capg = c->capg ? c->capg * 2 : 1024;
        c->gseqs = realloc(c->gseqs, c->capg * sizeof(uint64_t));
    }
    c->gseqs[c->ng++] = rec->gseq;
    return AKT_OK;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

START_TEST(killed_writer_loses_no_acknowledged_event_and_leaves_no_gap)
{
    evt_type.id = akt_type_id(evt_type.name);
    const char *tv = getenv("AKT_CRASH_TRIALS");
    const char *sv = getenv("AKT_CRASH_SEED");
    int trials = tv ? atoi(tv) : 20;
    unsigned seed = sv ? (unsigned)atoi(sv) : (unsigned)time(NULL);
    printf("crash test: %d trials, seed %u\n", trials, seed);
    srand(seed);
    akt_registry *reg;
    akt_registry_new(&reg);
    akt_registry_add(reg, &evt_type);
    uint64_t total_acked = 0, total_found = 0;
    for (int t = 0; t < trials; t++) {
        char dir[64];
        snprintf(dir, sizeof(dir), "/tmp/akt-crash-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t child = fork();
        ck_assert_int_ge(child, 0);
        if (child == 0) {
            close(fds[0]);
            writer(dir, fds[1], seed + (unsigned)t);
        }
        close(fds[1]);
        /* kill after a random number of acknowledgements (0: during
         * open); the writer keeps committing while we read, so the kill
         * lands between commits or in the middle of one */
        uint64_t acked[NPIDS] = { 0 };
        FILE *f = fdopen(fds[0], "r");
        int ix;
        uint64_t last;
        int kill_after = rand() % 300, seen = 0;
        while (seen < kill_after && fscanf(f, "%d %" SCNu64, &ix, &last) == 2) {
            ck_assert(ix >= 0 && ix < NPIDS);
            ck_assert_uint_gt(last, acked[ix]); /* acks in order */
            acked[ix] = last;
            seen++;
        }
        kill(child, SIGKILL);
        int status;
        waitpid(child, &status, 0);
        ck_assert_msg(WIFSIGNALED(status), "writer exited by itself: %d",
            WEXITSTATUS(status));
        while (fscanf(f, "%d %" SCNu64, &ix, &last) == 2) {
            ck_assert(ix >= 0 && ix < NPIDS);
            ck_assert_uint_gt(last, acked[ix]); /* acks in order */
            acked[ix] = last;
        }
        fclose(f);
        akt_journal *j;
        akt_persist_error err;
        ck_assert_msg(akt_journal_open_lmdb(&(akt_lmdb_options) { .dir = dir,
                                                .map_size = 256u << 20 },
                          reg, &j, &err)
                == AKT_OK,
            "reopen: %s", err.text);
        check_ctx c = { 0 };
        for (int i = 0; i < NPIDS; i++) {
            char pid[16];
            snprintf(pid, sizeof(pid), "c-%d", i);
            uint64_t h = 0;
            ck_assert_int_eq(akt_journal_highest(j, pid, &h), AKT_OK);
            ck_assert_msg(h >= acked[i],
                "%s: acknowledged %" PRIu64
                ", highest after the crash %" PRIu64,
                pid, acked[i], h);
            c.expect = 1;
            c.last_of_batch = 0;
            ck_assert_int_eq(akt_journal_replay(j, NULL, pid, 1, UINT64_MAX,
                                 UINT64_MAX, check_cb, &c, &err),
                AKT_OK);
            ck_assert_uint_eq(c.expect - 1, h);
            ck_assert_uint_eq(c.last_of_batch, h); /* the last write is whole */
            total_acked += acked[i];
            total_found += h;
        }
        if (c.ng > 0) { /* a trial may be killed before its first commit */
            qsort(c.gseqs, c.ng, sizeof(uint64_t), cmp_u64);
        }
        for (size_t k = 0; k < c.ng; k++) {
            ck_assert_uint_eq(c.gseqs[k], k + 1); /* global: exactly 1..G */
        }
        free(c.gseqs);
        akt_journal_close(j);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
    }
    printf("crash test: %" PRIu64 " events acknowledged, %" PRIu64
           " found, 0 lost\n",
        total_acked, total_found);
    akt_registry_free(reg);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("persist_crash");
    TCase *tc = tcase_create("crash");
    tcase_set_timeout(tc, 550);
    tcase_add_test(
        tc, killed_writer_loses_no_acknowledged_event_and_leaves_no_gap);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
