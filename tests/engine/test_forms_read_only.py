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


def test_read_only_field_unknown_to_the_workflow_keeps_the_submitted_value():
    data = {"request_amount_wan": 100, "contract_amount_wan": 460, "paid_total_wan": 0}
    assert forms.with_read_only(SCHEMA, data, {}) == data
    assert forms.with_read_only({"type": "object"}, data, {"contract_amount_wan": 1}) == data
