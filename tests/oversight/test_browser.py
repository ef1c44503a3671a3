"""The oversight pages in a real browser (Playwright + Debian Chromium) against a live server: the city of
test_city.py, 市数管局 opens the dashboard, the June bulletin (charts drawn, Excel link, print layout), the
2026 plan; a 督查 is opened from the bulletin. Screenshots go to tests/artifacts/oversight-*.png."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine

from scenarios import driver
from tests.browser.signin import login

from .test_city import NOW, town  # noqa: F401  (the city fixture)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORD = "oversight-pass-2026"

pytestmark = pytest.mark.browser


@pytest.fixture
def live(live_server, town):  # noqa: F811
    """The city served an hour after NOW, its users with a password the browser knows."""
    from engine.db import db
    from engine.runtime import unit_of_work

    with unit_of_work():
        for user in town["users"].values():
            db.session.merge(user).set_password(PASSWORD)
    with time_machine.travel(driver.instant(NOW) + timedelta(hours=1), tick=True):
        yield live_server


def test_dashboard_bulletin_plan_in_a_browser(live, browser, browser_page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser_page
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live, "sgj", PASSWORD)

    page.goto(f"{live}/oversight/")
    page.wait_for_selector("body[data-charts-ready='1']")
    page.wait_for_selector(".chart canvas")
    assert page.locator("[data-figure='stage-实施'] .v").inner_text() == "3"
    assert page.locator("[data-figure='overdue_tasks'] .v").inner_text() == "2"
    page.screenshot(path=str(ARTIFACTS / "oversight-dashboard.png"), full_page=True)
    page.click("[data-figure='red']")
    page.wait_for_url(re.compile(r".*/oversight/bulletin\?.*rag=red"))
    assert page.locator("#bulletin-table tbody tr").count() == 1

    page.goto(f"{live}/oversight/bulletin?month=2026-06")
    page.wait_for_selector("#chart-rag canvas")
    assert page.locator("#bulletin-table tbody tr").count() == 3
    assert page.locator("#bulletin-table tbody tr").first.locator("td").nth(2).inner_text() == "智慧教育平台"
    page.screenshot(path=str(ARTIFACTS / "oversight-bulletin.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#btn-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.click("#btn-generate")
    page.wait_for_selector(".flash-success")

    printed = browser.new_page(viewport={"width": 1200, "height": 800})
    printed.context.add_cookies(page.context.cookies())
    printed.goto(f"{live}/oversight/bulletin?month=2026-06&print=1")
    assert printed.locator("h1").inner_text() == "六安市电子政务项目建设进展通报"
    printed.screenshot(path=str(ARTIFACTS / "oversight-bulletin-print.png"), full_page=True)

    # open a 督查 on the red project from the bulletin
    page.locator("#bulletin-table tbody tr").first.locator("a", has_text="开展督查").click()
    page.fill("#requirements", "增派开发人员，7月10日前报送整改措施")
    page.fill("#deadline", "2026-07-10")
    page.click("#inspection-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/oversight/inspections/\d+$"))
    assert "待整改" in page.locator("#inspection-detail").inner_text()
    page.screenshot(path=str(ARTIFACTS / "oversight-inspection.png"), full_page=True)

    page.goto(f"{live}/oversight/plan?year=2026")
    assert page.locator("table.plan-group").count() == 2
    assert page.locator("table.plan-group").first.get_attribute("data-principle") == "共享优先"
    page.screenshot(path=str(ARTIFACTS / "oversight-plan.png"), full_page=True)
    assert not errors, errors
