"""Upload and download of documents; notifications."""
from io import BytesIO

from flask import request, send_file

from ..services import files, notifications
from . import bp, json_body, listing, paging, user


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


@bp.get("/notifications")
def list_notifications():
    page, per_page = paging()
    account = user()
    unread_only = request.args.get("unread") in ("1", "true", "yes")
    items, total = notifications.list_notifications(account, unread_only, page, per_page)
    return {**listing(items, total), "unread": notifications.unread_count(account)}


@bp.post("/notifications/read")
def mark_notifications_read():
    account = user()
    body = json_body()
    notifications.mark_read(account, None if body.get("all") is True else body.get("ids", []))
    return {"unread": notifications.unread_count(account)}
