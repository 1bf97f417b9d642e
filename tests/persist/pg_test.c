/*
 * pg_test.c -- what the TCK cannot check generically about the PostgreSQL
 * journal and snapshot store, on a real server this program starts
 * (pg_server.sh) and stops: a connection that fails names its cause, a bad
 * schema name is refused, a server that goes away fails the writes queued
 * meanwhile (the outcome is unknown: AKT_WRITE_FAILED) and the journal
 * reconnects once it is back, with every acknowledged event kept; and
 * persistent actors generated from ledger.akt run on PostgreSQL chosen by
 * configuration (akt.persistence.*.plugin = postgresql), snapshots
 * included, and recover after a restart; a live query hears the commits
 * of another process (LISTEN/NOTIFY) without a commit of its own. Skipped
 * (77) only when the
 * PostgreSQL server binaries are not installed.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "akt/akt.h"
#include "akt/persistence.h"
#include "latch.h"
#include "ledger.akt.h"
#include "pg_fixture.h"

static pg_fixture pg;
static akt_registry *reg;
static int schema_no;
static char schema[64];

static void
setup(void)
{
    ck_assert_int_eq(akt_registry_new(&reg), AKT_OK);
    ck_assert_int_eq(ledger_ledger_register_types(reg), AKT_OK);
    /* a fresh schema per case: each case runs in its own process */
    snprintf(schema, sizeof schema, "pgt_%d_%d", (int)getpid(), ++schema_no);
}

static void
teardown(void)
{
    akt_registry_free(reg);
}

static akt_journal *
open_j(void)
{
    akt_pg_options o = { .conninfo = pg.conninfo, .schema = schema };
    akt_journal *j = NULL;
    akt_persist_error err;
    ck_assert_msg(
        akt_journal_open_pg(&o, reg, &j, &err) == AKT_OK, "%s", err.text);
    return j;
}

static akt_err
write1(akt_journal *j, const char *pid, uint64_t seq, int64_t amount,
    akt_write_status *st)
{
    ledger_Deposited *e = ledger_deposited_new(amount);
    akt_jevent ev = { .msg = e };
    akt_err rc = akt_journal_write_wait(j, pid, seq, &ev, 1, st);
    akt_msg_free(e);
    return rc;
}

static void
server(const char *what)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' %s '%s'", AKT_PG_SERVER, what, pg.dir);
    ck_assert_int_eq(system(cmd), 0);
}

static akt_err
sum_amounts(void *arg, const akt_prepr *rec, const void *event)
{
    (void)rec;
    *(int64_t *)arg += ((const ledger_Deposited *)event)->amount;
    return AKT_OK;
}

START_TEST(a_connection_that_fails_names_its_cause)
{
    akt_pg_options o
        = { .conninfo = "host=/nonexistent-akt port=1 dbname=x user=y" };
    akt_journal *j = NULL;
    akt_persist_error err;
    ck_assert_int_eq(akt_journal_open_pg(&o, reg, &j, &err), AKT_EPEER);
    ck_assert_ptr_null(j);
    ck_assert_msg(strstr(err.text, "cannot connect") != NULL
            && strstr(err.text, "nonexistent-akt") != NULL,
        "%s", err.text);
    akt_snapshot_store *s = NULL;
    ck_assert_int_eq(akt_snapshot_store_open_pg(&o, reg, &s, &err), AKT_EPEER);
}
END_TEST

START_TEST(a_bad_schema_name_is_refused)
{
    akt_pg_options o = { .conninfo = pg.conninfo, .schema = "x; DROP TABLE y" };
    akt_journal *j = NULL;
    akt_persist_error err;
    ck_assert_int_eq(akt_journal_open_pg(&o, reg, &j, &err), AKT_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.text, "schema"));
}
END_TEST

START_TEST(writes_fail_while_the_server_is_away_and_the_journal_reconnects)
{
    akt_journal *j = open_j();
    akt_write_status st;
    for (int i = 1; i <= 5; i++) {
        ck_assert_int_eq(write1(j, "acc", (uint64_t)i, i, &st), AKT_OK);
    }
    server("pause");
    /* the outcome of a write the server never confirmed is unknown */
    ck_assert_int_ne(write1(j, "acc", 6, 100, &st), AKT_OK);
    ck_assert_int_eq(st, AKT_WRITE_FAILED);
    uint64_t h = 0;
    ck_assert_int_ne(akt_journal_highest(j, "acc", &h), AKT_OK);
    server("resume");
    /* the next write reconnects; its number follows the acknowledged ones */
    ck_assert_int_eq(write1(j, "acc", 6, 6, &st), AKT_OK);
    ck_assert_int_eq(akt_journal_highest(j, "acc", &h), AKT_OK);
    ck_assert_uint_eq(h, 6);
    int64_t sum = 0;
    ck_assert_int_eq(akt_journal_replay(j, NULL, "acc", 1, UINT64_MAX,
                         UINT64_MAX, sum_amounts, &sum, NULL),
        AKT_OK);
    ck_assert_int_eq(sum, 21);
    akt_journal_close(j);
}
END_TEST

/* --- generated persistent actors on PostgreSQL, from the configuration ---- */

static void
apply_deposited(ledger_AccountState *s, const ledger_Deposited *e)
{
    s->balance += e->amount;
    s->replayed += !s->recovered;
}

static void
apply_withdrawn(ledger_AccountState *s, const ledger_Withdrawn *e)
{
    s->balance -= e->amount;
    s->replayed += !s->recovered;
}

static void
snapshot_offer(ledger_AccountState *s, uint64_t seq, const ledger_Snap *snap)
{
    (void)seq;
    s->balance = snap->balance;
}

static ledger_Snap *
snapshot_take(const ledger_AccountState *s)
{
    return ledger_snap_new(s->balance);
}

static void
recovered(ledger_AccountState *s, akt_ctx *ctx, uint64_t highest)
{
    (void)ctx;
    (void)highest;
    s->recovered = true;
}

static void
deposited(
    ledger_AccountState *s, akt_ctx *ctx, const ledger_Deposited *e, void *arg)
{
    (void)e;
    (void)arg;
    ledger_account_reply_deposit(ctx,
        ledger_balance_new(
            s->balance, akt_persistent_last_seq(ctx), s->replayed));
}

static akt_err
on_deposit(ledger_AccountState *s, akt_ctx *ctx, const ledger_Deposit *m)
{
    (void)s;
    ledger_Deposited *e = ledger_deposited_new(m->amount);
    akt_err rc = ledger_account_persist_deposited(ctx, e, deposited, NULL);
    if (rc != AKT_OK) {
        akt_msg_free(e);
        return akt_reply_error(ctx, rc);
    }
    return AKT_OK;
}

static akt_err
on_get(ledger_AccountState *s, akt_ctx *ctx, const ledger_Get *m)
{
    (void)m;
    return ledger_account_reply_get(ctx,
        ledger_balance_new(
            s->balance, akt_persistent_last_seq(ctx), s->replayed));
}

static const ledger_AccountHandlers account = {
    .on_deposit = on_deposit,
    .on_get = on_get,
    .apply_deposited = apply_deposited,
    .apply_withdrawn = apply_withdrawn,
    .snapshot_offer = snapshot_offer,
    .snapshot_take = snapshot_take,
    .snapshot_every = 4,
    .recovery_completed = recovered,
};

static akt_system *
pg_system(void)
{
    char conf[2048];
    snprintf(conf, sizeof conf,
        "akt.persistence.journal.plugin = postgresql\n"
        "akt.persistence.journal.postgresql.conninfo = \"%s\"\n"
        "akt.persistence.journal.postgresql.schema = %s\n"
        "akt.persistence.snapshot-store.plugin = postgresql\n"
        "akt.persistence.snapshot-store.postgresql.conninfo = \"%s\"\n"
        "akt.persistence.snapshot-store.postgresql.schema = %s\n",
        pg.conninfo, schema, pg.conninfo, schema);
    akt_config *cfg;
    ck_assert_int_eq(
        akt_config_parse_string(conf, strlen(conf), "pg_test", &cfg, NULL),
        AKT_OK);
    akt_system *sys;
    ck_assert_int_eq(akt_system_create("pg", cfg, &sys), AKT_OK);
    akt_config_release(cfg);
    akt_config_error err = { .message = "" };
    ck_assert_msg(
        akt_persistence_start(sys, reg, &err) == AKT_OK, "%s", err.message);
    return sys;
}

static ledger_AccountRef
spawn(akt_system *sys, const char *name)
{
    akt_props p;
    ck_assert_int_eq(ledger_account_props(&account, &p), AKT_OK);
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &p, name, &r), AKT_OK);
    return ledger_account_ref(r);
}

typedef struct heard {
    t_latch seen;
    int64_t sum;
} heard;

static akt_err
heard_one(void *arg, uint64_t offset, const char *pid, const akt_prepr *rec,
    const void *event)
{
    (void)offset;
    (void)pid;
    (void)rec;
    heard *h = arg;
    ck_assert_ptr_nonnull(event);
    h->sum += ((const ledger_Deposited *)event)->amount; /* one thread */
    t_latch_add(&h->seen, 1);
    return AKT_OK;
}

/* Another process (another node) writes through its own journal; this
 * process's live query hears each commit through LISTEN/NOTIFY, though
 * this journal commits nothing itself (without the listener it would
 * never be woken). */
START_TEST(a_live_query_hears_the_commits_of_another_process)
{
    int go[2];
    ck_assert_int_eq(pipe(go), 0);
    pid_t child = fork(); /* before this process opens anything */
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(go[1]);
        char b;
        if (read(go[0], &b, 1) != 1) {
            _exit(2);
        }
        akt_pg_options o = { .conninfo = pg.conninfo, .schema = schema };
        akt_journal *j = NULL;
        if (akt_journal_open_pg(&o, reg, &j, NULL) != AKT_OK) {
            _exit(3);
        }
        for (uint64_t s = 1; s <= 3; s++) {
            akt_write_status st;
            if (write1(j, "remote", s, 100 * (int64_t)s, &st) != AKT_OK) {
                _exit(4);
            }
        }
        akt_journal_close(j);
        _exit(0);
    }
    close(go[0]);
    akt_journal *j = open_j(); /* creates the schema before the child */
    heard h = { T_LATCH_INIT, 0 };
    akt_live *q;
    ck_assert_int_eq(
        akt_journal_live_by_pid(j, NULL, "remote", 0, heard_one, &h, NULL, &q),
        AKT_OK);
    ck_assert_int_eq(write(go[1], "g", 1), 1);
    close(go[1]);
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert(t_latch_wait(&h.seen, 3, 20000));
    akt_live_stop(q);
    ck_assert_int_eq(h.sum, 600);
    akt_journal_close(j);
}
END_TEST

START_TEST(persistent_actors_run_on_postgresql_chosen_by_configuration)
{
    akt_system *sys = pg_system();
    ledger_AccountRef a = spawn(sys, "7");
    ledger_Balance *b = NULL;
    for (int i = 1; i <= 10; i++) {
        ck_assert_int_eq(ledger_account_call_deposit(
                             a, ledger_deposit_new(i), AKT_SEC(20), &b, NULL),
            AKT_OK);
        ck_assert_uint_eq(b->seq, (uint64_t)i);
        akt_msg_free(b);
    }
    akt_system_free(sys);
    sys = pg_system();
    a = spawn(sys, "7");
    ck_assert_int_eq(
        ledger_account_call_get(a, ledger_get_new(), AKT_SEC(20), &b, NULL),
        AKT_OK);
    ck_assert_int_eq(b->balance, 55);
    ck_assert_uint_eq(b->seq, 10);
    ck_assert_int_eq(b->replayed, 2); /* the snapshot at 8, then 9 and 10 */
    akt_msg_free(b);
    akt_system_free(sys);
}
END_TEST

START_TEST(postgresql_without_a_connection_string_fails_naming_the_key)
{
    const char *conf = "akt.persistence.journal.plugin = postgresql\n";
    akt_config *cfg;
    ck_assert_int_eq(
        akt_config_parse_string(conf, strlen(conf), "app.conf", &cfg, NULL),
        AKT_OK);
    akt_system *sys;
    ck_assert_int_eq(akt_system_create("pgbad", cfg, &sys), AKT_OK);
    akt_config_release(cfg);
    akt_config_error err = { .message = "" };
    ck_assert_int_eq(akt_persistence_start(sys, reg, &err), AKT_EINVAL);
    ck_assert_msg(
        strstr(err.message, "akt.persistence.journal.postgresql.conninfo")
            && strstr(err.message, "libpq connection string"),
        "%s", err.message);
    akt_system_free(sys);
}
END_TEST

int
main(void)
{
    int rc = pg_fixture_start(&pg, false);
    if (rc != 0) {
        return rc; /* 77: skipped, the reason is printed */
    }
    Suite *s = suite_create("persist_pg");
    TCase *tc = tcase_create("pg");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_connection_that_fails_names_its_cause);
    tcase_add_test(tc, a_bad_schema_name_is_refused);
    tcase_add_test(
        tc, writes_fail_while_the_server_is_away_and_the_journal_reconnects);
    tcase_add_test(
        tc, persistent_actors_run_on_postgresql_chosen_by_configuration);
    tcase_add_test(
        tc, postgresql_without_a_connection_string_fails_naming_the_key);
    tcase_add_test(tc, a_live_query_hears_the_commits_of_another_process);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    pg_fixture_stop(&pg);
    return failed == 0 ? 0 : 1;
}
