"""Uploads: type and size limits, checksums, project-scoped downloads, form fields holding files."""
import hashlib
import io
import json

import pytest

from .conftest import new_project, open_task

PDF = b"%PDF-1.7\n" + b"x" * 100


def upload(api, user, content=PDF, name="方案.pdf", project_id=None):
    data = {"file": (io.BytesIO(content), name)}
    if project_id is not None:
        data["project_id"] = str(project_id)
    return api.as_(user).post("/api/files", data=data)


def test_upload_and_download(api, simple):
    project = new_project(api)
    r = upload(api, "dept_gaj", project_id=project["id"])
    assert r.status_code == 201
    body = r.get_json()
    assert body["id"] and body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["size"] == len(PDF)
    for user in ("dept_gaj", "sgj", "admin"):
        got = api.as_(user).get(f"/api/files/{body['id']}")
        assert got.status_code == 200 and got.data == PDF, user
        assert got.headers["Content-Type"] == "application/pdf"
        assert "attachment" in got.headers["Content-Disposition"]
    for user in ("dept_jyj", "fgw", "expert1"):
        assert api.as_(user).get(f"/api/files/{body['id']}").status_code == 404, user


@pytest.mark.parametrize("name,content,field", [
    ("virus.exe", b"MZ....", "file"),
    ("fake.pdf", b"MZ not a pdf", "file"),
    ("empty.txt", b"", "file"),
    ("binary.txt", b"\x00\x01", "file"),
])
def test_rejected_uploads(api, db, name, content, field):
    from webapp.files.models import StoredFile

    r = upload(api, "dept_gaj", content, name)
    assert r.status_code == 422 and field in r.get_json()["fields"]
    assert db.session.query(StoredFile).count() == 0


def test_size_limit(api, app, db, monkeypatch):
    monkeypatch.setitem(app.config, "EGOV_MAX_FILE_BYTES", 1000)
    r = upload(api, "dept_gaj", PDF + b"x" * 1000)
    assert r.status_code == 422 and "超过" in r.get_json()["fields"]["file"]


def test_missing_file_field(api):
    r = api.as_("dept_gaj").post("/api/files", data={})
    assert r.status_code == 422 and "file" in r.get_json()["fields"]


def test_allowed_types(api):
    samples = {"a.png": b"\x89PNG\r\n\x1a\n...", "a.jpg": b"\xff\xd8\xff\xe0..", "a.docx": b"PK\x03\x04..",
               "a.xlsx": b"PK\x03\x04..", "a.zip": b"PK\x03\x04..", "a.ofd": b"PK\x03\x04..",
               "a.doc": b"\xd0\xcf\x11\xe0..", "a.xls": b"\xd0\xcf\x11\xe0..", "a.txt": "说明".encode()}
    for name, content in samples.items():
        assert upload(api, "dept_gaj", content, name).status_code == 201, name


def test_unattached_file_is_the_uploaders(api):
    file_id = upload(api, "dept_gaj").get_json()["id"]
    assert api.as_("dept_gaj").get(f"/api/files/{file_id}").status_code == 200
    assert api.as_("dept_jyj").get(f"/api/files/{file_id}").status_code == 404


FILE_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "附件", "type": "object",
    "required": ["plan"], "properties": {"plan": {"type": "string", "format": "file-id", "title": "建设方案"}},
    "examples": [{"plan": "00000000-0000-0000-0000-000000000000"}],
}
FILE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="http://x">
  <bpmn:collaboration id="c"><bpmn:participant id="p" processRef="upload_flow" /></bpmn:collaboration>
  <bpmn:process id="upload_flow" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="项目建设主管部门">
      <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>t</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="t" name="上传方案"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="attach.schema.json" />
    </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" /><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_form_file_must_exist_and_becomes_the_projects(api, app, simple, monkeypatch):
    r = api.as_("analyst").post("/api/models", json={"files": {"bpmn/upload-flow.bpmn": FILE_BPMN,
                                                                "forms/attach.schema.json": json.dumps(FILE_FORM)}})
    assert r.status_code == 201, r.get_json()
    monkeypatch.setitem(app.config, "EGOV_LIFECYCLE_PROCESS", "upload_flow")
    project = new_project(api)
    task = open_task(api, "dept_gaj", project["id"])
    gaj = api.as_("dept_gaj")
    r = gaj.post(f"/api/tasks/{task['id']}/complete", json={"data": {"plan": "00000000-0000-0000-0000-000000000000"}})
    assert r.status_code == 422 and "plan" in r.get_json()["fields"]
    others = upload(api, "dept_jyj").get_json()["id"]  # someone else's file may not be borrowed
    r = gaj.post(f"/api/tasks/{task['id']}/complete", json={"data": {"plan": others}})
    assert r.status_code == 422
    mine = upload(api, "dept_gaj").get_json()["id"]
    assert gaj.post(f"/api/tasks/{task['id']}/complete", json={"data": {"plan": mine}}).status_code == 200
    from webapp.files.models import StoredFile
    from engine.db import db

    assert db.session.get(StoredFile, mine).project_id == project["id"]
