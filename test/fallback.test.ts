// The JS fallback: chosen when forced or when the addon is missing, said once, and in agreement
// with pidusage (the issue's named fallback dependency) on our own children.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from '../src/sys/collector.js';
import { JsSnapshotReader } from '../src/sys/js/snapshot.js';
import { killStartedChildren, settledSleepers, startSleeper } from './helpers/children.js';
import { ensureBuilt, repoRoot, runCli } from './helpers/cli.js';

/** The part of pidusage's API used here (it ships no types). */
interface PidUsageStat {
  readonly pid: number;
  readonly ppid: number;
  /** Resident memory in bytes. */
  readonly memory: number;
  /** utime + stime (+ children) in ms. */
  readonly ctime: number;
}
interface PidUsage {
  (pids: number[]): Promise<Record<string, PidUsageStat>>;
  clear(): void;
}
const pidusage = createRequire(import.meta.url)('pidusage') as PidUsage;

describe('backend choice', () => {
  const saved = process.env.PROCTOP_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.PROCTOP_BACKEND;
    else process.env.PROCTOP_BACKEND = saved;
  });

  it('uses the JS backend without a notice when asked for explicitly', () => {
    const choice = createCollector({ backend: 'js' });
    expect(choice.collector.backend).toBe('js');
    expect(choice.notice).toBeNull();
  });

  it('honours PROCTOP_BACKEND=js', () => {
    process.env.PROCTOP_BACKEND = 'js';
    expect(createCollector().collector.backend).toBe('js');
  });

  it('rejects an unknown PROCTOP_BACKEND', () => {
    process.env.PROCTOP_BACKEND = 'turbo';
    expect(() => createCollector()).toThrow('PROCTOP_BACKEND must be "native" or "js", not "turbo"');
  });
});

describe('JS reader agrees with pidusage', () => {
  afterEach(async () => {
    pidusage.clear();
    await killStartedChildren();
  });

  it('on ppid, resident memory and CPU time of our children', async () => {
    const children = [startSleeper(), startSleeper(), startSleeper()];
    const pids = children.map((c) => c.pid as number);
    const reader = new JsSnapshotReader('/proc');
    const snap = await settledSleepers(() => reader.snapshot(), pids);
    const usage = await pidusage(pids);
    for (const pid of pids) {
      const ours = snap.processes.find((p) => p.pid === pid);
      const theirs = usage[String(pid)];
      expect(theirs?.ppid).toBe(ours?.ppid);
      expect(ours?.ppid).toBe(process.pid);
      const rss = ours?.rssBytes ?? 0;
      expect(rss).toBeGreaterThan(0);
      expect(Math.abs((theirs?.memory ?? 0) - rss)).toBeLessThanOrEqual(Math.max(256 * 1024, rss * 0.1));
      // pidusage's ctime includes reaped children; a sleeper has none, so it is at least ours.
      const ourCpuMs = (((ours?.utime ?? 0) + (ours?.stime ?? 0)) * 1000) / snap.system.clockTicks;
      expect(theirs?.ctime).toBeGreaterThanOrEqual(ourCpuMs);
    }
  });
});


describe('a package without the native addon', () => {
  let packageDir: string;
  beforeAll(async () => {
    await ensureBuilt();
    // A copy of the built package with no build/ directory: what a failed node-gyp leaves behind.
    packageDir = await mkdtemp(join(tmpdir(), 'proctop-noaddon-'));
    await cp(join(repoRoot, 'dist'), join(packageDir, 'dist'), { recursive: true });
    await writeFile(join(packageDir, 'package.json'), JSON.stringify({ name: 'proctop', type: 'module' }));
  }, 180_000);
  afterAll(() => rm(packageDir, { recursive: true, force: true }));

  it('runs pstat on the JS fallback, saying so once on stderr and in warnings', async () => {
    const run = await runCli(join(packageDir, 'dist', 'cli.js'), ['pstat', '--json', '--pid', String(process.pid)], { env: { ...process.env, PROCTOP_BACKEND: '' } });
    expect(run.code).toBe(0);
    // node-gyp-build looked in build/Release, build/Debug and prebuilds/<platform>-<arch>/: the notice names all three and the tags wanted.
    const tags = `platform=linux arch=${process.arch} runtime=node abi=${process.versions.modules} uv=${process.versions.uv.split('.')[0]} libc=glibc node=${process.versions.node}`;
    const notice = `using the JS fallback backend: native addon not built (tried ${join(packageDir, 'build', 'Release', '*.node')}, ${join(packageDir, 'build', 'Debug', '*.node')}, ${join(packageDir, 'prebuilds', `linux-${process.arch}`, '*.node')} for ${tags})`;
    expect(run.stderr).toBe(`proctop: ${notice}\n`);
    const out = JSON.parse(run.stdout) as { backend: string; warnings: string[]; processes: { pid: number; ppid: number }[] };
    expect(out.backend).toBe('js');
    expect(out.warnings).toEqual([notice]);
    expect(out.processes).toEqual([expect.objectContaining({ pid: process.pid, ppid: process.ppid })]);
  });

  it('fails with one line and exit 1 when PROCTOP_BACKEND=native is forced', async () => {
    const run = await runCli(join(packageDir, 'dist', 'cli.js'), ['pstat', '--json'], { env: { ...process.env, PROCTOP_BACKEND: 'native' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^proctop: PROCTOP_BACKEND=native but native addon not built \(tried [^\n]+\)\n$/);
    expect(run.stdout).toBe('');
  });
});
