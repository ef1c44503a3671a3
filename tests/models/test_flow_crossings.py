"""No two sequence flows of a diagram cross, and no flow runs through a shape other than its own ends, measured
from the DI of every diagram under bpmn/ (the layout tool routes loops round the lane content, picks per flow the
route crossing fewest others, and lets a main flow leave its activity between boundary events whose branches it
would otherwise cross)."""
import re

import pytest
from lxml import etree

from engine.registry import read_model_dir
from webapp.modeler.diagram_pages import measure

from conftest import ROOT

PAGES = measure(read_model_dir(ROOT))


def _pairs(crossings):
    return {tuple(re.match(r"连线 (\S+) 与连线 (\S+) 交叉", c).groups()) for c in crossings}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_sequence_flows_do_not_cross(name):
    assert PAGES[name].crossings == []


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_flow_runs_through_a_shape(name):
    assert not [p for p in PAGES[name].problems if p.startswith("连线")], PAGES[name].problems


def test_the_loops_that_crossed_go_round():
    """退回补正 (stage-declare) and the 整改 loops of acceptance cross nothing any more; 申请竣工验收 leaves for 竣工验收
    between its overdue timer (whose 督办 lies below) and its reminder timers (whose branches stay above)."""
    crossing = {f for c in PAGES["bpmn/stage-declare.bpmn"].crossings + PAGES["bpmn/acceptance.bpmn"].crossings
                for f in c.split()}
    assert not {"flow_supplement_back", "flow_precheck_failed"} & crossing
    root = etree.fromstring((ROOT / "bpmn/acceptance.bpmn").read_bytes())
    host = _bounds(root, "task_final_application")
    [(x, y), *_] = _waypoints(root, "flow_application_final")
    timers = sorted(_bounds(root, t)[0] for t in ("timer_application_overdue", "timer_application_reminder_5wd"))
    assert y == host[1] + host[3] and timers[0] + 36 < x < timers[1]


def _bounds(root, element):
    b = root.find(f".//{{*}}BPMNShape[@bpmnElement='{element}']/{{*}}Bounds")
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def _waypoints(root, flow):
    return [(float(w.get("x")), float(w.get("y"))) for w in root.findall(f".//{{*}}BPMNEdge[@bpmnElement='{flow}']/{{*}}waypoint")]


def test_the_check_finds_a_crossing():
    """Two flows drawn across each other are reported; two meeting at a shared end are not."""
    text = (ROOT / "tests/fixtures/engine/bpmn/simple.bpmn").read_text(encoding="utf-8")
    di = """<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="simple_collab">
      <bpmndi:BPMNEdge id="e1" bpmnElement="f1"><di:waypoint x="0" y="100"/><di:waypoint x="400" y="100"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="e2" bpmnElement="f2"><di:waypoint x="200" y="0"/><di:waypoint x="200" y="300"/></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="e3" bpmnElement="f3"><di:waypoint x="400" y="100"/><di:waypoint x="400" y="300"/></bpmndi:BPMNEdge>
      </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"""
    text = text.replace('xmlns:spiffworkflow=', 'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
                        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
                        'xmlns:spiffworkflow=').replace("</bpmn:definitions>", di + "</bpmn:definitions>")
    [page] = measure({"bpmn/simple.bpmn": text}).values()
    assert _pairs(page.crossings) == {("f1", "f2")}, page.crossings
