"""`flask audit verify` and `flask audit archive`: the audit log's integrity and retention from the shell."""
import click
from flask.cli import with_appcontext

from engine import audit
from engine.db import db
from engine.models import AuditArchive

from . import audit_log


@click.group("audit", help="审计日志：校验哈希链、按保存期限归档")
def audit_group():
    pass


@audit_group.command("verify", help="校验审计日志的哈希链与归档文件；发现篡改或删除时以状态 1 退出")
@with_appcontext
def verify():
    problems = audit.verify()
    for entry in db.session.execute(db.select(AuditArchive).order_by(AuditArchive.first_seq)).scalars():
        problems += audit_log.verify_archive(entry)
    count = db.session.scalar(db.select(db.func.count()).select_from(audit.AuditEvent))
    if problems:
        for problem in problems:
            click.echo(f"错误：{problem}", err=True)
        raise SystemExit(1)
    click.echo(f"审计日志完整：{count} 条记录，哈希链无断点")


@audit_group.command("archive", help="把超过保存期限（EGOV_AUDIT_RETENTION_DAYS，至少 180 天）的记录归档到文件")
@with_appcontext
def archive():
    entry = audit_log.archive(actor="system")
    if entry is None:
        click.echo("没有超过保存期限的记录")
        return
    click.echo(f"已归档 {entry.rows} 条（序号 {entry.first_seq}–{entry.last_seq}）到 {entry.path}")
