import type { ProcessIdentity, ProcessProbe } from '../sys/types.js';
import type { EntrySummary, Liveness } from './types.js';

/**
 * An entry is alive when, on the boot it was registered on, a process with its pid exists now
 * with the same start time and has not exited. A reused PID is dead, never alive; after a
 * reboot every entry is dead. `now` is the process with the entry's pid now, if any.
 */
export function livenessOf(entry: Pick<EntrySummary, 'bootId' | 'startTime'>, bootId: string, now: (ProcessIdentity & { readonly exited?: boolean }) | ProcessProbe | undefined): Liveness {
  if (entry.bootId !== bootId) return DEAD.otherBoot;
  if (!now) return DEAD.exited;
  if (now.startTime !== entry.startTime) return DEAD.reused;
  if (now.exited === true) return DEAD.exited;
  return ALIVE;
}

// Shared answers (they are readonly): a look at 10,000 entries allocates none.
const ALIVE: Liveness = { alive: true };
const DEAD = {
  exited: { alive: false, reason: 'exited' },
  reused: { alive: false, reason: 'reused' },
  otherBoot: { alive: false, reason: 'other-boot' },
} as const satisfies Record<string, Liveness>;

/** Default interval between two writes of an alive entry's last-seen time. */
export const DEFAULT_LAST_SEEN_INTERVAL_MS = 15_000;

/** One entry's observation to persist. */
export interface Observation {
  readonly id: number;
  /** Identity the observation is about: applied only if the entry still has it. */
  readonly pid: number;
  readonly startTime: number;
  readonly lastSeen?: string;
  readonly firstSeenDead?: string;
}

/**
 * What an observation of these entries changes: last-seen of alive entries whose stored time is
 * older than intervalMs (or missing), first-seen-dead of dead entries that have none yet.
 * Empty when nothing is due, so reads do not write.
 */
export function observationsDue(
  statuses: readonly { readonly entry: EntrySummary; readonly liveness: Liveness }[],
  nowMs: number,
  intervalMs: number,
): Observation[] {
  const now = new Date(nowMs).toISOString();
  const due: Observation[] = [];
  for (const { entry, liveness } of statuses) {
    if (liveness.alive) {
      const last = entry.lastSeen === null ? Number.NEGATIVE_INFINITY : Date.parse(entry.lastSeen);
      if (!(nowMs - last < intervalMs)) due.push({ id: entry.id, pid: entry.pid, startTime: entry.startTime, lastSeen: now });
    } else if (entry.firstSeenDead === null) {
      due.push({ id: entry.id, pid: entry.pid, startTime: entry.startTime, firstSeenDead: now });
    }
  }
  return due;
}

/** Entries with the observations applied (matched by id and identity); null when none applied. */
export function applyObservations<E extends EntrySummary>(entries: readonly E[], observations: readonly Observation[]): E[] | null {
  if (observations.length === 0) return null;
  const byId = new Map(observations.map((o) => [o.id, o]));
  let changed = false;
  const next = entries.map((e) => {
    const o = byId.get(e.id);
    if (!o || o.pid !== e.pid || o.startTime !== e.startTime) return e;
    changed = true;
    return {
      ...e,
      ...(o.lastSeen !== undefined ? { lastSeen: o.lastSeen } : {}),
      ...(o.firstSeenDead !== undefined && e.firstSeenDead === null ? { firstSeenDead: o.firstSeenDead } : {}),
    };
  });
  return changed ? next : null;
}
