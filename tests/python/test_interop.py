"""Python actors and C actors in one process: Records converted through the
descriptors' field tables (akt/reflect.h), both ways. (A reply of a type
that a generated module binds arrives as that class; Records are for the
others, and both read the same.)"""
import pytest

import _akt_testhelper as helper
import akt
from akt import Actor, Record, props


@pytest.fixture
def adder(system):
    akt.register_types(*helper.types())
    path = helper.spawn_adder(system._core._address(), "adder")
    return system.lookup(path)


def test_thread_asks_a_c_actor_with_a_record(adder):
    reply = adder.ask_blocking(Record("pyt.Add", a=2, b=3, note="hi", extra=[10, 20]))
    assert (reply.value, reply.note, reply.half, reply.even) == (35, "hi", 17.5, False)
    assert isinstance(reply, Record) or type(reply).akt_type_name() == "pyt.Sum"


def test_python_actor_asks_a_c_actor(system, adder):
    class Front(Actor):
        async def handle(self, ctx, msg):
            s = await adder.ask(Record("pyt.Add", a=msg, b=msg))
            return s.value
    ref = system.actor_of(props(Front))
    assert [ref.ask_blocking(i) for i in range(5)] == [0, 2, 4, 6, 8]


async def test_await_a_c_actor(adder):
    s = await adder.ask(Record("pyt.Add", a=-1, b=1))
    assert s.even and s.note == ""


def test_bad_records_raise_clear_errors(adder):
    with pytest.raises(ValueError, match="no field 'c'"):
        adder.tell(Record("pyt.Add", c=1))
    with pytest.raises(TypeError, match="pyt.Add.a"):
        adder.tell(Record("pyt.Add", a="one"))
    with pytest.raises(ValueError, match="pyt.Add.extra"):
        adder.tell(Record("pyt.Add", extra=[2 ** 40]))
    with pytest.raises(TypeError, match="not registered"):
        adder.tell(Record("pyt.Nope", a=1))


def test_a_python_object_to_a_c_actor_is_unhandled(system, adder):
    # the C actor has no handler for it: it fails (EUNHANDLED), the asker
    # hears of it, and the actor is restarted and works again
    with pytest.raises(akt.AktError):
        adder.ask_blocking("not an Add", timeout=2.0)
    assert adder.ask_blocking(Record("pyt.Add", a=1, b=1)).value == 2


def test_generated_classes_talk_to_a_c_actor_both_ways(gen, adder):
    """Python -> C with the generated classes of interop.akt (checked against
    the C extension's descriptors, which then serve them), and C's reply as
    the generated Sum; every kind of the message crosses."""
    import interop_akt as pi
    assert pi.Add.akt_c_descriptor() and pi.Sum.akt_c_descriptor()
    ref = pi.AdderRef(adder)
    s = ref.ask_add_blocking(pi.Add(a=2 ** 40, b=-3, note="naïve", extra=[1, 2]))
    assert type(s) is pi.Sum
    assert s == pi.Sum(value=2 ** 40, note="naïve", half=2 ** 39, even=True)
    for i in range(200):  # conversions both ways, many times
        assert ref.ask_add_blocking(pi.Add(a=i, b=i)).value == 2 * i


def test_a_c_thread_calls_a_python_actor_with_generated_types(gen, system):
    """C -> Python: a C thread (helper.call_add, GIL released) makes a typed
    call (pyt_adder_call_add) to a Python actor made from AdderActor and
    gets its Sum as a C struct."""
    import interop_akt as pi

    class PyAdder(pi.AdderActor):
        async def on_add(self, ctx, msg):
            return pi.Sum(value=msg.a * msg.b, note=msg.note.upper(), half=0.5,
                          even=False)
    ref = system.actor_of(props(PyAdder), "pyadder")
    assert helper.call_add(system._core._address(), ref.path, 6, 7, "hi") == \
        (42, "HI", 0.5, False)
