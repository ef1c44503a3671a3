"""Diagrams under bpmn/: SpiffWorkflow parses them, DI is complete and tidy, user tasks name forms and sit in known lanes.

Only stdlib, lxml and SpiffWorkflow: no engine imports.
"""
import itertools
import pathlib
import re

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

ROOT = pathlib.Path(__file__).resolve().parents[2]
BPMN_FILES = sorted((ROOT / "bpmn").glob("*.bpmn"))
DMN_FILES = sorted((ROOT / "bpmn").glob("*.dmn"))
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
LANES = {"项目建设主管部门", "市数管局", "市发改委", "市财政局", "市公管局", "市审计局", "市政府", "专家"}
FLOW_NODES = ["startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
              "task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "manualTask", "sendTask",
              "receiveTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
              "inclusiveGateway", "eventBasedGateway"]


def parse(path):
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))


def flow_nodes(tree):
    return [el for tag in FLOW_NODES for el in tree.iterfind(f".//bpmn:process/bpmn:{tag}", NS)]


def bounds(tree):
    res = {}
    for sh in tree.iterfind(".//bpmndi:BPMNShape", NS):
        b = sh.find("dc:Bounds", NS)
        res[sh.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    return res


def overlap(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.fixture(scope="module")
def parser():
    p = SpiffBpmnParser(validator=BpmnValidator())
    p.add_bpmn_files([str(f) for f in BPMN_FILES])
    p.add_dmn_files([str(f) for f in DMN_FILES])
    return p


# Every executable process of every diagram, read from the files so that a new diagram is covered too.
PROCESS_IDS = sorted(p.get("id") for f in BPMN_FILES for p in etree.parse(str(f)).iterfind("bpmn:process", NS)
                     if p.get("isExecutable", "true") != "false")


def test_process_ids_cover_the_lifecycle():
    assert {"lifecycle", "stage_declare", "stage_implement", "acceptance", "stage_operation"} <= set(PROCESS_IDS)


@pytest.mark.parametrize("pid", PROCESS_IDS)
def test_spiff_parses(parser, pid):
    assert parser.get_spec(pid) is not None
    parser.get_subprocess_specs(pid)


def test_lifecycle_calls_acceptance(parser):
    assert "acceptance" in parser.get_subprocess_specs("lifecycle")
    assert "final_acceptance" in parser.get_subprocess_specs("acceptance")  # 竣工验收 with its expert panel


ROUTE_CASES = [
    ("设备购买类", False, False, 1000, "unified"),
    ("设备购买类", False, False, 300, "separate", True),   # the experts concluded 单独立项
    ("新建", True, True, 800, "separate", True),
    ("运维服务类", False, False, 300, "unified"),
    ("设备购买类", True, True, 1000.5, "separate"),
    ("新建", True, True, 800, "unified"),
    ("升级改造", True, False, 800, "separate"),
    ("扩建", False, True, 800, "separate"),
    ("新建", True, True, 1200, "separate"),
]


@pytest.mark.parametrize("category,clear,simple,budget,route,experts_separate",
                         [c if len(c) == 6 else (*c, False) for c in ROUTE_CASES])
def test_establishment_route_table(parser, category, clear, simple, budget, route, experts_separate):
    """The DMN rule of the notice: the experts' 是否单独立项 first; else (类别 ∈ {设备购买类, 运维服务类} or
    (需求明确 and 架构简单)) and 预算 ≤ 1000."""
    from types import SimpleNamespace

    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
    from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

    dmn = parser.dmn_parsers["establishment_route"]
    dmn.parse()
    table = dmn.decision.decisionTables[0]
    data = {"project_category": category, "requirements_clear": clear, "architecture_simple": simple, "budget_wan": budget,
            "separate_establishment": experts_separate}
    task = SimpleNamespace(data=data, workflow=SimpleNamespace(script_engine=PythonScriptEngine()),
                           task_spec=SimpleNamespace(bpmn_id="task_establishment_route", bpmn_name="判定立项方式"))
    assert DMNEngine(table).result(task) == {"establishment_route": route}


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_every_element_has_di(path):
    tree = parse(path)
    shapes = bounds(tree)
    edges = {e.get("bpmnElement"): e for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    for el in flow_nodes(tree):
        assert el.get("id") in shapes, f"no shape for {el.get('id')}"
    for lane in tree.iterfind(".//bpmn:lane", NS):
        assert lane.get("id") in shapes, f"no shape for lane {lane.get('id')}"
    for group in tree.iterfind(".//bpmn:group", NS):
        assert group.get("id") in shapes, f"no shape for group {group.get('id')}"
    for f in tree.iterfind(".//bpmn:sequenceFlow", NS):
        assert f.get("id") in edges, f"no edge for {f.get('id')}"
        assert len(edges[f.get("id")].findall("di:waypoint", NS)) >= 2
    for sh in tree.iterfind(".//bpmndi:BPMNShape", NS):
        if sh.get("bpmnElement").startswith("lane_") or sh.get("bpmnElement").startswith("participant_"):
            assert sh.get("isHorizontal") == "true"


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_no_overlaps_and_nodes_inside_their_lane(path):
    tree = parse(path)
    shapes = bounds(tree)
    nodes = flow_nodes(tree)
    host = {el.get("id"): el.get("attachedToRef") for el in nodes if el.get("attachedToRef")}
    ids = [el.get("id") for el in nodes]
    for a, b in itertools.combinations(ids, 2):
        if host.get(a) == b or host.get(b) == a:
            continue
        assert not overlap(shapes[a], shapes[b]), f"{a} overlaps {b}"
    lanes = list(tree.iterfind(".//bpmn:lane", NS))
    for la, lb in itertools.combinations(lanes, 2):
        assert not overlap(shapes[la.get("id")], shapes[lb.get("id")])
    groups = [g.get("id") for g in tree.iterfind(".//bpmn:group", NS)]
    for ga, gb in itertools.combinations(groups, 2):
        assert not overlap(shapes[ga], shapes[gb])
    for lane in lanes:
        lx, ly, lw, lh = shapes[lane.get("id")]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            x, y, w, h = shapes[ref.text.strip()]
            cy = y + h / 2
            if ref.text.strip() in host:
                continue
            assert ly <= y and y + h <= ly + lh and lx <= x and x + w <= lx + lw, f"{ref.text} outside {lane.get('name')}"
            assert ly <= cy <= ly + lh


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_user_tasks_name_forms_and_sit_in_known_lanes(path):
    tree = parse(path)
    if tree.find(".//bpmn:userTask", NS) is not None:
        assert tree.find(".//bpmn:process/bpmn:laneSet", NS) is not None
    lane_of = {}
    for lane in tree.iterfind(".//bpmn:lane", NS):
        assert lane.get("name") in LANES, lane.get("name")
        assert re.fullmatch(r"[a-z_]+", lane.get("id"))
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            lane_of[ref.text.strip()] = lane.get("name")
    for el in flow_nodes(tree):
        assert re.fullmatch(r"[a-z0-9_]+", el.get("id")), el.get("id")
        if el.get("attachedToRef") is None and lane_of:
            assert el.get("id") in lane_of, f"{el.get('id')} is in no lane"
    for task in tree.iterfind(".//bpmn:userTask", NS):
        assert task.get("name"), task.get("id")
        props = {p.get("name"): p.get("value") for p in task.iterfind(".//spiffworkflow:property", NS)}
        form = props.get("formJsonSchemaFilename")
        assert form and (ROOT / "forms" / form).is_file(), f"{task.get('id')}: form {form} missing"
        assert lane_of.get(task.get("id")) in LANES


STAGES = [("call_plan", "谋划", "stage_plan"), ("call_declare", "申报", "stage_declare"),
          ("call_implement", "实施", "stage_implement"), ("call_acceptance", "验收", "acceptance"),
          ("call_operation", "运维", "stage_operation")]


def test_lifecycle_is_five_stages_each_a_call_activity(parser):
    """The top level reads 谋划 → 申报 → 实施 → 验收 → 运维; each stage marker is the call activity's preScript."""
    tree = parse(ROOT / "bpmn" / "lifecycle.bpmn")
    calls = {c.get("id"): c for c in tree.iterfind(".//bpmn:process/bpmn:callActivity", NS)}
    assert [c for c, _, _ in STAGES] == [c for c in calls if c in dict((s[0], 1) for s in STAGES)]
    for cid, stage, process in STAGES:
        call = calls[cid]
        assert call.get("name") == stage and call.get("calledElement") == process
        assert re.match(rf'\s*stage\s*=\s*"{stage}"', call.findtext(".//spiffworkflow:preScript", "", NS))
        assert process in parser.get_subprocess_specs("lifecycle")
    assert not list(tree.iterfind(".//bpmn:userTask", NS)), "the top level holds stages, not steps"
    assert not list(tree.iterfind(".//bpmn:scriptTask", NS))


def _label_pt(tree, page):
    """Printed size of an 11 px external label when the diagram's DI is scaled onto `page` (pt, 10 mm margins)."""
    xs, ys = [], []
    for b in tree.iterfind(".//dc:Bounds", NS):
        x, y, w, h = (float(b.get(k)) for k in ("x", "y", "width", "height"))
        xs += [x, x + w]
        ys += [y, y + h]
    for w in tree.iterfind(".//di:waypoint", NS):
        xs.append(float(w.get("x")))
        ys.append(float(w.get("y")))
    pw, ph = {"A4": (841.89, 595.28), "A3": (1190.55, 841.89)}[page]
    scale = min((pw - 56.7) / (max(xs) - min(xs)), (ph - 56.7) / (max(ys) - min(ys)))
    return 11 * scale


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_prints_legibly(path):
    """Top level on A4 landscape, every other diagram on A3 landscape, labels at 7 pt or more."""
    page = "A4" if path.name == "lifecycle.bpmn" else "A3"
    assert _label_pt(parse(path), page) >= 7


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_business_view_conventions(path):
    """No empty lane; parallel gateways unlabelled, exclusive ones a question; end events named; names unique;
    no boundary label or sequence flow over a shape it does not connect."""
    tree = parse(path)
    for lane in tree.iterfind(".//bpmn:lane", NS):
        assert lane.findall("bpmn:flowNodeRef", NS), f"empty lane {lane.get('name')}"
    for gw in tree.iterfind(".//bpmn:parallelGateway", NS):
        assert not gw.get("name"), gw.get("id")
    for gw in tree.iterfind(".//bpmn:exclusiveGateway", NS):
        if len([f for f in tree.iterfind(".//bpmn:sequenceFlow", NS) if f.get("sourceRef") == gw.get("id")]) > 1:
            assert (gw.get("name") or "").endswith("？"), gw.get("id")
    for end in tree.iterfind(".//bpmn:process/bpmn:endEvent", NS):
        assert end.get("name"), end.get("id")
    named = [el.get("name") for el in flow_nodes(tree) if el.get("name")
             and etree.QName(el).localname not in ("endEvent", "boundaryEvent")]
    assert len(named) == len(set(named)), sorted(n for n in named if named.count(n) > 1)
    shapes = bounds(tree)
    nodes = {el.get("id") for el in flow_nodes(tree)}
    for sh in tree.iterfind(".//bpmndi:BPMNShape", NS):
        lab = sh.find("bpmndi:BPMNLabel/dc:Bounds", NS)
        if lab is None:
            continue
        box = tuple(float(lab.get(k)) for k in ("x", "y", "width", "height"))
        for other in nodes - {sh.get("bpmnElement")}:
            assert not overlap(box, shapes[other]), f"label of {sh.get('bpmnElement')} on {other}"
    attached = {el.get("id"): el.get("attachedToRef") for el in flow_nodes(tree) if el.get("attachedToRef")}
    for f in tree.iterfind(".//bpmn:sequenceFlow", NS):
        ends = {f.get("sourceRef"), f.get("targetRef")}
        ends |= {attached[e] for e in ends if e in attached}  # a boundary event's flow starts on its host
        edge = tree.find(f".//bpmndi:BPMNEdge[@bpmnElement='{f.get('id')}']", NS)
        points = [(float(w.get("x")), float(w.get("y"))) for w in edge.iterfind("di:waypoint", NS)]
        for (ax, ay), (bx, by) in zip(points, points[1:]):
            for other in nodes - ends:
                x, y, w, h = shapes[other]
                hit = min(ax, bx) < x + w - 2 and max(ax, bx) > x + 2 and min(ay, by) < y + h - 2 and max(ay, by) > y + 2
                assert not hit, f"{f.get('id')} runs through {other}"


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_instructions_have_no_raw_placeholders(path):
    """办理说明 is shown as written: a `{{ name }}` would reach the person raw (issue 9 item 7)."""
    for text in parse(path).iterfind(".//spiffworkflow:instructionsForEndUser", NS):
        assert "{{" not in (text.text or "") and "{%" not in (text.text or ""), text.getparent().getparent().get("id")


# Script tasks kept although no timer sends them (docs/modelling.md, "Conventions"): 转入下一申报轮次 is the
# 逾期 outcome of 逾期提交？ (the notice moves a late declaration to next year's round).
KEPT_SCRIPT_TASKS = {"stage-declare.bpmn": {"script_declaration_late"}}


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_script_boxes_are_only_timer_reminders(path):
    """Technical steps are pre/post scripts: a script task on the business view is the reminder or 督办 a
    boundary timer sends (no task runs at the timer's moment), apart from the documented exception."""
    tree = parse(path)
    timers = {el.get("id") for el in tree.iterfind(".//bpmn:process/bpmn:boundaryEvent", NS)
              if el.find("bpmn:timerEventDefinition", NS) is not None}
    sources = {}
    for f in tree.iterfind(".//bpmn:sequenceFlow", NS):
        sources.setdefault(f.get("targetRef"), set()).add(f.get("sourceRef"))
    kept = KEPT_SCRIPT_TASKS.get(path.name, set())
    scripts = {el.get("id") for el in tree.iterfind(".//bpmn:scriptTask", NS)}
    assert kept <= scripts, f"{sorted(kept - scripts)} no longer in {path.name}: drop it from KEPT_SCRIPT_TASKS"
    for script in scripts - kept:
        assert sources.get(script) and sources[script] <= timers, \
            f"{script} is a technical box: make it a pre/post script of the step it belongs to"
