"""Pages of the oversight area under /oversight: 驾驶舱, 按月通报, 督查整改, 年度建设计划, 资金, 资产, 绩效."""
import json
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine import clock, roles
from engine.db import db
from engine.errors import EngineError

from ..accounts.services import display_names
from ..core.models import Department, Project
from ..core.pages import int_arg
from .services import actions, reports

bp = Blueprint("oversight", __name__, url_prefix="/oversight",
               template_folder=str(Path(__file__).resolve().parent / "templates"))

STAGE_COLORS = {"谋划": "#8c8c8c", "申报": "#1677ff", "实施": "#fa8c16", "验收": "#13c2c2", "运维": "#52c41a", "已结束": "#595959"}
RAG_COLORS = {"red": "#d4380d", "amber": "#faad14", "green": "#389e0d"}


@bp.before_request
def _login():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def _user():
    return current_user._get_current_object()


def _is_sgj():
    return bool({"sgj", "admin"} & set(current_user.groups))


def _is_leader():
    return bool(reports.VIEWERS & set(current_user.groups))


@bp.app_context_processor
def _nav():
    return {"oversight_nav": current_user.is_authenticated and (
        _is_leader() or any(g.startswith("dept:") for g in current_user.groups))}


def _try(action, success, fallback):
    """Run a write; flash its result; redirect back (errors flash too and keep nothing)."""
    try:
        action()
        flash(success, "success")
    except EngineError as exc:
        db.session.rollback()
        detail = "；".join(f"{v}" for v in (exc.fields or {}).values())
        flash(exc.message + (f"（{detail}）" if detail else ""), "error")
    return redirect(fallback)


# ---------------------------------------------------------------- 驾驶舱

@bp.get("/")
def dashboard():
    if not _is_leader():
        return redirect(url_for("oversight.bulletin"))
    data = reports.dashboard()
    charts = {
        "stages": {"tooltip": {}, "xAxis": {"type": "category", "data": [s["stage"] for s in data["stages"]]},
                   "yAxis": {"type": "value", "minInterval": 1},
                   "series": [{"type": "bar", "name": "项目数", "data": [
                       {"value": s["count"], "itemStyle": {"color": STAGE_COLORS[s["stage"]]}} for s in data["stages"]]}]},
        "trend": {"tooltip": {"trigger": "axis"}, "legend": {"data": ["应报进度表", "按时报送", "拨付(万元)"]},
                  "xAxis": {"type": "category", "data": [t["month"] for t in data["trend"]]},
                  "yAxis": [{"type": "value", "name": "份", "minInterval": 1}, {"type": "value", "name": "万元"}],
                  "series": [{"type": "bar", "name": "应报进度表", "data": [t["reports_due"] for t in data["trend"]]},
                             {"type": "bar", "name": "按时报送", "data": [t["reports_on_time"] for t in data["trend"]]},
                             {"type": "line", "name": "拨付(万元)", "yAxisIndex": 1,
                              "data": [t["paid_wan"] for t in data["trend"]]}]},
        "budget": {"tooltip": {"trigger": "axis"}, "legend": {"data": ["批复", "已拨付"]},
                   "xAxis": {"type": "category", "data": [f"{b['department_name']} {b['build_year']}" for b in data["budget"]["by_department"]]},
                   "yAxis": {"type": "value", "name": "万元"},
                   "series": [{"type": "bar", "name": "批复", "data": [b["approved_amount_wan"] for b in data["budget"]["by_department"]]},
                              {"type": "bar", "name": "已拨付", "data": [b["paid_wan"] for b in data["budget"]["by_department"]]}]},
    }
    return render_template("oversight/dashboard.html", data=data, charts=_json(charts), rag_colors=RAG_COLORS)


def _json(charts):
    """Each chart's option as JSON, or None where it has nothing to draw (all values empty or zero): the page
    then says 暂无数据 instead of bare axes or a donut of equal slices."""
    return {k: json.dumps(v, ensure_ascii=False) if _has_data(v) else None for k, v in charts.items()}


def _has_data(option):
    values = (d.get("value") if isinstance(d, dict) else d for s in option.get("series", []) for d in s.get("data", []))
    return any(isinstance(v, (int, float)) and v != 0 for v in values)


# ---------------------------------------------------------------- 按月通报

@bp.get("/bulletin")
def bulletin():
    month = request.args.get("month") or actions.due_bulletin_month()
    try:
        reports.parse_month(month)
    except EngineError as exc:
        flash(exc.message, "error")
        month = actions.due_bulletin_month()
    depts = reports.scope(_user())
    data = reports.restrict(actions.bulletin(month), depts)
    rows = data["rows"]
    rag_filter = request.args.get("rag")
    dept_filter = request.args.get("department")
    if rag_filter in reports.RAG_LABELS:
        rows = [r for r in rows if r["rag"] == rag_filter]
    if dept_filter:
        rows = [r for r in rows if r["department"] == dept_filter]
    s = data["summary"]
    charts = {
        "rag": {"tooltip": {"trigger": "item"}, "legend": {"bottom": 0},
                "series": [{"type": "pie", "radius": ["40%", "70%"], "name": "预警", "stillShowZeroSum": False,
                            "data": [{"name": f"{reports.RAG_LABELS[k]}（{s[k]}）", "value": s[k],
                                      "itemStyle": {"color": RAG_COLORS[k]}} for k in ("red", "amber", "green")]}]},
        "departments": {"tooltip": {"trigger": "axis"}, "legend": {"data": ["红", "黄", "绿"]},
                        "xAxis": {"type": "category", "data": [d["department_name"] for d in data["departments"]]},
                        "yAxis": {"type": "value", "minInterval": 1},
                        "series": [{"type": "bar", "stack": "rag", "name": reports.RAG_LABELS[k],
                                    "itemStyle": {"color": RAG_COLORS[k]},
                                    "data": [d[k] for d in data["departments"]]} for k in ("red", "amber", "green")]},
        "progress": {"tooltip": {"trigger": "axis"}, "legend": {"data": ["形象进度", "计划进度"]},
                     "grid": {"left": 160},
                     "yAxis": {"type": "category", "data": [r["project_name"] for r in data["rows"][:15]][::-1]},
                     "xAxis": {"type": "value", "max": 100},
                     "series": [{"type": "bar", "name": "形象进度", "data": [r["progress_percent"] for r in data["rows"][:15]][::-1]},
                                {"type": "bar", "name": "计划进度", "data": [r["expected_percent"] or 0 for r in data["rows"][:15]][::-1]}]},
    }
    template = "oversight/bulletin_print.html" if request.args.get("print") else "oversight/bulletin.html"
    by = data.get("generated_by")
    return render_template(template, data=data, rows=rows, month=month, charts=_json(charts),
                           generated_by_name=display_names({by}).get(by) if by else None,
                           prev=reports.previous_month(month), next=_next_month(month), rag_labels=reports.RAG_LABELS,
                           rag_filter=rag_filter, dept_filter=dept_filter, is_sgj=_is_sgj(), dept_scope=depts)


def _next_month(month):
    year, mon = reports.parse_month(month)
    return f"{year + (mon == 12)}-{mon % 12 + 1:02d}"


@bp.post("/bulletin/generate")
def generate_bulletin():
    reports.require_sgj(_user())
    month = request.form.get("month", "")
    return _try(lambda: (reports.parse_month(month), actions.generate_bulletin(month, by=current_user.username)),
                f"已生成 {month} 月度通报", url_for("oversight.bulletin", month=month))


@bp.route("/rules", methods=["GET", "POST"])
def rules():
    reports.scope(_user())
    if request.method == "POST":
        return _try(lambda: actions.set_rules(_user(), request.form.to_dict()), "通报预警规则已保存",
                    url_for("oversight.rules"))
    return render_template("oversight/rules.html", rules=reports.rules(), labels=reports.RULE_LABELS, is_sgj=_is_sgj())


# ---------------------------------------------------------------- 督查整改

@bp.get("/inspections")
def inspections():
    items = [actions.inspection_dict(i) for i in actions.list_inspections(_user())]
    sanctioned = db.session.execute(db.select(Department).where(Department.sanction.is_not(None))).scalars().all()
    return render_template("oversight/inspections.html", items=items, sanctioned=sanctioned, is_sgj=_is_sgj(),
                           labels=actions.SANCTION_LABELS)


@bp.route("/inspections/new", methods=["GET", "POST"])
def new_inspection():
    reports.require_sgj(_user())
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k != "csrf_token"}  # the form's fields only
        form["joint_units"] = request.form.getlist("joint_units")
        try:
            row = actions.open_inspection(_user(), form)
        except EngineError as exc:
            db.session.rollback()
            return render_template("oversight/inspection_new.html", form=form, errors=exc.fields or {},
                                   message=exc.message, project=_project(form.get("project_id"))), exc.status
        flash("已开展督查，限期整改通知已下达", "success")
        return redirect(url_for("oversight.inspection", inspection_id=row.id))
    form = {"project_id": request.args.get("project_id", ""), "month": request.args.get("month", ""),
            "reason": request.args.get("reason", ""), "opened_date": clock.today().isoformat()}
    return render_template("oversight/inspection_new.html", form=form, errors={}, message=None,
                           project=_project(form["project_id"]))


def _project(project_id):
    try:
        return db.session.get(Project, int(project_id))
    except (TypeError, ValueError):
        return None


@bp.get("/inspections/<int:inspection_id>")
def inspection(inspection_id):
    row = actions.get_inspection(_user(), inspection_id)
    item = actions.inspection_dict(row)
    people = display_names({item["opened_by"], item["decided_by"]} - {None})
    return render_template("oversight/inspection.html", item=item, people=people, is_sgj=_is_sgj())


@bp.post("/departments/<code>/lift")
def lift_sanction(code):
    return _try(lambda: actions.lift_sanction(_user(), code, request.form.get("note", "")), "已解除该部门的督查处理",
                url_for("oversight.department", code=code))


@bp.get("/departments/<code>")
def department(code):
    depts = reports.scope(_user())
    if depts is not None and code not in depts:
        abort(404)
    record = reports.department_record(code)
    if record is None:
        abort(404)
    return render_template("oversight/department.html", record=record, dims=reports.DIMENSIONS, is_sgj=_is_sgj(),
                           labels=actions.SANCTION_LABELS)


# ---------------------------------------------------------------- 年度建设计划

@bp.get("/plan")
def plan():
    departments = reports.plan_scope(_user())
    year = int_arg(request.args, "year") or clock.today().year
    return render_template("oversight/plan.html", plan=reports.plan(year, departments), year=year, is_sgj=_is_sgj(),
                           principles=reports.PRINCIPLES, process=reports.plan_process(year) if _is_sgj() else None)


@bp.post("/plan/<int:year>/entries/<int:project_id>")
def edit_plan_entry(year, project_id):
    return _try(lambda: actions.edit_plan_entry(_user(), year, project_id, request.form.to_dict()), "计划条目已保存",
                url_for("oversight.plan", year=year))


@bp.post("/plan/<int:year>/publish")
def publish_plan(year):
    return _try(lambda: actions.publish_plan(_user(), year, request.form.get("title")), f"{year} 年度建设计划已发布",
                url_for("oversight.plan", year=year))


# ---------------------------------------------------------------- 资金, 资产, 绩效

@bp.get("/funds")
def funds():
    year = int_arg(request.args, "year")
    data = reports.funds(year, reports.scope(_user()))
    return render_template("oversight/funds.html", data=data, year=year,
                           may_request=any(g.startswith("dept:") for g in current_user.groups))


@bp.post("/funds/<int:project_id>/request")
def request_funds(project_id):
    return _try(lambda: actions.request_funds(_user(), project_id), "资金拨付申请已发起，请在待办中填写申请表",
                url_for("oversight.funds"))


@bp.get("/assets")
def assets():
    items = reports.assets(reports.scope(_user()))
    return render_template("oversight/assets.html", items=items, is_sgj=_is_sgj())


@bp.post("/assets/<key>/changes")
def request_asset_change(key):
    f = request.form
    return _try(lambda: actions.request_asset_change(_user(), key, f.get("kind"), f.get("reason", ""), f.get("new_location"),
                                                     f.get("new_on_gov_cloud") in ("1", "on"), f.get("new_managing_unit")),
                "资产变更申请已提交，待市数管局审批", url_for("oversight.assets"))


@bp.post("/asset-changes/<int:change_id>/decide")
def decide_asset_change(change_id):
    approve = request.form.get("approve") == "1"
    return _try(lambda: actions.decide_asset_change(_user(), change_id, approve, request.form.get("note", "")),
                "已审批资产变更申请", url_for("oversight.assets"))


@bp.get("/assessment")
def assessment():
    """年度电子政务工作考核, per department (a department sees its own line)."""
    year = int_arg(request.args, "year") or clock.today().year
    if not 2000 <= year <= 2100:
        year = clock.today().year
    return render_template("oversight/assessment.html", year=year,
                           items=reports.yearly_assessment(year, reports.scope(_user())))


@bp.get("/performance")
def performance():
    items = reports.performance(reports.scope(_user()))
    dept = request.args.get("department")
    if dept:
        items = [i for i in items if i["department"] == dept]
    return render_template("oversight/performance.html", items=items, dims=reports.DIMENSIONS, dept=dept)


STAGES = roles.STAGES
