"""JSON API of the cockpit (管理监控): instances, incidents and their administration; tasks' data and
assignee. Thin: parse, call the cockpit's services. /api/instances and /api/incidents are administrators'
(SPEC §1); the cockpit's lists also let 数管局 read."""
from flask import request

from ..core.api import BadRequest, bp, json_body, listing, paging, user
from ..core.openapi import (INSTANCE_ID, OBJ, PAGING, REASON, REF, TASK_ID, add_paths, list_of, operation,
                            path_param, query_params, int_query_params)
from ..core.records import db_int
from . import instance_list
from . import services as svc

FILTERS = ("state", "status", "stage", "department", "version", "process", "project_id", "overdue", "year",
           "category", "budget_min", "budget_max", "contract_min", "contract_max", "step")


def _admin():
    """/api/instances and /api/incidents are administrators' (SPEC §1); the cockpit also lets 数管局 read."""
    account = user()
    svc.require_admin(account)
    return account


@bp.get("/instances")
def list_instances():
    page, per_page = paging()
    account = _admin()
    filters = {k: request.args[k] for k in ("status", "process", "project_id") if k in request.args}
    rows, total = instance_list.list_instances(account, filters, page, per_page)
    return listing(instance_list.instance_rows(rows), total)


@bp.get("/instances/<int:instance_id>")
def get_instance(instance_id):
    return svc.instance_work(svc.get_instance(_admin(), instance_id))


def _act(instance_id, action):
    row = svc.act(user(), instance_id, action, json_body().get("reason", ""))
    return instance_list.instance_row(row)


@bp.post("/instances/<int:instance_id>/suspend")
def suspend_instance(instance_id):
    return _act(instance_id, "suspend")


@bp.post("/instances/<int:instance_id>/resume")
def resume_instance(instance_id):
    return _act(instance_id, "resume")


@bp.post("/instances/<int:instance_id>/terminate")
def terminate_instance(instance_id):
    return _act(instance_id, "terminate")


@bp.get("/incidents")
def list_incidents():
    page, per_page = paging()
    account = _admin()
    rows, total = svc.list_incidents(account, request.args.get("status"), page, per_page)
    return listing([svc.incident_dict(i) for i in rows], total)


@bp.post("/incidents/<int:incident_id>/retry")
def retry_incident(incident_id):
    return svc.incident_dict(svc.retry_incident(user(), incident_id))


# ---------------------------------------------------------------- the cockpit's views and actions

def _filters():
    return {k: request.args[k] for k in FILTERS if request.args.get(k)}


@bp.get("/cockpit/instances", endpoint="cockpit_instances")
def cockpit_instances():
    account = user()
    page, per_page = paging()
    rows, total, counted = instance_list.listed_and_counted(account, _filters(), page, per_page)
    return {**listing(instance_list.instance_rows(rows), total), "counts": counted}


@bp.get("/cockpit/counts", endpoint="cockpit_counts")
def cockpit_counts():
    return instance_list.counts(user(), _filters())


@bp.get("/instances/<int:instance_id>/overview", endpoint="cockpit_instance_overview")
def instance_overview(instance_id):
    return svc.instance_detail(user(), instance_id)


@bp.get("/instances/<int:instance_id>/migration", endpoint="cockpit_instance_migration")
def instance_migration(instance_id):
    version = request.args.get("version_id")
    number = db_int(version) if version else None
    if version is not None and number is None:
        raise BadRequest("version_id 须为整数", fields={"version_id": "须为整数"})
    return svc.migration_plan(user(), instance_id, number)


def _version_id(body):
    value = body.get("version_id")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise BadRequest("version_id 须为整数", fields={"version_id": "须为整数"})
    return value


@bp.post("/instances/<int:instance_id>/migrate", endpoint="cockpit_instance_migrate")
def instance_migrate(instance_id):
    body = json_body()
    row = svc.act(user(), instance_id, "migrate", body.get("reason", ""), _version_id(body))
    return instance_list.instance_row(row)


@bp.post("/instances/<int:instance_id>/retry", endpoint="cockpit_instance_retry")
def instance_retry(instance_id):
    row = svc.act(user(), instance_id, "retry", json_body().get("reason", ""))
    return instance_list.instance_row(row)


@bp.post("/instances/bulk", endpoint="cockpit_instances_bulk")
def instances_bulk():
    body = json_body()
    return svc.bulk(user(), body.get("ids"), body.get("action"), body.get("reason", ""), _version_id(body))


@bp.post("/tasks/<task_id>/data", endpoint="cockpit_task_edit_data")
def task_edit_data(task_id):
    body = json_body()
    svc.edit_task_data(user(), task_id, body.get("data"), body.get("reason", ""))
    return {"ok": True, "task_id": task_id}


@bp.post("/tasks/<task_id>/reassign", endpoint="cockpit_task_reassign")
def task_reassign(task_id):
    body = json_body()
    username = body.get("username")
    if username is not None and not isinstance(username, str):
        raise BadRequest("username 须为文字", fields={"username": "须为文字"})
    task = svc.reassign_task(user(), task_id, username, body.get("reason", ""))
    return {"id": task.id, "assignee": task.assignee, "state": task.state}


def _object_list(schema):
    return {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": schema}, "total": {"type": "integer"}}}


_ADMIN_ERR = ("400", "401", "403", "404", "409", "422")
_INT_FILTERS = ("version", "project_id", "year")
_FILTER_PARAMS = [{"name": n, "in": "query", "schema": {"type": "integer" if n in _INT_FILTERS else "string"}}
                  for n in FILTERS]
_VERSION_QUERY = [{"name": "version_id", "in": "query", "schema": {"type": "integer"}}]

add_paths({
    "/api/instances": {"get": operation("流程实例列表（管理员）", "admin", list_of("Instance"),
                                  params=PAGING + query_params("status", "process") + int_query_params("project_id"),
                                  errors=("400", "401", "403", "422"))},
    "/api/instances/{instance_id}": {"get": operation("流程实例详情（管理员）", "admin", REF("Instance"), params=[INSTANCE_ID])},
    **{f"/api/instances/{{instance_id}}/{action}": {"post": operation(label, "admin", REF("Instance"), params=[INSTANCE_ID],
                                                                body=REASON, errors=("400", "401", "403", "404", "409", "422"))}
       for action, label in (("suspend", "挂起实例"), ("resume", "恢复实例"), ("terminate", "终止实例"))},
    "/api/incidents": {"get": operation("故障列表（管理员）", "admin", list_of("Incident"), params=PAGING + query_params("status"),
                                  errors=("400", "401", "403", "422"))},
    "/api/incidents/{incident_id}/retry": {"post": operation("重试故障步骤（管理员）", "admin", REF("Incident"),
                                                       params=[path_param("incident_id")],
                                                       errors=("401", "403", "404", "409"))},
    "/api/cockpit/instances": {"get": operation("监控：实例列表（状态、阶段、部门、版本、逾期及建设年度、类别、预算/合同金额区间、当前环节筛选）与分阶段/状态计数", "cockpit",
                                          _object_list(REF("Instance")), params=PAGING + _FILTER_PARAMS,
                                          errors=("400", "401", "403", "422"))},
    "/api/cockpit/counts": {"get": operation("监控：按阶段、状态的实例计数", "cockpit", OBJ, params=_FILTER_PARAMS,
                                       errors=("401", "403", "422"))},
    "/api/instances/{instance_id}/overview": {"get": operation("监控：实例全貌（流程图与标记、待办及数据、定时器、审计、故障、迁移判断）",
                                                         "cockpit", OBJ, params=[INSTANCE_ID])},
    "/api/instances/{instance_id}/migration": {"get": operation("能否迁移到某版本（默认最新）及原因", "cockpit", OBJ,
                                                          params=[INSTANCE_ID, *_VERSION_QUERY],
                                                          errors=("400", "401", "403", "404"))},
    "/api/instances/{instance_id}/migrate": {"post": operation("迁移实例到某版本（默认最新；管理员）", "cockpit", OBJ,
                                                         params=[INSTANCE_ID], errors=_ADMIN_ERR,
                                                         body={"type": "object", "properties": {
                                                             "version_id": {"type": "integer"},
                                                             "reason": {"type": "string"}}})},
    "/api/instances/{instance_id}/retry": {"post": operation("重试实例的未处理故障（管理员）", "cockpit", OBJ,
                                                       params=[INSTANCE_ID], body=REASON, errors=_ADMIN_ERR)},
    "/api/instances/bulk": {"post": operation("批量挂起/恢复/重试/迁移，逐个返回结果（管理员）", "cockpit", OBJ,
                                        body={"type": "object", "required": ["action", "ids"], "properties": {
                                            "action": {"enum": list(svc.BULK_ACTIONS)},
                                            "ids": {"type": "array", "items": {"type": "integer"}},
                                            "reason": {"type": "string"}, "version_id": {"type": "integer"}}},
                                        errors=("400", "401", "403", "422"))},
    "/api/tasks/{task_id}/data": {"post": operation("修改任务数据（管理员，记审计）", "cockpit", OBJ, params=[TASK_ID],
                                              body={"type": "object", "required": ["data"], "properties": {
                                                  "data": OBJ, "reason": {"type": "string"}}}, errors=_ADMIN_ERR)},
    "/api/tasks/{task_id}/reassign": {"post": operation("改派任务（管理员）", "cockpit", OBJ, params=[TASK_ID],
                                                  body={"type": "object", "properties": {
                                                      "username": {"type": ["string", "null"]},
                                                      "reason": {"type": "string"}}}, errors=_ADMIN_ERR)},
})
