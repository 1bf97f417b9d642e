"""Fixtures of the akt Python suite. akt._core is loaded RTLD_GLOBAL so the
helper extension (_akt_testhelper: a C actor from aktc-generated code)
resolves its akt_* calls against the libakt inside _core."""
import os
import sys

sys.setdlopenflags(sys.getdlopenflags() | os.RTLD_GLOBAL)

import pytest  # noqa: E402

import akt  # noqa: E402


@pytest.fixture
def system():
    s = akt.ActorSystem.create_blocking("test")
    yield s
    s.terminate_blocking()
