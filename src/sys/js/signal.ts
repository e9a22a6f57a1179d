import type { ProcessIdentity, SignalDelivery } from '../types.js';

// PLACEHOLDER owned by the acting-safely work (issue 5): replace with check-then-kill.
export async function signalJs(_procRoot: string, target: ProcessIdentity, _signal: number): Promise<SignalDelivery> {
  throw new Error(`signalJs(${target.pid}) is not implemented yet`);
}
