"""管理监控 pages: instance list with filters and counts, one instance with its diagram and actions,
incidents, model versions with their heat view. 数管局 and administrators read; administrators act."""
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import registry
from engine.db import db
from engine.errors import EngineError, Forbidden
from engine.models import AuditEvent, Incident, ProcessSpec

from ..core import varlabels
from ..core.auditwords import KIND_LABELS
from ..core.models import Department
from ..core.pages import int_arg, require
from ..core.pages import user as signed_in
from ..core.paging import page_args
from ..modeler import services as modeler
from . import instance_list, schedulers
from . import services as svc

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
FILTER_KEYS = ("state", "stage", "department", "version", "process", "overdue", "project_id", "year", "category",
               "budget_min", "budget_max", "contract_min", "contract_max", "step")


bp.before_request(require(svc.may_monitor))


@bp.context_processor
def _scheduler_alive():
    """Every cockpit page's tab bar turns red when no scheduler swept within a minute."""
    return {"scheduler_alive": schedulers.any_alive()}


def _departments():
    return db.session.execute(select(Department).order_by(Department.code)).scalars().all()


@bp.get("/", endpoint="index")
@bp.get("/instances", endpoint="instances")
def index():
    user = signed_in()
    filters = {k: request.args[k] for k in FILTER_KEYS if request.args.get(k)}
    page, per_page = page_args()
    rows, total, counts = instance_list.listed_and_counted(user, filters, page, per_page)
    versions = db.session.execute(select(registry.ModelVersion.id).order_by(registry.ModelVersion.id.desc())).scalars().all()
    # every deployed process, read off the versions (a handful of rows) rather than off every instance ever run
    processes = db.session.execute(select(ProcessSpec.process_id).distinct()).scalars().all()
    open_incidents = db.session.execute(select(db.func.count()).select_from(Incident)
                                        .where(Incident.status == "open")).scalar()
    return render_template("cockpit/instances.html", items=instance_list.instance_rows(rows), total=total, page=page,
                           per_page=per_page, filters=filters, counts=counts, states=instance_list.STATES, stages=instance_list.STAGES,
                           departments=_departments(), versions=versions, processes=sorted(processes),
                           may_act=svc.may_act(user), open_incidents=open_incidents,
                           latest=registry.latest_version())


@bp.get("/instances/<int:instance_id>")
def instance(instance_id):
    user = signed_in()
    detail = svc.instance_detail(user, instance_id)
    return render_template("cockpit/instance.html", i=detail, may_act=svc.may_act(user), states=instance_list.STATES,
                           kind_labels=KIND_LABELS,
                           decisions=_decisions(detail.get("project_id"), instance_id),
                           diagram_json=json.dumps({"xml": detail["diagram"], **detail["overlays"]},
                                                   ensure_ascii=False).replace("</", "<\\/"))


def _decisions(project_id, instance_id):
    """Which rule of which decision-table version decided (立项 route and the like), with its inputs: the
    decisions recorded for the project (all its processes), or for this instance when it has no project."""
    where = AuditEvent.project_id == project_id if project_id else AuditEvent.instance_id == instance_id
    rows = db.session.execute(select(AuditEvent).where(where, AuditEvent.kind == "decision")
                              .order_by(AuditEvent.at, AuditEvent.id)).scalars().all()
    known = {}  # per version: the forms' words for the outputs (立项方式 = 单独立项, not establishment_route=separate)
    found = []
    for r in rows:
        d = {"at": r.at, "instance_id": r.instance_id, **(r.payload or {})}
        if d.get("version_id") not in known:
            known[d.get("version_id")] = varlabels.labels(d.get("version_id"))
        d["shown_outputs"] = varlabels.shown(known[d.get("version_id")], d.get("outputs"))
        d["shown_inputs"] = varlabels.inputs(d.get("inputs"))
        found.append(d)
    return found


def _back(instance_id=None):
    target = request.form.get("next") or ""
    if target.startswith("/admin"):
        return redirect(target)
    return redirect(url_for("admin.instance", instance_id=instance_id) if instance_id else url_for("admin.index"))


@bp.post("/instances/<int:instance_id>/action")
def instance_action(instance_id):
    user = signed_in()
    svc.require_admin(user)
    action, reason = request.form.get("action", ""), request.form.get("reason", "")
    if action == "terminate" and not reason.strip():  # the page asks why; the API leaves it optional
        flash("终止失败：终止实例须填写原因", "error")
        return _back(instance_id)
    try:
        svc.act(user, instance_id, action, reason, request.form.get("version_id") or None)
    except Forbidden:
        raise
    except EngineError as exc:
        flash(f"{svc.ACTIONS.get(action, action)}失败：{exc.message}", "error")
    else:
        flash(f"实例 {instance_id} 已{svc.ACTIONS.get(action, action)}", "success")
    return _back(instance_id)


@bp.post("/bulk")
def bulk():
    user = signed_in()
    ids = request.form.getlist("ids")
    action = request.form.get("action", "")
    if not ids:
        flash("请先勾选实例", "warning")
        return _back()
    result = svc.bulk(user, ids, action, request.form.get("reason", ""))
    return render_template("cockpit/bulk_result.html", result=result, label=svc.ACTIONS.get(action, action))


@bp.post("/tasks/<task_id>/data")
def task_data(task_id):
    user = signed_in()
    instance_id = int_arg(request.form, "instance_id")
    try:
        data = json.loads(request.form.get("data") or "{}")
        svc.edit_task_data(user, task_id, data, request.form.get("reason", ""))
    except ValueError as exc:
        flash(f"数据不是有效的 JSON：{exc}", "error")
    except Forbidden:
        raise
    except EngineError as exc:
        flash(f"修改任务数据失败：{exc.message}" + (f"（{'；'.join(f'{k}：{v}' for k, v in exc.fields.items())}）"
                                                  if exc.fields else ""), "error")
    else:
        flash("任务数据已修改并记入审计日志", "success")
    return _back(instance_id)


@bp.post("/tasks/<task_id>/reassign")
def task_reassign(task_id):
    user = signed_in()
    instance_id = int_arg(request.form, "instance_id")
    try:
        svc.reassign_task(user, task_id, (request.form.get("username") or "").strip(), request.form.get("reason", ""))
    except Forbidden:
        raise
    except EngineError as exc:
        flash(f"改派失败：{exc.message}", "error")
    else:
        flash("任务已改派", "success")
    return _back(instance_id)


@bp.get("/incidents")
def incidents():
    page, per_page = page_args()
    status = request.args.get("status", "open")
    rows, total = svc.list_incidents(signed_in(), status if status in svc.INCIDENT_STATUSES else None, page, per_page)
    return render_template("cockpit/incidents.html", items=[svc.incident_dict(i) for i in rows], total=total,
                           page=page, per_page=per_page, status=status, may_act=svc.may_act(signed_in()))


@bp.post("/incidents/<int:incident_id>/retry")
def incident_retry(incident_id):
    try:
        incident = svc.retry_incident(signed_in(), incident_id)
    except Forbidden:
        raise
    except EngineError as exc:
        flash(f"重试失败：{exc.message}", "error")
        return _back()
    if incident.status == "resolved":
        flash(f"故障 {incident_id} 已重试成功，流程继续运行", "success")
    else:
        flash(f"重试后仍然出错：{incident.error.splitlines()[0]}", "error")
    return _back(incident.instance_id)


@bp.get("/schedulers")
def scheduler_list():
    return render_template("cockpit/schedulers.html", status=schedulers.status())


@bp.get("/models")
def models():
    user = signed_in()
    return render_template("cockpit/models.html", versions=modeler.versions(user))


@bp.get("/models/<int:version_id>")
def model_heat(version_id):
    user = signed_in()
    version = db.session.get(registry.ModelVersion, version_id)
    if version is None:
        abort(404)
    versions = {v["id"]: v for v in modeler.versions(user)}
    info = versions[version_id]
    process = request.args.get("process") or (
        "lifecycle" if any(p["id"] == "lifecycle" for p in info["processes"])
        else (info["processes"][0]["id"] if info["processes"] else None))
    heat = modeler.heat(user, version_id, process) if process else {"counts": {}}
    try:
        _, xml = modeler.diagram_of(version_id, process)
    except EngineError:
        xml = None
    return render_template("cockpit/model_heat.html", version=info, process=process, heat=heat,
                           heat_json=json.dumps({"xml": xml, "counts": heat["counts"]}, ensure_ascii=False).replace("</", "<\\/"))
