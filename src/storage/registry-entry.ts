// A tracked process as the registry file stores it, and the file's head; src/registry/ (liveness,
// selectors, commands) builds on these records.
import type { ProcessIdentity } from '../sys/types.js';

/** One tracked process as the registry keeps it. Identity = (boot id, pid, start time). */
export interface TrackedEntry extends ProcessIdentity {
  /** Monotonic registry id: never reused, even after rm (only `reset` restarts it at 1). */
  readonly id: number;
  /** /proc/sys/kernel/random/boot_id when registered: on another boot the entry is dead. */
  readonly bootId: string;
  /** Unique human-friendly name, or null. */
  readonly name: string | null;
  /** Labels (a set, sorted). */
  readonly tags: readonly string[];
  /** Group memberships (a set, sorted). */
  readonly groups: readonly string[];
  /** Command line at registration. */
  readonly argv: readonly string[];
  /** /proc/PID/exe at registration, null when unreadable. */
  readonly exe: string | null;
  readonly uid: number;
  readonly user: string;
  /** ISO 8601 time of registration. */
  readonly createdAt: string;
  /** ISO 8601 time proctop last saw it alive (written at most once per last-seen interval). */
  readonly lastSeen: string | null;
  /** ISO 8601 time proctop first saw it dead, null while it has not. */
  readonly firstSeenDead: string | null;
  /** `track run`: where stdout and stderr go (null: not run by proctop, or --no-log). */
  readonly logPath: string | null;
  /** `track run`: the working directory it was started in. */
  readonly cwd: string | null;
  /** How it came to be tracked. */
  readonly origin: 'add' | 'run';
}

/** The whole registry file, parsed. */
export interface RegistryData {
  /** The id the next entry gets. */
  readonly nextId: number;
  /** Entries in id order. */
  readonly entries: readonly TrackedEntry[];
}

/** `format` field of the file: says what it is to someone who opens it. */
export const REGISTRY_FORMAT = 'proctop-registry';
/**
 * Version of the file layout this proctop writes. 2: one compact entry per line, observations
 * possibly pending in <registry>.seen. 1 (read, rewritten as 2 by the next change): the same
 * records pretty-printed, no observations file.
 */
export const REGISTRY_VERSION = 2;

/** TrackedEntry → the stored record (snake_case, like every JSON proctop writes). */
export function entryToJson(e: TrackedEntry): Record<string, unknown> {
  return {
    id: e.id,
    pid: e.pid,
    start_time: e.startTime,
    boot_id: e.bootId,
    name: e.name,
    tags: e.tags,
    groups: e.groups,
    cmdline: e.argv,
    exe: e.exe,
    uid: e.uid,
    user: e.user,
    created_at: e.createdAt,
    last_seen: e.lastSeen,
    first_seen_dead: e.firstSeenDead,
    log_path: e.logPath,
    cwd: e.cwd,
    origin: e.origin,
  };
}

/** The file's first line as serializeRegistry writes it, up to and with the newline before the first entry. */
export function registryHead(nextId: number): string {
  const head = JSON.stringify({ format: REGISTRY_FORMAT, version: REGISTRY_VERSION, next_id: nextId });
  return `${head.slice(0, -1)},"entries":[\n`;
}
