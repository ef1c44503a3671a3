"""Accounts: sign-in, sessions, passwords, second factor, users and roles under 三员分立, the audit log, SSO.

- models.py: User, its groups (user_group) and ApiToken; credentials.py: password state and history, the
  server-side sign-ins (Department is the core's: every area reads it)
- services.py: the entry point for other areas; signin.py (password check, lock), sessions.py, lockout.py,
  passwords.py (policy), totp.py, captcha_image.py, throttle.py (+ throttle_store.py), settings.py (the rules' configuration)
- pages.py: /login, /logout (blueprint `auth`); users_pages.py: /admin/users, /admin/departments
  (blueprint `users`); security_pages.py: /account/... (blueprint `account`); sso.py: /login/sso...
- audit_pages.py, audit_log.py, audit_cli.py: the 审计员's log, its export, `flask audit verify|archive`
- api.py: /api/auth/token, /api/me, /api/me/password, /api/audit; cli.py: `flask seed-demo`
"""
import logging
from datetime import timedelta

from ..core import extensions
from ..core.identity import login_manager
from . import (api, audit_cli, audit_pages, cli, credentials, delegation, delegation_pages,  # noqa: F401
               models, pages, security_pages, services, settings, sso, throttle, users_pages)


def init_app(app):
    from engine import options

    settings.load(app)
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=min(app.config["REMEMBER_DAYS"], 7)))
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_REFRESH_EACH_REQUEST", False)
    login_manager.user_loader(services.load_user)
    login_manager.session_protection = "basic"
    options.register("experts", services.expert_choices)  # form fields choosing from the expert pool
    extensions.add(app, "token_user", services.user_for_token)
    extensions.add(app, "actor_principals", delegation.principals_of)
    extensions.add(app, "periodic_job", (_sweep_job, 60))
    throttle.init_app(app)
    app.add_template_filter(services.person_name, "person")  # a login id shown as the person's name
    app.before_request(security_pages.guard)
    from ..core.api import bp as api_bp

    if not getattr(api_bp, "_egov_own_part", False):  # a blueprint is set up once, however many apps
        api_bp.before_request(security_pages.api_guard)
        api_bp._egov_own_part = True
    app.register_blueprint(delegation_pages.bp)
    app.register_blueprint(pages.auth_bp)
    app.register_blueprint(users_pages.bp)
    app.register_blueprint(security_pages.bp)
    app.register_blueprint(audit_pages.bp)
    sso.init_app(app)
    app.cli.add_command(cli.seed_demo)
    app.cli.add_command(audit_cli.audit_group)


def _sweep_job(app):
    """Hourly: drop dead sign-ins; archive audit rows past the retention period (never deleted unarchived)."""
    from engine.db import db

    from . import audit_log, captcha_image, sessions, throttle_store

    with app.app_context():
        try:
            sessions.sweep()
            captcha_image.sweep()
            throttle_store.sweep()
            db.session.commit()
            audit_log.archive(actor="system")
        except Exception:  # keep the scheduler alive; the next run tries again
            db.session.rollback()
            logging.getLogger(__name__).exception("accounts sweep failed")
