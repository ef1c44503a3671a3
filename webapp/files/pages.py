"""文件上传（表单中的 JS 即时上传）与下载；权限由 services 判断。"""
from io import BytesIO
from urllib.parse import quote

from flask import Blueprint, jsonify, request, send_file

from engine.errors import Invalid

from ..core.pages import int_arg, require_login, user
from .services import get_file_for, store_upload

bp = Blueprint("files", __name__)
bp.before_request(require_login)


@bp.route("/files", methods=["POST"])
def upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("请选择要上传的文件")
    project_id = int_arg(request.form, "project_id")
    stored = store_upload(user(), upload, project_id=project_id)
    return jsonify({"id": stored.id, "filename": stored.filename, "size": stored.size}), 201


@bp.route("/files/<file_id>")
def download(file_id):
    stored = get_file_for(user(), file_id)
    response = send_file(BytesIO(stored.data), mimetype=stored.content_type or "application/octet-stream",
                         as_attachment=request.args.get("inline") != "1", download_name=stored.filename)
    response.headers["Content-Disposition"] = (
        f"{'inline' if request.args.get('inline') == '1' else 'attachment'}; filename*=UTF-8''{quote(stored.filename)}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
