/*
 * ext.h -- per-system extension slots: how subsystems outside the core
 * (remote/, later cluster/) hang their state on a system and hear of its
 * end, without the core depending on them. Included by core.h, and alone
 * by those subsystems (core.h's private types would clash with theirs).
 */
#ifndef AKTI_CORE_EXT_H
#define AKTI_CORE_EXT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akt/actor.h"

/* --- extensions ------------------------------------------------------------
 * A subsystem outside the core (remote/, later cluster/) registers a const
 * table on a system, as NNG's transports do. The hooks run under ext_mu's
 * read lock: they must not set or clear an extension. */
enum {
    AKTI_EXT_REMOTE = 0,
    AKTI_EXT_PERSIST = 1,
    AKTI_EXT_CLUSTER = 2,
    AKTI_EXT_SLOTS = 4
};

typedef struct akti_ext_ops {
    const char *name;
    /* akt_system_free, after every actor stopped and before the dispatchers
     * stop: join threads, drop what refers to the system. The slot is
     * cleared before the call. May be NULL. */
    void (*terminated)(akt_system *sys, void *arg);
    /* the path other nodes reach ref under (akt://sys@host:port/user/a);
     * AKT_ENOENT: not this extension's business (the local path is used). */
    akt_err (*ref_to_path)(void *arg, akt_ref ref, char *buf, size_t len);
    /* resolve a path that names another node; AKT_ENOENT: not handled */
    akt_err (*path_to_ref)(void *arg, const char *path, akt_ref *out);
    /* the watcher count of a cell that asked for it (akti_ctx_watch_hook)
     * changed to nwatchers: after a watch was added or an unwatch (or the
     * stop of a watcher) removed one; not when the cell itself stops.
     * Runs on the cell's thread (state is the cell's state), so it is
     * ordered with the cell's handlers. Only marked cells pay for it (the
     * remote proxies: lazy remote watch). May be NULL. */
    void (*watchers)(void *arg, akt_ref self, void *state, uint32_t nwatchers);
    /* a credit slot this extension opened (akti_credit_open) reached its
     * mark: runs on the thread that consumed the message (any thread,
     * often an actor's), so it must be short and must not block. May be
     * NULL. */
    void (*credit)(void *arg, uint16_t id);
} akti_ext_ops;

/* akti_system_ext_set -- install ops+arg in slot: AKT_EEXIST when taken,
 * AKT_ECLOSED when the system is terminating. */
AKTI_INTERNAL akt_err akti_system_ext_set(
    akt_system *sys, unsigned slot, const akti_ext_ops *ops, void *arg);
/* akti_system_ext_get -- the slot's arg (NULL: none); retain(arg), if
 * given, runs under the lock so the arg cannot be cleared meanwhile. */
AKTI_INTERNAL void *akti_system_ext_get(
    akt_system *sys, unsigned slot, void (*retain)(void *arg));
/* akti_system_ext_clear -- empty slot if it still holds arg; true if it did. */
AKTI_INTERNAL bool akti_system_ext_clear(
    akt_system *sys, unsigned slot, void *arg);

/* akti_ctx_watch_hook -- from pre_start: mark the current actor so that
 * slot's `watchers` hook hears of each change of its watcher count (for
 * this incarnation). */
AKTI_INTERNAL void akti_ctx_watch_hook(akt_ctx *ctx, unsigned slot);
/* akti_unwatch_future -- undo akt_watch_future(target, &f): f completes
 * with AKT_ECANCELED unless target stopped first (then it completed with
 * Terminated). f must still be referenced by the caller during the call. */
AKTI_INTERNAL void akti_unwatch_future(akt_ref target, akt_future *f);

/* --- inbound credit (remoting's flow control) ------------------------------
 * A subsystem that delivers messages on behalf of a peer (remoting) tags
 * each with a credit slot (akti_msg_set_credit); the core counts a tagged
 * message as consumed when it leaves the mailbox system: taken from its
 * mailbox by its actor's run loop (handed to a handler, or dead-lettered
 * there; the run loop counts a slot's messages in groups of up to 16, at
 * the latest when it takes a message of no or another slot, or its run
 * ends), completing a future, or dead-lettered on the
 * way (a stale ref, a bounded mailbox's drop, akt_system_publish_dead_letter).
 * So the subsystem knows how many of the messages it delivered still wait --
 * the receive window it grants its peer. A tell that fails (the caller keeps
 * the message) consumes nothing: the caller frees or dead-letters it. Each
 * consumption adds one to `released` and the message's footprint (its
 * allocation, akti_msg_footprint) to `released_bytes`; when either reaches
 * its mark, the extension's `credit` hook runs with the slot's id. */
typedef struct akti_credit {
    _Atomic uint64_t released;
    _Atomic uint64_t released_bytes;
    _Atomic uint64_t mark; /* released reaching it runs the hook; 0: off */
    _Atomic uint64_t mark_bytes; /* released_bytes crossing it, too */
} akti_credit;

/* one slot: the counters and the extension slot whose hook hears */
typedef struct akti_credit_ent {
    akti_credit c;
    uint8_t ext; /* AKTI_EXT_* of the opener */
} akti_credit_ent;
#define AKTI_CREDIT_PAGE  256u
#define AKTI_CREDIT_PAGES 256u /* ids 1 .. 65535 */

/* akti_credit_open -- a new credit slot of sys for extension ext_slot:
 * *id (never 0) to tag messages with, *out its counters, valid until
 * akt_system_free. Ids are not reused. AKT_EFULL when all 65535 are
 * taken, AKT_ENOMEM. */
AKTI_INTERNAL akt_err akti_credit_open(
    akt_system *sys, unsigned ext_slot, uint16_t *id, akti_credit **out);
/* akti_msg_set_credit -- tag msg (the caller's, not yet sent) with slot id */
AKTI_INTERNAL void akti_msg_set_credit(void *msg, uint16_t id);
/* akti_msg_footprint -- the bytes msg occupies (its allocation and arena
 * blocks): what a consumption adds to released_bytes */
AKTI_INTERNAL size_t akti_msg_footprint(const void *msg);
/* akti_tell_nowait -- akt_tell, except that a full bounded mailbox whose
 * overflow is BLOCK answers AKT_EAGAIN at once (msg still the caller's)
 * instead of making the caller wait: for a thread that must never block
 * (remoting's receiver). Other strategies behave as for akt_tell. */
AKTI_INTERNAL akt_err akti_tell_nowait(akt_ref to, void *msg, akt_ref sender);
/* akti_tell_batch_nowait -- akti_tell_nowait of msgs[0..n) to `to`, in
 * order, each with its sender (senders[i]): into a mailbox without a bound
 * the n messages are linked with one atomic exchange and the actor is
 * scheduled once (a remote batch's run of messages for one actor); a
 * bounded mailbox takes them one by one (its bound and overflow strategy
 * apply to each). Returns how many were taken (n: all; taken ones may have
 * become dead letters, as with akt_tell); below n, *rc is why msgs[k] (k
 * the return value) was refused, and msgs[k..n) are still the caller's. */
AKTI_INTERNAL size_t akti_tell_batch_nowait(akt_ref to, void *const *msgs,
    const akt_ref *senders, size_t n, akt_err *rc);
/* akti_nowait_enter / akti_nowait_leave -- the calling thread must never
 * wait (remoting's receiver, and the user callbacks it runs: a future
 * completed by an inbound reply): until the matching leave, a tell to a
 * full BLOCK mailbox fails at once with AKT_EFULL (as BLOCK does after its
 * timeout) and remoting's outbound queues drop instead of blocking.
 * Nestable, per thread. akti_nowait: entered on this thread. */
AKTI_INTERNAL void akti_nowait_enter(void);
AKTI_INTERNAL void akti_nowait_leave(void);
AKTI_INTERNAL bool akti_nowait(void);
/* akti_tell_control -- akt_tell for the runtime's own plumbing: a message a
 * plug-in makes for an actor that waits for it (a recovery permit, a
 * replay chunk, a journal write's result), of which at most a few per
 * actor are in flight. A bounded mailbox takes it beyond its capacity
 * (never refused, dropped or blocked on): losing it would leave the actor
 * waiting for good. Fails only as akt_tell to an unbounded mailbox does
 * (a stopped actor, a system going down). */
AKTI_INTERNAL akt_err akti_tell_control(akt_ref to, void *msg, akt_ref sender);
/* akti_ask_nowait -- akt_ask with akti_tell_nowait's rule */
AKTI_INTERNAL akt_err akti_ask_nowait(
    akt_ref to, void *msg, int64_t timeout_ns, akt_future **out);

/* The one monotonic clock of libakt (CLOCK_MONOTONIC, ns), and its coarse
 * variant (CLOCK_MONOTONIC_COARSE: a tick's resolution, no vDSO syscall
 * cost; for caches and rate limits, never for deadlines a test checks). */
AKTI_INTERNAL int64_t akti_now_ns(void);
AKTI_INTERNAL int64_t akti_now_coarse_ns(void);

/* akti_cpu_relax -- one pause of a spin */
static inline void
akti_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* A busy wait (akt.actor.ask-busy-wait, default-dispatcher.busy-wait,
 * akt.remote.lane-busy-poll) pauses for its first AKTI_BUSY_PAUSE_NS and
 * then yields the CPU between looks: its core stays awake (a sleeping
 * thread's wake-up costs tens of microseconds on an idle virtual machine)
 * while any thread that is ready on it -- on a small machine often the
 * very thread that brings the work -- still runs. akti_busy_yield: sched_yield,
 * then *now = the time. */
#define AKTI_BUSY_PAUSE_NS 2000
/* the defaults of the two (reference.conf says the same) */
#define AKTI_ASK_BUSY_WAIT_NS    100000
#define AKTI_WORKER_BUSY_WAIT_NS 100000
AKTI_INTERNAL void akti_busy_yield(int64_t *now);

/* akti_ref_load -- the one question a router asks about a routee: GONE
 * (the ref's incarnation stopped), IDLE (not running, mailbox empty), BUSY
 * (running or scheduled, mailbox empty), QUEUED (messages wait). A racy
 * snapshot, good for picking, never for correctness. */
typedef enum akti_load {
    AKTI_LOAD_IDLE = 0,
    AKTI_LOAD_BUSY,
    AKTI_LOAD_QUEUED,
    AKTI_LOAD_GONE,
} akti_load;
AKTI_INTERNAL akti_load akti_ref_load(akt_ref ref);

/* akti_system_codec_limits -- the system's akt.codec.* (read at create) */
AKTI_INTERNAL akt_codec_limits akti_system_codec_limits(const akt_system *sys);

#endif /* AKTI_CORE_EXT_H */
