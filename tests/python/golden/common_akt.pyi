# common_akt.pyi -- generated from common.akt by aktc 0.1.0 -- do not edit.
# Typing stub of common_akt.py (package corpus.common).
import enum
from typing import Awaitable, Iterable, Mapping

import akt

SCHEMA_HASH: int

class Color(enum.IntEnum):
    RED = 0
    GREEN = 1
    BLUE = 2
    INFRARED = -1

class Point(akt.Message):
    def __init__(self, x: float | int = ..., y: float | int = ...) -> None: ...
    @property
    def x(self) -> float: ...
    @property
    def y(self) -> float: ...
