import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostWorkerUsageError, parseHostWorkerArgs } from '../../workers/host-worker';

void describe('host worker arguments', () => {
  void it('takes the host name from --host, or from STAR_HOST', () => {
    assert.equal(parseHostWorkerArgs(['--host', 'tpu-0'], {}).host, 'tpu-0');
    assert.equal(parseHostWorkerArgs([], { STAR_HOST: 'tpu-3' }).host, 'tpu-3');
  });

  void it('refuses to start without a host name, or with one that cannot name a task queue', () => {
    assert.throws(
      () => parseHostWorkerArgs([], {}),
      (err: Error) => err instanceof HostWorkerUsageError && /--host is required/.test(err.message),
    );
    assert.throws(() => parseHostWorkerArgs(['--host', 'tpu 0'], {}), /letters, digits/);
  });

  void it('defaults to a 30 s kill grace in the current folder and rejects a negative grace', () => {
    const args = parseHostWorkerArgs(['--host', 'h'], {});
    assert.equal(args.killGraceSeconds, 30);
    assert.equal(args.workdir, process.cwd());
    assert.equal(args.quiet, false);
    assert.throws(() => parseHostWorkerArgs(['--host', 'h', '--kill-grace-seconds=-1'], {}), /--kill-grace-seconds must be/);
  });

  void it('takes the address host 0 publishes for {master_addr} from --rendezvous-addr, and refuses one with spaces', () => {
    assert.equal(parseHostWorkerArgs(['--host', 'h'], {}).rendezvousAddr, undefined, "unset: the machine's host name");
    assert.equal(parseHostWorkerArgs(['--host', 'h', '--rendezvous-addr', '10.0.0.10'], {}).rendezvousAddr, '10.0.0.10');
    assert.throws(
      () => parseHostWorkerArgs(['--host', 'h', '--rendezvous-addr', '10.0.0.10 x'], {}),
      /--rendezvous-addr .*host name or IP/,
    );
  });

  void it('names an unknown flag with the usage', () => {
    assert.throws(
      () => parseHostWorkerArgs(['--host', 'h', '--hosts', 'x'], {}),
      /Unknown option '--hosts'[\s\S]*usage: npx tsx workers\/host.ts/,
    );
  });
});
