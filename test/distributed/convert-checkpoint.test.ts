/**
 * The conversion after training (`convertCommandTemplate`): validated with the input, run as a real
 * process on the trained folder, skipped on a retry once done, and a usage error fails for good.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { parseExperimentInput } from '../../contracts/experiment-input';
import { convertCheckpoint } from '../../host/convert-checkpoint';
import { convertTemplateProblem } from '../../contracts/convert-command';
import { scratchDir } from '../../test-support/experiment-input';

const node = JSON.stringify(process.execPath);
/** A real converter: copies the checkpoint folder to the output folder. */
const COPY = `${node} -e "require('fs').cpSync(process.argv[1], process.argv[2], { recursive: true }); console.log('copied')" {checkpoint} {output}`;
const never = new Promise<never>(() => undefined);

void describe('convertCommandTemplate', () => {
  void it('is checked with the input: placeholders, {checkpoint} and {output}, the command trainer', () => {
    const base = { experiment: 'x', task: 'arithmetic', trainer: 'command', hosts: ['tpu-0'] };
    assert.ok(
      parseExperimentInput({
        ...base,
        convertCommandTemplate: 'python3 to_hf_weights.py --input_ckpt {checkpoint} --output_path {output} --cpu',
      }).ok,
    );
    const problems = (input: object) => {
      const result = parseExperimentInput(input);
      return result.ok ? [] : result.problems.map((p) => `${p.field}: ${p.expected}`);
    };
    assert.match(
      problems({ ...base, convertCommandTemplate: 'convert {checkpoint}' }).join('\n'),
      /convertCommandTemplate: .*has no \{output\}/,
    );
    assert.match(
      problems({ ...base, convertCommandTemplate: 'convert {ckpt} {output}' }).join('\n'),
      /convertCommandTemplate: .*\{ckpt\}, which is not a placeholder/,
    );
    assert.match(
      problems({ experiment: 'x', task: 'arithmetic', convertCommandTemplate: 'c {checkpoint} {output}' }).join('\n'),
      /convertCommandTemplate: convertCommandTemplate needs trainer "command"/,
    );
    assert.equal(convertTemplateProblem('c {checkpoint} {output} {iteration} {total_steps}'), undefined);
  });

  void it('converts the trained folder into step_N_converted, logs it, and does not run again once done', async () => {
    const dir = scratchDir('convert');
    const modelDir = join(dir, 'models', 'exp_1');
    mkdirSync(join(modelDir, 'step_4'), { recursive: true });
    writeFileSync(join(modelDir, 'step_4', 'weights.bin'), 'trained');
    const logUri = join(dir, 'train.log');
    const settings = { workdir: dir, env: process.env, killGraceMs: 1000, say: () => undefined };
    const request = {
      template: COPY,
      checkpointUri: join(modelDir, 'step_4'),
      configUri: join(dir, 'c.json'),
      modelDir,
      iteration: 1,
      totalSteps: 4,
      logUri,
    };
    const out = await convertCheckpoint(settings, request, () => undefined, never);
    assert.equal(out, join(modelDir, 'step_4_converted'));
    assert.equal(readFileSync(join(out, 'weights.bin'), 'utf8'), 'trained');
    assert.match(readFileSync(logUri, 'utf8'), /converting .*step_4 into .*step_4_converted[\s\S]*copied[\s\S]*converted into/);
    // A retry after the conversion finished returns the folder without running anything (this command would fail).
    assert.equal(
      await convertCheckpoint(
        settings,
        { ...request, template: `${node} -e "process.exit(1)" {checkpoint} {output}` },
        () => undefined,
        never,
      ),
      out,
    );
    assert.ok(existsSync(`${out}.done.json`));
  });

  void it('fails for good on a usage error (status 2) and retryably on other failures, with the output', async () => {
    const dir = scratchDir('convert-fail');
    const settings = { workdir: dir, env: process.env, killGraceMs: 1000, say: () => undefined };
    const request = (code: number) => ({
      template: `${node} -e "console.log('bad flag'); process.exit(${code})" {checkpoint} {output}`,
      checkpointUri: join(dir, 'step_1'),
      configUri: join(dir, 'c.json'),
      modelDir: join(dir, `m${code}`),
      iteration: 1,
      totalSteps: 1,
      logUri: join(dir, 'log'),
    });
    const usage = await convertCheckpoint(settings, request(2), () => undefined, never).catch((e: unknown) => e);
    assert.ok(usage instanceof ApplicationFailure && usage.nonRetryable, String(usage));
    assert.match(usage.message, /exited with status 2 .*convertCommandTemplate[\s\S]*bad flag/);
    const other = await convertCheckpoint(settings, request(1), () => undefined, never).catch((e: unknown) => e);
    assert.ok(other instanceof ApplicationFailure && !other.nonRetryable, String(other));
    assert.ok(!existsSync(join(dir, 'm1', 'step_1_converted.done.json')), 'a failed conversion is not marked done');
  });
});
