"""Smoke test of the front-end bundles (webapp/static/dist, built by `npm run build`).

Loads a static page with the bundles in headless Debian Chromium and checks the viewer
markers, the modeler's spiffworkflow round trip and bpmnlint. Skipped when the bundles
are not built or Chromium/Playwright are missing.
"""

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "webapp" / "static" / "dist"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,  # every test here drives the bundles in Debian's Chromium
    pytest.mark.skipif(not (DIST / "viewer.js").exists(), reason="front-end bundles not built (npm run build)"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]

DI_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Defs_1" targetNamespace="http://bpmn.io/schema/bpmn">
"""

SMALL_BPMN = DI_HEAD + """
  <bpmn:process id="Proc_1" name="测试流程" isExecutable="true">
    <bpmn:startEvent id="Start_1" name="开始"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_1" name="填写申报表">
      <bpmn:extensionElements>
        <spiffworkflow:instructionsForEndUser>请填写**申报表**</spiffworkflow:instructionsForEndUser>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End_1" name="结束"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start_1" targetRef="Task_1"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_1" targetRef="End_1"/>
    {extra}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1">
    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="Proc_1">
      <bpmndi:BPMNShape id="Start_1_di" bpmnElement="Start_1"><dc:Bounds x="152" y="102" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_1_di" bpmnElement="Task_1"><dc:Bounds x="240" y="80" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="End_1_di" bpmnElement="End_1"><dc:Bounds x="392" y="102" width="36" height="36"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="Flow_1_di" bpmnElement="Flow_1"><di:waypoint x="188" y="120"/><di:waypoint x="240" y="120"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="Flow_2_di" bpmnElement="Flow_2"><di:waypoint x="340" y="120"/><di:waypoint x="392" y="120"/></bpmndi:BPMNEdge>
      {extra_di}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""

CONNECTED = SMALL_BPMN.replace("{extra}", "").replace("{extra_di}", "")
DISCONNECTED = SMALL_BPMN.replace(
    "{extra}", '<bpmn:task id="Task_Lonely" name="孤立任务"/>'
).replace(
    "{extra_di}",
    '<bpmndi:BPMNShape id="Task_Lonely_di" bpmnElement="Task_Lonely">'
    '<dc:Bounds x="240" y="220" width="100" height="80"/></bpmndi:BPMNShape>',
)

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>bundles</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="dist/viewer.css">
<link rel="stylesheet" href="dist/modeler.css">
<style>
  body { margin: 0; font-family: sans-serif; }
  .box { width: 900px; height: 360px; border: 1px solid #ccc; position: relative; }
  #modeler-wrap { display: flex; }
  #props { width: 320px; height: 360px; overflow: auto; border: 1px solid #ccc; }
  #chart { width: 600px; height: 300px; }
</style></head>
<body>
<div id="viewer" class="box"></div>
<div id="modeler-wrap"><div id="modeler" class="box"></div><div id="props"></div></div>
<div id="chart"></div>
<script src="dist/viewer.js"></script>
<script src="dist/modeler.js"></script>
<script src="dist/charts.js"></script>
</body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("frontend-site")
    shutil.copytree(DIST, root / "dist")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, site):
    pg = browser.new_page(viewport={"width": 1280, "height": 1200})
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(site)
    pg.wait_for_function("window.EgovViewer && window.EgovModeler && window.EgovCharts")
    yield pg
    pg.close()
    assert not errors, errors


def _shot(pg, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_viewer_marks_active_task(page):
    result = page.evaluate(
        """async xml => {
            const h = await EgovViewer.show(document.getElementById('viewer'), xml,
                {completed: ['Start_1', 'Flow_1'], active: ['Task_1'], incident: [], counts: {Task_1: 3}});
            return {
              active: Array.from(document.querySelectorAll('#viewer .djs-element.egov-active'))
                        .map(e => e.getAttribute('data-element-id')),
              completed: document.querySelectorAll('#viewer .egov-completed').length,
              badge: (document.querySelector('#viewer .egov-badge') || {}).textContent,
              palette: document.querySelectorAll('#viewer .djs-palette').length
            };
        }""",
        CONNECTED,
    )
    assert result["active"] == ["Task_1"]
    assert result["completed"] == 2
    assert result["badge"] == "3"
    assert result["palette"] == 0  # read-only
    _shot(page, "viewer.png")


def test_viewer_heat(page):
    badges = page.evaluate(
        """async xml => {
            await EgovViewer.heat('#viewer', xml, {Task_1: 10, End_1: 2});
            return Array.from(document.querySelectorAll('#viewer .egov-badge-heat')).map(b => b.textContent).sort();
        }""",
        CONNECTED,
    )
    assert badges == ["10", "2"]


def test_modeler_round_trips_spiffworkflow_extensions(page):
    result = page.evaluate(
        """async xml => {
            const ed = EgovModeler.open('#modeler', '#props', xml,
                {forms: ['declaration.schema.json', 'review.schema.json'], roles: ['市数管局'], helpers: ['today', 'add_workdays']});
            await ed.ready;
            window.__lastEditor = ed;
            ed.setSpiffProperty('Task_1', 'formJsonSchemaFilename', 'declaration.schema.json');
            ed.setSpiffProperty('Task_1', 'dueDate', 'add_workdays(today(), 5)');
            ed.setExtensionText('Task_1', 'spiffworkflow:PreScript', 'stage = "申报"');
            const modeler = ed.modeler;
            modeler.get('selection').select(modeler.get('elementRegistry').get('Task_1'));
            await new Promise(r => setTimeout(r, 300));
            const select = document.querySelector('#props select[name="spiff-form"]');
            return {
              xml: await ed.getXml(),
              selectValue: select && select.value,
              options: select ? Array.from(select.options).map(o => o.value) : null,
              instructions: ed.getExtensionText('Task_1', 'spiffworkflow:InstructionsForEndUser'),
              groups: Array.from(document.querySelectorAll('#props .bio-properties-panel-group-header-title'))
                        .map(e => e.textContent)
            };
        }""",
        CONNECTED,
    )
    xml = result["xml"]
    assert '<spiffworkflow:property name="formJsonSchemaFilename" value="declaration.schema.json" />' in xml
    assert '<spiffworkflow:property name="dueDate" value="add_workdays(today(), 5)" />' in xml
    assert "<spiffworkflow:preScript>stage = \"申报\"</spiffworkflow:preScript>" in xml
    assert "<spiffworkflow:instructionsForEndUser>请填写**申报表**</spiffworkflow:instructionsForEndUser>" in xml
    assert result["selectValue"] == "declaration.schema.json"
    assert result["options"] == ["", "declaration.schema.json", "review.schema.json"]
    assert "表单与期限" in result["groups"]

    # the same through the properties panel: choose the other form in the select
    page.click('#props [data-group-id="group-spiff-user-task"] .bio-properties-panel-group-header')
    page.select_option('#props select[name="spiff-form"]', "review.schema.json")
    page.wait_for_timeout(300)
    xml = page.evaluate("async () => await window.__lastEditor.getXml()")
    assert 'name="formJsonSchemaFilename" value="review.schema.json"' in xml
    _shot(page, "modeler.png")

    # what the modeler writes is what the engine reads
    parser_mod = pytest.importorskip("SpiffWorkflow.spiff.parser.process")
    parser = parser_mod.SpiffBpmnParser()
    parser.add_bpmn_str(result["xml"].encode("utf-8"))
    spec = parser.get_spec("Proc_1")
    ext = spec.task_specs["Task_1"].extensions
    assert ext["properties"]["formJsonSchemaFilename"] == "declaration.schema.json"
    assert ext["properties"]["dueDate"] == "add_workdays(today(), 5)"
    assert ext["instructionsForEndUser"] == "请填写**申报表**"
    assert spec.task_specs["Task_1"].prescript == 'stage = "申报"'


def test_modeler_lint_reports_disconnected_task(page):
    result = page.evaluate(
        """async xml => {
            const ed = EgovModeler.open('#modeler', '#props', xml, {forms: [], roles: [], helpers: []});
            await ed.ready;
            const issues = await ed.lint();
            const unplaced = ed.showErrors([{element_id: 'Task_1', message: '表单不存在'},
                                            {element_id: 'Nope', message: '全局错误'}]);
            await new Promise(r => setTimeout(r, 300));
            return {
              issues,
              unplaced,
              errorOverlays: document.querySelectorAll('#modeler .egov-error-overlay').length,
              button: (document.querySelector('#modeler .bjsl-button') || {}).textContent
            };
        }""",
        DISCONNECTED,
    )
    lonely = [i for i in result["issues"] if i["element_id"] == "Task_Lonely"]
    assert any(i["rule"] == "no-disconnected" for i in lonely), result["issues"]
    assert any(i["message"] == "元素未连接" for i in lonely)
    assert result["unplaced"] == [{"element_id": "Nope", "message": "全局错误"}]
    assert result["errorOverlays"] == 1
    assert "错误" in (result["button"] or "")
    _shot(page, "modeler-lint.png")


def test_charts_render(page):
    kind = page.evaluate(
        """() => {
            const c = EgovCharts.render('#chart', JSON.stringify({
              xAxis: {type: 'category', data: ['谋划', '申报', '实施']}, yAxis: {type: 'value'},
              series: [{type: 'bar', data: [3, 5, 2]}]}));
            return c.getOption().series[0].type;
        }"""
    )
    assert kind == "bar"
    assert page.locator("#chart canvas").count() >= 1


def test_modeler_keeps_spiffarena_extensions(page):
    extras = (
        '<spiffworkflow:unitTests><spiffworkflow:unitTest id="u1">'
        "<spiffworkflow:inputJson>{}</spiffworkflow:inputJson></spiffworkflow:unitTest></spiffworkflow:unitTests>"
        '<spiffworkflow:taskMetadataValues><spiffworkflow:taskMetadataValue name="a" value="b"/>'
        "</spiffworkflow:taskMetadataValues>"
    )
    xml = CONNECTED.replace("<spiffworkflow:instructionsForEndUser>", extras + "<spiffworkflow:instructionsForEndUser>")
    result = page.evaluate(
        """async xml => {
            const ed = EgovModeler.open('#modeler', '#props', xml, {});
            await ed.ready;
            return {xml: await ed.getXml(), warnings: ed.importWarnings};
        }""",
        xml,
    )
    assert result["warnings"] == []
    assert '<spiffworkflow:unitTest id="u1">' in result["xml"]
    assert '<spiffworkflow:taskMetadataValue name="a" value="b" />' in result["xml"]


def test_modeler_condition_and_role_entries(page):
    page.evaluate(
        """async () => {
            const ed = EgovModeler.open('#modeler', '#props', null, {roles: ['市数管局', '专家']});
            await ed.ready;
            window.__ed = ed;
            const m = ed.modeler, modeling = m.get('modeling');
            const gw = modeling.appendShape(m.get('elementRegistry').get('StartEvent_1'), {type: 'bpmn:ExclusiveGateway'});
            modeling.appendShape(gw, {type: 'bpmn:UserTask'});
            m.get('selection').select(gw.outgoing[0]);
        }"""
    )
    page.click('#props [data-group-id="group-spiff-condition"] .bio-properties-panel-group-header')
    page.fill('#props textarea[name="spiff-condition-expression"]', "amount > 400")
    page.wait_for_timeout(600)  # panel debounce
    xml = page.evaluate("async () => await window.__ed.getXml()")
    assert 'xsi:type="bpmn:tFormalExpression">amount &gt; 400</bpmn:conditionExpression>' in xml
