"""The work queue (待办 / 已办) and the actions on one task, all read from the task index."""
from sqlalchemy import func, or_, select, union

from engine import clock, registry, roles, runtime, workcalendar
from engine.db import db
from engine.errors import Invalid, NotFound
from engine.models import Instance, ProcessSpec, Submission, TaskIndex

from ..core.identity import actor_of
from ..core.models import Project
from ..core.paging import page_of
from ..core.records import db_int
from ..core.timefmt import iso, now_naive
from ..accounts import services as accounts
from ..files import services as files

SOON_WORKDAYS = 5  # a deadline this many working days away shows as 临期 (SPEC §7 reminder)


def _reach(user):
    """(groups, usernames) whose open tasks reach the user: their own, and those of whom they stand in for."""
    groups, names = set(user.groups), {user.username}
    for principal, principal_groups in actor_of(user).principals:
        names.add(principal)
        groups |= set(principal_groups) | {roles.person_group(principal)}
    return sorted(groups), sorted(names)


def _named(names):
    """Open tasks designated to several people, one of whom is among `names` (a single name is the assignee)."""
    return or_(*[c for name in names for c in roles.designating(TaskIndex.group_code, name)])


def _visible(user):
    groups, names = _reach(user)
    return or_(TaskIndex.group_code.in_(groups), TaskIndex.assignee.in_(names), _named(names))


def _soon_limit():
    """The instant up to which a deadline counts as soon: the end of the 5th working day from today."""
    day = workcalendar.add_workdays(clock.today(), SOON_WORKDAYS)
    return clock.as_utc(day).replace(tzinfo=None)


def _truthy(value):
    return value in (True, 1, "1", "true", "yes", "on")


# The 待办 order: by deadline (those without one last), then age. The task index has an index in
# exactly this order per group (engine.models.TaskIndex), so a page costs the same with 10 or 10 000 tasks.
READY_ORDER = (TaskIndex.due_at.is_(None), TaskIndex.due_at, TaskIndex.created_at, TaskIndex.id)


def _conditions(user, filters):
    """The WHERE clauses the filters of the work queue add."""
    where = []
    if filters.get("project_id") not in (None, ""):
        project_id = db_int(filters["project_id"])
        if project_id is None:
            raise Invalid("项目筛选条件无效", fields={"project_id": "须为项目编号"})
        where.append(TaskIndex.project_id == project_id)
    now = now_naive()
    if _truthy(filters.get("overdue")):
        where += [TaskIndex.due_at.is_not(None), TaskIndex.due_at <= now]
    if _truthy(filters.get("soon")):
        where += [TaskIndex.due_at > now, TaskIndex.due_at <= _soon_limit()]
    if _truthy(filters.get("mine")):
        where.append(TaskIndex.assignee == user.username)
    if _truthy(filters.get("unassigned")):
        where.append(TaskIndex.assignee.is_(None))
    if filters.get("stage"):
        where.append(TaskIndex.stage == filters["stage"])
    if filters.get("form"):
        where.append(TaskIndex.form == filters["form"])
    if filters.get("q"):
        text = str(filters["q"])
        where.append(or_(TaskIndex.name.contains(text), TaskIndex.project_id.in_(
            select(Project.id).where(Project.name.contains(text)))))
    return where


def _ready_page(user, where, page, per_page):
    """One page of the user's open tasks: the first rows of each group's (and own) ordered range, merged.

    One OR over the groups would make the database collect and sort every open task of the user first.
    """
    upto = page * per_page
    groups, names = _reach(user)
    branches = [TaskIndex.group_code == g for g in groups] + [TaskIndex.assignee == n for n in names] + [_named(names)]
    heads = [select(TaskIndex.id).where(TaskIndex.state == "ready", branch, *where).order_by(*READY_ORDER)
             .limit(upto).subquery() for branch in branches]
    candidates = union(*[select(head.c.id) for head in heads])
    query = select(TaskIndex).where(TaskIndex.id.in_(candidates)).order_by(*READY_ORDER)
    return db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all()


SORTS = {"created": (TaskIndex.created_at.desc(), TaskIndex.id), "project": (TaskIndex.project_id, *READY_ORDER)}


def list_tasks(user, filters=None, page=1, per_page=20, done=False, sort=None):
    """(tasks, total). Open tasks of the user and their groups, by deadline; `done`: what they completed."""
    where = _conditions(user, filters or {})
    if done:
        query = select(TaskIndex).where(TaskIndex.completed_by == user.username, TaskIndex.state == "completed",
                                        *where)
        return page_of(query.order_by(TaskIndex.completed_at.desc(), TaskIndex.id), page, per_page, db.session)
    total = db.session.execute(
        select(func.count()).select_from(TaskIndex).where(TaskIndex.state == "ready", _visible(user), *where)).scalar()
    if sort in SORTS:  # a saved filter's other order: a plain ordered query
        query = select(TaskIndex).where(TaskIndex.state == "ready", _visible(user), *where).order_by(*SORTS[sort])
        return db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).scalars().all(), total
    return _ready_page(user, where, page, per_page), total


def counts(user):
    """{"todo", "overdue", "soon"} of the user's open tasks, for badges."""
    now, limit = now_naive(), _soon_limit()
    base = select(func.count()).select_from(TaskIndex).where(TaskIndex.state == "ready", _visible(user))
    run = lambda q: db.session.execute(q).scalar()  # noqa: E731
    return {
        "todo": run(base),
        "overdue": run(base.where(TaskIndex.due_at.is_not(None), TaskIndex.due_at <= now)),
        "soon": run(base.where(TaskIndex.due_at > now, TaskIndex.due_at <= limit)),
    }


def due_level(task, now=None, soon_limit=None):
    if task.state != "ready" or task.due_at is None:
        return "normal"
    now = now or now_naive()
    if task.due_at <= now:
        return "overdue"
    if task.due_at <= (soon_limit or _soon_limit()):
        return "soon"
    return "normal"


def task_dict(task, project=None, now=None, soon_limit=None):
    """The SPEC §5 task shape, plus project_name, stage, due_level and completion fields."""
    if project is None and task.project_id is not None:
        project = db.session.get(Project, task.project_id)
    now = now or now_naive()
    level = due_level(task, now, soon_limit)
    return {
        "id": task.id,
        "name": task.name,
        "bpmn_id": task.bpmn_id,
        "project_id": task.project_id,
        "instance_id": task.instance_id,
        "lane": task.lane,
        "groups": [task.group_code],
        "assignee": task.assignee,
        "state": task.state,
        "form": task.form,
        "created": iso(task.created_at),
        "due": iso(task.due_at),
        "overdue": level == "overdue",
        "project_name": project.name if project is not None else None,
        "stage": task.stage,
        "due_level": level,
        "process_id": task.process_id,
        "completed_at": iso(task.completed_at),
        "completed_by": task.completed_by,
    }


def city_labels(tasks):
    """{instance id: "市级流程 · 2026 年度 年度建设计划"} for tasks of city-level processes (no project)."""
    ids = {t.instance_id for t in tasks if t.project_id is None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Instance.id, Instance.variables, ProcessSpec.name, Instance.process_id)
        .outerjoin(ProcessSpec, (ProcessSpec.version_id == Instance.version_id)
                   & (ProcessSpec.process_id == Instance.process_id))
        .where(Instance.id.in_(sorted(ids)))).all()
    labels = {}
    for instance_id, variables, name, process_id in rows:
        year = (variables or {}).get("build_year")
        labels[instance_id] = f"市级流程 · {f'{year} 年度 ' if isinstance(year, int) else ''}{name or process_id}"
    return labels


def task_dicts(tasks):
    """task_dict for a page of tasks, loading their projects in one query."""
    ids = {t.project_id for t in tasks if t.project_id is not None}
    projects = {p.id: p for p in db.session.execute(select(Project).where(Project.id.in_(ids))).scalars()} if ids else {}
    now, limit = now_naive(), _soon_limit()
    names = accounts.display_names({t.assignee for t in tasks if t.assignee})
    cities = city_labels(tasks)
    instance_ids = {t.instance_id for t in tasks}
    suspended = set(db.session.execute(select(Instance.id).where(
        Instance.id.in_(instance_ids), Instance.status == "suspended")).scalars()) if instance_ids else set()
    return [{**task_dict(t, projects.get(t.project_id), now, limit), "assignee_name": names.get(t.assignee, t.assignee),
             "context_label": cities.get(t.instance_id), "suspended": t.instance_id in suspended} for t in tasks]


def may_see_task(user, task):
    groups, names = _reach(user)
    return (task.group_code in groups or "admin" in user.groups or any(roles.reaches(task.group_code, n) for n in names)
            or user.username == task.completed_by or task.assignee in names)


def get_task_for(user, task_id):
    """The task, or NotFound when it does not exist or is not the user's or their groups'."""
    return task_and_project(user, task_id)[0]


def task_and_project(user, task_id):
    """(task, its project or None) in one query, as get_task_for checks it; every answer about a task names it."""
    return _task_project_files(user, task_id)[:2]


def _task_project_files(user, task_id, file_ids=()):
    """(task, project or None, the stored files of `file_ids` that exist) in one query, checked as task_and_project
    checks it: a completion reads the attachments its form names with its task instead of one by one."""
    rows = []
    if isinstance(task_id, str) and len(task_id) <= 36:
        query = select(TaskIndex, Project).outerjoin(Project, Project.id == TaskIndex.project_id)
        if file_ids:
            query = files.with_files(query, file_ids)
        rows = db.session.execute(query.where(TaskIndex.id == task_id)).all()
    if not rows or not may_see_task(user, rows[0][0]):
        raise NotFound("任务不存在或无权查看")
    return rows[0][0], rows[0][1], [r[2] for r in rows if file_ids and r[2] is not None]


def instructions(task):
    """The task's instructionsForEndUser (Markdown) from its process spec, or None."""
    row = db.session.get(Instance, task.instance_id)
    try:
        spec, subs = registry.load_specs(row.version_id, row.process_id)
    except NotFound:
        return None
    for process in [spec, *subs.values()]:
        for task_spec in process.task_specs.values():
            # a multi-instance activity and its instances share the bpmn id; only the instance has extensions
            if getattr(task_spec, "bpmn_id", None) == task.bpmn_id and hasattr(task_spec, "extensions"):
                return (task_spec.extensions or {}).get("instructionsForEndUser")
    return None


def task_detail(user, task_id):
    """task_dict plus form_schema, data (the draft or the variables the form starts from) and instructions."""
    task, project = task_and_project(user, task_id)
    out = task_dict(task, project)
    schema = runtime.form_schema(task)
    data = runtime.task_data(task.id) if task.state == "ready" else _submitted(task.id)
    properties = (schema or {}).get("properties")
    if isinstance(properties, dict) and data:
        data = {k: v for k, v in data.items() if k in properties}
    out.update(form_schema=schema, data=data or {}, instructions=instructions(task),
               context_label=city_labels([task]).get(task.instance_id),
               department_record=department_record_for(task, actor_of(user)))
    return out


# Whoever decides on a department's application sees its record: 绩效 results feed the next 运维经费 and any
# new project of the department (二(五) 再投入), beside its 督查 and sanctions.
REVIEW_FORMS = {"precheck.schema.json", "expert-review.schema.json", "expert-opinion.schema.json",
                "joint-review.schema.json", "annual-plan.schema.json", "ops-funding-review.schema.json"}


def department_record_for(task, me):
    """The record of the task's department for `me` (who may work the task), else None."""
    from ..oversight.services.performance import department_record

    if task.form not in REVIEW_FORMS or task.project_id is None or not me.may_work(task.group_code):
        return None
    project = db.session.get(Project, task.project_id)
    return department_record(project.department_code) if project is not None else None


def _submitted(task_id):
    row = db.session.execute(select(Submission).filter_by(task_id=task_id, draft=False)
                             .order_by(Submission.id.desc()).limit(1)).scalar()
    return row.data if row is not None else {}


# ---------------------------------------------------------------- actions

def claim(user, task_id):
    get_task_for(user, task_id)
    return runtime.claim_task(task_id, actor_of(user))


def unclaim(user, task_id):
    get_task_for(user, task_id)
    return runtime.unclaim_task(task_id, actor_of(user))


def save_draft(user, task_id, data):
    get_task_for(user, task_id)
    runtime.save_draft(task_id, data, actor_of(user))


def complete(user, task_id, data):
    """Validate and complete; files named in the form must exist and become the project's files."""
    task, project, named = _task_project_files(user, task_id, files.candidate_ids(data))
    checker = files.file_checker(user, task.project_id, loaded_before=named)

    def finish():  # in the completion's transaction: files and the task's new state together
        files.bind_files(checker.loaded.values(), task.project_id)
        return task_dict(task, project)

    result = runtime.complete_task(task_id, data, actor_of(user), file_exists=checker, within=finish)
    result["next"] = [{**n, "due": iso(n["due"])} for n in result["next"]]
    result["task"] = result.pop("within")
    return result


def project_open_tasks(project):
    """The `project_detail` part of the worklist: a project's open tasks, soonest deadline first."""
    rows = db.session.execute(
        select(TaskIndex).where(TaskIndex.project_id == project.id, TaskIndex.state == "ready")
        .order_by(TaskIndex.due_at.is_(None), TaskIndex.due_at, TaskIndex.created_at)).scalars().all()
    tasks = [task_dict(t, project=project) for t in rows]
    return {"tasks": tasks, "overdue": any(t["overdue"] for t in tasks)}


# ---------------------------------------------------------------- 转办, 退回, and why a task came back

def transfer(user, task_id, to_username, note):
    """转办: hand a claimed task to a colleague who works the same lane."""
    get_task_for(user, task_id)
    colleague = accounts.user_named(to_username) if isinstance(to_username, str) else None
    if colleague is None or not colleague.active:
        raise Invalid("请选择接办的同事", fields={"to": "无此用户"})
    return runtime.transfer_task(task_id, colleague.username, colleague.groups, note, actor_of(user))


def send_back(user, task_id, target_task_id, reason):
    """退回: reopen an earlier step of the same instance and stage, with the reason."""
    get_task_for(user, task_id)
    return runtime.send_back(task_id, target_task_id, reason, actor_of(user))


def handover_context(user, task):
    """What the task page shows about hand-overs: why it came back, for whom the user acts, the choices."""
    me = actor_of(user)
    out = {"sent_back": None, "acting_for": None, "colleagues": [], "back_targets": []}
    why = runtime.last_send_back(task.id) if task.state == "ready" else None
    if why:
        names = accounts.display_names({why["actor"], why.get("on_behalf_of")} - {None})
        out["sent_back"] = {**why, "actor_name": names.get(why["actor"], why["actor"]),
                            "on_behalf_name": names.get(why.get("on_behalf_of"), why.get("on_behalf_of"))}
    if task.state != "ready" or not (me.may_work(task.group_code) or me.is_admin):
        return out
    principal = me.on_behalf_of(task.group_code, task.assignee)
    if principal:
        out["acting_for"] = accounts.display_names({principal}).get(principal, principal)
    holds = task.assignee and (task.assignee == me.username or me.stands_in_for(task.assignee))
    if holds:
        members = [u for u, _ in accounts.group_members(task.group_code)
                   if u not in (task.assignee, me.username)] if not task.group_code.startswith(roles.PERSON_PREFIX) else []
        people = accounts.people_of(set(members))
        out["colleagues"] = [{"username": u, "display_name": people.get(u, (u, None))[0],
                              "department": people.get(u, (None, None))[1]} for u in members]
    if not task.assignee or holds:
        out["back_targets"] = runtime.send_back_targets(task.id)
    return out
