"""Date fields speak Chinese in an English-language browser: the task form's 评审日期 opens a calendar with
Chinese month and weekday names (weeks from 周一), takes typed dates, posts ISO and the server stores it; on a
390 px phone the calendar fits; without JavaScript the browser's own date input remains."""
import re
from pathlib import Path

import pytest

from tests.browser.signin import login
from tests.daily.test_browser_daily import _shot

pytestmark = pytest.mark.browser
DIST = Path(__file__).resolve().parents[2] / "webapp" / "static" / "dist"
FIELD = "input[name=review_date]"
CALENDAR = ".flatpickr-calendar.open"


def _project(app, name):
    from engine.db import db
    from webapp.accounts.models import User
    from webapp.projects.services import create_project

    with app.app_context():
        owner = db.session.execute(db.select(User).filter_by(username="dept_gaj")).scalar()
        return create_project(owner, name, 2028, 800).id


def _work(page, base, project_id, name):
    """Open the project's task `name`, signed for if it is not yet, with the form's example filled in."""
    page.goto(f"{base}/projects/{project_id}")
    page.locator("#open-tasks a", has_text=name).first.click()
    if page.locator("#btn-claim").count():
        page.click("#btn-claim")
    page.click("#btn-example")
    page.wait_for_load_state("load")


def _to_internal_review(page, base, project_id):
    _work(page, base, project_id, "项目准备")
    page.click("#btn-submit")
    page.locator("#result", has_text="已提交").wait_for()
    _work(page, base, project_id, "内部预审")
    return page.url


def _stored_review_date(app, project_id):
    from engine.db import db
    from engine.models import Submission

    with app.app_context():
        row = db.session.execute(db.select(Submission).where(
            Submission.project_id == project_id, Submission.draft.is_(False),
            Submission.form.like("internal-review%")).order_by(Submission.id.desc()).limit(1)).scalar()
        return row.data.get("review_date") if row else None


def test_english_browser_gets_a_chinese_calendar_and_posts_iso(demo_server, browser, app):
    from playwright.sync_api import expect

    base = demo_server
    project_id = _project(app, "六安市不动产登记日期控件测试项目")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, base, "dept_gaj")
        task_url = _to_internal_review(page, base, project_id)
        field = page.locator(FIELD)
        # the browser's own control (mm/dd/yyyy in English) is gone: every date field is a Chinese picker
        expect(field).to_have_attribute("type", "text")
        expect(page.locator("input[type=date]")).to_have_count(0)
        # typed in the Chinese way, kept as ISO
        field.fill("2026年11月3日")
        field.press("Tab")
        expect(field).to_have_value("2026-11-03")
        field.click()
        calendar = page.locator(CALENDAR)
        expect(calendar).to_be_visible()
        expect(calendar.locator(".cur-month")).to_contain_text("十一月")
        expect(calendar.locator("input.cur-year")).to_have_value("2026")
        weekdays = [w.strip() for w in calendar.locator(".flatpickr-weekday").all_inner_texts()]
        assert " ".join(weekdays).split()[:7] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"], weekdays
        text = calendar.inner_text()
        assert "November" not in text and "Mon" not in text, text
        _shot(page, "date-picker-en-US")
        calendar.locator(".flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)", has_text="20").first.click()
        expect(field).to_have_value("2026-11-20")
        page.click("#btn-submit")
        expect(page.locator("#result")).to_contain_text("已提交")
        assert _stored_review_date(app, project_id) == "2026-11-20"
        # a hand-written page (委托代理) gets the same calendar
        page.goto(f"{base}/delegation")
        expect(page.locator("#ends_on")).to_have_attribute("type", "text")
        expect(page.locator("input[type=date]")).to_have_count(0)
        page.click("#ends_on")
        expect(page.locator(CALENDAR).locator(".flatpickr-weekday").first).to_contain_text("周一")
        _shot(page, "date-picker-delegation")
        assert not errors, errors
    finally:
        context.close()

    # without JavaScript the native date input is what remains, and it still posts the ISO value
    plain = browser.new_context(locale="en-US", java_script_enabled=False)
    page = plain.new_page()
    try:
        login(page, base, "dept_gaj")
        page.goto(task_url)
        expect(page.locator("input[type=date][name=review_date]")).to_have_count(1)
    finally:
        plain.close()


def test_calendar_fits_a_390px_phone(demo_server, browser, app):
    from playwright.sync_api import expect

    base = demo_server
    project_id = _project(app, "六安市不动产登记日期控件手机测试项目")
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True,
                                  has_touch=True, device_scale_factor=2, timezone_id="Asia/Shanghai")
    page = context.new_page()
    try:
        login(page, base, "dept_gaj")
        _to_internal_review(page, base, project_id)
        field = page.locator(FIELD)
        field.scroll_into_view_if_needed()
        field.click()  # a phone gets the same Chinese calendar, not its own (English) wheel
        calendar = page.locator(CALENDAR)
        expect(calendar).to_be_visible()
        expect(calendar.locator(".flatpickr-weekday").first).to_contain_text("周一")
        box = calendar.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _shot(page, "date-picker-phone")
    finally:
        context.close()


def test_month_picker_and_date_limits(browser, tmp_path):
    """A month field (a schema pattern of YYYY-MM renders type=month): 一月…十二月, posted as YYYY-MM; a date
    field's min (申请日期 not before 合同签订日期, from the rule's other field) holds in the calendar and for typed dates; a list of dates
    takes picked days as lines."""
    from playwright.sync_api import expect

    if not (DIST / "datepicker.js").exists():
        pytest.skip("front-end bundles not built (npm run build)")
    page_file = tmp_path / "month.html"
    page_file.write_text(
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<link rel="stylesheet" href="{(DIST / "datepicker.css").as_uri()}"></head><body>'
        f'<form><input type="month" id="m" name="month" value="2026-03">'
        f'<input type="hidden" name="contract_date" value="2026-03-10">'
        f'<input type="date" id="d" name="request_date" data-min-field="contract_date">'
        f'<input type="date" id="s" name="submitted_date" value="2026-04-02">'
        f'<input type="date" id="e" name="expected_completion" min="2026-01-01" data-min-field="submitted_date">'
        f'<textarea id="f-meeting_dates" name="meeting_dates">2026-05-20</textarea>'
        f'<input type="date" class="js-add-date" data-for="f-meeting_dates" hidden></form>'
        f'<script src="{(DIST / "datepicker.js").as_uri()}"></script></body></html>', encoding="utf-8")
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    try:
        page.goto(page_file.as_uri())
        field = page.locator("#m")
        expect(field).to_have_attribute("type", "text")
        expect(field).to_have_value("2026-03")
        field.click()
        months = page.locator(".flatpickr-calendar.open .flatpickr-monthSelect-month")
        expect(months).to_have_count(12)
        expect(months.first).to_have_text("一月")
        months.nth(10).click()
        expect(field).to_have_value("2026-11")
        field.fill("2027年2月")
        field.press("Tab")
        expect(field).to_have_value("2027-02")
        day = page.locator("#d")
        day.fill("2026-03-01")  # before min: refused
        day.press("Tab")
        expect(day).to_have_value("")
        day.fill("2026-03-12")
        day.press("Tab")
        expect(day).to_have_value("2026-03-12")
        day.click()
        days = page.locator(".flatpickr-calendar.open .flatpickr-day:not(.prevMonthDay):not(.nextMonthDay)")
        expect(days.nth(8)).to_have_class(re.compile(r"flatpickr-disabled"))  # 3 月 9 日
        expect(days.nth(9)).not_to_have_class(re.compile(r"flatpickr-disabled"))  # 3 月 10 日
        day.press("Escape")
        # the floor may be another live field: its new value moves the min
        page.locator("#s").fill("2026-04-20")
        page.locator("#s").press("Tab")
        later = page.locator("#e")
        later.fill("2026-04-10")
        later.press("Tab")
        expect(later).to_have_value("")
        later.fill("2026-04-21")
        later.press("Tab")
        expect(later).to_have_value("2026-04-21")
        # a list of dates (例会日期): a typed or picked day joins the lines, in order
        adder = page.locator(".js-add-date")
        expect(adder).to_be_visible()
        adder.fill("2026年5月8日")
        adder.press("Enter")
        expect(page.locator("#f-meeting_dates")).to_have_value("2026-05-08\n2026-05-20")
        expect(adder).to_have_value("")
    finally:
        context.close()
