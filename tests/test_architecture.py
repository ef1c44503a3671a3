"""Small modules: no module of the engine or the web app passes 450 lines (DESIGN: ~400 at most).

The import rules (engine apart from webapp, the core importing no area, areas through each other's
services only, no cycles) are import-linter's contracts in .importlinter, run by scripts/test.sh.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 450


def _line_counts():
    for package in ("engine", "webapp"):
        for path in sorted((ROOT / package).rglob("*.py")):
            yield str(path.relative_to(ROOT)), len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_passes_450_lines():
    counts = dict(_line_counts())
    assert len(counts) > 50, "the engine's and the web app's modules were not found"
    too_long = {name: n for name, n in counts.items() if n > LIMIT}
    assert not too_long, f"split these modules by what their parts do (over {LIMIT} lines): {too_long}"
