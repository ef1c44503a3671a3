"""Form messages a newcomer reads: an empty optional date is no error, an empty required one asks for it."""
from engine import forms


def test_an_optional_date_left_empty_is_absent_and_a_required_one_asks_to_be_filled():
    schema = {"type": "object", "required": ["opened"], "properties": {
        "opened": {"type": "string", "format": "date", "title": "督查日期"},
        "deadline": {"type": "string", "format": "date", "title": "整改期限"}}}
    assert forms.validate(schema, {"opened": "2026-03-01", "deadline": ""}) == {}
    assert forms.validate(schema, {"opened": "", "deadline": "2026-13-01"}) == {
        "opened": "请填写督查日期", "deadline": "整改期限格式不正确（应为日期，如 2026-03-31）"}


def test_schema_errors_in_the_form_editor_are_chinese():
    [problem] = forms.check_schema({"type": "object", "required": "name"})
    assert problem == "不是有效的 JSON Schema：“required”的值类型不正确，应为数组"
    [problem] = forms.check_schema({"type": "object", "properties": {"a": {"minLength": -1}}})
    assert problem.endswith("“properties/a/minLength”的值不能小于 0")
    [problem] = forms.check_schema({"type": "object", "properties": {"a": {"type": "strin"}}})
    assert "JSON Schema 规范" in problem and not any(w in problem for w in ("is not", "valid under"))
