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
 * of another process (LISTEN/NOTIFY) without a commit of its own; a
 * recovery waiting on the server (a locked table) is cancelled there when
 * its actor or the system stops, and akt.persistence.reader-threads sets
 * how many recoveries wait at once; each event's writer id (the replay
 * filter's input) is stored and read back. Skipped
 * (77) only when the
 * PostgreSQL server binaries are not installed.
 */
#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <stdatomic.h>

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

/* events of the long histories carry amounts BIG + seq: each must come
 * right after the one before (order_breaks counts those that do not) */
#define BIG 1000000
static _Atomic int64_t order_prev, order_breaks;
static _Atomic int recovery_failures;
static char failure_text[512];

static void
apply_deposited(ledger_AccountState *s, const ledger_Deposited *e)
{
    s->balance += e->amount;
    s->replayed += !s->recovered;
    if (e->amount > BIG) {
        int64_t prev = atomic_exchange(&order_prev, e->amount);
        if (prev != 0 && e->amount != prev + 1) {
            atomic_fetch_add(&order_breaks, 1);
        }
    }
}

static void
recovery_failed(
    ledger_AccountState *s, akt_ctx *ctx, akt_err rc, const char *why)
{
    (void)s;
    (void)ctx;
    (void)rc;
    snprintf(failure_text, sizeof failure_text, "%s", why);
    atomic_fetch_add(&recovery_failures, 1);
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

/* snapshot_saved: the automatic snapshots stored (in a later turn) */
static t_latch snaps_saved = T_LATCH_INIT;

static void
snapshot_saved(ledger_AccountState *s, akt_ctx *ctx, uint64_t seq)
{
    (void)s;
    (void)ctx;
    (void)seq;
    t_latch_add(&snaps_saved, 1);
}

static const ledger_AccountHandlers account = {
    .on_deposit = on_deposit,
    .on_get = on_get,
    .apply_deposited = apply_deposited,
    .apply_withdrawn = apply_withdrawn,
    .snapshot_offer = snapshot_offer,
    .snapshot_take = snapshot_take,
    .snapshot_every = 4,
    .snapshot_saved = snapshot_saved,
    .recovery_completed = recovered,
    .recovery_failed = recovery_failed,
};

static akt_system *
pg_system_with(const char *extra)
{
    char conf[2048];
    snprintf(conf, sizeof conf,
        "%s"
        "akt.persistence.journal.plugin = postgresql\n"
        "akt.persistence.journal.postgresql.conninfo = \"%s\"\n"
        "akt.persistence.journal.postgresql.schema = %s\n"
        "akt.persistence.snapshot-store.plugin = postgresql\n"
        "akt.persistence.snapshot-store.postgresql.conninfo = \"%s\"\n"
        "akt.persistence.snapshot-store.postgresql.schema = %s\n",
        extra, pg.conninfo, schema, pg.conninfo, schema);
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

static akt_system *
pg_system(void)
{
    return pg_system_with("");
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

/* --- asynchronous recovery on PostgreSQL -----------------------------------
 */

/* pid's events 1..n with amounts BIG + seq, written in atomic writes of 250 */
static void
write_history(const char *pid, int n)
{
    akt_journal *j = open_j();
    ledger_Deposited **es = calloc(250, sizeof(*es));
    akt_jevent *evs = calloc(250, sizeof(*evs));
    for (int first = 1; first <= n; first += 250) {
        int k = n - first + 1 < 250 ? n - first + 1 : 250;
        for (int i = 0; i < k; i++) {
            es[i] = ledger_deposited_new(BIG + first + i);
            evs[i].msg = es[i];
        }
        akt_write_status st;
        ck_assert_int_eq(akt_journal_write_wait(
                             j, pid, (uint64_t)first, evs, (size_t)k, &st),
            AKT_OK);
        for (int i = 0; i < k; i++) {
            akt_msg_free(es[i]);
        }
    }
    free(es);
    free(evs);
    akt_journal_close(j);
}

static int64_t
history_sum(int n)
{
    return (int64_t)n * BIG + (int64_t)n * (n + 1) / 2;
}

static PGconn *
sql_open(void)
{
    PGconn *c = PQconnectdb(pg.conninfo);
    ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    return c;
}

static void
sql(PGconn *c, const char *fmt, ...)
{
    char q[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q, sizeof q, fmt, ap);
    va_end(ap);
    PGresult *r = PQexec(c, q);
    ExecStatusType st = PQresultStatus(r);
    ck_assert_msg(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", q,
        PQerrorMessage(c));
    PQclear(r);
}

/* take the events table (the recovery's replay then waits for it) */
static PGconn *
lock_events(void)
{
    PGconn *c = sql_open();
    sql(c, "BEGIN; LOCK TABLE %s.akt_events IN ACCESS EXCLUSIVE MODE", schema);
    return c;
}

/* wait until another session waits for a lock: the recovery is then
 * blocked inside its read. Asked on a connection of its own (in the
 * locking transaction pg_stat_activity would stay the snapshot of its
 * first read). */
static void
await_blocked(int want, const char *why)
{
    PGconn *c = sql_open();
    for (int i = 0; i < 20000; i++) {
        PGresult *r = PQexec(c,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
            "'Lock' AND pid <> pg_backend_pid()");
        ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
        int n = atoi(PQgetvalue(r, 0, 0));
        PQclear(r);
        if (n == want) {
            PQfinish(c);
            return;
        }
        usleep(1000); /* polling a condition, not a fixed wait */
    }
    ck_abort_msg("%s", why);
}

static void
await_blocked_reader(void)
{
    await_blocked(1, "the recovery never reached its read");
}

/* a plain actor on the same dispatcher: each Get it receives (told, so a
 * dispatcher worker runs it, not the sender's thread) counts down */
static t_latch plain_seen = T_LATCH_INIT;

static akt_err
plain_get(void *state, akt_ctx *ctx, const void *msg)
{
    (void)state;
    (void)ctx;
    (void)msg;
    t_latch_add(&plain_seen, 1);
    return AKT_OK;
}
static const akt_handler plain_handlers[] = { { &ledger_get_desc, plain_get } };
static const akt_behavior plain_beh = { "plain", plain_handlers, 1, NULL };
static const akt_props plain_props = { .behavior = &plain_beh };

#define ONE_WORKER "akt.actor.default-dispatcher.workers = 1\n"

/* With one dispatcher worker, a persistent actor whose replay is blocked
 * on the server (its events table locked) does not hold that worker: a
 * plain actor on the same dispatcher answers meanwhile (were the read on
 * the worker, the answer could not come and the call would time out).
 * Once the lock goes, the recovery completes with every event. */
START_TEST(a_recovery_waiting_on_the_server_does_not_hold_a_dispatcher_worker)
{
    write_history("ledger.Account|w", 300);
    PGconn *lk = lock_events();
    akt_system *sys = pg_system_with(ONE_WORKER);
    ledger_AccountRef a = spawn(sys, "w");
    await_blocked_reader();
    akt_ref p;
    ck_assert_int_eq(akt_spawn(sys, &plain_props, "plain", &p), AKT_OK);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(akt_tell(p, ledger_get_new(), AKT_REF_NONE), AKT_OK);
    }
    ck_assert_msg(t_latch_wait(&plain_seen, 3, 10000),
        "the plain actor was not served while the recovery waited");
    ledger_Balance *b = NULL;
    uint32_t running = 0;
    ck_assert_int_eq(
        akt_persistence_recovery_stats(sys, &running, NULL), AKT_OK);
    ck_assert_uint_eq(running, 1); /* still recovering */
    sql(lk, "COMMIT");
    PQfinish(lk);
    ck_assert_int_eq(
        ledger_account_call_get(a, ledger_get_new(), AKT_SEC(20), &b, NULL),
        AKT_OK);
    ck_assert_int_eq(b->balance, history_sum(300));
    ck_assert_uint_eq(b->seq, 300);
    akt_msg_free(b);
    akt_system_free(sys);
}
END_TEST

/* A history of 5,000 events (five chunks of AKT_PERSIST_RECOVERY_CHUNK)
 * recovers in order with nothing lost or applied twice: each amount
 * follows the one before, the sum and count are exact, numbering goes on
 * after it. */
START_TEST(a_long_history_recovers_in_order_in_chunks)
{
    write_history("ledger.Account|long", 5000);
    atomic_store(&order_prev, 0);
    atomic_store(&order_breaks, 0);
    akt_system *sys = pg_system_with(ONE_WORKER);
    ledger_AccountRef a = spawn(sys, "long");
    ledger_Balance *b = NULL;
    ck_assert_int_eq(
        ledger_account_call_get(a, ledger_get_new(), AKT_SEC(60), &b, NULL),
        AKT_OK);
    ck_assert_int_eq(b->balance, history_sum(5000));
    ck_assert_int_eq(b->replayed, 5000);
    ck_assert_uint_eq(b->seq, 5000);
    akt_msg_free(b);
    ck_assert_int_eq(atomic_load(&order_prev), BIG + 5000);
    ck_assert_int_eq(atomic_load(&order_breaks), 0);
    ck_assert_int_eq(ledger_account_call_deposit(
                         a, ledger_deposit_new(1), AKT_SEC(20), &b, NULL),
        AKT_OK);
    ck_assert_uint_eq(b->seq, 5001);
    akt_msg_free(b);
    akt_system_free(sys);
}
END_TEST

/* An actor stopped while its replay waits on the server gives its permit
 * back at once (running 0), and the read it left is dropped: after the
 * lock goes the system shuts down cleanly and a new incarnation recovers
 * the whole history. */
START_TEST(an_actor_stopped_during_its_recovery_gives_the_permit_back)
{
    write_history("ledger.Account|s", 2000);
    PGconn *lk = lock_events();
    akt_system *sys = pg_system_with(ONE_WORKER);
    ledger_AccountRef a = spawn(sys, "s");
    await_blocked_reader();
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(a.ref, &f), AKT_OK);
    ck_assert_int_eq(akt_stop(a.ref), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    akt_future_release(f);
    uint32_t running = 9;
    ck_assert_int_eq(
        akt_persistence_recovery_stats(sys, &running, NULL), AKT_OK);
    ck_assert_uint_eq(running, 0);
    sql(lk, "COMMIT");
    PQfinish(lk);
    akt_system_free(sys); /* its readers end; the name is free again */
    sys = pg_system_with(ONE_WORKER);
    a = spawn(sys, "s");
    ledger_Balance *b = NULL;
    ck_assert_int_eq(
        ledger_account_call_get(a, ledger_get_new(), AKT_SEC(20), &b, NULL),
        AKT_OK);
    ck_assert_int_eq(b->balance, history_sum(2000));
    ck_assert_uint_eq(b->seq, 2000);
    akt_msg_free(b);
    akt_system_free(sys);
}
END_TEST

/* A record that does not decode in the middle of a long history (event
 * 3,000 of 4,000, in the third chunk) fails the recovery: the hook hears
 * the persistence id and the sequence number, the actor stops, the permit
 * comes back. */
START_TEST(a_journal_error_during_the_replay_fails_the_recovery)
{
    write_history("ledger.Account|bad", 4000);
    PGconn *c = sql_open();
    sql(c,
        "UPDATE %s.akt_events SET data = '\\xc1c1c1'::bytea WHERE pid = "
        "'ledger.Account|bad' AND seq = 3000",
        schema);
    PQfinish(c);
    atomic_store(&recovery_failures, 0);
    atomic_store(&order_prev, 0);
    akt_system *sys = pg_system_with(ONE_WORKER);
    ledger_AccountRef a = spawn(sys, "bad");
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(a.ref, &f), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(30), NULL), AKT_OK);
    akt_future_release(f);
    ck_assert_int_eq(atomic_load(&recovery_failures), 1);
    ck_assert_msg(strstr(failure_text, "ledger.Account|bad")
            && strstr(failure_text, "3000"),
        "%s", failure_text);
    ck_assert_int_eq(atomic_load(&order_prev), BIG + 2999); /* up to it */
    uint32_t running = 9;
    ck_assert_int_eq(
        akt_persistence_recovery_stats(sys, &running, NULL), AKT_OK);
    ck_assert_uint_eq(running, 0);
    akt_system_free(sys);
}
END_TEST

/* akt.persistence.reader-threads = 3: three recoveries wait on the server
 * at once (with the default of two, a third session never waits: the
 * third recovery queues for a thread). */
START_TEST(reader_threads_sets_how_many_recoveries_wait_on_the_server)
{
    write_history("ledger.Account|r1", 10);
    write_history("ledger.Account|r2", 10);
    write_history("ledger.Account|r3", 10);
    PGconn *lk = lock_events();
    akt_system *sys = pg_system_with("akt.persistence.reader-threads = 3\n");
    ledger_AccountRef a[3]
        = { spawn(sys, "r1"), spawn(sys, "r2"), spawn(sys, "r3") };
    await_blocked(3, "three recoveries did not wait on the server at once");
    sql(lk, "COMMIT");
    PQfinish(lk);
    for (int i = 0; i < 3; i++) {
        ledger_Balance *b = NULL;
        ck_assert_int_eq(ledger_account_call_get(
                             a[i], ledger_get_new(), AKT_SEC(20), &b, NULL),
            AKT_OK);
        ck_assert_int_eq(b->balance, history_sum(10));
        akt_msg_free(b);
    }
    akt_system_free(sys);
}
END_TEST

/* a bad reader-threads fails akt_persistence_start naming the key, where
 * it was set and what is expected */
START_TEST(a_bad_reader_threads_fails_naming_the_key)
{
    const char *text = "akt.persistence.reader-threads = 0\n";
    akt_config *cfg;
    ck_assert_int_eq(
        akt_config_parse_string(text, strlen(text), "app.conf", &cfg, NULL),
        AKT_OK);
    akt_system *sys;
    ck_assert_int_eq(akt_system_create("pgbad", cfg, &sys), AKT_OK);
    akt_config_release(cfg);
    akt_config_error err = { .message = "" };
    ck_assert_int_ne(akt_persistence_start(sys, reg, &err), AKT_OK);
    ck_assert_msg(strstr(err.message, "akt.persistence.reader-threads")
            && strstr(err.message, "app.conf") && strstr(err.message, "1"),
        "%s", err.message);
    akt_system_free(sys);
}
END_TEST

/* An actor stopped while its replay waits on the server cancels the
 * statement there (PQcancel): no session waits on the lock any more,
 * though the lock is still held (without the cancel the query would wait
 * for the lock and hold a reader thread and a connection). */
START_TEST(a_stopped_recovery_cancels_its_query_on_the_server)
{
    write_history("ledger.Account|c", 100);
    PGconn *lk = lock_events();
    akt_system *sys = pg_system_with(ONE_WORKER);
    ledger_AccountRef a = spawn(sys, "c");
    await_blocked_reader();
    ck_assert_int_eq(akt_stop(a.ref), AKT_OK);
    await_blocked(0, "the stopped recovery's query still waits on the lock");
    akt_system_free(sys);
    sql(lk, "COMMIT");
    PQfinish(lk);
}
END_TEST

typedef struct freer {
    akt_system *sys;
    t_latch done;
} freer;

static void *
free_system(void *arg)
{
    freer *f = arg;
    akt_system_free(f->sys);
    t_latch_add(&f->done, 1);
    return NULL;
}

/* The system stops while a recovery waits on the server: the stop
 * returns within 10 s with the lock still held (the read is cancelled;
 * before, akt_system_free waited for the lock). */
START_TEST(the_system_stops_while_a_recovery_waits_on_the_server)
{
    write_history("ledger.Account|q", 100);
    PGconn *lk = lock_events();
    freer f = { .sys = pg_system_with(ONE_WORKER), .done = T_LATCH_INIT };
    spawn(f.sys, "q");
    await_blocked_reader();
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, free_system, &f), 0);
    bool stopped = t_latch_wait(&f.done, 1, 10000);
    sql(lk, "COMMIT"); /* lets a stop that waited end, either way */
    PQfinish(lk);
    pthread_join(th, NULL);
    ck_assert_msg(stopped, "the stop waited for the server's lock");
}
END_TEST

/* --- group commit: one statement per run of writes ---------------------- */

typedef struct wres {
    akt_write_status st;
    akt_err rc;
    t_latch *done;
} wres;

static void
wres_cb(void *arg, akt_write_status st, akt_err rc)
{
    wres *w = arg;
    w->st = st;
    w->rc = rc;
    t_latch_add(w->done, 1);
}

static void
write_async(akt_journal *j, const char *pid, uint64_t seq, size_t n,
    const char *tag, wres *w)
{
    ledger_Deposited *e[2] = { ledger_deposited_new((int64_t)seq),
        ledger_deposited_new((int64_t)seq + 1) };
    const char *tags[1] = { tag };
    akt_jevent ev[2] = { { .msg = e[0], .tags = tags, .ntags = tag ? 1 : 0 },
        { .msg = e[1], .tags = tags, .ntags = tag ? 1 : 0 } };
    ck_assert_int_eq(akt_journal_write(j, pid, seq, ev, n, wres_cb, w), AKT_OK);
    akt_msg_free(e[0]);
    akt_msg_free(e[1]);
}

static akt_err
tag_offsets(void *arg, uint64_t offset, const char *pid, const akt_prepr *ev)
{
    (void)pid;
    (void)ev;
    uint64_t *next = arg;
    ck_assert_uint_eq(offset, *next); /* gap-free, in order, each once */
    (*next)++;
    return AKT_OK;
}

static akt_err
gseqs(void *arg, uint64_t offset, const char *pid, const akt_prepr *ev)
{
    (void)pid;
    uint64_t *next = arg;
    ck_assert_uint_eq(offset, *next);
    ck_assert_uint_eq(ev->gseq, *next);
    (*next)++;
    return AKT_OK;
}

static akt_err
count_seq(void *arg, const akt_prepr *rec, const void *event)
{
    (void)event;
    uint64_t *next = arg;
    ck_assert_uint_eq(rec->seq, *next);
    (*next)++;
    return AKT_OK;
}

/* The writes queued while a transaction is in flight go to the server as
 * one transaction (one akt_write_batch statement): 103 writes of 51 ids
 * (new ids with two writes each, tagged) commit as one, and the writes of
 * one id are judged in queue order inside the statement: a reused sequence
 * number fails only that write (AKT_ESTATE), also against a write earlier in
 * the same statement, while the next write of that id goes in. Sequence
 * numbers, the tag's offsets and the global sequence stay gap-free. */
START_TEST(a_group_of_writes_commits_as_one_and_a_reused_number_fails_alone)
{
    akt_journal *j = open_j();
    akt_write_status st;
    ck_assert_int_eq(write1(j, "g1", 1, 1, &st), AKT_OK);
    PGconn *lk = sql_open();
    sql(lk, "BEGIN; LOCK TABLE %s.akt_meta IN EXCLUSIVE MODE", schema);
    t_latch done = T_LATCH_INIT;
    wres hold = { .done = &done };
    write_async(j, "hold", 1, 1, NULL, &hold); /* waits on the lock */
    await_blocked(1, "the first write never reached the server");
    akt_journal_stats before;
    ck_assert_int_eq(akt_journal_stats_get(j, &before), AKT_OK);
    enum { IDS = 50 };
    static wres w[IDS][2];
    wres reuse_g1 = { .done = &done }, next_g1 = { .done = &done },
         reuse_b0 = { .done = &done };
    for (int i = 0; i < IDS; i++) {
        char pid[16];
        snprintf(pid, sizeof pid, "b%d", i);
        w[i][0] = w[i][1] = (wres) { .done = &done };
        write_async(j, pid, 1, 1, "t", &w[i][0]);
        write_async(j, pid, 2, 2, "t", &w[i][1]);
        if (i == 0) {
            write_async(j, pid, 2, 1, "t", &reuse_b0); /* 2 is taken */
        }
    }
    write_async(j, "g1", 1, 1, NULL, &reuse_g1); /* stored before */
    write_async(j, "g1", 2, 1, NULL, &next_g1);
    sql(lk, "COMMIT");
    PQfinish(lk);
    ck_assert(t_latch_wait(&done, 2 * IDS + 4, 30000));
    akt_journal_stats after;
    ck_assert_int_eq(akt_journal_stats_get(j, &after), AKT_OK);
    ck_assert_uint_eq(after.commits, before.commits + 2);
    ck_assert_int_eq(hold.rc, AKT_OK);
    for (int i = 0; i < IDS; i++) {
        ck_assert_int_eq(w[i][0].st, AKT_WRITE_OK);
        ck_assert_int_eq(w[i][1].st, AKT_WRITE_OK);
    }
    ck_assert_int_eq(reuse_b0.st, AKT_WRITE_FAILED);
    ck_assert_int_eq(reuse_b0.rc, AKT_ESTATE);
    ck_assert_int_eq(reuse_g1.st, AKT_WRITE_FAILED);
    ck_assert_int_eq(reuse_g1.rc, AKT_ESTATE);
    ck_assert_int_eq(next_g1.st, AKT_WRITE_OK);
    uint64_t h = 0, next = 1;
    ck_assert_int_eq(akt_journal_highest(j, "g1", &h), AKT_OK);
    ck_assert_uint_eq(h, 2);
    ck_assert_int_eq(akt_journal_highest(j, "b0", &h), AKT_OK);
    ck_assert_uint_eq(h, 3);
    ck_assert_int_eq(akt_journal_replay(j, NULL, "b0", 1, UINT64_MAX,
                         UINT64_MAX, count_seq, &next, NULL),
        AKT_OK);
    ck_assert_uint_eq(next, 4);
    next = 1;
    ck_assert_int_eq(
        akt_journal_events_by_tag(j, "t", 0, UINT64_MAX, tag_offsets, &next),
        AKT_OK);
    ck_assert_uint_eq(next, 3 * IDS + 1);
    next = 1;
    ck_assert_int_eq(
        akt_journal_events_all(j, 0, UINT64_MAX, gseqs, &next), AKT_OK);
    ck_assert_uint_eq(next, 1 + 1 + 3 * IDS + 1 + 1); /* g1, hold, b*, g1 */
    akt_journal_close(j);
}
END_TEST

static akt_err
writers_of(void *arg, const akt_prepr *rec, const void *event)
{
    (void)event;
    uint64_t *w = arg;
    w[rec->seq] = rec->writer;
    return AKT_OK;
}

static akt_err
writers_by_offset(
    void *arg, uint64_t offset, const char *pid, const akt_prepr *ev)
{
    (void)offset;
    (void)pid;
    uint64_t *w = arg;
    w[ev->seq] = ev->writer;
    return AKT_OK;
}

/* The replay filter's input is stored on PostgreSQL too: each event's
 * writer id comes back from a replay, a tag query and the all-events
 * query (it came back 0 before the column). A schema made by an older
 * build (its events table without the column) gains it when the journal
 * opens, its rows reading writer 0 (unknown, which the filter lets pass). */
START_TEST(each_events_writer_is_stored_and_read_back)
{
    akt_journal *j = open_j();
    const char *tags[] = { "w" };
    ledger_Deposited *e = ledger_deposited_new(5);
    akt_jevent ev[3] = { { .msg = e, .tags = tags, .ntags = 1, .writer = 7 },
        { .msg = e, .tags = tags, .ntags = 1, .writer = 7 },
        { .msg = e, .tags = tags, .ntags = 1, .writer = 0x9000000000000001u } };
    akt_write_status st;
    ck_assert_int_eq(akt_journal_write_wait(j, "wr", 1, ev, 2, &st), AKT_OK);
    ck_assert_int_eq(st, AKT_WRITE_OK);
    ck_assert_int_eq(
        akt_journal_write_wait(j, "wr", 3, &ev[2], 1, &st), AKT_OK);
    ck_assert_int_eq(st, AKT_WRITE_OK);
    uint64_t w[4] = { 0 };
    ck_assert_int_eq(akt_journal_replay(j, NULL, "wr", 1, UINT64_MAX,
                         UINT64_MAX, writers_of, w, NULL),
        AKT_OK);
    ck_assert_uint_eq(w[1], 7);
    ck_assert_uint_eq(w[2], 7);
    ck_assert_uint_eq(w[3], 0x9000000000000001u);
    memset(w, 0, sizeof w);
    ck_assert_int_eq(
        akt_journal_events_by_tag(j, "w", 0, UINT64_MAX, writers_by_offset, w),
        AKT_OK);
    ck_assert_uint_eq(w[1], 7);
    ck_assert_uint_eq(w[3], 0x9000000000000001u);
    memset(w, 0, sizeof w);
    ck_assert_int_eq(
        akt_journal_events_all(j, 0, UINT64_MAX, writers_by_offset, w), AKT_OK);
    ck_assert_uint_eq(w[2], 7);
    ck_assert_uint_eq(w[3], 0x9000000000000001u);
    akt_journal_close(j);
    /* as an older build left it: no writer column */
    PGconn *c = sql_open();
    sql(c, "ALTER TABLE %s.akt_events DROP COLUMN writer", schema);
    PQfinish(c);
    j = open_j();
    memset(w, 0xff, sizeof w);
    ck_assert_int_eq(akt_journal_replay(j, NULL, "wr", 1, UINT64_MAX,
                         UINT64_MAX, writers_of, w, NULL),
        AKT_OK);
    ck_assert_uint_eq(w[1], 0);
    ck_assert_uint_eq(w[3], 0);
    ev[0].writer = 11;
    ck_assert_int_eq(akt_journal_write_wait(j, "wr", 4, ev, 1, &st), AKT_OK);
    ck_assert_int_eq(st, AKT_WRITE_OK);
    uint64_t w4[5] = { 0 };
    ck_assert_int_eq(akt_journal_replay(
                         j, NULL, "wr", 4, 4, UINT64_MAX, writers_of, w4, NULL),
        AKT_OK);
    ck_assert_uint_eq(w4[4], 11);
    akt_msg_free(e);
    akt_journal_close(j);
}
END_TEST

/* With one dispatcher worker, an automatic snapshot whose save waits on
 * the server (the snapshots table locked) does not hold that worker: a
 * plain actor is served and the account itself goes on persisting
 * meanwhile (with the save in the actor's turn neither could run). Once
 * the lock goes the save completes (snapshot_saved) and a restarted
 * system recovers from it. */
START_TEST(a_snapshot_save_waiting_on_the_server_does_not_hold_a_worker)
{
    akt_system *sys = pg_system_with(ONE_WORKER);
    ledger_AccountRef a = spawn(sys, "snap");
    ledger_Balance *b = NULL;
    ck_assert_int_eq(
        ledger_account_call_get(a, ledger_get_new(), AKT_SEC(20), &b, NULL),
        AKT_OK); /* recovered: the schema exists */
    akt_msg_free(b);
    PGconn *lk = sql_open();
    sql(lk, "BEGIN; LOCK TABLE %s.akt_snapshots IN ACCESS EXCLUSIVE MODE",
        schema);
    for (int i = 1; i <= 4; i++) { /* the 4th is followed by a snapshot */
        ck_assert_int_eq(ledger_account_call_deposit(
                             a, ledger_deposit_new(i), AKT_SEC(20), &b, NULL),
            AKT_OK);
        akt_msg_free(b);
    }
    await_blocked_reader();
    akt_ref p;
    ck_assert_int_eq(akt_spawn(sys, &plain_props, "plain", &p), AKT_OK);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(akt_tell(p, ledger_get_new(), AKT_REF_NONE), AKT_OK);
    }
    ck_assert_msg(t_latch_wait(&plain_seen, 3, 10000),
        "the plain actor was not served while the snapshot save waited");
    ck_assert_int_eq(ledger_account_call_deposit(
                         a, ledger_deposit_new(5), AKT_SEC(20), &b, NULL),
        AKT_OK);
    ck_assert_int_eq(b->balance, 15);
    ck_assert_uint_eq(b->seq, 5);
    akt_msg_free(b);
    ck_assert_int_eq(t_latch_get(&snaps_saved), 0); /* still waiting */
    sql(lk, "COMMIT");
    PQfinish(lk);
    ck_assert(t_latch_wait(&snaps_saved, 1, 20000));
    akt_system_free(sys);
    sys = pg_system_with(ONE_WORKER);
    a = spawn(sys, "snap");
    ck_assert_int_eq(
        ledger_account_call_get(a, ledger_get_new(), AKT_SEC(20), &b, NULL),
        AKT_OK);
    ck_assert_int_eq(b->balance, 15);
    ck_assert_int_eq(b->replayed, 1); /* the snapshot at 4, then event 5 */
    akt_msg_free(b);
    akt_system_free(sys);
}
END_TEST

/* --- the breaker cuts a call hung on the server --------------------------- */

/* Call timeout 300 ms, max-failures 2: a write waiting on the server (the
 * counter table locked) fails at the call timeout with AKT_ETIMEDOUT
 * while the lock is still held, and its statement is cancelled on the
 * server (no session waits on the lock any more); a second such write
 * opens the breaker, so a third fails at once with AKT_EBUSY. Before, the
 * write waited for the lock, however long. */
START_TEST(the_breaker_cuts_a_write_hung_on_the_server)
{
    akt_journal *j = open_j();
    ck_assert_int_eq(akt_journal_set_breaker(j, 2, AKT_SEC(60)), AKT_OK);
    ck_assert_int_eq(
        akt_journal_set_breaker_call_timeout(j, 300 * 1000000), AKT_OK);
    akt_write_status st;
    ck_assert_int_eq(write1(j, "k", 1, 1, &st), AKT_OK);
    PGconn *lk = sql_open();
    sql(lk, "BEGIN; LOCK TABLE %s.akt_meta IN EXCLUSIVE MODE", schema);
    t_latch done = T_LATCH_INIT;
    wres w[2] = { { .done = &done }, { .done = &done } };
    bool cut = true;
    for (int i = 0; i < 2 && cut; i++) {
        write_async(j, "k", 2, 1, NULL, &w[i]);
        cut = t_latch_wait(&done, i + 1, 10000);
        if (cut) {
            ck_assert_int_eq(w[i].st, AKT_WRITE_FAILED);
            ck_assert_int_eq(w[i].rc, AKT_ETIMEDOUT);
            await_blocked(0, "the cut write's statement still waits");
        }
    }
    if (cut) {
        ck_assert_int_eq(write1(j, "k", 2, 2, &st), AKT_EBUSY);
    }
    sql(lk, "COMMIT"); /* a write that was not cut ends now */
    PQfinish(lk);
    akt_journal_close(j);
    ck_assert_msg(cut, "the hung write was not cut at the call timeout");
}
END_TEST

/* The same cut for a delete (call timeout 300 ms): a delete waiting on
 * the server (the ids table locked) returns AKT_ETIMEDOUT while the lock
 * is still held and its statement is cancelled; nothing was deleted. */
START_TEST(the_breaker_cuts_a_delete_hung_on_the_server)
{
    akt_journal *j = open_j();
    ck_assert_int_eq(akt_journal_set_breaker(j, 5, AKT_SEC(60)), AKT_OK);
    ck_assert_int_eq(
        akt_journal_set_breaker_call_timeout(j, 300 * 1000000), AKT_OK);
    akt_write_status st;
    ck_assert_int_eq(write1(j, "d", 1, 1, &st), AKT_OK);
    ck_assert_int_eq(write1(j, "d", 2, 2, &st), AKT_OK);
    PGconn *lk = sql_open();
    sql(lk, "BEGIN; LOCK TABLE %s.akt_pids IN EXCLUSIVE MODE", schema);
    akt_err rc = akt_journal_delete_to(j, "d", 2);
    if (rc == AKT_ETIMEDOUT) {
        await_blocked(0, "the cut delete's statement still waits");
    }
    sql(lk, "COMMIT");
    PQfinish(lk);
    ck_assert_int_eq(rc, AKT_ETIMEDOUT);
    int64_t sum = 0;
    ck_assert_int_eq(akt_journal_replay(j, NULL, "d", 1, UINT64_MAX, UINT64_MAX,
                         sum_amounts, &sum, NULL),
        AKT_OK);
    ck_assert_int_eq(sum, 3); /* both events are still there */
    akt_journal_close(j);
}
END_TEST

static _Atomic int persist_failures;
static _Atomic akt_err persist_failure_rc;

static void
persist_failed(
    ledger_AccountState *s, akt_ctx *ctx, akt_err rc, const void *event)
{
    (void)s;
    (void)ctx;
    (void)event;
    atomic_store(&persist_failure_rc, rc);
    atomic_fetch_add(&persist_failures, 1);
}

static const ledger_AccountHandlers account_failing = {
    .on_deposit = on_deposit,
    .on_get = on_get,
    .apply_deposited = apply_deposited,
    .apply_withdrawn = apply_withdrawn,
    .snapshot_offer = snapshot_offer,
    .snapshot_take = snapshot_take,
    .recovery_completed = recovered,
    .persist_failed = persist_failed,
};

/* A persistent actor on PostgreSQL (circuit-breaker.call-timeout = 300ms
 * from the configuration) whose persist waits on the server hears
 * AKT_ETIMEDOUT through persist_failed and stops, while the lock is still
 * held. */
START_TEST(a_persist_hung_on_the_server_fails_the_actor_at_the_call_timeout)
{
    atomic_store(&persist_failures, 0);
    akt_system *sys = pg_system_with(
        "akt.persistence.journal.circuit-breaker.call-timeout = 300ms\n");
    akt_props p;
    ck_assert_int_eq(ledger_account_props(&account_failing, &p), AKT_OK);
    akt_ref r;
    ck_assert_int_eq(akt_spawn(sys, &p, "t", &r), AKT_OK);
    ledger_AccountRef a = ledger_account_ref(r);
    ledger_Balance *b = NULL;
    ck_assert_int_eq(
        ledger_account_call_get(a, ledger_get_new(), AKT_SEC(20), &b, NULL),
        AKT_OK); /* recovered */
    akt_msg_free(b);
    PGconn *lk = sql_open();
    sql(lk, "BEGIN; LOCK TABLE %s.akt_meta IN EXCLUSIVE MODE", schema);
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(r, &f), AKT_OK);
    ck_assert_int_eq(akt_tell(r, ledger_deposit_new(5), AKT_REF_NONE), AKT_OK);
    akt_err stopped = akt_future_wait(f, AKT_SEC(10), NULL);
    akt_future_release(f);
    sql(lk, "COMMIT");
    PQfinish(lk);
    ck_assert_int_eq(stopped, AKT_OK);
    ck_assert_int_eq(atomic_load(&persist_failures), 1);
    ck_assert_int_eq(atomic_load(&persist_failure_rc), AKT_ETIMEDOUT);
    akt_system_free(sys);
}
END_TEST

/* One reader thread, no call timeout. An incarnation's recovery whose
 * `highest` waits for the previous incarnation's write (hung on the
 * server: the counter table locked) holds the only reader; stopping it
 * interrupts that wait, so another actor's recovery goes on while the
 * lock is still held (before, the reader waited for the hung write). */
START_TEST(a_stop_interrupts_highest_waiting_for_a_hung_write)
{
    akt_system *sys = pg_system_with("akt.persistence.reader-threads = 1\n"
                                     "akt.persistence.journal.circuit-breaker."
                                     "call-timeout = 0\n");
    ledger_AccountRef a = spawn(sys, "h");
    ledger_Balance *b = NULL;
    ck_assert_int_eq(
        ledger_account_call_get(a, ledger_get_new(), AKT_SEC(20), &b, NULL),
        AKT_OK); /* recovered: the schema exists */
    akt_msg_free(b);
    PGconn *lk = sql_open();
    sql(lk, "BEGIN; LOCK TABLE %s.akt_meta IN EXCLUSIVE MODE", schema);
    ck_assert_int_eq(
        akt_tell(a.ref, ledger_deposit_new(1), AKT_REF_NONE), AKT_OK);
    await_blocked(1, "the write never reached the server");
    akt_future *f;
    ck_assert_int_eq(akt_watch_future(a.ref, &f), AKT_OK);
    ck_assert_int_eq(akt_stop(a.ref), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    akt_future_release(f);
    /* the next incarnation's snapshot load waits on a second lock; once
     * that goes, its highest waits for the hung write */
    PGconn *sk = sql_open();
    sql(sk, "BEGIN; LOCK TABLE %s.akt_snapshots IN ACCESS EXCLUSIVE MODE",
        schema);
    a = spawn(sys, "h");
    await_blocked(2, "the new incarnation never reached its snapshot load");
    sql(sk, "COMMIT");
    PQfinish(sk);
    await_blocked(1, "the snapshot load did not end");
    ledger_AccountRef other = spawn(sys, "o"); /* behind it, one reader */
    ck_assert_int_eq(akt_watch_future(a.ref, &f), AKT_OK);
    ck_assert_int_eq(akt_stop(a.ref), AKT_OK);
    ck_assert_int_eq(akt_future_wait(f, AKT_SEC(10), NULL), AKT_OK);
    akt_future_release(f);
    akt_err got = ledger_account_call_get(
        other, ledger_get_new(), AKT_SEC(10), &b, NULL);
    if (got == AKT_OK) {
        akt_msg_free(b);
    }
    sql(lk, "COMMIT"); /* the hung write ends; a waiting reader with it */
    PQfinish(lk);
    akt_system_free(sys);
    ck_assert_msg(got == AKT_OK,
        "the other recovery waited for the hung write: %s", akt_strerror(got));
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
    tcase_add_test(tc, each_events_writer_is_stored_and_read_back);
    tcase_add_test(
        tc, writes_fail_while_the_server_is_away_and_the_journal_reconnects);
    tcase_add_test(
        tc, persistent_actors_run_on_postgresql_chosen_by_configuration);
    tcase_add_test(
        tc, postgresql_without_a_connection_string_fails_naming_the_key);
    tcase_add_test(tc, a_live_query_hears_the_commits_of_another_process);
    tcase_add_test(
        tc, a_recovery_waiting_on_the_server_does_not_hold_a_dispatcher_worker);
    tcase_add_test(tc, a_long_history_recovers_in_order_in_chunks);
    tcase_add_test(
        tc, an_actor_stopped_during_its_recovery_gives_the_permit_back);
    tcase_add_test(tc, a_journal_error_during_the_replay_fails_the_recovery);
    tcase_add_test(
        tc, reader_threads_sets_how_many_recoveries_wait_on_the_server);
    tcase_add_test(tc, a_bad_reader_threads_fails_naming_the_key);
    tcase_add_test(tc, a_stop_interrupts_highest_waiting_for_a_hung_write);
    tcase_add_test(tc, the_breaker_cuts_a_write_hung_on_the_server);
    tcase_add_test(tc, the_breaker_cuts_a_delete_hung_on_the_server);
    tcase_add_test(
        tc, a_persist_hung_on_the_server_fails_the_actor_at_the_call_timeout);
    tcase_add_test(
        tc, a_group_of_writes_commits_as_one_and_a_reused_number_fails_alone);
    tcase_add_test(tc, a_stopped_recovery_cancels_its_query_on_the_server);
    tcase_add_test(tc, the_system_stops_while_a_recovery_waits_on_the_server);
    tcase_add_test(
        tc, a_snapshot_save_waiting_on_the_server_does_not_hold_a_worker);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    pg_fixture_stop(&pg);
    return failed == 0 ? 0 : 1;
}
