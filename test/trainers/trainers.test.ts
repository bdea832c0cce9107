import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { TRAINER_NAMES } from '../../contracts/experiment-input';
import { trainerNamed } from '../../trainers';

const ROOT = join(__dirname, '..', '..');

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return typescriptFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

void describe('trainers', () => {
  void it('describes every trainer the input accepts, under its own name', () => {
    for (const name of TRAINER_NAMES) assert.equal(trainerNamed(name).name, name);
  });

  void it('trains the command trainer on hosts and the others on a worker', () => {
    assert.equal(trainerNamed('command').runsOn, 'hosts');
    assert.equal(trainerNamed('embedded').runsOn, 'worker');
    assert.equal(trainerNamed('simulated').runsOn, 'worker');
  });

  void it('leaves the workflow, the CLI and the activities asking the trainer, never comparing its name', () => {
    const branching = ['workflows', 'activities', 'cli'].flatMap((dir) =>
      typescriptFiles(join(ROOT, dir)).flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, where: `${relative(ROOT, file)}:${i + 1}` }))
          .filter(({ line }) => /trainer\s*[!=]==|\.trainer\s*==/.test(line))
          .map(({ where, line }) => `${where}: ${line.trim()}`),
      ),
    );
    assert.deepEqual(branching, [], 'ask trainerNamed(options.trainer) (trainers/) for what differs between trainers');
  });
});
