"""Cockpit and modeler pages render for the right roles, and refuse the others with a 403 page."""
import re

import pytest

from engine import runtime
from engine.models import Instance
from tests.admin.test_migration import inserted_step
from tests.conftest import ENGINE_FIXTURES

PASSWORD = "demo-pass-2026"


@pytest.fixture
def login(app, users):
    def as_(username):
        client = app.test_client()
        r = client.post("/login", data={"username": username, "password": PASSWORD})
        assert r.status_code in (302, 303), r.data[:300]
        return client
    return as_


def start(process, **kw):
    with runtime.unit_of_work():
        return runtime.start_instance(process, **kw)


def text(r):
    return r.get_data(as_text=True)


def test_cockpit_pages_and_actions(login, deployed, db):
    a = start("simple", owner_group="dept:gaj", data={"build_year": 2027})
    c = start("failing", data={"divisor": 0})
    admin = login("admin")
    page = text(admin.get("/admin/"))
    assert "流程监控" in page and f"#{a.id}" in page and "按阶段" in page and "批量执行" in page
    assert f"#{c.id}" in text(admin.get("/admin/?state=incident")) and f"#{a.id}" not in text(admin.get("/admin/?state=incident"))
    detail = text(admin.get(f"/admin/instances/{a.id}"))
    assert "流程图" in detail and "填报" in detail and "审计日志" in detail and "btn-suspend" in detail
    r = admin.post(f"/admin/instances/{a.id}/action", data={"action": "suspend", "reason": "核查材料"})
    assert r.status_code == 302 and db.session.get(Instance, a.id).status == "suspended"
    r = admin.post(f"/admin/instances/{a.id}/action", data={"action": "terminate"}, follow_redirects=True)
    assert "须填写原因" in text(r) and db.session.get(Instance, a.id).status == "suspended"
    r = admin.post("/admin/bulk", data={"ids": [str(a.id), str(c.id)], "action": "resume"})
    assert "成功 1 个，失败 1 个" in text(r)
    assert "故障处理" in text(admin.get("/admin/incidents")) and "ZeroDivisionError" in text(admin.get("/admin/incidents"))
    assert f"版本 {deployed.id}" in text(admin.get("/admin/models"))
    heat = text(admin.get(f"/admin/models/{deployed.id}?process=simple"))
    assert "各环节当前实例数" in heat and '<td>fill</td><td class="num">1</td>' in heat  # a waits at 填报
    # 数管局 reads without action buttons; a department gets 403; an analyst has no cockpit actions
    sgj = login("sgj")
    page = text(sgj.get(f"/admin/instances/{a.id}"))
    assert "流程图" in page and "btn-suspend" not in page
    assert sgj.post(f"/admin/instances/{a.id}/action", data={"action": "suspend", "reason": "x"}).status_code == 403
    assert login("dept_gaj").get("/admin/").status_code == 403


def test_modeler_pages(login, deployed, db):
    analyst = login("analyst")
    page = text(analyst.get("/modeler/"))
    assert "bpmn/simple.bpmn" in page and "在建模器中打开" in page
    edit = text(analyst.get(f"/modeler/edit?version={deployed.id}&file=bpmn/simple.bpmn"))
    assert "EgovModeler" in edit and "fill.schema.json" in edit and "项目建设主管部门" in edit and "add_workdays" in edit
    r = analyst.get(f"/modeler/download?version={deployed.id}&file=bpmn/simple.bpmn")
    assert r.status_code == 200 and "attachment" in r.headers["Content-Disposition"] and b"<bpmn:definitions" in r.data
    form = text(analyst.get(f"/modeler/forms/edit?version={deployed.id}&file=forms/fill.schema.json"))
    assert "申报金额" in form and "JSON Schema" in form
    from webapp.modeler import services
    from webapp.accounts.models import User

    user = db.session.execute(db.select(User).filter_by(username="analyst")).scalar()
    simple = (ENGINE_FIXTURES / "bpmn" / "simple.bpmn").read_text(encoding="utf-8")
    draft, problems = services.save_draft(user, "bpmn/simple.bpmn", inserted_step(simple))
    assert problems == []
    compare = text(analyst.get(f"/modeler/drafts/{draft.id}/compare"))
    assert "确认材料" in compare and "新增" in compare
    r = analyst.post("/modeler/deploy", data={"drafts": [str(draft.id)]}, follow_redirects=True)
    assert re.search(r"已部署为版本 \d+", text(r))
    assert login("dept_gaj").get("/modeler/").status_code == 403
    assert login("sgj").get("/modeler/").status_code == 403
