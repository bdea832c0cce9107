/**
 * A note on local disk naming the trainer this host worker started, so a trainer left behind by a
 * worker that died (SIGKILL, OOM, power loss of the worker alone) is stopped before another one starts:
 * two trainers on one host would fight over its accelerators and write the same checkpoints.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { groupAlive } from './trainer-process';

const noteSchema = z.object({ pgid: z.number().int().positive(), program: z.string(), startedAt: z.string() });
type RunningTrainerNote = z.infer<typeof noteSchema>;

export class RunningTrainerFile {
  readonly path: string;

  constructor(stateDir: string, host: string) {
    this.path = join(stateDir, `host-${host}.trainer.json`);
  }

  record(pgid: number, program: string): void {
    mkdirSync(join(this.path, '..'), { recursive: true });
    const note: RunningTrainerNote = { pgid, program, startedAt: new Date().toISOString() };
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
    if (!groupAlive(note.pgid) || !leaderLooksLike(note.pgid, note.program)) {
      this.clear();
      return undefined;
    }
    return note;
  }
}

/** Guards against a recycled process id: the group leader must still run the recorded program. */
function leaderLooksLike(pgid: number, program: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pgid}/cmdline`, 'utf8').split('\0');
    const name = program.split('/').pop() ?? program;
    return argv.some((arg) => arg === program || arg.endsWith(`/${name}`) || arg === name);
  } catch {
    // The leader exited but members of its group remain (or there is no /proc): the group is ours.
    return true;
  }
}
