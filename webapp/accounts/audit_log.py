"""The audit log for the 安全审计员: filtered reading, Excel export, retention with archiving (等保 8.1.4.3)."""
import gzip
import hashlib
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app

from engine import clock
from engine.audit import record
from engine.db import db
from engine.models import AuditArchive, AuditEvent

from ..core.auditwords import KIND_LABELS

from . import settings
from .clockwork import real_now

def query(filters):
    """A select of audit events matching {actor, kind, address, since, until} (dates are Beijing days)."""
    q = db.select(AuditEvent)
    if filters.get("actor"):
        q = q.where(AuditEvent.actor == filters["actor"])
    if filters.get("kind"):
        q = q.where(AuditEvent.kind == filters["kind"])
    if filters.get("address"):
        q = q.where(AuditEvent.address == filters["address"])
    if filters.get("since"):
        q = q.where(AuditEvent.at >= _utc_midnight(filters["since"]))
    if filters.get("until"):
        q = q.where(AuditEvent.at < _utc_midnight(filters["until"]) + timedelta(days=1))
    return q.order_by(AuditEvent.seq.desc(), AuditEvent.id.desc())


def _utc_midnight(day):
    return datetime.combine(day, datetime.min.time(), clock.BEIJING).astimezone(timezone.utc).replace(tzinfo=None)


HEAD = ["序号", "时间（北京时间）", "操作人", "事件", "客户端地址", "项目", "流程实例", "详情"]


def workbook(rows):
    """An .xlsx of audit rows; every cell is written as text (never a formula, whatever the user typed)."""
    from openpyxl import Workbook

    from ..core.xlsx import as_text_cells

    book = Workbook()
    sheet = book.active
    sheet.title = "审计日志"
    sheet.append(HEAD)
    for row in rows:
        sheet.append([row.seq, clock.as_utc(row.at).astimezone(clock.BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
                      row.actor or "", KIND_LABELS.get(row.kind, row.kind), row.address or "", row.project_id,
                      row.instance_id, json.dumps(row.payload, ensure_ascii=False)])
    as_text_cells(book)
    return book


def archive_dir():
    configured = settings.get("AUDIT_ARCHIVE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-archive"


def archive(now=None, actor="system"):
    """Move rows older than the retention period, in seq order, to a gzip JSON-lines file; then delete them.

    The file is written and synced before any row is deleted, and its last seq and hash are kept in
    `audit_archive`, so `audit verify` goes on from there. Returns the AuditArchive row or None.
    """
    days = settings.get("AUDIT_RETENTION_DAYS")
    # `at` is written by the system clock (which a 演练 may move), so the cut is read from the same clock.
    before = (now or clock.now().replace(tzinfo=None)) - timedelta(days=days)
    rows = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq)
    ).scalars()
    chunk = []
    for row in rows:  # the oldest unbroken run of sealed rows before the cut
        if row.at >= before:
            break
        chunk.append(row)
    if not chunk:
        return None
    folder = archive_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-{chunk[0].seq:012d}-{chunk[-1].seq:012d}.jsonl.gz"
    digest = hashlib.sha256()
    with open(path, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb") as out:
            for row in chunk:
                line = json.dumps(_as_dict(row), ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"
                out.write(line)
        raw.flush()
        os.fsync(raw.fileno())
    digest.update(path.read_bytes())
    entry = AuditArchive(path=str(path), first_seq=chunk[0].seq, last_seq=chunk[-1].seq, last_hash=chunk[-1].hash,
                         rows=len(chunk), sha256=digest.hexdigest(), before=before, created_at=real_now())
    db.session.add(entry)
    db.session.execute(db.delete(AuditEvent).where(AuditEvent.seq <= chunk[-1].seq))
    record("audit_archive", actor, payload={"file": path.name, "rows": len(chunk), "first_seq": chunk[0].seq,
                                            "last_seq": chunk[-1].seq, "sha256": entry.sha256})
    db.session.commit()
    return entry


def _as_dict(row):
    return {"id": row.id, "seq": row.seq, "prev_hash": row.prev_hash, "hash": row.hash,
            "at": row.at.isoformat(timespec="microseconds"), "actor": row.actor, "kind": row.kind,
            "instance_id": row.instance_id, "project_id": row.project_id, "task_id": row.task_id,
            "payload": row.payload, "address": row.address}


def verify_archive(entry):
    """Problems of one archive file: its checksum, and the chain inside it (empty list when intact)."""
    from types import SimpleNamespace

    from engine.audit import row_hash

    path = Path(entry.path)
    if not path.exists():
        return [f"归档文件 {path.name} 不存在"]
    if hashlib.sha256(path.read_bytes()).hexdigest() != entry.sha256:
        return [f"归档文件 {path.name} 已被改动（校验和不符）"]
    problems, prev = [], None
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            data = json.loads(line)
            data["at"] = datetime.fromisoformat(data["at"])
            row = SimpleNamespace(**data)
            if (prev is not None and row.prev_hash != prev) or row_hash(row, row.prev_hash) != row.hash:
                problems.append(f"归档文件 {path.name} 中序号 {row.seq} 的记录不符")
            prev = row.hash
    return problems
