/**
 * A small OpenAI-compatible server for the in-flight tests: it answers `/v1/completions` with a text
 * made from the request's prompt and seed, and holds every request until as many are in flight as
 * the client may send (`concurrency`, or all that remain of `expected`), then answers the oldest.
 * A client that keeps its requests in flight never makes it wait; one that lets them drop stalls it,
 * and after `stallMs` the server notes the stall and answers at once from then on, so the test
 * fails on the record instead of hanging.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldServerRecord {
  /** Requests in flight when each request was answered, in answer order. */
  inFlightAtAnswer: number[];
  /** The most requests in flight at once. */
  maxInFlight: number;
  /** The (prompt, seed) of every request, in arrival order. */
  received: { prompt: string; seed: number }[];
  /** Whether the server ever waited `stallMs` for a request that did not come. */
  stalled: boolean;
}

export interface HeldServer {
  url: string;
  record: HeldServerRecord;
  close(): Promise<void>;
}

/** The text the server answers for a prompt and seed. */
export function heldAnswer(prompt: string, seed: number): string {
  return ` ${(prompt.length * 31 + seed) % 97}`;
}

export async function startHeldServer(concurrency: number, expected: number, stallMs = 20_000): Promise<HeldServer> {
  const record: HeldServerRecord = { inFlightAtAnswer: [], maxInFlight: 0, received: [], stalled: false };
  const held: { answer: () => void }[] = [];
  let answered = 0;
  let watchdog: NodeJS.Timeout | undefined;

  const pump = () => {
    clearTimeout(watchdog);
    // One answer frees one slot; the next waits for the request that fills it (at the end, none comes).
    while (held.length > 0 && (record.stalled || held.length >= Math.min(concurrency, expected - answered))) {
      record.inFlightAtAnswer.push(held.length);
      answered++;
      held.shift()?.answer();
    }
    if (held.length > 0 && !record.stalled) {
      watchdog = setTimeout(() => {
        record.stalled = true;
        pump();
      }, stallMs);
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url?.endsWith('/models')) return send({ object: 'list', data: [{ id: 'held', object: 'model' }] });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { prompt: string; seed: number };
      record.received.push({ prompt: body.prompt, seed: body.seed });
      held.push({
        answer: () => send({ choices: [{ index: 0, text: heldAnswer(body.prompt, body.seed), finish_reason: 'stop' }] }),
      });
      record.maxInFlight = Math.max(record.maxInFlight, held.length);
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    record,
    close: async () => {
      clearTimeout(watchdog);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
