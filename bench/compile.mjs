// Compiles the bench's C helpers (bench/*.c) into bench/bin/ with the system C compiler.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
export const binDir = join(benchDir, 'bin');

/** Returns the path of bench/bin/<name>, compiling bench/<name>.c when the binary is missing or older. */
export function compileC(name) {
  const source = join(benchDir, `${name}.c`);
  const binary = join(binDir, name);
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(binDir, { recursive: true });
  const cc = process.env.CC || 'cc';
  const result = spawnSync(cc, ['-O2', '-Wall', '-o', binary, source], { encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run ${cc} to build ${name}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cc} failed to build ${source}:\n${result.stderr}`);
  return binary;
}
