import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../sys/package-root.js';
import { writeStdout } from '../output/std-streams.js';
import { UsageError } from '../output/usage-error.js';

export const VERSION_USAGE = `Usage: proctop version
       proctop --version | -V

Prints "proctop X.Y.Z".
`;

/** proctop's version, from package.json. */
export function proctopVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Prints "proctop X.Y.Z" from package.json. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h') {
    writeStdout(VERSION_USAGE);
    return 0;
  }
  if (argv.length > 0) throw new UsageError(`version takes no arguments, got "${argv[0]}"`);
  writeStdout(`proctop ${proctopVersion()}\n`);
  return 0;
}
