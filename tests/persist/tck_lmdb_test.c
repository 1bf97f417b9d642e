/*
 * tck_lmdb_test.c -- the persistence TCK (akt-persistence-tck) against the
 * LMDB journal and snapshot store. A third-party plug-in's test looks the
 * same with its own open functions.
 */
#include "tck/tck.h"

static akt_err
open_j(void *arg, const char *dir, const akt_registry *reg, akt_journal **out)
{
    (void)arg;
    akt_lmdb_options o = { .dir = dir, .map_size = 64u << 20 };
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
    akt_tck_plugin p = {
        .name = "lmdb",
        .open_journal = open_j,
        .open_snapshots = open_s,
        .rejects_non_serializable = true,
        .supports_tags = true,
        .supports_global_seq = true,
        .supports_live = true,
        .open_state = open_st,
    };
    return akt_tck_run(&p) == 0 ? 0 : 1;
}
