import type { FdListing } from '../types.js';

// PLACEHOLDER owned by the open-files work (issue 4): replace with the real /proc/PID/fd reader.
export async function listFdsJs(_procRoot: string, pid: number): Promise<FdListing> {
  throw new Error(`listFdsJs(${pid}) is not implemented yet`);
}
