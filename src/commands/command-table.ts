// Every subcommand, as data: the CLI dispatches from this table, `proctop --help` lists it, `proctop
// help CMD` prints a command's usage, and the man page and shell completions are generated from
// the same entries, so none of them can drift. A new subcommand = one entry here (its module
// exports `main` and its usage text; its usage names every flag, which completion picks up).
// Only lazy imports, short strings and small pure value lists live here: loading the table costs nothing.
import { FD_KINDS } from '../fds/fd-counts.js';
import { GROUP_BY_KEYS } from '../metrics/grouping.js';
import { quoted } from '../output/sanitize.js';
import { SORT_KEYS } from '../sampler/process-query.js';
import { SORT_NAMES } from '../config/columns.js';

/** A command's entry point: argv after the subcommand → exit code. */
export type CommandMain = (argv: readonly string[]) => Promise<number>;

/** What a shell offers for a value: live PIDs, signal names, user names, files, subcommand names, or fixed words. */
export type ValueKind = 'pid' | 'signal' | 'user' | 'file' | 'command' | readonly string[];

/** A loaded command: how to run it and its usage text. */
export interface LoadedCommand {
  readonly main: CommandMain;
  /** What `proctop help CMD` and `proctop CMD --help` print. */
  readonly usage: string;
}

/** One subcommand. */
export interface CommandSpec {
  /** What the user types after `proctop`. */
  readonly name: string;
  /** One line for `proctop --help` and the man page. */
  readonly summary: string;
  /** Imports the command's module (evaluated only when imported: pstat never runs React). */
  readonly load: () => Promise<LoadedCommand>;
  /** Values completed after a flag; the flags themselves are read from the usage text. */
  readonly values?: Readonly<Record<string, ValueKind>>;
  /** What positional arguments are (completed when the word does not start with "-"). */
  readonly positional?: ValueKind;
}

/** The shells `proctop completion` writes scripts for. */
export const SHELLS = ['bash', 'zsh', 'fish'];

/** proctop itself, without a subcommand: the interactive monitor and --watch. */
export const MONITOR_COMMAND: CommandSpec = {
  name: 'proctop',
  summary: 'terminal process monitor: interactive, or read-only with --watch',
  load: async () => {
    const [{ main }, { MONITOR_USAGE }] = await Promise.all([import('./monitor.js'), import('./monitor-options.js')]);
    return { main, usage: MONITOR_USAGE };
  },
  values: { '--sort': SORT_NAMES.split(', '), '--user': 'user' },
};

/** The subcommands, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'pstat',
    summary: 'list processes once, filtered and sorted (JSON or table)',
    load: async () => {
      const m = await import('./pstat.js');
      return { main: (argv) => m.main(argv), usage: m.PSTAT_USAGE };
    },
    values: { '--pid': 'pid', '--ppid': 'pid', '--user': 'user', '--sort': SORT_KEYS, '--cpu-mode': ['lifetime', 'monitor'] },
  },
  {
    name: 'fds',
    summary: 'open files of a process: files, sockets with addresses, pipes with their peers',
    load: async () => {
      const m = await import('./fds.js');
      return { main: (argv) => m.main(argv), usage: m.FDS_USAGE };
    },
    values: { '--pid': 'pid', '--kind': FD_KINDS },
  },
  {
    name: 'inspect',
    summary: 'everything about one process, for a bug report (limits, memory, I/O, cgroup, env names)',
    load: async () => {
      const m = await import('./inspect.js');
      return { main: (argv) => m.main(argv), usage: m.INSPECT_USAGE };
    },
    positional: 'pid',
  },
  {
    name: 'ports',
    summary: 'which process listens on which TCP/UDP port',
    load: async () => {
      const m = await import('./ports.js');
      return { main: (argv) => m.main(argv), usage: m.PORTS_USAGE };
    },
  },
  {
    name: 'kill',
    summary: 'identity-safe signal to several processes, by PID or by filter',
    load: async () => {
      const m = await import('./kill.js');
      return { main: m.main, usage: m.KILL_USAGE };
    },
    values: { '-s': 'signal', '--signal': 'signal', '--user': 'user', '--ppid': 'pid' },
    positional: 'pid',
  },
  {
    name: 'stop',
    summary: 'graceful stop: a signal ladder (TERM:5s,INT:3s,KILL:2s) per process or whole tree',
    load: async () => {
      const m = await import('./stop.js');
      return { main: m.main, usage: m.STOP_USAGE };
    },
    positional: 'pid',
  },
  {
    name: 'renice',
    summary: 'identity-checked renice of several processes (--nice N or --by ±N)',
    load: async () => {
      const m = await import('./renice.js');
      return { main: m.main, usage: m.RENICE_USAGE };
    },
    positional: 'pid',
  },
  {
    name: 'terminate-tree',
    summary: 'stop, TERM, then KILL a whole process tree, reporting each member',
    load: async () => {
      const m = await import('./terminate-tree.js');
      return { main: m.main, usage: m.TERMINATE_TREE_USAGE };
    },
    values: { '--signal': 'signal', '--kill-signal': 'signal', '--require-exe-path': 'file' },
    positional: 'pid',
  },
  {
    name: 'track',
    summary: 'tracked processes: names, tags, groups, liveness by identity; add, run, list, rm, kill',
    load: async () => {
      const m = await import('./track.js');
      return { main: m.main, usage: m.TRACK_USAGE };
    },
    values: { '--pid': 'pid', '--signal': 'signal', '--log': 'file', '--cwd': 'file' },
    positional: ['add', 'run', 'list', 'rm', 'kill', 'tag', 'group', 'reset'],
  },
  {
    name: 'metrics',
    summary: 'one Prometheus/OpenMetrics exposition of process groups (stdout or a textfile)',
    load: async () => {
      const m = await import('./metrics.js');
      return { main: (argv) => m.main(argv), usage: m.METRICS_USAGE };
    },
    values: { '--group-by': GROUP_BY_KEYS, '--textfile': 'file' },
  },
  {
    name: 'serve-metrics',
    summary: 'serve the process-group metrics over HTTP for Prometheus to scrape',
    load: async () => {
      const m = await import('./serve-metrics.js');
      return { main: m.main, usage: m.SERVE_METRICS_USAGE };
    },
    values: { '--group-by': GROUP_BY_KEYS },
  },
  {
    name: 'config',
    summary: "where proctop's config file is and which settings are in force",
    load: async () => {
      const m = await import('./config.js');
      return { main: (argv) => m.main(argv), usage: m.CONFIG_USAGE };
    },
    positional: ['path', 'show'],
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh, fish)',
    load: async () => {
      const m = await import('./completion.js');
      return { main: m.main, usage: m.COMPLETION_USAGE };
    },
    positional: SHELLS,
  },
  {
    name: 'help',
    summary: "this list, or a command's usage",
    load: async () => {
      const m = await import('./help.js');
      return { main: m.main, usage: m.HELP_USAGE };
    },
    positional: 'command',
  },
  {
    name: 'version',
    summary: "print proctop's version",
    load: async () => {
      const m = await import('./version.js');
      return { main: m.main, usage: m.VERSION_USAGE };
    },
  },
];

/** The entry for a subcommand name, or undefined. */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** Edit distance (insert, delete, substitute; an adjacent swap counts one), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((d[i - 1]?.[j] ?? 0) + 1, (d[i]?.[j - 1] ?? 0) + 1, (d[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (d[i - 2]?.[j - 2] ?? 0) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return d[a.length]?.[b.length] ?? Number.MAX_SAFE_INTEGER;
}

/** The command name closest to a mistyped one (a prefix, or within a few edits), or null. */
export function closestCommand(word: string): string | null {
  const typed = word.toLowerCase();
  const prefixed = COMMANDS.filter((c) => c.name.startsWith(typed));
  if (typed.length >= 2 && prefixed.length === 1) return prefixed[0]?.name ?? null;
  let best: { name: string; cost: number } | null = null;
  for (const { name } of COMMANDS) {
    const cost = distance(typed, name);
    if (cost <= Math.max(1, Math.floor(name.length / 3)) && (best === null || cost < best.cost)) best = { name, cost };
  }
  return best?.name ?? null;
}

/** The one-line error for an unknown subcommand, with the closest one when there is one. */
export function unknownCommandMessage(word: string): string {
  const closest = closestCommand(word);
  return `unknown command ${quoted(word)}${closest ? ` (did you mean "${closest}"?)` : ''}; "proctop help" lists the commands`;
}
