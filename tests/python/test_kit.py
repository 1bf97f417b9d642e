"""The akt kit from Python actors: timers and the receive timeout, the
stash, routers (pools of Python actors, groups, each logic), the event
stream (dead letters, published messages and log events as Python
objects) and akt's log bridged to Python's logging. Waits are on events
the actors set, never on fixed sleeps."""
import logging
import threading

import pytest

import akt
from akt import Actor, props


class Probe:
    """collects what actors report, and lets a test wait for a count"""

    def __init__(self):
        self.items = []
        self.cv = threading.Condition()

    def add(self, x):
        with self.cv:
            self.items.append(x)
            self.cv.notify_all()

    def wait(self, n, timeout=10.0):
        with self.cv:
            assert self.cv.wait_for(lambda: len(self.items) >= n, timeout), self.items
            return list(self.items)


# --- timers ------------------------------------------------------------------

def test_single_and_periodic_timers_deliver_to_self(system):
    probe = Probe()

    class Ticker(Actor):
        def __init__(self):
            self.ticks = 0

        def pre_start(self, ctx):
            ctx.start_timer("once", "single", 0.01)
            ctx.start_timer("tick", "tick", 0.01, interval=0.01)

        def handle(self, ctx, msg):
            if msg == "tick":
                self.ticks += 1
                if self.ticks == 3:
                    assert ctx.cancel_timer("tick") is True
                    assert ctx.timer_active("tick") is False
                    probe.add("stopped")
                return
            probe.add(msg)
    system.actor_of(props(Ticker))
    assert sorted(probe.wait(2)) == ["single", "stopped"]


def test_a_timer_under_the_same_key_replaces_the_old_one(system):
    probe = Probe()

    class Replacer(Actor):
        def handle(self, ctx, msg):
            if msg == "go":
                ctx.start_timer("k", "first", 0.05)
                ctx.start_timer("k", "second", 0.01)
                assert ctx.timer_active("k")
            else:
                probe.add(msg)
                ctx.start_timer("after", "done", 0.1)
                if msg == "done":
                    ctx.cancel_all_timers()
    ref = system.actor_of(props(Replacer))
    ref.tell("go")
    items = probe.wait(2)
    assert items[:2] == ["second", "done"] and "first" not in items


def test_receive_timeout_arrives_when_idle(system):
    probe = Probe()

    class Idle(Actor):
        def pre_start(self, ctx):
            ctx.set_receive_timeout(0.02)

        def handle(self, ctx, msg):
            if isinstance(msg, akt.ReceiveTimeout):
                probe.add(msg)
                ctx.set_receive_timeout(None)
    system.actor_of(props(Idle))
    [rt] = probe.wait(1)
    assert rt == akt.ReceiveTimeout(0.02)


def test_timer_calls_outside_the_handler_raise(system):
    seen = Probe()

    class Late(Actor):
        async def handle(self, ctx, msg):
            await akt_sleep()
            try:
                ctx.start_timer("x", "y", 1)
            except akt.InvalidState as e:
                seen.add(str(e))
            with_bad = None
            try:
                ctx.stash()
            except akt.InvalidState as e:
                with_bad = str(e)
            seen.add(with_bad)
    system.actor_of(props(Late)).tell("go")
    a, b = seen.wait(2)
    assert "only inside the handler" in a and "stash" in b


async def akt_sleep():
    import asyncio
    await asyncio.sleep(0)


def test_bad_timer_arguments_are_clear_errors(system):
    errors = Probe()

    class Bad(Actor):
        def handle(self, ctx, msg):
            for args in [("k", "m", -1), ("k", "m", 1, 0), ({}, "m", 1)]:
                try:
                    ctx.start_timer(*args)
                except (ValueError, TypeError) as e:
                    errors.add(type(e).__name__)
    system.actor_of(props(Bad)).tell("go")
    assert errors.wait(3) == ["ValueError", "ValueError", "TypeError"]


# --- stash -------------------------------------------------------------------

def test_stash_keeps_messages_and_their_senders_until_unstashed(system):
    class Door(Actor):
        def __init__(self):
            self.open = False
            self.log = []

        def handle(self, ctx, msg):
            if msg == "open":
                self.open = True
                return ctx.unstash_all()
            if not self.open:
                ctx.stash()
                return None
            self.log.append(msg)
            return f"handled {msg}"
    ref = system.actor_of(props(Door))
    futs = [ref.ask(i) for i in range(5)]
    assert not any(f.done() for f in futs)
    assert ref.ask_blocking("open") == 5
    assert [f.result(5) for f in futs] == [f"handled {i}" for i in range(5)]


def test_a_full_stash_is_an_error_the_handler_sees(system):
    class Hoarder(Actor):
        def pre_start(self, ctx):
            pass

        def handle(self, ctx, msg):
            if msg == "size":
                return ctx.stash_size()
            try:
                ctx.stash()
            except akt.MailboxFull:
                return "full"
    ref = system.actor_of(props(Hoarder))
    cap = system._core.config_value("akt.actor.stash-capacity")
    replies = [ref.ask(i) for i in range(int(cap) + 1)]
    assert replies[-1].result(5) == "full"
    assert ref.ask_blocking("size") == int(cap)


# --- routers -------------------------------------------------------------------

class WhoAmI(Actor):
    def handle(self, ctx, msg):
        return (ctx.self, msg)


def test_round_robin_pool_of_python_actors(system):
    r = system.router("round-robin", props(WhoAmI), instances=3, name="rr")
    assert len(r.routees()) == 3
    seen = [r.ask_blocking(i)[0] for i in range(6)]
    assert len(set(seen)) == 3 and seen[:3] == seen[3:]


def test_broadcast_reaches_every_routee(system):
    probe = Probe()

    class Member(Actor):
        def handle(self, ctx, msg):
            probe.add((ctx.self, msg))
    r = system.router("random", props(Member), instances=4, seed=7)
    r.broadcast("hello all")
    got = probe.wait(4)
    assert {m for _, m in got} == {"hello all"} and len({s for s, _ in got}) == 4


def test_consistent_hash_with_a_python_key(system):
    r = system.router("consistent-hash", props(WhoAmI), instances=4,
                      key=lambda m: m["user"])
    first = {u: r.ask_blocking({"user": u})[0] for u in "abcdefgh"}
    for _ in range(3):
        for u in "abcdefgh":
            assert r.ask_blocking({"user": u, "n": 1})[0] == first[u]
    assert len(set(first.values())) > 1


def test_group_router_and_scatter_gather(system):
    a = system.actor_of(props(WhoAmI), "a")
    b = system.actor_of(props(WhoAmI), "b")
    g = system.router("scatter-gather", paths=["/user/a", "/user/b"], within=5.0)
    who, msg = g.ask_blocking("first wins")
    assert who in (a, b) and msg == "first wins"


def test_bad_router_arguments_are_clear_errors(system):
    with pytest.raises(ValueError, match="unknown logic 'fastest'"):
        system.router("fastest", props(WhoAmI), instances=1)
    with pytest.raises(ValueError, match="not both"):
        system.router("random")
    with pytest.raises(TypeError, match="consistent-hash needs key="):
        system.router("consistent-hash", props(WhoAmI), instances=2)
    with pytest.raises(ValueError, match="instances > 0"):
        system.router("random", props(WhoAmI))


# --- the event stream ------------------------------------------------------------

def test_dead_letters_reach_a_python_subscriber(system):
    probe = Probe()

    class Watcher(Actor):
        def handle(self, ctx, msg):
            probe.add(msg)
    w = system.actor_of(props(Watcher))
    system.subscribe(w, akt.DeadLetter)
    gone = system.actor_of(props(WhoAmI))
    gone.stop()
    gone.watch().result(5)
    gone.tell({"lost": True})
    dl = next(x for x in probe.wait(1) if isinstance(x, akt.DeadLetter))
    assert dl.message == {"lost": True} and dl.recipient == gone
    assert system.unsubscribe(w, akt.DeadLetter) is True


def test_published_objects_and_generated_messages(system, gen):
    import greeter_akt as g
    probe = Probe()

    class Sub(Actor):
        def handle(self, ctx, msg):
            probe.add(msg)
    objs = system.actor_of(props(Sub))
    hellos = system.actor_of(props(Sub))
    system.subscribe(objs, object)
    system.subscribe(hellos, g.Hello)
    system.publish(("plain", 1))
    system.publish(g.Hello(name="pub"))
    assert sorted(map(repr, probe.wait(2))) == ["('plain', 1)", "Hello(name='pub')"]
    with pytest.raises(TypeError, match="subscribe: expected"):
        system.subscribe(objs, int)


def test_akt_log_reaches_python_logging_and_subscribers(system):
    probe = Probe()
    got = threading.Event()
    records = []

    class Handler(logging.Handler):
        def emit(self, record):
            if "bridge me" in record.getMessage():
                records.append(record)
                got.set()

    class Sub(Actor):
        def handle(self, ctx, msg):
            probe.add(msg)
    logger = logging.getLogger("akt")
    h = Handler()
    logger.addHandler(h)
    try:
        system.subscribe(system.actor_of(props(Sub)), akt.LogEvent)
        system.log(logging.WARNING, "bridge me")
        assert got.wait(10)
    finally:
        logger.removeHandler(h)
    rec = records[0]
    assert rec.levelno == logging.WARNING and rec.name == "akt"
    assert rec.getMessage() == "[akt://test] bridge me"
    assert rec.akt_path == "akt://test"
    ev = probe.wait(1)[0]
    assert isinstance(ev, akt.LogEvent) and ev.text == "bridge me" and ev.level == 2
    with pytest.raises(ValueError, match="level is 1"):
        system.log(7, "x")


# --- errors --------------------------------------------------------------------

def test_every_akt_err_code_has_a_class_in_one_tree():
    import re
    import pathlib
    err_h = (pathlib.Path(__file__).resolve().parents[2] /
             "runtime/include/akt/err.h").read_text()
    codes = re.findall(r"X\((E[A-Z]+),\s*(\d+)", err_h)
    assert codes
    for name, value in codes:
        cls = akt.error_classes[int(value)]
        assert issubclass(cls, akt.AktError) and cls.name == name
