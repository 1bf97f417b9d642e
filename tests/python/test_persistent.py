"""Persistent actors from Python (docs/python.md, "Persistent actors"):
aktc --py_out gives a `persistent actor` a base class with apply_<event>
per event and snapshot_offer; ctx.persist / persist_all run the callback
after the durable write and the apply, commands wait meanwhile, recovery
(snapshot, then events) rebuilds the state in a new incarnation and after
a restart, snapshots are taken every n events, and mistakes (an event of
another type, an apply that raises) fail clearly. The journal is LMDB in
a temporary folder, started from the system's configuration."""
import asyncio
import sys
import threading

import pytest

import akt
from akt import props
from conftest import Seen, run_aktc

LEDGER = """
package pyled;

message Deposit { int64 amount = 1; }
message Bulk { int64 amount = 1; int32 times = 2; }
message Get {}
message Balance { int64 balance = 1; uint64 seq = 2; }
message Deposited { int64 amount = 1; }
message Noted { string text = 1; }
message Snap { int64 balance = 1; }

/// An account rebuilt from its events.
persistent actor Account {
    events Deposited, Noted;
    snapshot Snap;
    on Deposit -> Balance;
    on Bulk -> Balance;
    on Get -> Balance;
}
"""


@pytest.fixture(scope="module")
def led(tmp_path_factory):
    d = tmp_path_factory.mktemp("pled")
    (d / "pyled.akt").write_text(LEDGER)
    r = run_aktc(d, [d / "pyled.akt"])
    assert r.returncode == 0, r.stderr
    sys.path.insert(0, str(d))
    import pyled_akt
    yield pyled_akt


def config(tmp):
    return f"""
akt.persistence.journal.lmdb {{ dir = "{tmp}/journal", fsync = off, map-size = 64 MiB }}
akt.persistence.snapshot-store.lmdb {{ dir = "{tmp}/snapshots", fsync = off, map-size = 64 MiB }}
"""


@pytest.fixture
def psys(tmp_path):
    s = akt.ActorSystem.create_blocking("ptest", config(tmp_path))
    yield s
    s.terminate_blocking()


def account(led, log):
    class Account(led.AccountActor):
        def __init__(self):
            self.balance = 0
            self.applied = 0
            self.notes = []

        def on_deposit(self, ctx, msg):
            if msg.amount < 0:
                ctx.persist(led.Noted(text="refused"))
                return led.Balance(balance=self.balance, seq=0)
            ctx.persist(led.Deposited(amount=msg.amount),
                        lambda ctx, ev: led.Balance(balance=self.balance,
                                                    seq=ctx.last_seq))
            return None

        def on_bulk(self, ctx, msg):
            seen = []

            def each(ctx, ev):
                seen.append(ev.amount)
                if len(seen) == msg.times:
                    ctx.reply(led.Balance(balance=self.balance, seq=ctx.last_seq))
            ctx.persist_all([led.Deposited(amount=msg.amount)] * msg.times, each)

        def on_get(self, ctx, msg):
            return led.Balance(balance=self.balance, seq=ctx.last_seq)

        def apply_deposited(self, event):
            self.balance += event.amount
            self.applied += 1

        def apply_noted(self, event):
            self.notes.append(event.text)

        def snapshot_offer(self, seq, snapshot):
            log.append(("offer", seq, snapshot.balance))
            self.balance = snapshot.balance

        def recovery_completed(self, ctx, highest):
            log.append(("recovered", highest, self.balance, self.applied,
                        ctx.persistence_id))

    return Account


def stop(ref):
    """stop ref and wait for its Terminated: its name is free by then (the
    runtime frees it before any watcher hears of the stop), so the caller
    can spawn the next incarnation at once"""
    done = ref.watch()
    ref.stop()
    assert isinstance(done.result(5), akt.Terminated)


def test_persist_applies_then_calls_back_and_recovery_rebuilds(psys, led):
    log = []
    Account = account(led, log)
    ref = psys.actor_of(props(Account), "42")
    assert ref.ask_blocking(led.Deposit(amount=10)) == led.Balance(balance=10, seq=1)
    assert ref.ask_blocking(led.Deposit(amount=5)) == led.Balance(balance=15, seq=2)
    assert log == [("recovered", 0, 0, 0, "pyled.Account|42")]
    stop(ref)
    ref = psys.actor_of(props(Account), "42")  # a new incarnation
    assert ref.ask_blocking(led.Get()) == led.Balance(balance=15, seq=2)
    assert log[-1] == ("recovered", 2, 15, 2, "pyled.Account|42")


@pytest.mark.skipif(
    not (sys.version_info >= (3, 13)
         and not getattr(sys, "_is_gil_enabled", lambda: True)()),
    reason="python-nogil needs a free-threaded CPython 3.13t with the GIL "
           "off (tests/python/other_pythons.sh runs this there)")
def test_persistent_actors_run_on_python_nogil_workers(psys, led):
    # four accounts on a python-nogil dispatcher (2 threads), each sent
    # deposits from its own thread at once: every write applied and called
    # back in order, and a new incarnation recovers each from the journal
    log = []
    Account = account(led, log)
    nog = props(Account).with_dispatcher("python-nogil")
    refs = [psys.actor_of(nog, f"n{i}") for i in range(4)]
    errors = []

    def deposit(ref):
        try:
            for k in range(1, 26):
                got = ref.ask_blocking(led.Deposit(amount=2), timeout=30)
                assert got == led.Balance(balance=2 * k, seq=k)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    ts = [threading.Thread(target=deposit, args=(r,)) for r in refs]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
    for i, r in enumerate(refs):
        stop(r)
        again = psys.actor_of(nog, f"n{i}")
        assert again.ask_blocking(led.Get(), timeout=30) == led.Balance(balance=50, seq=25)


def test_persist_all_is_one_write_with_a_callback_per_event(psys, led):
    ref = psys.actor_of(props(account(led, [])), "bulk")
    assert ref.ask_blocking(led.Bulk(amount=3, times=4)) == led.Balance(balance=12, seq=4)
    assert ref.ask_blocking(led.Get()).seq == 4


def test_commands_wait_while_a_persist_is_pending(psys, led):
    # 200 deposits told back to back, then a Get: each command runs only
    # after the previous persist was applied, so Get sees all of them
    ref = psys.actor_of(props(account(led, [])), "busy")
    for i in range(200):
        ref.tell(led.Deposit(amount=1))
    assert ref.ask_blocking(led.Get(), timeout=30) == led.Balance(balance=200, seq=200)


def test_replies_from_callbacks_reach_concurrent_askers(psys, led):
    ref = psys.actor_of(props(account(led, [])), "many")
    out = []

    def ask():
        out.append(ref.ask_blocking(led.Deposit(amount=1), timeout=30).balance)

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == list(range(1, 21))


def test_a_restart_recovers_the_state_from_the_journal(psys, led):
    log = []

    class Fragile(account(led, log)):
        def on_get(self, ctx, msg):
            if self.balance > 100:
                raise ValueError("too rich")
            return super().on_get(ctx, msg)

    ref = psys.actor_of(props(Fragile), "fragile")
    ref.ask_blocking(led.Deposit(amount=101))
    with pytest.raises(akt.HandlerFailed, match="too rich"):
        ref.ask_blocking(led.Get())
    # restarted: the fresh instance replayed the journal
    assert ref.ask_blocking(led.Deposit(amount=1)).balance == 102
    assert [e[:2] for e in log] == [("recovered", 0), ("recovered", 1)]


def test_snapshots_every_n_events_shorten_recovery(psys, led):
    log = Seen()

    class Snappy(account(led, log)):
        snapshot_every = 3

        def snapshot_take(self):
            return led.Snap(balance=self.balance)

        def snapshot_saved(self, ctx, seq):
            log.append(("saved", seq))

    ref = psys.actor_of(props(Snappy), "snappy")
    for _ in range(7):
        ref.ask_blocking(led.Deposit(amount=2))
    # a snapshot is saved off the actor's thread: its callback may follow
    # the reply to the command that triggered it
    log.wait(lambda l: ("saved", 3) in l and ("saved", 6) in l,
             what="the snapshots at 3 and 6 saved")
    stop(ref)
    ref = psys.actor_of(props(Snappy), "snappy")
    assert ref.ask_blocking(led.Get()) == led.Balance(balance=14, seq=7)
    # the snapshot at 6, then one event replayed
    assert ("offer", 6, 12) in log
    assert log[-1][:4] == ("recovered", 7, 14, 1)


def test_tags_are_stored_and_events_by_tag_finds_them(psys, led):
    # tags(event) runs with the state before the event's apply; the
    # journal's tag index gives the events back in offset order
    seen = []

    class Tagged(account(led, [])):
        def tags(self, event):
            seen.append(self.balance)
            if isinstance(event, led.Deposited):
                return ["money", "big"] if event.amount >= 100 else ["money"]
            return []

    a = psys.actor_of(props(Tagged), "t1")
    b = psys.actor_of(props(Tagged), "t2")
    a.ask_blocking(led.Deposit(amount=5))
    b.ask_blocking(led.Deposit(amount=100))
    a.ask_blocking(led.Deposit(amount=-1))          # a Noted: no tags
    assert a.ask_blocking(led.Bulk(amount=200, times=2)).balance == 405
    assert seen == [0, 0, 5, 5, 5]                  # before each apply
    money = psys.events_by_tag("money")
    assert [(pid, seq) for pid, seq, _, _ in money] == [
        ("pyled.Account|t1", 1), ("pyled.Account|t2", 1),
        ("pyled.Account|t1", 3), ("pyled.Account|t1", 4)]
    assert [ev for _, _, _, ev in money] == [
        led.Deposited(amount=5), led.Deposited(amount=100),
        led.Deposited(amount=200), led.Deposited(amount=200)]
    offsets = [off for _, _, off, _ in money]
    assert offsets == sorted(offsets)
    big = psys.events_by_tag("big")
    assert [(pid, seq) for pid, seq, _, _ in big] == [
        ("pyled.Account|t2", 1), ("pyled.Account|t1", 3), ("pyled.Account|t1", 4)]
    assert psys.events_by_tag("money", after=offsets[1]) == money[2:]
    assert psys.events_by_tag("money", max=1) == money[:1]
    assert psys.events_by_tag("nothing") == []


def test_bad_tags_refuse_the_persist_clearly(psys, led):
    class Bad(account(led, [])):
        def tags(self, event):
            return self.tagset

    ref = psys.actor_of(props(Bad), "badtags")
    for tagset, err in ((["x"] * 17, "at most 16"), ([3], "non-empty str"),
                        ([""], "non-empty str")):
        Bad.tagset = tagset
        with pytest.raises(akt.HandlerFailed, match=err):
            ref.ask_blocking(led.Deposit(amount=1))
    Bad.tagset = ["ok"]
    assert ref.ask_blocking(led.Deposit(amount=1)).seq == 1   # nothing stored before


def test_snapshot_when_decides_after_the_apply(psys, led):
    log = Seen()

    class Whenever(account(led, log)):
        def snapshot_when(self, event, seq):
            log.append(("when", seq, self.balance))   # the event is applied
            return self.balance >= 100

        def snapshot_take(self):
            return led.Snap(balance=self.balance)

        def snapshot_saved(self, ctx, seq):
            log.append(("saved", seq))

    ref = psys.actor_of(props(Whenever), "when")
    ref.ask_blocking(led.Deposit(amount=60))
    ref.ask_blocking(led.Deposit(amount=50))          # 110: a snapshot at 2
    log.wait(lambda l: ("saved", 2) in l, what="the snapshot at 2 saved")
    assert ("when", 1, 60) in log and ("when", 2, 110) in log
    assert ("saved", 1) not in log
    stop(ref)
    ref = psys.actor_of(props(Whenever), "when")
    assert ref.ask_blocking(led.Get()) == led.Balance(balance=110, seq=2)
    assert ("offer", 2, 110) in log                    # recovered from it


def test_snapshot_when_without_a_snapshot_take_is_refused(psys, led):
    class NoTake(account(led, [])):
        def snapshot_when(self, event, seq):
            return True

    with pytest.raises(TypeError, match="snapshot_when needs snapshot_take"):
        psys.actor_of(props(NoTake), "notake")


def test_recovery_bounds_replay_up_to_a_sequence_number_or_a_count(psys, led):
    log = []
    Account = account(led, log)
    ref = psys.actor_of(props(Account), "bounded")
    for amount in (1, 2, 4, 8, 16):
        ref.ask_blocking(led.Deposit(amount=amount))
    stop(ref)

    class UpTo3(Account):
        recovery_to_seq = 3

    class AtMost2(Account):
        recovery_replay_max = 2

    for cls, balance in ((UpTo3, 7), (AtMost2, 3), (Account, 31)):
        log.clear()
        ref = psys.actor_of(props(cls), "bounded")
        assert ref.ask_blocking(led.Get()).balance == balance
        assert log[0][2:4] == (balance, {7: 3, 3: 2, 31: 5}[balance])
        stop(ref)
    for bad in (-1, 1.5, True):
        class Bad(Account):
            recovery_to_seq = bad
        with pytest.raises(ValueError, match="recovery_to_seq: expected an int >= 0"):
            psys.actor_of(props(Bad), "badbound")


def test_async_persist_callbacks_hold_the_next_command_and_run_in_order(psys, led):
    # a callback that awaits parks the actor: a Get sent right behind the
    # deposit waits until that callback returned (and replied); the
    # callbacks of one persist_all run in order, each after the previous
    # one's await, and a later write's callback after all of them
    order = []

    class Slow(account(led, [])):
        def on_deposit(self, ctx, msg):
            async def done(ctx, ev):
                order.append(("start", ev.amount))
                await asyncio.sleep(0.01)
                order.append(("end", ev.amount))
                return led.Balance(balance=self.balance, seq=msg.amount)
            ctx.persist(led.Deposited(amount=msg.amount), done)

        def on_bulk(self, ctx, msg):
            async def slow(ctx, ev):
                order.append(("bulk-start", self.balance))
                await asyncio.sleep(0.01)
                order.append(("bulk-end", self.balance))

            def fast(ctx, ev):
                order.append(("fast", self.balance))
                return led.Balance(balance=self.balance, seq=ctx.last_seq)

            ctx.persist_all([led.Deposited(amount=1)] * 2, slow)
            ctx.persist(led.Deposited(amount=10), fast)

        def on_get(self, ctx, msg):
            order.append(("get",))
            return super().on_get(ctx, msg)

    ref = psys.actor_of(props(Slow), "slow")
    dep = ref.ask(led.Deposit(amount=7), timeout=10)
    get = ref.ask(led.Get(), timeout=10)
    assert dep.result(10) == led.Balance(balance=7, seq=7)
    assert get.result(10).balance == 7
    assert order == [("start", 7), ("end", 7), ("get",)]
    order.clear()
    assert ref.ask_blocking(led.Bulk(amount=0, times=0), timeout=10) == \
        led.Balance(balance=19, seq=4)
    # (the write's events are applied one by one with their callbacks
    # queued: after its await the first callback sees the second applied)
    assert order == [("bulk-start", 8), ("bulk-end", 9), ("bulk-start", 9),
                     ("bulk-end", 9), ("fast", 19)]


def test_an_async_persist_callback_that_raises_fails_the_actor(psys, led):
    class Boom(account(led, [])):
        def on_deposit(self, ctx, msg):
            async def done(ctx, ev):
                await asyncio.sleep(0)
                raise RuntimeError("callback broke")
            ctx.persist(led.Deposited(amount=msg.amount), done)

    ref = psys.actor_of(props(Boom), "boom")
    with pytest.raises(akt.HandlerFailed, match="callback broke"):
        ref.ask_blocking(led.Deposit(amount=3))
    # restarted: the event was stored and applied, recovery has it
    assert ref.ask_blocking(led.Get()).balance == 3


def test_snapshot_and_delete_outcomes_come_to_their_hooks_later(psys, led):
    # the save and the delete run off the actor's thread: their outcomes
    # come to snapshot_saved / events_deleted in later turns, save first
    log = []
    done = threading.Event()

    class Hooked(account(led, log)):
        def on_get(self, ctx, msg):
            ctx.save_snapshot(led.Snap(balance=self.balance))
            ctx.delete_events(ctx.last_seq)
            return led.Balance(balance=self.balance, seq=ctx.last_seq)

        def snapshot_saved(self, ctx, seq):
            log.append(("saved", seq, ctx.persistence_id))

        def events_deleted(self, ctx, seq):
            log.append(("deleted", seq, ctx.persistence_id))
            done.set()

    ref = psys.actor_of(props(Hooked), "hooked")
    ref.ask_blocking(led.Deposit(amount=2))
    ref.ask_blocking(led.Deposit(amount=3))
    assert ref.ask_blocking(led.Get()).balance == 5
    assert done.wait(10)
    hooks = [e for e in log if e[0] in ("saved", "deleted")]
    assert hooks == [("saved", 2, hooks[0][2]), ("deleted", 2, hooks[0][2])]
    assert hooks[0][2].endswith("hooked")


def test_save_snapshot_and_delete_events_from_a_handler(psys, led):
    log = []

    class Manual(account(led, log)):
        def on_get(self, ctx, msg):
            ctx.save_snapshot(led.Snap(balance=self.balance))
            ctx.delete_events(ctx.last_seq)
            return led.Balance(balance=self.balance, seq=ctx.last_seq)

    ref = psys.actor_of(props(Manual), "manual")
    ref.ask_blocking(led.Deposit(amount=4))
    ref.ask_blocking(led.Deposit(amount=4))
    assert ref.ask_blocking(led.Get()).balance == 8
    stop(ref)
    ref = psys.actor_of(props(Manual), "manual")
    assert ref.ask_blocking(led.Deposit(amount=1)).balance == 9
    assert ("offer", 2, 8) in log


def test_persisting_something_else_is_a_type_error(psys, led):
    class Wrong(account(led, [])):
        def on_get(self, ctx, msg):
            ctx.persist(led.Snap(balance=1))

    ref = psys.actor_of(props(Wrong), "wrong")
    with pytest.raises(akt.HandlerFailed,
                       match="TypeError: persist: pyled.Account persists "
                             "pyled.Deposited, pyled.Noted; got a Snap"):
        ref.ask_blocking(led.Get())


def test_an_apply_that_raises_fails_the_actor(psys, led):
    seen = []

    class Bad(account(led, [])):
        def apply_noted(self, event):
            raise RuntimeError("cannot apply")

    class Sup(akt.Actor):
        supervisor_strategy = akt.OneForOneStrategy(
            lambda e: seen.append(e) or akt.Directive.STOP)

        def pre_start(self, ctx):
            self.kid = ctx.spawn(props(Bad), "bad")

        def handle(self, ctx, msg):
            return self.kid

    kid = psys.actor_of(props(Sup)).ask_blocking("kid")
    done = kid.watch()
    kid.tell(led.Deposit(amount=-1))           # persists a Noted
    assert isinstance(done.result(5), akt.Terminated)
    assert len(seen) == 1 and isinstance(seen[0], RuntimeError)


def test_persist_outside_a_persistent_actor_is_refused(psys):
    class Plain(akt.Actor):
        def handle(self, ctx, msg):
            try:
                ctx.persist(msg)
            except akt.InvalidState as e:
                return str(e)

    assert "only in a persistent actor" in psys.actor_of(props(Plain)).ask_blocking(1)


def test_a_bad_journal_setting_fails_the_spawn_naming_the_key(tmp_path, led):
    s = akt.ActorSystem.create_blocking(
        "pbad", 'akt.persistence.journal.lmdb.dir = ""')
    try:
        with pytest.raises(akt.AktError, match="akt.persistence.journal.lmdb.dir"):
            s.actor_of(props(account(led, [])), "x")
    finally:
        s.terminate_blocking()


def test_a_generated_base_needs_its_handlers(psys, led):
    ref = psys.actor_of(props(led.AccountActor), "bare")
    with pytest.raises(akt.HandlerFailed, match="NotImplementedError: pyled.Account.on_get"):
        ref.ask_blocking(led.Get())


def test_python_and_c_actors_share_a_journal(psys, gen):
    # ledger.Tally from tests/aktc/ok/ledger.akt: its C side (aktc's C,
    # in the test helper) and its Python side (aktc --py_out) use the same
    # persistence id and the same wire format, so either recovers what the
    # other wrote
    import _akt_testhelper as helper
    import ledger_akt as L
    # one descriptor per type in the process: the C actor's tables compare
    # descriptors (docs/python.md, "Messages between Python and C")
    akt.register_types(*helper.ledger_types())
    assert psys.start_persistence() is True
    assert psys.start_persistence() is False          # once
    addr = psys._core._address()
    ref = psys.lookup(helper.spawn_c_tally(addr, "shared"))
    total0 = helper.c_tally()[0]
    for a in (1, 2, 3):
        ref.tell(L.Deposit(amount=a))                 # C persists
    got = helper.c_tally_wait(total0 + 6, 0, 5.0)[0]  # ... and applied
    assert got - total0 == 6, f"the C Tally applied {got - total0} of 6"
    stop(ref)
    recovered = []

    class Tally(L.TallyActor):
        def __init__(self):
            self.total = 0

        def apply_deposited(self, event):
            self.total += event.amount

        def on_deposit(self, ctx, msg):
            ctx.persist(L.Deposited(amount=msg.amount), lambda c, e: self.total)

        def recovery_completed(self, ctx, highest):
            recovered.append((highest, self.total))

    pref = psys.actor_of(props(Tally), "shared")
    assert pref.ask_blocking(L.Deposit(amount=10)) == 16
    assert recovered == [(3, 6)]                      # C's three events
    stop(pref)
    total0, recoveries0 = helper.c_tally()
    helper.spawn_c_tally(addr, "shared")  # C recovers all four
    total, recoveries = helper.c_tally_wait(0, recoveries0 + 1, 5.0)
    assert recoveries == recoveries0 + 1, "the C Tally never recovered"
    assert total - total0 == 16
