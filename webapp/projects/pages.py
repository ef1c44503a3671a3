"""项目库: list, Excel export, new project, project page with diagram, history, forms and files."""
from io import BytesIO

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for

from engine import clock, registry, roles
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
from ..files.services import file_label, project_files
from . import services as service

bp = Blueprint("projects", __name__, template_folder="templates")
bp.before_request(require_login)

FILTER_KEYS = ("year", "stage", "department", "status", "overdue", "q")
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
    book.save(out)
    out.seek(0)
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
    info = service.project_dict(project, detail=True)
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


@bp.route("/projects/<int:project_id>/diagram.json")
def diagram(project_id):
    """The BPMN XML of the lifecycle instance's version, with completed and active steps."""
    project = service.get_project(user(), project_id)
    instance_id = int_arg(request.args, "instance") or project.instance_id
    instance = db.session.get(Instance, instance_id) if instance_id else None
    if instance is None or instance.project_id != project.id:
        abort(404)
    spec_row = db.session.execute(db.select(registry.ProcessSpec).filter_by(
        version_id=instance.version_id, process_id=instance.process_id)).scalar()
    if spec_row is None or not spec_row.source_file:
        abort(404)
    xml = registry.file_text(instance.version_id, spec_row.source_file)
    tasks = db.session.execute(db.select(TaskIndex.bpmn_id, TaskIndex.state)
                               .filter_by(instance_id=instance.id)).all()
    completed = {b for b, s in tasks if s == "completed"} | _completed_nodes(instance)
    active = sorted({b for b, s in tasks if s == "ready"})
    return jsonify({"xml": xml, "process_id": instance.process_id, "version_id": instance.version_id,
                    "completed": sorted(completed - set(active)), "active": active,
                    "incident": _incident_ids(instance.id)})


def _completed_nodes(instance):
    """bpmn_ids of every finished flow node of the instance (events, gateways, scripts too)."""
    try:
        from SpiffWorkflow.util.task import TaskState

        from engine.serialization import load_state

        spec, subs = registry.load_specs(instance.version_id, instance.process_id)
        wf = load_state(instance.state, spec, subs)
        return {t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.COMPLETED)
                if getattr(t.task_spec, "bpmn_id", None)}
    except Exception:  # the diagram still shows the user tasks from the index
        return set()


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
    schema = schema_for(sub.instance_id, sub.form) or {}
    task = db.session.get(TaskIndex, sub.task_id) if sub.task_id else None
    people = accounts.people_of({sub.submitted_by})
    by = people.get(sub.submitted_by, (sub.submitted_by, None))
    return render_template("projects/print.html", project=service.project_dict(project), sub=sub,
                           task=task, title=form_title(schema, sub.form), by=by,
                           comments=service.comments_of(project.id, sub.task_id) if sub.task_id else [],
                           html=formrender.render_view(schema, sub.data, file_label=file_label))
