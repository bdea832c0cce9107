/**
 * The committed histories (test/histories/*.json, `temporal workflow show --output json` of real
 * runs, captured by test/histories/capture.ts), read back as the SDK's History objects for replay.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromCliJson, experimentOfHistory } from '../../workers/history-json';

export { historyFromCliJson };
export const HISTORIES_DIR = join(__dirname, '..', 'histories');

export type History = ReturnType<typeof historyFromCliJson>;

export interface CommittedHistory {
  /** The file name, e.g. `two-iterations-1.json`. */
  name: string;
  /** The recorded workflow ID: the workflow checks that its ID is the experiment name, so replay under it. */
  workflowId: string;
  history: History;
}

/** One committed history, freshly parsed (a test may alter it). */
export function loadHistory(name: string): CommittedHistory {
  const history = historyFromCliJson(JSON.parse(readFileSync(join(HISTORIES_DIR, name), 'utf8')));
  return { name, workflowId: experimentOfHistory(history) ?? name, history };
}

export function loadHistories(): CommittedHistory[] {
  return readdirSync(HISTORIES_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map(loadHistory);
}
