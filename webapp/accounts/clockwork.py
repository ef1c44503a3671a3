"""Security clocks (lockout, sessions, password age) follow real time, never the 演练模式 clock offset."""
from datetime import datetime, timezone


def real_now():
    return datetime.now(timezone.utc).replace(tzinfo=None)
