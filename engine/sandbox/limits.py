"""The limits scripts run under, from the environment (README: 运行参数), and the error past one.

EGOV_SCRIPT_CPU_SECONDS   CPU time of one script or expression (whole seconds, RLIMIT_CPU), default 2
EGOV_SCRIPT_WALL_SECONDS  wall-clock time of all scripts of one engine step together, default 4
EGOV_SCRIPT_MEMORY_MB     address space a worker may add to what it needs at rest, default 256
EGOV_SCRIPT_ISOLATION     "off" runs scripts in the calling process without limits (benchmarks only)
"""
import os
from dataclasses import dataclass, replace

MAX_RESULT_BYTES = 16 * 1024 * 1024  # a worker's answer the parent will read; task data stays far smaller


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 2
    wall_seconds: float = 4.0
    memory_mb: int = 256
    isolated: bool = True

    def describe(self, kind):
        """The Chinese name of a limit and its value, e.g. “CPU 时间上限（2 秒）”."""
        return {
            "cpu": f"CPU 时间上限（{self.cpu_seconds} 秒）",
            "wall": f"运行时间上限（{self.wall_seconds:g} 秒）",
            "memory": f"内存上限（{self.memory_mb} MB）",
            "result": f"结果大小上限（{MAX_RESULT_BYTES // (1024 * 1024)} MB）",
            "crash": f"内存上限（{self.memory_mb} MB）或 CPU 时间上限（{self.cpu_seconds} 秒）",
        }.get(kind, kind)


def _number(env, name, default, kind):
    text = env.get(name)
    if text is None or not text.strip():
        return default
    value = kind(text)
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {text!r}")
    return value


def from_env(env=os.environ):
    return Limits(
        cpu_seconds=_number(env, "EGOV_SCRIPT_CPU_SECONDS", Limits.cpu_seconds, int),
        wall_seconds=_number(env, "EGOV_SCRIPT_WALL_SECONDS", Limits.wall_seconds, float),
        memory_mb=_number(env, "EGOV_SCRIPT_MEMORY_MB", Limits.memory_mb, int),
        isolated=env.get("EGOV_SCRIPT_ISOLATION", "on").strip().lower() not in ("off", "0", "false", "no"),
    )


current = from_env()


def configure(**changes):
    """Change the limits of this process (tests, benchmarks); returns the previous ones."""
    global current
    previous, current = current, replace(current, **changes)
    return previous


class LimitHit(Exception):
    """A script went past a limit; `kind` is cpu, wall, memory, result or crash."""

    def __init__(self, kind, limits=None):
        self.kind = kind
        self.text = (limits or current).describe(kind)
        super().__init__(f"超出{self.text}，已中止")
