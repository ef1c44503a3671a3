"""Modeler and cockpit in a real browser (Playwright + Debian Chromium) against a live server on the real model.

An analyst opens lifecycle.bpmn in the modeler, adds a step (bpmn-js modeling API in page JS), sees the
bpmnlint warning on it, connects it, deploys, and version 2 appears. Instances started before stay on
version 1; the admin migrates one of them from its cockpit page. The admin suspends another; the
department's attempt to complete its task is refused with a clear message; the admin resumes it and the
department completes it. Screenshots: tests/artifacts/admin-*.png.
"""
import re
from pathlib import Path

import pytest

from tests.browser.signin import DEMO_PASSWORD, login, logout
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (ROOT / "webapp" / "static" / "dist" / "modeler.js").exists(),
                       reason="front-end bundles not built (npm run build)"),
]


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"admin-{name}.png"), full_page=True)


ADD_STEP = """() => {
  const m = window.egovEditor.modeler;
  const reg = m.get('elementRegistry'), modeling = m.get('modeling');
  const end = reg.get('end_lifecycle');
  const pool = reg.filter(e => e.type === 'bpmn:Participant')[0];
  const shape = modeling.createShape({type: 'bpmn:Task'}, {x: end.x + 18, y: end.y + 110}, pool);
  modeling.updateProperties(shape, {id: 'task_archive', name: '归档备案'});
  return shape.id;
}"""
CONNECT_STEP = """() => {
  const m = window.egovEditor.modeler;
  const reg = m.get('elementRegistry'), modeling = m.get('modeling');
  const flow = reg.get('flow_operation_end'), task = reg.get('task_archive'), end = reg.get('end_lifecycle');
  modeling.reconnectEnd(flow, task, {x: task.x, y: task.y + task.height / 2});
  modeling.connect(task, end, {type: 'bpmn:SequenceFlow'});
  return true;
}"""


def test_modeler_deploy_migrate_suspend_resume(demo_server, browser, app, db):
    from playwright.sync_api import expect

    from engine.models import Instance, TaskIndex

    base = demo_server
    api = app.test_client()
    token = api.post("/api/auth/token", json={"username": "dept_gaj", "password": DEMO_PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    projects = []
    for n in range(3):
        r = api.post("/api/projects", headers=headers,
                     json={"name": f"六安市政务数据平台{n + 1}期", "build_year": 2028, "budget_wan": 300})
        assert r.status_code == 201, r.get_json()
        projects.append(r.get_json())
    instance_ids = [db.session.get(Instance, p["instance_id"]).id for p in projects]
    [v1] = {db.session.get(Instance, i).version_id for i in instance_ids}  # ids differ on PostgreSQL

    context = browser.new_context(viewport={"width": 1500, "height": 950}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # --- the analyst: open lifecycle.bpmn, add a step, see the lint warning, fix it, deploy
    login(page, base, "analyst")
    page.click("nav >> text=流程建模")
    expect(page.locator("#version-table")).to_contain_text(f"版本 {v1}")
    page.click("a[data-open='bpmn/lifecycle.bpmn']")
    page.wait_for_selector("body[data-modeler-ready='1']", timeout=30000)
    shot(page, "modeler-open")
    page.evaluate(ADD_STEP)
    wait_until(page, "(window.egovLint || []).some(i => i.element_id === 'task_archive')")
    expect(page.locator("#lint-list li[data-element='task_archive']").first).to_be_visible()
    shot(page, "modeler-lint-warning")
    page.evaluate(CONNECT_STEP)
    wait_until(page, "!(window.egovLint || []).some(i => i.element_id === 'task_archive')")
    page.click("#btn-validate")
    expect(page.locator("#status")).to_contain_text("服务端校验通过", timeout=20000)
    page.once("dialog", lambda d: d.accept())
    page.click("#btn-deploy")
    expect(page.locator("#status")).to_contain_text("已部署为版本", timeout=30000)
    v2 = int(re.search(r"已部署为版本 (\d+)", page.locator("#status").inner_text()).group(1))
    assert v2 > v1
    shot(page, "modeler-deployed")
    page.goto(f"{base}/modeler/")
    expect(page.locator(f"#version-table tr[data-version='{v2}']")).to_contain_text("最新")
    logout(page)

    db.session.expire_all()
    assert {db.session.get(Instance, i).version_id for i in instance_ids} == {v1}  # started before: stay

    # --- the admin: cockpit list, migrate one instance
    login(page, base, "admin")
    page.click("nav >> text=流程监控")
    expect(page.locator("#instance-table")).to_contain_text("旧版")
    shot(page, "cockpit-list")
    first, second = instance_ids[0], instance_ids[1]
    page.goto(f"{base}/admin/instances/{first}")
    page.wait_for_selector("#diagram[data-ready='1']", timeout=20000)
    expect(page.locator("#migration")).to_contain_text("可以迁移")
    shot(page, "cockpit-instance")
    page.fill("#migration input[name=reason]", "采用新版流程")
    page.click("#btn-migrate")
    expect(page.locator(".flash-success")).to_contain_text("已迁移")
    db.session.expire_all()
    assert db.session.get(Instance, first).version_id == v2
    assert {db.session.get(Instance, i).version_id for i in instance_ids[1:]} == {v1}
    page.goto(f"{base}/admin/models/{v2}?process=lifecycle")
    page.wait_for_selector("#heat[data-ready='1']", timeout=20000)
    shot(page, "cockpit-heat")

    # --- suspend the second; the department is refused; resume; the department completes
    page.goto(f"{base}/admin/instances/{second}")
    page.fill("#action-reason", "材料核查，暂停办理")
    page.click("#btn-suspend")
    expect(page.locator("#instance-state")).to_have_text("已挂起")
    shot(page, "cockpit-suspended")
    logout(page)

    task_id = db.session.execute(db.select(TaskIndex.id).filter_by(instance_id=second, state="ready")).scalar()
    login(page, base, "dept_gaj")
    page.goto(f"{base}/tasks/{task_id}")
    page.click("#btn-example")
    page.click("#btn-submit")
    expect(page.locator(".flash-error")).to_contain_text("挂起")
    shot(page, "dept-refused-suspended")
    logout(page)

    login(page, base, "admin")
    page.goto(f"{base}/admin/instances/{second}")
    page.fill("#action-reason", "核查完毕")
    page.click("#btn-resume")
    expect(page.locator("#instance-state")).to_have_text("运行中")
    logout(page)

    login(page, base, "dept_gaj")
    page.goto(f"{base}/tasks/{task_id}")
    page.click("#btn-example")
    page.click("#btn-submit")
    expect(page.locator("#result")).to_contain_text("已提交")
    db.session.expire_all()
    assert db.session.get(TaskIndex, task_id).state == "completed"
    assert not errors, errors
    context.close()
