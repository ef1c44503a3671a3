"""Model deployment through the API, and the OpenAPI document against the routes."""
import io
import json
import re
import zipfile

from tests.conftest import ENGINE_FIXTURES

REVIEW = (ENGINE_FIXTURES / "forms" / "review.schema.json").read_text(encoding="utf-8")
SIMPLE = (ENGINE_FIXTURES / "bpmn" / "simple.bpmn").read_text(encoding="utf-8")
FILL = (ENGINE_FIXTURES / "forms" / "fill.schema.json").read_text(encoding="utf-8")


def test_deploy_json_then_unchanged(api, db):
    analyst = api.as_("analyst")
    files = {"bpmn/simple.bpmn": SIMPLE, "forms/fill.schema.json": FILL, "forms/review.schema.json": REVIEW}
    r = analyst.post("/api/models", json={"files": files})
    assert r.status_code == 201 and r.get_json()["created"] is True
    assert {"id": "simple", "name": "测试流程"} in r.get_json()["processes"]
    again = analyst.post("/api/models", json={"files": files})
    assert again.status_code == 200 and again.get_json()["id"] == r.get_json()["id"]
    listed = analyst.get("/api/models").get_json()
    assert listed["total"] == 1 and sorted(listed["items"][0]["files"]) == sorted(files)
    detail = api.as_("admin").get(f"/api/models/{r.get_json()['id']}").get_json()
    assert detail["contents"]["bpmn/simple.bpmn"] == SIMPLE


def test_deploy_multipart_and_zip_overlay_the_latest(api, db):
    analyst = api.as_("analyst")
    r = analyst.post("/api/models", data={"files": [(io.BytesIO(SIMPLE.encode()), "simple.bpmn"),
                                                    (io.BytesIO(FILL.encode()), "fill.schema.json"),
                                                    (io.BytesIO(REVIEW.encode()), "review.schema.json")]})
    assert r.status_code == 201, r.get_json()
    changed = json.loads(REVIEW)
    changed["title"] = "审核（新）"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("forms/review.schema.json", json.dumps(changed, ensure_ascii=False))
    r = analyst.post("/api/models", data={"files": [(io.BytesIO(buffer.getvalue()), "model.zip")]})
    assert r.status_code == 201, r.get_json()
    assert len(r.get_json()["files"]) == 3  # the other files came from the previous version


def test_invalid_models_are_422_with_problems_and_deploy_nothing(api, db):
    from engine.models import ModelVersion

    analyst = api.as_("analyst")
    broken = SIMPLE.replace('name="市数管局"', 'name="不存在的部门"')
    r = analyst.post("/api/models", json={"files": {"bpmn/simple.bpmn": broken, "forms/fill.schema.json": FILL,
                                                    "forms/review.schema.json": REVIEW}})
    assert r.status_code == 422
    body = r.get_json()
    assert body["error"] == "model_invalid" and set(body) >= {"message", "fields", "problems"}
    problem = body["problems"][0]
    assert problem["file"] == "bpmn/simple.bpmn" and problem["element_id"] and problem["line"]
    r = analyst.post("/api/models", json={"files": {"bpmn/bad.bpmn": "<bpmn:definitions"}})
    assert r.status_code == 422 and r.get_json()["problems"][0]["file"] == "bpmn/bad.bpmn"
    r = analyst.post("/api/models", json={"files": {"../etc/passwd": "x"}})
    assert r.status_code == 422
    r = analyst.post("/api/models", data={"files": [(io.BytesIO(b"not a zip"), "m.zip")]})
    assert r.status_code == 422
    assert analyst.post("/api/models", json={"files": "x"}).status_code == 400
    assert analyst.post("/api/models", json={"files": {}}).status_code == 422
    assert db.session.query(ModelVersion).count() == 0


def _routes(app):
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            found |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_openapi_matches_the_routes(app, api):
    doc = app.test_client().get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routes = _routes(app)
    assert routes - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routes == set(), "documented paths that are not routes"
    for name in ("Project", "Task", "Error", "List"):
        assert name in doc["components"]["schemas"]


def test_openapi_schemas_describe_real_responses(api, simple):
    from jsonschema import Draft202012Validator

    from .conftest import new_project, open_task

    doc = api.client.get("/api/openapi.json").get_json()
    schemas = doc["components"]["schemas"]

    def check(name, instance):
        schema = {**schemas[name], "components": doc["components"]}
        Draft202012Validator(schema).validate(instance)

    project = new_project(api)
    check("Project", project)
    check("Task", open_task(api, "dept_gaj", project["id"]))
    check("List", api.as_("sgj").get("/api/projects").get_json())
    check("Error", api.as_("sgj").get("/api/projects/999").get_json())
    Draft202012Validator.check_schema(schemas["Task"])


def test_document_describes_what_the_routes_answer(api):
    """Found by tests/api/test_fuzz.py: downloads answer with the file's own type; reason/body errors are 422;
    ids and years in the query are integers; page has the bound the API enforces."""
    from webapp.files.services import CONTENT_TYPES

    doc = api.client.get("/api/openapi.json").get_json()
    download = doc["paths"]["/api/files/{file_id}"]["get"]["responses"]["200"]["content"]
    assert {t.split(";")[0] for t in CONTENT_TYPES.values()} <= set(download)
    for path, method in (("/api/cockpit/counts", "get"), ("/api/drafts", "get"), ("/api/reports/rules", "put")):
        assert "400" in doc["paths"][path][method]["responses"]  # unreadable query or body, NUL characters
    for action in ("suspend", "resume", "terminate"):
        assert "422" in doc["paths"][f"/api/instances/{{instance_id}}/{action}"]["post"]["responses"]
    params = {p["name"]: p["schema"] for p in doc["paths"]["/api/tasks"]["get"]["parameters"]}
    assert params["project_id"]["type"] == "integer" and params["page"]["maximum"] == 2**31 - 1
    r = api.as_("sgj").get(f"/api/tasks?page={2**31}")
    assert r.status_code == 400 and "page" in r.get_json()["fields"]
