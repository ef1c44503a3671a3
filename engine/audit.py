"""The append-only audit trail (DESIGN decision 10) and its hash chain (等保 8.1.4.3).

`record` adds an event to the current transaction; when the transaction commits, its events are sealed:
numbered after the chain's head and hashed over their content and the previous row's hash. The head row is
updated first, which holds a row lock (PostgreSQL) or the write lock (SQLite) until commit, so concurrent
writers append one after the other and the chain never forks. `verify` walks the chain.
"""
import hashlib
import json

from flask import has_request_context, request
from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session

from . import clock
from .db import db
from .models import AuditArchive, AuditChain, AuditEvent

_PENDING = "audit_unsealed"


def record(kind, actor=None, instance_id=None, project_id=None, task_id=None, payload=None, address=None):
    if address is None and has_request_context():
        address = request.remote_addr
    event_row = AuditEvent(
        at=clock.now().replace(tzinfo=None),
        actor=actor,
        kind=kind,
        instance_id=instance_id,
        project_id=project_id,
        task_id=task_id,
        # Stored as the JSON it becomes, so the hash sealed now matches the row read back later.
        payload=json.loads(json.dumps(payload or {}, ensure_ascii=False, default=str)),
        address=(address or None) and str(address)[:64],
    )
    db.session.add(event_row)
    db.session.info.setdefault(_PENDING, []).append(event_row)
    return event_row


def row_hash(row, prev_hash):
    """The sha256 of one event's content, its seq and the previous event's hash."""
    body = [
        row.seq, prev_hash, row.at.isoformat(timespec="microseconds"), row.actor, row.kind, row.instance_id,
        row.project_id, row.task_id, row.payload, row.address,
    ]
    data = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@event.listens_for(Session, "before_commit")
def _seal(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    rows = [r for r in pending if r.seq is None and _alive(r)]
    if not rows:
        return
    with session.no_autoflush:
        start, prev = _advance_head(session, len(rows))
        for offset, row in enumerate(rows):
            row.seq = start + offset
            row.prev_hash = prev
            row.hash = prev = row_hash(row, prev)
        session.execute(text("UPDATE audit_chain SET hash = :h WHERE id = 1"), {"h": prev})


def _alive(row):
    state = inspect(row)
    return (state.pending or state.persistent) and not state.deleted


def _advance_head(session, count):
    """Lock the head row and move it on by `count`: (first new seq, hash of the row before it)."""
    bump = text("UPDATE audit_chain SET seq = seq + :n WHERE id = 1")
    if session.execute(bump, {"n": count}).rowcount == 0:
        _create_head(session)
        session.execute(bump, {"n": count})
    seq, prev = session.execute(text("SELECT seq, hash FROM audit_chain WHERE id = 1")).one()
    return seq - count + 1, prev


def _create_head(session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(AuditChain).values(id=1, seq=0, hash="").on_conflict_do_nothing())


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, _previous):
    session.info.pop(_PENDING, None)


_COLUMNS = [getattr(AuditEvent, name) for name in (
    "id", "seq", "prev_hash", "hash", "at", "actor", "kind", "instance_id", "project_id", "task_id", "payload",
    "address")]


def verify(batch=2000):
    """Problems found in the chain, as Chinese sentences; an empty list when every row is intact."""
    problems = []
    archive = db.session.execute(db.select(AuditArchive).order_by(AuditArchive.last_seq.desc()).limit(1)).scalar()
    expected, prev = (archive.last_seq + 1, archive.last_hash) if archive else (1, "")
    unsealed = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None)))
    if unsealed:
        problems.append(f"有 {unsealed} 条审计记录不在哈希链上（绕过系统写入）")
    last_seq = None
    while True:
        rows = db.session.execute(
            db.select(*_COLUMNS).where(AuditEvent.seq >= expected).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected:
                problems.append(f"序号 {expected}–{row.seq - 1} 的审计记录缺失（已被删除）")
                prev = None  # the next row's link cannot match; report the gap once
            elif prev is not None and row.prev_hash != prev:
                problems.append(f"序号 {row.seq} 的审计记录与前一条不衔接（前一条被修改或删除）")
            if row_hash(row, row.prev_hash) != row.hash:
                problems.append(f"序号 {row.seq}（ID {row.id}）的审计记录内容被修改")
            prev, expected, last_seq = row.hash, row.seq + 1, row.seq
    head = db.session.get(AuditChain, 1)
    if head is not None and head.seq > (last_seq or expected - 1):
        problems.append(f"序号 {(last_seq or expected - 1) + 1}–{head.seq} 的最新审计记录缺失（已被删除）")
    elif head is not None and last_seq is not None and head.hash != prev:
        problems.append("哈希链头与最后一条审计记录不符")
    return problems
