"""The pure-Python half of the akt package: Actor, props, ActorSystem, the
awaitable Future, Record (IDL messages) and the glue that finishes async
handlers that really suspend (as asyncio tasks on the system's loop)."""
from __future__ import annotations

import asyncio
import enum
import importlib
import json
import logging
import os
import pickle
import secrets
import sys
import sysconfig
import tempfile
import threading
import types
from typing import TYPE_CHECKING, Any, Generator, Generic, TypeVar

from . import _core

__all__ = ["Actor", "ActorSystem", "AllForOneStrategy", "DeadLetter", "Directive",
           "bind_module", "FrozenMap", "FsmActor", "PersistentActor", "Future", "LogEvent", "Mailbox",
           "OneForOneStrategy", "Props", "ReceiveTimeout", "Record",
           "RestForOneStrategy", "RouterRef", "SupervisorStrategy",
           "Terminated", "TypedActor", "TypedRef", "UnhandledMessage", "props",
           "register_types", "replace", "to_dict"]

log = logging.getLogger("akt")


class Actor:
    """Base class of Python actors. Override ``handle(self, ctx, msg)``
    (``async def`` or plain ``def``); its return value, unless None, is the
    reply to an ask. An exception fails the actor: its supervisor restarts
    it (a fresh instance from its props) by default. ``pre_start(ctx)`` and
    ``post_stop(ctx)`` are the lifecycle hooks."""

    def handle(self, ctx, msg):  # pragma: no cover - overridden
        raise NotImplementedError(f"{type(self).__name__}.handle")

    def pre_start(self, ctx):
        pass

    def post_stop(self, ctx):
        pass


class TypedActor(Actor):
    """Base of the <Actor>Actor classes of generated modules: handle()
    calls on_<message>(ctx, msg) for the message's class; a message
    without a handler goes to unhandled(), which fails the actor
    (akt.Unhandled) unless overridden."""

    _akt_on: tuple = ()
    _akt_table: dict = {}

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls._akt_table = {m: getattr(cls, name) for m, name in cls._akt_on}

    def handle(self, ctx, msg):
        h = self._akt_table.get(type(msg))
        if h is None:
            return self.unhandled(ctx, msg)
        return h(self, ctx, msg)

    def unhandled(self, ctx, msg):
        raise _core.Unhandled(f"{type(self).__name__} has no handler for "
                              f"{type(msg).__name__}")


class PersistentActor(TypedActor):
    """Base of the <Actor>Actor classes aktc --py_out makes for
    ``persistent actor``s (docs/python.md, "Persistent actors"): an
    event-sourced actor on akt's persistence (the system's journal and
    snapshot store, akt.persistence.*; started on the first spawn). Its
    persistence id is "<pkg.Actor>|<name>", as for aktc's C actors, so a
    Python and a C actor of the same name share their history.

    Command handlers (on_<message>) persist events with
    ``ctx.persist(event, callback=None)`` / ``ctx.persist_all(events,
    callback=None)`` (and the _async variants, which do not stash
    commands meanwhile): once the write is durable, ``apply_<event>(event)``
    folds each event into the state, then ``callback(ctx, event)`` runs;
    its return value (or ctx.reply) answers the command's sender. Commands
    that arrive while a persist is pending wait (the stash). Recovery, in
    the actor's start and each restart, offers the youngest snapshot to
    ``snapshot_offer(seq, snapshot)``, replays the events after it through
    the apply_* methods, then calls ``recovery_completed(ctx, highest)``.

    Optional hooks: recovery_failed(ctx, error) (the actor then stops),
    persist_rejected(ctx, error, event) (the journal refused it: the actor
    goes on, the callback does not run), persist_failed(ctx, error, event)
    (the store failed: the actor stops), snapshot_take() -> snapshot or
    None with ``snapshot_every = n`` (a snapshot after every n events)
    and/or ``snapshot_when(event, seq) -> bool`` (after the event's apply),
    snapshot_saved(ctx, seq), snapshot_failed(ctx, seq, error) (a save
    runs off the actor's thread: these come in a later turn),
    events_deleted(ctx, seq), events_delete_failed(ctx, seq, error) (the
    outcome of ctx.delete_events, likewise);
    ``tags(event) -> iterable of str`` (the event's tags, with the state
    before it is applied; ``system.events_by_tag`` finds them).

    A persist callback may be an ``async def``: once it really suspends,
    the actor takes no command until it returns, and the callbacks of the
    same write after it run after it, in order (after an await its ctx is
    no longer live: reply by returning). Recovery may be bounded:
    ``recovery_to_seq`` (replay up to that sequence number; 0: all) and
    ``recovery_replay_max`` (at most that many events; 0: all)."""

    _akt_events: tuple = ()
    _akt_snapshot = None
    # set by generated subclasses / the first spawn (declared for mypy)
    _akt_actor: str
    _akt_persist_cache: tuple
    #: take a snapshot (snapshot_take) when a sequence number is a multiple
    snapshot_every = 0
    #: recover up to this sequence number (0: all), then run as usual
    recovery_to_seq = 0
    #: replay at most this many events in recovery (0: all)
    recovery_replay_max = 0

    def recovery_completed(self, ctx, highest):
        pass

    def recovery_failed(self, ctx, error):
        pass

    def persist_rejected(self, ctx, error, event):
        pass

    def persist_failed(self, ctx, error, event):
        pass

    def snapshot_take(self):
        return None

    def snapshot_saved(self, ctx, seq):
        pass

    def snapshot_failed(self, ctx, seq, error):
        pass

    def events_deleted(self, ctx, seq):
        pass

    def events_delete_failed(self, ctx, seq, error):
        pass

    def snapshot_when(self, event, seq):
        """after event (at seq) was applied: take a snapshot now?"""
        return False

    def tags(self, event):
        """the tags to store event with (the state before its apply)"""
        return ()

    @classmethod
    def _akt_persist_table(cls):
        """what akt._core builds the persistent actor from (per class)"""
        cached = cls.__dict__.get("_akt_persist_cache")
        if cached is not None:
            return cached
        if not cls._akt_events:
            raise TypeError(f"{cls.__name__}: a PersistentActor needs the events "
                            f"of a class generated by aktc --py_out (derive "
                            f"from <Actor>Actor)")
        every = cls.snapshot_every
        for attr in ("snapshot_every", "recovery_to_seq", "recovery_replay_max"):
            v = getattr(cls, attr)
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**64:
                raise ValueError(f"{cls.__name__}.{attr}: expected an int "
                                 f">= 0, got {v!r}")
        apply = {ev: getattr(cls, name) for ev, name in cls._akt_events}
        snap = cls._akt_snapshot
        take = (None if snap is None or cls.snapshot_take is PersistentActor.snapshot_take
                else cls.snapshot_take)
        when = (None if cls.snapshot_when is PersistentActor.snapshot_when
                else cls.snapshot_when)
        if when is not None and take is None:
            raise TypeError(f"{cls.__name__}.snapshot_when needs snapshot_take "
                            f"(and a snapshot type in the .akt file)")
        tags = None if cls.tags is PersistentActor.tags else cls.tags
        out = (cls._akt_actor, f"{cls._akt_actor}|", apply, snap,
               None if snap is None else cls.snapshot_offer, take, every,
               when, tags, cls.recovery_to_seq, cls.recovery_replay_max)
        cls._akt_persist_cache = out
        return out


_FSM_UNHANDLED = {"log": 0, "dead-letter": 1, "fail": 2, "ignore": 3}


class FsmActor(Actor):
    """Base of the <Actor>Actor classes aktc --py_out makes for actors with
    an ``fsm`` block (docs/python.md, "FSM actors"): the machine runs on
    akt's FSM runtime. Override ``<state>_on_<message>(ctx, msg)`` and
    ``<state>_on_timeout(ctx)`` (plain or async def; the return value is
    the reply). A handler runs with its line's transition chosen: it goes
    there after the handler returns (an async one: when it returns, not at
    its first await; ctx.stay / goto after an await decide it) unless it
    calls ``ctx.stay()`` or ``ctx.stop()``; ``ctx.goto(state, timeout=None)`` may
    name only the line's target (another state raises
    akt.InvalidArgument). ``ctx.state`` is the current state (the
    generated IntEnum). Optional hooks: ``<state>_on_enter(ctx,
    from_state)`` (from_state None at the start), ``<state>_on_exit(ctx,
    to_state)``, ``on_transition(ctx, from_state, to_state)``, and
    pre_start / post_stop. A message the current state has no line for
    follows ``fsm_unhandled``: "log" (a warning, dropped; the default),
    "dead-letter", "fail" (akt.Unhandled) or "ignore"."""

    #: set by the generated class: (state, name, snake, lines, timeout)
    _akt_fsm: tuple = ()
    _akt_actor = "?"
    # set by generated subclasses / the first spawn (declared for mypy)
    _akt_initial: int
    _akt_fsm_cache: tuple
    fsm_unhandled = "log"

    def handle(self, ctx, msg):  # pragma: no cover - the fsm runtime calls the lines
        raise TypeError("an FsmActor's messages go to its <state>_on_<message> handlers")

    def on_transition(self, ctx, from_state, to_state):
        pass

    @classmethod
    def _akt_fsm_table(cls):
        """what akt._core builds the fsm from (checked; cached per class)"""
        cached = cls.__dict__.get("_akt_fsm_cache")
        if cached is not None:
            return cached
        if not cls._akt_fsm:
            raise TypeError(f"{cls.__name__}: an FsmActor needs the fsm of a "
                            f"class generated by aktc --py_out (derive from "
                            f"<Actor>Actor)")
        policy = _FSM_UNHANDLED.get(cls.fsm_unhandled)
        if policy is None:
            raise ValueError(f"{cls.__name__}.fsm_unhandled: expected one of "
                             f"{', '.join(_FSM_UNHANDLED)}, got "
                             f"{cls.fsm_unhandled!r}")
        states = []
        for st, name, snake, lines, timeout in cls._akt_fsm:
            table = {}
            for msg_cls, handler, target, text in lines:
                table[msg_cls] = (getattr(cls, handler),
                                  -1 if target is None else int(target), text)
            tmo = None
            if timeout is not None:
                ns, handler, target, text = timeout
                tmo = (ns, getattr(cls, handler), int(target), text)
            states.append((name, table, tmo,
                           getattr(cls, f"{snake}_on_enter", None),
                           getattr(cls, f"{snake}_on_exit", None)))
        enum_cls = type(cls._akt_fsm[0][0])
        trans = (None if cls.on_transition is FsmActor.on_transition
                 else cls.on_transition)
        out = (cls._akt_actor, enum_cls, int(cls._akt_initial), policy,
               trans, tuple(states))
        cls._akt_fsm_cache = out
        return out


class Props:
    """How to make an actor: its class and constructor arguments, the
    dispatcher it runs on (None: python-pinned; see with_dispatcher), the
    supervisor strategy for its children (with_supervisor; else the
    class's ``supervisor_strategy``) and its mailbox (with_mailbox)."""

    __slots__ = ("cls", "args", "kwargs", "dispatcher", "supervisor",
                 "mailbox", "_plain_cache", "__weakref__")

    def __init__(self, cls, *args, **kwargs):
        if not (isinstance(cls, type) and issubclass(cls, Actor)) and not callable(cls):
            raise TypeError("props: expected an Actor subclass or a factory")
        self.cls, self.args, self.kwargs = cls, args, kwargs
        self.dispatcher = None
        self.supervisor = None
        self.mailbox = None
        self._plain_cache = None

    def _copy(self, **changes) -> "Props":
        p = Props(self.cls, *self.args, **self.kwargs)
        p.dispatcher, p.supervisor, p.mailbox = (
            self.dispatcher, self.supervisor, self.mailbox)
        for k, v in changes.items():
            setattr(p, k, v)
        return p

    @property
    def _plain(self) -> "Props":
        """these props on python-pinned (one object per Props, so the
        runtime's per-props record is made once)"""
        if self.dispatcher is None:
            return self
        if self._plain_cache is None:
            self._plain_cache = self._copy(dispatcher=None)
        return self._plain_cache

    def with_dispatcher(self, name: str) -> "Props":
        """A copy that runs on dispatcher `name`: a strategy
        ("python-pinned", "python-subprocess", "python-subinterpreter-pool",
        "python-nogil") or a dispatcher configured under
        akt.python.dispatchers.<name> { strategy = ..., workers = n }."""
        return self._copy(dispatcher=name)

    def with_supervisor(self, strategy: "SupervisorStrategy") -> "Props":
        """A copy whose actors supervise their children with strategy
        (OneForOneStrategy, AllForOneStrategy, RestForOneStrategy)."""
        if not isinstance(strategy, SupervisorStrategy):
            raise TypeError(f"with_supervisor: expected a SupervisorStrategy, "
                            f"got {type(strategy).__name__}")
        return self._copy(supervisor=strategy)

    def with_mailbox(self, kind: str, *, capacity: int | None = None,
                     overflow: str | None = None,
                     block_timeout: float | None = None,
                     priority=None) -> "Props":
        """A copy whose actors get a mailbox of kind "unbounded",
        "bounded" (capacity, overflow "drop-new" | "drop-head" | "fail" |
        "block", block_timeout seconds; None: akt.actor.default-mailbox's)
        or "priority" (priority(msg) -> int, lower first, FIFO within one;
        it runs on the actor's thread)."""
        return self._copy(mailbox=Mailbox(kind, capacity=capacity,
                                          overflow=overflow,
                                          block_timeout=block_timeout,
                                          priority=priority))

    def _strategy(self):
        s = self.supervisor
        if s is None and isinstance(self.cls, type):
            s = getattr(self.cls, "supervisor_strategy", None)
            if s is not None and not isinstance(s, SupervisorStrategy):
                raise TypeError(f"{self.cls.__name__}.supervisor_strategy: "
                                f"expected a SupervisorStrategy, got "
                                f"{type(s).__name__}")
        return s

    def _spec(self):
        """(supervisor, mailbox, fsm) as akt._core reads them: tuples or
        None"""
        s = self._strategy()
        m = self.mailbox
        fsm = persist = None
        if isinstance(self.cls, type) and issubclass(self.cls, FsmActor):
            fsm = self.cls._akt_fsm_table()
        if isinstance(self.cls, type) and issubclass(self.cls, PersistentActor):
            persist = self.cls._akt_persist_table()
        return (None if s is None else s._spec(),
                None if m is None else m._spec(), fsm, persist)

    def _create(self):
        return self.cls(*self.args, **self.kwargs)

    def __repr__(self):
        return f"props({self.cls.__name__})"


def props(cls, *args, **kwargs) -> Props:
    """props(Greeter, arg, key=value): make each incarnation with
    Greeter(arg, key=value)."""
    return Props(cls, *args, **kwargs)


class Directive(enum.IntEnum):
    """What a supervisor does with a child that failed (akt_directive)."""

    #: keep the child's state; it goes on with its next message
    RESUME = 1
    #: a fresh instance from its props (mailbox kept)
    RESTART = 2
    #: stop the child
    STOP = 3
    #: fail the supervisor itself with the same failure
    ESCALATE = 4


def _seconds_ns(name, value, allow_zero=False):
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name}: expected seconds (a number), got "
                        f"{type(value).__name__}")
    if value < 0 or (value == 0 and not allow_zero) or value != value:
        raise ValueError(f"{name}: expected seconds > 0, got {value!r}")
    return min(int(value * 1e9), 2**62)


class SupervisorStrategy:
    """How an actor supervises its children (Akka's classic strategies):
    which directive a failure gets, and how many restarts a child may have
    within a window before it is stopped instead.

    decider: None (restart on every failure), a mapping of exception
    classes to Directives (the entry of the most specific class in the
    exception's MRO wins; an exception no entry matches escalates, as in
    Akka), or a callable exc -> Directive. A Python exception a handler
    raised reaches the decider as itself; other failures as the akt error
    of their code (akt.Canceled for a kill, akt.PeerUnreachable for a dead
    python-subprocess worker, ...). A decider that raises or returns
    something else is logged and escalates.

    max_restarts: None (akt.actor.supervision.max-restarts), -1 (no
    limit), 0 (never: a restart stops the child) or n; within: the window
    in seconds (None: akt.actor.supervision.within). min_backoff /
    max_backoff / random_factor / reset_after (seconds): delay restarts
    by min * 2^n (capped at max, with jitter), n reset after the child ran
    reset_after without failing."""

    _KIND = 0

    def __init__(self, decider=None, *, max_restarts: int | None = None,
                 within: float | None = None,
                 min_backoff: float | None = None,
                 max_backoff: float | None = None,
                 random_factor: float = 0.0,
                 reset_after: float | None = None):
        if type(self) is SupervisorStrategy:
            raise TypeError("use OneForOneStrategy, AllForOneStrategy or "
                            "RestForOneStrategy")
        if decider is not None and not callable(decider):
            try:
                items = list(decider.items())
            except AttributeError:
                raise TypeError("decider: expected None, a mapping of exception "
                                "classes to Directives, or a callable; got "
                                f"{type(decider).__name__}") from None
            table = {}
            for k, v in items:
                if not (isinstance(k, type) and issubclass(k, BaseException)):
                    raise TypeError(f"decider: key {k!r} is not an exception class")
                try:
                    table[k] = Directive(v)
                except ValueError:
                    raise ValueError(f"decider: {k.__name__}: {v!r} is not a "
                                     f"Directive") from None
            decider = table
        if max_restarts is not None and (
                isinstance(max_restarts, bool) or not isinstance(max_restarts, int)
                or max_restarts < -1 or max_restarts > 2**31 - 1):
            raise ValueError(f"max_restarts: expected None, -1, 0 or a positive "
                             f"int, got {max_restarts!r}")
        if isinstance(random_factor, bool) or not isinstance(random_factor, (int, float)) \
                or not 0 <= random_factor <= 1:
            raise ValueError(f"random_factor: expected 0..1, got {random_factor!r}")
        self.decider = decider
        self.max_restarts = max_restarts
        self.within = within
        self.min_backoff, self.max_backoff = min_backoff, max_backoff
        self.random_factor = float(random_factor)
        self.reset_after = reset_after
        self._ns = (_seconds_ns("within", within),
                    _seconds_ns("min_backoff", min_backoff),
                    _seconds_ns("max_backoff", max_backoff),
                    _seconds_ns("reset_after", reset_after))
        if max_backoff is not None and min_backoff is None:
            raise ValueError("max_backoff without min_backoff")

    def decide(self, exc: BaseException) -> Directive:
        """The directive this strategy's decider gives exc (before the
        restart limit is applied)."""
        d = self.decider
        if d is None:
            return Directive.RESTART
        if isinstance(d, dict):
            for cls in type(exc).__mro__:
                hit = d.get(cls)
                if hit is not None:
                    return hit
            return Directive.ESCALATE
        out = d(exc)
        try:
            return Directive(out)
        except ValueError:
            raise TypeError(f"decider returned {out!r}, not a Directive") from None

    def _decide(self, exc, child):
        """from akt._core (the supervisor's thread): never raises"""
        try:
            d = self.decide(exc)
        except Exception as e:  # noqa: BLE001 - the decider's own bug
            log.error("akt: the supervisor strategy's decider failed on "
                      "%s for %r: %s: %s; escalating", type(exc).__name__,
                      child, type(e).__name__, e,
                      exc_info=(type(e), e, e.__traceback__))
            return int(Directive.ESCALATE)
        if d == Directive.RESTART and self.max_restarts == 0:
            d = Directive.STOP
        return int(d)

    def _spec(self):
        m = self.max_restarts
        within, minb, maxb, reset = self._ns
        return (self._KIND, 0 if m is None or m == 0 else m, within, minb,
                maxb, self.random_factor, reset, self._decide)

    def __repr__(self):
        return (f"{type(self).__name__}({self.decider!r}, max_restarts="
                f"{self.max_restarts!r}, within={self.within!r})")

    def __reduce__(self):
        return (_make_strategy, (type(self), self.decider, self.max_restarts,
                                 self.within, self.min_backoff,
                                 self.max_backoff, self.random_factor,
                                 self.reset_after))


def _make_strategy(cls, decider, m, within, minb, maxb, rf, reset):
    return cls(decider, max_restarts=m, within=within, min_backoff=minb,
               max_backoff=maxb, random_factor=rf, reset_after=reset)


class OneForOneStrategy(SupervisorStrategy):
    """The directive applies to the failed child only."""

    _KIND = 1


class AllForOneStrategy(SupervisorStrategy):
    """The directive applies to every child of the supervisor."""

    _KIND = 2


class RestForOneStrategy(SupervisorStrategy):
    """The directive applies to the failed child and the children started
    after it (Erlang's rest_for_one)."""

    _KIND = 3


_MAILBOX_KINDS = {"unbounded": 1, "bounded": 2, "priority": 3}
_OVERFLOWS = {"drop-new": 1, "drop-head": 2, "fail": 3, "block": 4}


class Mailbox:
    """A mailbox kind and its settings (Props.with_mailbox makes one)."""

    __slots__ = ("kind", "capacity", "overflow", "block_timeout", "priority")

    def __init__(self, kind, *, capacity=None, overflow=None,
                 block_timeout=None, priority=None):
        if kind not in _MAILBOX_KINDS:
            raise ValueError(f"with_mailbox: kind {kind!r}: expected one of "
                             f"{', '.join(_MAILBOX_KINDS)}")
        if kind != "bounded" and (capacity is not None or overflow is not None
                                  or block_timeout is not None):
            raise ValueError(f"with_mailbox: capacity, overflow and "
                             f"block_timeout are for a bounded mailbox, not "
                             f"{kind!r}")
        if kind == "priority":
            if not callable(priority):
                raise TypeError("with_mailbox('priority'): priority must be a "
                                "callable msg -> int")
        elif priority is not None:
            raise ValueError(f"with_mailbox: priority is for a priority "
                             f"mailbox, not {kind!r}")
        if capacity is not None and (isinstance(capacity, bool)
                                     or not isinstance(capacity, int)
                                     or not 1 <= capacity <= 2**32 - 1):
            raise ValueError(f"with_mailbox: capacity: expected an int >= 1, "
                             f"got {capacity!r}")
        if overflow is not None and overflow not in _OVERFLOWS:
            raise ValueError(f"with_mailbox: overflow {overflow!r}: expected "
                             f"one of {', '.join(_OVERFLOWS)}")
        _seconds_ns("with_mailbox: block_timeout", block_timeout)
        self.kind, self.capacity, self.overflow = kind, capacity, overflow
        self.block_timeout, self.priority = block_timeout, priority

    def _spec(self):
        prio = None
        if self.priority is not None:
            prio = _safe_priority(self.priority)
        return (_MAILBOX_KINDS[self.kind], self.capacity or 0,
                _OVERFLOWS.get(self.overflow, 0),
                _seconds_ns("block_timeout", self.block_timeout), prio)

    def __repr__(self):
        return f"Mailbox({self.kind!r})"

    def __reduce__(self):
        return (_make_mailbox, (self.kind, self.capacity, self.overflow,
                                self.block_timeout, self.priority))


def _make_mailbox(kind, capacity, overflow, block_timeout, priority):
    return Mailbox(kind, capacity=capacity, overflow=overflow,
                   block_timeout=block_timeout, priority=priority)


def _safe_priority(fn):
    """fn wrapped for the mailbox (the consumer's thread): an int, and an
    exception logged (the message then has priority 0)"""
    def key(msg):
        try:
            p = fn(msg)
            return max(-2**31, min(2**31 - 1, int(p)))
        except Exception as e:  # noqa: BLE001 - the user's function
            log.error("akt: mailbox priority function failed on %r: %s: %s "
                      "(priority 0)", msg, type(e).__name__, e)
            return 0
    return key


class Record:
    """An IDL message as Python sees it: its qualified type name and its
    fields by IDL name (attributes). Messages from C actors arrive as
    Records; a Record of a registered type (register_types) is sent as
    that C message."""

    __slots__ = ("type", "_fields")

    def __init__(self, type, fields=None, **kw):
        object.__setattr__(self, "type", type)
        f = dict(fields or {})
        f.update(kw)
        object.__setattr__(self, "_fields", f)

    def __getattr__(self, name):
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(f"{self.type} has no field {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError("Record is immutable")

    def to_dict(self):
        return dict(self._fields)

    def __eq__(self, other):
        return (isinstance(other, Record) and other.type == self.type
                and other._fields == self._fields)

    def __hash__(self):
        return hash((self.type, tuple(sorted(self._fields))))

    def __repr__(self):
        inner = ", ".join(f"{k}={v!r}" for k, v in self._fields.items())
        return f"{self.type}({inner})"


class Terminated:
    """Delivered to a watcher when the watched actor stops."""

    __slots__ = ("actor",)

    def __init__(self, actor):
        self.actor = actor

    def __eq__(self, other):
        return isinstance(other, Terminated) and other.actor == self.actor

    def __hash__(self):
        return hash(("Terminated", self.actor))

    def __repr__(self):
        return f"Terminated({self.actor!r})"


class FrozenMap(dict):
    """The value of a map field of a generated message: a dict that cannot
    change (so messages stay immutable and hashable)."""

    __slots__ = ()

    def _immutable(self, *args, **kwargs):
        raise TypeError("a message's map is immutable: make a new message "
                        "with akt.replace(msg, field={...})")

    __setitem__ = __delitem__ = _immutable
    clear = pop = popitem = setdefault = update = _immutable
    __ior__ = _immutable

    def __hash__(self):  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __repr__(self):
        return f"FrozenMap({dict.__repr__(self)})"

    def __reduce__(self):
        return (FrozenMap, (dict(self),))


def replace(msg, **changes):
    """A copy of a generated message with some fields changed (checked
    like a new message): replace(hello, name="bob")."""
    fields = msg._akt_fields()
    fields.update(changes)
    return type(msg)(**fields)


def to_dict(msg):
    """A generated message's fields by name (a new dict; nested messages
    stay messages)."""
    return msg._akt_fields()


class TypedRef:
    """Base of the <Actor>Ref classes of generated modules: an ActorRef
    with typed tell_<m> / ask_<m> / ask_<m>_blocking methods, which check
    the message's class before it is sent and the reply's class when it
    arrives (akt.TypeMismatch)."""

    __slots__ = ("ref",)
    _akt_actor = "?"
    ref: _core.ActorRef

    def __init__(self, ref):
        if isinstance(ref, TypedRef):
            ref = ref.ref
        if not isinstance(ref, _core.ActorRef):
            raise TypeError(f"{type(self).__name__}: expected an ActorRef, "
                            f"got {type(ref).__name__}")
        self.ref = ref

    def _check(self, msg, cls, verb):
        if type(msg) is not cls:
            raise TypeError(f"{self._akt_actor}.{verb}: expected "
                            f"{cls.akt_type_name()}, got {type(msg).__name__}")

    def _tell(self, msg, cls, sender):
        self._check(msg, cls, "tell")
        self.ref.tell(msg, sender)

    def _ask(self, msg, cls, reply, timeout):
        self._check(msg, cls, "ask")
        return self.ref.ask(msg, timeout, reply)

    def _ask_blocking(self, msg, cls, reply, timeout):
        self._check(msg, cls, "ask")
        return self.ref.ask_blocking(msg, timeout, reply)

    def tell(self, msg, sender=None):
        """An untyped tell (any message)."""
        self.ref.tell(msg, sender)

    def stop(self):
        self.ref.stop()

    def watch(self):
        return self.ref.watch()

    @property
    def path(self):
        return self.ref.path

    def __eq__(self, other):
        if isinstance(other, TypedRef):
            other = other.ref
        return self.ref == other

    def __hash__(self):
        return hash(self.ref)

    def __repr__(self):
        return f"{type(self).__name__}({self.ref!r})"


class DeadLetter:
    """A message that could not be delivered (published on the event
    stream; subscribe(ref, akt.DeadLetter)). reason: an akt_err code."""

    __slots__ = ("recipient", "sender", "reason", "message")

    def __init__(self, recipient, sender, reason, message):
        self.recipient, self.sender = recipient, sender
        self.reason, self.message = reason, message

    def __repr__(self):
        return (f"DeadLetter({self.message!r} to {self.recipient!r}, "
                f"reason {self.reason})")


class UnhandledMessage:
    """A message its recipient had no handler for (event stream)."""

    __slots__ = ("recipient", "sender", "message")

    def __init__(self, recipient, sender, message):
        self.recipient, self.sender, self.message = recipient, sender, message

    def __repr__(self):
        return f"UnhandledMessage({self.message!r} to {self.recipient!r})"


class LogEvent:
    """One line of akt's log (event stream): level 1 error .. 4 debug, the
    source's path, the text, the time (seconds since 1970)."""

    __slots__ = ("level", "path", "text", "timestamp")

    def __init__(self, level, path, text, timestamp):
        self.level, self.path, self.text = level, path, text
        self.timestamp = timestamp

    def __repr__(self):
        return f"LogEvent({self.level}, {self.path!r}, {self.text!r})"


class ReceiveTimeout:
    """Sent to an actor that got no message for its receive timeout
    (ctx.set_receive_timeout)."""

    __slots__ = ("timeout",)

    def __init__(self, timeout):
        self.timeout = timeout

    def __eq__(self, other):
        return isinstance(other, ReceiveTimeout) and other.timeout == self.timeout

    def __hash__(self):
        return hash(("ReceiveTimeout", self.timeout))

    def __repr__(self):
        return f"ReceiveTimeout({self.timeout})"


_LEVELS = {1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO, 4: logging.DEBUG}
_FROM_LOGGING = {logging.ERROR: 1, logging.WARNING: 2, logging.INFO: 3,
                 logging.DEBUG: 4}


def _emit_log(level, path, text, timestamp):
    """akt's log events, on the system's loop thread: to the "akt" logger
    (extra: akt_path, akt_timestamp)."""
    log.log(_LEVELS.get(level, logging.INFO), "[%s] %s", path, text,
            extra={"akt_path": path, "akt_timestamp": timestamp})


class RouterRef(TypedRef):
    """A router (ActorSystem.router): tell/ask route to a routee by its
    logic; broadcast reaches every routee with one shared message."""

    __slots__ = ()
    _akt_actor = "router"

    def ask(self, msg, timeout=5.0):
        return self.ref.ask(msg, timeout)

    def ask_blocking(self, msg, timeout=5.0):
        return self.ref.ask_blocking(msg, timeout)

    def broadcast(self, msg):
        self.ref._broadcast(msg)

    def routees(self, timeout=5.0):
        """The routees now (asks the router)."""
        return self.ref._routees(timeout)

    def resize(self, delta):
        """Grow (delta > 0) or shrink a pool, within its bounds."""
        self.ref._resize(delta)


_bound_modules: list[str] = []


def bind_module(module, messages, enums):
    """Called by the last statement of a module made by aktc --py_out
    (akt._core.bind_module; remembered so python-subprocess workers import
    the same modules)."""
    _core.bind_module(module, messages, enums)
    if module not in _bound_modules:
        _bound_modules.append(module)


def register_types(*capsules):
    """Register message descriptors (PyCapsules named "akt.type", as a C
    extension that links generated code hands out) so Records of those
    types can be sent to C actors. Returns the type names."""
    return [_core.register_type(c) for c in capsules]


_STRATEGIES = ("python-pinned", "python-subprocess",
               "python-subinterpreter-pool", "python-nogil")
# subinterpreters of one system (akt._core's PYC_MAX_SUBS: each is one of
# the runtime's 16 dispatchers beside its own)
_MAX_SUBINTERPRETERS = 12


def _free_threaded():
    """a free-threaded build (3.13t, PEP 703), whether or not its GIL was
    enabled again at run time"""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def _check_strategy_available(strategy):
    """python-subinterpreter-pool and python-nogil: say which interpreter
    they need, or, where it is this one, that akt does not run it yet."""
    v = sys.version_info
    here = f"{v.major}.{v.minor}.{v.micro}{'t' if _free_threaded() else ''}"
    if strategy == "python-subinterpreter-pool":
        if v < (3, 12):
            raise _core.NotSupported(
                f"python-subinterpreter-pool needs CPython 3.12 or newer "
                f"(PEP 684: a GIL per interpreter); this is Python {here}")
    if strategy == "python-nogil":
        if v < (3, 13) or not _free_threaded():
            raise _core.NotSupported(
                f"python-nogil needs a free-threaded CPython 3.13t or newer "
                f"(PEP 703, built with --disable-gil); this is Python {here}"
                f"{'' if v < (3, 13) else ' (with the GIL)'}")


def _dispatcher_conf(core, name, conf):
    """(strategy, workers) of akt.python.dispatchers.<name> = conf (a
    dict), or akt.InvalidArgument naming the key, where it came from and
    what was expected"""
    key = f"akt.python.dispatchers.{name}"

    def bad(sub, expected, got):
        origin = core.config_origin(f"{key}.{sub}")
        at = f" (at {origin})" if origin else ""
        return _core.InvalidArgument(
            f"{key}.{sub}{at}: expected {expected}, got {got!r}")
    if not isinstance(conf, dict):
        raise _core.InvalidArgument(
            f"{key}: expected an object {{ strategy = ..., workers = n }}, "
            f"got {conf!r}")
    strategy = conf.get("strategy")
    if strategy not in _STRATEGIES:
        raise bad("strategy", f"one of {', '.join(_STRATEGIES)}", strategy)
    workers = conf.get("workers", 2)
    most = _MAX_SUBINTERPRETERS if strategy == "python-subinterpreter-pool" \
        else 1024
    if (not isinstance(workers, int) or isinstance(workers, bool)
            or not 1 <= workers <= most):
        raise bad("workers", f"an integer >= 1 (at most {most})", workers)
    return strategy, workers


def _validate_dispatchers(core):
    """every akt.python.dispatchers entry, at start-up"""
    try:
        conf = json.loads(core.config_value("akt.python.dispatchers"))
    except (_core.AktError, ValueError):
        return
    if not isinstance(conf, dict):
        raise _core.InvalidArgument(
            f"akt.python.dispatchers: expected an object of dispatchers, "
            f"got {conf!r}")
    for name, c in conf.items():
        _dispatcher_conf(core, name, c)


class _Hop:
    """What a coroutine of a python-nogil worker thread yields to be moved
    to its system's asyncio loop (which is not running on that thread)."""

    __slots__ = ()

    def __await__(self):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            yield self
        return None


async def on_loop():
    """``await akt.on_loop()``: go on on the system's asyncio loop thread
    (in a python-nogil handler, before awaiting asyncio things such as
    asyncio.sleep; awaiting an akt Future does it itself). Elsewhere it
    returns at once."""
    await _Hop()


def _unwrap(ref):
    return ref.ref if isinstance(ref, TypedRef) else ref


def _wake(waiter, fut):
    if not waiter.done():
        waiter.set_result(None)


T = TypeVar("T")


class Future(_core.Future, Generic[T]):
    """The reply of an ask (or a watch): ``await fut`` in a coroutine,
    ``fut.result(timeout)`` in a thread. Errors raise akt's exceptions
    (AskTimeout, HandlerFailed, ...). Typed asks of generated refs give a
    Future[Reply]."""

    __slots__ = ()

    if TYPE_CHECKING:
        def result(self, timeout: float | None = None) -> T: ...

    #: how long (ns) an await waits for the reply with the GIL released
    #: before it parks the coroutine on its loop (0: park at once)
    spin_ns = 50_000

    def __await__(self) -> Generator[Any, None, T]:
        if not self._spin(Future.spin_ns):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # a python-nogil worker: go to the loop
                yield from _Hop().__await__()
                loop = asyncio.get_running_loop()
            waiter = loop.create_future()

            def wake(fut, loop=loop, waiter=waiter):
                try:
                    loop.call_soon_threadsafe(_wake, waiter, fut)
                except RuntimeError:  # the loop closed meanwhile
                    pass

            self._add_done_callback(wake)
            yield from waiter
        return self.result(0)


@types.coroutine
def _continue(coro, first, me):
    """Drive coro, which already yielded `first`, to its end inside a task,
    marking `me` as the running actor around each step."""
    value = first
    while True:
        if type(value) is _Hop:  # (it is on the loop now: go on at once)
            _core._set_current(me)
            try:
                value = coro.send(None)
            except StopIteration as s:
                return s.value
            finally:
                _core._set_current(None)
            continue
        try:
            sent = yield value
        except BaseException as e:  # thrown in by the task (cancel)
            prev = _core._set_current(me)
            try:
                value = coro.throw(e)
            except StopIteration as s:
                return s.value
            finally:
                _core._set_current(me if prev else None)
            continue
        _core._set_current(me)
        try:
            value = coro.send(sent)
        except StopIteration as s:
            return s.value
        finally:
            _core._set_current(None)


async def _start(coro, me):
    """Drive a coroutine that has not run yet (a callback of a chain)."""
    _core._set_current(me)
    try:
        first = coro.send(None)
    except StopIteration as s:
        return s.value
    finally:
        _core._set_current(None)
    return await _continue(coro, first, me)


async def _drive(coro, first, pending, chain=None):
    try:
        result = await _continue(coro, first, pending.self)
        # persist callbacks of the same write queued behind this one
        while chain:
            pending.reply(result)
            cb, ctx, event = chain.pop(0)
            _core._set_current(pending.self)
            try:
                result = cb(ctx, event)
            finally:
                _core._set_current(None)
            if asyncio.iscoroutine(result):
                result = await _start(result, pending.self)
    except asyncio.CancelledError:
        pending.fail("handler canceled (system terminating)", True)
        raise
    except BaseException as e:  # noqa: BLE001 - an actor failure
        _report_failure(None, e)
        pending.fail(f"{type(e).__name__}: {e}", False, e)
        return
    pending.finish(result)


def _suspend(coro, first, pending, chain=None):
    """An async handler (or persist callback) really suspended: finish it
    as a task on this loop (then the callbacks chain gets meanwhile); the
    actor handles its next message after it completes. On a python-nogil
    worker thread (no loop runs there) the task starts on the system's
    loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        system = _core_systems.get(id(pending.system))
        if system is None:
            raise _core.SystemClosed(
                "the actor system is terminating") from None
        system._loop.call_soon_threadsafe(
            _start_task, system._loop, coro, first, pending, chain)
        return None
    return _start_task(loop, coro, first, pending, chain)


def _start_task(loop, coro, first, pending, chain):
    task = loop.create_task(_drive(coro, first, pending, chain))
    sys = _loop_systems.get(id(loop))
    if sys is not None:
        sys._tasks.add(task)
        task.add_done_callback(sys._tasks.discard)
    return task


def _report_failure(actor, exc):
    who = type(actor).__name__ if actor is not None else "actor"
    log.error("akt: %s failed: %s: %s", who, type(exc).__name__, exc,
              exc_info=(type(exc), exc, exc.__traceback__))


_loop_systems: dict[int, "ActorSystem"] = {}
# by id() of their akt._core.System (python-nogil workers find the loop)
_core_systems: dict[int, "ActorSystem"] = {}


def _system_of(core):
    """ctx.system: the ActorSystem of an akt._core.System"""
    system = _core_systems.get(id(core))
    if system is None or system._core is not core:
        raise _core.SystemClosed("the actor system was terminated")
    return system

_core._setup(record=Record, terminated=Terminated, future=Future,
             suspend=_suspend, failure=_report_failure, frozenmap=FrozenMap,
             typed_ref=TypedRef, dead_letter=DeadLetter,
             unhandled=UnhandledMessage, log_event=LogEvent,
             receive_timeout=ReceiveTimeout, emit_log=_emit_log)


class ActorSystem:
    """An akt actor system with a Python dispatcher: one thread that runs
    an asyncio loop and every Python actor of this system (the GIL is
    held while it drains; see docs/python.md)."""

    def __init__(self, core, loop, thread):
        self._core = core
        self._loop = loop
        self._thread = thread
        self._tasks = set()
        self._final_stats = None
        self._pools = {}
        self._pools_lock = threading.Lock()  # (several threads may spawn)
        self._remote_cookie = None
        self.name = core.name

    @classmethod
    def create_blocking(cls, name: str, config: str | None = None, *,
                        config_file: str | os.PathLike | None = None) -> "ActorSystem":
        """A new system. config: HOCON text (it overrides the reference
        defaults, $AKT_CONFIG and the environment); config_file: a HOCON
        file, layered like akt_config_load."""
        core = _core.System(name, config,
                            os.fspath(config_file) if config_file is not None else None)
        try:
            _validate_dispatchers(core)
        except BaseException:
            core.terminate()
            core.await_termination(30.0)
            core.free()
            raise
        ready = threading.Event()
        box = {}

        def main():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.add_reader(core.fileno(), core.drain)
            loop.add_reader(core.log_fileno(), core.drain_log)
            box["loop"] = loop
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.remove_reader(core.fileno())
                loop.remove_reader(core.log_fileno())
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for t in pending:
                    t.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.close()

        thread = threading.Thread(target=main, name=f"akt-python-{name}", daemon=True)
        thread.start()
        ready.wait()
        self = cls(core, box["loop"], thread)
        _loop_systems[id(self._loop)] = self
        _core_systems[id(core)] = self
        return self

    @classmethod
    async def create(cls, name: str, config: str | None = None, *,
                     config_file=None) -> "ActorSystem":
        """create_blocking for coroutines (it does not block for long)."""
        return cls.create_blocking(name, config, config_file=config_file)

    def actor_of(self, p: Props, name: str | None = None) -> _core.ActorRef:
        """Spawn a top-level actor under /user from props p."""
        if not isinstance(p, Props):
            raise TypeError("actor_of: expected props(...)")
        if p.dispatcher is not None:
            strategy, workers = self._strategy(p.dispatcher)
            if strategy == "python-subprocess":
                return self._pool(p.dispatcher, workers).spawn(p, name)
            if strategy == "python-nogil":
                self._core.add_pool(p.dispatcher, workers)
                return self._core.spawn(p, name)
            if strategy == "python-subinterpreter-pool":
                return self._spawn_sub(p, workers, name)
            p = p._plain  # python-pinned under another name
        return self._core.spawn(p, name)

    def _strategy(self, name):
        """(strategy, workers) of dispatcher name (see Props.with_dispatcher)"""
        if name in _STRATEGIES:
            strategy, workers = name, 2
        else:
            key = f"akt.python.dispatchers.{name}"
            try:
                conf = json.loads(self._core.config_value(key))
            except (_core.AktError, ValueError):
                raise _core.NotFound(
                    f"dispatcher {name!r}: {key} is not in the configuration "
                    f"(or use a strategy name: {', '.join(_STRATEGIES)})") from None
            strategy, workers = _dispatcher_conf(self._core, name, conf)
        _check_strategy_available(strategy)
        return strategy, workers

    def _spawn_sub(self, p, workers, name):
        """python-subinterpreter-pool: the actor is made in one of the
        pool's subinterpreters (round robin) from its class's module path
        and its pickled arguments."""
        cls = p.cls
        what = f"python-subinterpreter-pool {p.dispatcher!r}"
        mbox = None
        # a priority mailbox's function crosses pickled: the mailbox
        # orders on the actor's thread, in its interpreter, with its own
        # import of the function (akt._core sub_priority)
        mailbox = None
        if p.mailbox is not None:
            mbox = p.mailbox._spec()
            if mbox[4] is not None:
                mailbox = p.mailbox
            mbox = mbox[:4]
        mod = getattr(cls, "__module__", None)
        qn = getattr(cls, "__qualname__", None)
        if (not isinstance(mod, str) or not isinstance(qn, str)
                or mod == "__main__" or "<locals>" in qn):
            raise TypeError(
                f"{what}: the actor class must be importable by its module "
                f"path (a module-level class of an importable module): "
                f"{cls!r} is {mod}.{qn}")
        try:
            found = importlib.import_module(mod)
            for part in qn.split("."):
                found = getattr(found, part)
        except Exception as e:  # noqa: BLE001 - said as a TypeError
            raise TypeError(
                f"{what}: the actor class must be importable by its module "
                f"path: {mod}.{qn} is not ({type(e).__name__}: {e})") from e
        if found is not cls:
            raise TypeError(
                f"{what}: {mod}.{qn} is not {cls!r} (redefined?): the "
                f"subinterpreter imports the class by its module path")
        strategy = p._strategy()
        sup = None if strategy is None else strategy._spec()[:7]
        # an fsm or persistent class: its table checked here (errors at
        # once), made again in the subinterpreter; the persistent one's
        # names, bounds and hooks give the definition akt_spawn gets
        is_fsm = isinstance(cls, type) and issubclass(cls, FsmActor)
        persist = None
        if is_fsm:
            cls._akt_fsm_table()
        if isinstance(cls, type) and issubclass(cls, PersistentActor):
            persist = cls._akt_persist_table()
        try:
            spec = pickle.dumps((mod, qn, p.args, p.kwargs, p.supervisor,
                                 mailbox))
        except Exception as e:  # noqa: BLE001 - any pickling error
            raise TypeError(
                f"{what}: the actor's arguments (and with_supervisor's "
                f"strategy, a priority mailbox's function) cross into the "
                f"subinterpreter pickled, and they do not pickle: {e}") from e
        with self._pools_lock:
            entry = self._pools.get(("sub", p.dispatcher))
            if entry is None:
                boot = pickle.dumps([x for x in sys.path
                                     if isinstance(x, str)])
                names = self._core._add_subinterpreters(
                    p.dispatcher, workers, boot)
                entry = self._pools[("sub", p.dispatcher)] = [names, 0]
            names = entry[0]
            k = entry[1] % len(names)
            entry[1] += 1
        return self._core._spawn_sub(names[k], spec, name, sup, mbox, is_fsm,
                                     persist)

    def _pool(self, name, workers):
        from . import _subprocess
        with self._pools_lock:
            pool = self._pools.get(name)
            if pool is None:
                pool = self._pools[name] = _subprocess.Pool(self, name, workers)
        return pool

    def _ensure_remoting(self):
        """The cookie of this system's remoting, started on a private ipc
        socket when it is not running yet (python-subprocess workers reach
        the parent through it)."""
        if self._remote_cookie is None:
            try:
                self._core.remote_address()
            except _core.AktError:
                fd, path = tempfile.mkstemp(prefix="akt-p-", suffix=".sock")
                os.close(fd)
                os.unlink(path)
                cookie = secrets.token_hex(16)
                self.start_remoting(f"ipc://{path}", cookie=cookie)
                self._private_sock = path
            else:
                self._remote_cookie = self._core.config_value("akt.remote.cookie")
        return self._remote_cookie

    def start_persistence(self) -> bool:
        """Open the journal and snapshot store akt.persistence.* names
        (docs/persistence.md), for persistent actors; the first spawn of
        one does it too. False when they were open already; a bad setting
        raises naming the key."""
        return self._core.start_persistence()

    def events_by_tag(self, tag: str, after: int = 0,
                      max: int = 10_000) -> list[tuple[str, int, int, Any]]:
        """The journal's events tagged `tag` (PersistentActor.tags), in
        the journal's offset order, after offset `after` (0: from the
        start), at most `max`: (persistence_id, seq, offset, event) each
        (the event as its generated class; its akt type id when this
        process does not know its type)."""
        if max < 1:
            raise ValueError(f"events_by_tag: max: expected >= 1, got {max}")
        return self._core.events_by_tag(tag, after, max)

    def lookup(self, path: str) -> _core.ActorRef:
        """The actor at path: "/user/a", "akt://sys/user/a", or, with
        remoting started, another node's "akt://sys@host:port/user/a" (a
        ref to its proxy). akt.NotFound when there is none."""
        return self._core.lookup(path)

    def subscribe(self, ref, cls=None) -> None:
        """Deliver the event stream's messages of cls to ref: a generated
        message class, akt.DeadLetter, akt.UnhandledMessage, akt.LogEvent,
        object (every plain Python object published) or None (all)."""
        self._core.subscribe(_unwrap(ref), cls)

    def unsubscribe(self, ref, cls=None) -> bool:
        return self._core.unsubscribe(_unwrap(ref), cls)

    def publish(self, msg) -> None:
        """Publish msg on the event stream (one shared message to every
        subscriber of its type)."""
        self._core.publish(msg)

    def log(self, level: int, text: str) -> None:
        """Log through akt (1 error .. 4 debug, or a logging level): the
        event stream's LogEvent subscribers see it, and the bridge hands it
        to the "akt" logger."""
        self._core.log(_FROM_LOGGING.get(level, level), text)

    def router(self, logic: str, props: "Props | None" = None, *,
               instances: int = 0, paths=None, key=None, within=None,
               interval=None, lower: int = 0, upper: int = 0,
               resize_every: int = 0, seed: int = 0,
               name: str | None = None) -> "RouterRef":
        """A router under /user: a pool of `instances` actors from props,
        or a group of existing actors by path. logic: round-robin, random,
        broadcast, consistent-hash (key: a function of the message, run
        with the GIL on the router's thread), smallest-mailbox,
        scatter-gather / tail-chopping (within, interval in seconds)."""
        return RouterRef(self._core.router(
            logic, props, instances, None if paths is None else list(paths),
            key, within, interval, lower, upper, resize_every, seed, name))

    def start_remoting(self, listen: str | None = None, *,
                       cookie: str | None = None,
                       advertised: str | None = None) -> str:
        """Start remoting (docs/remoting.md): listen on an NNG URL
        ("tcp://127.0.0.1:0", "ipc:///tmp/x.sock"), accept peers with the
        cookie; None takes akt.remote.* from the configuration. Messages of
        generated modules cross as their akt types (C nodes read them),
        other objects pickled. Returns this system's address."""
        self._core.start_remote(listen, cookie, advertised)
        self._remote_cookie = cookie
        return self._core.remote_address()

    @property
    def address(self) -> str:
        """akt://name@host:port (remoting started)"""
        return self._core.remote_address()

    def path_of(self, ref) -> str:
        """The path other nodes reach ref under (with this system's
        address once remoting runs)."""
        if isinstance(ref, TypedRef):
            ref = ref.ref
        return self._core.ref_path(ref)

    def stats(self) -> dict:
        """live_actors, live_futures, dead_letters, live_messages (after
        terminate_blocking: the last counts, taken once every actor
        stopped)."""
        if self._final_stats is not None:
            return dict(self._final_stats)
        return self._core.stats()

    def terminate_blocking(self, timeout: float = 30.0) -> None:
        """Stop every actor (children first), then the Python thread, then
        free the system. Handlers still suspended are canceled first."""
        if threading.current_thread() is self._thread:
            raise _core.error_classes[21]("terminate_blocking from a handler "
                                          "would wait for itself; use ctx.stop")
        if self._final_stats is not None:
            return
        loop = self._loop
        if not loop.is_closed():
            def cancel_all():
                for t in list(self._tasks):
                    t.cancel()
            try:
                loop.call_soon_threadsafe(cancel_all)
            except RuntimeError:
                pass
        self._core.terminate()
        ok = self._core.await_termination(timeout)
        if not ok:
            raise _core.error_classes[7](
                f"actor system {self.name!r} did not terminate in {timeout}s")
        self._final_stats = self._core.stats()
        for pool in self._pools.values():
            if not isinstance(pool, list):  # (subinterpreters: the free)
                pool.close()
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:
            pass
        self._thread.join(timeout)
        _loop_systems.pop(id(loop), None)
        _core_systems.pop(id(self._core), None)
        self._core.free()
        sock = getattr(self, "_private_sock", None)
        if sock is not None:
            try:
                os.unlink(sock)
            except OSError:
                pass

    async def terminate(self, timeout: float = 30.0) -> None:
        """terminate_blocking in a worker thread (not from a handler)."""
        await asyncio.to_thread(self.terminate_blocking, timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.terminate_blocking()


# --- python-subinterpreter-pool: what runs inside a subinterpreter ----------

_sub_props_cache: dict[bytes, Props] = {}


def _sub_props(spec):
    """In a subinterpreter: the Props an actor spawned there from the main
    interpreter is made from (its class imported here by module path; one
    Props per spec, so its restarts share it)."""
    p = _sub_props_cache.get(spec)
    if p is None:
        mod, qn, args, kwargs, sup, mailbox = pickle.loads(spec)
        cls = importlib.import_module(mod)
        for part in qn.split("."):
            cls = getattr(cls, part)
        p = props(cls, *args, **kwargs)
        if sup is not None:  # (its children's: the decider runs here)
            p = p.with_supervisor(sup)
        if mailbox is not None:  # a priority mailbox: its function, here
            p = p.with_mailbox(mailbox.kind, priority=mailbox.priority)
        _sub_props_cache[spec] = p
    return p


def _subinterp_main(cap, name):
    """The thread of one python-subinterpreter-pool interpreter (pydisp.c
    starts it): an asyncio loop that drains its dispatcher, as the main
    interpreter's loop drains python-pinned, until the system is freed."""
    core = _core._view(cap)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)

    def drain():
        core.drain()
        if core._stopping():
            loop.stop()

    loop.add_reader(core.fileno(), drain)
    system = ActorSystem(core, loop, None)
    _loop_systems[id(loop)] = system
    _core_systems[id(core)] = system
    core._sub_ready()
    try:
        loop.run_forever()
    finally:
        loop.remove_reader(core.fileno())
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            loop.run_until_complete(
                asyncio.gather(*pending, return_exceptions=True))
        loop.close()
        _loop_systems.pop(id(loop), None)
        _core_systems.pop(id(core), None)
        _sub_props_cache.clear()
        core._detach()
        # the dummy Thread that threading.current_thread() (logging) made
        # for this thread goes now, while the threading module still works
        local = getattr(threading, "_thread_local_info", None)
        if local is not None:
            try:
                del local._track_dummy_thread_ref
            except AttributeError:
                pass
