"""Form schemas under forms/: valid draft 2020-12, a valid example, and x-rules that hold and can break.

Stdlib + jsonschema only: no engine imports. An x-rule is a Python expression over the form's fields
(the schemas carry the workflow values a rule needs as read-only fields); each rule carries a
`counterexample` (field overrides) that must make it false.
"""
import json
import pathlib

import pytest
from jsonschema import Draft202012Validator, FormatChecker

ROOT = pathlib.Path(__file__).resolve().parents[2]
FORMS = sorted((ROOT / "forms").glob("*.schema.json"))

# the names a rule may use besides the form's fields (docs/modelling.md, restricted environment)
BUILTINS = {name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
            for name in ("abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "len", "list", "max",
                         "min", "range", "round", "set", "sorted", "str", "sum", "tuple", "zip", "isinstance")}


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def evaluate(expression, data):
    # one namespace (not globals + locals) so that generator expressions see the fields
    return eval(expression, {**data, "__builtins__": BUILTINS})  # noqa: S307 - trusted repo files


def test_there_are_forms():
    assert len(FORMS) >= 20


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path):
    schema = load(path)
    assert schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    assert schema.get("title")
    for key, prop in schema["properties"].items():
        assert key == key.lower() and " " not in key, key
        assert prop.get("title") and prop.get("description"), f"{key}: Chinese title and description required"
    assert set(schema.get("required", [])) <= set(schema["properties"])


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_example_validates(path):
    schema = load(path)
    examples = schema.get("examples")
    assert isinstance(examples, list) and len(examples) == 1
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(examples[0])]
    assert not errors, errors


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_rules_hold_on_example_and_break_on_counterexample(path):
    schema = load(path)
    example = schema["examples"][0]
    for r in schema.get("x-rules", []):
        assert set(r) >= {"expression", "field", "message", "counterexample"}, r
        assert r["field"] in schema["properties"], r["field"]
        assert "_" + "_" not in r["expression"] and "import" not in r["expression"]
        assert evaluate(r["expression"], example) is True, f"rule fails on example: {r['expression']}"
        mutated = {**example, **r["counterexample"]}
        assert evaluate(r["expression"], mutated) is False, f"counterexample does not break: {r['expression']}"


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_counterexamples_pass_the_schema(path):
    """A rule must add something the schema alone does not check."""
    schema = load(path)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for r in schema.get("x-rules", []):
        mutated = {**schema["examples"][0], **r["counterexample"]}
        errors = [e.message for e in validator.iter_errors(mutated)]
        assert not errors, (r["expression"], errors)


GATEWAY_VARIABLES = {
    "declaration.schema.json": ["project_category", "budget_wan", "requirements_clear", "architecture_simple"],
    "precheck.schema.json": ["precheck_passed"],
    "expert-review.schema.json": ["review_passed", "approved_budget_wan", "rejection_reason"],
    "finalization.schema.json": ["budget_wan", "requirements_clear", "architecture_simple"],
    "contract.schema.json": ["contract_amount_wan", "warranty_months"],
    "progress-report.schema.json": ["construction_complete", "progress_percent"],
    "initial-acceptance.schema.json": ["initial_acceptance_passed", "initial_acceptance_date"],
    "final-acceptance.schema.json": ["final_acceptance_passed", "final_acceptance_date"],
    "rectification.schema.json": ["rectification_date"],
    "internal-review.schema.json": ["internal_review_accepted"],
    "fund-approval.schema.json": ["fund_approved", "approved_amount_wan"],
}


@pytest.mark.parametrize("name", sorted(GATEWAY_VARIABLES))
def test_forms_collect_the_gateway_variables(name):
    schema = load(ROOT / "forms" / name)
    for var in GATEWAY_VARIABLES[name]:
        assert var in schema["properties"], var
        assert var in schema["required"], var
        assert not schema["properties"][var].get("readOnly"), var


# Gateway variables the workflow itself supplies: the form shows them read-only and the engine puts back the
# workflow's value (forms.with_read_only), so a late 申报表 sent again with the old 建设年度 is not late again.
WORKFLOW_VARIABLES = {
    "declaration.schema.json": ["build_year"],
    # 累计支付 is the approved payments' sum (x-value-from), never typed
    "progress-report.schema.json": ["cumulative_paid_wan", "paid_this_month_wan"],
}


@pytest.mark.parametrize("name", sorted(WORKFLOW_VARIABLES))
def test_forms_show_the_workflow_variables_read_only(name):
    schema = load(ROOT / "forms" / name)
    for var in WORKFLOW_VARIABLES[name]:
        assert var in schema["properties"], var
        assert var in schema["required"], var
        assert schema["properties"][var].get("readOnly") is True, var
