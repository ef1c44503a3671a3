"""Single sign-on against a real OpenID Connect provider (`oidc-provider`, started on loopback)."""
import re

import pytest
import requests


def _provider_login(session, start_url, login):
    """Follow the app's SSO link to the provider's sign-in form, sign in as `login`, follow back."""
    page = session.get(start_url, timeout=20)
    assert page.status_code == 200 and 'name="login"' in page.text, page.text[:300]
    action = re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1)
    return session.post(requests.compat.urljoin(page.url, action), data={"prompt": "login", "login": login,
                                                                          "password": "any"}, timeout=20)


def test_sign_in_maps_the_provider_user_to_the_local_account(app, db, make_user, live_server, oidc_provider):
    make_user("dept_gaj", groups=("dept:gaj",), display_name="市公安局 项目联络员")
    s = requests.Session()
    back = _provider_login(s, f"{live_server}/login/sso", "dept_gaj")
    assert back.status_code == 200 and back.url.startswith(live_server), back.url
    me = s.get(f"{live_server}/api/me", timeout=10)
    assert me.status_code == 200 and me.json()["username"] == "dept_gaj"
    from engine.models import AuditEvent

    db.session.expire_all()
    logins = db.session.execute(db.select(AuditEvent).filter_by(kind="login", actor="dept_gaj")).scalars().all()
    assert [e.payload["via"] for e in logins if e.payload["ok"]] == ["oidc"]


def test_a_user_unknown_locally_is_refused(app, db, make_user, live_server, oidc_provider):
    s = requests.Session()
    back = _provider_login(s, f"{live_server}/login/sso", "stranger")
    assert back.status_code == 403 and "没有可用的账户" in back.text
    assert s.get(f"{live_server}/api/me", timeout=10).status_code == 401


def test_a_bad_state_is_refused_and_audited(app, db, live_server, oidc_provider):
    s = requests.Session()
    s.get(f"{live_server}/login/sso", timeout=20, allow_redirects=False)  # a real state is in this session
    r = s.get(f"{live_server}/login/sso/callback", params={"code": "forged", "state": "forged"}, timeout=20)
    assert r.status_code == 400 and "统一身份认证登录未完成或已失效" in r.text
    from engine.models import AuditEvent

    db.session.expire_all()
    event = db.session.execute(db.select(AuditEvent).filter_by(kind="login")).scalars().all()[-1]
    assert event.payload == {"ok": False, "via": "oidc", "reason": "bad_state"}


@pytest.mark.browser
def test_sso_login_and_logout_in_a_browser(app, db, make_user, live_server, oidc_provider, browser_page):
    make_user("dept_gaj", groups=("dept:gaj",), display_name="市公安局 项目联络员")
    page = browser_page
    page.goto(f"{live_server}/login")
    page.click("#sso-login")
    page.fill("input[name=login]", "dept_gaj")
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/**")
    assert "市公安局 项目联络员" in page.inner_text("header")
    page.click("header form button[type=submit]")  # 退出: ends our sign-in, then the provider's
    page.click("button[name=logout]")  # the provider asks to confirm its own sign-out
    page.wait_for_url(f"{live_server}/login**")
    page.goto(f"{live_server}/tasks")
    assert "/login" in page.url
    page.click("#sso-login")  # the provider's session ended too: it asks again
    assert page.locator("input[name=login]").count() == 1
