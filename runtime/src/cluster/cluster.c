/*
 * cluster.c -- the public API (akt/cluster.h): a system becomes a cluster
 * node by running the membership protocol (node.c) over remoting, through
 * remoting's public API only (akt_remote_ref, akt_tell of one registered
 * message type carrying the cluster's protobuf bytes).
 *
 * Two system actors, each on its own pinned thread so that no user load
 * delays them:
 *   /system/cluster     the daemon: every cluster message but heartbeats,
 *                       the node's timers (one single timer re-armed to the
 *                       node's next deadline), user actions (a kick)
 *   /system/cluster-hb  the heartbeat responder: answers a Heartbeat at
 *                       once from the immutable self address, never
 *                       queued behind the daemon (stateless,
 *                       akti_cl_heartbeat_answer); answers go to the
 *                       sender's daemon, which feeds its failure detector
 * The node is guarded by one mutex (daemon and API calls). Events the node
 * emits are numbered and queued under it, then handed to subscribers by
 * the daemon without it; a new subscriber gets the current state first,
 * on its own thread, and then only events numbered after that state.
 *
 * The system holds the cluster in its extension slot AKTI_EXT_CLUSTER
 * (core/ext.h); the actors and the slot each hold a reference.
 */
#include "akt/cluster.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "akt/akt.h"
#include "akt/akt_gen.h"
#include "cluster/cluster_impl.h"
#include "config/settings_reader.h"
#include "core/ext.h"

/* --- the message types ---------------------------------------------------- */

typedef struct akti_cl_wire_msg {
    akt_bytes data; /* one idl/cluster.proto Msg */
} akti_cl_wire_msg;

static const akt_field wire_fields[] = {
    { .name = "data",
        .number = 1,
        .kind = AKT_KIND_BYTES,
        .offset = offsetof(akti_cl_wire_msg, data),
        .has_offset = AKT_NO_OFFSET,
        .doc = "an akt.cluster.Msg (idl/cluster.proto)" },
};

static const akt_type wire_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM | AKT_TYPE_TABLE,
    .name = "akt.cluster.Wire",
    .id = 0xfd6fb8ef115e5ddeull, /* akt_type_id("akt.cluster.Wire") */
    .size = sizeof(akti_cl_wire_msg),
    .align = _Alignof(akti_cl_wire_msg),
    .fields = wire_fields,
    .nfields = 1,
    .doc = "Cluster membership traffic between cluster daemons.",
};

typedef struct akti_cl_tick_msg {
    int32_t unused;
} akti_cl_tick_msg;

/* local only (no codec): the daemon's timer and the kick of API calls */
static const akt_type tick_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.cluster.Tick",
    .id = 0x1617b30680d7dd22ull, /* akt_type_id("akt.cluster.Tick") */
    .size = sizeof(akti_cl_tick_msg),
    .align = _Alignof(akti_cl_tick_msg),
};

/* local only: coordinated shutdown's cluster-leave task asks the daemon to
 * leave and answers when this node has left (or is no member) */
static const akt_type leave_type = {
    .abi = AKT_GEN_ABI,
    .flags = AKT_TYPE_MESSAGE | AKT_TYPE_SYSTEM,
    .name = "akt.cluster.Leave",
    .id = 0x9bdf995d97b98eaeull, /* akt_type_id("akt.cluster.Leave") */
    .size = sizeof(akti_cl_tick_msg),
    .align = _Alignof(akti_cl_tick_msg),
};

#define LEAVE_WAITERS 16

/* --- the cluster of a system ---------------------------------------------- */

typedef struct sub {
    uint64_t id;
    akt_cluster_event_fn fn;
    void *arg;
    void (*fini)(void *arg);
    uint64_t from_seq; /* events up to this one were in its replay */
    struct sub *next;
} sub;

typedef struct pend_ev {
    uint64_t seq;
    akt_cluster_event ev;
} pend_ev;

typedef struct cl {
    _Atomic int refs;
    akt_system *sys;
    akti_cluster_conf conf;
    akti_cl_addr self; /* immutable after start */
    pthread_mutex_t mu; /* node, pend, seq, stopped */
    pthread_mutex_t submu; /* subs */
    akti_clnode node;
    pend_ev *pend;
    size_t npend, cappend;
    uint64_t seq;
    bool stopped; /* the node stopped taking part */
    sub *subs;
    uint64_t next_sub;
    akt_ref daemon, hb;
    akt_ref waiters[LEAVE_WAITERS]; /* asked to leave: answered when gone */
    size_t nwaiters;
    /* discovery.method = etcd: the thread that joins through etcd, and
     * the discovery that keeps this node registered (boot_mu) */
    pthread_mutex_t boot_mu;
    pthread_cond_t boot_cv; /* CLOCK_MONOTONIC */
    pthread_t boot;
    bool boot_running, boot_stop;
    akt_discovery *disc;
    _Atomic uint64_t send_failures, hb_answers;
} cl;

static _Thread_local bool in_dispatch;

static void
cl_retain(void *arg)
{
    atomic_fetch_add(&((cl *)arg)->refs, 1);
}

static void
cl_release(cl *c)
{
    if (atomic_fetch_sub(&c->refs, 1) != 1) {
        return;
    }
    akti_clnode_fini(&c->node);
    akti_cluster_conf_fini(&c->conf);
    for (sub *s = c->subs; s != NULL;) {
        sub *next = s->next;
        if (s->fini != NULL) {
            s->fini(s->arg);
        }
        free(s);
        s = next;
    }
    free(c->pend);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->submu);
    pthread_mutex_destroy(&c->boot_mu);
    pthread_cond_destroy(&c->boot_cv);
    free(c);
}

static cl *
cl_get(akt_system *sys)
{
    return akti_system_ext_get(sys, AKTI_EXT_CLUSTER, cl_retain);
}

/* --- addresses ------------------------------------------------------------ */

akt_err
akti_cluster_parse_address(const char *path, akti_cl_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (path == NULL || strncmp(path, "akt://", 6) != 0) {
        return AKT_EINVAL;
    }
    const char *p = path + 6;
    const char *at = strchr(p, '@');
    if (at == NULL || at == p) {
        return AKT_EINVAL;
    }
    size_t sl = (size_t)(at - p);
    if (sl >= sizeof(out->system)) {
        return AKT_ERANGE;
    }
    memcpy(out->system, p, sl);
    p = at + 1;
    size_t hl;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (close == NULL) {
            return AKT_EINVAL;
        }
        hl = (size_t)(close - p) + 1;
        if (close[1] != '\0' && close[1] != '/') {
            return AKT_EINVAL;
        }
    } else {
        const char *end = p + strcspn(p, "/");
        const char *colon = NULL;
        for (const char *q = p; q < end; q++) {
            if (*q == ':') {
                colon = q;
            }
        }
        if (colon == NULL || colon == p || colon + 1 == end) {
            return AKT_EINVAL;
        }
        char *e;
        unsigned long port = strtoul(colon + 1, &e, 10);
        if (e != end || port == 0 || port > 65535) {
            return AKT_EINVAL;
        }
        out->port = (uint32_t)port;
        hl = (size_t)(colon - p);
    }
    if (hl == 0) {
        return AKT_EINVAL;
    }
    if (hl >= sizeof(out->host)) {
        return AKT_ERANGE;
    }
    memcpy(out->host, p, hl);
    return AKT_OK;
}

akt_err
akt_cluster_member_path(const akt_cluster_address *a, char *buf, size_t len)
{
    if (a == NULL || buf == NULL) {
        return AKT_EINVAL;
    }
    int n = a->port != 0
        ? snprintf(
            buf, len, "akt://%s@%s:%" PRIu32, a->system, a->host, a->port)
        : snprintf(buf, len, "akt://%s@%s", a->system, a->host);
    return n < 0 || (size_t)n >= len ? AKT_ERANGE : AKT_OK;
}

/* --- settings ------------------------------------------------------------- */

static void
read_list(akti_setreader *rd, const char *key, char *dst, size_t width,
    size_t max, size_t *n)
{
    *n = 0;
    if (rd->rc != AKT_OK || rd->cfg == NULL || !akt_config_has(rd->cfg, key)) {
        return;
    }
    size_t len;
    if (akt_config_get_list_len(rd->cfg, key, &len, NULL) != AKT_OK) {
        akti_set_reject(rd, key, AKT_ETYPE, "a list of strings");
        return;
    }
    if (len > max) {
        akti_set_reject(rd, key, AKT_ERANGE, "a shorter list");
        return;
    }
    for (size_t i = 0; i < len; i++) {
        const char *s;
        int64_t num;
        /* a number would read as its text: it is no string here */
        if (akt_config_get_list_int(rd->cfg, key, i, &num, NULL) == AKT_OK
            || akt_config_get_list_string(rd->cfg, key, i, &s, NULL)
                != AKT_OK) {
            akti_set_reject(rd, key, AKT_ETYPE, "a list of strings");
            return;
        }
        if (s[0] == '\0' || strlen(s) >= width) {
            akti_set_reject(rd, key, AKT_ERANGE,
                "non-empty strings short enough for their field");
            return;
        }
        strcpy(dst + i * width, s);
    }
    *n = len;
}

akt_err
akti_cluster_conf_read(
    const akt_config *cfg, akti_cluster_conf *out, akt_config_error *err)
{
    memset(out, 0, sizeof(*out));
    akti_cl_settings *s = &out->set;
    akti_cl_settings_default(s);
    strcpy(out->app_version, "0.0.0");
    out->shutdown_when_down = true;
    akti_setreader rd = { .cfg = cfg, .rc = AKT_OK, .err = err };
    const int64_t ms = 1000000, sec = 1000000000, day = 86400 * sec;
    /* seeds: count first, then read */
    size_t nseeds = 0;
    if (cfg != NULL && akt_config_has(cfg, "akt.cluster.seed-nodes")
        && akt_config_get_list_len(cfg, "akt.cluster.seed-nodes", &nseeds, NULL)
            == AKT_OK
        && nseeds > 0) {
        out->seeds = calloc(nseeds, AKTI_CL_PATH_MAX);
        if (out->seeds == NULL) {
            return AKT_ENOMEM;
        }
    }
    read_list(&rd, "akt.cluster.seed-nodes", out->seeds ? out->seeds[0] : NULL,
        AKTI_CL_PATH_MAX, nseeds, &out->nseeds);
    for (size_t i = 0; rd.rc == AKT_OK && i < out->nseeds; i++) {
        akti_cl_addr a;
        if (akti_cluster_parse_address(out->seeds[i], &a) != AKT_OK) {
            akti_set_reject(&rd, "akt.cluster.seed-nodes", AKT_EINVAL,
                "addresses like \"akt://sys@host:port\"");
        }
    }
    read_list(&rd, "akt.cluster.roles", out->roles[0], AKT_CLUSTER_ROLE_LEN,
        AKT_CLUSTER_MAX_ROLES, &out->nroles);
    const char *ver = NULL;
    akti_set_str(&rd, "akt.cluster.app-version", &ver);
    if (rd.rc == AKT_OK && ver != NULL) {
        if (ver[0] == '\0' || strlen(ver) >= sizeof(out->app_version)) {
            akti_set_reject(&rd, "akt.cluster.app-version", AKT_ERANGE,
                "a version of 1 to 31 bytes");
        } else {
            strcpy(out->app_version, ver);
        }
    }
    int64_t v = s->min_members;
    akti_set_int(&rd, "akt.cluster.min-nr-of-members", &v, 1, 100000);
    s->min_members = (uint32_t)v;
    akti_set_dur(&rd, "akt.cluster.gossip-interval", &s->gossip_interval_ns,
        10 * ms, 60 * sec);
    akti_set_dur(&rd, "akt.cluster.gossip-time-to-live", &s->gossip_ttl_ns,
        10 * ms, 3600 * sec);
    akti_set_dur(&rd, "akt.cluster.leader-actions-interval",
        &s->leader_interval_ns, 10 * ms, 60 * sec);
    akti_set_dur(&rd, "akt.cluster.unreachable-nodes-reaper-interval",
        &s->reaper_interval_ns, 10 * ms, 60 * sec);
    akti_set_dur(&rd, "akt.cluster.seed-node-timeout", &s->seed_timeout_ns,
        10 * ms, 3600 * sec);
    akti_set_dur(&rd, "akt.cluster.retry-unsuccessful-join-after",
        &s->retry_join_ns, 10 * ms, 3600 * sec);
    akti_set_dur(&rd, "akt.cluster.allow-weakly-up-members",
        &s->weakly_up_after_ns, 0, 3600 * sec);
    akti_set_dur(&rd, "akt.cluster.prune-gossip-tombstones-after",
        &s->prune_tombstones_ns, sec, 365 * day);
    akti_set_double(&rd, "akt.cluster.gossip-different-view-probability",
        &s->diff_view_probability, 0.0, 1.0);
    akti_set_bool(&rd, "akt.cluster.run-coordinated-shutdown-when-down",
        &out->shutdown_when_down);
    uint64_t max_bytes = s->wire.max_bytes;
    akti_set_size(&rd, "akt.cluster.max-gossip-size", &max_bytes, 4096,
        (uint64_t)1 << 30);
    s->wire.max_bytes = (size_t)max_bytes;
    v = s->wire.max_members;
    akti_set_int(&rd, "akt.cluster.max-members", &v, 2, 1000000);
    s->wire.max_members = (uint32_t)v;
    akti_cl_fd_settings *fd = &s->fd;
    akti_set_dur(&rd, "akt.cluster.failure-detector.heartbeat-interval",
        &fd->interval_ns, 10 * ms, 60 * sec);
    akti_set_double(&rd, "akt.cluster.failure-detector.threshold",
        &fd->threshold, 0.5, 1000.0);
    akti_set_dur(&rd, "akt.cluster.failure-detector.acceptable-heartbeat-pause",
        &fd->acceptable_pause_ns, 0, 3600 * sec);
    akti_set_dur(&rd, "akt.cluster.failure-detector.min-std-deviation",
        &fd->min_std_dev_ns, ms, 60 * sec);
    akti_set_dur(&rd, "akt.cluster.failure-detector.expected-response-after",
        &fd->expected_response_after_ns, ms, 3600 * sec);
    v = fd->monitored_by;
    akti_set_int(&rd, "akt.cluster.failure-detector.monitored-by-nr-of-members",
        &v, 1, 64);
    fd->monitored_by = (uint32_t)v;
    static const char *const providers[] = { "none", "split-brain-resolver" };
    int prov = 1;
    akti_set_enum(&rd, "akt.cluster.downing-provider", &prov, providers, 2);
    s->sbr_on = prov == 1;
    akti_sbr_settings *b = &s->sbr;
    static const char *const strategies[] = { "keep-majority", "static-quorum",
        "keep-oldest", "down-all", "lease-majority" };
    int strat = (int)b->strategy;
    akti_set_enum(&rd, "akt.cluster.split-brain-resolver.active-strategy",
        &strat, strategies, 5);
    b->strategy = (akti_sbr_strategy)strat;
    akti_set_dur(&rd, "akt.cluster.split-brain-resolver.stable-after",
        &b->stable_after_ns, 0, 3600 * sec);
    const char *unstable_key
        = "akt.cluster.split-brain-resolver.down-all-when-unstable";
    bool on = true;
    if (rd.rc == AKT_OK && cfg != NULL
        && akt_config_get_bool(cfg, unstable_key, &on, NULL) == AKT_OK) {
        b->down_all_when_unstable_ns
            = on ? akti_sbr_unstable_default(b->stable_after_ns) : 0;
    } else {
        b->down_all_when_unstable_ns
            = akti_sbr_unstable_default(b->stable_after_ns);
        akti_set_dur(
            &rd, unstable_key, &b->down_all_when_unstable_ns, 0, 3600 * sec);
    }
    const char *roles[3] = { NULL, NULL, NULL };
    akti_set_str(
        &rd, "akt.cluster.split-brain-resolver.keep-majority-role", &roles[0]);
    akti_set_str(
        &rd, "akt.cluster.split-brain-resolver.static-quorum-role", &roles[1]);
    akti_set_str(
        &rd, "akt.cluster.split-brain-resolver.keep-oldest-role", &roles[2]);
    const char *role = roles[strat == 1 ? 1 : strat == 2 ? 2 : 0];
    if (rd.rc == AKT_OK && role != NULL) {
        if (strlen(role) >= sizeof(b->role)) {
            akti_set_reject(&rd,
                strat == 1       ? "akt.cluster.split-brain-resolver."
                                   "static-quorum-role"
                    : strat == 2 ? "akt.cluster.split-brain-resolver."
                                   "keep-oldest-role"
                                 : "akt.cluster.split-brain-resolver."
                                   "keep-majority-role",
                AKT_ERANGE, "a role of at most 31 bytes");
        } else {
            strcpy(b->role, role);
        }
    }
    v = b->quorum_size;
    akti_set_int(
        &rd, "akt.cluster.split-brain-resolver.quorum-size", &v, 0, 100000);
    b->quorum_size = (uint32_t)v;
    if (rd.rc == AKT_OK && s->sbr_on
        && b->strategy == AKTI_SBR_STRAT_STATIC_QUORUM && b->quorum_size == 0) {
        akti_set_reject(&rd, "akt.cluster.split-brain-resolver.quorum-size",
            AKT_ERANGE, "a quorum above 0 (static-quorum needs one)");
    }
    akti_set_bool(&rd, "akt.cluster.split-brain-resolver.down-if-alone",
        &b->down_if_alone);
    akti_set_dur(&rd,
        "akt.cluster.split-brain-resolver.acquire-lease-delay-for-minority",
        &b->lease_delay_minority_ns, 0, 3600 * sec);
    akti_set_bool(&rd,
        "akt.cluster.configuration-compatibility-check.enforce-on-join",
        &s->enforce_on_join);
    /* discovery: seed-nodes from this configuration, or etcd */
    static const char *const methods[] = { "config", "etcd" };
    int method = 0;
    akti_set_enum(&rd, "akt.cluster.discovery.method", &method, methods, 2);
    out->disc_etcd = method == 1;
    read_list(&rd, "akt.cluster.discovery.etcd.endpoints",
        out->disc_endpoints[0], AKTI_CL_DISC_URL_LEN, AKTI_CL_DISC_ENDPOINTS,
        &out->ndisc_endpoints);
    for (size_t i = 0; rd.rc == AKT_OK && i < out->ndisc_endpoints; i++) {
        if (strncmp(out->disc_endpoints[i], "http://", 7) != 0
            || out->disc_endpoints[i][7] == '\0') {
            akti_set_reject(&rd, "akt.cluster.discovery.etcd.endpoints",
                AKT_EINVAL, "etcd URLs like \"http://127.0.0.1:2379\"");
        }
    }
    const char *prefix = NULL;
    akti_set_str(&rd, "akt.cluster.discovery.etcd.prefix", &prefix);
    if (rd.rc == AKT_OK && prefix != NULL) {
        if (strlen(prefix) >= sizeof(out->disc_prefix)) {
            akti_set_reject(&rd, "akt.cluster.discovery.etcd.prefix",
                AKT_ERANGE, "a key prefix of at most 200 bytes");
        } else {
            strcpy(out->disc_prefix, prefix);
        }
    }
    out->disc_ttl_ns = 10 * sec;
    akti_set_dur(&rd, "akt.cluster.discovery.etcd.ttl", &out->disc_ttl_ns, sec,
        3600 * sec);
    v = 2;
    akti_set_int(&rd, "akt.cluster.discovery.etcd.required-contact-points", &v,
        1, AKT_DISCOVERY_MAX);
    out->disc_required = (uint32_t)v;
    if (rd.rc == AKT_OK && out->disc_etcd && out->ndisc_endpoints == 0) {
        akti_set_reject(&rd, "akt.cluster.discovery.etcd.endpoints", AKT_EINVAL,
            "at least one etcd URL (discovery.method = etcd)");
    }
    if (rd.rc == AKT_OK && out->disc_etcd && out->nseeds > 0) {
        akti_set_reject(&rd, "akt.cluster.discovery.method", AKT_EINVAL,
            "config when seed-nodes are set (etcd finds the seeds: set "
            "seed-nodes = [] with method = etcd)");
    }
    /* what a joiner and the cluster must agree on: how downing is
     * decided (two strategies in one cluster could both keep their side) */
    s->ncheck = 0;
    snprintf(s->check[s->ncheck++], AKTI_CL_CHECK_LEN,
        "akt.cluster.downing-provider=%s",
        s->sbr_on ? "split-brain-resolver" : "none");
    if (s->sbr_on) {
        snprintf(s->check[s->ncheck++], AKTI_CL_CHECK_LEN,
            "akt.cluster.split-brain-resolver.active-strategy=%s",
            akti_sbr_strategy_name(b->strategy));
        snprintf(s->check[s->ncheck++], AKTI_CL_CHECK_LEN,
            "akt.cluster.split-brain-resolver.stable-after=%lldms",
            (long long)(b->stable_after_ns / ms));
    }
    if (rd.rc != AKT_OK) {
        akti_cluster_conf_fini(out);
    }
    return rd.rc;
}

void
akti_cluster_conf_fini(akti_cluster_conf *c)
{
    free(c->seeds);
    c->seeds = NULL;
    c->nseeds = 0;
}

/* --- talking to other nodes ----------------------------------------------- */

static void *
wire_new(const uint8_t *buf, size_t len)
{
    akti_cl_wire_msg *m = akt_msg_new(&wire_type, len);
    if (m == NULL) {
        return NULL;
    }
    if (akt_msg_put_bytes(m, &m->data, (akt_bytes) { buf, len }) != AKT_OK) {
        akt_msg_free(m);
        return NULL;
    }
    return m;
}

static void
send_to(cl *c, const akti_cl_addr *to, const char *actor, const uint8_t *buf,
    size_t len, akt_ref sender)
{
    char path[AKTI_CL_PATH_MAX];
    akt_ref ref;
    void *m = NULL;
    if (akt_cluster_member_path(to, path, sizeof path - 32) != AKT_OK) {
        goto fail;
    }
    strcat(path, actor);
    if (akt_remote_ref(c->sys, path, &ref) != AKT_OK
        || (m = wire_new(buf, len)) == NULL) {
        goto fail;
    }
    if (akt_tell(ref, m, sender) == AKT_OK) {
        return;
    }
fail:
    akt_msg_free(m);
    atomic_fetch_add(&c->send_failures, 1);
}

static void
io_send(void *arg, const akti_cl_addr *to, const uint8_t *buf, size_t len,
    akti_cl_send_kind kind)
{
    cl *c = arg;
    send_to(c, to,
        kind == AKTI_CL_SEND_HEARTBEAT ? "/system/cluster-hb"
                                       : "/system/cluster",
        buf, len, c->daemon);
}

/* --- events --------------------------------------------------------------- */

static akt_err
pend_push(cl *c, const akt_cluster_event *ev) /* c->mu held */
{
    if (c->npend == c->cappend) {
        size_t n = c->cappend ? c->cappend * 2 : 32;
        pend_ev *p = realloc(c->pend, sizeof(*p) * n);
        if (p == NULL) {
            return AKT_ENOMEM;
        }
        c->pend = p;
        c->cappend = n;
    }
    c->pend[c->npend].seq = ++c->seq;
    c->pend[c->npend].ev = *ev;
    c->npend++;
    return AKT_OK;
}

static void
to_event(akti_cl_event_kind kind, const akti_cl_member *m,
    akt_member_status prev, akt_cluster_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->kind = (akt_cluster_event_kind)kind;
    ev->has_member = m != NULL;
    if (m != NULL) {
        ev->member = *m;
    }
    ev->previous = prev;
}

static void
io_event(void *arg, akti_cl_event_kind kind, const akti_cl_member *m,
    akt_member_status prev)
{
    akt_cluster_event ev;
    to_event(kind, m, prev, &ev);
    (void)pend_push(arg, &ev); /* out of memory: that event is lost */
}

static void
io_log(void *arg, int level, const char *text)
{
    cl *c = arg;
    akt_log(c->sys,
        level >= 2       ? AKT_LOG_ERROR
            : level == 1 ? AKT_LOG_WARNING
                         : AKT_LOG_INFO,
        AKT_REF_NONE, "cluster: %s", text);
}

static void
io_stopped(void *arg, akti_cl_stop why)
{
    cl *c = arg;
    c->stopped = true;
    akt_cluster_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = AKT_CLUSTER_SELF_STOPPED;
    ev.has_member = true;
    ev.member = c->node.self;
    ev.member.status
        = why == AKTI_CL_STOP_DOWNED ? AKT_MEMBER_DOWN : AKT_MEMBER_REMOVED;
    (void)pend_push(c, &ev);
    const char *reason = why == AKTI_CL_STOP_DOWNED ? "cluster: downed"
        : why == AKTI_CL_STOP_LEFT                  ? "cluster: left"
                                                    : "cluster: removed";
    akt_log(c->sys, AKT_LOG_INFO, AKT_REF_NONE, "%s", reason);
    if (c->conf.shutdown_when_down && why != AKTI_CL_STOP_LEFT) {
        (void)akt_shutdown_run(c->sys, reason);
    }
}

/* hand the queued events to the subscribers (daemon thread, c->mu not
 * held) */
static void
dispatch(cl *c)
{
    pthread_mutex_lock(&c->submu);
    pthread_mutex_lock(&c->mu);
    pend_ev *evs = c->pend;
    size_t n = c->npend;
    c->pend = NULL;
    c->npend = c->cappend = 0;
    pthread_mutex_unlock(&c->mu);
    in_dispatch = true;
    for (size_t i = 0; i < n; i++) {
        for (sub *s = c->subs; s != NULL; s = s->next) {
            if (evs[i].seq > s->from_seq) {
                s->fn(s->arg, &evs[i].ev);
            }
        }
    }
    in_dispatch = false;
    pthread_mutex_unlock(&c->submu);
    free(evs);
}

/* --- the daemon ----------------------------------------------------------- */

static akt_err
daemon_init(void *state, const void *init_arg)
{
    cl *c = (cl *)init_arg;
    cl_retain(c);
    *(cl **)state = c;
    return AKT_OK;
}

static void
actor_fini(void *state)
{
    cl *c = *(cl **)state;
    if (c != NULL) {
        cl_release(c);
    }
}

static void
rearm(akt_ctx *ctx, int64_t next, int64_t now)
{
    if (next == INT64_MAX) {
        (void)akt_timer_cancel(ctx, 1);
        return;
    }
    void *t = akt_msg_new(&tick_type, 0);
    if (t == NULL) {
        return;
    }
    if (akt_timer_start_single(ctx, 1, t, next > now ? next - now : 0)
        != AKT_OK) {
        akt_msg_free(t);
    }
}

/* answer the leave waiters once the node is gone (c->mu not held) */
static void
answer_waiters(cl *c)
{
    akt_ref w[LEAVE_WAITERS];
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    if (c->stopped || c->node.phase != AKTI_CL_MEMBER) {
        n = c->nwaiters;
        memcpy(w, c->waiters, sizeof(w[0]) * n);
        c->nwaiters = 0;
    }
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n; i++) {
        void *t = akt_msg_new(&tick_type, 0);
        if (t != NULL && akt_tell(w[i], t, AKT_REF_NONE) != AKT_OK) {
            akt_msg_free(t);
        }
    }
}

static akt_err
daemon_run(cl *c, akt_ctx *ctx, const akti_cl_wire_msg *w)
{
    int64_t now = akti_now_ns();
    pthread_mutex_lock(&c->mu);
    if (w != NULL) {
        akti_clnode_receive(&c->node, w->data.ptr, w->data.len, now, now);
    }
    int64_t next = akti_clnode_tick(&c->node, now);
    bool waiting = c->nwaiters > 0;
    pthread_mutex_unlock(&c->mu);
    dispatch(c);
    if (waiting) {
        answer_waiters(c);
    }
    rearm(ctx, next, now);
    return AKT_OK;
}

/* coordinated shutdown's cluster-leave phase: leave, answer when gone */
static akt_err
daemon_on_leave(void *state, akt_ctx *ctx, const void *msg)
{
    (void)msg;
    cl *c = *(cl **)state;
    pthread_mutex_lock(&c->mu);
    bool member = !c->stopped && c->node.phase == AKTI_CL_MEMBER;
    if (member && c->nwaiters < LEAVE_WAITERS) {
        c->waiters[c->nwaiters++] = akt_ctx_sender(ctx);
        (void)akti_clnode_leave(&c->node, &c->self, akti_now_ns());
    }
    pthread_mutex_unlock(&c->mu);
    if (!member) {
        void *t = akt_msg_new(&tick_type, 0);
        if (t != NULL && akt_reply(ctx, t) != AKT_OK) {
            akt_msg_free(t);
        }
    }
    return daemon_run(c, ctx, NULL);
}

static akt_err
daemon_on_wire(void *state, akt_ctx *ctx, const void *msg)
{
    return daemon_run(*(cl **)state, ctx, msg);
}

static akt_err
daemon_on_tick(void *state, akt_ctx *ctx, const void *msg)
{
    (void)msg;
    return daemon_run(*(cl **)state, ctx, NULL);
}

static const akt_handler daemon_handlers[] = {
    { &wire_type, daemon_on_wire },
    { &tick_type, daemon_on_tick },
    { &leave_type, daemon_on_leave },
};

static const akt_behavior daemon_behavior = {
    .name = "cluster-daemon",
    .handlers = daemon_handlers,
    .nhandlers = 3,
};

/* the responder: heartbeats are answered here, on their own thread */
static akt_err
hb_on_wire(void *state, akt_ctx *ctx, const void *msg)
{
    cl *c = *(cl **)state;
    const akti_cl_wire_msg *w = msg;
    uint8_t *out;
    size_t len;
    akti_cl_addr to;
    akt_err rc = akti_cl_heartbeat_answer(
        &c->self, w->data.ptr, w->data.len, &c->conf.set.wire, &out, &len, &to);
    if (rc == AKT_OK) {
        send_to(c, &to, "/system/cluster", out, len, c->daemon);
        atomic_fetch_add(&c->hb_answers, 1);
        free(out);
    } else if (rc == AKT_ENOENT) {
        (void)akt_forward(ctx, c->daemon); /* not a heartbeat for us */
    }
    return AKT_OK;
}

static const akt_handler hb_handlers[] = {
    { &wire_type, hb_on_wire },
};

static const akt_behavior hb_behavior = {
    .name = "cluster-heartbeat",
    .handlers = hb_handlers,
    .nhandlers = 1,
};

static void
kick(cl *c)
{
    void *t = akt_msg_new(&tick_type, 0);
    if (t != NULL && akt_tell(c->daemon, t, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(t);
    }
}

/* --- start and stop ------------------------------------------------------- */

/* lease-majority: the resolver's try at the lease (on the daemon's thread;
 * a request to etcd takes milliseconds, at most its deadline) */
static bool
lease_try(void *arg, const char *owner)
{
    return akt_lease_acquire(arg, owner) == AKT_OK;
}

/* the cluster-leave phase of coordinated shutdown: a graceful leave, done
 * when this node is removed (the phase's timeout bounds it) */
static akt_err
leave_task(akt_system *sys, const char *reason, void *arg, akt_future **done)
{
    (void)sys;
    (void)reason;
    cl *c = arg;
    void *m = akt_msg_new(&leave_type, 0);
    if (m == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = akt_ask(c->daemon, m, 60LL * 1000000000LL, done);
    if (rc != AKT_OK) {
        akt_msg_free(m);
        *done = NULL;
    }
    return rc == AKT_ESTOPPED ? AKT_OK : rc;
}

static void
task_fini(void *arg)
{
    cl_release(arg);
}

/* --- discovery from configuration (akt.cluster.discovery.method = etcd) */

/* wait up to ns or until stopped; true when stopped. boot_mu held. */
static bool
boot_wait(cl *c, int64_t ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ns += ts.tv_nsec;
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec = (long)(ns % 1000000000LL);
    while (!c->boot_stop
        && pthread_cond_timedwait(&c->boot_cv, &c->boot_mu, &ts) == 0) { }
    return c->boot_stop;
}

/* register with etcd and join the registered nodes (the first endpoint
 * that answers; an etcd that does not is followed by the next, a round of
 * all of them by a 1 s pause), until joined, stopped or a hard error */
static void *
boot_main(void *arg)
{
    cl *c = arg;
    const akti_cluster_conf *k = &c->conf;
    char prefix[256];
    if (k->disc_prefix[0] != '\0') {
        snprintf(prefix, sizeof prefix, "%s", k->disc_prefix);
    } else {
        snprintf(prefix, sizeof prefix, "akt/%.200s", akt_system_name(c->sys));
    }
    size_t ep = 0, failed = 0;
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&c->boot_mu);
    while (!c->boot_stop) {
        akt_discovery *d = c->disc;
        pthread_mutex_unlock(&c->boot_mu);
        if (d == NULL) {
            rc = akt_discovery_etcd_new(
                k->disc_endpoints[ep], prefix, k->disc_ttl_ns, &d);
        }
        if (d != NULL) {
            pthread_mutex_lock(&c->boot_mu);
            c->disc = d;
            pthread_mutex_unlock(&c->boot_mu);
            /* at most 1 s, so that a stop is noticed */
            rc = akt_cluster_join_discovered(
                c->sys, d, k->disc_required, 1000000000LL);
        }
        pthread_mutex_lock(&c->boot_mu);
        if (rc == AKT_OK) {
            akt_log(c->sys, AKT_LOG_INFO, AKT_REF_NONE,
                "cluster: joining the nodes registered under %s on %s", prefix,
                k->disc_endpoints[ep]);
            break;
        }
        if (rc == AKT_ETIMEDOUT) {
            continue; /* fewer registered than required: read again */
        }
        if (rc != AKT_EPEER) {
            akt_log(c->sys, AKT_LOG_ERROR, AKT_REF_NONE,
                "cluster: discovery on etcd gave up: %s", akt_strerror(rc));
            break;
        }
        akt_log(c->sys, AKT_LOG_WARNING, AKT_REF_NONE,
            "cluster: etcd at %s does not answer: %s", k->disc_endpoints[ep],
            akt_strerror(rc));
        c->disc = NULL;
        pthread_mutex_unlock(&c->boot_mu);
        akt_discovery_free(d);
        pthread_mutex_lock(&c->boot_mu);
        ep = (ep + 1) % k->ndisc_endpoints;
        if (++failed % k->ndisc_endpoints == 0 && boot_wait(c, 1000000000LL)) {
            break;
        }
    }
    pthread_mutex_unlock(&c->boot_mu);
    return NULL;
}

static akt_err
boot_start(cl *c)
{
    pthread_mutex_lock(&c->boot_mu);
    int e = pthread_create(&c->boot, NULL, boot_main, c);
    c->boot_running = e == 0;
    pthread_mutex_unlock(&c->boot_mu);
    return e == 0 ? AKT_OK : AKT_ENOMEM;
}

/* stop joining and deregister (once; the cluster stops or the system
 * terminates) */
static void
boot_stop(cl *c)
{
    pthread_mutex_lock(&c->boot_mu);
    bool running = c->boot_running;
    c->boot_running = false;
    c->boot_stop = true;
    pthread_cond_broadcast(&c->boot_cv);
    pthread_mutex_unlock(&c->boot_mu);
    if (running) {
        pthread_join(c->boot, NULL);
    }
    pthread_mutex_lock(&c->boot_mu);
    akt_discovery *d = c->disc;
    c->disc = NULL;
    pthread_mutex_unlock(&c->boot_mu);
    akt_discovery_free(d);
}

static void
ext_terminated(akt_system *sys, void *arg)
{
    (void)sys;
    boot_stop(arg);
    cl_release(arg);
}

static const akti_ext_ops cluster_ext_ops = {
    .name = "cluster",
    .terminated = ext_terminated,
};

static akt_err
random_uid(uint64_t *out)
{
    uint64_t u = 0;
    while (u == 0) {
        if (getrandom(&u, sizeof u, 0) != (ssize_t)sizeof u) {
            return AKT_EIO;
        }
    }
    *out = u;
    return AKT_OK;
}

akt_err
akt_cluster_start_ex(
    akt_system *sys, const akt_cluster_options *opts, akt_config_error *err)
{
    if (sys == NULL || opts == NULL || opts->registry == NULL
        || (opts->nroles > 0 && opts->roles == NULL)) {
        return AKT_EINVAL;
    }
    char addr[AKTI_CL_PATH_MAX];
    if (akt_remote_address(sys, addr, sizeof addr) != AKT_OK) {
        if (err != NULL) {
            snprintf(err->message, sizeof err->message,
                "akt_cluster_start: remoting is not started on %s (call "
                "akt_remote_start first)",
                akt_system_name(sys));
        }
        return AKT_ENOENT;
    }
    cl *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return AKT_ENOMEM;
    }
    atomic_init(&c->refs, 1);
    c->sys = sys;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->submu, NULL);
    pthread_mutex_init(&c->boot_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->boot_cv, &ca);
    pthread_condattr_destroy(&ca);
    akt_err rc = akti_cluster_conf_read(
        opts->config ? opts->config : akt_system_config(sys), &c->conf, err);
    if (rc != AKT_OK) {
        pthread_mutex_destroy(&c->mu);
        pthread_mutex_destroy(&c->submu);
        pthread_mutex_destroy(&c->boot_mu);
        pthread_cond_destroy(&c->boot_cv);
        free(c);
        return rc;
    }
    const char *roles[AKT_CLUSTER_MAX_ROLES];
    size_t nroles = opts->roles ? opts->nroles : c->conf.nroles;
    for (size_t i = 0; i < nroles && i < AKT_CLUSTER_MAX_ROLES; i++) {
        roles[i] = opts->roles ? opts->roles[i] : c->conf.roles[i];
    }
    akti_cl_member self;
    uint64_t uid = 0;
    if ((rc = akti_cluster_parse_address(addr, &c->self)) != AKT_OK
        || (rc = random_uid(&uid)) != AKT_OK
        || (rc = akti_cl_member_init(&self, c->self.system, c->self.host,
                c->self.port, uid, roles,
                (uint32_t)(nroles > AKT_CLUSTER_MAX_ROLES
                        ? AKT_CLUSTER_MAX_ROLES + 1
                        : nroles),
                opts->app_version ? opts->app_version : c->conf.app_version))
            != AKT_OK
        || (rc = akt_registry_add(opts->registry, &wire_type)) != AKT_OK) {
        if (err != NULL) {
            snprintf(err->message, sizeof err->message,
                "akt_cluster_start: %s (address %.200s, %zu roles)",
                akt_strerror(rc), addr, nroles);
        }
        goto fail;
    }
    c->self.uid = uid;
    akti_cl_io io = { .arg = c,
        .send = io_send,
        .event = io_event,
        .stopped = io_stopped,
        .log = io_log,
        .lease = { .try_acquire = opts->lease ? lease_try : NULL,
            .arg = opts->lease } };
    if ((rc = akti_clnode_init(&c->node, &c->conf.set, &self, &io, uid))
        != AKT_OK) {
        goto fail;
    }
    rc = akti_system_ext_set(sys, AKTI_EXT_CLUSTER, &cluster_ext_ops, c);
    if (rc != AKT_OK) {
        goto fail;
    }
    akt_props dp = { .behavior = &daemon_behavior,
        .state_size = sizeof(cl *),
        .state_init = daemon_init,
        .state_fini = actor_fini,
        .init_arg = c,
        .dispatcher = "pinned" };
    akt_props hp = dp;
    hp.behavior = &hb_behavior;
    if ((rc = akt_system_spawn_system(sys, &dp, "cluster", &c->daemon))
            != AKT_OK
        || (rc = akt_system_spawn_system(sys, &hp, "cluster-hb", &c->hb))
            != AKT_OK) {
        if (!akt_ref_is_none(c->daemon)) {
            (void)akt_stop(c->daemon);
        }
        if (akti_system_ext_clear(sys, AKTI_EXT_CLUSTER, c)) {
            cl_release(c);
        }
        return rc;
    }
    /* a system that shuts down leaves the cluster first */
    cl_retain(c);
    if (akt_shutdown_add_task(sys, AKT_PHASE_CLUSTER_LEAVE, "cluster-leave",
            leave_task, c, task_fini)
        != AKT_OK) {
        cl_release(c); /* shutdown already running: no leave */
    }
    if (c->conf.nseeds > 0) {
        akti_cl_addr *seeds = malloc(sizeof(*seeds) * c->conf.nseeds);
        if (seeds == NULL) {
            return AKT_ENOMEM; /* started; join later by hand */
        }
        for (size_t i = 0; i < c->conf.nseeds; i++) {
            (void)akti_cluster_parse_address(c->conf.seeds[i], &seeds[i]);
        }
        pthread_mutex_lock(&c->mu);
        rc = akti_clnode_join_seeds(
            &c->node, seeds, (uint32_t)c->conf.nseeds, akti_now_ns());
        pthread_mutex_unlock(&c->mu);
        free(seeds);
        kick(c);
    }
    if (rc == AKT_OK && c->conf.disc_etcd) {
        rc = boot_start(c); /* joins through etcd on its own thread */
    }
    return rc;
fail:
    if (rc == AKT_OK) {
        rc = AKT_EINVAL;
    }
    cl_release(c);
    return rc;
}

akt_err
akt_cluster_start(akt_system *sys, const akt_cluster_options *opts)
{
    akt_config_error err;
    memset(&err, 0, sizeof err);
    akt_err rc = akt_cluster_start_ex(sys, opts, &err);
    if (rc != AKT_OK && err.message[0] != '\0') {
        fprintf(stderr, "akt: %s\n", err.message);
    }
    return rc;
}

akt_err
akt_cluster_stop(akt_system *sys)
{
    cl *c = sys ? cl_get(sys) : NULL;
    if (c == NULL) {
        return AKT_ENOENT;
    }
    boot_stop(c);
    (void)akt_stop(c->daemon);
    (void)akt_stop(c->hb);
    if (akti_system_ext_clear(sys, AKTI_EXT_CLUSTER, c)) {
        cl_release(c); /* the slot's reference */
    }
    cl_release(c);
    return AKT_OK;
}

/* --- user actions -----------------------------------------------------------
 */

akt_err
akt_cluster_join_seed_nodes(
    akt_system *sys, const char *const *seeds, size_t nseeds)
{
    if (sys == NULL || seeds == NULL || nseeds == 0 || nseeds > 64) {
        return AKT_EINVAL;
    }
    cl *c = cl_get(sys);
    if (c == NULL) {
        return AKT_ENOENT;
    }
    akti_cl_addr a[64];
    akt_err rc = AKT_OK;
    for (size_t i = 0; i < nseeds && rc == AKT_OK; i++) {
        rc = akti_cluster_parse_address(seeds[i], &a[i]);
    }
    if (rc == AKT_OK) {
        pthread_mutex_lock(&c->mu);
        rc = akti_clnode_join_seeds(
            &c->node, a, (uint32_t)nseeds, akti_now_ns());
        pthread_mutex_unlock(&c->mu);
        kick(c);
    }
    cl_release(c);
    return rc == AKT_ERANGE ? AKT_EINVAL : rc;
}

static akt_err
act(akt_system *sys, const char *address, bool down)
{
    if (sys == NULL) {
        return AKT_EINVAL;
    }
    cl *c = cl_get(sys);
    if (c == NULL) {
        return AKT_ENOENT;
    }
    akti_cl_addr a = c->self;
    akt_err rc = address ? akti_cluster_parse_address(address, &a) : AKT_OK;
    if (rc == AKT_OK) {
        pthread_mutex_lock(&c->mu);
        int64_t now = akti_now_ns();
        rc = down ? akti_clnode_down(&c->node, &a, now)
                  : akti_clnode_leave(&c->node, &a, now);
        pthread_mutex_unlock(&c->mu);
        kick(c);
    }
    cl_release(c);
    return rc == AKT_ERANGE ? AKT_EINVAL : rc;
}

akt_err
akt_cluster_leave(akt_system *sys, const char *address)
{
    return act(sys, address, false);
}

akt_err
akt_cluster_down(akt_system *sys, const char *address)
{
    return act(sys, address, true);
}

/* --- state, subscriptions, stats ------------------------------------------ */

akt_err
akt_cluster_state_get(akt_system *sys, akt_cluster_state *out)
{
    if (sys == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    memset(out, 0, sizeof(*out));
    cl *c = cl_get(sys);
    if (c == NULL) {
        return AKT_ENOENT;
    }
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&c->mu);
    const akti_cl_gossip *g = &c->node.g;
    out->self = c->node.self;
    out->self.status = AKT_MEMBER_REMOVED;
    out->stopped = c->stopped;
    if (g->nm > 0) {
        out->members = malloc(sizeof(*out->members) * g->nm);
        out->unreachable = malloc(sizeof(bool) * g->nm);
        if (out->members == NULL || out->unreachable == NULL) {
            rc = AKT_ENOMEM;
        }
    }
    for (uint32_t i = 0; rc == AKT_OK && i < g->nm; i++) {
        out->members[i] = g->m[i];
        out->unreachable[i]
            = akti_cl_reach_status(&c->node.g, g->m[i].address.uid, false)
            != AKTI_CL_REACHABLE;
        if (g->m[i].address.uid == c->node.uid) {
            out->self = g->m[i];
        }
    }
    out->nmembers = rc == AKT_OK ? g->nm : 0;
    if (rc == AKT_OK && c->node.phase == AKTI_CL_MEMBER) {
        const akti_cl_member *l = akti_cl_leader(g, c->node.uid, NULL);
        out->has_leader = l != NULL;
        if (l != NULL) {
            out->leader = l->address;
        }
        out->convergence = akti_cl_convergence(g, c->node.uid);
    }
    pthread_mutex_unlock(&c->mu);
    cl_release(c);
    if (rc != AKT_OK) {
        akt_cluster_state_free(out);
    }
    return rc;
}

void
akt_cluster_state_free(akt_cluster_state *st)
{
    if (st == NULL) {
        return;
    }
    free(st->members);
    free(st->unreachable);
    st->members = NULL;
    st->unreachable = NULL;
    st->nmembers = 0;
}

typedef struct replay {
    akt_cluster_event *ev;
    size_t n, cap;
    bool failed;
} replay;

static void
replay_add(void *arg, akti_cl_event_kind kind, const akti_cl_member *m,
    akt_member_status prev)
{
    replay *r = arg;
    if (r->n == r->cap) {
        size_t n = r->cap ? r->cap * 2 : 16;
        akt_cluster_event *e = realloc(r->ev, sizeof(*e) * n);
        if (e == NULL) {
            r->failed = true;
            return;
        }
        r->ev = e;
        r->cap = n;
    }
    to_event(kind, m, prev, &r->ev[r->n++]);
}

akt_err
akt_cluster_subscribe(akt_system *sys, akt_cluster_event_fn fn, void *arg,
    void (*fini)(void *arg), uint64_t *id)
{
    if (sys == NULL || fn == NULL) {
        return AKT_EINVAL;
    }
    if (in_dispatch) {
        return AKT_EBUSY;
    }
    cl *c = cl_get(sys);
    if (c == NULL) {
        return AKT_ENOENT;
    }
    sub *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        cl_release(c);
        return AKT_ENOMEM;
    }
    s->fn = fn;
    s->arg = arg;
    s->fini = fini;
    replay r = { 0 };
    akti_cl_gossip empty;
    akti_cl_gossip_init(&empty);
    pthread_mutex_lock(&c->submu);
    pthread_mutex_lock(&c->mu);
    /* the state events were last published for, as events */
    akti_cl_diff(&empty, &c->node.pub, c->node.uid, replay_add, &r);
    if (c->stopped) {
        akt_cluster_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = AKT_CLUSTER_SELF_STOPPED;
        ev.has_member = true;
        ev.member = c->node.self;
        replay_add(&r, (akti_cl_event_kind)AKT_CLUSTER_SELF_STOPPED, &ev.member,
            AKT_MEMBER_REMOVED);
    }
    s->from_seq = c->seq;
    pthread_mutex_unlock(&c->mu);
    if (r.failed) {
        pthread_mutex_unlock(&c->submu);
        free(r.ev);
        free(s);
        cl_release(c);
        return AKT_ENOMEM;
    }
    s->id = ++c->next_sub;
    in_dispatch = true;
    for (size_t i = 0; i < r.n; i++) {
        fn(arg, &r.ev[i]);
    }
    in_dispatch = false;
    s->next = c->subs;
    c->subs = s;
    if (id != NULL) {
        *id = s->id;
    }
    pthread_mutex_unlock(&c->submu);
    free(r.ev);
    cl_release(c);
    return AKT_OK;
}

akt_err
akt_cluster_unsubscribe(akt_system *sys, uint64_t id)
{
    if (sys == NULL) {
        return AKT_EINVAL;
    }
    if (in_dispatch) {
        return AKT_EBUSY;
    }
    cl *c = cl_get(sys);
    if (c == NULL) {
        return AKT_ENOENT;
    }
    sub *gone = NULL;
    pthread_mutex_lock(&c->submu);
    for (sub **p = &c->subs; *p != NULL; p = &(*p)->next) {
        if ((*p)->id == id) {
            gone = *p;
            *p = gone->next;
            break;
        }
    }
    pthread_mutex_unlock(&c->submu);
    cl_release(c);
    if (gone == NULL) {
        return AKT_ENOENT;
    }
    if (gone->fini != NULL) {
        gone->fini(gone->arg);
    }
    free(gone);
    return AKT_OK;
}

const char *
akt_cluster_event_name(akt_cluster_event_kind k)
{
    static const char *const names[] = { "MemberJoined", "MemberWeaklyUp",
        "MemberUp", "MemberLeft", "MemberExited", "MemberDowned",
        "MemberRemoved", "UnreachableMember", "ReachableMember",
        "LeaderChanged", "SelfStopped" };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

akt_err
akt_cluster_stats_get(akt_system *sys, akt_cluster_stats *out)
{
    if (sys == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    cl *c = cl_get(sys);
    if (c == NULL) {
        return AKT_ENOENT;
    }
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&c->mu);
    const akti_cl_node_stats *s = &c->node.stats;
    out->gossip_sent = s->gossip_sent;
    out->gossip_received = s->gossip_received;
    out->status_sent = s->status_sent;
    out->gossip_bytes = s->gossip_bytes;
    out->heartbeats_sent = s->heartbeats_sent;
    out->rejected = s->rejected;
    out->local_health = s->local_health;
    out->leader_actions = s->leader_actions;
    out->sbr_decisions = s->sbr_decisions;
    pthread_mutex_unlock(&c->mu);
    out->heartbeats_answered = atomic_load(&c->hb_answers);
    out->send_failures = atomic_load(&c->send_failures);
    cl_release(c);
    return AKT_OK;
}
