/**
 * The architecture's contract: which top-level folder may import which. Lower layers never import
 * higher ones, so no change can bring back a folder loop (activities <-> host, storage -> contracts ->
 * core -> storage, bench -> test). A new folder needs its row here; an import the table refuses means
 * the code belongs lower (move what both sides need below both) or the table should change, on purpose.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findCycle, importEdges, relativeImports, type ImportEdge } from './helpers/import-graph';

/** What runs in production, bottom layer first. */
const LAYERS = {
  // The STaR rules: pure (lint also refuses Node built-ins here).
  core: [],
  // What workflows, activities, hosts and the client agree on; runs in the workflow sandbox.
  contracts: ['core'],
  storage: ['core', 'contracts'],
  // Reading and writing the tasks' data: splits, prompt files, JSONL, training records.
  'dataset-files': ['core', 'storage'],
  // Child processes: process groups, the `command` verifier.
  processes: ['core'],
  // Heartbeats, cancellation and failure classes of code running inside an activity.
  'activity-context': ['core', 'contracts'],
  // One descriptor per trainer; the workflow reads it too, so it runs in the sandbox.
  trainers: ['core', 'contracts'],
  // Reading and checking task files (a task defined by data, prompts and an answer rule).
  'task-file': ['core', 'storage'],
  inference: ['core', 'contracts'],
  connection: ['core'],
  model: ['core', 'storage', 'dataset-files'],
  // One machine's trainer and inference server processes, and its trainOnHost activity.
  host: ['core', 'contracts', 'storage', 'processes', 'activity-context'],
  activities: [
    'core',
    'contracts',
    'storage',
    'dataset-files',
    'processes',
    'activity-context',
    'trainers',
    'task-file',
    'inference',
    'model',
    'host',
    'tracking',
  ],
  workflows: ['core', 'contracts', 'trainers', 'activities'],
  report: ['core', 'contracts', 'storage'],
  // Experiment tracking (MLflow) from the stored metrics.
  tracking: ['core', 'contracts', 'storage', 'report'],
  serve: ['core', 'inference', 'model'],
  workers: ['core', 'contracts', 'connection', 'activities', 'host', 'workflows'],
  cli: [
    'core',
    'contracts',
    'storage',
    'dataset-files',
    'processes',
    'trainers',
    'task-file',
    'connection',
    'inference',
    'model',
    'report',
    'tracking',
    'serve',
    'workers',
    'workflows',
  ],
} as const satisfies Record<string, readonly string[]>;

const PRODUCTION = Object.keys(LAYERS) as (keyof typeof LAYERS)[];

/** Tools and tests sit on top: they may import any production folder, and tests share test-support/. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  ...LAYERS,
  scripts: PRODUCTION,
  // The example task files' data generators.
  configs: PRODUCTION,
  'test-support': PRODUCTION,
  bench: [...PRODUCTION, 'test-support'],
  // Tests may also import the example task files' own scripts (their verifiers), to check them.
  test: [...PRODUCTION, 'test-support', 'configs'],
  'test-chaos': [...PRODUCTION, 'test-support'],
  'test-llm': [...PRODUCTION, 'test-support', 'scripts'],
  'test-tracking': [...PRODUCTION, 'test-support'],
};

/** Workflow code must not load activity code into the sandbox: it names activities by type only. */
const TYPE_ONLY = new Set(['workflows -> activities']);

/** Sub-folders only their own folder (and the test suites) may import: the model's alternative backends. */
const FENCED = [{ folder: 'model/backends/', owner: 'model', tests: ['test', 'test-support'] }];

/** Every import the table refuses, as `file: from -> to (specifier target)` lines. */
function violations(edges: readonly ImportEdge[], allowed: Readonly<Record<string, readonly string[]>>): string[] {
  const found: string[] = [];
  for (const edge of edges) {
    const where = `${edge.file} imports ${edge.target}`;
    if (!(edge.from in allowed)) {
      found.push(`${where}: folder ${edge.from}/ has no row in the layer table`);
      continue;
    }
    if (edge.from === edge.to) continue;
    if (!(allowed[edge.from] ?? []).includes(edge.to)) found.push(`${where}: ${edge.from}/ may not import ${edge.to}/`);
    else if (TYPE_ONLY.has(`${edge.from} -> ${edge.to}`) && !edge.typeOnly)
      found.push(`${where}: ${edge.from}/ may import ${edge.to}/ as types only`);
    for (const fence of FENCED) {
      if (`${edge.target}/`.startsWith(fence.folder) && edge.from !== fence.owner && !fence.tests.includes(edge.from)) {
        found.push(`${where}: ${fence.folder} is private to ${fence.owner}/`);
      }
    }
  }
  return found;
}

const edge = (file: string, target: string, typeOnly = false): ImportEdge => ({
  file,
  target,
  from: file.split('/')[0] as string,
  to: target.split('/')[0] as string,
  typeOnly,
});

void describe('the layers between top-level folders', () => {
  void it('form no loop: the table of allowed imports has no cycle', () => {
    assert.equal(findCycle(ALLOWED), undefined);
  });

  void it('are kept: every import between folders is one the table allows', () => {
    const edges = importEdges(join(__dirname, '..'));
    assert.ok(
      edges.some((e) => e.from === 'activities' && e.to === 'core'),
      'the import reader finds the imports of activities/',
    );
    assert.deepEqual(violations(edges, ALLOWED), []);
  });

  void it('would refuse an import that climbs back, a folder without a row, a value import of activities in workflows, a fenced backend', () => {
    const refused = violations(
      [
        edge('core/records.ts', 'storage'),
        edge('bench/shards.ts', 'test/helpers/temporal'),
        edge('gadgets/x.ts', 'core'),
        edge('workflows/activity-proxies.ts', 'activities'),
        edge('activities/sampler.ts', 'model/backends/wasm/kernels'),
      ],
      ALLOWED,
    );
    assert.deepEqual(refused, [
      'core/records.ts imports storage: core/ may not import storage/',
      'bench/shards.ts imports test/helpers/temporal: bench/ may not import test/',
      'gadgets/x.ts imports core: folder gadgets/ has no row in the layer table',
      'workflows/activity-proxies.ts imports activities: workflows/ may import activities/ as types only',
      'activities/sampler.ts imports model/backends/wasm/kernels: model/backends/ is private to model/',
    ]);
    assert.deepEqual(violations([edge('workflows/a.ts', 'activities', true), edge('model/sample.ts', 'model/backends/wasm')], ALLOWED), []);
  });

  void it('would find a loop: a table where storage climbs back to core is a cycle', () => {
    assert.deepEqual(findCycle({ core: ['storage'], storage: ['contracts'], contracts: ['core'] }), [
      'core',
      'storage',
      'contracts',
      'core',
    ]);
  });

  void it('reads static, re-exported, dynamic, required and type-only imports', () => {
    const source = [
      "import { a } from '../core';",
      "import type { B } from '../activities';",
      "import { type C, type D } from './c';",
      "export * from '../storage';",
      "const e = require('../processes/process-group');",
      "void import('../dataset-files');",
      "type F = import('../model').F;",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    assert.deepEqual(relativeImports(source), [
      { specifier: '../core', typeOnly: false },
      { specifier: '../activities', typeOnly: true },
      { specifier: './c', typeOnly: true },
      { specifier: '../storage', typeOnly: false },
      { specifier: '../processes/process-group', typeOnly: false },
      { specifier: '../dataset-files', typeOnly: false },
      { specifier: '../model', typeOnly: true },
    ]);
  });
});
