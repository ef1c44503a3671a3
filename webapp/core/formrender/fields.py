"""The editable form: one labelled field per schema property; text, number and date inputs here,
the other kinds in choices.py and files.py; a repeatable table for an array of objects."""
from markupsafe import Markup, escape

from .choices import _boolean, _checkboxes, _select
from .files import _file, _files
from .schema import (
    MONEY_UNIT, ROW_PLACEHOLDER, _attrs, _Ctx, _dom_id, _join, _text, is_money, kind_of, must_fill, resolve,
)
from .view import _view_value


def render_form(schema, data=None, errors=None, *, disabled=False, file_label=None):
    """HTML of every field of `schema`, filled from `data`, with `errors` ({dotted path: message})."""
    ctx = _Ctx(schema, errors, disabled, file_label)
    return Markup(_fields(resolve(schema, schema), data or {}, "", ctx))


def _fields(schema, data, prefix, ctx):
    required = set(schema.get("required", []))
    out = []
    for key, sub in (schema.get("properties") or {}).items():
        sub = resolve(sub, ctx.root)
        value = data.get(key) if isinstance(data, dict) else None
        out.append(_field(sub, value, _join(prefix, key), must_fill(sub, key in required), ctx))
    return "".join(out)


def _field(schema, value, path, required, ctx):
    kind = kind_of(schema)
    title = escape(schema.get("title") or path.rsplit(".", 1)[-1])
    mark = Markup('<span class="req" title="必填">*</span>') if required else ""
    help_text = schema.get("description")
    help_html = f'<div class="help">{escape(help_text)}</div>' if help_text else ""
    error = ctx.errors.get(path)
    error_html = f'<div class="field-error" role="alert">{escape(error)}</div>' if error else ""
    wide = kind in ("textarea", "rows", "object", "multi", "lines", "files")
    css = "field" + (" wide" if wide else "") + (" has-error" if error else "")
    if kind == "object":
        inner = _fields(schema, value or {}, path, ctx)
        return (f'<fieldset class="{css} group" data-path="{escape(path)}"><legend>{title}{mark}</legend>'
                f'{help_html}{error_html}<div class="form-grid">{inner}</div></fieldset>')
    if schema.get("readOnly") and not ctx.disabled and kind not in ("file", "files", "rows"):
        # A value the process supplies (合同额, 上月进度, 督查处理 …): shown, not edited; the server takes the
        # workflow's value anyway, the hidden copy only keeps a required field present.
        shown = _view_value(schema, value, ctx)
        control = (f'<div class="readonly-value" id="{_dom_id(path)}">{shown}</div>'
                   f'<input type="hidden" name="{escape(path)}" value="{escape(_text(value))}">')
        mark = ""
    else:
        control = _control(kind, schema, value, path, required, ctx)
    return (f'<div class="{css}" data-path="{escape(path)}"><label for="{_dom_id(path)}">{title}{mark}</label>'
            f'<div class="control">{control}{help_html}{error_html}</div></div>')


def _control(kind, schema, value, path, required, ctx):
    v = escape(_text(value))
    if kind in ("number", "integer"):
        step = "1" if kind == "integer" else "any"
        limits = "".join(f' {a}="{escape(schema[k])}"' for k, a in (("minimum", "min"), ("maximum", "max")) if k in schema)
        html = f'<input type="number" step="{step}"{limits} value="{v}" {_attrs(schema, path, required, ctx)}>'
        if is_money(schema):
            return f'<span class="input-unit">{html}<span class="unit">{MONEY_UNIT}</span></span>'
        return html
    if kind in ("date", "month", "date-time", "email"):
        input_type = {"date": "date", "month": "month", "date-time": "datetime-local", "email": "email"}[kind]
        floor = ctx.date_floors.get(path)
        after = f' data-min-field="{escape(floor)}"' if floor else ""  # the picker's min follows that field
        return f'<input type="{input_type}" value="{v}"{after} {_attrs(schema, path, required, ctx)}>'
    if kind == "textarea":
        return f'<textarea rows="5" {_attrs(schema, path, required, ctx)}>{v}</textarea>'
    if kind == "select":
        return _select(schema, value, path, required, ctx)
    if kind == "boolean":
        return _boolean(schema, value, path, required, ctx)
    if kind == "multi":
        return _checkboxes(schema, value, path, ctx)
    if kind == "lines":
        text = escape("\n".join(_text(x) for x in value)) if isinstance(value, list) else v
        area = f'<textarea rows="3" {_attrs(schema, path, False, ctx)} placeholder="每行一项">{text}</textarea>'
        if (schema.get("items") or {}).get("format") == "date" and not ctx.disabled:
            # a list of dates (例会日期): the date picker adds a picked day as a line; shown only with the script
            area += (f'<input type="date" class="js-add-date" data-for="{_dom_id(path)}" aria-label="添加日期" hidden>')
        return area
    if kind == "file":
        return _file(schema, value, path, required, ctx)
    if kind == "files":
        return _files(value, path, ctx)
    if kind == "rows":
        return _rows(schema, value, path, ctx)
    maxlen = f' maxlength="{escape(schema["maxLength"])}"' if "maxLength" in schema else ""
    return f'<input type="text" value="{v}"{maxlen} {_attrs(schema, path, required, ctx)}>'


def _rows(schema, value, path, ctx):
    """A repeatable table for an array of objects; the <template> row is cloned by form.js."""
    items = resolve(schema.get("items") or {}, ctx.root)
    props = items.get("properties") or {}
    required = {k for k in items.get("required", []) if k in props and must_fill(resolve(props[k], ctx.root), True)}
    rows = value if isinstance(value, list) else []
    count = max(len(rows), schema.get("minItems", 0) or 0, 0 if ctx.disabled else 1)
    head = "".join(
        f'<th>{escape(resolve(s, ctx.root).get("title") or k)}'
        f'{Markup("<span class=req>*</span>") if k in required else ""}</th>' for k, s in props.items())
    body = "".join(_row(props, required, rows[i] if i < len(rows) else {}, f"{path}.{i}", i, ctx)
                   for i in range(count))
    action_head = "" if ctx.disabled else '<th class="row-actions">操作</th>'
    template = "" if ctx.disabled else (
        f'<template>{_row(props, required, {}, f"{path}.{ROW_PLACEHOLDER}", ROW_PLACEHOLDER, _Ctx(ctx.root, {}, False, None))}</template>')
    add = "" if ctx.disabled else '<button type="button" class="btn btn-small js-add-row">＋ 添加一行</button>'
    return (f'<div class="rows" id="{_dom_id(path)}" data-path="{escape(path)}">'
            f'<table class="grid rows-table"><thead><tr><th class="row-no">序号</th>{head}{action_head}</tr></thead>'
            f'<tbody>{body}</tbody></table>{template}{add}</div>')


def _row(props, required, data, prefix, index, ctx):
    cells = []
    for key, sub in props.items():
        sub = resolve(sub, ctx.root)
        path = f"{prefix}.{key}"
        kind = kind_of(sub)
        if kind in ("rows", "object"):
            kind = "lines"  # nested tables are not offered; keep the value as text
        control = _control(kind, sub, (data or {}).get(key), path, key in required, ctx)
        error = ctx.errors.get(path)
        err = f'<div class="field-error" role="alert">{escape(error)}</div>' if error else ""
        cells.append(f'<td class="{"has-error" if error else ""}">{control}{err}</td>')
    number = index + 1 if isinstance(index, int) else ""
    remove = "" if ctx.disabled else '<td class="row-actions"><button type="button" class="btn btn-small btn-link js-remove-row">删除</button></td>'
    return f'<tr><td class="row-no">{number}</td>{"".join(cells)}{remove}</tr>'
