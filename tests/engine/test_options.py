"""Form fields whose choices come from records (x-options): listed when the form is served, enforced on
the server when it is submitted; an unknown or empty source refuses with a Chinese reason."""
import pytest

from engine import options, registry, runtime
from engine.errors import Invalid

from tests.engine.test_bpmn_features import deploy, files_of, ready, start

POOL = {"expert1": "评审专家 一（软件工程）", "expert2": "评审专家 二（网络安全）", "expert3": "评审专家 三（数据治理）"}
UNITS = {2027: [("安徽某监理公司", "安徽某监理公司（甲级）")]}


@pytest.fixture
def sources(monkeypatch):
    monkeypatch.setattr(options, "_SOURCES", {})
    monkeypatch.setattr(options, "_VALUES", {})
    options.register("experts", lambda arg, ctx: list(POOL.items()))
    options.register("units", lambda arg, ctx: UNITS.get(ctx.get("build_year"), []) if arg == "监理" else [])


def test_choices_are_listed_and_enforced(db, actor, sources):
    deploy("pick")
    row = start("pick", project_id=2, owner_group="dept:gaj", data={"build_year": 2027})
    [task] = ready(row.id)
    schema = runtime.form_schema(task)
    assert schema["properties"]["panel_experts"]["items"]["enum"] == ["expert1", "expert2", "expert3"]
    assert schema["properties"]["supervisor"]["x-enum-labels"] == {"安徽某监理公司": "安徽某监理公司（甲级）"}
    sgj = actor("s1", "sgj")
    with pytest.raises(Invalid) as err:
        runtime.complete_task(task.id, {"panel_experts": ["expert1", "expert2", "outsider"],
                                        "supervisor": "随便填的公司"}, sgj)
    assert set(err.value.fields) == {"panel_experts.2", "supervisor"}
    runtime.complete_task(task.id, {"panel_experts": ["expert1", "expert2", "expert3"],
                                    "supervisor": "安徽某监理公司"}, sgj)


def test_no_units_selected_for_the_year_says_so(db, actor, sources):
    deploy("pick")
    row = start("pick", project_id=2, owner_group="dept:gaj", data={"build_year": 2030})
    [task] = ready(row.id)
    with pytest.raises(Invalid) as err:
        runtime.complete_task(task.id, {"panel_experts": ["expert1", "expert2", "expert3"],
                                        "supervisor": "安徽某监理公司"}, actor("s1", "sgj"))
    assert err.value.fields == {"supervisor": "监理单位：暂无可选项"}


def test_malformed_source_is_refused_at_deploy(db):
    files = files_of("pick")
    files["forms/pick.schema.json"] = files["forms/pick.schema.json"].replace('"units:监理"', '"units 监理!"')
    problems, _ = registry.validate(files)
    assert [p["file"] for p in problems] == ["forms/pick.schema.json"] and "x-options" in problems[0]["message"]


def test_a_picked_list_reaches_the_workflow_but_a_table_does_not(db, actor, sources):
    from engine.models import Instance
    from engine.runtime.state import workflow_fields

    assert workflow_fields({"panel_experts": ["expert1", "expert2"], "rows": [{"a": 1}], "many": list(range(51)),
                            "opinion": "同意"}) == {"panel_experts": ["expert1", "expert2"], "opinion": "同意"}
    deploy("pick")
    row = start("pick", project_id=2, owner_group="dept:gaj", data={"build_year": 2027})
    [task] = ready(row.id)
    runtime.complete_task(task.id, {"panel_experts": ["expert1", "expert2", "expert3"],
                                    "supervisor": "安徽某监理公司"}, actor("s1", "sgj"))
    from engine.db import db as database

    assert '"panel_experts":["expert1","expert2","expert3"]' in database.session.get(Instance, row.id).state


def test_a_computed_figure_is_served_and_kept_whatever_the_browser_sends(db, actor, sources):
    from engine.models import Instance, Submission
    from engine.db import db as database

    options.register_value("paid_total", lambda arg, ctx: {7: 120.5}.get(ctx.get("project_id"), 0.0))
    deploy("report")
    row = start("report", project_id=7, owner_group="dept:gaj", data={"project_id": 7})
    [task] = ready(row.id)
    assert runtime.task_data(task.id)["cumulative_paid_wan"] == 120.5
    runtime.complete_task(task.id, {"progress_percent": 50, "cumulative_paid_wan": 99999}, actor("s1", "sgj"))
    [sub] = database.session.query(Submission).filter_by(task_id=task.id, draft=False).all()
    assert sub.data["cumulative_paid_wan"] == 120.5
    assert '"cumulative_paid_wan":120.5' in database.session.get(Instance, row.id).state


def test_a_computed_field_must_be_read_only(db):
    files = files_of("report")
    files["forms/report.schema.json"] = files["forms/report.schema.json"].replace('"readOnly": true, ', "")
    problems, _ = registry.validate(files)
    assert any("readOnly" in p["message"] for p in problems), problems
