"""python-nogil (PEP 703, a free-threaded CPython 3.13t): akt._core keeps
the GIL off, and Python actors of a python-nogil dispatcher run on its
worker threads several at once in one interpreter, one actor on one thread
at a time, with asks, async handlers, supervision and many actors under
load. On another interpreter the module is skipped (the reason is printed;
tests/python/other_pythons.sh runs it on 3.13t) and test_strategies.py
checks the error that names the interpreter needed."""
import asyncio
import os
import subprocess
import sys
import sysconfig
import threading

import pytest

import akt
from akt import Actor, ActorSystem, props

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))

pytestmark = pytest.mark.skipif(
    not FREE_THREADED or sys.version_info < (3, 13),
    reason=f"python-nogil needs a free-threaded CPython 3.13t; this is "
           f"{sys.version.split()[0]} (tests/python/other_pythons.sh runs "
           f"these on 3.13t)")

CONF = """akt.python.dispatchers {
  cpu { strategy = python-nogil, workers = 4 }
}"""


@pytest.fixture
def system():
    s = ActorSystem.create_blocking("nogil", CONF)
    yield s
    s.terminate_blocking()


def nogil(cls, *args):
    return props(cls, *args).with_dispatcher("cpu")


def test_importing_akt_keeps_the_gil_disabled():
    # Py_mod_gil = Py_MOD_GIL_NOT_USED: the import neither turns the GIL
    # back on nor warns that it did (-W error would make that warning fail)
    r = subprocess.run(
        [sys.executable, "-W", "error", "-c",
         "import akt, akt._core, sys; print(sys._is_gil_enabled())"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"
    assert sys._is_gil_enabled() is False


class Meet(Actor):
    """waits at a barrier shared by the actors of the test: it passes only
    when all of them are inside their handlers at the same instant"""

    def __init__(self, barrier):
        self.barrier = barrier

    def handle(self, ctx, msg):
        self.barrier.wait(timeout=20)
        return threading.get_ident()


def test_actors_run_in_parallel_on_worker_threads(system):
    # four actors, four workers: every handler waits at one barrier for
    # the other three, which can only pass if all four run at once (one
    # interpreter, no GIL); run one at a time, the barrier would break
    # after its timeout and each ask would fail with HandlerFailed
    barrier = threading.Barrier(4)
    refs = [system.actor_of(nogil(Meet, barrier)) for _ in range(4)]
    futs = [r.ask("meet", timeout=30) for r in refs]
    idents = {f.result(30) for f in futs}
    assert len(idents) == 4                      # four different threads
    assert threading.get_ident() not in idents   # none is the caller's


class Exclusive(Actor):
    """counts its messages; a second thread inside the handler of the
    same actor would find the lock taken"""

    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0
        self.overlaps = 0

    def handle(self, ctx, msg):
        if not self.lock.acquire(blocking=False):
            self.overlaps += 1
            return None
        try:
            if msg == "count":
                return (self.n, self.overlaps)
            n = self.n
            for _ in range(50):
                pass
            self.n = n + 1       # a lost update if two threads ran here
        finally:
            self.lock.release()
        return None


def test_one_actor_never_runs_on_two_threads_at_once(system):
    # 4 workers, 8 senders telling one actor 2,000 messages each: every
    # message counted, no handler ever overlapped another of that actor
    ref = system.actor_of(nogil(Exclusive))

    def send():
        for _ in range(2000):
            ref.tell("inc")

    ts = [threading.Thread(target=send) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert ref.ask_blocking("count", timeout=30) == (16000, 0)


class Counter(Actor):
    def __init__(self, peer=None):
        self.n = 0
        self.peer = peer

    def handle(self, ctx, msg):
        if msg == "get":
            return self.n
        if isinstance(msg, tuple) and msg[0] == "ask":
            return msg[1] * 2
        self.n += 1
        if self.peer is not None:
            self.peer.tell("inc")
        return None


def test_many_actors_tells_and_asks_under_load(system):
    # 200 actors on 4 workers; 100 of them forward each message to a
    # partner; 6 threads tell and ask all of them at once: each counter
    # ends at exactly what was sent to it, every ask gets its own answer
    sinks = [system.actor_of(nogil(Counter)) for _ in range(100)]
    fronts = [system.actor_of(nogil(Counter, s)) for s in sinks]
    rounds, errors = 50, []

    def load(k):
        try:
            for r in range(rounds):
                for i, f in enumerate(fronts):
                    f.tell("inc")
                    if (i + r + k) % 10 == 0:
                        assert f.ask_blocking(("ask", i * k + r), timeout=30) \
                            == 2 * (i * k + r)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    ts = [threading.Thread(target=load, args=(k,)) for k in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
    # an ask is answered after every tell sent before it by this thread
    assert [f.ask_blocking("get", timeout=30) for f in fronts] == [6 * rounds] * 100
    # the forwards of a front reach its sink before a later ask of ours:
    # wait on each sink's count through asks (each forward precedes the
    # front's reply to "get" above, so it is in the sink's mailbox by now)
    assert [s.ask_blocking("get", timeout=30) for s in sinks] == [6 * rounds] * 100
    assert system.stats()["live_actors"] >= 200


class Front(Actor):
    def __init__(self, back):
        self.back = back

    async def handle(self, ctx, msg):
        child = ctx.spawn(nogil(Counter))          # before the first await
        doubled = await self.back.ask(("ask", msg))
        await akt.on_loop()
        # a plain asyncio awaitable works now: an Event set by the loop
        ready = asyncio.Event()
        asyncio.get_running_loop().call_soon(ready.set)
        await ready.wait()
        assert await child.ask("get") == 0
        return doubled + 1


def test_async_handlers_await_on_the_system_loop(system):
    # an async handler on a worker: ctx works until its first await, an
    # akt Future awaited there moves it to the system's loop, where asyncio
    # awaitables work too; the reply comes when it ends
    front = system.actor_of(nogil(Front, system.actor_of(nogil(Counter))))
    assert [front.ask_blocking(i, timeout=30) for i in range(5)] \
        == [2 * i + 1 for i in range(5)]


class Fragile(Actor):
    def __init__(self):
        self.n = 0

    def handle(self, ctx, msg):
        if msg == "boom":
            raise ValueError("boom on a worker")
        self.n += 1
        return self.n


def test_an_exception_is_a_failure_the_supervisor_restarts(system):
    ref = system.actor_of(nogil(Fragile))
    assert ref.ask_blocking("x", timeout=30) == 1
    assert ref.ask_blocking("x", timeout=30) == 2
    with pytest.raises(akt.HandlerFailed, match="ValueError: boom on a worker"):
        ref.ask_blocking("boom", timeout=30)
    assert ref.ask_blocking("x", timeout=30) == 1   # a fresh instance


def test_routers_and_children_run_on_the_pool(system):
    # once actor_of started the dispatcher, a router's routees and an
    # actor's children can be python-nogil actors too: a round-robin pool
    # of 4 meets at a barrier of 4 (only possible when they run at once)
    system.actor_of(nogil(Counter))
    barrier = threading.Barrier(4)
    pool = system.router("round-robin", nogil(Meet, barrier), instances=4)
    futs = [pool.ask("meet", timeout=30) for _ in range(4)]
    assert len({f.result(30) for f in futs}) == 4


def test_blocking_waits_inside_a_worker_raise(system):
    class Blocker(Actor):
        def handle(self, ctx, msg):
            try:
                msg.ask_blocking("get", timeout=1)
            except akt.InvalidState as e:
                return str(e)

    other = system.actor_of(nogil(Counter))
    text = system.actor_of(nogil(Blocker)).ask_blocking(other, timeout=30)
    assert "ask_blocking would block" in text


def test_bad_workers_fail_start_up_naming_the_key():
    with pytest.raises(akt.InvalidArgument,
                       match=r"akt.python.dispatchers.cpu.workers \(at .*\): "
                             r"expected an integer >= 1"):
        ActorSystem.create_blocking("badpool", """
            akt.python.dispatchers.cpu { strategy = python-nogil, workers = 0 }""")


def test_terminate_while_threads_still_send_is_clean():
    # user threads keep telling while the system terminates: their tells
    # fail with SystemClosed (or reach dead letters), nothing crashes
    s = ActorSystem.create_blocking("nogil-term", CONF)
    refs = [s.actor_of(nogil(Counter)) for _ in range(8)]
    stop, seen = threading.Event(), []

    def spam():
        while not stop.is_set():
            for r in refs:
                try:
                    r.tell("inc")
                except akt.SystemClosed:
                    seen.append("closed")
                    return
                except akt.AktError:
                    pass

    ts = [threading.Thread(target=spam) for _ in range(3)]
    for t in ts:
        t.start()
    assert refs[0].ask_blocking("get", timeout=30) >= 0
    s.terminate_blocking()
    for t in ts:
        t.join(30)
    stop.set()
    assert seen == ["closed"] * 3
