/*
 * tck.h -- akt-persistence-tck: the journal and snapshot-store contract as
 * Check suites, for any plug-in (docs/persistence.md, "Running the TCK").
 *
 * A plug-in's test program fills an akt_tck_plugin and returns
 * akt_tck_run()'s result from main:
 *
 *   static akt_err open_j(void *arg, const char *dir,
 *       const akt_registry *reg, akt_journal **out) { ... }
 *   int main(void) {
 *       akt_tck_plugin p = { .name = "mystore", .open_journal = open_j,
 *           .open_snapshots = open_s, .rejects_non_serializable = true };
 *       return akt_tck_run(&p) == 0 ? 0 : 1;
 *   }
 *
 * Each case runs in its own process with a fresh directory (removed
 * after) and a fresh journal; the cases' names follow Akka's JournalSpec /
 * SnapshotStoreSpec (tck_journal_... / tck_snapshot_...), plus the cases
 * PERSISTENCE.md section 2.6 adds, and for durable state (tck_state_...)
 * Orleans' grain-storage cases.
 */
#ifndef AKT_PERSISTENCE_TCK_H
#define AKT_PERSISTENCE_TCK_H

#include <stdbool.h>

#include "akt/persistence.h"

typedef struct akt_tck_plugin {
    const char *name;
    /* open (or create) the store in dir; reg resolves the TCK's types */
    akt_err (*open_journal)(
        void *arg, const char *dir, const akt_registry *reg, akt_journal **out);
    /* NULL: the SnapshotStoreSpec is skipped */
    akt_err (*open_snapshots)(void *arg, const char *dir,
        const akt_registry *reg, akt_snapshot_store **out);
    void *arg;
    /* capabilities (Akka's JournalCapabilityFlags) */
    bool rejects_non_serializable; /* case 16 */
    bool supports_tags; /* events_by_tag: gap-free offsets */
    bool supports_global_seq; /* replay reports a gap-free gseq */
    bool supports_live; /* live queries (akt_journal_ops.watch) */
    /* persistence_ids and events_all (with live: live_all too) */
    bool supports_id_queries;
    /* NULL: the durable-state cases are skipped */
    akt_err (*open_state)(void *arg, const char *dir, const akt_registry *reg,
        akt_state_store **out);
} akt_tck_plugin;

/* akt_tck_run -- run every case that p's capabilities allow; returns the
 * number of failed cases (0: the plug-in passes). CK_RUN_CASE etc. work. */
int akt_tck_run(const akt_tck_plugin *p);

#endif /* AKT_PERSISTENCE_TCK_H */
