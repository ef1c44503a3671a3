"""The oversight pages' forms (市数管局 and departments), on the town of test_city: each write done through
the page, each refusal flashed in Chinese and changing nothing."""
import html as html_lib
import re

from engine.db import db
from engine.models import AuditEvent, TaskIndex
from webapp.core.models import Department

from . import city
from .test_city import NOW, client, town  # noqa: F401  (the town fixture)


FLASH = re.compile(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', re.S)


def flashes(html):
    """The flashed messages alone, as "category:message" (the pages also quote rules in their own text)."""
    return " | ".join(f"{category}:{html_lib.unescape(message)}" for category, message in FLASH.findall(html))


def flashed(r):
    return flashes(r.get_data(as_text=True))


def post(app, user, path, data):
    with city.at(NOW):
        return client(app, user).post(path, data=data, follow_redirects=True)


def test_rules_form_refuses_invalid_rules_and_keeps_the_old(town, app):
    from webapp.oversight.services import reports

    users = town["users"]
    before = reports.rules()
    r = post(app, users["sgj"], "/oversight/rules", {"red_months_behind": "-1"})
    assert "通报规则填写有误（须为不小于 0 的数字）" in flashed(r)
    r = post(app, users["sgj"], "/oversight/rules", {"red_months_behind": "2", "amber_months_behind": "2.5"})
    assert "黄色阈值不能大于红色阈值" in flashed(r)
    r = post(app, users["sgj"], "/oversight/rules", {"red_execution_below": "0.7"})  # above amber's 0.6
    assert "黄色阈值不能小于红色阈值" in flashed(r)
    r = post(app, users["sgj"], "/oversight/rules", {"red_months_behind": "abc"})
    assert "须为不小于 0 的数字" in flashed(r)
    r = post(app, users["dept_gaj"], "/oversight/rules", {"red_months_behind": "9"})
    assert "只有市数管局可以执行此操作" in flashed(r)
    assert reports.rules() == before
    r = post(app, users["sgj"], "/oversight/rules", {"red_months_behind": "2.5", "amber_months_behind": "0.5"})
    assert "通报预警规则已保存" in flashed(r)
    assert (reports.rules()["red_months_behind"], reports.rules()["amber_months_behind"]) == (2.5, 0.5)


def test_plan_edit_and_publish_through_the_page(town, app):
    from webapp.oversight.services import reports

    users = town["users"]
    r = post(app, users["sgj"], "/oversight/plan/2026/entries/1", {"position": "1", "plan_amount_wan": "450",
                                                                  "note": "分两年安排"})
    assert "计划条目已保存" in flashed(r)
    items = reports.plan(2026)["items"]
    assert [i["project_id"] for i in items][0] == 1 and items[0]["plan_amount_wan"] == 450
    r = post(app, users["sgj"], "/oversight/plan/2026/entries/1", {"plan_amount_wan": "900"})
    assert "计划安排金额不得超过批复金额" in flashed(r)
    assert reports.plan(2026)["items"][0]["plan_amount_wan"] == 450
    r = post(app, users["dept_gaj"], "/oversight/plan/2026/publish", {})
    assert "只有市数管局可以执行此操作" in flashed(r) and reports.plan(2026)["status"] != "published"
    r = post(app, users["sgj"], "/oversight/plan/2026/publish", {"title": "2026年度六安市电子政务项目建设计划"})
    assert "2026 年度建设计划已发布" in flashed(r) and reports.plan(2026)["status"] == "published"
    r = post(app, users["sgj"], "/oversight/plan/2026/entries/1", {"position": "3"})
    assert "年度建设计划已发布" in flashed(r) and reports.plan(2026)["items"][0]["project_id"] == 1


def test_fund_request_through_the_page(town, app):
    users = town["users"]

    def fund_tasks(project_id):
        return db.session.query(TaskIndex).filter_by(project_id=project_id, bpmn_id="task_fund_request",
                                                     state="ready").count()

    r = post(app, users["dept_gaj"], "/oversight/funds/1/request", {})
    assert flashed(r) == "success:资金拨付申请已发起，请在待办中填写申请表"
    db.session.expire_all()
    assert fund_tasks(1) == 1
    r = post(app, users["dept_gaj"], "/oversight/funds/3/request", {})  # P3 is neither reviewed nor approved
    assert "未经审核论证和立项批复的项目不得拨付建设资金" in flashed(r) and fund_tasks(3) == 0
    r = post(app, users["dept_jyj"], "/oversight/funds/1/request", {})  # another department's project
    assert "项目不存在或无权查看" in flashed(r)
    db.session.expire_all()
    assert fund_tasks(1) == 1


def test_lift_a_sanction_through_the_page(town, app):
    users = town["users"]
    with city.at(NOW):
        department = db.session.get(Department, "jyj")
        department.sanction, department.sanction_note = "suspend", "整改不到位"
        db.session.commit()
    r = post(app, users["dept_jyj"], "/oversight/departments/jyj/lift", {"note": "自行解除"})
    assert "只有市数管局可以执行此操作" in flashed(r)
    db.session.expire_all()
    assert db.session.get(Department, "jyj").sanction == "suspend"
    r = post(app, users["sgj"], "/oversight/departments/jyj/lift", {"note": "整改已到位"})
    assert "已解除该部门的督查处理" in flashed(r)
    db.session.expire_all()
    assert db.session.get(Department, "jyj").sanction is None
    [lifted] = db.session.query(AuditEvent).filter_by(kind="sanction_lift").all()
    assert lifted.actor == "sgj" and lifted.payload["previous"] == "suspend"
    r = post(app, users["sgj"], "/oversight/departments/nosuch/lift", {})
    assert "部门不存在" in flashed(r)
