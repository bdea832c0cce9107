/**
 * `stream: true` on `star serve`'s `/v1/completions`: each choice's text sent as server-sent events,
 * one event per token as vLLM and llama.cpp send them, then `data: [DONE]`. The embedded sampler
 * decodes a batch to its end before anything is sent (its decode loop holds the thread), so here a
 * client that closes the request early saves the sending, not the sampling; what it exercises is the
 * client's side: reading the pieces and cutting where its stop rule fires, piece for token.
 */
import type { ServerResponse } from 'node:http';
import type { Tokenizer } from '../core/tokenizer';

export interface StreamedChoice {
  index: number;
  text: string;
  finish_reason: string;
}

/**
 * The pieces `text` is sent in: the text each of its tokens adds. Pieces are the differences of
 * decoded prefixes, so a character split across tokens arrives whole with its last token.
 */
export function tokenPieces(text: string, tokenizer: Tokenizer): string[] {
  const ids = tokenizer.encode(text);
  const pieces: string[] = [];
  let sent = '';
  for (let k = 1; k <= ids.length; k++) {
    const prefix = tokenizer.decode(ids.slice(0, k));
    if (prefix.length <= sent.length || !prefix.startsWith(sent) || prefix.endsWith('\uFFFD')) continue;
    pieces.push(prefix.slice(sent.length));
    sent = prefix;
  }
  if (sent !== text) pieces.push(text.slice(sent.length));
  return pieces;
}

/**
 * Writes the choices as a completion stream; stops writing once the client has gone. Returns the
 * pieces sent and the pieces there were, for the request log.
 */
export async function writeCompletionStream(
  res: ServerResponse,
  head: { id: string; created: number; model: string },
  choices: readonly StreamedChoice[],
  tokenizer: Tokenizer,
): Promise<{ sent: number; total: number }> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const events: string[] = [];
  for (const choice of choices) {
    for (const piece of tokenPieces(choice.text, tokenizer))
      events.push(chunk(head, { index: choice.index, text: piece, finish_reason: null }));
    events.push(chunk(head, { index: choice.index, text: '', finish_reason: choice.finish_reason }));
  }
  events.push('data: [DONE]\n\n');
  let sent = 0;
  for (const event of events) {
    if (res.destroyed || res.writableEnded) return { sent, total: events.length };
    // One event at a time, each after the last has been handed to the socket: a client that closes
    // the request stops the stream within an event or two.
    await new Promise<void>((resolve) => res.write(event, () => resolve()));
    sent++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
  return { sent, total: events.length };
}

function chunk(
  head: { id: string; created: number; model: string },
  choice: { index: number; text: string; finish_reason: string | null },
): string {
  return `data: ${JSON.stringify({ ...head, object: 'text_completion', choices: [{ ...choice, logprobs: null }] })}\n\n`;
}
