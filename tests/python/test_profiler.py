"""python -m akt.profiler: every scenario runs (--smoke) and prints JSON
lines in akt-profiler's schema (docs/profiler.md), Pykka's rows beside
akt's when pykka is installed; --format md prints the table; bad options
are usage errors. (Speed is the profiler's output, never asserted here.)"""
import json
import os
import subprocess
import sys

import pytest

FIELDS = {"runtime": str, "scenario": str, "params": dict, "messages": int,
          "seconds": (int, float), "rate": (int, float), "unit": str,
          "threads": int, "version": str, "machine": dict, "reps": int,
          "warmup": int, "spread": (int, float)}


def profiler(*args, timeout=300):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    return subprocess.run([sys.executable, "-m", "akt.profiler", *args],
                          capture_output=True, text=True, env=env, timeout=timeout)


def test_all_scenarios_print_schema_lines():
    r = profiler("--scenario", "all", "--smoke")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    akt_rows = [x for x in rows if x["runtime"] == "akt-python"]
    # python-nogil's cpu row only on a free-threaded 3.13t with the GIL off
    nogil = ["python-nogil"] if (
        sys.version_info >= (3, 13) and not getattr(sys, "_is_gil_enabled", lambda: True)()) \
        else []
    # python-subinterpreter-pool's on CPython 3.12+
    subi = ["python-subinterpreter-pool"] if sys.version_info >= (3, 12) else []
    assert [x["scenario"] for x in akt_rows] == [
        "tell", "ask", "ask_await", "ask_c", "tell_c", "convert", "fanout", "cpu", "cpu"] \
        + ["cpu"] * (len(nogil) + len(subi))
    for x in rows:
        for k, t in FIELDS.items():
            assert isinstance(x[k], t), (k, x)
        assert all(isinstance(v, int) for v in x["params"].values())
        assert x["rate"] > 0 and x["seconds"] > 0
        assert isinstance(x["machine"]["cores"], int)
    lat = {x["scenario"]: x for x in akt_rows}
    assert all(lat[s]["p50_us"] > 0 for s in ("ask", "ask_await", "ask_c"))
    assert lat["tell"]["p50_us"] is None
    assert lat["convert"]["to_ns"] > 0 and lat["convert"]["from_ns"] > 0
    assert [x["strategy"] for x in akt_rows if x["scenario"] == "cpu"] == [
        "python-pinned", "python-subprocess"] + nogil + subi
    try:
        import pykka  # noqa: F401
    except ImportError:
        assert "pykka is not installed" in r.stderr
    else:
        assert {x["scenario"] for x in rows if x["runtime"] == "pykka"} == {
            "tell", "ask", "fanout", "cpu"}


def test_markdown_table_and_usage_errors():
    r = profiler("--scenario", "tell", "--smoke", "--format", "md", "--no-pykka")
    assert r.returncode == 0, r.stderr
    assert "| runtime | scenario | params |" in r.stdout
    assert "| akt-python | tell | n=2000 |" in r.stdout
    assert "| akt-python | tell_c |" in r.stdout
    r = profiler("--scenario", "nope")
    assert r.returncode == 2 and "invalid choice" in r.stderr
    r = profiler("--n", "0")
    assert r.returncode == 2 and "--n must be >= 1" in r.stderr
