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
* boundary events sit on their host ordered by how deep their branch goes (deepest leftmost); when the host's
  main flow goes down to another lane and a branch stays above its target, the host is widened and that flow
  leaves its bottom between the deeper and the shallower branches (exits_between), crossing neither;
* sequence flows are routed orthogonally: each takes, among its routes that pass through no shape, the one
  crossing the fewest other flows (loops may run along the top or bottom edge of a lane, round its content);
* a ``bpmn:dataObjectReference`` goes into a free slot (column and sub-row) of the lane of the first node
  that writes it (else reads it): the slot no sequence flow passes through whose associations pass through
  no shape or boundary label and cross the fewest sequence flows, the shortest on a tie (first guess: the
  middle column of the nodes associated with it); the associations are drawn as edges.

Ids and names are never changed. Only stdlib + lxml.
"""
import re
import sys
from collections import defaultdict

from lxml import etree
from bpmn_di import DiWriter
from bpmn_geometry import *  # noqa: F401,F403
from bpmn_routing import Routing


class Layout(Routing, DiWriter):
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
        self.sub, self.taken = sub, taken
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
        self.wide = self.exits_between()
        for host, bs in self.boundaries.items():   # room for a row of boundary events wider than the host
            span = (len(bs) - 1) * BOUNDARY_SPACING + 36 + 8
            self.col_w[self.col[host]] = max(self.col_w[self.col[host]], span, self.wide.get(host, 0) + 20)
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
            w = self.wide.get(n, w)
            cx = self.col_left(self.col[n]) + self.col_w[self.col[n]] / 2
            lane = self.lane_box[self.lane_of[n]]
            cy = lane[1] + self.sub[n] * ROW_H + ROW_H / 2
            self.box[n] = (cx - w / 2, cy - h / 2, w, h)
        for host, bs in self.boundaries.items():
            # the event whose branch goes deepest sits leftmost: the branches going down never cross
            bs.sort(key=lambda b: -max([self.box[f.get("targetRef")][1] for f in self.out[b]
                                        if f.get("targetRef") in self.box] or [0]))
            hx, hy, hw, hh = self.box[host]
            k = len(bs)
            if host in self.wide:
                # the main flow leaves the bottom between the branches going below its target and those above it
                f = self.exit_flow[host]
                deeper = sum(1 for b in bs if self.depth(b) > self.depth(f.get("targetRef")))
                slots = [hx + (i + 0.5) * hw / (k + 1) for i in range(k + 1)]
                self.exits[f.get("id")] = slots.pop(deeper)
                for b, cx in zip(bs, slots):
                    self.box[b] = (cx - 18, hy + hh - 18, 36, 36)
                continue
            for i, b in enumerate(bs):
                cx = hx + hw * 0.7 if k == 1 else hx + hw / 2 + (i - (k - 1) / 2) * BOUNDARY_SPACING
                self.box[b] = (cx - 18, hy + hh - 18, 36, 36)
        for ref in self.data_refs:
            if ref in self.col:
                cx = self.col_left(self.col[ref]) + self.col_w[self.col[ref]] / 2
                lane = self.lane_box[self.lane_of[ref]]
                cy = lane[1] + self.sub[ref] * ROW_H + ROW_H / 2
                self.box[ref] = (cx - 18, cy - 25, 36, 50)

    def depth(self, b):
        """How far down a boundary event's branch (or a node) lies: (lane, sub-row) of its first node."""
        n = self.out[b][0].get("targetRef") if b in self.out and local(self.nodes[b]) == "boundaryEvent" else b
        return (self.lane_of[n], self.sub[n])

    def reach(self, b):
        """The last column a boundary event's branch reaches."""
        seen, stack = set(), [b]
        while stack:
            n = stack.pop()
            if n not in seen:
                seen.add(n)
                stack += [f.get("targetRef") for f in self.out[n] if f.get("id") not in self.back]
        return max(self.col[n] for n in seen)

    def exits_between(self):
        """Hosts whose main flow goes down to another lane while a boundary branch stays above its target and
        reaches as far right: that flow must leave the host's bottom between the boundary events (else it crosses
        the branch), so the host is widened to one slot more than it has events. {host: width}."""
        wide, self.exit_flow, self.exits = {}, {}, {}
        for host, bs in self.boundaries.items():
            down = [f for f in self.out[host] if self.lane_of[f.get("targetRef")] > self.lane_of[host]]
            if len(down) != 1 or not all(self.out[b] for b in bs):
                continue
            target = down[0].get("targetRef")
            if any(self.depth(b) < self.depth(target) and self.reach(b) >= self.col[target] for b in bs):
                wide[host] = max(size_of(local(self.nodes[host]))[0], (len(bs) + 1) * BOUNDARY_SPACING)
                self.exit_flow[host] = down[0]
        return wide

    def col_left(self, c):
        return self.content_x + self.col_x[min(c, self.ncols)]

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
