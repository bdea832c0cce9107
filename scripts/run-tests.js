#!/usr/bin/env node
// Runs every test file under test/ (or under the folder given by --dir, e.g. test-llm/ or test-chaos/) with Node's
// own test runner, TypeScript loaded by tsx. Node 20's runner does not expand globs, so the files are
// listed here. Usage: node scripts/run-tests.js [--dir FOLDER] [--fast] [--list] [part of a path ...]
// --fast (npm run test:fast) leaves out the end-to-end files, named *.e2e.test.ts: the ones that run
// the pipeline on a dev server with real workers, or start our own programs as processes (star, star
// serve, workers, train-cli), and runs the rest in one process per core. --list prints the files it
// would run and runs none.
'use strict';
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
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
const root = join(__dirname, '..');
// A part is matched against the path from the checkout, so the checkout's own folder name matches nothing.
const files = findTests(resolve(root, dir))
  .filter((f) => !(fast && f.endsWith('.e2e.test.ts')))
  .filter((f) => filter.length === 0 || filter.some((part) => relative(root, f).includes(part)));
if (list) {
  console.log(files.map((f) => relative(root, f)).join('\n'));
  process.exit(0);
}
if (!fast) {
  // The full tier runs each file in its own process, one file at a time, as CI runs it: its end-to-end
  // files each keep a dev server, workers and training busy, and a file cannot see another's state.
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}

// The fast tier runs its files in one process per core (scripts/test-group.js), each process taking the
// next file when it has finished the last: a process of its own per file would spend more on loading
// tsx, Temporal and TensorFlow than most files spend testing. The files are independent (temporary
// folders, free ports, the tiny model's cache written atomically), and the full tier still runs each
// alone, so a file that passes there and fails here has left state behind for the next one. A process's
// report is printed when it ends, so two reports never interleave. The files that start a dev server
// (the long ones) are handed out first.
const startsServer = (f) => /\bstartDevServer\(/.test(readFileSync(f, 'utf8'));
const queue = [...files.filter(startsServer), ...files.filter((f) => !startsServer(f))];
const processCount = Math.min(availableParallelism(), queue.length);
const totals = new Map();
let failed = false;
let running = processCount;
for (let p = 0; p < processCount; p++) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test-reporter=spec', join(__dirname, 'test-group.js')], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Set when this runner itself runs under `node --test`; the child would then report in the runner's
    // binary protocol instead of as text.
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });
  child.on('message', () => child.send({ file: queue.shift() ?? null }));
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  child.on('close', (code) => {
    process.stdout.write(output);
    for (const [, key, value] of output.matchAll(/^ℹ (\w+) ([\d.]+)$/gm)) {
      totals.set(key, key === 'duration_ms' ? Math.max(totals.get(key) ?? 0, Number(value)) : (totals.get(key) ?? 0) + Number(value));
    }
    if (code !== 0) failed = true;
    if (--running === 0) {
      console.log(`\nall ${processCount} processes (${files.length} files):`);
      // Less the one `<file> finished` marker test per file (scripts/test-group.js).
      for (const key of ['tests', 'pass']) totals.set(key, (totals.get(key) ?? 0) - files.length);
      for (const [key, value] of totals) console.log(`ℹ ${key} ${key === 'duration_ms' ? value.toFixed(0) : value}`);
      process.exit(failed ? 1 : 0);
    }
  });
}
