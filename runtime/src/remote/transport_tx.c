/*
 * transport_tx.c -- the transport's outbound side: akti_assoc_send (the
 * send path: queues, overflow, the inline send of an idle ORDINARY
 * channel), the control frames (Hello, Ack, Heartbeat, Quarantine), and the
 * writer threads that drain each channel into its PUSH socket, batching
 * envelopes, fragmenting large ones, resending unacknowledged system
 * messages and re-creating a socket that stalls. Locking as in
 * transport.c: no lock is held while a writer blocks in NNG.
 */
#include "remote/transport_impl.h"

#include <errno.h>
#include <stdio.h>

/* --- outbound items ------------------------------------------------------- */

/* A thread that sends keeps the small items it frees (at most ITEM_SMALL
 * bytes each, at most ITEM_CACHE of them) in a cache of its own for its
 * next sends: a burst's items are freed a batch at a time, more than
 * malloc's per-thread cache holds, and each then cost a trip through its
 * bins. A thread that only frees items (a writer, one of NNG's) keeps
 * none. Cached items are plain malloc blocks: free() takes any item
 * anywhere. */
#define ITEM_SMALL 512
#define ITEM_CACHE 512
typedef struct item_cache {
    tp_item *head; /* linked through their first word */
    uint32_t n;
    bool sends;
} item_cache;
static _Thread_local item_cache t_items;
static pthread_key_t items_key;
static pthread_once_t items_once = PTHREAD_ONCE_INIT;
static bool items_keyed;

/* items_drop -- a thread that cached items exits: they are freed */
static void
items_drop(void *arg)
{
    item_cache *ic = arg;
    while (ic->head != NULL) {
        tp_item *it = ic->head;
        ic->head = *(tp_item **)it;
        free(it);
    }
    ic->n = 0;
}

static void
items_key_make(void)
{
    items_keyed = pthread_key_create(&items_key, items_drop) == 0;
}

/* item_free -- it is done with: into this thread's cache when it is small
 * and the thread sends, else freed */
static void
item_free(tp_item *it)
{
    item_cache *ic = &t_items;
    if (ic->sends && ic->n < ITEM_CACHE && it->cap <= ITEM_SMALL) {
        *(tp_item **)it = ic->head;
        ic->head = it;
        ic->n++;
        return;
    }
    free(it);
}

static tp_item *
item_new(const akti_envelope *e, uint64_t uid)
{
    size_t slen = e->sender ? e->sender_len : 0;
    size_t size
        = sizeof(tp_item) + e->recipient_len + 1 + slen + 1 + e->payload_len;
    item_cache *ic = &t_items;
    if (!ic->sends) {
        /* this thread's first send: its cache is freed when it exits */
        pthread_once(&items_once, items_key_make);
        ic->sends = items_keyed && pthread_setspecific(items_key, ic) == 0;
    }
    tp_item *it = ic->head;
    if (it != NULL) {
        ic->head = *(tp_item **)it;
        ic->n--;
        if (it->cap < size) { /* sizes changed: the cache turns over */
            free(it);
            it = NULL;
        }
    }
    if (it == NULL) {
        it = malloc(size);
        if (it != NULL) {
            it->cap = (uint32_t)(size <= ITEM_SMALL ? size : ITEM_SMALL + 1);
        }
    }
    if (it == NULL) {
        return NULL;
    }
    it->uid = uid;
    it->seq = 0;
    it->type_id = e->type_id;
    it->recipient = it->data;
    memcpy(it->recipient, e->recipient, e->recipient_len);
    it->recipient[e->recipient_len] = '\0';
    it->sender = it->recipient + e->recipient_len + 1;
    if (slen) {
        memcpy(it->sender, e->sender, slen);
    }
    it->sender[slen] = '\0';
    it->payload = (uint8_t *)(it->sender + slen + 1);
    if (e->payload_len) {
        memcpy(it->payload, e->payload, e->payload_len);
    }
    it->plen = e->payload_len;
    it->rlen = (uint32_t)e->recipient_len; /* checked: <= 1024 */
    it->slen = (uint32_t)slen;
    return it;
}

static inline void
fill_env_out(akti_env_out *o, const tp_item *it)
{
    o->recipient = it->recipient;
    o->rlen = it->rlen;
    o->sender = it->sender;
    o->slen = it->slen;
    o->type_id = it->type_id;
    o->payload = it->payload;
    o->plen = it->plen;
    o->seq = it->seq;
}

/* data_pack -- a data frame of the n envelopes (akti_batch_pack: protobuf's
 * bytes without protobuf-c's two passes and strlen calls); a new nng_msg,
 * or NULL on ENOMEM */
static nng_msg *
data_pack(const akti_batch_hdr *h, const akti_env_out *e, size_t n)
{
    size_t len = akti_batch_size(h, e, n);
    nng_msg *m;
    if (nng_msg_alloc(&m, len) != 0) {
        return NULL;
    }
    akti_batch_pack(h, e, n, nng_msg_body(m));
    return m;
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

/* --- frames out ----------------------------------------------------------- */

/* tp_pack -- f's header is filled for association a (its lock held or the
 * values copied); returns a new nng_msg or NULL on ENOMEM. */
static nng_msg *
tp_pack(akti_tp *tp, Akt__Remote__Frame *f)
{
    size_t n = akt__remote__frame__get_packed_size(f);
    nng_msg *m;
    if (nng_msg_alloc(&m, n) != 0) {
        return NULL;
    }
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
    if (m == NULL) {
        return;
    }
    if (c->q.cap == 0) { /* asleep: nothing goes out */
        nng_msg_free(m);
        return;
    }
    if (!ring_push(&c->q, m)) {
        /* full of stale hellos/heartbeats (peer unreachable): drop oldest */
        nng_msg *old = ring_pop(&c->q);
        nng_msg_free(old);
        ring_push(&c->q, m);
    }
    if (c->waiting) {
        pthread_cond_signal(&c->cv);
    }
}

void
akti_tp_send_hello(akti_tp *tp, akti_assoc *a) /* a->mu held */
{
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__Hello h = AKT__REMOTE__HELLO__INIT;
    uint8_t mac[AKTI_HELLO_MAC_LEN];
    h.version = AKTI_REMOTE_PROTOCOL_VERSION;
    h.system = tp->system;
    h.address = tp->address;
    h.uid = tp->uid;
    h.to_system = a->system;
    h.to_uid = atomic_load(&a->peer_uid);
    h.token = h.to_uid ? a->my_token : 0;
    h.have_your_token = a->peer_token != 0;
    h.your_token = a->peer_token;
    h.session = a->my_session;
    h.lane = tp->lane_address != NULL ? tp->lane_address : "";
    h.nonce.data = a->my_nonce;
    h.nonce.len = sizeof(a->my_nonce);
    if (a->have_peer_nonce) {
        h.echo.data = a->peer_nonce;
        h.echo.len = sizeof(a->peer_nonce);
    }
    akti_hello_mac(tp->cookie, tp->cookie_len, &h, mac);
    h.mac.data = mac;
    h.mac.len = sizeof(mac);
    frame_hdr(tp, a, &f, AKTI_CH_CONTROL);
    f.token = 0;
    f.body_case = AKT__REMOTE__FRAME__BODY_HELLO;
    f.hello = &h;
    ctl_enqueue(a, tp_pack(tp, &f));
    a->hs_last = akti_now_ns();
}

void
akti_tp_send_ack(akti_tp *tp, akti_assoc *a, bool nack) /* a->mu held */
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

void
akti_tp_send_heartbeat(akti_tp *tp, akti_assoc *a, int64_t now) /* a->mu held */
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

void
akti_tp_send_quarantine(
    akti_tp *tp, akti_assoc *a, const char *reason) /* a->mu held */
{
    if (a->peer_token == 0 || atomic_load(&a->peer_uid) == 0) {
        return;
    }
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__Quarantine q = AKT__REMOTE__QUARANTINE__INIT;
    q.uid = atomic_load(&a->peer_uid);
    q.reason = (char *)reason;
    frame_hdr(tp, a, &f, AKTI_CH_CONTROL);
    f.body_case = AKT__REMOTE__FRAME__BODY_QUARANTINE;
    f.quarantine = &q;
    ctl_enqueue(a, tp_pack(tp, &f));
}

void
akti_tp_send_leave(
    akti_tp *tp, akti_assoc *a, bool ack, const char *reason) /* a->mu held */
{
    if (a->peer_token == 0 || atomic_load(&a->peer_uid) == 0) {
        return;
    }
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__Leave l = AKT__REMOTE__LEAVE__INIT;
    l.reason = (char *)reason;
    l.ack = ack;
    frame_hdr(tp, a, &f, AKTI_CH_CONTROL);
    f.body_case = AKT__REMOTE__FRAME__BODY_LEAVE;
    f.leave = &l;
    ctl_enqueue(a, tp_pack(tp, &f));
}

/* --- flow control ---------------------------------------------------------
 * Per data channel and direction (idl/remote.proto Flow). The receiver's
 * window for a channel holds what the peer sent that we have not yet seen
 * plus what we delivered that is not yet consumed: the grant is
 *     limit = seen + window - pending
 * (pending = envelopes our callback kept and the core has not reported
 * consumed; in bytes: their footprint). It is sent when it moved by a
 * quarter of the window, at association up, and refreshed with each
 * heartbeat; the credit slot's marks make the consuming thread kick the
 * next recomputation (akti_tp_credit_kick). */

void
akti_tp_flow_reset(akti_assoc *a) /* a->mu held */
{
    for (int k = AKTI_CH_ORDINARY; k <= AKTI_CH_LARGE; k++) {
        tp_chan *c = &a->ch[k];
        c->fc_sent = c->fc_sent_bytes = 0;
        c->fc_limit = c->fc_limit_bytes = 0;
        c->fc_starved = false;
        c->peer_seen = 0;
        c->progress_at = 0;
        c->fc_lost_upto = c->fc_lost_upto_bytes = 0;
        c->rx_seen = c->rx_seen_bytes = 0;
        c->rx_granted = c->rx_granted_bytes = 0;
        c->rx_probe = 0;
    }
}

void
akti_tp_flow_seen(akti_assoc *a, int ch, uint64_t seq, uint64_t bytes)
{
    tp_chan *c = &a->ch[ch];
    if (seq > c->rx_seen) {
        c->rx_seen = seq;
    }
    if (bytes > c->rx_seen_bytes) {
        c->rx_seen_bytes = bytes;
    }
}

static void
fill_window(const tp_chan *c, Akt__Remote__Window *w)
{
    akt__remote__window__init(w);
    w->limit = c->rx_granted;
    w->limit_bytes = c->rx_granted_bytes;
    w->seen = c->rx_seen;
    if (c->fc_starved) {
        w->sent = c->fc_sent;
        w->sent_bytes = c->fc_sent_bytes;
    }
    w->lost_upto = c->fc_lost_upto;
    w->lost_upto_bytes = c->fc_lost_upto_bytes;
}

void
akti_tp_send_flow(akti_tp *tp, akti_assoc *a) /* a->mu held */
{
    if (a->state != AS_UP || a->peer_token == 0) {
        return;
    }
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    Akt__Remote__Flow fl = AKT__REMOTE__FLOW__INIT;
    Akt__Remote__Window wo, wl;
    fill_window(&a->ch[AKTI_CH_ORDINARY], &wo);
    fill_window(&a->ch[AKTI_CH_LARGE], &wl);
    fl.ordinary = &wo;
    fl.large = &wl;
    frame_hdr(tp, a, &f, AKTI_CH_CONTROL);
    f.body_case = AKT__REMOTE__FRAME__BODY_FLOW;
    f.flow = &fl;
    ctl_enqueue(a, tp_pack(tp, &f));
    STAT_ADD(tp, credit_grants, 1);
}

/* the grant the window allows now; rel/relb: the slot's counters read */
static void
window_limit(const akti_tp *tp, const tp_chan *c, uint64_t *lim, uint64_t *limb,
    uint64_t *rel, uint64_t *relb)
{
    *rel = c->rx_credit
        ? atomic_load_explicit(&c->rx_credit->released, memory_order_acquire)
        : 0;
    *relb = c->rx_credit ? atomic_load_explicit(
                &c->rx_credit->released_bytes, memory_order_acquire)
                         : 0;
    uint64_t pend = c->rx_held > *rel ? c->rx_held - *rel : 0;
    uint64_t pendb = c->rx_held_bytes > *relb ? c->rx_held_bytes - *relb : 0;
    akti_tp *mtp = (akti_tp *)tp; /* a high-water mark, for the stats */
    uint64_t hw = atomic_load_explicit(
        &mtp->st.receive_pending_max, memory_order_relaxed);
    if (pend > hw) {
        atomic_store_explicit(
            &mtp->st.receive_pending_max, pend, memory_order_relaxed);
    }
    uint64_t w = tp->o.receive_window, wb = tp->o.receive_window_bytes;
    *lim = c->rx_seen + (pend < w ? w - pend : 0);
    *limb = c->rx_seen_bytes + (pendb < wb ? wb - pendb : 0);
}

void
akti_tp_flow_grant(
    akti_tp *tp, akti_assoc *a, int ch, bool force) /* a->mu held */
{
    tp_chan *c = &a->ch[ch];
    uint64_t step = tp->o.receive_window / 4,
             stepb = tp->o.receive_window_bytes / 4;
    step = step ? step : 1;
    stepb = stepb ? stepb : 1;
    bool send = false;
    for (;;) {
        uint64_t lim, limb, rel, relb;
        window_limit(tp, c, &lim, &limb, &rel, &relb);
        bool moved = lim >= c->rx_granted + step
            || limb >= c->rx_granted_bytes + stepb || c->rx_granted == 0;
        if ((force || moved)
            && (lim > c->rx_granted || limb > c->rx_granted_bytes)) {
            if (lim > c->rx_granted) {
                c->rx_granted = lim;
            }
            if (limb > c->rx_granted_bytes) {
                c->rx_granted_bytes = limb;
            }
            send = true;
        }
        if (c->rx_credit == NULL) {
            break;
        }
        /* wake us when consumption would move the grant by a step */
        uint64_t need
            = c->rx_granted + step > lim ? c->rx_granted + step - lim : 1;
        uint64_t needb = c->rx_granted_bytes + stepb > limb
            ? c->rx_granted_bytes + stepb - limb
            : 1;
        /* sequentially consistent with the consumer's add-then-read of
         * the mark (akti_credit_release): a consumption between our read
         * and this store that passed the mark without seeing it is seen
         * by the re-read below, and we look again */
        atomic_store_explicit(
            &c->rx_credit->mark, rel + need, memory_order_seq_cst);
        atomic_store_explicit(
            &c->rx_credit->mark_bytes, relb + needb, memory_order_seq_cst);
        if (atomic_load_explicit(&c->rx_credit->released, memory_order_seq_cst)
                < rel + need
            && atomic_load_explicit(
                   &c->rx_credit->released_bytes, memory_order_seq_cst)
                < relb + needb) {
            break;
        }
        force = false;
    }
    if (send) {
        akti_tp_send_flow(tp, a);
    }
}

/* chan_has_credit -- the grant lets one more envelope go (a->mu held) */
static inline bool
chan_has_credit(const tp_chan *c)
{
    return c->fc_sent < c->fc_limit && c->fc_sent_bytes < c->fc_limit_bytes;
}

/* chan_starve -- items wait on c and the grant is used up (a->mu held):
 * backpressure, not a stall -- nothing is sent, so nothing can time out;
 * the peer's next grant wakes the writer. The peer learns what we sent,
 * so it grants again once it has seen that much, even if frames were
 * lost. */
static void
chan_starve(akti_tp *tp, akti_assoc *a, tp_chan *c)
{
    if (c->fc_starved) {
        return;
    }
    c->fc_starved = true;
    c->progress_at = akti_now_ns();
    STAT_ADD(tp, credit_waits, 1);
    akti_tp_send_flow(tp, a);
}

/* lane_drain_probe -- an opened lane waits for the socket's frames to be
 * seen (a->mu held): the peer learns our count, as from a starved sender,
 * and answers once it has seen that much; the stall check applies */
static void
lane_drain_probe(akti_tp *tp, akti_assoc *a, tp_chan *c)
{
    if (c->fc_starved) {
        return;
    }
    c->fc_starved = true;
    c->progress_at = akti_now_ns();
    akti_tp_send_flow(tp, a);
}

/* --- coalescing (ORDINARY on a socket) ------------------------------------
 * A frame costs a send, NNG's hand-offs and a receive whatever it carries.
 * The writer packs what is queued when it runs; in a burst (its last frame
 * went under FILL_NS ago) it first lets the queue fill to half a batch, or
 * until FILL_NS after that frame. An idle channel is never delayed: its
 * first message goes at once (akti_assoc_send_ex, INLINE_IDLE_NS), and a
 * queue at half its bound or half a batch's bytes goes at once. */
#define FILL_NS 50000LL

static inline uint32_t
fill_mark(const akti_tp *tp)
{
    return tp->o.batch_max_envelopes / 2;
}

/* fill_enough -- c's queue makes a frame worth sending at once */
static inline bool
fill_enough(const akti_tp *tp, const tp_chan *c)
{
    return c->q.len >= fill_mark(tp) || c->q.len >= c->q.cap / 2
        || c->qbytes >= tp->o.batch_max_bytes / 2;
}

/* --- data lanes -----------------------------------------------------------
 * akt.remote.data-lanes = stream: the ORDINARY channel's frames to a peer
 * that announced a lane (Hello.lane) go over an nng_stream of our own,
 * each as a 4-byte little-endian length and the frame (idl/remote.proto
 * LaneOpen), instead of through a PUSH socket and NNG's SP layers. The
 * writer thread dials the lane when the association comes up and sends
 * LaneOpen first. One write is in flight at a time; a frame sent while the
 * lane is idle is written at once from the sending thread (no wake-up of
 * the writer), a burst's frames too (LANE_FILL_NS below), frames that come
 * while a write is in flight are packed behind it in one buffer (bounded)
 * and go in one write when it completes (lane_sent, on NNG's thread). A
 * lane that fails or makes no progress for
 * stall-timeout is closed by the writer and re-opened under a new
 * connection epoch: what was in flight on it is lost (at most once, as
 * for a re-created socket) and the peer is told (Flow lost_upto). All of
 * it under a->mu; nng_stream_send is only called under it too (NNG
 * completes a send on its own thread, never inside the call). */

bool
akti_tp_lane_use(const akti_tp *tp, const akti_assoc *a)
{
    return tp->o.data_lanes == AKTI_LANES_STREAM && a->peer_lane[0] != '\0'
        && !a->lane_off;
}

/* a frame's bytes on a lane are at most this many more than the sum over
 * its envelopes of (payload + recipient + sender + LANE_ENV): the header,
 * the length prefix, and per envelope its tags and lengths */
#define LANE_HDR 112
#define LANE_ENV 32
/* the longest a sending thread waits for the kernel to take a frame */
#define LANE_WAIT_NS 100000000LL
/* a sending thread writes itself only when its lane's last write ended
 * this long ago and nothing else waits in the queue: sends closer
 * together, or behind others still queued, are a burst, batched behind a
 * write from NNG's thread or by the writer (a round trip is longer than
 * this) */
#define LANE_BURST_NS 10000LL
/* A burst's senders write its frames themselves, each when a batch is
 * queued or LANE_FILL_NS after the last frame (no wake-up of another
 * thread: the writer and NNG's threads sleep through a steady stream); the
 * writer writes the tail, what is still queued LANE_TAIL_NS after the last
 * frame once the senders went quiet, and keeps its timer armed meanwhile
 * (the next sender need not wake it). */
#define LANE_FILL_NS (2 * FILL_NS)
#define LANE_TAIL_NS (4 * FILL_NS)
/* a burst's sender reads the clock for LANE_FILL_NS only at every this
 * many messages queued (a clock read costs as much as a tenth of a
 * message's send); the writer's tail bounds the wait all the same */
#define LANE_CLOCK_EVERY 8

/* lane_tail -- how long after l's last frame the writer writes what is
 * queued: a TLS lane's senders never write (its writes are NNG's), so its
 * writer lets a burst fill only as the socket's does */
static inline int64_t
lane_tail(const tp_lane *l)
{
    return l->tls ? FILL_NS : LANE_TAIL_NS;
}

/* lane_enough -- c's queue makes a lane's frame worth writing at once: a
 * batch (fewer frames: each costs a write, a read and their wake-ups on
 * both sides) */
static inline bool
lane_enough(const akti_tp *tp, const tp_chan *c)
{
    return c->q.len >= tp->o.batch_max_envelopes || c->q.len >= c->q.cap / 2
        || c->qbytes >= tp->o.batch_max_bytes / 2;
}

static inline size_t
lane_est(const tp_item *it)
{
    return it->plen + it->rlen + it->slen + LANE_ENV;
}

/* lane_start -- write cur[cur_off, cur_len) from NNG's thread (a->mu
 * held) */
static void
lane_start(tp_lane *l)
{
    nng_iov iov = { .iov_buf = l->cur + l->cur_off,
        .iov_len = l->cur_len - l->cur_off };
    nng_aio_set_iov(l->aio, 1, &iov);
    nng_stream_send(l->s, l->aio);
}

/* lane_ok -- l may carry frames for the association's current session */
static inline bool
lane_ok(const tp_lane *l, uint64_t uid, uint64_t token)
{
    return l != NULL && !l->failed && l->uid == uid && l->token == token;
}

/* lane_fill -- what waits in c's queue, within the grant and a batch's
 * bounds, packed as one frame into l's buffer (l idle): l is busy with it
 * then; how many envelopes went (0: none, l still idle). Items bound to
 * another incarnation go to d. a->mu held. */
static uint32_t
lane_fill(akti_tp *tp, akti_assoc *a, tp_chan *c, tp_lane *l, drop_list *d)
{
    uint64_t uid = atomic_load(&a->peer_uid), token = a->peer_token;
    size_t est = LANE_HDR;
    uint32_t n = 0;
    while (n < l->maxb && c->q.len > 0 && chan_has_credit(c)) {
        tp_item *it = ring_at(&c->q, 0);
        size_t e = lane_est(it);
        if (n > 0 && (est + e > l->cap || est + e > tp->o.batch_max_bytes)) {
            break;
        }
        chan_q_pop(c);
        if (it->uid != 0 && it->uid != uid) {
            akti_tp_drop_add(d, it, AKT_ESTOPPED);
            continue;
        }
        est += e;
        l->items[n++] = it;
        c->fc_sent++;
        c->fc_sent_bytes += it->plen;
    }
    if (n == 0) {
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        fill_env_out(&l->envs[i], l->items[i]);
    }
    akti_batch_hdr h = { .from_uid = tp->uid,
        .to_uid = uid,
        .token = token,
        .channel = AKT__REMOTE__CHANNEL__ORDINARY,
        .conn_epoch = l->epoch,
        .fc_seq = c->fc_sent,
        .fc_bytes = c->fc_sent_bytes };
    size_t len = akti_batch_size(&h, l->envs, n);
    if (len > tp->o.max_frame_size) {
        /* one message with paths too long for so small a max-frame-size:
         * the peer would refuse the frame */
        c->fc_sent--;
        c->fc_sent_bytes -= l->items[0]->plen;
        akti_tp_drop_add(d, l->items[0], AKT_ETOOBIG);
        return 0;
    }
    l->cur[0] = (uint8_t)len;
    l->cur[1] = (uint8_t)(len >> 8);
    l->cur[2] = (uint8_t)(len >> 16);
    l->cur[3] = (uint8_t)(len >> 24);
    akti_batch_pack(&h, l->envs, n, l->cur + 4);
    for (uint32_t i = 0; i < n; i++) {
        item_free(l->items[i]);
    }
    STAT_ADD(tp, frames_sent, 1);
    STAT_ADD(tp, bytes_sent, len);
    STAT_ADD(tp, envelopes_sent, n);
    l->cur_len = len + 4;
    l->cur_off = 0;
    l->busy = true;
    l->progress_at = akti_now_ns();
    c->last_frame_at = l->progress_at;
    pthread_cond_broadcast(&c->not_full);
    return n;
}

/* lane_next -- l's write is done (l idle): what queued meanwhile goes in
 * one frame from NNG's thread; else the writer is told when it has to act
 * (out of credit, a failed lane). a->mu held. */
static void
lane_next(akti_tp *tp, akti_assoc *a, tp_chan *c, tp_lane *l, drop_list *d)
{
    if (c->q.len > 0 && fill_enough(tp, c)
        && lane_ok(l, atomic_load(&a->peer_uid), a->peer_token)
        && lane_fill(tp, a, c, l, d) > 0) {
        lane_start(l);
        return;
    }
    /* a few queued: the writer lets the burst fill (FILL_NS after the
     * last frame) and writes them then */
    if (c->waiting && !c->filling && (l->failed || c->q.len > 0)) {
        pthread_cond_signal(&c->cv);
    }
}

/* lane_sent -- a write from NNG's thread completed: the rest of a partial
 * write, then what queued meanwhile, or the lane is idle */
static void
lane_sent(void *arg)
{
    tp_lane *l = arg;
    tp_chan *c = l->c;
    akti_assoc *a = c->a;
    akti_tp *tp = a->tp;
    int rv = nng_aio_result(l->aio);
    size_t n = nng_aio_count(l->aio);
    drop_list d = { 0 };
    pthread_mutex_lock(&a->mu);
    if (l->dead) {
        l->busy = false;
        pthread_mutex_unlock(&a->mu);
        return;
    }
    if (rv != 0) {
        l->busy = false;
        if (!l->failed && !atomic_load(&tp->stopping)) {
            akti_rlog(tp, AKTI_LOG_DEBUG, "data lane to %s failed: %s",
                a->peer_lane, nng_strerror(rv));
        }
        l->failed = true;
        if (c->waiting) {
            pthread_cond_signal(&c->cv);
        }
    } else {
        l->cur_off += n;
        l->progress_at = akti_now_ns();
        if (l->cur_off < l->cur_len) {
            lane_start(l);
        } else {
            l->busy = false;
            l->congested = false; /* it went through at once or in time */
            c->last_frame_at = l->progress_at;
            lane_next(tp, a, c, l, &d);
        }
    }
    pthread_mutex_unlock(&a->mu);
    if (d.n) {
        akti_tp_drop_flush(tp, a, &d);
    }
}

/* lane_free -- a lane nobody can reach any more (no lock held) */
static void
lane_free(tp_lane *l)
{
    if (l->s != NULL) {
        /* first: closing ends every write queued on it (a TLS stream of
         * NNG 1.5.2 whose connection failed never completes, cancels or
         * times out one otherwise: see lane_rx_free) */
        nng_stream_close(l->s);
    }
    if (l->aio != NULL) {
        nng_aio_free(l->aio); /* stops a write in flight, waits for lane_sent */
    }
    if (l->saio != NULL) {
        nng_aio_free(l->saio);
    }
    pthread_cond_destroy(&l->done);
    if (l->s != NULL) {
        nng_stream_free(l->s);
    }
    free(l->cur);
    free(l->envs);
    free(l->items);
    free(l);
}

void
akti_tp_lane_close(akti_tp *tp, akti_assoc *a, tp_chan *c) /* a->mu held */
{
    tp_lane *l = c->lane;
    if (l == NULL) {
        return;
    }
    c->lane = NULL;
    l->dead = true;
    /* the socket carries the frames until the next lane: newer than
     * what the lane still delivers (at most once, in order) */
    atomic_store(&c->epoch, atomic_fetch_add(&tp->next_epoch, 1) + 1);
    while (l->sync_users > 0) {
        /* a sending thread writes with saio: cut it short (closing the
         * stream ends a write a cancel may not), let it go */
        nng_aio_cancel(l->saio);
        nng_stream_close(l->s);
        struct timespec dl;
        abs_deadline(&dl, 10000000LL); /* it may not have queued it yet */
        pthread_cond_timedwait(&l->done, &a->mu, &dl);
    }
    if (c->fc_sent > c->peer_seen) {
        /* what was in flight is gone: the peer must not wait for it */
        c->fc_lost_upto = c->fc_sent;
        c->fc_lost_upto_bytes = c->fc_sent_bytes;
        akti_tp_send_flow(tp, a);
    }
    pthread_mutex_unlock(&a->mu);
    lane_free(l);
    pthread_mutex_lock(&a->mu);
}

/* lane_write_here -- the calling thread writes cur itself (just filled;
 * a->mu held, released meanwhile): no thread of NNG's is woken when the
 * kernel takes the frame at once, the common case (a callback-less aio
 * completes on the thread that started it). A write the kernel cannot
 * take at all (the peer's socket buffer is full: it stopped reading) is
 * cancelled by the ticker after LANE_WAIT_NS, with nothing written, and
 * goes on from NNG's thread: a sender waits at most that long (no timeout
 * on the aio: NNG would wake its expiry thread for every write). true: the
 * write is done and l idle (the caller sends what queued meanwhile). */
static bool
lane_write_here(tp_lane *l)
{
    tp_chan *c = l->c;
    akti_assoc *a = c->a;
    l->sync_users++;
    l->sync_since = akti_now_ns();
    nng_iov iov = { .iov_buf = l->cur, .iov_len = l->cur_len };
    nng_aio_set_iov(l->saio, 1, &iov);
    pthread_mutex_unlock(&a->mu);
    nng_stream_send(l->s, l->saio);
    nng_aio_wait(l->saio);
    int rv = nng_aio_result(l->saio);
    size_t n = nng_aio_count(l->saio);
    pthread_mutex_lock(&a->mu);
    l->sync_users--;
    if (l->dead) { /* akti_tp_lane_close waits for us */
        if (l->sync_users == 0) {
            pthread_cond_broadcast(&l->done);
        }
        return false;
    }
    l->cur_off += n;
    if (rv != 0 && rv != NNG_ECANCELED) {
        l->busy = false;
        l->failed = true;
        if (c->waiting) {
            pthread_cond_signal(&c->cv);
        }
        return false;
    }
    /* the burst is measured from the end of this write: a sender whose
     * write takes longer than LANE_BURST_NS (a slow machine, a sanitizer)
     * and sends again at once is still a burst, batched behind NNG's
     * write, not one write per message */
    l->last_here = akti_now_ns();
    c->last_frame_at = l->last_here;
    if (n > 0) {
        l->progress_at = l->last_here;
    }
    if (l->cur_off < l->cur_len) {
        /* the kernel's buffer is full (the peer reads slowly or not at
         * all): the rest, and the next writes until one goes through,
         * from NNG's thread -- no sender waits for it again */
        l->congested = true;
        lane_start(l);
        return false;
    }
    l->busy = false;
    return true;
}

/* lane_send -- the send path, once the item is queued on c (a->mu held,
 * released meanwhile when the thread writes itself): an idle lane takes
 * what waits at once -- written by this thread when here, the item is
 * alone in the queue and the lane's last write ended over LANE_BURST_NS
 * ago; else a burst: it waits for half a batch (then NNG's thread writes
 * it) or for the writer, so a burst of sends goes in batches (one frame,
 * one write each) instead of a write per message. false: the lane is
 * busy or cannot take it; the caller leaves the queue to the writer or to
 * the write in flight. */
static bool
lane_send(akti_tp *tp, akti_assoc *a, tp_chan *c, bool here, drop_list *d)
{
    tp_lane *l = c->lane;
    if (a->state != AS_UP || l == NULL || l->busy
        || !lane_ok(l, atomic_load(&a->peer_uid), a->peer_token)
        || !chan_has_credit(c)) {
        return false;
    }
    bool enough = lane_enough(tp, c);
    if (c->q.len > 1 && !enough && (c->q.len & (LANE_CLOCK_EVERY - 1)) != 0) {
        return false; /* a burst (others wait): it fills */
    }
    int64_t now = akti_now_ns();
    bool burst = c->q.len > 1 || now - l->last_here < LANE_BURST_NS
        || now - c->last_frame_at < LANE_BURST_NS;
    if (burst && !enough && now - c->last_frame_at < LANE_FILL_NS) {
        return false; /* queued: the burst fills */
    }
    if (lane_fill(tp, a, c, l, d) == 0) {
        return true;
    }
    if (here && !l->congested && !l->tls) {
        if (lane_write_here(l)) {
            lane_next(tp, a, c, l, d);
        }
    } else {
        lane_start(l);
    }
    return true;
}

/* lane_xfer -- send or receive all of buf on s, blocking (aio: no
 * callback, its timeout set); NNG_ECANCELED once c's opener is to stop */
static int
lane_xfer(tp_chan *c, nng_stream *s, nng_aio *aio, uint8_t *buf, size_t len,
    bool send)
{
    while (len > 0) {
        if (atomic_load(&c->lane_abort)) {
            return NNG_ECANCELED;
        }
        nng_iov iov = { .iov_buf = buf, .iov_len = len };
        nng_aio_set_iov(aio, 1, &iov);
        if (send) {
            nng_stream_send(s, aio);
        } else {
            nng_stream_recv(s, aio);
        }
        nng_aio_wait(aio);
        int rv = nng_aio_result(aio);
        if (rv != 0) {
            return rv;
        }
        size_t n = nng_aio_count(aio);
        buf += n;
        len -= n;
    }
    return 0;
}

/* Lane dialers. NNG 1.5.2 counts a dialer's references with atomics
 * (one for the dialer, one per connection it made, released when NNG's
 * reaper frees that connection) and frees it on the last release, on
 * whichever thread that is. A dialer is freed right after a dial that
 * succeeded, while we still hold the stream it made: the last release is
 * then the reaper's, after the stream's nng_stream_free, which queued it
 * under the reaper's lock -- an order TSan sees (it cannot see NNG's
 * atomics: libnng is not instrumented). After a failed dial the
 * connection NNG made was queued for the reaper by NNG's own thread,
 * with no such order to ours, so that dialer is buried: freed once it has
 * lain here LANE_GRAVE_NS (the failed connection reaped long before) by
 * any transport's ticker or akti_tp_free (process-wide: it outlives
 * transports); the few buried in a process's last seconds stay reachable
 * at exit. Only failed dials are buried. */
#define LANE_GRAVE_NS 2000000000LL
static pthread_mutex_t grave_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    nng_stream_dialer *d;
    int64_t at;
} grave[64];
static uint32_t ngrave;

static void
lane_bury(nng_stream_dialer *d)
{
    nng_stream_dialer *now_free = NULL;
    pthread_mutex_lock(&grave_mu);
    if (ngrave == sizeof(grave) / sizeof(grave[0])) {
        uint32_t old = 0; /* full: the oldest goes now */
        for (uint32_t i = 1; i < ngrave; i++) {
            if (grave[i].at < grave[old].at) {
                old = i;
            }
        }
        now_free = grave[old].d;
        grave[old] = grave[--ngrave];
    }
    grave[ngrave].d = d;
    grave[ngrave].at = akti_now_ns();
    ngrave++;
    pthread_mutex_unlock(&grave_mu);
    if (now_free != NULL) {
        nng_stream_dialer_free(now_free);
    }
}

void
akti_tp_lane_graves(int64_t now)
{
    nng_stream_dialer *go[64];
    uint32_t n = 0;
    pthread_mutex_lock(&grave_mu);
    for (uint32_t i = 0; i < ngrave;) {
        if (now - grave[i].at >= LANE_GRAVE_NS) {
            go[n++] = grave[i].d;
            grave[i] = grave[--ngrave];
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&grave_mu);
    for (uint32_t i = 0; i < n; i++) {
        nng_stream_dialer_free(go[i]);
    }
}

/* lane_dialer -- a dialer for url (one per dial, see above); NULL with
 * *rv set when it cannot be made */
static nng_stream_dialer *
lane_dialer(akti_tp *tp, const char *url, int *rv)
{
    nng_stream_dialer *d = NULL;
    *rv = nng_stream_dialer_alloc(&d, url);
    if (*rv == 0 && tp->tls_client != NULL
        && strncmp(url, "tls+tcp://", 10) == 0) {
        *rv = nng_stream_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tp->tls_client);
    }
    if (*rv != 0) {
        if (d != NULL) {
            nng_stream_dialer_free(d); /* it made no connection */
        }
        return NULL;
    }
    return d;
}

/* lane_open -- dial a's peer's lane, send LaneOpen and wait for the
 * peer's one byte saying it bound the lane (the opener thread; a->mu
 * held, released meanwhile), so no data goes on a lane the peer refused
 * (a restarted peer that does not know this incarnation: then a Hello
 * finds out at once). The lane opened waits in c->lane_ready for the
 * writer to switch to it. After 3 failures in a row, until the
 * association is next up, its ORDINARY frames stay on the PUSH socket
 * (logged). */
static void
lane_open(akti_tp *tp, akti_assoc *a, tp_chan *c)
{
    char url[sizeof(a->peer_lane)];
    memcpy(url, a->peer_lane, sizeof(url));
    uint64_t uid = atomic_load(&a->peer_uid), token = a->peer_token;
    /* newer than the socket's: once it took over, what the socket still
     * carries is older (the writer switches when the socket is drained) */
    uint64_t epoch = atomic_fetch_add(&tp->next_epoch, 1) + 1;
    uint8_t open[160];
    size_t olen;
    {
        Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
        Akt__Remote__LaneOpen lo = AKT__REMOTE__LANE_OPEN__INIT;
        uint8_t mac[AKTI_HELLO_MAC_LEN];
        f.from_uid = tp->uid;
        f.to_uid = uid;
        f.token = token;
        f.channel = AKT__REMOTE__CHANNEL__ORDINARY;
        f.conn_epoch = epoch;
        akti_lane_mac(tp->cookie, tp->cookie_len, tp->uid, uid, token, epoch,
            a->peer_nonce, mac);
        lo.mac.data = mac;
        lo.mac.len = sizeof(mac);
        f.body_case = AKT__REMOTE__FRAME__BODY_LANE_OPEN;
        f.lane_open = &lo;
        olen = akt__remote__frame__get_packed_size(&f); /* < 120 */
        open[0] = (uint8_t)olen;
        open[1] = (uint8_t)(olen >> 8);
        open[2] = (uint8_t)(olen >> 16);
        open[3] = (uint8_t)(olen >> 24);
        akt__remote__frame__pack(&f, open + 4);
        olen += 4;
    }
    nng_aio *aio = NULL;
    int rv = nng_aio_alloc(&aio, NULL, NULL);
    if (rv == 0) {
        c->lane_oaio = aio; /* the writer may cancel it (a->mu) */
    }
    pthread_mutex_unlock(&a->mu);
    nng_stream *s = NULL;
    tp_lane *l = NULL;
    bool refused = false;
    nng_stream_dialer *d = NULL;
    if (rv == 0) {
        d = lane_dialer(tp, url, &rv);
    }
    if (rv == 0 && atomic_load(&c->lane_abort)) {
        rv = NNG_ECANCELED;
    }
    if (rv == 0) {
        int64_t t = 4 * tp->o.handshake_retry_ns;
        nng_aio_set_timeout(aio,
            (nng_duration)((t < 1000000000LL ? 1000000000LL : t) / 1000000));
        nng_stream_dialer_dial(d, aio);
        nng_aio_wait(aio);
        rv = nng_aio_result(aio);
    }
    if (d != NULL && rv == 0) {
        nng_stream_dialer_free(d); /* we hold its stream: see above */
    } else if (d != NULL) {
        lane_bury(d);
    }
    if (rv == 0) {
        s = nng_aio_get_output(aio, 0);
        (void)nng_stream_set_bool(s, NNG_OPT_TCP_NODELAY, true); /* tcp */
        /* NNG 1.5.2's TLS stream ignores the aio's timeout and cancels
         * once its connection failed (see lane_rx_free): the ticker
         * closes the stream if the answer is late, the writer when it
         * exits */
        int64_t t = 4 * tp->o.handshake_retry_ns;
        pthread_mutex_lock(&a->mu);
        c->lane_os = s;
        c->lane_os_late = false;
        c->lane_os_until
            = akti_now_ns() + 2 * (t < 1000000000LL ? 1000000000LL : t);
        pthread_mutex_unlock(&a->mu);
        uint8_t ack = 0;
        rv = lane_xfer(c, s, aio, open, olen, true);
        if (rv == 0) {
            rv = lane_xfer(c, s, aio, &ack, 1, false);
            refused = rv != 0 && rv != NNG_ETIMEDOUT && rv != NNG_ECANCELED;
        }
        if (rv == 0 && ack != 1) {
            rv = NNG_EPROTO;
        }
    }
    if (s != NULL) {
        pthread_mutex_lock(&a->mu);
        c->lane_os = NULL;
        pthread_mutex_unlock(&a->mu);
    }
    if (rv == 0) {
        size_t cap = tp->o.max_frame_size + 4;
        l = calloc(1, sizeof(*l));
        if (l != NULL) {
            l->s = s;
            l->c = c;
            l->tls = strncmp(url, "tls+", 4) == 0;
            l->cap = cap;
            l->cur = malloc(cap);
            l->maxb = tp->o.batch_max_envelopes;
            l->envs = calloc(l->maxb, sizeof(*l->envs));
            l->items = calloc(l->maxb, sizeof(*l->items));
            pthread_cond_init(&l->done, NULL);
            if (l->cur == NULL || l->envs == NULL || l->items == NULL
                || nng_aio_alloc(&l->aio, lane_sent, l) != 0
                || nng_aio_alloc(&l->saio, NULL, NULL) != 0) {
                l->s = NULL; /* freed below, after the dialer */
                lane_free(l);
                l = NULL;
            } else {
                s = NULL;
            }
        }
        if (l == NULL) {
            rv = NNG_ENOMEM;
        }
    }
    if (s != NULL) {
        nng_stream_close(s);
        nng_stream_free(s);
    }
    pthread_mutex_lock(&a->mu);
    c->lane_oaio = NULL;
    pthread_mutex_unlock(&a->mu);
    if (aio != NULL) {
        nng_aio_free(aio);
    }
    pthread_mutex_lock(&a->mu);
    if (rv != 0) {
        if (atomic_load(&c->lane_abort)) {
            return; /* the writer exits: not a failure of the lane */
        }
        if (c->lane_os_late) {
            refused = false; /* we closed it: the answer was late */
        }
        c->lane_next = akti_now_ns() + 100000000LL;
        if (refused) {
            /* the peer closed the lane on its LaneOpen: is the incarnation
             * we hold still there? (the ticker sends a Hello) */
            atomic_store(&a->reconnected, true);
            pthread_cond_signal(&tp->tick_cv);
        }
        if (++c->lane_fails >= 3 && !a->lane_off) {
            a->lane_off = true;
            akti_rlog(tp, AKTI_LOG_WARN,
                "cannot open the data lane %s of %s (%s): its ordinary "
                "messages go over the socket",
                url, a->url, nng_strerror(rv));
        }
        return;
    }
    if (atomic_load(&tp->stopping) || atomic_load(&c->lane_abort) || c->quit
        || a->state != AS_UP || atomic_load(&a->peer_uid) != uid
        || a->peer_token != token || c->lane != NULL || c->lane_ready != NULL) {
        /* the session changed while we dialed: the next try uses the new */
        pthread_mutex_unlock(&a->mu);
        lane_free(l);
        pthread_mutex_lock(&a->mu);
        return;
    }
    l->uid = uid;
    l->token = token;
    l->epoch = epoch;
    l->progress_at = akti_now_ns();
    c->lane_ready = l;
    c->lane_fails = 0;
    STAT_ADD(tp, lanes_opened, 1);
}

/* lane_opener -- the thread that opens c's lane (started by the writer,
 * joined by it once done) */
static void *
lane_opener(void *arg)
{
    tp_chan *c = arg;
    tp_thread_name("akt-rm-lane");
    akti_assoc *a = c->a;
    pthread_mutex_lock(&a->mu);
    lane_open(a->tp, a, c);
    c->lane_th_done = true;
    pthread_cond_broadcast(&c->cv); /* the writer: a lane to switch to */
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* lane_opener_reap -- join c's opener if it is done; with stop, make it
 * stop first (the writer exits). a->mu held (released meanwhile). */
static void
lane_opener_reap(tp_chan *c, bool stop)
{
    akti_assoc *a = c->a;
    if (!c->lane_th_started) {
        return;
    }
    if (stop) {
        atomic_store(&c->lane_abort, true);
        while (!c->lane_th_done) {
            if (c->lane_oaio != NULL) {
                nng_aio_cancel(c->lane_oaio);
            }
            if (c->lane_os != NULL) {
                nng_stream_close(c->lane_os);
            }
            struct timespec dl;
            abs_deadline(&dl, 10000000LL); /* a cancel may come too early */
            pthread_cond_timedwait(&c->cv, &a->mu, &dl);
        }
    }
    if (c->lane_th_done) {
        pthread_join(c->lane_th, NULL); /* it has left a->mu for good */
        c->lane_th_started = false;
        c->lane_th_done = false;
        atomic_store(&c->lane_abort, false);
    }
}

/* lane_ready_drop -- forget an opened lane that will not take over (a->mu
 * held, released meanwhile) */
static void
lane_ready_drop(akti_assoc *a, tp_chan *c)
{
    tp_lane *r = c->lane_ready;
    if (r != NULL) {
        c->lane_ready = NULL;
        pthread_mutex_unlock(&a->mu);
        lane_free(r);
        pthread_mutex_lock(&a->mu);
    }
}

/* lane_writer_step -- one turn of the ORDINARY writer when its frames are
 * to go over a lane (a->mu held; it may be released): close a failed or
 * stale lane, start an opener, switch to an opened lane once the socket
 * is drained, or write what waits while the lane is idle (on this
 * thread). LANE_STEP_SOCKET: no lane yet, the socket carries the frames. */
enum { LANE_STEP_WAIT, LANE_STEP_MORE, LANE_STEP_SOCKET, LANE_STEP_FILL };
static int
lane_writer_step(akti_tp *tp, akti_assoc *a, tp_chan *c, drop_list *d)
{
    uint64_t uid = atomic_load(&a->peer_uid), token = a->peer_token;
    if (c->lane_th_done) {
        lane_opener_reap(c, false);
    }
    tp_lane *l = c->lane;
    if (l != NULL && !lane_ok(l, uid, token) && !l->busy) {
        akti_tp_lane_close(tp, a, c);
        c->lane_next = akti_now_ns() + 100000000LL;
        return LANE_STEP_MORE;
    }
    if (l == NULL) {
        tp_lane *r = c->lane_ready;
        if (r != NULL
            && (!lane_ok(r, uid, token) || r->epoch < atomic_load(&c->epoch))) {
            /* another session, or the socket was re-created meanwhile
             * (its epoch is newer): another lane, soon */
            lane_ready_drop(a, c);
            return LANE_STEP_MORE;
        }
        if (r != NULL) {
            if (c->inline_busy) {
                return LANE_STEP_WAIT; /* its sender wakes us */
            }
            if (c->fc_sent > c->peer_seen) {
                /* frames on the socket the peer has not seen: the lane
                 * waits for them (it would overtake them, and the peer
                 * would drop them as older). The peer is asked, as a
                 * starved sender asks; no answer in stall-timeout is a
                 * stall (the socket is re-created, this lane dropped) */
                lane_drain_probe(tp, a, c);
                return LANE_STEP_WAIT;
            }
            c->lane = r;
            c->lane_ready = NULL;
            c->fc_starved = false;
            c->progress_at = akti_now_ns();
            return LANE_STEP_MORE;
        }
        if (!c->lane_th_started && !a->lane_off
            && akti_now_ns() >= c->lane_next) {
            atomic_store(&c->lane_abort, false);
            c->lane_th_done = false;
            if (pthread_create(&c->lane_th, NULL, lane_opener, c) == 0) {
                c->lane_th_started = true;
            } else {
                c->lane_next = akti_now_ns() + 100000000LL;
            }
        }
        return LANE_STEP_SOCKET;
    }
    if ((l->busy && l->sync_users == 0) || !lane_ok(l, uid, token)) {
        return LANE_STEP_WAIT; /* the write in flight goes on with the queue */
    }
    if (c->q.len == 0 || l->busy) {
        /* in a burst the writer keeps its timer armed: the next sender
         * need not wake it */
        return akti_now_ns() < c->last_frame_at + lane_tail(l) ? LANE_STEP_FILL
                                                               : LANE_STEP_WAIT;
    }
    if (!chan_has_credit(c)) {
        chan_starve(tp, a, c);
        return LANE_STEP_WAIT;
    }
    if (!lane_enough(tp, c)
        && akti_now_ns() < c->last_frame_at + lane_tail(l)) {
        return LANE_STEP_FILL; /* a burst: its senders write it */
    }
    c->fc_starved = false;
    if (lane_fill(tp, a, c, l, d) > 0) {
        if (l->congested || l->tls) {
            lane_start(l);
        } else {
            lane_write_here(l);
        }
    }
    return LANE_STEP_MORE;
}

/* lane_writer_end -- the ORDINARY writer exits: its opener stops
 * and is joined, an opened lane that did not take over is freed (a->mu
 * held, released meanwhile) */
static void
lane_writer_end(tp_chan *c)
{
    lane_opener_reap(c, true);
    lane_ready_drop(c->a, c);
}

/* --- writers -------------------------------------------------------------- */

/* chan_recreate_locked -- a->mu held */
static void
chan_recreate_locked(akti_tp *tp, akti_assoc *a, tp_chan *c, const char *why)
{
    if (c->lane != NULL && !c->lane->failed) {
        /* a data lane: its writer closes it and opens another */
        STAT_ADD(tp, stalls, 1);
        akti_rlog(tp, AKTI_LOG_WARN,
            "data lane to %s made no progress (%s): re-opening it", a->url,
            why);
        c->lane->failed = true;
        if (c->waiting) {
            pthread_cond_signal(&c->cv);
        }
        return;
    }
    if (!atomic_load(&tp->stopping) && c->open) {
        STAT_ADD(tp, stalls, 1);
        akti_rlog(tp, AKTI_LOG_WARN,
            "channel %d to %s made no progress (%s): re-creating the "
            "connection",
            c->kind, a->url, why);
        nng_close(c->sock);
        c->open = false;
        if (c->kind != AKTI_CH_CONTROL && c->fc_sent > c->peer_seen) {
            /* what was in flight is gone: the peer must not wait for it */
            c->fc_lost_upto = c->fc_sent;
            c->fc_lost_upto_bytes = c->fc_sent_bytes;
            akti_tp_send_flow(tp, a);
        }
        if (akti_tp_chan_open(tp, a, c) != AKT_OK) {
            akti_rlog(tp, AKTI_LOG_ERROR, "cannot re-open channel %d to %s",
                c->kind, a->url);
        }
        if (c->lane_ready != NULL && c->waiting) {
            /* the lane that waited for this socket is older now */
            pthread_cond_signal(&c->cv);
        }
    }
}

static void
chan_recreate(akti_tp *tp, akti_assoc *a, tp_chan *c, int rv)
{
    pthread_mutex_lock(&a->mu);
    chan_recreate_locked(tp, a, c, nng_strerror(rv));
    pthread_mutex_unlock(&a->mu);
}

void
akti_tp_flow_stall_check(akti_tp *tp, akti_assoc *a, int64_t now) /* mu */
{
    for (int k = AKTI_CH_ORDINARY; k <= AKTI_CH_LARGE; k++) {
        tp_chan *c = &a->ch[k];
        /* a slow peer has seen all we sent (the window is full of what it
         * has not consumed yet): that is backpressure, never a stall. A
         * peer that granted nothing at all since it came up (every live
         * peer grants at once) is taken for stalled too. */
        if (c->lane_os != NULL && now >= c->lane_os_until) {
            nng_stream_close(c->lane_os); /* an opener's answer is late */
            c->lane_os_late = true;
        }
        tp_lane *l = c->lane;
        if (l != NULL && l->sync_users > 0
            && now - l->sync_since >= LANE_WAIT_NS) {
            nng_aio_cancel(l->saio); /* its writer goes on asynchronously */
        }
        if (l != NULL && l->busy && !l->failed
            && now - l->progress_at >= tp->o.stall_timeout_ns) {
            chan_recreate_locked(tp, a, c, "a write did not complete");
            continue;
        }
        bool unseen = c->fc_sent > c->peer_seen || c->fc_limit == 0;
        if (!c->fc_starved || !unseen
            || now - c->progress_at < tp->o.stall_timeout_ns) {
            continue;
        }
        chan_recreate_locked(tp, a, c,
            "out of credit, and the peer has not seen all that was sent");
        c->progress_at = now;
    }
}

static int
chan_send(akti_tp *tp, akti_assoc *a, tp_chan *c, nng_msg *m)
{
    size_t len = nng_msg_len(m);
    int rv = nng_sendmsg(c->sock, m, 0);
    if (rv != 0) {
        nng_msg_free(m);
        if (rv != NNG_ECLOSED || !atomic_load(&tp->stopping)) {
            chan_recreate(tp, a, c, rv);
        }
        return rv;
    }
    STAT_ADD(tp, frames_sent, 1);
    STAT_ADD(tp, bytes_sent, len);
    return 0;
}

void *
akti_tp_control_writer(void *arg)
{
    tp_chan *c = arg;
    tp_thread_name("akt-rm-wctl");
    akti_assoc *a = c->a;
    akti_tp *tp = a->tp;
    uint32_t maxb = tp->o.batch_max_envelopes;
    uint32_t maxout = c->q.cap;
    Akt__Remote__Envelope *envs = calloc(maxb, sizeof(*envs));
    Akt__Remote__Envelope **ptrs = calloc(maxb, sizeof(*ptrs));
    nng_msg **out = calloc(maxout, sizeof(*out));
    /* out of memory at thread start: work one frame at a time from the
     * stack (slower, nothing lost) rather than abort */
    Akt__Remote__Envelope env1, *ptr1;
    nng_msg *out1;
    bool one = envs == NULL || ptrs == NULL || out == NULL;
    if (one) {
        free(envs);
        free(ptrs);
        free(out);
        envs = &env1;
        ptrs = &ptr1;
        out = &out1;
        maxb = maxout = 1;
        akti_rlog(tp, AKTI_LOG_ERROR,
            "control writer: out of memory, sending one frame at a time");
    }
    for (uint32_t i = 0; i < maxb; i++) {
        ptrs[i] = &envs[i];
    }
    pthread_mutex_lock(&a->mu);
    while (!atomic_load(&tp->stopping) && !c->quit) {
        bool sys_work = a->state == AS_UP && a->sys_sent < a->unacked.len;
        if (c->q.len == 0 && !sys_work) {
            c->waiting = true;
            pthread_cond_wait(&c->cv, &a->mu);
            c->waiting = false;
            continue;
        }
        if (atomic_load(&c->npipes) == 0 && !akti_tp_ctl_connect(tp, a, c)) {
            continue; /* no connection: the dial failed (reported) or waits */
        }
        uint32_t nout = 0;
        nng_msg *m;
        while (nout < maxout && (m = ring_pop(&c->q)) != NULL) {
            out[nout++] = m;
        }
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
            a->sys_last_send = akti_now_ns();
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
            if (chan_send(tp, a, c, sysm) == 0) {
                STAT_ADD(tp, envelopes_sent, nsys);
            }
        } else if (sysm != NULL) {
            nng_msg_free(sysm);
        }
        pthread_mutex_lock(&a->mu);
    }
    pthread_mutex_unlock(&a->mu);
    if (!one) {
        free(envs);
        free(ptrs);
        free(out);
    }
    return NULL;
}

/* send one large item: a single-envelope batch, or fragments */
static void
large_send(akti_tp *tp, akti_assoc *a, tp_chan *c, tp_item *it, uint64_t uid,
    uint64_t token, uint64_t fc_seq, uint64_t fc_bytes)
{
    size_t chunk = tp->o.max_frame_size - 1024 - strlen(it->recipient)
        - strlen(it->sender);
    Akt__Remote__Frame f = AKT__REMOTE__FRAME__INIT;
    f.from_uid = tp->uid;
    f.to_uid = uid;
    f.token = token;
    f.channel = AKT__REMOTE__CHANNEL__LARGE;
    f.conn_epoch = atomic_load(&c->epoch);
    f.fc_seq = fc_seq;
    f.fc_bytes = fc_bytes;
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
        if (m && chan_send(tp, a, c, m) == 0) {
            STAT_ADD(tp, envelopes_sent, 1);
        }
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
        if (m == NULL || chan_send(tp, a, c, m) != 0) {
            return; /* the receiver abandons the partial message */
        }
    }
    STAT_ADD(tp, envelopes_sent, 1);
}

void *
akti_tp_data_writer(void *arg)
{
    tp_chan *c = arg;
    tp_thread_name(c->kind == AKTI_CH_LARGE ? "akt-rm-wlarge" : "akt-rm-word");
    akti_assoc *a = c->a;
    akti_tp *tp = a->tp;
    uint32_t maxb = c->kind == AKTI_CH_LARGE ? 1 : tp->o.batch_max_envelopes;
    akti_env_out *envs = calloc(maxb, sizeof(*envs));
    tp_item **items = calloc(maxb, sizeof(*items));
    /* out of memory at thread start: batches of one from the stack
     * (slower, nothing lost) rather than abort */
    akti_env_out env1;
    tp_item *item1;
    bool one = envs == NULL || items == NULL;
    if (one) {
        free(envs);
        free(items);
        envs = &env1;
        items = &item1;
        maxb = 1;
        akti_rlog(tp, AKTI_LOG_ERROR,
            "data writer: out of memory, sending one envelope at a time");
    }
    drop_list d = { 0 };
    pthread_mutex_lock(&a->mu);
    while (!atomic_load(&tp->stopping) && !c->quit) {
        if (c->kind == AKTI_CH_ORDINARY && a->state == AS_UP
            && akti_tp_lane_use(tp, a) && !c->inline_busy) {
            int step = lane_writer_step(tp, a, c, &d);
            if (d.n) {
                pthread_mutex_unlock(&a->mu);
                akti_tp_drop_flush(tp, a, &d);
                pthread_mutex_lock(&a->mu);
            }
            if (step == LANE_STEP_MORE) {
                continue;
            }
            if (step == LANE_STEP_WAIT) {
                c->waiting = true;
                pthread_cond_wait(&c->cv, &a->mu);
                c->waiting = false;
                continue;
            }
            if (step == LANE_STEP_FILL) {
                /* until the burst's tail is due (lane_tail after the
                 * last frame), or a sender says the queue makes a frame */
                struct timespec dl;
                int64_t left
                    = c->last_frame_at + lane_tail(c->lane) - akti_now_ns();
                abs_deadline(&dl, left > 0 ? left : 0);
                c->waiting = c->filling = true;
                pthread_cond_timedwait(&c->cv, &a->mu, &dl);
                c->waiting = c->filling = false;
                continue;
            }
            /* LANE_STEP_SOCKET: below, as without lanes */
        }
        bool credit = chan_has_credit(c);
        if (a->state != AS_UP || c->q.len == 0 || c->inline_busy || !credit) {
            if (!credit && a->state == AS_UP && c->q.len > 0) {
                chan_starve(tp, a, c);
            }
            c->waiting = true;
            pthread_cond_wait(&c->cv, &a->mu);
            c->waiting = false;
            continue;
        }
        if (c->kind == AKTI_CH_ORDINARY && c->q.len < fill_mark(tp)
            && c->q.len < c->q.cap / 2
            && c->qbytes < tp->o.batch_max_bytes / 2) {
            /* a burst (the last frame went under FILL_NS ago): let the
             * queue fill to half a batch, or until FILL_NS after it */
            int64_t now = akti_now_ns();
            int64_t until = c->last_frame_at + FILL_NS;
            if (now < until) {
                struct timespec dl;
                abs_deadline(&dl, until - now);
                c->filling = true;
                pthread_cond_timedwait(&c->cv, &a->mu, &dl);
                c->filling = false;
                continue;
            }
        }
        c->fc_starved = false;
        uint64_t uid = atomic_load(&a->peer_uid);
        uint64_t token = a->peer_token;
        uint32_t n = 0;
        size_t bytes = 0;
        while (n < maxb && c->q.len > 0
            && (n == 0 || bytes < tp->o.batch_max_bytes)
            && chan_has_credit(c)) {
            tp_item *it = chan_q_pop(c);
            if (it->uid != 0 && it->uid != uid) {
                akti_tp_drop_add(&d, it, AKT_ESTOPPED);
                continue;
            }
            items[n++] = it;
            bytes += it->plen + it->rlen + 24;
            c->fc_sent++;
            c->fc_sent_bytes += it->plen;
        }
        uint64_t fc_seq = c->fc_sent, fc_bytes = c->fc_sent_bytes;
        int64_t sent_at = 0;
        if (c->q.len + n >= c->q.cap || n > 0) {
            pthread_cond_broadcast(&c->not_full);
        }
        pthread_mutex_unlock(&a->mu);
        if (d.n) {
            akti_tp_drop_flush(tp, a, &d);
        }
        if (n > 0 && c->kind == AKTI_CH_LARGE) {
            large_send(tp, a, c, items[0], uid, token, fc_seq, fc_bytes);
        } else if (n > 0) {
            for (uint32_t i = 0; i < n; i++) {
                fill_env_out(&envs[i], items[i]);
            }
            akti_batch_hdr h = { .from_uid = tp->uid,
                .to_uid = uid,
                .token = token,
                .channel = AKT__REMOTE__CHANNEL__ORDINARY,
                .conn_epoch = atomic_load(&c->epoch),
                .fc_seq = fc_seq,
                .fc_bytes = fc_bytes };
            nng_msg *m = data_pack(&h, envs, n);
            if (m != NULL && chan_send(tp, a, c, m) == 0) {
                STAT_ADD(tp, envelopes_sent, n);
            }
            sent_at = akti_now_ns();
        }
        for (uint32_t i = 0; i < n; i++) {
            item_free(items[i]);
        }
        pthread_mutex_lock(&a->mu);
        if (sent_at != 0) {
            c->last_frame_at = sent_at;
        }
    }
    if (c->kind == AKTI_CH_ORDINARY) {
        lane_writer_end(c);
    }
    pthread_mutex_unlock(&a->mu);
    if (!one) {
        free(envs);
        free(items);
    }
    return NULL;
}

/* --- the send path -------------------------------------------------------- */

/* An ORDINARY channel on a socket is idle when its writer waits, nothing is
 * queued and its last frame went at least this long ago: a message sent
 * then goes at once, in a frame of its own, on the sending thread (a
 * request after its last reply: no wake-up on the latency path). Closer to
 * the last frame it is part of a burst: it is queued and the writer packs
 * what the burst queued meanwhile into one frame -- else most frames of a
 * stream of tells carried one message each (61-77% of the frames of
 * remote-tell), each paying a send and a receive. As LANE_BURST_NS. */
#define INLINE_IDLE_NS 10000LL

/* inline_send -- an idle ORDINARY channel: send this one envelope on the
 * caller's thread without waking the writer (one thread hop less on the
 * latency path). Non-blocking: false when NNG cannot take it at once. */
static bool
inline_send(akti_tp *tp, tp_chan *c, tp_item *it, uint64_t uid, uint64_t token,
    uint64_t fc_seq, uint64_t fc_bytes)
{
    akti_env_out e;
    fill_env_out(&e, it);
    akti_batch_hdr h = { .from_uid = tp->uid,
        .to_uid = uid,
        .token = token,
        .channel = AKT__REMOTE__CHANNEL__ORDINARY,
        .conn_epoch = atomic_load(&c->epoch),
        .fc_seq = fc_seq,
        .fc_bytes = fc_bytes };
    nng_msg *m = data_pack(&h, &e, 1);
    if (m == NULL) {
        return false;
    }
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

/* chan_full -- c cannot take it: the queue is at its length, or it holds
 * something and it would go over outbound-queue-bytes */
static inline bool
chan_full(const akti_tp *tp, const tp_chan *c, const tp_item *it)
{
    return c->q.len == c->q.cap
        || (c->q.len > 0 && c->qbytes + it->plen > tp->o.outbound_queue_bytes);
}

akt_err
akti_assoc_send(
    akti_assoc *a, const akti_envelope *env, bool system, uint64_t peer_uid)
{
    return akti_assoc_send_ex(a, env, system ? AKTI_SEND_SYSTEM : 0, peer_uid);
}

akt_err
akti_assoc_send_ex(
    akti_assoc *a, const akti_envelope *env, unsigned flags, uint64_t peer_uid)
{
    akti_tp *tp = a->tp;
    bool system = (flags & AKTI_SEND_SYSTEM) != 0;
    if (env == NULL || env->recipient == NULL || env->recipient_len == 0
        || env->type_id == 0 || (env->payload_len && env->payload == NULL)) {
        return AKT_EINVAL;
    }
    if (atomic_load(&tp->stopping)) {
        return AKT_ECLOSED;
    }
    if (env->payload_len > tp->o.max_message_size || env->recipient_len > 1024
        || env->sender_len > 1024) {
        return AKT_ETOOBIG;
    }
    if (system && env->payload_len > tp->o.large_threshold) {
        return AKT_ETOOBIG;
    }
    tp_item *it = item_new(env, peer_uid);
    if (it == NULL) {
        return AKT_ENOMEM;
    }
    drop_list d = { 0 };
    akt_err rc = AKT_OK;
    int64_t now = 0;
    pthread_mutex_lock(&a->mu);
    if (a->dormant && (rc = akti_tp_assoc_wake(tp, a)) != AKT_OK) {
        goto out_free;
    }
    a->last_active = akti_now_coarse_ns(); /* only compared in seconds */
    uint64_t cur = atomic_load(&a->peer_uid);
    if (peer_uid != 0 && cur != 0 && cur != peer_uid) {
        rc = AKT_ESTOPPED;
        goto out_free;
    }
    if (a->state == AS_IDLE) {
        now = akti_now_ns();
        if (now < a->gated_until) {
            /* the last handshake failed a moment ago: its reason */
            akti_tp_drop_add(
                &d, it, a->fail_err != AKT_OK ? a->fail_err : AKT_EPEER);
            goto out;
        }
        akti_tp_start_handshake(tp, a, now);
    }
    if (a->known_down && !system) {
        /* the node is known down: fail now (the caller's dead letter fails
         * an ask at once), not after a handshake timeout; the handshake
         * just started finds the node again if it comes back */
        rc = AKT_EPEER;
        goto out_free;
    }
    if (system) {
        if (a->unacked.len == a->unacked.cap) {
            rc = AKT_EFULL;
            goto out_free;
        }
        it->seq = ++a->out_seq;
        ring_push(&a->unacked, it);
        tp_chan *c = &a->ch[AKTI_CH_CONTROL];
        if (a->state == AS_UP && c->waiting) {
            pthread_cond_signal(&c->cv);
        }
        goto out;
    }
    tp_chan *c = &a->ch[it->plen > tp->o.large_threshold ? AKTI_CH_LARGE
                                                         : AKTI_CH_ORDINARY];
    if (chan_full(tp, c, it)) {
        akt_overflow ovf = tp->o.overflow;
        if (ovf == AKT_OVERFLOW_BLOCK
            && ((flags & AKTI_SEND_NOWAIT) || akti_nowait())) {
            ovf = AKT_OVERFLOW_DROP_NEW; /* this thread must not wait */
        }
        switch (ovf) {
        case AKT_OVERFLOW_DROP_HEAD:
            while (c->q.len > 0 && chan_full(tp, c, it)) {
                akti_tp_drop_add(&d, chan_q_pop(c), AKT_EFULL);
            }
            break;
        case AKT_OVERFLOW_FAIL:
            rc = AKT_EFULL;
            goto out_free;
        case AKT_OVERFLOW_BLOCK: {
            /* the queue drains as the peer grants credit: a slow peer
             * slows this sender, for at most block-timeout */
            struct timespec dl;
            abs_deadline(&dl, tp->o.block_timeout_ns);
            while (chan_full(tp, c, it) && !atomic_load(&tp->stopping)) {
                if (pthread_cond_timedwait(&c->not_full, &a->mu, &dl)
                    == ETIMEDOUT) {
                    break;
                }
            }
            if (chan_full(tp, c, it)) {
                rc = atomic_load(&tp->stopping) ? AKT_ECLOSED : AKT_EFULL;
                goto out_free;
            }
            break;
        }
        default: /* DROP_NEW */
            akti_tp_drop_add(&d, it, AKT_EFULL);
            goto out;
        }
        /* a BLOCK wait let go of the lock: the incarnation may have
         * changed (or come up) meanwhile */
        cur = atomic_load(&a->peer_uid);
        if (peer_uid != 0 && cur != 0 && cur != peer_uid) {
            rc = AKT_ESTOPPED;
            goto out_free;
        }
    }
    if (c->kind == AKTI_CH_ORDINARY && akti_tp_lane_use(tp, a)
        && (c->lane != NULL || c->lane_ready != NULL
            || (!c->lane_th_started && akti_now_ns() >= c->lane_next))) {
        /* a data lane (open, about to take over from the socket, or to
         * be opened: the writer is woken for it): queued, then taken at
         * once by an idle lane (written on this thread unless it must not
         * wait: a receive callback's), or by the write in flight when it
         * completes */
        bool here = !(flags & AKTI_SEND_NOWAIT) && !akti_nowait();
        chan_q_push(c, it);
        if (lane_send(tp, a, c, here, &d)) {
            goto out;
        }
        if (a->state == AS_UP && !chan_has_credit(c)) {
            chan_starve(tp, a, c);
        } else if (c->filling) {
            if (lane_enough(tp, c)) {
                pthread_cond_signal(&c->cv); /* enough for a frame */
            }
        } else if (c->waiting && a->state == AS_UP
            && (c->lane == NULL || !c->lane->busy)) {
            pthread_cond_signal(&c->cv);
        }
        goto out;
    }
    if (c->kind == AKTI_CH_ORDINARY && a->state == AS_UP && c->q.len == 0
        && c->waiting && !c->inline_busy && c->open && chan_has_credit(c)
        && (it->uid == 0 || it->uid == cur)
        && (now = akti_now_ns()) - c->last_frame_at >= INLINE_IDLE_NS) {
        c->inline_busy = true;
        uint64_t token = a->peer_token;
        c->fc_sent++;
        c->fc_sent_bytes += it->plen;
        uint64_t fc_seq = c->fc_sent, fc_bytes = c->fc_sent_bytes;
        pthread_mutex_unlock(&a->mu);
        bool sent = inline_send(tp, c, it, cur, token, fc_seq, fc_bytes);
        pthread_mutex_lock(&a->mu);
        c->inline_busy = false;
        if (sent) {
            c->last_frame_at = now;
            free(it);
        } else {
            c->fc_sent--; /* the writer sends (and counts) it */
            c->fc_sent_bytes -= it->plen;
            if (!chan_q_push_front(c, it)) { /* ahead of what came meanwhile */
                akti_tp_drop_add(&d, it, AKT_EFULL);
            }
        }
        if (c->q.len > 0 && c->waiting) {
            pthread_cond_signal(&c->cv);
        }
        goto out;
    }
    chan_q_push(c, it);
    if (a->state == AS_UP && !chan_has_credit(c)) {
        chan_starve(tp, a, c); /* the writer is not woken for nothing */
    } else if (c->waiting && a->state == AS_UP) {
        pthread_cond_signal(&c->cv);
    } else if (c->filling
        && (c->q.len >= fill_mark(tp) || c->q.len >= c->q.cap / 2
            || c->qbytes >= tp->o.batch_max_bytes / 2)) {
        pthread_cond_signal(&c->cv); /* enough for a frame */
    }
    goto out;
out_free:
    item_free(it);
out:
    pthread_mutex_unlock(&a->mu);
    if (d.n) {
        akti_tp_drop_flush(tp, a, &d);
    }
    return rc;
}
