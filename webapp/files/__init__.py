"""Files: uploaded documents (type, size and content checks, sha256), downloads for those who may see
the project, and the demo attachments the forms' examples cite.

- models.py: StoredFile; services.py: storing, access, binding a form's files to its project
- pages.py: /files (blueprint `files`, the form pages' uploads); api.py: /api/files
"""
from ..core import extensions
from . import api, models, pages, services  # noqa: F401  (api adds its routes to the API blueprint)


def init_app(app):
    app.register_blueprint(pages.bp)
    extensions.add(app, "demo_seed", services.seed_demo_files)
