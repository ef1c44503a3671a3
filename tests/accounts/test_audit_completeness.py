"""Audit completeness (等保 8.1.4.3): every route of the administrative areas that changes state — from the
app's url_map: POST/PUT/PATCH/DELETE of the 流程监控 cockpit, the modeler, the oversight area and the accounts
area (sign-in, logout, passwords, second factor, delegation, user administration) — is driven here (or in test_audit_oversight.py) and must leave its audit row, by the acting
account, or stands on NOT_AUDITED with the reason it changes nothing worth a row. A new route fails the
enumeration until it is driven or justified."""
import json

import pytest

from engine import runtime
from engine.models import AuditEvent, Incident
from tests.admin.test_api_cockpit import SIMPLE, start
from tests.admin.test_migration import inserted_step
from tests.api.conftest import FILL, PASSWORD, api, users  # noqa: F401  (fixtures)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
ADMIN_MODULES = ("webapp.cockpit.", "webapp.modeler.", "webapp.oversight.", "webapp.accounts.")

NOT_AUDITED = {
    "api.cockpit_form_preview": "renders a form schema with sample data for the analyst; stores nothing",
    "api.cockpit_validate_draft": "lints a diagram for the analyst; stores nothing",
}
DRIVEN_HERE = {
    "users.new_user", "users.edit_user", "users.set_roles", "users.unlock", "users.reset_password",
    "users.reset_second_factor", "users.new_department",
    "admin.instance_action", "admin.bulk", "admin.task_data", "admin.task_reassign", "admin.incident_retry",
    "api.suspend_instance", "api.resume_instance", "api.terminate_instance", "api.retry_incident",
    "api.cockpit_instance_retry", "api.cockpit_instances_bulk", "api.cockpit_task_reassign",
    "api.cockpit_task_edit_data", "api.cockpit_save_draft", "api.cockpit_deploy_drafts",
    "api.cockpit_instance_migrate", "api.cockpit_delete_draft", "api.deploy_models",
    "modeler.deploy", "modeler.discard",
}


DRIVEN_ACCOUNT = {
    "auth.login", "auth.logout", "api.issue_token", "api.revoke_token", "account.password", "api.change_password",
    "account.second_factor", "account.recovery_codes", "delegation.create", "delegation.revoke",
}


def _driven_in_oversight():
    from .test_audit_oversight import DRIVEN_IN_TOWN, DRIVEN_WITH_ASSETS

    return DRIVEN_IN_TOWN | DRIVEN_WITH_ASSETS


def admin_writes(app):
    """{endpoint: rule} of every state-changing route whose view lives in an administrative module."""
    found = {}
    for rule in app.url_map.iter_rules():
        module = getattr(app.view_functions[rule.endpoint], "__module__", "")
        if rule.methods & WRITES and module.startswith(ADMIN_MODULES):
            found[rule.endpoint] = rule.rule
    return found


def test_every_admin_write_is_driven_or_justified(app):
    routes = set(admin_writes(app))
    driven = DRIVEN_HERE | DRIVEN_ACCOUNT | _driven_in_oversight()
    listed = driven | set(NOT_AUDITED)
    assert not routes - listed, f"state-changing admin routes neither audited-and-tested nor justified: {routes - listed}"
    assert not listed - routes, f"listed but no such route: {listed - routes}"
    assert not driven & set(NOT_AUDITED)


class Trail:
    """Drives routes and checks each left a new audit row of the expected kind by the acting account."""

    def __init__(self, db):
        self.db, self.done, self.missing = db, set(), []

    def last_id(self):
        self.db.session.rollback()
        return self.db.session.execute(self.db.select(self.db.func.max(AuditEvent.id))).scalar() or 0

    def check(self, endpoint, actor, kind, call):
        before = self.last_id()
        response = call()
        assert response.status_code < 400, (endpoint, response.status_code, response.get_data(as_text=True)[:400])
        self.db.session.rollback()
        rows = self.db.session.execute(self.db.select(AuditEvent.kind, AuditEvent.actor)
                                       .where(AuditEvent.id > before)).all()
        if (kind, actor) not in {(k, a) for k, a in rows}:
            self.missing.append(f"{endpoint}: no '{kind}' row by {actor} (found {rows})")
        self.done.add(endpoint)
        return response


def _page(app, username):
    client = app.test_client()
    r = client.post("/login", data={"username": username, "password": PASSWORD})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return client


def _open_task(instance):
    return runtime.open_tasks(instance.id)[0]


def _incident(instance):
    from engine.db import db

    return db.session.execute(db.select(Incident).filter_by(instance_id=instance.id, status="open")).scalar_one()


def test_each_admin_write_leaves_its_audit_row(app, db, api, deployed):
    from webapp.accounts.models import User

    trail = Trail(db)
    sysadmin, secadmin, admin = _page(app, "sysadmin"), _page(app, "secadmin"), _page(app, "admin")
    analyst_page = _page(app, "analyst")
    a_admin, a_analyst = api.as_("admin"), api.as_("analyst")

    # 用户管理 under 三员分立
    trail.check("users.new_user", "sysadmin", "edit_user", lambda: sysadmin.post("/admin/users/new", data={
        "username": "newbie", "display_name": "新同事", "department_code": "gaj", "active": "1",
        "password": "Strong-pass-2026"}))
    uid = db.session.execute(db.select(User.id).filter_by(username="newbie")).scalar_one()
    trail.check("users.edit_user", "sysadmin", "edit_user", lambda: sysadmin.post(f"/admin/users/{uid}/edit", data={
        "display_name": "新同事甲", "department_code": "gaj", "active": "1"}))
    trail.check("users.set_roles", "secadmin", "role_change",
                lambda: secadmin.post(f"/admin/users/{uid}/roles", data={"groups": ["dept:gaj"]}))
    trail.check("users.unlock", "secadmin", "unlock", lambda: secadmin.post(f"/admin/users/{uid}/unlock"))
    trail.check("users.reset_password", "secadmin", "password_reset",
                lambda: secadmin.post(f"/admin/users/{uid}/reset-password", data={"password": "Reset-pass-2027"}))
    trail.check("users.reset_second_factor", "secadmin", "totp_reset",
                lambda: secadmin.post(f"/admin/users/{uid}/reset-second-factor"))
    trail.check("users.new_department", "sysadmin", "create_department",
                lambda: sysadmin.post("/admin/departments", data={"code": "xwj", "name": "市新闻局"}))

    # 流程监控 pages
    a = start("simple", owner_group="dept:gaj", data={"build_year": 2027})
    trail.check("admin.instance_action", "admin", "suspend", lambda: admin.post(
        f"/admin/instances/{a.id}/action", data={"action": "suspend", "reason": "核查材料"}))
    trail.check("admin.bulk", "admin", "resume",
                lambda: admin.post("/admin/bulk", data={"ids": [str(a.id)], "action": "resume"}))
    task = _open_task(a)
    trail.check("admin.task_data", "admin", "edit_data", lambda: admin.post(f"/admin/tasks/{task.id}/data", data={
        "instance_id": a.id, "data": json.dumps(FILL), "reason": "补正材料"}))
    trail.check("admin.task_reassign", "admin", "reassign", lambda: admin.post(
        f"/admin/tasks/{task.id}/reassign", data={"instance_id": a.id, "username": "dept_gaj", "reason": "指定经办人"}))
    failing = start("failing", data={"divisor": 0})
    trail.check("api.cockpit_task_edit_data", "admin", "edit_data", lambda: a_admin.post(
        f"/api/tasks/{_incident(failing).task_id}/data", json={"data": {"divisor": 4}, "reason": "补正除数"}))
    trail.check("admin.incident_retry", "admin", "retry",
                lambda: admin.post(f"/admin/incidents/{_incident(failing).id}/retry"))

    # 流程监控 API
    b = start("simple", owner_group="dept:gaj", data={"build_year": 2027})
    trail.check("api.suspend_instance", "admin", "suspend",
                lambda: a_admin.post(f"/api/instances/{b.id}/suspend", json={"reason": "核查材料"}))
    trail.check("api.resume_instance", "admin", "resume", lambda: a_admin.post(f"/api/instances/{b.id}/resume"))
    trail.check("api.cockpit_instances_bulk", "admin", "suspend", lambda: a_admin.post(
        "/api/instances/bulk", json={"action": "suspend", "ids": [b.id], "reason": "核查材料"}))
    trail.check("api.terminate_instance", "admin", "terminate",
                lambda: a_admin.post(f"/api/instances/{b.id}/terminate", json={"reason": "项目撤销"}))
    c = start("simple", owner_group="dept:gaj", data={"build_year": 2027})
    trail.check("api.cockpit_task_reassign", "admin", "reassign", lambda: a_admin.post(
        f"/api/tasks/{_open_task(c).id}/reassign", json={"username": "dept_gaj", "reason": "指定经办人"}))
    for endpoint, path in (("api.retry_incident", "/api/incidents/{incident}/retry"),
                           ("api.cockpit_instance_retry", "/api/instances/{instance}/retry")):
        broken = start("failing", data={"divisor": 0})
        with runtime.unit_of_work():
            runtime.edit_task_data(_incident(broken).task_id, {"divisor": 5}, runtime.SYSTEM, "修正除数")
        url = path.format(incident=_incident(broken).id, instance=broken.id)
        trail.check(endpoint, "admin", "retry", lambda: a_admin.post(url, json={"reason": "已修正"}))

    # 建模: drafts, deploy, migrate
    new_text = inserted_step(SIMPLE)
    saved = trail.check("api.cockpit_save_draft", "analyst", "draft_model", lambda: a_analyst.post(
        "/api/drafts", json={"name": "bpmn/simple.bpmn", "content": new_text}))
    draft = saved.get_json()["id"]
    deployed_v2 = trail.check("api.cockpit_deploy_drafts", "analyst", "deploy",
                              lambda: a_analyst.post("/api/drafts/deploy", json={"drafts": [draft]}))
    trail.check("api.cockpit_instance_migrate", "admin", "migrate", lambda: a_admin.post(
        f"/api/instances/{c.id}/migrate", json={"version_id": deployed_v2.get_json()["id"]}))
    other = a_analyst.post("/api/drafts", json={"name": "bpmn/simple.bpmn", "content": new_text + "\n"}).get_json()
    trail.check("api.cockpit_delete_draft", "analyst", "discard_draft",
                lambda: a_analyst.delete(f"/api/drafts/{other['id']}"))
    trail.check("api.deploy_models", "analyst", "deploy", lambda: a_analyst.post(
        "/api/models", json={"files": {"bpmn/simple.bpmn": new_text.replace("确认材料", "确认全部材料")}}))
    for endpoint, kind, path, form in (("modeler.deploy", "deploy", "/modeler/deploy", lambda d: {"drafts": [str(d)]}),
                                       ("modeler.discard", "discard_draft", "/modeler/drafts/{d}/discard",
                                        lambda d: {})):
        d = a_analyst.post("/api/drafts", json={"name": "bpmn/simple.bpmn",
                                                "content": new_text.replace("确认材料", f"确认材料{kind}")}).get_json()["id"]
        trail.check(endpoint, "analyst", kind, lambda: analyst_page.post(path.format(d=d), data=form(d)))

    assert trail.done == DRIVEN_HERE
    assert not trail.missing, "\n".join(trail.missing)


def _downloads(app):
    """{endpoint: rule} of every route that hands out a file: workbooks, archives, model files, exports."""
    return {r.endpoint: r.rule for r in app.url_map.iter_rules()
            if "GET" in r.methods and (r.rule.endswith((".xlsx", ".zip", ".csv")) or "export" in r.rule
                                       or "download" in r.rule)}


EXPORTS = {  # endpoint: (who, path)
    "api.plan_report_xlsx": ("sgj", "/api/reports/plan.xlsx?year=2026"),
    "api.monthly_report_xlsx": ("sgj", "/api/reports/monthly.xlsx?month=2026-05"),
    "api.assessment_report_xlsx": ("sgj", "/api/reports/assessment.xlsx?year=2026"),
    "projects.export": ("sgj", "/projects.xlsx"),
    "audit.export": ("auditor", "/audit/export.xlsx"),
    "modeler.download": ("analyst", "/modeler/download?file=bpmn/simple.bpmn"),
}


def test_every_download_is_an_audited_export(app, db, api, deployed):
    assert set(_downloads(app)) == set(EXPORTS), "a new download route: drive it here and audit it as an export"
    trail = Trail(db)
    for endpoint, (who, path) in EXPORTS.items():
        page = _page(app, who)
        response = trail.check(endpoint, who, "export", lambda: page.get(path))
        assert response.status_code == 200 and "attachment" in response.headers.get("Content-Disposition", "")
    assert not trail.missing, "\n".join(trail.missing)


def test_a_clock_change_is_audited(app, db):
    runner = app.test_cli_runner()
    before = Trail(db).last_id()
    try:
        assert runner.invoke(args=["clock", "set", "2030-01-02T03:04:05+08:00"]).exit_code == 0
    finally:
        assert runner.invoke(args=["clock", "reset"]).exit_code == 0
    db.session.rollback()
    kinds = db.session.execute(db.select(AuditEvent.kind, AuditEvent.payload).where(AuditEvent.id > before)
                               .order_by(AuditEvent.id)).all()
    assert [k for k, _ in kinds] == ["clock", "clock"] and kinds[1][1] == {"reset": True}


def test_sign_in_logout_password_and_delegation_leave_their_audit_rows(app, db, make_user, rules_on):
    import time

    import pyotp

    from webapp.accounts import passwords
    from webapp.accounts.delegation import Delegation

    trail = Trail(db)
    user = make_user("zhang3")
    make_user("li4")
    passwords.set_password(user, "Own-choice-77")
    db.session.commit()
    browser = app.test_client()
    trail.check("auth.login", "zhang3", "login", lambda: browser.post(
        "/login", data={"username": "zhang3", "password": "Own-choice-77"}))
    trail.check("account.password", "zhang3", "password_change", lambda: browser.post("/account/password", data={
        "old_password": "Own-choice-77", "new_password": "Next-choice-88", "confirm_password": "Next-choice-88"}))
    token = trail.check("api.issue_token", "zhang3", "login", lambda: app.test_client().post(
        "/api/auth/token", json={"username": "zhang3", "password": "Next-choice-88"})).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    trail.check("api.change_password", "zhang3", "password_change", lambda: app.test_client().post(
        "/api/me/password", headers=bearer, json={"old_password": "Next-choice-88", "new_password": "Third-choice-99"}))
    token = app.test_client().post("/api/auth/token", json={"username": "zhang3", "password": "Third-choice-99"})
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    trail.check("api.revoke_token", "zhang3", "logout",
                lambda: app.test_client().delete("/api/auth/token", headers=bearer))
    browser = app.test_client()
    browser.post("/login", data={"username": "zhang3", "password": "Third-choice-99"})
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))
    trail.check("delegation.create", "zhang3", "delegate", lambda: browser.post(
        "/delegation", data={"deputy": "li4", "starts_on": today, "ends_on": today}))
    row = db.session.execute(db.select(Delegation)).scalar_one()
    trail.check("delegation.revoke", "zhang3", "delegate_revoke",
                lambda: browser.post(f"/delegation/{row.id}/revoke"))
    trail.check("auth.logout", "zhang3", "logout", lambda: browser.post("/logout"))

    admin = make_user("secadmin", groups=("secadmin",))
    passwords.set_password(admin, "Own-choice-77")
    db.session.commit()
    browser = app.test_client()
    browser.post("/login", data={"username": "secadmin", "password": "Own-choice-77"})
    secret = browser.get("/account/second-factor").get_data(as_text=True).split('id="totp-secret">')[1].split("<")[0]
    trail.check("account.second_factor", "secadmin", "totp_enrol", lambda: browser.post(
        "/account/second-factor", data={"code": pyotp.TOTP(secret).at(time.time())}))
    trail.check("account.recovery_codes", "secadmin", "recovery_codes", lambda: browser.post(
        "/account/recovery-codes", data={"code": pyotp.TOTP(secret).at(time.time() + 30)}))
    assert trail.done == DRIVEN_ACCOUNT
    assert not trail.missing, "\n".join(trail.missing)
