/*
 * lmdb.c -- the LMDB journal and snapshot store (akt_journal_ops,
 * akt_snapshot_ops).
 *
 * Journal: one environment, named databases (format 3, meta "format")
 *   wal      be64 gseq                     -> be64 pid_id | be64 seq | record
 *   events   be64 pid_id | be64 seq        -> event record (record.h)
 *   pids     pid string                    -> be64 pid_id | be64 highest
 *                                             | be64 deleted_to
 *   pid_ids  be64 pid_id                   -> pid string
 *   log      be64 gseq                     -> be64 pid_id | be64 seq
 *   tags     tag | 0 | be64 tag_seq        -> be64 pid_id | be64 seq
 *                                             [| be64 gseq]
 *   tagseq   tag                           -> be64 last tag_seq
 *   meta     "gseq", "next_pid", "format"  -> be64
 * Log-structured: a write appends its records to `wal` by global sequence
 * number (MDB_APPEND: a commit of many ids dirties a few dense pages, not
 * one leaf page per id). Each id's records reach `events` (clustered by
 * id, what replay scans) later, in bulk: while more than
 * max-unindexed-events records are only in `wal`, a commit also moves the
 * whole unindexed tail of the ids whose tails are oldest, and deletes the
 * `wal` prefix that no tail needs any more. Which records of an id are
 * only in `wal` is kept in memory (the tail index, under tmu), rebuilt on
 * open from `wal` (a record there is in the tail when `events` lacks it
 * and it is above deleted_to). Format 1 (no `wal`) is format 2 with an
 * empty tail, format 2 is format 3 without writer ids in its records; a
 * newer format is refused with a clear error.
 * One writer thread owns every write transaction (LMDB allows one per
 * environment, begun and committed on one OS thread). It takes everything
 * queued (up to max-batch-events / max-batch-bytes), writes it in one
 * transaction and commits; the next batch starts as soon as that commit
 * returned, so a commit's fsync absorbs whatever queued meanwhile (group
 * commit, no timer). Callbacks run strictly after mdb_txn_commit returned
 * 0, and after the tail index holds the batch's records. Each atomic
 * write is validated (sequence numbers above the highest, sizes) before
 * its first put, so a rejected one leaves no trace; a failed put or commit
 * (map full, I/O) fails every write of the batch and leaves the tail index
 * as it was.
 * The global sequence and the per-tag sequences are assigned inside the
 * write transaction, so they are gap-free in commit order, and a reader's
 * snapshot (MVCC) always sees a prefix of them.
 * `highest` is stored apart from the events, so deletes never lower it.
 * Reads (replay, highest, tag queries) run on the caller's thread in
 * read-only transactions (MDB_NOTLS: not tied to the thread). A replay
 * copies its id's tail index first, then begins its transaction: the
 * snapshot is at least as new as the copy, so every record of the copy is
 * either still in `wal` or already in `events` (read first).
 *
 * Snapshot store: another environment, one database
 *   snapshots pid | 0 | be64 seq -> snapshot record
 * written in short transactions on the caller's thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "akt/persistence.h"
#include "persist/persist_impl.h"
#include "persist/record.h"

#define MAX_PID_LEN 400 /* keys: LMDB's default limit is 511 bytes */

static akt_err
map_mdb(int rc)
{
    switch (rc) {
    case 0:
        return AKT_OK;
    case MDB_MAP_FULL:
    case ENOSPC:
    case EDQUOT:
        return AKT_ENOSPC;
    case ENOMEM:
        return AKT_ENOMEM;
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
        return AKT_EPROTO;
    case MDB_READERS_FULL:
        return AKT_EBUSY;
    default:
        return AKT_EIO;
    }
}

static akt_err
open_env(const akt_lmdb_options *o, uint64_t def_map, unsigned maxdbs,
    unsigned flags, MDB_env **out, akt_persist_error *err)
{
    if (o == NULL || o->dir == NULL || o->dir[0] == '\0') {
        akti_perr(err, "lmdb: no directory given");
        return AKT_EINVAL;
    }
    /* mkdir -p */
    char *d = strdup(o->dir);
    if (d == NULL) {
        return AKT_ENOMEM;
    }
    for (char *p = d + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(d, 0755);
            *p = '/';
        }
    }
    int mk = mkdir(d, 0755);
    int mkerr = errno;
    free(d);
    if (mk != 0 && mkerr != EEXIST) {
        akti_perr(err, "lmdb: cannot create %s: %s", o->dir, strerror(mkerr));
        return AKT_EIO;
    }
    MDB_env *env;
    int rc = mdb_env_create(&env);
    if (rc == 0) {
        rc = mdb_env_set_maxdbs(env, maxdbs);
    }
    if (rc == 0) {
        rc = mdb_env_set_mapsize(env, o->map_size ? o->map_size : def_map);
    }
    if (rc == 0) {
        rc = mdb_env_set_maxreaders(env, 512);
    }
    if (rc == 0) {
        rc = mdb_env_open(env, o->dir,
            MDB_NOTLS | flags | (o->no_sync ? MDB_NOSYNC : 0), 0644);
    }
    if (rc != 0) {
        akti_perr(err, "lmdb: cannot open %s: %s", o->dir, mdb_strerror(rc));
        mdb_env_close(env);
        return map_mdb(rc) == AKT_ENOMEM ? AKT_ENOMEM : AKT_EIO;
    }
    *out = env;
    return AKT_OK;
}

/* ============================ journal ===================================== */

enum { RQ_WRITE = 1, RQ_DELETE, RQ_BARRIER };

/* meta "format": the layout this file writes. 3: event records may be
 * version 2 (with a writer id, record.h), which builds of format 2 cannot
 * decode: they refuse the journal at open instead */
#define LJ_FORMAT 3

typedef struct lj_ev {
    uint64_t seq;
    uint64_t gseq; /* assigned in the write transaction */
    uint8_t *rec;
    size_t len;
    bool tagged; /* the record has tags to index */
} lj_ev;

typedef struct lreq {
    struct lreq *next;
    int kind;
    const char *pid;
    size_t npid;
    uint64_t pid_id; /* set by the writer (write, delete) */
    struct tpid *tp; /* write: its tail index entry (tail_reserve) */
    /* write */
    akt_journal_write_cb cb;
    void *arg;
    size_t n;
    lj_ev *ev;
    size_t bytes;
    akt_write_status st;
    /* delete */
    uint64_t to;
    uint64_t deleted_to; /* what the delete left (the writer) */
    /* result, and for the synchronous kinds: done under lj.mu */
    akt_err rc;
    bool done;
} lreq;

/* The tail index: per id, the records that are in `wal` only. */
typedef struct tent {
    uint64_t seq, gseq;
} tent;

typedef struct tpid {
    struct tpid *hnext; /* hash chain */
    struct tpid *qprev, *qnext; /* the queue of ids with a tail */
    uint64_t id;
    uint64_t qkey; /* gseq of the oldest record when it joined the queue */
    tent *v; /* v[off..n): ascending seq and gseq */
    size_t off, n, cap;
    size_t resv; /* tail_reserve's count */
    size_t npid;
    char pid[]; /* npid + 1 bytes */
} tpid;

typedef struct lj {
    MDB_env *env;
    MDB_dbi wal, events, pids, pid_ids, log, tags, tagseq, meta;
    uint32_t max_batch_events;
    uint64_t max_batch_bytes;
    uint64_t max_record;
    uint64_t max_unindexed;
    pthread_t writer;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* writer: work or close */
    pthread_cond_t done_cv; /* synchronous callers */
    lreq *head, *tail;
    bool closing;
    bool inflight; /* the writer holds a batch */
    bool no_sync; /* fsync = off: acknowledge right after the commit */
    akti_pend_map pending; /* pids with writes queued or in flight */
    void (*hook)(void *arg); /* watch: after each commit (under mu) */
    void *hook_arg;
    _Atomic uint64_t n_commits, n_writes, n_events;
    /* the tail index: changed by the writer (or open) under tmu, read by
     * the writer without it and by readers under it */
    pthread_mutex_t tmu;
    tpid **tb; /* hash buckets */
    size_t ntb, ntp;
    tpid *qhead, *qtail; /* ids with a tail, by qkey */
    uint64_t tail_n; /* records in the tail index */
    uint8_t *scratch; /* the writer's copy buffer for moves */
    size_t scratch_cap;
} lj;

static uint64_t
tp_hash(const char *pid, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (uint8_t)pid[i]) * 1099511628211ull;
    }
    return h;
}

static tpid *
tp_find(const lj *j, const char *pid, size_t npid)
{
    if (j->ntb == 0) {
        return NULL;
    }
    for (tpid *t = j->tb[tp_hash(pid, npid) & (j->ntb - 1)]; t; t = t->hnext) {
        if (t->npid == npid && memcmp(t->pid, pid, npid) == 0) {
            return t;
        }
    }
    return NULL;
}

/* the entry of pid (created empty); NULL: out of memory. Under tmu. */
static tpid *
tp_get(lj *j, const char *pid, size_t npid, uint64_t id)
{
    tpid *t = tp_find(j, pid, npid);
    if (t) {
        return t;
    }
    if (j->ntp >= j->ntb) { /* grow: load factor <= 1 */
        size_t nb = j->ntb ? j->ntb * 2 : 1024;
        tpid **b = calloc(nb, sizeof(*b));
        if (b == NULL) {
            return NULL;
        }
        for (size_t i = 0; i < j->ntb; i++) {
            for (tpid *x = j->tb[i], *nx; x; x = nx) {
                nx = x->hnext;
                size_t h = tp_hash(x->pid, x->npid) & (nb - 1);
                x->hnext = b[h];
                b[h] = x;
            }
        }
        free(j->tb);
        j->tb = b;
        j->ntb = nb;
    }
    t = calloc(1, sizeof(*t) + npid + 1);
    if (t == NULL) {
        return NULL;
    }
    memcpy(t->pid, pid, npid);
    t->npid = npid;
    t->id = id;
    size_t h = tp_hash(pid, npid) & (j->ntb - 1);
    t->hnext = j->tb[h];
    j->tb[h] = t;
    j->ntp++;
    return t;
}

static void
tq_remove(lj *j, tpid *t)
{
    if (t->qprev) {
        t->qprev->qnext = t->qnext;
    } else {
        j->qhead = t->qnext;
    }
    if (t->qnext) {
        t->qnext->qprev = t->qprev;
    } else {
        j->qtail = t->qprev;
    }
    t->qprev = t->qnext = NULL;
}

/* room for `more` records after the live ones; false: out of memory.
 * Under tmu (it may move t->v). */
static bool
tp_ensure(tpid *t, size_t more)
{
    size_t live = t->n - t->off;
    if (t->n + more <= t->cap) {
        return true;
    }
    if (t->off > 0) { /* reuse the dropped front */
        memmove(t->v, t->v + t->off, live * sizeof(tent));
        t->n = live;
        t->off = 0;
        if (t->n + more <= t->cap) {
            return true;
        }
    }
    size_t nc = t->cap ? t->cap * 2 : 8;
    while (nc < live + more) {
        nc *= 2;
    }
    tent *v = realloc(t->v, nc * sizeof(tent));
    if (v == NULL) {
        return false;
    }
    t->v = v;
    t->cap = nc;
    return true;
}

/* one more record of t in the tail (room made by tp_ensure). Under tmu. */
static void
tp_push(lj *j, tpid *t, uint64_t seq, uint64_t gseq)
{
    if (t->off == t->n) { /* empty: joins the queue at its end */
        if (t->n > 0) {
            t->off = t->n = 0;
        }
        t->qkey = gseq;
        t->qnext = NULL;
        t->qprev = j->qtail;
        if (j->qtail) {
            j->qtail->qnext = t;
        } else {
            j->qhead = t;
        }
        j->qtail = t;
    }
    t->v[t->n++] = (tent) { seq, gseq };
    j->tail_n++;
}

/* drop t's tail records with seq <= upto (all: UINT64_MAX). Under tmu. */
static void
tp_drop(lj *j, tpid *t, uint64_t upto)
{
    while (t->off < t->n && t->v[t->off].seq <= upto) {
        t->off++;
        j->tail_n--;
    }
    if (t->off == t->n) {
        if (t->qprev || t->qnext || j->qhead == t) {
            tq_remove(j, t);
        }
        t->off = t->n = 0;
    }
}

static void
tp_free_all(lj *j)
{
    for (size_t i = 0; i < j->ntb; i++) {
        for (tpid *x = j->tb[i], *nx; x; x = nx) {
            nx = x->hnext;
            free(x->v);
            free(x);
        }
    }
    free(j->tb);
    j->tb = NULL;
    j->ntb = j->ntp = 0;
    j->qhead = j->qtail = NULL;
    j->tail_n = 0;
}

static void
key_pe(uint8_t k[16], uint64_t id, uint64_t seq)
{
    akti_be64_put(k, id);
    akti_be64_put(k + 8, seq);
}

static int
meta_get(lj *j, MDB_txn *t, const char *name, uint64_t *v)
{
    MDB_val k = { strlen(name), (void *)name }, d;
    int rc = mdb_get(t, j->meta, &k, &d);
    if (rc == MDB_NOTFOUND) {
        *v = 0;
        return 0;
    }
    if (rc == 0) {
        *v = d.mv_size == 8 ? akti_be64_get(d.mv_data) : 0;
    }
    return rc;
}

static int
meta_put(lj *j, MDB_txn *t, const char *name, uint64_t v)
{
    uint8_t b[8];
    akti_be64_put(b, v);
    MDB_val k = { strlen(name), (void *)name }, d = { 8, b };
    return mdb_put(t, j->meta, &k, &d, 0);
}

typedef struct pid_row {
    uint64_t id, highest, deleted_to;
} pid_row;

/* 0 and *found; an MDB error otherwise */
static int
row_get(
    lj *j, MDB_txn *t, const char *pid, size_t npid, pid_row *r, bool *found)
{
    MDB_val k = { npid, (void *)pid }, d;
    int rc = mdb_get(t, j->pids, &k, &d);
    *found = false;
    if (rc == MDB_NOTFOUND) {
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    if (d.mv_size != 24) {
        return MDB_CORRUPTED;
    }
    const uint8_t *p = d.mv_data;
    r->id = akti_be64_get(p);
    r->highest = akti_be64_get(p + 8);
    r->deleted_to = akti_be64_get(p + 16);
    *found = true;
    return 0;
}

static int
row_put(lj *j, MDB_txn *t, const char *pid, size_t npid, const pid_row *r)
{
    uint8_t b[24];
    akti_be64_put(b, r->id);
    akti_be64_put(b + 8, r->highest);
    akti_be64_put(b + 16, r->deleted_to);
    MDB_val k = { npid, (void *)pid }, d = { 24, b };
    return mdb_put(t, j->pids, &k, &d, 0);
}

static int
do_write(lj *j, MDB_txn *t, lreq *r, uint64_t *g, uint64_t *npid)
{
    pid_row row;
    bool found;
    int rc = row_get(j, t, r->pid, r->npid, &row, &found);
    if (rc != 0) {
        return rc;
    }
    /* validate before the first put: a rejected write leaves no trace */
    uint64_t prev = found ? row.highest : 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->ev[i].seq <= prev) {
            r->st = AKT_WRITE_FAILED; /* another writer, or a reused number */
            r->rc = AKT_ESTATE;
            return 0;
        }
        if (r->ev[i].len > j->max_record) {
            r->st = AKT_WRITE_REJECTED;
            r->rc = AKT_ETOOBIG;
            return 0;
        }
        prev = r->ev[i].seq;
    }
    if (!found) {
        row = (pid_row) { .id = ++*npid };
        uint8_t k[8];
        akti_be64_put(k, row.id);
        MDB_val kv = { 8, k }, dv = { r->npid, (void *)r->pid };
        if ((rc = mdb_put(t, j->pid_ids, &kv, &dv, 0)) != 0) {
            return rc;
        }
    }
    r->pid_id = row.id;
    for (size_t i = 0; i < r->n; i++) {
        lj_ev *e = &r->ev[i];
        uint64_t gs = ++*g;
        e->gseq = gs;
        akti_prec_set_gseq(e->rec, e->len, gs);
        uint8_t ref[24], gk[8];
        key_pe(ref, row.id, e->seq);
        akti_be64_put(ref + 16, gs);
        akti_be64_put(gk, gs);
        /* the record goes to the end of the wal (dense pages); events
         * gets it later, in bulk (move_tails) */
        MDB_val wk = { 8, gk }, wv = { 16 + e->len, NULL };
        if ((rc = mdb_put(t, j->wal, &wk, &wv, MDB_APPEND | MDB_RESERVE))
            != 0) {
            return rc;
        }
        memcpy(wv.mv_data, ref, 16);
        memcpy((uint8_t *)wv.mv_data + 16, e->rec, e->len);
        MDB_val lk = { 8, gk }, lv = { 16, ref };
        if ((rc = mdb_put(t, j->log, &lk, &lv, MDB_APPEND)) != 0) {
            return rc;
        }
        if (!e->tagged) {
            continue;
        }
        akt_prepr ev;
        const char *tagv[AKT_PERSIST_MAX_TAGS];
        if (akti_prec_decode(e->rec, e->len, &ev, tagv) != AKT_OK) {
            return MDB_CORRUPTED; /* our own encoding: cannot happen */
        }
        for (size_t ti = 0; ti < ev.ntags; ti++) {
            size_t tl = strlen(ev.tags[ti]);
            uint64_t ts = 0;
            MDB_val sk = { tl, (void *)ev.tags[ti] }, sv;
            rc = mdb_get(t, j->tagseq, &sk, &sv);
            if (rc == 0 && sv.mv_size == 8) {
                ts = akti_be64_get(sv.mv_data);
            } else if (rc != 0 && rc != MDB_NOTFOUND) {
                return rc;
            }
            ts++;
            uint8_t tsb[8];
            akti_be64_put(tsb, ts);
            MDB_val nv = { 8, tsb };
            if ((rc = mdb_put(t, j->tagseq, &sk, &nv, 0)) != 0) {
                return rc;
            }
            uint8_t tk[AKT_PERSIST_MAX_TAG_LEN + 9];
            memcpy(tk, ev.tags[ti], tl);
            tk[tl] = 0;
            akti_be64_put(tk + tl + 1, ts);
            MDB_val tkv = { tl + 9, tk }, tvv = { 24, ref };
            if ((rc = mdb_put(t, j->tags, &tkv, &tvv, 0)) != 0) {
                return rc;
            }
        }
    }
    row.highest = r->ev[r->n - 1].seq;
    if ((rc = row_put(j, t, r->pid, r->npid, &row)) != 0) {
        return rc;
    }
    r->st = AKT_WRITE_OK;
    r->rc = AKT_OK;
    return 0;
}

static int
do_delete(lj *j, MDB_txn *t, lreq *r)
{
    pid_row row;
    bool found;
    int rc = row_get(j, t, r->pid, r->npid, &row, &found);
    if (rc != 0 || !found) {
        return rc;
    }
    uint64_t upto = r->to < row.highest ? r->to : row.highest;
    if (upto <= row.deleted_to) {
        return 0;
    }
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t, j->events, &c)) != 0) {
        return rc;
    }
    uint8_t k[16];
    key_pe(k, row.id, row.deleted_to + 1);
    MDB_val kv = { 16, k }, dv;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);
    while (rc == 0) {
        if (kv.mv_size != 16 || akti_be64_get(kv.mv_data) != row.id
            || akti_be64_get((uint8_t *)kv.mv_data + 8) > upto) {
            break;
        }
        if ((rc = mdb_cursor_del(c, 0)) != 0) {
            break;
        }
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        return rc;
    }
    row.deleted_to = upto; /* highest stays */
    r->pid_id = row.id;
    r->deleted_to = upto; /* the tail index drops these after the commit */
    return row_put(j, t, r->pid, r->npid, &row);
}

/* copy a wal value out of the map (a later put may move its page) */
static int
wal_get(lj *j, MDB_txn *t, uint64_t gseq, MDB_val *out)
{
    uint8_t gk[8];
    akti_be64_put(gk, gseq);
    MDB_val k = { 8, gk }, d;
    int rc = mdb_get(t, j->wal, &k, &d);
    if (rc != 0) {
        return rc;
    }
    if (d.mv_size > j->scratch_cap) {
        size_t nc = d.mv_size * 2;
        uint8_t *b = realloc(j->scratch, nc);
        if (b == NULL) {
            return ENOMEM;
        }
        j->scratch = b;
        j->scratch_cap = nc;
    }
    memcpy(j->scratch, d.mv_data, d.mv_size);
    out->mv_data = j->scratch;
    out->mv_size = d.mv_size;
    return 0;
}

/* While the tail holds more than max_unindexed records, move the whole
 * tails of the ids whose tails are oldest into `events`; *moved: how many
 * ids (the first ones of the queue; the tail index forgets them after the
 * commit). Then delete the wal records older than every remaining tail
 * (`first_new`: the gseq this batch starts at). */
static int
move_tails(lj *j, MDB_txn *t, uint64_t first_new, size_t *moved)
{
    *moved = 0;
    uint64_t over
        = j->tail_n > j->max_unindexed ? j->tail_n - j->max_unindexed : 0;
    uint64_t done = 0;
    tpid *q = j->qhead;
    int rc = 0;
    for (; q && done < over; q = q->qnext) {
        for (size_t i = q->off; i < q->n; i++) {
            MDB_val wv;
            if ((rc = wal_get(j, t, q->v[i].gseq, &wv)) != 0) {
                return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
            }
            if (wv.mv_size < 16 || akti_be64_get(wv.mv_data) != q->id
                || akti_be64_get((uint8_t *)wv.mv_data + 8) != q->v[i].seq) {
                return MDB_CORRUPTED;
            }
            MDB_val kv = { 16, wv.mv_data },
                    dv = { wv.mv_size - 16, (uint8_t *)wv.mv_data + 16 };
            if ((rc = mdb_put(t, j->events, &kv, &dv, 0)) != 0) {
                return rc;
            }
        }
        done += q->n - q->off;
        ++*moved;
    }
    /* every wal record below the oldest remaining tail is in events (or
     * deleted): q is the first id that keeps its tail */
    uint64_t keep_from = q ? q->qkey : first_new;
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t, j->wal, &c)) != 0) {
        return rc;
    }
    MDB_val kv, dv;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_FIRST);
    while (
        rc == 0 && kv.mv_size == 8 && akti_be64_get(kv.mv_data) < keep_from) {
        if ((rc = mdb_cursor_del(c, 0)) != 0) {
            break;
        }
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* before the commit: room in the tail index for every record of the batch
 * (tail_apply cannot fail after a durable commit); false: out of memory */
static bool
tail_reserve(lj *j, lreq *batch)
{
    bool ok = true;
    pthread_mutex_lock(&j->tmu);
    for (lreq *r = batch; r && ok; r = r->next) {
        if (r->kind == RQ_WRITE && r->st == AKT_WRITE_OK) {
            tpid *tp = tp_get(j, r->pid, r->npid, r->pid_id);
            if (tp == NULL) {
                ok = false;
            } else {
                tp->resv += r->n;
            }
            r->tp = tp;
        }
    }
    for (lreq *r = batch; r; r = r->next) {
        tpid *tp = r->tp;
        if (r->kind != RQ_WRITE || r->st != AKT_WRITE_OK || tp == NULL
            || tp->resv == 0) {
            continue;
        }
        if (ok && !tp_ensure(tp, tp->resv)) {
            ok = false;
        }
        tp->resv = 0;
    }
    pthread_mutex_unlock(&j->tmu);
    return ok;
}

/* after a commit: the tail index forgets the moved ids' tails, takes the
 * batch's records and drops what its deletes removed (batch order) */
static void
tail_apply(lj *j, lreq *batch, size_t moved)
{
    pthread_mutex_lock(&j->tmu);
    for (size_t i = 0; i < moved && j->qhead; i++) {
        tp_drop(j, j->qhead, UINT64_MAX);
    }
    for (lreq *r = batch; r; r = r->next) {
        if (r->kind == RQ_WRITE && r->st == AKT_WRITE_OK) {
            for (size_t i = 0; i < r->n; i++) { /* room: tail_reserve */
                tp_push(j, r->tp, r->ev[i].seq, r->ev[i].gseq);
            }
        } else if (r->kind == RQ_DELETE && r->deleted_to > 0) {
            tpid *tp = tp_find(j, r->pid, r->npid);
            if (tp) {
                tp_drop(j, tp, r->deleted_to);
            }
        }
    }
    pthread_mutex_unlock(&j->tmu);
}

/* true when the batch committed (its successful writes are visible) */
static bool
commit_batch(lj *j, lreq *batch)
{
    MDB_txn *t = NULL;
    akt_err fail = AKT_OK;
    uint64_t g = 0, npid = 0;
    int rc = mdb_txn_begin(j->env, NULL, 0, &t);
    if (rc == 0) {
        rc = meta_get(j, t, "gseq", &g);
    }
    if (rc == 0) {
        rc = meta_get(j, t, "next_pid", &npid);
    }
    size_t moved = 0;
    if (rc == 0) {
        rc = move_tails(j, t, g + 1, &moved);
    }
    for (lreq *r = batch; r && rc == 0; r = r->next) {
        if (r->kind == RQ_WRITE) {
            rc = do_write(j, t, r, &g, &npid);
        } else if (r->kind == RQ_DELETE) {
            rc = do_delete(j, t, r);
        }
    }
    if (rc == 0) {
        rc = meta_put(j, t, "gseq", g);
    }
    if (rc == 0) {
        rc = meta_put(j, t, "next_pid", npid);
    }
    if (rc == 0 && !tail_reserve(j, batch)) {
        rc = ENOMEM;
    }
    if (rc == 0) {
        rc = mdb_txn_commit(t); /* durable on return (unless no_sync) */
        t = NULL;
    }
    if (t) {
        mdb_txn_abort(t);
    }
    if (rc != 0) {
        fail = map_mdb(rc);
    } else {
        tail_apply(j, batch, moved);
    }
    uint64_t nw = 0, ne = 0;
    for (lreq *r = batch; r; r = r->next) {
        if (fail != AKT_OK) {
            if (r->kind == RQ_WRITE && r->st == AKT_WRITE_OK) {
                r->st = AKT_WRITE_FAILED;
                r->rc = fail;
            } else if (r->kind == RQ_DELETE) {
                r->rc = fail;
            }
        } else if (r->kind == RQ_WRITE && r->st == AKT_WRITE_OK) {
            nw++;
            ne += r->n;
        }
    }
    if (fail == AKT_OK) {
        atomic_fetch_add(&j->n_commits, 1);
        atomic_fetch_add(&j->n_writes, nw);
        atomic_fetch_add(&j->n_events, ne);
    }
    return fail == AKT_OK;
}

/* acknowledge a batch: callbacks, then (under mu) the live-query hook, the
 * pending set and the synchronous requests, which live on their callers'
 * stacks and are released last */
static void
ack_batch(lj *j, lreq *batch, bool committed)
{
    lreq *sync = NULL, **stail = &sync, *done = NULL, **dtail = &done;
    for (lreq *r = batch, *next; r; r = next) {
        next = r->next;
        r->next = NULL;
        if (r->kind == RQ_WRITE) {
            r->cb(r->arg, r->st, r->rc);
            *dtail = r;
            dtail = &r->next;
        } else {
            *stail = r;
            stail = &r->next;
        }
    }
    pthread_mutex_lock(&j->mu);
    if (committed && j->hook) {
        j->hook(j->hook_arg); /* live queries: only signals */
    }
    for (lreq *r = done, *next; r; r = next) {
        next = r->next;
        akti_pend_done(&j->pending, r->pid, r->npid);
        free(r);
    }
    for (lreq *r = sync, *next; r; r = next) {
        next = r->next;
        r->done = true;
    }
    pthread_cond_broadcast(&j->done_cv);
    pthread_mutex_unlock(&j->mu);
}

/* the meta page of a committed batch could not be made durable: its
 * writes have an unknown outcome (as a failed commit) */
static void
fail_unsynced(lreq *batch, int rc)
{
    for (lreq *r = batch; r; r = r->next) {
        if (r->kind == RQ_WRITE && r->st == AKT_WRITE_OK) {
            r->st = AKT_WRITE_FAILED;
            r->rc = map_mdb(rc);
        } else if (r->kind == RQ_DELETE) {
            r->rc = map_mdb(rc);
        }
    }
}

/* The environment is opened with MDB_NOMETASYNC: a commit writes its
 * pages, fdatasyncs them, then writes its meta page without a second
 * sync. That meta page becomes durable with the next commit's fdatasync
 * (same file), or with mdb_env_sync when nothing follows. So a committed
 * batch is held and acknowledged after the next commit returned (or an
 * explicit sync): one fsync per commit instead of two, and still no
 * acknowledgement before the batch is durable. */
static void *
lj_writer(void *arg)
{
    lj *j = arg;
    lreq *held = NULL; /* committed, its meta page not yet synced */
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (j->head == NULL && !j->closing && held == NULL) {
            pthread_cond_wait(&j->cv, &j->mu);
        }
        if (j->head == NULL) {
            if (held == NULL) {
                break; /* closing, nothing left */
            }
            /* nothing follows: sync the held batch's meta page now */
            pthread_mutex_unlock(&j->mu);
            int rc = mdb_env_sync(j->env, 1);
            if (rc != 0) {
                fail_unsynced(held, rc);
            }
            ack_batch(j, held, rc == 0);
            held = NULL;
            pthread_mutex_lock(&j->mu);
            continue;
        }
        /* everything queued, up to the caps (one request always goes) */
        lreq *batch = j->head, *last = batch;
        uint64_t evs = batch->n, bytes = batch->bytes;
        while (last->next && evs + last->next->n <= j->max_batch_events
            && bytes + last->next->bytes <= j->max_batch_bytes) {
            last = last->next;
            evs += last->n;
            bytes += last->bytes;
        }
        j->head = last->next;
        if (j->head == NULL) {
            j->tail = NULL;
        }
        last->next = NULL;
        j->inflight = true;
        pthread_mutex_unlock(&j->mu);

        bool committed = commit_batch(j, batch);

        if (held) {
            /* a successful commit's fdatasync carried the held meta page;
             * a failed one synced nothing */
            int rc = committed ? 0 : mdb_env_sync(j->env, 1);
            if (rc != 0) {
                fail_unsynced(held, rc);
            }
            ack_batch(j, held, rc == 0);
            held = NULL;
        }
        if (committed && !j->no_sync) {
            held = batch;
        } else {
            ack_batch(j, batch, committed);
        }
        pthread_mutex_lock(&j->mu);
        j->inflight = false;
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

static akt_err
lj_enqueue(lj *j, lreq *r)
{
    pthread_mutex_lock(&j->mu);
    if (j->closing) {
        pthread_mutex_unlock(&j->mu);
        return AKT_ECLOSED;
    }
    if (r->kind == RQ_WRITE && !akti_pend_add(&j->pending, r->pid, r->npid)) {
        pthread_mutex_unlock(&j->mu);
        return AKT_ENOMEM;
    }
    r->next = NULL;
    if (j->tail) {
        j->tail->next = r;
    } else {
        j->head = r;
    }
    j->tail = r;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    return AKT_OK;
}

/* a request on the caller's stack: queue it, wait until the writer did it.
 * skip_if_idle: not when no write of r->pid is queued or in flight */
static akt_err
lj_sync(lj *j, lreq *r, bool skip_if_idle)
{
    pthread_mutex_lock(&j->mu);
    if (j->closing) {
        pthread_mutex_unlock(&j->mu);
        return AKT_ECLOSED;
    }
    if (skip_if_idle && !akti_pend_has(&j->pending, r->pid, r->npid)) {
        pthread_mutex_unlock(&j->mu); /* nothing of pid before us */
        return AKT_OK;
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
    while (!r->done) {
        pthread_cond_wait(&j->done_cv, &j->mu);
    }
    pthread_mutex_unlock(&j->mu);
    return r->rc;
}

static akt_err
lj_write(
    void *impl, const akt_atomic_write *w, akt_journal_write_cb cb, void *arg)
{
    lj *j = impl;
    size_t npid = strlen(w->pid);
    if (npid == 0 || npid > MAX_PID_LEN || w->n == 0) {
        return AKT_EINVAL;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < w->n; i++) {
        if (w->events[i].ntags > AKT_PERSIST_MAX_TAGS) {
            return AKT_EINVAL;
        }
        bytes += akti_prec_size(&w->events[i]);
    }
    size_t head = sizeof(lreq) + w->n * sizeof(lj_ev);
    lreq *r = malloc(head + bytes + npid + 1);
    if (r == NULL) {
        return AKT_ENOMEM;
    }
    memset(r, 0, sizeof(*r));
    r->kind = RQ_WRITE;
    r->cb = cb;
    r->arg = arg;
    r->n = w->n;
    r->ev = (lj_ev *)(r + 1);
    r->bytes = bytes;
    uint8_t *p = (uint8_t *)r + head;
    for (size_t i = 0; i < w->n; i++) {
        akt_prepr e = w->events[i];
        e.gseq = 0;
        r->ev[i].seq = e.seq;
        r->ev[i].tagged = e.ntags > 0;
        r->ev[i].rec = p;
        r->ev[i].len = akti_prec_size(&e);
        akti_prec_encode(&e, p);
        p += r->ev[i].len;
    }
    memcpy(p, w->pid, npid + 1);
    r->pid = (const char *)p;
    r->npid = npid;
    akt_err rc = lj_enqueue(j, r);
    if (rc != AKT_OK) {
        free(r);
    }
    return rc;
}

/* replay one record: key/value of `events`, or a wal value (16 + record) */
static akt_err
replay_one(const void *rec, size_t len, uint64_t seq, akt_journal_replay_fn fn,
    void *arg)
{
    akt_prepr ev;
    const char *tagv[AKT_PERSIST_MAX_TAGS];
    if (akti_prec_decode(rec, len, &ev, tagv) != AKT_OK) {
        return AKT_EPROTO;
    }
    ev.seq = seq;
    return fn(arg, &ev);
}

static akt_err
lj_replay(void *impl, const char *pid, uint64_t from, uint64_t to, uint64_t max,
    akt_journal_replay_fn fn, void *arg)
{
    lj *j = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    if (max == 0 || to == 0 || from > to) {
        return AKT_OK;
    }
    /* the id's tail first, then the snapshot (at least as new as it) */
    tent *tail = NULL;
    size_t ntail = 0;
    pthread_mutex_lock(&j->tmu);
    tpid *tp = tp_find(j, pid, npid);
    if (tp && tp->n > tp->off) {
        size_t lo = tp->off, hi_ = tp->n; /* first seq >= from (ascending) */
        while (lo < hi_) {
            size_t mid = lo + (hi_ - lo) / 2;
            if (tp->v[mid].seq < from) {
                lo = mid + 1;
            } else {
                hi_ = mid;
            }
        }
        size_t hi = lo;
        while (hi < tp->n && tp->v[hi].seq <= to && hi - lo < max) {
            hi++;
        }
        if (hi > lo) {
            tail = malloc((hi - lo) * sizeof(tent));
            if (tail == NULL) {
                pthread_mutex_unlock(&j->tmu);
                return AKT_ENOMEM;
            }
            memcpy(tail, tp->v + lo, (hi - lo) * sizeof(tent));
            ntail = hi - lo;
        }
    }
    pthread_mutex_unlock(&j->tmu);
    MDB_txn *t;
    int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &t);
    if (rc != 0) {
        free(tail);
        return map_mdb(rc);
    }
    pid_row row;
    bool found;
    akt_err out = AKT_OK;
    rc = row_get(j, t, pid, npid, &row, &found);
    if (rc != 0 || !found) {
        mdb_txn_abort(t);
        free(tail);
        return map_mdb(rc);
    }
    uint64_t start = from > row.deleted_to ? from : row.deleted_to + 1;
    if (start == 0) {
        start = 1;
    }
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t, j->events, &c)) != 0) {
        mdb_txn_abort(t);
        free(tail);
        return map_mdb(rc);
    }
    uint8_t k[16];
    key_pe(k, row.id, start);
    MDB_val kv = { 16, k }, dv;
    uint64_t count = 0, last = start - 1;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);
    while (rc == 0 && count < max) {
        if (kv.mv_size != 16 || akti_be64_get(kv.mv_data) != row.id) {
            break;
        }
        uint64_t seq = akti_be64_get((uint8_t *)kv.mv_data + 8);
        if (seq > to) {
            break;
        }
        if ((out = replay_one(dv.mv_data, dv.mv_size, seq, fn, arg))
            != AKT_OK) {
            break;
        }
        last = seq;
        count++;
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    if (out == AKT_OK && rc != 0 && rc != MDB_NOTFOUND) {
        out = map_mdb(rc);
    }
    mdb_cursor_close(c);
    /* then the records only in the wal (those the scan did not see); a
     * write's records have consecutive gseqs: the cursor steps to them */
    MDB_cursor *wc = NULL;
    if (out == AKT_OK && ntail > 0
        && (rc = mdb_cursor_open(t, j->wal, &wc)) != 0) {
        out = map_mdb(rc);
        wc = NULL;
    }
    uint64_t at = 0; /* the gseq the wal cursor is on; 0: none */
    for (size_t i = 0; out == AKT_OK && i < ntail && count < max; i++) {
        if (tail[i].seq <= last || tail[i].seq < start) {
            continue; /* moved to events since the copy, or deleted */
        }
        uint8_t gk[8];
        akti_be64_put(gk, tail[i].gseq);
        MDB_val wk = { 8, gk }, wv;
        if (at != 0 && tail[i].gseq == at + 1) {
            rc = mdb_cursor_get(wc, &wk, &wv, MDB_NEXT);
            if (rc == 0
                && (wk.mv_size != 8
                    || akti_be64_get(wk.mv_data) != tail[i].gseq)) {
                rc = MDB_NOTFOUND;
            }
        } else {
            rc = mdb_cursor_get(wc, &wk, &wv, MDB_SET_KEY);
        }
        if (rc != 0) {
            out = rc == MDB_NOTFOUND ? AKT_EPROTO : map_mdb(rc);
            break;
        }
        at = tail[i].gseq;
        if (wv.mv_size < 16 || akti_be64_get(wv.mv_data) != row.id
            || akti_be64_get((uint8_t *)wv.mv_data + 8) != tail[i].seq) {
            out = AKT_EPROTO;
            break;
        }
        out = replay_one(
            (uint8_t *)wv.mv_data + 16, wv.mv_size - 16, tail[i].seq, fn, arg);
        last = tail[i].seq;
        count++;
    }
    if (wc != NULL) {
        mdb_cursor_close(wc);
    }
    mdb_txn_abort(t);
    free(tail);
    return out;
}

static akt_err
lj_highest(void *impl, const char *pid, uint64_t *out)
{
    lj *j = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    /* wait for every write queued before this call (a restarted actor
     * must not reuse a number its old incarnation is still writing) */
    lreq bar = { .kind = RQ_BARRIER, .pid = pid, .npid = npid };
    akt_err rc = lj_sync(j, &bar, true);
    if (rc != AKT_OK) {
        return rc;
    }
    MDB_txn *t;
    int mrc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &t);
    if (mrc != 0) {
        return map_mdb(mrc);
    }
    pid_row row;
    bool found;
    mrc = row_get(j, t, pid, npid, &row, &found);
    mdb_txn_abort(t);
    *out = mrc == 0 && found ? row.highest : 0;
    return map_mdb(mrc);
}

static akt_err
lj_delete_to(void *impl, const char *pid, uint64_t to)
{
    lj *j = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    lreq r = { .kind = RQ_DELETE, .pid = pid, .npid = npid, .to = to };
    return lj_sync(j, &r, false);
}

/* a tag entry's event (ref: be64 pid_id | be64 seq | be64 gseq) in the
 * wal: 0 with *rec; MDB_NOTFOUND when deleted; an error otherwise */
static int
tag_in_wal(lj *j, MDB_txn *t, const char *pid, const uint8_t *ref, MDB_val *rec)
{
    pid_row row;
    bool found;
    int rc = row_get(j, t, pid, strlen(pid), &row, &found);
    if (rc != 0) {
        return rc;
    }
    uint64_t seq = akti_be64_get(ref + 8);
    if (!found || seq <= row.deleted_to) {
        return MDB_NOTFOUND;
    }
    MDB_val wk = { 8, (void *)(ref + 16) }, wv;
    if ((rc = mdb_get(t, j->wal, &wk, &wv)) != 0) {
        return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
    }
    if (wv.mv_size < 16 || memcmp(wv.mv_data, ref, 16) != 0) {
        return MDB_CORRUPTED;
    }
    rec->mv_data = (uint8_t *)wv.mv_data + 16;
    rec->mv_size = wv.mv_size - 16;
    return 0;
}

/* --- the queries' shared steps ---------------------------------------------
 * Each query reads in one read-only transaction (a point-in-time view)
 * with one cursor: q_begin opens both, q_end closes both and maps the
 * cursor's last code (MDB_NOTFOUND: the end) unless the walk already
 * failed. */

static akt_err
q_begin(lj *j, MDB_dbi dbi, MDB_txn **t, MDB_cursor **c)
{
    int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, t);
    if (rc == 0 && (rc = mdb_cursor_open(*t, dbi, c)) != 0) {
        mdb_txn_abort(*t);
    }
    return map_mdb(rc);
}

static akt_err
q_end(MDB_txn *t, MDB_cursor *c, akt_err out, int rc)
{
    if (out == AKT_OK && rc != 0 && rc != MDB_NOTFOUND) {
        out = map_mdb(rc);
    }
    mdb_cursor_close(c);
    mdb_txn_abort(t);
    return out;
}

/* the persistence id named by the be64 pid_id at key into buf (MAX_PID_LEN
 * + 1 bytes): 0, MDB_CORRUPTED for a bad name, or LMDB's code */
static int
q_pid_name(lj *j, MDB_txn *t, const void *key, char *buf, size_t *len)
{
    MDB_val pk = { 8, (void *)key }, pv;
    int rc = mdb_get(t, j->pid_ids, &pk, &pv);
    if (rc == 0 && (pv.mv_size == 0 || pv.mv_size > MAX_PID_LEN)) {
        rc = MDB_CORRUPTED;
    }
    if (rc == 0) {
        memcpy(buf, pv.mv_data, pv.mv_size);
        buf[pv.mv_size] = '\0';
        *len = pv.mv_size;
    }
    return rc;
}

/* the record at ref (be64 pid_id | be64 seq | be64 gseq) of pid: from the
 * per-id index, else (not moved yet) the wal; MDB_NOTFOUND when deleted */
static int
q_record(lj *j, MDB_txn *t, const char *pid, const uint8_t *ref, MDB_val *rec)
{
    MDB_val ek = { 16, (void *)ref };
    int rc = mdb_get(t, j->events, &ek, rec);
    return rc == MDB_NOTFOUND ? tag_in_wal(j, t, pid, ref, rec) : rc;
}

/* decode rec (a record of event seq) and hand it to fn */
static akt_err
q_emit(const MDB_val *rec, uint64_t seq, uint64_t off, const char *pid,
    akt_journal_tag_fn fn, void *arg)
{
    akt_prepr ev;
    const char *tagv[AKT_PERSIST_MAX_TAGS];
    if (akti_prec_decode(rec->mv_data, rec->mv_size, &ev, tagv) != AKT_OK) {
        return AKT_EPROTO;
    }
    ev.seq = seq;
    return fn(arg, off, pid, &ev);
}

static akt_err
lj_by_tag(void *impl, const char *tag, uint64_t after, uint64_t max,
    akt_journal_tag_fn fn, void *arg)
{
    lj *j = impl;
    size_t tl = strlen(tag);
    if (tl == 0 || tl > AKT_PERSIST_MAX_TAG_LEN) {
        return AKT_EINVAL;
    }
    MDB_txn *t;
    MDB_cursor *c;
    akt_err out = q_begin(j, j->tags, &t, &c);
    if (out != AKT_OK) {
        return out;
    }
    uint8_t k[AKT_PERSIST_MAX_TAG_LEN + 9];
    memcpy(k, tag, tl);
    k[tl] = 0;
    akti_be64_put(k + tl + 1, after + 1);
    MDB_val kv = { tl + 9, k }, dv;
    uint64_t count = 0;
    char pidbuf[MAX_PID_LEN + 1];
    int rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);
    while (rc == 0 && count < max) {
        if (kv.mv_size != tl + 9 || memcmp(kv.mv_data, k, tl + 1) != 0) {
            break;
        }
        uint64_t off = akti_be64_get((uint8_t *)kv.mv_data + tl + 1);
        if (dv.mv_size != 16 && dv.mv_size != 24) {
            out = AKT_EPROTO;
            break;
        }
        /* a tag entry of the first format has no gseq (16 bytes): its
         * event is in the per-id index or deleted, never in the wal */
        MDB_val ek = { 16, dv.mv_data }, ev_v;
        int erc = mdb_get(t, j->events, &ek, &ev_v);
        size_t plen;
        if (erc == 0 || (erc == MDB_NOTFOUND && dv.mv_size == 24)) {
            int prc = q_pid_name(j, t, dv.mv_data, pidbuf, &plen);
            if (prc != 0) {
                out = prc == MDB_CORRUPTED ? AKT_EPROTO : map_mdb(prc);
                break;
            }
            if (erc != 0) { /* not moved yet, or deleted (skipped) */
                erc = tag_in_wal(j, t, pidbuf, dv.mv_data, &ev_v);
            }
        }
        if (erc == 0) {
            out = q_emit(&ev_v, akti_be64_get((uint8_t *)dv.mv_data + 8), off,
                pidbuf, fn, arg);
            if (out != AKT_OK) {
                break;
            }
            count++;
        } else if (erc != MDB_NOTFOUND) {
            out = map_mdb(erc);
            break;
        }
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    return q_end(t, c, out, rc);
}

static akt_err
lj_persistence_ids(void *impl, const char *after, uint64_t max,
    akt_journal_pid_fn fn, void *arg)
{
    lj *j = impl;
    size_t na = strlen(after);
    if (na > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    if (max == 0) {
        return AKT_OK;
    }
    MDB_txn *t;
    MDB_cursor *c;
    akt_err out = q_begin(j, j->pids, &t, &c);
    if (out != AKT_OK) {
        return out;
    }
    /* keys are the id strings, in LMDB's order: bytes, then length, which
     * is strcmp's order for strings without NULs */
    MDB_val kv = { na, (void *)after }, dv;
    int rc = na ? mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE)
                : mdb_cursor_get(c, &kv, &dv, MDB_FIRST);
    if (rc == 0 && na && kv.mv_size == na
        && memcmp(kv.mv_data, after, na) == 0) {
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT); /* strictly after */
    }
    uint64_t count = 0;
    char pidbuf[MAX_PID_LEN + 1];
    while (rc == 0 && count < max) {
        if (kv.mv_size == 0 || kv.mv_size > MAX_PID_LEN) {
            out = AKT_EPROTO;
            break;
        }
        memcpy(pidbuf, kv.mv_data, kv.mv_size);
        pidbuf[kv.mv_size] = '\0';
        if ((out = fn(arg, pidbuf)) != AKT_OK) {
            break;
        }
        count++;
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    return q_end(t, c, out, rc);
}

/* every event by global sequence number: the log (gseq -> id, seq), the
 * record from the per-id index or, not moved yet, from the wal */
static akt_err
lj_events_all(
    void *impl, uint64_t after, uint64_t max, akt_journal_tag_fn fn, void *arg)
{
    lj *j = impl;
    if (max == 0 || after == UINT64_MAX) {
        return AKT_OK;
    }
    MDB_txn *t;
    MDB_cursor *c;
    akt_err out = q_begin(j, j->log, &t, &c);
    if (out != AKT_OK) {
        return out;
    }
    uint8_t k[8];
    akti_be64_put(k, after + 1);
    MDB_val kv = { 8, k }, dv;
    uint64_t count = 0, last_id = 0;
    char pidbuf[MAX_PID_LEN + 1];
    pid_row row = { 0 };
    int rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);
    while (rc == 0 && count < max) {
        if (kv.mv_size != 8 || dv.mv_size != 16) {
            out = AKT_EPROTO;
            break;
        }
        uint64_t gseq = akti_be64_get(kv.mv_data);
        uint64_t id = akti_be64_get(dv.mv_data);
        uint64_t seq = akti_be64_get((uint8_t *)dv.mv_data + 8);
        if (id != last_id) { /* the id's name and deleted_to */
            bool found = false;
            size_t plen;
            int prc = q_pid_name(j, t, dv.mv_data, pidbuf, &plen);
            if (prc == 0) {
                prc = row_get(j, t, pidbuf, plen, &row, &found);
            }
            if (prc == 0 && !found) {
                prc = MDB_CORRUPTED;
            }
            if (prc != 0) {
                out = prc == MDB_NOTFOUND || prc == MDB_CORRUPTED
                    ? AKT_EPROTO
                    : map_mdb(prc);
                break;
            }
            last_id = id;
        }
        if (seq > row.deleted_to) {
            uint8_t ref[24];
            memcpy(ref, dv.mv_data, 16);
            akti_be64_put(ref + 16, gseq);
            MDB_val ev_v;
            int erc = q_record(j, t, pidbuf, ref, &ev_v);
            if (erc != 0) {
                out = erc == MDB_NOTFOUND ? AKT_EPROTO : map_mdb(erc);
                break;
            }
            if ((out = q_emit(&ev_v, seq, gseq, pidbuf, fn, arg)) != AKT_OK) {
                break;
            }
            count++;
        }
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    return q_end(t, c, out, rc);
}

static void
lj_stats(void *impl, akt_journal_stats *out)
{
    lj *j = impl;
    out->commits = atomic_load(&j->n_commits);
    out->writes = atomic_load(&j->n_writes);
    out->events = atomic_load(&j->n_events);
}

static void
lj_close(void *impl)
{
    lj *j = impl;
    pthread_mutex_lock(&j->mu);
    j->closing = true; /* the writer drains the queue, then ends */
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->writer, NULL);
    mdb_env_close(j->env);
    tp_free_all(j);
    free(j->scratch);
    pthread_mutex_destroy(&j->tmu);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->cv);
    pthread_cond_destroy(&j->done_cv);
    free(j);
}

static void
lj_watch(void *impl, void (*hook)(void *arg), void *arg)
{
    lj *j = impl;
    pthread_mutex_lock(&j->mu);
    j->hook = hook;
    j->hook_arg = arg;
    pthread_mutex_unlock(&j->mu);
}

static const akt_journal_ops lmdb_journal_ops = {
    .name = "lmdb",
    .write = lj_write,
    .replay = lj_replay,
    .highest = lj_highest,
    .delete_to = lj_delete_to,
    .events_by_tag = lj_by_tag,
    .stats = lj_stats,
    .close = lj_close,
    .watch = lj_watch,
    .persistence_ids = lj_persistence_ids,
    .events_all = lj_events_all,
};

/* open: the tail index from the wal (in gseq order, so every id's records
 * come in ascending seq and the queue is in qkey order) */
static int
tail_load(lj *j, MDB_txn *t)
{
    MDB_cursor *c;
    int rc = mdb_cursor_open(t, j->wal, &c);
    if (rc != 0) {
        return rc;
    }
    MDB_val kv, dv;
    uint64_t last_id = 0;
    char pid[MAX_PID_LEN + 1];
    size_t npid = 0;
    pid_row row = { 0 };
    tpid *tp = NULL;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_FIRST);
    while (rc == 0) {
        if (kv.mv_size != 8 || dv.mv_size < 16) {
            rc = MDB_CORRUPTED;
            break;
        }
        uint64_t gseq = akti_be64_get(kv.mv_data);
        uint64_t id = akti_be64_get(dv.mv_data);
        uint64_t seq = akti_be64_get((uint8_t *)dv.mv_data + 8);
        if (id != last_id || tp == NULL) {
            uint8_t ik[8];
            akti_be64_put(ik, id);
            MDB_val ikv = { 8, ik }, pv;
            bool found = false;
            if ((rc = mdb_get(t, j->pid_ids, &ikv, &pv)) != 0 || pv.mv_size == 0
                || pv.mv_size > MAX_PID_LEN) {
                rc = rc ? rc : MDB_CORRUPTED;
                rc = rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
                break;
            }
            npid = pv.mv_size;
            memcpy(pid, pv.mv_data, npid);
            pid[npid] = '\0';
            if ((rc = row_get(j, t, pid, npid, &row, &found)) != 0) {
                break;
            }
            if (!found || row.id != id) {
                rc = MDB_CORRUPTED;
                break;
            }
            if ((tp = tp_get(j, pid, npid, id)) == NULL) {
                rc = ENOMEM;
                break;
            }
            last_id = id;
        }
        uint8_t ek[16];
        key_pe(ek, id, seq);
        MDB_val ekv = { 16, ek }, ev;
        int erc = mdb_get(t, j->events, &ekv, &ev);
        if (erc == MDB_NOTFOUND && seq > row.deleted_to) {
            /* only in the wal: part of the tail */
            if (!tp_ensure(tp, 1)) {
                rc = ENOMEM;
                break;
            }
            tp_push(j, tp, seq, gseq);
        } else if (erc != 0 && erc != MDB_NOTFOUND) {
            rc = erc;
            break;
        }
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

akt_err
akt_journal_open_lmdb(const akt_lmdb_options *o, const akt_registry *reg,
    akt_journal **out, akt_persist_error *err)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    lj *j = calloc(1, sizeof(*j));
    if (j == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = open_env(o, 1ull << 30, 9, MDB_NOMETASYNC, &j->env, err);
    if (rc != AKT_OK) {
        free(j);
        return rc;
    }
    j->max_batch_events = o->max_batch_events ? o->max_batch_events : 10000;
    j->max_batch_bytes = o->max_batch_bytes ? o->max_batch_bytes : 16u << 20;
    j->max_record = o->max_record_size ? o->max_record_size : 16u << 20;
    j->max_unindexed
        = o->max_unindexed_events ? o->max_unindexed_events : 65536;
    j->no_sync = o->no_sync;
    pthread_mutex_init(&j->tmu, NULL);
    MDB_txn *t;
    int mrc = mdb_txn_begin(j->env, NULL, 0, &t);
    struct {
        const char *name;
        MDB_dbi *dbi;
    } dbs[] = { { "wal", &j->wal }, { "events", &j->events },
        { "pids", &j->pids }, { "pid_ids", &j->pid_ids }, { "log", &j->log },
        { "tags", &j->tags }, { "tagseq", &j->tagseq }, { "meta", &j->meta } };
    for (size_t i = 0; mrc == 0 && i < sizeof(dbs) / sizeof(dbs[0]); i++) {
        mrc = mdb_dbi_open(t, dbs[i].name, MDB_CREATE, dbs[i].dbi);
    }
    uint64_t format = 0;
    if (mrc == 0) {
        mrc = meta_get(j, t, "format", &format);
    }
    if (mrc == 0 && format > LJ_FORMAT) {
        mdb_txn_abort(t);
        akti_perr(err,
            "lmdb: %s: journal format %" PRIu64
            " is newer than this build reads (%d)",
            o->dir, format, LJ_FORMAT);
        pthread_mutex_destroy(&j->tmu);
        mdb_env_close(j->env);
        free(j);
        return AKT_EPROTO;
    }
    if (mrc == 0 && format < LJ_FORMAT) {
        /* format 1 (no wal) is format 2 with nothing in the wal; format 2
         * is format 3 without writer ids */
        mrc = meta_put(j, t, "format", LJ_FORMAT);
    }
    bool in_log = false;
    if (mrc == 0) {
        mrc = tail_load(j, t);
        in_log = mrc != 0;
    }
    if (mrc == 0) {
        mrc = mdb_txn_commit(t);
    } else {
        mdb_txn_abort(t);
    }
    if (mrc != 0) {
        if (in_log && map_mdb(mrc) == AKT_EPROTO) {
            akti_perr(err,
                "lmdb: %s: the journal's write-ahead log is damaged (a "
                "record that names no persistence id, or is cut short)",
                o->dir);
        } else {
            akti_perr(err, "lmdb: %s: %s", o->dir, mdb_strerror(mrc));
        }
        tp_free_all(j);
        pthread_mutex_destroy(&j->tmu);
        mdb_env_close(j->env);
        free(j);
        return map_mdb(mrc);
    }
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->cv, NULL);
    pthread_cond_init(&j->done_cv, NULL);
    if (pthread_create(&j->writer, NULL, lj_writer, j) != 0) {
        mdb_env_close(j->env);
        free(j);
        return AKT_ENOMEM;
    }
    rc = akt_journal_new(&lmdb_journal_ops, j, reg, j->max_record, out);
    if (rc != AKT_OK) {
        lj_close(j);
    }
    return rc;
}

/* ============================ snapshot store ============================== */

typedef struct ls {
    MDB_env *env;
    MDB_dbi db;
} ls;

static size_t
snap_key(uint8_t *k, const char *pid, size_t npid, uint64_t seq)
{
    memcpy(k, pid, npid);
    k[npid] = 0;
    akti_be64_put(k + npid + 1, seq);
    return npid + 9;
}

static bool
snap_key_of(const MDB_val *kv, const char *pid, size_t npid, uint64_t *seq)
{
    if (kv->mv_size != npid + 9 || memcmp(kv->mv_data, pid, npid) != 0
        || ((uint8_t *)kv->mv_data)[npid] != 0) {
        return false;
    }
    *seq = akti_be64_get((uint8_t *)kv->mv_data + npid + 1);
    return true;
}

static akt_err
ls_save(void *impl, const akt_snapshot_meta *m, const akt_snapshot_blob *b)
{
    ls *s = impl;
    size_t npid = strlen(m->pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    uint8_t k[MAX_PID_LEN + 9];
    MDB_val kv = { snap_key(k, m->pid, npid, m->seq), k };
    MDB_val dv = { akti_psnap_size(b->len), NULL };
    MDB_txn *t;
    int rc = mdb_txn_begin(s->env, NULL, 0, &t);
    if (rc != 0) {
        return map_mdb(rc);
    }
    rc = mdb_put(t, s->db, &kv, &dv, MDB_RESERVE);
    if (rc == 0) {
        akti_psnap_encode(b, m->timestamp_ms, dv.mv_data);
        rc = mdb_txn_commit(t);
    } else {
        mdb_txn_abort(t);
    }
    return map_mdb(rc);
}

static akt_err
ls_load(void *impl, const char *pid, akt_snapshot_criteria c,
    akt_snapshot_load_fn fn, void *arg)
{
    ls *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    if (c.max_seq < c.min_seq || c.max_ts < c.min_ts) {
        return AKT_ENOENT;
    }
    MDB_txn *t;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t);
    if (rc != 0) {
        return map_mdb(rc);
    }
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(t, s->db, &cur)) != 0) {
        mdb_txn_abort(t);
        return map_mdb(rc);
    }
    uint8_t k[MAX_PID_LEN + 9];
    size_t kl = snap_key(k, pid, npid, c.max_seq);
    MDB_val kv = { kl, k }, dv;
    rc = mdb_cursor_get(cur, &kv, &dv, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) {
        rc = mdb_cursor_get(cur, &kv, &dv, MDB_LAST);
    } else if (rc == 0 && (kv.mv_size != kl || memcmp(kv.mv_data, k, kl))) {
        rc = mdb_cursor_get(cur, &kv, &dv, MDB_PREV); /* past the bound */
    }
    akt_err out = AKT_ENOENT;
    while (rc == 0) {
        uint64_t seq;
        if (!snap_key_of(&kv, pid, npid, &seq) || seq < c.min_seq) {
            break;
        }
        akt_snapshot_blob b;
        int64_t ts;
        if (akti_psnap_decode(dv.mv_data, dv.mv_size, &b, &ts) != AKT_OK) {
            out = AKT_EPROTO; /* never "none": events may be gone */
            break;
        }
        if (ts >= c.min_ts && ts <= c.max_ts) {
            akt_snapshot_meta m = { pid, seq, ts };
            out = fn(arg, &m, &b);
            break;
        }
        rc = mdb_cursor_get(cur, &kv, &dv, MDB_PREV);
    }
    if (out == AKT_ENOENT && rc != 0 && rc != MDB_NOTFOUND) {
        out = map_mdb(rc);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(t);
    return out;
}

static akt_err
ls_remove(void *impl, const char *pid, uint64_t seq, int64_t ts)
{
    ls *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    uint8_t k[MAX_PID_LEN + 9];
    MDB_val kv = { snap_key(k, pid, npid, seq), k }, dv;
    MDB_txn *t;
    int rc = mdb_txn_begin(s->env, NULL, 0, &t);
    if (rc != 0) {
        return map_mdb(rc);
    }
    rc = mdb_get(t, s->db, &kv, &dv);
    if (rc == 0) {
        akt_snapshot_blob b;
        int64_t sts;
        bool keep = ts != 0
            && akti_psnap_decode(dv.mv_data, dv.mv_size, &b, &sts) == AKT_OK
            && sts > ts;
        rc = keep ? 0 : mdb_del(t, s->db, &kv, NULL);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(t);
    } else {
        mdb_txn_abort(t);
        if (rc == MDB_NOTFOUND) {
            rc = 0;
        }
    }
    return map_mdb(rc);
}

static akt_err
ls_remove_matching(void *impl, const char *pid, akt_snapshot_criteria c)
{
    ls *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    MDB_txn *t;
    int rc = mdb_txn_begin(s->env, NULL, 0, &t);
    if (rc != 0) {
        return map_mdb(rc);
    }
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(t, s->db, &cur)) != 0) {
        mdb_txn_abort(t);
        return map_mdb(rc);
    }
    uint8_t k[MAX_PID_LEN + 9];
    MDB_val kv = { snap_key(k, pid, npid, c.min_seq), k }, dv;
    rc = mdb_cursor_get(cur, &kv, &dv, MDB_SET_RANGE);
    while (rc == 0) {
        uint64_t seq;
        if (!snap_key_of(&kv, pid, npid, &seq) || seq > c.max_seq) {
            break;
        }
        akt_snapshot_blob b;
        int64_t ts;
        bool match = akti_psnap_decode(dv.mv_data, dv.mv_size, &b, &ts)
                != AKT_OK /* a damaged one in range goes too */
            || (ts >= c.min_ts && ts <= c.max_ts);
        if (match) {
            if ((rc = mdb_cursor_del(cur, 0)) != 0) {
                break;
            }
        }
        rc = mdb_cursor_get(cur, &kv, &dv, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        mdb_txn_abort(t);
        return map_mdb(rc);
    }
    return map_mdb(mdb_txn_commit(t));
}

static void
ls_close(void *impl)
{
    ls *s = impl;
    mdb_env_close(s->env);
    free(s);
}

static const akt_snapshot_ops lmdb_snapshot_ops = {
    .name = "lmdb",
    .save = ls_save,
    .load = ls_load,
    .remove = ls_remove,
    .remove_matching = ls_remove_matching,
    .close = ls_close,
};

akt_err
akt_snapshot_store_open_lmdb(const akt_lmdb_options *o, const akt_registry *reg,
    akt_snapshot_store **out, akt_persist_error *err)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    ls *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = open_env(o, 256ull << 20, 2, 0, &s->env, err);
    if (rc != AKT_OK) {
        free(s);
        return rc;
    }
    MDB_txn *t;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &t);
    if (mrc == 0) {
        mrc = mdb_dbi_open(t, "snapshots", MDB_CREATE, &s->db);
        mrc = mrc == 0 ? mdb_txn_commit(t) : (mdb_txn_abort(t), mrc);
    }
    if (mrc != 0) {
        akti_perr(err, "lmdb: %s: %s", o->dir, mdb_strerror(mrc));
        ls_close(s);
        return map_mdb(mrc);
    }
    rc = akt_snapshot_store_new(&lmdb_snapshot_ops, s, reg, out);
    if (rc != AKT_OK) {
        ls_close(s);
    }
    return rc;
}

/* ============================ durable state =============================== */

/* Another environment, one database
 *   state  pid -> be64 revision | snapshot record (type id, payload, crc)
 * each operation one short transaction on the caller's thread. */

typedef struct lst {
    MDB_env *env;
    MDB_dbi db;
} lst;

static akt_err
lst_get(void *impl, const char *pid, akt_state_get_fn fn, void *arg)
{
    lst *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    MDB_txn *t;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t);
    if (rc != 0) {
        return map_mdb(rc);
    }
    MDB_val kv = { npid, (void *)pid }, dv;
    rc = mdb_get(t, s->db, &kv, &dv);
    akt_err out;
    if (rc == MDB_NOTFOUND) {
        out = AKT_ENOENT;
    } else if (rc != 0) {
        out = map_mdb(rc);
    } else {
        akt_snapshot_blob b;
        int64_t ts;
        if (dv.mv_size < 8
            || akti_psnap_decode(
                   (const uint8_t *)dv.mv_data + 8, dv.mv_size - 8, &b, &ts)
                != AKT_OK) {
            out = AKT_EPROTO; /* never "none" */
        } else {
            out = fn(arg, akti_be64_get(dv.mv_data), &b);
        }
    }
    mdb_txn_abort(t);
    return out;
}

/* pid's stored revision (0: none) in t */
static int
lst_revision(lst *s, MDB_txn *t, const char *pid, size_t npid, uint64_t *rev)
{
    MDB_val kv = { npid, (void *)pid }, dv;
    int rc = mdb_get(t, s->db, &kv, &dv);
    *rev = 0;
    if (rc == MDB_NOTFOUND) {
        return 0;
    }
    if (rc == 0) {
        if (dv.mv_size < 8) {
            return MDB_CORRUPTED;
        }
        *rev = akti_be64_get(dv.mv_data);
    }
    return rc;
}

static akt_err
lst_upsert(
    void *impl, const char *pid, uint64_t revision, const akt_snapshot_blob *v)
{
    lst *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN || revision == 0) {
        return AKT_EINVAL;
    }
    MDB_txn *t;
    int rc = mdb_txn_begin(s->env, NULL, 0, &t);
    if (rc != 0) {
        return map_mdb(rc);
    }
    uint64_t cur;
    rc = lst_revision(s, t, pid, npid, &cur);
    if (rc == 0 && cur != revision - 1) {
        mdb_txn_abort(t);
        return AKT_ESTATE; /* not the next revision */
    }
    MDB_val kv = { npid, (void *)pid };
    MDB_val dv = { 8 + akti_psnap_size(v->len), NULL };
    if (rc == 0) {
        rc = mdb_put(t, s->db, &kv, &dv, MDB_RESERVE);
    }
    if (rc == 0) {
        akti_be64_put(dv.mv_data, revision);
        akti_psnap_encode(v, akti_persist_now_ms(), (uint8_t *)dv.mv_data + 8);
        rc = mdb_txn_commit(t);
    } else {
        mdb_txn_abort(t);
    }
    return map_mdb(rc);
}

static akt_err
lst_remove(void *impl, const char *pid, uint64_t revision)
{
    lst *s = impl;
    size_t npid = strlen(pid);
    if (npid == 0 || npid > MAX_PID_LEN) {
        return AKT_EINVAL;
    }
    MDB_txn *t;
    int rc = mdb_txn_begin(s->env, NULL, 0, &t);
    if (rc != 0) {
        return map_mdb(rc);
    }
    uint64_t cur;
    rc = lst_revision(s, t, pid, npid, &cur);
    if (rc == 0 && cur == 0) {
        mdb_txn_abort(t);
        return AKT_OK; /* nothing to delete */
    }
    if (rc == 0 && revision != 0 && cur != revision) {
        mdb_txn_abort(t);
        return AKT_ESTATE;
    }
    MDB_val kv = { npid, (void *)pid };
    if (rc == 0) {
        rc = mdb_del(t, s->db, &kv, NULL);
    }
    if (rc == 0) {
        rc = mdb_txn_commit(t);
    } else {
        mdb_txn_abort(t);
    }
    return map_mdb(rc);
}

static void
lst_close(void *impl)
{
    lst *s = impl;
    mdb_env_close(s->env);
    free(s);
}

static const akt_state_ops lmdb_state_ops = {
    .name = "lmdb",
    .get = lst_get,
    .upsert = lst_upsert,
    .remove = lst_remove,
    .close = lst_close,
};

akt_err
akt_state_store_open_lmdb(const akt_lmdb_options *o, const akt_registry *reg,
    akt_state_store **out, akt_persist_error *err)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    lst *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = open_env(o, 256ull << 20, 2, 0, &s->env, err);
    if (rc != AKT_OK) {
        free(s);
        return rc;
    }
    MDB_txn *t;
    int mrc = mdb_txn_begin(s->env, NULL, 0, &t);
    if (mrc == 0) {
        mrc = mdb_dbi_open(t, "state", MDB_CREATE, &s->db);
        mrc = mrc == 0 ? mdb_txn_commit(t) : (mdb_txn_abort(t), mrc);
    }
    if (mrc != 0) {
        akti_perr(err, "lmdb: %s: %s", o->dir, mdb_strerror(mrc));
        lst_close(s);
        return map_mdb(mrc);
    }
    rc = akt_state_store_new(&lmdb_state_ops, s, reg, out);
    if (rc != AKT_OK) {
        lst_close(s);
    }
    return rc;
}
