"""Accounts: login and logout, API tokens, users and their roles, departments (用户管理).

- models.py: User, its groups (user_group) and ApiToken (Department is the core's: every area reads it)
- services.py: passwords with login throttling, tokens, reading users
- pages.py: /login, /logout (blueprint `auth`) and /admin/users, /admin/departments (blueprint `users`)
- api.py: /api/auth/token, /api/me; cli.py: `flask seed-demo`
"""
from ..core import extensions
from ..core.identity import login_manager
from . import api, cli, delegation, delegation_pages, models, pages, services  # noqa: F401  (api adds its routes to the API blueprint)


def init_app(app):
    from engine import options

    login_manager.user_loader(services.load_user)
    options.register("experts", services.expert_choices)  # form fields choosing from the expert pool
    extensions.add(app, "token_user", services.user_for_token)
    extensions.add(app, "actor_principals", delegation.principals_of)
    app.register_blueprint(delegation_pages.bp)
    app.register_blueprint(pages.auth_bp)
    app.register_blueprint(pages.bp)
    app.cli.add_command(cli.seed_demo)
