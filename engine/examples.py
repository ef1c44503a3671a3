"""A form's example (examples[0]) fitted to the task that shows it, so 填写示例 submits as it stands.

Rules, in order (documented in docs/modelling.md):
1. A field with `"x-example-from": "<variable>"` takes that workflow variable's value when the task has it
   (e.g. `department_name`, the project's department, for 申报单位).
2. When the task's data has `period_start` and `period_end` (ISO dates), every date of the example
   (`"format": "date"` fields and lists of them) outside that window moves by whole months into it, keeping
   its day where the month has it, then clamped into the window. A task with `report_month` (`YYYY-MM`) and no
   such window has that month as its window: a 进度表's meeting dates stay in its report month.
3. A field whose choices come from records (`x-options`, resolved to `enum`) takes the first choice(s) when
   the example's value is not among them (as many as the example had, at least `minItems`).
"""
import calendar
import copy
from datetime import date

FROM_KEY = "x-example-from"


def _as_date(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _into(day, start, end):
    months = (start.year - day.year) * 12 + (start.month - day.month)
    if day > end:
        months = (end.year - day.year) * 12 + (end.month - day.month)
    year, month = divmod(day.month - 1 + months + day.year * 12, 12)
    month += 1
    moved = date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return min(max(moved, start), end).isoformat()


def _month_window(month):
    first = _as_date(f"{month}-01") if isinstance(month, str) and len(month) == 7 else None
    if first is None:
        return None, None
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _fit_dates(prop, value, start, end):
    if prop.get("format") == "date":
        day = _as_date(value)
        return _into(day, start, end) if day and not start <= day <= end else value
    items = prop.get("items") if isinstance(prop.get("items"), dict) else None
    if items and isinstance(value, list):
        return [_fit_dates(items, v, start, end) for v in value]
    if isinstance(prop.get("properties"), dict) and isinstance(value, dict):
        return {k: _fit_dates(prop["properties"].get(k, {}), v, start, end) for k, v in value.items()}
    return value


def _fit_choice(prop, value):
    if isinstance(prop.get("items"), dict) and "enum" in prop["items"] and isinstance(value, list):
        choices = prop["items"]["enum"]
        if choices and not all(v in choices for v in value):
            return choices[:max(len(value), prop.get("minItems", 0))]
    elif "enum" in prop and prop["enum"] and value not in prop["enum"]:
        return prop["enum"][0]
    return value


def adapt(schema, context):
    """`schema` with examples[0] fitted to the task whose workflow data is `context`."""
    examples = schema.get("examples") if isinstance(schema, dict) else None
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not examples or not isinstance(examples[0], dict) or not isinstance(props, dict):
        return schema
    context = context or {}
    example = copy.deepcopy(examples[0])
    start, end = _as_date(context.get("period_start")), _as_date(context.get("period_end"))
    if not (start and end):
        start, end = _month_window(context.get("report_month"))
    for key, prop in props.items():
        if not isinstance(prop, dict) or key not in example and FROM_KEY not in prop:
            continue
        source = prop.get(FROM_KEY)
        if isinstance(source, str) and context.get(source) is not None:
            example[key] = context[source]
        if key not in example:
            continue
        if start and end and start <= end:
            example[key] = _fit_dates(prop, example[key], start, end)
        example[key] = _fit_choice(prop, example[key])
    return {**schema, "examples": [example, *examples[1:]]}
