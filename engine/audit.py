"""The append-only audit trail (DESIGN decision 10)."""
from . import clock
from .db import db
from .models import AuditEvent


def record(kind, actor=None, instance_id=None, project_id=None, task_id=None, payload=None):
    event = AuditEvent(
        at=clock.now().replace(tzinfo=None),
        actor=actor,
        kind=kind,
        instance_id=instance_id,
        project_id=project_id,
        task_id=task_id,
        payload=payload or {},
    )
    db.session.add(event)
    return event
