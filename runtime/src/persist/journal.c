/*
 * journal.c -- the journal and snapshot-store front ends: what sits
 * between callers (persistent actors, tools, the TCK) and a plug-in's ops
 * table. Writes are encoded here (akt_msg_encode), so a plug-in only ever
 * sees type ids and bytes, and an event that cannot be serialized is
 * rejected before it reaches the store. Replay decodes through the
 * registry: an unknown type id fails with a text naming it.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/persistence.h"
#include "persist/persist_impl.h"

struct akt_journal {
    const akt_journal_ops *ops;
    void *impl;
    const akt_registry *reg;
    uint64_t max_record;
};

struct akt_snapshot_store {
    const akt_snapshot_ops *ops;
    void *impl;
    const akt_registry *reg;
};

int64_t
akti_persist_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
akti_perr(akt_persist_error *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
}

/* --- journal ---------------------------------------------------------------
 */

akt_err
akt_journal_new(const akt_journal_ops *ops, void *impl, const akt_registry *reg,
    uint64_t max_record_size, akt_journal **out)
{
    if (ops == NULL || ops->write == NULL || ops->replay == NULL
        || ops->highest == NULL || ops->delete_to == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    akt_journal *j = calloc(1, sizeof(*j));
    if (j == NULL) {
        return AKT_ENOMEM;
    }
    j->ops = ops;
    j->impl = impl;
    j->reg = reg;
    j->max_record = max_record_size ? max_record_size : 16u << 20;
    *out = j;
    return AKT_OK;
}

void
akt_journal_close(akt_journal *j)
{
    if (j == NULL) {
        return;
    }
    if (j->ops->close) {
        j->ops->close(j->impl);
    }
    free(j);
}

const akt_registry *
akt_journal_registry(const akt_journal *j)
{
    return j ? j->reg : NULL;
}

static bool
tags_ok(const akt_jevent *e)
{
    if (e->ntags > AKT_PERSIST_MAX_TAGS || (e->ntags && e->tags == NULL)) {
        return false;
    }
    for (size_t i = 0; i < e->ntags; i++) {
        size_t l = e->tags[i] ? strlen(e->tags[i]) : 0;
        if (l == 0 || l > AKT_PERSIST_MAX_TAG_LEN) {
            return false;
        }
    }
    return true;
}

akt_err
akt_journal_write(akt_journal *j, const char *pid, uint64_t first_seq,
    const akt_jevent *events, size_t n, akt_journal_write_cb cb, void *arg)
{
    if (j == NULL || pid == NULL || pid[0] == '\0' || events == NULL || n == 0
        || cb == NULL || first_seq == 0 || first_seq + n < first_seq) {
        return AKT_EINVAL;
    }
    akt_err rc = AKT_OK;
    akt_prepr stack_ev[4];
    akt_buf stack_buf[4];
    akt_prepr *ev = n <= 4 ? stack_ev : calloc(n, sizeof(*ev));
    akt_buf *buf = n <= 4 ? stack_buf : calloc(n, sizeof(*buf));
    if (ev == NULL || buf == NULL) {
        rc = AKT_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        akt_buf_init(&buf[i]);
    }
    int64_t now = akti_persist_now_ms();
    for (size_t i = 0; i < n; i++) {
        const akt_jevent *e = &events[i];
        if (e->msg == NULL || !tags_ok(e)) {
            rc = AKT_EINVAL;
            goto out;
        }
        if ((rc = akt_msg_encode(e->msg, &buf[i])) != AKT_OK) {
            goto out; /* no codec: AKT_EINVAL, a rejection */
        }
        if (buf[i].len > j->max_record) {
            rc = AKT_ETOOBIG;
            goto out;
        }
        ev[i] = (akt_prepr) {
            .seq = first_seq + i,
            .type_id = akt_msg_type(e->msg)->id,
            .timestamp_ms = now,
            .data = buf[i].data,
            .len = buf[i].len,
            .tags = e->tags,
            .ntags = e->ntags,
        };
    }
    akt_atomic_write w = { .pid = pid, .events = ev, .n = n };
    rc = j->ops->write(j->impl, &w, cb, arg);
out:
    if (buf) {
        for (size_t i = 0; i < n; i++) {
            akt_buf_free(&buf[i]);
        }
    }
    if (ev != stack_ev) {
        free(ev);
    }
    if (buf != stack_buf) {
        free(buf);
    }
    return rc;
}

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    akt_write_status st;
    akt_err rc;
} waiter;

static void
wait_cb(void *arg, akt_write_status st, akt_err rc)
{
    waiter *w = arg;
    pthread_mutex_lock(&w->mu);
    w->st = st;
    w->rc = rc;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

akt_err
akt_journal_write_wait(akt_journal *j, const char *pid, uint64_t first_seq,
    const akt_jevent *events, size_t n, akt_write_status *st)
{
    waiter w = { .done = false };
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    akt_err rc = akt_journal_write(j, pid, first_seq, events, n, wait_cb, &w);
    if (rc == AKT_OK) {
        pthread_mutex_lock(&w.mu);
        while (!w.done) {
            pthread_cond_wait(&w.cv, &w.mu);
        }
        pthread_mutex_unlock(&w.mu);
        rc = w.st == AKT_WRITE_OK ? AKT_OK : w.rc != AKT_OK ? w.rc : AKT_EIO;
        if (st) {
            *st = w.st;
        }
    } else if (st) {
        *st = AKT_WRITE_REJECTED;
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return rc;
}

typedef struct replay_ctx {
    akt_journal *j;
    akt_system *sys;
    const char *pid;
    akt_replay_fn fn;
    void *arg;
    akt_persist_error *err;
    uint64_t last_id; /* the previous event's type: most replays have few */
    const akt_type *last_type;
} replay_ctx;

static akt_err
replay_one(void *arg, const akt_prepr *ev)
{
    replay_ctx *c = arg;
    const akt_type *t = c->last_type;
    if (t == NULL || c->last_id != ev->type_id) {
        t = c->j->reg ? akt_registry_find(c->j->reg, ev->type_id) : NULL;
        c->last_id = ev->type_id;
        c->last_type = t;
    }
    if (t == NULL) {
        akti_perr(c->err,
            "%s: event %" PRIu64 " has unknown type id 0x%016" PRIx64
            " (not in the journal's registry)",
            c->pid, ev->seq, ev->type_id);
        return AKT_ETYPE;
    }
    void *msg = NULL;
    akt_err rc = akt_msg_decode_in(c->sys, t, ev->data, ev->len, NULL, &msg);
    if (rc != AKT_OK) {
        akti_perr(c->err,
            "%s: event %" PRIu64 " of type %s does not decode: %s", c->pid,
            ev->seq, t->name, akt_strerror(rc));
        return rc;
    }
    rc = c->fn(c->arg, ev, msg);
    akt_msg_free(msg);
    return rc;
}

akt_err
akt_journal_replay(akt_journal *j, akt_system *sys, const char *pid,
    uint64_t from, uint64_t to, uint64_t max, akt_replay_fn fn, void *arg,
    akt_persist_error *err)
{
    if (j == NULL || pid == NULL || fn == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    replay_ctx c = { j, sys, pid, fn, arg, err, 0, NULL };
    akt_err rc = j->ops->replay(j->impl, pid, from, to, max, replay_one, &c);
    if (rc != AKT_OK && err && err->text[0] == '\0') {
        akti_perr(err, "%s: replay failed: %s", pid, akt_strerror(rc));
    }
    return rc;
}

akt_err
akt_journal_replay_raw(akt_journal *j, const char *pid, uint64_t from,
    uint64_t to, uint64_t max, akt_journal_replay_fn fn, void *arg)
{
    if (j == NULL || pid == NULL || fn == NULL) {
        return AKT_EINVAL;
    }
    return j->ops->replay(j->impl, pid, from, to, max, fn, arg);
}

akt_err
akt_journal_highest(akt_journal *j, const char *pid, uint64_t *out)
{
    if (j == NULL || pid == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    return j->ops->highest(j->impl, pid, out);
}

akt_err
akt_journal_delete_to(akt_journal *j, const char *pid, uint64_t to)
{
    if (j == NULL || pid == NULL) {
        return AKT_EINVAL;
    }
    return j->ops->delete_to(j->impl, pid, to);
}

akt_err
akt_journal_events_by_tag(akt_journal *j, const char *tag, uint64_t after,
    uint64_t max, akt_journal_tag_fn fn, void *arg)
{
    if (j == NULL || tag == NULL || fn == NULL) {
        return AKT_EINVAL;
    }
    if (j->ops->events_by_tag == NULL) {
        return AKT_ENOTSUP;
    }
    return j->ops->events_by_tag(j->impl, tag, after, max, fn, arg);
}

akt_err
akt_journal_stats_get(akt_journal *j, akt_journal_stats *out)
{
    if (j == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof(*out));
    if (j->ops->stats == NULL) {
        return AKT_ENOTSUP;
    }
    j->ops->stats(j->impl, out);
    return AKT_OK;
}

/* --- snapshot store --------------------------------------------------------
 */

akt_err
akt_snapshot_store_new(const akt_snapshot_ops *ops, void *impl,
    const akt_registry *reg, akt_snapshot_store **out)
{
    if (ops == NULL || ops->save == NULL || ops->load == NULL
        || ops->remove == NULL || ops->remove_matching == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    akt_snapshot_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    s->ops = ops;
    s->impl = impl;
    s->reg = reg;
    *out = s;
    return AKT_OK;
}

void
akt_snapshot_store_close(akt_snapshot_store *s)
{
    if (s == NULL) {
        return;
    }
    if (s->ops->close) {
        s->ops->close(s->impl);
    }
    free(s);
}

akt_err
akt_snapshot_save(akt_snapshot_store *s, const char *pid, uint64_t seq,
    int64_t timestamp_ms, const void *snapshot)
{
    if (s == NULL || pid == NULL || pid[0] == '\0' || snapshot == NULL) {
        return AKT_EINVAL;
    }
    akt_buf b;
    akt_buf_init(&b);
    akt_err rc = akt_msg_encode(snapshot, &b);
    if (rc == AKT_OK) {
        akt_snapshot_meta m
            = { pid, seq, timestamp_ms ? timestamp_ms : akti_persist_now_ms() };
        akt_snapshot_blob blob = { akt_msg_type(snapshot)->id, b.data, b.len };
        rc = s->ops->save(s->impl, &m, &blob);
    }
    akt_buf_free(&b);
    return rc;
}

typedef struct load_ctx {
    akt_snapshot_store *s;
    akt_system *sys;
    akt_snapshot_meta *meta;
    void **out;
    akt_persist_error *err;
} load_ctx;

static akt_err
load_one(void *arg, const akt_snapshot_meta *m, const akt_snapshot_blob *b)
{
    load_ctx *c = arg;
    const akt_type *t
        = c->s->reg ? akt_registry_find(c->s->reg, b->type_id) : NULL;
    if (t == NULL) {
        akti_perr(c->err,
            "%s: snapshot %" PRIu64 " has unknown type id 0x%016" PRIx64,
            m->pid, m->seq, b->type_id);
        return AKT_ETYPE;
    }
    akt_err rc = akt_msg_decode_in(c->sys, t, b->data, b->len, NULL, c->out);
    if (rc != AKT_OK) {
        akti_perr(c->err,
            "%s: snapshot %" PRIu64 " of type %s does not decode: %s", m->pid,
            m->seq, t->name, akt_strerror(rc));
        return rc;
    }
    if (c->meta) {
        c->meta->pid = NULL;
        c->meta->seq = m->seq;
        c->meta->timestamp_ms = m->timestamp_ms;
    }
    return AKT_OK;
}

akt_err
akt_snapshot_load(akt_snapshot_store *s, akt_system *sys, const char *pid,
    akt_snapshot_criteria c, akt_snapshot_meta *meta_out, void **out,
    akt_persist_error *err)
{
    if (s == NULL || pid == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    *out = NULL;
    load_ctx lc = { s, sys, meta_out, out, err };
    akt_err rc = s->ops->load(s->impl, pid, c, load_one, &lc);
    if (rc != AKT_OK && *out) {
        akt_msg_free(*out);
        *out = NULL;
    }
    if (rc != AKT_OK && rc != AKT_ENOENT && err && err->text[0] == '\0') {
        akti_perr(err, "%s: snapshot load failed: %s", pid, akt_strerror(rc));
    }
    return rc;
}

akt_err
akt_snapshot_delete(
    akt_snapshot_store *s, const char *pid, uint64_t seq, int64_t ts)
{
    if (s == NULL || pid == NULL) {
        return AKT_EINVAL;
    }
    return s->ops->remove(s->impl, pid, seq, ts);
}

akt_err
akt_snapshot_delete_matching(
    akt_snapshot_store *s, const char *pid, akt_snapshot_criteria c)
{
    if (s == NULL || pid == NULL) {
        return AKT_EINVAL;
    }
    return s->ops->remove_matching(s->impl, pid, c);
}

/* --- durable state store -----------------------------------------------------
 */

struct akt_state_store {
    const akt_state_ops *ops;
    void *impl;
    const akt_registry *reg;
};

akt_err
akt_state_store_new(const akt_state_ops *ops, void *impl,
    const akt_registry *reg, akt_state_store **out)
{
    if (ops == NULL || ops->get == NULL || ops->upsert == NULL
        || ops->remove == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    akt_state_store *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return AKT_ENOMEM;
    }
    s->ops = ops;
    s->impl = impl;
    s->reg = reg;
    *out = s;
    return AKT_OK;
}

void
akt_state_store_close(akt_state_store *s)
{
    if (s == NULL) {
        return;
    }
    if (s->ops->close) {
        s->ops->close(s->impl);
    }
    free(s);
}

typedef struct state_ctx {
    akt_state_store *s;
    akt_system *sys;
    const char *pid;
    void **out;
    uint64_t *revision;
    akt_persist_error *err;
} state_ctx;

static akt_err
state_one(void *arg, uint64_t revision, const akt_snapshot_blob *b)
{
    state_ctx *c = arg;
    const akt_type *t
        = c->s->reg ? akt_registry_find(c->s->reg, b->type_id) : NULL;
    if (t == NULL) {
        akti_perr(c->err,
            "%s: state revision %" PRIu64 " has unknown type id 0x%016" PRIx64,
            c->pid, revision, b->type_id);
        return AKT_ETYPE;
    }
    akt_err rc = akt_msg_decode_in(c->sys, t, b->data, b->len, NULL, c->out);
    if (rc != AKT_OK) {
        akti_perr(c->err,
            "%s: state revision %" PRIu64 " of type %s does not decode: %s",
            c->pid, revision, t->name, akt_strerror(rc));
        return rc;
    }
    *c->revision = revision;
    return AKT_OK;
}

akt_err
akt_state_get(akt_state_store *s, akt_system *sys, const char *pid, void **out,
    uint64_t *revision, akt_persist_error *err)
{
    if (s == NULL || pid == NULL || pid[0] == '\0' || out == NULL
        || revision == NULL) {
        return AKT_EINVAL;
    }
    if (err) {
        err->text[0] = '\0';
    }
    *out = NULL;
    *revision = 0;
    state_ctx c = { s, sys, pid, out, revision, err };
    akt_err rc = s->ops->get(s->impl, pid, state_one, &c);
    if (rc != AKT_OK) {
        if (*out) {
            akt_msg_free(*out);
            *out = NULL;
        }
        *revision = 0;
    }
    if (rc != AKT_OK && rc != AKT_ENOENT && err && err->text[0] == '\0') {
        akti_perr(err, "%s: state read failed: %s", pid, akt_strerror(rc));
    }
    return rc;
}

akt_err
akt_state_upsert(
    akt_state_store *s, const char *pid, uint64_t revision, const void *value)
{
    if (s == NULL || pid == NULL || pid[0] == '\0' || value == NULL
        || revision == 0) {
        return AKT_EINVAL;
    }
    akt_buf b;
    akt_buf_init(&b);
    akt_err rc = akt_msg_encode(value, &b);
    if (rc == AKT_OK) {
        akt_snapshot_blob blob = { akt_msg_type(value)->id, b.data, b.len };
        rc = s->ops->upsert(s->impl, pid, revision, &blob);
    }
    akt_buf_free(&b);
    return rc;
}

akt_err
akt_state_delete(akt_state_store *s, const char *pid, uint64_t revision)
{
    if (s == NULL || pid == NULL || pid[0] == '\0') {
        return AKT_EINVAL;
    }
    return s->ops->remove(s->impl, pid, revision);
}
