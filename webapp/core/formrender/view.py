"""A submitted form shown read-only: a label/value table (project page, print layout)."""
import json

from markupsafe import Markup, escape

from .schema import MONEY_UNIT, _Ctx, _labels, _text, is_money, kind_of, resolve


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
