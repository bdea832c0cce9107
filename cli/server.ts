import { noPositionals, parseCommandArgs } from './args';
import { devServerFiles, readServerRecord, startOrReuseDevServer, stopDevServer } from './dev-server';
import { UsageError } from './errors';
import { stateDir } from '../connection/state-dir';

const USAGE = 'star server start|stop|status [--port N] [--ui-port N] [--headless]';

/**
 * The local dev server on its own: `star run` starts and stops it for you; this is for keeping one
 * up across runs (e.g. to use `star start`, `star worker` and the Temporal CLI against it).
 */
export async function serverCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals } = parseCommandArgs(
    rest,
    { port: { type: 'string' }, 'ui-port': { type: 'string' }, headless: { type: 'boolean' } },
    USAGE,
  );
  if (values.help || action === undefined || action === '--help' || action === '-h') {
    console.log(`usage: ${USAGE}\n\nState folder: ${stateDir()} (set STAR_STATE_DIR to use another).`);
    return action === undefined ? 2 : 0;
  }
  noPositionals(positionals, USAGE);
  const dir = stateDir();
  switch (action) {
    case 'start': {
      const server = await startOrReuseDevServer({
        stateDir: dir,
        port: portValue(values.port, '--port'),
        uiPort: portValue(values['ui-port'], '--ui-port'),
        headless: values.headless,
        persistent: true,
      });
      console.log(`${server.reused ? 'Reusing' : 'Started'} the Temporal dev server (pid ${server.pid}) at ${server.address}`);
      if (server.uiUrl) console.log(`Web UI: ${server.uiUrl}`);
      console.log(`Use it: export TEMPORAL_ADDRESS=${server.address}   (log: ${server.logFile})`);
      console.log('It keeps running after `star run`s that use it end; `star server stop` stops it.');
      return 0;
    }
    case 'stop':
      console.log(
        (await stopDevServer(dir)) ? 'Stopped the Temporal dev server.' : `No dev server of ours is running (state folder ${dir}).`,
      );
      return 0;
    case 'status': {
      const running = readServerRecord(dir);
      if (!running) {
        console.log(`No dev server of ours is running (state folder ${dir}).`);
        return 1;
      }
      console.log(`Temporal dev server pid ${running.pid} at 127.0.0.1:${running.port} since ${running.startedAt}`);
      if (running.uiPort) console.log(`Web UI: http://localhost:${running.uiPort}`);
      console.log(`Database: ${running.dbFile}\nLog: ${devServerFiles(dir).log}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown action "${action}"\nusage: ${USAGE}`);
  }
}

function portValue(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${flag} ${text}: expected a port number (1-65535)`);
  return port;
}
