"""Supervisor strategies, mailbox kinds and become from Python
(docs/python.md, "Supervision, mailboxes and become"): deciders as
mappings of exception types or callables that see the handler's own
exception, restart limits in a window, one-for-one / all-for-one /
rest-for-one, backoff, bounded mailboxes with each overflow strategy (block
releases the GIL), priority mailboxes, and become / unbecome."""
import asyncio
import logging
import threading
import time

import pytest

import akt
from akt import (Actor, AllForOneStrategy, Directive, OneForOneStrategy,
                 RestForOneStrategy, props)
from conftest import Seen


class Counter(Actor):
    """counts its messages; fails with the exception it is sent"""

    starts: dict = {}
    started: Seen = Seen()      # the names, one per start: a test waits on it

    def __init__(self, name="c"):
        self.name = name
        self.count = 0

    def pre_start(self, ctx):
        Counter.starts[self.name] = Counter.starts.get(self.name, 0) + 1
        Counter.started.append(self.name)

    def handle(self, ctx, msg):
        if isinstance(msg, BaseException):
            raise msg
        if msg == "count":
            return self.count
        self.count += 1
        return self.count


class Parent(Actor):
    """spawns children from a list of names; forwards (name, msg) asks"""

    def __init__(self, names):
        self.names = names
        self.kids = {}

    def pre_start(self, ctx):
        for n in self.names:
            self.kids[n] = ctx.spawn(props(Counter, n), n)

    async def handle(self, ctx, msg):
        if msg == "kids":
            return dict(self.kids)
        name, m = msg
        return await self.kids[name].ask(m)


def spawn_parent(system, strategy, names=("a",)):
    Counter.starts = {}
    Counter.started = Seen()
    p = system.actor_of(props(Parent, list(names)).with_supervisor(strategy))
    return p, p.ask_blocking("kids")


def fail(kid, exc):
    with pytest.raises(akt.HandlerFailed):
        kid.ask_blocking(exc)


def test_a_mapping_decider_picks_the_directive_by_exception_type(system):
    # the most specific class in the exception's MRO wins
    s = OneForOneStrategy({ValueError: Directive.RESUME,
                           KeyError: Directive.STOP,
                           Exception: Directive.RESTART})
    _, kids = spawn_parent(system, s)
    a = kids["a"]
    a.ask_blocking("x")
    a.ask_blocking("x")
    fail(a, ValueError("keep my state"))          # resume: the count stays
    assert a.ask_blocking("count") == 2
    fail(a, RuntimeError("start again"))          # restart: a fresh instance
    assert a.ask_blocking("count") == 0
    assert Counter.starts["a"] == 2
    done = a.watch()
    fail(a, KeyError("stop"))                     # stop
    assert isinstance(done.result(5), akt.Terminated)


def test_a_callable_decider_sees_the_exception_the_handler_raised(system):
    seen = []

    def decider(exc):
        seen.append(exc)
        return Directive.RESUME

    _, kids = spawn_parent(system, OneForOneStrategy(decider))
    boom = ValueError("the very one")
    fail(kids["a"], boom)
    assert kids["a"].ask_blocking("count") == 0
    assert seen == [boom] and seen[0] is boom


def test_an_async_handler_failure_reaches_the_decider_too(system):
    seen = []

    class AsyncFailer(Actor):
        async def handle(self, ctx, msg):
            await asyncio.sleep(0)              # really suspends
            raise LookupError(msg)

    class Sup(Actor):
        supervisor_strategy = OneForOneStrategy(
            lambda e: seen.append(e) or Directive.STOP)

        def pre_start(self, ctx):
            self.kid = ctx.spawn(props(AsyncFailer))

        def handle(self, ctx, msg):
            return self.kid

    kid = system.actor_of(props(Sup)).ask_blocking("kid")
    done = kid.watch()
    with pytest.raises(akt.HandlerFailed, match="LookupError"):
        kid.ask_blocking("after await")
    assert isinstance(done.result(5), akt.Terminated)
    assert len(seen) == 1 and isinstance(seen[0], LookupError)
    assert seen[0].args == ("after await",)


def test_a_constructor_failing_on_restart_reaches_the_decider_as_itself(system):
    # (a restart that fails is a failure like any other)
    seen = []

    class Fussy(Actor):
        made = 0

        def __init__(self):
            Fussy.made += 1
            if Fussy.made > 1:
                raise OSError("no disk")

        def handle(self, ctx, msg):
            raise ValueError(msg)

    class Sup(Actor):
        supervisor_strategy = OneForOneStrategy(
            lambda e: seen.append(e) or (Directive.RESTART if isinstance(e, ValueError)
                                         else Directive.STOP))

        def pre_start(self, ctx):
            self.kid = ctx.spawn(props(Fussy))

        def handle(self, ctx, msg):
            return self.kid

    kid = system.actor_of(props(Sup)).ask_blocking("kid")
    done = kid.watch()
    fail(kid, "restart me")
    assert isinstance(done.result(5), akt.Terminated)
    assert [type(e) for e in seen] == [ValueError, OSError]
    assert str(seen[1]) == "no disk"


def test_the_supervisors_line_names_a_failed_constructor(system, akt_lines):
    # an __init__ that raises: the actor does not start, and the line its
    # supervisor logs carries the exception's text (not just the code)
    class Broken(Actor):
        def __init__(self):
            raise OSError("no disk")

        def handle(self, ctx, msg):
            return msg

    done = system.actor_of(props(Broken), "broken").watch()
    assert isinstance(done.result(10), akt.Terminated)  # (the default: stop)
    line = ("[akt://test/user/broken] start failed: OSError: no disk "
            "(EFAILED); stopping")
    akt_lines.wait(lambda s: line in s, within=10, what="the supervisor's line")


def test_asks_queued_while_a_start_fails_carry_its_reason(system):
    # asks queued to an actor whose __init__ then raises (the default
    # strategy stops it) fail with ActorStopped naming the start's
    # exception, not a bare "stopped". The constructor holds until the
    # asks are in the mailbox, so all three meet the failed incarnation.
    entered, go = threading.Event(), threading.Event()

    class Late(Actor):
        def __init__(self):
            entered.set()
            go.wait(30)
            raise OSError("no disk")

        def handle(self, ctx, msg):
            return msg

    ref = system.actor_of(props(Late))
    assert entered.wait(30)
    futs = [ref.ask(i, timeout=30) for i in range(3)]
    go.set()
    for f in futs:
        with pytest.raises(akt.ActorStopped,
                           match="the actor stopped: its start failed: "
                                 "OSError: no disk"):
            f.result(30)


def test_a_failing_first_start_asks_the_supervisor(system):
    # as Akka's ActorInitializationException: the decider sees the
    # constructor's (or pre_start's) own exception on the first start; a
    # restart starts the actor anew and it answers; without a strategy (the
    # default) the actor stops
    seen = []

    class Shy(Actor):
        made = 0

        def __init__(self):
            Shy.made += 1
            if Shy.made == 1:
                raise OSError("not yet")

        def pre_start(self, ctx):
            if Shy.made == 2:
                raise KeyError("still not")

        def handle(self, ctx, msg):
            return (Shy.made, msg)

    class Sup(Actor):
        supervisor_strategy = OneForOneStrategy(
            lambda e: seen.append(e) or Directive.RESTART)

        def handle(self, ctx, msg):
            return ctx.spawn(props(Shy) if msg == "shy" else props(Counter, "x"))

    sup = system.actor_of(props(Sup))
    kid = sup.ask_blocking("shy")
    assert kid.ask_blocking("hi", timeout=5) == (3, "hi")   # the third start
    assert [type(e) for e in seen] == [OSError, KeyError]
    assert str(seen[0]) == "not yet"

    Shy.made = 0
    orphan = system.actor_of(props(Shy))     # /user's default strategy
    assert isinstance(orphan.watch().result(5), akt.Terminated)
    assert Shy.made == 1


def test_an_exception_no_entry_matches_escalates_to_the_supervisor(system):
    # the parent fails in turn; its own supervisor (/user's default)
    # restarts it, which stops its children and spawns them again
    p, kids = spawn_parent(system, OneForOneStrategy({ValueError: Directive.RESUME}))
    fail(kids["a"], TypeError("nobody handles me"))
    # the second start of "a" is the child the restarted parent spawned
    Counter.started.wait(lambda l: l.count("a") >= 2, what="the parent's restart")
    assert p.ask_blocking("kids")["a"] != kids["a"]
    assert Counter.starts["a"] == 2


def test_a_decider_that_raises_is_logged_and_escalates(system, caplog):
    def decider(exc):
        raise RuntimeError("decider bug")

    p, kids = spawn_parent(system, OneForOneStrategy(decider))
    with caplog.at_level(logging.ERROR, logger="akt"):
        fail(kids["a"], ValueError("x"))
        Counter.started.wait(lambda l: l.count("a") >= 2, what="the parent's restart")
        assert p.ask_blocking("kids")["a"] != kids["a"]
    assert any("decider failed" in r.getMessage() and "decider bug" in r.getMessage()
               for r in caplog.records)


def test_max_restarts_within_the_window_then_the_child_is_stopped(system):
    _, kids = spawn_parent(system, OneForOneStrategy(max_restarts=2, within=60))
    a = kids["a"]
    done = a.watch()
    fail(a, ValueError("1"))
    fail(a, ValueError("2"))
    assert a.ask_blocking("x") == 1       # restarted twice, still alive
    assert Counter.starts["a"] == 3
    fail(a, ValueError("3"))              # the third in the window: stopped
    assert isinstance(done.result(5), akt.Terminated)


def test_max_restarts_zero_stops_on_the_first_failure(system):
    _, kids = spawn_parent(system, OneForOneStrategy(max_restarts=0))
    done = kids["a"].watch()
    fail(kids["a"], ValueError("once"))
    assert isinstance(done.result(5), akt.Terminated)
    assert Counter.starts["a"] == 1


def test_all_for_one_restarts_every_child(system):
    _, kids = spawn_parent(system, AllForOneStrategy(), names=("a", "b"))
    kids["a"].ask_blocking("x")
    kids["b"].ask_blocking("x")
    fail(kids["a"], ValueError("one fails"))
    assert kids["a"].ask_blocking("count") == 0
    assert kids["b"].ask_blocking("count") == 0      # restarted too
    assert Counter.starts == {"a": 2, "b": 2}


def test_one_for_one_leaves_the_siblings_alone(system):
    _, kids = spawn_parent(system, OneForOneStrategy(), names=("a", "b"))
    kids["b"].ask_blocking("x")
    fail(kids["a"], ValueError("one fails"))
    assert kids["b"].ask_blocking("count") == 1
    # (a's restart runs after its asker got the failure: wait for it)
    Counter.started.wait(lambda s: s.count("a") == 2, what="a's restart")
    assert Counter.starts == {"a": 2, "b": 1}


def test_rest_for_one_restarts_the_failed_child_and_later_ones(system):
    _, kids = spawn_parent(system, RestForOneStrategy(), names=("a", "b", "c"))
    for k in kids.values():
        k.ask_blocking("x")
    fail(kids["b"], ValueError("middle"))
    assert [kids[n].ask_blocking("count") for n in "abc"] == [1, 0, 0]


def test_backoff_delays_the_restart(system):
    failed_at = []

    class Sup(Actor):
        supervisor_strategy = OneForOneStrategy(min_backoff=0.2, max_backoff=1.0)

        def pre_start(self, ctx):
            self.kid = ctx.spawn(props(Counter, "slow"))

        def handle(self, ctx, msg):
            return self.kid

    Counter.starts = {}
    kid = system.actor_of(props(Sup)).ask_blocking("kid")
    failed_at.append(time.monotonic())
    fail(kid, ValueError("x"))
    assert kid.ask_blocking("count", timeout=5) == 0   # after the restart
    assert time.monotonic() - failed_at[0] >= 0.18
    assert Counter.starts["slow"] == 2


def test_the_class_attribute_and_with_supervisor(system):
    class Sup(Parent):
        supervisor_strategy = OneForOneStrategy({Exception: Directive.RESUME})

    Counter.starts = {}
    kids = system.actor_of(props(Sup, ["a"])).ask_blocking("kids")
    kids["a"].ask_blocking("x")
    fail(kids["a"], ValueError("resumed by the class's strategy"))
    assert kids["a"].ask_blocking("count") == 1
    # with_supervisor wins over the class attribute
    p = props(Sup, ["b"]).with_supervisor(OneForOneStrategy(max_restarts=0))
    kids = system.actor_of(p).ask_blocking("kids")
    done = kids["b"].watch()
    fail(kids["b"], ValueError("stopped"))
    assert isinstance(done.result(5), akt.Terminated)


def test_bad_strategies_are_refused_with_the_reason():
    with pytest.raises(TypeError, match="not an exception class"):
        OneForOneStrategy({"ValueError": Directive.STOP})
    with pytest.raises(ValueError, match="ValueError: 7 is not a Directive"):
        OneForOneStrategy({ValueError: 7})
    with pytest.raises(TypeError, match="expected None, a mapping"):
        OneForOneStrategy(42)
    with pytest.raises(ValueError, match="max_restarts"):
        OneForOneStrategy(max_restarts=-2)
    with pytest.raises(ValueError, match="within: expected seconds > 0"):
        OneForOneStrategy(within=0)
    with pytest.raises(TypeError, match="within: expected seconds"):
        OneForOneStrategy(within="1m")
    with pytest.raises(TypeError, match="use OneForOneStrategy"):
        akt.SupervisorStrategy()
    with pytest.raises(TypeError, match="expected a SupervisorStrategy"):
        props(Counter).with_supervisor({ValueError: Directive.STOP})


def test_a_bad_class_attribute_fails_the_spawn(system):
    class Bad(Actor):
        supervisor_strategy = "restart please"

        def handle(self, ctx, msg):
            pass

    with pytest.raises(TypeError, match="Bad.supervisor_strategy"):
        system.actor_of(props(Bad))


def test_decide_is_the_strategy_without_the_limit():
    s = OneForOneStrategy({LookupError: Directive.STOP, KeyError: Directive.RESUME})
    assert s.decide(KeyError()) is Directive.RESUME      # most specific
    assert s.decide(IndexError()) is Directive.STOP
    assert s.decide(ValueError()) is Directive.ESCALATE  # no entry
    assert OneForOneStrategy().decide(ValueError()) is Directive.RESTART


# --- mailboxes ---------------------------------------------------------------

class Gated(Actor):
    """"hold" parks the actor (an async handler awaiting a gate) so later
    messages wait in its mailbox; then it logs what it gets"""

    def __init__(self, held, gates):
        self.held, self.gates = held, gates
        self.log = gates.seen

    async def handle(self, ctx, msg):
        if msg == "hold":
            gate = asyncio.Event()
            self.gates.append((asyncio.get_running_loop(), gate))
            self.held.set()
            await gate.wait()
            return None
        if msg == "log":
            return list(self.log)
        self.log.append(msg)
        return None


class Gates(list):
    seen: Seen


def gated(system, p):
    """an actor parked on "hold"; release(n) opens the gate and waits
    until it handled n messages (so the mailbox has room again)"""
    held, gates = threading.Event(), Gates()
    gates.seen = Seen()
    ref = system.actor_of(p(Gated, held, gates))
    ref.tell("hold")
    assert held.wait(5)

    def release(n=0):
        loop, gate = gates.pop()
        loop.call_soon_threadsafe(gate.set)
        gates.seen.wait(lambda l: len(l) >= n, what=f"{n} handled")
    return ref, release


def bounded(overflow, **kw):
    return lambda *a: props(*a).with_mailbox("bounded", capacity=3,
                                             overflow=overflow, **kw)


def test_bounded_drop_new_sends_the_newest_to_dead_letters(system):
    ref, release = gated(system, bounded("drop-new"))
    before = system.stats()["dead_letters"]
    for i in range(5):
        ref.tell(i)
    assert system.stats()["dead_letters"] - before == 2
    release(3)
    assert ref.ask_blocking("log") == [0, 1, 2]


def test_bounded_drop_head_drops_the_oldest(system):
    ref, release = gated(system, bounded("drop-head"))
    for i in range(5):
        ref.tell(i)
    release(3)
    assert ref.ask_blocking("log") == [2, 3, 4]


def test_bounded_fail_raises_mailbox_full_on_the_sender(system):
    ref, release = gated(system, bounded("fail"))
    for i in range(3):
        ref.tell(i)
    with pytest.raises(akt.MailboxFull):
        ref.tell(3)
    release(3)
    assert ref.ask_blocking("log") == [0, 1, 2]


def test_bounded_block_waits_with_the_gil_released(system):
    # the sender blocks in tell; the gate is opened by the actors' thread,
    # which needs the GIL: only a tell that released it can finish
    ref, release = gated(system, bounded("block", block_timeout=10.0))
    for i in range(3):
        ref.tell(i)
    threading.Timer(0.1, release).start()
    ref.tell(3)                      # waits for room
    assert ref.ask_blocking("log", timeout=10) == [0, 1, 2, 3]


def test_bounded_block_times_out_with_mailbox_full(system):
    ref, release = gated(system, bounded("block", block_timeout=0.1))
    for i in range(3):
        ref.tell(i)
    t0 = time.monotonic()
    with pytest.raises(akt.MailboxFull):
        ref.tell(3)
    assert time.monotonic() - t0 >= 0.09
    release()


def test_a_block_mailbox_of_the_actors_own_thread_fails_at_once(system):
    # a Python actor telling a full block mailbox of another Python actor:
    # both run on one thread, so waiting could only time out
    ref, release = gated(system, bounded("block", block_timeout=30.0))
    for i in range(3):
        ref.tell(i)

    class Sender(Actor):
        def handle(self, ctx, msg):
            try:
                ref.tell("more")
            except akt.MailboxFull as e:
                return str(e)
            return "sent"

    t0 = time.monotonic()
    text = system.actor_of(props(Sender)).ask_blocking("go", timeout=10)
    assert time.monotonic() - t0 < 5
    assert "cannot wait for room" in text
    release()


def test_a_priority_mailbox_serves_lower_numbers_first(system):
    def prio(msg):
        return msg[0] if isinstance(msg, tuple) else 100
    ref, release = gated(system, lambda *a: props(*a).with_mailbox(
        "priority", priority=prio))
    for m in [(5, "e"), (1, "a"), (3, "c"), (1, "b"), (2, "x")]:
        ref.tell(m)
    release(5)
    assert ref.ask_blocking("log") == [(1, "a"), (1, "b"), (2, "x"), (3, "c"), (5, "e")]


def test_a_priority_function_that_raises_is_logged_and_gives_zero(system, caplog):
    def prio(msg):
        if msg == "bad":
            raise ValueError("no priority for you")
        return msg if isinstance(msg, int) else 100
    with caplog.at_level(logging.ERROR, logger="akt"):
        ref, release = gated(system, lambda *a: props(*a).with_mailbox(
            "priority", priority=prio))
        ref.tell(5)
        ref.tell("bad")
        release(2)
        assert ref.ask_blocking("log") == ["bad", 5]
    assert any("priority function failed" in r.getMessage() for r in caplog.records)


def test_bad_mailboxes_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="kind 'huge': expected one of unbounded"):
        props(Counter).with_mailbox("huge")
    with pytest.raises(ValueError, match="capacity: expected an int >= 1"):
        props(Counter).with_mailbox("bounded", capacity=0)
    with pytest.raises(ValueError, match="overflow 'explode'"):
        props(Counter).with_mailbox("bounded", overflow="explode")
    with pytest.raises(TypeError, match="priority must be a callable"):
        props(Counter).with_mailbox("priority")
    with pytest.raises(ValueError, match="for a bounded mailbox"):
        props(Counter).with_mailbox("unbounded", capacity=3)
    with pytest.raises(ValueError, match="block_timeout: expected seconds > 0"):
        props(Counter).with_mailbox("bounded", block_timeout=-1)


# --- become ------------------------------------------------------------------

class Moody(Actor):
    def handle(self, ctx, msg):
        if msg == "angry":
            ctx.become(self.angry)
            return "became angry"
        if msg == "push-sad":
            ctx.become(self.sad, discard_old=False)
            return "pushed sad"
        if isinstance(msg, Exception):
            raise msg
        return f"happy: {msg}"

    async def angry(self, ctx, msg):
        if msg == "calm":
            ctx.unbecome()
            return "calmed"
        if msg == "push-sad":
            ctx.become(self.sad, discard_old=False)
            return "pushed sad"
        if isinstance(msg, Exception):
            raise msg
        await asyncio.sleep(0)
        return f"angry: {msg}"

    def sad(self, ctx, msg):
        if msg == "pop":
            ctx.unbecome()
            return "popped"
        return f"sad: {msg}"


def test_become_and_unbecome(system):
    ref = system.actor_of(props(Moody))
    assert ref.ask_blocking("hi") == "happy: hi"
    assert ref.ask_blocking("angry") == "became angry"
    assert ref.ask_blocking("hi") == "angry: hi"      # an async behaviour
    assert ref.ask_blocking("push-sad") == "pushed sad"
    assert ref.ask_blocking("hi") == "sad: hi"
    assert ref.ask_blocking("pop") == "popped"        # back to angry
    assert ref.ask_blocking("hi") == "angry: hi"
    assert ref.ask_blocking("calm") == "calmed"       # empty stack: handle
    assert ref.ask_blocking("hi") == "happy: hi"


def test_a_restart_goes_back_to_handle(system):
    ref = system.actor_of(props(Moody))
    ref.ask_blocking("angry")
    with pytest.raises(akt.HandlerFailed):
        ref.ask_blocking(ValueError("in the angry behaviour"))
    assert ref.ask_blocking("hi") == "happy: hi"


def test_become_is_checked(system):
    class Misuse(Actor):
        async def handle(self, ctx, msg):
            if msg == "not callable":
                ctx.become(42)
            await asyncio.sleep(0)
            ctx.become(self.handle)              # after the first await

    ref = system.actor_of(props(Misuse))
    with pytest.raises(akt.HandlerFailed, match="TypeError: become: expected a callable"):
        ref.ask_blocking("not callable")
    with pytest.raises(akt.HandlerFailed, match="before its first await"):
        ref.ask_blocking("late")
