"""流程建模 (the modeler, /modeler): deployed diagrams and forms by version, the bpmn-js modeler, drafts
validated against the whole model, comparing, the form editor and deploying. Analysts and administrators.

- services/: versions (and deploying uploads), drafts, compare, preview; models.py: ModelDraft
- diagram_pages.py, printing.py, print_cli.py: how each diagram prints; `flask models print`
- pages.py + templates/modeler/: blueprint `modeler`; api.py: /api/models…, /api/drafts…, /api/forms/preview
"""
from . import api, models, pages  # noqa: F401  (api adds its routes to the API blueprint)


def init_app(app):
    from ..core.cli import models_group
    from .print_cli import print_command

    app.register_blueprint(pages.bp)
    models_group.add_command(print_command)  # flask models print
