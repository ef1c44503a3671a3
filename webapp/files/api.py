"""JSON API of files: upload and download of documents."""
from io import BytesIO

from flask import request, send_file

from ..core.api import bp, user
from ..core.openapi import ERRORS, REF, add_paths, operation, path_param
from . import services as files
from .services import CONTENT_TYPES


@bp.post("/files")
def upload_file():
    account = user()
    stored = files.store_upload(account, request.files.get("file"), request.form.get("project_id"))
    return files.file_dict(stored), 201


@bp.get("/files/<file_id>")
def download_file(file_id):
    stored = files.get_file_for(user(), file_id)
    response = send_file(BytesIO(stored.data), mimetype=stored.content_type, as_attachment=True,
                         download_name=stored.filename, etag=stored.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Checksum-SHA256"] = stored.sha256
    return response


add_paths({
    "/api/files": {"post": operation("上传文件（pdf、doc、docx、xls、xlsx、png、jpg、zip、ofd、txt）", "files", REF("File"), "201",
                               body={"content": {"multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                     "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream"},
                                                    "project_id": {"type": "integer"}}}}}},
                               errors=("400", "401", "404", "422"))},
    "/api/files/{file_id}": {"get": {**operation("下载文件（须能查看其所属项目）", "files", params=[path_param("file_id", "string")]),
                                     "responses": {"200": {"description": "文件内容（按文件类型）",
                                                           "content": {t.split(";")[0]: {} for t in CONTENT_TYPES.values()}},
                                                   **{c: ERRORS[c] for c in ("401", "404")}}}},
})
