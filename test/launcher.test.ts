// The shipped dist/cli.js is a shell launcher that starts node with proctop's memory flags
// (scripts/esbuild-options.mjs). It must run on every supported Node (the suite runs on Node 20
// and 24: the node running the tests is the one the launcher finds first on PATH), give node
// exactly those flags and malloc settings, and leave a user's own malloc settings alone.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtCliPath, runProgram } from './helpers/cli.js';
import { waitFor } from './helpers/children.js';
import { restoreLauncherEnv } from '../src/util/launcher-env.js';
import { startFreezeWatchdog } from '../src/sys/freeze-watchdog.js';
// @ts-expect-error: a build script (plain .mjs) without type declarations
import { LAUNCHER_ENV, LAUNCHER_KEPT_CA_CERTS } from '../scripts/esbuild-options.mjs';

/** PATH with the node running this test first, so the launcher's `node` is this very version. */
function pathWithThisNode(first = dirname(process.execPath)): string {
  return `${first}:${process.env.PATH ?? ''}`;
}

const scratch = mkdtempSync(join(tmpdir(), 'proctop-launcher-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The environment of this test without the variables the launcher looks at. */
function cleanEnv(path: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: path };
  for (const name of [...Object.keys(LAUNCHER_ENV), 'PROCTOP_LAUNCHER_ENV', 'NODE_EXTRA_CA_CERTS', LAUNCHER_KEPT_CA_CERTS]) delete env[name];
  return env;
}

/** A stand-in `node` that prints the arguments and the variables it was started with. */
function fakeNode(): string {
  const dir = join(scratch, 'fake-bin');
  const file = join(dir, 'node');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const names = [...Object.keys(LAUNCHER_ENV), 'PROCTOP_LAUNCHER_ENV', 'NODE_EXTRA_CA_CERTS', LAUNCHER_KEPT_CA_CERTS];
  writeFileSync(file, `#!/bin/sh\nprintf "%s\\n" "$@"\n${names.map((name) => `echo "${name}=\${${name}-unset}"\n`).join('')}`);
  chmodSync(file, 0o755);
  return dir;
}

describe('launcher (dist/cli.js run as a program)', () => {
  it(`prints --help on this Node (${process.version}) with the memory flags`, async () => {
    const cli = await builtCliPath();
    const run = await runProgram(cli, ['--help'], { env: { ...process.env, PATH: pathWithThisNode() } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^proctop — terminal process monitor/);
  });

  it('starts node with no flags and the malloc settings, then the script and its arguments', async () => {
    const cli = await builtCliPath();
    const run = await runProgram(cli, ['pstat', '--json', 'two words'], { env: cleanEnv(pathWithThisNode(fakeNode())) });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      cli,
      'pstat',
      '--json',
      'two words',
      'MALLOC_ARENA_MAX=2',
      'MALLOC_TRIM_THRESHOLD_=65536',
      'MALLOC_TOP_PAD_=0',
      'PROCTOP_LAUNCHER_ENV=MALLOC_ARENA_MAX,MALLOC_TRIM_THRESHOLD_,MALLOC_TOP_PAD_',
      'NODE_EXTRA_CA_CERTS=unset',
      `${LAUNCHER_KEPT_CA_CERTS}=unset`,
      '',
    ]);
  });

  it('starts node without NODE_EXTRA_CA_CERTS, kept aside exactly (spaces, empty)', async () => {
    const cli = await builtCliPath();
    for (const value of ['/etc/my certs/ca bundle.pem', '']) {
      const run = await runProgram(cli, ['--version'], { env: { ...cleanEnv(pathWithThisNode(fakeNode())), NODE_EXTRA_CA_CERTS: value } });
      expect(run.stdout).toContain(`\nNODE_EXTRA_CA_CERTS=unset\n${LAUNCHER_KEPT_CA_CERTS}=${value}\n`);
    }
  });

  it("spares proctop's node the extra certificates and gives NODE_EXTRA_CA_CERTS back to the programs it starts", async () => {
    const cli = await builtCliPath();
    const dir = mkdtempSync(join(scratch, 'certs-'));
    // A file that does not exist: Node 20 warns on stderr at start when it cannot load it.
    const certs = join(dir, 'no such bundle.pem');
    const out = join(dir, 'child-env');
    const env = { ...cleanEnv(pathWithThisNode()), NODE_EXTRA_CA_CERTS: certs, XDG_STATE_HOME: join(dir, 'state'), PROCTOP_REGISTRY: '' };
    const run = await runProgram(cli, ['track', 'run', '--no-log', '--', 'sh', '-c', `printf '%s|%s' "$NODE_EXTRA_CA_CERTS" "\${${LAUNCHER_KEPT_CA_CERTS}-unset}" > '${out}'`], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await waitFor(() => (existsSync(out) && readFileSync(out, 'utf8')) || null)).toBe(`${certs}|unset`);
  });

  it("keeps a user's own malloc settings and does not mark them for removal", async () => {
    const cli = await builtCliPath();
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: pathWithThisNode(fakeNode()), MALLOC_ARENA_MAX: '7', MALLOC_TOP_PAD_: '4096' };
    delete env.MALLOC_TRIM_THRESHOLD_;
    const run = await runProgram(cli, ['--version'], { env });
    expect(run.stdout).toContain('MALLOC_ARENA_MAX=7\nMALLOC_TRIM_THRESHOLD_=65536\nMALLOC_TOP_PAD_=4096\nPROCTOP_LAUNCHER_ENV=MALLOC_TRIM_THRESHOLD_\n');
  });

  it("keeps V8's flags at their defaults, so V8 takes the code cache Node ships for its own modules", async () => {
    // v8.cachedDataVersionTag() is the hash V8 checks a code cache against: V8's version, CPU
    // features and the flags away from their defaults (on Node 20's V8 11 the semi-space cap the
    // launcher used to pass was one of them; V8 13 leaves it out). A plain node has a plain tag.
    const tagOf = (args: readonly string[]) => spawnSync(process.execPath, [...args, '-p', 'require("v8").cachedDataVersionTag()'], { encoding: 'utf8', timeout: 30_000 }).stdout.trim();
    expect(tagOf([])).toMatch(/^-?\d+$/);
    expect(tagOf(['--stack-size=100'])).not.toBe(tagOf([]));
    const cli = await builtCliPath();
    const run = await runProgram(cli, ['--version'], { env: cleanEnv(pathWithThisNode(fakeNode())) });
    const argv = run.stdout.split('\n');
    expect(argv.slice(0, argv.indexOf(cli))).toEqual([]);
  });
});

describe('node helpers proctop starts', () => {
  it('start the freeze watchdog without NODE_EXTRA_CA_CERTS', async () => {
    await builtCliPath(); // the watchdog is a built file (dist/freeze-watchdog.js)
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = '/etc/ssl/certs/ca-certificates.crt';
    const dog = startFreezeWatchdog();
    if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
    else process.env.NODE_EXTRA_CA_CERTS = saved;
    if (typeof dog === 'string') throw new Error(dog);
    try {
      // The watchdog this test started, read while it waits for its lines.
      const environ = readFileSync(`/proc/${dog.pid}/environ`, 'utf8').split('\0');
      expect(environ.some((entry) => entry.startsWith('PATH='))).toBe(true);
      expect(environ.filter((entry) => entry.startsWith('NODE_EXTRA_CA_CERTS='))).toEqual([]);
    } finally {
      dog.done();
    }
  });
});

describe('restoreLauncherEnv', () => {
  it('puts back the NODE_EXTRA_CA_CERTS the launcher kept aside, even empty, and removes the copy', () => {
    for (const value of ['/etc/ssl/certs/ca-certificates.crt', '']) {
      const env: NodeJS.ProcessEnv = { [LAUNCHER_KEPT_CA_CERTS]: value, HOME: '/home/u' };
      restoreLauncherEnv(env);
      expect(env).toEqual({ NODE_EXTRA_CA_CERTS: value, HOME: '/home/u' });
    }
  });

  it("leaves a NODE_EXTRA_CA_CERTS the launcher did not move alone (node dist/cli.js)", () => {
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/a.pem' };
    restoreLauncherEnv(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/a.pem' });
  });

  it('removes the variables the launcher listed, and the list', () => {
    const env: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: '2', MALLOC_TOP_PAD_: '0', PROCTOP_LAUNCHER_ENV: 'MALLOC_ARENA_MAX,MALLOC_TOP_PAD_', HOME: '/home/u' };
    restoreLauncherEnv(env);
    expect(env).toEqual({ HOME: '/home/u' });
  });

  it('leaves the environment alone when the launcher set nothing (a user-set MALLOC_ARENA_MAX stays)', () => {
    const env: NodeJS.ProcessEnv = { MALLOC_ARENA_MAX: '7', HOME: '/home/u' };
    restoreLauncherEnv(env);
    expect(env).toEqual({ MALLOC_ARENA_MAX: '7', HOME: '/home/u' });
  });
});
