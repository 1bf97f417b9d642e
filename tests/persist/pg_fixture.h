/*
 * pg_fixture.h -- a throwaway PostgreSQL server for a test or bench
 * program: pg_server.sh (its path is AKT_PG_SERVER, set by the build)
 * starts one in a fresh /tmp folder; conninfo is how to reach it (Unix
 * socket; with tcp, conninfo_tcp reaches it on 127.0.0.1 too).
 */
#ifndef AKT_TESTS_PG_FIXTURE_H
#define AKT_TESTS_PG_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

typedef struct pg_fixture {
    char dir[128];
    char conninfo[512];
    char conninfo_tcp[512];
} pg_fixture;

static inline bool
pg_fixture_read(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    bool ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    out[strcspn(out, "\n")] = '\0';
    return ok;
}

/* 0: started; 77: no server binaries (pg_server.sh said why); 1: failed */
static inline int
pg_fixture_start(pg_fixture *pg, bool tcp)
{
    memset(pg, 0, sizeof *pg);
    snprintf(pg->dir, sizeof pg->dir, "/tmp/akt-pg-XXXXXX");
    if (mkdtemp(pg->dir) == NULL) {
        perror("pg_fixture: mkdtemp");
        return 1;
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' start '%s'%s", AKT_PG_SERVER, pg->dir,
        tcp ? " tcp" : "");
    int st = system(cmd);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    if (code != 0) {
        snprintf(cmd, sizeof cmd, "'%s' stop '%s'", AKT_PG_SERVER, pg->dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "pg_fixture: cannot remove %s\n", pg->dir);
        }
        return code == 77 ? 77 : 1;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/conninfo", pg->dir);
    if (!pg_fixture_read(path, pg->conninfo, sizeof pg->conninfo)) {
        return 1;
    }
    if (tcp) {
        snprintf(path, sizeof path, "%s/conninfo.tcp", pg->dir);
        if (!pg_fixture_read(path, pg->conninfo_tcp, sizeof pg->conninfo_tcp)) {
            return 1;
        }
    }
    return 0;
}

static inline void
pg_fixture_stop(pg_fixture *pg)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' stop '%s'", AKT_PG_SERVER, pg->dir);
    if (system(cmd) != 0) {
        fprintf(
            stderr, "pg_fixture: stopping the server in %s failed\n", pg->dir);
    }
}

#endif /* AKT_TESTS_PG_FIXTURE_H */
