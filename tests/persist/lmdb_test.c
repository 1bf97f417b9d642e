/*
 * lmdb_test.c -- what the TCK cannot check generically about the LMDB
 * journal: a full map fails writes with AKT_ENOSPC and leaves the journal
 * usable, a damaged record fails replay with AKT_EPROTO (in the
 * write-ahead log and in the per-id index), writes queued together share
 * commits (group commit), the data survives a reopen, the log is moved
 * into the per-id index in bulk and pruned, a journal of the first format
 * (no log) is read and upgraded, a newer format is refused naming it.
 */
#include <check.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akt/persistence.h"
#include "latch.h"

typedef struct tp_Blob {
    akt_bytes data;
} tp_Blob;

static const akt_field blob_fields[] = {
    { .name = "data",
        .number = 1,
        .kind = AKT_KIND_BYTES,
        .offset = offsetof(tp_Blob, data),
        .has_offset = AKT_NO_OFFSET },
};
static akt_type blob_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_EVENT | AKT_TYPE_TABLE,
    .name = "tp.Blob",
    .size = sizeof(tp_Blob),
    .align = _Alignof(tp_Blob),
    .fields = blob_fields,
    .nfields = 1,
};

static char dir[64];
static akt_registry *reg;

static void
setup(void)
{
    blob_type.id = akt_type_id(blob_type.name);
    snprintf(dir, sizeof(dir), "/tmp/akt-lmdb-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    ck_assert_int_eq(akt_registry_add(reg, &blob_type), AKT_OK);
}

static void
teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    akt_registry_free(reg);
}

static void *
blob(size_t n, uint8_t fill)
{
    tp_Blob *b = akt_msg_new(&blob_type, n + 16);
    uint8_t *tmp = malloc(n ? n : 1);
    memset(tmp, fill, n);
    ck_assert_int_eq(
        akt_arena_bytes(akt_msg_arena(b), tmp, n, &b->data), AKT_OK);
    free(tmp);
    return b;
}

static akt_err
count_cb(void *arg, const akt_prepr *rec, const void *ev)
{
    (void)rec;
    (void)ev;
    (*(uint64_t *)arg)++;
    return AKT_OK;
}

START_TEST(a_full_map_fails_the_write_with_enospc_and_the_journal_stays_usable)
{
    akt_lmdb_options o = { .dir = dir, .map_size = 1u << 20 };
    akt_journal *j;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    uint64_t seq = 0;
    akt_err rc = AKT_OK;
    akt_write_status st = AKT_WRITE_OK;
    while (seq < 100) {
        void *b = blob(64 * 1024, (uint8_t)seq);
        akt_jevent ev = { .msg = b };
        rc = akt_journal_write_wait(j, "big", seq + 1, &ev, 1, &st);
        akt_msg_free(b);
        if (rc != AKT_OK) {
            break;
        }
        seq++;
    }
    ck_assert_int_eq(rc, AKT_ENOSPC);
    ck_assert_int_eq(st, AKT_WRITE_FAILED);
    ck_assert_uint_gt(seq, 0);
    uint64_t h = 0, n = 0;
    ck_assert_int_eq(akt_journal_highest(j, "big", &h), AKT_OK);
    ck_assert_uint_eq(h, seq);
    ck_assert_int_eq(akt_journal_replay(j, NULL, "big", 1, UINT64_MAX,
                         UINT64_MAX, count_cb, &n, NULL),
        AKT_OK);
    ck_assert_uint_eq(n, seq);
    /* small writes still go through once space is freed by a delete */
    ck_assert_int_eq(akt_journal_delete_to(j, "big", seq), AKT_OK);
    void *b = blob(16, 1);
    akt_jevent ev = { .msg = b };
    ck_assert_int_eq(
        akt_journal_write_wait(j, "big", seq + 1, &ev, 1, NULL), AKT_OK);
    akt_msg_free(b);
    akt_journal_close(j);
}
END_TEST

/* raw LMDB access behind the journal's back */
static MDB_env *
raw_open(void)
{
    MDB_env *env;
    ck_assert_int_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 16);
    ck_assert_int_eq(mdb_env_open(env, dir, 0, 0644), 0);
    return env;
}

static size_t
raw_count(const char *db_name)
{
    MDB_env *env = raw_open();
    MDB_txn *t;
    MDB_dbi db;
    MDB_stat st;
    ck_assert_int_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &t), 0);
    ck_assert_int_eq(mdb_dbi_open(t, db_name, 0, &db), 0);
    ck_assert_int_eq(mdb_stat(t, db, &st), 0);
    mdb_txn_abort(t);
    mdb_env_close(env);
    return st.ms_entries;
}

static void
write_blobs(akt_journal *j, const char *pid, uint64_t from, uint64_t to)
{
    for (uint64_t s = from; s <= to; s++) {
        void *b = blob(32, (uint8_t)s);
        akt_jevent ev = { .msg = b };
        ck_assert_int_eq(
            akt_journal_write_wait(j, pid, s, &ev, 1, NULL), AKT_OK);
        akt_msg_free(b);
    }
}

/* _i = 0: the record is still in the write-ahead log ("wal"); _i = 1:
 * max-unindexed-events = 1 moved it into the per-id index ("events") */
START_TEST(a_damaged_record_fails_replay_with_eproto)
{
    const char *where = _i == 0 ? "wal" : "events";
    akt_lmdb_options o = { .dir = dir, .max_unindexed_events = _i ? 1 : 0 };
    akt_journal *j;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    write_blobs(j, "d", 1, 3);
    akt_journal_close(j);
    /* flip one payload byte of event 2 behind the journal's back */
    MDB_env *env = raw_open();
    MDB_txn *t;
    MDB_dbi db;
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &t), 0);
    ck_assert_int_eq(mdb_dbi_open(t, where, 0, &db), 0);
    MDB_cursor *c;
    MDB_val k, v;
    ck_assert_int_eq(mdb_cursor_open(t, db, &c), 0);
    ck_assert_int_eq(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
    ck_assert_int_eq(mdb_cursor_get(c, &k, &v, MDB_NEXT), 0);
    uint8_t *copy = malloc(v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[v.mv_size - 10] ^= 0x5a;
    MDB_val nv = { v.mv_size, copy };
    ck_assert_int_eq(mdb_cursor_put(c, &k, &nv, MDB_CURRENT), 0);
    mdb_cursor_close(c);
    ck_assert_int_eq(mdb_txn_commit(t), 0);
    mdb_env_close(env);
    free(copy);

    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    uint64_t n = 0;
    akt_persist_error err;
    ck_assert_int_eq(akt_journal_replay(j, NULL, "d", 1, UINT64_MAX, UINT64_MAX,
                         count_cb, &n, &err),
        AKT_EPROTO);
    ck_assert_uint_eq(n, 1); /* event 1 came, event 2 stopped it */
    ck_assert_msg(strstr(err.text, "d:") != NULL, "%s", err.text);
    akt_journal_close(j);
}
END_TEST

/* more than max-unindexed-events records: the oldest tails move into the
 * per-id index in bulk, the log keeps about the bound, and every record
 * replays in order from both places after a reopen */
START_TEST(the_log_is_moved_into_the_index_in_bulk_and_pruned)
{
    enum { PIDS = 20, PER = 50, BOUND = 100 };
    akt_lmdb_options o = { .dir = dir, .max_unindexed_events = BOUND };
    akt_journal *j;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    for (uint64_t s = 1; s <= PER; s++) {
        for (int p = 0; p < PIDS; p++) {
            char pid[16];
            snprintf(pid, sizeof(pid), "m-%d", p);
            write_blobs(j, pid, s, s);
        }
    }
    akt_journal_close(j);
    size_t wal = raw_count("wal"), ev = raw_count("events");
    /* one write per commit here: the tail stays within BOUND + 1, and
     * the log holds the tail plus moved records above the oldest tail */
    ck_assert_uint_le(wal, 2 * BOUND + PER);
    ck_assert_uint_ge(ev, PIDS * PER - BOUND - 1);
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    for (int p = 0; p < PIDS; p++) {
        char pid[16];
        snprintf(pid, sizeof(pid), "m-%d", p);
        uint64_t n = 0;
        ck_assert_int_eq(akt_journal_replay(j, NULL, pid, 1, UINT64_MAX,
                             UINT64_MAX, count_cb, &n, NULL),
            AKT_OK);
        ck_assert_uint_eq(n, PER);
        uint64_t h = 0;
        ck_assert_int_eq(akt_journal_highest(j, pid, &h), AKT_OK);
        ck_assert_uint_eq(h, PER);
    }
    write_blobs(j, "m-0", PER + 1, PER + 1);
    akt_journal_close(j);
}
END_TEST

static void
raw_meta(const char *name, const uint64_t *v) /* v NULL: delete */
{
    MDB_env *env = raw_open();
    MDB_txn *t;
    MDB_dbi db;
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &t), 0);
    ck_assert_int_eq(mdb_dbi_open(t, "meta", 0, &db), 0);
    MDB_val k = { strlen(name), (void *)name };
    if (v) {
        uint8_t b[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (uint8_t)(*v >> (56 - 8 * i));
        }
        MDB_val d = { 8, b };
        ck_assert_int_eq(mdb_put(t, db, &k, &d, 0), 0);
    } else {
        ck_assert_int_eq(mdb_del(t, db, &k, NULL), 0);
    }
    ck_assert_int_eq(mdb_txn_commit(t), 0);
    mdb_env_close(env);
}

/* damaged storage is a clear error at open, never a crash: a log record
 * cut short, and a data file that is not LMDB at all */
START_TEST(damaged_storage_fails_the_open_with_a_clear_error)
{
    akt_lmdb_options o = { .dir = dir };
    akt_journal *j;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    write_blobs(j, "x", 1, 2);
    akt_journal_close(j);
    MDB_env *env = raw_open();
    MDB_txn *t;
    MDB_dbi db;
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &t), 0);
    ck_assert_int_eq(mdb_dbi_open(t, "wal", 0, &db), 0);
    MDB_cursor *c;
    MDB_val k, v;
    ck_assert_int_eq(mdb_cursor_open(t, db, &c), 0);
    ck_assert_int_eq(mdb_cursor_get(c, &k, &v, MDB_LAST), 0);
    uint8_t cut[8] = { 0 };
    MDB_val nv = { sizeof cut, cut };
    ck_assert_int_eq(mdb_cursor_put(c, &k, &nv, MDB_CURRENT), 0);
    mdb_cursor_close(c);
    ck_assert_int_eq(mdb_txn_commit(t), 0);
    mdb_env_close(env);
    akt_persist_error err;
    j = NULL;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, &err), AKT_EPROTO);
    ck_assert_ptr_null(j);
    ck_assert_msg(strstr(err.text, "write-ahead log is damaged") != NULL
            && strstr(err.text, dir) != NULL,
        "%s", err.text);
    /* not an LMDB file at all */
    char path[128];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 4096; i++) {
        fputc("garbage!"[i % 8], f);
    }
    fclose(f);
    ck_assert_int_ne(akt_journal_open_lmdb(&o, reg, &j, &err), AKT_OK);
    ck_assert_ptr_null(j);
    ck_assert_msg(strstr(err.text, "cannot open") != NULL, "%s", err.text);
}
END_TEST

/* a journal written by a newer build is refused with a clear error, and
 * stays untouched for that build */
START_TEST(a_journal_of_a_newer_format_is_refused_naming_it)
{
    akt_lmdb_options o = { .dir = dir };
    akt_journal *j;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    write_blobs(j, "f", 1, 2);
    akt_journal_close(j);
    uint64_t four = 4;
    raw_meta("format", &four);
    akt_persist_error err;
    j = NULL;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, &err), AKT_EPROTO);
    ck_assert_ptr_null(j);
    ck_assert_msg(strstr(err.text, "journal format 4") != NULL, "%s", err.text);
    ck_assert_uint_eq(raw_count("wal"), 2); /* untouched */
}
END_TEST

/* format 1 had no write-ahead log and no "format" key: every record in
 * the per-id index. Such a journal opens, replays, takes new writes and
 * is marked with the current format (3). */
START_TEST(a_journal_of_the_first_format_is_read_and_upgraded)
{
    akt_lmdb_options o = { .dir = dir, .max_unindexed_events = 1 };
    akt_journal *j;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    write_blobs(j, "old", 1, 3);
    write_blobs(j, "other", 1, 2); /* moves all of "old" into events */
    akt_journal_close(j);
    /* make it format 1: no log, no format key ("other" is lost with the
     * log; only "old" is checked) */
    MDB_env *env = raw_open();
    MDB_txn *t;
    MDB_dbi db;
    ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &t), 0);
    ck_assert_int_eq(mdb_dbi_open(t, "wal", 0, &db), 0);
    ck_assert_int_eq(mdb_drop(t, db, 1), 0);
    ck_assert_int_eq(mdb_txn_commit(t), 0);
    mdb_env_close(env);
    raw_meta("format", NULL);

    akt_lmdb_options o2 = { .dir = dir };
    ck_assert_int_eq(akt_journal_open_lmdb(&o2, reg, &j, NULL), AKT_OK);
    uint64_t n = 0, h = 0;
    ck_assert_int_eq(akt_journal_replay(j, NULL, "old", 1, UINT64_MAX,
                         UINT64_MAX, count_cb, &n, NULL),
        AKT_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(akt_journal_highest(j, "old", &h), AKT_OK);
    ck_assert_uint_eq(h, 3);
    write_blobs(j, "old", 4, 4);
    n = 0;
    ck_assert_int_eq(akt_journal_replay(j, NULL, "old", 1, UINT64_MAX,
                         UINT64_MAX, count_cb, &n, NULL),
        AKT_OK);
    ck_assert_uint_eq(n, 4);
    akt_journal_close(j);
    /* marked as the current format (3) now */
    MDB_env *env2 = raw_open();
    ck_assert_int_eq(mdb_txn_begin(env2, NULL, MDB_RDONLY, &t), 0);
    ck_assert_int_eq(mdb_dbi_open(t, "meta", 0, &db), 0);
    MDB_val k = { 6, "format" }, v;
    ck_assert_int_eq(mdb_get(t, db, &k, &v), 0);
    ck_assert_uint_eq(v.mv_size, 8);
    ck_assert_uint_eq(((const uint8_t *)v.mv_data)[7], 3);
    mdb_txn_abort(t);
    mdb_env_close(env2);
}
END_TEST

typedef struct counter {
    int ok;
    t_latch done;
} counter;

static void
done_cb(void *arg, akt_write_status st, akt_err rc)
{
    (void)rc;
    counter *c = arg;
    if (st == AKT_WRITE_OK) {
        __atomic_add_fetch(&c->ok, 1, __ATOMIC_RELAXED);
    }
    t_latch_add(&c->done, 1);
}

START_TEST(writes_queued_together_share_commits)
{
    akt_lmdb_options o = { .dir = dir };
    akt_journal *j;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    counter c = { 0, T_LATCH_INIT };
    enum { N = 2000 };
    void *b = blob(100, 3);
    akt_jevent ev = { .msg = b };
    for (int i = 0; i < N; i++) {
        char pid[32];
        snprintf(pid, sizeof(pid), "g-%d", i % 50);
        ck_assert_int_eq(akt_journal_write(j, pid, (uint64_t)(i / 50) + 1, &ev,
                             1, done_cb, &c),
            AKT_OK);
    }
    akt_msg_free(b);
    ck_assert(t_latch_wait(&c.done, N, 30000));
    ck_assert_int_eq(__atomic_load_n(&c.ok, __ATOMIC_RELAXED), N);
    akt_journal_stats s;
    ck_assert_int_eq(akt_journal_stats_get(j, &s), AKT_OK);
    ck_assert_uint_eq(s.writes, N);
    ck_assert_uint_eq(s.events, N);
    ck_assert_uint_lt(s.commits, N / 4); /* batched, not one fsync each */
    akt_journal_close(j);
    /* everything is there after a reopen */
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    uint64_t h = 0;
    ck_assert_int_eq(akt_journal_highest(j, "g-7", &h), AKT_OK);
    ck_assert_uint_eq(h, N / 50);
    akt_journal_close(j);
}
END_TEST

typedef struct fill_arg {
    akt_write_status st;
    akt_err rc;
    t_latch *done;
} fill_arg;

static void
fill_cb(void *arg, akt_write_status st, akt_err rc)
{
    fill_arg *f = arg;
    f->st = st;
    f->rc = rc;
    t_latch_add(f->done, 1);
}

/* Many batches, some committed and held for the next commit's sync when a
 * later commit fails on the full map: every write is told, those told OK
 * are in the journal after a reopen, those told ENOSPC are not. */
START_TEST(writes_around_a_commit_that_fails_are_told_truthfully)
{
    enum { N = 3000 };
    akt_lmdb_options o
        = { .dir = dir, .map_size = 1u << 20, .max_batch_events = 50 };
    akt_journal *j;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    fill_arg *f = calloc(N, sizeof(*f));
    t_latch done = T_LATCH_INIT;
    void *b = blob(700, 9);
    akt_jevent ev = { .msg = b };
    for (int i = 0; i < N; i++) {
        char pid[16];
        snprintf(pid, sizeof(pid), "f-%d", i);
        f[i].done = &done;
        ck_assert_int_eq(
            akt_journal_write(j, pid, 1, &ev, 1, fill_cb, &f[i]), AKT_OK);
    }
    akt_msg_free(b);
    ck_assert(t_latch_wait(&done, N, 60000));
    akt_journal_close(j);
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    int ok = 0, full = 0;
    for (int i = 0; i < N; i++) {
        char pid[16];
        snprintf(pid, sizeof(pid), "f-%d", i);
        uint64_t h = 9, n = 0;
        ck_assert_int_eq(akt_journal_highest(j, pid, &h), AKT_OK);
        ck_assert_int_eq(akt_journal_replay(j, NULL, pid, 1, UINT64_MAX,
                             UINT64_MAX, count_cb, &n, NULL),
            AKT_OK);
        if (f[i].st == AKT_WRITE_OK) {
            ok++;
            ck_assert_uint_eq(h, 1);
            ck_assert_uint_eq(n, 1);
        } else {
            full++;
            ck_assert_int_eq(f[i].rc, AKT_ENOSPC);
            ck_assert_uint_eq(h, 0);
            ck_assert_uint_eq(n, 0);
        }
    }
    ck_assert_int_gt(ok, 50); /* several batches went in ... */
    ck_assert_int_gt(full, 0); /* ... before the map was full */
    free(f);
    akt_journal_close(j);
}
END_TEST

START_TEST(an_oversized_event_is_rejected_before_the_store)
{
    akt_lmdb_options o = { .dir = dir, .max_record_size = 1024 };
    akt_journal *j;
    ck_assert_int_eq(akt_journal_open_lmdb(&o, reg, &j, NULL), AKT_OK);
    void *b = blob(4096, 1);
    akt_jevent ev = { .msg = b };
    akt_write_status st = AKT_WRITE_OK;
    ck_assert_int_eq(
        akt_journal_write_wait(j, "o", 1, &ev, 1, &st), AKT_ETOOBIG);
    ck_assert_int_eq(st, AKT_WRITE_REJECTED);
    akt_msg_free(b);
    uint64_t h = 9;
    ck_assert_int_eq(akt_journal_highest(j, "o", &h), AKT_OK);
    ck_assert_uint_eq(h, 0);
    akt_journal_close(j);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("persist_lmdb");
    TCase *tc = tcase_create("lmdb");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc,
        a_full_map_fails_the_write_with_enospc_and_the_journal_stays_usable);
    tcase_add_loop_test(tc, a_damaged_record_fails_replay_with_eproto, 0, 2);
    tcase_add_test(tc, the_log_is_moved_into_the_index_in_bulk_and_pruned);
    tcase_add_test(tc, a_journal_of_a_newer_format_is_refused_naming_it);
    tcase_add_test(tc, damaged_storage_fails_the_open_with_a_clear_error);
    tcase_add_test(tc, a_journal_of_the_first_format_is_read_and_upgraded);
    tcase_add_test(tc, writes_queued_together_share_commits);
    tcase_add_test(tc, an_oversized_event_is_rejected_before_the_store);
    tcase_add_test(tc, writes_around_a_commit_that_fails_are_told_truthfully);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
