import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepTracker, parseStepLine } from '../../core/step-parser';

void describe('step parser', () => {
  void it('reads the embedded trainer lines with their loss', () => {
    assert.deepEqual(parseStepLine('step 12 loss 1.234567', 40), { step: 12, loss: 1.234567 });
    assert.deepEqual(parseStepLine('step 3', 40), { step: 3 });
  });

  void it('reads the reference trainer lines', () => {
    assert.deepEqual(parseStepLine('saving a checkpoint for step 21', 40), { step: 21 });
    assert.deepEqual(parseStepLine('state will be restored from checkpoint 20', 40), { step: 20 });
    assert.deepEqual(parseStepLine('validation loss for step 11, set val: 2.5', 40), { step: 11 });
    assert.deepEqual(parseStepLine('Validation loss for step 11, dataset qa loss: 2.5 acc: 0.3', 40), { step: 11 });
    assert.deepEqual(parseStepLine('training completed!', 40), { step: 40 });
  });

  void it('ignores numbers in other lines', () => {
    assert.equal(parseStepLine('jax devices: 8', 40), undefined);
    assert.equal(parseStepLine('Wrote checkpoint in 12.5s', 40), undefined);
    assert.equal(parseStepLine('the step 5 of the data loader failed', 40), undefined);
  });

  void it('follows the highest step, so a resumed trainer repeating steps does not go backwards', () => {
    const tracker = new StepTracker(40);
    assert.equal(tracker.see('step 5 loss 2.0'), true);
    assert.equal(tracker.see('state will be restored from checkpoint 3'), false);
    assert.equal(tracker.step, 5);
    assert.equal(tracker.see('step 6 loss 1.9'), true);
    assert.deepEqual([tracker.step, tracker.loss], [6, 1.9]);
  });
});
