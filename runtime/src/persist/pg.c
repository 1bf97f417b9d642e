/*
 * pg.c -- the PostgreSQL journal and snapshot store (akt_journal_ops,
 * akt_snapshot_ops) over libpq: the store to use when several nodes share
 * the data. Only this file includes libpq-fe.h.
 *
 * Schema (created by the adapter, in the schema the options name, under an
 * advisory lock so two openers do not race):
 *   akt_meta     k text -> v bigint ('gseq': the last global sequence
 *                number, 'schema': the layout's version, 1)
 *   akt_pids     pid -> highest, deleted_to (highest never decreases)
 *   akt_events   (pid, seq) -> gseq (unique), type_id, ts, data, tags,
 *                writer (akt_prepr.writer; 0 for rows of older builds)
 *   akt_tagseq   tag -> its last offset
 *   akt_tags     (tag, tseq) -> pid, seq
 *   akt_snapshots (pid, seq) -> ts, type_id, data
 *   akt_state    pid -> revision, ts, type_id, data (durable state)
 * and three functions: akt_write_batch (a run of atomic writes in one
 * statement: checks, per write and in order, that its sequence numbers
 * are above the id's highest -- -1 for that write instead of failing, so
 * its neighbours commit -- then takes the global and tag sequence numbers
 * by updating their counter rows once for the whole run, which holds
 * those rows' locks until the commit: gap-free and in commit order even
 * with several writing nodes; set-based inserts of the events and tags),
 * akt_write (one atomic write the same way; kept for nodes of the
 * previous build sharing the schema) and akt_delete.
 *
 * Journal: one writer thread with its own connection takes everything
 * queued (up to max-batch-events) and sends it pipelined as one
 * transaction -- BEGIN, one akt_write_batch per run of writes between
 * deletes, the deletes, COMMIT, then a sync -- and acknowledges after
 * COMMIT returned (with synchronous_commit on: after the WAL flush). An
 * error anywhere fails every write of that batch (outcome unknown:
 * AKT_WRITE_FAILED); a lost connection is re-opened for the next batch.
 * Reads (replay, highest, tag queries) and the snapshot store use a small
 * pool of connections on the caller's thread; replay reads in pages of
 * 1,000 (bounded memory). Values travel in binary (int8, bytea and their
 * arrays).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "akt/persistence.h"
#include "persist/persist_impl.h"
#include "persist/record.h"

#define OID_INT4     23
#define OID_INT8     20
#define OID_TEXT     25
#define OID_BYTEA    17
#define OID_INT4ARR  1007
#define OID_INT8ARR  1016
#define OID_TEXTARR  1009
#define OID_BYTEAARR 1001
#define PAGE         1000
#define MAX_PID_LEN  1000

/* --- byte buffers for binary parameters ----------------------------------- */

typedef struct bbuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} bbuf;

static void
bb_put(bbuf *b, const void *src, size_t n)
{
    if (b->oom || n == 0) {
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n) {
            cap *= 2;
        }
        uint8_t *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void
bb_u32(bbuf *b, uint32_t v)
{
    uint8_t x[4];
    akti_be32_put(x, v);
    bb_put(b, x, 4);
}

static void
bb_u64(bbuf *b, uint64_t v)
{
    uint8_t x[8];
    akti_be64_put(x, v);
    bb_put(b, x, 8);
}

/* a one-dimensional binary array header of n elements of type oid */
static void
bb_array(bbuf *b, uint32_t oid, size_t n)
{
    bb_u32(b, n ? 1 : 0); /* dimensions */
    bb_u32(b, 0); /* no NULLs */
    bb_u32(b, oid);
    if (n) {
        bb_u32(b, (uint32_t)n);
        bb_u32(b, 1); /* lower bound */
    }
}

static void
bb_elem(bbuf *b, const void *p, size_t n)
{
    bb_u32(b, (uint32_t)n);
    bb_put(b, p, n);
}

/* --- connections ------------------------------------------------------------
 */

static akt_err
pg_errmap(PGconn *c)
{
    return c == NULL || PQstatus(c) != CONNECTION_OK ? AKT_EPEER : AKT_EIO;
}

static bool
schema_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

/* the server's NOTICEs ("relation already exists, skipping") are not
 * errors; errors come back in results */
static void
quiet_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *
pg_connect(const char *conninfo, akt_persist_error *err)
{
    PGconn *c = PQconnectdb(conninfo);
    if (c == NULL) {
        akti_perr(err, "postgresql: out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        char *m = PQerrorMessage(c);
        size_t n = strlen(m);
        while (n && (m[n - 1] == '\n' || m[n - 1] == ' ')) {
            n--;
        }
        akti_perr(err, "postgresql: cannot connect: %.*s", (int)n, m);
        PQfinish(c);
        return NULL;
    }
    PQsetErrorVerbosity(c, PQERRORS_TERSE);
    PQsetNoticeProcessor(c, quiet_notice, NULL);
    return c;
}

/* run sql (no parameters); false and err on failure */
static bool
pg_exec(PGconn *c, const char *sql, akt_persist_error *err)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        akti_perr(err, "postgresql: %s", PQresultErrorMessage(r));
    }
    PQclear(r);
    return ok;
}

/* --- cancel requests ---------------------------------------------------------
 *
 * PQcancel connects to the server and waits for it to close the
 * connection, without a timeout of its own (an unreachable server holds
 * it for TCP's); neither a stopping actor's dispatcher thread nor the
 * breaker's watchdog may wait for that. A fire only queues the request;
 * one thread per process (started with the first, started again in a
 * forked child) sends them. A connection's cancel key is shared by
 * reference between its user and the queued requests. */
typedef struct pgcan {
    PGcancel *k;
    _Atomic int refs;
} pgcan;

typedef struct canreq {
    struct canreq *next;
    pgcan *p;
} canreq;

static pthread_mutex_t can_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t can_cv = PTHREAD_COND_INITIALIZER;
static canreq *can_head, *can_tail;
static bool can_started, can_atfork;

static pgcan *
pgcan_new(PGconn *c)
{
    pgcan *p = malloc(sizeof(*p));
    if (p == NULL || (p->k = PQgetCancel(c)) == NULL) {
        free(p);
        return NULL;
    }
    atomic_init(&p->refs, 1);
    return p;
}

static void
pgcan_unref(pgcan *p)
{
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1) {
        PQfreeCancel(p->k);
        free(p);
    }
}

static void
pgcan_send(pgcan *p)
{
    char e[256];
    /* best effort: when the statement ended meanwhile there is nothing to
     * cancel, and a server that cannot be reached has no statement of ours
     * running either */
    (void)PQcancel(p->k, e, sizeof e);
}

static void *
can_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&can_mu);
    for (;;) {
        while (can_head == NULL) {
            pthread_cond_wait(&can_cv, &can_mu);
        }
        canreq *q = can_head;
        can_head = q->next;
        if (can_head == NULL) {
            can_tail = NULL;
        }
        pthread_mutex_unlock(&can_mu);
        pgcan_send(q->p);
        pgcan_unref(q->p);
        free(q);
        pthread_mutex_lock(&can_mu);
    }
    return NULL;
}

/* a forked child has no canceller thread: its first request starts one
 * (the requests queued in the parent stay the parent's) */
static void
can_child(void)
{
    pthread_mutex_init(&can_mu, NULL);
    pthread_cond_init(&can_cv, NULL);
    can_head = can_tail = NULL;
    can_started = false;
}

/* the token's interrupt: queue a cancel request for p's connection */
static void
pg_cancel_run(void *arg)
{
    pgcan *p = arg;
    canreq *q = malloc(sizeof(*q));
    pthread_mutex_lock(&can_mu);
    if (!can_atfork) {
        can_atfork = pthread_atfork(NULL, NULL, can_child) == 0;
    }
    if (!can_started && q != NULL) {
        pthread_t th;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        can_started = pthread_create(&th, &at, can_main, NULL) == 0;
        pthread_attr_destroy(&at);
    }
    if (!can_started || q == NULL) {
        pthread_mutex_unlock(&can_mu);
        free(q);
        pgcan_send(p); /* no thread or no memory: here, as before */
        return;
    }
    atomic_fetch_add(&p->refs, 1);
    q->p = p;
    q->next = NULL;
    *(can_tail ? &can_tail->next : &can_head) = q;
    can_tail = q;
    pthread_cond_signal(&can_cv);
    pthread_mutex_unlock(&can_mu);
}

/* PQexecParams in binary results, interruptible through the calling
 * thread's token (akti_cancel_cur): a fire sends the server a cancel
 * request for this statement. *cut: the token fired (before the call:
 * nothing was sent and the result is NULL). A fire in the instant between
 * the send and the server starting the statement can be missed; the
 * statement then runs to its end, as it would without a token. */
static PGresult *
pg_execp(PGconn *c, const char *q, int n, const Oid *types,
    const char *const *vals, const int *lens, const int *fmts, bool *cut)
{
    akti_cancel *tok = akti_cancel_cur;
    *cut = false;
    if (tok == NULL) {
        return PQexecParams(c, q, n, types, vals, lens, fmts, 1);
    }
    pgcan *k = pgcan_new(c);
    if (k == NULL) {
        *cut = akti_cancel_fired(tok);
        return *cut ? NULL : PQexecParams(c, q, n, types, vals, lens, fmts, 1);
    }
    if (!akti_cancel_enter(tok, pg_cancel_run, k)) {
        pgcan_unref(k);
        *cut = true;
        return NULL;
    }
    PGresult *r = PQexecParams(c, q, n, types, vals, lens, fmts, 1);
    akti_cancel_leave(tok);
    pgcan_unref(k);
    *cut = akti_cancel_fired(tok);
    return r;
}

/* A pool of reader connections, at most max of them. */
typedef struct pool {
    char *conninfo;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    PGconn **idle;
    size_t nidle, open, max;
} pool;

static bool
pool_init(pool *p, char *conninfo, size_t max)
{
    p->conninfo = conninfo;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->max = max ? max : 4;
    p->idle = calloc(p->max, sizeof(PGconn *));
    p->nidle = p->open = 0;
    return p->idle != NULL;
}

static PGconn *
pool_get(pool *p, akt_persist_error *err)
{
    pthread_mutex_lock(&p->mu);
    while (p->nidle == 0 && p->open >= p->max) {
        pthread_cond_wait(&p->cv, &p->mu);
    }
    if (p->nidle > 0) {
        PGconn *c = p->idle[--p->nidle];
        pthread_mutex_unlock(&p->mu);
        return c;
    }
    p->open++;
    pthread_mutex_unlock(&p->mu);
    PGconn *c = pg_connect(p->conninfo, err);
    if (c == NULL) {
        pthread_mutex_lock(&p->mu);
        p->open--;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return c;
}

/* give c back; a broken connection is closed (the next get opens one) */
static void
pool_put(pool *p, PGconn *c)
{
    pthread_mutex_lock(&p->mu);
    if (PQstatus(c) == CONNECTION_OK
        && PQtransactionStatus(c) == PQTRANS_IDLE) {
        p->idle[p->nidle++] = c;
    } else {
        PQfinish(c);
        p->open--;
    }
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void
pool_fini(pool *p)
{
    if (p->max == 0) {
        return; /* never initialised */
    }
    for (size_t i = 0; i < p->nidle; i++) {
        PQfinish(p->idle[i]);
    }
    free(p->idle);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}

/* --- the schema -------------------------------------------------------------
 */

static const char schema_sql[]
    = "SELECT pg_advisory_xact_lock(7305411771502381056);"
      "CREATE SCHEMA IF NOT EXISTS @S;"
      "CREATE TABLE IF NOT EXISTS @S.akt_meta (k text PRIMARY KEY, "
      "v bigint NOT NULL);"
      "INSERT INTO @S.akt_meta VALUES ('gseq', 0), ('schema', 1) "
      "ON CONFLICT DO NOTHING;"
      "CREATE TABLE IF NOT EXISTS @S.akt_pids (pid text PRIMARY KEY, "
      "highest bigint NOT NULL, deleted_to bigint NOT NULL DEFAULT 0);"
      "CREATE TABLE IF NOT EXISTS @S.akt_events (pid text NOT NULL, "
      "seq bigint NOT NULL, gseq bigint NOT NULL UNIQUE, "
      "type_id bigint NOT NULL, ts bigint NOT NULL, data bytea NOT NULL, "
      "tags text[], PRIMARY KEY (pid, seq));"
      "CREATE TABLE IF NOT EXISTS @S.akt_tagseq (tag text PRIMARY KEY, "
      "seq bigint NOT NULL);"
      "CREATE TABLE IF NOT EXISTS @S.akt_tags (tag text NOT NULL, "
      "tseq bigint NOT NULL, pid text NOT NULL, seq bigint NOT NULL, "
      "PRIMARY KEY (tag, tseq));"
      "CREATE TABLE IF NOT EXISTS @S.akt_snapshots (pid text NOT NULL, "
      "seq bigint NOT NULL, ts bigint NOT NULL, type_id bigint NOT NULL, "
      "data bytea NOT NULL, PRIMARY KEY (pid, seq));"
      "CREATE TABLE IF NOT EXISTS @S.akt_state (pid text PRIMARY KEY, "
      "revision bigint NOT NULL, ts bigint NOT NULL, "
      "type_id bigint NOT NULL, data bytea NOT NULL);"
      /* one atomic write: the first event's gseq, or -1 when its sequence
       * numbers are not above the id's highest (nothing written) */
      "CREATE OR REPLACE FUNCTION @S.akt_write(p_pid text, p_first bigint, "
      "p_types bigint[], p_ts bigint[], p_data bytea[], p_tagn int[], "
      "p_tags text[]) RETURNS bigint LANGUAGE plpgsql AS $f$ "
      "DECLARE n int := cardinality(p_types); base bigint; t int := 1; "
      "tn bigint; "
      "BEGIN "
      "INSERT INTO @S.akt_pids AS p (pid, highest) "
      "VALUES (p_pid, p_first + n - 1) ON CONFLICT (pid) DO UPDATE "
      "SET highest = p_first + n - 1 WHERE p.highest < p_first; "
      "IF NOT FOUND THEN RETURN -1; END IF; "
      "UPDATE @S.akt_meta SET v = v + n WHERE k = 'gseq' "
      "RETURNING v - n INTO base; "
      "FOR i IN 1..n LOOP "
      "INSERT INTO @S.akt_events VALUES (p_pid, p_first + i - 1, base + i, "
      "p_types[i], p_ts[i], p_data[i], CASE WHEN p_tagn[i] = 0 THEN NULL "
      "ELSE p_tags[t:t + p_tagn[i] - 1] END); "
      "FOR k IN 1..p_tagn[i] LOOP "
      "INSERT INTO @S.akt_tagseq AS s VALUES (p_tags[t], 1) "
      "ON CONFLICT (tag) DO UPDATE SET seq = s.seq + 1 RETURNING seq INTO tn; "
      "INSERT INTO @S.akt_tags VALUES (p_tags[t], tn, p_pid, "
      "p_first + i - 1); "
      "t := t + 1; "
      "END LOOP; "
      "END LOOP; "
      /* live queries of every node hear of the commit (LISTEN akt_commit;
       * one notification per transaction and schema) */
      "PERFORM pg_notify('akt_commit', '@S'); "
      "RETURN base + 1; "
      "END $f$;";

/* akt_write_batch's arguments: w_pid .. t_ev, e_writer */
#define PJ_WRITE_ARGS 13

/* the rest of the schema (a second text: C11 compilers need take only
 * 4,095 characters of a string literal) */
static const char schema_sql2[] =
    /* the writer of each event (the replay filter's input); a schema made
     * by an older build gains it, its rows writer 0 (unknown). Only then:
     * ALTER TABLE locks the table against every reader, even when the
     * column is there */
    "DO $d$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE "
    "attrelid = '@S.akt_events'::regclass AND attname = 'writer' "
    "AND NOT attisdropped) THEN ALTER TABLE @S.akt_events ADD COLUMN "
    "writer bigint NOT NULL DEFAULT 0; END IF; END $d$;"
    /* a group of atomic writes in one call (the writer's batch): per
     * write its id, first sequence number and event count; per event
     * its write (1-based), sequence number, type, timestamp, data, and
     * its tags' place in t_tag (offset, count); per tag its event.
     * Returns per write the first event's gseq, or -1 when its sequence
     * numbers are not above the id's highest (that write only is
     * skipped; the writes of one id are judged in order). The ids' rows
     * are locked in id order, the tags' counters in tag order (no
     * deadlock between writers of several nodes). */
    "CREATE OR REPLACE FUNCTION @S.akt_write_batch(w_pid text[], "
    "w_first bigint[], w_n int[], e_w int[], e_seq bigint[], "
    "e_type bigint[], e_ts bigint[], e_data bytea[], e_toff int[], "
    "e_tagn int[], t_tag text[], t_ev int[], e_writer bigint[]) "
    "RETURNS bigint[] "
    "LANGUAGE plpgsql AS $f$ "
    "DECLARE nw int := cardinality(w_pid); "
    "res bigint[] := array_fill(-1::bigint, ARRAY[nw]); "
    "ok boolean[] := array_fill(false, ARRAY[nw]); "
    "cur text := NULL; h bigint; r record; base bigint; total bigint := 0; "
    "BEGIN "
    "INSERT INTO @S.akt_pids (pid, highest) SELECT DISTINCT p, 0 "
    "FROM unnest(w_pid) p ORDER BY 1 ON CONFLICT DO NOTHING; "
    "FOR r IN SELECT w.i, w.p, w.f, w.n, k.highest AS h0 "
    "FROM unnest(w_pid, w_first, w_n) WITH ORDINALITY AS w(p, f, n, i) "
    "JOIN (SELECT pid, highest FROM @S.akt_pids WHERE pid = ANY(w_pid) "
    "ORDER BY pid FOR UPDATE) k ON k.pid = w.p ORDER BY w.p, w.i LOOP "
    "IF cur IS DISTINCT FROM r.p THEN cur := r.p; h := r.h0; END IF; "
    "IF r.f > h THEN ok[r.i] := true; h := r.f + r.n - 1; "
    "total := total + r.n; END IF; "
    "END LOOP; "
    "IF total = 0 THEN RETURN res; END IF; "
    "UPDATE @S.akt_pids p SET highest = v.h FROM (SELECT w.p, "
    "max(w.f + w.n - 1) AS h FROM unnest(w_pid, w_first, w_n, ok) "
    "AS w(p, f, n, a) WHERE w.a GROUP BY w.p) v WHERE p.pid = v.p; "
    "UPDATE @S.akt_meta SET v = v + total WHERE k = 'gseq' "
    "RETURNING v - total INTO base; "
    "INSERT INTO @S.akt_events (pid, seq, gseq, type_id, ts, data, tags, "
    "writer) SELECT w_pid[e.w], e.s, "
    "base + row_number() OVER (ORDER BY e.i), e.t, e.ts, e.d, "
    "CASE WHEN e.tn = 0 THEN NULL ELSE t_tag[e.o + 1:e.o + e.tn] END, e.wr "
    "FROM unnest(e_w, e_seq, e_type, e_ts, e_data, e_toff, e_tagn, "
    "e_writer) WITH ORDINALITY AS e(w, s, t, ts, d, o, tn, wr, i) "
    "WHERE ok[e.w]; "
    "total := 0; "
    "FOR i IN 1..nw LOOP "
    "IF ok[i] THEN res[i] := base + total + 1; total := total + w_n[i]; "
    "END IF; "
    "END LOOP; "
    "IF cardinality(t_tag) > 0 THEN "
    "WITH tg AS (SELECT t.tag, t.ev, t.j FROM unnest(t_tag, t_ev) "
    "WITH ORDINALITY AS t(tag, ev, j) WHERE ok[e_w[t.ev]]), "
    "cnt AS (SELECT tag, count(*) AS c FROM tg GROUP BY tag), "
    "up AS (INSERT INTO @S.akt_tagseq AS s SELECT tag, c FROM cnt "
    "ORDER BY tag ON CONFLICT (tag) DO UPDATE SET seq = s.seq + "
    "EXCLUDED.seq RETURNING s.tag, s.seq) "
    "INSERT INTO @S.akt_tags SELECT tg.tag, up.seq - cnt.c + "
    "row_number() OVER (PARTITION BY tg.tag ORDER BY tg.j), "
    "w_pid[e_w[tg.ev]], e_seq[tg.ev] FROM tg JOIN cnt USING (tag) "
    "JOIN up USING (tag); "
    "END IF; "
    "PERFORM pg_notify('akt_commit', '@S'); "
    "RETURN res; "
    "END $f$;"
    /* delete events <= p_to (never past highest); highest stays */
    "CREATE OR REPLACE FUNCTION @S.akt_delete(p_pid text, p_to bigint) "
    "RETURNS void LANGUAGE plpgsql AS $f$ "
    "DECLARE h bigint; "
    "BEGIN "
    "SELECT highest INTO h FROM @S.akt_pids WHERE pid = p_pid FOR UPDATE; "
    "IF NOT FOUND THEN RETURN; END IF; "
    "DELETE FROM @S.akt_events WHERE pid = p_pid "
    "AND seq <= least(p_to, h); "
    "UPDATE @S.akt_pids SET deleted_to = greatest(deleted_to, "
    "least(p_to, h)) WHERE pid = p_pid; "
    "PERFORM pg_notify('akt_commit', '@S'); "
    "END $f$;";

/* with_schema -- tmpl with every "@S" replaced by schema (malloc'd) */
static char *
with_schema(const char *tmpl, const char *schema)
{
    size_t ls = strlen(schema), n = 1;
    for (const char *p = tmpl; *p; p++) {
        n += p[0] == '@' && p[1] == 'S' ? ls : 1;
    }
    char *out = malloc(n), *o = out;
    if (out == NULL) {
        return NULL;
    }
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '@' && p[1] == 'S') {
            memcpy(o, schema, ls);
            o += ls;
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

/* create the tables and functions (idempotent); check the layout version */
static akt_err
schema_create(PGconn *c, const char *schema, akt_persist_error *err)
{
    char *sql = with_schema(schema_sql, schema);
    if (sql == NULL) {
        return AKT_ENOMEM;
    }
    char *sql2 = with_schema(schema_sql2, schema);
    bool ok = sql2 != NULL && pg_exec(c, "BEGIN", err) && pg_exec(c, sql, err)
        && pg_exec(c, sql2, err) && pg_exec(c, "COMMIT", err);
    free(sql);
    if (sql2 == NULL) {
        return AKT_ENOMEM;
    }
    free(sql2);
    if (!ok) {
        pg_exec(c, "ROLLBACK", NULL);
        return pg_errmap(c);
    }
    char q[160];
    snprintf(
        q, sizeof q, "SELECT v FROM %s.akt_meta WHERE k = 'schema'", schema);
    PGresult *r = PQexec(c, q);
    long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
        ? atol(PQgetvalue(r, 0, 0))
        : -1;
    PQclear(r);
    if (v != 1) {
        akti_perr(err,
            "postgresql: schema %s has layout version %ld; this akt reads 1",
            schema, v);
        return AKT_EPROTO;
    }
    return AKT_OK;
}

/* ============================ journal ===================================== */

enum { PQ_WRITE = 1, PQ_DELETE, PQ_BARRIER };

typedef struct preq {
    struct preq *next;
    int kind;
    char *pid;
    size_t npid;
    /* write: its events' array elements (binary, without the array
     * headers), concatenated with its neighbours' at send time */
    akt_journal_write_cb cb;
    void *arg;
    akti_cancel *tok; /* the breaker's cut (NULL: none) */
    bool entered, skip; /* tok registered for this send; cut before it */
    size_t n, ntags;
    uint64_t first;
    bbuf types, ts, data, tagn, tags, writers;
    akt_write_status st;
    /* delete */
    uint64_t to;
    akt_err rc;
    bool done;
    bool abandoned; /* a barrier whose waiter was cut: the writer frees it */
} preq;

typedef struct pj {
    char *conninfo;
    char schema[64];
    char q_write[256], q_delete[256], q_highest[256], q_replay[512], q_tag[512];
    char q_all[512], q_pids[256];
    uint32_t max_batch;
    PGconn *wconn; /* the writer thread's */
    pgcan *wcancel; /* wconn's cancel key (the breaker cuts a batch) */
    pool readers;
    pthread_t writer;
    pthread_mutex_t mu;
    pthread_cond_t cv, done_cv;
    preq *head, *tail;
    bool closing, inflight;
    akti_pend_map pending;
    void (*hook)(void *arg); /* watch: after each commit (under mu) */
    void *hook_arg;
    _Atomic uint64_t n_commits, n_writes, n_events;
    /* the listener (started by watch): LISTEN akt_commit on its own
     * connection, so commits of other nodes wake the live queries too */
    pthread_t lth;
    bool lstarted;
    int lpipe[2]; /* close wakes the listener */
} pj;

static void
preq_free(preq *r)
{
    free(r->types.p);
    free(r->ts.p);
    free(r->data.p);
    free(r->tagn.p);
    free(r->tags.p);
    free(r->writers.p);
    free(r);
}

/* the next request of a run of writes (barriers are skipped; NULL at a
 * delete or the end) */
static preq *
run_next(preq *r)
{
    r = r->next;
    while (r && (r->kind == PQ_BARRIER || r->skip)) {
        r = r->next;
    }
    return r && r->kind == PQ_WRITE ? r : NULL;
}

static void
bb_i32(bbuf *b, uint32_t v)
{
    bb_u32(b, 4);
    bb_u32(b, v);
}

/* akt_write_batch's arguments (PJ_WRITE_ARGS) for the run of writes
 * starting at first (a[] reset and filled); returns the request after the
 * run */
static preq *
run_params(preq *first, bbuf a[PJ_WRITE_ARGS])
{
    size_t nw = 0, ne = 0, nt = 0;
    for (preq *r = first; r; r = run_next(r)) {
        nw++;
        ne += r->n;
        nt += r->ntags;
    }
    for (int k = 0; k < PJ_WRITE_ARGS; k++) {
        a[k].len = 0;
        a[k].oom = false;
    }
    bb_array(&a[0], OID_TEXT, nw);
    bb_array(&a[1], OID_INT8, nw);
    bb_array(&a[2], OID_INT4, nw);
    bb_array(&a[3], OID_INT4, ne);
    bb_array(&a[4], OID_INT8, ne);
    bb_array(&a[5], OID_INT8, ne);
    bb_array(&a[6], OID_INT8, ne);
    bb_array(&a[7], OID_BYTEA, ne);
    bb_array(&a[8], OID_INT4, ne);
    bb_array(&a[9], OID_INT4, ne);
    bb_array(&a[10], OID_TEXT, nt);
    bb_array(&a[11], OID_INT4, nt);
    bb_array(&a[12], OID_INT8, ne);
    uint32_t w = 0, e = 0, toff = 0;
    preq *r = first, *last = first;
    for (; r; last = r, r = run_next(r)) {
        w++;
        bb_elem(&a[0], r->pid, r->npid);
        bb_u32(&a[1], 8);
        bb_u64(&a[1], r->first);
        bb_i32(&a[2], (uint32_t)r->n);
        bb_put(&a[5], r->types.p, r->types.len);
        bb_put(&a[6], r->ts.p, r->ts.len);
        bb_put(&a[7], r->data.p, r->data.len);
        bb_put(&a[9], r->tagn.p, r->tagn.len);
        bb_put(&a[10], r->tags.p, r->tags.len);
        bb_put(&a[12], r->writers.p, r->writers.len);
        for (size_t i = 0; i < r->n; i++) {
            e++;
            bb_i32(&a[3], w);
            bb_u32(&a[4], 8);
            bb_u64(&a[4], r->first + i);
            bb_i32(&a[8], toff);
            /* the tagn element of event i: length 4, then the count */
            uint32_t tn = akti_be32_get(r->tagn.p + 8 * i + 4);
            for (uint32_t t = 0; t < tn; t++) {
                bb_i32(&a[11], e);
            }
            toff += tn;
        }
    }
    return last->next;
}

/* the per-write results (an int8[] of first gseqs, -1: refused) of the
 * run of writes starting at first; returns the request after the run */
static preq *
run_results(preq *first, PGresult *res, akt_err *fail)
{
    const uint8_t *v = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)
        ? (const uint8_t *)PQgetvalue(res, 0, 0)
        : NULL;
    size_t len = v ? (size_t)PQgetlength(res, 0, 0) : 0;
    size_t nw = 0;
    for (preq *r = first; r; r = run_next(r)) {
        nw++;
    }
    preq *last = first;
    /* a one-dimensional int8 array of nw elements, none NULL */
    if (v == NULL || len != 20 + 12 * nw || akti_be32_get(v) != 1
        || akti_be32_get(v + 12) != nw) {
        *fail = AKT_EPROTO;
        for (preq *r = first; r; r = run_next(r)) {
            last = r;
        }
        return last->next;
    }
    size_t off = 20;
    for (preq *r = first; r; last = r, r = run_next(r), off += 12) {
        if (akti_be32_get(v + off) != 8) {
            *fail = AKT_EPROTO;
            continue;
        }
        int64_t g = (int64_t)akti_be64_get(v + off + 4);
        r->st = g < 0 ? AKT_WRITE_FAILED : AKT_WRITE_OK;
        r->rc = g < 0 ? AKT_ESTATE : AKT_OK;
    }
    return last->next;
}

static akt_err pj_send_batch(pj *j, PGconn *c, preq *batch);

/* send the batch pipelined as one transaction; set each request's
 * outcome; returns AKT_OK or the batch's failure */
static akt_err
pj_send(pj *j, preq *batch)
{
    if (j->wconn == NULL || PQstatus(j->wconn) != CONNECTION_OK) {
        if (j->wconn) {
            PQfinish(j->wconn);
        }
        pgcan_unref(j->wcancel);
        j->wcancel = NULL;
        j->wconn = pg_connect(j->conninfo, NULL);
        if (j->wconn == NULL) {
            return AKT_EPEER;
        }
        j->wcancel = pgcan_new(j->wconn);
    }
    PGconn *c = j->wconn;
    /* a write or delete cut by the breaker while queued is not sent; the
     * others' cuts cancel the transaction on the server while it runs */
    for (preq *r = batch; r; r = r->next) {
        if (r->kind != PQ_BARRIER && r->tok != NULL) {
            r->entered = j->wcancel != NULL
                && akti_cancel_enter(r->tok, pg_cancel_run, j->wcancel);
            r->skip = !r->entered && akti_cancel_fired(r->tok);
        }
    }
    akt_err fail = pj_send_batch(j, c, batch);
    bool cut = false;
    for (preq *r = batch; r; r = r->next) {
        if (r->entered) {
            akti_cancel_leave(r->tok);
            cut = cut || akti_cancel_fired(r->tok);
            r->entered = false;
        }
    }
    if (fail != AKT_OK) {
        /* the connection's state is unknown: a fresh one for the next */
        PQfinish(c);
        j->wconn = NULL;
        if (cut) {
            fail = AKT_ETIMEDOUT; /* the breaker cancelled it */
        }
    }
    return fail;
}

static akt_err
pj_send_batch(pj *j, PGconn *c, preq *batch)
{
    if (PQenterPipelineMode(c) != 1) {
        return AKT_EIO;
    }
    bool sent = PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
    /* one akt_write_batch per run of consecutive writes, one akt_delete
     * per delete, in queue order */
    size_t nq = 2;
    bbuf a[PJ_WRITE_ARGS] = { { 0 } };
    for (preq *r = batch; r && sent;) {
        if (r->kind == PQ_BARRIER || r->skip) {
            r = r->next;
            continue;
        }
        nq++;
        if (r->kind == PQ_DELETE) {
            char to[24];
            snprintf(to, sizeof to, "%" PRId64,
                r->to > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)r->to);
            const char *vals[2] = { r->pid, to };
            sent = PQsendQueryParams(
                       c, j->q_delete, 2, NULL, vals, NULL, NULL, 0)
                == 1;
            r = r->next;
            continue;
        }
        r = run_params(r, a);
        bool oom = false;
        for (int k = 0; k < PJ_WRITE_ARGS; k++) {
            oom = oom || a[k].oom;
        }
        if (oom) {
            sent = false;
            break;
        }
        const char *vals[PJ_WRITE_ARGS];
        int lens[PJ_WRITE_ARGS];
        static const int fmts[PJ_WRITE_ARGS]
            = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
        static const Oid types[PJ_WRITE_ARGS]
            = { OID_TEXTARR, OID_INT8ARR, OID_INT4ARR, OID_INT4ARR, OID_INT8ARR,
                  OID_INT8ARR, OID_INT8ARR, OID_BYTEAARR, OID_INT4ARR,
                  OID_INT4ARR, OID_TEXTARR, OID_INT4ARR, OID_INT8ARR };
        for (int k = 0; k < PJ_WRITE_ARGS; k++) {
            vals[k] = (const char *)a[k].p;
            lens[k] = (int)a[k].len;
        }
        sent = PQsendQueryParams(
                   c, j->q_write, PJ_WRITE_ARGS, types, vals, lens, fmts, 1)
            == 1;
    }
    for (int k = 0; k < PJ_WRITE_ARGS; k++) {
        free(a[k].p);
    }
    sent = sent
        && PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) == 1
        && PQpipelineSync(c) == 1;
    akt_err fail = sent ? AKT_OK : AKT_EIO;
    /* results, in order: BEGIN, one per run of writes or delete, COMMIT
     * (each followed by a NULL), then the sync; after an error the rest
     * of the transaction comes back PGRES_PIPELINE_ABORTED */
    preq *r = batch;
    for (size_t q = 0; q < nq && fail == AKT_OK; q++) {
        PGresult *res = PQgetResult(c);
        if (res == NULL) {
            fail = PQstatus(c) == CONNECTION_OK ? AKT_EIO : AKT_EPEER;
            break;
        }
        ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            fail = AKT_EIO;
        } else if (q > 0 && q < nq - 1) {
            while (r->kind == PQ_BARRIER || r->skip) {
                r = r->next;
            }
            if (r->kind == PQ_DELETE) {
                r->rc = AKT_OK;
                r = r->next;
            } else {
                r = run_results(r, res, &fail);
            }
        }
        PQclear(res);
        res = PQgetResult(c); /* the NULL that ends this query's results */
        if (res != NULL) {
            PQclear(res);
            fail = AKT_EIO;
        }
    }
    if (fail == AKT_OK) {
        PGresult *res = PQgetResult(c);
        if (res == NULL || PQresultStatus(res) != PGRES_PIPELINE_SYNC
            || PQexitPipelineMode(c) != 1) {
            fail = AKT_EIO;
        }
        PQclear(res);
    }
    return fail;
}

/* true when the batch committed */
static bool
pj_commit(pj *j, preq *batch)
{
    for (preq *r = batch; r; r = r->next) {
        r->st = AKT_WRITE_FAILED;
        r->rc = AKT_EIO;
    }
    akt_err fail = pj_send(j, batch);
    uint64_t nw = 0, ne = 0;
    for (preq *r = batch; r; r = r->next) {
        if (r->skip) {
            r->st = AKT_WRITE_FAILED; /* cut: its caller heard already */
            r->rc = AKT_ETIMEDOUT;
        } else if (fail != AKT_OK) {
            r->st = AKT_WRITE_FAILED;
            r->rc = fail;
        } else if (r->kind == PQ_WRITE && r->st == AKT_WRITE_OK) {
            nw++;
            ne += r->n;
        } else if (r->kind == PQ_BARRIER) {
            r->rc = AKT_OK;
        }
    }
    if (fail == AKT_OK) {
        atomic_fetch_add(&j->n_commits, 1);
        atomic_fetch_add(&j->n_writes, nw);
        atomic_fetch_add(&j->n_events, ne);
    }
    return fail == AKT_OK;
}

static void *
pj_writer(void *arg)
{
    pj *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (j->head == NULL && !j->closing) {
            pthread_cond_wait(&j->cv, &j->mu);
        }
        if (j->head == NULL) {
            break;
        }
        preq *batch = j->head, *last = batch;
        uint64_t evs = batch->n;
        while (last->next && evs + last->next->n <= j->max_batch) {
            last = last->next;
            evs += last->n;
        }
        j->head = last->next;
        if (j->head == NULL) {
            j->tail = NULL;
        }
        last->next = NULL;
        j->inflight = true;
        pthread_mutex_unlock(&j->mu);

        bool work = false, committed = false;
        for (preq *r = batch; r; r = r->next) {
            work = work || r->kind != PQ_BARRIER;
        }
        if (work) {
            committed = pj_commit(j, batch);
        }

        preq *sync = NULL, **stail = &sync, *done = NULL, **dtail = &done;
        for (preq *r = batch, *next; r; r = next) {
            next = r->next;
            r->next = NULL;
            if (r->kind == PQ_WRITE) {
                r->cb(r->arg, r->st, r->rc);
                *dtail = r;
                dtail = &r->next;
            } else {
                if (r->kind == PQ_BARRIER) {
                    r->rc = AKT_OK;
                }
                *stail = r;
                stail = &r->next;
            }
        }
        pthread_mutex_lock(&j->mu);
        j->inflight = false;
        if (committed && j->hook) {
            j->hook(j->hook_arg); /* live queries: only signals */
        }
        for (preq *r = done, *next; r; r = next) {
            next = r->next;
            akti_pend_done(&j->pending, r->pid, r->npid);
            preq_free(r);
        }
        for (preq *r = sync, *next; r; r = next) {
            next = r->next;
            if (r->abandoned) {
                free(r); /* its waiter was cut and went */
            } else {
                r->done = true;
            }
        }
        pthread_cond_broadcast(&j->done_cv);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

static akt_err
pj_queue(pj *j, preq *r, bool wait, bool skip_if_idle)
{
    pthread_mutex_lock(&j->mu);
    if (j->closing) {
        pthread_mutex_unlock(&j->mu);
        return AKT_ECLOSED;
    }
    if (skip_if_idle && !akti_pend_has(&j->pending, r->pid, r->npid)) {
        pthread_mutex_unlock(&j->mu);
        return AKT_OK;
    }
    if (r->kind == PQ_WRITE && !akti_pend_add(&j->pending, r->pid, r->npid)) {
        pthread_mutex_unlock(&j->mu);
        return AKT_ENOMEM;
    }
    r->next = NULL;
    r->done = false;
    if (j->tail) {
        j->tail->next = r;
    } else {
        j->head = r;
    }
    j->tail = r;
    pthread_cond_signal(&j->cv);
    while (wait && !r->done) {
        pthread_cond_wait(&j->done_cv, &j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    return wait ? r->rc : AKT_OK;
}

/* a barrier's waiter is woken when its call is cut */
typedef struct barwake {
    pj *j;
    atomic_bool cut;
} barwake;

static void
bar_wake(void *arg)
{
    barwake *w = arg;
    atomic_store(&w->cut, true);
    pthread_mutex_lock(&w->j->mu);
    pthread_cond_broadcast(&w->j->done_cv);
    pthread_mutex_unlock(&w->j->mu);
}

/* wait until every write of pid queued before now is done; interruptible
 * through the calling thread's token (a stop, the breaker's cut):
 * AKT_ECANCELED then, the barrier left to the writer if it is in flight */
static akt_err
pj_barrier(pj *j, const char *pid, size_t npid)
{
    akti_cancel *tok = akti_cancel_cur;
    if (tok == NULL) {
        preq bar = { .kind = PQ_BARRIER, .pid = (char *)pid, .npid = npid };
        return pj_queue(j, &bar, true, true);
    }
    barwake w = { .j = j };
    atomic_init(&w.cut, false);
    preq *bar = calloc(1, sizeof(*bar));
    if (bar == NULL) {
        return AKT_ENOMEM;
    }
    if (!akti_cancel_enter(tok, bar_wake, &w)) {
        free(bar);
        return AKT_ECANCELED;
    }
    bar->kind = PQ_BARRIER;
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&j->mu);
    if (j->closing) {
        rc = AKT_ECLOSED;
    } else if (akti_pend_has(&j->pending, pid, npid)) {
        *(j->tail ? &j->tail->next : &j->head) = bar;
        j->tail = bar;
        pthread_cond_signal(&j->cv);
        while (!bar->done && !atomic_load(&w.cut)) {
            pthread_cond_wait(&j->done_cv, &j->mu);
        }
        if (bar->done) {
            rc = bar->rc;
        } else {
            rc = AKT_ECANCELED;
            preq *prev = NULL, *r = j->head;
            while (r != NULL && r != bar) {
                prev = r;
                r = r->next;
            }
            if (r == bar) { /* still queued: out */
                *(prev ? &prev->next : &j->head) = bar->next;
                if (j->tail == bar) {
                    j->tail = prev;
                }
            } else {
                bar->abandoned = true; /* in the batch in flight */
                bar = NULL;
            }
        }
    }
    pthread_mutex_unlock(&j->mu);
    akti_cancel_leave(tok);
    free(bar);
    return rc;
}

static akt_err
pj_write(
    void *impl, const akt_atomic_write *w, akt_journal_write_cb cb, void *arg)
{
    pj *j = impl;
    size_t npid = strlen(w->pid);
    if (npid == 0 || npid > MAX_PID_LEN || w->n == 0) {
        return AKT_EINVAL;
    }
    preq *r = calloc(1, sizeof(*r) + npid + 1);
    if (r == NULL) {
        return AKT_ENOMEM;
    }
    r->kind = PQ_WRITE;
    r->pid = (char *)(r + 1);
    memcpy(r->pid, w->pid, npid + 1);
    r->npid = npid;
    r->cb = cb;
    r->arg = arg;
    r->tok = akti_cancel_cur;
    r->n = w->n;
    r->first = w->events[0].seq;
    size_t ntags = 0;
    for (size_t i = 0; i < w->n; i++) {
        if (w->events[i].ntags > AKT_PERSIST_MAX_TAGS
            || (i > 0 && w->events[i].seq != w->events[i - 1].seq + 1)) {
            free(r);
            return AKT_EINVAL;
        }
        ntags += w->events[i].ntags;
    }
    r->ntags = ntags;
    for (size_t i = 0; i < w->n; i++) {
        const akt_prepr *e = &w->events[i];
        bb_u32(&r->types, 8);
        bb_u64(&r->types, e->type_id);
        bb_u32(&r->writers, 8);
        bb_u64(&r->writers, e->writer);
        bb_u32(&r->ts, 8);
        bb_u64(&r->ts, (uint64_t)e->timestamp_ms);
        bb_elem(&r->data, e->data, e->len);
        bb_u32(&r->tagn, 4);
        bb_u32(&r->tagn, (uint32_t)e->ntags);
        for (size_t t = 0; t < e->ntags; t++) {
            bb_elem(&r->tags, e->tags[t], strlen(e->tags[t]));
        }
    }
    if (r->types.oom || r->ts.oom || r->data.oom || r->tagn.oom || r->tags.oom
        || r->writers.oom) {
        preq_free(r);
        return AKT_ENOMEM;
    }
    akt_err rc = pj_queue(j, r, false, false);
    if (rc != AKT_OK) {
        preq_free(r);
    }
    return rc;
}

/* parse a binary text[] value into tagv (views into v, NUL-terminated by
 * copying into buf); false when it is not a well-formed text array */
static bool
parse_tags(const uint8_t *v, size_t n, char *buf, size_t cap, const char **tagv,
    size_t *ntags)
{
    *ntags = 0;
    if (n < 12) {
        return false;
    }
    uint32_t ndim = akti_be32_get(v);
    if (ndim == 0) {
        return true;
    }
    if (ndim != 1 || n < 20) {
        return false;
    }
    uint32_t count = akti_be32_get(v + 12);
    if (count > AKT_PERSIST_MAX_TAGS) {
        return false;
    }
    size_t off = 20, used = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (off + 4 > n) {
            return false;
        }
        uint32_t len = akti_be32_get(v + off);
        off += 4;
        if (len > n - off || used + len + 1 > cap) {
            return false;
        }
        memcpy(buf + used, v + off, len);
        buf[used + len] = '\0';
        tagv[i] = buf + used;
        used += len + 1;
        off += len;
    }
    *ntags = count;
    return true;
}

/* one row of (seq, type_id, ts, gseq, data, tags) into *ev */
static bool
row_event(PGresult *res, int i, int col, akt_prepr *ev, char *tagbuf,
    size_t tagcap, const char **tagv)
{
    for (int k = 0; k < 4; k++) {
        if (PQgetlength(res, i, col + k) != 8) {
            return false;
        }
    }
    if (PQgetlength(res, i, col + 6) != 8) {
        return false;
    }
    ev->seq = akti_be64_get((const uint8_t *)PQgetvalue(res, i, col));
    ev->type_id = akti_be64_get((const uint8_t *)PQgetvalue(res, i, col + 1));
    ev->timestamp_ms
        = (int64_t)akti_be64_get((const uint8_t *)PQgetvalue(res, i, col + 2));
    ev->gseq = akti_be64_get((const uint8_t *)PQgetvalue(res, i, col + 3));
    ev->data = (const uint8_t *)PQgetvalue(res, i, col + 4);
    ev->len = (size_t)PQgetlength(res, i, col + 4);
    ev->tags = tagv;
    ev->ntags = 0;
    ev->writer = akti_be64_get((const uint8_t *)PQgetvalue(res, i, col + 6));
    if (!PQgetisnull(res, i, col + 5)
        && !parse_tags((const uint8_t *)PQgetvalue(res, i, col + 5),
            (size_t)PQgetlength(res, i, col + 5), tagbuf, tagcap, tagv,
            &ev->ntags)) {
        return false;
    }
    return true;
}

static akt_err
pj_replay(void *impl, const char *pid, uint64_t from, uint64_t to, uint64_t max,
    akt_journal_replay_fn fn, void *arg)
{
    pj *j = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    if (max == 0 || to == 0 || from > to) {
        return AKT_OK;
    }
    if (from == 0) {
        from = 1;
    }
    if (to > (uint64_t)INT64_MAX) {
        to = INT64_MAX;
    }
    PGconn *c = pool_get(&j->readers, NULL);
    if (c == NULL) {
        return AKT_EPEER;
    }
    akt_err out = AKT_OK;
    uint64_t next = from, count = 0;
    char tagbuf[AKT_PERSIST_MAX_TAGS * (AKT_PERSIST_MAX_TAG_LEN + 1)];
    const char *tagv[AKT_PERSIST_MAX_TAGS];
    while (out == AKT_OK && count < max && next <= to) {
        uint64_t want = max - count < PAGE ? max - count : PAGE;
        uint8_t b_from[8], b_to[8], b_lim[8];
        akti_be64_put(b_from, next);
        akti_be64_put(b_to, to);
        akti_be64_put(b_lim, want);
        const char *vals[4] = { pid, (const char *)b_from, (const char *)b_to,
            (const char *)b_lim };
        int lens[4] = { (int)npid, 8, 8, 8 };
        static const int fmts[4] = { 0, 1, 1, 1 };
        static const Oid types[4] = { OID_TEXT, OID_INT8, OID_INT8, OID_INT8 };
        bool cut;
        PGresult *res
            = pg_execp(c, j->q_replay, 4, types, vals, lens, fmts, &cut);
        if (cut || PQresultStatus(res) != PGRES_TUPLES_OK) {
            PQclear(res);
            out = cut ? AKT_ECANCELED : pg_errmap(c);
            break;
        }
        int rows = PQntuples(res);
        for (int i = 0; i < rows && out == AKT_OK; i++) {
            akt_prepr ev;
            if (!row_event(res, i, 0, &ev, tagbuf, sizeof tagbuf, tagv)) {
                out = AKT_EPROTO;
                break;
            }
            out = fn(arg, &ev);
            next = ev.seq + 1;
            count++;
        }
        PQclear(res);
        if ((uint64_t)rows < want) {
            break;
        }
    }
    pool_put(&j->readers, c);
    return out;
}

static akt_err
pj_highest(void *impl, const char *pid, uint64_t *out)
{
    pj *j = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    /* after every write of pid queued before this call */
    akt_err rc = pj_barrier(j, pid, npid);
    if (rc != AKT_OK) {
        return rc;
    }
    PGconn *c = pool_get(&j->readers, NULL);
    if (c == NULL) {
        return AKT_EPEER;
    }
    const char *vals[1] = { pid };
    bool cut;
    PGresult *res = pg_execp(c, j->q_highest, 1, NULL, vals, NULL, NULL, &cut);
    *out = 0;
    if (cut || PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = cut ? AKT_ECANCELED : pg_errmap(c);
    } else if (PQntuples(res) == 1 && PQgetlength(res, 0, 0) == 8) {
        *out = akti_be64_get((const uint8_t *)PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    pool_put(&j->readers, c);
    return rc;
}

static akt_err
pj_delete_to(void *impl, const char *pid, uint64_t to)
{
    pj *j = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    /* the breaker's cut cancels its batch (or keeps it from being sent) */
    preq r = { .kind = PQ_DELETE,
        .pid = (char *)pid,
        .npid = npid,
        .to = to,
        .tok = akti_cancel_cur };
    return pj_queue(j, &r, true, false);
}

/* A query read page by page in one snapshot (REPEATABLE READ READ ONLY),
 * so the pages add up to a point-in-time result: each page asks for at
 * most PAGE rows after the cursor that the rows before it advanced. */
typedef struct pg_pager pg_pager;
struct pg_pager {
    const char *sql;
    int nparams; /* the last parameter is the page's row limit */
    const Oid *types;
    const int *fmts;
    /* the parameters before the limit, from the cursor */
    void (*params)(pg_pager *p, const char **vals, int *lens);
    /* row i: checked (AKT_EPROTO), handed on, the cursor advanced */
    akt_err (*row)(pg_pager *p, PGresult *res, int i);
};

static akt_err
pg_paged(pj *j, uint64_t max, pg_pager *p)
{
    PGconn *c = pool_get(&j->readers, NULL);
    if (c == NULL) {
        return AKT_EPEER;
    }
    akt_err out
        = pg_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL)
        ? AKT_OK
        : pg_errmap(c);
    uint64_t count = 0;
    while (out == AKT_OK && count < max) {
        uint64_t want = max - count < PAGE ? max - count : PAGE;
        uint8_t b_lim[8];
        akti_be64_put(b_lim, want);
        const char *vals[4];
        int lens[4];
        p->params(p, vals, lens);
        vals[p->nparams - 1] = (const char *)b_lim;
        lens[p->nparams - 1] = 8;
        bool cut;
        PGresult *res = pg_execp(
            c, p->sql, p->nparams, p->types, vals, lens, p->fmts, &cut);
        if (cut || PQresultStatus(res) != PGRES_TUPLES_OK) {
            PQclear(res);
            out = cut ? AKT_ECANCELED : pg_errmap(c);
            break;
        }
        int rows = PQntuples(res);
        for (int i = 0; i < rows && out == AKT_OK; i++) {
            out = p->row(p, res, i);
            count++;
        }
        PQclear(res);
        if ((uint64_t)rows < want) {
            break;
        }
    }
    pg_exec(c, out == AKT_OK ? "COMMIT" : "ROLLBACK", NULL);
    pool_put(&j->readers, c);
    return out;
}

/* the rows of the by-tag query (offset, pid, event) and of the all-events
 * query (pid, event; the offset is the event's global sequence number) */
typedef struct {
    pg_pager p;
    const char *tag; /* NULL: every event */
    size_t tl;
    uint64_t next; /* the offset of the last row handed on */
    uint8_t b_after[8];
    akt_journal_tag_fn fn;
    void *arg;
    char tagbuf[AKT_PERSIST_MAX_TAGS * (AKT_PERSIST_MAX_TAG_LEN + 1)];
    const char *tagv[AKT_PERSIST_MAX_TAGS];
    char pidbuf[MAX_PID_LEN + 1];
} ev_pager;

static void
ev_params(pg_pager *p, const char **vals, int *lens)
{
    ev_pager *e = (ev_pager *)p;
    akti_be64_put(
        e->b_after, e->next > (uint64_t)INT64_MAX ? INT64_MAX : e->next);
    int k = 0;
    if (e->tag != NULL) {
        vals[k] = e->tag;
        lens[k++] = (int)e->tl;
    }
    vals[k] = (const char *)e->b_after;
    lens[k] = 8;
}

static akt_err
ev_row(pg_pager *p, PGresult *res, int i)
{
    ev_pager *e = (ev_pager *)p;
    int pcol = e->tag != NULL ? 1 : 0; /* the tag query leads with offset */
    akt_prepr ev;
    int plen = PQgetlength(res, i, pcol);
    if ((pcol == 1 && PQgetlength(res, i, 0) != 8) || plen <= 0
        || plen > MAX_PID_LEN
        || !row_event(
            res, i, pcol + 1, &ev, e->tagbuf, sizeof e->tagbuf, e->tagv)) {
        return AKT_EPROTO;
    }
    e->next = pcol == 1 ? akti_be64_get((const uint8_t *)PQgetvalue(res, i, 0))
                        : ev.gseq;
    memcpy(e->pidbuf, PQgetvalue(res, i, pcol), (size_t)plen);
    e->pidbuf[plen] = '\0';
    return e->fn(e->arg, e->next, e->pidbuf, &ev);
}

static akt_err
pj_by_tag(void *impl, const char *tag, uint64_t after, uint64_t max,
    akt_journal_tag_fn fn, void *arg)
{
    pj *j = impl;
    size_t tl = strlen(tag);
    if (tl == 0 || tl > AKT_PERSIST_MAX_TAG_LEN) {
        return AKT_EINVAL;
    }
    if (max == 0) {
        return AKT_OK;
    }
    static const int fmts[3] = { 0, 1, 1 };
    static const Oid types[3] = { OID_TEXT, OID_INT8, OID_INT8 };
    ev_pager e = { .p = { j->q_tag, 3, types, fmts, ev_params, ev_row },
        .tag = tag,
        .tl = tl,
        .next = after,
        .fn = fn,
        .arg = arg };
    return pg_paged(j, max, &e.p);
}

/* persistence ids in byte order, paged after the last one handed on */
typedef struct {
    pg_pager p;
    char next[MAX_PID_LEN + 1];
    akt_journal_pid_fn fn;
    void *arg;
} pid_pager;

static void
pid_params(pg_pager *p, const char **vals, int *lens)
{
    pid_pager *q = (pid_pager *)p;
    vals[0] = q->next;
    lens[0] = (int)strlen(q->next);
}

static akt_err
pid_row(pg_pager *p, PGresult *res, int i)
{
    pid_pager *q = (pid_pager *)p;
    int plen = PQgetlength(res, i, 0);
    if (plen <= 0 || plen > MAX_PID_LEN) {
        return AKT_EPROTO;
    }
    memcpy(q->next, PQgetvalue(res, i, 0), (size_t)plen);
    q->next[plen] = '\0';
    return q->fn(q->arg, q->next);
}

static akt_err
pj_persistence_ids(void *impl, const char *after, uint64_t max,
    akt_journal_pid_fn fn, void *arg)
{
    pj *j = impl;
    size_t na = strlen(after);
    if (na > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    if (max == 0) {
        return AKT_OK;
    }
    static const int fmts[2] = { 0, 1 };
    static const Oid types[2] = { OID_TEXT, OID_INT8 };
    pid_pager q = { .p = { j->q_pids, 2, types, fmts, pid_params, pid_row },
        .fn = fn,
        .arg = arg };
    memcpy(q.next, after, na + 1);
    return pg_paged(j, max, &q.p);
}

static akt_err
pj_events_all(
    void *impl, uint64_t after, uint64_t max, akt_journal_tag_fn fn, void *arg)
{
    pj *j = impl;
    if (max == 0 || after >= (uint64_t)INT64_MAX) {
        return AKT_OK;
    }
    static const int fmts[2] = { 1, 1 };
    static const Oid types[2] = { OID_INT8, OID_INT8 };
    ev_pager e = { .p = { j->q_all, 2, types, fmts, ev_params, ev_row },
        .next = after,
        .fn = fn,
        .arg = arg };
    return pg_paged(j, max, &e.p);
}

static void
pj_stats(void *impl, akt_journal_stats *out)
{
    pj *j = impl;
    out->commits = atomic_load(&j->n_commits);
    out->writes = atomic_load(&j->n_writes);
    out->events = atomic_load(&j->n_events);
}

static void
pj_free(pj *j)
{
    if (j->wconn) {
        PQfinish(j->wconn);
    }
    pgcan_unref(j->wcancel);
    pool_fini(&j->readers);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    pthread_cond_destroy(&j->done_cv);
    free(j->conninfo);
    free(j);
}

static void
pj_close(void *impl)
{
    pj *j = impl;
    pthread_mutex_lock(&j->mu);
    j->closing = true; /* the writer drains the queue, then ends */
    pthread_cond_signal(&j->cv);
    bool listener = j->lstarted;
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->writer, NULL);
    if (listener) {
        ssize_t w = write(j->lpipe[1], "x", 1);
        (void)w; /* the pipe is empty: cannot fail but for a closed end */
        pthread_join(j->lth, NULL);
        close(j->lpipe[0]);
        close(j->lpipe[1]);
    }
    pj_free(j);
}

static void
pj_wake_hook(pj *j)
{
    pthread_mutex_lock(&j->mu);
    if (j->hook) {
        j->hook(j->hook_arg); /* only signals */
    }
    pthread_mutex_unlock(&j->mu);
}

/* true when the close pipe fired (or fails) within ms (-1: no limit) while
 * waiting for fd (-1: none) to become readable; *ready: fd is */
static bool
pj_listen_wait(pj *j, int fd, int ms, bool *ready)
{
    struct pollfd p[2] = { { j->lpipe[0], POLLIN, 0 }, { fd, POLLIN, 0 } };
    int n;
    do {
        n = poll(p, fd >= 0 ? 2 : 1, ms);
    } while (n < 0 && errno == EINTR);
    *ready = fd >= 0 && n > 0 && (p[1].revents & (POLLIN | POLLERR | POLLHUP));
    return n < 0 || (p[0].revents & (POLLIN | POLLERR | POLLHUP));
}

/* the listener thread: (re)connect, LISTEN, and turn each notification
 * of this schema into a hook call. After a (re)connection the hook runs
 * once, since commits may have gone unheard meanwhile. A lost server is
 * tried again every second (a retry timer, not a poll for data). */
static void *
pj_listener(void *arg)
{
    pj *j = arg;
    PGconn *c = NULL;
    bool ready;
    for (;;) {
        if (c == NULL) {
            /* the user's connection string with connect_timeout = 5 s on
             * top, so a close never waits long for a connection attempt */
            static const char *const keys[]
                = { "dbname", "connect_timeout", NULL };
            const char *vals[] = { j->conninfo, "5", NULL };
            c = PQconnectdbParams(keys, vals, 1);
            if (c != NULL && PQstatus(c) != CONNECTION_OK) {
                PQfinish(c);
                c = NULL;
            }
            if (c != NULL) {
                PQsetNoticeProcessor(c, quiet_notice, NULL);
            }
            if (c != NULL && !pg_exec(c, "LISTEN akt_commit", NULL)) {
                PQfinish(c);
                c = NULL;
            }
            if (c == NULL) {
                if (pj_listen_wait(j, -1, 1000, &ready)) {
                    break;
                }
                continue;
            }
            pj_wake_hook(j);
        }
        if (pj_listen_wait(j, PQsocket(c), -1, &ready)) {
            break;
        }
        if (!ready) {
            continue;
        }
        if (!PQconsumeInput(c)) {
            PQfinish(c); /* reconnect */
            c = NULL;
            continue;
        }
        bool ours = false;
        PGnotify *n;
        while ((n = PQnotifies(c)) != NULL) {
            ours = ours || strcmp(n->extra, j->schema) == 0;
            PQfreemem(n);
        }
        if (ours) {
            pj_wake_hook(j);
        }
    }
    if (c) {
        PQfinish(c);
    }
    return NULL;
}

static void
pj_watch(void *impl, void (*hook)(void *arg), void *arg)
{
    pj *j = impl;
    pthread_mutex_lock(&j->mu);
    j->hook = hook;
    j->hook_arg = arg;
    bool start = !j->lstarted;
    j->lstarted = true;
    pthread_mutex_unlock(&j->mu);
    if (start && hook != NULL) {
        if (pipe(j->lpipe) != 0
            || pthread_create(&j->lth, NULL, pj_listener, j) != 0) {
            /* without the listener only this process's commits wake the
             * queries (as before); nothing else depends on it */
            if (j->lpipe[0] >= 0) {
                close(j->lpipe[0]);
                close(j->lpipe[1]);
            }
            j->lpipe[0] = j->lpipe[1] = -1;
            pthread_mutex_lock(&j->mu);
            j->lstarted = false;
            pthread_mutex_unlock(&j->mu);
        }
    }
}

static const akt_journal_ops pg_journal_ops = {
    .name = "postgresql",
    .write = pj_write,
    .replay = pj_replay,
    .highest = pj_highest,
    .delete_to = pj_delete_to,
    .events_by_tag = pj_by_tag,
    .stats = pj_stats,
    .close = pj_close,
    .watch = pj_watch,
    .persistence_ids = pj_persistence_ids,
    .events_all = pj_events_all,
};

static akt_err
check_options(
    const akt_pg_options *o, const char **schema, akt_persist_error *err)
{
    if (o == NULL || o->conninfo == NULL) {
        akti_perr(err, "postgresql: no connection string (conninfo)");
        return AKT_EINVAL;
    }
    *schema = o->schema && o->schema[0] ? o->schema : "akt";
    if (!schema_ok(*schema)) {
        akti_perr(err,
            "postgresql: schema '%s': expected [a-z_][a-z0-9_]*, at most 63 "
            "characters",
            *schema);
        return AKT_EINVAL;
    }
    return AKT_OK;
}

akt_err
akt_journal_open_pg(const akt_pg_options *o, const akt_registry *reg,
    akt_journal **out, akt_persist_error *err)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    const char *schema;
    akt_err rc = check_options(o, &schema, err);
    if (rc != AKT_OK) {
        return rc;
    }
    pj *j = calloc(1, sizeof(*j));
    if (j == NULL || (j->conninfo = strdup(o->conninfo)) == NULL) {
        free(j);
        return AKT_ENOMEM;
    }
    j->lpipe[0] = j->lpipe[1] = -1;
    snprintf(j->schema, sizeof j->schema, "%s", schema);
    snprintf(j->q_write, sizeof j->q_write,
        "SELECT %s.akt_write_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, "
        "$10, $11, $12, $13)",
        schema);
    snprintf(j->q_delete, sizeof j->q_delete, "SELECT %s.akt_delete($1, $2)",
        schema);
    snprintf(j->q_highest, sizeof j->q_highest,
        "SELECT highest FROM %s.akt_pids WHERE pid = $1", schema);
    snprintf(j->q_replay, sizeof j->q_replay,
        "SELECT seq, type_id, ts, gseq, data, tags, writer FROM %s.akt_events "
        "WHERE pid = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq LIMIT $4",
        schema);
    snprintf(j->q_tag, sizeof j->q_tag,
        "SELECT t.tseq, t.pid, e.seq, e.type_id, e.ts, e.gseq, e.data, "
        "e.tags, e.writer FROM %s.akt_tags t JOIN %s.akt_events e "
        "ON e.pid = t.pid AND e.seq = t.seq WHERE t.tag = $1 AND t.tseq > $2 "
        "ORDER BY t.tseq LIMIT $3",
        schema, schema);
    snprintf(j->q_all, sizeof j->q_all,
        "SELECT pid, seq, type_id, ts, gseq, data, tags, writer "
        "FROM %s.akt_events "
        "WHERE gseq > $1 ORDER BY gseq LIMIT $2",
        schema);
    snprintf(j->q_pids, sizeof j->q_pids,
        "SELECT pid FROM %s.akt_pids WHERE pid COLLATE \"C\" > $1 "
        "ORDER BY pid COLLATE \"C\" LIMIT $2",
        schema);
    j->max_batch = o->max_batch_events ? o->max_batch_events : 1000;
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pthread_cond_init(&j->done_cv, NULL);
    if (!pool_init(&j->readers, j->conninfo, o->readers)) {
        pj_free(j);
        return AKT_ENOMEM;
    }
    j->wconn = pg_connect(j->conninfo, err);
    if (j->wconn == NULL) {
        pj_free(j);
        return AKT_EPEER;
    }
    j->wcancel = pgcan_new(j->wconn);
    rc = schema_create(j->wconn, schema, err);
    if (rc != AKT_OK) {
        pj_free(j);
        return rc;
    }
    if (pthread_create(&j->writer, NULL, pj_writer, j) != 0) {
        pj_free(j);
        return AKT_ENOMEM;
    }
    rc = akt_journal_new(&pg_journal_ops, j, reg, o->max_record_size, out);
    if (rc != AKT_OK) {
        pj_close(j);
    }
    return rc;
}

/* ============================ snapshot store ============================== */

typedef struct ps {
    char *conninfo;
    pool conns;
    char q_save[512], q_load[512], q_remove[512], q_remove_m[512];
} ps;

static akt_err
ps_run(ps *s, const char *q, int n, const Oid *types, const char *const *vals,
    const int *lens, const int *fmts, PGresult **keep)
{
    PGconn *c = pool_get(&s->conns, NULL);
    if (c == NULL) {
        return AKT_EPEER;
    }
    bool cut;
    PGresult *res = pg_execp(c, q, n, types, vals, lens, fmts, &cut);
    ExecStatusType st = PQresultStatus(res);
    akt_err rc = cut                                      ? AKT_ECANCELED
        : st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? AKT_OK
                                                          : pg_errmap(c);
    if (rc == AKT_OK && keep) {
        *keep = res;
    } else {
        PQclear(res);
    }
    pool_put(&s->conns, c);
    return rc;
}

static akt_err
ps_save(void *impl, const akt_snapshot_meta *m, const akt_snapshot_blob *b)
{
    ps *s = impl;
    size_t npid = strlen(m->pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    uint8_t seq[8], ts[8], ty[8];
    akti_be64_put(seq, m->seq);
    akti_be64_put(ts, (uint64_t)m->timestamp_ms);
    akti_be64_put(ty, b->type_id);
    const char *vals[5] = { m->pid, (const char *)seq, (const char *)ts,
        (const char *)ty, (const char *)b->data };
    int lens[5] = { (int)npid, 8, 8, 8, (int)b->len };
    static const int fmts[5] = { 0, 1, 1, 1, 1 };
    static const Oid types[5]
        = { OID_TEXT, OID_INT8, OID_INT8, OID_INT8, OID_BYTEA };
    return ps_run(s, s->q_save, 5, types, vals, lens, fmts, NULL);
}

/* bounds as int8 parameters: uint64 max -> INT64_MAX */
static void
put_bound(uint8_t *b, uint64_t v)
{
    akti_be64_put(b, v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v);
}

static akt_err
ps_load(void *impl, const char *pid, akt_snapshot_criteria c,
    akt_snapshot_load_fn fn, void *arg)
{
    ps *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    if (c.max_seq < c.min_seq || c.max_ts < c.min_ts) {
        return AKT_ENOENT;
    }
    uint8_t b[4][8];
    put_bound(b[0], c.min_seq);
    put_bound(b[1], c.max_seq);
    akti_be64_put(b[2], (uint64_t)c.min_ts);
    akti_be64_put(b[3], (uint64_t)c.max_ts);
    const char *vals[5] = { pid, (const char *)b[0], (const char *)b[1],
        (const char *)b[2], (const char *)b[3] };
    int lens[5] = { (int)npid, 8, 8, 8, 8 };
    static const int fmts[5] = { 0, 1, 1, 1, 1 };
    static const Oid types[5]
        = { OID_TEXT, OID_INT8, OID_INT8, OID_INT8, OID_INT8 };
    PGresult *res = NULL;
    akt_err rc = ps_run(s, s->q_load, 5, types, vals, lens, fmts, &res);
    if (rc != AKT_OK) {
        return rc;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return AKT_ENOENT;
    }
    if (PQgetlength(res, 0, 0) != 8 || PQgetlength(res, 0, 1) != 8
        || PQgetlength(res, 0, 2) != 8) {
        PQclear(res);
        return AKT_EPROTO; /* never "none": the events may be gone */
    }
    akt_snapshot_meta m
        = { pid, akti_be64_get((const uint8_t *)PQgetvalue(res, 0, 0)),
              (int64_t)akti_be64_get((const uint8_t *)PQgetvalue(res, 0, 1)) };
    akt_snapshot_blob blob
        = { akti_be64_get((const uint8_t *)PQgetvalue(res, 0, 2)),
              (const uint8_t *)PQgetvalue(res, 0, 3),
              (size_t)PQgetlength(res, 0, 3) };
    rc = fn(arg, &m, &blob);
    PQclear(res);
    return rc;
}

static akt_err
ps_remove(void *impl, const char *pid, uint64_t seq, int64_t ts)
{
    ps *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    uint8_t b_seq[8], b_ts[8];
    put_bound(b_seq, seq);
    akti_be64_put(b_ts, (uint64_t)ts);
    const char *vals[3] = { pid, (const char *)b_seq, (const char *)b_ts };
    int lens[3] = { (int)npid, 8, 8 };
    static const int fmts[3] = { 0, 1, 1 };
    static const Oid types[3] = { OID_TEXT, OID_INT8, OID_INT8 };
    return ps_run(s, s->q_remove, 3, types, vals, lens, fmts, NULL);
}

static akt_err
ps_remove_matching(void *impl, const char *pid, akt_snapshot_criteria c)
{
    ps *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    uint8_t b[4][8];
    put_bound(b[0], c.min_seq);
    put_bound(b[1], c.max_seq);
    akti_be64_put(b[2], (uint64_t)c.min_ts);
    akti_be64_put(b[3], (uint64_t)c.max_ts);
    const char *vals[5] = { pid, (const char *)b[0], (const char *)b[1],
        (const char *)b[2], (const char *)b[3] };
    int lens[5] = { (int)npid, 8, 8, 8, 8 };
    static const int fmts[5] = { 0, 1, 1, 1, 1 };
    static const Oid types[5]
        = { OID_TEXT, OID_INT8, OID_INT8, OID_INT8, OID_INT8 };
    return ps_run(s, s->q_remove_m, 5, types, vals, lens, fmts, NULL);
}

static void
ps_close(void *impl)
{
    ps *s = impl;
    pool_fini(&s->conns);
    free(s->conninfo);
    free(s);
}

static const akt_snapshot_ops pg_snapshot_ops = {
    .name = "postgresql",
    .save = ps_save,
    .load = ps_load,
    .remove = ps_remove,
    .remove_matching = ps_remove_matching,
    .close = ps_close,
};

akt_err
akt_snapshot_store_open_pg(const akt_pg_options *o, const akt_registry *reg,
    akt_snapshot_store **out, akt_persist_error *err)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    const char *schema;
    akt_err rc = check_options(o, &schema, err);
    if (rc != AKT_OK) {
        return rc;
    }
    ps *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->conninfo = strdup(o->conninfo)) == NULL) {
        free(s);
        return AKT_ENOMEM;
    }
    snprintf(s->q_save, sizeof s->q_save,
        "INSERT INTO %s.akt_snapshots VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (pid, seq) DO UPDATE SET ts = EXCLUDED.ts, "
        "type_id = EXCLUDED.type_id, data = EXCLUDED.data",
        schema);
    snprintf(s->q_load, sizeof s->q_load,
        "SELECT seq, ts, type_id, data FROM %s.akt_snapshots WHERE pid = $1 "
        "AND seq >= $2 AND seq <= $3 AND ts >= $4 AND ts <= $5 "
        "ORDER BY seq DESC LIMIT 1",
        schema);
    snprintf(s->q_remove, sizeof s->q_remove,
        "DELETE FROM %s.akt_snapshots WHERE pid = $1 AND seq = $2 "
        "AND ($3 = 0 OR ts <= $3)",
        schema);
    snprintf(s->q_remove_m, sizeof s->q_remove_m,
        "DELETE FROM %s.akt_snapshots WHERE pid = $1 AND seq >= $2 "
        "AND seq <= $3 AND ts >= $4 AND ts <= $5",
        schema);
    if (!pool_init(&s->conns, s->conninfo, o->readers)) {
        ps_close(s);
        return AKT_ENOMEM;
    }
    PGconn *c = pool_get(&s->conns, err);
    if (c == NULL) {
        ps_close(s);
        return AKT_EPEER;
    }
    rc = schema_create(c, schema, err);
    pool_put(&s->conns, c);
    if (rc != AKT_OK) {
        ps_close(s);
        return rc;
    }
    rc = akt_snapshot_store_new(&pg_snapshot_ops, s, reg, out);
    if (rc != AKT_OK) {
        ps_close(s);
    }
    return rc;
}

/* ============================ durable state =============================== */

typedef struct pst {
    char *conninfo;
    pool conns;
    char q_get[512], q_insert[512], q_update[512], q_delete[512];
} pst;

static akt_err
pst_run(pst *s, const char *q, int n, const Oid *types, const char *const *vals,
    const int *lens, const int *fmts, PGresult **keep)
{
    PGconn *c = pool_get(&s->conns, NULL);
    if (c == NULL) {
        return AKT_EPEER;
    }
    bool cut;
    PGresult *res = pg_execp(c, q, n, types, vals, lens, fmts, &cut);
    ExecStatusType st = PQresultStatus(res);
    akt_err rc = cut                                      ? AKT_ECANCELED
        : st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? AKT_OK
                                                          : pg_errmap(c);
    if (rc == AKT_OK && keep) {
        *keep = res;
    } else {
        PQclear(res);
    }
    pool_put(&s->conns, c);
    return rc;
}

static akt_err
pst_get(void *impl, const char *pid, akt_state_get_fn fn, void *arg)
{
    pst *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    const char *vals[1] = { pid };
    int lens[1] = { (int)npid };
    static const int fmts[1] = { 0 };
    static const Oid types[1] = { OID_TEXT };
    PGresult *res = NULL;
    akt_err rc = pst_run(s, s->q_get, 1, types, vals, lens, fmts, &res);
    if (rc != AKT_OK) {
        return rc;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return AKT_ENOENT;
    }
    if (PQgetlength(res, 0, 0) != 8 || PQgetlength(res, 0, 1) != 8) {
        PQclear(res);
        return AKT_EPROTO;
    }
    akt_snapshot_blob b
        = { akti_be64_get((const uint8_t *)PQgetvalue(res, 0, 1)),
              (const uint8_t *)PQgetvalue(res, 0, 2),
              (size_t)PQgetlength(res, 0, 2) };
    rc = fn(arg, akti_be64_get((const uint8_t *)PQgetvalue(res, 0, 0)), &b);
    PQclear(res);
    return rc;
}

static akt_err
pst_upsert(
    void *impl, const char *pid, uint64_t revision, const akt_snapshot_blob *v)
{
    pst *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN || revision == 0
        || revision > (uint64_t)INT64_MAX) {
        return AKT_EINVAL;
    }
    uint8_t rev[8], ts[8], ty[8];
    akti_be64_put(rev, revision);
    akti_be64_put(ts, (uint64_t)akti_persist_now_ms());
    akti_be64_put(ty, v->type_id);
    const char *vals[5] = { pid, (const char *)rev, (const char *)ts,
        (const char *)ty, (const char *)v->data };
    int lens[5] = { (int)npid, 8, 8, 8, (int)v->len };
    static const int fmts[5] = { 0, 1, 1, 1, 1 };
    static const Oid types[5]
        = { OID_TEXT, OID_INT8, OID_INT8, OID_INT8, OID_BYTEA };
    PGresult *res = NULL;
    /* revision 1 inserts (nothing when a value exists); n > 1 updates the
     * row at n - 1: a row count of 0 is a conflict */
    akt_err rc = pst_run(s, revision == 1 ? s->q_insert : s->q_update, 5, types,
        vals, lens, fmts, &res);
    if (rc != AKT_OK) {
        return rc;
    }
    rc = strcmp(PQcmdTuples(res), "1") == 0 ? AKT_OK : AKT_ESTATE;
    PQclear(res);
    return rc;
}

static akt_err
pst_remove(void *impl, const char *pid, uint64_t revision)
{
    pst *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    uint8_t rev[8];
    put_bound(rev, revision);
    const char *vals[2] = { pid, (const char *)rev };
    int lens[2] = { (int)npid, 8 };
    static const int fmts[2] = { 0, 1 };
    static const Oid types[2] = { OID_TEXT, OID_INT8 };
    PGresult *res = NULL;
    akt_err rc = pst_run(s, s->q_delete, 2, types, vals, lens, fmts, &res);
    if (rc != AKT_OK) {
        return rc;
    }
    /* one row: deleted, or the revision did not match (false); none: no
     * value at all */
    if (PQntuples(res) == 1 && PQgetlength(res, 0, 0) == 1) {
        rc = PQgetvalue(res, 0, 0)[0] ? AKT_OK : AKT_ESTATE;
    }
    PQclear(res);
    return rc;
}

static void
pst_close(void *impl)
{
    pst *s = impl;
    pool_fini(&s->conns);
    free(s->conninfo);
    free(s);
}

static const akt_state_ops pg_state_ops = {
    .name = "postgresql",
    .get = pst_get,
    .upsert = pst_upsert,
    .remove = pst_remove,
    .close = pst_close,
};

akt_err
akt_state_store_open_pg(const akt_pg_options *o, const akt_registry *reg,
    akt_state_store **out, akt_persist_error *err)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    const char *schema;
    akt_err rc = check_options(o, &schema, err);
    if (rc != AKT_OK) {
        return rc;
    }
    pst *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->conninfo = strdup(o->conninfo)) == NULL) {
        free(s);
        return AKT_ENOMEM;
    }
    snprintf(s->q_get, sizeof s->q_get,
        "SELECT revision, type_id, data FROM %s.akt_state WHERE pid = $1",
        schema);
    snprintf(s->q_insert, sizeof s->q_insert,
        "INSERT INTO %s.akt_state VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (pid) DO NOTHING",
        schema);
    snprintf(s->q_update, sizeof s->q_update,
        "UPDATE %s.akt_state SET revision = $2, ts = $3, type_id = $4, "
        "data = $5 WHERE pid = $1 AND revision = $2 - 1",
        schema);
    /* the stored row, deleted when its revision matches ($2 = 0: any) */
    snprintf(s->q_delete, sizeof s->q_delete,
        "WITH d AS (DELETE FROM %s.akt_state WHERE pid = $1 AND ($2 = 0 OR "
        "revision = $2) RETURNING 1) SELECT EXISTS (SELECT 1 FROM d) "
        "FROM %s.akt_state WHERE pid = $1",
        schema, schema);
    if (!pool_init(&s->conns, s->conninfo, o->readers)) {
        pst_close(s);
        return AKT_ENOMEM;
    }
    PGconn *c = pool_get(&s->conns, err);
    if (c == NULL) {
        pst_close(s);
        return AKT_EPEER;
    }
    rc = schema_create(c, schema, err);
    pool_put(&s->conns, c);
    if (rc != AKT_OK) {
        pst_close(s);
        return rc;
    }
    rc = akt_state_store_new(&pg_state_ops, s, reg, out);
    if (rc != AKT_OK) {
        pst_close(s);
    }
    return rc;
}
