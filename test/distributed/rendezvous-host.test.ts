/**
 * A host's `trainOnHost` with a rendezvous: the command gets `{master_addr}`, `{master_port}` and
 * `{nproc_per_node}`; host 0 checks the port before it starts the launcher; and a launcher that says
 * its port is taken (torchrun's `EADDRINUSE`) fails as a rendezvous problem, not as a trainer crash.
 * The launcher here is a one-line node program standing in for torchrun.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Rendezvous, TrainOnHostInput } from '../../contracts/activities';
import { trainOnHost } from '../../host/train-on-host';
import { hostFolders } from './fixtures/host-folders';

/** Prints its arguments and, with --taken, what torchrun's store prints when its port is in use, then exits 1. */
const LAUNCHER =
  'console.log("args:", process.argv.slice(1).join(" ")); require("fs").writeFileSync(process.argv[process.argv.length - 1], "ran");' +
  'if (process.argv.includes("--taken")) { console.log("torch.distributed.DistNetworkError: The server socket has failed to listen on any local network address. port: 29500, useIpv6: false, code: -98, name: EADDRINUSE, message: address already in use"); process.exit(1); }';

async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function freePort(): Promise<number> {
  const { server, port } = await holdPort();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

void describe('trainOnHost with a rendezvous', () => {
  const { dir, settings } = hostFolders('rendezvous-host', { host: 'gpu-0' });
  const held: Server[] = [];
  after(() => held.forEach((server) => server.close()));

  function input(name: string, rendezvous: Rendezvous, extra = ''): TrainOnHostInput {
    return {
      host: 'gpu-0',
      hostIndex: 0,
      hostCount: 2,
      iteration: 1,
      configUri: join(dir, 'config.json'),
      baseCheckpointUri: join(dir, 'base'),
      commandTemplate:
        `${JSON.stringify(process.execPath)} -e ${JSON.stringify(LAUNCHER)} -- --nnodes {host_count} --nproc_per_node {nproc_per_node} ` +
        `--master_addr {master_addr} --master_port {master_port}${extra} ${join(dir, `${name}.ran`)}`,
      totalSteps: 4,
      modelDir: join(dir, name, 'models'),
      indexUri: join(dir, 'train.index'),
      trainSet: `${name}/${name}.index`,
      logUri: join(dir, name, 'train.log'),
      rendezvous,
      nprocPerNode: 8,
    };
  }

  async function failureOf(given: TrainOnHostInput): Promise<ApplicationFailure> {
    const err = await new MockActivityEnvironment().run(trainOnHost, settings, given).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  }

  void it('gives the launcher the rendezvous and the processes per node', async () => {
    const port = await freePort();
    const given = input('fills', { addr: '10.0.0.10', port, chosenBy: 'host' });
    // The stand-in writes no checkpoint, which fails host 0's step: the point here is what it was given.
    assert.equal((await failureOf(given)).type, 'TrainerWroteNoCheckpoint');
    assert.match(
      readFileSync(given.logUri, 'utf8'),
      new RegExp(`args: .*--nnodes 2 --nproc_per_node 8 --master_addr 10\\.0\\.0\\.10 --master_port ${port} `),
    );
  });

  void it('does not start the launcher on host 0 when the port the user set is in use, and says so non-retryably', async () => {
    const { server, port } = await holdPort();
    held.push(server);
    const failure = await failureOf(input('held', { addr: '10.0.0.10', port, chosenBy: 'input' }));
    assert.equal(failure.type, 'RendezvousPortInUse');
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      new RegExp(`rendezvous port ${port} on host gpu-0 \\(10\\.0\\.0\\.10\\), set by the experiment option rendezvous\\.port`),
    );
    assert.equal(existsSync(join(dir, 'held.ran')), false, 'the launcher never ran');
  });

  void it("reads the launcher's EADDRINUSE as the rendezvous port taken: retried at a new port when host 0 picked it, bad input when the user set it", async () => {
    const picked = await failureOf(input('taken-picked', { addr: 'gpu-0', port: await freePort(), chosenBy: 'host' }, ' --taken'));
    assert.equal(picked.type, 'RendezvousPortTaken');
    assert.equal(picked.nonRetryable, false);
    assert.match(picked.message, /its launcher reported EADDRINUSE[\s\S]*picks another/);
    const set = await failureOf(input('taken-set', { addr: 'gpu-0', port: await freePort(), chosenBy: 'input' }, ' --taken'));
    assert.equal(set.type, 'RendezvousPortInUse');
    assert.equal(set.nonRetryable, true);
  });
});
