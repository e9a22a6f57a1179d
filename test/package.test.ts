// The package as users get it: `npm pack` (prepack builds the N-API prebuild from source), then a
// global install into a temporary prefix with install scripts ignored and no dev dependencies —
// no compiler, no node-gyp — and proctop must still run on the native backend, with its man page.
// Packs a copy of the tree: prepack's node-gyp rebuild and prepare's build would otherwise swap
// build/ and dist/ under the other test files while they run.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/cli.js';

let work: string;
let tarball: string;
let contents: string[];
let prefix: string;

function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'proctop-pack-'));
  const tree = join(work, 'tree');
  mkdirSync(tree);
  for (const entry of ['package.json', 'package-lock.json', 'README.md', 'binding.gyp', 'tsconfig.json', 'src', 'native', 'scripts', 'assets']) {
    cpSync(join(repoRoot, entry), join(tree, entry), { recursive: true });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(tree, 'node_modules'));
  const packed = run('npm', ['pack', '--pack-destination', work, '--loglevel=error'], tree, 600_000);
  tarball = join(work, packed.stdout.trim().split('\n').at(-1) ?? '');
  contents = run('tar', ['tzf', tarball], work, 30_000).stdout.split('\n').filter((l) => l !== '');
  prefix = join(work, 'prefix');
  run('npm', ['install', '--global', '--prefix', prefix, '--ignore-scripts', '--omit=dev', '--prefer-offline', '--loglevel=error', tarball], work, 600_000);
}, 1_200_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('ships the prebuilt N-API addon, the bundle and the man page, and no tests, bench or TypeScript sources', () => {
    expect(contents).toContain(`package/prebuilds/linux-${process.arch}/node.napi.glibc.node`);
    expect(contents).toContain(`package/prebuilds/linux-${process.arch}/proctop-reader`);
    expect(contents).toContain('package/dist/cli.js');
    // The main script the entry loads (scripts/cli-bundle.mjs), by the name the entry gives it.
    expect(contents.filter((f) => /^package\/dist\/cli-main-[0-9a-f]+\.js$/.test(f))).toHaveLength(1);
    expect(contents).toContain('package/dist/proctop.1');
    expect(contents).toContain('package/dist/types/index.d.ts');
    // What a build from source needs, where no prebuild fits.
    expect(contents).toContain('package/binding.gyp');
    expect(contents).toContain('package/scripts/build-native.mjs');
    expect(contents.filter((f) => f.startsWith('package/native/')).length).toBeGreaterThan(5);
    expect(contents.filter((f) => /^package\/(test|bench|src|build)\//.test(f))).toEqual([]);
    expect(contents.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('installed globally with --ignore-scripts --omit=dev, runs pstat on the native backend', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'proctop');
    // Nothing was compiled at install time: no build/ directory, only the shipped prebuild.
    expect(existsSync(join(installed, 'build'))).toBe(false);
    expect(readdirSync(join(installed, 'prebuilds', `linux-${process.arch}`)).sort()).toEqual(['node.napi.glibc.node', 'proctop-reader']);
    const pstat = spawnSync(join(prefix, 'bin', 'proctop'), ['pstat', '--json', '--pid', String(process.pid)], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PROCTOP_BACKEND: '' } });
    expect(pstat.stderr).toBe('');
    expect(pstat.status).toBe(0);
    const doc = JSON.parse(pstat.stdout) as { backend: string; warnings: string[]; processes: { pid: number }[] };
    expect(doc.backend).toBe('native');
    expect(doc.warnings).toEqual([]);
    expect(doc.processes.map((p) => p.pid)).toEqual([process.pid]);
  });

  it('the installed prebuild reads in its reader process, the one shipped beside it, in a session of its own', () => {
    const addonDir = join(prefix, 'lib', 'node_modules', 'proctop', 'prebuilds', `linux-${process.arch}`);
    const script = `
      const addon = require(${JSON.stringify(join(addonDir, 'node.napi.glibc.node'))});
      const fs = require('node:fs');
      const reader = new addon.SnapshotReader('/proc', { readerProcess: true });
      reader.read().then((packed) => {
        const info = reader.readerProcess();
        const stat = fs.readFileSync('/proc/' + info.pid + '/stat', 'latin1');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        console.log(JSON.stringify({ info, processes: packed.order.length, exe: fs.readlinkSync('/proc/' + info.pid + '/exe'), ppid: Number(fields[1]), sid: Number(fields[3]), self: process.pid }));
      });`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as { info: { asked: boolean; pid: number; failure: string | null }; processes: number; exe: string; ppid: number; sid: number; self: number };
    expect(seen.info).toMatchObject({ asked: true, failure: null });
    expect(seen.info.pid).toBeGreaterThan(0);
    expect(seen.exe).toBe(join(addonDir, 'proctop-reader'));
    expect(seen.ppid).toBe(seen.self);
    expect(seen.sid).toBe(seen.info.pid);
    expect(seen.processes).toBeGreaterThan(1);
  });

  it('gives "man proctop" after the global install', () => {
    expect(existsSync(join(prefix, 'share', 'man', 'man1', 'proctop.1'))).toBe(true);
    const man = spawnSync('man', ['proctop'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MANPATH: join(prefix, 'share', 'man'), MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '100' } });
    expect(man.status, man.stderr).toBe(0);
    expect(man.stdout).toMatch(/^PROCTOP\(1\)/);
    expect(man.stdout).toContain('Usage: proctop pstat');
  });
});
