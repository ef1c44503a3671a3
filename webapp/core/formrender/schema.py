"""Schema helpers of the server-side forms: `$ref`/`allOf` resolution, the control kind of a node,
examples, and the small text helpers every control uses."""
import re

from markupsafe import escape

LONG_TEXT = 200  # strings with maxLength above this get a textarea
MONEY_UNIT = "万元"
ROW_PLACEHOLDER = "__i__"


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
    if _is_month_pattern(schema.get("pattern")):
        return "month"
    if (schema.get("maxLength") or 0) > LONG_TEXT:
        return "textarea"
    return "string"


def _is_month_pattern(pattern):
    """A pattern that takes exactly a year and month (2026-03, not 2026-13 nor 2026-03-01): the field gets the
    month picker; the schema has no `format` for a month, so the pattern is what says so."""
    if not pattern:
        return False
    try:
        rx = re.compile(pattern)
    except re.error:
        return False
    return (all(rx.search(s) for s in ("2026-03", "1999-12")) and
            not any(rx.search(s) for s in ("2026-13", "2026-00", "2026-03-01", "202603", "")))


def must_fill(schema, required):
    """Whether a field gets the 必填 star (and the browser's required): it is required and its schema refuses it
    empty. A required text without minLength may be posted empty, a required list without minItems may be empty:
    those are "must be present", not "must be filled"."""
    if not required:
        return False
    kind = kind_of(schema)
    if kind in ("string", "textarea"):
        pattern = schema.get("pattern")
        return (schema.get("minLength") or 0) > 0 or bool(pattern and not _matches_empty(pattern))
    if kind in ("lines", "files", "rows"):
        return (schema.get("minItems") or 0) > 0
    return True


def _matches_empty(pattern):
    try:
        return re.search(pattern, "") is not None
    except re.error:
        return True


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
    # Escaped like every other attribute value: names come from analysts' schemas (refused at deploy
    # unless plain identifiers, but a form previewed before deploy is rendered too).
    return escape("f-" + path.replace(".", "-"))


class _Ctx:
    def __init__(self, root, errors, disabled, file_label):
        self.root = root
        self.errors = errors or {}
        self.disabled = disabled
        self.file_label = file_label or (lambda file_id: file_id)
        self.date_floors = date_floors(root)


_NOT_BEFORE = re.compile(r"^\s*(?:not (\w+) or )?(\w+) >= (\w+)\s*$")


def date_floors(root):
    """{date field: the date field it may not precede}, read from the x-rules that say so
    ("not contract_date or request_date >= contract_date"), so the picker greys out the earlier days; the server
    still checks the rule."""
    props = (resolve(root, root) or {}).get("properties") or {}
    is_date = {k for k, v in props.items() if resolve(v, root).get("format") == "date"}
    floors = {}
    for rule in root.get("x-rules") or []:
        m = _NOT_BEFORE.match(str(rule.get("expression") or ""))
        if m and m.group(2) in is_date and m.group(3) in is_date and m.group(1) in (None, m.group(3)):
            floors[m.group(2)] = m.group(3)
    return floors


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _labels(schema):
    """Option labels: `x-enumNames` / `enumNames` when given, those of record choices (`x-enum-labels`, e.g. an
    expert's name and specialty), else the values themselves."""
    values = schema.get("enum") or []
    names = schema.get("x-enumNames") or schema.get("enumNames") or []
    by_value = schema.get("x-enum-labels") if isinstance(schema.get("x-enum-labels"), dict) else {}
    return [(val, names[i] if i < len(names) else by_value.get(str(val), val)) for i, val in enumerate(values)]


def _attrs(schema, path, required, ctx, extra=""):
    parts = [f'id="{_dom_id(path)}"', f'name="{escape(path)}"']
    if required:
        parts.append("required")
    if ctx.disabled or schema.get("readOnly"):
        parts.append("disabled" if ctx.disabled else "readonly")
    return " ".join(parts) + extra
