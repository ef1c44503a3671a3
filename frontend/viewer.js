// Read-only diagram view for project/instance pages: state markers, count badges, heat view.
//
//   EgovViewer.show(containerEl, bpmnXml, {completed, active, incident, counts}) -> Promise<handle>
//   EgovViewer.heat(containerEl, bpmnXml, {id: n}) -> Promise<handle>
//
// handle: {viewer, setState(state), setHeat(counts), clear(), fit(), focus(ids), zoomBy(step),
//          toggleFullScreen(), destroy()}
//
// Every view opens at a readable zoom: the whole diagram when its labels are readable so, else zoomed
// to READABLE with the current steps (or the start) in the middle. Buttons zoom, fit and go full screen.

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './egov.css';

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

const STATES = [ 'completed', 'active', 'incident' ];
const READABLE = 0.85; // bpmn-js draws labels at 11-12 px: about 10 px on screen and up is readable
const ZOOM_STEP = 1.25;
const TOOLS = [
  [ 'zoom-in', '＋', '放大', h => h.zoomBy(ZOOM_STEP) ],
  [ 'zoom-out', '－', '缩小', h => h.zoomBy(1 / ZOOM_STEP) ],
  [ 'fit', '适应', '显示整张流程图', h => h.fit() ],
  [ 'focus', '当前', '回到当前步骤', h => h.focus(h._focus) ],
  [ 'full', '全屏', '全屏查看（Esc 退出）', h => h.toggleFullScreen() ]
];

function heatColor(ratio) {
  // #fff3e0 (light) -> #bf360c (hot)
  const from = [ 0xff, 0xf3, 0xe0 ], to = [ 0xbf, 0x36, 0x0c ];
  const c = from.map((f, i) => Math.round(f + (to[i] - f) * ratio));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

class ViewerHandle {
  constructor(viewer, container) {
    this.viewer = viewer;
    this.container = container;
    this._markers = [];
    this._styled = [];
    this._legend = null;
  }

  _registry() {
    return this.viewer.get('elementRegistry');
  }

  /** Remove markers, badges and heat colouring. */
  clear() {
    const canvas = this.viewer.get('canvas');
    this._markers.forEach(([ id, cls ]) => canvas.removeMarker(id, cls));
    this._markers = [];
    this.viewer.get('overlays').remove({ type: 'egov-badge' });
    this._styled.forEach(([ node, fill ]) => { node.style.fill = fill; });
    this._styled = [];
    if (this._legend) {
      this._legend.remove();
      this._legend = null;
    }
  }

  _badge(id, text, kind, title) {
    const el = this._registry().get(id);
    if (!el || el.waypoints) {
      return;
    }
    const html = document.createElement('span');
    html.className = `egov-badge egov-badge-${kind}`;
    html.textContent = String(text);
    if (title) {
      html.title = title;
    }
    this.viewer.get('overlays').add(id, 'egov-badge', {
      position: { top: -9, right: 9 },
      html
    });
  }

  /**
   * Marks elements: state = {completed: [ids], active: [ids], incident: [ids], counts: {id: n}}.
   * Unknown ids are ignored. Returns the ids that were not found.
   */
  setState(state) {
    state = state || {};
    this.clear();
    const canvas = this.viewer.get('canvas');
    const registry = this._registry();
    const missing = [];

    STATES.forEach(kind => {
      (state[kind] || []).forEach(id => {
        if (!registry.get(id)) {
          missing.push(id);
          return;
        }
        const cls = `egov-${kind}`;
        canvas.addMarker(id, cls);
        this._markers.push([ id, cls ]);
      });
    });

    const counts = state.counts || {};
    const active = new Set(state.active || []);
    const incident = new Set(state.incident || []);
    Object.keys(counts).forEach(id => {
      const n = counts[id];
      if (!n) {
        return;
      }
      if (!registry.get(id)) {
        missing.push(id);
        return;
      }
      const kind = incident.has(id) ? 'incident' : active.has(id) ? 'active' : 'completed';
      this._badge(id, n, kind, `${n}`);
    });
    return missing;
  }

  /** Heat view: fill each element by its share of the largest count, with a count badge. */
  setHeat(counts) {
    counts = counts || {};
    this.clear();
    const registry = this._registry();
    const values = Object.keys(counts).map(k => Number(counts[k]) || 0);
    const max = Math.max(0, ...values);

    Object.keys(counts).forEach(id => {
      const n = Number(counts[id]) || 0;
      const el = registry.get(id);
      if (!el || !n) {
        return;
      }
      if (!el.waypoints) {
        const gfx = registry.getGraphics(id);
        const shape = gfx && gfx.querySelector('.djs-visual > :first-child');
        if (shape) {
          this._styled.push([ shape, shape.style.fill ]);
          shape.style.fill = heatColor(max ? n / max : 0);
        }
      }
      this._badge(id, n, 'heat', `${n}`);
    });

    const legend = document.createElement('div');
    legend.className = 'egov-heat-legend';
    legend.innerHTML = '<span>0</span><span class="egov-heat-scale"></span><span></span>';
    legend.lastChild.textContent = String(max);
    this.container.style.position = this.container.style.position || 'relative';
    this.container.appendChild(legend);
    this._legend = legend;
  }

  fit() {
    this.viewer.get('canvas').zoom('fit-viewport', 'auto');
  }

  zoomBy(factor) {
    const canvas = this.viewer.get('canvas');
    canvas.zoom(Math.min(4, Math.max(0.2, canvas.zoom() * factor)), 'auto');
  }

  /** Readable zoom with the elements `ids` (else the start) in the middle; the whole diagram if it reads so. */
  focus(ids) {
    const canvas = this.viewer.get('canvas');
    const registry = this._registry();
    canvas.resized();
    canvas.zoom('fit-viewport', 'auto');
    if (canvas.zoom() >= READABLE) {
      return;
    }
    let targets = (ids || []).map(id => registry.get(id)).filter(el => el && !el.waypoints);
    if (!targets.length) {
      targets = registry.filter(el => el.type === 'bpmn:StartEvent').slice(0, 1);
    }
    canvas.zoom(READABLE);
    if (!targets.length) {
      return;
    }
    const x0 = Math.min(...targets.map(t => t.x)), x1 = Math.max(...targets.map(t => t.x + t.width));
    const y0 = Math.min(...targets.map(t => t.y)), y1 = Math.max(...targets.map(t => t.y + t.height));
    const box = canvas.viewbox();
    canvas.viewbox({ x: (x0 + x1) / 2 - box.width / 2, y: (y0 + y1) / 2 - box.height / 2,
      width: box.width, height: box.height });
  }

  toggleFullScreen() {
    const el = this.container;
    const refocus = () => setTimeout(() => this.focus(this._focus), 50);
    if (document.fullscreenElement === el) {
      document.exitFullscreen().then(refocus, refocus);
    } else if (el.requestFullscreen && !el.classList.contains('egov-viewer-full')) {
      el.requestFullscreen().then(refocus, () => { el.classList.add('egov-viewer-full'); refocus(); });
    } else {
      el.classList.toggle('egov-viewer-full');
      refocus();
    }
  }

  _addTools() {
    const bar = document.createElement('div');
    bar.className = 'egov-viewer-tools';
    TOOLS.forEach(([ name, text, title, act ]) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `egov-tool-${name}`;
      button.textContent = text;
      button.title = title;
      button.setAttribute('aria-label', title);
      button.addEventListener('click', () => act(this));
      bar.appendChild(button);
    });
    if (getComputedStyle(this.container).position === 'static') {
      this.container.style.position = 'relative';
    }
    this.container.appendChild(bar);
    this._tools = bar;
    this._onKey = event => {
      if (event.key === 'Escape' && this.container.classList.contains('egov-viewer-full')) {
        this.container.classList.remove('egov-viewer-full');
        this.focus(this._focus);
      }
    };
    document.addEventListener('keydown', this._onKey);
  }

  destroy() {
    this.clear();
    if (this._tools) {
      this._tools.remove();
      document.removeEventListener('keydown', this._onKey);
    }
    this.viewer.destroy();
  }
}

async function load(containerEl, bpmnXml) {
  if (typeof containerEl === 'string') {
    containerEl = document.querySelector(containerEl);
  }
  const viewer = new NavigatedViewer({ container: containerEl });
  const { warnings } = await viewer.importXML(bpmnXml);
  if (warnings && warnings.length) {
    console.warn('[EgovViewer] import warnings', warnings);
  }
  const handle = new ViewerHandle(viewer, containerEl);
  handle._addTools();
  handle.focus([]);
  return handle;
}

async function show(containerEl, bpmnXml, state) {
  const handle = await load(containerEl, bpmnXml);
  state = state || {};
  handle.setState(state);
  handle._focus = (state.incident || []).concat(state.active || []);
  handle.focus(handle._focus);
  return handle;
}

async function heat(containerEl, bpmnXml, counts) {
  const handle = await load(containerEl, bpmnXml);
  handle.setHeat(counts || {});
  return handle;
}

window.EgovViewer = { show, heat, NavigatedViewer };
