"""formrender: schema -> HTML controls, posted form -> typed data, errors beside fields."""
import json
from pathlib import Path

from werkzeug.datastructures import FileStorage, MultiDict

from webapp.core import formrender

SCHEMA = json.loads((Path(__file__).parent / "model" / "forms" / "declare.schema.json").read_text("utf-8"))


def test_controls_per_type():
    html = str(formrender.render_form(SCHEMA, {}, {}))
    assert '<span class="unit">万元</span>' in html  # 概算（万元）
    assert 'type="date"' in html and 'name="start_date"' in html
    assert '<select id="f-project_category" name="project_category" required>' in html
    assert 'type="checkbox" name="project_types" value="软件平台"' in html
    assert 'type="radio" name="requirements_clear" value="true"' in html
    assert '<textarea rows="5" id="f-content" name="content">' in html  # maxLength 2000
    assert 'type="file" id="f-plan" name="plan"' in html
    assert 'name="funding_sources.0.amount"' in html and "<template>" in html and "js-add-row" in html
    assert html.count('<span class="req" title="必填">*</span>') == 5
    # the star marks what must be filled: 联系人 is required but may be posted empty (no minLength), so no star
    assert '<label for="f-contact">联系人</label>' in html and 'name="contact" required' not in html
    assert '<label for="f-budget_wan">概算（万元）<span class="req" title="必填">*</span></label>' in html
    assert "项目总投资概算" in html  # description as help text


def test_errors_beside_fields_and_escaping():
    data = {"contact": "<b>张</b>", "funding_sources": [{"source": "自筹", "amount": -1}]}
    errors = {"funding_sources.0.amount": "金额（万元）不能小于 0", "contact": "联系人<太长>"}
    html = str(formrender.render_form(SCHEMA, data, errors))
    assert "&lt;b&gt;张&lt;/b&gt;" in html and "<b>张</b>" not in html
    assert "联系人&lt;太长&gt;" in html
    cell = html.split('name="funding_sources.0.amount"')[1].split("</td>")[0]
    assert "金额（万元）不能小于 0" in cell


def test_parse_types_rows_and_bad_numbers():
    form = MultiDict([
        ("contact", " 张三 "), ("budget_wan", "300.5"), ("months", "12"), ("project_category", "新建"),
        ("project_types", "软件平台"), ("project_types", "服务运维"), ("start_date", "2027-01-01"),
        ("requirements_clear", "false"), ("content", ""), ("plan", "abc"),
        ("funding_sources.0.source", "本级财政"), ("funding_sources.0.amount", "200"),
        ("funding_sources.3.source", ""), ("funding_sources.3.amount", ""),  # an empty row is dropped
        ("funding_sources.5.source", "自筹"), ("funding_sources.5.amount", "一百"),
    ])
    data, errors = formrender.parse_form(SCHEMA, form)
    assert data["contact"] == "张三" and data["budget_wan"] == 300.5 and data["months"] == 12
    assert data["project_types"] == ["软件平台", "服务运维"] and data["requirements_clear"] is False
    assert "content" not in data and data["plan"] == "abc"
    assert data["funding_sources"] == [{"source": "本级财政", "amount": 200}, {"source": "自筹", "amount": "一百"}]
    assert errors == {"funding_sources.1.amount": "请输入数字"}


def test_file_posted_without_js_is_stored():
    upload = FileStorage(stream=__import__("io").BytesIO(b"%PDF-1.4"), filename="方案.pdf", name="plan")
    data, errors = formrender.parse_form(SCHEMA, MultiDict([("plan", "")]), MultiDict([("plan", upload)]),
                                         store_file=lambda fs: "file-1")
    assert data["plan"] == "file-1" and not errors


def test_read_only_view():
    example = formrender.example_of(SCHEMA)
    html = str(formrender.render_view(SCHEMA, example, file_label=lambda i: "建设方案.pdf"))
    assert "<th>概算（万元）</th><td>300 万元</td>" in html
    assert "软件平台" in html and "是" in html and "建设方案.pdf" in html and "本级财政" in html


def test_fill_blanks_keeps_typed_values():
    example = {"a": 1, "b": "x", "o": {"p": ["e"], "q": "ok"}, "rows": [{"n": 1}]}
    typed = {"a": 5, "b": "", "o": {"p": [], "q": "mine"}, "rows": []}
    assert formrender.fill_blanks(typed, example) == {"a": 5, "b": "x", "o": {"p": ["e"], "q": "mine"},
                                                       "rows": [{"n": 1}]}


def test_record_choices_show_their_labels_and_post_back_as_a_list():
    """An `x-options` list (the 论证专家组 picked from the expert pool) once resolved: a checkbox per expert
    labelled with name and specialty; the ticked ones come back as the list the workflow iterates."""
    schema = {"type": "object", "properties": {"panel_experts": {
        "type": "array", "title": "论证专家", "x-options": "experts",
        "items": {"type": "string", "enum": ["expert1", "expert2"],
                  "x-enum-labels": {"expert1": "评审专家 一（软件工程）", "expert2": "评审专家 二（网络安全）"}}}}}
    html = str(formrender.render_form(schema, {"panel_experts": ["expert2"]}, {}))
    assert 'value="expert1"> 评审专家 一（软件工程）</label>' in html
    assert 'value="expert2" checked> 评审专家 二（网络安全）</label>' in html
    data, errors = formrender.parse_form(schema, MultiDict([("panel_experts", "expert1"), ("panel_experts", "expert2")]))
    assert data == {"panel_experts": ["expert1", "expert2"]} and not errors


def test_star_follows_what_the_schema_refuses_empty():
    from webapp.core.formrender.schema import must_fill

    assert [must_fill({"type": "string"}, True), must_fill({"type": "string", "minLength": 1}, True),
            must_fill({"type": "string", "minLength": 1}, False), must_fill({"type": "string", "pattern": "^$|^1"}, True),
            must_fill({"type": "string", "pattern": "^[0-9]+$"}, True), must_fill({"type": "number"}, True),
            must_fill({"type": "string", "format": "date"}, True), must_fill({"type": "array", "items": {"type": "string"}}, True),
            must_fill({"type": "array", "minItems": 1, "items": {"type": "string"}}, True)] == \
        [False, True, False, False, True, True, True, False, True]
    form = MultiDict({"contact": "", "budget_wan": "10", "project_category": "新建", "start_date": "2027-01-01",
                      "funding_sources.0.source": "自筹", "funding_sources.0.amount": "10"})
    data, errors = formrender.parse_form(SCHEMA, form)
    assert data["contact"] == "" and "contact" not in errors  # what the missing star promises: empty is accepted


def test_year_month_pattern_renders_a_month_field_and_posts_back_as_text():
    """A string that takes exactly YYYY-MM (通报月份) gets type=month (the Chinese month picker), posted as is;
    other patterns stay text."""
    schema = {"type": "object", "required": ["month"], "properties": {
        "month": {"type": "string", "title": "通报月份", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
        "quarter": {"type": "string", "title": "季度", "pattern": "^\\d{4}-Q[1-4]$"},
        "phone": {"type": "string", "title": "电话", "pattern": "^[0-9\\-+ ]{7,20}$"}}}
    html = str(formrender.render_form(schema, {"month": "2026-03"}, {}))
    assert '<input type="month" value="2026-03" id="f-month" name="month" required>' in html
    assert 'type="text" value="" id="f-quarter"' in html and 'type="text" value="" id="f-phone"' in html
    data, errors = formrender.parse_form(schema, MultiDict({"month": "2026-11", "quarter": "", "phone": ""}))
    assert data["month"] == "2026-11" and not errors


def test_a_list_of_dates_gets_a_day_adder_beside_its_lines():
    schema = {"type": "object", "properties": {
        "meeting_dates": {"type": "array", "title": "例会日期", "items": {"type": "string", "format": "date"}},
        "names": {"type": "array", "title": "人员", "items": {"type": "string"}}}}
    html = str(formrender.render_form(schema, {"meeting_dates": ["2026-05-08"]}, {}))
    assert '<input type="date" class="js-add-date" data-for="f-meeting_dates" aria-label="添加日期" hidden>' in html
    assert html.count("js-add-date") == 1  # not for a list of names
    assert "js-add-date" not in str(formrender.render_form(schema, {}, {}, disabled=True))


def test_a_date_that_may_not_precede_another_names_it_for_the_picker():
    """申请日期 ≥ 合同签订日期 (an x-rule of the fund request): the picker's min follows 合同签订日期."""
    root = Path(__file__).resolve().parents[2] / "forms"
    fund = json.loads((root / "fund-request.schema.json").read_text("utf-8"))
    html = str(formrender.render_form(fund, {"contract_date": "2026-03-10"}, {}))
    assert '<input type="date" value="" data-min-field="contract_date" id="f-request_date"' in html
    rect = json.loads((root / "supervision-rectification.schema.json").read_text("utf-8"))
    html = str(formrender.render_form(rect, {}, {}))
    assert 'data-min-field="submitted_date" id="f-expected_completion"' in html
    assert html.count("data-min-field") == 1
