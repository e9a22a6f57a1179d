import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, configPath, loadConfig, saveConfig } from '../src/config/config.js';
import { UsageError } from '../src/output/usage-error.js';
import { parseMonitorArgs } from '../src/commands/monitor-options.js';
import { builtCliPath, repoRoot, runCli } from './helpers/cli.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'assets', 'schemas', 'config.schema.json'), 'utf8')) as object);

let home: string;
let file: string;
const env = (): NodeJS.ProcessEnv => ({ XDG_CONFIG_HOME: join(home, 'xdg'), HOME: home });

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'proctop-config-'));
  file = join(home, 'xdg', 'proctop', 'config.json');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function writeConfig(value: unknown): void {
  mkdirSync(join(home, 'xdg', 'proctop'), { recursive: true });
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
}

describe('config file location', () => {
  it('is $XDG_CONFIG_HOME/proctop/config.json, else ~/.config/proctop/config.json', () => {
    expect(configPath({ env: { XDG_CONFIG_HOME: '/x/conf', HOME: '/home/a' } })).toBe('/x/conf/proctop/config.json');
    expect(configPath({ env: { HOME: '/home/a' } })).toBe('/home/a/.config/proctop/config.json');
    // The XDG spec says a relative path is invalid and must be ignored.
    expect(configPath({ env: { XDG_CONFIG_HOME: 'rel/conf', HOME: '/home/a' } })).toBe('/home/a/.config/proctop/config.json');
  });
});

describe('loadConfig', () => {
  it('reads nothing and warns nothing when there is no file', async () => {
    await expect(loadConfig({ env: env() })).resolves.toEqual({ config: {}, warnings: [], path: file, exists: false, sources: {} });
  });

  it('parses every key into typed values', async () => {
    writeConfig({ interval: '2s', sort: 'MEM%', columns: ['pid', 'cpu', 'command'], last_seen_interval: '1m', mouse: false });
    const loaded = await loadConfig({ env: env() });
    expect(loaded.config).toEqual({ intervalMs: 2000, sort: 'mem', columns: ['pid', 'cpu', 'command'], lastSeenIntervalMs: 60_000, mouse: false });
    expect(loaded.warnings).toEqual([]);
    expect(loaded.exists).toBe(true);
  });

  it('warns about an unknown key and still reads the rest', async () => {
    writeConfig({ colour: 'red', sort: 'pid' });
    const loaded = await loadConfig({ env: env() });
    expect(loaded.config).toEqual({ sort: 'pid' });
    expect(loaded.warnings).toEqual([`${file}: unknown key "colour" ignored (known: interval, sort, columns, last_seen_interval, mouse)`]);
  });

  it.each([
    [{ interval: 'soon' }, '"interval" invalid duration "soon"'],
    [{ interval: 2 }, '"interval" must be a duration string such as "500ms", "2s" or "1m"'],
    [{ interval: '10ms' }, '"interval" must be between 250ms and 10s, got "10ms"'],
    [{ interval: '99999h' }, '"interval" must be between 250ms and 10s, got "99999h"'],
    [{ sort: 'colour' }, '"sort" must be one of pid, user, pri, ni, s, cpu, mem, rss, thr, time, io_r, io_w, ctxsw, cgroup, command, got "colour"'],
    [{ columns: [] }, '"columns" must be a non-empty array of column names'],
    [{ columns: ['pid', 'PID'] }, '"columns" names the column "pid" twice'],
    [{ columns: ['pid', 'bogus'] }, '"columns" must be one of'],
    [{ mouse: 'yes' }, '"mouse" must be true or false, got "yes"'],
    [{ last_seen_interval: '0s' }, '"last_seen_interval" must be between 1ms and 2147483647ms, got "0s"'],
    [{ last_seen_interval: '99999h' }, '"last_seen_interval" must be between 1ms and 2147483647ms, got "99999h"'],
  ])('rejects %j with an error naming the file and the key', async (content, message) => {
    writeConfig(content);
    const error = await loadConfig({ env: env() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`${file}: ${message}`);
    expect((error as Error).message).not.toContain('\n');
  });

  it.each([
    ['{"sort": "pid",}', 'not valid JSON'],
    ['["pid"]', 'must hold one JSON object of settings'],
    ['null', 'must hold one JSON object of settings'],
  ])('rejects a file holding %s, naming the file', async (text, message) => {
    writeConfig(text);
    await expect(loadConfig({ env: env() })).rejects.toThrow(`${file}: ${message}`);
  });

  it('lets PROCTOP_LAST_SEEN_INTERVAL win over the file, and names the variable when it is bad', async () => {
    writeConfig({ last_seen_interval: '1m' });
    const loaded = await loadConfig({ env: { ...env(), PROCTOP_LAST_SEEN_INTERVAL: '5s' } });
    expect(loaded.config.lastSeenIntervalMs).toBe(5000);
    expect(loaded.sources).toEqual({ last_seen_interval: 'env' });
    await expect(loadConfig({ env: { ...env(), PROCTOP_LAST_SEEN_INTERVAL: 'often' } })).rejects.toThrow(
      'environment variable PROCTOP_LAST_SEEN_INTERVAL: "last_seen_interval" invalid duration "often"',
    );
  });
});

describe('saveConfig', () => {
  it('creates the file, keeps keys it does not change (unknown ones too) and removes keys set to null', async () => {
    await saveConfig({ sort: 'rss', intervalMs: 1500 }, { env: env() });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ sort: 'rss', interval: '1500ms' });
    writeConfig({ sort: 'rss', interval: '2s', someday: 1 });
    await saveConfig({ columns: ['pid', 'command'], interval: undefined, intervalMs: null } as never, { env: env() });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ sort: 'rss', someday: 1, columns: ['pid', 'command'] });
    const loaded = await loadConfig({ env: env() });
    expect(loaded.config).toEqual({ sort: 'rss', columns: ['pid', 'command'] });
  });

  it('writes through a temporary file and a rename, leaving nothing else behind', async () => {
    await saveConfig({ mouse: false, lastSeenIntervalMs: 30_000 }, { env: env() });
    expect(readdirSync(join(home, 'xdg', 'proctop'))).toEqual(['config.json']);
    expect((await loadConfig({ env: env() })).config).toEqual({ mouse: false, lastSeenIntervalMs: 30_000 });
  });

  it('refuses a bad value and leaves the file as it was', async () => {
    writeConfig({ sort: 'pid' });
    await expect(saveConfig({ intervalMs: 5 }, { env: env() })).rejects.toThrow(ConfigError);
    expect(readFileSync(file, 'utf8')).toBe('{"sort":"pid"}');
  });

  it('refuses to overwrite a file that is not valid JSON', async () => {
    writeConfig('{oops');
    await expect(saveConfig({ sort: 'pid' }, { env: env() })).rejects.toThrow(`${file}: not valid JSON`);
    expect(readFileSync(file, 'utf8')).toBe('{oops');
  });
});

describe('the monitor reads its defaults from the config', () => {
  it('takes interval, sort and mouse from the config; flags win', () => {
    const config = { intervalMs: 3000, sort: 'rss' as const, mouse: false };
    expect(parseMonitorArgs([], {}, config)).toMatchObject({ intervalMs: 3000, sortColumn: 'rss', mouse: false });
    expect(parseMonitorArgs(['--interval', '1s', '--sort', 'pid'], {}, config)).toMatchObject({ intervalMs: 1000, sortColumn: 'pid' });
    expect(parseMonitorArgs([], {}, {}).mouse).toBe(true);
    expect(parseMonitorArgs(['--no-mouse'], {}, { mouse: true }).mouse).toBe(false);
  });
});

describe('proctop config (built CLI)', () => {
  let cli: string;
  beforeAll(async () => {
    cli = await builtCliPath();
  });

  it('config path prints where the file is', async () => {
    const run = await runCli(cli, ['config', 'path'], { env: { ...process.env, ...env() } });
    expect(run).toEqual({ code: 0, stdout: `${file}\n`, stderr: '' });
  });

  it('config show prints every setting with its source, as schema-valid JSON', async () => {
    writeConfig({ sort: 'rss', theme: 'dark' });
    const run = await runCli(cli, ['config', 'show', '--json'], { env: { ...process.env, ...env(), PROCTOP_LAST_SEEN_INTERVAL: '20s' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`proctop: warning: ${file}: unknown key "theme" ignored (known: interval, sort, columns, last_seen_interval, mouse)\n`);
    const doc = JSON.parse(run.stdout) as { settings: { key: string; value: unknown; source: string }[]; path: string; exists: boolean };
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    expect(doc.path).toBe(file);
    expect(doc.exists).toBe(true);
    const byKey = Object.fromEntries(doc.settings.map((s) => [s.key, [s.value, s.source]]));
    expect(byKey).toMatchObject({ sort: ['rss', 'file'], interval: ['1.5s', 'default'], last_seen_interval: ['20s', 'env'], mouse: [true, 'default'] });
  });

  it('config show --table lists key, value and source', async () => {
    const run = await runCli(cli, ['config', 'show', '--table'], { env: { ...process.env, ...env() } });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').slice(0, 3)).toEqual([`${file} (no file: defaults)`, 'KEY                 SOURCE   VALUE', 'interval            default  1.5s']);
  });

  it.each([
    [['config'], 'proctop: config needs path or show (see proctop config --help)\n'],
    [['config', 'edit'], 'proctop: unknown config action "edit" (use path or show)\n'],
    [['config', 'path', '--json'], 'proctop: config path prints a path; --json and --table are for config show\n'],
  ])('%j is a usage error', async (argv, stderr) => {
    const run = await runCli(cli, argv, { env: { ...process.env, ...env() } });
    expect(run).toEqual({ code: 2, stdout: '', stderr });
  });

  it('a bad value stops the monitor with one line naming the file and the key (exit 2)', async () => {
    writeConfig({ interval: 'fast' });
    const run = await runCli(cli, ['--watch', '--iterations', '1'], { env: { ...process.env, ...env() } });
    expect(run).toEqual({ code: 2, stdout: '', stderr: `proctop: ${file}: "interval" invalid duration "fast" (use e.g. 250ms, 2s, 5m, 1h)\n` });
  });

  it('the monitor refreshes at the configured interval unless --interval says otherwise', async () => {
    writeConfig({ interval: '2s' });
    const configured = await runCli(cli, ['--watch', '--iterations', '1'], { env: { ...process.env, ...env() } });
    expect(configured.code).toBe(0);
    expect(configured.stdout.split('\n')[0]).toContain('interval 2s');
    const flagged = await runCli(cli, ['--watch', '--iterations', '1', '--interval', '500ms'], { env: { ...process.env, ...env() } });
    expect(flagged.stdout.split('\n')[0]).toContain('interval 0.5s');
  });
});
