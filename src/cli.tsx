#!/usr/bin/env node
// argv → mode. No logic here: each mode lives in src/commands/ and is loaded lazily so that
// scripted subcommands never pay for loading React and Ink. Subcommands are data in
// src/commands/command-table.ts.
import * as nodeModule from 'node:module';
import { findCommand, MONITOR_COMMAND, unknownCommandMessage } from './commands/command-table.js';
import { UsageError, EXIT_USAGE } from './output/usage-error.js';
import { exitQuietlyOnClosedPipe, writeStderr } from './output/std-streams.js';
import { dropLauncherEnv } from './util/launcher-env.js';
import { markStartup } from './util/startup-trace.js';

markStartup('cli-evaluated');

async function run(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h') return (await import('./commands/help.js')).main([]);
  if (first === '--version' || first === '-V') return (await import('./commands/version.js')).main([]);
  const spec = first !== undefined ? findCommand(first) : undefined;
  if (spec) return (await spec.load()).main(rest);
  if (first !== undefined && !first.startsWith('-')) throw new UsageError(unknownCommandMessage(first));
  await MONITOR_COMMAND.prepare?.();
  return (await MONITOR_COMMAND.load()).main(argv);
}

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
