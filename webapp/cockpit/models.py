"""Indexes the cockpit's filters and heat view use on the engine's tables (the cockpit has no table of its own)."""
from engine.db import db
from engine.models import Instance, TaskIndex

# The cockpit filters instances by stage, department and version, and asks "has a ready task" per instance.
db.Index("ix_instance_stage_status", Instance.stage, Instance.status)
db.Index("ix_instance_owner_status", Instance.owner_group, Instance.status)
db.Index("ix_task_instance_state", TaskIndex.instance_id, TaskIndex.state)
db.Index("ix_task_process_bpmn_state", TaskIndex.process_id, TaskIndex.bpmn_id, TaskIndex.state)  # heat view; state last so 待办 keeps its own index
