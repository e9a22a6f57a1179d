// The bulk per-process extras reader (Collector.readExtras): io, status figures, fd count,
// cgroup and page faults for a list of identities, reading only the files asked for. Both
// backends share this TypeScript implementation and its parsers; the native collector hands it a
// ProcFileBatch (the addon's readProcFiles), which reads the files of 256 processes in one call on
// a worker thread instead of three thread-pool round trips per file (at 20,000 processes the
// exact RSS of `proctop pstat` took 5.8 s that way, a metrics sample 9 s).
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
import { errnoCode, nodeProcFiles, type BatchedFiles, type FileText, type ProcFileBatch, type ProcFiles } from './proc-files.js';
import { parseStat } from './proc-stat.js';
import { parseFdSoftLimit, parseIo, parseKeyValueLines, parseSmapsRollup, STATUS_EXTRAS_KEYS, statusExtras } from './proc-status.js';

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
/** A field as read, or not asked for. */
type Asked<T> = Read<T> | typeof NOT_ASKED;

/** Reads the same identity's cgroup once; the cache forgets identities not asked for lately. */
const CGROUP_CACHE_FLOOR = 4096;

/** Processes per ProcFileBatch call: ~0.8 MB of text (1,024 raised the peak RSS of a metrics sample of 20,000 processes from 175 to 240 MB, for no speed). */
const BATCH_TARGETS = 256;
/** Calls read ahead while one is parsed (on the thread pool's threads: two CPUs' worth of reading). */
const BATCHES_IN_FLIGHT = 2;

/** The extras read from one file each: the file under /proc/PID and how its text becomes the value. */
const FILE_FIELDS = {
  io: { name: 'io', parse: parseIo },
  status: { name: 'status', parse: (text: string) => statusExtras(parseKeyValueLines(text, STATUS_EXTRAS_KEYS)) },
  // Boxed: an unlimited soft limit is a value (null), not a format error.
  fdLimit: { name: 'limits', parse: (text: string) => boxed(parseFdSoftLimit(text)) },
  smapsRollup: { name: 'smaps_rollup', parse: parseSmapsRollup },
} as const;
type FileField = keyof typeof FILE_FIELDS;
const FILE_FIELD_NAMES = Object.keys(FILE_FIELDS) as FileField[];
/** What a file field's parser makes of its text. */
type Parsed<F extends FileField> = NonNullable<ReturnType<(typeof FILE_FIELDS)[F]['parse']>>;

/** A file field's value from its file (under `dir`, the process's) or why there is none; NOT_ASKED when the request does not ask for it. */
function fileFieldOf<F extends FileField>(field: F, request: ExtrasRequest, dir: string, file: () => FileText): Asked<Parsed<F>> {
  if (!request[field]) return NOT_ASKED;
  return parsedField(field, `${dir}/${FILE_FIELDS[field].name}`, file(), FILE_FIELDS[field].parse as (text: string) => Parsed<F> | null);
}

/** Every field of one identity's extras as read (NOT_ASKED where not asked for). */
interface FieldReads {
  readonly io: Asked<Parsed<'io'>>;
  readonly status: Asked<Parsed<'status'>>;
  readonly fdCount: Asked<number>;
  readonly cgroup: Asked<CgroupPlacement>;
  readonly fdLimit: Asked<Parsed<'fdLimit'>>;
  readonly smapsRollup: Asked<Parsed<'smapsRollup'>>;
}

/** A field's value from its file's text (or why there is none). */
function parsedField<T>(field: ExtrasField, path: string, file: FileText, parse: (text: string) => T | null): Read<T> {
  if (file.text === null) return { value: null, error: extrasFieldError(field, path, file.error) };
  const value = parse(file.text);
  if (value === null) return { value: null, error: { field, code: 'OTHER', message: `unexpected format in ${path}` } };
  return { value, error: null };
}

export interface ExtrasReaderOptions {
  /** Filesystem operations (tests inject failures). */
  readonly files?: ProcFiles;
  /** Processes read at once (each reads up to five files). */
  readonly concurrency?: number;
  /** Reads the files of many processes per call (the native collector's); without it, file by file through `files`. */
  readonly batch?: ProcFileBatch;
}

/** Reads ProcessExtras for lists of identities; keeps the cgroup cache between calls. */
export class ExtrasReader {
  private readonly files: ProcFiles;
  private readonly concurrency: number;
  private readonly batch: ProcFileBatch | null;
  /** identity key → placement and the call number that last used it. */
  private readonly cgroups = new Map<string, { placement: CgroupPlacement; usedAt: number }>();
  private calls = 0;

  constructor(
    private readonly procRoot = '/proc',
    options: ExtrasReaderOptions = {},
  ) {
    this.files = options.files ?? nodeProcFiles;
    this.concurrency = Math.max(1, options.concurrency ?? 32);
    this.batch = options.batch ?? null;
  }

  /** The extras of each target, in the targets' order. Never rejects for a gone or unreadable process. */
  async read(targets: readonly ProcessIdentity[], request: ExtrasRequest): Promise<ProcessExtras[]> {
    const call = ++this.calls;
    const results = this.batch ? await this.readBatched(this.batch, targets, request, call) : await this.readEach(targets, request, call);
    this.pruneCgroups(call, targets.length);
    return results;
  }

  private readEach(targets: readonly ProcessIdentity[], request: ExtrasRequest, call: number): Promise<ProcessExtras[]> {
    return mapBounded(targets, this.concurrency, (target) => this.readOne(target, request, call));
  }

  private async readOne(target: ProcessIdentity, request: ExtrasRequest, call: number): Promise<ProcessExtras> {
    const dir = `${this.procRoot}/${target.pid}`;
    const fileField = async <F extends FileField>(field: F): Promise<Asked<Parsed<F>>> => {
      if (!request[field]) return NOT_ASKED;
      const text = await this.fileText(`${dir}/${FILE_FIELDS[field].name}`);
      return fileFieldOf(field, request, dir, () => text);
    };
    const [io, status, fdCount, cgroup, fdLimit, smapsRollup] = await Promise.all([
      fileField('io'),
      fileField('status'),
      request.fdCount ? this.countFds(`${dir}/fd`) : NOT_ASKED,
      request.cgroup ? this.readCgroup(target, dir, call) : NOT_ASKED,
      fileField('fdLimit'),
      fileField('smapsRollup'),
    ]);
    // stat is read last: a start time that still matches proves the files above were this identity's.
    return extrasOf(target, request, await this.fileText(`${dir}/stat`), { io, status, fdCount, cgroup, fdLimit, smapsRollup });
  }

  /**
   * The batch way: per process, its fd entries counted, then its files in one ProcFileBatch call
   * per BATCH_TARGETS processes (the next calls read while this one's texts are parsed), stat last.
   * A call that fails (its proc root unreadable) reads its processes file by file instead.
   */
  private async readBatched(batch: ProcFileBatch, targets: readonly ProcessIdentity[], request: ExtrasRequest, call: number): Promise<ProcessExtras[]> {
    const files = FILE_FIELD_NAMES.filter((field) => request[field]);
    // The cgroup of an identity seen before comes from the cache; it is read only when one is not.
    const readCgroups = request.cgroup === true && targets.some((t) => !this.cgroups.has(`${t.pid}:${t.startTime}`));
    const names = [...files.map((field) => FILE_FIELDS[field].name), ...(readCgroups ? ['cgroup'] : []), 'stat'];
    const countFds = request.fdCount === true;
    const results: ProcessExtras[] = [];
    // BATCHES_IN_FLIGHT calls ahead of the one being parsed (each on a thread-pool thread of its own).
    const reading: { readonly chunk: readonly ProcessIdentity[]; readonly packed: Promise<BatchedFiles | null> }[] = [];
    let asked = 0;
    const askAhead = (): void => {
      for (; reading.length < BATCHES_IN_FLIGHT && asked < targets.length; asked += BATCH_TARGETS) {
        const chunk = targets.slice(asked, asked + BATCH_TARGETS);
        const pids = chunk.map((t) => t.pid);
        reading.push({ chunk, packed: batch.read(pids, names, countFds).catch(() => null) });
      }
    };
    askAhead();
    while (reading.length > 0) {
      const { chunk, packed: read } = reading.shift() as (typeof reading)[number];
      const packed = await read;
      askAhead();
      if (packed === null) {
        results.push(...(await this.readEach(chunk, request, call)));
        continue;
      }
      for (let i = 0; i < chunk.length; i++) {
        const target = chunk[i] as ProcessIdentity;
        const dir = `${this.procRoot}/${target.pid}`;
        const file = (k: number): FileText => packed.files[i * names.length + k] as FileText;
        const fileField = <F extends FileField>(field: F): Asked<Parsed<F>> =>
          fileFieldOf(field, request, dir, () => file(files.indexOf(field)));
        const counted = packed.fdCounts[i];
        const fdCount: Asked<number> = !countFds
          ? NOT_ASKED
          : typeof counted === 'number'
            ? { value: counted, error: null }
            : { value: null, error: extrasFieldError('fdCount', `${dir}/fd`, counted) };
        const cgroup = request.cgroup ? this.cgroupOf(target, dir, call, readCgroups ? file(files.length) : null) : NOT_ASKED;
        results.push(
          extrasOf(target, request, file(names.length - 1), {
            io: fileField('io'),
            status: fileField('status'),
            fdCount,
            cgroup,
            fdLimit: fileField('fdLimit'),
            smapsRollup: fileField('smapsRollup'),
          }),
        );
      }
    }
    return results;
  }

  private fileText(path: string): Promise<FileText> {
    return this.files.readText(path).then(
      (text) => ({ text, error: null }),
      (error: unknown) => ({ text: null, error }),
    );
  }

  private async countFds(path: string): Promise<Read<number>> {
    try {
      return { value: (await this.files.listDir(path)).length, error: null };
    } catch (err) {
      return { value: null, error: extrasFieldError('fdCount', path, err) };
    }
  }

  private async readCgroup(target: ProcessIdentity, dir: string, call: number): Promise<Read<CgroupPlacement>> {
    const cached = this.cachedCgroup(target, call);
    return cached ?? this.cgroupOf(target, dir, call, await this.fileText(`${dir}/cgroup`));
  }

  private cachedCgroup(target: ProcessIdentity, call: number): Read<CgroupPlacement> | null {
    const cached = this.cgroups.get(`${target.pid}:${target.startTime}`);
    if (!cached) return null;
    cached.usedAt = call;
    return { value: cached.placement, error: null };
  }

  /** The identity's cgroup: cached, else from the text of its cgroup file (null: not read, for a cached one). */
  private cgroupOf(target: ProcessIdentity, dir: string, call: number, file: FileText | null): Read<CgroupPlacement> {
    const cached = this.cachedCgroup(target, call);
    if (cached) return cached;
    const path = `${dir}/cgroup`;
    if (file === null) return { value: null, error: { field: 'cgroup', code: 'OTHER', message: `cannot read ${path}: not read` } };
    if (file.text === null) return { value: null, error: extrasFieldError('cgroup', path, file.error) };
    const unified = unifiedCgroupPath(file.text);
    if (unified === null) return { value: null, error: { field: 'cgroup', code: 'ENOENT', message: `no cgroup v2 ("0::") line in ${path} (cgroup v1 only)` } };
    const placement = describeCgroupPath(unified);
    // A reused PID is another identity, so another key: the cache cannot hand one process's cgroup to another.
    this.cgroups.set(`${target.pid}:${target.startTime}`, { placement, usedAt: call });
    return { value: placement, error: null };
  }

  private pruneCgroups(call: number, asked: number): void {
    if (this.cgroups.size <= Math.max(CGROUP_CACHE_FLOOR, asked * 2)) return;
    for (const [key, entry] of this.cgroups) if (entry.usedAt < call) this.cgroups.delete(key);
  }
}

/** The extras of one identity from its fields and its stat, read after them (gone when the stat is another process's). */
function extrasOf(target: ProcessIdentity, request: ExtrasRequest, statFile: FileText, reads: FieldReads): ProcessExtras {
  let stat;
  try {
    stat = statFile.text === null ? null : parseStat(statFile.text);
  } catch {
    stat = null;
  }
  if (!stat || stat.startTime !== target.startTime) return goneExtras(target);
  const { io, status, fdCount, cgroup, fdLimit, smapsRollup } = reads;
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

/** A parse result that may legitimately be null, boxed so parsedField tells it from a format error (undefined). */
function boxed<T>(value: T | undefined): { readonly value: T } | null {
  return value === undefined ? null : { value };
}
