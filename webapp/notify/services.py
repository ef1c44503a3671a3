"""Reminders, overdue warnings and 督办 notices addressed to the user's groups; read state per user."""
from sqlalchemy import DateTime, String, func, literal, or_, select

from engine import roles
from engine.db import db, insert_or_merge
from engine.errors import Invalid
from engine.models import Notification, NotificationRead

from ..core.paging import page_of
from ..core.records import db_int
from ..core.timefmt import iso, now_naive

KIND_LABELS = {"reminder": "提醒", "overdue": "逾期", "supervise": "督办", "mention": "批注提及", "transfer": "转办",
               "returned": "退回"}


def _mine(user):
    """Notices to the user's groups, to the user alone (user:<name>: 转办, 批注提及) and on tasks designated to
    them with others (user:<name>,<name>…)."""
    return or_(Notification.group_code.in_(sorted(user.groups)),
               *roles.designating(Notification.group_code, user.username))


def _unread(user):
    return ~select(NotificationRead.notification_id).where(
        NotificationRead.notification_id == Notification.id, NotificationRead.username == user.username).exists()


def list_notifications(user, unread_only=False, page=1, per_page=20):
    """(list of notification dicts, total), newest first; each dict carries `read`."""
    query = select(Notification).where(_mine(user))
    if unread_only:
        query = query.where(_unread(user))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    rows, total = page_of(query, page, per_page, db.session)
    read = set()
    if rows:
        read = set(db.session.execute(select(NotificationRead.notification_id).where(
            NotificationRead.username == user.username,
            NotificationRead.notification_id.in_([n.id for n in rows]))).scalars())
    return [notification_dict(n, n.id in read) for n in rows], total


def notification_dict(n, read=False):
    return {"id": n.id, "kind": n.kind, "kind_label": KIND_LABELS.get(n.kind, n.kind), "message": n.message,
            "group": n.group_code, "project_id": n.project_id, "instance_id": n.instance_id,
            "task_bpmn_id": n.task_bpmn_id, "created_at": iso(n.created_at), "read": read}


def unread_count(user):
    return db.session.execute(select(func.count()).select_from(Notification).where(_mine(user), _unread(user))).scalar()


def mark_read(user, ids):
    """Mark the user's notifications read; ids=None marks all of them. Others' ids are ignored."""
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise Invalid("ids 须为通知编号列表", fields={"ids": "须为整数列表"})
        ids = [i for i in ids if db_int(i) is not None]  # beyond INTEGER no notification has that id
        if not ids:
            return
    query = select(Notification.id, literal(user.username, String), literal(now_naive(), DateTime)).where(
        _mine(user), _unread(user))
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    # One statement, and a row another tab marked meanwhile is skipped: several tabs at once all succeed.
    db.session.execute(insert_or_merge(NotificationRead).from_select(
        ["notification_id", "username", "read_at"], query).on_conflict_do_nothing())
    db.session.commit()


__all__ = ["list_notifications", "unread_count", "mark_read", "notification_dict"]
