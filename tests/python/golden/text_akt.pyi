# text_akt.pyi -- generated from text.akt by aktc 0.1.0 -- do not edit.
# Typing stub of text_akt.py (package corpus.text).
import enum
from typing import Awaitable, Iterable, Mapping

import akt

SCHEMA_HASH: int

class Mark(enum.IntEnum):
    PLAIN = 1

class Tricky(akt.Message):
    def __init__(self, trigraphs: str = ..., questions: str = ..., comment_marks: str = ..., mark: Mark | int = ...) -> None: ...
    @property
    def trigraphs(self) -> str: ...
    @property
    def questions(self) -> str: ...
    @property
    def comment_marks(self) -> str: ...
    @property
    def mark(self) -> Mark: ...

class EchoState(akt.Message):
    def __init__(self) -> None: ...


class EchoRef(akt.TypedRef):
    def ask_tricky(self, msg: Tricky, timeout: float = ...) -> akt.Future[Tricky]: ...
    def ask_tricky_blocking(self, msg: Tricky, timeout: float = ...) -> Tricky: ...
    def tell_tricky(self, msg: Tricky, sender: akt.ActorRef | None = ...) -> None: ...

class EchoActor(akt.TypedActor):
    def on_tricky(self, ctx: akt.Context, msg: Tricky) -> Tricky | Awaitable[Tricky]: ...
