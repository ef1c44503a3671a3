"""The yearly 电子政务工作考核 per department: 进度表 on time / late / missing from the task index, budget
execution, 督查 results of the year and the sanction in force; a department sees its own line; Excel;
sanctions also show in the 按月通报."""
import io
from datetime import date, datetime

from openpyxl import load_workbook

from engine import clock
from engine.models import Instance, TaskIndex
from engine.runtime import unit_of_work

from tests.api.conftest import PASSWORD


def _now():
    return clock.now().replace(tzinfo=None)


def _seed(db, deployed):
    from webapp.core.models import Department, Project
    from webapp.oversight.models import Inspection

    with unit_of_work():
        for code, name in (("gaj", "市公安局"), ("jyj", "市教育局")):
            if db.session.get(Department, code) is None:
                db.session.add(Department(code=code, name=name))
        db.session.flush()
        for pid, code in ((1, "gaj"), (2, "jyj")):
            inst = Instance(version_id=deployed.id, process_id="simple", project_id=pid, owner_group=f"dept:{code}",
                            status="running", state="{}", created_at=_now(), updated_at=_now(), variables={})
            db.session.add(inst)
            db.session.flush()
            db.session.add(Project(id=pid, name=f"项目{pid}", department_code=code, build_year=2026,
                                   created_at=_now(), instance_id=inst.id))
            db.session.flush()
            # 2026 reports (due the 20th, 16:00 UTC): Jan on time, Feb late, Mar missing; one of 2025 ignored
            for n, (due, done) in enumerate([(datetime(2026, 1, 20, 16), datetime(2026, 1, 18)),
                                             (datetime(2026, 2, 20, 16), datetime(2026, 2, 25)),
                                             (datetime(2026, 3, 20, 16), None),
                                             (datetime(2025, 12, 20, 16), datetime(2025, 12, 1))]):
                if code == "jyj" and n:  # the other department filed January only
                    continue
                db.session.add(TaskIndex(id=f"t{pid}-{n}", instance_id=inst.id, project_id=pid, process_id="simple",
                                         bpmn_id="task_progress_report", name="实施进度表", group_code=f"dept:{code}",
                                         state="completed" if done else "ready", created_at=due, due_at=due,
                                         completed_at=done, overdue=False))
        db.session.add(Inspection(project_id=1, department_code="gaj", reason="进度严重滞后", deadline=date(2026, 5, 1),
                                  status="rejected", opened_by="sgj", opened_at=datetime(2026, 4, 1),
                                  consequence="suspend"))
        db.session.get(Department, "gaj").sanction = "suspend"
        db.session.get(Department, "gaj").sanction_note = "督查整改未通过"


def test_yearly_assessment_per_department(api, app, db, deployed, time_machine):
    time_machine.move_to(datetime(2026, 6, 1, 4), tick=False)
    _seed(db, deployed)
    body = api.as_("sgj").get("/api/reports/assessment?year=2026").get_json()
    rows = {r["department"]: r for r in body["items"]}
    gaj = rows["gaj"]
    assert (gaj["reports_due"], gaj["on_time"], gaj["late"], gaj["missing"]) == (3, 1, 1, 1)
    assert gaj["on_time_rate"] == round(1 / 3, 4) and gaj["inspections"] == 1
    assert gaj["inspection_summary"] == "整改未通过 1" and gaj["sanction"] == "暂缓申报"
    assert (rows["jyj"]["on_time"], rows["jyj"]["on_time_rate"], rows["jyj"]["sanction"]) == (1, 1.0, "")
    own = api.as_("dept_jyj").get("/api/reports/assessment?year=2026").get_json()["items"]
    assert [r["department"] for r in own] == ["jyj"]
    sheet = load_workbook(io.BytesIO(api.as_("sgj").get("/api/reports/assessment.xlsx?year=2026").data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:3] == ["主管部门", "应报进度表(份)", "按时报送"] and ["市公安局", 3, 1] == values[2][:3]
    client = app.test_client()
    client.post("/login", data={"username": "sgj", "password": PASSWORD})
    page = client.get("/oversight/assessment?year=2026").get_data(as_text=True)
    assert "2026 年度电子政务工作考核" in page and "暂缓申报" in page
    bulletin = api.as_("sgj").get("/api/reports/monthly?month=2026-05&refresh=1").get_json()
    # decided in April 2026: the 2027 round (申报 due 2026-06-30) only, in force in May
    assert [(s["department"], s["sanction"], s["round_year"], s["until"], s["status"]) for s in bulletin["sanctions"]] \
        == [("gaj", "暂缓申报", 2027, "2026-06-30", "执行中")]
    assert api.as_("dept_jyj").get("/api/reports/monthly?month=2026-05").get_json()["sanctions"] == []
