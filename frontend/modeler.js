// Diagram editor for analysts: bpmn-js Modeler + properties panel (standard BPMN groups and the
// spiffworkflow extensions of docs/modelling.md) + live bpmnlint (recommended rules), Chinese labels.
//
//   const ed = EgovModeler.open(containerEl, propertiesEl, bpmnXml,
//                               {forms: [...], roles: [...], helpers: [...]}, onChange);
//   await ed.ready;                       // import finished (rejects on invalid XML)
//   ed.importWarnings                     // [message] from the last import (unknown elements are dropped)
//   await ed.getXml()                     // -> formatted BPMN XML string
//   ed.showErrors([{element_id, message}])  // -> errors whose element_id is not in the diagram
//   ed.clearErrors()
//   await ed.lint()                       // -> [{element_id, rule, category, message}]
//   ed.setSpiffProperty(id, name, value) / ed.getSpiffProperty(id, name)
//   ed.setExtensionText(id, 'spiffworkflow:PreScript', text) / ed.getExtensionText(id, type)
//   ed.simulate(true|false)             // token simulation on/off
//   await ed.importXml(xml); ed.destroy(); ed.modeler (the bpmn-js Modeler)
// onChange(ed) is called (debounced 300 ms) after every edit.

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import 'bpmn-js-token-simulation/assets/css/bpmn-js-token-simulation.css';
import './egov.css';
import './modeler.css';

import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import LintModule from 'bpmn-js-bpmnlint';
import TokenSimulationModule from 'bpmn-js-token-simulation';

import bpmnlintConfig from 'egov:bpmnlint-config';
import spiffModdle from './spiffworkflow-moddle.json';
import SpiffPropertiesModule from './spiff-properties.js';
import { TranslateModule } from './i18n-zh.js';
import {
  getExtensionText,
  getSpiffProperty,
  setExtensionText,
  setSpiffProperty
} from './spiff-util.js';

const EMPTY_DIAGRAM = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Process_1" name="新流程" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="开始"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_1">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36"/>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;

function afterPaint() {
  return new Promise(resolve => {
    let done = false;
    const finish = () => { if (!done) { done = true; setTimeout(resolve, 0); } };
    requestAnimationFrame(() => setTimeout(finish, 0));
    setTimeout(finish, 100); // hidden tabs get no animation frames
  });
}

// bpmn-js-token-simulation writes its toggle's label without the translate service
const SIMULATION_LABEL = '流程模拟';

function labelSimulation(modeler) {
  const relabel = () => {
    const toggle = modeler.get('canvas').getContainer().parentNode.querySelector('.bts-toggle-mode');
    const text = toggle && Array.from(toggle.childNodes).find(n => n.nodeType === 3);
    if (text) {
      text.textContent = SIMULATION_LABEL + ' ';
    }
  };
  modeler.on('import.done', relabel);
  modeler.on('tokenSimulation.toggleMode', () => setTimeout(relabel, 0));
}

/**
 * Fit the diagram into the part of the canvas the palette leaves free: bpmn-js's own fit centres it in the
 * whole canvas, so a pool's lane labels at the left edge end up under the palette.
 */
function fitBesidePalette(modeler) {
  const canvas = modeler.get('canvas');
  canvas.zoom('fit-viewport', 'auto');
  const container = canvas.getContainer();
  const palette = container.querySelector('.djs-palette');
  const box = canvas.viewbox();
  if (!palette || !box.inner.width || !box.outer.width) {
    return;
  }
  const margin = 16;
  const reserve = palette.getBoundingClientRect().right - container.getBoundingClientRect().left + margin;
  const scale = Math.min(box.scale, 1,
    (box.outer.width - reserve - margin) / box.inner.width, (box.outer.height - 2 * margin) / box.inner.height);
  if (!(scale > 0)) {
    return;
  }
  canvas.viewbox({
    x: box.inner.x - reserve / scale,
    y: box.inner.y - margin / scale,
    width: box.outer.width / scale,
    height: box.outer.height / scale
  });
}

/** Turn token simulation on or off (the toggle in the canvas does the same). */
function toggleSimulation(modeler, active) {
  modeler.get('toggleMode').toggleMode(active);
}

function resolve(el) {
  return typeof el === 'string' ? document.querySelector(el) : el;
}

function escapeText(s) {
  const div = document.createElement('div');
  div.textContent = s;
  return div.innerHTML;
}

class ModelerHandle {
  constructor(containerEl, propertiesEl, bpmnXml, options, onChange) {
    options = options || {};
    this.options = {
      forms: options.forms || [],
      roles: options.roles || [],
      helpers: options.helpers || []
    };

    this.modeler = new Modeler({
      container: resolve(containerEl),
      propertiesPanel: propertiesEl ? { parent: resolve(propertiesEl) } : undefined,
      linting: { bpmnlint: bpmnlintConfig, active: options.lint !== false },
      egov: this.options,
      additionalModules: [
        TranslateModule,
        BpmnPropertiesPanelModule,
        BpmnPropertiesProviderModule,
        SpiffPropertiesModule,
        LintModule,
        TokenSimulationModule
      ],
      moddleExtensions: { spiffworkflow: spiffModdle }
    });

    this._errorIds = [];
    labelSimulation(this.modeler);

    let timer = null;
    if (typeof onChange === 'function') {
      this.modeler.on('commandStack.changed', () => {
        clearTimeout(timer);
        timer = setTimeout(() => onChange(this), 300);
      });
    }

    this.ready = this.importXml(bpmnXml || EMPTY_DIAGRAM);
  }

  _services() {
    return {
      bpmnFactory: this.modeler.get('bpmnFactory'),
      commandStack: this.modeler.get('commandStack')
    };
  }

  _element(id) {
    const el = this.modeler.get('elementRegistry').get(id);
    if (!el) {
      throw new Error(`未找到元素 ${id}`);
    }
    return el;
  }

  async importXml(xml) {
    const { warnings } = await this.modeler.importXML(xml);
    // e.g. extension elements the modeler does not know, which it drops on save
    this.importWarnings = (warnings || []).map(w => w.message);
    if (this.importWarnings.length) {
      console.warn('[EgovModeler] import warnings:\n' + this.importWarnings.join('\n'));
    }
    fitBesidePalette(this.modeler);
    // the properties panel subscribes to selection events in effects that run after paint
    await afterPaint();
    return this.importWarnings;
  }

  async getXml() {
    await this.ready;
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  async getSvg() {
    await this.ready;
    const { svg } = await this.modeler.saveSVG();
    return svg;
  }

  /** Remove the overlays set by showErrors(). */
  clearErrors() {
    const canvas = this.modeler.get('canvas');
    this._errorIds.forEach(id => canvas.removeMarker(id, 'egov-error'));
    this._errorIds = [];
    this.modeler.get('overlays').remove({ type: 'egov-error' });
  }

  /**
   * Mark elements with server-side errors: [{element_id, message}].
   * Returns the errors that name no element of the diagram (show them elsewhere).
   */
  showErrors(errors) {
    this.clearErrors();
    const registry = this.modeler.get('elementRegistry');
    const canvas = this.modeler.get('canvas');
    const overlays = this.modeler.get('overlays');
    const byId = {};
    const unplaced = [];

    (errors || []).forEach(err => {
      const el = err.element_id && registry.get(err.element_id);
      if (!el) {
        unplaced.push(err);
        return;
      }
      (byId[err.element_id] = byId[err.element_id] || []).push(err.message);
    });

    Object.keys(byId).forEach(id => {
      const el = registry.get(id);
      canvas.addMarker(id, 'egov-error');
      this._errorIds.push(id);
      const html = document.createElement('div');
      html.className = 'egov-error-overlay';
      html.innerHTML = '!<div class="egov-error-text">' +
        byId[id].map(escapeText).join('\n') + '</div>';
      html.title = byId[id].join('\n');
      overlays.add(id, 'egov-error', {
        position: el.waypoints ? { top: -9, left: -9 } : { top: -9, right: 9 },
        html
      });
    });
    return unplaced;
  }

  /** Lint with the bundled rules: [{element_id, rule, category: 'error'|'warn'|'info', message}]. */
  async lint() {
    await this.ready;
    const results = await this.modeler.get('linting').lint();
    const translate = this.modeler.get('translate');
    const out = [];
    Object.keys(results).forEach(rule => {
      results[rule].forEach(issue => {
        out.push({
          element_id: issue.id,
          rule,
          category: issue.category,
          message: translate(issue.message)
        });
      });
    });
    return out;
  }

  setSpiffProperty(elementId, name, value) {
    setSpiffProperty(this._services(), this._element(elementId), name, value);
  }

  getSpiffProperty(elementId, name) {
    return getSpiffProperty(this._element(elementId).businessObject, name);
  }

  setExtensionText(elementId, type, value) {
    setExtensionText(this._services(), this._element(elementId), type, value);
  }

  getExtensionText(elementId, type) {
    return getExtensionText(this._element(elementId).businessObject, type);
  }

  /** Token simulation: walk the diagram with tokens before deploying (editing is paused meanwhile). */
  simulate(active) {
    toggleSimulation(this.modeler, active);
  }

  destroy() {
    this.modeler.destroy();
  }
}

function open(containerEl, propertiesEl, bpmnXml, options, onChange) {
  return new ModelerHandle(containerEl, propertiesEl, bpmnXml, options, onChange);
}

window.EgovModeler = { open, Modeler };
