/*
 * remote.c -- location transparency on top of the transport (akt/remote.h).
 *
 * A remote ref is a proxy actor (/user/remote~N) whose behaviour has only
 * an `unhandled` catch-all: it encodes whatever it gets with the type's
 * generated encoder and queues it, with the sender's global path, on the
 * association to the peer. Proxies run on the calling-thread dispatcher by
 * default (akt_remote_options.proxy_dispatcher): the sender's own thread
 * encodes and sends, no pool worker is woken for them (a remote ask's
 * latency). Inbound envelopes are decoded by type id through
 * the registry given to akt_remote_start() and delivered with akt_lookup +
 * akt_tell; the sender becomes a proxy for the remote sender, so replies
 * and asks work across nodes. An ask's temporary sender (a future, path
 * /temp/$uid, not resolvable by akt_lookup) is registered in a ring of
 * reply slots and travels as <address>/temp/<slot id>.
 *
 * Remote death watch is lazy: a proxy asks the peer to watch its target
 * (akt.remote.Watch, a reliable system message) when it gains its first
 * local watcher, and sends akt.remote.Unwatch when it loses its last one
 * (an unwatch, or the watcher stopped) -- the core tells it through the
 * extension slot's `watchers` hook, for proxies only (akti_ctx_watch_hook).
 * The peer keeps one watch per (peer incarnation, path) and answers
 * akt.remote.Terminated when the target stops (or does not exist), and the
 * proxy stops, so local watchers of the proxy get Terminated through the
 * normal path; an Unwatch drops the watch (akti_unwatch_future). When the
 * failure detector declares a node down, or it restarts (new uid), every proxy
 * bound to that incarnation stops and the watches held for its proxies are
 * dropped (drop_peer_watches).
 *
 * Besides the public API, only the core's extension slot is used
 * (core/ext.h): the system holds its remoting in AKTI_EXT_REMOTE, a proxy
 * learns its watcher count through it, and akti_unwatch_future undoes a
 * watch future. There is no process-wide state.
 *
 * Locking: r->mu guards the proxy tables and reply slots; r->life is read-
 * locked around every use of the transport from actor threads and write-
 * locked by akt_remote_stop() before the transport is freed. akt_stop is
 * never called with r->mu held (a stopping proxy's post_stop takes it).
 */
#include "akt/remote.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "akt/akt.h"
#include "config/settings_reader.h"
#include "core/ext.h" /* the per-system extension slot (akti_ext_ops) */
#include "remote/transport.h"

#define PROXY_PREFIX "remote~"
#define NBUCKETS     1024
#define REPLY_SLOTS  65536
#define ONESHOT_MAX  8192 /* reply-path proxies kept waiting for a reply */
#define PATH_MAX_LEN 1024

typedef struct rm rm;

typedef struct proxy {
    rm *r;
    char *path; /* normalized remote path */
    size_t path_len;
    uint64_t id; /* N in remote~N */
    akti_assoc *assoc;
    _Atomic uint64_t bound_uid;
    akt_ref ref;
    bool oneshot; /* an ask's reply path: stops after one message */
    atomic_bool rwatched; /* a Watch is out (written on the proxy thread) */
    akt_buf buf; /* encode buffer: the proxy's handler only */
    /* the global path of the last sender that is a plain actor (its
     * incarnation's path never changes): a proxy fed by one actor builds
     * it once, not per message (not kept by a reply path's proxy, which
     * gets one message); the proxy's handler only */
    akt_ref last_snd;
    char *last_spath; /* malloc'd, last_slen + 1 bytes */
    size_t last_slen;
    struct proxy *next_path, *next_id;
    bool linked;
} proxy;

/* The receiver thread's caches of path -> ref (recipients, and senders'
 * proxies), so a stream of messages to one actor does not resolve its path
 * each time. An entry is trusted for RCACHE_TTL_NS only: after that the
 * path is resolved again, so a new actor under an old name (or a new proxy
 * after the old one stopped) is found within that time. */
#define RCACHE        128
#define RCACHE_TTL_NS 50000000LL

typedef struct rcache_ent {
    char *path;
    size_t len;
    uint64_t hash;
    int64_t at;
    akt_ref ref;
} rcache_ent;

typedef struct reply_slot {
    uint64_t id;
    akt_ref ref;
} reply_slot;

struct inq;
static void inqs_free(rm *r);

struct rm {
    _Atomic int refs;
    akt_system *sys;
    akti_tp *tp;
    const akt_registry *reg;
    char *canon; /* akt://name@authority */
    char *name;
    size_t name_len;
    pthread_mutex_t mu;
    pthread_rwlock_t life;
    bool stopped;
    proxy *by_path[NBUCKETS];
    proxy *by_id[NBUCKETS];
    uint64_t next_proxy;
    uint64_t nproxies;
    reply_slot *slots;
    uint64_t next_slot;
    akt_ref oneshots[ONESHOT_MAX]; /* ring: the oldest is stopped when full */
    uint64_t next_oneshot;
    akt_codec_limits lim;
    char *proxy_disp; /* akt_props.dispatcher of proxies */
    uint64_t watch_id, term_id, unwatch_id;
    struct watch_ctx *watches[NBUCKETS]; /* held for peers, under mu */
    uint64_t nwatches;
    _Atomic uint64_t rwatching; /* proxies with a Watch out */
    _Atomic uint64_t unknown_type, bad_payload, undeliverable, proxy_drops;
    _Atomic int64_t replies; /* asks from peers waiting for their reply */
    atomic_bool ready; /* canon is set: inbound traffic may be handled */
    /* proxies' mailboxes: bounded (akt.remote.proxy-mailbox-size, with the
     * outbound overflow strategy), so no queue on the way out grows */
    akt_mailbox_opts proxy_mbox;
    /* inbound messages parked for the inbound thread (a recipient's full
     * BLOCK mailbox), per association and channel: see "inbound" below */
    pthread_mutex_t in_mu;
    pthread_cond_t in_cv;
    struct inq *inqs; /* under in_mu */
    _Atomic uint64_t parked; /* messages parked now, every queue */
    pthread_t in_th;
    bool in_started, in_quit; /* under in_mu */
    _Atomic uint64_t inbound_dropped;
    /* credit slots of freed associations, handed out again before new
     * ones are opened (a system has 65,535); under mu */
    struct rm_credit {
        uint16_t id;
        akti_credit *c;
    } *free_credits;
    size_t nfree_credits, cap_free_credits;
    /* receiver thread only */
    rcache_ent rc_to[RCACHE], rc_from[RCACHE];
    uint64_t last_type_id;
    const akt_type *last_type;
};

static void
tp_thread_name_rm(const char *name)
{
#if defined(__linux__) && defined(_GNU_SOURCE)
    pthread_setname_np(pthread_self(), name);
#else
    (void)name;
#endif
}

/* --- the system's remoting, in its extension slot ------------------------ */

static void
rm_retain(void *arg)
{
    atomic_fetch_add(&((rm *)arg)->refs, 1);
}

/* rm_get -- the remoting of sys (one reference), or NULL. It lives in the
 * system's AKTI_EXT_REMOTE slot, which holds one reference of its own. */
static rm *
rm_get(akt_system *sys)
{
    return akti_system_ext_get(sys, AKTI_EXT_REMOTE, rm_retain);
}

/* rm_assoc_release -- drop a reference to an association (proxies,
 * watches, replies and parked messages hold one while they live: the
 * transport frees an association nobody refers to) unless the transport
 * is already gone (it freed them all). Not with r->life held. */
static void
rm_assoc_release(rm *r, akti_assoc *a)
{
    pthread_rwlock_rdlock(&r->life);
    if (!r->stopped && a != NULL) {
        akti_assoc_release(a);
    }
    pthread_rwlock_unlock(&r->life);
}

static void
rm_release(rm *r)
{
    if (atomic_fetch_sub(&r->refs, 1) != 1) {
        return;
    }
    for (size_t i = 0; i < NBUCKETS; i++) {
        proxy *p = r->by_path[i];
        while (p) { /* proxies whose post_stop never ran (system gone) */
            proxy *n = p->next_path;
            akt_buf_free(&p->buf);
            free(p->path);
            free(p);
            p = n;
        }
    }
    for (size_t i = 0; i < RCACHE; i++) {
        free(r->rc_to[i].path);
        free(r->rc_from[i].path);
    }
    inqs_free(r);
    free(r->free_credits);
    pthread_mutex_destroy(&r->in_mu);
    pthread_cond_destroy(&r->in_cv);
    free(r->slots);
    free(r->proxy_disp);
    free(r->canon);
    free(r->name);
    pthread_mutex_destroy(&r->mu);
    pthread_rwlock_destroy(&r->life);
    free(r);
}

/* --- paths -------------------------------------------------------------------
 */

static uint64_t
fnv(const char *s)
{
    uint64_t h = 14695981039346656037ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* authority for an NNG URL: "host:port" for tcp, "[url]" otherwise */
static void
authority(const char *url, char *out, size_t len)
{
    if (strncmp(url, "tcp://", 6) == 0) {
        snprintf(out, len, "%s", url + 6);
    } else {
        snprintf(out, len, "[%.*s]", (int)(len > 3 ? len - 3 : 0), url);
    }
}

/* parse_path -- "akt://sys@auth/local" into its parts. url gets the NNG
 * URL ("" when the path has no address); local points into path. */
static akt_err
parse_path(const char *path, char *sys, size_t syslen, char *url, size_t urllen,
    const char **local)
{
    if (strncmp(path, "akt://", 6) != 0) {
        return AKT_EINVAL;
    }
    const char *p = path + 6;
    const char *at = strchr(p, '@');
    const char *slash = strchr(p, '/');
    url[0] = '\0';
    if (at == NULL || (slash && slash < at)) {
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || n >= syslen) {
            return AKT_EINVAL;
        }
        memcpy(sys, p, n);
        sys[n] = '\0';
        *local = slash ? slash : "/";
        return AKT_OK;
    }
    size_t n = (size_t)(at - p);
    if (n == 0 || n >= syslen) {
        return AKT_EINVAL;
    }
    memcpy(sys, p, n);
    sys[n] = '\0';
    const char *a = at + 1, *end;
    if (*a == '[') {
        end = strchr(a, ']');
        if (end == NULL || (size_t)(end - a - 1) >= urllen || end == a + 1) {
            return AKT_EINVAL;
        }
        memcpy(url, a + 1, (size_t)(end - a - 1));
        url[end - a - 1] = '\0';
        end++;
    } else {
        end = strchr(a, '/');
        if (end == NULL) {
            end = a + strlen(a);
        }
        if (end == a || (size_t)(end - a) + 7 >= urllen) {
            return AKT_EINVAL;
        }
        snprintf(url, urllen, "tcp://%.*s", (int)(end - a), a);
    }
    if (*end != '/' && *end != '\0') {
        return AKT_EINVAL;
    }
    *local = *end ? end : "/";
    return AKT_OK;
}

/* local_of -- the local part of a path addressed to system `name` (any
 * authority), or NULL. The inbound fast path: no copies, no printf. */
static const char *
local_of(const char *path, const char *name, size_t name_len)
{
    if (strncmp(path, "akt://", 6) != 0) {
        return NULL;
    }
    const char *p = path + 6;
    if (strncmp(p, name, name_len) != 0
        || (p[name_len] != '@' && p[name_len] != '/')) {
        return NULL;
    }
    p += name_len;
    if (*p == '@') {
        p++;
        if (*p == '[') {
            p = strchr(p, ']');
            if (p == NULL) {
                return NULL;
            }
            p++;
        } else {
            p += strcspn(p, "/");
        }
    }
    return *p == '/' ? p : NULL;
}

/* --- reply slots (asks across nodes)
 * ------------------------------------------- */

static uint64_t
slot_register(rm *r, akt_ref ref) /* r->mu held */
{
    uint64_t id = ++r->next_slot;
    reply_slot *s = &r->slots[id % REPLY_SLOTS];
    s->id = id;
    s->ref = ref;
    return id;
}

static bool
slot_take(rm *r, uint64_t id, akt_ref *out)
{
    bool ok = false;
    pthread_mutex_lock(&r->mu);
    reply_slot *s = &r->slots[id % REPLY_SLOTS];
    if (s->id == id && id != 0) {
        *out = s->ref;
        s->id = 0;
        ok = true;
    }
    pthread_mutex_unlock(&r->mu);
    return ok;
}

/* --- proxies
 * ------------------------------------------------------------------- */

static proxy *
find_path(rm *r, const char *path) /* r->mu held */
{
    for (proxy *p = r->by_path[fnv(path) % NBUCKETS]; p; p = p->next_path) {
        if (strcmp(p->path, path) == 0) {
            return p;
        }
    }
    return NULL;
}

static proxy *
find_id(rm *r, uint64_t id) /* r->mu held */
{
    for (proxy *p = r->by_id[id % NBUCKETS]; p; p = p->next_id) {
        if (p->id == id) {
            return p;
        }
    }
    return NULL;
}

static void
unlink_proxy(rm *r, proxy *p) /* r->mu held */
{
    if (!p->linked) {
        return;
    }
    proxy **pp = &r->by_path[fnv(p->path) % NBUCKETS];
    while (*pp && *pp != p) {
        pp = &(*pp)->next_path;
    }
    if (*pp) {
        *pp = p->next_path;
    }
    pp = &r->by_id[p->id % NBUCKETS];
    while (*pp && *pp != p) {
        pp = &(*pp)->next_id;
    }
    if (*pp) {
        *pp = p->next_id;
    }
    p->linked = false;
    r->nproxies--;
}

/* sender_path -- the global path of a local sender (actor, future, proxy);
 * *stable: it is a plain actor's, the same for as long as s is */
static size_t
sender_path(rm *r, akt_ref s, char *buf, size_t len, bool *stable)
{
    *stable = false;
    char tmp[PATH_MAX_LEN];
    if (akt_ref_is_none(s) || akt_ref_path(s, tmp, sizeof(tmp)) != AKT_OK) {
        return 0;
    }
    const char *local = strchr(tmp + 6, '/');
    if (local == NULL) {
        return 0;
    }
    int n = 0;
    if (strncmp(local, "/temp/", 6) == 0) {
        pthread_mutex_lock(&r->mu);
        uint64_t id = slot_register(r, s);
        pthread_mutex_unlock(&r->mu);
        n = snprintf(
            buf, len, "%s/temp/%llu", r->canon, (unsigned long long)id);
    } else if (strncmp(local, "/user/" PROXY_PREFIX, 6 + strlen(PROXY_PREFIX))
        == 0) {
        uint64_t id = strtoull(local + 6 + strlen(PROXY_PREFIX), NULL, 10);
        pthread_mutex_lock(&r->mu);
        proxy *p = find_id(r, id);
        if (p) {
            n = snprintf(buf, len, "%s", p->path);
        }
        pthread_mutex_unlock(&r->mu);
        if (p == NULL) {
            n = snprintf(buf, len, "%s%s", r->canon, local);
        }
    } else {
        n = snprintf(buf, len, "%s%s", r->canon, local);
        *stable = true;
    }
    return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

static void
send_system(rm *r, akti_assoc *a, uint64_t uid, uint64_t type, const char *path)
{
    akti_envelope e = { path, strlen(path), "", 0, type, (const uint8_t *)path,
        strlen(path) };
    e.recipient = "/system/remote";
    e.recipient_len = strlen(e.recipient);
    akti_assoc_send(a, &e, true, uid);
}

/* proxy_watch -- on the proxy's thread: send the peer a Watch (on) or an
 * Unwatch for p's target, unless that is already what it last sent. */
static void
proxy_watch(proxy *p, bool on)
{
    rm *r = p->r;
    if (p->oneshot || atomic_load(&p->rwatched) == on) {
        return;
    }
    atomic_store(&p->rwatched, on);
    if (on) {
        atomic_fetch_add(&r->rwatching, 1);
    } else {
        atomic_fetch_sub(&r->rwatching, 1);
    }
    pthread_rwlock_rdlock(&r->life);
    if (!r->stopped) {
        uint64_t uid = atomic_load(&p->bound_uid);
        if (uid == 0 && (uid = akti_assoc_peer_uid(p->assoc)) != 0) {
            atomic_store(&p->bound_uid, uid);
        }
        send_system(
            r, p->assoc, uid, on ? r->watch_id : r->unwatch_id, p->path);
    }
    pthread_rwlock_unlock(&r->life);
}

static akt_err
proxy_recv(void *state, akt_ctx *ctx, const void *msg)
{
    proxy *p = *(proxy **)state;
    rm *r = p->r;
    const akt_type *t = akt_msg_type(msg);
    /* a type with no codec, or a message that cannot be encoded (a string
     * that is not UTF-8), cannot cross: a dead letter like any other
     * undeliverable message, never a silent loss */
    akt_err rc = AKT_ETYPE;
    p->buf.len = 0;
    if (akt_type_serializable(t)) {
        rc = akt_msg_encode(msg, &p->buf);
    }
    char tmp[PATH_MAX_LEN];
    const char *spath = tmp;
    size_t slen = 0;
    if (rc == AKT_OK) {
        akt_ref s = akt_ctx_sender(ctx);
        if (!akt_ref_is_none(s) && akt_ref_equal(s, p->last_snd)) {
            spath = p->last_spath;
            slen = p->last_slen;
        } else if (!akt_ref_is_none(s)) {
            bool stable;
            slen = sender_path(r, s, tmp, sizeof(tmp), &stable);
            if (stable && slen > 0 && !p->oneshot) {
                char *c = realloc(p->last_spath, slen + 1);
                if (c != NULL) {
                    memcpy(c, tmp, slen + 1);
                    p->last_spath = c;
                    p->last_slen = slen;
                    p->last_snd = s;
                }
            }
        }
        rc = AKT_ECLOSED;
    }
    pthread_rwlock_rdlock(&r->life);
    if (rc == AKT_ECLOSED && !r->stopped) {
        uint64_t uid = atomic_load(&p->bound_uid);
        if (uid == 0 && (uid = akti_assoc_peer_uid(p->assoc)) != 0) {
            atomic_store(&p->bound_uid, uid);
        }
        akti_envelope e = { p->path, p->path_len, spath, slen, t->id,
            p->buf.data, p->buf.len };
        rc = akti_assoc_send(p->assoc, &e, false, uid);
    }
    pthread_rwlock_unlock(&r->life);
    if (rc != AKT_OK) {
        atomic_fetch_add(
            &r->proxy_drops, 1); /* FAIL/BLOCK overflow, too big, stale */
        /* a dead letter of the system: counted, observed, an ask fails */
        akt_system_publish_dead_letter(
            r->sys, akt_ctx_self(ctx), akt_msg_retain((void *)msg), rc);
    }
    if (rc == AKT_ESTOPPED || p->oneshot) {
        akt_ctx_stop(ctx, akt_ctx_self(ctx)); /* its incarnation is gone */
    }
    if (p->buf.cap > 1u << 20) {
        akt_buf_free(&p->buf); /* do not keep a huge buffer per proxy */
        akt_buf_init(&p->buf);
    }
    return AKT_OK;
}

static akt_err
proxy_state_init(void *state, const void *init_arg)
{
    *(proxy **)state = (proxy *)init_arg;
    return AKT_OK;
}

/* the core tells a proxy of each change of its watcher count (ext.h) */
static akt_err
proxy_pre_start(void *state, akt_ctx *ctx)
{
    (void)state;
    akti_ctx_watch_hook(ctx, AKTI_EXT_REMOTE);
    return AKT_OK;
}

static void
proxy_post_stop(void *state, akt_ctx *ctx)
{
    (void)ctx;
    proxy *p = *(proxy **)state;
    if (p == NULL) {
        return;
    }
    rm *r = p->r;
    proxy_watch(p, false); /* stopped with watchers: the peer may drop it */
    pthread_mutex_lock(&r->mu);
    unlink_proxy(r, p);
    pthread_mutex_unlock(&r->mu);
    rm_assoc_release(r, p->assoc); /* the proxy's reference */
    akt_buf_free(&p->buf);
    free(p->last_spath);
    free(p->path);
    free(p);
    *(proxy **)state = NULL;
    rm_release(r);
}

static const akt_behavior proxy_behavior = {
    .name = "remote-proxy",
    .handlers = NULL,
    .nhandlers = 0,
    .unhandled = proxy_recv,
};

static const akt_lifecycle proxy_lifecycle = {
    .pre_start = proxy_pre_start,
    .post_stop = proxy_post_stop,
};

/* proxy_get -- the proxy for a normalized remote path (created on first
 * use; it remote-watches its target only while it has watchers). a: the
 * association (a callback's, valid during the call), or NULL: the one
 * for url. A proxy holds a reference to its association until it stops,
 * so the association outlives every proxy of it. The transport is alive
 * (r->life read-locked, or its receiver or inbound thread). */
static akt_err
proxy_get(rm *r, const char *path, const char *sysname, const char *url,
    akti_assoc *a, akt_ref *out)
{
    if (a == NULL) {
        akt_err rc = akti_tp_assoc(r->tp, url, sysname, &a);
        if (rc != AKT_OK) {
            return rc;
        }
    } else {
        akti_assoc_hold(a);
    }
    /* from here on a is held: the new proxy's, or released */
    pthread_mutex_lock(&r->mu);
    proxy *p = find_path(r, path);
    if (p != NULL) {
        *out = p->ref;
        pthread_mutex_unlock(&r->mu);
        akti_assoc_release(a);
        return AKT_OK;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL || (p->path = strdup(path)) == NULL) {
        free(p);
        pthread_mutex_unlock(&r->mu);
        akti_assoc_release(a);
        return AKT_ENOMEM;
    }
    p->r = r;
    p->path_len = strlen(path);
    p->id = ++r->next_proxy;
    p->oneshot = strstr(path, "/temp/") != NULL;
    p->assoc = a;
    akt_buf_init(&p->buf);
    atomic_store(&p->bound_uid, akti_assoc_peer_uid(a));
    char name[64];
    snprintf(
        name, sizeof(name), PROXY_PREFIX "%llu", (unsigned long long)p->id);
    akt_props props = {
        .behavior = &proxy_behavior,
        .lifecycle = &proxy_lifecycle,
        .state_size = sizeof(proxy *),
        .state_init = proxy_state_init,
        .init_arg = p,
        .dispatcher = r->proxy_disp,
        .mailbox = &r->proxy_mbox,
    };
    atomic_fetch_add(&r->refs, 1); /* released by post_stop */
    akt_err rc = akt_spawn(r->sys, &props, name, &p->ref);
    if (rc != AKT_OK) {
        atomic_fetch_sub(&r->refs, 1);
        free(p->path);
        free(p);
        pthread_mutex_unlock(&r->mu);
        akti_assoc_release(a);
        return rc;
    }
    p->next_path = r->by_path[fnv(path) % NBUCKETS];
    r->by_path[fnv(path) % NBUCKETS] = p;
    p->next_id = r->by_id[p->id % NBUCKETS];
    r->by_id[p->id % NBUCKETS] = p;
    p->linked = true;
    r->nproxies++;
    *out = p->ref;
    akt_ref evict = AKT_REF_NONE;
    if (p->oneshot) {
        /* a reply path whose reply never comes must not live forever */
        akt_ref *slot = &r->oneshots[r->next_oneshot++ % ONESHOT_MAX];
        evict = *slot;
        *slot = p->ref;
    }
    pthread_mutex_unlock(&r->mu);
    if (!akt_ref_is_none(evict)) {
        akt_stop(evict); /* AKT_ESTOPPED when it already replied: fine */
    }
    return AKT_OK;
}

/* stop_proxies -- stop every proxy of association a that matches: bound
 * to incarnation uid; or (unbound_only) not bound to any yet and watched
 * (a handshake failed: its watchers learn; an unwatched one stays, and
 * what is sent through it fails with the transport's reason); or, with
 * path, that path's proxy. */
static void
stop_proxies(
    rm *r, akti_assoc *a, uint64_t uid, bool unbound_only, const char *path)
{
    size_t n = 0, cap = 16;
    akt_ref *refs = malloc(cap * sizeof(*refs));
    pthread_mutex_lock(&r->mu);
    for (size_t i = 0; i < NBUCKETS; i++) {
        proxy *p = r->by_path[i];
        while (p) {
            proxy *next = p->next_path;
            uint64_t b = atomic_load(&p->bound_uid);
            bool match = path
                ? (strcmp(p->path, path) == 0
                    && (uid == 0 || b == 0 || b == uid))
                : (p->assoc == a
                    && (unbound_only ? b == 0 && atomic_load(&p->rwatched)
                                     : b == uid));
            if (match && refs) {
                if (n == cap) {
                    akt_ref *nr = realloc(refs, 2 * cap * sizeof(*refs));
                    if (nr) {
                        refs = nr;
                        cap *= 2;
                    }
                }
                if (n < cap) {
                    akti_rlog(r->tp, AKTI_LOG_DEBUG,
                        "stopping proxy %s (bound to %016llx)", p->path,
                        (unsigned long long)b);
                    refs[n++] = p->ref;
                    unlink_proxy(r, p);
                }
            }
            p = next;
        }
    }
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < n; i++) {
        akt_stop(refs[i]);
    }
    free(refs);
}

/* --- inbound
 * -------------------------------------------------------------------- */

/* A watch held for a peer's proxy: one per (peer incarnation, path), in
 * r->watches while linked. Whoever unlinks it decides: watch_done (the
 * target stopped: Terminated goes back, watch_fini drops f) or an Unwatch
 * (it takes f, cancels the watch, drops f). */
typedef struct watch_ctx {
    rm *r;
    akti_assoc *a;
    uint64_t uid;
    akt_ref target;
    akt_future *f; /* the caller's reference; NULL once an Unwatch took it */
    struct watch_ctx *next;
    bool linked;
    char path[];
} watch_ctx;

static watch_ctx **
watch_find(rm *r, akti_assoc *a, uint64_t uid, const char *path) /* mu */
{
    for (watch_ctx **pp = &r->watches[fnv(path) % NBUCKETS]; *pp;
         pp = &(*pp)->next) {
        if ((*pp)->a == a && (*pp)->uid == uid
            && strcmp((*pp)->path, path) == 0) {
            return pp;
        }
    }
    return NULL;
}

static void
watch_unlink(rm *r, watch_ctx *w) /* r->mu held */
{
    watch_ctx **pp = watch_find(r, w->a, w->uid, w->path);
    if (w->linked && pp && *pp == w) {
        *pp = w->next;
        r->nwatches--;
    }
    w->linked = false;
}

static void
watch_done(akt_err status, const void *reply, void *arg)
{
    (void)reply;
    watch_ctx *w = arg;
    rm *r = w->r;
    pthread_mutex_lock(&r->mu);
    bool mine = w->linked;
    watch_unlink(r, w);
    pthread_mutex_unlock(&r->mu);
    if (!mine || status != AKT_OK) {
        return; /* unwatched (AKT_ECANCELED) */
    }
    pthread_rwlock_rdlock(&r->life);
    if (!r->stopped) {
        send_system(r, w->a, w->uid, r->term_id, w->path);
    }
    pthread_rwlock_unlock(&r->life);
}

/* after watch_done (the completer still holds the pending reference), or
 * from the future's last release */
static void
watch_fini(void *arg)
{
    watch_ctx *w = arg;
    akt_future *f = w->f;
    rm *r = w->r;
    rm_assoc_release(r, w->a);
    free(w);
    if (f) {
        akt_future_release(f);
    }
    rm_release(r);
}

static void
on_remote_unwatch(rm *r, const akti_peer *from, const char *path)
{
    pthread_mutex_lock(&r->mu);
    watch_ctx **pp = watch_find(r, from->assoc, from->uid, path);
    watch_ctx *w = pp ? *pp : NULL;
    akt_future *f = NULL;
    akt_ref target = AKT_REF_NONE;
    if (w) {
        watch_unlink(r, w);
        f = w->f;
        w->f = NULL;
        target = w->target;
    }
    pthread_mutex_unlock(&r->mu);
    if (f) {
        akti_unwatch_future(target, f); /* completes it: AKT_ECANCELED */
        akt_future_release(f);
    }
}

/* drop_peer_watches -- the peer incarnation (a, uid) is quarantined or
 * declared down: the watches held for its proxies go now (each future is
 * cancelled, as by an Unwatch), not when their targets stop. */
static void
drop_peer_watches(rm *r, akti_assoc *a, uint64_t uid)
{
    typedef struct {
        akt_ref target;
        akt_future *f;
    } dropped;
    size_t n = 0, cap = 0;
    dropped *v = NULL;
    pthread_mutex_lock(&r->mu);
    for (size_t b = 0; b < NBUCKETS; b++) {
        watch_ctx **pp = &r->watches[b];
        while (*pp) {
            watch_ctx *w = *pp;
            if (w->a != a || w->uid != uid) {
                pp = &w->next;
                continue;
            }
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                dropped *nv = realloc(v, nc * sizeof(*nv));
                if (nv == NULL) {
                    break; /* left linked: dropped as its target stops */
                }
                v = nv;
                cap = nc;
            }
            *pp = w->next;
            w->linked = false;
            r->nwatches--;
            v[n].target = w->target;
            v[n].f = w->f;
            w->f = NULL;
            n++;
        }
    }
    pthread_mutex_unlock(&r->mu);
    for (size_t i = 0; i < n; i++) {
        if (v[i].f == NULL) {
            continue;
        }
        akti_unwatch_future(v[i].target, v[i].f); /* AKT_ECANCELED */
        akt_future_release(v[i].f);
    }
    if (n) {
        akti_rlog(r->tp, AKTI_LOG_DEBUG,
            "dropped %zu watches held for %s (uid %016llx)", n,
            akti_assoc_url(a), (unsigned long long)uid);
    }
    free(v);
}

static void
on_remote_watch(rm *r, const akti_peer *from, const akti_envelope *env)
{
    char path[PATH_MAX_LEN], sys[256], url[PATH_MAX_LEN];
    const char *local;
    if (env->payload_len == 0 || env->payload_len >= sizeof(path)) {
        return;
    }
    memcpy(path, env->payload, env->payload_len);
    path[env->payload_len] = '\0';
    akti_rlog(r->tp, AKTI_LOG_DEBUG, "%s for %s from %s",
        env->type_id == r->term_id          ? "remote Terminated"
            : env->type_id == r->unwatch_id ? "remote Unwatch"
                                            : "remote Watch",
        path, from->address);
    if (env->type_id == r->term_id) {
        stop_proxies(r, from->assoc, from->uid, false, path);
        return;
    }
    if (env->type_id == r->unwatch_id) {
        on_remote_unwatch(r, from, path);
        return;
    }
    pthread_mutex_lock(&r->mu);
    bool dup = watch_find(r, from->assoc, from->uid, path) != NULL;
    pthread_mutex_unlock(&r->mu);
    if (dup) {
        return; /* one watch per proxy (reliable delivery is in order) */
    }
    akt_ref target;
    if (parse_path(path, sys, sizeof(sys), url, sizeof(url), &local) != AKT_OK
        || strcmp(sys, r->name) != 0
        || akt_lookup(r->sys, local, &target) != AKT_OK) {
        send_system(
            r, from->assoc, from->uid, r->term_id, path); /* no such actor */
        return;
    }
    akt_future *f;
    if (akt_watch_future(target, &f) != AKT_OK) {
        return;
    }
    watch_ctx *w = malloc(sizeof(*w) + strlen(path) + 1);
    if (w == NULL) {
        akt_future_release(f);
        return;
    }
    w->r = r;
    w->a = from->assoc;
    akti_assoc_hold(w->a); /* released by watch_fini */
    w->uid = from->uid;
    w->target = target;
    w->f = f; /* our reference: watch_fini or an Unwatch drops it */
    strcpy(w->path, path);
    atomic_fetch_add(&r->refs, 1);
    pthread_mutex_lock(&r->mu);
    watch_ctx **head = &r->watches[fnv(path) % NBUCKETS];
    w->next = *head;
    *head = w;
    w->linked = true;
    r->nwatches++;
    pthread_mutex_unlock(&r->mu);
    uint64_t uid = from->uid;
    akti_assoc *a = from->assoc;
    /* may run watch_done and watch_fini at once (target already gone) */
    if (akt_future_on_complete(f, watch_done, w, watch_fini) != AKT_OK) {
        pthread_mutex_lock(&r->mu);
        watch_unlink(r, w);
        pthread_mutex_unlock(&r->mu);
        watch_fini(w);
        return;
    }
    /* the peer was quarantined while this watch was being set up (the
     * ticker's quarantine did not see it linked): drop it now */
    if (akti_tp_is_quarantined(r->tp, uid)) {
        drop_peer_watches(r, a, uid);
    }
}

static rcache_ent *
rc_slot(rcache_ent *tab, const char *path, size_t len, uint64_t *hash)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)path[i];
        h *= 1099511628211ULL;
    }
    *hash = h;
    return &tab[h % RCACHE];
}

static bool
rc_get(rcache_ent *e, const char *path, size_t len, uint64_t h, int64_t now,
    akt_ref *out)
{
    if (e->path == NULL || e->hash != h || e->len != len
        || now - e->at > RCACHE_TTL_NS || memcmp(e->path, path, len) != 0) {
        return false;
    }
    *out = e->ref;
    return true;
}

static void
rc_put(rcache_ent *e, const char *path, size_t len, uint64_t h, int64_t now,
    akt_ref ref)
{
    if (e->path == NULL || e->len != len || memcmp(e->path, path, len) != 0) {
        char *p = malloc(len + 1);
        if (p == NULL) {
            return;
        }
        memcpy(p, path, len);
        p[len] = '\0';
        free(e->path);
        e->path = p;
        e->len = len;
    }
    e->hash = h;
    e->at = now;
    e->ref = ref;
}

/* resolve_sender -- the local ref standing for a remote sender */
static akt_ref
resolve_sender(
    rm *r, const akti_peer *from, const akti_envelope *env, int64_t now)
{
    akt_ref sender = AKT_REF_NONE;
    uint64_t h;
    rcache_ent *e = rc_slot(r->rc_from, env->sender, env->sender_len, &h);
    if (rc_get(e, env->sender, env->sender_len, h, now, &sender)) {
        return sender;
    }
    char ssys[256], surl[PATH_MAX_LEN];
    const char *slocal;
    if (parse_path(env->sender, ssys, sizeof(ssys), surl, sizeof(surl), &slocal)
            != AKT_OK
        || surl[0] == '\0') {
        return AKT_REF_NONE;
    }
    if (strcmp(ssys, r->name) == 0
        && strcmp(surl, akti_tp_address(r->tp)) == 0) {
        akt_lookup(r->sys, slocal, &sender); /* our own actor, via a peer */
    } else {
        bool same = strcmp(surl, akti_assoc_url(from->assoc)) == 0;
        proxy_get(
            r, env->sender, ssys, surl, same ? from->assoc : NULL, &sender);
    }
    /* reply paths (/temp/) are one-shot: not worth caching */
    if (!akt_ref_is_none(sender) && strstr(env->sender, "/temp/") == NULL) {
        rc_put(e, env->sender, env->sender_len, h, now, sender);
    }
    return sender;
}

/* --- asks from peers: a future, not a proxy actor, is the reply path ---
 *
 * An envelope whose sender is a peer's reply slot (<addr>/temp/<n>) is
 * delivered with akt_ask: the recipient sees a future as its sender, and
 * whatever completes that future goes back to the slot from the completing
 * thread -- the reply (encoded), or akt.Status{code, text} for an error
 * reply (text: akt_future_error_text) or a recipient that stopped; nothing
 * after REPLY_TIMEOUT_NS. */
#define REPLY_TIMEOUT_NS 60000000000LL
#define REPLY_MAX        65536 /* outstanding; beyond, a one-shot proxy */

typedef struct reply_ctx {
    rm *r;
    akt_future *f; /* alive while reply_done runs (its pending reference) */
    akti_assoc *a;
    uint64_t uid;
    size_t len;
    char path[];
} reply_ctx;

static void
reply_done(akt_err status, const void *reply, void *arg)
{
    reply_ctx *c = arg;
    rm *r = c->r;
    if (status == AKT_ETIMEDOUT) {
        return; /* the asker has given up too */
    }
    akt_buf buf;
    akt_buf_init(&buf);
    const akt_type *t = status == AKT_OK ? akt_msg_type(reply) : NULL;
    akt_err rc;
    if (status == AKT_OK) {
        rc = akt_type_serializable(t) ? akt_msg_encode(reply, &buf) : AKT_ETYPE;
        if (rc != AKT_OK) {
            /* a reply that cannot cross fails the remote ask at once
             * with the reason instead of leaving it to its timeout */
            status = rc;
            buf.len = 0;
        }
    }
    if (status != AKT_OK) {
        const char *text = akt_future_error_text(c->f);
        akt_Status st
            = { .code = (int32_t)status, .text = { text, strlen(text) } };
        t = &akt_status_type;
        rc = t->encode(&st, &buf);
    }
    if (rc == AKT_OK) {
        pthread_rwlock_rdlock(&r->life);
        if (!r->stopped) {
            akti_envelope e
                = { c->path, c->len, "", 0, t->id, buf.data, buf.len };
            if (akti_assoc_send(c->a, &e, false, c->uid) != AKT_OK) {
                atomic_fetch_add(&r->proxy_drops, 1);
            }
        }
        pthread_rwlock_unlock(&r->life);
    }
    akt_buf_free(&buf);
}

static void
reply_fini(void *arg)
{
    reply_ctx *c = arg;
    rm *r = c->r;
    atomic_fetch_sub(&r->replies, 1);
    rm_assoc_release(r, c->a);
    free(c);
    rm_release(r);
}

/* is_ask_slot -- env's sender is a reply slot (<addr>/temp/N) of the peer
 * it came from: an ask from that peer */
static bool
is_ask_slot(const akti_peer *from, const akti_envelope *env)
{
    char spath[PATH_MAX_LEN], ssys[256], surl[PATH_MAX_LEN];
    const char *slocal;
    if (env->sender_len == 0 || env->sender_len >= sizeof(spath)) {
        return false;
    }
    memcpy(spath, env->sender, env->sender_len);
    spath[env->sender_len] = '\0';
    return parse_path(spath, ssys, sizeof(ssys), surl, sizeof(surl), &slocal)
        == AKT_OK
        && strncmp(slocal, "/temp/", 6) == 0
        && strcmp(surl, akti_assoc_url(from->assoc)) == 0;
}

/* ask_back -- deliver msg to `to` as an ask whose reply goes to the reply
 * slot spath on peer (a, uid). AKT_OK: delivered (msg consumed);
 * AKT_ENOSPC: too many asks from peers wait (msg still the caller's: tell
 * it with a one-shot proxy as its sender); AKT_EAGAIN (nowait only): the
 * recipient's BLOCK mailbox is full; another code: the ask failed (msg
 * still the caller's). */
static akt_err
ask_back(rm *r, akti_assoc *a, uint64_t uid, const char *spath, size_t slen,
    akt_ref to, void *msg, bool nowait)
{
    if (atomic_fetch_add(&r->replies, 1) >= REPLY_MAX) {
        atomic_fetch_sub(&r->replies, 1);
        return AKT_ENOSPC;
    }
    reply_ctx *c = malloc(sizeof(*c) + slen + 1);
    if (c == NULL) {
        atomic_fetch_sub(&r->replies, 1);
        return AKT_ENOMEM;
    }
    akt_future *f;
    akt_err rc = nowait ? akti_ask_nowait(to, msg, REPLY_TIMEOUT_NS, &f)
                        : akt_ask(to, msg, REPLY_TIMEOUT_NS, &f);
    if (rc != AKT_OK) {
        atomic_fetch_sub(&r->replies, 1);
        free(c);
        return rc;
    }
    c->r = r;
    c->f = f;
    c->a = a;
    akti_assoc_hold(a); /* released by reply_fini */
    c->uid = uid;
    c->len = slen;
    memcpy(c->path, spath, slen);
    c->path[slen] = '\0';
    atomic_fetch_add(&r->refs, 1); /* released by reply_fini */
    if (akt_future_on_complete(f, reply_done, c, reply_fini) != AKT_OK) {
        reply_fini(c);
    }
    akt_future_release(f);
    return AKT_OK;
}

/* refuse_slot -- answer the ask whose reply slot on peer (a, uid) is spath
 * at once with code and a reason (an akt.Status, as an error reply)
 * instead of leaving it to its timeout. */
static void
refuse_slot(rm *r, akti_assoc *a, uint64_t uid, const char *spath, size_t slen,
    akt_err code, const char *text)
{
    akt_Status st = { .code = (int32_t)code, .text = { text, strlen(text) } };
    akt_buf buf;
    akt_buf_init(&buf);
    if (akt_status_type.encode(&st, &buf) == AKT_OK) {
        pthread_rwlock_rdlock(&r->life);
        if (!r->stopped) {
            akti_envelope e
                = { spath, slen, "", 0, akt_status_type.id, buf.data, buf.len };
            if (akti_assoc_send(a, &e, false, uid) != AKT_OK) {
                atomic_fetch_add(&r->proxy_drops, 1);
            }
        }
        pthread_rwlock_unlock(&r->life);
    }
    akt_buf_free(&buf);
}

/* inbound_dead_letter -- an inbound message not delivered here (no
 * actor at its path, no such system, a frame for another incarnation or
 * session): a dead letter of this system too, so every drop is counted on
 * the side that dropped it. Decoded without resolving refs (no proxies
 * made for a message nobody gets); a type the registry does not know is
 * only counted by the caller. to: the local recipient, if any. */
static void
inbound_dead_letter(rm *r, const akti_envelope *env, akt_ref to, akt_err why)
{
    if (env->type_id == r->watch_id || env->type_id == r->term_id
        || env->type_id == r->unwatch_id) {
        return;
    }
    const akt_type *t = akt_registry_find(r->reg, env->type_id);
    if (t == NULL && env->type_id == akt_status_type.id) {
        t = &akt_status_type;
    }
    void *msg = NULL;
    if (t == NULL || env->payload == NULL
        || akt_msg_decode(t, env->payload, env->payload_len, &r->lim, &msg)
            != AKT_OK) {
        return;
    }
    if (akt_system_publish_dead_letter(r->sys, to, msg, why) != AKT_OK) {
        akt_msg_free(msg);
    }
}

/* rm_on_rx_drop -- the transport dropped an inbound frame (for another
 * incarnation of this node, from a session that ended): its messages are
 * dead letters here */
static void
rm_on_rx_drop(void *arg, const akti_envelope *env, akt_err reason)
{
    rm *r = arg;
    if (!atomic_load(&r->ready)) {
        return;
    }
    inbound_dead_letter(r, env, AKT_REF_NONE, reason);
}

/* refuse_ask -- an envelope from an asker on the peer (its sender is a
 * reply slot, /temp/N, of that peer) that cannot be delivered here: answer
 * the ask at once with code and a reason. Tells are only counted. */
static void
refuse_ask(rm *r, const akti_peer *from, const akti_envelope *env, akt_err code,
    const char *fmt, ...)
{
    if (!is_ask_slot(from, env)) {
        return;
    }
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    refuse_slot(
        r, from->assoc, from->uid, env->sender, env->sender_len, code, text);
}

/* --- inbound: delivery, flow control, and the inbound thread ---
 *
 * An inbound user message is decoded and tagged with its channel's credit
 * slot (akti_msg_set_credit): the transport's receive window counts it
 * until its actor takes it from its mailbox, so the peer can never have
 * more than the window on its way to or waiting in this node's mailboxes
 * (a slow actor slows its remote senders; unbounded mailboxes stay
 * bounded). It is told on the receiver thread, which must never block
 * (one receiver serves every peer, and a blocked one would look like a
 * stalled connection to them): a recipient whose bounded mailbox is full
 * with the BLOCK strategy answers AKT_EAGAIN (akti_tell_nowait), and the
 * message -- with every later one of that association and channel, so
 * their order holds -- is parked for the inbound thread, which tells it
 * the blocking way: the mailbox's block-timeout, then a dead letter here.
 * Parked messages keep their credit, so the window closes and the sender
 * slows down. A mailbox that refuses or drops a message (FAIL, DROP_NEW,
 * DROP_HEAD, BLOCK's timeout) makes it a dead letter of this system, and
 * an ask with it fails at once with the code. */

typedef struct parked {
    struct parked *next;
    akt_ref to;
    void *msg;
    akt_ref sender; /* a tell's */
    akti_assoc *a;
    uint64_t uid;
    size_t slen; /* > 0: an ask, path is its reply slot on the peer */
    char path[];
} parked;

typedef struct inq {
    struct inq *next;
    akti_assoc *a;
    int ch;
    parked *head, *tail; /* head: being delivered while busy */
    bool busy;
} inq;

static inq *
inq_find(rm *r, akti_assoc *a, int ch, bool create) /* in_mu held */
{
    for (inq *q = r->inqs; q; q = q->next) {
        if (q->a == a && q->ch == ch) {
            return q;
        }
    }
    if (!create) {
        return NULL;
    }
    inq *q = calloc(1, sizeof(*q));
    if (q != NULL) {
        q->a = a;
        q->ch = ch;
        q->next = r->inqs;
        r->inqs = q;
    }
    return q;
}

/* inbound_failed -- msg could not be delivered here (rc): a dead letter
 * of this system (which releases its credit); an ask fails at once */
static void
inbound_failed(rm *r, akti_assoc *a, uint64_t uid, akt_ref to, void *msg,
    const char *spath, size_t slen, akt_err rc)
{
    atomic_fetch_add(&r->inbound_dropped, 1);
    if (slen > 0) {
        char text[160];
        snprintf(text, sizeof(text), "not delivered on %s: %s", r->name,
            akt_strerror(rc));
        refuse_slot(r, a, uid, spath, slen, rc, text);
    }
    if (akt_system_publish_dead_letter(r->sys, to, msg, rc) != AKT_OK) {
        akt_msg_free(msg);
    }
}

/* sender_proxy -- the proxy standing for sender path spath of peer a, off
 * the receiver thread (no cache) */
static akt_ref
sender_proxy(rm *r, akti_assoc *a, const char *spath)
{
    char ssys[256], surl[PATH_MAX_LEN];
    const char *slocal;
    akt_ref ref = AKT_REF_NONE;
    if (parse_path(spath, ssys, sizeof(ssys), surl, sizeof(surl), &slocal)
            == AKT_OK
        && surl[0] != '\0') {
        bool same = strcmp(surl, akti_assoc_url(a)) == 0;
        proxy_get(r, spath, ssys, surl, same ? a : NULL, &ref);
    }
    return ref;
}

/* deliver_msg -- tell (or ask back) one inbound message. nowait: the
 * receiver thread (AKT_EAGAIN: a full BLOCK mailbox, msg still ours). On
 * any other failure msg is a dead letter here. */
static akt_err
deliver_msg(rm *r, akti_assoc *a, uint64_t uid, akt_ref to, void *msg,
    akt_ref sender, const char *spath, size_t slen, bool nowait)
{
    akt_err rc;
    if (slen > 0) {
        rc = ask_back(r, a, uid, spath, slen, to, msg, nowait);
        if (rc == AKT_OK || rc == AKT_EAGAIN) {
            return rc;
        }
        if (rc != AKT_ENOSPC) {
            inbound_failed(r, a, uid, to, msg, spath, slen, rc);
            return rc;
        }
        /* too many asks wait for replies: a one-shot proxy is the reply
         * path */
        char path[PATH_MAX_LEN];
        memcpy(path, spath, slen);
        path[slen] = '\0';
        sender = sender_proxy(r, a, path);
    }
    rc = nowait ? akti_tell_nowait(to, msg, sender) : akt_tell(to, msg, sender);
    if (rc != AKT_OK && rc != AKT_EAGAIN) {
        inbound_failed(r, a, uid, to, msg, spath, slen, rc);
    }
    return rc;
}

static void *inbound_thread(void *arg);

/* inqs_free -- the queues (empty: the inbound thread drained them) */
static void
inqs_free(rm *r)
{
    while (r->inqs) {
        inq *q = r->inqs;
        r->inqs = q->next;
        free(q);
    }
}

/* park -- append to (a, ch)'s queue for the inbound thread; false when
 * out of memory (msg still the caller's) */
static bool
park(rm *r, akti_assoc *a, uint64_t uid, int ch, akt_ref to, void *msg,
    akt_ref sender, const char *spath, size_t slen)
{
    parked *p = malloc(sizeof(*p) + slen + 1);
    if (p == NULL) {
        return false;
    }
    p->next = NULL;
    p->to = to;
    p->msg = msg;
    p->sender = sender;
    p->a = a;
    p->uid = uid;
    p->slen = slen;
    if (slen) {
        memcpy(p->path, spath, slen);
    }
    p->path[slen] = '\0';
    pthread_mutex_lock(&r->in_mu);
    inq *q = r->in_quit ? NULL : inq_find(r, a, ch, true);
    if (q != NULL && !r->in_started) {
        /* started on first use: a node whose mailboxes never push back
         * pays no thread */
        r->in_started = pthread_create(&r->in_th, NULL, inbound_thread, r) == 0;
    }
    if (q == NULL || !r->in_started) {
        pthread_mutex_unlock(&r->in_mu);
        free(p);
        return false;
    }
    if (q->tail) {
        q->tail->next = p;
    } else {
        q->head = p;
    }
    q->tail = p;
    akti_assoc_hold(a); /* released once the inbound thread told it */
    atomic_fetch_add(&r->parked, 1);
    pthread_cond_signal(&r->in_cv);
    pthread_mutex_unlock(&r->in_mu);
    return true;
}

/* parked_on -- (a, ch) has messages waiting (or one being delivered) on
 * the inbound thread: a later one must queue behind them */
static bool
parked_on(rm *r, akti_assoc *a, int ch)
{
    if (atomic_load_explicit(&r->parked, memory_order_acquire) == 0) {
        return false; /* the common case: no lock */
    }
    pthread_mutex_lock(&r->in_mu);
    inq *q = inq_find(r, a, ch, false);
    bool any = q != NULL && q->head != NULL;
    pthread_mutex_unlock(&r->in_mu);
    return any;
}

/* inbound_thread -- tells parked messages the blocking way, oldest
 * first, one queue after another (each keeps its order) */
static void *
inbound_thread(void *arg)
{
    rm *r = arg;
    tp_thread_name_rm("akt-rm-inbound");
    pthread_mutex_lock(&r->in_mu);
    for (;;) {
        inq *q = NULL;
        for (inq *x = r->inqs; x; x = x->next) {
            if (x->head != NULL) {
                q = x;
                break;
            }
        }
        if (q == NULL) {
            if (r->in_quit) {
                break;
            }
            pthread_cond_wait(&r->in_cv, &r->in_mu);
            continue;
        }
        parked *p = q->head;
        q->busy = true;
        bool quit = r->in_quit;
        pthread_mutex_unlock(&r->in_mu);
        if (quit) {
            /* remoting stops: what waits is a dead letter here */
            inbound_failed(
                r, p->a, p->uid, p->to, p->msg, p->path, p->slen, AKT_ECLOSED);
        } else {
            deliver_msg(r, p->a, p->uid, p->to, p->msg, p->sender, p->path,
                p->slen, false);
        }
        rm_assoc_release(r, p->a);
        pthread_mutex_lock(&r->in_mu);
        q->head = p->next;
        if (q->head == NULL) {
            q->tail = NULL;
        }
        q->busy = false;
        atomic_fetch_sub(&r->parked, 1);
        if (q->head == NULL) {
            /* drained: the queue goes (one is made again when needed),
             * so none outlives its association */
            inq **pp = &r->inqs;
            while (*pp != q) {
                pp = &(*pp)->next;
            }
            *pp = q->next;
            free(q);
        } else if (q->next != NULL) {
            /* round robin: this queue goes to the end of the list */
            inq **pp = &r->inqs;
            while (*pp != q) {
                pp = &(*pp)->next;
            }
            *pp = q->next;
            inq *last = *pp;
            while (last->next) {
                last = last->next;
            }
            last->next = q;
            q->next = NULL;
        }
        free(p);
    }
    pthread_mutex_unlock(&r->in_mu);
    return NULL;
}

/* A run: consecutive tells of one data frame to one actor, handed on
 * together (akti_tell_batch_nowait: one mailbox push, one schedule). The
 * receiver's own, on its stack (rm_on_batch). */
#define RUN_MAX 64
typedef struct rx_run {
    int64_t now; /* akti_now_coarse_ns, once per batch (caches' ages) */
    /* the decoder gives a path repeated by consecutive envelopes of a
     * frame as one shared string: the same pointer within a batch is the
     * same path, resolved once (the recipient's ref, whether the sender
     * is an ask slot) */
    const char *memo_rcpt;
    akt_ref memo_to;
    const char *memo_snd;
    bool memo_ask;
    akt_ref to;
    size_t n;
    void *msg[RUN_MAX];
    akt_ref sender[RUN_MAX];
} rx_run;

/* run_flush -- tell the run's messages, in order, as deliver_msg would
 * tell each: one a full BLOCK mailbox refuses is parked with every later
 * one (their order holds), one refused otherwise is a dead letter here */
static void
run_flush(rm *r, const akti_peer *from, int ch, rx_run *run)
{
    size_t n = run->n, i = 0;
    run->n = 0;
    while (i < n) {
        if (parked_on(r, from->assoc, ch)) {
            for (; i < n; i++) {
                if (!park(r, from->assoc, from->uid, ch, run->to, run->msg[i],
                        run->sender[i], NULL, 0)) {
                    inbound_failed(r, from->assoc, from->uid, run->to,
                        run->msg[i], NULL, 0, AKT_ENOMEM);
                }
            }
            break;
        }
        akt_err rc;
        i += akti_tell_batch_nowait(
            run->to, run->msg + i, run->sender + i, n - i, &rc);
        if (i == n) {
            break;
        }
        if (rc == AKT_EAGAIN) {
            if (!park(r, from->assoc, from->uid, ch, run->to, run->msg[i],
                    run->sender[i], NULL, 0)) {
                inbound_failed(r, from->assoc, from->uid, run->to, run->msg[i],
                    NULL, 0, AKT_ENOMEM);
            }
        } else {
            inbound_failed(
                r, from->assoc, from->uid, run->to, run->msg[i], NULL, 0, rc);
        }
        i++;
    }
}

/* rm_on_envelope -- one inbound envelope; run (the receiver's, or NULL):
 * a plain tell joins it instead of being told at once, and whatever is
 * told otherwise first flushes it (the frame's order holds) */
static size_t
rm_on_envelope(
    rm *r, const akti_peer *from, int ch, const akti_envelope *env, rx_run *run)
{
    while (!atomic_load(&r->ready)) { /* the microseconds until start returns */
        sched_yield();
    }
    if (env->type_id == r->watch_id || env->type_id == r->term_id
        || env->type_id == r->unwatch_id) {
        if (run != NULL && run->n > 0) {
            run_flush(r, from, ch, run);
        }
        on_remote_watch(r, from, env);
        return 0;
    }
    const akt_type *t = r->last_type_id == env->type_id
        ? r->last_type
        : akt_registry_find(r->reg, env->type_id);
    if (t == NULL && env->type_id == akt_status_type.id) {
        t = &akt_status_type; /* error replies (akt_reply_error) */
    }
    if (t == NULL) {
        uint64_t n = atomic_fetch_add(&r->unknown_type, 1) + 1;
        if (n <= 10 || n % 1000 == 0) {
            akti_rlog(r->tp, AKTI_LOG_WARN,
                "message of unknown type id %016llx from %s for %s rejected "
                "(#%llu)",
                (unsigned long long)env->type_id, from->address, env->recipient,
                (unsigned long long)n);
        }
        refuse_ask(r, from, env, AKT_ETYPE,
            "type id %016llx is not registered at %s",
            (unsigned long long)env->type_id, r->name);
        return 0;
    }
    r->last_type_id = env->type_id;
    r->last_type = t;
    /* the recipient: cached, a reply slot, or a path to resolve */
    int64_t now = run != NULL ? run->now : akti_now_coarse_ns();
    akt_ref to = AKT_REF_NONE;
    uint64_t slot_id = 0;
    uint64_t h;
    rcache_ent *e = NULL;
    bool known = false;
    if (run != NULL && env->recipient == run->memo_rcpt) {
        to = run->memo_to; /* resolved for the envelope before */
        known = true;
    } else {
        e = rc_slot(r->rc_to, env->recipient, env->recipient_len, &h);
        known = rc_get(e, env->recipient, env->recipient_len, h, now, &to);
    }
    if (!known) {
        const char *local = local_of(env->recipient, r->name, r->name_len);
        if (local == NULL) {
            atomic_fetch_add(&r->undeliverable, 1);
            inbound_dead_letter(r, env, AKT_REF_NONE, AKT_ENOENT);
            refuse_ask(r, from, env, AKT_ENOENT, "no system %.*s here (%s)",
                (int)env->recipient_len, env->recipient, r->name);
            return 0;
        }
        if (strncmp(local, "/temp/", 6) == 0) {
            slot_id = strtoull(local + 6, NULL, 10);
            if (slot_id == 0) {
                atomic_fetch_add(&r->undeliverable, 1);
                return 0;
            }
        } else if (akt_lookup(r->sys, local, &to) != AKT_OK) {
            atomic_fetch_add(&r->undeliverable, 1);
            inbound_dead_letter(r, env, AKT_REF_NONE, AKT_ENOENT);
            refuse_ask(r, from, env, AKT_ENOENT, "no actor at %s on %s", local,
                r->name);
            return 0;
        } else {
            rc_put(e, env->recipient, env->recipient_len, h, now, to);
        }
    }
    if (run != NULL && slot_id == 0) {
        run->memo_rcpt = env->recipient;
        run->memo_to = to;
    }
    void *msg;
    akt_err rc = akt_msg_decode_in(
        r->sys, t, env->payload, env->payload_len, &r->lim, &msg);
    if (rc != AKT_OK) {
        uint64_t n = atomic_fetch_add(&r->bad_payload, 1) + 1;
        if (n <= 10 || n % 1000 == 0) {
            akti_rlog(r->tp, AKTI_LOG_WARN,
                "payload of %s from %s does not decode: %s (#%llu)", t->name,
                from->address, akt_strerror(rc), (unsigned long long)n);
        }
        refuse_ask(r, from, env, rc, "a %s does not decode at %s: %s", t->name,
            r->name, akt_strerror(rc));
        return 0;
    }
    /* from here on msg counts against the peer's window until it is
     * consumed (every path below delivers it or dead-letters it) */
    size_t fp = 0;
    if (from->credit != 0) {
        akti_msg_set_credit(msg, from->credit);
        fp = akti_msg_footprint(msg);
    }
    if (run != NULL && run->n > 0
        && (slot_id != 0 || !akt_ref_equal(run->to, to) || run->n == RUN_MAX)) {
        run_flush(r, from, ch, run);
    }
    if (slot_id != 0) {
        /* a reply to one of our asks: a future takes it at once */
        if (!slot_take(r, slot_id, &to)) {
            atomic_fetch_add(&r->undeliverable, 1);
            if (akt_system_publish_dead_letter(r->sys, to, msg, AKT_ESTOPPED)
                != AKT_OK) {
                akt_msg_free(msg);
            }
            return fp;
        }
        if (akt_tell(to, msg, AKT_REF_NONE) != AKT_OK) {
            inbound_failed(
                r, from->assoc, from->uid, to, msg, NULL, 0, AKT_ECLOSED);
        }
        return fp;
    }
    bool ask;
    if (run != NULL && env->sender_len > 0 && env->sender == run->memo_snd) {
        ask = run->memo_ask; /* the same sender as the envelope before */
    } else {
        ask = is_ask_slot(from, env);
        if (run != NULL) {
            run->memo_snd = env->sender;
            run->memo_ask = ask;
        }
    }
    const char *spath = ask ? env->sender : NULL;
    size_t slen = ask ? env->sender_len : 0;
    akt_ref sender = !ask && env->sender_len > 0
        ? resolve_sender(r, from, env, now)
        : AKT_REF_NONE;
    if (run != NULL && run->n > 0 && ask) {
        run_flush(r, from, ch, run);
    }
    if (run != NULL && !ask && !parked_on(r, from->assoc, ch)) {
        run->to = to;
        run->msg[run->n] = msg;
        run->sender[run->n] = sender;
        run->n++;
        return fp;
    }
    if (!parked_on(r, from->assoc, ch)) {
        rc = deliver_msg(
            r, from->assoc, from->uid, to, msg, sender, spath, slen, true);
        if (rc != AKT_EAGAIN) {
            return fp;
        }
    }
    if (!park(r, from->assoc, from->uid, ch, to, msg, sender, spath, slen)) {
        inbound_failed(
            r, from->assoc, from->uid, to, msg, spath, slen, AKT_ENOMEM);
    }
    return fp;
}

/* rm_on_envelope_rx -- the receiver thread never waits, nor does what it
 * runs (a future's callbacks completed by a reply) */
static size_t
rm_on_envelope_rx(
    void *arg, const akti_peer *from, int ch, const akti_envelope *env)
{
    akti_nowait_enter();
    size_t fp = rm_on_envelope(arg, from, ch, env, NULL);
    akti_nowait_leave();
    return fp;
}

/* rm_on_batch -- a data frame's envelopes: each as rm_on_envelope_rx
 * would, but runs of tells to one actor go to its mailbox together */
static void
rm_on_batch(void *arg, const akti_peer *from, int ch, const akti_envelope *env,
    size_t n, uint64_t *held, uint64_t *held_bytes)
{
    rm *r = arg;
    rx_run run;
    run.n = 0;
    run.now = akti_now_coarse_ns();
    run.memo_rcpt = NULL;
    run.memo_snd = NULL;
    akti_nowait_enter();
    for (size_t i = 0; i < n; i++) {
        size_t fp = rm_on_envelope(r, from, ch, &env[i], &run);
        if (fp != 0) {
            (*held)++;
            *held_bytes += fp;
        }
    }
    if (run.n > 0) {
        run_flush(r, from, ch, &run);
    }
    akti_nowait_leave();
}

/* rm_credit_open -- the transport's receive window of (a, ch) counts our
 * messages through a credit slot of the system */
static akt_err
rm_credit_open(
    void *arg, akti_assoc *a, int ch, uint16_t *id, akti_credit **out)
{
    (void)a;
    (void)ch;
    rm *r = arg;
    pthread_mutex_lock(&r->mu);
    if (r->nfree_credits > 0) {
        struct rm_credit *f = &r->free_credits[--r->nfree_credits];
        *id = f->id;
        *out = f->c;
        pthread_mutex_unlock(&r->mu);
        return AKT_OK;
    }
    pthread_mutex_unlock(&r->mu);
    return akti_credit_open(r->sys, AKTI_EXT_REMOTE, id, out);
}

/* rm_credit_close -- a freed association's slot: the next association
 * takes it (the transport starts it level with its counters) */
static void
rm_credit_close(void *arg, uint16_t id, akti_credit *c)
{
    rm *r = arg;
    pthread_mutex_lock(&r->mu);
    if (r->nfree_credits == r->cap_free_credits) {
        size_t cap = r->cap_free_credits ? 2 * r->cap_free_credits : 16;
        struct rm_credit *v = realloc(r->free_credits, cap * sizeof(*v));
        if (v == NULL) {
            pthread_mutex_unlock(&r->mu);
            return; /* that slot stays unused */
        }
        r->free_credits = v;
        r->cap_free_credits = cap;
    }
    r->free_credits[r->nfree_credits].id = id;
    r->free_credits[r->nfree_credits].c = c;
    r->nfree_credits++;
    pthread_mutex_unlock(&r->mu);
}

static void
rm_on_peer(
    void *arg, const akti_peer *peer, akti_peer_event ev, const char *reason)
{
    rm *r = arg;
    (void)reason;
    switch (ev) {
    case AKTI_PEER_UP:
        pthread_mutex_lock(&r->mu);
        for (size_t i = 0; i < NBUCKETS; i++) {
            for (proxy *p = r->by_path[i]; p; p = p->next_path) {
                if (p->assoc == peer->assoc
                    && atomic_load(&p->bound_uid) == 0) {
                    atomic_store(&p->bound_uid, peer->uid);
                }
            }
        }
        pthread_mutex_unlock(&r->mu);
        break;
    case AKTI_PEER_DOWN:
    case AKTI_PEER_QUARANTINED:
    case AKTI_PEER_QUARANTINED_BY_PEER:
    case AKTI_PEER_LEFT:
        /* the session ended (unreachable, or the peer lost ours),
         * restarted, quarantined or left: our proxies of its actors stop
         * (their local watchers get Terminated), and the watches we hold
         * for its proxies go at once (it stopped those proxies alike) */
        stop_proxies(r, peer->assoc, peer->uid, false, NULL);
        drop_peer_watches(r, peer->assoc, peer->uid);
        break;
    case AKTI_PEER_HANDSHAKE_FAILED:
        stop_proxies(r, peer->assoc, 0, true, NULL);
        break;
    default:
        break;
    }
}

/* fail_dropped_ask -- the envelope came from an ask of ours (its sender is
 * one of our reply slots, canon/temp/N): the asker learns now, with the
 * drop's reason, instead of at its timeout (an akt.Status to the promise
 * fails it with that code and text) */
static void
fail_dropped_ask(rm *r, akti_assoc *to, const akti_envelope *env, akt_err why)
{
    size_t cl = strlen(r->canon);
    if (env->sender_len <= cl + 6 || env->sender_len - cl - 6 >= 24
        || memcmp(env->sender, r->canon, cl) != 0
        || memcmp(env->sender + cl, "/temp/", 6) != 0) {
        return;
    }
    char idtext[24];
    memcpy(idtext, env->sender + cl + 6, env->sender_len - cl - 6);
    idtext[env->sender_len - cl - 6] = '\0';
    akt_ref asker;
    uint64_t id = strtoull(idtext, NULL, 10);
    if (id == 0 || !slot_take(r, id, &asker)) {
        return;
    }
    char text[448], cause[320] = "";
    if (to != NULL) {
        akti_assoc_failure(to, why, cause, sizeof(cause));
    }
    int n = snprintf(text, sizeof(text), "not sent to %s: %s",
        to ? akti_assoc_url(to) : "?", cause[0] ? cause : akt_strerror(why));
    size_t len = n < 0             ? 0
        : (size_t)n < sizeof(text) ? (size_t)n
                                   : sizeof(text) - 1;
    if (len > 255) {
        len = 255; /* a Status text's bound (akt/actor.h); ASCII here */
    }
    akt_Status *st = akt_msg_new(&akt_status_type, len + 1);
    if (st == NULL) {
        return;
    }
    st->code = (int32_t)why;
    if (akt_arena_str(akt_msg_arena(st), text, len, &st->text) != AKT_OK
        || akt_tell(asker, st, AKT_REF_NONE) != AKT_OK) {
        akt_msg_free(st);
    }
}

/* rm_on_drop -- an outbound envelope the transport dropped (queue overflow
 * with drop-new/drop-head, quarantine, failed handshake): counted by the
 * transport; a user message whose type the registry knows is also decoded
 * again and published as a dead letter of the system, to the proxy. */
static void
rm_on_drop(void *arg, akti_assoc *to, const akti_envelope *env, akt_err reason)
{
    (void)to;
    rm *r = arg;
    if (env->type_id == r->watch_id || env->type_id == r->term_id
        || env->type_id == r->unwatch_id) {
        return;
    }
    fail_dropped_ask(r, to, env, reason);
    const akt_type *t = akt_registry_find(r->reg, env->type_id);
    void *msg = NULL;
    if (t == NULL
        || akt_msg_decode(t, env->payload, env->payload_len, &r->lim, &msg)
            != AKT_OK) {
        return;
    }
    akt_ref proxy_ref = AKT_REF_NONE;
    char path[PATH_MAX_LEN];
    if (env->recipient_len < sizeof(path)) {
        memcpy(path, env->recipient, env->recipient_len);
        path[env->recipient_len] = '\0';
        pthread_mutex_lock(&r->mu);
        proxy *p = find_path(r, path);
        if (p) {
            proxy_ref = p->ref;
        }
        pthread_mutex_unlock(&r->mu);
    }
    if (akt_system_publish_dead_letter(r->sys, proxy_ref, msg, reason)
        != AKT_OK) {
        akt_msg_free(msg);
    }
}

static const akti_tp_callbacks rm_cbs = {
    .on_envelope = rm_on_envelope_rx,
    .on_batch = rm_on_batch,
    .on_peer = rm_on_peer,
    .on_drop = rm_on_drop,
    .credit_open = rm_credit_open,
    .credit_close = rm_credit_close,
    .on_rx_drop = rm_on_rx_drop,
};

/* --- configuration
 * ----------------------------------------------------------------- */

/* cfg_text -- a string setting through the reader; "" reads as none */
static void
cfg_text(akti_setreader *rd, const char *key, const char **out)
{
    const char *v = NULL;
    akti_set_str(rd, key, &v);
    *out = v != NULL && v[0] != '\0' ? v : NULL;
}

/* security_rules -- what would run in clear or unauthenticated without
 * saying so is a configuration error naming the key: a tls.* setting with
 * a listen URL that is not tls+tcp://, and a listener other hosts can reach
 * with neither a cookie nor verified TLS unless akt.remote.insecure = on
 * (the transport checks the same for its direct callers). */
static void
security_rules(akti_setreader *rd, const akti_tp_opts *o)
{
    bool tls_url = strncmp(o->listen_url, "tls+tcp://", 10) == 0;
    const char *tls_key = o->tls_cert_file ? "akt.remote.tls.cert-file"
        : o->tls_key_file                  ? "akt.remote.tls.key-file"
        : o->tls_ca_file                   ? "akt.remote.tls.ca-file"
                                           : NULL;
    if (tls_key != NULL && !tls_url) {
        akti_set_reject(rd, tls_key, AKT_EINVAL,
            "no TLS setting unless akt.remote.listen is tls+tcp:// (with "
            "this listen URL, remoting would run in plain text)");
        return;
    }
    bool tls_auth = tls_url && o->tls_verify_peer && o->tls_ca_file != NULL;
    bool cookie = o->cookie != NULL && o->cookie[0] != '\0';
    if (!cookie && !tls_auth && !o->insecure
        && !akti_tp_url_loopback(o->listen_url)) {
        akti_set_reject(rd, "akt.remote.cookie", AKT_EINVAL,
            "a cookie, because akt.remote.listen can be reached from other "
            "hosts (or tls+tcp:// with tls.verify-peer and tls.ca-file, or "
            "akt.remote.insecure = on to run unauthenticated)");
    }
}

/* read_config -- opts->config (may be NULL) over the system's
 * configuration over the built-in reference (which holds akt.remote), into
 * o; what opts gives (URLs, cookie) wins. *merged is the caller's on
 * success (o's strings point into it). A bad setting fails as the settings
 * reader says (AKT_ETYPE, AKT_ERANGE, AKT_EINVAL), err naming the key. */
static akt_err
read_config(const akt_remote_options *opts, const akt_config *sysconf,
    akt_config **merged, akti_tp_opts *o, uint32_t *proxy_mbox,
    akt_config_error *err)
{
    akt_config *ref = NULL, *mid = NULL;
    akt_err rc = akt_config_reference(&ref, err);
    if (rc != AKT_OK) {
        return rc;
    }
    if (sysconf != NULL) {
        rc = akt_config_with_fallback(sysconf, ref, &mid, err);
        akt_config_release(ref);
        if (rc != AKT_OK) {
            return rc;
        }
    } else {
        mid = ref;
    }
    if (opts->config != NULL && opts->config != sysconf) {
        rc = akt_config_with_fallback(opts->config, mid, merged, err);
        akt_config_release(mid);
        if (rc != AKT_OK) {
            return rc;
        }
    } else {
        *merged = mid;
    }
    static const char *const overflow_names[]
        = { "drop-new", "drop-head", "fail", "block" };
    static const akt_overflow overflows[] = { AKT_OVERFLOW_DROP_NEW,
        AKT_OVERFLOW_DROP_HEAD, AKT_OVERFLOW_FAIL, AKT_OVERFLOW_BLOCK };
    akti_setreader rd = { .cfg = *merged, .rc = AKT_OK, .err = err };
    /* 0 in o means "the transport's default": every value here is > 0 */
    static const char thr[] = "akt.remote.failure-detector.threshold";
    akti_set_double(&rd, thr, &o->phi_threshold, 0, HUGE_VAL);
    if (!(o->phi_threshold > 0)) {
        akti_set_reject(&rd, thr, AKT_ERANGE, "a number above 0");
    }
    akti_set_dur(&rd, "akt.remote.failure-detector.heartbeat-interval",
        &o->heartbeat_interval_ns, 1, INT64_MAX);
    akti_set_dur(&rd, "akt.remote.failure-detector.acceptable-heartbeat-pause",
        &o->acceptable_pause_ns, 1, INT64_MAX);
    akti_set_dur(&rd, "akt.remote.failure-detector.min-std-deviation",
        &o->min_std_dev_ns, 1, INT64_MAX);
    akti_set_dur(&rd, "akt.remote.handshake-timeout", &o->handshake_timeout_ns,
        1, INT64_MAX);
    akti_set_dur(&rd, "akt.remote.handshake-retry-interval",
        &o->handshake_retry_ns, 1, INT64_MAX);
    akti_set_dur(&rd, "akt.remote.gate-time", &o->gate_ns, 1, INT64_MAX);
    akti_set_dur(&rd, "akt.remote.resend-interval", &o->resend_interval_ns, 1,
        INT64_MAX);
    akti_set_dur(
        &rd, "akt.remote.stall-timeout", &o->stall_timeout_ns, 1, INT64_MAX);
    akti_set_dur(
        &rd, "akt.remote.block-timeout", &o->block_timeout_ns, 1, INT64_MAX);
    int64_t queue = o->outbound_queue_size, sysbuf = o->system_buffer_size;
    int64_t envs = o->batch_max_envelopes;
    akti_set_int(&rd, "akt.remote.outbound-queue-size", &queue, 1, UINT32_MAX);
    akti_set_int(
        &rd, "akt.remote.system-message-buffer-size", &sysbuf, 1, UINT32_MAX);
    akti_set_int(&rd, "akt.remote.batch-max-envelopes", &envs, 1, UINT32_MAX);
    o->outbound_queue_size = (uint32_t)queue;
    o->system_buffer_size = (uint32_t)sysbuf;
    o->batch_max_envelopes = (uint32_t)envs;
    uint64_t batch = o->batch_max_bytes, frame = o->max_frame_size;
    uint64_t large = o->large_threshold;
    akti_set_size(&rd, "akt.remote.batch-max-bytes", &batch, 1, SIZE_MAX);
    /* the transport needs room for a frame's header and one envelope */
    akti_set_size(&rd, "akt.remote.max-frame-size", &frame, 4096, SIZE_MAX);
    akti_set_size(
        &rd, "akt.remote.large-message-threshold", &large, 1, SIZE_MAX);
    akti_set_size(&rd, "akt.remote.max-message-size", &o->max_message_size, 1,
        UINT64_MAX);
    o->batch_max_bytes = (size_t)batch;
    o->max_frame_size = (size_t)frame;
    o->large_threshold = (size_t)large;
    int ovf = -1;
    akti_set_enum(&rd, "akt.remote.overflow", &ovf, overflow_names, 4);
    if (ovf >= 0) {
        o->overflow = overflows[ovf];
    }
    static const char *const lane_names[] = { "socket", "stream" };
    int lanes = -1;
    akti_set_enum(&rd, "akt.remote.data-lanes", &lanes, lane_names, 2);
    if (lanes >= 0) {
        o->data_lanes = lanes == 1 ? AKTI_LANES_STREAM : AKTI_LANES_SOCKET;
    }
    /* 0 in the setting is "none" (in o: < 0; 0 there takes the default) */
    int64_t poll = o->lane_busy_poll_ns > 0 ? o->lane_busy_poll_ns : 0;
    akti_set_dur(&rd, "akt.remote.lane-busy-poll", &poll, 0, 10000000);
    o->lane_busy_poll_ns = poll > 0 ? poll : -1;
    cfg_text(&rd, "akt.remote.tls.cert-file", &o->tls_cert_file);
    cfg_text(&rd, "akt.remote.tls.key-file", &o->tls_key_file);
    cfg_text(&rd, "akt.remote.tls.ca-file", &o->tls_ca_file);
    o->tls_verify_peer = true;
    akti_set_bool(&rd, "akt.remote.tls.verify-peer", &o->tls_verify_peer);
    akti_set_bool(&rd, "akt.remote.insecure", &o->insecure);
    int64_t maxa = o->max_associations, maxas = o->max_associations_per_source;
    int64_t maxc = o->max_connections, maxcs = o->max_connections_per_source;
    akti_set_int(&rd, "akt.remote.max-associations", &maxa, 1, UINT32_MAX);
    akti_set_int(
        &rd, "akt.remote.max-associations-per-source", &maxas, 1, UINT32_MAX);
    akti_set_int(&rd, "akt.remote.max-connections", &maxc, 1, UINT32_MAX);
    akti_set_int(
        &rd, "akt.remote.max-connections-per-source", &maxcs, 1, UINT32_MAX);
    o->max_associations = (uint32_t)maxa;
    o->max_associations_per_source = (uint32_t)maxas;
    o->max_connections = (uint32_t)maxc;
    o->max_connections_per_source = (uint32_t)maxcs;
    akti_set_dur(
        &rd, "akt.remote.idle-timeout", &o->idle_timeout_ns, 1, INT64_MAX);
    /* flow control and the other bounds of the path (docs/remoting.md) */
    int64_t win = o->receive_window, pmb = *proxy_mbox;
    akti_set_int(&rd, "akt.remote.receive-window", &win, 1, UINT32_MAX);
    akti_set_int(&rd, "akt.remote.proxy-mailbox-size", &pmb, 1, UINT32_MAX);
    o->receive_window = (uint32_t)win;
    *proxy_mbox = (uint32_t)pmb;
    uint64_t winb = o->receive_window_bytes, qb = o->outbound_queue_bytes;
    akti_set_size(
        &rd, "akt.remote.receive-window-bytes", &winb, 1024, SIZE_MAX);
    akti_set_size(&rd, "akt.remote.outbound-queue-bytes", &qb, 1, SIZE_MAX);
    o->receive_window_bytes = (size_t)winb;
    o->outbound_queue_bytes = (size_t)qb;
    o->listen_url = opts->listen_url;
    o->advertised_url = opts->advertised_url;
    o->cookie = opts->cookie;
    if (o->listen_url == NULL) {
        cfg_text(&rd, "akt.remote.listen", &o->listen_url);
        if (o->listen_url == NULL) {
            akti_set_reject(&rd, "akt.remote.listen", AKT_EINVAL,
                "a URL to listen on (tcp://host:port, ipc:///path, "
                "inproc://name)");
        }
    }
    if (o->advertised_url == NULL) {
        cfg_text(&rd, "akt.remote.advertised", &o->advertised_url);
    }
    if (o->cookie == NULL) {
        cfg_text(&rd, "akt.remote.cookie", &o->cookie);
    }
    if (rd.rc == AKT_OK) {
        security_rules(&rd, o);
    }
    if (rd.rc != AKT_OK) {
        /* The caller owns *merged only on success. */
        akt_config_release(*merged);
        *merged = NULL;
    }
    return rd.rc;
}

/* --- public API
 * ---------------------------------------------------------------------- */

/* --- the system's extension slot (core/ext.h akti_ext_ops) --------------- */

static void rm_shutdown(rm *r);
static akt_err remote_ref(rm *r, const char *path, akt_ref *out);

/* a ref in a message field: the path other nodes reach it under */
static akt_err
rm_ext_ref_to_path(void *arg, akt_ref ref, char *buf, size_t len)
{
    rm *r = arg;
    if (!atomic_load(&r->ready)) {
        return AKT_ENOENT;
    }
    bool stable;
    if (sender_path(r, ref, buf, len, &stable) != 0) {
        return AKT_OK;
    }
    char tmp[8];
    akt_err rc = akt_ref_path(ref, tmp, sizeof(tmp));
    return rc == AKT_ERANGE ? AKT_ERANGE : rc == AKT_OK ? AKT_ENOENT : rc;
}

/* a path in a message field that names a node (akt://sys@host:port/...) */
static akt_err
rm_ext_path_to_ref(void *arg, const char *path, akt_ref *out)
{
    rm *r = arg;
    if (!atomic_load(&r->ready) || strchr(path, '@') == NULL) {
        return AKT_ENOENT;
    }
    akt_err rc = remote_ref(r, path, out);
    return rc == AKT_ECLOSED ? AKT_ENOENT : rc;
}

static void
rm_ext_terminated(akt_system *sys, void *arg)
{
    (void)sys;
    rm_shutdown(arg);
}

/* a proxy's watcher count changed (its thread): lazy remote watch */
static void
rm_ext_watchers(void *arg, akt_ref self, void *state, uint32_t nwatchers)
{
    (void)arg;
    (void)self;
    proxy *p = state ? *(proxy **)state : NULL;
    if (p != NULL) {
        proxy_watch(p, nwatchers > 0);
    }
}

/* messages delivered under a credit slot were consumed up to its mark
 * (any thread): the transport recomputes that window's grant */
static void
rm_ext_credit(void *arg, uint16_t id)
{
    rm *r = arg;
    if (r->tp != NULL) {
        akti_tp_credit_kick(r->tp, id);
    }
}

static const akti_ext_ops rm_ext_ops = {
    .name = "remote",
    .terminated = rm_ext_terminated,
    .ref_to_path = rm_ext_ref_to_path,
    .path_to_ref = rm_ext_path_to_ref,
    .watchers = rm_ext_watchers,
    .credit = rm_ext_credit,
};

akt_err
akt_remote_start(akt_system *sys, const akt_remote_options *opts)
{
    if (sys == NULL || opts == NULL || opts->registry == NULL) {
        return AKT_EINVAL;
    }
    rm *old = rm_get(sys);
    if (old) {
        rm_release(old);
        return AKT_EEXIST;
    }
    rm *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return AKT_ENOMEM;
    }
    atomic_store(&r->refs, 1);
    r->sys = sys;
    r->reg = opts->registry;
    r->name = strdup(akt_system_name(sys));
    r->name_len = r->name ? strlen(r->name) : 0;
    r->slots = calloc(REPLY_SLOTS, sizeof(reply_slot));
    r->proxy_disp = strdup(
        opts->proxy_dispatcher ? opts->proxy_dispatcher : "calling-thread");
    r->watch_id = fnv("akt.remote.Watch"); /* = akt_type_id(): same FNV-1a 64 */
    r->term_id = fnv("akt.remote.Terminated");
    r->unwatch_id = fnv("akt.remote.Unwatch");
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->in_mu, NULL);
    pthread_cond_init(&r->in_cv, NULL);
    pthread_rwlock_init(&r->life, NULL);
    if (r->name == NULL || r->slots == NULL || r->proxy_disp == NULL) {
        rm_release(r);
        return AKT_ENOMEM;
    }
    akti_tp_opts o;
    akti_tp_opts_default(&o);
    akt_config *cfg = NULL;
    akt_config_error cerr = { .message = "" };
    uint32_t proxy_mbox = 1024;
    akt_err rc = read_config(
        opts, akt_system_config(sys), &cfg, &o, &proxy_mbox, &cerr);
    if (rc != AKT_OK) {
        /* the one place the user learns which setting is wrong */
        akt_log(sys, AKT_LOG_ERROR, AKT_REF_NONE, "remoting not started: %s",
            cerr.message);
        rm_release(r);
        return rc;
    }
    /* a proxy's mailbox is bounded like the outbound queue behind it:
     * the same overflow strategy and block-timeout */
    r->proxy_mbox = (akt_mailbox_opts) { .kind = AKT_MAILBOX_BOUNDED,
        .capacity = proxy_mbox,
        .overflow = o.overflow,
        .block_timeout_ns = o.block_timeout_ns };
    o.system_name = r->name;
    o.cb = &rm_cbs;
    o.cb_arg = r;
    rc = akti_tp_start(&o, &r->tp); /* copies what it keeps */
    akt_config_release(cfg);
    if (rc != AKT_OK) {
        rm_release(r);
        return rc;
    }
    char auth[PATH_MAX_LEN], canon[PATH_MAX_LEN + 300];
    authority(akti_tp_address(r->tp), auth, sizeof(auth));
    snprintf(canon, sizeof(canon), "akt://%s@%s", r->name, auth);
    r->canon = strdup(canon);
    atomic_store(&r->ready, true);
    /* the slot keeps the first reference; remoting stops itself when the
     * system is freed (rm_ext_terminated) */
    rc = r->canon ? akti_system_ext_set(sys, AKTI_EXT_REMOTE, &rm_ext_ops, r)
                  : AKT_ENOMEM;
    if (rc != AKT_OK) {
        akti_tp_free(r->tp);
        r->tp = NULL;
        rm_release(r);
        return rc;
    }
    return AKT_OK;
}

/* rm_shutdown -- stop the transport and every proxy; drops the slot's
 * reference (the slot is already cleared). */
static void
rm_shutdown(rm *r)
{
    pthread_rwlock_wrlock(&r->life);
    r->stopped = true;
    pthread_rwlock_unlock(&r->life);
    /* the inbound thread first: what it still holds becomes dead letters
     * here; the receiver parks nothing after in_quit */
    pthread_mutex_lock(&r->in_mu);
    r->in_quit = true;
    bool joined = r->in_started;
    pthread_cond_signal(&r->in_cv);
    pthread_mutex_unlock(&r->in_mu);
    if (joined) {
        pthread_join(r->in_th, NULL);
    }
    akti_tp_free(r->tp); /* joins the transport's threads: no more callbacks */
    r->tp = NULL;
    /* stop every proxy; their post_stop releases their references */
    size_t n = 0;
    pthread_mutex_lock(&r->mu);
    akt_ref *refs = malloc((r->nproxies + 1) * sizeof(*refs));
    for (size_t b = 0; b < NBUCKETS && refs; b++) {
        for (proxy *p = r->by_path[b]; p; p = p->next_path) {
            refs[n++] = p->ref;
        }
    }
    pthread_mutex_unlock(&r->mu);
    for (size_t k = 0; k < n; k++) {
        akt_stop(refs[k]);
    }
    free(refs);
    rm_release(r);
}

akt_err
akt_remote_stop(akt_system *sys)
{
    rm *r = rm_get(sys);
    if (r == NULL) {
        return AKT_ENOENT;
    }
    if (!akti_system_ext_clear(sys, AKTI_EXT_REMOTE, r)) {
        rm_release(r); /* stopped meanwhile */
        return AKT_ENOENT;
    }
    rm_shutdown(r);
    rm_release(r);
    return AKT_OK;
}

akt_err
akt_remote_address(akt_system *sys, char *buf, size_t len)
{
    rm *r = rm_get(sys);
    if (r == NULL) {
        return AKT_ENOENT;
    }
    int n = snprintf(buf, len, "%s", r->canon);
    rm_release(r);
    return n >= 0 && (size_t)n < len ? AKT_OK : AKT_ERANGE;
}

/* remote_ref -- the ref for path: a local actor when the path names this
 * system's address, else the proxy (created on first use). */
static akt_err
remote_ref(rm *r, const char *path, akt_ref *out)
{
    char sysname[256], url[PATH_MAX_LEN];
    const char *local;
    akt_err rc
        = parse_path(path, sysname, sizeof(sysname), url, sizeof(url), &local);
    if (rc == AKT_OK && url[0] == '\0') {
        rc = AKT_EINVAL;
    }
    if (rc == AKT_OK && strlen(path) >= PATH_MAX_LEN) {
        rc = AKT_EINVAL;
    }
    if (rc != AKT_OK) {
        return rc;
    }
    pthread_rwlock_rdlock(&r->life);
    if (r->stopped) {
        rc = AKT_ECLOSED;
    } else if (strcmp(sysname, r->name) == 0
        && strcmp(url, akti_tp_address(r->tp)) == 0) {
        rc = akt_lookup(r->sys, local, out);
    } else {
        char auth[PATH_MAX_LEN], norm[2 * PATH_MAX_LEN + 300];
        authority(url, auth, sizeof(auth));
        snprintf(norm, sizeof(norm), "akt://%s@%s%s", sysname, auth, local);
        rc = proxy_get(r, norm, sysname, url, NULL, out);
    }
    pthread_rwlock_unlock(&r->life);
    return rc;
}

akt_err
akt_remote_ref(akt_system *sys, const char *path, akt_ref *out)
{
    if (path == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    rm *r = rm_get(sys);
    if (r == NULL) {
        return AKT_ENOENT;
    }
    akt_err rc = remote_ref(r, path, out);
    rm_release(r);
    return rc;
}

akt_err
akt_remote_ref_path(akt_system *sys, akt_ref ref, char *buf, size_t len)
{
    rm *r = rm_get(sys);
    if (r == NULL) {
        return AKT_ENOENT;
    }
    char tmp[PATH_MAX_LEN];
    akt_err rc = akt_ref_path(ref, tmp, sizeof(tmp));
    if (rc == AKT_OK) {
        bool stable;
        size_t n = sender_path(r, ref, buf, len, &stable);
        rc = n ? AKT_OK : AKT_ERANGE;
    }
    rm_release(r);
    return rc;
}

akt_err
akt_remote_stats_get(akt_system *sys, akt_remote_stats *out)
{
    if (out == NULL) {
        return AKT_EINVAL;
    }
    rm *r = rm_get(sys);
    if (r == NULL) {
        return AKT_ENOENT;
    }
    akti_tp_stats st;
    akti_tp_stats_get(r->tp, &st);
    memset(out, 0, sizeof(*out));
    out->frames_sent = st.frames_sent;
    out->frames_received = st.frames_received;
    out->envelopes_sent = st.envelopes_sent;
    out->envelopes_received = st.envelopes_received;
    out->bytes_sent = st.bytes_sent;
    out->bytes_received = st.bytes_received;
    out->rejected_corrupt = st.rejected_corrupt;
    out->rejected_unauthorized = st.rejected_unauth;
    out->rejected_handshake = st.rejected_handshake;
    out->rejected_unknown_type = atomic_load(&r->unknown_type);
    out->rejected_payload = atomic_load(&r->bad_payload);
    out->undeliverable = atomic_load(&r->undeliverable);
    out->dropped = st.dropped + atomic_load(&r->proxy_drops);
    out->system_resends = st.system_resends;
    out->stalls = st.stalls;
    out->failures_detected = st.failures_detected;
    out->quarantines = st.quarantines;
    out->handshakes = st.handshakes;
    out->stale_frames = st.stale_frames;
    out->dropped_unread = st.dropped_unread;
    out->remote_watching = atomic_load(&r->rwatching);
    out->credit_waits = st.credit_waits;
    out->receive_pending = st.receive_pending;
    out->receive_pending_max = st.receive_pending_max;
    out->inbound_parked = atomic_load(&r->parked);
    out->inbound_dropped = atomic_load(&r->inbound_dropped);
    out->rejected_window = st.rejected_window;
    out->associations = st.associations;
    out->associations_freed = st.freed;
    pthread_mutex_lock(&r->mu);
    out->proxies = r->nproxies;
    out->remote_watches = r->nwatches;
    pthread_mutex_unlock(&r->mu);
    rm_release(r);
    return AKT_OK;
}
