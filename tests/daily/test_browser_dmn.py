"""The analyst changes a rule of the 立项 decision table in the browser (dmn-js, Chinese), deploys it with the
diagrams, and the new version decides by the changed rule; the modeler starts token simulation."""
import pytest

from tests.browser.signin import login

pytestmark = pytest.mark.browser


def _route(version_id, budget):
    """The decision of the version's stored table for an equipment purchase of `budget` 万元."""
    from types import SimpleNamespace

    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
    from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

    from engine.db import db
    from engine.models import ModelFile

    text = db.session.execute(db.select(ModelFile.content).filter_by(
        version_id=version_id, name="bpmn/establishment-route.dmn")).scalar()
    parser = SpiffBpmnParser()
    parser.add_dmn_str(text.encode("utf-8"))
    dmn = parser.dmn_parsers["establishment_route"]
    dmn.parse()
    data = {"project_category": "设备购买类", "requirements_clear": True, "architecture_simple": True,
            "budget_wan": budget, "separate_establishment": False}
    task = SimpleNamespace(data=data, workflow=SimpleNamespace(script_engine=PythonScriptEngine()),
                           task_spec=SimpleNamespace(bpmn_id="task_establishment_route", bpmn_name="判定立项方式"))
    return DMNEngine(dmn.decision.decisionTables[0]).result(task).get("establishment_route")


def test_dmn_rule_changed_in_the_browser_is_deployed_and_decides(demo_server, browser_page, app):
    from playwright.sync_api import expect

    from engine import registry

    base, page = demo_server, browser_page
    with app.app_context():
        v1 = registry.latest_version().id
        assert _route(v1, 900) == "unified"
    login(page, base, "analyst")
    page.goto(f"{base}/modeler/edit?version={v1}&file=bpmn/establishment-route.dmn")
    expect(page.locator("#canvas")).to_contain_text("命中策略")
    cell = page.locator('#canvas td[data-element-id="rule1_output"]')  # 设备购买类 ≤ 1000 万: now 单独立项
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type('"separate"')
    page.locator("#canvas .decision-table-name").click()
    page.click("#btn-deploy")
    expect(page.locator("#status")).to_contain_text("已部署为版本", timeout=30000)
    page.screenshot(path=str(__import__("pathlib").Path(__file__).resolve().parents[2] / "tests" / "artifacts"
                             / "daily-dmn-deployed.png"), full_page=True)
    with app.app_context():
        v2 = registry.latest_version().id
        assert v2 > v1
        assert _route(v2, 900) == "separate"  # the changed rule decides for projects started on v2
    # token simulation on a diagram
    page.goto(f"{base}/modeler/edit?version={v2}&file=bpmn/stage-plan.bpmn")
    page.wait_for_selector("body[data-modeler-ready='1']", timeout=30000)
    page.click("#btn-simulate")
    expect(page.locator("#canvas .bts-toggle-mode")).to_contain_text("流程模拟")
    expect(page.locator("#status")).to_contain_text("流程模拟中")
