"""Decision tables are checked at deploy: conditions valid, inputs known to the model, hit policy holds."""
from pathlib import Path

import pytest

from engine import registry

ROOT = Path(__file__).resolve().parents[2]
DMN = "bpmn/establishment-route.dmn"


@pytest.fixture(scope="module")
def files():
    return registry.read_model_dir(ROOT)


def _problems(files, old, new):
    changed = dict(files)
    assert old in changed[DMN]
    changed[DMN] = changed[DMN].replace(old, new, 1)
    return registry.validate(changed)[0]


def test_the_shipped_table_passes(files):
    assert registry.validate(files)[0] == []


def test_overlapping_rules_break_unique(files):
    [problem] = _problems(files, '<inputEntry id="rule1_budget"><text>&lt;= 1000</text>',
                          '<inputEntry id="rule1_budget"><text>&lt;= 2000</text>')
    assert "唯一" in problem["message"] and "第 2、6 条规则" in problem["message"]  # row 1: the experts' 单独立项
    assert problem["element_id"] == "rule_over_budget" and problem["line"]


def test_unknown_input_variable_is_named(files):
    [problem] = _problems(files, "<text>budget_wan</text>", "<text>budget_wan_typo</text>")
    assert "budget_wan_typo" in problem["message"] and problem["element_id"] == "input_budget_wan"


def test_invalid_condition_names_its_rule_and_column(files):
    [problem] = _problems(files, "&gt; 1000", "&gt;&gt;&gt; 1000")
    assert "第 6 条规则第 5 列" in problem["message"]  # the experts' 单独立项 is rule 1 and column 1


def test_any_policy_needs_agreeing_outputs(files):
    problems = _problems(files, 'hitPolicy="UNIQUE"', 'hitPolicy="ANY"')
    assert problems == []  # disjoint rules hold under ANY too
    changed = dict(files)
    changed[DMN] = files[DMN].replace('hitPolicy="UNIQUE"', 'hitPolicy="ANY"').replace(
        '<inputEntry id="rule1_budget"><text>&lt;= 1000</text>', '<inputEntry id="rule1_budget"><text>&lt;= 2000</text>')
    [problem] = registry.validate(changed)[0]
    assert "任一" in problem["message"] and "输出不同" in problem["message"]
