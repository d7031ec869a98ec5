#!/usr/bin/env node
'use strict';
// The runpod-rx command. Runs the compiled CLI from dist/ (built by `npm install`, via `prepare`).
let cli;
try {
  cli = require('../dist/cjs/src/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND') {
    process.stderr.write('runpod-rx: the compiled CLI is missing; run `npm install` (or `npm run build`) first.\n');
    process.exit(2);
  }
  throw error;
}
cli.runAsProcess();
