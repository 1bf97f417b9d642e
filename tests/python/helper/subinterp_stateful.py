"""An fsm actor and a persistent actor for the python-subinterpreter-pool
tests (test_subinterp.py): module-level classes on the generated modules
of tests/aktc/ok/door.akt and ledger.akt (the `gen` fixture puts them on
sys.path before the pool copies it), so a subinterpreter imports them by
module path. What they did there comes back in their replies, or is told
to a main-interpreter actor at the path they are given."""
import asyncio

import door_akt as door
import ledger_akt as ledger
from akt import Actor, props
from subinterp_actors import interp_id


async def next_loop_turn():
    """Suspends the running task until the loop's next turn, with no
    clock: a future the loop itself resolves from its ready queue."""
    loop = asyncio.get_running_loop()
    turn = loop.create_future()
    loop.call_soon(turn.set_result, None)
    await turn


class SubDoor(door.DoorActor):
    """fsmdemo.Door: each line replies (the state it ran in, its data,
    the interpreter's id); Lock with code "boom" raises (a restart starts
    again in Closed with a fresh instance); a wrong Unlock code stays
    Locked; Close awaits (a handler that really suspends decides its
    transition when its task ends)."""

    def __init__(self):
        self.code = ""
        self.openings = 0

    def closed_on_open(self, ctx, msg):
        self.openings += 1
        return (ctx.state.name, self.openings, interp_id())

    def closed_on_lock(self, ctx, msg):
        if msg.code == "boom":
            raise ValueError(f"boom in interpreter {interp_id()}")
        self.code = msg.code
        return (ctx.state.name, "locked", interp_id())

    def locked_on_unlock(self, ctx, msg):
        if msg.code != self.code:
            ctx.stay()
            return (ctx.state.name, "wrong code", interp_id())
        return (ctx.state.name, "unlocked", interp_id())

    def locked_on_open(self, ctx, msg):
        return (ctx.state.name, "still locked", interp_id())

    async def opened_on_close(self, ctx, msg):
        state = ctx.state.name
        await next_loop_turn()  # really suspends: a task finishes the line
        return (state, "closed", interp_id())


class SubAccount(ledger.AccountActor):
    """ledger.Account with a snapshot every 5 events. Replies
    Balance(balance, seq, replayed: the events this incarnation's
    recovery applied). "where" answers the interpreter's id, "boom"
    raises. recovery_completed and snapshot_saved are told to the actor
    at `inbox` as ("recovered", highest, balance, replayed, offered seq,
    interpreter id) and ("saved", seq)."""

    snapshot_every = 5

    def __init__(self, inbox):
        self.inbox = inbox
        self.balance = 0
        self.replayed = 0
        self.offered = 0
        self.recovering = True

    def _tell(self, ctx, msg):
        ctx.core_system.lookup(self.inbox).tell(msg)

    def handle(self, ctx, msg):
        if msg == "where":
            return interp_id()
        if msg == "boom":
            raise ValueError(f"boom in interpreter {interp_id()}")
        return super().handle(ctx, msg)

    def _balance(self, ctx):
        return ledger.Balance(balance=self.balance, seq=ctx.last_seq,
                              replayed=self.replayed)

    def on_deposit(self, ctx, msg):
        ctx.persist(ledger.Deposited(amount=msg.amount),
                    lambda ctx, ev: self._balance(ctx))

    def on_withdraw(self, ctx, msg):
        if msg.amount > self.balance:
            return self._balance(ctx)  # refused: nothing persisted
        ctx.persist(ledger.Withdrawn(amount=msg.amount,
                                     note=f"in interpreter {interp_id()}"),
                    lambda ctx, ev: self._balance(ctx))
        return None

    def on_bulk(self, ctx, msg):
        left = [msg.times]

        def each(ctx, ev):
            left[0] -= 1
            return self._balance(ctx) if left[0] == 0 else None
        ctx.persist_all([ledger.Deposited(amount=msg.amount)] * msg.times,
                        each)

    def on_get(self, ctx, msg):
        return self._balance(ctx)

    def apply_deposited(self, event):
        self.balance += event.amount
        self.replayed += self.recovering

    def apply_withdrawn(self, event):
        self.balance -= event.amount
        self.replayed += self.recovering

    def snapshot_take(self):
        return ledger.Snap(balance=self.balance)

    def snapshot_offer(self, seq, snapshot):
        self.balance = snapshot.balance
        self.offered = seq

    def recovery_completed(self, ctx, highest):
        self.recovering = False
        self._tell(ctx, ("recovered", highest, self.balance, self.replayed,
                         self.offered, interp_id()))

    def snapshot_saved(self, ctx, seq):
        self._tell(ctx, ("saved", seq))


class Keeper(Actor):
    """Spawns fsm and persistent children in its own interpreter:
    ("door",) -> a SubDoor child's answer to Open; ("account", name,
    inbox) -> a SubAccount child's answer to Deposit(5), or the text of
    the error ctx.spawn raised; "where" -> its interpreter's id."""

    async def handle(self, ctx, msg):
        if msg == "where":
            return interp_id()
        if msg[0] == "door":
            child = ctx.spawn(props(SubDoor))
            return await child.ask(door.Open(), timeout=30)
        if msg[0] == "account":
            try:
                child = ctx.spawn(props(SubAccount, msg[2]), msg[1])
            except Exception as e:  # noqa: BLE001 - the answer
                return f"{type(e).__name__}: {e}"
            got = await child.ask(ledger.Deposit(amount=5), timeout=30)
            return (got, await child.ask("where", timeout=30))
        return None
