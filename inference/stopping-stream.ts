/**
 * The completions of one streamed request as they arrive, each stopped where the completion stop
 * rule fires (core/completion-stop.ts). The rule is checked on a completion's whole text after
 * every piece the server sends for it; servers send one piece per generated token (vLLM, llama.cpp,
 * `star serve`), so the text kept is the text the embedded sampler keeps, which checks after every
 * token. A server that sends several tokens in one piece is checked at the piece's end.
 */
import { completionStopReason, type CompletionStopRule } from '../core/completion-stop';

export interface StreamedChoice {
  index: number;
  text?: string | null;
  finish_reason?: string | null;
}

export class StoppingStream {
  texts: string[];
  /** Completions the rule stopped. */
  stoppedByRule = 0;
  /** Whether the request is closed before the server ended the stream (with `[DONE]` or by closing it). */
  closedEarly = false;
  private ended: boolean[];

  constructor(
    private readonly count: number,
    private readonly rule: CompletionStopRule,
  ) {
    this.texts = Array.from({ length: count }, () => '');
    this.ended = Array.from({ length: count }, () => false);
  }

  /** Forgets what was read: a retried request streams again from its start. */
  restart(): void {
    this.texts = this.texts.map(() => '');
    this.ended = this.ended.map(() => false);
    this.stoppedByRule = 0;
    this.closedEarly = false;
  }

  /** The server ended the stream (`[DONE]`): nothing is closed early. */
  finish(): true {
    this.closedEarly = false;
    return true;
  }

  /** Takes one event's choices; true once every completion has stopped or ended (the request may be closed). */
  add(choices: readonly StreamedChoice[]): boolean {
    for (const choice of choices) {
      if (choice.index >= this.count || this.ended[choice.index]) continue;
      if (choice.text) {
        this.texts[choice.index] += choice.text;
        if (completionStopReason(this.texts[choice.index] as string, this.rule) !== undefined) {
          this.ended[choice.index] = true;
          this.stoppedByRule++;
          continue;
        }
      }
      if (choice.finish_reason) this.ended[choice.index] = true;
    }
    this.closedEarly = this.ended.every(Boolean);
    return this.closedEarly;
  }
}
