"""akt -- actors for Python on the akt runtime (docs/python.md).

    from akt import Actor, ActorSystem, props

    class Greeter(Actor):
        async def handle(self, ctx, msg):
            return f"hello, {msg}"

    system = ActorSystem.create_blocking("app")
    ref = system.actor_of(props(Greeter), "greeter")
    print(ref.ask_blocking("world", timeout=5.0))   # -> "hello, world"
    system.terminate_blocking()
"""
__version__ = "0.1.0"

from . import _core
from ._core import (ActorRef, AktError, AskSelfError, Context, Message,
                    SchemaMismatch, decode, encode, error_classes)
from ._runtime import (Actor, ActorSystem, AllForOneStrategy, DeadLetter,
                       Directive, FrozenMap, FsmActor, Future, LogEvent,
                       Mailbox, OneForOneStrategy, PersistentActor, Props,
                       ReceiveTimeout, Record, RestForOneStrategy, RouterRef,
                       SupervisorStrategy, Terminated, TypedActor, TypedRef,
                       UnhandledMessage, bind_module, on_loop, props,
                       register_types, replace, to_dict)

# One exception class per akt_err code (generated in _core from the
# AKT_ERR_MAP list of akt/err.h): AskTimeout, ActorStopped, ...
for _cls in error_classes.values():
    globals()[_cls.__name__] = _cls
del _cls

__all__ = [
    "Actor", "ActorRef", "ActorSystem", "AktError", "AllForOneStrategy",
    "AskSelfError", "Context", "DeadLetter", "Directive", "FrozenMap",
    "FsmActor", "Future", "LogEvent", "Mailbox", "Message",
    "OneForOneStrategy", "PersistentActor", "Props", "ReceiveTimeout",
    "Record", "RestForOneStrategy", "RouterRef", "SchemaMismatch",
    "SupervisorStrategy", "Terminated", "TypedActor", "TypedRef",
    "UnhandledMessage", "bind_module", "decode", "encode", "on_loop", "props",
    "register_types", "replace", "to_dict",
] + sorted(c.__name__ for c in error_classes.values())
