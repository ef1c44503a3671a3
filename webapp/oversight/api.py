"""Reports of 市数管局 (issue 6): 按月通报 (JSON + Excel), 驾驶舱, 年度建设计划, funds, assets, 绩效, 督查.

Who sees what: 市数管局 (sgj), administrators and the city's leaders (szf) see the whole city; a
department user gets the same reports restricted to the rows of their own department(s); every
other group gets 403. Writes (rules, 督查) are 市数管局's.
"""
from flask import Response, request

from engine import clock

from ..core.api import BadRequest, bp, json_body, user
from ..core.openapi import ERRORS, OBJ, add_paths, operation, query_params
from .services import actions, excel, reports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month():
    month = request.args.get("month") or reports.current_month()
    reports.parse_month(month)
    return month


def _year():
    raw = request.args.get("year")
    if not raw:
        return clock.today().year
    try:
        year = int(raw)
    except ValueError:
        raise BadRequest("year 须为年份数字", fields={"year": "须为年份数字"})
    if not 1 <= year <= 9999:  # a calendar year; beyond it no date exists and no column holds it
        raise BadRequest("year 须为 1–9999 之间的年份", fields={"year": "须为 1–9999 之间的年份"})
    return year


def _xlsx(content, filename, what, rows):
    """The workbook as a download; every export is an audit event (等保 8.1.4.3)."""
    from urllib.parse import quote

    from engine.audit import record
    from engine.db import db

    record("export", user().username, payload={"what": what, "file": filename, "rows": rows})
    db.session.commit()

    return Response(content, mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename=report.xlsx; filename*=UTF-8''{quote(filename)}"})


def _bulletin():
    account = user()
    depts = reports.scope(account)
    refresh = request.args.get("refresh") in ("1", "true")
    if refresh:
        reports.require_sgj(account)
    return reports.restrict(actions.bulletin(_month(), refresh=refresh, by=account.username), depts)


@bp.get("/reports/monthly")
def monthly_report():
    return _bulletin()


@bp.get("/reports/monthly.xlsx")
def monthly_report_xlsx():
    data = _bulletin()
    return _xlsx(excel.bulletin_xlsx(data), f"电子政务项目月度通报-{data['month']}.xlsx", "monthly",
                 len(data.get("rows") or data.get("items") or []))


@bp.get("/reports/rules")
def report_rules():
    reports.scope(user())
    return {"rules": reports.rules(), "labels": reports.RULE_LABELS}


@bp.put("/reports/rules")
def set_report_rules():
    return {"rules": actions.set_rules(user(), json_body()), "labels": reports.RULE_LABELS}


@bp.get("/reports/dashboard")
def dashboard_report():
    account = user()
    if reports.scope(account) is not None:
        reports.require_sgj(account)  # the city-wide cockpit is for 市数管局 and leaders
    return reports.dashboard()


@bp.get("/reports/plan")
def plan_report():
    return reports.plan(_year(), reports.plan_scope(user()))


@bp.get("/reports/plan.xlsx")
def plan_report_xlsx():
    data = reports.plan(_year(), reports.plan_scope(user()))
    return _xlsx(excel.plan_xlsx(data), f"{data['year']}年度电子政务项目建设计划.xlsx", "plan", len(data["items"]))


@bp.get("/reports/assessment")
def assessment_report():
    """电子政务工作考核 of a year, per department (a department sees its own line)."""
    year = _year()
    return {"year": year, "items": reports.yearly_assessment(year, reports.scope(user()))}


@bp.get("/reports/assessment.xlsx")
def assessment_report_xlsx():
    year = _year()
    rows = reports.yearly_assessment(year, reports.scope(user()))
    return _xlsx(reports.assessment_xlsx(year, rows).getvalue(), f"{year}年度电子政务工作考核.xlsx", "assessment",
                 len(rows))


@bp.get("/reports/funds")
def funds_report():
    year = request.args.get("year")
    if year:
        year = _year()
    return reports.funds(year or None, reports.scope(user()))


@bp.get("/reports/assets")
def assets_report():
    items = reports.assets(reports.scope(user()))
    return {"items": items, "total": len(items)}


@bp.get("/reports/performance")
def performance_report():
    items = reports.performance(reports.scope(user()))
    return {"items": items, "total": len(items)}


@bp.get("/inspections")
def list_inspections():
    items = [actions.inspection_dict(i) for i in actions.list_inspections(user())]
    return {"items": items, "total": len(items)}


@bp.post("/inspections")
def open_inspection():
    row = actions.open_inspection(user(), json_body())
    return actions.inspection_dict(row), 201


@bp.get("/inspections/<int:inspection_id>")
def get_inspection(inspection_id):
    return actions.inspection_dict(actions.get_inspection(user(), inspection_id))


MONTH = [{"name": "month", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
          "description": "YYYY-MM，默认本月"}]
YEAR = [{"name": "year", "in": "query", "schema": {"type": "integer"}}]
LIST = {"$ref": "#/components/schemas/List"}
XLSX_OK = {"200": {"description": "Excel 文件", "content": {XLSX: {}}}, **{c: ERRORS[c] for c in ("400", "401", "403", "422")}}

add_paths({
    "/api/reports/monthly": {"get": operation("按月通报（部门用户仅见本部门）", "reports", OBJ,
                                        params=MONTH + query_params("refresh"), errors=("400", "401", "403", "422"))},
    "/api/reports/monthly.xlsx": {"get": {**operation("按月通报 Excel", "reports", params=MONTH), "responses": XLSX_OK}},
    "/api/reports/rules": {
        "get": operation("通报预警规则（红黄绿）", "reports", OBJ, errors=("401", "403")),
        "put": operation("修改通报预警规则（市数管局）", "reports", OBJ, body=OBJ, errors=("400", "401", "403", "422")),
    },
    "/api/reports/dashboard": {"get": operation("驾驶舱（市数管局、领导）", "reports", OBJ, errors=("401", "403"))},
    "/api/reports/plan": {"get": operation("年度建设计划", "reports", OBJ, params=YEAR, errors=("400", "401", "403"))},
    "/api/reports/plan.xlsx": {"get": {**operation("年度建设计划 Excel", "reports", params=YEAR), "responses": XLSX_OK}},
    "/api/reports/assessment": {"get": operation("年度电子政务工作考核（按部门：进度表按时报送、预算执行、督查结果、处理措施）",
                                                 "reports", OBJ, params=YEAR, errors=("400", "401", "403"))},
    "/api/reports/assessment.xlsx": {"get": {**operation("年度电子政务工作考核 Excel", "reports", params=YEAR),
                                             "responses": XLSX_OK}},
    "/api/reports/funds": {"get": operation("资金：批复、合同、拨付与预算执行", "reports", OBJ, params=YEAR,
                                      errors=("400", "401", "403"))},
    "/api/reports/assets": {"get": operation("资产台账", "reports", LIST, errors=("401", "403"))},
    "/api/reports/performance": {"get": operation("绩效评估结果排名", "reports", LIST, errors=("401", "403"))},
    "/api/inspections": {
        "get": operation("督查整改列表", "inspections", LIST, errors=("401", "403")),
        "post": operation("开展督查（市数管局）", "inspections", OBJ, "201", body=OBJ,
                    errors=("400", "401", "403", "404", "409", "422")),
    },
    "/api/inspections/{inspection_id}": {"get": operation("督查详情", "inspections", OBJ, params=[
        {"name": "inspection_id", "in": "path", "required": True, "schema": {"type": "integer"}}])},
})
