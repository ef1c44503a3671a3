"""The append-only audit trail (DESIGN decision 10) and its hash chain (等保 8.1.4.3).

`record` adds an event to the current transaction. At commit each new row carries a digest of its own content
and no place in the chain yet, so writers never wait for one another. Once the transaction has ended and its
connection is back in the pool (in a web request: once its answer has been sent), `seal` numbers the
waiting rows after the chain's head in the order they were written and hashes each over its content and the
previous row's hash (so a thread never holds two connections at once). A sealing step that finds the head busy, or moved on since it read it, leaves its rows
to the one holding it, to the next commit or to the scheduler's sweep; `verify` seals what is waiting before it
walks the chain. A row edited while waiting no longer matches its digest and is never sealed; a row inserted
around the system has no digest: both are reported.
"""
import hashlib
import json
import logging
from types import SimpleNamespace

from flask import after_this_request, has_request_context, request
from sqlalchemy import event, inspect, text, true
from sqlalchemy.orm import Session

from . import clock
from .db import db
from .models import AuditArchive, AuditChain, AuditEvent

_PENDING = "audit_unsealed"
_WRITTEN = "audit_written"
_SEAL_DUE = "audit_seal_due"
SEAL_BATCH = 1000
log = logging.getLogger("egov.audit")


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
    """The sha256 of one event's content, its seq and the previous event's hash (both None while waiting)."""
    body = [
        row.seq, prev_hash, row.at.isoformat(timespec="microseconds"), row.actor, row.kind, row.instance_id,
        row.project_id, row.task_id, row.payload, row.address,
    ]
    data = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@event.listens_for(Session, "before_flush")
def _digest(session, _context, _instances):
    """Each new row's own digest, from its content as written (no statement, no lock)."""
    for row in session.info.get(_PENDING, ()):
        if row.seq is None and _alive(row) and (row in session.new or row in session.dirty):
            row.hash = row_hash(row, None)
            session.info[_WRITTEN] = True


@event.listens_for(Session, "after_commit")
def _seal_after_commit(session):
    session.info.pop(_PENDING, None)
    if session.info.pop(_WRITTEN, False):
        session.info[_SEAL_DUE] = session.get_bind()  # sealed once the transaction has given its connection back


@event.listens_for(Session, "after_transaction_end")
def _seal_when_released(session, transaction):
    if transaction.parent is not None:
        return
    bind = session.info.pop(_SEAL_DUE, None)
    if bind is None:
        return
    if has_request_context():  # once the answer has gone out: the rows are committed with their digests
        if not request.environ.get(_SEAL_DUE):  # already, and nobody need wait for the chain's two statements
            request.environ[_SEAL_DUE] = True  # once per request, however often it commits
            after_this_request(lambda response: _seal_when_sent(response, bind))
        return
    _seal_quietly(bind)


def _seal_when_sent(response, bind):
    """The server closes the response once it has sent it (WSGI); a commit after this point, or an answer that
    is never closed, leaves its rows to the next seal or the scheduler's sweep."""
    response.call_on_close(lambda: _seal_quietly(bind))
    return response


def _seal_quietly(bind):
    try:
        seal(bind, wait=False)
    except Exception:  # the rows are committed with their digests; the scheduler's sweep seals them
        log.exception("sealing audit rows after commit failed")


def _alive(row):
    state = inspect(row)
    return (state.pending or state.persistent) and not state.deleted


@event.listens_for(Session, "after_soft_rollback")
def _forget(session, _previous):
    session.info.pop(_PENDING, None)
    session.info.pop(_WRITTEN, None)


_COLUMNS = [getattr(AuditEvent, name) for name in (
    "id", "seq", "prev_hash", "hash", "at", "actor", "kind", "instance_id", "project_id", "task_id", "payload",
    "address")]


def seal(bind=None, wait=True):
    """Chain the committed rows still waiting, oldest first; returns how many.

    wait=False (right after a commit): if another process holds the head, or moves it meanwhile, it is sealing
    already, and whatever it missed goes with the next commit or the scheduler's sweep, so nobody queues behind it.
    """
    bind = bind or db.engine
    sealed = 0
    with _sealing_connection(bind) as conn:
        while True:
            if conn.dialect.name == "postgresql":
                head, rows = _read_waiting(conn)
                if head is None:
                    _create_head(conn)
                    continue
                changes, seq, prev = _chain(rows, *head)
                if not changes:
                    return sealed
                moved = _move(conn, changes, head[0], seq, prev, wait)
                if moved is None:  # the head was busy or moved on: its holder seals, or this one tries again
                    if not wait:
                        return sealed
                    continue
            else:
                with conn.begin():
                    head = _lock_head_sqlite(conn)
                    rows = conn.execute(_waiting_rows()).all()
                    changes, seq, prev = _chain(rows, *head)
                    if not changes:
                        return sealed
                    _write_chain_sqlite(conn, changes, seq, prev)
            sealed += len(changes)
            if len(rows) < SEAL_BATCH:
                return sealed


def _sealing_connection(bind):
    """PostgreSQL: each sealing statement is a transaction of its own (no BEGIN, no COMMIT to wait for)."""
    conn = bind.connect()
    return conn.execution_options(isolation_level="AUTOCOMMIT") if conn.dialect.name == "postgresql" else conn


def _waiting_rows():
    return db.select(*_COLUMNS).where(AuditEvent.seq.is_(None)).order_by(AuditEvent.id).limit(SEAL_BATCH)


def _chain(rows, seq, prev):
    """The new (id, seq, prev_hash, hash) of every waiting row whose content still matches its digest."""
    changes = []
    for row in rows:
        if row.hash != row_hash(row, None):
            continue  # edited while waiting, or written around the system: verify reports it
        seq += 1
        chained = SimpleNamespace(**{**{c.name: getattr(row, c.name) for c in _COLUMNS}, "seq": seq})
        prev_hash, prev = prev, row_hash(chained, prev)
        changes.append({"i": row.id, "s": seq, "p": prev_hash, "h": prev})
    return changes, seq, prev


def _read_waiting(conn):
    """((seq, hash) of the head, the waiting rows), read in one snapshot; (None, []) when there is no head yet."""
    waiting = _waiting_rows().subquery().lateral("waiting")
    found = conn.execute(
        db.select(AuditChain.seq.label("head_seq"), AuditChain.hash.label("head_hash"), *waiting.c)
        .select_from(AuditChain.__table__.outerjoin(waiting, true()))
        .where(AuditChain.id == 1).order_by(waiting.c.id)).all()
    if not found:
        return None, []
    return (found[0].head_seq, found[0].head_hash), [r for r in found if r.id is not None]


# Rows and head in one statement, applied only while the head is still where it was read (and not held by
# another sealer: SKIP LOCKED, or FOR UPDATE when the caller waits). Chaining is re-done from the digests if
# this commit is lost, so it need not wait for the disk (set_config(…, true) is SET LOCAL).
_MOVE = ("WITH head AS (SELECT id, set_config('synchronous_commit', 'off', true) FROM audit_chain"
         " WHERE id = 1 AND seq = CAST(:old AS bigint) FOR UPDATE{skip}),"
         " moved AS (UPDATE audit_chain c SET seq = :seq, hash = :head FROM head WHERE c.id = head.id RETURNING c.id)"
         " UPDATE audit_event e SET seq = v.s, prev_hash = v.p, hash = v.h"
         " FROM unnest(CAST(:i AS integer[]), CAST(:s AS bigint[]), CAST(:p AS text[]), CAST(:h AS text[]))"
         " AS v(i, s, p, h), moved WHERE e.id = v.i AND e.seq IS NULL")


def _move(conn, changes, old_seq, seq, head_hash, wait):
    """How many rows moved, or None when the head was busy or no longer at `old_seq`."""
    result = conn.execute(text(_MOVE.format(skip="" if wait else " SKIP LOCKED")), {
        "i": [c["i"] for c in changes], "s": [c["s"] for c in changes], "p": [c["p"] for c in changes],
        "h": [c["h"] for c in changes], "old": old_seq, "seq": seq, "head": head_hash})
    return result.rowcount or None


def _write_chain_sqlite(conn, changes, seq, head_hash):
    conn.execute(text("UPDATE audit_event SET seq = :s, prev_hash = :p, hash = :h WHERE id = :i"), changes)
    conn.execute(text("UPDATE audit_chain SET seq = :s, hash = :h WHERE id = 1"), {"s": seq, "h": head_hash})


def _lock_head_sqlite(conn):
    """(seq, hash) of the head row. The UPDATE takes the database's write lock first, so two processes never
    read the same head."""
    head = conn.execute(text("UPDATE audit_chain SET seq = seq WHERE id = 1 RETURNING seq, hash")).first()
    if head is None:
        _create_head(conn)
        head = conn.execute(text("SELECT seq, hash FROM audit_chain WHERE id = 1")).one()
    return tuple(head)


def _create_head(conn):
    """Insert the head row if missing."""
    conn.execute(text("INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, '') ON CONFLICT DO NOTHING"))


def verify(batch=2000):
    """Problems found in the chain, as Chinese sentences; an empty list when every row is intact."""
    seal()
    problems = []
    archive = db.session.execute(db.select(AuditArchive).order_by(AuditArchive.last_seq.desc()).limit(1)).scalar()
    expected, prev = (archive.last_seq + 1, archive.last_hash) if archive else (1, "")
    waiting = db.session.execute(db.select(*_COLUMNS).where(AuditEvent.seq.is_(None))).all()
    outside = sum(1 for row in waiting if row.hash != row_hash(row, None))  # the rest were committed meanwhile
    if outside:
        problems.append(f"有 {outside} 条审计记录不在哈希链上（绕过系统写入或写入后被修改）")
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
    head = db.session.execute(db.select(AuditChain.seq, AuditChain.hash).where(AuditChain.id == 1)).first()
    if head is not None and head.seq > (last_seq or expected - 1):
        problems.append(f"序号 {(last_seq or expected - 1) + 1}–{head.seq} 的最新审计记录缺失（已被删除）")
    elif head is not None and last_seq is not None and head.hash != prev:
        problems.append("哈希链头与最后一条审计记录不符")
    return problems
