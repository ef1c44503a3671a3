"""Administration: instances and incidents (admin), model versions and deployment (analyst, admin)."""
from flask import request

from ..admin import services as svc
from ..services import models
from . import BadRequest, bp, json_body, listing, paging, user


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
    rows, total = svc.list_instances(account, filters, page, per_page)
    return listing(svc.instance_rows(rows), total)


@bp.get("/instances/<int:instance_id>")
def get_instance(instance_id):
    return svc.instance_work(svc.get_instance(_admin(), instance_id))


def _act(instance_id, action):
    row = svc.act(user(), instance_id, action, json_body().get("reason", ""))
    return svc.instance_row(row)


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


@bp.get("/models")
def list_models():
    page, per_page = paging()
    rows, total = models.list_versions(user(), page, per_page)
    return listing([models.version_dict(v) for v in rows], total)


@bp.get("/models/<int:version_id>")
def get_model(version_id):
    return models.version_dict(models.get_version(user(), version_id), detail=True)


@bp.post("/models")
def deploy_models():
    """multipart `files` (diagrams, forms or a zip of them), or JSON {"files": {name: content}}."""
    account = user()
    models.require_modeller(account)
    if request.mimetype == "multipart/form-data":
        uploads = request.files.getlist("files") or request.files.getlist("file")
        files = {}
        for upload in uploads:
            data = upload.read()
            if (upload.filename or "").lower().endswith(".zip"):
                files.update(models.files_from_zip(data))
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
    version, created = models.deploy(account, files, replace=replace, note=note if isinstance(note, str) else None)
    return {**models.version_dict(version), "created": created}, 201 if created else 200
