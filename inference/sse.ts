/**
 * Server-sent events as OpenAI-compatible servers stream completions (`stream: true`): events are
 * separated by a blank line, and each `data:` line carries one JSON chunk or `[DONE]`. Servers
 * differ in line endings (`\n`, `\r\n`) and in how the bytes are split across reads, so the parser
 * takes any split and hands on whole events' data only.
 */
export class SseParser {
  private buffer = '';
  /** A `\r` that ended the last piece: the `\n` of its `\r\n` may start the next. */
  private carriageReturn = false;

  /** The data of every event completed by `text` (the next piece of the stream), in order. */
  push(text: string): string[] {
    let piece = (this.carriageReturn ? '\r' : '') + text;
    this.carriageReturn = piece.endsWith('\r');
    if (this.carriageReturn) piece = piece.slice(0, -1);
    this.buffer += piece.replace(/\r\n?/g, '\n');
    const events: string[] = [];
    for (let end = this.buffer.indexOf('\n\n'); end !== -1; end = this.buffer.indexOf('\n\n')) {
      const data = dataOf(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
      if (data !== undefined) events.push(data);
    }
    return events;
  }

  /** The data of a last event the stream ended without a blank line after. */
  end(): string[] {
    if (this.carriageReturn) this.push('\n');
    const data = dataOf(this.buffer);
    this.buffer = '';
    return data === undefined ? [] : [data];
  }
}

/** An event's `data:` lines joined by newlines (the SSE rule), or undefined when it has none (a comment, a keep-alive). */
function dataOf(event: string): string | undefined {
  const lines = event
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
  return lines.length === 0 ? undefined : lines.join('\n');
}
