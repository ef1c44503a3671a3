"""The decision-table editor, token simulation and API docs bundles in Debian's Chromium (static page).

The DMN round trip goes through SpiffWorkflow's own DMN parser, so what the editor writes is what the engine
evaluates.
"""
import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from tests.frontend.test_bundles import CHROMIUM, CONNECTED, DIST

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
ROUTE_DMN = (ROOT / "bpmn" / "establishment-route.dmn").read_text(encoding="utf-8")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (DIST / "dmn-editor.js").exists(), reason="front-end bundles not built (npm run build)"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>editors</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="dist/modeler.css"><link rel="stylesheet" href="dist/dmn-editor.css">
<link rel="stylesheet" href="dist/apidocs.css">
<style>.box { width: 1000px; height: 420px; border: 1px solid #ccc; position: relative; }</style></head>
<body><div id="dmn" class="box"></div><div id="modeler" class="box"></div><div id="docs"></div>
<script src="dist/modeler.js"></script><script src="dist/dmn-editor.js"></script><script src="dist/apidocs.js"></script>
</body></html>"""

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "六安市电子政务项目全流程管理接口", "version": "1"},
    "paths": {"/api/tasks": {"get": {"summary": "我的待办", "description": "列出当前用户可办理的任务",
                                      "responses": {"200": {"description": "待办列表"}}}}},
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("editor-site")
    shutil.copytree(DIST, root / "dist")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "openapi.json").write_text(json.dumps(OPENAPI, ensure_ascii=False), encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser, site):
    pg = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(site + "index.html")
    pg.wait_for_function("window.EgovDmn && window.EgovModeler && window.EgovApiDocs")
    yield pg
    pg.close()
    assert not errors, errors


def _shot(pg, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_decision_table_editor_in_chinese_round_trips_to_the_engine(page):
    result = page.evaluate(
        """async xml => {
            const ed = EgovDmn.open('#dmn', xml);
            await ed.ready;
            window.__dmn = ed;
            return {decisions: ed.decisions(), text: document.querySelector('#dmn').innerText};
        }""",
        ROUTE_DMN,
    )
    assert result["decisions"] == [{"id": "establishment_route", "name": "立项方式判定"}]
    assert "命中策略" in result["text"] and "项目类别" in result["text"]
    # change the budget bound of the first rule in the table cell, as an analyst would
    cell = page.locator('#dmn td[data-element-id="rule1_budget"]')
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("<= 800")
    page.locator("#dmn .decision-table-name").click()
    page.wait_for_timeout(300)
    _shot(page, "dmn-editor.png")
    xml = page.evaluate("async () => await window.__dmn.getXml()")
    assert "&lt;= 800" in xml
    from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

    parser = SpiffBpmnParser()
    parser.add_dmn_str(xml.encode("utf-8"))
    assert "establishment_route" in parser.dmn_parsers


def test_token_simulation_starts_in_the_modeler(page):
    label = page.evaluate(
        """async xml => {
            const ed = EgovModeler.open('#modeler', null, xml, {});
            await ed.ready;
            window.__walked = [];
            ed.modeler.on('tokenSimulation.simulator.trace', e => window.__walked.push(e.element.id));
            ed.simulate(true);
            await new Promise(r => setTimeout(r, 100));
            return document.querySelector('#modeler .bts-toggle-mode').textContent.trim();
        }""",
        CONNECTED,
    )
    assert label.startswith("流程模拟")
    # the start event offers a play button; a token then walks through the user task to the end
    page.locator("#modeler .bts-context-pad").first.click()
    page.wait_for_function("window.__walked.includes('Task_1')", timeout=10000)
    _shot(page, "token-simulation.png")


def test_api_docs_render_chinese_descriptions(page, site):
    page.evaluate("url => EgovApiDocs.open('#docs', url)", site + "openapi.json")
    page.wait_for_selector("#docs .opblock-summary-description", timeout=10000)
    assert "我的待办" in page.locator("#docs").inner_text()
    _shot(page, "api-docs.png")


def test_modeler_palette_leaves_the_lanes_free_and_speaks_chinese(page):
    xml = (ROOT / "bpmn" / "stage-declare.bpmn").read_text(encoding="utf-8")
    found = page.evaluate(
        """async xml => {
            const ed = EgovModeler.open('#modeler', null, xml, {});
            await ed.ready;
            const palette = document.querySelector('#modeler .djs-palette').getBoundingClientRect();
            const pool = ed.modeler.get('elementRegistry').filter(e => e.type === 'bpmn:Participant')[0];
            const poolBox = ed.modeler.get('canvas').getGraphics(pool).getBoundingClientRect();
            ed.modeler.get('selection').select(pool);
            return {paletteRight: palette.right, poolLeft: poolBox.left,
                    titles: Array.from(document.querySelectorAll('#modeler .djs-palette .entry'))
                      .map(e => e.title).filter(Boolean)};
        }""",
        xml,
    )
    assert found["poolLeft"] >= found["paletteRight"]
    assert not [t for t in found["titles"] if t.isascii()], found["titles"]
    _shot(page, "modeler-lanes.png")
