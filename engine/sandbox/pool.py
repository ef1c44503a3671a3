"""A warm pool of script workers per process, and the one call the engine makes: run(request, timeout).

Each call borrows an idle worker (starting one if none is idle), sends one request and waits for the
answer while it releases the GIL, so the process's other threads go on serving. Past the timeout the
worker is killed; a worker that died of SIGXCPU hit the CPU limit. A worker that hit a limit is not
reused. Workers read their requests from a pipe and exit when it closes, so they end with their parent.
"""
import atexit
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from . import limits, wire

MAX_IDLE = 4  # workers kept warm per process; more start when more threads run scripts at once
START_TIMEOUT = 30.0  # seconds a new worker may take to import its modules on a busy machine
_ROOT = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, memory_mb):
        # A bare environment: no DATABASE_URL, SECRET_KEY or mail password for code that got past the checks.
        env = {"PYTHONPATH": str(_ROOT), "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8",
               "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        self.memory_mb = memory_mb
        self.fresh = True  # not yet used: the caller waited for it to start
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "engine.sandbox.worker", str(memory_mb)], cwd=_ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
        self.to_worker = self.proc.stdin.fileno()
        self.from_worker = self.proc.stdout.fileno()
        ready = self.receive(time.monotonic() + START_TIMEOUT)
        if not ready or "ready" not in ready:
            self.kill()
            raise RuntimeError("script worker failed to start")

    def receive(self, deadline, max_bytes=1024):
        def wait():
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_worker], [], [], left)[0]:
                raise TimeoutError

        return wire.receive(self.from_worker, max_bytes, wait)

    def kill(self):
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()

    def close(self):
        """Closing its input ends an idle worker; it exits on its own."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.stdout.close()
        try:
            self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.kill()


class Pool:
    def __init__(self):
        self._lock = threading.Lock()
        self._idle = []
        self._pid = os.getpid()
        self.started = 0  # workers started (a figure for the benchmark and metrics)

    def _take(self, memory_mb):
        with self._lock:
            if self._pid != os.getpid():  # forked (e.g. a preloading server): the parent's pipes are not ours
                self._idle, self._pid = [], os.getpid()
            while self._idle:
                worker = self._idle.pop()
                if worker.memory_mb == memory_mb and worker.proc.poll() is None:
                    return worker
                worker.close()
        worker = Worker(memory_mb)
        self.started += 1
        return worker

    def _give(self, worker):
        with self._lock:
            if len(self._idle) < MAX_IDLE and self._pid == os.getpid():
                self._idle.append(worker)
                return
        worker.close()

    def run(self, request, timeout, settings, on_start=None):
        """The worker's answer to `request`; LimitHit past a limit. `timeout` excludes starting a worker;
        `on_start(seconds)` is told how long starting one took, if one had to start."""
        began = time.monotonic()
        worker = self._take(settings.memory_mb)
        if on_start is not None and worker.fresh:
            on_start(time.monotonic() - began)
        worker.fresh = False
        deadline = time.monotonic() + max(timeout, 0.001)
        try:
            wire.send(worker.to_worker, {**request, "cpu": settings.cpu_seconds})
            answer = worker.receive(deadline, limits.MAX_RESULT_BYTES)
        except TimeoutError:
            worker.kill()
            self.warm(settings.memory_mb)
            raise limits.LimitHit("wall", settings) from None
        except wire.WireError:
            worker.kill()
            raise limits.LimitHit("result", settings) from None
        except OSError:  # the worker died before it read the request (e.g. killed from outside)
            answer = None
        if answer is None:
            worker.kill()
            self.warm(settings.memory_mb)
            died_of = worker.proc.returncode
            raise limits.LimitHit("cpu" if died_of == -signal.SIGXCPU else "crash", settings)
        if "limit" in answer:
            worker.kill()
            self.warm(settings.memory_mb)
            raise limits.LimitHit(answer["limit"], settings)
        self._give(worker)
        return answer

    def warm(self, memory_mb=None):
        """Start a worker in the background, so the next script does not wait for one to start."""
        memory_mb = memory_mb or limits.current.memory_mb

        def start():
            try:
                worker = Worker(memory_mb)
                worker.fresh = False  # started ahead: nobody waited for it
                self._give(worker)
                self.started += 1
            except Exception:  # the next call starts one itself and reports what fails
                pass

        threading.Thread(target=start, name="script-worker-warm", daemon=True).start()

    def shutdown(self):
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


pool = Pool()
atexit.register(pool.shutdown)
