"""Server-rendered pages for staff (issue 4): one blueprint per area, registered by web.py."""
from .common import install


def register_views(app):
    from . import admin_users, auth, files, notifications, projects, tasks

    install(app)
    for module in (auth, tasks, projects, notifications, files, admin_users):
        app.register_blueprint(module.bp)
