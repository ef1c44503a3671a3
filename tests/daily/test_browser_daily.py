"""Daily work in Debian's Chromium: 转办 with a note, 退回 with a reason the department sees, 委托/代理 with
"X 代 Y" in the history, and a 批注 whose @mention reaches the person."""
import re

import pytest

from tests.browser.signin import DEMO_PASSWORD, login, logout

pytestmark = pytest.mark.browser
ARTIFACTS = __import__("pathlib").Path(__file__).resolve().parents[2] / "tests" / "artifacts"
PROJECT = "六安市警务数据共享平台"


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"daily-{name}.png"), full_page=True)


def _setup(app):
    from engine.db import db
    from webapp.accounts.models import User
    from webapp.projects.services import create_project

    with app.app_context():
        colleague = User(username="gaj2", display_name="王科员", department_code="gaj")
        colleague.set_password(DEMO_PASSWORD)
        db.session.add(colleague)
        db.session.flush()
        colleague.set_groups(["dept:gaj"])
        db.session.commit()
        owner = db.session.execute(db.select(User).filter_by(username="dept_gaj")).scalar()
        return create_project(owner, PROJECT, 2028, 800).id


def _open_task(page, base, project_id, name):
    page.goto(f"{base}/projects/{project_id}")
    page.locator("#open-tasks a", has_text=name).first.click()


def test_transfer_send_back_delegation_and_mention(demo_server, browser_page, app):
    from playwright.sync_api import expect

    base, page = demo_server, browser_page
    project_id = _setup(app)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # 转办: the liaison claims 项目准备 and hands it to a colleague with a note
    login(page, base, "dept_gaj")
    _open_task(page, base, project_id, "项目准备")
    page.click("#btn-claim")
    page.click("#transfer-panel summary")
    page.select_option("#transfer-to", "gaj2")
    page.fill("#transfer-note", "本人下周休假，请王科员接办")
    _shot(page, "transfer")
    page.click("#btn-transfer")
    expect(page.locator(".flash-success")).to_contain_text("已转办")
    logout(page)

    # the colleague works it, then sends the next step back with a reason
    login(page, base, "gaj2")
    _open_task(page, base, project_id, "项目准备")
    expect(page.locator("#assignee")).to_have_text("王科员")
    page.click("#btn-example")
    page.click("#btn-submit")
    expect(page.locator("#result")).to_contain_text("已提交")
    _open_task(page, base, project_id, "内部预审")
    page.click("#send-back-panel summary")
    page.select_option("#send-back-target", label="项目准备")
    page.fill("#send-back-note", "需求调研缺少派出所一线意见，请补充")
    page.click("#btn-send-back")
    expect(page.locator(".flash-success")).to_contain_text("已退回至“项目准备”")
    _open_task(page, base, project_id, "项目准备")
    expect(page.locator("#send-back-reason")).to_contain_text("需求调研缺少派出所一线意见")
    _shot(page, "sent-back")

    # 委托: the colleague goes on leave today; the stand-in of another bureau sees and works the task
    page.goto(f"{base}/delegation")
    page.select_option("#deputy", "dept_jyj")
    page.fill("#ends_on", page.input_value("#starts_on"))
    page.fill("#note", "年休假")
    page.click("#btn-delegate")
    expect(page.locator(".flash-success")).to_contain_text("已委托")
    _shot(page, "delegation")
    logout(page)
    login(page, base, "dept_jyj")
    row = page.locator("#task-table tbody tr", has_text=PROJECT)
    expect(row).to_contain_text("项目准备")
    row.locator("a", has_text="项目准备").first.click()
    expect(page.locator("#acting-for")).to_contain_text("王科员")
    page.click("#btn-example")
    page.click("#btn-submit")
    expect(page.locator("#result")).to_contain_text("已提交")
    logout(page)

    # the history says who acted for whom; a 批注 mentions 市数管局's user, who is told
    login(page, base, "gaj2")
    page.goto(f"{base}/projects/{project_id}")
    expect(page.locator("#history")).to_contain_text("市教育局 项目联络员 代 王科员")
    expect(page.locator("#history")).to_contain_text("转给 王科员：本人下周休假")
    page.fill("#comment-body", "请 @sgj 关注一线意见的补充情况")
    page.click("#btn-comment")
    expect(page.locator("#comments")).to_contain_text("王科员")
    _shot(page, "project-comments")
    logout(page)
    login(page, base, "sgj")
    page.goto(f"{base}/notifications")
    expect(page.locator("#notices")).to_contain_text("王科员 在“六安市警务数据共享平台”的批注中提到了您")
    assert not errors, errors
    assert re.search(r"/notifications", page.url)
