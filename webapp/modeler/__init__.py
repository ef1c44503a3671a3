"""流程建模 (the modeler, /modeler): deployed diagrams and forms by version, the bpmn-js modeler, drafts
validated against the whole model, comparing, the form editor and deploying. Analysts and administrators.

- services/: versions (and deploying uploads), drafts, compare, preview; models.py: ModelDraft
- pages.py + templates/modeler/: blueprint `modeler`; api.py: /api/models…, /api/drafts…, /api/forms/preview
"""
from . import api, models, pages  # noqa: F401  (api adds its routes to the API blueprint)


def init_app(app):
    app.register_blueprint(pages.bp)
