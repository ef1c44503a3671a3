"""examples[0] fitted to its task: values from the workflow, dates into the task's period, record choices."""
from engine import examples

SCHEMA = {
    "type": "object",
    "properties": {
        "declaring_unit": {"type": "string", "x-example-from": "department_name"},
        "report_month": {"type": "string", "readOnly": True},
        "meeting_dates": {"type": "array", "items": {"type": "string", "format": "date"}},
        "signed_on": {"type": "string", "format": "date"},
        "experts": {"type": "array", "minItems": 3, "items": {"type": "string", "enum": ["e3", "e4", "e5", "e6"]}},
        "unit": {"type": "string", "enum": ["甲监理"]},
    },
    "examples": [{"declaring_unit": "市公安局", "report_month": "2026-05", "meeting_dates": ["2026-05-08", "2026-05-31"],
                  "signed_on": "2026-05-20", "experts": ["expert1", "expert2", "expert3"], "unit": "某监理公司"}],
}


def test_example_takes_department_period_and_choices():
    context = {"department_name": "市教育局", "period_start": "2027-02-01", "period_end": "2027-02-28"}
    example = examples.adapt(SCHEMA, context)["examples"][0]
    assert example["declaring_unit"] == "市教育局"
    assert example["meeting_dates"] == ["2027-02-08", "2027-02-28"]  # 31 → the month's last day
    assert example["signed_on"] == "2027-02-20"
    assert example["experts"] == ["e3", "e4", "e5"] and example["unit"] == "甲监理"
    assert SCHEMA["examples"][0]["declaring_unit"] == "市公安局"  # the deployed form is untouched


def test_dates_inside_the_period_and_tasks_without_one_are_left_alone():
    context = {"period_start": "2026-05-01", "period_end": "2026-05-31"}
    example = examples.adapt(SCHEMA, context)["examples"][0]
    assert example["meeting_dates"] == ["2026-05-08", "2026-05-31"] and example["declaring_unit"] == "市公安局"
    assert examples.adapt(SCHEMA, {})["examples"][0]["signed_on"] == "2026-05-20"


def test_a_report_month_is_the_window_of_a_task_without_one():
    example = examples.adapt(SCHEMA, {"report_month": "2027-02"})["examples"][0]
    assert example["meeting_dates"] == ["2027-02-08", "2027-02-28"] and example["signed_on"] == "2027-02-20"
    # a malformed month is no window: the example stays as written
    assert examples.adapt(SCHEMA, {"report_month": "2027-2"})["examples"][0]["signed_on"] == "2026-05-20"
