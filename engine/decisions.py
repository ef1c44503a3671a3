"""Which rule of a decision table decided a business-rule task, with the inputs it saw.

Asked just before the task runs (the engine evaluates the same table on the same data right after), so the
answer is exactly what the step used; the runtime stores it in the audit trail as a `decision` event.
"""
MAX_VALUE_TEXT = 200


def _small(value):
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    text = str(value)
    return text if len(text) <= MAX_VALUE_TEXT else text[:MAX_VALUE_TEXT] + "…"


def explain(task):
    """{decision_id, decision_name, hit_policy, rules: [{row, id, description}], inputs, outputs} or None."""
    dmn = getattr(task.task_spec, "dmnEngine", None)
    if dmn is None:
        return None
    table = dmn.decision_table
    try:
        matched = dmn.decide(task)
        script_engine = task.workflow.script_engine
        inputs = {}
        for column in table.inputs:
            try:
                inputs[column.label or column.expression] = _small(script_engine.evaluate(task, column.expression))
            except Exception:  # an input the data lacks: the run itself will say so
                inputs[column.label or column.expression] = None
        outputs = {}
        for rule in matched[:1]:
            outputs = {k: _small(v) for k, v in rule.output_as_dict(task).items()}
    except Exception:  # the step's own run reports the failure as an incident
        return None
    return {
        "bpmn_id": task.task_spec.bpmn_id, "task_name": task.task_spec.bpmn_name or task.task_spec.bpmn_id,
        "decision_id": getattr(task.task_spec, "decision_ref", None) or table.id,
        # a table seldom has a name of its own (dmn-js writes none): the business-rule task's name says it
        "decision_name": table.name or task.task_spec.bpmn_name or table.id,
        "hit_policy": table.hit_policy,
        "rules": [{"row": r.row_number, "id": r.id, "description": r.description or ""} for r in matched],
        "inputs": inputs, "outputs": outputs,
    }
