"""The 立项 route's decision is kept: which rule of which model version decided, with the inputs it saw."""
from engine.db import db as database
from engine.models import AuditEvent

from .driver import Project, declare, plan, precheck, review


def test_route_decision_names_rule_version_and_inputs(real_model):
    p = Project(build_year=2026, at="2025-03-02")
    plan(p, 2026)
    declare(p, 2026, category="新建", budget=3000, architecture_simple=False)
    precheck(p, 2026)
    review(p, 2026, budget=3000, approved=2800)
    p.complete("task_government_report", "szf", at="2025-09-01")
    p.complete("task_finalization", "dept", at="2025-09-10", budget_wan=2800, approved_budget_wan=2800,
               architecture_simple=False)
    [event] = database.session.query(AuditEvent).filter_by(kind="decision").all()
    found = event.payload
    assert found["version_id"] == real_model.id and found["bpmn_id"] == "task_establishment_route"
    assert found["decision_name"] == "判定立项方式"  # words, never the table's id
    # row 6: over 1000万 (row 1 is the experts' 单独立项, which said no)
    assert [r["row"] for r in found["rules"]] == [6] and "1000" in found["rules"][0]["description"]
    assert found["inputs"]["论证意见：单独立项"] is False
    assert found["inputs"]["预算（万元）"] == 2800 and found["outputs"] == {"establishment_route": "separate"}
    assert event.project_id == p.instance.project_id


def test_history_line_names_rule_version_and_inputs():
    from webapp.projects.services import _event_note

    payload = {"decision_name": "立项方式判定", "version_id": 3, "rules": [{"row": 5}],
               "outputs": {"establishment_route": "separate"}, "inputs": {"预算（万元）": 2800}}
    known = {"establishment_route": ("规则判定的立项方式", {"unified": "市数管局统一立项", "separate": "单独立项"})}
    note = _event_note("decision", payload, {}, known)
    assert note == "立项方式判定（模型版本 3）：第 5 条 → 规则判定的立项方式=单独立项；输入 预算（万元）=2800"


def test_decision_outputs_are_named_by_the_deployed_forms(real_model):
    from webapp.core import varlabels

    known = varlabels.labels(real_model.id)
    assert varlabels.shown(known, {"establishment_route": "unified"}) == [("规则判定的立项方式", "市数管局统一立项")]
