/**
 * The host worker as a process, where the `star` CLI is not installed (`star host` runs the same):
 *
 *   npx tsx workers/host.ts --host tpu-0 [--workdir DIR] [--kill-grace-seconds 30] [--state-dir DIR] [--quiet]
 *   env: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE, TEMPORAL_API_KEY / TEMPORAL_TLS_*
 *        (as for the `temporal` CLI), STORAGE_EMULATOR_HOST (tests), GOOGLE_APPLICATION_CREDENTIALS
 *        (gs:// off Google Cloud)
 */
import { workerTargetFromEnv } from '../connection/temporal';
import { HostWorkerUsageError, parseHostWorkerArgs, runHostWorker } from './host-worker';

export async function main(argv = process.argv.slice(2)): Promise<void> {
  await runHostWorker(parseHostWorkerArgs(argv), workerTargetFromEnv());
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(err instanceof HostWorkerUsageError ? 2 : 1);
  });
}
