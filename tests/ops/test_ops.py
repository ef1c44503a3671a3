"""Operators' endpoints: /healthz, /readyz (each failing condition), /metrics (the counters move), the
request id (header, error page, log line), the scheduler's heartbeat and its JSON sweep line."""
import json
import logging
import re
import threading
from datetime import datetime, timedelta

import time_machine

from sqlalchemy import text as sql
from sqlalchemy.exc import OperationalError

from engine import heartbeat, runtime, timers
from engine.db import db as database
from engine.models import SchedulerHeartbeat
from tests.conftest import deploy_model_dir
from tests.engine.test_limits import FIXTURES as LIMITS

PASSWORD = "demo-pass-2026"
ELSEWHERE = {"REMOTE_ADDR": "10.20.30.40"}


def beat(age_seconds=0):
    now = heartbeat.wall_now() - timedelta(seconds=age_seconds)
    row = database.session.get(SchedulerHeartbeat, "test:1") or SchedulerHeartbeat(
        id="test:1", host="test", pid=1, started_at=now, fired_total=0)
    row.last_sweep_at = now
    row.sweep_ms = row.fired = row.lateness_ms = row.backlog = row.failures = 0
    database.session.add(row)
    database.session.commit()


def test_healthz_answers_from_allowed_addresses_only(app, db, users):
    client = app.test_client()
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["status"] == "ok"
    for path in ("/healthz", "/readyz", "/metrics"):
        refused = client.get(path, environ_base=ELSEWHERE)
        assert refused.status_code == 403 and "EGOV_OPS_ALLOW" in refused.get_json()["message"]
    admin = app.test_client()
    assert admin.post("/login", data={"username": "admin", "password": PASSWORD}).status_code in (302, 303)
    assert admin.get("/healthz", environ_base=ELSEWHERE).status_code == 200  # a signed-in administrator
    staff = app.test_client()
    assert staff.post("/login", data={"username": "sgj", "password": PASSWORD}).status_code in (302, 303)
    assert staff.get("/metrics", environ_base=ELSEWHERE).status_code == 403


def test_readyz_is_ready_with_everything_in_place(app, deployed):
    beat()
    r = app.test_client().get("/readyz")
    body = r.get_json()
    assert r.status_code == 200 and body["status"] == "ready", body
    assert all(check["ok"] for check in body["checks"].values())
    assert set(body["checks"]) == {"database", "migrations", "model", "scheduler"}


def _not_ready(app, failing):
    r = app.test_client().get("/readyz")
    body = r.get_json()
    assert r.status_code == 503 and body["status"] == "not_ready", body
    assert [name for name, check in body["checks"].items() if not check["ok"]] == failing, body
    return body


def test_readyz_without_a_model(app, db):
    beat()
    assert "flask models deploy" in _not_ready(app, ["model"])["checks"]["model"]["detail"]


def test_readyz_without_a_scheduler_or_with_one_silent_for_a_minute(app, deployed):
    assert "flask scheduler" in _not_ready(app, ["scheduler"])["checks"]["scheduler"]["detail"]
    beat(age_seconds=61)
    assert "超过一分钟" in _not_ready(app, ["scheduler"])["checks"]["scheduler"]["detail"]


def test_readyz_with_migrations_behind(app, deployed):
    beat()
    [current] = database.session.execute(sql("SELECT version_num FROM alembic_version")).scalars()
    database.session.execute(sql("UPDATE alembic_version SET version_num = '0001'"))
    database.session.commit()
    try:
        assert "flask db upgrade" in _not_ready(app, ["migrations"])["checks"]["migrations"]["detail"]
    finally:
        database.session.execute(sql("UPDATE alembic_version SET version_num = :v"), {"v": current})
        database.session.commit()


def test_readyz_when_the_database_is_unreachable(app, deployed, monkeypatch):
    from webapp.ops import health

    def unreachable():
        raise OperationalError("SELECT 1", {}, Exception("could not connect to server"))

    monkeypatch.setattr(health, "check_database", unreachable)
    monkeypatch.setattr(health, "CHECKS", (("database", unreachable),) + health.CHECKS[1:])
    body = _not_ready(app, ["database", "migrations", "model", "scheduler"])
    assert body["checks"]["database"]["detail"].startswith("检查失败")


def _scrape(client):
    r = client.get("/metrics")
    assert r.status_code == 200 and r.content_type.startswith("text/plain")
    values = {}
    for line in r.get_data(as_text=True).splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def _value(values, prefix, **labels):
    total = 0.0
    for name, value in values.items():
        if name.split("{")[0] == prefix and all(f'{k}="{v}"' in name for k, v in labels.items()):
            total += value
    return total


def test_metrics_counters_move(app, db, users, actor):
    from engine.sandbox import limits

    deploy_model_dir(LIMITS)
    client = app.test_client()
    before = _scrape(client)
    client.get("/healthz")
    previous = limits.configure(cpu_seconds=1, wall_seconds=2.0, memory_mb=128)
    try:
        with runtime.unit_of_work():
            stuck = runtime.start_instance("bounded", data={"mode": "c", "n": 10 ** 12})  # an incident
        with runtime.unit_of_work():
            row = runtime.start_instance("bounded", data={"mode": "ok", "n": 1})
        runtime.complete_task(runtime.open_tasks(row.id)[0].id, {"note": "好"}, actor("s", "sgj"))
    finally:
        limits.configure(**vars(previous))
    stats = timers.SweepStats()
    timers.run_due(at=timers.clock.now() + timedelta(seconds=2), stats=stats)
    from webapp.ops import metrics

    metrics.observe_sweep(stats)  # what the scheduler does after each sweep
    after = _scrape(client)
    assert _value(after, "egov_http_requests_total", route="/healthz", status="200") \
        == _value(before, "egov_http_requests_total", route="/healthz", status="200") + 1
    assert _value(after, "egov_http_request_seconds_count", route="/healthz") >= 1
    assert _value(after, "egov_task_completions_total") == _value(before, "egov_task_completions_total") + 1
    assert _value(after, "egov_incidents_open") == _value(before, "egov_incidents_open") + 1 and stuck.id
    assert _value(after, "egov_script_limit_hits_total") == _value(before, "egov_script_limit_hits_total") + 1
    assert _value(after, "egov_timers_fired_total") == _value(before, "egov_timers_fired_total") + 1
    assert _value(after, "egov_timer_lateness_seconds_count") == _value(before, "egov_timer_lateness_seconds_count") + 1
    assert "egov_scheduler_backlog" in after
    beat()
    assert 'egov_scheduler_fired_total{scheduler="test:1"}' in _scrape(client)  # from the heartbeat rows


def test_request_id_in_header_error_page_and_log(app, db, caplog):
    client = app.test_client()
    with caplog.at_level(logging.INFO, logger="egov.request"):
        r = client.get("/no-such-page", headers={"Accept": "text/html"})
    request_id = r.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert r.status_code == 404 and request_id in r.get_data(as_text=True)  # a user can quote it
    [line] = [rec for rec in caplog.records if getattr(rec, "request_id", None) == request_id
              and getattr(rec, "event", None) == "request"]
    assert (line.status, line.route, line.method) == (404, "(no route)", "GET") and line.ms >= 0
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345"})
    assert given.headers["X-Request-ID"] == "proxy-abc-12345"
    forged = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert forged.headers["X-Request-ID"] != "<script>alert(1)</script>"


def test_json_log_lines_carry_the_fields(app, db):
    from webapp.core.logs import RequestContext  # noqa: F401  (the kernel's filter)
    from pythonjsonlogger.json import JsonFormatter

    record = logging.LogRecord("egov.request", logging.INFO, __file__, 1, "request", None, None)
    record.request_id, record.status = "abc", 200
    line = json.loads(JsonFormatter("%(levelname)s %(name)s %(message)s").format(record))
    assert line["request_id"] == "abc" and line["status"] == 200


def test_an_unexpected_error_keeps_its_trace_in_the_log_only(app, db, caplog, monkeypatch):
    from webapp.ops import endpoints

    def broken():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(endpoints.clock, "now", broken)
    with caplog.at_level(logging.ERROR):
        r = app.test_client().get("/healthz", headers={"Accept": "text/html"})
    page = r.get_data(as_text=True)
    assert r.status_code == 500 and "secret internals" not in page and "Traceback" not in page
    assert r.headers["X-Request-ID"] in page
    logged = [rec for rec in caplog.records if rec.exc_info]
    assert logged and logged[0].request_id == r.headers["X-Request-ID"]


def test_the_scheduler_writes_a_heartbeat_and_a_json_sweep_line(app, deployed, caplog):
    from webapp.core import scheduler

    scheduler._last_beat["at"] = None  # as in a scheduler's first sweep
    with caplog.at_level(logging.INFO, logger="egov.scheduler"):
        scheduler.sweep(app)
        scheduler.sweep(app)  # an idle sweep right after: a log line, no new row
    row = database.session.get(SchedulerHeartbeat, heartbeat.process_id())
    assert row is not None and row.fired == 0 and row.backlog == 0
    first, second = [rec for rec in caplog.records if getattr(rec, "event", None) == "sweep"]
    assert first.scheduler == heartbeat.process_id() and first.fired == 0 and first.backlog == 0
    assert hasattr(first, "lateness_ms") and second.backlog is None
    assert heartbeat.any_alive(heartbeat.wall_now())
    assert re.fullmatch(r"[0-9a-f]{32}", first.sweep_id) and second.sweep_id != first.sweep_id  # one id a sweep
    assert first.request_id == first.sweep_id


def test_every_line_a_sweep_logs_carries_its_id_also_from_the_step_threads(app, deployed, caplog, monkeypatch):
    from tests.engine.test_timers import start_timed
    from webapp.core import scheduler

    start_timed(3)
    database.session.commit()
    real_fire, threads = timers._fire, set()

    def fire(*args):
        threads.add(threading.current_thread().name)
        logging.getLogger("egov.timers").info("stepping %s", args[0])
        return real_fire(*args)

    monkeypatch.setattr(timers, "_fire", fire)
    monkeypatch.setattr(timers, "THREADS", 2)
    with time_machine.travel(datetime.fromisoformat("2027-03-02T00:00:00+08:00"), tick=False):
        with caplog.at_level(logging.INFO, logger="egov"):
            scheduler.sweep(app)
    [line] = [rec for rec in caplog.records if getattr(rec, "event", None) == "sweep"]
    steps = [rec for rec in caplog.records if rec.getMessage().startswith("stepping")]
    assert line.fired == 3 and len(steps) == 3 and threads == {"timer"}  # stepped in threads of their own
    assert {rec.request_id for rec in steps} == {line.sweep_id}


def test_the_cockpit_shows_each_scheduler_and_turns_red_when_none_swept_for_a_minute(app, deployed, users):
    admin = app.test_client()
    assert admin.post("/login", data={"username": "admin", "password": PASSWORD}).status_code in (302, 303)
    empty = admin.get("/admin/schedulers").get_data(as_text=True)
    assert "尚无调度进程运行过" in empty and "flash-error" in empty and 'badge badge-red' in empty
    beat()
    page = admin.get("/admin/schedulers").get_data(as_text=True)
    assert "test:1" in page and "运行中" in page and "定时器调度正常" in page
    assert 'badge badge-red' not in admin.get("/admin/").get_data(as_text=True)
    beat(age_seconds=90)
    page = admin.get("/admin/schedulers").get_data(as_text=True)
    assert "已停止" in page and "90 秒" in page and "没有调度进程在一分钟内完成扫描" in page
    assert 'badge badge-red' in admin.get("/admin/").get_data(as_text=True)  # every cockpit page's tab bar
