"""Every diagram prints legibly (issue 10): measured from its DI on the page it prints on (top level A4
landscape, the rest A3 landscape), the smallest label is at least 7 pt, no boundary-event label lies on a
shape and no flow runs through a shape other than its own ends."""
import pytest

from engine.registry import read_model_dir
from webapp.modeler.diagram_pages import MIN_LABEL_PT, measure

from conftest import ROOT

PAGES = measure(read_model_dir(ROOT))


def test_top_level_on_a4_and_stages_on_a3():
    assert PAGES["bpmn/lifecycle.bpmn"].page == "A4"
    assert {p.page for n, p in PAGES.items() if n != "bpmn/lifecycle.bpmn"} == {"A3"}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_diagram_prints_legibly(name):
    page = PAGES[name]
    assert page.label_pt >= MIN_LABEL_PT, (page.page, page.width, page.height, page.label_pt)
    assert page.problems == []


def test_the_check_finds_what_it_must():
    """A flow through a task is reported, and a 7 000-unit-wide diagram prints too small."""
    text = (ROOT / "tests/fixtures/engine/bpmn/simple.bpmn").read_text(encoding="utf-8")
    di = """<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="simple_collab">
      <bpmndi:BPMNShape id="s1" bpmnElement="fill"><dc:Bounds x="0" y="0" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="s2" bpmnElement="review"><dc:Bounds x="200" y="0" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="s3" bpmnElement="record"><dc:Bounds x="7000" y="0" width="100" height="80"/></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="e1" bpmnElement="f1"><di:waypoint x="-50" y="40"/><di:waypoint x="250" y="40"/></bpmndi:BPMNEdge>
      </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"""
    text = text.replace('xmlns:spiffworkflow=', 'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
                        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
                        'xmlns:spiffworkflow=').replace("</bpmn:definitions>", di + "</bpmn:definitions>")
    [page] = measure({"bpmn/simple.bpmn": text}).values()
    assert page.page == "A3" and page.label_pt < MIN_LABEL_PT
    assert any("f1" in p and "review" in p for p in page.problems), page.problems


def test_a_data_association_through_a_boundary_label_or_shape_is_reported():
    """记录本月进度 is 填报实施进度表's postScript: its line to 本月进度数据 must leave the task clear of the
    task's timers and their labels, and of every other shape."""
    text = (ROOT / "bpmn/progress-report.bpmn").read_text(encoding="utf-8")
    drawn = ('<di:waypoint x="424" y="305"/>\n        <di:waypoint x="291" y="305"/>')
    assert drawn in text   # the layout as committed: out of the task's left side, straight to the data object
    [page] = measure({"bpmn/progress-report.bpmn": text}).values()
    assert page.problems == []
    # down through the 截止前5个工作日 timer's label, then across to the data object
    detour = ('<di:waypoint x="484" y="330"/>\n        <di:waypoint x="484" y="365"/>\n'
              '        <di:waypoint x="291" y="365"/>\n        <di:waypoint x="291" y="305"/>')
    [page] = measure({"bpmn/progress-report.bpmn": text.replace(drawn, detour)}).values()
    assert any("assoc_record_figures" in p and "timer_progress_reminder_5wd 的标签" in p for p in page.problems), \
        page.problems
