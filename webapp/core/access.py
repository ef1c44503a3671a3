"""Access rules: who may use the cockpit and the modeler, and who may see which project (SPEC §4).

Cockpit and modeler: 数管局 and administrators read the cockpit; only administrators act on instances,
tasks and incidents (and only they use /api/instances and /api/incidents, SPEC §1); analysts and
administrators model.

Projects:
- A department user (group `dept:<code>`) sees the projects of their own department only.
- 市数管局 (`sgj`) and administrators (`admin`) see every project.
- The other bureaus and experts (fgw, czj, ggj, sjj, szf, expert) see the projects on which their
  group has, or had, a task: they take part in those projects and nothing else.
- Analysts see no projects (they work on models, not on projects).
"""
from sqlalchemy import false, or_, select

from engine.db import db
from engine.errors import Forbidden, NotFound
from engine.models import TaskIndex
from engine.roles import OVERSIGHT_GROUPS

from .models import Project
from .records import db_int

MONITORS = {"admin", "sgj"}
MODELLERS = {"admin", "analyst"}


def may_monitor(user):
    return bool(MONITORS & set(user.groups))


def may_act(user):
    return "admin" in user.groups


def may_model(user):
    return bool(MODELLERS & set(user.groups))


def require_monitor(user):
    if not may_monitor(user):
        raise Forbidden("只有市数管局和流程监控管理员可以查看流程监控")


def require_admin(user):
    if not may_act(user):
        raise Forbidden("只有流程监控管理员可以执行此操作")


def require_modeller(user):
    if not may_model(user):
        raise Forbidden("只有业务分析员和流程监控管理员可以使用流程建模")


# ---------------------------------------------------------------- projects

def dept_codes(groups):
    return {g.split(":", 1)[1] for g in groups if g.startswith("dept:")}


def sees_all(groups):
    return bool(OVERSIGHT_GROUPS & set(groups))


def project_filter(groups):
    """A SQL condition on Project that holds for the projects these groups may see."""
    if sees_all(groups):
        return None
    conditions = []
    depts = dept_codes(groups)
    if depts:
        conditions.append(Project.department_code.in_(sorted(depts)))
    others = sorted(g for g in groups if not g.startswith("dept:"))
    if others:
        conditions.append(Project.id.in_(
            select(TaskIndex.project_id).where(TaskIndex.group_code.in_(others), TaskIndex.project_id.is_not(None))))
    return or_(*conditions) if conditions else false()


def may_see_project(groups, project):
    if sees_all(groups) or project.department_code in dept_codes(groups):
        return True
    others = [g for g in groups if not g.startswith("dept:")]
    if not others:
        return False
    hit = db.session.execute(select(TaskIndex.id).where(
        TaskIndex.project_id == project.id, TaskIndex.group_code.in_(others)).limit(1)).scalar()
    return hit is not None


def visible_project(user, project_id):
    """The project, or NotFound when it does not exist or the user may not see it."""
    key = db_int(project_id)
    project = db.session.get(Project, key) if key is not None else None
    if project is None or not may_see_project(user.groups, project):
        raise NotFound("项目不存在或无权查看")
    return project
