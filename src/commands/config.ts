import { CONFIG_KEYS, configPath, loadConfig, type ConfigOptions, type LoadedConfig } from '../config/config.js';
import { platformName, schemaId, toJsonText } from '../output/json-envelope.js';
import { renderTextTable } from '../output/text-table.js';
import { parseCommandArgs } from './option-errors.js';
import { UsageError } from '../output/usage-error.js';
import { writeStderr, writeStdout } from '../output/std-streams.js';
import { quoted } from '../output/sanitize.js';

export const CONFIG_USAGE = `Usage: proctop config path
       proctop config show [--json|--table]

proctop's settings file: $XDG_CONFIG_HOME/proctop/config.json (default
~/.config/proctop/config.json), one JSON object. Command-line flags win over it.

  path           print where the file is (it need not exist)
  show           print every setting in force and where it comes from (file, env, default)
  --json         JSON (default when stdout is not a terminal)
  --table        aligned text table (default on a terminal)
  --help         this text

Keys:
${Object.entries(CONFIG_KEYS)
  .map(([key, spec]) => `  ${key.padEnd(20)} ${spec.description}; default ${JSON.stringify(spec.fileDefault)}${spec.env ? `; env ${spec.env} wins` : ''}`)
  .join('\n')}

An unknown key is a warning; a bad value is an error naming the file and the key (exit 2).
`;

/** One setting as `config show` reports it. */
export interface ConfigSettingJson {
  readonly key: string;
  /** The value in force, written as the file writes it. */
  readonly value: unknown;
  readonly source: 'file' | 'env' | 'default';
  readonly description: string;
}

/** Builds the `config show` document. */
export function configShowJson(loaded: LoadedConfig, now = new Date()) {
  const config = loaded.config as Readonly<Record<string, unknown>>;
  return {
    schema_id: schemaId('config'),
    timestamp: now.toISOString(),
    platform: platformName(),
    path: loaded.path,
    exists: loaded.exists,
    settings: Object.entries(CONFIG_KEYS).map(([key, spec]): ConfigSettingJson => {
      const source = loaded.sources[key] ?? 'default';
      const value = source === 'default' ? spec.fileDefault : spec.format(config[spec.field] as never);
      return { key, value, source, description: spec.description };
    }),
    warnings: [...loaded.warnings],
  };
}

/** Where config reads from and writes to; tests pass a temporary file and capture output. */
export interface ConfigIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stdoutIsTty: boolean;
  readonly options: ConfigOptions;
}

const defaultIo = (): ConfigIo => ({
  stdout: writeStdout,
  stderr: writeStderr,
  stdoutIsTty: process.stdout.isTTY === true,
  options: {},
});

export async function main(argv: readonly string[], io: ConfigIo = defaultIo()): Promise<number> {
  const parsed = parseCommandArgs('config', argv, { json: { type: 'boolean' }, table: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true, 'config takes path or show');
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(CONFIG_USAGE);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (action === undefined) throw new UsageError('config needs path or show (see proctop config --help)');
  if (extra.length > 0) throw new UsageError(`unexpected argument ${quoted(extra[0] ?? '')} (config takes path or show)`);
  if (values.json && values.table) throw new UsageError('--json and --table cannot be used together');
  if (action === 'path') {
    if (values.json || values.table) throw new UsageError('config path prints a path; --json and --table are for config show');
    io.stdout(`${configPath(io.options)}\n`);
    return 0;
  }
  if (action !== 'show') throw new UsageError(`unknown config action ${quoted(action)} (use path or show)`);
  const loaded = await loadConfig(io.options);
  const doc = configShowJson(loaded);
  const format = values.json ? 'json' : values.table ? 'table' : io.stdoutIsTty ? 'table' : 'json';
  if (format === 'json') {
    io.stdout(toJsonText(doc));
  } else {
    io.stdout(`${loaded.path}${loaded.exists ? '' : ' (no file: defaults)'}\n`);
    io.stdout(
      renderTextTable(
        [
          { title: 'KEY', cell: (s: ConfigSettingJson) => s.key },
          { title: 'SOURCE', cell: (s) => s.source },
          { title: 'VALUE', cell: (s) => (typeof s.value === 'string' ? s.value : JSON.stringify(s.value)) },
        ],
        doc.settings,
      ),
    );
  }
  for (const warning of loaded.warnings) io.stderr(`proctop: warning: ${warning}\n`);
  return 0;
}
