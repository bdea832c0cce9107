import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { groupAlive, signalGroup } from '../../processes/process-group';

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
  /** The process group of the emulator (the id of its guard process, which leads the group). */
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

/** Signals every process of the emulator's group (the guard may have exited while others remain). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined) signalGroup(child.pid, signal);
}

async function waitForGroupExit(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

async function launch(binary: string, port: number): Promise<{ child: ChildProcess; endpoint: string }> {
  const endpoint = `http://127.0.0.1:${port}`;
  const args = [
    '-scheme',
    'http',
    '-host',
    '127.0.0.1',
    '-port',
    String(port),
    '-backend',
    'memory',
    '-external-url',
    endpoint,
    '-log-level',
    'warn',
  ];
  // The emulator runs under a small bash guard that leads its own process group. A reader on the guard's
  // stdin pipe kills the emulator when that pipe closes: stop() closes it, and if this test process dies
  // without stop() (even by SIGKILL) the kernel closes it, so no emulator outlives its test. The guard
  // also waits for the emulator, so an early exit (a taken port) shows at once, and reaps both of its
  // children before it exits. (fd 3 carries the pipe: background commands get /dev/null as stdin.)
  const guard = [
    'exec 3<&0',
    '"$0" "$@" 3<&- & pid=$!',
    '( read -r _ <&3; kill "$pid" 2>/dev/null ) & reader=$!',
    'wait "$pid"; status=$?',
    'kill "$reader" 2>/dev/null; wait',
    'exit "$status"',
  ].join('\n');
  const child = spawn('bash', ['-c', guard, binary, ...args], { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      killGroup(child, 'SIGKILL');
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
      const pgid = child.pid as number;
      child.stdin?.end(); // the guard's reader kills the emulator, the guard reaps it and exits
      if (!(await waitForGroupExit(pgid, 5000))) {
        killGroup(child, 'SIGKILL');
        if (!(await waitForGroupExit(pgid, 5000))) throw new Error(`emulator process group ${pgid} survived SIGKILL`);
      }
    },
  };
}
