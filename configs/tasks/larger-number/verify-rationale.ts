/**
 * The `command` verifier of the larger-number task (experiment option `verifier: "command"`): a sample
 * is correct only when its rationale states the right digits and number (rationale.ts), not just
 * when its answer is right. Reads JSONL `{id, question, answer, output}` on stdin, writes
 * `{id, correct}` lines on stdout.
 *
 *   --set verifier=command --set 'verifierCommand=npx tsx configs/tasks/larger-number/verify-rationale.ts'
 */
import { rationaleIsRight } from './rationale';

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => (input += chunk));
process.stdin.on('end', () => {
  const lines = input.split('\n').filter((line) => line.trim() !== '');
  const verdicts = lines.map((line) => {
    const sample = JSON.parse(line) as { id: string; question: string; output: string };
    return JSON.stringify({ id: sample.id, correct: rationaleIsRight(sample.question, sample.output) });
  });
  process.stdout.write(verdicts.map((v) => v + '\n').join(''));
});
