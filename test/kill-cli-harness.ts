// Shared by the acting-safely tests: a private bundle of the CLI (so tests never race the
// project's dist/ build) and a runner that starts it in its own process group.
import { spawn, type SpawnOptions } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const repoRoot = new URL('..', import.meta.url).pathname;

/** Bundles src/cli.tsx into node_modules/.cache (inside the package, so packageRoot() finds the addon). */
export async function bundleCli(): Promise<string> {
  const cacheDir = join(repoRoot, 'node_modules', '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const outdir = mkdtempSync(join(cacheDir, 'proctop-actions-test-'));
  // Readable by other users: the permission tests run the CLI as nobody.
  chmodSync(outdir, 0o755);
  await build({
    entryPoints: { cli: join(repoRoot, 'src/cli.tsx') },
    outdir,
    bundle: true,
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    target: 'node20',
    define: { 'process.env.NODE_ENV': '"production"' },
    external: ['react-devtools-core'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  return join(outdir, 'cli.js');
}

/** Removes a bundle made by bundleCli. */
export function removeBundle(cli: string): void {
  rmSync(join(cli, '..'), { recursive: true, force: true });
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the bundled CLI detached (its own process group, as a shell job would be, so the test's
 * sleepers are not in proctop's group) and collects its output; killed after timeoutMs.
 */
export function runCli(cli: string, args: readonly string[], options: SpawnOptions & { input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { detached: true, stdio: ['pipe', 'pipe', 'pipe'], ...options });
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
