"""Users for the accounts tests, made directly in the database."""
import pytest
from flask.testing import FlaskClient


@pytest.fixture
def make_user(db):
    from webapp.accounts.models import User

    def make(username="zhang3", password="Initial-pass-1", groups=("dept:gaj",), **fields):
        user = User(username=username, display_name=fields.pop("display_name", username), **fields)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        user.set_groups(groups)
        db.session.commit()
        return user

    return make


@pytest.fixture
def rules_on(app, monkeypatch):
    """The production rules of item 2 switched on for one test (outside production they are off)."""
    monkeypatch.setitem(app.config, "ACCOUNT_RULES", True)
    return app.config


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def oidc_provider(app, live_server, monkeypatch):
    """The `oidc-provider` package (tests/oidc/provider.mjs) on loopback, registered for live_server's
    callback; the app configured to use it. Yields the issuer URL."""
    import json
    import os
    import shutil
    import subprocess
    from pathlib import Path

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    root = Path(__file__).resolve().parents[2]
    port, secret = _free_port(), "test-client-secret-0123456789abcdef"
    env = {**os.environ, "OIDC_PORT": str(port), "OIDC_CLIENT_ID": "egov-test", "OIDC_CLIENT_SECRET": secret,
           "OIDC_REDIRECT_URIS": f"{live_server}/login/sso/callback",
           "OIDC_LOGOUT_URIS": f"{live_server}/login",
           "OIDC_ACCOUNTS": json.dumps({"dept_gaj": {"name": "市公安局 项目联络员", "groups": ["dept:gaj"]},
                                        "auditor": {"name": "安全审计员", "groups": ["auditor"]},
                                        "moved": {"name": "调任科员", "groups": ["dept:jyj", "analyst", "hr:staff"]},
                                        "two_duties": {"name": "双职管理员", "groups": ["sysadmin", "secadmin"]}})}
    proc = subprocess.Popen([node, str(root / "tests" / "oidc" / "provider.mjs")], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("ready "), f"OIDC provider did not start: {line!r}"
        issuer = line.split()[1]
        for key, value in {"OIDC_ISSUER": issuer, "OIDC_CLIENT_ID": "egov-test", "OIDC_CLIENT_SECRET": secret,
                           "OIDC_SCOPE": "openid profile", "OIDC_USERNAME_CLAIM": "preferred_username",
                           "OIDC_GROUPS_CLAIM": None}.items():
            monkeypatch.setitem(app.config, key, value)
        yield issuer
    finally:
        proc.terminate()
        proc.wait(10)


class _Client(FlaskClient):
    """The `db` fixture keeps one app context open, so requests share `g`, where flask-login and the
    sign-in keep the request's user: forget them before every request so each client is its own browser."""

    def open(self, *args, **kwargs):
        from flask import g, has_app_context

        for name in ("_login_user", "login_session", "api_user") if has_app_context() else ():
            g.pop(name, None)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _own_browsers(app, monkeypatch):
    monkeypatch.setattr(app, "test_client_class", _Client)
