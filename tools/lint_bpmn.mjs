// Lints diagrams with bpmnlint's recommended rules, the same rules the modeler runs live.
// Usage: node tools/lint_bpmn.mjs bpmn/*.bpmn  — prints JSON {file: [issues]}; exit 1 when any.
import fs from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';
import { Linter } from 'bpmnlint';
import NodeResolver from 'bpmnlint/lib/resolver/node-resolver.js';

const linter = new Linter({ config: { extends: 'bpmnlint:recommended' }, resolver: new NodeResolver() });
const report = {};
for (const file of process.argv.slice(2)) {
  const { rootElement, warnings } = await new BpmnModdle().fromXML(fs.readFileSync(file, 'utf8'));
  const results = await linter.lint(rootElement);
  report[file] = [
    ...warnings.map((w) => `import: ${w.message}`),
    ...Object.entries(results).flatMap(([rule, list]) => list.map((i) => `${rule} ${i.category} ${i.id}: ${i.message}`)),
  ];
}
console.log(JSON.stringify(report, null, 1));
process.exit(Object.values(report).some((issues) => issues.length) ? 1 : 0);
