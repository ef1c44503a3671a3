"""Audit events in words: every kind the code records has a Chinese label, and a payload reads as 名称：值."""
import re

from tests.conftest import ROOT


def test_every_recorded_kind_has_a_label():
    from webapp.core.auditwords import KIND_LABELS

    kinds = set()
    for folder in ("engine", "webapp"):
        for path in (ROOT / folder).rglob("*.py"):
            kinds |= set(re.findall(r'\brecord\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert len(kinds) > 40
    assert kinds <= set(KIND_LABELS), sorted(kinds - set(KIND_LABELS))
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in KIND_LABELS.values())


def test_payload_in_words(app):
    from webapp.core.auditwords import details

    with app.test_request_context():
        assert details({"ok": True, "via": "session"}) == "成功：是；方式：网页"
        assert details({"bpmn_id": "task_declaration", "form": "declaration.schema.json"}, "填报申报表") == "事项：填报申报表"
        assert details({"at": "2025-06-30T16:00:00.000000"}) == "时间：2025-07-01 00:00"  # UTC stored, Beijing shown
        assert details({"inspection": 3, "approved": False, "mentions": ["王科员", "李科员"]}) == \
            "督查编号：3；同意：否；提及：王科员、李科员"
        assert details(None) == ""
