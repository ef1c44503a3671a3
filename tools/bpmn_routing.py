"""Orthogonal routing of sequence flows, associations and default flows (mixin of tools/bpmn_layout.Layout)."""
from bpmn_geometry import *  # noqa: F401,F403  (constants and geometry shared by the layout's parts)


class Routing:
    def route(self, f):
        """The flow's route: chosen for all flows together (route_all), else the first clear candidate."""
        routes = getattr(self, "routes", None)
        if routes is not None and f.get("id") in routes:
            return routes[f.get("id")]
        clear = self.clear_candidates(f)
        return clear[0] if clear else self.candidates(f)[0]

    def clear_candidates(self, f):
        """The candidate routes whose segments cross no shape other than their ends."""
        s, t = f.get("sourceRef"), f.get("targetRef")
        skip = {s, t}   # the ends' boundary events and a boundary event's host are obstacles too
        return [c for c in self.candidates(f)
                if not any(seg_hits(a, b, self.box[n]) for a, b in zip(c, c[1:]) for n in self.box if n not in skip)]

    def route_all(self):
        """Each flow's first clear candidate, then, flow by flow, the clear candidate crossing the fewest other
        flows (the earlier candidate on a tie), until nothing improves: loops and branches go round each other
        where the placement leaves a way."""
        self.routes = {}
        options = {}
        for f in self.flows:
            clear = self.clear_candidates(f)
            options[f.get("id")] = clear or [self.candidates(f)[0]]
            self.routes[f.get("id")] = options[f.get("id")][0]
        for _ in range(4):
            changed = False
            for f in self.flows:
                fid = f.get("id")
                others = [r for k, r in self.routes.items() if k != fid]
                best = min(options[fid], key=lambda c: sum(crossings(c, o) for o in others))
                if best is not self.routes[fid] and sum(crossings(best, o) for o in others) < \
                        sum(crossings(self.routes[fid], o) for o in others):
                    self.routes[fid] = best
                    changed = True
            if not changed:
                break

    def candidates(self, f):
        s, t = f.get("sourceRef"), f.get("targetRef")
        res = [self.route_default(f)]
        sx, sy, sw, sh = self.box[s]
        tx, ty, tw, th = self.box[t]
        scy, tcy = sy + sh / 2, ty + th / 2
        if f.get("id") in getattr(self, "exits", {}):
            # out of the host's bottom between its boundary events (Layout.exits_between), across into the target
            ex = self.exits[f.get("id")]
            res.insert(0, [(ex, sy + sh), (ex, tcy), (tx, tcy)])
        if f.get("id") in self.back and s in self.lane_of and self.lanes[0] is not None:
            # a loop round the content of the source's or the target's lane: along its top or its bottom edge
            scx, tcx = sx + sw / 2, tx + tw / 2
            for lane in (self.lane_of[s], self.lane_of[t]):
                lx, ly, lw, lh = self.lane_box[lane]
                top, bottom = ly + 10, ly + lh - 10
                res.append([(scx, sy), (scx, top), (tcx, top), (tcx, ty)])
                res.append([(scx, sy + sh), (scx, bottom), (tcx, bottom), (tcx, ty + th)])
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
        if f.get("id") not in self.back and abs(scy - tcy) >= 1 and tx > sx + sw and local(self.nodes[s]) != "boundaryEvent":
            # out of the source's top (bottom), then across into the target's side: clear of branches leaving
            # the source's right or boundary events below it
            ys = sy if tcy < scy else sy + sh
            res.append([(sx + sw / 2, ys), (sx + sw / 2, tcy), (tx, tcy)])
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

    def place_data_objects(self):
        """Move each data object reference to the free slot of its lane where it reads best (see the module
        doc of bpmn_layout); the sequence flows are routed already and keep their routes."""
        labels = self.label_boxes()
        flows = list(self.routes.values())
        for ref in self.data_refs:
            if ref not in self.box:
                continue
            lane = self.lane_of[ref]
            ly = self.lane_box[lane][1]
            linked = [n for _a, n, r, _d in self.assocs if r == ref]
            slots = [(self.col[ref], self.sub[ref])] + [
                (c, r) for r in range(self.nsub[lane]) for c in range(self.ncols)
                if (lane, c, r) not in self.taken and self.col_w[c] >= 36]
            best = None
            for c, r in slots:
                cx, cy = self.col_left(c) + self.col_w[c] / 2, ly + r * ROW_H + ROW_H / 2
                box = (cx - 18, cy - 25, 36, 50)
                if any(seg_hits(a, b, box) for route in flows for a, b in zip(route, route[1:])) or \
                        any(overlap(box, label) for label in labels):
                    continue
                self.box[ref] = box
                paths = self.association_paths(ref)
                blocked = sum(seg_hits(a, b, o) for path, node in zip(paths, linked) for a, b in zip(path, path[1:])
                              for o in self.label_boxes(node) + list(self.box.values()))
                blocked += sum(alongside(path, route) for path in paths for route in flows + paths if route is not path)
                crossed = sum(crossings(path, route) for path in paths for route in flows)
                length = sum(abs(a[0] - b[0]) + abs(a[1] - b[1]) for path in paths for a, b in zip(path, path[1:]))
                score = (blocked, crossed, length)
                if best is None or score < best[0]:
                    best = (score, box, c, r)
            if best is not None:
                _score, self.box[ref], self.col[ref], self.sub[ref] = best

    def association_paths(self, ref):
        """The paths of ref's associations, in order, each running on no flow and no association before it."""
        paths = []
        for _a, node, r, direction in self.assocs:
            if r == ref:
                paths.append(self.route_association(node, ref, direction, list(self.routes.values()) + paths))
        return paths

    def label_boxes(self, skip=None):
        """Boundary labels as placed, and where bpmn-js puts the label of a named event or gateway (below it);
        `skip`'s own label left out (a path leaving an event downwards runs through it)."""
        found = list(getattr(self, "label_of", {}).values())
        for n, el in self.nodes.items():
            tag = local(el)
            if n != skip and el.get("name") and tag != "boundaryEvent" and \
                    (tag.endswith("Event") or tag.endswith("Gateway")):
                x, y, w, h = self.box[n]
                found.append((x + w / 2 - 45, y + h + 2, 90, 28))
        return found

    def row_gaps(self):
        """The y of every border between two sub-rows of a lane."""
        return sorted({lane[1] + k * ROW_H for lane_id, lane in enumerate(self.lane_box)
                       for k in range(1, self.nsub[lane_id])})

    def route_association(self, node, ref, direction, drawn=()):
        """An orthogonal path between a node and a data object reference that crosses no other shape (the
        node's own boundary events and their labels included)."""
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
                if ry < y0 < ry + rh and (rx > sx) == right:   # straight across, beside the flows
                    cands.append([(sx, y0), (rx_side, y0)])
                cands.append([(sx, y0), (gx, y0), (gx, rcy), (rx_side, rcy)])   # down a column gap
                for ly in self.row_gaps():   # down a column gap, along a row gap, down (up) into it
                    if min(y0, ry) < ly < max(y0, ry + rh):
                        r_edge = ry + rh if ly > rcy else ry
                        for dx in (0, 10, -10):
                            cands.append([(sx, y0), (gx, y0), (gx, ly), (rcx + dx, ly), (rcx + dx, r_edge)])
        for ly in self.row_gaps():   # along the gap between two sub-rows, down (up) at both ends
            if min(ny, ry) < ly < max(ny + nh, ry + rh):
                n_edge = ny + nh if ly > ncy else ny
                r_edge = ry + rh if ly > rcy else ry
                for dx in (0, 10, -10):   # off the middle: another association may enter there
                    cands.append([(ncx, n_edge), (ncx, ly), (rcx + dx, ly), (rcx + dx, r_edge)])
        # its own ends are obstacles too (a path leaves and enters them at their edge), and boundary labels
        obstacles = list(self.box.values()) + self.label_boxes(node)
        path = cands[0]
        for c in cands:
            if not any(seg_hits(a, b, o) for a, b in zip(c, c[1:]) for o in obstacles) and \
                    not any(alongside(c, other) for other in drawn):
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
