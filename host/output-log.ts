/**
 * The trainer's output, kept in the store at the log URI the workflow chose, so it can be read from
 * anywhere while the host trains. Store objects are written whole (atomically), so the log is
 * rewritten every few seconds while output arrives, and once more at the end. One log holds every
 * attempt on this host, each after a header line, so a retry does not erase why the last one failed.
 */
import { exists, readText, writeBytes } from '../storage';

/** Past attempts are kept up to this size (their end), the current attempt up to MAX_CURRENT. */
const MAX_PREVIOUS = 1 << 20;
const MAX_CURRENT = 8 << 20;

export interface OutputLogOptions {
  uri: string;
  flushMs: number;
  /** Where upload problems are reported (they never fail the training). */
  warn: (message: string) => void;
}

export class OutputLog {
  private previous = '';
  private head: string[] = [];
  private tail: string[] = [];
  private headBytes = 0;
  private tailBytes = 0;
  private dropped = 0;
  private dirty = false;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly recent: string[] = [];

  constructor(private readonly options: OutputLogOptions) {}

  /** Reads what earlier attempts left and starts flushing periodically. */
  async open(header: string): Promise<void> {
    try {
      if (await exists(this.options.uri)) {
        const text = await readText(this.options.uri);
        this.previous =
          text.length > MAX_PREVIOUS ? `[… ${text.length - MAX_PREVIOUS} earlier characters dropped]\n${text.slice(-MAX_PREVIOUS)}` : text;
        if (this.previous && !this.previous.endsWith('\n')) this.previous += '\n';
      }
    } catch (err) {
      this.options.warn(`could not read the earlier log ${this.options.uri}: ${(err as Error).message}`);
    }
    this.append(header);
    await this.flush();
    this.timer = setInterval(() => void this.flush(), this.options.flushMs);
    this.timer.unref();
  }

  append(line: string): void {
    this.dirty = true;
    this.recent.push(line);
    if (this.recent.length > 20) this.recent.shift();
    const bytes = line.length + 1;
    // The beginning (configuration, errors at start-up) and the end (the failure) matter most.
    if (this.headBytes + bytes <= MAX_CURRENT / 2) {
      this.head.push(line);
      this.headBytes += bytes;
      return;
    }
    this.tail.push(line);
    this.tailBytes += bytes;
    while (this.tailBytes > MAX_CURRENT / 2 && this.tail.length > 1) {
      this.tailBytes -= (this.tail.shift() as string).length + 1;
      this.dropped += 1;
    }
  }

  /** The last lines of output (for error messages). */
  lastLines(n: number): string[] {
    return this.recent.slice(-n);
  }

  text(): string {
    const gap = this.dropped > 0 ? [`[… ${this.dropped} lines dropped]`] : [];
    return this.previous + [...this.head, ...gap, ...this.tail].join('\n') + '\n';
  }

  /** Writes the log if it changed; one write at a time, never overlapping. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await writeBytes(this.options.uri, this.text());
      } catch (err) {
        this.dirty = true;
        this.options.warn(`could not write the trainer log ${this.options.uri}: ${(err as Error).message}`);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
