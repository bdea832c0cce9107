import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPrompt, noPromptEvalSeq, noPromptForGeneration, promptFileName, splitPromptFile } from '../../core';

void describe('prompt assembly', () => {
  void it('joins the prompt examples by blank lines, then a blank line, then the context', () => {
    assert.equal(buildPrompt(['P1', 'P2'], 'Q: x\nA:', { noPrompt: false }), 'P1\n\nP2\n\nQ: x\nA:');
  });

  void it('gives the bare context under no_prompt', () => {
    assert.equal(buildPrompt(['P1'], 'Q: x\nA:', { noPrompt: true }), 'Q: x\nA:');
  });

  void it('keeps the separator for an empty prompt list, as the reference does for arithmetic', () => {
    assert.equal(buildPrompt([], 'Input:\n1 + 2\nTarget:', { noPrompt: false }), '\n\nInput:\n1 + 2\nTarget:');
  });

  void it('splits prompt files on blank lines without trimming', () => {
    assert.deepEqual(splitPromptFile('a\nb\n\nc\n'), ['a\nb', 'c\n']);
  });

  void it('names the four prompt files of the reference', () => {
    assert.equal(promptFileName({ answerKey: false, direct: false }), 'prompts.txt');
    assert.equal(promptFileName({ answerKey: true, direct: false }), 'prompts_answer_key.txt');
    assert.equal(promptFileName({ answerKey: false, direct: true }), 'prompts_direct.txt');
    assert.equal(promptFileName({ answerKey: true, direct: true }), 'prompts_direct_answer_key.txt');
  });

  void it('drops the prompt in generation only from iteration 2, and evaluates with 128 + gen_length', () => {
    assert.equal(noPromptForGeneration(true, 1), false);
    assert.equal(noPromptForGeneration(true, 2), true);
    assert.equal(noPromptForGeneration(false, 5), false);
    assert.equal(noPromptEvalSeq(96), 224);
  });
});
