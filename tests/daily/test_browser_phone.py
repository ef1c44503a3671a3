"""A 390 px phone: 待办, a task form, the project page and notifications fit the screen (no sideways scroll);
the menu folds behind 菜单. Also a saved 待办 filter as the default, the channel settings and /api/docs."""
import pytest

from tests.browser.signin import login
from tests.daily.test_browser_daily import _setup, _shot

pytestmark = pytest.mark.browser


def _width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_phone_layout_channels_and_api_docs(demo_server, browser, app):
    from playwright.sync_api import expect

    project_id = _setup(app)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    base = demo_server
    try:
        login(page, base, "dept_gaj")
        expect(page.locator("#main-nav")).to_be_hidden()
        page.click("#menu-toggle")
        expect(page.locator("#main-nav")).to_be_visible()
        expect(page.locator("header .user button")).to_be_visible()  # 退出 reachable
        _shot(page, "phone-todo")
        assert _width(page) <= 390
        # a saved 待办 filter, made the default: opening 待办 applies it
        page.goto(f"{base}/tasks?all=1&claim=unassigned&sort=created")
        page.click("#save-filter summary")
        page.fill("#filter-name", "未签收的新事项")
        page.check("#filter-default")
        page.click("#btn-save-filter")
        expect(page.locator(".flash-success")).to_contain_text("已保存筛选条件“未签收的新事项”，并设为默认")
        page.goto(f"{base}/")
        expect(page.locator("#saved-filters .chip.current")).to_contain_text("未签收的新事项（默认）")
        expect(page.locator("#sort")).to_have_value("created")
        expect(page.locator("#task-table")).to_contain_text("项目准备")
        assert _width(page) <= 390, "待办 with saved filters"
        page.goto(f"{base}/projects/{project_id}")
        assert _width(page) <= 390, "project page"
        _shot(page, "phone-project")
        page.locator("#open-tasks a").first.click()
        expect(page.locator("#task-form")).to_be_visible()
        assert _width(page) <= 390, "task form"
        # file fields speak Chinese: a 选择文件 button over the browser's own chooser, and 未选择文件
        chooser = page.locator("#task-form .file-field").first
        expect(chooser.locator("label.file-button")).to_have_text("选择文件")
        expect(chooser.locator(".file-status")).to_have_text("未选择文件")
        box = chooser.locator("input[type=file]").bounding_box()
        assert box is None or (box["width"] <= 1 and box["height"] <= 1), box  # "Choose Files" never shows
        _shot(page, "phone-task")
        page.goto(f"{base}/notifications")
        assert _width(page) <= 390, "notifications"
        _shot(page, "phone-notifications")
        page.goto(f"{base}/notifications/channels")
        page.check("input[name='wecom.enabled']")
        page.fill("#wecom-target", "ftp://robot.example/send")
        page.click("#btn-save-channels")
        expect(page.locator(".flash-error")).to_contain_text("http")
        page.check("input[name='wecom.enabled']")
        page.fill("#wecom-target", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
        page.click("#btn-save-channels")
        expect(page.locator(".flash-success")).to_contain_text("已保存")
        expect(page.locator("#wecom-target")).to_have_value("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
        page.goto(f"{base}/api/docs")
        page.wait_for_selector(".opblock-summary-description", timeout=15000)
        expect(page.locator("body")).to_contain_text("待办")
        _shot(page, "api-docs")
    finally:
        context.close()
