"""JSON API of notify: the user's notifications and marking them read."""
from flask import request

from ..core.api import bp, json_body, listing, paging, user
from ..core.openapi import PAGING, add_paths, list_of, operation, query_params
from . import services as notifications


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


add_paths({
    "/api/notifications": {"get": operation("我的提醒、逾期与督办通知", "notifications", list_of("Notification"),
                                      params=PAGING + query_params("unread"), errors=("400", "401"))},
    "/api/notifications/read": {"post": operation("标记通知已读（ids 或 all）", "notifications",
                                            {"type": "object", "properties": {"unread": {"type": "integer"}}},
                                            body={"type": "object", "properties": {
                                                "ids": {"type": "array", "items": {"type": "integer"}},
                                                "all": {"type": "boolean"}}}, errors=("400", "401", "422"))},
})
