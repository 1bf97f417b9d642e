/*
 * pubsub_reg.c -- distributed pub/sub's registry and wire format
 * (pubsub.h): pure functions, fuzzed by tests/cluster/fuzz_pubsub.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/pubsub.h"

/* --- encoding ---------------------------------------------------------------
 */

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    bool bad; /* too big or out of memory */
    akt_err err;
} wbuf;

static void
put(wbuf *w, const void *src, size_t n)
{
    if (w->bad) {
        return;
    }
    if (w->len + n > AKTI_PS_MAX_BYTES) {
        w->bad = true;
        w->err = AKT_ETOOBIG;
        return;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 1024;
        while (cap < w->len + n) {
            cap *= 2;
        }
        uint8_t *q = realloc(w->p, cap);
        if (q == NULL) {
            w->bad = true;
            w->err = AKT_ENOMEM;
            return;
        }
        w->p = q;
        w->cap = cap;
    }
    memcpy(w->p + w->len, src, n);
    w->len += n;
}

static void
put_u8(wbuf *w, uint8_t v)
{
    put(w, &v, 1);
}

static void
put_u64(wbuf *w, uint64_t v, int bytes)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    put(w, b, (size_t)bytes);
}

static void
put_str(wbuf *w, const char *s)
{
    size_t n = strlen(s);
    put_u64(w, n, 2);
    put(w, s, n);
}

static void
put_addr(wbuf *w, const akti_cl_addr *a)
{
    put_str(w, a->system);
    put_str(w, a->host);
    put_u64(w, a->port, 4);
    put_u64(w, a->uid, 8);
}

akt_err
akti_ps_encode(const akti_ps_msg *m, uint8_t **out, size_t *len)
{
    if (m->nb > AKTI_PS_MAX_BUCKETS) {
        return AKT_ETOOBIG;
    }
    wbuf w = { 0 };
    size_t total = 0;
    put_u8(&w, 1);
    put_u8(&w, m->kind);
    put_u8(&w, m->is_reply ? 1 : 0);
    put_addr(&w, &m->from);
    put_u64(&w, m->nb, 4);
    for (size_t i = 0; i < m->nb; i++) {
        const akti_ps_bucket *b = &m->b[i];
        put_addr(&w, &b->owner);
        put_u64(&w, (uint64_t)b->version, 8);
        if (m->kind != AKTI_PS_DELTA) {
            continue;
        }
        total += b->n;
        put_u64(&w, b->n, 4);
        for (size_t k = 0; k < b->n; k++) {
            const akti_ps_entry *e = &b->e[k];
            put_u8(&w, e->kind);
            put_str(&w, e->key);
            put_str(&w, e->group);
            put_str(&w, e->path);
            put_u64(&w, (uint64_t)e->version, 8);
            put_u8(&w, e->removed ? 1 : 0);
        }
    }
    if (total > AKTI_PS_MAX_ENTRIES && !w.bad) {
        w.bad = true;
        w.err = AKT_ETOOBIG;
    }
    if (w.bad) {
        free(w.p);
        return w.err;
    }
    *out = w.p;
    *len = w.len;
    return AKT_OK;
}

/* --- decoding ---------------------------------------------------------------
 */

typedef struct rbuf {
    const uint8_t *p;
    size_t len, off;
    bool bad;
} rbuf;

static uint64_t
get_u(rbuf *r, int bytes)
{
    if (r->bad || r->len - r->off < (size_t)bytes) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v |= (uint64_t)r->p[r->off + (size_t)i] << (8 * i);
    }
    r->off += (size_t)bytes;
    return v;
}

/* a string of min..cap-1 bytes, no NUL */
static void
get_str(rbuf *r, char *dst, size_t cap, size_t min)
{
    size_t n = (size_t)get_u(r, 2);
    if (r->bad || n >= cap || n < min || r->len - r->off < n
        || memchr(r->p + r->off, 0, n) != NULL) {
        r->bad = true;
        dst[0] = '\0';
        return;
    }
    memcpy(dst, r->p + r->off, n);
    dst[n] = '\0';
    r->off += n;
}

static void
get_addr(rbuf *r, akti_cl_addr *a)
{
    memset(a, 0, sizeof(*a));
    get_str(r, a->system, sizeof a->system, 1);
    get_str(r, a->host, sizeof a->host, 1);
    uint64_t port = get_u(r, 4);
    a->port = (uint32_t)port;
    a->uid = get_u(r, 8);
    if (a->uid == 0 || port > 65535) {
        r->bad = true;
    }
}

akt_err
akti_ps_decode(const uint8_t *buf, size_t len, akti_ps_msg *m)
{
    memset(m, 0, sizeof(*m));
    if (buf == NULL || len > AKTI_PS_MAX_BYTES) {
        return AKT_EPROTO;
    }
    rbuf r = { buf, len, 0, false };
    if (get_u(&r, 1) != 1) {
        return AKT_EPROTO;
    }
    uint64_t kind = get_u(&r, 1), reply = get_u(&r, 1);
    if (r.bad || (kind != AKTI_PS_STATUS && kind != AKTI_PS_DELTA)
        || reply > 1) {
        return AKT_EPROTO;
    }
    m->kind = (uint8_t)kind;
    m->is_reply = reply == 1;
    get_addr(&r, &m->from);
    uint64_t nb = get_u(&r, 4);
    /* a bucket takes at least 24 bytes: no count the input cannot hold */
    if (r.bad || nb > AKTI_PS_MAX_BUCKETS || nb > (len - r.off) / 24) {
        return AKT_EPROTO;
    }
    m->b = calloc(nb ? nb : 1, sizeof(*m->b));
    if (m->b == NULL) {
        return AKT_ENOMEM;
    }
    m->nb = (size_t)nb;
    size_t total = 0;
    for (size_t i = 0; i < m->nb && !r.bad; i++) {
        akti_ps_bucket *b = &m->b[i];
        get_addr(&r, &b->owner);
        b->version = (int64_t)get_u(&r, 8);
        if (b->version < 0) {
            r.bad = true;
        }
        for (size_t k = 0; k < i && !r.bad; k++) {
            if (akti_cl_addr_cmp(&m->b[k].owner, &b->owner) == 0) {
                r.bad = true; /* one bucket per owner */
            }
        }
        if (m->kind != AKTI_PS_DELTA || r.bad) {
            continue;
        }
        uint64_t n = get_u(&r, 4);
        /* an entry takes at least 26 bytes */
        if (r.bad || n > (len - r.off) / 26
            || total + n > AKTI_PS_MAX_ENTRIES) {
            r.bad = true;
            break;
        }
        total += (size_t)n;
        b->e = calloc(n ? n : 1, sizeof(*b->e));
        if (b->e == NULL) {
            akti_ps_msg_free(m);
            return AKT_ENOMEM;
        }
        b->n = b->cap = (size_t)n;
        for (size_t k = 0; k < b->n && !r.bad; k++) {
            akti_ps_entry *e = &b->e[k];
            uint64_t ek = get_u(&r, 1);
            get_str(&r, e->key, sizeof e->key, 1);
            get_str(&r, e->group, sizeof e->group, 0);
            get_str(&r, e->path, sizeof e->path, 7);
            e->version = (int64_t)get_u(&r, 8);
            uint64_t rm = get_u(&r, 1);
            if ((ek != AKTI_PS_SUB && ek != AKTI_PS_PUT) || rm > 1
                || e->version <= 0 || e->version > b->version
                || strncmp(e->path, "akt://", 6) != 0
                || (ek == AKTI_PS_PUT && (e->key[0] != '/' || e->group[0]))) {
                r.bad = true;
            }
            e->kind = (uint8_t)ek;
            e->removed = rm == 1;
        }
    }
    if (r.bad || r.off != len) {
        akti_ps_msg_free(m);
        return AKT_EPROTO;
    }
    return AKT_OK;
}

void
akti_ps_msg_free(akti_ps_msg *m)
{
    for (size_t i = 0; i < m->nb; i++) {
        free(m->b[i].e);
    }
    free(m->b);
    m->b = NULL;
    m->nb = 0;
}

/* --- the registry -----------------------------------------------------------
 */

akti_ps_bucket *
akti_ps_bucket_of(akti_ps_reg *r, const akti_cl_addr *owner, bool create)
{
    for (size_t i = 0; i < r->nb; i++) {
        if (akti_cl_addr_cmp(&r->b[i].owner, owner) == 0) {
            return &r->b[i];
        }
    }
    if (!create || r->nb >= AKTI_PS_MAX_BUCKETS) {
        return NULL;
    }
    if (r->nb == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        akti_ps_bucket *b = realloc(r->b, cap * sizeof(*b));
        if (b == NULL) {
            return NULL;
        }
        r->b = b;
        r->cap = cap;
    }
    akti_ps_bucket *b = &r->b[r->nb++];
    memset(b, 0, sizeof(*b));
    b->owner = *owner;
    return b;
}

static bool
same_entry(const akti_ps_entry *a, const akti_ps_entry *b)
{
    return a->kind == b->kind && strcmp(a->key, b->key) == 0
        && strcmp(a->group, b->group) == 0 && strcmp(a->path, b->path) == 0;
}

static akti_ps_entry *
find(akti_ps_bucket *b, const akti_ps_entry *e)
{
    for (size_t i = 0; i < b->n; i++) {
        if (same_entry(&b->e[i], e)) {
            return &b->e[i];
        }
    }
    return NULL;
}

/* a new slot in b, or NULL (bound, memory) */
static akti_ps_entry *
add(akti_ps_reg *r, akti_ps_bucket *b)
{
    if (r->entries >= r->max_entries) {
        return NULL;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        akti_ps_entry *e = realloc(b->e, cap * sizeof(*e));
        if (e == NULL) {
            return NULL;
        }
        b->e = e;
        b->cap = cap;
    }
    r->entries++;
    return &b->e[b->n++];
}

bool
akti_ps_local_set(akti_ps_reg *r, const akti_cl_addr *owner,
    const akti_ps_entry *e, bool removed, int64_t now, akt_err *rc)
{
    *rc = AKT_OK;
    akti_ps_bucket *b = akti_ps_bucket_of(r, owner, true);
    if (b == NULL) {
        *rc = AKT_ENOMEM;
        return false;
    }
    akti_ps_entry *x = find(b, e);
    if (x == NULL && removed) {
        return false;
    }
    if (x != NULL && x->removed == removed) {
        return false;
    }
    if (x == NULL && (x = add(r, b)) == NULL) {
        *rc = AKT_EFULL;
        return false;
    }
    *x = *e;
    x->removed = removed;
    x->removed_at = now;
    x->version = ++b->version;
    return true;
}

akt_err
akti_ps_status(const akti_ps_reg *r, const akti_cl_addr *self, bool is_reply,
    akti_ps_msg *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = AKTI_PS_STATUS;
    out->is_reply = is_reply;
    out->from = *self;
    out->b = calloc(r->nb ? r->nb : 1, sizeof(*out->b));
    if (out->b == NULL) {
        return AKT_ENOMEM;
    }
    for (size_t i = 0; i < r->nb; i++) {
        out->b[i].owner = r->b[i].owner;
        out->b[i].version = r->b[i].version;
    }
    out->nb = r->nb;
    return AKT_OK;
}

static int64_t
version_in(const akti_ps_msg *st, const akti_cl_addr *owner)
{
    for (size_t i = 0; i < st->nb; i++) {
        if (akti_cl_addr_cmp(&st->b[i].owner, owner) == 0) {
            return st->b[i].version;
        }
    }
    return 0;
}

static int
by_version(const void *a, const void *b)
{
    const akti_ps_entry *x = a, *y = b;
    return x->version < y->version ? -1 : x->version > y->version;
}

akt_err
akti_ps_delta(const akti_ps_reg *r, const akti_cl_addr *self,
    const akti_ps_msg *st, size_t max, akti_ps_msg *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = AKTI_PS_DELTA;
    out->from = *self;
    out->b = calloc(r->nb ? r->nb : 1, sizeof(*out->b));
    if (out->b == NULL) {
        return AKT_ENOMEM;
    }
    size_t budget = max < AKTI_PS_MAX_ENTRIES ? max : AKTI_PS_MAX_ENTRIES;
    for (size_t i = 0; i < r->nb && budget > 0; i++) {
        const akti_ps_bucket *b = &r->b[i];
        int64_t theirs = version_in(st, &b->owner);
        if (b->version <= theirs) {
            continue;
        }
        akti_ps_bucket *d = &out->b[out->nb];
        d->owner = b->owner;
        d->e = malloc((b->n ? b->n : 1) * sizeof(*d->e));
        if (d->e == NULL) {
            akti_ps_msg_free(out);
            return AKT_ENOMEM;
        }
        for (size_t k = 0; k < b->n; k++) {
            if (b->e[k].version > theirs) {
                d->e[d->n++] = b->e[k];
            }
        }
        qsort(d->e, d->n, sizeof(*d->e), by_version);
        if (d->n > budget) {
            d->n = budget; /* the rest next round */
            d->version = d->e[d->n - 1].version;
        } else {
            d->version = b->version;
        }
        budget -= d->n;
        out->nb++;
    }
    return AKT_OK;
}

bool
akti_ps_newer(const akti_ps_reg *r, const akti_ps_msg *st)
{
    for (size_t i = 0; i < st->nb; i++) {
        const akti_ps_bucket *mine = NULL;
        for (size_t k = 0; k < r->nb; k++) {
            if (akti_cl_addr_cmp(&r->b[k].owner, &st->b[i].owner) == 0) {
                mine = &r->b[k];
            }
        }
        if (st->b[i].version > (mine ? mine->version : 0)) {
            return true;
        }
    }
    return false;
}

void
akti_ps_merge(akti_ps_reg *r, const akti_cl_addr *self, const akti_ps_msg *d,
    int64_t now, bool (*accept)(const akti_cl_addr *owner, void *arg),
    void (*changed)(const char *topic, void *arg), void *arg, uint64_t *dropped)
{
    for (size_t i = 0; i < d->nb; i++) {
        const akti_ps_bucket *in = &d->b[i];
        if (akti_cl_addr_cmp(&in->owner, self) == 0
            || (accept != NULL && !accept(&in->owner, arg))) {
            continue;
        }
        akti_ps_bucket *b = akti_ps_bucket_of(r, &in->owner, true);
        if (b == NULL || in->version <= b->version) {
            continue;
        }
        int64_t upto = in->version;
        for (size_t k = 0; k < in->n; k++) {
            const akti_ps_entry *e = &in->e[k];
            akti_ps_entry *x = find(b, e);
            if (x != NULL && x->version >= e->version) {
                continue;
            }
            if (x == NULL && (x = add(r, b)) != NULL) {
                memset(x, 0, sizeof(*x));
                x->removed = true; /* new: not live before */
            } else if (x == NULL) {
                /* over the bound: keep the version before this entry, so
                 * the rest comes again once there is room */
                *dropped += in->n - k;
                upto = e->version - 1;
                break;
            }
            bool was = x->version > 0 && !x->removed;
            *x = *e;
            x->removed_at = now;
            if (changed != NULL && was != !e->removed) {
                changed(e->key, arg);
            }
        }
        if (upto > b->version) {
            b->version = upto;
        }
    }
}

void
akti_ps_prune(akti_ps_reg *r, int64_t now, int64_t ttl,
    bool (*keep)(const akti_cl_addr *owner, void *arg),
    void (*changed)(const char *topic, void *arg), void *arg)
{
    for (size_t i = 0; i < r->nb;) {
        akti_ps_bucket *b = &r->b[i];
        if (keep != NULL && !keep(&b->owner, arg)) {
            for (size_t k = 0; k < b->n; k++) {
                if (changed != NULL && !b->e[k].removed) {
                    changed(b->e[k].key, arg);
                }
            }
            r->entries -= b->n;
            free(b->e);
            r->b[i] = r->b[--r->nb];
            continue;
        }
        size_t w = 0;
        for (size_t k = 0; k < b->n; k++) {
            if (b->e[k].removed && now - b->e[k].removed_at >= ttl) {
                r->entries--;
                continue;
            }
            b->e[w++] = b->e[k];
        }
        b->n = w;
        i++;
    }
}

size_t
akti_ps_count(const akti_ps_reg *r, const char *key)
{
    size_t c = 0;
    uint8_t kind = key[0] == '/' ? AKTI_PS_PUT : AKTI_PS_SUB;
    for (size_t i = 0; i < r->nb; i++) {
        for (size_t k = 0; k < r->b[i].n; k++) {
            const akti_ps_entry *e = &r->b[i].e[k];
            c += e->kind == kind && !e->removed && strcmp(e->key, key) == 0;
        }
    }
    return c;
}

void
akti_ps_reg_free(akti_ps_reg *r)
{
    for (size_t i = 0; i < r->nb; i++) {
        free(r->b[i].e);
    }
    free(r->b);
    r->b = NULL;
    r->nb = r->cap = r->entries = 0;
}
