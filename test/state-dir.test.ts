// proctop's own files cannot be turned against their user: the state directory is the effective
// user's, 0700, never a symlink, never someone else's; the audit log is a private regular file
// that only ever holds whole lines (full disk, 20 writers at once).
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileAuditSink, readRecentActions, type AuditRecord } from '../src/storage/audit-log.js';
import { ensureStateDir, stateHome } from '../src/storage/state-dir.js';
import { lookupAccount } from '../src/sys/accounts.js';
import { builtCli, ensureBuilt, repoRoot } from './helpers/cli.js';

const isRoot = process.geteuid?.() === 0;
const NOBODY = 65534;

function record(n: number, summary = `action ${n}`): AuditRecord {
  return {
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, n % 60)).toISOString(),
    user: 'root',
    uid: 0,
    sudoUser: null,
    proctopPid: 4242,
    action: 'kill',
    signal: 15,
    killSignal: null,
    targets: [{ pid: 1000 + n, startTime: 5000 + n, comm: `c${n}`, outcome: 'sent', reason: null }],
    summary,
    warnings: [],
  };
}

const freshDir = (): string => mkdtempSync(join(tmpdir(), 'proctop-state-'));

/** Every line of a log parses as JSON, and the file ends with a newline (no torn tail). */
function wholeLines(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  if (text !== '') expect(text.endsWith('\n')).toBe(true);
  const lines = text.split('\n').slice(0, -1);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  return lines;
}

describe('state directory', () => {
  it('under sudo uses the effective user\'s passwd home, not the caller\'s $HOME or $XDG_STATE_HOME', () => {
    // The caller's state home: owned by someone other than the effective user.
    const callers = freshDir();
    const me = process.geteuid!();
    const other = me === 0 ? NOBODY : 0;
    if (isRoot) chownSync(callers, other, other);
    else console.log('[state-dir] not root: the caller-owned XDG_STATE_HOME case uses root-owned /usr instead');
    const foreignXdg = isRoot ? callers : '/usr';
    const passwd = (uid: number) => (uid === me ? { uid, name: 'eff', home: '/home/effective' } : null);
    expect(stateHome({ euid: me, lookupAccount: passwd, env: { HOME: '/home/caller', XDG_STATE_HOME: foreignXdg } })).toBe('/home/effective/.local/state');
    // The effective user's own XDG_STATE_HOME counts (also when it does not exist yet).
    const own = freshDir();
    expect(stateHome({ euid: me, lookupAccount: passwd, env: { XDG_STATE_HOME: own } })).toBe(own);
    expect(stateHome({ euid: me, lookupAccount: passwd, env: { XDG_STATE_HOME: join(own, 'not', 'yet') } })).toBe(join(own, 'not', 'yet'));
  });

  it('reads the home from the real password database for this process', () => {
    const account = lookupAccount(process.geteuid!());
    expect(account).not.toBeNull();
    expect(stateHome({ env: {} })).toBe(join(account!.home, '.local', 'state'));
  });

  it('creates the directory 0700 and tightens a looser one', async () => {
    const home = freshDir();
    const dir = await ensureStateDir({ dir: join(home, 'proctop') });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    chmodSync(dir, 0o755);
    await ensureStateDir({ dir });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('refuses a symlink planted at the state directory and never writes through it', async () => {
    const home = freshDir();
    const victim = freshDir();
    symlinkSync(victim, join(home, 'proctop'));
    const warning = await createFileAuditSink(join(home, 'proctop', 'actions.jsonl')).append(record(1));
    expect(warning).toMatch(/refusing state directory .*proctop: it is a symbolic link/);
    expect(() => statSync(join(victim, 'actions.jsonl'))).toThrow();
  });

  it('refuses a symlink planted at the log file and leaves its target untouched', async () => {
    const dir = await ensureStateDir({ dir: join(freshDir(), 'proctop') });
    const victim = join(freshDir(), 'precious');
    writeFileSync(victim, 'keep me\n');
    symlinkSync(victim, join(dir, 'actions.jsonl'));
    const warning = await createFileAuditSink(join(dir, 'actions.jsonl')).append(record(1));
    expect(warning).toMatch(/actions\.jsonl: it is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
    await expect(readRecentActions(5, join(dir, 'actions.jsonl'))).rejects.toThrow(/symbolic link/);
  });

  it('refuses a FIFO at the log path at once instead of hanging', async () => {
    const dir = await ensureStateDir({ dir: join(freshDir(), 'proctop') });
    const fifo = join(dir, 'actions.jsonl');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const warning = await createFileAuditSink(fifo).append(record(1));
    expect(warning).toMatch(/actions\.jsonl: not a regular file/);
    await expect(readRecentActions(5, fifo)).rejects.toThrow(/not a regular file/);
  }, 10_000);

  it.runIf(isRoot)('refuses a state directory owned by another user, saying so (as root: chowned to nobody)', async () => {
    const dir = join(freshDir(), 'proctop');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, NOBODY, NOBODY);
    const warning = await createFileAuditSink(join(dir, 'actions.jsonl')).append(record(1));
    expect(warning).toMatch(/bad ownership of state directory .*proctop: owned by \S+ \(uid 65534\), not by the effective user \S+ \(uid 0\)/);
    expect(() => statSync(join(dir, 'actions.jsonl'))).toThrow();
  });
  if (!isRoot) console.log('[state-dir] skipped the foreign-owner test: needs root to chown a directory to nobody');

  it('creates the log 0600', async () => {
    const path = join(freshDir(), 'proctop', 'actions.jsonl');
    expect(await createFileAuditSink(path).append(record(1))).toBeNull();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

describe('audit log on a full disk', () => {
  let mountPoint: string | null = null;
  let skipReason: string | null = null;
  beforeAll(() => {
    if (!isRoot) {
      skipReason = 'needs root to mount a tmpfs';
      return;
    }
    const dir = freshDir();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k,mode=0700', 'tmpfs', dir], { encoding: 'utf8' });
    if (mounted.status !== 0) skipReason = `mount -t tmpfs failed: ${mounted.stderr.trim()}`;
    else mountPoint = dir;
  });
  afterAll(() => {
    if (mountPoint) spawnSync('umount', [mountPoint]);
  });

  it('leaves only whole lines when the 16 KB tmpfs fills up, and the next record after room is made is whole too', async (ctx) => {
    if (mountPoint === null) {
      console.log(`[state-dir] skipped the full-tmpfs test: ${skipReason}`);
      ctx.skip();
      return;
    }
    const path = join(mountPoint, 'proctop', 'actions.jsonl');
    const sink = createFileAuditSink(path);
    // Records do not divide a 4 KB page: the write that crosses into a page the tmpfs
    // cannot give is a short write, which must be cut back off.
    let kept = 0;
    let warning: string | null = null;
    for (let n = 0; n < 100 && warning === null; n++) {
      warning = await sink.append(record(n, 'x'.repeat(600)));
      if (warning === null) kept++;
    }
    // 855-byte records do not divide a page: the first failure is a short write, cut back off.
    expect(warning).toMatch(/short write/);
    // A second attempt on the full disk must not leave anything either.
    expect(await sink.append(record(98, 'y'.repeat(600)))).not.toBeNull();
    expect(wholeLines(path)).toHaveLength(kept);
    // Make room: the next record lands whole, not glued to anything.
    const truncated = readFileSync(path, 'utf8').split('\n').slice(0, -1).slice(0, 2).join('\n') + '\n';
    writeFileSync(path, truncated);
    expect(await sink.append(record(99))).toBeNull();
    const lines = wholeLines(path);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]!).summary).toBe('action 99');
  });
});

describe('audit log with concurrent writers', () => {
  const writers: number[] = [];
  afterAll(() => {
    for (const pid of writers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already exited
      }
    }
  });

  it('20 writer processes appending 64 KB records at once leave 20 whole lines', async () => {
    await ensureBuilt();
    expect(builtCli).toContain(repoRoot);
    const path = join(freshDir(), 'proctop', 'actions.jsonl');
    const script = `
      import { createFileAuditSink } from ${JSON.stringify(join(repoRoot, 'dist', 'index.js'))};
      const n = Number(process.argv[1]);
      const warning = await createFileAuditSink(process.argv[2]).append({
        time: new Date().toISOString(), user: 'w', uid: 0, sudoUser: null, proctopPid: process.pid, action: 'kill', signal: 15,
        killSignal: null, targets: [], summary: 'w' + n + ':' + 'x'.repeat(65536), warnings: [],
      });
      if (warning) { console.error(warning); process.exit(1); }`;
    const exits = await Promise.all(
      Array.from({ length: 20 }, (_, n) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, String(n + 1), path], { stdio: ['ignore', 'ignore', 'inherit'] });
        if (child.pid) writers.push(child.pid);
        return new Promise<number | null>((resolve) => child.once('exit', resolve));
      }),
    );
    expect(exits).toEqual(Array(20).fill(0));
    const lines = wholeLines(path);
    expect(lines).toHaveLength(20);
    const summaries = lines.map((l) => JSON.parse(l).summary as string);
    // Each line is exactly one writer's record, not a mix of two.
    for (const s of summaries) expect(s).toMatch(/^w\d+:x{65536}$/);
    expect(new Set(summaries.map((s) => s.split(':')[0])).size).toBe(20);
  }, 60_000);
});
