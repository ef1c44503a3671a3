"""The OpenAPI 3.1 document of /api. Written out by hand, next to the routes: each area's api.py adds the
entries of its routes with `add_paths`, built with `operation`; tests/api/test_models_openapi.py checks
the document against the routes.
"""
from flask import render_template

from .api import bp

REF = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731
ERRORS = {code: {"description": text, "content": {"application/json": {"schema": REF("Error")}}}
          for code, text in (("400", "请求格式错误"), ("401", "未登录或令牌无效"), ("403", "无权操作"),
                             ("404", "不存在或无权查看"), ("409", "状态冲突"), ("422", "数据校验未通过"))}
PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "default": 1}},
          {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}]


def _json(schema):
    return {"content": {"application/json": {"schema": schema}}}


def operation(summary, tag, ok=None, status="200", body=None, params=(), errors=("401", "403", "404"), public=False):
    """One operation: its success answer (`ok` schema), request body, parameters and error answers."""
    out = {"summary": summary, "tags": [tag], "parameters": list(params),
           "responses": {status: {"description": "成功", **(_json(ok) if ok else {})},
                         **{c: ERRORS[c] for c in errors}}}
    if body is not None:
        out["requestBody"] = {"required": True, **(body if "content" in body else _json(body))}
    if public:
        out["security"] = []
    return out


def path_param(name, type_="integer"):
    return {"name": name, "in": "path", "required": True, "schema": {"type": type_}}


def query_params(*names):
    return [{"name": n, "in": "query", "schema": {"type": "string"}} for n in names]


def int_query_params(*names):
    return [{"name": n, "in": "query", "schema": {"type": "integer"}} for n in names]


def list_of(name):
    return {"allOf": [REF("List"), {"properties": {"items": {"type": "array", "items": REF(name)}}}]}


OBJ = {"type": "object"}
REASON = {"type": "object", "properties": {"reason": {"type": "string"}}}
DATA = {"type": "object", "required": ["data"], "properties": {"data": {"type": "object"}}}
TASK_ID, INSTANCE_ID = path_param("task_id", "string"), path_param("instance_id")

PATHS = {  # every area's api.py adds its routes' entries with add_paths
    "/api/openapi.json": {"get": operation("本文档", "meta", OBJ, errors=(), public=True)},
    "/api/docs": {"get": {"summary": "接口文档页面（Swagger UI，展示本文档）", "tags": ["meta"], "parameters": [],
                          "responses": {"200": {"description": "HTML 页面",
                                                "content": {"text/html": {"schema": {"type": "string"}}}}},
                          "security": []}},
}


def add_paths(paths):
    """Called by an area's api.py with the OpenAPI entries of its routes ({"/api/…": {"get": {…}}})."""
    PATHS.update(paths)


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


def document():
    return {**DOCUMENT, "paths": {path: {method: _api_wide(op) for method, op in ops.items()}
                                  for path, ops in sorted(PATHS.items())}}


def _api_wide(operation):
    """The answers the API gives every operation: 400 for a query or body it cannot read (bad JSON, NUL
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


@bp.get("/docs", endpoint="docs")
def docs():
    """The OpenAPI document rendered by the bundled Swagger UI (frontend/apidocs.js; no CDN)."""
    return render_template("apidocs.html")


@bp.get("/openapi.json", endpoint="openapi")
def openapi():
    return document()
