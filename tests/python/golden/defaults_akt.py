# defaults_akt.py -- generated from defaults.akt by aktc 0.1.0 -- do not edit.
"""package corpus.defaults: the messages and actors of defaults.akt.

Generated from defaults.akt (package corpus.defaults); see docs/python.md, "Generated
modules". Messages are immutable akt.Message classes whose fields are
checked when a message is made; enums are IntEnums; <Actor>Ref wraps an
ActorRef with typed tell_/ask_ methods; <Actor>Actor is the base class of
a Python actor with one on_<message> handler per message it takes.
"""
import enum as _enum

import akt as _akt

#: FNV-1a 64 of this file's schema (the message and enum tables below)
SCHEMA_HASH = 0xee0282b3a70c2f2d


class Phase(_enum.IntEnum):
    """Values named with contextual words (they are keywords only where the
    grammar needs them)."""

    initial = 1
    state = 2
    key = 3
    timeout = 4


class Edges(_akt.Message):
    """Each default is the edge case its name says.

    Fields:
        nul (string = 1): NUL is a character like any other: the length counts it
        utf8 (string = 2): UTF-8 from the source and from \\x escapes
        phase (Phase = 3)
        later (Phase = 4)
        f32_max (float32 = 5): 3.4028235e38 rounds to FLT_MAX, not to infinity
        f32_min (float32 = 6): the smallest float32 (a subnormal)
        f32_int (float32 = 7): an integer default for a float field, rounded to float
        f64_max (float64 = 8)
        f64_min (float64 = 9)
        zero (float64 = 10): zero may be written with any exponent
    """

    __slots__ = ("nul", "utf8", "phase", "later", "f32_max", "f32_min", "f32_int", "f64_max", "f64_min", "zero")


# Binds the classes above to their akt descriptors: builds them, or checks
# them against those a C extension registered (akt.SchemaMismatch).
_akt.bind_module(__name__, (
    (Edges, "corpus.defaults.Edges", 0x0177177b1d64a727, 0xa635d0da2190cfc8, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("nul", 1, "string", None, None, None, False, "a\x00b\x00c"),
        ("utf8", 2, "string", None, None, None, False, "é€😀"),
        ("phase", 3, "enum", None, None, "corpus.defaults.Phase", False, 3),
        ("later", 4, "enum", None, None, "corpus.defaults.Phase", False, 4),
        ("f32_max", 5, "float32", None, None, None, False, 3.4028234999999999e+38),
        ("f32_min", 6, "float32", None, None, None, False, -1.4000000000000001e-45),
        ("f32_int", 7, "float32", None, None, None, False, 16777217.0),
        ("f64_max", 8, "float64", None, None, None, False, 1.7976931348623157e+308),
        ("f64_min", 9, "float64", None, None, None, False, 4.9406564584124654e-324),
        ("zero", 10, "float64", None, None, None, False, 0.0),
    )),
), (
    (Phase, "corpus.defaults.Phase"),
))
