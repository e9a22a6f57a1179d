// The decoder's loops keep their optimized code from read to read (README Design: the decoding
// loops). Fresh readers' first reads of 5,000 packed processes, beside a steady reader that lives
// throughout, with a full GC after each: once warm, V8 must neither throw away nor deoptimize
// applyRows, countUnbuilt, listRecords or SlotStore.setFromRow. Read from V8's own trace
// (--trace-opt --trace-deopt) in a fresh node: when a read's objects had shapes no live object
// kept, every full GC discarded the code ("reason: weak objects") and the next first read had V8
// compile it all again on the threads the event loop shares its CPUs with.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { repoRoot } from './helpers/cli.js';

const WARM_ROUNDS = 4;
const ROUNDS = 12;

/** The child: packs reads the way the addon does (fresh buffers for a first read) and decodes them. */
const CHILD = `
import { CPU_FIELDS, NativeSnapshotReader, PROCESS_COLUMNS, SYSTEM_FIELDS } from './src/sys/native-snapshot.ts';
const N = 5000;
const column = (name) => PROCESS_COLUMNS.indexOf(name);
function pack(rows, withDetails) {
  const count = rows.length;
  const columns = new Float64Array(PROCESS_COLUMNS.length * count);
  const texts = [];
  rows.forEach(([slot, utime], i) => {
    const put = (name, value) => { columns[column(name) * count + i] = value; };
    put('pid', slot + 100); put('startTime', 5000 + slot); put('ppid', 1); put('state', 83); put('utime', utime);
    put('vsizeBytes', 4096 * (slot + 1)); put('rssBytes', 4096); put('slot', slot); put('priority', 20); put('threads', 1);
    if (withDetails) {
      const text = Buffer.from('worker' + (slot % 40) + '\\0user\\0/usr/bin/worker\\0worker\\0--id=' + slot + '\\0', 'latin1');
      texts.push(text);
      put('detailsFresh', 1); put('hasExe', 1); put('argc', 2); put('textAscii', 1); put('textBytes', text.length);
    }
  });
  const text = Buffer.concat(texts);
  return {
    count, columns, order: Uint32Array.from({ length: N }, (_, i) => i), freed: new Uint32Array(0),
    system: new Float64Array(SYSTEM_FIELDS.length + CPU_FIELDS.length),
    text: text.buffer.slice(text.byteOffset, text.byteOffset + text.length), textLength: text.length, textOwned: text.length >= 65536,
    warnings: [],
  };
}
const firstRead = () => pack(Array.from({ length: N }, (_, slot) => [slot, 1]), true);
let tick = 1;
const changes = () => pack(Array.from({ length: 200 }, (_, i) => [(i * 25 + tick) % N, ++tick]), false);
const source = (next) => ({
  read: () => Promise.resolve(next()),
  forgetAll() {},
  handleStats: () => ({}), listingStats: () => ({}), readerThread: () => ({}),
});
let steadyReads = 0;
const steady = new NativeSnapshotReader(source(() => (steadyReads++ === 0 ? firstRead() : changes())));
await steady.snapshot();
for (let round = 0; round < ${ROUNDS}; round++) {
  console.log('ROUND ' + round);
  const fresh = await new NativeSnapshotReader(source(firstRead)).snapshot();
  if (fresh.processes.length !== N || fresh.processes[N - 1].argv[1] !== '--id=' + (N - 1)) throw new Error('bad first read');
  const kept = await steady.snapshot();
  if (kept.processes.length !== N) throw new Error('bad steady read');
  globalThis.gc();
}
console.log('DONE');
`;

const dir = mkdtempSync(join(tmpdir(), 'proctop-decode-stability-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The functions whose code must stay: a V8 trace line about one of them. */
const WATCHED = /<(?:JSFunction|SharedFunctionInfo) (applyRows|countUnbuilt|listRecords|setFromRow)\b/;

describe('the native snapshot decoder under V8', () => {
  it('keeps its loops optimized across reads and full GCs once warm', async () => {
    const entry = join(dir, 'child.mjs');
    await build({
      stdin: { contents: CHILD, resolveDir: repoRoot, loader: 'ts', sourcefile: 'child.ts' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outfile: entry,
      logLevel: 'silent',
    });
    const run = spawnSync(process.execPath, ['--expose-gc', '--trace-opt', '--trace-deopt', entry], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const warm = lines.indexOf(`ROUND ${WARM_ROUNDS}`);
    const done = lines.indexOf('DONE');
    expect(warm).toBeGreaterThan(0);
    expect(done).toBeGreaterThan(warm);
    // The check means something only if V8 did optimize the loops.
    expect(lines.slice(0, warm).filter((line) => /completed (optimizing|compiling)/.test(line) && WATCHED.test(line)).length).toBeGreaterThan(0);
    const thrownAway = lines.slice(warm, done).filter((line) => /deoptimiz|for deoptimization/.test(line) && WATCHED.test(line));
    expect(thrownAway).toEqual([]);
  }, 150_000);
});
