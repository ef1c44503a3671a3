"""What the oversight pages show, read from the rendered HTML of the town of test_city: Beijing time, the
督查日期 as entered, one 执行率 per project, lag in words, 暂无数据 for empty charts, and breadcrumbs
naming the real path."""
import lxml.html

from engine.db import db
from engine.models import Submission
from webapp.accounts.models import User
from webapp.core.templating import fmt_lag, fmt_percent, fmt_ratio

from . import city
from .test_city import NOW, client, town  # noqa: F401  (the town fixture)


def page(app, user, path):
    with city.at(NOW):
        r = client(app, user).get(path)
    assert r.status_code == 200, (path, r.status_code)
    return lxml.html.fromstring(r.get_data(as_text=True))


def by_id(doc, element_id):
    [element] = doc.xpath(f'//*[@id="{element_id}"]')
    return " ".join(element.text_content().split())


def crumbs(doc):
    [trail] = doc.xpath('//div[@class="crumbs"]')
    return [" ".join(a.text_content().split()) for a in trail.xpath("./a | ./span[not(@class)]")]


def cells(doc, table_id, project_id):
    [row] = doc.xpath(f'//table[@id="{table_id}"]//tr[@data-project="{project_id}"]') or [None]
    return [" ".join(td.text_content().split()) for td in row.xpath("./td")]


def test_filters_say_figures_as_people_do():
    assert [fmt_lag(m) for m in (None, 0, 0.2, 0.98, 1.01, 3.67, 10.17)] == \
        ["—", "—", "约6天", "约1个月", "约1个月", "约4个月", "约10个月"]
    assert [fmt_percent(v) for v in (None, 50, 66.123, 100.0)] == ["—", "50%", "66.1%", "100%"]
    assert [fmt_ratio(v) for v in (None, 0.5, 0.1125, 1)] == ["—", "50%", "11.3%", "100%"]


def test_archived_bulletin_and_inspection_show_beijing_time_and_the_date_entered(town, app):
    from webapp.oversight.services import actions

    users = town["users"]
    with city.at(NOW):
        db.session.get(User, users["sgj"].id).display_name = "王督查"
        db.session.commit()
        actions.scheduled_bulletin()  # stored at NOW: 2026-06-25 10:00 Beijing, 02:00 UTC
        row = actions.open_inspection(users["sgj"], {
            "project_id": 2, "month": "2026-06", "reason": "形象进度落后", "requirements": "加快进度",
            "opened_date": "2026-06-20", "deadline": "2026-07-10"})
    doc = page(app, users["sgj"], "/oversight/bulletin?month=2026-06")
    assert by_id(doc, "archived-at") == "存档于 2026-06-25 10:00（北京时间，系统自动生成）"
    doc = page(app, users["sgj"], f"/oversight/inspections/{row.id}")
    assert by_id(doc, "opened-date") == "2026-06-20"  # the day entered, not the day it was recorded
    assert by_id(doc, "opened-by") == "王督查 / 2026-06-25 10:00"
    assert crumbs(doc) == ["首页", "督查通报", "督查整改", f"督查 #{row.id}"]
    doc = page(app, users["sgj"], "/oversight/inspections")
    [listed] = doc.xpath('//table[@id="inspection-table"]/tbody/tr')
    assert [" ".join(td.text_content().split()) for td in listed.xpath("./td")][4:6] == ["2026-06-20", "2026-07-10"]
    db.session.expire_all()
    assert actions.inspection_dict(db.session.get(type(row), row.id))["opened_at"] == "2026-06-25T10:00:00+08:00"


def test_dashboard_one_execution_ratio_per_project_percentages_and_lag(town, app):
    users = town["users"]
    dash = page(app, users["sgj"], "/oversight/")
    bulletin = page(app, users["sgj"], "/oversight/bulletin?month=2026-06")
    # P2 智慧教育平台: 5 % done of 66.12 % planned, 3.67 months behind, nothing paid of 200 planned
    lag_row = [" ".join(td.text_content().split()) for td in dash.xpath(
        '//table[@id="lagging-table"]//tr[td/a[text()="智慧教育平台"]]/td')]
    assert lag_row[3:] == ["5%", "66.1%", "约4个月", "1", "0%"]
    b2 = cells(bulletin, "bulletin-table", 2)
    assert b2[4:7] == ["5%", "66.1%", "约4个月"] and b2[9] == "0%"
    # P1: the same 执行率 (paid ÷ planned to date) on both pages: 100 of 200
    b1 = cells(bulletin, "bulletin-table", 1)
    assert b1[9] == "50%"
    # the dashboard's 预算执行率 is the bulletin's figure (500 planned, 180 paid); paid ÷ approved is named apart
    assert by_id(dash, "kpi-risk").count("执行率") == 1
    [execution] = dash.xpath('//a[@data-figure="execution"]')
    assert " ".join(execution.text_content().split()) == "36%预算执行率"
    [share] = dash.xpath('//a[@data-figure="paid_share"]')
    assert " ".join(share.text_content().split()) == "11.3%拨付占批复"
    assert crumbs(dash) == ["首页", "督查通报", "驾驶舱"]


def test_empty_charts_say_no_data(town, app):
    users = town["users"]
    doc = page(app, users["sgj"], "/oversight/bulletin?month=2025-06")  # before any project was implemented
    for chart in ("chart-rag", "chart-departments", "chart-progress"):
        [el] = doc.xpath(f'//*[@id="{chart}"]')
        assert (el.get("data-echarts"), el.text_content()) == (None, "暂无数据"), chart
    doc = page(app, users["sgj"], "/oversight/bulletin?month=2026-06")
    [el] = doc.xpath('//*[@id="chart-rag"]')
    assert el.get("data-echarts") and '"value": 0' in el.get("data-echarts")  # green 0: drawn as no slice
    assert '"stillShowZeroSum": false' in el.get("data-echarts")


def test_breadcrumbs_name_each_sub_page(town, app):
    users = town["users"]
    expected = {
        "/oversight/bulletin?month=2026-06": ["首页", "督查通报", "按月通报 2026-06"],
        "/oversight/inspections": ["首页", "督查通报", "督查整改"],
        "/oversight/inspections/new?project_id=2": ["首页", "督查通报", "督查整改", "开展督查"],
        "/oversight/plan?year=2026": ["首页", "督查通报", "2026 年度建设计划"],
        "/oversight/funds": ["首页", "督查通报", "资金"],
        "/oversight/assets": ["首页", "督查通报", "资产"],
        "/oversight/performance": ["首页", "督查通报", "绩效评估"],
        "/oversight/assessment?year=2026": ["首页", "督查通报", "2026 年度电子政务工作考核"],
        "/oversight/rules": ["首页", "督查通报", "通报预警规则"],
        "/oversight/departments/jyj": ["首页", "督查通报", "督查整改", "六安市教育局"],
    }
    for path, trail in expected.items():
        assert crumbs(page(app, users["sgj"], path)) == trail, path
    # a department sees 按月通报 as the 督查通报 home (it has no 驾驶舱)
    doc = page(app, users["dept_gaj"], "/oversight/funds")
    [home] = doc.xpath('//div[@class="crumbs"]/a[text()="督查通报"]')
    assert home.get("href") == "/oversight/bulletin"


def test_favicon_is_served_and_linked(town, app):
    users = town["users"]
    r = app.test_client().get("/favicon.ico")
    assert (r.status_code, r.mimetype, r.data[:4]) == (200, "image/vnd.microsoft.icon", b"\x00\x00\x01\x00")
    sub = db.session.execute(db.select(Submission.id).filter_by(project_id=1).limit(1)).scalar()
    for path in ("/oversight/funds", "/oversight/bulletin?month=2026-06&print=1",
                 f"/projects/1/submissions/{sub}/print"):
        [icon] = page(app, users["sgj"], path).xpath('//link[@rel="icon"]')
        assert icon.get("href") == "/favicon.ico", path


def test_fund_request_shows_at_once_and_carries_the_contract_date(town, app):
    users, p1 = town["users"], town["p1"]

    def p1_requests():
        doc = page(app, users["dept_gaj"], "/oversight/funds")
        [row] = doc.xpath('//table[@id="funds-table"]//tr[@data-project="1"]')
        return [" ".join(d.text_content().split()) for d in row.xpath('.//div[@class="fund-request"]')]

    before = p1_requests()
    with city.at(NOW):
        r = client(app, users["dept_gaj"]).post("/oversight/funds/1/request", data={})
    assert r.status_code == 302
    assert p1_requests() == before + ["2026-06-25 10:00 已发起：待填写申请表"]
    # the contract was signed 2026-03-10: a request dated before it is refused, whatever the browser sends
    errors = p1.submit_invalid("task_fund_request", "dept", request_date="2026-03-05", contract_date="")
    assert errors == {"request_date": "申请日期不能早于合同签订日期"}
    p1.complete("task_fund_request", "dept", at="2026-06-26", request_date="2026-06-26", request_amount_wan=60,
                contract_amount_wan=480, paid_total_wan=100)
    assert p1_requests() == before + ["2026-06-26 申请 60.00 万元：审核中"]


def test_result_page_after_a_fund_approval_says_how_the_project_goes_on(town, app):
    from engine.models import TaskIndex

    users, p1 = town["users"], town["p1"]
    with city.at(NOW):
        client(app, users["dept_gaj"]).post("/oversight/funds/1/request", data={})
    p1.complete("task_fund_request", "dept", at="2026-06-26", request_date="2026-06-26", request_amount_wan=60,
                contract_amount_wan=480, paid_total_wan=100)
    task = db.session.execute(db.select(TaskIndex).filter_by(project_id=1, bpmn_id="task_fund_approval",
                                                              state="ready")).scalar()
    form = {"fund_approved": "true", "request_amount_wan": "60", "approved_amount_wan": "60",
            "contract_amount_wan": "480", "paid_total_wan": "100", "approval_opinion": "同意拨付",
            "approval_date": "2026-06-27", "action": "submit"}
    with city.at("2026-06-27T10:00"):
        r = client(app, users["sgj"]).post(f"/tasks/{task.id}", data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html[:2000]
    doc = lxml.html.fromstring(html)
    assert "流程已结束" not in html and "已结束" not in by_id(doc, "result")
    # the 资金拨付 instance ended, the project did not: its stage is the project's, and the page lists what it waits for
    assert by_id(doc, "project-stage") == "实施"
    steps = doc.xpath('//table[@id="next-steps"]//td[1]') or doc.xpath('//table[@id="project-next"]//td[1]')
    open_now = [" ".join(td.text_content().split()) for td in steps]
    expected = [t.name for t in db.session.execute(db.select(TaskIndex).filter_by(project_id=1, state="ready")
                                                   .order_by(TaskIndex.due_at, TaskIndex.id)).scalars()]
    assert sorted(open_now) == sorted(expected)
    if not doc.xpath('//table[@id="next-steps"]'):  # the approval left nothing in its own process
        assert by_id(doc, "result-note") == "本事项已办结，项目继续处于实施阶段。"


def test_instance_page_shows_which_rule_of_which_version_decided(town, app):
    from engine.models import AuditEvent, Instance
    from webapp.core import varlabels

    users = town["users"]
    recorded = db.session.execute(db.select(AuditEvent).filter_by(project_id=1, kind="decision")
                                  .order_by(AuditEvent.at, AuditEvent.id)).scalars().all()
    assert recorded, "the 立项 route of P1 is decided by a decision table"
    lifecycle = db.session.execute(db.select(Instance.id).filter_by(project_id=1, process_id="lifecycle")).scalar()
    doc = page(app, users["admin"], f"/admin/instances/{lifecycle}")
    rows = doc.xpath('//div[@id="decisions"]//tbody/tr')
    assert len(rows) == len(recorded)
    for row, event in zip(rows, recorded):
        p = event.payload
        tds = [" ".join(td.text_content().split()) for td in row.xpath("./td")]
        assert tds[2] == f"版本 {p['version_id']}"
        assert [" ".join(x.text_content().split()) for x in row.xpath('.//div[@class="rule"]')] == \
            [f"第 {r['row']} 条" + (f"：{r['description']}" if r["description"] else "") for r in p["rules"]]
        assert [" ".join(x.text_content().split()) for x in row.xpath('.//div[@class="input"]')] == \
            [f"{k} = {varlabels.text(v)}" for k, v in p["inputs"].items()]  # 是/否, not True/False
        assert tds[6] == f"#{event.instance_id}"
