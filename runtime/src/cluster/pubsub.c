/*
 * pubsub.c -- distributed pub/sub (akt/cluster.h): the mediator actor on
 * each member (/system/pubsub). It owns this node's registry (pubsub.h):
 * local (un)subscribes and puts change its own bucket; every gossip
 * interval it sends its status to one other mediator (a random member with
 * the role, reachable from here) and answers statuses with deltas; buckets
 * of members that left the membership are dropped. Publish and send look
 * the destinations up here and tell them directly (a remote subscriber
 * through remoting), with the original sender.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "akt/akt.h"
#include "akt/akt_gen.h"
#include "cluster/cluster_impl.h"
#include "cluster/pubsub.h"
#include "core/ext.h"

/* --- message types ----------------------------------------------------------
 */

typedef struct ps_wire_msg {
    akt_bytes data; /* one message of pubsub.h's format */
} ps_wire_msg;

static const akt_field ps_wire_fields[] = {
    { .name = "data",
        .number = 1,
        .kind = AKT_KIND_BYTES,
        .offset = offsetof(ps_wire_msg, data),
        .has_offset = AKT_NO_OFFSET,
        .doc = "a pub/sub status or delta (runtime/src/cluster/pubsub.h)" },
};

static const akt_type ps_wire_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM | AKT_TYPE_TABLE,
    .name = "akt.cluster.PubSubWire",
    .id = 0x2cd0d6e9487ef3adull, /* akt_type_id("akt.cluster.PubSubWire") */
    .size = sizeof(ps_wire_msg),
    .align = _Alignof(ps_wire_msg),
    .fields = ps_wire_fields,
    .nfields = 1,
    .doc = "Distributed pub/sub registry gossip between mediators.",
};

enum { OP_SUB = 1, OP_UNSUB, OP_PUT, OP_REMOVE };

/* local only: a (un)subscribe, put or remove */
typedef struct ps_cmd_msg {
    int32_t op;
    char topic[AKT_PUBSUB_TOPIC_LEN]; /* or the path to remove */
    char group[AKT_PUBSUB_GROUP_LEN];
    akt_ref ref;
    akt_ref ack_to;
} ps_cmd_msg;

static const akt_type ps_cmd_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.cluster.PubSubCmd",
    .id = 0xb1d721a3c22b5370ull, /* akt_type_id("akt.cluster.PubSubCmd") */
    .size = sizeof(ps_cmd_msg),
    .align = _Alignof(ps_cmd_msg),
};

enum { PUB_PUBLISH = 1, PUB_SEND, PUB_SEND_ALL };

/* local only: a message to deliver (held until then; fini frees it when
 * the mediator never gets it) */
typedef struct ps_pub_msg {
    int32_t op;
    bool flag; /* one_per_group, local_affinity, all_but_self */
    char key[AKT_PUBSUB_TOPIC_LEN];
    void *msg;
    akt_ref sender;
} ps_pub_msg;

static void
ps_pub_fini(void *obj)
{
    ps_pub_msg *p = obj;
    if (p->msg != NULL) {
        akt_msg_free(p->msg);
        p->msg = NULL;
    }
}

static const akt_type ps_pub_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.cluster.PubSubPublish",
    .id = 0x9f4b0acf3f019b33ull, /* akt_type_id("akt.cluster.PubSubPublish") */
    .size = sizeof(ps_pub_msg),
    .align = _Alignof(ps_pub_msg),
    .fini = ps_pub_fini,
};

typedef struct ps_tick_msg {
    int32_t unused;
} ps_tick_msg;

static const akt_type ps_tick_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.cluster.PubSubTick",
    .id = 0x6a41d0ccf0ab9625ull, /* akt_type_id("akt.cluster.PubSubTick") */
    .size = sizeof(ps_tick_msg),
    .align = _Alignof(ps_tick_msg),
};

const akt_type akt_pubsub_ack_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.cluster.PubSubAck",
    .id = 0x9f7ad6a3b779b129ull, /* akt_type_id("akt.cluster.PubSubAck") */
    .size = sizeof(akt_PubSubAck),
    .align = _Alignof(akt_PubSubAck),
    .doc = "The mediator's answer to a subscribe or unsubscribe (local).",
};

/* --- the mediators of this process (for stats and "started already") ----- */

typedef struct ps_shared {
    akt_system *sys;
    _Atomic uint64_t status_sent, delta_sent, received, rejected, entries,
        dropped, delivered, dead_letters;
    struct ps_shared *next;
} ps_shared;

static pthread_mutex_t shared_mu = PTHREAD_MUTEX_INITIALIZER;
static ps_shared *shared_list;

static ps_shared *
shared_find_locked(akt_system *sys)
{
    for (ps_shared *s = shared_list; s != NULL; s = s->next) {
        if (s->sys == sys) {
            return s;
        }
    }
    return NULL;
}

static void
shared_drop(ps_shared *sh)
{
    pthread_mutex_lock(&shared_mu);
    for (ps_shared **p = &shared_list; *p != NULL; p = &(*p)->next) {
        if (*p == sh) {
            *p = sh->next;
            break;
        }
    }
    pthread_mutex_unlock(&shared_mu);
    free(sh);
}

akt_err
akt_pubsub_stats_get(akt_system *sys, akt_pubsub_stats *out)
{
    if (sys == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&shared_mu);
    ps_shared *s = shared_find_locked(sys);
    if (s != NULL) {
        out->status_sent = atomic_load(&s->status_sent);
        out->delta_sent = atomic_load(&s->delta_sent);
        out->received = atomic_load(&s->received);
        out->rejected = atomic_load(&s->rejected);
        out->entries = atomic_load(&s->entries);
        out->dropped = atomic_load(&s->dropped);
        out->delivered = atomic_load(&s->delivered);
        out->dead_letters = atomic_load(&s->dead_letters);
    }
    pthread_mutex_unlock(&shared_mu);
    return s != NULL ? AKT_OK : AKT_ENOENT;
}

/* --- the mediator
 * -------------------------------------------------------------
 */

typedef struct ps_conf {
    char role[AKT_CLUSTER_ROLE_LEN];
    int64_t interval, ttl;
    uint32_t max_delta, max_entries;
    void (*on_topic)(void *arg, const char *topic, size_t n);
    void *arg;
    ps_shared *sh;
} ps_conf;

typedef struct watched {
    akt_ref ref;
    char path[AKTI_PS_PATH_LEN];
} watched;

#define MAX_CHANGED 64

typedef struct med {
    ps_conf c;
    akt_system *sys;
    akt_ref self;
    akti_cl_addr me;
    akti_ps_reg reg;
    watched *w;
    size_t nw, wcap;
    uint64_t rng;
    akt_cluster_state st; /* the membership at the last look */
    bool have_st;
    /* topics whose count changed during one message */
    char changed[MAX_CHANGED][AKT_PUBSUB_TOPIC_LEN];
    size_t nchanged;
    bool changed_overflow;
} med;

static uint64_t
rnd(med *m)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return m->rng;
}

static void
note_changed(const char *topic, void *arg)
{
    med *m = arg;
    for (size_t i = 0; i < m->nchanged; i++) {
        if (strcmp(m->changed[i], topic) == 0) {
            return;
        }
    }
    if (m->nchanged < MAX_CHANGED) {
        strcpy(m->changed[m->nchanged++], topic);
    } else {
        m->changed_overflow = true;
    }
}

/* tell on_topic what changed during this message */
static void
flush_changed(med *m)
{
    if (m->c.on_topic != NULL) {
        for (size_t i = 0; i < m->nchanged; i++) {
            m->c.on_topic(
                m->c.arg, m->changed[i], akti_ps_count(&m->reg, m->changed[i]));
        }
    }
    m->nchanged = 0;
    m->changed_overflow = false;
    atomic_store(&m->c.sh->entries, m->reg.entries);
}

static void
look(med *m)
{
    if (m->have_st) {
        akt_cluster_state_free(&m->st);
        m->have_st = false;
    }
    if (akt_cluster_state_get(m->sys, &m->st) == AKT_OK) {
        m->have_st = true;
        if (m->me.uid == 0) {
            m->me = m->st.self.address;
        }
    }
}

/* a member (not removed) with the role: its bucket is kept and taken */
static bool
is_member(const akti_cl_addr *owner, void *arg)
{
    med *m = arg;
    if (!m->have_st) {
        return true;
    }
    for (size_t i = 0; i < m->st.nmembers; i++) {
        if (akti_cl_addr_cmp(&m->st.members[i].address, owner) == 0) {
            return akt_cluster_member_has_role(&m->st.members[i], m->c.role);
        }
    }
    return false;
}

static void
send_wire(med *m, const akti_cl_addr *to, const akti_ps_msg *msg)
{
    uint8_t *buf;
    size_t len;
    char path[AKTI_PS_PATH_LEN];
    akt_ref ref;
    if (akti_ps_encode(msg, &buf, &len) != AKT_OK) {
        return;
    }
    ps_wire_msg *w = NULL;
    if (akt_cluster_member_path(to, path, sizeof path - 16) == AKT_OK
        && (strcat(path, "/system/pubsub"), true)
        && akt_remote_ref(m->sys, path, &ref) == AKT_OK
        && (w = akt_msg_new(&ps_wire_type, len)) != NULL
        && akt_msg_put_bytes(w, &w->data, (akt_bytes) { buf, len }) == AKT_OK
        && akt_tell(ref, w, m->self) == AKT_OK) {
        w = NULL;
        if (msg->kind == AKTI_PS_STATUS) {
            atomic_fetch_add(&m->c.sh->status_sent, 1);
        } else {
            atomic_fetch_add(&m->c.sh->delta_sent, 1);
        }
    }
    if (w != NULL) {
        akt_msg_free(w);
    }
    free(buf);
}

static akt_err
on_tick(void *state, akt_ctx *ctx, const void *msg)
{
    (void)ctx;
    (void)msg;
    med *m = state;
    look(m);
    if (!m->have_st || m->me.uid == 0) {
        return AKT_OK;
    }
    akti_ps_prune(&m->reg, akti_now_ns(), m->c.ttl, is_member, note_changed, m);
    flush_changed(m);
    /* one other member with the role, reachable from here */
    size_t cand[256], n = 0;
    for (size_t i = 0; i < m->st.nmembers && n < 256; i++) {
        const akt_cluster_member *x = &m->st.members[i];
        if (x->address.uid != m->me.uid && !m->st.unreachable[i]
            && akt_cluster_member_has_role(x, m->c.role)
            && (x->status == AKT_MEMBER_UP || x->status == AKT_MEMBER_WEAKLY_UP
                || x->status == AKT_MEMBER_LEAVING
                || x->status == AKT_MEMBER_EXITING)) {
            cand[n++] = i;
        }
    }
    if (n > 0) {
        akti_ps_msg s;
        if (akti_ps_status(&m->reg, &m->me, false, &s) == AKT_OK) {
            send_wire(m, &m->st.members[cand[rnd(m) % n]].address, &s);
            akti_ps_msg_free(&s);
        }
    }
    return AKT_OK;
}

static akt_err
on_wire(void *state, akt_ctx *ctx, const void *msg)
{
    (void)ctx;
    med *m = state;
    const ps_wire_msg *w = msg;
    akti_ps_msg in;
    if (akti_ps_decode(w->data.ptr, w->data.len, &in) != AKT_OK) {
        atomic_fetch_add(&m->c.sh->rejected, 1);
        return AKT_OK;
    }
    atomic_fetch_add(&m->c.sh->received, 1);
    if (m->me.uid == 0) {
        look(m);
    }
    if (m->me.uid == 0 || !is_member(&in.from, m)) {
        akti_ps_msg_free(&in); /* not (yet) one of us */
        return AKT_OK;
    }
    if (in.kind == AKTI_PS_STATUS) {
        akti_ps_msg d;
        if (akti_ps_delta(&m->reg, &m->me, &in, m->c.max_delta, &d) == AKT_OK) {
            if (d.nb > 0) {
                send_wire(m, &in.from, &d);
            }
            akti_ps_msg_free(&d);
        }
        if (!in.is_reply && akti_ps_newer(&m->reg, &in)) {
            akti_ps_msg s; /* they have news: ask for it */
            if (akti_ps_status(&m->reg, &m->me, true, &s) == AKT_OK) {
                send_wire(m, &in.from, &s);
                akti_ps_msg_free(&s);
            }
        }
    } else {
        uint64_t dropped = 0;
        akti_ps_merge(&m->reg, &m->me, &in, akti_now_ns(), is_member,
            note_changed, m, &dropped);
        atomic_fetch_add(&m->c.sh->dropped, dropped);
        flush_changed(m);
    }
    akti_ps_msg_free(&in);
    return AKT_OK;
}

static void
ack(med *m, const ps_cmd_msg *c, akt_err rc, bool subscribed)
{
    if (akt_ref_is_none(c->ack_to)) {
        return;
    }
    akt_PubSubAck *a = akt_msg_new(&akt_pubsub_ack_type, 0);
    if (a == NULL) {
        return;
    }
    a->result = (int32_t)rc;
    a->subscribed = subscribed;
    strcpy(a->topic, c->topic);
    strcpy(a->group, c->group);
    if (akt_tell(c->ack_to, a, m->self) != AKT_OK) {
        akt_msg_free(a);
    }
}

/* the path of a local ref as other nodes reach it */
static bool
path_of(med *m, akt_ref ref, char *buf, size_t len)
{
    return akt_remote_ref_path(m->sys, ref, buf, len) == AKT_OK
        && strncmp(buf, "akt://", 6) == 0 && strchr(buf + 6, '/') != NULL;
}

static void
watch(med *m, akt_ctx *ctx, akt_ref ref, const char *path)
{
    for (size_t i = 0; i < m->nw; i++) {
        if (akt_ref_equal(m->w[i].ref, ref)) {
            return;
        }
    }
    if (m->nw == m->wcap) {
        size_t cap = m->wcap ? m->wcap * 2 : 16;
        watched *w = realloc(m->w, cap * sizeof(*w));
        if (w == NULL) {
            return;
        }
        m->w = w;
        m->wcap = cap;
    }
    if (akt_ctx_watch(ctx, ref) == AKT_OK) {
        m->w[m->nw].ref = ref;
        strcpy(m->w[m->nw].path, path);
        m->nw++;
    }
}

static akt_err
on_cmd(void *state, akt_ctx *ctx, const void *msg)
{
    med *m = state;
    const ps_cmd_msg *c = msg;
    if (m->me.uid == 0) {
        look(m);
    }
    akti_ps_entry e;
    memset(&e, 0, sizeof e);
    akt_err rc = AKT_OK;
    bool removed = c->op == OP_UNSUB || c->op == OP_REMOVE;
    if (c->op == OP_REMOVE) {
        /* this node's actor put under that path */
        e.kind = AKTI_PS_PUT;
        strcpy(e.key, c->topic);
        akti_ps_bucket *b = akti_ps_bucket_of(&m->reg, &m->me, false);
        for (size_t i = 0; b != NULL && i < b->n; i++) {
            if (b->e[i].kind == AKTI_PS_PUT && !b->e[i].removed
                && strcmp(b->e[i].key, c->topic) == 0) {
                e = b->e[i];
                if (akti_ps_local_set(
                        &m->reg, &m->me, &e, true, akti_now_ns(), &rc)) {
                    note_changed(e.key, m);
                }
                break;
            }
        }
        flush_changed(m);
        return AKT_OK;
    }
    if (m->me.uid == 0 || !path_of(m, c->ref, e.path, sizeof e.path)) {
        ack(m, c, AKT_ESTATE, false);
        return AKT_OK;
    }
    if (c->op == OP_PUT) {
        e.kind = AKTI_PS_PUT;
        const char *local = strchr(e.path + 6, '/');
        if (strlen(local) >= sizeof e.key) {
            return AKT_OK;
        }
        strcpy(e.key, local);
    } else {
        e.kind = AKTI_PS_SUB;
        strcpy(e.key, c->topic);
        strcpy(e.group, c->group);
    }
    if (akti_ps_local_set(&m->reg, &m->me, &e, removed, akti_now_ns(), &rc)) {
        note_changed(e.key, m);
    }
    if (rc == AKT_OK && !removed) {
        watch(m, ctx, c->ref, e.path);
    }
    flush_changed(m);
    if (c->op == OP_SUB || c->op == OP_UNSUB) {
        ack(m, c, rc, rc == AKT_OK && !removed);
    }
    return AKT_OK;
}

/* a subscriber or put actor stopped: all its entries go */
static akt_err
on_terminated(void *state, akt_ctx *ctx, const void *msg)
{
    (void)ctx;
    med *m = state;
    const akt_Terminated *t = msg;
    for (size_t i = 0; i < m->nw; i++) {
        if (!akt_ref_equal(m->w[i].ref, t->actor)) {
            continue;
        }
        akti_ps_bucket *b = akti_ps_bucket_of(&m->reg, &m->me, false);
        for (size_t k = 0; b != NULL && k < b->n; k++) {
            if (!b->e[k].removed && strcmp(b->e[k].path, m->w[i].path) == 0) {
                akti_ps_entry e = b->e[k];
                akt_err rc;
                if (akti_ps_local_set(
                        &m->reg, &m->me, &e, true, akti_now_ns(), &rc)) {
                    note_changed(e.key, m);
                }
                b = akti_ps_bucket_of(&m->reg, &m->me, false);
            }
        }
        m->w[i] = m->w[--m->nw];
        break;
    }
    flush_changed(m);
    return AKT_OK;
}

/* one destination: told msg (a reference of its own) with sender */
static void
deliver(med *m, const char *path, void *msg, akt_ref sender)
{
    akt_ref to;
    if (akt_remote_ref(m->sys, path, &to) == AKT_OK) {
        void *ref = akt_msg_retain(msg);
        if (akt_tell(to, ref, sender) == AKT_OK) {
            atomic_fetch_add(&m->c.sh->delivered, 1);
            return;
        }
        akt_msg_free(ref);
    }
    atomic_fetch_add(&m->c.sh->dead_letters, 1);
}

#define MAX_DEST 4096

static akt_err
on_pub(void *state, akt_ctx *ctx, const void *msg)
{
    med *m = state;
    ps_pub_msg *p = (ps_pub_msg *)msg; /* its held message is taken here */
    void *user = p->msg;
    p->msg = NULL;
    if (user == NULL) {
        return AKT_OK;
    }
    const akti_ps_entry **dest = malloc(MAX_DEST * sizeof(*dest));
    size_t n = 0;
    const akti_ps_entry *local = NULL;
    for (size_t i = 0; dest != NULL && i < m->reg.nb; i++) {
        const akti_ps_bucket *b = &m->reg.b[i];
        bool mine = akti_cl_addr_cmp(&b->owner, &m->me) == 0;
        for (size_t k = 0; k < b->n && n < MAX_DEST; k++) {
            const akti_ps_entry *e = &b->e[k];
            if (e->removed || strcmp(e->key, p->key) != 0
                || e->kind != (p->op == PUB_PUBLISH ? AKTI_PS_SUB : AKTI_PS_PUT)
                || (p->op == PUB_PUBLISH && !p->flag && e->group[0] != '\0')
                || (p->op == PUB_PUBLISH && p->flag && e->group[0] == '\0')
                || (p->op == PUB_SEND_ALL && p->flag && mine)) {
                continue;
            }
            if (mine && local == NULL) {
                local = e;
            }
            dest[n++] = e;
        }
    }
    size_t sent = 0;
    if (n > 0 && p->op == PUB_SEND) {
        const akti_ps_entry *e
            = p->flag && local != NULL ? local : dest[rnd(m) % n];
        deliver(m, e->path, user, p->sender);
        sent = 1;
    } else if (n > 0 && p->op == PUB_PUBLISH && p->flag) {
        /* one random subscriber per group */
        for (size_t i = 0; i < n; i++) {
            bool first = true;
            size_t count = 0;
            for (size_t k = 0; k < n; k++) {
                if (strcmp(dest[k]->group, dest[i]->group) == 0) {
                    first = first && k >= i;
                    count++;
                }
            }
            if (!first) {
                continue; /* the group was done at its first member */
            }
            size_t pick = (size_t)(rnd(m) % count);
            for (size_t k = i; k < n; k++) {
                if (strcmp(dest[k]->group, dest[i]->group) == 0
                    && pick-- == 0) {
                    deliver(m, dest[k]->path, user, p->sender);
                    sent++;
                    break;
                }
            }
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            deliver(m, dest[i]->path, user, p->sender);
            sent++;
        }
    }
    free(dest);
    if (sent == 0) {
        atomic_fetch_add(&m->c.sh->dead_letters, 1);
        akt_system_publish_dead_letter(
            m->sys, akt_ctx_self(ctx), user, AKT_ENOENT);
        return AKT_OK;
    }
    akt_msg_free(user);
    return AKT_OK;
}

static const akt_handler handlers[] = {
    { &ps_wire_type, on_wire },
    { &ps_cmd_type, on_cmd },
    { &ps_pub_type, on_pub },
    { &ps_tick_type, on_tick },
    { &akt_terminated_type, on_terminated },
};

static const akt_behavior behavior = {
    .name = "pubsub-mediator",
    .handlers = handlers,
    .nhandlers = sizeof handlers / sizeof handlers[0],
};

static akt_err
m_init(void *state, const void *init_arg)
{
    med *m = state;
    memset(m, 0, sizeof(*m));
    m->c = *(const ps_conf *)init_arg;
    m->reg.max_entries = m->c.max_entries;
    m->rng = (uint64_t)akti_now_ns() | 1;
    return AKT_OK;
}

static void
m_fini(void *state)
{
    med *m = state;
    akti_ps_reg_free(&m->reg);
    free(m->w);
    m->w = NULL;
    m->nw = m->wcap = 0;
    if (m->have_st) {
        akt_cluster_state_free(&m->st);
        m->have_st = false;
    }
}

static akt_err
m_pre_start(void *state, akt_ctx *ctx)
{
    med *m = state;
    m->sys = akt_ctx_system(ctx);
    m->self = akt_ctx_self(ctx);
    look(m);
    ps_tick_msg *t = akt_msg_new(&ps_tick_type, 0);
    if (t == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc
        = akt_timer_start_periodic(ctx, 1, t, m->c.interval, m->c.interval);
    if (rc != AKT_OK) {
        akt_msg_free(t);
    }
    return rc;
}

static const akt_lifecycle lifecycle = { .pre_start = m_pre_start };

/* the settings and the shared counters live as long as the actor: freed
 * when its death watch completes */
static void
conf_free(void *arg)
{
    ps_conf *c = arg;
    shared_drop(c->sh);
    free(c);
}

static void
conf_done(akt_err status, const void *reply, void *arg)
{
    (void)status;
    (void)reply;
    (void)arg;
}

akt_err
akt_pubsub_start(
    akt_system *sys, const akt_pubsub_options *o, akt_ref *mediator)
{
    if (sys == NULL || o == NULL || mediator == NULL || o->registry == NULL
        || (o->role != NULL && strlen(o->role) >= AKT_CLUSTER_ROLE_LEN)
        || o->gossip_interval_ns < 0 || o->removed_ttl_ns < 0) {
        return AKT_EINVAL;
    }
    akt_cluster_state st; /* the cluster must be running */
    akt_err rc = akt_cluster_state_get(sys, &st);
    if (rc != AKT_OK) {
        return rc;
    }
    akt_cluster_state_free(&st);
    rc = akt_registry_add(o->registry, &ps_wire_type);
    if (rc != AKT_OK && rc != AKT_EEXIST) {
        return rc;
    }
    ps_conf *c = calloc(1, sizeof(*c));
    ps_shared *sh = calloc(1, sizeof(*sh));
    if (c == NULL || sh == NULL) {
        free(c);
        free(sh);
        return AKT_ENOMEM;
    }
    if (o->role != NULL) {
        strcpy(c->role, o->role);
    }
    c->interval = o->gossip_interval_ns ? o->gossip_interval_ns : AKT_SEC(1);
    c->ttl = o->removed_ttl_ns ? o->removed_ttl_ns : AKT_SEC(120);
    c->max_delta = o->max_delta_entries ? o->max_delta_entries : 3000;
    c->max_entries = o->max_entries ? o->max_entries : 10000;
    c->on_topic = o->on_topic;
    c->arg = o->arg;
    c->sh = sh;
    sh->sys = sys;
    pthread_mutex_lock(&shared_mu);
    if (shared_find_locked(sys) != NULL) {
        pthread_mutex_unlock(&shared_mu);
        free(c);
        free(sh);
        return AKT_EEXIST;
    }
    sh->next = shared_list;
    shared_list = sh;
    pthread_mutex_unlock(&shared_mu);
    akt_props p = { .behavior = &behavior,
        .lifecycle = &lifecycle,
        .state_size = sizeof(med),
        .state_init = m_init,
        .state_fini = m_fini,
        .init_arg = c };
    rc = akt_system_spawn_system(sys, &p, "pubsub", mediator);
    akt_future *f = NULL;
    if (rc != AKT_OK) {
        shared_drop(sh);
        free(c);
    } else if (akt_watch_future(*mediator, &f) != AKT_OK
        || akt_future_on_complete(f, conf_done, c, conf_free) != AKT_OK) {
        /* cannot know when it ends: keep the settings (a small leak beats
         * a dangling read on a restart) */
    }
    if (f != NULL) {
        akt_future_release(f);
    }
    return rc;
}

/* --- the calls
 * ----------------------------------------------------------------
 */

static akt_err
cmd(akt_ref med, int32_t op, const char *topic, const char *group, akt_ref ref,
    akt_ref ack_to)
{
    if (akt_ref_is_none(med) || topic == NULL || topic[0] == '\0'
        || strlen(topic) >= AKT_PUBSUB_TOPIC_LEN
        || ((op == OP_SUB || op == OP_UNSUB) && topic[0] == '/')
        || (group != NULL && strlen(group) >= AKT_PUBSUB_GROUP_LEN)
        || (op != OP_REMOVE && akt_ref_is_none(ref))) {
        return AKT_EINVAL;
    }
    ps_cmd_msg *c = akt_msg_new(&ps_cmd_type, 0);
    if (c == NULL) {
        return AKT_ENOMEM;
    }
    c->op = op;
    strcpy(c->topic, topic);
    if (group != NULL) {
        strcpy(c->group, group);
    }
    c->ref = ref;
    c->ack_to = ack_to;
    akt_err rc = akt_tell(med, c, AKT_REF_NONE);
    if (rc != AKT_OK) {
        akt_msg_free(c);
    }
    return rc;
}

akt_err
akt_pubsub_subscribe(akt_ref mediator, const char *topic, const char *group,
    akt_ref subscriber, akt_ref ack_to)
{
    return cmd(mediator, OP_SUB, topic, group, subscriber, ack_to);
}

akt_err
akt_pubsub_unsubscribe(akt_ref mediator, const char *topic, const char *group,
    akt_ref subscriber, akt_ref ack_to)
{
    return cmd(mediator, OP_UNSUB, topic, group, subscriber, ack_to);
}

akt_err
akt_pubsub_put(akt_ref mediator, akt_ref ref)
{
    return cmd(mediator, OP_PUT, "-", NULL, ref, AKT_REF_NONE);
}

akt_err
akt_pubsub_remove(akt_ref mediator, const char *path)
{
    if (path == NULL || path[0] != '/') {
        return AKT_EINVAL;
    }
    return cmd(mediator, OP_REMOVE, path, NULL, AKT_REF_NONE, AKT_REF_NONE);
}

static akt_err
pub(akt_ref med, int32_t op, const char *key, void *msg, akt_ref sender,
    bool flag)
{
    if (akt_ref_is_none(med) || key == NULL || key[0] == '\0'
        || strlen(key) >= AKT_PUBSUB_TOPIC_LEN || msg == NULL
        || (op != PUB_PUBLISH) != (key[0] == '/')) {
        if (msg != NULL) {
            akt_msg_free(msg);
        }
        return AKT_EINVAL;
    }
    ps_pub_msg *p = akt_msg_new(&ps_pub_type, 0);
    if (p == NULL) {
        akt_msg_free(msg);
        return AKT_ENOMEM;
    }
    p->op = op;
    p->flag = flag;
    strcpy(p->key, key);
    p->msg = msg;
    p->sender = sender;
    akt_err rc = akt_tell(med, p, AKT_REF_NONE);
    if (rc != AKT_OK) {
        akt_msg_free(p); /* its fini frees msg */
    }
    return rc;
}

akt_err
akt_pubsub_publish(akt_ref mediator, const char *topic, void *msg,
    akt_ref sender, bool one_per_group)
{
    return pub(mediator, PUB_PUBLISH, topic, msg, sender, one_per_group);
}

akt_err
akt_pubsub_send(akt_ref mediator, const char *path, void *msg, akt_ref sender,
    bool local_affinity)
{
    return pub(mediator, PUB_SEND, path, msg, sender, local_affinity);
}

akt_err
akt_pubsub_send_to_all(akt_ref mediator, const char *path, void *msg,
    akt_ref sender, bool all_but_self)
{
    return pub(mediator, PUB_SEND_ALL, path, msg, sender, all_but_self);
}
