/**
 * The rendezvous of a training command that spans hosts (`{master_addr}`, `{master_port}`): host 0
 * gives its address and a port it found free (`pickRendezvous`, run before each attempt of the
 * step), and checks the port again just before its launcher binds it, so a port in use is reported
 * as what it is rather than as a trainer crash.
 */
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { ApplicationFailure } from '@temporalio/common';
import type { PickRendezvousInput, Rendezvous } from '../contracts/activities';

/** How torchrun (torch's TCPStore) and other launchers say that their port is taken. */
const PORT_IN_USE = /EADDRINUSE|address already in use/i;

interface RendezvousSettings {
  host: string;
  /** The address other hosts reach this one at (`--rendezvous-addr`); this machine's host name when unset. */
  rendezvousAddr?: string;
}

export async function pickRendezvous(settings: RendezvousSettings, input: PickRendezvousInput): Promise<Rendezvous> {
  if (input.host !== settings.host) {
    throw ApplicationFailure.create({
      type: 'HostBadInput',
      nonRetryable: true,
      message: `this worker serves host ${settings.host} but was asked for the rendezvous of host ${input.host}; start \`star host --host ${input.host}\` on that host`,
    });
  }
  const addr = settings.rendezvousAddr ?? hostname();
  try {
    await lookup(addr);
  } catch (err) {
    throw ApplicationFailure.create({
      type: 'RendezvousAddressUnknown',
      nonRetryable: true,
      message:
        `host ${settings.host} would publish its name ${addr} as the rendezvous address, but it does not resolve (${(err as Error).message}): ` +
        'start its host worker with --rendezvous-addr ADDR (an address the other hosts reach), or set the experiment option rendezvous',
    });
  }
  return { addr, port: await freePort(), chosenBy: 'host' };
}

/**
 * Fails when host 0 cannot listen on the rendezvous port: a port the user set is bad input (another
 * attempt finds it taken again); a port host 0 picked was taken since, and the next attempt of the
 * whole step picks another.
 */
export async function checkRendezvousPort(rendezvous: Rendezvous, host: string): Promise<void> {
  const problem = await listenProblem(rendezvous.port);
  if (!problem) return;
  throw rendezvousPortFailure(rendezvous, host, problem);
}

/** Whether a line of the trainer's output says its rendezvous port was taken. */
export function saysPortInUse(line: string): boolean {
  return PORT_IN_USE.test(line);
}

export function rendezvousPortFailure(rendezvous: Rendezvous, host: string, problem: string): ApplicationFailure {
  const where = `rendezvous port ${rendezvous.port} on host ${host} (${rendezvous.addr})`;
  const why = problem === 'EADDRINUSE' ? 'another process listens there (EADDRINUSE)' : problem;
  if (rendezvous.chosenBy === 'input') {
    return ApplicationFailure.create({
      type: 'RendezvousPortInUse',
      nonRetryable: true,
      message: `the ${where}, set by the experiment option rendezvous.port, cannot be listened on: ${why}. Choose a free port, or drop rendezvous to let host 0 pick one`,
    });
  }
  return ApplicationFailure.create({
    type: 'RendezvousPortTaken',
    message: `the ${where}, which host 0 picked as free, was taken before the trainer bound it (${why}); the next attempt of the step picks another`,
  });
}

/** A port the system found free on every interface, where the launcher's store will listen. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, resolve);
  });
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Why nothing can listen on `port` here (e.g. `EADDRINUSE`), or undefined when it can. */
async function listenProblem(port: number): Promise<string | undefined> {
  const server = createServer();
  const problem = await new Promise<string | undefined>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen(port, () => resolve(undefined));
  });
  if (!problem) await new Promise<void>((resolve) => server.close(() => resolve()));
  return problem;
}
