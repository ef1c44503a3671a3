"""The newcomer's list of defects (issue 13, item 7) walked in Debian's Chromium as the named users would: each
page is shot full-page into tests/artifacts/newcomer-*.png and the fact the newcomer missed is asserted.

The 390 px phone pages are held by test_browser_phone.py, the 1280 px form editor and role grid by
tests/browser/test_layout_widths.py, the restart's version line by test_browser_dmn.py."""
import re

import pytest

from tests.browser.signin import login
from tests.conftest import wait_until
from tests.daily.test_browser_daily import ARTIFACTS
from tests.daily.webproject import WebProject, finalize_and_confirm, to_finalization
from tests.scenarios import driver

pytestmark = pytest.mark.browser
LOGIN_IDS = re.compile(r"\b(dept_gaj|sgj|fgw|czj|szf|expert\d)\b")
OVERSIGHT_PAGES = ("bulletin", "rules", "inspections", "inspections/new", "plan", "funds", "assets", "assessment",
                   "performance")


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"newcomer-{name}.png"), full_page=True)


def _scene(app):
    """A: through 论证 and 立项 to 市发改委's 明确需要立项, claimed by 市发改委; B: its 申报表 open past the 2027
    round's deadline (6月30日); C: just created, to be suspended."""
    from engine import runtime

    with app.app_context():
        a = WebProject("六安市城市运行管理平台", budget=600)
        to_finalization(a, 600)
        finalize_and_confirm(a, 600)
        a.complete("task_unified_application", "sgj", at="2025-09-20")
        with a._travel():
            runtime.claim_task(a.task("task_fgw_confirmation").id, driver.actor("fgw"))
        b = WebProject("六安市智慧停车平台", at="2026-03-02", build_year=2027, budget=800)
        driver.plan(b, 2027)
        c = WebProject("六安市政务数据目录系统")
        declaration = a.submissions("declaration.schema.json")[0].id
        return {"a": a.id, "a_instance": a.instance_id, "b": b.id, "c_instance": c.instance_id,
                "declaration": declaration}


def _relogin(page, base, username):
    page.context.clear_cookies()
    login(page, base, username)


def _diagram_tools(page):
    page.wait_for_selector(".egov-viewer-tools", timeout=20000)
    titles = page.locator(".egov-viewer-tools button").evaluate_all("bs => bs.map(b => b.textContent)")
    assert {"＋", "－", "适应", "全屏"} <= set(titles), titles


def test_newcomer_defects_are_gone(demo_server, browser_page, app):
    from playwright.sync_api import expect

    base, page = demo_server, browser_page
    ids = _scene(app)

    # 流程监控 (admin): process names not ids; suspend insists on a reason; audit kinds and payloads in words
    login(page, base, "admin")
    page.goto(f"{base}/admin/instances")
    assert "lifecycle" not in page.locator("main").inner_text()
    page.goto(f"{base}/admin/instances/{ids['c_instance']}")
    page.click("#btn-suspend")
    expect(page.locator(".flash-error")).to_contain_text("原因")
    expect(page.locator("#instance-state")).not_to_have_text("已挂起")
    page.fill("#action-reason", "核查申报材料")
    page.click("#btn-suspend")
    expect(page.locator("#instance-state")).to_have_text("已挂起")
    page.goto(f"{base}/admin/instances/{ids['a_instance']}")
    audit = page.locator("#audit").inner_text()
    assert not re.search(r"\{|create_project|task_|lifecycle", audit) and not LOGIN_IDS.search(audit), audit[:400]
    assert "创建项目" in audit and "规则判定" in audit
    expect(page.locator("#open-tasks tr[data-task] td").nth(2)).to_have_text("市发改委 投资科")
    expect(page.locator("#decisions .output")).to_have_text("规则判定的立项方式 = 市数管局统一立项")
    _diagram_tools(page)
    _shot(page, "cockpit-instance")
    with app.app_context():
        from engine import registry

        version = registry.latest_version().id
    page.goto(f"{base}/admin/models/{version}?process=lifecycle")
    _diagram_tools(page)
    wait_until(page, "document.querySelector('.egov-heat-legend') !== null", 20)
    overlap = page.evaluate("""() => { const a = document.querySelector('.egov-heat-legend').getBoundingClientRect();
        const l = document.querySelector('.bjs-powered-by'); if (!l) return false; const b = l.getBoundingClientRect();
        return !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top); }""")
    assert not overlap, "heat legend over the bpmn.io logo"
    _shot(page, "heat")

    # the department: 已挂起 in 待办; the project page in names, Beijing time, a diagram with its tools
    _relogin(page, base, "dept_gaj")
    row = page.locator("#task-table tr", has_text="六安市政务数据目录系统")
    expect(row.locator(".tag", has_text="已挂起")).to_be_visible()
    _shot(page, "todo-suspended")
    page.goto(f"{base}/projects/{ids['a']}")
    main = page.locator("main").inner_text()
    assert "UTC" not in main and "create_project" not in main and "lifecycle" not in main, main[:400]
    assert not LOGIN_IDS.search(main), LOGIN_IDS.findall(main)  # 签收人, 提交人, 办理记录: names
    expect(page.locator("#open-tasks")).to_contain_text("市发改委 投资科")
    expect(page.locator("#history")).to_contain_text("立项方式")
    _diagram_tools(page)
    # the current step sits in the middle of the view (the diagram is wider than the page)
    offset = page.evaluate("""() => { const el = document.querySelector('.egov-active');
        const box = el.closest('.djs-container').parentNode.getBoundingClientRect(), r = el.getBoundingClientRect();
        return Math.abs((r.left + r.right) / 2 - (box.left + box.right) / 2) / box.width; }""")
    assert offset < 0.2, f"current step {offset:.0%} of the width off the middle"
    page.locator(".egov-viewer-tools button", has_text="全屏").first.click()
    wait_until(page, "!!document.fullscreenElement || !!document.querySelector('.egov-viewer-full')")
    _shot(page, "project")
    page.keyboard.press("Escape")
    # the printed 申报表: 填报人 by name and department, and the tab has its icon
    page.goto(f"{base}/projects/{ids['a']}/submissions/{ids['declaration']}/print")
    expect(page.locator(".doc-meta", has_text="填报人")).to_contain_text("填报人：市公安局 项目联络员")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(base + icon).status == 200
    _shot(page, "print-declaration")
    # a 申报表 sent after the round's deadline: the result page says why 填报申报表 comes again
    page.goto(f"{base}/projects/{ids['b']}")
    page.locator("#open-tasks a", has_text="填报申报表").first.click()
    if page.locator("#btn-claim").count():
        page.click("#btn-claim")
    page.click("#btn-example")
    for chooser in page.locator("#task-form input[type=file]").all():  # 建设方案 and the like: a real PDF
        chooser.set_input_files({"name": "建设方案.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 plan"})
    page.click("#btn-submit")
    _shot(page, "late-declaration-result")
    expect(page.locator("#result")).to_contain_text("已提交")
    expect(page.locator("#step-notes")).to_contain_text("截止后提交，按规定转入 2028 年度申报轮次")

    # 督查通报 (市数管局): every sub-page has its own breadcrumb; 执行率 in %, empty charts say 暂无数据
    _relogin(page, base, "sgj")
    page.goto(f"{base}/oversight/")
    _shot(page, "dashboard")
    text = page.locator("main").inner_text()
    assert "落后" not in text or "个月" not in text or not re.search(r"落后\d+\.\d+个月", text)
    for cell in page.locator("[data-rate]").all_inner_texts():
        assert cell.endswith("%"), cell
    empty = page.locator(".chart-empty")  # no 进度表 or payments yet: the charts say so instead of bare axes
    expect(empty).to_have_count(2)
    for chart in empty.all():
        expect(chart).to_have_text("暂无数据")
    for path in OVERSIGHT_PAGES:  # 首页 › 督查通报 › the page's own name (never 首页 › 督查通报 alone)
        page.goto(f"{base}/oversight/{path}")
        crumbs = [c.strip() for c in page.locator(".crumbs").inner_text().split("›")]
        assert len(crumbs) >= 3 and crumbs[1] == "督查通报" and crumbs[-1], (path, crumbs)
    page.goto(f"{base}/projects")
    box = page.locator("label.check-inline", has_text="仅看有逾期事项")
    gap = box.evaluate("""l => { const r = document.createRange(); r.selectNodeContents(l.lastChild);
        return r.getBoundingClientRect().left - l.querySelector('input').getBoundingClientRect().right; }""")
    assert 0 <= gap <= 12, f"checkbox {gap} px from its label"
    _shot(page, "projects")

    # user admin pages: one trail 首页 › 用户管理 › …
    _relogin(page, base, "sysadmin")
    for path in ("/admin/users", "/admin/users/new"):
        page.goto(base + path)
        assert page.locator(".crumbs").inner_text().replace(" ", "").startswith("首页›用户管理"), path
    _shot(page, "users")

    # the modeler (analyst): the properties panel names the diagram's root in Chinese, never COLLABORATION
    _relogin(page, base, "analyst")
    page.goto(f"{base}/modeler/edit?version={version}&file=bpmn/lifecycle.bpmn")
    page.wait_for_selector("body[data-modeler-ready='1']", timeout=30000)
    header = page.locator(".bio-properties-panel-header-type").first.inner_text()
    assert re.search(r"[\u4e00-\u9fff]", header) and "COLLABORATION" not in header.upper(), header
    _shot(page, "modeler")

    # 安全审计员: every kind in words, payloads as 名称：值, names beside the login ids
    _relogin(page, base, "auditor")
    page.goto(f"{base}/audit")
    table = page.locator("#audit-table")
    kinds = table.locator("tbody tr td:nth-child(4)").all_inner_texts()
    assert kinds and all(re.search(r"[\u4e00-\u9fff]", k) for k in kinds), sorted(set(kinds))
    details = table.locator("tbody tr td:nth-child(6)").all_inner_texts()
    leftovers = [d for d in details if re.search(r"^\{|task_|lifecycle|schema\.json|create_project|session", d)]
    assert not leftovers, leftovers
    assert any(d.startswith("事项：填报申报表") for d in details) and any("流程：电子政务项目全流程管理" in d for d in details)
    _shot(page, "audit")
