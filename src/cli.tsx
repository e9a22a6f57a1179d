#!/usr/bin/env node
// argv → mode. No logic here: each mode lives in src/commands/ and is loaded lazily so that
// scripted subcommands never pay for loading React and Ink. Subcommands are data in
// src/commands/command-table.ts, loaded after the interactive monitor's first snapshot has been
// started (src/tui/early-start.ts, imported statically so that it is loaded with this module, and
// started before anything else runs): that read is what its first full frame waits for.
import * as nodeModule from 'node:module';
import { UsageError, EXIT_USAGE } from './output/usage-error.js';
import { exitQuietlyOnClosedPipe, writeStderr } from './output/std-streams.js';
import { dropLauncherEnv } from './util/launcher-env.js';
import { markStartup } from './util/startup-trace.js';
import { startEarly } from './tui/early-start.js';

markStartup('cli-evaluated');

/** The first word names no mode of its own: the monitor (its options, if any, follow). */
function runsMonitor(first: string | undefined): boolean {
  return first === undefined || (first.startsWith('-') && !isHelpOrVersion(first));
}

function isHelpOrVersion(first: string): boolean {
  return first === '--help' || first === '-h' || first === '--version' || first === '-V';
}

async function run(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h') return (await import('./commands/help.js')).main([]);
  if (first === '--version' || first === '-V') return (await import('./commands/version.js')).main([]);
  const { findCommand, MONITOR_COMMAND, unknownCommandMessage } = await import('./commands/command-table.js');
  if (first === undefined || runsMonitor(first)) return (await MONITOR_COMMAND.load()).main(argv);
  const spec = findCommand(first);
  if (spec) return (await spec.load()).main(rest);
  throw new UsageError(unknownCommandMessage(first));
}

// The monitor's first snapshot starts before anything else runs (even Node's stdout stream).
if (runsMonitor(process.argv[2])) startEarly();
dropLauncherEnv(process.env);
// Node 22.1+ keeps the compiled code of the bundle's chunks on disk (in the OS temp dir), so a
// later start skips parsing and compiling them; Node 20 has no such API and compiles each time.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
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
