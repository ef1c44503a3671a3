// Decision-table editor for analysts: dmn-js Modeler opened on the decision table (no DRD canvas),
// labels in Chinese. The server validates and deploys what getXml() returns.
//
//   const ed = EgovDmn.open(containerEl, dmnXml, onChange);
//   await ed.ready;            // import finished (rejects on invalid XML)
//   await ed.getXml()          // -> formatted DMN XML string
//   ed.decisions()             // -> [{id, name}] of the file's decisions
//   ed.showDecision(id); await ed.importXml(xml); ed.destroy()

import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import './dmn-editor.css';

import DmnModeler from 'dmn-js/lib/Modeler';
import { HIT_POLICIES } from 'dmn-js-decision-table/lib/features/hit-policy/HitPolicies';
import { DMN_ZH, HIT_POLICY_ZH } from './i18n-dmn-zh.js';

// the hit-policy list is plain data, not passed through translate: relabel it once
HIT_POLICIES.forEach(policy => {
  const zh = HIT_POLICY_ZH[policy.label];
  if (zh) {
    [ policy.label, policy.explanation ] = zh;
  }
});

function translate(template, replacements) {
  replacements = replacements || {};
  const text = DMN_ZH[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (key in replacements ? replacements[key] : `{${key}}`));
}

const TranslateModule = { translate: [ 'value', translate ] };

class DmnHandle {
  constructor(containerEl, xml, onChange) {
    const container = typeof containerEl === 'string' ? document.querySelector(containerEl) : containerEl;
    this.modeler = new DmnModeler({
      container,
      // dmn-js replaces `common.additionalModules` by each view's own: name the module per view
      drd: { additionalModules: [ TranslateModule ] },
      decisionTable: { additionalModules: [ TranslateModule ] },
      literalExpression: { additionalModules: [ TranslateModule ] },
      boxedExpression: { additionalModules: [ TranslateModule ] }
    });
    let timer = null;
    if (typeof onChange === 'function') {
      // every view has its own command stack: listen on whichever becomes active
      this.modeler.on('views.changed', () => {
        const viewer = this.modeler.getActiveViewer();
        if (viewer && !viewer.__egovListening) {
          viewer.__egovListening = true;
          viewer.on('elements.changed', () => {
            clearTimeout(timer);
            timer = setTimeout(() => onChange(this), 300);
          });
        }
      });
    }
    this.ready = this.importXml(xml);
  }

  async importXml(xml) {
    const { warnings } = await this.modeler.importXML(xml);
    this.importWarnings = (warnings || []).map(w => w.message);
    const table = this.modeler.getViews().find(v => v.type === 'decisionTable');
    if (table) {
      await this.modeler.open(table);
    }
    return this.importWarnings;
  }

  decisions() {
    return this.modeler.getViews()
      .filter(v => v.type === 'decisionTable')
      .map(v => ({ id: v.element.id, name: v.element.name || v.element.id }));
  }

  async showDecision(id) {
    const view = this.modeler.getViews().find(v => v.type === 'decisionTable' && v.element.id === id);
    if (!view) {
      throw new Error(`未找到决策表 ${id}`);
    }
    await this.modeler.open(view);
  }

  async getXml() {
    await this.ready;
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  destroy() {
    this.modeler.destroy();
  }
}

window.EgovDmn = { open: (containerEl, xml, onChange) => new DmnHandle(containerEl, xml, onChange) };
