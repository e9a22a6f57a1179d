import type { TrackedEntry } from './types.js';

/**
 * Which entries a command acts on (goproc's selectors). Every kind given must match (AND);
 * within a kind, ids, pids, names and `tags`/`groups` match any of their values, while
 * `tagsAll`/`groupsAll` need all of theirs.
 */
export interface RegistrySelector {
  readonly ids?: readonly number[];
  readonly pids?: readonly number[];
  /** Exact names. */
  readonly names?: readonly string[];
  /** Entries carrying any of these tags. */
  readonly tags?: readonly string[];
  /** Entries carrying all of these tags. */
  readonly tagsAll?: readonly string[];
  readonly groups?: readonly string[];
  readonly groupsAll?: readonly string[];
  /** Substring of the stored command line (arguments joined by spaces). */
  readonly search?: string;
}

const has = (list: readonly unknown[] | undefined): list is readonly unknown[] => list !== undefined && list.length > 0;

/** True when the selector selects nothing in particular (rm and kill refuse it). */
export function isEmptySelector(s: RegistrySelector): boolean {
  return !has(s.ids) && !has(s.pids) && !has(s.names) && !has(s.tags) && !has(s.tagsAll) && !has(s.groups) && !has(s.groupsAll) && (s.search === undefined || s.search === '');
}

/** The stored command line as one string (what --search looks in). */
export function commandText(entry: TrackedEntry): string {
  return entry.argv.join(' ');
}

/** True when the entry passes every kind of the selector (an empty selector passes everything). */
export function matchesSelector(entry: TrackedEntry, s: RegistrySelector): boolean {
  if (has(s.ids) && !s.ids.includes(entry.id)) return false;
  if (has(s.pids) && !s.pids.includes(entry.pid)) return false;
  if (has(s.names) && (entry.name === null || !s.names.includes(entry.name))) return false;
  if (has(s.tags) && !s.tags.some((t) => entry.tags.includes(t))) return false;
  if (has(s.tagsAll) && !s.tagsAll.every((t) => entry.tags.includes(t))) return false;
  if (has(s.groups) && !s.groups.some((g) => entry.groups.includes(g))) return false;
  if (has(s.groupsAll) && !s.groupsAll.every((g) => entry.groups.includes(g))) return false;
  if (s.search !== undefined && s.search !== '' && !commandText(entry).includes(s.search)) return false;
  return true;
}

/** Entries the selector picks, in id order. */
export function selectEntries(entries: readonly TrackedEntry[], s: RegistrySelector): TrackedEntry[] {
  return entries.filter((e) => matchesSelector(e, s));
}

/** Longest name, tag or group (they are shown in a TUI column and typed in filters). */
export const MAX_LABEL_LENGTH = 64;

/**
 * Why a name, tag or group is refused, or null when fine: 1-64 characters, no whitespace, no
 * control characters, no comma (so `tag:T` filter tokens and listings stay unambiguous).
 */
export function labelProblem(kind: 'name' | 'tag' | 'group', text: string): string | null {
  if (text === '') return `${kind} must not be empty`;
  if ([...text].length > MAX_LABEL_LENGTH) return `${kind} is longer than ${MAX_LABEL_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f-\u009f,]/u.test(text)) return `${kind} ${JSON.stringify(text)} holds whitespace, a control character or a comma`;
  if (kind === 'name' && /^\d+$/.test(text)) return `name ${JSON.stringify(text)} is all digits: it would read as an id`;
  return null;
}

/** A sorted set of labels. */
export function labelSet(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
