"""The python-subprocess strategy: Python actors in worker processes.

A pool (one per dispatcher name and system) keeps up to `workers` worker
processes (akt/_worker.py), started on first use and again when one dies.
An actor on this strategy is a C host actor in the parent (subproc.c) that
forwards every message, with its sender, over akt remoting on NNG ipc to
the real actor in a worker: generated messages cross with their
descriptors, other objects pickled, many envelopes per frame. The parent's
GIL is never taken for a message on its way. A host starts its actor
asynchronously (start_async: a thread of the pool starts a worker process
when needed, never a C pool thread) and stashes messages meanwhile. A
monitor thread per worker waits for the process; when it exits, every host
of that worker fails (akt.PeerUnreachable) after failing the asks it
forwarded that still wait for a reply, so the supervisor acts -- by
default it restarts the host, which starts the actor in a live worker
again.
"""
from __future__ import annotations

import os
import pickle
import secrets
import select
import subprocess
import sys
import tempfile
import threading

from . import _core

_STARTUP_TIMEOUT = 30.0


class _Worker:
    def __init__(self, pool, index):
        self.pool = pool
        self.hosts = set()
        fd, path = tempfile.mkstemp(prefix="akt-w-", suffix=".sock")
        os.close(fd)
        os.unlink(path)
        self.url = f"ipc://{path}"
        self.sock = path
        env = dict(os.environ)
        env["AKTPY_WORKER_COOKIE"] = pool.cookie
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "akt._worker", self.url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        pool._booting = self.proc  # Pool.close kills it rather than wait
        try:
            line = self._read_line(_STARTUP_TIMEOUT)
            if not line.startswith(b"READY "):
                self.proc.kill()
                self.proc.wait()
                raise _core.PeerUnreachable(
                    f"python-subprocess: worker {index} of {pool.name!r} did "
                    f"not start (exit {self.proc.returncode}, said {line!r})")
            self.spawner = pool.system.lookup(line.split()[1].decode())
        except BaseException:
            self.close(5)  # no process or pipe left behind
            raise
        finally:
            pool._booting = None
        self.monitor = threading.Thread(target=self._watch, daemon=True,
                                        name=f"akt-worker-monitor-{self.proc.pid}")
        self.monitor.start()

    def _read_line(self, timeout):
        out = self.proc.stdout
        assert out is not None
        buf = b""
        while not buf.endswith(b"\n"):
            ready, _, _ = select.select([out], [], [], timeout)
            if not ready:
                return buf
            c = os.read(out.fileno(), 1)
            if not c:
                return buf
            buf += c
        return buf.strip()

    @property
    def alive(self):
        return self.proc.poll() is None

    def _watch(self):
        self.proc.wait()
        with self.pool.lock:
            hosts, self.hosts = self.hosts, set()
            closing = self.pool.closed
        if not closing:
            for h in hosts:
                try:
                    h._worker_died(self.proc.pid)
                except _core.AktError:
                    pass

    def close(self, timeout):
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout if timeout > 0 else None)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdout, self.proc.stdin):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        try:
            os.unlink(self.sock)
        except OSError:
            pass


class Pool:
    """The worker processes of one python-subprocess dispatcher."""

    def __init__(self, system, name, workers):
        if workers < 1:
            raise ValueError(f"python-subprocess {name!r}: workers must be >= 1")
        self.system = system
        self.name = name
        self.size = workers
        self.lock = threading.Lock()
        self.workers = []
        self.next = 0
        self.closed = False
        self._booting = None  # the worker process being started
        self._starts = set()  # start threads still running
        self.cookie = system._ensure_remoting()

    def _worker(self):
        with self.lock:
            if self.closed:
                raise _core.SystemClosed("the actor system is terminating")
            for w in self.workers:
                if not w.alive:
                    w.close(0)
            self.workers = [w for w in self.workers if w.alive]
            if len(self.workers) < self.size:
                w = _Worker(self, len(self.workers))
                if self.closed:  # closed while it booted
                    w.close(5)
                    raise _core.SystemClosed("the actor system is terminating")
                self.workers.append(w)
                return w
            w = self.workers[self.next % len(self.workers)]
            self.next += 1
            return w

    def start(self, spec, host):
        """Start the actor in a worker (a worker process is started first
        when the pool has fewer than its size, or one died); returns
        (the ref to it there, the worker's pid). Blocks: run it off the
        pool's threads (start_async)."""
        from ._runtime import _bound_modules
        w = self._worker()
        fut = w.spawner.ask(("spawn", spec, tuple(_bound_modules)),
                            timeout=_STARTUP_TIMEOUT)
        while True:  # a closing pool does not wait for the answer
            try:
                path = fut.result(0.2)
                break
            except _core.AskTimeout:
                if fut.done():
                    raise
                if self.closed:
                    raise _core.SystemClosed("the actor system is terminating")
        del fut
        with self.lock:
            w.hosts.add(host)
        return self.system.lookup(path), w.proc.pid

    def start_async(self, spec, host, epoch):
        """From the host's pre_start (a C pool thread, GIL held): start the
        actor on a thread of its own and tell the host when it runs (or
        why not), so no pool thread waits for a worker process. The host
        stashes its messages meanwhile."""
        def run():
            try:
                try:
                    remote, pid = self.start(spec, host)
                except BaseException as e:  # noqa: BLE001 - told to the host
                    try:
                        host._host_started(epoch, None, 0,
                                           f"{type(e).__name__}: {e}")
                    except _core.AktError:
                        pass
                    return
                try:
                    alive = host._host_started(epoch, remote, pid, "")
                except _core.AktError:
                    alive = False
                if not alive:  # the host stopped meanwhile
                    self.stop(remote)
            finally:
                self._starts.discard(threading.current_thread())

        with self.lock:
            if self.closed:
                raise _core.SystemClosed("the actor system is terminating")
            t = threading.Thread(target=run, daemon=True,
                                 name=f"akt-worker-start-{self.name}")
            self._starts.add(t)
        t.start()

    def stop(self, remote):
        for w in list(self.workers):
            if w.alive:
                try:
                    w.spawner.tell(("stop", self.system.path_of(remote)))
                except _core.AktError:
                    pass

    def spawn(self, p, name):
        try:
            spec = pickle.dumps((p.cls, p.args, p.kwargs, p.supervisor,
                                 p.mailbox))
        except Exception as e:  # noqa: BLE001 - any pickling error
            raise TypeError(
                f"python-subprocess: the actor class and its arguments must be "
                f"picklable (a module-level class the worker can import): {e}"
            ) from e
        return self.system._core._spawn_host(
            lambda host, epoch: self.start_async(spec, host, epoch),
            self.stop, name)

    def pids(self):
        with self.lock:
            return [w.proc.pid for w in self.workers if w.alive]

    def close(self, timeout=10.0):
        """Stop the workers; first end the start threads, which must not
        outlive the system (they hold its futures): a worker process still
        booting is killed, a spawn answer no longer awaited."""
        self.closed = True
        booting = self._booting
        if booting is not None:
            try:
                booting.kill()
            except OSError:
                pass
        for t in list(self._starts):
            t.join(timeout)
        with self.lock:
            workers, self.workers = self.workers, []
        for w in workers:
            w.close(timeout)
