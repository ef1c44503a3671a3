"""A script worker: `python -m engine.sandbox.worker MEMORY_MB` reads requests on stdin, answers on stdout.

It imports only the checker and the calendar helpers, so it starts fast and holds no database handle.
The limits are the kernel's, so they also stop loops and allocations inside C code:
- RLIMIT_AS: what the worker uses at rest plus MEMORY_MB; an allocation beyond it is a MemoryError;
- RLIMIT_CPU: before each request the soft limit is set this many seconds above the CPU used so far, and
  SIGXCPU (its default action: end the process) stops whatever runs, Python or C;
- the parent kills the worker at the wall-clock limit (pool.py).
After a limit is hit the worker exits, so the next request gets a fresh one.
Started as root, it also gives up the network (a namespace of its own, whose only loopback is down) and
becomes `nobody` before it reads a request (`_confine`).
"""
import ctypes
import math
import os
import resource
import sys
import time
from datetime import datetime, timedelta

from engine import clock, workcalendar

from . import check, wire
from .limits import MAX_RESULT_BYTES

NOTIFY_KINDS = ("reminder", "overdue", "supervise")
MAX_MESSAGE_CHARS = 2000
_outbox = []


def notify(to, kind, message):
    """Queue a notification; the parent stores it with the step (scripting.notify documents it)."""
    if kind not in NOTIFY_KINDS:
        raise check.ScriptRejected(f"notify 的类型“{kind}”无效，应为 {' / '.join(NOTIFY_KINDS)}")
    if not isinstance(to, str) or not to.strip():
        raise check.ScriptRejected("notify 的接收方必须是组代码或 \"owner\"")
    if not isinstance(message, str) or not message.strip():
        raise check.ScriptRejected("notify 的消息不能为空")
    _outbox.append({"to": to.strip(), "kind": kind, "message": message[:MAX_MESSAGE_CHARS]})


HELPERS = {name: getattr(workcalendar, name) for name in workcalendar.HELPERS}
HELPERS["notify"] = notify


def _is_data(value):
    return not (callable(value) or hasattr(value, "__next__") or type(value).__name__ == "module")


def _use_clock(now_iso):
    """The parent's clock (offset for 演练模式, a sweep's --at): its instant, moving on from receipt."""
    base, started = datetime.fromisoformat(now_iso), time.monotonic()
    clock.now = lambda: base + timedelta(seconds=time.monotonic() - started)


def _line_of(exc):
    line, tb = 0, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<string>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def run(request):
    """The answer to one request: {"value"} or {"context"}, with "outbox"; or {"error"}."""
    _outbox.clear()
    _use_clock(request["now"])
    overrides = {day: flag for day, flag in request.get("overrides") or []}
    with workcalendar.use_overrides(overrides):
        code = check.compiled(request["source"], request["op"])
        scope = {**HELPERS, **wire.decode_value(request.get("globals") or {})}
        external = wire.decode_value(request.get("external") or {})
        scope.update(external)
        data = wire.decode_value(request["context"])
        if request["op"] == "eval":
            scope.update(data)
            scope["__builtins__"] = check.SAFE_BUILTINS
            return {"value": wire.encode_value(eval(code, scope)), "outbox": list(_outbox)}
        scope.update(data)
        scope["__builtins__"] = check.SAFE_BUILTINS
        hidden = set(HELPERS) | set(external) | set(request.get("globals") or {})
        try:
            exec(code, scope)
        finally:
            result = {k: v for k, v in scope.items() if k != "__builtins__" and k not in hidden and _is_data(v)}
        return {"context": wire.encode_value(result), "outbox": list(_outbox)}


def _answer(request):
    try:
        return run(request)
    except MemoryError:
        return {"limit": "memory"}
    except RecursionError as exc:
        return {"error": {"type": "RecursionError", "message": str(exc), "line": _line_of(exc)}}
    except Exception as exc:  # the script's own error, reported to the parent by type name
        errors = getattr(exc, "errors", None)
        return {"error": {"type": type(exc).__name__, "message": str(exc), "line": _line_of(exc),
                          "errors": errors if isinstance(errors, list) else None}}


def _cpu_used():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rest_size():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


CLONE_NEWNET = 0x40000000
NOBODY = 65534


def _confine():
    """As root: no network and the rights of nobody, so code that got past the checks reaches neither the
    database nor a file it may not read. Not root, or a kernel that refuses: the limits, the bare environment
    and RLIMIT_FSIZE stay the walls. Returns what was done."""
    if os.geteuid() != 0:
        return []
    done = []
    try:
        if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET) == 0:
            done.append("network")
    except (OSError, AttributeError):
        pass
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
        done.append("nobody")
    except OSError:
        pass
    return done


def main(memory_mb):
    inbound, outbound = 0, os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing a script prints can corrupt the answers
    os.dup2(devnull, 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    workcalendar.is_workday("2025-01-01")  # load the calendar tables before measuring the resting size
    confined = _confine()
    limit = _rest_size() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    wire.send(outbound, {"ready": os.getpid(), "confined": confined})
    while True:
        request = wire.receive(inbound, 64 * 1024 * 1024)
        if request is None:
            return
        cpu = math.ceil(_cpu_used() + request["cpu"])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, resource.RLIM_INFINITY))
        answer = _answer(request)
        try:
            wire.send(outbound, answer)
        except MemoryError:
            answer = {"limit": "memory"}
            wire.send(outbound, answer)
        except (wire.WireError, TypeError, ValueError) as exc:
            answer = {"error": {"type": "TypeError", "message": str(exc), "line": 0}}
            wire.send(outbound, answer)
        if "limit" in answer:
            return  # after a MemoryError the heap may be in pieces; the pool starts a fresh worker
        del answer


if __name__ == "__main__":
    sys.setrecursionlimit(400)  # deep recursion ends as RecursionError long before the C stack
    main(int(sys.argv[1]))
