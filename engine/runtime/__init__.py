"""The runtime: start instances, work their user tasks, route messages, and save every step safely.

Split by what the parts do: `state` loads and saves (one transaction per step), `messages` starts instances
and routes the messages they throw (`outbox` delivers them once the thrower has committed), `tasks` works
user tasks, `incidents` is the administrators' side.
Every name stays importable from `engine.runtime`; the underscored ones are for the engine's own modules
(timers, migration) and the cockpit's read-only views.
"""
from .state import (  # noqa: F401  (re-exports)
    LIST_VARIABLES, MAX_VARIABLE_TEXT, SYSTEM, TIMER_EVENT_TYPES, Actor, on_variables_changed, unit_of_work,
    workflow_fields,
    _advance, _describe, _list_variables, _load_row, _now, _save, _small, _stage_of, _status_refusal, _Step,
    _waiting, _waiting_events, _workflow,
)
from .messages import (  # noqa: F401
    MAX_MESSAGE_HOPS, deliver_message, send_message, start_instance, _receive, _route, _step_instance, _step_row,
)
from .tasks import (  # noqa: F401
    check_may_work, claim_task, complete_task, form_schema, get_task, open_tasks, reassign_task, save_draft,
    task_data, unclaim_task,
)
from .handover import last_send_back, send_back, send_back_targets, transfer_task  # noqa: F401
from .incidents import (  # noqa: F401
    _admin_only, edit_task_data, resume, retry_incident, suspend, terminate, waiting_timers,
)
