// The CLI after its entry module (src/cli.tsx) has started what must start first: argv → mode.
// No logic here: each mode lives in src/commands/ and is loaded lazily so that scripted
// subcommands never pay for loading React and Ink. Subcommands are data in
// src/commands/command-table.ts.
import * as nodeModule from 'node:module';
import { UsageError, EXIT_USAGE } from './output/usage-error.js';
import { quoted } from './output/sanitize.js';
import { exitQuietlyOnClosedPipe, writeStderr } from './output/std-streams.js';
import { restoreLauncherEnv } from './util/launcher-env.js';
import { runsMonitor } from './tui/early-start.js';
import { saveCodeCache } from './util/main-script.js';
import { writeCodeCacheFile } from './storage/atomic-write.js';

/** Environment variables that choose how proctop reads, and the values each takes ('' means unset). */
const CHOICES: readonly (readonly [string, readonly string[]])[] = [
  ['PROCTOP_BACKEND', ['native', 'js']],
  ['PROCTOP_READER', ['process', 'thread']],
];

/** Refuses a value none of CHOICES takes, in every mode alike (one line, exit 2), before any mode runs. */
function checkChoices(env: NodeJS.ProcessEnv): void {
  for (const [name, values] of CHOICES) {
    const value = env[name];
    if (value === undefined || value === '' || values.includes(value)) continue;
    throw new UsageError(`${name} must be ${values.map((v) => `"${v}"`).join(' or ')}, got ${quoted(value)}`);
  }
}

async function run(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  checkChoices(process.env);
  if (first === '--help' || first === '-h') return (await import('./commands/help.js')).main([]);
  if (first === '--version' || first === '-V') return (await import('./commands/version.js')).main([]);
  const { findCommand, MONITOR_COMMAND, unknownCommandMessage } = await import('./commands/command-table.js');
  if (first === undefined || runsMonitor(first)) return (await MONITOR_COMMAND.load()).main(argv);
  const spec = findCommand(first);
  if (spec) return (await spec.load()).main(rest);
  throw new UsageError(unknownCommandMessage(first));
}

/** Runs the command `argv` names (process.argv after the script) and sets the exit code. */
export function main(argv: readonly string[]): Promise<void> {
  restoreLauncherEnv(process.env);
  // Node 22.1+ keeps the compiled code of what Node's own loaders load (the entry, the workers) on
  // disk, in the OS temp dir; the main script has its own code cache on every Node (main-script.ts).
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  exitQuietlyOnClosedPipe();
  return run(argv)
    .then(async (code) => {
      // A subcommand's next start gets a code cache too, when there was none (the monitor makes
      // its own after its first frame, and replaces one a subcommand made): saved as it ends.
      await saveCodeCache(writeCodeCacheFile, 'command');
      return code;
    })
    .then(
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
}
