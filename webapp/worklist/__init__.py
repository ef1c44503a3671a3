"""Worklist (待办 / 已办): the user's and their groups' open tasks, what they completed, and the task
page (form, draft, submit, claim); the badges of the navigation bar and of GET /api/me.

- services.py: the work queue from the task index, one task's detail and actions
- pages.py: /, /tasks… (blueprint `tasks`); api.py: /api/tasks
"""
from ..core import extensions
from . import api, pages, services  # noqa: F401  (api adds its routes to the API blueprint)


def _badges(user):
    counted = services.counts(user)
    return {"todo": counted.get("todo", 0), "overdue": counted.get("overdue", 0)}


def _me(account):
    return {"counts": services.counts(account)}


def init_app(app):
    app.register_blueprint(pages.bp)
    extensions.add(app, "nav_badges", _badges)
    extensions.add(app, "me_fields", _me)
    extensions.add(app, "project_detail", services.project_open_tasks)
