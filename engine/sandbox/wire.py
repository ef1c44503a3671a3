"""The messages between a web or scheduler process and its script workers: length-prefixed JSON.

JSON, not pickle: a worker runs untrusted code, and unpickling what it sends back could run code in the
parent. Task data is JSON anyway; the few Python values SpiffWorkflow keeps in it travel tagged.
"""
import datetime as dt
import decimal
import json
import os
import struct

TAG = "__t"
_HEADER = struct.Struct(">I")


class WireError(Exception):
    """A value that cannot cross to a worker, or a broken message."""


def _tagged(kind, value):
    return {TAG: kind, "v": value}


def encode_value(value):
    """`value` as JSON-able data; anything outside JSON and a few tagged types is refused."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else _tagged("float", repr(value))
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and TAG not in value:
            return {k: encode_value(v) for k, v in value.items()}
        return _tagged("dict", [[encode_value(k), encode_value(v)] for k, v in value.items()])
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, tuple):
        return _tagged("tuple", [encode_value(v) for v in value])
    if isinstance(value, (set, frozenset)):
        return _tagged("set", [encode_value(v) for v in value])
    if isinstance(value, dt.datetime):
        return _tagged("datetime", value.isoformat())
    if isinstance(value, dt.date):
        return _tagged("date", value.isoformat())
    if isinstance(value, dt.timedelta):
        return _tagged("timedelta", [value.days, value.seconds, value.microseconds])
    if isinstance(value, decimal.Decimal):
        return _tagged("decimal", str(value))
    raise WireError(f"数据中含有不支持的类型 {type(value).__name__}")


_DECODERS = {
    "float": float,
    "dict": lambda v: {_freeze(decode_value(k)): decode_value(x) for k, x in v},
    "tuple": lambda v: tuple(decode_value(x) for x in v),
    "set": lambda v: {_freeze(decode_value(x)) for x in v},
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "timedelta": lambda v: dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "decimal": decimal.Decimal,
}


def _freeze(key):
    if isinstance(key, (list, dict, set)):
        raise WireError("字典的键或集合的元素不可哈希")
    return key


def decode_value(data):
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if isinstance(data, dict):
        kind = data.get(TAG)
        if kind is None:
            return {k: decode_value(v) for k, v in data.items()}
        decoder = _DECODERS.get(kind)
        if decoder is None:
            raise WireError(f"未知的数据类型标记 {kind!r}")
        return decoder(data["v"])
    return data


def send(fd, message):
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    data = _HEADER.pack(len(body)) + body
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exactly(fd, size, wait=None):
    """`size` bytes from fd; `wait(seconds_left)` blocks until readable or raises; None at end of file."""
    chunks, remaining = [], size
    while remaining:
        if wait is not None:
            wait()
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(fd, max_bytes, wait=None):
    """The next message, or None at end of file. A message above max_bytes raises WireError."""
    header = read_exactly(fd, _HEADER.size, wait)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > max_bytes:
        raise WireError(f"脚本结果过大（{size} 字节，上限 {max_bytes}）")
    body = read_exactly(fd, size, wait)
    if body is None:
        return None
    return json.loads(body)
