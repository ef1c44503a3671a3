"""Cockpit and modeler through the JSON API: refused uploads, incidents, filters, bulk, migrate, drafts."""
import pytest

from engine import registry, runtime
from engine.models import AuditEvent, Incident, Instance, ModelVersion
from tests.conftest import ENGINE_FIXTURES

SIMPLE = (ENGINE_FIXTURES / "bpmn" / "simple.bpmn").read_text(encoding="utf-8")
FILL = {"amount_wan": 10, "own_funds_wan": 10, "other_funds_wan": 0}


def start(process, **kw):
    with runtime.unit_of_work():
        return runtime.start_instance(process, **kw)


def versions(db):
    return db.session.query(ModelVersion).count()


# ---------------------------------------------------------------- refused uploads

XXE = """<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><bpmn:process id="p" isExecutable="true"><bpmn:documentation>&xxe;</bpmn:documentation></bpmn:process></bpmn:definitions>"""


@pytest.mark.parametrize("case", ["schema", "unknown_form", "xxe", "import_script"])
def test_bad_uploads_are_refused_naming_the_element_and_deploy_nothing(api, deployed, db, case):
    if case == "schema":
        text, element = SIMPLE.replace('<bpmn:userTask id="review" name="审核">',
                                       '<bpmn:userTask id="review" name="审核" bogus="1">'), "review"
    elif case == "unknown_form":
        text, element = SIMPLE.replace('value="review.schema.json"', 'value="nope.schema.json"'), "review"
    elif case == "xxe":
        text, element = XXE, None
    else:
        text, element = SIMPLE.replace('checked_on = today()', 'import os\nchecked_on = today()'), "record"
    before = versions(db)
    r = api.as_("analyst").post("/api/models", json={"files": {"bpmn/simple.bpmn": text}})
    assert r.status_code == 422, r.get_json()
    body = r.get_json()
    assert body["error"] == "model_invalid" and body["problems"]
    problem = body["problems"][0]
    assert problem["file"] == "bpmn/simple.bpmn"
    if case == "schema":  # an XML Schema error: the line of the element and its type and attribute
        line = next(i for i, t in enumerate(text.splitlines(), 1) if 'id="review"' in t)
        assert problem["line"] == line and "userTask" in problem["message"] and "bogus" in problem["message"]
    elif element:
        assert any(p["element_id"] == element for p in body["problems"]), body["problems"]
        assert element in body["message"]
    else:
        assert "实体" in problem["message"] or "DTD" in problem["message"] or "DOCTYPE" in problem["message"], problem
    assert versions(db) == before
    # the modeler's draft validation gives the same problems, on the element
    r = api.as_("analyst").post("/api/drafts/validate", json={"name": "bpmn/simple.bpmn", "content": text})
    assert r.status_code == 200 and r.get_json()["ok"] is False
    if element:  # the modeler marks the element on the diagram
        assert element in [p["element_id"] for p in r.get_json()["problems"]], r.get_json()
    assert versions(db) == before


# ---------------------------------------------------------------- incidents

def test_incident_is_seen_fixed_retried_and_resolved(api, deployed, db):
    row = start("failing", data={"divisor": 0})
    assert db.session.get(Instance, row.id).status == "incident"
    admin = api.as_("admin")
    detail = admin.get(f"/api/instances/{row.id}").get_json()
    [incident] = [i for i in detail["incidents"] if i["status"] == "open"]
    assert "ZeroDivisionError" in incident["error"] and incident["bpmn_id"] == "compute"
    listed = admin.get("/api/incidents?status=open").get_json()
    assert [i["id"] for i in listed["items"]] == [incident["id"]]
    overview = admin.get(f"/api/instances/{row.id}/overview").get_json()
    assert overview["overlays"]["incident"] == ["compute"] and overview["state"] == "incident"
    # retrying unchanged fails again and stays open
    r = admin.post(f"/api/incidents/{incident['id']}/retry")
    assert r.status_code == 200 and r.get_json()["status"] == "open"
    # a department user may not touch it
    assert api.as_("dept_gaj").post(f"/api/tasks/{incident['task_id']}/data", json={"data": {"divisor": 4}}).status_code == 403
    r = admin.post(f"/api/tasks/{incident['task_id']}/data", json={"data": {"divisor": 4}, "reason": "补正除数"})
    assert r.status_code == 200, r.get_json()
    r = admin.post(f"/api/incidents/{incident['id']}/retry")
    assert r.status_code == 200 and r.get_json()["status"] == "resolved"
    assert db.session.get(Instance, row.id).status == "running"
    assert admin.get("/api/incidents?status=open").get_json()["total"] == 0
    kinds = {e.kind for e in db.session.query(AuditEvent).filter_by(instance_id=row.id)}
    assert {"incident", "edit_data", "retry"} <= kinds


def test_instance_retry_endpoint(api, deployed, db):
    row = start("failing", data={"divisor": 0})
    incident = db.session.query(Incident).filter_by(instance_id=row.id).one()
    api.as_("admin").post(f"/api/tasks/{incident.task_id}/data", json={"data": {"divisor": 5}})
    r = api.as_("admin").post(f"/api/instances/{row.id}/retry", json={"reason": "已修正"})
    assert r.status_code == 200 and r.get_json()["status"] == "running"


# ---------------------------------------------------------------- list, counts, bulk, permissions

def test_filters_counts_bulk_and_roles(api, deployed, db):
    a = start("simple", project_id=None, owner_group="dept:gaj", data={"build_year": 2027})
    b = start("simple", project_id=None, owner_group="dept:jyj", data={"build_year": 2027})
    c = start("failing", data={"divisor": 0})
    t = start("timed", project_id=100, owner_group="dept:gaj", data={"wake_on": "2099-03-01"})
    admin, sgj = api.as_("admin"), api.as_("sgj")
    body = sgj.get("/api/cockpit/instances").get_json()
    assert body["total"] >= 3 and body["counts"]["state"]["incident"] == 1
    assert {i["id"] for i in sgj.get("/api/cockpit/instances?department=gaj").get_json()["items"]} == {a.id, t.id}
    assert [i["id"] for i in sgj.get("/api/cockpit/instances?state=incident").get_json()["items"]] == [c.id]
    assert sgj.get("/api/cockpit/instances?state=bogus").status_code == 422
    assert api.as_("dept_gaj").get("/api/cockpit/instances").status_code == 403
    assert sgj.post(f"/api/instances/{a.id}/migrate", json={}).status_code == 403  # 数管局 reads, admin acts
    assert db.session.get(Instance, t.id).next_timer_at is not None and not runtime.open_tasks(t.id)
    assert [i["id"] for i in sgj.get("/api/cockpit/instances?state=timer").get_json()["items"]] == [t.id]
    assert t.id not in {i["id"] for i in sgj.get("/api/cockpit/instances?state=running").get_json()["items"]}
    assert sgj.get("/api/cockpit/counts").get_json()["state"]["timer"] == 1
    r = admin.post("/api/instances/bulk", json={"action": "suspend", "ids": [a.id]})
    assert not r.get_json()["results"][0]["ok"] and "挂起原因" in r.get_json()["results"][0]["message"]  # 必填
    r = admin.post("/api/instances/bulk", json={"action": "suspend", "ids": [a.id, b.id, 999999], "reason": "核查材料"})
    assert r.status_code == 200, r.get_json()
    results = {x["id"]: x for x in r.get_json()["results"]}
    assert results[a.id]["ok"] and results[b.id]["ok"] and not results[999999]["ok"]
    assert "不存在" in results[999999]["message"]
    assert sgj.get("/api/cockpit/counts").get_json()["state"]["suspended"] == 2
    # a suspended instance refuses work with a clear message
    task = runtime.open_tasks(a.id)[0]
    r = api.as_("dept_gaj").post(f"/api/tasks/{task.id}/complete", json={"data": FILL})
    assert r.status_code == 409 and "挂起" in r.get_json()["message"]
    r = admin.post("/api/instances/bulk", json={"action": "resume", "ids": [a.id, b.id]})
    assert r.get_json()["ok"] == 2
    r = admin.post("/api/instances/bulk", json={"action": "retry", "ids": [a.id]})
    assert r.get_json()["failed"] == 1 and "没有待处理的故障" in r.get_json()["results"][0]["message"]
    assert admin.post("/api/instances/bulk", json={"action": "terminate", "ids": [a.id]}).status_code == 422
    assert api.as_("dept_gaj").post(f"/api/tasks/{task.id}/complete", json={"data": FILL}).status_code == 200


def test_reassign_checks_the_user(api, deployed, db):
    a = start("simple", owner_group="dept:gaj", data={"build_year": 2027})
    task = runtime.open_tasks(a.id)[0]
    admin = api.as_("admin")
    assert admin.post(f"/api/tasks/{task.id}/reassign", json={"username": "dept_jyj"}).status_code == 422
    r = admin.post(f"/api/tasks/{task.id}/reassign", json={"username": "dept_gaj", "reason": "指定经办人"})
    assert r.status_code == 200 and r.get_json()["assignee"] == "dept_gaj"


# ---------------------------------------------------------------- drafts, compare, deploy, migrate, heat

def test_draft_compare_deploy_then_migrate(api, deployed, db):
    from tests.admin.test_migration import inserted_step

    row = start("simple", owner_group="dept:gaj", data={"build_year": 2027})
    analyst, admin = api.as_("analyst"), api.as_("admin")
    assert api.as_("dept_gaj").post("/api/drafts", json={"name": "bpmn/simple.bpmn", "content": SIMPLE}).status_code == 403
    new_text = inserted_step(SIMPLE)
    r = analyst.post("/api/drafts", json={"name": "bpmn/simple.bpmn", "content": new_text})
    assert r.status_code == 201 and r.get_json()["problems"] == []
    draft_id = r.get_json()["id"]
    diff = analyst.get(f"/api/drafts/{draft_id}/compare").get_json()
    assert [(e["id"], e["name"]) for e in diff["added"] if e["type"] == "userTask"] == [("confirm", "确认材料")]
    assert "fill" in [e["id"] for e in diff["changed"]] and "+" in diff["unified"]
    before = api.as_("admin").get(f"/api/instances/{row.id}/migration").get_json()
    assert before["ok"] is False and "无需迁移" in before["reasons"][0]
    r = analyst.post("/api/drafts/deploy", json={"drafts": [draft_id]})
    assert r.status_code == 201, r.get_json()
    v2 = r.get_json()["id"]
    assert db.session.get(Instance, row.id).version_id == deployed.id  # stays on its version
    plan = admin.get(f"/api/instances/{row.id}/migration").get_json()
    assert plan["ok"] is True and plan["to_version"] == v2
    heat = analyst.get(f"/api/models/{deployed.id}/heat?process=simple").get_json()
    assert heat["counts"] == {"fill": 1}
    r = admin.post(f"/api/instances/{row.id}/migrate", json={"version_id": v2})
    assert r.status_code == 200 and r.get_json()["version_id"] == v2
    assert analyst.get(f"/api/models/{v2}/heat?process=simple").get_json()["counts"] == {"fill": 1}
    assert analyst.get("/api/drafts").get_json()["total"] == 0
    assert analyst.post("/api/drafts/deploy", json={"drafts": [draft_id]}).status_code == 409


def test_form_preview(api, db, deployed):
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer", "title": "数量", "minimum": 1}},
              "examples": [{"a": 2}]}
    r = api.as_("analyst").post("/api/forms/preview", json={"schema": schema, "data": {"a": 0}})
    body = r.get_json()
    assert r.status_code == 200 and body["problems"] == [] and "a" in body["errors"] and "数量" in body["html"]
    r = api.as_("analyst").post("/api/forms/preview", json={"schema": '{"type": "nonsense"}'})
    assert r.get_json()["problems"]
    assert api.as_("dept_gaj").post("/api/forms/preview", json={"schema": schema}).status_code == 403
    # found by tests/api/test_fuzz.py: a schema that is neither an object nor JSON text was a 500
    r = api.as_("analyst").post("/api/forms/preview", json={"schema": 3.4e38})
    assert r.status_code == 400 and "schema" in r.get_json()["fields"]


def test_openapi_lists_the_cockpit_routes(app, api):
    doc = api.as_("admin").get("/api/openapi.json").get_json()
    for path in ("/api/cockpit/instances", "/api/instances/{instance_id}/migrate", "/api/instances/bulk",
                 "/api/drafts", "/api/drafts/{draft_id}/compare", "/api/forms/preview", "/api/models/{version_id}/heat"):
        assert path in doc["paths"], path
    import re
    rules = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) for r in app.url_map.iter_rules()
             if r.endpoint.startswith("api.cockpit_")}
    assert rules <= set(doc["paths"])


def test_counts_in_one_pass_agree_with_filtered_lists(api, deployed, db):
    """With no stage, state or status filter the counts come from one grouped pass and the list's total from them;
    every figure still matches what the filtered lists hold."""
    a = start("simple", project_id=None, owner_group="dept:gaj", data={"build_year": 2027})
    start("simple", project_id=None, owner_group="dept:jyj", data={"build_year": 2027})
    start("failing", data={"divisor": 0})
    start("timed", project_id=100, owner_group="dept:gaj", data={"wake_on": "2099-03-01"})
    db.session.get(Instance, a.id).stage = "申报"  # these small processes mark no stage of their own
    db.session.commit()
    sgj = api.as_("sgj")
    body = sgj.get("/api/cockpit/instances?per_page=1").get_json()
    counts = body["counts"]
    assert body["total"] == counts["total"] == db.session.query(Instance).count() == sum(counts["state"].values())
    assert sum(counts["stage"].values()) == counts["total"]
    for state, n in counts["state"].items():
        assert sgj.get(f"/api/cockpit/instances?state={state}").get_json()["total"] == n, state
    for stage, n in counts["stage"].items():
        if stage != "未知":
            assert sgj.get(f"/api/cockpit/instances?stage={stage}").get_json()["total"] == n, stage
    # a stage filter: the stage counts ignore it, the state counts and the total keep it
    stage = next(s for s, n in counts["stage"].items() if n and s != "未知")
    narrowed = sgj.get(f"/api/cockpit/instances?stage={stage}").get_json()
    assert narrowed["counts"]["stage"] == counts["stage"]
    assert narrowed["total"] == narrowed["counts"]["total"] == counts["stage"][stage]
    assert sgj.get("/api/cockpit/instances?department=gaj").get_json()["total"] == 2
