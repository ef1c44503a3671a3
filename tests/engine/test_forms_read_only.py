"""Read-only form fields take the workflow's value: a forged figure never reaches the rules or the gateways."""
from engine import forms

SCHEMA = {
    "type": "object",
    "properties": {
        "request_amount_wan": {"type": "number"},
        "contract_amount_wan": {"type": "number", "readOnly": True},
        "paid_total_wan": {"type": "number", "readOnly": True},
    },
    "x-rules": [{"expression": "paid_total_wan + request_amount_wan <= contract_amount_wan",
                 "field": "request_amount_wan", "message": "超出合同金额"}],
}


def test_read_only_fields_come_from_the_workflow():
    forged = {"request_amount_wan": 200, "contract_amount_wan": 10000, "paid_total_wan": 0}
    data = forms.with_read_only(SCHEMA, forged, {"contract_amount_wan": 460, "paid_total_wan": 300, "x": 1})
    assert data == {"request_amount_wan": 200, "contract_amount_wan": 460, "paid_total_wan": 300}
    assert forms.validate(SCHEMA, data) == {"request_amount_wan": "超出合同金额"}
    assert forged["contract_amount_wan"] == 10000  # the caller's dict is not changed


def test_read_only_field_unknown_to_the_workflow_is_dropped_not_trusted():
    data = {"request_amount_wan": 100, "contract_amount_wan": 460, "paid_total_wan": 0}
    assert forms.with_read_only(SCHEMA, data, {}) == {"request_amount_wan": 100}
    assert forms.with_read_only({"type": "object"}, data, {"contract_amount_wan": 1}) == data


def test_undeclared_fields_are_refused_by_name():
    data = {"request_amount_wan": 1, "stage": "验收", "build_year": 2020}
    assert forms.validate(SCHEMA, data) == {"stage": "表单未定义字段“stage”，不能提交",
                                            "build_year": "表单未定义字段“build_year”，不能提交"}
    nested = {"type": "object", "properties": {"rows": {"type": "array", "items": {
        "type": "object", "properties": {"a": {"type": "string"}}}}}}
    assert list(forms.validate(nested, {"rows": [{"a": "x"}, {"a": "y", "review_passed": True}]})) == [
        "rows.1.review_passed"]
    assert forms.validate({"type": "object", "properties": {}, "additionalProperties": {"type": "string"}},
                          {"free": "x"}) == {}


def test_property_names_must_be_plain_identifiers():
    bad = {"type": "object", "properties": {"ok": {"type": "string"},
                                            "x\"><script>alert(1)</script>": {"type": "string"}}}
    assert any("字段名只能由" in p for p in forms.check_schema(bad))
    assert not any("字段名只能由" in p for p in forms.check_schema(SCHEMA))
