"""/healthz (the process answers) and /readyz (it can do its work): database reachable, migrations
current, a model deployed, a scheduler swept within the last minute. Each check answers (ok, detail)."""
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text

from engine import heartbeat
from engine.db import db
from engine.models import ModelVersion


def _heads(app):
    config = Config()
    config.set_main_option("script_location", str(Path(app.config["MODEL_ROOT"]) / "migrations"))
    return set(ScriptDirectory.from_config(config).get_heads())


def check_database():
    db.session.execute(text("SELECT 1"))
    return True, "可以连接"


def check_migrations():
    current = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    heads = _heads(current_app)
    if current == heads:
        return True, f"已是最新（{', '.join(sorted(heads))}）"
    return False, f"数据库版本 {', '.join(sorted(current)) or '无'}，代码要求 {', '.join(sorted(heads))}：请执行 flask db upgrade"


def check_model():
    latest = db.session.execute(db.select(db.func.max(ModelVersion.id))).scalar()
    return (True, f"已部署第 {latest} 版") if latest else (False, "尚未部署任何流程模型：请执行 flask models deploy")


def check_scheduler():
    now = heartbeat.wall_now()
    rows = heartbeat.schedulers(now)
    alive = [r for r in rows if r["alive"]]
    if alive:
        return True, f"{len(alive)} 个调度进程在一分钟内完成过扫描"
    if rows:
        age = int((now - rows[0]["row"].last_sweep_at).total_seconds())
        return False, f"调度进程最近一次扫描在 {age} 秒前（超过一分钟）：请检查 flask scheduler"
    return False, "没有调度进程运行过：请启动 flask scheduler"


CHECKS = (("database", check_database), ("migrations", check_migrations), ("model", check_model),
          ("scheduler", check_scheduler))


def readiness():
    """({name: {"ok", "detail"}}, all ok). A check that raises is not ok; the database check failing ends it."""
    results, ready = {}, True
    for name, check in CHECKS:
        try:
            ok, detail = check()
        except Exception as exc:  # noqa: BLE001 - any failure of a check is the answer, not a 500
            db.session.rollback()
            ok, detail = False, f"检查失败：{type(exc).__name__}"
        results[name] = {"ok": ok, "detail": detail}
        ready = ready and ok
        if name == "database" and not ok:
            for rest, _ in CHECKS[1:]:
                results[rest] = {"ok": False, "detail": "数据库不可用，未检查"}
            break
    return results, ready
