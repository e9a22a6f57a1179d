// A lock file for read-modify-write of proctop's own files by concurrent proctop processes.
//
// Taking it: the holder's record (boot id, pid, start time, a random token) is written to a
// private temp file first and hard-linked to LOCK: link() fails with EEXIST when LOCK exists, so
// creation is atomic and a lock file is never seen half-written.
// Waiting is bounded: timeoutMs on any one holder (a lock held too long is an error naming the
// holder), and LOCK_QUEUE_HOLDERS times that in all while the lock passes between holders.
// A stale lock (its holder's identity no longer alive: exited, PID reused, or another boot) is
// broken, but only under a second lock (LOCK.break), and only if LOCK still holds the very record
// that was judged stale: two waiters can never both break it, and nobody deletes a fresh lock.
// A breaker that dies inside that short step leaves LOCK.break behind; it is broken the same way,
// by moving it aside and checking it is still the dead breaker's before deleting it.
// Random tokens come from the Web Crypto global (crypto.randomUUID), which Node loads at first use:
// importing node:crypto here would load it on the monitor's way to its first frame (~3 ms).
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { ProcessIdentity } from '../sys/types.js';

/** Who holds a lock: a process identity that stays meaningful across reboots. */
export interface LockHolder extends ProcessIdentity {
  readonly bootId: string;
  /** Random per acquisition: tells two holders with the same identity apart. */
  readonly token: string;
  /** ISO 8601 time the lock was taken. */
  readonly acquiredAt: string;
}

/** What the lock needs from outside (the OS boundary in production, fakes in tests). */
export interface LockDeps {
  /** This process's identity and boot id. */
  readonly self: () => Promise<{ readonly pid: number; readonly startTime: number; readonly bootId: string }>;
  /** True while the holder's process (same boot, pid and start time) is alive. */
  readonly holderAlive: (holder: LockHolder) => Promise<boolean>;
  /** Wall-clock ms. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface FileLockOptions {
  /** Longest wait for a live holder, ms (default 5000). */
  readonly timeoutMs?: number;
  /** Pause between attempts, ms (default 10, with jitter). */
  readonly pollMs?: number;
  /** A lock file that does not parse counts as stale once older than this, ms (default 10000). */
  readonly unreadableStaleMs?: number;
}

/** Default bound of a lock wait. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;
/** A waiter waits on this many holders' timeouts in all at most (30 s with the default). */
export const LOCK_QUEUE_HOLDERS = 6;

/** The lock was held by a live process for longer than the bounded wait. */
export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Parses a lock file's text; null when it is not a holder record. */
export function parseLockHolder(text: string): LockHolder | null {
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    if (typeof raw.pid !== 'number' || typeof raw.start_time !== 'number' || typeof raw.boot_id !== 'string' || typeof raw.token !== 'string') return null;
    return { pid: raw.pid, startTime: raw.start_time, bootId: raw.boot_id, token: raw.token, acquiredAt: String(raw.acquired_at ?? '') };
  } catch {
    return null;
  }
}

function holderText(holder: LockHolder): string {
  return `${JSON.stringify({ pid: holder.pid, start_time: holder.startTime, boot_id: holder.bootId, token: holder.token, acquired_at: holder.acquiredAt })}\n`;
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  }
}

async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

/** Is the lock text at hand stale (its holder dead, or unreadable and old)? */
async function isStale(text: string, path: string, deps: LockDeps, unreadableStaleMs: number): Promise<boolean> {
  const holder = parseLockHolder(text);
  if (holder) return !(await deps.holderAlive(holder));
  // Not a record we wrote (link() never exposes a partial one): garbage; give a foreign writer time.
  try {
    const { mtimeMs } = await stat(path);
    return deps.now() - mtimeMs > unreadableStaleMs;
  } catch {
    return false;
  }
}

/**
 * Breaks `path` if it still holds exactly `staleText`. Runs under `path.break`, taken with the
 * same link() trick (`mine` is this process's holder file); returns without breaking when
 * another live process is breaking right now (the caller simply retries).
 */
async function breakStale(path: string, staleText: string, mine: string, deps: LockDeps, options: Required<FileLockOptions>): Promise<void> {
  const breaker = `${path}.break`;
  try {
    await link(mine, breaker);
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw err;
    const text = await readText(breaker);
    if (text === null || !(await isStale(text, breaker, deps, options.unreadableStaleMs))) return;
    // A breaker died mid-break: move its file aside, and delete it only if it is still that one.
    const aside = `${breaker}.${crypto.randomUUID()}`;
    try {
      await rename(breaker, aside);
    } catch (renameErr) {
      if (errno(renameErr) === 'ENOENT') return;
      throw renameErr;
    }
    if ((await readText(aside)) !== text) await link(aside, breaker).catch(() => {});
    await unlinkQuietly(aside);
    return;
  }
  try {
    if ((await readText(path)) === staleText) await unlinkQuietly(path);
  } finally {
    await unlinkQuietly(breaker);
  }
}

/**
 * Runs fn while holding the lock file `path`; waits at most options.timeoutMs for a live holder
 * (then LockTimeoutError), breaks a dead holder's lock. The lock is released when fn settles.
 */
export async function withFileLock<T>(path: string, deps: LockDeps, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const opts: Required<FileLockOptions> = {
    timeoutMs: options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    pollMs: options.pollMs ?? 10,
    unreadableStaleMs: options.unreadableStaleMs ?? 10_000,
  };
  const self = await deps.self();
  const holder: LockHolder = { ...self, token: crypto.randomUUID(), acquiredAt: new Date(deps.now()).toISOString() };
  const text = holderText(holder);
  const mine = `${path}.${holder.token}.holder`;
  await writeFile(mine, text, { mode: 0o600, flag: 'wx' });
  // timeoutMs bounds the wait on any one holder: while the lock passes from holder to holder the
  // queue moves and the wait goes on (50 concurrent `track add` on a slow 2-CPU box took over 5 s
  // in all), up to LOCK_QUEUE_HOLDERS holders' worth. A holder that keeps it timeoutMs is an error.
  let deadline = deps.now() + opts.timeoutMs;
  const giveUpAt = deps.now() + opts.timeoutMs * LOCK_QUEUE_HOLDERS;
  let seenHolder: string | null = null;
  try {
    for (;;) {
      try {
        await link(mine, path);
        break;
      } catch (err) {
        if (errno(err) !== 'EEXIST') throw err;
      }
      const current = await readText(path);
      if (current !== null && (await isStale(current, path, deps, opts.unreadableStaleMs))) {
        await breakStale(path, current, mine, deps, opts);
      } else if (current !== null) {
        if (current !== seenHolder) {
          seenHolder = current;
          deadline = Math.max(deadline, deps.now() + opts.timeoutMs);
        }
        if (deps.now() > deadline || deps.now() > giveUpAt) {
          const other = parseLockHolder(current);
          const who = other ? `PID ${other.pid} (since ${other.acquiredAt})` : 'an unreadable lock file';
          const waited = deps.now() > giveUpAt ? `${opts.timeoutMs * LOCK_QUEUE_HOLDERS} ms in all` : `${opts.timeoutMs} ms`;
          throw new LockTimeoutError(`${path} is locked by ${who}; gave up after ${waited}`);
        }
        await deps.sleep(opts.pollMs / 2 + Math.random() * opts.pollMs);
      }
      if (deps.now() > giveUpAt + opts.timeoutMs) throw new LockTimeoutError(`${path}: could not take the lock within ${opts.timeoutMs * LOCK_QUEUE_HOLDERS} ms`);
    }
  } finally {
    await unlinkQuietly(mine);
  }
  try {
    return await fn();
  } finally {
    // Ours unless something is badly wrong: never delete a lock that is not.
    if ((await readText(path)) === text) await unlinkQuietly(path);
  }
}
