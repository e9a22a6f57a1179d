import { UsageError } from './usage-error.js';

// PLACEHOLDER: replaced by the issue that owns `proctop terminate-tree`.
export async function main(_argv: readonly string[]): Promise<number> {
  throw new UsageError('terminate-tree is not implemented yet');
}
