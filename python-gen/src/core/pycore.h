/*
 * pycore.h -- what the files of akt._core share: the per-module state and
 * the converters (convert.c).
 */
#ifndef AKT_PY_PYCORE_H
#define AKT_PY_PYCORE_H

#include <Python.h>

#include <stdatomic.h>

#include "akt/akt.h"

typedef struct pyc_state {
    PyObject *error; /* akt.AktError */
    PyObject *errors[64]; /* by code, the generated subclasses */
    PyObject *ask_self; /* akt.AskSelfError */
    PyTypeObject *system_type, *ref_type, *future_type, *ctx_type,
        *pending_type;
    /* from akt._runtime (_core._setup) */
    PyObject *record_cls, *terminated_cls, *future_cls, *suspend_fn,
        *failure_fn;
    akt_registry *registry; /* names -> descriptors for Records */
    /* generated modules (schema.c) */
    PyTypeObject *message_type; /* akt.Message */
    PyObject *frozenmap_cls, *typed_ref_cls; /* from akt._runtime */
    PyObject *schema_mismatch; /* akt.SchemaMismatch */
    /* events (akt._runtime): DeadLetter, UnhandledMessage, LogEvent,
     * ReceiveTimeout; emit_log(level, path, text, timestamp) */
    PyObject *dead_letter_cls, *unhandled_cls, *log_event_cls,
        *receive_timeout_cls, *emit_log_fn;
    struct pyb_tables *bind;
    PyInterpreterState *interp; /* the interpreter of this module copy */
} pyc_state;

extern akt_type pyc_object_type;

/* pyc_gil_ensure -- attach this thread to interp (NULL: the main one),
 * from any thread: a no-op where it runs in interp already; the main
 * interpreter through PyGILState where that is this thread's; otherwise a
 * thread state of its own for the call (another interpreter's attached
 * one is detached meanwhile). ok false: interp is a subinterpreter that
 * ended or is ending (interp.c's registry) -- do not touch its objects
 * (leak them). pyc_gil_release undoes it. */
enum { PYC_GIL_NOOP = 0, PYC_GIL_STATE, PYC_GIL_FRESH };
typedef struct pyc_gil {
    int how;
    bool ok;
    PyGILState_STATE gs;
    PyThreadState *prev, *mine;
    PyInterpreterState *interp;
} pyc_gil;
pyc_gil pyc_gil_ensure(PyInterpreterState *interp);
void pyc_gil_release(pyc_gil *g);
/* a python-subinterpreter-pool interpreter: entered by pyc_gil_ensure
 * from its registration until its unregistration, which waits for the
 * threads inside (register: -1 when the registry is full) */
int pyc_interp_register(PyInterpreterState *interp);
void pyc_interp_unregister(PyInterpreterState *interp);
extern struct PyModuleDef pyc_module_def;

/* raise the exception of code rc (with detail text, may be NULL); NULL */
PyObject *pyc_raise(pyc_state *st, akt_err rc, const char *detail);

struct pydisp;
struct pyc_logq;

/* the props of a Python actor class, interned per System */
typedef struct props_rec {
    struct props_rec *next;
    akt_props props;
    PyObject *factory; /* the akt.Props (strong) */
    PyObject *system; /* borrowed: the System outlives its records */
    pyc_state *st;
    /* Props.with_supervisor / the class's supervisor_strategy: the C
     * strategy whose decider calls decide(exc, child) (strong, or NULL) */
    akt_supervisor_strategy sup;
    PyObject *decide;
    /* Props.with_mailbox: priority(msg) -> int (strong, or NULL) */
    akt_mailbox_opts mbox;
    PyObject *priority;
    struct pyfsm *fsm; /* a Python fsm's definition (pyfsm.c), or NULL */
    struct pypersist *persist; /* a persistent actor's (pypersist.c) */
} props_rec;

/* subinterpreters of a system (python-subinterpreter-pool): the runtime
 * core keeps at most AKTI_EXTRA_DISPATCHERS (16) dispatchers beside its
 * own: python-pinned, up to 3 python-nogil pools, and these */
#define PYC_MAX_SUBS 12

/* akt._core.System: one akt_system and its python-pinned dispatcher */
typedef struct SystemObject {
    PyObject_HEAD akt_system *sys;
    struct pydisp *disp;
    PyObject *module;
    PyObject *props_map; /* id(props) -> capsule; keeps props alive */
    props_rec *recs;
    PyObject *name;
    struct pyc_logq *logq; /* akt's log events for Python's logging */
    /* python-nogil dispatchers (add_pool), by name; the system owns them */
    struct pydisp *pools[3];
    size_t npools;
    /* python-subinterpreter-pool: one dispatcher per subinterpreter (the
     * system owns them); and the records of the actors spawned on them */
    struct pydisp *subs[PYC_MAX_SUBS];
    size_t nsubs;
    struct sub_rec *subrecs;
    /* a subinterpreter's view of another System's akt_system (it neither
     * terminates nor frees it); its Python actors' default dispatcher is
     * its own (default_disp, NULL: "python") */
    bool view;
    const char *default_disp;
#ifdef Py_GIL_DISABLED
    /* threads inside a call that uses sys (pyc_sys_enter): the free waits
     * for them, as the GIL made it wait in the other builds */
    _Atomic long users;
#endif
} SystemObject;

/* pyc_sys_enter -- the system of a System object, kept alive until
 * pyc_sys_leave, or NULL (terminated). Without the GIL (3.13t) the free
 * waits for every thread between the two; with the GIL, holding it is
 * enough. Leave before waiting for anything an actor must do. */
akt_system *pyc_sys_enter(PyObject *system);
void pyc_sys_leave(PyObject *system);

/* critical sections (3.13+; the GIL orders the code in older builds) */
#if PY_VERSION_HEX >= 0x030D0000
#define PYC_BEGIN_CS(o) Py_BEGIN_CRITICAL_SECTION(o)
#define PYC_END_CS()    Py_END_CRITICAL_SECTION()
#else
#define PYC_BEGIN_CS(o) {
#define PYC_END_CS()    }
#endif

typedef struct RefObject {
    PyObject_HEAD akt_ref ref;
    PyObject *system;
} RefObject;

/* what a handler gets as ctx */
typedef struct CtxObject {
    PyObject_HEAD akt_ctx *ctx; /* NULL once the handler returned or
                                   suspended */
    akt_ref self, sender;
    PyObject *system;
    pyc_state *st;
    bool replied;
    struct shim *shim; /* the Python actor's (become), NULL in others */
    const struct pyc_line *line; /* the fsm line whose handler runs, or
                                    NULL (pyfsm.c) */
    /* an fsm line's handler that suspended: its line and the shim's
     * fsm_epoch then, so ctx.goto / stay after an await decide the
     * transition (pyfsm.c); NULL otherwise */
    const struct pyc_line *fsm_line;
    uint32_t fsm_epoch;
} CtxObject;

/* the state of a Python actor (and of a Python fsm actor, pyfsm.c) */
typedef struct shim {
    PyObject *actor;
    PyObject *handle; /* the behaviour: actor.handle, or ctx.become's */
    props_rec *rec;
    CtxObject *spare; /* the last message's ctx, when nothing kept it */
    PyObject *stack; /* list: behaviours become(discard_old=False) kept */
    PyObject *last_exc; /* the exception of the last failure, for the
                           supervisor's decider (cleared when it ran) */
    bool hook_failed; /* an fsm hook raised (pyfsm.c): fail after it */
    /* the instance could not be made (pyc_shim_not_created): its
     * pre_start fails with hook_why */
    bool not_created;
    char hook_why[200];
    PyObject *pq; /* persistent: [callback, events left] per pending
                     persist, in order (pypersist.c) */
    /* fsm (pyfsm.c): the transition the running line's handler chose so
     * far (fsm_next -1: stay; fsm_has_tmo: goto with a timeout), and, for
     * a handler that suspended, PYFSM_WAIT until its task ends, then
     * PYFSM_QUEUED until the resume message makes the transition */
    /* persistent (pypersist.c): the callbacks of a write queued behind
     * one that suspended, [(callback, ctx, event)], run by its task; NULL
     * when none suspended */
    PyObject *cb_chain;
    uint8_t fsm_phase;
    bool fsm_has_tmo;
    uint32_t fsm_epoch; /* counts the suspensions (stale resumes) */
    int fsm_cur, fsm_next;
    int64_t fsm_tmo_ns;
} shim;

/* the interpreter a shim's objects belong to (for pyc_gil_ensure; NULL:
 * the main one, for a shim whose record was never made) */
static inline PyInterpreterState *
pyc_shim_interp(const shim *s)
{
    return s->rec != NULL ? s->rec->st->interp : NULL;
}

/* one line of a Python fsm (pyfsm.c): the only state ctx.goto may name */
typedef struct pyc_line {
    int target; /* -1: `on M;` (stay only) */
    PyObject *text; /* "on Open -> Opened" (str) */
    struct pyfsm *fsm;
} pyc_line;

/* pyc_run_behavior -- GIL held: run fn as the handler of ctx's message,
 * fn(self_arg, ctx, m) (self_arg and m may be NULL: left out); its return
 * value other than None is the reply, a coroutine that really suspends is
 * finished by a task while the actor's cell is parked, an exception is
 * the actor's failure (kept for the supervisor's decider). line: the fsm
 * line it runs for (ctx.goto checks it), or NULL. */
akt_err pyc_run_behavior(shim *s, akt_ctx *ctx, PyObject *fn,
    PyObject *self_arg, PyObject *m, const pyc_line *line);
/* pyc_exc_text -- the current exception's text into buf (cleared), handed
 * to the failure logger; keep (may be NULL) gets the exception */
void pyc_exc_text(
    pyc_state *st, PyObject *actor, char *buf, size_t len, PyObject **keep);
CtxObject *pyc_ctx_new(pyc_state *st, PyObject *system, akt_ctx *ctx);
/* the shim of r's live incarnation when r is a Python actor (NULL else;
 * see pydisp_actor_state for who may call it) */
shim *pyc_shim_of(akt_ref r);
/* pyfsm.c: a Python fsm's props from FsmActor._akt_fsm_table(); 0 or -1
 * + error */
int pyc_fsm_props(props_rec *rec, PyObject *table);
extern const akt_behavior pyc_fsm_behavior;
extern const akt_lifecycle pyc_fsm_lifecycle;
/* pypersist.c: a Python persistent actor's props from
 * PersistentActor._akt_persist_table(); 0 or -1 + error */
int pyc_persist_props(props_rec *rec, PyObject *table);
void pyc_persist_free(props_rec *rec);
/* pypersist.c: the props (out) the main interpreter spawns a persistent
 * actor of a subinterpreter with, from the class's table there: no Python
 * object in it; base gives the dispatcher, mailbox and supervisor,
 * init(state, init_arg) makes the shim in the actor's interpreter. Starts
 * the journal when it is not running. The definition (free with
 * pyc_persist_sub_free after the system), or NULL + error. */
void *pyc_persist_sub_def(SystemObject *so, PyObject *table,
    const akt_props *base, akt_err (*init)(void *, const void *),
    const void *init_arg, akt_props *out);
void pyc_persist_sub_free(void *def);
extern const akt_behavior pyc_persist_behavior;
/* the shim inside a persistent actor's state (def: its behavior_arg) */
shim *pyc_persist_shim(const void *def, void *state);
PyObject *pyc_ctx_persist(CtxObject *c, PyObject *args, PyObject *kw);
PyObject *pyc_ctx_persist_all(CtxObject *c, PyObject *args, PyObject *kw);
PyObject *pyc_ctx_persist_async(CtxObject *c, PyObject *args, PyObject *kw);
PyObject *pyc_ctx_persist_all_async(CtxObject *c, PyObject *args, PyObject *kw);
PyObject *pyc_ctx_save_snapshot(CtxObject *c, PyObject *snap);
PyObject *pyc_ctx_delete_events(CtxObject *c, PyObject *to);
PyObject *pyc_ctx_persistence_id(CtxObject *c, void *closure);
PyObject *pyc_ctx_last_seq(CtxObject *c, void *closure);
PyObject *pyc_system_start_persistence(SystemObject *so, PyObject *unused);
PyObject *pyc_system_events_by_tag(SystemObject *so, PyObject *args);
/* the catch-all of a Python actor (module.c): its handle() */
akt_err pyc_py_handle(void *state, akt_ctx *ctx, const void *msg);
void pyc_fsm_free(props_rec *rec);
enum { PYFSM_IDLE = 0, PYFSM_WAIT, PYFSM_QUEUED };
/* pyc_park_chain -- a persist callback's coroutine coro (which yielded
 * val) really suspended in ctx's turn: a task finishes it, then runs the
 * callbacks the shim's new cb_chain gets meanwhile, replying to sender,
 * while the actor's cell is parked. 0, or -1 + error. */
int pyc_park_chain(
    shim *s, akt_ctx *ctx, akt_ref sender, PyObject *coro, PyObject *val);
/* pyfsm.c: the handler of an fsm line suspended (from pyc_run_behavior:
 * c is its ctx); returns the epoch its task hands to pyc_fsm_finish */
uint32_t pyc_fsm_suspended(shim *s, akt_ctx *ctx, CtxObject *c);
/* its task ended: done (the transition is made before the actor's next
 * message) or failed (none is made); on the actor's thread, parked */
void pyc_fsm_finish(akt_ref self, uint32_t epoch, bool done);
PyObject *pyc_ctx_goto(CtxObject *c, PyObject *args, PyObject *kw);
PyObject *pyc_ctx_stay(CtxObject *c, PyObject *unused);
PyObject *pyc_ctx_get_state(CtxObject *c, void *closure);
/* module.c: the Python actor's behaviour and lifecycle hooks (the shim) */
akt_err pyc_shim_init(void *state, const void *init_arg);
/* the instance of s could not be made, for the reason why: the state
 * init succeeds (it cannot give a reason) and the actor's pre_start fails
 * with why (pyc_shim_start_failed), so the supervisor logs it */
void pyc_shim_not_created(shim *s, const char *why);
akt_err pyc_shim_start_failed(shim *s, akt_ctx *ctx);
void pyc_shim_fini(void *state);
akt_err pyc_call_hook(shim *s, akt_ctx *ctx, const char *name);
extern _Thread_local akt_ref pyc_tls_self;

props_rec *pyc_props_rec_for(SystemObject *so, PyObject *props);

/* kit.c: timers, stash, the event stream, routers, the log bridge; the
 * method tables of module.c list these */
PyObject *pyc_ctx_start_timer(CtxObject *c, PyObject *args, PyObject *kw);
PyObject *pyc_ctx_cancel_timer(CtxObject *c, PyObject *key);
PyObject *pyc_ctx_timer_active(CtxObject *c, PyObject *key);
PyObject *pyc_ctx_cancel_all_timers(CtxObject *c, PyObject *unused);
PyObject *pyc_ctx_set_receive_timeout(CtxObject *c, PyObject *secs);
PyObject *pyc_ctx_stash(CtxObject *c, PyObject *unused);
PyObject *pyc_ctx_unstash(CtxObject *c, PyObject *unused);
PyObject *pyc_ctx_unstash_all(CtxObject *c, PyObject *unused);
PyObject *pyc_ctx_stash_size(CtxObject *c, PyObject *unused);
PyObject *pyc_ctx_clear_stash(CtxObject *c, PyObject *unused);
PyObject *pyc_system_subscribe(SystemObject *so, PyObject *args);
PyObject *pyc_system_unsubscribe(SystemObject *so, PyObject *args);
PyObject *pyc_system_publish(SystemObject *so, PyObject *msg);
PyObject *pyc_system_router(SystemObject *so, PyObject *args, PyObject *kw);
PyObject *pyc_system_log_fileno(SystemObject *so, PyObject *unused);
PyObject *pyc_system_drain_log(SystemObject *so, PyObject *unused);
PyObject *pyc_system_log(SystemObject *so, PyObject *args);
PyObject *pyc_ref_broadcast(RefObject *r, PyObject *msg);
PyObject *pyc_ref_routees(RefObject *r, PyObject *args);
PyObject *pyc_ref_resize(RefObject *r, PyObject *delta);
/* subproc.c: the python-subprocess host actor */
extern akt_type pyc_worker_died_type;
extern akt_type pyc_worker_started_type;
PyObject *pyc_system_spawn_host(SystemObject *so, PyObject *args);
PyObject *pyc_ref_worker_died(RefObject *r, PyObject *pid);
PyObject *pyc_ref_host_started(RefObject *r, PyObject *args);
/* bench.c: what akt.profiler measures with */
PyObject *pyc_system_spawn_c_echo(SystemObject *so, PyObject *args);
PyObject *pyc_ref_c_tell(RefObject *r, PyObject *args);
PyObject *pyc_bench_convert(PyObject *mod, PyObject *args);
/* the log queue of a System: akt's sink posts, the loop drains */
int pyc_logq_start(SystemObject *so);
void pyc_logq_stop(SystemObject *so);
/* ctx_live: 0, or -1 with akt.InvalidState naming what */
int pyc_ctx_live(CtxObject *c, const char *what);
/* the event classes for the standard events (NULL: not one) */
PyObject *pyc_event_from_msg(pyc_state *st, PyObject *system, const void *msg);

PyObject *pyc_ref_new(pyc_state *st, PyObject *system, akt_ref r);
/* pyc_send -- akt_tell(to, m, from) from a thread that holds the GIL: to
 * a bounded mailbox whose overflow is block, the GIL is released while
 * the send may wait (the consumer may need it), and on the Python actors'
 * thread a send to a full such mailbox of one of its own actors fails at
 * once with AKT_EFULL (the wait could only time out). Consumes m on
 * AKT_OK. */
akt_err pyc_send(akt_ref to, void *m, akt_ref from);
akt_ref pyc_ref_get(PyObject *ref);

/* pyc_from_msg -- a new reference to msg's Python form (GIL held) */
PyObject *pyc_from_msg(pyc_state *st, PyObject *system, const void *msg);
/* pyc_to_msg -- a new akt message (one reference) for o, sent to dest
 * (AKT_REF_NONE: unknown): a message of a generated class stays a Python
 * object for a Python actor of this process and becomes its akt type for
 * any other receiver; another object travels as itself (akt.python.Object,
 * pickled when it leaves the interpreter: at once for a remote actor).
 * NULL + error. */
void *pyc_to_msg(pyc_state *st, PyObject *o, akt_ref dest);
/* pyc_to_msg for a receiver of kind where (pydisp_dest_kind): no access to
 * the receiver, so it runs outside pyc_sys_enter .. leave */
void *pyc_to_msg_for(pyc_state *st, PyObject *o, int where);

#endif /* AKT_PY_PYCORE_H */
