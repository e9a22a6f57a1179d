// The registry without the CLI: lock file semantics with injected liveness, liveness by identity,
// throttled last-seen writes, selectors. The OS side is a fixture /proc tree.
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livenessOf } from '../src/registry/liveness.js';
import { Registry } from '../src/registry/registry.js';
import { labelProblem, matchesSelector } from '../src/registry/selectors.js';
import type { TrackedEntry } from '../src/registry/types.js';
import { LOCK_QUEUE_HOLDERS, LockTimeoutError, withFileLock, type LockDeps } from '../src/storage/file-lock.js';
import { RegistryFileError } from '../src/storage/registry-file.js';
import { createJsCollector } from '../src/sys/collector.js';
import type { Collector, ProcessProbe } from '../src/sys/types.js';
import { createProcFixture, PITFALL_PROCESSES, type ProcFixture } from './helpers/proc-fixture.js';

const BOOT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

function lockText(pid: number, token: string): string {
  return `${JSON.stringify({ pid, start_time: 1, boot_id: BOOT, token, acquired_at: '2026-01-01T00:00:00.000Z' })}\n`;
}

/** Lock deps where PID 999 is dead and everything else alive; `slowMs` makes each liveness check take up to that long. */
function lockDeps(slowMs = 0): LockDeps {
  return {
    self: async () => ({ pid: process.pid, startTime: 42, bootId: BOOT }),
    holderAlive: async (holder) => {
      if (slowMs > 0) await new Promise((r) => setTimeout(r, Math.random() * slowMs));
      return holder.pid !== 999;
    },
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}

describe('file lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proctop-lock-'));
  let n = 0;
  const lockPath = (): string => join(dir, `l${++n}.lock`);

  it('holds the lock file while fn runs, with our identity, and removes it after', async () => {
    const path = lockPath();
    const seen = await withFileLock(path, lockDeps(), async () => JSON.parse(readFileSync(path, 'utf8')));
    expect(seen).toMatchObject({ pid: process.pid, start_time: 42, boot_id: BOOT, token: expect.any(String) });
    expect(existsSync(path)).toBe(false);
  });

  it('waits a bounded time for a live holder, then fails naming it, leaving its lock alone', async () => {
    const path = lockPath();
    writeFileSync(path, lockText(4242, 'live'));
    const started = Date.now();
    await expect(withFileLock(path, lockDeps(), async () => 'ran', { timeoutMs: 150 })).rejects.toThrow(LockTimeoutError);
    await expect(withFileLock(path, lockDeps(), async () => 'ran', { timeoutMs: 50 })).rejects.toThrow(`${path} is locked by PID 4242 (since 2026-01-01T00:00:00.000Z); gave up after 50 ms`);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(readFileSync(path, 'utf8')).toBe(lockText(4242, 'live'));
  });

  it('waits on while the lock passes from live holder to live holder, up to LOCK_QUEUE_HOLDERS timeouts in all', async () => {
    const path = lockPath();
    let holder = 0;
    writeFileSync(path, lockText(4242, `h${holder}`));
    // A new live holder every 30 ms, each well inside the 50 ms timeout, for 200 ms; then free.
    const passing = setInterval(() => {
      holder += 1;
      if (holder * 30 >= 200) rmSync(path, { force: true });
      else writeFileSync(path, lockText(4242, `h${holder}`));
    }, 30);
    try {
      expect(await withFileLock(path, lockDeps(), async () => 'ran', { timeoutMs: 50 })).toBe('ran');
    } finally {
      clearInterval(passing);
    }
    // A queue that never ends: given up after LOCK_QUEUE_HOLDERS timeouts, not never.
    writeFileSync(path, lockText(4242, 'q0'));
    let q = 0;
    const endless = setInterval(() => writeFileSync(path, lockText(4242, `q${++q}`)), 20);
    const started = Date.now();
    try {
      await expect(withFileLock(path, lockDeps(), async () => 'ran', { timeoutMs: 50 })).rejects.toThrow(`gave up after ${50 * LOCK_QUEUE_HOLDERS} ms in all`);
    } finally {
      clearInterval(endless);
      rmSync(path, { force: true });
    }
    expect(Date.now() - started).toBeLessThan(50 * LOCK_QUEUE_HOLDERS + 2000);
  });

  it('breaks the lock of a dead holder', async () => {
    const path = lockPath();
    writeFileSync(path, lockText(999, 'dead'));
    expect(await withFileLock(path, lockDeps(), async () => 'ran', { timeoutMs: 100 })).toBe('ran');
    expect(existsSync(path)).toBe(false);
  });

  it('lets exactly one of many waiters in at a time when they all find the same stale lock', async () => {
    const path = lockPath();
    writeFileSync(path, lockText(999, 'dead'));
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withFileLock(path, lockDeps(5), async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 2));
          order.push(i);
          inside -= 1;
        }, { timeoutMs: 20_000, pollMs: 2 }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toHaveLength(20);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(`${path}.break`)).toBe(false);
  });

  it('recovers from a breaker that died mid-break', async () => {
    const path = lockPath();
    writeFileSync(path, lockText(999, 'dead'));
    writeFileSync(`${path}.break`, lockText(999, 'dead-breaker'));
    expect(await withFileLock(path, lockDeps(), async () => 'ran', { timeoutMs: 1000 })).toBe('ran');
    expect(existsSync(`${path}.break`)).toBe(false);
  });

  it('treats an unreadable lock file as stale only once it is old', async () => {
    const path = lockPath();
    writeFileSync(path, 'not a lock');
    await expect(withFileLock(path, lockDeps(), async () => 'ran', { timeoutMs: 50, unreadableStaleMs: 60_000 })).rejects.toThrow(/an unreadable lock file/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    expect(await withFileLock(path, lockDeps(), async () => 'ran', { timeoutMs: 50, unreadableStaleMs: 60_000 })).toBe('ran');
  });
});

describe('liveness by identity (boot id, pid, start time)', () => {
  const entry = { id: 1, pid: 100, startTime: 5000, bootId: BOOT } as TrackedEntry;
  it.each([
    ['alive: same pid, start time and boot', { pid: 100, startTime: 5000, exited: false }, BOOT, { alive: true }],
    ['exited: no process', undefined, BOOT, { alive: false, reason: 'exited' }],
    ['exited: a zombie', { pid: 100, startTime: 5000, exited: true }, BOOT, { alive: false, reason: 'exited' }],
    ['reused: same pid, other start time', { pid: 100, startTime: 7000, exited: false }, BOOT, { alive: false, reason: 'reused' }],
    ['other boot, even with the same pid and start time', { pid: 100, startTime: 5000, exited: false }, 'another-boot', { alive: false, reason: 'other-boot' }],
  ] as const)('%s', (_name, now, boot, expected) => {
    expect(livenessOf(entry, boot, now as ProcessProbe | undefined)).toEqual(expected);
  });
});

describe('selectors and labels', () => {
  const e = { id: 3, pid: 30, name: 'db', tags: ['a', 'b'], groups: ['prod'], argv: ['postgres', '-D', '/data'] } as unknown as TrackedEntry;
  it('ANDs kinds, ORs values within --tag/--group, ANDs within --tag-all/--group-all', () => {
    expect(matchesSelector(e, {})).toBe(true);
    expect(matchesSelector(e, { tags: ['x', 'b'] })).toBe(true);
    expect(matchesSelector(e, { tagsAll: ['a', 'x'] })).toBe(false);
    expect(matchesSelector(e, { tagsAll: ['a', 'b'], groups: ['prod', 'dev'] })).toBe(true);
    expect(matchesSelector(e, { tags: ['a'], groupsAll: ['prod', 'dev'] })).toBe(false);
    expect(matchesSelector(e, { names: ['db'], ids: [3], pids: [30] })).toBe(true);
    expect(matchesSelector(e, { names: ['web'] })).toBe(false);
    expect(matchesSelector(e, { search: '-D /da' })).toBe(true);
    expect(matchesSelector(e, { search: 'mysql' })).toBe(false);
  });
  it('refuses labels a filter token or a table could not show', () => {
    expect(labelProblem('tag', 'web-1.x')).toBeNull();
    expect(labelProblem('tag', '')).toMatch(/empty/);
    expect(labelProblem('tag', 'a b')).toMatch(/whitespace/);
    expect(labelProblem('group', 'a,b')).toMatch(/comma/);
    expect(labelProblem('name', 'x\u009b2J')).toMatch(/control/);
    expect(labelProblem('name', '12')).toMatch(/all digits/);
    expect(labelProblem('name', 'x'.repeat(65))).toMatch(/longer than 64/);
  });
});

describe('Registry: last seen and first seen dead', () => {
  let fixture: ProcFixture;
  beforeAll(async () => {
    fixture = await createProcFixture({ processes: PITFALL_PROCESSES });
    await mkdir(join(fixture.root, 'sys', 'kernel', 'random'), { recursive: true });
    await writeFile(join(fixture.root, 'sys', 'kernel', 'random', 'boot_id'), `${BOOT}\n`);
  });
  afterAll(() => fixture?.cleanup());

  /** A fixture collector whose probes can be overridden (a process "dies" or is "reused"). */
  function setup(): { registry: Promise<Registry>; clock: { ms: number }; probes: { override: Map<number, ProcessProbe | null> }; path: string } {
    const inner = createJsCollector(fixture.root);
    const override = new Map<number, ProcessProbe | null>();
    const collector: Collector = {
      ...inner,
      probeProcesses: async (pids) => {
        // The fixture has no proctop in it: the lock's own identity comes from the real /proc.
        const out = new Map([...(await inner.probeProcesses(pids)), ...(await createJsCollector().probeProcesses(pids.filter((p) => p === process.pid)))]);
        for (const [pid, p] of override) if (p === null) out.delete(pid); else out.set(pid, p);
        return out;
      },
    };
    const clock = { ms: Date.parse('2026-05-01T12:00:00.000Z') };
    const path = join(mkdtempSync(join(tmpdir(), 'proctop-reg-')), 'registry.json');
    const registry = Registry.open({ path, collector, now: () => clock.ms, lastSeenIntervalMs: 15_000, env: {} });
    return { registry, clock, probes: { override }, path };
  }

  it('writes last seen at most once per interval while alive, and first seen dead once', async () => {
    const { registry: opening, clock, probes, path } = setup();
    const registry = await opening;
    const added = await registry.add({ pid: 100 }, { name: 'weird', tags: ['t'] });
    expect(added).toMatchObject({ status: 'added', entry: { id: 1, pid: 100, startTime: 5000, bootId: BOOT, argv: ['/opt/weird/a) b (c', '--flag'], lastSeen: '2026-05-01T12:00:00.000Z' } });
    const look = async (): Promise<TrackedEntry> => {
      const { entries } = await registry.read();
      const { statuses } = await registry.observe(await registry.statuses(entries));
      return statuses[0]!.entry;
    };
    const fileText = (): string => readFileSync(path, 'utf8');
    const before = fileText();
    clock.ms += 14_000;
    expect((await look()).lastSeen).toBe('2026-05-01T12:00:00.000Z');
    expect(fileText()).toBe(before); // nothing due: a read does not write
    clock.ms += 2_000;
    expect((await look()).lastSeen).toBe('2026-05-01T12:00:16.000Z');
    expect((await registry.read()).entries[0]?.lastSeen).toBe('2026-05-01T12:00:16.000Z');

    probes.override.set(100, { pid: 100, startTime: 9999, exited: false }); // PID reused
    clock.ms += 60_000;
    const [status] = await registry.statuses((await registry.read()).entries);
    expect(status?.liveness).toEqual({ alive: false, reason: 'reused' });
    expect((await look()).firstSeenDead).toBe('2026-05-01T12:01:16.000Z');
    clock.ms += 60_000;
    const dead = await look();
    expect(dead).toMatchObject({ firstSeenDead: '2026-05-01T12:01:16.000Z', lastSeen: '2026-05-01T12:00:16.000Z' });
  });

  it('refuses an exited (zombie) or missing process and a stale PID:START, and keeps ids monotonic across rm', async () => {
    const registry = await setup().registry;
    expect(await registry.add({ pid: 200 })).toEqual({ status: 'exited', pid: 200 });
    expect(await registry.add({ pid: 31337 })).toEqual({ status: 'no-process', pid: 31337 });
    expect(await registry.add({ pid: 100, startTime: 1 })).toEqual({ status: 'reused', pid: 100, startTime: 1 });
    expect((await registry.add({ pid: 100 })).status).toBe('added');
    expect(await registry.remove({ ids: [1] }, { all: false })).toMatchObject({ status: 'selected' });
    const again = await registry.add({ pid: 100 });
    expect(again).toMatchObject({ status: 'added', entry: { id: 2 } });
    expect(await registry.relabel(2, { name: 'renamed', tags: ['z', 'a', 'z'] })).toMatchObject({ status: 'relabelled', entry: { name: 'renamed', tags: ['a', 'z'] } });
    expect(await registry.relabel(7, { name: 'x' })).toEqual({ status: 'missing' });
  });

  /** A look as `track list` does it: read, liveness, observations written when due. */
  async function look(registry: Registry): Promise<readonly TrackedEntry[]> {
    const { statuses, warning } = await registry.observe(await registry.statuses((await registry.read()).entries));
    expect(warning).toBeNull();
    return statuses.map((s) => s.entry);
  }

  it('a due look writes only the small observations file; the next change folds it in and removes it', async () => {
    const { registry: opening, clock, path } = setup();
    const registry = await opening;
    await registry.add({ pid: 100 }, { name: 'weird' });
    const stored = readFileSync(path, 'utf8');
    // Version 2: one compact entry per line, the whole file one JSON document.
    expect(stored.split('\n')).toHaveLength(4);
    expect(JSON.parse(stored)).toMatchObject({ format: 'proctop-registry', version: 2, next_id: 2, entries: [{ id: 1, pid: 100, last_seen: '2026-05-01T12:00:00.000Z' }] });
    clock.ms += 16_000;
    expect((await look(registry))[0]?.lastSeen).toBe('2026-05-01T12:00:16.000Z');
    expect(readFileSync(path, 'utf8')).toBe(stored);
    expect(JSON.parse(readFileSync(`${path}.seen`, 'utf8'))).toEqual({ format: 'proctop-registry-seen', version: 1, last_seen: { '1:100:5000': '2026-05-01T12:00:16.000Z' }, first_seen_dead: {} });
    // Every reader sees it, a fresh one too.
    const other = await Registry.open({ path, env: {}, lastSeenIntervalMs: 15_000 });
    expect((await other.read()).entries[0]?.lastSeen).toBe('2026-05-01T12:00:16.000Z');
    // Not due again within the interval: nothing written.
    clock.ms += 10_000;
    const seenBefore = readFileSync(`${path}.seen`, 'utf8');
    await look(registry);
    expect(readFileSync(`${path}.seen`, 'utf8')).toBe(seenBefore);

    expect((await registry.add({ pid: 400 })).status).toBe('added');
    expect(existsSync(`${path}.seen`)).toBe(false);
    const folded = JSON.parse(readFileSync(path, 'utf8'));
    expect(folded.entries.map((e: { id: number; last_seen: string }) => [e.id, e.last_seen])).toEqual([
      [1, '2026-05-01T12:00:16.000Z'],
      [2, '2026-05-01T12:00:26.000Z'],
    ]);
  });

  it('reads a version 1 (indented) registry as it is, and the next change rewrites it as version 2 with every field kept', async () => {
    const { registry: opening, clock, path } = setup();
    const v1Entry = (id: number, pid: number, startTime: number, extra: Record<string, unknown>): Record<string, unknown> => ({
      id,
      pid,
      start_time: startTime,
      boot_id: BOOT,
      name: null,
      tags: [],
      groups: [],
      cmdline: ['x'],
      exe: null,
      uid: 0,
      user: 'root',
      created_at: '2026-04-01T00:00:00.000Z',
      last_seen: '2026-04-01T00:00:00.000Z',
      first_seen_dead: null,
      log_path: null,
      cwd: null,
      origin: 'add',
      ...extra,
    });
    const entries = [
      v1Entry(4, 100, 5000, { name: 'web', tags: ['a', 'b'], groups: ['prod'], cmdline: ['/opt/weird/a) b (c', '--flag', '\u001b[2J\u009b'], exe: '/opt/weird/a) b (c', uid: 1000, user: 'me' }),
      v1Entry(7, 4242, 1, { origin: 'run', log_path: '/tmp/7.log', cwd: '/srv', first_seen_dead: '2026-04-02T00:00:00.000Z' }),
    ];
    // Exactly what proctop wrote before version 2: JSON.stringify(..., null, 2) and a newline.
    const v1 = `${JSON.stringify({ format: 'proctop-registry', version: 1, next_id: 8, entries }, null, 2)}\n`;
    writeFileSync(path, v1, { mode: 0o600 });
    const registry = await opening;
    const read = await registry.read();
    expect(read.nextId).toBe(8);
    expect(read.entries).toEqual([
      { id: 4, pid: 100, startTime: 5000, bootId: BOOT, name: 'web', tags: ['a', 'b'], groups: ['prod'], argv: ['/opt/weird/a) b (c', '--flag', '\u001b[2J\u009b'], exe: '/opt/weird/a) b (c', uid: 1000, user: 'me', createdAt: '2026-04-01T00:00:00.000Z', lastSeen: '2026-04-01T00:00:00.000Z', firstSeenDead: null, logPath: null, cwd: null, origin: 'add' },
      { id: 7, pid: 4242, startTime: 1, bootId: BOOT, name: null, tags: [], groups: [], argv: ['x'], exe: null, uid: 0, user: 'root', createdAt: '2026-04-01T00:00:00.000Z', lastSeen: '2026-04-01T00:00:00.000Z', firstSeenDead: '2026-04-02T00:00:00.000Z', logPath: '/tmp/7.log', cwd: '/srv', origin: 'run' },
    ]);
    // A look leaves the old file as it is (its observation goes beside it).
    const [alive] = await look(registry);
    expect(alive?.lastSeen).toBe('2026-05-01T12:00:00.000Z');
    expect(readFileSync(path, 'utf8')).toBe(v1);
    // The first change rewrites it as version 2: same entries, the observation folded in, ids go on.
    clock.ms += 1000;
    expect(await registry.add({ pid: 400 })).toMatchObject({ status: 'added', entry: { id: 8 } });
    const v2 = JSON.parse(readFileSync(path, 'utf8'));
    expect(v2).toMatchObject({ format: 'proctop-registry', version: 2, next_id: 9 });
    expect(v2.entries.slice(0, 2)).toEqual([{ ...entries[0], last_seen: '2026-05-01T12:00:00.000Z' }, entries[1]]);
    expect(existsSync(`${path}.seen`)).toBe(false);
  });

  it('applies an observation only to the identity it was made for, and never moves last seen back', async () => {
    const { registry: opening, path } = setup();
    const registry = await opening;
    await registry.add({ pid: 100 });
    await registry.add({ pid: 400 });
    // Left by a crash (between the registry write and the removal) or from before a reset that
    // restarted the ids: id 1 with another PID or start time, and an older time for id 2.
    writeFileSync(`${path}.seen`, JSON.stringify({ format: 'proctop-registry-seen', version: 1, last_seen: { '1:100:4999': '2030-01-01T00:00:00.000Z', '1:400:7000': '2030-01-01T00:00:00.000Z', '2:400:7000': '2026-04-01T00:00:00.000Z' }, first_seen_dead: { '1:100:4999': '2030-01-01T00:00:00.000Z' } }), { mode: 0o600 });
    const { entries } = await registry.read();
    expect(entries.map((e) => [e.id, e.lastSeen, e.firstSeenDead])).toEqual([
      [1, '2026-05-01T12:00:00.000Z', null],
      [2, '2026-05-01T12:00:00.000Z', null],
    ]);
  });

  it('an observations file that does not parse, or is a symbolic link, is an error naming it, left as it is', async () => {
    const { registry: opening, path } = setup();
    const registry = await opening;
    await registry.add({ pid: 100 });
    writeFileSync(`${path}.seen`, '{"format":"proctop-registry-seen",');
    await expect(registry.read()).rejects.toThrow(new RegistryFileError(`registry observations ${path}.seen: does not parse as JSON; it was left as it is: fix it or move it away`));
    await expect(registry.add({ pid: 400 })).rejects.toThrow(RegistryFileError);
    expect(readFileSync(`${path}.seen`, 'utf8')).toBe('{"format":"proctop-registry-seen",');
    rmSync(`${path}.seen`);
    symlinkSync(path, `${path}.seen`);
    await expect(registry.read()).rejects.toThrow(`registry observations: refusing ${path}.seen: it is a symbolic link`);
  });

  it('a registry changed behind an open Registry is read again, even rewritten in place with the same size', async () => {
    const { registry: opening, path } = setup();
    const first = await opening;
    await first.add({ pid: 100 }, { name: 'aaaa' });
    expect((await first.read()).entries.map((e) => e.name)).toEqual(['aaaa']);
    // Another proctop changes it (a new file renamed into place)...
    const second = await Registry.open({ path, env: {}, lastSeenIntervalMs: 15_000 });
    expect(await second.relabel(1, { name: 'bbbb' })).toMatchObject({ status: 'relabelled' });
    expect((await first.read()).entries.map((e) => e.name)).toEqual(['bbbb']);
    // ...or someone edits it in place, same size, same inode, maybe within one clock tick.
    writeFileSync(path, readFileSync(path, 'utf8').replace('"bbbb"', '"cccc"'));
    expect((await first.add({ pid: 400 }, { name: 'dddd' })).status).toBe('added');
    expect((await second.read()).entries.map((e) => e.name)).toEqual(['cccc', 'dddd']);
  });
});
