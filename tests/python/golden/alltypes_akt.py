# alltypes_akt.py -- generated from alltypes.akt by aktc 0.1.0 -- do not edit.
"""package corpus.all: the messages and actors of alltypes.akt.

Generated from alltypes.akt (package corpus.all); see docs/python.md, "Generated
modules". Messages are immutable akt.Message classes whose fields are
checked when a message is made; enums are IntEnums; <Actor>Ref wraps an
ActorRef with typed tell_/ask_ methods; <Actor>Actor is the base class of
a Python actor with one on_<message> handler per message it takes.
"""
import enum as _enum

import akt as _akt
try:
    from . import common_akt as _i_common_akt
except ImportError:
    import common_akt as _i_common_akt

#: FNV-1a 64 of this file's schema (the message and enum tables below)
SCHEMA_HASH = 0x8e818de66571d5b0


class Level(_enum.IntEnum):
    """Levels start at one, so the default is not zero."""

    LOW = 1
    HIGH = 2


class Scalars(_akt.Message):
    """One field of every kind.

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
    """

    __slots__ = ("flag", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64", "text", "blob")


class Defaults(_akt.Message):
    """Defaults, presence, and field numbers with gaps.

    Fields:
        answer (int32 = 1)
        small (int64 = 2)
        big (uint64 = 3)
        ratio (float32 = 4)
        pi (float64 = 5)
        greeting (string = 6)
        on (bool = 7)
        color (corpus.common.Color = 8)
        level (Level = 9)
        maybe (optional int32 = 10)
        nick (optional string = 11)
        opt_level (optional Level = 12)
        old_count (int32 = 20, deprecated)
    """

    __slots__ = ("answer", "small", "big", "ratio", "pi", "greeting", "on", "color", "level", "maybe", "nick", "opt_level", "old_count")


class Nested(_akt.Message):
    """Nested messages, lists, maps and refs.

    Fields:
        origin (corpus.common.Point = 1)
        target (optional corpus.common.Point = 2)
        numbers (list<int32> = 3)
        names (list<string> = 4)
        path (list<corpus.common.Point> = 5)
        colors (list<corpus.common.Color> = 6)
        chunks (list<bytes> = 7)
        counts (map<string, int64> = 8)
        points (map<int32, corpus.common.Point> = 9)
        labels (map<uint64, string> = 10)
        owner (ref<Store> = 11)
        backup (optional ref<Store> = 12)
        peers (list<ref<Store>> = 13)
        children (list<Nested> = 14)
        parent (optional Nested = 15)
        switches (map<bool, float32> = 16)
    """

    __slots__ = ("origin", "target", "numbers", "names", "path", "colors", "chunks", "counts", "points", "labels", "owner", "backup", "peers", "children", "parent", "switches")


class Empty(_akt.Message):
    """A message with no fields."""

    __slots__ = ()


class StoreState(_akt.Message):
    """The state of actor Store.

    Fields:
        values (map<string, bytes> = 1)
        writes (uint64 = 2)
    """

    __slots__ = ("values", "writes")


class IdleState(_akt.Message):
    """The state of actor Idle."""

    __slots__ = ()


class StoreRef(_akt.TypedRef):
    """A typed ref to a corpus.all.Store actor (wraps an akt.ActorRef)."""

    _akt_actor = "corpus.all.Store"

    def tell_scalars(self, msg, sender=None):
        """Store a value."""
        self._tell(msg, Scalars, sender)

    def ask_defaults(self, msg, timeout=5.0):
        """Look a value up.

        Returns an akt.Future of the corpus.all.Nested."""
        return self._ask(msg, Defaults, Nested, timeout)

    def ask_defaults_blocking(self, msg, timeout=5.0):
        """Look a value up.

        Waits for the corpus.all.Nested (not from a handler)."""
        return self._ask_blocking(msg, Defaults, Nested, timeout)

    def tell_defaults(self, msg, sender=None):
        """Look a value up."""
        self._tell(msg, Defaults, sender)

    def ask_empty(self, msg, timeout=5.0):
        """Handle a corpus.all.Empty.

        Returns an akt.Future of the corpus.all.Empty."""
        return self._ask(msg, Empty, Empty, timeout)

    def ask_empty_blocking(self, msg, timeout=5.0):
        """Handle a corpus.all.Empty.

        Waits for the corpus.all.Empty (not from a handler)."""
        return self._ask_blocking(msg, Empty, Empty, timeout)

    def tell_empty(self, msg, sender=None):
        """Handle a corpus.all.Empty."""
        self._tell(msg, Empty, sender)

    def ask_point(self, msg, timeout=5.0):
        """Handle a corpus.common.Point.

        Returns an akt.Future of the corpus.common.Point."""
        return self._ask(msg, _i_common_akt.Point, _i_common_akt.Point, timeout)

    def ask_point_blocking(self, msg, timeout=5.0):
        """Handle a corpus.common.Point.

        Waits for the corpus.common.Point (not from a handler)."""
        return self._ask_blocking(msg, _i_common_akt.Point, _i_common_akt.Point, timeout)

    def tell_point(self, msg, sender=None):
        """Handle a corpus.common.Point."""
        self._tell(msg, _i_common_akt.Point, sender)


class StoreActor(_akt.TypedActor):
    """Keeps values; answers with what it has.

    Base class of a Python corpus.all.Store: override the on_* handlers (plain
    or async def); a handler's return value is the reply."""

    _akt_actor = "corpus.all.Store"
    _akt_on = ((Scalars, "on_scalars"), (Defaults, "on_defaults"), (Empty, "on_empty"), (_i_common_akt.Point, "on_point"))

    def on_scalars(self, ctx, msg):
        """Store a value."""
        raise NotImplementedError("corpus.all.Store.on_scalars")

    def on_defaults(self, ctx, msg):
        """Look a value up."""
        raise NotImplementedError("corpus.all.Store.on_defaults")

    def on_empty(self, ctx, msg):
        """Handle a corpus.all.Empty."""
        raise NotImplementedError("corpus.all.Store.on_empty")

    def on_point(self, ctx, msg):
        """Handle a corpus.common.Point."""
        raise NotImplementedError("corpus.all.Store.on_point")


class IdleRef(_akt.TypedRef):
    """A typed ref to a corpus.all.Idle actor (wraps an akt.ActorRef)."""

    _akt_actor = "corpus.all.Idle"



class IdleActor(_akt.TypedActor):
    """An actor with no state and no handlers still builds.

    Base class of a Python corpus.all.Idle: override the on_* handlers (plain
    or async def); a handler's return value is the reply."""

    _akt_actor = "corpus.all.Idle"
    _akt_on = ()



# Binds the classes above to their akt descriptors: builds them, or checks
# them against those a C extension registered (akt.SchemaMismatch).
_akt.bind_module(__name__, (
    (Scalars, "corpus.all.Scalars", 0x335a2279f48b8297, 0x710e01b729822f23, (
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
    )),
    (Defaults, "corpus.all.Defaults", 0xcd6375c724d83bc8, 0x4827f0769c500b5c, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("answer", 1, "int32", None, None, None, False, 42),
        ("small", 2, "int64", None, None, None, False, -9223372036854775808),
        ("big", 3, "uint64", None, None, None, False, 18446744073709551615),
        ("ratio", 4, "float32", None, None, None, False, 0.5),
        ("pi", 5, "float64", None, None, None, False, 3.1415899999999999),
        ("greeting", 6, "string", None, None, None, False, "hello, \"world\"\n"),
        ("on", 7, "bool", None, None, None, False, True),
        ("color", 8, "enum", None, None, "corpus.common.Color", False, 2),
        ("level", 9, "enum", None, None, "corpus.all.Level", False, None),
        ("maybe", 10, "int32", None, None, None, True, None),
        ("nick", 11, "string", None, None, None, True, None),
        ("opt_level", 12, "enum", None, None, "corpus.all.Level", True, None),
        ("old_count", 20, "int32", None, None, None, False, None),
    )),
    (Nested, "corpus.all.Nested", 0x4697f182036739d9, 0x6fafcefdfd2bdf44, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("origin", 1, "message", None, None, "corpus.common.Point", False, None),
        ("target", 2, "message", None, None, "corpus.common.Point", True, None),
        ("numbers", 3, "list", "int32", None, None, False, None),
        ("names", 4, "list", "string", None, None, False, None),
        ("path", 5, "list", "message", None, "corpus.common.Point", False, None),
        ("colors", 6, "list", "enum", None, "corpus.common.Color", False, None),
        ("chunks", 7, "list", "bytes", None, None, False, None),
        ("counts", 8, "map", "int64", "string", None, False, None),
        ("points", 9, "map", "message", "int32", "corpus.common.Point", False, None),
        ("labels", 10, "map", "string", "uint64", None, False, None),
        ("owner", 11, "ref", None, None, None, False, None),
        ("backup", 12, "ref", None, None, None, True, None),
        ("peers", 13, "list", "ref", None, None, False, None),
        ("children", 14, "list", "message", None, "corpus.all.Nested", False, None),
        ("parent", 15, "message", None, None, "corpus.all.Nested", True, None),
        ("switches", 16, "map", "float32", "bool", None, False, None),
    )),
    (Empty, "corpus.all.Empty", 0x95efe0c50b80826b, 0x471d4fd28b5d8ad3, (
        # name, number, kind, element kind, key kind, type, optional, default
    )),
    (StoreState, "corpus.all.StoreState", 0x0fb5f8ff2fff82f8, 0xfd2c8b8fd6bea2f1, (
        # name, number, kind, element kind, key kind, type, optional, default
        ("values", 1, "map", "bytes", "string", None, False, None),
        ("writes", 2, "uint64", None, None, None, False, None),
    )),
    (IdleState, "corpus.all.IdleState", 0x609c906ec9c77fe5, 0xf1895b40ddfe631d, (
        # name, number, kind, element kind, key kind, type, optional, default
    )),
), (
    (Level, "corpus.all.Level"),
))
