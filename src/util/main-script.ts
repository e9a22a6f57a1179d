// Loads the CLI's main script (built by scripts/cli-bundle.mjs: everything but the entry, as one
// classic script) with a V8 code cache, the compiled bytecode of an earlier run. Node 20 keeps no
// code cache for ES modules, so the CLI's chunks were parsed and compiled at every start, and the
// monitor's first frame waited for it: launch → first full frame at 1,000 processes, 20
// alternating launches, 277 → 201 ms median with the cache; CPU to the first frame 377 → 263 ms.
//
// The cache is a file per main script and per Node (version, architecture, V8 flags) in
// $XDG_CACHE_HOME/proctop (else ~/.cache/proctop), made when there was none or V8 rejected it
// (saveCodeCache): by the interactive monitor once its first frame is on screen, else by a
// subcommand as it ends; the monitor replaces one a subcommand made (it compiled less). V8 checks
// a cache against its own version, its flags and the script's length; the file name holds a hash
// of the script's text. V8 trusts a cache it accepts as it trusts the script, so one is read only
// from a directory and file of the effective user that no one else can write, and written only
// there. PROCTOP_CODE_CACHE=off reads and writes none.
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markStartup } from './startup-trace.js';
import { ownerOfNearest } from './owner-of-nearest.js';

// node:fs and node:vm through require: an ES import of node:fs builds its ES facade, which loads
// Node's stream modules (fs.ReadStream) before the first read could start (as in package-root.ts).
const require = createRequire(import.meta.url);
const { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync } = require('node:fs') as typeof import('node:fs');
const { Script } = require('node:vm') as typeof import('node:vm');

/** What the main script exports (src/cli-run.ts). */
export interface MainScript {
  main(argv: readonly string[]): Promise<void>;
}

/** Who made a cache: the monitor after its first frame, or a subcommand as it ended. */
export type CodeCacheMaker = 'monitor' | 'command';

/** How the last load used the code cache, and what saveCodeCache may write. */
interface CodeCacheState {
  /** 'accepted': V8 used the cache; 'rejected': V8 refused the file; 'none': no file; 'off': not used (disabled, or no safe directory). */
  readonly status: 'accepted' | 'rejected' | 'none' | 'off';
  /** The cache file of this script and Node (null when off). */
  readonly file: string | null;
  /** Who made the cache V8 accepted (null unless accepted). */
  readonly maker: CodeCacheMaker | null;
}

/** A cache file: these 4 bytes, a byte for its maker, then V8's data. */
const MAGIC = Buffer.from('PTC1');
const MAKER_BYTES: Record<CodeCacheMaker, number> = { monitor: 0x6d, command: 0x63 };

/** Cache files kept per directory (other scripts and Nodes): the newest ones. */
const KEPT_FILES = 4;
/** A cache file larger than this is not read (the main script's is ~1 MB). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

let state: CodeCacheState = { status: 'off', file: null, maker: null };
let loadedScript: import('node:vm').Script | null = null;
let flagsChanged = false;

/**
 * Notes that a V8 flag was changed at run time (src/util/v8-tiering.ts): a cache made from now on
 * would carry other flags than the next start's, which V8 would then reject, so none is saved.
 */
export function noteV8FlagsChanged(): void {
  flagsChanged = true;
}

/** 32-bit FNV-1a of `text`, as 8 hex digits (a file-name key, not a check: V8 checks the data). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The effective uid (geteuid is absent only on platforms proctop does not run on). */
function euid(): number {
  return process.geteuid?.() ?? -1;
}

/**
 * The cache directory for `env`: $XDG_CACHE_HOME/proctop or $HOME/.cache/proctop, null when
 * disabled or when that home is not the effective user's (under sudo, $HOME may still be the
 * calling user's: root then keeps no cache rather than writing into another user's home).
 */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const setting = env.PROCTOP_CODE_CACHE?.toLowerCase();
  if (setting === 'off' || setting === '0' || setting === 'false') return null;
  const xdg = env.XDG_CACHE_HOME;
  const home = env.HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : home && isAbsolute(home) ? join(home, '.cache') : null;
  if (base === null || ownerOfNearest(base) !== euid()) return null;
  return join(base, 'proctop');
}

/** The cache file of `scriptFile` for this Node: its V8 version, architecture and V8 flags (command line and NODE_OPTIONS). */
export function codeCacheFile(dir: string, scriptFile: string): string {
  const id = /-([0-9a-f]+)\.js$/.exec(basename(scriptFile))?.[1] ?? fnv1a(scriptFile);
  const node = fnv1a([process.version, process.versions.v8, process.arch, process.execArgv.join(' '), process.env.NODE_OPTIONS ?? ''].join('\0'));
  return join(dir, `code-${id}-${node}.bin`);
}

/** Whether `stats` are of something only the effective user can change. */
function ownedAndPrivate(stats: { uid: number; mode: number }): boolean {
  return stats.uid === euid() && (stats.mode & 0o022) === 0;
}

/** A cache file read: who made it and V8's data. */
export interface CodeCacheFileContents {
  readonly maker: CodeCacheMaker;
  readonly data: Buffer;
}

/**
 * The cache file's maker and V8 data, or null when it is absent, not one of these files, or not
 * safe to use (not a regular file of the effective user, writable by others, too large).
 */
export function readCodeCache(file: string): CodeCacheFileContents | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile() || !ownedAndPrivate(stats) || stats.size > MAX_CACHE_BYTES) return null;
    if (!ownedAndPrivate(lstatSync(dirname(file)))) return null;
    const bytes = readFileSync(fd);
    const maker = (Object.keys(MAKER_BYTES) as CodeCacheMaker[]).find((name) => MAKER_BYTES[name] === bytes[MAGIC.length]);
    if (maker === undefined || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
    return { maker, data: bytes.subarray(MAGIC.length + 1) };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * Compiles and runs the main script at `url` (a cli-main-<hash>.js beside the entry), with its
 * code cache when there is a usable one; `shared` holds the entry's own modules by path (the
 * script takes them from there rather than carrying copies).
 */
export function loadMainScript(url: URL, shared: Readonly<Record<string, object>>, env: NodeJS.ProcessEnv = process.env): Promise<MainScript> {
  const filename = fileURLToPath(url);
  const source = readFileSync(filename, 'utf8');
  const dir = codeCacheDir(env);
  const file = dir === null ? null : codeCacheFile(dir, filename);
  const cached = file === null ? null : readCodeCache(file);
  const script = new Script(source, { filename, ...(cached ? { cachedData: cached.data } : {}) });
  const status = file === null ? 'off' : cached === null ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  state = { status, file, maker: status === 'accepted' ? (cached?.maker ?? null) : null };
  loadedScript = script;
  markStartup(`code-cache-${state.status}`);
  const run = script.runInThisContext() as (...args: unknown[]) => Promise<MainScript>;
  const importMeta = { url: url.href, filename, dirname: dirname(filename) };
  const take = (path: string): object => {
    const module = shared[path];
    if (module === undefined) throw new Error(`proctop: the main script asked for ${path}, which the entry does not have (a build from mismatched files?)`);
    return module;
  };
  const requireHere = createRequire(url);
  // The parameters of scripts/script-wrap.mjs's SCRIPT_PARAMETERS, in order.
  return run(requireHere, requireHere, (specifier: string) => import(specifier), importMeta, filename, take);
}

/**
 * Makes the main script's code cache from what V8 has compiled so far (what the cache held
 * included) and hands it to `write` (an atomic writer), when the load found none, V8 rejected it,
 * or the monitor saves over one a subcommand made; otherwise does nothing (also once a V8 flag
 * was changed at run time: a cache records the flags it was made under). Call it once the work
 * to be cached has run: the monitor after its first frame, a subcommand as it ends.
 */
export async function saveCodeCache(write: (file: string, data: Buffer) => Promise<void>, maker: CodeCacheMaker): Promise<boolean> {
  const { status, file } = state;
  const stale = status === 'none' || status === 'rejected' || (status === 'accepted' && maker === 'monitor' && state.maker === 'command');
  if (loadedScript === null || file === null || flagsChanged || !stale) return false;
  const data = Buffer.concat([MAGIC, Buffer.from([MAKER_BYTES[maker]]), loadedScript.createCachedData()]);
  state = { status: 'accepted', file, maker };
  const dir = dirname(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = lstatSync(dir);
    if (!stats.isDirectory() || !ownedAndPrivate(stats)) return false;
    await write(file, data);
    pruneCodeCaches(dir, file);
    return true;
  } catch {
    return false; // a read-only or full home: no cache, as before
  }
}

/** Removes all but the KEPT_FILES newest cache files of `dir` (other proctop builds and Nodes), never `keep`. */
function pruneCodeCaches(dir: string, keep: string): void {
  const files = readdirSync(dir)
    .filter((name) => /^code-[0-9a-f]+-[0-9a-f]+\.bin$/.test(name))
    .map((name) => join(dir, name))
    .map((path) => ({ path, mtimeMs: lstatSync(path).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { path } of files.slice(KEPT_FILES)) {
    if (path !== keep) unlinkSync(path);
  }
}
