"""项目库: list, Excel export, new project, project page with diagram, history, forms and files."""
from io import BytesIO

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for

from engine import clock, progress, registry, roles
from engine.audit import record
from engine.db import db
from engine.errors import EngineError, Invalid
from engine.models import Instance, Submission, TaskIndex

from ..accounts import services as accounts
from ..core import formrender
from ..core.models import Department
from ..core.pages import int_arg, require_login, user
from ..core.paging import page_args
from ..core.taskspec import form_title, schema_for
from ..core.timefmt import fmt_dt, now_naive
from ..core.xlsx import as_text_cells
from ..files.services import file_label, project_files
from . import services as service

bp = Blueprint("projects", __name__, template_folder="templates")
bp.before_request(require_login)

FILTER_KEYS = ("year", "stage", "department", "status", "overdue", "q", "category", "budget_min", "budget_max",
               "contract_min", "contract_max", "step")
STATUS_CHOICES = ["进行中", "已挂起", "故障", "已完成", "不予立项", "已终止"]
EXPORT_LIMIT = 10000


def _filters():
    raw = {k: (request.args.get(k) or "").strip() for k in FILTER_KEYS}
    return raw, {k: v for k, v in raw.items() if v}


def _departments():
    return db.session.execute(db.select(Department).order_by(Department.name)).scalars().all()


def _is_dept_user():
    return any(g.startswith("dept:") for g in user().groups)


@bp.route("/projects")
def index():
    page, per_page = page_args()
    raw, filters = _filters()
    rows, total = service.list_projects(user(), filters, page=page, per_page=per_page)
    overdue = _overdue_ids([p.id for p in rows])
    items = [{**service.project_dict(p), "overdue": p.id in overdue} for p in rows]
    this_year = clock.today().year
    years = list(range(this_year + 3, this_year - 6, -1))
    return render_template("projects/list.html", items=items, total=total, page=page, per_page=per_page,
                           filters=raw, departments=_departments(), statuses=STATUS_CHOICES,
                           may_create=_is_dept_user(), years=years)


def _overdue_ids(project_ids):
    if not project_ids:
        return set()
    rows = db.session.execute(db.select(TaskIndex.project_id).where(
        TaskIndex.project_id.in_(project_ids), TaskIndex.state == "ready", TaskIndex.due_at.is_not(None),
        TaskIndex.due_at <= now_naive()).distinct())
    return {r[0] for r in rows}


@bp.route("/projects.xlsx")
def export():
    """The list under the same filters as an Excel workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    _, filters = _filters()
    rows, _total = service.list_projects(user(), filters, page=1, per_page=EXPORT_LIMIT)
    overdue = _overdue_ids([p.id for p in rows])
    book = Workbook()
    sheet = book.active
    sheet.title = "项目库"
    head = ["序号", "项目名称", "建设单位", "建设年度", "概算（万元）", "所处阶段", "状态", "是否逾期", "创建人", "创建时间"]
    sheet.append(head)
    for i, p in enumerate(rows, 1):
        d = service.project_dict(p)
        sheet.append([i, d["name"], d.get("department_name") or d["department"], d["build_year"], d["budget_wan"],
                      d["stage"], d["status"], "逾期" if p.id in overdue else "", d.get("created_by"),
                      fmt_dt(d.get("created_at"))])
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(horizontal="center")
    for col, width in zip("ABCDEFGHIJ", (6, 40, 18, 10, 14, 10, 10, 10, 14, 18)):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A2"
    out = BytesIO()
    as_text_cells(book).save(out)
    out.seek(0)
    record("export", user().username, payload={"what": "projects", "rows": len(rows),
                                               "filters": {k: str(v) for k, v in filters.items()}})
    db.session.commit()
    return send_file(out, as_attachment=True, download_name="项目库.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/projects/new", methods=["GET", "POST"])
def new():
    if not _is_dept_user():
        abort(403)
    values, errors = {"name": "", "build_year": "", "budget_wan": ""}, {}
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        try:
            project = service.create_project(user(), values["name"], values["build_year"] or None,
                                             values["budget_wan"] or None)
        except Invalid as exc:
            errors = exc.fields or {"_form": exc.message}
            flash(exc.message, "error")
        else:
            flash(f"项目“{project.name}”已创建，流程已启动", "success")
            return redirect(url_for("projects.detail", project_id=project.id))
    return render_template("projects/new.html", values=values, errors=errors), (422 if errors else 200)


@bp.route("/projects/<int:project_id>")
def detail(project_id):
    project = service.get_project(user(), project_id)
    info = service.project_dict(project, detail=True, viewer=user())
    forms = []
    for sub in info["submissions"]:
        schema = schema_for(_instance_of(sub["id"]), sub["form"]) or {}
        forms.append({**sub, "title": form_title(schema, sub["form"]),
                      "html": formrender.render_view(schema, sub["data"], file_label=file_label)})
    files = project_files(project.id)
    stage = info["stage"]
    return render_template("projects/detail.html", project=info, forms=forms, files=files,
                           stage_index=roles.STAGES.index(stage) if stage in roles.STAGES else len(roles.STAGES),
                           instances=_instances(project.id), comments=service.comments_of(project.id),
                           comment_action=url_for("projects.comment", project_id=project.id), show_task=True)


@bp.route("/projects/<int:project_id>/comments", methods=["POST"])
def comment(project_id):
    project = service.get_project(user(), project_id)
    try:
        service.add_comment(user(), project, request.form.get("body", ""))
    except EngineError as exc:
        flash(exc.message, "error")
    else:
        flash("批注已发表", "success")
    return redirect(url_for("projects.detail", project_id=project.id) + "#comments")


def _instance_of(submission_id):
    return db.session.execute(db.select(Submission.instance_id).filter_by(id=submission_id)).scalar()


def _instances(project_id):
    return db.session.execute(db.select(Instance).filter_by(project_id=project_id)
                              .order_by(Instance.id)).scalars().all()


@bp.post("/projects/<int:project_id>/declaration/reopen")
def reopen_declaration(project_id):
    """撤回修改申报 from the project page."""
    try:
        service.reopen_declaration(user(), project_id)
        flash("已撤回申报，请在待办中修改后重新提交（须在 6月30日 前）", "success")
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.post("/projects/<int:project_id>/retire")
def retire(project_id):
    """系统下线 from the project page."""
    from . import retirement

    try:
        retirement.retire(user(), service.get_project(user(), project_id), request.form.get("reason", ""))
        flash("系统已下线，运维结束", "success")
    except EngineError as exc:
        flash(exc.message, "error")
    return redirect(url_for("projects.detail", project_id=project_id))


@bp.route("/projects/<int:project_id>/diagram.json")
def diagram(project_id):
    """One diagram of the project's instance with its completed, active and failed steps.

    The stages are call activities with diagrams of their own: by default the diagram of the current
    step; `?file=` picks another of the instance's diagrams (listed under `files`). `counts` gives the
    open instances of a multi-instance step (a panel's experts).
    """
    project = service.get_project(user(), project_id)
    instance_id = int_arg(request.args, "instance") or project.instance_id
    instance = db.session.get(Instance, instance_id) if instance_id else None
    if instance is None or instance.project_id != project.id:
        abort(404)
    specs = db.session.execute(db.select(registry.ProcessSpec.process_id, registry.ProcessSpec.source_file,
                                         registry.ProcessSpec.name).filter_by(version_id=instance.version_id)).all()
    names = {file: name for _, file, name in specs}
    try:
        states = progress.diagram_states(instance)
    except Exception:  # a state that no longer loads: still show the instance's own diagram, unmarked
        top = next((file for pid, file, _ in specs if pid == instance.process_id), None)
        states = {"current": top, "top": top, "files": {}}
    available = sorted(set(states["files"]) | ({states["top"]} if states["top"] else set()))
    chosen = request.args.get("file") if request.args.get("file") in available else states["current"]
    if not chosen:
        abort(404)
    marks = states["files"].get(chosen, {"completed": [], "active": [], "incident": [], "counts": {}})
    return jsonify({"xml": registry.file_text(instance.version_id, chosen), "file": chosen,
                    "process_id": instance.process_id, "version_id": instance.version_id,
                    "files": [{"file": f, "name": names.get(f) or f, "current": f == states["current"],
                               "active": bool(states["files"].get(f, {}).get("active"))} for f in available],
                    "completed": marks["completed"], "active": marks["active"], "counts": marks["counts"],
                    "incident": sorted(set(marks["incident"]) | set(_incident_ids(instance.id)))})


def _incident_ids(instance_id):
    from engine.models import Incident

    rows = db.session.execute(db.select(Incident.bpmn_id).filter_by(instance_id=instance_id, status="open"))
    return sorted({r[0] for r in rows if r[0]})


@bp.route("/projects/<int:project_id>/submissions/<int:submission_id>/print")
def print_submission(project_id, submission_id):
    project = service.get_project(user(), project_id)
    sub = db.session.get(Submission, submission_id)
    if sub is None or sub.project_id != project.id or sub.draft:
        abort(404)
    task = db.session.get(TaskIndex, sub.task_id) if sub.task_id else None
    if not service.may_read_submission(user(), task.group_code if task else None, sub.submitted_by):
        abort(404)
    schema = schema_for(sub.instance_id, sub.form) or {}
    people = accounts.people_of({sub.submitted_by})
    by = people.get(sub.submitted_by, (sub.submitted_by, None))
    return render_template("projects/print.html", project=service.project_dict(project), sub=sub,
                           task=task, title=form_title(schema, sub.form), by=by,
                           comments=service.comments_of(project.id, sub.task_id) if sub.task_id else [],
                           html=formrender.render_view(schema, sub.data, file_label=file_label))
