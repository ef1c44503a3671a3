"""When a reminder is late: its timer's moment fell on an earlier Beijing day than now.

A scheduler that was down, or a clock moved forward, fires every missed timer on its first sweep. A reminder
such as "还有5个工作日" is true only on the day it was meant for; later it would mislead, so the runtime marks
it as late in the inbox and the notification channels do not push it (notify/delivery.py).
"""
from datetime import datetime, timezone

from . import clock


def timer_moment(task):
    """The moment (aware UTC) of the date timer whose firing led to `task`, or None.

    A script after a boundary or intermediate timer is that timer task's child (or grandchild). SpiffWorkflow
    forgets a timer's computed moment once it ran, so a date timer's expression is evaluated again on the
    timer's task: it names a date from the instance's data, which the firing did not change. Duration and
    cycle timers have no fixed moment to compare with: None.
    """
    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition

    hops = 0
    while task is not None and hops < 4:
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimeDateEventDefinition):
            value = task.internal_data.get("event_value")
            if value is None:
                try:
                    value = task.workflow.script_engine.evaluate(task, definition.expression)
                except Exception:  # the timer fired, so it evaluated once; if not now, no moment to judge by
                    return None
            return _parse(value)
        task, hops = task.parent, hops + 1
    return None


def _parse(value):
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:  # a duration or cycle expression: no single moment to compare with
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def is_late(due_at, now=None):
    """True when `due_at` (aware, or naive UTC) lies on an earlier Beijing day than `now`."""
    if due_at is None:
        return False
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=timezone.utc)
    now = now or clock.now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return due_at.astimezone(clock.BEIJING).date() < now.astimezone(clock.BEIJING).date()


def late_note(due_at):
    """The words put before a late reminder's message in the inbox."""
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=timezone.utc)
    day = due_at.astimezone(clock.BEIJING).strftime("%Y-%m-%d")
    return f"【补记：本提醒原定 {day} 发出，系统当时未运行，以下内容按原定日期表述】"
