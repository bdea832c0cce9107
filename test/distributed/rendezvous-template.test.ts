/**
 * The multi-node placeholders of the training command (`{master_addr}`, `{master_port}`,
 * `{nproc_per_node}`) and the experiment options that feed them (`rendezvous`, `nprocPerNode`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandTemplateError } from '../../core/command-line';
import { expandCommand, usesNprocPerNode, usesRendezvous, type CommandValues } from '../../contracts/command-templates';
import { parseExperimentInput, type ExperimentInput } from '../../contracts/experiment-input';

const values: CommandValues = {
  config: '/runs/exp/configs/exp_1.json',
  base_model: '/models/smollm2',
  model_dir: '/runs/exp/models/exp_1',
  train_index: '/home/me/star/data/exp/exp_1.index',
  total_steps: 40,
  iteration: 1,
  host: 'gpu-1',
  host_index: 1,
  host_count: 2,
};

const TORCHRUN =
  'torchrun --nnodes {host_count} --node_rank {host_index} --nproc_per_node {nproc_per_node} ' +
  '--master_addr {master_addr} --master_port {master_port} -m star_trainer.train --config {config}';

function command(overrides: Partial<ExperimentInput>) {
  return parseExperimentInput({ experiment: 'x', task: 'arithmetic', trainer: 'command', hosts: ['gpu-0', 'gpu-1'], ...overrides });
}

function problems(overrides: Partial<ExperimentInput>): { field: string; expected: string }[] {
  const result = command(overrides);
  assert.equal(result.ok, false, `expected ${JSON.stringify(overrides)} to be refused`);
  return result.ok ? [] : result.problems.map((p) => ({ field: p.field, expected: p.expected }));
}

void describe('multi-node placeholders', () => {
  void it('fills the torchrun launch of one node with the rendezvous and the processes per node', () => {
    assert.deepEqual(expandCommand(TORCHRUN, { ...values, master_addr: '10.0.0.10', master_port: 29517, nproc_per_node: 8 }), [
      'torchrun',
      '--nnodes',
      '2',
      '--node_rank',
      '1',
      '--nproc_per_node',
      '8',
      '--master_addr',
      '10.0.0.10',
      '--master_port',
      '29517',
      '-m',
      'star_trainer.train',
      '--config',
      '/runs/exp/configs/exp_1.json',
    ]);
    assert.deepEqual(
      expandCommand('run --rdzv-endpoint={master_addr}:{master_port}', { ...values, master_addr: 'gpu-0', master_port: 1 }),
      ['run', '--rdzv-endpoint=gpu-0:1'],
    );
  });

  void it('refuses to expand a placeholder that has no value for this command, naming it and where its value comes from', () => {
    assert.throws(
      () => expandCommand(TORCHRUN, { ...values, nproc_per_node: 1 }),
      (err: Error) =>
        err instanceof CommandTemplateError &&
        /names \{master_addr\}, which has no value/.test(err.message) &&
        /rendezvous/.test(err.message),
    );
    assert.throws(() => expandCommand('t --n {nproc_per_node}', values), /\{nproc_per_node\}, which has no value[\s\S]*nprocPerNode/);
  });

  void it('tells a command that meets at a rendezvous from one that does not', () => {
    assert.equal(usesRendezvous(TORCHRUN), true);
    assert.equal(usesRendezvous('t --port {master_port}'), true);
    assert.equal(usesRendezvous('torchrun --standalone --nproc_per_node {nproc_per_node} -m star_trainer.train'), false);
    assert.equal(usesRendezvous('t --addr ${MASTER_ADDR}'), false, 'an environment reference is not a placeholder');
    assert.equal(usesNprocPerNode(TORCHRUN), true);
    assert.equal(usesNprocPerNode('python3 device_train.py --config {config}'), false);
  });
});

void describe('the rendezvous and nprocPerNode options', () => {
  void it('defaults nprocPerNode to 1 and takes a rendezvous endpoint, also as --set strings', () => {
    const plain = command({ commandTemplate: TORCHRUN });
    assert.ok(plain.ok);
    if (!plain.ok) return;
    assert.equal(plain.options.nprocPerNode, 1);
    assert.equal(plain.options.rendezvous, undefined, 'absent: host 0 picks one');
    const set = command({ commandTemplate: TORCHRUN, nprocPerNode: '8', rendezvous: { addr: '10.0.0.10', port: '29500' } } as never);
    assert.ok(set.ok, JSON.stringify(set));
    if (!set.ok) return;
    assert.equal(set.options.nprocPerNode, 8);
    assert.deepEqual(set.options.rendezvous, { addr: '10.0.0.10', port: 29500 });
  });

  void it('accepts {master_addr} with a single host', () => {
    assert.ok(command({ hosts: ['gpu-0'], commandTemplate: TORCHRUN }).ok);
  });

  void it('refuses a port outside 1-65535, an address with spaces, an unknown field and nprocPerNode 0', () => {
    assert.deepEqual(
      problems({ commandTemplate: TORCHRUN, rendezvous: { addr: 'gpu 0', port: 70000 }, nprocPerNode: 0 })
        .map((p) => p.field)
        .sort(),
      ['nprocPerNode', 'rendezvous.addr', 'rendezvous.port'],
    );
    assert.deepEqual(
      problems({ commandTemplate: TORCHRUN, rendezvous: { addr: 'gpu-0', port: 29500, host: 'x' } as never }).map((p) => p.field),
      ['rendezvous.host'],
    );
  });

  void it('refuses a rendezvous or nprocPerNode that the command template would not use, saying what to add', () => {
    const standalone = 'torchrun --standalone --nproc_per_node 8 -m star_trainer.train --config {config}';
    const [rendezvous] = problems({ commandTemplate: standalone, rendezvous: { addr: 'gpu-0', port: 29500 } });
    assert.equal(rendezvous?.field, 'rendezvous');
    assert.match(rendezvous?.expected ?? '', /names neither \{master_addr\} nor \{master_port\}/);
    const [nproc] = problems({ commandTemplate: standalone, nprocPerNode: 8 });
    assert.equal(nproc?.field, 'nprocPerNode');
    assert.match(nproc?.expected ?? '', /does not name \{nproc_per_node\}/);
  });

  void it('refuses a rendezvous for a trainer other than command', () => {
    const result = parseExperimentInput({ experiment: 'x', task: 'arithmetic', rendezvous: { addr: 'gpu-0', port: 29500 } });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.problems.map((p) => p.field),
      ['rendezvous'],
    );
    assert.match(result.problems[0]?.expected ?? '', /for trainer "command"/);
  });
});
