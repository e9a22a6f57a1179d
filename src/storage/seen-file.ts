// The registry's observations file, <registry>.seen: last seen and first seen dead, written by
// every look (`track list`, the TUI) without rewriting the registry itself. A 10,000-entry
// registry is ~3 MB; what one look observes is a few bytes per alive entry, so a look writes
// only this small file (atomically, under the registry's lock). The next change of the registry
// folds the observations in and removes this file. Records are keyed by identity
// ("ID:PID:START_TIME"), so an observation never lands on another entry, not even after `reset`
// restarts the ids.
import type { TrackedEntry } from './registry-entry.js';

/** `format` field of the file. */
export const SEEN_FORMAT = 'proctop-registry-seen';
/** Version of the observations file this proctop reads and writes. */
export const SEEN_VERSION = 1;

/** Observations not yet folded into the registry, by identity key. */
export interface SeenRecords {
  /** ISO 8601 time an entry was last seen alive. */
  readonly lastSeen: ReadonlyMap<string, string>;
  /** ISO 8601 time an entry was first seen dead. */
  readonly firstSeenDead: ReadonlyMap<string, string>;
}

export const NO_SEEN: SeenRecords = { lastSeen: new Map(), firstSeenDead: new Map() };

/** The observations file of a registry file. */
export function seenPath(registryPath: string): string {
  return `${registryPath}.seen`;
}

/** "ID:PID:START_TIME": the key an entry's observations are stored under. */
export function identityKey(entry: Pick<TrackedEntry, 'id' | 'pid' | 'startTime'>): string {
  return `${entry.id}:${entry.pid}:${entry.startTime}`;
}

function stringMap(value: unknown): Map<string, string> | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const map = new Map<string, string>();
  for (const [key, time] of Object.entries(value)) {
    if (typeof time !== 'string' || !/^\d+:\d+:\d+$/.test(key)) return null;
    map.set(key, time);
  }
  return map;
}

/** Parses the file's text; a problem is returned as one line (the caller names the file). */
export function parseSeen(text: string): SeenRecords | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'does not parse as JSON';
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'not a JSON object';
  const doc = raw as Record<string, unknown>;
  if (doc.format !== SEEN_FORMAT) return `format is ${JSON.stringify(doc.format)}`;
  if (typeof doc.version !== 'number') return 'no version';
  if (doc.version > SEEN_VERSION) return `version ${doc.version}, written by a newer proctop`;
  const lastSeen = stringMap(doc.last_seen);
  const firstSeenDead = stringMap(doc.first_seen_dead);
  if (!lastSeen || !firstSeenDead) return 'last_seen or first_seen_dead is not a map of ID:PID:START_TIME to times';
  return { lastSeen, firstSeenDead };
}

/** The file's text: compact JSON (it is rewritten on every due look), one trailing newline. */
export function serializeSeen(seen: SeenRecords): string {
  return `${JSON.stringify({ format: SEEN_FORMAT, version: SEEN_VERSION, last_seen: Object.fromEntries(seen.lastSeen), first_seen_dead: Object.fromEntries(seen.firstSeenDead) })}\n`;
}

/** Later of two ISO times (either may be null). */
function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** One observation of an entry, by identity key. */
export interface SeenObservation {
  readonly key: string;
  readonly lastSeen?: string;
  readonly firstSeenDead?: string;
}

/** `seen` with observations added: last seen keeps the later time, first seen dead the first one. */
export function addObservations(seen: SeenRecords, observations: readonly SeenObservation[]): SeenRecords {
  const lastSeen = new Map(seen.lastSeen);
  const firstSeenDead = new Map(seen.firstSeenDead);
  for (const o of observations) {
    if (o.lastSeen !== undefined) lastSeen.set(o.key, later(lastSeen.get(o.key) ?? null, o.lastSeen)!);
    if (o.firstSeenDead !== undefined && !firstSeenDead.has(o.key)) firstSeenDead.set(o.key, o.firstSeenDead);
  }
  return { lastSeen, firstSeenDead };
}

/**
 * Entries with the observations applied (matched by identity): last seen becomes the later of the
 * two, first seen dead is set when the entry has none. Returns `entries` itself when nothing applies.
 */
export function applySeen<E extends Pick<TrackedEntry, 'id' | 'pid' | 'startTime' | 'lastSeen' | 'firstSeenDead'>>(entries: readonly E[], seen: SeenRecords): readonly E[] {
  if (seen.lastSeen.size === 0 && seen.firstSeenDead.size === 0) return entries;
  // Keys are built only for entries whose id has an observation: most of 10,000 have none.
  const ids = new Set<number>();
  for (const key of [...seen.lastSeen.keys(), ...seen.firstSeenDead.keys()]) ids.add(Number.parseInt(key, 10));
  let changed = false;
  const next = entries.map((e) => {
    if (!ids.has(e.id)) return e;
    const key = identityKey(e);
    const seenAlive = seen.lastSeen.get(key);
    const seenDead = seen.firstSeenDead.get(key);
    if (seenAlive === undefined && seenDead === undefined) return e;
    const lastSeen = seenAlive === undefined ? e.lastSeen : later(e.lastSeen, seenAlive);
    const firstSeenDead = e.firstSeenDead ?? seenDead ?? null;
    if (lastSeen === e.lastSeen && firstSeenDead === e.firstSeenDead) return e;
    changed = true;
    return { ...e, lastSeen, firstSeenDead };
  });
  return changed ? next : entries;
}
