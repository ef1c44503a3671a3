"""Deploy-time checks of decision tables, beyond what SpiffWorkflow's parser refuses.

- every input expression, condition and output is a valid sandboxed expression;
- the inputs name variables the model knows (form fields, variables scripts set, the start data);
- the hit policy holds: the conditions are evaluated on sample inputs made from the table's own literals
  (and a step either side of each number), and a UNIQUE table where two rules match, or an ANY table whose
  matching rules disagree, is refused with the rules and the inputs that show it.
"""
import ast
import itertools
import re

from . import scripting

# What the web app puts into every lifecycle instance at its start (webapp projects.create_project).
START_VARIABLES = frozenset((
    "project_id", "project_name", "build_year", "department_code", "department_name", "budget_wan",
    "department_sanction", "department_budget_cap_wan",
))
MAX_SAMPLES = 3000
_QUESTION = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')  # the engine's own rule for `?`
_INPUT = "dmninputexpr"


def check(parser, model, problems):
    known = known_variables(parser, model)
    for decision_id, dmn_parser in parser.dmn_parsers.items():
        file = dmn_parser.filename
        try:
            if dmn_parser.decision is None:
                dmn_parser.parse()
            tables = dmn_parser.decision.decisionTables
        except Exception as exc:  # the parser refused it earlier or cannot say: report once
            problems.add(file, f"决策 {decision_id} 无法解析：{exc}", decision_id)
            continue
        name = dmn_parser.decision.name or decision_id
        for table in tables:
            _check_table(file, name, table, known, problems, model.lines)


def known_variables(parser, model):
    """Names a decision's inputs may read: form fields, names scripts assign, outputs of decisions, start data."""
    known = set(START_VARIABLES)
    for schema in model.forms.values():
        if isinstance(schema, dict):
            known.update((schema.get("properties") or {}).keys())
    for spec, subs, _ in model.processes.values():
        for process_spec in [spec, *subs.values()]:
            for task_spec in process_spec.task_specs.values():
                for attr in ("script", "prescript", "postscript"):
                    known.update(_assigned(getattr(task_spec, attr, None)))
    for dmn_parser in parser.dmn_parsers.values():
        decision = getattr(dmn_parser, "decision", None)
        for table in getattr(decision, "decisionTables", []) or []:
            known.update(o.name for o in table.outputs if o.name)
    return known


def _assigned(source):
    if not isinstance(source, str) or not source.strip():
        return set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _names(expression):
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _condition(input_expr, entry):
    """The expression the engine evaluates for one condition (None: '-', any value)."""
    if entry is None:
        return None
    text = _QUESTION.sub(_INPUT, entry)
    if _INPUT in text:
        return text
    try:
        ast.parse(entry, mode="eval")
        return f"({_INPUT}) == ({entry})"
    except SyntaxError:
        return f"{_INPUT} {entry}"


def _check_table(file, name, table, known, problems, lines):
    def add(message, element=None):
        problems.add(file, f"决策表“{name}”：{message}", element or table.id, lines.get((file, element or table.id)))

    helpers = set(scripting.helper_globals()) | set(scripting.SAFE_BUILTINS)
    broken = False
    for column in table.inputs:
        label = column.label or column.id
        expression = (column.expression or "").strip()
        if not expression:
            add(f"输入“{label}”没有输入表达式", column.id)
            broken = True
            continue
        for message in scripting.check_source(expression, "eval"):
            add(f"输入“{label}”的表达式无效：{message}", column.id)
            broken = True
        unknown = sorted(_names(expression) - known - helpers)
        if unknown:
            add(f"输入“{label}”引用了模型中没有的变量 {', '.join(unknown)}（表单字段、脚本赋值和立项数据中都没有）",
                column.id)
    for rule in table.rules:
        for k, entry in enumerate(rule.inputEntries):
            for lhs in entry.lhs:
                condition = _condition("x", lhs)
                if condition is None:
                    continue
                for message in scripting.check_source(condition, "eval"):
                    add(f"第 {rule.row_number} 条规则第 {k + 1} 列的条件“{lhs}”无效：{message}", rule.id)
                    broken = True
        for entry in rule.outputEntries:
            for message in scripting.check_source(entry.text or "None", "eval"):
                add(f"第 {rule.row_number} 条规则的输出“{entry.text}”无效：{message}", rule.id)
                broken = True
    if not broken:
        _check_hit_policy(table, add)


def _literals(entries, type_ref):
    values = []
    for entry in entries:
        for lhs in entry.lhs:
            if lhs is None:
                continue
            try:
                tree = ast.parse(_QUESTION.sub(_INPUT, lhs).replace(_INPUT, "0") if "?" in lhs else lhs, mode="eval")
            except SyntaxError:
                try:
                    tree = ast.parse(f"v {lhs}", mode="eval")
                except SyntaxError:
                    continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and not isinstance(node.value, bytes):
                    value = node.value
                    if isinstance(value, bool) or value is None:
                        values.append(value)
                    elif isinstance(value, (int, float)):
                        values.extend([value - 1, value, value + 1, value + 0.5])
                    elif isinstance(value, str):
                        values.append(value)
    if type_ref == "boolean":
        values.extend([True, False])
    if type_ref == "number" and not values:
        values.append(0)
    if type_ref == "string":
        values.append("（其他）")
    seen, out = set(), []
    for v in values:
        key = (type(v).__name__, v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out or [None]


def _check_hit_policy(table, add):
    policy = (table.hit_policy or "UNIQUE").upper()
    if policy not in ("UNIQUE", "ANY") or len(table.rules) < 2:
        return
    columns = [_literals([r.inputEntries[k] for r in table.rules if k < len(r.inputEntries)], c.typeRef)
               for k, c in enumerate(table.inputs)]
    env = scripting.SandboxEnvironment()
    rules = [(rule, [[_condition("x", lhs) for lhs in e.lhs] for e in rule.inputEntries]) for rule in table.rules]
    for sample in itertools.islice(itertools.product(*columns), MAX_SAMPLES):
        matched = []
        for rule, conditions in rules:
            if _matches(env, conditions, sample, rule, add):
                matched.append(rule)
        if len(matched) < 2:
            continue
        shown = "，".join(f"{c.label or c.expression}={v!r}" for c, v in zip(table.inputs, sample))
        numbers = "、".join(str(r.row_number) for r in matched)
        if policy == "UNIQUE":
            add(f"命中策略为“唯一”（UNIQUE），但输入 {shown} 同时命中第 {numbers} 条规则", matched[1].id)
            return
        outputs = {tuple(o.text for o in r.outputEntries) for r in matched}
        if len(outputs) > 1:
            add(f"命中策略为“任一”（ANY），但输入 {shown} 命中的第 {numbers} 条规则输出不同", matched[1].id)
            return


def _matches(env, conditions, sample, rule, add):
    for k, alternatives in enumerate(conditions):
        for condition in alternatives:
            if condition is None:
                continue
            try:
                if not env.evaluate(condition, {}, {_INPUT: sample[k] if k < len(sample) else None}):
                    return False
            except Exception:  # a condition that cannot compare this sample (e.g. None < 5) does not match
                return False
    return True
