import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalStore } from '../../storage/local-store';
import { GcsStore } from '../../storage/gcs-store';
import { StorageAccessError, StorageNotFoundError, type Store } from '../../storage/store';
import { joinUri } from '../../storage/uri';
import { gcsSkipReason, startGcsEmulator } from '../helpers/gcs-emulator';

/** One storage backend under test: a store, a root URI to write under, and how to clean up. */
interface Backend {
  store: Store;
  root: string;
  /** A URI in a bucket that does not exist (gs:// only: local writes create their directories). */
  missingBucketUri?: string;
  close(): Promise<void>;
}

const backends: { name: string; skip?: string; open: () => Promise<Backend> }[] = [
  {
    name: 'file://',
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'star-store-'));
      return { store: new LocalStore(), root: pathToFileURL(dir).href, close: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'gs:// (fake-gcs-server)',
    skip: gcsSkipReason(),
    open: async () => {
      const emulator = await startGcsEmulator('star-contract');
      // Two objects per list page, so every listing below crosses page boundaries.
      const store = new GcsStore({ listPageSize: 2 });
      return { store, root: emulator.rootUri, missingBucketUri: 'gs://no-such-bucket-for-star/a/b.json', close: () => emulator.stop() };
    },
  },
];

/** Deterministic bytes that differ at every offset, so a torn or shifted copy never compares equal. */
function patterned(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < size; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.writeUInt32LE(x, i);
  }
  return out;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

for (const backend of backends) {
  void describe(`storage contract on ${backend.name}`, { skip: backend.skip }, () => {
    let b: Backend;
    let store: Store;
    let scratch: string;
    let caseNo = 0;
    /** A fresh prefix per test, so tests never see each other's objects. */
    const fresh = () => joinUri(b.root, `case-${++caseNo}-${randomBytes(3).toString('hex')}`);

    before(async () => {
      b = await backend.open();
      store = b.store;
      scratch = await mkdtemp(join(tmpdir(), 'star-store-scratch-'));
    });
    after(async () => {
      await b?.close();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });

    void it('reads back binary data byte for byte, including every byte value and an empty object', async () => {
      const dir = fresh();
      const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const data = Buffer.concat([everyByte, randomBytes(5000), everyByte]);
      await store.writeBytes(joinUri(dir, 'blob.bin'), data);
      await store.writeBytes(joinUri(dir, 'empty.bin'), Buffer.alloc(0));
      await store.writeBytes(joinUri(dir, 'view.bin'), new Uint8Array(data.buffer, data.byteOffset + 10, 20));
      assert.deepEqual(await store.readBytes(joinUri(dir, 'blob.bin')), data);
      assert.equal((await store.readBytes(joinUri(dir, 'empty.bin'))).length, 0);
      assert.deepEqual(await store.readBytes(joinUri(dir, 'view.bin')), data.subarray(10, 30));
    });

    void it('reads back text as UTF-8', async () => {
      const uri = joinUri(fresh(), 'notes.txt');
      const text = 'Q: 12 + 30 = ?\nA: 42 ✓ — naïve café 数学\n';
      await store.writeBytes(uri, text);
      assert.equal((await store.readBytes(uri)).toString('utf8'), text);
    });

    void it('replaces an object when it is written again', async () => {
      const uri = joinUri(fresh(), 'a.json');
      await store.writeBytes(uri, '{"version":1,"padding":"xxxxxxxxxxxxxxxxxxxxxxxx"}');
      await store.writeBytes(uri, '{"version":2}');
      assert.equal((await store.readBytes(uri)).toString(), '{"version":2}');
    });

    void it('says whether an object or a folder with objects in it exists', async () => {
      const dir = fresh();
      const uri = joinUri(dir, 'sub', 'x.txt');
      assert.equal(await store.exists(uri), false);
      assert.equal(await store.exists(joinUri(dir, 'sub')), false);
      await store.writeBytes(uri, 'x');
      assert.equal(await store.exists(uri), true);
      assert.equal(await store.exists(joinUri(dir, 'sub')), true);
      assert.equal(await store.exists(joinUri(dir, 'su')), false);
      assert.equal(await store.exists(joinUri(dir, 'sub', 'x.tx')), false);
    });

    void it('lists every object under a prefix recursively, sorted, as full URIs, and nothing from sibling prefixes', async () => {
      const dir = fresh();
      const names = ['p/sub/deeper/c', 'p/b', 'p/a', 'p/sub/b', 'p2/x', 'p-other', 'pp/y', 'p/z9', 'p/z10'];
      for (const name of names) await store.writeBytes(joinUri(dir, name), name);
      const listed = await store.list(joinUri(dir, 'p'));
      const expected = ['p/a', 'p/b', 'p/sub/b', 'p/sub/deeper/c', 'p/z10', 'p/z9'].map((n) => joinUri(dir, n));
      assert.deepEqual(listed, expected);
      assert.deepEqual(await store.list(`${joinUri(dir, 'p')}/`), expected);
      for (const uri of listed) assert.equal((await store.readBytes(uri)).toString(), uri.slice(dir.length + 1));
      assert.equal((await store.list(dir)).length, names.length);
    });

    void it('lists nothing under a prefix that has no objects', async () => {
      assert.deepEqual(await store.list(joinUri(fresh(), 'nothing-here')), []);
    });

    void it('removes an object, and removing it again is not an error', async () => {
      const uri = joinUri(fresh(), 'gone.txt');
      await store.writeBytes(uri, 'bye');
      await store.remove(uri);
      assert.equal(await store.exists(uri), false);
      await assert.rejects(store.readBytes(uri), StorageNotFoundError);
      await store.remove(uri);
    });

    void it('removes a folder with everything under it but leaves sibling prefixes alone', async () => {
      const dir = fresh();
      for (const name of ['run/a', 'run/deep/b', 'run2/c', 'runner']) await store.writeBytes(joinUri(dir, name), name);
      await store.remove(joinUri(dir, 'run'));
      assert.deepEqual(await store.list(dir), [joinUri(dir, 'run2/c'), joinUri(dir, 'runner')]);
    });

    void it('streams a 20 MB object in many chunks with the exact content', async () => {
      const uri = joinUri(fresh(), 'big.bin');
      const data = patterned(20 * 1024 * 1024, 7);
      await store.writeBytes(uri, data);
      const hash = createHash('sha256');
      let chunks = 0;
      let bytes = 0;
      let largest = 0;
      for await (const chunk of store.openReadStream(uri) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        chunks++;
        bytes += chunk.length;
        largest = Math.max(largest, chunk.length);
      }
      assert.equal(bytes, data.length);
      assert.equal(hash.digest('hex'), sha256(data));
      assert.ok(chunks > 10 && largest < data.length / 4, `expected a stream, got ${chunks} chunks, largest ${largest} bytes`);
    });

    void it('fails a stream of a missing object with an error that names it', async () => {
      const uri = joinUri(fresh(), 'missing-stream-object.bin');
      await assert.rejects(
        async () => {
          for await (const _ of store.openReadStream(uri)) void _;
        },
        (err: Error) => err.message.includes('missing-stream-object.bin'),
      );
    });

    void it('uploads a local file and downloads it to a new folder without leaving temporary files', async () => {
      const dir = fresh();
      for (const [label, size] of [
        ['small', 3000],
        ['large', 12 * 1024 * 1024],
      ] as const) {
        const data = patterned(size, size);
        const source = join(scratch, `${label}-source.bin`);
        await writeFile(source, data);
        const uri = joinUri(dir, 'ckpt', `${label}.bin`);
        await store.uploadFile(source, uri);
        assert.equal(sha256(await store.readBytes(uri)), sha256(data));
        const targetDir = join(scratch, `download-${label}`, 'nested');
        const target = join(targetDir, 'copy.bin');
        await store.downloadFile(uri, target);
        assert.equal(sha256(await readFile(target)), sha256(data));
        assert.deepEqual(await readdir(targetDir), ['copy.bin']);
      }
    });

    void it('refuses to upload a local file that does not exist', async () => {
      await assert.rejects(store.uploadFile(join(scratch, 'no-such-file.bin'), joinUri(fresh(), 'x.bin')), StorageNotFoundError);
    });

    void it('reports a missing object as StorageNotFoundError naming its URI, for reads and downloads', async () => {
      const uri = joinUri(fresh(), 'never-written.json');
      await assert.rejects(store.readBytes(uri), (err: unknown) => {
        assert.ok(err instanceof StorageNotFoundError, `got ${String(err)}`);
        assert.equal(err.uri, uri);
        assert.match(err.message, new RegExp(uri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
        return true;
      });
      const targetDir = join(scratch, `missing-download-${caseNo}`);
      await assert.rejects(store.downloadFile(uri, join(targetDir, 'x.json')), StorageNotFoundError);
      assert.deepEqual(await readdir(targetDir), [], 'a failed download leaves neither the file nor a temporary file');
    });

    void it('reports a missing bucket with an error that names the bucket and says to create it', async (t) => {
      if (!b.missingBucketUri) {
        t.skip('file:// has no buckets: writing creates the directories');
        return;
      }
      const uri = b.missingBucketUri;
      const bucket = uri.slice('gs://'.length).split('/')[0];
      const check = (err: unknown) => {
        assert.ok(err instanceof StorageAccessError, `got ${String(err)}`);
        assert.ok(!(err instanceof StorageNotFoundError), 'a missing bucket must not look like a missing object');
        assert.match(err.message, new RegExp(`bucket ${bucket} does not exist`));
        assert.match(err.message, /create it/);
        return true;
      };
      await assert.rejects(store.readBytes(uri), check);
      await assert.rejects(store.writeBytes(uri, 'x'), check);
      await assert.rejects(store.list(uri), check);
      await assert.rejects(store.exists(uri), check);
      await assert.rejects(store.uploadFile(__filename, uri), check);
    });

    void it('leaves exactly one complete value when several writers write one name at once', async () => {
      const uri = joinUri(fresh(), 'contended.bin');
      for (let round = 0; round < 3; round++) {
        const values = Array.from({ length: 6 }, (_, writer) => patterned(256 * 1024 + writer * 4096, round * 10 + writer));
        await Promise.all(values.map((value) => store.writeBytes(uri, value)));
        const final = await store.readBytes(uri);
        assert.ok(
          values.some((value) => value.equals(final)),
          `round ${round}: the object (${final.length} bytes) is none of the values written: a torn write`,
        );
      }
    });

    void it('shows a reader the old or the new content while a write is in progress, never a mix', async () => {
      const uri = joinUri(fresh(), 'read-while-writing.bin');
      const old = patterned(2 * 1024 * 1024, 1);
      const next = patterned(2 * 1024 * 1024, 2);
      await store.writeBytes(uri, old);
      let writing = true;
      const seen = { old: 0, next: 0 };
      const writer = (async () => {
        for (let i = 0; i < 4; i++) await store.writeBytes(uri, i % 2 === 0 ? next : old);
        writing = false;
      })();
      const reader = (async () => {
        while (writing) {
          const got = await store.readBytes(uri);
          if (got.equals(old)) seen.old++;
          else if (got.equals(next)) seen.next++;
          else assert.fail(`a reader saw ${got.length} bytes that are neither the old nor the new value`);
        }
      })();
      await Promise.all([writer, reader]);
      assert.ok(seen.old + seen.next > 0, 'the reader never ran during the writes');
    });
  });
}
