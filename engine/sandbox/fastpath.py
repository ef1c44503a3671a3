"""Expressions that are provably cheap run in the calling process; everything else goes to a worker.

An expression qualifies when its syntax alone bounds its cost by the size of the task data it reads:
no loops or comprehensions, no repetition (`*`, `**`, `<<`, `%`), few concatenations, calls only to the
calendar helpers (bounded themselves) and a few builtins that do one pass, f-strings without computed
format specs. `approved == True`, `budget_wan <= 1000`, `end_of_day(report_due)` are typical: most
conditions, timer expressions, due dates and form rules. Such an expression cannot loop or allocate
more than a small multiple of what the process already holds, so a round trip to a worker would buy
nothing. It still passes the full check (check.py) first.
"""
import ast
import functools

from engine import workcalendar

MAX_NODES = 80
MAX_CONCATENATIONS = 4
_CALLS = frozenset(workcalendar.HELPERS) | {"len", "str", "int", "float", "bool", "abs", "isinstance"}  # not round(): round(5, -10**9)
_NODES = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.IfExp,
    ast.Subscript, ast.Slice, ast.Tuple, ast.List, ast.Dict, ast.Set, ast.Call, ast.keyword, ast.JoinedStr,
    ast.FormattedValue, ast.BinOp, ast.Attribute,
    ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In,
    ast.NotIn, ast.Is, ast.IsNot, ast.Add, ast.Sub, ast.Div, ast.FloorDiv,
)
# Methods that make one pass over a value and return something no larger (get, strip, startswith, ...).
_METHODS = frozenset("get strip lstrip rstrip startswith endswith lower upper isdigit keys values items count".split())


@functools.lru_cache(maxsize=4096)
def is_cheap(source):
    try:
        tree = ast.parse(source.lstrip(" \t"), mode="eval")
    except (SyntaxError, ValueError):
        return False
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        return False
    concatenations = 0
    for node in nodes:
        if not isinstance(node, _NODES):
            return False
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            concatenations += 1
        elif isinstance(node, ast.Call) and not _cheap_call(node):
            return False
        elif isinstance(node, ast.Attribute) and not _is_called(node, nodes):
            return False
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            return False
    return concatenations <= MAX_CONCATENATIONS


def _cheap_call(node):
    if isinstance(node.func, ast.Name):
        return node.func.id in _CALLS
    return isinstance(node.func, ast.Attribute) and node.func.attr in _METHODS


def _is_called(attribute, nodes):
    return any(isinstance(n, ast.Call) and n.func is attribute for n in nodes)
