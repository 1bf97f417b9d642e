# ledger_akt.py -- generated from ledger.akt by aktc 0.1.0 -- do not edit.
"""package ledger: the messages and actors of ledger.akt.

Generated from ledger.akt (package ledger); see docs/python.md, "Generated
modules". Messages are immutable akt.Message classes whose fields are
checked when a message is made; enums are IntEnums; <Actor>Ref wraps an
ActorRef with typed tell_/ask_ methods; <Actor>Actor is the base class of
a Python actor with one on_<message> handler per message it takes.
"""
import enum as _enum

import akt as _akt

#: FNV-1a 64 of this file's schema (the message and enum tables below)
SCHEMA_HASH = 0x3aa86f4b438b6709


class Deposit(_akt.Message):
    """Put money in.

    Fields:
        amount (int64 = 1)
    """

    __slots__ = ("amount",)


class Withdraw(_akt.Message):
    """Take money out; refused when the balance would go below zero.

    Fields:
        amount (int64 = 1)
    """

    __slots__ = ("amount",)


class Bulk(_akt.Message):
    """Deposit amount times times, as one atomic write.

    Fields:
        amount (int64 = 1)
        times (int32 = 2)
        no_stash (bool = 3)
    """

    __slots__ = ("amount", "times", "no_stash")


class Get(_akt.Message):
    """ledger.Get"""

    __slots__ = ()


class Balance(_akt.Message):
    """ledger.Balance

    Fields:
        balance (int64 = 1)
        seq (uint64 = 2)
        replayed (int64 = 3)
    """

    __slots__ = ("balance", "seq", "replayed")


class Deposited(_akt.Message):
    """Money came in.

    Fields:
        amount (int64 = 1)
    """

    __slots__ = ("amount",)


class Withdrawn(_akt.Message):
    """ledger.Withdrawn

    Fields:
        amount (int64 = 1)
        note (string = 2)
    """

    __slots__ = ("amount", "note")


class Snap(_akt.Message):
    """ledger.Snap

    Fields:
        balance (int64 = 1)
    """

    __slots__ = ("balance",)


class AccountState(_akt.Message):
    """The state of actor Account.

    Fields:
        balance (int64 = 1)
        replayed (int64 = 2)
        recovered (bool = 3)
    """

    __slots__ = ("balance", "replayed", "recovered")


class TallyState(_akt.Message):
    """The state of actor Tally."""

    __slots__ = ()


class AccountRef(_akt.TypedRef):
    """A typed ref to a ledger.Account actor (wraps an akt.ActorRef)."""

    _akt_actor = "ledger.Account"

    def ask_deposit(self, msg, timeout=5.0):
        """Handle a ledger.Deposit.

        Returns an akt.Future of the ledger.Balance."""
        return self._ask(msg, Deposit, Balance, timeout)

    def ask_deposit_blocking(self, msg, timeout=5.0):
        """Handle a ledger.Deposit.

        Waits for the ledger.Balance (not from a handler)."""
        return self._ask_blocking(msg, Deposit, Balance, timeout)

    def tell_deposit(self, msg, sender=None):
        """Handle a ledger.Deposit."""
        self._tell(msg, Deposit, sender)

    def ask_withdraw(self, msg, timeout=5.0):
        """Refused with a reason when it would overdraw.

        Returns an akt.Future of the ledger.Balance."""
        return self._ask(msg, Withdraw, Balance, timeout)

    def ask_withdraw_blocking(self, msg, timeout=5.0):
        """Refused with a reason when it would overdraw.

        Waits for the ledger.Balance (not from a handler)."""
        return self._ask_blocking(msg, Withdraw, Balance, timeout)

    def tell_withdraw(self, msg, sender=None):
        """Refused with a reason when it would overdraw."""
        self._tell(msg, Withdraw, sender)

    def ask_bulk(self, msg, timeout=5.0):
        """Handle a ledger.Bulk.

        Returns an akt.Future of the ledger.Balance."""
        return self._ask(msg, Bulk, Balance, timeout)

    def ask_bulk_blocking(self, msg, timeout=5.0):
        """Handle a ledger.Bulk.

        Waits for the ledger.Balance (not from a handler)."""
        return self._ask_blocking(msg, Bulk, Balance, timeout)

    def tell_bulk(self, msg, sender=None):
        """Handle a ledger.Bulk."""
        self._tell(msg, Bulk, sender)

    def ask_get(self, msg, timeout=5.0):
        """Handle a ledger.Get.

        Returns an akt.Future of the ledger.Balance."""
        return self._ask(msg, Get, Balance, timeout)

    def ask_get_blocking(self, msg, timeout=5.0):
        """Handle a ledger.Get.

        Waits for the ledger.Balance (not from a handler)."""
        return self._ask_blocking(msg, Get, Balance, timeout)

    def tell_get(self, msg, sender=None):
        """Handle a ledger.Get."""
        self._tell(msg, Get, sender)


class AccountActor(_akt.PersistentActor):
    """An account whose balance is rebuilt from its events.

    Base class of a Python ledger.Account, an event-sourced actor
    (akt.PersistentActor): override the on_* command handlers (plain or
    async def; the return value is the reply), which persist events with
    ctx.persist(event, callback); once an event is durable, its apply_*
    folds it into this actor's state and the callback runs. Before the
    first command, recovery replays the youngest ledger.Snap snapshot, then the events after it
    through the apply_* methods."""

    _akt_actor = "ledger.Account"
    _akt_on = ((Deposit, "on_deposit"), (Withdraw, "on_withdraw"), (Bulk, "on_bulk"), (Get, "on_get"))
    _akt_events = ((Deposited, "apply_deposited"), (Withdrawn, "apply_withdrawn"))
    _akt_snapshot = Snap

    def on_deposit(self, ctx, msg):
        """Handle a ledger.Deposit."""
        raise NotImplementedError("ledger.Account.on_deposit")

    def on_withdraw(self, ctx, msg):
        """Refused with a reason when it would overdraw."""
        raise NotImplementedError("ledger.Account.on_withdraw")

    def on_bulk(self, ctx, msg):
        """Handle a ledger.Bulk."""
        raise NotImplementedError("ledger.Account.on_bulk")

    def on_get(self, ctx, msg):
        """Handle a ledger.Get."""
        raise NotImplementedError("ledger.Account.on_get")

    def apply_deposited(self, event):
        """Fold a ledger.Deposited into this actor's state (no side effects)."""
        raise NotImplementedError("ledger.Account.apply_deposited")

    def apply_withdrawn(self, event):
        """Fold a ledger.Withdrawn into this actor's state (no side effects)."""
        raise NotImplementedError("ledger.Account.apply_withdrawn")

    def snapshot_offer(self, seq, snapshot):
        """Load the state from a ledger.Snap taken at sequence number seq."""
        raise NotImplementedError("ledger.Account.snapshot_offer")


class TallyRef(_akt.TypedRef):
    """A typed ref to a ledger.Tally actor (wraps an akt.ActorRef)."""

    _akt_actor = "ledger.Tally"

    def tell_deposit(self, msg, sender=None):
        """Handle a ledger.Deposit."""
        self._tell(msg, Deposit, sender)


class TallyActor(_akt.PersistentActor):
    """No snapshots and a tell-only command.

    Base class of a Python ledger.Tally, an event-sourced actor
    (akt.PersistentActor): override the on_* command handlers (plain or
    async def; the return value is the reply), which persist events with
    ctx.persist(event, callback); once an event is durable, its apply_*
    folds it into this actor's state and the callback runs. Before the
    first command, recovery replays the events
    through the apply_* methods."""

    _akt_actor = "ledger.Tally"
    _akt_on = ((Deposit, "on_deposit"),)
    _akt_events = ((Deposited, "apply_deposited"),)
    _akt_snapshot = None

    def on_deposit(self, ctx, msg):
        """Handle a ledger.Deposit."""
        raise NotImplementedError("ledger.Tally.on_deposit")

    def apply_deposited(self, event):
        """Fold a ledger.Deposited into this actor's state (no side effects)."""
        raise NotImplementedError("ledger.Tally.apply_deposited")


# Binds the classes above to their akt descriptors: builds them, or checks
# them against those a C extension registered (akt.SchemaMismatch).
_akt.bind_module(__name__, (
    (Deposit, "ledger.Deposit", 0x0f774ebb3b9ea2e8, 0x8d5716f1b018b013, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("amount", 1, "int64", None, None, None, False, None),
    )),
    (Withdraw, "ledger.Withdraw", 0x3423d39c9eeb2c8c, 0xb57c8da11df96b3f, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("amount", 1, "int64", None, None, None, False, None),
    )),
    (Bulk, "ledger.Bulk", 0xe3d9fd71c178949a, 0xe5e363a488950a96, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("amount", 1, "int64", None, None, None, False, None),
        ("times", 2, "int32", None, None, None, False, None),
        ("no_stash", 3, "bool", None, None, None, False, None),
    )),
    (Get, "ledger.Get", 0xfc335e0d274d8bc2, 0xd8d49859c8c484d8, (
        # name, number, kind, element kind, key kind, type, optional, default
    )),
    (Balance, "ledger.Balance", 0xaf4f428ea14ff4ca, 0x27acfda425e5266b, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("balance", 1, "int64", None, None, None, False, None),
        ("seq", 2, "uint64", None, None, None, False, None),
        ("replayed", 3, "int64", None, None, None, False, None),
    )),
    (Deposited, "ledger.Deposited", 0xfecda3177ba5abe9, 0x06155316ef367bc2, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("amount", 1, "int64", None, None, None, False, None),
    )),
    (Withdrawn, "ledger.Withdrawn", 0x840d7522099d4406, 0x66a6a236eefb0175, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("amount", 1, "int64", None, None, None, False, None),
        ("note", 2, "string", None, None, None, False, None),
    )),
    (Snap, "ledger.Snap", 0xc6948a0032c459f2, 0xa77cd8486d2be937, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("balance", 1, "int64", None, None, None, False, None),
    )),
    (AccountState, "ledger.AccountState", 0xd88ffbbefc0d247a, 0xc6eb803173b730c1, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("balance", 1, "int64", None, None, None, False, None),
        ("replayed", 2, "int64", None, None, None, False, None),
        ("recovered", 3, "bool", None, None, None, False, None),
    )),
    (TallyState, "ledger.TallyState", 0x92bad6f43c054df9, 0x58c93401fd0373e9, (
        # name, number, kind, element kind, key kind, type, optional, default
    )),
), (
))
