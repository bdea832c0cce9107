import { hostWorkerUsage, parseHostWorkerArgs, runHostWorker } from '../workers/host-worker';
import { resolveTarget } from './experiment-client';

const COMMAND = 'star host';

export async function hostCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(
      `${hostWorkerUsage(COMMAND)}\n\nRuns the host worker of one training host until Ctrl-C: it serves trainOnHost (the \`command\` trainer)\n` +
        'and, with serveCommandTemplate, the generation and eval shards on task queue star-host-NAME. Start one on every host\n' +
        'the experiment lists in `hosts`. Connects to TEMPORAL_ADDRESS, or to the local dev server of `star server start`.\n' +
        'The host name may also come from STAR_HOST. See docs/hosts.md.',
    );
    return 0;
  }
  const args = parseHostWorkerArgs(argv, process.env, COMMAND);
  await runHostWorker(args, resolveTarget());
  return 0;
}
