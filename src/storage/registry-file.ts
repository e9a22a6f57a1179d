// The tracked-process registry on disk: $XDG_STATE_HOME/proctop/registry.json (PROCTOP_REGISTRY
// overrides). Versioned JSON people can read. Every change is a locked read-modify-write and an
// atomic replace (write-file-atomic: temp file, fsync, rename; then the directory is fsynced), so
// concurrent proctops never lose an update and a crash mid-write leaves the old file or the new
// one, never a torn or empty one. A file that does not parse is an error naming it: it is never
// replaced, whatever the command.
import { constants } from 'node:fs';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { RegistryData, TrackedEntry } from './registry-entry.js';
import { withFileLock, type FileLockOptions, type LockDeps } from './file-lock.js';
import { ensureStateDir, openStateFile, StateDirError, stateDirPath } from './state-dir.js';

/** `format` field of the file: says what it is to someone who opens it. */
export const REGISTRY_FORMAT = 'proctop-registry';
/** Version of the file layout this proctop reads and writes. */
export const REGISTRY_VERSION = 1;

/** The registry file cannot be used (does not parse, newer version, not a file...): exit 1, file untouched. */
export class RegistryFileError extends Error {
  override readonly name = 'RegistryFileError';
}

/** An empty registry: ids start at 1. */
export const EMPTY_REGISTRY: RegistryData = { nextId: 1, entries: [] };

/** PROCTOP_REGISTRY (made absolute) or <state dir>/registry.json. */
export function registryPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.PROCTOP_REGISTRY;
  if (override !== undefined && override !== '') return isAbsolute(override) ? override : resolve(override);
  return join(stateDirPath({ env }), 'registry.json');
}

/** Where `track run` logs go by default: <registry dir>/logs/ID.log. */
export function defaultLogPath(path: string, id: number): string {
  return join(dirname(path), 'logs', `${id}.log`);
}

/** Creates the registry's directory: the checked 0700 state dir, or (PROCTOP_REGISTRY) a 0700 dir if missing. */
export async function ensureRegistryDir(path: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const dir = dirname(path);
  if (!env.PROCTOP_REGISTRY && dir === stateDirPath({ env })) await ensureStateDir({ env });
  else await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Creates <registry dir>/logs (0700) for `track run` logs. */
export async function ensureLogDir(path: string): Promise<string> {
  const dir = join(dirname(path), 'logs');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function stringArray(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null;
}

function nullableString(value: unknown): string | null | undefined {
  return value === null || value === undefined ? null : typeof value === 'string' ? value : undefined;
}

/** One stored entry (snake_case) → TrackedEntry; null when a required field is missing or wrong. */
function entryFromJson(raw: Record<string, unknown>): TrackedEntry | null {
  const tags = stringArray(raw.tags);
  const groups = stringArray(raw.groups);
  const argv = stringArray(raw.cmdline);
  const name = nullableString(raw.name);
  const exe = nullableString(raw.exe);
  const lastSeen = nullableString(raw.last_seen);
  const firstSeenDead = nullableString(raw.first_seen_dead);
  const logPath = nullableString(raw.log_path);
  const cwd = nullableString(raw.cwd);
  const ints = [raw.id, raw.pid, raw.start_time, raw.uid];
  if (!ints.every((v) => Number.isSafeInteger(v))) return null;
  if (typeof raw.boot_id !== 'string' || typeof raw.user !== 'string' || typeof raw.created_at !== 'string') return null;
  if (!tags || !groups || !argv || [name, exe, lastSeen, firstSeenDead, logPath, cwd].includes(undefined)) return null;
  return {
    id: raw.id as number,
    pid: raw.pid as number,
    startTime: raw.start_time as number,
    bootId: raw.boot_id,
    name: name ?? null,
    tags,
    groups,
    argv,
    exe: exe ?? null,
    uid: raw.uid as number,
    user: raw.user,
    createdAt: raw.created_at,
    lastSeen: lastSeen ?? null,
    firstSeenDead: firstSeenDead ?? null,
    logPath: logPath ?? null,
    cwd: cwd ?? null,
    origin: raw.origin === 'run' ? 'run' : 'add',
  };
}

/** TrackedEntry → the stored record (snake_case, like every JSON proctop writes). */
export function entryToJson(e: TrackedEntry): Record<string, unknown> {
  return {
    id: e.id,
    pid: e.pid,
    start_time: e.startTime,
    boot_id: e.bootId,
    name: e.name,
    tags: e.tags,
    groups: e.groups,
    cmdline: e.argv,
    exe: e.exe,
    uid: e.uid,
    user: e.user,
    created_at: e.createdAt,
    last_seen: e.lastSeen,
    first_seen_dead: e.firstSeenDead,
    log_path: e.logPath,
    cwd: e.cwd,
    origin: e.origin,
  };
}

/** Parses the file's text; throws RegistryFileError naming `path` and the problem. */
export function parseRegistry(text: string, path: string): RegistryData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Not Node's message: it quotes the file's text, which may hold control bytes.
    const at = /position (\d+)/.exec((err as Error).message);
    throw new RegistryFileError(`registry ${path} does not parse as JSON${at ? ` (at byte ${at[1]})` : ''}; it was left as it is: fix it or move it away`);
  }
  const bad = (why: string): RegistryFileError => new RegistryFileError(`registry ${path} is not a proctop registry (${why}); it was left as it is: fix it or move it away`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not a JSON object');
  const doc = raw as Record<string, unknown>;
  if (doc.format !== REGISTRY_FORMAT) throw bad(`format is ${JSON.stringify(doc.format)}`);
  if (typeof doc.version !== 'number') throw bad('no version');
  if (doc.version > REGISTRY_VERSION) throw new RegistryFileError(`registry ${path} has version ${doc.version}, written by a newer proctop (this one reads ${REGISTRY_VERSION}); it was left as it is`);
  if (!Number.isSafeInteger(doc.next_id) || (doc.next_id as number) < 1) throw bad('next_id is not a positive integer');
  if (!Array.isArray(doc.entries)) throw bad('entries is not an array');
  const entries: TrackedEntry[] = [];
  for (const [index, item] of doc.entries.entries()) {
    const entry = typeof item === 'object' && item !== null ? entryFromJson(item as Record<string, unknown>) : null;
    if (!entry) throw bad(`entries[${index}] is malformed`);
    entries.push(entry);
  }
  return { nextId: doc.next_id as number, entries };
}

/** The file's text for data: versioned, pretty-printed for people, one trailing newline. */
export function serializeRegistry(data: RegistryData): string {
  return `${JSON.stringify({ format: REGISTRY_FORMAT, version: REGISTRY_VERSION, next_id: data.nextId, entries: data.entries.map(entryToJson) }, null, 2)}\n`;
}

/**
 * Reads the registry. A missing file is an empty registry; a symlink, a FIFO, a file owned by
 * another user or a file that does not parse is a RegistryFileError (see openStateFile).
 */
export async function readRegistryFile(path: string): Promise<RegistryData> {
  let handle;
  try {
    handle = await openStateFile(path, 'read');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_REGISTRY;
    if (err instanceof StateDirError) throw new RegistryFileError(`registry: ${err.message}`);
    throw new RegistryFileError(`registry ${path} cannot be read: ${(err as Error).message}`);
  }
  try {
    return parseRegistry(await handle.readFile('utf8'), path);
  } finally {
    await handle.close();
  }
}

/** Modification time and size of the registry file (null when missing): cheap change detection. */
export async function registryStamp(path: string): Promise<string | null> {
  try {
    const info = await stat(path);
    return `${info.mtimeMs}:${info.size}:${info.ino}`;
  } catch {
    return null;
  }
}

// write-file-atomic names its temp files <file>.<uint32>: one left by a writer killed mid-write is
// garbage (only the lock holder writes), removed by the next writer.
async function removeOrphanTemps(path: string): Promise<void> {
  const name = basename(path);
  const pattern = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.\\d+$`);
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => pattern.test(n)).map((n) => unlink(join(dirname(path), n)).catch(() => {})));
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces the registry atomically (0600; temp file fsynced, renamed, directory fsynced). Call under the lock. */
export async function writeRegistryFile(path: string, data: RegistryData): Promise<void> {
  await removeOrphanTemps(path);
  await writeFileAtomic(path, serializeRegistry(data), { mode: 0o600, fsync: true });
  await fsyncDir(dirname(path));
}

/** What an update callback returns: the new data to write (null: nothing changed) and its result. */
export interface RegistryChange<T> {
  readonly data: RegistryData | null;
  readonly result: T;
}

/**
 * Locked read-modify-write: takes `<path>.lock` (bounded wait, stale locks broken), reads the
 * current file, lets `change` decide, writes the result atomically when there is one.
 */
export async function updateRegistryFile<T>(path: string, lockDeps: LockDeps, change: (data: RegistryData) => RegistryChange<T> | Promise<RegistryChange<T>>, lockOptions?: FileLockOptions): Promise<T> {
  return withFileLock(
    `${path}.lock`,
    lockDeps,
    async () => {
      const current = await readRegistryFile(path);
      const { data, result } = await change(current);
      if (data) await writeRegistryFile(path, data);
      return result;
    },
    lockOptions,
  );
}
