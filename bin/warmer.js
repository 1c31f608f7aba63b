#!/usr/bin/env node
// The `warmer` command: runs the TypeScript CLI through tsx, so no build step is needed.
'use strict';
require('tsx/cjs');
require('../src/cli.ts')
  .runCli(process.argv.slice(2))
  .then((code) => process.exit(code));
