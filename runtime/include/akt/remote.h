/*
 * akt/remote.h -- location-transparent messaging between akt systems.
 *
 * Once remoting is started on two systems, a ref to an actor of the other
 * one is used exactly like a local ref: akt_tell, akt_ask, akt_ctx_watch.
 * Only the address differs:
 *
 *     akt://greeter-sys@127.0.0.1:25520/user/greeter        (tcp)
 *     akt://greeter-sys@[ipc:///tmp/g.sock]/user/greeter    (ipc, inproc,
 *     akt://greeter-sys@[tls+tcp://h:25520]/user/greeter     tls: the NNG URL
 *                                                            in brackets)
 *
 * Such a ref is a small local proxy actor (under /user, named "remote~N")
 * that serializes every message it gets with the type's generated msgpack
 * encoder and sends it, with its sender's address, to the peer (by default
 * on the sender's own thread: see proxy_dispatcher). Messages
 * cross the wire only for types registered in the registry given to
 * akt_remote_start(); everything else is rejected and counted.
 *
 * Semantics (docs/remoting.md): at most once, in order per sender/receiver
 * pair for messages of the same size class (see "large messages"); death
 * watch across nodes (a watcher of a proxy gets Terminated when the remote
 * actor stops, or when the failure detector declares its node down); a
 * peer that restarts is a new incarnation, and refs to the old one go to
 * dead letters. Refs inside message fields (kind ref) cross nodes too: they
 * travel as the path other nodes reach them under and decode, on the
 * receiving node, to its own actor or to a proxy (a ref to a stopped actor
 * travels as AKT_REF_NONE).
 */
#ifndef AKT_REMOTE_H
#define AKT_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "akt/actor.h"
#include "akt/config.h"
#include "akt/err.h"
#include "akt/export.h"
#include "akt/msg.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct akt_remote_options {
    /* NNG URL to listen on; NULL: config akt.remote.listen. tcp port 0
     * picks a free port (see akt_remote_address). */
    const char *listen_url;
    /* URL peers use to reach this system; NULL: akt.remote.advertised, and
     * when that is "" the listen URL with the bound port. */
    const char *advertised_url;
    /* Shared secret; NULL: akt.remote.cookie ("" = none). */
    const char *cookie;
    /* Required: the types the wire accepts (decoded by type id). Not
     * owned; must outlive remoting (akt_remote_stop() or
     * akt_system_free()). */
    const akt_registry *registry;
    /* Settings; NULL: akt_system_config(sys). The akt.remote defaults
     * apply to keys it lacks. */
    const akt_config *config;
    /* Where proxies run. NULL: "calling-thread", a proxy encodes and sends
     * on the thread that told it (one thread hand-off less per remote
     * message: the latency of a remote ask); a sender that finds the proxy
     * busy on another thread leaves its message to that thread. Any
     * akt_props dispatcher name ("default": the pool) restores a hand-off
     * per message; with "block" overflow the proxy's thread is the one that
     * waits for room in the outbound queue. A name that is no dispatcher
     * makes akt_remote_ref() fail with AKT_EINVAL. */
    const char *proxy_dispatcher;
} akt_remote_options;

typedef struct akt_remote_stats {
    uint64_t frames_sent, frames_received;
    uint64_t envelopes_sent, envelopes_received;
    uint64_t bytes_sent, bytes_received;
    uint64_t rejected_corrupt; /* undecodable or rule-breaking frames */
    uint64_t rejected_unauthorized; /* no valid handshake token, quarantined */
    uint64_t rejected_handshake; /* cookie, protocol version, system name */
    uint64_t rejected_unknown_type; /* type id not in the registry */
    uint64_t rejected_payload; /* payload that does not decode */
    uint64_t undeliverable; /* no such recipient here */
    uint64_t dropped; /* outbound dead letters (overflow, peer gone) */
    uint64_t system_resends;
    uint64_t stalls; /* connections re-created after a stall */
    uint64_t failures_detected; /* peers declared down */
    uint64_t quarantines;
    uint64_t handshakes;
    uint64_t proxies; /* live proxies for remote actors */
    uint64_t remote_watching; /* proxies that asked their peer to watch
                                 (they have local watchers) */
    uint64_t remote_watches; /* watches held here for peers' proxies */
    uint64_t stale_frames; /* frames still in flight on a connection that
                              was replaced (stall recovery), dropped so
                              they cannot overtake newer messages */
    /* flow control (docs/remoting.md "Flow control") */
    uint64_t credit_waits; /* times a channel to a peer ran out of credit
                              (the peer is slower than us: backpressure) */
    uint64_t receive_pending; /* now: messages from peers not yet taken
                                 from their mailboxes (all windows) */
    uint64_t receive_pending_max; /* the most seen in one window */
    uint64_t inbound_parked; /* now: messages waiting for room in a full
                                BLOCK mailbox (the inbound thread) */
    uint64_t inbound_dropped; /* inbound messages a mailbox refused or
                                 dropped: dead letters of this system */
    uint64_t rejected_window; /* frames dropped because their peer sent
                                 past twice the window it was granted */
    uint64_t dropped_unread; /* messages in frames dropped here unread:
                                 sent to a previous incarnation of this
                                 node, or in a session that had ended; each
                                 is also a dead letter of the system */
    uint64_t associations; /* now: associations with peers, asleep ones
                              included (toward max-associations) */
    uint64_t associations_freed; /* associations freed: asleep (the peer
                                    left, is down, or idle) and nothing
                                    here referred to them any more */
} akt_remote_stats;

/* akt_remote_start -- start remoting for sys: listen, and accept peers that
 * present the cookie. Remoting stops itself in akt_system_free() (it lives
 * in the system's extension slot); akt_remote_stop() stops it earlier.
 * Refs in message fields then cross nodes (akt_system_ref_to_path).
 * Errors: AKT_EINVAL (no registry, bad URL, a setting that is not one of
 * its names), AKT_ETYPE / AKT_ERANGE (an akt.remote setting of the wrong
 * type / out of range; for every bad setting an error is logged that names
 * the key, its origin and what was expected), AKT_EEXIST (already started
 * for sys), AKT_ECLOSED (sys terminated), AKT_EIO (cannot listen: address
 * in use), AKT_ENOTSUP (transport not available), AKT_ENOMEM.
 */
AKT_API akt_err akt_remote_start(
    akt_system *sys, const akt_remote_options *opts);

/* akt_remote_stop -- stop the proxies, close every association, stop
 * listening. Queued outbound messages become dead letters. AKT_ENOENT if
 * remoting was not started for sys. */
AKT_API akt_err akt_remote_stop(akt_system *sys);

/* akt_remote_address -- this system's address, "akt://name@host:port"
 * (or "akt://name@[url]"), written to buf. AKT_ERANGE if len is short. */
AKT_API akt_err akt_remote_address(akt_system *sys, char *buf, size_t len);

/* akt_remote_ref -- a ref to the actor at a remote path. The same path
 * gives the same ref while its proxy lives. The association is made on the
 * first message; a path of this system gives the local actor (AKT_ENOENT
 * when none). Errors: AKT_EINVAL (not an akt:// path with an address),
 * AKT_ENOENT (remoting not started), AKT_ENOMEM. */
AKT_API akt_err akt_remote_ref(akt_system *sys, const char *path, akt_ref *out);

/* akt_remote_ref_path -- the path under which other nodes reach ref: a
 * local actor's path with this system's address, or the remote path of a
 * proxy. AKT_ESTOPPED (stale ref), AKT_ERANGE (short buf). */
AKT_API akt_err akt_remote_ref_path(
    akt_system *sys, akt_ref ref, char *buf, size_t len);

AKT_API akt_err akt_remote_stats_get(akt_system *sys, akt_remote_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* AKT_REMOTE_H */
