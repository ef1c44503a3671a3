"""Writing the computed layout as BPMN DI: shapes, edges, labels, pools and message flows (mixin of Layout)."""
import re
from collections import defaultdict

from lxml import etree  # noqa: F401

from bpmn_geometry import *  # noqa: F401,F403


class DiWriter:
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
        self.labels, self.label_of = [], {}   # boundary labels placed so far; by event
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
                x, y, w, h = self.label_of[n] = self.boundary_label(n)
                etree.SubElement(lab, f"{{{DC}}}Bounds", x=fmt(x), y=fmt(y), width=fmt(w), height=fmt(h))
        self.route_all()
        self.place_data_objects()
        for ref in self.data_refs:
            if ref in self.box:
                shape(ref, self.box[ref])
        for f in self.flows:
            e = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{f.get('id')}_di", bpmnElement=f.get("id"))
            for x, y in self.route(f):
                etree.SubElement(e, f"{{{DI}}}waypoint", x=fmt(x), y=fmt(y))
        self.write_message_flows(plane)
        paths = {ref: iter(self.association_paths(ref)) for ref in self.data_refs}
        for aid, node, ref, direction in self.assocs:
            e = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{aid}_di", bpmnElement=aid)
            for x, y in next(paths[ref]):
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
