# greeter_akt.py -- generated from greeter.akt by aktc 0.1.0 -- do not edit.
"""package demo: the messages and actors of greeter.akt.

Generated from greeter.akt (package demo); see docs/python.md, "Generated
modules". Messages are immutable akt.Message classes whose fields are
checked when a message is made; enums are IntEnums; <Actor>Ref wraps an
ActorRef with typed tell_/ask_ methods; <Actor>Actor is the base class of
a Python actor with one on_<message> handler per message it takes.
"""
import enum as _enum

import akt as _akt

#: FNV-1a 64 of this file's schema (the message and enum tables below)
SCHEMA_HASH = 0x651b2bac1ae9a431


class Hello(_akt.Message):
    """Someone to greet.

    Fields:
        name (string = 1): who is saying hello
    """

    __slots__ = ("name",)


class Greeting(_akt.Message):
    """What the greeter answers.

    Fields:
        text (string = 1)
    """

    __slots__ = ("text",)


class GreeterState(_akt.Message):
    """The state of actor Greeter.

    Fields:
        greeted (uint64 = 1)
    """

    __slots__ = ("greeted",)


class GreeterRef(_akt.TypedRef):
    """A typed ref to a demo.Greeter actor (wraps an akt.ActorRef)."""

    _akt_actor = "demo.Greeter"

    def ask_hello(self, msg, timeout=5.0):
        """Answer a Hello with a Greeting.

        Returns an akt.Future of the demo.Greeting."""
        return self._ask(msg, Hello, Greeting, timeout)

    def ask_hello_blocking(self, msg, timeout=5.0):
        """Answer a Hello with a Greeting.

        Waits for the demo.Greeting (not from a handler)."""
        return self._ask_blocking(msg, Hello, Greeting, timeout)

    def tell_hello(self, msg, sender=None):
        """Answer a Hello with a Greeting."""
        self._tell(msg, Hello, sender)


class GreeterActor(_akt.TypedActor):
    """Greets everyone, and counts them.

    Base class of a Python demo.Greeter: override the on_* handlers (plain
    or async def); a handler's return value is the reply."""

    _akt_actor = "demo.Greeter"
    _akt_on = ((Hello, "on_hello"),)

    def on_hello(self, ctx, msg):
        """Answer a Hello with a Greeting."""
        raise NotImplementedError("demo.Greeter.on_hello")


# Binds the classes above to their akt descriptors: builds them, or checks
# them against those a C extension registered (akt.SchemaMismatch).
_akt.bind_module(__name__, (
    (Hello, "demo.Hello", 0xe965e8b49ebb0c50, 0xc0e973835ba61cc6, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("name", 1, "string", None, None, None, False, None),
    )),
    (Greeting, "demo.Greeting", 0x9446ac8c2ac0c047, 0xe1e9451bfdd3ad8f, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("text", 1, "string", None, None, None, False, None),
    )),
    (GreeterState, "demo.GreeterState", 0xd61816dd05a37057, 0x0ecd06e62b5c6284, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("greeted", 1, "uint64", None, None, None, False, None),
    )),
), (
))
