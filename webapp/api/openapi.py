"""The OpenAPI 3.1 document of /api. Written out by hand; tests/api/test_models_openapi.py checks it
against the routes. Another area's routes_*.py adds its paths with OPENAPI_PATHS (or PATHS.update), built
with `operation`.
"""
from ..services.files import CONTENT_TYPES
from . import bp

REF = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731
ERRORS = {code: {"description": text, "content": {"application/json": {"schema": REF("Error")}}}
          for code, text in (("400", "请求格式错误"), ("401", "未登录或令牌无效"), ("403", "无权操作"),
                             ("404", "不存在或无权查看"), ("409", "状态冲突"), ("422", "数据校验未通过"))}
PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "default": 1}},
          {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}]


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


def _op(summary, tag, ok=None, status="200", body=None, params=(), errors=("401", "403", "404"), public=False):
    operation = {"summary": summary, "tags": [tag], "parameters": list(params),
                 "responses": {status: {"description": "成功", **(_json(ok) if ok else {})},
                               **{c: ERRORS[c] for c in errors}}}
    if body is not None:
        operation["requestBody"] = {"required": True, **(body if "content" in body else _json(body))}
    if public:
        operation["security"] = []
    return operation


def _path(name, type_="integer"):
    return {"name": name, "in": "path", "required": True, "schema": {"type": type_}}


def _query(*names):
    return [{"name": n, "in": "query", "schema": {"type": "string"}} for n in names]


def _int_query(*names):
    return [{"name": n, "in": "query", "schema": {"type": "integer"}} for n in names]


def _list_of(name):
    return {"allOf": [REF("List"), {"properties": {"items": {"type": "array", "items": REF(name)}}}]}


OBJ = {"type": "object"}
REASON = {"type": "object", "properties": {"reason": {"type": "string"}}}
DATA = {"type": "object", "required": ["data"], "properties": {"data": {"type": "object"}}}
TASK_ID, INSTANCE_ID = _path("task_id", "string"), _path("instance_id")

PATHS = {
    "/api/auth/token": {
        "post": _op("获取身份令牌（12 小时有效）", "auth", {"type": "object", "properties": {
            "token": {"type": "string"}, "token_type": {"const": "Bearer"},
            "expires_at": {"type": "string", "format": "date-time"}}},
            body={"type": "object", "required": ["username", "password"], "properties": {
                "username": {"type": "string"}, "password": {"type": "string"}}},
            errors=("400", "401", "403"), public=True),
        "delete": _op("撤销当前令牌", "auth", status="204", errors=("401",)),
    },
    "/api/me": {"get": _op("当前用户、待办计数与未读通知数", "auth", REF("User"), errors=("401",))},
    "/api/projects": {
        "post": _op("新建项目并启动全流程（部门用户）", "projects", REF("Project"), "201",
                    body={"type": "object", "required": ["name", "build_year"], "properties": {
                        "name": {"type": "string", "maxLength": 200}, "build_year": {"type": "integer"},
                        "budget_wan": {"type": ["number", "null"], "minimum": 0}}},
                    errors=("400", "401", "403", "422")),
        "get": _op("项目列表（按可见范围）", "projects", _list_of("Project"),
                   params=PAGING + _int_query("year") + _query("stage", "department", "status", "overdue", "q"),
                   errors=("400", "401", "422")),
    },
    "/api/projects/{project_id}": {"get": _op("项目详情：待办任务、历史、已提交表单", "projects", REF("ProjectDetail"),
                                              params=[_path("project_id")])},
    "/api/tasks": {"get": _op("我的及本组待办（done=1：已办）", "tasks", _list_of("Task"),
                              params=PAGING + _int_query("project_id") + _query("done", "overdue", "soon", "mine",
                                                                                  "unassigned", "stage", "q"),
                              errors=("400", "401", "422"))},
    "/api/tasks/{task_id}": {"get": _op("任务详情，含表单 JSON Schema 与预填数据", "tasks", REF("TaskDetail"),
                                        params=[TASK_ID])},
    "/api/tasks/{task_id}/claim": {"post": _op("签收任务", "tasks", REF("Task"), params=[TASK_ID],
                                               errors=("401", "403", "404", "409"))},
    "/api/tasks/{task_id}/unclaim": {"post": _op("退回签收", "tasks", REF("Task"), params=[TASK_ID],
                                                 errors=("401", "403", "404", "409"))},
    "/api/tasks/{task_id}/complete": {"post": _op("提交表单并办结任务", "tasks", OBJ, params=[TASK_ID], body=DATA,
                                                  errors=("400", "401", "403", "404", "409", "422"))},
    "/api/tasks/{task_id}/draft": {"post": _op("保存草稿", "tasks", OBJ, params=[TASK_ID], body=DATA,
                                               errors=("400", "401", "403", "404", "409", "422"))},
    "/api/instances": {"get": _op("流程实例列表（管理员）", "admin", _list_of("Instance"),
                                  params=PAGING + _query("status", "process") + _int_query("project_id"),
                                  errors=("400", "401", "403", "422"))},
    "/api/instances/{instance_id}": {"get": _op("流程实例详情（管理员）", "admin", REF("Instance"), params=[INSTANCE_ID])},
    **{f"/api/instances/{{instance_id}}/{action}": {"post": _op(label, "admin", REF("Instance"), params=[INSTANCE_ID],
                                                                body=REASON, errors=("400", "401", "403", "404", "409", "422"))}
       for action, label in (("suspend", "挂起实例"), ("resume", "恢复实例"), ("terminate", "终止实例"))},
    "/api/incidents": {"get": _op("故障列表（管理员）", "admin", _list_of("Incident"), params=PAGING + _query("status"),
                                  errors=("400", "401", "403", "422"))},
    "/api/incidents/{incident_id}/retry": {"post": _op("重试故障步骤（管理员）", "admin", REF("Incident"),
                                                       params=[_path("incident_id")],
                                                       errors=("401", "403", "404", "409"))},
    "/api/models": {
        "get": _op("模型版本列表（业务分析员、管理员）", "models", _list_of("ModelVersion"), params=PAGING,
                   errors=("400", "401", "403")),
        "post": _op("上传、校验并部署模型（未变化时返回已有版本，200）", "models", REF("ModelVersion"), "201",
                    body={"content": {
                        "multipart/form-data": {"schema": {"type": "object", "properties": {
                            "files": {"type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"}},
                            "replace": {"type": "boolean"}, "note": {"type": "string"}}}},
                        "application/json": {"schema": {"type": "object", "required": ["files"], "properties": {
                            "files": {"type": "object", "additionalProperties": {"type": "string"}},
                            "replace": {"type": "boolean"}, "note": {"type": "string"}}}}}},
                    errors=("400", "401", "403", "422")),
    },
    "/api/models/{version_id}": {"get": _op("模型版本详情，含文件内容", "models", REF("ModelVersion"),
                                            params=[_path("version_id")])},
    "/api/files": {"post": _op("上传文件（pdf、doc、docx、xls、xlsx、png、jpg、zip、ofd、txt）", "files", REF("File"), "201",
                               body={"content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                     "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"},
                                                    "project_id": {"type": "integer"}}}}}},
                               errors=("400", "401", "404", "422"))},
    "/api/files/{file_id}": {"get": {**_op("下载文件（须能查看其所属项目）", "files", params=[_path("file_id", "string")]),
                                     "responses": {"200": {"description": "文件内容（按文件类型）",
                                                           "content": {t.split(";")[0]: {} for t in CONTENT_TYPES.values()}},
                                                   **{c: ERRORS[c] for c in ("401", "404")}}}},
    "/api/notifications": {"get": _op("我的提醒、逾期与督办通知", "notifications", _list_of("Notification"),
                                      params=PAGING + _query("unread"), errors=("400", "401"))},
    "/api/notifications/read": {"post": _op("标记通知已读（ids 或 all）", "notifications",
                                            {"type": "object", "properties": {"unread": {"type": "integer"}}},
                                            body={"type": "object", "properties": {
                                                "ids": {"type": "array", "items": {"type": "integer"}},
                                                "all": {"type": "boolean"}}}, errors=("400", "401", "422"))},
    "/api/openapi.json": {"get": _op("本文档", "meta", OBJ, errors=(), public=True)},
}

STR, INT, BOOL, TIME = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": ["string", "null"], "format": "date-time"}
NSTR, NINT = {"type": ["string", "null"]}, {"type": ["integer", "null"]}
TASK = {"type": "object", "required": ["id", "name", "bpmn_id", "project_id", "instance_id", "lane", "groups", "assignee",
                                       "state", "form", "created", "due", "overdue"],
        "properties": {"id": STR, "name": STR, "bpmn_id": STR, "project_id": NINT, "instance_id": INT, "lane": NSTR,
                       "groups": {"type": "array", "items": STR}, "assignee": NSTR,
                       "state": {"enum": ["ready", "completed", "cancelled"]}, "form": NSTR, "created": TIME,
                       "due": TIME, "overdue": BOOL, "project_name": NSTR, "stage": NSTR,
                       "due_level": {"enum": ["overdue", "soon", "normal"]}}}
PROJECT = {"type": "object", "required": ["id", "name", "department", "stage", "status", "budget_wan", "build_year"],
           "properties": {"id": INT, "name": STR, "department": STR, "department_name": NSTR,
                          "stage": {"enum": ["谋划", "申报", "实施", "验收", "运维", "已结束"]},
                          "status": STR, "budget_wan": {"type": ["number", "null"]}, "build_year": INT,
                          "created_at": TIME, "instance_id": NINT}}

COMPONENTS = {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                        "session": {"type": "apiKey", "in": "cookie", "name": "session"}},
    "schemas": {
        "Error": {"type": "object", "required": ["error", "message", "fields"], "properties": {
            "error": STR, "message": STR, "fields": {"type": "object", "additionalProperties": STR},
            "problems": {"type": "array", "items": {"type": "object", "properties": {
                "file": NSTR, "element_id": NSTR, "line": NINT, "message": STR}}}}},
        "List": {"type": "object", "required": ["items", "total"], "properties": {
            "items": {"type": "array"}, "total": INT}},
        "Task": TASK,
        "TaskDetail": {"allOf": [REF("Task"), {"type": "object", "properties": {
            "form_schema": {"type": ["object", "null"]}, "data": OBJ, "instructions": NSTR}}]},
        "Project": PROJECT,
        "ProjectDetail": {"allOf": [REF("Project"), {"type": "object", "properties": {
            "tasks": {"type": "array", "items": REF("Task")}, "history": {"type": "array", "items": OBJ},
            "submissions": {"type": "array", "items": OBJ}}}]},
        "User": {"type": "object", "properties": {"username": STR, "display_name": STR, "department": NSTR,
                                                   "groups": {"type": "array", "items": STR}, "counts": OBJ}},
        "Instance": {"type": "object", "properties": {"id": INT, "process_id": STR, "project_id": NINT,
                                                       "status": STR, "stage": NSTR, "variables": OBJ}},
        "Incident": {"type": "object", "properties": {"id": INT, "instance_id": INT, "error": STR, "status": STR}},
        "ModelVersion": {"type": "object", "properties": {"id": INT, "content_hash": STR,
                                                           "files": {"type": "array", "items": STR}}},
        "File": {"type": "object", "required": ["id"], "properties": {"id": STR, "filename": STR, "size": INT,
                                                                      "sha256": STR, "project_id": NINT}},
        "Notification": {"type": "object", "properties": {"id": INT, "kind": STR, "message": STR, "read": BOOL}},
    },
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "六安市电子政务项目全流程管理 API", "version": "1.0",
             "description": "先 POST /api/auth/token 取得令牌，再以 Authorization: Bearer <token> 调用。"
                            "列表统一为 {items, total}，分页参数 page、per_page（上限 100）。"
                            "错误统一为 {error, message, fields}。"},
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}, {"session": []}],
    "paths": PATHS,
    "components": COMPONENTS,
}


operation = _op  # for other areas' OPENAPI_PATHS


def document():
    from . import ROUTE_MODULES  # late: route modules import this one while the package loads

    paths = dict(PATHS)
    for module in ROUTE_MODULES:
        paths.update(getattr(module, "OPENAPI_PATHS", {}))
    return {**DOCUMENT, "paths": {path: {method: _api_wide(op) for method, op in ops.items()}
                                  for path, ops in sorted(paths.items())}}


def _api_wide(operation):
    """The answers webapp.api gives every operation: 400 for a query or body it cannot read (bad JSON, NUL
    characters), 404 for a path id that matches nothing."""
    where = {p.get("in") for p in operation.get("parameters", ())}
    extra = {}
    if "query" in where or "requestBody" in operation:
        extra["400"] = ERRORS["400"]
    if "path" in where:
        extra["404"] = ERRORS["404"]
    missing = {code: answer for code, answer in extra.items() if code not in operation["responses"]}
    if not missing:
        return operation
    return {**operation, "responses": dict(sorted({**operation["responses"], **missing}.items()))}


@bp.get("/openapi.json", endpoint="openapi")
def openapi():
    return document()
