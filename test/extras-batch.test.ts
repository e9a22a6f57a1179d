// The native collector's extras read files through the addon's readProcFiles in batches (a
// ProcFileBatch): what a batch reads must be exactly what the JS reader reads file by file.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeAddon } from '../src/sys/native-addon.js';
import { nativeFileBatch, unpackProcFiles } from '../src/sys/native-files.js';
import { ExtrasReader } from '../src/sys/js/extras.js';
import { nodeProcFiles, type ProcFileBatch } from '../src/sys/js/proc-files.js';
import type { ExtrasRequest, ProcessIdentity } from '../src/sys/types.js';
import { requireAddon } from './helpers/native-addon.js';
import { createProcFixture, limitsText, manyPitfalls, type FixtureProcess, type ProcFixture } from './helpers/proc-fixture.js';

const EVERYTHING: ExtrasRequest = { io: true, status: true, fdCount: true, cgroup: true, faults: true, fdLimit: true, smapsRollup: true };

/** A process with every extras file, varied by `i` so a record paired with another's file shows. */
function extrasProcess(pid: number, i: number): FixtureProcess {
  return {
    pid,
    comm: `w${i}`,
    argv: [`w${i}`],
    startTime: 9000 + i,
    ioText: `rchar: ${i}\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: ${i * 4096}\nwrite_bytes: 0\ncancelled_write_bytes: 0\n`,
    ctxSwitches: [i, 2 * i],
    vmRssKb: 1000 + i,
    faults: [i, 1],
    fdCount: i % 7,
    cgroupText: `0::/system.slice/unit-${i}.service\n`,
    limitsText: limitsText(String(1024 + i), '524288'),
    smapsRollupText: `Rss:    9000 kB\nPss:    ${i} kB\nSwapPss:   0 kB\n`,
  };
}

describe('extras read in batches (native readProcFiles)', () => {
  let addon: NativeAddon;
  let fixture: ProcFixture;
  let targets: ProcessIdentity[];
  beforeAll(async () => {
    addon = requireAddon();
    // 600 processes with every file (three batches of 256, two read ahead), and the pitfall ones.
    const processes = [...Array.from({ length: 600 }, (_, i) => extrasProcess(20_000 + i, i)), ...manyPitfalls(3)];
    fixture = await createProcFixture({ processes });
    targets = processes.filter((p) => !p.vanished).map((p) => ({ pid: p.pid, startTime: Number(p.startTime ?? 0) }));
    // A target that is gone, and one whose pid now names another process.
    targets.push({ pid: 99_999, startTime: 1 }, { pid: 20_001, startTime: 1 });
  });
  afterAll(() => fixture?.cleanup());

  it('reads the same extras as the JS reader, file by file, in the targets order', async () => {
    const batched = await new ExtrasReader(fixture.root, { batch: nativeFileBatch(addon.readProcFiles, fixture.root) }).read(targets, EVERYTHING);
    const one = await new ExtrasReader(fixture.root, { files: nodeProcFiles }).read(targets, EVERYTHING);
    expect(batched).toEqual(one);
    expect(batched).toHaveLength(targets.length);
    expect(batched[5]).toMatchObject({ pid: 20_005, alive: true, comm: 'w5', fdCount: 5, fdLimit: 1029, status: { rssBytes: 1005 * 1024 } });
    expect(batched.at(-2)).toMatchObject({ pid: 99_999, alive: false });
    expect(batched.at(-1)).toMatchObject({ pid: 20_001, alive: false });
  });

  it('reads a file it cannot open as the JS reader does: the same field error', async () => {
    // A file of a non-procfs tree the reader may not read: EACCES for anyone but root, so a bad
    // line in its place shows the format error both ways.
    writeFileSync(join(fixture.root, '20010', 'io'), 'rchar: x\n');
    const root = process.getuid?.() === 0;
    if (!root) chmodSync(join(fixture.root, '20011', 'io'), 0o000);
    const some = targets.filter((t) => t.pid === 20_010 || t.pid === 20_011);
    const batched = await new ExtrasReader(fixture.root, { batch: nativeFileBatch(addon.readProcFiles, fixture.root) }).read(some, { io: true });
    const one = await new ExtrasReader(fixture.root).read(some, { io: true });
    expect(batched).toEqual(one);
    expect(batched[0]?.errors).toEqual([{ field: 'io', code: 'OTHER', message: `unexpected format in ${fixture.root}/20010/io` }]);
    if (!root) expect(batched[1]?.errors).toEqual([expect.objectContaining({ field: 'io', code: 'EACCES' })]);
  });

  it('reads the cgroup only of identities it has not seen, and stat last', async () => {
    const names: string[][] = [];
    const real = nativeFileBatch(addon.readProcFiles, fixture.root);
    const recording: ProcFileBatch = {
      read: (pids, asked, countFds) => {
        names.push([...asked]);
        return real.read(pids, asked, countFds);
      },
    };
    const reader = new ExtrasReader(fixture.root, { batch: recording });
    const some = targets.slice(0, 10);
    const first = await reader.read(some, { cgroup: true, status: true });
    expect(first[3]?.cgroup).toMatchObject({ unit: 'unit-3.service' });
    expect(names).toEqual([['status', 'cgroup', 'stat']]);
    names.length = 0;
    const again = await reader.read(some, { cgroup: true, status: true });
    expect(again).toEqual(first);
    expect(names).toEqual([['status', 'stat']]);
  });

  it('falls back to reading file by file when a batch call fails', async () => {
    const failing: ProcFileBatch = { read: () => Promise.reject(new Error('no worker')) };
    const some = targets.slice(0, 300);
    const batched = await new ExtrasReader(fixture.root, { batch: failing }).read(some, EVERYTHING);
    expect(batched).toEqual(await new ExtrasReader(fixture.root).read(some, EVERYTHING));
  });

  it('readProcFiles reads the named files in order, counts fd entries, and names each failure by its errno', async () => {
    writeFileSync(join(fixture.root, '20003', 'comm'), 'w3\n');
    const packed = await addon.readProcFiles(fixture.root, [20_003, 99_999], ['comm', 'nosuchfile', 'stat'], { countFds: true });
    const { files, fdCounts } = unpackProcFiles(packed, 2, 3, true);
    expect(files[0]).toEqual({ text: 'w3\n', error: null });
    expect(files[1]).toMatchObject({ text: null, error: { code: 'ENOENT' } });
    expect(files[2]?.text).toMatch(/^20003 \(w3\) S /);
    for (const k of [3, 4, 5]) expect(files[k]).toMatchObject({ text: null, error: { code: 'ENOENT' } });
    expect(fdCounts[0]).toBe(3);
    expect(fdCounts[1]).toMatchObject({ code: 'ENOENT' });
  });

  it('keeps bytes that are not UTF-8 as the JS reader does', async () => {
    writeFileSync(join(fixture.root, '20020', 'comm'), Buffer.from([0x61, 0xff, 0xfe, 0x0a, 0xe2, 0x82]));
    const [batched] = (await nativeFileBatch(addon.readProcFiles, fixture.root).read([20_020], ['comm'], false)).files;
    expect(batched).toEqual({ text: await nodeProcFiles.readText(join(fixture.root, '20020', 'comm')), error: null });
    expect(batched?.text).toBe('a\udcff\udcfe\n\udce2\udc82');
  });

  it('refuses names that are not plain file names, and pids that are not positive integers', () => {
    for (const bad of ['', '../stat', 'fd/0', 'Status', 'a'.repeat(33), 'stat.', 7]) {
      expect(() => addon.readProcFiles(fixture.root, [1], [bad as string], { countFds: false })).toThrow(/every name must be a file name of 1 to 32 letters/);
    }
    for (const bad of [0, -1, 1.5, 2 ** 31, '1']) {
      expect(() => addon.readProcFiles(fixture.root, [bad as number], ['stat'], { countFds: false })).toThrow(/every pid must be a positive integer/);
    }
  });

  it('rejects when the proc root cannot be opened', async () => {
    await expect(addon.readProcFiles(join(fixture.root, 'nowhere'), [1], ['stat'], { countFds: false })).rejects.toThrow(/cannot open .*nowhere/);
  });
});
