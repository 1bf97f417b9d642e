# door_akt.py -- generated from door.akt by aktc 0.1.0 -- do not edit.
"""package fsmdemo: the messages and actors of door.akt.

Generated from door.akt (package fsmdemo); see docs/python.md, "Generated
modules". Messages are immutable akt.Message classes whose fields are
checked when a message is made; enums are IntEnums; <Actor>Ref wraps an
ActorRef with typed tell_/ask_ methods; <Actor>Actor is the base class of
a Python actor with one on_<message> handler per message it takes.
"""
import enum as _enum

import akt as _akt

#: FNV-1a 64 of this file's schema (the message and enum tables below)
SCHEMA_HASH = 0x4c4bcaac7aa87ecd


class Open(_akt.Message):
    """fsmdemo.Open"""

    __slots__ = ()


class Close(_akt.Message):
    """fsmdemo.Close"""

    __slots__ = ()


class Lock(_akt.Message):
    """Lock with a code.

    Fields:
        code (string = 1)
    """

    __slots__ = ("code",)


class Unlock(_akt.Message):
    """fsmdemo.Unlock

    Fields:
        code (string = 1)
    """

    __slots__ = ("code",)


class DoorState(_akt.Message):
    """The state of actor Door.

    Fields:
        code (string = 1)
        openings (uint32 = 2)
    """

    __slots__ = ("code", "openings")


class DoorFsmState(_enum.IntEnum):
    """The states of fsmdemo.Door's fsm, numbered in declaration order."""

    #: Shut but not locked.
    CLOSED = 0
    LOCKED = 1
    OPENED = 2


class DoorRef(_akt.TypedRef):
    """A typed ref to a fsmdemo.Door actor (wraps an akt.ActorRef)."""

    _akt_actor = "fsmdemo.Door"

    def tell_open(self, msg, sender=None):
        """Handle a fsmdemo.Open."""
        self._tell(msg, Open, sender)

    def tell_lock(self, msg, sender=None):
        """Keep the code."""
        self._tell(msg, Lock, sender)

    def tell_unlock(self, msg, sender=None):
        """Handle a fsmdemo.Unlock."""
        self._tell(msg, Unlock, sender)

    def tell_close(self, msg, sender=None):
        """Handle a fsmdemo.Close."""
        self._tell(msg, Close, sender)


class DoorActor(_akt.FsmActor):
    """A door that closes itself.

    Base class of a Python fsmdemo.Door, a finite-state machine run by akt's
    FSM runtime (akt.FsmActor): override the <state>_on_<message> and
    <state>_on_timeout handlers (plain or async def; the return value is
    the reply). A handler runs with its line's transition chosen, so one
    left as it is just makes the transition; ctx.stay() and ctx.stop()
    decide otherwise."""

    _akt_actor = "fsmdemo.Door"
    _akt_initial = DoorFsmState.CLOSED
    # per state: the state, its name, its snake name, its lines (message,
    # handler, target or None, the line's text) and its timeout line
    # (nanoseconds, handler, target, text) or None
    _akt_fsm = (
        (DoorFsmState.CLOSED, "Closed", "closed", (
            (Open, "closed_on_open", DoorFsmState.OPENED, "on Open -> Opened"),
            (Lock, "closed_on_lock", DoorFsmState.LOCKED, "on Lock -> Locked"),
        ), None),
        (DoorFsmState.LOCKED, "Locked", "locked", (
            (Unlock, "locked_on_unlock", DoorFsmState.CLOSED, "on Unlock -> Closed"),
            (Open, "locked_on_open", None, "on Open"),
        ), None),
        (DoorFsmState.OPENED, "Opened", "opened", (
            (Close, "opened_on_close", DoorFsmState.CLOSED, "on Close -> Closed"),
        ), (30000000000, "opened_on_timeout", DoorFsmState.CLOSED, "timeout 30s -> Closed")),
    )

    def closed_on_open(self, ctx, msg):
        """on Open -> Opened in state Closed."""

    def closed_on_lock(self, ctx, msg):
        """on Lock -> Locked in state Closed: Keep the code."""

    def locked_on_unlock(self, ctx, msg):
        """on Unlock -> Closed in state Locked."""

    def locked_on_open(self, ctx, msg):
        """on Open in state Locked."""

    def opened_on_close(self, ctx, msg):
        """on Close -> Closed in state Opened."""

    def opened_on_timeout(self, ctx):
        """timeout 30s -> Closed in state Opened."""


# Binds the classes above to their akt descriptors: builds them, or checks
# them against those a C extension registered (akt.SchemaMismatch).
_akt.bind_module(__name__, (
    (Open, "fsmdemo.Open", 0x74ec2b99b073e10c, 0x212f1c26d4e75d32, (
        # name, number, kind, element kind, key kind, type, optional, default
    )),
    (Close, "fsmdemo.Close", 0x6b6b6d5bb7e52bb0, 0x6cb68cd97a694d0e, (
        # name, number, kind, element kind, key kind, type, optional, default
    )),
    (Lock, "fsmdemo.Lock", 0xa0a13d81452b12e3, 0x45e04ed21dc2ac39, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("code", 1, "string", None, None, None, False, None),
    )),
    (Unlock, "fsmdemo.Unlock", 0xa20412528db997c8, 0xbe5ca71fbb512150, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("code", 1, "string", None, None, None, False, None),
    )),
    (DoorState, "fsmdemo.DoorState", 0x4832f585aa8a30c9, 0x98f8361f974159a3, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("code", 1, "string", None, None, None, False, None),
        ("openings", 2, "uint32", None, None, None, False, None),
    )),
), (
))
