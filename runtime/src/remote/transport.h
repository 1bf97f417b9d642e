/*
 * transport.h -- the remoting transport: associations between akt systems
 * over NNG, carrying raw envelopes (recipient path, sender path, type id,
 * payload bytes). Internal to libakt; remote.c builds location-transparent
 * refs on top of it, and tests/remote/ drives it directly.
 *
 * Shape (see README.md here and docs/remoting.md):
 *  - one PULL socket listens on the system's URL; every peer's frames
 *    arrive there and are handled one at a time by its receive callback
 *    (the "receiver thread": whichever NNG thread completed the receive);
 *  - one association per peer address, holding three PUSH sockets (CONTROL,
 *    ORDINARY, LARGE), each dialing the peer's URL with automatic
 *    reconnect, each drained by its own writer thread, so one channel's
 *    backlog or stall never delays another's frames;
 *  - one ticker thread: handshake retries and timeouts, heartbeats, the
 *    phi-accrual check, resends of unacknowledged system messages.
 *
 * Threads that call the callbacks: on_envelope and on_peer run on the
 * receiver (an NNG thread) or ticker thread; they must not block for long
 * and must not call akti_tp_free().
 */
#ifndef AKT_REMOTE_TRANSPORT_H
#define AKT_REMOTE_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/actor.h"
#include "akt/err.h"
#include "akt/export.h"
#include "core/ext.h" /* akti_now_ns */

typedef struct akti_tp akti_tp;
typedef struct akti_assoc akti_assoc;

enum {
    AKTI_CH_CONTROL = 0,
    AKTI_CH_ORDINARY = 1,
    AKTI_CH_LARGE = 2,
    AKTI_CH_COUNT = 3
};

/* A view of one envelope; strings need not be NUL-terminated on send, and
 * are NUL-terminated on receive. */
typedef struct akti_envelope {
    const char *recipient;
    size_t recipient_len;
    const char *sender; /* may be NULL/0 */
    size_t sender_len;
    uint64_t type_id;
    const uint8_t *payload;
    size_t payload_len;
} akti_envelope;

/* Who an inbound envelope or event came from. Strings are valid during the
 * callback only. */
typedef struct akti_peer {
    akti_assoc *assoc; /* valid during the callback (akti_assoc_hold) */
    const char *system;
    const char *address; /* the peer's NNG URL */
    uint64_t uid;
    /* on_envelope of ORDINARY/LARGE: the credit slot (core/ext.h) of this
     * channel's receive window, 0 when none (credit_open not given or
     * failed); see on_envelope */
    uint16_t credit;
} akti_peer;

typedef enum akti_peer_event {
    AKTI_PEER_UP = 1, /* handshake completed with incarnation uid */
    AKTI_PEER_DOWN, /* the session with incarnation uid ended, not the
                     * incarnation: the failure detector, or the peer
                     * started a new session (it had lost ours) */
    AKTI_PEER_QUARANTINED, /* incarnation uid will never be accepted again */
    AKTI_PEER_HANDSHAKE_FAILED, /* no handshake within handshake-timeout */
    AKTI_PEER_QUARANTINED_BY_PEER, /* the peer quarantined us */
    AKTI_PEER_LEFT /* the peer terminated cleanly (its Leave) */
} akti_peer_event;

typedef struct akti_tp_callbacks {
    /* channel: AKTI_CH_*; system messages come on AKTI_CH_CONTROL, in
     * order, exactly once per incarnation pair. Flow control: an
     * ORDINARY/LARGE envelope counts against the peer's receive window
     * until it is consumed. The callback returns 0 when it is done with
     * the envelope (consumed on return), or the footprint
     * (akti_msg_footprint) of the message it tagged with from->credit
     * (akti_msg_set_credit): the envelope then counts until the core
     * reports that message consumed. */
    size_t (*on_envelope)(void *arg, const akti_peer *from, int channel,
        const akti_envelope *env);
    /* on_batch -- may be NULL: n consecutive envelopes of one ORDINARY or
     * LARGE Batch frame at once, to be handled as on_envelope would handle
     * each, in order (so that a run of messages for one actor is handed
     * on with one mailbox push); adds to *held and *held_bytes how many of
     * them it kept under from->credit and their footprints. When NULL,
     * on_envelope is called for each. */
    void (*on_batch)(void *arg, const akti_peer *from, int channel,
        const akti_envelope *env, size_t n, uint64_t *held,
        uint64_t *held_bytes);
    void (*on_peer)(void *arg, const akti_peer *peer, akti_peer_event ev,
        const char *reason);
    /* an outbound envelope that will not be sent (queue overflow, peer
     * quarantined, handshake failed): a dead letter. */
    void (*on_drop)(
        void *arg, akti_assoc *to, const akti_envelope *env, akt_err reason);
    /* credit_open -- a credit slot (core/ext.h akti_credit_open) for the
     * receive window of association a's channel (ORDINARY, LARGE); its
     * owner's `credit` hook must call akti_tp_credit_kick with the id.
     * Receiver thread. NULL, or an error: every envelope of that channel
     * is consumed when on_envelope returns. */
    akt_err (*credit_open)(
        void *arg, akti_assoc *a, int channel, uint16_t *id, akti_credit **out);
    /* credit_close -- the association that held credit slot id (its
     * counters c) was freed: the slot may be handed out again by
     * credit_open (slots are a system's for its life, 65,535 at most).
     * Messages delivered under it that are still in mailboxes keep
     * counting in its counters; the next user starts from the counts as
     * they are then. Ticker thread. May be NULL (the slot stays unused). */
    void (*credit_close)(void *arg, uint16_t id, akti_credit *c);
    /* an inbound envelope dropped before delivery: its frame was for
     * another incarnation of this node, or from a session that ended, or
     * came on a connection already replaced (AKT_ESTOPPED). Not
     * authenticated: count it, do not trust it. May be NULL. */
    void (*on_rx_drop)(void *arg, const akti_envelope *env, akt_err reason);
} akti_tp_callbacks;

typedef struct akti_tp_opts {
    const char *system_name; /* required */
    const char *listen_url; /* required; tcp port 0 picks one */
    const char *advertised_url; /* NULL: the listen URL, port resolved */
    const char *cookie; /* NULL or "": none (then loopback/ipc/inproc
                         * only, unless insecure) */
    bool insecure; /* allow a non-loopback listener without cookie or TLS */
    uint64_t uid; /* 0: random */
    /* failure detector and timing; 0 takes the default */
    double phi_threshold; /* 10 */
    int64_t heartbeat_interval_ns; /* 1 s */
    int64_t acceptable_pause_ns; /* 3 s */
    int64_t min_std_dev_ns; /* 100 ms */
    int64_t handshake_timeout_ns; /* 20 s */
    int64_t handshake_retry_ns; /* 500 ms */
    int64_t resend_interval_ns; /* 200 ms */
    int64_t stall_timeout_ns; /* 10 s: a send that makes no progress */
    int64_t gate_ns; /* 1 s after a failed handshake */
    /* queues and frames; 0 takes the default */
    uint32_t outbound_queue_size; /* 3072 messages per channel */
    akt_overflow overflow; /* DROP_NEW */
    int64_t block_timeout_ns; /* for AKT_OVERFLOW_BLOCK, 1 s */
    uint32_t batch_max_envelopes; /* 256 */
    size_t batch_max_bytes; /* 64 KiB */
    size_t max_frame_size; /* 256 KiB */
    size_t large_threshold; /* 32 KiB payload: LARGE channel */
    uint64_t max_message_size; /* 16 MiB */
    uint32_t system_buffer_size; /* 20000 unacked system messages */
    size_t outbound_queue_bytes; /* 32 MiB of payload per channel */
    /* flow control: what this node lets each peer have on the way to it
     * and waiting here unconsumed, per association and channel */
    uint32_t receive_window; /* 8192 envelopes */
    size_t receive_window_bytes; /* 8 MiB (payload in flight, footprint
                                  * of messages waiting) */
    /* limits; 0 takes the default */
    uint32_t max_associations; /* 256 per node, dormant ones included */
    uint32_t max_associations_per_source; /* 16 made for Hellos per source */
    uint32_t max_connections; /* 768 inbound connections */
    uint32_t max_connections_per_source; /* 48 inbound, per source host */
    int64_t idle_timeout_ns; /* 60 s: a down, unused association sleeps */
    int64_t leave_wait_ns; /* 500 ms: the longest akti_tp_free waits for
                            * its peers to answer its Leave */
    /* data lanes: AKTI_LANES_STREAM (akti_tp_opts_default's) carries
     * ORDINARY frames to peers that announce a lane over an nng_stream of
     * our own (tcp, tls+tcp, ipc; inproc keeps the sockets),
     * AKTI_LANES_SOCKET (0) over PUSH sockets */
    int data_lanes;
    /* akt.remote.lane-busy-poll: how long the lane reader (tcp:// lanes,
     * read on a thread of ours: transport.c "data lanes, the receiving
     * side") keeps looking for more bytes before it sleeps; 0 takes the
     * default (AKTI_LANE_BUSY_POLL_NS), < 0: none, it sleeps at once */
    int64_t lane_busy_poll_ns;
    /* TLS (tls+tcp:// only) */
    const char *tls_cert_file; /* own certificate chain (PEM) */
    const char *tls_key_file; /* own private key (PEM) */
    const char *tls_ca_file; /* CA to verify the peer */
    bool tls_verify_peer; /* require and verify peer certs */
    const akti_tp_callbacks *cb;
    void *cb_arg;
} akti_tp_opts;

typedef struct akti_tp_stats {
    uint64_t frames_sent, frames_received;
    uint64_t envelopes_sent, envelopes_received;
    uint64_t bytes_sent, bytes_received;
    uint64_t rejected_corrupt; /* undecodable / rule-breaking frames */
    uint64_t rejected_unauth; /* no valid token, quarantined uid, ... */
    uint64_t rejected_handshake; /* cookie, version or system mismatch */
    uint64_t dropped; /* outbound dead letters */
    uint64_t system_resends;
    uint64_t stalls; /* sockets re-created after a stall */
    uint64_t failures_detected;
    uint64_t quarantines;
    uint64_t handshakes;
    uint64_t stale_frames; /* from a replaced connection: dropped (order) */
    uint64_t rejected_limit; /* associations / connections over a limit */
    uint64_t claims; /* valid Hellos that confirmed nothing (answered) */
    uint64_t reclaimed; /* associations put to sleep after idle-timeout */
    uint64_t associations_active; /* now: with sockets and threads */
    uint64_t connections_inbound; /* now: pipes accepted by the listener */
    uint64_t credit_waits; /* a writer found its channel out of credit */
    uint64_t credit_grants; /* Flow frames sent */
    uint64_t receive_pending; /* now: envelopes held, not yet consumed */
    uint64_t receive_pending_max; /* the most seen in one window */
    uint64_t rejected_window; /* frames of a peer past twice its window */
    uint64_t dropped_unread; /* envelopes in frames dropped (on_rx_drop) */
    uint64_t listener_restarts; /* listener re-created (NNG #1518) */
    uint64_t associations; /* now: in the table (toward max-associations) */
    uint64_t freed; /* associations freed (asleep, nothing referred to
                     * them) */
    uint64_t lanes_opened; /* data lanes we opened (LaneOpen sent) */
    uint64_t lanes_accepted; /* data lanes a peer bound here (verified) */
    uint64_t rejected_lane; /* data lanes closed for what came on them */
    uint64_t lanes_direct; /* accepted lanes read by our lane reader */
    uint64_t lanes_nng; /* accepted lanes read by NNG (tls, ipc, or the
                         * socket of a tcp lane not found) */
    uint64_t lanes_inbound; /* now: accepted lanes not yet freed */
} akti_tp_stats;

enum { AKTI_LANES_SOCKET = 0, AKTI_LANES_STREAM = 1 };
/* akt.remote.lane-busy-poll's default (reference.conf says the same) */
#define AKTI_LANE_BUSY_POLL_NS 100000

/* akti_tp_opts_default -- fill every tunable with its default. */
AKTI_INTERNAL void akti_tp_opts_default(akti_tp_opts *o);

/* akti_tp_start -- open the listener and the threads. *out is the
 * caller's, freed with akti_tp_free; it is written before the threads start
 * (callbacks may already run when akti_tp_start returns). Errors: AKT_EINVAL
 * (bad opts/URL), AKT_EIO (listen failed: port taken, path unusable),
 * AKT_ENOTSUP (transport not available), AKT_ENOMEM. */
AKTI_INTERNAL akt_err akti_tp_start(const akti_tp_opts *opts, akti_tp **out);

/* akti_tp_free -- leave: tell every peer whose association is up (a
 * Leave, waiting up to ~0.5 s for their answers), then close sockets, join
 * threads, drop queued messages (on_drop is called for each), free
 * everything. */
AKTI_INTERNAL void akti_tp_free(akti_tp *tp);

AKTI_INTERNAL uint64_t akti_tp_uid(const akti_tp *tp);
/* the advertised NNG URL (port resolved); valid while tp lives */
AKTI_INTERNAL const char *akti_tp_address(const akti_tp *tp);
/* akti_tp_lane_address -- where our data lanes listen (announced in our
 * Hellos), or NULL: no lanes (akt.remote.data-lanes = socket, inproc) */
AKTI_INTERNAL const char *akti_tp_lane_address(const akti_tp *tp);
AKTI_INTERNAL void akti_tp_stats_get(const akti_tp *tp, akti_tp_stats *out);

/* akti_tp_assoc -- the association to the peer system `system` listening at
 * url (created on first use; the handshake starts at the first send), with
 * a reference for the caller: the pointer stays valid until the caller's
 * akti_assoc_release (or akti_tp_free). An idle association sleeps (gives
 * back its sockets and threads, wakes on the next send); one asleep that
 * nobody holds a reference to is freed and no longer counts toward
 * max-associations (AKT_EFULL when reached). */
AKTI_INTERNAL akt_err akti_tp_assoc(
    akti_tp *tp, const char *url, const char *system, akti_assoc **out);

/* akti_assoc_hold / akti_assoc_release -- one more reference to a (one the
 * caller already holds, or the `assoc` of a callback's akti_peer, valid
 * for the callback: hold it to keep it), and its release. Never after
 * akti_tp_free, which frees every association whatever it holds. */
AKTI_INTERNAL void akti_assoc_hold(akti_assoc *a);
AKTI_INTERNAL void akti_assoc_release(akti_assoc *a);

/* akti_assoc_send -- queue one envelope (copied). system: reliable, on
 * CONTROL; otherwise ORDINARY, or LARGE when the payload is over the large
 * threshold. peer_uid: the incarnation the sender's ref was made for, or 0
 * for "whichever is current"; an envelope for an older incarnation is
 * dropped (AKT_ESTOPPED). Errors: AKT_EFULL (queue full with FAIL, or
 * BLOCK timed out), AKT_ETOOBIG (over max-message-size), AKT_ESTOPPED,
 * AKT_EPEER (not system: the failure detector declared the peer down and
 * no handshake has completed since; one is started), AKT_ECLOSED,
 * AKT_ENOMEM. With DROP_NEW/DROP_HEAD overflow, AKT_OK is
 * returned and the dropped envelope goes to on_drop. */
AKTI_INTERNAL akt_err akti_assoc_send(
    akti_assoc *a, const akti_envelope *env, bool system, uint64_t peer_uid);

/* akti_assoc_send_ex -- akti_assoc_send with flags: AKTI_SEND_SYSTEM (as
 * system = true), AKTI_SEND_NOWAIT (for a thread that must not block,
 * such as the receiver: with BLOCK overflow a full queue drops the
 * envelope at once, to on_drop, as DROP_NEW would; also the rule on a
 * thread inside akti_nowait_enter, core/ext.h). */
enum { AKTI_SEND_SYSTEM = 1, AKTI_SEND_NOWAIT = 2 };
AKTI_INTERNAL akt_err akti_assoc_send_ex(
    akti_assoc *a, const akti_envelope *env, unsigned flags, uint64_t peer_uid);

/* akti_tp_credit_kick -- messages held under credit slot id were consumed
 * up to the slot's mark (the core's `credit` hook): recompute that
 * channel's grant and send it if it moved. Any thread, no lock held. */
AKTI_INTERNAL void akti_tp_credit_kick(akti_tp *tp, uint16_t id);

/* akti_assoc_wait_up -- block until the association is up (returns the
 * peer's uid in *uid) or timeout. AKT_ETIMEDOUT, AKT_EPEER (handshake
 * failed). */
AKTI_INTERNAL akt_err akti_assoc_wait_up(
    akti_assoc *a, int64_t timeout_ns, uint64_t *uid);

/* akti_assoc_peer_uid -- the current peer incarnation, 0 when not up. */
AKTI_INTERNAL uint64_t akti_assoc_peer_uid(akti_assoc *a);
AKTI_INTERNAL const char *akti_assoc_url(const akti_assoc *a);
/* akti_assoc_failure -- why a's last handshake failed, into buf ("" when
 * it did not fail with err): what a dead letter of that failure says */
AKTI_INTERNAL void akti_assoc_failure(
    akti_assoc *a, akt_err err, char *buf, size_t len);

AKTI_INTERNAL bool akti_tp_is_quarantined(akti_tp *tp, uint64_t uid);

/* akti_tp_url_loopback -- url can be reached from this host only (ipc://,
 * inproc://, tcp on 127.0.0.0/8, localhost or [::1]): no cookie needed */
AKTI_INTERNAL bool akti_tp_url_loopback(const char *url);

/* the clock is the core's: akti_now_ns (core/ext.h) */

/* akti_rlog -- remoting's log line to stderr ("akt-remote[sys] level: ..."),
 * filtered by AKT_REMOTE_LOG=error|warn|info|debug (default warn). */
AKTI_INTERNAL void akti_rlog(const akti_tp *tp, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
enum {
    AKTI_LOG_ERROR = 0,
    AKTI_LOG_WARN = 1,
    AKTI_LOG_INFO = 2,
    AKTI_LOG_DEBUG = 3
};

#endif /* AKT_REMOTE_TRANSPORT_H */
