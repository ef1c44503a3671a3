#!/usr/bin/env python
"""Compute BPMN DI (diagram interchange) for a diagram from its semantic part.

Development helper for the files under ``bpmn/``; the committed .bpmn stays the source of truth.

    python tools/bpmn_layout.py bpmn/lifecycle.bpmn [more.bpmn ...]

What it does, per file (one collaboration with one participant, one process with a laneSet):

* drops any existing ``bpmndi:BPMNDiagram`` and rewrites ``bpmn:incoming``/``bpmn:outgoing``;
* column of a node = longest path from the start events over the forward sequence flows (back edges of
  loops are found by a depth-first search); a boundary event shares its host's column;
* row = the node's lane, stacked in sub-rows when several nodes of one lane share a column
  (paths leaving a boundary event go one sub-row below their host);
* lanes are sized to their sub-rows, the pool to its lanes;
* every ``bpmn:group`` whose category value is a stage name (谋划, 申报, …) becomes a band over all lanes,
  from the script task that sets ``stage = "<name>"`` up to the next stage's script task;
* sequence flows are routed orthogonally;
* a ``bpmn:dataObjectReference`` goes into a free sub-row of the lane of the first node that writes it
  (else reads it), in the middle column of the nodes associated with it; its data input/output
  associations are drawn as edges.

Ids and names are never changed. Only stdlib + lxml.
"""
import re
import sys
from collections import defaultdict

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


class Layout:
    def __init__(self, tree):
        self.tree = tree
        self.root = tree.getroot()
        self.process = self.root.find("bpmn:process", NS)
        self.collab = self.root.find("bpmn:collaboration", NS)
        self.nodes = {}      # id -> element
        for el in self.process:
            if isinstance(el.tag, str) and local(el) in FLOW_NODE_TAGS:
                self.nodes[el.get("id")] = el
        self.flows = [f for f in self.process.findall("bpmn:sequenceFlow", NS)]
        self.out = defaultdict(list)
        self.inc = defaultdict(list)
        for f in self.flows:
            self.out[f.get("sourceRef")].append(f)
            self.inc[f.get("targetRef")].append(f)
        self.boundaries = defaultdict(list)   # host -> boundary ids
        for nid, el in self.nodes.items():
            if local(el) == "boundaryEvent":
                self.boundaries[el.get("attachedToRef")].append(nid)
        self.lanes = self.process.findall("bpmn:laneSet/bpmn:lane", NS)
        self.lane_of = {}
        if not self.lanes:   # a pool without lanes: one band, no lane shape
            self.lanes = [None]
            self.lane_of = {n: 0 for n in self.nodes}
        for i, lane in enumerate(self.lanes):
            for ref in lane.findall("bpmn:flowNodeRef", NS) if lane is not None else []:
                self.lane_of[ref.text.strip()] = i
        for nid, el in self.nodes.items():
            if nid not in self.lane_of and local(el) == "boundaryEvent":
                self.lane_of[nid] = self.lane_of[el.get("attachedToRef")]
        self.data_refs = {el.get("id"): el for el in self.process.findall("bpmn:dataObjectReference", NS)}
        self.assocs = []     # (association id, node, data reference, "in" | "out"), writers first
        for direction, tag, ref_tag in (("out", "dataOutputAssociation", "targetRef"),
                                        ("in", "dataInputAssociation", "sourceRef")):
            for nid, el in self.nodes.items():
                for a in el.findall(f"bpmn:{tag}", NS):
                    ref = a.findtext(f"bpmn:{ref_tag}", "", NS).strip()
                    if ref in self.data_refs and a.get("id"):
                        self.assocs.append((a.get("id"), nid, ref, direction))
        missing = [n for n in self.nodes if n not in self.lane_of]
        if missing:
            raise SystemExit(f"nodes outside every lane: {missing}")

    # ---- ordering -------------------------------------------------------------------------------
    def successors(self, nid):
        """(target, flow-or-None) pairs: sequence flows first, then attached boundary events."""
        res = [(f.get("targetRef"), f) for f in self.out[nid]]
        res += [(b, None) for b in self.boundaries.get(nid, [])]
        return res

    def find_back_edges(self):
        starts = [n for n, el in self.nodes.items()
                  if local(el) == "startEvent" or (not self.inc[n] and local(el) != "boundaryEvent")]
        back, state, order = set(), {}, []
        sys.setrecursionlimit(10000)

        def dfs(n):
            state[n] = 1
            order.append(n)
            for t, f in self.successors(n):
                if state.get(t) == 1 and f is not None:
                    back.add(f.get("id"))
                elif t not in state:
                    dfs(t)
            state[n] = 2

        for s in starts:
            if s not in state:
                dfs(s)
        for n in self.nodes:
            if n not in state:
                dfs(n)
        self.order = {n: i for i, n in enumerate(order)}
        return back

    def assign_columns(self):
        self.back = self.find_back_edges()
        col = {n: 0 for n in self.nodes}
        changed = True
        rounds = 0
        while changed:
            changed = False
            rounds += 1
            if rounds > len(self.nodes) + 5:
                raise SystemExit("cycle without a back edge")
            for f in self.flows:
                if f.get("id") in self.back:
                    continue
                s, t = f.get("sourceRef"), f.get("targetRef")
                if col[t] < col[s] + 1:
                    col[t] = col[s] + 1
                    changed = True
            for host, bs in self.boundaries.items():
                for b in bs:
                    if col[b] != col[host]:
                        col[b] = col[host]
                        changed = True
        self.col = col

    def assign_rows(self):
        """Main path first (one sub-row per node and column), then each boundary branch on one free row."""
        taken = set()   # (lane, col, sub)
        sub = {}
        branch_of = {}
        for host, bs in self.boundaries.items():
            for b in bs:
                stack = [f.get("targetRef") for f in self.out[b]]
                while stack:
                    n = stack.pop()
                    if n in branch_of:
                        continue
                    branch_of[n] = b
                    stack += [f.get("targetRef") for f in self.out[n] if f.get("id") not in self.back]
        main = [n for n in self.nodes if local(self.nodes[n]) != "boundaryEvent" and n not in branch_of]
        for n in sorted(main, key=lambda n: (self.col[n], self.order[n])):
            lane = self.lane_of[n]
            pref = None
            for f in self.inc[n]:
                s = f.get("sourceRef")
                if f.get("id") in self.back or s not in sub:
                    continue
                cand = sub[s] if self.lane_of[s] == lane else 0
                pref = cand if pref is None else min(pref, cand)
            r = pref or 0
            while (lane, self.col[n], r) in taken:
                r += 1
            taken.add((lane, self.col[n], r))
            sub[n] = r
        for host, bs in self.boundaries.items():
            for b in bs:
                sub[b] = sub[host]
        for host, bs in self.boundaries.items():
            # the rightmost event's branch takes the row nearest its host: the flows going down never cross
            for b in reversed(bs):
                members = [n for n, bb in branch_of.items() if bb == b]
                for lane in sorted({self.lane_of[n] for n in members}):
                    ms = [n for n in members if self.lane_of[n] == lane]
                    r = sub[host] + 1 if lane == self.lane_of[host] else 0
                    while any((lane, self.col[n], r) in taken for n in ms):
                        r += 1
                    for n in ms:
                        taken.add((lane, self.col[n], r))
                        sub[n] = r
        for ref in self.data_refs:
            linked = [n for _a, n, r, _d in self.assocs if r == ref]
            if not linked:
                continue
            cols = sorted(self.col[n] for n in linked)
            lane, c = self.lane_of[linked[0]], cols[(len(cols) - 1) // 2]
            r = 0
            while (lane, c, r) in taken:
                r += 1
            taken.add((lane, c, r))
            self.lane_of[ref], self.col[ref], sub[ref] = lane, c, r
        self.sub = sub
        self.nsub = defaultdict(lambda: 1)
        for (lane, _c, r) in taken:
            self.nsub[lane] = max(self.nsub[lane], r + 1)

    # ---- geometry -------------------------------------------------------------------------------
    def geometry(self):
        ox, oy = ORIGIN
        self.ncols = max(self.col.values()) + 1
        lane_label = LANE_LABEL if self.lanes[0] is not None else 0
        self.content_x = ox + POOL_LABEL + lane_label + MARGIN_X
        self.col_w = [SLIM_W] * self.ncols
        for n, el in self.nodes.items():
            tag = local(el)
            if not (tag.endswith("Event") or tag.endswith("Gateway")):
                self.col_w[self.col[n]] = COL_W
        for host, bs in self.boundaries.items():   # room for a row of boundary events wider than the host
            span = (len(bs) - 1) * BOUNDARY_SPACING + 36 + 8
            self.col_w[self.col[host]] = max(self.col_w[self.col[host]], span)
        self.col_x = [0]
        for w in self.col_w:
            self.col_x.append(self.col_x[-1] + w)
        width = POOL_LABEL + lane_label + MARGIN_X + self.col_x[-1] + MARGIN_X
        self.lane_box = []
        y = oy
        for i, _lane in enumerate(self.lanes):
            h = self.nsub[i] * ROW_H
            self.lane_box.append((ox + POOL_LABEL, y, width - POOL_LABEL, h))
            y += h
        self.pool_box = (ox, oy, width, y - oy)
        self.box = {}
        for n, el in self.nodes.items():
            if local(el) == "boundaryEvent":
                continue
            w, h = size_of(local(el))
            cx = self.col_left(self.col[n]) + self.col_w[self.col[n]] / 2
            lane = self.lane_box[self.lane_of[n]]
            cy = lane[1] + self.sub[n] * ROW_H + ROW_H / 2
            self.box[n] = (cx - w / 2, cy - h / 2, w, h)
        for host, bs in self.boundaries.items():
            hx, hy, hw, hh = self.box[host]
            k = len(bs)
            for i, b in enumerate(bs):
                cx = hx + hw * 0.7 if k == 1 else hx + hw / 2 + (i - (k - 1) / 2) * BOUNDARY_SPACING
                self.box[b] = (cx - 18, hy + hh - 18, 36, 36)
        for ref in self.data_refs:
            if ref in self.col:
                cx = self.col_left(self.col[ref]) + self.col_w[self.col[ref]] / 2
                lane = self.lane_box[self.lane_of[ref]]
                cy = lane[1] + self.sub[ref] * ROW_H + ROW_H / 2
                self.box[ref] = (cx - 18, cy - 25, 36, 50)

    def col_left(self, c):
        return self.content_x + self.col_x[min(c, self.ncols)]

    def route(self, f):
        """The first candidate route whose segments cross no shape other than its ends."""
        cands = self.candidates(f)
        s, t = f.get("sourceRef"), f.get("targetRef")
        skip = {s, t}   # the ends' boundary events and a boundary event's host are obstacles too
        for c in cands:
            if not any(seg_hits(a, b, self.box[n]) for a, b in zip(c, c[1:]) for n in self.box if n not in skip):
                return c
        return cands[0]

    def candidates(self, f):
        s, t = f.get("sourceRef"), f.get("targetRef")
        res = [self.route_default(f)]
        sx, sy, sw, sh = self.box[s]
        tx, ty, tw, th = self.box[t]
        scy, tcy = sy + sh / 2, ty + th / 2
        if f.get("id") not in self.back and abs(scy - tcy) < 1 and tx > sx + sw:
            # same row but a shape in between: under it, from the source's bottom to the target's bottom
            y = scy + ROW_H / 2 - 12
            res.append([(sx + sw / 2, sy + sh), (sx + sw / 2, y), (tx + tw / 2, y), (tx + tw / 2, ty + th)])
        right = max([sx + sw] + [self.box[b][0] + self.box[b][2] for b in self.boundaries.get(s, [])])
        if f.get("id") not in self.back and abs(scy - tcy) >= 1 and tx > right + 4:
            # beyond the source's boundary events, which may stick out under its right corner
            gx = (right + tx) / 2
            res.append([(sx + sw, scy), (gx, scy), (gx, tcy), (tx, tcy)])
        if f.get("id") not in self.back and abs(scy - tcy) >= 1 and self.col[t] > self.col[s] \
                and self.col_left(self.col[t]) + 4 > right + 2:
            # down the narrow gap at the very start of the target's column, left of anything standing in it
            gx = self.col_left(self.col[t]) + 4
            res.append([(sx + sw, scy), (gx, scy), (gx, tcy), (tx, tcy)])
        if f.get("id") not in self.back and abs(scy - tcy) >= 1 and tx + tw / 2 > right + 10:
            # across to above (below) the target, then into its top (bottom)
            yt = ty if tcy > scy else ty + th
            res.append([(sx + sw, scy), (tx + tw / 2, scy), (tx + tw / 2, yt)])
        if local(self.nodes[s]) == "boundaryEvent" and tcy < scy:
            # up to a row above: not through the host, but round its right side
            host = self.box[self.nodes[s].get("attachedToRef")]
            edge = max([host[0] + host[2]] + [self.box[b][0] + self.box[b][2]
                                              for b in self.boundaries[self.nodes[s].get("attachedToRef")]])
            y = sy + sh + 12
            if tx > edge + 10:
                res.append([(sx + sw / 2, sy + sh), (sx + sw / 2, y), (edge + 10, y), (edge + 10, tcy), (tx, tcy)])
        if f.get("id") not in self.back and abs(scy - tcy) >= 1 and tx > sx + sw:
            for gx in (self.col_left(self.col[t]) + (self.col_w[self.col[t]] - tw) / 2 - 15,
                       self.col_left(self.col[s] + 1) - 8,
                       self.col_left(self.col[t]) - 8):
                if sx + sw < gx < tx:
                    res.append([(sx + sw, scy), (gx, scy), (gx, tcy), (tx, tcy)])
        return res

    def route_association(self, node, ref, direction):
        """An orthogonal path between a node and a data object reference that crosses no other shape."""
        nx, ny, nw, nh = self.box[node]
        rx, ry, rw, rh = self.box[ref]
        ncx, ncy, rcx, rcy = nx + nw / 2, ny + nh / 2, rx + rw / 2, ry + rh / 2
        ny_edge = ny + nh if rcy > ncy else ny
        rx_edge = rx if rcx > ncx else rx + rw
        ry_edge = ry if rcy > ncy else ry + rh
        cands = []
        if abs(ncx - rcx) < 1:
            cands.append([(ncx, ny_edge), (rcx, ry_edge)])
        cands.append([(ncx, ny_edge), (ncx, rcy), (rx_edge, rcy)])       # down (up) from the node, across
        nx_edge = nx + nw if rcx > ncx else nx
        cands.append([(nx_edge, ncy), (rcx, ncy), (rcx, ry_edge)])      # across from the node, down (up)
        dy = min(15, nh / 2 - 3)   # beside the sequence flows that leave the node's middle
        for right in ((rcx >= ncx), (rcx < ncx)):
            gx = self.col_left(self.col[node] + 1) - 8 if right else self.col_left(self.col[node]) + 8
            sx = nx + nw if right else nx
            rx_side = rx if gx < rx else rx + rw
            for y0 in (ncy + dy, ncy - dy):
                cands.append([(sx, y0), (gx, y0), (gx, rcy), (rx_side, rcy)])   # down a column gap
        skip = {node, ref} | set(self.boundaries.get(node, []))
        path = cands[0]
        for c in cands:
            if not any(seg_hits(a, b, self.box[n]) for a, b in zip(c, c[1:]) for n in self.box if n not in skip):
                path = c
                break
        return path if direction == "out" else path[::-1]

    def route_default(self, f):
        s, t = f.get("sourceRef"), f.get("targetRef")
        sx, sy, sw, sh = self.box[s]
        tx, ty, tw, th = self.box[t]
        scx, scy = sx + sw / 2, sy + sh / 2
        tcx, tcy = tx + tw / 2, ty + th / 2
        stag = local(self.nodes[s])
        if f.get("id") in self.back:
            if abs(tcy - scy) < 1:   # loop back on the same row: run above both
                y = min(sy, ty) - 22
                return [(scx, sy), (scx, y), (tcx, y), (tcx, ty)]
            if tcy < scy:   # loop back upwards: run below the source
                y = max(sy + sh, ty + th) + 25
                if stag == "boundaryEvent":
                    y = sy + sh + 25
                return [(scx, sy + sh), (scx, y), (tcx, y), (tcx, ty + th)]
            y = ty - 25      # loop back to a lower row: run above the target
            return [(scx, sy + sh), (scx, y), (tcx, y), (tcx, ty)]
        if abs(scy - tcy) < 1:
            return [(sx + sw, scy), (tx, tcy)]
        if stag == "boundaryEvent" or stag.endswith("Gateway"):
            ys = sy + sh if tcy > scy else sy
            return [(scx, ys), (scx, tcy), (tx, tcy)]
        if t in self.nodes and local(self.nodes[t]).endswith("Gateway"):
            yt = ty if scy < tcy else ty + th
            return [(sx + sw, scy), (tcx, scy), (tcx, yt)]
        # vertical in the gap before the target column
        gx = self.col_left(self.col[t]) + (self.col_w[self.col[t]] - tw) / 2 - 15
        if gx <= sx + sw:
            gx = sx + sw + 10
        return [(sx + sw, scy), (gx, scy), (gx, tcy), (tx, tcy)]

    # ---- output ---------------------------------------------------------------------------------
    def write_io(self):
        """Rewrite bpmn:incoming / bpmn:outgoing of every flow node (BPMN schema order)."""
        for n, el in self.nodes.items():
            for old in el.findall("bpmn:incoming", NS) + el.findall("bpmn:outgoing", NS):
                el.remove(old)
            pos = 0
            for i, child in enumerate(el):
                if isinstance(child.tag, str) and local(child) in ("documentation", "extensionElements"):
                    pos = i + 1
            new = []
            for f in self.inc[n]:
                e = etree.Element(f"{{{BPMN}}}incoming")
                e.text = f.get("id")
                new.append(e)
            for f in self.out[n]:
                e = etree.Element(f"{{{BPMN}}}outgoing")
                e.text = f.get("id")
                new.append(e)
            for k, e in enumerate(new):
                el.insert(pos + k, e)

    def stage_bands(self):
        starts = {}
        for n, el in self.nodes.items():
            if local(el) == "scriptTask":
                m = re.match(r'\s*stage\s*=\s*"([^"]+)"', el.findtext("bpmn:script", "", NS))
                if m:
                    starts[m.group(1)] = self.col[n]
        values = {}
        for cv in self.root.iter(f"{{{BPMN}}}categoryValue"):
            values[cv.get("id")] = cv.get("value")
        groups = []
        for g in self.process.findall("bpmn:group", NS) + (
                self.collab.findall("bpmn:group", NS) if self.collab is not None else []):
            stage = values.get(g.get("categoryValueRef"))
            if stage in starts:
                groups.append((starts[stage], g.get("id"), stage))
        groups.sort()
        bands = {}
        for i, (c0, gid, _stage) in enumerate(groups):
            c0 = 0 if i == 0 else c0
            c1 = groups[i + 1][0] if i + 1 < len(groups) else self.ncols
            x0 = self.col_left(c0) + 4 if i else self.content_x - MARGIN_X + 4
            x1 = self.col_left(c1) - 4 if i + 1 < len(groups) else self.col_left(c1) + MARGIN_X - 4
            _px, py, _pw, ph = self.pool_box
            bands[gid] = (x0, py - 40, x1 - x0, ph + 50)
        return bands

    def write_di(self):
        self.labels = []
        for d in self.root.findall("bpmndi:BPMNDiagram", NS):
            self.root.remove(d)
        diagram = etree.SubElement(self.root, f"{{{BPMNDI}}}BPMNDiagram",
                                   id=f"diagram_{self.process.get('id')}")
        plane_el = self.collab.get("id") if self.collab is not None else self.process.get("id")
        plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"plane_{self.process.get('id')}",
                                 bpmnElement=plane_el)

        def shape(eid, box, **attrs):
            sh = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{eid}_di", bpmnElement=eid, **attrs)
            x, y, w, h = box
            etree.SubElement(sh, f"{{{DC}}}Bounds", x=fmt(x), y=fmt(y), width=fmt(w), height=fmt(h))

        if self.collab is not None:
            for p in self.collab.findall("bpmn:participant", NS):
                if p.get("processRef") == self.process.get("id"):
                    shape(p.get("id"), self.pool_box, isHorizontal="true")
            for pid, box in self.black_boxes().items():
                shape(pid, box, isHorizontal="true")
        for i, lane in enumerate(self.lanes):
            if lane is not None:
                shape(lane.get("id"), self.lane_box[i], isHorizontal="true")
        for gid, box in self.stage_bands().items():
            shape(gid, box)
        for n in self.nodes:
            attrs = {}
            if local(self.nodes[n]) == "exclusiveGateway":
                attrs["isMarkerVisible"] = "true"
            shape(n, self.box[n], **attrs)
            el = self.nodes[n]
            if local(el) == "boundaryEvent" and el.get("name"):
                lab = etree.SubElement(plane[-1], f"{{{BPMNDI}}}BPMNLabel")
                x, y, w, h = self.boundary_label(n)
                etree.SubElement(lab, f"{{{DC}}}Bounds", x=fmt(x), y=fmt(y), width=fmt(w), height=fmt(h))
        for ref in self.data_refs:
            if ref in self.box:
                shape(ref, self.box[ref])
        for f in self.flows:
            e = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{f.get('id')}_di", bpmnElement=f.get("id"))
            for x, y in self.route(f):
                etree.SubElement(e, f"{{{DI}}}waypoint", x=fmt(x), y=fmt(y))
        self.write_message_flows(plane)
        for aid, node, ref, direction in self.assocs:
            e = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{aid}_di", bpmnElement=aid)
            for x, y in self.route_association(node, ref, direction):
                etree.SubElement(e, f"{{{DI}}}waypoint", x=fmt(x), y=fmt(y))

    def boundary_label(self, n):
        """Just below the event, beside the flow that leaves it (right of it, else left): never on a shape."""
        x, y, w, h = self.box[n]
        lw, lh = BOUNDARY_SPACING - 8, 30
        cands = [(x + w / 2 + 4, y + h + 2, lw, lh), (x + w / 2 - 4 - lw, y + h + 2, lw, lh)]
        for c in cands:
            if not any(overlap(c, b) for m, b in self.box.items() if m != n) and \
                    not any(overlap(c, b) for b in self.labels):
                self.labels.append(c)
                return c
        self.labels.append(cands[0])
        return cands[0]

    def black_boxes(self):
        """Collapsed pools (participants without a process here): the first above the process's pool (the main
        path runs along its top row, so message flows reach it without crossing the branches below), the
        second below it, and so on alternately, so that no message flow crosses another pool."""
        px, py, pw, ph = self.pool_box
        res, above, below = {}, py - BLACK_BOX_GAP - BLACK_BOX_H, py + ph + BLACK_BOX_GAP
        others = [p for p in (self.collab.findall("bpmn:participant", NS) if self.collab is not None else [])
                  if p.get("processRef") != self.process.get("id")]
        for i, p in enumerate(others):
            if i % 2 == 0:
                res[p.get("id")] = (px, above, pw, BLACK_BOX_H)
                above -= BLACK_BOX_H + BLACK_BOX_GAP
            else:
                res[p.get("id")] = (px, below, pw, BLACK_BOX_H)
                below += BLACK_BOX_H + BLACK_BOX_GAP
        return res

    def write_message_flows(self, plane):
        """Message flows between a node of the process and a collapsed pool above: they leave the node's
        top, fan out in the gap between the pools and reach the pool straight up; labels beside them."""
        if self.collab is None:
            return
        boxes = self.black_boxes()
        flows = self.collab.findall("bpmn:messageFlow", NS)
        by_node = defaultdict(list)
        for f in flows:
            node = f.get("sourceRef") if f.get("sourceRef") in self.box else f.get("targetRef")
            by_node[node].append(f)
        _px, py, _pw, _ph = self.pool_box
        for node, fs in by_node.items():
            nx, ny, nw, nh = self.box[node]
            m = len(fs)
            for j, f in enumerate(fs):
                pool = f.get("targetRef") if f.get("targetRef") in boxes else f.get("sourceRef")
                bx, by, _bw, bh = boxes[pool]
                x0 = nx + nw * (j + 1) / (m + 1)
                x1 = nx + nw / 2 + (j - (m - 1) / 2) * 130
                if by < py:   # the pool is above
                    ymid = py - 15 - j * 10
                    path = [(x0, ny), (x0, ymid), (x1, ymid), (x1, by + bh)]
                    label_y = by + bh + 8
                else:
                    ymid = py + _ph + 15 + j * 10
                    path = [(x0, ny + nh), (x0, ymid), (x1, ymid), (x1, by)]
                    label_y = by - 22
                if f.get("sourceRef") == pool:
                    path = path[::-1]
                e = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{f.get('id')}_di", bpmnElement=f.get("id"))
                for x, y in path:
                    etree.SubElement(e, f"{{{DI}}}waypoint", x=fmt(x), y=fmt(y))
                if f.get("name"):
                    lab = etree.SubElement(e, f"{{{BPMNDI}}}BPMNLabel")
                    etree.SubElement(lab, f"{{{DC}}}Bounds", x=fmt(x1 + 4), y=fmt(label_y), width="110", height="14")

    def artifacts_last(self):
        """BPMN schema order: artifacts (groups, annotations) after all flow elements."""
        for el in list(self.process):
            if isinstance(el.tag, str) and local(el) in ("group", "textAnnotation", "association"):
                self.process.remove(el)
                self.process.append(el)

    def run(self):
        self.artifacts_last()
        self.assign_columns()
        self.assign_rows()
        self.geometry()
        self.write_io()
        self.write_di()


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


def layout_file(path):
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    tree = etree.parse(path, parser)
    Layout(tree).run()
    etree.indent(tree, space="  ")
    tree.write(path, xml_declaration=True, encoding="UTF-8", pretty_print=True)


if __name__ == "__main__":
    for p in sys.argv[1:]:
        layout_file(p)
        print("laid out", p)
