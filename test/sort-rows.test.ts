// sortRows (ranked keys and a counting sort) must give exactly the comparator's order: the same
// key order, ties by PID then start time, then the order given, for every column both ways.
import { describe, expect, it } from 'vitest';
import { COLUMN_IDS, type ColumnId } from '../src/config/columns.js';
import { rowComparator, sortRows } from '../src/store/columns.js';
import { displayRows } from '../src/store/process-list.js';
import { SampledRow } from '../src/sampler/sampled-row.js';
import type { ProcessRow } from '../src/sampler/types.js';
import { syntheticRow } from './helpers/synthetic-frames.js';
import { randomFloats } from './helpers/random.js';

const pickOf = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;

/**
 * Rows with many equal keys, awkward numbers (-0, NaN, Infinity, fractions), texts that differ
 * only in case or in characters outside ASCII, PIDs out of order and PIDs twice (a reused PID
 * beside a tombstone: same PID, another start time, and once the very same identity twice).
 */
function hostileRows(count: number, seed: number): ProcessRow[] {
  const random = randomFloats(seed);
  const rows: ProcessRow[] = [];
  const pids: number[] = [];
  for (let i = 0; i < count; i++) {
    const reuse = pids.length > 0 && random() < 0.05;
    const pid = reuse ? pickOf(random, pids) : 1 + Math.floor(random() * 4_000_000);
    pids.push(pid);
    const startTime = reuse && random() < 0.3 ? 1000 + pid : Math.floor(random() * 50);
    const words = ['sleep', 'Sleep', 'node', 'nöde', 'python3', '', '日本', 'zsh'];
    const argv = random() < 0.1 ? [] : [pickOf(random, words), pickOf(random, words)];
    rows.push(
      syntheticRow({
        pid,
        startTime,
        ppid: 1,
        user: pickOf(random, ['root', 'alice', 'Alice', 'bob', 'ålice']),
        state: pickOf(random, ['S', 'R', 'D', 'Z', 'I']),
        comm: pickOf(random, words) || 'kworker/0:1',
        argv,
        cpuPercent: pickOf(random, [0, -0, 0, 0.1, 12.5, 12.5, 99.9, 200, Number.NaN, Number.POSITIVE_INFINITY, random() * 100]),
        rssBytes: pickOf(random, [0, 4096, 4096, 1 << 30, Math.floor(random() * 1e9)]),
        threads: pickOf(random, [1, 1, 2, 64]),
        nice: pickOf(random, [-20, 0, 0, 19]),
        priority: pickOf(random, [0, 20, 39]),
        utime: Math.floor(random() * 5),
        stime: Math.floor(random() * 5),
      }),
    );
  }
  return rows;
}

const reference = (rows: readonly ProcessRow[], column: ColumnId, descending: boolean): ProcessRow[] => rows.slice().sort(rowComparator(column, descending));

describe('sortRows', () => {
  it('gives the comparator order for every column, both ways, on rows with ties, NaN, -0 and reused PIDs', () => {
    for (const seed of [1, 2, 3]) {
      const rows = hostileRows(5000, seed);
      for (const column of COLUMN_IDS) {
        for (const descending of [false, true]) {
          const fast = sortRows(rows, column, descending);
          const slow = reference(rows, column, descending);
          // Compare by position in the input: the very same row object, not an equal one.
          const at = (list: readonly ProcessRow[]) => list.map((row) => rows.indexOf(row));
          expect(at(fast), `seed ${seed}, ${column} ${descending ? 'descending' : 'ascending'}`).toEqual(at(slow));
        }
      }
    }
  });

  it('keeps the order given between rows of one identity, and sorts rows already in PID order', () => {
    const one = syntheticRow({ pid: 500, startTime: 7, cpuPercent: 1 });
    const twin = { ...one };
    const rows = [...Array.from({ length: 3000 }, (_, i) => syntheticRow({ pid: 1000 + i, cpuPercent: i % 3 })), one, twin];
    const sorted = sortRows(rows, 'cpu', true);
    expect(sorted.indexOf(one)).toBeLessThan(sorted.indexOf(twin));
    expect(sorted.map((row) => row.pid)).toEqual(reference(rows, 'cpu', true).map((row) => row.pid));
    expect(sortRows(rows, 'pid', false).map((row) => row.pid)).toEqual(reference(rows, 'pid', false).map((row) => row.pid));
  });

  it('reads each key once per row through the sampler rows getters (not once per comparison)', () => {
    const basis = { clockTicks: 100, uptimeSeconds: 1000, bootTimeMs: 0, memTotalBytes: 8e9, maxPercent: 200 };
    const rows = hostileRows(4000, 9).map((row) => new SampledRow({ ...row }, row.key, row.name, row.cpuPercent, basis));
    let reads = 0;
    const counted = rows.map((row) =>
      Object.defineProperty(Object.create(row) as ProcessRow, 'rssBytes', {
        get: () => {
          reads++;
          return row.rssBytes;
        },
      }),
    );
    const fast = sortRows(counted, 'rss', true);
    expect(reads).toBe(counted.length);
    expect(fast.map((row) => counted.indexOf(row))).toEqual(reference(counted, 'rss', true).map((row) => counted.indexOf(row)));
  });

  it('is what the process list shows, flat and as a tree', () => {
    const rows = hostileRows(3000, 4).map((row, i) => ({ ...row, pid: 10 + i, key: `${10 + i}:${row.startTime}` as ProcessRow['key'], ppid: i < 10 ? 1 : 10 + (i % 10) }));
    const query = { sortColumn: 'cpu' as const, descending: true, filter: '', user: null, hideKernelThreads: false, tree: false };
    expect(displayRows(rows, query).map((line) => line.row)).toEqual(reference(rows, 'cpu', true));
    const tree = displayRows(rows, { ...query, tree: true });
    expect(tree).toHaveLength(rows.length);
    // Siblings keep the sorted order: the roots appear in it.
    const roots = tree.filter((line) => line.depth === 0).map((line) => line.row);
    const order = reference(rows, 'cpu', true);
    expect(roots).toEqual(order.filter((row) => roots.includes(row)));
  });
});
