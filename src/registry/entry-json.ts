import { entryToJson } from '../storage/registry-file.js';
import { commandText } from './selectors.js';
import type { TrackedStatus } from './types.js';

/** Live figures of an alive entry's process (from one snapshot), when the listing has them. */
export interface LiveFigures {
  /** Lifetime average CPU%, 100 = one core. */
  readonly cpuPercent: number;
  readonly rssBytes: number;
  /** One-letter kernel state. */
  readonly state: string;
}

/** An entry as every `track --json` output shows it: the stored record plus liveness and live figures. */
export function statusJson(status: TrackedStatus, live?: LiveFigures | null): Record<string, unknown> {
  // Object.assign, not a spread into a literal: V8 builds the spread copy ~40x slower, and
  // `track list` makes one per entry (10,000 in the bench).
  return Object.assign(entryToJson(status.entry), {
    command: commandText(status.entry),
    alive: status.liveness.alive,
    dead_reason: status.liveness.alive ? null : status.liveness.reason,
    cpu_percent: live ? Math.round(live.cpuPercent * 10) / 10 : null,
    rss_bytes: live ? live.rssBytes : null,
    state: live ? live.state : null,
  });
}
