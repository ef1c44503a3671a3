"""Who may see which project (SPEC §4).

- A department user (group `dept:<code>`) sees the projects of their own department only.
- 市数管局 (`sgj`) and administrators (`admin`) see every project.
- The other bureaus and experts (fgw, czj, ggj, sjj, szf, expert) see the projects on which their
  group has, or had, a task: they take part in those projects and nothing else.
- Analysts see no projects (they work on models, not on projects).
"""
from sqlalchemy import false, or_, select

from engine.models import TaskIndex
from engine.roles import OVERSIGHT_GROUPS


def dept_codes(groups):
    return {g.split(":", 1)[1] for g in groups if g.startswith("dept:")}


def sees_all(groups):
    return bool(OVERSIGHT_GROUPS & set(groups))


def project_filter(groups):
    """A SQL condition on Project that holds for the projects these groups may see."""
    from ..models import Project

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
    from engine.db import db

    if sees_all(groups) or project.department_code in dept_codes(groups):
        return True
    others = [g for g in groups if not g.startswith("dept:")]
    if not others:
        return False
    hit = db.session.execute(select(TaskIndex.id).where(
        TaskIndex.project_id == project.id, TaskIndex.group_code.in_(others)).limit(1)).scalar()
    return hit is not None
