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
