/*
 * transport_rx.c -- the transport's inbound side: the receive callback of
 * the one PULL socket and what it does with each frame -- Hellos checked
 * (version, system name, the mac that proves the cookie, quarantine) and
 * answered at the address they claim; only a Hello that echoes our nonce
 * changes an association's incarnation (a new uid there is a new
 * incarnation, confirmed at its address), every other frame accepted only with
 * the token granted to its incarnation and from a connection epoch not already
 * replaced, acks applied, system envelopes delivered once and in seq order,
 * large messages reassembled from fragments. Frames are handled one at a time,
 * those of one connection in the order they were sent: the PULL callback and
 * every data lane's reads take tp->rx_mu (akti_tp_lane_rx_frame: a lane's
 * first frame must be a LaneOpen that verifies).
 */
#include "remote/transport_impl.h"

#include <stdarg.h>
#include <stdio.h>

/* find_by_uid -- the association whose peer is incarnation uid, with a
 * reference the caller hands to found_done. The last one found is cached
 * with its reference (tp->rx_last): a stream of frames from one peer
 * takes it out and puts it back (two atomic exchanges, no lock); another
 * is looked up under tp->mu, where references are taken from the table
 * (the ticker frees an association nobody refers to only under it). */
static akti_assoc *
find_by_uid(akti_tp *tp, uint64_t uid)
{
    akti_assoc *a = atomic_exchange(&tp->rx_last, NULL);
    if (a != NULL && atomic_load(&a->peer_uid) == uid) {
        return a; /* the cache's reference is the caller's now */
    }
    if (a != NULL) {
        akti_assoc_release(a);
    }
    pthread_mutex_lock(&tp->mu);
    for (a = tp->assocs; a; a = a->next) {
        if (atomic_load(&a->peer_uid) == uid) {
            akti_assoc_hold(a);
            break;
        }
    }
    pthread_mutex_unlock(&tp->mu);
    return a;
}

/* found_done -- the frame from a (find_by_uid) is handled: a and its
 * reference go back to the cache */
static void
found_done(akti_tp *tp, akti_assoc *a)
{
    akti_assoc *old = atomic_exchange(&tp->rx_last, a);
    if (old != NULL) {
        akti_assoc_release(old);
    }
}

/* refusal_note -- a Hello from the address url is refused: is it time to
 * tell that address why (at most once per 250 ms per address), and to log
 * it (once per address per minute, with the count of those refused
 * quietly since; at most 5 lines a second in all, so that a stranger
 * cycling addresses cannot flood the log)? Receive callback only. */
static void
refusal_note(akti_tp *tp, const char *url, int64_t now, bool *send, bool *log,
    uint64_t *quiet)
{
    uint64_t h = 14695981039346656037ULL;
    for (const char *p = url; *p; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    }
    size_t n = sizeof(tp->refusals) / sizeof(tp->refusals[0]);
    struct tp_refusal *r = NULL, *oldest = &tp->refusals[0];
    for (size_t i = 0; i < n; i++) {
        if (tp->refusals[i].hash == h) {
            r = &tp->refusals[i];
            break;
        }
        if (tp->refusals[i].sent < oldest->sent) {
            oldest = &tp->refusals[i];
        }
    }
    if (r == NULL) {
        r = oldest;
        memset(r, 0, sizeof(*r));
        r->hash = h;
        r->sent = r->logged = INT64_MIN / 2;
    }
    *send = now - r->sent >= 250000000LL;
    if (*send) {
        r->sent = now;
    }
    *log = false;
    if (now - r->logged >= 60000000000LL) {
        if (now - tp->refusal_log_at >= 1000000000LL) {
            tp->refusal_log_at = now;
            tp->refusal_log_n = 0;
        }
        *log = tp->refusal_log_n++ < 5;
    }
    *quiet = r->quiet;
    if (*log) {
        r->logged = now;
        r->quiet = 0;
    } else {
        r->quiet++;
    }
}

/* refuse -- a Hello is refused: counted in *counter, logged (rate-limited,
 * per claimed address) on this side, and its sender told why
 * (akti_tp_send_refusal) when its nonce can be echoed. system: our name,
 * for SYSTEM only. */
static void refuse(akti_tp *tp, _Atomic uint64_t *counter,
    const Akt__Remote__Hello *h, int code, const char *system, const char *fmt,
    ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static void
refuse(akti_tp *tp, _Atomic uint64_t *counter, const Akt__Remote__Hello *h,
    int code, const char *system, const char *fmt, ...)
{
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
    bool send, log;
    uint64_t quiet;
    refusal_note(tp, h->address, akti_now_ns(), &send, &log, &quiet);
    if (log) {
        char line[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (quiet) {
            akti_rlog(tp, AKTI_LOG_WARN,
                "%s (and %llu more from that address since the last line)",
                line, (unsigned long long)quiet);
        } else {
            akti_rlog(tp, AKTI_LOG_WARN, "%s", line);
        }
    }
    if (send && h->nonce.len == AKTI_HELLO_NONCE_LEN) {
        akti_tp_send_refusal(
            tp, h->address, h->uid, h->nonce.data, code, system);
    }
}

/* on_hello -- a Hello is a claim until it is authenticated: its mac must
 * verify with our cookie (else it is refused and changes nothing), and only
 * one that echoes the nonce we sent to the address it claims may set or
 * replace the uid of our association with that address, or hand us a
 * token. A valid Hello that echoes nothing of ours is answered, at most
 * once per handshake-retry-interval unless it moved the handshake on, with
 * our Hello -- sent to the claimed address, never to whoever sent it.
 * src: the host the frame came from (limits, logs). */
static void on_hello_assoc(
    akti_tp *tp, const Akt__Remote__Hello *h, akti_assoc *a, const char *src);

static void
on_hello(akti_tp *tp, const Akt__Remote__Frame *f, const char *src)
{
    const Akt__Remote__Hello *h = f->hello;
    /* the order of the checks decides what a stranger learns from the
     * refusal: only the version before the mac; whether the system name
     * is right, only a sender that proved the cookie */
    if (h->version != AKTI_REMOTE_PROTOCOL_VERSION) {
        refuse(tp, &tp->st.rejected_handshake, h,
            AKT__REMOTE__REFUSAL_CODE__VERSION, NULL,
            "handshake from %s (%s, source %s) refused: protocol version %u, "
            "this node speaks %u",
            h->system, h->address, src, h->version,
            AKTI_REMOTE_PROTOCOL_VERSION);
        return;
    }
    uint8_t mac[AKTI_HELLO_MAC_LEN];
    akti_hello_mac(tp->cookie, tp->cookie_len, h, mac);
    if (!akti_ct_equal(mac, h->mac.data, sizeof(mac))) {
        refuse(tp, &tp->st.rejected_handshake, h,
            AKT__REMOTE__REFUSAL_CODE__AUTH, NULL,
            "handshake from %s (claims %s, source %s) refused: its proof of "
            "the cookie does not verify (wrong or missing akt.remote.cookie)",
            h->system, h->address, src);
        return;
    }
    if (strcmp(h->to_system, tp->system) != 0) {
        refuse(tp, &tp->st.rejected_handshake, h,
            AKT__REMOTE__REFUSAL_CODE__SYSTEM, tp->system,
            "handshake from %s (%s, source %s) refused: it wants system "
            "'%s', this is '%s'",
            h->system, h->address, src, h->to_system, tp->system);
        return;
    }
    if (h->uid == tp->uid || akti_tp_is_quarantined(tp, h->uid)) {
        refuse(tp, &tp->st.rejected_unauth, h,
            AKT__REMOTE__REFUSAL_CODE__QUARANTINED, NULL,
            "handshake from %s (%s, source %s) refused: incarnation %016llx "
            "is quarantined",
            h->system, h->address, src, (unsigned long long)h->uid);
        return;
    }
    akti_assoc *a = akti_tp_assoc_inbound(tp, h->address, h->system, src);
    if (a != NULL) {
        on_hello_assoc(tp, h, a, src);
        akti_assoc_release(a);
        return;
    }
    /* a limit (counted and logged there), or stopping */
    if (!atomic_load(&tp->stopping)) {
        bool send, log;
        uint64_t quiet;
        refusal_note(tp, h->address, akti_now_ns(), &send, &log, &quiet);
        if (send) {
            akti_tp_send_refusal(tp, h->address, h->uid, h->nonce.data,
                AKT__REMOTE__REFUSAL_CODE__LIMIT, NULL);
        }
    }
}

/* on_hello_assoc -- on_hello, once the Hello passed its checks: what it
 * does to a, the association with the address it claims (held) */
static void
on_hello_assoc(
    akti_tp *tp, const Akt__Remote__Hello *h, akti_assoc *a, const char *src)
{
    drop_list d = { 0 };
    ev_list evs = { 0 };
    int64_t now = akti_now_ns();
    pthread_mutex_lock(&a->mu);
    if (a->dormant && akti_tp_assoc_wake(tp, a) != AKT_OK) {
        pthread_mutex_unlock(&a->mu);
        return;
    }
    a->last_active = now;
    bool confirmed = h->echo.len == sizeof(a->my_nonce)
        && akti_ct_equal(h->echo.data, a->my_nonce, sizeof(a->my_nonce));
    bool progress = !a->have_peer_nonce;
    memcpy(a->peer_nonce, h->nonce.data, sizeof(a->peer_nonce));
    a->have_peer_nonce = true;
    if (a->system[0] == '\0') {
        snprintf(a->system, sizeof(a->system), "%s", h->system);
    }
    uint64_t cur = atomic_load(&a->peer_uid);
    if (confirmed) {
        if (a->session_uid != h->uid) {
            if (a->session_uid != 0 && cur == 0 && !a->left
                && !akti_tp_is_quarantined(tp, a->session_uid)) {
                /* a new incarnation where the last one's session had
                 * already ended (unreachable, then it restarted): that
                 * one is gone for good */
                uint64_t old = a->session_uid;
                akti_tp_quarantine_add(tp, old);
                STAT_ADD(tp, quarantines, 1);
                akti_rlog(tp, AKTI_LOG_WARN,
                    "%s at %s restarted: incarnation %016llx replaced by "
                    "%016llx (the old one is quarantined)",
                    a->system, a->url, (unsigned long long)old,
                    (unsigned long long)h->uid);
                akti_tp_ev_add(&evs, AKTI_PEER_QUARANTINED, old,
                    "restarted with a new uid (confirmed at its address)");
            }
            a->session_uid = h->uid; /* sessions are counted per incarnation */
            a->peer_session = 0;
        }
        if (h->session < a->peer_session) {
            /* a late copy of a Hello from an earlier session */
            pthread_mutex_unlock(&a->mu);
            return;
        }
        if (h->session > a->peer_session && a->peer_session != 0
            && cur == h->uid) {
            /* the peer ended the session we hold with it (its failure
             * detector fired, or it was reset): ours ends too -- watchers
             * on both sides learn alike -- and a new one starts between
             * the same incarnations */
            akti_rlog(tp, AKTI_LOG_WARN,
                "%s at %s (uid %016llx) ended its session with this node "
                "(it had lost contact): ours ends too (watchers of its "
                "actors get Terminated), a new one starts",
                a->system, a->url, (unsigned long long)cur);
            akti_tp_end_session(
                tp, a, "the peer ended the session", false, &d, &evs);
            cur = 0;
        }
        a->peer_session = h->session;
        if (a->claim_uid == h->uid || cur == h->uid) {
            a->claim_uid = 0;
        }
        if (cur != 0 && cur != h->uid) {
            /* the peer restarted, and the new incarnation proved itself at
             * the address: the old one is gone for good */
            akti_tp_quarantine_peer(tp, a,
                "restarted with a new uid (confirmed at its address)", &d,
                &evs);
            a->claim_uid = 0;
        }
        if (atomic_load(&a->peer_uid) == 0) {
            atomic_store(&a->peer_uid, h->uid);
            a->my_token = akti_tp_random64();
            a->peer_token = 0;
            a->in_next = 1;
            memset(a->rx_epoch, 0, sizeof(a->rx_epoch));
            akti_tp_flow_reset(a); /* credit counts per incarnation pair */
            a->state = AS_HANDSHAKE;
            a->hs_failed = false;
            a->hs_start = now; /* the timeout counts from the last step */
            progress = true;
        }
        if (atomic_load(&a->peer_uid) == h->uid) {
            /* the peer's data lane (protocol 5): a longer URL than fits
             * is not used (its ORDINARY frames go to the PULL socket) */
            const char *lane = h->lane != NULL ? h->lane : "";
            if (strlen(lane) >= sizeof(a->peer_lane)) {
                lane = "";
            }
            snprintf(a->peer_lane, sizeof(a->peer_lane), "%s", lane);
        }
        if (h->token != 0 && h->to_uid == tp->uid
            && a->peer_token != h->token) {
            a->peer_token = h->token;
            progress = true;
        }
    } else {
        STAT_ADD(tp, claims, 1);
        if (cur != 0 && cur != h->uid && a->claim_uid != h->uid) {
            a->claim_uid = h->uid;
            a->claim_at = now;
            akti_rlog(tp, AKTI_LOG_INFO,
                "%s (source %s) claims a new incarnation %016llx at %s, where "
                "%016llx is up: challenging the address",
                h->system, src, (unsigned long long)h->uid, a->url,
                (unsigned long long)cur);
        }
        if (a->state == AS_IDLE && now >= a->gated_until) {
            a->state = AS_HANDSHAKE;
            a->hs_start = now;
            a->hs_failed = false;
            progress = true;
        }
    }
    /* does the peer hold our current token (not an older one: a side
     * that re-made its token must not be taken as up with the old)? */
    bool has_mine = confirmed && atomic_load(&a->peer_uid) == h->uid
        && a->my_token != 0 && h->your_token == a->my_token;
    /* answer when the Hello needs our nonce echoed, when the peer lacks
     * our current token, and when we learnt something (then it learns
     * that we hold its token); else at most once per retry interval */
    if ((!confirmed || !has_mine || progress)
        && (progress || now - a->hs_last >= tp->o.handshake_retry_ns)) {
        akti_tp_send_hello(tp, a);
    }
    if (a->peer_token != 0 && atomic_load(&a->peer_uid) != 0
        && a->state != AS_UP && has_mine) {
        akti_tp_become_up(tp, a, &evs);
    }
    pthread_mutex_unlock(&a->mu);
    if (d.n) {
        akti_tp_drop_flush(tp, a, &d);
    }
    akti_tp_ev_flush(tp, a, &evs);
}

/* deliver -- one envelope to the callback; returns the footprint it kept
 * under the channel's credit slot (0: consumed on return). ln: the lengths
 * of its strings when the decoder gave them (a Batch's), else NULL */
static size_t
deliver(akti_tp *tp, akti_assoc *a, uint64_t uid, int ch,
    const Akt__Remote__Envelope *pe, const akti_env_len *ln)
{
    STAT_ADD(tp, envelopes_received, 1);
    if (tp->o.cb == NULL || tp->o.cb->on_envelope == NULL) {
        return 0;
    }
    uint16_t credit = 0;
    if (ch != AKTI_CH_CONTROL && a->ch[ch].rx_credit != NULL) {
        credit = atomic_load_explicit(
            &a->ch[ch].rx_credit_id, memory_order_relaxed);
    }
    akti_peer p = { a, a->system, a->url, uid, credit };
    akti_envelope e
        = { pe->recipient, ln ? ln->recipient : strlen(pe->recipient),
              pe->sender, ln ? ln->sender : strlen(pe->sender), pe->type_id,
              pe->payload.data, pe->payload.len };
    size_t held = tp->o.cb->on_envelope(tp->o.cb_arg, &p, ch, &e);
    return credit != 0 ? held : 0;
}

/* deliver_batch -- a data frame's envelopes to on_batch, up to
 * RX_CHUNK at a time; adds what the callback kept under the channel's
 * credit slot to *held / *held_bytes */
#define RX_CHUNK 64
static void
deliver_batch(akti_tp *tp, akti_assoc *a, uint64_t uid, int ch,
    const Akt__Remote__Batch *b, const akti_env_len *lens, uint64_t *held,
    uint64_t *held_bytes)
{
    STAT_ADD(tp, envelopes_received, b->n_envelopes);
    uint16_t credit = 0;
    if (a->ch[ch].rx_credit != NULL) {
        credit = atomic_load_explicit(
            &a->ch[ch].rx_credit_id, memory_order_relaxed);
    }
    akti_peer p = { a, a->system, a->url, uid, credit };
    akti_envelope ev[RX_CHUNK];
    for (size_t i = 0; i < b->n_envelopes; i += RX_CHUNK) {
        size_t m
            = b->n_envelopes - i < RX_CHUNK ? b->n_envelopes - i : RX_CHUNK;
        for (size_t k = 0; k < m; k++) {
            const Akt__Remote__Envelope *pe = b->envelopes[i + k];
            ev[k] = (akti_envelope) { pe->recipient,
                lens ? lens[i + k].recipient : strlen(pe->recipient),
                pe->sender, lens ? lens[i + k].sender : strlen(pe->sender),
                pe->type_id, pe->payload.data, pe->payload.len };
        }
        uint64_t h = 0, hb = 0;
        tp->o.cb->on_batch(tp->o.cb_arg, &p, ch, ev, m, &h, &hb);
        if (credit != 0) {
            *held += h;
            *held_bytes += hb;
        }
    }
}

/* rx_credit_open -- the first data frame of a channel: ask the owner for
 * the credit slot that tells us when delivered messages are consumed
 * (no lock held: it is a callback) */
static void
rx_credit_open(akti_tp *tp, akti_assoc *a, int ch)
{
    tp_chan *c = &a->ch[ch];
    if (c->rx_credit_tried) {
        return;
    }
    c->rx_credit_tried = true; /* receiver thread only */
    if (tp->o.cb == NULL || tp->o.cb->credit_open == NULL) {
        return;
    }
    uint16_t id = 0;
    akti_credit *ctr = NULL;
    if (tp->o.cb->credit_open(tp->o.cb_arg, a, ch, &id, &ctr) != AKT_OK
        || id == 0 || ctr == NULL) {
        akti_rlog(tp, AKTI_LOG_WARN,
            "no credit slot for channel %d of %s: its messages count as "
            "consumed when delivered (mailboxes are not part of the window)",
            ch, a->url);
        return;
    }
    pthread_mutex_lock(&a->mu);
    c->rx_credit = ctr;
    /* what the slot's counters already count (a slot another association
     * used, credit_close) is not ours: held starts level with released */
    c->rx_held += atomic_load(&ctr->released);
    c->rx_held_bytes += atomic_load(&ctr->released_bytes);
    atomic_store_explicit(&c->rx_credit_id, id, memory_order_relaxed);
    pthread_mutex_unlock(&a->mu);
}

/* over_window -- the peer has over twice its window unconsumed here: it
 * sends past its grant (a compliant peer stays within the window, plus at
 * most one window after a re-created connection). Receiver thread: the
 * only writer of rx_held. */
static bool
over_window(const akti_tp *tp, const tp_chan *c)
{
    if (c->rx_credit == NULL) {
        return false;
    }
    uint64_t rel = atomic_load(&c->rx_credit->released);
    uint64_t relb = atomic_load(&c->rx_credit->released_bytes);
    uint64_t pend = c->rx_held > rel ? c->rx_held - rel : 0;
    uint64_t pendb = c->rx_held_bytes > relb ? c->rx_held_bytes - relb : 0;
    return pend > 2 * (uint64_t)tp->o.receive_window
        || pendb
        > 2 * (uint64_t)tp->o.receive_window_bytes + tp->o.max_message_size;
}

/* rx_flow -- after a data frame: what the peer says it sent, what our
 * callback kept, and the grant that follows */
static void
rx_flow(akti_tp *tp, akti_assoc *a, uint64_t uid, const Akt__Remote__Frame *f,
    uint64_t held, uint64_t held_bytes)
{
    int ch = (int)f->channel;
    if (ch != AKTI_CH_ORDINARY && ch != AKTI_CH_LARGE) {
        return;
    }
    pthread_mutex_lock(&a->mu);
    tp_chan *c = &a->ch[ch];
    c->rx_held += held;
    c->rx_held_bytes += held_bytes;
    if (atomic_load(&a->peer_uid) == uid) {
        akti_tp_flow_seen(a, ch, f->fc_seq, f->fc_bytes);
        akti_tp_flow_grant(tp, a, ch, false);
        if (c->rx_probe != 0 && c->rx_seen >= c->rx_probe) {
            /* a starved peer asked: it learns at once that we have seen
             * what it sent (its stall check waits for that) */
            c->rx_probe = 0;
            akti_tp_send_flow(tp, a);
        }
    }
    pthread_mutex_unlock(&a->mu);
}

/* flow_apply -- a peer's Flow window for our channel ch: its grant (never
 * taken back: the largest counts) and, when it is starved, its sent
 * counts (a->mu held) */
static void
flow_apply(akti_tp *tp, akti_assoc *a, int ch, const Akt__Remote__Window *w)
{
    if (w == NULL) {
        return;
    }
    tp_chan *c = &a->ch[ch];
    bool more = false;
    if (w->seen > c->peer_seen) {
        c->peer_seen = w->seen; /* progress: not a stalled connection */
        c->progress_at = akti_now_ns();
        if (c->lane_ready != NULL && c->waiting) {
            pthread_cond_signal(&c->cv); /* it waits for the socket */
        }
    }
    if (c->fc_lost_upto != 0 && c->peer_seen >= c->fc_lost_upto) {
        c->fc_lost_upto = c->fc_lost_upto_bytes = 0; /* the peer knows */
    }
    if (w->lost_upto != 0 && w->lost_upto > c->rx_seen) {
        /* the peer re-created its connection: what it sent before is
         * seen or lost, never to come (a frame of the old connection that
         * still arrives counts once more against the window, at most) */
        akti_tp_flow_seen(a, ch, w->lost_upto, w->lost_upto_bytes);
        akti_tp_flow_grant(tp, a, ch, true);
        akti_tp_send_flow(tp, a);
    }
    if (w->limit > c->fc_limit) {
        c->fc_limit = w->limit;
        more = true;
    }
    if (w->limit_bytes > c->fc_limit_bytes) {
        c->fc_limit_bytes = w->limit_bytes;
        more = true;
    }
    if (more && c->waiting && c->q.len > 0) {
        pthread_cond_signal(&c->cv);
    }
    if (w->sent != 0 || w->sent_bytes != 0) {
        /* the peer waits for credit. What it sent is on its way, or was
         * lost with a replaced connection: once we have seen it all, or
         * now if we have, it learns our count and new grant */
        if (c->rx_seen >= w->sent) {
            c->rx_probe = 0;
            akti_tp_flow_grant(tp, a, ch, true);
            akti_tp_send_flow(tp, a);
        } else {
            c->rx_probe = w->sent;
        }
    }
}

void
akti_tp_rx_frag_reset(akti_assoc *a)
{
    free(a->rx.buf);
    free(a->rx.recipient);
    free(a->rx.sender);
    memset(&a->rx, 0, sizeof(a->rx));
}

/* on_fragment -- returns what deliver() returned for a completed message
 * (the footprint kept under credit), else 0 */
static size_t
on_fragment(
    akti_tp *tp, akti_assoc *a, uint64_t uid, const Akt__Remote__Fragment *g)
{
    size_t held = 0;
    if (g->index == 0) {
        if (a->rx.buf != NULL) {
            STAT_ADD(tp, rejected_corrupt, 1); /* abandoned partial message */
        }
        akti_tp_rx_frag_reset(a);
        a->rx.buf = malloc(g->total_len);
        a->rx.recipient = tp_strdup(g->head->recipient);
        a->rx.sender = tp_strdup(g->head->sender);
        if (a->rx.buf == NULL || a->rx.recipient == NULL
            || a->rx.sender == NULL) {
            akti_tp_rx_frag_reset(a);
            return 0;
        }
        a->rx.msg_id = g->msg_id;
        a->rx.count = g->count;
        a->rx.total = g->total_len;
        a->rx.type_id = g->head->type_id;
    } else if (a->rx.buf == NULL || g->msg_id != a->rx.msg_id
        || g->index != a->rx.next || g->count != a->rx.count
        || g->total_len != a->rx.total) {
        akti_tp_reject(tp, &tp->st.rejected_corrupt,
            "fragment %u/%u of message %llu from %s out of sequence: dropped",
            g->index, g->count, (unsigned long long)g->msg_id, a->url);
        akti_tp_rx_frag_reset(a);
        return 0;
    }
    if (g->data.len > a->rx.total - a->rx.got) {
        akti_tp_reject(tp, &tp->st.rejected_corrupt,
            "fragment overruns its message from %s", a->url);
        akti_tp_rx_frag_reset(a);
        return 0;
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
            held = deliver(tp, a, uid, AKTI_CH_LARGE, &pe, NULL);
        } else {
            akti_tp_reject(tp, &tp->st.rejected_corrupt,
                "large message from %s has the wrong length", a->url);
        }
        akti_tp_rx_frag_reset(a);
    }
    return held;
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
    if (f->conn_epoch == 0 || ch <= AKTI_CH_CONTROL || ch > AKTI_CH_LARGE) {
        return true;
    }
    pthread_mutex_lock(&a->mu);
    bool ok
        = atomic_load(&a->peer_uid) == uid && f->conn_epoch >= a->rx_epoch[ch];
    bool newer = ok && f->conn_epoch > a->rx_epoch[ch];
    bool had = a->rx_epoch[ch] != 0;
    if (ok) {
        a->rx_epoch[ch] = f->conn_epoch;
    }
    if (newer && had && ch == AKTI_CH_LARGE) {
        akti_tp_rx_frag_reset(a);
    }
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

/* on_refusal -- a peer refused a Hello of ours and says why. Acted on
 * only when it echoes the nonce of one of our associations (the refuser
 * received what we sent to that address) while that association's
 * handshake runs: the handshake fails at once with the reason, counted in
 * rejected_handshake here too. Anything else is counted and ignored. */
static void on_refusal_assoc(
    akti_tp *tp, const Akt__Remote__Frame *f, akti_assoc *a);

static void
on_refusal(akti_tp *tp, const Akt__Remote__Frame *f)
{
    const Akt__Remote__Refusal *r = f->refusal;
    akti_assoc *a;
    pthread_mutex_lock(&tp->mu);
    for (a = tp->assocs; a; a = a->next) {
        if (akti_ct_equal(a->my_nonce, r->echo.data, sizeof(a->my_nonce))) {
            break;
        }
    }
    if (a != NULL) {
        akti_assoc_hold(a);
    }
    pthread_mutex_unlock(&tp->mu);
    if (a == NULL) {
        akti_tp_reject(tp, &tp->st.rejected_unauth,
            "a refusal that answers no Hello of ours dropped (from %016llx)",
            (unsigned long long)f->from_uid);
        return;
    }
    on_refusal_assoc(tp, f, a);
    akti_assoc_release(a);
}

/* on_refusal_assoc -- the refusal echoes a's nonce (a held) */
static void
on_refusal_assoc(akti_tp *tp, const Akt__Remote__Frame *f, akti_assoc *a)
{
    const Akt__Remote__Refusal *r = f->refusal;
    drop_list d = { 0 };
    ev_list evs = { 0 };
    pthread_mutex_lock(&a->mu);
    if (a->state != AS_HANDSHAKE) {
        pthread_mutex_unlock(&a->mu);
        return; /* already decided (a late or repeated refusal) */
    }
    STAT_ADD(tp, rejected_handshake, 1);
    char text[192];
    akt_err err = AKT_EPEER;
    switch (r->code) {
    case AKT__REMOTE__REFUSAL_CODE__AUTH:
        err = AKT_EAUTH;
        snprintf(text, sizeof(text),
            "refused by the peer: our proof of the cookie does not verify "
            "there (akt.remote.cookie differs)");
        break;
    case AKT__REMOTE__REFUSAL_CODE__VERSION:
        err = AKT_EPROTO;
        snprintf(text, sizeof(text),
            "refused by the peer: it speaks remoting protocol version %u, "
            "this node %u",
            r->version, AKTI_REMOTE_PROTOCOL_VERSION);
        break;
    case AKT__REMOTE__REFUSAL_CODE__SYSTEM:
        err = AKT_ENOENT;
        snprintf(text, sizeof(text),
            "refused by the peer: no system '%.64s' there (it is '%.64s')",
            a->system, r->system);
        break;
    case AKT__REMOTE__REFUSAL_CODE__QUARANTINED:
        snprintf(text, sizeof(text),
            "refused by the peer: it has quarantined this system's "
            "incarnation %016llx; restart this system to talk to it again",
            (unsigned long long)tp->uid);
        if (a->logged_err != AKT_EPEER) {
            akti_rlog(
                tp, AKTI_LOG_ERROR, "%s at %s: %s", a->system, a->url, text);
        }
        akti_tp_ev_add(&evs, AKTI_PEER_QUARANTINED_BY_PEER, f->from_uid,
            "quarantined by the peer");
        break;
    case AKT__REMOTE__REFUSAL_CODE__LIMIT:
        snprintf(text, sizeof(text),
            "refused by the peer: a connection or association limit was "
            "reached there");
        break;
    default:
        snprintf(text, sizeof(text), "refused by the peer");
        break;
    }
    akti_tp_hs_fail(tp, a, akti_now_ns(), err, text, &d, &evs);
    if (r->code == AKT__REMOTE__REFUSAL_CODE__SYSTEM && r->system[0] != '\0') {
        /* the next handshake asks for the system that is there; paths
         * naming another one are refused by it one by one (no system) */
        snprintf(a->system, sizeof(a->system), "%s", r->system);
    }
    pthread_mutex_unlock(&a->mu);
    if (d.n) {
        akti_tp_drop_flush(tp, a, &d);
    }
    akti_tp_ev_flush(tp, a, &evs);
}

/* rx_dropped -- f is dropped before delivery (for another incarnation of
 * this node, from a session that ended, from a replaced connection): each
 * user message in it is counted (dropped_unread) and handed to on_rx_drop
 * (remote.c: a dead letter here), so no message is lost uncounted on this
 * side either. The frame is not authenticated: nothing else is done. */
static void
rx_dropped(akti_tp *tp, const Akt__Remote__Frame *f, akt_err reason)
{
    const Akt__Remote__Envelope *one = NULL;
    const Akt__Remote__Envelope *const *v = &one;
    size_t n = 0;
    if (f->body_case == AKT__REMOTE__FRAME__BODY_BATCH
        && f->channel != AKT__REMOTE__CHANNEL__CONTROL) {
        v = (const Akt__Remote__Envelope *const *)f->batch->envelopes;
        n = f->batch->n_envelopes;
    } else if (f->body_case == AKT__REMOTE__FRAME__BODY_FRAGMENT
        && f->fragment->index == 0) {
        one = f->fragment->head; /* a large message: counted, not rebuilt */
        n = 1;
    }
    if (n == 0) {
        return;
    }
    STAT_ADD(tp, dropped_unread, n);
    if (tp->o.cb == NULL || tp->o.cb->on_rx_drop == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const Akt__Remote__Envelope *pe = v[i];
        akti_envelope e = { pe->recipient, strlen(pe->recipient), pe->sender,
            strlen(pe->sender), pe->type_id, pe->payload.data,
            pe->payload.len };
        if (f->body_case == AKT__REMOTE__FRAME__BODY_FRAGMENT) {
            e.payload = NULL;
            e.payload_len = 0;
        }
        tp->o.cb->on_rx_drop(tp->o.cb_arg, &e, reason);
    }
}

/* on_frame -- one decoded frame; m: the NNG message it came in (its
 * source), or NULL with src given (akti_tp_rx_bytes) */
static void on_frame_assoc(
    akti_tp *tp, const Akt__Remote__Frame *f, akti_assoc *a);

static void
on_frame(akti_tp *tp, const Akt__Remote__Frame *f, nng_msg *m, const char *src0)
{
    if (f->body_case == AKT__REMOTE__FRAME__BODY_HELLO) {
        char src[48];
        if (m != NULL) {
            akti_tp_source_of_msg(m, src, sizeof(src));
        } else {
            snprintf(src, sizeof(src), "%s", src0 ? src0 : "local");
        }
        on_hello(tp, f, src);
        return;
    }
    if (f->body_case == AKT__REMOTE__FRAME__BODY_REFUSAL) {
        on_refusal(tp, f);
        return;
    }
    if (f->body_case == AKT__REMOTE__FRAME__BODY_LANE_OPEN) {
        akti_tp_reject(tp, &tp->st.rejected_lane,
            "LaneOpen from %016llx dropped: it is only valid on a data lane",
            (unsigned long long)f->from_uid);
        return;
    }
    akti_assoc *a = find_by_uid(tp, f->from_uid);
    if (a != NULL && f->to_uid == tp->uid) {
        on_frame_assoc(tp, f, a);
        found_done(tp, a);
        return;
    }
    if (a != NULL) {
        found_done(tp, a); /* a frame for another incarnation of us */
    }
    rx_dropped(tp, f, AKT_ESTOPPED);
    if (a == NULL && f->to_uid == tp->uid && akti_tp_gone(tp, f->from_uid)) {
        /* in flight when its session ended (it left, was reset or
         * replaced): expected, counted, not worth a warning */
        STAT_ADD(tp, rejected_unauth, 1);
        return;
    }
    if (f->to_uid != tp->uid && f->to_uid != 0) {
        akti_tp_reject(tp, &tp->st.rejected_unauth,
            "frame from %016llx for incarnation %016llx dropped: this "
            "node is %016llx (it restarted; the sender learns it from "
            "our handshake), its messages are dead letters here",
            (unsigned long long)f->from_uid, (unsigned long long)f->to_uid,
            (unsigned long long)tp->uid);
        return;
    }
    akti_tp_reject(tp, &tp->st.rejected_unauth,
        "frame (body %d, channel %d) from unknown or stale incarnation "
        "%016llx dropped",
        (int)f->body_case, (int)f->channel, (unsigned long long)f->from_uid);
}

/* on_frame_assoc -- a frame other than Hello or Refusal from a's peer
 * incarnation, for us (a held) */
static void
on_frame_assoc(akti_tp *tp, const Akt__Remote__Frame *f, akti_assoc *a)
{
    pthread_mutex_lock(&a->mu);
    bool ok = atomic_load(&a->peer_uid) == f->from_uid && a->my_token != 0
        && f->token == a->my_token;
    pthread_mutex_unlock(&a->mu);
    if (!ok) {
        rx_dropped(tp, f, AKT_ESTOPPED);
        akti_tp_reject(tp, &tp->st.rejected_unauth,
            "frame from %016llx without a valid token dropped",
            (unsigned long long)f->from_uid);
        return;
    }
    uint64_t uid = f->from_uid;
    if (!fresh_epoch(tp, a, uid, f)) {
        /* dropped for order, but its counts tell what the peer sent: the
         * window is not shrunk by what is lost */
        rx_flow(tp, a, uid, f, 0, 0);
        rx_dropped(tp, f, AKT_ESTOPPED);
        return;
    }
    drop_list d = { 0 };
    ev_list evs = { 0 };
    pthread_mutex_lock(&a->mu);
    if (a->state == AS_HANDSHAKE && a->peer_token != 0
        && atomic_load(&a->peer_uid) == uid) {
        /* a frame with our current token: the peer holds it (its Hello
         * saying so may be on the way) */
        akti_tp_become_up(tp, a, &evs);
    }
    pthread_mutex_unlock(&a->mu);
    switch (f->body_case) {
    case AKT__REMOTE__FRAME__BODY_HEARTBEAT:
        pthread_mutex_lock(&a->mu);
        akti_phi_heartbeat(&a->phi, akti_now_ns());
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
            if (a->sys_sent > 0) {
                a->sys_sent--;
            }
        }
        if (f->ack->nack && a->unacked.len > 0 && a->sys_sent > 0) {
            a->sys_sent = 0;
            STAT_ADD(tp, system_resends, 1);
            if (a->ch[AKTI_CH_CONTROL].waiting) {
                pthread_cond_signal(&a->ch[AKTI_CH_CONTROL].cv);
            }
        }
        pthread_mutex_unlock(&a->mu);
        break;
    }
    case AKT__REMOTE__FRAME__BODY_BATCH: {
        const Akt__Remote__Batch *b = f->batch;
        if (f->channel != AKT__REMOTE__CHANNEL__CONTROL) {
            rx_credit_open(tp, a, (int)f->channel);
            if (over_window(tp, &a->ch[f->channel])) {
                /* a peer that ignores its grant (a flow-control bug or
                 * malice): the window is the bound of this node's memory */
                akti_tp_reject(tp, &tp->st.rejected_window,
                    "a frame of %zu envelopes from %s dropped: the peer sent "
                    "past twice its receive window "
                    "(akt.remote.receive-window)",
                    b->n_envelopes, a->url);
                rx_flow(tp, a, uid, f, 0, 0);
                break;
            }
            uint64_t held = 0, held_bytes = 0;
            if (tp->o.cb != NULL && tp->o.cb->on_batch != NULL) {
                deliver_batch(tp, a, uid, (int)f->channel, b, tp->arena.lens,
                    &held, &held_bytes);
                rx_flow(tp, a, uid, f, held, held_bytes);
                break;
            }
            for (size_t i = 0; i < b->n_envelopes; i++) {
                size_t fp = deliver(tp, a, uid, f->channel, b->envelopes[i],
                    tp->arena.lens ? &tp->arena.lens[i] : NULL);
                if (fp != 0) {
                    held++;
                    held_bytes += fp;
                }
            }
            rx_flow(tp, a, uid, f, held, held_bytes);
            break;
        }
        /* reliable, in order: deliver seq == in_next only */
        bool gap = false;
        for (size_t i = 0; i < b->n_envelopes; i++) {
            const Akt__Remote__Envelope *pe = b->envelopes[i];
            pthread_mutex_lock(&a->mu);
            bool take
                = atomic_load(&a->peer_uid) == uid && pe->seq == a->in_next;
            if (take) {
                a->in_next++;
            } else if (pe->seq > a->in_next) {
                gap = true;
            }
            pthread_mutex_unlock(&a->mu);
            if (take) {
                deliver(tp, a, uid, AKTI_CH_CONTROL, pe,
                    tp->arena.lens ? &tp->arena.lens[i] : NULL);
            }
            if (gap) {
                break;
            }
        }
        pthread_mutex_lock(&a->mu);
        if (atomic_load(&a->peer_uid) == uid) {
            akti_tp_send_ack(tp, a, gap);
        }
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
                akti_tp_quarantine_add(tp, uid);
                akti_tp_ev_add(&evs, AKTI_PEER_QUARANTINED_BY_PEER, uid,
                    f->quarantine->reason);
                akti_tp_reset_incarnation(tp, a, &d, AKT_EPEER);
            }
            pthread_mutex_unlock(&a->mu);
        }
        break;
    case AKT__REMOTE__FRAME__BODY_FRAGMENT: {
        rx_credit_open(tp, a, AKTI_CH_LARGE);
        if (f->fragment->index == 0 && over_window(tp, &a->ch[AKTI_CH_LARGE])) {
            akti_tp_reject(tp, &tp->st.rejected_window,
                "a large message from %s dropped: the peer sent past twice "
                "its receive window (akt.remote.receive-window)",
                a->url);
            akti_tp_rx_frag_reset(a);
            rx_flow(tp, a, uid, f, 0, 0);
            break;
        }
        size_t fp = on_fragment(tp, a, uid, f->fragment);
        rx_flow(tp, a, uid, f, fp != 0, fp);
        break;
    }
    case AKT__REMOTE__FRAME__BODY_FLOW:
        pthread_mutex_lock(&a->mu);
        if (atomic_load(&a->peer_uid) == uid) {
            flow_apply(tp, a, AKTI_CH_ORDINARY, f->flow->ordinary);
            flow_apply(tp, a, AKTI_CH_LARGE, f->flow->large);
        }
        pthread_mutex_unlock(&a->mu);
        break;
    case AKT__REMOTE__FRAME__BODY_LEAVE:
        pthread_mutex_lock(&a->mu);
        if (atomic_load(&a->peer_uid) != uid) {
            pthread_mutex_unlock(&a->mu);
            break;
        }
        if (f->leave->ack) {
            a->leave_wait = false; /* our own Leave arrived: akti_tp_free */
            pthread_cond_broadcast(&a->up_cv);
            pthread_mutex_unlock(&a->mu);
            break;
        }
        /* a clean exit, not a failure: no detector, no quarantine (the
         * uid never comes back; a node later at that address is a new
         * incarnation, taken without a warning) */
        akti_tp_send_leave(tp, a, true, "");
        akti_rlog(tp, AKTI_LOG_INFO, "%s at %s (uid %016llx) left: %s",
            a->system, a->url, (unsigned long long)uid, f->leave->reason);
        akti_tp_ev_add(&evs, AKTI_PEER_LEFT, uid, "the peer left");
        akti_tp_reset_incarnation(tp, a, &d, AKT_EPEER);
        a->known_down = true;
        a->left = true;
        a->down_at = akti_now_ns();
        a->last_uid = uid;
        pthread_mutex_unlock(&a->mu);
        break;
    default:
        break;
    }
    if (d.n) {
        akti_tp_drop_flush(tp, a, &d);
    }
    akti_tp_ev_flush(tp, a, &evs);
}

/* rx_bytes -- decode len bytes and act on the frame (m: its NNG message,
 * or NULL) */
static void
rx_bytes(akti_tp *tp, const void *data, size_t len, nng_msg *m, const char *src)
{
    STAT_ADD(tp, frames_received, 1);
    STAT_ADD(tp, bytes_received, len);
    akti_frame *f;
    akt_err rc = akti_frame_decode(data, len, &tp->lim, &tp->arena, &f);
    if (rc != AKT_OK) {
        akti_tp_reject(tp, &tp->st.rejected_corrupt,
            "corrupt frame (%zu bytes) dropped: %s", len, akt_strerror(rc));
    } else {
        on_frame(tp, f, m, src);
    }
    akti_pbarena_reset(&tp->arena);
}

void
akti_tp_rx_bytes(akti_tp *tp, const void *data, size_t len, const char *src)
{
    pthread_mutex_lock(&tp->rx_mu);
    rx_bytes(tp, data, len, NULL, src);
    pthread_mutex_unlock(&tp->rx_mu);
}

/* lane_bind -- l's first frame, f, must be a LaneOpen from a peer
 * incarnation we granted its token, with the mac only a holder of the
 * cookie that received our nonce can make: then l carries that
 * association's ORDINARY frames. Nothing is changed otherwise. */
static bool
lane_bind(akti_tp *tp, tp_lane_rx *l, const Akt__Remote__Frame *f)
{
    if (f->body_case != AKT__REMOTE__FRAME__BODY_LANE_OPEN) {
        akti_tp_reject(tp, &tp->st.rejected_lane,
            "data lane from %s closed: its first frame (body %d) is not a "
            "LaneOpen",
            l->src, (int)f->body_case);
        return false;
    }
    akti_assoc *a = f->to_uid == tp->uid ? find_by_uid(tp, f->from_uid) : NULL;
    bool ok = false;
    if (a != NULL) {
        uint8_t mac[AKTI_HELLO_MAC_LEN] = { 0 };
        pthread_mutex_lock(&a->mu);
        ok = atomic_load(&a->peer_uid) == f->from_uid && a->my_token != 0
            && f->token == a->my_token;
        if (ok) {
            akti_lane_mac(tp->cookie, tp->cookie_len, f->from_uid, f->to_uid,
                f->token, f->conn_epoch, a->my_nonce, mac);
        }
        pthread_mutex_unlock(&a->mu);
        ok = ok && akti_ct_equal(mac, f->lane_open->mac.data, sizeof(mac));
        if (ok) {
            akti_assoc_hold(a); /* the lane's */
            pthread_mutex_lock(&tp->lane_mu); /* lanes_tick reads them */
            l->a = a;
            l->uid = f->from_uid;
            l->token = f->token;
            pthread_mutex_unlock(&tp->lane_mu);
        }
        found_done(tp, a);
    }
    if (!ok && a == NULL && f->to_uid == tp->uid
        && akti_tp_gone(tp, f->from_uid)) {
        /* opened as its session ended (the peer left, was reset or
         * replaced): expected, counted, not worth a warning -- as a
         * socket's frame in flight then (on_frame) */
        STAT_ADD(tp, rejected_lane, 1);
        akti_rlog(tp, AKTI_LOG_DEBUG,
            "data lane from %s closed: its LaneOpen is from %016llx, whose "
            "session ended",
            l->src, (unsigned long long)f->from_uid);
        return false;
    }
    if (!ok) {
        akti_tp_reject(tp, &tp->st.rejected_lane,
            "data lane from %s closed: its LaneOpen (from %016llx) names no "
            "association of ours, or its token or mac does not verify",
            l->src, (unsigned long long)f->from_uid);
        return false;
    }
    STAT_ADD(tp, lanes_accepted, 1);
    akti_rlog(tp, AKTI_LOG_DEBUG, "data lane from %s (%016llx) bound", l->src,
        (unsigned long long)l->uid);
    return true;
}

bool
akti_tp_lane_rx_frame(akti_tp *tp, tp_lane_rx *l, const void *data, size_t len)
{
    STAT_ADD(tp, frames_received, 1);
    STAT_ADD(tp, bytes_received, len);
    akti_frame *f;
    bool keep = true;
    akt_err rc = akti_frame_decode(data, len, &tp->lim, &tp->arena, &f);
    if (rc != AKT_OK) {
        akti_tp_reject(tp, &tp->st.rejected_lane,
            "data lane from %s closed: a corrupt frame (%zu bytes): %s", l->src,
            len, akt_strerror(rc));
        keep = false;
    } else if (l->a == NULL) {
        keep = lane_bind(tp, l, f);
    } else if (f->from_uid != l->uid
        || f->body_case != AKT__REMOTE__FRAME__BODY_BATCH
        || f->channel != AKT__REMOTE__CHANNEL__ORDINARY) {
        akti_tp_reject(tp, &tp->st.rejected_lane,
            "data lane from %s closed: a frame (body %d, channel %d, from "
            "%016llx) that is not an ordinary batch of %016llx",
            l->src, (int)f->body_case, (int)f->channel,
            (unsigned long long)f->from_uid, (unsigned long long)l->uid);
        keep = false;
    } else {
        on_frame(tp, f, NULL, l->src); /* the token and epoch checks */
    }
    akti_pbarena_reset(&tp->arena);
    return keep;
}

/* akti_tp_rx_cb -- one frame from the PULL socket, handled on the NNG thread
 * that completed the receive (no hand-off to a receiver thread: one thread
 * wake-up less per inbound frame), then the next receive is armed. Only
 * one receive is ever in flight, so frames are handled one at a time and
 * in order, as by a dedicated thread ("receiver thread" in the transport's
 * files and in remote.c means this callback). */
void
akti_tp_rx_cb(void *arg)
{
    akti_tp *tp = arg;
    int rv = nng_aio_result(tp->rx_aio);
    if (rv == 0) {
        nng_msg *m = nng_aio_get_msg(tp->rx_aio);
        nng_aio_set_msg(tp->rx_aio, NULL);
        pthread_mutex_lock(&tp->rx_mu);
        rx_bytes(tp, nng_msg_body(m), nng_msg_len(m), m, NULL);
        pthread_mutex_unlock(&tp->rx_mu);
        nng_msg_free(m);
    } else if (rv == NNG_ECLOSED || rv == NNG_ECANCELED) {
        return; /* the socket is closing: akti_tp_free */
    } else {
        akti_rlog(tp, AKTI_LOG_DEBUG, "receive failed: %s", nng_strerror(rv));
    }
    if (!atomic_load(&tp->stopping)) {
        nng_recv_aio(tp->pull, tp->rx_aio);
    }
}
