import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../sys/package-root.js';
import { writeStdout } from '../output/std-streams.js';

/** Prints "proctop X.Y.Z" from package.json. */
export async function main(_argv: readonly string[]): Promise<number> {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  writeStdout(`proctop ${version}\n`);
  return 0;
}
