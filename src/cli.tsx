#!/usr/bin/env node
// argv → mode. No logic here: each mode lives in src/commands/ and is loaded lazily so that
// scripted subcommands never pay for loading React and Ink.
import { UsageError, EXIT_USAGE } from './commands/usage-error.js';
import { exitQuietlyOnClosedPipe, writeStderr } from './output/std-streams.js';

type CommandMain = (argv: readonly string[]) => Promise<number>;

const SUBCOMMANDS: Readonly<Record<string, () => Promise<CommandMain>>> = {
  pstat: async () => (await import('./commands/pstat.js')).main,
  fds: async () => (await import('./commands/fds.js')).main,
  inspect: async () => (await import('./commands/inspect.js')).main,
  ports: async () => (await import('./commands/ports.js')).main,
  kill: async () => (await import('./commands/kill.js')).main,
  'terminate-tree': async () => (await import('./commands/terminate-tree.js')).main,
  stop: async () => (await import('./commands/stop.js')).main,
  renice: async () => (await import('./commands/renice.js')).main,
  config: async () => (await import('./commands/config.js')).main,
  metrics: async () => (await import('./commands/metrics.js')).main,
  'serve-metrics': async () => (await import('./commands/serve-metrics.js')).main,
};

async function run(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  const load = first !== undefined ? SUBCOMMANDS[first] : undefined;
  if (load) return (await load())(rest);
  if (first === 'help') return (await import('./commands/help.js')).main(rest);
  if (first === '--version' || first === '-V') return (await import('./commands/version.js')).main(rest);
  return (await import('./commands/monitor.js')).main(argv);
}

exitQuietlyOnClosedPipe();
run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      writeStderr(`proctop: ${err.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    writeStderr(`proctop: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
