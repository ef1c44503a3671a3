"""Server-side form validation: JSON Schema plus the cross-field rules under `x-rules`.

Errors come back per field, in Chinese, so the page can show them beside the field.
"""
import re
from contextvars import ContextVar

from jsonschema import Draft202012Validator, FormatChecker

from . import options, scripting

RULES_KEY = "x-rules"


# One format checker for all forms; the caller's file check is handed over per call.
_file_exists = ContextVar("file_exists", default=None)
FORMATS = FormatChecker()


@FORMATS.checks("file-id", raises=())
def _is_file(value):
    check = _file_exists.get()
    return not isinstance(value, str) or check is None or check(value)


def _label(schema, path):
    """The Chinese title of the field at `path`; list items read as “<list title>第 n 项”."""
    node, label = schema, "表单"
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {})
            label = f"{label}第 {part + 1} 项"
        else:
            node = node.get("properties", {}).get(part, {})
            label = node.get("title") or str(part)
    return label


def _message(error, schema):
    v, arg = error.validator, error.validator_value
    label = _label(schema, list(error.absolute_path))
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return missing, f"{_label(schema, list(error.absolute_path) + [missing])}为必填项"
    texts = {
        "type": lambda: f"{label}的类型不正确",
        "minimum": lambda: f"{label}不能小于 {arg}",
        "maximum": lambda: f"{label}不能大于 {arg}",
        "exclusiveMinimum": lambda: f"{label}必须大于 {arg}",
        "exclusiveMaximum": lambda: f"{label}必须小于 {arg}",
        "minLength": lambda: f"{label}至少 {arg} 个字符" if arg > 1 else f"{label}不能为空",
        "maxLength": lambda: f"{label}不能超过 {arg} 个字符",
        "enum": lambda: _enum_message(label, error, arg),
        "const": lambda: f"{label}须为 {arg}",
        "pattern": lambda: f"{label}格式不正确",
        "format": lambda: (f"请填写{label}" if error.instance == "" else
                           f"{label}格式不正确（应为{ {'date': '日期，如 2026-03-31', 'file-id': '已上传的文件'}.get(arg, arg) }）"),
        "minItems": lambda: f"{label}至少需要 {arg} 项",
        "maxItems": lambda: f"{label}最多 {arg} 项",
        "uniqueItems": lambda: f"{label}不能有重复项",
        "additionalProperties": lambda: f"{label}含有未定义的字段",
        "multipleOf": lambda: f"{label}须为 {arg} 的整数倍",
    }
    text = texts.get(v, lambda: f"{label}不符合要求")()
    return None, text


def _enum_message(label, error, choices):
    if not choices:
        return f"{label}：{error.schema.get('x-empty') or '暂无可选项'}"
    names = error.schema.get("x-enum-labels")
    if isinstance(names, dict):  # choices from records (x-options): name the refused value and what may be chosen
        offered = "、".join(str(names.get(str(c), c)) for c in choices[:20])
        return f"{label}“{str(error.instance)[:64]}”不在可选范围内（可选：{offered}）"
    return f"{label}须为以下之一：{'、'.join(map(str, choices))}"


def _field_key(path):
    return ".".join(str(p) for p in path) or "_form"


_JSON_TYPES = {"object": "对象", "array": "数组", "string": "文本", "number": "数字", "integer": "整数",
               "boolean": "是/否", "null": "空值"}


def _schema_error(exc):
    """jsonschema's SchemaError in Chinese: where in the schema, and what the specification wants there."""
    path = "/".join(str(p) for p in getattr(exc, "absolute_path", [])) or "根"
    validator, expected = getattr(exc, "validator", None), getattr(exc, "validator_value", None)
    if validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"“{path}”的值类型不正确，应为{'或'.join(_JSON_TYPES.get(k, str(k)) for k in kinds)}"
    if validator == "enum":
        return f"“{path}”的值应为以下之一：{'、'.join(map(str, expected or []))[:200]}"
    if validator in ("minimum", "exclusiveMinimum"):
        return f"“{path}”的值不能小于 {expected}"
    if validator == "minItems":
        return f"“{path}”至少需要 {expected} 项"
    if validator == "uniqueItems":
        return f"“{path}”不能有重复项"
    if validator == "format":
        return f"“{path}”的格式不正确"
    return f"“{path}”的写法不符合 JSON Schema 规范"


def check_schema(schema):
    """Errors (Chinese strings) of a schema itself: not a valid draft-2020-12 schema, bad rules."""
    problems = []
    try:
        Draft202012Validator.check_schema(schema)
    except Exception as exc:  # jsonschema.SchemaError
        problems.append(f"不是有效的 JSON Schema：{_schema_error(exc)}")
    bad = sorted(set(_bad_names(schema)))
    if bad:
        problems.append("字段名只能由英文字母、数字和下划线组成且不以数字开头：" + "、".join(repr(n)[:80] for n in bad[:10]))
    problems += options.check(schema)
    for i, rule in enumerate(schema.get(RULES_KEY, [])):
        if not isinstance(rule, dict) or not {"expression", "field", "message"} <= set(rule):
            problems.append(f"x-rules 第 {i + 1} 条须有 expression、field、message")
            continue
        problems += [f"x-rules 第 {i + 1} 条：{p}" for p in scripting.check_source(rule["expression"], "eval")]
    return problems


IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _bad_names(node):
    """Property names anywhere in a schema that are not plain identifiers (they become HTML names and ids)."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            yield from (name for name in props if not isinstance(name, str) or not IDENTIFIER.fullmatch(name))
        for value in node.values():
            yield from _bad_names(value)
    elif isinstance(node, list):
        for value in node:
            yield from _bad_names(value)


def _without_empty_optional(schema, data):
    """An optional date or file left empty is absent, not a badly formatted value (nor input to the rules)."""
    required = set(schema.get("required") or [])
    props = schema.get("properties") or {}
    return {k: v for k, v in data.items()
            if not (v in ("", None) and k not in required and isinstance(props.get(k), dict) and props[k].get("format"))}


def validate(schema, data, context=None, file_exists=None, raise_limits=False):
    """Field errors {field: message} of `data` against `schema`; `context` are workflow variables.

    A rule past a script limit is a field error, or with `raise_limits` the ScriptLimitExceeded itself
    (completing a task turns it into an incident on the instance).
    """
    if not isinstance(data, dict):
        return {"_form": "表单数据必须是对象"}
    fields = undeclared(schema, data)
    if fields:
        return fields  # a field the form does not declare never reaches the rules or the workflow
    data = _without_empty_optional(schema, data)
    token = _file_exists.set(file_exists)
    try:
        errors = sorted(Draft202012Validator(schema, format_checker=FORMATS).iter_errors(data),
                        key=lambda e: list(e.absolute_path))
    finally:
        _file_exists.reset(token)
    for error in errors:
        missing, text = _message(error, schema)
        path = list(error.absolute_path) + ([missing] if missing else [])
        fields.setdefault(_field_key(path), text)
    if fields:
        return fields  # rules read fields a failed schema cannot vouch for
    return rule_errors(schema, data, context, raise_limits)


def rule_errors(schema, data, context=None, raise_limits=False):
    """Field errors {field: message} of the form's cross-field rules (x-rules) alone."""
    fields = {}
    scope = {**(context or {}), **data}
    for rule in schema.get(RULES_KEY, []):
        try:
            ok = scripting.evaluate_expression(rule["expression"], scope)
        except NameError:
            continue  # the rule reads a variable this instance does not carry
        except scripting.ScriptLimitExceeded as exc:
            if raise_limits:
                exc.rule_field = rule["field"]
                raise
            ok = False
            rule = {**rule, "message": f"{rule['message']}（规则运行超出{exc.limit}，已中止）"}
        except Exception as exc:
            ok = False
            rule = {**rule, "message": f"{rule['message']}（规则无法计算：{exc}）"}
        if not ok:
            fields.setdefault(rule["field"], rule["message"])
    return fields


def undeclared(schema, data, path=()):
    """{field: message} for every key of `data` that the form's schema does not declare, at any depth.

    Without this a user could add `stage` or `review_passed` to any form and the completion would write it
    into the workflow; only an explicit `additionalProperties` schema admits keys the form does not list.
    """
    found = {}
    if not isinstance(schema, dict):
        return found
    props = schema.get("properties")
    if isinstance(data, dict) and isinstance(props, dict):
        extra = schema.get("additionalProperties")
        for key, value in data.items():
            if key in props:
                found.update(undeclared(props[key], value, (*path, key)))
            elif not (extra is True or isinstance(extra, dict)):
                found[_field_key((*path, key))] = f"表单未定义字段“{_field_key((*path, key))}”，不能提交"
    elif isinstance(data, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(data):
            found.update(undeclared(schema["items"], item, (*path, i)))
    return found


def with_read_only(schema, data, context):
    """`data` with each read-only top-level field set to the workflow's value, when the workflow has one.

    A `readOnly` field (e.g. 合同金额 on a 资金拨付 request) shows a figure the process already knows; what
    the browser sends back for it is not trusted, or a forged contract amount would pass the rules and
    then overwrite the workflow variable the gateways read.
    """
    context = context or {}
    read_only = [key for key, prop in (schema.get("properties") or {}).items()
                 if isinstance(prop, dict) and prop.get("readOnly")]
    if not read_only or not isinstance(data, dict):
        return data
    # Always the process's value; when the process has none, the browser's is dropped rather than trusted.
    kept = {key: value for key, value in data.items() if key not in read_only}
    return {**kept, **{key: context[key] for key in read_only if key in context}}


def example_of(schema):
    examples = schema.get("examples") or []
    return examples[0] if examples else None
