"""Choice controls: a select for an enum, yes/no radios for a boolean, checkboxes for a list of enums."""
from markupsafe import escape

from .schema import _attrs, _dom_id, _labels, _text


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
