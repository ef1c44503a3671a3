"""Form fields whose choices come from records, not from the diagram: `"x-options": "<source>[:<arg>]"`.

E.g. `"x-options": "experts"` (users of group `expert`, with their specialty) or `"x-options": "units:监理"`
(the units the city selected for the project's build year). The web app registers each source; the engine
turns the field into an `enum` (and `oneOf` labels for pages) whenever it serves the form, and validates a
submission against that same list, so a value the records do not offer is refused on the server.
"""
import copy
import re

KEY = "x-options"
SPEC = re.compile(r"([a-z_]{1,32})(?::(.{1,64}))?")
_SOURCES = {}


def register(name, provider):
    """provider(arg, context) -> [(value, label)]; `context` are the task's workflow variables."""
    _SOURCES[name] = provider


def parse(spec):
    """(source, arg) of an `x-options` value, or None when it is not of the form source[:arg]."""
    match = SPEC.fullmatch(spec) if isinstance(spec, str) else None
    return (match.group(1), match.group(2)) if match else None


def check(schema):
    """Chinese problems of the `x-options` of a form (at deploy: the syntax; sources are the app's)."""
    problems = []
    for prop in _fields(schema):
        spec = prop.get(KEY)
        if parse(spec) is None:
            problems.append(f"x-options“{str(spec)[:80]}”须为 来源 或 来源:参数（如 experts、units:监理）")
    for key, prop in ((schema or {}).get("properties") or {}).items():
        if isinstance(prop, dict) and VALUE_KEY in prop:
            if parse(prop[VALUE_KEY]) is None:
                problems.append(f"字段 {key} 的 x-value-from 须为 来源 或 来源:参数（如 paid_total）")
            elif not prop.get("readOnly"):
                problems.append(f"字段 {key} 的值由系统计算（x-value-from），须同时标记 readOnly")
    return problems


def _fields(node):
    """Every property schema under `node` (at any depth) that carries `x-options`."""
    if isinstance(node, dict):
        if KEY in node:
            yield node
        for key in ("properties",):
            for child in (node.get(key) or {}).values():
                yield from _fields(child)
        if isinstance(node.get("items"), dict):
            yield from _fields(node["items"])


def resolve(schema, context):
    """A copy of `schema` in which every `x-options` field lists its current choices as enum + oneOf."""
    if not isinstance(schema, dict) or KEY not in repr(schema):
        return schema
    schema = copy.deepcopy(schema)
    for prop in _fields(schema):
        parsed = parse(prop.get(KEY))
        provider = _SOURCES.get(parsed[0]) if parsed else None
        choices = list(provider(parsed[1], context or {})) if provider else []
        target = prop["items"] if prop.get("type") == "array" and isinstance(prop.get("items"), dict) else prop
        target["enum"] = [value for value, _ in choices]
        target["x-enum-labels"] = {str(value): label for value, label in choices}
        if not choices:
            target["x-empty"] = "暂无可选项" if provider else f"选项来源“{prop.get(KEY)}”未配置"
    return schema


# Read-only figures the records compute (`"x-value-from": "<source>[:<arg>]"`), e.g. 累计支付 from the approved
# payments: given to the form, and written into the submission and the workflow instead of what a browser sends.
VALUE_KEY = "x-value-from"
_VALUES = {}


def register_value(name, provider):
    """provider(arg, context) -> a JSON value; `context` are the task's workflow variables."""
    _VALUES[name] = provider


def computed_values(schema, context):
    """{field: value} of the top-level fields of `schema` whose value the records compute."""
    found = {}
    for key, prop in ((schema or {}).get("properties") or {}).items():
        parsed = parse(prop.get(VALUE_KEY)) if isinstance(prop, dict) and VALUE_KEY in prop else None
        provider = _VALUES.get(parsed[0]) if parsed else None
        if provider is not None:
            found[key] = provider(parsed[1], context or {})
    return found
