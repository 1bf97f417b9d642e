/*
 * lmdb.c -- the LMDB journal and snapshot store (akt_journal_ops,
 * akt_snapshot_ops).
 *
 * Journal: one environment, named databases
 *   events   be64 pid_id | be64 seq        -> event record (record.h)
 *   pids     pid string                    -> be64 pid_id | be64 highest | be64
 * deleted_to pid_ids  be64 pid_id                   -> pid string log      be64
 * gseq                     -> be64 pid_id | be64 seq tags     tag | 0 | be64
 * tag_seq        -> be64 pid_id | be64 seq tagseq   tag -> be64 last tag_seq
 *   meta     "gseq", "next_pid"            -> be64
 * One writer thread owns every write transaction (LMDB allows one per
 * environment, begun and committed on one OS thread). It takes everything
 * queued (up to max-batch-events / max-batch-bytes), writes it in one
 * transaction and commits; the next batch starts as soon as that commit
 * returned, so a commit's fsync absorbs whatever queued meanwhile (group
 * commit, no timer). Callbacks run strictly after mdb_txn_commit returned
 * 0. Each atomic write is validated (sequence numbers above the highest,
 * sizes) before its first put, so a rejected one leaves no trace; a failed
 * put or commit (map full, I/O) fails every write of the batch.
 * The global sequence and the per-tag sequences are assigned inside the
 * write transaction, so they are gap-free in commit order, and a reader's
 * snapshot (MVCC) always sees a prefix of them.
 * `highest` is stored apart from the events, so deletes never lower it.
 * Reads (replay, highest, tag queries) run on the caller's thread in
 * read-only transactions (MDB_NOTLS: not tied to the thread).
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
    MDB_env **out, akt_persist_error *err)
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
        rc = mdb_env_open(
            env, o->dir, MDB_NOTLS | (o->no_sync ? MDB_NOSYNC : 0), 0644);
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

typedef struct lj_ev {
    uint64_t seq;
    uint8_t *rec;
    size_t len;
    bool tagged; /* the record has tags to index */
} lj_ev;

typedef struct lreq {
    struct lreq *next;
    int kind;
    const char *pid;
    size_t npid;
    /* write */
    akt_journal_write_cb cb;
    void *arg;
    size_t n;
    lj_ev *ev;
    size_t bytes;
    akt_write_status st;
    /* delete */
    uint64_t to;
    /* result, and for the synchronous kinds: done under lj.mu */
    akt_err rc;
    bool done;
} lreq;

typedef struct lj {
    MDB_env *env;
    MDB_dbi events, pids, pid_ids, log, tags, tagseq, meta;
    uint32_t max_batch_events;
    uint64_t max_batch_bytes;
    uint64_t max_record;
    pthread_t writer;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* writer: work or close */
    pthread_cond_t done_cv; /* synchronous callers */
    lreq *head, *tail;
    bool closing;
    bool inflight; /* the writer holds a batch */
    akti_pend_map pending; /* pids with writes queued or in flight */
    void (*hook)(void *arg); /* watch: after each commit (under mu) */
    void *hook_arg;
    _Atomic uint64_t n_commits, n_writes, n_events;
} lj;

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
    for (size_t i = 0; i < r->n; i++) {
        lj_ev *e = &r->ev[i];
        uint64_t gs = ++*g;
        akti_prec_set_gseq(e->rec, e->len, gs);
        uint8_t k[16], ref[16], gk[8];
        key_pe(k, row.id, e->seq);
        memcpy(ref, k, 16);
        akti_be64_put(gk, gs);
        MDB_val kv = { 16, k }, dv = { e->len, e->rec };
        if ((rc = mdb_put(t, j->events, &kv, &dv, MDB_NOOVERWRITE)) != 0) {
            return rc;
        }
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
            MDB_val tkv = { tl + 9, tk }, tvv = { 16, ref };
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
    return row_put(j, t, r->pid, r->npid, &row);
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
    if (rc == 0) {
        rc = mdb_txn_commit(t); /* durable on return (unless no_sync) */
        t = NULL;
    }
    if (t) {
        mdb_txn_abort(t);
    }
    if (rc != 0) {
        fail = map_mdb(rc);
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

static void *
lj_writer(void *arg)
{
    lj *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (j->head == NULL && !j->closing) {
            pthread_cond_wait(&j->cv, &j->mu);
        }
        if (j->head == NULL) {
            break;
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

        /* acknowledge strictly after the commit; synchronous requests
         * live on their callers' stacks: release them last, under mu */
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
        j->inflight = false;
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
    MDB_txn *t;
    int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &t);
    if (rc != 0) {
        return map_mdb(rc);
    }
    pid_row row;
    bool found;
    akt_err out = AKT_OK;
    rc = row_get(j, t, pid, npid, &row, &found);
    if (rc != 0 || !found) {
        mdb_txn_abort(t);
        return map_mdb(rc);
    }
    uint64_t start = from > row.deleted_to ? from : row.deleted_to + 1;
    if (start == 0) {
        start = 1;
    }
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t, j->events, &c)) != 0) {
        mdb_txn_abort(t);
        return map_mdb(rc);
    }
    uint8_t k[16];
    key_pe(k, row.id, start);
    MDB_val kv = { 16, k }, dv;
    uint64_t count = 0;
    rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);
    while (rc == 0 && count < max) {
        if (kv.mv_size != 16 || akti_be64_get(kv.mv_data) != row.id) {
            break;
        }
        uint64_t seq = akti_be64_get((uint8_t *)kv.mv_data + 8);
        if (seq > to) {
            break;
        }
        akt_prepr ev;
        const char *tagv[AKT_PERSIST_MAX_TAGS];
        if (akti_prec_decode(dv.mv_data, dv.mv_size, &ev, tagv) != AKT_OK) {
            out = AKT_EPROTO;
            break;
        }
        ev.seq = seq;
        if ((out = fn(arg, &ev)) != AKT_OK) {
            break;
        }
        count++;
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    if (out == AKT_OK && rc != 0 && rc != MDB_NOTFOUND) {
        out = map_mdb(rc);
    }
    mdb_cursor_close(c);
    mdb_txn_abort(t);
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
    int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &t);
    if (rc != 0) {
        return map_mdb(rc);
    }
    MDB_cursor *c;
    if ((rc = mdb_cursor_open(t, j->tags, &c)) != 0) {
        mdb_txn_abort(t);
        return map_mdb(rc);
    }
    uint8_t k[AKT_PERSIST_MAX_TAG_LEN + 9];
    memcpy(k, tag, tl);
    k[tl] = 0;
    akti_be64_put(k + tl + 1, after + 1);
    MDB_val kv = { tl + 9, k }, dv;
    akt_err out = AKT_OK;
    uint64_t count = 0;
    char pidbuf[MAX_PID_LEN + 1];
    rc = mdb_cursor_get(c, &kv, &dv, MDB_SET_RANGE);
    while (rc == 0 && count < max) {
        if (kv.mv_size != tl + 9 || memcmp(kv.mv_data, k, tl + 1) != 0) {
            break;
        }
        uint64_t off = akti_be64_get((uint8_t *)kv.mv_data + tl + 1);
        if (dv.mv_size != 16) {
            out = AKT_EPROTO;
            break;
        }
        MDB_val ek = { 16, dv.mv_data }, ev_v, pk = { 8, dv.mv_data }, pv;
        int erc = mdb_get(t, j->events, &ek, &ev_v);
        if (erc == 0) { /* a deleted event keeps its offset, and is skipped */
            if ((erc = mdb_get(t, j->pid_ids, &pk, &pv)) != 0
                || pv.mv_size > MAX_PID_LEN) {
                out = erc ? map_mdb(erc) : AKT_EPROTO;
                break;
            }
            memcpy(pidbuf, pv.mv_data, pv.mv_size);
            pidbuf[pv.mv_size] = '\0';
            akt_prepr ev;
            const char *tagv[AKT_PERSIST_MAX_TAGS];
            if (akti_prec_decode(ev_v.mv_data, ev_v.mv_size, &ev, tagv)
                != AKT_OK) {
                out = AKT_EPROTO;
                break;
            }
            ev.seq = akti_be64_get((uint8_t *)dv.mv_data + 8);
            if ((out = fn(arg, off, pidbuf, &ev)) != AKT_OK) {
                break;
            }
            count++;
        } else if (erc != MDB_NOTFOUND) {
            out = map_mdb(erc);
            break;
        }
        rc = mdb_cursor_get(c, &kv, &dv, MDB_NEXT);
    }
    if (out == AKT_OK && rc != 0 && rc != MDB_NOTFOUND) {
        out = map_mdb(rc);
    }
    mdb_cursor_close(c);
    mdb_txn_abort(t);
    return out;
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
};

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
    akt_err rc = open_env(o, 1ull << 30, 8, &j->env, err);
    if (rc != AKT_OK) {
        free(j);
        return rc;
    }
    j->max_batch_events = o->max_batch_events ? o->max_batch_events : 10000;
    j->max_batch_bytes = o->max_batch_bytes ? o->max_batch_bytes : 16u << 20;
    j->max_record = o->max_record_size ? o->max_record_size : 16u << 20;
    MDB_txn *t;
    int mrc = mdb_txn_begin(j->env, NULL, 0, &t);
    struct {
        const char *name;
        MDB_dbi *dbi;
    } dbs[] = { { "events", &j->events }, { "pids", &j->pids },
        { "pid_ids", &j->pid_ids }, { "log", &j->log }, { "tags", &j->tags },
        { "tagseq", &j->tagseq }, { "meta", &j->meta } };
    for (size_t i = 0; mrc == 0 && i < sizeof(dbs) / sizeof(dbs[0]); i++) {
        mrc = mdb_dbi_open(t, dbs[i].name, MDB_CREATE, dbs[i].dbi);
    }
    if (mrc == 0) {
        mrc = mdb_txn_commit(t);
    } else {
        mdb_txn_abort(t);
    }
    if (mrc != 0) {
        akti_perr(err, "lmdb: %s: %s", o->dir, mdb_strerror(mrc));
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
    akt_err rc = open_env(o, 256ull << 20, 2, &s->env, err);
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
    akt_err rc = open_env(o, 256ull << 20, 2, &s->env, err);
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
