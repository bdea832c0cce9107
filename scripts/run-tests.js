#!/usr/bin/env node
// Runs every test file under test/ (or under the folder given by --dir, e.g. test-llm/ or test-chaos/) with Node's
// own test runner, TypeScript loaded by tsx. Node 20's runner does not expand globs, so the files are
// listed here. Usage: node scripts/run-tests.js [--dir FOLDER] [--fast] [--list] [part of a path ...]
// --fast (npm run test:fast) leaves out the end-to-end files, named *.e2e.test.ts: the ones that run
// the pipeline on a dev server with real workers, or start our own programs as processes (star, star
// serve, workers, train-cli), and runs a file per core. --list prints the files it would run and runs none.
'use strict';
const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { spawnSync } = require('node:child_process');
const { availableParallelism } = require('node:os');

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
let dir = 'test';
const dirAt = args.indexOf('--dir');
if (dirAt >= 0) {
  dir = args[dirAt + 1];
  args.splice(dirAt, 2);
  if (!dir) {
    console.error('--dir needs a folder, e.g. --dir test-llm');
    process.exit(2);
  }
}
function takeFlag(name) {
  const at = args.indexOf(name);
  if (at >= 0) args.splice(at, 1);
  return at >= 0;
}
const fast = takeFlag('--fast');
const list = takeFlag('--list');
const filter = args;
const files = findTests(join(__dirname, '..', dir))
  .filter((f) => !(fast && f.endsWith('.e2e.test.ts')))
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)));
if (files.length === 0) {
  console.error(`no test files match ${filter.join(' ')}${fast ? ' outside the end-to-end (*.e2e.test.ts) files' : ''}`);
  process.exit(1);
}
if (list) {
  console.log(files.map((f) => relative(join(__dirname, '..'), f)).join('\n'));
  process.exit(0);
}
// The fast tier's files are independent (temporary folders, free ports, the tiny model's cache written
// atomically), so they run one per core; the full tier stays one file at a time, as CI runs it, since
// its end-to-end files each keep a dev server, workers and training busy.
const concurrency = fast ? availableParallelism() : 1;
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
