"""`flask models print` writes every diagram of the deployed version as SVG and a one-page PDF of the stated
size (A4 landscape for the top level, A3 landscape for the rest), drawn by the project's bpmn-js bundle."""
import re

import pytest

from conftest import CHROMIUM, ROOT, deploy_model_dir
from webapp.modeler.diagram_pages import measure

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (ROOT / "webapp/static/dist/print.js").exists(), reason="bundles not built"),
]
POINTS = {"A4": (842, 595), "A3": (1191, 842)}


def test_models_print_writes_pdf_and_svg_per_diagram(app, db, tmp_path):
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium not installed")
    deploy_model_dir(ROOT)
    result = app.test_cli_runner().invoke(args=["models", "print", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    diagrams = sorted(p.stem for p in (ROOT / "bpmn").glob("*.bpmn"))
    assert sorted(p.stem for p in tmp_path.glob("*.pdf")) == diagrams
    assert sorted(p.stem for p in tmp_path.glob("*.svg")) == diagrams
    for stem in diagrams:
        pdf = (tmp_path / f"{stem}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF")
        [box] = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
        page = "A4" if stem == "lifecycle" else "A3"
        assert all(abs(float(v) - want) < 2 for v, want in zip(box, POINTS[page])), (stem, box)
        assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
        svg = (tmp_path / f"{stem}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and "<text" in svg
    assert "bpmn-js 导入警告" not in result.output  # each diagram opens in the project's bpmn-js without a warning
    # one line per diagram: page with its size, smallest label and the crossings measured from its DI
    measured = measure({f"bpmn/{p.name}": p.read_text(encoding="utf-8") for p in (ROOT / "bpmn").glob("*.bpmn")})
    for name, page in measured.items():
        size = "420×297" if page.page == "A3" else "297×210"
        line = next(l for l in result.output.splitlines() if l.split("：")[0].split("/")[-1] == name[5:])
        assert f"{page.page} 横向（{size} mm）" in line and "最小字号" in line, line
        assert f"连线交叉 {len(page.crossings)} 处" in line, line
        for crossing in page.crossings:
            assert f"! {crossing}" in result.output
