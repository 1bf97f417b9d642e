"""Remoting from Python (multi-process): a Python node and a C node
(helper/remote_peer.c, built from the same interop.akt with aktc's C
output) ask each other through generated types over ipc, in the wire format
C uses; two Python nodes exchange plain Python objects, pickled only where
they leave their interpreter."""
import os
import subprocess
import sys
import textwrap

import pytest

import akt
from akt import Actor, ActorSystem, props


def peer_exe():
    exe = os.environ.get("AKTPY_REMOTE_PEER")
    if not exe or not os.access(exe, os.X_OK):
        pytest.skip("AKTPY_REMOTE_PEER is not set (run through ctest)")
    return exe


@pytest.fixture
def node(tmp_path):
    s = ActorSystem.create_blocking("pynode")
    addr = s.start_remoting(f"ipc://{tmp_path}/py.sock", cookie="s3cret")
    assert addr == f"akt://pynode@[ipc://{tmp_path}/py.sock]"
    yield s
    s.terminate_blocking()


def test_python_and_c_nodes_ask_each_other_with_generated_types(gen, node, tmp_path):
    import interop_akt as pi

    class PyAdder(pi.AdderActor):
        def on_add(self, ctx, msg):
            v = msg.a + msg.b + sum(msg.extra)
            return pi.Sum(value=v, note=f"Python saw {msg.note!r}", half=v / 2,
                          even=v % 2 == 0)

    mine = node.actor_of(props(PyAdder), "adder")
    assert node.path_of(mine) == f"{node.address}/user/adder"
    peer = subprocess.Popen(
        [peer_exe(), f"ipc://{tmp_path}/c.sock", "s3cret", node.path_of(mine)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        # C -> Python: the C node's typed call reached PyAdder and got its Sum
        first = peer.stdout.readline()
        assert first == "C got value=142 note=Python saw 'from C' half=71 even=1\n", \
            first + peer.stderr.read() if not first else first
        ready = peer.stdout.readline().split()
        assert ready[0] == "READY", ready
        # Python -> C: a typed ask through the proxy to the C actor
        c_adder = pi.AdderRef(node.lookup(ready[1]))
        r = c_adder.ask_add_blocking(pi.Add(a=1, b=2, note="from Python", extra=[3]))
        assert r == pi.Sum(value=6, note="C saw 'from Python'", half=3.0, even=True)
        assert type(r) is pi.Sum

        # from a Python actor's handler, awaiting the C node
        class Front(Actor):
            async def handle(self, ctx, msg):
                s = await c_adder.ask_add(pi.Add(a=msg, b=msg))
                return s.value
        front = node.actor_of(props(Front))
        assert [front.ask_blocking(i, timeout=10) for i in range(3)] == [0, 2, 4]
        # a plain object to the C node is pickled; the C actor has no handler
        # for akt.python.Pickled, so the ask fails instead of hanging
        with pytest.raises(akt.AktError):
            c_adder.ref.ask_blocking({"not": "IDL"}, timeout=10)
    finally:
        peer.stdin.close()
        rc = peer.wait(timeout=30)
        err = peer.stderr.read()
        peer.stdout.close()
        peer.stderr.close()
    assert rc == 0, err


NODE_B = textwrap.dedent("""
    import sys
    import akt
    from akt import Actor, ActorSystem, props

    class Echo(Actor):
        def handle(self, ctx, msg):
            return {"echo": msg, "type": type(msg).__name__}

    s = ActorSystem.create_blocking("nodeb")
    s.start_remoting(sys.argv[1], cookie="s3cret")
    ref = s.actor_of(props(Echo), "echo")
    print("READY", s.path_of(ref), flush=True)
    sys.stdin.read()
    s.terminate_blocking()
""")


def test_python_objects_are_pickled_between_python_nodes(node, tmp_path):
    b = subprocess.Popen([sys.executable, "-c", NODE_B, f"ipc://{tmp_path}/b.sock"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        ready = b.stdout.readline().split()
        assert ready and ready[0] == "READY", b.stderr.read()
        echo = node.lookup(ready[1])
        obj = {"a": [1, 2.5, "x"], "b": (None, True)}
        got = echo.ask_blocking(obj, timeout=10)
        assert got == {"echo": obj, "type": "dict"}
        assert got["echo"] is not obj  # a copy: it crossed an interpreter

        class Pinger(Actor):
            async def handle(self, ctx, msg):
                return (await echo.ask(msg))["type"]
        pinger = node.actor_of(props(Pinger))
        assert pinger.ask_blocking(frozenset({1}), timeout=10) == "frozenset"
        # an object that cannot be pickled fails the send, clearly
        with pytest.raises(TypeError, match="leaves this interpreter pickled, and it does not pickle"):
            echo.tell(lambda: 1)
    finally:
        b.stdin.close()
        rc = b.wait(timeout=30)
        err = b.stderr.read()
        b.stdout.close()
        b.stderr.close()
    assert rc == 0, err
