"""The write side of oversight in one place for the pages, the API and scripts: every write goes through
here, implemented in the module of its resource (bulletins, inspections, plan, assets, funds)."""
from .assets import decide_asset_change, request_asset_change  # noqa: F401  (re-exports)
from .bulletins import (  # noqa: F401
    bulletin, due_bulletin_month, generate_bulletin, scheduled_bulletin, set_rules, stored_bulletin,
)
from .funds import request_funds  # noqa: F401
from .inspections import (  # noqa: F401
    SANCTION_CODES, SANCTION_LABELS, get_inspection, inspection_dict, lift_sanction, list_inspections,
    open_inspection, propagate_sanctions, sanction_variables,
)
from .plan import edit_plan_entry, publish_plan  # noqa: F401
