import { createInterface } from 'node:readline/promises';

/** Asks a yes/no question on the terminal (stderr, so stdout stays the result); only y/yes is yes. */
export async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
