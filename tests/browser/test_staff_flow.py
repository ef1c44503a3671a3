"""Staff flow in a real browser (Playwright + Debian Chromium) against a live server on the real model.

A department user signs in, creates a project, works through 项目准备 and 内部预审 with 填写示例,
fills the 申报表 with one invalid amount, sees the Chinese error beside that field, fixes it and
submits; the page says when the round's 预审 opens (7月1日); at that day 数管局 claims and completes 预审 from
its 待办; the department sees the project move on.
Every page is screenshotted to tests/artifacts/ (gitignored).
"""
from pathlib import Path

import pytest

from tests.browser.signin import login, logout
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.browser


class Shots:
    def __init__(self):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.n = 0
        self.taken = []

    def __call__(self, page, name):
        self.n += 1
        path = ARTIFACTS / f"ui-{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path.name)


def test_staff_flow(app, demo_server, browser_page, tmp_path):
    from playwright.sync_api import expect

    base, page, shot = demo_server, browser_page, Shots()
    plan = tmp_path / "建设方案.pdf"
    plan.write_bytes(PDF)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # --- the department signs in and creates a project
    page.goto(f"{base}/login")
    shot(page, "login")
    page.fill("#username", "dept_gaj")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("用户名或密码错误")
    login(page, base, "dept_gaj")
    expect(page.locator("header")).to_contain_text("六安市电子政务项目全流程管理系统")
    shot(page, "dept-todo-empty")
    page.click("nav >> text=项目库")
    page.click("#btn-new-project")
    page.fill("#name", "六安市警务数据共享平台")
    page.fill("#build_year", "2028")
    page.fill("#budget_wan", "800")
    shot(page, "new-project")
    page.click("#btn-create")
    expect(page.locator("#project-name")).to_have_text("六安市警务数据共享平台")
    project_url = page.url
    _wait_diagram(page)
    shot(page, "project-created")

    # --- 项目准备, 内部预审 …: filled from the example until the 申报表 comes
    for _ in range(6):
        page.goto(project_url)
        link = page.locator("#open-tasks tbody a").first
        name = link.inner_text()
        if name == "填报申报表":
            break
        link.click()
        page.click("#btn-example")
        expect(page.locator(".flash-info")).to_contain_text("已按示例补全")
        shot(page, f"task-{_slug(name)}")
        page.click("#btn-submit")
        expect(page.locator("#result")).to_contain_text("已提交")
    else:
        pytest.fail("the 申报表 never came")

    # --- the 申报表: the example, a real upload, one invalid amount
    page.locator("#open-tasks tbody a").first.click()
    expect(page.locator("h2").first).to_contain_text("申报表")
    page.click("#btn-example")
    # the example comes back as a new page: its upload handler (form.js) must be in place before a file is chosen
    expect(page.locator(".flash-info")).to_contain_text("已按示例补全")
    page.wait_for_load_state("load")
    page.set_input_files("#f-construction_plan_file", str(plan))
    expect(page.locator("[data-path=construction_plan_file] .file-status a")).to_have_text("建设方案.pdf")
    amount = page.locator("input[name='funding_sources.1.amount_wan']")
    amount.fill("-200")
    shot(page, "declaration-filled")
    page.click("#btn-submit")
    cell = page.locator("td.has-error", has=page.locator("input[name='funding_sources.1.amount_wan']"))
    expect(cell.locator(".field-error")).to_contain_text("不能小于 0")
    expect(page.locator("#error-summary")).to_be_visible()
    shot(page, "declaration-error")
    # the upload survived the rejected post
    expect(page.locator("[data-path=construction_plan_file] .file-status a")).to_have_text("建设方案.pdf")
    page.locator("input[name='funding_sources.1.amount_wan']").fill("200")
    page.click("#btn-submit")
    expect(page.locator("#result")).to_contain_text("已提交")
    # filed on time for 2028: the round's 预审 opens on 2027-07-01, and the page says so
    expect(page.locator("#next-steps")).to_contain_text("本轮预审开始")
    expect(page.locator("#next-steps")).to_contain_text("2027-07-01")
    shot(page, "declaration-submitted")
    logout(page)
    # an operator moves the system to that day's 00:00: the timer opens 预审 (as the scheduler would)
    fired = app.test_cli_runner().invoke(args=["timers", "run-due", "--at", "2027-07-01T00:00:00+08:00"])
    assert fired.exit_code == 0, fired.output

    # --- 数管局: 待办 → 签收 → 预审 → 提交
    login(page, base, "sgj")
    row = page.locator("#task-table tbody tr", has_text="六安市警务数据共享平台")
    expect(row).to_contain_text("完整性规范性预审")
    shot(page, "sgj-todo")
    row.locator("button", has_text="签收").click()
    expect(page.locator("#assignee")).to_have_text("市数管局 项目科")  # the display name, not the login
    expect(page.locator(".earlier").first).to_be_visible()  # the 申报表 alongside, read-only
    page.click("#btn-example")
    shot(page, "sgj-precheck")
    page.click("#btn-submit")
    expect(page.locator("#result")).to_contain_text("已提交")
    shot(page, "sgj-precheck-done")
    page.goto(f"{base}/projects")
    shot(page, "sgj-projects")
    with page.expect_download() as download:
        page.click("#btn-export")
    assert download.value.suggested_filename.endswith(".xlsx")
    logout(page)

    # --- the department sees the project move on
    login(page, base, "dept_gaj")
    page.goto(project_url)
    expect(page.locator("#history")).to_contain_text("完整性规范性预审")
    expect(page.locator("#open-tasks")).not_to_contain_text("完整性规范性预审")
    expect(page.locator("#submissions")).to_contain_text("申报表")
    _wait_diagram(page)
    shot(page, "dept-project-moved-on")
    with page.context.expect_page() as printed:
        page.locator("#submissions tbody tr", has_text="建设项目申报表").locator("a", has_text="打印").click()
    printed.value.wait_for_load_state()
    expect(printed.value.locator(".doc-title")).to_contain_text("申报表")
    shot(printed.value, "declaration-print")
    printed.value.close()
    page.click("nav >> text=已办")
    expect(page.locator("table.grid")).to_contain_text("填报申报表")
    shot(page, "dept-done")
    page.click("nav >> text=通知")
    shot(page, "dept-notifications")
    logout(page)

    login(page, base, "sysadmin")  # 三员分立: users are the 系统管理员's, not the 流程监控 admin's
    page.click("nav >> text=用户管理")
    expect(page.locator("#users")).to_contain_text("dept_gaj")
    shot(page, "admin-users")
    assert not errors, errors
    print("screenshots:", ", ".join(shot.taken))


def _wait_diagram(page):
    """The bpmn-js viewer drew the diagram (or said why not)."""
    wait_until(page, "document.querySelector('#diagram').dataset.ready === '1'"
                           " || !!document.querySelector('#diagram .diagram-msg:not(:empty)')"
                           " && !document.querySelector('#diagram .diagram-msg').textContent.includes('加载中')",
                           timeout=15)


def _slug(name):
    return {"项目准备": "preparation", "内部预审": "internal-review", "修改完善": "revision"}.get(name, "step")
