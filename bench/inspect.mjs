// The inspect section of `npm run bench -- --only inspect`: one whole-process read (what
// `proctop inspect` does) and the per-refresh cost of the optional list columns IO_R/s, IO_W/s
// (/proc/PID/io of every process) and CGROUP (read once per identity, then cached), against the
// plain steady refresh in the same interleaved rounds. Medians.
import { median, timed } from './snapshot.mjs';
import { fmt } from './rss.mjs';

/**
 * @param {{ procs: number, runs?: number, lib: any }} options lib = the bundled proctop library
 * @returns {Promise<string>}
 */
export async function run({ procs, runs = 15, lib }) {
  const native = lib.createNativeCollector('/proc');
  const collector = typeof native === 'string' ? lib.createJsCollector('/proc') : native;
  // The same extras read file by file (the JS backend's way), for the native collector's batches to stand beside.
  const oneByOne = typeof native === 'string' ? null : lib.createJsCollector('/proc');
  const names = ['plain', 'io+cgroup', 'io+ctxsw', 'io+ctxsw one by one', 'inspect', 'inspect --sha256 --threads'];
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  let visible = 0;
  // The first round warms the cgroup cache, as the list's first refresh with the column on does.
  for (let round = 0; round <= runs; round++) {
    const plain = await timed(() => collector.snapshot());
    let snapshot;
    const ioCgroup = await timed(async () => {
      snapshot = await collector.snapshot();
      await collector.readExtras(snapshot.processes, { io: true, cgroup: true });
    });
    visible = snapshot.processes.length;
    const ioCtxsw = await timed(async () => collector.readExtras((await collector.snapshot()).processes, { io: true, status: true }));
    const ioCtxswOneByOne = oneByOne ? await timed(async () => oneByOne.readExtras((await collector.snapshot()).processes, { io: true, status: true })) : null;
    const inspect = await timed(() => collector.inspect(process.pid, null, { smaps: true, lineage: true }));
    const deep = await timed(() => collector.inspect(process.pid, null, { smaps: true, lineage: true, sha256: true, threads: true }));
    if (round === 0) continue;
    samples.plain.push(plain);
    samples['io+cgroup'].push(ioCgroup);
    samples['io+ctxsw'].push(ioCtxsw);
    if (ioCtxswOneByOne) samples['io+ctxsw one by one'].push(ioCtxswOneByOne);
    samples.inspect.push(inspect);
    samples['inspect --sha256 --threads'].push(deep);
  }
  const m = (name, key) => median(samples[name].map((s) => s[key]));
  const base = m('plain', 'ms');
  const row = (label, name) => `| ${label} | ${fmt(m(name, 'ms'))} | ${fmt(m(name, 'cpuMs'))} | ${(m(name, 'ms') / base).toFixed(2)}× | +${fmt(m(name, 'ms') - base)} |`;
  return [
    `### Inspect and the optional list columns: ${procs} farm processes (${visible} visible), ${collector.backend} backend, median of ${runs} interleaved runs`,
    '',
    '| read | median ms | CPU ms | vs plain refresh | added per refresh, ms |',
    '|---|---:|---:|---:|---:|',
    row('plain steady refresh (the list without the columns)', 'plain'),
    row('refresh + IO_R/s, IO_W/s and CGROUP for every process (cgroup cached)', 'io+cgroup'),
    row('refresh + IO and CTXSW/s for every process', 'io+ctxsw'),
    ...(oneByOne ? [row('the same, files read one by one through libuv (the JS backend\'s extras)', 'io+ctxsw one by one')] : []),
    `| proctop inspect of one process (smaps_rollup, lineage, fd counts) | ${fmt(m('inspect', 'ms'))} | ${fmt(m('inspect', 'cpuMs'))} | – | – |`,
    `| the same with --sha256 --threads (node's ~100 MB binary hashed) | ${fmt(m('inspect --sha256 --threads', 'ms'))} | ${fmt(m('inspect --sha256 --threads', 'cpuMs'))} | – | – |`,
    '',
    `The extras reader's parsers are TypeScript on both backends; the ${collector.backend} collector reads the files ${oneByOne ? 'through the addon, 256 processes per call (readProcFiles)' : 'one by one through libuv'}. The columns still cost more than the native snapshot itself, so they are read only while a column is on.`,
    '',
  ].join('\n');
}
