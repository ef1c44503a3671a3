"""三员分立: each of 系统管理员, 安全管理员, 安全审计员 reaches only its own pages and API routes."""
import pytest

PASSWORD = "Initial-pass-1"
ROLES = ("sysadmin", "secadmin", "auditor", "admin")


@pytest.fixture
def staff(app, db, make_user):
    users = {role: make_user(role, groups=(role,)) for role in ROLES}
    users["zhang3"] = make_user("zhang3", groups=("dept:gaj",))
    clients = {}
    for role in ROLES:
        client = app.test_client()
        assert client.post("/login", data={"username": role, "password": PASSWORD}).status_code == 302
        clients[role] = client
    return users, clients


def _routes(target_id):
    """(method, path, data, the one role that may) for every administrative page and API route."""
    return [
        ("GET", "/admin/users", None, {"sysadmin", "secadmin"}),
        ("POST", "/admin/users/new", {"username": "new1", "display_name": "新用户", "password": "Brand-new-pass1"},
         {"sysadmin"}),
        ("POST", f"/admin/users/{target_id}/edit", {"display_name": "改名", "active": "1"}, {"sysadmin"}),
        ("POST", "/admin/departments", {"code": "xyz", "name": "新部门"}, {"sysadmin"}),
        ("POST", f"/admin/users/{target_id}/roles", {"groups": "dept:gaj"}, {"secadmin"}),
        ("POST", f"/admin/users/{target_id}/unlock", {}, {"secadmin"}),
        ("POST", f"/admin/users/{target_id}/reset-password", {"password": "Reset-pass-2026"}, {"secadmin"}),
        ("POST", f"/admin/users/{target_id}/reset-second-factor", {}, {"secadmin"}),
        ("GET", "/audit", None, {"auditor"}),
        ("GET", "/audit/export.xlsx", None, {"auditor"}),
        ("GET", "/api/audit", None, {"auditor"}),
        ("GET", "/api/instances", None, {"admin"}),
        ("GET", "/api/cockpit/counts", None, {"admin"}),
        ("GET", "/tasks", None, {"admin"}),
        ("GET", "/projects", None, {"admin"}),
        ("GET", "/api/projects", None, {"admin"}),
        ("GET", "/api/tasks", None, {"admin"}),
    ]


def test_each_role_only_its_own_part(staff):
    users, clients = staff
    target = users["zhang3"].id
    wrong = []
    for method, path, data, allowed in _routes(target):
        for role in ROLES:
            client = clients[role]
            r = client.open(path, method=method, data=data)
            # a refused GET of the worklist sends the three administrators to their own home page instead
            ok = r.status_code < 300 or r.status_code == 422 or (r.status_code == 302 and method == "POST")
            if ok != (role in allowed):
                wrong.append((role, method, path, r.status_code))
    assert wrong == []


def test_no_account_holds_two_of_the_three(staff):
    users, clients = staff
    r = clients["secadmin"].post(f"/admin/users/{users['zhang3'].id}/roles", data={"groups": ["sysadmin", "auditor"]})
    assert r.status_code == 422 and "三员分立" in r.get_data(as_text=True)
    assert sorted(users["zhang3"].groups) == ["dept:gaj"]


def test_secadmin_cannot_change_its_own_roles(staff):
    users, clients = staff
    r = clients["secadmin"].post(f"/admin/users/{users['secadmin'].id}/roles", data={"groups": ["admin"]})
    assert r.status_code == 422


def test_role_change_and_unlock_are_audited_and_end_sessions(app, staff):
    users, clients = staff
    zhang = app.test_client()
    assert zhang.post("/login", data={"username": "zhang3", "password": PASSWORD}).status_code == 302
    r = clients["secadmin"].post(f"/admin/users/{users['zhang3'].id}/roles", data={"groups": ["sgj"]})
    assert r.status_code == 302
    assert zhang.get("/api/me").status_code == 401
    from engine.db import db
    from engine.models import AuditEvent

    kinds = [e.kind for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.seq)).scalars()]
    assert "role_change" in kinds
