/**
 * The larger-number task's worked rationale, as prompts.txt writes it, and the check that a model's
 * output states it: the right tens digits in the question's order, the right bigger digit (the ones
 * digits when the tens are the same), and the right number, both after "so" and after "Answer:".
 * The answer-only checker of task.json accepts a right number after a wrong comparison; this does not.
 */

export function workedRationale(first: number, second: number): string {
  const [t1, t2, o1, o2] = [Math.floor(first / 10), Math.floor(second / 10), first % 10, second % 10];
  const larger = Math.max(first, second);
  const compare =
    t1 === t2
      ? `tens digits ${t1} and ${t2} are the same, ones digits ${o1} and ${o2}, ${Math.max(o1, o2)}`
      : `tens digits ${t1} and ${t2}, ${Math.max(t1, t2)}`;
  return `${compare} is bigger, so ${larger}. Answer: ${larger}`;
}

/** The two numbers of a question, `47 or 52` (or the whole `Which is larger, 47 or 52?`). */
export function questionNumbers(question: string): [number, number] | undefined {
  const found = /(\d+)\D+(\d+)/.exec(question);
  return found ? [Number(found[1]), Number(found[2])] : undefined;
}

/** Whether the output's first line is the worked rationale of the question (spaces aside). */
export function rationaleIsRight(question: string, output: string): boolean {
  const numbers = questionNumbers(question);
  if (!numbers) return false;
  const squash = (text: string) => text.replace(/\s+/g, ' ').trim();
  const line = output.split('<|endoftext|>')[0]?.split('\n')[0] ?? '';
  return squash(line) === workedRationale(...numbers);
}
