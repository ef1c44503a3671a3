"""The scheduler processes as the cockpit shows them: each one's last sweep, lateness and backlog (from
their heartbeat rows, engine/heartbeat.py); red when none swept within a minute."""
from engine import clock, heartbeat


def _age(seconds):
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} 秒"
    if seconds < 7200:
        return f"{seconds // 60} 分钟"
    return f"{seconds // 3600} 小时"


def status():
    now = heartbeat.wall_now()
    rows = []
    for item in heartbeat.schedulers(now):
        row = item["row"]
        rows.append({"id": row.id, "alive": item["alive"], "started_at": row.started_at,
                     "last_sweep_at": row.last_sweep_at, "age": _age((now - row.last_sweep_at).total_seconds()),
                     "sweep_ms": row.sweep_ms, "fired": row.fired, "fired_total": row.fired_total,
                     "lateness_ms": row.lateness_ms, "backlog": row.backlog, "failures": row.failures,
                     "error": row.error})
    return {"alive": sum(1 for r in rows if r["alive"]), "rows": rows,
            "backlog": heartbeat.backlog(clock.now().replace(tzinfo=None))}


def any_alive():
    return heartbeat.any_alive(heartbeat.wall_now())
