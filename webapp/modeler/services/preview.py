"""The form editor's preview: a schema being edited and sample data -> problems, field errors and HTML."""
import json

from engine import forms

from ...core.access import require_modeller
from ...core.formrender import render_form


def preview_form(user, schema_text, data=None):
    """{problems, errors, html} for a form schema being edited and sample data."""
    require_modeller(user)
    if isinstance(schema_text, dict):
        schema = schema_text
    else:
        try:
            schema = json.loads(schema_text or "")
        except ValueError as exc:
            return {"problems": [f"不是有效的 JSON：{exc}"], "errors": {}, "html": ""}
    if not isinstance(schema, dict):
        return {"problems": ["表单定义须为 JSON 对象"], "errors": {}, "html": ""}
    problems = forms.check_schema(schema)
    if data is None:
        data = forms.example_of(schema) or {}
    errors = {}
    if not problems:
        try:
            errors = forms.validate(schema, data)
        except Exception as exc:  # a schema the validator cannot use
            problems.append(f"无法校验：{exc}")
    try:
        html = str(render_form(schema, data if isinstance(data, dict) else {}, errors))
    except Exception as exc:
        html, problems = "", problems + [f"无法预览：{exc}"]
    return {"problems": problems, "errors": errors, "html": html}
