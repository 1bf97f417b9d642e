"""Modules made by `aktc --py_out`: the message classes (immutable, typed,
checked when made, repr/==/hash, pickling), IntEnums, defaults from the IDL,
the wire encoding (the cross-language vectors of tests/vectors, both
directions), typed refs and actor base classes, and bad input: wrong types,
unknown fields, out-of-range values, a nested message of the wrong type, a
malformed bind table -- each a clear TypeError / ValueError naming the
field, never a crash."""
import copy
import json
import pickle
import subprocess
import sys

import pytest

import akt
from akt import props

from conftest import HERE, SRC, run_aktc


@pytest.fixture
def m(gen):
    import alltypes_akt
    import common_akt
    import greeter_akt
    import vectors_akt

    class NS:
        pass
    ns = NS()
    ns.all, ns.common, ns.greeter, ns.vec = (alltypes_akt, common_akt,
                                             greeter_akt, vectors_akt)
    return ns


# --- message classes ---------------------------------------------------------

def test_messages_are_slotted_immutable_values(m):
    h = m.greeter.Hello(name="ann")
    assert type(h).__slots__ == ("name",) and not hasattr(h, "__dict__")
    assert isinstance(h, akt.Message)
    assert h == m.greeter.Hello("ann") and h != m.greeter.Hello(name="bob")
    assert hash(h) == hash(m.greeter.Hello(name="ann"))
    assert repr(h) == "Hello(name='ann')"
    with pytest.raises(AttributeError, match="immutable"):
        h.name = "bob"
    with pytest.raises(AttributeError):
        h.other = 1
    assert akt.replace(h, name="bob") == m.greeter.Hello(name="bob")
    assert akt.to_dict(h) == {"name": "ann"}
    assert copy.deepcopy(h) is h
    assert m.greeter.Hello.akt_type_name() == "demo.Hello"


def test_messages_pickle_by_value(m):
    n = m.all.Nested(origin=m.common.Point(x=1.5, y=-2.0), numbers=[1, 2, 3],
                     counts={"a": 1, "b": -2}, path=[m.common.Point(x=1.0)],
                     colors=[m.common.Color.GREEN, 7],
                     children=[m.all.Nested(names=["x"])])
    for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(n, protocol=proto))
        assert back == n and type(back) is m.all.Nested
    assert hash(back) == hash(n)


def test_defaults_come_from_the_idl(m):
    d = m.all.Defaults()
    assert d.answer == 42 and d.small == -2 ** 63 and d.big == 2 ** 64 - 1
    assert d.ratio == 0.5 and d.pi == 3.14159
    assert d.greeting == 'hello, "world"\n' and d.on is True
    assert d.color is m.common.Color.BLUE
    assert d.level is m.all.Level.LOW  # an enum's first value
    assert d.maybe is None and d.nick is None and d.opt_level is None
    n = m.all.Nested()
    assert n.origin == m.common.Point() and n.target is None
    assert n.numbers == () and n.counts == {} and n.owner is None


def test_field_values_are_normalized(m):
    s = m.all.Scalars(f32=0.1, f64=3, blob=bytearray(b"ab"))
    assert s.f32 == pytest.approx(0.1) and s.f32 != 0.1  # float32 precision
    assert s.f64 == 3.0 and type(s.f64) is float
    assert s.blob == b"ab" and type(s.blob) is bytes
    n = m.all.Nested(numbers=range(3), colors=[1, 42])
    assert n.numbers == (0, 1, 2)
    assert n.colors == (m.common.Color.GREEN, 42)  # enums are open
    assert type(n.colors[0]) is m.common.Color and type(n.colors[1]) is int
    with pytest.raises(TypeError, match="immutable"):
        n.counts["x"] = 1


def test_enums_are_intenums(m):
    import enum
    assert issubclass(m.common.Color, enum.IntEnum)
    assert m.common.Color.INFRARED == -1
    assert [c.name for c in m.vec.Mood] == ["CALM", "ANGRY", "SAD"]


@pytest.mark.parametrize("make, exc, text", [
    (lambda m: m.greeter.Hello(name=3), TypeError,
     "demo.Hello.name: expected str, got int"),
    (lambda m: m.greeter.Hello(nam="x"), TypeError, "demo.Hello has no field 'nam'"),
    (lambda m: m.greeter.Hello("a", "b"), TypeError, "at most 1 field"),
    (lambda m: m.greeter.Hello("a", name="b"), TypeError, "given twice"),
    (lambda m: m.all.Scalars(i8=128), ValueError,
     r"corpus.all.Scalars.i8: 128 does not fit int8 \(-128..127\)"),
    (lambda m: m.all.Scalars(u8=-1), ValueError, "corpus.all.Scalars.u8: -1 does not fit uint8"),
    (lambda m: m.all.Scalars(u64=2 ** 64), ValueError, "corpus.all.Scalars.u64"),
    (lambda m: m.all.Scalars(i32=True), TypeError, "corpus.all.Scalars.i32: expected int, got bool"),
    (lambda m: m.all.Scalars(flag=1), TypeError, "corpus.all.Scalars.flag: expected bool"),
    (lambda m: m.all.Scalars(f32=1e39), ValueError, "does not fit float32"),
    (lambda m: m.all.Scalars(f64="1.0"), TypeError, "corpus.all.Scalars.f64: expected float"),
    (lambda m: m.all.Scalars(blob="text"), TypeError, "corpus.all.Scalars.blob: expected bytes"),
    (lambda m: m.all.Nested(numbers=[1, "2"]), TypeError,
     "corpus.all.Nested.numbers: expected int, got str"),
    (lambda m: m.all.Nested(numbers="12"), TypeError,
     "corpus.all.Nested.numbers: expected a sequence"),
    (lambda m: m.all.Nested(counts=[1, 2]), TypeError, "corpus.all.Nested.counts: expected a mapping"),
    (lambda m: m.all.Nested(counts={1: 2}), TypeError,
     "corpus.all.Nested.counts: expected str, got int"),
    (lambda m: m.all.Nested(origin=m.greeter.Hello()), TypeError,
     "corpus.all.Nested.origin: expected corpus.common.Point, got demo.Hello"),
    (lambda m: m.all.Nested(path=[None]), TypeError, "corpus.all.Nested.path"),
    (lambda m: m.all.Nested(owner="akt://x/user/y"), TypeError,
     "corpus.all.Nested.owner: expected an akt.ActorRef or None"),
    (lambda m: m.all.Defaults(color=2 ** 31), ValueError, "corpus.all.Defaults.color"),
])
def test_bad_field_values_raise_naming_the_field(m, make, exc, text):
    with pytest.raises(exc, match=text):
        make(m)


def test_a_message_class_of_no_module_is_not_bound():
    class Loose(akt.Message):
        __slots__ = ("a",)
    with pytest.raises(TypeError, match="not bound to an akt type"):
        Loose(a=1)


@pytest.mark.parametrize("row, text", [
    (("name", 1, "strin", None, None, None, False, None), "unknown field kind"),
    (("name", 1, "list", None, None, None, False, None), "kind list with element none"),
    (("name", 1, "map", "int32", "bytes", None, False, None), "kind map with element int32 and key bytes"),
    (("name", 1, "message", None, None, None, False, None), "a message names a type"),
    (("name", 1, "int32", None, None, "x.Y", False, None), "a int32 names no type"),
    (("nope", 1, "int32", None, None, None, False, None), "has no slot 'nope'"),
    (("name", 1, "message", None, None, "x.Missing", False, None), "no imported module binds"),
    (("name", 1, "int8", None, None, None, False, 300), "300 does not fit int8"),
    (("name", 1, "int8"), "a field row is"),
])
def test_bad_bind_tables_are_clear_errors(row, text):
    class Bad(akt.Message):
        __slots__ = ("name",)
    with pytest.raises((TypeError, ValueError, ImportError), match=text):
        akt.bind_module("bad", ((Bad, "x.Bad", _fnv("x.Bad"), 0, (row,)),), ())


def test_bind_checks_the_type_id():
    class Bad2(akt.Message):
        __slots__ = ()
    with pytest.raises(ValueError, match="is not FNV-1a 64 of the name"):
        akt.bind_module("bad", ((Bad2, "x.Bad2", 1234, 0, ()),), ())


def _fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & (2 ** 64 - 1)
    return h


# --- the wire: the cross-language vectors ------------------------------------

def _from_json(cls, mod, v):
    """a message of cls from a vector's JSON value (tests/vectors/README.md)"""
    import enum
    kw = {}
    hints = {f: None for f in cls.__slots__}
    for name, val in v.items():
        assert name in hints, name
        kw[name] = _field_value(cls, mod, name, val)
    return cls(**kw)


def _field_value(cls, mod, name, val):
    enum_names = {e.name: e for E in (mod.Mood,) for e in E}
    if isinstance(val, dict) and set(val) == {"hex"}:
        return bytes.fromhex(val["hex"])
    if isinstance(val, str) and val in enum_names and name in ("mood", "moods"):
        return enum_names[val]
    if isinstance(val, dict):
        sub = {"one": mod.Inner, "maybe": mod.Inner, "next": mod.Deep}[name]
        return _from_json(sub, mod, val)
    if isinstance(val, list):
        if name in ("counts", "by_id", "flags"):
            return {k: (_from_json(mod.Inner, mod, x) if isinstance(x, dict) else x)
                    for k, x in val}
        if name == "inners":
            return [_from_json(mod.Inner, mod, x) for x in val]
        return [_field_value(cls, mod, name, x) for x in val]
    return val


def _vectors():
    return [pytest.param(js, id=js.stem)
            for js in sorted((SRC / "tests/vectors").glob("*.json"))]


@pytest.mark.parametrize("js", _vectors())
def test_cross_language_vectors(m, js):
    vec = json.loads(js.read_text())
    raw = (js.parent / vec["hex"]).read_text()
    data = bytes.fromhex("".join(line.split("#")[0] for line in raw.splitlines()))
    cls = getattr(m.vec, vec["type"].split(".")[-1])
    if "error" in vec:
        with pytest.raises(akt.AktError) as ei:
            akt.decode(cls, data)
        assert ei.value.name == vec["error"]
        return
    want = _from_json(cls, m.vec, vec["value"])
    got = akt.decode(cls, data)
    assert got == want
    if vec.get("canonical"):
        assert akt.encode(want) == data  # Python -> bytes, byte for byte
    assert akt.decode(cls, akt.encode(got)) == got


def test_every_kind_round_trips_through_the_wire(m):
    n = m.all.Nested(
        origin=m.common.Point(x=1, y=2), target=m.common.Point(x=-1),
        numbers=[-(2 ** 31), 2 ** 31 - 1], names=["", "é", "x" * 300],
        path=[m.common.Point(x=i) for i in range(5)],
        colors=[m.common.Color.RED, m.common.Color.INFRARED, 99],
        chunks=[b"", b"\x00\xff"], counts={"a": 2 ** 62, "": -1},
        points={-5: m.common.Point(y=3)}, labels={2 ** 64 - 1: "max"},
        children=[m.all.Nested(names=["kid"], parent=m.all.Nested())],
        parent=m.all.Nested(numbers=[7]), switches={True: 0.5, False: -2.0})
    assert akt.decode(m.all.Nested, akt.encode(n)) == n
    for s in [m.all.Scalars(), m.all.Scalars(
            flag=True, i8=-128, i16=-32768, i32=-(2 ** 31), i64=-(2 ** 63),
            u8=255, u16=65535, u32=2 ** 32 - 1, u64=2 ** 64 - 1, f32=-0.0,
            f64=float("inf"), text="\u2603" * 10, blob=bytes(range(256)))]:
        assert akt.decode(m.all.Scalars, akt.encode(s)) == s
    assert akt.decode(m.all.Defaults, b"\x80") == m.all.Defaults()


def test_decode_rejects_garbage_without_crashing(m):
    import random
    rnd = random.Random(7)
    good = akt.encode(m.all.Nested(names=["a", "b"], counts={"k": 1}))
    for i in range(2000):
        b = bytearray(good)
        for _ in range(rnd.randint(1, 4)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        try:
            akt.decode(m.all.Nested, bytes(b[:rnd.randint(0, len(b))]))
        except (akt.ProtocolError, akt.OutOfRange, akt.TooBig):
            pass
    with pytest.raises(TypeError, match="expected a message class"):
        akt.decode(str, b"\x80")
    with pytest.raises(TypeError, match="expected a message of a module"):
        akt.encode("text")


# --- the schema check at import ----------------------------------------------

def test_schema_hash_is_the_same_in_aktc_and_in_the_c_descriptor(gen):
    import _akt_testhelper as helper
    import interop_akt
    add, total = helper.types()
    assert akt._core.schema_hash(add) == interop_akt.Add.akt_schema_hash()
    assert akt._core.schema_hash(total) == interop_akt.Sum.akt_schema_hash()
    assert interop_akt.Add.akt_type_id() == _fnv("pyt.Add")


CHECK_SCRIPT = r"""
import os, sys
sys.setdlopenflags(sys.getdlopenflags() | os.RTLD_GLOBAL)
import akt, _akt_testhelper as helper
akt.register_types(*helper.types())
try:
    import {module}
except akt.SchemaMismatch as e:
    assert isinstance(e, ImportError) and e.name == "ETYPE"
    print(e)
else:
    print("imported")
"""


def _run_check(tmp_path, akt_text, module):
    (tmp_path / f"{module[:-4]}.akt").write_text(akt_text)
    r = run_aktc(tmp_path, [tmp_path / f"{module[:-4]}.akt"])
    assert r.returncode == 0, r.stderr
    env = dict(__import__("os").environ)
    env["PYTHONPATH"] = f"{tmp_path}:{env.get('PYTHONPATH', '')}"
    p = subprocess.run([sys.executable, "-c", CHECK_SCRIPT.format(module=module)],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_a_module_that_differs_from_the_c_descriptor_fails_field_by_field(tmp_path):
    out = _run_check(tmp_path, """package pyt;
message Add {
    int64 a = 1;
    string b = 2;
    optional string note = 3;
    list<int32> extra = 4;
    bool more = 9;
}
""", "stale_akt")
    assert "pyt.Add (module stale_akt) does not match the descriptor" in out
    assert "field 2 'b': kind string here, int64 in the descriptor" in out
    assert "field 3 'note': optional here, not optional in the descriptor" in out
    assert "field 9 'more': only in the module, not in the descriptor" in out
    assert "field 1" not in out and "field 4" not in out


def test_a_matching_module_uses_the_c_descriptor(tmp_path):
    out = _run_check(tmp_path, (HERE / "helper/interop.akt").read_text(), "interop2_akt")
    assert out.strip() == "imported"


def test_two_schemas_of_one_type_in_one_process_fail(gen, tmp_path):
    import greeter_akt  # noqa: F401  (binds demo.Hello)
    (tmp_path / "other.akt").write_text("package demo;\nmessage Hello { int32 name = 1; }\n")
    r = run_aktc(tmp_path, [tmp_path / "other.akt"])
    assert r.returncode == 0, r.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(akt.SchemaMismatch, match="another module bound this type"):
            import other_akt  # noqa: F401
    finally:
        sys.path.remove(str(tmp_path))


# --- typed refs and actor base classes -----------------------------------------

class Greeter:  # filled in per test (the module is imported by the fixture)
    pass


def _greeter_cls(g):
    class MyGreeter(g.GreeterActor):
        def __init__(self):
            self.greeted = 0

        async def on_hello(self, ctx, msg):
            self.greeted += 1
            return g.Greeting(text=f"hello, {msg.name} #{self.greeted}")
    return MyGreeter


def test_typed_ref_asks_a_python_actor(m, system):
    g = m.greeter
    ref = g.GreeterRef(system.actor_of(props(_greeter_cls(g)), "greeter"))
    r = ref.ask_hello_blocking(g.Hello(name="ann"))
    assert r == g.Greeting(text="hello, ann #1") and type(r) is g.Greeting
    assert ref.ask_hello(g.Hello(name="bob")).result(5).text == "hello, bob #2"
    ref.tell_hello(g.Hello(name="cy"))
    assert ref.ask_hello_blocking(g.Hello(name="di")).text == "hello, di #4"
    assert ref.path.endswith("/user/greeter") and g.GreeterRef(ref) == ref


async def test_typed_ask_is_awaitable(m, system):
    g = m.greeter
    ref = g.GreeterRef(system.actor_of(props(_greeter_cls(g))))
    assert (await ref.ask_hello(g.Hello(name="x"))).text == "hello, x #1"


def test_typed_ref_checks_message_and_reply_types(m, system):
    g = m.greeter

    class Liar(g.GreeterActor):
        def on_hello(self, ctx, msg):
            return g.Hello(name="not a Greeting")
    ref = g.GreeterRef(system.actor_of(props(Liar)))
    with pytest.raises(TypeError, match="demo.Greeter.ask: expected demo.Hello, got str"):
        ref.ask_hello_blocking("hello")
    with pytest.raises(akt.TypeMismatch, match="the reply is a Hello, not the Greeting"):
        ref.ask_hello_blocking(g.Hello())
    with pytest.raises(akt.TypeMismatch):
        ref.ask_hello(g.Hello()).result(5)
    with pytest.raises(TypeError, match="expected an ActorRef"):
        g.GreeterRef("akt://x/user/y")


def test_unhandled_message_fails_the_typed_actor(m, system):
    g = m.greeter
    ref = system.actor_of(props(_greeter_cls(g)))
    with pytest.raises(akt.HandlerFailed, match="Unhandled: MyGreeter has no handler for str"):
        ref.ask_blocking("text")
    # restarted: still answers
    assert g.GreeterRef(ref).ask_hello_blocking(g.Hello(name="z")).text == "hello, z #1"


def test_not_overridden_handler_fails(m, system):
    g = m.greeter
    ref = g.GreeterRef(system.actor_of(props(g.GreeterActor)))
    with pytest.raises(akt.HandlerFailed, match="NotImplementedError: demo.Greeter.on_hello"):
        ref.ask_hello_blocking(g.Hello())


def test_fsm_actor_gets_a_state_enum_and_a_handler_per_line(gen):
    import door_akt
    S = door_akt.DoorFsmState
    assert [s.name for s in S] == ["CLOSED", "LOCKED", "OPENED"]
    assert issubclass(door_akt.DoorActor, akt.FsmActor)
    names = sorted(n for n in vars(door_akt.DoorActor) if "_on_" in n)
    assert names == ["closed_on_lock", "closed_on_open", "locked_on_open",
                     "locked_on_unlock", "opened_on_close", "opened_on_timeout"]
    # the typed ref tells every message some state takes
    assert all(hasattr(door_akt.DoorRef, f"tell_{m}")
               for m in ("open", "lock", "unlock", "close"))


# --- typing: mypy on the stubs and on code that uses them ----------------------

TYPED_OK = '''
import asyncio
import akt
from akt import props
import greeter_akt as g
import alltypes_akt as a
import common_akt as c
import door_akt
import ledger_akt


class MyGreeter(g.GreeterActor):
    async def on_hello(self, ctx: akt.Context, msg: g.Hello) -> g.Greeting:
        return g.Greeting(text="hello, " + msg.name)


def main() -> None:
    system = akt.ActorSystem.create_blocking("typed")
    ref = g.GreeterRef(system.actor_of(props(MyGreeter)))
    reply: g.Greeting = ref.ask_hello_blocking(g.Hello(name="x"))
    text: str = reply.text
    fut: akt.Future[g.Greeting] = ref.ask_hello(g.Hello(name="y"))
    later: g.Greeting = fut.result(5.0)
    n = a.Nested(numbers=[1, 2], counts={"a": 1}, origin=c.Point(x=1.0, y=2))
    first: int = n.numbers[0]
    color: c.Color = a.Defaults().color
    maybe: int | None = a.Defaults().maybe
    print(text, later, first, color, maybe)
    system.terminate_blocking()


async def amain(ref: g.GreeterRef) -> str:
    r = await ref.ask_hello(g.Hello(name="z"))
    return r.text


class MyAccount(ledger_akt.AccountActor):
    def on_get(self, ctx: akt.Context, msg: ledger_akt.Get) -> ledger_akt.Balance | None:
        ctx.persist(ledger_akt.Deposited(amount=1), lambda c, e: None)
        return None

    def apply_deposited(self, event: ledger_akt.Deposited) -> None:
        pass

    def snapshot_take(self) -> ledger_akt.Snap | None:
        return ledger_akt.Snap(balance=1)


class MyDoor(door_akt.DoorActor):
    def closed_on_lock(self, ctx: akt.Context, msg: door_akt.Lock) -> object:
        if not msg.code:
            ctx.stay()
        here: door_akt.DoorFsmState = door_akt.DoorFsmState(ctx.state)
        return here

    def opened_on_timeout(self, ctx: akt.Context) -> object:
        ctx.goto(door_akt.DoorFsmState.CLOSED, timeout=1.5)
        return None
'''

TYPED_BAD = '''
import greeter_akt as g
import alltypes_akt as a
import door_akt
import ledger_akt

h = g.Hello(name=3)  # E
s: str = g.Hello().name.upper() + 1  # E
n: int = a.Nested().counts  # E
ref: g.GreeterRef
ref.ask_hello(g.Greeting())  # E
x: int = ref.ask_hello_blocking(g.Hello())  # E


class Wrong(g.GreeterActor):
    def on_hello(self, ctx: akt.Context, msg: g.Hello) -> g.Hello:  # E
        return msg


class WrongDoor(door_akt.DoorActor):
    def closed_on_open(self, ctx: akt.Context, msg: door_akt.Lock) -> object:  # E
        return None


s: door_akt.DoorFsmState = door_akt.DoorFsmState.AJAR  # E


class WrongAccount(ledger_akt.AccountActor):
    def apply_deposited(self, event: ledger_akt.Withdrawn) -> None:  # E
        pass
'''


def _mypy(cwd, files, gen):
    pytest.importorskip("mypy")
    import os
    import pathlib
    env = dict(os.environ)
    env["MYPYPATH"] = f"{gen}:{pathlib.Path(akt.__file__).resolve().parent.parent}"
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", os.devnull,
         "--python-version", "3.10", "--check-untyped-defs", *map(str, files)],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


# each mypy run has its own 300 s limit (a pure-Python mypy, as on
# 3.13t, on a loaded machine takes over the suite's 60 s)
@pytest.mark.timeout(700)
def test_mypy_accepts_the_stubs_and_typed_code(gen, tmp_path):
    stubs = sorted(p.name for p in gen.glob("*.pyi"))
    assert "greeter_akt.pyi" in stubs and "vectors_akt.pyi" in stubs
    r = _mypy(gen, stubs, gen)
    assert r.returncode == 0, r.stdout + r.stderr
    (tmp_path / "prog.py").write_text(TYPED_OK)
    r = _mypy(tmp_path, ["prog.py"], gen)
    assert r.returncode == 0, r.stdout + r.stderr


# each mypy run has its own 300 s limit (a pure-Python mypy, as on
# 3.13t, on a loaded machine takes over the suite's 60 s)
@pytest.mark.timeout(700)
def test_mypy_rejects_misuse_of_the_generated_types(gen, tmp_path):
    (tmp_path / "prog.py").write_text("import akt\n" + TYPED_BAD)
    r = _mypy(tmp_path, ["prog.py"], gen)
    assert r.returncode == 1, r.stdout + r.stderr
    lines = ("import akt\n" + TYPED_BAD).splitlines()
    want = {i + 1 for i, ln in enumerate(lines) if ln.endswith("# E")}
    got = {int(ln.split(":")[1]) for ln in r.stdout.splitlines() if ": error:" in ln}
    assert got == want, r.stdout


# --- every generated module: imports, defaults equal C's -----------------------

@pytest.mark.parametrize("akt_file, module", [
    ("tests/aktc/ok/defaults.akt", "defaults_akt"),
    ("tests/aktc/ok/text.akt", "text_akt"),
    ("tests/aktc/ok/alltypes.akt", "alltypes_akt"),
    ("tests/vectors/vectors.akt", "vectors_akt"),
])
def test_default_messages_encode_like_aktc(gen, akt_file, module):
    """Each message made with no arguments encodes to the bytes aktc's
    table codec (wire.c, the C generated code's layout and defaults) gives
    for '{}': the Python defaults are C's, edge cases included (NUL in
    strings, UTF-8, float32 rounding, enum defaults by name)."""
    import importlib
    mod = importlib.import_module(module)
    from conftest import aktc
    classes = [c for c in vars(mod).values()
               if isinstance(c, type) and issubclass(c, akt.Message) and c is not akt.Message]
    assert classes
    for cls in classes:
        r = subprocess.run([aktc(), f"--encode={cls.akt_type_name()}", "-I",
                            str(SRC / "tests/aktc/ok"), str(SRC / akt_file)],
                           input=b"{}", capture_output=True, timeout=60)
        if b"no message type" in r.stderr and cls.__name__.endswith("State"):
            continue  # an actor's state: --encode does not take it
        assert r.returncode == 0, r.stderr
        assert akt.encode(cls()) == r.stdout, cls
        assert akt.decode(cls, r.stdout) == cls()


def test_text_defaults_survive_generation(gen):
    import defaults_akt
    import text_akt
    assert text_akt.Tricky().trigraphs == "??=??(??/??)??'??<??!??>??-"
    assert text_akt.Tricky().comment_marks == "*/ /* // \\"
    e = defaults_akt.Edges()
    assert e.nul == "a\0b\0c" and e.utf8 == "é€😀"
    assert e.phase is defaults_akt.Phase.key
    assert "*/" in text_akt.Tricky.__doc__
