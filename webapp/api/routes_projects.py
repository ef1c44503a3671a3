"""Projects: create (department users), list and read (by visibility)."""
from flask import request, url_for

from ..services import projects
from . import bp, json_body, listing, paging, user

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
    return projects.project_dict(projects.get_project(user(), project_id), detail=True)
