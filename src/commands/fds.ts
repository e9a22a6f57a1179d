import { UsageError } from './usage-error.js';

// PLACEHOLDER: replaced by the issue that owns `proctop fds`.
export async function main(_argv: readonly string[]): Promise<number> {
  throw new UsageError('fds is not implemented yet');
}
