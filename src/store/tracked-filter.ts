// The `/` filter's registry tokens: "tag:web group:prod name:db nginx" keeps tracked processes
// carrying tag web, in group prod, named db, whose text matches "nginx". Pure.
import type { TrackedEntry } from '../registry/types.js';
import type { IdentityKey } from '../sampler/types.js';

/** A filter text split into registry tokens and the free text left over. */
export interface TrackedFilter {
  readonly tags: readonly string[];
  readonly groups: readonly string[];
  readonly names: readonly string[];
  /** The rest, words joined by one space ("" when only tokens were typed). */
  readonly text: string;
}

const TOKEN = /^(tag|group|name):(.+)$/;

/** Splits a filter into tokens and free text; null when it holds no token (the plain filter applies). */
export function parseTrackedFilter(filter: string): TrackedFilter | null {
  if (!filter.includes(':')) return null;
  const tags: string[] = [];
  const groups: string[] = [];
  const names: string[] = [];
  const rest: string[] = [];
  for (const word of filter.trim().split(/\s+/)) {
    const token = TOKEN.exec(word);
    if (!token) rest.push(word);
    else if (token[1] === 'tag') tags.push(token[2] as string);
    else if (token[1] === 'group') groups.push(token[2] as string);
    else names.push(token[2] as string);
  }
  if (tags.length + groups.length + names.length === 0) return null;
  return { tags, groups, names, text: rest.join(' ') };
}

/** Whether a tracked entry satisfies every token (all tags, all groups, the name); untracked rows never do. */
export function entryMatches(entry: TrackedEntry | undefined, filter: TrackedFilter): boolean {
  if (!entry) return false;
  for (const tag of filter.tags) if (!entry.tags.includes(tag)) return false;
  for (const group of filter.groups) if (!entry.groups.includes(group)) return false;
  for (const name of filter.names) if (entry.name !== name) return false;
  return true;
}

/** Tracked entries of this boot by the identity key their rows carry ("pid:startTime"). */
export function trackedByKey(entries: readonly TrackedEntry[], bootId: string): ReadonlyMap<IdentityKey, TrackedEntry> {
  const byKey = new Map<IdentityKey, TrackedEntry>();
  for (const e of entries) if (e.bootId === bootId) byKey.set(`${e.pid}:${e.startTime}`, e);
  return byKey;
}

/** What the TRACK column shows: the name (or #id), then the tags. */
export function trackLabel(entry: TrackedEntry): string {
  const who = entry.name ?? `#${entry.id}`;
  return entry.tags.length > 0 ? `${who} ${entry.tags.join(',')}` : who;
}
