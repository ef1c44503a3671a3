"""`flask --app webapp seed-demo`: demo departments and one user per role (never in production)."""
import click
from flask import current_app

from engine.db import db
from engine.runtime import unit_of_work

from ..core import extensions
from ..core.models import Department
from .models import User

DEPARTMENTS = {
    "gaj": "市公安局",
    "jyj": "市教育局",
    "wjw": "市卫生健康委",
    "mzj": "市民政局",
    "rsj": "市人社局",
    "zrzyj": "市自然资源和规划局",
}


DEMO_USERS = [
    # username, display name, department, groups
    ("dept_gaj", "市公安局 项目联络员", "gaj", ["dept:gaj"]),
    ("dept_jyj", "市教育局 项目联络员", "jyj", ["dept:jyj"]),
    ("sgj", "市数管局 项目科", None, ["sgj"]),
    ("fgw", "市发改委 投资科", None, ["fgw"]),
    ("czj", "市财政局 经建科", None, ["czj"]),
    ("ggj", "市公管局 交易科", None, ["ggj"]),
    ("sjj", "市审计局 审计科", None, ["sjj"]),
    ("szf", "市政府 办公室", None, ["szf"]),
    ("expert1", "评审专家 一", None, ["expert"]),
    ("expert2", "评审专家 二", None, ["expert"]),
    ("expert3", "评审专家 三", None, ["expert"]),
    ("expert4", "评审专家 四", None, ["expert"]),
    ("expert5", "评审专家 五", None, ["expert"]),
    ("analyst", "业务分析员", None, ["analyst"]),
    ("admin", "流程监控管理员", None, ["admin"]),
    ("sysadmin", "系统管理员", None, ["sysadmin"]),
    ("secadmin", "安全管理员", None, ["secadmin"]),
    ("auditor", "安全审计员", None, ["auditor"]),
]

# The demo expert pool: a panel of three or more picks from five, each with a specialty (专业方向).
EXPERT_SPECIALTIES = {"expert1": "软件工程", "expert2": "网络安全", "expert3": "数据治理",
                      "expert4": "政务云与基础设施", "expert5": "投资评审"}


@click.command("seed-demo", help="创建演示部门与每个角色一个演示用户（仅限非生产环境）")
def seed_demo():
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("生产模式下不能创建演示用户")
    password = current_app.config["DEMO_PASSWORD"]
    with unit_of_work():
        for code, name in DEPARTMENTS.items():
            if db.session.get(Department, code) is None:
                db.session.add(Department(code=code, name=name))
        db.session.flush()
        for username, display, dept, groups in DEMO_USERS:
            user = db.session.execute(db.select(User).filter_by(username=username)).scalar()
            if user is None:
                user = User(username=username, display_name=display, department_code=dept)
                user.set_password(password)
                db.session.add(user)
                db.session.flush()
            user.set_groups(groups)
            if username in EXPERT_SPECIALTIES and not user.specialty:
                user.specialty = EXPERT_SPECIALTIES[username]
        samples = sum(seed() for seed in extensions.get("demo_seed", current_app))  # the files area: 示例附件
    click.echo(f"演示数据已就绪：{len(DEMO_USERS)} 个用户，{len(DEPARTMENTS)} 个部门，新增示例附件 {samples} 个")
