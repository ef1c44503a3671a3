"""待办 / 已办 and the task page (form, draft, submit, claim)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from engine import forms as engine_forms, roles
from engine.db import db
from engine.errors import EngineError, Invalid
from engine.models import Notification, Submission, TaskIndex

from ..accounts.services import display_names
from ..core import formrender
from ..core.models import Project
from ..core.pages import actor, int_arg, require_login, user
from ..core.records import db_int
from ..core.timefmt import now_naive
from ..core.paging import page_args
from ..core.taskspec import form_title, render_markdown, schema_for
from ..files.services import file_label, samples_cover, store_for
from ..projects.services import add_comment, comments_of, get_project, may_read_submission, project_dict
from . import saved_filters
from . import services as task_service

bp = Blueprint("tasks", __name__, template_folder="templates")
bp.before_request(require_login)

FILTER_KEYS = ("project_id", "stage", "deadline", "form", "claim", "q")


def _filters():
    """Query args -> service filters (deadline=overdue|soon, claim=mine|unassigned)."""
    raw = {k: (request.args.get(k) or "").strip() for k in FILTER_KEYS}
    filters = {k: v for k, v in raw.items() if v and k not in ("deadline", "claim")}
    if "project_id" in filters:
        project_id = db_int(filters["project_id"])
        filters["project_id"] = project_id if project_id is not None else -1
    if raw["deadline"] in ("overdue", "soon"):
        filters[raw["deadline"]] = True
    if raw["claim"] in ("mine", "unassigned"):
        filters[raw["claim"]] = True
    return raw, filters


def _list(done):
    page, per_page = page_args()
    raw, filters = _filters()
    sort = request.args.get("sort") if request.args.get("sort") in saved_filters.SORTS else "deadline"
    rows, total = task_service.list_tasks(user(), filters, page=page, per_page=per_page, done=done,
                                          sort=None if done else sort)
    items = task_service.task_dicts(rows)
    return render_template("worklist/done.html" if done else "worklist/list.html", items=items, total=total, page=page,
                           per_page=per_page, filters=raw, forms=_form_choices(), me=user().username, sort=sort,
                           sorts=saved_filters.SORTS, saved=saved_filters.mine(user().username),
                           current_saved=int_arg(request.args, "saved"))


def _form_choices():
    """The forms a filter can pick: every form named by the tasks of this user's groups."""
    groups = sorted(user().groups)
    rows = db.session.execute(db.select(TaskIndex.form, TaskIndex.name).where(
        TaskIndex.group_code.in_(groups), TaskIndex.form.is_not(None)).distinct().limit(200)).all()
    seen = {}
    for form, name in rows:
        seen.setdefault(form, name)
    return sorted(seen.items(), key=lambda kv: kv[1])


@bp.route("/tasks")
@bp.route("/")  # registered first, so url_for gives "/"
def index():
    if not request.args:  # the user's default saved filter, when they have one
        chosen = saved_filters.default_of(user().username)
        if chosen is not None:
            return redirect(url_for("tasks.index", saved=chosen.id, sort=chosen.sort, **chosen.filters))
    return _list(done=False)


@bp.route("/tasks/filters", methods=["POST"])
def save_filter():
    form = request.form
    values = {k: form.get(k, "") for k in saved_filters.FILTER_KEYS}
    try:
        row = saved_filters.save(user().username, form.get("name", ""), values, form.get("sort") or "deadline",
                                 make_default=form.get("default") == "1")
    except EngineError as exc:
        flash(exc.message, "error")
        return redirect(url_for("tasks.index", all=1, **{k: v for k, v in values.items() if v}))
    flash(f"已保存筛选条件“{row.name}”" + ("，并设为默认" if row.is_default else ""), "success")
    return redirect(url_for("tasks.index", saved=row.id, sort=row.sort, **row.filters))


@bp.route("/tasks/filters/<int:filter_id>/delete", methods=["POST"])
def delete_filter(filter_id):
    try:
        saved_filters.delete(user().username, filter_id)
    except EngineError as exc:
        flash(exc.message, "error")
    else:
        flash("筛选条件已删除", "success")
    return redirect(url_for("tasks.index", all=1))


@bp.route("/tasks/done")
def done():
    return _list(done=True)


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
def claim(task_id):
    return _claim_or_unclaim(task_id, "claim", "已签收，请办理", "success")


@bp.route("/tasks/<task_id>/unclaim", methods=["POST"])
def unclaim(task_id):
    return _claim_or_unclaim(task_id, "unclaim", "已退回签收，任务回到组内待办", "info")


def _claim_or_unclaim(task_id, action, message, category):
    task_service.get_task_for(user(), task_id)  # not visible: 404 page, not a flash
    try:
        getattr(task_service, action)(user(), task_id)
        flash(message, category)
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(_back(task_id))


def _back(task_id):
    target = request.form.get("back")
    return target if target and target.startswith("/") and not target.startswith("//") else url_for(
        "tasks.detail", task_id=task_id)


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
def detail(task_id):
    detail = task_service.task_detail(user(), task_id)
    task = task_service.get_task_for(user(), task_id)
    schema = detail["form_schema"] or {"type": "object", "properties": {}}
    instructions = render_markdown(detail.get("instructions") or "")
    errors, status = {}, 200
    if request.method == "GET":
        return _page(task, schema, detail["data"], errors, instructions)
    action = request.form.get("action", "submit")
    if action == "example":  # fill the blanks from the schema's example; what is filled in stays
        typed, _ = formrender.parse_form(schema, request.form)
        example = formrender.without_read_only(schema, formrender.example_of(schema) or {})
        if samples_cover(schema):  # a demo system: the example's attachments exist
            flash("已按示例补全未填写的项目（含演示附件），请核对后提交", "info")
        else:  # its file ids are placeholders here: the attachments must be uploaded for real
            example = formrender.without_files(schema, example)
            flash("已按示例补全未填写的项目，请核对后提交（附件须自行上传）", "info")
        data = formrender.fill_blanks(typed, example)
        # An example value that a rule refuses beside what is already filled in (the example's 资金来源 add up to
        # the example's 概算, not this project's) is left blank: offering it would only make the submit fail.
        refused = {key.split(".")[0] for key in engine_forms.rule_errors(schema, data, context=detail["data"])}
        clashing = [key for key in refused if key in example and typed.get(key) in ("", [], None)]
        for key in clashing:
            data[key] = typed.get(key)
        if clashing:
            props = schema.get("properties") or {}
            names = "、".join((props.get(key) or {}).get("title", key) for key in sorted(clashing))
            flash(f"示例中的「{names}」与已填写的内容不相符，未按示例填写，请按实际情况填写", "warning")
        return _page(task, schema, data, errors, instructions)
    data, errors = formrender.parse_form(schema, request.form, request.files,
                                         store_file=store_for(user(), task.project_id))
    try:
        if action == "draft":
            task_service.save_draft(user(), task_id, data)
            flash("草稿已保存", "success")
            return redirect(url_for("tasks.detail", task_id=task_id))
        if errors:  # typed-in text that is not a number etc.: show every problem at once
            raise Invalid("表单填写有误，请按提示修改",
                          fields={**engine_forms.validate(schema, data), **errors})
        since = now_naive()
        result = task_service.complete(user(), task_id, data)
    except Invalid as exc:
        errors, status = {**exc.fields, **errors}, 422
        flash(exc.message, "error")
    except EngineError as exc:
        flash(exc.message, "error")
        status = exc.status
    else:
        return render_template("worklist/result.html", task=_task_dict(task), result=result, project=_project(task),
                               project_open=_project_open_tasks(task) if not result.get("next") else [],
                               step_notes=_step_notes(task, since))
    return _page(task, schema, data, errors, instructions, status)


@bp.route("/tasks/<task_id>/transfer", methods=["POST"])
def transfer(task_id):
    try:
        task_service.transfer(user(), task_id, request.form.get("to", ""), request.form.get("note", ""))
    except EngineError as exc:
        flash(exc.message, "error")
        return redirect(url_for("tasks.detail", task_id=task_id))
    flash("已转办，同事将在待办中看到此事项及您的说明", "success")
    return redirect(url_for("tasks.index"))


@bp.route("/tasks/<task_id>/send-back", methods=["POST"])
def send_back(task_id):
    try:
        reopened = task_service.send_back(user(), task_id, request.form.get("target", ""),
                                          request.form.get("reason", ""))
    except EngineError as exc:
        flash(exc.message, "error")
        return redirect(url_for("tasks.detail", task_id=task_id))
    flash(f"已退回至“{reopened.name}”，办理部门将看到退回原因", "success")
    return redirect(url_for("tasks.index"))


@bp.route("/tasks/<task_id>/comments", methods=["POST"])
def comment(task_id):
    task = task_service.get_task_for(user(), task_id)
    try:
        if task.project_id is None:
            raise Invalid("该事项不属于任何项目，不能批注")
        add_comment(user(), get_project(user(), task.project_id), request.form.get("body", ""), task_id=task.id)
    except EngineError as exc:
        flash(exc.message, "error")
    else:
        flash("批注已发表", "success")
    return redirect(url_for("tasks.detail", task_id=task_id) + "#comments")


def _step_notes(task, since):
    """What the flow told the user's lanes while this step ran (a 申报表 sent after the deadline moving to the
    next round, and when 填报申报表 comes again): shown on the result page, where the user looks next."""
    me = user()
    groups = set(me.groups) | {roles.person_group(me.username)}
    return db.session.execute(db.select(Notification.message).where(
        Notification.instance_id == task.instance_id, Notification.created_at >= since,
        Notification.group_code.in_(sorted(groups))).order_by(Notification.id).limit(5)).scalars().all()


def _task_dict(task):
    return task_service.task_dict(task)


def _project_open_tasks(task):
    """When this step left nothing for its own instance (a 资金拨付 just decided), what the project waits for now:
    its open tasks in its other processes, so the result page says how the project goes on."""
    if task.project_id is None:
        return []
    return db.session.execute(db.select(TaskIndex).where(
        TaskIndex.project_id == task.project_id, TaskIndex.state == "ready", TaskIndex.instance_id != task.instance_id)
        .order_by(TaskIndex.due_at, TaskIndex.id).limit(10)).scalars().all()


def _project(task):
    if task.project_id is None:
        return None
    try:
        return project_dict(get_project(user(), task.project_id))
    except EngineError:
        return None


def _earlier_forms(task):
    """The project's submitted forms before this task, newest first, read-only."""
    if task.project_id is None:
        return []
    viewer = user()
    found = db.session.execute(
        db.select(Submission, TaskIndex.group_code).outerjoin(TaskIndex, TaskIndex.id == Submission.task_id)
        .where(Submission.project_id == task.project_id, Submission.draft.is_(False), Submission.task_id != task.id)
        .order_by(Submission.id.desc())).all()
    # an expert's scores stay with that expert and oversight: a panel's experts never see each other's
    rows = [row for row, group in found if may_read_submission(viewer, group, row.submitted_by)]
    names = display_names({row.submitted_by for row in rows})
    out = []
    for row in rows:
        schema = schema_for(row.instance_id, row.form) or {}
        out.append({"id": row.id, "title": form_title(schema, row.form), "by": names.get(row.submitted_by, row.submitted_by),
                    "at": row.submitted_at, "html": formrender.render_view(schema, row.data, file_label=file_label)})
    return out


def _department_record(task, me):
    return task_service.department_record_for(task, me)


def _page(task, schema, data, errors, instructions, status=200):
    me = actor()
    mine = me.may_work(task.group_code) or me.is_admin
    claimed_by_other = bool(task.assignee and task.assignee != me.username and not me.stands_in_for(task.assignee))
    can_work = task.state == "ready" and mine and not claimed_by_other
    form_html = formrender.render_form(schema, data, errors, disabled=not can_work, file_label=file_label)
    return render_template(
        "worklist/detail.html", task=_task_dict(task), row=task, schema=schema, form_html=form_html, errors=errors,
        form_title=form_title(schema, task.form), instructions=instructions, project=_project(task),
        earlier=_earlier_forms(task), record=_department_record(task, me), can_work=can_work, mine=mine,
        claimed_by_other=claimed_by_other, has_example=bool(formrender.example_of(schema)), me=me.username,
        context_label=task_service.city_labels([task]).get(task.instance_id) if task.project_id is None else None,
        people=display_names({task.assignee, task.completed_by} - {None}),
        comments=comments_of(task.project_id, task.id) if task.project_id else [],
        comment_action=url_for("tasks.comment", task_id=task.id) if task.project_id else None,
        **task_service.handover_context(user(), task)), status
