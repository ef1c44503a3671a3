"""A city of projects at different stages, walked through the engine with the clock moved; every figure
of the bulletin, the plan, the funds and the dashboard checked against values computed here."""
from io import BytesIO

import pytest
from openpyxl import load_workbook

from engine import timers
from engine.db import db
from engine.errors import Conflict, Forbidden, Invalid

from . import city
from scenarios import driver

NOW = "2026-06-25T10:00"


# Figures of the town below at the end of June 2026, worked out by hand from the linear plan
# (expected % = days since plan start / plan days; months behind = shortfall × plan length in months of
# 365.25/12 days):
# P1 2026-03-01..12-31: 121/305 days = 39.67 %, at 50 % it is ahead: 0 months behind
# P2 2026-03-01..08-31: 121/183 days = 66.12 %, at 5 %: 61.12 % of 6.01 months = 3.67 months behind
# P4 2026-05-01..2027-04-30: 60/364 days = 16.48 %, at 8 %: 8.48 % of 11.96 months = 1.01 months behind
EXPECTED = {1: (39.67, 0.0), 2: (66.12, 3.67), 4: (16.48, 1.01)}


@pytest.fixture
def town(users):
    p1 = city.CityProject(1, department="gaj", name="公安视频云平台", build_year=2026, at="2025-03-02")
    city.to_contract(p1, 2026, approved=500, amount=480, signed="2026-03-10", plan_start="2026-03-01",
                     plan_end="2026-12-31", quarters=[("2026-Q1", 50), ("2026-Q2", 150), ("2026-Q3", 200)],
                     principle="共享优先")
    p2 = city.CityProject(2, department="jyj", name="智慧教育平台", build_year=2026, at="2025-03-02")
    city.to_contract(p2, 2026, approved=300, amount=290, signed="2026-03-10", plan_start="2026-03-01",
                     plan_end="2026-08-31", quarters=[("2026-Q1", 100), ("2026-Q2", 100)], principle="保障民生")
    p4 = city.CityProject(4, department="wsj", name="全民健康信息平台", build_year=2026, at="2025-03-02")
    city.to_contract(p4, 2026, approved=800, amount=780, signed="2026-05-11", plan_start="2026-05-01",
                     plan_end="2027-04-30", quarters=[("2026-Q2", 100), ("2026-Q3", 300)], principle="共享优先")
    p3 = city.CityProject(3, department="gaj", name="电子证照库", build_year=2027, at="2026-03-02")
    driver.plan(p3, 2027)
    driver.declare(p3, 2027)
    # 进度表: P1 every month (May late); P2 April late, May on time, June missing; P4 May, June missing.
    # Each month's report is sent before the next month opens, so exactly one is open at a time.
    city.report(p1, "2026-03", at="2026-03-18", percent=10, last=0, contract_amount=480)
    city.report(p2, "2026-03", at="2026-03-19", percent=5, last=0, contract_amount=290)
    p1.fire("2026-04-01")  # run_due fires every project's timer: P1's and P2's April 进度表 start
    city.fund(p1, contract_amount=480, paid_total=0, amount=100, requested="2026-04-10", decided="2026-04-12")
    city.report(p1, "2026-04", at="2026-04-15", percent=20, last=10, contract_amount=480)
    city.report(p2, "2026-04", at="2026-04-25", percent=5, last=5, contract_amount=290)
    p1.fire("2026-05-01")
    city.report(p4, "2026-05", at="2026-05-15", percent=8, last=0, contract_amount=780)
    city.report(p2, "2026-05", at="2026-05-18", percent=5, last=5, contract_amount=290)
    city.report(p1, "2026-05", at="2026-05-25", percent=30, last=20, contract_amount=480)
    p4.fire("2026-06-01")
    city.fund(p4, contract_amount=780, paid_total=0, amount=80, requested="2026-06-01", decided="2026-06-03")
    city.fund(p1, contract_amount=480, paid_total=100, amount=50, requested="2026-06-10", decided="2026-06-12",
              approved=False)
    city.report(p1, "2026-06", at="2026-06-19", percent=50, last=30, contract_amount=480,
                problems="接口联调滞后")
    with city.at(NOW):
        timers.run_due()
    db.session.expire_all()
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "users": users}


def test_bulletin_plan_funds_dashboard(town, app):
    from webapp.oversight.services import actions, excel, reports

    users = town["users"]
    with city.at(NOW):
        b = reports.compute_bulletin("2026-06")
    rows = {r["project_id"]: r for r in b["rows"]}
    assert set(rows) == {1, 2, 4}  # P3 is in 申报
    (e1, b1), (e2, b2), (e4, b4) = EXPECTED[1], EXPECTED[2], EXPECTED[4]
    expect = {
        1: dict(progress_percent=50, expected_percent=e1, months_behind=b1, planned_funds_wan=200,
                paid_wan=100, execution_ratio=0.5, report_status="按时", missing_reports=0, late_reports=1,
                problems="接口联调滞后", rag="amber", contract_amount_wan=480, approved_amount_wan=500),
        2: dict(progress_percent=5, expected_percent=e2, months_behind=b2, planned_funds_wan=200,
                paid_wan=0, execution_ratio=0.0, report_status="未报送", missing_reports=1, late_reports=1, rag="red"),
        4: dict(progress_percent=8, expected_percent=e4, months_behind=b4, planned_funds_wan=100,
                paid_wan=80, execution_ratio=0.8, report_status="未报送", missing_reports=1, rag="amber"),
    }
    for pid, figures in expect.items():
        for key, value in figures.items():
            assert rows[pid][key] == value, (pid, key, rows[pid][key], value)
    assert [r["project_id"] for r in b["rows"]] == [2, 4, 1]  # red first, then amber by months behind
    s = b["summary"]
    assert (s["projects"], s["red"], s["amber"], s["green"]) == (3, 1, 2, 0)
    assert (s["on_time"], s["late"], s["missing"], s["reports_expected"]) == (1, 0, 2, 3)
    assert (s["planned_funds_wan"], s["paid_wan"], s["execution_ratio"]) == (500, 180, 0.36)
    depts = {d["department"]: d for d in b["departments"]}
    assert (depts["jyj"]["red"], depts["gaj"]["amber"], depts["wsj"]["amber"]) == (1, 1, 1)
    assert depts["gaj"]["paid_wan"] == 100 and depts["wsj"]["planned_funds_wan"] == 100

    # stricter rules turn P4 (1.x months behind) red; rules are stored settings
    with city.at(NOW):
        actions.set_rules(users["sgj"], {"red_months_behind": 1})
        assert {r["project_id"]: r["rag"] for r in reports.compute_bulletin("2026-06")["rows"]}[4] == "red"
        actions.set_rules(users["sgj"], {"red_months_behind": 3})
        with pytest.raises(Forbidden):
            actions.set_rules(users["dept_gaj"], {"red_months_behind": 1})

    # the scheduler's job stores the due month's bulletin once (after the 22nd: June's)
    with city.at(NOW):
        first = actions.scheduled_bulletin()
        assert first is not None and first.month == "2026-06"
        assert actions.scheduled_bulletin() is None  # idempotent
    stored = actions.stored_bulletin("2026-06")
    assert stored["summary"] == s and stored["generated_by"] == "system"
    with city.at("2026-06-15T10:00"):
        assert actions.due_bulletin_month() == "2026-05"

    # Excel
    wb = load_workbook(BytesIO(excel.bulletin_xlsx(b)))
    ws = wb["项目进展"]
    assert ws["A1"].value == "六安市电子政务项目建设进展通报（2026-06）"
    header = [c.value for c in ws[4]]
    assert header[:4] == ["序号", "项目名称", "主管部门", "形象进度(%)"]
    assert (ws["A5"].value, ws["B5"].value, ws["C5"].value, ws["M5"].value) == (1, "智慧教育平台", "六安市教育局", "红")
    by_name = {ws.cell(row=r, column=2).value: r for r in range(5, 8)}
    r1 = by_name["公安视频云平台"]
    assert (ws.cell(r1, 4).value, ws.cell(r1, 8).value, ws.cell(r1, 9).value, ws.cell(r1, 10).value) == (50, 100, 0.5, "按时")
    assert ws.cell(r1, 12).value == "接口联调滞后"
    ws2 = wb["部门汇总"]
    rows2 = {ws2.cell(r, 1).value: [c.value for c in ws2[r]] for r in range(4, 7)}
    assert rows2["六安市教育局"][1:3] == [1, 1]

    # 年度建设计划 2026: grouped 共享优先 (P4 800, P1 500) then 保障民生 (P2)
    plan = reports.plan(2026)
    assert [g["principle"] for g in plan["groups"]] == ["共享优先", "保障民生"]
    assert [i["project_id"] for i in plan["items"]] == [4, 1, 2]
    assert plan["total_plan_amount_wan"] == 1600 and plan["items"][0]["route"] == "市数管局统一立项"
    assert plan["items"][1]["funding_sources"] == [{"source": "本级财政", "amount_wan": 520.0}]
    with city.at(NOW):
        actions.edit_plan_entry(users["sgj"], 2026, 1, {"position": 1, "plan_amount_wan": 450, "note": "分两年安排"})
        actions.edit_plan_entry(users["sgj"], 2026, 4, {"position": 2})
        plan = reports.plan(2026)
        assert [i["project_id"] for i in plan["items"]] == [1, 4, 2] and plan["total_plan_amount_wan"] == 1550
        with pytest.raises(Invalid, match="计划安排金额不得超过批复金额"):
            actions.edit_plan_entry(users["sgj"], 2026, 1, {"plan_amount_wan": 900})  # above the approved 500
        assert reports.plan(2026)["items"][0]["plan_amount_wan"] == 450  # unchanged
        actions.publish_plan(users["sgj"], 2026)
        with pytest.raises(Conflict):
            actions.edit_plan_entry(users["sgj"], 2026, 1, {"position": 3})
    plan = reports.plan(2026)
    wbp = load_workbook(BytesIO(excel.plan_xlsx(plan)))
    wsp = wbp.active
    assert wsp["A1"].value == "2026年度六安市电子政务项目建设计划"
    assert [wsp.cell(r, 3).value for r in (5, 6, 7)] == ["公安视频云平台", "全民健康信息平台", "智慧教育平台"]
    assert (wsp.cell(5, 2).value, wsp.cell(5, 7).value, wsp.cell(5, 11).value) == ("共享优先", 450, "分两年安排")
    assert wsp.cell(8, 1).value == "合计" and wsp.cell(8, 7).value == 1550

    # funds
    f = reports.funds()
    fp = {p["project_id"]: p for p in f["projects"]}
    assert (fp[1]["approved_amount_wan"], fp[1]["contract_amount_wan"], fp[1]["paid_wan"]) == (500, 480, 100)
    assert [(r["request_amount_wan"], r["approved"]) for r in fp[1]["requests"]] == [(100, True), (50, False)]
    assert fp[3]["approved_amount_wan"] is None and fp[3]["paid_wan"] == 0
    assert f["totals"] == {"approved_amount_wan": 1600, "contract_amount_wan": 1550, "paid_wan": 180}
    ex = {(e["department"], e["build_year"]): e for e in f["execution"]}
    assert ex[("gaj", 2026)]["execution_ratio"] == 0.2 and ex[("wsj", 2026)]["paid_wan"] == 80
    assert ex[("gaj", 2027)]["approved_amount_wan"] == 0
    with city.at(NOW), pytest.raises(Conflict, match="未经审核论证"):
        actions.request_funds(users["dept_gaj"], 3)  # 三（四）: P3 was not reviewed nor approved
    assert reports.funds(departments={"jyj"})["totals"]["approved_amount_wan"] == 300

    # dashboard
    with city.at(NOW):
        d = reports.dashboard()
    stages = {s["stage"]: s["count"] for s in d["stages"]}
    assert stages == {"谋划": 0, "申报": 1, "实施": 3, "验收": 0, "运维": 0, "已结束": 0}
    assert (d["overdue"]["tasks"], d["overdue"]["projects"]) == (2, 2)  # P2's and P4's June 进度表
    assert {o["department"]: o["count"] for o in d["overdue"]["by_department"]} == {"jyj": 1, "wsj": 1}
    assert (d["budget"]["approved_amount_wan"], d["budget"]["paid_wan"], d["budget"]["execution_ratio"]) == (1600, 180, 0.1125)
    assert [r["project_id"] for r in d["lagging"]][0] == 2
    trend = {t["month"]: t for t in d["trend"]}
    assert [(trend[m]["reports_due"], trend[m]["reports_on_time"]) for m in ("2026-03", "2026-04", "2026-05", "2026-06")] \
        == [(2, 2), (2, 1), (3, 2), (3, 1)]
    assert [trend[m]["paid_wan"] for m in ("2026-03", "2026-04", "2026-05", "2026-06")] == [0, 100, 0, 80]


def client(app, user):
    """A client signed in as `user` (a server-side sign-in of its own). The test's app context is shared
    with the requests, so Flask-Login's per-context cache of the current user is dropped first."""
    from flask import g
    from flask_login import FlaskLoginClient

    from webapp.accounts import sessions

    g.pop("_login_user", None)
    g.pop("login_session", None)
    sessions.start(user)
    db.session.commit()
    app.test_client_class = FlaskLoginClient
    return app.test_client(user=user)


def test_api_access_and_xlsx(town, app):
    """sgj sees all rows; a department only its own; other bureaus 403; the .xlsx opens."""
    users = town["users"]
    with city.at(NOW):
        sgj = client(app, users["sgj"]).get("/api/reports/monthly?month=2026-06")
        assert sgj.status_code == 200 and sgj.get_json()["summary"]["projects"] == 3
        dept = client(app, users["dept_gaj"]).get("/api/reports/monthly?month=2026-06").get_json()
        assert [r["project_id"] for r in dept["rows"]] == [1] and dept["summary"]["projects"] == 1
        assert client(app, users["fgw"]).get("/api/reports/monthly?month=2026-06").status_code == 403
        assert client(app, users["sgj"]).get("/api/reports/monthly?month=2026-13").status_code == 422
        bad = client(app, users["sgj"]).get("/api/reports/monthly?month=June")
        assert bad.status_code == 422 and bad.get_json()["message"] == "月份应写成“2026-11”这样的年-月"
        x = client(app, users["szf"]).get("/api/reports/monthly.xlsx?month=2026-06")
        assert x.status_code == 200 and x.mimetype.endswith("spreadsheetml.sheet")
        assert load_workbook(BytesIO(x.data))["项目进展"].max_row == 7
        for path in ("/oversight/", "/oversight/bulletin?month=2026-06", "/oversight/plan?year=2026", "/oversight/funds",
                     "/oversight/assets", "/oversight/performance", "/oversight/inspections", "/oversight/rules",
                     "/oversight/bulletin?month=2026-06&print=1", "/oversight/departments/gaj"):
            r = client(app, users["sgj"]).get(path)
            assert r.status_code == 200, (path, r.status_code)
        assert "公安视频云平台" in client(app, users["dept_gaj"]).get("/oversight/bulletin?month=2026-06").text
        assert "智慧教育平台" not in client(app, users["dept_gaj"]).get("/oversight/bulletin?month=2026-06").text

