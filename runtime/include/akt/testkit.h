/*
 * akt/testkit.h -- testing actors (library akt-testkit, built from
 * runtime/src/testkit/; link akt-testkit and libakt).
 *
 * Test probes: a probe is an actor ref whose received messages the test
 * thread awaits -- expect a message by type or predicate within a timeout,
 * expect silence for a duration, receive N, fish (skip until a match),
 * watch an actor and expect its Terminated, reply to the last sender.
 *
 * Virtual time: akt_testkit_system with .virtual_time creates a system
 * whose timing wheel runs on a manual clock; akt_testkit_advance moves it
 * and fires due timers at once, in order, on the calling thread, so a test
 * of a 30 s timeout runs in microseconds.
 *
 * Deterministic mode (.deterministic): virtual time plus the calling-thread
 * dispatcher for every actor, so each send runs its receiver to completion
 * before the send returns: a test steps an interaction with no sleeps.
 *
 * Every function that returns a message hands over one reference (free it
 * with akt_msg_free); out pointers may be NULL to drop it.
 */
#ifndef AKT_TESTKIT_H
#define AKT_TESTKIT_H

#include "akt/akt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct akt_testkit_opts {
    bool virtual_time; /* akt.scheduler.clock = virtual */
    bool deterministic; /* virtual time + calling-thread dispatcher */
    const char *config; /* extra HOCON layered over the reference, or NULL */
} akt_testkit_opts;

/* akt_testkit_system -- a system for tests (opts may be NULL). Free it
 * with akt_system_free. Errors as akt_system_create, AKT_ESYNTAX. */
AKT_API akt_err akt_testkit_system(
    const char *name, const akt_testkit_opts *opts, akt_system **out);

/* akt_testkit_advance -- move virtual time (akt_scheduler_advance). */
AKT_API akt_err akt_testkit_advance(akt_system *sys, int64_t ns);

/* akt_testkit_await -- wait until cond(arg) is true (Akka's awaitCond):
 * checks at once, then again at growing intervals (10 us up to 1 ms) until
 * timeout_ns of real time have passed. AKT_OK, AKT_ETIMEDOUT (cond was
 * still false), AKT_EINVAL (cond NULL or timeout_ns < 0). For state that no
 * message reports (counters, a timer being armed); prefer a probe when a
 * message does. */
typedef bool (*akt_testkit_cond)(void *arg);
AKT_API akt_err akt_testkit_await(
    akt_testkit_cond cond, void *arg, int64_t timeout_ns);

/* --- probes ------------------------------------------------------------- */

typedef struct akt_probe akt_probe;

/* akt_probe_new -- spawn a probe actor (name NULL: generated). */
AKT_API akt_err akt_probe_new(
    akt_system *sys, const char *name, akt_probe **out);

/* akt_probe_free -- stop the probe and free what it still holds. Call it
 * before akt_system_free. */
AKT_API void akt_probe_free(akt_probe *p);

AKT_API akt_ref akt_probe_ref(const akt_probe *p);

/* akt_probe_receive -- the next message within timeout_ns (AKT_ETIMEDOUT).
 * *msg gets one reference; *sender the message's sender. */
AKT_API akt_err akt_probe_receive(
    akt_probe *p, int64_t timeout_ns, void **msg, akt_ref *sender);

/* akt_probe_expect_type -- the next message must be of type.
 * AKT_ETYPE: another type came (it is consumed; its name is printed). */
AKT_API akt_err akt_probe_expect_type(
    akt_probe *p, const akt_type *type, int64_t timeout_ns, void **msg);

/* akt_probe_expect -- the next message must satisfy pred (AKT_EFAILED). */
typedef bool (*akt_probe_pred)(const void *msg, void *arg);
AKT_API akt_err akt_probe_expect(akt_probe *p, akt_probe_pred pred, void *arg,
    int64_t timeout_ns, void **msg);

/* akt_probe_expect_no_msg -- AKT_OK when nothing arrives for duration_ns;
 * AKT_EFAILED (message consumed) otherwise. */
AKT_API akt_err akt_probe_expect_no_msg(akt_probe *p, int64_t duration_ns);

/* akt_probe_receive_n -- n messages within timeout_ns in all, into msgs
 * (n slots; NULL to drop them). AKT_ETIMEDOUT if fewer came (those that
 * did are in msgs, the rest NULL). */
AKT_API akt_err akt_probe_receive_n(
    akt_probe *p, size_t n, int64_t timeout_ns, void **msgs);

/* akt_probe_fish -- skip (and free) messages until one satisfies pred. */
AKT_API akt_err akt_probe_fish(akt_probe *p, akt_probe_pred pred, void *arg,
    int64_t timeout_ns, void **msg);

/* akt_probe_watch -- death-watch target from the probe. */
AKT_API akt_err akt_probe_watch(akt_probe *p, akt_ref target);

/* akt_probe_expect_terminated -- the next message must be the Terminated
 * of target (watched with akt_probe_watch). */
AKT_API akt_err akt_probe_expect_terminated(
    akt_probe *p, akt_ref target, int64_t timeout_ns);

/* akt_probe_send -- tell `to` msg with the probe as sender (consumes msg
 * on AKT_OK), so replies come back to the probe. */
AKT_API akt_err akt_probe_send(akt_probe *p, akt_ref to, void *msg);

/* akt_probe_reply -- send msg to the sender of the last message received
 * (consumes on AKT_OK; AKT_ENOENT when there is none). */
AKT_API akt_err akt_probe_reply(akt_probe *p, void *msg);
AKT_API akt_ref akt_probe_last_sender(const akt_probe *p);

/* akt_probe_pending -- messages queued and not yet received. */
AKT_API size_t akt_probe_pending(akt_probe *p);

#ifdef __cplusplus
}
#endif
#endif /* AKT_TESTKIT_H */
