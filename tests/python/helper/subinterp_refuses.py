"""A module that imports in the main interpreter and refuses to in a
subinterpreter (as an extension module without per-interpreter GIL
support does): test_subinterp.py's actor of it cannot start there."""
from akt import Actor

from subinterp_actors import interp_id

if interp_id() != 0:
    raise ImportError("subinterp_refuses: not in a subinterpreter")


class Refused(Actor):
    def handle(self, ctx, msg):
        return msg
