/**
 * The experiment worker as a process (what `star worker` runs, for machines without the CLI's local
 * dev server): connects to TEMPORAL_ADDRESS (default localhost:7233) and runs until SIGINT or SIGTERM.
 *
 *   npx tsx workers/main.ts   (env: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS / TEMPORAL_API_KEY,
 *                              STAR_TASK_QUEUE, STAR_WORKFLOW_BUNDLE, STAR_MAX_CONCURRENT_ACTIVITIES,
 *                              STAR_CHUNK_SIZE)
 */
import { workerTargetFromEnv } from '../connection/temporal';
import { startExperimentWorker } from './experiment-worker';
import { runUntilSignalled } from './start-up';

export async function main(): Promise<void> {
  const running = await startExperimentWorker({ target: workerTargetFromEnv() });
  console.error(running.readyLine);
  await runUntilSignalled(running);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
