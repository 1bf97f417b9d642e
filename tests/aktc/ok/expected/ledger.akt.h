/*
 * ledger.akt.h -- generated from ledger.akt by aktc 0.1.0 -- do not edit.
 *
 * package ledger: the C API of the messages and actors declared in
 * ledger.akt. See docs/idl.md ("The generated C API") for the conventions:
 * ownership of messages, constructors, arenas, typed refs and typed
 * tell/ask/call/forward.
 *
 * For each message type pkg_T (functions pkg_t_...):
 *   _new(fields)       a new message holding the given fields (strings are
 *                      copied; NULL keeps the default), in one allocation;
 *                      the caller owns the one reference; NULL on ENOMEM
 *   _alloc(hint)       a new message with default values and hint bytes of
 *                      arena for filling variable parts by hand
 *   _decode(data, len, limits, &out)  msgpack bytes into a new message
 *                      (*out the caller's on AKT_OK; limits NULL for the
 *                      defaults); AKT_EPROTO, AKT_ETOOBIG, AKT_ENOMEM
 *   _desc, _default    the type's descriptor and default value
 * (AKT_MESSAGE(T, t) of akt/akt_gen.h, before the structs, declares the
 * typedef and all but _new.) Members: their doc comments beside them; an
 * optional field that is not a message has a `bool has_<name>`; a message
 * member is a pointer (optional: NULL when absent; otherwise NULL reads
 * as the default); AKT_LIST_OF(T) is { T *items; size_t len; } and
 * AKT_MAP_OF(K, V) { K *keys; V *values; size_t len; }.
 * Any message, whatever its type: akt_msg_free(m) drops one reference (the
 * last frees it), akt_msg_dup(m) is a deep copy (NULL on ENOMEM),
 * akt_msg_equal(a, b) deep equality, akt_msg_encode(m, buf) appends its
 * msgpack form to buf (akt/msg.h).
 */
#ifndef LEDGER_LEDGER_AKT_H
#define LEDGER_LEDGER_AKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <akt/akt.h>
#include <akt/akt_gen.h>

#if AKT_GEN_ABI != 7
#error "ledger.akt.h was generated for akt ABI 7: regenerate it with the aktc of the libakt you build against"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== messages ========================================================== */

AKT_MESSAGE(ledger_Deposit, ledger_deposit)
AKT_MESSAGE(ledger_Withdraw, ledger_withdraw)
AKT_MESSAGE(ledger_Bulk, ledger_bulk)
AKT_MESSAGE(ledger_Get, ledger_get)
AKT_MESSAGE(ledger_Balance, ledger_balance)
AKT_MESSAGE(ledger_Deposited, ledger_deposited)
AKT_MESSAGE(ledger_Withdrawn, ledger_withdrawn)
AKT_MESSAGE(ledger_Snap, ledger_snap)
typedef struct ledger_AccountState ledger_AccountState;
typedef struct ledger_TallyState ledger_TallyState;

/* Put money in. */
struct ledger_Deposit {
    int64_t amount;
};

static inline ledger_Deposit *
ledger_deposit_new(int64_t amount)
{
    AKT_NEW(ledger_Deposit, ledger_deposit, 0, 0);
    m_->amount = amount;
    return m_;
}

/* Take money out; refused when the balance would go below zero. */
struct ledger_Withdraw {
    int64_t amount;
};

static inline ledger_Withdraw *
ledger_withdraw_new(int64_t amount)
{
    AKT_NEW(ledger_Withdraw, ledger_withdraw, 0, 0);
    m_->amount = amount;
    return m_;
}

/* Deposit amount times times, as one atomic write. */
struct ledger_Bulk {
    int64_t amount;
    int32_t times;
    bool no_stash;
};

static inline ledger_Bulk *
ledger_bulk_new(int64_t amount, int32_t times, bool no_stash)
{
    AKT_NEW(ledger_Bulk, ledger_bulk, 0, 0);
    m_->amount = amount;
    m_->times = times;
    m_->no_stash = no_stash;
    return m_;
}

struct ledger_Get {
    char empty_; /* C has no empty structs */
};

static inline ledger_Get *
ledger_get_new(void)
{
    AKT_NEW(ledger_Get, ledger_get, 0, 0);
    return m_;
}

struct ledger_Balance {
    int64_t balance;
    uint64_t seq;
    int64_t replayed;
};

static inline ledger_Balance *
ledger_balance_new(int64_t balance, uint64_t seq, int64_t replayed)
{
    AKT_NEW(ledger_Balance, ledger_balance, 0, 0);
    m_->balance = balance;
    m_->seq = seq;
    m_->replayed = replayed;
    return m_;
}

/* Money came in. */
struct ledger_Deposited {
    int64_t amount;
};

static inline ledger_Deposited *
ledger_deposited_new(int64_t amount)
{
    AKT_NEW(ledger_Deposited, ledger_deposited, 0, 0);
    m_->amount = amount;
    return m_;
}

struct ledger_Withdrawn {
    int64_t amount;
    akt_str note;
};

static inline ledger_Withdrawn *
ledger_withdrawn_new(int64_t amount, const char *note)
{
    size_t note_n_ = akt_cstr_size(note);
    AKT_NEW(ledger_Withdrawn, ledger_withdrawn, note_n_, AKT_PUT_CSTR(note, note_n_));
    m_->amount = amount;
    return m_;
}

struct ledger_Snap {
    int64_t balance;
};

static inline ledger_Snap *
ledger_snap_new(int64_t balance)
{
    AKT_NEW(ledger_Snap, ledger_snap, 0, 0);
    m_->balance = balance;
    return m_;
}

/* ==== actors ============================================================ */

/* The state of actor Account. */
struct ledger_AccountState {
    int64_t balance;
    int64_t replayed;
    bool recovered;
};

/* ledger_AccountRef -- a ref to an Account. The typed functions below take
 * it, so sending an Account's message to another kind of actor (or
 * another actor's message to an Account) does not compile.
 * ledger_account_ref(r) wraps an akt_ref (the caller vouches that r is
 * an Account); .ref is the untyped ref back, for akt_stop, akt_ctx_watch and
 * the like. Passed by value, copied freely, like akt_ref.
 *
 * For each message M an Account handles (snake name m), written by the
 * AKT_TELL and AKT_ASK lines below (akt/akt_gen.h):
 *   ledger_account_tell_m(to, msg)    send it from nobody (a reply is dropped)
 *   ledger_account_tell_m_from(to, msg, sender)  with a sender (in a handler
 *       akt_ctx_self(ctx), so the answer comes back as a message)
 *       -- both consume msg on AKT_OK; on error the caller still owns it
 *   ledger_account_forward_m(ctx, to, msg)  in a handler: send msg keeping the
 *       sender of the message being handled (the answer goes to the
 *       original asker); msg is borrowed
 * and for `on M -> R`:
 *   ledger_account_ask_m(to, msg, timeout_ns, &f)  a future for the R;
 *       consumes msg on AKT_OK; release f with akt_future_release()
 *   ledger_account_ask_m_wait(f, timeout_ns, &reply)  on AKT_OK one reference
 *       to the R; otherwise the error the handler replied with (its
 *       reason: akt_future_error_text(f)), AKT_ETIMEDOUT, or AKT_ETYPE
 *   ledger_account_call_m(to, msg, timeout_ns, &reply, &why)  ask, wait and
 *       release, from a plain thread (never a handler); consumes msg on
 *       every return; on AKT_OK *reply is the R (yours to free), else NULL
 *       and why (may be NULL) holds the reason text of an error reply
 *   ledger_account_reply_m(ctx, reply)  in the M handler: answer the asker;
 *       consumes reply on AKT_OK; a told M has no one to answer: reply is
 *       freed, nothing is sent, AKT_OK (akt_reply_error(_text) for errors)
 */
typedef struct ledger_AccountRef {
    akt_ref ref;
} ledger_AccountRef;

static inline ledger_AccountRef
ledger_account_ref(akt_ref ref)
{
    ledger_AccountRef typed = {ref};
    return typed;
}

/* An account whose balance is rebuilt from its events.
 *
 * The handlers of persistent actor Account: fill in the ones you
 * need and spawn with ledger_account_props(). */
typedef struct ledger_AccountHandlers {
    /* Deposit. Reply with ledger_account_reply_deposit() (also from a persist
     * callback) or akt_persistent_reply_error_text(). */
    akt_err (*on_deposit)(ledger_AccountState *state, akt_ctx *ctx,
        const ledger_Deposit *msg);
    /* Withdraw: Refused with a reason when it would overdraw.
     * Reply with ledger_account_reply_withdraw() (also from a persist
     * callback) or akt_persistent_reply_error_text(). */
    akt_err (*on_withdraw)(ledger_AccountState *state, akt_ctx *ctx,
        const ledger_Withdraw *msg);
    /* Bulk. Reply with ledger_account_reply_bulk() (also from a persist
     * callback) or akt_persistent_reply_error_text(). */
    akt_err (*on_bulk)(ledger_AccountState *state, akt_ctx *ctx,
        const ledger_Bulk *msg);
    /* Get. Reply with ledger_account_reply_get() (also from a persist
     * callback) or akt_persistent_reply_error_text(). */
    akt_err (*on_get)(ledger_AccountState *state, akt_ctx *ctx,
        const ledger_Get *msg);

    /* Events. apply_<event> folds one event into the state, with no side
     * effects: it runs on recovery for every stored event and after each
     * durable persist, before the persist's callback. All are required. */
    /* Money came in. */
    void (*apply_deposited)(ledger_AccountState *state, const ledger_Deposited *event);
    void (*apply_withdrawn)(ledger_AccountState *state, const ledger_Withdrawn *event);

    /* Snapshots (Snap). snapshot_offer -- required: set the state
     * from a snapshot taken at seq; recovery replays the events after it. */
    void (*snapshot_offer)(ledger_AccountState *state, uint64_t seq,
        const ledger_Snap *snapshot);
    /* snapshot_take -- a new Snap of the state (NULL: none now), for
     * the automatic snapshots: every snapshot_every events (0: never) and
     * after an event for which snapshot_when returns true. */
    ledger_Snap *(*snapshot_take)(const ledger_AccountState *state);
    uint64_t snapshot_every;
    bool (*snapshot_when)(const ledger_AccountState *state, const void *event,
        uint64_t seq);
    /* how an automatic snapshot went (a failure does not stop the actor) */
    void (*snapshot_saved)(ledger_AccountState *state, akt_ctx *ctx, uint64_t seq);
    void (*snapshot_failed)(ledger_AccountState *state, akt_ctx *ctx, uint64_t seq,
        akt_err rc);

    /* init -- optional: set the state up from the spawn's init argument
     * (ledger_account_spawn's init_arg; NULL after ledger_account_props), on start
     * and on each restart: after the state is reset to its defaults,
     * before recovery replays the journal into it. A failure fails the
     * start. */
    akt_err (*init)(ledger_AccountState *state, const void *init_arg);
    /* recovery_completed -- after recovery, before the first command; may
     * persist. highest: the last sequence number (0: a new id). */
    void (*recovery_completed)(ledger_AccountState *state, akt_ctx *ctx,
        uint64_t highest);
    /* recovery_failed -- a snapshot or an event could not be loaded (why
     * names the persistence id, the sequence number and the type); the
     * actor stops after it. */
    void (*recovery_failed)(ledger_AccountState *state, akt_ctx *ctx, akt_err rc,
        const char *why);
    /* persist_rejected -- the journal refused the write whose first event
     * is event; its callback does not run and the actor goes on. */
    void (*persist_rejected)(ledger_AccountState *state, akt_ctx *ctx, akt_err rc,
        const void *event);
    /* persist_failed -- the store failed (the outcome is unknown); the
     * actor stops after it: restart it with a backoff supervisor. */
    void (*persist_failed)(ledger_AccountState *state, akt_ctx *ctx, akt_err rc,
        const void *event);
    /* tags -- the tags of event (at most max, into tags), given the state
     * before the event is applied; returns their count. */
    size_t (*tags)(const ledger_AccountState *state, const void *event,
        const char **tags, size_t max);
    /* post_stop -- after the actor stopped. */
    void (*post_stop)(ledger_AccountState *state, akt_ctx *ctx);
} ledger_AccountHandlers;

/* ledger_account_props -- fill *out to spawn an Account (akt_spawn); its
 * persistence id is "ledger.Account|" followed by the actor's name. h is
 * borrowed for the actor's whole life (usually a static const table); the
 * system needs persistence started (akt_persistence_start). Recovery runs
 * before the first command: the youngest Snap, then the events after it. Errors: AKT_EINVAL when h or
 * out is NULL or a required member is NULL (apply_deposited, apply_withdrawn, snapshot_offer). */
akt_err ledger_account_props(const ledger_AccountHandlers *h, akt_props *out);

/* ledger_account_spawn -- spawn an Account under /user named name (its
 * persistence id "ledger.Account|" + name; NULL: a generated name, a new id)
 * that runs the handlers in h (borrowed for the actor's life), with
 * init_arg for h->init (NULL when none; like h it must outlive the actor,
 * which gets it again on each restart). On AKT_OK *out (may be NULL) is its
 * typed ref. Errors: those of ledger_account_props and akt_spawn, AKT_ENOMEM.
 * ledger_account_spawn_child: the same, as a child of the actor running ctx
 * (akt_ctx_spawn). */
akt_err ledger_account_spawn(akt_system *sys, const ledger_AccountHandlers *h,
    const char *name, const void *init_arg, ledger_AccountRef *out);
akt_err ledger_account_spawn_child(akt_ctx *ctx, const ledger_AccountHandlers *h,
    const char *name, const void *init_arg, ledger_AccountRef *out);

/* ledger_AccountEventDone -- the callback of ledger_account_persist_all: runs once
 * per event, after the write is durable and the event applied. */
typedef void (*ledger_AccountEventDone)(ledger_AccountState *state, akt_ctx *ctx,
    const void *event, void *arg);

/* ledger_account_persist_all -- from a handler of Account: write n events
 * (each an event of Account; consumed on AKT_OK) as one atomic write:
 * every one is stored or none. Commands wait in the stash until done ran
 * for the last. Errors (the events still the caller's, nothing written):
 * AKT_ESTATE (not in an Account handler), AKT_ETYPE (not an event of
 * Account), AKT_EINVAL (no codec), AKT_ETOOBIG, AKT_ENOMEM. */
akt_err ledger_account_persist_all(akt_ctx *ctx, void *const *events, size_t n,
    ledger_AccountEventDone done, void *arg);
/* ledger_account_persist_all_async -- the same, but commands keep flowing;
 * callbacks still run in the order of the persists. */
akt_err ledger_account_persist_all_async(akt_ctx *ctx, void *const *events,
    size_t n, ledger_AccountEventDone done, void *arg);

/* ledger_account_delete_events -- delete the events up to to_seq (inclusive);
 * the highest sequence number stays. Synchronous. AKT_ERANGE: to_seq is
 * past the last sequence number. */
static inline akt_err
ledger_account_delete_events(akt_ctx *ctx, uint64_t to_seq)
{
    return akt_persistent_delete_events(ctx, to_seq);
}

/* ledger_AccountDepositedDone -- the callback of ledger_account_persist_deposited: runs
 * after the event is durable and apply_deposited ran; there
 * ledger_account_reply_<command> answers the command that persisted. */
typedef void (*ledger_AccountDepositedDone)(ledger_AccountState *state, akt_ctx *ctx,
    const ledger_Deposited *event, void *arg);

/* ledger_account_persist_deposited -- from a handler of Account: write event as
 * the next sequence number (consumed on AKT_OK). Once it is durable:
 * apply_deposited, then done (may be NULL). Commands that arrive meanwhile
 * wait in the stash. Errors (event still the caller's, nothing written):
 * AKT_ESTATE (not in an Account handler), AKT_EINVAL, AKT_ETOOBIG. */
akt_err ledger_account_persist_deposited(akt_ctx *ctx, ledger_Deposited *event,
    ledger_AccountDepositedDone done, void *arg);
/* ledger_account_persist_deposited_async -- the same, but commands keep flowing
 * (no stash); callbacks still run in the order of the persists. */
akt_err ledger_account_persist_deposited_async(akt_ctx *ctx, ledger_Deposited *event,
    ledger_AccountDepositedDone done, void *arg);

/* ledger_AccountWithdrawnDone -- the callback of ledger_account_persist_withdrawn: runs
 * after the event is durable and apply_withdrawn ran; there
 * ledger_account_reply_<command> answers the command that persisted. */
typedef void (*ledger_AccountWithdrawnDone)(ledger_AccountState *state, akt_ctx *ctx,
    const ledger_Withdrawn *event, void *arg);

/* ledger_account_persist_withdrawn -- from a handler of Account: write event as
 * the next sequence number (consumed on AKT_OK). Once it is durable:
 * apply_withdrawn, then done (may be NULL). Commands that arrive meanwhile
 * wait in the stash. Errors (event still the caller's, nothing written):
 * AKT_ESTATE (not in an Account handler), AKT_EINVAL, AKT_ETOOBIG. */
akt_err ledger_account_persist_withdrawn(akt_ctx *ctx, ledger_Withdrawn *event,
    ledger_AccountWithdrawnDone done, void *arg);
/* ledger_account_persist_withdrawn_async -- the same, but commands keep flowing
 * (no stash); callbacks still run in the order of the persists. */
akt_err ledger_account_persist_withdrawn_async(akt_ctx *ctx, ledger_Withdrawn *event,
    ledger_AccountWithdrawnDone done, void *arg);

/* ledger_account_save_snapshot -- from a handler of Account: store snapshot
 * (borrowed) at the last applied sequence number; recovery then starts
 * from it. Synchronous. Errors: AKT_ENOENT (no snapshot store),
 * AKT_ESTATE (not in an Account handler), AKT_ENOSPC, AKT_EIO. */
static inline akt_err
ledger_account_save_snapshot(akt_ctx *ctx, const ledger_Snap *snapshot)
{
    return akt_persistent_save_snapshot(ctx, snapshot);
}

AKT_TELL(ledger_AccountRef, ledger_account, deposit, ledger_Deposit)

AKT_ASK(ledger_AccountRef, ledger_account, deposit, ledger_Deposit, ledger_Balance, ledger_balance, akt_persistent_reply)

AKT_TELL(ledger_AccountRef, ledger_account, withdraw, ledger_Withdraw)

AKT_ASK(ledger_AccountRef, ledger_account, withdraw, ledger_Withdraw, ledger_Balance, ledger_balance, akt_persistent_reply)

AKT_TELL(ledger_AccountRef, ledger_account, bulk, ledger_Bulk)

AKT_ASK(ledger_AccountRef, ledger_account, bulk, ledger_Bulk, ledger_Balance, ledger_balance, akt_persistent_reply)

AKT_TELL(ledger_AccountRef, ledger_account, get, ledger_Get)

AKT_ASK(ledger_AccountRef, ledger_account, get, ledger_Get, ledger_Balance, ledger_balance, akt_persistent_reply)

/* The state of actor Tally. */
struct ledger_TallyState {
    char empty_; /* C has no empty structs */
};

/* ledger_TallyRef -- a ref to a Tally. The typed functions below take
 * it, so sending a Tally's message to another kind of actor (or
 * another actor's message to a Tally) does not compile.
 * ledger_tally_ref(r) wraps an akt_ref (the caller vouches that r is
 * a Tally); .ref is the untyped ref back, for akt_stop, akt_ctx_watch and
 * the like. Passed by value, copied freely, like akt_ref.
 *
 * For each message M a Tally handles (snake name m), written by the
 * AKT_TELL and AKT_ASK lines below (akt/akt_gen.h):
 *   ledger_tally_tell_m(to, msg)    send it from nobody (a reply is dropped)
 *   ledger_tally_tell_m_from(to, msg, sender)  with a sender (in a handler
 *       akt_ctx_self(ctx), so the answer comes back as a message)
 *       -- both consume msg on AKT_OK; on error the caller still owns it
 *   ledger_tally_forward_m(ctx, to, msg)  in a handler: send msg keeping the
 *       sender of the message being handled (the answer goes to the
 *       original asker); msg is borrowed
 * and for `on M -> R`:
 *   ledger_tally_ask_m(to, msg, timeout_ns, &f)  a future for the R;
 *       consumes msg on AKT_OK; release f with akt_future_release()
 *   ledger_tally_ask_m_wait(f, timeout_ns, &reply)  on AKT_OK one reference
 *       to the R; otherwise the error the handler replied with (its
 *       reason: akt_future_error_text(f)), AKT_ETIMEDOUT, or AKT_ETYPE
 *   ledger_tally_call_m(to, msg, timeout_ns, &reply, &why)  ask, wait and
 *       release, from a plain thread (never a handler); consumes msg on
 *       every return; on AKT_OK *reply is the R (yours to free), else NULL
 *       and why (may be NULL) holds the reason text of an error reply
 *   ledger_tally_reply_m(ctx, reply)  in the M handler: answer the asker;
 *       consumes reply on AKT_OK; a told M has no one to answer: reply is
 *       freed, nothing is sent, AKT_OK (akt_reply_error(_text) for errors)
 */
typedef struct ledger_TallyRef {
    akt_ref ref;
} ledger_TallyRef;

static inline ledger_TallyRef
ledger_tally_ref(akt_ref ref)
{
    ledger_TallyRef typed = {ref};
    return typed;
}

/* No snapshots and a tell-only command.
 *
 * The handlers of persistent actor Tally: fill in the ones you
 * need and spawn with ledger_tally_props(). */
typedef struct ledger_TallyHandlers {
    /* Deposit. */
    akt_err (*on_deposit)(ledger_TallyState *state, akt_ctx *ctx,
        const ledger_Deposit *msg);

    /* Events. apply_<event> folds one event into the state, with no side
     * effects: it runs on recovery for every stored event and after each
     * durable persist, before the persist's callback. All are required. */
    /* Money came in. */
    void (*apply_deposited)(ledger_TallyState *state, const ledger_Deposited *event);

    /* init -- optional: set the state up from the spawn's init argument
     * (ledger_tally_spawn's init_arg; NULL after ledger_tally_props), on start
     * and on each restart: after the state is reset to its defaults,
     * before recovery replays the journal into it. A failure fails the
     * start. */
    akt_err (*init)(ledger_TallyState *state, const void *init_arg);
    /* recovery_completed -- after recovery, before the first command; may
     * persist. highest: the last sequence number (0: a new id). */
    void (*recovery_completed)(ledger_TallyState *state, akt_ctx *ctx,
        uint64_t highest);
    /* recovery_failed -- a snapshot or an event could not be loaded (why
     * names the persistence id, the sequence number and the type); the
     * actor stops after it. */
    void (*recovery_failed)(ledger_TallyState *state, akt_ctx *ctx, akt_err rc,
        const char *why);
    /* persist_rejected -- the journal refused the write whose first event
     * is event; its callback does not run and the actor goes on. */
    void (*persist_rejected)(ledger_TallyState *state, akt_ctx *ctx, akt_err rc,
        const void *event);
    /* persist_failed -- the store failed (the outcome is unknown); the
     * actor stops after it: restart it with a backoff supervisor. */
    void (*persist_failed)(ledger_TallyState *state, akt_ctx *ctx, akt_err rc,
        const void *event);
    /* tags -- the tags of event (at most max, into tags), given the state
     * before the event is applied; returns their count. */
    size_t (*tags)(const ledger_TallyState *state, const void *event,
        const char **tags, size_t max);
    /* post_stop -- after the actor stopped. */
    void (*post_stop)(ledger_TallyState *state, akt_ctx *ctx);
} ledger_TallyHandlers;

/* ledger_tally_props -- fill *out to spawn a Tally (akt_spawn); its
 * persistence id is "ledger.Tally|" followed by the actor's name. h is
 * borrowed for the actor's whole life (usually a static const table); the
 * system needs persistence started (akt_persistence_start). Recovery runs
 * before the first command: every stored event through apply. Errors: AKT_EINVAL when h or
 * out is NULL or a required member is NULL (apply_deposited). */
akt_err ledger_tally_props(const ledger_TallyHandlers *h, akt_props *out);

/* ledger_tally_spawn -- spawn a Tally under /user named name (its
 * persistence id "ledger.Tally|" + name; NULL: a generated name, a new id)
 * that runs the handlers in h (borrowed for the actor's life), with
 * init_arg for h->init (NULL when none; like h it must outlive the actor,
 * which gets it again on each restart). On AKT_OK *out (may be NULL) is its
 * typed ref. Errors: those of ledger_tally_props and akt_spawn, AKT_ENOMEM.
 * ledger_tally_spawn_child: the same, as a child of the actor running ctx
 * (akt_ctx_spawn). */
akt_err ledger_tally_spawn(akt_system *sys, const ledger_TallyHandlers *h,
    const char *name, const void *init_arg, ledger_TallyRef *out);
akt_err ledger_tally_spawn_child(akt_ctx *ctx, const ledger_TallyHandlers *h,
    const char *name, const void *init_arg, ledger_TallyRef *out);

/* ledger_TallyEventDone -- the callback of ledger_tally_persist_all: runs once
 * per event, after the write is durable and the event applied. */
typedef void (*ledger_TallyEventDone)(ledger_TallyState *state, akt_ctx *ctx,
    const void *event, void *arg);

/* ledger_tally_persist_all -- from a handler of Tally: write n events
 * (each an event of Tally; consumed on AKT_OK) as one atomic write:
 * every one is stored or none. Commands wait in the stash until done ran
 * for the last. Errors (the events still the caller's, nothing written):
 * AKT_ESTATE (not in a Tally handler), AKT_ETYPE (not an event of
 * Tally), AKT_EINVAL (no codec), AKT_ETOOBIG, AKT_ENOMEM. */
akt_err ledger_tally_persist_all(akt_ctx *ctx, void *const *events, size_t n,
    ledger_TallyEventDone done, void *arg);
/* ledger_tally_persist_all_async -- the same, but commands keep flowing;
 * callbacks still run in the order of the persists. */
akt_err ledger_tally_persist_all_async(akt_ctx *ctx, void *const *events,
    size_t n, ledger_TallyEventDone done, void *arg);

/* ledger_tally_delete_events -- delete the events up to to_seq (inclusive);
 * the highest sequence number stays. Synchronous. AKT_ERANGE: to_seq is
 * past the last sequence number. */
static inline akt_err
ledger_tally_delete_events(akt_ctx *ctx, uint64_t to_seq)
{
    return akt_persistent_delete_events(ctx, to_seq);
}

/* ledger_TallyDepositedDone -- the callback of ledger_tally_persist_deposited: runs
 * after the event is durable and apply_deposited ran; there
 * ledger_tally_reply_<command> answers the command that persisted. */
typedef void (*ledger_TallyDepositedDone)(ledger_TallyState *state, akt_ctx *ctx,
    const ledger_Deposited *event, void *arg);

/* ledger_tally_persist_deposited -- from a handler of Tally: write event as
 * the next sequence number (consumed on AKT_OK). Once it is durable:
 * apply_deposited, then done (may be NULL). Commands that arrive meanwhile
 * wait in the stash. Errors (event still the caller's, nothing written):
 * AKT_ESTATE (not in a Tally handler), AKT_EINVAL, AKT_ETOOBIG. */
akt_err ledger_tally_persist_deposited(akt_ctx *ctx, ledger_Deposited *event,
    ledger_TallyDepositedDone done, void *arg);
/* ledger_tally_persist_deposited_async -- the same, but commands keep flowing
 * (no stash); callbacks still run in the order of the persists. */
akt_err ledger_tally_persist_deposited_async(akt_ctx *ctx, ledger_Deposited *event,
    ledger_TallyDepositedDone done, void *arg);

AKT_TELL(ledger_TallyRef, ledger_tally, deposit, ledger_Deposit)

/* ==== descriptors ======================================================= */

/* ledger.AccountState: type id 0xd88ffbbefc0d247a */
extern const akt_type ledger_account_state_desc;
extern const ledger_AccountState ledger_account_state_default;

/* ledger.TallyState: type id 0x92bad6f43c054df9 */
extern const akt_type ledger_tally_state_desc;
extern const ledger_TallyState ledger_tally_state_default;

/* Every message type declared in ledger.akt, NULL-terminated. */
extern const akt_type *const ledger_ledger_types[];

/* ledger_ledger_register_types -- add every type of ledger.akt to reg
 * (akt_registry_add), so remoting and persistence accept them. Stops at
 * and returns the first error (AKT_EEXIST: another type has the same name
 * or id). */
akt_err ledger_ledger_register_types(akt_registry *reg);

/* ledger_ledger_register -- call reg(type, arg) for each type of
 * ledger_ledger_types (for registries other than akt_registry);
 * stops at and returns the first error. */
akt_err ledger_ledger_register(
    akt_err (*reg)(const akt_type *type, void *arg), void *arg);

#ifdef __cplusplus
}
#endif
#endif /* LEDGER_LEDGER_AKT_H */
