"""Fixtures of the akt Python suite. akt._core is loaded RTLD_GLOBAL so the
helper extension (_akt_testhelper: a C actor from aktc-generated code)
resolves its akt_* calls against the libakt inside _core.

`gen` runs aktc --py_out (the aktc of this build: $AKTPY_AKTC) on the fixture
.akt files into a temporary folder once per session and puts that folder on
sys.path, so tests import the generated modules as users do."""
import os
import pathlib
import subprocess
import sys
import threading

sys.setdlopenflags(sys.getdlopenflags() | os.RTLD_GLOBAL)

import pytest  # noqa: E402

import akt  # noqa: E402

SRC = pathlib.Path(os.environ.get("AKTPY_SOURCE_DIR",
                                  pathlib.Path(__file__).resolve().parents[2]))
HERE = pathlib.Path(__file__).resolve().parent

# the .akt files generated for the suite: aktc's corpus, the cross-language
# vectors, and the interop and fixture schemas of this folder
GEN_FILES = [
    SRC / "tests/aktc/ok/common.akt", SRC / "tests/aktc/ok/alltypes.akt",
    SRC / "tests/aktc/ok/greeter.akt", SRC / "tests/aktc/ok/defaults.akt",
    SRC / "tests/aktc/ok/door.akt", SRC / "tests/aktc/ok/text.akt",
    SRC / "tests/aktc/ok/ledger.akt",
    SRC / "tests/vectors/vectors.akt", HERE / "helper/interop.akt",
]


def aktc():
    exe = os.environ.get("AKTPY_AKTC")
    if not exe or not os.access(exe, os.X_OK):
        pytest.skip("AKTPY_AKTC is not set to an aktc binary (run through ctest)")
    return exe


def run_aktc(out, files, *extra):
    """aktc --py_out out files...; returns the CompletedProcess"""
    return subprocess.run([aktc(), "--py_out", str(out),
                           "-I", str(SRC / "tests/aktc/ok"), *extra,
                           *map(str, files)],
                          capture_output=True, text=True)



class Seen(list):
    """A list the actors' handlers, hooks and callbacks append to, and a
    test waits on: every append notifies a Condition, wait(pred) blocks on
    it until pred(self) holds (an event wait, no polling), failing with a
    message after `within` seconds."""

    def __init__(self, *items):
        super().__init__(*items)
        self._cv = threading.Condition()

    def append(self, item):
        with self._cv:
            super().append(item)
            self._cv.notify_all()

    def wait(self, pred, within=5.0, what="the condition"):
        with self._cv:
            ok = self._cv.wait_for(lambda: pred(self), within)
        assert ok, f"{what} never held within {within} s: {list(self)!r}"

@pytest.fixture(scope="session")
def gen(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    r = run_aktc(out, GEN_FILES)
    assert r.returncode == 0, r.stderr
    sys.path.insert(0, str(out))
    yield out
    sys.path.remove(str(out))


@pytest.fixture
def system():
    s = akt.ActorSystem.create_blocking("test")
    yield s
    s.terminate_blocking()


@pytest.fixture
def akt_lines():
    """the messages the "akt" logger gets (akt's log lines, bridged by the
    system's loop), in a Seen the test waits on"""
    import logging
    seen = Seen()

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    logger = logging.getLogger("akt")
    h = Keep(logging.DEBUG)
    logger.addHandler(h)
    yield seen
    logger.removeHandler(h)
