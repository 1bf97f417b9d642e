# defaults_akt.pyi -- generated from defaults.akt by aktc 0.1.0 -- do not edit.
# Typing stub of defaults_akt.py (package corpus.defaults).
import enum
from typing import Awaitable, Iterable, Mapping

import akt

SCHEMA_HASH: int

class Phase(enum.IntEnum):
    initial = 1
    state = 2
    key = 3
    timeout = 4

class Edges(akt.Message):
    def __init__(self, nul: str = ..., utf8: str = ..., phase: Phase | int = ..., later: Phase | int = ..., f32_max: float | int = ..., f32_min: float | int = ..., f32_int: float | int = ..., f64_max: float | int = ..., f64_min: float | int = ..., zero: float | int = ...) -> None: ...
    @property
    def nul(self) -> str: ...
    @property
    def utf8(self) -> str: ...
    @property
    def phase(self) -> Phase: ...
    @property
    def later(self) -> Phase: ...
    @property
    def f32_max(self) -> float: ...
    @property
    def f32_min(self) -> float: ...
    @property
    def f32_int(self) -> float: ...
    @property
    def f64_max(self) -> float: ...
    @property
    def f64_min(self) -> float: ...
    @property
    def zero(self) -> float: ...
