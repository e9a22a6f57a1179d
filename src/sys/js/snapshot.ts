import type { RawProcess, Snapshot, SystemInfo } from '../types.js';
import { parseCmdline } from './cmdline.js';
import { errnoCode, isVanished, nodeProcFiles, type ProcFiles } from './proc-files.js';
import { mapBounded } from './map-bounded.js';
import { isKernelThread, parseStat, type ParsedStat } from './proc-stat.js';
import { readSysconf, readSystemInfo } from './system-info.js';
import { UserNames } from './users.js';
import { monotonicNowMs } from '../clock.js';

export interface JsSnapshotReaderOptions {
  /** Filesystem operations (tests inject failures). */
  readonly files?: ProcFiles;
  /** passwd file for user names. */
  readonly passwdPath?: string;
  /** Files read at once; bounded so the libuv pool and the event loop stay responsive. */
  readonly concurrency?: number;
}

/** What is read once per identity (and again when exec changes comm). */
interface IdentityDetails {
  /** comm when the details were read: a different comm means the process exec'd. */
  readonly comm: string;
  readonly argv: readonly string[];
  readonly exe: string | null;
  readonly uid: number;
  readonly user: string;
}

/** Why a process could not be read; counted into one warning per kind. */
type Skip = 'vanished' | 'denied' | 'malformed' | 'error';

const DEFAULT_CONCURRENCY = 32;

/**
 * The pure-JS snapshot reader: the same Snapshot as the native addon, from plain /proc reads.
 * A steady-state refresh reads only /proc/PID/stat; argv, exe and user are read once per
 * identity (pid, startTime) and again only when comm changes (exec keeps the identity).
 */
export class JsSnapshotReader {
  private readonly files: ProcFiles;
  private readonly users: UserNames;
  private readonly concurrency: number;
  private details = new Map<string, IdentityDetails>();

  constructor(
    private readonly procRoot: string = '/proc',
    options: JsSnapshotReaderOptions = {},
  ) {
    this.files = options.files ?? nodeProcFiles;
    this.users = new UserNames(this.files, options.passwdPath);
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /**
   * Reads every process plus system figures. Rejects only when the proc root itself is unreadable.
   * Like the native reader, in two passes: every process's stat and the system's figures first
   * (the snapshot's stamps end there, so rates are timed over the pass that read them), then the
   * owner, command line and executable of new (and exec'd) identities.
   */
  async snapshot(): Promise<Snapshot> {
    const readStartMonotonicMs = monotonicNowMs();
    const names = await this.files.listDir(this.procRoot);
    const pids = names.filter((name) => /^[1-9]\d*$/.test(name)).map(Number);
    const stats = await mapBounded(pids, this.concurrency, (pid) => this.readFigures(pid));
    const system = await readSystemInfo(this.files, this.procRoot);
    const timestampMs = Date.now();
    const monotonicMs = monotonicNowMs();
    const nextDetails = new Map<string, IdentityDetails>();
    const skips = new Map<Skip, number>();
    // Most identities are known: their records are built here, and only the new (and exec'd)
    // ones wait for their details to be read.
    const results: (RawProcess | Skip)[] = new Array(stats.length);
    const unknown: number[] = [];
    for (let i = 0; i < stats.length; i++) {
      const figures = stats[i] as { pid: number; stat: ParsedStat } | Skip;
      if (typeof figures === 'string') {
        results[i] = figures;
        continue;
      }
      const details = this.knownDetails(figures.pid, figures.stat);
      if (details === undefined) {
        unknown.push(i);
        continue;
      }
      nextDetails.set(identityKey(figures.pid, figures.stat), details);
      results[i] = processRecord(figures.pid, figures.stat, details, system.pageSize);
    }
    await mapBounded(unknown, this.concurrency, async (i) => {
      const { pid, stat } = stats[i] as { pid: number; stat: ParsedStat };
      results[i] = await this.withDetails(pid, stat, system, nextDetails);
    });
    const processes: RawProcess[] = [];
    for (const result of results) {
      if (typeof result === 'string') skips.set(result, (skips.get(result) ?? 0) + 1);
      else processes.push(result);
    }
    // Forget identities that are gone, so the cache never outgrows the process table.
    this.details = nextDetails;
    processes.sort((a, b) => a.pid - b.pid);
    return { timestampMs, monotonicMs, readStartMonotonicMs, processes, system, warnings: skipWarnings(skips) };
  }

  /** Reads one process now (argv, exe and user freshly read), or null when it is gone or unreadable. */
  async readOne(pid: number): Promise<RawProcess | null> {
    const figures = await this.readFigures(pid);
    if (typeof figures === 'string') return null;
    const result = await this.withDetails(pid, figures.stat, await readSysconf(), new Map());
    return typeof result === 'string' ? null : result;
  }

  private async readFigures(pid: number): Promise<{ pid: number; stat: ParsedStat } | Skip> {
    let stat: ParsedStat | null;
    try {
      stat = parseStat(await this.files.readText(`${this.procRoot}/${pid}/stat`));
    } catch (err) {
      if (isVanished(err)) return 'vanished';
      return errnoCode(err) === 'EACCES' ? 'denied' : 'error';
    }
    return stat ? { pid, stat } : 'malformed';
  }

  /** The identity's details when they are known and still hold (not new, not exec'd, no empty command line to read again). */
  private knownDetails(pid: number, stat: ParsedStat): IdentityDetails | undefined {
    const details = this.details.get(identityKey(pid, stat));
    // exec() sets the new comm before the new command line exists: an empty one read in that
    // instant is read again next time rather than kept for the process's lifetime.
    const retry = details !== undefined && details.argv.length === 0 && !isKernelThread(stat) && stat.state !== 'Z';
    return details === undefined || details.comm !== stat.comm || retry ? undefined : details;
  }

  /** The record of a process whose stat was read, with its identity's details (read now when new or exec'd). */
  private async withDetails(pid: number, stat: ParsedStat, system: Pick<SystemInfo, 'pageSize'>, nextDetails: Map<string, IdentityDetails>): Promise<RawProcess | Skip> {
    let details = this.knownDetails(pid, stat);
    if (details === undefined) {
      let read: { details: IdentityDetails; stat: ParsedStat } | null;
      try {
        read = await this.readDetails(`${this.procRoot}/${pid}`, stat);
      } catch {
        return 'error';
      }
      if (!read) return 'vanished';
      ({ details, stat } = read);
    }
    nextDetails.set(identityKey(pid, stat), details);
    return processRecord(pid, stat, details, system.pageSize);
  }

  /**
   * Reads argv, exe and owner; null when the process vanished meanwhile. The comm was read with
   * the figures, the command line after them: a process that exec'd in between would pair its old
   * comm with its new command line. A command line that does not start with the comm is checked
   * against the comm as it is now, and read again with it when they differ (bounded, as natively).
   */
  private async readDetails(dir: string, stat: ParsedStat): Promise<{ details: IdentityDetails; stat: ParsedStat } | null> {
    const kernelThread = isKernelThread(stat);
    const uidRead = this.files.ownerUid(dir).catch((err: unknown) => (isVanished(err) ? null : Promise.reject(err)));
    // Awaited after the command line: marked handled now, so a failure meanwhile is not an
    // unhandled rejection (the await below still throws it).
    uidRead.catch(() => undefined);
    let argv: string[] | null = [];
    let exe: string | null = null;
    // Kernel threads have no command line and no executable: skip two syscalls each.
    for (let attempt = 0; attempt < 3 && !kernelThread; attempt++) {
      [argv, exe] = await Promise.all([this.readArgv(dir), this.readExe(dir)]);
      if (argv === null || argv.length === 0 || commFits(argv[0] as string, stat.comm) || attempt === 2) break;
      // It exec'd since the figures were read: the row takes the comm and figures read now
      // (setsid and the like change the session before the exec), and the command line read next.
      const now = await this.statNow(dir, stat.startTime);
      if (now === null || now.comm === stat.comm) break;
      stat = now;
    }
    const uid = await uidRead;
    if (uid === null || argv === null) return null;
    await this.users.prepare([uid]);
    return { details: { comm: stat.comm, argv, exe, uid, user: this.users.nameOf(uid) }, stat };
  }

  /** The process's stat now, or null when unreadable or no longer the process started at startTime. */
  private async statNow(dir: string, startTime: number): Promise<ParsedStat | null> {
    try {
      const stat = parseStat(await this.files.readText(`${dir}/stat`));
      return stat !== null && stat.startTime === startTime ? stat : null;
    } catch {
      return null;
    }
  }

  /** argv, [] when unreadable (EACCES), null when the process is gone. */
  private async readArgv(dir: string): Promise<string[] | null> {
    try {
      return parseCmdline(await this.files.readText(`${dir}/cmdline`));
    } catch (err) {
      return isVanished(err) ? null : [];
    }
  }

  /** exe target, null when unreadable; zombies and kernel threads report ENOENT while alive. */
  private async readExe(dir: string): Promise<string | null> {
    try {
      return await this.files.readLink(`${dir}/exe`);
    } catch {
      return null;
    }
  }
}

/** Bytes of a program's name the kernel keeps as its comm (TASK_COMM_LEN less the NUL). */
const COMM_BYTES = 15;

/**
 * True when argv[0]'s base name starts like comm does: the usual pair, which an exec between
 * reading one and the other cannot have made. (Compared in UTF-16 units: a name the kernel cut
 * inside a multi-byte character only costs one more stat read.)
 */
function commFits(argv0: string, comm: string): boolean {
  const base = argv0.slice(argv0.lastIndexOf('/') + 1);
  return base === comm || (comm.length >= COMM_BYTES && base.startsWith(comm));
}

function identityKey(pid: number, stat: ParsedStat): string {
  return `${pid}:${stat.startTime}`;
}

/** The record of a process from its stat and its identity's details. */
function processRecord(pid: number, stat: ParsedStat, details: IdentityDetails, pageSize: number): RawProcess {
  return {
    pid,
    startTime: stat.startTime,
    ppid: stat.ppid,
    pgid: stat.pgid,
    sid: stat.sid,
    uid: details.uid,
    user: details.user,
    state: stat.state,
    comm: stat.comm,
    argv: details.argv,
    exe: details.exe,
    utime: stat.utime,
    stime: stat.stime,
    rssBytes: stat.rssPages * pageSize,
    vsizeBytes: stat.vsizeBytes,
    threads: stat.threads,
    nice: stat.nice,
    priority: stat.priority,
    ttyNr: stat.ttyNr,
    isKernelThread: isKernelThread(stat),
  };
}


// Vanishing processes are normal churn and stay silent; the rest is worth one line each.
function skipWarnings(skips: ReadonlyMap<Skip, number>): string[] {
  const warnings: string[] = [];
  const denied = skips.get('denied') ?? 0;
  const malformed = skips.get('malformed') ?? 0;
  const failed = skips.get('error') ?? 0;
  if (denied > 0) warnings.push(`${denied} process(es) skipped: permission denied reading stat`);
  if (malformed > 0) warnings.push(`${malformed} process(es) skipped: unparsable stat`);
  if (failed > 0) warnings.push(`${failed} process(es) skipped: read error`);
  return warnings;
}
