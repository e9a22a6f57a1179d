// The decoder's side of changed-rows delivery, on packed reads made here (no addon, no /proc):
// freed slots before rows, a slot reused in the same read, unchanged processes keeping their
// record, and starting over on both sides after a read or a decode fails.
import { describe, expect, it } from 'vitest';
import { CPU_FIELDS, NativeSnapshotReader, PROCESS_COLUMNS, SYSTEM_FIELDS, type PackedSnapshot, type PackedSnapshotSource } from '../src/sys/native-snapshot.js';

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
    handleStats: () => ({ kept: 0, budget: 0, limit: 0, reserve: 0, enabled: false }),
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
