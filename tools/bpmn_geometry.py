"""Shared constants and geometry of the BPMN layout tool (tools/bpmn_layout.py)."""
from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI}

FLOW_NODE_TAGS = {
    "startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
    "task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "manualTask", "sendTask",
    "receiveTask", "callActivity", "subProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
}

COL_W = 140          # width of a column holding an activity
SLIM_W = 78          # width of a column holding only events and gateways
ROW_H = 140          # height of one sub-row inside a lane
BLACK_BOX_H = 60     # height of a collapsed (black-box) pool below the process's pool
BLACK_BOX_GAP = 90   # space between pools, where message flows run
POOL_LABEL = 30      # vertical label band of the pool
LANE_LABEL = 30      # vertical label band of each lane
BOUNDARY_SPACING = 48  # between the centres of boundary events on one activity
MARGIN_X = 14        # space between the lane label band and the first column
ORIGIN = (160, 80)   # top-left corner of the pool


def local(el):
    return etree.QName(el).localname


def size_of(tag):
    if tag.endswith("Event"):
        return 36, 36
    if tag.endswith("Gateway"):
        return 50, 50
    return 120, 80



def overlap(a, b):
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def seg_hits(a, b, box, pad=2):
    """Whether the axis-parallel segment a-b passes through the rectangle box."""
    x, y, w, h = box
    x0, x1 = sorted((a[0], b[0]))
    y0, y1 = sorted((a[1], b[1]))
    return x0 < x + w - pad and x1 > x + pad and y0 < y + h - pad and y1 > y + pad


def fmt(v):
    return str(int(round(v)))


def seg_cross(p, q, r, s, tol=0.5):
    """Whether segments p-q and r-s cross inside both (touching at an end, or running alongside, is no crossing)."""
    d = (q[0] - p[0]) * (s[1] - r[1]) - (q[1] - p[1]) * (s[0] - r[0])
    if abs(d) < 1e-9:
        return False
    t = ((r[0] - p[0]) * (s[1] - r[1]) - (r[1] - p[1]) * (s[0] - r[0])) / d
    u = ((r[0] - p[0]) * (q[1] - p[1]) - (r[1] - p[1]) * (q[0] - p[0])) / d
    lp = max(abs(q[0] - p[0]), abs(q[1] - p[1]), 1e-9)
    lr = max(abs(s[0] - r[0]), abs(s[1] - r[1]), 1e-9)
    return tol / lp < t < 1 - tol / lp and tol / lr < u < 1 - tol / lr


def crossings(a, b):
    """How many times path a crosses path b."""
    return sum(seg_cross(p, q, r, s) for p, q in zip(a, a[1:]) for r, s in zip(b, b[1:]))


def alongside(a, b, tol=3):
    """How many segments of path a run on a segment of path b (axis-parallel, overlapping by more than a point)."""
    def along(p, q, r, s):
        for i in (0, 1):   # i: the axis the segments run along
            j = 1 - i
            if p[j] == q[j] and r[j] == s[j] and abs(p[j] - r[j]) < tol and p[i] != q[i] and r[i] != s[i]:
                lo, hi = max(min(p[i], q[i]), min(r[i], s[i])), min(max(p[i], q[i]), max(r[i], s[i]))
                if hi - lo > tol:
                    return True
        return False
    return sum(along(p, q, r, s) for p, q in zip(a, a[1:]) for r, s in zip(b, b[1:]))
