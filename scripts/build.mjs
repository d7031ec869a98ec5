#!/usr/bin/env node
// `npm run build`: the dual package, from src/ and operators/.
//
//   dist/cjs/{src,operators}/**   CommonJS + .d.ts   (tsconfig.build.json)
//   dist/esm/{src,operators}/**   ES modules + .d.ts (tsconfig.build.esm.json)
//
// Both compilations run in parallel, into a staging directory that replaces dist/ only once
// everything succeeded. No source maps are emitted: the package ships no TypeScript sources. Each
// half gets a package.json stub naming its module format ({"type":"module"} / {"type":"commonjs"}),
// so Node and TypeScript read dist/esm as ESM whatever the root package.json says. The ESM half is
// then checked: every bare import in it must resolve under Node's ESM rules (no directory or
// extensionless deep imports), or the build fails.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const require = createRequire(import.meta.url);
const TSC = require.resolve('typescript/bin/tsc');
const ts = require('typescript');

function tsc(project, outDir) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [TSC, '-p', project, '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`tsc -p ${project} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

function filesUnder(dir, suffix) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, suffix);
    return entry.name.endsWith(suffix) ? [path] : [];
  });
}

/** Every bare specifier the ESM output imports (comments and strings ignored), with a file using it. */
function bareSpecifiers(esmDir) {
  const bare = new Map();
  for (const file of filesUnder(esmDir, '.js')) {
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) bare.set(fileName, relative(ROOT, file));
    }
  }
  return bare;
}

/** Fails when a bare specifier of the ESM output does not resolve the way Node ESM resolves it. */
function checkEsmResolution(bare) {
  if (typeof import.meta.resolve !== 'function') return; // Node < 18.19 without the flag: skip
  const problems = [];
  for (const [specifier, file] of bare) {
    if (specifier.startsWith('node:')) continue;
    try {
      const url = import.meta.resolve(specifier);
      if (url.startsWith('file:') && !statSync(fileURLToPath(url), { throwIfNoEntry: false })?.isFile()) {
        problems.push(`${specifier} (${file}) resolves to ${url}, which is not a file`);
      }
    } catch (error) {
      problems.push(`${specifier} (${file}): ${error.message.split('\n')[0]}`);
    }
  }
  if (problems.length > 0) throw new Error(`ESM output imports that Node cannot resolve:\n  ${problems.join('\n  ')}`);
}

/** Moves dist/ aside and `staging` in its place; retries if a concurrent build swapped meanwhile. */
function swapIn(staging) {
  for (let attempt = 0; ; attempt++) {
    try {
      renameSync(DIST, `${retired}-${attempt}`);
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    try {
      renameSync(staging, DIST);
      return;
    } catch (error) {
      if (attempt >= 3 || (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST')) throw error;
    }
  }
}

const started = Date.now();
// Build next to dist/ and swap at the end: a failed build leaves the previous dist/ intact, and a
// process reading dist/ meanwhile (a test, the CLI) never sees it half-written.
const staging = join(ROOT, `.dist-staging-${process.pid}`);
const retired = join(ROOT, `.dist-retired-${process.pid}`);
try {
  rmSync(staging, { recursive: true, force: true });
  await Promise.all([
    tsc('tsconfig.build.json', join(staging, 'cjs')),
    tsc('tsconfig.build.esm.json', join(staging, 'esm')),
  ]);
  writeFileSync(join(staging, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
  writeFileSync(join(staging, 'esm', 'package.json'), `${JSON.stringify({ type: 'module', sideEffects: false })}\n`);
  checkEsmResolution(bareSpecifiers(join(staging, 'esm')));
  swapIn(staging);
} finally {
  rmSync(staging, { recursive: true, force: true });
  for (let attempt = 0; attempt < 4; attempt++) rmSync(`${retired}-${attempt}`, { recursive: true, force: true });
}
process.stdout.write(`built dist/cjs and dist/esm in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
