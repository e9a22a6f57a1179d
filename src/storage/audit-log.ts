// The audit log: one JSON line per action in <state dir>/actions.jsonl. Each record is one
// write() of one whole line with O_APPEND, so concurrent proctops never interleave; a short write
// (full disk) is cut back off, so no torn line is left for the next record to be glued to.
import { dirname, join } from 'node:path';
import { effectiveUid, lookupAccount } from '../sys/accounts.js';
import { checkStateDir, ensureStateDir, openStateFile, stateDirPath, StateDirError, type StateDirOptions } from './state-dir.js';

/** One target of a logged action, with the identity it had when it was acted on. */
export interface AuditTarget {
  readonly pid: number;
  /** Start time in clock ticks (null when the target never resolved to a process). */
  readonly startTime: number | null;
  readonly comm: string | null;
  /** The per-target outcome or fate, e.g. "sent", "reused", "killed". */
  readonly outcome: string;
  /** Why, when the outcome is not a success. */
  readonly reason: string | null;
}

/** One line of actions.jsonl. */
export interface AuditRecord {
  /** ISO 8601 time of the action. */
  readonly time: string;
  /** Login name of the user running proctop (uid as text when unnamed). */
  readonly user: string;
  readonly uid: number;
  /** The invoking user behind sudo, if any. */
  readonly sudoUser: string | null;
  /** proctop's own pid. */
  readonly proctopPid: number;
  /** kill | terminate-tree (later: renice). */
  readonly action: string;
  /** Signal number sent first (0 = probe). */
  readonly signal: number;
  /** The escalation signal of terminate-tree, null for kill. */
  readonly killSignal: number | null;
  readonly targets: readonly AuditTarget[];
  /** Action-level summary, e.g. "refused: PID 1 (init) is protected". */
  readonly summary: string;
  readonly warnings: readonly string[];
}

/** Where actions go; returns a warning instead of throwing when the record could not be kept. */
export interface AuditSink {
  append(record: AuditRecord): Promise<string | null>;
}

/** File name of the log inside proctop's state directory. */
export const AUDIT_LOG_NAME = 'actions.jsonl';

/** <the effective user's state dir>/actions.jsonl (see state-dir.ts). Throws StateDirError when there is none. */
export function auditLogPath(options: StateDirOptions = {}): string {
  return join(stateDirPath(options), AUDIT_LOG_NAME);
}

/** Who is acting, for the record: the effective user (and the sudo caller behind it, if any). */
export function currentActor(): Pick<AuditRecord, 'user' | 'uid' | 'sudoUser' | 'proctopPid'> {
  const uid = effectiveUid();
  // No passwd entry: keep the uid as the name.
  const user = lookupAccount(uid)?.name ?? String(uid);
  return { user, uid, sudoUser: process.env.SUDO_USER ?? null, proctopPid: process.pid };
}

// The file keeps snake_case like every JSON proctop writes; TypeScript keeps camelCase.
function toLine(record: AuditRecord): string {
  return `${JSON.stringify({
    time: record.time,
    user: record.user,
    uid: record.uid,
    sudo_user: record.sudoUser,
    proctop_pid: record.proctopPid,
    action: record.action,
    signal: record.signal,
    kill_signal: record.killSignal,
    targets: record.targets.map((t) => ({ pid: t.pid, start_time: t.startTime, comm: t.comm, outcome: t.outcome, reason: t.reason })),
    summary: record.summary,
    warnings: record.warnings,
  })}\n`;
}

function fromLine(line: string): AuditRecord | null {
  try {
    const raw = JSON.parse(line) as Record<string, unknown>;
    if (typeof raw.time !== 'string' || typeof raw.action !== 'string' || !Array.isArray(raw.targets)) return null;
    return {
      time: raw.time,
      user: String(raw.user ?? ''),
      uid: Number(raw.uid ?? -1),
      sudoUser: typeof raw.sudo_user === 'string' ? raw.sudo_user : null,
      proctopPid: Number(raw.proctop_pid ?? 0),
      action: raw.action,
      signal: Number(raw.signal ?? 0),
      killSignal: typeof raw.kill_signal === 'number' ? raw.kill_signal : null,
      targets: (raw.targets as Record<string, unknown>[]).map((t) => ({
        pid: Number(t.pid),
        startTime: typeof t.start_time === 'number' ? t.start_time : null,
        comm: typeof t.comm === 'string' ? t.comm : null,
        outcome: String(t.outcome ?? ''),
        reason: typeof t.reason === 'string' ? t.reason : null,
      })),
      summary: String(raw.summary ?? ''),
      warnings: Array.isArray(raw.warnings) ? raw.warnings.map(String) : [],
    };
  } catch {
    return null;
  }
}

/** Options of the file sink. */
export interface FileAuditSinkOptions extends StateDirOptions {
  /** The log file (default: resolved for the effective user at each append). */
  readonly path?: string;
}

/**
 * Appends one line per record to the log; the directory is created 0700 and checked (owner, no
 * symlink), the file opened 0600 without following symlinks or blocking on a FIFO. A failure
 * becomes a warning: the action has happened, the record could not be kept.
 */
export function createFileAuditSink(pathOrOptions: string | FileAuditSinkOptions = {}): AuditSink {
  const options: FileAuditSinkOptions = typeof pathOrOptions === 'string' ? { path: pathOrOptions } : pathOrOptions;
  return {
    async append(record) {
      let path = options.path ?? '(state directory)';
      try {
        path = options.path ?? auditLogPath(options);
        await ensureStateDir({ ...options, dir: dirname(path) });
        await appendWholeLine(path, Buffer.from(toLine(record)), options);
        return null;
      } catch (err) {
        return `audit log not written (${path}): ${(err as Error).message}`;
      }
    },
  };
}

/**
 * One write() of the whole line (O_APPEND: the kernel places it at the end atomically with respect
 * to other appenders). A short write (disk full) leaves a torn line: it is truncated away again
 * when it is still the file's tail, and reported.
 */
async function appendWholeLine(path: string, line: Buffer, options: StateDirOptions): Promise<void> {
  const handle = await openStateFile(path, 'append', options);
  try {
    const { bytesWritten } = await handle.write(line, 0, line.length);
    if (bytesWritten === line.length) return;
    const { size } = await handle.stat();
    const tail = Buffer.alloc(bytesWritten);
    await handle.read(tail, 0, bytesWritten, size - bytesWritten);
    // Only our own torn bytes are cut: if another writer appended after them, they stay (the
    // reader skips a damaged line) rather than cutting someone else's record.
    if (tail.equals(line.subarray(0, bytesWritten))) await handle.truncate(size - bytesWritten);
    throw new Error(`short write (${bytesWritten} of ${line.length} bytes; disk full?): record dropped`);
  } finally {
    await handle.close();
  }
}

/** How much of the log's tail is read for the history view. */
const HISTORY_TAIL_BYTES = 512 * 1024;

/** The newest `limit` records, oldest first (for the TUI's H view). Missing log → empty list. */
export async function readRecentActions(limit = 50, path?: string, options: StateDirOptions = {}): Promise<AuditRecord[]> {
  const logPath = path ?? auditLogPath(options);
  let handle;
  try {
    await checkStateDir(dirname(logPath), options);
    handle = await openStateFile(logPath, 'read', options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - HISTORY_TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    let lines = buffer.toString('utf8').split('\n');
    // A tail read starting mid-file begins with a partial line.
    if (start > 0) lines = lines.slice(1);
    const records = lines.filter((l) => l.trim() !== '').map(fromLine).filter((r): r is AuditRecord => r !== null);
    return records.slice(-limit);
  } finally {
    await handle.close();
  }
}

