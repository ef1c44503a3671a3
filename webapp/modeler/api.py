"""JSON API of the modeler (流程建模): model versions and deploying uploads, a version's files and heat,
drafts, comparing, the form editor's preview. Thin: parse, call the modeler's services."""
from flask import request

from ..core.api import BadRequest, bp, json_body, listing, paging, user
from ..core.openapi import OBJ, PAGING, REF, add_paths, list_of, operation, path_param, query_params
from ..core.records import db_int
from . import services as svc


@bp.get("/models")
def list_models():
    page, per_page = paging()
    rows, total = svc.list_versions(user(), page, per_page)
    return listing([svc.version_dict(v) for v in rows], total)


@bp.get("/models/<int:version_id>")
def get_model(version_id):
    return svc.version_dict(svc.get_version(user(), version_id), detail=True)


@bp.post("/models")
def deploy_models():
    """multipart `files` (diagrams, forms or a zip of them), or JSON {"files": {name: content}}."""
    account = user()
    svc.require_modeller(account)
    if request.mimetype == "multipart/form-data":
        uploads = request.files.getlist("files") or request.files.getlist("file")
        files = {}
        for upload in uploads:
            data = upload.read()
            if (upload.filename or "").lower().endswith(".zip"):
                files.update(svc.files_from_zip(data))
            else:
                files[upload.filename or ""] = data
        replace = request.form.get("replace") in ("1", "true", "yes")
        note = request.form.get("note")
    else:
        body = json_body()
        files = body.get("files")
        if not isinstance(files, dict):
            raise BadRequest("请求体须为 {\"files\": {文件名: 内容}}", fields={"files": "须为对象"})
        replace, note = body.get("replace") is True, body.get("note")
    version, created = svc.deploy(account, files, replace=replace, note=note if isinstance(note, str) else None)
    return {**svc.version_dict(version), "created": created}, 201 if created else 200


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
    number = db_int(version) if version else None
    if version and number is None:
        raise BadRequest("version_id 须为整数", fields={"version_id": "须为整数"})
    return svc.compare_draft(user(), draft_id, number)


@bp.post("/drafts/deploy", endpoint="cockpit_deploy_drafts")
def deploy_drafts():
    body = json_body()
    ids = body.get("drafts")
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise BadRequest("drafts 须为草稿编号列表", fields={"drafts": "须为整数列表"})
    note = body.get("note")
    version = svc.deploy_drafts(user(), ids, note if isinstance(note, str) else None)
    return {**svc.version_dict(version), "created": True}, 201


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


def _object_list(schema):
    return {"type": "object", "required": ["items", "total"], "properties": {
        "items": {"type": "array", "items": schema}, "total": {"type": "integer"}}}


_ADMIN_ERR = ("400", "401", "403", "404", "409", "422")
_VERSION_QUERY = [{"name": "version_id", "in": "query", "schema": {"type": "integer"}}]
_DRAFT = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                           "author": {"type": "string"}, "status": {"type": "string"},
                                           "base_version_id": {"type": ["integer", "null"]}}}
_DRAFT_ID = path_param("draft_id")
_VERSION_ID = path_param("version_id")

add_paths({
    "/api/models": {
        "get": operation("模型版本列表（业务分析员、管理员）", "models", list_of("ModelVersion"), params=PAGING,
                   errors=("400", "401", "403")),
        "post": operation("上传、校验并部署模型（未变化时返回已有版本，200）", "models", REF("ModelVersion"), "201",
                    body={"content": {
                        "multipart/form-data": {"schema": {"type": "object", "properties": {
                            "files": {"type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"}},
                            "replace": {"type": "boolean"}, "note": {"type": "string"}}}},
                        "application/json": {"schema": {"type": "object", "required": ["files"], "properties": {
                            "files": {"type": "object", "additionalProperties": {"type": "string"}},
                            "replace": {"type": "boolean"}, "note": {"type": "string"}}}}}},
                    errors=("400", "401", "403", "422")),
    },
    "/api/models/{version_id}": {"get": operation("模型版本详情，含文件内容", "models", REF("ModelVersion"),
                                            params=[path_param("version_id")])},
    "/api/models/{version_id}/heat": {"get": operation("各流程元素当前停留的实例数（热力图）", "models", OBJ,
                                                 params=[_VERSION_ID, *query_params("process")])},
    "/api/models/{version_id}/file": {"get": operation("某版本中一个文件的内容", "models", OBJ,
                                                 params=[_VERSION_ID, *query_params("name")],
                                                 errors=("400", "401", "403", "404"))},
    "/api/drafts": {
        "get": operation("未部署的模型草稿", "models", _object_list(_DRAFT), params=query_params("mine"), errors=("401", "403")),
        "post": operation("保存草稿（返回按整套模型校验的问题）", "models", _DRAFT, "201",
                    body={"type": "object", "required": ["name", "content"], "properties": {
                        "name": {"type": "string"}, "content": {"type": "string"},
                        "base_version_id": {"type": "integer"}, "draft_id": {"type": "integer"},
                        "note": {"type": "string"}}}, errors=("400", "401", "403", "404", "422")),
    },
    "/api/drafts/validate": {"post": operation("校验一个改动后的文件（与最新版本其余文件一起）", "models", OBJ,
                                         body={"type": "object", "required": ["name", "content"], "properties": {
                                             "name": {"type": "string"}, "content": {"type": "string"}}},
                                         errors=("400", "401", "403", "422"))},
    "/api/drafts/{draft_id}": {
        "get": operation("草稿内容", "models", _DRAFT, params=[_DRAFT_ID]),
        "delete": operation("删除草稿", "models", status="204", params=[_DRAFT_ID], errors=("401", "403", "404", "409")),
    },
    "/api/drafts/{draft_id}/compare": {"get": operation("草稿与已部署版本的差异（元素增删改与文本差异）", "models", OBJ,
                                                  params=[_DRAFT_ID, *_VERSION_QUERY])},
    "/api/drafts/deploy": {"post": operation("以最新版本的全部文件加草稿部署为新版本（业务分析员、管理员）", "models",
                                       REF("ModelVersion"), "201",
                                       body={"type": "object", "required": ["drafts"], "properties": {
                                           "drafts": {"type": "array", "items": {"type": "integer"}},
                                           "note": {"type": "string"}}}, errors=_ADMIN_ERR)},
    "/api/forms/preview": {"post": operation("表单预览与校验：schema 与样例数据 → 字段错误与 HTML", "models", OBJ,
                                       body={"type": "object", "required": ["schema"], "properties": {
                                           "schema": {"type": ["object", "string"]}, "data": OBJ}},
                                       errors=("400", "401", "403"))},
})
