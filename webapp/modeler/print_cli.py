"""`flask --app webapp models print [--out DIR] [--version N]`: every diagram of a deployed version as SVG
and PDF (top level on A4 landscape, the others on A3 landscape), with the page and smallest label size."""
from pathlib import Path

import click

from engine import registry
from engine.db import db
from engine.models import ModelVersion

from .printing import PrintError, describe, print_files


@click.command("print", help="将已部署版本的每张流程图输出为 PDF 与 SVG（总图 A4 横向，其余 A3 横向）")
@click.option("--out", "out", default=None, help="输出目录（默认 instance/print/v<版本号>）")
@click.option("--version", "version_id", type=int, default=None, help="模型版本号（默认最新部署的版本）")
def print_command(out, version_id):
    from flask import current_app

    version = db.session.get(ModelVersion, version_id) if version_id else registry.latest_version()
    if version is None:
        raise click.ClickException("没有找到已部署的模型版本，请先执行 models deploy")
    files = {f.name: f.content for f in version.files if f.name.endswith(".bpmn")}
    target = Path(out) if out else Path(current_app.instance_path) / "print" / f"v{version.id}"
    try:
        results = print_files(files, target)
    except PrintError as exc:
        raise click.ClickException(str(exc))
    for result in results:
        click.echo(describe(result))
    click.echo(f"已输出版本 {version.id} 的 {len(results)} 张流程图到 {target}")
    if any(r["problems"] for r in results):
        raise SystemExit(1)
