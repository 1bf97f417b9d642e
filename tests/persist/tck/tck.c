/*
 * tck.c -- akt-persistence-tck (see tck.h): JournalSpec and
 * SnapshotStoreSpec cases over the public journal/snapshot API.
 */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "latch.h"
#include "tck/tck.h"

/* --- the TCK's own types ----------------------------------------------------
 */

typedef struct tck_Evt {
    akt_str text;
    int64_t n;
} tck_Evt;

static const akt_field evt_fields[] = {
    { .name = "text",
        .number = 1,
        .kind = AKT_KIND_STRING,
        .offset = offsetof(tck_Evt, text),
        .has_offset = AKT_NO_OFFSET },
    { .name = "n",
        .number = 2,
        .kind = AKT_KIND_INT64,
        .offset = offsetof(tck_Evt, n),
        .has_offset = AKT_NO_OFFSET },
};
static const akt_type tck_evt_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_EVENT | AKT_TYPE_TABLE,
    .name = "tck.Evt",
    .id = 0x11f4c7a4127609baull,
    .size = sizeof(tck_Evt),
    .align = _Alignof(tck_Evt),
    .fields = evt_fields,
    .nfields = 2,
};
static const akt_type tck_snap_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_STATE | AKT_TYPE_TABLE,
    .name = "tck.Snap",
    .id = 0x5484884149a4335ull,
    .size = sizeof(tck_Evt),
    .align = _Alignof(tck_Evt),
    .fields = evt_fields,
    .nfields = 2,
};
/* no codec: cannot be serialized (JournalSpec case 16) */
static const akt_type tck_opaque_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_EVENT,
    .name = "tck.Opaque",
    .id = 0x44e1f0b243fcb7b6ull,
    .size = sizeof(int64_t),
    .align = _Alignof(int64_t),
};

static void *
evt_new(const akt_type *t, const char *text, int64_t n)
{
    tck_Evt *e = akt_msg_new(t, 64);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(
        akt_arena_str(akt_msg_arena(e), text, strlen(text), &e->text), AKT_OK);
    e->n = n;
    return e;
}

/* --- fixture -----------------------------------------------------------------
 */

static const akt_tck_plugin *plug;
static char dir[256];
static akt_registry *reg;
static akt_journal *jr;
static akt_snapshot_store *ss;
static const char *pid = "p-1";

static void
rm_rf(const char *d)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
    if (system(cmd) != 0) {
        fprintf(stderr, "tck: cannot remove %s\n", d);
    }
}

static void
open_all(void)
{
    ck_assert_int_eq(plug->open_journal(plug->arg, dir, reg, &jr), AKT_OK);
    if (plug->open_snapshots) {
        char sd[300];
        snprintf(sd, sizeof(sd), "%s/snapshots", dir);
        ck_assert_int_eq(plug->open_snapshots(plug->arg, sd, reg, &ss), AKT_OK);
    }
}

static void
close_all(void)
{
    akt_journal_close(jr);
    jr = NULL;
    akt_snapshot_store_close(ss);
    ss = NULL;
}

static void
write_evts(const char *p, uint64_t first, size_t n)
{
    akt_jevent ev[8];
    void *m[8];
    for (size_t i = 0; i < n; i++) {
        char t[32];
        snprintf(t, sizeof(t), "a-%" PRIu64, first + i);
        m[i] = evt_new(&tck_evt_type, t, (int64_t)(first + i));
        ev[i] = (akt_jevent) { .msg = m[i] };
    }
    akt_write_status st;
    ck_assert_int_eq(akt_journal_write_wait(jr, p, first, ev, n, &st), AKT_OK);
    ck_assert_int_eq(st, AKT_WRITE_OK);
    for (size_t i = 0; i < n; i++) {
        akt_msg_free(m[i]);
    }
}

static void
setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/akt-tck-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    akt_registry_add(reg, &tck_evt_type);
    akt_registry_add(reg, &tck_snap_type);
    open_all();
    /* JournalSpec: AtomicWrite(1), (2), (3), (4, 5) */
    write_evts(pid, 1, 1);
    write_evts(pid, 2, 1);
    write_evts(pid, 3, 1);
    write_evts(pid, 4, 2);
}

static void
teardown(void)
{
    close_all();
    akt_registry_free(reg);
    rm_rf(dir);
}

/* replay into a list of sequence numbers (checking payloads a-<seq>) */
typedef struct seen {
    uint64_t seq[64];
    uint64_t gseq[64];
    size_t n;
} seen;

static akt_err
collect(void *arg, const akt_prepr *rec, const void *ev)
{
    seen *s = arg;
    const tck_Evt *e = ev;
    ck_assert_ptr_eq(akt_msg_type(ev), &tck_evt_type);
    ck_assert_int_eq(e->n, (int64_t)rec->seq);
    ck_assert_uint_lt(s->n, 64);
    s->gseq[s->n] = rec->gseq;
    s->seq[s->n++] = rec->seq;
    return AKT_OK;
}

static void
expect_replay(uint64_t from, uint64_t to, uint64_t max, const uint64_t *want,
    size_t nwant)
{
    seen s = { .n = 0 };
    akt_persist_error err;
    ck_assert_int_eq(
        akt_journal_replay(jr, NULL, pid, from, to, max, collect, &s, &err),
        AKT_OK);
    ck_assert_uint_eq(s.n, nwant);
    for (size_t i = 0; i < nwant; i++) {
        ck_assert_uint_eq(s.seq[i], want[i]);
    }
}

static uint64_t
highest(const char *p)
{
    uint64_t h = 99;
    ck_assert_int_eq(akt_journal_highest(jr, p, &h), AKT_OK);
    return h;
}

#define W(...) ((const uint64_t[]) { __VA_ARGS__ })
#define ALL    UINT64_MAX

/* --- JournalSpec (mandatory)
 * -------------------------------------------------- */

START_TEST(tck_journal_replays_all_messages)
{
    expect_replay(1, ALL, ALL, W(1, 2, 3, 4, 5), 5);
    ck_assert_uint_eq(highest(pid), 5);
}
END_TEST

START_TEST(tck_journal_replays_with_a_lower_bound)
{
    expect_replay(3, ALL, ALL, W(3, 4, 5), 3);
}
END_TEST

START_TEST(tck_journal_replays_with_an_upper_bound)
{
    expect_replay(1, 3, ALL, W(1, 2, 3), 3);
}
END_TEST

START_TEST(tck_journal_replays_with_a_count_limit)
{
    expect_replay(1, ALL, 3, W(1, 2, 3), 3);
}
END_TEST

START_TEST(tck_journal_replays_with_lower_and_upper_bounds)
{
    expect_replay(2, 3, ALL, W(2, 3), 2);
}
END_TEST

START_TEST(tck_journal_replays_with_bounds_and_a_count_limit)
{
    expect_replay(2, 5, 2, W(2, 3), 2);
}
END_TEST

START_TEST(tck_journal_replays_a_single_message_when_bounds_are_equal)
{
    expect_replay(2, 2, ALL, W(2), 1);
}
END_TEST

START_TEST(tck_journal_replays_a_single_message_when_the_limit_is_one)
{
    expect_replay(2, 4, 1, W(2), 1);
}
END_TEST

START_TEST(tck_journal_replays_nothing_when_the_limit_is_zero)
{
    expect_replay(1, ALL, 0, NULL, 0);
    ck_assert_uint_eq(highest(pid), 5);
}
END_TEST

START_TEST(tck_journal_replays_nothing_when_lower_bound_exceeds_upper)
{
    expect_replay(3, 2, ALL, NULL, 0);
    ck_assert_uint_eq(highest(pid), 5);
}
END_TEST

START_TEST(tck_journal_replays_nothing_for_an_unknown_persistence_id)
{
    seen s = { .n = 0 };
    ck_assert_int_eq(
        akt_journal_replay(jr, NULL, "p-none", 1, ALL, ALL, collect, &s, NULL),
        AKT_OK);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_uint_eq(highest("p-none"), 0);
}
END_TEST

START_TEST(tck_journal_reads_the_highest_sequence_number_without_replay)
{
    expect_replay(0, 0, 1, NULL, 0);
    ck_assert_uint_eq(highest(pid), 5);
}
END_TEST

START_TEST(tck_journal_does_not_replay_deleted_messages)
{
    ck_assert_int_eq(akt_journal_delete_to(jr, pid, 3), AKT_OK);
    expect_replay(1, ALL, ALL, W(4, 5), 2);
}
END_TEST

START_TEST(tck_journal_keeps_the_highest_sequence_number_after_deletion)
{
    ck_assert_int_eq(akt_journal_delete_to(jr, pid, 3), AKT_OK);
    expect_replay(1, ALL, ALL, W(4, 5), 2);
    ck_assert_uint_eq(highest(pid), 5);
}
END_TEST

START_TEST(tck_journal_keeps_the_highest_sequence_number_after_cleanup)
{
    ck_assert_int_eq(akt_journal_delete_to(jr, pid, UINT64_MAX), AKT_OK);
    expect_replay(1, ALL, ALL, NULL, 0);
    ck_assert_uint_eq(highest(pid), 5);
    /* and after a reopen */
    close_all();
    open_all();
    ck_assert_uint_eq(highest(pid), 5);
    expect_replay(1, ALL, ALL, NULL, 0);
}
END_TEST

/* --- JournalSpec (optional)
 * ------------------------------------------------------ */

START_TEST(tck_journal_rejects_non_serializable_events)
{
    write_evts(pid, 6, 1);
    int64_t *op = akt_msg_new(&tck_opaque_type, 0);
    akt_jevent ev = { .msg = op };
    akt_write_status st = AKT_WRITE_OK;
    akt_err rc = akt_journal_write_wait(jr, pid, 7, &ev, 1, &st);
    ck_assert_int_ne(rc, AKT_OK);
    ck_assert_int_eq(st, AKT_WRITE_REJECTED);
    akt_msg_free(op);
    write_evts(pid, 8, 1);
    expect_replay(6, ALL, ALL, W(6, 8), 2); /* and across the hole */
    ck_assert_uint_eq(highest(pid), 8);
}
END_TEST

static akt_err
keep_first(void *arg, const akt_prepr *rec, const void *ev)
{
    (void)rec;
    *(void **)arg = akt_msg_retain(ev);
    return AKT_OK;
}

START_TEST(tck_journal_serializes_events)
{
    void *e = evt_new(&tck_evt_type, "ünïcødé payload", -42);
    akt_jevent ev = { .msg = e };
    ck_assert_int_eq(akt_journal_write_wait(jr, pid, 6, &ev, 1, NULL), AKT_OK);
    void *back = NULL;
    ck_assert_int_eq(
        akt_journal_replay(jr, NULL, pid, 6, 6, 1, keep_first, &back, NULL),
        AKT_OK);
    ck_assert_ptr_nonnull(back);
    ck_assert(akt_msg_equal(e, back));
    ck_assert_uint_ge(highest(pid), 6);
    akt_msg_free(back);
    akt_msg_free(e);
}
END_TEST

/* --- akt's additions (PERSISTENCE.md 2.6)
 * ---------------------------------------- */

typedef struct outcome {
    t_latch done;
    akt_write_status st[8];
    akt_err rc[8];
} outcome;

typedef struct slot {
    outcome *o;
    int i;
} slot;

static void
record_cb(void *arg, akt_write_status st, akt_err rc)
{
    slot *s = arg;
    s->o->st[s->i] = st;
    s->o->rc[s->i] = rc;
    t_latch_add(&s->o->done, 1);
}

/* every write's callback ran (waits on the latch, 10 s at most) */
static void
wait_done(outcome *o, int n)
{
    ck_assert(t_latch_wait(&o->done, n, 10000));
    ck_assert_int_eq(t_latch_get(&o->done), n);
}

START_TEST(tck_journal_keeps_per_id_order_for_writes_queued_together)
{
    outcome o = { .done = T_LATCH_INIT };
    slot sl[4];
    void *m[4];
    for (int i = 0; i < 4; i++) {
        m[i] = evt_new(&tck_evt_type, "x", 6 + i);
        akt_jevent ev = { .msg = m[i] };
        sl[i] = (slot) { &o, i };
        ck_assert_int_eq(akt_journal_write(jr, pid, 6 + (uint64_t)i, &ev, 1,
                             record_cb, &sl[i]),
            AKT_OK);
    }
    wait_done(&o, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(o.st[i], AKT_WRITE_OK);
        akt_msg_free(m[i]);
    }
    expect_replay(1, ALL, ALL, W(1, 2, 3, 4, 5, 6, 7, 8, 9), 9);
}
END_TEST

START_TEST(tck_journal_a_failed_write_does_not_abort_its_neighbours)
{
    outcome o = { .done = T_LATCH_INIT };
    slot sl[3];
    uint64_t seqs[3] = { 6, 3 /* reused: must fail */, 7 };
    void *m[3];
    for (int i = 0; i < 3; i++) {
        m[i] = evt_new(&tck_evt_type, "x", (int64_t)seqs[i]);
        akt_jevent ev = { .msg = m[i] };
        sl[i] = (slot) { &o, i };
        ck_assert_int_eq(
            akt_journal_write(jr, pid, seqs[i], &ev, 1, record_cb, &sl[i]),
            AKT_OK);
    }
    wait_done(&o, 3);
    ck_assert_int_eq(o.st[0], AKT_WRITE_OK);
    ck_assert_int_ne(o.st[1], AKT_WRITE_OK);
    ck_assert_int_eq(o.st[2], AKT_WRITE_OK);
    for (int i = 0; i < 3; i++) {
        akt_msg_free(m[i]);
    }
    expect_replay(1, ALL, ALL, W(1, 2, 3, 4, 5, 6, 7), 7);
}
END_TEST

START_TEST(tck_journal_highest_waits_for_a_write_in_flight)
{
    outcome o = { .done = T_LATCH_INIT };
    slot sl = { &o, 0 };
    akt_jevent ev[3];
    void *m[3];
    for (int i = 0; i < 3; i++) {
        m[i] = evt_new(&tck_evt_type, "x", 6 + i);
        ev[i] = (akt_jevent) { .msg = m[i] };
    }
    ck_assert_int_eq(
        akt_journal_write(jr, pid, 6, ev, 3, record_cb, &sl), AKT_OK);
    ck_assert_uint_eq(highest(pid), 8); /* never 5 */
    wait_done(&o, 1);
    for (int i = 0; i < 3; i++) {
        akt_msg_free(m[i]);
    }
}
END_TEST

START_TEST(tck_journal_refuses_to_reuse_a_sequence_number)
{
    void *e = evt_new(&tck_evt_type, "x", 5);
    akt_jevent ev = { .msg = e };
    akt_write_status st;
    ck_assert_int_ne(akt_journal_write_wait(jr, pid, 5, &ev, 1, &st), AKT_OK);
    ck_assert_int_ne(st, AKT_WRITE_OK);
    ck_assert_int_eq(akt_journal_delete_to(jr, pid, UINT64_MAX), AKT_OK);
    ck_assert_int_ne(akt_journal_write_wait(jr, pid, 2, &ev, 1, &st), AKT_OK);
    akt_msg_free(e);
    expect_replay(1, ALL, ALL, NULL, 0);
}
END_TEST

START_TEST(tck_journal_fails_replay_of_an_unknown_type_naming_it)
{
    close_all();
    akt_registry *empty;
    ck_assert_int_eq(akt_registry_new(&empty), AKT_OK);
    ck_assert_int_eq(plug->open_journal(plug->arg, dir, empty, &jr), AKT_OK);
    seen s = { .n = 0 };
    akt_persist_error err;
    ck_assert_int_eq(
        akt_journal_replay(jr, NULL, pid, 1, ALL, ALL, collect, &s, &err),
        AKT_ETYPE);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_msg(strstr(err.text, "11f4c7a4127609ba") != NULL
            && strstr(err.text, "p-1") != NULL,
        "error text: %s", err.text);
    akt_journal_close(jr);
    jr = NULL;
    akt_registry_free(empty);
}
END_TEST

static akt_err
collect_raw(void *arg, const akt_prepr *rec)
{
    seen *s = arg;
    ck_assert_uint_lt(s->n, 64);
    s->gseq[s->n] = rec->gseq;
    s->seq[s->n++] = rec->seq;
    return AKT_OK;
}

START_TEST(tck_journal_assigns_a_gap_free_global_sequence)
{
    write_evts("p-2", 1, 3);
    write_evts(pid, 6, 2);
    seen a = { .n = 0 }, b = { .n = 0 };
    ck_assert_int_eq(
        akt_journal_replay_raw(jr, pid, 1, ALL, ALL, collect_raw, &a), AKT_OK);
    ck_assert_int_eq(
        akt_journal_replay_raw(jr, "p-2", 1, ALL, ALL, collect_raw, &b),
        AKT_OK);
    ck_assert_uint_eq(a.n + b.n, 10);
    uint64_t mask = 0;
    for (size_t i = 0; i < a.n; i++) {
        mask |= 1ull << a.gseq[i];
    }
    for (size_t i = 0; i < b.n; i++) {
        mask |= 1ull << b.gseq[i];
    }
    ck_assert_uint_eq(mask, 0x7feull); /* exactly 1..10 */
    ck_assert_uint_eq(b.gseq[0], 6);
    ck_assert_uint_eq(a.gseq[6], 10);
}
END_TEST

typedef struct pidseen {
    char pid[8][16];
    size_t n;
    size_t stop_after; /* 0: never */
} pidseen;

static akt_err
collect_pid(void *arg, const char *p)
{
    pidseen *t = arg;
    ck_assert_uint_lt(t->n, 8);
    snprintf(t->pid[t->n++], 16, "%s", p);
    return t->stop_after && t->n >= t->stop_after ? AKT_ECANCELED : AKT_OK;
}

/* persistence ids (Akka's currentPersistenceIds(afterId, limit)): every
 * id ever written, also one whose events were all deleted, in byte
 * order, strictly after `after`, at most max; fn's error stops it */
START_TEST(tck_journal_lists_persistence_ids_in_order)
{
    write_evts("b-2", 1, 1);
    write_evts("a", 1, 1);
    write_evts("c", 1, 2);
    write_evts("p-0", 1, 1);
    ck_assert_int_eq(akt_journal_delete_to(jr, "a", 1), AKT_OK);
    const char *all[] = { "a", "b-2", "c", "p-0", "p-1" };
    pidseen t = { .n = 0 };
    ck_assert_int_eq(
        akt_journal_persistence_ids(jr, NULL, ALL, collect_pid, &t), AKT_OK);
    ck_assert_uint_eq(t.n, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(t.pid[i], all[i]);
    }
    t.n = 0; /* after an existing id: strictly after it */
    ck_assert_int_eq(
        akt_journal_persistence_ids(jr, "b-2", ALL, collect_pid, &t), AKT_OK);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_str_eq(t.pid[0], "c");
    t.n = 0; /* after a name that is no id; with a limit */
    ck_assert_int_eq(
        akt_journal_persistence_ids(jr, "b", 2, collect_pid, &t), AKT_OK);
    ck_assert_uint_eq(t.n, 2);
    ck_assert_str_eq(t.pid[0], "b-2");
    ck_assert_str_eq(t.pid[1], "c");
    t = (pidseen) { .stop_after = 1 };
    ck_assert_int_eq(akt_journal_persistence_ids(jr, "", ALL, collect_pid, &t),
        AKT_ECANCELED);
    ck_assert_uint_eq(t.n, 1);
}
END_TEST

typedef struct tagseen {
    uint64_t off[32];
    char pid[32][16];
    uint64_t seq[32];
    size_t n;
} tagseen;

static akt_err
collect_tag(void *arg, uint64_t off, const char *p, const akt_prepr *ev)
{
    tagseen *t = arg;
    ck_assert_uint_lt(t->n, 32);
    t->off[t->n] = off;
    snprintf(t->pid[t->n], 16, "%s", p);
    t->seq[t->n++] = ev->seq;
    return AKT_OK;
}

/* all events by global offset: in offset order, deleted ones skipped,
 * bounded by after and max; the offset is the event's gseq */
START_TEST(tck_journal_reads_all_events_by_global_offset)
{
    write_evts("p-2", 1, 3); /* gseq 6, 7, 8 */
    write_evts(pid, 6, 2); /* 9, 10 */
    ck_assert_int_eq(akt_journal_delete_to(jr, "p-2", 1), AKT_OK);
    tagseen t = { .n = 0 };
    ck_assert_int_eq(
        akt_journal_events_all(jr, 0, ALL, collect_tag, &t), AKT_OK);
    const uint64_t off[] = { 1, 2, 3, 4, 5, 7, 8, 9, 10 };
    const uint64_t seq[] = { 1, 2, 3, 4, 5, 2, 3, 6, 7 };
    ck_assert_uint_eq(t.n, 9);
    for (size_t i = 0; i < 9; i++) {
        ck_assert_uint_eq(t.off[i], off[i]);
        ck_assert_uint_eq(t.seq[i], seq[i]);
        ck_assert_str_eq(t.pid[i], off[i] >= 6 && off[i] <= 8 ? "p-2" : pid);
    }
    t.n = 0;
    ck_assert_int_eq(
        akt_journal_events_all(jr, 7, ALL, collect_tag, &t), AKT_OK);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_uint_eq(t.off[0], 8);
    t.n = 0;
    ck_assert_int_eq(akt_journal_events_all(jr, 3, 3, collect_tag, &t), AKT_OK);
    ck_assert_uint_eq(t.n, 3);
    ck_assert_uint_eq(t.off[0], 4);
    ck_assert_uint_eq(t.off[2], 7); /* 6 was deleted */
}
END_TEST

/* what a walk through a long query saw: how many rows, each strictly
 * after the one before (byte order of ids, offsets) */
typedef struct pagewalk {
    size_t n;
    uint64_t off;
    char pid[32];
    bool ordered;
} pagewalk;

static akt_err
walk_pid(void *arg, const char *p)
{
    pagewalk *w = arg;
    w->ordered = w->ordered && (w->n == 0 || strcmp(p, w->pid) > 0);
    snprintf(w->pid, sizeof w->pid, "%s", p);
    w->n++;
    return AKT_OK;
}

static akt_err
walk_off(void *arg, uint64_t off, const char *p, const akt_prepr *ev)
{
    (void)p;
    (void)ev;
    pagewalk *w = arg;
    w->ordered = w->ordered && (w->n == 0 || off > w->off);
    w->off = off;
    w->n++;
    return AKT_OK;
}

/* the queries go on across the pages a network store reads (PostgreSQL:
 * 1,000 rows a page): each id and each event exactly once, in order, and
 * a query resumed inside the second page gives exactly the rest */
START_TEST(tck_queries_page_through_long_results)
{
    enum { IDS = 1203, TAGGED = 2101 };
    for (size_t i = 0; i < IDS; i++) {
        char p[32];
        snprintf(p, sizeof p, "q-%05zu", i);
        write_evts(p, 1, 1);
    }
    const char *bulk[] = { "bulk" };
    for (uint64_t first = 1; first <= TAGGED; first += 64) {
        akt_jevent ev[64];
        void *m[64];
        size_t n = TAGGED - first + 1 < 64 ? TAGGED - first + 1 : 64;
        for (size_t i = 0; i < n; i++) {
            char t[32];
            snprintf(t, sizeof t, "a-%" PRIu64, first + i);
            m[i] = evt_new(&tck_evt_type, t, (int64_t)(first + i));
            ev[i] = (akt_jevent) { m[i], bulk, 1, 0 };
        }
        akt_write_status st;
        ck_assert_int_eq(
            akt_journal_write_wait(jr, "bulk", first, ev, n, &st), AKT_OK);
        ck_assert_int_eq(st, AKT_WRITE_OK);
        for (size_t i = 0; i < n; i++) {
            akt_msg_free(m[i]);
        }
    }
    pagewalk w = { .ordered = true };
    ck_assert_int_eq(
        akt_journal_persistence_ids(jr, NULL, ALL, walk_pid, &w), AKT_OK);
    ck_assert_uint_eq(w.n, IDS + 2); /* with "bulk" and "p-1" */
    ck_assert(w.ordered);
    w = (pagewalk) { .ordered = true };
    ck_assert_int_eq(akt_journal_events_all(jr, 0, ALL, walk_off, &w), AKT_OK);
    ck_assert_uint_eq(w.n, 5 + IDS + TAGGED);
    ck_assert(w.ordered);
    w = (pagewalk) { .ordered = true };
    ck_assert_int_eq(
        akt_journal_events_by_tag(jr, "bulk", 0, ALL, walk_off, &w), AKT_OK);
    ck_assert_uint_eq(w.n, TAGGED);
    ck_assert(w.ordered);
    ck_assert_uint_eq(w.off, TAGGED); /* a tag's offsets have no gaps */
    w = (pagewalk) { .ordered = true };
    ck_assert_int_eq(
        akt_journal_events_by_tag(jr, "bulk", 1500, ALL, walk_off, &w), AKT_OK);
    ck_assert_uint_eq(w.n, TAGGED - 1500);
    ck_assert(w.ordered);
}
END_TEST

START_TEST(tck_journal_numbers_each_tag_without_gaps)
{
    const char *both[] = { "green", "blue" }, *green[] = { "green" };
    void *m[4];
    for (int i = 0; i < 4; i++) {
        m[i] = evt_new(&tck_evt_type, "t", 6 + i);
    }
    akt_jevent e1[2] = { { m[0], both, 2, 0 }, { m[1], green, 1, 0 } };
    akt_jevent e2 = { m[2], both, 2, 0 }, e3 = { m[3], green, 1, 0 };
    ck_assert_int_eq(akt_journal_write_wait(jr, pid, 6, e1, 2, NULL), AKT_OK);
    ck_assert_int_eq(
        akt_journal_write_wait(jr, "p-2", 1, &e2, 1, NULL), AKT_OK);
    ck_assert_int_eq(akt_journal_write_wait(jr, pid, 8, &e3, 1, NULL), AKT_OK);
    tagseen g = { .n = 0 }, b = { .n = 0 }, tail = { .n = 0 };
    ck_assert_int_eq(
        akt_journal_events_by_tag(jr, "green", 0, ALL, collect_tag, &g),
        AKT_OK);
    ck_assert_int_eq(
        akt_journal_events_by_tag(jr, "blue", 0, ALL, collect_tag, &b), AKT_OK);
    ck_assert_uint_eq(g.n, 4);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_uint_eq(g.off[i], i + 1);
    }
    ck_assert_str_eq(g.pid[2], "p-2");
    ck_assert_uint_eq(g.seq[3], 8);
    ck_assert_uint_eq(b.n, 2);
    ck_assert_uint_eq(b.off[1], 2);
    /* resuming after an offset gives exactly the suffix */
    ck_assert_int_eq(
        akt_journal_events_by_tag(jr, "green", 2, ALL, collect_tag, &tail),
        AKT_OK);
    ck_assert_uint_eq(tail.n, 2);
    ck_assert_uint_eq(tail.off[0], 3);
    for (int i = 0; i < 4; i++) {
        akt_msg_free(m[i]);
    }
}
END_TEST

/* --- SnapshotStoreSpec
 * ------------------------------------------------------------ */

static int64_t ts[6]; /* ts[i]: timestamp of s-i (seq 10 + i) */

static void
snap_setup(void)
{
    setup();
    int64_t base = 1700000000000;
    for (int i = 1; i <= 5; i++) {
        char t[16];
        snprintf(t, sizeof(t), "s-%d", i);
        void *s = evt_new(&tck_snap_type, t, i);
        ts[i] = base + i * 1000;
        ck_assert_int_eq(
            akt_snapshot_save(ss, pid, 10 + (uint64_t)i, ts[i], s), AKT_OK);
        akt_msg_free(s);
    }
}

/* load with c: "" when none, else the snapshot's text */
static const char *
load(const char *p, akt_snapshot_criteria c, akt_snapshot_meta *meta)
{
    static char text[64];
    void *s = NULL;
    akt_snapshot_meta m;
    akt_err rc = akt_snapshot_load(ss, NULL, p, c, &m, &s, NULL);
    if (rc == AKT_ENOENT) {
        ck_assert_ptr_null(s);
        return "";
    }
    ck_assert_int_eq(rc, AKT_OK);
    const tck_Evt *e = s;
    snprintf(text, sizeof(text), "%s", e->text.ptr);
    if (meta) {
        *meta = m;
    }
    akt_msg_free(s);
    return text;
}

static akt_snapshot_criteria
crit(uint64_t max_seq, int64_t max_ts)
{
    akt_snapshot_criteria c = akt_snapshot_latest();
    c.max_seq = max_seq;
    c.max_ts = max_ts;
    return c;
}

START_TEST(tck_snapshot_does_not_load_for_an_unknown_persistence_id)
{
    ck_assert_str_eq(load("p-none", akt_snapshot_latest(), NULL), "");
}
END_TEST

START_TEST(tck_snapshot_does_not_load_with_non_matching_timestamp_criteria)
{
    ck_assert_str_eq(load(pid, crit(UINT64_MAX, 100), NULL), "");
}
END_TEST

START_TEST(tck_snapshot_does_not_load_with_non_matching_sequence_criteria)
{
    ck_assert_str_eq(load(pid, crit(7, INT64_MAX), NULL), "");
}
END_TEST

START_TEST(tck_snapshot_loads_the_most_recent_snapshot)
{
    akt_snapshot_meta m;
    ck_assert_str_eq(load(pid, akt_snapshot_latest(), &m), "s-5");
    ck_assert_uint_eq(m.seq, 15);
    ck_assert_int_eq(m.timestamp_ms, ts[5]);
}
END_TEST

START_TEST(tck_snapshot_loads_the_most_recent_matching_an_upper_sequence_bound)
{
    ck_assert_str_eq(load(pid, crit(13, INT64_MAX), NULL), "s-3");
}
END_TEST

START_TEST(tck_snapshot_loads_the_most_recent_matching_sequence_and_time_bounds)
{
    ck_assert_str_eq(load(pid, crit(13, ts[3]), NULL), "s-3");
    ck_assert_str_eq(load(pid, crit(UINT64_MAX, ts[3]), NULL), "s-3");
}
END_TEST

START_TEST(tck_snapshot_deletes_a_single_snapshot_by_sequence_number)
{
    ck_assert_int_eq(akt_snapshot_delete(ss, pid, 13, 0), AKT_OK);
    ck_assert_str_eq(load(pid, crit(13, INT64_MAX), NULL), "s-2");
}
END_TEST

START_TEST(tck_snapshot_deletes_all_snapshots_matching_criteria)
{
    ck_assert_int_eq(
        akt_snapshot_delete_matching(ss, pid, crit(13, ts[3])), AKT_OK);
    ck_assert_str_eq(load(pid, crit(13, ts[3]), NULL), "");
    ck_assert_str_eq(load(pid, crit(14, ts[4]), NULL), "s-4");
}
END_TEST

START_TEST(tck_snapshot_does_not_delete_with_non_matching_timestamp_bounds)
{
    ck_assert_int_eq(
        akt_snapshot_delete_matching(ss, pid, crit(14, ts[4] - 1)), AKT_OK);
    ck_assert_str_eq(load(pid, crit(14, ts[4]), NULL), "s-4");
}
END_TEST

START_TEST(
    tck_snapshot_does_not_delete_a_single_snapshot_newer_than_the_metadata)
{
    ck_assert_int_eq(akt_snapshot_delete(ss, pid, 13, ts[3] - 1), AKT_OK);
    ck_assert_str_eq(load(pid, crit(13, INT64_MAX), NULL), "s-3");
}
END_TEST

START_TEST(tck_snapshot_saves_and_overwrites_at_the_same_sequence_number)
{
    void *s = evt_new(&tck_snap_type, "s-5-modified", 5);
    ck_assert_int_eq(akt_snapshot_save(ss, pid, 15, 0, s), AKT_OK);
    akt_msg_free(s);
    ck_assert_str_eq(load(pid, akt_snapshot_latest(), NULL), "s-5-modified");
}
END_TEST

START_TEST(tck_snapshot_saves_a_bigger_snapshot)
{
    char *big = malloc(10001);
    memset(big, 'b', 10000);
    big[10000] = '\0';
    void *s = evt_new(&tck_snap_type, big, 16);
    ck_assert_int_eq(akt_snapshot_save(ss, pid, 16, 0, s), AKT_OK);
    void *back = NULL;
    ck_assert_int_eq(akt_snapshot_load(ss, NULL, pid, akt_snapshot_latest(),
                         NULL, &back, NULL),
        AKT_OK);
    ck_assert(akt_msg_equal(s, back));
    akt_msg_free(back);
    akt_msg_free(s);
    free(big);
}
END_TEST

START_TEST(tck_snapshot_fails_a_load_of_an_unknown_type_instead_of_none)
{
    close_all();
    akt_registry *empty;
    ck_assert_int_eq(akt_registry_new(&empty), AKT_OK);
    char sd[300];
    snprintf(sd, sizeof(sd), "%s/snapshots", dir);
    ck_assert_int_eq(plug->open_snapshots(plug->arg, sd, empty, &ss), AKT_OK);
    void *s = NULL;
    akt_persist_error err;
    ck_assert_int_eq(
        akt_snapshot_load(ss, NULL, pid, akt_snapshot_latest(), NULL, &s, &err),
        AKT_ETYPE);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err.text, "unknown type") != NULL, "%s", err.text);
    akt_snapshot_store_close(ss);
    ss = NULL;
    akt_registry_free(empty);
}
END_TEST

/* --- live queries (told after the commit, never by polling) -------------- */

#define LIVE_MAX 64
typedef struct livelog {
    t_latch seen;
    pthread_mutex_t mu;
    uint64_t off[LIVE_MAX];
    int64_t n[LIVE_MAX];
    size_t count;
    size_t stop_after; /* 0: never; else fn returns an error after that many */
    bool readable; /* each event was already readable through replay */
    t_latch finis;
} livelog;

#define LIVELOG_INIT                                                           \
    {                                                                          \
        .seen = T_LATCH_INIT, .mu = PTHREAD_MUTEX_INITIALIZER,                 \
        .readable = true, .finis = T_LATCH_INIT                                \
    }

static akt_err
count_one(void *arg, const akt_prepr *ev)
{
    (void)ev;
    (*(int *)arg)++;
    return AKT_OK;
}

static akt_err
live_log(void *arg, uint64_t offset, const char *p, const akt_prepr *rec,
    const void *event)
{
    livelog *l = arg;
    ck_assert_ptr_nonnull(event);
    /* the commit is visible before the query is told */
    int n = 0;
    ck_assert_int_eq(
        akt_journal_replay_raw(jr, p, rec->seq, rec->seq, 1, count_one, &n),
        AKT_OK);
    pthread_mutex_lock(&l->mu);
    if (n != 1) {
        l->readable = false;
    }
    if (l->count < LIVE_MAX) {
        l->off[l->count] = offset;
        l->n[l->count] = ((const tck_Evt *)event)->n;
    }
    l->count++;
    size_t c = l->count;
    pthread_mutex_unlock(&l->mu);
    t_latch_add(&l->seen, 1);
    return l->stop_after && c >= l->stop_after ? AKT_ECANCELED : AKT_OK;
}

static void
live_fini(void *arg)
{
    t_latch_add(&((livelog *)arg)->finis, 1);
}

/* one event tagged tag, n, as pid's seq */
static void
write_tagged(const char *p, uint64_t seq, const char *tag, int64_t n)
{
    const char *tags[] = { tag };
    void *m = evt_new(&tck_evt_type, "t", n);
    akt_jevent e = { m, tags, 1, 0 };
    ck_assert_int_eq(akt_journal_write_wait(jr, p, seq, &e, 1, NULL), AKT_OK);
    akt_msg_free(m);
}

START_TEST(tck_live_by_tag_hands_over_stored_then_new_events_in_order)
{
    write_tagged("p-2", 1, "live", 101);
    write_tagged("p-2", 2, "live", 102);
    write_tagged("p-2", 3, "other", 0);
    write_tagged("p-3", 1, "live", 103);
    livelog l = LIVELOG_INIT;
    akt_live *q;
    ck_assert_int_eq(akt_journal_live_by_tag(
                         jr, NULL, "live", 1, live_log, &l, live_fini, &q),
        AKT_OK);
    ck_assert(t_latch_wait(&l.seen, 2, 20000)); /* the stored part: 2, 3 */
    for (int i = 0; i < 4; i++) {
        write_tagged(
            "p-3", 2 + (uint64_t)i, i == 1 ? "other" : "live", 104 + i);
    }
    ck_assert(t_latch_wait(&l.seen, 5, 20000));
    akt_live_stop(q);
    ck_assert_int_eq(t_latch_get(&l.finis), 1);
    ck_assert_uint_eq(l.count, 5); /* each once, no other tag */
    const int64_t want[] = { 102, 103, 104, 106, 107 };
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(l.off[i], i + 2);
        ck_assert_int_eq(l.n[i], want[i]);
    }
    ck_assert(l.readable);
}
END_TEST

START_TEST(tck_live_by_pid_is_told_after_each_commit)
{
    livelog l = LIVELOG_INIT;
    akt_live *q;
    ck_assert_int_eq(
        akt_journal_live_by_pid(jr, NULL, pid, 3, live_log, &l, NULL, &q),
        AKT_OK);
    ck_assert(t_latch_wait(&l.seen, 2, 20000)); /* 4 and 5 were stored */
    write_evts(pid, 6, 2);
    write_evts(pid, 8, 1);
    ck_assert(t_latch_wait(&l.seen, 5, 20000));
    akt_live_stop(q);
    ck_assert_uint_eq(l.count, 5);
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(l.off[i], 4 + i);
        ck_assert_int_eq(l.n[i], (int64_t)(4 + i));
    }
    ck_assert(l.readable);
}
END_TEST

START_TEST(tck_live_all_hands_over_stored_then_new_events_by_global_offset)
{
    livelog l = LIVELOG_INIT;
    akt_live *q;
    ck_assert_int_eq(
        akt_journal_live_all(jr, NULL, 3, live_log, &l, live_fini, &q), AKT_OK);
    ck_assert(t_latch_wait(&l.seen, 2, 20000)); /* the stored part: 4, 5 */
    write_evts("p-3", 1, 2); /* 6, 7 */
    write_evts(pid, 6, 1); /* 8 */
    ck_assert(t_latch_wait(&l.seen, 5, 20000));
    akt_live_stop(q);
    ck_assert_int_eq(t_latch_get(&l.finis), 1);
    ck_assert_uint_eq(l.count, 5);
    const int64_t want[] = { 4, 5, 1, 2, 6 };
    for (size_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(l.off[i], i + 4);
        ck_assert_int_eq(l.n[i], want[i]);
    }
    ck_assert(l.readable);
}
END_TEST

START_TEST(tck_live_a_stopped_query_and_one_that_failed_hear_nothing_more)
{
    livelog stopped = LIVELOG_INIT, failing = LIVELOG_INIT,
            control = LIVELOG_INIT;
    failing.stop_after = 2;
    akt_live *qs, *qf, *qc;
    ck_assert_int_eq(akt_journal_live_by_pid(
                         jr, NULL, pid, 5, live_log, &stopped, live_fini, &qs),
        AKT_OK);
    ck_assert_int_eq(akt_journal_live_by_pid(
                         jr, NULL, pid, 5, live_log, &failing, live_fini, &qf),
        AKT_OK);
    (void)qf; /* ended by its callback: the journal frees it */
    write_evts(pid, 6, 1);
    ck_assert(t_latch_wait(&stopped.seen, 1, 20000));
    akt_live_stop(qs);
    ck_assert_int_eq(t_latch_get(&stopped.finis), 1);
    write_evts(pid, 7, 2); /* the failing query ends after event 7 */
    ck_assert(t_latch_wait(&failing.finis, 1, 20000));
    ck_assert_int_eq(akt_journal_live_by_pid(
                         jr, NULL, pid, 5, live_log, &control, NULL, &qc),
        AKT_OK);
    write_evts(pid, 9, 1);
    /* the control query has seen 6..9: the others had their chance */
    ck_assert(t_latch_wait(&control.seen, 4, 20000));
    akt_live_stop(qc);
    ck_assert_uint_eq(stopped.count, 1);
    ck_assert_uint_eq(failing.count, 2);
    ck_assert_int_eq(t_latch_get(&failing.finis), 1);
}
END_TEST

/* --- durable state (Orleans' GrainStorageTestRunner, Akka's revisions) ---- */

static akt_state_store *st;

static void
state_setup(void)
{
    snprintf(dir, sizeof(dir), "/tmp/akt-tck-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    akt_registry_add(reg, &tck_evt_type);
    akt_registry_add(reg, &tck_snap_type);
    char sd[300];
    snprintf(sd, sizeof(sd), "%s/state", dir);
    ck_assert_int_eq(plug->open_state(plug->arg, sd, reg, &st), AKT_OK);
}

static void
state_teardown(void)
{
    akt_state_store_close(st);
    st = NULL;
    akt_registry_free(reg);
    rm_rf(dir);
}

static akt_err
put(const char *p, uint64_t rev, const char *text)
{
    void *v = evt_new(&tck_snap_type, text, (int64_t)rev);
    akt_err rc = akt_state_upsert(st, p, rev, v);
    akt_msg_free(v);
    return rc;
}

/* pid's text ("" when none) and revision */
static const char *
get(const char *p, uint64_t *rev)
{
    static char text[64];
    void *v = NULL;
    akt_err rc = akt_state_get(st, NULL, p, &v, rev, NULL);
    if (rc == AKT_ENOENT) {
        ck_assert_ptr_null(v);
        ck_assert_uint_eq(*rev, 0);
        return "";
    }
    ck_assert_int_eq(rc, AKT_OK);
    snprintf(text, sizeof(text), "%s", ((const tck_Evt *)v)->text.ptr);
    akt_msg_free(v);
    return text;
}

START_TEST(tck_state_reads_nothing_for_an_unknown_id)
{
    uint64_t rev = 7;
    ck_assert_str_eq(get("s-none", &rev), "");
}
END_TEST

START_TEST(tck_state_writes_and_reads_a_value_at_revision_one)
{
    uint64_t rev;
    ck_assert_int_eq(put("s-1", 1, "v1"), AKT_OK);
    ck_assert_str_eq(get("s-1", &rev), "v1");
    ck_assert_uint_eq(rev, 1);
}
END_TEST

START_TEST(tck_state_refuses_to_create_a_value_twice)
{
    uint64_t rev;
    ck_assert_int_eq(put("s-1", 1, "first"), AKT_OK);
    ck_assert_int_eq(put("s-1", 1, "second"), AKT_ESTATE);
    ck_assert_str_eq(get("s-1", &rev), "first");
}
END_TEST

START_TEST(tck_state_revision_rises_by_one_per_write)
{
    uint64_t rev;
    for (uint64_t r = 1; r <= 5; r++) {
        char t[16];
        snprintf(t, sizeof(t), "v%" PRIu64, r);
        ck_assert_int_eq(put("s-1", r, t), AKT_OK);
        ck_assert_str_eq(get("s-1", &rev), t);
        ck_assert_uint_eq(rev, r);
    }
}
END_TEST

START_TEST(tck_state_refuses_a_stale_or_skipping_revision)
{
    uint64_t rev;
    ck_assert_int_eq(put("s-1", 1, "v1"), AKT_OK);
    ck_assert_int_eq(put("s-1", 2, "v2"), AKT_OK);
    ck_assert_int_eq(put("s-1", 2, "stale"), AKT_ESTATE); /* lost the race */
    ck_assert_int_eq(put("s-1", 4, "skip"), AKT_ESTATE);
    ck_assert_int_eq(put("s-2", 2, "no base"), AKT_ESTATE);
    ck_assert_str_eq(get("s-1", &rev), "v2");
    ck_assert_uint_eq(rev, 2);
    ck_assert_str_eq(get("s-2", &rev), "");
    ck_assert_int_eq(put("s-1", 0, "zero"), AKT_EINVAL);
}
END_TEST

START_TEST(tck_state_delete_checks_the_revision_and_a_write_starts_over)
{
    uint64_t rev;
    ck_assert_int_eq(put("s-1", 1, "v1"), AKT_OK);
    ck_assert_int_eq(put("s-1", 2, "v2"), AKT_OK);
    ck_assert_int_eq(akt_state_delete(st, "s-1", 1), AKT_ESTATE);
    ck_assert_str_eq(get("s-1", &rev), "v2");
    ck_assert_int_eq(akt_state_delete(st, "s-1", 2), AKT_OK);
    ck_assert_str_eq(get("s-1", &rev), "");
    ck_assert_int_eq(akt_state_delete(st, "s-1", 2), AKT_OK); /* none */
    ck_assert_int_eq(put("s-1", 1, "again"), AKT_OK);
    ck_assert_str_eq(get("s-1", &rev), "again");
    ck_assert_uint_eq(rev, 1);
    ck_assert_int_eq(akt_state_delete(st, "s-1", 0), AKT_OK); /* any */
    ck_assert_str_eq(get("s-1", &rev), "");
}
END_TEST

START_TEST(tck_state_keeps_ids_in_any_script)
{
    uint64_t rev;
    const char *ids[] = { "Привет-мир", "日本語-1", "a b/c\\d" };
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(put(ids[i], 1, ids[i]), AKT_OK);
    }
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(get(ids[i], &rev), ids[i]);
    }
}
END_TEST

START_TEST(tck_state_fails_a_read_of_an_unknown_type_naming_it)
{
    ck_assert_int_eq(put("s-1", 1, "v1"), AKT_OK);
    akt_state_store_close(st);
    akt_registry *empty;
    ck_assert_int_eq(akt_registry_new(&empty), AKT_OK);
    char sd[300];
    snprintf(sd, sizeof(sd), "%s/state", dir);
    ck_assert_int_eq(plug->open_state(plug->arg, sd, empty, &st), AKT_OK);
    void *v = NULL;
    uint64_t rev = 9;
    akt_persist_error err;
    ck_assert_int_eq(akt_state_get(st, NULL, "s-1", &v, &rev, &err), AKT_ETYPE);
    ck_assert_ptr_null(v);
    ck_assert_uint_eq(rev, 0);
    ck_assert_msg(strstr(err.text, "unknown type") && strstr(err.text, "s-1"),
        "%s", err.text);
    akt_state_store_close(st);
    st = NULL;
    akt_registry_free(empty);
}
END_TEST

/* two writers race for the same next revision: exactly one wins */
typedef struct racer {
    const char *pid;
    const char *text;
    akt_err rc;
} racer;

static void *
race(void *arg)
{
    racer *r = arg;
    r->rc = put(r->pid, 2, r->text);
    return NULL;
}

START_TEST(tck_state_one_of_two_concurrent_writers_wins)
{
    for (int i = 0; i < 20; i++) {
        char p[32];
        snprintf(p, sizeof(p), "race-%d", i);
        ck_assert_int_eq(put(p, 1, "base"), AKT_OK);
        racer a = { p, "a", AKT_OK }, b = { p, "b", AKT_OK };
        pthread_t ta, tb;
        ck_assert_int_eq(pthread_create(&ta, NULL, race, &a), 0);
        ck_assert_int_eq(pthread_create(&tb, NULL, race, &b), 0);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        ck_assert_msg((a.rc == AKT_OK) != (b.rc == AKT_OK), "round %d: %s / %s",
            i, akt_err_name(a.rc), akt_err_name(b.rc));
        akt_err lost = a.rc == AKT_OK ? b.rc : a.rc;
        ck_assert_int_eq(lost, AKT_ESTATE);
        uint64_t rev;
        ck_assert_str_eq(get(p, &rev), a.rc == AKT_OK ? "a" : "b");
        ck_assert_uint_eq(rev, 2);
    }
}
END_TEST

int
akt_tck_run(const akt_tck_plugin *p)
{
    plug = p;
    Suite *s = suite_create(p->name ? p->name : "plugin");
    TCase *j = tcase_create("JournalSpec");
    tcase_add_checked_fixture(j, setup, teardown);
    tcase_add_test(j, tck_journal_replays_all_messages);
    tcase_add_test(j, tck_journal_replays_with_a_lower_bound);
    tcase_add_test(j, tck_journal_replays_with_an_upper_bound);
    tcase_add_test(j, tck_journal_replays_with_a_count_limit);
    tcase_add_test(j, tck_journal_replays_with_lower_and_upper_bounds);
    tcase_add_test(j, tck_journal_replays_with_bounds_and_a_count_limit);
    tcase_add_test(
        j, tck_journal_replays_a_single_message_when_bounds_are_equal);
    tcase_add_test(
        j, tck_journal_replays_a_single_message_when_the_limit_is_one);
    tcase_add_test(j, tck_journal_replays_nothing_when_the_limit_is_zero);
    tcase_add_test(
        j, tck_journal_replays_nothing_when_lower_bound_exceeds_upper);
    tcase_add_test(
        j, tck_journal_replays_nothing_for_an_unknown_persistence_id);
    tcase_add_test(
        j, tck_journal_reads_the_highest_sequence_number_without_replay);
    tcase_add_test(j, tck_journal_does_not_replay_deleted_messages);
    tcase_add_test(
        j, tck_journal_keeps_the_highest_sequence_number_after_deletion);
    tcase_add_test(
        j, tck_journal_keeps_the_highest_sequence_number_after_cleanup);
    if (p->rejects_non_serializable) {
        tcase_add_test(j, tck_journal_rejects_non_serializable_events);
    }
    tcase_add_test(j, tck_journal_serializes_events);
    tcase_add_test(
        j, tck_journal_keeps_per_id_order_for_writes_queued_together);
    tcase_add_test(j, tck_journal_a_failed_write_does_not_abort_its_neighbours);
    tcase_add_test(j, tck_journal_highest_waits_for_a_write_in_flight);
    tcase_add_test(j, tck_journal_refuses_to_reuse_a_sequence_number);
    tcase_add_test(j, tck_journal_fails_replay_of_an_unknown_type_naming_it);
    if (p->supports_global_seq) {
        tcase_add_test(j, tck_journal_assigns_a_gap_free_global_sequence);
    }
    if (p->supports_tags) {
        tcase_add_test(j, tck_journal_numbers_each_tag_without_gaps);
    }
    if (p->supports_id_queries) {
        tcase_add_test(j, tck_journal_lists_persistence_ids_in_order);
        tcase_add_test(j, tck_journal_reads_all_events_by_global_offset);
        if (p->supports_tags) {
            tcase_add_test(j, tck_queries_page_through_long_results);
        }
        if (p->supports_live) {
            tcase_add_test(j,
                tck_live_all_hands_over_stored_then_new_events_by_global_offset);
        }
    }
    if (p->supports_live) {
        if (p->supports_tags) {
            tcase_add_test(
                j, tck_live_by_tag_hands_over_stored_then_new_events_in_order);
        }
        tcase_add_test(j, tck_live_by_pid_is_told_after_each_commit);
        tcase_add_test(
            j, tck_live_a_stopped_query_and_one_that_failed_hear_nothing_more);
    }
    suite_add_tcase(s, j);
    if (p->open_snapshots) {
        TCase *t = tcase_create("SnapshotStoreSpec");
        tcase_add_checked_fixture(t, snap_setup, teardown);
        tcase_add_test(
            t, tck_snapshot_does_not_load_for_an_unknown_persistence_id);
        tcase_add_test(
            t, tck_snapshot_does_not_load_with_non_matching_timestamp_criteria);
        tcase_add_test(
            t, tck_snapshot_does_not_load_with_non_matching_sequence_criteria);
        tcase_add_test(t, tck_snapshot_loads_the_most_recent_snapshot);
        tcase_add_test(t,
            tck_snapshot_loads_the_most_recent_matching_an_upper_sequence_bound);
        tcase_add_test(t,
            tck_snapshot_loads_the_most_recent_matching_sequence_and_time_bounds);
        tcase_add_test(
            t, tck_snapshot_deletes_a_single_snapshot_by_sequence_number);
        tcase_add_test(t, tck_snapshot_deletes_all_snapshots_matching_criteria);
        tcase_add_test(
            t, tck_snapshot_does_not_delete_with_non_matching_timestamp_bounds);
        tcase_add_test(t,
            tck_snapshot_does_not_delete_a_single_snapshot_newer_than_the_metadata);
        tcase_add_test(
            t, tck_snapshot_saves_and_overwrites_at_the_same_sequence_number);
        tcase_add_test(t, tck_snapshot_saves_a_bigger_snapshot);
        tcase_add_test(
            t, tck_snapshot_fails_a_load_of_an_unknown_type_instead_of_none);
        suite_add_tcase(s, t);
    }
    if (p->open_state) {
        TCase *t = tcase_create("DurableStateSpec");
        tcase_add_checked_fixture(t, state_setup, state_teardown);
        tcase_set_timeout(t, 60);
        tcase_add_test(t, tck_state_reads_nothing_for_an_unknown_id);
        tcase_add_test(t, tck_state_writes_and_reads_a_value_at_revision_one);
        tcase_add_test(t, tck_state_refuses_to_create_a_value_twice);
        tcase_add_test(t, tck_state_revision_rises_by_one_per_write);
        tcase_add_test(t, tck_state_refuses_a_stale_or_skipping_revision);
        tcase_add_test(
            t, tck_state_delete_checks_the_revision_and_a_write_starts_over);
        tcase_add_test(t, tck_state_keeps_ids_in_any_script);
        tcase_add_test(t, tck_state_fails_a_read_of_an_unknown_type_naming_it);
        tcase_add_test(t, tck_state_one_of_two_concurrent_writers_wins);
        suite_add_tcase(s, t);
    }
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
