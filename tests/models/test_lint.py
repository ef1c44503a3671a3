"""Every diagram passes bpmnlint's recommended rules and imports without warnings, both as in the modeler and as in
Camunda Modeler (bpmn-moddle with the camunda-bpmn-moddle extension; tools/lint_bpmn.mjs)."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not (ROOT / "node_modules" / "bpmnlint").exists() or shutil.which("node") is None,
                    reason="npm packages not installed (scripts/setup.sh installs them)")
def test_diagrams_lint_clean():
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "bpmn").glob("*.bpmn"))
    run = subprocess.run(["node", "tools/lint_bpmn.mjs", *files], cwd=ROOT, capture_output=True, text=True, timeout=120)
    report = json.loads(run.stdout)
    assert {f: issues for f, issues in report.items() if issues} == {}
