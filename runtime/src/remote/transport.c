/*
 * transport.c -- associations between akt systems over NNG (see
 * transport.h for the shape, README.md for the invariants): the transport
 * and its associations -- start and free, the association state
 * (handshake, incarnations, quarantine, drops and peer events), the ticker
 * (handshake retries, heartbeats, the failure detector, resends), logging
 * and options. The outbound side is transport_tx.c, the inbound side
 * transport_rx.c; transport_impl.h holds what the three share.
 *
 * Locking: tp->mu guards the association list, the references taken
 * from it (akti_assoc refs: the ticker frees an association asleep whose
 * only reference is the table's, assoc_reclaim) and the quarantine set;
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
 *  - the failure detector ends the session with a peer, not its
 *    incarnation (akti_tp_end_session): handshakes are retried and a peer
 *    that answers again starts a new session as the same incarnation;
 *  - system envelopes are delivered in seq order exactly once per
 *    incarnation pair (go-back-N: cumulative acks, resend on timeout or
 *    nack, duplicates and gaps discarded);
 *  - every rejected frame is counted and (rate-limited) logged; the
 *    receiver thread never stops for bad input.
 */
#include "remote/transport_impl.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>

/* --- small helpers -------------------------------------------------------- */

uint64_t
akti_tp_random64(void)
{
    uint64_t v = 0;
    while (v == 0) {
        if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v)) {
            v = ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11)
                ^ (uint64_t)time(NULL) ^ (uint64_t)akti_now_ns();
        }
    }
    return v;
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

/* --- logging -------------------------------------------------------------- */

void
akti_rlog(const akti_tp *tp, int level, const char *fmt, ...)
{
    int max = tp ? tp->log_level : AKTI_LOG_WARN;
    if (level > max) {
        return;
    }
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
    if (e == NULL) {
        return AKTI_LOG_WARN;
    }
    if (strcmp(e, "error") == 0) {
        return AKTI_LOG_ERROR;
    }
    if (strcmp(e, "info") == 0) {
        return AKTI_LOG_INFO;
    }
    if (strcmp(e, "debug") == 0) {
        return AKTI_LOG_DEBUG;
    }
    if (strcmp(e, "off") == 0) {
        return -1;
    }
    return AKTI_LOG_WARN;
}

/* rejections are logged the first 10 times, then every 1000th */
void
akti_tp_reject(akti_tp *tp, _Atomic uint64_t *counter, const char *fmt, ...)
{
    uint64_t n
        = atomic_fetch_add_explicit(counter, 1, memory_order_relaxed) + 1;
    if (n > 10 && n % 1000 != 0) {
        return;
    }
    if (tp->log_level < AKTI_LOG_WARN) {
        return;
    }
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    akti_rlog(tp, AKTI_LOG_WARN, "%s (rejection #%llu of this kind)", line,
        (unsigned long long)n);
}

/* --- options -------------------------------------------------------------- */

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
    o->max_associations = 256;
    o->max_associations_per_source = 16;
    o->max_connections = 768;
    o->max_connections_per_source = 48;
    o->idle_timeout_ns = 60000000000LL;
    o->leave_wait_ns = 500000000LL;
    o->outbound_queue_bytes = 32u * 1024 * 1024;
    o->receive_window = 8192;
    o->receive_window_bytes = 8u * 1024 * 1024;
    o->data_lanes = AKTI_LANES_STREAM;
    o->lane_busy_poll_ns = AKTI_LANE_BUSY_POLL_NS;
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
    DEF(max_associations);
    DEF(max_associations_per_source);
    DEF(max_connections);
    DEF(max_connections_per_source);
    DEF(idle_timeout_ns);
    DEF(leave_wait_ns);
    DEF(outbound_queue_bytes);
    DEF(receive_window);
    DEF(receive_window_bytes);
    DEF(lane_busy_poll_ns);
#undef DEF
    if (o->lane_busy_poll_ns < 0) {
        o->lane_busy_poll_ns = 0; /* none: the reader sleeps at once */
    }
    if (o->overflow == AKT_OVERFLOW_DEFAULT) {
        o->overflow = AKT_OVERFLOW_DROP_NEW;
    }
    if (o->max_frame_size < 4096) {
        o->max_frame_size = 4096;
    }
    if (o->large_threshold > o->max_frame_size / 2) {
        o->large_threshold = o->max_frame_size / 2;
    }
    if (o->batch_max_bytes > o->max_frame_size / 2) {
        o->batch_max_bytes = o->max_frame_size / 2;
    }
}

/* --- sockets -------------------------------------------------------------- */

/* chan_pipe_cb -- count a push socket's connections (NNG's thread; no
 * lock may be taken here: sockets are closed under a->mu) */
static void
chan_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    (void)p;
    tp_chan *c = arg;
    atomic_fetch_add(&c->npipes, ev == NNG_PIPE_EV_ADD_PRE ? 1 : -1);
    if (ev == NNG_PIPE_EV_ADD_PRE && atomic_exchange(&c->had_pipe, true)) {
        /* connected again after a loss: is the same incarnation there? */
        atomic_store(&c->a->reconnected, true);
        pthread_cond_signal(&c->a->tp->tick_cv);
    }
}

akt_err
akti_tp_chan_open(akti_tp *tp, akti_assoc *a, tp_chan *c)
{
    int rv = nng_push0_open(&c->sock);
    if (rv != 0) {
        return nng_to_akt(rv);
    }
    atomic_store(&c->npipes, 0);
    nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_PRE, chan_pipe_cb, c);
    nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, chan_pipe_cb, c);
    nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO,
        (nng_duration)(tp->o.stall_timeout_ns / 1000000));
    nng_socket_set_ms(c->sock, NNG_OPT_RECONNMINT, 20);
    nng_socket_set_ms(c->sock, NNG_OPT_RECONNMAXT, 500);
    if (c->kind == AKTI_CH_CONTROL) {
        /* its writer dials (akti_tp_ctl_connect) */
        c->dialer_open = false;
        c->dial_since = c->dial_next = 0;
        c->open = true;
        atomic_store(&c->epoch, atomic_fetch_add(&tp->next_epoch, 1) + 1);
        return AKT_OK;
    }
    rv = nng_dialer_create(&c->dialer, c->sock, a->url);
    if (rv == 0 && tp->tls_client != NULL
        && strncmp(a->url, "tls+tcp://", 10) == 0) {
        rv = nng_dialer_set_ptr(c->dialer, NNG_OPT_TLS_CONFIG, tp->tls_client);
    }
    if (rv == 0) {
        rv = nng_dialer_start(c->dialer, NNG_FLAG_NONBLOCK);
    }
    if (rv != 0) {
        nng_close(c->sock);
        return nng_to_akt(rv);
    }
    c->open = true;
    atomic_store(&c->epoch, atomic_fetch_add(&tp->next_epoch, 1) + 1);
    return AKT_OK;
}

/* tp_connect_timeout -- how long a dial may hang before it is given up
 * (a SYN that is never answered would otherwise block for minutes) */
static int64_t
tp_connect_timeout(const akti_tp *tp)
{
    int64_t t = 4 * tp->o.handshake_retry_ns;
    return t < 1000000000LL ? 1000000000LL : t;
}

static int
tp_dialer_new(akti_tp *tp, nng_socket s, const char *url, nng_dialer *d)
{
    int rv = nng_dialer_create(d, s, url);
    if (rv == 0 && tp->tls_client != NULL
        && strncmp(url, "tls+tcp://", 10) == 0) {
        rv = nng_dialer_set_ptr(*d, NNG_OPT_TLS_CONFIG, tp->tls_client);
        if (rv != 0) {
            nng_dialer_close(*d);
        }
    }
    return rv;
}

/* akti_tp_ctl_connect -- CONTROL has frames to send and no connection:
 * dial now, blocking, on the writer's thread (a->mu released meanwhile),
 * so that a refused connection is known at once: a handshake under way
 * fails with the reason (AKT_EPEER; AKT_EAUTH when TLS refused) within
 * milliseconds instead of at handshake-timeout. The frames that could not
 * go (Hellos, heartbeats, acks: all resent or superseded) are dropped.
 * Attempts are at least min(handshake-retry-interval, 500 ms) apart; a
 * dial that hangs is aborted by the ticker after tp_connect_timeout. Once
 * connected, NNG re-dials this dialer by itself after a loss; when the
 * writer next finds no connection it starts over with a fresh dialer. */
bool
akti_tp_ctl_connect(akti_tp *tp, akti_assoc *a, tp_chan *c) /* a->mu held */
{
    int64_t now = akti_now_ns();
    if (now < c->dial_next || !c->open) {
        struct timespec dl;
        abs_deadline(&dl,
            now < c->dial_next ? c->dial_next - now : tp->o.handshake_retry_ns);
        c->waiting = true;
        pthread_cond_timedwait(&c->cv, &a->mu, &dl);
        c->waiting = false;
        if (!c->open && !c->quit && !atomic_load(&tp->stopping)
            && akti_tp_chan_open(tp, a, c) != AKT_OK) {
            c->dial_next = akti_now_ns() + tp->o.handshake_retry_ns;
        }
        return false;
    }
    if (c->dialer_open) {
        nng_dialer_close(c->dialer); /* NNG's re-dialing of a lost one */
        c->dialer_open = false;
    }
    nng_dialer d;
    int rv = tp_dialer_new(tp, c->sock, a->url, &d);
    if (rv == 0) {
        c->dialer = d;
        c->dialer_open = true;
        c->dial_since = now;
        c->dial_aborted = false;
        pthread_mutex_unlock(&a->mu);
        rv = nng_dialer_start(d, 0);
        pthread_mutex_lock(&a->mu);
        c->dial_since = 0;
        pthread_cond_broadcast(&c->cv); /* ctl_quiesce waits for this */
    }
    akti_rlog(tp, AKTI_LOG_DEBUG, "dial %s: %s (%d connections)", a->url,
        rv == 0 ? "connected" : nng_strerror(rv), atomic_load(&c->npipes));
    if (rv == 0) {
        return true;
    }
    if (c->quit || atomic_load(&tp->stopping)) {
        return false; /* the socket was closed under the dial */
    }
    int64_t backoff = tp->o.handshake_retry_ns < 500000000LL
        ? tp->o.handshake_retry_ns
        : 500000000LL;
    c->dial_next = akti_now_ns() + backoff;
    nng_msg *m;
    while ((m = ring_pop(&c->q)) != NULL) {
        nng_msg_free(m);
    }
    char text[320];
    bool tls = strncmp(a->url, "tls+tcp://", 10) == 0;
    akt_err err = AKT_EPEER;
    if (c->dial_aborted) {
        snprintf(text, sizeof(text),
            "cannot connect: no connection within %lld ms",
            (long long)(tp_connect_timeout(tp) / 1000000));
    } else if (tls && (rv == NNG_EPEERAUTH || rv == NNG_ECRYPTO)) {
        /* what NNG tells of a TLS refusal on our side */
        err = AKT_EAUTH;
        snprintf(text, sizeof(text),
            "cannot connect: the TLS handshake failed (%s): the peer's "
            "certificate does not verify against akt.remote.tls.ca-file "
            "(unknown CA, wrong name, expired), or the TLS settings differ",
            nng_strerror(rv));
    } else if (tls && rv == NNG_ECONNSHUT) {
        /* the peer ended the TLS handshake: it refused our certificate */
        err = AKT_EAUTH;
        snprintf(text, sizeof(text),
            "cannot connect: the peer closed the TLS handshake (%s): it "
            "requires a client certificate it trusts "
            "(akt.remote.tls.cert-file, signed by its CA)",
            nng_strerror(rv));
    } else {
        snprintf(text, sizeof(text), "cannot connect: %s", nng_strerror(rv));
    }
    if (a->state != AS_HANDSHAKE) {
        akti_rlog(tp, AKTI_LOG_DEBUG, "%s at %s: %s", a->system, a->url, text);
        return false;
    }
    drop_list dl = { 0 };
    ev_list evs = { 0 };
    akti_tp_hs_fail(tp, a, akti_now_ns(), err, text, &dl, &evs);
    if (dl.n == 0 && evs.n == 0) {
        return false;
    }
    pthread_mutex_unlock(&a->mu);
    akti_tp_drop_flush(tp, a, &dl);
    akti_tp_ev_flush(tp, a, &evs);
    pthread_mutex_lock(&a->mu);
    return false;
}

/* ctl_quiesce -- before c's socket (CONTROL) is closed by another thread:
 * wait until its writer is out of a blocking dial. NNG 1.5.2 never
 * completes nng_dialer_start(.., 0) when the dialer or its socket is
 * closed in the moment between the call and the start of the connect (the
 * transport's connect finds its aio stopped and returns without a
 * callback), and nng_close then waits for that dialer forever: found by
 * fuzz_handshake. So a dial that runs is left 50 ms to end by itself (a
 * refused or accepted connection takes far less), then its dialer is
 * closed -- its connect has begun by then, and the close aborts it -- and
 * the writer is waited for. a->mu held. */
static void
ctl_quiesce(akti_tp *tp, tp_chan *c)
{
    akti_assoc *a = c->a;
    int64_t t0 = akti_now_ns();
    while (c->dial_since != 0) {
        if (!c->dial_aborted && akti_now_ns() - t0 >= 50000000LL) {
            c->dial_aborted = true;
            nng_dialer_close(c->dialer);
            c->dialer_open = false;
        }
        struct timespec dl;
        abs_deadline(&dl, 10000000LL);
        pthread_cond_timedwait(&c->cv, &a->mu, &dl);
    }
    (void)tp;
}

/* akti_tp_send_refusal -- a Refusal to the address a refused Hello claims
 * (idl/remote.proto): through a one-shot PUSH socket that queues it until
 * it connects and is closed by the ticker a second later; at most
 * refuse_socks' size of them at a time (the caller rate-limits per address).
 * Only to the scheme this node listens on: a stranger cannot make it dial
 * local ipc:// paths from tcp://. */
void
akti_tp_send_refusal(akti_tp *tp, const char *url, uint64_t to_uid,
    const uint8_t *echo, int code, const char *system)
{
    const char *se = strstr(tp->listen_url, "://");
    if (se == NULL
        || strncmp(url, tp->listen_url, (size_t)(se - tp->listen_url) + 3) != 0
        || strcmp(url, tp->address) == 0) {
        return;
    }
    Akt__Remote__Refusal r = AKT__REMOTE__REFUSAL__INIT;
    r.code = (Akt__Remote__RefusalCode)code;
    r.echo.data = (uint8_t *)echo;
    r.echo.len = AKTI_HELLO_NONCE_LEN;
    if (system != NULL) {
        r.system = (char *)system;
    }
    r.version = AKTI_REMOTE_PROTOCOL_VERSION;
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    f.from_uid = tp->uid;
    f.to_uid = to_uid;
    f.channel = AKT__REMOTE__CHANNEL__CONTROL;
    f.body_case = AKT__REMOTE__FRAME__BODY_REFUSAL;
    f.refusal = &r;
    size_t n = akt__remote__frame__get_packed_size(&f);
    nng_msg *m;
    if (nng_msg_alloc(&m, n) != 0) {
        return;
    }
    akt__remote__frame__pack(&f, nng_msg_body(m));
    pthread_mutex_lock(&tp->refuse_mu);
    struct tp_refuse_sock *slot = NULL;
    for (size_t i = 0;
         i < sizeof(tp->refuse_socks) / sizeof(tp->refuse_socks[0]); i++) {
        if (!tp->refuse_socks[i].used) {
            slot = &tp->refuse_socks[i];
            break;
        }
    }
    nng_dialer d;
    int rv = slot == NULL ? NNG_EAGAIN : nng_push0_open(&slot->s);
    if (rv == 0) {
        nng_socket_set_int(slot->s, NNG_OPT_SENDBUF, 1);
        nng_socket_set_ms(slot->s, NNG_OPT_RECONNMINT, 50);
        rv = tp_dialer_new(tp, slot->s, url, &d);
        if (rv == 0) {
            rv = nng_dialer_start(d, NNG_FLAG_NONBLOCK);
        }
        if (rv == 0) {
            rv = nng_sendmsg(slot->s, m, NNG_FLAG_NONBLOCK);
        }
        if (rv == 0) {
            m = NULL;
            slot->used = true;
            slot->close_at = akti_now_ns() + 1000000000LL;
        } else {
            nng_close(slot->s);
        }
    }
    pthread_mutex_unlock(&tp->refuse_mu);
    if (m != NULL) {
        nng_msg_free(m);
    }
}

/* refusals_close -- close the refusal sockets that had their time (all:
 * at free) */
static void
refusals_close(akti_tp *tp, int64_t now, bool all)
{
    pthread_mutex_lock(&tp->refuse_mu);
    for (size_t i = 0;
         i < sizeof(tp->refuse_socks) / sizeof(tp->refuse_socks[0]); i++) {
        struct tp_refuse_sock *r = &tp->refuse_socks[i];
        if (r->used && (all || now >= r->close_at)) {
            nng_close(r->s);
            r->used = false;
        }
    }
    pthread_mutex_unlock(&tp->refuse_mu);
}

/* --- association state ---------------------------------------------------- */

static bool
quarantined_locked(akti_tp *tp, uint64_t uid)
{
    for (size_t i = 0; i < tp->nquar; i++) {
        if (tp->quarantined[i] == uid) {
            return true;
        }
    }
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

void
akti_tp_quarantine_add(akti_tp *tp, uint64_t uid)
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
        if (tp->nquar < tp->capquar) {
            tp->quarantined[tp->nquar++] = uid;
        }
    }
    pthread_mutex_unlock(&tp->mu);
}

void
akti_tp_gone_add(akti_tp *tp, uint64_t uid)
{
    pthread_mutex_lock(&tp->mu);
    tp->gone[tp->ngone++ % (sizeof(tp->gone) / sizeof(tp->gone[0]))] = uid;
    pthread_mutex_unlock(&tp->mu);
}

bool
akti_tp_gone(akti_tp *tp, uint64_t uid)
{
    bool g = false;
    pthread_mutex_lock(&tp->mu);
    for (size_t i = 0; i < sizeof(tp->gone) / sizeof(tp->gone[0]); i++) {
        g |= tp->gone[i] == uid;
    }
    pthread_mutex_unlock(&tp->mu);
    return g && uid != 0;
}

static void
item_view(const tp_item *it, akti_envelope *e)
{
    e->recipient = it->recipient;
    e->recipient_len = it->rlen;
    e->sender = it->sender;
    e->sender_len = it->slen;
    e->type_id = it->type_id;
    e->payload = it->payload;
    e->payload_len = it->plen;
}

void
akti_tp_drop_add(drop_list *d, tp_item *it, akt_err reason)
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

void
akti_tp_drop_flush(akti_tp *tp, akti_assoc *a, drop_list *d)
{
    if (d->n) {
        atomic_store(&a->pinned, true); /* the callback may keep a */
    }
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

void
akti_tp_ev_add(ev_list *l, akti_peer_event ev, uint64_t uid, const char *reason)
{
    if (l->n < 4) {
        l->v[l->n].ev = ev;
        l->v[l->n].uid = uid;
        l->v[l->n].reason = reason;
        l->n++;
    }
}

void
akti_tp_ev_flush(akti_tp *tp, akti_assoc *a, ev_list *l)
{
    if (l->n) {
        atomic_store(&a->pinned, true); /* the callback may keep a */
    }
    for (int i = 0; i < l->n; i++) {
        if (tp->o.cb && tp->o.cb->on_peer) {
            akti_peer p = { a, a->system, a->url, l->v[i].uid, 0 };
            tp->o.cb->on_peer(tp->o.cb_arg, &p, l->v[i].ev, l->v[i].reason);
        }
    }
    l->n = 0;
}

/* akti_tp_reset_incarnation -- forget the current peer incarnation: its unacked
 * system messages and the queued envelopes bound to it become drops.
 * a->mu held. */
void
akti_tp_reset_incarnation(
    akti_tp *tp, akti_assoc *a, drop_list *d, akt_err reason)
{
    uint64_t old = atomic_load(&a->peer_uid);
    tp_item *it;
    while ((it = ring_pop(&a->unacked)) != NULL) {
        akti_tp_drop_add(d, it, reason);
    }
    a->sys_sent = 0;
    a->out_seq = 0;
    a->in_next = 1;
    memset(a->rx_epoch, 0, sizeof(a->rx_epoch));
    for (int k = AKTI_CH_ORDINARY; k <= AKTI_CH_LARGE; k++) {
        tp_chan *c = &a->ch[k];
        uint32_t n = c->q.len;
        for (uint32_t i = 0; i < n; i++) {
            it = chan_q_pop(c);
            if (old != 0 && it->uid == old) {
                akti_tp_drop_add(d, it, reason);
            } else {
                chan_q_push(c, it);
            }
        }
        pthread_cond_broadcast(&c->not_full);
    }
    akti_tp_flow_reset(a);
    atomic_store(&a->peer_uid, 0);
    a->peer_token = 0;
    a->my_token = 0;
    a->state = AS_IDLE;
    a->hs_start = 0;
    pthread_cond_broadcast(&a->up_cv);
    if (old != 0) {
        akti_tp_gone_add(tp, old);
    }
}

/* fail_queues -- the handshake failed: everything queued is a drop. */
static void
fail_queues(akti_assoc *a, drop_list *d, akt_err reason)
{
    tp_item *it;
    while ((it = ring_pop(&a->unacked)) != NULL) {
        akti_tp_drop_add(d, it, reason);
    }
    a->sys_sent = 0;
    for (int k = AKTI_CH_ORDINARY; k <= AKTI_CH_LARGE; k++) {
        while ((it = chan_q_pop(&a->ch[k])) != NULL) {
            akti_tp_drop_add(d, it, reason);
        }
        pthread_cond_broadcast(&a->ch[k].not_full);
    }
}

void
akti_tp_hs_fail(akti_tp *tp, akti_assoc *a, int64_t now, akt_err err,
    const char *text, drop_list *d, ev_list *evs) /* a->mu held */
{
    uint64_t uid = atomic_load(&a->peer_uid);
    snprintf(a->fail_text, sizeof(a->fail_text), "%s", text);
    a->fail_err = err;
    fail_queues(a, d, err);
    atomic_store(&a->peer_uid, 0);
    a->peer_token = a->my_token = 0;
    a->state = AS_IDLE;
    a->hs_failed = true;
    a->gated_until = now + tp->o.gate_ns;
    a->last_active = now;
    pthread_cond_broadcast(&a->up_cv);
    /* one line per cause, not one per retry: a repeat of the cause last
     * logged goes to debug until the association comes up */
    /* (a peer that left is expected not to answer: info) */
    akti_rlog(tp,
        a->logged_err == err ? AKTI_LOG_DEBUG
            : a->left        ? AKTI_LOG_INFO
                             : AKTI_LOG_WARN,
        "handshake with %s at %s failed: %s; messages for it are dead "
        "letters (%s) for the next %lld ms (gate-time)",
        a->system[0] ? a->system : "?", a->url, text, akt_err_name(err),
        (long long)(tp->o.gate_ns / 1000000));
    a->logged_err = err;
    /* an association made for a peer's Hello that never proved itself was
     * never handed out: nobody to tell */
    if (atomic_load(&a->pinned)) {
        akti_tp_ev_add(
            evs, AKTI_PEER_HANDSHAKE_FAILED, uid, "handshake failed");
    }
}

void
akti_tp_start_handshake(
    akti_tp *tp, akti_assoc *a, int64_t now) /* a->mu held */
{
    a->state = AS_HANDSHAKE;
    a->hs_start = now;
    a->hs_failed = false;
    akti_tp_send_hello(tp, a);
}

void
akti_tp_become_up(akti_tp *tp, akti_assoc *a, ev_list *evs) /* a->mu held */
{
    int64_t now = akti_now_ns();
    if (a->known_down && !a->left && a->last_uid != 0
        && a->last_uid == atomic_load(&a->peer_uid)) {
        akti_rlog(tp, AKTI_LOG_WARN,
            "%s at %s (uid %016llx) is reachable again after %lld ms: a new "
            "session with the same incarnation",
            a->system, a->url, (unsigned long long)a->last_uid,
            (long long)((now - a->down_at) / 1000000));
    }
    a->state = AS_UP;
    a->hs_failed = false;
    a->lane_off = false; /* a data lane is tried again (transport_tx.c) */
    a->ch[AKTI_CH_ORDINARY].lane_fails = 0;
    a->ch[AKTI_CH_ORDINARY].lane_next = 0;
    a->known_down = false;
    a->left = false;
    a->logged_err = AKT_OK; /* the next failure is news again */
    akti_phi_init(&a->phi, tp->o.phi_threshold, tp->o.heartbeat_interval_ns,
        tp->o.acceptable_pause_ns, tp->o.min_std_dev_ns);
    akti_phi_heartbeat(&a->phi, now);
    a->hb_last = 0;
    a->sys_sent = 0; /* (re)send whatever system messages wait */
    STAT_ADD(tp, handshakes, 1);
    akti_tp_ev_add(
        evs, AKTI_PEER_UP, atomic_load(&a->peer_uid), "handshake completed");
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        pthread_cond_broadcast(&a->ch[k].cv);
    }
    pthread_cond_broadcast(&a->up_cv);
    /* the first grants: the peer sends nothing on ORDINARY/LARGE before */
    akti_tp_flow_grant(tp, a, AKTI_CH_ORDINARY, true);
    akti_tp_flow_grant(tp, a, AKTI_CH_LARGE, true);
    akti_rlog(tp, AKTI_LOG_INFO, "association with %s (%s, uid %016llx) is up",
        a->system, a->url, (unsigned long long)atomic_load(&a->peer_uid));
}

/* akti_tp_quarantine_peer -- quarantine the current incarnation of a's peer,
 * tell it, and reset. a->mu held. */
void
akti_tp_quarantine_peer(
    akti_tp *tp, akti_assoc *a, const char *reason, drop_list *d, ev_list *evs)
{
    uint64_t uid = atomic_load(&a->peer_uid);
    if (uid == 0) {
        return;
    }
    akti_tp_send_quarantine(tp, a, reason);
    akti_tp_quarantine_add(tp, uid);
    STAT_ADD(tp, quarantines, 1);
    akti_rlog(tp, AKTI_LOG_WARN, "quarantined %s at %s (uid %016llx): %s",
        a->system, a->url, (unsigned long long)uid, reason);
    akti_tp_ev_add(evs, AKTI_PEER_QUARANTINED, uid, reason);
    akti_tp_reset_incarnation(tp, a, d, AKT_EPEER);
}

void
akti_tp_end_session(akti_tp *tp, akti_assoc *a, const char *reason, bool bump,
    drop_list *d, ev_list *evs) /* a->mu held */
{
    uint64_t uid = atomic_load(&a->peer_uid);
    if (uid == 0) {
        return;
    }
    akti_tp_ev_add(evs, AKTI_PEER_DOWN, uid, reason);
    akti_tp_reset_incarnation(tp, a, d, AKT_EPEER);
    if (bump) {
        a->my_session++;
    }
}

/* --- associations --------------------------------------------------------- */

/* assoc_new -- the association object, asleep (no socket, thread or queue
 * yet: akti_tp_assoc_wake). tp->mu held. */
static akti_assoc *
assoc_new(akti_tp *tp, const char *url, const char *system)
{
    akti_assoc *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return NULL;
    }
    a->tp = tp;
    a->url = tp_strdup(url);
    if (a->url == NULL) {
        free(a);
        return NULL;
    }
    snprintf(a->system, sizeof(a->system), "%s", system ? system : "");
    a->in_next = 1;
    /* sessions only rise (idl/remote.proto Hello.session): a new
     * association with a peer we had one with before (freed since) starts
     * above any number the old one used -- microseconds of the monotonic
     * clock, where the old one raised its number once per ended session */
    a->my_session = (uint64_t)(akti_now_ns() / 1000) + 1;
    a->dormant = true;
    atomic_init(&a->refs, 1); /* the table's */
    a->last_active = akti_now_ns();
    for (size_t i = 0; i < sizeof(a->my_nonce); i += 8) {
        uint64_t r = akti_tp_random64();
        memcpy(a->my_nonce + i, &r, 8);
    }
    pthread_mutex_init(&a->mu, NULL);
    cond_init_mono(&a->up_cv);
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        tp_chan *c = &a->ch[k];
        c->kind = k;
        c->a = a;
        cond_init_mono(&c->cv);
        cond_init_mono(&c->not_full);
    }
    return a;
}

static uint64_t
url_hash(const char *url)
{
    uint64_t h = 14695981039346656037ULL;
    for (const char *p = url; *p; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    }
    return h;
}

/* assoc_destroy -- free an association nobody refers to any more (no
 * thread, socket or queue left: asleep, or akti_tp_free joined them) */
static void
assoc_destroy(akti_assoc *a)
{
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        free(a->ch[k].q.buf);
        pthread_cond_destroy(&a->ch[k].cv);
        pthread_cond_destroy(&a->ch[k].not_full);
    }
    akti_tp_rx_frag_reset(a);
    free(a->unacked.buf);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->up_cv);
    free(a->url);
    free(a);
}

void
akti_assoc_hold(akti_assoc *a)
{
    atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
}

void
akti_assoc_release(akti_assoc *a)
{
    /* the last reference is the table's, dropped by the ticker when it
     * unlinks a (assoc_reclaim) -- never 1 -> 0 here while linked */
    if (atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) == 1) {
        assoc_destroy(a);
    }
}

static void
assoc_rings_free(akti_assoc *a)
{
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        free(a->ch[k].q.buf);
        memset(&a->ch[k].q, 0, sizeof(a->ch[k].q));
    }
    free(a->unacked.buf);
    memset(&a->unacked, 0, sizeof(a->unacked));
}

/* assoc_start_chans -- a's three sockets and writer threads; a->mu held */
static akt_err
assoc_start_chans(akti_tp *tp, akti_assoc *a)
{
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        akt_err rc = akti_tp_chan_open(tp, a, &a->ch[k]);
        if (rc != AKT_OK) {
            akti_rlog(tp, AKTI_LOG_ERROR, "cannot dial %s: %s", a->url,
                akt_strerror(rc));
            for (int j = 0; j < k; j++) {
                nng_close(a->ch[j].sock);
                a->ch[j].open = false;
            }
            return rc;
        }
    }
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        tp_chan *c = &a->ch[k];
        c->quit = false;
        if (pthread_create(&c->th, NULL,
                k == AKTI_CH_CONTROL ? akti_tp_control_writer
                                     : akti_tp_data_writer,
                c)
            == 0) {
            c->th_started = true;
        }
    }
    return AKT_OK;
}

akt_err
akti_tp_assoc_wake(akti_tp *tp, akti_assoc *a) /* a->mu held */
{
    if (!a->dormant) {
        return AKT_OK;
    }
    if (atomic_load(&tp->stopping)) {
        return AKT_ECLOSED;
    }
    akt_err rc = AKT_ENOMEM;
    if (!ring_init(&a->unacked, tp->o.system_buffer_size)) {
        goto fail;
    }
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        if (!ring_init(&a->ch[k].q,
                k == AKTI_CH_CONTROL ? 256 : tp->o.outbound_queue_size)) {
            goto fail;
        }
    }
    if ((rc = assoc_start_chans(tp, a)) != AKT_OK) {
        goto fail;
    }
    a->dormant = false;
    a->last_active = akti_now_ns();
    STAT_ADD(tp, associations_active, 1);
    return AKT_OK;
fail:
    assoc_rings_free(a);
    return rc;
}

/* assoc_sleepy -- a is down, has nothing to send and was not used for
 * idle-timeout. a->mu held. */
static bool
assoc_sleepy(akti_tp *tp, akti_assoc *a, int64_t now)
{
    if (a->dormant || a->state != AS_IDLE || a->unacked.len != 0
        || a->ch[AKTI_CH_ORDINARY].q.len != 0 || a->ch[AKTI_CH_LARGE].q.len != 0
        || a->ch[AKTI_CH_ORDINARY].inline_busy) {
        return false;
    }
    /* a peer that left is not coming back soon: sleep at once (after a
     * gate-time without use, so a sender that keeps trying does not wake
     * and put it to sleep for every message) */
    return now - a->last_active
        >= (a->left ? tp->o.gate_ns : tp->o.idle_timeout_ns);
}

/* assoc_sleep -- an association that is down and unused gives back its
 * sockets, threads and queue memory (it wakes on the next use). Ticker
 * thread, no lock held. */
static void
assoc_sleep(akti_tp *tp, akti_assoc *a)
{
    pthread_mutex_lock(&a->mu);
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        tp_chan *c = &a->ch[k];
        c->quit = true;
        if (k == AKTI_CH_CONTROL) {
            ctl_quiesce(tp, c);
        }
        if (c->open) {
            nng_close(c->sock); /* unblocks a writer in nng_sendmsg */
            c->open = false;
        }
        pthread_cond_broadcast(&c->cv);
        pthread_cond_broadcast(&c->not_full);
    }
    pthread_mutex_unlock(&a->mu);
    for (int k = 0; k < AKTI_CH_COUNT; k++) {
        if (a->ch[k].th_started) {
            pthread_join(a->ch[k].th, NULL);
            a->ch[k].th_started = false;
        }
    }
    pthread_mutex_lock(&a->mu);
    akti_tp_lane_close(tp, a, &a->ch[AKTI_CH_ORDINARY]);
    if (!assoc_sleepy(tp, a, akti_now_ns()) || atomic_load(&tp->stopping)) {
        /* used while the writers stopped: bring them back */
        if (!atomic_load(&tp->stopping)) {
            assoc_start_chans(tp, a);
        }
        pthread_mutex_unlock(&a->mu);
        return;
    }
    nng_msg *m;
    while ((m = ring_pop(&a->ch[AKTI_CH_CONTROL].q)) != NULL) {
        nng_msg_free(m);
    }
    assoc_rings_free(a);
    akti_tp_rx_frag_reset(a);
    a->dormant = true;
    pthread_mutex_unlock(&a->mu);
    STAT_ADD(tp, reclaimed, 1);
    atomic_fetch_sub(&tp->st.associations_active, 1);
    akti_rlog(tp, AKTI_LOG_INFO,
        "association with %s at %s unused for %lld ms while down: its "
        "sockets and threads are reclaimed",
        a->system, a->url, (long long)(tp->o.idle_timeout_ns / 1000000));
}

static akti_assoc *
find_url_locked(akti_tp *tp, const char *url)
{
    for (akti_assoc *a = tp->assocs; a; a = a->next) {
        if (strcmp(a->url, url) == 0) {
            return a;
        }
    }
    return NULL;
}

/* assoc_add_locked -- a new association, within max-associations;
 * tp->mu held. */
static akti_assoc *
assoc_add_locked(akti_tp *tp, const char *url, const char *system)
{
    if (tp->nassocs >= tp->o.max_associations) {
        akti_tp_reject(tp, &tp->st.rejected_limit,
            "no association with %s: max-associations (%u) reached "
            "(akt.remote.max-associations)",
            url, tp->o.max_associations);
        return NULL;
    }
    akti_assoc *a = assoc_new(tp, url, system);
    if (a == NULL) {
        return NULL;
    }
    uint64_t h = url_hash(url);
    for (uint32_t i = 0; i < tp->ntombs; i++) {
        struct tp_tomb *t = &tp->tombs[i];
        if (t->url_hash == h) {
            /* its last association was freed while the peer was known
             * down (or had left): so is this one, until a handshake
             * completes -- sends fail at once, and a peer that left is
             * expected not to answer (no warning when it does not) */
            a->known_down = true;
            a->left = t->left;
            a->last_uid = t->uid;
            a->down_at = t->down_at;
            *t = tp->tombs[--tp->ntombs];
            break;
        }
    }
    a->next = tp->assocs;
    tp->assocs = a;
    tp->nassocs++;
    return a;
}

/* assoc_reclaim -- the ticker frees a when it is asleep and the table's
 * is its only reference: unlinked under tp->mu (where every other
 * reference is taken from the table), so nobody can find it any more;
 * it no longer counts toward max-associations. A peer known down is
 * remembered by address (tp->tombs). Ticker thread, no lock held. */
static bool
assoc_reclaim(akti_tp *tp, akti_assoc *a)
{
    pthread_mutex_lock(&a->mu);
    if (!a->dormant || a->state != AS_IDLE || a->leave_wait) {
        pthread_mutex_unlock(&a->mu);
        return false;
    }
    pthread_mutex_lock(&tp->mu);
    akti_assoc *cached = a;
    if (atomic_load(&a->refs) == 2
        && atomic_compare_exchange_strong(&tp->rx_last, &cached, NULL)) {
        /* the receive path's cache held the other reference, and no frame
         * is being handled with it (that takes it out of the cache): the
         * cache's goes; nobody can take a new one (tp->mu) */
        atomic_fetch_sub(&a->refs, 1);
    }
    if (tp->no_reclaim || atomic_load(&a->refs) != 1) {
        pthread_mutex_unlock(&tp->mu);
        pthread_mutex_unlock(&a->mu);
        return false;
    }
    akti_assoc **pp = &tp->assocs;
    while (*pp != NULL && *pp != a) {
        pp = &(*pp)->next;
    }
    if (*pp == NULL) {
        pthread_mutex_unlock(&tp->mu);
        pthread_mutex_unlock(&a->mu);
        return false;
    }
    *pp = a->next;
    tp->nassocs--;
    if (a->known_down) {
        uint32_t cap = sizeof(tp->tombs) / sizeof(tp->tombs[0]);
        struct tp_tomb *t = tp->ntombs < cap
            ? &tp->tombs[tp->ntombs++]
            : &tp->tombs[(uint64_t)a->down_at % cap];
        t->url_hash = url_hash(a->url);
        t->uid = a->last_uid;
        t->down_at = a->down_at;
        t->left = a->left;
    }
    uint32_t left = tp->nassocs;
    pthread_mutex_unlock(&tp->mu);
    pthread_mutex_unlock(&a->mu);
    for (int k = AKTI_CH_ORDINARY; k <= AKTI_CH_LARGE; k++) {
        /* nobody finds a by its slot any more (akti_tp_credit_kick): the
         * slot can serve another association */
        tp_chan *c = &a->ch[k];
        if (c->rx_credit != NULL && tp->o.cb && tp->o.cb->credit_close) {
            tp->o.cb->credit_close(
                tp->o.cb_arg, atomic_load(&c->rx_credit_id), c->rx_credit);
        }
    }
    STAT_ADD(tp, freed, 1);
    akti_rlog(tp, AKTI_LOG_INFO,
        "association with %s at %s freed: asleep and unused (%s); %u left",
        a->system[0] ? a->system : "?", a->url,
        a->left             ? "the peer left"
            : a->known_down ? "the peer is down"
                            : "idle",
        left);
    akti_assoc_release(a); /* the table's: the last */
    return true;
}

akt_err
akti_tp_assoc(
    akti_tp *tp, const char *url, const char *system, akti_assoc **out)
{
    if (tp == NULL || url == NULL || out == NULL) {
        return AKT_EINVAL;
    }
    pthread_mutex_lock(&tp->mu);
    if (atomic_load(&tp->stopping)) {
        pthread_mutex_unlock(&tp->mu);
        return AKT_ECLOSED;
    }
    akti_assoc *a = find_url_locked(tp, url);
    if (a == NULL) {
        a = assoc_add_locked(tp, url, system);
    }
    bool full = tp->nassocs >= tp->o.max_associations;
    if (a != NULL) {
        akti_assoc_hold(a); /* the caller's */
    }
    pthread_mutex_unlock(&tp->mu);
    if (a == NULL) {
        return full ? AKT_EFULL : AKT_ENOMEM;
    }
    atomic_store(&a->pinned, true);
    pthread_mutex_lock(&a->mu);
    akt_err rc = akti_tp_assoc_wake(tp, a);
    pthread_mutex_unlock(&a->mu);
    if (rc != AKT_OK) {
        akti_assoc_release(a);
        return rc;
    }
    *out = a;
    return AKT_OK;
}

akti_assoc *
akti_tp_assoc_inbound(
    akti_tp *tp, const char *url, const char *system, const char *src)
{
    pthread_mutex_lock(&tp->mu);
    if (atomic_load(&tp->stopping)) {
        pthread_mutex_unlock(&tp->mu);
        return NULL;
    }
    akti_assoc *a = find_url_locked(tp, url);
    if (a == NULL) {
        uint32_t from_src = 0;
        for (akti_assoc *b = tp->assocs; b; b = b->next) {
            if (b->inbound && strcmp(b->src, src) == 0) {
                from_src++;
            }
        }
        if (from_src >= tp->o.max_associations_per_source) {
            pthread_mutex_unlock(&tp->mu);
            akti_tp_reject(tp, &tp->st.rejected_limit,
                "Hello from %s claiming %s refused: %u associations were "
                "already made for Hellos from that source "
                "(akt.remote.max-associations-per-source)",
                src, url, from_src);
            return NULL;
        }
        a = assoc_add_locked(tp, url, system);
        if (a != NULL) {
            a->inbound = true;
            snprintf(a->src, sizeof(a->src), "%s", src);
        }
    }
    if (a != NULL) {
        akti_assoc_hold(a); /* the caller's */
    }
    pthread_mutex_unlock(&tp->mu);
    if (a == NULL) {
        return NULL;
    }
    pthread_mutex_lock(&a->mu);
    akt_err rc = akti_tp_assoc_wake(tp, a);
    pthread_mutex_unlock(&a->mu);
    if (rc != AKT_OK) {
        akti_assoc_release(a);
        return NULL;
    }
    return a;
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

void
akti_assoc_failure(akti_assoc *a, akt_err err, char *buf, size_t len)
{
    pthread_mutex_lock(&a->mu);
    snprintf(buf, len, "%s", a->fail_err == err ? a->fail_text : "");
    pthread_mutex_unlock(&a->mu);
}

akt_err
akti_assoc_wait_up(akti_assoc *a, int64_t timeout_ns, uint64_t *uid)
{
    struct timespec dl;
    abs_deadline(&dl, timeout_ns);
    akt_err rc = AKT_OK;
    pthread_mutex_lock(&a->mu);
    if (a->dormant && (rc = akti_tp_assoc_wake(a->tp, a)) != AKT_OK) {
        pthread_mutex_unlock(&a->mu);
        return rc;
    }
    a->last_active = akti_now_ns();
    if (a->state == AS_IDLE) {
        akti_tp_start_handshake(a->tp, a, akti_now_ns());
    }
    while (a->state != AS_UP) {
        if (a->hs_failed) {
            rc = a->fail_err != AKT_OK ? a->fail_err : AKT_EPEER;
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
    if (rc == AKT_OK && uid) {
        *uid = atomic_load(&a->peer_uid);
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

/* --- ticker --------------------------------------------------------------- */

static void
tick_assoc(akti_tp *tp, akti_assoc *a, int64_t now)
{
    drop_list d = { 0 };
    ev_list evs = { 0 };
    bool sleep = false;
    pthread_mutex_lock(&a->mu);
    tp_chan *cc = &a->ch[AKTI_CH_CONTROL];
    if (cc->dial_since != 0 && !cc->dial_aborted
        && now - cc->dial_since >= tp_connect_timeout(tp)) {
        /* a connect that hangs (a peer whose host drops our SYNs): give
         * up, so the writer reports it and tries again later */
        cc->dial_aborted = true;
        nng_dialer_close(cc->dialer);
        cc->dialer_open = false;
    }
    switch (a->state) {
    case AS_HANDSHAKE:
        if (now - a->hs_start >= tp->o.handshake_timeout_ns) {
            char text[160];
            snprintf(text, sizeof(text),
                "no authenticated answer within %lld ms (handshake-timeout)",
                (long long)((now - a->hs_start) / 1000000));
            akti_tp_hs_fail(tp, a, now, AKT_EPEER, text, &d, &evs);
        } else if (now - a->hs_last >= tp->o.handshake_retry_ns) {
            akti_tp_send_hello(tp, a);
        }
        break;
    case AS_UP:
        a->last_active = now;
        if (atomic_load(&a->reconnected)
            && now - a->hs_last >= tp->o.handshake_retry_ns / 4) {
            atomic_store(&a->reconnected, false);
            akti_tp_send_hello(tp, a); /* the same incarnation there? */
        }
        if (now - a->hb_last >= tp->o.heartbeat_interval_ns && !a->leave_wait) {
            akti_tp_send_heartbeat(tp, a, now);
            /* refresh the grants (a Flow frame lost with a replaced
             * connection) and, when starved, say what we sent */
            akti_tp_flow_grant(tp, a, AKTI_CH_ORDINARY, false);
            akti_tp_flow_grant(tp, a, AKTI_CH_LARGE, false);
            akti_tp_send_flow(tp, a);
        }
        akti_tp_flow_stall_check(tp, a, now);
        if (a->claim_uid != 0) {
            /* a new incarnation claimed this address: challenge it until
             * it proves itself or the claim expires */
            if (now - a->claim_at >= tp->o.handshake_timeout_ns) {
                a->claim_uid = 0;
            } else if (now - a->hs_last >= tp->o.handshake_retry_ns) {
                akti_tp_send_hello(tp, a);
            }
        }
        if (!akti_phi_available(&a->phi, now)) {
            /* unreachable ends the session, not the incarnation: watchers
             * learn (Terminated), what was bound to it is dropped, sends
             * fail at once; handshakes are retried, and a node that
             * answers again (a healed partition, a resumed process) starts
             * a new session as the same incarnation */
            uint64_t uid = atomic_load(&a->peer_uid);
            STAT_ADD(tp, failures_detected, 1);
            akti_rlog(tp, AKTI_LOG_WARN,
                "%s at %s (uid %016llx) is unreachable: phi %.1f > %.1f after "
                "%lld ms without a heartbeat; the session ends (watchers of "
                "its actors get Terminated, messages for it are dead "
                "letters) until it answers again",
                a->system, a->url, (unsigned long long)uid,
                akti_phi_value(&a->phi, now), tp->o.phi_threshold,
                (long long)((now - a->phi.last_ns) / 1000000));
            akti_tp_end_session(tp, a,
                "declared unreachable by the failure detector", true, &d, &evs);
            a->known_down = true;
            a->down_at = now;
            a->last_uid = uid;
            break;
        }
        if (a->unacked.len > 0 && a->sys_sent == a->unacked.len
            && now - a->sys_last_send >= tp->o.resend_interval_ns) {
            a->sys_sent = 0; /* go back N */
            STAT_ADD(tp, system_resends, 1);
            if (a->ch[AKTI_CH_CONTROL].waiting) {
                pthread_cond_signal(&a->ch[AKTI_CH_CONTROL].cv);
            }
        }
        break;
    default:
        atomic_store(&a->reconnected, false);
        if (a->known_down && !a->left && !a->dormant && now >= a->gated_until
            && now - a->down_at < tp->o.idle_timeout_ns) {
            /* try to reach it again (a partition that heals, a process
             * that resumes), at most once per gate-time */
            akti_tp_start_handshake(tp, a, now);
            break;
        }
        sleep = assoc_sleepy(tp, a, now);
        break;
    }
    pthread_mutex_unlock(&a->mu);
    if (d.n) {
        akti_tp_drop_flush(tp, a, &d);
    }
    akti_tp_ev_flush(tp, a, &evs);
    if (sleep) {
        assoc_sleep(tp, a);
    }
}

/* listener_watch -- NNG 1.5.2 (Debian 12's) stops accepting on an ipc://
 * or tls+tcp:// listener for good when a peer closes a connection while
 * the SP header exchange runs (nanomsg/nng#1518, fixed after 1.5.2: the
 * transport reports the closed connection as NNG_ECLOSED, which the
 * listener takes for its own close). Any dialer closed mid-connect does it
 * -- a process that exits, an association put to sleep, a port scanner --
 * and the node is then unreachable at its address while it runs. Measured
 * here: an ipc listener dies at the first such close, a tls+tcp one after
 * a few, a tcp one survives 200. So the ticker reads the listener's error
 * counters ("other" counts that ECLOSED, "canceled" its twin) every 200 ms
 * and re-creates the listener when they moved: connections caught in the
 * dead one are closed (their dialers re-dial), new ones are accepted. */
static void
listener_watch(akti_tp *tp, int64_t now)
{
    if (tp->relisten_url == NULL || now < tp->lw_next) {
        return;
    }
    tp->lw_next = now + 200000000LL;
    nng_stat *root;
    if (nng_stats_get(&root) != 0) {
        return;
    }
    uint64_t errs = 0, auth = 0;
    nng_stat *ls = nng_stat_find_listener(root, tp->listener);
    static const char *const names[] = { "other", "canceled" };
    for (size_t i = 0; ls != NULL && i < 2; i++) {
        nng_stat *st = nng_stat_find(ls, names[i]);
        errs += st ? nng_stat_value(st) : 0;
    }
    nng_stat *as = ls != NULL ? nng_stat_find(ls, "auth") : NULL;
    auth = as != NULL ? nng_stat_value(as) : 0;
    nng_stats_free(root);
    if (auth > tp->lw_auth) {
        /* TLS refusals: NNG does not say which side refused or why; the
         * peer's log does (its dial's error) */
        uint64_t n = auth - tp->lw_auth;
        tp->tls_refused += n;
        if (now - tp->tls_logged >= 60000000000LL) {
            akti_rlog(tp, AKTI_LOG_WARN,
                "TLS handshake failed for %llu incoming connection(s) on %s: "
                "the peer sent no certificate, or one that does not verify "
                "against akt.remote.tls.ca-file, or it refused ours (%llu "
                "since start; logged at most once a minute)",
                (unsigned long long)n, tp->relisten_url,
                (unsigned long long)tp->tls_refused);
            tp->tls_logged = now;
        }
    }
    tp->lw_auth = auth;
    if (errs == tp->lw_errs) {
        return;
    }
    nng_listener_close(tp->listener);
    nng_listener l;
    int rv = nng_listener_create(&l, tp->pull, tp->relisten_url);
    if (rv == 0 && tp->tls_server != NULL
        && strncmp(tp->relisten_url, "tls+tcp://", 10) == 0) {
        rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tp->tls_server);
    }
    if (rv == 0) {
        rv = nng_listener_start(l, 0);
    }
    if (rv != 0) {
        /* the old one is closed: try again at the next look */
        akti_rlog(tp, AKTI_LOG_ERROR, "cannot listen again on %s: %s",
            tp->relisten_url, nng_strerror(rv));
        tp->lw_errs = UINT64_MAX;
        return;
    }
    tp->listener = l;
    tp->lw_errs = 0; /* a new listener's counters */
    tp->lw_auth = 0;
    uint64_t n = atomic_fetch_add(&tp->st.listener_restarts, 1) + 1;
    akti_rlog(tp, n <= 10 || n % 1000 == 0 ? AKTI_LOG_WARN : AKTI_LOG_DEBUG,
        "the listener on %s stopped accepting (a peer closed its connection "
        "during the SP header exchange: NNG 1.5.2 bug nanomsg/nng#1518): "
        "listening again (#%llu)",
        tp->relisten_url, (unsigned long long)n);
}

static void lanes_tick(akti_tp *tp, int64_t now);

static void *
tick_thread(void *arg)
{
    akti_tp *tp = arg;
    tp_thread_name("akt-rm-tick");
    int64_t period = tp->o.heartbeat_interval_ns / 4;
    if (period > 100000000) {
        period = 100000000;
    }
    if (period < 2000000) {
        period = 2000000;
    }
    pthread_mutex_lock(&tp->mu);
    while (!atomic_load(&tp->stopping)) {
        struct timespec dl;
        abs_deadline(&dl, period);
        pthread_cond_timedwait(&tp->tick_cv, &tp->mu, &dl);
        if (atomic_load(&tp->stopping)) {
            break;
        }
        /* only this thread removes associations (assoc_reclaim), and
         * others only add at the head: the list from here on stays
         * walkable without tp->mu */
        akti_assoc *list = tp->assocs;
        pthread_mutex_unlock(&tp->mu);
        int64_t now = akti_now_ns();
        for (akti_assoc *a = list, *next; a; a = next) {
            next = a->next;
            /* asleep since an earlier tick (its sockets closed then) and
             * referred to by nobody: freed */
            if (!assoc_reclaim(tp, a)) {
                tick_assoc(tp, a, now);
            }
        }
        refusals_close(tp, now, false);
        listener_watch(tp, now);
        lanes_tick(tp, now);
        akti_tp_lane_graves(now);
        pthread_mutex_lock(&tp->mu);
    }
    pthread_mutex_unlock(&tp->mu);
    return NULL;
}

/* --- lifecycle ------------------------------------------------------------ */

static char *
read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) {
        buf[n] = '\0';
    }
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
        if (rv != 0) {
            break;
        }
        if (cert) {
            rv = nng_tls_config_own_cert(*cfg, cert, key, NULL);
        }
        if (rv == 0 && o->tls_ca_file) {
            rv = nng_tls_config_ca_file(*cfg, o->tls_ca_file);
        }
        if (rv == 0) {
            rv = nng_tls_config_auth_mode(*cfg,
                o->tls_verify_peer ? NNG_TLS_AUTH_MODE_REQUIRED
                                   : NNG_TLS_AUTH_MODE_NONE);
        }
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
    if (nng_listener_get_int(tp->listener, NNG_OPT_TCP_BOUND_PORT, &port)
        != 0) {
        return AKT_EIO;
    }
    const char *host = scheme_end + 3;
    const char *colon = strrchr(host, ':');
    size_t hlen = colon ? (size_t)(colon - host) : strlen(host);
    char hostbuf[256];
    if (hlen == 0 || (hlen == 1 && host[0] == '*')
        || (hlen == 7 && strncmp(host, "0.0.0.0", 7) == 0)) {
        snprintf(hostbuf, sizeof(hostbuf), "127.0.0.1");
    } else {
        if (hlen >= sizeof(hostbuf)) {
            return AKT_EINVAL;
        }
        memcpy(hostbuf, host, hlen);
        hostbuf[hlen] = '\0';
    }
    char buf[512];
    snprintf(buf, sizeof(buf), "%.*s://%s:%d", (int)(scheme_end - u), u,
        hostbuf, port);
    tp->address = tp_strdup(buf);
    return tp->address ? AKT_OK : AKT_ENOMEM;
}

/* loopback_url -- a URL only this host can reach: ipc://, inproc://, or
 * tcp on a loopback address */
bool
akti_tp_url_loopback(const char *u)
{
    if (strncmp(u, "ipc://", 6) == 0 || strncmp(u, "inproc://", 9) == 0
        || strncmp(u, "abstract://", 11) == 0) {
        return true;
    }
    const char *h = strstr(u, "://");
    if (h == NULL) {
        return false;
    }
    h += 3;
    return strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost:", 10) == 0
        || strncmp(h, "[::1]:", 6) == 0;
}

/* security_check -- refuse what would run unauthenticated or in clear
 * without saying so: TLS settings with a non-TLS URL, and a listener
 * others can reach with neither a cookie nor verified TLS (unless
 * insecure). The key named is the configuration's (remote.c reads it). */
static akt_err
security_check(akti_tp *tp)
{
    const akti_tp_opts *o = &tp->o;
    bool tls_url = strncmp(tp->listen_url, "tls+tcp://", 10) == 0;
    const char *tls_key = o->tls_cert_file ? "akt.remote.tls.cert-file"
        : o->tls_key_file                  ? "akt.remote.tls.key-file"
        : o->tls_ca_file                   ? "akt.remote.tls.ca-file"
                                           : NULL;
    if (tls_key != NULL && !tls_url) {
        akti_rlog(tp, AKTI_LOG_ERROR,
            "%s is set but the listen URL %s is not tls+tcp://: it would "
            "run in plain text",
            tls_key, tp->listen_url);
        return AKT_EINVAL;
    }
    bool tls_auth = tls_url && o->tls_verify_peer && o->tls_ca_file != NULL;
    if (tp->cookie_len == 0 && !tls_auth
        && !akti_tp_url_loopback(tp->listen_url)) {
        if (!o->insecure) {
            akti_rlog(tp, AKTI_LOG_ERROR,
                "refusing to listen on %s without akt.remote.cookie (or "
                "tls+tcp:// with akt.remote.tls.verify-peer and "
                "akt.remote.tls.ca-file): anyone who reaches it could "
                "talk to this node; set akt.remote.insecure = on to allow",
                tp->listen_url);
            return AKT_EINVAL;
        }
        akti_rlog(tp, AKTI_LOG_WARN,
            "listening on %s with no cookie and no verified TLS "
            "(akt.remote.insecure = on): peers are not authenticated",
            tp->listen_url);
    }
    return AKT_OK;
}

/* source_of -- the host an inbound pipe comes from ("local" when the
 * transport has no address: ipc, inproc) */
static void
source_of(nng_pipe p, char *buf, size_t n)
{
    nng_sockaddr sa;
    snprintf(buf, n, "local");
    if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0) {
        return;
    }
    if (sa.s_family == NNG_AF_INET) {
        inet_ntop(AF_INET, &sa.s_in.sa_addr, buf, (socklen_t)n);
    } else if (sa.s_family == NNG_AF_INET6) {
        inet_ntop(AF_INET6, sa.s_in6.sa_addr, buf, (socklen_t)n);
    }
}

void
akti_tp_source_of_msg(nng_msg *m, char *buf, size_t n)
{
    source_of(nng_msg_get_pipe(m), buf, n);
}

static void conn_remove(akti_tp *tp, uint32_t id);

/* pipe_cb -- inbound connections are bounded per node and per source: one
 * over a limit is closed before it carries a frame (counted, logged) */
static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    akti_tp *tp = arg;
    uint32_t id = (uint32_t)nng_pipe_id(p);
    pthread_mutex_lock(&tp->conn_mu);
    if (ev == NNG_PIPE_EV_ADD_PRE) {
        char src[48];
        source_of(p, src, sizeof(src));
        uint32_t same = 0;
        for (uint32_t i = 0; i < tp->nconns; i++) {
            if (strcmp(tp->conns[i].src, src) == 0) {
                same++;
            }
        }
        const char *key = tp->nconns >= tp->o.max_connections
            ? "akt.remote.max-connections"
            : same >= tp->o.max_connections_per_source
            ? "akt.remote.max-connections-per-source"
            : NULL;
        if (key == NULL && tp->conns != NULL) {
            tp->conns[tp->nconns].pipe = id;
            snprintf(
                tp->conns[tp->nconns].src, sizeof(tp->conns[0].src), "%s", src);
            tp->nconns++;
        }
        pthread_mutex_unlock(&tp->conn_mu);
        akti_rlog(tp, AKTI_LOG_DEBUG, "connection %u from %s%s", id, src,
            key ? " refused" : "");
        if (key != NULL) {
            nng_pipe_close(p);
            akti_tp_reject(tp, &tp->st.rejected_limit,
                "connection from %s refused: %s reached", src, key);
        }
        return;
    }
    pthread_mutex_unlock(&tp->conn_mu);
    if (ev == NNG_PIPE_EV_REM_POST) {
        conn_remove(tp, id);
    }
}

/* conn_remove -- an inbound connection (a pipe, or a lane: high bit)
 * ended */
static void
conn_remove(akti_tp *tp, uint32_t id)
{
    pthread_mutex_lock(&tp->conn_mu);
    for (uint32_t i = 0; i < tp->nconns; i++) {
        if (tp->conns[i].pipe == id) {
            tp->conns[i] = tp->conns[--tp->nconns];
            break;
        }
    }
    pthread_mutex_unlock(&tp->conn_mu);
}

/* --- data lanes, the receiving side ----------------------------------------
 * akt.remote.data-lanes = stream: a stream listener next to the PULL
 * socket's (tcp and tls+tcp: the same host, a port of its own; ipc: the
 * path with ".lane"), announced in our Hellos (Hello.lane). An accepted
 * lane counts as an inbound connection (max-connections, per source).
 * Whoever reads it handles every whole frame in the buffer at once
 * (akti_tp_lane_rx_frame under tp->rx_mu) and reads again:
 *
 * - tcp:// (plain TCP; not tls+tcp, whose bytes are encrypted, nor ipc):
 *   the lane reader, a thread of ours (lane_reader), reads the socket
 *   itself -- one epoll set for every lane, level-triggered, a busy poll
 *   of akt.remote.lane-busy-poll before it sleeps -- so a frame is handled
 *   on the thread that woke for its bytes: no NNG poller thread handing
 *   the read to an NNG task thread (two sleeping wake-ups per hop on an
 *   idle machine, ~25-30 us each). NNG 1.5.2 workaround: nng_stream gives
 *   no fd, so the lane's socket is found in /proc/self/fd as the one whose
 *   own and peer addresses are the stream's (lane_fd_find: a TCP 4-tuple
 *   is unique; both ends may be in this process, the order tells them
 *   apart). NNG reads a stream only when a receive is queued on it, and
 *   we never queue one: we are its only reader; its writes (the one-byte
 *   ack) stay NNG's. NNG's close only shuts the socket down, and the fd is
 *   closed after nng_stream_free, asynchronously: so a dead lane is freed
 *   only once the reader took its fd out of its set (`detached`, done at
 *   the top of the reader's loop, after the batch of events that may name
 *   it was handled). A socket not found stays with NNG (lanes_nng).
 * - otherwise NNG's reads: they complete on its thread (lane_rx_cb).
 *
 * A lane that breaks a rule, ends, or is not bound by a LaneOpen within
 * handshake-timeout is marked dead and freed by the ticker (an NNG read
 * stopped before the stream is closed: NNG 1.5.2 never completes a read on
 * a stream closed under it; a direct one once detached). */

enum { LANE_RX_START = 16 * 1024, LANE_OPEN_MAX = 4096 };

static void
source_of_sa(const nng_sockaddr *sa, char *buf, size_t n)
{
    snprintf(buf, n, "local");
    if (sa->s_family == NNG_AF_INET) {
        inet_ntop(AF_INET, &sa->s_in.sa_addr, buf, (socklen_t)n);
    } else if (sa->s_family == NNG_AF_INET6) {
        inet_ntop(AF_INET6, sa->s_in6.sa_addr, buf, (socklen_t)n);
    }
}

/* lane_rx_arm -- read into the rest of l's buffer (tp->lane_mu held) */
static void
lane_rx_arm(tp_lane_rx *l)
{
    nng_iov iov = { .iov_buf = l->buf + l->len, .iov_len = l->cap - l->len };
    nng_aio_set_iov(l->aio, 1, &iov);
    nng_stream_recv(l->s, l->aio);
}

static inline size_t
lane_len_at(const uint8_t *p)
{
    return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16
        | (size_t)p[3] << 24;
}

/* lane_rx_frames -- handle the whole frames in l's buffer; false: the lane
 * broke a rule (counted, logged) */
static bool
lane_rx_frames(akti_tp *tp, tp_lane_rx *l)
{
    size_t off = 0;
    bool keep = true;
    pthread_mutex_lock(&tp->rx_mu);
    while (keep && l->len - off >= 4) {
        size_t flen = lane_len_at(l->buf + off);
        size_t max = l->a == NULL ? LANE_OPEN_MAX : tp->o.max_frame_size;
        if (flen == 0 || flen > max) {
            akti_tp_reject(tp, &tp->st.rejected_lane,
                "data lane from %s closed: a frame of %zu bytes (at most %zu "
                "here)",
                l->src, flen, max);
            keep = false;
            break;
        }
        if (l->len - off - 4 < flen) {
            break;
        }
        keep = akti_tp_lane_rx_frame(tp, l, l->buf + off + 4, flen);
        off += 4 + flen;
    }
    pthread_mutex_unlock(&tp->rx_mu);
    if (!keep) {
        return false;
    }
    if (l->a != NULL && !l->acked) {
        /* bound: the opener waits for this before it sends data, so a
         * lane we refused (a peer that does not know this incarnation)
         * costs it no message unaccounted */
        static uint8_t one = 1;
        nng_iov iov = { .iov_buf = &one, .iov_len = 1 };
        l->acked = true;
        nng_aio_set_iov(l->ack_aio, 1, &iov);
        nng_stream_send(l->s, l->ack_aio);
    }
    if (off > 0) {
        memmove(l->buf, l->buf + off, l->len - off);
        l->len -= off;
    }
    if (l->len >= 4) { /* a frame bigger than the buffer: grow it */
        size_t need = lane_len_at(l->buf) + 4;
        if (need > l->cap) {
            uint8_t *nb = realloc(l->buf, need);
            if (nb == NULL) {
                akti_rlog(tp, AKTI_LOG_ERROR,
                    "data lane from %s closed: out of memory", l->src);
                return false;
            }
            l->buf = nb;
            l->cap = need;
        }
    }
    return true;
}

static void
lane_rx_cb(void *arg)
{
    tp_lane_rx *l = arg;
    akti_tp *tp = l->tp;
    int rv = nng_aio_result(l->aio);
    bool keep = rv == 0;
    if (rv == 0) {
        l->len += nng_aio_count(l->aio);
        keep = lane_rx_frames(tp, l);
    } else if (rv != NNG_ECLOSED && rv != NNG_ECANCELED
        && !atomic_load(&tp->stopping)) {
        akti_rlog(tp, AKTI_LOG_DEBUG, "data lane from %s ended: %s", l->src,
            nng_strerror(rv));
    }
    pthread_mutex_lock(&tp->lane_mu);
    if (keep && !l->dead && !atomic_load(&tp->stopping)) {
        lane_rx_arm(l);
    } else {
        l->dead = true;
    }
    pthread_mutex_unlock(&tp->lane_mu);
}

/* --- the lane reader (tcp:// lanes) --------------------------------------- */

enum {
    LR_EVENTS = 64, /* lanes handled per look */
    LR_READS = 16, /* reads of one lane per look (a full buffer each) */
    /* the busy poll's adaptive rule, as the core's busy waits have it
     * (core/dispatch.c, core/future.c SPIN_MISS_LIMIT, SPIN_PROBE): after
     * this many polls in a row that outlasted the budget, only one in
     * LR_PROBE polls the whole budget (the others AKTI_BUSY_PAUSE_NS), so
     * an idle node does not burn a core */
    LR_MISS_LIMIT = 4,
    LR_PROBE = 16
};

static bool
sa_same(const nng_sockaddr *n, const struct sockaddr_storage *ss)
{
    if (n->s_family == NNG_AF_INET && ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        return in->sin_port == n->s_in.sa_port
            && in->sin_addr.s_addr == n->s_in.sa_addr;
    }
    if (n->s_family == NNG_AF_INET6 && ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        return in6->sin6_port == n->s_in6.sa_port
            && memcmp(in6->sin6_addr.s6_addr, n->s_in6.sa_addr, 16) == 0;
    }
    return false;
}

/* lane_fd_find -- the socket of tcp stream s, or -1. NNG 1.5.2 workaround
 * (it gives no fd for a stream): the fd in /proc/self/fd whose own and
 * peer addresses are s's (a TCP 4-tuple is unique among live sockets; when
 * both ends are in this process, the order of the two tells them apart).
 * s holds its fd until nng_stream_free, so the number stays its own. */
static int
lane_fd_find(nng_stream *s)
{
    nng_sockaddr loc, rem;
    if (nng_stream_get_addr(s, NNG_OPT_LOCADDR, &loc) != 0
        || nng_stream_get_addr(s, NNG_OPT_REMADDR, &rem) != 0
        || (loc.s_family != NNG_AF_INET && loc.s_family != NNG_AF_INET6)
        || rem.s_family != loc.s_family) {
        return -1;
    }
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) {
        return -1;
    }
    int found = -1, dfd = dirfd(d);
    struct dirent *e;
    while (found < 0 && (e = readdir(d)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || fd < 0 || fd > INT32_MAX
            || fd == dfd) {
            continue;
        }
        struct sockaddr_storage a, b;
        socklen_t la = sizeof(a), lb = sizeof(b);
        if (getsockname((int)fd, (struct sockaddr *)&a, &la) == 0
            && sa_same(&loc, &a)
            && getpeername((int)fd, (struct sockaddr *)&b, &lb) == 0
            && sa_same(&rem, &b)) {
            found = (int)fd;
        }
    }
    closedir(d);
    return found;
}

static void
lane_reader_wake(akti_tp *tp)
{
    uint64_t one = 1;
    if (tp->lr_wake >= 0) {
        ssize_t w = write(tp->lr_wake, &one, sizeof(one));
        (void)w; /* EAGAIN: the counter is full, a wake-up is due anyway */
    }
}

/* lane_reader_detach -- a lane the reader reads was marked dead: it takes
 * it out of its set at the top of its next loop (lanes_tick frees it on a
 * later tick) */
static void
lane_reader_detach(akti_tp *tp)
{
    atomic_store(&tp->lr_detach, true);
    lane_reader_wake(tp);
}

static void
lane_reader_fds_close(akti_tp *tp)
{
    if (tp->lr_ep >= 0) {
        close(tp->lr_ep);
        tp->lr_ep = -1;
    }
    if (tp->lr_wake >= 0) {
        close(tp->lr_wake);
        tp->lr_wake = -1;
    }
}

/* lane_read -- the reader: l's socket is readable. Reads until the kernel
 * has no more (a read that does not fill the buffer: the level-triggered
 * set says if more comes) and handles the frames; an end, an error or a
 * broken rule marks l dead. */
static void
lane_read(akti_tp *tp, tp_lane_rx *l)
{
    pthread_mutex_lock(&tp->lane_mu);
    bool dead = l->dead;
    pthread_mutex_unlock(&tp->lane_mu);
    if (dead) { /* marked by the ticker: out of the set at the top of the
                 * loop (level-triggered, it would be ready again) */
        atomic_store(&tp->lr_detach, true);
        return;
    }
    bool keep = true;
    int err = 0;
    for (int i = 0; keep && i < LR_READS; i++) {
        size_t room = l->cap - l->len;
        ssize_t r = recv(l->fd, l->buf + l->len, room, MSG_DONTWAIT);
        if (r > 0) {
            l->len += (size_t)r;
            keep = lane_rx_frames(tp, l); /* grows the buffer for a big one */
            if ((size_t)r < room) {
                break;
            }
        } else if (r == 0) {
            keep = false; /* the peer closed it */
        } else if (errno == EINTR) {
            continue;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            break;
        } else {
            err = errno;
            keep = false;
        }
    }
    if (keep) {
        return;
    }
    if (!atomic_load(&tp->stopping)) {
        akti_rlog(tp, AKTI_LOG_DEBUG, "data lane from %s ended: %s", l->src,
            err != 0 ? strerror(err) : "closed");
    }
    pthread_mutex_lock(&tp->lane_mu);
    l->dead = true;
    pthread_mutex_unlock(&tp->lane_mu);
    atomic_store(&tp->lr_detach, true); /* the reader's own: no wake-up */
}

/* lanes_detach -- the reader, at the top of its loop (no event of this
 * look is left to handle): dead lanes out of the set */
static void
lanes_detach(akti_tp *tp)
{
    if (!atomic_exchange(&tp->lr_detach, false)) {
        return;
    }
    pthread_mutex_lock(&tp->lane_mu);
    for (tp_lane_rx *l = tp->lanes; l; l = l->next) {
        if (l->dead && l->fd >= 0 && !l->detached) {
            (void)epoll_ctl(tp->lr_ep, EPOLL_CTL_DEL, l->fd, NULL);
            l->detached = true;
        }
    }
    pthread_mutex_unlock(&tp->lane_mu);
}

/* lane_busy_poll -- look again for ready lanes, first AKTI_BUSY_PAUSE_NS
 * tight, then yielding the CPU between looks, up to the budget (the
 * adaptive rule: LR_MISS_LIMIT); the events found, or 0 */
static int
lane_busy_poll(
    akti_tp *tp, struct epoll_event *ev, uint32_t *misses, uint32_t *probe)
{
    int64_t budget = tp->o.lane_busy_poll_ns;
    bool full = *misses < LR_MISS_LIMIT || ++*probe % LR_PROBE == 0;
    if (!full && budget > AKTI_BUSY_PAUSE_NS) {
        budget = AKTI_BUSY_PAUSE_NS;
    }
    int64_t now = akti_now_ns();
    int64_t end = now + budget, yield_at = now + AKTI_BUSY_PAUSE_NS;
    int n = 0;
    while (n == 0 && now < end
        && !atomic_load_explicit(&tp->lr_stop, memory_order_relaxed)) {
        if (now >= yield_at) {
            akti_busy_yield(&now);
        } else {
            akti_cpu_relax();
            now = akti_now_ns();
        }
        n = epoll_wait(tp->lr_ep, ev, LR_EVENTS, 0);
    }
    if (n != 0) {
        *misses = 0;
    } else if (*misses < LR_MISS_LIMIT) {
        ++*misses;
    }
    return n;
}

/* lane_reader -- the thread that reads tcp lanes (see the top of this
 * section): detach the dead, look, busy-poll, sleep; handle what is ready */
static void *
lane_reader(void *arg)
{
    akti_tp *tp = arg;
    pthread_setname_np(pthread_self(), "akt-lane-rx");
    struct epoll_event ev[LR_EVENTS];
    uint32_t misses = 0, probe = 0;
    while (!atomic_load(&tp->lr_stop)) {
        lanes_detach(tp);
        int n = epoll_wait(tp->lr_ep, ev, LR_EVENTS, 0);
        if (n == 0 && tp->o.lane_busy_poll_ns > 0) {
            n = lane_busy_poll(tp, ev, &misses, &probe);
        }
        if (n == 0) {
            n = epoll_wait(tp->lr_ep, ev, LR_EVENTS, -1);
        }
        if (n < 0) {
            if (errno != EINTR) {
                akti_rlog(tp, AKTI_LOG_ERROR,
                    "the lane reader stopped: epoll_wait: %s", strerror(errno));
                break;
            }
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (ev[i].data.ptr == tp) {
                uint64_t v;
                ssize_t r = read(tp->lr_wake, &v, sizeof(v));
                (void)r;
            } else {
                lane_read(tp, ev[i].data.ptr);
            }
        }
    }
    return NULL;
}

/* lane_reader_start -- akti_tp_start: the reader of a tcp:// lane
 * listener's lanes; without it (an error: logged) NNG reads them */
static void
lane_reader_start(akti_tp *tp)
{
    if (tp->lane_l == NULL || strncmp(tp->listen_url, "tcp://", 6) != 0) {
        return;
    }
    tp->lr_ep = epoll_create1(EPOLL_CLOEXEC);
    tp->lr_wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tp };
    if (tp->lr_ep < 0 || tp->lr_wake < 0
        || epoll_ctl(tp->lr_ep, EPOLL_CTL_ADD, tp->lr_wake, &ev) != 0
        || pthread_create(&tp->lr_th, NULL, lane_reader, tp) != 0) {
        akti_rlog(tp, AKTI_LOG_WARN,
            "no lane reader (%s): NNG reads the data lanes", strerror(errno));
        lane_reader_fds_close(tp);
        return;
    }
    tp->lr_started = true;
}

/* lane_rx_free -- a lane unlinked from tp->lanes (no lock held) */
static void
lane_rx_free(akti_tp *tp, tp_lane_rx *l)
{
    /* closed first (it is dead: no read is armed again): that ends what
     * is queued on it. NNG 1.5.2's TLS stream never completes, cancels or
     * times out a read queued after its connection failed (its
     * tls_cancel aborts only a TCP read in flight; nni_aio_begin refuses
     * the next one without a callback), so stopping the aio first would
     * wait forever; tls_close finishes every queued operation */
    nng_stream_close(l->s);
    nng_aio_stop(l->aio); /* a read must not outlive the stream */
    nng_aio_stop(l->ack_aio);
    nng_stream_free(l->s);
    nng_aio_free(l->aio);
    nng_aio_free(l->ack_aio);
    if (l->a != NULL) {
        akti_assoc_release(l->a);
    }
    conn_remove(tp, l->id);
    free(l->buf);
    free(l);
}

/* lane_rx_new -- an accepted stream: within the connection limits, it
 * reads (its first frame must be a LaneOpen) */
static void
lane_rx_new(akti_tp *tp, nng_stream *s)
{
    char src[48] = "local";
    nng_sockaddr sa;
    if (nng_stream_get_addr(s, NNG_OPT_REMADDR, &sa) == 0) {
        source_of_sa(&sa, src, sizeof(src));
    }
    pthread_mutex_lock(&tp->conn_mu);
    uint32_t same = 0;
    for (uint32_t i = 0; i < tp->nconns; i++) {
        same += strcmp(tp->conns[i].src, src) == 0;
    }
    const char *key = tp->nconns >= tp->o.max_connections
        ? "akt.remote.max-connections"
        : same >= tp->o.max_connections_per_source
        ? "akt.remote.max-connections-per-source"
        : NULL;
    uint32_t id = 0x80000000u | (++tp->next_lane_id & 0x7fffffffu);
    if (key == NULL) {
        tp->conns[tp->nconns].pipe = id;
        snprintf(
            tp->conns[tp->nconns].src, sizeof(tp->conns[0].src), "%s", src);
        tp->nconns++;
    }
    pthread_mutex_unlock(&tp->conn_mu);
    if (key != NULL) {
        nng_stream_close(s);
        nng_stream_free(s);
        akti_tp_reject(tp, &tp->st.rejected_limit,
            "data lane from %s refused: %s reached", src, key);
        return;
    }
    tp_lane_rx *l = calloc(1, sizeof(*l));
    if (l != NULL) {
        l->buf = malloc(LANE_RX_START);
        l->cap = LANE_RX_START;
    }
    if (l == NULL || l->buf == NULL
        || nng_aio_alloc(&l->aio, lane_rx_cb, l) != 0
        || nng_aio_alloc(&l->ack_aio, NULL, NULL) != 0) {
        if (l != NULL) {
            if (l->aio != NULL) {
                nng_aio_free(l->aio);
            }
            free(l->buf);
            free(l);
        }
        nng_stream_close(s);
        nng_stream_free(s);
        conn_remove(tp, id);
        return;
    }
    (void)nng_stream_set_bool(s, NNG_OPT_TCP_NODELAY, true); /* tcp */
    l->tp = tp;
    l->s = s;
    l->id = id;
    l->opened_at = akti_now_ns();
    l->fd = tp->lr_started ? lane_fd_find(s) : -1;
    snprintf(l->src, sizeof(l->src), "%s", src);
    if (tp->lr_started && l->fd < 0) {
        akti_rlog(tp, AKTI_LOG_DEBUG,
            "data lane from %s: its socket was not found, NNG reads it", src);
    }
    pthread_mutex_lock(&tp->lane_mu);
    l->next = tp->lanes;
    tp->lanes = l;
    if (atomic_load(&tp->stopping)) {
        l->dead = true; /* akti_tp_free frees it */
        l->fd = -1;
    } else {
        if (l->fd >= 0) {
            struct epoll_event ev
                = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = l };
            if (epoll_ctl(tp->lr_ep, EPOLL_CTL_ADD, l->fd, &ev) != 0) {
                akti_rlog(tp, AKTI_LOG_DEBUG,
                    "data lane from %s: not read directly (epoll: %s)", src,
                    strerror(errno));
                l->fd = -1;
            }
        }
        if (l->fd < 0) {
            lane_rx_arm(l);
        }
        STAT_ADD(tp, lanes_direct, l->fd >= 0);
        STAT_ADD(tp, lanes_nng, l->fd < 0);
    }
    pthread_mutex_unlock(&tp->lane_mu);
}

static void
lane_accept_cb(void *arg)
{
    akti_tp *tp = arg;
    int rv = nng_aio_result(tp->lane_accept);
    if (rv == 0) {
        lane_rx_new(tp, nng_aio_get_output(tp->lane_accept, 0));
    } else if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
        return; /* akti_tp_free */
    } else {
        akti_rlog(tp, AKTI_LOG_DEBUG, "data lane accept failed: %s",
            nng_strerror(rv));
    }
    if (!atomic_load(&tp->stopping)) {
        nng_stream_listener_accept(tp->lane_l, tp->lane_accept);
    }
}

/* lanes_tick -- the ticker: lanes not bound within handshake-timeout, and
 * bound to a session that ended (another token or uid), are closed; dead
 * ones are freed */
static void
lanes_tick(akti_tp *tp, int64_t now)
{
    tp_lane_rx *dead = NULL;
    bool detach = false;
    pthread_mutex_lock(&tp->lane_mu);
    for (tp_lane_rx **pp = &tp->lanes; *pp;) {
        tp_lane_rx *l = *pp;
        if (!l->dead && l->a == NULL
            && now - l->opened_at >= tp->o.handshake_timeout_ns) {
            akti_tp_reject(tp, &tp->st.rejected_lane,
                "data lane from %s closed: no LaneOpen within "
                "handshake-timeout",
                l->src);
            l->dead = true;
        } else if (!l->dead && l->a != NULL) {
            pthread_mutex_lock(&l->a->mu);
            l->dead = atomic_load(&l->a->peer_uid) != l->uid
                || l->a->my_token != l->token;
            pthread_mutex_unlock(&l->a->mu);
        }
        if (l->dead && l->fd >= 0 && !l->detached) {
            detach = true; /* the reader's first: freed on a later tick */
            pp = &l->next;
        } else if (l->dead) {
            *pp = l->next;
            l->next = dead;
            dead = l;
        } else {
            pp = &l->next;
        }
    }
    pthread_mutex_unlock(&tp->lane_mu);
    if (detach) {
        lane_reader_detach(tp);
    }
    while (dead != NULL) {
        tp_lane_rx *l = dead;
        dead = l->next;
        lane_rx_free(tp, l);
    }
}

/* lanes_listen -- the lane listener for akt.remote.data-lanes = stream;
 * AKT_OK without one where lanes do not apply (inproc and the like) */
static akt_err
lanes_listen(akti_tp *tp)
{
    const char *u = tp->listen_url;
    char url[600], addr[600];
    bool tcp
        = strncmp(u, "tcp://", 6) == 0 || strncmp(u, "tls+tcp://", 10) == 0;
    if (tcp) {
        const char *colon = strrchr(u, ':');
        const char *acolon = strrchr(tp->address, ':');
        if (colon == NULL || acolon == NULL || colon - u < 6) {
            return AKT_EINVAL;
        }
        snprintf(url, sizeof(url), "%.*s:0", (int)(colon - u), u);
        snprintf(addr, sizeof(addr), "%.*s", (int)(acolon - tp->address),
            tp->address);
    } else if (strncmp(u, "ipc://", 6) == 0) {
        snprintf(url, sizeof(url), "%s.lane", u);
        snprintf(addr, sizeof(addr), "%s.lane", tp->address);
    } else {
        akti_rlog(tp, AKTI_LOG_INFO,
            "akt.remote.data-lanes = stream needs tcp://, tls+tcp:// or "
            "ipc://: %s keeps its sockets",
            u);
        return AKT_OK;
    }
    int rv = nng_stream_listener_alloc(&tp->lane_l, url);
    if (rv == 0 && strncmp(u, "tls+tcp://", 10) == 0 && tp->tls_server) {
        rv = nng_stream_listener_set_ptr(
            tp->lane_l, NNG_OPT_TLS_CONFIG, tp->tls_server);
    }
    if (rv == 0) {
        rv = nng_stream_listener_listen(tp->lane_l);
    }
    int port = 0;
    if (rv == 0 && tcp) {
        rv = nng_stream_listener_get_int(
            tp->lane_l, NNG_OPT_TCP_BOUND_PORT, &port);
    }
    if (rv == 0) {
        rv = nng_aio_alloc(&tp->lane_accept, lane_accept_cb, tp);
    }
    if (rv != 0) {
        akti_rlog(tp, AKTI_LOG_ERROR,
            "cannot listen for data lanes on %s (akt.remote.data-lanes = "
            "stream): %s",
            url, nng_strerror(rv));
        if (tp->lane_l != NULL) {
            nng_stream_listener_free(tp->lane_l);
            tp->lane_l = NULL;
        }
        return nng_to_akt(rv);
    }
    if (tcp) {
        size_t n = strlen(addr);
        snprintf(addr + n, sizeof(addr) - n, ":%d", port);
    }
    tp->lane_address = tp_strdup(addr);
    return tp->lane_address ? AKT_OK : AKT_ENOMEM;
}

/* lanes_close -- akti_tp_free: no more lanes accepted, every lane freed */
static void
lanes_close(akti_tp *tp)
{
    if (tp->lane_accept != NULL) {
        nng_aio_stop(tp->lane_accept);
    }
    if (tp->lane_l != NULL) {
        nng_stream_listener_close(tp->lane_l);
    }
    /* the reader first: after the join nothing reads a lane's socket, so
     * every lane may be freed (and its fd closed by NNG) */
    if (tp->lr_started) {
        atomic_store(&tp->lr_stop, true);
        lane_reader_wake(tp);
        pthread_join(tp->lr_th, NULL);
        tp->lr_started = false;
    }
    lane_reader_fds_close(tp);
    pthread_mutex_lock(&tp->lane_mu);
    tp_lane_rx *list = tp->lanes;
    tp->lanes = NULL;
    for (tp_lane_rx *l = list; l; l = l->next) {
        l->dead = true;
    }
    pthread_mutex_unlock(&tp->lane_mu);
    while (list != NULL) {
        tp_lane_rx *l = list;
        list = l->next;
        lane_rx_free(tp, l);
    }
    if (tp->lane_accept != NULL) {
        nng_aio_free(tp->lane_accept);
        tp->lane_accept = NULL;
    }
    if (tp->lane_l != NULL) {
        nng_stream_listener_free(tp->lane_l);
        tp->lane_l = NULL;
    }
}

akt_err
akti_tp_start(const akti_tp_opts *opts, akti_tp **out)
{
    if (opts == NULL || out == NULL || opts->system_name == NULL
        || opts->listen_url == NULL || opts->system_name[0] == '\0') {
        return AKT_EINVAL;
    }
    akti_tp *tp = calloc(1, sizeof(*tp));
    if (tp == NULL) {
        return AKT_ENOMEM;
    }
    akt_err rc = AKT_ENOMEM;
    tp->lr_ep = tp->lr_wake = -1;
    opts_fill(&tp->o, opts);
    tp->log_level = log_level_from_env();
    tp->system = tp_strdup(opts->system_name);
    tp->listen_url = tp_strdup(opts->listen_url);
    tp->cookie = tp_strdup(opts->cookie ? opts->cookie : "");
    tp->cookie_len = tp->cookie ? strlen(tp->cookie) : 0;
    tp->uid = opts->uid ? opts->uid : akti_tp_random64();
    tp->tls_logged = INT64_MIN / 2;
    akti_frame_limits_default(&tp->lim);
    tp->lim.max_frame_size = tp->o.max_frame_size;
    tp->lim.max_batch
        = tp->o.batch_max_envelopes > 4096 ? tp->o.batch_max_envelopes : 4096;
    tp->lim.max_message_size = tp->o.max_message_size;
    akti_pbarena_init(&tp->arena, tp->o.max_frame_size * 4 + (1u << 20));
    pthread_mutex_init(&tp->mu, NULL);
    pthread_mutex_init(&tp->conn_mu, NULL);
    pthread_mutex_init(&tp->refuse_mu, NULL);
    pthread_mutex_init(&tp->rx_mu, NULL);
    pthread_mutex_init(&tp->lane_mu, NULL);
    cond_init_mono(&tp->tick_cv);
    tp->conns = calloc(tp->o.max_connections, sizeof(*tp->conns));
    if (tp->system == NULL || tp->listen_url == NULL || tp->cookie == NULL
        || tp->conns == NULL) {
        goto fail;
    }
    if ((rc = security_check(tp)) != AKT_OK) {
        goto fail;
    }
    bool tls = strncmp(tp->listen_url, "tls+tcp://", 10) == 0
        || tp->o.tls_cert_file != NULL;
    if (tls && (rc = tls_setup(tp)) != AKT_OK) {
        goto fail;
    }
    int rv = nng_pull0_open(&tp->pull);
    if (rv != 0) {
        rc = nng_to_akt(rv);
        goto fail;
    }
    nng_socket_set_size(
        tp->pull, NNG_OPT_RECVMAXSZ, tp->o.max_frame_size + 4096);
    nng_socket_set_int(tp->pull, NNG_OPT_RECVBUF, 64);
    nng_pipe_notify(tp->pull, NNG_PIPE_EV_ADD_PRE, pipe_cb, tp);
    nng_pipe_notify(tp->pull, NNG_PIPE_EV_REM_POST, pipe_cb, tp);
    rv = nng_listener_create(&tp->listener, tp->pull, tp->listen_url);
    if (rv == 0 && tp->tls_server != NULL
        && strncmp(tp->listen_url, "tls+tcp://", 10) == 0) {
        rv = nng_listener_set_ptr(
            tp->listener, NNG_OPT_TLS_CONFIG, tp->tls_server);
    }
    if (rv == 0) {
        rv = nng_listener_start(tp->listener, 0);
    }
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
    if (tp->o.data_lanes == AKTI_LANES_STREAM
        && (rc = lanes_listen(tp)) != AKT_OK) {
        nng_close(tp->pull);
        goto fail;
    }
    lane_reader_start(tp);
    if (strncmp(tp->listen_url, "ipc://", 6) == 0
        || strncmp(tp->listen_url, "abstract://", 11) == 0) {
        tp->relisten_url = tp_strdup(tp->listen_url);
    } else if (strncmp(tp->listen_url, "tls+tcp://", 10) == 0) {
        /* the same port (a port 0 listener has bound one) */
        int port = 0;
        const char *h = tp->listen_url + 10;
        const char *colon = strrchr(h, ':');
        char buf[512];
        if (colon != NULL
            && nng_listener_get_int(tp->listener, NNG_OPT_TCP_BOUND_PORT, &port)
                == 0) {
            snprintf(buf, sizeof(buf), "tls+tcp://%.*s:%d", (int)(colon - h), h,
                port);
            tp->relisten_url = tp_strdup(buf);
        }
    }
    /* *out is written before the threads start: callbacks may run at once
     * and may look at it (remote.c keeps it in the callback's argument) */
    *out = tp;
    if (nng_aio_alloc(&tp->rx_aio, akti_tp_rx_cb, tp) == 0) {
        tp->rx_started = true;
        nng_recv_aio(tp->pull, tp->rx_aio);
    }
    if (tp->lane_accept != NULL) {
        nng_stream_listener_accept(tp->lane_l, tp->lane_accept);
    }
    if (pthread_create(&tp->tick_th, NULL, tick_thread, tp) == 0) {
        tp->tick_started = true;
    }
    if (!tp->rx_started || !tp->tick_started) {
        akti_tp_free(tp);
        *out = NULL;
        return AKT_ENOMEM;
    }
    akti_rlog(tp, AKTI_LOG_INFO,
        "listening on %s (address %s, uid %016llx%s%s)", tp->listen_url,
        tp->address, (unsigned long long)tp->uid,
        tp->lane_address ? ", data lanes at " : "",
        tp->lane_address ? tp->lane_address : "");
    return AKT_OK;
fail:
    if (tp->tls_server) {
        nng_tls_config_free(tp->tls_server);
    }
    if (tp->tls_client) {
        nng_tls_config_free(tp->tls_client);
    }
    akti_pbarena_fini(&tp->arena);
    free(tp->system);
    free(tp->listen_url);
    free(tp->cookie);
    free(tp->address);
    free(tp->conns);
    free(tp->lane_address);
    pthread_mutex_destroy(&tp->conn_mu);
    pthread_mutex_destroy(&tp->refuse_mu);
    pthread_mutex_destroy(&tp->rx_mu);
    pthread_mutex_destroy(&tp->lane_mu);
    free(tp);
    return rc;
}

/* tp_leave -- a clean exit: a Leave to every peer whose association is
 * up, then wait (at most leave_wait_ns in all) for their answers, so each
 * drops the association at once -- no failure detector, no "unreachable"
 * -- and the Leave is not lost with our sockets. */
static void
tp_leave(akti_tp *tp)
{
    pthread_mutex_lock(&tp->mu);
    akti_assoc *list = tp->assocs;
    pthread_mutex_unlock(&tp->mu);
    int n = 0;
    for (akti_assoc *a = list; a; a = a->next) {
        pthread_mutex_lock(&a->mu);
        if (a->state == AS_UP && !a->dormant && a->peer_token != 0) {
            akti_tp_send_leave(tp, a, false, "its system terminates");
            a->leave_wait = true;
            n++;
        }
        pthread_mutex_unlock(&a->mu);
    }
    if (n == 0) {
        return;
    }
    struct timespec dl;
    abs_deadline(&dl, tp->o.leave_wait_ns);
    for (akti_assoc *a = list; a; a = a->next) {
        pthread_mutex_lock(&a->mu);
        while (a->leave_wait && a->state == AS_UP) {
            if (pthread_cond_timedwait(&a->up_cv, &a->mu, &dl) == ETIMEDOUT) {
                break;
            }
        }
        if (a->leave_wait) {
            akti_rlog(tp, AKTI_LOG_DEBUG,
                "%s at %s did not answer our Leave in time", a->system, a->url);
        }
        a->leave_wait = false;
        pthread_mutex_unlock(&a->mu);
    }
}

void
akti_tp_free(akti_tp *tp)
{
    if (tp == NULL) {
        return;
    }
    pthread_mutex_lock(&tp->mu);
    tp->no_reclaim = true; /* the list below stays whole */
    pthread_mutex_unlock(&tp->mu);
    tp_leave(tp);
    pthread_mutex_lock(&tp->mu);
    atomic_store(&tp->stopping, true);
    pthread_cond_broadcast(&tp->tick_cv);
    akti_assoc *list = tp->assocs;
    pthread_mutex_unlock(&tp->mu);
    if (tp->tick_started) {
        pthread_join(tp->tick_th, NULL);
    }
    for (akti_assoc *a = list; a; a = a->next) {
        pthread_mutex_lock(&a->mu);
        for (int k = 0; k < AKTI_CH_COUNT; k++) {
            tp_chan *c = &a->ch[k];
            if (k == AKTI_CH_CONTROL) {
                ctl_quiesce(tp, c);
            }
            if (c->open) {
                nng_close(c->sock); /* unblocks a writer in nng_sendmsg */
                c->open = false;
            }
            pthread_cond_broadcast(&c->cv);
            pthread_cond_broadcast(&c->not_full);
        }
        pthread_cond_broadcast(&a->up_cv);
        pthread_mutex_unlock(&a->mu);
        for (int k = 0; k < AKTI_CH_COUNT; k++) {
            if (a->ch[k].th_started) {
                pthread_join(a->ch[k].th, NULL);
                a->ch[k].th_started = false;
            }
        }
        pthread_mutex_lock(&a->mu);
        akti_tp_lane_close(tp, a, &a->ch[AKTI_CH_ORDINARY]);
        pthread_mutex_unlock(&a->mu);
    }
    akti_tp_lane_graves(akti_now_ns());
    refusals_close(tp, 0, true);
    /* the receive is stopped before its socket closes: a callback that read
     * `stopping` false just before it was set may be re-arming the receive
     * now, and NNG 1.5.2 queues a receive that races a close on a socket it
     * then frees, leaving the aio with a cancel function into freed memory
     * (seen as "panic: pthread_mutex_lock: Invalid argument" in
     * nng_aio_stop under load). Stopped first, the aio refuses every later
     * receive (NNG_ECANCELED) and the callback has returned. */
    if (tp->rx_aio != NULL) {
        nng_aio_stop(tp->rx_aio); /* waits for a callback that is running */
    }
    nng_close(tp->pull);
    if (tp->rx_aio != NULL) {
        nng_aio_free(tp->rx_aio);
        tp->rx_aio = NULL;
    }
    lanes_close(tp);
    akti_assoc *a = list;
    while (a) {
        akti_assoc *next = a->next;
        drop_list d = { 0 };
        fail_queues(a, &d, AKT_ECLOSED);
        akti_tp_drop_flush(tp, a, &d);
        nng_msg *m;
        while ((m = ring_pop(&a->ch[AKTI_CH_CONTROL].q)) != NULL) {
            nng_msg_free(m);
        }
        assoc_destroy(a); /* whatever references remain (transport.h) */
        a = next;
    }
    if (tp->tls_server) {
        nng_tls_config_free(tp->tls_server);
    }
    if (tp->tls_client) {
        nng_tls_config_free(tp->tls_client);
    }
    akti_pbarena_fini(&tp->arena);
    free(tp->quarantined);
    free(tp->system);
    free(tp->listen_url);
    free(tp->cookie);
    free(tp->address);
    free(tp->conns);
    free(tp->relisten_url);
    free(tp->lane_address);
    pthread_mutex_destroy(&tp->conn_mu);
    pthread_mutex_destroy(&tp->refuse_mu);
    pthread_mutex_destroy(&tp->rx_mu);
    pthread_mutex_destroy(&tp->lane_mu);
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
akti_tp_lane_address(const akti_tp *tp)
{
    return tp->lane_address;
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
    G(rejected_limit);
    G(claims);
    G(reclaimed);
    G(associations_active);
    G(credit_waits);
    G(credit_grants);
    G(receive_pending_max);
    G(rejected_window);
    G(dropped_unread);
    G(listener_restarts);
    G(freed);
    G(lanes_opened);
    G(lanes_accepted);
    G(rejected_lane);
    G(lanes_direct);
    G(lanes_nng);
#undef G
    pthread_mutex_lock(&((akti_tp *)tp)->conn_mu);
    o->connections_inbound = tp->nconns;
    pthread_mutex_unlock(&((akti_tp *)tp)->conn_mu);
    pthread_mutex_lock(&((akti_tp *)tp)->lane_mu);
    o->lanes_inbound = 0;
    for (const tp_lane_rx *l = tp->lanes; l; l = l->next) {
        o->lanes_inbound++;
    }
    pthread_mutex_unlock(&((akti_tp *)tp)->lane_mu);
    /* pending now: what the windows hold (a snapshot, for monitoring).
     * a->mu is taken without tp->mu (the lock order): each association is
     * held meanwhile, so the ticker cannot free it */
    uint64_t pend = 0;
    akti_tp *mtp = (akti_tp *)tp;
    pthread_mutex_lock(&mtp->mu);
    o->associations = mtp->nassocs;
    akti_assoc **v = malloc((mtp->nassocs + 1) * sizeof(*v));
    size_t n = 0;
    for (akti_assoc *a = mtp->assocs; a && v; a = a->next) {
        akti_assoc_hold(a);
        v[n++] = a;
    }
    pthread_mutex_unlock(&mtp->mu);
    for (size_t i = 0; i < n; i++) {
        akti_assoc *a = v[i];
        pthread_mutex_lock(&a->mu);
        for (int k = AKTI_CH_ORDINARY; k <= AKTI_CH_LARGE; k++) {
            akti_credit *cr = a->ch[k].rx_credit;
            if (cr != NULL) {
                uint64_t rel = atomic_load(&cr->released);
                pend += a->ch[k].rx_held > rel ? a->ch[k].rx_held - rel : 0;
            }
        }
        pthread_mutex_unlock(&a->mu);
        akti_assoc_release(a);
    }
    free(v);
    o->receive_pending = pend;
}

void
akti_tp_credit_kick(akti_tp *tp, uint16_t id)
{
    akti_assoc *a = NULL;
    int ch = 0;
    pthread_mutex_lock(&tp->mu);
    for (akti_assoc *b = tp->assocs; b && a == NULL; b = b->next) {
        for (int k = AKTI_CH_ORDINARY; k <= AKTI_CH_LARGE; k++) {
            if (atomic_load_explicit(
                    &b->ch[k].rx_credit_id, memory_order_relaxed)
                == id) {
                a = b;
                ch = k;
                break;
            }
        }
    }
    if (a != NULL) {
        akti_assoc_hold(a); /* the ticker may free it once we unlock */
    }
    pthread_mutex_unlock(&tp->mu);
    if (a == NULL) {
        return;
    }
    pthread_mutex_lock(&a->mu);
    akti_tp_flow_grant(tp, a, ch, false);
    pthread_mutex_unlock(&a->mu);
    akti_assoc_release(a);
}
