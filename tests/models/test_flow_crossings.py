"""No two sequence flows of a diagram cross, and no flow runs through a shape other than its own ends, measured
from the DI of every diagram under bpmn/ (the layout tool routes loops round the lane content and picks, per
flow, the route crossing fewest others). The few crossings the placement leaves no way round are listed by
name: a new one fails, and one that goes away must be struck from the list."""
import re

import pytest

from engine.registry import read_model_dir
from webapp.modeler.diagram_pages import measure

from conftest import ROOT

PAGES = measure(read_model_dir(ROOT))

# Crossings no route avoids with the present placement (a reminder branch and the main path leaving one activity
# for other lanes): (flow, flow) pairs per diagram.
KNOWN = {
    "bpmn/acceptance.bpmn": {("flow_application_remind_5wd", "flow_application_final")},
}


def _pairs(crossings):
    return {tuple(re.match(r"连线 (\S+) 与连线 (\S+) 交叉", c).groups()) for c in crossings}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_sequence_flows_do_not_cross(name):
    assert _pairs(PAGES[name].crossings) == KNOWN.get(name, set()), PAGES[name].crossings


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_flow_runs_through_a_shape(name):
    assert not [p for p in PAGES[name].problems if p.startswith("连线")], PAGES[name].problems


def test_the_loops_that_crossed_go_round():
    """退回补正 (stage-declare) and the 整改 loops of acceptance cross nothing any more."""
    crossing = {f for c in PAGES["bpmn/stage-declare.bpmn"].crossings + PAGES["bpmn/acceptance.bpmn"].crossings
                for f in c.split()}
    assert not {"flow_supplement_back", "flow_precheck_failed"} & crossing


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
