#!/usr/bin/env node
// npm postinstall: makes the native TensorFlow backend work (scripts/install-tfjs-node.sh) without
// ever failing `npm install`: where it cannot, the model runs on WebAssembly.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

// The installer's own nested `npm install` runs this hook again; the outer run does the work.
if (process.env.STAR_TFJS_NODE_INSTALLING) process.exit(0);
if (process.platform === 'win32') {
  console.error(
    '[install-tfjs-node] skipped on Windows (no bash); the model uses @tensorflow/tfjs-node if npm installed it, else WebAssembly',
  );
  process.exit(0);
}
const r = spawnSync('bash', [path.join(__dirname, 'install-tfjs-node.sh'), '--optional'], { stdio: 'inherit' });
if (r.error) console.error(`[install-tfjs-node] could not run bash (${r.error.message}); the model uses WebAssembly`);
process.exit(0);
