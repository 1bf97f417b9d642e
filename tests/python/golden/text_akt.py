# text_akt.py -- generated from text.akt by aktc 0.1.0 -- do not edit.
"""package corpus.text: the messages and actors of text.akt.

Generated from text.akt (package corpus.text); see docs/python.md, "Generated
modules". Messages are immutable akt.Message classes whose fields are
checked when a message is made; enums are IntEnums; <Actor>Ref wraps an
ActorRef with typed tell_/ask_ methods; <Actor>Actor is the base class of
a Python actor with one on_<message> handler per message it takes.
"""
import enum as _enum

import akt as _akt

#: FNV-1a 64 of this file's schema (the message and enum tables below)
SCHEMA_HASH = 0x40e7e46b9e5a5fb1


class Mark(_enum.IntEnum):
    """Trigraphs: ??= ??( ??/ ??) ??' ??< ??! ??> ??- and a run ???=.
    A comment close */ and a comment open /* in a doc.
    A line that ends in a trigraph backslash ??/
    and one that ends in a plain backslash \\"""

    #: value doc: what??! */ /*
    PLAIN = 1


class Tricky(_akt.Message):
    """Short doc with */ and ??=

    Fields:
        trigraphs (string = 1): field doc: ??( x */ y /* z ??)
        questions (string = 2): `?` runs of every length
        comment_marks (string = 3)
        mark (Mark = 4)
    """

    __slots__ = ("trigraphs", "questions", "comment_marks", "mark")


class EchoState(_akt.Message):
    """The state of actor Echo."""

    __slots__ = ()


class EchoRef(_akt.TypedRef):
    """A typed ref to a corpus.text.Echo actor (wraps an akt.ActorRef)."""

    _akt_actor = "corpus.text.Echo"

    def ask_tricky(self, msg, timeout=5.0):
        """handler doc: ??' */

        Returns an akt.Future of the corpus.text.Tricky."""
        return self._ask(msg, Tricky, Tricky, timeout)

    def ask_tricky_blocking(self, msg, timeout=5.0):
        """handler doc: ??' */

        Waits for the corpus.text.Tricky (not from a handler)."""
        return self._ask_blocking(msg, Tricky, Tricky, timeout)

    def tell_tricky(self, msg, sender=None):
        """handler doc: ??' */"""
        self._tell(msg, Tricky, sender)


class EchoActor(_akt.TypedActor):
    """An actor doc with */ and /* and ??!

    Base class of a Python corpus.text.Echo: override the on_* handlers (plain
    or async def); a handler's return value is the reply."""

    _akt_actor = "corpus.text.Echo"
    _akt_on = ((Tricky, "on_tricky"),)

    def on_tricky(self, ctx, msg):
        """handler doc: ??' */"""
        raise NotImplementedError("corpus.text.Echo.on_tricky")


# Binds the classes above to their akt descriptors: builds them, or checks
# them against those a C extension registered (akt.SchemaMismatch).
_akt.bind_module(__name__, (
    (Tricky, "corpus.text.Tricky", 0xc9341834789364da, 0xdab60a5d7ae45db4, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("trigraphs", 1, "string", None, None, None, False, "??=??(??/??)??'??<??!??>??-"),
        ("questions", 2, "string", None, None, None, False, "? ?? ??? ???="),
        ("comment_marks", 3, "string", None, None, None, False, "*/ /* // \\"),
        ("mark", 4, "enum", None, None, "corpus.text.Mark", False, None),
    )),
    (EchoState, "corpus.text.EchoState", 0x26934b83d97dd1ba, 0x0a1b010a90cb4e10, (
        # name, number, kind, element kind, key kind, type, optional, default
    )),
), (
    (Mark, "corpus.text.Mark"),
))
