// Links of one process read fresh for the detail view: cwd, and exe (the snapshot caches exe per
// identity, so a binary replaced since then only shows its " (deleted)" mark on a fresh read).
// One async readlink each, never blocking the event loop. Errors are values, like FdListing.error.
import { readlink } from 'node:fs/promises';
import { errnoCode } from './js/proc-files.js';

/** The target of a /proc/PID link, or why it cannot be read. */
export type ProcessLink =
  | { readonly path: string; readonly error: null }
  | {
      readonly path: null;
      /** EACCES: another user's process (not running as its owner or root); ENOENT: gone, or no such link (kernel thread exe). */
      readonly error: 'EACCES' | 'ENOENT' | 'OTHER';
      /** The OS error text. */
      readonly message: string;
    };

/** Which link of /proc/PID. */
export type ProcessLinkName = 'cwd' | 'exe' | 'root';

/** Reads one link of one process; never rejects. */
export async function readProcessLink(pid: number, name: ProcessLinkName, procRoot = '/proc'): Promise<ProcessLink> {
  try {
    return { path: await readlink(`${procRoot}/${pid}/${name}`), error: null };
  } catch (err) {
    const code = errnoCode(err);
    const message = err instanceof Error ? err.message : String(err);
    if (code === 'EACCES' || code === 'EPERM') return { path: null, error: 'EACCES', message };
    if (code === 'ENOENT' || code === 'ESRCH') return { path: null, error: 'ENOENT', message };
    return { path: null, error: 'OTHER', message };
  }
}
