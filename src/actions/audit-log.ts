import { appendFile, mkdir, open } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

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

/** $XDG_STATE_HOME/proctop/actions.jsonl, or ~/.local/state/proctop/actions.jsonl. */
export function auditLogPath(env: NodeJS.ProcessEnv = process.env): string {
  const stateHome = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(stateHome, 'proctop', 'actions.jsonl');
}

/** Who is acting, for the record. */
export function currentActor(): Pick<AuditRecord, 'user' | 'uid' | 'sudoUser' | 'proctopPid'> {
  const uid = process.getuid?.() ?? -1;
  let user = String(uid);
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry: keep the uid as the name.
  }
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

/** Appends to a JSONL file (created 0600 in a 0700 directory); a failure becomes a warning. */
export function createFileAuditSink(path = auditLogPath()): AuditSink {
  return {
    async append(record) {
      try {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        // One write call per line with O_APPEND: concurrent proctops do not interleave lines.
        await appendFile(path, toLine(record), { mode: 0o600 });
        return null;
      } catch (err) {
        return `audit log not written (${path}): ${(err as Error).message}`;
      }
    },
  };
}

/** How much of the log's tail is read for the history view. */
const HISTORY_TAIL_BYTES = 512 * 1024;

/** The newest `limit` records, oldest first (for the TUI's H view). Missing log → empty list. */
export async function readRecentActions(limit = 50, path = auditLogPath()): Promise<AuditRecord[]> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return [];
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
