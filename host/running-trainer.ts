/**
 * A note on local disk naming the trainer this host worker started, so a trainer left behind by a
 * worker that died (SIGKILL, OOM, power loss of the worker alone) is stopped before another one starts:
 * two trainers on one host would fight over its accelerators and write the same checkpoints.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { groupAlive, processStartTime } from '../processes/process-group';

const noteSchema = z.object({
  pgid: z.number().int().positive(),
  /** Start time of the group's leader, which tells it apart from a later process given the same id. */
  leaderStart: z.number().optional(),
  program: z.string(),
  startedAt: z.string(),
});
type RunningTrainerNote = z.infer<typeof noteSchema>;

export class RunningTrainerFile {
  readonly path: string;

  /** `kind` tells the trainer's note from the inference server's (`host-{host}.server.json`). */
  constructor(stateDir: string, host: string, kind: 'trainer' | 'server' = 'trainer') {
    this.path = join(stateDir, `host-${host}.${kind}.json`);
  }

  record(pgid: number, program: string): void {
    mkdirSync(join(this.path, '..'), { recursive: true });
    const note: RunningTrainerNote = { pgid, leaderStart: processStartTime(pgid), program, startedAt: new Date().toISOString() };
    writeFileSync(this.path, JSON.stringify(note) + '\n');
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }

  /** The group of a trainer that is still running from an earlier worker, if any. */
  leftover(): RunningTrainerNote | undefined {
    let note: RunningTrainerNote;
    try {
      note = noteSchema.parse(JSON.parse(readFileSync(this.path, 'utf8')));
    } catch {
      return undefined;
    }
    if (!groupAlive(note.pgid) || !sameLeader(note)) {
      this.clear();
      return undefined;
    }
    return note;
  }
}

/**
 * Whether the live group `pgid` is still the recorded one. A group id cannot be reused while the group
 * has members, so a group whose leader has exited is ours; a live leader must have the recorded start time.
 */
function sameLeader(note: RunningTrainerNote): boolean {
  const start = processStartTime(note.pgid);
  if (start === undefined || note.leaderStart === undefined) return true;
  return start === note.leaderStart;
}
