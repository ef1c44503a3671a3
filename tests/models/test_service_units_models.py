"""The 采购与合同, 测评 and yearly service-unit diagrams: they parse, are called from 实施, choose units from the
year's list and keep the joint steps in the lanes of the groups that own them. Only stdlib, lxml, SpiffWorkflow."""
import json
import pathlib

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

ROOT = pathlib.Path(__file__).resolve().parents[2]
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}
KINDS = {"监理", "等保测评", "第三方测评"}


@pytest.fixture(scope="module")
def parser():
    p = SpiffBpmnParser(validator=BpmnValidator())
    p.add_bpmn_files([str(f) for f in sorted((ROOT / "bpmn").glob("*.bpmn"))])
    p.add_dmn_files([str(f) for f in sorted((ROOT / "bpmn").glob("*.dmn"))])
    return p


@pytest.mark.parametrize("pid", ["procurement_contract", "mlps_test", "third_party_test", "city_service_units"])
def test_parses(parser, pid):
    assert parser.get_spec(pid) is not None


def test_implementation_calls_procurement_and_both_test_loops(parser):
    calls = {s.bpmn_id: s.spec for s in parser.get_spec("stage_implement").task_specs.values()
             if type(s).__name__ == "CallActivity"}
    assert calls == {"call_procurement": "procurement_contract", "call_mlps_test": "mlps_test",
                     "call_third_party_test": "third_party_test"}


def _lanes(path):
    tree = etree.parse(str(ROOT / "bpmn" / path))
    return {ref.text: lane.get("name") for lane in tree.iterfind(".//bpmn:lane", NS)
            for ref in lane.iterfind("bpmn:flowNodeRef", NS)}


def test_joint_steps_sit_in_their_groups_lanes():
    lanes = _lanes("procurement.bpmn")
    assert {k: lanes[k] for k in ("task_procurement", "task_procurement_review", "task_tender_requirements",
                                  "task_tender", "task_contract", "task_contract_dept", "task_contract_ggj")} == {
        "task_procurement": "市数管局", "task_procurement_review": "市财政局", "task_tender_requirements": "项目建设主管部门",
        "task_tender": "市公管局", "task_contract": "市数管局", "task_contract_dept": "项目建设主管部门",
        "task_contract_ggj": "市公管局"}
    assert _lanes("mlps-test.bpmn")["task_mlps_rectification"] == "项目建设主管部门"
    assert _lanes("third-party-test.bpmn")["task_test_rectification"] == "项目建设主管部门"


@pytest.mark.parametrize("form,field,kind", [("supervision.schema.json", "supervision_unit", "监理"),
                                             ("mlps-filing.schema.json", "mlps_test_unit", "等保测评"),
                                             ("third-party-test.schema.json", "test_unit", "第三方测评")])
def test_project_steps_choose_from_the_years_units(form, field, kind):
    schema = json.loads((ROOT / "forms" / form).read_text(encoding="utf-8"))
    assert schema["properties"][field]["x-options"] == f"units:{kind}"
    assert field in schema["required"]


def test_selection_form_gives_what_the_units_source_reads():
    """units:<kind> reads submissions holding build_year, service_kind and units [{name, qualification}]."""
    schema = json.loads((ROOT / "forms" / "service-units.schema.json").read_text(encoding="utf-8"))
    props = schema["properties"]
    assert props["build_year"]["readOnly"] and props["service_kind"]["readOnly"]
    assert set(props["service_kind"]["enum"]) == KINDS
    assert (props["units"]["minItems"], props["units"]["maxItems"]) == (2, 3)
    assert {"name", "qualification"} <= set(props["units"]["items"]["required"])
    tree = etree.parse(str(ROOT / "bpmn" / "city-service-units.bpmn"))
    kinds = {t.findtext(".//spiffworkflow:preScript", namespaces=NS) for t in tree.iterfind(".//bpmn:userTask", NS)
             if t.find(".//spiffworkflow:property[@value='service-units.schema.json']", NS) is not None}
    assert kinds == {f'service_kind = "{k}"' for k in KINDS}
