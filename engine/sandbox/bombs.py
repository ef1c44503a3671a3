"""What the static check can prove would take all memory or CPU: literal-built huge counts and loops.

Names are followed through plain assignments (`n = 10**10; x = 'a' * n`): each name keeps the largest
value built from literals that it is ever given, so reassigning a small value does not talk the check
round. What it cannot prove (sizes that come from task data, most loops) the run-time limits catch.
"""
import ast
import math
import re

MAX_EXPONENT = 10_000  # 10 ** 10_000 is instant; 10 ** 10 ** 10 is not
MAX_REPEAT = 100_000  # 'x' * n, [0] * n, 1 << n, 'x'.ljust(n), n.to_bytes(n) with n above this are refused
MAX_RANGE = 10_000_000  # range(n) above this: sum(range(10**12)) loops in C for hours
MAX_BITS = 400_000  # the checker computes literal arithmetic only while numbers stay this small
LONG_LOOP = 32  # doubling a text this many times is already gigabytes


class Big:
    """A literal-built number too large to compute: larger than every limit here."""

    def __repr__(self):
        return "BIG"


BIG = Big()
_SIZED_METHODS = frozenset(("ljust", "rjust", "center", "zfill", "expandtabs", "to_bytes"))
_WIDTH = re.compile(r"\d{7,}")  # a format width of a million characters or more


def _bits(value):
    return abs(int(value)).bit_length() if isinstance(value, int) else 64


def value_of(node, constants):
    """The value of an expression built from literals and names with known values; BIG or None."""
    if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
        return node.value if isinstance(node.value, (int, float, str, bytes)) else None
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [] if not node.elts else list(node.elts)  # only its being a sequence matters
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = value_of(node.operand, constants)
        if value is BIG or not isinstance(value, (int, float)):
            return value if value is BIG else None
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        return _binop(node.op, value_of(node.left, constants), value_of(node.right, constants))
    return None


def _number(value):
    return value is BIG or isinstance(value, (int, float)) and not isinstance(value, bool)


def _binop(op, left, right):
    if not (_number(left) and _number(right)):
        if isinstance(op, ast.Mult) and (is_sequence_value(left) or is_sequence_value(right)):
            count = right if is_sequence_value(left) else left
            return BIG if count is BIG or _number(count) and count > MAX_REPEAT else ""
        if isinstance(op, ast.Add) and is_sequence_value(left) and is_sequence_value(right):
            return ""
        return None
    if isinstance(op, ast.Pow):
        if right is BIG or left is BIG:
            return BIG if right is BIG or right > 1 else None
        if abs(left) > 1 and right > 0 and right * math.log2(abs(left)) > MAX_BITS:
            return BIG
    elif isinstance(op, (ast.Add, ast.Sub, ast.Mult)):
        if left is BIG or right is BIG:
            return BIG
        if isinstance(op, ast.Mult) and _bits(left) + _bits(right) > MAX_BITS:
            return BIG
    elif isinstance(op, ast.LShift):
        if right is BIG or right > MAX_BITS or left is BIG:
            return BIG
    elif left is BIG or right is BIG:
        return None
    try:
        return {ast.Add: lambda: left + right, ast.Sub: lambda: left - right, ast.Mult: lambda: left * right,
                ast.Pow: lambda: left ** right, ast.LShift: lambda: left << right,
                ast.FloorDiv: lambda: left // right, ast.Div: lambda: left / right,
                ast.Mod: lambda: left % right}[type(op)]()
    except (KeyError, ArithmeticError, TypeError, ValueError):
        return None


def is_sequence_value(value):
    return isinstance(value, (str, bytes, list))


def _large(value):
    return value is BIG or _number(value) and abs(value) > MAX_REPEAT


def _assignments(tree):
    """(target name, value node, augmented operator or None) of every plain assignment, in source order."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            found += [(t.id, node.value, None, node) for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) and isinstance(node.target, ast.Name):
            if node.value is not None:
                found.append((node.target.id, node.value, getattr(node, "op", None), node))
    return sorted(found, key=lambda item: (item[3].lineno, item[3].col_offset))


def constants_of(tree):
    """name -> the largest literal-built value it is given (BIG beats any number; a text marks a sequence)."""
    constants = {}
    for name, value_node, op, _ in _assignments(tree):
        value = value_of(value_node, constants)
        if op is not None:
            value = _binop(op, constants.get(name), value) if name in constants else None
        if value is None:
            continue
        old = constants.get(name)
        if old is BIG or _number(old) and _number(value) and value is not BIG and abs(value) <= abs(old):
            continue
        constants[name] = value
    return constants


def binop_problems(node, constants):
    left, right = value_of(node.left, constants), value_of(node.right, constants)
    op = node.op
    if isinstance(op, ast.Pow):
        nested = isinstance(node.right, ast.BinOp) and isinstance(node.right.op, ast.Pow)
        if nested or right is BIG or _number(right) and abs(right) > MAX_EXPONENT and left not in (0, 1, -1):
            return ["乘方的指数过大"]
    elif isinstance(op, ast.Mult):
        if is_sequence_value(left) and _large(right) or is_sequence_value(right) and _large(left):
            return ["字符串或列表的重复次数过大"]
    elif isinstance(op, ast.LShift) and _large(right):
        return ["移位的位数过大"]
    elif isinstance(op, ast.Mod) and isinstance(left, str) and _WIDTH.search(left):
        return ["格式化的宽度过大"]
    return []


def call_problems(node, constants):
    values = [value_of(arg, constants) for arg in node.args] + [value_of(k.value, constants) for k in node.keywords]
    if isinstance(node.func, ast.Attribute) and node.func.attr in _SIZED_METHODS and any(map(_large, values)):
        return [f"{node.func.attr}() 的长度过大"]
    if isinstance(node.func, ast.Name) and node.func.id == "range" and _range_too_long(values[:3]):
        return [f"range() 的范围过大（超过 {MAX_RANGE:,} 项）"]
    return []


def _range_too_long(values):
    if any(v is None for v in values) or len(values) == 0:
        return any(v is BIG for v in values) or len(values) == 1 and _number(values[0]) and values[0] > MAX_RANGE
    if any(v is BIG for v in values):
        return True
    if not all(isinstance(v, int) for v in values):
        return False
    start, stop, step = (0, values[0], 1) if len(values) == 1 else (values + [1])[:3]
    return step != 0 and (stop - start) // step > MAX_RANGE


def fstring_problems(node):
    for part in node.values:
        spec = getattr(part, "format_spec", None)
        if spec is not None and any(isinstance(v, ast.Constant) and _WIDTH.search(str(v.value)) for v in spec.values):
            return ["格式化的宽度过大"]
    return []


def loop_problems(node, constants):
    """`while True` with no way out; a text or list doubled in a loop that runs long or for ever."""
    problems = []
    forever = isinstance(node, ast.While) and isinstance(node.test, ast.Constant) and bool(node.test.value)
    if forever and not _exits(node.body):
        problems.append("循环永远不会结束（while True 中没有 break / return）")
    if isinstance(node, ast.While) or _iterations(node, constants) > LONG_LOOP:
        for name in _doubled(node.body, constants):
            problems.append(f"循环中反复加倍“{name}”，其长度会指数增长")
    return problems


def _exits(body):
    """Whether a break (of this loop, not an inner one), return or raise appears in the body."""
    for stmt in body:
        for node in _walk_outside_loops(stmt):
            if isinstance(node, (ast.Break, ast.Return, ast.Raise)):
                return True
    return False


def _walk_outside_loops(node):
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.For, ast.While)):
            # an inner loop's break leaves only that loop, but its return or raise leaves this one too
            yield from (n for n in ast.walk(child) if isinstance(n, (ast.Return, ast.Raise)))
        elif not isinstance(child, (ast.FunctionDef, ast.Lambda)):
            yield from _walk_outside_loops(child)


def _iterations(node, constants):
    """How many times a for loop runs, when its iterable is a range of literal-built bounds; else unknown."""
    iterable = node.iter
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range":
        values = [value_of(arg, constants) for arg in iterable.args]
        if values and all(isinstance(v, int) for v in values):
            start, stop, step = (0, values[0], 1) if len(values) == 1 else (values + [1])[:3]
            return max(0, (stop - start) // step) if step else 0
        return math.inf
    return math.inf


def _mentions(node, name):
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == name)


def _doubled(body, constants):
    """Names of sequences that a statement in the body makes from two copies of themselves, or multiplies."""
    found = []
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                name = node.target.id
                grows = (isinstance(node.op, ast.Add) and _mentions(node.value, name)
                         or isinstance(node.op, ast.Mult))
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                grows = (isinstance(node.value, ast.BinOp) and isinstance(node.value.op, (ast.Add, ast.Mult))
                         and (_mentions(node.value, name) >= 2 or isinstance(node.value.op, ast.Mult)
                              and _mentions(node.value, name)))
            else:
                continue
            if grows and is_sequence_value(constants.get(name)) and name not in found:
                found.append(name)
    return found
