"""Deploy refuses what it can prove dangerous, in every place a model carries code: scripts, conditions,
timer expressions, form rules (x-rules) and DMN cells. Built from tests/fixtures/limits, which deploys."""
from pathlib import Path

import pytest

from engine import registry
from engine.sandbox.check import check_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "limits"

# The bombs of the issue, and what a small literal can be talked into.
BOMBS = {
    "repeat_through_a_name": "n = 10**10\nx = 'a' * n",
    "power_through_a_name": "e = 10**8\nx = 10**e",
    "fromkeys": "x = dict.fromkeys(range(10**9))",
    "to_bytes": "x = (1).to_bytes(10**9, 'big')",
    "doubling_while": "s = 'ab'\nwhile len(s) > 0:\n    s = s + s",
    "doubling_for": "s = 'ab'\nfor i in range(100):\n    s += s",
    "sum_in_c": "x = sum(range(10**12))",
    "while_true": "while True:\n    pass",
    "reassigned": "n = 10\nn = n ** 10\nx = [0] * n",
    "format_width": "x = f'{1:>1000000000}'",
    "percent_width": "x = '%1000000000d' % 1",
    "augmented": "n = 1000\nn *= 10**6\nx = 'a' * n",
}

FINE = [
    "total = 0\nfor i in range(2020, 2031):\n    total += i",
    "while True:\n    if budget_wan > 0:\n        break",
    "s = 'ab'\nfor i in range(3):\n    s += s",
    "x = 2 ** 10 + 1.05 ** 30",
    "x = budget_wan * 10000",
    "n = 10 ** 9\nlabel = str(n)",
]


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_are_refused(name):
    assert check_source(BOMBS[name]), name


@pytest.mark.parametrize("source", FINE)
def test_ordinary_code_is_not(source):
    assert check_source(source) == []


def _files(**replace):
    files = registry.read_model_dir(FIXTURES)
    for name, (old, new) in replace.items():
        assert old in files[name]
        files[name] = files[name].replace(old, new)
    return files


def _problems(files):
    problems, _ = registry.validate(files)
    return [p for p in problems]


def test_the_fixture_itself_deploys():
    assert _problems(_files()) == []


@pytest.mark.parametrize("file, old, new, element", [
    ("bpmn/bounded.bpmn", "worked = True", "n = 10**10\nx = 'a' * n", "work"),
    ("bpmn/bounded.bpmn", '(mode != "cond" or sum(range(n)) &gt;= 0)', "(sum(range(10**12)) &gt;= 0)", "route"),
    ("bpmn/bounded.bpmn", '"PT1S" if mode != "timer" else', '"PT1S" if (1).to_bytes(10**9, "big") else', "wait"),
    ("bpmn/bounded.dmn", "? &gt;= 0 and", "? &gt;= 0 and len(dict.fromkeys(range(10**9))) and", "decide"),
    ("bpmn/bounded.dmn", '<text>"ok"</text>', "<text>'a' * 10**10</text>", "decide"),
    ("bpmn/bounded.dmn", "<text>size</text>", "<text>10**10**10</text>", "decide"),
])
def test_deploy_refuses_a_bomb_wherever_a_model_runs_code(file, old, new, element):
    problems = _problems(_files(**{file: (old, new)}))
    assert problems, (file, new)
    if file.endswith(".bpmn"):
        assert problems[0]["element_id"] == element, problems
    else:  # named by the decision table's own elements (engine/dmncheck.py)
        assert problems[0]["file"] == file and "决策表" in problems[0]["message"], problems


def test_deploy_refuses_a_form_rule_bomb():
    files = _files(**{"forms/bounded.schema.json": ("mode != 'rule' or sum(range(n)) >= 0",
                                                    "len('a' * 10**12) > 0")})
    problems = _problems(files)
    assert problems and problems[0]["file"] == "forms/bounded.schema.json" and "x-rules" in problems[0]["message"]


def test_a_dmn_cell_that_imports_is_refused():
    problems = _problems(_files(**{"bpmn/bounded.dmn": ('<text>"ok"</text>', "<text>__import__('os')</text>")}))
    assert problems and "决策表" in problems[0]["message"]
