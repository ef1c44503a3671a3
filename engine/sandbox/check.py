"""The static check every script and expression passes, at deploy and again before it runs.

It refuses imports, names and attributes starting with `_`, attributes that are not plain methods of
JSON-like values (which closes the `str.format` and generator-frame routes to dunders), calls to
introspection builtins, and what bombs.py proves would take all memory or CPU. Whatever gets past it
still runs in a worker process under CPU, memory and wall-clock limits (pool.py); this module imports
nothing of SpiffWorkflow or Flask, so that worker starts quickly.
"""
import ast
import builtins
import functools

from . import bombs

MAX_SOURCE_CHARS = 20_000


class ScriptRejected(Exception):
    """A script or expression broke the sandbox rules; args[0] is the Chinese message for people."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = list(errors or [message])


_SAFE_NAMES = (
    "abs all any bool dict enumerate float int len list max min range round set sorted str sum tuple zip "
    "isinstance"
).split()
_SAFE_EXCEPTIONS = (
    Exception, ValueError, TypeError, KeyError, IndexError, LookupError, ArithmeticError, ZeroDivisionError,
)
SAFE_BUILTINS = {name: getattr(builtins, name) for name in _SAFE_NAMES}
SAFE_BUILTINS.update({"True": True, "False": False, "None": None})
SAFE_BUILTINS.update({exc.__name__: exc for exc in _SAFE_EXCEPTIONS})

# Called by name, these reach outside the sandbox or into objects' insides; a clear deploy error beats
# a NameError at run time (where they are absent from SAFE_BUILTINS anyway).
FORBIDDEN_CALLS = frozenset((
    "open eval exec compile getattr setattr delattr hasattr globals locals vars dir __import__ input "
    "breakpoint help type object super memoryview classmethod staticmethod property exit quit"
).split())

# Task data is JSON, so the only attributes a script needs are the methods of JSON-like values.
# format/format_map resolve "{0.__class__}" at run time, out of the checker's sight.
ALLOWED_ATTRIBUTES = frozenset(
    name
    for kind in (str, int, float, bool, list, tuple, dict, set, frozenset)
    for name in dir(kind)
    if not name.startswith("_")
) - {"format", "format_map", "mro"}


class _Checker(ast.NodeVisitor):
    def __init__(self, constants):
        self.errors = []
        self.constants = constants  # name -> the largest literal-built value it is ever given

    def fail(self, node, message):
        self.errors.append(f"第{getattr(node, 'lineno', 1)}行：{message}")

    def name(self, node, identifier):
        # The bare `_` is the usual throwaway name and reaches nothing.
        if identifier and identifier.startswith("_") and identifier != "_":
            self.fail(node, f"不允许使用以下划线开头的名称“{identifier}”")

    def attribute(self, node, attr):
        if attr.startswith("_"):
            self.fail(node, f"不允许访问以下划线开头的属性“{attr}”")
        elif attr not in ALLOWED_ATTRIBUTES:
            self.fail(node, f"不允许访问属性“{attr}”")

    def visit_Import(self, node):
        self.fail(node, "不允许导入模块（import）")

    visit_ImportFrom = visit_Import

    def visit_Global(self, node):
        self.fail(node, "不允许使用 global / nonlocal")

    visit_Nonlocal = visit_Global

    def visit_ClassDef(self, node):
        self.fail(node, "不允许定义类（class）")

    def visit_async(self, node):
        self.fail(node, "不允许使用异步代码（async / await）")

    visit_AsyncFunctionDef = visit_AsyncFor = visit_AsyncWith = visit_Await = visit_async

    def visit_Yield(self, node):
        self.fail(node, "不允许使用 yield")

    visit_YieldFrom = visit_Yield

    def visit_Name(self, node):
        self.name(node, node.id)

    def visit_Attribute(self, node):
        self.attribute(node, node.attr)
        self.generic_visit(node)

    def visit_keyword(self, node):
        self.name(node, node.arg)
        self.generic_visit(node)

    def visit_arg(self, node):
        self.name(node, node.arg)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        self.name(node, node.name)
        self.generic_visit(node)

    def visit_ExceptHandler(self, node):
        self.name(node, node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node):
        self.name(node, node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node):
        self.name(node, node.name)

    def visit_MatchMapping(self, node):
        self.name(node, node.rest)
        self.generic_visit(node)

    def visit_MatchClass(self, node):
        for attr in node.kwd_attrs:  # `case str(__class__=c)` reads an attribute by name
            self.attribute(node, attr)
        self.generic_visit(node)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self.fail(node, f"不允许调用 {node.func.id}()")
        for message in bombs.call_problems(node, self.constants):
            self.fail(node, message)
        self.generic_visit(node)

    def visit_BinOp(self, node):
        for message in bombs.binop_problems(node, self.constants):
            self.fail(node, message)
        self.generic_visit(node)

    def visit_JoinedStr(self, node):
        for message in bombs.fstring_problems(node):
            self.fail(node, message)
        self.generic_visit(node)

    def visit_While(self, node):
        for message in bombs.loop_problems(node, self.constants):
            self.fail(node, message)
        self.generic_visit(node)

    visit_For = visit_While


def _prepare(source, mode):
    if mode not in ("exec", "eval"):
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    # eval() of a string ignores leading blanks; keep that, since SpiffWorkflow's expressions rely on it.
    return source.lstrip(" \t") if mode == "eval" else source


@functools.lru_cache(maxsize=4096)
def _check(source, mode):
    if len(source) > MAX_SOURCE_CHARS:
        return (f"第1行：脚本过长（{len(source)} 个字符，上限 {MAX_SOURCE_CHARS}）",)
    try:
        tree = ast.parse(_prepare(source, mode), mode=mode)
    except SyntaxError as err:
        return (f"第{err.lineno or 1}行：语法错误：{err.msg}",)
    except ValueError:  # e.g. NUL bytes
        return ("第1行：脚本包含非法字符",)
    checker = _Checker(bombs.constants_of(tree))
    checker.visit(tree)
    return tuple(checker.errors)


def check_source(source, mode="exec"):
    """Chinese, line-numbered reasons why this script ('exec') or expression ('eval') may not run."""
    if not isinstance(source, str):
        return ["第1行：脚本必须是文本"]
    return list(_check(source, mode))


@functools.lru_cache(maxsize=4096)
def _compiled(source, mode):
    errors = _check(source, mode)
    if errors:
        kind = "表达式" if mode == "eval" else "脚本"
        raise ScriptRejected(f"{kind}不符合安全规则：" + "；".join(errors), errors)
    # '<string>' is the file name SpiffWorkflow looks for to report the failing line.
    return compile(_prepare(source, mode), "<string>", mode)


def compiled(source, mode="exec"):
    """The code object of a source that passed check_source, else ScriptRejected."""
    if not isinstance(source, str):
        raise ScriptRejected("脚本必须是文本")
    return _compiled(source, mode)
