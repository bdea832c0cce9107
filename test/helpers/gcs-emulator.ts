import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A fake-gcs-server process for tests: loopback only, in-memory backend, one bucket, and
 * STORAGE_EMULATOR_HOST set for this process while it runs. `stop()` kills its whole process group.
 */
export interface GcsEmulator {
  /** `http://127.0.0.1:PORT`, the value STORAGE_EMULATOR_HOST has while the emulator runs. */
  readonly endpoint: string;
  readonly bucket: string;
  /** `gs://BUCKET` */
  readonly rootUri: string;
  /** The emulator's process id (also its process group id). */
  readonly pid: number;
  /** Creates another (empty) bucket. */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

const repoRoot = join(__dirname, '..', '..');
const installScript = join(repoRoot, 'scripts', 'install-gcs-emulator.sh');

/** Why gs:// tests cannot run, or undefined when they can. SKIP_GCS=1 is the only way to skip them. */
export function gcsSkipReason(): string | undefined {
  return process.env.SKIP_GCS === '1' ? 'SKIP_GCS=1: gs:// storage tests skipped' : undefined;
}

/** Installs the emulator if needed (scripts/install-gcs-emulator.sh) and returns its binary's path. */
export function emulatorBinary(): string {
  const run = spawnSync('bash', [installScript], { encoding: 'utf8', timeout: 300_000 });
  const path = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !path) {
    throw new Error(
      `the GCS emulator is not available (${installScript} exited ${run.status ?? run.signal}: ` +
        `${run.stderr.trim() || run.error?.message || 'no output'}). Install it with ` +
        '`bash scripts/install-gcs-emulator.sh`, or set FAKE_GCS_SERVER=/path/to/fake-gcs-server; ' +
        'to run without gs:// tests set SKIP_GCS=1',
    );
  }
  return path;
}

/** A port that was free on 127.0.0.1 a moment ago (the caller retries if it is taken meanwhile). */
async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function createBucketAt(endpoint: string, name: string): Promise<void> {
  const response = await fetch(`${endpoint}/storage/v1/b`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  if (!response.ok) throw new Error(`emulator refused to create bucket ${name}: HTTP ${response.status} ${await response.text()}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function launch(binary: string, port: number): Promise<{ child: ChildProcess; endpoint: string }> {
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    ['-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-backend', 'memory', '-external-url', endpoint, '-log-level', 'warn'],
    // Own process group, so stop() can kill everything it started with one signal.
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`fake-gcs-server exited (${child.exitCode ?? child.signalCode}) before it was ready: ${stderr.trim()}`);
    }
    try {
      const response = await fetch(`${endpoint}/storage/v1/b`);
      if (response.ok) return { child, endpoint };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  killGroup(child, 'SIGKILL');
  throw new Error(`fake-gcs-server did not answer on ${endpoint} within 15 s: ${stderr.trim()}`);
}

/** Starts the emulator on a free loopback port with an empty bucket and points STORAGE_EMULATOR_HOST at it. */
export async function startGcsEmulator(bucket = 'star-test'): Promise<GcsEmulator> {
  const binary = emulatorBinary();
  let launched: { child: ChildProcess; endpoint: string } | undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 3 && !launched; attempt++) {
    try {
      launched = await launch(binary, await freeLoopbackPort());
    } catch (err) {
      lastError = err; // most likely the port was taken between probe and bind
    }
  }
  if (!launched) throw lastError;
  const { child, endpoint } = launched;
  child.stderr?.resume();

  // If the test process exits without calling stop(), take the emulator down with it.
  const onExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', onExit);

  const previous = process.env.STORAGE_EMULATOR_HOST;
  try {
    await createBucketAt(endpoint, bucket);
  } catch (err) {
    killGroup(child, 'SIGKILL');
    throw err;
  }
  process.env.STORAGE_EMULATOR_HOST = endpoint;

  return {
    endpoint,
    bucket,
    rootUri: `gs://${bucket}`,
    pid: child.pid as number,
    createBucket: (name) => createBucketAt(endpoint, name),
    async stop() {
      process.removeListener('exit', onExit);
      if (previous === undefined) delete process.env.STORAGE_EMULATOR_HOST;
      else process.env.STORAGE_EMULATOR_HOST = previous;
      killGroup(child, 'SIGTERM');
      if (!(await waitForExit(child, 5000))) {
        killGroup(child, 'SIGKILL');
        await waitForExit(child, 5000);
      }
    },
  };
}
