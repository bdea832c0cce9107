import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { File } from '@google-cloud/storage';
import { GcsStore } from '../../storage/gcs-store';
import { createGcsClient, emulatorEndpoint } from '../../storage/gcs-client';
import { StorageBucketNotFoundError, translateGcsError } from '../../storage/gcs-errors';
import { parseGsObjectUri, parseGsUri } from '../../storage/gcs-uri';
import { StorageAccessError, StorageNotFoundError } from '../../storage/store';
import { exists, list, readJson, remove, storeFor, writeJson } from '../../storage';
import { gcsSkipReason, startGcsEmulator, type GcsEmulator } from '../helpers/gcs-emulator';

void describe('gs:// URIs', () => {
  void it('splits a URI into bucket and object name', () => {
    assert.deepEqual(parseGsUri('gs://star-runs/exp-1/iter-0/kept.jsonl'), { bucket: 'star-runs', name: 'exp-1/iter-0/kept.jsonl' });
    assert.deepEqual(parseGsUri('gs://star-runs'), { bucket: 'star-runs', name: '' });
  });

  void it('rejects a bucket name Cloud Storage would refuse, naming the URI', () => {
    for (const bad of ['gs://Star/x', 'gs://ab/x', 'gs:///x', 'gs://-lead/x', 'gs://under score/x']) {
      assert.throws(
        () => parseGsUri(bad),
        (err: Error) => err.message.includes(bad) && /invalid bucket name/.test(err.message),
      );
    }
  });

  void it('refuses object operations on a bucket or folder URI', () => {
    assert.throws(() => parseGsObjectUri('gs://star-runs'), /not an object/);
    assert.throws(() => parseGsObjectUri('gs://star-runs/dir/'), /not an object/);
  });
});

void describe('STORAGE_EMULATOR_HOST spellings', () => {
  void it('accepts host:port, http://host:port, a trailing slash and a /storage/v1 suffix', () => {
    assert.equal(emulatorEndpoint('127.0.0.1:9023'), 'http://127.0.0.1:9023');
    assert.equal(emulatorEndpoint('http://127.0.0.1:9023'), 'http://127.0.0.1:9023');
    assert.equal(emulatorEndpoint('http://127.0.0.1:9023/'), 'http://127.0.0.1:9023');
    assert.equal(emulatorEndpoint('http://127.0.0.1:9023/storage/v1/'), 'http://127.0.0.1:9023');
    assert.equal(emulatorEndpoint('https://gcs.test:4443'), 'https://gcs.test:4443');
  });

  void it('rejects a value that is not an http address', () => {
    assert.throws(() => emulatorEndpoint('ftp://127.0.0.1:21'), /STORAGE_EMULATOR_HOST=ftp/);
    assert.throws(() => emulatorEndpoint('http://'), /STORAGE_EMULATOR_HOST/);
  });
});

void describe('Cloud Storage error translation', () => {
  const bucketThere = async () => true;

  void it('turns a credentials failure into StorageAccessError that says how to provide credentials', async () => {
    const err = await translateGcsError(
      new Error(
        'Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.',
      ),
      'gs://star-runs/a.json',
      'star-runs',
      bucketThere,
    );
    assert.ok(err instanceof StorageAccessError);
    assert.match(err.message, /gs:\/\/star-runs\/a\.json/);
    assert.match(err.message, /Application Default Credentials/);
    assert.match(err.message, /GOOGLE_APPLICATION_CREDENTIALS/);
  });

  void it('keeps nothing of the request in the error it returns (the request holds the access token)', async () => {
    const original = Object.assign(new Error('Forbidden'), {
      code: 403,
      config: { headers: { Authorization: 'Bearer ya29.secret-token' } },
    });
    const err = await translateGcsError(original, 'gs://star-runs/a.json', 'star-runs', bucketThere);
    assert.ok(err instanceof StorageAccessError);
    assert.equal(err.cause, undefined);
    assert.doesNotMatch(JSON.stringify({ ...err, message: err.message, stack: err.stack }), /ya29/);
  });

  void it('tells a missing bucket from a missing object by asking whether the bucket exists', async () => {
    const notFound = Object.assign(new Error('Not Found'), { code: 404 });
    assert.ok((await translateGcsError(notFound, 'gs://star-runs/a', 'star-runs', async () => true)) instanceof StorageNotFoundError);
    const missingBucket = await translateGcsError(notFound, 'gs://star-runs/a', 'star-runs', async () => false);
    assert.ok(missingBucket instanceof StorageBucketNotFoundError);
    assert.match(missingBucket.message, /gcloud storage buckets create gs:\/\/star-runs/);
  });
});

/** A loopback HTTP server that answers every request with the given status, counting requests. */
async function fakeGcs(
  respond: (n: number, req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ endpoint: string; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    req.resume();
    respond(count, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function jsonError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: status, message, errors: [{ message, reason: 'forbidden' }] } }));
}

/** Quick retries, so the tests that exercise them stay short. */
const fastRetries = { retryOptions: { maxRetries: 3, retryDelayMultiplier: 1, maxRetryDelay: 0.05, totalTimeout: 10 } };

void describe('GcsStore against a server that refuses or fails', () => {
  for (const status of [401, 403]) {
    void it(`fails at once on HTTP ${status} with StorageAccessError naming the URI and the credentials to check`, async () => {
      const server = await fakeGcs((_n, _req, res) => jsonError(res, status, 'caller does not have storage.objects.get access'));
      try {
        const store = new GcsStore({ emulatorHost: server.endpoint, clientOptions: fastRetries });
        for (const call of [() => store.readBytes('gs://star-runs/x.json'), () => store.writeBytes('gs://star-runs/x.json', '{}')]) {
          const before = server.requests();
          await assert.rejects(call(), (err: unknown) => {
            assert.ok(err instanceof StorageAccessError, String(err));
            assert.match(err.message, /gs:\/\/star-runs\/x\.json/);
            assert.match(err.message, new RegExp(`HTTP ${status}`));
            assert.match(err.message, /GOOGLE_APPLICATION_CREDENTIALS/);
            return true;
          });
          assert.equal(server.requests() - before, 1, 'a permission error is permanent: no retries');
        }
      } finally {
        await server.close();
      }
    });
  }

  void it('lets the client retry a transient 503 and then succeeds', async () => {
    const server = await fakeGcs((n, _req, res) => {
      if (n <= 2) return jsonError(res, 503, 'backend unavailable');
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end('hello');
    });
    try {
      const store = new GcsStore({ emulatorHost: server.endpoint, clientOptions: fastRetries });
      assert.equal((await store.readBytes('gs://star-runs/x.txt')).toString(), 'hello');
      assert.equal(server.requests(), 3);
    } finally {
      await server.close();
    }
  });

  void it('says the emulator is not running when nothing listens at STORAGE_EMULATOR_HOST, without waiting for retries', async () => {
    const server = await fakeGcs((_n, _req, res) => res.end());
    const endpoint = server.endpoint;
    await server.close();
    const store = new GcsStore({ emulatorHost: endpoint, clientOptions: fastRetries });
    const started = Date.now();
    await assert.rejects(store.readBytes('gs://star-runs/x.txt'), (err: Error) => {
      assert.match(err.message, /is it running/);
      assert.match(err.message, /gs:\/\/star-runs\/x\.txt/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
  });
});

void describe('GcsStore on the emulator', { skip: gcsSkipReason() }, () => {
  let emulator: GcsEmulator;
  before(async () => {
    emulator = await startGcsEmulator('star-gcs-only');
  });
  after(async () => {
    await emulator?.stop();
  });

  void it('works with every spelling of STORAGE_EMULATOR_HOST and needs no credentials', async () => {
    const saved = { host: process.env.STORAGE_EMULATOR_HOST, creds: process.env.GOOGLE_APPLICATION_CREDENTIALS };
    // Any attempt to load credentials would now fail loudly.
    process.env.GOOGLE_APPLICATION_CREDENTIALS = '/nonexistent/credentials.json';
    try {
      const port = new URL(emulator.endpoint).port;
      for (const spelling of [emulator.endpoint, `127.0.0.1:${port}`, `${emulator.endpoint}/storage/v1`, `${emulator.endpoint}/`]) {
        process.env.STORAGE_EMULATOR_HOST = spelling;
        const store = new GcsStore({ resumableThresholdBytes: 1024 });
        const uri = `${emulator.rootUri}/spellings/${encodeURIComponent(spelling)}.txt`;
        await store.writeBytes(uri, `via ${spelling}`); // over 1 KiB would be resumable; this is one request
        await store.writeBytes(`${uri}.big`, Buffer.alloc(4096, 1)); // resumable upload path
        assert.equal((await store.readBytes(uri)).toString(), `via ${spelling}`, spelling);
        assert.equal((await store.readBytes(`${uri}.big`)).length, 4096, spelling);
        assert.ok((await store.list(`${emulator.rootUri}/spellings`)).includes(uri), spelling);
      }
    } finally {
      process.env.STORAGE_EMULATOR_HOST = saved.host;
      if (saved.creds === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved.creds;
    }
  });

  void it('serves gs:// URIs through the storage module helpers', async () => {
    const uri = `${emulator.rootUri}/helpers/config.json`;
    assert.ok(storeFor(uri) instanceof GcsStore);
    await writeJson(uri, { shards: 2, hosts: ['tpu-0', 'tpu-1'] });
    assert.deepEqual(await readJson(uri), { shards: 2, hosts: ['tpu-0', 'tpu-1'] });
    assert.equal(await exists(uri), true);
    assert.deepEqual(await list(`${emulator.rootUri}/helpers`), [uri]);
    await remove(`${emulator.rootUri}/helpers`);
    assert.equal(await exists(uri), false);
  });

  void it('leaves folder placeholder objects out of listings', async () => {
    const client = createGcsClient(emulator.endpoint);
    await client.bucket(emulator.bucket).file('placeholders/dir/').save('');
    await client.bucket(emulator.bucket).file('placeholders/dir/real.txt').save('real');
    const store = new GcsStore();
    assert.deepEqual(await store.list(`${emulator.rootUri}/placeholders`), [`${emulator.rootUri}/placeholders/dir/real.txt`]);
  });

  void it('refuses to remove a whole bucket', async () => {
    const store = new GcsStore();
    await store.writeBytes(`${emulator.rootUri}/keep/me.txt`, 'kept');
    await assert.rejects(store.remove(emulator.rootUri), /refusing to remove every object/);
    await assert.rejects(store.remove(`${emulator.rootUri}/`), /refusing to remove every object/);
    assert.equal(await store.exists(`${emulator.rootUri}/keep/me.txt`), true);
  });

  void it('never overwrites a value another writer committed after it read the generation', async () => {
    const store = new GcsStore();
    const other = createGcsClient(emulator.endpoint);
    const uri = `${emulator.rootUri}/race/value.txt`;
    await store.writeBytes(uri, 'first');
    const proto = File.prototype as unknown as { getMetadata: (...args: unknown[]) => Promise<unknown> };
    const original = proto.getMetadata;
    // Between our generation read and our upload, another writer commits its value.
    proto.getMetadata = async function (this: File, ...args: unknown[]) {
      const result = await original.apply(this, args);
      if (this.name === 'race/value.txt') await other.bucket(emulator.bucket).file(this.name).save('theirs', { resumable: false });
      return result;
    };
    try {
      await store.writeBytes(uri, 'ours');
    } finally {
      proto.getMetadata = original;
    }
    assert.equal((await store.readBytes(uri)).toString(), 'theirs');
    await store.writeBytes(uri, 'ours again');
    assert.equal((await store.readBytes(uri)).toString(), 'ours again');
  });

  void it('stops the download when a reader abandons a stream early', async () => {
    const store = new GcsStore();
    const uri = `${emulator.rootUri}/abandon/big.bin`;
    await store.writeBytes(uri, Buffer.alloc(8 * 1024 * 1024, 3));
    const stream = store.openReadStream(uri);
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      assert.ok(chunk.length > 0);
      break;
    }
    assert.equal(stream.destroyed, true);
  });
});
