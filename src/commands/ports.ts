import { UsageError } from './usage-error.js';

// PLACEHOLDER: replaced by the issue that owns `proctop ports`.
export async function main(_argv: readonly string[]): Promise<number> {
  throw new UsageError('ports is not implemented yet');
}
