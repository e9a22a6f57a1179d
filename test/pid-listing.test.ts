// The native reader's PID listings (native/linux/pid_listing.h): a steady read re-reads the PIDs
// the read before it found and lists only the PIDs allocated since (from /proc/loadavg's last
// PID), with a full listing at least every fullListingEveryMs. On real children: every child
// started or ended between two reads is seen as a full listing sees it; in a PID namespace of the
// test's own (root only), the cursor moved backwards and a PID below the range.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NativeAddon } from '../src/sys/native-addon.js';
import { addonPath, requireAddon } from './helpers/native-addon.js';
import { NativeSnapshotReader } from '../src/sys/native-snapshot.js';
import type { Snapshot } from '../src/sys/types.js';
import { reuseBlocker } from './helpers/pid-namespace.js';
import { createProcFixture } from './helpers/proc-fixture.js';
import { killStartedChildren, startSleeper, waitFor } from './helpers/children.js';

/** The pids of `snapshot` among `pids` whose row shows them as sleep (exec'd). */
function sleepingAmong(snapshot: Snapshot, pids: readonly number[]): number[] {
  const wanted = new Set(pids);
  return snapshot.processes.filter((p) => wanted.has(p.pid) && p.comm === 'sleep').map((p) => p.pid);
}

const HOUR_MS = 3_600_000;

/**
 * True when this test runs in a nested PID namespace (a container): /proc/stat counts forks in
 * every namespace, more than this namespace's PID cursor moves by, so most listings are full there.
 */
const nestedPidNamespace = /^NSpid:\s+\d+\s+\d+/m.test(readFileSync('/proc/self/status', 'utf8'));

/**
 * The reader's listing counts: every read counted once, and the recent ones as expected. One
 * fewer recent listing is allowed: other tests forking meanwhile can take the PID cursor round
 * pid_max (32,768 here), and a read after that lists in full, as it should. In a nested PID
 * namespace only the total is checked.
 */
function expectListings(reader: NativeSnapshotReader, expected: { full: number; recent: number }): void {
  const stats = reader.listingStats();
  expect(stats.full + stats.recent).toBe(expected.full + expected.recent);
  if (!nestedPidNamespace) expect(stats.recent).toBeGreaterThanOrEqual(expected.recent - 1);
}

describe('PID listings of the native reader', () => {
  let addon: NativeAddon;
  beforeAll(() => {
    addon = requireAddon();
  });
  afterEach(async () => {
    await killStartedChildren();
  });

  it('finds every child started between two steady reads without a full listing, and drops those that ended', async () => {
    const reader = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullListingEveryMs: HOUR_MS }));
    await reader.snapshot();
    await reader.snapshot();
    expectListings(reader, { full: 1, recent: 1 });

    // A burst of 40 children, all started after the last listing's cursor.
    const children = Array.from({ length: 40 }, () => startSleeper(300));
    const pids = children.map((child) => child.pid!);
    // Every child has exec'd sleep before the comparison (right after spawn it may still be node's fork).
    await waitFor(() => pids.every((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n') || undefined);
    const steady = await reader.snapshot();
    expect(sleepingAmong(steady, pids).sort((a, b) => a - b)).toEqual([...pids].sort((a, b) => a - b));
    // A reader listing in full every read sees the same rows for them.
    const full = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullListingEveryMs: 0 }));
    const fromFull = await full.snapshot();
    for (const pid of pids) {
      const a = steady.processes.find((p) => p.pid === pid)!;
      const b = fromFull.processes.find((p) => p.pid === pid)!;
      expect({ pid: a.pid, startTime: a.startTime, argv: a.argv }).toEqual({ pid: b.pid, startTime: b.startTime, argv: b.argv });
    }

    // Half of them end: the next steady read drops exactly those (their kept handles say ESRCH).
    const ended = children.slice(0, 20);
    await Promise.all(
      ended.map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    const after = await reader.snapshot();
    const left = new Set(after.processes.map((p) => p.pid));
    expect(ended.filter((child) => left.has(child.pid!))).toEqual([]);
    expect(sleepingAmong(after, pids.slice(20)).length).toBe(20);
    expectListings(reader, { full: 1, recent: 3 });
    // The snapshot's order is still by pid.
    const order = after.processes.map((p) => p.pid);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('lists in full every read at fullListingEveryMs 0, and again once the bound has passed', async () => {
    const everyRead = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullListingEveryMs: 0 }));
    for (let read = 0; read < 3; read++) await everyRead.snapshot();
    expect(everyRead.listingStats()).toEqual({ full: 3, recent: 0 });

    // Two reads well inside the bound (a read here takes tens of ms), then one past it.
    const bounded = new NativeSnapshotReader(new addon.SnapshotReader('/proc', { fullListingEveryMs: 2000 }));
    await bounded.snapshot();
    await bounded.snapshot();
    expectListings(bounded, { full: 1, recent: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const before = bounded.listingStats();
    await bounded.snapshot();
    expect(bounded.listingStats()).toEqual({ full: before.full + 1, recent: before.recent });
    expect(() => new addon.SnapshotReader('/proc', { fullListingEveryMs: -1 })).toThrow(/fullListingEveryMs/);
  });

  it('lists a proc root that is not procfs in full every read (a fixture tree: a new PID below the last one is found)', async () => {
    const fixture = await createProcFixture({
      processes: [
        { pid: 300, comm: 'first', argv: ['first'] },
        { pid: 400, comm: 'second', argv: ['second'] },
      ],
    });
    try {
      const reader = new NativeSnapshotReader(new addon.SnapshotReader(fixture.root, { fullListingEveryMs: HOUR_MS }));
      await reader.snapshot();
      await reader.snapshot();
      await fixture.writeProcess({ pid: 7, comm: 'late', argv: ['late'] });
      const snapshot = await reader.snapshot();
      expect(snapshot.processes.map((p) => [p.pid, p.comm])).toEqual([
        [7, 'late'],
        [300, 'first'],
        [400, 'second'],
      ]);
      expect(reader.listingStats()).toEqual({ full: 3, recent: 0 });
    } finally {
      await fixture.cleanup();
    }
  });
});

// In a PID namespace of its own (root only, as test/pid-reuse.test.ts), where the test moves the
// namespace's PID cursor with ns_last_pid: a sleeper at 1001 sets the cursor; a child given a PID
// far below it (A, 501) and then one past it (B, 3001) make the next read a recent listing that
// finds B and not A (A is below its range: what the bound is for), and a read once
// fullListingEveryMs has passed finds A. Forks while the cursor ends where it was (a lap round
// pid_max) and a cursor moved backwards (C, 301) each make the next read a full listing that
// finds them at once.
const CURSOR_SCENARIO = `
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
const [addonPath] = process.argv.slice(2);
const addon = createRequire(import.meta.url)(addonPath);
const column = (name) => addon.snapshotLayout.processColumns.indexOf(name);
const PID = column('pid');
const SLOT = column('slot');
const BOUND_MS = 1500;
const reader = new addon.SnapshotReader('/proc', { fullListingEveryMs: BOUND_MS });
// The pid of every identity slot, kept from read to read as the decoder keeps its rows.
const pidOfSlot = new Map();
const read = async () => {
  const packed = await reader.read();
  for (const slot of packed.freed) pidOfSlot.delete(slot);
  for (let row = 0; row < packed.count; row++) pidOfSlot.set(packed.columns[SLOT * packed.count + row], packed.columns[PID * packed.count + row]);
  return new Set(Array.from(packed.order, (slot) => pidOfSlot.get(slot)));
};
const children = [];
// A sleeper on the PID after the one ns_last_pid is set to.
const sleeperAfter = (last) => {
  writeFileSync('/proc/sys/kernel/ns_last_pid', String(last));
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(child);
  return child.pid;
};
// Forks anywhere on the machine count in /proc/stat's "processes"; a recent listing needs the
// cursor to have moved at least as far, so the cursor is moved well ahead before each such read.
const advance = (by) => {
  const last = Number(readFileSync('/proc/loadavg', 'utf8').trim().split(' ').at(-1));
  writeFileSync('/proc/sys/kernel/ns_last_pid', String(last + by));
};
const result = {};
try {
  const started = Date.now();
  await read(); // starts the reader's and libuv's threads: no thread takes a PID after this
  const anchor = sleeperAfter(1000);
  await read();
  advance(100);
  result.firstRead = { anchor, seen: (await read()).has(anchor), stats: reader.listingStats() };
  const below = sleeperAfter(500); // far below the range of the next recent listing
  const past = sleeperAfter(3000);
  const next = await read();
  result.recent = { below, past, belowSeen: next.has(below), pastSeen: next.has(past), stats: reader.listingStats(), early: Date.now() - started < BOUND_MS };
  await new Promise((resolve) => setTimeout(resolve, BOUND_MS + 100));
  const later = await read();
  result.afterBound = { belowSeen: later.has(below), stats: reader.listingStats() };
  // As if the cursor had gone all the way round pid_max: three forks, and the cursor back where
  // the last listing found it. It did not move, yet three tasks were forked: a full listing.
  const lapFrom = Number(readFileSync('/proc/loadavg', 'utf8').trim().split(' ').at(-1));
  const lapped = [sleeperAfter(lapFrom + 10), sleeperAfter(lapFrom + 20), sleeperAfter(lapFrom + 30)];
  writeFileSync('/proc/sys/kernel/ns_last_pid', String(lapFrom));
  const afterLap = await read();
  result.lap = { offsets: lapped.map((pid) => pid - lapFrom), seen: lapped.map((pid) => afterLap.has(pid)), stats: reader.listingStats() };
  const backwards = sleeperAfter(300); // the cursor goes back below the last one: a full listing
  const full = await read();
  result.backwards = { pid: backwards, seen: full.has(backwards), stats: reader.listingStats() };
} finally {
  for (const child of children) child.kill('SIGKILL');
}
console.log(JSON.stringify(result));
`;

const blocker = reuseBlocker();
if (blocker) console.log(`pid-listing cursor scenarios: skipped — ${blocker}`);

describe.skipIf(blocker !== null)('PID listings and a moved PID cursor (own PID namespace)', () => {
  it('finds a PID below the range by the next full listing, and lists in full when the cursor went backwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctop-pid-listing-'));
    const script = join(dir, 'scenario.mjs');
    writeFileSync(script, CURSOR_SCENARIO);
    const run = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, script, addonPath()], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const outcome = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(outcome.firstRead).toEqual({ anchor: 1001, seen: true, stats: { full: 1, recent: 2 } });
    // The next read lists only the PIDs from just below the last cursor (1101) up to 3001: B, not A.
    expect(outcome.recent).toEqual({ below: 501, past: 3001, belowSeen: false, pastSeen: true, stats: { full: 1, recent: 3 }, early: true });
    // Once fullListingEveryMs has passed, a full listing finds A.
    expect(outcome.afterBound).toEqual({ belowSeen: true, stats: { full: 2, recent: 3 } });
    // More forks than the cursor moved by (a lap round pid_max): a full listing finds all three.
    expect(outcome.lap).toEqual({ offsets: [11, 21, 31], seen: [true, true, true], stats: { full: 3, recent: 3 } });
    // The cursor moved back (301 < the last one): that read is a full listing and finds the child at once.
    expect(outcome.backwards).toEqual({ pid: 301, seen: true, stats: { full: 4, recent: 3 } });
  });
});
