/**
 * Host 0's side of the rendezvous (host/rendezvous.ts): the address and free port it publishes, and
 * the check of the port just before its launcher binds it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { checkRendezvousPort, pickRendezvous } from '../../host/rendezvous';

/** A port this test holds open on every interface, as another program would. */
async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { server, port: (server.address() as { port: number }).port };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, String(err));
  return err;
}

void describe('the rendezvous host 0 publishes', () => {
  const held: Server[] = [];
  after(() => held.forEach((server) => server.close()));

  void it('is the address the worker was given and a port free on every interface', async () => {
    const rendezvous = await pickRendezvous({ host: 'gpu-0', rendezvousAddr: '127.0.0.1' }, { host: 'gpu-0' });
    assert.equal(rendezvous.addr, '127.0.0.1');
    assert.equal(rendezvous.chosenBy, 'host');
    assert.ok(rendezvous.port > 0);
    await checkRendezvousPort(rendezvous, 'gpu-0');
  });

  void it('refuses an address that does not resolve, saying to give --rendezvous-addr or the option rendezvous', async () => {
    const failure = await failureOf(pickRendezvous({ host: 'gpu-0', rendezvousAddr: 'no-such-host.invalid' }, { host: 'gpu-0' }));
    assert.equal(failure.type, 'RendezvousAddressUnknown');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /no-such-host\.invalid[\s\S]*--rendezvous-addr[\s\S]*rendezvous/);
  });

  void it('refuses the input of another host', async () => {
    const failure = await failureOf(pickRendezvous({ host: 'gpu-0' }, { host: 'gpu-1' }));
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /serves host gpu-0 but was asked for the rendezvous of host gpu-1/);
  });

  void it('fails non-retryably, naming the port and the option, when a port the user set is in use', async () => {
    const { server, port } = await holdPort();
    held.push(server);
    const failure = await failureOf(checkRendezvousPort({ addr: 'gpu-0.cluster', port, chosenBy: 'input' }, 'gpu-0'));
    assert.equal(failure.type, 'RendezvousPortInUse');
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      new RegExp(`rendezvous port ${port} on host gpu-0 \\(gpu-0\\.cluster\\), set by the experiment option rendezvous\\.port`),
    );
    assert.match(failure.message, /EADDRINUSE/);
  });

  void it('fails retryably when the port host 0 picked was taken since, so the next attempt picks again', async () => {
    const { server, port } = await holdPort();
    held.push(server);
    const failure = await failureOf(checkRendezvousPort({ addr: 'gpu-0', port, chosenBy: 'host' }, 'gpu-0'));
    assert.equal(failure.type, 'RendezvousPortTaken');
    assert.equal(failure.nonRetryable, false);
    assert.match(failure.message, new RegExp(`port ${port} .*picks another`));
  });
});
