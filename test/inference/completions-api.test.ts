/** The pure parts of the openai inference path: stop strings, server messages, URLs, model names. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverMessage } from '../../inference/completions-api';
import { apiBase } from '../../inference/completions-client';
import { apiKeyFromEnv } from '../../inference/api-key';
import { InferenceSettingsError } from '../../inference/errors';
import { fillModelTemplate, resolveModelName } from '../../inference/model-name';
import { cutAtStop, taskStopStrings } from '../../inference/stop-strings';
import { servedCheckpoint } from '../../host/served-checkpoint';
import { checkCommonsenseQa } from '../../core/tasks/commonsenseqa';

void describe('stop strings', () => {
  void it('cuts a stop string a server left at the end of the text, as transformers serve does', () => {
    assert.deepEqual(cutAtStop('the answer is (b).\n', ['\n']), { text: 'the answer is (b).', stopped: true });
  });

  void it('cuts at the first stop string when a server ignored stop', () => {
    assert.equal(cutAtStop('a\n\nb<|endoftext|>c', ['<|endoftext|>', '\n\n']).text, 'a');
    assert.deepEqual(cutAtStop('no stop here', ['\n']), { text: 'no stop here', stopped: false });
  });

  void it('stops commonsenseqa after the answer line, which is all its checker reads', () => {
    const example = { id: 'q', answer: 'b', cls: 'commonsenseqa', hint: 'b', question: '?' };
    const full = ' It must be (b).\n\nQ: next question';
    const cut = cutAtStop(full, taskStopStrings('commonsenseqa')).text;
    assert.equal(cut, ' It must be (b).');
    assert.deepEqual(checkCommonsenseQa(example, cut), checkCommonsenseQa(example, full));
  });

  void it('ends every task at the literal end-of-text', () => {
    for (const task of ['commonsenseqa', 'gsm', 'arithmetic'] as const) assert.ok(taskStopStrings(task).includes('<|endoftext|>'));
  });
});

void describe('server messages', () => {
  void it('reads OpenAI, llama.cpp and FastAPI error bodies', () => {
    assert.equal(serverMessage('{"error":{"message":"temperature: too big","type":"invalid_request_error"}}'), 'temperature: too big');
    assert.equal(serverMessage('{"message":"bad prompt","code":400}'), 'bad prompt');
    assert.equal(
      serverMessage('{"detail":[{"loc":["body","n"],"msg":"extra fields not permitted"}]}'),
      '[{"loc":["body","n"],"msg":"extra fields not permitted"}]',
    );
    assert.equal(serverMessage('Internal Server Error'), 'Internal Server Error');
  });
});

void describe('server URLs and model names', () => {
  void it('accepts the server address with or without /v1', () => {
    assert.equal(apiBase('http://127.0.0.1:8000'), 'http://127.0.0.1:8000/v1');
    assert.equal(apiBase('http://127.0.0.1:8000/'), 'http://127.0.0.1:8000/v1');
    assert.equal(apiBase('http://h:1/v1/'), 'http://h:1/v1');
    assert.equal(apiBase('https://api.example.com/openai/v1'), 'https://api.example.com/openai/v1');
    assert.throws(() => apiBase('localhost:8000/v1'), /not a URL of an http\(s\) server/);
  });

  void it('fills the model template and refuses unknown placeholders', () => {
    assert.equal(fillModelTemplate('{experiment}_{iteration}', { experiment: 'gsm', iteration: 2, checkpoint: 'x' }), 'gsm_2');
    assert.throws(() => fillModelTemplate('{exp}', { experiment: 'gsm', iteration: 2, checkpoint: 'x' }), InferenceSettingsError);
  });

  void it('names a local checkpoint by the plain path the serve command got, as transformers serve DIR expects', () => {
    assert.equal(servedCheckpoint('file:///runs/gsm/models/gsm_1/step_40'), '/runs/gsm/models/gsm_1/step_40');
    assert.equal(servedCheckpoint('/models/hf'), '/models/hf');
    assert.equal(servedCheckpoint('gs://bucket/step_383500'), 'gs://bucket/step_383500');
  });

  void it('asks the server for its one model when no template is given', async () => {
    const vars = { experiment: 'e', iteration: 0, checkpoint: 'c' };
    assert.equal(await resolveModelName(undefined, vars, async () => ['star']), 'star');
    await assert.rejects(
      resolveModelName(undefined, vars, async () => ['a', 'b']),
      /serves 2 models \(a, b\): set inferenceModelTemplate/,
    );
  });

  void it('reads the API key from the named variable and says which one is missing', () => {
    assert.equal(apiKeyFromEnv('MY_KEY', { MY_KEY: 'sk-1' }), 'sk-1');
    assert.equal(apiKeyFromEnv(undefined, {}), undefined);
    assert.throws(
      () => apiKeyFromEnv('MY_KEY', {}),
      (err: Error) => err instanceof InferenceSettingsError && /MY_KEY/.test(err.message) && !/sk-/.test(err.message),
    );
  });
});
