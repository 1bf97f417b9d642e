/*
 * tck_pg_test.c -- the persistence TCK (akt-persistence-tck) against the
 * PostgreSQL journal and snapshot store, on a real server this program
 * starts (tests/persist/pg_server.sh: initdb into a temporary folder, a
 * Unix socket, an unprivileged user under root) and stops. Each case gets
 * its own schema, named after its fresh directory. Skipped (77, with the
 * reason) only when the PostgreSQL server binaries are not installed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "pg_fixture.h"
#include "tck/tck.h"

static char conninfo[512];

/* a schema per store directory: akt_tck_<fnv-1a of the path> */
static void
schema_of(const char *dir, char *out, size_t cap)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = dir; *p; p++) {
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    }
    snprintf(out, cap, "akt_tck_%016llx", (unsigned long long)h);
}

static akt_err
open_j(void *arg, const char *dir, const akt_registry *reg, akt_journal **out)
{
    (void)arg;
    char schema[64];
    schema_of(dir, schema, sizeof schema);
    akt_pg_options o = { .conninfo = conninfo, .schema = schema };
    akt_persist_error err;
    akt_err rc = akt_journal_open_pg(&o, reg, out, &err);
    if (rc != AKT_OK) {
        fprintf(stderr, "tck_pg: %s\n", err.text);
    }
    return rc;
}

static akt_err
open_s(void *arg, const char *dir, const akt_registry *reg,
    akt_snapshot_store **out)
{
    (void)arg;
    char schema[64];
    schema_of(dir, schema, sizeof schema);
    akt_pg_options o = { .conninfo = conninfo, .schema = schema };
    akt_persist_error err;
    akt_err rc = akt_snapshot_store_open_pg(&o, reg, out, &err);
    if (rc != AKT_OK) {
        fprintf(stderr, "tck_pg: %s\n", err.text);
    }
    return rc;
}

static akt_err
open_st(
    void *arg, const char *dir, const akt_registry *reg, akt_state_store **out)
{
    (void)arg;
    char schema[64];
    schema_of(dir, schema, sizeof schema);
    akt_pg_options o = { .conninfo = conninfo, .schema = schema };
    akt_persist_error err;
    akt_err rc = akt_state_store_open_pg(&o, reg, out, &err);
    if (rc != AKT_OK) {
        fprintf(stderr, "tck_pg: %s\n", err.text);
    }
    return rc;
}

int
main(void)
{
    pg_fixture pg;
    int rc = pg_fixture_start(&pg, false);
    if (rc != 0) {
        return rc; /* 77: skipped, the reason is printed */
    }
    snprintf(conninfo, sizeof conninfo, "%s", pg.conninfo);
    akt_tck_plugin p = {
        .name = "postgresql",
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
    pg_fixture_stop(&pg);
    return failed == 0 ? 0 : 1;
}
