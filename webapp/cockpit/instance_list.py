"""The cockpit's instance list (管理监控): the filters (state as the cockpit shows it, stage, department,
version, process, project, overdue and the 项目库's business values), the counts by stage and state, and the
rows as the lists show them. Indexed SQL over Instance / TaskIndex; no workflow is deserialized here.
"""
from collections import Counter

from sqlalchemy import and_, exists, func, not_, or_, select

from engine import roles
from engine.db import db
from engine.errors import Invalid
from engine.models import Instance, TaskIndex

from ..core.access import require_monitor
from ..core.models import Project
from ..core.paging import page_of
from ..core.records import db_int
from ..core.timefmt import iso, now_naive
from ..projects import search


STATUSES = ("running", "suspended", "incident", "completed", "terminated")  # Instance.status


STATES = {"running": "运行中", "timer": "等待定时器", "suspended": "已挂起", "incident": "故障",
          "completed": "已完成", "terminated": "已终止"}  # status, with running split by a waiting timer


STAGES = roles.STAGES + [roles.ENDED]


def _has_ready_task():
    return exists().where(TaskIndex.instance_id == Instance.id, TaskIndex.state == "ready")


def _timer_waiting():
    return and_(Instance.status == "running", Instance.next_timer_at.is_not(None), not_(_has_ready_task()))


def _overdue():
    return exists().where(TaskIndex.instance_id == Instance.id, TaskIndex.state == "ready",
                          TaskIndex.due_at.is_not(None), TaskIndex.due_at <= now_naive())


def checked_int(value, field, label):
    """`value` as a whole number, or Invalid naming the filter (`label`) and its field."""
    number = db_int(value)
    if number is None:
        raise Invalid(f"{label}筛选条件无效", fields={field: "须为整数"})
    return number


def _filtered(filters):
    """Conditions for the filters: state (as the cockpit shows it), status (as stored), stage, department,
    version, process, project, overdue."""
    conds = []
    status = filters.get("status")
    if status:
        if status not in STATUSES:
            raise Invalid("状态筛选条件无效", fields={"status": "可选：" + "、".join(STATUSES)})
        conds.append(Instance.status == status)
    state = filters.get("state")
    if state:
        if state not in STATES:
            raise Invalid("状态筛选条件无效", fields={"state": "可选：" + "、".join(STATES)})
        if state == "timer":
            conds.append(_timer_waiting())
        elif state == "running":
            conds.append(and_(Instance.status == "running", or_(Instance.next_timer_at.is_(None), _has_ready_task())))
        else:
            conds.append(Instance.status == state)
    if filters.get("stage"):
        conds.append(Instance.stage == filters["stage"])
    if filters.get("department"):
        dept = filters["department"]
        conds.append(Instance.owner_group == (dept if dept.startswith("dept:") else f"dept:{dept}"))
    if filters.get("version"):
        conds.append(Instance.version_id == checked_int(filters["version"], "version", "版本"))
    if filters.get("process"):
        conds.append(Instance.process_id == filters["process"])
    if filters.get("project_id"):
        conds.append(Instance.project_id == checked_int(filters["project_id"], "project_id", "项目"))
    if filters.get("overdue") in ("1", "true", "yes", "on", True):
        conds.append(_overdue())
    business = _business(filters)
    if business:  # the instance's project has these business values (项目库's own search conditions)
        conds.append(exists().where(Project.id == Instance.project_id, *business))
    return conds


def _business(filters):
    conds = list(search.business_conditions(filters))  # 类别, 预算/合同金额区间, 当前环节
    if filters.get("year") not in (None, ""):
        conds.append(Project.build_year == checked_int(filters["year"], "year", "建设年度"))
    return conds


def list_instances(user, filters=None, page=1, per_page=20, total=None):
    """One page of the instances the filters select, newest first, and their number (`total` when known)."""
    require_monitor(user)
    query = select(Instance).where(*_filtered(filters or {})).order_by(Instance.id.desc())
    return page_of(query, page, per_page, db.session, total=total)


def listed_and_counted(user, filters, page, per_page):
    """(rows, total, counts) of the cockpit list: with no state or status filter the list's total is the sum of
    the counts by state, so the instances are counted once, not again for the page."""
    counted = counts(user, filters)
    known = None if filters.get("state") or filters.get("status") else counted["total"]
    rows, total = list_instances(user, filters, page, per_page, total=known)
    return rows, total, counted


def counts(user, filters=None):
    """{"stage": {stage: n}, "state": {state: n}, "total": n} over the instances the other filters select.

    Counting reads every instance the filters select, and ten years hold ten times as many, so it is done in as
    few passes as the filters allow: with no stage, state or status filter one pass grouped by both gives both."""
    require_monitor(user)
    filters = dict(filters or {})
    by_state_filters = {k: v for k, v in filters.items() if k not in ("state", "status")}
    by_stage_filters = {k: v for k, v in filters.items() if k != "stage"}
    if by_state_filters == by_stage_filters:  # none of the three set: one pass
        both = db.session.execute(select(Instance.stage, Instance.status, func.count())
                                  .where(*_filtered(filters)).group_by(Instance.stage, Instance.status)).all()
        state_rows, stage_rows = _summed(both, 1), _summed(both, 0)
    else:
        state_rows = db.session.execute(select(Instance.status, func.count())
                                        .where(*_filtered(by_state_filters)).group_by(Instance.status)).all()
        stage_rows = db.session.execute(select(Instance.stage, func.count())
                                        .where(*_filtered(by_stage_filters)).group_by(Instance.stage)).all()
    state = {key: 0 for key in STATES}
    for status, n in state_rows:
        state[status] = n
    timer = db.session.execute(select(func.count()).select_from(Instance)
                               .where(*_filtered(by_state_filters), _timer_waiting())).scalar()
    state["timer"], state["running"] = timer, state.get("running", 0) - timer
    stage = {key: 0 for key in STAGES}
    for name, n in stage_rows:
        stage[name or "未知"] = stage.get(name or "未知", 0) + n
    return {"state": state, "stage": stage, "total": sum(n for _, n in state_rows)}


def _summed(rows, column):
    """[(key, n)] of (stage, status, n) rows summed by one of the two keys."""
    out = Counter()
    for row in rows:
        out[row[column]] += row[2]
    return list(out.items())


def state_of(row, has_ready=None):
    if row.status == "running" and row.next_timer_at is not None:
        if has_ready is None:
            has_ready = db.session.execute(select(TaskIndex.id).where(
                TaskIndex.instance_id == row.id, TaskIndex.state == "ready").limit(1)).scalar() is not None
        if not has_ready:
            return "timer"
    return row.status


def instance_rows(rows):
    """Dicts for a page of instances, with project names and open-task counts in two queries."""
    ids = [r.id for r in rows]
    project_ids = [r.project_id for r in rows if r.project_id]
    names = dict(db.session.execute(select(Project.id, Project.name).where(Project.id.in_(project_ids))).all()) \
        if project_ids else {}
    open_counts = dict(db.session.execute(
        select(TaskIndex.instance_id, func.count()).where(TaskIndex.instance_id.in_(ids), TaskIndex.state == "ready")
        .group_by(TaskIndex.instance_id)).all()) if ids else {}
    now = now_naive()
    overdue = set(db.session.execute(
        select(TaskIndex.instance_id).where(TaskIndex.instance_id.in_(ids), TaskIndex.state == "ready",
                                            TaskIndex.due_at <= now)).scalars()) if ids else set()
    return [instance_dict(r, project_name=names.get(r.project_id), open_tasks=open_counts.get(r.id, 0),
                          overdue=r.id in overdue) for r in rows]


def instance_row(row):
    """One instance's dict as the lists show it."""
    return instance_rows([row])[0]


def instance_dict(row, project_name=None, open_tasks=None, overdue=None):
    state = state_of(row, has_ready=(open_tasks > 0) if open_tasks is not None else None)
    return {"id": row.id, "process_id": row.process_id, "version_id": row.version_id, "project_id": row.project_id,
            "project_name": project_name, "owner_group": row.owner_group, "parent_id": row.parent_id,
            "status": row.status, "state": state, "state_label": STATES.get(state, state), "stage": row.stage,
            "variables": row.variables, "state_bytes": row.state_bytes, "next_timer_at": iso(row.next_timer_at),
            "waiting_messages": row.waiting_messages, "open_tasks": open_tasks, "overdue": overdue,
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at), "ended_at": iso(row.ended_at),
            "lock_version": row.lock_version}
