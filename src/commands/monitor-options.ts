// proctop's monitor flags → options. Bad values are UsageErrors (one line, exit 2).
import { unknownCommandMessage } from './command-table.js';
import { UsageError } from '../output/usage-error.js';
import { checkKnownUser } from './option-errors.js';
import { durationRangeText, MAX_INTERVAL_MS, MIN_INTERVAL_MS, type ProctopConfig } from '../config/config.js';
import { parseColumnName, SORT_NAMES, type ColumnId } from '../config/columns.js';
import { parseDuration } from '../util/duration.js';
import { parseListenAddress, type ListenAddress } from '../metrics/listen-address.js';
import { quoted } from '../output/sanitize.js';
import type { MonitorOptions } from '../tui/monitor-options.js';

export type { MonitorOptions } from '../tui/monitor-options.js';


export const MONITOR_USAGE = `Usage: proctop [--interval DUR] [--sort COL] [--filter TEXT] [--user NAME] [--tree] [--no-color]
       proctop --watch [--iterations N] [same options]

  --interval DUR   refresh interval, 250ms to 10s (default 1.5s; e.g. 500ms, 2s)
  --sort COL       ${SORT_NAMES} (default cpu)
  --filter TEXT    show only processes whose command, name, user or PID contains TEXT
  --user NAME      show only processes of user NAME
  --tree           start in tree view
  --no-color       no colours (NO_COLOR is respected too)
  --no-mouse       leave the mouse to the terminal (no click to select, no wheel)
  --watch          read-only monitor; when stdout is not a terminal, prints a plain table
                   every interval like top -b
  --iterations N   with --watch: stop after N refreshes
  --metrics ADDR   with --watch: also serve Prometheus /metrics at ADDR (HOST:PORT, or PORT
                   for loopback) from the pane's own samples (see proctop serve-metrics)

Defaults for --interval, --sort and the mouse come from the config file (proctop config path);
flags win over it.
`;

function positiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a positive integer, got ${quoted(text)}`);
  return Number(text);
}

/** Parses monitor argv; `env` supplies NO_COLOR, `config` the defaults that flags override. */
export function parseMonitorArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, config: ProctopConfig = {}): MonitorOptions {
  let intervalMs = config.intervalMs ?? 1500;
  let sortColumn: ColumnId = config.sort ?? 'cpu';
  let mouse = config.mouse ?? true;
  let filter = '';
  let user: string | null = null;
  let tree = false;
  let color = !(env.NO_COLOR !== undefined && env.NO_COLOR !== '');
  let watch = false;
  let iterations: number | null = null;
  let metrics: ListenAddress | null = null;
  let help = false;
  const args = [...argv];
  while (args.length > 0) {
    const arg = args.shift() as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? args.shift();
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--interval': {
        const text = value();
        let ms: number;
        try {
          ms = parseDuration(text);
        } catch {
          throw new UsageError(`--interval must be a duration like 500ms, 1.5s or 2s, got ${quoted(text)}`);
        }
        if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
          throw new UsageError(`--interval must be ${durationRangeText(MIN_INTERVAL_MS, MAX_INTERVAL_MS)}, got ${quoted(text)}`);
        }
        intervalMs = ms;
        break;
      }
      case '--sort': {
        const text = value();
        const column = parseColumnName(text);
        if (!column) throw new UsageError(`--sort must be one of ${SORT_NAMES}, got ${quoted(text)}`);
        sortColumn = column;
        break;
      }
      case '--filter':
        filter = value();
        break;
      case '--user': {
        const text = value();
        if (text.trim() === '') throw new UsageError('--user needs a user name');
        checkKnownUser(text);
        user = text;
        break;
      }
      case '--tree':
        tree = true;
        break;
      case '--no-color':
        color = false;
        break;
      case '--no-mouse':
        mouse = false;
        break;
      case '--watch':
        watch = true;
        break;
      case '--iterations':
        iterations = positiveInteger('--iterations', value());
        break;
      case '--metrics': {
        const parsed = parseListenAddress(value());
        if (typeof parsed === 'string') throw new UsageError(`--metrics ${parsed}`);
        metrics = parsed;
        break;
      }
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new UsageError(arg.startsWith('-') ? `unknown option ${quoted(arg)} (see proctop --help)` : unknownCommandMessage(arg));
    }
  }
  if (iterations !== null && !watch) throw new UsageError('--iterations only works with --watch');
  if (metrics !== null && !watch) throw new UsageError('--metrics only works with --watch (or run proctop serve-metrics)');
  return { intervalMs, sortColumn, columns: config.columns ?? null, filter, user, tree, color, watch, iterations, metrics, help, mouse };
}
