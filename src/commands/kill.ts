import { UsageError } from './usage-error.js';

// PLACEHOLDER: replaced by the issue that owns `proctop kill`.
export async function main(_argv: readonly string[]): Promise<number> {
  throw new UsageError('kill is not implemented yet');
}
