#!/usr/bin/env node
/**
 * Build step after `tsc -p tsconfig.build.json`: bundles the compiled workflows once, into
 * dist/workflow-bundle.js, so the production worker (node dist/worker.js) starts without webpack.
 */
'use strict';
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

const dist = path.resolve(__dirname, '..', 'dist');
const out = path.join(dist, 'workflow-bundle.js');

bundleWorkflowCode({
  workflowsPath: require.resolve(path.join(dist, 'workflows')),
  // Failure messages and stacks leave workflow code encoded, as the worker's own (src/app/context.ts).
  failureConverterPath: require.resolve(path.join(dist, 'adapters', 'codec', 'failure-converter')),
})
  .then(({ code }) => {
    writeFileSync(out, code);
    console.log(`workflow bundle: ${path.relative(process.cwd(), out)} (${(code.length / 1e6).toFixed(1)} MB)`);
  })
  .catch((err) => {
    console.error(`workflow bundle failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
