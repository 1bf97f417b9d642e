/*
 * core.h -- private types of the actor core: cells, mailboxes, dispatchers,
 * futures (promise cells), the timing wheel and the system.
 *
 * Start reading at README.md in this folder. The invariants that matter:
 *
 *  - A cell (actor or promise) lives in type-stable slab memory owned by its
 *    system; its address stays a cell until akt_system_free(). A ref is
 *    {cell, uid}; uid 0 means "no incarnation".
 *  - Only the thread that owns `sched` (a successful 0->1 CAS, or the
 *    allocator that set it to 1) touches the consumer side of a cell: the
 *    mailbox heads, the behaviour, the state and the lifecycle. Producers only
 *    push to the mailbox and try to take `sched`.
 *  - Every message header carries the uid it was sent to; delivery checks it,
 *    so a message to a stopped incarnation never reaches its successor.
 */
#ifndef AKTI_CORE_H
#define AKTI_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "akt/actor.h"
#include "akt/config.h"
#include "akt/events.h"
#include "core/ext.h"
#include "core/msg_impl.h"

/* the size of a failure's reason text: akt_ctx_fail's, what the
 * supervisor logs and the asker of the failed message gets (whole, up to
 * AKT_STATUS_TEXT_MAX bytes) */
#define AKTI_REASON_MAX (AKT_STATUS_TEXT_MAX + 1)

#define AKTI_CACHELINE 64

/* --- settings (settings.c is the only file that reads the config) ------- */

typedef struct akti_settings {
    int workers; /* default-dispatcher.workers (0: one per core) */
    int throughput; /* messages per actor turn */
    int spin_before_park; /* idle polls before a worker parks */
    /* default-dispatcher.busy-wait: how long an idle worker goes on
     * looking for work (yielding) after its polls, before it parks */
    int64_t worker_busy_wait_ns;
    /* actor.ask-busy-wait: how long a thread waiting on a future spins
     * (then yielding) before it sleeps */
    int64_t ask_busy_wait_ns;
    int blocking_workers;
    akt_mailbox_kind mailbox_kind;
    uint32_t mailbox_capacity;
    akt_overflow overflow;
    int64_t block_timeout_ns;
    int64_t ask_timeout_ns;
    int32_t max_restarts; /* -1: unlimited */
    int64_t restart_within_ns;
    bool dead_letters_log;
    int64_t dead_letters_log_max;
    int64_t tick_ns;
    uint32_t wheel_size;
    int loglevel; /* 0 off, 1 error, 2 warning, 3 info, 4 debug */
    bool virtual_clock; /* akt.scheduler.clock = virtual (testkit) */
    bool calling_default; /* default-dispatcher.type = calling-thread */
    /* akt.actor.memory-reserve: system messages and extensions each
     * system keeps for when the allocator fails (system.c) */
    uint32_t reserve_msgs, reserve_exts;
    /* akt.codec.max-depth / max-length: what akt_msg_decode_in(sys, ...)
     * uses for a limit its caller leaves at 0 */
    akt_codec_limits codec;
} akti_settings;

AKTI_INTERNAL akt_err akti_settings_read(
    const akt_config *cfg, akti_settings *out, akt_config_error *err);

/* --- preemption points ---------------------------------------------------
 *
 * AKTI_PREEMPT() marks a step of a lock-free protocol (send, schedule, pop,
 * park, help, complete) where a thread that is preempted could leave work
 * that nobody else will pick up. In normal builds it is nothing. In the
 * stress build of libakt (akt_stress, AKTI_PREEMPT_STRESS defined) it
 * yields the CPU, spins or sleeps at random, so races that need an
 * unlucky preemption on a loaded machine show up in seconds instead of
 * once in thirty CI runs (tests/core/stress_test.c). */
#if defined(AKTI_PREEMPT_STRESS)
AKTI_INTERNAL void akti_preempt_point(void);
#define AKTI_PREEMPT() akti_preempt_point()
#else
#define AKTI_PREEMPT() ((void)0)
#endif

/* --- futex / parking ------------------------------------------------------ */

AKTI_INTERNAL void akti_futex_wait(
    _Atomic uint32_t *word, uint32_t expect, int64_t timeout_ns);
AKTI_INTERNAL void akti_futex_wake(_Atomic uint32_t *word, int n);
/* akti_now_ns, akti_cpu_relax, akti_busy_yield, AKTI_BUSY_PAUSE_NS and
 * the busy waits' defaults: core/ext.h (remote/ busy-polls its lanes too) */

/* --- timing wheel (timer.c) --------------------------------------------- */

typedef struct akti_clock {
    int64_t (*now)(void *arg); /* monotonic nanoseconds */
    void *arg;
} akti_clock;

typedef struct akti_timer akti_timer;
typedef void (*akti_timer_fn)(akti_timer *t, void *arg);

/* An intrusive timer entry; embed it, start it, cancel it. */
struct akti_timer {
    akti_timer *next, *prev;
    int64_t deadline;
    akti_timer_fn fn;
    void *arg;
    uint32_t armed; /* under the wheel lock */
};

typedef struct akti_wheel akti_wheel;

AKTI_INTERNAL akt_err akti_wheel_create(int64_t tick_ns, uint32_t size,
    const akti_clock *clock, bool own_thread, akti_wheel **out);
AKTI_INTERNAL void akti_wheel_free(akti_wheel *w);
/* akti_timer_start -- arm t to fire fn(t, arg) after delay_ns (on the
 * wheel's thread, or in akti_wheel_advance for a manual clock). */
AKTI_INTERNAL void akti_timer_start(akti_wheel *w, akti_timer *t,
    int64_t delay_ns, akti_timer_fn fn, void *arg);
/* akti_timer_cancel -- true when t was armed and will not fire. */
AKTI_INTERNAL bool akti_timer_cancel(akti_wheel *w, akti_timer *t);
/* akti_wheel_advance -- fire everything due at the clock's now (the thread
 * loop calls it; tests with a manual clock call it directly). */
AKTI_INTERNAL void akti_wheel_advance(akti_wheel *w);
AKTI_INTERNAL int64_t akti_wheel_now(akti_wheel *w);
/* akti_wheel_next_due -- the earliest clock value at which an advance
 * fires something (INT64_MAX: nothing armed); O(size + armed), for
 * virtual time. */
AKTI_INTERNAL int64_t akti_wheel_next_due(akti_wheel *w);
/* A manual clock for tests: now() returns *arg. */
AKTI_INTERNAL int64_t akti_manual_clock_now(void *arg);

/* --- cells ---------------------------------------------------------------- */

enum {
    AKTI_CELL_FREE = 0,
    AKTI_CELL_ACTOR = 1,
    AKTI_CELL_PROMISE = 2,
};

/* actor life (consumer-private) */
enum {
    LIFE_NONE = 0,
    LIFE_CREATED, /* pre_start pending */
    LIFE_RUNNING,
    LIFE_SUSPENDED, /* failed, waiting for the supervisor */
    LIFE_RESTARTING, /* waiting for children before the restart completes */
    LIFE_STOPPING, /* waiting for children before post_stop */
    LIFE_DEAD, /* terminated; only drains to dead letters */
};

typedef struct akti_dispatcher akti_dispatcher;
/* dispatchers made outside the core, per system: the Python bridge's
 * python-pinned, up to 3 python-nogil pools and one per subinterpreter of
 * python-subinterpreter-pool (at most 12), the GPU's; found by a scan */
enum { AKTI_EXTRA_DISPATCHERS = 16 };
typedef struct akti_plugin_ops akti_plugin_ops;
typedef struct akti_props_rec akti_props_rec;
typedef struct akti_cell_ext akti_cell_ext;
typedef struct akti_mbox_ext akti_mbox_ext;

typedef struct akt_cell akt_cell;

/* The cell header is shared by actors and promises: the fields up to
 * `kind` are what any sender reads. */
struct akt_cell {
    /* line 0: what senders touch. mq_in and stub take producers' writes,
     * sched their CAS; uid, kind, sys, disp, mbx are read on every send. */
    _Atomic(akti_msg *) mq_in; /* Vyukov MPSC: producer end */
    _Atomic(akti_msg *) sys_in; /* Treiber stack of system messages */
    _Atomic uint64_t uid; /* 0: no live incarnation */
    _Atomic uint32_t sched; /* 1 while queued or running */
    uint8_t kind; /* AKTI_CELL_*; type-stable per slot */
    uint8_t mbox_kind; /* akt_mailbox_kind of this incarnation */
    uint16_t spare_;
    akt_system *sys;
    /* senders read it (the arriving hook) while the cell may stop: set
     * with akti_cell_set_disp, read by senders with an atomic load */
    akti_dispatcher *disp;
    _Atomic(akti_mbox_ext *) mbx; /* bounded/priority/control: extra state,
                                     kept until akt_system_free */
    _Atomic(akti_msg *) stub; /* Vyukov stub node (only `next`) */
    /* line 1 on: the consumer side (the thread holding sched) */
    akti_msg *mq_out; /* Vyukov consumer end */
    _Atomic(akt_cell *) run_next; /* intrusive link in run queues */
    uint8_t life; /* LIFE_* */
    uint8_t flags; /* CELL_F_* */
    uint8_t link_flags; /* LINK_F_*: the parent's marks on this child,
                           written by the parent under its children lock */
    uint32_t nchildren;
    void *state;
    const akt_behavior *beh;
    const void *beh_arg;
    akti_props_rec *props;
    /* the spawn's props.init_arg: kept here, not in the shared props
     * record, so actors spawned with many different init arguments share
     * one record (records live until akt_system_free) */
    const void *init_arg;
    akt_cell *parent;
    akt_cell *first_child; /* circular list, spawn order; the slab
                              free list links through it */
    akt_cell *sib_next, *sib_prev;
    uint32_t slot : 24; /* index in sys->slot_tab (constant) */
    uint32_t cls : 8; /* slab class (constant) */
    char *name; /* NULL: auto name from slot */
    akti_cell_ext *ext; /* rare state, allocated on demand */
    /* state follows when it fits the slab class */
};

/* senders' line and consumer's line never share a cache line (the slab
 * carves cells at line-aligned offsets) */
_Static_assert(offsetof(struct akt_cell, mq_out) == AKTI_CACHELINE,
    "akt_cell line 0 must hold exactly the senders' fields");

/* Stub punning: the Vyukov queue links through akti_msg.next, which is the
 * first member of akti_msg; the stub is just that member. */
#define CELL_STUB(c) ((akti_msg *)(void *)&(c)->stub)

enum {
    CELL_F_STATE_INLINE = 1u << 0,
    CELL_F_TERMINATE_REQ = 1u << 1, /* stop after the current message */
    CELL_F_WATCH_HOOK = 1u << 2, /* ext->watch_slot's watchers hook runs
                                    when the watcher count changes */
    CELL_F_SYSTEM = 1u << 3, /* under /system or a guardian */
    CELL_F_STARTED = 1u << 4, /* pre_start succeeded: post_stop due */
    CELL_F_KIT = 1u << 5, /* ext->kit is set: the kit hooks run */
    /* a stop owes some children (LINK_F_TERM_OWED) their TERMINATE: no
     * message could be had for it; paid as messages come back */
    CELL_F_TERM_OWED = 1u << 6,
};

enum {
    /* the parent sent this child TERMINATE (a stop, a STOP directive, the
     * default pre_restart): a restart waits for the CHILD_STOPPED of
     * these children only; the others survive it and are restarted */
    LINK_F_STOPPING = 1u << 0,
    /* out of memory: the parent's TERMINATE to this child is still to be
     * sent (actor.c, stop_children / pay_owed) */
    LINK_F_TERM_OWED = 1u << 1,
    /* out of memory: a RESTART directive to this child (with the
     * parent's ext->owed_reason) is still to be sent */
    LINK_F_RESTART_OWED = 1u << 2,
};

/* Rare per-actor state. */
/* Both sides of a watch hold, from the moment it is made, the memory
 * its end needs, so that a death or an unwatch never allocates:
 * watching (the watcher's list): `notice` is the Terminated to queue,
 * `sysm` the UNWATCH to send at akt_ctx_unwatch or at the watcher's
 * stop; watchers (the watched one's list): `sysm` is the WATCH message
 * itself, sent back as DEATH, `notice` a watch future's Terminated. */
typedef struct akti_watch_ent {
    akt_cell *cell;
    uint64_t uid;
    akt_future *fut; /* a watch from outside: complete this instead */
    uint8_t pending; /* watching: Terminated queued, not yet delivered */
    void *notice; /* an akt_Terminated body, or NULL */
    akti_msg *sysm; /* a system message, or NULL */
} akti_watch_ent;

typedef struct akti_beh_frame {
    const akt_behavior *beh;
    const void *arg;
} akti_beh_frame;

struct akti_cell_ext {
    akti_watch_ent *watchers; /* who watches me */
    uint32_t nwatchers, capwatchers;
    akti_watch_ent *watching; /* whom I watch */
    uint32_t nwatching, capwatching;
    akti_beh_frame *stack; /* become stack */
    uint32_t nstack, capstack;
    /* supervision stats of this actor as a child */
    uint32_t restarts_in_window;
    int64_t window_start;
    uint32_t backoff_n;
    int64_t started_at;
    akti_timer backoff_timer;
    uint64_t backoff_uid;
    /* failure being handled */
    akt_err fail_reason;
    void *failed_msg; /* one ref, kept for pre_restart */
    char reason_text[AKTI_REASON_MAX];
    /* the failure is the first start's (pre_start or init): the default
     * strategy stops such an actor, a resume restarts it (supervision.c) */
    bool start_failed;
    /* pending restart when waiting for children */
    akt_err restart_reason;
    /* out of memory: the reason of the RESTARTs owed to children, and the
     * SYS_RESTART_KICKs out (each comes back as a SYS_KICK) */
    akt_err owed_reason;
    uint32_t kicks_out;
    void *kit; /* timers, stash, FSM of this actor (runtime/src/kit/) */
    uint8_t watch_slot; /* CELL_F_WATCH_HOOK: the extension slot to tell */
    /* watchers whose entry the array could not take (out of memory):
     * their WATCH messages, linked through next (watch.c) */
    akti_msg *wspill;
    uint32_t nwspill;
};

/* --- messages: internal flags and system messages ------------------------ */

enum {
    AKTI_MSG_SYS = 1u << 0, /* in the system queue */
    AKTI_MSG_POISON = 1u << 1, /* PoisonPill */
    AKTI_MSG_TERMINATED = 1u << 2, /* runtime-made Terminated */
    AKTI_MSG_STATUS_REPLY = 1u << 3,
    AKTI_MSG_ENVELOPE = 1u << 4, /* carries another message (broadcast) */
    AKTI_MSG_BLOCK_WAIT = 1u << 5,
    /* akti_tell_nowait: a full BLOCK mailbox answers AKT_EAGAIN at once;
     * read and cleared by tell_cell */
    AKTI_MSG_NOWAIT = 1u << 6,
    /* counted in its bounded mailbox's count (mailbox.c): the pop gives
     * the place back */
    AKTI_MSG_COUNTED = 1u << 7,
};

enum {
    SYS_TERMINATE = 1,
    SYS_KILL,
    SYS_FAILED, /* child -> parent */
    SYS_RESUME,
    SYS_RESTART,
    SYS_CHILD_STOPPED, /* child -> parent */
    SYS_WATCH,
    SYS_UNWATCH,
    SYS_DEATH, /* watched -> watcher */
    SYS_SUPERVISE_STOP, /* parent decided STOP: like terminate */
    /* a RESTART a parent that owes directives sends: the child handles
     * it as SYS_RESTART, then sends the same message back as SYS_KICK,
     * after which the parent pays more of what it owes (actor.c) */
    SYS_RESTART_KICK,
    SYS_KICK,
};

typedef struct akti_sysmsg {
    int kind;
    akt_cell *from;
    uint64_t from_uid;
    akt_err reason;
    akt_future *fut;
    /* WATCH from akt_watch_future: the Terminated that completes fut,
     * made by the watch so that the death needs no allocation */
    void *notice;
} akti_sysmsg;

AKTI_INTERNAL extern const akt_type akti_sysmsg_type;

/* akti_status_text_clip -- copy at most AKT_STATUS_TEXT_MAX bytes of the
 * len bytes at src to dst (AKT_STATUS_TEXT_MAX + 1 bytes) as well-formed
 * UTF-8: a byte that starts no well-formed sequence (or a NUL) becomes '?',
 * and the text is cut before a character that would not fit. Returns the
 * length written (dst is NUL-terminated). */
AKTI_INTERNAL size_t akti_status_text_clip(
    char *dst, const char *src, size_t len);
/* akti_status_new -- an akt.Status message with code and text (clipped as
 * above); NULL on ENOMEM. The caller owns it. */
AKTI_INTERNAL akt_Status *akti_status_new(
    akt_err code, const char *text, size_t len);
AKTI_INTERNAL extern const akt_type akti_poison_type;
AKTI_INTERNAL extern const akt_type akti_envelope_type;

typedef struct akti_envelope {
    void *inner; /* one reference to the carried message */
} akti_envelope;

/* --- mailbox extensions (mailbox.c) ------------------------------------- */

struct akti_mbox_ext {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* BLOCK senders wait here */
    _Atomic int kind; /* akt_mailbox_kind of the incarnation */
    /* written under mu when an incarnation starts; the lock-free send
     * path reads capacity and overflow without it (a stale sender may race
     * with a new incarnation: either value is a valid bound) */
    _Atomic uint32_t capacity;
    _Atomic int overflow; /* akt_overflow */
    int64_t block_timeout_ns; /* under mu */
    akt_priority_fn prio;
    void *prio_arg;
    /* bounded with drop-head: a locked FIFO (the producer must take the
     * oldest out); flen mirrors len for readers that take no lock */
    akti_msg *head, *tail;
    uint32_t len;
    uint32_t waiters;
    _Atomic uint32_t flen;
    /* bounded otherwise: the lock-free queue plus a count of the messages
     * in it that the bound covers (AKTI_MSG_COUNTED); BLOCK senders wait
     * on cv under mu, counted in cwaiters so a pop only signals when one
     * waits */
    _Atomic uint32_t count;
    _Atomic uint32_t cwaiters;
    /* priority: binary heap of (prio, seq, msg), consumer-private, filled
     * from the lock-free queue; control: control FIFO + normal FIFO */
    struct akti_pq_ent *heap;
    uint32_t heap_len, heap_cap;
    uint64_t seq;
    /* priority, out of memory: arrivals the heap could not take */
    akti_msg *spill_head, *spill_tail;
    akti_msg *ctl_head, *ctl_tail, *norm_head, *norm_tail;
};

AKTI_INTERNAL void akti_mq_init(akt_cell *c);
/* akti_mq_push -- producer: append m to the cell's user queue (lock-free
 * for unbounded/priority/control). For a bounded mailbox applies the
 * overflow strategy: AKT_OK (queued, or dropped to dead letters),
 * AKT_EFULL (caller keeps m); with nowait, a full BLOCK mailbox gives
 * AKT_EAGAIN at once (caller keeps m) instead of waiting. */
AKTI_INTERNAL akt_err akti_mq_push(akt_cell *c, akti_msg *m, bool nowait);
/* akti_mq_push_chain -- producer: append the messages first .. last
 * (linked by their next fields, in order) with one atomic exchange, when
 * the mailbox has no bound (unbounded, priority, control-aware: what
 * akti_mq_push would take one by one, unconditionally); false for a
 * bounded mailbox (nothing queued: push each with akti_mq_push, so each
 * meets the bound and the overflow strategy). The caller schedules. */
AKTI_INTERNAL bool akti_mq_push_chain(
    akt_cell *c, akti_msg *first, akti_msg *last);
/* akti_control_enter / _leave -- around akti_tell_control's push: on this
 * thread a bounded mailbox takes a message beyond its capacity */
AKTI_INTERNAL void akti_control_enter(void);
AKTI_INTERNAL void akti_control_leave(void);
/* akti_mq_pop -- consumer: next user message or NULL. A message tagged
 * with a credit slot is counted consumed here (akti_credit_consumed). */
AKTI_INTERNAL akti_msg *akti_mq_pop(akt_cell *c);
/* akti_mq_pop_uncounted -- akti_mq_pop without the credit count: the
 * caller counts m consumed (the run loop, a run at a time) */
AKTI_INTERNAL akti_msg *akti_mq_pop_uncounted(akt_cell *c);
AKTI_INTERNAL void akti_mq_push_unbounded(akt_cell *c, akti_msg *m);
/* consumer side: a queued message waits for its producer's link store */
AKTI_INTERNAL bool akti_mq_stalled(akt_cell *c);
AKTI_INTERNAL akt_err akti_mbox_ext_create(
    akt_cell *c, const akt_mailbox_opts *o, const akti_settings *s);
AKTI_INTERNAL void akti_mbox_ext_free(akt_cell *c);
AKTI_INTERNAL void akti_sys_push(akt_cell *c, akti_msg *m);
/* take all system messages in FIFO order (a linked list through next) */
AKTI_INTERNAL akti_msg *akti_sys_take(akt_cell *c);

/* --- dispatchers (dispatch.c) ------------------------------------------- */

/* akti_dispatcher_ops -- what a dispatcher implements. The core calls
 * schedule() after it took a cell's `sched` flag (0 -> 1); the dispatcher
 * must eventually call akti_cell_run(cell) exactly once for that, on a
 * thread of its choosing. attach/detach let a dispatcher hold per-actor
 * resources (the pinned dispatcher starts a thread per actor). The GPU and
 * Python dispatchers of later issues implement this same table. */
typedef struct akti_dispatcher_ops {
    const char *name;
    akt_err (*start)(akti_dispatcher *d);
    void (*stop)(akti_dispatcher *d); /* join threads; no more runs after */
    void (*schedule)(akti_dispatcher *d, akt_cell *c);
    /* optional: the cell used up its throughput and still has messages;
     * a fair dispatcher queues it behind other ready cells (NULL: schedule) */
    void (*yield)(akti_dispatcher *d, akt_cell *c);
    akt_err (*attach)(akti_dispatcher *d, akt_cell *c); /* optional */
    void (*detach)(akti_dispatcher *d, akt_cell *c); /* optional */
    void (*destroy)(akti_dispatcher *d);
    /* optional: user message m is about to be queued for c (the sender's
     * thread, before any consumer can take it; m may be dropped after,
     * by a full mailbox). The GPU dispatcher records when each message
     * arrived (the age of a batch). */
    void (*arriving)(akti_dispatcher *d, akt_cell *c, akti_msg *m);
} akti_dispatcher_ops;

struct akti_dispatcher {
    const akti_dispatcher_ops *ops;
    akt_system *sys;
    const char *name;
    int throughput;
};

AKTI_INTERNAL akt_err akti_pool_create(akt_system *sys, const char *name,
    int workers, int throughput, int spin, int64_t busy_wait_ns,
    akti_dispatcher **out);
AKTI_INTERNAL akt_err akti_calling_create(
    akt_system *sys, akti_dispatcher **out);
AKTI_INTERNAL akt_err akti_pinned_create(
    akt_system *sys, akti_dispatcher **out);
AKTI_INTERNAL bool akti_pool_help(akti_dispatcher *d);

/* akti_system_add_dispatcher -- a dispatcher made outside the core (the
 * Python bridge's python-pinned, later the GPU one), started by its
 * maker: props whose dispatcher is d->name run on it. From AKT_OK on the
 * system owns d: akt_system_free stops it after every actor stopped (with
 * the core's dispatchers) and then destroys it. Errors: AKT_EINVAL (no
 * name, or a core dispatcher's name), AKT_EEXIST (name taken), AKT_EFULL
 * (AKTI_EXTRA_DISPATCHERS in use), AKT_ECLOSED (terminating). */
AKTI_INTERNAL akt_err akti_system_add_dispatcher(
    akt_system *sys, akti_dispatcher *d);

/* akti_cell_run -- process a turn of the cell (called by dispatchers with
 * sched held); releases or re-schedules. */
AKTI_INTERNAL void akti_cell_run(akt_cell *c, int throughput);

/* --- props record --------------------------------------------------------- */

struct akti_props_rec {
    akti_props_rec *next;
    const akt_props *key;
    akt_props props;
    akt_mailbox_opts mbox;
    akt_supervisor_strategy sup;
    bool has_mbox, has_sup;
    akti_dispatcher *disp;
    uint32_t slab_class;
};

/* --- the system ----------------------------------------------------------- */

#define AKTI_SLAB_CLASSES 6

typedef struct akti_slab {
    pthread_mutex_t mu;
    size_t cell_size;
    akt_cell *free; /* through first_child */
    char **chunks;
    size_t nchunks, capchunks;
    char *bump, *bump_end;
} akti_slab;

typedef struct akti_name_ent {
    struct akti_name_ent *next;
    akt_cell *parent;
    akt_cell *cell;
    const char *name;
} akti_name_ent;

struct akt_system {
    char *name;
    uint64_t serial; /* unique in the process (props cache key) */
    akt_config *cfg;
    akti_settings set;
    _Atomic uint32_t terminating; /* terminate called */
    _Atomic uint32_t terminated; /* futex word: 1 when all stopped; read
                                    on every send: keep it off the
                                    counters' lines below */
    _Alignas(AKTI_CACHELINE) _Atomic uint64_t next_uid;
    _Alignas(AKTI_CACHELINE) _Atomic uint64_t dead_letters;
    _Atomic int64_t live_actors;
    _Atomic int64_t live_promises;
    char pad_after_counters_[AKTI_CACHELINE];
    pthread_mutex_t dl_mu;
    akt_dead_letter_fn dl_fn;
    void *dl_arg;
    void (*dl_fini)(void *);
    akti_slab slabs[AKTI_SLAB_CLASSES];
    /* cells by slot index, for auto names and teardown */
    pthread_mutex_t slot_mu;
    akt_cell **slot_tab;
    uint32_t nslots, capslots;
    /* names */
    pthread_mutex_t names_mu;
    akti_name_ent **names;
    size_t names_cap, names_len;
    /* props interning */
    pthread_mutex_t props_mu;
    akti_props_rec *props_list;
    /* guardians */
    akt_cell *root, *user, *system_g;
    /* dispatchers */
    akti_dispatcher *pool, *blocking, *calling, *pinned;
    bool blocking_started; /* under disp_mu */
    /* dispatchers made outside the core (akti_system_add_dispatcher),
     * found by their name; under disp_mu */
    akti_dispatcher *extra_disp[AKTI_EXTRA_DISPATCHERS];
    pthread_mutex_t disp_mu;
    akti_wheel *wheel;
    akti_clock clock;
    akt_supervisor_strategy default_strategy;
    akt_props guardian_props;
    _Atomic int64_t vclock; /* virtual time (akt.scheduler.clock = virtual) */
    const akti_plugin_ops *plugin; /* the kit's hooks, or NULL */
    void *kit; /* the plug-in's state: event stream, shutdown (kit/) */
    /* permanent dead-letter observers (akti_system_observe_dead_letters) */
    struct {
        akt_dead_letter_fn fn;
        void *arg;
    } dl_obs[2];
    _Atomic uint32_t ndl_obs;
    /* logging (log.c): the sink, under log_mu; the level */
    pthread_mutex_t log_mu;
    akt_log_sink_fn log_sink;
    void *log_sink_arg;
    void (*log_sink_fini)(void *);
    _Atomic int loglevel;
    /* extensions (remote/, ...): one const ops table + arg per slot */
    pthread_rwlock_t ext_mu;
    struct {
        const struct akti_ext_ops *ops;
        void *arg;
    } ext[AKTI_EXT_SLOTS];
    /* inbound credit slots (ext.h): pages of AKTI_CREDIT_PAGE entries,
     * allocated on demand under credit_mu, freed at akt_system_free (the
     * counters are type-stable: a message may name its slot after the
     * subsystem that opened it stopped) */
    pthread_mutex_t credit_mu;
    _Atomic(struct akti_credit_ent *) credit_pages[AKTI_CREDIT_PAGES];
    uint32_t credit_next; /* ids are never reused: 1, 2, ... */
    /* the reserve (system.c): system messages and cell extensions made
     * at system create, taken only when the allocator fails on a path
     * that has no caller to report to (a FAILED, a CHILD_STOPPED, a
     * parent's directive); a reserve message comes back when handled */
    pthread_mutex_t rsv_mu;
    akti_msg *rsv_msgs; /* free reserve messages, linked through next */
    uint32_t rsv_nmsgs;
    akti_cell_ext *rsv_exts; /* free extensions, linked through kit */
    _Atomic uint32_t rsv_nexts; /* read unlocked to decide a refill */
};

/* akti_credit_release -- the message m (tagged with a credit slot) is
 * consumed: add it to its slot's counters, run the ext hook at the
 * slot's mark; clears m->credit. system.c */
AKTI_INTERNAL void akti_credit_release(akt_system *sys, akti_msg *m);
/* akti_credit_release_n -- k messages of slot id, fp bytes of footprint,
 * consumed at once (the run loop's count of a run, actor.c) */
AKTI_INTERNAL void akti_credit_release_n(
    akt_system *sys, uint16_t id, uint64_t k, uint64_t fp);
static inline void
akti_credit_consumed(akt_system *sys, akti_msg *m)
{
    if (__builtin_expect(m->credit != 0, 0)) {
        akti_credit_release(sys, m);
    }
}

/* extensions: core/ext.h (akti_ext_ops, akti_system_ext_*) */
/* akti_system_ext_watchers -- run slot's watchers hook (if any) for a cell
 * marked CELL_F_WATCH_HOOK; actor.c, on the cell's consumer thread. */
AKTI_INTERNAL void akti_system_ext_watchers(akt_system *sys, unsigned slot,
    akt_ref self, void *state, uint32_t nwatchers);

AKTI_INTERNAL akt_err akti_system_use_clock(
    akt_system *sys, const akti_clock *clock);
AKTI_INTERNAL akti_wheel *akti_system_wheel(akt_system *sys);
AKTI_INTERNAL void akti_dead_letter(
    akt_system *sys, akt_ref to, akti_msg *m, akt_err reason);
/* akti_dead_letter_why -- akti_dead_letter whose ask (a future's request)
 * fails with text why (NULL: none) */
AKTI_INTERNAL void akti_dead_letter_why(
    akt_system *sys, akt_ref to, akti_msg *m, akt_err reason, const char *why);
AKTI_INTERNAL akt_cell *akti_cell_alloc(akt_system *sys, uint32_t cls);
AKTI_INTERNAL void akti_cell_free(akt_cell *c);
AKTI_INTERNAL akt_err akti_names_add(
    akt_system *sys, akt_cell *parent, const char *name, akt_cell *cell);
AKTI_INTERNAL void akti_names_del(
    akt_system *sys, akt_cell *parent, const char *name);
AKTI_INTERNAL akti_props_rec *akti_props_intern(
    akt_system *sys, const akt_props *p, akt_err *err);
AKTI_INTERNAL void akti_system_guardian_stopped(akt_system *sys, akt_cell *c);
AKTI_INTERNAL akt_err akti_spawn(akt_system *sys, akt_cell *parent,
    const akt_props *props, const char *name, uint8_t extra_flags,
    akt_ref *out);
/* akti_send_sys -- a system message the runtime itself sends (a FAILED,
 * a CHILD_STOPPED, a parent's directive): it cannot fail. Out of memory,
 * it comes from the system's reserve; only an empty reserve aborts (see
 * docs/runtime.md, Out of memory). Senders that have a caller use
 * akti_try_send_sys. The message's memory is owned by the target's system
 * queue. */
AKTI_INTERNAL void akti_send_sys(akt_cell *to, uint64_t to_uid, int kind,
    akt_cell *from, uint64_t from_uid, akt_err reason, akt_future *fut);
/* akti_try_send_sys -- akti_send_sys for an API call: AKT_ENOMEM (and
 * nothing sent) when no message can be allocated; never the reserve. */
AKTI_INTERNAL akt_err akti_try_send_sys(akt_cell *to, uint64_t to_uid, int kind,
    akt_cell *from, uint64_t from_uid, akt_err reason, akt_future *fut);
/* akti_sys_msg_new -- an unsent system message (its body, an akti_sysmsg
 * of kind 0), from the allocator, or with `reserve` from the reserve when
 * that fails; NULL when neither has one. The caller owns it: it sends it
 * with akti_sys_msg_post or frees it with akti_sys_msg_free. */
AKTI_INTERNAL akti_msg *akti_sys_msg_new(akt_system *sys, bool reserve);
/* akti_sys_msg_new_above -- akti_sys_msg_new, from the reserve only
 * while it holds more than keep messages */
AKTI_INTERNAL akti_msg *akti_sys_msg_new_above(akt_system *sys, uint32_t keep);
/* akti_sys_msg_post -- fill m (from akti_sys_msg_new, or a system message
 * being reused) and push it to to's system queue; consumes m. */
AKTI_INTERNAL void akti_sys_msg_post(akt_cell *to, uint64_t to_uid, akti_msg *m,
    int kind, akt_cell *from, uint64_t from_uid, akt_err reason,
    akt_future *fut);
/* akti_sys_msg_free -- free a system message; a reserve one goes back to
 * sys's reserve. */
AKTI_INTERNAL void akti_sys_msg_free(akt_system *sys, akti_msg *m);
/* akti_ext_new -- a zeroed cell extension: calloc, else the reserve;
 * NULL only when both are out (the caller aborts: docs/runtime.md, Out of
 * memory) */
AKTI_INTERNAL akti_cell_ext *akti_ext_new(akt_system *sys);
/* akti_watch_lists_free -- free what x's watch lists hold (the notices
 * and system messages a watch keeps for its end; watch.c), at
 * akt_system_free; the arrays stay */
AKTI_INTERNAL void akti_watch_lists_free(akt_system *sys, akti_cell_ext *x);
/* akti_msg_new_reserve -- a message block for a reserve (msg.c): malloc'd,
 * not counted as a live message, pool_class AKTI_MSG_POOL_RESERVE */
AKTI_INTERNAL void *akti_msg_new_reserve(const akt_type *type);
/* tells made by the current turn on this thread (dispatch.c resets it per
 * turn; the pool keeps a bulk sender's receivers off its LIFO slot) */
extern _Thread_local uint32_t akti_turn_sends;

/* akti_cell_set_disp -- c runs on d from now on (a sender may be reading
 * c->disp: an atomic store; any dispatcher lives as long as the system) */
static inline void
akti_cell_set_disp(akt_cell *c, akti_dispatcher *d)
{
    __atomic_store_n(&c->disp, d, __ATOMIC_RELAXED);
}

/* akti_schedule -- after a push: take sched and hand to the dispatcher. */
static inline void
akti_schedule(akt_cell *c)
{
    AKTI_PREEMPT();
    /* seq_cst: this load must not move before the push's store to mq_in
     * (the consumer stores sched = 0, then reads mq_in: Dekker). A plain
     * load on x86; on ARM the acquire load keeps it after the push. */
    if (atomic_load_explicit(&c->sched, memory_order_seq_cst) == 0) {
        uint32_t z = 0;
        if (atomic_compare_exchange_strong_explicit(
                &c->sched, &z, 1, memory_order_acq_rel, memory_order_relaxed)) {
            c->disp->ops->schedule(c->disp, c);
        }
    }
}

/* --- futures (future.c) --------------------------------------------------- */

AKTI_INTERNAL akt_err akti_future_new(akt_system *sys, akt_future **out);
/* akti_future_complete -- complete with reply (consumed on true) or code;
 * false when the future was already complete or the uid is stale. */
AKTI_INTERNAL bool akti_future_complete(
    akt_cell *promise, uint64_t uid, akt_err status, void *reply);
/* akti_future_fail_text -- complete with the error code status (not
 * AKT_OK) and a reason text (len bytes of text, clipped as
 * akti_status_text_clip does; the future keeps a copy, or no text when
 * that copy cannot be allocated). false as akti_future_complete. */
AKTI_INTERNAL bool akti_future_fail_text(akt_cell *promise, uint64_t uid,
    akt_err status, const char *text, size_t len);
AKTI_INTERNAL akt_ref akti_future_ref(akt_future *f);
AKTI_INTERNAL void akti_future_drop(akt_future *f); /* drop one ref */
AKTI_INTERNAL void akti_future_retain(akt_future *f);

/* --- the kit plug-in (runtime/src/kit/, see its README) ------------------
 *
 * The core never names the kit. akt_system_create (kit/kit.c) hands the
 * kit's const table to akti_system_create, as NNG's transports plug in
 * through theirs; the core calls it through sys->plugin. Every hook may be
 * NULL, and a system made with no table at all is a bare core: no timers,
 * stash, event stream or coordinated shutdown (terminate stops at once).
 * tests/layering/ checks with nm that no core object references a symbol
 * of kit/, remote/ or persist/.
 *
 * System: init before the guardians exist (no actors; a bad setting fills
 * err), join after the root stopped (before dispatchers stop), fini in
 * system_destroy after the wheel is gone. terminate runs once, from
 * akt_system_terminate, and ends (maybe later, on another thread) in
 * akti_system_terminate_now. publish takes one reference to an event the
 * core made (a log line). Cells with CELL_F_KIT (consumer side): pop gives
 * the next unstashed message, ahead of the mailbox; deliver the message to
 * deliver instead of inner (NULL: drop it, e.g. a cancelled timer's);
 * cell_stopped / cell_restarted when the actor stopped / is restarting.
 * dispatcher: a dispatcher by a name the core does not know (may be NULL).
 * Dead letters reach the kit as an observer (akti_system_observe_dead_letters).
 */
struct akti_plugin_ops {
    const char *name;
    akt_err (*system_init)(akt_system *sys, akt_config_error *err);
    void (*system_join)(akt_system *sys);
    void (*system_fini)(akt_system *sys);
    void (*terminate)(akt_system *sys);
    void (*publish)(akt_system *sys, void *event);
    akti_msg *(*pop)(akt_cell *c);
    akti_msg *(*deliver)(akt_cell *c, akti_msg *inner);
    void (*cell_stopped)(akt_cell *c);
    void (*cell_restarted)(akt_cell *c);
    /* dispatcher -- props name a dispatcher the core does not know: the
     * plug-in's, made on first use (the GPU's, kit/gpu.c), or NULL with
     * *err (AKT_ENOENT: not the plug-in's either). Called under props_mu. */
    akti_dispatcher *(*dispatcher)(
        akt_system *sys, const char *name, akt_err *err);
};

/* akti_system_create -- akt_system_create with plugin (NULL: a bare core);
 * err (may be NULL) names a bad setting: key, origin, what was expected. */
AKTI_INTERNAL akt_err akti_system_create(const char *name,
    const akt_config *cfg, const akti_plugin_ops *plugin, akt_system **out,
    akt_config_error *err);
AKTI_INTERNAL void akti_system_terminate_now(akt_system *sys);
/* akti_system_observe_dead_letters -- a permanent observer (the kit's log
 * and event stream): set before any actor runs, called for every dead
 * letter after the user's observer and outside dl_mu (it may send, and a
 * send may dead-letter again), until the system is freed. AKT_EFULL when
 * all slots are taken. */
AKTI_INTERNAL akt_err akti_system_observe_dead_letters(
    akt_system *sys, akt_dead_letter_fn fn, void *arg);
/* actor.c accessors for the kit */
AKTI_INTERNAL akt_cell *akti_ctx_cell(const akt_ctx *ctx);
AKTI_INTERNAL akti_msg *akti_ctx_msg(const akt_ctx *ctx);
AKTI_INTERNAL akti_cell_ext *akti_cell_ext_get(akt_cell *c);

/* Introspection for tests (also public in actor.h as akt_system_stats). */
AKTI_INTERNAL int64_t akti_msg_live(void);
/* akti_props_count -- the props records sys holds (tests). */
AKTI_INTERNAL size_t akti_props_count(akt_system *sys);
AKTI_INTERNAL void akti_msg_cache_flush(void);

#endif /* AKTI_CORE_H */
