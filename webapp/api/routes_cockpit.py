"""Cockpit (管理监控) and modeler (流程建模) endpoints — issue 5. Thin: parse, call webapp.admin.services.

Their OpenAPI entries are OPENAPI_PATHS below (openapi.py merges them), next to the routes they describe.
"""
from flask import request

from ..admin import services as svc
from . import BadRequest, bp, json_body, listing, paging, user

FILTERS = ("state", "status", "stage", "department", "version", "process", "project_id", "overdue")


def _filters():
    return {k: request.args[k] for k in FILTERS if request.args.get(k)}


@bp.get("/cockpit/instances", endpoint="cockpit_instances")
def cockpit_instances():
    account = user()
    page, per_page = paging()
    rows, total = svc.list_instances(account, _filters(), page, per_page)
    return {**listing(svc.instance_rows(rows), total), "counts": svc.counts(account, _filters())}


@bp.get("/cockpit/counts", endpoint="cockpit_counts")
def cockpit_counts():
    return svc.counts(user(), _filters())


@bp.get("/instances/<int:instance_id>/overview", endpoint="cockpit_instance_overview")
def instance_overview(instance_id):
    return svc.instance_detail(user(), instance_id)


@bp.get("/instances/<int:instance_id>/migration", endpoint="cockpit_instance_migration")
def instance_migration(instance_id):
    version = request.args.get("version_id")
    if version is not None and not version.isdigit():
        raise BadRequest("version_id 须为整数", fields={"version_id": "须为整数"})
    return svc.migration_plan(user(), instance_id, int(version) if version else None)


def _version_id(body):
    value = body.get("version_id")
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise BadRequest("version_id 须为整数", fields={"version_id": "须为整数"})
    return value


@bp.post("/instances/<int:instance_id>/migrate", endpoint="cockpit_instance_migrate")
def instance_migrate(instance_id):
    body = json_body()
    row = svc.act(user(), instance_id, "migrate", body.get("reason", ""), _version_id(body))
    return svc.instance_row(row)


@bp.post("/instances/<int:instance_id>/retry", endpoint="cockpit_instance_retry")
def instance_retry(instance_id):
    row = svc.act(user(), instance_id, "retry", json_body().get("reason", ""))
    return svc.instance_row(row)


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


@bp.get("/models/<int:version_id>/heat", endpoint="cockpit_model_heat")
def model_heat(version_id):
    return svc.heat(user(), version_id, request.args.get("process") or "lifecycle")


@bp.get("/models/<int:version_id>/file", endpoint="cockpit_model_file")
def model_file(version_id):
    name = request.args.get("name")
    if not name:
        raise BadRequest("请给出文件名 name", fields={"name": "必填"})
    return {"version_id": version_id, "name": name, "content": svc.file_of(user(), version_id, name)}


@bp.get("/drafts", endpoint="cockpit_drafts")
def drafts():
    account = user()
    mine = request.args.get("mine") in ("1", "true")
    rows = svc.open_drafts(account, account.username if mine else None)
    return listing([svc.draft_dict(d) for d in rows], len(rows))


@bp.post("/drafts", endpoint="cockpit_save_draft")
def save_draft():
    body = json_body()
    draft, problems = svc.save_draft(user(), body.get("name"), body.get("content"), body.get("base_version_id"),
                                     body.get("draft_id"), body.get("note"))
    return {**svc.draft_dict(draft), "problems": problems}, 201


@bp.post("/drafts/validate", endpoint="cockpit_validate_draft")
def validate_draft():
    body = json_body()
    problems = svc.validate_change(user(), body.get("name"), body.get("content"))
    return {"ok": not problems, "problems": problems}


@bp.get("/drafts/<int:draft_id>", endpoint="cockpit_get_draft")
def get_draft(draft_id):
    return svc.draft_dict(svc.get_draft(user(), draft_id), content=True)


@bp.delete("/drafts/<int:draft_id>", endpoint="cockpit_delete_draft")
def delete_draft(draft_id):
    svc.discard_draft(user(), draft_id)
    return "", 204


@bp.get("/drafts/<int:draft_id>/compare", endpoint="cockpit_compare_draft")
def compare_draft(draft_id):
    version = request.args.get("version_id")
    return svc.compare_draft(user(), draft_id, int(version) if version and version.isdigit() else None)


@bp.post("/drafts/deploy", endpoint="cockpit_deploy_drafts")
def deploy_drafts():
    body = json_body()
    ids = body.get("drafts")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise BadRequest("drafts 须为草稿编号列表", fields={"drafts": "须为整数列表"})
    note = body.get("note")
    version = svc.deploy_drafts(user(), ids, note if isinstance(note, str) else None)
    from ..services import models as model_service

    return {**model_service.version_dict(version), "created": True}, 201


@bp.post("/forms/preview", endpoint="cockpit_form_preview")
def form_preview():
    body = json_body()
    data = body.get("data")
    if data is not None and not isinstance(data, dict):
        raise BadRequest("data 须为对象", fields={"data": "须为对象"})
    schema = body.get("schema")
    if schema is not None and not isinstance(schema, (dict, str)):
        raise BadRequest("schema 须为对象或 JSON 文本", fields={"schema": "须为对象或 JSON 文本"})
    return svc.preview_form(user(), schema, data)


# ---------------------------------------------------------------- OpenAPI entries of the routes above
# (openapi.py imports the route modules first, so its helpers are mirrored here rather than imported)

def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


_ERROR_TEXT = {"400": "请求格式错误", "401": "未登录或令牌无效", "403": "无权操作", "404": "不存在或无权查看",
               "409": "状态冲突", "422": "数据校验未通过"}
OBJ = {"type": "object"}
REASON = {"type": "object", "properties": {"reason": {"type": "string"}}}
PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "default": 1}},
          {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}]


def _op(summary, tag, ok=None, status="200", body=None, params=(), errors=("401", "403", "404")):
    responses = {status: {"description": "成功", **({"content": {"application/json": {"schema": ok}}} if ok else {})}}
    responses.update({c: {"description": _ERROR_TEXT[c], "content": {"application/json": {"schema": _ref("Error")}}}
                      for c in errors})
    operation = {"summary": summary, "tags": [tag], "parameters": list(params), "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return operation


def _path(name, type_="integer"):
    return {"name": name, "in": "path", "required": True, "schema": {"type": type_}}


def _query(*names):
    return [{"name": n, "in": "query", "schema": {"type": "string"}} for n in names]


def _list_of(schema):
    return {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": schema}, "total": {"type": "integer"}}}


INSTANCE_ID, TASK_ID = _path("instance_id"), _path("task_id", "string")

_ADMIN_ERR = ("400", "401", "403", "404", "409", "422")
_INT_FILTERS = ("version", "project_id")
_FILTER_PARAMS = [{"name": n, "in": "query", "schema": {"type": "integer" if n in _INT_FILTERS else "string"}}
                  for n in FILTERS]
_VERSION_QUERY = [{"name": "version_id", "in": "query", "schema": {"type": "integer"}}]
_DRAFT = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                           "author": {"type": "string"}, "status": {"type": "string"},
                                           "base_version_id": {"type": ["integer", "null"]}}}
_DRAFT_ID = _path("draft_id")
_VERSION_ID = _path("version_id")

OPENAPI_PATHS = {
    "/api/cockpit/instances": {"get": _op("监控：实例列表（状态、阶段、部门、版本、逾期筛选）与分阶段/状态计数", "cockpit",
                                          _list_of(_ref("Instance")), params=PAGING + _FILTER_PARAMS,
                                          errors=("400", "401", "403", "422"))},
    "/api/cockpit/counts": {"get": _op("监控：按阶段、状态的实例计数", "cockpit", OBJ, params=_FILTER_PARAMS,
                                       errors=("401", "403", "422"))},
    "/api/instances/{instance_id}/overview": {"get": _op("监控：实例全貌（流程图与标记、待办及数据、定时器、审计、故障、迁移判断）",
                                                         "cockpit", OBJ, params=[INSTANCE_ID])},
    "/api/instances/{instance_id}/migration": {"get": _op("能否迁移到某版本（默认最新）及原因", "cockpit", OBJ,
                                                          params=[INSTANCE_ID, *_VERSION_QUERY],
                                                          errors=("400", "401", "403", "404"))},
    "/api/instances/{instance_id}/migrate": {"post": _op("迁移实例到某版本（默认最新；管理员）", "cockpit", OBJ,
                                                         params=[INSTANCE_ID], errors=_ADMIN_ERR,
                                                         body={"type": "object", "properties": {
                                                             "version_id": {"type": "integer"},
                                                             "reason": {"type": "string"}}})},
    "/api/instances/{instance_id}/retry": {"post": _op("重试实例的未处理故障（管理员）", "cockpit", OBJ,
                                                       params=[INSTANCE_ID], body=REASON, errors=_ADMIN_ERR)},
    "/api/instances/bulk": {"post": _op("批量挂起/恢复/重试/迁移，逐个返回结果（管理员）", "cockpit", OBJ,
                                        body={"type": "object", "required": ["action", "ids"], "properties": {
                                            "action": {"enum": list(svc.BULK_ACTIONS)},
                                            "ids": {"type": "array", "items": {"type": "integer"}},
                                            "reason": {"type": "string"}, "version_id": {"type": "integer"}}},
                                        errors=("400", "401", "403", "422"))},
    "/api/tasks/{task_id}/data": {"post": _op("修改任务数据（管理员，记审计）", "cockpit", OBJ, params=[TASK_ID],
                                              body={"type": "object", "required": ["data"], "properties": {
                                                  "data": OBJ, "reason": {"type": "string"}}}, errors=_ADMIN_ERR)},
    "/api/tasks/{task_id}/reassign": {"post": _op("改派任务（管理员）", "cockpit", OBJ, params=[TASK_ID],
                                                  body={"type": "object", "properties": {
                                                      "username": {"type": ["string", "null"]},
                                                      "reason": {"type": "string"}}}, errors=_ADMIN_ERR)},
    "/api/models/{version_id}/heat": {"get": _op("各流程元素当前停留的实例数（热力图）", "models", OBJ,
                                                 params=[_VERSION_ID, *_query("process")])},
    "/api/models/{version_id}/file": {"get": _op("某版本中一个文件的内容", "models", OBJ,
                                                 params=[_VERSION_ID, *_query("name")],
                                                 errors=("400", "401", "403", "404"))},
    "/api/drafts": {
        "get": _op("未部署的模型草稿", "models", _list_of(_DRAFT), params=_query("mine"), errors=("401", "403")),
        "post": _op("保存草稿（返回按整套模型校验的问题）", "models", _DRAFT, "201",
                    body={"type": "object", "required": ["name", "content"], "properties": {
                        "name": {"type": "string"}, "content": {"type": "string"},
                        "base_version_id": {"type": "integer"}, "draft_id": {"type": "integer"},
                        "note": {"type": "string"}}}, errors=("400", "401", "403", "404", "422")),
    },
    "/api/drafts/validate": {"post": _op("校验一个改动后的文件（与最新版本其余文件一起）", "models", OBJ,
                                         body={"type": "object", "required": ["name", "content"], "properties": {
                                             "name": {"type": "string"}, "content": {"type": "string"}}},
                                         errors=("400", "401", "403", "422"))},
    "/api/drafts/{draft_id}": {
        "get": _op("草稿内容", "models", _DRAFT, params=[_DRAFT_ID]),
        "delete": _op("删除草稿", "models", status="204", params=[_DRAFT_ID]),
    },
    "/api/drafts/{draft_id}/compare": {"get": _op("草稿与已部署版本的差异（元素增删改与文本差异）", "models", OBJ,
                                                  params=[_DRAFT_ID, *_VERSION_QUERY])},
    "/api/drafts/deploy": {"post": _op("以最新版本的全部文件加草稿部署为新版本（业务分析员、管理员）", "models",
                                       _ref("ModelVersion"), "201",
                                       body={"type": "object", "required": ["drafts"], "properties": {
                                           "drafts": {"type": "array", "items": {"type": "integer"}},
                                           "note": {"type": "string"}}}, errors=_ADMIN_ERR)},
    "/api/forms/preview": {"post": _op("表单预览与校验：schema 与样例数据 → 字段错误与 HTML", "models", OBJ,
                                       body={"type": "object", "required": ["schema"], "properties": {
                                           "schema": {"type": ["object", "string"]}, "data": OBJ}},
                                       errors=("400", "401", "403"))},
}
