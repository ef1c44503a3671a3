// Read-only diagram view for project/instance pages: state markers, count badges, heat view.
//
//   EgovViewer.show(containerEl, bpmnXml, {completed, active, incident, counts}) -> Promise<handle>
//   EgovViewer.heat(containerEl, bpmnXml, {id: n}) -> Promise<handle>
//
// handle: {viewer, setState(state), setHeat(counts), clear(), fit(), destroy()}

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './egov.css';

import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

const STATES = [ 'completed', 'active', 'incident' ];

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

  destroy() {
    this.clear();
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
  handle.fit();
  return handle;
}

async function show(containerEl, bpmnXml, state) {
  const handle = await load(containerEl, bpmnXml);
  handle.setState(state || {});
  return handle;
}

async function heat(containerEl, bpmnXml, counts) {
  const handle = await load(containerEl, bpmnXml);
  handle.setHeat(counts || {});
  return handle;
}

window.EgovViewer = { show, heat, NavigatedViewer };
