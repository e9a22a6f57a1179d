// The working directory of a process (readlink /proc/PID/cwd): one async syscall, so the detail
// view can refresh it without blocking the event loop. Errors are values, like FdListing.error.
import { readlink } from 'node:fs/promises';
import { errnoCode } from './js/proc-files.js';

/** Where a process works, or why that cannot be read. */
export type ProcessCwd =
  | { readonly path: string; readonly error: null }
  | {
      readonly path: null;
      /** EACCES: another user's process (not running as its owner or root); ENOENT: the process is gone. */
      readonly error: 'EACCES' | 'ENOENT' | 'OTHER';
      /** The OS error text, for the OTHER case. */
      readonly message: string;
    };

/** Reads the cwd link of one process; never rejects. */
export async function readProcessCwd(pid: number, procRoot = '/proc'): Promise<ProcessCwd> {
  try {
    return { path: await readlink(`${procRoot}/${pid}/cwd`), error: null };
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'EACCES' || code === 'EPERM') return { path: null, error: 'EACCES', message: 'permission denied' };
    if (code === 'ENOENT' || code === 'ESRCH') return { path: null, error: 'ENOENT', message: 'process has exited' };
    return { path: null, error: 'OTHER', message: err instanceof Error ? err.message : String(err) };
  }
}
