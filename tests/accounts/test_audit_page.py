"""The 审计员's page and export, the verify command, per-address throttling in production mode."""
import io

from openpyxl import load_workbook

PASSWORD = "Initial-pass-1"


def _login(app, username, password=PASSWORD):
    client = app.test_client()
    r = client.post("/login", data={"username": username, "password": password})
    return client, r


def test_auditor_filters_and_exports_the_log(app, db, make_user):
    make_user("auditor", groups=("auditor",))
    make_user("zhang3")
    _login(app, "zhang3", "wrong-password")
    _login(app, "zhang3")
    auditor, _ = _login(app, "auditor")
    page = auditor.get("/audit?actor=zhang3&kind=login").get_data(as_text=True)
    assert page.count("<tr>") == 3 and "127.0.0.1" in page  # header + the two attempts
    bad = auditor.get("/audit?since=yesterday")
    assert bad.status_code == 422 and "日期应写成“2026-11-30”这样的年-月-日" in bad.get_data(as_text=True)
    assert "YYYY" not in bad.get_data(as_text=True)  # no developer notation in what a user reads
    listed = auditor.get("/api/audit?actor=zhang3").get_json()
    assert listed["total"] == 2 and {i["payload"]["ok"] for i in listed["items"]} == {True, False}
    r = auditor.get("/audit/export.xlsx?actor=zhang3")
    rows = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "序号" and len(rows) == 3 and all(row[4] == "127.0.0.1" for row in rows[1:])
    from engine.models import AuditEvent

    assert db.session.execute(db.select(AuditEvent).filter_by(kind="export")).scalar().actor == "auditor"


def test_verify_command_reports_an_edited_row(app, db, make_user):
    import sqlalchemy as sa

    make_user("zhang3")
    _login(app, "zhang3")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "审计日志完整" in ok.output
    db.session.execute(sa.text("UPDATE audit_event SET address = '10.9.9.9'"))
    db.session.commit()
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1 and "被修改" in bad.output


def test_login_attempts_are_throttled_per_address_in_production_mode(app, db, make_user, rules_on, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    make_user("zhang3")
    client = app.test_client()
    codes = [client.post("/api/auth/token", json={"username": "nobody", "password": "x"},
                         environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    other = client.post("/api/auth/token", json={"username": "nobody", "password": "x"},
                        environ_base={"REMOTE_ADDR": "10.1.2.4"})
    assert other.status_code == 401
