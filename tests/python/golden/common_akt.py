# common_akt.py -- generated from common.akt by aktc 0.1.0 -- do not edit.
"""package corpus.common: the messages and actors of common.akt.

Generated from common.akt (package corpus.common); see docs/python.md, "Generated
modules". Messages are immutable akt.Message classes whose fields are
checked when a message is made; enums are IntEnums; <Actor>Ref wraps an
ActorRef with typed tell_/ask_ methods; <Actor>Actor is the base class of
a Python actor with one on_<message> handler per message it takes.
"""
import enum as _enum

import akt as _akt

#: FNV-1a 64 of this file's schema (the message and enum tables below)
SCHEMA_HASH = 0x56b6647487f1b9ca


class Color(_enum.IntEnum):
    """A colour, stored as int32."""

    #: the default
    RED = 0
    GREEN = 1
    BLUE = 2
    INFRARED = -1


class Point(_akt.Message):
    """A point in the plane.

    Fields:
        x (float64 = 1)
        y (float64 = 2)
    """

    __slots__ = ("x", "y")


# Binds the classes above to their akt descriptors: builds them, or checks
# them against those a C extension registered (akt.SchemaMismatch).
_akt.bind_module(__name__, (
    (Point, "corpus.common.Point", 0x65cf891db7c1a3a8, 0xec60113b85c08e94, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("x", 1, "float64", None, None, None, False, None),
        ("y", 2, "float64", None, None, None, False, None),
    )),
), (
    (Color, "corpus.common.Color"),
))
