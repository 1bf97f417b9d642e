# vectors_akt.py -- generated from vectors.akt by aktc 0.1.0 -- do not edit.
"""package testvec: the messages and actors of vectors.akt.

Generated from vectors.akt (package testvec); see docs/python.md, "Generated
modules". Messages are immutable akt.Message classes whose fields are
checked when a message is made; enums are IntEnums; <Actor>Ref wraps an
ActorRef with typed tell_/ask_ methods; <Actor>Actor is the base class of
a Python actor with one on_<message> handler per message it takes.
"""
import enum as _enum

import akt as _akt

#: FNV-1a 64 of this file's schema (the message and enum tables below)
SCHEMA_HASH = 0x2ed829475e867549


class Mood(_enum.IntEnum):
    """testvec.Mood"""

    CALM = 0
    ANGRY = 1
    SAD = -5


class Scalars(_akt.Message):
    """Every scalar kind.

    Fields:
        flag (bool = 1)
        i8 (int8 = 2)
        i16 (int16 = 3)
        i32 (int32 = 4)
        i64 (int64 = 5)
        u8 (uint8 = 6)
        u16 (uint16 = 7)
        u32 (uint32 = 8)
        u64 (uint64 = 9)
        f32 (float32 = 10)
        f64 (float64 = 11)
        text (string = 12)
        blob (bytes = 13)
        mood (Mood = 14)
    """

    __slots__ = ("flag", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64", "text", "blob", "mood")


class Inner(_akt.Message):
    """testvec.Inner

    Fields:
        label (string = 1)
        weight (optional int32 = 2)
    """

    __slots__ = ("label", "weight")


class Containers(_akt.Message):
    """Lists, maps, nested and optional messages.

    Fields:
        ints (list<int32> = 1)
        strs (list<string> = 2)
        inners (list<Inner> = 3)
        counts (map<string, int64> = 4)
        by_id (map<uint32, Inner> = 5)
        one (Inner = 6)
        maybe (optional Inner = 7)
        blobs (list<bytes> = 8)
        moods (list<Mood> = 9)
        flags (map<bool, float64> = 10)
    """

    __slots__ = ("ints", "strs", "inners", "counts", "by_id", "one", "maybe", "blobs", "moods", "flags")


class Defaults(_akt.Message):
    """Defaults apply to fields missing from the input.

    Fields:
        answer (int32 = 1)
        greeting (string = 2)
        mood (Mood = 3)
        id (optional uint64 = 4)
        ratio (float64 = 5)
    """

    __slots__ = ("answer", "greeting", "mood", "id", "ratio")


class Deep(_akt.Message):
    """A chain for the nesting-limit vectors.

    Fields:
        next (optional Deep = 1)
    """

    __slots__ = ("next",)


# Binds the classes above to their akt descriptors: builds them, or checks
# them against those a C extension registered (akt.SchemaMismatch).
_akt.bind_module(__name__, (
    (Scalars, "testvec.Scalars", 0x59b171cc7f431a06, 0x3dddff00f14333ab, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("flag", 1, "bool", None, None, None, False, None),
        ("i8", 2, "int8", None, None, None, False, None),
        ("i16", 3, "int16", None, None, None, False, None),
        ("i32", 4, "int32", None, None, None, False, None),
        ("i64", 5, "int64", None, None, None, False, None),
        ("u8", 6, "uint8", None, None, None, False, None),
        ("u16", 7, "uint16", None, None, None, False, None),
        ("u32", 8, "uint32", None, None, None, False, None),
        ("u64", 9, "uint64", None, None, None, False, None),
        ("f32", 10, "float32", None, None, None, False, None),
        ("f64", 11, "float64", None, None, None, False, None),
        ("text", 12, "string", None, None, None, False, None),
        ("blob", 13, "bytes", None, None, None, False, None),
        ("mood", 14, "enum", None, None, "testvec.Mood", False, None),
    )),
    (Inner, "testvec.Inner", 0x3558c4856ed212e3, 0x00909601190a5116, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("label", 1, "string", None, None, None, False, None),
        ("weight", 2, "int32", None, None, None, True, None),
    )),
    (Containers, "testvec.Containers", 0x32ac55f8262356e5, 0x92814d344ef57f7c, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("ints", 1, "list", "int32", None, None, False, None),
        ("strs", 2, "list", "string", None, None, False, None),
        ("inners", 3, "list", "message", None, "testvec.Inner", False, None),
        ("counts", 4, "map", "int64", "string", None, False, None),
        ("by_id", 5, "map", "message", "uint32", "testvec.Inner", False, None),
        ("one", 6, "message", None, None, "testvec.Inner", False, None),
        ("maybe", 7, "message", None, None, "testvec.Inner", True, None),
        ("blobs", 8, "list", "bytes", None, None, False, None),
        ("moods", 9, "list", "enum", None, "testvec.Mood", False, None),
        ("flags", 10, "map", "float64", "bool", None, False, None),
    )),
    (Defaults, "testvec.Defaults", 0x737e552cd828f323, 0xdde0206a7abc6800, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("answer", 1, "int32", None, None, None, False, 42),
        ("greeting", 2, "string", None, None, None, False, "hi"),
        ("mood", 3, "enum", None, None, "testvec.Mood", False, 1),
        ("id", 4, "uint64", None, None, None, True, None),
        ("ratio", 5, "float64", None, None, None, False, 0.25),
    )),
    (Deep, "testvec.Deep", 0xeb41396c16d8cd63, 0x4a4d434b7e4ab5e7, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("next", 1, "message", None, None, "testvec.Deep", True, None),
    )),
), (
    (Mood, "testvec.Mood"),
))
