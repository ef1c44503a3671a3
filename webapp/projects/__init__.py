"""Projects (项目库): creating a project starts its lifecycle instance; lists, Excel export, the project
page with its diagram, history, submitted forms and files; printing a form.

- services.py: create, list (with filters), read, status/stage, history, submissions
- pages.py: /projects… (blueprint `projects`); api.py: /api/projects
The Project table is the core's (every area reads it); who sees which project is core.access.
"""
from . import api, pages, services  # noqa: F401  (api adds its routes to the API blueprint)


def init_app(app):
    from engine import options, runtime

    app.register_blueprint(pages.bp)
    runtime.on_variables_changed(services.follow_build_year)
    options.register("waiting_projects", services.waiting_project_choices)
