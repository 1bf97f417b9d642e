"""GIL strategies (multi-process): python-subprocess runs actors in worker
processes over NNG ipc (objects pickled, generated messages by their
descriptors), a Python exception there is an actor failure, and the crash
of a worker is a failure of the actor's host that its supervisor handles
(a restart starts the actor in a live worker) while the system lives on;
python-subinterpreter-pool and python-nogil name the interpreter they need
on this one; dispatchers come from configuration."""
import os
import select
import signal
import sys
import sysconfig
import time

import pytest

import akt
from akt import Actor, ActorSystem, props

from subproc_actors import Doubler, Where


def sub(cls, *args):
    return props(cls, *args).with_dispatcher("python-subprocess")


def test_actor_runs_in_a_worker_process(system):
    ref = system.actor_of(sub(Where, "w1"), "where")
    pid, tag, count, msg = ref.ask_blocking({"any": ["picklable", 1]}, timeout=30)
    assert pid != os.getpid() and tag == "w1" and count == 1
    assert msg == {"any": ["picklable", 1]}
    for i in range(200):
        ref.tell(i)
    assert ref.ask_blocking("last", timeout=30)[2] == 202  # in order, none lost
    assert ref.path.endswith("/user/where")


async def test_asyncio_and_python_actors_ask_a_worker(system):
    ref = system.actor_of(sub(Where))

    class Front(Actor):
        async def handle(self, ctx, msg):
            return (await ref.ask(msg, timeout=30))[3]
    front = system.actor_of(props(Front))
    assert await front.ask("via front", timeout=30) == "via front"


def test_generated_messages_cross_by_descriptor(gen, system):
    import interop_akt as pi
    ref = pi.AdderRef(system.actor_of(sub(Doubler)))
    s = ref.ask_add_blocking(pi.Add(a=3, b=4, note="x"), timeout=30)
    assert s == pi.Sum(value=14, note="x", half=0.0, even=True)


def test_a_python_exception_in_a_worker_is_a_failure(system):
    ref = system.actor_of(sub(Where))
    assert ref.ask_blocking("a", timeout=30)[2] == 1
    with pytest.raises(akt.HandlerFailed, match="ValueError: boom in a worker"):
        ref.ask_blocking("boom", timeout=30)
    assert ref.ask_blocking("b", timeout=30)[2] == 1  # restarted in the worker


def test_a_worker_crash_is_a_failure_the_supervisor_handles(system):
    ref = system.actor_of(sub(Where))
    local = system.actor_of(props(Where))
    pid = ref.ask_blocking("first", timeout=30)[0]
    ref.tell("second")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    timeouts = 0   # an ask that timed out may still reach the new incarnation
    while True:
        try:
            got = ref.ask_blocking("after", timeout=5)
            break
        except akt.AskTimeout:
            timeouts += 1
            assert time.monotonic() < deadline, "the actor never came back"
        except (akt.PeerUnreachable, akt.ActorStopped):
            assert time.monotonic() < deadline, "the actor never came back"
    new_pid, _, count, _ = got
    # a fresh incarnation, elsewhere (the old one had counted 3 by now)
    assert new_pid != pid and 1 <= count <= 1 + timeouts
    assert local.ask_blocking("still here")[0] == os.getpid()
    assert not ref.watch().done()  # restarted, not stopped


def test_cpu_work_runs_in_parallel_processes(system):
    """Two actors in two workers spin at once: each in its own process with
    its own GIL (the parent's Python thread stays free)."""
    system2 = system
    a = system2.actor_of(props(Where).with_dispatcher("cpu2"))
    b = system2.actor_of(props(Where).with_dispatcher("cpu2"))
    fa, fb = a.ask(("spin", 0.2), timeout=30), b.ask(("spin", 0.2), timeout=30)
    (pa, _), (pb, _) = fa.result(30), fb.result(30)
    assert pa != pb and os.getpid() not in (pa, pb)


@pytest.fixture
def system():
    s = ActorSystem.create_blocking(
        "strat", "akt.python.dispatchers.cpu2 { strategy = python-subprocess, workers = 2 }")
    yield s
    s.terminate_blocking()


def test_unpicklable_actors_and_messages_fail_clearly(system):
    class Local(Actor):  # not importable by a worker
        def handle(self, ctx, msg):
            return msg
    with pytest.raises(TypeError, match="must be picklable"):
        system.actor_of(sub(Local))
    ref = system.actor_of(sub(Where))
    with pytest.raises(TypeError, match="leaves this interpreter pickled, and it does not pickle"):
        ref.tell(lambda: 1)
    assert ref.ask_blocking("ok", timeout=30)[3] == "ok"


def test_subprocess_actors_are_spawned_by_the_system_only(system):
    class Parent(Actor):
        def handle(self, ctx, msg):
            try:
                ctx.spawn(sub(Where))
            except akt.NotSupported as e:
                return str(e)
    assert "only system.actor_of" in system.actor_of(props(Parent)).ask_blocking("x")


def test_other_strategies_name_the_interpreter_they_need(system):
    # on CPython 3.11 (Debian 12's) both name the interpreter they need; on
    # 3.12+ the pool says that akt does not run it yet, and why; python-nogil
    # names the free-threaded build it needs everywhere but 3.13t, where it
    # runs (test_nogil.py; tests/python/other_pythons.sh runs the suite on
    # 3.13 and 3.13t)
    v = sys.version_info
    ft = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    here = f"this is Python {v.major}.{v.minor}.{v.micro}{'t' if ft else ''}"
    if v < (3, 12):
        with pytest.raises(akt.NotSupported) as e:
            system.actor_of(props(Where).with_dispatcher("python-subinterpreter-pool"))
        assert "needs CPython 3.12 or newer (PEP 684" in str(e.value)
        assert here in str(e.value)
    else:  # (test_subinterp.py tests it)
        ref = system.actor_of(props(Where).with_dispatcher("python-subinterpreter-pool"))
        assert ref.ask_blocking("x", timeout=30)[0] == os.getpid()
    if v >= (3, 13) and ft:
        ref = system.actor_of(props(Where).with_dispatcher("python-nogil"))
        assert ref.ask_blocking("x", timeout=30)[0] == os.getpid()
        return
    with pytest.raises(akt.NotSupported) as e:
        system.actor_of(props(Where).with_dispatcher("python-nogil"))
    assert "needs a free-threaded CPython 3.13t or newer (PEP 703" in str(e.value)
    assert here in str(e.value)


def test_akt_core_loads_in_a_subinterpreter_from_3_12_on():
    # 3.12+: one copy of the module per interpreter, each with its own GIL
    # (Py_MOD_PER_INTERPRETER_GIL_SUPPORTED); 3.11 refuses with an
    # ImportError naming the version, never a crash or shared state
    try:
        import _interpreters as interp          # 3.13+
    except ImportError:
        interp = pytest.importorskip("_xxsubinterpreters")
    iid = interp.create()
    try:
        try:
            r = interp.run_string(iid, "import akt._core")
            text = None if r is None else f"{r.type.__name__}: {r.msg}"
        except Exception as e:                  # 3.11, 3.12: raised here
            text = str(e)
    finally:
        interp.destroy(iid)
    if sys.version_info >= (3, 12):
        assert text is None
    else:
        assert text is not None and "ImportError" in text
        assert "only on CPython 3.12+" in text


def test_dispatchers_come_from_configuration():
    s = ActorSystem.create_blocking("conf", """
        akt.python.dispatchers {
          ui { strategy = python-pinned }
        }""")
    try:
        assert s.actor_of(props(Where).with_dispatcher("ui")).ask_blocking("x")[0] == os.getpid()
        with pytest.raises(akt.NotFound, match="akt.python.dispatchers.nope is not in"):
            s.actor_of(props(Where).with_dispatcher("nope"))
    finally:
        s.terminate_blocking()


@pytest.mark.parametrize("entry, key, expected", [
    ("bad { strategy = python-threads }", "bad.strategy",
     "expected one of python-pinned, python-subprocess"),
    ("zero { strategy = python-subprocess, workers = 0 }", "zero.workers",
     "expected an integer >= 1"),
    ("big { strategy = python-nogil, workers = 5000 }", "big.workers",
     "expected an integer >= 1 (at most 1024)"),
    ("txt { strategy = python-nogil, workers = many }", "txt.workers",
     "expected an integer >= 1"),
])
def test_a_bad_dispatcher_setting_fails_start_up(tmp_path, entry, key, expected):
    # every akt.python.dispatchers entry is checked when the system starts,
    # whichever interpreter runs (a strategy this one lacks fails only when
    # used): the error names the key, the file and line it came from, and
    # what was expected
    conf = tmp_path / "app.conf"
    conf.write_text(f"akt.python.dispatchers {{\n  {entry}\n}}\n")
    with pytest.raises(akt.InvalidArgument) as e:
        ActorSystem.create_blocking("badconf", config_file=conf)
    text = str(e.value)
    assert text.startswith(f"akt.python.dispatchers.{key} (at {conf}:2): ")
    assert expected in text


def _held_signal(gate):
    """the FIFO the "hold" handler writes its pid to once it runs, opened
    for reading (not blocking) before the test sends "hold", so the
    worker's open for writing finds its reader at once"""
    os.mkfifo(gate + ".held")
    return os.open(gate + ".held", os.O_RDONLY | os.O_NONBLOCK)


def _wait_held(fd, timeout=30.0):
    """blocks (select on the FIFO) until the held handler wrote to it"""
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"the hold handler did not run within {timeout} s"
        assert os.read(fd, 64), "the hold handler closed its signal unwritten"
    finally:
        os.close(fd)


def test_asks_in_flight_when_a_worker_dies_fail_at_once(tmp_path):
    # The host keeps every ask it forwarded until its reply comes (none is
    # forgotten), at most akt.actor.default-mailbox.capacity of them (4
    # here): with the worker held in a handler, the 5th unanswered ask is
    # refused at once with MailboxFull -- which also shows that the 4 before
    # it were forwarded, as the host handles its mailbox in order. Killing
    # the worker then fails all 4 at once (their timeouts are 60 s), naming
    # the cause.
    s = ActorSystem.create_blocking(
        "inflight", "akt.actor.default-mailbox.capacity = 4")
    gate = str(tmp_path / "gate")
    os.mkfifo(gate)
    try:
        ref = s.actor_of(sub(Where))
        pid = ref.ask_blocking("where are you", timeout=30)[0]  # answered
        signal_fd = _held_signal(gate)
        held = ref.ask(("hold", gate), timeout=60)
        queued = [ref.ask(i, timeout=60) for i in range(3)]
        with pytest.raises(akt.MailboxFull,
                           match="4 asks to the actor in its worker are unanswered"):
            ref.ask("one too many", timeout=60).result(30)
        _wait_held(signal_fd)            # the worker runs the held handler
        assert not held.done() and not any(f.done() for f in queued)
        t0 = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        for fut in (held, *queued):
            with pytest.raises(akt.PeerUnreachable,
                               match=f"worker process {pid} died"):
                fut.result(30)
        assert time.monotonic() - t0 < 20      # far from the asks' 60 s
        # the restarted actor takes asks again, within the same bound
        assert ref.ask_blocking("back", timeout=30)[3] == "back"
    finally:
        try:  # release a handler still held (the test failed early)
            os.close(os.open(gate, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        s.terminate_blocking()


def test_a_held_handler_returns_when_the_test_releases_it(tmp_path, system):
    # the "hold" handler the test above relies on blocks exactly until the
    # test writes to its FIFO: then the held ask and the one queued behind
    # it are answered, in order
    gate = str(tmp_path / "gate")
    os.mkfifo(gate)
    ref = system.actor_of(sub(Where))
    signal_fd = _held_signal(gate)
    held = ref.ask(("hold", gate), timeout=30)
    behind = ref.ask("behind", timeout=30)
    _wait_held(signal_fd)
    assert not held.done() and not behind.done()
    with open(gate, "wb") as w:
        w.write(b"go")
    assert held.result(30)[1] == "released"
    assert behind.result(30)[3] == "behind"


def test_starting_a_worker_does_not_hold_a_pool_thread(tmp_path):
    # one pool thread: while a python-subprocess actor starts (a worker
    # process boots: hundreds of ms), a C actor on that pool still answers
    s = ActorSystem.create_blocking(
        "onepool", "akt.actor.default-dispatcher.workers = 1")
    try:
        echo = s._core._spawn_c_echo(None)

        class Probe(Actor):
            async def handle(self, ctx, msg):
                fut, c = msg
                await c.ask(b"ping")
                return fut.done()

        probe = s.actor_of(props(Probe))
        ref = s.actor_of(sub(Where))
        first = ref.ask("hello", timeout=30)
        # Future.result waits without running pool work on this thread
        assert probe.ask((first, echo), timeout=30).result(30) is False
        assert first.result(30)[3] == "hello"   # stashed, then delivered
    finally:
        s.terminate_blocking()


def test_messages_while_starting_are_stashed_up_to_the_capacity():
    s = ActorSystem.create_blocking("stash2", "akt.actor.stash-capacity = 2")
    try:
        ref = s.actor_of(sub(Where))
        futs = [ref.ask(i, timeout=30) for i in range(3)]
        with pytest.raises(akt.MailboxFull, match="starting in a worker and its stash"):
            futs[2].result(30)
        assert [f.result(30)[3] for f in futs[:2]] == [0, 1]
    finally:
        s.terminate_blocking()


def test_a_start_that_fails_is_a_failure_of_the_host(system, tmp_path, caplog):
    # a class the worker cannot import: every start fails, the host's
    # supervisor restarts it until its limit, then stops it
    (tmp_path / "parent_only.py").write_text(
        "from akt import Actor\n"
        "class Hidden(Actor):\n"
        "    def handle(self, ctx, msg):\n"
        "        return msg\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import parent_only
    finally:
        sys.path.remove(str(tmp_path))
    import logging
    with caplog.at_level(logging.ERROR, logger="akt"):
        ref = system.actor_of(sub(parent_only.Hidden))
        assert isinstance(ref.watch().result(60), akt.Terminated)
    assert any("cannot start the actor in a worker" in r.getMessage()
               for r in caplog.records)
