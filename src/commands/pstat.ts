import { UsageError } from './usage-error.js';

// PLACEHOLDER: replaced by the issue that owns `proctop pstat`.
export async function main(_argv: readonly string[]): Promise<number> {
  throw new UsageError('pstat is not implemented yet');
}
