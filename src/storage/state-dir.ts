// proctop's state directory: <the effective user's state home>/proctop, mode 0700, owned by that
// user, never reached through a symlink. Under sudo $HOME and $XDG_STATE_HOME may still be the
// calling user's: the home comes from the password database of the effective uid, and
// XDG_STATE_HOME counts only when it belongs to the effective user. So no user can steer where
// root writes.
import { constants, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, type FileHandle } from 'node:fs/promises';
import { makeDirectories } from './make-dirs.js';
import { dirname, isAbsolute, join } from 'node:path';
import { effectiveUid, lookupAccount, type PasswdAccount } from '../sys/accounts.js';
import { ownerOfNearest } from '../util/owner-of-nearest.js';

/** A state directory or file proctop refuses to use, and why (one line for people). */
export class StateDirError extends Error {
  override readonly name = 'StateDirError';
}

/** What resolution reads; tests inject their own. */
export interface StateDirOptions {
  /** Environment (default process.env): only XDG_STATE_HOME and HOME are looked at. */
  readonly env?: NodeJS.ProcessEnv;
  /** Effective uid (default the process's). */
  readonly euid?: number;
  /** getpwuid (default: the password database through src/sys). */
  readonly lookupAccount?: (uid: number) => PasswdAccount | null;
}

/** Name of proctop's directory inside the state home. */
export const STATE_DIR_NAME = 'proctop';

/**
 * The effective user's XDG state home: $XDG_STATE_HOME when absolute and the effective user's own
 * (it, or its nearest existing ancestor, is owned by the effective uid), else <home>/.local/state
 * where home is the effective uid's passwd entry ($HOME only when passwd has none and the
 * effective user owns it). Throws StateDirError when there is no such home.
 */
export function stateHome(options: StateDirOptions = {}): string {
  const env = options.env ?? process.env;
  const euid = options.euid ?? effectiveUid();
  const xdg = env.XDG_STATE_HOME;
  if (xdg && isAbsolute(xdg) && ownerOfNearest(xdg) === euid) return xdg;
  const account = (options.lookupAccount ?? lookupAccount)(euid);
  let home = account && isAbsolute(account.home) ? account.home : null;
  if (home === null && env.HOME && isAbsolute(env.HOME) && ownerOfNearest(env.HOME) === euid) home = env.HOME;
  if (home === null) throw new StateDirError(`no state directory: uid ${euid} has no home directory in the password database`);
  return join(home, '.local', 'state');
}

/** <state home>/proctop (not created: see ensureStateDir). */
export function stateDirPath(options: StateDirOptions = {}): string {
  return join(stateHome(options), STATE_DIR_NAME);
}

/** Who owns uid, for messages: "root (uid 0)". */
function describeUid(uid: number, lookup: (uid: number) => PasswdAccount | null): string {
  const name = lookup(uid)?.name;
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

/**
 * Checks a state directory that exists: a real directory (not a symlink), owned by the effective
 * user; a looser mode is tightened to 0700. Refuses like ssh does ("bad ownership").
 */
export async function checkStateDir(dir: string, options: StateDirOptions = {}): Promise<void> {
  const euid = options.euid ?? effectiveUid();
  const lookup = options.lookupAccount ?? lookupAccount;
  const info = await lstat(dir);
  if (info.isSymbolicLink()) throw new StateDirError(`refusing state directory ${dir}: it is a symbolic link`);
  if (!info.isDirectory()) throw new StateDirError(`refusing state directory ${dir}: not a directory`);
  if (info.uid !== euid) {
    throw new StateDirError(`bad ownership of state directory ${dir}: owned by ${describeUid(info.uid, lookup)}, not by the effective user ${describeUid(euid, lookup)}`);
  }
  if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

/**
 * Creates (0700) and checks proctop's state directory; returns its path. `dir` overrides the
 * resolved location (tests, or a caller that already resolved it). Throws StateDirError.
 */
export async function ensureStateDir(options: StateDirOptions & { readonly dir?: string } = {}): Promise<string> {
  const dir = options.dir ?? stateDirPath(options);
  await makeDirectories(dirname(dir), 0o700);
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await checkStateDir(dir, options);
  return dir;
}

// O_NONBLOCK: a FIFO planted at the path must not hang the open; O_NOFOLLOW: nor may a symlink
// redirect it. Both are checked again on the open descriptor (fstat), which nothing can swap.
const SAFE_OPEN = constants.O_NOFOLLOW | constants.O_NONBLOCK; // (libuv adds O_CLOEXEC itself)

/** How a state file is opened: read it, or append to it (created 0600). */
export type StateFileMode = 'read' | 'append';

/**
 * Opens a file in the state directory without following a symlink, without blocking on a FIFO,
 * and only if it is a regular file owned by the effective user (a looser mode becomes 0600).
 * Throws StateDirError for those refusals, the fs error otherwise (ENOENT for a missing file to read).
 */
export async function openStateFile(path: string, mode: StateFileMode, options: StateDirOptions = {}): Promise<FileHandle> {
  const flags = mode === 'read' ? constants.O_RDONLY | SAFE_OPEN : constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | SAFE_OPEN;
  let handle: FileHandle;
  try {
    handle = await open(path, flags, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new StateDirError(`refusing ${path}: it is a symbolic link`);
    if (code === 'ENXIO') throw new StateDirError(`refusing ${path}: not a regular file (a FIFO)`);
    throw err;
  }
  try {
    const info = await handle.stat();
    checkStateFile(path, info, options);
    if (mode === 'append' && (info.mode & 0o777) !== 0o600) await handle.chmod(0o600);
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function checkStateFile(path: string, info: Stats, options: StateDirOptions): void {
  const euid = options.euid ?? effectiveUid();
  if (!info.isFile()) throw new StateDirError(`refusing ${path}: not a regular file`);
  if (info.uid !== euid) {
    const lookup = options.lookupAccount ?? lookupAccount;
    throw new StateDirError(`bad ownership of ${path}: owned by ${describeUid(info.uid, lookup)}, not by the effective user ${describeUid(euid, lookup)}`);
  }
}
