"""python -m akt.profiler -- akt's profiler for Python actors, in the
result schema of akt-profiler (docs/profiler.md): one JSON line per result
(or a markdown table), with Pykka (a thread per actor; Debian's
python3-pykka) measured in the same run where the scenario exists.

    python -m akt.profiler --scenario tell|ask|fanout|cpu|all
                           [--format json|md] [--n N] [--actors A]
                           [--work W] [--reps R] [--warmup W] [--smoke]
                           [--no-pykka]

Scenarios (runtime "akt-python" unless noted; every Python actor on
python-pinned unless the result's "strategy" says otherwise):

  tell       a plain thread tells n ints to one Python actor, then asks it
             for its count: one-way throughput into Python.        [pykka]
  ask        a plain thread ask_blocking()s a Python echo actor n times,
             one outstanding; p50/p99 of the round trip.           [pykka]
  ask_await  the same from a coroutine: `await ref.ask(i)` on an asyncio
             loop in the calling thread.
  ask_c      ask_blocking() to a C echo actor (no Python handler).
  tell_c     a C thread tells n messages of a generated type to a Python
             actor (each converted to its class there).
  convert    a 5-field generated message to its akt struct and back, timed
             in C in the thread's CPU time: rate in conversions/s, ns each
             way in to_ns / from_ns.
  fanout     a Python actor sends n rounds, each to every one of A Python
             actors; ends when each has had n.                     [pykka]
  cpu        n messages round-robin to A actors, each doing W rounds of
             integer mixing in Python; speedup over the same work inline
             (timed next to each rep; the median of the reps' ratios).
             Run on python-pinned (one GIL: ~1x at best), on
             python-subprocess (2 worker processes), on CPython 3.12+ on
             python-subinterpreter-pool (2 subinterpreters) and, on a
             free-threaded 3.13t, on python-nogil (2 worker threads).
                                                                  [pykka]

Each result is the median of --reps repetitions after --warmup untimed
ones, with spread = (max - min) / median of the rates.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import threading
import time

import akt
from akt import Actor, ActorSystem, props

RUNTIME = "akt-python"


def _fnv(s: str) -> int:
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


class Tick(akt.Message):
    """One int (tell_c)."""
    __slots__ = ("n",)


class Five(akt.Message):
    """The 5-field message of `convert`."""
    __slots__ = ("id", "price", "name", "ok", "qty")


akt.bind_module(__name__, (
    (Tick, "akt.profiler.Tick", _fnv("akt.profiler.Tick"), 0, (
        ("n", 1, "int64", None, None, None, False, None),
    )),
    (Five, "akt.profiler.Five", _fnv("akt.profiler.Five"), 0, (
        ("id", 1, "int64", None, None, None, False, None),
        ("price", 2, "float64", None, None, None, False, None),
        ("name", 3, "string", None, None, None, False, None),
        ("ok", 4, "bool", None, None, None, False, None),
        ("qty", 5, "int32", None, None, None, False, None),
    )),
), ())


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


MACHINE = {"cores": os.cpu_count() or 1, "cpu": _cpu_model()}


def _percentile(sorted_v, q):
    if not sorted_v:
        return None
    k = min(len(sorted_v) - 1, max(0, int(round(q * (len(sorted_v) - 1)))))
    return sorted_v[k]


def mix(x, work):
    """W rounds of integer mixing (the cpu scenario's handler work)."""
    for _ in range(work):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 29
    return x


# --- actors ---------------------------------------------------------------------

class Counter(Actor):
    def __init__(self):
        self.count = 0

    def handle(self, ctx, msg):
        if msg == "get":
            return self.count
        self.count += 1


class TickCounter(Actor):
    def __init__(self):
        self.count = 0

    def handle(self, ctx, msg):
        if msg == "get":
            return self.count
        self.count += 1


class Echo(Actor):
    def handle(self, ctx, msg):
        return msg


class Worker(Actor):
    """cpu: mixes; "get" answers how many it did and their xor"""

    def __init__(self, work):
        self.work = work
        self.done = 0
        self.acc = 0

    def handle(self, ctx, msg):
        if msg == "get":
            return (self.done, self.acc)
        self.acc ^= mix(msg, self.work)
        self.done += 1


class Sink(Actor):
    """fanout: counts to n, then sets the round's latch"""

    def __init__(self, latch):
        self.latch = latch
        self.count = 0

    def handle(self, ctx, msg):
        if msg == "reset":
            self.count = 0
            return True
        self.count += 1
        if self.count == self.latch.n:
            self.latch.hit()


class Broadcaster(Actor):
    def __init__(self, sinks):
        self.sinks = sinks

    def handle(self, ctx, msg):
        for r in range(msg):
            for s in self.sinks:
                s.tell(r)


class Latch:
    def __init__(self, parties, n):
        self.n = n
        self.parties = parties
        self.left = parties
        self.cv = threading.Condition()

    def reset(self):
        with self.cv:
            self.left = self.parties

    def hit(self):
        with self.cv:
            self.left -= 1
            if self.left == 0:
                self.cv.notify_all()

    def wait(self, timeout=600):
        with self.cv:
            if not self.cv.wait_for(lambda: self.left == 0, timeout):
                raise TimeoutError("fanout did not finish")


# --- measuring --------------------------------------------------------------------

def _result(opts, runtime, scenario, params, messages, samples, unit,
            threads, version, lat=None, extra=None):
    """samples: seconds per timed rep; lat: (p50, p99) medians in µs"""
    rates = [messages / s for s in samples]
    rate = statistics.median(rates)
    r = {
        "runtime": runtime, "scenario": scenario, "params": params,
        "messages": messages, "seconds": round(statistics.median(samples), 6),
        "rate": round(rate, 1), "unit": unit, "threads": threads,
        "p50_us": None if lat is None else round(lat[0], 3),
        "p99_us": None if lat is None else round(lat[1], 3),
        "version": version, "machine": MACHINE, "reps": opts.reps,
        "warmup": opts.warmup,
        "spread": round((max(rates) - min(rates)) / rate, 4) if rate else 0,
        "rate_min": round(min(rates), 1), "rate_max": round(max(rates), 1),
        "python": platform.python_version(),
    }
    if extra:
        r.update(extra)
    return r


def _reps(opts, fn):
    """run fn() warmup + reps times; fn returns seconds or (seconds, p50, p99)"""
    out = []
    for i in range(opts.warmup + opts.reps):
        v = fn()
        if i >= opts.warmup:
            out.append(v if isinstance(v, tuple) else (v,))
    secs = [v[0] for v in out]
    lat = None
    if len(out[0]) == 3:
        lat = (statistics.median(v[1] for v in out), statistics.median(v[2] for v in out))
    return secs, lat


def _lat_run(n, call):
    lat = []
    pc = time.perf_counter_ns
    t0 = time.perf_counter()
    for i in range(n):
        a = pc()
        call(i)
        lat.append(pc() - a)
    secs = time.perf_counter() - t0
    lat.sort()
    return secs, _percentile(lat, 0.5) / 1000, _percentile(lat, 0.99) / 1000


AKT_VERSION = getattr(akt, "__version__", "0.1.0")


def akt_tell(opts, system):
    ref = system.actor_of(props(Counter))
    n = opts.n

    def run():
        base = ref.ask_blocking("get")
        t0 = time.perf_counter()
        for i in range(n):
            ref.tell(i)
        got = ref.ask_blocking("get", timeout=600)
        secs = time.perf_counter() - t0
        assert got - base == n, (got, base)
        return secs
    secs, _ = _reps(opts, run)
    return _result(opts, RUNTIME, "tell", {"n": n}, n, secs, "messages/s", 1,
                   AKT_VERSION, extra={"strategy": "python-pinned"})


def akt_ask(opts, system):
    ref = system.actor_of(props(Echo))
    n = opts.n_ask
    secs, lat = _reps(opts, lambda: _lat_run(n, lambda i: ref.ask_blocking(i)))
    return _result(opts, RUNTIME, "ask", {"n": n}, 2 * n, secs, "round_trips/s",
                   1, AKT_VERSION, lat, {"strategy": "python-pinned"})


def akt_ask_await(opts, system):
    ref = system.actor_of(props(Echo))
    n = opts.n_ask

    async def run():
        lat = []
        pc = time.perf_counter_ns
        t0 = time.perf_counter()
        for i in range(n):
            a = pc()
            await ref.ask(i)
            lat.append(pc() - a)
        secs = time.perf_counter() - t0
        lat.sort()
        return secs, _percentile(lat, 0.5) / 1000, _percentile(lat, 0.99) / 1000

    loop = asyncio.new_event_loop()
    try:
        secs, lat = _reps(opts, lambda: loop.run_until_complete(run()))
    finally:
        loop.close()
    return _result(opts, RUNTIME, "ask_await", {"n": n}, 2 * n, secs,
                   "round_trips/s", 1, AKT_VERSION, lat,
                   {"strategy": "python-pinned"})


def akt_ask_c(opts, system):
    ref = system._core._spawn_c_echo(None)
    n = opts.n_ask
    secs, lat = _reps(opts, lambda: _lat_run(n, lambda i: ref.ask_blocking(i)))
    return _result(opts, RUNTIME, "ask_c", {"n": n}, 2 * n, secs, "round_trips/s",
                   1, AKT_VERSION, lat, {"target": "C actor"})


def akt_tell_c(opts, system):
    ref = system.actor_of(props(TickCounter))
    n = opts.n
    msg = Tick(n=7)

    def run():
        base = ref.ask_blocking("get")
        t0 = time.perf_counter()
        ref._c_tell(msg, n)  # a C loop, GIL released
        got = ref.ask_blocking("get", timeout=600)
        secs = time.perf_counter() - t0
        assert got - base == n, (got, base)
        return secs
    secs, _ = _reps(opts, run)
    return _result(opts, RUNTIME, "tell_c", {"n": n}, n, secs, "messages/s", 1,
                   AKT_VERSION, extra={"strategy": "python-pinned",
                                       "sender": "C thread"})


def akt_convert(opts, system):
    msg = Five(id=123456789, price=19.99, name="a widget", ok=True, qty=3)
    n = opts.n
    out = []
    for i in range(opts.warmup + opts.reps):
        to_ns, from_ns = akt._core._bench_convert(msg, n)
        if i >= opts.warmup:
            out.append((to_ns, from_ns))
    secs = [(t + f) * n / 1e9 for t, f in out]
    return _result(opts, RUNTIME, "convert", {"n": n}, 2 * n, secs,
                   "conversions/s", 1, AKT_VERSION,
                   extra={"to_ns": round(statistics.median(t for t, _ in out), 1),
                          "from_ns": round(statistics.median(f for _, f in out), 1),
                          "fields": 5})


def akt_fanout(opts, system):
    a, n = opts.actors_fanout, opts.n_fanout
    latch = Latch(a, n)
    sinks = [system.actor_of(props(Sink, latch)) for _ in range(a)]
    b = system.actor_of(props(Broadcaster, sinks))

    def run():
        for s in sinks:
            s.ask_blocking("reset")
        latch.reset()
        t0 = time.perf_counter()
        b.tell(n)
        latch.wait()
        return time.perf_counter() - t0
    secs, _ = _reps(opts, run)
    return _result(opts, RUNTIME, "fanout", {"n": n, "actors": a}, n * a, secs,
                   "messages/s", 1, AKT_VERSION, extra={"strategy": "python-pinned"})


def _nogil_here():
    """a free-threaded CPython 3.13t with the GIL off (python-nogil runs)"""
    import sysconfig
    return (sys.version_info >= (3, 13)
            and bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
            and not sys._is_gil_enabled())


def _cpu_baseline(n, work):
    t0 = time.perf_counter()
    acc = 0
    for i in range(n):
        acc ^= mix(i, work)
    return time.perf_counter() - t0


def akt_cpu(opts, system, strategy):
    a, n, work = opts.actors, opts.n_cpu, opts.work
    p = props(Worker, work)
    if strategy != "python-pinned":
        p = p.with_dispatcher(strategy)
    workers = [system.actor_of(p) for _ in range(a)]
    for w in workers:  # started (a worker process may take a moment)
        w.ask_blocking("get", timeout=60)
    ratios = []

    def run():
        base = _cpu_baseline(n, work)  # inline, next to each rep: a shared
        t0 = time.perf_counter()       # machine's load changes under us
        for i in range(n):
            workers[i % a].tell(i)
        for w in workers:
            w.ask_blocking("get", timeout=600)
        secs = time.perf_counter() - t0
        ratios.append(base / secs)
        return secs
    secs, _ = _reps(opts, run)
    speedup = statistics.median(ratios[opts.warmup:])
    base = statistics.median(secs) * speedup
    threads = 1 if strategy == "python-pinned" else min(a, 2)
    return _result(opts, RUNTIME, "cpu", {"n": n, "actors": a, "work": work}, n,
                   secs, "messages/s", threads, AKT_VERSION,
                   extra={"strategy": strategy, "speedup": round(speedup, 3),
                          "efficiency": round(speedup / threads, 3),
                          "baseline_seconds": round(base, 6)})


# --- Pykka ------------------------------------------------------------------------

def _pykka():
    try:
        import pykka
    except ImportError:
        return None
    return pykka


def pykka_runs(opts, scenario):
    pykka = _pykka()
    if pykka is None:
        return []
    version = getattr(pykka, "__version__", None)
    if version is None:
        try:
            from importlib.metadata import version as _v
            version = _v("pykka")
        except Exception:  # noqa: BLE001 - Debian's may have no metadata
            version = "?"

    class PCounter(pykka.ThreadingActor):
        def __init__(self):
            super().__init__()
            self.count = 0

        def on_receive(self, msg):
            if msg == "get":
                return self.count
            self.count += 1

    class PEcho(pykka.ThreadingActor):
        def on_receive(self, msg):
            return msg

    class PWorker(pykka.ThreadingActor):
        def __init__(self, work):
            super().__init__()
            self.work = work
            self.acc = 0

        def on_receive(self, msg):
            if msg == "get":
                return self.acc
            self.acc ^= mix(msg, self.work)

    class PSink(pykka.ThreadingActor):
        def __init__(self, latch):
            super().__init__()
            self.latch = latch
            self.count = 0

        def on_receive(self, msg):
            if msg == "reset":
                self.count = 0
                return True
            self.count += 1
            if self.count == self.latch.n:
                self.latch.hit()

    class PBroadcaster(pykka.ThreadingActor):
        def __init__(self, sinks):
            super().__init__()
            self.sinks = sinks

        def on_receive(self, msg):
            for r in range(msg):
                for s in self.sinks:
                    s.tell(r)

    out = []
    try:
        if scenario == "tell":
            ref = PCounter.start()
            n = opts.n_pykka

            def run():
                base = ref.ask("get")
                t0 = time.perf_counter()
                for i in range(n):
                    ref.tell(i)
                got = ref.ask("get")
                secs = time.perf_counter() - t0
                assert got - base == n
                return secs
            secs, _ = _reps(opts, run)
            out.append(_result(opts, "pykka", "tell", {"n": n}, n, secs,
                               "messages/s", 1, version))
        elif scenario == "ask":
            ref = PEcho.start()
            n = opts.n_ask
            secs, lat = _reps(opts, lambda: _lat_run(n, lambda i: ref.ask(i)))
            out.append(_result(opts, "pykka", "ask", {"n": n}, 2 * n, secs,
                               "round_trips/s", 1, version, lat))
        elif scenario == "fanout":
            a, n = opts.actors_fanout, opts.n_fanout
            latch = Latch(a, n)
            sinks = [PSink.start(latch) for _ in range(a)]
            b = PBroadcaster.start(sinks)

            def run():
                for s in sinks:
                    s.ask("reset")
                latch.reset()
                t0 = time.perf_counter()
                b.tell(n)
                latch.wait()
                return time.perf_counter() - t0
            secs, _ = _reps(opts, run)
            out.append(_result(opts, "pykka", "fanout", {"n": n, "actors": a},
                               n * a, secs, "messages/s", a + 1, version))
        elif scenario == "cpu":
            a, n, work = opts.actors, opts.n_cpu, opts.work
            workers = [PWorker.start(work) for _ in range(a)]
            ratios = []

            def run():
                base = _cpu_baseline(n, work)
                t0 = time.perf_counter()
                for i in range(n):
                    workers[i % a].tell(i)
                for w in workers:
                    w.ask("get")
                secs = time.perf_counter() - t0
                ratios.append(base / secs)
                return secs
            secs, _ = _reps(opts, run)
            speedup = statistics.median(ratios[opts.warmup:])
            base = statistics.median(secs) * speedup
            out.append(_result(opts, "pykka", "cpu",
                               {"n": n, "actors": a, "work": work}, n, secs,
                               "messages/s", a, version,
                               extra={"speedup": round(speedup, 3),
                                      "efficiency": round(speedup / a, 3),
                                      "baseline_seconds": round(base, 6)}))
    finally:
        pykka.ActorRegistry.stop_all()
    return out


# --- driver -----------------------------------------------------------------------

SCENARIOS = ("tell", "ask", "ask_await", "ask_c", "tell_c", "convert", "fanout",
             "cpu")
GROUPS = {"tell": ("tell", "tell_c"), "ask": ("ask", "ask_await", "ask_c"),
          "fanout": ("fanout",), "cpu": ("cpu",), "convert": ("convert",),
          "all": SCENARIOS}


def run_scenario(opts, system, name):
    if name == "tell":
        yield akt_tell(opts, system)
    elif name == "ask":
        yield akt_ask(opts, system)
    elif name == "ask_await":
        yield akt_ask_await(opts, system)
    elif name == "ask_c":
        yield akt_ask_c(opts, system)
    elif name == "tell_c":
        yield akt_tell_c(opts, system)
    elif name == "convert":
        yield akt_convert(opts, system)
    elif name == "fanout":
        yield akt_fanout(opts, system)
    elif name == "cpu":
        yield akt_cpu(opts, system, "python-pinned")
        yield akt_cpu(opts, system, "python-subprocess")
        if _nogil_here():
            yield akt_cpu(opts, system, "python-nogil")
        if sys.version_info >= (3, 12):
            yield akt_cpu(opts, system, "python-subinterpreter-pool")
    if name in ("tell", "ask", "fanout", "cpu") and not opts.no_pykka:
        yield from pykka_runs(opts, name)


def md_header(opts):
    print(f"akt-python {AKT_VERSION} (Python {platform.python_version()}), "
          f"{MACHINE['cores']} cores ({MACHINE['cpu']}); median of {opts.reps} "
          f"reps after {opts.warmup} warm-up\n")
    print("| runtime | scenario | params | rate | unit | spread | p50 µs | p99 µs | notes |")
    print("|---|---|---|---:|---|---:|---:|---:|---|")


def md_row(r):
    params = " ".join(f"{k}={v}" for k, v in r["params"].items())
    notes = []
    if "strategy" in r:
        notes.append(r["strategy"])
    if "speedup" in r:
        notes.append(f"speedup {r['speedup']:.2f}x")
    if "to_ns" in r:
        notes.append(f"to C {r['to_ns']:.0f} ns, to Python {r['from_ns']:.0f} ns")
    if "sender" in r:
        notes.append(f"sender: {r['sender']}")
    p50 = "–" if r["p50_us"] is None else f"{r['p50_us']:.2f}"
    p99 = "–" if r["p99_us"] is None else f"{r['p99_us']:.2f}"
    print(f"| {r['runtime']} | {r['scenario']} | {params} | {r['rate']:.0f} | "
          f"{r['unit']} | ±{100 * r['spread']:.0f}% | {p50} | {p99} | "
          f"{', '.join(notes)} |", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m akt.profiler",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default="all",
                    choices=sorted(set(GROUPS) | set(SCENARIOS)))
    ap.add_argument("--format", default="json", choices=("json", "md"))
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--actors", type=int, default=2)
    ap.add_argument("--work", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--smoke", action="store_true",
                    help="tiny sizes, one rep: checks that it runs")
    ap.add_argument("--no-pykka", action="store_true")
    opts = ap.parse_args(argv)
    if opts.smoke:
        opts.n, opts.reps, opts.warmup, opts.work = 2000, 1, 0, 50
    for v, name in ((opts.n, "--n"), (opts.reps, "--reps"), (opts.actors, "--actors"),
                    (opts.work, "--work")):
        if v < 1:
            ap.error(f"{name} must be >= 1")
    if opts.warmup < 0:
        ap.error("--warmup must be >= 0")
    opts.n_ask = max(100, opts.n // 20)
    opts.n_fanout = max(100, opts.n // 10)
    opts.actors_fanout = max(opts.actors, 4)
    opts.n_cpu = max(20, opts.n // 500)
    opts.n_pykka = max(1000, opts.n // 5)  # Pykka's tell is ~10x slower
    if not opts.no_pykka and _pykka() is None:
        print("akt.profiler: pykka is not installed (Debian: python3-pykka, "
              "or pip install pykka): its rows are left out", file=sys.stderr)
    names = (opts.scenario,) if opts.scenario in SCENARIOS and opts.scenario not in GROUPS \
        else GROUPS[opts.scenario]
    if opts.format == "md":
        md_header(opts)
    system = ActorSystem.create_blocking("profiler")
    try:
        for name in names:
            for r in run_scenario(opts, system, name):
                if opts.format == "json":
                    print(json.dumps(r, ensure_ascii=False), flush=True)
                else:
                    md_row(r)
    finally:
        system.terminate_blocking()
    return 0


if __name__ == "__main__":
    # run the copy imported as akt.profiler, so python-subprocess workers
    # can import the actor classes by name (not as __main__'s)
    from akt import profiler as _self
    sys.exit(_self.main())
