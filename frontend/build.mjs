// Bundles the front-end entries into webapp/static/dist/ (run: npm run build).
// The bpmnlint rules are compiled into a virtual module with bpmnlint's own compile-config,
// so no webpack loader is needed.

import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { readFile, rm, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const outdir = path.join(root, 'webapp', 'static', 'dist');

const bpmnlintConfigPlugin = {
  name: 'bpmnlint-config',
  setup(b) {
    b.onResolve({ filter: /^egov:bpmnlint-config$/ }, args => ({ path: args.path, namespace: 'bpmnlint-config' }));
    b.onLoad({ filter: /.*/, namespace: 'bpmnlint-config' }, async () => {
      const compileConfig = require('bpmnlint/lib/support/compile-config');
      const rcPath = path.join(here, 'bpmnlintrc.json');
      const config = JSON.parse(await readFile(rcPath, 'utf8'));
      const contents = await compileConfig(config);
      return { contents, loader: 'js', resolveDir: root, watchFiles: [ rcPath ] };
    });
  }
};

const watch = process.argv.includes('--watch');
const dev = process.argv.includes('--dev');

await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const options = {
  absWorkingDir: root,
  entryPoints: {
    viewer: 'frontend/viewer.js',
    modeler: 'frontend/modeler.js',
    charts: 'frontend/charts.js',
    'dmn-editor': 'frontend/dmn-editor.js',
    apidocs: 'frontend/apidocs.js',
    print: 'frontend/print.js',
    datepicker: 'frontend/datepicker.js'
  },
  outdir,
  bundle: true,
  format: 'iife',
  minify: !dev,
  sourcemap: dev ? 'inline' : false,
  target: [ 'es2020', 'chrome100', 'firefox100', 'safari15' ],
  legalComments: 'linked',
  loader: {
    '.css': 'css',
    '.woff': 'file',
    '.woff2': 'file',
    '.ttf': 'file',
    '.eot': 'file',
    '.svg': 'dataurl'
  },
  assetNames: 'assets/[name]-[hash]',
  define: { 'process.env.NODE_ENV': '"production"' },
  plugins: [ bpmnlintConfigPlugin ],
  logLevel: 'info'
};

if (watch) {
  const { context } = await import('esbuild');
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
  for (const name of (await readdir(outdir)).sort()) {
    const s = await stat(path.join(outdir, name));
    if (s.isFile()) {
      console.log(`${name.padEnd(28)} ${(s.size / 1024).toFixed(1).padStart(8)} KiB`);
    }
  }
}
