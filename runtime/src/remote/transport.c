/*
 * transport.c -- associations between akt systems over NNG (see
 * transport.h for the shape, README.md for the invariants).
 *
 * Locking: tp->mu guards the association list and the quarantine set;
 * each association's mu guards its incarnation state, its queues and its
 * reliable-delivery buffers. No lock is held while a callback runs or while
 * a thread blocks in NNG (except the brief nng_close/nng_dial of a socket
 * re-creation). Lock order: a->mu before tp->mu (tp->mu is never held
 * while an association lock is taken).
 *
 * Invariants:
 *  - a frame other than Hello is accepted only from a peer uid that is not
 *    quarantined, carries to_uid == our uid and the token we granted that
 *    incarnation; the token is granted only after its Hello passed the
 *    version, system-name and cookie checks;
 *  - a new uid at a known address is a new incarnation: the old uid is
 *    quarantined, its unacked system messages and uid-bound envelopes are
 *    dropped (dead letters), never delivered to the newcomer;
 *  - system envelopes are delivered in seq order exactly once per
 *    incarnation pair (go-back-N: cumulative acks, resend on timeout or
 *    nack, duplicates and gaps discarded);
 *  - every rejected frame is counted and (rate-limited) logged; the
 *    receiver thread never stops for bad input.
 */
#include "remote/transport.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/supplemental/tls/tls.h>

#include "remote/frame.h"
#include "remote/phi.h"

/* --- small helpers -------------------------------------------------------- */

int64_t
akti_rnow_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t
tp_random64(void)
{
    uint64_t v = 0;
    while (v == 0) {
        if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
            v = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11)
                ^ (uint64_t)time(NULL) ^ (uint64_t)akti_rnow_ns();
    }
    return v;
}

static char *
tp_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static void
abs_deadline(struct timespec *ts, int64_t from_now_ns)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = ts->tv_nsec + from_now_ns % 1000000000;
    ts->tv_sec += from_now_ns / 1000000000 + ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
}

static void
cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

static akt_err
nng_to_akt(int rv)
{
    switch (rv) {
    case 0:
        return AKT_OK;
    case NNG_ENOMEM:
        return AKT_ENOMEM;
    case NNG_EINVAL:
    case NNG_EADDRINVAL:
        return AKT_EINVAL;
    case NNG_ETIMEDOUT:
        return AKT_ETIMEDOUT;
    case NNG_ECLOSED:
        return AKT_ECLOSED;
    case NNG_ENOTSUP:
        return AKT_ENOTSUP;
    case NNG_EADDRINUSE:
    case NNG_EPERM:
        return AKT_EIO;
    case NNG_ECONNREFUSED:
    case NNG_ECONNRESET:
    case NNG_EUNREACHABLE:
        return AKT_EPEER;
    case NNG_ECRYPTO:
    case NNG_EPEERAUTH:
        return AKT_EAUTH;
    default:
        return AKT_EIO;
    }
}

/* --- outbound items and queues -------------------------------------------- */

typedef struct tp_item {
    uint64_t uid; /* target incarnation, 0: any */
    uint64_t seq; /* system messages */
    uint64_t type_id;
    char *recipient; /* NUL-terminated, in data[] */
    char *sender;
    uint8_t *payload;
    size_t plen;
    char data[];
} tp_item;

static tp_item *
item_new(const akti_envelope *e, uint64_t uid)
{
    size_t slen = e->sender ? e->sender_len : 0;
    tp_item *it = malloc(
        sizeof(*it) + e->recipient_len + 1 + slen + 1 + e->payload_len);
    if (it == NULL)
        return NULL;
    it->uid = uid;
    it->seq = 0;
    it->type_id = e->type_id;
    it->recipient = it->data;
    memcpy(it->recipient, e->recipient, e->recipient_len);
    it->recipient[e->recipient_len] = '\0';
    it->sender = it->recipient + e->recipient_len + 1;
    if (slen)
        memcpy(it->sender, e->sender, slen);
    it->sender[slen] = '\0';
    it->payload = (uint8_t *)(it->sender + slen + 1);
    if (e->payload_len)
        memcpy(it->payload, e->payload, e->payload_len);
    it->plen = e->payload_len;
    return it;
}

static void
item_view(const tp_item *it, akti_envelope *e)
{
    e->recipient = it->recipient;
    e->recipient_len = strlen(it->recipient);
    e->sender = it->sender;
    e->sender_len = strlen(it->sender);
    e->type_id = it->type_id;
    e->payload = it->payload;
    e->payload_len = it->plen;
}

typedef struct tp_ring {
    void **buf;
    uint32_t cap, head, len;
} tp_ring;

static bool
ring_init(tp_ring *r, uint32_t cap)
{
    r->buf = calloc(cap, sizeof(void *));
    r->cap = cap;
    r->head = r->len = 0;
    return r->buf != NULL;
}

static bool
ring_push(tp_ring *r, void *p)
{
    if (r->len == r->cap)
        return false;
    r->buf[(r->head + r->len) % r->cap] = p;
    r->len++;
    return true;
}

static bool
ring_push_front(tp_ring *r, void *p)
{
    if (r->len == r->cap)
        return false;
    r->head = (r->head + r->cap - 1) % r->cap;
    r->buf[r->head] = p;
    r->len++;
    return true;
}

static void *
ring_pop(tp_ring *r)
{
    if (r->len == 0)
        return NULL;
    void *p = r->buf[r->head];
    r->head = (r->head + 1) % r->cap;
    r->len--;
    return p;
}

static void *
ring_at(const tp_ring *r, uint32_t i)
{
    return r->buf[(r->head + i) % r->cap];
}

/* --- objects ---------------------------------------------------------------
 */

enum { AS_IDLE = 0, AS_HANDSHAKE, AS_UP };

typedef struct tp_chan {
    int kind;
    nng_socket sock;
    nng_dialer dialer;
    bool open;
    tp_ring q; /* tp_item * (ORDINARY, LARGE); nng_msg * (CONTROL) */
    pthread_cond_t cv; /* the writer waits for work */
    pthread_cond_t not_full; /* BLOCK-overflow producers wait */
    bool waiting;
    bool inline_busy; /* a producer is sending on its own thread */
    _Atomic uint64_t epoch; /* connection epoch stamped on our frames */
    pthread_t th;
    bool th_started;
    struct akti_assoc *a;
} tp_chan;

typedef struct tp_drop {
    tp_item *it;
    akt_err reason;
} tp_drop;

struct akti_assoc {
    akti_tp *tp;
    akti_assoc *next;
    char *url;
    char *system;
    pthread_mutex_t mu;
    pthread_cond_t up_cv;
    int state;
    _Atomic uint64_t peer_uid;
    uint64_t my_token; /* the peer puts it in frames to us */
    uint64_t peer_token; /* we put it in frames to the peer */
    int64_t hs_start, hs_last, gated_until;
    bool hs_failed;
    akti_phi phi;
    int64_t hb_last;
    uint64_t hb_seq;
    /* reliable outbound: unacked system items, [0, sys_sent) already sent */
    uint64_t out_seq;
    tp_ring unacked;
    uint32_t sys_sent;
    int64_t sys_last_send;
    /* reliable inbound */
    uint64_t in_next;
    uint64_t rx_epoch[3]; /* highest connection epoch seen per channel */
    tp_chan ch[AKTI_CH_COUNT];
    /* receiver thread only: reassembly of one large message */
    struct {
        uint64_t msg_id;
        uint32_t next, count;
        uint64_t total, got;
        uint8_t *buf;
        char *recipient, *sender;
        uint64_t type_id;
    } rx;
    uint64_t tx_msg_id; /* LARGE writer only */
};

struct akti_tp {
    akti_tp_opts o;
    akti_frame_limits lim;
    char *system;
    char *listen_url;
    char *address;
    char *cookie;
    uint64_t uid;
    nng_socket pull;
    nng_listener listener;
    nng_tls_config *tls_server, *tls_client;
    pthread_mutex_t mu;
    pthread_cond_t tick_cv;
    akti_assoc *assocs;
    uint64_t *quarantined;
    size_t nquar, capquar;
    atomic_bool stopping;
    nng_aio *rx_aio; /* the one receive in flight on pull */
    pthread_t tick_th;
    bool rx_started, tick_started;
    akti_pbarena arena;
    akti_assoc *rx_last;
    int log_level;
    struct {
        _Atomic uint64_t frames_sent, frames_received, envelopes_sent,
            envelopes_received, bytes_sent, bytes_received, rejected_corrupt,
            rejected_unauth, rejected_handshake, dropped, system_resends,
            stalls, failures_detected, quarantines, handshakes, stale_frames;
    } st;
    _Atomic uint64_t next_epoch; /* connection epochs handed out */
};

#define STAT_ADD(tp, f, n)                                                     \
    atomic_fetch_add_explicit(&(tp)->st.f, (n), memory_order_relaxed)

/* --- logging ----------------------------------------------------------------
 */

void
akti_rlog(const akti_tp *tp, int level, const char *fmt, ...)
{
    int max = tp ? tp->log_level : AKTI_LOG_WARN;
    if (level > max)
        return;
    static const char *names[] = { "error", "warn", "info", "debug" };
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "akt-remote[%s] %s: %s\n",
        tp && tp->system ? tp->system : "?", names[level & 3], line);
}

static int
log_level_from_env(void)
{
    const char *e = getenv("AKT_REMOTE_LOG");
    if (e == NULL)
        return AKTI_LOG_WARN;
    if (strcmp(e, "error") == 0)
        return AKTI_LOG_ERROR;
    if (strcmp(e, "info") == 0)
        return AKTI_LOG_INFO;
    if (strcmp(e, "debug") == 0)
        return AKTI_LOG_DEBUG;
    if (strcmp(e, "off") == 0)
        return -1;
    return AKTI_LOG_WARN;
}

/* rejections are logged the first 10 times, then every 1000th */
static void
tp_reject(akti_tp *tp, _Atomic uint64_t *counter, const char *fmt, ...)
{
    uint64_t n
        = atomic_fetch_add_explicit(counter, 1, memory_order_relaxed) + 1;
    if (n > 10 && n % 1000 != 0)
        return;
    if (tp->log_level < AKTI_LOG_WARN)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    akti_rlog(tp, AKTI_LOG_WARN, "%s (rejection #%llu of this kind)", line,
        (unsigned long long)n);
}

/* --- options ----------------------------------------------------------------
 */

void
akti_tp_opts_default(akti_tp_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->phi_threshold = 10.0;
    o->heartbeat_interval_ns = 1000000000LL;
    o->acceptable_pause_ns = 3000000000LL;
    o->min_std_dev_ns = 100000000LL;
    o->handshake_timeout_ns = 20000000000LL;
    o->handshake_retry_ns = 500000000LL;
    o->resend_interval_ns = 200000000LL;
    o->stall_timeout_ns = 10000000000LL;
    o->gate_ns = 1000000000LL;
    o->outbound_queue_size = 3072;
    o->overflow = AKT_OVERFLOW_DROP_NEW;
    o->block_timeout_ns = 1000000000LL;
    o->batch_max_envelopes = 256;
    o->batch_max_bytes = 64 * 1024;
    o->max_frame_size = 256 * 1024;
    o->large_threshold = 32 * 1024;
    o->max_message_size = 16u * 1024 * 1024;
    o->system_buffer_size = 20000;
}

static void
opts_fill(akti_tp_opts *o, const akti_tp_opts *in)
{
    akti_tp_opts d;
    akti_tp_opts_default(&d);
    *o = *in;
#define DEF(f)                                                                 \
    if (o->f == 0)                                                             \
    o->f = d.f
    DEF(phi_threshold);
    DEF(heartbeat_interval_ns);
    DEF(acceptable_pause_ns);
    DEF(min_std_dev_ns);
    DEF(handshake_timeout_ns);
    DEF(handshake_retry_ns);
    DEF(resend_interval_ns);
    DEF(stall_timeout_ns);
    DEF(gate_ns);
    DEF(outbound_queue_size);
    DEF(block_timeout_ns);
    DEF(batch_max_envelopes);
    DEF(batch_max_bytes);
    DEF(max_frame_size);
    DEF(large_threshold);
    DEF(max_message_size);
    DEF(system_buffer_size);
#undef DEF
    if (o->overflow == AKT_OVERFLOW_DEFAULT)
        o->overflow = AKT_OVERFLOW_DROP_NEW;
    if (o->max_frame_size < 4096)
        o->max_frame_size = 4096;
    if (o->large_threshold > o->max_frame_size / 2)
        o->large_threshold = o->max_frame_size / 2;
    if (o->batch_max_bytes > o->max_frame_size / 2)
        o->batch_max_bytes = o->max_frame_size / 2;
}

/* --- frames out -------------------------------------------------------------
 */

/* tp_pack -- f's header is filled for association a (its lock held or the
 * values copied); returns a new nng_msg or NULL on ENOMEM. */
static nng_msg *
tp_pack(akti_tp *tp, Akt__Remote__Frame *f)
{
    size_t n = akt__remote__frame__get_packed_size(f);
    nng_msg *m;
    if (nng_msg_alloc(&m, n) != 0)
        return NULL;
    akt__remote__frame__pack(f, nng_msg_body(m));
    (void)tp;
    return m;
}

static void
frame_hdr(akti_tp *tp, akti_assoc *a, Akt__Remote__Frame *f, int ch)
{
    f->from_uid = tp->uid;
    f->to_uid = atomic_load(&a->peer_uid);
    f->token = a->peer_token;
    f->channel = (Akt__Remote__Channel)ch;
}

/* control frames are queued as ready nng_msgs; a->mu held */
static void
ctl_enqueue(akti_assoc *a, nng_msg *m)
{
    tp_chan *c = &a->ch[AKTI_CH_CONTROL];
    if (m == NULL)
        return;
    if (!ring_push(&c->q, m)) {
        /* full of stale hellos/heartbeats (peer unreachable): drop oldest */
        nng_msg *old = ring_pop(&c->q);
        nng_msg_free(old);
        ring_push(&c->q, m);
    }
    if (c->waiting)
        pthread_cond_signal(&c->cv);
}

static void
send_hello(akti_tp *tp, akti_assoc *a) /* a->mu held */
{
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__Hello h = AKT__REMOTE__HELLO__INIT;
    h.version = AKTI_REMOTE_PROTOCOL_VERSION;
    h.system = tp->system;
    h.address = tp->address;
    h.uid = tp->uid;
    h.cookie = tp->cookie;
    h.to_system = a->system ? a->system : (char *)"";
    h.to_uid = atomic_load(&a->peer_uid);
    h.token = h.to_uid ? a->my_token : 0;
    h.have_your_token = a->peer_token != 0;
    frame_hdr(tp, a, &f, AKTI_CH_CONTROL);
    f.token = 0;
    f.body_case = AKT__REMOTE__FRAME__BODY_HELLO;
    f.hello = &h;
    ctl_enqueue(a, tp_pack(tp, &f));
    a->hs_last = akti_rnow_ns();
}

static void
send_ack(akti_tp *tp, akti_assoc *a, bool nack) /* a->mu held */
{
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__Ack k = AKT__REMOTE__ACK__INIT;
    k.cumulative = a->in_next - 1;
    k.nack = nack;
    frame_hdr(tp, a, &f, AKTI_CH_CONTROL);
    f.body_case = AKT__REMOTE__FRAME__BODY_ACK;
    f.ack = &k;
    ctl_enqueue(a, tp_pack(tp, &f));
}

static void
send_heartbeat(akti_tp *tp, akti_assoc *a, int64_t now) /* a->mu held */
{
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__Heartbeat hb = AKT__REMOTE__HEARTBEAT__INIT;
    hb.seq = ++a->hb_seq;
    hb.sent_ns = now;
    frame_hdr(tp, a, &f, AKTI_CH_CONTROL);
    f.body_case = AKT__REMOTE__FRAME__BODY_HEARTBEAT;
    f.heartbeat = &hb;
    ctl_enqueue(a, tp_pack(tp, &f));
    a->hb_last = now;
}

static void
send_quarantine(akti_tp *tp, akti_assoc *a, const char *reason) /* a->mu held */
{
    if (a->peer_token == 0 || atomic_load(&a->peer_uid) == 0)
        return;
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__Quarantine q = AKT__REMOTE__QUARANTINE__INIT;
    q.uid = atomic_load(&a->peer_uid);
    q.reason = (char *)reason;
    frame_hdr(tp, a, &f, AKTI_CH_CONTROL);
    f.body_case = AKT__REMOTE__FRAME__BODY_QUARANTINE;
    f.quarantine = &q;
    ctl_enqueue(a, tp_pack(tp, &f));
}

/* --- sockets ----------------------------------------------------------------
 */

static akt_err
chan_open(akti_tp *tp, akti_assoc *a, tp_chan *c)
{
    int rv = nng_push0_open(&c->sock);
    if (rv != 0)
        return nng_to_akt(rv);
    nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO,
        (nng_duration)(tp->o.stall_timeout_ns / 1000000));
    nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 20);
    nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 500);
    rv = nng_dialer_create(&c->dialer, c->sock, a->url);
    if (rv == 0 && tp->tls_client != NULL
        && strncmp(a->url, "tls+tcp://", 10) == 0)
        rv = nng_dialer_set_ptr(c->dialer, NNG_OPT_TLS_CONFIG, tp->tls_client);
    if (rv == 0)
        rv = nng_dialer_start(c->dialer, NNG_FLAG_NONBLOCK);
    if (rv != 0) {
        nng_close(c->sock);
        return nng_to_akt(rv);
    }
    c->open = true;
    atomic_store(&c->epoch, atomic_fetch_add(&tp->next_epoch, 1) + 1);
    return AKT_OK;
}

/* --- association state ------------------------------------------------------
 */

static bool
quarantined_locked(akti_tp *tp, uint64_t uid)
{
    for (size_t i = 0; i < tp->nquar; i++)
        if (tp->quarantined[i] == uid)
            return true;
    return false;
}

bool
akti_tp_is_quarantined(akti_tp *tp, uint64_t uid)
{
    pthread_mutex_lock(&tp->mu);
    bool q = quarantined_locked(tp, uid);
    pthread_mutex_unlock(&tp->mu);
    return q;
}

static void
quarantine_add(akti_tp *tp, uint64_t uid)
{
    pthread_mutex_lock(&tp->mu);
    if (!quarantined_locked(tp, uid)) {
        if (tp->nquar == tp->capquar) {
            size_t cap = tp->capquar ? tp->capquar * 2 : 16;
            uint64_t *n = realloc(tp->quarantined, cap * sizeof(*n));
            if (n) {
                tp->quarantined = n;
                tp->capquar = cap;
            }
        }
        if (tp->nquar < tp->capquar)
            tp->quarantined[tp->nquar++] = uid;
    }
    pthread_mutex_unlock(&tp->mu);
}

/* Drops collected under a->mu are reported after unlocking. */
typedef struct drop_list {
    tp_drop *v;
    size_t n, cap;
} drop_list;

static void
drop_add(drop_list *d, tp_item *it, akt_err reason)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        tp_drop *n = realloc(d->v, cap * sizeof(*n));
        if (n == NULL) {
            free(it); /* cannot report it; still counted */
            return;
        }
        d->v = n;
        d->cap = cap;
    }
    d->v[d->n].it = it;
    d->v[d->n].reason = reason;
    d->n++;
}

static void
drop_flush(akti_tp *tp, akti_assoc *a, drop_list *d)
{
    for (size_t i = 0; i < d->n; i++) {
        STAT_ADD(tp, dropped, 1);
        if (tp->o.cb && tp->o.cb->on_drop) {
            akti_envelope e;
            item_view(d->v[i].it, &e);
            tp->o.cb->on_drop(tp->o.cb_arg, a, &e, d->v[i].reason);
        }
        free(d->v[i].it);
    }
    free(d->v);
    d->v = NULL;
    d->n = d->cap = 0;
}

/* Pending peer events, reported after unlocking. */
typedef struct ev_list {
    struct {
        akti_peer_event ev;
        uint64_t uid;
        const char *reason;
    } v[4];
    int n;
} ev_list;

static void
ev_add(ev_list *l, akti_peer_event ev, uint64_t uid, const char *reason)
{
    if (l->n < 4) {
        l->v[l->n].ev = ev;
        l->v[l->n].uid = uid;
        l->v[l->n].reason = reason;
        l->n++;
    }
}

static void
ev_flush(akti_tp *tp, akti_assoc *a, ev_list *l)
{
    for (int i = 0; i < l->n; i++) {
        if (tp->o.cb && tp->o.cb->on_peer) {
            akti_peer p
                = { a, a->system ? a->system : "", a->url, l->v[i].uid };
            tp->o.cb->on_peer(tp->o.cb_arg, &p, l->v[i].ev, l->v[i].reason);
        }
    }
    l->n = 0;
}

/* reset_incarnation -- forget the current peer incarnation: its unacked
 * system messages and the queued envelopes bound to it become drops.
 * a->mu held. */
static void
reset_incarnation(akti_tp *tp, akti_assoc *a, drop_list *d, akt_err reason)
{
    uint64_t old = atomic_load(&a->peer_uid);
    tp_item *it;
    while ((it = ring_pop(&a->unacked)) != NULL)
        drop_add(d, it, reason);
    a->sys_sent = 0;
    a->out_seq = 0;
    a->in_next = 1;
    memset(a->rx_epoch, 0, sizeof(a->rx_epoch));
    for (int k = AKTI_CH_ORDINARY; k <= AKTI_CH_LARGE; k++) {
        tp_ring *q = &a->ch[k].q;
        uint32_t n = q->len;
        for (uint32_t i = 0; i < n; i++) {
            it = ring_pop(q);
            if (old != 0 && it->uid == old)
                drop_add(d, it, reason);
            else
                ring_push(q, it);
        }
        pthread_cond_broadcast(&a->ch[k].not_full);
    }
    atomic_store(&a->peer_uid, 0);
    a->peer_token = 0;
    a->my_token = 0;
    a->state = AS_IDLE;
    a->hs_start = 0;
    pthread_cond_broadcast(&a->up_cv);
}

/* fail_queues -- the handshake failed: everything queued is a drop. */
static void
fail_queues(akti_assoc *a, drop_list *d, akt_err reason)
{
    tp_item *it;
    while ((it = ring_pop(&a->unacked)) != NULL)
        drop_add(d, it, reason);
    a->sys_sent = 0;
    for (int k = AKTI_CH_ORDINARY; k <= AKTI_CH_LARGE; k++) {
        while ((it = ring_pop(&a->ch[k].q)) != NULL)
            drop_add(d, it, reason);
        pthread_cond_broadcast(&a->ch[k].not_full);
    }
}

static void
start_handshake(akti_tp *tp, akti_assoc *a, int64_t now) /* a->mu held */
{
    a->state = AS_HANDSHAKE;
    a->hs_start = now;
    a->hs_failed = false;
    send_hello(tp, a);
}

static void
become_up(akti_tp *tp, akti_assoc *a, ev_list *evs) /* a->mu held */
{
    int64_t now = akti_rnow_ns();
    a->state = AS_UP;
    akti_phi_init(&a->phi, tp->o.phi_threshold, tp->o.heartbeat_interval_ns,
        tp->o.acceptable_pause_ns, tp->o.min_std_dev_ns);
    akti_phi_heartbeat(&a->phi, now);
    a->hb_last = 0;
    a->sys_sent = 0; /* (re)send whatever system messages wait */
    STAT_ADD(tp, handshakes, 1);
    ev_add(evs, AKTI_PEER_UP, atomic_load(&a->peer_uid), "handshake completed");
    for (int k = 0; k < AKTI_CH_COUNT; k++)
        pthread_cond_broadcast(&a->ch[k].cv);
    pthread_cond_broadcast(&a->up_cv);
    akti_rlog(tp, AKTI_LOG_INFO, "association with %s (%s, uid %016llx) is up",
        a->system, a->url, (unsigned long long)atomic_load(&a->peer_uid));
}

/* quarantine_peer -- quarantine the current incarnation of a's peer, tell
 * it, and reset. a->mu held. */
static void
quarantine_peer(
    akti_tp *tp, akti_assoc *a, const char *reason, drop_list *d, ev_list *evs)
{
    uint64_t uid = atomic_load(&a->peer_uid);
    if (uid == 0)
        return;
    send_quarantine(tp, a, reason);
    quarantine_add(tp, uid);
    STAT_ADD(tp, quarantines, 1);
    akti_rlog(tp, AKTI_LOG_WARN, "quarantined %s at %s (uid %016llx): %s",
        a->system, a->url, (unsigned long long)uid, reason);
    ev_add(evs, AKTI_PEER_QUARANTINED, uid, reason);
    reset_incarnation(tp, a, d, AKT_EPEER);
}

/* --- writers ----------------------------------------------------------------
 */

static void
chan_recreate(akti_tp *tp, akti_assoc *a, tp_chan *c, int rv)
{
    pthread_mutex_lock(&a->mu);
    if (!atomic_load(&tp->stopping) && c->open) {
        STAT_ADD(tp, stalls, 1);
        akti_rlog(tp, AKTI_LOG_WARN,
            "channel %d to %s made no progress (%s): re-creating the "
            "connection",
            c->kind, a->url, nng_strerror(rv));
        nng_close(c->sock);
        c->open = false;
        if (chan_open(tp, a, c) != AKT_OK)
            akti_rlog(tp, AKTI_LOG_ERROR, "cannot re-open channel %d to %s",
                c->kind, a->url);
    }
    pthread_mutex_unlock(&a->mu);
}

static int
chan_send(akti_tp *tp, akti_assoc *a, tp_chan *c, nng_msg *m)
{
    size_t len = nng_msg_len(m);
    int rv = nng_sendmsg(c->sock, m, 0);
    if (rv != 0) {
        nng_msg_free(m);
        if (rv != NNG_ECLOSED || !atomic_load(&tp->stopping))
            chan_recreate(tp, a, c, rv);
        return rv;
    }
    STAT_ADD(tp, frames_sent, 1);
    STAT_ADD(tp, bytes_sent, len);
    return 0;
}

static void
fill_pb_env(Akt__Remote__Envelope *pe, const tp_item *it)
{
    akt__remote__envelope__init(pe);
    pe->recipient = it->recipient;
    pe->sender = it->sender;
    pe->type_id = it->type_id;
    pe->payload.data = it->payload;
    pe->payload.len = it->plen;
    pe->seq = it->seq;
}

/* thread names show in perf, top -H and debuggers (Linux; 15 chars) */
static void
tp_thread_name(const char *name)
{
#if defined(__linux__) && defined(_GNU_SOURCE)
    pthread_setname_np(pthread_self(), name);
#else
    (void)name;
#endif
}

static void *
control_writer(void *arg)
{
    tp_chan *c = arg;
    tp_thread_name("akt-rm-wctl");
    akti_assoc *a = c->a;
    akti_tp *tp = a->tp;
    uint32_t maxb = tp->o.batch_max_envelopes;
    Akt__Remote__Envelope *envs = calloc(maxb, sizeof(*envs));
    Akt__Remote__Envelope **ptrs = calloc(maxb, sizeof(*ptrs));
    nng_msg **out = calloc(c->q.cap, sizeof(*out));
    if (envs == NULL || ptrs == NULL || out == NULL)
        abort(); /* allocation at thread start: nothing sane to do */
    for (uint32_t i = 0; i < maxb; i++)
        ptrs[i] = &envs[i];
    pthread_mutex_lock(&a->mu);
    while (!atomic_load(&tp->stopping)) {
        bool sys_work = a->state == AS_UP && a->sys_sent < a->unacked.len;
        if (c->q.len == 0 && !sys_work) {
            c->waiting = true;
            pthread_cond_wait(&c->cv, &a->mu);
            c->waiting = false;
            continue;
        }
        uint32_t nout = 0;
        nng_msg *m;
        while ((m = ring_pop(&c->q)) != NULL)
            out[nout++] = m;
        nng_msg *sysm = NULL;
        uint32_t nsys = 0;
        if (sys_work) {
            /* a batch of system envelopes, packed under the lock (rare) */
            size_t bytes = 0;
            while (a->sys_sent + nsys < a->unacked.len && nsys < maxb
                && bytes < tp->o.batch_max_bytes) {
                tp_item *it = ring_at(&a->unacked, a->sys_sent + nsys);
                fill_pb_env(&envs[nsys], it);
                bytes += it->plen + 64;
                nsys++;
            }
            Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
            Akt__Remote__Batch b = AKT__REMOTE__BATCH__INIT;
            b.n_envelopes = nsys;
            b.envelopes = ptrs;
            frame_hdr(tp, a, &f, AKTI_CH_CONTROL);
            f.body_case = AKT__REMOTE__FRAME__BODY_BATCH;
            f.batch = &b;
            sysm = tp_pack(tp, &f);
            a->sys_sent += nsys;
            a->sys_last_send = akti_rnow_ns();
        }
        pthread_mutex_unlock(&a->mu);
        for (uint32_t i = 0; i < nout; i++) {
            if (atomic_load(&tp->stopping)) {
                nng_msg_free(out[i]);
                continue;
            }
            chan_send(tp, a, c, out[i]);
        }
        if (sysm != NULL && !atomic_load(&tp->stopping)) {
            if (chan_send(tp, a, c, sysm) == 0)
                STAT_ADD(tp, envelopes_sent, nsys);
        } else if (sysm != NULL) {
            nng_msg_free(sysm);
        }
        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    free(envs);
    free(ptrs);
    free(out);
    return NULL;
}

/* send one large item: a single-envelope batch, or fragments */
static void
large_send(akti_tp *tp, akti_assoc *a, tp_chan *c, tp_item *it, uint64_t uid,
    uint64_t token)
{
    size_t chunk = tp->o.max_frame_size - 1024 - strlen(it->recipient)
        - strlen(it->sender);
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    f.from_uid = tp->uid;
    f.to_uid = uid;
    f.token = token;
    f.channel = AKT__REMOTE__CHANNEL__LARGE;
    f.conn_epoch = atomic_load(&c->epoch);
    Akt__Remote__Envelope pe;
    fill_pb_env(&pe, it);
    if (it->plen <= chunk) {
        Akt__Remote__Envelope *pp = &pe;
        Akt__Remote__Batch b = AKT__REMOTE__BATCH__INIT;
        b.n_envelopes = 1;
        b.envelopes = &pp;
        f.body_case = AKT__REMOTE__FRAME__BODY_BATCH;
        f.batch = &b;
        nng_msg *m = tp_pack(tp, &f);
        if (m && chan_send(tp, a, c, m) == 0)
            STAT_ADD(tp, envelopes_sent, 1);
        return;
    }
    uint32_t count = (uint32_t)((it->plen + chunk - 1) / chunk);
    uint64_t id = ++a->tx_msg_id;
    pe.payload.data = NULL;
    pe.payload.len = 0;
    for (uint32_t i = 0; i < count && !atomic_load(&tp->stopping); i++) {
        Akt__Remote__Fragment g = AKT__REMOTE__FRAGMENT__INIT;
        g.msg_id = id;
        g.index = i;
        g.count = count;
        g.total_len = it->plen;
        g.head = i == 0 ? &pe : NULL;
        size_t off = (size_t)i * chunk;
        g.data.data = it->payload + off;
        g.data.len = it->plen - off < chunk ? it->plen - off : chunk;
        f.body_case = AKT__REMOTE__FRAME__BODY_FRAGMENT;
        f.fragment = &g;
        nng_msg *m = tp_pack(tp, &f);
        if (m == NULL || chan_send(tp, a, c, m) != 0)
            return; /* the receiver abandons the partial message */
    }
    STAT_ADD(tp, envelopes_sent, 1);
}

static void *
data_writer(void *arg)
{
    tp_chan *c = arg;
    tp_thread_name(c->kind == AKTI_CH_LARGE ? "akt-rm-wlarge" : "akt-rm-word");
    akti_assoc *a = c->a;
    akti_tp *tp = a->tp;
    uint32_t maxb = c->kind == AKTI_CH_LARGE ? 1 : tp->o.batch_max_envelopes;
    Akt__Remote__Envelope *envs = calloc(maxb, sizeof(*envs));
    Akt__Remote__Envelope **ptrs = calloc(maxb, sizeof(*ptrs));
    tp_item **items = calloc(maxb, sizeof(*items));
    if (envs == NULL || ptrs == NULL || items == NULL)
        abort();
    for (uint32_t i = 0; i < maxb; i++)
        ptrs[i] = &envs[i];
    drop_list d = { 0 };
    pthread_mutex_lock(&a->mu);
    while (!atomic_load(&tp->stopping)) {
        if (a->state != AS_UP || c->q.len == 0 || c->inline_busy) {
            c->waiting = true;
            pthread_cond_wait(&c->cv, &a->mu);
            c->waiting = false;
            continue;
        }
        uint64_t uid = atomic_load(&a->peer_uid);
        uint64_t token = a->peer_token;
        uint32_t n = 0;
        size_t bytes = 0;
        while (n < maxb && c->q.len > 0
            && (n == 0 || bytes < tp->o.batch_max_bytes)) {
            tp_item *it = ring_pop(&c->q);
            if (it->uid != 0 && it->uid != uid) {
                drop_add(&d, it, AKT_ESTOPPED);
                continue;
            }
            items[n++] = it;
            bytes += it->plen + strlen(it->recipient) + 24;
        }
        if (c->q.len + n >= c->q.cap || n > 0)
            pthread_cond_broadcast(&c->not_full);
        pthread_mutex_unlock(&a->mu);
        if (d.n)
            drop_flush(tp, a, &d);
        if (n > 0 && c->kind == AKTI_CH_LARGE) {
            large_send(tp, a, c, items[0], uid, token);
        } else if (n > 0) {
            for (uint32_t i = 0; i < n; i++)
                fill_pb_env(&envs[i], items[i]);
            Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
            Akt__Remote__Batch b = AKT__REMOTE__BATCH__INIT;
            b.n_envelopes = n;
            b.envelopes = ptrs;
            f.from_uid = tp->uid;
            f.to_uid = uid;
            f.token = token;
            f.channel = AKT__REMOTE__CHANNEL__ORDINARY;
            f.conn_epoch = atomic_load(&c->epoch);
            f.body_case = AKT__REMOTE__FRAME__BODY_BATCH;
            f.batch = &b;
            nng_msg *m = tp_pack(tp, &f);
            if (m != NULL && chan_send(tp, a, c, m) == 0)
                STAT_ADD(tp, envelopes_sent, n);
        }
        for (uint32_t i = 0; i < n; i++)
            free(items[i]);
        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    free(envs);
    free(ptrs);
    free(items);
    return NULL;
}

/* --- associations -----------------------------------------------------------
 */

static akt_err
assoc_new(akti_tp *tp, const char *url, const char *system, akti_assoc **out)
{
    akti_assoc *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return AKT_ENOMEM;
    a->tp = tp;
    a->url = tp_strdup(url);
    a->system = tp_strdup(system ? system : "");
    a->in_next = 1;
    memset(a->rx_epoch, 0, sizeof(a->rx_epoch));
    pthread_mutex_init(&a->mu, NULL);
    cond_init_mono(&a->up_cv);
    if (a->url == NULL || a->system == NULL
        || !ring_init(&a->unacked, tp->o.system_buffer_size))
        goto fail;
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        tp_chan *c = &a->ch[k];
        c->kind = k;
        c->a = a;
        cond_init_mono(&c->cv);
        cond_init_mono(&c->not_full);
        if (!ring_init(
                &c->q, k == AKTI_CH_CONTROL ? 256 : tp->o.outbound_queue_size))
            goto fail;
    }
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        akt_err rc = chan_open(tp, a, &a->ch[k]);
        if (rc != AKT_OK) {
            akti_rlog(tp, AKTI_LOG_ERROR, "cannot dial %s: %s", url,
                akt_strerror(rc));
            for (int j = 0; j < k; j++)
                nng_close(a->ch[j].sock);
            goto fail;
        }
    }
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        tp_chan *c = &a->ch[k];
        if (pthread_create(&c->th, NULL,
                k == AKTI_CH_CONTROL ? control_writer : data_writer, c)
            == 0)
            c->th_started = true;
    }
    *out = a;
    return AKT_OK;
fail:
    for (int k = 0; k < AKTI_CH_COUNT; k++)
        free(a->ch[k].q.buf);
    free(a->unacked.buf);
    free(a->url);
    free(a->system);
    free(a);
    return AKT_EINVAL;
}

akt_err
akti_tp_assoc(
    akti_tp *tp, const char *url, const char *system, akti_assoc **out)
{
    if (tp == NULL || url == NULL || out == NULL)
        return AKT_EINVAL;
    pthread_mutex_lock(&tp->mu);
    if (atomic_load(&tp->stopping)) {
        pthread_mutex_unlock(&tp->mu);
        return AKT_ECLOSED;
    }
    for (akti_assoc *a = tp->assocs; a; a = a->next) {
        if (strcmp(a->url, url) == 0) {
            pthread_mutex_unlock(&tp->mu);
            *out = a;
            return AKT_OK;
        }
    }
    akti_assoc *a;
    akt_err rc = assoc_new(tp, url, system, &a);
    if (rc == AKT_OK) {
        a->next = tp->assocs;
        tp->assocs = a;
        *out = a;
    }
    pthread_mutex_unlock(&tp->mu);
    return rc;
}

void
akti_assoc_connect(akti_assoc *a)
{
    pthread_mutex_lock(&a->mu);
    if (a->state == AS_IDLE)
        start_handshake(a->tp, a, akti_rnow_ns());
    pthread_mutex_unlock(&a->mu);
}

uint64_t
akti_assoc_peer_uid(akti_assoc *a)
{
    return atomic_load(&a->peer_uid);
}

const char *
akti_assoc_url(const akti_assoc *a)
{
    return a->url;
}

const char *
akti_assoc_system(const akti_assoc *a)
{
    return a->system;
}

akt_err
akti_assoc_wait_up(akti_assoc *a, int64_t timeout_ns, uint64_t *uid)
{
    struct timespec dl;
    abs_deadline(&dl, timeout_ns);
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&a->mu);
    if (a->state == AS_IDLE)
        start_handshake(a->tp, a, akti_rnow_ns());
    while (a->state != AS_UP) {
        if (a->hs_failed) {
            rc = AKT_EPEER;
            break;
        }
        if (atomic_load(&a->tp->stopping)) {
            rc = AKT_ECLOSED;
            break;
        }
        if (pthread_cond_timedwait(&a->up_cv, &a->mu, &dl) == ETIMEDOUT) {
            rc = a->state == AS_UP ? AKT_OK : AKT_ETIMEDOUT;
            break;
        }
    }
    if (rc == AKT_OK && uid)
        *uid = atomic_load(&a->peer_uid);
    pthread_mutex_unlock(&a->mu);
    return rc;
}

/* inline_send -- an idle ORDINARY channel: send this one envelope on the
 * caller's thread without waking the writer (one thread hop less on the
 * latency path). Non-blocking: false when NNG cannot take it at once. */
static bool
inline_send(akti_tp *tp, tp_chan *c, tp_item *it, uint64_t uid, uint64_t token)
{
    Akt__Remote__Envelope pe;
    fill_pb_env(&pe, it);
    Akt__Remote__Envelope *pp = &pe;
    Akt__Remote__Batch b = AKT__REMOTE__BATCH__INIT;
    b.n_envelopes = 1;
    b.envelopes = &pp;
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    f.from_uid = tp->uid;
    f.to_uid = uid;
    f.token = token;
    f.channel = AKT__REMOTE__CHANNEL__ORDINARY;
    f.conn_epoch = atomic_load(&c->epoch);
    f.body_case = AKT__REMOTE__FRAME__BODY_BATCH;
    f.batch = &b;
    nng_msg *m = tp_pack(tp, &f);
    if (m == NULL)
        return false;
    size_t len = nng_msg_len(m);
    if (nng_sendmsg(c->sock, m, NNG_FLAG_NONBLOCK) != 0) {
        nng_msg_free(m);
        return false;
    }
    STAT_ADD(tp, frames_sent, 1);
    STAT_ADD(tp, bytes_sent, len);
    STAT_ADD(tp, envelopes_sent, 1);
    return true;
}

akt_err
akti_assoc_send(
    akti_assoc *a, const akti_envelope *env, bool system, uint64_t peer_uid)
{
    akti_tp *tp = a->tp;
    if (env == NULL || env->recipient == NULL || env->recipient_len == 0
        || env->type_id == 0 || (env->payload_len && env->payload == NULL))
        return AKT_EINVAL;
    if (atomic_load(&tp->stopping))
        return AKT_ECLOSED;
    if (env->payload_len > tp->o.max_message_size || env->recipient_len > 1024
        || env->sender_len > 1024)
        return AKT_ETOOBIG;
    if (system && env->payload_len > tp->o.large_threshold)
        return AKT_ETOOBIG;
    tp_item *it = item_new(env, peer_uid);
    if (it == NULL)
        return AKT_ENOMEM;
    drop_list d = { 0 };
    akt_err rc = AKT_OK;
    int64_t now = 0;
    pthread_mutex_lock(&a->mu);
    uint64_t cur = atomic_load(&a->peer_uid);
    if (peer_uid != 0 && cur != 0 && cur != peer_uid) {
        rc = AKT_ESTOPPED;
        goto out_free;
    }
    if (a->state == AS_IDLE) {
        now = akti_rnow_ns();
        if (now < a->gated_until) {
            drop_add(&d, it, AKT_EPEER);
            goto out;
        }
        start_handshake(tp, a, now);
    }
    if (system) {
        if (a->unacked.len == a->unacked.cap) {
            rc = AKT_EFULL;
            goto out_free;
        }
        it->seq = ++a->out_seq;
        ring_push(&a->unacked, it);
        tp_chan *c = &a->ch[AKTI_CH_CONTROL];
        if (a->state == AS_UP && c->waiting)
            pthread_cond_signal(&c->cv);
        goto out;
    }
    tp_chan *c = &a->ch[it->plen > tp->o.large_threshold ? AKTI_CH_LARGE
                                                         : AKTI_CH_ORDINARY];
    if (c->q.len == c->q.cap) {
        switch (tp->o.overflow) {
        case AKT_OVERFLOW_DROP_HEAD:
            drop_add(&d, ring_pop(&c->q), AKT_EFULL);
            break;
        case AKT_OVERFLOW_FAIL:
            rc = AKT_EFULL;
            goto out_free;
        case AKT_OVERFLOW_BLOCK: {
            struct timespec dl;
            abs_deadline(&dl, tp->o.block_timeout_ns);
            while (c->q.len == c->q.cap && !atomic_load(&tp->stopping)) {
                if (pthread_cond_timedwait(&c->not_full, &a->mu, &dl)
                    == ETIMEDOUT)
                    break;
            }
            if (c->q.len == c->q.cap) {
                rc = atomic_load(&tp->stopping) ? AKT_ECLOSED : AKT_EFULL;
                goto out_free;
            }
            break;
        }
        default: /* DROP_NEW */
            drop_add(&d, it, AKT_EFULL);
            goto out;
        }
    }
    if (c->kind == AKTI_CH_ORDINARY && a->state == AS_UP && c->q.len == 0
        && c->waiting && !c->inline_busy && c->open
        && (it->uid == 0 || it->uid == cur)) {
        c->inline_busy = true;
        uint64_t token = a->peer_token;
        pthread_mutex_unlock(&a->mu);
        bool sent = inline_send(tp, c, it, cur, token);
        pthread_mutex_lock(&a->mu);
        c->inline_busy = false;
        if (sent)
            free(it);
        else if (!ring_push_front(&c->q, it)) /* ahead of what came meanwhile */
            drop_add(&d, it, AKT_EFULL);
        if (c->q.len > 0 && c->waiting)
            pthread_cond_signal(&c->cv);
        goto out;
    }
    ring_push(&c->q, it);
    if (c->waiting && a->state == AS_UP)
        pthread_cond_signal(&c->cv);
    goto out;
out_free:
    free(it);
out:
    pthread_mutex_unlock(&a->mu);
    if (d.n)
        drop_flush(tp, a, &d);
    return rc;
}

/* --- receiving --------------------------------------------------------------
 */

static akti_assoc *
find_by_uid(akti_tp *tp, uint64_t uid)
{
    akti_assoc *a = tp->rx_last;
    if (a != NULL && atomic_load(&a->peer_uid) == uid)
        return a;
    pthread_mutex_lock(&tp->mu);
    for (a = tp->assocs; a; a = a->next)
        if (atomic_load(&a->peer_uid) == uid)
            break;
    pthread_mutex_unlock(&tp->mu);
    if (a)
        tp->rx_last = a;
    return a;
}

static bool
cookie_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    size_t n = la < lb ? la : lb;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static void
on_hello(akti_tp *tp, const Akt__Remote__Frame *f)
{
    const Akt__Remote__Hello *h = f->hello;
    if (h->version != AKTI_REMOTE_PROTOCOL_VERSION) {
        tp_reject(tp, &tp->st.rejected_handshake,
            "handshake from %s (%s) refused: protocol version %u, this node "
            "speaks %u",
            h->system, h->address, h->version, AKTI_REMOTE_PROTOCOL_VERSION);
        return;
    }
    if (strcmp(h->to_system, tp->system) != 0) {
        tp_reject(tp, &tp->st.rejected_handshake,
            "handshake from %s (%s) refused: it wants system '%s', this is "
            "'%s'",
            h->system, h->address, h->to_system, tp->system);
        return;
    }
    if (!cookie_equal(h->cookie, tp->cookie)) {
        tp_reject(tp, &tp->st.rejected_handshake,
            "handshake from %s (%s) refused: wrong or missing cookie",
            h->system, h->address);
        return;
    }
    if (akti_tp_is_quarantined(tp, h->uid)) {
        tp_reject(tp, &tp->st.rejected_unauth,
            "handshake from %s (%s) refused: incarnation %016llx is "
            "quarantined",
            h->system, h->address, (unsigned long long)h->uid);
        return;
    }
    akti_assoc *a;
    if (akti_tp_assoc(tp, h->address, h->system, &a) != AKT_OK)
        return;
    drop_list d = { 0 };
    ev_list evs = { 0 };
    pthread_mutex_lock(&a->mu);
    uint64_t cur = atomic_load(&a->peer_uid);
    if (cur != 0 && cur != h->uid) {
        /* the peer restarted: a new incarnation */
        quarantine_peer(tp, a, "restarted with a new uid", &d, &evs);
    }
    if (strcmp(a->system, h->system) != 0 && a->system[0] == '\0') {
        free(a->system);
        a->system = tp_strdup(h->system);
    }
    if (atomic_load(&a->peer_uid) == 0) {
        atomic_store(&a->peer_uid, h->uid);
        a->my_token = tp_random64();
        a->peer_token = 0;
        a->in_next = 1;
        memset(a->rx_epoch, 0, sizeof(a->rx_epoch));
        if (a->state == AS_IDLE) {
            a->state = AS_HANDSHAKE;
            a->hs_start = akti_rnow_ns();
        }
    }
    if (h->token != 0 && h->to_uid == tp->uid)
        a->peer_token = h->token;
    if (!h->have_your_token)
        send_hello(tp, a);
    if (a->peer_token != 0 && a->state != AS_UP)
        become_up(tp, a, &evs);
    pthread_mutex_unlock(&a->mu);
    if (d.n)
        drop_flush(tp, a, &d);
    ev_flush(tp, a, &evs);
}

static void
deliver(akti_tp *tp, akti_assoc *a, uint64_t uid, int ch,
    const Akt__Remote__Envelope *pe)
{
    STAT_ADD(tp, envelopes_received, 1);
    if (tp->o.cb == NULL || tp->o.cb->on_envelope == NULL)
        return;
    akti_peer p = { a, a->system, a->url, uid };
    akti_envelope e = { pe->recipient, strlen(pe->recipient), pe->sender,
        strlen(pe->sender), pe->type_id, pe->payload.data, pe->payload.len };
    tp->o.cb->on_envelope(tp->o.cb_arg, &p, ch, &e);
}

static void
rx_frag_reset(akti_assoc *a)
{
    free(a->rx.buf);
    free(a->rx.recipient);
    free(a->rx.sender);
    memset(&a->rx, 0, sizeof(a->rx));
}

static void
on_fragment(
    akti_tp *tp, akti_assoc *a, uint64_t uid, const Akt__Remote__Fragment *g)
{
    if (g->index == 0) {
        if (a->rx.buf != NULL)
            STAT_ADD(tp, rejected_corrupt, 1); /* abandoned partial message */
        rx_frag_reset(a);
        a->rx.buf = malloc(g->total_len);
        a->rx.recipient = tp_strdup(g->head->recipient);
        a->rx.sender = tp_strdup(g->head->sender);
        if (a->rx.buf == NULL || a->rx.recipient == NULL
            || a->rx.sender == NULL) {
            rx_frag_reset(a);
            return;
        }
        a->rx.msg_id = g->msg_id;
        a->rx.count = g->count;
        a->rx.total = g->total_len;
        a->rx.type_id = g->head->type_id;
    } else if (a->rx.buf == NULL || g->msg_id != a->rx.msg_id
        || g->index != a->rx.next || g->count != a->rx.count
        || g->total_len != a->rx.total) {
        tp_reject(tp, &tp->st.rejected_corrupt,
            "fragment %u/%u of message %llu from %s out of sequence: dropped",
            g->index, g->count, (unsigned long long)g->msg_id, a->url);
        rx_frag_reset(a);
        return;
    }
    if (g->data.len > a->rx.total - a->rx.got) {
        tp_reject(tp, &tp->st.rejected_corrupt,
            "fragment overruns its message from %s", a->url);
        rx_frag_reset(a);
        return;
    }
    memcpy(a->rx.buf + a->rx.got, g->data.data, g->data.len);
    a->rx.got += g->data.len;
    a->rx.next++;
    if (a->rx.next == a->rx.count) {
        if (a->rx.got == a->rx.total) {
            Akt__Remote__Envelope pe = AKT__REMOTE__ENVELOPE__INIT;
            pe.recipient = a->rx.recipient;
            pe.sender = a->rx.sender;
            pe.type_id = a->rx.type_id;
            pe.payload.data = a->rx.buf;
            pe.payload.len = a->rx.total;
            deliver(tp, a, uid, AKTI_CH_LARGE, &pe);
        } else {
            tp_reject(tp, &tp->st.rejected_corrupt,
                "large message from %s has the wrong length", a->url);
        }
        rx_frag_reset(a);
    }
}

/* fresh_epoch -- false (frame dropped, counted) when f came on a
 * connection of uid's channel that was replaced by one whose frames we
 * already took: delivering it now would put it after newer messages. A
 * newer epoch on LARGE abandons a reassembly begun on the old connection. */
static bool
fresh_epoch(
    akti_tp *tp, akti_assoc *a, uint64_t uid, const Akt__Remote__Frame *f)
{
    int ch = (int)f->channel;
    if (f->conn_epoch == 0 || ch <= AKTI_CH_CONTROL || ch > AKTI_CH_LARGE)
        return true;
    pthread_mutex_lock(&a->mu);
    bool ok
        = atomic_load(&a->peer_uid) == uid && f->conn_epoch >= a->rx_epoch[ch];
    bool newer = ok && f->conn_epoch > a->rx_epoch[ch];
    bool had = a->rx_epoch[ch] != 0;
    if (ok)
        a->rx_epoch[ch] = f->conn_epoch;
    if (newer && had && ch == AKTI_CH_LARGE)
        rx_frag_reset(a);
    pthread_mutex_unlock(&a->mu);
    if (!ok) {
        STAT_ADD(tp, stale_frames, 1);
        akti_rlog(tp, AKTI_LOG_DEBUG,
            "frame from a replaced connection of %016llx dropped (keeps "
            "per-pair order)",
            (unsigned long long)uid);
    }
    return ok;
}

static void
on_frame(akti_tp *tp, const Akt__Remote__Frame *f)
{
    if (f->body_case == AKT__REMOTE__FRAME__BODY_HELLO) {
        on_hello(tp, f);
        return;
    }
    akti_assoc *a = find_by_uid(tp, f->from_uid);
    if (a == NULL || f->to_uid != tp->uid) {
        tp_reject(tp, &tp->st.rejected_unauth,
            "frame from unknown or stale incarnation %016llx dropped",
            (unsigned long long)f->from_uid);
        return;
    }
    pthread_mutex_lock(&a->mu);
    bool ok = atomic_load(&a->peer_uid) == f->from_uid && a->my_token != 0
        && f->token == a->my_token;
    pthread_mutex_unlock(&a->mu);
    if (!ok) {
        tp_reject(tp, &tp->st.rejected_unauth,
            "frame from %016llx without a valid token dropped",
            (unsigned long long)f->from_uid);
        return;
    }
    uint64_t uid = f->from_uid;
    if (!fresh_epoch(tp, a, uid, f))
        return;
    drop_list d = { 0 };
    ev_list evs = { 0 };
    switch (f->body_case) {
    case AKT__REMOTE__FRAME__BODY_HEARTBEAT:
        pthread_mutex_lock(&a->mu);
        akti_phi_heartbeat(&a->phi, akti_rnow_ns());
        pthread_mutex_unlock(&a->mu);
        break;
    case AKT__REMOTE__FRAME__BODY_ACK: {
        pthread_mutex_lock(&a->mu);
        tp_item *it;
        while (a->unacked.len > 0
            && ((tp_item *)ring_at(&a->unacked, 0))->seq
                <= f->ack->cumulative) {
            it = ring_pop(&a->unacked);
            free(it);
            if (a->sys_sent > 0)
                a->sys_sent--;
        }
        if (f->ack->nack && a->unacked.len > 0 && a->sys_sent > 0) {
            a->sys_sent = 0;
            STAT_ADD(tp, system_resends, 1);
            if (a->ch[AKTI_CH_CONTROL].waiting)
                pthread_cond_signal(&a->ch[AKTI_CH_CONTROL].cv);
        }
        pthread_mutex_unlock(&a->mu);
        break;
    }
    case AKT__REMOTE__FRAME__BODY_BATCH: {
        const Akt__Remote__Batch *b = f->batch;
        if (f->channel != AKT__REMOTE__CHANNEL__CONTROL) {
            for (size_t i = 0; i < b->n_envelopes; i++)
                deliver(tp, a, uid, f->channel, b->envelopes[i]);
            break;
        }
        /* reliable, in order: deliver seq == in_next only */
        bool gap = false;
        for (size_t i = 0; i < b->n_envelopes; i++) {
            const Akt__Remote__Envelope *pe = b->envelopes[i];
            pthread_mutex_lock(&a->mu);
            bool take
                = atomic_load(&a->peer_uid) == uid && pe->seq == a->in_next;
            if (take)
                a->in_next++;
            else if (pe->seq > a->in_next)
                gap = true;
            pthread_mutex_unlock(&a->mu);
            if (take)
                deliver(tp, a, uid, AKTI_CH_CONTROL, pe);
            if (gap)
                break;
        }
        pthread_mutex_lock(&a->mu);
        if (atomic_load(&a->peer_uid) == uid)
            send_ack(tp, a, gap);
        pthread_mutex_unlock(&a->mu);
        break;
    }
    case AKT__REMOTE__FRAME__BODY_QUARANTINE:
        if (f->quarantine->uid == tp->uid) {
            akti_rlog(tp, AKTI_LOG_ERROR,
                "%s (%s) quarantined this system (uid %016llx): %s; restart "
                "this "
                "system to talk to it again",
                a->system, a->url, (unsigned long long)tp->uid,
                f->quarantine->reason);
            pthread_mutex_lock(&a->mu);
            if (atomic_load(&a->peer_uid) == uid) {
                quarantine_add(tp, uid);
                ev_add(&evs, AKTI_PEER_QUARANTINED_BY_PEER, uid,
                    f->quarantine->reason);
                reset_incarnation(tp, a, &d, AKT_EPEER);
            }
            pthread_mutex_unlock(&a->mu);
        }
        break;
    case AKT__REMOTE__FRAME__BODY_FRAGMENT:
        on_fragment(tp, a, uid, f->fragment);
        break;
    default:
        break;
    }
    if (d.n)
        drop_flush(tp, a, &d);
    ev_flush(tp, a, &evs);
}

/* rx_cb -- one frame from the PULL socket, handled on the NNG thread that
 * completed the receive (no hand-off to a receiver thread: one thread
 * wake-up less per inbound frame), then the next receive is armed. Only
 * one receive is ever in flight, so frames are handled one at a time and
 * in order, as by a dedicated thread ("receiver thread" in this file and
 * in remote.c means this callback). */
static void
rx_cb(void *arg)
{
    akti_tp *tp = arg;
    int rv = nng_aio_result(tp->rx_aio);
    if (rv == 0) {
        nng_msg *m = nng_aio_get_msg(tp->rx_aio);
        nng_aio_set_msg(tp->rx_aio, NULL);
        size_t len = nng_msg_len(m);
        STAT_ADD(tp, frames_received, 1);
        STAT_ADD(tp, bytes_received, len);
        akti_frame *f;
        akt_err rc
            = akti_frame_decode(nng_msg_body(m), len, &tp->lim, &tp->arena, &f);
        if (rc != AKT_OK) {
            tp_reject(tp, &tp->st.rejected_corrupt,
                "corrupt frame (%zu bytes) dropped: %s", len, akt_strerror(rc));
        } else {
            on_frame(tp, f);
        }
        akti_pbarena_reset(&tp->arena);
        nng_msg_free(m);
    } else if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
        return; /* the socket is closing: akti_tp_free */
    }
    if (!atomic_load(&tp->stopping))
        nng_recv_aio(tp->pull, tp->rx_aio);
}

/* --- ticker ------------------------------------------------------------------
 */

static void
tick_assoc(akti_tp *tp, akti_assoc *a, int64_t now)
{
    drop_list d = { 0 };
    ev_list evs = { 0 };
    pthread_mutex_lock(&a->mu);
    switch (a->state) {
    case AS_HANDSHAKE:
        if (now - a->hs_start >= tp->o.handshake_timeout_ns) {
            akti_rlog(tp, AKTI_LOG_WARN,
                "handshake with %s at %s timed out after %lld ms: gated for "
                "%lld ms",
                a->system, a->url, (long long)((now - a->hs_start) / 1000000),
                (long long)(tp->o.gate_ns / 1000000));
            uint64_t uid = atomic_load(&a->peer_uid);
            fail_queues(a, &d, AKT_EPEER);
            atomic_store(&a->peer_uid, 0);
            a->peer_token = a->my_token = 0;
            a->state = AS_IDLE;
            a->hs_failed = true;
            a->gated_until = now + tp->o.gate_ns;
            pthread_cond_broadcast(&a->up_cv);
            ev_add(
                &evs, AKTI_PEER_HANDSHAKE_FAILED, uid, "handshake timed out");
        } else if (now - a->hs_last >= tp->o.handshake_retry_ns) {
            send_hello(tp, a);
        }
        break;
    case AS_UP:
        if (now - a->hb_last >= tp->o.heartbeat_interval_ns)
            send_heartbeat(tp, a, now);
        if (!akti_phi_available(&a->phi, now)) {
            uint64_t uid = atomic_load(&a->peer_uid);
            STAT_ADD(tp, failures_detected, 1);
            akti_rlog(tp, AKTI_LOG_WARN,
                "%s at %s (uid %016llx) is unreachable: phi %.1f > %.1f after "
                "%lld ms "
                "without a heartbeat",
                a->system, a->url, (unsigned long long)uid,
                akti_phi_value(&a->phi, now), tp->o.phi_threshold,
                (long long)((now - a->phi.last_ns) / 1000000));
            ev_add(
                &evs, AKTI_PEER_DOWN, uid, "failure detector: no heartbeats");
            quarantine_peer(
                tp, a, "declared down by the failure detector", &d, &evs);
            break;
        }
        if (a->unacked.len > 0 && a->sys_sent == a->unacked.len
            && now - a->sys_last_send >= tp->o.resend_interval_ns) {
            a->sys_sent = 0; /* go back N */
            STAT_ADD(tp, system_resends, 1);
            if (a->ch[AKTI_CH_CONTROL].waiting)
                pthread_cond_signal(&a->ch[AKTI_CH_CONTROL].cv);
        }
        break;
    default:
        break;
    }
    pthread_mutex_unlock(&a->mu);
    if (d.n)
        drop_flush(tp, a, &d);
    ev_flush(tp, a, &evs);
}

static void *
tick_thread(void *arg)
{
    akti_tp *tp = arg;
    tp_thread_name("akt-rm-tick");
    int64_t period = tp->o.heartbeat_interval_ns / 4;
    if (period > 100000000)
        period = 100000000;
    if (period < 2000000)
        period = 2000000;
    pthread_mutex_lock(&tp->mu);
    while (!atomic_load(&tp->stopping)) {
        struct timespec dl;
        abs_deadline(&dl, period);
        pthread_cond_timedwait(&tp->tick_cv, &tp->mu, &dl);
        if (atomic_load(&tp->stopping))
            break;
        akti_assoc *list = tp->assocs; /* associations are never removed */
        pthread_mutex_unlock(&tp->mu);
        int64_t now = akti_rnow_ns();
        for (akti_assoc *a = list; a; a = a->next)
            tick_assoc(tp, a, now);
        pthread_mutex_lock(&tp->mu);
    }
    pthread_mutex_unlock(&tp->mu);
    return NULL;
}

/* --- lifecycle
 * ---------------------------------------------------------------- */

static char *
read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(fp);
    return buf;
}

static akt_err
tls_setup(akti_tp *tp)
{
    const akti_tp_opts *o = &tp->o;
    char *cert = NULL, *key = NULL;
    int rv = 0;
    if (o->tls_cert_file) {
        cert = read_file(o->tls_cert_file);
        key = read_file(o->tls_key_file ? o->tls_key_file : o->tls_cert_file);
        if (cert == NULL || key == NULL) {
            akti_rlog(tp, AKTI_LOG_ERROR, "cannot read TLS certificate/key %s",
                o->tls_cert_file);
            free(cert);
            free(key);
            return AKT_EIO;
        }
    }
    for (int side = 0; side < 2 && rv == 0; side++) {
        nng_tls_config **cfg = side == 0 ? &tp->tls_server : &tp->tls_client;
        rv = nng_tls_config_alloc(
            cfg, side == 0 ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT);
        if (rv != 0)
            break;
        if (cert)
            rv = nng_tls_config_own_cert(*cfg, cert, key, NULL);
        if (rv == 0 && o->tls_ca_file)
            rv = nng_tls_config_ca_file(*cfg, o->tls_ca_file);
        if (rv == 0)
            rv = nng_tls_config_auth_mode(*cfg,
                o->tls_verify_peer ? NNG_TLS_AUTH_MODE_REQUIRED
                                   : NNG_TLS_AUTH_MODE_NONE);
    }
    free(cert);
    free(key);
    if (rv != 0) {
        akti_rlog(tp, AKTI_LOG_ERROR, "TLS setup failed: %s", nng_strerror(rv));
        return nng_to_akt(rv);
    }
    return AKT_OK;
}

/* resolve_address -- the advertised URL: given, or the listen URL with the
 * bound port (tcp port 0) and a wildcard host replaced by 127.0.0.1. */
static akt_err
resolve_address(akti_tp *tp)
{
    if (tp->o.advertised_url && tp->o.advertised_url[0]) {
        tp->address = tp_strdup(tp->o.advertised_url);
        return tp->address ? AKT_OK : AKT_ENOMEM;
    }
    const char *u = tp->listen_url;
    const char *scheme_end = strstr(u, "://");
    bool tcp = strncmp(u, "tcp", 3) == 0 || strncmp(u, "tls+tcp", 7) == 0;
    if (!tcp || scheme_end == NULL) {
        tp->address = tp_strdup(u);
        return tp->address ? AKT_OK : AKT_ENOMEM;
    }
    int port = 0;
    if (nng_listener_get_int(tp->listener, NNG_OPT_TCP_BOUND_PORT, &port) != 0)
        return AKT_EIO;
    const char *host = scheme_end + 3;
    const char *colon = strrchr(host, ':');
    size_t hlen = colon ? (size_t)(colon - host) : strlen(host);
    char hostbuf[256];
    if (hlen == 0 || (hlen == 1 && host[0] == '*')
        || (hlen == 7 && strncmp(host, "0.0.0.0", 7) == 0)) {
        snprintf(hostbuf, sizeof(hostbuf), "127.0.0.1");
    } else {
        if (hlen >= sizeof(hostbuf))
            return AKT_EINVAL;
        memcpy(hostbuf, host, hlen);
        hostbuf[hlen] = '\0';
    }
    char buf[512];
    snprintf(buf, sizeof(buf), "%.*s://%s:%d", (int)(scheme_end - u), u,
        hostbuf, port);
    tp->address = tp_strdup(buf);
    return tp->address ? AKT_OK : AKT_ENOMEM;
}

akt_err
akti_tp_start(const akti_tp_opts *opts, akti_tp **out)
{
    if (opts == NULL || out == NULL || opts->system_name == NULL
        || opts->listen_url == NULL || opts->system_name[0] == '\0')
        return AKT_EINVAL;
    akti_tp *tp = calloc(1, sizeof(*tp));
    if (tp == NULL)
        return AKT_ENOMEM;
    akt_err rc = AKT_ENOMEM;
    opts_fill(&tp->o, opts);
    tp->log_level = log_level_from_env();
    tp->system = tp_strdup(opts->system_name);
    tp->listen_url = tp_strdup(opts->listen_url);
    tp->cookie = tp_strdup(opts->cookie ? opts->cookie : "");
    tp->uid = opts->uid ? opts->uid : tp_random64();
    akti_frame_limits_default(&tp->lim);
    tp->lim.max_frame_size = tp->o.max_frame_size;
    tp->lim.max_batch
        = tp->o.batch_max_envelopes > 4096 ? tp->o.batch_max_envelopes : 4096;
    tp->lim.max_message_size = tp->o.max_message_size;
    akti_pbarena_init(&tp->arena, tp->o.max_frame_size * 4 + (1u << 20));
    pthread_mutex_init(&tp->mu, NULL);
    cond_init_mono(&tp->tick_cv);
    if (tp->system == NULL || tp->listen_url == NULL || tp->cookie == NULL)
        goto fail;
    bool tls = strncmp(tp->listen_url, "tls+tcp://", 10) == 0
        || tp->o.tls_cert_file != NULL;
    if (tls && (rc = tls_setup(tp)) != AKT_OK)
        goto fail;
    int rv = nng_pull0_open(&tp->pull);
    if (rv != 0) {
        rc = nng_to_akt(rv);
        goto fail;
    }
    nng_socket_set_size(
        tp->pull, NNG_OPT_RECVMAXSZ, tp->o.max_frame_size + 4096);
    nng_socket_set_int(tp->pull, NNG_OPT_RECVBUF, 64);
    rv = nng_listener_create(&tp->listener, tp->pull, tp->listen_url);
    if (rv == 0 && tp->tls_server != NULL
        && strncmp(tp->listen_url, "tls+tcp://", 10) == 0)
        rv = nng_listener_set_ptr(
            tp->listener, NNG_OPT_TLS_CONFIG, tp->tls_server);
    if (rv == 0)
        rv = nng_listener_start(tp->listener, 0);
    if (rv != 0) {
        akti_rlog(tp, AKTI_LOG_ERROR, "cannot listen on %s: %s", tp->listen_url,
            nng_strerror(rv));
        rc = rv == NNG_EADDRINVAL || rv == NNG_EINVAL ? AKT_EINVAL
            : rv == NNG_ENOTSUP                       ? AKT_ENOTSUP
                                                      : AKT_EIO;
        nng_close(tp->pull);
        goto fail;
    }
    if ((rc = resolve_address(tp)) != AKT_OK) {
        nng_close(tp->pull);
        goto fail;
    }
    /* *out is written before the threads start: callbacks may run at once
     * and may look at it (remote.c keeps it in the callback's argument) */
    *out = tp;
    if (nng_aio_alloc(&tp->rx_aio, rx_cb, tp) == 0) {
        tp->rx_started = true;
        nng_recv_aio(tp->pull, tp->rx_aio);
    }
    if (pthread_create(&tp->tick_th, NULL, tick_thread, tp) == 0)
        tp->tick_started = true;
    if (!tp->rx_started || !tp->tick_started) {
        akti_tp_free(tp);
        *out = NULL;
        return AKT_ENOMEM;
    }
    akti_rlog(tp, AKTI_LOG_INFO, "listening on %s (address %s, uid %016llx)",
        tp->listen_url, tp->address, (unsigned long long)tp->uid);
    return AKT_OK;
fail:
    if (tp->tls_server)
        nng_tls_config_free(tp->tls_server);
    if (tp->tls_client)
        nng_tls_config_free(tp->tls_client);
    akti_pbarena_fini(&tp->arena);
    free(tp->system);
    free(tp->listen_url);
    free(tp->cookie);
    free(tp->address);
    free(tp);
    return rc;
}

void
akti_tp_free(akti_tp *tp)
{
    if (tp == NULL)
        return;
    pthread_mutex_lock(&tp->mu);
    atomic_store(&tp->stopping, true);
    pthread_cond_broadcast(&tp->tick_cv);
    akti_assoc *list = tp->assocs;
    pthread_mutex_unlock(&tp->mu);
    if (tp->tick_started)
        pthread_join(tp->tick_th, NULL);
    for (akti_assoc *a = list; a; a = a->next) {
        pthread_mutex_lock(&a->mu);
        for (int k = 0; k < AKTI_CH_COUNT; k++) {
            tp_chan *c = &a->ch[k];
            if (c->open) {
                nng_close(c->sock); /* unblocks a writer in nng_sendmsg */
                c->open = false;
            }
            pthread_cond_broadcast(&c->cv);
            pthread_cond_broadcast(&c->not_full);
        }
        pthread_cond_broadcast(&a->up_cv);
        pthread_mutex_unlock(&a->mu);
        for (int k = 0; k < AKTI_CH_COUNT; k++)
            if (a->ch[k].th_started)
                pthread_join(a->ch[k].th, NULL);
    }
    nng_close(tp->pull);
    if (tp->rx_aio != NULL) {
        nng_aio_stop(tp->rx_aio); /* waits for a callback that is running */
        nng_aio_free(tp->rx_aio);
        tp->rx_aio = NULL;
    }
    akti_assoc *a = list;
    while (a) {
        akti_assoc *next = a->next;
        drop_list d = { 0 };
        fail_queues(a, &d, AKT_ECLOSED);
        drop_flush(tp, a, &d);
        nng_msg *m;
        while ((m = ring_pop(&a->ch[AKTI_CH_CONTROL].q)) != NULL)
            nng_msg_free(m);
        for (int k = 0; k < AKTI_CH_COUNT; k++) {
            free(a->ch[k].q.buf);
            pthread_cond_destroy(&a->ch[k].cv);
            pthread_cond_destroy(&a->ch[k].not_full);
        }
        rx_frag_reset(a);
        free(a->unacked.buf);
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->up_cv);
        free(a->url);
        free(a->system);
        free(a);
        a = next;
    }
    if (tp->tls_server)
        nng_tls_config_free(tp->tls_server);
    if (tp->tls_client)
        nng_tls_config_free(tp->tls_client);
    akti_pbarena_fini(&tp->arena);
    free(tp->quarantined);
    free(tp->system);
    free(tp->listen_url);
    free(tp->cookie);
    free(tp->address);
    pthread_mutex_destroy(&tp->mu);
    pthread_cond_destroy(&tp->tick_cv);
    free(tp);
}

uint64_t
akti_tp_uid(const akti_tp *tp)
{
    return tp->uid;
}

const char *
akti_tp_address(const akti_tp *tp)
{
    return tp->address;
}

const char *
akti_tp_system(const akti_tp *tp)
{
    return tp->system;
}

void
akti_tp_quarantine(akti_tp *tp, uint64_t uid, const char *reason)
{
    pthread_mutex_lock(&tp->mu);
    akti_assoc *list = tp->assocs;
    pthread_mutex_unlock(&tp->mu);
    for (akti_assoc *a = list; a; a = a->next) {
        if (atomic_load(&a->peer_uid) != uid)
            continue;
        drop_list d = { 0 };
        ev_list evs = { 0 };
        pthread_mutex_lock(&a->mu);
        if (atomic_load(&a->peer_uid) == uid)
            quarantine_peer(tp, a,
                reason ? reason : "quarantined by the application", &d, &evs);
        pthread_mutex_unlock(&a->mu);
        if (d.n)
            drop_flush(tp, a, &d);
        ev_flush(tp, a, &evs);
        return;
    }
    quarantine_add(tp, uid);
}

void
akti_tp_stats_get(const akti_tp *tp, akti_tp_stats *o)
{
#define G(f)                                                                   \
    o->f = atomic_load_explicit(&((akti_tp *)tp)->st.f, memory_order_relaxed)
    G(frames_sent);
    G(frames_received);
    G(envelopes_sent);
    G(envelopes_received);
    G(bytes_sent);
    G(bytes_received);
    G(rejected_corrupt);
    G(rejected_unauth);
    G(rejected_handshake);
    G(dropped);
    G(system_resends);
    G(stalls);
    G(failures_detected);
    G(quarantines);
    G(handshakes);
    G(stale_frames);
#undef G
}
