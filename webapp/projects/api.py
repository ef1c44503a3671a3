"""JSON API of projects: create (department users), list and read (by visibility)."""
from flask import request, url_for

from ..core.api import bp, json_body, listing, paging, user
from ..core.openapi import PAGING, REF, add_paths, int_query_params, list_of, operation, path_param, query_params
from . import retirement, services as projects

FILTERS = ("year", "stage", "department", "status", "overdue", "q")


@bp.post("/projects")
def create_project():
    body = json_body()
    project = projects.create_project(user(), body.get("name"), body.get("build_year"), body.get("budget_wan"))
    return projects.project_dict(project), 201, {"Location": url_for("api.get_project", project_id=project.id)}


@bp.get("/projects")
def list_projects():
    page, per_page = paging()
    filters = {k: request.args[k] for k in FILTERS if k in request.args}
    rows, total = projects.list_projects(user(), filters, page, per_page)
    return listing([projects.project_dict(p) for p in rows], total)


@bp.get("/projects/<int:project_id>")
def get_project(project_id):
    account = user()
    return projects.project_dict(projects.get_project(account, project_id), detail=True, viewer=account)


@bp.post("/projects/<int:project_id>/declaration/reopen")
def reopen_declaration(project_id):
    """撤回修改申报 (the project's department, while the lifecycle waits for it)."""
    account = user()
    return projects.project_dict(projects.reopen_declaration(account, project_id), detail=True, viewer=account)


@bp.post("/projects/<int:project_id>/retire")
def retire_project(project_id):
    """系统下线 (the project's department, while 运维 waits between its yearly steps)."""
    account = user()
    project = projects.get_project(account, project_id)
    retirement.retire(account, project, json_body().get("reason"))
    return projects.project_dict(projects.get_project(account, project_id), detail=True, viewer=account)


add_paths({
    "/api/projects/{project_id}/retire": {"post": operation(
        "系统下线：结束运维（本部门，运维期间无运维事项在办时），须填写下线原因", "projects", REF("ProjectDetail"),
        params=[path_param("project_id")],
        body={"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string", "maxLength": 500}}},
        errors=("400", "401", "403", "404", "409", "422"))},
    "/api/projects/{project_id}/declaration/reopen": {"post": operation(
        "撤回修改已提交的申报（本部门，6月30日前、预审开始前）", "projects", REF("ProjectDetail"),
        params=[path_param("project_id")], errors=("401", "403", "404", "409"))},
    "/api/projects": {
        "post": operation("新建项目并启动全流程（部门用户）", "projects", REF("Project"), "201",
                    body={"type": "object", "required": ["name", "build_year"], "properties": {
                        "name": {"type": "string", "maxLength": 200}, "build_year": {"type": "integer"},
                        "budget_wan": {"type": ["number", "null"], "minimum": 0}}},
                    errors=("400", "401", "403", "422")),
        "get": operation("项目列表（按可见范围）", "projects", list_of("Project"),
                   params=PAGING + int_query_params("year") + query_params("stage", "department", "status", "overdue", "q"),
                   errors=("400", "401", "422")),
    },
    "/api/projects/{project_id}": {"get": operation("项目详情：待办任务、历史、已提交表单", "projects", REF("ProjectDetail"),
                                              params=[path_param("project_id")])},
})
