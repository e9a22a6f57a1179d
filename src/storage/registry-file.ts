// The tracked-process registry on disk: $XDG_STATE_HOME/proctop/registry.json (PROCTOP_REGISTRY
// overrides). Versioned JSON people can read: one entry per line. Every change is a locked
// read-modify-write and an atomic replace (write-file-atomic: temp file, fsync, rename; then the
// directory is fsynced), so concurrent proctops never lose an update and a crash mid-write leaves
// the old file or the new one, never a torn or empty one. A file that does not parse is an error
// naming it: it is never replaced, whatever the command. What looks observe (last seen, first
// seen dead) goes to the small observations file beside it (seen-file.ts) and is folded in by the
// next change, so a look at 10,000 entries does not rewrite 10,000 entries.
import { constants } from 'node:fs';
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { writeFileAtomically } from './atomic-write.js';
import { entryToJson, REGISTRY_FORMAT, REGISTRY_VERSION, registryHead, type RegistryData, type TrackedEntry } from './registry-entry.js';
import { withFileLock, type FileLockOptions, type LockDeps } from './file-lock.js';
import { scanRegistryLines, type EntrySummary, type StoredLines } from './registry-lines.js';
import { addObservations, applySeen, NO_SEEN, parseSeen, seenPath, serializeSeen, type SeenObservation, type SeenRecords } from './seen-file.js';
import { ensureStateDir, openStateFile, StateDirError, stateDirPath } from './state-dir.js';

export { REGISTRY_FORMAT, REGISTRY_VERSION, entryToJson, registryHead };

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

// Called once per entry of a file that may hold 10,000: plain checks, no per-entry arrays.
function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (const v of value) if (typeof v !== 'string') return false;
  return true;
}

const isNullableString = (value: unknown): value is string | null | undefined => value === null || value === undefined || typeof value === 'string';

/** One stored entry (snake_case) → TrackedEntry; null when a required field is missing or wrong. */
function entryFromJson(raw: Record<string, unknown>): TrackedEntry | null {
  const { id, pid, start_time: startTime, uid, boot_id: bootId, user, created_at: createdAt, tags, groups, cmdline: argv } = raw;
  const { name, exe, last_seen: lastSeen, first_seen_dead: firstSeenDead, log_path: logPath, cwd } = raw;
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(pid) || !Number.isSafeInteger(startTime) || !Number.isSafeInteger(uid)) return null;
  if (typeof bootId !== 'string' || typeof user !== 'string' || typeof createdAt !== 'string') return null;
  if (!isStringArray(tags) || !isStringArray(groups) || !isStringArray(argv)) return null;
  if (!isNullableString(name) || !isNullableString(exe) || !isNullableString(lastSeen) || !isNullableString(firstSeenDead) || !isNullableString(logPath) || !isNullableString(cwd)) return null;
  return {
    id: id as number,
    pid: pid as number,
    startTime: startTime as number,
    bootId,
    name: name ?? null,
    tags,
    groups,
    argv,
    exe: exe ?? null,
    uid: uid as number,
    user,
    createdAt,
    lastSeen: lastSeen ?? null,
    firstSeenDead: firstSeenDead ?? null,
    logPath: logPath ?? null,
    cwd: cwd ?? null,
    origin: raw.origin === 'run' ? 'run' : 'add',
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
  if (doc.version > REGISTRY_VERSION || doc.version < 1) throw new RegistryFileError(`registry ${path} has version ${doc.version}, ${doc.version < 1 ? 'which no proctop writes' : 'written by a newer proctop'} (this one reads 1 to ${REGISTRY_VERSION}); it was left as it is`);
  if (!Number.isSafeInteger(doc.next_id) || (doc.next_id as number) < 1) throw bad('next_id is not a positive integer');
  if (!Array.isArray(doc.entries)) throw bad('entries is not an array');
  const entries: TrackedEntry[] = [];
  for (let index = 0; index < doc.entries.length; index++) {
    const item: unknown = doc.entries[index];
    const entry = typeof item === 'object' && item !== null ? entryFromJson(item as Record<string, unknown>) : null;
    if (!entry) throw bad(`entries[${index}] is malformed`);
    entries.push(entry);
  }
  return { nextId: doc.next_id as number, entries };
}

/**
 * The file's text for data: versioned JSON with one compact entry per line (readable, greppable,
 * a third of the indented size and parsed as one JSON document), one trailing newline.
 */
export function serializeRegistry(data: RegistryData): string {
  const lines = data.entries.map((e) => JSON.stringify(entryToJson(e)));
  return `${registryHead(data.nextId)}${lines.join(',\n')}\n]}\n`;
}

/** The registry file as parsed, with the bytes it was parsed from (empty: no file). */
export interface ParsedRegistry {
  readonly bytes: Buffer;
  readonly data: RegistryData;
}

/** What a read gives: the file as parsed (for the next read to skip parsing it if unchanged) and what commands work on. */
export interface RegistryRead {
  readonly file: ParsedRegistry;
  /** The registry with pending observations applied. */
  readonly data: RegistryData;
}

interface BigStats {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

function stampOf(info: BigStats): string {
  return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
}

/** Opens a state file to read, refusing what openStateFile refuses (as a RegistryFileError); null when missing. */
async function openToRead(path: string, what: string) {
  try {
    return await openStateFile(path, 'read');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (err instanceof StateDirError) throw new RegistryFileError(`${what}: ${err.message}`);
    throw new RegistryFileError(`${what} ${path} cannot be read: ${(err as Error).message}`);
  }
}

const NO_FILE: ParsedRegistry = { bytes: Buffer.alloc(0), data: EMPTY_REGISTRY };

/**
 * Reads and parses the registry file alone. When the bytes are those `known` was parsed from, it
 * is returned without parsing again: reading 10,000 entries costs ~1 ms, parsing them ~25. The
 * bytes are compared, not a stat stamp: timestamps are coarse and inodes are reused, so two
 * replaces in one clock tick could leave the same stamp, and a stale parse under the lock would
 * lose an update.
 */
async function readMainFile(path: string, known: ParsedRegistry | null): Promise<ParsedRegistry> {
  const bytes = await readMainBytes(path);
  if (!bytes) return NO_FILE;
  if (known && known.bytes.length > 0 && known.bytes.equals(bytes)) return known;
  return { bytes, data: parseRegistry(bytes.toString('utf8'), path) };
}

/** The registry file's bytes (null: no file), read under openStateFile's rules. */
async function readMainBytes(path: string): Promise<Buffer | null> {
  const handle = await openToRead(path, 'registry');
  if (!handle) return null;
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Reads the observations file (missing: none); one that cannot be used is a RegistryFileError naming it. */
async function readSeenFile(path: string): Promise<SeenRecords> {
  const handle = await openToRead(path, 'registry observations');
  if (!handle) return NO_SEEN;
  try {
    const seen = parseSeen(await handle.readFile('utf8'));
    if (typeof seen === 'string') throw new RegistryFileError(`registry observations ${path}: ${seen}; it was left as it is: fix it or move it away`);
    return seen;
  } finally {
    await handle.close();
  }
}

const hasSeen = (seen: SeenRecords): boolean => seen.lastSeen.size > 0 || seen.firstSeenDead.size > 0;

function withSeen(data: RegistryData, seen: SeenRecords): RegistryData {
  if (!hasSeen(seen)) return data;
  const entries = applySeen(data.entries, seen);
  return entries === data.entries ? data : { ...data, entries };
}

/**
 * Reads the registry and its pending observations. A missing file is an empty registry; a
 * symlink, a FIFO, a file owned by another user or a file that does not parse is a
 * RegistryFileError (see openStateFile). `known` (an earlier read) saves parsing an unchanged file.
 */
export async function loadRegistry(path: string, known: ParsedRegistry | null = null): Promise<RegistryRead> {
  const [file, seen] = await Promise.all([readMainFile(path, known), readSeenFile(seenPath(path))]);
  return { file, data: withSeen(file.data, seen) };
}

/**
 * What a listing reads: a file in the canonical layout as its stored lines, with each entry's
 * summary (pending observations applied, in file order); any other file read as loadRegistry
 * reads it (parsed, or a RegistryFileError).
 */
export type RegistryListing =
  | { readonly lines: StoredLines; readonly entries: readonly EntrySummary[] }
  | { readonly lines: null; readonly read: RegistryRead };

/** Reads the registry for a listing of every entry (see RegistryListing): no full parse of a canonical file. */
export async function loadRegistryListing(path: string): Promise<RegistryListing> {
  const [bytes, seen] = await Promise.all([readMainBytes(path), readSeenFile(seenPath(path))]);
  const lines = bytes ? scanRegistryLines(bytes) : null;
  if (lines) return { lines, entries: hasSeen(seen) ? applySeen(lines.entries, seen) : lines.entries };
  const file = bytes ? { bytes, data: parseRegistry(bytes.toString('utf8'), path) } : NO_FILE;
  return { lines: null, read: { file, data: withSeen(file.data, seen) } };
}

/** Reads the registry with its pending observations applied (see loadRegistry). */
export async function readRegistryFile(path: string): Promise<RegistryData> {
  return (await loadRegistry(path)).data;
}

/**
 * Stamp of the registry and its observations file (device, inode, size, mtime and ctime in ns;
 * "" when missing): cheap change detection for a display that re-reads when it changes.
 */
export async function registryStamp(path: string): Promise<string> {
  const one = (p: string): Promise<string> => stat(p, { bigint: true }).then(stampOf, () => '');
  return (await Promise.all([one(path), one(seenPath(path))])).join('|');
}

// write-file-atomic names its temp files <file>.<uint32>: one left by a writer killed mid-write is
// garbage (only the lock holder writes), removed by the next writer.
async function removeOrphanTemps(path: string): Promise<void> {
  const names = [basename(path), basename(seenPath(path))].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`^(${names.join('|')})\\.\\d+$`);
  let found: string[];
  try {
    found = await readdir(dirname(path));
  } catch {
    return;
  }
  await Promise.all(found.filter((n) => pattern.test(n)).map((n) => unlink(join(dirname(path), n)).catch(() => {})));
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces a file of the registry atomically (0600; temp file fsynced, renamed, directory fsynced). Call under the lock. */
async function replaceFile(path: string, text: string, registry: string): Promise<void> {
  await removeOrphanTemps(registry);
  await writeFileAtomically(path, text, { mode: 0o600, fsync: true });
  await fsyncDir(dirname(path));
}

/** What an update callback returns: the new data to write (null: nothing changed) and its result. */
export interface RegistryChange<T> {
  readonly data: RegistryData | null;
  readonly result: T;
}

/**
 * Locked read-modify-write: takes `<path>.lock` (bounded wait, stale locks broken), reads the
 * current file (not parsed again when it has the bytes of `known`) and its pending observations,
 * lets `change` decide, and writes the result atomically when there is one, observations folded
 * in; the observations file is removed only after the registry that holds them is durable.
 * Returns the result and the file as it now is.
 */
export async function updateRegistryFile<T>(
  path: string,
  lockDeps: LockDeps,
  change: (data: RegistryData) => RegistryChange<T> | Promise<RegistryChange<T>>,
  options: { readonly lock?: FileLockOptions; readonly known?: ParsedRegistry | null } = {},
): Promise<{ readonly result: T; readonly file: ParsedRegistry }> {
  return withFileLock(
    `${path}.lock`,
    lockDeps,
    async () => {
      const [file, seen] = await Promise.all([readMainFile(path, options.known ?? null), readSeenFile(seenPath(path))]);
      const { data, result } = await change(withSeen(file.data, seen));
      if (!data) return { result, file };
      const text = serializeRegistry(data);
      await replaceFile(path, text, path);
      if (hasSeen(seen)) await unlink(seenPath(path)).catch(() => {});
      return { result, file: { bytes: Buffer.from(text, 'utf8'), data } };
    },
    options.lock,
  );
}

/**
 * Adds observations to the observations file under the registry's lock (the registry itself is
 * neither read nor written): what makes a look at a big registry cheap.
 */
export async function recordObservations(path: string, lockDeps: LockDeps, observations: readonly SeenObservation[], lockOptions?: FileLockOptions): Promise<void> {
  if (observations.length === 0) return;
  await withFileLock(
    `${path}.lock`,
    lockDeps,
    async () => {
      const file = seenPath(path);
      await replaceFile(file, serializeSeen(addObservations(await readSeenFile(file), observations)), path);
    },
    lockOptions,
  );
}
