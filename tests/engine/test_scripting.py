"""The script sandbox: static refusals, run-time refusals, helpers, notify, and a real SpiffWorkflow run."""
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine import scripting
from engine.scripting import (
    SAFE_BUILTINS, SandboxEnvironment, ScriptRejected, check_source, collect_outbox, evaluate_expression,
    make_script_engine, notify,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

ESCAPES = {
    "import": "import os\nos.system('id')",
    "from_import": "from subprocess import run",
    "subclasses": "x = ().__class__.__bases__[0].__subclasses__()",
    "open": "data = open('/etc/passwd').read()",
    "getattr": "x = getattr(1, '__class__')",
    "builtins": "x = __builtins__",
    "dunder_import": "os = __import__('os')",
    "format": "x = '{0.__class__.__mro__}'.format(1)",
    "format_map": "x = '{a.__class__}'.format_map({'a': 1})",
    "str_format": "x = str.format('{0.__class__}', 1)",
    "frame": "g = (i for i in [1])\nx = g.gi_frame.f_back.f_globals",
    "eval": "x = eval('1')",
    "exec": "exec('x = 1')",
    "type": "x = type('A', (), {})",
    "class": "class A:\n    pass",
    "global": "def f():\n    global x\n    x = 1",
    "async": "async def f():\n    pass",
    "lambda_dunder": "f = lambda __x: __x",
    "keyword": "x = dict(__class__=1)",
    "match": "match '':\n    case str(__class__=c):\n        pass",
    "vars": "x = vars()",
    "pow_bomb": "x = 10 ** 10 ** 10",
    "big_pow": "x = 2 ** 100000000",
    "repeat_bomb": "x = 'a' * 10 ** 12",
    "repeat_bomb_2": "x = [0] * 1000000000",
    "pad_bomb": "x = 'a'.ljust(10 ** 10)",
    "shift_bomb": "x = 1 << 10000000000",
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escapes_are_rejected_by_the_checker(name):
    errors = check_source(ESCAPES[name], "exec")
    assert errors, name
    assert all(error.startswith("第") for error in errors)


@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_escapes_are_refused_at_run_time(name):
    context = {"month": "2025-10"}
    with pytest.raises(ScriptRejected):
        SandboxEnvironment().execute(ESCAPES[name], context)
    assert "x" not in context and "data" not in context


def test_errors_carry_line_numbers():
    errors = check_source("a = 1\nb = 2\nimport os\nc = a.__dict__", "exec")
    assert errors[0].startswith("第3行") and "import" in errors[0]
    assert errors[1].startswith("第4行") and "__dict__" in errors[1]
    assert check_source("a = (1,\nb = 2", "exec")[0].startswith("第1行：语法错误")
    assert check_source("x +", "eval")[0].startswith("第1行：语法错误")


def test_source_length_limit():
    assert "脚本过长" in check_source("x = 1\n" * 5000)[0]


def test_expressions_are_checked_too():
    assert check_source("().__class__", "eval")
    with pytest.raises(ScriptRejected, match="表达式不符合安全规则"):
        evaluate_expression("open('/etc/passwd')")
    with pytest.raises(ScriptRejected):
        evaluate_expression("x.__class__", {"x": 1})


def test_forbidden_builtins_are_absent_even_when_called_indirectly():
    # `f = getattr` passes the call check, but the run time has no such builtin.
    assert check_source("f = getattr\ny = f(1, 'real')") == []
    with pytest.raises(NameError):
        SandboxEnvironment().execute("f = getattr\ny = f(1, 'real')", {})
    for name in ("open", "getattr", "eval", "exec", "__import__", "type", "print", "globals"):
        assert name not in SAFE_BUILTINS


def test_task_data_cannot_smuggle_builtins():
    import builtins

    with pytest.raises(NameError):
        SandboxEnvironment().evaluate("open", {"__builtins__": builtins.__dict__})


def test_ordinary_code_passes():
    source = (
        "total = sum(item['amount'] for item in items)\n"
        "names = sorted({item['name'].strip().upper() for item in items})\n"
        "ok = isinstance(total, int) and all(x > 0 for x in [1, 2])\n"
        "label = f'{len(names)} 项，共 {total} 万元'\n"
        "for _ in range(2):\n"
        "    total += 0\n"
        "try:\n"
        "    bad = int('x')\n"
        "except ValueError:\n"
        "    bad = None\n"
        "size = 2 ** 10\n"
        "line = '-' * 20\n"
    )
    assert check_source(source) == []
    context = {"items": [{"name": " a ", "amount": 3}, {"name": "b", "amount": 4}]}
    SandboxEnvironment().execute(source, context)
    assert context["total"] == 7 and context["names"] == ["A", "B"] and context["ok"] is True
    assert context["label"] == "2 项，共 7 万元" and context["bad"] is None
    assert "__builtins__" not in context


def test_helpers_work_in_scripts_and_expressions():
    assert evaluate_expression("report_deadline(month)", {"month": "2025-09"}) == "2025-09-22"
    assert evaluate_expression("end_of_day(declaration_deadline(build_year))", {"build_year": 2026}) \
        == "2025-07-01T00:00:00+08:00"
    assert evaluate_expression("add_months('2025-01-31', 1)") == "2025-02-28"
    assert evaluate_expression("  is_workday('2025-10-01')") is False  # leading blanks, as eval() allows
    assert evaluate_expression("max(len(x), 3)", {"x": [1]}) == 3
    context = {"accepted_on": "2025-09-01"}
    SandboxEnvironment().execute("due = month_deadline(accepted_on)\nnext = next_month(month_of(due))", context)
    assert context == {"accepted_on": "2025-09-01", "due": "2025-10-09", "next": "2025-11"}


def test_non_data_values_do_not_stay_in_task_data():
    context = {}
    SandboxEnvironment().execute(
        "def helper(x):\n    return x + 1\nvalue = helper(1)\nkind = str\npairs = zip([1], [2])\nf = lambda: 1",
        context,
    )
    assert context == {"value": 2}


def test_evaluate_expression_does_not_touch_the_context():
    context = {"a": [1]}
    assert evaluate_expression("a.append(2) or a", context) == [1, 2]
    assert context == {"a": [1]}  # the worker has its own copy: nothing comes back but the value
    assert set(context) == {"a"}


def test_notify_lands_in_the_outbox():
    with collect_outbox() as box:
        SandboxEnvironment().execute('notify("sgj", "supervise", "进度表逾期：" + month)', {"month": "2025-10"})
        notify("owner", "reminder", "请按时提交")
    assert box == [
        {"to": "sgj", "kind": "supervise", "message": "进度表逾期：2025-10", "task_id": None, "task_bpmn_id": None,
         "due_at": None},
        {"to": "owner", "kind": "reminder", "message": "请按时提交", "task_id": None, "task_bpmn_id": None,
         "due_at": None},
    ]


def test_notify_validates_its_arguments():
    with collect_outbox() as box:
        with pytest.raises(ScriptRejected, match="类型"):
            notify("sgj", "spam", "x")
        with pytest.raises(ScriptRejected, match="接收方"):
            notify("", "reminder", "x")
        with pytest.raises(ScriptRejected, match="消息"):
            notify("sgj", "reminder", "  ")
    assert box == []
    with pytest.raises(RuntimeError):
        notify("sgj", "reminder", "无人收集")


def test_outboxes_are_separate_per_block():
    with collect_outbox() as outer:
        notify("sgj", "reminder", "外层")
        with collect_outbox() as inner:
            notify("fgw", "reminder", "内层")
        notify("czj", "reminder", "外层2")
    assert [item["to"] for item in outer] == ["sgj", "czj"]
    assert [item["to"] for item in inner] == ["fgw"]


def test_checks_are_cached():
    scripting._check.cache_clear()
    check_source("x = 1")
    check_source("x = 1")
    assert scripting._check.cache_info().hits == 1


def _workflow(data):
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(FIXTURES / "sandbox_script.bpmn")])
    spec = parser.get_spec("sandbox_script")
    workflow = BpmnWorkflow(spec, script_engine=make_script_engine())
    workflow.get_tasks(spec_name="start")[0].data.update(data)
    return workflow


def test_a_real_workflow_runs_in_the_sandbox():
    workflow = _workflow({"month": "2025-09", "months": ["2025-07", "2025-08", "2025-09"]})
    with collect_outbox() as box:
        workflow.do_engine_steps()
    assert workflow.completed
    data = workflow.get_tasks(spec_name="end")[0].data
    assert data["report_due"] == "2025-09-22"
    assert data["late_months"] == ["2025-07", "2025-08"]
    assert data["supervised"] is True and data["stage"] == "实施"
    assert [(item["to"], item["kind"], item["task_bpmn_id"]) for item in box] == [
        ("owner", "reminder", "compute_due"),
        ("sgj", "supervise", "supervise"),
    ]
    assert box[0]["message"] == "请于2025-09-22前提交2025-09进度表"
    assert box[1]["message"] == "逾期月份：2025-07、2025-08"
    assert not any(callable(value) for value in data.values())


def test_a_workflow_takes_the_default_path_when_nothing_is_late():
    workflow = _workflow({"month": "2026-02", "months": ["2026-02"]})
    with collect_outbox() as box:
        workflow.do_engine_steps()
    assert workflow.completed
    assert workflow.get_tasks(spec_name="end")[0].data["report_due"] == "2026-02-24"
    assert [item["kind"] for item in box] == ["reminder"]


def test_a_rejected_script_stops_the_workflow():
    workflow = _workflow({"month": "2025-09", "months": []})
    workflow.spec.task_specs["compute_due"].script = "report_due = ().__class__.__bases__[0].__subclasses__()"
    with collect_outbox(), pytest.raises(WorkflowException) as caught:
        workflow.do_engine_steps()
    assert "不允许访问以下划线开头的属性" in str(caught.value)
    assert not workflow.completed
