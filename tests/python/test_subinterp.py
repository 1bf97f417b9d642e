"""python-subinterpreter-pool (PEP 684, CPython 3.12+): Python actors in
subinterpreters of one process, each with its own GIL and its own copy
of akt._core, on a dispatcher thread per interpreter. Proves: actors of
one pool run in different interpreters and at the same time (a barrier
in their handlers that only all of them together can cross); tells and
asks between the main interpreter and them arrive exactly (an await on
the main loop is woken from their thread); their timers run; plain
objects cross pickled (an unpicklable one fails the send) and generated
messages as their akt types; an exception there is a failure its
supervisor restarts; children stay in their parent's interpreter, where
its strategy decides for them; a bounded mailbox bounds it there, a
priority mailbox orders it there with its (pickled) function, run in
that interpreter; an fsm actor runs its machine there (transitions, an
async line, a restart in the initial state); a persistent actor writes
events and snapshots from there and recovers its exact state after a
restart, in a new incarnation there and in the main interpreter; fsm and
persistent children stay in their parent's interpreter (a persistent one
once the main interpreter started the journal); a class the
subinterpreter cannot import by module path or a main-interpreter-only
option fails clearly; terminating with busy actors ends every
subinterpreter (none left, a clean -X dev exit); a bad pool setting
fails start-up. On 3.11 the whole file is skipped (test_strategies.py
checks the error that names 3.12)."""
import os
import subprocess
import sys
import textwrap

import pytest

import akt
from akt import Actor, ActorSystem, Directive, OneForOneStrategy, props

pytestmark = pytest.mark.skipif(
    sys.version_info < (3, 12),
    reason="python-subinterpreter-pool needs CPython 3.12+ (PEP 684); "
           f"this is {sys.version.split()[0]}")

from subinterp_actors import (Doubler, Meet, Parent, Point, Ticker,  # noqa: E402
                               Where, interp_id)

CONF = """akt.python.dispatchers {
  sub { strategy = python-subinterpreter-pool, workers = %d }
}"""


def interpreters():
    try:
        import _interpreters as i
    except ImportError:
        import _xxsubinterpreters as i
    return [int(x[0] if isinstance(x, tuple) else x) for x in i.list_all()]


@pytest.fixture
def sys2():
    s = ActorSystem.create_blocking("subinterp", CONF % 2)
    yield s
    s.terminate_blocking()


def on_sub(cls, *args):
    return props(cls, *args).with_dispatcher("sub")


class Counter(Actor):
    """a main-interpreter (python-pinned) actor"""

    def __init__(self):
        self.n = 0

    def handle(self, ctx, msg):
        if msg == "inc":
            self.n += 1
            return None
        if msg == "count":
            return self.n
        return None


def test_actors_run_at_once_in_different_interpreters(sys2):
    # two Meet actors cross a barrier that needs both inside their
    # handlers at the same time: each waits for the other's byte. They
    # answer different interpreter ids, neither the main one (0).
    pipes = [os.pipe() for _ in range(2)]
    try:
        refs = [sys2.actor_of(on_sub(Meet, pipes[i][0],
                                     [pipes[j][1] for j in range(2) if j != i]))
                for i in range(2)]
        futs = [r.ask("meet", timeout=30) for r in refs]
        ids = [f.result(40) for f in futs]
    finally:
        for r, w in pipes:
            os.close(r)
            os.close(w)
    assert len(set(ids)) == 2 and interp_id() not in ids
    assert set(ids) <= set(interpreters())


def test_tells_and_asks_between_interpreters_are_exact(sys2):
    main = sys2.actor_of(props(Counter), "counter")
    subs = [sys2.actor_of(on_sub(Where, f"w{i}")) for i in range(4)]
    ids = {r.ask_blocking("where", timeout=30) for r in subs}
    assert len(ids) == 2  # round robin over the pool's two interpreters
    # main -> sub: 500 tells each, counted there
    for r in subs:
        for _ in range(500):
            r.tell("inc")
    assert [r.ask_blocking("count", timeout=30) for r in subs] == [500] * 4
    # sub -> main: each tells the main actor 250 times (found with
    # ctx.system.lookup: the subinterpreter's view of the system)
    assert [r.ask_blocking(("tell", "/user/counter", 250), timeout=30)
            for r in subs] == [250] * 4
    # a sub actor's await of an ask to the main actor (its own loop) comes
    # after its tells, which it sent first: all 1000 are counted
    assert subs[0].ask_blocking(("ask", "/user/counter"), timeout=30) == 1000
    assert main.ask_blocking("count", timeout=30) == 1000


async def test_awaiting_asks_to_them_on_an_asyncio_loop(sys2):
    # the reply completes the future on the subinterpreter's thread, whose
    # callback enters the main interpreter to wake this loop
    refs = [sys2.actor_of(on_sub(Where)) for _ in range(4)]
    for i in range(50):
        got = [await r.ask(Point(i, 1), timeout=30) for r in refs]
        assert got == [Point(2 * i, 2)] * 4


class Inbox(Actor):
    """a main-interpreter actor that keeps what it gets"""

    def __init__(self, seen):
        self.seen = seen

    def handle(self, ctx, msg):
        self.seen.append(msg)


def test_timers_run_there(sys2):
    from conftest import Seen
    seen = Seen()
    inbox = sys2.actor_of(props(Inbox, seen))
    t = sys2.actor_of(on_sub(Ticker))
    t.tell(("start", 20), inbox)
    seen.wait(lambda s: len(s) == 1, within=30, what="20 ticks")
    assert seen == [("ticked", 20)]


def test_plain_objects_cross_pickled(sys2):
    r = sys2.actor_of(on_sub(Where))
    assert r.ask_blocking(Point(3, 4), timeout=30) == Point(6, 8)
    tag, back = r.ask_blocking({"a": [1, 2.5, "x"], "b": (None, b"\0")},
                               timeout=30)
    assert tag == "w" and back == {"a": [1, 2.5, "x"], "b": (None, b"\0")}
    with pytest.raises(TypeError, match="leaves this interpreter pickled"):
        r.tell(lambda: 1)
    assert r.ask_blocking("count", timeout=30) == 0  # nothing else arrived


def test_generated_messages_cross_as_their_akt_types(sys2, gen):
    import interop_akt as pi
    ref = pi.AdderRef(sys2.actor_of(on_sub(Doubler)))
    s = ref.ask_add_blocking(pi.Add(a=3, b=4, note="x"), timeout=30)
    assert s == pi.Sum(value=14, note="x", half=0.0, even=True)
    assert type(s) is pi.Sum


def test_an_exception_there_is_a_failure_its_supervisor_restarts(sys2):
    r = sys2.actor_of(on_sub(Where))
    where = r.ask_blocking("where", timeout=30)
    r.tell("inc")
    assert r.ask_blocking("count", timeout=30) == 1
    starts = r.ask_blocking("starts", timeout=30)
    with pytest.raises(akt.HandlerFailed, match="ValueError: boom in interpreter"):
        r.ask_blocking("boom", timeout=30)
    # a new instance (count 0) made by a restart (pre_start ran again) in
    # the same interpreter, behind the same ref
    assert r.ask_blocking("count", timeout=30) == 0
    assert r.ask_blocking("starts", timeout=30) == starts + 1
    assert r.ask_blocking("where", timeout=30) == where


def test_children_stay_in_their_parents_interpreter(sys2):
    r = sys2.actor_of(on_sub(Where))
    assert r.ask_blocking(("spawn",), timeout=30) == r.ask_blocking("where", timeout=30)


def test_a_class_not_importable_by_module_path_fails_clearly(sys2):
    class Local(Actor):
        def handle(self, ctx, msg):
            return msg

    with pytest.raises(TypeError, match="importable by its module path"):
        sys2.actor_of(on_sub(Local))
    with pytest.raises(TypeError, match="do not pickle"):
        sys2.actor_of(on_sub(Where, lambda: 1))
    with pytest.raises(TypeError, match="a priority mailbox's function"):
        sys2.actor_of(on_sub(Where).with_mailbox(
            "priority", priority=lambda m: 0))


def test_a_module_the_subinterpreter_cannot_import_stops_the_actor(
        sys2, capfd, akt_lines):
    # main imports it, the subinterpreter cannot: the actor does not start
    # (its ImportError is logged there, and the supervisor's line names
    # it), and an ask fails at once instead of running into its timeout
    from subinterp_refuses import Refused
    r = sys2.actor_of(on_sub(Refused), "refused")
    with pytest.raises(akt.ActorStopped):
        r.ask_blocking("hi", timeout=30)
    assert "ImportError: subinterp_refuses: not in a subinterpreter" \
        in capfd.readouterr().err
    line = ("[akt://subinterp/user/refused] start failed: ImportError: "
            "subinterp_refuses: not in a subinterpreter (EFAILED); stopping")
    akt_lines.wait(lambda s: line in s, within=30, what="the supervisor's line")


def test_its_strategy_decides_for_its_children_there(sys2):
    # with_supervisor from the main interpreter: the strategy crosses
    # pickled and decides in the parent's interpreter, with the child's
    # exception (ValueError -> RESUME: the child keeps its count)
    p = sys2.actor_of(on_sub(Parent).with_supervisor(
        OneForOneStrategy({ValueError: Directive.RESUME})))
    assert p.ask_blocking("child", timeout=30) == p.ask_blocking("where", timeout=30)
    p.tell("inc")
    p.tell("boom")
    assert p.ask_blocking("count", timeout=30) == 1
    # without it, the default strategy restarts the child (count 0)
    q = sys2.actor_of(on_sub(Parent))
    q.ask_blocking("child", timeout=30)
    q.tell("inc")
    q.tell("boom")
    assert q.ask_blocking("count", timeout=30) == 0


def test_a_bounded_mailbox_bounds_it_there(sys2):
    # capacity 3 while its handler holds: two tells and an ask fit, a
    # fourth message fails at once; released, it counts the two
    r = sys2.actor_of(on_sub(Where).with_mailbox("bounded", capacity=3,
                                                 overflow="fail"))
    gate_r, gate_w = os.pipe()
    sig_r, sig_w = os.pipe()
    try:
        fut = r.ask(("hold", gate_r, sig_w), timeout=30)
        assert os.read(sig_r, 1) == b"h"  # (blocks until the handler runs)
        r.tell("inc")
        r.tell("inc")
        count = r.ask("count", timeout=30)
        with pytest.raises(akt.MailboxFull):
            r.tell("inc")
        os.write(gate_w, b"x")
        assert fut.result(30) == "released"
        assert count.result(30) == 2
    finally:
        for fd in (gate_r, gate_w, sig_r, sig_w):
            os.close(fd)


def test_a_priority_mailbox_orders_there_with_its_function(sys2):
    # held in a handler, the actor gets messages of priorities 5, 1, 3,
    # 1, 2 from the main interpreter; released, it handles them lower
    # first (FIFO within one): its mailbox ordered them with urgency,
    # which ran in its own interpreter only (that interpreter's module
    # global says so; the main interpreter's copy never ran)
    from subinterp_actors import PRIORITY_RAN_IN, Ordered, urgency
    r = sys2.actor_of(on_sub(Ordered).with_mailbox("priority",
                                                   priority=urgency))
    where = r.ask_blocking("where", timeout=30)
    gate_r, gate_w = os.pipe()
    sig_r, sig_w = os.pipe()
    try:
        held = r.ask(("hold", gate_r, sig_w), timeout=30)
        assert os.read(sig_r, 1) == b"h"  # (blocks until the handler runs)
        for n, tag in [(5, "e"), (1, "a"), (3, "c"), (1, "b"), (2, "x")]:
            r.tell(("p", n, tag))
        order = r.ask("order", timeout=30)  # priority 0: first after them
        os.write(gate_w, b"x")
        assert held.result(30) == "released"
        assert order.result(30) == []
        # (priority 100: after them, whenever it arrives)
        assert r.ask_blocking("order last", timeout=30) == [
            "a", "b", "x", "c", "e"]
    finally:
        for fd in (gate_r, gate_w, sig_r, sig_w):
            os.close(fd)
    assert r.ask_blocking("priority ran in", timeout=30) == [where]
    assert PRIORITY_RAN_IN == []


def test_an_actor_system_is_made_in_the_main_interpreter_only():
    try:
        import _interpreters as i
    except ImportError:
        i = pytest.importorskip("_xxsubinterpreters")
    iid = i.create()
    try:
        code = textwrap.dedent("""
            import akt
            try:
                akt.ActorSystem.create_blocking("inner")
            except akt.NotSupported as e:
                assert "made in the main interpreter" in str(e), e
            else:
                raise AssertionError("an ActorSystem in a subinterpreter")
            """)
        r = i.run_string(iid, code)
        assert r is None, f"{r.type.__name__}: {r.msg}"
    finally:
        i.destroy(iid)


def test_terminate_with_busy_actors_ends_every_subinterpreter():
    s = ActorSystem.create_blocking("busy", CONF % 2)
    refs = [s.actor_of(on_sub(Where)) for _ in range(4)]
    assert len(set(interpreters())) >= 3  # the main one and two more
    for r in refs:
        for _ in range(50):
            r.tell(("work", 20000))
    s.terminate_blocking()
    assert interpreters() == [0]


def test_a_clean_exit_under_dev_mode(tmp_path):
    # a whole program under -X dev: its busy subinterpreter actors stop,
    # the interpreters end, and nothing is reported at exit (no unraisable
    # exception, no leaked resource, no fatal error)
    helper = os.path.dirname(sys.modules["subinterp_actors"].__file__)
    prog = "\n".join([
        "import sys",
        f"sys.path.insert(0, {helper!r})",
        "from akt import ActorSystem, props",
        "from subinterp_actors import Where",
        f"s = ActorSystem.create_blocking('dev', {CONF % 3!r})",
        "refs = [s.actor_of(props(Where).with_dispatcher('sub'))",
        "        for _ in range(6)]",
        "for r in refs:",
        "    r.tell(('work', 50000))",
        "    r.tell('boom')",
        "    r.tell(('work', 50000))",
        "print(refs[0].ask_blocking('count', timeout=30))",
        "s.terminate_blocking()",
        "print('clean')",
    ])
    r = subprocess.run([sys.executable, "-X", "dev", "-W", "error", "-c", prog],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0", "clean"]
    lines = [ln for ln in r.stderr.splitlines()
             if "Exception ignored" in ln or "Warning" in ln
             or "Fatal" in ln or "leak" in ln.lower()]
    assert lines == [], r.stderr


@pytest.mark.parametrize("workers, expected", [
    ("0", "expected an integer >= 1 (at most 12)"),
    ("13", "expected an integer >= 1 (at most 12)"),
    ("many", "expected an integer >= 1 (at most 12)"),
])
def test_a_bad_pool_setting_fails_start_up(tmp_path, workers, expected):
    conf = tmp_path / "app.conf"
    conf.write_text("akt.python.dispatchers {\n"
                    f"  sub {{ strategy = python-subinterpreter-pool, workers = {workers} }}\n"
                    "}\n")
    with pytest.raises(akt.InvalidArgument) as e:
        ActorSystem.create_blocking("badsub", config_file=conf)
    assert str(e.value).startswith(
        f"akt.python.dispatchers.sub.workers (at {conf}:2): ")
    assert expected in str(e.value)


def test_an_fsm_actor_runs_its_machine_there(sys2, gen):
    # fsmdemo.Door spawned from the main interpreter: each reply names the
    # state its line ran in (so it proves the transitions made before it)
    # and the interpreter, a subinterpreter's. A wrong code stays Locked,
    # an async line's transition waits for its task, and a failure
    # restarts it in the initial state with a fresh instance, there.
    import door_akt as d
    from subinterp_stateful import SubDoor
    door = d.DoorRef(sys2.actor_of(on_sub(SubDoor)))
    ask = lambda m: door.ref.ask_blocking(m, timeout=30)  # noqa: E731
    state, n, where = ask(d.Open())
    assert (state, n) == ("CLOSED", 1)
    assert where != interp_id() and where in interpreters()
    assert ask(d.Close()) == ("OPENED", "closed", where)
    assert ask(d.Open())[:2] == ("CLOSED", 2)
    assert ask(d.Close())[:2] == ("OPENED", "closed")
    assert ask(d.Lock(code="1234")) == ("CLOSED", "locked", where)
    assert ask(d.Open()) == ("LOCKED", "still locked", where)
    assert ask(d.Unlock(code="0000")) == ("LOCKED", "wrong code", where)
    assert ask(d.Open()) == ("LOCKED", "still locked", where)
    assert ask(d.Unlock(code="1234")) == ("LOCKED", "unlocked", where)
    assert ask(d.Open()) == ("CLOSED", 3, where)
    assert ask(d.Close())[:2] == ("OPENED", "closed")
    with pytest.raises(akt.HandlerFailed, match="ValueError: boom in interpreter"):
        ask(d.Lock(code="boom"))
    # restarted: Closed, and a new instance (its first opening)
    assert ask(d.Open()) == ("CLOSED", 1, where)


@pytest.fixture
def psub(tmp_path):
    conf = (CONF % 2) + f"""
akt.persistence.journal.lmdb {{ dir = "{tmp_path}/journal", fsync = off, map-size = 64 MiB }}
akt.persistence.snapshot-store.lmdb {{ dir = "{tmp_path}/snapshots", fsync = off, map-size = 64 MiB }}
"""
    s = ActorSystem.create_blocking("psub", conf)
    yield s
    s.terminate_blocking()


def stop(ref):
    """stop ref and wait for its Terminated (its name is free then)"""
    done = ref.watch()
    ref.stop()
    assert isinstance(done.result(30), akt.Terminated)


def test_a_persistent_actor_persists_and_recovers_there(psub, gen):
    # ledger.Account spawned from the main interpreter into a
    # subinterpreter: its events are written through the system's journal
    # from there, snapshots are saved every 5 events, a failure restarts
    # it there with the state recovered from the snapshot and the events
    # after it, a stopped one's next incarnation (there, then in the main
    # interpreter) recovers the same state: every balance is exact.
    import ledger_akt as led
    from conftest import Seen
    from subinterp_stateful import SubAccount
    seen = Seen()
    psub.actor_of(props(Inbox, seen), "inbox")

    def recovery(n):
        """the n-th recovery's report (told to the inbox: it may come
        after the replies of the commands that followed it)"""
        rs = lambda s: [e for e in s if e[0] == "recovered"]  # noqa: E731
        seen.wait(lambda s: len(rs(s)) >= n, within=30,
                  what=f"recovery {n} reported")
        return rs(seen)[n - 1]

    acct = psub.actor_of(on_sub(SubAccount, "/user/inbox"), "acct")
    ask = lambda m: acct.ask_blocking(m, timeout=30)  # noqa: E731
    where = ask("where")
    assert where != interp_id() and where in interpreters()
    assert recovery(1) == ("recovered", 0, 0, 0, 0, where)
    balance = 0
    for k in range(1, 10):
        balance += k
        assert ask(led.Deposit(amount=k)) == led.Balance(
            balance=balance, seq=k, replayed=0)
    assert ask(led.Withdraw(amount=1000)) == led.Balance(
        balance=balance, seq=9, replayed=0)  # refused: nothing written
    balance -= 7
    assert ask(led.Withdraw(amount=7)) == led.Balance(
        balance=balance, seq=10, replayed=0)
    balance += 3 * 4
    assert ask(led.Bulk(amount=4, times=3)) == led.Balance(
        balance=balance, seq=13, replayed=0)
    seen.wait(lambda s: ("saved", 10) in s, within=30,
              what="the snapshot at 10 saved")
    assert ("saved", 5) in seen
    # a failure: restarted in the same interpreter, recovered from the
    # snapshot at 10 and the three events after it
    with pytest.raises(akt.HandlerFailed, match="ValueError: boom in interpreter"):
        ask("boom")
    assert ask(led.Get()) == led.Balance(balance=balance, seq=13, replayed=3)
    assert recovery(2) == ("recovered", 13, balance, 3, 10, where)
    assert ask("where") == where
    # stopped, then a new incarnation of the same name there, then one in
    # the main interpreter: the same journal, the same state
    stop(acct)
    acct = psub.actor_of(on_sub(SubAccount, "/user/inbox"), "acct")
    assert ask(led.Get()) == led.Balance(balance=balance, seq=13, replayed=3)
    again = ask("where")  # (round robin: the pool's other interpreter)
    assert again != interp_id() and again in interpreters()
    assert recovery(3) == ("recovered", 13, balance, 3, 10, again)
    balance += 100
    assert ask(led.Deposit(amount=100)) == led.Balance(
        balance=balance, seq=14, replayed=3)
    stop(acct)
    acct = psub.actor_of(props(SubAccount, "/user/inbox"), "acct")
    assert ask("where") == interp_id()
    assert ask(led.Get()) == led.Balance(balance=balance, seq=14, replayed=4)
    assert recovery(4) == ("recovered", 14, balance, 4, 10, interp_id())


def test_fsm_and_persistent_children_stay_in_their_parents_interpreter(
        psub, gen):
    # ctx.spawn in a subinterpreter actor makes fsm and persistent
    # children there; a persistent one needs the journal started by the
    # main interpreter first (the journal decodes with its types): before,
    # the spawn fails naming that
    from conftest import Seen
    import ledger_akt as led
    from subinterp_stateful import Keeper
    psub.actor_of(props(Inbox, Seen()), "inbox")
    k = psub.actor_of(on_sub(Keeper))
    where = k.ask_blocking("where", timeout=30)
    assert where != interp_id() and where in interpreters()
    assert k.ask_blocking(("door",), timeout=30) == ("CLOSED", 1, where)
    err = k.ask_blocking(("account", "kid", "/user/inbox"), timeout=30)
    assert err.startswith("NotSupported: ") \
        and "started from the main interpreter" in err
    assert psub.start_persistence() is True
    assert k.ask_blocking(("account", "kid", "/user/inbox"), timeout=30) == (
        led.Balance(balance=5, seq=1, replayed=0), where)
