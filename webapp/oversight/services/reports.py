"""The read side of oversight in one place for the pages, the API and scripts: figures and lists.

Each report lives in the module of its resource (bulletins, funds, plan, assets, performance); who sees
what (`scope`, `require_sgj`) and months are in common.
"""
from .assessment import active_sanctions, assessment_xlsx, yearly_assessment  # noqa: F401  (re-exports)
from .assets import assets  # noqa: F401
from .bulletins import compute_bulletin, rag, restrict  # noqa: F401
from .common import (  # noqa: F401
    DEFAULT_RULES, DIMENSIONS, LIFECYCLE, PRINCIPLES, RAG_LABELS, RULE_LABELS, VIEWERS, current_month, month_list,
    now_naive, parse_month, plan_scope, previous_month, require_sgj, rules, scope,
)
from .funds import funds, may_receive_funds  # noqa: F401
from .performance import dashboard, department_record, performance  # noqa: F401
from .plan import plan, plan_process  # noqa: F401
