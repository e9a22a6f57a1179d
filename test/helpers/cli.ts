// How tests run the real CLI: dist/ is built once (npm test builds it first; a direct vitest
// run builds it here when src/ is newer), and every CLI test runs that same bundle.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
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

/** Ensures dist/cli.js reflects src/ (builds with scripts/build.mjs --no-types when stale, under a lock). */
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

/** The built CLI's path, after making sure it is current. */
export async function builtCliPath(): Promise<string> {
  await ensureBuilt();
  return builtCli;
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI detached (its own process group, as a shell job would be, so the test's
 * sleepers are not in proctop's group) and collects its output; killed after timeoutMs.
 */
export function runCli(cli: string, args: readonly string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return runNode([cli, ...args], options);
}

/** Runs node with these arguments the way runCli runs the CLI (detached, output collected, killed after timeoutMs). */
export function runNode(args: readonly string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return runProgram(process.execPath, args, options);
}

/** Runs a program (a file the kernel starts by its #! line, or node) detached, output collected, killed after timeoutMs. */
export function runProgram(command: string, args: readonly string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A CLI that refuses its arguments can exit before reading stdin: EPIPE there is not an error.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/** Start time (field 22 of stat) of a live pid, read independently of the code under test. */
export function startTimeOf(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

/** Parsed lines of an actions.jsonl. */
export function readJsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** waitFor for checks that return a value or nothing yet: resolves to the value. */
export async function waitForValue<T>(check: () => Promise<T | null | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waitForValue: nothing within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
