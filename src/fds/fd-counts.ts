import type { FdKind, FdListing } from '../sys/types.js';

/** Every fd kind, in the order views and tables list them. */
export const FD_KINDS: readonly FdKind[] = ['file', 'socket', 'pipe', 'anon', 'unknown'];

/** Number of open fds per kind (every kind present, 0 when none): the detail view's summary line. */
export function fdCountsByKind(listing: Pick<FdListing, 'fds'>): Record<FdKind, number> {
  const counts: Record<FdKind, number> = { file: 0, socket: 0, pipe: 0, anon: 0, unknown: 0 };
  for (const entry of listing.fds) counts[entry.kind]++;
  return counts;
}

/** True when text names an fd kind (for --kind and the open-files view's kind filter). */
export function isFdKind(text: string): text is FdKind {
  return (FD_KINDS as readonly string[]).includes(text);
}
