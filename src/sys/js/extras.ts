// The bulk per-process extras reader (Collector.readExtras): io, status figures, fd count,
// cgroup and page faults for a list of identities, reading only the files asked for. Both
// backends share this TypeScript implementation: these are a few small text files per process,
// read only for the columns and metrics that are switched on.
import type {
  CgroupPlacement,
  ExtrasField,
  ExtrasFieldError,
  ExtrasRequest,
  ProcessExtras,
  ProcessIdentity,
} from '../types.js';
import { describeCgroupPath, unifiedCgroupPath } from './cgroup.js';
import { mapBounded } from './map-bounded.js';
import { errnoCode, nodeProcFiles, type ProcFiles } from './proc-files.js';
import { parseStat } from './proc-stat.js';
import { parseFdSoftLimit, parseIo, parseKeyValueLines, parseSmapsRollup, statusExtras } from './proc-status.js';

/** Why a /proc read failed, as an error value naming the field. */
export function extrasFieldError(field: ExtrasField, path: string, err: unknown): ExtrasFieldError {
  const code = errnoCode(err);
  if (code === 'EACCES' || code === 'EPERM') {
    return { field, code: 'EACCES', message: `permission denied reading ${path} (another user's process: run as its owner or root)` };
  }
  if (code === 'ENOENT' || code === 'ESRCH') return { field, code: 'ENOENT', message: `${path} does not exist (not provided by this kernel)` };
  return { field, code: 'OTHER', message: `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}` };
}

/** A value, or why the asked-for field has none. */
type Read<T> = { readonly value: T; readonly error: null } | { readonly value: null; readonly error: ExtrasFieldError };

const NOT_ASKED = { value: null, error: null } as const;

/** Reads the same identity's cgroup once; the cache forgets identities not asked for lately. */
const CGROUP_CACHE_FLOOR = 4096;

export interface ExtrasReaderOptions {
  /** Filesystem operations (tests inject failures). */
  readonly files?: ProcFiles;
  /** Processes read at once (each reads up to five files). */
  readonly concurrency?: number;
}

/** Reads ProcessExtras for lists of identities; keeps the cgroup cache between calls. */
export class ExtrasReader {
  private readonly files: ProcFiles;
  private readonly concurrency: number;
  /** identity key → placement and the call number that last used it. */
  private readonly cgroups = new Map<string, { placement: CgroupPlacement; usedAt: number }>();
  private calls = 0;

  constructor(
    private readonly procRoot = '/proc',
    options: ExtrasReaderOptions = {},
  ) {
    this.files = options.files ?? nodeProcFiles;
    this.concurrency = Math.max(1, options.concurrency ?? 32);
  }

  /** The extras of each target, in the targets' order. Never rejects for a gone or unreadable process. */
  async read(targets: readonly ProcessIdentity[], request: ExtrasRequest): Promise<ProcessExtras[]> {
    const call = ++this.calls;
    const results = await mapBounded(targets, this.concurrency, (target) => this.readOne(target, request, call));
    this.pruneCgroups(call, targets.length);
    return results;
  }

  private async readOne(target: ProcessIdentity, request: ExtrasRequest, call: number): Promise<ProcessExtras> {
    const dir = `${this.procRoot}/${target.pid}`;
    const [io, status, fdCount, cgroup, fdLimit, smapsRollup] = await Promise.all([
      request.io ? this.readField('io', `${dir}/io`, parseIo) : NOT_ASKED,
      request.status ? this.readField('status', `${dir}/status`, (text) => statusExtras(parseKeyValueLines(text))) : NOT_ASKED,
      request.fdCount ? this.countFds(`${dir}/fd`) : NOT_ASKED,
      request.cgroup ? this.readCgroup(target, dir, call) : NOT_ASKED,
      // Boxed: an unlimited soft limit is a value (null), not a format error.
      request.fdLimit ? this.readField('fdLimit', `${dir}/limits`, (text) => boxed(parseFdSoftLimit(text))) : NOT_ASKED,
      request.smapsRollup ? this.readField('smapsRollup', `${dir}/smaps_rollup`, parseSmapsRollup) : NOT_ASKED,
    ]);
    // stat is read last: a start time that still matches proves the files above were this identity's.
    let stat;
    try {
      stat = parseStat(await this.files.readText(`${dir}/stat`));
    } catch {
      stat = null;
    }
    if (!stat || stat.startTime !== target.startTime) return goneExtras(target);
    const errors: ExtrasFieldError[] = [];
    for (const read of [io, status, fdCount, cgroup, fdLimit, smapsRollup]) if (read.error) errors.push(read.error);
    return {
      pid: target.pid,
      startTime: target.startTime,
      alive: true,
      comm: stat.comm,
      io: io.value,
      status: status.value,
      fdCount: fdCount.value,
      cgroup: cgroup.value,
      faults: request.faults ? { minor: stat.minorFaults, major: stat.majorFaults } : null,
      fdLimit: fdLimit.value?.value ?? null,
      smapsRollup: smapsRollup.value,
      errors,
    };
  }

  private async readField<T>(field: ExtrasField, path: string, parse: (text: string) => T | null): Promise<Read<T>> {
    let text: string;
    try {
      text = await this.files.readText(path);
    } catch (err) {
      return { value: null, error: extrasFieldError(field, path, err) };
    }
    const value = parse(text);
    if (value === null) return { value: null, error: { field, code: 'OTHER', message: `unexpected format in ${path}` } };
    return { value, error: null };
  }

  private async countFds(path: string): Promise<Read<number>> {
    try {
      return { value: (await this.files.listDir(path)).length, error: null };
    } catch (err) {
      return { value: null, error: extrasFieldError('fdCount', path, err) };
    }
  }

  private async readCgroup(target: ProcessIdentity, dir: string, call: number): Promise<Read<CgroupPlacement>> {
    const key = `${target.pid}:${target.startTime}`;
    const cached = this.cgroups.get(key);
    if (cached) {
      cached.usedAt = call;
      return { value: cached.placement, error: null };
    }
    const path = `${dir}/cgroup`;
    let text: string;
    try {
      text = await this.files.readText(path);
    } catch (err) {
      return { value: null, error: extrasFieldError('cgroup', path, err) };
    }
    const unified = unifiedCgroupPath(text);
    if (unified === null) return { value: null, error: { field: 'cgroup', code: 'ENOENT', message: `no cgroup v2 ("0::") line in ${path} (cgroup v1 only)` } };
    const placement = describeCgroupPath(unified);
    // A reused PID is another identity, so another key: the cache cannot hand one process's cgroup to another.
    this.cgroups.set(key, { placement, usedAt: call });
    return { value: placement, error: null };
  }

  private pruneCgroups(call: number, asked: number): void {
    if (this.cgroups.size <= Math.max(CGROUP_CACHE_FLOOR, asked * 2)) return;
    for (const [key, entry] of this.cgroups) if (entry.usedAt < call) this.cgroups.delete(key);
  }
}

function goneExtras(target: ProcessIdentity): ProcessExtras {
  return {
    pid: target.pid,
    startTime: target.startTime,
    alive: false,
    comm: null,
    io: null,
    status: null,
    fdCount: null,
    cgroup: null,
    faults: null,
    fdLimit: null,
    smapsRollup: null,
    errors: [],
  };
}

/** A parse result that may legitimately be null, boxed so readField tells it from a format error (undefined). */
function boxed<T>(value: T | undefined): { readonly value: T } | null {
  return value === undefined ? null : { value };
}
