// Tracked processes: the typed API behind `proctop track ...` and the TUI. No daemon: liveness is
// judged whenever someone looks, by identity (boot id, pid, start time), and what was seen is
// written back (last seen at most once per interval, first seen dead once).
import { createCollector } from '../sys/collector.js';
import type { Collector, ProcessIdentity, RawProcess } from '../sys/types.js';
import { effectiveUid, lookupAccount } from '../sys/accounts.js';
import type { FileLockOptions, LockDeps, LockHolder } from '../storage/file-lock.js';
import {
  defaultLogPath,
  ensureLogDir,
  ensureRegistryDir,
  loadRegistry,
  loadRegistryListing,
  recordObservations,
  registryPath,
  updateRegistryFile,
  type RegistryChange,
  type RegistryListing,
  type ParsedRegistry,
} from '../storage/registry-file.js';
import { identityKey } from '../storage/seen-file.js';
import { lastSeenIntervalMs } from './last-seen-interval.js';
import { applyObservations, livenessOf, observationsDue } from './liveness.js';
import { labelSet, selectEntries, type RegistrySelector } from './selectors.js';
import type { EntrySummary, RegistryData, TrackedEntry, TrackedStatus } from './types.js';

/** Labels given to a new entry. */
export interface TrackLabels {
  readonly name?: string | null;
  readonly tags?: readonly string[];
  readonly groups?: readonly string[];
}

/** How `add` went. Errors are values; exceptions are for an unusable registry file or lock. */
export type AddOutcome =
  | { readonly status: 'added'; readonly entry: TrackedEntry }
  /** The same identity is tracked already (its entry). */
  | { readonly status: 'exists'; readonly entry: TrackedEntry }
  /** Another entry has the name. */
  | { readonly status: 'name-taken'; readonly entry: TrackedEntry }
  | { readonly status: 'no-process'; readonly pid: number }
  /** PID:START named a process that is no longer there: the PID now has another start time. */
  | { readonly status: 'reused'; readonly pid: number; readonly startTime: number }
  | { readonly status: 'exited'; readonly pid: number };

/** How `relabel` went: done, the entry is gone, or the name is another entry's. */
export type RelabelOutcome =
  | { readonly status: 'relabelled'; readonly entry: TrackedEntry }
  | { readonly status: 'missing' }
  | { readonly status: 'name-taken'; readonly entry: TrackedEntry };

/** Where `run` sends the child's stdout and stderr. */
export type RunLog = { readonly kind: 'default' } | { readonly kind: 'none' } | { readonly kind: 'file'; readonly path: string };

/** What `run` starts. */
export interface RunSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly log: RunLog;
}

export type RunOutcome =
  | { readonly status: 'started'; readonly entry: TrackedEntry }
  /** The name is taken: nothing was started. */
  | { readonly status: 'name-taken'; readonly entry: TrackedEntry }
  /** The program could not start (not found, not executable...): nothing registered. */
  | { readonly status: 'failed'; readonly code: string; readonly message: string };

/** How a selection for rm / kill came out: none, too many without --all, or the entries. */
export type Selection =
  | { readonly status: 'none' }
  | { readonly status: 'ambiguous'; readonly count: number }
  | { readonly status: 'selected'; readonly entries: readonly TrackedEntry[] };

/** Tags or groups. */
export type LabelKind = 'tag' | 'group';

export interface RegistryOptions {
  /** Registry file (default: PROCTOP_REGISTRY, else <state dir>/registry.json). */
  readonly path?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** The OS boundary (default: createCollector()). */
  readonly collector?: Collector;
  /** Longest wait for the lock, ms (default 5000). */
  readonly lockTimeoutMs?: number;
  /** Last-seen write interval, ms (default: PROCTOP_LAST_SEEN_INTERVAL, config, 15 s). */
  readonly lastSeenIntervalMs?: number;
  /** Wall clock, ms (tests move it). */
  readonly now?: () => number;
}

/** `entries` minus those selected by id and identity. */
function without(entries: readonly TrackedEntry[], gone: readonly TrackedEntry[]): TrackedEntry[] {
  const ids = new Map(gone.map((e) => [e.id, e]));
  return entries.filter((e) => {
    const g = ids.get(e.id);
    return !g || g.pid !== e.pid || g.startTime !== e.startTime;
  });
}

/** Picks the entries for a destructive command: none / ambiguous (more than one without all) / them. */
export function selectForAction(entries: readonly TrackedEntry[], selector: RegistrySelector, all: boolean): Selection {
  const picked = selectEntries(entries, selector);
  if (picked.length === 0) return { status: 'none' };
  if (picked.length > 1 && !all) return { status: 'ambiguous', count: picked.length };
  return { status: 'selected', entries: picked };
}

/** The registry of tracked processes. */
export class Registry {
  private bootIdOnce: Promise<string> | undefined;
  private selfOnce: Promise<{ pid: number; startTime: number; bootId: string }> | undefined;
  /** The file as last read or written here: an unchanged file (same bytes) is not parsed again. */
  private file: ParsedRegistry | null = null;
  readonly lastSeenIntervalMs: number;

  private constructor(
    /** The registry file. */
    readonly path: string,
    private readonly collector: Collector,
    private readonly env: NodeJS.ProcessEnv,
    private readonly lockOptions: FileLockOptions,
    intervalMs: number,
    private readonly now: () => number,
  ) {
    this.lastSeenIntervalMs = intervalMs;
  }

  /** Opens the registry (nothing is read or created until a method needs it). */
  static async open(options: RegistryOptions = {}): Promise<Registry> {
    const env = options.env ?? process.env;
    const path = options.path ?? registryPath(env);
    const collector = options.collector ?? createCollector().collector;
    const interval = options.lastSeenIntervalMs ?? (await lastSeenIntervalMs(env));
    return new Registry(path, collector, env, { timeoutMs: options.lockTimeoutMs }, interval, options.now ?? Date.now);
  }

  /** This boot's id (read once). */
  bootId(): Promise<string> {
    this.bootIdOnce ??= this.collector.bootId();
    return this.bootIdOnce;
  }

  /** The lock's view of the OS: who we are, and whether a holder is still alive. */
  private lockDeps(): LockDeps {
    return {
      self: () => {
        this.selfOnce ??= (async () => {
          const [bootId, probes] = await Promise.all([this.bootId(), this.collector.probeProcesses([process.pid])]);
          const me = probes.get(process.pid);
          if (!me) throw new Error('cannot read proctop\'s own start time');
          return { pid: process.pid, startTime: me.startTime, bootId };
        })();
        return this.selfOnce;
      },
      holderAlive: async (holder: LockHolder) => {
        if (holder.bootId !== (await this.bootId())) return false;
        const probe = (await this.collector.probeProcesses([holder.pid])).get(holder.pid);
        return probe !== undefined && probe.startTime === holder.startTime && !probe.exited;
      },
      now: this.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  }

  /** Locked read-modify-write of the file (see updateRegistryFile). */
  private async update<T>(change: (data: RegistryData) => RegistryChange<T> | Promise<RegistryChange<T>>): Promise<T> {
    await ensureRegistryDir(this.path, this.env);
    const { result, file } = await updateRegistryFile(this.path, this.lockDeps(), change, { lock: this.lockOptions, known: this.file });
    this.file = file;
    return result;
  }

  /** The registry as stored now (a missing file is empty; a corrupt one throws RegistryFileError). */
  async read(): Promise<RegistryData> {
    const { file, data } = await loadRegistry(this.path, this.file);
    this.file = file;
    return data;
  }

  /**
   * Every entry as a listing needs it: a file in the canonical layout as its stored lines and
   * entry summaries, without parsing the rest (see loadRegistryListing); any other file parsed.
   */
  async readListing(): Promise<RegistryListing> {
    const listing = await loadRegistryListing(this.path);
    if (!listing.lines) this.file = listing.read.file;
    return listing;
  }

  /**
   * Liveness of entries. `processes` (a snapshot's records) answers from memory; without it each
   * entry's pid is probed (one stat read each).
   */
  async statuses<E extends EntrySummary = TrackedEntry>(entries: readonly E[], processes?: readonly (ProcessIdentity & { readonly state?: string })[]): Promise<TrackedStatus<E>[]> {
    if (entries.length === 0) return [];
    const bootId = await this.bootId();
    let byPid: ReadonlyMap<number, ProcessIdentity & { readonly exited?: boolean }>;
    if (processes) {
      const map = new Map<number, ProcessIdentity & { exited: boolean }>();
      for (const p of processes) map.set(p.pid, { pid: p.pid, startTime: p.startTime, exited: p.state === 'Z' || p.state === 'X' });
      byPid = map;
    } else {
      byPid = await this.collector.probeProcesses(entries.filter((e) => e.bootId === bootId).map((e) => e.pid));
    }
    return entries.map((entry) => ({ entry, liveness: livenessOf(entry, bootId, byPid.get(entry.pid)) }));
  }

  /**
   * Writes what was just observed: last seen of alive entries (at most once per interval),
   * first seen dead. Writes nothing when nothing is due, and when something is, only the small
   * observations file (the next change of the registry folds it in). Returns the statuses with
   * the observations applied, and a warning instead of throwing: a read must not fail because
   * the registry could not be updated.
   */
  async observe<E extends EntrySummary = TrackedEntry>(statuses: readonly TrackedStatus<E>[]): Promise<{ readonly statuses: readonly TrackedStatus<E>[]; readonly warning: string | null }> {
    const due = observationsDue(statuses, this.now(), this.lastSeenIntervalMs);
    if (due.length === 0) return { statuses, warning: null };
    const seen = applyObservations(statuses.map((s) => s.entry), due) ?? [];
    const updated = statuses.map((s, i) => ({ ...s, entry: seen[i] ?? s.entry }));
    try {
      await ensureRegistryDir(this.path, this.env);
      const observations = due.map((o) => ({ key: identityKey(o), ...(o.lastSeen !== undefined ? { lastSeen: o.lastSeen } : {}), ...(o.firstSeenDead !== undefined ? { firstSeenDead: o.firstSeenDead } : {}) }));
      await recordObservations(this.path, this.lockDeps(), observations, this.lockOptions);
      return { statuses: updated, warning: null };
    } catch (err) {
      return { statuses, warning: `last-seen times not saved: ${(err as Error).message}` };
    }
  }

  /** Tracks an existing process. PID:START (startTime) pins the identity. */
  async add(target: { readonly pid: number; readonly startTime?: number }, labels: TrackLabels = {}): Promise<AddOutcome> {
    const [proc, bootId] = await Promise.all([this.collector.readProcessRecord(target.pid), this.bootId()]);
    if (!proc) return { status: 'no-process', pid: target.pid };
    if (target.startTime !== undefined && proc.startTime !== target.startTime) return { status: 'reused', pid: target.pid, startTime: target.startTime };
    if (proc.state === 'Z' || proc.state === 'X') return { status: 'exited', pid: target.pid };
    return this.insert(proc, bootId, labels, { origin: 'add', logPath: null, cwd: null });
  }

  private insert(proc: Pick<RawProcess, 'pid' | 'startTime' | 'argv' | 'exe' | 'uid' | 'user'>, bootId: string, labels: TrackLabels, extra: Pick<TrackedEntry, 'origin' | 'logPath' | 'cwd'>, id?: number): Promise<AddOutcome> {
    return this.update<AddOutcome>((data) => {
      const same = data.entries.find((e) => e.bootId === bootId && e.pid === proc.pid && e.startTime === proc.startTime);
      if (same) return { data: null, result: { status: 'exists', entry: same } };
      const name = labels.name ?? null;
      const holder = name === null ? undefined : data.entries.find((e) => e.name === name);
      if (holder) return { data: null, result: { status: 'name-taken', entry: holder } };
      const entry: TrackedEntry = {
        id: id ?? data.nextId,
        pid: proc.pid,
        startTime: proc.startTime,
        bootId,
        name,
        tags: labelSet(labels.tags ?? []),
        groups: labelSet(labels.groups ?? []),
        argv: [...proc.argv],
        exe: proc.exe,
        uid: proc.uid,
        user: proc.user,
        createdAt: new Date(this.now()).toISOString(),
        lastSeen: new Date(this.now()).toISOString(),
        firstSeenDead: null,
        ...extra,
      };
      return { data: { nextId: Math.max(data.nextId, entry.id + 1), entries: [...data.entries, entry] }, result: { status: 'added', entry } };
    });
  }

  /**
   * Starts a command detached (new session, log file) and tracks it. The id is reserved first
   * (the default log is named after it); a name already taken refuses before anything starts.
   */
  async run(spec: RunSpec, labels: TrackLabels = {}): Promise<RunOutcome> {
    const name = labels.name ?? null;
    const reserved = await this.update<{ id: number } | { taken: TrackedEntry }>((data) => {
      const holder = name === null ? undefined : data.entries.find((e) => e.name === name);
      if (holder) return { data: null, result: { taken: holder } };
      return { data: { ...data, nextId: data.nextId + 1 }, result: { id: data.nextId } };
    });
    if ('taken' in reserved) return { status: 'name-taken', entry: reserved.taken };
    let logPath: string | null = null;
    if (spec.log.kind === 'default') {
      await ensureLogDir(this.path);
      logPath = defaultLogPath(this.path, reserved.id);
    } else if (spec.log.kind === 'file') logPath = spec.log.path;
    const [started, bootId] = await Promise.all([
      this.collector.spawnDetached({ command: spec.command, args: spec.args, cwd: spec.cwd, logPath }),
      this.bootId(),
    ]);
    if (!started.ok) return { status: 'failed', code: started.code, message: started.message };
    const uid = effectiveUid();
    const added = await this.insert(
      { ...started.identity, argv: started.argv, exe: started.exe, uid, user: lookupAccount(uid)?.name ?? String(uid) },
      bootId,
      labels,
      { origin: 'run', logPath, cwd: spec.cwd ?? process.cwd() },
      reserved.id,
    );
    // Only 'added' can happen for a process just born, short of the name being taken meanwhile.
    if (added.status === 'added') return { status: 'started', entry: added.entry };
    if (added.status === 'name-taken') return { status: 'name-taken', entry: added.entry };
    return { status: 'failed', code: 'OTHER', message: `started PID ${started.identity.pid} but could not register it (${added.status})` };
  }

  /** Removes the selected entries (refusing more than one unless all). */
  remove(selector: RegistrySelector, options: { readonly all: boolean }): Promise<Selection> {
    return this.update<Selection>((data) => {
      const selection = selectForAction(data.entries, selector, options.all);
      if (selection.status !== 'selected') return { data: null, result: selection };
      return { data: { ...data, entries: without(data.entries, selection.entries) }, result: selection };
    });
  }

  /** Removes exactly these entries (by id and identity; entries changed meanwhile are kept). Returns those removed. */
  removeEntries(entries: readonly TrackedEntry[]): Promise<TrackedEntry[]> {
    if (entries.length === 0) return Promise.resolve([]);
    return this.update((data) => {
      const kept = without(data.entries, entries);
      const removed = data.entries.filter((e) => !kept.includes(e));
      return { data: removed.length > 0 ? { ...data, entries: kept } : null, result: removed };
    });
  }

  /** Entries carrying a tag or group. */
  async withLabel(kind: LabelKind, label: string): Promise<TrackedEntry[]> {
    const { entries } = await this.read();
    return entries.filter((e) => (kind === 'tag' ? e.tags : e.groups).includes(label));
  }

  /**
   * Renames a tag or group across the registry in one locked update; returns the entries that
   * carried it (now renamed), empty when none did (nothing written).
   */
  renameLabel(kind: LabelKind, from: string, to: string): Promise<TrackedEntry[]> {
    const field = kind === 'tag' ? 'tags' : 'groups';
    return this.update((data) => {
      const renamed: TrackedEntry[] = [];
      const entries = data.entries.map((e) => {
        if (!e[field].includes(from)) return e;
        const next = { ...e, [field]: labelSet(e[field].map((l) => (l === from ? to : l))) };
        renamed.push(next);
        return next;
      });
      return { data: renamed.length > 0 ? { ...data, entries } : null, result: renamed };
    });
  }

  /** Changes one entry's name, tags or groups (the TUI's track form on an entry already tracked). */
  relabel(id: number, labels: TrackLabels): Promise<RelabelOutcome> {
    return this.update<RelabelOutcome>((data) => {
      const entry = data.entries.find((e) => e.id === id);
      if (!entry) return { data: null, result: { status: 'missing' } };
      const name = labels.name === undefined ? entry.name : labels.name;
      const holder = name === null ? undefined : data.entries.find((e) => e.name === name && e.id !== id);
      if (holder) return { data: null, result: { status: 'name-taken', entry: holder } };
      const next: TrackedEntry = { ...entry, name, tags: labelSet(labels.tags ?? entry.tags), groups: labelSet(labels.groups ?? entry.groups) };
      return { data: { ...data, entries: data.entries.map((e) => (e.id === id ? next : e)) }, result: { status: 'relabelled', entry: next } };
    });
  }

  /** Forgets every entry and restarts ids at 1. Returns how many were forgotten. */
  reset(): Promise<number> {
    return this.update((data) => ({ data: { nextId: 1, entries: [] }, result: data.entries.length }));
  }
}
