"""Actors for the python-subprocess tests (test_strategies.py): module-level
classes, so a worker process can import them by name when it unpickles the
actor's spec."""
import os
import time

from akt import Actor


class Where(Actor):
    """Answers with its process id and what it got; "boom" raises; "spin"
    burns CPU for msg[1] seconds (the GIL of its own process); "sleep"
    sleeps msg[1] seconds."""

    def __init__(self, tag="w"):
        self.tag = tag
        self.count = 0

    def handle(self, ctx, msg):
        self.count += 1
        if msg == "boom":
            raise ValueError("boom in a worker")
        if isinstance(msg, tuple) and msg and msg[0] == "sleep":
            time.sleep(msg[1])
            return (os.getpid(), "slept")
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
