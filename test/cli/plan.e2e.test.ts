import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runStar } from './run-star';

interface PlanJson {
  growthRule: string;
  options: { nIters: number; startSteps: number };
  iterations: { iteration: number; totalSteps: number | string }[];
}

function planJson(sets: string[]): PlanJson {
  const run = runStar(['plan', '--json', ...sets.flatMap((s) => ['--set', s])]);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as PlanJson;
}

void describe('star plan', () => {
  void it('grows steady steps by addSteps each iteration, for iterations 1..nIters-1', () => {
    const plan = planJson(['steadyGrow=true', 'exponentialGrow=false', 'startSteps=40', 'addSteps=20', 'nIters=6']);
    assert.equal(plan.growthRule, 'steady');
    assert.deepEqual(
      plan.iterations.map((it) => it.iteration),
      [1, 2, 3, 4, 5],
    );
    // int(40 + 20 * (i - 1))
    assert.deepEqual(
      plan.iterations.map((it) => it.totalSteps),
      [40, 60, 80, 100, 120],
    );
  });

  void it('floors fractional steady steps as Python int() does', () => {
    const plan = planJson(['steadyGrow=true', 'exponentialGrow=false', 'startSteps=10.5', 'addSteps=2.25', 'nIters=4']);
    // 10.5, 12.75, 15.0
    assert.deepEqual(
      plan.iterations.map((it) => it.totalSteps),
      [10, 12, 15],
    );
  });

  void it("grows exponential steps by growSteps each iteration (the paper's 40 steps, +20%)", () => {
    const plan = planJson(['exponentialGrow=true', 'steadyGrow=false', 'startSteps=40', 'growSteps=1.2', 'nIters=7']);
    assert.equal(plan.growthRule, 'exponential');
    // int(40 * 1.2 ** (i - 1)): 40, 48, 57.6, 69.12, 82.944, 99.5328
    assert.deepEqual(
      plan.iterations.map((it) => it.totalSteps),
      [40, 48, 57, 69, 82, 99],
    );
  });

  void it('leaves epoch-rule steps as the formula, since they depend on the kept count', () => {
    const plan = planJson([
      'exponentialGrow=false',
      'steadyGrow=false',
      'nIters=3',
      'baseEpochs=1',
      'addEpochs=0.5',
      'gradientAccumulationSteps=8',
      'sequenceCount=10',
    ]);
    assert.equal(plan.growthRule, 'epoch');
    assert.equal(plan.iterations.length, 2);
    for (const it of plan.iterations) assert.equal(typeof it.totalSteps, 'string');
    assert.match(String(plan.iterations[1].totalSteps), /kept \* 1\.5 \/\/ 80/);
  });

  void it('refuses a hundred million iterations at once, naming the limit, instead of planning them', () => {
    const run = runStar(['plan', '--set', 'nIters=100000000']);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /nIters: at most \d+ iterations/);
  });

  void it('prints the options and a total_steps table as text', () => {
    const run = runStar(['plan', '--set', 'nIters=4', '--set', 'exponentialGrow=true', '--set', 'startSteps=50', '--set', 'growSteps=2']);
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /nIters\s+4/);
    assert.match(run.stdout, /Growth rule: exponential/);
    assert.match(run.stdout, /^\s+1\s+50\s/m);
    assert.match(run.stdout, /^\s+3\s+200\s/m);
    assert.match(run.stdout, /^\s+all\s+350$/m);
  });

  void it('exports the resolved input, which validates again as a plan input', () => {
    const run = runStar(['plan', '--export', '--set', 'nIters=3']);
    assert.equal(run.status, 0, run.stderr);
    const exported = JSON.parse(run.stdout) as { nIters: number; experiment: string };
    assert.equal(exported.nIters, 3);
    assert.equal(exported.experiment, 'arithmetic-demo');
  });

  void it('keeps ${NAME} in a command template as written, for the host to expand, and masks every expanded value whatever its name', () => {
    const secret = 's3cr3t-value-42';
    const sets = [
      'trainer=command',
      'hosts=["h"]',
      'commandTemplate=python3 t.py --token=${MY_API_TOKEN} --config {config} --out ${OUT_DIR}',
      'datasetDir=${DATABASE_URL}',
    ];
    const args = sets.flatMap((s) => ['--set', s]);
    const env = { MY_API_TOKEN: secret, OUT_DIR: '/data/out', DATABASE_URL: 'postgres://admin:hunter2pw@db' };
    for (const mode of [[], ['--json'], ['--export']]) {
      const run = runStar(['plan', ...mode, ...args], env);
      assert.equal(run.status, 0, run.stderr);
      assert.ok(!run.stdout.includes(secret), `star plan ${mode.join(' ')} printed the secret`);
      assert.match(run.stdout, /--token=\$\{MY_API_TOKEN\} --config \{config\} --out \$\{OUT_DIR\}/, 'the template as written');
      if (mode[0] !== '--export') assert.ok(!run.stdout.includes('hunter2pw'), `star plan ${mode.join(' ')} printed an expanded value`);
    }
    const bad = runStar(['plan', '--set', 'nIters=${DB_PASSWORD}'], { DB_PASSWORD: secret });
    assert.equal(bad.status, 2);
    assert.ok(!`${bad.stdout}${bad.stderr}`.includes(secret), 'an invalid value does not print the secret either');
  });

  void it('refuses a variable named like a credential outside a command template, where it would be stored', () => {
    const run = runStar(['plan', '--set', 'inferenceUrl=http://h:8000/v1?key=${OPENAI_API_KEY}', '--set', 'inference=openai'], {
      OPENAI_API_KEY: 'sk-live-abcdef',
    });
    assert.equal(run.status, 2);
    assert.match(
      run.stderr,
      /inferenceUrl: .*\$\{OPENAI_API_KEY\}, named like a credential, whose value would be stored in the workflow history.*inferenceApiKeyEnv=OPENAI_API_KEY/,
    );
    assert.ok(!run.stderr.includes('sk-live-abcdef'));
  });

  void it('masks a value with quotes and backslashes in --json, and a long one before an error shortens it', () => {
    const quoted = 'dir "with" \\back\\slashes';
    const json = runStar(['plan', '--json', '--set', 'datasetDir=${STAR_ODD_DIR}'], { STAR_ODD_DIR: quoted });
    assert.equal(json.status, 0, json.stderr);
    assert.ok(!json.stdout.includes(JSON.stringify(quoted).slice(1, -1)) && !json.stdout.includes('with'), json.stdout);
    assert.match(json.stdout, /"datasetDir": "\$\{STAR_ODD_DIR\}"/);
    const long = `tok${'x'.repeat(120)}`;
    const bad = runStar(['plan', '--set', 'seed=${STAR_LONG}'], { STAR_LONG: long });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /seed: .*\$\{STAR_LONG\}/);
    assert.ok(!bad.stderr.includes('tokxxxx'), bad.stderr);
  });

  void it("reads a preset's relative paths from the project, whatever folder star runs in", () => {
    const project = join(__dirname, '..', '..');
    const fromRoot = runStar(['plan', '--export'], {}, project);
    assert.equal(fromRoot.status, 0, fromRoot.stderr);
    assert.equal(
      (JSON.parse(fromRoot.stdout) as { baseModelLocation: string }).baseModelLocation,
      'pretrained/arithmetic-base',
      'unchanged from the project folder',
    );
    const fromDocs = runStar(['plan', '--export'], {}, join(project, 'docs'));
    assert.equal(fromDocs.status, 0, fromDocs.stderr);
    const options = JSON.parse(fromDocs.stdout) as { baseModelLocation: string; baseConfig: string; storageRoot: string };
    assert.equal(options.baseModelLocation, join(project, 'pretrained', 'arithmetic-base'));
    assert.ok(existsSync(join(options.baseModelLocation, 'manifest.json')), 'the base model is found from docs/');
    assert.ok(existsSync(options.baseConfig), 'the trainer config is found from docs/');
    assert.equal(options.storageRoot, join(project, 'runs'));
  });
});
