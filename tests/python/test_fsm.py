"""FSM actors from Python (docs/python.md, "FSM actors"): aktc --py_out
gives an actor with an fsm block a typed state enum and a base class with
one handler per line, run by akt's FSM runtime: transitions after the
handler, ctx.stay / ctx.stop / ctx.goto (only the line's target), state
timeouts (armed on entering, cancelled on leaving), on_enter / on_exit /
on_transition hooks, the unhandled policies, replies, async handlers,
restarts in the initial state, and failures that name the cause."""
import asyncio
import logging
import sys
import threading

import pytest

import akt
from akt import props
from conftest import Seen, run_aktc

TURNSTILE = """
package pyfsm;

message Coin {}
message Push {}
message Peek {}
message Kick {}
message Fail {}

/// A turnstile that repairs itself.
actor Turnstile {
    fsm {
        initial Locked;
        state Locked {
            on Coin -> Unlocked;
            on Push;
            on Peek;
            on Fail;
        }
        /// Let one person through.
        state Unlocked {
            on Push -> Locked;
            on Coin;
            on Peek;
            on Kick -> Broken;
            timeout 5s -> Locked;
        }
        state Broken {
            on Peek;
            on Coin -> Unlocked;
            timeout 100ms -> Locked;
        }
    }
}
"""


@pytest.fixture(scope="module")
def ts(tmp_path_factory):
    d = tmp_path_factory.mktemp("fsm")
    (d / "turnstile.akt").write_text(TURNSTILE)
    r = run_aktc(d, [d / "turnstile.akt"])
    assert r.returncode == 0, r.stderr
    sys.path.insert(0, str(d))
    import turnstile_akt
    yield turnstile_akt
    sys.path.remove(str(d))


def make_class(ts, log, **overrides):
    S = ts.TurnstileFsmState

    class Gate(ts.TurnstileActor):
        def __init__(self):
            self.coins = 0
            log.append(("new",))

        def locked_on_coin(self, ctx, msg):
            self.coins += 1
            return self.coins

        def locked_on_peek(self, ctx, msg):
            return ctx.state

        unlocked_on_peek = broken_on_peek = locked_on_peek

        def unlocked_on_coin(self, ctx, msg):
            self.coins += 1           # stays (on Coin;)
            return self.coins

        def unlocked_on_timeout(self, ctx):
            log.append(("timeout", ctx.state))

        broken_on_timeout = unlocked_on_timeout

        def locked_on_enter(self, ctx, from_state):
            log.append(("enter", S.LOCKED, from_state))

        def unlocked_on_exit(self, ctx, to_state):
            log.append(("exit", S.UNLOCKED, to_state))

        def on_transition(self, ctx, from_state, to_state):
            log.append(("transition", from_state, to_state))

        def locked_on_fail(self, ctx, msg):
            raise RuntimeError("jammed")

    for k, v in overrides.items():
        setattr(Gate, k, v)
    return Gate


def test_the_enum_and_the_base_class(ts):
    S = ts.TurnstileFsmState
    assert [(s.name, int(s)) for s in S] == [("LOCKED", 0), ("UNLOCKED", 1), ("BROKEN", 2)]
    assert issubclass(ts.TurnstileActor, akt.FsmActor)
    assert ts.TurnstileActor._akt_initial is S.LOCKED
    assert "timeout 100ms -> Locked" in ts.TurnstileActor.broken_on_timeout.__doc__


def test_lines_transition_after_the_handler_and_hooks_run_in_order(system, ts):
    S = ts.TurnstileFsmState
    log = []
    ref = system.actor_of(props(make_class(ts, log)))
    assert ref.ask_blocking(ts.Peek()) == S.LOCKED
    assert ref.ask_blocking(ts.Coin()) == 1              # -> Unlocked
    assert ref.ask_blocking(ts.Peek()) is S.UNLOCKED
    assert ref.ask_blocking(ts.Coin()) == 2              # on Coin; stays
    assert ref.ask_blocking(ts.Peek()) is S.UNLOCKED
    ref.tell(ts.Push())                                  # -> Locked
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED
    assert log == [("new",), ("enter", S.LOCKED, None),
                   ("transition", S.LOCKED, S.UNLOCKED),
                   ("exit", S.UNLOCKED, S.LOCKED),
                   ("transition", S.UNLOCKED, S.LOCKED),
                   ("enter", S.LOCKED, S.UNLOCKED)]


def wait_entered_locked(ref, ts, log, from_state, within=5.0):
    """waits (on the Seen log) for Locked's on_enter hook to report the
    entry from from_state, then checks the actor says it is Locked"""
    S = ts.TurnstileFsmState
    log.wait(lambda l: ("enter", S.LOCKED, from_state) in l, within,
             f"entering Locked from {from_state!r}")
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED


def test_a_state_timeout_runs_its_handler_and_goes(system, ts):
    S = ts.TurnstileFsmState
    log = Seen()
    ref = system.actor_of(props(make_class(ts, log)))
    ref.tell(ts.Coin())
    ref.tell(ts.Kick())                       # Broken: 100 ms, then Locked
    wait_entered_locked(ref, ts, log, S.BROKEN)
    assert ("timeout", S.BROKEN) in log
    assert log[-1] == ("enter", S.LOCKED, S.BROKEN)


def test_goto_with_a_timeout_replaces_the_states_own(system, ts):
    S = ts.TurnstileFsmState

    def locked_on_coin(self, ctx, msg):
        ctx.goto(S.UNLOCKED, timeout=0.05)    # this stay: 50 ms, not 5 s

    log = Seen()
    ref = system.actor_of(props(make_class(ts, log, locked_on_coin=locked_on_coin)))
    ref.tell(ts.Coin())
    wait_entered_locked(ref, ts, log, S.UNLOCKED, within=3.0)
    assert ("timeout", S.UNLOCKED) in log


def test_a_timeout_of_a_state_left_is_never_delivered(system, ts):
    S = ts.TurnstileFsmState

    # a probe timer of the actor's own, armed with the state timeout and
    # due after it, comes through the same timing wheel and mailbox: when
    # the probe is handled, a stale timeout would have been handled first
    def locked_on_coin(self, ctx, msg):
        ctx.goto(S.UNLOCKED, timeout=0.3)
        ctx.start_timer("probe", ts.Push(), 0.8)

    def locked_on_push(self, ctx, msg):
        log.append(("probe", ctx.state))

    log = Seen()
    ref = system.actor_of(props(make_class(ts, log, locked_on_coin=locked_on_coin,
                                           locked_on_push=locked_on_push)))
    ref.tell(ts.Coin())
    ref.tell(ts.Push())                       # left Unlocked at once
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED
    log.wait(lambda l: ("probe", S.LOCKED) in l, what="the probe past the timeout")
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED
    assert not [e for e in log if e[0] == "timeout"]


def test_stay_and_stop_decide_instead_of_the_line(system, ts):
    S = ts.TurnstileFsmState

    def locked_on_coin(self, ctx, msg):
        if msg == ts.Coin():
            self.coins += 1
            if self.coins == 1:
                ctx.stay()                    # the first coin is kept
        return self.coins

    def unlocked_on_kick(self, ctx, msg):
        ctx.stop()

    log = []
    ref = system.actor_of(props(make_class(
        ts, log, locked_on_coin=locked_on_coin, unlocked_on_kick=unlocked_on_kick)))
    assert ref.ask_blocking(ts.Coin()) == 1
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED
    assert ref.ask_blocking(ts.Coin()) == 2
    assert ref.ask_blocking(ts.Peek()) is S.UNLOCKED
    done = ref.watch()
    ref.tell(ts.Kick())                       # stops, never enters Broken
    assert isinstance(done.result(5), akt.Terminated)


def test_goto_to_an_undeclared_state_fails_the_actor(system, ts, caplog):
    S = ts.TurnstileFsmState

    def locked_on_coin(self, ctx, msg):
        ctx.goto(S.BROKEN)

    log = []
    ref = system.actor_of(props(make_class(ts, log, locked_on_coin=locked_on_coin)))
    with caplog.at_level(logging.ERROR, logger="akt"):
        with pytest.raises(akt.HandlerFailed, match="InvalidArgument: pyfsm.Turnstile: "
                           "'on Coin -> Unlocked' in state Locked cannot go to Broken"):
            ref.ask_blocking(ts.Coin())
    # the whole text in the log (an asker's reason text is cut at 96 bytes)
    assert any("pyfsm.Turnstile: 'on Coin -> Unlocked' in state Locked cannot "
               "go to Broken (not declared)" in r.getMessage() for r in caplog.records)
    # restarted: a fresh instance in the initial state
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED
    assert log.count(("new",)) == 2


def test_a_restart_begins_again_in_the_initial_state(system, ts):
    S = ts.TurnstileFsmState
    log = []

    def unlocked_on_push(self, ctx, msg):
        raise ValueError("stuck")

    ref = system.actor_of(props(make_class(ts, log, unlocked_on_push=unlocked_on_push)))
    assert ref.ask_blocking(ts.Coin()) == 1
    with pytest.raises(akt.HandlerFailed, match="ValueError: stuck"):
        ref.ask_blocking(ts.Push())          # fails: no transition, restart
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED
    assert ref.ask_blocking(ts.Coin()) == 1  # the count starts again


def test_an_async_handler_transitions_when_it_returns(system, ts):
    # the line's transition (-> Unlocked) is made when the task returns,
    # not at the first await: during the await the actor is still Locked
    # (its hooks have not run), and the message queued behind is handled
    # in the new state
    S = ts.TurnstileFsmState
    gate = asyncio.Event()
    seen = Seen()

    async def locked_on_coin(self, ctx, msg):
        seen.append(ctx.state)               # before the await
        await gate.wait()
        seen.append(ctx.state)               # still the state it began in
        self.coins += 1
        return self.coins

    log = []
    ref = system.actor_of(props(make_class(ts, log, locked_on_coin=locked_on_coin)))
    coin = ref.ask(ts.Coin(), timeout=10)
    peek = ref.ask(ts.Peek(), timeout=10)    # waits behind the coin
    seen.wait(lambda l: len(l) == 1, what="the handler at its await")
    assert ("transition", S.LOCKED, S.UNLOCKED) not in log
    system._loop.call_soon_threadsafe(gate.set)
    assert coin.result(10) == 1
    assert peek.result(10) is S.UNLOCKED
    assert seen == [S.LOCKED, S.LOCKED]
    assert log[-1] == ("transition", S.LOCKED, S.UNLOCKED)


def test_goto_and_stay_after_an_await_decide_the_transition(system, ts):
    # after an await the handler still decides: ctx.stay() keeps the state
    # on a "-> T" line, ctx.goto(T, timeout=...) goes with that stay's
    # timeout; the choice before the await is only a default
    S = ts.TurnstileFsmState

    async def locked_on_coin(self, ctx, msg):
        ctx.stay()                           # changed after the await
        await asyncio.sleep(0)
        self.coins += 1
        if self.coins == 1:
            ctx.stay()
        else:
            ctx.goto(S.UNLOCKED, timeout=0.05)
        await asyncio.sleep(0)
        return self.coins

    log = Seen()
    ref = system.actor_of(props(make_class(ts, log, locked_on_coin=locked_on_coin)))
    assert ref.ask_blocking(ts.Coin()) == 1
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED      # stayed
    assert ref.ask_blocking(ts.Coin()) == 2
    assert ref.ask_blocking(ts.Peek()) is S.UNLOCKED    # went, 50 ms
    wait_entered_locked(ref, ts, log, S.UNLOCKED, within=3.0)
    assert ("timeout", S.UNLOCKED) in log


def test_an_undeclared_goto_after_an_await_fails_the_actor(system, ts):
    # the same check as before the await: only the line's target; the
    # failure makes no transition and the actor restarts in Locked
    S = ts.TurnstileFsmState

    async def locked_on_coin(self, ctx, msg):
        await asyncio.sleep(0)
        ctx.goto(S.BROKEN)

    log = []
    ref = system.actor_of(props(make_class(ts, log, locked_on_coin=locked_on_coin)))
    with pytest.raises(akt.HandlerFailed, match="'on Coin -> Unlocked' in state "
                       "Locked cannot go to Broken"):
        ref.ask_blocking(ts.Coin())
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED
    assert not [e for e in log if e[0] == "transition"]


def test_an_async_handler_that_raises_after_an_await_makes_no_transition(system, ts):
    S = ts.TurnstileFsmState

    async def locked_on_coin(self, ctx, msg):
        await asyncio.sleep(0)
        raise ValueError("coin jammed")

    log = []
    ref = system.actor_of(props(make_class(ts, log, locked_on_coin=locked_on_coin)))
    with pytest.raises(akt.HandlerFailed, match="coin jammed"):
        ref.ask_blocking(ts.Coin())
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED
    assert not [e for e in log if e[0] == "transition"]
    assert log.count(("new",)) == 2           # restarted


def test_ctx_goto_once_the_task_ended_is_refused(system, ts):
    # a ctx kept past its handler's end cannot move the actor any more
    S = ts.TurnstileFsmState
    kept = []

    async def locked_on_coin(self, ctx, msg):
        await asyncio.sleep(0)
        kept.append(ctx)

    async def unlocked_on_push(self, ctx, msg):
        try:
            kept[0].goto(S.UNLOCKED)
        except akt.InvalidState as e:
            return str(e)

    ref = system.actor_of(props(make_class(
        ts, [], locked_on_coin=locked_on_coin, unlocked_on_push=unlocked_on_push)))
    ref.tell(ts.Coin())
    assert "transition was already made" in ref.ask_blocking(ts.Push())


def test_a_handler_left_as_generated_just_goes(system, ts):
    S = ts.TurnstileFsmState
    seen = Seen()

    class Plain(ts.TurnstileActor):
        def on_transition(self, ctx, from_state, to_state):
            seen.append((from_state, to_state))

    ref = system.actor_of(props(Plain))
    ref.tell(ts.Coin())
    ref.tell(ts.Kick())
    seen.wait(lambda l: len(l) >= 3,          # Broken times out to Locked
              what="three transitions")
    assert seen == [(S.LOCKED, S.UNLOCKED), (S.UNLOCKED, S.BROKEN),
                    (S.BROKEN, S.LOCKED)]


@pytest.mark.parametrize("policy", ["log", "fail", "dead-letter", "ignore"])
def test_unhandled_policies(system, ts, policy, caplog, request):
    S = ts.TurnstileFsmState
    log = []
    cls = make_class(ts, log, fsm_unhandled=policy)
    ref = system.actor_of(props(cls))
    ref.tell(ts.Coin())                          # Unlocked
    before = system.stats()["dead_letters"]
    logged = threading.Event()

    class Signal(logging.Handler):
        def emit(self, record):
            if "unhandled in state Unlocked" in record.getMessage():
                logged.set()

    signal = Signal(logging.WARNING)
    logging.getLogger("akt").addHandler(signal)
    request.addfinalizer(lambda: logging.getLogger("akt").removeHandler(signal))
    with caplog.at_level(logging.WARNING, logger="akt"):
        ref.tell("not a line of any state")
        state = ref.ask_blocking(ts.Peek())
        if policy == "log":
            assert logged.wait(5), "the unhandled message was never logged"
    if policy == "fail":
        assert state is S.LOCKED and log.count(("new",)) == 2   # restarted
    else:
        assert state is S.UNLOCKED
    if policy == "dead-letter":
        assert system.stats()["dead_letters"] - before == 1


def test_a_hook_that_raises_fails_the_actor(system, ts):
    S = ts.TurnstileFsmState
    log = Seen()

    def unlocked_on_enter(self, ctx, from_state):
        raise KeyError("hook")

    ref = system.actor_of(props(make_class(ts, log, unlocked_on_enter=unlocked_on_enter)))
    ref.tell(ts.Coin())                   # enters Unlocked: the hook raises
    log.wait(lambda l: l.count(("new",)) >= 2, what="the restart")
    assert ref.ask_blocking(ts.Peek()) is S.LOCKED


def test_ctx_fsm_calls_outside_a_line_are_refused(system, ts):
    S = ts.TurnstileFsmState
    seen = Seen()

    def locked_on_enter(self, ctx, from_state):
        for call in (lambda: ctx.goto(S.UNLOCKED), ctx.stay):
            try:
                call()
            except akt.InvalidState as e:
                seen.append(str(e))

    class Plain(akt.Actor):
        def handle(self, ctx, msg):
            try:
                ctx.goto(0)
            except akt.InvalidState as e:
                return (str(e), ctx.state)

    system.actor_of(props(make_class(ts, [], locked_on_enter=locked_on_enter)))
    seen.wait(lambda l: len(l) >= 2, what="both refusals in on_enter")
    assert "only in the handler of an fsm line" in seen[0]
    text, state = system.actor_of(props(Plain)).ask_blocking("x")
    assert "only in the handler of an fsm line" in text and state is None


def test_become_is_refused_in_an_fsm(system, ts):
    def locked_on_coin(self, ctx, msg):
        ctx.become(lambda c, m: None)

    ref = system.actor_of(props(make_class(ts, [], locked_on_coin=locked_on_coin)))
    with pytest.raises(akt.HandlerFailed, match="states are its behaviours"):
        ref.ask_blocking(ts.Coin())


def test_bad_fsm_classes_fail_the_spawn(system, ts):
    class Bare(akt.FsmActor):
        pass

    with pytest.raises(TypeError, match="needs the fsm of a class generated"):
        system.actor_of(props(Bare))
    with pytest.raises(ValueError, match="fsm_unhandled: expected one of log"):
        system.actor_of(props(make_class(ts, [], fsm_unhandled="shout")))


def test_a_typed_ref_tells_the_fsm(system, ts):
    S = ts.TurnstileFsmState
    ref = ts.TurnstileRef(system.actor_of(props(make_class(ts, []))))
    ref.tell_coin(ts.Coin())
    with pytest.raises(TypeError):
        ref.tell_coin(ts.Push())
    assert ref.ref.ask_blocking(ts.Peek()) is S.UNLOCKED


def test_fsm_actors_tell_each_other_from_threads(system, ts):
    # many threads drive many fsms: every coin counted exactly once
    S = ts.TurnstileFsmState
    refs = [system.actor_of(props(make_class(ts, []))) for _ in range(8)]

    def drive(r):
        for _ in range(200):
            r.tell(ts.Coin())

    threads = [threading.Thread(target=drive, args=(r,)) for r in refs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in refs:
        assert r.ask_blocking(ts.Peek()) is S.UNLOCKED
        assert r.ask_blocking(ts.Coin()) == 201   # each coin counted once


def test_aktc_refuses_a_name_that_clashes_with_the_state_enum(tmp_path):
    src = tmp_path / "clash.akt"
    src.write_text("""package clash;
message Go {}
message GateFsmState {}
actor Gate {
    fsm {
        initial A;
        state A { on Go -> A; }
    }
}
""")
    r = run_aktc(tmp_path, [src])
    # (the C enum of the same name is refused first; both outputs need it)
    assert r.returncode != 0
    assert "error:" in r.stderr and "GateFsmState" in r.stderr
