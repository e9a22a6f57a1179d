// The completion scripts, loaded in the real shells (bash, zsh, fish) with `proctop` on PATH.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStartedChildren, startChild } from './helpers/children.js';
import { builtCliPath, runCli } from './helpers/cli.js';
import { tmuxServer } from './helpers/tmux.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let sleeperPid: number;

beforeAll(async () => {
  const cli = await builtCliPath();
  dir = mkdtempSync(join(tmpdir(), 'proctop-completion-'));
  // `proctop` on PATH, as after a global install: the scripts call it for live PIDs.
  writeFileSync(join(dir, 'proctop'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} "$@"\n`);
  chmodSync(join(dir, 'proctop'), 0o755);
  for (const shell of ['bash', 'zsh', 'fish']) writeFileSync(join(dir, `proctop.${shell}`), (await runCli(cli, ['completion', shell])).stdout);
  env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
  sleeperPid = startChild('sleep', ['300']).pid as number;
});
afterAll(async () => {
  await killStartedChildren();
  rmSync(dir, { recursive: true, force: true });
});

describe('proctop completion (CLI)', () => {
  it('refuses an unknown shell with one line (exit 2)', async () => {
    const run = await runCli(await builtCliPath(), ['completion', 'tcsh']);
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'proctop: completion supports bash, zsh, fish, not "tcsh"\n' });
  });

  it('"completion pids" lists live PIDs with their program names, control bytes made visible', async () => {
    const run = await runCli(await builtCliPath(), ['completion', 'pids']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toContain(`${sleeperPid}\tsleep`);
    expect(run.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});

describe('bash', () => {
  /** Sources the script in a real bash and runs its completion function on the words given. */
  const complete = (...words: string[]): string[] => {
    const script = `source ${JSON.stringify(join(dir, 'proctop.bash'))}
COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}
_proctop; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8', env, timeout: 30_000 });
    expect(run.stderr).toBe('');
    return run.stdout.split('\n').filter((l) => l !== '');
  };

  it('registers itself for proctop', () => {
    const run = spawnSync('bash', ['--norc', '--noprofile', '-c', `source ${join(dir, 'proctop.bash')}; complete -p proctop`], { encoding: 'utf8', env });
    expect(run.stdout.trim()).toBe('complete -F _proctop proctop');
  });

  it('completes subcommands, flags and their values', () => {
    expect(complete('proctop', 'ps')).toEqual(['pstat']);
    expect(complete('proctop', 'te')).toEqual(['terminate-tree']);
    expect(complete('proctop', 'pstat', '--so')).toEqual(['--sort']);
    expect(complete('proctop', 'pstat', '--sort', '')).toEqual(['pid', 'name', 'cpu', 'memory', 'start']);
    expect(complete('proctop', '--sort', 'r')).toEqual(['rss']);
    expect(complete('proctop', 'fds', '--kind', 's')).toEqual(['socket']);
    expect(complete('proctop', 'kill', '-s', 'KI')).toEqual(['KILL']);
    expect(complete('proctop', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
    expect(complete('proctop', 'help', 'term')).toEqual(['terminate-tree']);
  });

  it('completes live PIDs for PID arguments, each with its program name until one is left', () => {
    // Every PID starting with the sleeper's first digit: many candidates, each with its name.
    const several = complete('proctop', 'kill', String(sleeperPid).slice(0, 1));
    expect(several.length).toBeGreaterThan(1);
    expect(several).toContain(`${sleeperPid} -- sleep`);
    expect(several.every((c) => / -- /.test(c))).toBe(true);
    // The whole PID: the PID alone is inserted (unless a longer PID shares the prefix).
    const one = complete('proctop', 'fds', '--pid', String(sleeperPid));
    expect(one.length === 1 ? one : one.filter((c) => c.startsWith(`${sleeperPid} `))).toEqual(one.length === 1 ? [String(sleeperPid)] : [`${sleeperPid} -- sleep`]);
  });
});

describe('fish', () => {
  const complete = (line: string): string[] => {
    const run = spawnSync('fish', ['--no-config', '-c', `source ${join(dir, 'proctop.fish')}; complete -C ${JSON.stringify(line)}`], { encoding: 'utf8', env, timeout: 30_000 });
    expect(run.stderr).toBe('');
    return run.stdout.split('\n').filter((l) => l !== '');
  };

  it('completes subcommands with their summaries, flags and their values', () => {
    expect(complete('proctop ps')).toEqual(['pstat\tlist processes once, filtered and sorted (JSON or table)']);
    expect(complete('proctop pstat --sort ')).toEqual(['cpu', 'memory', 'name', 'pid', 'start']);
    expect(complete('proctop fds --kind p')).toEqual(['pipe']);
    expect(complete('proctop kill --signal TE')).toEqual(['TERM\tterminate politely (default)']);
    expect(complete('proctop --so')).toEqual(['--sort']);
  });

  it('completes live PIDs with their program names', () => {
    expect(complete(`proctop kill ${sleeperPid}`)).toContain(`${sleeperPid}\tsleep`);
  });
});

/**
 * The description zsh's listing gives a PID. zsh puts candidates with the same description in one
 * group, its PIDs in columns over as many lines as they need and `-- description` after the last:
 * each group is the run of PIDs before its `-- `.
 */
const zshGroupOf = (screen: string, pid: number): string | undefined => {
  const listing = screen.split('\n').slice(1).join('\n');
  for (const group of listing.matchAll(/((?:\d+\s+)+)-- (\S+)/g)) {
    if ((group[1] ?? '').split(/\s+/).includes(String(pid))) return group[2];
  }
  return undefined;
};

describe('zsh (in a tmux pane)', () => {
  it('reads the description of a PID in a group listed over two lines', () => {
    const screen = 'zsh$ proctop kill 1919\n19197  19196  19195  19194\n19199  19198                -- sleep\n1910  1911  -- node\n';
    expect(zshGroupOf(screen, 19194)).toBe('sleep');
    expect(zshGroupOf(screen, 1911)).toBe('node');
    expect(zshGroupOf(screen, 1919)).toBeUndefined();
  });

  const { tmux, waitForScreen, killServer } = tmuxServer(`proctop-completion-${process.pid}`);
  afterAll(() => killServer());

  it('completes a subcommand, --kind values and a PID with its program name', async () => {
    const session = 'zsh';
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', `env PATH=${JSON.stringify(env.PATH)} PS1="zsh$ " zsh -f`);
    tmux('send-keys', '-t', session, `autoload -U compinit && compinit -u && source ${join(dir, 'proctop.zsh')} && echo loaded-$((6*7))`, 'Enter');
    await waitForScreen(session, (s) => s.includes('loaded-42'), 'the script loaded');
    tmux('send-keys', '-t', session, 'clear', 'Enter');
    tmux('send-keys', '-t', session, '-l', 'proctop pst');
    tmux('send-keys', '-t', session, 'Tab');
    await waitForScreen(session, (s) => /zsh\$ proctop pstat\s*$/m.test(s), 'pst completed to pstat');
    tmux('send-keys', '-t', session, 'C-u');
    tmux('send-keys', '-t', session, '-l', 'proctop fds --kind ');
    tmux('send-keys', '-t', session, 'Tab');
    await waitForScreen(session, (s) => ['file', 'socket', 'pipe', 'anon', 'unknown'].every((k) => new RegExp(`\\b${k}\\b`).test(s.split('\n').slice(1).join('\n'))), 'the --kind values listed');
    tmux('send-keys', '-t', session, 'C-u');
    tmux('send-keys', '-t', session, 'clear', 'Enter');
    tmux('send-keys', '-t', session, '-l', `proctop kill ${String(sleeperPid).slice(0, -1)}`);
    tmux('send-keys', '-t', session, 'Tab');
    await waitForScreen(session, (s) => new RegExp(`zsh\\$ proctop kill ${sleeperPid}\\s*$`, 'm').test(s) || zshGroupOf(s, sleeperPid) === 'sleep', `PID ${sleeperPid} offered as sleep`);
    tmux('send-keys', '-t', session, 'C-u');
  }, 60_000);
});
