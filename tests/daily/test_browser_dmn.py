"""The analyst changes a rule of the 立项 decision table in the browser (dmn-js, Chinese), deploys it with the
diagrams, and a project started afterwards follows the changed rule to 单独立项, while a project started before
stays on its version (DESIGN §9: instances stay on the version they started on) and keeps 统一立项; the cockpit's
规则判定 panel names each project's version and rule. The modeler also starts token simulation."""
import pytest

from tests.browser.signin import login, logout
from tests.daily.webproject import WebProject, finalize_and_confirm, to_finalization

BUDGET = 900  # 万元, a 设备购买类 purchase: rule 2 (≤ 1000 万) decides it

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


def _decision_row(page, base, instance_id):
    page.goto(f"{base}/admin/instances/{instance_id}")
    return page.locator("#decisions tr[data-decision='decision_table_establishment_route']")


def test_dmn_rule_changed_in_the_browser_is_deployed_and_decides(demo_server, browser_page, app):
    from playwright.sync_api import expect

    from engine import registry

    base, page = demo_server, browser_page
    with app.app_context():
        v1 = registry.latest_version().id
        assert _route(v1, BUDGET) == "unified"
        before = WebProject("六安市警务视频设备购置（旧版本）", budget=BUDGET)  # started on v1, waiting at 定稿 when v2 comes
        to_finalization(before, BUDGET)
        assert before.open() == ["task_finalization"] and before.instance.version_id == v1
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
        assert _route(v2, BUDGET) == "separate"  # the changed rule decides for projects started on v2
        # a new project goes through 申报 and 论证 on v2 and takes the route the changed rule gives
        after = WebProject("六安市警务视频设备购置（新版本）", budget=BUDGET)
        assert after.instance.version_id == v2
        to_finalization(after, BUDGET)
        assert finalize_and_confirm(after, BUDGET) == "separate"
        assert after.open() == ["task_separate_application"]
        # the project started before stays on v1: its 定稿 now still decides by the old rule
        assert finalize_and_confirm(before, BUDGET) == "unified"
        assert before.open() == ["task_unified_application"] and before.instance.version_id == v1
        new_id, old_id = after.instance_id, before.instance_id
    # the cockpit's 规则判定 panel: which rule of which version decided each project's route
    logout(page)
    login(page, base, "admin")
    row = _decision_row(page, base, new_id)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text(f"版本 {v2}")
    expect(row.locator(".rule")).to_have_text("第 2 条：设备购买类、运维服务类，预算不超过1000万元：统一立项")
    expect(row.locator("td").nth(1)).to_contain_text("判定立项方式")
    expect(row.locator(".input", has_text="预算（万元）")).to_have_text(f"预算（万元） = {BUDGET}")
    expect(row.locator(".input", has_text="论证意见")).to_have_text("论证意见：单独立项 = 否")
    expect(row.locator(".output")).to_contain_text("单独立项")
    page.screenshot(path=str(__import__("pathlib").Path(__file__).resolve().parents[2] / "tests" / "artifacts"
                             / "daily-dmn-new-project-decision.png"), full_page=True)
    row = _decision_row(page, base, old_id)
    expect(row.locator("td").nth(2)).to_have_text(f"版本 {v1}")
    expect(row.locator(".rule")).to_contain_text("第 2 条")
    expect(row.locator(".output")).to_contain_text("统一立项")
    # a restart (`flask models deploy` of the unchanged folder) says the browser's version is the live one
    restart = app.test_cli_runner().invoke(args=["models", "deploy"])
    assert restart.exit_code == 0 and f"当前生效的是版本 {v2}" in restart.output, restart.output
    # token simulation on a diagram
    page.goto(f"{base}/modeler/edit?version={v2}&file=bpmn/stage-plan.bpmn")
    page.wait_for_selector("body[data-modeler-ready='1']", timeout=30000)
    page.click("#btn-simulate")
    expect(page.locator("#canvas .bts-toggle-mode")).to_contain_text("流程模拟")
    expect(page.locator("#status")).to_contain_text("流程模拟中")
