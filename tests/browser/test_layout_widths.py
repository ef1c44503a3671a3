"""Desktop layout at 1280 px: the form editor and the new-user page fit the window (no sideways scroll)."""
import pytest

from tests.browser.signin import login
from tests.daily.test_browser_daily import _shot

pytestmark = pytest.mark.browser


def test_wide_pages_fit_1280(demo_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    base = demo_server
    widths = {}
    try:
        login(page, base, "analyst")
        page.goto(f"{base}/modeler/forms/edit?name=declaration.schema.json")
        page.wait_for_load_state("networkidle")
        widths["form-editor"] = page.evaluate("document.documentElement.scrollWidth")
        _shot(page, "form-editor-1280")
        context.clear_cookies()
        login(page, base, "sysadmin")
        page.goto(f"{base}/admin/users/new")
        widths["new-user"] = page.evaluate("document.documentElement.scrollWidth")
        context.clear_cookies()
        login(page, base, "secadmin")  # roles are the 安全管理员's (三员分立)
        page.goto(f"{base}/admin/users")
        page.goto(base + page.locator("table a", has_text="角色与安全").first.get_attribute("href"))
        _shot(page, "user-roles-1280")
        # every role choice stays inside its panel (the widest child, not only the grid box)
        grid_overflow = page.evaluate("""() => { const g = document.querySelector('.group-choices');
            const p = g.closest('.panel'); const right = p.getBoundingClientRect().right;
            return Math.max(...Array.from(g.querySelectorAll('*')).map(e => e.getBoundingClientRect().right)) - right; }""")
        widths["role-grid-overflow"] = grid_overflow
        _shot(page, "new-user-1280")
    finally:
        context.close()

    assert widths["form-editor"] <= 1280 and widths["new-user"] <= 1280, widths
    assert grid_overflow <= 0, widths
