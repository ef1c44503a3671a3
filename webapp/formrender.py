"""Server-side forms from JSON Schema: schema + data + errors -> HTML, and request.form -> typed data.

Pure module (no Flask): field names are dotted paths (`funding_sources.0.amount`), the same keys the
engine uses for field errors, so every error lands beside its field.
"""
import json
from markupsafe import Markup, escape

LONG_TEXT = 200  # strings with maxLength above this get a textarea
MONEY_UNIT = "万元"
ROW_PLACEHOLDER = "__i__"


# ---------------------------------------------------------------- schema helpers

def resolve(schema, root):
    """Follow a local `$ref` (#/$defs/x) and merge `allOf` parts; other keywords are kept."""
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 10:
        ref = schema["$ref"]
        node = root
        if ref.startswith("#/"):
            for part in ref[2:].split("/"):
                node = node.get(part, {}) if isinstance(node, dict) else {}
        schema = {**node, **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    if isinstance(schema, dict) and "allOf" in schema:
        merged = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = resolve(part, root)
            merged.setdefault("properties", {}).update(part.get("properties", {}))
            merged["required"] = list(merged.get("required", [])) + list(part.get("required", []))
        schema = merged
    return schema or {}


def kind_of(schema):
    """The control kind a (resolved) schema node gets."""
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if t is None:
        t = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if t == "array":
        items = schema.get("items") or {}
        if items.get("enum") is not None:
            return "multi"
        if items.get("format") == "file-id":
            return "files"
        if items.get("type") == "object" or "properties" in items or "$ref" in items:
            return "rows"
        return "lines"
    if t == "object":
        return "object"
    if schema.get("enum") is not None:
        return "select"
    if t in ("number", "integer"):
        return t
    if t == "boolean":
        return "boolean"
    fmt = schema.get("format")
    if fmt == "file-id":
        return "file"
    if fmt in ("date", "date-time", "email"):
        return fmt
    if (schema.get("maxLength") or 0) > LONG_TEXT:
        return "textarea"
    return "string"


def _type(schema):
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return t


def is_money(schema):
    return MONEY_UNIT in (schema.get("title") or "")


def example_of(schema):
    examples = schema.get("examples") or []
    return examples[0] if examples and isinstance(examples[0], dict) else None


def fill_blanks(data, example):
    """`data` with its empty fields (also inside objects) taken from `example`.

    Callers drop the schema's read-only fields from the example first (see without_read_only)."""
    out = dict(example)
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(example.get(key), dict):
            out[key] = fill_blanks(value, example[key])
        elif value not in ("", [], None) or key not in example:
            out[key] = value
    return out


def without_read_only(schema, data):
    """`data` minus the top-level fields the process supplies (their examples are not this project's)."""
    props = schema.get("properties") or {}
    return {k: v for k, v in data.items() if not (props.get(k) or {}).get("readOnly")}


def without_files(schema, data, root=None):
    """`data` minus its file ids (an example's ids are placeholders that must be uploaded for real)."""
    root = root or schema
    schema = resolve(schema, root)
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        sub = resolve((schema.get("properties") or {}).get(key, {}), root)
        kind = kind_of(sub) if sub else "string"
        if kind in ("file", "files"):
            continue
        if kind == "object":
            value = without_files(sub, value, root)
        elif kind == "rows" and isinstance(value, list):
            value = [without_files(sub.get("items") or {}, row, root) for row in value]
        out[key] = value
    return out


def _join(prefix, key):
    return f"{prefix}.{key}" if prefix else str(key)


def _dom_id(path):
    return "f-" + path.replace(".", "-")


# ---------------------------------------------------------------- rendering: editable form

class _Ctx:
    def __init__(self, root, errors, disabled, file_label):
        self.root = root
        self.errors = errors or {}
        self.disabled = disabled
        self.file_label = file_label or (lambda file_id: file_id)


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
        out.append(_field(sub, value, _join(prefix, key), key in required, ctx))
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
        return (f'<fieldset class="{css} group" data-path="{path}"><legend>{title}{mark}</legend>'
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
    return (f'<div class="{css}" data-path="{path}"><label for="{_dom_id(path)}">{title}{mark}</label>'
            f'<div class="control">{control}{help_html}{error_html}</div></div>')


def _attrs(schema, path, required, ctx, extra=""):
    parts = [f'id="{_dom_id(path)}"', f'name="{escape(path)}"']
    if required:
        parts.append("required")
    if ctx.disabled or schema.get("readOnly"):
        parts.append("disabled" if ctx.disabled else "readonly")
    return " ".join(parts) + extra


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _control(kind, schema, value, path, required, ctx):
    v = escape(_text(value))
    if kind in ("number", "integer"):
        step = "1" if kind == "integer" else "any"
        limits = "".join(f' {a}="{schema[k]}"' for k, a in (("minimum", "min"), ("maximum", "max")) if k in schema)
        html = f'<input type="number" step="{step}"{limits} value="{v}" {_attrs(schema, path, required, ctx)}>'
        if is_money(schema):
            return f'<span class="input-unit">{html}<span class="unit">{MONEY_UNIT}</span></span>'
        return html
    if kind in ("date", "date-time", "email"):
        input_type = {"date": "date", "date-time": "datetime-local", "email": "email"}[kind]
        return f'<input type="{input_type}" value="{v}" {_attrs(schema, path, required, ctx)}>'
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
        return (f'<textarea rows="3" {_attrs(schema, path, False, ctx)} placeholder="每行一项">{text}</textarea>')
    if kind == "file":
        return _file(schema, value, path, required, ctx)
    if kind == "files":
        return _files(value, path, ctx)
    if kind == "rows":
        return _rows(schema, value, path, ctx)
    maxlen = f' maxlength="{schema["maxLength"]}"' if "maxLength" in schema else ""
    return f'<input type="text" value="{v}"{maxlen} {_attrs(schema, path, required, ctx)}>'


def _labels(schema):
    """Option labels: `x-enumNames` / `enumNames` when given, else the values themselves."""
    values = schema.get("enum") or []
    names = schema.get("x-enumNames") or schema.get("enumNames") or []
    return [(val, names[i] if i < len(names) else val) for i, val in enumerate(values)]


def _select(schema, value, path, required, ctx):
    opts = ['<option value="">请选择</option>']
    for val, label in _labels(schema):
        sel = " selected" if value is not None and _text(val) == _text(value) else ""
        opts.append(f'<option value="{escape(_text(val))}"{sel}>{escape(_text(label))}</option>')
    return f'<select {_attrs(schema, path, required, ctx)}>{"".join(opts)}</select>'


def _boolean(schema, value, path, required, ctx):
    dis = " disabled" if ctx.disabled else ""
    req = " required" if required else ""
    out = []
    for val, label in (("true", "是"), ("false", "否")):
        checked = " checked" if value is not None and _text(value) == val else ""
        out.append(f'<label class="choice"><input type="radio" name="{escape(path)}" value="{val}"'
                   f'{checked}{req}{dis}> {label}</label>')
    return f'<span class="choices" id="{_dom_id(path)}">{"".join(out)}</span>'


def _checkboxes(schema, value, path, ctx):
    chosen = {_text(x) for x in value} if isinstance(value, list) else set()
    dis = " disabled" if ctx.disabled else ""
    out = []
    for val, label in _labels(schema.get("items") or {}):
        checked = " checked" if _text(val) in chosen else ""
        out.append(f'<label class="choice"><input type="checkbox" name="{escape(path)}" value="{escape(_text(val))}"'
                   f'{checked}{dis}> {escape(_text(label))}</label>')
    return f'<span class="choices" id="{_dom_id(path)}">{"".join(out)}</span>'


def _file(schema, value, path, required, ctx):
    """A file field: the stored id in a hidden input, a file chooser (JS uploads at once; without JS
    the browser posts it with the form), and the current file's name."""
    current = ""
    if value:
        current = (f'<span class="file-current">已上传：<a href="/files/{escape(value)}" target="_blank">'
                   f'{escape(ctx.file_label(value))}</a></span>')
    hidden = f'<input type="hidden" name="{escape(path)}" value="{escape(_text(value))}" class="file-id">'
    if ctx.disabled:
        return current or '<span class="muted">未上传</span>'
    req = " data-required" if required else ""
    chooser = f'<input type="file" id="{_dom_id(path)}" name="{escape(path)}" class="file-input"{req}>'
    return f'<span class="file-field">{hidden}{chooser}<span class="file-status">{current}</span></span>'


def _files(value, path, ctx):
    """Several files: one hidden id per file (removable), and a multi-file chooser."""
    ids = [v for v in value if v] if isinstance(value, list) else []
    items = "".join(
        f'<li><input type="hidden" name="{escape(path)}" value="{escape(v)}" class="file-id">'
        f'<a href="/files/{escape(v)}" target="_blank">{escape(ctx.file_label(v))}</a>'
        + ("" if ctx.disabled else ' <button type="button" class="btn btn-small btn-link js-remove-file">移除</button>')
        + "</li>" for v in ids)
    if ctx.disabled:
        return f'<ul class="file-list">{items}</ul>' if ids else '<span class="muted">未上传</span>'
    chooser = f'<input type="file" id="{_dom_id(path)}" name="{escape(path)}" class="file-input" multiple>'
    return (f'<span class="file-field file-multi" data-name="{escape(path)}"><ul class="file-list">{items}</ul>'
            f'{chooser}<span class="file-status"></span></span>')


def _rows(schema, value, path, ctx):
    """A repeatable table for an array of objects; the <template> row is cloned by form.js."""
    items = resolve(schema.get("items") or {}, ctx.root)
    props = items.get("properties") or {}
    required = set(items.get("required", []))
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


# ---------------------------------------------------------------- rendering: read-only view

def render_view(schema, data, *, file_label=None):
    """A submitted form as a label/value table (project page, print layout)."""
    ctx = _Ctx(schema, {}, True, file_label)
    return Markup(f'<table class="kv">{_view_rows(resolve(schema, schema), data or {}, ctx)}</table>')


def _view_rows(schema, data, ctx):
    out = []
    props = schema.get("properties") or {}
    for key, sub in props.items():
        sub = resolve(sub, ctx.root)
        if key not in data:
            continue
        title = escape(sub.get("title") or key)
        out.append(f'<tr><th>{title}</th><td>{_view_value(sub, data[key], ctx)}</td></tr>')
    for key in data:  # fields the schema does not name (older versions): show them plainly
        if key not in props:
            out.append(f'<tr><th>{escape(key)}</th><td>{escape(_plain(data[key]))}</td></tr>')
    return "".join(out)


def _plain(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return _text(value)


def _view_value(schema, value, ctx):
    kind = kind_of(schema)
    if value is None or value == "" or value == []:
        return '<span class="muted">—</span>'
    if kind == "boolean":
        return "是" if value is True else "否" if value is False else escape(_text(value))
    if kind in ("number", "integer"):
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else _text(value)
        return escape(text) + (f" {MONEY_UNIT}" if is_money(schema) else "")
    if kind == "select":
        labels = dict((_text(v), _text(n)) for v, n in _labels(schema))
        return escape(labels.get(_text(value), _text(value)))
    if kind == "multi" and isinstance(value, list):
        labels = dict((_text(v), _text(n)) for v, n in _labels(schema.get("items") or {}))
        return escape("、".join(labels.get(_text(x), _text(x)) for x in value))
    if kind == "file":
        return f'<a href="/files/{escape(value)}" target="_blank">{escape(ctx.file_label(value))}</a>'
    if kind == "files" and isinstance(value, list):
        return "<br>".join(f'<a href="/files/{escape(v)}" target="_blank">{escape(ctx.file_label(v))}</a>' for v in value)
    if kind == "object" and isinstance(value, dict):
        return f'<table class="kv inner">{_view_rows(schema, value, ctx)}</table>'
    if kind == "rows" and isinstance(value, list):
        items = resolve(schema.get("items") or {}, ctx.root)
        props = items.get("properties") or {}
        head = "".join(f"<th>{escape(resolve(s, ctx.root).get('title') or k)}</th>" for k, s in props.items())
        body = "".join(
            "<tr>" + f"<td>{i + 1}</td>" + "".join(
                f"<td>{_view_value(resolve(s, ctx.root), (row or {}).get(k), ctx)}</td>" for k, s in props.items())
            + "</tr>" for i, row in enumerate(value))
        return f'<table class="grid inner"><thead><tr><th>序号</th>{head}</tr></thead><tbody>{body}</tbody></table>'
    if kind == "lines" and isinstance(value, list):
        return "<br>".join(escape(_plain(x)) for x in value)
    text = escape(_plain(value))
    return Markup(str(text).replace("\n", "<br>"))


# ---------------------------------------------------------------- parsing the posted form

def parse_form(schema, form, files=None, store_file=None):
    """Typed data from a posted form (a MultiDict): returns (data, errors).

    Empty inputs are left out, so `required` reports them. Text that is not a number is kept as typed
    and reported here. `store_file(file_storage) -> id` stores a file posted without JS.
    """
    errors = {}
    data = _parse_object(resolve(schema, schema), form, files or {}, store_file, "", schema, errors)
    return data, errors


def _parse_object(schema, form, files, store_file, prefix, root, errors):
    data = {}
    required = set(schema.get("required", []))
    for key, sub in (schema.get("properties") or {}).items():
        sub = resolve(sub, root)
        path = _join(prefix, key)
        value = _parse_value(sub, form, files, store_file, path, root, errors, key in required)
        if value is not None:
            data[key] = value
    return data


def _parse_value(schema, form, files, store_file, path, root, errors, required=False):
    kind = kind_of(schema)
    if kind == "object":
        value = _parse_object(schema, form, files, store_file, path, root, errors)
        return value or None
    if kind == "multi":
        values = [v for v in form.getlist(path) if v != ""]
        item_type = _type(schema.get("items") or {})
        values = [_scalar(v, item_type, path, errors) for v in values]
        return values if values or path in form else None
    if kind == "rows":
        return _parse_rows(schema, form, files, store_file, path, root, errors)
    if kind == "lines":
        text = form.get(path, "")
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        item_type = _type(schema.get("items") or {}) or "string"
        return [_scalar(x, item_type, path, errors) for x in lines] if lines or path in form else None
    if kind == "files":
        ids = [v for v in form.getlist(path) if v]
        uploads = files.getlist(path) if hasattr(files, "getlist") else []
        for upload in uploads:
            if getattr(upload, "filename", "") and store_file is not None:
                try:
                    ids.append(store_file(upload))
                except Exception as exc:
                    fields = getattr(exc, "fields", None) or {}
                    errors[path] = next(iter(fields.values()), None) or getattr(exc, "message", None) or "文件上传失败"
        return ids if ids or path in form else None
    if kind == "file":
        upload = files.get(path) if hasattr(files, "get") else None
        if upload is not None and getattr(upload, "filename", "") and store_file is not None:
            try:
                return store_file(upload)
            except Exception as exc:  # refused upload (type, size): report beside the field
                fields = getattr(exc, "fields", None) or {}
                errors[path] = next(iter(fields.values()), None) or getattr(exc, "message", None) or "文件上传失败"
                return None
        values = [v for v in form.getlist(path) if v]
        return values[-1] if values else None
    raw = form.get(path)
    if raw is None:
        return None
    if raw.strip() == "":
        # A posted empty text of a required field stays "" (the schema decides if that is allowed);
        # empty dates, numbers, choices and optional texts are left out.
        return "" if required and kind in ("string", "textarea") else None
    if kind == "select":
        return _enum_value(schema, raw.strip())
    return _scalar(raw.strip(), _type(schema) or "string", path, errors)


def _enum_value(schema, raw):
    for val in schema.get("enum") or []:
        if _text(val) == raw:
            return val
    return raw


def _scalar(raw, type_name, path, errors):
    if type_name == "integer":
        try:
            return int(raw)
        except ValueError:
            try:
                number = float(raw)
                return int(number) if number.is_integer() else number
            except ValueError:
                errors.setdefault(path, "请输入整数")
                return raw
    if type_name == "number":
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            errors.setdefault(path, "请输入数字")
            return raw
        return int(number) if number.is_integer() and "." not in raw else number
    if type_name == "boolean":
        return {"true": True, "false": False, "on": True, "1": True, "0": False}.get(raw.lower(), raw)
    return raw


def _parse_rows(schema, form, files, store_file, path, root, errors):
    items = resolve(schema.get("items") or {}, root)
    prefix = path + "."
    indexes = set()
    for key in list(form.keys()) + list(files.keys() if hasattr(files, "keys") else []):
        if key.startswith(prefix):
            head = key[len(prefix):].split(".", 1)[0]
            if head.isdigit():
                indexes.add(int(head))
    rows = []
    for old in sorted(indexes):
        row_errors = {}
        row = _parse_object(items, form, files, store_file, f"{path}.{old}", root, row_errors)
        if all(v in ("", [], None) for v in row.values()):
            continue  # an untouched empty row
        new = len(rows)
        for key, message in row_errors.items():  # rows are renumbered when empty ones are dropped
            errors[key.replace(f"{path}.{old}.", f"{path}.{new}.", 1)] = message
        rows.append(row)
    return rows if rows or indexes else None

