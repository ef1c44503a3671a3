"""系统下线 by API: only the project's department, with a reason, only while 运维 waits for it; the project
then shows 已结束 / 已下线 and the reason in its history. (The real 运维 loop: tests/scenarios, walkthrough.)"""
from tests.api.conftest import new_project, open_task
from tests.engine.test_bpmn_features import files_of

RETIRE_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="retire_defs" targetNamespace="http://example.org/egov-tests">
  <bpmn:message id="retire_msg" name="system_retire" />
  <bpmn:process id="retire" name="运维" isExecutable="true">
    <bpmn:laneSet id="retire_lanes">
      <bpmn:lane id="retire_lane" name="项目建设主管部门">
        <bpmn:flowNodeRef>retire_start</bpmn:flowNodeRef><bpmn:flowNodeRef>retire_ops</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>retire_wait</bpmn:flowNodeRef><bpmn:flowNodeRef>retire_note</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>retire_end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="retire_start"><bpmn:outgoing>retire_f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="retire_ops" name="建立运维管理制度">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="note.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>retire_f1</bpmn:incoming><bpmn:outgoing>retire_f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:intermediateCatchEvent id="retire_wait" name="系统下线">
      <bpmn:incoming>retire_f2</bpmn:incoming><bpmn:outgoing>retire_f3</bpmn:outgoing>
      <bpmn:messageEventDefinition id="retire_wait_def" messageRef="retire_msg">
        <bpmn:extensionElements><spiffworkflow:messageVariable>retirement</spiffworkflow:messageVariable></bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="retire_note" name="记录下线日期">
      <bpmn:incoming>retire_f3</bpmn:incoming><bpmn:outgoing>retire_f4</bpmn:outgoing>
      <bpmn:script>retired_on = retirement["retired_on"]</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="retire_end" name="系统已下线"><bpmn:incoming>retire_f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="retire_f1" sourceRef="retire_start" targetRef="retire_ops" />
    <bpmn:sequenceFlow id="retire_f2" sourceRef="retire_ops" targetRef="retire_wait" />
    <bpmn:sequenceFlow id="retire_f3" sourceRef="retire_wait" targetRef="retire_note" />
    <bpmn:sequenceFlow id="retire_f4" sourceRef="retire_note" targetRef="retire_end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_retire_only_by_the_department_with_a_reason_while_operation_waits(api, app, db, monkeypatch,
                                                                         writes_before_each_script):
    files = {**files_of(), "bpmn/retire.bpmn": RETIRE_BPMN}
    assert api.as_("analyst").post("/api/models", json={"files": files, "replace": True}).status_code == 201
    monkeypatch.setitem(app.config, "EGOV_LIFECYCLE_PROCESS", "retire")
    project = new_project(api, name="城市运行监测平台", build_year=2027)
    url = f"/api/projects/{project['id']}/retire"
    r = api.as_("dept_gaj").post(url, json={"reason": "业务停止"})
    assert r.status_code == 409 and "下线" in r.get_json()["message"]  # a step of 运维 is open
    task = open_task(api, "dept_gaj", project["id"])
    assert api.as_("dept_gaj").post(f"/api/tasks/{task['id']}/complete", json={"data": {"opinion": "已建立"}}).status_code == 200
    assert api.as_("dept_gaj").get(f"/api/projects/{project['id']}").get_json()["may_retire"] is True
    assert api.as_("sgj").post(url, json={"reason": "业务停止"}).status_code == 403
    assert api.as_("dept_jyj").post(url, json={"reason": "业务停止"}).status_code == 404
    for bad in ({}, {"reason": "  "}, {"reason": 5}, {"reason": "长" * 501}):
        r = api.as_("dept_gaj").post(url, json=bad)
        assert r.status_code == 422 and "reason" in r.get_json()["fields"], (bad, r.get_json())
    assert api.as_("dept_gaj").get(f"/api/projects/{project['id']}").get_json()["stage"] != "已结束"
    # the lifecycle hears 系统下线 inside the request (its 409 depends on it) before anything is written, so the
    # script after the catch runs while no write lock is held (SQLite)
    seen, writes, r = writes_before_each_script(lambda: api.as_("dept_gaj").post(url, json={"reason": "业务并入省级平台"}))
    assert r.status_code == 200, r.get_json()
    assert seen == [0] and writes, (seen, writes)
    body = r.get_json()
    assert (body["stage"], body["status"], body["may_retire"]) == ("已结束", "已下线", False)
    assert body["retirement"]["reason"] == "业务并入省级平台"
    assert [h["note"] for h in body["history"] if h["kind"] == "retire"][0].endswith("原因：业务并入省级平台")
    assert api.as_("dept_gaj").post(url, json={"reason": "再次"}).status_code == 409
