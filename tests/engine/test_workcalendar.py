"""Working days and deadline helpers against the real 2025–2026 official calendar."""
from datetime import date, datetime, timezone

import pytest
import time_machine

from engine import workcalendar as wc


@pytest.mark.parametrize("day", [f"2025-10-0{n}" for n in range(1, 9)])
def test_national_day_and_mid_autumn_2025_are_rest_days(day):
    assert wc.is_workday(day) is False


def test_2025_make_up_working_days_on_weekends():
    assert date(2025, 9, 28).weekday() == 6 and wc.is_workday("2025-09-28")
    assert date(2025, 10, 11).weekday() == 5 and wc.is_workday(date(2025, 10, 11))
    assert wc.is_workday("2025-10-09")
    assert not wc.is_workday("2025-10-12")  # an ordinary Sunday


def test_2026_spring_festival():
    assert [wc.is_workday(f"2026-02-{n}") for n in range(14, 25)] == [
        True,  # Sat 14th, 调休
        *[False] * 9,  # 15th–23rd
        True,  # Tue 24th
    ]
    assert wc.is_workday("2026-02-28")  # Saturday, 调休
    assert wc.is_workday("2026-01-04")  # Sunday, 调休 after 元旦


def test_years_outside_the_package_fall_back_to_weekends():
    assert 2025 in wc.covered_years() and 2026 in wc.covered_years()
    assert 2027 not in wc.covered_years()
    assert not wc.is_workday("2027-01-02")  # Saturday
    assert wc.is_workday("2027-01-04")  # Monday
    assert wc.is_workday("2027-10-01")  # a Friday; no official data yet, so a working day


def test_override_beats_the_package():
    with wc.use_overrides({"2025-10-08": True, date(2025, 9, 28): False, "2027-10-01": False}):
        assert wc.is_workday("2025-10-08")
        assert not wc.is_workday("2025-09-28")
        assert not wc.is_workday("2027-10-01")
        assert wc.next_workday("2025-10-01") == "2025-10-08"
    assert not wc.is_workday("2025-10-08")  # gone again after the block


def test_overrides_from_the_database_cached_until_invalidated():
    from flask import Flask

    from engine.db import db
    from engine.models import CalendarOverride

    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db.init_app(app)
    with app.app_context():
        assert wc.is_workday("2025-10-08") is False  # no table yet: the package alone
        db.create_all()
        db.session.add(CalendarOverride(day=date(2025, 10, 8), is_workday=True, note="测试"))
        db.session.commit()
        assert wc.is_workday("2025-10-08") is False  # still the cached reading
        wc.invalidate()
        assert wc.is_workday("2025-10-08") is True
    assert wc.is_workday("2025-10-08") is False  # outside the app: no overrides
    wc.invalidate()


def test_next_workday_and_add_workdays_across_the_holiday():
    assert wc.next_workday("2025-10-01") == "2025-10-09"
    assert wc.next_workday("2025-10-09") == "2025-10-09"
    assert wc.add_workdays("2025-09-30", 1) == "2025-10-09"
    assert wc.add_workdays("2025-10-09", -1) == "2025-09-30"
    assert wc.add_workdays("2025-10-09", 0) == "2025-10-09"
    # 30th, 29th, Sunday 28th (调休), 26th, 25th
    assert wc.workdays_before("2025-10-09", 5) == "2025-09-25"


def test_add_months_follows_the_civil_code():
    assert wc.add_months("2025-01-31", 1) == "2025-02-28"
    assert wc.add_months("2024-01-31", 1) == "2024-02-29"
    assert wc.add_months("2025-03-31", -1) == "2025-02-28"
    assert wc.add_months("2025-12-15", 1) == "2026-01-15"
    assert wc.add_months(date(2025, 8, 31), 1) == "2025-09-30"


def test_month_deadline_moves_off_holidays():
    assert wc.month_deadline("2025-09-01") == "2025-10-09"  # 10-01 is 国庆
    assert wc.month_deadline("2026-01-20") == "2026-02-24"  # 02-20 is 春节
    assert wc.month_deadline("2025-05-12") == "2025-06-12"  # a plain Thursday


def test_report_deadline():
    assert wc.report_deadline("2025-09") == "2025-09-22"  # the 20th is a Saturday
    assert wc.report_deadline("2025-12") == "2025-12-22"  # Saturday again
    assert wc.report_deadline("2026-02") == "2026-02-24"  # the 20th falls in 春节
    assert wc.report_deadline("2025-10") == "2025-10-20"  # a Monday


def test_report_day_is_configurable(monkeypatch):
    monkeypatch.setattr(wc, "REPORT_DAY", 10)
    assert wc.report_deadline("2025-10") == "2025-10-10"
    assert wc.report_deadline("2025-05") == "2025-05-12"  # Saturday 10th


def test_months():
    assert wc.next_month("2025-12") == "2026-01"
    assert wc.next_month("2025-01") == "2025-02"
    assert wc.month_of("2025-10-09") == "2025-10"
    assert wc.month_of(date(2026, 2, 1)) == "2026-02"


def test_declaration_deadline():
    assert wc.declaration_deadline(2026) == "2025-06-30"
    assert wc.declaration_deadline("2027") == "2026-06-30"


def test_review_window_of_a_round():
    """Round Y: 预审 and 专家论证 from 7月1日 to 9月30日 of Y−1, the day after the declarations close."""
    assert (wc.review_window_opens(2026), wc.review_window_due(2026)) == ("2025-07-01", "2025-09-30")
    assert wc.review_window_opens("2028") == "2027-07-01"
    with pytest.raises(ValueError):
        wc.review_window_due("明年")


def test_start_and_end_of_day():
    assert wc.end_of_day("2025-06-30") == "2025-07-01T00:00:00+08:00"
    assert wc.end_of_day("2025-12-31") == "2026-01-01T00:00:00+08:00"
    assert wc.start_of_day("2025-06-30") == "2025-06-30T00:00:00+08:00"
    assert datetime.fromisoformat(wc.end_of_day("2025-06-30")) == datetime(2025, 6, 30, 16, tzinfo=timezone.utc)


def test_today_now_and_after_read_the_clock():
    # 2025-06-30 23:59:30 in Beijing
    with time_machine.travel(datetime(2025, 6, 30, 15, 59, 30, tzinfo=timezone.utc), tick=False):
        assert wc.today() == "2025-06-30"
        assert wc.now_iso() == "2025-06-30T23:59:30+08:00"
        assert not wc.after("2025-06-30")  # a date means its 24:00
        assert wc.after("2025-06-29")
        assert wc.after("2025-06-30T23:00:00+08:00")
        assert wc.after("2025-06-30T23:00:00")  # naive means Beijing
        assert not wc.after("2025-06-30T16:00:00+00:00")
    with time_machine.travel(datetime(2025, 6, 30, 16, 0, 1, tzinfo=timezone.utc), tick=False):
        assert wc.today() == "2025-07-01"
        assert wc.after(wc.declaration_deadline(2026))


def test_bad_input_is_a_chinese_value_error():
    with pytest.raises(ValueError, match="不是有效的日期"):
        wc.is_workday("2025-13-01")
    with pytest.raises(ValueError, match="不是有效的月份"):
        wc.report_deadline("2025-13")
    with pytest.raises(ValueError, match="建设年度无效"):
        wc.declaration_deadline("明年")
    with pytest.raises(ValueError, match="工作日数过大"):
        wc.add_workdays("2025-01-01", 10**9)
