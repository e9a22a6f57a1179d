// `proctop help [COMMAND]`, `proctop --help`: generated from the command table, like the man page.
import { COMMANDS, findCommand, MONITOR_COMMAND, unknownCommandMessage, type LoadedCommand } from './command-table.js';
import { writeStdout } from '../output/std-streams.js';
import { UsageError } from '../output/usage-error.js';

export const HELP_USAGE = `Usage: proctop help [COMMAND]
       proctop --help
       proctop help --man

Without COMMAND: every command with one line each. With COMMAND: that command's usage (the same
text as "proctop COMMAND --help"; "proctop help monitor" for the monitor's options). --man prints
the man page as roff (what "man proctop" shows).
`;

/** The top-level help: how to run the monitor, then one line per subcommand. */
export function overviewText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `proctop — ${MONITOR_COMMAND.summary}

Usage:
  proctop [--interval DUR] [--sort COL] [--filter TEXT] [--user NAME] [--tree] [--no-color] [--no-mouse]
  proctop --watch [--iterations N] [same options]
  proctop COMMAND [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Run "proctop help COMMAND" or "proctop COMMAND --help" for a command's usage,
"proctop help monitor" for the monitor's options and keys (? inside the monitor).
`;
}

/** The loaded entry for `help NAME`: a subcommand, or the monitor itself. */
export async function loadForHelp(name: string): Promise<LoadedCommand> {
  if (name === 'monitor' || name === 'proctop') return MONITOR_COMMAND.load();
  const spec = findCommand(name);
  if (!spec) throw new UsageError(unknownCommandMessage(name));
  return spec.load();
}

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (rest.length > 0) throw new UsageError(`help takes one command name, got "${rest[0]}"`);
  if (first === undefined) {
    writeStdout(overviewText());
    return 0;
  }
  if (first === '--help' || first === '-h') {
    writeStdout(HELP_USAGE);
    return 0;
  }
  if (first === '--man') {
    const { manPage } = await import('./man-page.js');
    writeStdout(await manPage());
    return 0;
  }
  if (first.startsWith('-')) throw new UsageError(`unknown option "${first}" (see proctop help --help)`);
  writeStdout((await loadForHelp(first)).usage);
  return 0;
}
