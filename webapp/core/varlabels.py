"""Chinese words for workflow variables and their coded values, read from a deployed version's forms: a
property's `title` names the variable and its `x-enumNames` name the values (establishment_route: separate →
单独立项), so pages that show recorded variables (a decision's outputs) never show the codes."""
import json

from engine.db import db
from engine.models import ModelFile


def labels(version_id):
    """{variable: (title, {value: label})} over the version's forms; the first title found wins."""
    found = {}
    rows = db.session.execute(db.select(ModelFile.content).where(
        ModelFile.version_id == version_id, ModelFile.name.like("forms/%.json"))).scalars()
    for text in rows:
        try:
            properties = json.loads(text).get("properties") or {}
        except (ValueError, AttributeError):
            continue
        for name, prop in properties.items():
            if not isinstance(prop, dict):
                continue
            title, values = found.get(name, (prop.get("title"), {}))
            names = prop.get("x-enumNames") or []
            values.update({str(v): n for v, n in zip(prop.get("enum") or [], names)})
            found[name] = (title or prop.get("title"), values)
    return found


def text(value):
    """A recorded value in words: 是/否 for booleans, — for nothing, numbers without a trailing .0."""
    if value is True or value is False:
        return "是" if value else "否"
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shown(known, outputs):
    """[(label, value text)] of a decision's outputs, with `known` from labels()."""
    rows = []
    for name, value in (outputs or {}).items():
        title, values = known.get(name, (None, {}))
        rows.append((title or name, values.get(str(value), text(value))))
    return rows


def inputs(values):
    """[(label, value text)] of a decision's inputs (already labelled by the table's input columns)."""
    return [(name, text(value)) for name, value in (values or {}).items()]
