"""Reviewers of a department's application see its earlier 绩效 results and 督查 consequences."""
import json
from datetime import datetime
from types import SimpleNamespace

from engine import runtime
from engine.db import db as database
from engine.models import Submission
from webapp.core.models import Department, Project
from webapp.worklist.pages import _department_record

from conftest import ROOT


def test_precheck_reviewer_sees_department_performance(app, deployed, actor):
    example = json.loads((ROOT / "forms" / "performance-evaluation.schema.json").read_text())["examples"][0]
    with runtime.unit_of_work():
        database.session.add(Department(code="gaj", name="市公安局", sanction="suspend", sanction_note="整改不合格"))
        old = runtime.start_instance("simple", project_id=None, owner_group="dept:gaj", data={"build_year": 2027})
        project = Project(name="旧项目", department_code="gaj", build_year=2024, created_at=datetime(2024, 1, 1),
                          instance_id=old.id)
        database.session.add(project)
        database.session.flush()
        database.session.add(Submission(instance_id=old.id, project_id=project.id, form="performance-evaluation.schema.json",
                                        data=example, submitted_by="sgj", submitted_at=datetime(2029, 6, 30)))
        new = Project(name="新申报项目", department_code="gaj", build_year=2027, created_at=datetime(2026, 5, 1))
        database.session.add(new)
    task = SimpleNamespace(form="precheck.schema.json", project_id=new.id, group_code="sgj")
    record = _department_record(task, actor("sgj", "sgj"))
    assert record["sanction"] == "suspend" and record["average_score"] == example["total_score"]
    assert [p["project_name"] for p in record["performance"]] == ["旧项目"]
    # not shown on other forms, nor to someone who does not work the task
    assert _department_record(SimpleNamespace(form="declaration.schema.json", project_id=new.id, group_code="dept:gaj"),
                              actor("u", "dept:gaj")) is None
    assert _department_record(task, actor("x", "fgw")) is None
