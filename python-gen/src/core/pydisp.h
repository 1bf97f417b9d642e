/*
 * pydisp.h -- the python-pinned dispatcher (pydisp.c): one thread, the
 * system's asyncio loop thread, runs every Python actor of a system.
 */
#ifndef AKT_PY_PYDISP_H
#define AKT_PY_PYDISP_H

#include <stdbool.h>
#include <stddef.h>

#include <Python.h>

#include "akt/actor.h"

typedef struct akt_cell akt_cell;

typedef struct pydisp pydisp;

/* pydisp_create -- a dispatcher named name (static storage) registered
 * on sys (akti_system_add_dispatcher): from AKT_OK on the system owns it,
 * stops it and frees it in akt_system_free. */
akt_err pydisp_create(akt_system *sys, const char *name, pydisp **out);

/* pydisp_create_pool -- python-nogil: a dispatcher named name (copied)
 * whose nthreads workers (each with its own Python thread state, attached
 * only while it runs cells) run the Python actors spawned on it, several
 * at once (one actor on one thread at a time: its mailbox's schedule
 * flag). Registered on sys like pydisp_create; the GIL held (released
 * while a failed start joins). */
akt_err pydisp_create_pool(
    akt_system *sys, const char *name, size_t nthreads, pydisp **out);
/* pydisp_create_sub -- python-subinterpreter-pool (3.12+): a dispatcher
 * named name (copied) whose own thread makes a subinterpreter with its own
 * GIL, sets its sys.path from boot (pickled (list of str)) and runs its
 * System view's asyncio loop there (akt._runtime._subinterp_main);
 * returns once that runs (or failed: AKT_EFAILED, why says what), then
 * registered on sys. Called with the GIL (released while it waits). */
akt_err pydisp_create_sub(akt_system *sys, const char *name, const char *boot,
    size_t bootlen, char *why, size_t whylen, pydisp **out);
/* from _subinterp_main: its loop runs (view: the System view there) */
void pydisp_sub_ready(pydisp *d, PyObject *view);
/* the dispatcher whose cells this thread runs now (NULL: none) */
pydisp *pydisp_current(void);
akt_system *pydisp_system(const pydisp *d);
/* pydisp_parent_state -- the state (and props) of child's parent; only
 * from the parent's decider (its thread, in its turn), else NULL */
void *pydisp_parent_state(akt_ref child, const akt_props **props);
/* a subinterpreter dispatcher's System view (NULL in others) */
PyObject *pydisp_view(const pydisp *d);
/* pd_stop was called: the loop must end */
bool pydisp_stopping(pydisp *d);

/* the python dispatcher (pinned or pool) r's actor runs on, or NULL */
pydisp *pydisp_of(akt_ref r);
bool pydisp_is_pool(const pydisp *d);
const char *pydisp_name(const pydisp *d);

/* the eventfd the loop watches (readable: cells wait) */
int pydisp_fd(const pydisp *d);

/* pydisp_drain -- from the loop's reader callback, GIL held: run queued
 * cells until none is left or budget turns ran; returns the turns run. */
size_t pydisp_drain(pydisp *d, size_t budget);

/* true on a thread inside pydisp_drain or a pool worker (a Python
 * actor's handler) */
bool pydisp_on_thread(void);

/* park: c's handler suspended; unpark: it completed (queue c if it was
 * scheduled meanwhile). Only for the cell whose handler runs/ran here. */
void pydisp_park(pydisp *d, akt_cell *c);
void pydisp_unpark(pydisp *d, akt_cell *c);

/* pydisp_requeue_front -- put msg (one of ours: consumed on true) ahead of
 * everything parked actor self has queued, for its next turn; false when
 * self is gone or on ENOMEM (msg still the caller's). On the dispatcher's
 * thread, with self parked. */
bool pydisp_requeue_front(akt_ref self, void *msg);

/* what kind of receiver r is, for how a Python object travels to it */
enum {
    PYDISP_DEST_OTHER = 0, /* a C actor, a future, unknown */
    PYDISP_DEST_PYTHON = 1, /* a Python actor of this process */
    PYDISP_DEST_REMOTE = 2, /* a remote actor's proxy */
    PYDISP_DEST_INTERP = 3, /* a Python actor of another interpreter of
                               this process (python-subinterpreter-pool) */
};
int pydisp_dest_kind(akt_ref r);

/* how a send to r may wait (a bounded mailbox with overflow = block) */
enum {
    PYDISP_SEND_NOWAIT = 0, /* never waits */
    PYDISP_SEND_MAY_WAIT = 1, /* may wait: release the GIL around it */
    PYDISP_SEND_OWN_THREAD = 2, /* its consumer is this thread: waiting
                                   could only time out (use the _nowait
                                   calls: a full mailbox answers at once) */
};
int pydisp_send_mode(akt_ref r);
/* akt_tell / akt_ask, except that a full BLOCK mailbox answers AKT_EAGAIN
 * at once (msg still the caller's) */
akt_err pydisp_tell_nowait(akt_ref to, void *msg, akt_ref sender);
akt_err pydisp_ask_nowait(
    akt_ref to, void *msg, int64_t timeout_ns, akt_future **out);

/* pydisp_pending_promise -- r is an ask's promise that has not completed
 * yet (a future whose reply is still awaited) */
bool pydisp_pending_promise(akt_ref r);

/* pydisp_actor_props -- the props of r's live incarnation (the interned
 * copy), with its state in *state, or NULL when r is no live actor. Only
 * on the thread that runs r's dispatcher, or r's supervisor's while r is
 * suspended (nobody else touches the state then). */
const akt_props *pydisp_actor_props(akt_ref r, void **state);

#endif /* AKT_PY_PYDISP_H */
