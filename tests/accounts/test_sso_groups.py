"""EGOV_OIDC_GROUPS_CLAIM end to end against the real `oidc-provider` on loopback: the provider's groups claim
replaces the account's groups (those this system knows) at each sign-in, and 三员分立 still holds: a claim
giving one account two of sysadmin/secadmin/auditor is refused in Chinese, nothing changed, nobody signed in."""
import requests

from .test_sso import _provider_login


def _groups(db, username):
    from webapp.accounts.models import User

    db.session.expire_all()
    return set(db.session.execute(db.select(User).filter_by(username=username)).scalar_one().groups)


def _events(db, kind):
    from engine.models import AuditEvent

    db.session.expire_all()
    return db.session.execute(db.select(AuditEvent).filter_by(kind=kind).order_by(AuditEvent.id)).scalars().all()


def _departments(db):
    from webapp.core.models import Department

    db.session.add_all([Department(code="gaj", name="市公安局"), Department(code="jyj", name="市教育局")])
    db.session.commit()


def test_the_groups_claim_replaces_the_local_groups(app, db, make_user, live_server, oidc_provider, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_GROUPS_CLAIM", "groups")
    _departments(db)
    make_user("moved", groups=("dept:gaj",))
    old = app.test_client().post("/api/auth/token", json={"username": "moved", "password": "Initial-pass-1"})
    old_token = {"Authorization": f"Bearer {old.get_json()['token']}"}
    s = requests.Session()
    back = _provider_login(s, f"{live_server}/login/sso", "moved")
    assert back.status_code == 200 and back.url.startswith(live_server), back.text[:300]
    assert app.test_client().get("/api/me", headers=old_token).status_code == 401  # made under the old groups
    me = s.get(f"{live_server}/api/me", timeout=10).json()
    assert me["username"] == "moved"
    # the provider's dept:jyj and analyst; its hr:staff is no group of this system and is left out
    assert _groups(db, "moved") == {"dept:jyj", "analyst"}
    change = _events(db, "role_change")[-1]
    assert change.actor == "oidc" and change.payload == {"user": "moved", "before": ["dept:gaj"],
                                                         "after": ["analyst", "dept:jyj"]}


def test_without_the_setting_the_local_groups_stay(app, db, make_user, live_server, oidc_provider):
    _departments(db)
    make_user("moved", groups=("dept:gaj",))
    s = requests.Session()
    assert _provider_login(s, f"{live_server}/login/sso", "moved").status_code == 200
    assert s.get(f"{live_server}/api/me", timeout=10).status_code == 200
    assert _groups(db, "moved") == {"dept:gaj"} and not _events(db, "role_change")


def test_a_claim_with_two_of_the_three_is_refused(app, db, make_user, live_server, oidc_provider, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_GROUPS_CLAIM", "groups")
    make_user("two_duties", groups=("sysadmin",))
    s = requests.Session()
    back = _provider_login(s, f"{live_server}/login/sso", "two_duties")
    assert back.status_code == 403
    assert "三员分立：同一账户不能同时担任系统管理员、安全管理员" in back.text
    assert s.get(f"{live_server}/api/me", timeout=10).status_code == 401
    assert _groups(db, "two_duties") == {"sysadmin"} and not _events(db, "role_change")
    failed = _events(db, "login")[-1]
    assert failed.actor == "two_duties" and failed.payload == {"ok": False, "via": "oidc",
                                                               "reason": "groups_conflict"}
