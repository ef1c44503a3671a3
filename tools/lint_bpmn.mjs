// Lints diagrams with bpmnlint's recommended rules, the same rules the modeler runs live, and imports each as
// Camunda Modeler does (bpmn-moddle with the camunda-bpmn-moddle extension), where any warning is reported too.
// Usage: node tools/lint_bpmn.mjs bpmn/*.bpmn  — prints JSON {file: [issues]}; exit 1 when any.
import fs from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';
import camunda from 'camunda-bpmn-moddle/resources/camunda.json' with { type: 'json' };
import { Linter } from 'bpmnlint';
import NodeResolver from 'bpmnlint/lib/resolver/node-resolver.js';

const linter = new Linter({ config: { extends: 'bpmnlint:recommended' }, resolver: new NodeResolver() });
const report = {};
for (const file of process.argv.slice(2)) {
  const xml = fs.readFileSync(file, 'utf8');
  const { rootElement, warnings } = await new BpmnModdle().fromXML(xml);
  const camundaImport = await new BpmnModdle({ camunda }).fromXML(xml);
  const results = await linter.lint(rootElement);
  report[file] = [
    ...warnings.map((w) => `import: ${w.message}`),
    ...camundaImport.warnings.map((w) => `Camunda Modeler import: ${w.message}`),
    ...Object.entries(results).flatMap(([rule, list]) => list.map((i) => `${rule} ${i.category} ${i.id}: ${i.message}`)),
  ];
}
console.log(JSON.stringify(report, null, 1));
process.exit(Object.values(report).some((issues) => issues.length) ? 1 : 0);
