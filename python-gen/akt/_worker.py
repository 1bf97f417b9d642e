"""python -m akt._worker URL -- a worker process of the python-subprocess
strategy (akt/_subprocess.py starts it; docs/python.md, "GIL strategies").

It runs its own actor system with remoting on URL (NNG ipc), accepting the
parent's cookie (from the environment, never the command line), and one
spawner actor that makes the parent's actors here: ("spawn", pickled
(cls, args, kwargs, supervisor strategy, mailbox), names of the parent's generated modules, imported here
first) -> the new actor's path, ("stop", path). It prints
"READY <spawner path>" and serves until its stdin closes, which happens
when the parent closes the pool or dies -- so a worker never outlives its
parent.
"""
import importlib
import os
import pickle
import sys


def main(argv):
    if len(argv) != 2:
        print("usage: python -m akt._worker URL", file=sys.stderr)
        return 2
    cookie = os.environ.pop("AKTPY_WORKER_COOKIE", None)
    if not cookie:
        print("akt._worker: AKTPY_WORKER_COOKIE is not set", file=sys.stderr)
        return 2
    from akt import Actor, ActorSystem, props

    system = ActorSystem.create_blocking(f"akt-worker-{os.getpid()}")
    system.start_remoting(argv[1], cookie=cookie)

    missing = set()

    class Spawner(Actor):
        def handle(self, ctx, msg):
            if msg[0] == "spawn":
                # the parent's generated modules first: their types must be
                # registered here before their messages arrive
                for name in msg[2]:
                    if name in missing:
                        continue
                    try:
                        importlib.import_module(name)
                    except ImportError as e:
                        # (bound in the parent from a folder no longer on
                        # its path): its messages cannot reach this worker
                        missing.add(name)
                        print(f"akt._worker: cannot import {name}: {e}",
                              file=sys.stderr)
                cls, args, kwargs, sup, mbox = pickle.loads(msg[1])
                p = props(cls, *args, **kwargs)
                p.supervisor, p.mailbox = sup, mbox
                return system.path_of(ctx.spawn(p))
            if msg[0] == "stop":
                try:
                    ctx.stop(system.lookup(msg[1]))
                except Exception:  # noqa: BLE001 - already gone
                    pass
            return None

    spawner = system.actor_of(props(Spawner), "spawner")
    print("READY", system.path_of(spawner), flush=True)
    sys.stdin.read()
    system.terminate_blocking()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
