import { spawn } from 'node:child_process';
import { StorageAccessError } from './store';
import { localPathOf, schemeOf } from './uri';

/**
 * Checks once, before an experiment starts, that its storage root can be reached: for gs://, that the
 * bucket answers with the credentials this process has. The steps themselves retry storage errors
 * (several attempts of the client library's own retries: minutes), which is right for a blip in a
 * long run but leaves a person staring at "preparing 0:00" when the bucket or the network is wrong
 * from the start. Here there are no retries, and no answer within `timeoutMs` is an error too.
 */
export async function checkStorageReachable(rootUri: string, timeoutMs = 15_000): Promise<void> {
  if (schemeOf(rootUri) !== 'gs') return checkLocalRoot(rootUri, timeoutMs);
  // Loaded here, so local runs never load the GCS client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { GcsStore } = require('./gcs-store') as typeof import('./gcs-store');
  const store = new GcsStore({ clientOptions: { retryOptions: { autoRetry: false } } });
  let timer: NodeJS.Timeout | undefined;
  const noAnswer = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StorageAccessError(
            rootUri,
            `no answer within ${timeoutMs / 1000} s; check the network (or STORAGE_EMULATOR_HOST) and that the bucket exists`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([store.exists(rootUri), noAnswer]);
  } catch (err) {
    if (err instanceof StorageAccessError) throw err;
    throw new StorageAccessError(rootUri, (err as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * File systems that accept paths but hold no files. Node's recursive mkdir never returns under
 * /proc/sys, and each attempt holds one of the libuv pool's 4 threads, which every file access of the
 * process shares; so these are refused by name before anything touches them.
 */
const PSEUDO_PREFIXES: readonly [string, string][] = [
  ['/proc', 'proc'],
  ['/sys', 'sysfs'],
  ['/dev', 'dev'],
];

/** statfs magic numbers of pseudo-filesystems (linux/magic.h), for one mounted somewhere else. */
const PSEUDO_MAGIC: Record<number, string> = {
  0x9fa0: 'proc',
  0x62656572: 'sysfs',
  0x1cd1: 'devpts',
  0x64626720: 'debugfs',
  0x74726163: 'tracefs',
  0x73636673: 'securityfs',
  0x27e0eb: 'cgroup',
  0x63677270: 'cgroup2',
  0x6165676c: 'pstore',
  0xcafe4a11: 'bpf',
  0x62656570: 'configfs',
  0x42494e4d: 'binfmt_misc',
  0x19800202: 'mqueue',
};

/**
 * Run in a child process, so a file system that hangs holds that process, not this one's threads:
 * the nearest existing ancestor's statfs type, then the root created and a probe file written and
 * removed. Prints `pseudo <name>` for a pseudo-filesystem, else creates the root.
 */
const LOCAL_CHECK = `
const fs = require('node:fs');
const path = require('node:path');
const root = process.argv[1];
const magic = JSON.parse(process.argv[2]);
let dir = root;
while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
const type = fs.statfsSync(dir).type;
if (magic[type]) { process.stdout.write('pseudo ' + magic[type]); process.exit(0); }
fs.mkdirSync(root, { recursive: true });
const probe = path.join(root, '.star-probe-' + process.pid);
fs.writeFileSync(probe, 'ok');
fs.rmSync(probe);
process.stdout.write('ok');
`;

async function checkLocalRoot(rootUri: string, timeoutMs: number): Promise<void> {
  const root = localPathOf(rootUri);
  const prefix = PSEUDO_PREFIXES.find(([p]) => root === p || root.startsWith(`${p}/`));
  if (prefix) throw pseudo(rootUri, prefix[1]);
  const child = spawn(process.execPath, ['-e', LOCAL_CHECK, root, JSON.stringify(PSEUDO_MAGIC)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  let timer: NodeJS.Timeout | undefined;
  const code = await new Promise<number | null>((resolve, reject) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new StorageAccessError(
          rootUri,
          `no answer within ${timeoutMs / 1000} s creating ${root}: a file system that hangs (an unreachable network mount?) would stall the worker; choose a folder on a local disk or a gs:// root`,
        ),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => clearTimeout(timer));
  if (out.startsWith('pseudo ')) throw pseudo(rootUri, out.slice('pseudo '.length));
  if (code !== 0 || out !== 'ok') {
    const reason = /Error: (.*)/.exec(err)?.[1] ?? (err.trim().split('\n').pop() || `the check exited with status ${code}`);
    throw new StorageAccessError(rootUri, `cannot create and write ${root}: ${reason}`);
  }
}

function pseudo(rootUri: string, kind: string): StorageAccessError {
  return new StorageAccessError(
    rootUri,
    `it is on a pseudo-filesystem (${kind}), which holds no files; choose a folder on a disk, e.g. runs, or a gs:// root`,
  );
}
