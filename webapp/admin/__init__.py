"""管理监控 (/admin, the cockpit) and 流程建模 (/modeler) — issue 5.

Two blueprints with their own templates (templates/admin/…, templates/modeler/…); services in
`services.py` (the JSON API of this area, webapp/api/routes_cockpit.py, calls the same functions);
the draft table in `models.py`. Importing this package is cheap: blueprints load in `register`.
"""


def register(app):
    from .modeler import bp as modeler_bp
    from .views import bp as admin_bp

    app.register_blueprint(admin_bp)
    app.register_blueprint(modeler_bp)
