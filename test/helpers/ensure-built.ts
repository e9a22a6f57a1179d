// Builds dist/ once when it is missing or older than src/, so CLI tests run the current code.
// A lock dir keeps parallel test files (and other helpers' suites) from building at once.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const builtCli = join(repoRoot, 'dist', 'cli.js');
const lockDir = join(tmpdir(), 'proctop-dist-build.lock');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  try {
    return statSync(builtCli).mtimeMs < newestMtimeMs(join(repoRoot, 'src'));
  } catch {
    return true;
  }
}

/** Ensures dist/cli.js reflects src/ (builds with scripts/build.mjs --no-types when stale). */
export async function ensureBuilt(): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (isStale()) {
    try {
      mkdirSync(lockDir);
    } catch {
      if (Date.now() > deadline) throw new Error(`ensureBuilt: ${lockDir} held for 2 minutes`);
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    try {
      if (!isStale()) break;
      const run = spawnSync(process.execPath, ['scripts/build.mjs', '--no-types'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
      if (run.status !== 0) throw new Error(`build failed: ${run.stderr}`);
    } finally {
      rmdirSync(lockDir);
    }
  }
}
