/*
 * transport_impl.h -- what transport.c, transport_tx.c and transport_rx.c
 * share, and nothing else includes: the transport and association objects,
 * the outbound queues, and the functions one of them calls in another
 * (akti_tp_*). Each file says what it holds in its opening comment;
 * transport.c's also gives the locking rules and the invariants.
 */
#ifndef AKT_REMOTE_TRANSPORT_IMPL_H
#define AKT_REMOTE_TRANSPORT_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "remote/frame.h"
#include "remote/hmac.h"
#include "remote/phi.h"
#include "remote/transport.h"

/* --- small helpers -------------------------------------------------------- */

static inline char *
tp_strdup(const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) {
        memcpy(p, s, n);
    }
    return p;
}

static inline void
abs_deadline(struct timespec *ts, int64_t from_now_ns)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = ts->tv_nsec + from_now_ns % 1000000000;
    ts->tv_sec += from_now_ns / 1000000000 + ns / 1000000000;
    ts->tv_nsec = ns % 1000000000;
}

/* thread names show in perf, top -H and debuggers (Linux; 15 chars) */
static inline void
tp_thread_name(const char *name)
{
#if defined(__linux__) && defined(_GNU_SOURCE)
    pthread_setname_np(pthread_self(), name);
#else
    (void)name;
#endif
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
    uint32_t rlen, slen; /* strlen of recipient, sender */
    uint32_t cap; /* the block's size (transport_tx.c item_new) */
    char data[];
} tp_item;

typedef struct tp_ring {
    void **buf;
    uint32_t cap, head, len;
} tp_ring;

static inline bool
ring_init(tp_ring *r, uint32_t cap)
{
    r->buf = calloc(cap, sizeof(void *));
    r->cap = cap;
    r->head = r->len = 0;
    return r->buf != NULL;
}

static inline bool
ring_push(tp_ring *r, void *p)
{
    if (r->len == r->cap) {
        return false;
    }
    r->buf[(r->head + r->len) % r->cap] = p;
    r->len++;
    return true;
}

static inline bool
ring_push_front(tp_ring *r, void *p)
{
    if (r->len == r->cap) {
        return false;
    }
    r->head = (r->head + r->cap - 1) % r->cap;
    r->buf[r->head] = p;
    r->len++;
    return true;
}

static inline void *
ring_pop(tp_ring *r)
{
    if (r->len == 0) {
        return NULL;
    }
    void *p = r->buf[r->head];
    r->head = (r->head + 1) % r->cap;
    r->len--;
    return p;
}

static inline void *
ring_at(const tp_ring *r, uint32_t i)
{
    return r->buf[(r->head + i) % r->cap];
}

/* --- objects -------------------------------------------------------------- */

enum { AS_IDLE = 0, AS_HANDSHAKE, AS_UP };

struct tp_chan;

/* A data lane, sending side (transport_tx.c "data lanes"): the ORDINARY
 * channel's frames to a peer that announced a lane, over an nng_stream of
 * our own, each frame length-prefixed. One write is in flight at a time
 * (cur); what is sent meanwhile waits in the channel's queue and goes in
 * one frame when that write completes. Guarded by the association's mu,
 * except cur while a write is in flight (NNG's, or a sending thread's
 * with saio). */
typedef struct tp_lane {
    struct tp_chan *c;
    nng_stream *s;
    nng_aio *aio; /* a write from NNG's thread (callback: lane_sent) */
    nng_aio *saio; /* a sending thread's own write (no callback) */
    pthread_cond_t done; /* the last sending thread left (sync_users) */
    uint32_t sync_users; /* threads writing with saio now */
    int64_t sync_since; /* when the write with saio began */
    int64_t last_here; /* when a sending thread last wrote itself */
    bool congested; /* the kernel did not take a thread's whole write:
                     * NNG's thread writes until a write goes through */
    bool tls; /* tls+tcp: written from NNG's thread only (cancelling a
               * TLS write kills the connection in NNG 1.5.2) */
    uint64_t uid, token, epoch; /* the association it was opened for */
    bool busy; /* a write is in flight */
    bool failed; /* a write failed or stalled: the writer closes it */
    bool dead; /* closed (the writer frees it after the callback) */
    uint8_t *cur;
    size_t cur_len, cur_off, cap;
    akti_env_out *envs; /* lane_fill's (maxb each) */
    struct tp_item **items;
    uint32_t maxb;
    int64_t progress_at; /* the last write completed (stall check) */
} tp_lane;

/* A data lane, receiving side (transport_rx.c): an accepted stream, its
 * read buffer and the association its LaneOpen bound it to. Frames are
 * handled on the thread that read them -- the lane reader for a tcp lane,
 * else the NNG thread that completed the read -- under tp->rx_mu (the
 * receive path handles one frame at a time, whichever connection it came
 * on). tp->lane_mu guards the list, the dead and detached flags. */
typedef struct tp_lane_rx {
    struct tp_lane_rx *next;
    struct akti_tp *tp;
    nng_stream *s;
    nng_aio *aio;
    nng_aio *ack_aio; /* the one byte that tells the opener it is bound */
    bool acked;
    uint8_t *buf;
    size_t len, cap;
    akti_assoc *a; /* bound (a reference of its own), or NULL */
    uint64_t uid, token;
    int64_t opened_at;
    uint32_t id; /* in tp->conns (high bit set) */
    bool dead; /* ended: the ticker frees it (lane_mu) */
    /* the socket our lane reader reads (tcp), or -1: NNG reads it; a dead
     * one is freed only once the reader took it out of its epoll set
     * (detached; lane_mu) */
    int fd;
    bool detached;
    char src[48];
} tp_lane_rx;

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
    /* when the last data frame went (ORDINARY, socket; a->mu): a producer
     * sends on its own thread only when the channel was idle this long */
    int64_t last_frame_at;
    bool filling; /* the writer lets a burst's queue fill (FILL_NS) */
    _Atomic uint64_t epoch; /* connection epoch stamped on our frames */
    size_t qbytes; /* payload bytes in q (ORDINARY, LARGE) */
    /* flow control (ORDINARY, LARGE; a->mu). Sending: what we sent to the
     * peer's current incarnation and what it granted (idl/remote.proto
     * Flow); the writer sends only within the grant. */
    uint64_t fc_sent, fc_sent_bytes;
    uint64_t fc_limit, fc_limit_bytes;
    bool fc_starved; /* items wait and the grant is used up */
    /* what the peer last said it has seen (Flow `seen`), and when the
     * sender last saw progress while starved: no progress for
     * stall-timeout with envelopes unseen is a stalled connection */
    uint64_t peer_seen;
    int64_t progress_at;
    /* the connection was re-created: what we had sent up to here is sent
     * (seen or lost); said in every Flow until the peer has seen it */
    uint64_t fc_lost_upto, fc_lost_upto_bytes;
    /* Receiving (the peer's frames on this channel): the highest counts
     * its frames (or probes) reported, this incarnation; the envelopes
     * our callback kept and their footprint (cumulative for the life of
     * the association, as the core's released counters are); the last
     * grant sent */
    uint64_t rx_seen, rx_seen_bytes;
    uint64_t rx_held, rx_held_bytes;
    uint64_t rx_granted, rx_granted_bytes;
    uint64_t rx_probe; /* a starved peer's sent count, answered when seen */
    akti_credit *rx_credit; /* NULL: envelopes consumed on return */
    _Atomic uint16_t rx_credit_id; /* read by akti_tp_credit_kick */
    bool rx_credit_tried;
    pthread_t th;
    bool th_started;
    bool quit; /* the writer exits: the association goes to sleep */
    struct akti_assoc *a;
    /* connections up on sock (its pipe events; no lock: NNG runs them) */
    _Atomic int npipes;
    atomic_bool had_pipe; /* a later connection is a reconnection */
    /* CONTROL only: the writer dials itself, blocking, when it has frames
     * to send and no connection (akti_tp_ctl_connect), so a refused
     * connection is known at once; a->mu guards these */
    bool dialer_open; /* dialer exists (started or not) */
    int64_t dial_since; /* a dial is under way since (0: none) */
    int64_t dial_next; /* no new dial before this (backoff) */
    bool dial_aborted; /* the ticker gave up on a dial that hung */
    /* ORDINARY only: the data lane to the peer (NULL: none open; its
     * frames go over sock meanwhile), and when the next dial may start
     * (backoff); a->mu */
    tp_lane *lane;
    int64_t lane_next;
    uint32_t lane_fails; /* dials failed in a row */
    /* a lane is opened by a thread of its own (lane_opener), never by
     * the writer, so the socket carries the frames meanwhile: started,
     * done (to be joined), its aio while it waits (cancelled, with
     * lane_abort set, when the writer exits); lane_ready: opened, takes
     * over from the socket once the peer has seen all the socket sent */
    pthread_t lane_th;
    bool lane_th_started, lane_th_done;
    atomic_bool lane_abort;
    nng_aio *lane_oaio;
    nng_stream *lane_os; /* the stream it opens, until it has an answer */
    int64_t lane_os_until; /* then the ticker closes lane_os */
    bool lane_os_late; /* it did (not a refusal by the peer) */
    tp_lane *lane_ready;
} tp_chan;

/* the data channels' queues (ORDINARY, LARGE) count their payload bytes */
static inline bool
chan_q_push(tp_chan *c, tp_item *it)
{
    if (!ring_push(&c->q, it)) {
        return false;
    }
    c->qbytes += it->plen;
    return true;
}

static inline bool
chan_q_push_front(tp_chan *c, tp_item *it)
{
    if (!ring_push_front(&c->q, it)) {
        return false;
    }
    c->qbytes += it->plen;
    return true;
}

static inline tp_item *
chan_q_pop(tp_chan *c)
{
    tp_item *it = ring_pop(&c->q);
    if (it != NULL) {
        c->qbytes -= it->plen;
    }
    return it;
}

typedef struct tp_drop {
    tp_item *it;
    akt_err reason;
} tp_drop;

struct akti_assoc {
    akti_tp *tp;
    akti_assoc *next;
    char *url;
    char system[257]; /* the peer's system name ("" until known); a->mu */
    pthread_mutex_t mu;
    pthread_cond_t up_cv;
    int state;
    _Atomic uint64_t peer_uid;
    uint64_t my_token; /* the peer puts it in frames to us */
    uint64_t peer_token; /* we put it in frames to the peer */
    int64_t hs_start, hs_last, gated_until;
    bool hs_failed;
    /* why the last handshake failed (akti_tp_hs_fail): sends while gated
     * are dropped with fail_err; logged_err is the failure last logged at
     * warn (a repeat goes to debug until the association comes up) */
    akt_err fail_err, logged_err;
    char fail_text[320];
    /* the failure detector declared the peer down and no handshake has
     * completed since: ordinary sends fail at once (AKT_EPEER) instead of
     * queueing behind a handshake with a node that is gone, while a
     * handshake still runs so that a restarted node is found */
    bool known_down;
    /* the peer left (its Leave): no failure to detect; reclaimed at once */
    bool left;
    int64_t down_at; /* when known_down was set: reconnects are tried for
                      * idle-timeout after it */
    uint64_t last_uid; /* the incarnation declared unreachable: its return
                        * is logged */
    /* sessions (idl/remote.proto Hello.session): ours with this peer, and
     * the highest number seen from session_uid in a confirmed Hello */
    uint64_t my_session, peer_session, session_uid;
    /* one of the sockets connected again after a loss: the ticker sends a
     * Hello to check that the same incarnation is there (a node restarted
     * at the address answers with its new uid at once) */
    atomic_bool reconnected;
    /* we left: a Leave is out, waiting for its answer (akti_tp_free) */
    bool leave_wait;
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
    /* the authenticated handshake (transport_rx.c): our challenge for
     * this association, fixed for its life; the peer's, as last claimed */
    uint8_t my_nonce[AKTI_HELLO_NONCE_LEN];
    uint8_t peer_nonce[AKTI_HELLO_NONCE_LEN];
    bool have_peer_nonce;
    uint64_t claim_uid; /* a new incarnation claimed here, not confirmed */
    int64_t claim_at;
    /* reclaiming (transport.c): a dormant association holds no socket,
     * thread or queue memory until it is used again */
    int64_t last_active;
    bool dormant;
    atomic_bool pinned; /* handed out (akti_tp_assoc, a callback) */
    /* references: the table's (while linked in tp->assocs) and one per
     * holder (akti_tp_assoc, akti_assoc_hold, the receive path and the
     * ticker's helpers for the time they use it). Taken from the table
     * only under tp->mu; the ticker unlinks and frees an association
     * whose only reference is the table's (assoc_reclaim) */
    _Atomic uint32_t refs;
    /* the peer's data-lane URL from its confirmed Hello ("": none) */
    char peer_lane[256];
    /* its lane could not be opened (3 dials in a row failed): ORDINARY
     * goes over the PUSH socket for the life of the association */
    bool lane_off;
    bool inbound; /* created for a peer's Hello, not by akti_tp_assoc */
    char src[48]; /* inbound: the source address of that Hello */
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
    /* incarnations whose session with us ended lately (left, reset,
     * replaced): frames still in flight from them are expected, dropped
     * quietly (a ring; tp->mu) */
    uint64_t gone[32];
    uint32_t ngone;
    atomic_bool stopping;
    /* refusals (transport_rx.c): per claimed address, when one was last
     * sent and logged (receive callback only) */
    struct tp_refusal {
        uint64_t hash;
        int64_t sent, logged;
        uint64_t quiet; /* refused since the last log line */
    } refusals[32];
    int64_t refusal_log_at; /* the second whose log lines are counted */
    uint32_t refusal_log_n;
    /* one-shot sockets carrying a Refusal, closed by the ticker after
     * they had time to deliver it; refuse_mu */
    pthread_mutex_t refuse_mu;
    struct tp_refuse_sock {
        nng_socket s;
        int64_t close_at;
        bool used;
    } refuse_socks[8];
    nng_aio *rx_aio; /* the one receive in flight on pull */
    /* the listener watch (transport.c listener_watch): ticker only */
    char *relisten_url; /* NULL: not watched (tcp://) */
    int64_t lw_next;
    uint64_t lw_errs, lw_auth;
    uint64_t tls_refused; /* incoming TLS handshakes that failed */
    int64_t tls_logged;
    pthread_t tick_th;
    bool rx_started, tick_started;
    akti_pbarena arena;
    /* the receive path's last association, with a reference of its own
     * (find_by_uid takes it out while a frame is handled and puts it
     * back; assoc_reclaim takes it out to free an association only the
     * table and the cache refer to) */
    _Atomic(akti_assoc *) rx_last;
    int log_level;
    size_t cookie_len;
    uint32_t nassocs; /* in tp->assocs, dormant ones included */
    /* akti_tp_free started: the ticker frees no association (tp->mu) */
    bool no_reclaim;
    /* the peers known down when their association was freed (a ring;
     * tp->mu): a new association with that address starts known down,
     * so sends to it fail at once as they did (assoc_add_locked) */
    struct tp_tomb {
        uint64_t url_hash, uid;
        int64_t down_at;
        bool left; /* it left (a clean exit), not found down */
    } tombs[64];
    uint32_t ntombs;
    /* inbound connections (the listener's pipes): per source, bounded */
    struct tp_conn {
        uint32_t pipe;
        char src[48];
    } *conns;
    uint32_t nconns;
    pthread_mutex_t conn_mu;
    struct {
        _Atomic uint64_t frames_sent, frames_received, envelopes_sent,
            envelopes_received, bytes_sent, bytes_received, rejected_corrupt,
            rejected_unauth, rejected_handshake, dropped, system_resends,
            stalls, failures_detected, quarantines, handshakes, stale_frames,
            rejected_limit, claims, reclaimed, associations_active,
            credit_waits, credit_grants, receive_pending_max, rejected_window,
            dropped_unread, listener_restarts, freed, lanes_opened,
            lanes_accepted, rejected_lane, lanes_direct, lanes_nng;
    } st;
    _Atomic uint64_t next_epoch; /* connection epochs handed out */
    /* data lanes (akt.remote.data-lanes = stream): our lane listener and
     * its address (announced in our Hellos), the accepted lanes; the
     * receive path's lock (the PULL callback and every lane's reads
     * handle frames one at a time, in tp->arena). Lock order: rx_mu,
     * then a->mu, then tp->mu; lane_mu is never taken with a->mu held. */
    nng_stream_listener *lane_l;
    nng_aio *lane_accept;
    char *lane_address;
    pthread_mutex_t rx_mu, lane_mu;
    tp_lane_rx *lanes;
    uint32_t next_lane_id;
    /* the lane reader (tcp:// listeners; transport.c "data lanes, the
     * receiving side"): its epoll set of lane sockets and the eventfd that
     * wakes it (-1: none, NNG reads every lane); lr_detach: a lane it
     * reads was marked dead (it takes such lanes out of its set);
     * lr_stop: lanes_close ends it */
    int lr_ep, lr_wake;
    pthread_t lr_th;
    bool lr_started;
    atomic_bool lr_detach, lr_stop;
};

#define STAT_ADD(tp, f, n)                                                     \
    atomic_fetch_add_explicit(&(tp)->st.f, (n), memory_order_relaxed)

/* Drops collected under a->mu are reported after unlocking. */
typedef struct drop_list {
    tp_drop *v;
    size_t n, cap;
} drop_list;

/* Pending peer events, reported after unlocking. */
typedef struct ev_list {
    struct {
        akti_peer_event ev;
        uint64_t uid;
        const char *reason;
    } v[4];
    int n;
} ev_list;

/* --- defined in transport.c ---------------------------------------------- */

/* akti_tp_reject -- count a rejected frame in *counter; log it the first
 * 10 times, then every 1000th */
AKTI_INTERNAL void akti_tp_reject(
    akti_tp *tp, _Atomic uint64_t *counter, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
AKTI_INTERNAL uint64_t akti_tp_random64(void); /* never 0: uids, tokens */
/* akti_tp_chan_open -- c's PUSH socket, dialing a's peer, stamped with a
 * new connection epoch */
AKTI_INTERNAL akt_err akti_tp_chan_open(akti_tp *tp, akti_assoc *a, tp_chan *c);
AKTI_INTERNAL void akti_tp_quarantine_add(akti_tp *tp, uint64_t uid);
/* the ring of incarnations whose session ended lately */
AKTI_INTERNAL void akti_tp_gone_add(akti_tp *tp, uint64_t uid);
AKTI_INTERNAL bool akti_tp_gone(akti_tp *tp, uint64_t uid);
/* a drop_list or ev_list is filled under a->mu and flushed (on_drop,
 * on_peer) after unlocking; a dropped item is the list's from then on */
AKTI_INTERNAL void akti_tp_drop_add(drop_list *d, tp_item *it, akt_err reason);
AKTI_INTERNAL void akti_tp_drop_flush(akti_tp *tp, akti_assoc *a, drop_list *d);
AKTI_INTERNAL void akti_tp_ev_add(
    ev_list *l, akti_peer_event ev, uint64_t uid, const char *reason);
AKTI_INTERNAL void akti_tp_ev_flush(akti_tp *tp, akti_assoc *a, ev_list *l);
/* incarnation and handshake state; a->mu held */
AKTI_INTERNAL void akti_tp_reset_incarnation(
    akti_tp *tp, akti_assoc *a, drop_list *d, akt_err reason);
AKTI_INTERNAL void akti_tp_start_handshake(
    akti_tp *tp, akti_assoc *a, int64_t now);
AKTI_INTERNAL void akti_tp_become_up(akti_tp *tp, akti_assoc *a, ev_list *evs);
AKTI_INTERNAL void akti_tp_quarantine_peer(
    akti_tp *tp, akti_assoc *a, const char *reason, drop_list *d, ev_list *evs);
/* akti_tp_end_session -- the session with a's peer incarnation ends but
 * the incarnation is not quarantined (the failure detector, or the peer
 * started a new session): AKTI_PEER_DOWN, unacked system messages and
 * envelopes bound to it dropped with AKT_EPEER; a handshake between the
 * same incarnations may follow. bump: we end it (our session number
 * rises). a->mu held. */
AKTI_INTERNAL void akti_tp_end_session(akti_tp *tp, akti_assoc *a,
    const char *reason, bool bump, drop_list *d, ev_list *evs);

/* akti_tp_hs_fail -- the handshake with a's peer failed for err, text
 * saying why: queued messages are dropped with err, sends are gated for
 * gate-time, akti_assoc_wait_up returns err; logged at warn once per cause
 * in a row. a->mu held. */
AKTI_INTERNAL void akti_tp_hs_fail(akti_tp *tp, akti_assoc *a, int64_t now,
    akt_err err, const char *text, drop_list *d, ev_list *evs);
/* akti_tp_ctl_connect -- c (CONTROL) has frames to send and no
 * connection: dial, blocking, on the writer's thread (a->mu released
 * meanwhile). true: connected. a->mu held. */
AKTI_INTERNAL bool akti_tp_ctl_connect(akti_tp *tp, akti_assoc *a, tp_chan *c);
/* akti_tp_send_refusal -- tell the address a refused Hello claims why
 * (a one-shot socket, at most 8 at a time) */
AKTI_INTERNAL void akti_tp_send_refusal(akti_tp *tp, const char *url,
    uint64_t to_uid, const uint8_t *echo, int code, const char *system);

/* akti_tp_assoc_wake -- a dormant association gets its sockets, threads
 * and queues back (AKT_OK, or why not); a->mu held */
AKTI_INTERNAL akt_err akti_tp_assoc_wake(akti_tp *tp, akti_assoc *a);
/* akti_tp_source_of_msg -- the host m came from ("local": ipc, inproc) */
AKTI_INTERNAL void akti_tp_source_of_msg(nng_msg *m, char *buf, size_t n);
/* akti_tp_assoc_inbound -- the association for the address a valid Hello
 * claims (created, within the limits, when there is none), with a
 * reference the caller releases (akti_assoc_release); NULL when a limit
 * refused it (counted, logged). Receiver thread only. */
AKTI_INTERNAL akti_assoc *akti_tp_assoc_inbound(
    akti_tp *tp, const char *url, const char *system, const char *src);

/* --- defined in transport_tx.c ------------------------------------------- */

/* control frames, queued on a's CONTROL channel; a->mu held */
AKTI_INTERNAL void akti_tp_send_hello(akti_tp *tp, akti_assoc *a);
AKTI_INTERNAL void akti_tp_send_ack(akti_tp *tp, akti_assoc *a, bool nack);
AKTI_INTERNAL void akti_tp_send_heartbeat(
    akti_tp *tp, akti_assoc *a, int64_t now);
AKTI_INTERNAL void akti_tp_send_quarantine(
    akti_tp *tp, akti_assoc *a, const char *reason);
AKTI_INTERNAL void akti_tp_send_leave(
    akti_tp *tp, akti_assoc *a, bool ack, const char *reason);
/* flow control (transport_tx.c); a->mu held. akti_tp_flow_reset: a new
 * peer incarnation (counts per pair start again). akti_tp_flow_grant:
 * recompute the grants of channel ch and send a Flow frame when one moved
 * by a step (or always, with force); arms the credit slot's marks.
 * akti_tp_send_flow: the grants of both channels and, for a starved
 * channel, what we sent (the ticker's periodic refresh). */
AKTI_INTERNAL void akti_tp_flow_reset(akti_assoc *a);
AKTI_INTERNAL void akti_tp_flow_grant(
    akti_tp *tp, akti_assoc *a, int ch, bool force);
AKTI_INTERNAL void akti_tp_send_flow(akti_tp *tp, akti_assoc *a);
/* akti_tp_flow_seen -- the peer reported its cumulative counts on ch
 * (a data frame's fc_seq/fc_bytes, or a probe); a->mu held */
AKTI_INTERNAL void akti_tp_flow_seen(
    akti_assoc *a, int ch, uint64_t seq, uint64_t bytes);
/* akti_tp_flow_stall_check -- the ticker: a channel out of credit whose
 * peer has not seen all we sent and showed no progress for stall-timeout
 * has a stalled connection: re-create it (a->mu held) */
AKTI_INTERNAL void akti_tp_flow_stall_check(
    akti_tp *tp, akti_assoc *a, int64_t now);
/* data lanes (transport_tx.c): lane_use -- a's ORDINARY frames go over
 * a data lane (lanes on here, the peer announced one); a->mu held.
 * akti_tp_lane_close -- close c's lane (a->mu held; released and taken
 * again while NNG finishes with it). */
AKTI_INTERNAL bool akti_tp_lane_use(const akti_tp *tp, const akti_assoc *a);
AKTI_INTERNAL void akti_tp_lane_close(akti_tp *tp, akti_assoc *a, tp_chan *c);
/* akti_tp_lane_graves -- free the buried dialers of failed lane dials
 * old enough (tickers, akti_tp_free; transport_tx.c "graveyard") */
AKTI_INTERNAL void akti_tp_lane_graves(int64_t now);
/* the writer threads (arg: the tp_chan they drain) */
AKTI_INTERNAL void *akti_tp_control_writer(void *arg);
AKTI_INTERNAL void *akti_tp_data_writer(void *arg);

/* --- defined in transport_rx.c ------------------------------------------- */

/* akti_tp_rx_bytes -- what the receive callback does with one frame's
 * bytes (src: the source host), for the handshake fuzzer
 * (tests/remote/fuzz_handshake.c): call it only where no receive runs
 * (the receive path handles one frame at a time) */
AKTI_INTERNAL void akti_tp_rx_bytes(
    akti_tp *tp, const void *data, size_t len, const char *src);
/* akti_tp_rx_cb -- the PULL socket's receive callback (arg: the akti_tp) */
AKTI_INTERNAL void akti_tp_rx_cb(void *arg);
/* akti_tp_lane_rx_frame -- one frame read from an accepted data lane
 * (tp->rx_mu held): the first must be a LaneOpen that verifies, which
 * binds the lane; later ones must be ORDINARY Batches of that peer. false:
 * the lane is to be closed (counted, logged). Also the handshake fuzzer's
 * entry for lane frames. */
AKTI_INTERNAL bool akti_tp_lane_rx_frame(
    akti_tp *tp, tp_lane_rx *l, const void *data, size_t len);
/* akti_tp_rx_frag_reset -- forget a's partly reassembled large message */
AKTI_INTERNAL void akti_tp_rx_frag_reset(akti_assoc *a);

#endif /* AKT_REMOTE_TRANSPORT_IMPL_H */
