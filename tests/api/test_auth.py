"""Tokens, sessions, throttling and CSRF."""
from datetime import datetime, timedelta, timezone

from .conftest import PASSWORD


def test_token_then_bearer(api):
    r = api.client.post("/api/auth/token", json={"username": "sgj", "password": PASSWORD})
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) >= {"token", "expires_at"}
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=11) < expires - datetime.now(timezone.utc) <= timedelta(hours=12)
    me = api.client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["username"] == "sgj" and me.get_json()["groups"] == ["sgj"]


def test_only_the_hash_is_stored(api, db):
    from webapp.accounts.models import ApiToken

    token = api.token("admin")
    stored = db.session.query(ApiToken).one()
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_missing_bad_and_expired_tokens_are_401(api, db):
    assert api.client.get("/api/me").status_code == 401
    r = api.client.get("/api/me", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    r = api.client.get("/api/me", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    token = api.token("fgw")
    from webapp.accounts.models import ApiToken

    row = db.session.query(ApiToken).one()
    row.expires_at = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(seconds=1)
    db.session.commit()
    r = api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "过期" in r.get_json()["message"]


def test_revoke_token(api):
    assert api.as_("czj").delete("/api/auth/token").status_code == 204
    assert api.as_("czj").get("/api/me").status_code == 401


def test_wrong_password_and_unknown_user(api):
    for username in ("sgj", "nobody"):
        r = api.client.post("/api/auth/token", json={"username": username, "password": "wrong"})
        assert r.status_code == 401
        assert r.get_json() == {"error": "unauthorized", "message": "用户名或密码错误", "fields": {}}
    assert api.client.post("/api/auth/token", json={}).status_code == 401
    assert api.client.post("/api/auth/token", data="{oops", content_type="application/json").status_code == 400


def test_five_failures_lock_the_account_for_15_minutes(api, db):
    from webapp.accounts.models import User

    for _ in range(4):
        assert api.client.post("/api/auth/token", json={"username": "ggj", "password": "x"}).status_code == 401
    r = api.client.post("/api/auth/token", json={"username": "ggj", "password": "x"})
    assert r.status_code == 403 and r.get_json()["error"] == "account_locked" and "锁定" in r.get_json()["message"]
    r = api.client.post("/api/auth/token", json={"username": "ggj", "password": PASSWORD})
    assert r.status_code == 403 and "分钟" in r.get_json()["message"]
    user = db.session.query(User).filter_by(username="ggj").one()
    db.session.refresh(user)
    assert timedelta(minutes=14) < user.locked_until - datetime.now(timezone.utc).replace(tzinfo=None) <= timedelta(minutes=15)
    user.locked_until = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(seconds=1)
    db.session.commit()
    assert api.client.post("/api/auth/token", json={"username": "ggj", "password": PASSWORD}).status_code == 200


def test_logins_are_audited(api, db):
    from engine.models import AuditEvent

    api.token("sjj")
    api.client.post("/api/auth/token", json={"username": "sjj", "password": "x"})
    events = db.session.query(AuditEvent).filter_by(kind="login", actor="sjj").order_by(AuditEvent.id).all()
    assert [e.payload["ok"] for e in events] == [True, False]


def test_authenticate_and_actor_of(app, users, db):
    import pytest

    from engine.errors import EngineError
    from webapp.accounts.services import authenticate
    from webapp.core.identity import actor_of

    with app.test_request_context():
        user = authenticate("dept_gaj", PASSWORD)
        assert actor_of(user).groups == frozenset({"dept:gaj"})
        with pytest.raises(EngineError) as err:
            authenticate("dept_gaj", "nope")
        assert err.value.status == 401 and err.value.message == "用户名或密码错误"


def test_session_api_calls_need_csrf_but_bearer_calls_do_not(app, api, simple, monkeypatch, db):
    from webapp.accounts.models import User

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    client = app.test_client()
    from webapp.accounts import sessions

    token = sessions.start(User.query.filter_by(username="dept_gaj").one())
    db.session.commit()
    with client.session_transaction() as sess:
        # what the UI's login view leaves in the session: the token of a server-side sign-in
        sess["_user_id"] = token
        sess["_fresh"] = True
    assert client.get("/api/me").status_code == 200
    r = client.post("/api/projects", json={"name": "无CSRF", "build_year": 2027})
    assert r.status_code == 400 and r.get_json()["error"] == "csrf_failed"
    r = api.as_("dept_gaj").post("/api/projects", json={"name": "令牌调用", "build_year": 2027})
    assert r.status_code == 201
