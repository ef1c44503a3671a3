// Renders one diagram to SVG for `flask models print`, with the same bpmn-js the pages use.
//
//   EgovPrint.render(bpmnXml) -> Promise<{svg, width, height, warnings}>
//
// The SVG carries the diagram's own viewBox; the printing side scales it to the page.

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';

import Viewer from 'bpmn-js/lib/Viewer';

async function render(bpmnXml) {
  const container = document.createElement('div');
  container.style.cssText = 'position:absolute;left:-20000px;top:0;width:2000px;height:1500px';
  document.body.appendChild(container);
  const viewer = new Viewer({ container });
  try {
    const { warnings } = await viewer.importXML(bpmnXml);
    const { svg } = await viewer.saveSVG();
    const box = viewer.get('canvas').viewbox().inner;
    return { svg, width: box.width, height: box.height, warnings: (warnings || []).map(w => String(w.message || w)) };
  } finally {
    viewer.destroy();
    container.remove();
  }
}

window.EgovPrint = { render };
