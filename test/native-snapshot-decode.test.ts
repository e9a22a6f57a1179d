// The decoder's side of changed-rows delivery, on packed reads made here (no addon, no /proc):
// freed slots before rows, a slot reused in the same read, unchanged processes keeping their
// record, and starting over on both sides after a read or a decode fails.
import { inspect } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CPU_FIELDS, NativeSnapshotReader, PROCESS_COLUMNS, SYSTEM_FIELDS, type PackedSnapshot, type PackedSnapshotSource } from '../src/sys/native-snapshot.js';
import type { RawProcess, Snapshot } from '../src/sys/types.js';

// To let a dropped lazy list be collected (the store must then not build records for it).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** One packed row: figures, and the details text when the identity is new to the decoder. */
interface Row {
  readonly slot: number;
  readonly pid: number;
  readonly startTime?: number;
  readonly utime?: number;
  readonly vsizeBytes?: number;
  /** comm, user, exe, argv: present = detailsFresh. */
  readonly details?: { readonly comm: string; readonly user: string; readonly exe: string | null; readonly argv: readonly string[] };
}

function pack(rows: readonly Row[], order: readonly number[], freed: readonly number[] = []): PackedSnapshot {
  const count = rows.length;
  const columns = new Float64Array(PROCESS_COLUMNS.length * count);
  const texts: Buffer[] = [];
  rows.forEach((row, i) => {
    const put = (name: (typeof PROCESS_COLUMNS)[number], value: number): void => {
      columns[PROCESS_COLUMNS.indexOf(name) * count + i] = value;
    };
    put('pid', row.pid);
    put('startTime', row.startTime ?? 1000 + row.pid);
    put('ppid', 1);
    put('state', 'S'.charCodeAt(0));
    put('utime', row.utime ?? 0);
    put('vsizeBytes', row.vsizeBytes ?? 4096);
    put('slot', row.slot);
    put('priority', 20);
    put('threads', 1);
    if (row.details) {
      const { comm, user, exe, argv } = row.details;
      const text = Buffer.from([comm, user, ...(exe === null ? [] : [exe]), ...argv].map((piece) => `${piece}\0`).join(''), 'utf8');
      texts.push(text);
      put('detailsFresh', 1);
      put('hasExe', exe === null ? 0 : 1);
      put('argc', argv.length);
      put('textAscii', text.every((byte) => byte < 0x80) ? 1 : 0);
      put('textBytes', text.length);
    }
  });
  const text = Buffer.concat(texts);
  const system = new Float64Array(SYSTEM_FIELDS.length + CPU_FIELDS.length);
  return {
    count,
    columns,
    order: Uint32Array.from(order),
    freed: Uint32Array.from(freed),
    system,
    text: text.buffer.slice(text.byteOffset, text.byteOffset + text.length) as ArrayBuffer,
    textLength: text.length,
    warnings: [],
  };
}

/** A source that resolves the given reads in turn (an Error rejects) and counts forgetAll calls. */
function scripted(reads: readonly (PackedSnapshot | Error)[]): PackedSnapshotSource & { forgotten: number } {
  let next = 0;
  return {
    forgotten: 0,
    read() {
      const read = reads[next++];
      if (read === undefined) throw new Error('no more scripted reads');
      return read instanceof Error ? Promise.reject(read) : Promise.resolve(read);
    },
    forgetAll() {
      this.forgotten++;
    },
    handleStats: () => ({ kept: 0, budget: 0, limit: 0, reserve: 0, enabled: false, prepared: 0, runChecks: 0, unread: 0, runChecksRefused: 0 }),
    listingStats: () => ({ full: 0, recent: 0 }),
    readerThread: () => ({ started: false, tid: 0, nice: 0 }),
  };
}

const sleeper = { comm: 'sleep', user: 'root', exe: '/usr/bin/sleep', argv: ['sleep', '300'] };
const shell = { comm: 'sh', user: 'alice', exe: null, argv: ['sh', '-c', 'x'] };

describe('NativeSnapshotReader applying changed rows', () => {
  it('keeps the record of an unchanged process, replaces a changed one and lists both in the order given', async () => {
    const source = scripted([
      pack([{ slot: 0, pid: 10, details: sleeper }, { slot: 1, pid: 20, details: shell }], [0, 1]),
      pack([{ slot: 1, pid: 20, utime: 7 }], [0, 1]),
    ]);
    const reader = new NativeSnapshotReader(source);
    const first = await reader.snapshot();
    expect(first.processes.map((p) => [p.pid, p.comm, p.argv, p.exe, p.user])).toEqual([
      [10, 'sleep', ['sleep', '300'], '/usr/bin/sleep', 'root'],
      [20, 'sh', ['sh', '-c', 'x'], null, 'alice'],
    ]);
    const second = await reader.snapshot();
    expect(second.processes[0]).toBe(first.processes[0]);
    expect(second.processes[1]).not.toBe(first.processes[1]);
    // Details carried over from the identity's earlier record.
    expect(second.processes[1]).toMatchObject({ pid: 20, utime: 7, comm: 'sh', argv: ['sh', '-c', 'x'], exe: null, user: 'alice' });
    expect(Object.isFrozen(second.processes[1])).toBe(true);
  });

  it('applies freed slots before the rows, so a slot freed and given to a new identity in one read shows the new one', async () => {
    const source = scripted([
      pack([{ slot: 0, pid: 10, details: sleeper }, { slot: 1, pid: 20, details: shell }], [0, 1]),
      // pid 10 exited; pid 30 is new and took slot 0 in the same read.
      pack([{ slot: 0, pid: 30, details: { ...sleeper, argv: ['sleep', '5'] } }], [1, 0], [0]),
      // pid 20 exited, nothing took its slot.
      pack([], [0], [1]),
    ]);
    const reader = new NativeSnapshotReader(source);
    await reader.snapshot();
    const reused = await reader.snapshot();
    expect(reused.processes.map((p) => [p.pid, p.argv])).toEqual([
      [20, ['sh', '-c', 'x']],
      [30, ['sleep', '5']],
    ]);
    expect((await reader.snapshot()).processes.map((p) => p.pid)).toEqual([30]);
  });

  it('shares the details of identical processes of one read, and keeps large numbers exact', async () => {
    const source = scripted([
      pack(
        [
          { slot: 0, pid: 10, details: sleeper, vsizeBytes: 140_737_488_355_328 },
          { slot: 1, pid: 11, details: sleeper, utime: 4_000_000_000 },
          { slot: 2, pid: 12, details: { ...sleeper, exe: null } },
        ],
        [0, 1, 2],
      ),
    ]);
    const { processes } = await new NativeSnapshotReader(source).snapshot();
    expect(processes[1]!.argv).toBe(processes[0]!.argv);
    // Same text but no exe: not a twin.
    expect(processes[2]).toMatchObject({ exe: null, argv: ['sleep', '300'] });
    expect(processes[0]!.vsizeBytes).toBe(140_737_488_355_328);
    expect(processes[1]!.utime).toBe(4_000_000_000);
  });

  it('starts over on both sides when a decode fails, and forgets its records when a read fails', async () => {
    const source = scripted([
      pack([{ slot: 0, pid: 10, details: sleeper }], [0]),
      // A changed row for a slot the decoder never saw described: both sides must start over.
      pack([{ slot: 5, pid: 50, utime: 1 }], [0, 5]),
      pack([{ slot: 0, pid: 10, details: sleeper, utime: 3 }], [0]),
      new Error('cannot open /proc'),
      // After a failed read the addon has forgotten everything: a row without details is refused.
      pack([{ slot: 0, pid: 10, utime: 4 }], [0]),
    ]);
    const reader = new NativeSnapshotReader(source);
    await reader.snapshot();
    await expect(reader.snapshot()).rejects.toThrow(/no details for identity slot 5 \(pid 50\)/);
    expect(source.forgotten).toBe(1);
    expect((await reader.snapshot()).processes).toMatchObject([{ pid: 10, utime: 3, argv: ['sleep', '300'] }]);
    await expect(reader.snapshot()).rejects.toThrow(/cannot open \/proc/);
    await expect(reader.snapshot()).rejects.toThrow(/no details for identity slot 0/);
  });
});

const hostile = { comm: 'zq\x1b[2J\u009b\x07', user: 'bob', exe: '/tmp/e\x1b]0;x\x07', argv: ['ü\x1b[31m', '', 'a\nb'] };

/** The same packed reads through an eager and a lazy decoder (each its own source: decoding never changes a packed read). */
async function eagerAndLazy(reads: readonly PackedSnapshot[]): Promise<{ eager: Snapshot[]; lazy: Snapshot[] }> {
  const eagerReader = new NativeSnapshotReader(scripted(reads), Infinity);
  const lazyReader = new NativeSnapshotReader(scripted(reads), 0);
  const eager: Snapshot[] = [];
  const lazy: Snapshot[] = [];
  for (let i = 0; i < reads.length; i++) {
    // Eager records are copied out at once; the lazy lists are not read until every read is applied.
    const snapshot = await eagerReader.snapshot();
    eager.push({ ...snapshot, processes: [...snapshot.processes] });
    lazy.push(await lazyReader.snapshot());
  }
  return { eager, lazy };
}

describe('NativeSnapshotReader lazy lists (reads leaving more than LAZY_FROM records to build)', () => {
  it('list the same records as an eager decode of the same reads, even when read after later reads changed or freed their slots', async () => {
    const reads = [
      pack(
        [
          { slot: 0, pid: 10, details: sleeper },
          { slot: 1, pid: 20, details: shell },
          { slot: 2, pid: 30, details: hostile, vsizeBytes: 140_737_488_355_328 },
          { slot: 3, pid: 40, details: sleeper },
        ],
        [0, 1, 2, 3],
      ),
      // 20's figures move, 30 exits and 50 takes its slot, 40's figures move.
      pack([{ slot: 1, pid: 20, utime: 9 }, { slot: 2, pid: 50, details: shell }, { slot: 3, pid: 40, utime: 4_000_000_000 }], [0, 1, 3, 2], [2]),
      // 10 exits; 40 moves again.
      pack([{ slot: 3, pid: 40, utime: 4_000_000_001 }], [1, 3, 2], [0]),
    ];
    const { eager, lazy } = await eagerAndLazy(reads);
    expect(lazy[0]!.processes.map((p) => [p.pid, p.utime])).toEqual([
      [10, 0],
      [20, 0],
      [30, 0],
      [40, 0],
    ]);
    for (let i = 0; i < reads.length; i++) {
      expect([...lazy[i]!.processes]).toEqual(eager[i]!.processes);
      // Hostile text stays exact, byte for byte, in JSON.
      expect(JSON.stringify(lazy[i]!.processes)).toBe(JSON.stringify(eager[i]!.processes));
    }
    expect(lazy[0]!.processes[2]).toMatchObject({ comm: hostile.comm, exe: hostile.exe, argv: hostile.argv, vsizeBytes: 140_737_488_355_328 });
    expect(lazy[2]!.processes[1]).toMatchObject({ pid: 40, utime: 4_000_000_001, comm: 'sleep', argv: ['sleep', '300'] });
  });

  it('hand out one record per unchanged process across reads, whichever list builds it first', async () => {
    const reads = [
      pack([{ slot: 0, pid: 10, details: sleeper }, { slot: 1, pid: 20, details: shell }], [0, 1]),
      pack([{ slot: 1, pid: 20, utime: 7 }], [0, 1]),
      pack([], [0, 1]),
    ];
    const reader = new NativeSnapshotReader(scripted(reads), 0);
    const first = await reader.snapshot();
    const second = await reader.snapshot();
    // Built by the later list first, then asked of the earlier one: the same object.
    const sleeperRecord = second.processes[0];
    expect(first.processes[0]).toBe(sleeperRecord);
    expect(first.processes[1]).not.toBe(second.processes[1]);
    expect(first.processes[1]).toMatchObject({ pid: 20, utime: 0 });
    expect(second.processes[1]).toMatchObject({ pid: 20, utime: 7, comm: 'sh' });
    const third = await reader.snapshot();
    expect(third.processes[0]).toBe(sleeperRecord);
    expect(third.processes[1]).toBe(second.processes[1]);
    expect(Object.isFrozen(third.processes[1])).toBe(true);
  });

  it('decode a slot from its own text when its figures move after its list was dropped unread', async () => {
    const reads = [
      pack([{ slot: 0, pid: 10, details: hostile }, { slot: 1, pid: 20, details: shell }], [0, 1]),
      // Figures only: the details are still the first read's undecoded text.
      pack([{ slot: 0, pid: 10, utime: 5 }], [0, 1]),
    ];
    const reader = new NativeSnapshotReader(scripted(reads), 0);
    let dropped: WeakRef<object> | undefined = new WeakRef((await reader.snapshot()).processes);
    // Let the first list go, so no list asks the store to build its records before they change.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    expect(dropped.deref()).toBeUndefined();
    dropped = undefined;
    const { processes } = await reader.snapshot();
    expect([...processes]).toMatchObject([
      { pid: 10, utime: 5, comm: hostile.comm, user: 'bob', exe: hostile.exe, argv: hostile.argv },
      { pid: 20, utime: 0, comm: 'sh', argv: ['sh', '-c', 'x'] },
    ]);
  });

  it('behave as a read-only array', async () => {
    const reader = new NativeSnapshotReader(scripted([pack([{ slot: 0, pid: 10, details: sleeper }, { slot: 1, pid: 20, details: shell }], [0, 1])]), 0);
    const { processes } = await reader.snapshot();
    expect(Array.isArray(processes)).toBe(true);
    expect(processes.length).toBe(2);
    expect(processes[2]).toBeUndefined();
    expect(1 in processes).toBe(true);
    expect(2 in processes).toBe(false);
    expect(Object.keys(processes)).toEqual(['0', '1']);
    expect([...processes].map((p) => p.pid)).toEqual([10, 20]);
    expect(processes.map((p) => p.comm)).toEqual(['sleep', 'sh']);
    expect(processes.filter((p) => p.pid > 10)).toEqual([processes[1]]);
    expect(processes.find((p) => p.pid === 20)).toBe(processes[1]);
    expect(processes.slice(1)).toEqual([processes[1]]);
    expect(JSON.parse(JSON.stringify({ processes }))).toEqual({ processes: [{ ...processes[0] }, { ...processes[1] }] });
    expect(() => {
      (processes as RawProcess[])[0] = processes[1]!;
    }).toThrow(TypeError);
    expect(() => {
      (processes as RawProcess[]).pop();
    }).toThrow(TypeError);
    expect(processes[0]!.pid).toBe(10);
    // console.log shows the records, not the empty target behind the Proxy.
    expect(inspect(processes)).toBe(inspect([...processes]));
    expect(inspect(processes)).toContain("comm: 'sleep'");
  });
});
