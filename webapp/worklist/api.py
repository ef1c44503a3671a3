"""JSON API of the worklist: the work queue and the actions on one task."""
from flask import request

from engine.errors import Invalid

from ..core.api import bp, json_body, listing, paging, user
from ..core.openapi import (DATA, OBJ, PAGING, REF, TASK_ID, add_paths, int_query_params, list_of, operation,
                            query_params)
from . import services as tasks

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


add_paths({
    "/api/tasks": {"get": operation("我的及本组待办（done=1：已办）", "tasks", list_of("Task"),
                              params=PAGING + int_query_params("project_id") + query_params("done", "overdue", "soon", "mine",
                                                                                  "unassigned", "stage", "q"),
                              errors=("400", "401", "422"))},
    "/api/tasks/{task_id}": {"get": operation("任务详情，含表单 JSON Schema 与预填数据", "tasks", REF("TaskDetail"),
                                        params=[TASK_ID])},
    "/api/tasks/{task_id}/claim": {"post": operation("签收任务", "tasks", REF("Task"), params=[TASK_ID],
                                               errors=("401", "403", "404", "409"))},
    "/api/tasks/{task_id}/unclaim": {"post": operation("退回签收", "tasks", REF("Task"), params=[TASK_ID],
                                                 errors=("401", "403", "404", "409"))},
    "/api/tasks/{task_id}/complete": {"post": operation("提交表单并办结任务", "tasks", OBJ, params=[TASK_ID], body=DATA,
                                                  errors=("400", "401", "403", "404", "409", "422"))},
    "/api/tasks/{task_id}/draft": {"post": operation("保存草稿", "tasks", OBJ, params=[TASK_ID], body=DATA,
                                               errors=("400", "401", "403", "404", "409", "422"))},
})
