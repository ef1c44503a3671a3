"""Reading a posted form back: request.form (and files) -> typed data and field errors."""
from ..records import db_int
from .schema import _join, _text, _type, kind_of, resolve


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
            index = db_int(head)
            if index is not None and 0 <= index < 10000:
                indexes.add(index)
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
