import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { closestCommand, COMMANDS, MONITOR_COMMAND, unknownCommandMessage } from '../src/commands/command-table.js';
import { roffEscape } from '../src/commands/man-page.js';
import { flagsOf } from '../src/commands/usage-flags.js';
import { KILL_USAGE } from '../src/commands/kill.js';
import { builtCliPath, repoRoot, runCli } from './helpers/cli.js';

let cli: string;
beforeAll(async () => {
  cli = await builtCliPath();
});

describe('proctop --help', () => {
  it('lists every subcommand of the command table with its one-line summary', async () => {
    const run = await runCli(cli, ['--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const command of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${command.name} +${command.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    expect((await runCli(cli, ['-h'])).stdout).toBe(run.stdout);
    expect((await runCli(cli, ['help'])).stdout).toBe(run.stdout);
  });

  it.each(COMMANDS.map((c) => c.name))('"proctop help %s" prints the same usage as "proctop %s --help"', async (name) => {
    const [viaHelp, viaFlag] = await Promise.all([runCli(cli, ['help', name]), runCli(cli, [name, '--help'])]);
    expect(viaHelp).toEqual({ code: 0, stdout: viaFlag.stdout, stderr: '' });
    expect(viaFlag.code).toBe(0);
    expect(viaHelp.stdout).toMatch(new RegExp(`^Usage: proctop ${name}\\b`));
  });

  it('"proctop help monitor" prints the monitor usage that "proctop --watch --help" prints', async () => {
    const [viaHelp, viaFlag] = await Promise.all([runCli(cli, ['help', 'monitor']), runCli(cli, ['--watch', '--help'])]);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toMatch(/^Usage: proctop \[--interval DUR\]/);
    expect(viaHelp.stdout).toContain('--no-mouse');
  });

  it('"proctop version" works like --version and -V', async () => {
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    for (const argv of [['version'], ['--version'], ['-V']]) expect(await runCli(cli, argv)).toEqual({ code: 0, stdout: `proctop ${version}\n`, stderr: '' });
  });
});

describe('an unknown subcommand', () => {
  it.each([
    ['psat', 'pstat'],
    ['kil', 'kill'],
    ['terminate', 'terminate-tree'],
    ['confgi', 'config'],
    ['completions', 'completion'],
    ['PORTS', 'ports'],
  ])('"%s" suggests "%s"', (typed, closest) => {
    expect(closestCommand(typed)).toBe(closest);
  });

  it('suggests nothing when nothing is close', () => {
    expect(closestCommand('xyzzy')).toBeNull();
    expect(unknownCommandMessage('xyzzy')).toBe('unknown command "xyzzy"; "proctop help" lists the commands');
  });

  it.each([[['psat']], [['help', 'psat']], [['--tree', 'psat']]])('%j exits 2 with one line naming the closest command', async (argv) => {
    const run = await runCli(cli, argv);
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'proctop: unknown command "psat" (did you mean "pstat"?); "proctop help" lists the commands\n' });
  });
});

describe('flags read from usage texts', () => {
  it('finds aliases, values and synopsis-only flags, not flags a description mentions', () => {
    const flags = new Map(flagsOf(KILL_USAGE).map((f) => [f.name, f.takesValue]));
    expect(flags.get('-s')).toBe(true);
    expect(flags.get('--signal')).toBe(true);
    expect(flags.get('--force')).toBe(false);
    expect(flags.get('-l')).toBe(false);
    expect(flags.get('--cpu-above')).toBe(true);
    expect(flagsOf('Usage: proctop x [--a N]\n\n  --b          like top -b, see --c\n').map((f) => f.name)).toEqual(['--a', '--b']);
  });

  it.each([MONITOR_COMMAND, ...COMMANDS].map((c) => [c.name, c] as const))('every flag %s completes values for is one its usage names', async (_name, spec) => {
    const { usage } = await spec.load();
    const named = new Set(flagsOf(usage).map((f) => f.name));
    for (const flag of Object.keys(spec.values ?? {})) expect(named, `${spec.name} ${flag}`).toContain(flag);
  });
});

describe('the man page', () => {
  it('is built from the same usage texts and renders with man -l', async () => {
    const page = readFileSync(join(repoRoot, 'dist', 'proctop.1'), 'utf8');
    for (const spec of [MONITOR_COMMAND, ...COMMANDS]) {
      const { usage } = await spec.load();
      expect(page).toContain(roffEscape(usage.trimEnd()));
    }
    const rendered = spawnSync('man', ['-l', join(repoRoot, 'dist', 'proctop.1')], { encoding: 'utf8', env: { ...process.env, MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '100' } });
    expect(rendered.status, rendered.stderr).toBe(0);
    expect(rendered.stdout).toMatch(/^PROCTOP\(1\)/);
    for (const spec of COMMANDS) expect(rendered.stdout).toContain(`Usage: proctop ${spec.name}`);
    expect(rendered.stdout).toContain('$XDG_CONFIG_HOME/proctop/config.json');
  });
});
