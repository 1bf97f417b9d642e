/*
 * tck_lmdb_test.c -- the persistence TCK (akt-persistence-tck) against the
 * LMDB journal and snapshot store. A third-party plug-in's test looks the
 * same with its own open functions.
 * It runs twice: with the default max-unindexed-events (the TCK's records
 * stay in the journal's write-ahead log, read through the in-memory tail
 * index) and with max-unindexed-events = 1 (nearly every commit moves
 * tails into the per-id index and prunes the log), so every contract is
 * proved on both paths and across the move.
 */
#include "tck/tck.h"

static akt_err
open_j(void *arg, const char *dir, const akt_registry *reg, akt_journal **out)
{
    akt_lmdb_options o = { .dir = dir,
        .map_size = 64u << 20,
        .max_unindexed_events = *(const uint64_t *)arg };
    return akt_journal_open_lmdb(&o, reg, out, NULL);
}

static akt_err
open_s(void *arg, const char *dir, const akt_registry *reg,
    akt_snapshot_store **out)
{
    (void)arg;
    akt_lmdb_options o = { .dir = dir, .map_size = 64u << 20 };
    return akt_snapshot_store_open_lmdb(&o, reg, out, NULL);
}

static akt_err
open_st(
    void *arg, const char *dir, const akt_registry *reg, akt_state_store **out)
{
    (void)arg;
    akt_lmdb_options o = { .dir = dir, .map_size = 64u << 20 };
    return akt_state_store_open_lmdb(&o, reg, out, NULL);
}

int
main(void)
{
    uint64_t unindexed = 0; /* the default */
    akt_tck_plugin p = {
        .name = "lmdb",
        .arg = &unindexed,
        .open_journal = open_j,
        .open_snapshots = open_s,
        .rejects_non_serializable = true,
        .supports_tags = true,
        .supports_global_seq = true,
        .supports_live = true,
        .supports_id_queries = true,
        .open_state = open_st,
    };
    int failed = akt_tck_run(&p);
    unindexed = 1;
    p.name = "lmdb_moving_every_commit";
    failed += akt_tck_run(&p);
    return failed == 0 ? 0 : 1;
}
