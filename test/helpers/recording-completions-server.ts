import { createServer, type Server } from 'node:http';

/**
 * An OpenAI completions server that records each request body and answers every prompt with `text`;
 * `GET /models` lists one model.
 */
export function recordingCompletionsServer(text: string): { server: Server; bodies: Record<string, unknown>[] } {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let sent = '';
    req.on('data', (chunk: Buffer) => (sent += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.url?.endsWith('/models')) {
        res.end(JSON.stringify({ data: [{ id: 'recorded' }] }));
        return;
      }
      const body = JSON.parse(sent) as Record<string, unknown>;
      bodies.push(body);
      const prompts = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ choices: prompts.map((_, index) => ({ index, text, finish_reason: 'stop' })) }));
    });
  });
  return { server, bodies };
}
