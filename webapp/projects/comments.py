"""批注: any participant comments on a project or one of its tasks; "@名字" tells that person.

Comments are part of the project's history (an audit event each) and show on the task page, the project page
and its print view with who and when. A mention is a notice addressed to the one person (group user:<name>),
so it reaches them in the inbox and on the channels they chose.
"""
import re

from sqlalchemy import select

from engine import clock, roles
from engine.audit import record
from engine.db import db
from engine.errors import Invalid, NotFound
from engine.models import Notification, TaskIndex

MAX_BODY = 2000
MAX_MENTIONS = 20
# "@" then a login id or a display name: letters (incl. CJK), digits, _ . - ; ends at space or punctuation
_MENTION = re.compile(r"@([\w.\-\u4e00-\u9fff]{1,64})")


class Comment(db.Model):
    __tablename__ = "comment"
    id = db.Column(db.Integer, primary_key=True)
    project_id = db.Column(db.Integer, nullable=False, index=True)
    instance_id = db.Column(db.Integer)
    task_id = db.Column(db.String(36), index=True)
    task_name = db.Column(db.String(200))
    author = db.Column(db.String(64), nullable=False)
    body = db.Column(db.Text, nullable=False)
    mentions = db.Column(db.String(2000))  # login ids, comma-separated
    created_at = db.Column(db.DateTime, nullable=False, index=True)


def mentioned_users(body):
    """Active users named after an "@" (by login id or display name), in order, each once."""
    from ..accounts.services import active_users_named

    tokens = list(dict.fromkeys(_MENTION.findall(body)))[:MAX_MENTIONS]
    if not tokens:
        return []
    rows = active_users_named(tokens)
    by_token = {}
    for user in rows:
        by_token.setdefault(user.username, user)
        by_token.setdefault(user.display_name, user)
    found = []
    for token in tokens:
        user = by_token.get(token)
        if user is not None and user not in found:
            found.append(user)
    return found


def add(author, project, body, task_id=None):
    """Store a comment by `author` (a User who may see `project`); tell the people it mentions."""
    body = (body or "").strip() if isinstance(body, str) else ""
    if not body:
        raise Invalid("请填写批注内容", fields={"body": "必填"})
    if len(body) > MAX_BODY:
        raise Invalid(f"批注不能超过 {MAX_BODY} 个字", fields={"body": "过长"})
    if "\x00" in body:
        raise Invalid("批注含有不允许的字符", fields={"body": "含有不允许的字符"})
    task = None
    if task_id:
        task = db.session.get(TaskIndex, str(task_id))
        if task is None or task.project_id != project.id:
            raise NotFound("任务不存在")
    now = clock.now().replace(tzinfo=None)
    mentioned = [u for u in mentioned_users(body) if u.username != author.username]
    comment = Comment(project_id=project.id, instance_id=task.instance_id if task else project.instance_id,
                      task_id=task.id if task else None, task_name=task.name if task else None,
                      author=author.username, body=body, mentions=",".join(u.username for u in mentioned) or None,
                      created_at=now)
    db.session.add(comment)
    db.session.flush()
    where = f"“{project.name}”" + (f"的“{task.name}”" if task else "")
    for user in mentioned:
        db.session.add(Notification(
            group_code=roles.person_group(user.username), kind="mention", project_id=project.id,
            instance_id=comment.instance_id, task_bpmn_id=task.bpmn_id if task else None, created_at=now,
            message=f"{author.display_name} 在{where}的批注中提到了您：{body[:200]}"))
    record("comment", author.username, comment.instance_id, project.id, comment.task_id,
           {"comment_id": comment.id, "mentions": [u.username for u in mentioned]})
    db.session.commit()
    return comment


def listing(project_id, task_id=None):
    """[{id, author, author_name, department, body, task_id, task_name, created_at (aware UTC)}], oldest first."""
    from ..accounts.services import people_of

    query = select(Comment).where(Comment.project_id == project_id)
    if task_id:
        query = query.where(Comment.task_id == str(task_id))
    rows = db.session.execute(query.order_by(Comment.created_at, Comment.id).limit(500)).scalars().all()
    authors = {r.author for r in rows}
    people = people_of(authors)
    from datetime import timezone

    return [{"id": r.id, "author": r.author, "author_name": people.get(r.author, (r.author, None))[0],
             "department": people.get(r.author, (None, None))[1], "body": r.body, "task_id": r.task_id,
             "task_name": r.task_name, "created_at": r.created_at.replace(tzinfo=timezone.utc)} for r in rows]
