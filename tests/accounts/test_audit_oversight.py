"""Audit completeness, the oversight area's writes (see test_audit_completeness.py): each route driven through
its page or API on the oversight tests' town, each leaving its audit row by the acting account."""
from engine.db import db
from tests.oversight import city
from tests.oversight.conftest import users  # noqa: F401  (fixture)
from tests.oversight.test_assets import WHEN, registered  # noqa: F401  (fixture)
from tests.oversight.test_city import NOW, client, town  # noqa: F401  (fixture)

from .test_audit_completeness import Trail

DRIVEN_IN_TOWN = {
    "oversight.rules", "api.set_report_rules", "oversight.generate_bulletin", "oversight.edit_plan_entry",
    "oversight.publish_plan", "oversight.request_funds", "oversight.lift_sanction", "oversight.new_inspection",
    "api.open_inspection",
}
DRIVEN_WITH_ASSETS = {"oversight.request_asset_change", "oversight.decide_asset_change"}


def _as(app, user, at):
    """Calls as `user` at the given Beijing time: trail.check(…, _as(app, u, NOW)("post", path, data=…))."""
    def call(method, path, **kwargs):
        def go():
            with city.at(at):
                return getattr(client(app, user), method)(path, **kwargs)
        return go
    return call


def test_oversight_writes_leave_their_audit_rows(town, app):
    from webapp.core.models import Department

    users, trail = town["users"], Trail(db)
    sgj, gaj = _as(app, users["sgj"], NOW), _as(app, users["dept_gaj"], NOW)
    trail.check("oversight.rules", "sgj", "oversight_rules",
                sgj("post", "/oversight/rules", data={"red_months_behind": "2.5", "amber_months_behind": "0.5"}))
    trail.check("api.set_report_rules", "sgj", "oversight_rules",
                sgj("put", "/api/reports/rules", json={"red_months_behind": 3, "amber_months_behind": 1}))
    trail.check("oversight.generate_bulletin", "sgj", "bulletin",
                sgj("post", "/oversight/bulletin/generate", data={"month": "2026-05"}))
    trail.check("oversight.edit_plan_entry", "sgj", "plan_edit", sgj(
        "post", "/oversight/plan/2026/entries/1", data={"position": "1", "plan_amount_wan": "450", "note": "分两年"}))
    trail.check("oversight.publish_plan", "sgj", "plan_publish",
                sgj("post", "/oversight/plan/2026/publish", data={"title": "2026年度六安市电子政务项目建设计划"}))
    trail.check("oversight.request_funds", "dept_gaj", "message", gaj("post", "/oversight/funds/1/request"))
    with city.at(NOW):
        department = db.session.get(Department, "jyj")
        department.sanction, department.sanction_note = "suspend", "整改不到位"
        db.session.commit()
    trail.check("oversight.lift_sanction", "sgj", "sanction_lift",
                sgj("post", "/oversight/departments/jyj/lift", data={"note": "整改已到位"}))
    inspection = {"month": "2026-06", "reason": "形象进度落后", "requirements": "7月10日前报送整改措施",
                  "deadline": "2026-07-10"}
    trail.check("oversight.new_inspection", "sgj", "inspection_open",
                sgj("post", "/oversight/inspections/new", data={"project_id": "2", **inspection}))
    trail.check("api.open_inspection", "sgj", "inspection_open",
                sgj("post", "/api/inspections", json={"project_id": 4, **inspection}))
    assert trail.done == DRIVEN_IN_TOWN
    assert not trail.missing, "\n".join(trail.missing)


def test_asset_changes_leave_their_audit_rows(registered, app):
    from webapp.oversight.models import AssetChange
    from webapp.oversight.services import reports

    users, trail = registered, Trail(db)
    key = {a["name"]: a for a in reports.assets()}["前置服务器"]["key"]
    trail.check("oversight.request_asset_change", "dept_gaj", "asset_change_request", _as(app, users["dept_gaj"], WHEN)(
        "post", f"/oversight/assets/{key}/changes", data={"kind": "move", "reason": "统一上云",
                                                          "new_location": "市政务云", "new_on_gov_cloud": "1"}))
    change = db.session.query(AssetChange).one()
    trail.check("oversight.decide_asset_change", "sgj", "asset_change_decide", _as(app, users["sgj"], WHEN)(
        "post", f"/oversight/asset-changes/{change.id}/decide", data={"approve": "1", "note": "同意迁移"}))
    assert trail.done == DRIVEN_WITH_ASSETS
    assert not trail.missing, "\n".join(trail.missing)
