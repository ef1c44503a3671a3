"""管理监控 (the cockpit, /admin): instances with filters and counts, one instance with its diagram and
actions (suspend, resume, terminate, retry, migrate, edit data, reassign), incidents, model versions with
their heat view. 数管局 and administrators read; administrators act.

- services.py: lists, one instance's detail, the actions; models.py: the indexes its filters use
- pages.py + templates/cockpit/: blueprint `admin`; api.py: /api/cockpit…, /api/instances…, /api/incidents…
"""
from . import api, models, pages  # noqa: F401  (api adds its routes to the API blueprint)


def init_app(app):
    app.register_blueprint(pages.bp)
