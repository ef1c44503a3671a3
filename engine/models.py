"""Tables of the engine: model versions, instances, the task index, timers, audit, incidents.

Datetimes are stored naive in UTC (the same on SQLite and PostgreSQL); engine.clock.as_utc reads them.
"""
from sqlalchemy import text

from .db import db

JSON = db.JSON


class Setting(db.Model):
    key = db.Column(db.String(64), primary_key=True)
    value = db.Column(db.Text, nullable=False)


class ModelVersion(db.Model):
    """One deployed set of bpmn/ + forms/ files, keyed by the hash of their content."""

    id = db.Column(db.Integer, primary_key=True)
    content_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime, nullable=False)
    created_by = db.Column(db.String(64))
    note = db.Column(db.Text)
    files = db.relationship("ModelFile", backref="version", lazy="selectin", order_by="ModelFile.name")


class ModelFile(db.Model):
    __table_args__ = (db.UniqueConstraint("version_id", "name"),)
    id = db.Column(db.Integer, primary_key=True)
    version_id = db.Column(db.Integer, db.ForeignKey("model_version.id"), nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)  # e.g. bpmn/lifecycle.bpmn, forms/x.schema.json
    content = db.Column(db.Text, nullable=False)


class ProcessSpec(db.Model):
    """A parsed, serialized process spec (with its called sub-processes), stored once per version."""

    __table_args__ = (db.UniqueConstraint("version_id", "process_id"),)
    id = db.Column(db.Integer, primary_key=True)
    version_id = db.Column(db.Integer, db.ForeignKey("model_version.id"), nullable=False, index=True)
    process_id = db.Column(db.String(100), nullable=False)
    name = db.Column(db.String(200))
    source_file = db.Column(db.String(200))
    start_messages = db.Column(JSON, nullable=False, default=list)  # names of message start events
    spec_json = db.Column(db.Text, nullable=False)


class Instance(db.Model):
    """One running process: its own serialized state only, never a copy of the spec."""

    # The timer sweep reads "running and due by now" straight off this index.
    __table_args__ = (
        db.Index("ix_instance_status_next_timer", "status", "next_timer_at"),
        db.Index("ix_instance_top_stage", "parent_id", "stage", "status"),  # projects' lifecycles by stage (reports)
    )

    id = db.Column(db.Integer, primary_key=True)
    version_id = db.Column(db.Integer, db.ForeignKey("model_version.id"), nullable=False, index=True)
    process_id = db.Column(db.String(100), nullable=False, index=True)
    project_id = db.Column(db.Integer, index=True)
    owner_group = db.Column(db.String(64))  # dept:<code>, the lane 项目建设主管部门 of this instance
    parent_id = db.Column(db.Integer, db.ForeignKey("instance.id"), index=True)
    status = db.Column(db.String(16), nullable=False, index=True)  # running, suspended, incident, completed, terminated
    stage = db.Column(db.String(16))
    variables = db.Column(JSON, nullable=False, default=dict)  # the small gateway variables, for lists
    state = db.Column(db.Text, nullable=False)
    state_bytes = db.Column(db.Integer, nullable=False, default=0)
    lock_version = db.Column(db.Integer, nullable=False, default=1)
    next_timer_at = db.Column(db.DateTime, index=True)
    waiting_messages = db.Column(JSON, nullable=False, default=list)
    created_at = db.Column(db.DateTime, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False)
    ended_at = db.Column(db.DateTime)
    version = db.relationship("ModelVersion")

    # Compare-and-swap on every save: UPDATE ... WHERE lock_version = <the one we loaded>.
    __mapper_args__ = {"version_id_col": lock_version}


class TaskIndex(db.Model):
    """Every user task an instance ever offered, written in the same transaction as its state."""

    __table_args__ = (
        # The 待办 order (deadline, those without one last, then age) per group and per assignee.
        db.Index("ix_task_group_queue", "group_code", "state", text("(due_at IS NULL)"), "due_at", "created_at", "id"),
        db.Index("ix_task_assignee_queue", "assignee", "state", text("(due_at IS NULL)"), "due_at", "created_at", "id"),
        db.Index("ix_task_bpmn_due", "bpmn_id", "due_at"),  # a month's 进度表 tasks (bulletin, dashboard trend)
        db.Index("ix_task_state_due", "state", "due_at"),  # open tasks by deadline: overdue counts, whatever the history
        db.Index("ix_task_project_bpmn_due", "project_id", "bpmn_id", "due_at"),  # a project's 进度表 up to a month
    )
    id = db.Column(db.String(36), primary_key=True)  # the SpiffWorkflow task id
    instance_id = db.Column(db.Integer, db.ForeignKey("instance.id"), nullable=False, index=True)
    project_id = db.Column(db.Integer, index=True)
    process_id = db.Column(db.String(100), nullable=False)
    bpmn_id = db.Column(db.String(100), nullable=False)
    name = db.Column(db.String(200), nullable=False)
    lane = db.Column(db.String(64))
    group_code = db.Column(db.String(64), nullable=False)
    assignee = db.Column(db.String(64))
    state = db.Column(db.String(16), nullable=False)  # ready, completed, cancelled
    form = db.Column(db.String(200))
    stage = db.Column(db.String(16))
    created_at = db.Column(db.DateTime, nullable=False)
    due_at = db.Column(db.DateTime)
    overdue = db.Column(db.Boolean, nullable=False, default=False)
    completed_at = db.Column(db.DateTime)
    completed_by = db.Column(db.String(64))


class Submission(db.Model):
    """A form as submitted (or saved as draft) on a task; the full data lives here, not in the state."""

    __table_args__ = (
        db.Index("ix_submission_form_latest", "form", "draft", "project_id", "id"),  # latest of a form per project
        db.Index("ix_submission_form_time", "form", "submitted_at"),  # a form's submissions within a window
    )

    id = db.Column(db.Integer, primary_key=True)
    task_id = db.Column(db.String(36), index=True)
    instance_id = db.Column(db.Integer, db.ForeignKey("instance.id"), nullable=False, index=True)
    project_id = db.Column(db.Integer, index=True)
    form = db.Column(db.String(200), nullable=False)
    data = db.Column(JSON, nullable=False)
    draft = db.Column(db.Boolean, nullable=False, default=False)
    submitted_by = db.Column(db.String(64))
    submitted_at = db.Column(db.DateTime, nullable=False)


class AuditEvent(db.Model):
    """Append-only trail of every state change and every security event (等保 8.1.4.3).

    Each row is chained to the one before it: `seq` numbers the rows without gaps, `hash` is the sha256 of
    the row's content and `prev_hash` (engine.audit seals them in a short step right after their commit; until
    then `hash` is the digest of the row alone and `seq` is empty), so an edited, inserted or deleted row breaks
    the chain and `flask audit verify` finds it.
    """

    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(db.DateTime, nullable=False, index=True)
    actor = db.Column(db.String(64), index=True)
    kind = db.Column(db.String(32), nullable=False, index=True)
    instance_id = db.Column(db.Integer, index=True)
    project_id = db.Column(db.Integer, index=True)
    task_id = db.Column(db.String(36))
    payload = db.Column(JSON, nullable=False, default=dict)
    address = db.Column(db.String(64), index=True)  # the client's address, for events a request caused
    seq = db.Column(db.BigInteger, unique=True)
    prev_hash = db.Column(db.String(64))
    hash = db.Column(db.String(64))


class AuditChain(db.Model):
    """The chain's head: one row (id 1), held only by the sealing step (never by the transactions that write
    the events), and it remembers the last seq and hash, so deleting the newest rows is detected too.
    """

    id = db.Column(db.Integer, primary_key=True)
    seq = db.Column(db.BigInteger, nullable=False, default=0)
    hash = db.Column(db.String(64), nullable=False, default="")


class AuditArchive(db.Model):
    """A file that holds audit rows moved out of the table by retention (never deleted unarchived)."""

    id = db.Column(db.Integer, primary_key=True)
    path = db.Column(db.String(500), nullable=False)
    first_seq = db.Column(db.BigInteger, nullable=False)
    last_seq = db.Column(db.BigInteger, nullable=False, unique=True)
    last_hash = db.Column(db.String(64), nullable=False)
    rows = db.Column(db.Integer, nullable=False)
    sha256 = db.Column(db.String(64), nullable=False)  # of the file, as written
    before = db.Column(db.DateTime, nullable=False)  # every archived row is older than this
    created_at = db.Column(db.DateTime, nullable=False)


class Incident(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    instance_id = db.Column(db.Integer, db.ForeignKey("instance.id"), nullable=False, index=True)
    task_id = db.Column(db.String(36))
    bpmn_id = db.Column(db.String(100))
    task_name = db.Column(db.String(200))
    error = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(16), nullable=False, default="open", index=True)  # open, resolved
    created_at = db.Column(db.DateTime, nullable=False)
    resolved_at = db.Column(db.DateTime)
    resolved_by = db.Column(db.String(64))


class Notification(db.Model):
    """A reminder, overdue warning or 督办 notice, addressed to a group (and so to its members)."""

    id = db.Column(db.Integer, primary_key=True)
    group_code = db.Column(db.String(64), nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False)  # reminder, overdue, supervise
    message = db.Column(db.Text, nullable=False)
    instance_id = db.Column(db.Integer, index=True)
    project_id = db.Column(db.Integer, index=True)
    task_bpmn_id = db.Column(db.String(100))
    created_at = db.Column(db.DateTime, nullable=False, index=True)
    mailed_at = db.Column(db.DateTime)
    # A reminder's own moment (its timer's), naive UTC: one fired on a later day is late (engine/reminders.py).
    due_at = db.Column(db.DateTime)
    # When the notification channels made its deliveries (webapp/notify/delivery.py); None: not yet.
    dispatched_at = db.Column(db.DateTime, index=True)


class NotificationRead(db.Model):
    notification_id = db.Column(db.Integer, db.ForeignKey("notification.id"), primary_key=True)
    username = db.Column(db.String(64), primary_key=True)
    read_at = db.Column(db.DateTime, nullable=False)


class CalendarOverride(db.Model):
    """A day an administrator declares a working day or a rest day (for years the package lacks)."""

    day = db.Column(db.Date, primary_key=True)
    is_workday = db.Column(db.Boolean, nullable=False)
    note = db.Column(db.String(200))


class SchedulerHeartbeat(db.Model):
    """One row per scheduler process, rewritten after every sweep: what the cockpit and /readyz read."""

    id = db.Column(db.String(120), primary_key=True)  # host:pid
    host = db.Column(db.String(100), nullable=False)
    pid = db.Column(db.Integer, nullable=False)
    started_at = db.Column(db.DateTime, nullable=False)
    last_sweep_at = db.Column(db.DateTime, nullable=False, index=True)
    sweep_ms = db.Column(db.Integer, nullable=False, default=0)  # how long the last sweep took
    fired = db.Column(db.Integer, nullable=False, default=0)  # instances stepped by the last sweep
    fired_total = db.Column(db.Integer, nullable=False, default=0)
    lateness_ms = db.Column(db.Integer, nullable=False, default=0)  # the latest timer of the last sweep
    backlog = db.Column(db.Integer, nullable=False, default=0)  # timers due and not yet fired after it
    failures = db.Column(db.Integer, nullable=False, default=0)  # instances whose timer step failed in it
    error = db.Column(db.Text)  # the last sweep's own failure, if any


class MessageOutbox(db.Model):
    """A message a step threw, written in the step's transaction and delivered after it commits.

    Each receiver is stepped in a transaction of its own, which also notes it here (`asked`, `delivered`,
    `started`), so a delivery cut short by a crash goes on where it stopped and reaches no one twice. A
    queue is one project's messages (0: the city's), delivered in the order they were written, except that a
    message thrown while another is delivered goes out before that one reaches its next receiver.
    """

    __table_args__ = (db.Index("ix_message_outbox_queue_done", "queue", "done_at"),)

    id = db.Column(db.Integer, primary_key=True)
    queue = db.Column(db.Integer, nullable=False)  # the project id, 0 for city instances
    parent_id = db.Column(db.Integer)  # the message whose delivery threw this one: delivered before it goes on
    source_id = db.Column(db.Integer)
    name = db.Column(db.String(200), nullable=False)
    payload = db.Column(JSON)
    correlations = db.Column(JSON, nullable=False, default=dict)
    hops = db.Column(db.Integer, nullable=False, default=0)
    version_id = db.Column(db.Integer)
    owner_group = db.Column(db.String(64))
    actor = db.Column(db.String(100), nullable=False)
    actor_groups = db.Column(JSON, nullable=False, default=list)
    to_city = db.Column(db.Boolean, nullable=False, default=True)  # a project's message also reaches its year's city instance
    asked = db.Column(JSON, nullable=False, default=list)  # instances already offered it
    delivered = db.Column(JSON, nullable=False, default=list)  # instances that caught it or were started by it
    started = db.Column(JSON, nullable=False, default=list)  # processes already started by it
    created_at = db.Column(db.DateTime, nullable=False)
    done_at = db.Column(db.DateTime)
    lock_version = db.Column(db.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": lock_version}
