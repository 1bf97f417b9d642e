"""Actors for the python-subinterpreter-pool tests (test_subinterp.py):
module-level classes, so a subinterpreter imports them by module path.
Each subinterpreter imports this module anew: its globals (STARTS) are
per interpreter."""
import dataclasses
import os
import select

from akt import Actor, props

STARTS = 0  # pre_start calls in this interpreter


def interp_id():
    """the id of the interpreter running the caller (0: the main one)"""
    try:
        import _interpreters as i  # 3.13+
    except ImportError:
        import _xxsubinterpreters as i  # 3.12
    cur = i.get_current()
    return int(cur[0] if isinstance(cur, tuple) else cur)


@dataclasses.dataclass(frozen=True)
class Point:
    """a plain picklable object (no generated class)"""
    x: int
    y: int


class Where(Actor):
    """"where" -> its interpreter's id; a Point -> the Point doubled;
    ("tell", path, n) -> tells the actor at path (ctx.system.lookup) n
    times "inc";
    ("count") -> how many "inc" it got; "boom" raises; "starts" -> its
    interpreter's pre_start count; ("spawn",) -> a child's interpreter id,
    asked with await; ("ask", path) -> that actor's answer to "count",
    asked with await; ("hold", rfd, wfd) writes a byte to wfd, then
    blocks until it reads one from rfd; ("work", n) burns CPU"""

    def __init__(self, tag="w"):
        self.tag = tag
        self.count = 0

    def pre_start(self, ctx):
        global STARTS
        STARTS += 1

    async def handle(self, ctx, msg):
        if msg == "where":
            return interp_id()
        if msg == "inc":
            self.count += 1
            return None
        if msg == "count":
            return self.count
        if msg == "boom":
            raise ValueError(f"boom in interpreter {interp_id()}")
        if msg == "starts":
            return STARTS
        if isinstance(msg, Point):
            return Point(2 * msg.x, 2 * msg.y)
        if isinstance(msg, tuple) and msg[0] == "tell":
            target = ctx.system.lookup(msg[1])  # (this interpreter's view)
            for _ in range(msg[2]):
                target.tell("inc")
            return msg[2]
        if isinstance(msg, tuple) and msg[0] == "ask":
            return await ctx.core_system.lookup(msg[1]).ask("count", timeout=30)
        if isinstance(msg, tuple) and msg[0] == "spawn":
            child = ctx.spawn(props(Where, "child"))
            return await child.ask("where", timeout=30)
        if isinstance(msg, tuple) and msg[0] == "hold":
            os.write(msg[2], b"h")  # it runs: the test may go on
            os.read(msg[1], 1)  # until the test writes
            return "released"
        if isinstance(msg, tuple) and msg[0] == "work":
            n = 0
            for i in range(msg[1]):
                n += i * i
            return n
        return (self.tag, msg)


PRIORITY_RAN_IN = []  # the interpreters urgency ran in (per interpreter)


def urgency(msg):
    """a priority mailbox's function (module level: it crosses pickled):
    ("p", n, tag) has priority n, "order last" 100, anything else 0
    (served first); notes the interpreter it runs in"""
    PRIORITY_RAN_IN.append(interp_id())
    if msg == "order last":
        return 100
    return msg[1] if isinstance(msg, tuple) and msg[0] == "p" else 0


class Ordered(Where):
    """Where, keeping the tags of ("p", n, tag) messages in the order it
    handles them: "order" (or "order last") -> them; "priority ran in"
    -> the set of
    interpreter ids this interpreter's urgency ran in."""

    def __init__(self):
        super().__init__("o")
        self.order = []

    async def handle(self, ctx, msg):
        if isinstance(msg, tuple) and msg[0] == "p":
            self.order.append(msg[2])
            return None
        if msg in ("order", "order last"):
            return self.order
        if msg == "priority ran in":
            return sorted(set(PRIORITY_RAN_IN))
        return await super().handle(ctx, msg)


class Meet(Actor):
    """A cross-interpreter barrier: on "meet", writes one byte to each
    other party's pipe (outs), then reads one byte from each of them on its
    own pipe (inp) -- so it returns only once every party is inside its
    handler at the same time. Answers its interpreter's id."""

    def __init__(self, inp, outs):
        self.inp, self.outs = inp, outs

    def handle(self, ctx, msg):
        for w in self.outs:
            os.write(w, b"x")
        got = 0
        while got < len(self.outs):
            ready, _, _ = select.select([self.inp], [], [], 30.0)
            if not ready:
                raise TimeoutError("the other parties never arrived")
            got += len(os.read(self.inp, len(self.outs) - got))
        return interp_id()


class Doubler(Actor):
    """Generated messages across interpreters (interop.akt)."""

    def handle(self, ctx, msg):
        import interop_akt as pi
        return pi.Sum(value=2 * (msg.a + msg.b), note=msg.note, half=0.0,
                      even=True)


class Parent(Actor):
    """Spawns a Where child ("child" -> the child's interpreter id) and
    forwards every other message to it: "boom" as a tell (the child fails;
    this actor's strategy decides, in this interpreter), the rest as an
    awaited ask."""

    async def handle(self, ctx, msg):
        if msg == "child":
            self.child = ctx.spawn(props(Where, "kid"))
            return await self.child.ask("where", timeout=30)
        if msg in ("boom", "inc"):
            self.child.tell(msg)
            return None
        return await self.child.ask(msg, timeout=30)


class Ticker(Actor):
    """A timer's messages in a subinterpreter: ("start", n) starts a
    periodic timer; at its n-th tick it cancels it and tells the asker of
    "start" (kept) the ticks it counted."""

    def handle(self, ctx, msg):
        if isinstance(msg, tuple) and msg[0] == "start":
            self.n, self.ticks, self.asker = msg[1], 0, ctx.sender
            ctx.start_timer("t", {"tick": True}, 0.001, interval=0.001)
            return None
        if msg == {"tick": True}:
            self.ticks += 1
            if self.ticks == self.n:
                ctx.cancel_timer("t")
                self.asker.tell(("ticked", self.ticks))
        return None
