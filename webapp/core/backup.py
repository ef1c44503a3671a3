"""`flask backup DIR` and `flask restore DIR` while the system runs (issue 14).

Everything the city keeps is in the database, uploaded files included (StoredFile.data), so one
consistent copy of the database is the whole backup:
- PostgreSQL: pg_dump's custom format, taken inside one snapshot (requests and the scheduler go on);
  restored with pg_restore into an empty database.
- SQLite: the online backup API, page by page under the database's own locking.
DIR also gets manifest.json: the database kind, the schema revision, when, and rows per table, which
`restore` checks the restored copy against.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import click
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from engine.db import db

MANIFEST = "manifest.json"
PG_FILE = "database.dump"
SQLITE_FILE = "database.sqlite3"


class BackupError(click.ClickException):
    pass


def _pg_url(url):
    """A libpq connection string (pg_dump/pg_restore do not know SQLAlchemy's driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _counts(connection):
    tables = sorted(inspect(connection).get_table_names())
    return {t: connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}


def _revision(connection):
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - an unmigrated database has no revision
        return None


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(directory):
    """Write a consistent copy of the database and its manifest into `directory` (created; must be empty)."""
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"目录 {target} 不是空目录，请指定新的备份目录")
    target.mkdir(parents=True, exist_ok=True)
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        # The manifest's counts come from the very snapshot pg_dump copies, held open until it is done.
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True) as conn:
            taken = [time.time()]
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
            taken.append(time.time())
            counts, revision = _counts(conn), _revision(conn)
            _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                  f"--file={target / PG_FILE}", _pg_url(url)])
            conn.rollback()
        data_file = target / PG_FILE
    elif url.get_backend_name() == "sqlite":
        data_file = target / SQLITE_FILE
        source = sqlite3.connect(url.database, timeout=30)
        try:
            copy = sqlite3.connect(data_file)
            with copy:
                taken = [time.time()]
                source.backup(copy)  # one step under a read lock: readers and writers go on meanwhile
                taken.append(time.time())
            copy.close()
        finally:
            source.close()
        with _sqlite_engine(data_file).connect() as conn:
            counts, revision = _counts(conn), _revision(conn)
    else:
        raise BackupError(f"不支持的数据库类型：{url.get_backend_name()}")
    manifest = {"database": url.get_backend_name(), "file": data_file.name, "sha256": _sha256(data_file),
                "revision": revision, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                # the copy is the database as it was at one instant between these two (Unix time)
                "snapshot_between": taken,
                "rows": counts}
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def restore(directory):
    """Load the backup in `directory` into the configured database, which must hold no tables yet."""
    source = Path(directory)
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} 不是有效的备份目录（缺少或无法读取 {MANIFEST}）") from exc
    data_file = source / manifest["file"]
    if not data_file.exists() or _sha256(data_file) != manifest["sha256"]:
        raise BackupError("备份文件缺失或已损坏（校验和不符）")
    url = db.engine.url
    if url.get_backend_name() != manifest["database"]:
        raise BackupError(f"备份来自 {manifest['database']}，当前数据库是 {url.get_backend_name()}")
    with db.engine.connect() as conn:
        existing = inspect(conn).get_table_names()
    if existing:
        raise BackupError("目标数据库不是空库（已有数据表），请先建一个空库再恢复")
    db.engine.dispose()
    if manifest["database"] == "postgresql":
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", f"--dbname={_pg_url(url)}",
              str(data_file)])
    else:
        target = Path(url.database)
        copy = sqlite3.connect(target)
        backup_file = sqlite3.connect(data_file)
        try:
            with copy:
                backup_file.backup(copy)
        finally:
            backup_file.close()
            copy.close()
    with db.engine.connect() as conn:
        counts = _counts(conn)
    if counts != manifest["rows"]:
        differ = sorted(t for t in set(counts) | set(manifest["rows"]) if counts.get(t) != manifest["rows"].get(t))
        raise BackupError(f"恢复后的行数与备份清单不符：{'、'.join(differ)}")
    return manifest


def _sqlite_engine(path):
    import sqlalchemy as sa

    return sa.create_engine(f"sqlite:///{path}")


def _run(command):
    if shutil.which(command[0]) is None:
        raise BackupError(f"找不到 {command[0]}：请安装与服务器同版本的 PostgreSQL 客户端工具")
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PGCONNECT_TIMEOUT": "30"})
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()[-800:]}")


@click.command("backup", help="在线备份数据库（含上传的文件）到一个新的空目录 DIR")
@click.argument("directory", type=click.Path(file_okay=False))
def backup_command(directory):
    manifest = backup(directory)
    total = sum(manifest["rows"].values())
    click.echo(f"备份完成：{directory}（{manifest['database']}，{len(manifest['rows'])} 张表，{total} 行，"
               f"结构版本 {manifest['revision']}）")


@click.command("restore", help="把备份目录 DIR 恢复到当前配置的空数据库")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def restore_command(directory):
    manifest = restore(directory)
    click.echo(f"恢复完成：{sum(manifest['rows'].values())} 行，结构版本 {manifest['revision']}，"
               f"备份时间 {manifest['created_at']}")
