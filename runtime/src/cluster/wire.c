/*
 * wire.c -- cluster messages to and from protobuf (idl/cluster.proto).
 * Encoding builds the protobuf-c structures in a scratch list freed at the
 * end; decoding unpacks under an allocation budget, then converts with a
 * check at every step and runs akti_cl_gossip_check() on the result.
 * Everything read here is hostile until checked (wire.h).
 */
#include "cluster/wire.h"

#include <stdlib.h>
#include <string.h>

#include "cluster.pb-c.h"

void
akti_cl_wire_limits_default(akti_cl_wire_limits *lim)
{
    lim->max_bytes = 4u * 1024 * 1024;
    lim->max_members = 10000;
    lim->max_tombstones = 100000;
}

void
akti_cl_msg_init(akti_cl_msg *m, akti_clm_kind kind)
{
    memset(m, 0, sizeof(*m));
    m->kind = kind;
    akti_cl_gossip_init(&m->g);
}

void
akti_cl_msg_fini(akti_cl_msg *m)
{
    akti_cl_gossip_fini(&m->g);
}

/* --- encoding ------------------------------------------------------------- */

typedef struct scratch {
    void **p;
    size_t n, cap;
    bool failed;
} scratch;

static void *
sc_alloc(scratch *s, size_t size)
{
    if (s->failed) {
        return NULL;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 64;
        void **q = realloc(s->p, sizeof(*q) * nc);
        if (q == NULL) {
            s->failed = true;
            return NULL;
        }
        s->p = q;
        s->cap = nc;
    }
    void *p = calloc(1, size ? size : 1);
    if (p == NULL) {
        s->failed = true;
        return NULL;
    }
    s->p[s->n++] = p;
    return p;
}

static void
sc_free(scratch *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->p[i]);
    }
    free(s->p);
}

static Akt__Cluster__Address *
enc_addr(scratch *s, const akti_cl_addr *a)
{
    Akt__Cluster__Address *pa = sc_alloc(s, sizeof(*pa));
    if (pa == NULL) {
        return NULL;
    }
    akt__cluster__address__init(pa);
    /* the strings are the caller's (they outlive the pack) */
    pa->system = (char *)a->system;
    pa->host = (char *)a->host;
    pa->port = a->port;
    pa->uid = a->uid;
    return pa;
}

/* index of s in tab (adding it), tab sorted on use by the caller */
static uint32_t
str_index(const char **tab, uint32_t *n, const char *s)
{
    for (uint32_t i = 0; i < *n; i++) {
        if (strcmp(tab[i], s) == 0) {
            return i;
        }
    }
    tab[*n] = s;
    return (*n)++;
}

static int
strp_qcmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static uint32_t
member_pos(const akti_cl_gossip *g, uint64_t uid)
{
    for (uint32_t i = 0; i < g->nm; i++) {
        if (g->m[i].address.uid == uid) {
            return i;
        }
    }
    return UINT32_MAX;
}

static Akt__Cluster__Gossip *
enc_gossip(scratch *s, const akti_cl_gossip *g)
{
    Akt__Cluster__Gossip *pg = sc_alloc(s, sizeof(*pg));
    if (pg == NULL) {
        return NULL;
    }
    akt__cluster__gossip__init(pg);
    uint32_t n = g->nm;
    pg->n_addresses = pg->n_members = n;
    pg->addresses = sc_alloc(s, sizeof(*pg->addresses) * n);
    pg->members = sc_alloc(s, sizeof(*pg->members) * n);
    /* the role and version tables, sorted (so a member's role indexes
     * ascend exactly when its roles do) */
    const char **roles
        = sc_alloc(s, sizeof(char *) * (n * AKT_CLUSTER_MAX_ROLES + 1));
    const char **vers = sc_alloc(s, sizeof(char *) * (n + 1));
    if (s->failed) {
        return NULL;
    }
    uint32_t nroles = 0, nvers = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t r = 0; r < g->m[i].nroles; r++) {
            str_index(roles, &nroles, g->m[i].roles[r]);
        }
        str_index(vers, &nvers, g->m[i].app_version);
    }
    qsort(roles, nroles, sizeof(*roles), strp_qcmp);
    pg->n_roles = nroles;
    pg->roles = (char **)roles;
    pg->n_app_versions = nvers;
    pg->app_versions = (char **)vers;
    for (uint32_t i = 0; i < n; i++) {
        const akti_cl_member *m = &g->m[i];
        pg->addresses[i] = enc_addr(s, &m->address);
        Akt__Cluster__Member *pm = sc_alloc(s, sizeof(*pm));
        uint32_t *ri = sc_alloc(s, sizeof(uint32_t) * (m->nroles + 1));
        if (s->failed) {
            return NULL;
        }
        akt__cluster__member__init(pm);
        pm->addr = i;
        pm->status = (uint32_t)m->status;
        pm->up_number = m->up_number;
        for (uint32_t r = 0; r < m->nroles; r++) {
            uint32_t k = nroles;
            ri[r] = str_index(roles, &k, m->roles[r]);
        }
        pm->n_roles = m->nroles;
        pm->roles = ri;
        uint32_t k = nvers;
        pm->app_version = str_index(vers, &k, m->app_version);
        pg->members[i] = pm;
    }
    pg->n_seen = g->nseen;
    pg->seen = sc_alloc(s, sizeof(uint32_t) * (g->nseen + 1));
    pg->n_reachability = g->nrv;
    pg->reachability = sc_alloc(s, sizeof(*pg->reachability) * (g->nrv + 1));
    if (s->failed) {
        return NULL;
    }
    for (uint32_t i = 0; i < g->nseen; i++) {
        pg->seen[i] = member_pos(g, g->seen[i]);
    }
    uint32_t r = 0;
    for (uint32_t i = 0; i < g->nrv; i++) {
        Akt__Cluster__ObserverRow *row = sc_alloc(s, sizeof(*row));
        if (row == NULL) {
            return NULL;
        }
        akt__cluster__observer_row__init(row);
        row->observer = member_pos(g, g->rv[i].observer);
        row->version = g->rv[i].version;
        while (r < g->nrr && g->rr[r].observer < g->rv[i].observer) {
            r++;
        }
        uint32_t e = r;
        while (e < g->nrr && g->rr[e].observer == g->rv[i].observer) {
            e++;
        }
        row->n_subjects = e - r;
        row->subjects = sc_alloc(s, sizeof(*row->subjects) * (e - r + 1));
        if (row->subjects == NULL) {
            return NULL;
        }
        for (uint32_t k = r; k < e; k++) {
            Akt__Cluster__SubjectCell *c = sc_alloc(s, sizeof(*c));
            if (c == NULL) {
                return NULL;
            }
            akt__cluster__subject_cell__init(c);
            c->subject = member_pos(g, g->rr[k].subject);
            c->status = g->rr[k].status;
            c->version = g->rr[k].version;
            row->subjects[k - r] = c;
        }
        r = e;
        pg->reachability[i] = row;
    }
    pg->n_vc_node = pg->n_vc_counter = g->nvc;
    pg->vc_node = sc_alloc(s, sizeof(uint64_t) * (g->nvc + 1));
    pg->vc_counter = sc_alloc(s, sizeof(uint64_t) * (g->nvc + 1));
    pg->n_tombstones = g->ntomb;
    pg->tombstones = sc_alloc(s, sizeof(*pg->tombstones) * (g->ntomb + 1));
    if (s->failed) {
        return NULL;
    }
    for (uint32_t i = 0; i < g->nvc; i++) {
        pg->vc_node[i] = g->vc[i].node;
        pg->vc_counter[i] = g->vc[i].counter;
    }
    for (uint32_t i = 0; i < g->ntomb; i++) {
        Akt__Cluster__Tombstone *t = sc_alloc(s, sizeof(*t));
        if (t == NULL) {
            return NULL;
        }
        akt__cluster__tombstone__init(t);
        t->uid = g->tomb[i].uid;
        t->removed_ms = g->tomb[i].removed_ms;
        pg->tombstones[i] = t;
    }
    return pg;
}

akt_err
akti_cl_msg_encode(const akti_cl_msg *m, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (m->from.uid == 0) {
        return AKT_EINVAL;
    }
    if ((m->kind == AKTI_CLM_GOSSIP || m->kind == AKTI_CLM_WELCOME)
        && akti_cl_gossip_check(&m->g) != AKT_OK) {
        return AKT_EINVAL;
    }
    scratch s = { 0 };
    akt_err rc = AKT_ENOMEM;
    Akt__Cluster__Msg pm = AKT__CLUSTER__MSG__INIT;
    pm.from = enc_addr(&s, &m->from);
    pm.to = enc_addr(&s, &m->to);
    switch (m->kind) {
    case AKTI_CLM_INIT_JOIN: {
        Akt__Cluster__InitJoin *b = sc_alloc(&s, sizeof(*b));
        char **cfg = sc_alloc(&s, sizeof(char *) * (m->nconfig + 1));
        if (b && cfg) {
            akt__cluster__init_join__init(b);
            b->akt_version = "1";
            for (uint32_t i = 0; i < m->nconfig && i < AKTI_CL_CHECK_MAX; i++) {
                cfg[i] = (char *)m->config[i];
            }
            b->n_config = m->nconfig < AKTI_CL_CHECK_MAX ? m->nconfig
                                                         : AKTI_CL_CHECK_MAX;
            b->config = cfg;
        } else {
            b = NULL;
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_INIT_JOIN;
        pm.init_join = b;
        break;
    }
    case AKTI_CLM_INIT_JOIN_ACK: {
        Akt__Cluster__InitJoinAck *b = sc_alloc(&s, sizeof(*b));
        if (b) {
            akt__cluster__init_join_ack__init(b);
            b->refused = (char *)m->refused;
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_INIT_JOIN_ACK;
        pm.init_join_ack = b;
        break;
    }
    case AKTI_CLM_INIT_JOIN_NACK: {
        Akt__Cluster__InitJoinNack *b = sc_alloc(&s, sizeof(*b));
        if (b) {
            akt__cluster__init_join_nack__init(b);
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_INIT_JOIN_NACK;
        pm.init_join_nack = b;
        break;
    }
    case AKTI_CLM_JOIN: {
        Akt__Cluster__Join *b = sc_alloc(&s, sizeof(*b));
        char **roles = sc_alloc(&s, sizeof(char *) * (m->joiner.nroles + 1));
        if (b && roles) {
            akt__cluster__join__init(b);
            for (uint32_t i = 0; i < m->joiner.nroles; i++) {
                roles[i] = (char *)m->joiner.roles[i];
            }
            b->n_roles = m->joiner.nroles;
            b->roles = roles;
            b->app_version = (char *)m->joiner.app_version;
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_JOIN;
        pm.join = b;
        break;
    }
    case AKTI_CLM_WELCOME: {
        Akt__Cluster__Welcome *b = sc_alloc(&s, sizeof(*b));
        if (b) {
            akt__cluster__welcome__init(b);
            b->gossip = enc_gossip(&s, &m->g);
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_WELCOME;
        pm.welcome = b;
        break;
    }
    case AKTI_CLM_GOSSIP: {
        Akt__Cluster__GossipEnvelope *b = sc_alloc(&s, sizeof(*b));
        if (b) {
            akt__cluster__gossip_envelope__init(b);
            b->gossip = enc_gossip(&s, &m->g);
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_GOSSIP;
        pm.gossip = b;
        break;
    }
    case AKTI_CLM_LEAVE: {
        Akt__Cluster__Leave *b = sc_alloc(&s, sizeof(*b));
        if (b) {
            akt__cluster__leave__init(b);
            b->node = enc_addr(&s, &m->node);
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_LEAVE;
        pm.leave = b;
        break;
    }
    case AKTI_CLM_EXITING_CONFIRMED: {
        Akt__Cluster__ExitingConfirmed *b = sc_alloc(&s, sizeof(*b));
        if (b) {
            akt__cluster__exiting_confirmed__init(b);
            b->node = enc_addr(&s, &m->node);
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_EXITING_CONFIRMED;
        pm.exiting_confirmed = b;
        break;
    }
    case AKTI_CLM_DOWN: {
        Akt__Cluster__Down *b = sc_alloc(&s, sizeof(*b));
        if (b) {
            akt__cluster__down__init(b);
            b->node = enc_addr(&s, &m->node);
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_DOWN;
        pm.down = b;
        break;
    }
    case AKTI_CLM_HEARTBEAT:
    case AKTI_CLM_HEARTBEAT_RSP: {
        Akt__Cluster__Heartbeat *b = sc_alloc(&s, sizeof(*b));
        if (b) {
            akt__cluster__heartbeat__init(b);
            b->seq = m->seq;
            b->sent_ns = m->sent_ns;
        }
        if (m->kind == AKTI_CLM_HEARTBEAT) {
            pm.body_case = AKT__CLUSTER__MSG__BODY_HEARTBEAT;
            pm.heartbeat = b;
        } else {
            pm.body_case = AKT__CLUSTER__MSG__BODY_HEARTBEAT_RSP;
            pm.heartbeat_rsp = b;
        }
        break;
    }
    case AKTI_CLM_GOSSIP_STATUS: {
        Akt__Cluster__GossipStatus *b = sc_alloc(&s, sizeof(*b));
        uint64_t *nodes = sc_alloc(&s, sizeof(uint64_t) * (m->g.nvc + 1));
        uint64_t *ctrs = sc_alloc(&s, sizeof(uint64_t) * (m->g.nvc + 1));
        if (b && nodes && ctrs) {
            akt__cluster__gossip_status__init(b);
            for (uint32_t i = 0; i < m->g.nvc; i++) {
                nodes[i] = m->g.vc[i].node;
                ctrs[i] = m->g.vc[i].counter;
            }
            b->n_vc_node = b->n_vc_counter = m->g.nvc;
            b->vc_node = nodes;
            b->vc_counter = ctrs;
            b->seen_digest = m->seen_digest;
        }
        pm.body_case = AKT__CLUSTER__MSG__BODY_GOSSIP_STATUS;
        pm.gossip_status = b;
        break;
    }
    default:
        sc_free(&s);
        return AKT_EINVAL;
    }
    if (s.failed) {
        goto out;
    }
    size_t n = protobuf_c_message_get_packed_size(&pm.base);
    uint8_t *buf = malloc(n ? n : 1);
    if (buf == NULL) {
        goto out;
    }
    protobuf_c_message_pack(&pm.base, buf);
    *out = buf;
    *len = n;
    rc = AKT_OK;
out:
    sc_free(&s);
    return rc;
}

/* --- decoding ------------------------------------------------------------- */

/* protobuf-c's allocations for one unpack, counted against a budget (a
 * hostile message of many empty sub-messages costs far more memory than
 * its bytes) */
typedef struct budget {
    size_t used, limit;
    bool over;
} budget;

static void *
bud_alloc(void *data, size_t size)
{
    budget *b = data;
    if (size > b->limit - b->used) {
        b->over = true;
        return NULL;
    }
    size_t *p = malloc(sizeof(size_t) * 2 + size);
    if (p == NULL) {
        return NULL;
    }
    p[0] = size;
    b->used += size;
    return p + 2; /* keeps max_align_t alignment on common ABIs */
}

static void
bud_free(void *data, void *ptr)
{
    budget *b = data;
    if (ptr == NULL) {
        return;
    }
    size_t *p = (size_t *)ptr - 2;
    b->used -= p[0];
    free(p);
}

static bool
copy_str(char *dst, size_t cap, const char *src, bool nonempty)
{
    if (src == NULL) {
        dst[0] = '\0';
        return !nonempty;
    }
    size_t n = strnlen(src, cap);
    if (n >= cap || (nonempty && n == 0)) {
        return false;
    }
    memcpy(dst, src, n + 1);
    return true;
}

static akt_err
dec_addr(const Akt__Cluster__Address *pa, akti_cl_addr *a, bool need_uid)
{
    memset(a, 0, sizeof(*a));
    if (pa == NULL) {
        return AKT_EPROTO;
    }
    if (!copy_str(a->system, sizeof(a->system), pa->system, true)
        || !copy_str(a->host, sizeof(a->host), pa->host, true)
        || (need_uid && pa->uid == 0)) {
        return AKT_EPROTO;
    }
    a->port = pa->port;
    a->uid = pa->uid;
    return AKT_OK;
}

static int
rrec_qcmp(const void *a, const void *b)
{
    const akti_cl_rrec *x = a, *y = b;
    if (x->observer != y->observer) {
        return x->observer < y->observer ? -1 : 1;
    }
    return x->subject < y->subject ? -1 : x->subject > y->subject;
}

static int
rver_qcmp(const void *a, const void *b)
{
    const akti_cl_rver *x = a, *y = b;
    return x->observer < y->observer ? -1 : x->observer > y->observer;
}

static int
u64q(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static akt_err
dec_vc(akti_cl_gossip *g, size_t nn, const uint64_t *node, size_t nc,
    const uint64_t *ctr, uint32_t max)
{
    if (nn != nc) {
        return AKT_EPROTO;
    }
    if (nn > max) {
        return AKT_ETOOBIG;
    }
    if (nn == 0) {
        return AKT_OK;
    }
    g->vc = malloc(sizeof(*g->vc) * nn);
    if (g->vc == NULL) {
        return AKT_ENOMEM;
    }
    g->capvc = (uint32_t)nn;
    for (size_t i = 0; i < nn; i++) {
        if (node[i] == 0 || ctr[i] == 0 || (i > 0 && node[i - 1] >= node[i])) {
            return AKT_EPROTO;
        }
        g->vc[i].node = node[i];
        g->vc[i].counter = ctr[i];
    }
    g->nvc = (uint32_t)nn;
    return AKT_OK;
}

static akt_err
dec_gossip(const Akt__Cluster__Gossip *pg, const akti_cl_wire_limits *lim,
    akti_cl_gossip *g)
{
    if (pg == NULL) {
        return AKT_EPROTO;
    }
    size_t n = pg->n_addresses;
    if (n > lim->max_members || pg->n_tombstones > lim->max_tombstones) {
        return AKT_ETOOBIG;
    }
    if (pg->n_members != n || pg->n_seen > n || pg->n_reachability > n) {
        return AKT_EPROTO;
    }
    if (n > 0) {
        g->m = calloc(n, sizeof(*g->m));
        if (g->m == NULL) {
            return AKT_ENOMEM;
        }
        g->capm = (uint32_t)n;
    }
    for (size_t i = 0; i < n; i++) {
        const Akt__Cluster__Member *pm = pg->members[i];
        akti_cl_member *m = &g->m[i];
        if (pm == NULL || pm->addr != i || pm->n_roles > AKT_CLUSTER_MAX_ROLES
            || pm->app_version >= pg->n_app_versions
            || !akti_cl_status_valid(pm->status)) {
            return AKT_EPROTO;
        }
        akt_err rc = dec_addr(pg->addresses[i], &m->address, true);
        if (rc != AKT_OK) {
            return rc;
        }
        m->status = (akt_member_status)pm->status;
        m->up_number = pm->up_number;
        for (size_t r = 0; r < pm->n_roles; r++) {
            if (pm->roles[r] >= pg->n_roles
                || !copy_str(m->roles[r], AKT_CLUSTER_ROLE_LEN,
                    pg->roles[pm->roles[r]], true)) {
                return AKT_EPROTO;
            }
        }
        m->nroles = (uint32_t)pm->n_roles;
        if (!copy_str(m->app_version, sizeof(m->app_version),
                pg->app_versions[pm->app_version], false)) {
            return AKT_EPROTO;
        }
        g->nm++;
    }
    if (pg->n_seen > 0) {
        g->seen = malloc(sizeof(*g->seen) * pg->n_seen);
        if (g->seen == NULL) {
            return AKT_ENOMEM;
        }
        g->capseen = (uint32_t)pg->n_seen;
        for (size_t i = 0; i < pg->n_seen; i++) {
            if (pg->seen[i] >= n) {
                return AKT_EPROTO;
            }
            g->seen[g->nseen++] = g->m[pg->seen[i]].address.uid;
        }
        qsort(g->seen, g->nseen, sizeof(*g->seen), u64q);
    }
    size_t nrec = 0;
    for (size_t i = 0; i < pg->n_reachability; i++) {
        const Akt__Cluster__ObserverRow *row = pg->reachability[i];
        if (row == NULL || row->observer >= n || row->n_subjects > n) {
            return AKT_EPROTO;
        }
        nrec += row->n_subjects;
    }
    if (pg->n_reachability > 0) {
        g->rv = malloc(sizeof(*g->rv) * pg->n_reachability);
        if (g->rv == NULL) {
            return AKT_ENOMEM;
        }
        g->caprv = (uint32_t)pg->n_reachability;
    }
    if (nrec > 0) {
        if (nrec > (size_t)lim->max_members * 4) {
            return AKT_ETOOBIG;
        }
        g->rr = malloc(sizeof(*g->rr) * nrec);
        if (g->rr == NULL) {
            return AKT_ENOMEM;
        }
        g->caprr = (uint32_t)nrec;
    }
    for (size_t i = 0; i < pg->n_reachability; i++) {
        const Akt__Cluster__ObserverRow *row = pg->reachability[i];
        uint64_t o = g->m[row->observer].address.uid;
        g->rv[g->nrv].observer = o;
        g->rv[g->nrv].version = row->version;
        g->nrv++;
        for (size_t k = 0; k < row->n_subjects; k++) {
            const Akt__Cluster__SubjectCell *c = row->subjects[k];
            if (c == NULL || c->subject >= n) {
                return AKT_EPROTO;
            }
            g->rr[g->nrr++] = (akti_cl_rrec) { .observer = o,
                .subject = g->m[c->subject].address.uid,
                .version = c->version,
                .status = c->status };
        }
    }
    if (g->nrv > 1) {
        qsort(g->rv, g->nrv, sizeof(*g->rv), rver_qcmp);
    }
    if (g->nrr > 1) {
        qsort(g->rr, g->nrr, sizeof(*g->rr), rrec_qcmp);
    }
    akt_err rc = dec_vc(g, pg->n_vc_node, pg->vc_node, pg->n_vc_counter,
        pg->vc_counter, lim->max_members + lim->max_tombstones);
    if (rc != AKT_OK) {
        return rc;
    }
    if (pg->n_tombstones > 0) {
        g->tomb = malloc(sizeof(*g->tomb) * pg->n_tombstones);
        if (g->tomb == NULL) {
            return AKT_ENOMEM;
        }
        g->captomb = (uint32_t)pg->n_tombstones;
        for (size_t i = 0; i < pg->n_tombstones; i++) {
            const Akt__Cluster__Tombstone *t = pg->tombstones[i];
            if (t == NULL) {
                return AKT_EPROTO;
            }
            g->tomb[g->ntomb].uid = t->uid;
            g->tomb[g->ntomb].removed_ms = t->removed_ms;
            g->ntomb++;
        }
    }
    /* sorted, unique, indexes resolved: the state's own invariants */
    return akti_cl_gossip_check(g);
}

akt_err
akti_cl_msg_decode(const void *data, size_t len, const akti_cl_wire_limits *lim,
    akti_cl_msg *out)
{
    akti_cl_msg_init(out, 0);
    if (len > lim->max_bytes) {
        return AKT_ETOOBIG;
    }
    if (len > 0 && data == NULL) {
        return AKT_EINVAL;
    }
    /* protobuf-c's structures for a sane message take a few times its
     * size; a hostile one is cut off here */
    budget b = { .used = 0, .limit = 16 * len + 65536, .over = false };
    ProtobufCAllocator alloc
        = { .alloc = bud_alloc, .free = bud_free, .allocator_data = &b };
    Akt__Cluster__Msg *pm = akt__cluster__msg__unpack(&alloc, len, data);
    if (pm == NULL) {
        return b.over ? AKT_ETOOBIG : AKT_EPROTO;
    }
    akt_err rc = dec_addr(pm->from, &out->from, true);
    if (rc == AKT_OK) {
        rc = dec_addr(pm->to, &out->to, false);
    }
    if (rc != AKT_OK) {
        goto out;
    }
    rc = AKT_EPROTO;
    switch (pm->body_case) {
    case AKT__CLUSTER__MSG__BODY_INIT_JOIN: {
        const Akt__Cluster__InitJoin *j = pm->init_join;
        out->kind = AKTI_CLM_INIT_JOIN;
        if (j == NULL || j->n_config > AKTI_CL_CHECK_MAX) {
            break;
        }
        rc = AKT_OK;
        for (size_t i = 0; i < j->n_config && rc == AKT_OK; i++) {
            const char *e = j->config[i];
            size_t n = e != NULL ? strlen(e) : 0;
            const char *eq = n > 0 ? strchr(e, '=') : NULL;
            if (n == 0 || n >= AKTI_CL_CHECK_LEN || eq == NULL || eq == e) {
                rc = AKT_EPROTO; /* "key=value", within its size */
            } else {
                memcpy(out->config[i], e, n + 1);
            }
        }
        out->nconfig = rc == AKT_OK ? (uint32_t)j->n_config : 0;
        break;
    }
    case AKT__CLUSTER__MSG__BODY_INIT_JOIN_ACK: {
        const Akt__Cluster__InitJoinAck *a = pm->init_join_ack;
        out->kind = AKTI_CLM_INIT_JOIN_ACK;
        size_t n = a != NULL && a->refused != NULL ? strlen(a->refused) : 0;
        if (n >= AKTI_CL_REFUSED_LEN) {
            break;
        }
        if (n > 0) {
            memcpy(out->refused, a->refused, n + 1);
        }
        rc = AKT_OK;
        break;
    }
    case AKT__CLUSTER__MSG__BODY_INIT_JOIN_NACK:
        out->kind = AKTI_CLM_INIT_JOIN_NACK;
        rc = AKT_OK;
        break;
    case AKT__CLUSTER__MSG__BODY_JOIN: {
        const Akt__Cluster__Join *j = pm->join;
        out->kind = AKTI_CLM_JOIN;
        if (j == NULL || j->n_roles > AKT_CLUSTER_MAX_ROLES) {
            break;
        }
        const char *roles[AKT_CLUSTER_MAX_ROLES];
        for (size_t i = 0; i < j->n_roles; i++) {
            roles[i] = j->roles[i];
        }
        rc = akti_cl_member_init(&out->joiner, out->from.system, out->from.host,
            out->from.port, out->from.uid, roles, (uint32_t)j->n_roles,
            j->app_version);
        if (rc != AKT_OK) {
            rc = AKT_EPROTO;
        }
        break;
    }
    case AKT__CLUSTER__MSG__BODY_WELCOME:
        out->kind = AKTI_CLM_WELCOME;
        if (pm->welcome != NULL) {
            rc = dec_gossip(pm->welcome->gossip, lim, &out->g);
        }
        break;
    case AKT__CLUSTER__MSG__BODY_GOSSIP:
        out->kind = AKTI_CLM_GOSSIP;
        if (pm->gossip != NULL) {
            rc = dec_gossip(pm->gossip->gossip, lim, &out->g);
        }
        break;
    case AKT__CLUSTER__MSG__BODY_LEAVE:
        out->kind = AKTI_CLM_LEAVE;
        if (pm->leave != NULL) {
            rc = dec_addr(pm->leave->node, &out->node, true);
        }
        break;
    case AKT__CLUSTER__MSG__BODY_EXITING_CONFIRMED:
        out->kind = AKTI_CLM_EXITING_CONFIRMED;
        if (pm->exiting_confirmed != NULL) {
            rc = dec_addr(pm->exiting_confirmed->node, &out->node, true);
        }
        break;
    case AKT__CLUSTER__MSG__BODY_DOWN:
        out->kind = AKTI_CLM_DOWN;
        if (pm->down != NULL) {
            rc = dec_addr(pm->down->node, &out->node, true);
        }
        break;
    case AKT__CLUSTER__MSG__BODY_HEARTBEAT:
    case AKT__CLUSTER__MSG__BODY_HEARTBEAT_RSP: {
        bool rsp = pm->body_case == AKT__CLUSTER__MSG__BODY_HEARTBEAT_RSP;
        const Akt__Cluster__Heartbeat *h
            = rsp ? pm->heartbeat_rsp : pm->heartbeat;
        out->kind = rsp ? AKTI_CLM_HEARTBEAT_RSP : AKTI_CLM_HEARTBEAT;
        if (h != NULL && h->seq != 0) {
            out->seq = h->seq;
            out->sent_ns = h->sent_ns;
            rc = AKT_OK;
        }
        break;
    }
    case AKT__CLUSTER__MSG__BODY_GOSSIP_STATUS: {
        const Akt__Cluster__GossipStatus *st = pm->gossip_status;
        out->kind = AKTI_CLM_GOSSIP_STATUS;
        if (st != NULL) {
            rc = dec_vc(&out->g, st->n_vc_node, st->vc_node, st->n_vc_counter,
                st->vc_counter, lim->max_members + lim->max_tombstones);
            out->seen_digest = st->seen_digest;
        }
        break;
    }
    default:
        break;
    }
out:
    akt__cluster__msg__free_unpacked(pm, &alloc);
    if (rc != AKT_OK) {
        akti_cl_gossip_fini(&out->g);
    }
    return rc;
}
