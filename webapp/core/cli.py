"""Commands under `flask --app webapp`: models deploy, timers run-due, scheduler, clock, calendar, backup, restore.

An area adds its own commands in its init_app (accounts: seed-demo).
"""
from datetime import datetime

import click
from flask import current_app

from engine import clock, registry, timers
from engine.audit import record
from engine.db import db
from engine.errors import ModelInvalid, describe
from engine.runtime import unit_of_work
from engine.settings import set_setting

def register_cli(app):
    app.cli.add_command(models_group)
    app.cli.add_command(timers_group)
    app.cli.add_command(scheduler)
    app.cli.add_command(clock_group)
    app.cli.add_command(calendar_group)
    from .backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.group("models", help="流程模型：校验与部署")
def models_group():
    pass


@models_group.command("deploy", help="部署 bpmn/ 与 forms/（内容未变则不产生新版本）")
@click.option("--root", default=None, help="模型所在目录（默认为项目根目录）")
def models_deploy(root):
    files = registry.read_model_dir(root or current_app.config["MODEL_ROOT"])
    try:
        with unit_of_work():
            version, created = registry.deploy(files, actor="cli")
    except ModelInvalid as exc:
        for problem in exc.problems:
            click.echo(f"错误：{describe(problem)}", err=True)
        raise SystemExit(1)
    if created:
        click.echo(f"已部署新版本 {version.id}（{version.content_hash[:12]}）")
        return
    live = registry.latest_version()
    if live is not None and live.id != version.id:  # e.g. an analyst deployed from the browser since
        click.echo(f"目录中的模型与版本 {version.id} 相同；当前生效的是版本 {live.id}（{live.content_hash[:12]}，"
                   f"由 {live.created_by or '未知'} 部署），未做改动")
    else:
        click.echo(f"模型未变化，当前生效的仍是版本 {version.id}（{version.content_hash[:12]}）")


@click.group("timers", help="定时器")
def timers_group():
    pass


@timers_group.command("run-due", help="触发在指定时刻（默认现在）已到期的全部定时器")
@click.option("--at", "at", default=None, help="ISO-8601 时刻，如 2026-07-01T00:00:00+08:00")
def run_due(at):
    moment = _parse_instant(at) if at else None
    fired = timers.run_due(moment)
    click.echo(f"已触发 {fired} 个流程实例的到期定时器")


@click.command("scheduler", help="常驻定时器调度（APScheduler，每隔几秒检查到期定时器）")
@click.option("--interval", type=float, default=None, help="轮询间隔（秒）")
def scheduler(interval):
    from .scheduler import run_forever

    run_forever(current_app._get_current_object(), interval or current_app.config["SCHEDULER_INTERVAL"])


@click.group("clock", help="演练模式时钟（生产模式不可用）")
def clock_group():
    pass


@clock_group.command("set", help="把整个系统的时钟设为指定时刻")
@click.argument("instant")
def clock_set(instant):
    _refuse_in_production()
    target = _parse_instant(instant)
    real = datetime.now(target.tzinfo)
    with unit_of_work():
        offset = (target - real).total_seconds()
        set_setting("clock_offset_seconds", offset)
        record("clock", "cli", payload={"set": target.isoformat(), "offset_seconds": round(offset)})
    clock.forget_offset()
    click.echo(f"系统时钟已设为 {clock.now().astimezone(clock.BEIJING).isoformat(timespec='seconds')}")


@clock_group.command("reset", help="恢复真实时间")
def clock_reset():
    _refuse_in_production()
    with unit_of_work():
        set_setting("clock_offset_seconds", 0)
        record("clock", "cli", payload={"reset": True})
    clock.forget_offset()
    click.echo("系统时钟已恢复为真实时间")


def _refuse_in_production():
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("生产模式下不能调整系统时钟")


def _parse_instant(text):
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"无法识别的时刻：{text}（请用 ISO-8601，如 2026-07-01T00:00:00+08:00）")
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.BEIJING)
    return value


@click.group("calendar", help="工作日历：为官方日历未覆盖的年份录入节假日与调休")
def calendar_group():
    pass


@calendar_group.command("set-day", help="把某天设为工作日（workday）或休息日（rest）")
@click.argument("day")
@click.argument("kind", type=click.Choice(["workday", "rest"]))
@click.option("--note", default="", help="说明，如“2027年春节”")
def calendar_set_day(day, kind, note):
    from datetime import date as date_type

    from engine import workcalendar
    from engine.models import CalendarOverride

    try:
        when = date_type.fromisoformat(day)
    except ValueError:
        raise click.BadParameter(f"无法识别的日期：{day}（请写成“2026-11-30”这样的年-月-日）")
    with unit_of_work():
        row = db.session.get(CalendarOverride, when) or CalendarOverride(day=when)
        row.is_workday, row.note = kind == "workday", note
        db.session.add(row)
        record("calendar", "cli", payload={"day": day, "workday": row.is_workday, "note": note})
    workcalendar.invalidate()
    click.echo(f"{day} 已设为{'工作日' if kind == 'workday' else '休息日'}")


@calendar_group.command("list", help="列出管理员录入的日期与官方日历覆盖的年份")
def calendar_list():
    from engine import workcalendar
    from engine.models import CalendarOverride

    years = workcalendar.covered_years()
    click.echo(f"官方日历覆盖：{years.start}–{years.stop - 1} 年；之后的年份按周末加以下录入计算")
    for row in db.session.execute(db.select(CalendarOverride).order_by(CalendarOverride.day)).scalars():
        click.echo(f"{row.day.isoformat()}  {'工作日' if row.is_workday else '休息日'}  {row.note or ''}")
