"""How a diagram prints: its page (A4 or A3 landscape), the scale that fits its DI to the page, the printed
size of its smallest label, and the places where a boundary label or a flow runs over a shape or two sequence
flows cross.

Read from the DI alone (lxml), so `models print`, its page and the tests agree without a browser.
"""
from dataclasses import dataclass, field

from lxml import etree

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
MM = 72 / 25.4  # points per millimetre
PAGES = {"A4": (297 * MM, 210 * MM), "A3": (420 * MM, 297 * MM)}  # landscape, in points
MARGIN = 10 * MM
MAX_SCALE = 1.0  # points per diagram unit: a small diagram is not blown up past 12 pt labels
# bpmn-js draws labels inside shapes at 12 px and external labels (events, gateways, flows) at 11 px.
LABEL_UNITS = 11
MIN_LABEL_PT = 7
# External labels bpmn-js places itself when the DI has none: 90 × 20 below the element.
DEFAULT_LABEL = (90, 20)
CONTAINERS = {"participant", "lane", "subProcess", "transaction", "group", "textAnnotation"}
FLOWS = {"sequenceFlow", "messageFlow"}
DATA_ASSOCIATIONS = {"dataInputAssociation", "dataOutputAssociation"}


def local(el):
    return etree.QName(el).localname


@dataclass
class DiagramPage:
    name: str
    page: str
    width: float  # of the DI, in diagram units
    height: float
    origin: tuple = (0.0, 0.0)
    scale: float = 0.0  # points per unit
    label_pt: float = 0.0
    problems: list = field(default_factory=list)
    crossings: list = field(default_factory=list)  # sequence flows crossing each other (reported, not refused)

    @property
    def page_size(self):
        return PAGES[self.page]


def parse(text):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(text.encode("utf-8") if isinstance(text, str) else text, parser)


def page_of(name, root, called_elsewhere):
    """A4 for the top of the hierarchy (it calls other diagrams and nobody calls it); A3 for the rest."""
    processes = {p.get("id") for p in root.iterfind(".//bpmn:process", NS)}
    calls = {c.get("calledElement") for c in root.iterfind(".//bpmn:callActivity", NS)}
    calls_others = bool(calls - processes)
    return "A4" if calls_others and not (processes & called_elsewhere) else "A3"


def measure(files):
    """{file: DiagramPage} for every .bpmn of `files` ({name: text})."""
    roots = {name: parse(text) for name, text in files.items() if name.endswith(".bpmn")}
    called = {name: {c.get("calledElement") for c in root.iterfind(".//bpmn:callActivity", NS)}
              for name, root in roots.items()}
    result = {}
    for name, root in roots.items():
        elsewhere = set().union(*(c for other, c in called.items() if other != name)) if len(roots) > 1 else set()
        result[name] = measure_one(name, root, page_of(name, root, elsewhere))
    return result


def _rect(bounds):
    return tuple(float(bounds.get(k)) for k in ("x", "y", "width", "height"))


def _label_rect(shape, rect):
    label = shape.find("bpmndi:BPMNLabel/dc:Bounds", NS)
    if label is not None:
        return _rect(label)
    w, h = DEFAULT_LABEL
    return (rect[0] + rect[2] / 2 - w / 2, rect[1] + rect[3] + 5, w, h)


def measure_one(name, root, page):
    elements = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    shapes, labels, edges = {}, {}, []
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        bounds = shape.find("dc:Bounds", NS)
        element = elements.get(shape.get("bpmnElement"))
        if bounds is None or element is None:
            continue
        rect = _rect(bounds)
        shapes[element.get("id")] = (local(element), rect, shape.get("isExpanded") == "true")
        if local(element) in ("boundaryEvent", "startEvent", "endEvent", "intermediateCatchEvent",
                              "intermediateThrowEvent", "exclusiveGateway", "inclusiveGateway",
                              "parallelGateway", "eventBasedGateway", "dataObjectReference") and element.get("name"):
            labels[element.get("id")] = _label_rect(shape, rect)
    for edge in root.iterfind(".//bpmndi:BPMNEdge", NS):
        points = [(float(p.get("x")), float(p.get("y"))) for p in edge.iterfind("di:waypoint", NS)]
        element = elements.get(edge.get("bpmnElement"))
        if element is not None and points:
            edges.append((element, points))
            label = edge.find("bpmndi:BPMNLabel/dc:Bounds", NS)
            if label is not None and element.get("name"):
                labels[element.get("id")] = _rect(label)
    xs, ys = [], []
    for _, (x, y, w, h), _ in shapes.values():
        xs += [x, x + w]
        ys += [y, y + h]
    for x, y, w, h in labels.values():
        xs += [x, x + w]
        ys += [y, y + h]
    for _, points in edges:
        xs += [p[0] for p in points]
        ys += [p[1] for p in points]
    if not xs:
        return DiagramPage(name, page, 0, 0, problems=["没有图形信息（BPMN DI）"])
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    page_w, page_h = PAGES[page]
    scale = min((page_w - 2 * MARGIN) / max(width, 1), (page_h - 2 * MARGIN) / max(height, 1), MAX_SCALE)
    result = DiagramPage(name, page, width, height, (min(xs), min(ys)), scale, round(LABEL_UNITS * scale, 2))
    if result.label_pt < MIN_LABEL_PT:
        result.problems.append(f"{page} 横向打印时最小字号 {result.label_pt} pt，小于 {MIN_LABEL_PT} pt")
    result.problems += _overlaps(elements, shapes, labels, edges)
    result.crossings = _crossings(edges)
    return result


def _crossing(p, q, r, s, tol=0.5):
    """The point where segment p→q crosses segment r→s inside both (not at an end of either), or None."""
    d = (q[0] - p[0]) * (s[1] - r[1]) - (q[1] - p[1]) * (s[0] - r[0])
    if abs(d) < 1e-9:
        return None  # parallel: running alongside is not a crossing
    t = ((r[0] - p[0]) * (s[1] - r[1]) - (r[1] - p[1]) * (s[0] - r[0])) / d
    u = ((r[0] - p[0]) * (q[1] - p[1]) - (r[1] - p[1]) * (q[0] - p[0])) / d
    len_pq, len_rs = max(abs(q[0] - p[0]), abs(q[1] - p[1])), max(abs(s[0] - r[0]), abs(s[1] - r[1]))
    if tol / len_pq < t < 1 - tol / len_pq and tol / len_rs < u < 1 - tol / len_rs:
        return round(p[0] + t * (q[0] - p[0])), round(p[1] + t * (q[1] - p[1]))
    return None


def _crossings(edges):
    """Sequence flows whose lines cross each other (a flow meeting another where both end is no crossing)."""
    flows = [(element.get("id"), points) for element, points in edges if local(element) == "sequenceFlow"]
    problems = []
    for i, (first, a) in enumerate(flows):
        for second, b in flows[i + 1:]:
            for p, q in zip(a, a[1:]):
                point = next((x for r, s in zip(b, b[1:]) if (x := _crossing(p, q, r, s))), None)
                if point:
                    problems.append(f"连线 {first} 与连线 {second} 交叉（{point[0]}, {point[1]}）")
                    break
    return problems


def _hits(a, b, pad=1.0):
    """Rectangles overlap by more than `pad` on both axes."""
    return (a[0] + pad < b[0] + b[2] and b[0] + pad < a[0] + a[2]
            and a[1] + pad < b[1] + b[3] and b[1] + pad < a[1] + a[3])


def _segment_hits(p, q, rect, pad=2.0):
    """An orthogonal or diagonal segment p→q passes through the inside of `rect` (shrunk by pad)."""
    x0, y0, x1, y1 = rect[0] + pad, rect[1] + pad, rect[0] + rect[2] - pad, rect[1] + rect[3] - pad
    if x0 >= x1 or y0 >= y1:
        return False
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for edge_p, edge_q in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if edge_p == 0:
            if edge_q < 0:
                return False
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return t1 - t0 > 1e-6


def _ancestors(element):
    found, parent = set(), element.getparent()
    while parent is not None:
        if parent.get("id"):
            found.add(parent.get("id"))
        parent = parent.getparent()
    return found


def _overlaps(elements, shapes, labels, edges):
    problems = []
    obstacles = {i: r for i, (kind, r, expanded) in shapes.items() if kind not in CONTAINERS and not expanded}
    for event_id, rect in labels.items():
        element = elements[event_id]
        if local(element) != "boundaryEvent":
            continue
        for other, box in obstacles.items():
            if other != event_id and _hits(rect, box):
                problems.append(f"边界事件“{element.get('name')}”（{event_id}）的标签压在图形 {other} 上")
    for element, points in edges:
        if local(element) in DATA_ASSOCIATIONS:
            # from its activity or event (the parent) to the data object; a boundary label counts as a shape
            ends = _ancestors(element) | {ref.text for ref in element if local(ref) in ("sourceRef", "targetRef")}
            boxes = {**obstacles, **{f"{i} 的标签": r for i, r in labels.items()
                                     if local(elements[i]) == "boundaryEvent"}}
            for other, box in boxes.items():
                if other not in ends and any(_segment_hits(p, q, box) for p, q in zip(points, points[1:])):
                    problems.append(f"数据关联 {element.get('id')} 穿过图形 {other}")
            continue
        if local(element) not in FLOWS:
            continue
        ends = {element.get("sourceRef"), element.get("targetRef")}
        around = _ancestors(element)
        for other, box in obstacles.items():
            if other in ends or other in around:
                continue
            if any(_segment_hits(p, q, box) for p, q in zip(points, points[1:])):
                problems.append(f"连线 {element.get('id')} 穿过图形 {other}")
    return problems
