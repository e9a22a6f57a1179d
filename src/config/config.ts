// proctop's one config file: $XDG_CONFIG_HOME/proctop/config.json (default ~/.config/proctop/).
// Reading and writing it is storage, not the OS boundary. Every setting goes through the key table
// below: a key is validated once here, and every reader gets typed values (durations in ms).
import { readFile } from 'node:fs/promises';
import { makeDirectories } from '../storage/make-dirs.js';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomically } from '../storage/atomic-write.js';
import { UsageError } from '../output/usage-error.js';
import { COLUMN_IDS, DEFAULT_COLUMN_IDS, parseColumnName, SORT_NAMES, type ColumnId } from './columns.js';
import { parseDuration } from '../util/duration.js';
import { quoted } from '../output/sanitize.js';

/** The settings in force, parsed. A field left undefined was not set: its reader uses its own default. */
export interface ProctopConfig {
  /** Monitor refresh interval in ms (`interval`, a duration string such as "2s"). */
  readonly intervalMs?: number;
  /** Monitor sort column (`sort`, a column name as --sort takes it). */
  readonly sort?: ColumnId;
  /** Monitor list columns in screen order (`columns`, an array of column names). */
  readonly columns?: readonly ColumnId[];
  /** How often a tracked process's last-seen time is written, in ms (`last_seen_interval`; env PROCTOP_LAST_SEEN_INTERVAL wins). */
  readonly lastSeenIntervalMs?: number;
  /** Whether the monitor takes mouse clicks and the wheel (`mouse`, boolean; --no-mouse wins). */
  readonly mouse?: boolean;
}

/** A bad config value or an unreadable config file: one line naming the file (or variable) and the key. */
export class ConfigError extends UsageError {}

/** One key of the file: how to read it, write it and show its default. */
interface KeySpec {
  /** The ProctopConfig field it fills. */
  readonly field: keyof ProctopConfig;
  /** One line for `proctop config show` and the man page. */
  readonly description: string;
  /** The value in force when the key is not set, as written in the file (null: the feature's own). */
  readonly fileDefault: unknown;
  /** An environment variable that overrides the file. */
  readonly env?: string;
  /** File value → parsed value; throws an Error whose message says what is expected. */
  readonly parse: (value: unknown) => unknown;
  /** Parsed value → file value (the inverse of parse). */
  readonly format: (value: never) => unknown;
}

/** Minimum refresh interval: a faster monitor is a CPU hog, not a monitor. */
export const MIN_INTERVAL_MS = 250;
/** Maximum refresh interval: a slower screen is stale (and a huge value would overflow Node's timer to 1 ms). */
export const MAX_INTERVAL_MS = 10_000;
/** Node's timers take at most 2^31-1 ms; a longer delay fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** "between 250ms and 10s" for an error message. */
export function durationRangeText(min: number, max: number): string {
  return `between ${durationText(min)} and ${durationText(max)}`;
}

function durationMs(min: number, max = MAX_TIMER_MS): (value: unknown) => number {
  return (value) => {
    if (typeof value !== 'string') throw new Error('must be a duration string such as "500ms", "2s" or "1m"');
    const ms = parseDuration(value);
    if (ms < min || ms > max) throw new Error(`must be ${durationRangeText(min, max)}, got ${quoted(value)}`);
    return ms;
  };
}

/** Milliseconds → the shortest exact duration text ("1500ms" stays exact, 2000 → "2s"). */
function durationText(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function columnId(value: unknown): ColumnId {
  const column = typeof value === 'string' ? parseColumnName(value) : null;
  if (!column) throw new Error(`must be one of ${SORT_NAMES}, got ${JSON.stringify(value)}`);
  return column;
}

/** The config file's keys. Another setting = one entry here and one field in ProctopConfig. */
export const CONFIG_KEYS: Readonly<Record<string, KeySpec>> = {
  interval: {
    field: 'intervalMs',
    description: 'monitor refresh interval (duration; --interval wins)',
    fileDefault: '1.5s',
    parse: durationMs(MIN_INTERVAL_MS, MAX_INTERVAL_MS),
    format: durationText,
  },
  sort: {
    field: 'sort',
    description: `monitor sort column (${SORT_NAMES}; --sort wins)`,
    fileDefault: 'cpu',
    parse: columnId,
    format: (value: ColumnId) => value,
  },
  columns: {
    field: 'columns',
    description: 'monitor list columns, in screen order (array of column names)',
    fileDefault: [...DEFAULT_COLUMN_IDS],
    parse: (value) => {
      if (!Array.isArray(value) || value.length === 0) throw new Error('must be a non-empty array of column names');
      const columns = value.map(columnId);
      const twice = columns.find((c, i) => columns.indexOf(c) !== i);
      if (twice) throw new Error(`names the column "${twice}" twice`);
      return columns;
    },
    format: (value: readonly ColumnId[]) => [...value],
  },
  last_seen_interval: {
    field: 'lastSeenIntervalMs',
    description: 'how often a tracked process has its last-seen time written (duration)',
    fileDefault: '15s',
    env: 'PROCTOP_LAST_SEEN_INTERVAL',
    parse: durationMs(1),
    format: durationText,
  },
  mouse: {
    field: 'mouse',
    description: 'mouse clicks and wheel in the monitor (true/false; --no-mouse wins)',
    fileDefault: true,
    parse: (value) => {
      if (typeof value !== 'boolean') throw new Error(`must be true or false, got ${JSON.stringify(value)}`);
      return value;
    },
    format: (value: boolean) => value,
  },
};

/** Where the config file and the environment come from; tests pass a temporary directory. */
export interface ConfigOptions {
  /** Environment to read XDG_CONFIG_HOME, HOME and overrides from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** The config file itself, instead of the XDG location. */
  readonly path?: string;
}

/** What loadConfig found. */
export interface LoadedConfig {
  /** The settings in force (file, then environment overrides). */
  readonly config: ProctopConfig;
  /** Problems that change nothing (unknown keys), one line each. */
  readonly warnings: readonly string[];
  /** The config file's path (which need not exist). */
  readonly path: string;
  /** Whether the file exists. */
  readonly exists: boolean;
  /** The keys set in the file or by the environment, and where each came from. */
  readonly sources: Readonly<Record<string, 'file' | 'env'>>;
}

/** $XDG_CONFIG_HOME/proctop/config.json, or ~/.config/proctop/config.json (a relative XDG path is ignored, as the spec says). */
export function configPath(options: ConfigOptions = {}): string {
  if (options.path !== undefined) return options.path;
  const env = options.env ?? process.env;
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg !== undefined && xdg.startsWith('/') ? xdg : join(env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir(), '.config');
  return join(base, 'proctop', 'config.json');
}

/** The file's JSON object, or null when there is no file; a file that is not a JSON object is a ConfigError. */
async function readConfigObject(path: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`${path}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${path}: must hold one JSON object of settings`);
  return value as Record<string, unknown>;
}

function parseKey(spec: KeySpec, value: unknown, where: string, key: string): unknown {
  try {
    return spec.parse(value);
  } catch (error) {
    throw new ConfigError(`${where}: "${key}" ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Reads and validates the config file. No file = nothing set. An unknown key is a warning; a bad
 * value (or a bad override in the environment) is a ConfigError naming the file and the key.
 */
export async function loadConfig(options: ConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const path = configPath(options);
  const raw = await readConfigObject(path);
  const config: Record<string, unknown> = {};
  const sources: Record<string, 'file' | 'env'> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(raw ?? {})) {
    const spec = CONFIG_KEYS[key];
    if (!spec) {
      warnings.push(`${path}: unknown key "${key}" ignored (known: ${Object.keys(CONFIG_KEYS).join(', ')})`);
      continue;
    }
    config[spec.field] = parseKey(spec, value, path, key);
    sources[key] = 'file';
  }
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    const text = spec.env !== undefined ? env[spec.env] : undefined;
    if (text === undefined || text === '') continue;
    config[spec.field] = parseKey(spec, text, `environment variable ${spec.env ?? ''}`, key);
    sources[key] = 'env';
  }
  return { config: config as ProctopConfig, warnings, path, exists: raw !== null, sources };
}

/** A change to the file: a field set to a value writes it, set to null removes the key. */
export type ConfigPatch = { readonly [K in keyof ProctopConfig]?: ProctopConfig[K] | null };

/**
 * Writes `patch` into the config file atomically (write to a temporary file, then rename), keeping
 * every other key as it was (unknown keys too). A bad value is refused before anything is written.
 */
export async function saveConfig(patch: ConfigPatch, options: ConfigOptions = {}): Promise<void> {
  const path = configPath(options);
  const file = { ...((await readConfigObject(path)) ?? {}) };
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    if (!(spec.field in patch)) continue;
    const value = patch[spec.field];
    if (value === null || value === undefined) {
      delete file[key];
      continue;
    }
    const text = spec.format(value as never);
    parseKey(spec, text, `saving ${path}`, key);
    file[key] = text;
  }
  await makeDirectories(dirname(path), 0o700);
  await writeFileAtomically(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o644 });
}
