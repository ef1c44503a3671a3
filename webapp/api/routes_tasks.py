"""The work queue and the actions on one task."""
from flask import request

from engine.errors import Invalid

from ..services import tasks
from . import bp, json_body, listing, paging, user

FILTERS = ("project_id", "overdue", "soon", "mine", "unassigned", "stage", "q")


@bp.get("/tasks")
def list_tasks():
    page, per_page = paging()
    filters = {k: request.args[k] for k in FILTERS if k in request.args}
    done = request.args.get("done") in ("1", "true", "yes")
    rows, total = tasks.list_tasks(user(), filters, page, per_page, done=done)
    return listing(tasks.task_dicts(rows), total)


@bp.get("/tasks/<task_id>")
def get_task(task_id):
    return tasks.task_detail(user(), task_id)


@bp.post("/tasks/<task_id>/claim")
def claim_task(task_id):
    account = user()
    return tasks.task_dict(tasks.claim(account, task_id))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim_task(task_id):
    account = user()
    return tasks.task_dict(tasks.unclaim(account, task_id))


def _form_data():
    body = json_body()
    if "data" not in body:
        raise Invalid("请提供表单数据", fields={"data": "请求体须为 {\"data\": {…}}"})
    if not isinstance(body["data"], dict):
        raise Invalid("表单数据必须是对象", fields={"data": "须为 JSON 对象"})
    return body["data"]


@bp.post("/tasks/<task_id>/complete")
def complete_task(task_id):
    account = user()
    data = _form_data()
    return tasks.complete(account, task_id, data)


@bp.post("/tasks/<task_id>/draft")
def save_draft(task_id):
    account = user()
    data = _form_data()
    tasks.save_draft(account, task_id, data)
    return {"saved": True, "task_id": task_id}
