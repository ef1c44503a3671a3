"""Single sign-on through the city's 统一身份认证 over OpenID Connect (Authlib's Flask client).

The provider's user is mapped to a local account by a configured claim (OIDC_USERNAME_CLAIM, by default
preferred_username); a user unknown locally, or disabled, is refused. When OIDC_GROUPS_CLAIM is set, the
claim's groups that the system knows replace the account's groups at each sign-in (三员分立 still holds).
Logout ends the local sign-in and then the provider's (RP-initiated logout).
"""
from urllib.parse import urlencode

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, current_app, redirect, render_template, session, url_for

from engine.audit import record
from engine.db import db

from . import duties, sessions, settings
from .models import User
from .signin import audit_login, begin

bp = Blueprint("sso", __name__)
_ID_TOKEN = "oidc_id_token"
_KEYS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPE")


def enabled():
    return bool(current_app.config.get("OIDC_ISSUER"))


def provider():
    """The Authlib client of the configured provider (made again when the configuration changes)."""
    config = tuple(current_app.config.get(key) for key in _KEYS)
    cached = current_app.extensions.get("egov_oidc")
    if cached is None or cached[0] != config:
        issuer, client_id, secret, scope = config
        client = OAuth(current_app).register(
            "city", client_id=client_id, client_secret=secret,
            server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": scope or "openid profile", "code_challenge_method": "S256"})
        cached = current_app.extensions["egov_oidc"] = (config, client)
    return cached[1]


def init_app(app):
    app.register_blueprint(bp)


def _refuse(message, reason, subject=None, status=400):
    audit_login(subject, False, "oidc", reason)
    db.session.commit()
    return render_template("accounts/login.html", error=message, username="", next="", sso=enabled(),
                           captcha=False), status


@bp.get("/login/sso")
def start():
    if not enabled():
        return _refuse("未配置统一身份认证", "not_configured", status=404)
    return provider().authorize_redirect(url_for("sso.callback", _external=True))


@bp.get("/login/sso/callback")
def callback():
    if not enabled():
        return _refuse("未配置统一身份认证", "not_configured", status=404)
    try:
        token = provider().authorize_access_token()
    except OAuthError as exc:  # bad or replayed state, a refused code, a token that does not verify
        reason = "bad_state" if "state" in (exc.error or "") else "provider_error"
        return _refuse("统一身份认证登录未完成或已失效，请重新登录", reason)
    claims = dict(token.get("userinfo") or {})  # the verified ID token's claims
    claim = settings.get("OIDC_USERNAME_CLAIM")
    wanted = {claim, settings.get("OIDC_GROUPS_CLAIM")} - {None}
    if not wanted <= set(claims):  # providers may keep profile claims for the userinfo endpoint
        try:
            extra = provider().userinfo(token=token)
        except Exception:  # the provider is away or answers nonsense: no sign-in, an answer all the same
            return _refuse("统一身份认证暂时不可用，请稍后再试", "provider_error")
        if extra.get("sub") == claims.get("sub"):
            claims.update({k: v for k, v in extra.items() if k not in claims})
    username = claims.get(claim)
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar() \
        if isinstance(username, str) and username else None
    if user is None or not user.active:
        why = "unknown_user" if user is None else "inactive"
        return _refuse(f"统一身份认证用户“{str(username)[:64]}”在本系统没有可用的账户，请联系系统管理员开通",
                       why, str(username)[:64] if username else None, status=403)
    groups_claim = settings.get("OIDC_GROUPS_CLAIM")
    if groups_claim:
        problem = _apply_groups(user, claims.get(groups_claim))
        if problem:
            return _refuse(problem, "groups_conflict", user.username, status=403)
    audit_login(user.username, True, "oidc")
    begin(user, remember=False, via="oidc")
    session[_ID_TOKEN] = token.get("id_token")
    return redirect(url_for("tasks.index"))


def _apply_groups(user, groups):
    from .services import known_groups

    if not isinstance(groups, list):
        return None
    wanted = sorted({g for g in groups if isinstance(g, str)} & set(known_groups()))
    problem = duties.conflict(wanted)
    if problem:
        return problem
    if wanted and set(wanted) != set(user.groups):
        before = sorted(user.groups)
        user.set_groups(wanted)
        sessions.revoke_all(user.id)  # as any role change: sign-ins and tokens made under the old groups end
        record("role_change", "oidc", payload={"user": user.username, "before": before, "after": wanted})
    return None


def logout_target():
    """Where logout sends the browser after the local sign-in ended: the provider's end_session, or None."""
    id_token = session.pop(_ID_TOKEN, None)
    if not id_token or not enabled():
        return None
    metadata = provider().load_server_metadata()
    end = metadata.get("end_session_endpoint")
    if not end:
        return None
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": url_for("auth.login", _external=True)})
    return f"{end}?{query}"
