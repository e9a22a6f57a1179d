// Compiles the bench's C helpers (bench/*.c) into bench/bin/ with the system C compiler.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
export const binDir = join(benchDir, 'bin');

/**
 * Returns the path of bench/bin/<name>, compiling bench/<name>.c when the binary is missing or
 * older. `static`: link it statically, or dynamically where the C library has no static archive.
 */
export function compileC(name, { static: linkStatic = false } = {}) {
  const source = join(benchDir, `${name}.c`);
  const binary = join(binDir, name);
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(binDir, { recursive: true });
  const cc = process.env.CC || 'cc';
  let result = spawnSync(cc, ['-O2', '-Wall', ...(linkStatic ? ['-static'] : []), '-o', binary, source], { encoding: 'utf8' });
  if (linkStatic && !result.error && result.status !== 0) result = spawnSync(cc, ['-O2', '-Wall', '-o', binary, source], { encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run ${cc} to build ${name}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${cc} failed to build ${source}:\n${result.stderr}`);
  return binary;
}
