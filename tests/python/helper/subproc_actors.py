"""Actors for the python-subprocess tests (test_strategies.py): module-level
classes, so a worker process can import them by name when it unpickles the
actor's spec."""
import os
import time

from akt import Actor


class Where(Actor):
    """Answers with its process id and what it got; "boom" raises; "spin"
    burns CPU for msg[1] seconds (the GIL of its own process); "hold"
    blocks until the test releases it: msg[1] is a FIFO the handler opens
    for reading, so it returns when the test writes to that FIFO (or the
    worker dies), after it wrote its pid to msg[1] + ".held", a second FIFO
    the test made and opened for reading before it sent "hold" (the test
    blocks on it to know the handler runs)."""

    def __init__(self, tag="w"):
        self.tag = tag
        self.count = 0

    def handle(self, ctx, msg):
        self.count += 1
        if msg == "boom":
            raise ValueError("boom in a worker")
        if isinstance(msg, tuple) and msg and msg[0] == "hold":
            with open(msg[1] + ".held", "w") as f:  # the test reads it
                f.write(str(os.getpid()))
            with open(msg[1], "rb") as gate:  # blocks until a writer opens it
                gate.read()                   # and until it closes it
            return (os.getpid(), "released")
        if isinstance(msg, tuple) and msg and msg[0] == "spin":
            end = time.perf_counter() + msg[1]
            n = 0
            while time.perf_counter() < end:
                n += 1
            return (os.getpid(), n)
        return (os.getpid(), self.tag, self.count, msg)


class Doubler(Actor):
    """Generated messages across the process boundary (interop.akt)."""

    def handle(self, ctx, msg):
        import interop_akt as pi
        return pi.Sum(value=2 * (msg.a + msg.b), note=msg.note, half=0.0,
                      even=True)
