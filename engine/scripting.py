"""BPMN scripts and expressions as untrusted code (DESIGN decision 7, docs/modelling.md).

SpiffWorkflow's PythonScriptEngine hands task data to eval/exec and is no sandbox. Here every source
is first checked on its syntax tree (check_source; deploy validation calls the same function), then
run with a small allowlist of builtins and the calendar helpers as the only globals.

Two layers, so one mistake is not an escape: the static check refuses imports, names and attributes
starting with `_`, attributes that are not plain methods of JSON-like values (which closes the
`str.format` and generator-frame routes to dunders), and calls to introspection builtins; the run
time has none of those builtins to find anyway.

Not covered: CPU time. `while True: pass` still hangs a worker; only analysts and admins deploy.
"""
import ast
import builtins
import contextlib
import contextvars
import functools
import types

from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment

from . import reminders, workcalendar

MAX_SOURCE_CHARS = 20_000
MAX_EXPONENT = 10_000  # 10 ** 10_000 is instant; 10 ** 10 ** 10 is not
MAX_REPEAT = 100_000  # 'x' * n, [0] * n, 1 << n, 'x'.ljust(n) with a literal n above this are refused
NOTIFY_KINDS = ("reminder", "overdue", "supervise")
MAX_MESSAGE_CHARS = 2000


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

_PADDING_METHODS = frozenset(("ljust", "rjust", "center", "zfill", "expandtabs"))


class _Checker(ast.NodeVisitor):
    def __init__(self):
        self.errors = []

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
        if (isinstance(node.func, ast.Attribute) and node.func.attr in _PADDING_METHODS
                and any(_big(arg) for arg in node.args)):
            self.fail(node, f"{node.func.attr}() 的长度过大")
        self.generic_visit(node)

    def visit_BinOp(self, node):
        if isinstance(node.op, ast.Pow) and (
                isinstance(node.right, ast.BinOp) and isinstance(node.right.op, ast.Pow)
                or _literal_number(node.right) is not None and abs(_literal_number(node.right)) > MAX_EXPONENT):
            self.fail(node, "乘方的指数过大")
        elif isinstance(node.op, ast.Mult) and (
                _sequence(node.left) and _big(node.right) or _sequence(node.right) and _big(node.left)):
            self.fail(node, "字符串或列表的重复次数过大")
        elif isinstance(node.op, ast.LShift) and _big(node.right):
            self.fail(node, "移位的位数过大")
        self.generic_visit(node)


def _literal_number(node):
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    return None


def _big(node):
    """A literal count too large to repeat or pad by; a power of literals counts as large."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return True
    value = _literal_number(node)
    return value is not None and value > MAX_REPEAT


def _sequence(node):
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    if isinstance(node, (ast.List, ast.Tuple, ast.JoinedStr, ast.ListComp)):
        return True
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add)) and (
        _sequence(node.left) or _sequence(node.right))


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
    checker = _Checker()
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


# --- notifications -------------------------------------------------------------------------------

_outbox = contextvars.ContextVar("script_outbox", default=None)
_current_task = contextvars.ContextVar("script_current_task", default=None)


@contextlib.contextmanager
def collect_outbox():
    """Collect what scripts notify() while the block runs: `with collect_outbox() as box: ...`."""
    box = []
    token = _outbox.set(box)
    try:
        yield box
    finally:
        _outbox.reset(token)


def notify(to, kind, message):
    """Queue a notification for the runtime to store; `to` is a group code or "owner"."""
    if kind not in NOTIFY_KINDS:
        raise ScriptRejected(f"notify 的类型“{kind}”无效，应为 {' / '.join(NOTIFY_KINDS)}")
    if not isinstance(to, str) or not to.strip():
        raise ScriptRejected("notify 的接收方必须是组代码或 \"owner\"")
    if not isinstance(message, str) or not message.strip():
        raise ScriptRejected("notify 的消息不能为空")
    box = _outbox.get()
    if box is None:  # losing a 督办 silently would be worse than failing the step
        raise RuntimeError("notify() called outside collect_outbox()")
    task = _current_task.get()
    box.append({
        "to": to.strip(),
        "kind": kind,
        "message": message[:MAX_MESSAGE_CHARS],
        "task_id": str(task.id) if task is not None else None,
        "task_bpmn_id": getattr(task.task_spec, "bpmn_id", None) if task is not None else None,
        "due_at": reminders.timer_moment(task) if kind == "reminder" and task is not None else None,
    })


def helper_globals():
    """The names a script sees besides SAFE_BUILTINS and its task data."""
    names = {name: getattr(workcalendar, name) for name in workcalendar.HELPERS}
    names["notify"] = notify
    return names


# --- SpiffWorkflow integration ---------------------------------------------------------------------

def _is_data(value):
    return not (callable(value) or isinstance(value, types.ModuleType) or hasattr(value, "__next__"))


class SandboxEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment that checks every source and runs it with SAFE_BUILTINS only."""

    def __init__(self, environment_globals=None):
        super().__init__({**helper_globals(), **(environment_globals or {})})

    def evaluate(self, expression, context, external_context=None):
        code = compiled(expression, "eval")
        scope = dict(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        scope["__builtins__"] = SAFE_BUILTINS  # last: task data must not bring its own
        return eval(code, scope)

    def execute(self, script, context, external_context=None):
        code = compiled(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(self.globals)
        context.update(external_context or {})
        context["__builtins__"] = SAFE_BUILTINS
        try:
            exec(code, context)
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def _remove_globals_and_functions_from_context(self, context, external_context=None):
        # Task data is serialized as JSON: also drop modules, classes and iterators a script left.
        super()._remove_globals_and_functions_from_context(context, external_context)
        for key in [key for key, value in context.items() if not _is_data(value)]:
            del context[key]


class ScriptEngine(PythonScriptEngine):
    """The script engine every workflow of this system runs with (attach again after deserializing)."""

    def __init__(self, environment=None):
        super().__init__(environment or SandboxEnvironment())

    def validate(self, expression):
        ast.parse(expression)  # SyntaxError first: the DMN engine probes with it
        compiled(expression, "eval")

    def evaluate(self, task, expression, external_context=None):
        token = _current_task.set(task)
        try:
            return super().evaluate(task, expression, external_context)
        finally:
            _current_task.reset(token)

    def execute(self, task, script, external_context=None):
        token = _current_task.set(task)
        try:
            return super().execute(task, script, external_context)
        finally:
            _current_task.reset(token)


def make_script_engine():
    return ScriptEngine()


_plain_environment = SandboxEnvironment()


def evaluate_expression(expression, context=None):
    """Evaluate an expression outside SpiffWorkflow (due dates, form rules) in the same sandbox."""
    return _plain_environment.evaluate(expression, dict(context or {}))
