"""The diagram viewer opens a wide diagram at a readable zoom with the current step in the middle, and its
buttons zoom, fit and go full screen (issue 10 item 6). Uses a real stage diagram under bpmn/."""
import pytest

from tests.frontend.test_bundles import CHROMIUM, DIST, ROOT, page, site  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (DIST / "viewer.js").exists(), reason="front-end bundles not built (npm run build)"),
]
STAGE = (ROOT / "bpmn" / "stage-declare.bpmn").read_text(encoding="utf-8")


def test_wide_diagram_opens_readable_and_centred_on_the_current_step(page):  # noqa: F811
    result = page.evaluate("""async ([xml, active]) => {
        const box = document.getElementById('viewer');
        box.innerHTML = '';
        const h = await EgovViewer.show(box, xml, {active: [active]});
        const canvas = h.viewer.get('canvas');
        const el = h.viewer.get('elementRegistry').get(active);
        const vb = canvas.viewbox();
        const centre = [el.x + el.width / 2, el.y + el.height / 2];
        const before = canvas.zoom();
        box.querySelector('.egov-tool-zoom-in').click();
        const zoomedIn = canvas.zoom();
        box.querySelector('.egov-tool-fit').click();
        const fitted = canvas.zoom();
        box.querySelector('.egov-tool-full').click();
        await new Promise(r => setTimeout(r, 200));
        const full = box.classList.contains('egov-viewer-full') || document.fullscreenElement === box;
        return {zoom: before, zoomedIn, fitted, full,
                dx: Math.abs(vb.x + vb.width / 2 - centre[0]), dy: Math.abs(vb.y + vb.height / 2 - centre[1]),
                tools: Array.from(box.querySelectorAll('.egov-viewer-tools button')).map(b => b.textContent)};
    }""", [STAGE, "task_precheck"])
    assert result["tools"] == ["＋", "－", "适应", "当前", "全屏"]
    assert result["zoom"] >= 0.85 > result["fitted"]  # fitting the whole stage would be unreadable
    assert result["dx"] < 5 and result["dy"] < 5  # the current step is in the middle
    assert result["zoomedIn"] > result["zoom"] and result["full"]
