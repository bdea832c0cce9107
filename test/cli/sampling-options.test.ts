/** The several-samples, verifier and early-stop options: defaults, --set, and what the input refuses. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveExperimentInput } from '../../cli/experiment-input';
import { parseExperimentInput } from '../../contracts/experiment-input';
import { samplingSettings } from '../../activities/sampling-settings';

const minimal = { experiment: 'x', task: 'arithmetic' };

void describe('sampling options', () => {
  void it('default to STaR’s pass, which adds nothing to the generation manifest digest', () => {
    const parsed = parseExperimentInput(minimal);
    assert.ok(parsed.ok);
    const o = parsed.options;
    assert.deepEqual(
      [o.samplesPerQuestion, o.keepPerQuestion, o.dedup, o.rationalizeOnlyIfAllFail, o.verifier, o.earlyStop],
      [1, 1, 'exact', true, 'exact', undefined],
    );
    assert.equal(samplingSettings(o), undefined);
    const all = parseExperimentInput({ ...minimal, keepAll: true });
    assert.ok(all.ok && samplingSettings(all.options)?.keepAll === true, 'keepAll changes what a shard keeps, so its digest');
    const k2 = parseExperimentInput({ ...minimal, samplesPerQuestion: 2 });
    assert.ok(k2.ok && samplingSettings(k2.options)?.samplesPerQuestion === 2);
  });

  void it('are set with --set, earlyStop by its dotted fields', () => {
    const resolved = resolveExperimentInput({
      preset: 'arithmetic-demo',
      sets: [
        'samplesPerQuestion=4',
        'keepPerQuestion=2',
        'dedup=normalized',
        'earlyStop.patience=2',
        'earlyStop.minDelta=0.01',
        'verifier=command',
        'verifierCommand=python3 check.py --strict',
      ],
    });
    const o = resolved.options;
    assert.deepEqual(
      [o.samplesPerQuestion, o.keepPerQuestion, o.dedup, o.verifierCommand],
      [4, 2, 'normalized', 'python3 check.py --strict'],
    );
    assert.deepEqual(o.earlyStop, { patience: 2, minDelta: 0.01 });
  });

  void it('refuses a command verifier without a command, one that needs a shell, and earlyStop without eval', () => {
    const problems = (raw: object) => {
      const parsed = parseExperimentInput({ ...minimal, ...raw });
      return parsed.ok ? [] : parsed.problems.map((p) => `${p.field}: ${p.expected}`);
    };
    assert.match(problems({ verifier: 'command' }).join('\n'), /verifierCommand: verifier "command" needs verifierCommand/);
    assert.match(
      problems({ verifier: 'command', verifierCommand: 'check.py | grep ok' }).join('\n'),
      /verifierCommand: .*shell operator "\|"/,
    );
    assert.match(problems({ verifier: 'command', verifierCommand: 'check $HOME' }).join('\n'), /verifierCommand: .*shell expansion/);
    assert.match(problems({ earlyStop: { patience: 1 }, skipEval: true }).join('\n'), /earlyStop: .*skipEval/);
    assert.match(problems({ dedup: 'fuzzy' }).join('\n'), /dedup/);
    assert.match(problems({ keepAll: true, rationalize: true }).join('\n'), /keepAll: .*set rationalize to false/);
    assert.match(problems({ samplesPerQuestion: 0 }).join('\n'), /samplesPerQuestion/);
  });
});
