"""Services of the modeler, by resource: versions (deployed versions, their files, heat; deploying
uploads), drafts, compare, preview (the form editor). Re-exported here for the pages, the API and the
cockpit."""
from ...core.access import may_model, may_monitor, require_modeller  # noqa: F401  (re-exports)
from .compare import compare, compare_draft  # noqa: F401
from .drafts import (  # noqa: F401
    candidate_files, deploy_drafts, discard_draft, draft_dict, get_draft, open_drafts, save_draft, validate_change,
)
from .preview import preview_form  # noqa: F401
from .versions import (  # noqa: F401
    MAX_FILE_CHARS, MAX_ZIP_BYTES, deploy, diagram_of, file_of, files_from_zip, get_version, heat, list_versions,
    model_path, modeler_context, normalise, version_dict, version_files, versions,
)
